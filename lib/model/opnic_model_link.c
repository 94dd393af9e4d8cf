/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The link block (doc/spec.md 3.3): link changes, the interrupt cause and
 * its clear, which never loses a change recorded after the device last
 * sampled CAUSE_CLR, and the LSC vector.
 */

#include "opnic_model_internal.h"

static uint32_t
link_reg(struct opnic_model_dev *dev, uint32_t reg)
{
	return opnic_model_ld32(dev->bar0 + dev->blk[OPNIC_BLK_LINK] + reg);
}

/*
 * A clear the device sampled (spec 3.3): it clears the CAUSE bits set
 * before the device last sampled CAUSE_CLR. A bit set since then may have
 * been set after the driver's write (the device cannot order the two), so
 * it stays set: a spurious cause costs the driver one STATUS read, a lost
 * one a stale link.
 */
static void
cause_clear(struct opnic_model_dev *dev, uint32_t val)
{
	uint32_t off = dev->blk[OPNIC_BLK_LINK];
	uint32_t keep = val & dev->cause_new;

	dev->cause_clr_kept += (uint64_t)__builtin_popcount(keep);
	opnic_model_dev_set_reg(dev, off + OPNIC_LINK_CAUSE,
		    link_reg(dev, OPNIC_LINK_CAUSE) & ~(val & ~keep));
}

void
opnic_model_effect_cause_clr(struct opnic_model_dev *dev, struct opnic_watch *w,
		 uint32_t val)
{
	(void)w;
	cause_clear(dev, val);
}

/* Sample CAUSE_CLR now (before a new cause is recorded): a clear already
 * written is older than the cause about to be set. */
static void
cause_clr_sample(struct opnic_model_dev *dev)
{
	uint32_t off = dev->blk[OPNIC_BLK_LINK] + OPNIC_LINK_CAUSE_CLR;
	uint32_t v = opnic_model_ld32(dev->bar0 + off);

	if (v != 0 && opnic_model_mem_enabled(dev)) {
		opnic_model_st32(dev->bar0 + off, 0);
		cause_clear(dev, v);
	}
	dev->cause_new = 0;
}

void
opnic_model_effect_intr_en(struct opnic_model_dev *dev, struct opnic_watch *w,
	       uint32_t val)
{
	(void)w;
	/* A cause already pending raises the vector once it is enabled. */
	if ((val & 1) && (link_reg(dev, OPNIC_LINK_CAUSE) & OPNIC_CAUSE_LSC))
		opnic_model_raise(dev, OPNIC_VEC_LSC);
}

void
opnic_model_set_link(struct opnic_model_dev *dev, int up)
{
	uint32_t off = dev->blk[OPNIC_BLK_LINK];

	up = up != 0;
	if (dev->link_up == up)
		return;
	dev->link_up = (uint8_t)up;
	opnic_model_dev_set_reg(dev, off + OPNIC_LINK_STATUS, up ? OPNIC_LINK_UP : 0);
	opnic_model_dev_set_reg(dev, off + OPNIC_LINK_SPEED, up ? dev->speed : 0);
	/* The new state first, then a clear the driver wrote before this
	 * change, then the cause of this change (spec 3.3). The fence pairs
	 * with the driver's between its CAUSE_CLR write and its STATUS read:
	 * a clear not seen here finds the new STATUS there. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (dev->in_reset == OPNIC_RST_NONE)
		cause_clr_sample(dev);
	opnic_model_dev_set_reg(dev, off + OPNIC_LINK_CAUSE,
		    link_reg(dev, OPNIC_LINK_CAUSE) | OPNIC_CAUSE_LSC);
	dev->cause_new |= OPNIC_CAUSE_LSC;
	if (link_reg(dev, OPNIC_LINK_INTR_EN) & 1)
		opnic_model_raise(dev, OPNIC_VEC_LSC);
}
