/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The device fd of an emulated opnic: device info, region info (with the
 * MSI-X capability of the kernel behaviour chosen) and interrupts, as
 * vfio-pci answers them. MSI-X triggers go to the model, which signals the
 * eventfds itself. Region read/write and mmap are in opnic_emu_region.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "opnic_emu_internal.h"

struct emu_device_table emu_devices;

/*
 * Test hook for a device whose BAR0 is smaller than its registers need (a
 * bitstream built with the wrong BAR size): OPNIC_EMU_BAR0_SIZE makes the
 * kernel side report a smaller BAR0 (a power of two >= 4 KiB). The model
 * keeps its full register file; the driver must refuse the device.
 */
static void
shrink_bar0(struct emu_dev *d)
{
	const char *s = getenv("OPNIC_EMU_BAR0_SIZE");
	unsigned long v;
	char *end;

	if (s == NULL)
		return;
	v = strtoul(s, &end, 0);
	if (*end != '\0' || v < 4096 || (v & (v - 1)) != 0 ||
	    v >= d->hdr.bar_size[0]) {
		emu_log("OPNIC_EMU_BAR0_SIZE='%s' ignored: expected a power of two "
			"from 0x1000 to below 0x%x", s, d->hdr.bar_size[0]);
		return;
	}
	d->hdr.bar_size[0] = (uint32_t)v;
}

