/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Fuzz harness: net_opnic's RX and TX completion processing
 * (drivers/net/opnic/opnic_rxtx.c, opnic_recv_pkts / opnic_xmit_pkts) fed
 * arbitrary device-written completions and shadow words. The harness plays
 * the device: it owns the completion ring and the shadow, and the input is
 * a program of what the device writes (any record anywhere, or the next
 * record done right, lost, with a stale phase, a wrong index or length, an
 * error status) interleaved with bursts.
 *
 * The queues are set up as opnic_rxtx.c's queue_alloc()/ring_start() do,
 * with the descriptor ring, the completion ring, the shadow, the mbuf ring
 * and the doorbell each malloc'd to exactly its size (ASan sees any access
 * outside them). mbufs come from a mempool with no per-core cache, so its
 * count is exact.
 *
 * Checked: after a burst that posted descriptors, the shadow's drv_prod
 * and (unless the shadow says NO_NOTIFY) the doorbell hold the producer
 * index; every mbuf a burst returns is a one-segment mbuf of the pool,
 * with a length from 14 to the buffer size, not one the ring still holds;
 * a burst returns at most what was asked; and after the program, with the
 * device behaving from then on (every outstanding slot completed right,
 * optionally with one lost completion first, which doc/faults.md says the
 * driver skips), the queue drains: nothing stuck. Then the queue is stopped
 * as ring_stop() does, and every mbuf is back in the pool.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <ethdev_driver.h>

#include "opnic_rxtx.h"
#include "fuzz_common.h"

#define POOL_BIG	2048
#define POOL_SMALL	100	/* fewer than a ring's worth plus a burst */
#define MAX_BURST	64
#define MAX_LOG2	8	/* rings of 64..256: deep enough, fast */

static struct rte_mempool *pool_big, *pool_small;
static uint16_t port_id;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal_args[] = { (*argv)[0], "--no-huge", "--no-pci", "-m", "128",
			     "--no-shconf", "--log-level=*:error",
			     "--file-prefix=fuzz_pmd_rxtx", NULL };
	struct rte_eth_dev *dev;

	(void)argc;
	if (rte_eal_init(8, eal_args) < 0) {
		fprintf(stderr, "fuzz_pmd_rxtx: rte_eal_init failed\n");
		exit(1);
	}
	pool_big = rte_pktmbuf_pool_create("fuzz_big", POOL_BIG, 0, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	pool_small = rte_pktmbuf_pool_create("fuzz_small", POOL_SMALL, 0, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE,
					     SOCKET_ID_ANY);
	/* rx_refill counts allocation failures in the port's data. */
	dev = rte_eth_dev_allocate("net_opnic_fuzz");
	if (pool_big == NULL || pool_small == NULL || dev == NULL) {
		fprintf(stderr, "fuzz_pmd_rxtx: pools or port: %s\n",
			rte_strerror(rte_errno));
		exit(1);
	}
	port_id = dev->data->port_id;
	return 0;
}

/* The device's view of one queue. */
struct fdev {
	int is_rx;
	struct opnic_rxq *rxq;
	struct opnic_txq *txq;
	struct opnic_ring *r;
	struct rte_mempool *mp;
	uint8_t *doorbell;
	uint32_t dcons;		/* next slot the device completes */
};

static uint16_t
lap_phase(const struct opnic_ring *r, uint32_t index)
{
	return ((index >> r->log2) & 1) ? 0 : OPNIC_CPL_PHASE;
}

static void
store_cpl(struct opnic_ring *r, uint32_t index, uint16_t idx, uint16_t len,
	  uint16_t status, uint16_t flags, uint32_t hash)
{
	/* One thread: the record is written at once (no phase-last order). */
	r->cpl[index & r->mask] = (struct opnic_cpl){ .rss_hash = hash,
		.idx = idx, .len = len, .status = status, .flags = flags };
}

static int
ring_holds(const struct opnic_ring *r, const struct rte_mbuf *m)
{
	uint32_t i;

	for (i = 0; i < r->nb_desc; i++)
		if (r->sw_ring[i] == m)
			return 1;
	return 0;
}

