/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * vfio_bar's range classification, tested directly on plain layouts: no
 * model, no VFIO, no EAL. The layouts are those of config/tight4k.profile
 * (MSI-X table at 0x3000 in BAR0, 4 vectors, PBA at 0x3800) and
 * config/separate.profile (table at 0 in BAR2), with what Linux vfio-pci
 * and DPDK 22.11's bus do with them (doc/vfio-emulation-vs-kernel.md;
 * tests/emu/check_layout.sh has the same ranges from a real probe).
 */

#include <stdint.h>

#include "opnic_test.h"
#include "vfio_bar.h"

#define K4 0x1000u
#define K64 0x10000u

static struct vbar_layout
tight4k(uint64_t page, int mappable)
{
	struct vbar_layout l = {
		.size = 0x10000, .page_size = page, .msix = 1,
		.msix_table = 0x3000, .msix_table_size = 4 * 16,
		.msix_pba = 0x3800, .msix_mappable = mappable, .mmap = 1,
	};

	return l;
}

/* Kernels with SPARSE_MMAP: the areas vfio-pci reports around the table. */
static void
sparse_areas(struct vbar_layout *l)
{
	l->sparse = 1;
	if (l->page_size == K4) {
		l->nareas = 2;
		l->areas[0] = (struct vbar_range){ 0x0, 0x3000 };
		l->areas[1] = (struct vbar_range){ 0x4000, 0xc000 };
	} else {
		l->nareas = 0;	/* the table page is the whole BAR */
	}
}

static enum vbar_class
classify(const struct vbar_layout *l, const struct vbar_range *r,
	 unsigned int n, uint64_t off, uint64_t len)
{
	return vbar_classify(l, r, n, off, len);
}

/* Mappable kernel (>= 4.16): the bus maps BAR0 whole, every block is a
 * pointer, even one on the table's page. */
static int
test_mappable(void)
{
	struct vbar_layout l = tight4k(K4, 1);
	struct vbar_range r[VBAR_MAX_RANGES];
	unsigned int n = vbar_bus_ranges(&l, r);

	TEST_ASSERT_EQUAL(n, 1, "one range");
	TEST_ASSERT_EQUAL(r[0].off, 0, "from 0");
	TEST_ASSERT_EQUAL(r[0].len, 0x10000, "the whole BAR");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3c00, 0x100), VBAR_CLASS_MAPPED,
			  "txdb on the table page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x1000, 0x1000), VBAR_CLASS_MAPPED,
			  "qcfg");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0xff00, 0x100), VBAR_CLASS_MAPPED,
			  "last bytes of the BAR");
	n = vbar_allowed_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 1, "the kernel allows the whole BAR");
	TEST_ASSERT_EQUAL(r[0].len, 0x10000, "whole");
	/* No MSI-X in this BAR: mapped whole as well. */
	l.msix = 0;
	l.msix_mappable = 0;
	n = vbar_bus_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 1, "no table: one range");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3000, 0x100), VBAR_CLASS_MAPPED,
			  "no table, no hole");
	return TEST_SUCCESS;
}

/* Hole kernel, 4 KiB pages, the bus maps around the table's page. */
static int
test_hole_4k(void)
{
	struct vbar_layout l = tight4k(K4, 0);
	struct vbar_range r[VBAR_MAX_RANGES];
	unsigned int n = vbar_bus_ranges(&l, r);

	TEST_ASSERT_EQUAL(n, 2, "two ranges around the table page");
	TEST_ASSERT_EQUAL(r[0].off, 0, "first from 0");
	TEST_ASSERT_EQUAL(r[0].len, 0x3000, "first up to the table page");
	TEST_ASSERT_EQUAL(r[1].off, 0x4000, "second after the table page");
	TEST_ASSERT_EQUAL(r[1].len, 0xc000, "second to the end");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x1000, 0x1000), VBAR_CLASS_MAPPED,
			  "qcfg below the hole");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3c00, 0x100), VBAR_CLASS_HOLE,
			  "txdb shares the table's page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3e00, 0x100), VBAR_CLASS_HOLE,
			  "rxdb shares the table's page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3000, 0x40), VBAR_CLASS_MSIX,
			  "the table itself");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3800, 8), VBAR_CLASS_MSIX,
			  "the PBA");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3040, 0x40), VBAR_CLASS_HOLE,
			  "just after the table");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x2ffc, 8), VBAR_CLASS_MSIX,
			  "straddling into the table page, onto the table");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3ffc, 8), VBAR_CLASS_HOLE,
			  "straddling out of the table page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x2f00, 0x100), VBAR_CLASS_MAPPED,
			  "ending exactly at the table page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x4000, 0x100), VBAR_CLASS_MAPPED,
			  "starting exactly at the page after");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x2000, 0x3000), VBAR_CLASS_MSIX,
			  "spanning the table page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0, 0x10000), VBAR_CLASS_MSIX,
			  "the whole BAR");
	/* The same kernel without SPARSE_MMAP: allowed = around the page. */
	n = vbar_allowed_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 2, "allowed around the page");
	TEST_ASSERT_EQUAL(r[0].len, 0x3000, "up to the page");
	TEST_ASSERT_EQUAL(r[1].off, 0x4000, "after the page");
	return TEST_SUCCESS;
}

