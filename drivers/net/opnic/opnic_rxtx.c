/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Queues and bursts (spec 5 and 6). One completion per descriptor, in ring
 * order, found by its phase bit: the datapath never reads a register. A
 * doorbell is a 4-byte store through the mapping, or a pwrite() when the
 * doorbell block sits in the unmapped MSI-X page; with suppression the driver
 * publishes its producer index in host memory and rings only when the device
 * says it is idle, which keeps the pwrite path off the per-burst cost.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <ethdev_driver.h>

#include "opnic_ethdev.h"
#include "opnic_logs.h"

#define OPNIC_REFILL_CHUNK 64
#define OPNIC_TX_FREE_CHUNK 64

/* A descriptor, completion and shadow area per queue, in one memzone. */
static size_t
q_dma_size(uint16_t nb)
{
	return (size_t)nb * 16 * 2 + sizeof(struct opnic_shadow);
}

static int
check_nb_desc(uint16_t nb, const char *what, uint16_t qid)
{
	if (nb < OPNIC_MIN_RING || nb > OPNIC_MAX_RING || !rte_is_power_of_2(nb)) {
		PMD_DRV_LOG(ERR, "%s queue %u: %u descriptors; opnic rings are a "
			    "power of two from %u to %u", what, qid, nb,
			    OPNIC_MIN_RING, OPNIC_MAX_RING);
		return -EINVAL;
	}
	return 0;
}

static void
set_doorbell(struct opnic_adapter *ad, unsigned int type, unsigned int q,
	     uint8_t **addr, int *fd, off_t *pos)
{
	const struct vbar_block *b = &opnic_hw(ad)->blk[type];

	*addr = b->addr != NULL ? b->addr + q * OPNIC_DB_STRIDE : NULL;
	*fd = b->fd;
	*pos = (off_t)(b->pos + q * OPNIC_DB_STRIDE);
}

/* Memory every queue needs: its struct, the mbuf ring, and one DMA zone
 * holding descriptors, completions and (with suppression) the shadow. */
struct q_mem {
	void *q;
	struct rte_mbuf **sw_ring;
	const struct rte_memzone *mz;
	void *ring;
	uint64_t ring_iova;
	struct opnic_cpl *cpl;
	uint64_t cpl_iova;
	struct opnic_shadow *shadow;
	uint64_t shadow_iova;
};

static int
q_mem_alloc(struct rte_eth_dev *dev, const char *zone, uint16_t qid,
	    uint16_t nb, unsigned int socket_id, size_t qsize, struct q_mem *m)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	memset(m, 0, sizeof(*m));
	m->q = rte_zmalloc_socket(zone, qsize, RTE_CACHE_LINE_SIZE, (int)socket_id);
	m->sw_ring = rte_zmalloc_socket(zone, sizeof(m->sw_ring[0]) * nb,
					RTE_CACHE_LINE_SIZE, (int)socket_id);
	if (m->q != NULL && m->sw_ring != NULL)
		m->mz = rte_eth_dma_zone_reserve(dev, zone, qid, q_dma_size(nb),
						 4096, (int)socket_id);
	if (m->mz == NULL) {
		rte_free(m->sw_ring);
		rte_free(m->q);
		return -ENOMEM;
	}
	m->ring = m->mz->addr;
	m->ring_iova = m->mz->iova;
	m->cpl = (struct opnic_cpl *)((uint8_t *)m->mz->addr + (size_t)nb * 16);
	m->cpl_iova = m->mz->iova + (uint64_t)nb * 16;
	if (ad->args.db_suppress) {
		m->shadow = (struct opnic_shadow *)((uint8_t *)m->mz->addr +
						    (size_t)nb * 32);
		m->shadow_iova = m->mz->iova + (uint64_t)nb * 32;
	}
	return 0;
}

/* The fields rxq and txq share, filled the same way. */
#define Q_MEM_ASSIGN(q, m, nb) do {				\
	(q)->sw_ring = (m).sw_ring;					\
	(q)->mz = (m).mz;						\
	(q)->ring = (m).ring;						\
	(q)->ring_iova = (m).ring_iova;					\
	(q)->cpl = (m).cpl;						\
	(q)->cpl_iova = (m).cpl_iova;					\
	(q)->shadow = (m).shadow;					\
	(q)->shadow_iova = (m).shadow_iova;				\
	(q)->nb_desc = (nb);						\
	(q)->mask = (nb) - 1u;						\
	(q)->log2 = (uint32_t)rte_log2_u32(nb);				\
} while (0)

