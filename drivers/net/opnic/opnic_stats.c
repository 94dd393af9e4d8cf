/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Basic stats and xstats: device counters from the STATS block (through
 * opnic_hw_stat), then per-queue driver counters. Both work in a secondary
 * process, which reads the device through its own mappings.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_string_fns.h>
#include <ethdev_driver.h>

#include "opnic_ethdev.h"
#include "opnic_rxtx.h"

/* Device counters: name, offset in struct opnic_hw_stats. */
struct opnic_xstat_dev {
	const char *name;
	size_t off;
};

#define OPNIC_DEV_STAT(n, f) { n, offsetof(struct opnic_hw_stats, f) }
static const struct opnic_xstat_dev opnic_dev_xstats[] = {
	OPNIC_DEV_STAT("rx_dev_no_descriptor_drops", rx_no_desc),
	OPNIC_DEV_STAT("rx_dev_filtered", rx_filtered),
	OPNIC_DEV_STAT("dev_dma_errors", dma_errors),
	OPNIC_DEV_STAT("dev_descriptor_errors", desc_errors),
	OPNIC_DEV_STAT("rx_dev_too_long", rx_too_long),
	OPNIC_DEV_STAT("dev_link_down_drops", link_drops),
};

/* Queue counters: name, offset in struct opnic_qstats. */
struct opnic_xstat_q {
	const char *name;
	size_t off;
};

#define OPNIC_QSTAT(n) { #n, offsetof(struct opnic_qstats, n) }
static const struct opnic_xstat_q opnic_q_xstats[] = {
	OPNIC_QSTAT(bad_cpl),
	OPNIC_QSTAT(cpl_errors),
	OPNIC_QSTAT(db_mmio),
	OPNIC_QSTAT(db_syscall),
	OPNIC_QSTAT(db_suppressed),
	OPNIC_QSTAT(alloc_fail),
};

#define N_DEV_X RTE_DIM(opnic_dev_xstats)
#define N_Q_X RTE_DIM(opnic_q_xstats)

static uint64_t
field(const void *base, size_t off)
{
	return *(const uint64_t *)((const char *)base + off);
}

/* A device counter since the last reset, never below 0: a removed device
 * reads 0 (and a reset device restarts its counters). */
static uint64_t
dev_delta(struct opnic_io *io, const struct opnic_hw_stats *base, size_t off)
{
	uint64_t v = opnic_hw_stat(io, off), b = field(base, off);

	return v >= b ? v - b : 0;
}

/* The counters of RX (is_rx) or TX queue i, NULL if it is not set up. */
static struct opnic_qstats *
queue_stats(struct rte_eth_dev *dev, int is_rx, unsigned int i)
{
	if (is_rx) {
		struct opnic_rxq *q = dev->data->rx_queues[i];

		return q != NULL ? &q->ring.st : NULL;
	} else {
		struct opnic_txq *q = dev->data->tx_queues[i];

		return q != NULL ? &q->ring.st : NULL;
	}
}

/* One queue's counters into a direction's totals and per-queue slots
 * (q_pkts NULL: the caller wants no per-queue counters). */
static void
add_qstats(const struct opnic_qstats *st, unsigned int i, uint64_t *pkts,
	   uint64_t *bytes, uint64_t *errors, uint64_t *q_pkts,
	   uint64_t *q_bytes)
{
	*pkts += st->packets;
	*bytes += st->bytes;
	*errors += st->bad_cpl + st->cpl_errors;
	if (q_pkts != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
		q_pkts[i] = st->packets;
		q_bytes[i] = st->bytes;
	}
}

int
opnic_dev_stats_get(OPNIC_STATS_GET_PARAMS(dev, s, q))
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	opnic_eth_qstats *qs = OPNIC_STATS_GET_QSTATS(s, q);
	const struct opnic_qstats *st;
	unsigned int i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		st = queue_stats(dev, 1, i);
		if (st == NULL)
			continue;
		add_qstats(st, i, &s->ipackets, &s->ibytes, &s->ierrors,
			   qs != NULL ? qs->q_ipackets : NULL,
			   qs != NULL ? qs->q_ibytes : NULL);
		if (qs != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS)
			qs->q_errors[i] = st->bad_cpl + st->cpl_errors;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if ((st = queue_stats(dev, 0, i)) != NULL)
			add_qstats(st, i, &s->opackets, &s->obytes, &s->oerrors,
				   qs != NULL ? qs->q_opackets : NULL,
				   qs != NULL ? qs->q_obytes : NULL);
	s->imissed = dev_delta(opnic_adapter_io(ad), &ad->dev_base,
			       offsetof(struct opnic_hw_stats, rx_no_desc));
	s->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}

int
opnic_dev_stats_reset(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_qstats *st;
	unsigned int i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if ((st = queue_stats(dev, 1, i)) != NULL)
			memset(st, 0, sizeof(*st));
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if ((st = queue_stats(dev, 0, i)) != NULL)
			memset(st, 0, sizeof(*st));
	opnic_hw_stats_get(opnic_adapter_io(ad), &ad->dev_base);
	ad->lsc_interrupts = 0;
	dev->data->rx_mbuf_alloc_failed = 0;
	return 0;
}

static unsigned int
opnic_xstats_count(struct rte_eth_dev *dev)
{
	return (unsigned int)(N_DEV_X + 2 + N_Q_X * (dev->data->nb_rx_queues +
						   dev->data->nb_tx_queues));
}

int
opnic_dev_xstats_get_names(struct rte_eth_dev *dev,
			   struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int n = opnic_xstats_count(dev), k = 0, i, j;
	int rx;

	if (names == NULL || size < n)
		return (int)n;
	for (i = 0; i < N_DEV_X; i++)
		strlcpy(names[k++].name, opnic_dev_xstats[i].name,
			sizeof(names[0].name));
	strlcpy(names[k++].name, "lsc_interrupts", sizeof(names[0].name));
	strlcpy(names[k++].name, "device_removals", sizeof(names[0].name));
	for (rx = 1; rx >= 0; rx--) {
		unsigned int nq = rx ? dev->data->nb_rx_queues :
				  dev->data->nb_tx_queues;

		for (i = 0; i < nq; i++)
			for (j = 0; j < N_Q_X; j++)
				snprintf(names[k++].name, sizeof(names[0].name),
					 "%s_q%u_%s", rx ? "rx" : "tx", i,
					 opnic_q_xstats[j].name);
	}
	return (int)n;
}

int
opnic_dev_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		     unsigned int size)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int n = opnic_xstats_count(dev), k = 0, i, j;
	int rx;

	if (xs == NULL || size < n)
		return (int)n;
	for (i = 0; i < N_DEV_X; i++, k++) {
		xs[k].id = k;
		xs[k].value = dev_delta(opnic_adapter_io(ad), &ad->dev_base,
					opnic_dev_xstats[i].off);
	}
	xs[k].id = k;
	xs[k++].value = ad->lsc_interrupts;
	xs[k].id = k;
	xs[k++].value = ad->removals;
	for (rx = 1; rx >= 0; rx--) {
		unsigned int nq = rx ? dev->data->nb_rx_queues :
				  dev->data->nb_tx_queues;

		for (i = 0; i < nq; i++) {
			const struct opnic_qstats *st = queue_stats(dev, rx, i);

			for (j = 0; j < N_Q_X; j++, k++) {
				xs[k].id = k;
				xs[k].value = st == NULL ? 0 :
					field(st, opnic_q_xstats[j].off);
			}
		}
	}
	return (int)n;
}
