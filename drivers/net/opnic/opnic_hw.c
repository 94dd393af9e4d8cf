/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The hardware layer (opnic_hw.h): block discovery (spec 2), reset (spec
 * 3.1), MAC and link (3.2, 3.3), queue start/stop and doorbells (3.4, 3.5),
 * RSS (3.6), counters (3.7) and MSI-X vector 0 (spec 4). Every register
 * access goes through the block's vfio_bar path fixed at discovery.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_bus_pci.h>
#include <bus_pci_driver.h>

#include "opnic_hw.h"
#include "opnic_logs.h"

#define OPNIC_WAIT_US 2000000	/* one register wait, at most */
#define OPNIC_DIR_SIZE 0x100	/* the directory's span read at discovery */

/*
 * The PCI command register (config space 0x04), read-modify-write through
 * the VFIO config region, as DPDK 22.11's bus does on its own mapping path
 * (pci_vfio_enable_bus_memory, pci_vfio_set_bus_master). *now is the value
 * read back after the write. 0, or -EIO with a message naming the register.
 */
static int
pci_cmd_update(struct opnic_io *io, uint16_t set, uint16_t clr, uint16_t *now)
{
	const char *name = io->vb.pci->device.name;
	uint16_t cmd, want;

	if (vbar_cfg_read(&io->vb, &cmd, sizeof(cmd), PCI_COMMAND) != 0) {
		PMD_DRV_LOG(ERR, "%s: cannot read the PCI command register "
			    "(config 0x%x): %s", name, PCI_COMMAND, strerror(errno));
		return -EIO;
	}
	cmd = rte_le_to_cpu_16(cmd);
	if (cmd == 0xffff) {
		/* All ones: the function does not answer. Writing back a value
		 * derived from it would set every other command bit. */
		PMD_DRV_LOG(ERR, "%s: PCI command register reads 0xffff: the "
			    "function does not answer", name);
		return -ENODEV;
	}
	want = (uint16_t)((cmd | set) & ~clr);
	if (want != cmd) {
		uint16_t le = rte_cpu_to_le_16(want);

		if (vbar_cfg_write(&io->vb, &le, sizeof(le), PCI_COMMAND) != 0) {
			PMD_DRV_LOG(ERR, "%s: cannot write 0x%04x to the PCI command "
				    "register (config 0x%x, was 0x%04x): %s", name,
				    want, PCI_COMMAND, cmd, strerror(errno));
			return -EIO;
		}
		/* Read back: a non-posted read, so the write has reached the
		 * function when it returns. */
		if (vbar_cfg_read(&io->vb, &cmd, sizeof(cmd), PCI_COMMAND) != 0)
			return -EIO;
		cmd = rte_le_to_cpu_16(cmd);
	}
	if (now != NULL)
		*now = cmd;
	return 0;
}

/*
 * Memory Space and Bus Master Enable. DPDK's bus sets both when it maps the
 * device; when vfio_bar set the device up itself nobody did, and a function
 * without them answers no MMIO and issues no DMA. Bus Master goes off again
 * at close (and when DMA must be cut, opnic_hw_dma_cut).
 */
