/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Unit tests of the model's revision-2 TX (spec 9.4, 9.5, 9.8, 9.9):
 * multi-segment frames with checksum and VLAN insertion compared byte for
 * byte with a frame Linux sent, the coalesced head line (RS, WB_EVERY, a
 * dry ring), and every refusal, after which the queue still sends.
 */

#include "model_v2_rig.h"

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

int
main(void)
{
	static const struct unit_test_case tc[] = {
		TEST_CASE(test_tx_chains),
		TEST_CASE(test_tx_errors),
	};

	return unit_test_run("model_v2_tx", tc, sizeof(tc) / sizeof(tc[0]));
}
