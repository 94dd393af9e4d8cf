/* SPDX-License-Identifier: BSD-3-Clause */

/* Unit tests of the NIC model, stepped (no threads): registers, directory,
 * MSI-X/PBA, link, queues, DMA faults, RSS vectors, doorbell suppression. */

#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "opnic_model.h"
#include "opnic_toeplitz.h"
#include "opnic_test.h"

#define HOST_IOVA 0x100000000ull
#define HOST_SIZE (4u << 20)

struct tdev {
	struct opnic_model_dev dev;
	struct opnic_profile prof;
	uint8_t *bar0, *bar2, *cfg, *host;
	struct opnic_dma_map *dma;
	unsigned int irqs[8];
};

static struct tdev T;

static void
t_irq(void *ctx, unsigned int v)
{
	struct tdev *t = ctx;

	if (v < 8)
		t->irqs[v]++;
}

static int
t_setup(const char *profile)
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
	memset(T.host, 0, HOST_SIZE);
	opnic_dma_init(T.dma);
	if (opnic_dma_add(T.dma, HOST_IOVA, HOST_SIZE, T.host, NULL) != 0)
		return -1;
	if (opnic_model_init(&T.dev, &T.prof, T.bar0, T.bar2, T.cfg, mac) != 0)
		return -1;
	T.dev.dma = T.dma;
	T.dev.irq = t_irq;
	T.dev.irq_ctx = &T;
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

/* Software store through a mapping: no trap, the model finds it by polling. */
static void
store(uint32_t off, uint32_t v)
{
	memcpy(T.bar0 + off, &v, 4);
}

static int
test_profiles_load(void)
{
	const char *names[] = { "tight4k", "qdma64k", "fpga8k", "separate" };
	struct opnic_profile p;
	char err[256];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		TEST_ASSERT(opnic_profile_load(names[i], &p, err, sizeof(err)) == 0,
			    "%s: %s", names[i], err);
		TEST_ASSERT(strcmp(p.name, names[i]) == 0, "name");
		TEST_ASSERT(opnic_profile_block(&p, OPNIC_BLK_TXDB) != NULL, "txdb");
	}
	/* tight4k really puts doorbells in the table's 4 KiB page. */
	opnic_profile_load("tight4k", &p, err, sizeof(err));
	TEST_ASSERT_EQUAL(opnic_profile_block(&p, OPNIC_BLK_TXDB)->offset & ~0xfffu,
			  p.msix_table & ~0xfffu, "same page");
	return TEST_SUCCESS;
}

static int
expect_bad(const char *text, const char *needle)
{
	struct opnic_profile p;
	char err[256] = "";

	if (opnic_profile_parse(text, "bad.profile", &p, err, sizeof(err)) == 0) {
		printf("accepted: %s\n", text);
		return -1;
	}
	if (strstr(err, needle) == NULL || strstr(err, "bad.profile") == NULL) {
		printf("message '%s' lacks '%s'\n", err, needle);
		return -1;
	}
	return 0;
}

#define GOOD_HEAD "name t\nbar0_size 0x10000\nqueues 2\nmsix_bar 0\n" \
	"msix_vectors 4\nmsix_table 0x4000\nmsix_pba 0x4800\n"
#define GOOD_BLOCKS "block id 0x100 0x100\nblock mac 0x200 0x100\n" \
	"block link 0x300 0x100\nblock rss 0x400 0x100\n" \
	"block stats 0x800 0x800\nblock qcfg 0x1000 0x1000\n" \
	"block txdb 0x3000 0x100\nblock rxdb 0x3800 0x100\n"