int
opnic_hw_bus_master(struct opnic_io *io, int on)
{
	uint16_t cmd;
	int ret;

	ret = pci_cmd_update(io, on ? PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER : 0,
			     on ? 0 : PCI_COMMAND_MASTER, &cmd);
	if (ret != 0)
		return ret;
	if (on && (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
	    (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) {
		PMD_DRV_LOG(ERR, "%s: PCI command register reads 0x%04x after "
			    "setting Memory Space and Bus Master Enable",
			    io->vb.pci->device.name, cmd);
		return -EIO;
	}
	return 0;
}

/*
 * Cut the function's DMA: Bus Master off, confirmed by reading the command
 * register back. The read is non-posted and PCIe does not let its
 * completion pass the function's earlier posted writes, so once it returns
 * with Bus Master clear nothing the device wrote before is still on its
 * way and nothing more can come. 0 only then; the next start resets the
 * function before Bus Master goes on again (opnic_hw_dma_restore).
 */
int
opnic_hw_dma_cut(struct opnic_io *io)
{
	uint16_t cmd = 0xffff;
	int ret;

	if (!io->primary)
		return -EPERM;
	ret = pci_cmd_update(io, 0, PCI_COMMAND_MASTER, &cmd);
	if (ret == 0 && (cmd & PCI_COMMAND_MASTER) != 0)
		ret = -EIO;
	if (ret != 0) {
		PMD_DRV_LOG(ERR, "%s: cannot cut DMA: Bus Master Enable not "
			    "confirmed off (PCI command 0x%04x)",
			    io->vb.pci->device.name, cmd);
		return ret;
	}
	io->dma_cut = 1;
	PMD_DRV_LOG(WARNING, "%s: DMA cut (Bus Master Enable off, PCI command "
		    "0x%04x); the next start resets the device",
		    io->vb.pci->device.name, cmd);
	return 0;
}

int
opnic_hw_dma_restore(struct opnic_io *io)
{
	int ret;

	if (!io->dma_cut)
		return 0;
	ret = opnic_hw_reset(io);
	if (ret == 0)
		ret = opnic_hw_bus_master(io, 1);
	if (ret == 0)
		io->dma_cut = 0;
	return ret;
}

struct opnic_io *
opnic_hw_open(struct rte_pci_device *pci, int regs_rw, int *err)
{
	struct opnic_io *io = calloc(1, sizeof(*io));

	*err = -ENOMEM;
	if (io == NULL)
		return NULL;
	*err = vbar_open(&io->vb, pci, regs_rw ? VBAR_MODE_RW : VBAR_MODE_AUTO);
	if (*err != 0) {
		free(io);
		return NULL;
	}
	/* The primary owns the function: a secondary process must not touch
	 * the command register of a device the primary drives. */
	io->primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	if (io->primary) {
		*err = opnic_hw_bus_master(io, 1);
		if (*err != 0) {
			vbar_close(&io->vb);
			free(io);
			return NULL;
		}
	}
	return io;
}

void
opnic_hw_close(struct opnic_io *io)
{
	if (io == NULL)
		return;
	opnic_hw_intr_fini(io);
	/* No DMA from a function nobody drives (the bus does the same on its
	 * unmap path; a self-mapped device has only this). */
	if (io->primary && !io->removed)
		opnic_hw_bus_master(io, 0);
	vbar_close(&io->vb);
	free(io);
}

static uint32_t
id_read(const struct opnic_io *io, uint32_t off)
{
	return vbar_read32(&io->blk[OPNIC_BLK_ID], off);
}

int
opnic_hw_removed(struct opnic_io *io)
{
	if (!io->removed && id_read(io, OPNIC_ID_MAGIC) != OPNIC_ID_MAGIC_VALUE) {
		io->removed = 1;
		PMD_DRV_LOG(ERR, "device does not answer (ID magic reads wrong): "
			    "treating it as removed, port down, no further access");
	}
	return io->removed;
}

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
	if (id_read(io, OPNIC_ID_MAGIC) != OPNIC_ID_MAGIC_VALUE) {
		PMD_DRV_LOG(ERR, "%s: ID block magic mismatch", name);
		return -ENODEV;
	}
	id->num_queues = id_read(io, OPNIC_ID_NUM_QUEUES);
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
	id->max_frame = id_read(io, OPNIC_ID_MAX_FRAME);
	if (id->max_frame < RTE_ETHER_MIN_LEN || id->max_frame > OPNIC_MAX_BUF)
		id->max_frame = RTE_ETHER_MAX_LEN;
	id->fw_version = id_read(io, OPNIC_ID_FW_VERSION);
	id->dev_version = id_read(io, OPNIC_ID_DEV_VERSION);
	id->caps = id_read(io, OPNIC_ID_CAPS);
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

uint64_t
opnic_hw_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Poll a register every 20 us for OPNIC_WAIT_US at most. any: until a bit of
 * mask is set. Else until (v & mask) == want, or all ones (a removed device:
 * -EIO unless that was wanted); -ETIMEDOUT when time runs out.
 */
static int
wait_reg(const struct vbar_block *b, uint32_t off, uint32_t mask,
	 uint32_t want, int any, uint32_t *last)
{
	uint64_t deadline = opnic_hw_now_us() + OPNIC_WAIT_US;
	uint32_t v;

	for (;;) {
		/* The deadline is taken before the read: a last read after a
		 * long sleep still counts. */
		int late = opnic_hw_now_us() > deadline;

		v = vbar_read32(b, off);
		*last = v;
		if (any ? (v & mask) != 0 :
			  (v & mask) == want || v == 0xffffffff)
			break;
		if (late)
			return -ETIMEDOUT;
		rte_delay_us_sleep(20);
	}
	return !any && v == 0xffffffff && want != 0xffffffff ? -EIO : 0;
}

/* A wait of opnic_hw_reset that failed, named by register and value. */
static int
reset_fail(const struct vbar_block *id, const char *reg, uint32_t off,
	   uint32_t v, int ret, const char *want)
{
	if (ret == -ETIMEDOUT)
		PMD_DRV_LOG(ERR, "reset did not complete within %u ms: ID.%s "
			    "(BAR0+0x%x) still reads 0x%08x, want %s", OPNIC_WAIT_US /
			    1000, reg, id->off + off, v, want);
	else
		PMD_DRV_LOG(ERR, "reset: ID.%s (BAR0+0x%x) reads 0x%08x: the "
			    "device does not answer", reg, id->off + off, v);
	return ret == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
}

/*
 * Spec 3.1: write RESET (CMD), poll it until it reads 0 (the device keeps
 * it at 1 while the reset runs, about 1 ms), then STATUS until ready; each
 * wait bounded by OPNIC_WAIT_US. Nothing else of the device (the MAC, the
 * queues) is read or written before this returns 0.
 */
int
opnic_hw_reset(struct opnic_io *io)
{
	const struct vbar_block *id = &io->blk[OPNIC_BLK_ID];
	uint32_t v;
	int ret;

	vbar_write32(id, OPNIC_ID_RESET, 1);
	ret = wait_reg(id, OPNIC_ID_RESET, 1, 0, 0, &v);
	if (ret != 0)
		return reset_fail(id, "RESET", OPNIC_ID_RESET, v, ret, "bit 0 = 0");
	ret = wait_reg(id, OPNIC_ID_STATUS, OPNIC_ID_STATUS_READY,
		       OPNIC_ID_STATUS_READY, 0, &v);
	if (ret != 0)
		return reset_fail(id, "STATUS", OPNIC_ID_STATUS, v, ret,
				  "bit 0 (ready) = 1");
	return 0;
}

void
opnic_hw_mac_get(struct opnic_io *io, struct rte_ether_addr *mac)
{
	uint32_t lo = vbar_read32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_LO);
	uint32_t hi = vbar_read32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_HI);

	mac->addr_bytes[0] = (uint8_t)lo;
	mac->addr_bytes[1] = (uint8_t)(lo >> 8);
	mac->addr_bytes[2] = (uint8_t)(lo >> 16);
	mac->addr_bytes[3] = (uint8_t)(lo >> 24);
	mac->addr_bytes[4] = (uint8_t)hi;
	mac->addr_bytes[5] = (uint8_t)(hi >> 8);
}

