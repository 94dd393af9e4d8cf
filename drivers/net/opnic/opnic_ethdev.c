/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * net_opnic: ethdev ops, PCI probe/remove, devargs, stats and xstats, and the
 * link-state interrupt on MSI-X vector 0 (the only interrupt; queues are
 * polled).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_alarm.h>
#include <rte_interrupts.h>
#include <rte_bus_pci.h>
#include <ethdev_driver.h>
#include <ethdev_pci.h>
#include <bus_pci_driver.h>

#include "opnic_ethdev.h"
#include "opnic_logs.h"

RTE_LOG_REGISTER_SUFFIX(opnic_logtype_driver, driver, NOTICE);

struct opnic_hw opnic_hw_local[RTE_MAX_ETHPORTS];

/* Devargs (doc/guides/nics/opnic.md "Runtime configuration"). */
#define OPNIC_DEVARG_REGS "regs"		/* auto | rw */
#define OPNIC_DEVARG_DB_SUPPRESS "db_suppress"	/* 0 | 1 */
#define OPNIC_DEVARG_LSC "lsc"			/* intr | poll */

static const char * const opnic_valid_args[] = {
	OPNIC_DEVARG_REGS,
	OPNIC_DEVARG_DB_SUPPRESS,
	OPNIC_DEVARG_LSC,
	NULL,
};

/* Microsoft's default Toeplitz key, as most PMDs use. */
static const uint8_t opnic_default_rss_key[OPNIC_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define OPNIC_RSS_HF (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | \
		      RTE_ETH_RSS_NONFRAG_IPV4_UDP)

static int
parse_regs(const char *key, const char *value, void *arg)
{
	struct opnic_devargs *a = arg;

	if (strcmp(value, "auto") == 0) {
		a->regs_rw = 0;
	} else if (strcmp(value, "rw") == 0) {
		a->regs_rw = 1;
	} else {
		PMD_DRV_LOG(ERR, "devarg %s='%s': accepted 'auto' or 'rw'", key,
			    value);
		return -EINVAL;
	}
	return 0;
}

static int
parse_bool(const char *key, const char *value, void *arg)
{
	int *v = arg;

	if (strcmp(value, "0") == 0) {
		*v = 0;
	} else if (strcmp(value, "1") == 0) {
		*v = 1;
	} else {
		PMD_DRV_LOG(ERR, "devarg %s='%s': accepted '0' or '1'", key, value);
		return -EINVAL;
	}
	return 0;
}

static int
parse_lsc(const char *key, const char *value, void *arg)
{
	struct opnic_devargs *a = arg;

	if (strcmp(value, "intr") == 0) {
		a->link_poll = 0;
	} else if (strcmp(value, "poll") == 0) {
		a->link_poll = 1;
	} else {
		PMD_DRV_LOG(ERR, "devarg %s='%s': accepted 'intr' or 'poll'", key,
			    value);
		return -EINVAL;
	}
	return 0;
}

static int
opnic_parse_devargs(struct rte_devargs *devargs, struct opnic_devargs *a)
{
	struct rte_kvargs *kv;
	int ret = 0;

	a->regs_rw = 0;
	a->db_suppress = 1;
	a->link_poll = 0;
	if (devargs == NULL || devargs->args == NULL || devargs->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(devargs->args, opnic_valid_args);
	if (kv == NULL) {
		PMD_DRV_LOG(ERR, "cannot parse devargs '%s' (known keys: %s, %s, %s)",
			    devargs->args, OPNIC_DEVARG_REGS,
			    OPNIC_DEVARG_DB_SUPPRESS, OPNIC_DEVARG_LSC);
		return -EINVAL;
	}
	if (rte_kvargs_process(kv, OPNIC_DEVARG_REGS, parse_regs, a) != 0 ||
	    rte_kvargs_process(kv, OPNIC_DEVARG_DB_SUPPRESS, parse_bool,
			       &a->db_suppress) != 0 ||
	    rte_kvargs_process(kv, OPNIC_DEVARG_LSC, parse_lsc, a) != 0)
		ret = -EINVAL;
	rte_kvargs_free(kv);
	return ret;
}

static int
opnic_dev_link_update(struct rte_eth_dev *dev, int wait)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct rte_eth_link link;
	uint32_t st, speed;

	(void)wait;
	memset(&link, 0, sizeof(link));
	link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	link.link_autoneg = RTE_ETH_LINK_FIXED;
	if (!opnic_hw_removed(ad)) {
		st = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_LINK], OPNIC_LINK_STATUS);
		speed = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_LINK], OPNIC_LINK_SPEED);
		if (st != 0xffffffff && (st & OPNIC_LINK_UP) && ad->started) {
			link.link_status = RTE_ETH_LINK_UP;
			link.link_speed = speed;
		}
	}
	return rte_eth_linkstatus_set(dev, &link);
}