static int
test_profile_bad_input(void)
{
	struct opnic_profile p;
	char err[256];

	TEST_ASSERT(opnic_profile_parse(GOOD_HEAD GOOD_BLOCKS, "ok", &p, err,
					sizeof(err)) == 0, "%s", err);
	TEST_ASSERT(expect_bad(GOOD_HEAD GOOD_BLOCKS "colour blue\n",
			       ":16: unknown key 'colour'") == 0, "unknown key");
	TEST_ASSERT(expect_bad(GOOD_HEAD GOOD_BLOCKS "block mbox 0x3010 0x100\n",
			       "overlaps block txdb") == 0, "overlap");
	TEST_ASSERT(expect_bad(GOOD_HEAD GOOD_BLOCKS "block mbox 0xff00 0x200\n",
			       "beyond BAR0") == 0, "beyond");
	TEST_ASSERT(expect_bad(GOOD_HEAD GOOD_BLOCKS "block mbox 0x4000 0x100\n",
			       "MSI-X table or PBA") == 0, "msix overlap");
	TEST_ASSERT(expect_bad(GOOD_HEAD "block id 0x100 0x100\n", "missing block")
		    == 0, "missing");
	TEST_ASSERT(expect_bad("name t\nbar0_size 0x1234x\n", "bad value '0x1234x'")
		    == 0, "number");
	TEST_ASSERT(expect_bad(GOOD_HEAD GOOD_BLOCKS "block warp 0x5000 0x100\n",
			       "unknown block 'warp'") == 0, "block name");
	TEST_ASSERT(expect_bad("name t\nbar0_size 0x10000\nqueues 0\n",
			       "queues 0") == 0, "queues");
	TEST_ASSERT(expect_bad("name t\nbar0_size 0x10000\nqueues 2\nmsix_bar 0\n"
			       "msix_vectors 4\nmsix_table 0x0800\nmsix_pba 0x900\n"
			       "block id 0x1000 0x100\nblock mac 0x1100 0x100\n"
			       "block link 0x1200 0x100\nblock rss 0x1400 0x100\n"
			       "block stats 0x1800 0x800\nblock qcfg 0x2000 0x1000\n"
			       "block txdb 0x3000 0x100\nblock rxdb 0x3800 0x100\n",
			       "directory at 0x0 shares") == 0, "dir in msix page");
	TEST_ASSERT(expect_bad(GOOD_HEAD "block id 0x100 0x10\n", "smaller") == 0,
		    "small block");
	TEST_ASSERT(opnic_profile_load("no-such-profile", &p, err, sizeof(err)) != 0 &&
		    strstr(err, "no-such-profile") != NULL, "%s", err);
	return TEST_SUCCESS;
}

