/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The hardware layer: every register access of the control path and the
 * VFIO interrupt set-up, as named device operations (gve's gve_adminq_*,
 * ixy's libixy-vfio.c). The rest of the PMD calls these and never names a
 * register; only the datapath's doorbell store (opnic_rxtx.c) writes the
 * device itself, through the path opnic_hw_doorbell_get() returns.
 */

#ifndef _OPNIC_HW_H_
#define _OPNIC_HW_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_ether.h>

#include "opnic_regs.h"
#include "vfio_bar.h"

struct rte_intr_handle;
struct rte_pci_device;

#define OPNIC_MAX_BUF	16384u	/* largest RX buffer and frame */

/*
 * Per-process device access (the virtio_hw_internal pattern): BAR mappings,
 * the VFIO fd and the eventfd of a self-mapped device differ between primary
 * and secondary processes, so they live in process-local memory, reached by
 * port through opnic_adapter_io(), not in dev_private.
 */
struct opnic_io {
	struct vbar_dev vb;
	struct vbar_block blk[OPNIC_BLK_NTYPES];
	uint8_t have_blk[OPNIC_BLK_NTYPES];
	int removed;
	int primary;		/* this process owns the function */
	int dma_cut;		/* Bus Master cut off (opnic_hw_dma_cut) */
	struct rte_intr_handle *own_intr;	/* self-mapped: vector 0's eventfd */
};

/* What the ID block reports (spec 3.1), read once at discovery. */
struct opnic_id {
	uint32_t num_queues;
	uint32_t max_frame;
	uint32_t fw_version;
	uint32_t dev_version;
	uint32_t caps;		/* OPNIC_CAP_*; RSS cleared if RETA_SIZE is bad */
	uint32_t reta_size;	/* RSS.RETA_SIZE (spec 3.6), 0 without RSS */
};

/* The port counters of the STATS block (spec 3.7), in register order: the
 * offset of a field is its register's offset (checked in opnic_hw.c). */
struct opnic_hw_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t rx_no_desc;
	uint64_t rx_filtered;
	uint64_t dma_errors;
	uint64_t desc_errors;
	uint64_t rx_too_long;
	uint64_t link_drops;
};