void
opnic_hw_mac_set(struct opnic_io *io, const struct rte_ether_addr *mac)
{
	const uint8_t *a = mac->addr_bytes;

	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_LO,
		     (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 |
		     (uint32_t)a[3] << 24);
	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_HI,
		     (uint32_t)a[4] | (uint32_t)a[5] << 8);
}

void
opnic_hw_mtu_set(struct opnic_io *io, uint32_t mtu)
{
	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_MTU, mtu);
}

void
opnic_hw_rxmode_set(struct opnic_io *io, int promisc, int allmulti)
{
	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_RXMODE,
		     (promisc ? OPNIC_RXMODE_PROMISC : 0) |
		     (allmulti ? OPNIC_RXMODE_ALLMULTI : 0));
}

/* 1 if the link is up (a removed device reads all ones: down). */
int
opnic_hw_link_get(struct opnic_io *io, uint32_t *speed)
{
	uint32_t st = vbar_read32(&io->blk[OPNIC_BLK_LINK], OPNIC_LINK_STATUS);

	*speed = vbar_read32(&io->blk[OPNIC_BLK_LINK], OPNIC_LINK_SPEED);
	return st != 0xffffffff && (st & OPNIC_LINK_UP) != 0;
}

/* Read and clear the cause of vector 0; 1 if the link changed. */
int
opnic_hw_cause_ack(struct opnic_io *io)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_LINK];
	uint32_t cause = vbar_read32(b, OPNIC_LINK_CAUSE);

	if (cause == 0)
		return 0;
	vbar_write32(b, OPNIC_LINK_CAUSE_CLR, cause);
	return (cause & OPNIC_CAUSE_LSC) != 0;
}