static int
test_directory(void)
{
	unsigned int i, n, seen = 0;

	TEST_ASSERT(t_setup("qdma64k") == 0, "setup");
	TEST_ASSERT_EQUAL(rd(OPNIC_DIR_REG_MAGIC), OPNIC_DIR_MAGIC, "magic");
	n = rd(OPNIC_DIR_REG_COUNT);
	TEST_ASSERT(n == T.prof.nblocks, "count %u", n);
	for (i = 0; i < n; i++) {
		uint32_t e = OPNIC_DIR_ENTRY_BASE + i * OPNIC_DIR_ENTRY_SIZE;
		uint32_t tv = rd(e);
		const struct opnic_block *b = opnic_profile_block(&T.prof, tv & 0xffff);

		TEST_ASSERT(b != NULL, "type %u", tv & 0xffff);
		TEST_ASSERT_EQUAL(rd(e + 4), b->offset, "offset");
		TEST_ASSERT_EQUAL(rd(e + 8), b->size, "size");
		TEST_ASSERT_EQUAL(tv >> 16, b->version, "version");
		seen |= 1u << (tv & 0xffff);
	}
	TEST_ASSERT(seen & (1u << OPNIC_BLK_MSIX_PBA), "pba listed");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_registers(void)
{
	uint32_t id;

	TEST_ASSERT(t_setup("tight4k") == 0, "setup");
	id = blk(OPNIC_BLK_ID);
	TEST_ASSERT_EQUAL(rd(id + OPNIC_ID_MAGIC), OPNIC_ID_MAGIC_VALUE, "magic");
	TEST_ASSERT_EQUAL(rd(id + OPNIC_ID_NUM_QUEUES), 4, "queues");
	TEST_ASSERT_EQUAL(rd(id + OPNIC_ID_STATUS), OPNIC_ID_STATUS_READY, "ready");
	/* RO: a store through the mapping is undone at the next poll. */
	store(id + OPNIC_ID_MAGIC, 0xdeadbeef);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(rd(id + OPNIC_ID_MAGIC), OPNIC_ID_MAGIC_VALUE, "ro");
	TEST_ASSERT(T.dev.ro_writes_restored == 1, "counted");
	/* RW scratch keeps its value; reset clears it and reads back 0. */
	wr(id + OPNIC_ID_SCRATCH, 0x12345678);
	TEST_ASSERT_EQUAL(rd(id + OPNIC_ID_SCRATCH), 0x12345678, "scratch");
	wr(blk(OPNIC_BLK_MAC) + OPNIC_MAC_MTU, 9000);
	wr(id + OPNIC_ID_RESET, 1);
	TEST_ASSERT_EQUAL(rd(id + OPNIC_ID_RESET), 0, "reset done");
	TEST_ASSERT_EQUAL(rd(id + OPNIC_ID_SCRATCH), 0, "scratch reset");
	TEST_ASSERT_EQUAL(rd(blk(OPNIC_BLK_MAC) + OPNIC_MAC_MTU), 1500, "mtu reset");
	TEST_ASSERT_EQUAL(rd(blk(OPNIC_BLK_MAC) + OPNIC_MAC_ADDR_LO), 0x00000002,
			  "mac lo");
	/* Out-of-range and unaligned trapped accesses read all ones. */
	TEST_ASSERT_EQUAL(rd(T.prof.bar0_size), 0xffffffff, "beyond");
	TEST_ASSERT_EQUAL(rd(id + 2), 0xffffffff, "unaligned");
	t_teardown();
	return TEST_SUCCESS;
}

static void
msix_ctrl(int enable, int fmask)
{
	opnic_model_set_msix_ctrl(&T.dev, enable, fmask);
}

static uint64_t
pba(void)
{
	uint64_t v;

	memcpy(&v, T.dev.msix_bar + T.prof.msix_pba, 8);
	return v;
}

static int
test_msix_and_link(void)
{
	uint32_t link;
	uint8_t *vctl;
	uint16_t ctrl;

	TEST_ASSERT(t_setup("separate") == 0, "setup");
	link = blk(OPNIC_BLK_LINK);
	vctl = T.dev.msix_bar + T.prof.msix_table + OPNIC_MSIX_VEC_CTRL;
	memcpy(&ctrl, T.cfg + OPNIC_CFG_CAP_MSIX + PCI_MSIX_FLAGS, 2);
	TEST_ASSERT_EQUAL(ctrl & PCI_MSIX_FLAGS_QSIZE, T.prof.msix_vectors - 1, "qsize");
	TEST_ASSERT((*vctl & 1) == 1, "vectors reset masked");
	TEST_ASSERT_EQUAL(rd(link + OPNIC_LINK_STATUS), OPNIC_LINK_UP, "up");
	wr(link + OPNIC_LINK_INTR_EN, 1);
	msix_ctrl(1, 0);
	/* Masked vector: the PBA bit is set, nothing delivered. */
	opnic_model_set_link(&T.dev, 0);
	TEST_ASSERT_EQUAL(rd(link + OPNIC_LINK_STATUS), 0, "down");
	TEST_ASSERT_EQUAL(rd(link + OPNIC_LINK_CAUSE), OPNIC_CAUSE_LSC, "cause");
	TEST_ASSERT_EQUAL(T.irqs[0], 0, "not delivered while masked");
	TEST_ASSERT_EQUAL(pba(), 1, "pending");
	/* Software writes to the PBA are dropped. */
	memset(T.dev.msix_bar + T.prof.msix_pba, 0, 8);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(pba(), 1, "pba write ignored");
	/* Unmask: delivered once, pending cleared. */
	*vctl = 0;
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.irqs[0], 1, "delivered on unmask");
	TEST_ASSERT_EQUAL(pba(), 0, "pba cleared");
	/* Function mask holds the next one back. */
	msix_ctrl(1, 1);
	opnic_model_set_link(&T.dev, 1);
	TEST_ASSERT_EQUAL(T.irqs[0], 1, "function masked");
	TEST_ASSERT_EQUAL(pba(), 1, "pending again");
	msix_ctrl(1, 0);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.irqs[0], 2, "delivered after function unmask");
	/* CAUSE is sticky until cleared through CAUSE_CLR (W1C strobe). */
	TEST_ASSERT_EQUAL(rd(link + OPNIC_LINK_CAUSE), OPNIC_CAUSE_LSC, "sticky");
	store(link + OPNIC_LINK_CAUSE, 0);	/* RO: undone */
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(rd(link + OPNIC_LINK_CAUSE), OPNIC_CAUSE_LSC, "ro cause");
	store(link + OPNIC_LINK_CAUSE_CLR, OPNIC_CAUSE_LSC);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(rd(link + OPNIC_LINK_CAUSE), 0, "cleared");
	TEST_ASSERT_EQUAL(rd(link + OPNIC_LINK_CAUSE_CLR), 0, "strobe reads 0");
	/* Interrupt disabled: cause set, no message. */
	wr(link + OPNIC_LINK_INTR_EN, 0);
	opnic_model_set_link(&T.dev, 0);
	TEST_ASSERT_EQUAL(T.irqs[0], 2, "intr disabled");
	/* MSI-X disabled: nothing at all. */
	wr(link + OPNIC_LINK_INTR_EN, 1);
	TEST_ASSERT_EQUAL(T.irqs[0], 3, "pending cause raised on enable");
	msix_ctrl(0, 0);
	opnic_model_set_link(&T.dev, 1);
	TEST_ASSERT_EQUAL(T.irqs[0], 3, "msix disabled");
	t_teardown();
	return TEST_SUCCESS;
}

