/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The model's datapath (spec 5, 6, 7): TX descriptors are read from host
 * memory, frames cross the wire into the peer's RX ring, one completion per
 * descriptor with a phase bit. Every host-memory access goes through the IOVA
 * map; an unmapped IOVA is a counted DMA error, never a crash.
 */

#include <errno.h>
#include <string.h>

#include "opnic_model_internal.h"
#include "opnic_offload.h"
#include "opnic_toeplitz.h"

static uint32_t
qreg(struct opnic_model_dev *dev, int is_rx, unsigned int q, uint32_t reg)
{
	return opnic_model_ld32(qcfg_reg(dev, is_rx, q, reg));
}

/* Queue status is device-owned (RO to software). */
static void
q_set_status(struct opnic_model_dev *dev, int is_rx, unsigned int q,
	     uint32_t status, uint32_t err)
{
	uint32_t off = (uint32_t)(qcfg_reg(dev, is_rx, q, OPNIC_Q_STATUS) -
				  dev->bar0);

	opnic_model_dev_set_reg(dev, off + OPNIC_Q_ERROR - OPNIC_Q_STATUS, err);
	opnic_model_dev_set_reg(dev, off, status);
}

static void
q_fail(struct opnic_model_dev *dev, struct opnic_model_q *mq, uint32_t err)
{
	mq->running = 0;
	q_set_status(dev, mq->is_rx, mq->qid, OPNIC_Q_STATUS_ERROR, err);
}

/* The shadow's first device write at queue enable (a DMA write: it waits
 * for Bus Master). */
static void
shadow_start(struct opnic_model_q *mq)
{
	mq->shadow_init = 0;
	__atomic_store_n(mq->sh_cons, 0, __ATOMIC_RELAXED);
	/* RX: the device reads drv_prod whenever it runs out of buffers, so
	 * it never needs a doorbell. TX: it polls until idle (spec 6). */
	__atomic_store_n(mq->sh_flags, OPNIC_SHADOW_NO_NOTIFY, __ATOMIC_RELEASE);
}

