/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <string.h>

#include "opnic_dma.h"

void
opnic_dma_init(struct opnic_dma_map *m)
{
	m->n = 0;
	m->last = 0;
	m->refused = 0;
}

int
opnic_dma_add(struct opnic_dma_map *m, uint64_t iova, uint64_t len,
	      uint8_t *host, void *owner)
{
	unsigned int i, pos = 0;

	if (len == 0 || iova + len < iova || host == NULL)
		return -EINVAL;
	if (m->n == OPNIC_DMA_MAX_RANGES)
		return -ENOSPC;
	for (i = 0; i < m->n; i++) {
		const struct opnic_dma_range *r = &m->r[i];

		if (iova < r->iova + r->len && r->iova < iova + len)
			return -EEXIST;
		if (r->iova < iova)
			pos = i + 1;
	}
	memmove(&m->r[pos + 1], &m->r[pos], (m->n - pos) * sizeof(m->r[0]));
	m->r[pos] = (struct opnic_dma_range){ iova, len, host, owner };
	m->n++;
	m->last = pos;
	return 0;
}

int
opnic_dma_remove(struct opnic_dma_map *m, uint64_t iova, uint64_t len,
		 void (*release)(void *owner, uint8_t *host, uint64_t len))
{
	uint64_t last = iova + (len - 1);	/* inclusive: may be 2^64 - 1 */
	unsigned int i = 0;
	int removed = 0;

	if (!opnic_dma_range_ok(iova, len)) {
		m->refused++;
		return -EINVAL;
	}
	while (i < m->n) {
		struct opnic_dma_range r = m->r[i];

		if (r.iova >= iova && r.iova + (r.len - 1) <= last) {
			memmove(&m->r[i], &m->r[i + 1],
				(m->n - i - 1) * sizeof(m->r[0]));
			m->n--;
			removed++;
			if (release != NULL)
				release(r.owner, r.host, r.len);
			continue;
		}
		i++;
	}
	m->last = 0;
	return removed;
}
