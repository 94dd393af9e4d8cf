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

#include "opnic_doorbell.h"
#include "opnic_ethdev.h"
#include "opnic_logs.h"
#include "opnic_rxtx.h"

#define OPNIC_REFILL_CHUNK 64
#define OPNIC_TX_FREE_CHUNK 64
#define OPNIC_DEFAULT_FREE_THRESH 32
#define OPNIC_RING_ALIGN 4096

/* Descriptors, then completions, then the shadow, in one memzone. The
 * shadow stays 64-byte aligned: a ring has at least 64 entries. */
static size_t
ring_dma_size(uint16_t nb, size_t desc_size)
{
	return (size_t)nb * (desc_size + sizeof(struct opnic_cpl)) +
	       sizeof(struct opnic_shadow);
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

static void queue_release(struct rte_eth_dev *dev, int is_rx, uint16_t qid);

static uint16_t
free_thresh(uint16_t asked)
{
	return asked != 0 ? asked : OPNIC_DEFAULT_FREE_THRESH;
}

/* In place of queue qid's old struct, if any: a queue struct with its ring,
 * the mbuf ring, one DMA zone holding the descriptors, completions and
 * (with suppression) the shadow, and the queue's doorbell path. Returns the
 * queue, or NULL with nothing left. */
static void *
queue_alloc(struct rte_eth_dev *dev, int is_rx, uint16_t qid, uint16_t nb,
	    unsigned int socket_id, size_t qsize, size_t ring_off)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	const char *zone = is_rx ? "opnic_rx" : "opnic_tx";
	size_t desc_size = is_rx ? sizeof(struct opnic_rx_desc) :
				   sizeof(struct opnic_tx_desc);
	struct opnic_ring *r;
	uint8_t *base, *q;

	queue_release(dev, is_rx, qid);
	q = rte_zmalloc_socket(zone, qsize, RTE_CACHE_LINE_SIZE, (int)socket_id);
	if (q == NULL)
		return NULL;
	r = (struct opnic_ring *)(q + ring_off);
	r->sw_ring = rte_zmalloc_socket(zone, sizeof(r->sw_ring[0]) * nb,
					RTE_CACHE_LINE_SIZE, (int)socket_id);
	if (r->sw_ring != NULL)
		r->mz = rte_eth_dma_zone_reserve(dev, zone, qid,
						 ring_dma_size(nb, desc_size),
						 OPNIC_RING_ALIGN, (int)socket_id);
	if (r->mz == NULL) {
		rte_free(r->sw_ring);
		rte_free(q);
		return NULL;
	}
	base = r->mz->addr;
	r->desc.rx = (void *)base;
	r->desc_iova = r->mz->iova;
	r->cpl = (struct opnic_cpl *)(base + (size_t)nb * desc_size);
	r->cpl_iova = r->desc_iova + (uint64_t)nb * desc_size;
	if (ad->args.db_suppress) {
		size_t off = (size_t)nb * (desc_size + sizeof(struct opnic_cpl));

		r->shadow = (struct opnic_shadow *)(base + off);
		r->shadow_iova = r->desc_iova + off;
	}
	r->nb_desc = nb;
	r->mask = nb - 1u;
	r->log2 = (uint32_t)rte_log2_u32(nb);
	opnic_hw_doorbell_get(opnic_adapter_io(ad), is_rx, qid, &r->db);
	return q;
}

int
opnic_dev_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb,
			 unsigned int socket_id,
			 const struct rte_eth_rxconf *conf,
			 struct rte_mempool *mp)
{
	struct opnic_rxq *q;
	uint32_t room;

	if (check_nb_desc(nb, "RX", qid) != 0)
		return -EINVAL;
	room = rte_pktmbuf_data_room_size(mp);
	if (room <= RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		PMD_DRV_LOG(ERR, "RX queue %u: mempool %s data room %u is too small",
			    qid, mp->name, room);
		return -EINVAL;
	}
	q = queue_alloc(dev, 1, qid, nb, socket_id, sizeof(*q),
			offsetof(struct opnic_rxq, ring));
	if (q == NULL)
		return -ENOMEM;
	q->mp = mp;
	q->buf_size = (uint16_t)RTE_MIN(room - RTE_PKTMBUF_HEADROOM, OPNIC_MAX_BUF);
	q->free_thresh = free_thresh(conf->rx_free_thresh);
	if (q->free_thresh >= nb)
		q->free_thresh = nb / 2;
	q->port_id = dev->data->port_id;
	q->queue_id = qid;
	dev->data->rx_queues[qid] = q;
	return 0;
}