void
opnic_hw_rss_set(struct opnic_io *io, const uint8_t *key, const uint8_t *reta,
		 uint32_t reta_size, int enable)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_RSS];
	unsigned int i;
	uint32_t w;

	for (i = 0; i < OPNIC_RSS_KEY_LEN; i += 4) {
		memcpy(&w, &key[i], 4);
		vbar_write32(b, OPNIC_RSS_KEY + i, rte_le_to_cpu_32(w));
	}
	for (i = 0; i < reta_size; i += 4) {
		memcpy(&w, &reta[i], 4);
		vbar_write32(b, OPNIC_RSS_RETA + i, rte_le_to_cpu_32(w));
	}
	vbar_write32(b, OPNIC_RSS_CTRL, enable ? OPNIC_RSS_ENABLE : 0);
}

uint64_t
opnic_hw_stat(struct opnic_io *io, size_t field)
{
	if (io->removed)
		return 0;
	return vbar_read64(&io->blk[OPNIC_BLK_STATS], (uint32_t)field);
}

void
opnic_hw_stats_get(struct opnic_io *io, struct opnic_hw_stats *s)
{
	uint64_t *v = (uint64_t *)s;
	unsigned int i;

	for (i = 0; i < OPNIC_ST_NPORT; i++)
		v[i] = opnic_hw_stat(io, i * sizeof(v[0]));
}

/* Register dump: the MSI-X table and PBA are not read (region reads of
 * the table return all ones anyway), nor anything of a removed device. */
uint32_t
opnic_hw_regs_words(const struct opnic_io *io)
{
	return (uint32_t)(io->vb.bar[0].size / 4);
}

void
opnic_hw_regs_dump(const struct opnic_io *io, uint32_t *out)
{
	uint32_t i, t;

	memset(out, 0, (size_t)opnic_hw_regs_words(io) * 4);
	for (t = 0; t < OPNIC_BLK_NTYPES; t++) {
		const struct vbar_block *b = &io->blk[t];

		if (!io->have_blk[t] || io->removed)
			continue;
		for (i = 0; i < b->size; i += 4)
			out[(b->off + i) / 4] = vbar_read32(b, i);
	}
}

static uint32_t
qbase(int is_rx, unsigned int q)
{
	return (is_rx ? OPNIC_QCFG_RX_BASE : 0) + q * OPNIC_QCFG_STRIDE;
}

