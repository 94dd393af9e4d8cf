/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The model's register side: reset values and side effects as tables (in the
 * manner of QEMU's e1000e readops/writeops), MSI-X table/PBA semantics, link.
 */

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "opnic_model_internal.h"

enum reg_access {
	REG_RO,		/* device-owned: software stores are undone */
	REG_RW,		/* plain storage, maybe with a side effect */
	REG_CMD,	/* strobe: nonzero runs the effect, device writes 0 */
	REG_BUSY,	/* command: reads 1 until the device has done it */
};

struct opnic_model_dev;
struct opnic_watch;

typedef void (*reg_effect)(struct opnic_model_dev *dev,
			   struct opnic_watch *w, uint32_t val);

struct opnic_reg_def {
	uint16_t off;
	uint8_t access;
	uint32_t reset;
	reg_effect effect;
	const char *name;
};

/* One watched register of one device (per-queue registers expanded). */
struct opnic_watch {
	uint32_t off;		/* BAR0 offset */
	uint32_t shadow;	/* last value the device knows */
	uint16_t q;
	uint8_t is_rx;
	const struct opnic_reg_def *def;
};

static void effect_reset(struct opnic_model_dev *dev, struct opnic_watch *w,
			 uint32_t val);
static void effect_qctrl(struct opnic_model_dev *dev, struct opnic_watch *w,
			 uint32_t val);

/* Spec 3.1. Values marked 0 here that depend on the device are filled by
 * reset_value(). */
static const struct opnic_reg_def id_regs[] = {
	{ OPNIC_ID_MAGIC, REG_RO, OPNIC_ID_MAGIC_VALUE, NULL, "magic" },
	{ OPNIC_ID_DEV_VERSION, REG_RO, 1u << 16, NULL, "dev_version" },
	{ OPNIC_ID_FW_VERSION, REG_RO, 1u << 24 | 2u << 16 | 0, NULL,
	  "fw_version" },
	{ OPNIC_ID_CAPS, REG_RO,
	  OPNIC_CAP_RSS | OPNIC_CAP_DB_SUPPRESS | OPNIC_CAP_RX_FILTER, NULL,
	  "caps" },
	{ OPNIC_ID_NUM_QUEUES, REG_RO, 0, NULL, "num_queues" },
	{ OPNIC_ID_MAX_RING_LOG2, REG_RO, OPNIC_MAX_RING_LOG2, NULL,
	  "max_ring_log2" },
	{ OPNIC_ID_RESET, REG_BUSY, 0, effect_reset, "reset" },
	{ OPNIC_ID_STATUS, REG_RO, OPNIC_ID_STATUS_READY, NULL, "status" },
	{ OPNIC_ID_SCRATCH, REG_RW, 0, NULL, "scratch" },
	{ OPNIC_ID_MAX_FRAME, REG_RO, OPNIC_MODEL_MAX_FRAME, NULL, "max_frame" },
};

/* Spec 3.2. */
static const struct opnic_reg_def mac_regs[] = {
	{ OPNIC_MAC_ADDR_LO, REG_RW, 0, NULL, "mac_lo" },
	{ OPNIC_MAC_ADDR_HI, REG_RW, 0, NULL, "mac_hi" },
	{ OPNIC_MAC_MTU, REG_RW, 1500, NULL, "mtu" },
	{ OPNIC_MAC_RXMODE, REG_RW, 0, NULL, "rxmode" },
};

/* Spec 9.2.1: version 2 adds the receive frame limit. */
static const struct opnic_reg_def mac_regs_v2[] = {
	{ OPNIC_MAC_ADDR_LO, REG_RW, 0, NULL, "mac_lo" },
	{ OPNIC_MAC_ADDR_HI, REG_RW, 0, NULL, "mac_hi" },
	{ OPNIC_MAC_MTU, REG_RW, 1500, NULL, "mtu" },
	{ OPNIC_MAC_RXMODE, REG_RW, 0, NULL, "rxmode" },
	{ OPNIC_MAC_MAX_RX_FRAME, REG_RW, OPNIC_MODEL_MAX_FRAME, NULL,
	  "max_rx_frame" },
};