int
opnic_dev_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb,
			 unsigned int socket_id,
			 const struct rte_eth_txconf *conf)
{
	/* No threshold asked: free done buffers on every burst (thresh = the
	 * ring size). Freed at once they come back hot from the mempool cache;
	 * kept until 32 descriptors are left the forwarding rate halves here. */
	uint16_t thresh = conf->tx_free_thresh != 0 ? conf->tx_free_thresh : nb;
	struct opnic_txq *q;

	if (check_nb_desc(nb, "TX", qid) != 0)
		return -EINVAL;
	if (conf->tx_free_thresh != 0 && thresh >= nb) {
		PMD_DRV_LOG(ERR, "TX queue %u: tx_free_thresh %u must be below the "
			    "ring size %u", qid, thresh, nb);
		return -EINVAL;
	}
	q = queue_alloc(dev, 0, qid, nb, socket_id, sizeof(*q),
			offsetof(struct opnic_txq, ring));
	if (q == NULL)
		return -ENOMEM;
	q->free_thresh = thresh;
	q->port_id = dev->data->port_id;
	q->queue_id = qid;
	dev->data->tx_queues[qid] = q;
	return 0;
}

static void ring_stop(struct rte_eth_dev *dev, int is_rx, uint16_t qid,
		      struct opnic_ring *r);

/* Stop a running queue, then free its ring and struct. */
static void
queue_release(struct rte_eth_dev *dev, int is_rx, uint16_t qid)
{
	void **slot = is_rx ? &dev->data->rx_queues[qid] :
			      &dev->data->tx_queues[qid];
	struct opnic_ring *r;

	if (*slot == NULL)
		return;
	r = is_rx ? &((struct opnic_rxq *)*slot)->ring :
		    &((struct opnic_txq *)*slot)->ring;
	if (r->running)
		ring_stop(dev, is_rx, qid, r);
	/* Kept rings stay reserved: a later setup of this queue finds the
	 * zone by name and reuses it. */
	if (!r->kept)
		rte_eth_dma_zone_free(dev, is_rx ? "opnic_rx" : "opnic_tx", qid);
	rte_free(r->sw_ring);
	rte_free(*slot);
	*slot = NULL;
}

void
opnic_dev_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	queue_release(dev, 1, qid);
}

void
opnic_dev_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	queue_release(dev, 0, qid);
}

static void
rx_refill(struct opnic_rxq *q, uint32_t count)
{
	struct opnic_ring *r = &q->ring;
	struct rte_mbuf *mbs[OPNIC_REFILL_CHUNK];
	uint32_t prod = r->prod, done = 0, i;

	for (i = 0; i < count && i < OPNIC_REFILL_CHUNK * 2; i += 4)
		rte_prefetch0_write(&r->desc.rx[(prod + i) & r->mask]);
	while (done < count) {
		uint32_t k = RTE_MIN(count - done, (uint32_t)OPNIC_REFILL_CHUNK);

		if (unlikely(rte_pktmbuf_alloc_bulk(q->mp, mbs, k) != 0)) {
			r->st.alloc_fail++;
			rte_eth_devices[q->port_id].data->rx_mbuf_alloc_failed++;
			break;
		}
		for (i = 0; i < k; i++) {
			uint32_t slot = prod & r->mask;

			r->sw_ring[slot] = mbs[i];
			r->desc.rx[slot].addr =
				rte_cpu_to_le_64(rte_mbuf_data_iova_default(mbs[i]));
			prod++;
		}
		done += k;
	}
	if (prod == r->prod)
		return;
	r->prod = prod;
	opnic_ring_notify(r);
}

static __rte_always_inline uint16_t
cpl_phase(uint32_t index, uint32_t log2)
{
	return ((index >> log2) & 1) ? 0 : OPNIC_CPL_PHASE;
}

static __rte_always_inline int
phase_ok(uint16_t flags, uint32_t index, uint32_t log2)
{
	return (flags & OPNIC_CPL_PHASE) == cpl_phase(index, log2);
}

