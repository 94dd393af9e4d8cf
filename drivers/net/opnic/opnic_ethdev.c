/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * net_opnic ethdev operations: configure, start, stop, close, link (the
 * link-state interrupt on MSI-X vector 0 is the only interrupt; queues are
 * polled), MTU, MAC, receive modes, and port creation for a device the PCI
 * glue (opnic_pci.c) has probed. RSS is in opnic_rss.c, stats in
 * opnic_stats.c. Every device access is a named
 * operation of the hardware layer (opnic_hw.h).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>
#include <ethdev_driver.h>
#include <ethdev_pci.h>

#include "opnic_ethdev.h"
#include "opnic_logs.h"
#include "opnic_rxtx.h"

struct opnic_io *opnic_io_local[RTE_MAX_ETHPORTS];

#define OPNIC_WATCHDOG_US 100000

static int opnic_dev_stop(struct rte_eth_dev *dev);

static int
opnic_dev_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_io *io = opnic_adapter_io(ad);
	struct rte_eth_link link;
	uint32_t speed;

	memset(&link, 0, sizeof(link));
	link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	link.link_autoneg = RTE_ETH_LINK_FIXED;
	if (!opnic_hw_removed(io) && opnic_hw_link_get(io, &speed) &&
	    ad->started) {
		link.link_status = RTE_ETH_LINK_UP;
		link.link_speed = speed;
	}
	return rte_eth_linkstatus_set(dev, &link);
}

static void
opnic_link_event(struct rte_eth_dev *dev)
{
	opnic_dev_link_update(dev, 0);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* MSI-X vector 0: read and clear the cause, report the link change. */
static void
opnic_intr_handler(void *arg)
{
	struct rte_eth_dev *dev = arg;
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_io *io = opnic_adapter_io(ad);

	if (opnic_hw_intr_drain(io) < 0)
		return;
	ad->lsc_interrupts++;
	if (opnic_hw_removed(io) || opnic_hw_cause_ack(io))
		opnic_link_event(dev);
}

static void
opnic_intr_teardown(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_io *io = opnic_adapter_io(ad);
	int tries = 0;

	if (ad->intr_registered) {
		while (rte_intr_callback_unregister(opnic_hw_intr_handle(io),
						    opnic_intr_handler,
						    dev) == -EAGAIN &&
		       tries++ < 1000)
			rte_delay_ms(1);
		ad->intr_registered = 0;
	}
	opnic_hw_intr_fini(io);
}

static int
opnic_intr_enable(struct rte_eth_dev *dev, int on)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (!ad->intr_registered)
		return -ENOTSUP;
	return opnic_hw_intr_enable(opnic_adapter_io(ad), on);
}

static int
opnic_dev_configure(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (dev->data->nb_rx_queues > ad->id.num_queues ||
	    dev->data->nb_tx_queues > ad->id.num_queues) {
		PMD_DRV_LOG(ERR, "%u RX / %u TX queues asked, the device has %u",
			    dev->data->nb_rx_queues, dev->data->nb_tx_queues,
			    ad->id.num_queues);
		return -EINVAL;
	}
	return opnic_rss_configure(dev);
}

