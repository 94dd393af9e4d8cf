/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * DMA_MAP and DMA_UNMAP: the client's memory as the model's IOMMU domain.
 * A readable and writable mapping that comes with an fd is mmap'ed and
 * added to the model's IOVA map (opnic_dma.h), which every device access
 * goes through; an access outside it is a DMA error the model counts
 * (port statistic dma_errors), as on the LD_PRELOAD path. A mapping
 * without an fd, or one the client allows only reads or only writes of,
 * is recorded (so overlaps and unmaps work) but the model cannot reach it:
 * its accesses there are DMA errors too (doc/vfio-user.md says why).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opnic_vfu_internal.h"

/* The owner of a mapped range is the start of its mmap, which may lie
 * below host when the file offset was not page aligned. */
static void
dma_release(void *owner, uint8_t *host, uint64_t len)
{
	munmap(owner, len + (uint64_t)(host - (uint8_t *)owner));
}

static int
overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

static int
any_overlap(const struct opnic_vfu *v, uint64_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < v->dma->n; i++)
		if (overlaps(iova, len, v->dma->r[i].iova, v->dma->r[i].len))
			return 1;
	for (i = 0; i < v->nunr; i++)
		if (overlaps(iova, len, v->unr[i].iova, v->unr[i].len))
			return 1;
	return 0;
}

static void
count_maps(struct opnic_vfu *v)
{
	v->st.dma_maps = v->dma->n + v->nunr;
	v->st.dma_unreachable = v->nunr;
}

/* A memfd the client could shrink under our mapping would make the
 * model's next access a SIGBUS: seal it against shrinking (it is the
 * client's memory; it keeps its size). 0, or -errno. */
static int
seal_shrink(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || (seals & F_SEAL_SHRINK))
		return 0;	/* not a memfd, or sealed already */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) != 0)
		return -EPERM;
	return 0;
}

static int
map_fd(struct opnic_vfu *v, struct vfu_msg *x, const struct vfu_dma_map *dm,
       int fd)
{
	uint64_t delta = dm->offset & (VFU_PAGE - 1), base_off = dm->offset - delta;
	struct stat st;
	uint8_t *base;
	int r;

	if (dm->offset > (uint64_t)INT64_MAX - dm->size)
		return vfu_msg_error(x, EINVAL, "DMA map offset 0x%" PRIx64
				     " size 0x%" PRIx64 ": out of range",
				     dm->offset, dm->size);
	if (fstat(fd, &st) != 0)
		return vfu_msg_error(x, errno, "DMA map: fstat of the fd");
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < dm->offset + dm->size)
		return vfu_msg_error(x, EINVAL, "DMA map offset 0x%" PRIx64
				     " size 0x%" PRIx64 ": past the file's %"
				     PRIu64 " bytes", dm->offset, dm->size,
				     (uint64_t)st.st_size);
	if (!S_ISREG(st.st_mode))
		return vfu_msg_error(x, EINVAL, "DMA map: the fd is not a "
				     "memory file");
	if (seal_shrink(fd) != 0)
		return vfu_msg_error(x, EPERM, "DMA map: a memfd that may shrink "
				     "and cannot be sealed");
	base = mmap(NULL, dm->size + delta, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, (off_t)base_off);
	if (base == MAP_FAILED)
		return vfu_msg_error(x, errno, "DMA map iova 0x%" PRIx64 " size 0x%"
				     PRIx64 ": mmap", dm->addr, dm->size);
	r = opnic_dma_add(v->dma, dm->addr, dm->size, base + delta, base);
	if (r != 0) {
		munmap(base, dm->size + delta);
		return vfu_msg_error(x, -r, "DMA map iova 0x%" PRIx64 " size 0x%"
				     PRIx64 ": IOVA map", dm->addr, dm->size);
	}
	return 0;
}