/* Host memory layout for queue tests. */
#define TX_RING 0x0000
#define TX_CPL 0x4000
#define RX_RING 0x8000
#define RX_CPL 0xc000
#define TX_SHADOW 0x10000
#define RX_SHADOW 0x10040
#define BUFS 0x20000

static void
q_setup(int is_rx, unsigned int q, uint64_t ring, uint64_t cpl, uint64_t shadow,
	uint32_t log2, int enable)
{
	uint32_t b = blk(OPNIC_BLK_QCFG) + (is_rx ? OPNIC_QCFG_RX_BASE : 0) +
		     q * OPNIC_QCFG_STRIDE;

	wr(b + OPNIC_Q_RING_LO, (uint32_t)(HOST_IOVA + ring));
	wr(b + OPNIC_Q_RING_HI, (uint32_t)((HOST_IOVA + ring) >> 32));
	wr(b + OPNIC_Q_CPL_LO, (uint32_t)(HOST_IOVA + cpl));
	wr(b + OPNIC_Q_CPL_HI, (uint32_t)((HOST_IOVA + cpl) >> 32));
	wr(b + OPNIC_Q_SHADOW_LO, shadow ? (uint32_t)(HOST_IOVA + shadow) : 0);
	wr(b + OPNIC_Q_SHADOW_HI, shadow ? (uint32_t)((HOST_IOVA + shadow) >> 32) : 0);
	wr(b + OPNIC_Q_SIZE_LOG2, log2);
	wr(b + OPNIC_Q_BUF_SIZE, 2048);
	wr(b + OPNIC_Q_CTRL, enable ? OPNIC_Q_CTRL_ENABLE : 0);
}

static uint32_t
q_status(int is_rx, unsigned int q, uint32_t reg)
{
	return rd(blk(OPNIC_BLK_QCFG) + (is_rx ? OPNIC_QCFG_RX_BASE : 0) +
		  q * OPNIC_QCFG_STRIDE + reg);
}

static void
post_rx(unsigned int n)
{
	struct opnic_rx_desc *d = (void *)(T.host + RX_RING);
	unsigned int i;

	for (i = 0; i < n; i++)
		d[i].addr = HOST_IOVA + BUFS + 0x10000 + i * 2048;
	wr(blk(OPNIC_BLK_RXDB), n);
}