/* MSI-X vector 0: read and clear the cause, report the link change. */
static void
opnic_intr_handler(void *arg)
{
	struct rte_eth_dev *dev = arg;
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	uint32_t cause;

	if (ad->own_intr != NULL) {
		uint64_t cnt;

		if (read(rte_intr_fd_get(ad->own_intr), &cnt, sizeof(cnt)) < 0)
			return;
	}
	ad->lsc_interrupts++;
	if (opnic_hw_removed(ad)) {
		opnic_dev_link_update(dev, 0);
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
		return;
	}
	cause = vbar_read32(&opnic_hw(ad)->blk[OPNIC_BLK_LINK], OPNIC_LINK_CAUSE);
	if (cause == 0)
		return;
	vbar_write32(&opnic_hw(ad)->blk[OPNIC_BLK_LINK], OPNIC_LINK_CAUSE_CLR, cause);
	if (cause & OPNIC_CAUSE_LSC) {
		opnic_dev_link_update(dev, 0);
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
	}
}

/* Self-mapped devices have no interrupt handle from the bus: program MSI-X
 * vector 0 with an eventfd of our own. */
static int
own_intr_set(struct opnic_adapter *ad, int enable)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *is = (struct vfio_irq_set *)buf;
	int32_t fd = rte_intr_fd_get(ad->own_intr);

	memset(buf, 0, sizeof(buf));
	is->argsz = sizeof(buf);
	is->index = VFIO_PCI_MSIX_IRQ_INDEX;
	is->start = 0;
	if (enable) {
		is->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->count = 1;
		memcpy(is->data, &fd, sizeof(fd));
	} else {
		is->argsz = sizeof(*is);
		is->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->count = 0;
	}
	return ioctl(opnic_hw(ad)->vb.fd, VFIO_DEVICE_SET_IRQS, is);
}

static struct rte_intr_handle *
intr_handle(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	return ad->own_intr != NULL ? ad->own_intr :
	       RTE_ETH_DEV_TO_PCI(dev)->intr_handle;
}

static int
opnic_intr_setup(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct rte_pci_device *pci = RTE_ETH_DEV_TO_PCI(dev);

	if (opnic_hw(ad)->vb.self_mapped) {
		int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

		ad->own_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
		if (ad->own_intr == NULL || efd < 0 ||
		    rte_intr_fd_set(ad->own_intr, efd) != 0 ||
		    rte_intr_type_set(ad->own_intr, RTE_INTR_HANDLE_EXT) != 0) {
			if (efd >= 0)
				close(efd);
			rte_intr_instance_free(ad->own_intr);
			ad->own_intr = NULL;
			return -ENOMEM;
		}
	} else if (rte_intr_type_get(pci->intr_handle) != RTE_INTR_HANDLE_VFIO_MSIX) {
		return -ENOTSUP;
	}
	if (rte_intr_callback_register(intr_handle(dev), opnic_intr_handler,
				       dev) != 0)
		return -EIO;
	ad->intr_registered = 1;
	return 0;
}

static void
opnic_intr_teardown(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (ad->intr_registered) {
		int tries = 0;

		while (rte_intr_callback_unregister(intr_handle(dev),
						    opnic_intr_handler, dev) == -EAGAIN &&
		       tries++ < 1000)
			rte_delay_ms(1);
		ad->intr_registered = 0;
	}
	if (ad->own_intr != NULL) {
		close(rte_intr_fd_get(ad->own_intr));
		rte_intr_instance_free(ad->own_intr);
		ad->own_intr = NULL;
	}
}

