/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * What differs between the DPDK LTS lines net_opnic builds against (22.11,
 * 24.11, 25.11), keyed on RTE_VERSION; each shim is named for the API
 * change it papers over, with the release that made it. The rest of the
 * driver has no version test (doc/guides/dpdk-versions.md).
 */

#ifndef _OPNIC_COMPAT_H_
#define _OPNIC_COMPAT_H_

#include <rte_version.h>

/*
 * DPDK 25.11 (58ae74244c "ethdev: remove queue stats from basic stats
 * structure"): the per-queue counters (q_ipackets ...) left struct
 * rte_eth_stats for a struct eth_queue_stats that the stats_get callback
 * gets as a third argument, NULL when the caller wants none. Both structures
 * use the same member names, so the driver fills an opnic_eth_qstats:
 *   int opnic_dev_stats_get(OPNIC_STATS_GET_PARAMS(dev, s, q))
 *   { opnic_eth_qstats *qs = OPNIC_STATS_GET_QSTATS(s, q); ... }
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
typedef struct eth_queue_stats opnic_eth_qstats;
#define OPNIC_STATS_GET_PARAMS(dev, s, q) \
	struct rte_eth_dev *dev, struct rte_eth_stats *s, opnic_eth_qstats *q
#define OPNIC_STATS_GET_QSTATS(s, q) (q)
#else
typedef struct rte_eth_stats opnic_eth_qstats;
#define OPNIC_STATS_GET_PARAMS(dev, s, q) \
	struct rte_eth_dev *dev, struct rte_eth_stats *s
#define OPNIC_STATS_GET_QSTATS(s, q) (s)
#endif

/*
 * DPDK 24.11 (de89988365 "kvargs: rework process API"): rte_kvargs_process()
 * fails on a key given without '=value' and calls no handler;
 * rte_kvargs_process_opt() (new) calls it with a NULL value, as
 * rte_kvargs_process() did before. The driver's handlers name a missing value
 * themselves, so they get the key either way.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(24, 11, 0, 0)
#define opnic_kvargs_process_with_key_only rte_kvargs_process_opt
#else
#define opnic_kvargs_process_with_key_only rte_kvargs_process
#endif

#endif /* _OPNIC_COMPAT_H_ */
