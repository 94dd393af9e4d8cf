/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The device as a vfio PCI device: GET_INFO, GET_REGION_INFO (BARs with
 * the device file passed for mmap and a sparse-mmap capability that keeps
 * the page(s) of the MSI-X table and PBA trapped; config space), the IRQ
 * types and SET_IRQS (MSI-X eventfds into the caller's trigger table, as
 * the LD_PRELOAD path's IRQ request sets them), and DEVICE_RESET.
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "opnic_vfu_internal.h"

int
vfu_handle_device_info(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfu_device_info di;

	(void)v;
	if (x->len != sizeof(di))
		return vfu_msg_error(x, EINVAL, "device info payload of %u "
				     "bytes: expected %zu", x->len, sizeof(di));
	memcpy(&di, x->payload, sizeof(di));
	if (di.argsz < sizeof(di))
		return vfu_msg_error(x, EINVAL, "device info argsz %u: expected "
				     "at least %zu", di.argsz, sizeof(di));
	di.argsz = sizeof(di);
	di.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	di.num_regions = VFU_NUM_REGIONS;
	di.num_irqs = VFU_NUM_IRQS;
	return vfu_reply_put(x, &di, sizeof(di));
}

/* The page-aligned span [*s, *e) of [off, off + len). */
static void
page_span(uint64_t off, uint64_t len, uint64_t *s, uint64_t *e)
{
	*s = off & ~(VFU_PAGE - 1);
	*e = (off + len + VFU_PAGE - 1) & ~(VFU_PAGE - 1);
}

/* The mmap-able areas of the MSI-X BAR: everything but the pages of the
 * table and of the PBA. Returns the number of areas written. */
static unsigned int
sparse_areas(const struct opnic_vfu *v, uint64_t size,
	     struct vfio_region_sparse_mmap_area *a)
{
	const struct opnic_profile *p = &v->cfg.m->prof;
	uint64_t ts, te, ps, pe, cut[2][2];
	uint64_t at = 0;
	unsigned int n = 0, i;

	page_span(p->msix_table, (uint64_t)p->msix_vectors * OPNIC_MSIX_ENTRY_SIZE,
		  &ts, &te);
	page_span(p->msix_pba, ((uint64_t)p->msix_vectors + 63) / 64 * 8, &ps, &pe);
	/* The two cuts in order; merged when they touch. */
	if (ps < ts) {
		cut[0][0] = ps; cut[0][1] = pe; cut[1][0] = ts; cut[1][1] = te;
	} else {
		cut[0][0] = ts; cut[0][1] = te; cut[1][0] = ps; cut[1][1] = pe;
	}
	for (i = 0; i < 2; i++) {
		if (cut[i][0] > at) {
			a[n].offset = at;
			a[n].size = cut[i][0] - at;
			n++;
		}
		if (cut[i][1] > at)
			at = cut[i][1];
	}
	if (at < size) {
		a[n].offset = at;
		a[n].size = size - at;
		n++;
	}
	return n;
}

int
vfu_handle_region_info(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfio_region_info ri;
	struct vfio_region_info_cap_sparse_mmap sp;
	struct vfio_region_sparse_mmap_area area[3];
	uint8_t out[sizeof(ri) + sizeof(sp) + sizeof(area)];
	uint32_t argsz, idx, need;
	unsigned int na = 0;
	size_t caps = 0;

	if (x->len != sizeof(ri))
		return vfu_msg_error(x, EINVAL, "region info payload of %u bytes: "
				     "expected %zu", x->len, sizeof(ri));
	memcpy(&ri, x->payload, sizeof(ri));
	argsz = ri.argsz;
	idx = ri.index;
	if (argsz < sizeof(ri))
		return vfu_msg_error(x, EINVAL, "region info argsz %u: expected "
				     "at least %zu", argsz, sizeof(ri));
	/* vfio-pci: no VGA region on a device that is not VGA. */
	if (idx >= VFU_NUM_REGIONS || idx == VFIO_PCI_VGA_REGION_INDEX)
		return vfu_msg_error(x, EINVAL, "region %u: no such region", idx);
	memset(&ri, 0, sizeof(ri));
	memset(&sp, 0, sizeof(sp));
	ri.index = idx;
	if (idx <= VFIO_PCI_BAR5_REGION_INDEX && v->cfg.bar_size[idx] != 0) {
		ri.size = v->cfg.bar_size[idx];
		ri.offset = v->cfg.bar_off[idx];
		ri.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		/* mmap needs the fd, and the client must take one. */
		if (v->caps.client_max_fds >= 1)
			ri.flags |= VFIO_REGION_INFO_FLAG_MMAP;
		if ((ri.flags & VFIO_REGION_INFO_FLAG_MMAP) &&
		    idx == v->cfg.m->prof.msix_bar) {
			na = sparse_areas(v, ri.size, area);
			sp.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
			sp.header.version = 1;
			sp.header.next = 0;
			sp.nr_areas = na;
			caps = sizeof(sp) + na * sizeof(area[0]);
		}
	} else if (idx == VFIO_PCI_CONFIG_REGION_INDEX) {
		ri.size = VFU_CFG_SIZE;
		ri.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	}
	need = (uint32_t)(sizeof(ri) + caps);
	ri.argsz = need;
	/* The kernel's size protocol: argsz too small for the caps, say what
	 * is needed and send the fixed part only - without the CAPS flag,
	 * which QEMU's vfio-user client takes to mean a valid cap_offset. */
	if (caps != 0 && argsz >= need) {
		ri.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		ri.cap_offset = sizeof(ri);
	}
	if ((ri.flags & VFIO_REGION_INFO_FLAG_MMAP) && (caps == 0 || argsz >= need))
		x->rep_fd = v->bar_fd;
	memcpy(out, &ri, sizeof(ri));
	memcpy(out + sizeof(ri), &sp, sizeof(sp));
	memcpy(out + sizeof(ri) + sizeof(sp), area, na * sizeof(area[0]));
	return vfu_reply_put(x, out, argsz >= need ? need : sizeof(ri));
}

/* How many interrupts of a type the device has: no INTx pin, no MSI
 * capability, MSI-X vectors; one error and one request interrupt, as
 * vfio-pci reports for a PCIe function (their eventfds are kept, never
 * signalled: the model has no AER and is never unplugged). */
static int
irq_count(const struct opnic_vfu *v, uint32_t index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return v->cfg.m->cfg[PCI_INTERRUPT_PIN] != 0 ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return 0;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return (int)v->cfg.m->prof.msix_vectors;
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return -1;
	}
}

