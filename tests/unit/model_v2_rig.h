/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The rig of the model's revision-2 unit tests (test_model_v2.c,
 * test_model_v2_tx.c): one stepped device on a profile, 4 MiB of mapped
 * host memory, queue 0 set up as a driver would, a capturing wire.
 */

#ifndef _MODEL_V2_RIG_H_
#define _MODEL_V2_RIG_H_

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opnic_model.h"
#include "opnic_offload.h"
#include "opnic_toeplitz.h"
#include "opnic_test.h"

#define HOST_IOVA 0x100000000ull
#define HOST_SIZE (4u << 20)
#define TX_RING		0x0000
#define TX_HEAD		0x2000
#define RX_RING		0x4000
#define TX_SHADOW	0x6000
#define RX_SHADOW	0x6100
#define V1_CPL		0x8000
#define TX_BUFS		0x10000
#define RX_BUFS		0x100000
#define RX_BUF_SIZE	2048

struct wire_frame {
	uint32_t len;
	uint32_t head_seen;	/* the head line while the frame was sent */
	uint8_t b[OPNIC_MODEL_FRAME_BUF];
};

static struct {
	struct opnic_model_dev dev;
	struct opnic_profile prof;
	uint8_t *bar0, *bar2, *cfg, *host;
	struct opnic_dma_map *dma;
	struct wire_frame *out;
	unsigned int nout;
} T;

/* TCP SYN/IPv4 Linux sent (see test_offload.c): IP csum 0xf19b, TCP
 * csum 0x8710 at bytes 24 and 50. */
static const char kat_tcp4[] =
	"02000000000202000000000108004500003cb9cc40004006f19bc0a80701c0a8"
	"0702afd81f9074084db900000000a002faf087100000020405b40402080ab336"
	"f246000000000103030a";

static inline uint32_t
unhex(const char *s, uint8_t *out)
{
	uint32_t n = 0;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		char b[3] = { s[0], s[1], 0 };

		out[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	return n;
}

static inline void
capture(void *ctx, const uint8_t *f, uint32_t len)
{
	struct opnic_tx_head *h = (void *)(T.host + TX_HEAD);
	struct wire_frame *w;

	(void)ctx;
	if (T.nout == 64)
		return;
	w = &T.out[T.nout++];
	w->len = len;
	w->head_seen = h->head;
	memcpy(w->b, f, len);
}

static inline int
t_setup(const char *profile, int wire)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	char err[256];

	memset(&T, 0, sizeof(T));
	if (opnic_profile_load(profile, &T.prof, err, sizeof(err)) != 0) {
		printf("profile: %s\n", err);
		return -1;
	}
	T.bar0 = aligned_alloc(4096, T.prof.bar0_size);
	T.bar2 = T.prof.msix_bar ? aligned_alloc(4096, T.prof.msix_bar_size) : NULL;
	T.cfg = calloc(1, OPNIC_CFG_SIZE);
	T.host = aligned_alloc(4096, HOST_SIZE);
	T.dma = malloc(sizeof(*T.dma));
	T.out = calloc(64, sizeof(*T.out));
	memset(T.host, 0, HOST_SIZE);
	opnic_dma_init(T.dma);
	if (opnic_dma_add(T.dma, HOST_IOVA, HOST_SIZE, T.host, NULL) != 0)
		return -1;
	if (opnic_model_init(&T.dev, &T.prof, T.bar0, T.bar2, T.cfg, mac) != 0)
		return -1;
	T.dev.dma = T.dma;
	if (wire) {
		T.dev.wire_tx = capture;
		T.dev.wire_ctx = &T;
	}
	return 0;
}

static inline void
t_teardown(void)
{
	opnic_model_fini(&T.dev);
	free(T.bar0);
	free(T.bar2);
	free(T.cfg);
	free(T.host);
	free(T.dma);
	free(T.out);
}

static inline uint32_t
blk(unsigned int type)
{
	return opnic_profile_block(&T.prof, type)->offset;
}

static inline uint32_t
rd(uint32_t off)
{
	return opnic_model_read32(&T.dev, 0, off);
}

static inline void
wr(uint32_t off, uint32_t v)
{
	opnic_model_write32(&T.dev, 0, off, v);
}

static inline uint32_t
qbase(int is_rx, unsigned int q)
{
	return blk(OPNIC_BLK_QCFG) + (is_rx ? OPNIC_QCFG_RX_BASE : 0) +
	       q * OPNIC_QCFG_STRIDE;
}

