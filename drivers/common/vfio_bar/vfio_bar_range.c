/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * vfio_bar's range classification: which bytes of a BAR end up mapped and
 * how a register block is reached. Pure functions of a struct vbar_layout,
 * with no VFIO, bus or EAL call, so tests/unit/test_vfio_bar.c runs them
 * without a device (doc/vfio-emulation-vs-kernel.md and
 * doc/guides/opnic-vfio-info.md have the kernel's and DPDK's rules).
 */

#include "vfio_bar.h"

unsigned int
vbar_range_add(struct vbar_range *r, unsigned int n, uint64_t bar_size,
	       uint64_t off, uint64_t len)
{
	if (len == 0 || n == VBAR_MAX_RANGES || off >= bar_size)
		return n;
	if (len > bar_size - off)
		len = bar_size - off;
	r[n].off = off;
	r[n].len = len;
	return n + 1;
}

/* The host pages holding the MSI-X table: [*start, *end). */
static void
table_pages(const struct vbar_layout *l, uint64_t *start, uint64_t *end)
{
	*start = vbar_align_down(l->msix_table, l->page_size);
	*end = vbar_align_up(l->msix_table + l->msix_table_size, l->page_size);
}

/* What the kernel lets us map: SPARSE_MMAP areas when reported, the whole
 * BAR with MSIX_MAPPABLE or no table in it, else everything but the host
 * pages holding the table (kernels before SPARSE_MMAP). Not clamped. */
unsigned int
vbar_allowed_ranges(const struct vbar_layout *l,
		    struct vbar_range out[VBAR_MAX_RANGES])
{
	uint64_t ts, te;
	unsigned int k, n = 0;

	if (!l->mmap)
		return 0;
	if (l->sparse) {
		for (k = 0; k < l->nareas && n < VBAR_MAX_RANGES; k++)
			out[n++] = l->areas[k];
		return n;
	}
	if (!l->msix || l->msix_mappable) {
		out[0].off = 0;
		out[0].len = l->size;
		return 1;
	}
	table_pages(l, &ts, &te);
	if (ts > 0) {
		out[n].off = 0;
		out[n].len = ts;
		n++;
	}
	if (te < l->size) {
		out[n].off = te;
		out[n].len = l->size - te;
		n++;
	}
	return n;
}

/* The ranges pci_vfio_mmap_bar() (DPDK 22.11; later releases when the
 * kernel reports no SPARSE_MMAP area) maps when it maps the BAR. */
unsigned int
vbar_bus_ranges(const struct vbar_layout *l,
		struct vbar_range out[VBAR_MAX_RANGES])
{
	uint64_t ts, te;
	unsigned int n;

	if (!l->msix || l->msix_mappable)
		return vbar_range_add(out, 0, l->size, 0, l->size);
	table_pages(l, &ts, &te);
	if (ts < l->msix_table)
		ts = l->msix_table;
	n = vbar_range_add(out, 0, l->size, 0, ts);
	if (te < l->size)
		n = vbar_range_add(out, n, l->size, te, l->size - te);
	return n;
}

unsigned int
vbar_bus_ranges_of(const struct vbar_layout *l, int bus_maps_sparse,
		   struct vbar_range out[VBAR_MAX_RANGES])
{
	unsigned int k, n = 0;

	if (!bus_maps_sparse || !l->sparse || l->nareas == 0)
		return vbar_bus_ranges(l, out);
	/* pci_vfio_sparse_mmap_bar(): each area of non-zero size, as is. */
	for (k = 0; k < l->nareas; k++)
		n = vbar_range_add(out, n, l->size, l->areas[k].off,
				   l->areas[k].len);
	return n;
}

int
vbar_layout_touches_msix(const struct vbar_layout *l, uint64_t off,
			 uint64_t len)
{
	uint64_t pba_len;

	if (!l->msix)
		return 0;
	pba_len = ((l->msix_table_size / 16 + 63) / 64) * 8;
	return (off < l->msix_table + l->msix_table_size &&
		l->msix_table < off + len) ||
	       (off < l->msix_pba + pba_len && l->msix_pba < off + len);
}

enum vbar_class
vbar_classify(const struct vbar_layout *l, const struct vbar_range *mapped,
	      unsigned int nmapped, uint64_t off, uint64_t len)
{
	uint64_t ts, te;
	unsigned int k;

	if (len > l->size || off > l->size - len)
		return VBAR_CLASS_OUTSIDE;
	for (k = 0; k < nmapped; k++)
		if (off >= mapped[k].off &&
		    off + len <= mapped[k].off + mapped[k].len)
			return VBAR_CLASS_MAPPED;
	if (vbar_layout_touches_msix(l, off, len))
		return VBAR_CLASS_MSIX;
	if (l->msix && !l->msix_mappable) {
		table_pages(l, &ts, &te);
		if (off < te && ts < off + len)
			return VBAR_CLASS_HOLE;
	}
	return VBAR_CLASS_UNMAPPED;
}
