/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The hardware layer's discovery (spec 2): the block directory, each
 * block's checks (inside BAR0, minimum size, no overlap, known version) and
 * its vfio_bar access path, then the ID block.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <rte_bus_pci.h>
#include <bus_pci_driver.h>

#include "opnic_hw.h"
#include "opnic_logs.h"

#define OPNIC_DIR_SIZE 0x100	/* the directory's span read at discovery */

/* Spec 2: the directory header at BAR0+0. Returns the block count. */
static int
dir_open(struct opnic_io *io, const char *name, uint32_t bar0)
{
	struct vbar_block *dir = &io->blk[OPNIC_BLK_DIR];
	uint32_t magic, ver, count;

	if (bar0 < OPNIC_DIR_SIZE) {
		PMD_DRV_LOG(ERR, "%s: BAR0 is 0x%x bytes; the register directory "
			    "alone needs 0x100", name, bar0);
		return -EINVAL;
	}
	if (vbar_block_init(&io->vb, 0, 0, OPNIC_DIR_SIZE, dir) != 0)
		return -EINVAL;
	magic = vbar_read32(dir, OPNIC_DIR_REG_MAGIC);
	ver = vbar_read32(dir, OPNIC_DIR_REG_VERSION);
	count = vbar_read32(dir, OPNIC_DIR_REG_COUNT);
	if (magic != OPNIC_DIR_MAGIC) {
		PMD_DRV_LOG(ERR, "%s: no opnic register directory at BAR0+0 "
			    "(magic 0x%08x, want 0x%08x)", name, magic,
			    OPNIC_DIR_MAGIC);
		return -ENODEV;
	}
	if (ver != OPNIC_DIR_VERSION) {
		PMD_DRV_LOG(ERR, "%s: register directory version %u; this driver "
			    "knows version %u only", name, ver, OPNIC_DIR_VERSION);
		return -ENOTSUP;
	}
	if (count == 0 || count > OPNIC_DIR_MAX_ENTRIES) {
		PMD_DRV_LOG(ERR, "%s: register directory lists %u blocks (1..%u)",
			    name, count, OPNIC_DIR_MAX_ENTRIES);
		return -EINVAL;
	}
	io->have_blk[OPNIC_BLK_DIR] = 1;
	return (int)count;
}

/* Directory entry i: type, version, offset and size (spec 2). */
static void
entry_read(const struct opnic_io *io, uint32_t i, uint32_t *type,
	   uint32_t *bver, uint32_t *off, uint32_t *size)
{
	const struct vbar_block *dir = &io->blk[OPNIC_BLK_DIR];
	uint32_t e = OPNIC_DIR_ENTRY_BASE + i * OPNIC_DIR_ENTRY_SIZE;
	uint32_t tv = vbar_read32(dir, e);

	*type = tv & 0xffff;
	*bver = tv >> 16;
	*off = vbar_read32(dir, e + 4);
	*size = vbar_read32(dir, e + 8);
}

/* The MSI-X entries are offsets in the MSI-X BAR, not in BAR0's layout. */
static int
entry_in_bar0(uint32_t type)
{
	return type != OPNIC_BLK_MSIX_TABLE && type != OPNIC_BLK_MSIX_PBA;
}

/*
 * Spec 2: no block overlaps another (nor the directory). Every BAR0 entry,
 * known type or not, against every other; run after each entry was found
 * to fit BAR0, so sums do not wrap.
 */
static int
check_overlap(const struct opnic_io *io, const char *name, uint32_t count)
{
	uint32_t i, j, ti, tj, v, oi, si, oj, sj;

	for (i = 0; i < count; i++) {
		entry_read(io, i, &ti, &v, &oi, &si);
		if (!entry_in_bar0(ti))
			continue;
		if (ti != OPNIC_BLK_DIR && oi < OPNIC_DIR_SIZE) {
			PMD_DRV_LOG(ERR, "%s: register block '%s' at 0x%x size 0x%x "
				    "overlaps the directory (0x0+0x%x)", name,
				    opnic_block_name(ti), oi, si, OPNIC_DIR_SIZE);
			return -EINVAL;
		}
		for (j = i + 1; j < count; j++) {
			entry_read(io, j, &tj, &v, &oj, &sj);
			if (!entry_in_bar0(tj) || oi >= oj + sj || oj >= oi + si)
				continue;
			PMD_DRV_LOG(ERR, "%s: register block '%s' (0x%x+0x%x) overlaps "
				    "block '%s' (0x%x+0x%x)", name,
				    opnic_block_name(ti), oi, si,
				    opnic_block_name(tj), oj, sj);
			return -EINVAL;
		}
	}
	return 0;
}

