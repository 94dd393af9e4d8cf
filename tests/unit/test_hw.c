/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The PMD's hardware layer (drivers/net/opnic/opnic_hw.c) on a device made
 * of plain memory: BAR0 is a buffer with a register directory written by
 * the test, "mapped" through a vbar_dev filled in by hand. No EAL, no VFIO,
 * no model. What spec 2 says the driver checks (no block overlaps another
 * or the directory), RSS.RETA_SIZE, and the reset wait of spec 3.1 (RESET
 * reads 1 until done, about 1 ms; a reset that never completes is an error
 * naming the register and its value).
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opnic_test.h"
#include "opnic_hw.h"

int opnic_logtype_driver;	/* opnic_pci.c's, which is not linked */

#define BAR0 0x10000u
#define QUEUES 4

static uint8_t *bar;
static char *logbuf;
static size_t loglen;
static FILE *logf;

static void
st32(uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(bar + off), rte_cpu_to_le_32(v),
			 __ATOMIC_RELEASE);
}

static uint32_t
ld32(uint32_t off)
{
	return rte_le_to_cpu_32(__atomic_load_n((uint32_t *)(bar + off),
						__ATOMIC_ACQUIRE));
}

/* tight4k's blocks without MSI-X in BAR0 (entry i: type, offset, size). */
static const uint32_t layout[][3] = {
	{ OPNIC_BLK_ID, 0x100, 0x100 },
	{ OPNIC_BLK_MAC, 0x200, 0x100 },
	{ OPNIC_BLK_LINK, 0x300, 0x100 },
	{ OPNIC_BLK_RSS, 0x400, 0x100 },
	{ OPNIC_BLK_STATS, 0xc00, 0x400 },
	{ OPNIC_BLK_QCFG, 0x1000, 0x1000 },
	{ OPNIC_BLK_TXDB, 0x3000, 0x100 },
	{ OPNIC_BLK_RXDB, 0x3100, 0x100 },
};
#define NBLK RTE_DIM(layout)

static void
entry(unsigned int i, uint32_t type, uint32_t off, uint32_t size)
{
	uint32_t e = OPNIC_DIR_ENTRY_BASE + i * OPNIC_DIR_ENTRY_SIZE;

	st32(e, type | (uint32_t)OPNIC_BLK_VERSION << 16);
	st32(e + 4, off);
	st32(e + 8, size);
	st32(e + 12, 0);
}

/* A good device; extra (type, off, size) appended to the directory when
 * type is not ~0. */
static void
device_init(uint32_t xtype, uint32_t xoff, uint32_t xsize)
{
	unsigned int i, n = NBLK;

	memset(bar, 0, BAR0);
	st32(OPNIC_DIR_REG_MAGIC, OPNIC_DIR_MAGIC);
	st32(OPNIC_DIR_REG_VERSION, OPNIC_DIR_VERSION);
	for (i = 0; i < NBLK; i++)
		entry(i, layout[i][0], layout[i][1], layout[i][2]);
	if (xtype != ~0u)
		entry(n++, xtype, xoff, xsize);
	st32(OPNIC_DIR_REG_COUNT, n);
	st32(0x100 + OPNIC_ID_MAGIC, OPNIC_ID_MAGIC_VALUE);
	st32(0x100 + OPNIC_ID_NUM_QUEUES, QUEUES);
	st32(0x100 + OPNIC_ID_CAPS, 7);
	st32(0x100 + OPNIC_ID_STATUS, OPNIC_ID_STATUS_READY);
	st32(0x100 + OPNIC_ID_MAX_FRAME, 9018);
	st32(0x400 + OPNIC_RSS_RETA_SIZE_REG, OPNIC_RSS_RETA_SIZE);
}

static void
io_init(struct opnic_io *io)
{
	struct vbar_bar *b = &io->vb.bar[0];

	memset(io, 0, sizeof(*io));
	io->vb.fd = -1;
	io->vb.msix_bar = -1;
	io->vb.page_size = 4096;
	b->size = BAR0;
	b->base = bar;
	b->nmapped = 1;
	b->mapped[0] = (struct vbar_range){ 0, BAR0 };
	b->layout.size = BAR0;
	b->layout.page_size = 4096;
	b->layout.mmap = 1;
}

