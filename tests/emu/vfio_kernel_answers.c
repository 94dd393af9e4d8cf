/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * vfio-kernel-answers: what vfio-pci answers for one device, with plain VFIO
 * calls (no DPDK): every region's GET_REGION_INFO (flags, size, the argsz
 * protocol and the capability chain field by field) and, for each region,
 * which mmap calls succeed and which fail with which errno: every page of a
 * BAR, the whole BAR, past its end, MAP_PRIVATE, length 0, an offset that is
 * not page aligned. Stable text, no addresses, for
 * tests/emu/check_kernel_answers.py to compare with what Linux vfio-pci
 * answered, kernel by kernel.
 *
 *   vfio-kernel-answers BDF       (SYSFS_PCI_DEVICES names the sysfs tree)
 *
 * Nothing is read or written through a mapping; every mapping is unmapped.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#define INFO_BUF 512

struct probe {
	int container;
	int group;
	int dev;
	uint64_t page;
};

static const char *
err_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOMEM: return "ENOMEM";
	case EIO: return "EIO";
	default: return "errno?";
	}
}

static void
print_flags(uint32_t f)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ VFIO_REGION_INFO_FLAG_READ, "READ" },
		{ VFIO_REGION_INFO_FLAG_WRITE, "WRITE" },
		{ VFIO_REGION_INFO_FLAG_MMAP, "MMAP" },
		{ VFIO_REGION_INFO_FLAG_CAPS, "CAPS" },
	};
	const char *sep = "";
	unsigned int i;

	printf("flags ");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = "|";
			f &= ~names[i].bit;
		}
	if (f != 0)
		printf("%s0x%x", sep, f);
	else if (*sep == '\0')
		printf("0");
}

/* The capability chain of a region info buffer of len bytes. */
static void
print_caps(const uint8_t *buf, uint32_t len, uint32_t off)
{
	unsigned int guard = 0;

	while (off != 0 && guard++ < 16) {
		const struct vfio_info_cap_header *h;

		if (off < sizeof(struct vfio_region_info) ||
		    off + sizeof(*h) > len) {
			printf("  cap at 0x%x: outside the %u-byte buffer\n", off, len);
			return;
		}
		h = (const void *)(buf + off);
		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			const struct vfio_region_info_cap_sparse_mmap *sp =
				(const void *)h;
			uint32_t i;

			if (off + sizeof(*sp) > len ||
			    off + sizeof(*sp) + (uint64_t)sp->nr_areas *
			    sizeof(sp->areas[0]) > len) {
				printf("  cap SPARSE_MMAP: areas outside the buffer\n");
				return;
			}
			printf("  cap SPARSE_MMAP v%u next 0x%x nr_areas %u reserved %u areas:",
			       h->version, h->next, sp->nr_areas, sp->reserved);
			for (i = 0; i < sp->nr_areas; i++)
				printf(" 0x%" PRIx64 "+0x%" PRIx64,
				       (uint64_t)sp->areas[i].offset,
				       (uint64_t)sp->areas[i].size);
			printf("\n");
		} else if (h->id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
			printf("  cap MSIX_MAPPABLE v%u next 0x%x\n", h->version, h->next);
		} else {
			printf("  cap id %u v%u next 0x%x\n", h->id, h->version, h->next);
		}
		off = h->next;
	}
}

/* GET_REGION_INFO as DPDK does it: argsz of the bare struct first, then
 * again with the size the kernel asked for. Returns the region's size
 * (0 when it failed or is empty). */