void
opnic_model_queue_ctrl(struct opnic_model_dev *dev, int is_rx, unsigned int q,
		       uint32_t ctrl)
{
	struct opnic_model_q *mq = is_rx ? &dev->rxq[q] : &dev->txq[q];
	uint64_t ring, cpl, shadow;
	uint32_t log2;

	if (!(ctrl & OPNIC_Q_CTRL_ENABLE)) {
		mq->running = 0;
		q_set_status(dev, is_rx, q, 0, OPNIC_QERR_NONE);
		return;
	}
	if (mq->running)
		return;
	memset(mq, 0, sizeof(*mq));
	mq->phase_fault_at = ~0u - 1;
	mq->is_rx = (uint8_t)is_rx;
	mq->qid = (uint8_t)q;
	mq->ver = dev->blk_ver[OPNIC_BLK_QCFG] >= OPNIC_BLK_VERSION_2 ? 2 : 1;
	log2 = qreg(dev, is_rx, q, OPNIC_Q_SIZE_LOG2);
	if (log2 < OPNIC_MIN_RING_LOG2 || log2 > OPNIC_MAX_RING_LOG2) {
		q_fail(dev, mq, OPNIC_QERR_SIZE);
		return;
	}
	mq->size = 1u << log2;
	mq->mask = mq->size - 1;
	ring = (uint64_t)qreg(dev, is_rx, q, OPNIC_Q_RING_HI) << 32 |
	       qreg(dev, is_rx, q, OPNIC_Q_RING_LO);
	cpl = (uint64_t)qreg(dev, is_rx, q, OPNIC_Q_CPL_HI) << 32 |
	      qreg(dev, is_rx, q, OPNIC_Q_CPL_LO);
	shadow = (uint64_t)qreg(dev, is_rx, q, OPNIC_Q_SHADOW_HI) << 32 |
		 qreg(dev, is_rx, q, OPNIC_Q_SHADOW_LO);
	mq->ring_iova = ring;
	mq->cpl_iova = cpl;
	mq->shadow_iova = shadow;
	mq->ring = opnic_dma_ptr(dev->dma, ring, (uint64_t)mq->size * 16);
	if (mq->ver == 1) {
		mq->cpl = (struct opnic_cpl *)opnic_dma_ptr(dev->dma, cpl,
							    (uint64_t)mq->size * 16);
		if (mq->ring == NULL || mq->cpl == NULL || (ring & 15) ||
		    (cpl & 15)) {
			dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
			q_fail(dev, mq, OPNIC_QERR_RING_DMA);
			return;
		}
	} else if (mq->ring == NULL || (ring & 15) ||
		   (!is_rx && opnic_model_v2_queue_enable(dev, mq, cpl) != 0)) {
		/* v2 (spec 9.3, 9.5): RX writes back into the ring, CPL is
		 * not used; a TX queue's CPL is its head line. */
		dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
		q_fail(dev, mq, OPNIC_QERR_RING_DMA);
		return;
	}
	if (shadow != 0) {
		uint64_t sh_size = mq->ver == 1 ? sizeof(struct opnic_shadow) :
				   sizeof(struct opnic_shadow_v2);

		mq->shadow = (struct opnic_shadow *)opnic_dma_ptr(dev->dma, shadow,
								  sh_size);
		if (mq->shadow == NULL || (shadow & 63)) {
			dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
			q_fail(dev, mq, OPNIC_QERR_SHADOW_DMA);
			return;
		}
		if (mq->ver == 1) {
			mq->sh_prod = &mq->shadow->drv_prod;
			mq->sh_flags = &mq->shadow->dev_flags;
			mq->sh_cons = &mq->shadow->dev_cons;
		} else {
			struct opnic_shadow_v2 *s2 = (struct opnic_shadow_v2 *)
						     (void *)mq->shadow;

			mq->sh_prod = &s2->drv_prod;
			mq->sh_flags = &s2->dev_flags;
			mq->sh_cons = &s2->dev_cons;
		}
		if (opnic_model_bus_master(dev))
			shadow_start(mq);
		else
			mq->shadow_init = 1;
	}
	if (is_rx) {
		mq->buf_size = qreg(dev, 1, q, OPNIC_Q_BUF_SIZE);
		if (mq->buf_size == 0 || mq->buf_size > 16384) {
			q_fail(dev, mq, OPNIC_QERR_BUF_SIZE);
			return;
		}
		if (mq->ver == 2)
			mq->offload = qreg(dev, 1, q, OPNIC_Q_OFFLOAD) &
				      OPNIC_RXOFF_ALL;
	}
	mq->db_off = dev->blk[is_rx ? OPNIC_BLK_RXDB : OPNIC_BLK_TXDB] +
		     q * OPNIC_DB_STRIDE;
	/* The producer index restarts at 0 with the queue (spec 3.5). */
	opnic_model_st32(dev->bar0 + mq->db_off, 0);
	mq->running = 1;
	q_set_status(dev, is_rx, q, OPNIC_Q_STATUS_RUNNING, OPNIC_QERR_NONE);
}

void
opnic_model_queues_reset(struct opnic_model_dev *dev)
{
	memset(dev->txq, 0, sizeof(dev->txq));
	memset(dev->rxq, 0, sizeof(dev->rxq));
}

/* Where the device learns the driver's producer index (spec 6). */
uint32_t
opnic_model_tx_prod(struct opnic_model_dev *dev, struct opnic_model_q *q)
{
	uint32_t db = opnic_model_ld32(dev->bar0 + q->db_off);

	if (db != q->last_db) {
		q->last_db = db;
		q->doorbells_seen++;
		if (q->shadow == NULL)
			q->prod = db;
		if (q->idle) {
			q->idle = 0;
			__atomic_store_n(q->sh_flags, OPNIC_SHADOW_NO_NOTIFY,
					 __ATOMIC_RELAXED);
		}
	}
	if (q->shadow != NULL && !q->idle)
		q->prod = __atomic_load_n(q->sh_prod, __ATOMIC_ACQUIRE);
	return q->prod;
}

/* dev_cons is informational: it is published when a queue goes idle, not per
 * frame or batch, so the shadow line the driver reads on every burst stays
 * in the driver's cache while the device is busy. */
static void
publish_cons(struct opnic_model_q *q)
{
	if (q->shadow != NULL && q->published != q->cons) {
		__atomic_store_n(q->sh_cons, q->cons, __ATOMIC_RELAXED);
		q->published = q->cons;
	}
}

/* A TX queue with a shadow goes idle after OPNIC_IDLE_POLLS empty polls:
 * clear NO_NOTIFY, then look once more so a producer update that raced with
 * the flag is not lost (the driver rings when it sees the flag clear). */
