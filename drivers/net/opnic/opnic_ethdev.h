/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _OPNIC_ETHDEV_H_
#define _OPNIC_ETHDEV_H_

#include <stdint.h>

#include <rte_ethdev.h>

#include "opnic_compat.h"
#include "opnic_hw.h"

#define OPNIC_ETH_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 4)
#define OPNIC_RSS_HF (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | \
		      RTE_ETH_RSS_NONFRAG_IPV4_UDP)

struct rte_pci_device;

struct opnic_devargs {
	int regs_rw;		/* regs=rw: region r/w for every block */
	int db_suppress;	/* doorbell suppression through the shadow */
	int link_poll;		/* lsc=poll: never take the link interrupt */
};

/* dev_private: shared by primary and secondary processes. */
struct opnic_adapter {
	uint16_t port_id;
	struct opnic_id id;
	struct opnic_devargs args;
	uint8_t rss_key[OPNIC_RSS_KEY_LEN];
	uint8_t reta[OPNIC_RSS_RETA_SIZE];
	uint64_t rss_hf;
	int lsc_intr;		/* link via MSI-X vector 0 */
	int intr_registered;
	uint64_t lsc_interrupts;
	uint64_t removals;	/* surprise removals seen by the watchdog */
	struct opnic_hw_stats dev_base;	/* stats_reset snapshot */
	int started;
};

#define OPNIC_DEV_PRIVATE(dev) ((struct opnic_adapter *)(dev)->data->dev_private)

/* Each process's device access, by port (see struct opnic_io). */
extern struct opnic_io *opnic_io_local[RTE_MAX_ETHPORTS];

static inline struct opnic_io *
opnic_adapter_io(const struct opnic_adapter *ad)
{
	return opnic_io_local[ad->port_id];
}

/* What the PCI glue (opnic_pci.c) found before the port exists. */
struct opnic_probe {
	struct opnic_devargs args;
	struct opnic_io *io;
	struct opnic_id id;
	struct rte_ether_addr mac;
	int intr;		/* vector 0 is set up for link interrupts */
};

/* opnic_ethdev.c: create the port of a probed device (primary), or attach
 * a secondary process to it; -errno with the port released on failure. */
int opnic_eth_dev_create(struct rte_pci_device *pci,
			 const struct opnic_probe *p);
int opnic_eth_dev_attach(struct rte_eth_dev *dev, struct opnic_io *io);
int opnic_eth_dev_uninit(struct rte_eth_dev *dev);

/* opnic_rss.c */
int opnic_rss_configure(struct rte_eth_dev *dev);
void opnic_rss_apply(struct rte_eth_dev *dev);
int opnic_dev_reta_update(struct rte_eth_dev *dev,
			  struct rte_eth_rss_reta_entry64 *conf, uint16_t size);
int opnic_dev_reta_query(struct rte_eth_dev *dev,
			 struct rte_eth_rss_reta_entry64 *conf, uint16_t size);
int opnic_dev_rss_hash_update(struct rte_eth_dev *dev,
			      struct rte_eth_rss_conf *conf);
int opnic_dev_rss_hash_conf_get(struct rte_eth_dev *dev,
				struct rte_eth_rss_conf *conf);

/* opnic_stats.c */
int opnic_dev_stats_get(OPNIC_STATS_GET_PARAMS(dev, s, q));
int opnic_dev_stats_reset(struct rte_eth_dev *dev);
int opnic_dev_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
			 unsigned int size);
int opnic_dev_xstats_get_names(struct rte_eth_dev *dev,
			       struct rte_eth_xstat_name *names,
			       unsigned int size);

#endif /* _OPNIC_ETHDEV_H_ */
