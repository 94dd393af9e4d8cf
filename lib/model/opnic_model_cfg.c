/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The function's PCI configuration space at power-up (doc/spec.md 1):
 * IDs, class, BARs, the PCI Express capability (FLR) and the MSI-X
 * capability pointing at the profile's table and PBA.
 */

#include <string.h>
#include <linux/pci_regs.h>

#include "opnic_model_internal.h"

static void
cfg_w16(uint8_t *cfg, unsigned int off, uint16_t v)
{
	memcpy(cfg + off, &v, 2);
}

static void
cfg_w32(uint8_t *cfg, unsigned int off, uint32_t v)
{
	memcpy(cfg + off, &v, 4);
}

/* Config space as the device presents it (the VFIO layer virtualizes some of
 * it, as vfio-pci does). */
void
opnic_model_cfg_init(struct opnic_model_dev *dev)
{
	uint8_t *c = dev->cfg;
	const struct opnic_profile *p = &dev->prof;

	memset(c, 0, OPNIC_CFG_SIZE);
	cfg_w16(c, PCI_VENDOR_ID, OPNIC_PCI_VENDOR_ID);
	cfg_w16(c, PCI_DEVICE_ID, OPNIC_PCI_DEVICE_ID);
	/* Power-up: memory decoding and Bus Master off (the kernel's
	 * pci_enable_device and the driver turn them on). */
	cfg_w16(c, PCI_COMMAND, 0);
	cfg_w16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = 1;
	c[PCI_CLASS_PROG] = OPNIC_PCI_CLASS & 0xff;
	cfg_w16(c, PCI_CLASS_DEVICE, OPNIC_PCI_CLASS >> 8);
	/* 64-bit memory BARs; addresses are the kernel's business. */
	cfg_w32(c, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_MEM_TYPE_64);
	if (p->msix_bar == 2)
		cfg_w32(c, PCI_BASE_ADDRESS_2, PCI_BASE_ADDRESS_MEM_TYPE_64);
	cfg_w16(c, PCI_SUBSYSTEM_VENDOR_ID, OPNIC_PCI_VENDOR_ID);
	cfg_w16(c, PCI_SUBSYSTEM_ID, 1);
	c[PCI_CAPABILITY_LIST] = OPNIC_CFG_CAP_PCIE;
	/* PCI Express capability, version 2, endpoint. */
	c[OPNIC_CFG_CAP_PCIE + PCI_CAP_LIST_ID] = PCI_CAP_ID_EXP;
	c[OPNIC_CFG_CAP_PCIE + PCI_CAP_LIST_NEXT] = OPNIC_CFG_CAP_MSIX;
	cfg_w16(c, OPNIC_CFG_CAP_PCIE + PCI_EXP_FLAGS, 2);
	cfg_w32(c, OPNIC_CFG_CAP_PCIE + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_FLR);
	/* Link: 8 GT/s x8. */
	cfg_w32(c, OPNIC_CFG_CAP_PCIE + PCI_EXP_LNKCAP, 0x3 | 8 << 4);
	cfg_w16(c, OPNIC_CFG_CAP_PCIE + PCI_EXP_LNKSTA, 0x3 | 8 << 4);
	/* MSI-X capability. */
	c[OPNIC_CFG_CAP_MSIX + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSIX;
	c[OPNIC_CFG_CAP_MSIX + PCI_CAP_LIST_NEXT] = 0;
	cfg_w16(c, OPNIC_CFG_CAP_MSIX + PCI_MSIX_FLAGS,
		(uint16_t)(p->msix_vectors - 1));
	cfg_w32(c, OPNIC_CFG_CAP_MSIX + PCI_MSIX_TABLE, p->msix_table | p->msix_bar);
	cfg_w32(c, OPNIC_CFG_CAP_MSIX + PCI_MSIX_PBA, p->msix_pba | p->msix_bar);
}