static int
opnic_intr_enable(struct rte_eth_dev *dev, int on)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	int ret;

	if (!ad->intr_registered)
		return -ENOTSUP;
	if (ad->own_intr != NULL)
		ret = own_intr_set(ad, on);
	else
		ret = on ? rte_intr_enable(intr_handle(dev)) :
			   rte_intr_disable(intr_handle(dev));
	if (!opnic_hw(ad)->removed)
		vbar_write32(&opnic_hw(ad)->blk[OPNIC_BLK_LINK], OPNIC_LINK_INTR_EN,
			     on && ret == 0 ? 1 : 0);
	return ret;
}

static int
opnic_dev_configure(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct rte_eth_conf *conf = &dev->data->dev_conf;
	unsigned int i;

	if (dev->data->nb_rx_queues > ad->num_queues ||
	    dev->data->nb_tx_queues > ad->num_queues) {
		PMD_DRV_LOG(ERR, "%u RX / %u TX queues asked, the device has %u",
			    dev->data->nb_rx_queues, dev->data->nb_tx_queues,
			    ad->num_queues);
		return -EINVAL;
	}
	if (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	if (conf->rx_adv_conf.rss_conf.rss_key != NULL &&
	    conf->rx_adv_conf.rss_conf.rss_key_len != OPNIC_RSS_KEY_LEN) {
		PMD_DRV_LOG(ERR, "RSS key of %u bytes; opnic takes %u",
			    conf->rx_adv_conf.rss_conf.rss_key_len,
			    OPNIC_RSS_KEY_LEN);
		return -EINVAL;
	}
	if (conf->rx_adv_conf.rss_conf.rss_key != NULL)
		memcpy(ad->rss_key, conf->rx_adv_conf.rss_conf.rss_key,
		       OPNIC_RSS_KEY_LEN);
	else
		memcpy(ad->rss_key, opnic_default_rss_key, OPNIC_RSS_KEY_LEN);
	ad->rss_hf = conf->rx_adv_conf.rss_conf.rss_hf & OPNIC_RSS_HF;
	for (i = 0; i < OPNIC_RSS_RETA_SIZE; i++)
		ad->reta[i] = (uint8_t)(dev->data->nb_rx_queues ?
					i % dev->data->nb_rx_queues : 0);
	return 0;
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

static int opnic_dev_stop(struct rte_eth_dev *dev);

#define OPNIC_WATCHDOG_US 100000

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
	if (!opnic_hw_removed(ad)) {
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
	opnic_dev_link_update(dev, 0);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RMV, NULL);
}

static int
opnic_dev_start(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct rte_eth_conf *conf = &dev->data->dev_conf;
	unsigned int i;
	int ret;

	if (opnic_hw_removed(ad))
		return -EIO;
	ret = opnic_check_mtu_fits(dev, dev->data->mtu);
	if (ret != 0)
		return ret;
	vbar_write32(&opnic_hw(ad)->blk[OPNIC_BLK_MAC], OPNIC_MAC_MTU, dev->data->mtu);
	opnic_hw_write_mac(ad, &dev->data->mac_addrs[0]);
	opnic_hw_rss_write(ad, (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) &&
			       dev->data->nb_rx_queues > 1 && ad->rss_hf != 0);
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		ret = opnic_rxq_start(dev, dev->data->rx_queues[i]);
		if (ret != 0)
			goto fail;
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		ret = opnic_txq_start(dev, dev->data->tx_queues[i]);
		if (ret != 0)
			goto fail;
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
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
fail:
	opnic_dev_stop(dev);
	return ret;
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

		if (q != NULL && q->running)
			opnic_txq_stop(dev, q);
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct opnic_rxq *q = dev->data->rx_queues[i];

		if (q != NULL && q->running)
			opnic_rxq_stop(dev, q);
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	ad->started = 0;
	opnic_dev_link_update(dev, 0);
	return 0;
}

static int
opnic_dev_close(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		vbar_close(&opnic_hw(ad)->vb);
		return 0;
	}
	if (ad->started)
		opnic_dev_stop(dev);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		opnic_dev_rx_queue_release(dev, (uint16_t)i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		opnic_dev_tx_queue_release(dev, (uint16_t)i);
	opnic_intr_teardown(dev);
	if (!opnic_hw(ad)->removed)
		opnic_hw_reset(ad);
	vbar_close(&opnic_hw(ad)->vb);
	return 0;
}

static int
opnic_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	info->max_rx_queues = (uint16_t)ad->num_queues;
	info->max_tx_queues = (uint16_t)ad->num_queues;
	info->max_mac_addrs = 1;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->max_rx_pktlen = ad->max_frame;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = (uint16_t)(ad->max_frame - OPNIC_ETH_OVERHEAD);
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_RSS_HASH;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->hash_key_size = OPNIC_RSS_KEY_LEN;
	info->reta_size = OPNIC_RSS_RETA_SIZE;
	info->flow_type_rss_offloads = OPNIC_RSS_HF;
	info->rx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = OPNIC_MAX_RING, .nb_min = OPNIC_MIN_RING, .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = 1024;
	info->default_txportconf.ring_size = 1024;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxconf.rx_free_thresh = 32;
	info->default_txconf.tx_free_thresh = 32;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	info->dev_capa = 0;
	return 0;
}