static __rte_always_inline uint16_t
cpl_flags(const struct opnic_ring *r, uint32_t index)
{
	const volatile struct opnic_cpl *c = &r->cpl[index & r->mask];

	return rte_le_to_cpu_16(c->flags);
}

/*
 * The head completion is not ready. A device completes in ring order, so if
 * the record after it is ready the head was lost or written with a stale
 * phase: without this the queue would wait on it forever. Only runs when a
 * burst stops early, and reads one more completion.
 */
static int
head_skipped(const struct opnic_ring *r, uint32_t cons, uint32_t prod)
{
	uint32_t next = cons + 1;

	if (next == prod || (uint32_t)(prod - next) > r->mask + 1u)
		return 0;
	if (!phase_ok(cpl_flags(r, next), next, r->log2))
		return 0;
	/* The next record was written after the head: read the head again
	 * after it. rte_io_rmb orders two CPU loads of memory the DEVICE
	 * writes by DMA (next's flags, then the head's). */
	rte_io_rmb();
	return !phase_ok(cpl_flags(r, cons), cons, r->log2);
}

/* A skipped record still carries the phase the next lap waits for: make it
 * read "not ready" then. The device is past this slot and cannot come back
 * to it before the driver posts the slot again, after this store: the
 * rte_io_wmb of the notify that posts it orders this CPU store before the
 * producer index the DEVICE reads. Counts it and hands back the slot's
 * mbuf. */
static struct rte_mbuf *
skip_stale(struct opnic_ring *r, uint32_t cons)
{
	uint32_t slot = cons & r->mask;
	volatile struct opnic_cpl *c = &r->cpl[slot];
	struct rte_mbuf *m = r->sw_ring[slot];

	r->st.bad_cpl++;
	c->flags = rte_cpu_to_le_16(cpl_phase(cons, r->log2));
	r->sw_ring[slot] = NULL;
	return m;
}

/* One ready RX completion: the frame, or NULL if it was counted and
 * dropped. The device is untrusted: an index or length we did not hand out
 * is never followed. */
static __rte_always_inline struct rte_mbuf *
rx_one(struct opnic_rxq *q, volatile struct opnic_cpl *c, uint32_t slot,
       uint16_t flags)
{
	struct opnic_ring *r = &q->ring;
	uint16_t len, idx, status;
	struct rte_mbuf *m;

	/* The rest of the record was written before the phase: rte_io_rmb
	 * orders the CPU load of the phase before the loads of the other
	 * fields, all memory the DEVICE writes by DMA (spec 5.3). */
	rte_io_rmb();
	len = rte_le_to_cpu_16(c->len);
	idx = rte_le_to_cpu_16(c->idx);
	status = rte_le_to_cpu_16(c->status);
	m = r->sw_ring[slot];
	r->sw_ring[slot] = NULL;
	if (unlikely(idx != slot || len < RTE_ETHER_HDR_LEN ||
		     len > q->buf_size || m == NULL || status != OPNIC_CPL_ST_OK)) {
		if (status != OPNIC_CPL_ST_OK && idx == slot)
			r->st.cpl_errors++;
		else
			r->st.bad_cpl++;
		if (m != NULL)
			rte_pktmbuf_free(m);
		return NULL;
	}
	m->data_len = len;
	m->pkt_len = len;
	m->port = q->port_id;
	if (flags & OPNIC_CPL_RSS) {
		m->hash.rss = rte_le_to_cpu_32(c->rss_hash);
		m->ol_flags = RTE_MBUF_F_RX_RSS_HASH;
	}
	return m;
}

