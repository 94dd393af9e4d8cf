/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Register-level operations: block discovery (spec 2), reset (spec 3.1),
 * queue start/stop (spec 3.4), MAC, RSS. Every access goes through the
 * block's vfio_bar path chosen at probe.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include "opnic_ethdev.h"
#include "opnic_logs.h"

#define OPNIC_WAIT_US 2000000	/* one register wait, at most */

int
opnic_hw_removed(struct opnic_adapter *ad)
{
	if (!opnic_hw(ad)->removed &&
	    vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_ID], OPNIC_ID_MAGIC) !=
	    OPNIC_ID_MAGIC_VALUE) {
		opnic_hw(ad)->removed = 1;
		PMD_DRV_LOG(ERR, "device does not answer (ID magic reads wrong): "
			    "treating it as removed, port down, no further access");
	}
	return opnic_hw(ad)->removed;
}

/* Spec 2: read the directory, check every block against what this driver
 * knows, and fix each block's access path. */
int
opnic_hw_discover(struct opnic_adapter *ad, const char *name)
{
	struct vbar_block dir;
	uint32_t magic, ver, count, i, t;
	uint32_t bar0 = (uint32_t)opnic_hw(ad)->vb.bar[0].size;
	char desc[512];

	if (bar0 < 0x100) {
		PMD_DRV_LOG(ERR, "%s: BAR0 is 0x%x bytes; the register directory "
			    "alone needs 0x100", name, bar0);
		return -EINVAL;
	}
	if (vbar_block_init(&opnic_hw(ad)->vb, 0, 0, 0x100, &dir) != 0)
		return -EINVAL;
	magic = vbar_read32(&dir, OPNIC_DIR_REG_MAGIC);
	ver = vbar_read32(&dir, OPNIC_DIR_REG_VERSION);
	count = vbar_read32(&dir, OPNIC_DIR_REG_COUNT);
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
	opnic_hw(ad)->blk[OPNIC_BLK_DIR] = dir;
	opnic_hw(ad)->have_blk[OPNIC_BLK_DIR] = 1;
	for (i = 0; i < count; i++) {
		uint32_t e = OPNIC_DIR_ENTRY_BASE + i * OPNIC_DIR_ENTRY_SIZE;
		uint32_t tv = vbar_read32(&dir, e);
		uint32_t off = vbar_read32(&dir, e + 4);
		uint32_t size = vbar_read32(&dir, e + 8);
		uint32_t type = tv & 0xffff, bver = tv >> 16;

		if (type == OPNIC_BLK_DIR || type == OPNIC_BLK_MSIX_TABLE ||
		    type == OPNIC_BLK_MSIX_PBA)
			continue;	/* the MSI-X ones come from config space */
		if (type >= OPNIC_BLK_NTYPES) {
			PMD_DRV_LOG(INFO, "%s: ignoring unknown register block "
				    "type %u at 0x%x", name, type, off);
			continue;
		}
		if (bver != OPNIC_BLK_VERSION) {
			PMD_DRV_LOG(ERR, "%s: register block '%s' at BAR0+0x%x has "
				    "version %u; this driver knows version %u only "
				    "(bitstream and driver do not match)", name,
				    opnic_block_name(type), off, bver, OPNIC_BLK_VERSION);
			return -ENOTSUP;
		}
		if (opnic_hw(ad)->have_blk[type]) {
			PMD_DRV_LOG(ERR, "%s: register block '%s' listed twice",
				    name, opnic_block_name(type));
			return -EINVAL;
		}
		if ((uint64_t)off + size > bar0 || (off & 3) != 0 || size == 0) {
			PMD_DRV_LOG(ERR, "%s: register block '%s' at 0x%x size 0x%x "
				    "does not fit BAR0 (0x%x bytes)", name,
				    opnic_block_name(type), off, size, bar0);
			return -EINVAL;
		}
		if (vbar_touches_msix(&opnic_hw(ad)->vb, 0, off, size)) {
			PMD_DRV_LOG(ERR, "%s: register block '%s' at 0x%x size 0x%x "
				    "overlaps the MSI-X table or PBA", name,
				    opnic_block_name(type), off, size);
			return -EINVAL;
		}
		if (vbar_block_init(&opnic_hw(ad)->vb, 0, off, size, &opnic_hw(ad)->blk[type]) != 0)
			return -EINVAL;
		opnic_hw(ad)->have_blk[type] = 1;
	}
	for (t = OPNIC_BLK_ID; t < OPNIC_BLK_NTYPES; t++) {
		if (t == OPNIC_BLK_MSIX_TABLE || t == OPNIC_BLK_MSIX_PBA ||
		    t == OPNIC_BLK_MBOX)
			continue;
		if (!opnic_hw(ad)->have_blk[t]) {
			PMD_DRV_LOG(ERR, "%s: the directory has no '%s' block",
				    name, opnic_block_name(t));
			return -ENODEV;
		}
	}
	if (vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_ID], OPNIC_ID_MAGIC) !=
	    OPNIC_ID_MAGIC_VALUE) {
		PMD_DRV_LOG(ERR, "%s: ID block magic mismatch", name);
		return -ENODEV;
	}
	ad->num_queues = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_ID], OPNIC_ID_NUM_QUEUES);
	if (ad->num_queues == 0 || ad->num_queues > OPNIC_QCFG_MAX_QUEUES) {
		PMD_DRV_LOG(ERR, "%s: device reports %u queues (1..%u)", name,
			    ad->num_queues, OPNIC_QCFG_MAX_QUEUES);
		return -EINVAL;
	}
	for (t = OPNIC_BLK_ID; t < OPNIC_BLK_NTYPES; t++) {
		const struct vbar_block *b = &opnic_hw(ad)->blk[t];

		if (!opnic_hw(ad)->have_blk[t] ||
		    b->size >= opnic_block_min_size(t, ad->num_queues))
			continue;
		PMD_DRV_LOG(ERR, "%s: block '%s' is 0x%x bytes, %u queues need 0x%x",
			    name, opnic_block_name(t), b->size, ad->num_queues,
			    opnic_block_min_size(t, ad->num_queues));
		return -EINVAL;
	}
	ad->max_frame = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_ID], OPNIC_ID_MAX_FRAME);
	if (ad->max_frame < RTE_ETHER_MIN_LEN || ad->max_frame > OPNIC_MAX_BUF)
		ad->max_frame = RTE_ETHER_MAX_LEN;
	ad->fw_version = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_ID], OPNIC_ID_FW_VERSION);
	ad->dev_version = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_ID], OPNIC_ID_DEV_VERSION);
	ad->caps = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_ID], OPNIC_ID_CAPS);

	/* Say once which blocks are mapped and which fall back, and why. */
	vbar_describe(&opnic_hw(ad)->vb, desc, sizeof(desc));
	PMD_DRV_LOG(NOTICE, "%s: %s", name, desc);
	PMD_DRV_LOG(NOTICE, "%s: %s", name, opnic_hw(ad)->vb.why);
	{
		char line[768];
		size_t n = 0;

		for (t = 0; t < OPNIC_BLK_NTYPES && n < sizeof(line); t++) {
			if (!opnic_hw(ad)->have_blk[t])
				continue;
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      "%s %s@0x%x:%s", n ? "," : "",
					      opnic_block_name(t), opnic_hw(ad)->blk[t].off,
					      opnic_hw(ad)->blk[t].addr ? "mapped" :
					      "region-rw");
		}
		PMD_DRV_LOG(NOTICE, "%s: register blocks:%s%s", name, line,
			    ad->args.regs_rw ? " (regs=rw forces region r/w)" : "");
	}
	return 0;
}

