/* SPDX-License-Identifier: BSD-3-Clause */

#include <string.h>

#include "opnic_app_port.h"

int
opnic_app_port_up(uint16_t port, struct rte_mempool *mp, uint16_t nb_desc,
		  rte_eth_dev_cb_fn lsc_cb)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.lsc = 1;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, nb_desc,
					     rte_eth_dev_socket_id(port), NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, nb_desc,
					     rte_eth_dev_socket_id(port), NULL);
	if (ret == 0 && lsc_cb != NULL)
		ret = rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC,
						    lsc_cb, NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret == 0)
		ret = rte_eth_promiscuous_enable(port);
	return ret;
}

void
opnic_app_seed(uint16_t port, struct rte_mempool *mp, unsigned int bursts)
{
	struct rte_mbuf *m[OPNIC_APP_BURST];
	unsigned int b;
	uint16_t i, sent;

	for (b = 0; b < bursts; b++) {
		if (rte_pktmbuf_alloc_bulk(mp, m, OPNIC_APP_BURST) != 0)
			return;
		for (i = 0; i < OPNIC_APP_BURST; i++) {
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], 64);

			memset(p, 0, 64);
			memset(p, 0xff, 6);		/* broadcast */
			p[6] = 0x02;
			p[11] = (uint8_t)port;
			p[12] = 0x88;			/* local experimental ethertype */
			p[13] = 0xb5;
			p[14] = (uint8_t)i;
		}
		sent = rte_eth_tx_burst(port, 0, m, OPNIC_APP_BURST);
		if (sent < OPNIC_APP_BURST)
			rte_pktmbuf_free_bulk(&m[sent], OPNIC_APP_BURST - sent);
	}
}