uint16_t
opnic_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct opnic_rxq *q = rxq;
	struct opnic_ring *r = &q->ring;
	uint32_t cons = r->cons, prod = r->prod, mask = r->mask, free, i;
	uint64_t bytes = 0;
	uint16_t nb = 0;

	if (unlikely(q->gone))
		return 0;
	/* The device wrote these lines from another core: start all the
	 * misses of the burst at once instead of one after another. */
	for (i = 0; i < n; i += 4)
		rte_prefetch0(&r->cpl[(cons + i) & mask]);
	/* Never past what was posted: a completion for a descriptor we did
	 * not hand out is not read. */
	while (nb < n && cons != prod) {
		volatile struct opnic_cpl *c = &r->cpl[cons & mask];
		uint16_t flags = rte_le_to_cpu_16(c->flags);
		struct rte_mbuf *m;

		if (!phase_ok(flags, cons, r->log2)) {
			if (likely(!head_skipped(r, cons, prod)))
				break;
			rte_pktmbuf_free(skip_stale(r, cons++));
			continue;
		}
		m = rx_one(q, c, cons++ & mask, flags);
		if (m == NULL)
			continue;
		pkts[nb++] = m;
		bytes += m->data_len;
	}
	r->cons = cons;
	r->st.packets += nb;
	r->st.bytes += bytes;
	free = cons + r->nb_desc - r->prod;
	if (free >= q->free_thresh)
		rx_refill(q, free);
	opnic_ring_doorbell_owed(r);
	return nb;
}

/* A done TX completion: count a wrong index or an error status. */
static __rte_always_inline void
tx_check(struct opnic_ring *r, volatile struct opnic_cpl *c, uint32_t slot)
{
	/* As in rx_one: the phase load before the other fields' loads of
	 * this DEVICE-written record. */
	rte_io_rmb();
	if (unlikely(rte_le_to_cpu_16(c->idx) != slot))
		r->st.bad_cpl++;
	else if (unlikely(rte_le_to_cpu_16(c->status) != OPNIC_CPL_ST_OK))
		r->st.cpl_errors++;
}

static __rte_always_inline void
tx_clean(struct opnic_txq *q)
{
	struct opnic_ring *r = &q->ring;
	struct rte_mbuf *done[OPNIC_TX_FREE_CHUNK];
	uint32_t cons = r->cons, prod = r->prod, mask = r->mask, i;
	unsigned int nfree = 0;

	for (i = 0; i < prod - cons && i < OPNIC_TX_FREE_CHUNK; i += 4)
		rte_prefetch0(&r->cpl[(cons + i) & mask]);
	while (cons != prod) {
		uint32_t slot = cons & mask;
		volatile struct opnic_cpl *c = &r->cpl[slot];

		if (phase_ok(rte_le_to_cpu_16(c->flags), cons, r->log2)) {
			tx_check(r, c, slot);
			done[nfree++] = r->sw_ring[slot];
			r->sw_ring[slot] = NULL;
		} else if (likely(!head_skipped(r, cons, prod))) {
			break;
		} else {
			/* The device went past it: the frame is done. */
			done[nfree++] = skip_stale(r, cons);
		}
		cons++;
		if (nfree == OPNIC_TX_FREE_CHUNK) {
			rte_pktmbuf_free_bulk(done, nfree);
			nfree = 0;
		}
	}
	if (nfree != 0)
		rte_pktmbuf_free_bulk(done, nfree);
	r->cons = cons;
}

uint16_t
opnic_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct opnic_txq *q = txq;
	struct opnic_ring *r = &q->ring;
	uint32_t prod, space, mask = r->mask;
	uint64_t bytes = 0;
	uint16_t i, sent = 0;

	if (unlikely(q->gone))
		return 0;	/* device removed: the application keeps them */
	prod = r->prod;
	space = r->nb_desc - (prod - r->cons);
	/* tx_free_thresh: done buffers are freed once fewer descriptors than
	 * that are free (or fewer than this burst needs). */
	if (space < q->free_thresh || space < n) {
		tx_clean(q);
		space = r->nb_desc - (prod - r->cons);
	}
	if (n > space)
		n = (uint16_t)space;
	for (i = 0; i < n; i += 4)
		rte_prefetch0_write(&r->desc.tx[(prod + i) & mask]);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t slot = prod & mask;
		struct opnic_tx_desc *d = &r->desc.tx[slot];

		if (unlikely(m->nb_segs != 1) && rte_pktmbuf_linearize(m) != 0) {
			/* Consumed and dropped: the device takes one segment. */
			r->st.cpl_errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		d->addr = rte_cpu_to_le_64(rte_mbuf_data_iova(m));
		d->len = rte_cpu_to_le_16(m->data_len);
		r->sw_ring[slot] = m;
		bytes += m->data_len;
		prod++;
		sent++;
	}
	if (likely(prod != r->prod)) {
		r->prod = prod;
		opnic_ring_notify(r);
	} else {
		opnic_ring_doorbell_owed(r);
	}
	r->st.packets += sent;
	r->st.bytes += bytes;
	return n;
}