void
opnic_model_tx_maybe_idle(struct opnic_model_q *q)
{
	if (q->shadow == NULL || q->idle || ++q->idle_polls < OPNIC_IDLE_POLLS)
		return;
	publish_cons(q);
	__atomic_store_n(q->sh_flags, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(q->sh_prod, __ATOMIC_ACQUIRE) != q->cons) {
		__atomic_store_n(q->sh_flags, OPNIC_SHADOW_NO_NOTIFY,
				 __ATOMIC_RELAXED);
		q->idle_polls = 0;
		return;
	}
	q->idle = 1;
}

/* A random fault, when random injection is on: one in faults.random_ppm
 * completions, of a kind that applies to this queue. */
static uint32_t
fault_rng(struct opnic_model_faults *f)
{
	/* xorshift32: reproducible from the seed the user gave. */
	uint32_t x = f->rng != 0 ? f->rng : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	f->rng = x;
	return x;
}

static void
random_fault(struct opnic_model_faults *f, int is_rx)
{
	/* cpl-unposted waits until the ring runs dry to be injected. */
	static const uint8_t rx_kinds[] = { OPNIC_FK_CPL_LEN, OPNIC_FK_CPL_IDX,
		OPNIC_FK_CPL_PHASE, OPNIC_FK_CPL_DUP, OPNIC_FK_DMA,
		OPNIC_FK_CPL_UNPOSTED };
	static const uint8_t tx_kinds[] = { OPNIC_FK_CPL_IDX, OPNIC_FK_CPL_PHASE };
	uint32_t r;

	if (f->random_ppm == 0 || fault_rng(f) % 1000000u >= f->random_ppm)
		return;
	r = fault_rng(f);
	if (is_rx)
		f->pending[rx_kinds[r % sizeof(rx_kinds)]]++;
	else
		f->pending[tx_kinds[r % sizeof(tx_kinds)]]++;
}

/* Take one pending fault of this kind; counts it as injected. */
static int
take_fault(struct opnic_model_faults *f, unsigned int kind)
{
	if (f->pending[kind] == 0)
		return 0;
	f->pending[kind]--;
	f->injected[kind]++;
	return 1;
}

static uint16_t
lap_phase(const struct opnic_model_q *q, uint32_t index)
{
	return ((index >> __builtin_ctz(q->size)) & 1) ? 0 : OPNIC_CPL_PHASE;
}

static void
store_cpl(struct opnic_cpl *c, uint16_t idx, uint16_t len, uint16_t status,
	  uint32_t hash, uint16_t flags)
{
	c->rss_hash = hash;
	c->idx = idx;
	c->len = len;
	c->status = status;
	/* The phase is written last: the driver owns the record once it sees
	 * the new phase (spec 5.3). */
	__atomic_store_n(&c->flags, flags, __ATOMIC_RELEASE);
}

static void
write_cpl(struct opnic_model_dev *dev, struct opnic_model_q *q, uint16_t len,
	  uint16_t status, uint32_t hash, int hash_valid)
{
	struct opnic_model_faults *f = &dev->faults;
	uint32_t slot = q->cons & q->mask;
	uint16_t phase = lap_phase(q, q->cons);
	uint16_t idx = (uint16_t)slot;

	random_fault(f, q->is_rx);
	if (take_fault(f, OPNIC_FK_CPL_IDX))
		idx = (uint16_t)(slot + 1 + q->size);
	if (q->is_rx && take_fault(f, OPNIC_FK_CPL_LEN))
		len = 0xffff;
	/* A lost completion is isolated: the one after it is written (a run
	 * of lost completions is a hung queue, doc/faults.md). */
	if (q->cons != q->phase_fault_at + 1 && take_fault(f, OPNIC_FK_CPL_PHASE)) {
		phase ^= OPNIC_CPL_PHASE;	/* the driver never sees it */
		q->phase_fault_at = q->cons;
	}
	store_cpl(&q->cpl[slot], idx, len, status, hash,
		  (uint16_t)(phase | (hash_valid ? OPNIC_CPL_RSS : 0)));
	q->cons++;
	/* A duplicate: the same record again in the next slot, which uses up
	 * the next posted RX descriptor without a frame. */
	if (q->is_rx && q->cons != q->prod && take_fault(f, OPNIC_FK_CPL_DUP)) {
		store_cpl(&q->cpl[q->cons & q->mask], idx, len, status, hash,
			  (uint16_t)(lap_phase(q, q->cons) |
				     (hash_valid ? OPNIC_CPL_RSS : 0)));
		q->cons++;
	}
}

