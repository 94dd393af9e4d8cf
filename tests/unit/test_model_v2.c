/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Unit tests of the model's revision-2 datapath (spec 9), stepped: v2
 * profiles and registers, RX write-back with DD and the offload fields,
 * VLAN strip and insert byte for byte, scattered RX of a 9000-byte frame
 * over 2048-byte buffers, multi-segment TX with checksum insertion, the
 * coalesced TX head, every refusal, the split shadow, and v1 profiles still
 * forwarding beside v2 ones.
 */

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

static uint32_t
unhex(const char *s, uint8_t *out)
{
	uint32_t n = 0;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		char b[3] = { s[0], s[1], 0 };

		out[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	return n;
}

static void
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

static int
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

static void
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

static uint32_t
blk(unsigned int type)
{
	return opnic_profile_block(&T.prof, type)->offset;
}

static uint32_t
rd(uint32_t off)
{
	return opnic_model_read32(&T.dev, 0, off);
}

static void
wr(uint32_t off, uint32_t v)
{
	opnic_model_write32(&T.dev, 0, off, v);
}

static uint32_t
qbase(int is_rx, unsigned int q)
{
	return blk(OPNIC_BLK_QCFG) + (is_rx ? OPNIC_QCFG_RX_BASE : 0) +
	       q * OPNIC_QCFG_STRIDE;
}

/* Configure and enable queue 0: ring, CPL (v2 TX: the head line), shadow
 * (0: none), 2^log2 entries, RX offloads or TX WB_EVERY in extra. */
static uint32_t
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
static void
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

static uint8_t *
rx_buf(unsigned int i)
{
	return T.host + RX_BUFS + (i & 63) * RX_BUF_SIZE;
}

static struct opnic_rx_wb *
rx_wb(unsigned int i)
{
	return (struct opnic_rx_wb *)(void *)(T.host + RX_RING + (i & 63) * 16);
}

static struct opnic_tx_desc_v2 *
tx_desc(unsigned int i)
{
	return (struct opnic_tx_desc_v2 *)(void *)(T.host + TX_RING + (i & 63) * 16);
}

/* One TX segment at descriptor i: bytes copied to its own buffer. */
static void
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

static struct opnic_tx_head *
tx_head(void)
{
	return (struct opnic_tx_head *)(void *)(T.host + TX_HEAD);
}

/* A UDP/IPv4 frame of n bytes with a valid checksum (via the device's own
 * TX insertion, which test_offload checks against a reference). */
static uint32_t
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

static int
test_v2_profiles(void)
{
	static const char *const names[] = { "tight4k-v2", "qdma64k-v2",
					     "fpga8k-v2", "separate-v2" };
	struct opnic_profile p;
	char err[256];
	unsigned int i, e;

	for (i = 0; i < 4; i++) {
		TEST_ASSERT(t_setup(names[i], 0) == 0, "%s", names[i]);
		for (e = 0; e < rd(OPNIC_DIR_REG_COUNT); e++) {
			uint32_t w0 = rd(OPNIC_DIR_ENTRY_BASE + e * 16);
			unsigned int type = w0 & 0xffff, ver = w0 >> 16;
			int v2 = type == OPNIC_BLK_MAC || type == OPNIC_BLK_QCFG ||
				 type == OPNIC_BLK_RSS;

			TEST_ASSERT_EQUAL(ver, v2 ? 2 : 1, "%s %s", names[i],
					  opnic_block_name(type));
		}
		TEST_ASSERT_EQUAL(rd(blk(OPNIC_BLK_MAC) + OPNIC_MAC_MAX_RX_FRAME),
				  9018, "max rx frame reset");
		TEST_ASSERT_EQUAL(rd(blk(OPNIC_BLK_RSS) + OPNIC_RSS_HASH_TYPES),
				  OPNIC_RSS_HF_ALL, "hash types reset");
		/* Key, RETA and hash types read back as written. */
		wr(blk(OPNIC_BLK_RSS) + OPNIC_RSS_KEY + 36, 0xa1b2c3d4);
		wr(blk(OPNIC_BLK_RSS) + OPNIC_RSS_RETA + 124, 0x03020100);
		wr(blk(OPNIC_BLK_RSS) + OPNIC_RSS_HASH_TYPES, OPNIC_RSS_HF_IPV6);
		TEST_ASSERT_EQUAL(rd(blk(OPNIC_BLK_RSS) + OPNIC_RSS_KEY + 36),
				  0xa1b2c3d4, "key");
		TEST_ASSERT_EQUAL(rd(blk(OPNIC_BLK_RSS) + OPNIC_RSS_RETA + 124),
				  0x03020100, "reta");
		TEST_ASSERT_EQUAL(rd(blk(OPNIC_BLK_RSS) + OPNIC_RSS_HASH_TYPES),
				  OPNIC_RSS_HF_IPV6, "hash types");
		t_teardown();
	}
	/* v1 profiles stay v1. */
	TEST_ASSERT(opnic_profile_load("tight4k", &p, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < p.nblocks; i++)
		TEST_ASSERT_EQUAL(p.blocks[i].version, 1, "v1 block %u", i);
	/* Versions the model does not implement are refused by name. */
#define HEAD "name t\nbar0_size 0x10000\nqueues 2\nmsix_bar 0\nmsix_vectors 4\n" \
	"msix_table 0x4000\nmsix_pba 0x4800\nblock id 0x100 0x100\n" \
	"block link 0x300 0x100\nblock rss 0x400 0x100\nblock stats 0x800 0x800\n" \
	"block txdb 0x3000 0x100\nblock rxdb 0x3800 0x100\n"
	TEST_ASSERT(opnic_profile_parse(HEAD "block mac 0x200 0x100\n"
					"block qcfg 0x1000 0x1000 version=3\n",
					"bad.profile", &p, err, sizeof(err)) != 0 &&
		    strstr(err, "bad.profile:15: block 'qcfg' version 3: the model "
			   "implements versions 1 and 2") != NULL, "%s", err);
	TEST_ASSERT(opnic_profile_parse(HEAD "block mac 0x200 0x100\n"
					"block qcfg 0x1000 0x1000 version=0\n",
					"bad.profile", &p, err, sizeof(err)) != 0 &&
		    strstr(err, "version 0") != NULL, "%s", err);
	TEST_ASSERT(opnic_profile_parse("name t\nblock link 0x300 0x100 version=2\n",
					"bad.profile", &p, err, sizeof(err)) != 0 &&
		    strstr(err, "'link' version 2: the model implements version 1 only")
		    != NULL, "%s", err);
	TEST_ASSERT(opnic_profile_parse(HEAD "block mac 0x200 0x10 version=2\n"
					"block qcfg 0x1000 0x1000\n",
					"bad.profile", &p, err, sizeof(err)) != 0 &&
		    strstr(err, "block mac size 0x10 is smaller than the 0x14") != NULL,
		    "%s", err);
	TEST_ASSERT(opnic_profile_parse(HEAD "block mac 0x200 0x10\n"
					"block qcfg 0x1000 0x1000\n",
					"ok", &p, err, sizeof(err)) == 0, "%s", err);
#undef HEAD
	return TEST_SUCCESS;
}

static int
test_rx_writeback(void)
{
	uint8_t f[256], t[256];
	uint32_t n, m;
	unsigned int i, ht;

	TEST_ASSERT(t_setup("tight4k-v2", 0) == 0, "setup");
	TEST_ASSERT_EQUAL(q_setup(1, RX_RING, 0, 0, 6, OPNIC_RXOFF_CSUM |
				  OPNIC_RXOFF_PTYPE | OPNIC_RXOFF_VLAN_STRIP),
			  OPNIC_Q_STATUS_RUNNING, "rx v2 runs without a CPL ring");
	post_rx(0, 8);
	n = unhex(kat_tcp4, f);
	memcpy(t, f, n);
	m = opnic_vlan_insert(t, n, 0x6005);
	/* Linux sent it to 02:..:02: promiscuous. RSS on, all queues to 0:
	 * the hash and its type come back. */
	wr(blk(OPNIC_BLK_MAC) + OPNIC_MAC_RXMODE, OPNIC_RXMODE_PROMISC);
	wr(blk(OPNIC_BLK_RSS) + OPNIC_RSS_CTRL, OPNIC_RSS_ENABLE);
	for (i = 0; i < 4; i++)
		TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, i & 1 ? t : f,
						       i & 1 ? m : n, 0), 0, "rx %u", i);
	for (i = 0; i < 4; i++) {
		struct opnic_rx_wb *w = rx_wb(i);
		uint8_t key[40];

		memcpy(key, T.bar0 + blk(OPNIC_BLK_RSS), 40);
		TEST_ASSERT_EQUAL(w->status, OPNIC_RXS_DD | OPNIC_RXS_SOP |
				  OPNIC_RXS_EOP, "slot %u", i);
		TEST_ASSERT_EQUAL(w->error, 0, "error");
		TEST_ASSERT_EQUAL(w->len, n, "tag stripped from the length");
		TEST_ASSERT(memcmp(rx_buf(i), f, n) == 0, "buffer byte for byte");
		TEST_ASSERT_EQUAL(w->ptype, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
				  OPNIC_PTYPE_L4_TCP, "ptype of the buffer's frame");
		TEST_ASSERT_EQUAL(OPNIC_RXO_IP_CKS(w->offload), OPNIC_CKS_GOOD, "ip");
		TEST_ASSERT_EQUAL(OPNIC_RXO_L4_CKS(w->offload), OPNIC_CKS_GOOD, "l4");
		TEST_ASSERT_EQUAL(!!(w->offload & OPNIC_RXO_VLAN), i & 1, "vlan flag");
		TEST_ASSERT_EQUAL(w->vlan_tci, i & 1 ? 0x6005 : 0, "tci");
		TEST_ASSERT(w->offload & OPNIC_RXO_RSS, "hash valid");
		TEST_ASSERT_EQUAL(OPNIC_RXO_HT(w->offload), OPNIC_RSS_HT_TCP_IPV4, "type");
		TEST_ASSERT_EQUAL(w->rss_hash, opnic_rss_hash_frame_v2(key, f, n,
				  OPNIC_RSS_HF_ALL, &ht), "hash");
	}
	TEST_ASSERT_EQUAL(rx_wb(4)->status, 0, "slot 4 not done");
	/* A corrupted frame: BAD, counted, still delivered. */
	f[60] ^= 1;
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), 0, "bad frame");
	TEST_ASSERT_EQUAL(OPNIC_RXO_L4_CKS(rx_wb(4)->offload), OPNIC_CKS_BAD, "bad");
	TEST_ASSERT_EQUAL(T.dev.rx_csum_bad, 1, "counted");
	/* Offloads off: the tag stays in the buffer, no type, no states. */
	TEST_ASSERT_EQUAL(q_setup(1, RX_RING, 0, 0, 6, 0), OPNIC_Q_STATUS_RUNNING, "");
	post_rx(0, 4);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, t, m, 0), 0, "rx");
	TEST_ASSERT_EQUAL(rx_wb(0)->len, m, "len with tag");
	TEST_ASSERT(memcmp(rx_buf(0), t, m) == 0, "tag kept");
	TEST_ASSERT_EQUAL(rx_wb(0)->ptype, 0, "no ptype");
	TEST_ASSERT_EQUAL(rx_wb(0)->offload & 0x1f, 0, "no states, no vlan flag");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_rx_scatter(void)
{
	static uint8_t f[9100];
	uint32_t n = udp4_frame(f, 9000, 7), off = 0;
	unsigned int i;

	TEST_ASSERT(t_setup("separate-v2", 0) == 0, "setup");
	TEST_ASSERT_EQUAL(q_setup(1, RX_RING, 0, 0, 6, OPNIC_RXOFF_ALL),
			  OPNIC_Q_STATUS_RUNNING, "");
	/* Four buffers posted, five needed: not delivered, nothing used. */
	post_rx(0, 4);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 1), -EAGAIN, "wait");
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), -ENOBUFS, "drop");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_NO_DESC / 8], 1, "counted once");
	TEST_ASSERT_EQUAL(rx_wb(0)->status, 0, "no slot used");
	post_rx(4, 4);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), 0, "jumbo");
	for (i = 0; i < 5; i++) {
		struct opnic_rx_wb *w = rx_wb(i);
		uint16_t st = OPNIC_RXS_DD | (i == 0 ? OPNIC_RXS_SOP : 0) |
			      (i == 4 ? OPNIC_RXS_EOP : 0);

		TEST_ASSERT_EQUAL(w->status, st, "slot %u", i);
		TEST_ASSERT_EQUAL(w->len, i < 4 ? 2048 : 9000 - 4 * 2048, "len %u", i);
		TEST_ASSERT(memcmp(rx_buf(i), f + off, w->len) == 0, "bytes %u", i);
		off += w->len;
		if (i < 4)
			TEST_ASSERT(w->ptype == 0 && w->offload == 0, "meta on EOP only");
	}
	TEST_ASSERT_EQUAL(rx_wb(4)->ptype, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			  OPNIC_PTYPE_L4_UDP, "ptype");
	TEST_ASSERT_EQUAL(OPNIC_RXO_L4_CKS(rx_wb(4)->offload), OPNIC_CKS_GOOD,
			  "jumbo checksum");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_BYTES / 8], 9000, "bytes");
	/* MAX_RX_FRAME 1518: a longer frame is dropped before any slot. */
	wr(blk(OPNIC_BLK_MAC) + OPNIC_MAC_MAX_RX_FRAME, 1518);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), -EMSGSIZE, "limit");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_TOO_LONG / 8], 1, "too long");
	TEST_ASSERT_EQUAL(rx_wb(5)->status, 0, "slot 5 untouched");
	n = udp4_frame(f, 1518, 1);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), 0, "at the limit");
	/* No SCATTER: a frame longer than one buffer completes with an error. */
	TEST_ASSERT_EQUAL(q_setup(1, RX_RING, 0, 0, 6, OPNIC_RXOFF_CSUM),
			  OPNIC_Q_STATUS_RUNNING, "");
	wr(blk(OPNIC_BLK_MAC) + OPNIC_MAC_MAX_RX_FRAME, 9018);
	memset(T.host + RX_RING, 0, 64 * 16);
	post_rx(0, 8);
	n = udp4_frame(f, 3000, 2);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), -EMSGSIZE, "no scatter");
	TEST_ASSERT_EQUAL(rx_wb(0)->error, OPNIC_RXE_TOO_LONG, "error");
	TEST_ASSERT_EQUAL(rx_wb(0)->status, OPNIC_RXS_DD | OPNIC_RXS_SOP |
			  OPNIC_RXS_EOP, "one slot");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_TOO_LONG / 8], 2, "too long");
	/* A buffer IOVA outside the map mid-frame: the frame ends there with
	 * a DMA error, counted; the next frame is fine. */
	TEST_ASSERT_EQUAL(q_setup(1, RX_RING, 0, 0, 6, OPNIC_RXOFF_SCATTER),
			  OPNIC_Q_STATUS_RUNNING, "");
	memset(T.host + RX_RING, 0, 64 * 16);
	post_rx(0, 8);
	((struct opnic_rx_desc_v2 *)(void *)(T.host + RX_RING))[1].addr = 0x1000;
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), -EFAULT, "dma");
	TEST_ASSERT_EQUAL(rx_wb(0)->status, OPNIC_RXS_DD | OPNIC_RXS_SOP, "first");
	TEST_ASSERT_EQUAL(rx_wb(1)->status, OPNIC_RXS_DD | OPNIC_RXS_EOP, "ends");
	TEST_ASSERT_EQUAL(rx_wb(1)->error, OPNIC_RXE_DMA, "dma error");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_DMA_ERRORS / 8], 1, "counted");
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&T.dev, f, n, 0), 0, "next frame");
	TEST_ASSERT_EQUAL(rx_wb(3)->status, OPNIC_RXS_DD | OPNIC_RXS_EOP, "ok");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_tx_chains(void)
{
	uint8_t f[256], want[256];
	uint32_t n, m;
	unsigned int i;

	TEST_ASSERT(t_setup("tight4k-v2", 1) == 0, "setup");
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, 0, 6, 0),
			  OPNIC_Q_STATUS_RUNNING, "tx v2");
	/* Linux's TCP SYN with its checksums cleared, in three segments
	 * (14 + 20 + 40 bytes); the device fills both checksums and inserts
	 * a tag: the wire sees Linux's frame, tagged, byte for byte. */
	n = unhex(kat_tcp4, f);
	memcpy(want, f, n);
	m = opnic_vlan_insert(want, n, 0x0123);
	f[24] = f[25] = f[50] = f[51] = 0;
	tx_seg(0, f, 14, OPNIC_TXF_IP_CSUM | OPNIC_TXF_L4_TCP | OPNIC_TXF_VLAN,
	       OPNIC_TX_HDR_LENS(14, 20), 0x0123);
	tx_seg(1, f + 14, 20, 0, 0, 0);
	tx_seg(2, f + 34, (uint16_t)(n - 34), OPNIC_TXF_EOP | OPNIC_TXF_RS, 0, 0);
	tx_head()->head = 0xdead;
	wr(blk(OPNIC_BLK_TXDB), 3);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.nout, 1, "one frame");
	TEST_ASSERT_EQUAL(T.out[0].len, m, "len");
	TEST_ASSERT(memcmp(T.out[0].b, want, m) == 0, "byte for byte");
	TEST_ASSERT_EQUAL(tx_head()->head, 3, "head after three descriptors");
	TEST_ASSERT_EQUAL(tx_head()->err_frames, 0, "no errors");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_TX_BYTES / 8], m, "bytes on the wire");
	/* Coalescing: 32 frames, RS on the last: the head line is not
	 * written while they go out, then once with 35. */
	for (i = 3; i < 35; i++)
		tx_seg(i, want, 60, (uint16_t)(OPNIC_TXF_EOP |
		       (i == 34 ? OPNIC_TXF_RS : 0)), 0, 0);
	wr(blk(OPNIC_BLK_TXDB), 35);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.nout, 33, "32 more");
	for (i = 1; i < 33; i++)
		TEST_ASSERT_EQUAL(T.out[i].head_seen, 3, "frame %u: not yet", i);
	TEST_ASSERT_EQUAL(tx_head()->head, 35, "head once");
	/* WB_EVERY 8 and no RS: every 8 descriptors, then when dry. */
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, 0, 6, 8),
			  OPNIC_Q_STATUS_RUNNING, "");
	T.nout = 0;
	tx_head()->head = 0xdead;
	for (i = 0; i < 20; i++)
		tx_seg(i, want, 60, OPNIC_TXF_EOP, 0, 0);
	wr(blk(OPNIC_BLK_TXDB), 20);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.nout, 20, "20 frames");
	for (i = 0; i < 20; i++)
		TEST_ASSERT_EQUAL(T.out[i].head_seen, i < 8 ? 0xdead : (i / 8) * 8,
				  "frame %u", i);
	TEST_ASSERT_EQUAL(tx_head()->head, 20, "dry: the rest reported");
	t_teardown();
	return TEST_SUCCESS;
}