static int
opnic_dev_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *s)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct opnic_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		s->ipackets += q->st.packets;
		s->ibytes += q->st.bytes;
		s->ierrors += q->st.bad_cpl + q->st.cpl_errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			s->q_ipackets[i] = q->st.packets;
			s->q_ibytes[i] = q->st.bytes;
			s->q_errors[i] = q->st.bad_cpl + q->st.cpl_errors;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct opnic_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		s->opackets += q->st.packets;
		s->obytes += q->st.bytes;
		s->oerrors += q->st.bad_cpl + q->st.cpl_errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			s->q_opackets[i] = q->st.packets;
			s->q_obytes[i] = q->st.bytes;
		}
	}
	s->imissed = opnic_hw_stat(ad, OPNIC_ST_RX_NO_DESC) -
		     ad->dev_base[OPNIC_ST_RX_NO_DESC / 8];
	s->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}

static int
opnic_dev_stats_reset(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if (dev->data->rx_queues[i] != NULL)
			memset(&((struct opnic_rxq *)dev->data->rx_queues[i])->st,
			       0, sizeof(struct opnic_qstats));
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		if (dev->data->tx_queues[i] != NULL)
			memset(&((struct opnic_txq *)dev->data->tx_queues[i])->st,
			       0, sizeof(struct opnic_qstats));
	for (i = 0; i < OPNIC_ST_NPORT; i++)
		ad->dev_base[i] = opnic_hw_stat(ad, i * 8);
	ad->lsc_interrupts = 0;
	dev->data->rx_mbuf_alloc_failed = 0;
	return 0;
}

/* xstats: device counters, then per-queue driver counters. */
struct opnic_xstat_dev {
	const char *name;
	uint32_t off;
};

static const struct opnic_xstat_dev opnic_dev_xstats[] = {
	{ "rx_dev_no_descriptor_drops", OPNIC_ST_RX_NO_DESC },
	{ "rx_dev_filtered", OPNIC_ST_RX_FILTERED },
	{ "dev_dma_errors", OPNIC_ST_DMA_ERRORS },
	{ "dev_descriptor_errors", OPNIC_ST_DESC_ERRORS },
	{ "rx_dev_too_long", OPNIC_ST_RX_TOO_LONG },
	{ "dev_link_down_drops", OPNIC_ST_LINK_DROPS },
};

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

static unsigned int
opnic_xstats_count(struct rte_eth_dev *dev)
{
	return (unsigned int)(N_DEV_X + 2 + N_Q_X * (dev->data->nb_rx_queues +
						   dev->data->nb_tx_queues));
}

static int
opnic_dev_xstats_get_names(struct rte_eth_dev *dev,
			   struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int n = opnic_xstats_count(dev), k = 0, i, j;

	if (names == NULL || size < n)
		return (int)n;
	for (i = 0; i < N_DEV_X; i++)
		strlcpy(names[k++].name, opnic_dev_xstats[i].name,
			sizeof(names[0].name));
	strlcpy(names[k++].name, "lsc_interrupts", sizeof(names[0].name));
	strlcpy(names[k++].name, "device_removals", sizeof(names[0].name));
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		for (j = 0; j < N_Q_X; j++)
			snprintf(names[k++].name, sizeof(names[0].name),
				 "rx_q%u_%s", i, opnic_q_xstats[j].name);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		for (j = 0; j < N_Q_X; j++)
			snprintf(names[k++].name, sizeof(names[0].name),
				 "tx_q%u_%s", i, opnic_q_xstats[j].name);
	return (int)n;
}

