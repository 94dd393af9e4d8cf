/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _OPNIC_ETHDEV_H_
#define _OPNIC_ETHDEV_H_

#include <stdint.h>

#include <rte_ethdev.h>

#include "opnic_regs.h"
#include "vfio_bar.h"

#define OPNIC_MIN_RING	(1u << OPNIC_MIN_RING_LOG2)
#define OPNIC_MAX_RING	(1u << OPNIC_MAX_RING_LOG2)
#define OPNIC_MAX_BUF	16384u
#define OPNIC_ETH_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 4)

struct opnic_devargs {
	int regs_rw;		/* regs=rw: region r/w for every block */
	int db_suppress;	/* doorbell suppression through the shadow */
	int link_poll;		/* lsc=poll: never take the link interrupt */
};

/*
 * Per-process device access (the virtio_hw_internal pattern): BAR mappings
 * and the VFIO fd differ between primary and secondary processes, so they
 * live in process-local memory indexed by port, not in dev_private.
 */
struct opnic_hw {
	struct vbar_dev vb;
	struct vbar_block blk[OPNIC_BLK_NTYPES];
	uint8_t have_blk[OPNIC_BLK_NTYPES];
	int removed;
};

extern struct opnic_hw opnic_hw_local[RTE_MAX_ETHPORTS];

struct opnic_adapter {
	uint16_t port_id;
	uint32_t num_queues;
	uint32_t max_frame;
	uint32_t fw_version;
	uint32_t dev_version;
	uint32_t caps;
	struct opnic_devargs args;
	uint8_t rss_key[OPNIC_RSS_KEY_LEN];
	uint8_t reta[OPNIC_RSS_RETA_SIZE];
	uint64_t rss_hf;
	int lsc_intr;		/* link via MSI-X vector 0 */
	int intr_registered;
	struct rte_intr_handle *own_intr;	/* self-mapped devices */
	uint64_t lsc_interrupts;
	uint64_t removals;	/* surprise removals seen by the watchdog */
	uint64_t dev_base[OPNIC_ST_NPORT];	/* stats_reset snapshot */
	int started;
};

static inline struct opnic_hw *
opnic_hw(const struct opnic_adapter *ad)
{
	return &opnic_hw_local[ad->port_id];
}

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

struct opnic_rxq {
	struct opnic_cpl *cpl;
	struct opnic_rx_desc *ring;
	struct rte_mbuf **sw_ring;
	struct opnic_shadow *shadow;	/* NULL without suppression */
	uint8_t *db_addr;		/* mapped doorbell, or NULL */
	int db_fd;
	off_t db_pos;
	uint32_t mask;
	uint32_t log2;
	uint32_t cons;			/* completions consumed */
	uint32_t prod;			/* descriptors posted */
	uint16_t free_thresh;
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t buf_size;
	struct rte_mempool *mp;
	struct opnic_qstats st;
	const struct rte_memzone *mz;
	uint64_t ring_iova;
	uint64_t cpl_iova;
	uint64_t shadow_iova;
	uint16_t nb_desc;
	uint8_t running;
	volatile uint8_t gone;		/* device removed: bursts return 0 */
};

struct opnic_txq {
	struct opnic_cpl *cpl;
	struct opnic_tx_desc *ring;
	struct rte_mbuf **sw_ring;
	struct opnic_shadow *shadow;
	uint8_t *db_addr;
	int db_fd;
	off_t db_pos;
	uint32_t mask;
	uint32_t log2;
	uint32_t cons;			/* completions consumed */
	uint32_t prod;			/* descriptors posted */
	uint16_t free_thresh;
	uint16_t port_id;
	uint16_t queue_id;
	struct opnic_qstats st;
	const struct rte_memzone *mz;
	uint64_t ring_iova;
	uint64_t cpl_iova;
	uint64_t shadow_iova;
	uint16_t nb_desc;
	uint8_t running;
	volatile uint8_t gone;		/* device removed: bursts return 0 */
};

#define OPNIC_DEV_PRIVATE(dev) ((struct opnic_adapter *)(dev)->data->dev_private)

/* opnic_hw.c */
int opnic_hw_discover(struct opnic_adapter *ad, const char *name);
int opnic_hw_reset(struct opnic_adapter *ad);
int opnic_hw_queue_start(struct opnic_adapter *ad, int is_rx, unsigned int q,
			 uint64_t ring, uint64_t cpl, uint64_t shadow,
			 uint32_t log2, uint32_t buf_size);
int opnic_hw_queue_stop(struct opnic_adapter *ad, int is_rx, unsigned int q);
void opnic_hw_read_mac(struct opnic_adapter *ad, struct rte_ether_addr *mac);
void opnic_hw_write_mac(struct opnic_adapter *ad,
			const struct rte_ether_addr *mac);
void opnic_hw_rss_write(struct opnic_adapter *ad, int enable);
int opnic_hw_removed(struct opnic_adapter *ad);
uint64_t opnic_hw_stat(struct opnic_adapter *ad, uint32_t off);

/* opnic_rxtx.c */
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

#endif /* _OPNIC_ETHDEV_H_ */
