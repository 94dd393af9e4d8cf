/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Userspace emulation of Linux vfio-pci for the opnic model, loaded with
 * LD_PRELOAD into an unmodified DPDK application. It answers the
 * /dev/vfio/vfio container, the /dev/vfio/<group> nodes and the device fd
 * (ioctl, pread/pwrite on regions, mmap of BARs) the way vfio-pci does, with
 * three selectable kernel behaviours and host page sizes
 * (doc/vfio-emulation-vs-kernel.md has the kernel source behind each):
 *
 *   OPNIC_KERNEL=mappable  Linux >= 4.16: the MSI-X BAR carries the
 *                          MSIX_MAPPABLE capability; the whole BAR maps.
 *   OPNIC_KERNEL=hole      Linux 4.6 .. 4.15: a SPARSE_MMAP capability lists
 *                          the areas around the host page(s) of the MSI-X
 *                          table as msix_sparse_mmap_cap() did (one zero
 *                          area when the table's pages cover the BAR); mmap
 *                          overlapping the table fails (EINVAL).
 *   OPNIC_KERNEL=hole-nocap  Linux 3.6 .. 4.5: as hole, but no capability
 *                          chain at all, and a BAR smaller than a page is
 *                          neither MMAP nor mmap-able.
 *   OPNIC_PAGE_SIZE=4096|65536  the page size the process sees (sysconf,
 *                          getpagesize, getauxval) and vfio applies.
 *
 * Every emulated fd is a real fd of a file in the run directory (container,
 * group and device files), so fds survive fork. Region read/write is a real
 * pread/pwrite on the device's shared-memory file: one syscall per access,
 * as with the kernel. Anything that is not ours goes straight to libc.
 *
 * This file reads the environment at load time; opnic_emu_internal.h lists
 * the files that emulate each object.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opnic_emu_internal.h"

/* Built without _FILE_OFFSET_BITS=64 so that open/open64, mmap/mmap64 ...
 * are distinct symbols we can both define; off_t is 64-bit on every target
 * (x86_64, ppc64le), and so is struct stat == struct stat64. */
_Static_assert(sizeof(off_t) == 8, "64-bit off_t");
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "stat64");

struct emu_config emu_cfg;

void
emu_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "opnic-vfio-emu: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, (size_t)n) < 0)
		return;
}

__attribute__((constructor)) static void
emu_init(void)
{
	const char *run = getenv("OPNIC_RUN_DIR");
	const char *k = getenv("OPNIC_KERNEL");
	char path[PATH_MAX];
	struct stat st;

	emu_libc_resolve();
	if (run == NULL || run[0] == '\0')
		return;
	if (strlen(run) >= sizeof(emu_cfg.run) - 16) {
		emu_log("OPNIC_RUN_DIR '%s' is too long (max %zu bytes)", run,
			sizeof(emu_cfg.run) - 16);
		_exit(2);
	}
	snprintf(emu_cfg.run, sizeof(emu_cfg.run), "%s", run);
	emu_cfg.trace = getenv("OPNIC_EMU_TRACE") != NULL;
	if (k == NULL || strcmp(k, "mappable") == 0) {
		emu_cfg.hole = 0;
	} else if (strcmp(k, "hole") == 0) {
		emu_cfg.hole = 1;
	} else if (strcmp(k, "hole-nocap") == 0) {
		emu_cfg.hole = 1;
		emu_cfg.nocap = 1;
	} else {
		emu_log("OPNIC_KERNEL='%s': expected 'mappable' or 'hole' or "
			"'hole-nocap'", k);
		_exit(2);
	}
	if (emu_page_init() != 0)
		_exit(2);
	snprintf(path, sizeof(path), "%s/" OPNIC_RUN_CONTAINER, emu_cfg.run);
	if (emu_real.stat(path, &st) != 0) {
		emu_log("%s missing: is opnic-model running for this run dir?", path);
		return;
	}
	emu_cfg.container_ino = st.st_ino;
	emu_devices_load();
	emu_cfg.active = 1;
}
