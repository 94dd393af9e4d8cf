/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Fuzz harness: the NIC model (lib/model) driven by a buggy or hostile
 * driver. The input is a program of operations: trapped register writes
 * and reads anywhere in the BARs, untrapped stores into BAR0, queue set-up
 * with ring/completion/shadow IOVAs in, across or outside the mapped
 * memory, descriptor and shadow stores into host memory, doorbells and
 * producer indices, polls, frames offered from the wire, link changes,
 * resets, FLR, surprise removal, MSI-X control, fault injection and DMA
 * unmap/remap.
 *
 * The device's layout is one of the four profiles in config/ (first byte's
 * bit 6: their revision-2 twins, *-v2, with v2 descriptors, head line,
 * offload and WB_EVERY registers fuzzed too), or (bit 7) profile text at
 * the start of the input: whatever the parser accepts, the model must run
 * on.
 *
 * The model gets a DMA map of two host buffers, each malloc'd to exactly its
 * mapped size; BAR0, the MSI-X BAR and config space are malloc'd to exactly
 * their sizes too. ASan reports any access outside them, and an unmapped
 * buffer is poisoned, so a model that keeps using a ring after its unmap
 * is caught. Checked too: interrupts only for vectors that exist, and
 * a running queue never has more descriptors outstanding than its ring.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <sanitizer/asan_interface.h>

#include "opnic_model.h"
#include "fuzz_common.h"

#define NPROF		4
#define HOST_IOVA0	0x10000000ull
#define HOST_IOVA1	0x7ffff000ull	/* a second range, below 4 GiB */
#define HOST_SIZE	0x10000u

static struct opnic_profile profs[NPROF];
static struct opnic_profile profs_v2[NPROF];	/* spec revision 2 */
static struct opnic_dma_map dma;
volatile uint8_t fuzz_sink;

struct host {
	uint64_t iova;
	uint8_t *mem;
	int mapped;
};

