/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The model's MSI-X function (spec 4): the table and PBA in the MSI-X BAR,
 * vector masking, pending bits and delivery through the irq callback.
 */

#include <string.h>
#include <linux/pci_regs.h>

#include "opnic_model_internal.h"

uint8_t *
opnic_model_msix_entry(struct opnic_model_dev *dev, unsigned int vector)
{
	return dev->msix_bar + dev->prof.msix_table +
	       vector * OPNIC_MSIX_ENTRY_SIZE;
}

void
opnic_model_pba_publish(struct opnic_model_dev *dev, unsigned int word)
{
	st_le64(dev->msix_bar + dev->prof.msix_pba + word * 8,
		dev->pba_shadow[word]);
}

static int
vector_masked(struct opnic_model_dev *dev, unsigned int vector)
{
	uint16_t ctrl;

	memcpy(&ctrl, dev->cfg + OPNIC_CFG_CAP_MSIX + PCI_MSIX_FLAGS, 2);
	if (ctrl & PCI_MSIX_FLAGS_MASKALL)
		return 1;
	return (opnic_model_ld32(opnic_model_msix_entry(dev, vector) + OPNIC_MSIX_VEC_CTRL) &
		OPNIC_MSIX_VEC_MASKED) != 0;
}

static int
msix_enabled(struct opnic_model_dev *dev)
{
	uint16_t ctrl;

	memcpy(&ctrl, dev->cfg + OPNIC_CFG_CAP_MSIX + PCI_MSIX_FLAGS, 2);
	return (ctrl & PCI_MSIX_FLAGS_ENABLE) != 0;
}

static void
deliver(struct opnic_model_dev *dev, unsigned int vector)
{
	dev->irqs_sent++;
	if (dev->irq != NULL)
		dev->irq(dev->irq_ctx, vector);
}

void
opnic_model_raise(struct opnic_model_dev *dev, unsigned int vector)
{
	if (vector >= dev->prof.msix_vectors || !msix_enabled(dev))
		return;
	/* An MSI-X message is a memory write: with Bus Master off it waits
	 * as a pending bit, as for a masked vector. */
	if (vector_masked(dev, vector) || !opnic_model_bus_master(dev)) {
		dev->pba_shadow[vector / 64] |= 1ull << (vector % 64);
		opnic_model_pba_publish(dev, vector / 64);
		return;
	}
	deliver(dev, vector);
}

void
opnic_model_raise_vector(struct opnic_model_dev *dev, unsigned int vector)
{
	opnic_model_raise(dev, vector);
}

/* Pending vectors that became deliverable (unmasked) go out now. */
void
opnic_model_msix_service(struct opnic_model_dev *dev)
{
	unsigned int w, words = (dev->prof.msix_vectors + 63) / 64;

	if (!opnic_model_bus_master(dev))
		return;
	for (w = 0; w < words; w++) {
		uint64_t pend = dev->pba_shadow[w];

		while (pend != 0) {
			unsigned int bit = (unsigned int)__builtin_ctzll(pend);
			unsigned int v = w * 64 + bit;

			pend &= pend - 1;
			if (!msix_enabled(dev) || vector_masked(dev, v))
				continue;
			dev->pba_shadow[w] &= ~(1ull << bit);
			opnic_model_pba_publish(dev, w);
			deliver(dev, v);
		}
	}
}

void
opnic_model_set_msix_ctrl(struct opnic_model_dev *dev, int enable,
			  int function_mask)
{
	uint16_t ctrl;

	memcpy(&ctrl, dev->cfg + OPNIC_CFG_CAP_MSIX + PCI_MSIX_FLAGS, 2);
	ctrl &= (uint16_t)~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	if (enable)
		ctrl |= PCI_MSIX_FLAGS_ENABLE;
	if (function_mask)
		ctrl |= PCI_MSIX_FLAGS_MASKALL;
	__atomic_store_n((uint16_t *)(dev->cfg + OPNIC_CFG_CAP_MSIX +
				      PCI_MSIX_FLAGS), ctrl, __ATOMIC_RELEASE);
}

void
opnic_model_set_vector_mask(struct opnic_model_dev *dev, unsigned int vector,
			    int masked)
{
	uint8_t *e;
	uint32_t c;

	if (vector >= dev->prof.msix_vectors)
		return;
	e = opnic_model_msix_entry(dev, vector) + OPNIC_MSIX_VEC_CTRL;
	c = opnic_model_ld32(e);
	opnic_model_st32(e, masked ? c | OPNIC_MSIX_VEC_MASKED :
				     c & ~OPNIC_MSIX_VEC_MASKED);
}