/* Map the config space of dev<i>.shm; 0 when the device is usable. */
static int
device_load(struct emu_dev *d, unsigned int i)
{
	char gpath[PATH_MAX];
	struct stat st;
	unsigned int b;
	void *cfg;
	int fd;

	snprintf(d->shm_path, sizeof(d->shm_path), "%s/" OPNIC_RUN_DEV_FMT,
		 emu_cfg.run, i);
	fd = emu_real.open(d->shm_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (emu_real.pread(fd, &d->hdr, sizeof(d->hdr), 0) != sizeof(d->hdr) ||
	    d->hdr.magic != OPNIC_SHM_MAGIC ||
	    d->hdr.version != OPNIC_SHM_VERSION || fstat(fd, &st) != 0) {
		emu_log("%s: not an opnic device file (bad magic or version)",
			d->shm_path);
		emu_real.close(fd);
		return -1;
	}
	/* From file offset 0: an mmap offset must be a multiple of the
	 * kernel's page size, 64 KiB on ppc64. */
	cfg = emu_real.mmap(NULL, OPNIC_SHM_BAR_OFF, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
	if (cfg != MAP_FAILED)
		cfg = (uint8_t *)cfg + OPNIC_SHM_CFG_OFF;
	emu_real.close(fd);
	if (cfg == MAP_FAILED)
		return -1;
	snprintf(gpath, sizeof(gpath), "%s/" OPNIC_RUN_GROUP_FMT, emu_cfg.run,
		 d->hdr.iommu_group);
	if (emu_real.stat(gpath, &st) != 0)
		return -1;
	d->group_ino = st.st_ino;
	if (emu_real.stat(d->shm_path, &st) != 0)
		return -1;
	d->ino = st.st_ino;
	d->cfg = cfg;
	d->container = -1;
	shrink_bar0(d);
	for (b = 0; b < 6; b++) {
		d->vbar[b] = 0;
		if (d->hdr.bar_size[b] != 0)
			d->vbar[b] = (uint32_t)opnic_bar_phys(i, b) |
				     PCI_BASE_ADDRESS_MEM_TYPE_64;
	}
	memset(d->irq_fd, -1, sizeof(d->irq_fd));
	return 0;
}

/* The devices opnic-model runs: dev<N>.shm in the run directory. */
void
emu_devices_load(void)
{
	unsigned int i;

	for (i = 0; i < OPNIC_MAX_DEVICES; i++)
		if (device_load(&emu_devices.dev[i], i) == 0)
			emu_devices.dev[i].present = 1;
}

uint32_t
emu_msix_table_size(const struct emu_dev *d)
{
	return d->hdr.msix_vectors * OPNIC_MSIX_ENTRY_SIZE;
}

/*
 * The capability chain vfio-pci gives the MSI-X BAR (an MMAP BAR only).
 * Linux >= 4.16: msix_mmappable_cap(). Linux 4.6 .. 4.15:
 * msix_sparse_mmap_cap(), whose area count comes from one test (one area
 * when the table's host pages start the BAR or reach its end, else two)
 * and whose areas come from two others: when the table's pages cover the
 * whole BAR it reports nr_areas 1 with one area of offset 0 and size 0 (the
 * capability buffer is zeroed). Linux < 4.6: no capability at all.
 */
static size_t
region_caps(const struct emu_dev *d, unsigned int index, uint8_t *buf)
{
	uint64_t page = (uint64_t)emu_page_size(), end, tstart, tend;
	struct vfio_region_info_cap_sparse_mmap *sp;
	struct vfio_info_cap_header *h;
	uint32_t nr, i = 0;
	size_t size;

	if (index != d->hdr.msix_bar || emu_cfg.nocap)
		return 0;
	if (!emu_cfg.hole) {
		h = (struct vfio_info_cap_header *)buf;
		h->id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE;
		h->version = 1;
		h->next = 0;
		return sizeof(*h);
	}
	end = d->hdr.bar_size[index];
	tstart = d->hdr.msix_table & ~(page - 1);
	tend = (d->hdr.msix_table + emu_msix_table_size(d) + page - 1) & ~(page - 1);
	nr = (tstart == 0 || tend >= end) ? 1 : 2;
	size = sizeof(*sp) + nr * sizeof(sp->areas[0]);
	memset(buf, 0, size);
	sp = (struct vfio_region_info_cap_sparse_mmap *)buf;
	sp->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sp->header.version = 1;
	sp->nr_areas = nr;
	if (tstart != 0) {
		sp->areas[i].offset = 0;
		sp->areas[i].size = tstart;
		i++;
	}
	if (tend < end) {
		sp->areas[i].offset = tend;
		sp->areas[i].size = end - tend;
	}
	return size;
}

static int
device_region_info(struct emu_dev *d, struct vfio_region_info *ri)
{
	uint8_t caps[256];
	size_t ncaps = 0;
	unsigned int idx;

	if (ri->argsz < sizeof(*ri)) {
		errno = EINVAL;
		return -1;
	}
	idx = ri->index;
	/* vfio-pci: the VGA region exists only for VGA devices. */
	if (idx >= VFIO_PCI_NUM_REGIONS || idx == VFIO_PCI_VGA_REGION_INDEX) {
		errno = EINVAL;
		return -1;
	}
	ri->offset = (uint64_t)idx << EMU_REGION_SHIFT;
	ri->flags = 0;
	ri->size = 0;
	ri->cap_offset = 0;
	if (idx <= VFIO_PCI_BAR5_REGION_INDEX) {
		ri->size = d->hdr.bar_size[idx];
		if (ri->size != 0) {
			ri->flags = VFIO_REGION_INFO_FLAG_READ |
				    VFIO_REGION_INFO_FLAG_WRITE;
			if (emu_bar_mmap_supported(ri->size)) {
				ri->flags |= VFIO_REGION_INFO_FLAG_MMAP;
				ncaps = region_caps(d, idx, caps);
			}
		}
	} else if (idx == VFIO_PCI_CONFIG_REGION_INDEX) {
		ri->size = EMU_CFG_SIZE;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	}
	if (ncaps != 0) {
		ri->flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (ri->argsz < sizeof(*ri) + ncaps) {
			/* The kernel's size protocol: say what is needed. */
			ri->argsz = (uint32_t)(sizeof(*ri) + ncaps);
		} else {
			memcpy((uint8_t *)ri + sizeof(*ri), caps, ncaps);
			ri->cap_offset = sizeof(*ri);
		}
	}
	return 0;
}

static int
device_irq_count(const struct emu_dev *d, unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX: return 1;
	case VFIO_PCI_MSI_IRQ_INDEX: return 0;	/* no MSI capability */
	case VFIO_PCI_MSIX_IRQ_INDEX: return (int)d->hdr.msix_vectors;
	case VFIO_PCI_ERR_IRQ_INDEX: return 1;	/* PCIe */
	case VFIO_PCI_REQ_IRQ_INDEX: return 1;
	default: return -1;
	}
}

static int
device_set_irqs(struct emu_dev *d, struct vfio_irq_set *is)
{
	uint32_t dtype = is->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = is->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	size_t minsz = offsetof(struct vfio_irq_set, data), dsize = 0;
	int count = device_irq_count(d, is->index);
	uint32_t i;

	if (is->argsz < minsz || count < 0 || __builtin_popcount(dtype) != 1 ||
	    __builtin_popcount(action) != 1 ||
	    (is->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			   VFIO_IRQ_SET_ACTION_TYPE_MASK))) {
		errno = EINVAL;
		return -1;
	}
	if (dtype == VFIO_IRQ_SET_DATA_BOOL)
		dsize = 1;
	else if (dtype == VFIO_IRQ_SET_DATA_EVENTFD)
		dsize = sizeof(int32_t);
	if ((uint64_t)is->start + is->count > (uint64_t)count ||
	    (dtype != VFIO_IRQ_SET_DATA_NONE && is->count == 0) ||
	    is->argsz < minsz + dsize * is->count) {
		errno = EINVAL;
		return -1;
	}
	if (is->index != VFIO_PCI_MSIX_IRQ_INDEX)
		return 0;	/* INTx, ERR, REQ: accepted, never raised */
	/* vfio-pci has no mask/unmask for MSI-X ("Need masking support"). */
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER) {
		errno = ENOTTY;
		return -1;
	}
	if (dtype == VFIO_IRQ_SET_DATA_NONE && is->count == 0) {
		for (i = 0; i < EMU_MAX_VECTORS; i++)
			if (d->irq_fd[i] >= 0) {
				emu_real.close(d->irq_fd[i]);
				d->irq_fd[i] = -1;
			}
		return emu_model_msix(d, 0);
	}
	if (dtype == VFIO_IRQ_SET_DATA_EVENTFD) {
		const int32_t *fds = (const int32_t *)is->data;

		if (emu_model_msix(d, 1) != 0)
			return -1;
		for (i = 0; i < is->count; i++) {
			uint32_t v = is->start + i;

			if (v < EMU_MAX_VECTORS && d->irq_fd[v] >= 0) {
				emu_real.close(d->irq_fd[v]);
				d->irq_fd[v] = -1;
			}
			if (fds[i] >= 0) {
				if (emu_model_irq(d, v, fds[i]) != 0)
					return -1;
				if (v < 64)
					d->irq_fd[v] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
			} else if (emu_model_irq(d, v, -1) != 0) {
				return -1;
			}
		}
		return 0;
	}
	/* DATA_NONE with a count, or BOOL: fire the triggers (loopback test). */
	for (i = 0; i < is->count; i++) {
		uint32_t v = is->start + i;
		uint64_t one = 1;

		if (dtype == VFIO_IRQ_SET_DATA_BOOL && !is->data[i])
			continue;
		if (v < EMU_MAX_VECTORS && d->irq_fd[v] >= 0 &&
		    write(d->irq_fd[v], &one, sizeof(one)) < 0)
			return -1;
	}
	return 0;
}