static int
discover(struct opnic_id *id)
{
	struct opnic_io io;
	int ret;

	io_init(&io);
	rewind(logf);
	ret = opnic_hw_discover(&io, "fake", id);
	fputc('\0', logf);
	fflush(logf);
	if (ret != 0)
		printf("  logged: %s", logbuf);
	return ret;
}

static int
logged(const char *s)
{
	return strstr(logbuf, s) != NULL;
}

static int
test_discover_ok(void)
{
	struct opnic_id id;

	device_init(~0u, 0, 0);
	TEST_ASSERT_EQUAL(discover(&id), 0, "a good directory");
	TEST_ASSERT_EQUAL(id.num_queues, QUEUES, "queues");
	TEST_ASSERT_EQUAL(id.reta_size, OPNIC_RSS_RETA_SIZE, "RETA_SIZE read");
	TEST_ASSERT(id.caps & OPNIC_CAP_RSS, "RSS offered");
	return TEST_SUCCESS;
}

/* Spec 2: blocks overlap no other block. */
static int
test_overlap_rejected(void)
{
	struct opnic_id id;

	device_init(OPNIC_BLK_MBOX, 0x3080, 0x100);	/* into txdb */
	TEST_ASSERT_EQUAL(discover(&id), -EINVAL, "mbox over txdb");
	TEST_ASSERT(logged("register block 'txdb' (0x3000+0x100) overlaps block "
			   "'mbox' (0x3080+0x100)"), "message names both");
	device_init(OPNIC_BLK_MBOX, 0x80, 0x40);	/* into the directory */
	TEST_ASSERT_EQUAL(discover(&id), -EINVAL, "mbox over the directory");
	TEST_ASSERT(logged("overlaps the directory"), "message");
	device_init(40, 0x1800, 0x100);		/* unknown type, inside qcfg */
	TEST_ASSERT_EQUAL(discover(&id), -EINVAL, "unknown type over qcfg");
	TEST_ASSERT(logged("overlaps block"), "message");
	device_init(40, 0x5000, 0x100);		/* unknown type elsewhere */
	TEST_ASSERT_EQUAL(discover(&id), 0, "an unknown block is ignored");
	device_init(OPNIC_BLK_MBOX, 0x3100 + 0x100, 0x40);	/* adjacent */
	TEST_ASSERT_EQUAL(discover(&id), 0, "adjacent blocks do not overlap");
	return TEST_SUCCESS;
}

/* Spec 3.6: RSS.RETA_SIZE is what the driver uses; out of its range RSS
 * is not offered. */
static int
test_reta_size(void)
{
	struct opnic_id id;

	device_init(~0u, 0, 0);
	st32(0x400 + OPNIC_RSS_RETA_SIZE_REG, 64);
	TEST_ASSERT_EQUAL(discover(&id), 0, "RETA_SIZE 64");
	TEST_ASSERT_EQUAL(id.reta_size, 64, "64 entries");
	st32(0x400 + OPNIC_RSS_RETA_SIZE_REG, 0);
	TEST_ASSERT_EQUAL(discover(&id), 0, "RETA_SIZE 0");
	TEST_ASSERT(!(id.caps & OPNIC_CAP_RSS), "no RSS");
	st32(0x400 + OPNIC_RSS_RETA_SIZE_REG, 512);
	TEST_ASSERT_EQUAL(discover(&id), 0, "RETA_SIZE 512");
	TEST_ASSERT(!(id.caps & OPNIC_CAP_RSS), "no RSS: the table is too big");
	device_init(~0u, 0, 0);
	st32(0x100 + OPNIC_ID_CAPS, OPNIC_CAP_DB_SUPPRESS);
	TEST_ASSERT_EQUAL(discover(&id), 0, "CAPS without RSS");
	TEST_ASSERT_EQUAL(id.reta_size, 0, "RETA_SIZE not used");
	return TEST_SUCCESS;
}

/* The device side of a reset: RESET reads 1 for delay_us, STATUS reads 0
 * meanwhile, then both show done. */
struct resetter {
	pthread_t t;
	unsigned int delay_us;
	int dead;		/* the function goes away: all ones */
	volatile int done;
	volatile int stop;
};

