/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The opnic NIC model: BAR register file, MSI-X table/PBA semantics, queues,
 * DMA through an IOVA map, link, wires. It only knows memory: the BARs and
 * config space are plain byte arrays (private or shared with a driver
 * process); software stores to them are picked up by opnic_model_poll(),
 * which runs the side effects from the register tables in opnic_model.c.
 * Run it stepped (tests call poll) or on a thread of its own.
 */

#ifndef _OPNIC_MODEL_H_
#define _OPNIC_MODEL_H_

#include <stdint.h>
#include <linux/pci_regs.h>

#include "opnic_regs.h"
#include "opnic_profile.h"
#include "opnic_dma.h"

#define OPNIC_CFG_SIZE		4096
#define OPNIC_CFG_CAP_PCIE	0x40
/* After the PCIe v2 capability's 0x3c bytes (0x40-0x7b). At 0x70 it
 * overlapped Link Control/Status 2, which QEMU's vfio-pci emulates as zero
 * for an integrated endpoint: the guest saw no MSI-X (issue 17). */
#define OPNIC_CFG_CAP_MSIX	0x80
/* Empty polls after which a TX queue goes idle and asks for doorbells. */
#define OPNIC_IDLE_POLLS	256
#define OPNIC_TX_BUDGET		64
/* ID.MAX_FRAME (spec 3.1); a frame with an 802.1Q tag may be 4 bytes more. */
#define OPNIC_MODEL_MAX_FRAME	9018
#define OPNIC_MODEL_FRAME_BUF	(OPNIC_MODEL_MAX_FRAME + 4)

typedef void (*opnic_irq_fn)(void *ctx, unsigned int vector);

struct opnic_model_q {
	uint8_t running;
	uint8_t is_rx;
	uint8_t idle;		/* TX with shadow: waiting for a doorbell */
	uint8_t qid;
	uint8_t shadow_init;	/* enabled while Bus Master was off: the
				 * shadow's first write waits for it */
	uint32_t size;
	uint32_t mask;
	uint32_t buf_size;
	uint32_t cons;		/* descriptors consumed, free running */
	uint32_t prod;		/* last producer index seen */
	uint32_t published;	/* cons as last written to the shadow */
	uint32_t last_db;
	uint32_t idle_polls;
	uint32_t db_off;	/* doorbell register, BAR0 offset */
	uint32_t phase_fault_at;	/* cons of the last stale-phase fault */
	uint64_t ring_iova;
	uint64_t cpl_iova;
	uint64_t shadow_iova;
	uint8_t *ring;
	struct opnic_cpl *cpl;
	struct opnic_shadow *shadow;	/* the shadow area (v2: its first line) */
	/* The shadow's fields, for either layout (spec 6, 9.6). */
	uint32_t *sh_prod;
	uint32_t *sh_flags;
	uint32_t *sh_cons;
	/* Revision 2 (spec 9): the qcfg block's version, RX offloads, the TX
	 * head write-back. */
	uint8_t ver;
	uint32_t offload;	/* RX: OPNIC_RXOFF_* as enabled */
	uint32_t wb_every;	/* TX: head at least every N descriptors */
	uint32_t since_wb;	/* TX: descriptors done since the last head */
	uint32_t err_frames;	/* TX: frames refused (the head's count) */
	struct opnic_tx_head *head;
	uint64_t pkts;
	uint64_t bytes;
	uint64_t doorbells_seen;
};

struct opnic_watch;

/* Fault kinds a misbehaving device shows (doc/faults.md). */
enum opnic_fault_kind {
	OPNIC_FK_CPL_LEN,	/* RX completion with len 0xffff */
	OPNIC_FK_CPL_IDX,	/* completion naming a slot it is not in */
	OPNIC_FK_CPL_PHASE,	/* completion written with the stale phase */
	OPNIC_FK_CPL_DUP,	/* RX completion written twice (two slots) */
	OPNIC_FK_CPL_UNPOSTED,	/* RX completion for a descriptor not posted */
	OPNIC_FK_DMA,		/* RX buffer write that hits no mapping */
	OPNIC_FK_CORRUPT,	/* RX frame with its last byte flipped */
	OPNIC_FK_NKINDS
};

/* Fault injection switches (for the reliability work and tests). */
struct opnic_model_faults {
	uint64_t pending[OPNIC_FK_NKINDS];	/* to inject, per kind */
	uint64_t injected[OPNIC_FK_NKINDS];	/* injected so far */
	uint32_t random_ppm;	/* random faults per million completions */
	uint32_t rng;
	uint32_t surprise_removed;	/* all ones, device stops */
};

