/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The model's IOMMU: IOVA ranges mapped by the driver (VFIO_IOMMU_MAP_DMA),
 * each backed by host memory the model can reach. Every device access to host
 * memory goes through opnic_dma_ptr(), which checks the whole access lies in
 * one mapped range; anything else is a DMA fault, counted by the caller.
 */

#ifndef _OPNIC_DMA_H_
#define _OPNIC_DMA_H_

#include <stdint.h>

#define OPNIC_DMA_MAX_RANGES 4096

struct opnic_dma_range {
	uint64_t iova;
	uint64_t len;
	uint8_t *host;
	void *owner;		/* what to release on unmap (caller-defined) */
};

struct opnic_dma_map {
	unsigned int n;
	unsigned int last;	/* index of the last hit, a cache */
	uint64_t refused;	/* unmaps refused: empty or wrapping */
	struct opnic_dma_range r[OPNIC_DMA_MAX_RANGES];	/* sorted by iova */
};

void opnic_dma_init(struct opnic_dma_map *m);

/* Add a range; -EEXIST if it overlaps one, -ENOSPC if full, -EINVAL if empty
 * or wrapping. */
int opnic_dma_add(struct opnic_dma_map *m, uint64_t iova, uint64_t len,
		  uint8_t *host, void *owner);

/* [iova, iova + len) is a range of the IOVA space: not empty, and it does
 * not wrap (it may end at 2^64, as the kernel's unmap allows). */
static inline int
opnic_dma_range_ok(uint64_t iova, uint64_t len)
{
	return len != 0 && iova + (len - 1) >= iova;
}

/* Remove the ranges wholly inside [iova, iova+len); returns how many were
 * removed and, for each, calls release(owner, host, len) if non-NULL.
 * -EINVAL, counted in refused and nothing removed, when the range is empty
 * or wraps (VFIO_IOMMU_UNMAP_DMA refuses it; dropping nothing while
 * saying "done" would keep a mapping the driver believes gone). */
int opnic_dma_remove(struct opnic_dma_map *m, uint64_t iova, uint64_t len,
		     void (*release)(void *owner, uint8_t *host, uint64_t len));

/* Host pointer for [iova, iova+len), or NULL if any byte is unmapped. */
static inline uint8_t *
opnic_dma_ptr(struct opnic_dma_map *m, uint64_t iova, uint64_t len)
{
	const struct opnic_dma_range *r;
	unsigned int lo, hi;

	if (m == NULL || m->n == 0 || len == 0 || iova + len < iova)
		return NULL;
	r = &m->r[m->last < m->n ? m->last : 0];
	if (iova >= r->iova && iova + len <= r->iova + r->len)
		return r->host + (iova - r->iova);
	lo = 0;
	hi = m->n;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		r = &m->r[mid];
		if (iova < r->iova) {
			hi = mid;
		} else if (iova >= r->iova + r->len) {
			lo = mid + 1;
		} else {
			if (iova + len > r->iova + r->len)
				return NULL;
			m->last = mid;
			return r->host + (iova - r->iova);
		}
	}
	return NULL;
}

#endif /* _OPNIC_DMA_H_ */