int
vfu_handle_dma_map(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfu_dma_map dm;
	int fd, r;

	if (x->len != sizeof(dm))
		return vfu_msg_error(x, EINVAL, "DMA map payload of %u bytes: "
				     "expected %zu", x->len, sizeof(dm));
	memcpy(&dm, x->payload, sizeof(dm));
	if (dm.argsz < sizeof(dm) || (dm.flags & ~(VFU_DMA_READ | VFU_DMA_WRITE)))
		return vfu_msg_error(x, EINVAL, "DMA map argsz %u flags 0x%x: "
				     "malformed", dm.argsz, dm.flags);
	if (x->nfds > 1)
		return vfu_msg_error(x, EINVAL, "DMA map with %u fds", x->nfds);
	if (!opnic_dma_range_ok(dm.addr, dm.size) ||
	    ((dm.addr | dm.size) & (VFU_PAGE - 1)))
		return vfu_msg_error(x, EINVAL, "DMA map iova 0x%" PRIx64 " size 0x%"
				     PRIx64 ": empty, wrapping or not 4 KiB "
				     "aligned", dm.addr, dm.size);
	if (any_overlap(v, dm.addr, dm.size))
		return vfu_msg_error(x, EEXIST, "DMA map iova 0x%" PRIx64 " size 0x%"
				     PRIx64 ": overlaps a mapping", dm.addr,
				     dm.size);
	fd = vfu_msg_take_fd(x, 0);
	if (fd >= 0 && (dm.flags & VFU_DMA_READ) && (dm.flags & VFU_DMA_WRITE)) {
		r = map_fd(v, x, &dm, fd);
		close(fd);
		count_maps(v);
		return r;
	}
	if (fd >= 0)
		close(fd);
	if (v->nunr == VFU_MAX_UNREACHABLE)
		return vfu_msg_error(x, ENOSPC, "DMA map: %u mappings without "
				     "an fd or read-only already",
				     VFU_MAX_UNREACHABLE);
	v->unr[v->nunr].iova = dm.addr;
	v->unr[v->nunr].len = dm.size;
	v->nunr++;
	count_maps(v);
	vfu_log(v, "DMA map iova 0x%" PRIx64 " size 0x%" PRIx64 " flags 0x%x "
		"%s: recorded, not reachable by the model", dm.addr, dm.size,
		dm.flags, fd >= 0 ? "with fd" : "without fd");
	return 0;
}

void
vfu_dma_drop_all(struct opnic_vfu *v)
{
	opnic_dma_remove(v->dma, 0, UINT64_MAX, dma_release);
	v->nunr = 0;
	count_maps(v);
}

/* [a, a + alen) lies within [b, b + blen). */
static int
inside(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a >= b && a + (alen - 1) <= b + (blen - 1);
}

int
vfu_handle_dma_unmap(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfu_dma_unmap du;
	unsigned int i, k;

	if (x->len != sizeof(du))
		return vfu_msg_error(x, EINVAL, "DMA unmap payload of %u bytes: "
				     "expected %zu", x->len, sizeof(du));
	memcpy(&du, x->payload, sizeof(du));
	if (du.argsz < sizeof(du) || (du.flags & ~(uint32_t)VFU_UNMAP_ALL) ||
	    x->nfds != 0)
		return vfu_msg_error(x, (du.flags & VFU_UNMAP_DIRTY_BITMAP) ?
				     ENOTSUP : EINVAL, "DMA unmap argsz %u flags "
				     "0x%x fds %u: malformed or not served",
				     du.argsz, du.flags, x->nfds);
	if (du.flags & VFU_UNMAP_ALL) {
		if (du.addr != 0 || du.size != 0)
			return vfu_msg_error(x, EINVAL, "DMA unmap all with iova "
					     "0x%" PRIx64 " size 0x%" PRIx64,
					     du.addr, du.size);
		vfu_dma_drop_all(v);
	} else {
		if (!opnic_dma_range_ok(du.addr, du.size))
			return vfu_msg_error(x, EINVAL, "DMA unmap iova 0x%" PRIx64
					     " size 0x%" PRIx64 ": empty or "
					     "wrapping", du.addr, du.size);
		/* A mapping cut in two is refused, nothing unmapped (the
		 * kernel's type1 v2 rule). */
		for (i = 0; i < v->dma->n; i++)
			if (overlaps(du.addr, du.size, v->dma->r[i].iova,
				     v->dma->r[i].len) &&
			    !inside(v->dma->r[i].iova, v->dma->r[i].len, du.addr,
				    du.size))
				break;
		for (k = 0; i == v->dma->n && k < v->nunr; k++)
			if (overlaps(du.addr, du.size, v->unr[k].iova,
				     v->unr[k].len) &&
			    !inside(v->unr[k].iova, v->unr[k].len, du.addr,
				    du.size))
				break;
		if (i != v->dma->n || k != v->nunr)
			return vfu_msg_error(x, EINVAL, "DMA unmap iova 0x%" PRIx64
					     " size 0x%" PRIx64 ": would split a "
					     "mapping", du.addr, du.size);
		opnic_dma_remove(v->dma, du.addr, du.size, dma_release);
		for (k = 0; k < v->nunr;) {
			if (inside(v->unr[k].iova, v->unr[k].len, du.addr, du.size))
				v->unr[k] = v->unr[--v->nunr];
			else
				k++;
		}
		count_maps(v);
	}
	/* Queues whose rings went away stop instead of touching freed
	 * memory. */
	opnic_model_dma_changed(v->cfg.m);
	return vfu_reply_put(x, &du, sizeof(du));
}
