/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The page size the process sees (sysconf, getpagesize, getauxval) and the
 * emulated vfio applies to DMA maps and BAR mmaps: the host's, or
 * OPNIC_PAGE_SIZE=4096|65536 to run a 64 KiB page host's rules on a 4 KiB
 * page machine.
 */

#include <stdlib.h>
#include <unistd.h>

#include "opnic_emu_internal.h"

struct emu_page {
	long size;
};

static struct emu_page emu_page;

/* 0, or -1 after a message when OPNIC_PAGE_SIZE is not a size we emulate. */
int
emu_page_init(void)
{
	const char *pg = getenv("OPNIC_PAGE_SIZE");
	char *end;
	long v;

	emu_page.size = emu_real.sysconf(_SC_PAGESIZE);
	if (pg == NULL || pg[0] == '\0')
		return 0;
	v = strtol(pg, &end, 0);
	if (*end != '\0' || (v != 4096 && v != 65536)) {
		emu_log("OPNIC_PAGE_SIZE='%s': expected 4096 or 65536", pg);
		return -1;
	}
	emu_page.size = v;
	return 0;
}

long
emu_page_size(void)
{
	return emu_page.size;
}
