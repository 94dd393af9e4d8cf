/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The writer of the run directory the VFIO emulation answers from: the
 * files behind the emulated /dev/vfio nodes, /sys/kernel/iommu_groups and
 * the sysfs PCI device entries DPDK's PCI scan reads. opnic-model calls it
 * (static library opnic_emu_rundir); the emulation's readers are the other
 * opnic_emu_*.c files. Layout and names: opnic_emu_proto.h.
 *
 * Each function returns 0, or -1 with a message naming the path in err.
 */

#ifndef _OPNIC_EMU_RUNDIR_H_
#define _OPNIC_EMU_RUNDIR_H_

#include <stddef.h>

#include "opnic_emu_proto.h"

/* Create path and its parents (mode 0755). */
int opnic_rundir_mkdirs(const char *path, char *err, size_t errlen);

/* Write a file from a format, replacing it. */
int opnic_rundir_write(const char *path, char *err, size_t errlen,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The run directory itself, the container node and the groups' folder. */
int opnic_rundir_create(const char *run, char *err, size_t errlen);

/* One device, from its shared-memory header: its group node, its entry in
 * iommu_groups and its sysfs PCI device folder. */
int opnic_rundir_add_device(const char *run, const struct opnic_shm_hdr *h,
			    char *err, size_t errlen);

#endif /* _OPNIC_EMU_RUNDIR_H_ */
