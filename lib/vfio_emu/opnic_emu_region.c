/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Region access on an emulated device fd: config space (BAR registers
 * virtualized, only the command register writable), BAR read/write as
 * pread/pwrite on the device's shared-memory file with the MSI-X table
 * hidden as vfio_pci_bar_rw() hides it, and BAR mmap with the kernel
 * behaviour chosen (OPNIC_KERNEL).
 */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "opnic_emu_internal.h"

static ssize_t
config_rw(struct emu_dev *d, void *buf, size_t count, uint64_t off, int wr)
{
	size_t i;

	if (off >= EMU_CFG_SIZE) {
		errno = EINVAL;
		return -1;
	}
	if (count > EMU_CFG_SIZE - off)
		count = EMU_CFG_SIZE - off;
	for (i = 0; i < count; i++) {
		uint64_t o = off + i;
		uint8_t *b = (uint8_t *)buf + i;

		if (o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_5 + 4) {
			unsigned int bar = (unsigned int)(o - PCI_BASE_ADDRESS_0) / 4;
			unsigned int sh = (unsigned int)(o & 3) * 8;
			uint64_t size = 0;
			uint32_t mask;

			/* A 64-bit BAR's upper half sizes with the lower. */
			if (bar > 0 && d->hdr.bar_size[bar - 1] != 0)
				size = 0;
			else
				size = d->hdr.bar_size[bar];
			if (wr) {
				uint32_t v = d->vbar[bar];

				v &= ~(0xffu << sh);
				v |= (uint32_t)*b << sh;
				mask = size != 0 ? ~(uint32_t)(size - 1) : 0;
				if (bar > 0 && d->hdr.bar_size[bar - 1] != 0)
					mask = 0;	/* we live below 4 GiB */
				d->vbar[bar] = (v & mask & ~0xfu) |
					       (size ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0);
			} else {
				*b = (uint8_t)(d->vbar[bar] >> sh);
			}
			continue;
		}
		if (!wr) {
			*b = d->cfg[o];
			continue;
		}
		/* Only the command register is writable through us; vfio-pci
		 * virtualizes the rest (MSI-X enable happens at SET_IRQS). */
		if (o == PCI_COMMAND || o == PCI_COMMAND + 1)
			d->cfg[o] = *b;
	}
	return (ssize_t)count;
}

ssize_t
emu_region_rw(int fd, struct emu_dev *d, void *buf, size_t count, uint64_t pos,
	  int wr)
{
	unsigned int idx = (unsigned int)(pos >> EMU_REGION_SHIFT);
	uint64_t off = pos & ((1ull << EMU_REGION_SHIFT) - 1);
	uint64_t size, xs, xe, end;
	ssize_t n;

	if (idx == VFIO_PCI_CONFIG_REGION_INDEX)
		return config_rw(d, buf, count, off, wr);
	if (idx > VFIO_PCI_BAR5_REGION_INDEX || d->hdr.bar_size[idx] == 0) {
		errno = EINVAL;
		return -1;
	}
	/* Surprise removal (the model wipes config space to all ones): BAR
	 * accesses fail as the kernel's do for a device that is gone. */
	if (d->cfg[PCI_VENDOR_ID] == 0xff && d->cfg[PCI_VENDOR_ID + 1] == 0xff) {
		errno = EIO;
		return -1;
	}
	size = d->hdr.bar_size[idx];
	if (off >= size) {
		errno = EINVAL;
		return -1;
	}
	if (count > size - off)
		count = size - off;
	/* Memory decoding off (PCI command bit 1): the access is an
	 * Unsupported Request, reads complete with all ones and writes are
	 * dropped (doc/spec.md 1.1). */
	if (!(d->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY)) {
		if (!wr)
			memset(buf, 0xff, count);
		return (ssize_t)count;
	}
	end = off + count;
	xs = xe = 0;
	if (idx == d->hdr.msix_bar) {
		xs = d->hdr.msix_table;
		xe = xs + emu_msix_table_size(d);
	}
	/* vfio_pci_bar_rw(): the MSI-X table reads as all ones and drops
	 * writes; everything else reaches the device. */
	if (xe > xs && off < xe && end > xs) {
		uint64_t o = off;

		while (o < end) {
			uint64_t stop;

			if (o >= xs && o < xe) {
				stop = end < xe ? end : xe;
				if (!wr)
					memset((uint8_t *)buf + (o - off), 0xff, stop - o);
			} else {
				stop = o < xs ? (end < xs ? end : xs) : end;
				n = wr ? emu_real.pwrite(fd, (uint8_t *)buf + (o - off), stop - o,
						     (off_t)(d->hdr.bar_off[idx] + o)) :
					 emu_real.pread(fd, (uint8_t *)buf + (o - off), stop - o,
						    (off_t)(d->hdr.bar_off[idx] + o));
				if (n < 0)
					return -1;
			}
			o = stop;
		}
		return (ssize_t)count;
	}
	return wr ? emu_real.pwrite(fd, buf, count, (off_t)(d->hdr.bar_off[idx] + off)) :
		    emu_real.pread(fd, buf, count, (off_t)(d->hdr.bar_off[idx] + off));
}

/* Linux >= 4.8 (vfio_pci_probe_mmaps()) maps a BAR smaller than a page
 * when it starts on a page, as ours do (opnic_bar_phys()); before, a BAR
 * needed size >= PAGE_SIZE, which hole-nocap (Linux < 4.6) keeps. */
int
emu_bar_mmap_supported(uint64_t size)
{
	return !emu_cfg.nocap || size >= (uint64_t)emu_page_size();
}

/*
 * vfio_pci_mmap(): a shared mapping of whole pages inside the BAR, the
 * BAR's length rounded up to a page (Linux >= 4.8; before, not rounded);
 * on kernels before 4.16 (hole, hole-nocap) none that overlaps the bytes of
 * the MSI-X table. Every refusal is EINVAL.
 */
void *
emu_region_mmap(struct emu_dev *d, void *addr, size_t len, int prot, int flags,
		int fd, off_t pos)
{
	uint64_t page, off, plen, size;
	unsigned int idx;

	page = (uint64_t)emu_page_size();
	idx = (unsigned int)((uint64_t)pos >> EMU_REGION_SHIFT);
	off = (uint64_t)pos & ((1ull << EMU_REGION_SHIFT) - 1);
	if (idx > VFIO_PCI_BAR5_REGION_INDEX || d->hdr.bar_size[idx] == 0 ||
	    !emu_bar_mmap_supported(d->hdr.bar_size[idx]) ||
	    !(flags & MAP_SHARED) || len == 0 || (off & (page - 1))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	plen = (len + page - 1) & ~(page - 1);	/* the vma is whole pages */
	size = d->hdr.bar_size[idx];
	if (!emu_cfg.nocap)
		size = (size + page - 1) & ~(page - 1);
	if (off + plen > size) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (emu_cfg.hole && idx == d->hdr.msix_bar &&
	    !(off >= d->hdr.msix_table + emu_msix_table_size(d) ||
	      off + plen <= d->hdr.msix_table)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return emu_real.mmap(addr, len, prot, flags, fd,
			 (off_t)(d->hdr.bar_off[idx] + off));
}