static int
opnic_dev_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		     unsigned int size)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int n = opnic_xstats_count(dev), k = 0, i, j;

	if (xs == NULL || size < n)
		return (int)n;
	for (i = 0; i < N_DEV_X; i++, k++) {
		uint32_t off = opnic_dev_xstats[i].off;

		uint64_t v = opnic_hw_stat(ad, off);

		xs[k].id = k;
		/* A removed device has no counters left to read. */
		xs[k].value = v >= ad->dev_base[off / 8] ?
			      v - ad->dev_base[off / 8] : 0;
	}
	xs[k].id = k;
	xs[k++].value = ad->lsc_interrupts;
	xs[k].id = k;
	xs[k++].value = ad->removals;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct opnic_rxq *q = dev->data->rx_queues[i];

		for (j = 0; j < N_Q_X; j++, k++) {
			xs[k].id = k;
			xs[k].value = q == NULL ? 0 : *(const uint64_t *)
				((const char *)&q->st + opnic_q_xstats[j].off);
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct opnic_txq *q = dev->data->tx_queues[i];

		for (j = 0; j < N_Q_X; j++, k++) {
			xs[k].id = k;
			xs[k].value = q == NULL ? 0 : *(const uint64_t *)
				((const char *)&q->st + opnic_q_xstats[j].off);
		}
	}
	return (int)n;
}

static int
opnic_set_rxmode(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	uint32_t mode = 0;

	if (opnic_hw(ad)->removed)
		return -EIO;
	if (dev->data->promiscuous)
		mode |= OPNIC_RXMODE_PROMISC;
	if (dev->data->all_multicast)
		mode |= OPNIC_RXMODE_ALLMULTI;
	vbar_write32(&opnic_hw(ad)->blk[OPNIC_BLK_MAC], OPNIC_MAC_RXMODE, mode);
	return 0;
}

static int
opnic_dev_promiscuous_enable(struct rte_eth_dev *dev)
{
	dev->data->promiscuous = 1;
	return opnic_set_rxmode(dev);
}

static int
opnic_dev_promiscuous_disable(struct rte_eth_dev *dev)
{
	dev->data->promiscuous = 0;
	return opnic_set_rxmode(dev);
}

static int
opnic_dev_allmulticast_enable(struct rte_eth_dev *dev)
{
	dev->data->all_multicast = 1;
	return opnic_set_rxmode(dev);
}

static int
opnic_dev_allmulticast_disable(struct rte_eth_dev *dev)
{
	dev->data->all_multicast = 0;
	return opnic_set_rxmode(dev);
}

static int
opnic_dev_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	int ret = opnic_check_mtu_fits(dev, mtu);

	if (ret != 0)
		return ret;
	if (!opnic_hw(ad)->removed)
		vbar_write32(&opnic_hw(ad)->blk[OPNIC_BLK_MAC], OPNIC_MAC_MTU, mtu);
	return 0;
}

static int
opnic_dev_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *mac)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (opnic_hw(ad)->removed)
		return -EIO;
	opnic_hw_write_mac(ad, mac);
	return 0;
}

static int
opnic_dev_reta_update(struct rte_eth_dev *dev,
		      struct rte_eth_rss_reta_entry64 *conf, uint16_t size)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;

	if (size != OPNIC_RSS_RETA_SIZE) {
		PMD_DRV_LOG(ERR, "RETA size %u; opnic has %u entries", size,
			    OPNIC_RSS_RETA_SIZE);
		return -EINVAL;
	}
	for (i = 0; i < size; i++) {
		const struct rte_eth_rss_reta_entry64 *e =
			&conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int b = i % RTE_ETH_RETA_GROUP_SIZE;

		if (!(e->mask & (1ull << b)))
			continue;
		if (e->reta[b] >= dev->data->nb_rx_queues) {
			PMD_DRV_LOG(ERR, "RETA entry %u -> queue %u: only %u RX queues",
				    i, e->reta[b], dev->data->nb_rx_queues);
			return -EINVAL;
		}
	}
	for (i = 0; i < size; i++) {
		const struct rte_eth_rss_reta_entry64 *e =
			&conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int b = i % RTE_ETH_RETA_GROUP_SIZE;

		if (e->mask & (1ull << b))
			ad->reta[i] = (uint8_t)e->reta[b];
	}
	if (ad->started)
		opnic_hw_rss_write(ad, ad->rss_hf != 0);
	return 0;
}

