/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Unit tests of the model's revision-2 datapath (spec 9), stepped: v2
 * profiles and registers, RX write-back with DD and the offload fields,
 * VLAN strip byte for byte, scattered RX of a 9000-byte frame over
 * 2048-byte buffers, the split shadow, bad queue configurations, and v1
 * profiles still forwarding beside v2 ones. TX chains and refusals are in
 * test_model_v2_tx.c.
 */

#include "model_v2_rig.h"

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
		TEST_CASE(test_shadow_v2),
		TEST_CASE(test_queue_v2_bad_config),
		TEST_CASE(test_v1_and_v2_forward),
	};

	return unit_test_run("model_v2", tc, sizeof(tc) / sizeof(tc[0]));
}