/* Spec 3.3. */
static const struct opnic_reg_def link_regs[] = {
	{ OPNIC_LINK_STATUS, REG_RO, 0, NULL, "status" },
	{ OPNIC_LINK_SPEED, REG_RO, 0, NULL, "speed" },
	{ OPNIC_LINK_CAUSE, REG_RO, 0, NULL, "cause" },
	{ OPNIC_LINK_INTR_EN, REG_RW, 0, opnic_model_effect_intr_en, "intr_en" },
	{ OPNIC_LINK_CAUSE_CLR, REG_CMD, 0, opnic_model_effect_cause_clr, "cause_clr" },
};

/* Spec 3.4, once per TX and RX queue. */
static const struct opnic_reg_def queue_regs[] = {
	{ OPNIC_Q_RING_LO, REG_RW, 0, NULL, "ring_lo" },
	{ OPNIC_Q_RING_HI, REG_RW, 0, NULL, "ring_hi" },
	{ OPNIC_Q_CPL_LO, REG_RW, 0, NULL, "cpl_lo" },
	{ OPNIC_Q_CPL_HI, REG_RW, 0, NULL, "cpl_hi" },
	{ OPNIC_Q_SHADOW_LO, REG_RW, 0, NULL, "shadow_lo" },
	{ OPNIC_Q_SHADOW_HI, REG_RW, 0, NULL, "shadow_hi" },
	{ OPNIC_Q_SIZE_LOG2, REG_RW, 0, NULL, "size_log2" },
	{ OPNIC_Q_BUF_SIZE, REG_RW, 0, NULL, "buf_size" },
	{ OPNIC_Q_CTRL, REG_RW, 0, effect_qctrl, "ctrl" },
	{ OPNIC_Q_STATUS, REG_RO, 0, NULL, "status" },
	{ OPNIC_Q_ERROR, REG_RO, 0, NULL, "error" },
};

/* Spec 3.6 (key and RETA are plain storage, reset to 0 below). */
static const struct opnic_reg_def rss_regs[] = {
	{ OPNIC_RSS_CTRL, REG_RW, 0, NULL, "ctrl" },
	{ OPNIC_RSS_RETA_SIZE_REG, REG_RO, OPNIC_RSS_RETA_SIZE, NULL,
	  "reta_size" },
};

/* Spec 9.2.3: version 2 adds the hash types. */
static const struct opnic_reg_def rss_regs_v2[] = {
	{ OPNIC_RSS_CTRL, REG_RW, 0, NULL, "ctrl" },
	{ OPNIC_RSS_RETA_SIZE_REG, REG_RO, OPNIC_RSS_RETA_SIZE, NULL,
	  "reta_size" },
	{ OPNIC_RSS_HASH_TYPES, REG_RW, OPNIC_RSS_HF_ALL, NULL, "hash_types" },
};

struct block_regs {
	const struct opnic_reg_def *regs;
	unsigned int n;
};

#define BLOCK_REGS(a) { a, sizeof(a) / sizeof((a)[0]) }

static const struct block_regs block_regs[OPNIC_BLK_NTYPES] = {
	[OPNIC_BLK_ID] = BLOCK_REGS(id_regs),
	[OPNIC_BLK_MAC] = BLOCK_REGS(mac_regs),
	[OPNIC_BLK_LINK] = BLOCK_REGS(link_regs),
	[OPNIC_BLK_RSS] = BLOCK_REGS(rss_regs),
};

static const struct block_regs block_regs_v2[OPNIC_BLK_NTYPES] = {
	[OPNIC_BLK_MAC] = BLOCK_REGS(mac_regs_v2),
	[OPNIC_BLK_RSS] = BLOCK_REGS(rss_regs_v2),
};

/* The registers of a block as its version has them. */
static const struct block_regs *
regs_of(const struct opnic_model_dev *dev, unsigned int type)
{
	if (dev->blk_ver[type] >= OPNIC_BLK_VERSION_2 &&
	    block_regs_v2[type].regs != NULL)
		return &block_regs_v2[type];
	return &block_regs[type];
}

static uint32_t
reset_value(const struct opnic_model_dev *dev, unsigned int type,
	    const struct opnic_reg_def *def)
{
	if (type == OPNIC_BLK_ID && def->off == OPNIC_ID_NUM_QUEUES)
		return dev->prof.queues;
	if (type == OPNIC_BLK_MAC && def->off == OPNIC_MAC_ADDR_LO)
		return (uint32_t)dev->mac[0] | (uint32_t)dev->mac[1] << 8 |
		       (uint32_t)dev->mac[2] << 16 | (uint32_t)dev->mac[3] << 24;
	if (type == OPNIC_BLK_MAC && def->off == OPNIC_MAC_ADDR_HI)
		return (uint32_t)dev->mac[4] | (uint32_t)dev->mac[5] << 8;
	if (type == OPNIC_BLK_LINK && def->off == OPNIC_LINK_STATUS)
		return dev->link_up ? OPNIC_LINK_UP : 0;
	if (type == OPNIC_BLK_LINK && def->off == OPNIC_LINK_SPEED)
		return dev->link_up ? dev->speed : 0;
	return def->reset;
}