static int
device_info(struct vfio_device_info *di)
{
	if (di->argsz < offsetof(struct vfio_device_info, num_irqs) +
			sizeof(di->num_irqs)) {
		errno = EINVAL;
		return -1;
	}
	di->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	di->num_regions = VFIO_PCI_NUM_REGIONS;
	di->num_irqs = VFIO_PCI_NUM_IRQS;
	return 0;
}

static int
device_irq_info(const struct emu_dev *d, struct vfio_irq_info *ii)
{
	int count;

	if (ii->argsz < sizeof(*ii)) {
		errno = EINVAL;
		return -1;
	}
	count = device_irq_count(d, ii->index);
	if (count < 0) {
		errno = EINVAL;
		return -1;
	}
	ii->count = (uint32_t)count;
	ii->flags = VFIO_IRQ_INFO_EVENTFD;
	if (ii->index == VFIO_PCI_INTX_IRQ_INDEX)
		ii->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		ii->flags |= VFIO_IRQ_INFO_NORESIZE;
	return 0;
}

void
emu_device_close(int idx)
{
	struct emu_dev *d = &emu_devices.dev[idx];

	if (d->dev_fds > 0)
		d->dev_fds--;
}

int
emu_device_ioctl(int idx, unsigned long req, void *arg)
{
	struct emu_dev *d = &emu_devices.dev[idx];

	switch (req) {
	case VFIO_DEVICE_GET_INFO:
		return device_info(arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return device_region_info(d, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return device_irq_info(d, arg);
	case VFIO_DEVICE_SET_IRQS:
		return device_set_irqs(d, arg);
	case VFIO_DEVICE_RESET:
		return emu_model_reset(d);
	default:
		errno = ENOTTY;
		return -1;
	}
}
