/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * opnic-model-bench: how many frames per second the NIC model moves on one
 * core, with no driver in the way. Two devices on a pair wire, one queue
 * each; a stub driver in the same thread keeps every TX ring full and every
 * RX ring stocked by bumping producer indices (descriptors are static), and
 * never reads completions. Prints frames/s per model core.
 *
 *   opnic-model-bench [--profile NAME] [--seconds S] [--len BYTES] [--ring N]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opnic_model.h"

#define IOVA_BASE 0x40000000ull

struct side {
	struct opnic_model_dev dev;
	uint8_t *bar0, *bar2, *cfg;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
wr(struct side *s, uint32_t off, uint32_t v)
{
	opnic_model_write32(&s->dev, 0, off, v);
}

static void
queue(struct side *s, int rx, uint64_t ring, uint64_t cpl, uint32_t log2)
{
	uint32_t b = opnic_profile_block(&s->dev.prof, OPNIC_BLK_QCFG)->offset +
		     (rx ? OPNIC_QCFG_RX_BASE : 0);

	wr(s, b + OPNIC_Q_RING_LO, (uint32_t)ring);
	wr(s, b + OPNIC_Q_RING_HI, (uint32_t)(ring >> 32));
	wr(s, b + OPNIC_Q_CPL_LO, (uint32_t)cpl);
	wr(s, b + OPNIC_Q_CPL_HI, (uint32_t)(cpl >> 32));
	wr(s, b + OPNIC_Q_SIZE_LOG2, log2);
	wr(s, b + OPNIC_Q_BUF_SIZE, 2048);
	wr(s, b + OPNIC_Q_CTRL, 1);
}

int
main(int argc, char **argv)
{
	const char *profile = "tight4k";
	double seconds = 2, t0, t1;
	uint32_t len = 64, ring = 1024, log2 = 10, i, p;
	struct opnic_profile prof;
	struct opnic_dma_map *dma;
	struct side sd[2];
	uint8_t *host;
	size_t host_size;
	uint64_t moved = 0, polls = 0;
	char err[256];

	for (i = 1; i < (uint32_t)argc; i++) {
		if (strcmp(argv[i], "--profile") == 0 && i + 1 < (uint32_t)argc)
			profile = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < (uint32_t)argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--len") == 0 && i + 1 < (uint32_t)argc)
			len = (uint32_t)atoi(argv[++i]);
		else if (strcmp(argv[i], "--ring") == 0 && i + 1 < (uint32_t)argc)
			ring = (uint32_t)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: opnic-model-bench [--profile P] [--seconds S] "
				"[--len 64..1518] [--ring 64..4096]\n");
			return 2;
		}
	}
	if (len < 60 || len > 1518 || ring < 64 || ring > 4096 || (ring & (ring - 1)) ||
	    seconds <= 0) {
		fprintf(stderr, "opnic-model-bench: bad --len %u, --ring %u or --seconds\n",
			len, ring);
		return 2;
	}
	log2 = (uint32_t)__builtin_ctz(ring);
	if (opnic_profile_load(profile, &prof, err, sizeof(err)) != 0) {
		fprintf(stderr, "opnic-model-bench: %s\n", err);
		return 2;
	}
	/* Per side: TX ring, TX cpl, RX ring, RX cpl, then buffers. */
	host_size = 4 * (size_t)ring * 16 * 2 + 2 * 2 * (size_t)ring * 2048;
	host = aligned_alloc(4096, host_size);
	dma = malloc(sizeof(*dma));
	if (host == NULL || dma == NULL)
		return 1;
	memset(host, 0, host_size);
	opnic_dma_init(dma);
	opnic_dma_add(dma, IOVA_BASE, host_size, host, NULL);
	for (p = 0; p < 2; p++) {
		uint8_t mac[6] = { 2, 0, 0, 0, 0, (uint8_t)p };
		uint64_t area = (uint64_t)p * 4 * ring * 16;
		uint64_t bufs = 8ull * ring * 16 + (uint64_t)p * 2 * ring * 2048;
		struct opnic_tx_desc *td = (void *)(host + area);
		struct opnic_rx_desc *rd = (void *)(host + area + 2ull * ring * 16);

		sd[p].bar0 = aligned_alloc(4096, prof.bar0_size);
		sd[p].bar2 = prof.msix_bar ? aligned_alloc(4096, prof.msix_bar_size) : NULL;
		sd[p].cfg = calloc(1, OPNIC_CFG_SIZE);
		if (opnic_model_init(&sd[p].dev, &prof, sd[p].bar0, sd[p].bar2,
				     sd[p].cfg, mac) != 0)
			return 1;
		sd[p].dev.dma = dma;
		sd[p].dev.scan_interval = 16;
		wr(&sd[p], opnic_profile_block(&prof, OPNIC_BLK_MAC)->offset +
		   OPNIC_MAC_RXMODE, OPNIC_RXMODE_PROMISC);
		for (i = 0; i < ring; i++) {
			uint8_t *f = host + bufs + (uint64_t)i * 2048;

			memset(f, 0, len);
			memset(f, 0xff, 6);
			f[12] = 0x08;
			f[14] = 0x45;
			f[23] = 17;
			f[29] = (uint8_t)i;
			td[i].addr = IOVA_BASE + bufs + (uint64_t)i * 2048;
			td[i].len = (uint16_t)len;
			rd[i].addr = IOVA_BASE + bufs + ((uint64_t)ring + i) * 2048;
		}
		queue(&sd[p], 0, IOVA_BASE + area, IOVA_BASE + area + (uint64_t)ring * 16,
		      log2);
		queue(&sd[p], 1, IOVA_BASE + area + 2ull * ring * 16,
		      IOVA_BASE + area + 3ull * ring * 16, log2);
	}
	sd[0].dev.peer = &sd[1].dev;
	sd[1].dev.peer = &sd[0].dev;
	t0 = now();
	t1 = t0;
	while (t1 - t0 < seconds) {
		unsigned int k;

		for (k = 0; k < 256; k++) {
			for (p = 0; p < 2; p++) {
				struct opnic_model_dev *d = &sd[p].dev;
				uint8_t *db = d->bar0 + d->blk[OPNIC_BLK_TXDB];
				uint8_t *rdb = d->bar0 + d->blk[OPNIC_BLK_RXDB];

				/* Stub driver: keep rings full. */
				opnic_model_st32(db, d->txq[0].cons + ring);
				opnic_model_st32(rdb, d->rxq[0].cons + ring);
				moved += opnic_model_poll(d);
			}
			polls++;
		}
		t1 = now();
	}
	printf("opnic-model-bench: profile %s, %u-byte frames, ring %u, pair wire, 1 core\n",
	       prof.name, len, ring);
	printf("model_frames=%lu seconds=%.3f polls=%lu\n", (unsigned long)moved,
	       t1 - t0, (unsigned long)polls);
	printf("model_mpps=%.3f\n", (double)moved / (t1 - t0) / 1e6);
	printf("rx_no_desc=%lu dma_errors=%lu\n",
	       (unsigned long)(sd[0].dev.st[OPNIC_ST_RX_NO_DESC / 8] +
			       sd[1].dev.st[OPNIC_ST_RX_NO_DESC / 8]),
	       (unsigned long)(sd[0].dev.st[OPNIC_ST_DMA_ERRORS / 8] +
			       sd[1].dev.st[OPNIC_ST_DMA_ERRORS / 8]));
	for (p = 0; p < 2; p++) {
		opnic_model_fini(&sd[p].dev);
		free(sd[p].bar0);
		free(sd[p].bar2);
		free(sd[p].cfg);
	}
	free(host);
	free(dma);
	return 0;
}