static uint64_t
region_info(struct probe *p, unsigned int idx)
{
	union {
		struct vfio_region_info ri;
		uint8_t b[INFO_BUF];
	} u;
	uint32_t need;

	memset(&u, 0, sizeof(u));
	u.ri.argsz = sizeof(u.ri);
	u.ri.index = idx;
	if (ioctl(p->dev, VFIO_DEVICE_GET_REGION_INFO, &u.ri) != 0) {
		printf("region %u: %s\n", idx, err_name(errno));
		return 0;
	}
	printf("region %u: size 0x%" PRIx64 " ", idx, (uint64_t)u.ri.size);
	print_flags(u.ri.flags);
	printf(" argsz %u cap_offset %u\n", u.ri.argsz, u.ri.cap_offset);
	need = u.ri.argsz;
	if (need > sizeof(u.ri)) {
		if (need > sizeof(u)) {
			printf("  argsz %u: more than %zu bytes\n", need, sizeof(u));
			return 0;
		}
		memset(&u, 0, sizeof(u));
		u.ri.argsz = need;
		u.ri.index = idx;
		if (ioctl(p->dev, VFIO_DEVICE_GET_REGION_INFO, &u.ri) != 0) {
			printf("  again with argsz %u: %s\n", need, err_name(errno));
			return 0;
		}
		printf("  argsz %u: ", need);
		print_flags(u.ri.flags);
		printf(" argsz %u cap_offset %u\n", u.ri.argsz, u.ri.cap_offset);
		print_caps(u.b, need, u.ri.cap_offset);
	}
	return u.ri.size;
}

static void
try_mmap(struct probe *p, unsigned int idx, const char *what, uint64_t off,
	 uint64_t len, int flags)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, p->dev,
		       (off_t)(((uint64_t)idx << 40) + off));

	printf("  mmap %s 0x%05" PRIx64 "+0x%" PRIx64 ": ", what, off, len);
	if (m == MAP_FAILED) {
		printf("%s\n", err_name(errno));
		return;
	}
	printf("ok\n");
	munmap(m, len);
}

static void
region_mmaps(struct probe *p, unsigned int idx, uint64_t size)
{
	uint64_t pg = p->page, whole = (size + pg - 1) & ~(pg - 1), o;

	if (size == 0) {
		try_mmap(p, idx, "page", 0, pg, MAP_SHARED);
		return;
	}
	for (o = 0; o < whole; o += pg)
		try_mmap(p, idx, "page", o, pg, MAP_SHARED);
	try_mmap(p, idx, "whole", 0, whole, MAP_SHARED);
	try_mmap(p, idx, "past-end", whole, pg, MAP_SHARED);
	try_mmap(p, idx, "private", 0, pg, MAP_PRIVATE);
	try_mmap(p, idx, "zero-length", 0, 0, MAP_SHARED);
	try_mmap(p, idx, "unaligned", pg / 2, pg, MAP_SHARED);
}

static int
open_device(struct probe *p, const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	const char *sys = getenv("SYSFS_PCI_DEVICES");
	char link[PATH_MAX], target[PATH_MAX], node[PATH_MAX + 16];
	const char *slash;
	ssize_t n;

	if (sys == NULL)
		sys = "/sys/bus/pci/devices";
	snprintf(link, sizeof(link), "%s/%s/iommu_group", sys, bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", link, strerror(errno));
		return -1;
	}
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(node, sizeof(node), "/dev/vfio/%s", slash ? slash + 1 : target);
	p->container = open("/dev/vfio/vfio", O_RDWR);
	p->group = open(node, O_RDWR);
	if (p->container < 0 || p->group < 0) {
		fprintf(stderr, "open /dev/vfio/vfio or %s: %s\n", node, strerror(errno));
		return -1;
	}
	if (ioctl(p->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(p->group, VFIO_GROUP_GET_STATUS, &st) != 0 ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(p->group, VFIO_GROUP_SET_CONTAINER, &p->container) != 0 ||
	    ioctl(p->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) != 0) {
		fprintf(stderr, "VFIO container/group set-up: %s\n", strerror(errno));
		return -1;
	}
	p->dev = ioctl(p->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (p->dev < 0) {
		fprintf(stderr, "GET_DEVICE_FD %s: %s\n", bdf, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct probe p = { .container = -1, .group = -1, .dev = -1 };
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: vfio-kernel-answers BDF\n");
		return 2;
	}
	p.page = (uint64_t)sysconf(_SC_PAGESIZE);
	if (open_device(&p, argv[1]) != 0)
		return 1;
	printf("page 0x%" PRIx64 "\n", p.page);
	for (i = 0; i <= VFIO_PCI_NUM_REGIONS; i++) {
		uint64_t size = region_info(&p, i);

		if (i <= VFIO_PCI_CONFIG_REGION_INDEX)
			region_mmaps(&p, i, i <= VFIO_PCI_BAR5_REGION_INDEX ? size : 0);
	}
	close(p.dev);
	close(p.group);
	close(p.container);
	return 0;
}
