/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _OPNIC_RXTX_H_
#define _OPNIC_RXTX_H_

#include <stdint.h>

#include <rte_ethdev.h>

#include "opnic_hw.h"

#define OPNIC_MIN_RING	(1u << OPNIC_MIN_RING_LOG2)
#define OPNIC_MAX_RING	(1u << OPNIC_MAX_RING_LOG2)

struct opnic_qstats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t bad_cpl;	/* garbage completions, counted and dropped */
	uint64_t cpl_errors;	/* error completions, failed doorbells, dropped frames */
	uint64_t db_mmio;	/* doorbells through the mapping */
	uint64_t db_syscall;	/* doorbells through region write */
	uint64_t db_suppressed;	/* doorbells the device said it did not need */
	uint64_t alloc_fail;
};

/*
 * One descriptor ring with its completion ring, shadow and doorbell (spec 5,
 * 6), as RX and TX queues both have it (ionic's ionic_qcq, virtio's
 * virtqueue). Descriptors, completions and the shadow share one memzone.
 */
struct opnic_ring {
	union {
		struct opnic_rx_desc *rx;
		struct opnic_tx_desc *tx;
	} desc;
	struct opnic_cpl *cpl;
	struct rte_mbuf **sw_ring;
	struct opnic_shadow *shadow;	/* NULL without suppression */
	struct opnic_doorbell db;
	uint32_t mask;
	uint32_t log2;
	uint32_t cons;			/* completions consumed */
	uint32_t prod;			/* descriptors posted */
	uint16_t nb_desc;
	uint8_t db_owed;		/* the last doorbell's write failed:
					 * ring again on the next burst */
	uint8_t running;		/* enabled in the device */
	uint8_t kept;			/* stop unconfirmed, DMA not cut: the
					 * buffers and rings are never freed */
	struct opnic_qstats st;
	const struct rte_memzone *mz;
	uint64_t desc_iova;
	uint64_t cpl_iova;
	uint64_t shadow_iova;		/* 0 without suppression */
};

/* The queues' own fields come first and the ring's cold tail (memzone,
 * IOVAs) last, so that a burst touches three cache lines. */
struct opnic_rxq {
	struct rte_mempool *mp;
	uint16_t free_thresh;
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t buf_size;
	volatile uint8_t gone;		/* device removed: bursts return 0 */
	struct opnic_ring ring;
};

struct opnic_txq {
	uint16_t free_thresh;
	uint16_t port_id;
	uint16_t queue_id;
	volatile uint8_t gone;		/* device removed: bursts return 0 */
	struct opnic_ring ring;
};

int opnic_dev_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			     uint16_t nb_desc, unsigned int socket_id,
			     const struct rte_eth_rxconf *conf,
			     struct rte_mempool *mp);
int opnic_dev_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			     uint16_t nb_desc, unsigned int socket_id,
			     const struct rte_eth_txconf *conf);
void opnic_dev_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
void opnic_dev_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
int opnic_rxq_start(struct rte_eth_dev *dev, struct opnic_rxq *q);
int opnic_txq_start(struct rte_eth_dev *dev, struct opnic_txq *q);
void opnic_rxq_stop(struct rte_eth_dev *dev, struct opnic_rxq *q);
void opnic_txq_stop(struct rte_eth_dev *dev, struct opnic_txq *q);
uint16_t opnic_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t opnic_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t n);

#endif /* _OPNIC_RXTX_H_ */
