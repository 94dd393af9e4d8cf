/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <rte_eal.h>
#include <rte_interrupts.h>
#include <rte_log.h>
#include <rte_pci.h>
#include <rte_bus_pci.h>
#include <rte_vfio.h>
#include <bus_pci_driver.h>

#include "vfio_bar.h"
#include "vfio_bar_compat.h"

RTE_LOG_REGISTER_DEFAULT(vbar_logtype, NOTICE);

#define VBAR_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vbar_logtype, "vfio_bar: " fmt "\n", \
		##__VA_ARGS__)

#define REGION_OFF(i) ((uint64_t)(i) << 40)

static int
cfg_read(int fd, void *buf, size_t n, uint64_t off)
{
	ssize_t r = pread(fd, buf, n,
			  (off_t)(REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) + off));

	if (r >= 0 && r != (ssize_t)n)
		errno = EIO;
	return r == (ssize_t)n ? 0 : -1;
}

int
vbar_cfg_read(const struct vbar_dev *vb, void *buf, size_t n, uint64_t off)
{
	return cfg_read(vb->fd, buf, n, off);
}

int
vbar_cfg_write(const struct vbar_dev *vb, const void *buf, size_t n,
	       uint64_t off)
{
	ssize_t r = pwrite(vb->fd, buf, n,
			   (off_t)(REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) + off));

	if (r >= 0 && r != (ssize_t)n)
		errno = EIO;
	return r == (ssize_t)n ? 0 : -1;
}

/* The MSI-X capability, from config space. */
static void
find_msix(struct vbar_dev *vb)
{
	uint8_t cap = 0, id = 0;
	unsigned int guard = 0;

	vb->msix_bar = -1;
	if (cfg_read(vb->fd, &cap, 1, PCI_CAPABILITY_LIST) != 0)
		return;
	while (cap >= 0x40 && guard++ < 48) {
		if (cfg_read(vb->fd, &id, 1, cap) != 0)
			return;
		if (id == PCI_CAP_ID_MSIX) {
			uint16_t flags;
			uint32_t table, pba;

			if (cfg_read(vb->fd, &flags, 2, cap + PCI_MSIX_FLAGS) != 0 ||
			    cfg_read(vb->fd, &table, 4, cap + PCI_MSIX_TABLE) != 0 ||
			    cfg_read(vb->fd, &pba, 4, cap + PCI_MSIX_PBA) != 0)
				return;
			vb->msix_bar = (int)(table & PCI_MSIX_TABLE_BIR);
			vb->msix_table = table & PCI_MSIX_TABLE_OFFSET;
			vb->msix_table_size = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1u) * 16;
			vb->msix_pba = pba & PCI_MSIX_PBA_OFFSET;
			return;
		}
		if (cfg_read(vb->fd, &cap, 1, cap + PCI_CAP_LIST_NEXT) != 0)
			return;
	}
}

struct vfio_region_info *
vbar_region_info(int fd, unsigned int idx)
{
	struct vfio_region_info *ri = calloc(1, sizeof(*ri));
	uint32_t sz;

	if (ri == NULL)
		return NULL;
	ri->argsz = sizeof(*ri);
	ri->index = idx;
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri) != 0)
		goto fail;
	if (ri->argsz > sizeof(*ri)) {
		sz = ri->argsz;
		free(ri);
		ri = calloc(1, sz);
		if (ri == NULL)
			return NULL;
		ri->argsz = sz;
		ri->index = idx;
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri) != 0)
			goto fail;
	}
	return ri;
fail:
	free(ri);
	return NULL;
}

