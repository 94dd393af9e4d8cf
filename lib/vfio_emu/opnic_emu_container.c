/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The /dev/vfio/vfio container: VFIO_TYPE1(v2)_IOMMU, its info, and DMA
 * map/unmap. A mapping's memory is passed to the model as the file behind
 * it (hugetlbfs or shared memory), found in /proc/self/maps.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/vfio.h>

#include "opnic_emu_internal.h"

struct emu_container_table emu_containers;

int
emu_container_alloc(void)
{
	int i;

	for (i = 0; i < EMU_MAX_CONTAINERS; i++)
		if (!emu_containers.ct[i].used) {
			emu_containers.ct[i] = (struct emu_container){ 1, -1, 0, 0, 1 };
			return i;
		}
	return -1;
}

int
emu_container_open(int flags)
{
	char real[PATH_MAX];
	int c = emu_container_alloc();
	int fd;

	if (c < 0) {
		errno = EMFILE;
		return -1;
	}
	snprintf(real, sizeof(real), "%s/" OPNIC_RUN_CONTAINER, emu_cfg.run);
	fd = emu_real.open(real, (flags & O_CLOEXEC) | O_RDWR);
	if (fd < 0) {
		emu_containers.ct[c].used = 0;
		return -1;
	}
	emu_fd_set(fd, EMU_FD_CONTAINER, c);
	return fd;
}

/* The container goes when its fd is closed and no group is in it any more:
 * as in the kernel, a group keeps its container (and here its model
 * connection) alive after the container fd was closed. */
static void
container_release_if_unused(struct emu_container *ct)
{
	if (ct->fd_open || ct->ngroups > 0)
		return;
	if (ct->sock >= 0)
		emu_real.close(ct->sock);
	*ct = (struct emu_container){ 0, -1, 0, 0, 0 };
}

void
emu_container_close(int c)
{
	struct emu_container *ct = &emu_containers.ct[c];

	ct->fd_open = 0;
	container_release_if_unused(ct);
}

void
emu_container_drop_group(int c)
{
	struct emu_container *ct;

	if (c < 0 || !emu_containers.ct[c].used)
		return;
	ct = &emu_containers.ct[c];
	if (--ct->ngroups <= 0) {
		ct->ngroups = 0;
		ct->iommu_set = 0;
		container_release_if_unused(ct);
	}
}

/* Find the file behind [vaddr, vaddr+len) and hand it to the model, one
 * message per mapping in /proc/self/maps that the range covers. */
static int
dma_map_range(struct emu_container *c, uint64_t vaddr, uint64_t iova,
	      uint64_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	uint64_t done = 0;

	if (f == NULL)
		return -1;
	while (done < len && fgets(line, sizeof(line), f) != NULL) {
		unsigned long long start, end, off, ino;
		char perms[8], path[PATH_MAX], mf[64];
		uint64_t cur = vaddr + done, n;
		int fd, r;

		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %4095[^\n]", &start,
			   &end, perms, &off, &ino, path) < 5)
			continue;
		if (cur < start || cur >= end)
			continue;
		if (ino == 0 || perms[3] != 's') {
			emu_log("DMA memory at 0x%" PRIx64 " is %s memory the NIC "
				"model cannot reach. Use shared DMA memory: EAL "
				"--in-memory with hugepages, or hugetlbfs-backed "
				"memory (the default); not --no-huge without "
				"--in-memory",
				cur, ino == 0 ? "anonymous" : "private");
			fclose(f);
			errno = EFAULT;
			return -1;
		}
		n = end - cur < len - done ? end - cur : len - done;
		snprintf(mf, sizeof(mf), "/proc/self/map_files/%llx-%llx", start, end);
		fd = emu_real.open(mf, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			emu_log("cannot open %s (%s): the emulation needs root to "
				"pass DMA memory to the model", mf, strerror(errno));
			fclose(f);
			errno = EFAULT;
			return -1;
		}
		r = emu_model_dma_map(c->sock, iova + done, n, off + (cur - start),
				      fd);
		emu_real.close(fd);
		if (r != 0) {
			fclose(f);
			return -1;
		}
		done += n;
	}
	fclose(f);
	if (done < len) {
		errno = EFAULT;	/* as the kernel when pinning fails */
		return -1;
	}
	return 0;
}

static int
container_set_iommu(struct emu_container *ct, unsigned long type)
{
	if (ct->ngroups == 0 || ct->iommu_set) {
		errno = EINVAL;
		return -1;
	}
	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU) {
		errno = ENODEV;
		return -1;
	}
	ct->iommu_set = 1;
	return 0;
}

static int
container_iommu_info(struct emu_container *ct,
		     struct vfio_iommu_type1_info *info)
{
	if (!ct->iommu_set) {
		errno = EINVAL;
		return -1;
	}
	if (info->argsz < offsetof(struct vfio_iommu_type1_info, iova_pgsizes) +
			  sizeof(info->iova_pgsizes)) {
		errno = EINVAL;
		return -1;
	}
	info->flags = VFIO_IOMMU_INFO_PGSIZES;
	info->iova_pgsizes = ~(uint64_t)(emu_page_size() - 1);
	return 0;
}

static int
container_map_dma(struct emu_container *ct,
		  const struct vfio_iommu_type1_dma_map *dm)
{
	uint64_t mask = (uint64_t)emu_page_size() - 1;

	if (!ct->iommu_set || dm->argsz < sizeof(*dm) ||
	    (dm->flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) ||
	    dm->size == 0 || ((dm->size | dm->iova | dm->vaddr) & mask) ||
	    dm->iova + dm->size - 1 < dm->iova ||
	    dm->vaddr + dm->size - 1 < dm->vaddr) {
		errno = EINVAL;
		return -1;
	}
	if (!(dm->flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))) {
		errno = EINVAL;
		return -1;
	}
	return dma_map_range(ct, dm->vaddr, dm->iova, dm->size);
}

static int
container_unmap_dma(struct emu_container *ct,
		    struct vfio_iommu_type1_dma_unmap *du)
{
	uint64_t unmapped;

	if (!ct->iommu_set || du->argsz < sizeof(*du) || du->flags != 0 ||
	    ((du->size | du->iova) & ((uint64_t)emu_page_size() - 1))) {
		errno = EINVAL;
		return -1;
	}
	if (emu_model_dma_unmap(ct->sock, du->iova, du->size, &unmapped) != 0)
		return -1;
	du->size = unmapped;
	return 0;
}

int
emu_container_ioctl(int c, unsigned long req, void *arg)
{
	struct emu_container *ct = &emu_containers.ct[c];

	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return ((unsigned long)arg == VFIO_TYPE1_IOMMU ||
			(unsigned long)arg == VFIO_TYPE1v2_IOMMU) ? 1 : 0;
	case VFIO_SET_IOMMU:
		return container_set_iommu(ct, (unsigned long)arg);
	case VFIO_IOMMU_GET_INFO:
		return container_iommu_info(ct, arg);
	case VFIO_IOMMU_MAP_DMA:
		return container_map_dma(ct, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return container_unmap_dma(ct, arg);
	default:
		errno = ENOTTY;
		return -1;
	}
}
