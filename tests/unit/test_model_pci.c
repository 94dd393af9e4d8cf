/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Unit tests of the model's PCI rules (doc/spec.md 1.1, 3.1, 3.3), stepped:
 * Bus Master off holds every DMA and the LSC message, memory decoding off
 * makes BAR accesses Unsupported Requests, ID.RESET reads 1 until the reset
 * is complete, a CAUSE_CLR never clears a change the device recorded after
 * it last looked, and an unmap that wraps is refused.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/pci_regs.h>

#include "opnic_model.h"
#include "opnic_test.h"

/* Host memory the "driver" owns: rings, completions, shadows, frames. */
#define IOVA0		0x7f0000000ull
#define MEM_BYTES	(1u << 20)
#define RING_TX		0x0000u
#define RING_RX		0x1000u
#define CPL_TX		0x2000u
#define CPL_RX		0x3000u
#define SHADOW_TX	0x4000u
#define FRAMES		0x10000u
#define RXBUF		0x80000u

struct rig {
	struct opnic_model_dev m;
	struct opnic_profile p;
	struct opnic_dma_map map;
	uint8_t *bar0, *msix, *cfg, *mem;
	unsigned int irq0;
};

static struct rig *R;

static void
count_irq(void *ctx, unsigned int v)
{
	if (v == 0)
		((struct rig *)ctx)->irq0++;
}

static void
rig_free(void)
{
	if (R == NULL)
		return;
	opnic_model_fini(&R->m);
	free(R->bar0);
	free(R->msix);
	free(R->cfg);
	free(R->mem);
	free(R);
	R = NULL;
}

/* A device on the "separate" layout, loopback wire, Bus Master on. */
static int
rig_new(void)
{
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	char err[256];

	rig_free();
	R = calloc(1, sizeof(*R));
	if (R == NULL || opnic_profile_load("separate", &R->p, err,
					    sizeof(err)) != 0)
		return -1;
	R->bar0 = calloc(1, R->p.bar0_size);
	R->msix = calloc(1, R->p.msix_bar_size);
	R->cfg = calloc(1, OPNIC_CFG_SIZE);
	R->mem = calloc(1, MEM_BYTES);
	if (R->bar0 == NULL || R->msix == NULL || R->cfg == NULL ||
	    R->mem == NULL)
		return -1;
	opnic_dma_init(&R->map);
	if (opnic_dma_add(&R->map, IOVA0, MEM_BYTES, R->mem, NULL) != 0 ||
	    opnic_model_init(&R->m, &R->p, R->bar0, R->msix, R->cfg, mac) != 0)
		return -1;
	R->m.dma = &R->map;
	R->m.irq = count_irq;
	R->m.irq_ctx = R;
	return 0;
}

static uint32_t
off_of(unsigned int type, uint32_t reg)
{
	return opnic_profile_block(&R->p, type)->offset + reg;
}

/* A store through the BAR mapping (not trapped) and a load. */
static void
poke(uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(R->bar0 + off), v, __ATOMIC_RELEASE);
}

static uint32_t
peek(uint32_t off)
{
	return __atomic_load_n((uint32_t *)(R->bar0 + off), __ATOMIC_ACQUIRE);
}

static void
polls(unsigned int n)
{
	while (n-- > 0)
		opnic_model_poll(&R->m);
}

static void
command(uint16_t bits)
{
	opnic_model_set_command(&R->m, bits);
}

static void
qcfg(int rx, uint32_t reg, uint32_t v)
{
	poke(off_of(OPNIC_BLK_QCFG, (rx ? OPNIC_QCFG_RX_BASE : 0) + reg), v);
}

static uint32_t
qstat(int rx)
{
	return peek(off_of(OPNIC_BLK_QCFG, (rx ? OPNIC_QCFG_RX_BASE : 0) +
			   OPNIC_Q_STATUS));
}

/* TX queue 0 (with a shadow) and RX queue 0, 64 entries each, enabled. */
static void
queues_on(void)
{
	static const uint32_t ring[2] = { RING_TX, RING_RX };
	static const uint32_t cpl[2] = { CPL_TX, CPL_RX };
	int rx;

	for (rx = 0; rx < 2; rx++) {
		qcfg(rx, OPNIC_Q_RING_LO, (uint32_t)(IOVA0 + ring[rx]));
		qcfg(rx, OPNIC_Q_RING_HI, (uint32_t)((IOVA0 + ring[rx]) >> 32));
		qcfg(rx, OPNIC_Q_CPL_LO, (uint32_t)(IOVA0 + cpl[rx]));
		qcfg(rx, OPNIC_Q_CPL_HI, (uint32_t)((IOVA0 + cpl[rx]) >> 32));
		if (!rx) {
			qcfg(0, OPNIC_Q_SHADOW_LO, (uint32_t)(IOVA0 + SHADOW_TX));
			qcfg(0, OPNIC_Q_SHADOW_HI,
			     (uint32_t)((IOVA0 + SHADOW_TX) >> 32));
		}
		qcfg(rx, OPNIC_Q_SIZE_LOG2, 6);
		qcfg(rx, OPNIC_Q_BUF_SIZE, 2048);
		qcfg(rx, OPNIC_Q_CTRL, OPNIC_Q_CTRL_ENABLE);
	}
	polls(1);
}