static void *
resetter_run(void *arg)
{
	struct resetter *r = arg;
	uint32_t id = 0x100;

	while (!r->stop && (ld32(id + OPNIC_ID_RESET) & 1) == 0)
		usleep(10);
	if (r->stop)
		return NULL;
	if (r->dead) {
		memset(bar + id, 0xff, 0x100);
		return NULL;
	}
	st32(id + OPNIC_ID_STATUS, 0);
	usleep(r->delay_us);
	r->done = 1;
	st32(id + OPNIC_ID_STATUS, OPNIC_ID_STATUS_READY);
	st32(id + OPNIC_ID_RESET, 0);
	return NULL;
}

static int
reset_with(unsigned int delay_us, struct opnic_io *io, uint64_t *took)
{
	struct resetter r = { .delay_us = delay_us, .dead = delay_us == 0 };
	uint64_t t0;
	int ret;

	pthread_create(&r.t, NULL, resetter_run, &r);
	rewind(logf);
	t0 = opnic_hw_now_us();
	ret = opnic_hw_reset(io);
	*took = opnic_hw_now_us() - t0;
	fputc('\0', logf);
	fflush(logf);
	r.stop = 1;
	pthread_join(r.t, NULL);
	if (ret == 0 && !r.done && !r.dead)
		return -EBUSY;	/* returned before the device was done */
	return ret;
}

static int
test_reset_waits_for_done(void)
{
	struct opnic_id id;
	struct opnic_io io;
	uint64_t took;

	device_init(~0u, 0, 0);
	io_init(&io);
	TEST_ASSERT_EQUAL(opnic_hw_discover(&io, "fake", &id), 0, "discover");
	TEST_ASSERT_EQUAL(reset_with(1000, &io, &took), 0, "a 1 ms reset");
	TEST_ASSERT(took >= 1000, "returned after %" PRIu64 " us", took);
	TEST_ASSERT_EQUAL(reset_with(50000, &io, &took), 0, "a 50 ms reset");
	TEST_ASSERT(took >= 50000, "returned after %" PRIu64 " us", took);
	return TEST_SUCCESS;
}

static int
test_reset_timeout_names_register(void)
{
	struct opnic_id id;
	struct opnic_io io;
	uint64_t t0, took;
	int ret;

	device_init(~0u, 0, 0);
	io_init(&io);
	TEST_ASSERT_EQUAL(opnic_hw_discover(&io, "fake", &id), 0, "discover");
	/* Nobody completes it: RESET stays 1. */
	rewind(logf);
	t0 = opnic_hw_now_us();
	ret = opnic_hw_reset(&io);
	took = opnic_hw_now_us() - t0;
	fputc('\0', logf);
	fflush(logf);
	printf("  logged: %s", logbuf);
	TEST_ASSERT_EQUAL(ret, -ETIMEDOUT, "a reset that never completes");
	TEST_ASSERT(took >= 1900000 && took < 10000000, "bounded: %" PRIu64 " us",
		    took);
	TEST_ASSERT(logged("ID.RESET (BAR0+0x118) still reads 0x00000001"),
		    "names the register and the value");
	/* A device that reads all ones: at once, and said so. RESET still
	 * reads 1 from the reset above: clear it, or the resetter could make
	 * the block all ones before the driver's RESET write, which would then
	 * read back 1 until the timeout (seen under qemu-aarch64). */
	st32(0x100 + OPNIC_ID_RESET, 0);
	TEST_ASSERT_EQUAL(reset_with(0, &io, &took), -EIO, "all ones");
	TEST_ASSERT(took < 1000000, "at once: %" PRIu64 " us", took);
	TEST_ASSERT(logged("reads 0xffffffff: the device does not answer"), "why");
	return TEST_SUCCESS;
}

int
main(void)
{
	static const struct unit_test_case tc[] = {
		TEST_CASE(test_discover_ok),
		TEST_CASE(test_overlap_rejected),
		TEST_CASE(test_reta_size),
		TEST_CASE(test_reset_waits_for_done),
		TEST_CASE(test_reset_timeout_names_register),
	};

	bar = aligned_alloc(4096, BAR0);
	logf = open_memstream(&logbuf, &loglen);
	if (bar == NULL || logf == NULL)
		return 1;
	rte_openlog_stream(logf);
	return unit_test_run("hw", tc, RTE_DIM(tc));
}