/* Post descriptors a..b-1 (already written), ring, poll; the refusal the
 * head line reports. */
static int
tx_expect_refused(unsigned int first, unsigned int end, unsigned int err,
		  uint32_t errs_before)
{
	unsigned int sent = T.nout;

	wr(blk(OPNIC_BLK_TXDB), end);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.nout, sent, "nothing sent");
	TEST_ASSERT_EQUAL(tx_head()->head, end, "descriptors given back");
	TEST_ASSERT_EQUAL(tx_head()->err_frames, errs_before + 1, "counted");
	TEST_ASSERT_EQUAL(tx_head()->last_err, err, "kind");
	TEST_ASSERT_EQUAL(tx_head()->last_err_desc, first, "first descriptor");
	return TEST_SUCCESS;
}

static int
test_tx_errors(void)
{
	static uint8_t f[2100];
	unsigned int i, e = 0, k = 0;
	uint64_t desc0, dma0;

	TEST_ASSERT(t_setup("fpga8k-v2", 1) == 0, "setup");
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, 0, 6, 0),
			  OPNIC_Q_STATUS_RUNNING, "");
	udp4_frame(f, 2000, 3);
	desc0 = T.dev.st[OPNIC_ST_DESC_ERRORS / 8];
	dma0 = T.dev.st[OPNIC_ST_DMA_ERRORS / 8];
	/* A segment of length 0. */
	tx_seg(k, f, 60, 0, 0, 0);
	tx_seg(k + 1, f, 0, OPNIC_TXF_EOP, 0, 0);
	TEST_ASSERT(tx_expect_refused(k, k + 2, OPNIC_TXE_ZERO_LEN, e++) == 0, "zero");
	k += 2;
	/* The producer index ends inside a frame (no EOP). */
	for (i = 0; i < 3; i++)
		tx_seg(k + i, f, 100, 0, 0, 0);
	TEST_ASSERT(tx_expect_refused(k, k + 3, OPNIC_TXE_NO_EOP, e++) == 0, "no eop");
	k += 3;
	/* More than OPNIC_TX_MAX_SEGS segments: the first 32 refused, the
	 * 33rd (EOP, 1 byte) then is a frame too short. */
	for (i = 0; i < OPNIC_TX_MAX_SEGS + 1; i++)
		tx_seg(k + i, f, 1, i == OPNIC_TX_MAX_SEGS ? OPNIC_TXF_EOP : 0, 0, 0);
	wr(blk(OPNIC_BLK_TXDB), k + OPNIC_TX_MAX_SEGS + 1);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(tx_head()->err_frames, e + 2, "two refusals");
	TEST_ASSERT_EQUAL(T.dev.tx_refused[OPNIC_TXE_NO_EOP], 2, "32 segments");
	TEST_ASSERT_EQUAL(tx_head()->last_err, OPNIC_TXE_TOO_LONG, "runt");
	TEST_ASSERT_EQUAL(tx_head()->last_err_desc, k + OPNIC_TX_MAX_SEGS, "33rd");
	e += 2;
	k += OPNIC_TX_MAX_SEGS + 1;
	/* Beyond MAX_FRAME: 5 x 2000 bytes. */
	for (i = 0; i < 5; i++)
		tx_seg(k + i, f, 2000, i == 4 ? OPNIC_TXF_EOP : 0, 0, 0);
	TEST_ASSERT(tx_expect_refused(k, k + 5, OPNIC_TXE_TOO_LONG, e++) == 0, "long");
	k += 5;
	/* A segment's IOVA outside the map. */
	tx_seg(k, f, 60, 0, 0, 0);
	tx_seg(k + 1, f, 60, OPNIC_TXF_EOP, 0, 0);
	tx_desc(k + 1)->addr = HOST_IOVA + HOST_SIZE - 30;	/* runs past */
	TEST_ASSERT(tx_expect_refused(k, k + 2, OPNIC_TXE_DMA, e++) == 0, "dma");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_DMA_ERRORS / 8], dma0 + 1, "dma counted");
	k += 2;
	/* Offload requests the frame does not fit, reserved flags. */
	memset(f + 12, 0, 2);	/* ethertype 0: not IPv4 */
	tx_seg(k, f, 60, OPNIC_TXF_EOP | OPNIC_TXF_IP_CSUM,
	       OPNIC_TX_HDR_LENS(14, 20), 0);
	TEST_ASSERT(tx_expect_refused(k, k + 1, OPNIC_TXE_OFFLOAD, e++) == 0, "csum");
	k += 1;
	tx_seg(k, f, 60, OPNIC_TXF_EOP | 0x100, 0, 0);
	TEST_ASSERT(tx_expect_refused(k, k + 1, OPNIC_TXE_OFFLOAD, e++) == 0, "rsvd");
	k += 1;
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_DESC_ERRORS / 8], desc0 + e - 1,
			  "desc errors: all but the DMA one");
	/* A producer index beyond the ring: ignored, counted. */
	wr(blk(OPNIC_BLK_TXDB), k + 1000);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_DESC_ERRORS / 8], desc0 + e, "prod");
	/* After all that, the queue still sends (no hang, no stop). */
	udp4_frame(f, 200, 4);
	tx_seg(k, f, 200, OPNIC_TXF_EOP | OPNIC_TXF_RS, 0, 0);
	wr(blk(OPNIC_BLK_TXDB), k + 1);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.nout, 1, "sent");
	TEST_ASSERT(memcmp(T.out[0].b, f, 200) == 0, "bytes");
	TEST_ASSERT_EQUAL(tx_head()->head, k + 1, "head");
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, 0, 6, 0) & 1, 1, "running");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_shadow_v2(void)
{
	struct opnic_shadow_v2 *sh;
	uint32_t *line0;
	uint8_t f[64];
	unsigned int i;

	TEST_ASSERT(t_setup("qdma64k-v2", 1) == 0, "setup");
	sh = (void *)(T.host + TX_SHADOW);
	line0 = (void *)sh;
	memset(sh, 0x5a, sizeof(*sh));
	sh->drv_prod = 0;
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, TX_SHADOW, 6, 0),
			  OPNIC_Q_STATUS_RUNNING, "");
	TEST_ASSERT_EQUAL(sh->dev_flags, OPNIC_SHADOW_NO_NOTIFY, "device line");
	memset(f, 0, sizeof(f));
	for (i = 0; i < 4; i++)
		tx_seg(i, f, 60, OPNIC_TXF_EOP, 0, 0);
	sh->drv_prod = 4;
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.nout, 4, "sent from drv_prod, no doorbell");
	for (i = 0; i < OPNIC_IDLE_POLLS + 1; i++)
		opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(sh->dev_flags, 0, "idle");
	TEST_ASSERT_EQUAL(sh->dev_cons, 4, "dev_cons on the device line");
	/* The device never wrote the driver's line. */
	for (i = 1; i < 16; i++)
		TEST_ASSERT_EQUAL(line0[i], 0x5a5a5a5a, "driver line word %u", i);
	/* A v2 shadow needs both lines mapped. */
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, HOST_SIZE - 64, 6, 0),
			  OPNIC_Q_STATUS_ERROR, "half mapped");
	TEST_ASSERT_EQUAL(rd(qbase(0, 0) + OPNIC_Q_ERROR), OPNIC_QERR_SHADOW_DMA, "");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_queue_v2_bad_config(void)
{
	TEST_ASSERT(t_setup("tight4k-v2", 1) == 0, "setup");
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD + 8, 0, 6, 0),
			  OPNIC_Q_STATUS_ERROR, "head misaligned");
	TEST_ASSERT_EQUAL(rd(qbase(0, 0) + OPNIC_Q_ERROR), OPNIC_QERR_RING_DMA, "");
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, HOST_SIZE + 0x1000, 0, 6, 0),
			  OPNIC_Q_STATUS_ERROR, "head unmapped");
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, 0, 0, 6, 0), OPNIC_Q_STATUS_ERROR,
			  "no head line");
	/* WB_EVERY beyond the ring is the ring size. */
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, 0, 6, 100000),
			  OPNIC_Q_STATUS_RUNNING, "");
	TEST_ASSERT_EQUAL(T.dev.txq[0].wb_every, 64, "clamped");
	/* Unmapping the head line stops the queue (no write to freed memory). */
	TEST_ASSERT_EQUAL(opnic_dma_remove(T.dma, HOST_IOVA, HOST_SIZE, NULL), 1, "");
	opnic_model_dma_changed(&T.dev);
	TEST_ASSERT_EQUAL(rd(qbase(0, 0) + OPNIC_Q_STATUS), OPNIC_Q_STATUS_ERROR,
			  "stopped");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_v1_and_v2_forward(void)
{
	struct opnic_cpl *txc, *rxc;
	struct opnic_tx_desc *d;
	uint8_t f[256];
	uint32_t n;
	unsigned int i;

	/* A v1 profile: v1 descriptors and completions, as before. */
	TEST_ASSERT(t_setup("tight4k", 0) == 0, "setup");
	wr(qbase(0, 0) + OPNIC_Q_WB_EVERY, 0);
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, V1_CPL, 0, 6, 0),
			  OPNIC_Q_STATUS_RUNNING, "v1 tx");
	TEST_ASSERT_EQUAL(q_setup(1, RX_RING, V1_CPL + 0x1000, 0, 6, 0),
			  OPNIC_Q_STATUS_RUNNING, "v1 rx");
	post_rx(0, 8);
	d = (void *)(T.host + TX_RING);
	n = udp4_frame(f, 100, 9);
	memcpy(f, "\x02\0\0\0\0\x01", 6);
	memcpy(T.host + TX_BUFS, f, n);
	for (i = 0; i < 8; i++) {
		d[i].addr = HOST_IOVA + TX_BUFS;
		d[i].len = (uint16_t)n;
	}
	wr(blk(OPNIC_BLK_TXDB), 8);
	opnic_model_poll(&T.dev);
	txc = (void *)(T.host + V1_CPL);
	rxc = (void *)(T.host + V1_CPL + 0x1000);
	for (i = 0; i < 8; i++) {
		TEST_ASSERT_EQUAL(txc[i].flags & OPNIC_CPL_PHASE, 1, "tx %u", i);
		TEST_ASSERT_EQUAL(rxc[i].len, n, "rx %u", i);
		TEST_ASSERT(memcmp(rx_buf(i), f, n) == 0, "bytes");
	}
	t_teardown();
	/* A v2 profile, looped back: TX inserts, RX verifies GOOD. */
	TEST_ASSERT(t_setup("tight4k-v2", 0) == 0, "setup");
	TEST_ASSERT_EQUAL(q_setup(0, TX_RING, TX_HEAD, 0, 6, 0),
			  OPNIC_Q_STATUS_RUNNING, "v2 tx");
	TEST_ASSERT_EQUAL(q_setup(1, RX_RING, 0, 0, 6, OPNIC_RXOFF_ALL),
			  OPNIC_Q_STATUS_RUNNING, "v2 rx");
	post_rx(0, 8);
	n = udp4_frame(f, 100, 9);
	memcpy(f, "\x02\0\0\0\0\x01", 6);
	f[24] = f[25] = f[40] = f[41] = 0;
	for (i = 0; i < 8; i++)
		tx_seg(i, f, (uint16_t)n, (uint16_t)(OPNIC_TXF_EOP | OPNIC_TXF_IP_CSUM |
		       OPNIC_TXF_L4_UDP | (i == 7 ? OPNIC_TXF_RS : 0)),
		       OPNIC_TX_HDR_LENS(14, 20), 0);
	wr(blk(OPNIC_BLK_TXDB), 8);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(tx_head()->head, 8, "head");
	for (i = 0; i < 8; i++) {
		TEST_ASSERT(rx_wb(i)->status & OPNIC_RXS_DD, "rx %u", i);
		TEST_ASSERT_EQUAL(OPNIC_RXO_IP_CKS(rx_wb(i)->offload), OPNIC_CKS_GOOD, "");
		TEST_ASSERT_EQUAL(OPNIC_RXO_L4_CKS(rx_wb(i)->offload), OPNIC_CKS_GOOD, "");
	}
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_PKTS / 8], 8, "forwarded");
	t_teardown();
	return TEST_SUCCESS;
}

int
main(void)
{
	static const struct unit_test_case tc[] = {
		TEST_CASE(test_v2_profiles),
		TEST_CASE(test_rx_writeback),
		TEST_CASE(test_rx_scatter),
		TEST_CASE(test_tx_chains),
		TEST_CASE(test_tx_errors),
		TEST_CASE(test_shadow_v2),
		TEST_CASE(test_queue_v2_bad_config),
		TEST_CASE(test_v1_and_v2_forward),
	};

	return unit_test_run("model_v2", tc, sizeof(tc) / sizeof(tc[0]));
}