/* n frames of 64 bytes to the device's own address, posted to TX (shadow
 * producer and doorbell), and n RX buffers posted. */
static void
frames_post(unsigned int n)
{
	struct opnic_tx_desc *td = (struct opnic_tx_desc *)(R->mem + RING_TX);
	struct opnic_rx_desc *rd = (struct opnic_rx_desc *)(R->mem + RING_RX);
	struct opnic_shadow *sh = (struct opnic_shadow *)(R->mem + SHADOW_TX);
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t *f = R->mem + FRAMES + i * 128;

		memcpy(f, R->m.mac, 6);
		f[12] = 0x88;
		f[13] = 0xb5;
		f[14] = (uint8_t)(0xa0 + i);
		td[i] = (struct opnic_tx_desc){ .addr = IOVA0 + FRAMES + i * 128,
						.len = 64 };
		rd[i].addr = IOVA0 + RXBUF + i * 2048;
	}
	poke(off_of(OPNIC_BLK_RXDB, 0), n);
	__atomic_store_n(&sh->drv_prod, n, __ATOMIC_RELEASE);
	poke(off_of(OPNIC_BLK_TXDB, 0), n);
}

static uint16_t
cpl_flags(uint32_t ring, unsigned int i)
{
	return __atomic_load_n(&((struct opnic_cpl *)(R->mem + ring))[i].flags,
			       __ATOMIC_ACQUIRE);
}

/* Rule 1: Bus Master off, the queues' work waits; on, it runs. */
static int
test_bme_off_holds_queue_dma(void)
{
	struct opnic_shadow *sh;
	unsigned int i;

	TEST_ASSERT(rig_new() == 0, "rig");
	sh = (struct opnic_shadow *)(R->mem + SHADOW_TX);
	command(PCI_COMMAND_MEMORY);
	queues_on();
	TEST_ASSERT_EQUAL(qstat(0), OPNIC_Q_STATUS_RUNNING, "tx enabled");
	TEST_ASSERT_EQUAL(qstat(1), OPNIC_Q_STATUS_RUNNING, "rx enabled");
	/* The shadow's first write is a DMA write: it waits too. */
	TEST_ASSERT_EQUAL(sh->dev_flags, 0, "no shadow write without BME");
	frames_post(4);
	polls(1000);
	for (i = 0; i < 4; i++) {
		TEST_ASSERT_EQUAL(cpl_flags(CPL_TX, i), 0, "tx cpl %u held", i);
		TEST_ASSERT_EQUAL(cpl_flags(CPL_RX, i), 0, "rx cpl %u held", i);
	}
	TEST_ASSERT_EQUAL(R->mem[RXBUF + 14], 0, "no buffer write");
	TEST_ASSERT_EQUAL(R->m.st[OPNIC_ST_TX_PKTS / 8], 0, "nothing sent");
	TEST_ASSERT_EQUAL(R->m.st[OPNIC_ST_RX_NO_DESC / 8], 0, "nothing dropped");
	TEST_ASSERT(R->m.bme_held_polls >= 1000, "held polls counted: %llu",
		    (unsigned long long)R->m.bme_held_polls);
	/* The driver sets Bus Master: the posted work runs, none lost. */
	command(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	polls(2);
	TEST_ASSERT_EQUAL(sh->dev_flags & OPNIC_SHADOW_NO_NOTIFY,
			  OPNIC_SHADOW_NO_NOTIFY, "shadow written once BME is on");
	for (i = 0; i < 4; i++) {
		TEST_ASSERT_EQUAL(cpl_flags(CPL_TX, i) & OPNIC_CPL_PHASE, 1,
				  "tx cpl %u", i);
		TEST_ASSERT_EQUAL(cpl_flags(CPL_RX, i) & OPNIC_CPL_PHASE, 1,
				  "rx cpl %u", i);
		TEST_ASSERT_EQUAL(R->mem[RXBUF + i * 2048 + 14], 0xa0 + i,
				  "frame %u in its buffer", i);
	}
	TEST_ASSERT_EQUAL(R->m.st[OPNIC_ST_TX_PKTS / 8], 4, "all sent");
	TEST_ASSERT_EQUAL(R->m.st[OPNIC_ST_RX_PKTS / 8], 4, "all received");
	rig_free();
	return TEST_SUCCESS;
}

/* Rule 1: with Bus Master off a frame from the wire reaches no buffer;
 * a wire that can wait is told to offer it again. */
static int
test_bme_off_rx_from_wire(void)
{
	uint8_t f[64] = { 0 };

	TEST_ASSERT(rig_new() == 0, "rig");
	queues_on();
	frames_post(2);
	command(PCI_COMMAND_MEMORY);
	memcpy(f, R->m.mac, 6);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&R->m, f, 64, 1), -EAGAIN,
			  "a waiting wire waits");
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&R->m, f, 64, 0), -ENOBUFS,
			  "no buffer reachable");
	TEST_ASSERT_EQUAL(cpl_flags(CPL_RX, 0), 0, "no completion");
	TEST_ASSERT_EQUAL(R->m.bme_rx_refused, 1, "counted");
	command(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	TEST_ASSERT_EQUAL(opnic_model_rx_offer(&R->m, f, 64, 0), 0, "delivered");
	TEST_ASSERT_EQUAL(cpl_flags(CPL_RX, 0) & OPNIC_CPL_PHASE, 1, "completion");
	rig_free();
	return TEST_SUCCESS;
}

