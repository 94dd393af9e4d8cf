/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * opnic-fwd: a tiny forwarding application with net_opnic linked in (no -d).
 * It forwards port 0 <-> port 1, seeds the wire with one burst per port,
 * prints every link-state event it receives from the PMD (MSI-X vector 0),
 * and at the end prints what it forwarded.
 *
 *   opnic-run -- build/app/opnic-fwd --in-memory -l 0,1 -- [--seconds N]
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "opnic_app_port.h"

#define BURST OPNIC_APP_BURST
#define RING 1024

static volatile int quit;
static volatile unsigned int link_events;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
on_lsc(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	struct rte_eth_link link;

	(void)type;
	(void)arg;
	(void)ret;
	if (rte_eth_link_get_nowait(port, &link) != 0)
		printf("link event: port %u, link state unreadable\n", port);
	else
		printf("link event: port %u %s %u Mb/s\n", port,
		       link.link_status ? "up" : "down", link.link_speed);
	fflush(stdout);
	link_events++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	uint64_t fwd[2] = { 0, 0 }, end;
	double seconds = 5;
	int ret, i;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "opnic-fwd: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			char *e;

			seconds = strtod(argv[++i], &e);
			if (*e != '\0' || seconds <= 0) {
				fprintf(stderr, "opnic-fwd: --seconds '%s': expected a positive number\n",
					argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: opnic-fwd [EAL options] -- [--seconds N]\n");
			return 2;
		}
	}
	if (rte_eth_dev_count_avail() != 2) {
		fprintf(stderr, "opnic-fwd: need exactly 2 ports, found %u\n",
			rte_eth_dev_count_avail());
		return 1;
	}
	mp = rte_pktmbuf_pool_create("opnic_fwd", 8191, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "opnic-fwd: cannot create the mbuf pool\n");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		struct rte_eth_dev_info info;
		char fw[32] = "";

		if (opnic_app_port_up((uint16_t)i, mp, RING, on_lsc) != 0) {
			fprintf(stderr, "opnic-fwd: cannot start port %d\n", i);
			return 1;
		}
		/* A firmware string longer than fw is cut (> 0 returned). */
		ret = rte_eth_dev_fw_version_get((uint16_t)i, fw, sizeof(fw));
		if (ret < 0)
			snprintf(fw, sizeof(fw), "unknown (%s)", strerror(-ret));
		ret = rte_eth_dev_info_get((uint16_t)i, &info);
		if (ret != 0) {
			fprintf(stderr, "opnic-fwd: port %d: no device info: %s\n",
				i, strerror(-ret));
			return 1;
		}
		printf("port %d: %s firmware %s\n", i, info.driver_name, fw);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	opnic_app_seed(0, mp, 1);
	opnic_app_seed(1, mp, 1);
	end = rte_get_timer_cycles() + (uint64_t)(seconds * rte_get_timer_hz());
	while (!quit && rte_get_timer_cycles() < end) {
		for (i = 0; i < 2; i++) {
			struct rte_mbuf *m[BURST];
			uint16_t n = rte_eth_rx_burst((uint16_t)i, 0, m, BURST), s;

			if (n == 0)
				continue;
			s = rte_eth_tx_burst((uint16_t)(i ^ 1), 0, m, n);
			fwd[i] += s;
			if (s < n)
				rte_pktmbuf_free_bulk(&m[s], n - s);
		}
	}
	printf("forwarded: port 0 -> 1: %lu, port 1 -> 0: %lu, link events: %u\n",
	       (unsigned long)fwd[0], (unsigned long)fwd[1], link_events);
	for (i = 0; i < 2; i++) {
		rte_eth_dev_stop((uint16_t)i);
		rte_eth_dev_close((uint16_t)i);
	}
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