static const struct vfio_info_cap_header *
region_cap(const struct vfio_region_info *ri, uint16_t id)
{
	uint32_t off = ri->cap_offset;
	unsigned int guard = 0;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return NULL;
	while (off >= sizeof(*ri) &&
	       off + sizeof(struct vfio_info_cap_header) <= ri->argsz &&
	       guard++ < 32) {
		const struct vfio_info_cap_header *h =
			(const void *)((const uint8_t *)ri + off);

		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

/* The plain values vbar_layout holds for BAR i, from its region info. */
static void
layout_of(struct vbar_dev *vb, unsigned int i,
	  const struct vfio_region_info *ri, struct vbar_layout *l)
{
	const struct vfio_region_info_cap_sparse_mmap *sp = (const void *)
		region_cap(ri, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	uint32_t k;

	memset(l, 0, sizeof(*l));
	l->size = ri->size;
	l->page_size = (uint64_t)vb->page_size;
	l->msix = (int)i == vb->msix_bar;
	if (l->msix) {
		l->msix_table = vb->msix_table;
		l->msix_table_size = vb->msix_table_size;
		l->msix_pba = vb->msix_pba;
		l->msix_mappable = vb->msix_mappable;
	}
	l->mmap = (ri->flags & VFIO_REGION_INFO_FLAG_MMAP) != 0;
	if (l->mmap && sp != NULL) {
		l->sparse = 1;
		if (l->msix)
			vb->sparse_reported = 1;
		for (k = 0; k < sp->nr_areas && k < VBAR_MAX_RANGES; k++) {
			l->areas[k].off = sp->areas[k].offset;
			l->areas[k].len = sp->areas[k].size;
		}
		l->nareas = k;
	}
}

static int
self_map_bar(struct vbar_dev *vb, unsigned int i, const struct vbar_range *r,
	     unsigned int n)
{
	struct vbar_bar *b = &vb->bar[i];
	uint64_t len = vbar_align_up(b->size, (uint64_t)vb->page_size);
	unsigned int k;
	void *base;

	base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	b->base = base;
	for (k = 0; k < n; k++) {
		void *p;

		/* Linux 4.7..4.15 reports one area of size 0 when the table's
		 * page is the whole BAR: nothing to map. */
		if (r[k].len == 0)
			continue;
		p = mmap((uint8_t *)base + r[k].off, r[k].len,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 vb->fd, (off_t)(b->region_off + r[k].off));
		if (p == MAP_FAILED) {
			VBAR_LOG(WARNING, "BAR%u area 0x%" PRIx64 "+0x%" PRIx64
				 ": mmap failed (%s), region r/w will be used",
				 i, r[k].off, r[k].len, strerror(errno));
			continue;
		}
		b->nmapped = vbar_range_add(b->mapped, b->nmapped, b->size,
					    r[k].off, r[k].len);
	}
	return 0;
}

int
vbar_open(struct vbar_dev *vb, struct rte_pci_device *pci, enum vbar_mode mode)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char name[RTE_DEV_NAME_MAX_LEN];
	unsigned int i;
	int ret;

	memset(vb, 0, sizeof(*vb));
	vb->pci = pci;
	vb->mode = mode;
	vb->fd = -1;
	vb->page_size = sysconf(_SC_PAGESIZE);
	rte_pci_device_name(&pci->addr, name, sizeof(name));

	if (pci->kdrv != RTE_PCI_KDRV_VFIO) {
		VBAR_LOG(ERR, "%s: not bound to vfio-pci (kernel driver %d); "
			 "vfio_bar needs vfio-pci", name, (int)pci->kdrv);
		return -ENOTSUP;
	}
	ret = rte_pci_map_device(pci);
	if (ret == 0) {
		vb->fd = rte_intr_dev_fd_get(pci->intr_handle);
	} else {
		VBAR_LOG(NOTICE, "%s: DPDK's PCI bus could not map the BARs "
			 "(page size %ld); setting the device up through VFIO "
			 "directly", name, vb->page_size);
		ret = rte_vfio_setup_device(rte_pci_get_sysfs_path(), name,
					    &vb->fd, &info);
		if (ret != 0) {
			VBAR_LOG(ERR, "%s: rte_vfio_setup_device failed", name);
			vb->fd = -1;
			return -EIO;
		}
		vb->self_mapped = 1;
	}
	if (vb->fd < 0) {
		VBAR_LOG(ERR, "%s: no VFIO device fd", name);
		vbar_close(vb);
		return -EIO;
	}
	find_msix(vb);
	if (vb->msix_bar >= VBAR_MAX_BARS) {
		VBAR_LOG(ERR, "%s: MSI-X table in BAR index %d: invalid", name,
			 vb->msix_bar);
		vbar_close(vb);
		return -EINVAL;
	}
	if (vb->msix_bar >= 0) {
		struct vfio_region_info *ri = vbar_region_info(vb->fd,
							  (unsigned int)vb->msix_bar);

		vb->msix_mappable = ri != NULL &&
			region_cap(ri, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) != NULL;
		free(ri);
	}
	for (i = 0; i < VBAR_MAX_BARS; i++) {
		struct vfio_region_info *ri = vbar_region_info(vb->fd, i);
		struct vbar_range allowed[VBAR_MAX_RANGES];
		unsigned int n;

		if (ri == NULL || ri->size == 0) {
			free(ri);
			continue;
		}
		vb->bar[i].size = ri->size;
		vb->bar[i].region_off = ri->offset;
		layout_of(vb, i, ri, &vb->bar[i].layout);
		if (vb->self_mapped) {
			n = vbar_allowed_ranges(&vb->bar[i].layout, allowed);
			ret = self_map_bar(vb, i, allowed, n);
			if (ret != 0) {
				free(ri);
				vbar_close(vb);
				return ret;
			}
		} else {
			vb->bar[i].base = pci->mem_resource[i].addr;
			if (vb->bar[i].base != NULL)
				vb->bar[i].nmapped = vbar_bus_ranges_of(
					&vb->bar[i].layout,
					VBAR_BUS_MAPS_SPARSE_AREAS,
					vb->bar[i].mapped);
		}
		free(ri);
	}
	if (vb->msix_bar >= 0) {
		uint64_t page = (uint64_t)vb->page_size;

		if (vb->msix_mappable)
			snprintf(vb->why, sizeof(vb->why),
				 "kernel reports MSIX_MAPPABLE: BAR%d is mapped whole",
				 vb->msix_bar);
		else
			snprintf(vb->why, sizeof(vb->why),
				 "kernel does not report MSIX_MAPPABLE (Linux < 4.16 "
				 "behaviour%s); with %ld-byte pages BAR%d "
				 "0x%" PRIx64 "-0x%" PRIx64 " around the MSI-X table "
				 "is not mapped%s", vb->sparse_reported ?
				 ", SPARSE_MMAP reported" : "", vb->page_size,
				 vb->msix_bar, vbar_align_down(vb->msix_table, page),
				 vbar_align_up(vb->msix_table + vb->msix_table_size,
					  page) - 1,
				 !vb->self_mapped ? "" : vb->sparse_reported ?
				 "; DPDK's bus could not map around it, vfio_bar "
				 "mapped the SPARSE_MMAP areas" :
				 "; DPDK's bus could not map around it, vfio_bar "
				 "mapped the pages outside the table");
	} else {
		snprintf(vb->why, sizeof(vb->why), "no MSI-X capability");
	}
	return 0;
}

/* Did the bus map some BAR through its SPARSE_MMAP path (a list of areas
 * in the device's shared mapped_pci_resource)? */
static int
bus_took_sparse_path(const struct vbar_dev *vb)
{
	unsigned int i;

	if (!VBAR_BUS_MAPS_SPARSE_AREAS)
		return 0;
	for (i = 0; i < VBAR_MAX_BARS; i++)
		if (vb->bar[i].layout.sparse && vb->bar[i].layout.nareas > 0)
			return 1;
	return 0;
}

/*
 * A secondary process's unmap of a bus-mapped device whose bus took the
 * sparse path: what rte_pci_unmap_device() does there (munmap each BAR's
 * reservation, release the VFIO device) without its rte_free() of the
 * primary's area list (vfio_bar_compat.h).
 */
static void
secondary_unmap(struct vbar_dev *vb, const char *name)
{
	struct rte_pci_device *pci = vb->pci;
	unsigned int i;

	VBAR_LOG(INFO, "%s: secondary process: unmapping the BARs without the "
		 "PCI bus (its unmap frees the primary's SPARSE_MMAP area list)",
		 name);
	for (i = 0; i < VBAR_MAX_BARS; i++) {
		if (pci->mem_resource[i].addr == NULL || vb->bar[i].size == 0)
			continue;
		munmap(pci->mem_resource[i].addr, vb->bar[i].size);
		pci->mem_resource[i].addr = NULL;
	}
	if (rte_vfio_release_device(rte_pci_get_sysfs_path(), name, vb->fd) < 0)
		VBAR_LOG(WARNING, "%s: releasing the VFIO device failed", name);
	rte_intr_dev_fd_set(pci->intr_handle, -1);
}

void
vbar_close(struct vbar_dev *vb)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	unsigned int i;

	if (vb->pci == NULL)
		return;
	rte_pci_device_name(&vb->pci->addr, name, sizeof(name));
	if (vb->self_mapped) {
		for (i = 0; i < VBAR_MAX_BARS; i++)
			if (vb->bar[i].base != NULL)
				munmap(vb->bar[i].base,
				       vbar_align_up(vb->bar[i].size,
						(uint64_t)vb->page_size));
		if (vb->fd >= 0)
			rte_vfio_release_device(rte_pci_get_sysfs_path(), name,
						vb->fd);
	} else if (vb->fd >= 0 && VBAR_BUS_SECONDARY_UNMAP_FREES_SHARED_AREAS &&
		   rte_eal_process_type() != RTE_PROC_PRIMARY &&
		   bus_took_sparse_path(vb)) {
		secondary_unmap(vb, name);
	} else if (vb->fd >= 0) {
		rte_pci_unmap_device(vb->pci);
	}
	memset(vb, 0, sizeof(*vb));
	vb->fd = -1;
}

int
vbar_is_mapped(const struct vbar_dev *vb, unsigned int bar, uint64_t off,
	       uint64_t len)
{
	const struct vbar_bar *b;

	if (bar >= VBAR_MAX_BARS)
		return 0;
	b = &vb->bar[bar];
	return b->base != NULL &&
	       vbar_classify(&b->layout, b->mapped, b->nmapped, off, len) ==
	       VBAR_CLASS_MAPPED;
}

int
vbar_touches_msix(const struct vbar_dev *vb, unsigned int bar, uint64_t off,
		  uint64_t len)
{
	if (bar >= VBAR_MAX_BARS)
		return 0;
	return vbar_layout_touches_msix(&vb->bar[bar].layout, off, len);
}

int
vbar_block_init(const struct vbar_dev *vb, unsigned int bar, uint32_t off,
		uint32_t size, struct vbar_block *blk)
{
	memset(blk, 0, sizeof(*blk));
	if (bar >= VBAR_MAX_BARS || vb->bar[bar].size == 0 ||
	    (uint64_t)off + size > vb->bar[bar].size)
		return -EINVAL;
	blk->fd = vb->fd;
	blk->pos = vb->bar[bar].region_off + off;
	blk->size = size;
	blk->bar = (uint8_t)bar;
	blk->off = off;
	if (vb->mode != VBAR_MODE_RW && vbar_is_mapped(vb, bar, off, size))
		blk->addr = vb->bar[bar].base + off;
	return 0;
}

void
vbar_describe(const struct vbar_dev *vb, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i, k;

	for (i = 0; i < VBAR_MAX_BARS && n < len; i++) {
		const struct vbar_bar *b = &vb->bar[i];

		if (b->size == 0)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%sBAR%u 0x%" PRIx64
				      " bytes, mapped:", n ? "; " : "", i, b->size);
		if (b->nmapped == 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, " none");
		for (k = 0; k < b->nmapped && n < len; k++)
			n += (size_t)snprintf(buf + n, len - n,
					      " 0x%" PRIx64 "-0x%" PRIx64,
					      b->mapped[k].off,
					      b->mapped[k].off + b->mapped[k].len - 1);
	}
}

