/* SPDX-License-Identifier: BSD-3-Clause */

/* RSS (spec 3.6): Toeplitz key, a RETA of RSS.RETA_SIZE entries (128 in
 * this revision), IPv4/TCP/UDP hash types, only on a device whose CAPS
 * offers RSS and only when the application asked for it (rxmode.mq_mode).
 * The driver keeps key and RETA in dev_private and writes them at start. */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>

#include "opnic_ethdev.h"
#include "opnic_logs.h"

/* Microsoft's default Toeplitz key, as most PMDs use. */
static const uint8_t opnic_default_rss_key[OPNIC_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static int
opnic_rss_key_check(const uint8_t *key, uint8_t len)
{
	if (key != NULL && len != OPNIC_RSS_KEY_LEN) {
		PMD_DRV_LOG(ERR, "RSS key of %u bytes; opnic takes %u", len,
			    OPNIC_RSS_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}

/* At dev_configure: the key (or the default), the hash types, a RETA
 * spreading over the RX queues. */
int
opnic_rss_configure(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	struct rte_eth_conf *conf = &dev->data->dev_conf;
	const struct rte_eth_rss_conf *rss = &conf->rx_adv_conf.rss_conf;
	unsigned int i;

	if ((conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) &&
	    !(ad->id.caps & OPNIC_CAP_RSS)) {
		PMD_DRV_LOG(ERR, "RSS asked (rxmode.mq_mode %d); the device does "
			    "not offer it (CAPS 0x%x, RETA_SIZE %u)",
			    conf->rxmode.mq_mode, ad->id.caps, ad->id.reta_size);
		return -ENOTSUP;
	}
	if (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	if (opnic_rss_key_check(rss->rss_key, rss->rss_key_len) != 0)
		return -EINVAL;
	memcpy(ad->rss_key, rss->rss_key != NULL ? rss->rss_key :
	       opnic_default_rss_key, OPNIC_RSS_KEY_LEN);
	ad->rss_hf = rss->rss_hf & OPNIC_RSS_HF;
	memset(ad->reta, 0, sizeof(ad->reta));
	for (i = 0; i < ad->id.reta_size; i++)
		ad->reta[i] = (uint8_t)(dev->data->nb_rx_queues ?
					i % dev->data->nb_rx_queues : 0);
	return 0;
}

/* RSS is on only when the device offers it and the application asked for
 * it (rxmode.mq_mode), over more than one queue, with hash types left. */
static int
opnic_rss_wanted(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	return (ad->id.caps & OPNIC_CAP_RSS) &&
	       (dev->data->dev_conf.rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) &&
	       dev->data->nb_rx_queues > 1 && ad->rss_hf != 0;
}

/* At start and after an update of a started port. A device without RSS
 * has its block left alone. */
void
opnic_rss_apply(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (!(ad->id.caps & OPNIC_CAP_RSS))
		return;
	opnic_hw_rss_set(opnic_adapter_io(ad), ad->rss_key, ad->reta,
			 ad->id.reta_size, opnic_rss_wanted(dev));
}

static int
opnic_rss_check_offered(struct rte_eth_dev *dev)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (ad->id.caps & OPNIC_CAP_RSS)
		return 0;
	PMD_DRV_LOG(ERR, "port %u: the device does not offer RSS (CAPS 0x%x)",
		    dev->data->port_id, ad->id.caps);
	return -ENOTSUP;
}

/* Entry i of a RETA update or query, NULL if its mask bit is clear. */
static uint16_t *
reta_entry(struct rte_eth_rss_reta_entry64 *conf, unsigned int i)
{
	struct rte_eth_rss_reta_entry64 *e = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
	unsigned int b = i % RTE_ETH_RETA_GROUP_SIZE;

	return (e->mask & (1ull << b)) != 0 ? &e->reta[b] : NULL;
}

int
opnic_dev_reta_update(struct rte_eth_dev *dev,
		      struct rte_eth_rss_reta_entry64 *conf, uint16_t size)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	unsigned int i;
	uint16_t *e;

	if (opnic_rss_check_offered(dev) != 0)
		return -ENOTSUP;
	if (size != ad->id.reta_size) {
		PMD_DRV_LOG(ERR, "RETA size %u; the device has %u entries", size,
			    ad->id.reta_size);
		return -EINVAL;
	}
	for (i = 0; i < size; i++) {
		e = reta_entry(conf, i);
		if (e != NULL && *e >= dev->data->nb_rx_queues) {
			PMD_DRV_LOG(ERR, "RETA entry %u -> queue %u: only %u RX queues",
				    i, *e, dev->data->nb_rx_queues);
			return -EINVAL;
		}
	}
	for (i = 0; i < size; i++)
		if ((e = reta_entry(conf, i)) != NULL)
			ad->reta[i] = (uint8_t)*e;
	if (ad->started)
		opnic_rss_apply(dev);
	return 0;
}

int
opnic_dev_reta_query(struct rte_eth_dev *dev,
		     struct rte_eth_rss_reta_entry64 *conf, uint16_t size)
{
	const struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);
	const uint8_t *reta = ad->reta;
	uint16_t *e;
	unsigned int i;

	if (opnic_rss_check_offered(dev) != 0)
		return -ENOTSUP;
	if (size != ad->id.reta_size)
		return -EINVAL;
	for (i = 0; i < size; i++)
		if ((e = reta_entry(conf, i)) != NULL)
			*e = reta[i];
	return 0;
}

int
opnic_dev_rss_hash_update(struct rte_eth_dev *dev,
			  struct rte_eth_rss_conf *conf)
{
	struct opnic_adapter *ad = OPNIC_DEV_PRIVATE(dev);

	if (opnic_rss_check_offered(dev) != 0)
		return -ENOTSUP;
	if (opnic_rss_key_check(conf->rss_key, conf->rss_key_len) != 0)
		return -EINVAL;
	if (conf->rss_key != NULL)
		memcpy(ad->rss_key, conf->rss_key, OPNIC_RSS_KEY_LEN);
	ad->rss_hf = conf->rss_hf & OPNIC_RSS_HF;
	if (ad->started)
		opnic_rss_apply(dev);
	return 0;
}

int
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
