/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * opnic-stress: long-running robustness checks with net_opnic linked in
 * (built with AddressSanitizer/UBSan in build/asan, so every access the PMD
 * makes is checked). Two modes, both forwarding port 0 <-> port 1:
 *
 *   --bursts N   N receive bursts (over both ports) while the model injects
 *                faults (opnic-ctl fault DEV random PPM SEED); now and then
 *                one port's RX ring is left to run dry. Then stop and
 *                close: every mbuf must be back in the mempool. Prints the
 *                fault counters from xstats.
 *   --cycles N   N times: probe both devices, configure, start, forward,
 *                stop, close, remove. Checks that each cycle returns every
 *                mbuf and that DPDK heap bytes, memzones and open file
 *                descriptors do not grow from cycle to cycle.
 *   --unset-queue  configure port 0 with two RX and two TX queues, set up
 *                all but one, start: must fail (not crash); then set up
 *                the last one: start must work. Each queue left out once.
 *
 *   opnic-run -- build/asan/app/opnic-stress --in-memory -l 0,1 -- --bursts 1000000
 * Exit status 0 only when every check passed.
 */

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_pci.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "opnic_app_port.h"

#define BURST OPNIC_APP_BURST
#define RING 512
#define NB_MBUF 8191
#define SEED_BURSTS 12		/* 768 frames in flight: more than one ring */
#define RX_PAUSE_PERIOD 100000
#define RX_PAUSE_MS 3
#define RX_PAUSE_SEED 20		/* bursts sent towards the paused port */

static const char *const bdf[2] = { "0000:0b:00.0", "0000:0b:01.0" };
static int failures;

#define FAIL(...) do {						\
	printf("CHECK FAILED: " __VA_ARGS__);			\
	printf("\n");						\
	failures++;						\
} while (0)

/* Forward for this many RX bursts (over both ports); returns frames moved.
 * Frames lost to faults are replaced so the wire never runs dry. With
 * pauses, one port's RX is left alone for 3 ms every 100,000 bursts while
 * more frames than its ring holds are sent towards it. */
static uint64_t
forward(struct rte_mempool *mp, uint64_t bursts, int pauses)
{
	uint64_t b, moved = 0, idle = 0, pause_end = 0;
	uint16_t paused = 0;

	for (b = 0; b < bursts; b++) {
		uint16_t port = (uint16_t)(b & 1), n, s;
		struct rte_mbuf *m[BURST];

		/* Now and then leave one port's RX alone for a while: its ring
		 * runs dry, which is when a device can complete descriptors
		 * that were never posted (fault cpl-unposted). */
		if (pauses && b % RX_PAUSE_PERIOD == 0) {
			paused = (uint16_t)((b / RX_PAUSE_PERIOD) % 2);
			pause_end = rte_get_timer_cycles() +
				    rte_get_timer_hz() * RX_PAUSE_MS / 1000;
			/* More than the paused port's ring holds. */
			opnic_app_seed(paused ^ 1, mp, RX_PAUSE_SEED);
		}
		if (port == paused && rte_get_timer_cycles() < pause_end)
			continue;
		n = rte_eth_rx_burst(port, 0, m, BURST);
		if (n == 0) {
			if (++idle == 1000) {
				opnic_app_seed(port, mp, 1);
				idle = 0;
			}
			continue;
		}
		idle = 0;
		s = rte_eth_tx_burst(port ^ 1, 0, m, n);
		moved += s;
		if (s < n)
			rte_pktmbuf_free_bulk(&m[s], n - s);
	}
	return moved;
}

static uint64_t
xstat_sum(uint16_t port, const char *suffix)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	uint64_t sum = 0;
	int n, i;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n <= 0)
		return 0;
	names = calloc((size_t)n, sizeof(*names));
	xs = calloc((size_t)n, sizeof(*xs));
	if (names != NULL && xs != NULL &&
	    rte_eth_xstats_get_names(port, names, (unsigned int)n) == n &&
	    rte_eth_xstats_get(port, xs, (unsigned int)n) == n)
		for (i = 0; i < n; i++) {
			size_t l = strlen(names[i].name), sl = strlen(suffix);

			if (l >= sl && strcmp(names[i].name + l - sl, suffix) == 0)
				sum += xs[i].value;
		}
	free(names);
	free(xs);
	return sum;
}

