/* SPDX-License-Identifier: BSD-3-Clause */

/* Port bring-up and wire seeding shared by the apps that link net_opnic. */

#ifndef _OPNIC_APP_PORT_H_
#define _OPNIC_APP_PORT_H_

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define OPNIC_APP_BURST 32

/* One RX and one TX queue of nb_desc, LSC interrupts on, started,
 * promiscuous. Returns 0 or a negative errno from ethdev. */
int opnic_app_port_up(uint16_t port, struct rte_mempool *mp, uint16_t nb_desc,
		      rte_eth_dev_cb_fn lsc_cb);

/* Transmit bursts of 64-byte broadcast frames (ethertype 0x88b5) so that
 * forwarding has something to move. */
void opnic_app_seed(uint16_t port, struct rte_mempool *mp, unsigned int bursts);

#endif /* _OPNIC_APP_PORT_H_ */