static void
post_tx(unsigned int first, unsigned int n, uint16_t len)
{
	struct opnic_tx_desc *d = (void *)(T.host + TX_RING);
	unsigned int i;

	for (i = first; i < first + n; i++) {
		uint8_t *f = T.host + BUFS + i * 2048;

		memset(f, 0, len);
		memcpy(f, "\x02\x00\x00\x00\x00\x01", 6);
		f[12] = 0x08;
		f[20] = (uint8_t)i;
		d[i & 63].addr = HOST_IOVA + BUFS + i * 2048;
		d[i & 63].len = len;
	}
}

static int
test_queues_loopback(void)
{
	struct opnic_cpl *txc, *rxc;
	unsigned int i;

	TEST_ASSERT(t_setup("tight4k") == 0, "setup");
	txc = (void *)(T.host + TX_CPL);
	rxc = (void *)(T.host + RX_CPL);
	q_setup(0, 0, TX_RING, TX_CPL, 0, 6, 1);
	q_setup(1, 0, RX_RING, RX_CPL, 0, 6, 1);
	TEST_ASSERT_EQUAL(q_status(0, 0, OPNIC_Q_STATUS), OPNIC_Q_STATUS_RUNNING, "tx");
	TEST_ASSERT_EQUAL(q_status(1, 0, OPNIC_Q_STATUS), OPNIC_Q_STATUS_RUNNING, "rx");
	post_rx(64);
	post_tx(0, 10, 60);
	opnic_model_poll(&T.dev);
	TEST_ASSERT(txc[0].flags == 0, "nothing before the doorbell");
	store(blk(OPNIC_BLK_TXDB), 10);
	opnic_model_poll(&T.dev);
	for (i = 0; i < 10; i++) {
		TEST_ASSERT_EQUAL(txc[i].flags & OPNIC_CPL_PHASE, 1, "tx phase %u", i);
		TEST_ASSERT_EQUAL(txc[i].idx, i, "tx idx");
		TEST_ASSERT_EQUAL(rxc[i].flags & OPNIC_CPL_PHASE, 1, "rx phase");
		TEST_ASSERT_EQUAL(rxc[i].len, 60, "rx len");
		TEST_ASSERT_EQUAL(T.host[BUFS + 0x10000 + i * 2048 + 20], i, "payload");
	}
	TEST_ASSERT(txc[10].flags == 0, "no more");
	/* Wrap the 64-entry ring: second pass uses phase 0. */
	post_tx(10, 60, 60);
	store(blk(OPNIC_BLK_TXDB), 70);
	for (i = 0; i < 4; i++)
		opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(txc[5].flags & OPNIC_CPL_PHASE, 0, "wrapped phase");
	TEST_ASSERT_EQUAL(txc[6].flags & OPNIC_CPL_PHASE, 1, "not yet wrapped");
	/* RX ran out after 64 buffers: 6 dropped, counted. */
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_NO_DESC / 8], 6, "no desc");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_TX_PKTS / 8], 70, "tx pkts");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_PKTS / 8], 64, "rx pkts");
	/* The same counters appear in the STATS block. */
	{
		uint64_t v;

		opnic_model_read32(&T.dev, 0, 0);
		memcpy(&v, T.bar0 + blk(OPNIC_BLK_STATS) + OPNIC_ST_TX_PKTS, 8);
		TEST_ASSERT_EQUAL(v, 70, "stats block");
	}
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_queue_bad_config(void)
{
	struct opnic_cpl *txc;
	struct opnic_tx_desc *d;

	TEST_ASSERT(t_setup("fpga8k") == 0, "setup");
	q_setup(0, 0, TX_RING, TX_CPL, 0, 5, 1);	/* 32 entries: too small */
	TEST_ASSERT_EQUAL(q_status(0, 0, OPNIC_Q_STATUS), OPNIC_Q_STATUS_ERROR, "size");
	TEST_ASSERT_EQUAL(q_status(0, 0, OPNIC_Q_ERROR), OPNIC_QERR_SIZE, "err");
	q_setup(0, 0, TX_RING, TX_CPL, 0, 6, 0);
	q_setup(0, 0, HOST_SIZE + 0x1000, TX_CPL, 0, 6, 1);	/* unmapped */
	TEST_ASSERT_EQUAL(q_status(0, 0, OPNIC_Q_ERROR), OPNIC_QERR_RING_DMA, "dma");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_DMA_ERRORS / 8], 1, "dma counted");
	q_setup(0, 1, TX_RING, TX_CPL, 0x10008, 6, 1);	/* misaligned shadow */
	TEST_ASSERT_EQUAL(q_status(0, 1, OPNIC_Q_ERROR), OPNIC_QERR_SHADOW_DMA, "shadow");
	/* A descriptor pointing at an unmapped buffer and one with a bad
	 * length: both completed with an error status, counted. */
	q_setup(0, 0, TX_RING, TX_CPL, 0, 0, 0);
	q_setup(0, 0, TX_RING, TX_CPL, 0, 6, 1);
	d = (void *)(T.host + TX_RING);
	d[0].addr = 0x10;
	d[0].len = 60;
	d[1].addr = HOST_IOVA + BUFS;
	d[1].len = 9;
	store(blk(OPNIC_BLK_TXDB), 2);
	opnic_model_poll(&T.dev);
	txc = (void *)(T.host + TX_CPL);
	TEST_ASSERT_EQUAL(txc[0].status, OPNIC_CPL_ST_DMA_ERR, "dma err");
	TEST_ASSERT_EQUAL(txc[1].status, OPNIC_CPL_ST_DESC_ERR, "desc err");
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_DESC_ERRORS / 8], 1, "desc counted");
	/* A producer index claiming more than the ring holds is refused. */
	store(blk(OPNIC_BLK_TXDB), 1000);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_DESC_ERRORS / 8], 2, "prod beyond ring");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_doorbell_suppression(void)
{
	struct opnic_shadow *sh;
	struct opnic_cpl *txc;
	unsigned int i;

	TEST_ASSERT(t_setup("tight4k") == 0, "setup");
	sh = (void *)(T.host + TX_SHADOW);
	txc = (void *)(T.host + TX_CPL);
	q_setup(0, 0, TX_RING, TX_CPL, TX_SHADOW, 6, 1);
	q_setup(1, 0, RX_RING, RX_CPL, RX_SHADOW, 6, 1);
	TEST_ASSERT_EQUAL(sh->dev_flags, OPNIC_SHADOW_NO_NOTIFY, "polling");
	/* While polling, the producer in host memory is enough. */
	post_tx(0, 4, 60);
	sh->drv_prod = 4;
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(txc[3].flags & 1, 1, "sent without doorbell");
	TEST_ASSERT_EQUAL(sh->dev_cons, 0, "dev_cons not written while busy");
	/* RX took buffers from the RX shadow without a doorbell either. */
	{
		struct opnic_shadow *rsh = (void *)(T.host + RX_SHADOW);
		struct opnic_rx_desc *rd0 = (void *)(T.host + RX_RING);

		TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_NO_DESC / 8], 4, "no rx bufs yet");
		for (i = 0; i < 8; i++)
			rd0[i].addr = HOST_IOVA + BUFS + 0x10000 + i * 2048;
		rsh->drv_prod = 8;
		post_tx(4, 2, 60);
		sh->drv_prod = 6;
		opnic_model_poll(&T.dev);
		TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_PKTS / 8], 2, "rx via shadow");
	}
	/* Idle after OPNIC_IDLE_POLLS empty polls: asks for doorbells. */
	for (i = 0; i < OPNIC_IDLE_POLLS + 1; i++)
		opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(sh->dev_flags, 0, "idle, notify wanted");
	TEST_ASSERT_EQUAL(sh->dev_cons, 6, "dev_cons published on idle");
	/* Idle: a producer update alone is not seen... */
	post_tx(6, 2, 60);
	sh->drv_prod = 8;
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(txc[6].flags & 1, 0, "idle device does not poll memory");
	/* ...until the doorbell. */
	store(blk(OPNIC_BLK_TXDB), 8);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(txc[7].flags & 1, 1, "doorbell wakes it");
	TEST_ASSERT_EQUAL(sh->dev_flags, OPNIC_SHADOW_NO_NOTIFY, "polling again");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_rss_vectors(void)
{
	/* Microsoft's RSS verification suite, IPv4 with and without TCP. */
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
		0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
		0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
		0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa };
	static const struct {
		uint8_t dst[4], src[4];
		uint16_t dport, sport;
		uint32_t ip, tcp;
	} v[] = {
		{ {161, 142, 100, 80}, {66, 9, 149, 187}, 1766, 2794,
		  0x323e8fc2, 0x51ccc178 },
		{ {65, 69, 140, 83}, {199, 92, 111, 2}, 4739, 14230,
		  0xd718262a, 0xc626b0ea },
		{ {12, 22, 207, 184}, {24, 19, 198, 95}, 38024, 12898,
		  0xd2d0a5de, 0x5c2b394a },
		{ {209, 142, 163, 6}, {38, 27, 205, 30}, 2217, 48228,
		  0x82989176, 0xafc7327f },
		{ {202, 188, 127, 2}, {153, 39, 163, 191}, 1303, 44251,
		  0x5d1809c5, 0x10e828a2 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t f[64] = { 0 };
		int valid;

		f[12] = 0x08;
		f[14] = 0x45;
		f[14 + 9] = 6;
		memcpy(f + 26, v[i].src, 4);
		memcpy(f + 30, v[i].dst, 4);
		f[34] = (uint8_t)(v[i].sport >> 8);
		f[35] = (uint8_t)v[i].sport;
		f[36] = (uint8_t)(v[i].dport >> 8);
		f[37] = (uint8_t)v[i].dport;
		TEST_ASSERT_EQUAL(opnic_rss_hash_frame(key, f, sizeof(f), &valid),
				  v[i].tcp, "tcp vector %u", i);
		TEST_ASSERT(valid, "valid");
		f[14 + 9] = 47;	/* GRE: addresses only */
		TEST_ASSERT_EQUAL(opnic_rss_hash_frame(key, f, sizeof(f), &valid),
				  v[i].ip, "ip vector %u", i);
	}
	return TEST_SUCCESS;
}