static unsigned int
watch_count(const struct opnic_model_dev *dev)
{
	unsigned int t, n = 0;

	for (t = 0; t < OPNIC_BLK_NTYPES; t++)
		n += regs_of(dev, t)->n;
	return n + 2 * dev->prof.queues * (sizeof(queue_regs) /
					   sizeof(queue_regs[0]));
}

static void
watch_build(struct opnic_model_dev *dev)
{
	unsigned int t, i, q, rx, n = 0;

	for (t = 0; t < OPNIC_BLK_NTYPES; t++)
		for (i = 0; i < regs_of(dev, t)->n; i++)
			dev->watch[n++] = (struct opnic_watch){
				.off = dev->blk[t] + regs_of(dev, t)->regs[i].off,
				.def = &regs_of(dev, t)->regs[i] };
	for (rx = 0; rx < 2; rx++)
		for (q = 0; q < dev->prof.queues; q++)
			for (i = 0; i < sizeof(queue_regs) / sizeof(queue_regs[0]);
			     i++)
				dev->watch[n++] = (struct opnic_watch){
					.off = (uint32_t)(qcfg_reg(dev, (int)rx, q,
							queue_regs[i].off) -
							dev->bar0),
					.q = (uint16_t)q,
					.is_rx = (uint8_t)rx,
					.def = &queue_regs[i] };
	dev->nwatch = n;
}

/* Set a device-owned register and its shadow together. */
void
opnic_model_dev_set_reg(struct opnic_model_dev *dev, uint32_t off, uint32_t val)
{
	unsigned int i;

	opnic_model_st32(dev->bar0 + off, val);
	for (i = 0; i < dev->nwatch; i++)
		if (dev->watch[i].off == off)
			dev->watch[i].shadow = val;
}

void
opnic_model_write_directory(struct opnic_model_dev *dev)
{
	uint8_t *d = dev->bar0 + OPNIC_DIR_ENTRY_BASE;
	unsigned int i;

	opnic_model_st32(dev->bar0 + OPNIC_DIR_REG_MAGIC, OPNIC_DIR_MAGIC);
	opnic_model_st32(dev->bar0 + OPNIC_DIR_REG_VERSION, OPNIC_DIR_VERSION);
	opnic_model_st32(dev->bar0 + OPNIC_DIR_REG_COUNT, dev->prof.nblocks);
	for (i = 0; i < dev->prof.nblocks; i++, d += OPNIC_DIR_ENTRY_SIZE) {
		const struct opnic_block *b = &dev->prof.blocks[i];

		opnic_model_st32(d, (uint32_t)b->type | (uint32_t)b->version << 16);
		opnic_model_st32(d + 4, b->offset);
		opnic_model_st32(d + 8, b->size);
		opnic_model_st32(d + 12, 0);
	}
}

/* Zero a block; ID.RESET and ID.STATUS keep what they read (not done, not
 * ready) until the reset has written everything else. */
static void
block_clear(struct opnic_model_dev *dev, unsigned int type,
	    const struct opnic_block *b)
{
	uint8_t *p = dev->bar0 + b->offset;

	if (type != OPNIC_BLK_ID) {
		memset(p, 0, b->size);
		return;
	}
	memset(p, 0, OPNIC_ID_RESET);
	memset(p + OPNIC_ID_STATUS + 4, 0, b->size - OPNIC_ID_STATUS - 4);
}

static int
reg_is_id(const struct opnic_model_dev *dev, const struct opnic_watch *w,
	  uint32_t reg)
{
	return w->off == dev->blk[OPNIC_BLK_ID] + reg;
}