/* Name of a fault kind ("cpl-len", ...), NULL when out of range. */
const char *opnic_fault_kind_name(unsigned int kind);
/* Kind of a name, -1 when unknown. */
int opnic_fault_kind_parse(const char *name);

struct opnic_model_dev {
	struct opnic_profile prof;
	uint8_t *bar0;
	uint8_t *msix_bar;	/* == bar0 when the profile has msix_bar 0 */
	uint8_t *cfg;		/* OPNIC_CFG_SIZE bytes of config space */
	uint32_t blk[OPNIC_BLK_NTYPES];	/* block offsets in BAR0 */
	struct opnic_dma_map *dma;	/* the IOMMU domain, may be NULL */
	opnic_irq_fn irq;
	void *irq_ctx;
	struct opnic_model_dev *peer;	/* the wire: TX goes to peer's RX */
	/* An external wire (TAP, pcap, tester): TX goes here instead. */
	void (*wire_tx)(void *ctx, const uint8_t *f, uint32_t len);
	void *wire_ctx;
	struct opnic_model_q txq[OPNIC_QCFG_MAX_QUEUES];
	struct opnic_model_q rxq[OPNIC_QCFG_MAX_QUEUES];
	uint8_t mac[6];
	uint8_t link_up;
	uint8_t trace;		/* OPNIC_MODEL_TRACE: log register changes */
	uint32_t speed;
	uint32_t scan_interval;	/* register scan every N polls (1: each) */
	uint32_t polls;
	struct opnic_watch *watch;
	unsigned int nwatch;
	uint64_t pba_shadow[32];	/* device-owned PBA contents */
	/* PCI command register (spec 1.1): memory decoding off since this
	 * poll (the doorbells as they were then), Bus Master waits. */
	uint8_t mem_off;
	uint32_t db_snap[2][OPNIC_QCFG_MAX_QUEUES];
	/* Reset (spec 3.1): in progress until reset_due (CLOCK_MONOTONIC
	 * ns); reset_ns is how long one takes (0: at once). */
	uint8_t in_reset;	/* OPNIC_RST_* */
	uint64_t reset_ns;
	uint64_t reset_due;
	/* LINK.CAUSE bits set since the device last sampled CAUSE_CLR
	 * (spec 3.3: a clear it cannot order before them keeps them). */
	uint32_t cause_new;
	uint64_t st[OPNIC_ST_NPORT];	/* port counters, OPNIC_ST_* / 8 */
	/* Model-side diagnostics (not visible to the driver). */
	uint64_t irqs_sent;
	uint64_t ro_writes_restored;
	uint64_t resets;
	uint64_t bme_held_polls;	/* polls whose DMA waited for Bus Master */
	uint64_t bme_rx_refused;	/* frames offered while Bus Master was off */
	uint64_t mse_writes_dropped;	/* BAR stores undone while MSE was off */
	uint64_t cause_clr_kept;	/* CAUSE bits a late clear did not clear */
	uint64_t work;		/* frames moved, for idle detection */
	/* Revision 2 (spec 9): block versions from the profile, frame
	 * staging (a TX frame gathered from its segments; an RX frame with
	 * its tag stripped), refusals by kind. */
	uint8_t blk_ver[OPNIC_BLK_NTYPES];
	uint64_t tx_refused[8];		/* v2 TX frames refused, OPNIC_TXE_* */
	uint64_t rx_csum_bad;		/* v2 RX frames reported IP or L4 BAD */
	uint8_t tx_frame[OPNIC_MODEL_FRAME_BUF];
	uint8_t rx_frame[OPNIC_MODEL_FRAME_BUF];
	struct opnic_model_faults faults;
};

/*
 * Set up a device on caller-owned memory: bar0 (prof->bar0_size bytes),
 * msix_bar (prof->msix_bar_size bytes or NULL when MSI-X is in BAR0) and cfg
 * (OPNIC_CFG_SIZE bytes). Writes the reset state. Returns 0 or -errno.
 */
int opnic_model_init(struct opnic_model_dev *dev,
		     const struct opnic_profile *prof, uint8_t *bar0,
		     uint8_t *msix_bar, uint8_t *cfg, const uint8_t mac[6]);
void opnic_model_fini(struct opnic_model_dev *dev);