static const char *
qerr_name(uint32_t e)
{
	static const char *const names[] = {
		[OPNIC_QERR_SIZE] = "ring size out of range",
		[OPNIC_QERR_RING_DMA] = "ring or completion IOVA not mapped",
		[OPNIC_QERR_SHADOW_DMA] = "shadow IOVA not mapped",
		[OPNIC_QERR_BUF_SIZE] = "bad RX buffer size",
	};

	return e < RTE_DIM(names) && names[e] != NULL ? names[e] :
	       "unknown error";
}

static void
write64(const struct vbar_block *b, uint32_t lo, uint64_t v)
{
	vbar_write32(b, lo, (uint32_t)v);
	vbar_write32(b, lo + 4, (uint32_t)(v >> 32));
}

/* Spec 3.4: program the queue, enable it, wait for RUNNING. */
int
opnic_hw_queue_start(struct opnic_io *io, int is_rx, unsigned int q,
		     const struct opnic_hw_qcfg *cfg)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_QCFG];
	const char *dir = is_rx ? "RX" : "TX";
	uint32_t base = qbase(is_rx, q), v;

	write64(b, base + OPNIC_Q_RING_LO, cfg->ring_iova);
	write64(b, base + OPNIC_Q_CPL_LO, cfg->cpl_iova);
	write64(b, base + OPNIC_Q_SHADOW_LO, cfg->shadow_iova);
	vbar_write32(b, base + OPNIC_Q_SIZE_LOG2, cfg->log2);
	vbar_write32(b, base + OPNIC_Q_BUF_SIZE, cfg->buf_size);
	/* rte_write32 (rte_io_wmb, then the store) orders every earlier CPU
	 * store (the configuration above, the rings the caller zeroed) before
	 * the MMIO store of the enable the DEVICE acts on; the pwrite path is
	 * ordered by the system call. */
	vbar_write32(b, base + OPNIC_Q_CTRL, OPNIC_Q_CTRL_ENABLE);
	wait_reg(b, base + OPNIC_Q_STATUS,
		 OPNIC_Q_STATUS_RUNNING | OPNIC_Q_STATUS_ERROR, 0, 1, &v);
	PMD_DRV_LOG(DEBUG, "%s queue %u start: STATUS 0x%x CTRL 0x%x", dir, q,
		    v, vbar_read32(b, base + OPNIC_Q_CTRL));
	if (v & OPNIC_Q_STATUS_RUNNING)
		return 0;
	if (v == 0xffffffff) {
		io->removed = 1;
		return -EIO;
	}
	if (v & OPNIC_Q_STATUS_ERROR) {
		uint32_t e = vbar_read32(b, base + OPNIC_Q_ERROR);

		PMD_DRV_LOG(ERR, "%s queue %u refused: %s (error %u)", dir, q,
			    qerr_name(e), e);
		vbar_write32(b, base + OPNIC_Q_CTRL, 0);
		return -EIO;
	}
	PMD_DRV_LOG(ERR, "%s queue %u did not start (STATUS 0x%08x)", dir, q, v);
	vbar_write32(b, base + OPNIC_Q_CTRL, 0);
	return -ETIMEDOUT;
}

int
opnic_hw_queue_stop(struct opnic_io *io, int is_rx, unsigned int q)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_QCFG];
	uint32_t base = qbase(is_rx, q), v;

	/* A removed device (or one that looks removed) cannot confirm. */
	if (io->removed)
		return -ENODEV;
	vbar_write32(b, base + OPNIC_Q_CTRL, 0);
	PMD_DRV_LOG(DEBUG, "%s queue %u stop", is_rx ? "RX" : "TX", q);
	if (wait_reg(b, base + OPNIC_Q_STATUS, OPNIC_Q_STATUS_RUNNING, 0, 0,
		     &v) != 0) {
		PMD_DRV_LOG(ERR, "%s queue %u did not confirm stop within %u ms "
			    "(QCFG STATUS 0x%08x)", is_rx ? "RX" : "TX", q,
			    OPNIC_WAIT_US / 1000, v);
		if (v == 0xffffffff)
			io->removed = 1;
		return -ETIMEDOUT;
	}
	return 0;
}