static void
check_mbuf(const struct fdev *d, struct rte_mbuf *m)
{
	FUZZ_CHECK(m != NULL, "NULL mbuf returned");
	FUZZ_CHECK(m->pool == d->mp, "mbuf %p of pool %p, not %p", (void *)m,
		   (void *)m->pool, (void *)d->mp);
	FUZZ_CHECK(rte_mbuf_refcnt_read(m) == 1, "refcnt %u",
		   rte_mbuf_refcnt_read(m));
	FUZZ_CHECK(m->nb_segs == 1 && m->next == NULL, "%u segments", m->nb_segs);
	FUZZ_CHECK(m->data_len == m->pkt_len, "data_len %u pkt_len %u",
		   m->data_len, m->pkt_len);
	FUZZ_CHECK(m->data_len >= RTE_ETHER_HDR_LEN &&
		   m->data_len <= d->rxq->buf_size, "length %u (buffer %u)",
		   m->data_len, d->rxq->buf_size);
	FUZZ_CHECK(!ring_holds(d->r, m), "mbuf returned and still in the ring");
}

static uint16_t
rx_burst(struct fdev *d, uint16_t n)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint64_t before = d->r->st.packets;
	uint16_t got, i, j;

	memset(pkts, 0, sizeof(pkts));
	got = opnic_recv_pkts(d->rxq, pkts, n);
	FUZZ_CHECK(got <= n, "%u frames for a burst of %u", got, n);
	FUZZ_CHECK(d->r->st.packets - before == got, "packets counter");
	FUZZ_CHECK((uint32_t)(d->r->prod - d->r->cons) <= d->r->nb_desc,
		   "prod %u cons %u", d->r->prod, d->r->cons);
	for (i = 0; i < got; i++) {
		check_mbuf(d, pkts[i]);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(pkts[j] != pkts[i], "mbuf returned twice");
	}
	for (i = 0; i < got; i++)
		rte_pktmbuf_free(pkts[i]);
	return got;
}

static uint16_t
tx_burst(struct fdev *d, struct fuzz_in *in, uint16_t n)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t i, k, sent;

	for (k = 0; k < n; k++) {
		uint16_t len = (uint16_t)(RTE_ETHER_HDR_LEN + fuzz_u16(in) % 1500);
		uint8_t segs = fuzz_u8(in);

		pkts[k] = rte_pktmbuf_alloc(d->mp);
		if (pkts[k] == NULL)
			break;
		if (rte_pktmbuf_append(pkts[k], len) == NULL) {
			rte_pktmbuf_free(pkts[k]);
			break;
		}
		if (segs & 0x80) {	/* a second segment: linearized */
			struct rte_mbuf *s = rte_pktmbuf_alloc(d->mp);

			if (s != NULL && (rte_pktmbuf_append(s, segs & 0x7f) == NULL ||
					  rte_pktmbuf_chain(pkts[k], s) != 0))
				rte_pktmbuf_free(s);
		}
	}
	sent = opnic_xmit_pkts(d->txq, pkts, k);
	FUZZ_CHECK(sent <= k, "sent %u of %u", sent, k);
	FUZZ_CHECK((uint32_t)(d->r->prod - d->r->cons) <= d->r->nb_desc,
		   "prod %u cons %u", d->r->prod, d->r->cons);
	for (i = sent; i < k; i++)	/* not taken: still the caller's */
		rte_pktmbuf_free(pkts[i]);
	return sent;
}

/* After a burst that posted descriptors, the device can learn the new
 * producer index: in the shadow always, and by a doorbell unless the
 * shadow says the device is polling (spec 6). */
static void
check_notified(const struct fdev *d, uint32_t prod_before)
{
	const struct opnic_ring *r = d->r;
	uint32_t db;

	if (r->prod == prod_before)
		return;
	if (r->shadow != NULL)
		FUZZ_CHECK(r->shadow->drv_prod == r->prod,
			   "shadow drv_prod %u, producer index %u",
			   r->shadow->drv_prod, r->prod);
	memcpy(&db, d->doorbell, sizeof(db));
	if (r->shadow == NULL || !(r->shadow->dev_flags & OPNIC_SHADOW_NO_NOTIFY))
		FUZZ_CHECK(db == r->prod, "doorbell %u, producer index %u", db,
			   r->prod);
}

static void
burst(struct fdev *d, struct fuzz_in *in, uint16_t n)
{
	uint32_t prod = d->r->prod;

	if (d->is_rx)
		rx_burst(d, n);
	else
		tx_burst(d, in, n);
	check_notified(d, prod);
	if ((uint32_t)(d->dcons - d->r->cons) > d->r->nb_desc)
		d->dcons = d->r->cons;	/* the driver went past us */
}