enum opnic_reset_kind {
	OPNIC_RST_NONE = 0,
	OPNIC_RST_ID,		/* ID.RESET written by the driver */
	OPNIC_RST_FLR,		/* function-level reset (VFIO_DEVICE_RESET) */
};

/* Device reset at once (the release of the device; the end of an ID.RESET
 * or FLR in progress). */
void opnic_model_reset(struct opnic_model_dev *dev);

/* Function-level reset as VFIO_DEVICE_RESET does it: the PCI core saves
 * the MSI-X table, the function resets, the table is restored. At once. */
void opnic_model_flr(struct opnic_model_dev *dev);

/* Start a reset that takes dev->reset_ns: queues stop now, ID.STATUS reads
 * not ready (ID.RESET reads 1 for OPNIC_RST_ID), registers are not acted
 * on; opnic_model_poll() completes it when the time is up, or
 * opnic_model_reset_finish() does. */
void opnic_model_reset_begin(struct opnic_model_dev *dev,
			     enum opnic_reset_kind kind);
/* Complete the reset in progress now (nothing when none is). */
void opnic_model_reset_finish(struct opnic_model_dev *dev);

/* PCI command register (config 0x04) as the function obeys it. */
static inline uint16_t
opnic_model_command(const struct opnic_model_dev *dev)
{
	return __atomic_load_n((const uint16_t *)(dev->cfg + PCI_COMMAND),
			       __ATOMIC_ACQUIRE);
}

static inline int
opnic_model_bus_master(const struct opnic_model_dev *dev)
{
	return (opnic_model_command(dev) & PCI_COMMAND_MASTER) != 0;
}

static inline int
opnic_model_mem_enabled(const struct opnic_model_dev *dev)
{
	return (opnic_model_command(dev) & PCI_COMMAND_MEMORY) != 0;
}

/* Set the command register as the kernel's config write would. */
void opnic_model_set_command(struct opnic_model_dev *dev, uint16_t cmd);

/* One step: register side effects, MSI-X delivery, queue processing.
 * Returns the number of frames moved. */
unsigned int opnic_model_poll(struct opnic_model_dev *dev);

/* Run the register side effects now (used after trapped writes). */
void opnic_model_scan_registers(struct opnic_model_dev *dev);

void opnic_model_set_link(struct opnic_model_dev *dev, int up);

/*
 * A frame arrives from the wire. 0: in a buffer with a completion; <0: not
 * delivered (-ENOLINK, -EPERM filtered, -ENOBUFS no descriptor, -EMSGSIZE,
 * -EFAULT DMA error, -ENODEV removed), counted in the port statistics.
 * With may_wait a missing descriptor is -EAGAIN and counted nowhere.
 */
int opnic_model_rx_offer(struct opnic_model_dev *dev, const uint8_t *f,
			 uint32_t len, int may_wait);

/* Surprise removal: every BAR and config byte reads all ones, the device
 * stops; restore brings the function back as after power-up. */
void opnic_model_surprise_remove(struct opnic_model_dev *dev, int removed);

/* The IOVA map changed (unmap): queues whose rings are gone stop with
 * OPNIC_QERR_RING_DMA instead of touching freed memory. */
void opnic_model_dma_changed(struct opnic_model_dev *dev);

/* MSI-X enable / function mask as seen in config space. */
void opnic_model_set_msix_ctrl(struct opnic_model_dev *dev, int enable,
			       int function_mask);
/* Per-vector mask, as the kernel programs it at VFIO_DEVICE_SET_IRQS. */
void opnic_model_set_vector_mask(struct opnic_model_dev *dev,
				 unsigned int vector, int masked);

/* Signal MSI-X vector as the device does (mask and PBA respected); used by
 * the interrupt-storm fault. */
void opnic_model_raise_vector(struct opnic_model_dev *dev, unsigned int vector);

/* Trapped 32-bit register access (region r/w, tests): a write runs its side
 * effect before returning. bar is the BAR index. */
uint32_t opnic_model_read32(struct opnic_model_dev *dev, unsigned int bar,
			    uint32_t off);
void opnic_model_write32(struct opnic_model_dev *dev, unsigned int bar,
			 uint32_t off, uint32_t val);

/* Write the register-block directory into BAR0 (part of reset). */
void opnic_model_write_directory(struct opnic_model_dev *dev);

static inline uint32_t
opnic_model_ld32(const uint8_t *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
}

static inline void
opnic_model_st32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, v, __ATOMIC_RELEASE);
}

#endif /* _OPNIC_MODEL_H_ */