static int
opnic_check_mtu_fits(struct rte_eth_dev *dev, uint32_t mtu)
{
	uint32_t frame = mtu + OPNIC_ETH_OVERHEAD;
	unsigned int i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct opnic_rxq *q = dev->data->rx_queues[i];

		if (q != NULL && frame > q->buf_size) {
			PMD_DRV_LOG(ERR, "MTU %u needs %u-byte RX buffers; queue %u "
				    "has %u (scattered RX is not supported)", mtu,
				    frame, i, q->buf_size);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Surprise removal (doc/faults.md): a removed device reads all ones and
 * sends no interrupt, so a started port checks the ID block every 100 ms.
 * Once it is gone the bursts stop touching the device (they return 0), the
 * link reads down, and the application gets LSC and INTR_RMV events; it
 * can stop and close the port as usual.
 */
static void
opnic_watchdog(void *arg)
{
	struct rte_eth_dev *dev = arg;
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;

	if (!ad->started)
		return;
	if (!opnic_hw_removed(opnic_adapter_io(ad))) {
		rte_eal_alarm_set(OPNIC_WATCHDOG_US, opnic_watchdog, dev);
		return;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if (dev->data->rx_queues[i] != NULL)
			((struct opnic_rxq *)dev->data->rx_queues[i])->gone = 1;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if (dev->data->tx_queues[i] != NULL)
			((struct opnic_txq *)dev->data->tx_queues[i])->gone = 1;
	ad->removals++;
	PMD_DRV_LOG(ERR, "port %u: device removed; queues stopped, link down",
		    dev->data->port_id);
	opnic_link_event(dev);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RMV, NULL);
}

static int
opnic_queues_start(struct rte_eth_dev *dev)
{
	unsigned int i;
	int ret;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if (dev->data->rx_queues[i] == NULL) {
			PMD_DRV_LOG(ERR, "port %u: RX queue %u was never set up",
				    dev->data->port_id, i);
			return -EINVAL;
		}
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if (dev->data->tx_queues[i] == NULL) {
			PMD_DRV_LOG(ERR, "port %u: TX queue %u was never set up",
				    dev->data->port_id, i);
			return -EINVAL;
		}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		ret = opnic_rxq_start(dev, dev->data->rx_queues[i]);
		if (ret != 0)
			return ret;
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		ret = opnic_txq_start(dev, dev->data->tx_queues[i]);
		if (ret != 0)
			return ret;
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	return 0;
}

static int
opnic_dev_start(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_io *io = opnic_adapter_io(ad);
	struct rte_eth_conf *conf = &dev->data->dev_conf;
	int ret;

	if (opnic_hw_removed(io))
		return -EIO;
	/* After a DMA cut: reset the device, then Bus Master on again. */
	ret = opnic_hw_dma_restore(io);
	if (ret != 0)
		return ret;
	ret = opnic_check_mtu_fits(dev, dev->data->mtu);
	if (ret != 0)
		return ret;
	opnic_hw_mtu_set(io, dev->data->mtu);
	opnic_hw_mac_set(io, &dev->data->mac_addrs[0]);
	opnic_rss_apply(dev);
	ret = opnic_queues_start(dev);
	if (ret != 0) {
		opnic_dev_stop(dev);
		return ret;
	}
	ad->lsc_intr = 0;
	if (conf->intr_conf.lsc && !ad->args.link_poll) {
		ret = opnic_intr_enable(dev, 1);
		if (ret == 0)
			ad->lsc_intr = 1;
		else
			PMD_DRV_LOG(WARNING, "cannot enable MSI-X vector 0 (%d); "
				    "link state is polled by link_update", ret);
	}
	PMD_DRV_LOG(INFO, "port %u: link state by %s", dev->data->port_id,
		    ad->lsc_intr ? "MSI-X vector 0 interrupt" : "polling");
	dev->rx_pkt_burst = opnic_recv_pkts;
	dev->tx_pkt_burst = opnic_xmit_pkts;
	ad->started = 1;
	opnic_dev_link_update(dev, 0);
	if (rte_eal_alarm_set(OPNIC_WATCHDOG_US, opnic_watchdog, dev) != 0)
		PMD_DRV_LOG(WARNING, "port %u: no removal watchdog (alarm failed)",
			    dev->data->port_id);
	return 0;
}

static int
opnic_dev_stop(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;

	ad->started = 0;
	rte_eal_alarm_cancel(opnic_watchdog, dev);
	if (ad->lsc_intr)
		opnic_intr_enable(dev, 0);
	ad->lsc_intr = 0;
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct opnic_txq *q = dev->data->tx_queues[i];

		if (q != NULL && q->ring.running)
			opnic_txq_stop(dev, q);
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct opnic_rxq *q = dev->data->rx_queues[i];

		if (q != NULL && q->ring.running)
			opnic_rxq_stop(dev, q);
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	opnic_dev_link_update(dev, 0);
	return 0;
}

static int
opnic_dev_close(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_io *io = opnic_adapter_io(ad);
	unsigned int i;

	if (rte_eal_process_type() == RTE_PROC_PRIMARY) {
		if (ad->started)
			opnic_dev_stop(dev);
		for (i = 0; i < dev->data->nb_rx_queues; i++)
			opnic_dev_rx_queue_release(dev, (uint16_t)i);
		for (i = 0; i < dev->data->nb_tx_queues; i++)
			opnic_dev_tx_queue_release(dev, (uint16_t)i);
		opnic_intr_teardown(dev);
		if (!io->removed)
			opnic_hw_reset(io);
	}
	opnic_hw_close(io);
	opnic_io_local[ad->port_id] = NULL;
	return 0;
}

static int
opnic_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	info->max_rx_queues = (uint16_t)ad->id.num_queues;
	info->max_tx_queues = (uint16_t)ad->id.num_queues;
	info->max_mac_addrs = 1;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->max_rx_pktlen = ad->id.max_frame;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = (uint16_t)(ad->id.max_frame - OPNIC_ETH_OVERHEAD);
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (ad->id.caps & OPNIC_CAP_RSS) {	/* CAPS bit 0, spec 3.1 */
		info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_RSS_HASH;
		info->hash_key_size = OPNIC_RSS_KEY_LEN;
		info->reta_size = (uint16_t)ad->id.reta_size;
		info->flow_type_rss_offloads = OPNIC_RSS_HF;
	}
	info->rx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = OPNIC_MAX_RING, .nb_min = OPNIC_MIN_RING, .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = 1024;
	info->default_txportconf.ring_size = 1024;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxconf.rx_free_thresh = 32;
	/* 0: the PMD's default, freeing done TX buffers on every burst. */
	info->default_txconf.tx_free_thresh = 0;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	info->dev_capa = 0;
	return 0;
}

/* Receive modes (spec 3.2). ethdev records the new mode in dev->data once
 * the op succeeds, so each op writes the mode it is asked for. */
static int
opnic_set_rxmode(struct rte_eth_dev *dev, int promisc, int allmulti,
		 int disable)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct opnic_io *io = opnic_adapter_io(ad);

	if (io->removed)
		return -EIO;
	/* Without an RX filter (CAPS bit 2) the device takes every frame:
	 * a mode cannot be turned off. */
	if (!(ad->id.caps & OPNIC_CAP_RX_FILTER) && disable)
		return -ENOTSUP;
	opnic_hw_rxmode_set(io, promisc, allmulti);
	return 0;
}