static int
opnic_dev_reta_query(struct rte_eth_dev *dev,
		     struct rte_eth_rss_reta_entry64 *conf, uint16_t size)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;

	if (size != OPNIC_RSS_RETA_SIZE)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		struct rte_eth_rss_reta_entry64 *e =
			&conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int b = i % RTE_ETH_RETA_GROUP_SIZE;

		if (e->mask & (1ull << b))
			e->reta[b] = ad->reta[i];
	}
	return 0;
}

static int
opnic_dev_rss_hash_update(struct rte_eth_dev *dev,
			  struct rte_eth_rss_conf *conf)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (conf->rss_key != NULL) {
		if (conf->rss_key_len != OPNIC_RSS_KEY_LEN) {
			PMD_DRV_LOG(ERR, "RSS key of %u bytes; opnic takes %u",
				    conf->rss_key_len, OPNIC_RSS_KEY_LEN);
			return -EINVAL;
		}
		memcpy(ad->rss_key, conf->rss_key, OPNIC_RSS_KEY_LEN);
	}
	ad->rss_hf = conf->rss_hf & OPNIC_RSS_HF;
	if (ad->started)
		opnic_hw_rss_write(ad, ad->rss_hf != 0 &&
				       dev->data->nb_rx_queues > 1);
	return 0;
}

static int
opnic_dev_rss_hash_conf_get(struct rte_eth_dev *dev,
			    struct rte_eth_rss_conf *conf)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (conf->rss_key != NULL) {
		if (conf->rss_key_len < OPNIC_RSS_KEY_LEN)
			return -EINVAL;
		memcpy(conf->rss_key, ad->rss_key, OPNIC_RSS_KEY_LEN);
	}
	conf->rss_key_len = OPNIC_RSS_KEY_LEN;
	conf->rss_hf = ad->rss_hf;
	return 0;
}

static int
opnic_dev_fw_version_get(struct rte_eth_dev *dev, char *fw, size_t len)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	int n;

	n = snprintf(fw, len, "%u.%u.%u", ad->fw_version >> 24,
		     (ad->fw_version >> 16) & 0xff, ad->fw_version & 0xffff);
	if (n < 0)
		return -EINVAL;
	return (size_t)n + 1 > len ? n + 1 : 0;
}

/* Register dump of BAR0's register blocks (the MSI-X table and PBA are not
 * read: region reads of the table return all ones anyway). */
static int
opnic_dev_get_reg(struct rte_eth_dev *dev, struct rte_dev_reg_info *info)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	uint32_t words = (uint32_t)(opnic_hw(ad)->vb.bar[0].size / 4), i, t;
	uint32_t *out = info->data;

	if (out == NULL) {
		info->length = words;
		info->width = 4;
		return 0;
	}
	if (info->length != 0 && info->length != words)
		return -ENOTSUP;
	memset(out, 0, (size_t)words * 4);
	for (t = 0; t < OPNIC_BLK_NTYPES; t++) {
		if (!opnic_hw(ad)->have_blk[t] || opnic_hw(ad)->removed)
			continue;
		for (i = 0; i < opnic_hw(ad)->blk[t].size; i += 4)
			out[(opnic_hw(ad)->blk[t].off + i) / 4] = vbar_read32(&opnic_hw(ad)->blk[t], i);
	}
	info->length = words;
	info->width = 4;
	info->version = ad->dev_version;
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

/*
 * A secondary process attaches to a port the primary started: it maps the
 * BARs for itself (its own VFIO fd) to read device counters, and shares the
 * queues' software counters through dev_private. Stats and xstats work; the
 * datapath and control operations stay with the primary (the queues' doorbell
 * paths belong to the primary's mappings and fd).
 */
static uint16_t
opnic_burst_unsupported(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	(void)q;
	(void)pkts;
	(void)n;
	return 0;
}

static int
opnic_dev_init_secondary(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct rte_pci_device *pci = RTE_ETH_DEV_TO_PCI(dev);
	int ret;

	dev->rx_pkt_burst = opnic_burst_unsupported;
	dev->tx_pkt_burst = opnic_burst_unsupported;
	memset(opnic_hw(ad), 0, sizeof(struct opnic_hw));
	ret = vbar_open(&opnic_hw(ad)->vb, pci, ad->args.regs_rw ? VBAR_MODE_RW :
			VBAR_MODE_AUTO);
	if (ret != 0)
		return ret;
	ret = opnic_hw_discover(ad, dev->data->name);
	if (ret != 0) {
		vbar_close(&opnic_hw(ad)->vb);
		return ret;
	}
	PMD_DRV_LOG(NOTICE, "%s: secondary process attached (stats and xstats; "
		    "the datapath stays in the primary)", dev->data->name);
	return 0;
}