void
opnic_model_reset(struct opnic_model_dev *dev)
{
	uint32_t id = dev->blk[OPNIC_BLK_ID];
	unsigned int t, i, v;

	dev->in_reset = OPNIC_RST_NONE;
	opnic_model_queues_reset(dev);
	/* Not done, not ready: a driver polling RESET cannot see 0 before
	 * every register holds its reset value (spec 3.1). */
	opnic_model_st32(dev->bar0 + id + OPNIC_ID_STATUS, 0);
	opnic_model_st32(dev->bar0 + id + OPNIC_ID_RESET, 1);
	for (t = 0; t < OPNIC_BLK_NTYPES; t++) {
		const struct opnic_block *b = opnic_profile_block(&dev->prof, t);

		if (b == NULL || t == OPNIC_BLK_MSIX_TABLE ||
		    t == OPNIC_BLK_MSIX_PBA)
			continue;
		block_clear(dev, t, b);
	}
	opnic_model_write_directory(dev);
	for (i = 0; i < dev->nwatch; i++) {
		struct opnic_watch *w = &dev->watch[i];
		unsigned int type = OPNIC_BLK_NTYPES;

		if (reg_is_id(dev, w, OPNIC_ID_RESET) ||
		    reg_is_id(dev, w, OPNIC_ID_STATUS))
			continue;

		for (t = 0; t < OPNIC_BLK_NTYPES; t++)
			if (regs_of(dev, t)->regs != NULL &&
			    w->def >= regs_of(dev, t)->regs &&
			    w->def < regs_of(dev, t)->regs + regs_of(dev, t)->n)
				type = t;
		w->shadow = type < OPNIC_BLK_NTYPES ?
			    reset_value(dev, type, w->def) : w->def->reset;
		opnic_model_st32(dev->bar0 + w->off, w->shadow);
	}
	/* MSI-X: every vector masked, nothing pending (PCIe 6.8.2.9). */
	for (v = 0; v < dev->prof.msix_vectors; v++) {
		uint8_t *e = opnic_model_msix_entry(dev, v);

		memset(e, 0, OPNIC_MSIX_ENTRY_SIZE);
		opnic_model_st32(e + OPNIC_MSIX_VEC_CTRL, OPNIC_MSIX_VEC_MASKED);
	}
	memset(dev->pba_shadow, 0, sizeof(dev->pba_shadow));
	for (v = 0; v < (dev->prof.msix_vectors + 63) / 64; v++)
		opnic_model_pba_publish(dev, v);
	memset(dev->st, 0, sizeof(dev->st));
	dev->cause_new = 0;
	dev->mem_off = 0;	/* the doorbells are 0 now: snapshot again */
	dev->resets++;
	/* Ready, then done, last. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	opnic_model_dev_set_reg(dev, id + OPNIC_ID_STATUS, OPNIC_ID_STATUS_READY);
	opnic_model_dev_set_reg(dev, id + OPNIC_ID_RESET, 0);
}

void
opnic_model_flr(struct opnic_model_dev *dev)
{
	uint8_t *table = dev->msix_bar + dev->prof.msix_table;
	size_t size = (size_t)dev->prof.msix_vectors * OPNIC_MSIX_ENTRY_SIZE;
	uint8_t *save = malloc(size);

	if (save != NULL)
		memcpy(save, table, size);
	opnic_model_reset(dev);
	if (save != NULL) {
		memcpy(table, save, size);
		free(save);
	}
}

int
opnic_model_init(struct opnic_model_dev *dev, const struct opnic_profile *prof,
		 uint8_t *bar0, uint8_t *msix_bar, uint8_t *cfg,
		 const uint8_t mac[6])
{
	unsigned int t;

	if (prof->msix_bar != 0 && msix_bar == NULL)
		return -EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->prof = *prof;
	dev->bar0 = bar0;
	dev->msix_bar = prof->msix_bar != 0 ? msix_bar : bar0;
	dev->cfg = cfg;
	dev->trace = getenv("OPNIC_MODEL_TRACE") != NULL;
	memcpy(dev->mac, mac, 6);
	dev->link_up = 1;
	dev->speed = 100000;
	dev->scan_interval = 1;
	dev->peer = dev;
	for (t = 0; t < OPNIC_BLK_NTYPES; t++) {
		const struct opnic_block *b = opnic_profile_block(prof, t);

		dev->blk[t] = b != NULL ? b->offset : 0;
		dev->blk_ver[t] = (uint8_t)(b != NULL ? b->version : 0);
	}
	dev->watch = calloc(watch_count(dev), sizeof(*dev->watch));
	if (dev->watch == NULL)
		return -ENOMEM;
	watch_build(dev);
	memset(bar0, 0, prof->bar0_size);
	if (prof->msix_bar != 0)
		memset(msix_bar, 0, prof->msix_bar_size);
	opnic_model_cfg_init(dev);
	/* A function already enabled, as the kernel and the driver leave it
	 * (stepped tests, the benchmark). The model server starts its
	 * devices in the power-up state instead. */
	opnic_model_set_command(dev, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	opnic_model_reset(dev);
	return 0;
}

void
opnic_model_surprise_remove(struct opnic_model_dev *dev, int removed)
{
	if (removed) {
		/* The function is gone: reads complete with all ones (an
		 * unsupported request), nothing runs, nothing is delivered. */
		dev->faults.surprise_removed = 1;
		opnic_model_queues_reset(dev);
		memset(dev->bar0, 0xff, dev->prof.bar0_size);
		if (dev->prof.msix_bar != 0)
			memset(dev->msix_bar, 0xff, dev->prof.msix_bar_size);
		memset(dev->cfg, 0xff, OPNIC_CFG_SIZE);
		return;
	}
	if (!dev->faults.surprise_removed)
		return;
	/* Hot-added again: power-up state, with memory decoding on as the
	 * kernel's pci_enable_device leaves it; Bus Master is the driver's. */
	dev->faults.surprise_removed = 0;
	memset(dev->bar0, 0, dev->prof.bar0_size);
	if (dev->prof.msix_bar != 0)
		memset(dev->msix_bar, 0, dev->prof.msix_bar_size);
	opnic_model_cfg_init(dev);
	opnic_model_set_command(dev, PCI_COMMAND_MEMORY);
	opnic_model_reset(dev);
}

static const char *const fault_kind_names[OPNIC_FK_NKINDS] = {
	[OPNIC_FK_CPL_LEN] = "cpl-len",
	[OPNIC_FK_CPL_IDX] = "cpl-idx",
	[OPNIC_FK_CPL_PHASE] = "cpl-phase",
	[OPNIC_FK_CPL_DUP] = "cpl-dup",
	[OPNIC_FK_CPL_UNPOSTED] = "cpl-unposted",
	[OPNIC_FK_DMA] = "dma",
	[OPNIC_FK_CORRUPT] = "corrupt",
};

const char *
opnic_fault_kind_name(unsigned int kind)
{
	return kind < OPNIC_FK_NKINDS ? fault_kind_names[kind] : NULL;
}

int
opnic_fault_kind_parse(const char *name)
{
	unsigned int k;

	for (k = 0; k < OPNIC_FK_NKINDS; k++)
		if (strcmp(name, fault_kind_names[k]) == 0)
			return (int)k;
	return -1;
}

void
opnic_model_fini(struct opnic_model_dev *dev)
{
	free(dev->watch);
	dev->watch = NULL;
	dev->nwatch = 0;
}

/* RESET reads 1 from the write until the reset has completed (spec 3.1);
 * a write without bit 0 starts nothing and reads back 0. */
static void
effect_reset(struct opnic_model_dev *dev, struct opnic_watch *w, uint32_t val)
{
	if (val & 1) {
		opnic_model_reset_begin(dev, OPNIC_RST_ID);
		return;
	}
	opnic_model_st32(dev->bar0 + w->off, 0);
	w->shadow = 0;
}

static void
effect_qctrl(struct opnic_model_dev *dev, struct opnic_watch *w, uint32_t val)
{
	opnic_model_queue_ctrl(dev, w->is_rx, w->q, val);
}

static void
trace_change(const struct opnic_watch *w, uint32_t v)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "model %ld.%03ld: reg 0x%x %s 0x%x -> 0x%x\n",
		(long)ts.tv_sec, ts.tv_nsec / 1000000, w->off, w->def->name,
		w->shadow, v);
}