#define OPNIC_RXMODE_OP(op, promisc, allmulti, disable)			\
static int								\
opnic_dev_ ## op(struct rte_eth_dev *dev)				\
{									\
	return opnic_set_rxmode(dev, promisc, allmulti, disable);	\
}
OPNIC_RXMODE_OP(promiscuous_enable, 1, dev->data->all_multicast, 0)
OPNIC_RXMODE_OP(promiscuous_disable, 0, dev->data->all_multicast, 1)
OPNIC_RXMODE_OP(allmulticast_enable, dev->data->promiscuous, 1, 0)
OPNIC_RXMODE_OP(allmulticast_disable, dev->data->promiscuous, 0, 1)

static int
opnic_dev_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct opnic_io *io = opnic_adapter_io(OPNIC_DEV_PRIVATE(dev));
	int ret = opnic_check_mtu_fits(dev, mtu);

	if (ret != 0)
		return ret;
	if (!io->removed)
		opnic_hw_mtu_set(io, mtu);
	return 0;
}

static int
opnic_dev_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *mac)
{
	struct opnic_io *io = opnic_adapter_io(OPNIC_DEV_PRIVATE(dev));

	if (io->removed)
		return -EIO;
	opnic_hw_mac_set(io, mac);
	return 0;
}

static int
opnic_dev_fw_version_get(struct rte_eth_dev *dev, char *fw, size_t len)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	int n;

	n = snprintf(fw, len, "%u.%u.%u", ad->id.fw_version >> 24,
		     (ad->id.fw_version >> 16) & 0xff, ad->id.fw_version & 0xffff);
	if (n < 0)
		return -EINVAL;
	return (size_t)n + 1 > len ? n + 1 : 0;
}

static int
opnic_dev_get_reg(struct rte_eth_dev *dev, struct rte_dev_reg_info *info)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	const struct opnic_io *io = opnic_adapter_io(ad);
	uint32_t words = opnic_hw_regs_words(io);

	if (info->data != NULL) {
		if (info->length != 0 && info->length != words)
			return -ENOTSUP;
		opnic_hw_regs_dump(io, info->data);
		info->version = ad->id.dev_version;
	}
	info->length = words;
	info->width = 4;
	return 0;
}