/* Configure and enable queue 0: ring, CPL (v2 TX: the head line), shadow
 * (0: none), 2^log2 entries, RX offloads or TX WB_EVERY in extra. */
static inline uint32_t
q_setup(int is_rx, uint32_t ring, uint64_t cpl, uint32_t shadow,
	unsigned int log2, uint32_t extra)
{
	uint32_t b = qbase(is_rx, 0);
	uint64_t c = cpl != 0 ? HOST_IOVA + cpl : 0;

	wr(b + OPNIC_Q_CTRL, 0);
	wr(b + OPNIC_Q_RING_LO, (uint32_t)(HOST_IOVA + ring));
	wr(b + OPNIC_Q_RING_HI, (uint32_t)((HOST_IOVA + ring) >> 32));
	wr(b + OPNIC_Q_CPL_LO, (uint32_t)c);
	wr(b + OPNIC_Q_CPL_HI, (uint32_t)(c >> 32));
	wr(b + OPNIC_Q_SHADOW_LO, shadow ? (uint32_t)(HOST_IOVA + shadow) : 0);
	wr(b + OPNIC_Q_SHADOW_HI, shadow ? (uint32_t)((HOST_IOVA + shadow) >> 32) : 0);
	wr(b + OPNIC_Q_SIZE_LOG2, log2);
	wr(b + OPNIC_Q_BUF_SIZE, RX_BUF_SIZE);
	wr(b + (is_rx ? OPNIC_Q_OFFLOAD : OPNIC_Q_WB_EVERY), extra);
	wr(b + OPNIC_Q_CTRL, OPNIC_Q_CTRL_ENABLE);
	return rd(b + OPNIC_Q_STATUS);
}

/* Post RX buffers first..first+n-1 (slot = index mod 64), doorbell. */
static inline void
post_rx(unsigned int first, unsigned int n)
{
	struct opnic_rx_desc_v2 *d = (void *)(T.host + RX_RING);
	unsigned int i;

	for (i = first; i < first + n; i++) {
		d[i & 63].addr = HOST_IOVA + RX_BUFS + (i & 63) * RX_BUF_SIZE;
		d[i & 63].zero = 0;
	}
	wr(blk(OPNIC_BLK_RXDB), first + n);
}

static inline uint8_t *
rx_buf(unsigned int i)
{
	return T.host + RX_BUFS + (i & 63) * RX_BUF_SIZE;
}

static inline struct opnic_rx_wb *
rx_wb(unsigned int i)
{
	return (struct opnic_rx_wb *)(void *)(T.host + RX_RING + (i & 63) * 16);
}

static inline struct opnic_tx_desc_v2 *
tx_desc(unsigned int i)
{
	return (struct opnic_tx_desc_v2 *)(void *)(T.host + TX_RING + (i & 63) * 16);
}

/* One TX segment at descriptor i: bytes copied to its own buffer. */
static inline void
tx_seg(unsigned int i, const uint8_t *p, uint16_t len, uint16_t flags,
       uint16_t hdr_lens, uint16_t tci)
{
	struct opnic_tx_desc_v2 *d = tx_desc(i);
	uint8_t *buf = T.host + TX_BUFS + (i & 63) * 0x2800;

	memcpy(buf, p, len);
	d->addr = HOST_IOVA + TX_BUFS + (i & 63) * 0x2800;
	d->len = len;
	d->flags = flags;
	d->hdr_lens = hdr_lens;
	d->vlan_tci = tci;
}

static inline struct opnic_tx_head *
tx_head(void)
{
	return (struct opnic_tx_head *)(void *)(T.host + TX_HEAD);
}

/* A UDP/IPv4 frame of n bytes with a valid checksum (via the device's own
 * TX insertion, which test_offload checks against a reference). */
static inline uint32_t
udp4_frame(uint8_t *f, uint32_t n, uint8_t seed)
{
	uint32_t i;

	memset(f, 0, n);
	memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)((n - 14) >> 8);
	f[17] = (uint8_t)(n - 14);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	f[34] = 0x30;
	f[35] = seed;
	f[37] = 0x35;
	f[38] = (uint8_t)((n - 34) >> 8);
	f[39] = (uint8_t)(n - 34);
	for (i = 42; i < n; i++)
		f[i] = (uint8_t)(i * 7 + seed);
	opnic_tx_csum(f, n, OPNIC_TXF_IP_CSUM | OPNIC_TXF_L4_UDP,
		      OPNIC_TX_HDR_LENS(14, 20));
	return n;
}

#endif /* _MODEL_V2_RIG_H_ */