void
opnic_model_scan_registers(struct opnic_model_dev *dev)
{
	int mem = opnic_model_mem_enabled(dev);
	unsigned int i, words;

	/* A reset in progress acts on nothing; it rewrites every register
	 * when it completes. */
	if (dev->in_reset != OPNIC_RST_NONE)
		return;
	for (i = 0; i < dev->nwatch; i++) {
		struct opnic_watch *w = &dev->watch[i];
		uint32_t v = opnic_model_ld32(dev->bar0 + w->off);

		if (v == w->shadow)
			continue;
		if (!mem) {
			/* Memory decoding off: the store never reached the
			 * function (an Unsupported Request); undo it. */
			opnic_model_st32(dev->bar0 + w->off, w->shadow);
			dev->mse_writes_dropped++;
			continue;
		}
		switch (w->def->access) {
		case REG_RO:
			opnic_model_st32(dev->bar0 + w->off, w->shadow);
			dev->ro_writes_restored++;
			break;
		case REG_RW:
			if (dev->trace)
				trace_change(w, v);
			w->shadow = v;
			if (w->def->effect != NULL)
				w->def->effect(dev, w, v);
			break;
		case REG_CMD:
			opnic_model_st32(dev->bar0 + w->off, 0);
			w->shadow = 0;
			w->def->effect(dev, w, v);
			break;
		case REG_BUSY:
			w->shadow = v;
			w->def->effect(dev, w, v);
			break;
		}
	}
	/* CAUSE_CLR was sampled in this scan. */
	dev->cause_new = 0;
	/* The PBA is read-only to software: writes are dropped. */
	words = (dev->prof.msix_vectors + 63) / 64;
	for (i = 0; i < words; i++) {
		uint64_t cur = ld_le64(dev->msix_bar + dev->prof.msix_pba + i * 8);

		if (cur != dev->pba_shadow[i]) {
			opnic_model_pba_publish(dev, i);
			dev->ro_writes_restored++;
		}
	}
}

