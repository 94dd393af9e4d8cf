/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The doorbell path of a ring (spec 3.5, 6, 8): publish the producer index
 * and ring unless the device said it is polling. Inline, for the bursts
 * (opnic_rxtx.c) and for the unit test that drives it with a failing
 * region write (tests/unit/test_doorbell.c).
 *
 * A doorbell whose region write (pwrite) fails is owed: db_owed stays set
 * and the next burst rings it again (opnic_ring_doorbell_owed), so that a
 * ring whose one refill doorbell failed does not wait for good. A doorbell
 * carries the producer index itself, so ringing again is always safe.
 */

#ifndef _OPNIC_DOORBELL_H_
#define _OPNIC_DOORBELL_H_

#include <unistd.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_io.h>

#include "opnic_rxtx.h"

static __rte_always_inline void
opnic_ring_doorbell(struct opnic_ring *r)
{
	uint32_t v = rte_cpu_to_le_32(r->prod);

	if (likely(r->db.addr != NULL)) {
		/* Relaxed: the caller's barrier ordered the ring stores. */
		rte_write32_relaxed(v, r->db.addr);
		r->st.db_mmio++;
	} else {
		/* Region write: the doorbell page is not mapped (spec 8). The
		 * system call orders itself after every earlier store. */
		r->db_owed = pwrite(r->db.fd, &v, sizeof(v), r->db.pos) !=
			     (ssize_t)sizeof(v);
		if (unlikely(r->db_owed))
			r->st.cpl_errors++;
		r->st.db_syscall++;
	}
}

/*
 * Publish prod, then ring unless the device said it is polling (spec 6.3).
 * Barriers, each ordering a CPU access against a DEVICE access:
 *  - rte_io_wmb: the descriptor stores (host memory the device reads by
 *    DMA) before the producer index, whether the device learns it from
 *    drv_prod (host memory, DMA read) or from the doorbell (MMIO store).
 *  - opnic_io_store_load_mb (rte_io_mb): the store of drv_prod before the
 *    load of dev_flags. The device clears NO_NOTIFY, fences, then re-reads
 *    drv_prod; we store drv_prod, fence, then read NO_NOTIFY: one side
 *    always sees the other. The other side is a device reading host
 *    memory, not a CPU, so the fence must be the I/O one: on arm64
 *    rte_smp_mb() is only dmb ish (inner shareable: other CPUs),
 *    rte_io_mb() is dmb osh.
 */
/*
 * The full barrier between a CPU store to host memory and a later CPU load
 * of host memory, ordered as a DEVICE (DMA, snooping the caches) observes
 * them: rte_io_mb(), i.e. dmb osh on arm64, sync on POWER. On x86 DMA is
 * cache-coherent and the only store->load reordering is the store buffer,
 * which a locked instruction drains before any later load whoever reads the
 * line; rte_io_mb() there is mfence, which also orders write-combining and
 * non-temporal stores this path never makes, at about 75 cycles against 5-20
 * for the locked add of rte_smp_mb() (measured on this machine's EPYC), once
 * per burst.
 */
#ifdef RTE_ARCH_X86
#define opnic_io_store_load_mb() rte_smp_mb()
#else
#define opnic_io_store_load_mb() rte_io_mb()
#endif

static __rte_always_inline void
opnic_ring_notify(struct opnic_ring *r)
{
	struct opnic_shadow *sh = r->shadow;

	rte_io_wmb();
	if (sh != NULL) {
		__atomic_store_n(&sh->drv_prod, rte_cpu_to_le_32(r->prod),
				 __ATOMIC_RELAXED);
		opnic_io_store_load_mb();
		if (__atomic_load_n(&sh->dev_flags, __ATOMIC_RELAXED) &
		    rte_cpu_to_le_32(OPNIC_SHADOW_NO_NOTIFY)) {
			r->st.db_suppressed++;
			return;
		}
	}
	opnic_ring_doorbell(r);
}

/* Every burst: a doorbell that failed before is rung again. The producer
 * index and the descriptors it covers were ordered by the notify that
 * failed (the pwrite path needs no barrier of its own). */
static __rte_always_inline void
opnic_ring_doorbell_owed(struct opnic_ring *r)
{
	if (unlikely(r->db_owed))
		opnic_ring_doorbell(r);
}

#endif /* _OPNIC_DOORBELL_H_ */