/* One directory entry: check the block against what this driver knows and
 * fix its access path. */
static int
dir_entry(struct opnic_io *io, const char *name, uint32_t bar0, uint32_t i)
{
	uint32_t type, bver, off, size;

	entry_read(io, i, &type, &bver, &off, &size);

	if (type == OPNIC_BLK_DIR || type == OPNIC_BLK_MSIX_TABLE ||
	    type == OPNIC_BLK_MSIX_PBA)
		return 0;	/* the MSI-X ones come from config space */
	if (type >= OPNIC_BLK_NTYPES) {
		/* Ignored, but it must still fit BAR0 (overlap check). */
		if ((uint64_t)off + size > bar0) {
			PMD_DRV_LOG(ERR, "%s: register block type %u at 0x%x size "
				    "0x%x does not fit BAR0 (0x%x bytes)", name, type,
				    off, size, bar0);
			return -EINVAL;
		}
		PMD_DRV_LOG(INFO, "%s: ignoring unknown register block type %u "
			    "at 0x%x", name, type, off);
		return 0;
	}
	if (bver != OPNIC_BLK_VERSION) {
		PMD_DRV_LOG(ERR, "%s: register block '%s' at BAR0+0x%x has "
			    "version %u; this driver knows version %u only "
			    "(bitstream and driver do not match)", name,
			    opnic_block_name(type), off, bver, OPNIC_BLK_VERSION);
		return -ENOTSUP;
	}
	if (io->have_blk[type]) {
		PMD_DRV_LOG(ERR, "%s: register block '%s' listed twice", name,
			    opnic_block_name(type));
		return -EINVAL;
	}
	if ((uint64_t)off + size > bar0 || (off & 3) != 0 || size == 0) {
		PMD_DRV_LOG(ERR, "%s: register block '%s' at 0x%x size 0x%x "
			    "does not fit BAR0 (0x%x bytes)", name,
			    opnic_block_name(type), off, size, bar0);
		return -EINVAL;
	}
	if (vbar_touches_msix(&io->vb, 0, off, size)) {
		PMD_DRV_LOG(ERR, "%s: register block '%s' at 0x%x size 0x%x "
			    "overlaps the MSI-X table or PBA", name,
			    opnic_block_name(type), off, size);
		return -EINVAL;
	}
	if (vbar_block_init(&io->vb, 0, off, size, &io->blk[type]) != 0)
		return -EINVAL;
	io->have_blk[type] = 1;
	return 0;
}

/* Every block this driver needs is there and large enough for the queues
 * the ID block reports; then the rest of the ID block. */