int
vfu_handle_irq_info(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfio_irq_info ii;
	int count;

	if (x->len != sizeof(ii))
		return vfu_msg_error(x, EINVAL, "irq info payload of %u bytes: "
				     "expected %zu", x->len, sizeof(ii));
	memcpy(&ii, x->payload, sizeof(ii));
	if (ii.argsz < sizeof(ii))
		return vfu_msg_error(x, EINVAL, "irq info argsz %u: expected at "
				     "least %zu", ii.argsz, sizeof(ii));
	count = irq_count(v, ii.index);
	if (count < 0)
		return vfu_msg_error(x, EINVAL, "irq index %u: no such type",
				     ii.index);
	ii.argsz = sizeof(ii);
	ii.count = (uint32_t)count;
	ii.flags = VFIO_IRQ_INFO_EVENTFD;
	if (ii.index == VFIO_PCI_INTX_IRQ_INDEX)
		ii.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		ii.flags |= VFIO_IRQ_INFO_NORESIZE;
	return vfu_reply_put(x, &ii, sizeof(ii));
}

/* Vector vec's trigger: fd (ours now) or -1 to drop it; the vector is
 * unmasked while it has one, as the kernel programs it. */
static void
set_trigger(struct opnic_vfu *v, uint32_t vec, int fd)
{
	int *slot = &v->cfg.irq_fd[vec];

	if (*slot >= 0)
		close(*slot);
	*slot = fd;
	opnic_model_set_vector_mask(v->cfg.m, vec, fd < 0);
}

/* The error (0) or request (1) interrupt: TRIGGER with an eventfd keeps
 * it, without one (or DATA_NONE count 0) drops it; firing it from the
 * client (NONE/BOOL) signals it as vfio-pci's loopback does. */
static int
set_aux(struct opnic_vfu *v, struct vfu_msg *x, unsigned int which,
	uint32_t dtype, uint32_t action, uint32_t count)
{
	int *slot = &v->aux_fd[which];
	uint64_t one = 1;

	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return vfu_msg_error(x, EINVAL, "%s interrupt: only TRIGGER",
				     which ? "request" : "error");
	if (dtype == VFIO_IRQ_SET_DATA_EVENTFD || count == 0) {
		if (*slot >= 0)
			close(*slot);
		*slot = vfu_msg_take_fd(x, 0);
		return 0;
	}
	if ((dtype == VFIO_IRQ_SET_DATA_NONE ||
	     x->payload[offsetof(struct vfio_irq_set, data)]) &&
	    *slot >= 0 && write(*slot, &one, sizeof(one)) < 0)
		return vfu_msg_error(x, errno, "eventfd write");
	return 0;
}

void
vfu_irqs_drop_all(struct opnic_vfu *v)
{
	uint32_t vec;

	for (vec = 0; vec < 2; vec++)
		if (v->aux_fd[vec] >= 0) {
			close(v->aux_fd[vec]);
			v->aux_fd[vec] = -1;
		}

	for (vec = 0; vec < v->cfg.nirq; vec++)
		if (v->cfg.irq_fd[vec] >= 0)
			set_trigger(v, vec, -1);
}