/* The next record, as the device writes it, with what the fuzzer does to
 * it. Only for a posted descriptor (spec 5.3). */
static void
device_complete(struct fdev *d, struct fuzz_in *in)
{
	struct opnic_ring *r = d->r;
	uint8_t how = fuzz_u8(in);
	uint32_t index = d->dcons, slot = index & r->mask;
	uint16_t idx = (uint16_t)slot, len = 60, status = OPNIC_CPL_ST_OK;
	uint16_t flags = lap_phase(r, index);

	if ((uint32_t)(r->prod - index) == 0 || (uint32_t)(r->prod - index) > r->nb_desc)
		return;		/* nothing posted */
	if (d->is_rx)
		len = (uint16_t)(14 + fuzz_u16(in) % 1500);
	switch (how & 7) {
	case 0: case 1: case 2: break;			/* right */
	case 3: flags ^= OPNIC_CPL_PHASE; break;	/* stale phase: lost */
	case 4: idx = fuzz_u16(in); break;		/* another slot */
	case 5: len = fuzz_u16(in); break;		/* any length */
	case 6: status = (uint16_t)(1 + fuzz_u8(in) % 4); break;
	default: d->dcons++; return;			/* never written */
	}
	if (how & 0x80)
		flags |= OPNIC_CPL_RSS;
	store_cpl(r, index, idx, len, status, flags, fuzz_u32(in));
	d->dcons++;
}

static void
run(struct fdev *d, struct fuzz_in *in)
{
	struct opnic_ring *r = d->r;
	unsigned int nops = 0;

	while (fuzz_more(in) && nops++ < 1024) {
		uint8_t op = fuzz_u8(in);
		uint32_t k, n;

		switch (op & 7) {
		case 0: case 1:	/* the device completes the next 1..32 */
			n = 1 + (op >> 3);
			for (k = 0; k < n; k++)
				device_complete(d, in);
			break;
		case 2: case 3:
			burst(d, in, (uint16_t)(fuzz_u8(in) % (MAX_BURST + 1)));
			break;
		case 4: {	/* any record, anywhere in the ring */
			uint32_t slot = fuzz_u16(in);
			uint16_t idx = fuzz_u16(in), len = fuzz_u16(in);
			uint16_t st = fuzz_u16(in), fl = fuzz_u16(in);

			store_cpl(r, slot, idx, len, st, fl, fuzz_u32(in));
			break;
		}
		case 5:	/* the shadow's device words */
			if (r->shadow != NULL) {
				r->shadow->dev_flags = fuzz_u32(in);
				if (op & 0x80)
					r->shadow->dev_cons = fuzz_u32(in);
			}
			break;
		case 6:	/* a record for the slot after the last posted one */
			store_cpl(r, r->prod, (uint16_t)(r->prod & r->mask), 60,
				  OPNIC_CPL_ST_OK, lap_phase(r, r->prod), 0);
			break;
		default:	/* the device skips ahead (or back) */
			d->dcons = r->cons + fuzz_u8(in) % (r->nb_desc + 1);
			break;
		}
	}
}

/* From now on a correct device: every outstanding slot completed, one lost
 * first if asked (doc/faults.md: the driver skips a single lost record).
 * The driver must consume them all. */