int
opnic_dev_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb,
			 unsigned int socket_id,
			 const struct rte_eth_rxconf *conf,
			 struct rte_mempool *mp)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_rxq *q;
	struct q_mem m;
	uint32_t room;

	if (check_nb_desc(nb, "RX", qid) != 0)
		return -EINVAL;
	room = rte_pktmbuf_data_room_size(mp);
	if (room <= RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		PMD_DRV_LOG(ERR, "RX queue %u: mempool %s data room %u is too small",
			    qid, mp->name, room);
		return -EINVAL;
	}
	if (dev->data->rx_queues[qid] != NULL)
		opnic_dev_rx_queue_release(dev, qid);
	if (q_mem_alloc(dev, "opnic_rx", qid, nb, socket_id, sizeof(*q), &m) != 0)
		return -ENOMEM;
	q = m.q;
	Q_MEM_ASSIGN(q, m, nb);
	q->mp = mp;
	q->buf_size = (uint16_t)RTE_MIN(room - RTE_PKTMBUF_HEADROOM, OPNIC_MAX_BUF);
	q->free_thresh = conf->rx_free_thresh != 0 ? conf->rx_free_thresh : 32;
	if (q->free_thresh >= nb)
		q->free_thresh = nb / 2;
	q->port_id = dev->data->port_id;
	q->queue_id = qid;
	set_doorbell(ad, OPNIC_BLK_RXDB, qid, &q->db_addr, &q->db_fd, &q->db_pos);
	dev->data->rx_queues[qid] = q;
	return 0;
}

int
opnic_dev_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb,
			 unsigned int socket_id,
			 const struct rte_eth_txconf *conf)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_txq *q;
	struct q_mem m;

	if (check_nb_desc(nb, "TX", qid) != 0)
		return -EINVAL;
	if (dev->data->tx_queues[qid] != NULL)
		opnic_dev_tx_queue_release(dev, qid);
	if (q_mem_alloc(dev, "opnic_tx", qid, nb, socket_id, sizeof(*q), &m) != 0)
		return -ENOMEM;
	q = m.q;
	Q_MEM_ASSIGN(q, m, nb);
	q->free_thresh = conf->tx_free_thresh != 0 ? conf->tx_free_thresh : 32;
	q->port_id = dev->data->port_id;
	q->queue_id = qid;
	set_doorbell(ad, OPNIC_BLK_TXDB, qid, &q->db_addr, &q->db_fd, &q->db_pos);
	dev->data->tx_queues[qid] = q;
	return 0;
}

void
opnic_dev_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct opnic_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL)
		return;
	if (q->running)
		opnic_rxq_stop(dev, q);
	rte_eth_dma_zone_free(dev, "opnic_rx", qid);
	rte_free(q->sw_ring);
	rte_free(q);
	dev->data->rx_queues[qid] = NULL;
}

void
opnic_dev_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct opnic_txq *q = dev->data->tx_queues[qid];

	if (q == NULL)
		return;
	if (q->running)
		opnic_txq_stop(dev, q);
	rte_eth_dma_zone_free(dev, "opnic_tx", qid);
	rte_free(q->sw_ring);
	rte_free(q);
	dev->data->tx_queues[qid] = NULL;
}

static __rte_always_inline void
ring_doorbell(struct opnic_qstats *st, uint8_t *db_addr, int fd, off_t pos,
	      uint32_t prod)
{
	uint32_t v = rte_cpu_to_le_32(prod);

	if (likely(db_addr != NULL)) {
		rte_write32_relaxed(v, db_addr);
		st->db_mmio++;
	} else {
		/* Region write: the doorbell page is not mapped (spec 8). */
		if (unlikely(pwrite(fd, &v, sizeof(v), pos) != sizeof(v)))
			st->cpl_errors++;
		st->db_syscall++;
	}
}