/* A completion for a descriptor the driver has not posted: written into the
 * slot after the last posted one, with the phase that slot will have when
 * it is posted; the device's own counters do not move. */
static void
unposted_cpl(struct opnic_model_dev *dev, struct opnic_model_q *q)
{
	if (!take_fault(&dev->faults, OPNIC_FK_CPL_UNPOSTED))
		return;
	store_cpl(&q->cpl[q->prod & q->mask], (uint16_t)(q->prod & q->mask), 60,
		  OPNIC_CPL_ST_OK, 0, lap_phase(q, q->prod));
}

/* An RX queue's producer index, read again (spec 6.2): from the shadow, or
 * the doorbell without one. */
void
opnic_model_rx_prod(struct opnic_model_dev *dev, struct opnic_model_q *q)
{
	q->prod = q->shadow != NULL ?
		  __atomic_load_n(q->sh_prod, __ATOMIC_ACQUIRE) :
		  opnic_model_ld32(dev->bar0 + q->db_off);
	if ((uint32_t)(q->prod - q->cons) > q->size) {
		/* A producer index beyond the ring: malformed. */
		dev->st[OPNIC_ST_DESC_ERRORS / 8]++;
		q->prod = q->cons;
	}
}

static int
rx_accept(struct opnic_model_dev *dev, const uint8_t *f)
{
	uint32_t mode = opnic_model_ld32(dev->bar0 + dev->blk[OPNIC_BLK_MAC] +
					 OPNIC_MAC_RXMODE);
	uint32_t lo = opnic_model_ld32(dev->bar0 + dev->blk[OPNIC_BLK_MAC] +
				       OPNIC_MAC_ADDR_LO);
	uint32_t hi = opnic_model_ld32(dev->bar0 + dev->blk[OPNIC_BLK_MAC] +
				       OPNIC_MAC_ADDR_HI);
	uint8_t mac[6] = { (uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
			   (uint8_t)(lo >> 24), (uint8_t)hi, (uint8_t)(hi >> 8) };

	if (mode & OPNIC_RXMODE_PROMISC)
		return 1;
	if (f[0] & 1)	/* broadcast or multicast */
		return (f[0] == 0xff && memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0) ||
		       (mode & OPNIC_RXMODE_ALLMULTI);
	return memcmp(f, mac, 6) == 0;
}

/* The class a version-1 RSS block hashed a frame with (spec 3.6), for a
 * version-2 queue's write-back. */
static unsigned int
v1_hash_type(const uint8_t *f, uint32_t len)
{
	size_t ihl = (size_t)(f[14] & 0xf) * 4;
	uint8_t proto = f[14 + 9];

	if ((proto == 6 || proto == 17) && len >= 14 + ihl + 4 &&
	    (((f[14 + 6] & 0x1f) | f[14 + 7]) == 0))
		return proto == 6 ? OPNIC_RSS_HT_TCP_IPV4 : OPNIC_RSS_HT_UDP_IPV4;
	return OPNIC_RSS_HT_IPV4;
}

static unsigned int
rx_pick_queue(struct opnic_model_dev *dev, const uint8_t *f, uint32_t len,
	      uint32_t *hash, int *valid, unsigned int *ht)
{
	uint8_t *rss = dev->bar0 + dev->blk[OPNIC_BLK_RSS];
	unsigned int q;

	*valid = 0;
	*hash = 0;
	*ht = OPNIC_RSS_HT_NONE;
	if (!(opnic_model_ld32(rss + OPNIC_RSS_CTRL) & OPNIC_RSS_ENABLE))
		return 0;
	if (dev->blk_ver[OPNIC_BLK_RSS] >= OPNIC_BLK_VERSION_2) {
		*hash = opnic_rss_hash_frame_v2(rss + OPNIC_RSS_KEY, f, len,
				opnic_model_ld32(rss + OPNIC_RSS_HASH_TYPES), ht);
		*valid = *ht != OPNIC_RSS_HT_NONE;
	} else {
		*hash = opnic_rss_hash_frame(rss + OPNIC_RSS_KEY, f, len, valid);
		if (*valid)
			*ht = v1_hash_type(f, len);
	}
	if (!*valid)
		return 0;
	q = rss[OPNIC_RSS_RETA + (*hash & (OPNIC_RSS_RETA_SIZE - 1))];
	return q < dev->prof.queues ? q : 0;
}

/* Take a frame from the wire into this device's RX. With may_wait, a full
 * ring is not a drop: nothing is counted and -EAGAIN tells the wire to offer
 * the frame again (pcap replay, tester at "as fast as the ring takes"). */
int
opnic_model_rx_offer(struct opnic_model_dev *dev, const uint8_t *f,
		     uint32_t len, int may_wait)
{
	struct opnic_model_q *q;
	const struct opnic_rx_desc *d;
	unsigned int ht;
	uint32_t hash;
	uint8_t *buf;
	int valid;

	if (dev->faults.surprise_removed)
		return -ENODEV;
	if (!dev->link_up) {
		dev->st[OPNIC_ST_LINK_DROPS / 8]++;
		return -ENOLINK;
	}
	if (!rx_accept(dev, f)) {
		dev->st[OPNIC_ST_RX_FILTERED / 8]++;
		return -EPERM;
	}
	if (dev->blk_ver[OPNIC_BLK_MAC] >= OPNIC_BLK_VERSION_2 &&
	    len > opnic_model_max_rx_frame(dev) +
		  (opnic_vlan_tagged(f, len) ? 4u : 0u)) {
		/* Beyond MAC.MAX_RX_FRAME (spec 9.2.1): dropped, counted. */
		dev->st[OPNIC_ST_RX_TOO_LONG / 8]++;
		return -EMSGSIZE;
	}
	q = &dev->rxq[rx_pick_queue(dev, f, len, &hash, &valid, &ht)];
	if (!q->running || !opnic_model_bus_master(dev)) {
		/* Bus Master off: no descriptor can be fetched, the frame
		 * has nowhere to go (a wire that can wait offers it again). */
		if (may_wait)
			return -EAGAIN;
		if (q->running)
			dev->bme_rx_refused++;
		dev->st[OPNIC_ST_RX_NO_DESC / 8]++;
		return -ENOBUFS;
	}
	if (q->shadow_init)
		shadow_start(q);
	if (q->ver == 2)
		return opnic_model_rx_v2(dev, q, f, len, valid ? hash : 0, ht,
					 may_wait);
	if (q->cons == q->prod) {
		opnic_model_rx_prod(dev, q);
		if (q->cons == q->prod) {
			unposted_cpl(dev, q);
			if (may_wait)
				return -EAGAIN;
			dev->st[OPNIC_ST_RX_NO_DESC / 8]++;
			return -ENOBUFS;
		}
	}
	d = (const struct opnic_rx_desc *)(q->ring + (q->cons & q->mask) * 16);
	if (len > q->buf_size) {
		dev->st[OPNIC_ST_RX_TOO_LONG / 8]++;
		write_cpl(dev, q, 0, OPNIC_CPL_ST_TOO_LONG, 0, 0);
		return -EMSGSIZE;
	}
	buf = opnic_dma_ptr(dev->dma, d->addr, len);
	if (buf != NULL && take_fault(&dev->faults, OPNIC_FK_DMA)) {
		/* Injected: behave as if the driver had posted an IOVA the
		 * IOMMU does not map. */
		buf = NULL;
	}
	if (buf == NULL) {
		dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
		write_cpl(dev, q, 0, OPNIC_CPL_ST_DMA_ERR, 0, 0);
		return -EFAULT;
	}
	memcpy(buf, f, len);
	if (take_fault(&dev->faults, OPNIC_FK_CORRUPT))
		buf[len - 1] ^= 0xff;	/* a bit error the CRC did not catch */
	q->pkts++;
	q->bytes += len;
	dev->st[OPNIC_ST_RX_PKTS / 8]++;
	dev->st[OPNIC_ST_RX_BYTES / 8] += len;
	write_cpl(dev, q, (uint16_t)len, OPNIC_CPL_ST_OK, hash, valid);
	return 0;
}

/* A frame leaves on the wire (or is lost to a link that is down). */
void
opnic_model_wire_send(struct opnic_model_dev *dev, const uint8_t *f,
		      uint32_t len)
{
	if (!dev->link_up)
		dev->st[OPNIC_ST_LINK_DROPS / 8]++;
	else if (dev->wire_tx != NULL)
		dev->wire_tx(dev->wire_ctx, f, len);
	else if (dev->peer != NULL)
		opnic_model_rx_offer(dev->peer, f, len, 0);
}

static unsigned int
tx_queue(struct opnic_model_dev *dev, struct opnic_model_q *q)
{
	uint32_t max_frame = OPNIC_MODEL_MAX_FRAME;
	unsigned int n = 0;
	uint32_t prod = opnic_model_tx_prod(dev, q);

	if ((uint32_t)(prod - q->cons) > q->size) {
		/* The driver claims more descriptors than the ring holds. */
		dev->st[OPNIC_ST_DESC_ERRORS / 8]++;
		q->prod = prod = q->cons;
	}
	while (q->cons != prod && n < OPNIC_TX_BUDGET) {
		const struct opnic_tx_desc *d = (const struct opnic_tx_desc *)
			(q->ring + (q->cons & q->mask) * 16);
		uint16_t len = d->len;
		const uint8_t *f;

		if (len < 14 || len > max_frame) {
			dev->st[OPNIC_ST_DESC_ERRORS / 8]++;
			write_cpl(dev, q, 0, OPNIC_CPL_ST_DESC_ERR, 0, 0);
			n++;
			continue;
		}
		f = opnic_dma_ptr(dev->dma, d->addr, len);
		if (f == NULL) {
			dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
			write_cpl(dev, q, 0, OPNIC_CPL_ST_DMA_ERR, 0, 0);
			n++;
			continue;
		}
		opnic_model_wire_send(dev, f, len);
		q->pkts++;
		q->bytes += len;
		dev->st[OPNIC_ST_TX_PKTS / 8]++;
		dev->st[OPNIC_ST_TX_BYTES / 8] += len;
		write_cpl(dev, q, len, OPNIC_CPL_ST_OK, 0, 0);
		n++;
	}
	if (n != 0) {
		q->idle_polls = 0;
	} else {
		opnic_model_tx_maybe_idle(q);
	}
	return n;
}

/* Bus Master off (PCI command bit 2): no DMA of any kind. The queues'
 * work waits (descriptors stay posted, nothing is dropped) and runs once
 * the driver sets Bus Master. */
static int
dma_held(struct opnic_model_dev *dev)
{
	unsigned int i;

	if (opnic_model_bus_master(dev))
		return 0;
	for (i = 0; i < dev->prof.queues; i++)
		if (dev->txq[i].running || dev->rxq[i].running) {
			dev->bme_held_polls++;
			break;
		}
	return 1;
}

unsigned int
opnic_model_process(struct opnic_model_dev *dev)
{
	unsigned int i, n = 0;

	if (dma_held(dev))
		return 0;
	for (i = 0; i < dev->prof.queues; i++) {
		struct opnic_model_q *q = &dev->txq[i];

		if (!q->running)
			continue;
		if (q->shadow_init)
			shadow_start(q);
		n += q->ver == 2 ? opnic_model_tx_v2(dev, q) : tx_queue(dev, q);
	}
	if (n == 0)
		for (i = 0; i < dev->prof.queues; i++)
			if (dev->rxq[i].running && !dev->rxq[i].shadow_init)
				publish_cons(&dev->rxq[i]);
	return n;
}

static void
q_revalidate(struct opnic_model_dev *dev, struct opnic_model_q *q)
{
	uint64_t bytes = (uint64_t)q->size * 16;
	uint64_t sh = q->ver == 1 ? 64 : 128;
	int cpl_gone;

	if (!q->running)
		return;
	if (q->ver == 1)
		cpl_gone = (uint8_t *)opnic_dma_ptr(dev->dma, q->cpl_iova, bytes) !=
			   (uint8_t *)q->cpl;
	else
		cpl_gone = q->head != NULL &&
			   (uint8_t *)opnic_dma_ptr(dev->dma, q->cpl_iova, 64) !=
			   (uint8_t *)q->head;
	if (opnic_dma_ptr(dev->dma, q->ring_iova, bytes) != q->ring || cpl_gone ||
	    (q->shadow != NULL &&
	     (uint8_t *)opnic_dma_ptr(dev->dma, q->shadow_iova, sh) !=
	     (uint8_t *)q->shadow)) {
		dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
		q_fail(dev, q, OPNIC_QERR_RING_DMA);
	}
}

void
opnic_model_dma_changed(struct opnic_model_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->prof.queues; i++) {
		q_revalidate(dev, &dev->txq[i]);
		q_revalidate(dev, &dev->rxq[i]);
	}
}