/* A table not on a page boundary: DPDK maps up to the table itself, the
 * page around it stays a hole for a block. */
static int
test_hole_unaligned_table(void)
{
	struct vbar_layout l = tight4k(K4, 0);
	struct vbar_range r[VBAR_MAX_RANGES];
	unsigned int n;

	l.msix_table = 0x3400;
	l.msix_pba = 0x3800;
	n = vbar_bus_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 2, "two ranges");
	TEST_ASSERT_EQUAL(r[0].len, 0x3400, "up to the table");
	TEST_ASSERT_EQUAL(r[1].off, 0x4000, "after the page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3000, 0x100), VBAR_CLASS_MAPPED,
			  "below the table, same page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3c00, 0x100), VBAR_CLASS_HOLE,
			  "above the table, same page");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3380, 0x80), VBAR_CLASS_MAPPED,
			  "ending exactly at the table");
	return TEST_SUCCESS;
}

/* SPARSE_MMAP areas decide what a self-mapping process may map. */
static int
test_sparse(void)
{
	struct vbar_layout l = tight4k(K4, 0);
	struct vbar_range r[VBAR_MAX_RANGES];
	unsigned int n;

	sparse_areas(&l);
	n = vbar_allowed_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 2, "the two reported areas");
	TEST_ASSERT_EQUAL(r[0].off, 0, "area 0");
	TEST_ASSERT_EQUAL(r[0].len, 0x3000, "area 0 size");
	TEST_ASSERT_EQUAL(r[1].off, 0x4000, "area 1");
	TEST_ASSERT_EQUAL(r[1].len, 0xc000, "area 1 size");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x0, 0x100), VBAR_CLASS_MAPPED,
			  "directory in area 0");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x4000, 0x100), VBAR_CLASS_MAPPED,
			  "area 1 from its first byte");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3c00, 0x100), VBAR_CLASS_HOLE,
			  "between the areas");
	/* A block across two adjacent areas is in neither wholly. */
	l.nareas = 2;
	l.areas[0] = (struct vbar_range){ 0x0, 0x2000 };
	l.areas[1] = (struct vbar_range){ 0x2000, 0x1000 };
	n = vbar_allowed_ranges(&l, r);
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x1f00, 0x200),
			  VBAR_CLASS_UNMAPPED, "across two areas");
	/* More areas than a BAR keeps: the first VBAR_MAX_RANGES. */
	l.nareas = VBAR_MAX_RANGES;
	n = vbar_allowed_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, VBAR_MAX_RANGES, "capped");
	/* A region without the MMAP flag: nothing may be mapped. */
	l.mmap = 0;
	TEST_ASSERT_EQUAL(vbar_allowed_ranges(&l, r), 0, "no mmap");
	TEST_ASSERT_EQUAL(classify(&l, r, 0, 0x100, 0x100), VBAR_CLASS_UNMAPPED,
			  "no mmap: region r/w");
	return TEST_SUCCESS;
}