/* Publish prod, then ring unless the device said it is polling (spec 6). */
static __rte_always_inline void
notify(struct opnic_qstats *st, struct opnic_shadow *sh, uint8_t *db_addr,
       int fd, off_t pos, uint32_t prod)
{
	/* Descriptor writes must reach the device before the producer index
	 * that covers them (spec 5.2). */
	rte_io_wmb();
	if (sh != NULL) {
		__atomic_store_n(&sh->drv_prod, rte_cpu_to_le_32(prod),
				 __ATOMIC_RELAXED);
		/* Store-load order: the device clears NO_NOTIFY then re-reads
		 * drv_prod; we store drv_prod then read NO_NOTIFY. One side
		 * always sees the other (spec 6.2). */
		rte_smp_mb();
		if (__atomic_load_n(&sh->dev_flags, __ATOMIC_RELAXED) &
		    rte_cpu_to_le_32(OPNIC_SHADOW_NO_NOTIFY)) {
			st->db_suppressed++;
			return;
		}
	}
	ring_doorbell(st, db_addr, fd, pos, prod);
}

static void
rx_refill(struct opnic_rxq *q, uint32_t count)
{
	struct rte_mbuf *mbs[OPNIC_REFILL_CHUNK];
	uint32_t prod = q->prod, done = 0, i;

	for (i = 0; i < count && i < OPNIC_REFILL_CHUNK * 2; i += 4)
		rte_prefetch0_write(&q->ring[(prod + i) & q->mask]);
	while (done < count) {
		uint32_t k = RTE_MIN(count - done, (uint32_t)OPNIC_REFILL_CHUNK);

		if (unlikely(rte_pktmbuf_alloc_bulk(q->mp, mbs, k) != 0)) {
			q->st.alloc_fail++;
			rte_eth_devices[q->port_id].data->rx_mbuf_alloc_failed++;
			break;
		}
		for (i = 0; i < k; i++) {
			uint32_t slot = prod & q->mask;

			q->sw_ring[slot] = mbs[i];
			q->ring[slot].addr =
				rte_cpu_to_le_64(rte_mbuf_data_iova_default(mbs[i]));
			prod++;
		}
		done += k;
	}
	if (prod == q->prod)
		return;
	q->prod = prod;
	notify(&q->st, q->shadow, q->db_addr, q->db_fd, q->db_pos, prod);
}

static __rte_always_inline uint16_t
cpl_phase(uint32_t index, uint32_t log2)
{
	return ((index >> log2) & 1) ? 0 : OPNIC_CPL_PHASE;
}

/*
 * The head completion is not ready. A device completes in ring order, so if
 * the record after it is ready the head was lost or written with a stale
 * phase: without this the queue would wait on it forever. Only runs when a
 * burst stops early, and reads one more completion.
 */
static int
head_skipped(volatile struct opnic_cpl *cpl, uint32_t cons, uint32_t prod,
	     uint32_t mask, uint32_t log2)
{
	uint32_t next = cons + 1;

	if (next == prod || (uint32_t)(prod - next) > mask + 1u)
		return 0;
	if ((rte_le_to_cpu_16(cpl[next & mask].flags) & OPNIC_CPL_PHASE) !=
	    cpl_phase(next, log2))
		return 0;
	/* The next record was written after the head: read the head again
	 * after it. */
	rte_io_rmb();
	return (rte_le_to_cpu_16(cpl[cons & mask].flags) & OPNIC_CPL_PHASE) !=
	       cpl_phase(cons, log2);
}

/* A skipped record still carries the phase the next lap waits for: make it
 * read "not ready" then. The device is past this slot and cannot come back
 * to it before the driver posts the slot again, after this store. */
static void
skip_stale(volatile struct opnic_cpl *c, uint32_t cons, uint32_t log2)
{
	c->flags = rte_cpu_to_le_16(cpl_phase(cons, log2));
}