int
vfu_handle_set_irqs(struct opnic_vfu *v, struct vfu_msg *x)
{
	uint32_t dtype, action, i, nvec;
	size_t minsz = offsetof(struct vfio_irq_set, data), dsize = 0;
	struct vfio_irq_set is;
	int count;

	if (x->len < minsz)
		return vfu_msg_error(x, EINVAL, "set irqs payload of %u bytes: "
				     "expected at least %zu", x->len, minsz);
	memcpy(&is, x->payload, minsz);
	dtype = is.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = is.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	count = irq_count(v, is.index);
	if (is.argsz < minsz || count < 0 || __builtin_popcount(dtype) != 1 ||
	    __builtin_popcount(action) != 1 ||
	    (is.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			  VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return vfu_msg_error(x, EINVAL, "set irqs argsz %u flags 0x%x "
				     "index %u: malformed", is.argsz, is.flags,
				     is.index);
	if ((uint64_t)is.start + is.count > (uint64_t)count ||
	    (dtype != VFIO_IRQ_SET_DATA_NONE && is.count == 0))
		return vfu_msg_error(x, EINVAL, "set irqs index %u start %u count "
				     "%u: the type has %d", is.index, is.start,
				     is.count, count);
	if (dtype == VFIO_IRQ_SET_DATA_BOOL)
		dsize = is.count;
	if (x->len < minsz + dsize)
		return vfu_msg_error(x, EINVAL, "set irqs: %u bytes for %u bools",
				     x->len, is.count);
	/* Eventfds travel as SCM_RIGHTS: one per vector, or none to drop
	 * the triggers. No other data type carries fds. */
	if (dtype == VFIO_IRQ_SET_DATA_EVENTFD ? (x->nfds != 0 && x->nfds != is.count)
					       : x->nfds != 0)
		return vfu_msg_error(x, EINVAL, "set irqs count %u with %u fds",
				     is.count, x->nfds);
	if (count == 0)
		return 0;	/* "disable all" of a type the device lacks */
	if (is.index == VFIO_PCI_ERR_IRQ_INDEX || is.index == VFIO_PCI_REQ_IRQ_INDEX)
		return set_aux(v, x, is.index - VFIO_PCI_ERR_IRQ_INDEX, dtype,
			       action, is.count);
	if (is.index != VFIO_PCI_MSIX_IRQ_INDEX)
		return vfu_msg_error(x, EINVAL, "irq index %u: not served",
				     is.index);
	/* vfio-pci has no mask/unmask for MSI-X. */
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return vfu_msg_error(x, ENOTTY, "MSI-X mask/unmask is not "
				     "supported (as vfio-pci)");
	nvec = v->cfg.nirq < (uint32_t)count ? v->cfg.nirq : (uint32_t)count;
	if (dtype == VFIO_IRQ_SET_DATA_NONE && is.count == 0) {
		vfu_irqs_drop_all(v);
		opnic_model_set_msix_ctrl(v->cfg.m, 0, 0);
		return 0;
	}
	if (dtype == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (x->nfds != 0 && is.start + is.count > nvec)
			return vfu_msg_error(x, EINVAL, "MSI-X vectors %u..%u: the "
					     "server signals vectors 0..%u",
					     is.start, is.start + is.count - 1,
					     nvec - 1);
		if (x->nfds != 0)
			opnic_model_set_msix_ctrl(v->cfg.m, 1, 0);
		for (i = 0; i < is.count; i++) {
			uint32_t vec = is.start + i;
			int fd = vfu_msg_take_fd(x, i);

			if (vec < nvec)
				set_trigger(v, vec, fd);
		}
		return 0;
	}
	/* DATA_NONE with a count, or BOOL: fire the triggers (loopback). */
	for (i = 0; i < is.count; i++) {
		uint32_t vec = is.start + i;
		uint64_t one = 1;

		if (dtype == VFIO_IRQ_SET_DATA_BOOL && !x->payload[minsz + i])
			continue;
		if (vec < nvec && v->cfg.irq_fd[vec] >= 0 &&
		    write(v->cfg.irq_fd[vec], &one, sizeof(one)) < 0)
			return vfu_msg_error(x, errno, "vector %u: eventfd write",
					     vec);
	}
	return 0;
}

int
vfu_handle_reset(struct opnic_vfu *v, struct vfu_msg *x)
{
	if (x->len != 0 || x->nfds != 0)
		return vfu_msg_error(x, EINVAL, "reset with %u payload bytes and "
				     "%u fds: expected none", x->len, x->nfds);
	v->cfg.reset(v->cfg.ctx);
	vfu_vbar_reset(v);
	return 0;
}