/* 64 KiB pages: the table's page is the whole 64 KiB BAR. */
static int
test_64k(void)
{
	struct vbar_layout l = tight4k(K64, 0);
	struct vbar_range r[VBAR_MAX_RANGES];
	unsigned int n;

	n = vbar_bus_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 1, "DPDK's first mmap, [0, table)");
	TEST_ASSERT_EQUAL(r[0].len, 0x3000, "up to the table");
	sparse_areas(&l);
	n = vbar_allowed_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 0, "SPARSE_MMAP with no area: nothing mappable");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x0, 0x100), VBAR_CLASS_HOLE,
			  "the directory is in the hole");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0xff00, 0x100), VBAR_CLASS_HOLE,
			  "the last block as well");
	/* MSIX_MAPPABLE on 64 KiB pages: mapped whole. */
	l = tight4k(K64, 1);
	n = vbar_bus_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 1, "whole");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x3c00, 0x100), VBAR_CLASS_MAPPED,
			  "mappable");
	/* separate: table at 0 of a 64 KiB BAR2, not mapped at all. */
	l = tight4k(K64, 0);
	l.msix_table = 0;
	l.msix_pba = 0x800;
	n = vbar_bus_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 0, "BAR2 not mapped");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x1000, 4), VBAR_CLASS_HOLE,
			  "any BAR2 access is region r/w");
	/* The same BAR on 4 KiB pages: everything after the first page. */
	l.page_size = K4;
	n = vbar_bus_ranges(&l, r);
	TEST_ASSERT_EQUAL(n, 1, "one range");
	TEST_ASSERT_EQUAL(r[0].off, 0x1000, "from the second page");
	TEST_ASSERT_EQUAL(r[0].len, 0xf000, "to the end");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x1000, 4), VBAR_CLASS_MAPPED,
			  "exactly at the page boundary");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0xffc, 8), VBAR_CLASS_HOLE,
			  "straddling the page boundary");
	return TEST_SUCCESS;
}

/* Blocks that do not fit the BAR, and ranges clamped to it. */
static int
test_outside(void)
{
	struct vbar_layout l = tight4k(K4, 1);
	struct vbar_range r[VBAR_MAX_RANGES];
	unsigned int n = vbar_bus_ranges(&l, r);

	TEST_ASSERT_EQUAL(classify(&l, r, n, 0xff00, 0x200), VBAR_CLASS_OUTSIDE,
			  "crosses the end");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x10000, 4), VBAR_CLASS_OUTSIDE,
			  "starts at the end");
	TEST_ASSERT_EQUAL(classify(&l, r, n, UINT64_MAX - 2, 8),
			  VBAR_CLASS_OUTSIDE, "wraps");
	/* A BAR smaller than the block (a 4 KiB BAR0, qcfg 0x1000+0x1000). */
	l.size = 0x1000;
	n = vbar_bus_ranges(&l, r);
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0x1000, 0x1000),
			  VBAR_CLASS_OUTSIDE, "beyond a 4 KiB BAR");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0, 0x2000), VBAR_CLASS_OUTSIDE,
			  "larger than the BAR");
	TEST_ASSERT_EQUAL(classify(&l, r, n, 0, 0x1000), VBAR_CLASS_MAPPED,
			  "exactly the BAR");
	/* Ranges are clamped to the BAR; empty and out-of-BAR ones dropped. */
	n = vbar_range_add(r, 0, 0x1000, 0x800, 0x1000);
	TEST_ASSERT_EQUAL(n, 1, "clamped range kept");
	TEST_ASSERT_EQUAL(r[0].len, 0x800, "clamped");
	TEST_ASSERT_EQUAL(vbar_range_add(r, n, 0x1000, 0x1000, 4), n, "beyond");
	TEST_ASSERT_EQUAL(vbar_range_add(r, n, 0x1000, 0, 0), n, "empty");
	return TEST_SUCCESS;
}

static int
test_touches_msix(void)
{
	struct vbar_layout l = tight4k(K4, 0);

	TEST_ASSERT(vbar_layout_touches_msix(&l, 0x3000, 4), "table start");
	TEST_ASSERT(vbar_layout_touches_msix(&l, 0x303c, 4), "last entry");
	TEST_ASSERT(!vbar_layout_touches_msix(&l, 0x3040, 4), "after table");
	TEST_ASSERT(!vbar_layout_touches_msix(&l, 0x2ffc, 4), "before table");
	TEST_ASSERT(vbar_layout_touches_msix(&l, 0x2ffc, 8), "straddles in");
	TEST_ASSERT(vbar_layout_touches_msix(&l, 0x3800, 8), "PBA");
	TEST_ASSERT(!vbar_layout_touches_msix(&l, 0x3808, 8), "after PBA");
	TEST_ASSERT(!vbar_layout_touches_msix(&l, 0x3c00, 0x100), "txdb");
	l.msix = 0;
	TEST_ASSERT(!vbar_layout_touches_msix(&l, 0x3000, 4), "other BAR");
	return TEST_SUCCESS;
}

int
main(void)
{
	static const struct unit_test_case cases[] = {
		TEST_CASE(test_mappable),
		TEST_CASE(test_hole_4k),
		TEST_CASE(test_hole_unaligned_table),
		TEST_CASE(test_sparse),
		TEST_CASE(test_64k),
		TEST_CASE(test_outside),
		TEST_CASE(test_touches_msix),
	};

	return unit_test_run("vfio_bar", cases, sizeof(cases) / sizeof(cases[0]));
}
