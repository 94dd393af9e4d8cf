/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Writes the run directory the emulation reads (opnic_emu_rundir.h): what
 * vfio-pci and the PCI core would show for each modelled device.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opnic_emu_rundir.h"
#include "opnic_regs.h"

/* IORESOURCE_MEM | IORESOURCE_MEM_64 | IORESOURCE_SIZEALIGN */
#define RESOURCE_FLAGS_MEM64	0x140204
/* Lines of a sysfs "resource" file: 6 BARs, ROM, 6 bridge windows. */
#define RESOURCE_LINES		13

int
opnic_rundir_mkdirs(const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0755);
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

int
opnic_rundir_write(const char *path, char *err, size_t errlen,
		   const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	return 0;
}

int
opnic_rundir_create(const char *run, char *err, size_t errlen)
{
	char path[4200];

	if (opnic_rundir_mkdirs(run, err, errlen) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/vfio", run);
	if (opnic_rundir_mkdirs(path, err, errlen) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/" OPNIC_RUN_CONTAINER, run);
	if (opnic_rundir_write(path, err, errlen, "opnic vfio container\n") != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/" OPNIC_RUN_IOMMU_GROUPS, run);
	return opnic_rundir_mkdirs(path, err, errlen);
}

/* The BAR windows as the PCI core lists them. */
static int
write_resource(const char *path, const struct opnic_shm_hdr *h, char *err,
	       size_t errlen)
{
	FILE *f = fopen(path, "w");
	unsigned int b;

	if (f == NULL) {
		snprintf(err, errlen, "cannot write %s", path);
		return -1;
	}
	for (b = 0; b < RESOURCE_LINES; b++) {
		uint64_t start = 0, end = 0, flags = 0;

		if (b < 6 && h->bar_size[b] != 0) {
			start = opnic_bar_phys(h->dev_index, b);
			end = start + h->bar_size[b] - 1;
			flags = RESOURCE_FLAGS_MEM64;
		}
		fprintf(f, "0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64 "\n",
			start, end, flags);
	}
	fclose(f);
	return 0;
}

static int
relink(const char *target, const char *path, char *err, size_t errlen)
{
	unlink(path);
	if (symlink(target, path) != 0) {
		snprintf(err, errlen, "symlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* What DPDK's PCI scan reads, for one device. */
static int
write_pci_device(const char *dir, const struct opnic_shm_hdr *h, char *err,
		 size_t errlen)
{
	static const struct {
		const char *name;
		unsigned int value;
		const char *fmt;
	} ids[] = {
		{ "vendor", OPNIC_PCI_VENDOR_ID, "0x%04x\n" },
		{ "device", OPNIC_PCI_DEVICE_ID, "0x%04x\n" },
		{ "subsystem_vendor", OPNIC_PCI_VENDOR_ID, "0x%04x\n" },
		{ "subsystem_device", 1, "0x%04x\n" },
		{ "class", OPNIC_PCI_CLASS, "0x%06x\n" },
		{ "numa_node", 0, "%u\n" },
	};
	char p[4200], link[256];
	unsigned int i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, ids[i].name);
		if (opnic_rundir_write(p, err, errlen, ids[i].fmt,
				       ids[i].value) != 0)
			return -1;
	}
	snprintf(p, sizeof(p), "%s/resource", dir);
	if (write_resource(p, h, err, errlen) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/driver", dir);
	if (relink("../../../../bus/pci/drivers/vfio-pci", p, err, errlen) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/iommu_group", dir);
	snprintf(link, sizeof(link), "../../../../kernel/iommu_groups/%u",
		 h->iommu_group);
	return relink(link, p, err, errlen);
}

int
opnic_rundir_add_device(const char *run, const struct opnic_shm_hdr *h,
			char *err, size_t errlen)
{
	char dir[4096], p[4200];

	snprintf(dir, sizeof(dir), "%s/" OPNIC_RUN_PCI_DEVICES "/%s", run, h->bdf);
	if (opnic_rundir_mkdirs(dir, err, errlen) != 0 ||
	    write_pci_device(dir, h, err, errlen) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/sysfs/bus/pci/drivers/vfio-pci", run);
	if (opnic_rundir_mkdirs(p, err, errlen) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/" OPNIC_RUN_IOMMU_GROUPS "/%u", run,
		 h->iommu_group);
	if (opnic_rundir_mkdirs(p, err, errlen) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/" OPNIC_RUN_GROUP_FMT, run, h->iommu_group);
	return opnic_rundir_write(p, err, errlen, "opnic iommu group %u\n",
				  h->iommu_group);
}