static struct {
	struct opnic_model_dev dev;
	const struct opnic_profile *prof;
	struct host h[2];
	uint8_t *bar0, *bar2, *cfg;
} F;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[NPROF] = {
		"tight4k", "qdma64k", "fpga8k", "separate" };
	char path[4096], err[256];
	unsigned int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NPROF; i++) {
		snprintf(path, sizeof(path), "%s/%s.profile", FUZZ_CONFIG_DIR,
			 names[i]);
		if (opnic_profile_load(path, &profs[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_model: %s\n", err);
			exit(1);
		}
		snprintf(path, sizeof(path), "%s/%s-v2.profile", FUZZ_CONFIG_DIR,
			 names[i]);
		if (opnic_profile_load(path, &profs_v2[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_model: %s\n", err);
			exit(1);
		}
	}
	return 0;
}

static void
on_irq(void *ctx, unsigned int vector)
{
	struct opnic_model_dev *dev = ctx;

	FUZZ_CHECK(vector < dev->prof.msix_vectors, "interrupt on vector %u of %u",
		   vector, dev->prof.msix_vectors);
}

static void
on_wire(void *ctx, const uint8_t *f, uint32_t len)
{
	uint8_t sum = 0;
	uint32_t i;

	(void)ctx;
	/* v2 may insert a VLAN tag into a frame of MAX_FRAME bytes. */
	FUZZ_CHECK(len >= 14 && len <= (F.dev.blk_ver[OPNIC_BLK_QCFG] >= 2 ?
					OPNIC_MODEL_FRAME_BUF : 9018),
		   "frame of %u bytes on the wire", len);
	for (i = 0; i < len; i++)	/* every byte readable (ASan) */
		sum ^= f[i];
	fuzz_sink = sum;
}

static void
host_map(struct host *h)
{
	if (h->mapped)
		return;
	ASAN_UNPOISON_MEMORY_REGION(h->mem, HOST_SIZE);
	if (opnic_dma_add(&dma, h->iova, HOST_SIZE, h->mem, NULL) == 0)
		h->mapped = 1;
}

static void
host_unmap(struct host *h)
{
	if (!h->mapped)
		return;
	opnic_dma_remove(&dma, h->iova, HOST_SIZE, NULL);
	h->mapped = 0;
	opnic_model_dma_changed(&F.dev);
	/* From now on any use of it is a use of unmapped memory. */
	ASAN_POISON_MEMORY_REGION(h->mem, HOST_SIZE);
}

/* An IOVA the fuzzer chose: mostly inside a mapped buffer, sometimes
 * straddling its end, sometimes anything. */
static uint64_t
pick_iova(struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in);
	uint32_t off = fuzz_u16(in);

	switch (how & 3) {
	case 0: return HOST_IOVA0 + (off % HOST_SIZE);
	case 1: return HOST_IOVA1 + (off % HOST_SIZE);
	case 2: return HOST_IOVA0 + HOST_SIZE - (off & 0xff);
	default: return fuzz_u64(in);
	}
}

static void
check_queues(void)
{
	unsigned int i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < OPNIC_QCFG_MAX_QUEUES; i++) {
			const struct opnic_model_q *q = k ? &F.dev.rxq[i] : &F.dev.txq[i];

			if (!q->running)
				continue;
			FUZZ_CHECK(i < F.prof->queues, "queue %u of %u running", i,
				   F.prof->queues);
			FUZZ_CHECK(q->size >= 64 && q->size <= 4096 &&
				   (q->size & q->mask) == 0, "ring size %u", q->size);
			FUZZ_CHECK(q->is_rx || (uint32_t)(q->prod - q->cons) <= q->size,
				   "TX queue %u: prod %u cons %u size %u", i, q->prod,
				   q->cons, q->size);
			/* v2: the head line owes at most a ring of
			 * descriptors, and a TX queue has one. */
			FUZZ_CHECK(q->ver == 1 || q->since_wb <= q->size,
				   "queue %u: %u descriptors unreported", i,
				   q->since_wb);
			FUZZ_CHECK(q->ver == 1 || q->is_rx || q->head != NULL,
				   "v2 TX queue %u without a head line", i);
		}
}

static uint32_t
qreg_off(unsigned int is_rx, unsigned int q, uint32_t reg)
{
	return F.dev.blk[OPNIC_BLK_QCFG] + (is_rx ? OPNIC_QCFG_RX_BASE : 0) +
	       q * OPNIC_QCFG_STRIDE + reg;
}

static void
wr(uint32_t off, uint32_t v)
{
	opnic_model_write32(&F.dev, 0, off, v);
}

/* What a driver does to start a queue (spec 3.4), with fuzzed values. */
static void
queue_setup(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	unsigned int is_rx = sel & 1, q = (sel >> 1) % F.prof->queues;
	uint64_t ring, cpl, shadow = 0;
	uint8_t log2;

	/* In this order: ring, completions, [shadow], size. */
	ring = pick_iova(in);
	cpl = pick_iova(in);
	if (sel & 0x80)
		shadow = pick_iova(in);
	log2 = fuzz_u8(in);
	if (!(sel & 0x40)) {	/* aligned, as a correct driver has them */
		ring &= ~15ull;
		cpl &= ~15ull;
		shadow &= ~63ull;
	}
	log2 = (log2 & 0x80) ? log2 : 6 + (log2 & 1);
	wr(qreg_off(is_rx, q, OPNIC_Q_CTRL), 0);
	wr(qreg_off(is_rx, q, OPNIC_Q_RING_LO), (uint32_t)ring);
	wr(qreg_off(is_rx, q, OPNIC_Q_RING_HI), (uint32_t)(ring >> 32));
	wr(qreg_off(is_rx, q, OPNIC_Q_CPL_LO), (uint32_t)cpl);
	wr(qreg_off(is_rx, q, OPNIC_Q_CPL_HI), (uint32_t)(cpl >> 32));
	wr(qreg_off(is_rx, q, OPNIC_Q_SHADOW_LO), (uint32_t)shadow);
	wr(qreg_off(is_rx, q, OPNIC_Q_SHADOW_HI), (uint32_t)(shadow >> 32));
	wr(qreg_off(is_rx, q, OPNIC_Q_SIZE_LOG2), log2);
	wr(qreg_off(is_rx, q, OPNIC_Q_BUF_SIZE), (sel & 0x20) ? fuzz_u32(in) : 2048);
	if (F.dev.blk_ver[OPNIC_BLK_QCFG] >= 2)	/* RX offloads, TX WB_EVERY */
		wr(qreg_off(is_rx, q, is_rx ? OPNIC_Q_OFFLOAD : OPNIC_Q_WB_EVERY),
		   fuzz_u8(in));
	wr(qreg_off(is_rx, q, OPNIC_Q_CTRL), OPNIC_Q_CTRL_ENABLE);
}

/* Bytes into host memory at an offset: descriptors, shadow words. */
static void
host_store(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	struct host *h = &F.h[sel & 1];
	uint32_t off = fuzz_u16(in) % HOST_SIZE;
	uint8_t buf[16];
	uint32_t n = 1u + (sel >> 4);

	if (!h->mapped)
		return;
	if ((sel & 2) && F.dev.blk_ver[OPNIC_BLK_QCFG] >= 2) {
		/* A v2 TX segment: flags (EOP, RS, offloads, reserved
		 * bits), header lengths and tag as the input says. */
		struct opnic_tx_desc_v2 d = { .addr = pick_iova(in),
			.len = fuzz_u16(in) };

		d.flags = fuzz_u16(in);
		d.hdr_lens = fuzz_u16(in);
		d.vlan_tci = fuzz_u16(in);
		if (!(sel & 4)) {
			d.len = (uint16_t)(1 + d.len % 2048);
			d.flags &= OPNIC_TXF_KNOWN;
		}
		memcpy(buf, &d, sizeof(d));
		n = 16;
	} else if (sel & 2) {
		/* A TX descriptor pointing into host memory. */
		struct opnic_tx_desc d = { .addr = pick_iova(in), .len = fuzz_u16(in) };

		if (!(sel & 4))
			d.len = (uint16_t)(14 + d.len % 1500);
		memcpy(buf, &d, sizeof(d));
		n = 16;
	} else {
		fuzz_copy(in, buf, n);
	}
	if (off + n > HOST_SIZE)
		off = HOST_SIZE - n;
	memcpy(h->mem + off, buf, n);
}

static void
offer(struct fuzz_in *in)
{
	static uint8_t frame[9018 + 64];
	uint16_t len = fuzz_u16(in);
	uint8_t sel = fuzz_u8(in);
	uint8_t *f;

	len = (sel & 1) ? len % sizeof(frame) : (uint16_t)(14 + len % 1500);
	if (len < 14)
		len = 14;	/* the wire's minimum: a MAC header */
	memset(frame, 0, len);
	fuzz_copy(in, frame, len < 64 ? len : 64);
	if (sel & 2)
		memcpy(frame, F.dev.mac, 6);
	/* Exactly len bytes, so an over-read is an ASan report. */
	f = malloc(len);
	if (f == NULL)
		return;
	memcpy(f, frame, len);
	opnic_model_rx_offer(&F.dev, f, len, (sel >> 2) & 1);
	free(f);
}

static void
misc(struct fuzz_in *in)
{
	uint8_t what = fuzz_u8(in);
	uint32_t v = fuzz_u32(in);
	uint16_t ctrl;

	switch (what % 12) {
	case 0: opnic_model_set_link(&F.dev, v & 1); break;
	case 1: opnic_model_reset(&F.dev); break;
	case 2: opnic_model_flr(&F.dev); break;
	case 3: opnic_model_surprise_remove(&F.dev, v & 1); break;
	case 4: opnic_model_set_msix_ctrl(&F.dev, v & 1, (v >> 1) & 1); break;
	case 5: opnic_model_set_vector_mask(&F.dev, v >> 1, v & 1); break;
	case 6: opnic_model_raise_vector(&F.dev, v); break;
	case 7:
		F.dev.faults.pending[v % OPNIC_FK_NKINDS] += 1 + ((v >> 8) & 3);
		break;
	case 8: F.dev.faults.random_ppm = v % 1000001; break;
	case 9: host_unmap(&F.h[v & 1]); break;
	case 10: host_map(&F.h[v & 1]); break;
	default:
		/* Config space as a driver (through vfio) writes it. */
		ctrl = (uint16_t)v;
		memcpy(F.cfg + OPNIC_CFG_CAP_MSIX + PCI_MSIX_FLAGS, &ctrl, 2);
		break;
	}
}

static void
run(struct fuzz_in *in)
{
	unsigned int nops = 0;

	while (fuzz_more(in) && nops++ < 512) {
		uint8_t op = fuzz_u8(in);
		uint32_t off, v, n, i, size;
		unsigned int bar;

		switch ((op & 0x0f) % 10) {
		case 0:	/* trapped write anywhere, any BAR */
			bar = (op >> 4) & 3;
			off = fuzz_u32(in);
			v = fuzz_u32(in);
			if (!(op & 0x80))
				off = (off % F.prof->bar0_size) & ~3u;
			opnic_model_write32(&F.dev, bar, off, v);
			break;
		case 1:	/* trapped read */
			bar = (op >> 4) & 3;
			off = fuzz_u32(in);
			if (!(op & 0x80))
				off = (off % F.prof->bar0_size) & ~3u;
			(void)opnic_model_read32(&F.dev, bar, off);
			break;
		case 2:	/* a store through the mapping: found by the scan */
			size = (op & 0x10) && F.bar2 != NULL ? F.prof->msix_bar_size :
							     F.prof->bar0_size;
			off = (fuzz_u32(in) % size) & ~3u;
			v = fuzz_u32(in);
			opnic_model_st32(((op & 0x10) && F.bar2 ? F.bar2 : F.bar0) + off, v);
			break;
		case 3:
			queue_setup(in);
			break;
		case 4:
			host_store(in);
			break;
		case 5:	/* doorbell: the producer index */
			v = fuzz_u8(in);
			off = F.dev.blk[(v & 1) ? OPNIC_BLK_RXDB : OPNIC_BLK_TXDB] +
			      ((v >> 1) % F.prof->queues) * OPNIC_DB_STRIDE;
			n = fuzz_u16(in);
			if (op & 0x80)
				wr(off, fuzz_u32(in));
			else
				opnic_model_st32(F.bar0 + off, n);
			break;
		case 6:	/* polls; enough of them for a TX queue to go idle */
			n = (op & 0x80) ? OPNIC_IDLE_POLLS + 8 : 1 + (op >> 4);
			for (i = 0; i < n; i++) {
				opnic_model_poll(&F.dev);
				check_queues();
			}
			break;
		case 7:
			offer(in);
			check_queues();
			break;
		case 8:
			misc(in);
			break;
		default:
			opnic_model_scan_registers(&F.dev);
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct fuzz_in in = { data, size };
	unsigned int i;

	if (size < 2)
		return 0;
	memset(&F, 0, sizeof(F));
	if (data[0] & 0x80) {
		/* Profile text up to a NUL, then the program: any profile the
		 * parser accepts must be one the model runs on safely. */
		static struct opnic_profile fp;
		const uint8_t *nul = memchr(data + 1, '\0', size - 1);
		char err[256];

		if (nul == NULL || size - (size_t)(nul - data) < 3 ||
		    opnic_profile_parse((const char *)data + 1, "fuzz.profile",
					&fp, err, sizeof(err)) != 0 ||
		    fp.bar0_size > (1u << 20) ||
		    (fp.msix_bar != 0 && fp.msix_bar_size > (1u << 20)))
			return 0;	/* rejected, or too big to allocate */
		F.prof = &fp;
		in.p = nul + 1;
		in.left = size - (size_t)(nul + 1 - data);
	} else {
		uint8_t b = fuzz_u8(&in);

		F.prof = (b & 0x40) ? &profs_v2[b % NPROF] : &profs[b % NPROF];
	}
	F.bar0 = malloc(F.prof->bar0_size);
	F.bar2 = F.prof->msix_bar != 0 ? malloc(F.prof->msix_bar_size) : NULL;
	F.cfg = malloc(OPNIC_CFG_SIZE);
	F.h[0] = (struct host){ HOST_IOVA0, malloc(HOST_SIZE), 0 };
	F.h[1] = (struct host){ HOST_IOVA1, malloc(HOST_SIZE), 0 };
	FUZZ_CHECK(F.bar0 && F.cfg && F.h[0].mem && F.h[1].mem &&
		   (F.prof->msix_bar == 0 || F.bar2), "out of memory");
	memset(F.h[0].mem, 0, HOST_SIZE);
	memset(F.h[1].mem, 0, HOST_SIZE);
	opnic_dma_init(&dma);
	host_map(&F.h[0]);
	host_map(&F.h[1]);
	FUZZ_CHECK(opnic_model_init(&F.dev, F.prof, F.bar0, F.bar2, F.cfg, mac) == 0,
		   "model init");
	F.dev.dma = &dma;
	F.dev.irq = on_irq;
	F.dev.irq_ctx = &F.dev;
	if (fuzz_u8(&in) & 1) {	/* an external wire instead of the loopback */
		F.dev.peer = NULL;
		F.dev.wire_tx = on_wire;
	}
	run(&in);
	if (getenv("FUZZ_VERBOSE") != NULL)	/* to check what a seed reaches */
		fprintf(stderr, "fuzz_model: tx0 %s %lu pkts, rx0 %s %lu pkts, "
			"dma errors %lu, desc errors %lu, irqs %lu, tx0 prod %u cons %u "
			"shadow %p\n",
			F.dev.txq[0].running ? "running" : "stopped",
			(unsigned long)F.dev.txq[0].pkts,
			F.dev.rxq[0].running ? "running" : "stopped",
			(unsigned long)F.dev.rxq[0].pkts,
			(unsigned long)F.dev.st[OPNIC_ST_DMA_ERRORS / 8],
			(unsigned long)F.dev.st[OPNIC_ST_DESC_ERRORS / 8],
			(unsigned long)F.dev.irqs_sent, F.dev.txq[0].prod,
			F.dev.txq[0].cons, (void *)F.dev.txq[0].shadow);
	opnic_model_fini(&F.dev);
	for (i = 0; i < 2; i++) {
		ASAN_UNPOISON_MEMORY_REGION(F.h[i].mem, HOST_SIZE);
		free(F.h[i].mem);
	}
	free(F.bar0);
	free(F.bar2);
	free(F.cfg);
	return 0;
}