/* Rule 1: the LSC message is a memory write: pending while BME is off. */
static int
test_bme_off_holds_msix(void)
{
	uint64_t pba;

	TEST_ASSERT(rig_new() == 0, "rig");
	opnic_model_set_msix_ctrl(&R->m, 1, 0);
	opnic_model_set_vector_mask(&R->m, 0, 0);
	poke(off_of(OPNIC_BLK_LINK, OPNIC_LINK_INTR_EN), 1);
	polls(1);
	command(PCI_COMMAND_MEMORY);
	opnic_model_set_link(&R->m, 0);
	polls(10);
	memcpy(&pba, R->msix + R->p.msix_pba, 8);
	TEST_ASSERT_EQUAL(R->irq0, 0, "no message without BME");
	TEST_ASSERT_EQUAL(pba & 1, 1, "vector 0 pending");
	command(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	polls(1);
	memcpy(&pba, R->msix + R->p.msix_pba, 8);
	TEST_ASSERT_EQUAL(R->irq0, 1, "sent once BME is on");
	TEST_ASSERT_EQUAL(pba & 1, 0, "no longer pending");
	rig_free();
	return TEST_SUCCESS;
}

/* Rule 1: memory decoding off, BAR accesses are Unsupported Requests:
 * trapped reads all ones, stores (trapped or through the mapping) dropped,
 * doorbells included. */
static int
test_mse_off_unsupported_request(void)
{
	uint32_t scratch, txdb;

	TEST_ASSERT(rig_new() == 0, "rig");
	scratch = off_of(OPNIC_BLK_ID, OPNIC_ID_SCRATCH);
	txdb = off_of(OPNIC_BLK_TXDB, 0);
	queues_on();
	opnic_model_write32(&R->m, 0, scratch, 0x1234);
	TEST_ASSERT_EQUAL(opnic_model_read32(&R->m, 0, scratch), 0x1234, "rw");
	command(PCI_COMMAND_MASTER);
	TEST_ASSERT_EQUAL(opnic_model_read32(&R->m, 0, scratch), 0xffffffff,
			  "read: all ones");
	opnic_model_write32(&R->m, 0, scratch, 0x5678);
	TEST_ASSERT_EQUAL(peek(scratch), 0x1234, "trapped write dropped");
	polls(1);
	poke(scratch, 0x9abc);
	poke(txdb, 3);
	polls(1);
	TEST_ASSERT_EQUAL(peek(scratch), 0x1234, "mapped store undone");
	TEST_ASSERT_EQUAL(peek(txdb), 0, "doorbell store undone");
	TEST_ASSERT_EQUAL(R->m.txq[0].doorbells_seen, 0, "doorbell not seen");
	TEST_ASSERT(R->m.mse_writes_dropped >= 2, "counted: %llu",
		    (unsigned long long)R->m.mse_writes_dropped);
	command(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	poke(scratch, 0x4321);
	polls(1);
	TEST_ASSERT_EQUAL(opnic_model_read32(&R->m, 0, scratch), 0x4321,
			  "decoding back on");
	rig_free();
	return TEST_SUCCESS;
}

static void
sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* Rule 2: ID.RESET reads 1 (and STATUS not ready) for the reset's whole
 * duration; when it reads 0 every register has its reset value. */
static int
test_reset_busy_until_done(void)
{
	uint32_t rst, st, lo, mtu;
	unsigned int spins = 0;

	TEST_ASSERT(rig_new() == 0, "rig");
	rst = off_of(OPNIC_BLK_ID, OPNIC_ID_RESET);
	st = off_of(OPNIC_BLK_ID, OPNIC_ID_STATUS);
	lo = off_of(OPNIC_BLK_MAC, OPNIC_MAC_ADDR_LO);
	mtu = off_of(OPNIC_BLK_MAC, OPNIC_MAC_MTU);
	R->m.reset_ns = 20 * 1000 * 1000;	/* 20 ms */
	queues_on();
	poke(mtu, 9000);
	polls(1);
	poke(rst, 1);
	polls(1);
	TEST_ASSERT_EQUAL(peek(rst), 1, "in progress reads 1");
	TEST_ASSERT_EQUAL(peek(st) & OPNIC_ID_STATUS_READY, 0, "not ready");
	TEST_ASSERT(!R->m.txq[0].running, "no DMA during reset");
	polls(100);
	TEST_ASSERT_EQUAL(peek(rst), 1, "still in progress");
	/* A driver that polls RESET sees 0 only with the registers reset. */
	while (peek(rst) != 0 && spins++ < 200) {
		sleep_us(1000);
		polls(1);
	}
	TEST_ASSERT_EQUAL(peek(rst), 0, "done within 200 ms");
	TEST_ASSERT(spins >= 10, "took its time: %u ms", spins);
	TEST_ASSERT_EQUAL(peek(st) & OPNIC_ID_STATUS_READY, 1, "ready");
	TEST_ASSERT_EQUAL(peek(lo), 0x33221102, "factory MAC after done");
	TEST_ASSERT_EQUAL(peek(mtu), 1500, "MTU reset");
	/* Duration 0: as before, done by the scan that saw the write. */
	R->m.reset_ns = 0;
	poke(rst, 1);
	polls(1);
	TEST_ASSERT_EQUAL(peek(rst), 0, "at once");
	TEST_ASSERT_EQUAL(peek(lo), 0x33221102, "MAC");
	rig_free();
	return TEST_SUCCESS;
}

/* Rule 2: an FLR takes the same time and keeps the MSI-X table (the PCI
 * core restores it). */
static int
test_flr_takes_time(void)
{
	uint32_t st, data;
	uint8_t *e0;

	TEST_ASSERT(rig_new() == 0, "rig");
	st = off_of(OPNIC_BLK_ID, OPNIC_ID_STATUS);
	e0 = R->msix + R->p.msix_table;
	data = 0xfee00042;
	memcpy(e0, &data, 4);
	R->m.reset_ns = 5 * 1000 * 1000;
	opnic_model_reset_begin(&R->m, OPNIC_RST_FLR);
	polls(3);
	TEST_ASSERT_EQUAL(R->m.in_reset, OPNIC_RST_FLR, "in progress");
	TEST_ASSERT_EQUAL(peek(st), 0, "not ready");
	sleep_us(6000);
	polls(1);
	TEST_ASSERT_EQUAL(R->m.in_reset, OPNIC_RST_NONE, "done");
	TEST_ASSERT_EQUAL(peek(st), OPNIC_ID_STATUS_READY, "ready");
	memcpy(&data, e0, 4);
	TEST_ASSERT_EQUAL(data, 0xfee00042, "MSI-X table kept");
	rig_free();
	return TEST_SUCCESS;
}

static uint32_t
cause(void)
{
	return peek(off_of(OPNIC_BLK_LINK, OPNIC_LINK_CAUSE));
}

/* Rule 3: a link change after the driver's CAUSE_CLR write is never wiped
 * by that clear, whenever the device gets to see the write. */
static int
test_cause_clr_keeps_later_change(void)
{
	uint32_t clr;

	TEST_ASSERT(rig_new() == 0, "rig");
	clr = off_of(OPNIC_BLK_LINK, OPNIC_LINK_CAUSE_CLR);
	/* A change, seen by a scan; the driver reads and clears: cleared. */
	opnic_model_set_link(&R->m, 0);
	polls(1);
	TEST_ASSERT_EQUAL(cause(), OPNIC_CAUSE_LSC, "cause set");
	poke(clr, cause());
	polls(1);
	TEST_ASSERT_EQUAL(cause(), 0, "a clear clears what it saw");
	TEST_ASSERT_EQUAL(peek(clr), 0, "strobe back to 0");
	/* The driver reads the cause and writes the clear; the link changes
	 * again before the device's next scan: that change must stay. */
	opnic_model_set_link(&R->m, 1);
	polls(1);
	poke(clr, cause());
	opnic_model_set_link(&R->m, 0);
	TEST_ASSERT_EQUAL(cause(), OPNIC_CAUSE_LSC, "the new change is set");
	polls(1);
	TEST_ASSERT_EQUAL(cause(), OPNIC_CAUSE_LSC, "not wiped by the old clear");
	/* The change before the clear's scan: the device cannot tell which
	 * came first and keeps the cause (spurious at worst). */
	opnic_model_set_link(&R->m, 1);
	poke(clr, cause());
	polls(1);
	TEST_ASSERT_EQUAL(cause(), OPNIC_CAUSE_LSC, "ambiguous: kept");
	TEST_ASSERT(R->m.cause_clr_kept >= 1, "counted");
	/* Nothing new since: the next clear clears. */
	poke(clr, cause());
	polls(1);
	TEST_ASSERT_EQUAL(cause(), 0, "cleared");
	/* A storm of changes between the driver's read and the scan. */
	opnic_model_set_link(&R->m, 0);
	polls(1);
	poke(clr, cause());
	{
		unsigned int k;

		for (k = 0; k < 1000; k++) {
			opnic_model_set_link(&R->m, 1);
			opnic_model_set_link(&R->m, 0);
		}
	}
	polls(1);
	TEST_ASSERT_EQUAL(cause(), OPNIC_CAUSE_LSC, "storm: cause kept");
	rig_free();
	return TEST_SUCCESS;
}

/* Rule 4: an unmap whose range wraps is refused, counted, and keeps every
 * mapping; one that ends exactly at 2^64 is a range. */
static int
test_unmap_wrap_refused(void)
{
	static uint8_t a[8192], b[4096];
	struct opnic_dma_map *m = malloc(sizeof(*m));
	uint64_t top = 0ull - 0x4000;	/* 2^64 - 16 KiB */

	TEST_ASSERT(m != NULL, "alloc");
	opnic_dma_init(m);
	TEST_ASSERT(opnic_dma_add(m, 0x10000, sizeof(a), a, NULL) == 0, "low");
	TEST_ASSERT(opnic_dma_add(m, top, sizeof(b), b, NULL) == 0, "high");
	TEST_ASSERT_EQUAL(opnic_dma_remove(m, top, 0x10000, NULL), -EINVAL,
			  "wrapping unmap refused");
	TEST_ASSERT_EQUAL(opnic_dma_remove(m, 0x10000, 0ull - 0x10000 + 1, NULL),
			  -EINVAL, "wraps by one byte");
	TEST_ASSERT_EQUAL(opnic_dma_remove(m, 0x10000, 0, NULL), -EINVAL,
			  "empty refused");
	TEST_ASSERT_EQUAL(m->refused, 3, "counted");
	TEST_ASSERT(opnic_dma_ptr(m, top, 16) == b, "high kept");
	TEST_ASSERT(opnic_dma_ptr(m, 0x10000, 16) == a, "low kept");
	TEST_ASSERT_EQUAL(m->n, 2, "both kept");
	/* [top, 2^64) does not wrap: it removes the high mapping only. */
	TEST_ASSERT_EQUAL(opnic_dma_remove(m, top, 0x4000, NULL), 1,
			  "to the end of the space");
	TEST_ASSERT(opnic_dma_ptr(m, top, 16) == NULL, "high gone");
	TEST_ASSERT(opnic_dma_ptr(m, 0x10000, 16) == a, "low still there");
	free(m);
	return TEST_SUCCESS;
}

int
main(void)
{
	static const struct unit_test_case cases[] = {
		TEST_CASE(test_bme_off_holds_queue_dma),
		TEST_CASE(test_bme_off_rx_from_wire),
		TEST_CASE(test_bme_off_holds_msix),
		TEST_CASE(test_mse_off_unsupported_request),
		TEST_CASE(test_reset_busy_until_done),
		TEST_CASE(test_flr_takes_time),
		TEST_CASE(test_cause_clr_keeps_later_change),
		TEST_CASE(test_unmap_wrap_refused),
	};
	int r = unit_test_run("model_pci", cases,
			      sizeof(cases) / sizeof(cases[0]));

	rig_free();
	return r;
}
