/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The ring's doorbell path (drivers/net/opnic/opnic_doorbell.h), driven
 * directly: no EAL, no model. The region-write doorbell (pwrite on the VFIO
 * fd, spec 8) goes to a temporary file; a failing write is a descriptor
 * opened read-only (EBADF). A doorbell whose write failed must be rung
 * again by the next burst (opnic_ring_doorbell_owed), or an RX ring whose
 * one refill doorbell failed waits for good.
 */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opnic_test.h"
#include "opnic_doorbell.h"

#define DB_POS 0x3c04	/* queue 1's doorbell in tight4k's TXDB block */

static char path[] = "/tmp/opnic-test-doorbell-XXXXXX";
static int fd_rw = -1, fd_ro = -1;

static uint32_t
db_value(void)
{
	uint32_t v = 0;

	if (pread(fd_rw, &v, sizeof(v), DB_POS) != sizeof(v))
		return 0xdeadbeef;
	return rte_le_to_cpu_32(v);
}

static void
ring_init(struct opnic_ring *r, int fd, struct opnic_shadow *sh)
{
	uint32_t zero = 0;

	memset(r, 0, sizeof(*r));
	r->db.addr = NULL;
	r->db.fd = fd;
	r->db.pos = DB_POS;
	r->shadow = sh;
	if (pwrite(fd_rw, &zero, sizeof(zero), DB_POS) != sizeof(zero))
		abort();
}

/* The write fails: owed. The next burst rings it, once the write works. */
static int
test_failed_doorbell_is_rung_again(void)
{
	struct opnic_ring r;

	ring_init(&r, fd_ro, NULL);
	r.prod = 64;
	opnic_ring_notify(&r);
	TEST_ASSERT_EQUAL(r.db_owed, 1, "a failed region write is owed");
	TEST_ASSERT_EQUAL(r.st.cpl_errors, 1, "and counted");
	TEST_ASSERT_EQUAL(db_value(), 0, "nothing reached the device");
	/* Still failing: the next burst tries again and it stays owed. */
	opnic_ring_doorbell_owed(&r);
	TEST_ASSERT_EQUAL(r.db_owed, 1, "still owed while the write fails");
	TEST_ASSERT_EQUAL(r.st.db_syscall, 2, "tried again");
	/* The write works again: the next burst (nothing new posted) rings
	 * the producer index. */
	r.db.fd = fd_rw;
	opnic_ring_doorbell_owed(&r);
	TEST_ASSERT_EQUAL(r.db_owed, 0, "paid");
	TEST_ASSERT_EQUAL(db_value(), 64, "the device got the producer index");
	opnic_ring_doorbell_owed(&r);
	TEST_ASSERT_EQUAL(r.st.db_syscall, 3, "nothing owed: no system call");
	return TEST_SUCCESS;
}

/* A later notify that succeeds pays the debt with the newer index. */
static int
test_later_notify_pays(void)
{
	struct opnic_ring r;

	ring_init(&r, fd_ro, NULL);
	r.prod = 10;
	opnic_ring_notify(&r);
	TEST_ASSERT_EQUAL(r.db_owed, 1, "owed");
	r.db.fd = fd_rw;
	r.prod = 20;
	opnic_ring_notify(&r);
	TEST_ASSERT_EQUAL(r.db_owed, 0, "paid by the next doorbell");
	TEST_ASSERT_EQUAL(db_value(), 20, "newest index");
	return TEST_SUCCESS;
}

/* Suppression (spec 6): drv_prod is always published; with NO_NOTIFY set
 * no doorbell; an owed one is still rung by the next burst. */
static int
test_suppressed_and_owed(void)
{
	struct opnic_shadow sh;
	struct opnic_ring r;

	memset(&sh, 0, sizeof(sh));
	ring_init(&r, fd_ro, &sh);
	r.prod = 7;
	opnic_ring_notify(&r);
	TEST_ASSERT_EQUAL(rte_le_to_cpu_32(sh.drv_prod), 7, "published");
	TEST_ASSERT_EQUAL(r.db_owed, 1, "NO_NOTIFY clear: rung, failed, owed");
	sh.dev_flags = rte_cpu_to_le_32(OPNIC_SHADOW_NO_NOTIFY);
	r.prod = 9;
	opnic_ring_notify(&r);
	TEST_ASSERT_EQUAL(r.st.db_suppressed, 1, "suppressed");
	TEST_ASSERT_EQUAL(rte_le_to_cpu_32(sh.drv_prod), 9, "published");
	r.db.fd = fd_rw;
	opnic_ring_doorbell_owed(&r);
	TEST_ASSERT_EQUAL(r.db_owed, 0, "paid");
	TEST_ASSERT_EQUAL(db_value(), 9, "the device got the newest index");
	return TEST_SUCCESS;
}

/* The mapped doorbell: a store, never owed. */
static int
test_mapped(void)
{
	uint32_t reg = 0;
	struct opnic_ring r;

	ring_init(&r, fd_ro, NULL);
	r.db.addr = (uint8_t *)&reg;
	r.prod = 33;
	opnic_ring_notify(&r);
	TEST_ASSERT_EQUAL(rte_le_to_cpu_32(reg), 33, "stored");
	TEST_ASSERT_EQUAL(r.db_owed, 0, "a store cannot fail");
	TEST_ASSERT_EQUAL(r.st.db_mmio, 1, "counted");
	return TEST_SUCCESS;
}

int
main(void)
{
	static const struct unit_test_case tc[] = {
		TEST_CASE(test_failed_doorbell_is_rung_again),
		TEST_CASE(test_later_notify_pays),
		TEST_CASE(test_suppressed_and_owed),
		TEST_CASE(test_mapped),
	};
	int ret;

	fd_rw = mkstemp(path);
	if (fd_rw < 0 || ftruncate(fd_rw, 0x10000) != 0) {
		perror(path);
		return 1;
	}
	fd_ro = open(path, O_RDONLY);
	unlink(path);
	if (fd_ro < 0) {
		perror(path);
		return 1;
	}
	ret = unit_test_run("doorbell", tc, RTE_DIM(tc));
	close(fd_ro);
	close(fd_rw);
	return ret;
}