#define OPNIC_HW_STAT_AT(f, reg) \
	_Static_assert(offsetof(struct opnic_hw_stats, f) == (reg), #f)
OPNIC_HW_STAT_AT(rx_pkts, OPNIC_ST_RX_PKTS);
OPNIC_HW_STAT_AT(rx_bytes, OPNIC_ST_RX_BYTES);
OPNIC_HW_STAT_AT(tx_pkts, OPNIC_ST_TX_PKTS);
OPNIC_HW_STAT_AT(tx_bytes, OPNIC_ST_TX_BYTES);
OPNIC_HW_STAT_AT(rx_no_desc, OPNIC_ST_RX_NO_DESC);
OPNIC_HW_STAT_AT(rx_filtered, OPNIC_ST_RX_FILTERED);
OPNIC_HW_STAT_AT(dma_errors, OPNIC_ST_DMA_ERRORS);
OPNIC_HW_STAT_AT(desc_errors, OPNIC_ST_DESC_ERRORS);
OPNIC_HW_STAT_AT(rx_too_long, OPNIC_ST_RX_TOO_LONG);
OPNIC_HW_STAT_AT(link_drops, OPNIC_ST_LINK_DROPS);
_Static_assert(sizeof(struct opnic_hw_stats) == OPNIC_ST_NPORT * 8,
	       "one field per port counter");

/* A queue's doorbell path (spec 3.5, 8), fixed at queue setup. */
struct opnic_doorbell {
	uint8_t *addr;		/* mapped doorbell, or NULL: region write ... */
	int fd;			/* ... on this fd ... */
	off_t pos;		/* ... at this offset */
};

/* What starting a queue programs (spec 3.4). */
struct opnic_hw_qcfg {
	uint64_t ring_iova;
	uint64_t cpl_iova;
	uint64_t shadow_iova;	/* 0: no doorbell suppression */
	uint32_t log2;		/* ring size */
	uint32_t buf_size;	/* RX buffer size; 0 for TX */
};

/* BAR access through vfio_bar (regs_rw: region r/w for every block), and
 * its end, which also frees the interrupt set-up. NULL with *err set. */
struct opnic_io *opnic_hw_open(struct rte_pci_device *pci, int regs_rw,
			       int *err);
void opnic_hw_close(struct opnic_io *io);

/* PCI command register (config 0x04) through the VFIO config region:
 * on sets Memory Space and Bus Master Enable (done at open by the primary),
 * off clears Bus Master (done at close). 0 or -EIO, logged. */
int opnic_hw_bus_master(struct opnic_io *io, int on);

/* Cut the device's DMA (Bus Master off, read back): 0 only when confirmed,
 * and then buffers the device could write may be freed. restore (at start)
 * resets the device and turns Bus Master on again after a cut. */
int opnic_hw_dma_cut(struct opnic_io *io);
int opnic_hw_dma_restore(struct opnic_io *io);

/* Discovery and reset (spec 2, 3.1); name is only used in messages. */
int opnic_hw_discover(struct opnic_io *io, const char *name,
		      struct opnic_id *id);
int opnic_hw_reset(struct opnic_io *io);
/* The clock of every register wait (CLOCK_MONOTONIC, microseconds): no EAL
 * timer needed. */
uint64_t opnic_hw_now_us(void);
int opnic_hw_removed(struct opnic_io *io);

/* MAC block (spec 3.2). */
void opnic_hw_mac_get(struct opnic_io *io, struct rte_ether_addr *mac);
void opnic_hw_mac_set(struct opnic_io *io, const struct rte_ether_addr *mac);
void opnic_hw_mtu_set(struct opnic_io *io, uint32_t mtu);
void opnic_hw_rxmode_set(struct opnic_io *io, int promisc, int allmulti);

/* LINK block (spec 3.3): link state, and the cause of vector 0. */
int opnic_hw_link_get(struct opnic_io *io, uint32_t *speed);
int opnic_hw_cause_ack(struct opnic_io *io);

/* RSS block (spec 3.6). */
void opnic_hw_rss_set(struct opnic_io *io, const uint8_t *key,
		      const uint8_t *reta, uint32_t reta_size, int enable);

/* QCFG, TXDB and RXDB blocks (spec 3.4, 3.5). */
int opnic_hw_queue_start(struct opnic_io *io, int is_rx, unsigned int q,
			 const struct opnic_hw_qcfg *cfg);
/* Stop: 0 once the device confirms (STATUS.running 0); -ETIMEDOUT when it
 * does not in time, -ENODEV on a removed device. Only after 0, or after
 * opnic_hw_dma_cut, may the queue's buffers be freed. */
int opnic_hw_queue_stop(struct opnic_io *io, int is_rx, unsigned int q);
void opnic_hw_doorbell_get(const struct opnic_io *io, int is_rx,
			   unsigned int q, struct opnic_doorbell *db);

/* STATS block (spec 3.7): one counter by its field offset in struct
 * opnic_hw_stats, or all of them. A removed device reads 0. */
uint64_t opnic_hw_stat(struct opnic_io *io, size_t field);
void opnic_hw_stats_get(struct opnic_io *io, struct opnic_hw_stats *s);

/* Register dump of BAR0's register blocks, 32-bit words. */
uint32_t opnic_hw_regs_words(const struct opnic_io *io);
void opnic_hw_regs_dump(const struct opnic_io *io, uint32_t *out);

/* MSI-X vector 0 (spec 4): the link interrupt. init gives a self-mapped
 * device an eventfd of its own (else checks the bus set up VFIO MSI-X);
 * handle is what to register the callback on; enable programs the vector
 * and LINK.INTR_EN; drain reads the eventfd in the callback; fini frees. */
int opnic_hw_intr_init(struct opnic_io *io);
struct rte_intr_handle *opnic_hw_intr_handle(const struct opnic_io *io);
int opnic_hw_intr_enable(struct opnic_io *io, int on);
int opnic_hw_intr_drain(struct opnic_io *io);
void opnic_hw_intr_fini(struct opnic_io *io);

/* A register of the ID block (spec 3.1). */
static inline uint32_t
opnic_hw_id_read(const struct opnic_io *io, uint32_t off)
{
	return vbar_read32(&io->blk[OPNIC_BLK_ID], off);
}

#endif /* _OPNIC_HW_H_ */