static int
test_rss_steering(void)
{
	uint8_t *rss;
	unsigned int i;

	TEST_ASSERT(t_setup("qdma64k") == 0, "setup");
	rss = T.bar0 + blk(OPNIC_BLK_RSS);
	for (i = 0; i < 40; i++)
		rss[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < OPNIC_RSS_RETA_SIZE; i++)
		rss[OPNIC_RSS_RETA + i] = 1;	/* everything to queue 1 */
	wr(blk(OPNIC_BLK_RSS) + OPNIC_RSS_CTRL, OPNIC_RSS_ENABLE);
	q_setup(0, 0, TX_RING, TX_CPL, 0, 6, 1);
	{
		uint32_t b = blk(OPNIC_BLK_QCFG) + OPNIC_QCFG_RX_BASE + OPNIC_QCFG_STRIDE;
		struct opnic_rx_desc *d = (void *)(T.host + RX_RING);
		struct opnic_tx_desc *t = (void *)(T.host + TX_RING);
		struct opnic_cpl *c = (void *)(T.host + RX_CPL);
		uint8_t *f = T.host + BUFS;

		wr(b + OPNIC_Q_RING_LO, (uint32_t)(HOST_IOVA + RX_RING));
		wr(b + OPNIC_Q_RING_HI, 1);
		wr(b + OPNIC_Q_CPL_LO, (uint32_t)(HOST_IOVA + RX_CPL));
		wr(b + OPNIC_Q_CPL_HI, 1);
		wr(b + OPNIC_Q_SIZE_LOG2, 6);
		wr(b + OPNIC_Q_BUF_SIZE, 2048);
		wr(b + OPNIC_Q_CTRL, 1);
		d[0].addr = HOST_IOVA + BUFS + 0x8000;
		wr(blk(OPNIC_BLK_RXDB) + 4, 1);
		memset(f, 0, 64);
		memcpy(f, "\x02\x00\x00\x00\x00\x01", 6);
		f[12] = 0x08;
		f[14] = 0x45;
		f[23] = 17;
		t[0].addr = HOST_IOVA + BUFS;
		t[0].len = 64;
		wr(blk(OPNIC_BLK_TXDB), 1);
		opnic_model_poll(&T.dev);
		TEST_ASSERT_EQUAL(c[0].flags, OPNIC_CPL_PHASE | OPNIC_CPL_RSS, "rss flag");
		TEST_ASSERT_EQUAL(c[0].rss_hash, opnic_toeplitz(rss, f + 26, 12) ,
				  "hash");
		TEST_ASSERT_EQUAL(T.dev.rxq[1].pkts, 1, "queue 1");
	}
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_mac_filter(void)
{
	TEST_ASSERT(t_setup("tight4k") == 0, "setup");
	q_setup(0, 0, TX_RING, TX_CPL, 0, 6, 1);
	q_setup(1, 0, RX_RING, RX_CPL, 0, 6, 1);
	post_rx(64);
	post_tx(0, 1, 60);
	T.host[BUFS + 5] = 9;	/* not our address */
	store(blk(OPNIC_BLK_TXDB), 1);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_FILTERED / 8], 1, "filtered");
	wr(blk(OPNIC_BLK_MAC) + OPNIC_MAC_RXMODE, OPNIC_RXMODE_PROMISC);
	post_tx(1, 1, 60);
	T.host[BUFS + 2048 + 5] = 9;
	store(blk(OPNIC_BLK_TXDB), 2);
	opnic_model_poll(&T.dev);
	TEST_ASSERT_EQUAL(T.dev.st[OPNIC_ST_RX_PKTS / 8], 1, "promisc accepts");
	t_teardown();
	return TEST_SUCCESS;
}