uint16_t
opnic_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct opnic_rxq *q = rxq;
	uint32_t cons = q->cons, prod = q->prod, mask = q->mask, free, i;
	uint64_t bytes = 0;
	uint16_t nb = 0;

	if (unlikely(q->gone))
		return 0;
	/* The device wrote these lines from another core: start all the
	 * misses of the burst at once instead of one after another. */
	for (i = 0; i < n; i += 4)
		rte_prefetch0(&q->cpl[(cons + i) & mask]);
	/* Never past what was posted: a completion for a descriptor we did
	 * not hand out is not read. */
	while (nb < n && cons != prod) {
		uint32_t slot = cons & mask;
		volatile struct opnic_cpl *c = &q->cpl[slot];
		uint16_t flags = rte_le_to_cpu_16(c->flags);
		struct rte_mbuf *m;
		uint16_t len, idx, status;

		if ((flags & OPNIC_CPL_PHASE) != cpl_phase(cons, q->log2)) {
			if (likely(!head_skipped(q->cpl, cons, prod, mask, q->log2)))
				break;
			q->st.bad_cpl++;
			skip_stale(c, cons, q->log2);
			rte_pktmbuf_free(q->sw_ring[slot]);
			q->sw_ring[slot] = NULL;
			cons++;
			continue;
		}
		/* The rest of the record was written before the phase. */
		rte_io_rmb();
		len = rte_le_to_cpu_16(c->len);
		idx = rte_le_to_cpu_16(c->idx);
		status = rte_le_to_cpu_16(c->status);
		m = q->sw_ring[slot];
		q->sw_ring[slot] = NULL;
		cons++;
		/* The device is untrusted: an index or length we did not
		 * hand out is counted and the frame dropped, never followed. */
		if (unlikely(idx != slot || len < RTE_ETHER_HDR_LEN ||
			     len > q->buf_size || m == NULL ||
			     status != OPNIC_CPL_ST_OK)) {
			if (status != OPNIC_CPL_ST_OK && idx == slot)
				q->st.cpl_errors++;
			else
				q->st.bad_cpl++;
			if (m != NULL)
				rte_pktmbuf_free(m);
			continue;
		}
		m->data_len = len;
		m->pkt_len = len;
		m->port = q->port_id;
		if (flags & OPNIC_CPL_RSS) {
			m->hash.rss = rte_le_to_cpu_32(c->rss_hash);
			m->ol_flags = RTE_MBUF_F_RX_RSS_HASH;
		}
		pkts[nb++] = m;
		bytes += len;
	}
	q->cons = cons;
	q->st.packets += nb;
	q->st.bytes += bytes;
	free = cons + q->nb_desc - q->prod;
	if (free >= q->free_thresh)
		rx_refill(q, free);
	return nb;
}

static __rte_always_inline void
tx_clean(struct opnic_txq *q)
{
	struct rte_mbuf *done[OPNIC_TX_FREE_CHUNK];
	uint32_t cons = q->cons, prod = q->prod, mask = q->mask, i;
	unsigned int nfree = 0;

	for (i = 0; i < prod - cons && i < OPNIC_TX_FREE_CHUNK; i += 4)
		rte_prefetch0(&q->cpl[(cons + i) & mask]);
	while (cons != prod) {
		uint32_t slot = cons & mask;
		volatile struct opnic_cpl *c = &q->cpl[slot];

		if ((rte_le_to_cpu_16(c->flags) & OPNIC_CPL_PHASE) !=
		    cpl_phase(cons, q->log2)) {
			if (likely(!head_skipped(q->cpl, cons, prod, mask, q->log2)))
				break;
			/* The device went past it: the frame is done. */
			q->st.bad_cpl++;
			skip_stale(c, cons, q->log2);
		} else {
			/* The rest of the record was written before the phase. */
			rte_io_rmb();
			if (unlikely(rte_le_to_cpu_16(c->idx) != slot))
				q->st.bad_cpl++;
			else if (unlikely(rte_le_to_cpu_16(c->status) !=
					  OPNIC_CPL_ST_OK))
				q->st.cpl_errors++;
		}
		done[nfree++] = q->sw_ring[slot];
		q->sw_ring[slot] = NULL;
		cons++;
		if (nfree == OPNIC_TX_FREE_CHUNK) {
			rte_pktmbuf_free_bulk(done, nfree);
			nfree = 0;
		}
	}
	if (nfree != 0)
		rte_pktmbuf_free_bulk(done, nfree);
	q->cons = cons;
}

