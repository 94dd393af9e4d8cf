/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The /sys answers that the real /sys cannot give: the vfio modules are
 * "loaded", and /sys/kernel/iommu_groups lists the run directory's groups
 * (EAL picks IOVA as VA only when the system has IOMMU groups), and
 * /dev/vfio is the run directory's vfio/ (DPDK >= 25.07 opens that directory
 * before it enables VFIO: "VFIO directory does not exist"). DPDK's PCI
 * scan reads the device tree under the run directory's sysfs/, which
 * opnic-model writes.
 */

#include <stdio.h>
#include <string.h>

#include "opnic_emu_internal.h"

int
emu_sysfs_is_module(const char *path)
{
	return emu_cfg.active && path != NULL &&
	       (strcmp(path, "/sys/module/vfio") == 0 ||
		strcmp(path, "/sys/module/vfio_pci") == 0);
}

/* What stat() says about a /sys/module directory. */
int
emu_sysfs_module_stat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	return 0;
}

DIR *
emu_sysfs_opendir(const char *path)
{
	if (emu_cfg.active && strcmp(path, "/sys/kernel/iommu_groups") == 0) {
		char real[PATH_MAX];

		snprintf(real, sizeof(real), "%s/" OPNIC_RUN_IOMMU_GROUPS, emu_cfg.run);
		return emu_real.opendir(real);
	}
	if (emu_cfg.active && (strcmp(path, "/dev/vfio") == 0 ||
			       strcmp(path, "/dev/vfio/") == 0)) {
		char real[PATH_MAX];

		snprintf(real, sizeof(real), "%s/vfio", emu_cfg.run);
		return emu_real.opendir(real);
	}
	return emu_real.opendir(path);
}