static int
test_dma_map(void)
{
	struct opnic_dma_map *m = malloc(sizeof(*m));
	uint8_t a[100], b[100];

	opnic_dma_init(m);
	TEST_ASSERT(opnic_dma_add(m, 1000, 100, a, NULL) == 0, "add");
	TEST_ASSERT(opnic_dma_add(m, 2000, 100, b, NULL) == 0, "add");
	TEST_ASSERT(opnic_dma_add(m, 1050, 10, b, NULL) < 0, "overlap refused");
	TEST_ASSERT(opnic_dma_add(m, UINT64_MAX - 5, 10, b, NULL) < 0, "wrap");
	TEST_ASSERT(opnic_dma_ptr(m, 1000, 100) == a, "hit");
	TEST_ASSERT(opnic_dma_ptr(m, 2050, 10) == b + 50, "hit 2");
	TEST_ASSERT(opnic_dma_ptr(m, 1050, 51) == NULL, "crosses end");
	TEST_ASSERT(opnic_dma_ptr(m, 1100, 1) == NULL, "gap");
	TEST_ASSERT(opnic_dma_ptr(m, 0, 1) == NULL, "below");
	TEST_ASSERT(opnic_dma_remove(m, 0, 1500, NULL) == 1, "remove");
	TEST_ASSERT(opnic_dma_ptr(m, 1000, 1) == NULL, "gone");
	free(m);
	return TEST_SUCCESS;
}

int
main(void)
{
	static const struct unit_test_case cases[] = {
		TEST_CASE(test_profiles_load),
		TEST_CASE(test_profile_bad_input),
		TEST_CASE(test_directory),
		TEST_CASE(test_registers),
		TEST_CASE(test_msix_and_link),
		TEST_CASE(test_queues_loopback),
		TEST_CASE(test_queue_bad_config),
		TEST_CASE(test_doorbell_suppression),
		TEST_CASE(test_rss_vectors),
		TEST_CASE(test_rss_steering),
		TEST_CASE(test_mac_filter),
		TEST_CASE(test_dma_map),
	};

	return unit_test_run("model", cases, sizeof(cases) / sizeof(cases[0]));
}