static int
wait_reg(const struct vbar_block *b, uint32_t off, uint32_t mask,
	 uint32_t want, uint32_t *last)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() * OPNIC_WAIT_US / 1000000;
	uint32_t v;

	for (;;) {
		v = vbar_read32(b, off);
		if ((v & mask) == want || v == 0xffffffff)
			break;
		if (rte_get_timer_cycles() > deadline) {
			*last = v;
			return -ETIMEDOUT;
		}
		rte_delay_us_sleep(20);
	}
	*last = v;
	return v == 0xffffffff && want != 0xffffffff ? -EIO : 0;
}

/* Wait until any bit of mask is set (or timeout, or all ones). */
static void
wait_any(const struct vbar_block *b, uint32_t off, uint32_t mask,
	 uint32_t *last)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() * OPNIC_WAIT_US / 1000000;
	uint32_t v;

	for (;;) {
		v = vbar_read32(b, off);
		if ((v & mask) != 0 || rte_get_timer_cycles() > deadline)
			break;
		rte_delay_us_sleep(20);
	}
	*last = v;
}

/* Spec 3.1: write RESET, wait until it reads 0 and STATUS says ready. */
int
opnic_hw_reset(struct opnic_adapter *ad)
{
	const struct vbar_block *id = &opnic_hw(ad)->blk[OPNIC_BLK_ID];
	uint32_t v;

	vbar_write32(id, OPNIC_ID_RESET, 1);
	if (wait_reg(id, OPNIC_ID_RESET, 1, 0, &v) != 0) {
		PMD_DRV_LOG(ERR, "reset did not complete (RESET reads 0x%08x)", v);
		return -EIO;
	}
	if (wait_reg(id, OPNIC_ID_STATUS, OPNIC_ID_STATUS_READY,
		     OPNIC_ID_STATUS_READY, &v) != 0) {
		PMD_DRV_LOG(ERR, "device not ready after reset (STATUS 0x%08x)", v);
		return -EIO;
	}
	return 0;
}