/* Before enable: no completion carries the first pass's phase yet, and the
 * shadow starts from zero (spec 3.4, 6). Then program and enable it. */
static int
ring_start(struct rte_eth_dev *dev, int is_rx, uint16_t qid,
	   struct opnic_ring *r, uint32_t buf_size)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_hw_qcfg cfg = {
		.ring_iova = r->desc_iova,
		.cpl_iova = r->cpl_iova,
		.shadow_iova = r->shadow_iova,
		.log2 = r->log2,
		.buf_size = buf_size,
	};

	/* These CPU stores to memory the DEVICE reads and writes are ordered
	 * before the MMIO store that enables the queue by the rte_io_wmb in
	 * rte_write32 (opnic_hw_queue_start), or by the pwrite system call. */
	memset(r->cpl, 0, (size_t)r->nb_desc * sizeof(*r->cpl));
	if (r->shadow != NULL)
		memset(r->shadow, 0, sizeof(*r->shadow));
	r->cons = 0;
	r->prod = 0;
	r->db_owed = 0;		/* enable writes the doorbell to 0 */
	return opnic_hw_queue_start(opnic_adapter_io(ad), is_rx, qid, &cfg);
}

/*
 * Stop the queue in the device first, then give every mbuf back. Only once
 * the device confirmed the stop, or its DMA is cut (Bus Master off, read
 * back): a queue that does not confirm in time, or a device that looks
 * removed, may still write its buffers and rings. When neither can be had,
 * the buffers and the ring memory are kept (never back in the mempool):
 * a leak, logged, rather than memory the device may overwrite.
 */
static void
ring_stop(struct rte_eth_dev *dev, int is_rx, uint16_t qid,
	  struct opnic_ring *r)
{
	struct opnic_io *io = opnic_adapter_io(OPNIC_DEV_PRIVATE(dev));
	const char *dir = is_rx ? "RX" : "TX";
	unsigned int kept = 0;
	int keep;
	uint16_t i;

	keep = opnic_hw_queue_stop(io, is_rx, qid) != 0 && !io->dma_cut &&
	       opnic_hw_dma_cut(io) != 0;
	if (keep)
		r->kept = 1;
	for (i = 0; i < r->nb_desc; i++)
		if (r->sw_ring[i] != NULL) {
			if (!keep)
				rte_pktmbuf_free(r->sw_ring[i]);
			else
				kept++;
			r->sw_ring[i] = NULL;
		}
	if (keep)
		PMD_DRV_LOG(ERR, "port %u %s queue %u: stop not confirmed and DMA "
			    "not cut: %u buffers and the ring memory are kept, never "
			    "returned to the mempool (the device may still write "
			    "them)", dev->data->port_id, dir, qid, kept);
	r->cons = r->prod = 0;
	r->running = 0;
}

int
opnic_rxq_start(struct rte_eth_dev *dev, struct opnic_rxq *q)
{
	int ret = ring_start(dev, 1, q->queue_id, &q->ring, q->buf_size);

	if (ret != 0)
		return ret;
	q->ring.running = 1;
	rx_refill(q, q->ring.nb_desc);
	if (q->ring.prod != q->ring.nb_desc) {
		PMD_DRV_LOG(ERR, "RX queue %u: mempool %s has too few mbufs for "
			    "%u descriptors", q->queue_id, q->mp->name,
			    q->ring.nb_desc);
		opnic_rxq_stop(dev, q);
		return -ENOMEM;
	}
	return 0;
}

int
opnic_txq_start(struct rte_eth_dev *dev, struct opnic_txq *q)
{
	int ret = ring_start(dev, 0, q->queue_id, &q->ring, 0);

	if (ret == 0)
		q->ring.running = 1;
	return ret;
}

void
opnic_rxq_stop(struct rte_eth_dev *dev, struct opnic_rxq *q)
{
	ring_stop(dev, 1, q->queue_id, &q->ring);
}

void
opnic_txq_stop(struct rte_eth_dev *dev, struct opnic_txq *q)
{
	ring_stop(dev, 0, q->queue_id, &q->ring);
}