/* Region read/write. A failed access reads as all ones (a PCIe read of a
 * removed device) and is logged once. */
static void
rw_fail(const struct vbar_block *b, uint32_t off, int wr)
{
	static int logged;

	if (!logged) {
		logged = 1;
		VBAR_LOG(ERR, "region %s BAR%u+0x%x failed: %s",
			 wr ? "write" : "read", b->bar, b->off + off,
			 strerror(errno));
	}
}

#define RW_READ(bits, conv)						\
uint ## bits ## _t							\
vbar_rw_read ## bits(const struct vbar_block *b, uint32_t off)		\
{									\
	uint ## bits ## _t v;						\
									\
	if (pread(b->fd, &v, sizeof(v), (off_t)(b->pos + off)) !=	\
	    (ssize_t)sizeof(v)) {					\
		rw_fail(b, off, 0);					\
		return (uint ## bits ## _t)~0ull;			\
	}								\
	return conv(v);							\
}

#define RW_WRITE(bits, conv)						\
void									\
vbar_rw_write ## bits(const struct vbar_block *b, uint32_t off,	\
		      uint ## bits ## _t v)				\
{									\
	v = conv(v);							\
	if (pwrite(b->fd, &v, sizeof(v), (off_t)(b->pos + off)) !=	\
	    (ssize_t)sizeof(v))						\
		rw_fail(b, off, 1);					\
}

RW_READ(8, )
RW_READ(16, rte_le_to_cpu_16)
RW_READ(32, rte_le_to_cpu_32)
RW_READ(64, rte_le_to_cpu_64)
RW_WRITE(8, )
RW_WRITE(16, rte_cpu_to_le_16)
RW_WRITE(32, rte_cpu_to_le_32)
RW_WRITE(64, rte_cpu_to_le_64)