static int
opnic_dev_init(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct rte_pci_device *pci = RTE_ETH_DEV_TO_PCI(dev);
	const char *name = dev->data->name;
	int ret;

	dev->dev_ops = &opnic_eth_dev_ops;
	dev->rx_pkt_burst = opnic_recv_pkts;
	dev->tx_pkt_burst = opnic_xmit_pkts;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return opnic_dev_init_secondary(dev);
	ad->port_id = dev->data->port_id;
	memset(opnic_hw(ad), 0, sizeof(struct opnic_hw));
	ret = opnic_parse_devargs(pci->device.devargs, &ad->args);
	if (ret != 0)
		return ret;
	ret = vbar_open(&opnic_hw(ad)->vb, pci, ad->args.regs_rw ? VBAR_MODE_RW :
			VBAR_MODE_AUTO);
	if (ret != 0)
		return ret;
	ret = opnic_hw_discover(ad, name);
	if (ret == 0)
		ret = opnic_hw_reset(ad);
	if (ret != 0)
		goto fail;
	dev->data->mac_addrs = rte_zmalloc("opnic_mac", RTE_ETHER_ADDR_LEN, 0);
	if (dev->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	opnic_hw_read_mac(ad, &dev->data->mac_addrs[0]);
	if (!ad->args.link_poll && opnic_intr_setup(dev) == 0)
		dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	else if (!ad->args.link_poll)
		PMD_DRV_LOG(WARNING, "%s: no MSI-X vector for link interrupts; "
			    "link state is polled", name);
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	PMD_DRV_LOG(NOTICE, "%s: opnic %u.%u fw %u.%u.%u, %u queue pairs, "
		    "doorbells %s, suppression %s", name, ad->dev_version >> 16,
		    ad->dev_version & 0xffff, ad->fw_version >> 24,
		    (ad->fw_version >> 16) & 0xff, ad->fw_version & 0xffff,
		    ad->num_queues,
		    opnic_hw(ad)->blk[OPNIC_BLK_TXDB].addr ? "mapped (MMIO store)" :
		    "region write (pwrite syscall)",
		    ad->args.db_suppress ? "on" : "off");
	return 0;
fail:
	rte_free(dev->data->mac_addrs);
	dev->data->mac_addrs = NULL;
	vbar_close(&opnic_hw(ad)->vb);
	return ret;
}

static int
opnic_dev_uninit(struct rte_eth_dev *dev)
{
	return opnic_dev_close(dev);
}

static int
opnic_pci_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	(void)drv;
	return rte_eth_dev_pci_generic_probe(pci, sizeof(struct opnic_adapter),
					     opnic_dev_init);
}

static int
opnic_pci_remove(struct rte_pci_device *pci)
{
	return rte_eth_dev_pci_generic_remove(pci, opnic_dev_uninit);
}

static const struct rte_pci_id opnic_pci_ids[] = {
	{ RTE_PCI_DEVICE(OPNIC_PCI_VENDOR_ID, OPNIC_PCI_DEVICE_ID) },
	{ .vendor_id = 0 },
};

/*
 * No RTE_PCI_DRV_NEED_MAPPING: with it, DPDK 22.11's bus gives up on a BAR it
 * cannot map around the MSI-X table (64 KiB pages) and never calls probe.
 * vfio_bar maps through the bus when it can and by itself when it cannot.
 */
static struct rte_pci_driver opnic_pmd = {
	.id_table = opnic_pci_ids,
	.drv_flags = RTE_PCI_DRV_INTR_LSC,
	.probe = opnic_pci_probe,
	.remove = opnic_pci_remove,
};

RTE_PMD_REGISTER_PCI(net_opnic, opnic_pmd);
RTE_PMD_REGISTER_PCI_TABLE(net_opnic, opnic_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_opnic, "* vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(net_opnic,
			      OPNIC_DEVARG_REGS "=auto|rw "
			      OPNIC_DEVARG_DB_SUPPRESS "=0|1 "
			      OPNIC_DEVARG_LSC "=intr|poll");