/* Spec 3.5: queue q's doorbell is the word at q * 4 of TXDB or RXDB. */
void
opnic_hw_doorbell_get(const struct opnic_io *io, int is_rx, unsigned int q,
		      struct opnic_doorbell *db)
{
	const struct vbar_block *b =
		&io->blk[is_rx ? OPNIC_BLK_RXDB : OPNIC_BLK_TXDB];

	db->addr = b->addr != NULL ? b->addr + q * OPNIC_DB_STRIDE : NULL;
	db->fd = b->fd;
	db->pos = (off_t)(b->pos + q * OPNIC_DB_STRIDE);
}

/* MSI-X vector 0 through VFIO_DEVICE_SET_IRQS: our eventfd, or none. */
static int
own_intr_set(struct opnic_io *io, int enable)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *is = (struct vfio_irq_set *)buf;
	int32_t fd = rte_intr_fd_get(io->own_intr);

	memset(buf, 0, sizeof(buf));
	is->argsz = sizeof(buf);
	is->index = VFIO_PCI_MSIX_IRQ_INDEX;
	is->start = 0;
	if (enable) {
		is->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->count = 1;
		memcpy(is->data, &fd, sizeof(fd));
	} else {
		is->argsz = sizeof(*is);
		is->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->count = 0;
	}
	return ioctl(io->vb.fd, VFIO_DEVICE_SET_IRQS, is);
}

/* Self-mapped devices have no interrupt handle from the bus: vector 0 gets
 * an eventfd of our own. Bus-mapped ones use the bus's VFIO MSI-X handle. */
int
opnic_hw_intr_init(struct opnic_io *io)
{
	int efd;

	if (!io->vb.self_mapped)
		return rte_intr_type_get(io->vb.pci->intr_handle) ==
		       RTE_INTR_HANDLE_VFIO_MSIX ? 0 : -ENOTSUP;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	io->own_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (io->own_intr == NULL || efd < 0 ||
	    rte_intr_fd_set(io->own_intr, efd) != 0 ||
	    rte_intr_type_set(io->own_intr, RTE_INTR_HANDLE_EXT) != 0) {
		if (efd >= 0)
			close(efd);
		rte_intr_instance_free(io->own_intr);
		io->own_intr = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct rte_intr_handle *
opnic_hw_intr_handle(const struct opnic_io *io)
{
	return io->own_intr != NULL ? io->own_intr : io->vb.pci->intr_handle;
}

/* The vector, then LINK.INTR_EN (spec 3.3) as the vector came out. */
int
opnic_hw_intr_enable(struct opnic_io *io, int on)
{
	int ret;

	if (io->own_intr != NULL)
		ret = own_intr_set(io, on);
	else
		ret = on ? rte_intr_enable(io->vb.pci->intr_handle) :
			   rte_intr_disable(io->vb.pci->intr_handle);
	if (!io->removed)
		vbar_write32(&io->blk[OPNIC_BLK_LINK], OPNIC_LINK_INTR_EN,
			     on && ret == 0 ? 1 : 0);
	return ret;
}

/* In the callback: an eventfd of our own must be read; -1 if it had
 * nothing. The bus's handle is drained by EAL. */
int
opnic_hw_intr_drain(struct opnic_io *io)
{
	uint64_t cnt;

	if (io->own_intr == NULL)
		return 0;
	return read(rte_intr_fd_get(io->own_intr), &cnt, sizeof(cnt)) < 0 ?
	       -1 : 0;
}

void
opnic_hw_intr_fini(struct opnic_io *io)
{
	if (io->own_intr == NULL)
		return;
	close(rte_intr_fd_get(io->own_intr));
	rte_intr_instance_free(io->own_intr);
	io->own_intr = NULL;
}