static uint32_t
qbase(int is_rx, unsigned int q)
{
	return (is_rx ? OPNIC_QCFG_RX_BASE : 0) + q * OPNIC_QCFG_STRIDE;
}

static const char *
qerr_name(uint32_t e)
{
	switch (e) {
	case OPNIC_QERR_SIZE: return "ring size out of range";
	case OPNIC_QERR_RING_DMA: return "ring or completion IOVA not mapped";
	case OPNIC_QERR_SHADOW_DMA: return "shadow IOVA not mapped";
	case OPNIC_QERR_BUF_SIZE: return "bad RX buffer size";
	default: return "unknown error";
	}
}

/* Spec 3.4: program the queue, enable it, wait for RUNNING. */
int
opnic_hw_queue_start(struct opnic_adapter *ad, int is_rx, unsigned int q,
		     uint64_t ring, uint64_t cpl, uint64_t shadow, uint32_t log2,
		     uint32_t buf_size)
{
	const struct vbar_block *b = &opnic_hw(ad)->blk[OPNIC_BLK_QCFG];
	uint32_t base = qbase(is_rx, q), v;

	vbar_write32(b, base + OPNIC_Q_RING_LO, (uint32_t)ring);
	vbar_write32(b, base + OPNIC_Q_RING_HI, (uint32_t)(ring >> 32));
	vbar_write32(b, base + OPNIC_Q_CPL_LO, (uint32_t)cpl);
	vbar_write32(b, base + OPNIC_Q_CPL_HI, (uint32_t)(cpl >> 32));
	vbar_write32(b, base + OPNIC_Q_SHADOW_LO, (uint32_t)shadow);
	vbar_write32(b, base + OPNIC_Q_SHADOW_HI, (uint32_t)(shadow >> 32));
	vbar_write32(b, base + OPNIC_Q_SIZE_LOG2, log2);
	vbar_write32(b, base + OPNIC_Q_BUF_SIZE, buf_size);
	/* rte_write32 orders the configuration before the enable. */
	vbar_write32(b, base + OPNIC_Q_CTRL, OPNIC_Q_CTRL_ENABLE);
	wait_any(b, base + OPNIC_Q_STATUS,
		 OPNIC_Q_STATUS_RUNNING | OPNIC_Q_STATUS_ERROR, &v);
	PMD_DRV_LOG(DEBUG, "%s queue %u start: STATUS 0x%x CTRL 0x%x",
		    is_rx ? "RX" : "TX", q, v, vbar_read32(b, base + OPNIC_Q_CTRL));
	if (v & OPNIC_Q_STATUS_RUNNING)
		return 0;
	if (v == 0xffffffff) {
		opnic_hw(ad)->removed = 1;
		return -EIO;
	}
	if (v & OPNIC_Q_STATUS_ERROR) {
		uint32_t e = vbar_read32(b, base + OPNIC_Q_ERROR);

		PMD_DRV_LOG(ERR, "%s queue %u refused: %s (error %u)",
			    is_rx ? "RX" : "TX", q, qerr_name(e), e);
		vbar_write32(b, base + OPNIC_Q_CTRL, 0);
		return -EIO;
	}
	PMD_DRV_LOG(ERR, "%s queue %u did not start (STATUS 0x%08x)",
		    is_rx ? "RX" : "TX", q, v);
	vbar_write32(b, base + OPNIC_Q_CTRL, 0);
	return -ETIMEDOUT;
}