static int
check_blocks(struct opnic_io *io, const char *name, struct opnic_id *id)
{
	uint32_t t;

	for (t = OPNIC_BLK_ID; t < OPNIC_BLK_NTYPES; t++) {
		if (t == OPNIC_BLK_MSIX_TABLE || t == OPNIC_BLK_MSIX_PBA ||
		    t == OPNIC_BLK_MBOX || io->have_blk[t])
			continue;
		PMD_DRV_LOG(ERR, "%s: the directory has no '%s' block", name,
			    opnic_block_name(t));
		return -ENODEV;
	}
	if (opnic_hw_id_read(io, OPNIC_ID_MAGIC) != OPNIC_ID_MAGIC_VALUE) {
		PMD_DRV_LOG(ERR, "%s: ID block magic mismatch", name);
		return -ENODEV;
	}
	id->num_queues = opnic_hw_id_read(io, OPNIC_ID_NUM_QUEUES);
	if (id->num_queues == 0 || id->num_queues > OPNIC_QCFG_MAX_QUEUES) {
		PMD_DRV_LOG(ERR, "%s: device reports %u queues (1..%u)", name,
			    id->num_queues, OPNIC_QCFG_MAX_QUEUES);
		return -EINVAL;
	}
	for (t = OPNIC_BLK_ID; t < OPNIC_BLK_NTYPES; t++) {
		uint32_t need = opnic_block_min_size(t, id->num_queues);

		if (!io->have_blk[t] || io->blk[t].size >= need)
			continue;
		PMD_DRV_LOG(ERR, "%s: block '%s' is 0x%x bytes, %u queues need 0x%x",
			    name, opnic_block_name(t), io->blk[t].size,
			    id->num_queues, need);
		return -EINVAL;
	}
	id->max_frame = opnic_hw_id_read(io, OPNIC_ID_MAX_FRAME);
	if (id->max_frame < RTE_ETHER_MIN_LEN || id->max_frame > OPNIC_MAX_BUF)
		id->max_frame = RTE_ETHER_MAX_LEN;
	id->fw_version = opnic_hw_id_read(io, OPNIC_ID_FW_VERSION);
	id->dev_version = opnic_hw_id_read(io, OPNIC_ID_DEV_VERSION);
	id->caps = opnic_hw_id_read(io, OPNIC_ID_CAPS);
	id->reta_size = 0;
	if (id->caps & OPNIC_CAP_RSS) {
		uint32_t n = vbar_read32(&io->blk[OPNIC_BLK_RSS],
					 OPNIC_RSS_RETA_SIZE_REG);

		/* Spec 3.6: RO, 128 in this revision. This driver's tables
		 * hold up to OPNIC_RSS_RETA_SIZE entries. */
		if (n == 0 || n > OPNIC_RSS_RETA_SIZE ||
		    io->blk[OPNIC_BLK_RSS].size < OPNIC_RSS_RETA + n) {
			PMD_DRV_LOG(WARNING, "%s: RSS RETA_SIZE reads %u (this driver "
				    "takes 1..%u within the block): RSS not offered",
				    name, n, OPNIC_RSS_RETA_SIZE);
			id->caps &= ~OPNIC_CAP_RSS;
		} else {
			id->reta_size = n;
		}
	}
	return 0;
}

/* "name@off:path" for every block, for the probe log. */
static void
blocks_line(const struct opnic_io *io, char *line, size_t len)
{
	size_t n = 0;
	uint32_t t;

	line[0] = '\0';
	for (t = 0; t < OPNIC_BLK_NTYPES && n < len; t++) {
		if (!io->have_blk[t])
			continue;
		n += (size_t)snprintf(line + n, len - n, "%s %s@0x%x:%s",
				      n ? "," : "", opnic_block_name(t),
				      io->blk[t].off,
				      io->blk[t].addr ? "mapped" : "region-rw");
	}
}

/* Spec 2: read the directory, check every block against what this driver
 * knows, and fix each block's access path. */
int
opnic_hw_discover(struct opnic_io *io, const char *name, struct opnic_id *id)
{
	uint32_t bar0 = (uint32_t)io->vb.bar[0].size, i;
	char desc[512], line[768];
	int count, ret;

	count = dir_open(io, name, bar0);
	if (count < 0)
		return count;
	for (i = 0; i < (uint32_t)count; i++) {
		ret = dir_entry(io, name, bar0, i);
		if (ret != 0)
			return ret;
	}
	ret = check_overlap(io, name, (uint32_t)count);
	if (ret != 0)
		return ret;
	ret = check_blocks(io, name, id);
	if (ret != 0)
		return ret;
	/* Say once which blocks are mapped and which fall back, and why. */
	vbar_describe(&io->vb, desc, sizeof(desc));
	PMD_DRV_LOG(NOTICE, "%s: %s", name, desc);
	PMD_DRV_LOG(NOTICE, "%s: %s", name, io->vb.why);
	blocks_line(io, line, sizeof(line));
	PMD_DRV_LOG(NOTICE, "%s: register blocks:%s%s", name, line,
		    io->vb.mode == VBAR_MODE_RW ?
		    " (regs=rw forces region r/w)" : "");
	return 0;
}