uint16_t
opnic_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct opnic_txq *q = txq;
	uint32_t prod, space, mask = q->mask;
	uint64_t bytes = 0;
	uint16_t i, sent = 0;

	if (unlikely(q->gone))
		return 0;	/* device removed: the application keeps them */
	tx_clean(q);
	prod = q->prod;
	space = q->nb_desc - (prod - q->cons);
	if (n > space)
		n = (uint16_t)space;
	for (i = 0; i < n; i += 4)
		rte_prefetch0_write(&q->ring[(prod + i) & mask]);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t slot = prod & mask;
		struct opnic_tx_desc *d = &q->ring[slot];

		if (unlikely(m->nb_segs != 1) && rte_pktmbuf_linearize(m) != 0) {
			/* Consumed and dropped: the device takes one segment. */
			q->st.cpl_errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		d->addr = rte_cpu_to_le_64(rte_mbuf_data_iova(m));
		d->len = rte_cpu_to_le_16(m->data_len);
		q->sw_ring[slot] = m;
		bytes += m->data_len;
		prod++;
		sent++;
	}
	if (likely(prod != q->prod)) {
		q->prod = prod;
		notify(&q->st, q->shadow, q->db_addr, q->db_fd, q->db_pos, prod);
	}
	q->st.packets += sent;
	q->st.bytes += bytes;
	return n;
}

/* Before enable: no completion carries the first pass's phase yet, and the
 * shadow starts from zero (spec 3.4, 6). */
static void
q_clear(struct opnic_cpl *cpl, struct opnic_shadow *shadow, uint16_t n)
{
	memset(cpl, 0, (size_t)n * sizeof(*cpl));
	if (shadow != NULL)
		memset(shadow, 0, sizeof(*shadow));
}

int
opnic_rxq_start(struct rte_eth_dev *dev, struct opnic_rxq *q)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	int ret;

	q_clear(q->cpl, q->shadow, q->nb_desc);
	q->cons = 0;
	q->prod = 0;
	ret = opnic_hw_queue_start(ad, 1, q->queue_id, q->ring_iova, q->cpl_iova,
				   q->shadow != NULL ? q->shadow_iova : 0, q->log2,
				   q->buf_size);
	if (ret != 0)
		return ret;
	q->running = 1;
	rx_refill(q, q->nb_desc);
	if (q->prod != q->nb_desc) {
		PMD_DRV_LOG(ERR, "RX queue %u: mempool %s has too few mbufs for "
			    "%u descriptors", q->queue_id, q->mp->name, q->nb_desc);
		opnic_rxq_stop(dev, q);
		return -ENOMEM;
	}
	return 0;
}

int
opnic_txq_start(struct rte_eth_dev *dev, struct opnic_txq *q)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	int ret;

	q_clear(q->cpl, q->shadow, q->nb_desc);
	q->cons = 0;
	q->prod = 0;
	ret = opnic_hw_queue_start(ad, 0, q->queue_id, q->ring_iova, q->cpl_iova,
				   q->shadow != NULL ? q->shadow_iova : 0, q->log2,
				   0);
	if (ret == 0)
		q->running = 1;
	return ret;
}

/* Give back every mbuf the queue still holds. */
static void
sw_ring_release(struct rte_mbuf **sw_ring, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		if (sw_ring[i] != NULL) {
			rte_pktmbuf_free(sw_ring[i]);
			sw_ring[i] = NULL;
		}
}

/* Stop the queue in the device first, then give every mbuf back. */
void
opnic_rxq_stop(struct rte_eth_dev *dev, struct opnic_rxq *q)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	opnic_hw_queue_stop(ad, 1, q->queue_id);
	sw_ring_release(q->sw_ring, q->nb_desc);
	q->cons = q->prod = 0;
	q->running = 0;
}

void
opnic_txq_stop(struct rte_eth_dev *dev, struct opnic_txq *q)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	opnic_hw_queue_stop(ad, 0, q->queue_id);
	sw_ring_release(q->sw_ring, q->nb_desc);
	q->cons = q->prod = 0;
	q->running = 0;
}