static void
ports_down(void)
{
	uint16_t p;

	for (p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
}

static void
check_mempool(struct rte_mempool *mp, const char *when)
{
	unsigned int avail = rte_mempool_avail_count(mp);

	if (avail != mp->size)
		FAIL("%s: %u of %u mbufs in the mempool (%u lost)", when, avail,
		     mp->size, mp->size - avail);
}

static int
run_bursts(struct rte_mempool *mp, uint64_t bursts)
{
	uint64_t moved, bad = 0, err = 0, pkts = 0;
	uint16_t p;

	for (p = 0; p < 2; p++)
		if (opnic_app_port_up(p, mp, RING, NULL) != 0) {
			FAIL("cannot start port %u", p);
			return 1;
		}
	opnic_app_seed(0, mp, SEED_BURSTS);
	opnic_app_seed(1, mp, SEED_BURSTS);
	moved = forward(mp, bursts, 1);
	for (p = 0; p < 2; p++) {
		bad += xstat_sum(p, "_bad_cpl");
		err += xstat_sum(p, "_cpl_errors");
		pkts += xstat_sum(p, "rx_good_packets");
	}
	printf("bursts %" PRIu64 " forwarded %" PRIu64 " rx_packets %" PRIu64
	       " bad_cpl %" PRIu64 " cpl_errors %" PRIu64 "\n", bursts, moved,
	       pkts, bad, err);
	if (moved == 0)
		FAIL("nothing forwarded");
	ports_down();
	check_mempool(mp, "after stop and close");
	return 0;
}

static unsigned int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (d == NULL)
		return 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
memzone_count_cb(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	(*(unsigned int *)arg)++;
}

struct footprint {
	size_t heap;
	unsigned int memzones, fds;
};

static void
footprint(struct footprint *f)
{
	struct rte_malloc_socket_stats st;
	int s;

	f->heap = 0;
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			f->heap += st.heap_allocsz_bytes;
	f->memzones = 0;
	rte_memzone_walk(memzone_count_cb, &f->memzones);
	f->fds = count_fds();
}

static int
run_cycles(struct rte_mempool *mp, unsigned int cycles)
{
	struct footprint first = { 0 }, now;
	unsigned int c;
	uint64_t moved = 0;
	uint16_t p;

	for (c = 0; c < cycles && failures == 0; c++) {
		if (c > 0)
			for (p = 0; p < 2; p++)
				if (rte_dev_probe(bdf[p]) != 0) {
					FAIL("cycle %u: probe of %s failed", c, bdf[p]);
					return 1;
				}
		if (rte_eth_dev_count_avail() != 2) {
			FAIL("cycle %u: %u ports after probe", c,
			     rte_eth_dev_count_avail());
			return 1;
		}
		for (p = 0; p < 2; p++)
			if (opnic_app_port_up(p, mp, RING, NULL) != 0) {
				FAIL("cycle %u: cannot start port %u", c, p);
				return 1;
			}
		opnic_app_seed(0, mp, 1);
		opnic_app_seed(1, mp, 1);
		/* Under traffic: at least 1000 frames each cycle. */
		{
			uint64_t got = 0, tries = 0;

			while (got < 1000 && tries++ < 2000)
				got += forward(mp, 1000, 0);
			if (got < 1000)
				FAIL("cycle %u: only %" PRIu64 " frames forwarded", c, got);
			moved += got;
		}
		for (p = 0; p < 2; p++) {
			struct rte_eth_dev_info info;

			if (rte_eth_dev_info_get(p, &info) != 0 || info.device == NULL) {
				FAIL("cycle %u: port %u has no device", c, p);
				return 1;
			}
			rte_eth_dev_stop(p);
			rte_eth_dev_close(p);
			if (rte_dev_remove(info.device) != 0)
				FAIL("cycle %u: remove of %s failed", c, bdf[p]);
		}
		check_mempool(mp, "after close");
		/* The first cycle warms caches (log strings, interrupt
		 * thread, EAL tables): compare every later cycle with it. */
		if (c == 0) {
			footprint(&first);
			continue;
		}
		footprint(&now);
		if (now.heap > first.heap || now.memzones > first.memzones ||
		    now.fds > first.fds)
			FAIL("cycle %u: grew: heap %zu -> %zu bytes, memzones %u -> %u, "
			     "fds %u -> %u", c, first.heap, now.heap, first.memzones,
			     now.memzones, first.fds, now.fds);
	}
	footprint(&now);
	printf("cycles %u forwarded %" PRIu64 " heap_bytes %zu memzones %u fds %u\n",
	       c, moved, now.heap, now.memzones, now.fds);
	if (moved == 0)
		FAIL("nothing forwarded");
	return 0;
}

/* Configure port with two RX and two TX queues (queue 1 of a port used
 * before is released first by a one-queue configure; queue 0 is only
 * missing on a fresh port), set up all but one, start: must fail; set up
 * the last one: start must work. */
static void
unset_queue_once(uint16_t port, struct rte_mempool *mp, int skip_rx,
		 uint16_t skip_q)
{
	const char *what = skip_rx ? "RX" : "TX";
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	if (skip_q != 0 && rte_eth_dev_configure(port, 1, 1, &conf) != 0)
		FAIL("port %u: configure with 1+1 queues", port);
	ret = rte_eth_dev_configure(port, 2, 2, &conf);
	if (ret != 0) {
		FAIL("port %u: configure with 2+2 queues: %d", port, ret);
		return;
	}
	for (q = 0; q < 2; q++) {
		if (!(skip_rx && q == skip_q) &&
		    rte_eth_rx_queue_setup(port, q, RING, rte_socket_id(), NULL,
					   mp) != 0)
			FAIL("port %u: RX queue %u setup", port, q);
		if (!(!skip_rx && q == skip_q) &&
		    rte_eth_tx_queue_setup(port, q, RING, rte_socket_id(),
					   NULL) != 0)
			FAIL("port %u: TX queue %u setup", port, q);
	}
	ret = rte_eth_dev_start(port);
	printf("port %u start without %s queue %u: %d\n", port, what, skip_q,
	       ret);
	if (ret >= 0) {
		FAIL("port %u: start with %s queue %u never set up returned %d",
		     port, what, skip_q, ret);
		rte_eth_dev_stop(port);
	}
	ret = skip_rx ? rte_eth_rx_queue_setup(port, skip_q, RING,
					       rte_socket_id(), NULL, mp) :
			rte_eth_tx_queue_setup(port, skip_q, RING,
					       rte_socket_id(), NULL);
	if (ret != 0)
		FAIL("port %u: late setup of %s queue %u: %d", port, what,
		     skip_q, ret);
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		FAIL("port %u: start with every queue set up: %d", port, ret);
	rte_eth_dev_stop(port);
}

/* dev_start with a queue never set up returns an error (the PMD must not
 * dereference the NULL queue), and starts once it is set up. */
static void
run_unset_queue(struct rte_mempool *mp)
{
	unset_queue_once(0, mp, 1, 0);	/* fresh port 0: RX queue 0 */
	unset_queue_once(1, mp, 0, 0);	/* fresh port 1: TX queue 0 */
	unset_queue_once(0, mp, 1, 1);
	unset_queue_once(0, mp, 0, 1);
	rte_eth_dev_close(0);
	rte_eth_dev_close(1);
	check_mempool(mp, "after the unset-queue starts");
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	uint64_t bursts = 0;
	unsigned long cycles = 0;
	int ret, i;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "opnic-stress: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	int unset = 0;

	for (i = 1; i < argc; i++) {
		char *e = NULL;

		if (strcmp(argv[i], "--unset-queue") == 0) {
			unset = 1;
			continue;
		}
		if (strcmp(argv[i], "--bursts") == 0 && i + 1 < argc)
			bursts = strtoull(argv[++i], &e, 0);
		else if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc)
			cycles = strtoul(argv[++i], &e, 0);
		if (e == NULL || *e != '\0' || (bursts == 0 && cycles == 0)) {
			fprintf(stderr, "usage: opnic-stress [EAL options] -- "
				"--bursts N | --cycles N | --unset-queue (got "
				"'%s')\n", argv[i]);
			return 2;
		}
	}
	if (!unset && (bursts == 0) == (cycles == 0)) {
		fprintf(stderr, "opnic-stress: give one of --bursts N or --cycles N\n");
		return 2;
	}
	if (rte_eth_dev_count_avail() != 2) {
		fprintf(stderr, "opnic-stress: need exactly 2 ports, found %u\n",
			rte_eth_dev_count_avail());
		return 1;
	}
	mp = rte_pktmbuf_pool_create("opnic_stress", NB_MBUF, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "opnic-stress: cannot create the mbuf pool\n");
		return 1;
	}
	if (unset)
		run_unset_queue(mp);
	else if (bursts != 0)
		run_bursts(mp, bursts);
	else
		run_cycles(mp, (unsigned int)cycles);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	printf("%s\n", failures ? "checks=failed" : "checks=passed");
	return failures ? 1 : 0;
}