int
opnic_hw_queue_stop(struct opnic_adapter *ad, int is_rx, unsigned int q)
{
	const struct vbar_block *b = &opnic_hw(ad)->blk[OPNIC_BLK_QCFG];
	uint32_t base = qbase(is_rx, q), v;

	if (opnic_hw(ad)->removed)
		return 0;
	vbar_write32(b, base + OPNIC_Q_CTRL, 0);
	PMD_DRV_LOG(DEBUG, "%s queue %u stop", is_rx ? "RX" : "TX", q);
	if (wait_reg(b, base + OPNIC_Q_STATUS, OPNIC_Q_STATUS_RUNNING, 0, &v) != 0) {
		PMD_DRV_LOG(ERR, "%s queue %u did not stop (STATUS 0x%08x)",
			    is_rx ? "RX" : "TX", q, v);
		return -EIO;
	}
	return 0;
}

void
opnic_hw_read_mac(struct opnic_adapter *ad, struct rte_ether_addr *mac)
{
	uint32_t lo = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_LO);
	uint32_t hi = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_HI);

	mac->addr_bytes[0] = (uint8_t)lo;
	mac->addr_bytes[1] = (uint8_t)(lo >> 8);
	mac->addr_bytes[2] = (uint8_t)(lo >> 16);
	mac->addr_bytes[3] = (uint8_t)(lo >> 24);
	mac->addr_bytes[4] = (uint8_t)hi;
	mac->addr_bytes[5] = (uint8_t)(hi >> 8);
}

void
opnic_hw_write_mac(struct opnic_adapter *ad, const struct rte_ether_addr *mac)
{
	const uint8_t *a = mac->addr_bytes;

	vbar_write32(&opnic_hw(ad)->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_LO,
		     (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 |
		     (uint32_t)a[3] << 24);
	vbar_write32(&opnic_hw(ad)->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_HI,
		     (uint32_t)a[4] | (uint32_t)a[5] << 8);
}

void
opnic_hw_rss_write(struct opnic_adapter *ad, int enable)
{
	const struct vbar_block *b = &opnic_hw(ad)->blk[OPNIC_BLK_RSS];
	unsigned int i;

	for (i = 0; i < OPNIC_RSS_KEY_LEN; i += 4) {
		uint32_t w;

		memcpy(&w, &ad->rss_key[i], 4);
		vbar_write32(b, OPNIC_RSS_KEY + i, rte_le_to_cpu_32(w));
	}
	for (i = 0; i < OPNIC_RSS_RETA_SIZE; i += 4) {
		uint32_t w;

		memcpy(&w, &ad->reta[i], 4);
		vbar_write32(b, OPNIC_RSS_RETA + i, rte_le_to_cpu_32(w));
	}
	vbar_write32(b, OPNIC_RSS_CTRL, enable ? OPNIC_RSS_ENABLE : 0);
}

uint64_t
opnic_hw_stat(struct opnic_adapter *ad, uint32_t off)
{
	if (opnic_hw(ad)->removed)
		return 0;
	return vbar_read64(&opnic_hw(ad)->blk[OPNIC_BLK_STATS], off);
}