static void
drain(struct fdev *d, int lose_first)
{
	struct opnic_ring *r = d->r;
	uint32_t i, target = r->prod, start = r->cons, rounds;

	for (i = start; i != target; i++) {
		uint16_t flags = lap_phase(r, i);

		if (lose_first && i == start && target - start >= 2)
			flags ^= OPNIC_CPL_PHASE;
		store_cpl(r, i, (uint16_t)(i & r->mask), 60, OPNIC_CPL_ST_OK,
			  flags, 0);
	}
	for (rounds = 0; rounds < 64 && (int32_t)(target - r->cons) > 0; rounds++) {
		if (d->is_rx)
			rx_burst(d, MAX_BURST);
		else
			tx_burst(d, &(struct fuzz_in){ NULL, 0 }, 0);
	}
	FUZZ_CHECK((int32_t)(target - r->cons) <= 0,
		   "queue stuck: cons %u, device completed up to %u (started at %u%s)",
		   r->cons, target, start, lose_first ? ", first lost" : "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct opnic_ring *r;
	struct fdev d;
	uint8_t cfg, thresh;
	uint32_t nb, i;
	size_t desc_size;
	unsigned int full;

	if (size < 2)
		return 0;
	cfg = fuzz_u8(&in);
	thresh = fuzz_u8(&in);
	memset(&d, 0, sizeof(d));
	d.is_rx = cfg & 1;
	d.mp = (cfg & 4) ? pool_small : pool_big;
	nb = 1u << (OPNIC_MIN_RING_LOG2 + (cfg >> 3) % (MAX_LOG2 - OPNIC_MIN_RING_LOG2 + 1));
	desc_size = d.is_rx ? sizeof(struct opnic_rx_desc) : sizeof(struct opnic_tx_desc);
	full = rte_mempool_avail_count(d.mp);
	/* queue_alloc(), with each piece on its own. */
	if (d.is_rx) {
		d.rxq = calloc(1, sizeof(*d.rxq));
		FUZZ_CHECK(d.rxq != NULL, "oom");
		r = &d.rxq->ring;
		d.rxq->mp = d.mp;
		d.rxq->buf_size = (uint16_t)RTE_MIN(rte_pktmbuf_data_room_size(d.mp) -
						    RTE_PKTMBUF_HEADROOM, OPNIC_MAX_BUF);
		d.rxq->free_thresh = thresh != 0 ? thresh : 32;
		if (d.rxq->free_thresh >= nb)
			d.rxq->free_thresh = (uint16_t)(nb / 2);
		d.rxq->port_id = port_id;
	} else {
		d.txq = calloc(1, sizeof(*d.txq));
		FUZZ_CHECK(d.txq != NULL, "oom");
		r = &d.txq->ring;
		/* As opnic_rxtx.c without an application tx_free_thresh:
		 * done buffers are freed on every burst (a threshold defers
		 * cleaning by design, which the drain check would call stuck). */
		d.txq->free_thresh = (uint16_t)nb;
		d.txq->port_id = port_id;
	}
	d.r = r;
	r->desc.rx = malloc(nb * desc_size);
	r->cpl = malloc(nb * sizeof(struct opnic_cpl));
	r->sw_ring = calloc(nb, sizeof(r->sw_ring[0]));
	r->shadow = (cfg & 2) ? aligned_alloc(64, sizeof(struct opnic_shadow)) : NULL;
	d.doorbell = calloc(1, 4);
	FUZZ_CHECK(r->desc.rx && r->cpl && r->sw_ring && d.doorbell &&
		   (!(cfg & 2) || r->shadow), "oom");
	r->db.addr = d.doorbell;
	r->db.fd = -1;
	r->nb_desc = (uint16_t)nb;
	r->mask = nb - 1;
	r->log2 = (uint32_t)rte_log2_u32(nb);
	/* ring_start(): no record carries the first lap's phase, the shadow
	 * starts from zero; the device sets NO_NOTIFY when it polls. */
	memset(r->desc.rx, 0, nb * desc_size);
	memset(r->cpl, 0, nb * sizeof(struct opnic_cpl));
	if (r->shadow != NULL)
		memset(r->shadow, 0, sizeof(*r->shadow));
	r->running = 1;
	if (d.is_rx)
		rx_burst(&d, 0);	/* posts the ring (rx_refill) */
	run(&d, &in);
	if (getenv("FUZZ_VERBOSE") != NULL)	/* to check what a seed reaches */
		fprintf(stderr, "fuzz_pmd_rxtx: %s ring %u: %lu packets, %lu bad "
			"completions, %lu error completions, %lu doorbells, "
			"%lu suppressed, %lu alloc failures, cons %u prod %u\n",
			d.is_rx ? "RX" : "TX", nb, (unsigned long)r->st.packets,
			(unsigned long)r->st.bad_cpl, (unsigned long)r->st.cpl_errors,
			(unsigned long)r->st.db_mmio,
			(unsigned long)r->st.db_suppressed,
			(unsigned long)r->st.alloc_fail, r->cons, r->prod);
	drain(&d, (cfg >> 6) & 1);
	/* ring_stop(): every mbuf back. */
	for (i = 0; i < nb; i++)
		if (r->sw_ring[i] != NULL)
			rte_pktmbuf_free(r->sw_ring[i]);
	FUZZ_CHECK(rte_mempool_avail_count(d.mp) == full,
		   "%u mbufs in the pool after stop, %u before",
		   rte_mempool_avail_count(d.mp), full);
	free(r->desc.rx);
	free(r->cpl);
	free(r->sw_ring);
	free(r->shadow);
	free(d.doorbell);
	free(d.rxq);
	free(d.txq);
	return 0;
}