static const struct eth_dev_ops opnic_eth_dev_ops = {
	.dev_configure		= opnic_dev_configure,
	.dev_start		= opnic_dev_start,
	.dev_stop		= opnic_dev_stop,
	.dev_close		= opnic_dev_close,
	.dev_infos_get		= opnic_dev_infos_get,
	.link_update		= opnic_dev_link_update,
	.stats_get		= opnic_dev_stats_get,
	.stats_reset		= opnic_dev_stats_reset,
	.xstats_get		= opnic_dev_xstats_get,
	.xstats_get_names	= opnic_dev_xstats_get_names,
	.xstats_reset		= opnic_dev_stats_reset,
	.promiscuous_enable	= opnic_dev_promiscuous_enable,
	.promiscuous_disable	= opnic_dev_promiscuous_disable,
	.allmulticast_enable	= opnic_dev_allmulticast_enable,
	.allmulticast_disable	= opnic_dev_allmulticast_disable,
	.mtu_set		= opnic_dev_mtu_set,
	.mac_addr_set		= opnic_dev_mac_addr_set,
	.rx_queue_setup		= opnic_dev_rx_queue_setup,
	.tx_queue_setup		= opnic_dev_tx_queue_setup,
	.rx_queue_release	= opnic_dev_rx_queue_release,
	.tx_queue_release	= opnic_dev_tx_queue_release,
	.reta_update		= opnic_dev_reta_update,
	.reta_query		= opnic_dev_reta_query,
	.rss_hash_update	= opnic_dev_rss_hash_update,
	.rss_hash_conf_get	= opnic_dev_rss_hash_conf_get,
	.fw_version_get		= opnic_dev_fw_version_get,
	.get_reg		= opnic_dev_get_reg,
};

static int
opnic_intr_register(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (rte_intr_callback_register(opnic_hw_intr_handle(opnic_adapter_io(ad)),
				       opnic_intr_handler, dev) != 0)
		return -EIO;
	ad->intr_registered = 1;
	return 0;
}

/* The last probe step: the port, for a device found, reset and with its
 * vector 0 set up (opnic_pci.c). */
int
opnic_eth_dev_create(struct rte_pci_device *pci, const struct opnic_probe *p)
{
	struct rte_eth_dev *dev;
	struct opnic_adapter *ad;
	const char *name = pci->device.name;
	struct opnic_doorbell db;

	dev = rte_eth_dev_pci_allocate(pci, sizeof(struct opnic_adapter));
	if (dev == NULL)
		return -ENOMEM;
	ad = OPNIC_DEV_PRIVATE(dev);
	dev->data->mac_addrs = rte_zmalloc("opnic_mac", RTE_ETHER_ADDR_LEN, 0);
	if (dev->data->mac_addrs == NULL) {
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	rte_ether_addr_copy(&p->mac, &dev->data->mac_addrs[0]);
	ad->port_id = dev->data->port_id;
	ad->args = p->args;
	ad->id = p->id;
	opnic_io_local[ad->port_id] = p->io;
	dev->dev_ops = &opnic_eth_dev_ops;
	dev->rx_pkt_burst = opnic_recv_pkts;
	dev->tx_pkt_burst = opnic_xmit_pkts;
	if (p->intr && opnic_intr_register(dev) == 0)
		dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	else if (!ad->args.link_poll)
		PMD_DRV_LOG(WARNING, "%s: no MSI-X vector for link interrupts; "
			    "link state is polled", name);
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	opnic_hw_doorbell_get(p->io, 0, 0, &db);
	PMD_DRV_LOG(NOTICE, "%s: opnic %u.%u fw %u.%u.%u, %u queue pairs, "
		    "doorbells %s, suppression %s", name, p->id.dev_version >> 16,
		    p->id.dev_version & 0xffff, p->id.fw_version >> 24,
		    (p->id.fw_version >> 16) & 0xff, p->id.fw_version & 0xffff,
		    p->id.num_queues,
		    db.addr != NULL ? "mapped (MMIO store)" :
		    "region write (pwrite syscall)",
		    p->args.db_suppress ? "on" : "off");
	rte_eth_dev_probing_finish(dev);
	return 0;
}

/*
 * A secondary process attaches to a port the primary started: it maps the
 * BARs for itself (its own VFIO fd) to read device counters, and shares the
 * queues' software counters through dev_private. Stats and xstats work; the
 * datapath and control operations stay with the primary (the queues' doorbell
 * paths belong to the primary's mappings and fd).
 */
static uint16_t
opnic_burst_unsupported(void *q __rte_unused, struct rte_mbuf **pkts __rte_unused,
			uint16_t n __rte_unused)
{
	return 0;
}

int
opnic_eth_dev_attach(struct rte_eth_dev *dev, struct opnic_io *io)
{
	dev->dev_ops = &opnic_eth_dev_ops;
	dev->rx_pkt_burst = opnic_burst_unsupported;
	dev->tx_pkt_burst = opnic_burst_unsupported;
	opnic_io_local[dev->data->port_id] = io;
	PMD_DRV_LOG(NOTICE, "%s: secondary process attached (stats and xstats; "
		    "the datapath stays in the primary)", dev->data->name);
	rte_eth_dev_probing_finish(dev);
	return 0;
}

int
opnic_eth_dev_uninit(struct rte_eth_dev *dev)
{
	return opnic_dev_close(dev);
}