static void
publish_stats(struct opnic_model_dev *dev)
{
	uint8_t *s = dev->bar0 + dev->blk[OPNIC_BLK_STATS];
	unsigned int i;

	for (i = 0; i < OPNIC_ST_NPORT; i++)
		st_le64(s + i * 8, dev->st[i]);
	for (i = 0; i < dev->prof.queues; i++) {
		uint8_t *q = s + OPNIC_ST_QUEUE_BASE + i * OPNIC_ST_QUEUE_STRIDE;

		st_le64(q + OPNIC_STQ_RX_PKTS, dev->rxq[i].pkts);
		st_le64(q + OPNIC_STQ_RX_BYTES, dev->rxq[i].bytes);
		st_le64(q + OPNIC_STQ_TX_PKTS, dev->txq[i].pkts);
		st_le64(q + OPNIC_STQ_TX_BYTES, dev->txq[i].bytes);
	}
}

unsigned int
opnic_model_poll(struct opnic_model_dev *dev)
{
	unsigned int moved;

	if (dev->faults.surprise_removed)
		return 0;
	if (!opnic_model_mem_enabled(dev))
		opnic_model_doorbells_hold(dev);
	else
		dev->mem_off = 0;
	if (dev->in_reset != OPNIC_RST_NONE && opnic_model_reset_service(dev))
		return 0;
	if (dev->scan_interval <= 1 || dev->polls % dev->scan_interval == 0) {
		opnic_model_scan_registers(dev);
		opnic_model_msix_service(dev);
	}
	moved = opnic_model_process(dev);
	dev->work += moved;
	if (dev->scan_interval <= 1 || dev->polls % (dev->scan_interval * 4) == 0)
		publish_stats(dev);
	dev->polls++;
	return moved;
}

uint32_t
opnic_model_read32(struct opnic_model_dev *dev, unsigned int bar, uint32_t off)
{
	uint8_t *base = bar == 0 ? dev->bar0 :
			(bar == dev->prof.msix_bar ? dev->msix_bar : NULL);
	uint32_t size = bar == 0 ? dev->prof.bar0_size : dev->prof.msix_bar_size;

	if (dev->faults.surprise_removed || base == NULL || off > size - 4 ||
	    (off & 3) != 0 || !opnic_model_mem_enabled(dev))
		return 0xffffffff;
	publish_stats(dev);
	return opnic_model_ld32(base + off);
}

void
opnic_model_write32(struct opnic_model_dev *dev, unsigned int bar,
		    uint32_t off, uint32_t val)
{
	uint8_t *base = bar == 0 ? dev->bar0 :
			(bar == dev->prof.msix_bar ? dev->msix_bar : NULL);
	uint32_t size = bar == 0 ? dev->prof.bar0_size : dev->prof.msix_bar_size;

	if (dev->faults.surprise_removed || base == NULL || off > size - 4 ||
	    (off & 3) != 0 || !opnic_model_mem_enabled(dev))
		return;
	opnic_model_st32(base + off, val);
	opnic_model_scan_registers(dev);
	opnic_model_msix_service(dev);
}
