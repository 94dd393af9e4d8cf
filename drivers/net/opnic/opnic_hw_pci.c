/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The hardware layer's PCI function control: Memory Space and Bus Master
 * Enable in the command register (config space 0x04) through the VFIO
 * config region, and cutting or restoring the device's DMA.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <rte_bus_pci.h>
#include <bus_pci_driver.h>

#include "opnic_hw.h"
#include "opnic_logs.h"

/*
 * The PCI command register (config space 0x04), read-modify-write through
 * the VFIO config region, as DPDK 22.11's bus does on its own mapping path
 * (pci_vfio_enable_bus_memory, pci_vfio_set_bus_master). *now is the value
 * read back after the write. 0, or -EIO with a message naming the register.
 */
static int
pci_cmd_update(struct opnic_io *io, uint16_t set, uint16_t clr, uint16_t *now)
{
	const char *name = io->vb.pci->device.name;
	uint16_t cmd, want;

	if (vbar_cfg_read(&io->vb, &cmd, sizeof(cmd), PCI_COMMAND) != 0) {
		PMD_DRV_LOG(ERR, "%s: cannot read the PCI command register "
			    "(config 0x%x): %s", name, PCI_COMMAND, strerror(errno));
		return -EIO;
	}
	cmd = rte_le_to_cpu_16(cmd);
	if (cmd == 0xffff) {
		/* All ones: the function does not answer. Writing back a value
		 * derived from it would set every other command bit. */
		PMD_DRV_LOG(ERR, "%s: PCI command register reads 0xffff: the "
			    "function does not answer", name);
		return -ENODEV;
	}
	want = (uint16_t)((cmd | set) & ~clr);
	if (want != cmd) {
		uint16_t le = rte_cpu_to_le_16(want);

		if (vbar_cfg_write(&io->vb, &le, sizeof(le), PCI_COMMAND) != 0) {
			PMD_DRV_LOG(ERR, "%s: cannot write 0x%04x to the PCI command "
				    "register (config 0x%x, was 0x%04x): %s", name,
				    want, PCI_COMMAND, cmd, strerror(errno));
			return -EIO;
		}
		/* Read back: a non-posted read, so the write has reached the
		 * function when it returns. */
		if (vbar_cfg_read(&io->vb, &cmd, sizeof(cmd), PCI_COMMAND) != 0)
			return -EIO;
		cmd = rte_le_to_cpu_16(cmd);
	}
	if (now != NULL)
		*now = cmd;
	return 0;
}

/*
 * Memory Space and Bus Master Enable. DPDK's bus sets both when it maps the
 * device; when vfio_bar set the device up itself nobody did, and a function
 * without them answers no MMIO and issues no DMA. Bus Master goes off again
 * at close (and when DMA must be cut, opnic_hw_dma_cut).
 */
int
opnic_hw_bus_master(struct opnic_io *io, int on)
{
	uint16_t cmd;
	int ret;

	ret = pci_cmd_update(io, on ? PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER : 0,
			     on ? 0 : PCI_COMMAND_MASTER, &cmd);
	if (ret != 0)
		return ret;
	if (on && (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
	    (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) {
		PMD_DRV_LOG(ERR, "%s: PCI command register reads 0x%04x after "
			    "setting Memory Space and Bus Master Enable",
			    io->vb.pci->device.name, cmd);
		return -EIO;
	}
	return 0;
}

/*
 * Cut the function's DMA: Bus Master off, confirmed by reading the command
 * register back. The read is non-posted and PCIe does not let its
 * completion pass the function's earlier posted writes, so once it returns
 * with Bus Master clear nothing the device wrote before is still on its
 * way and nothing more can come. 0 only then; the next start resets the
 * function before Bus Master goes on again (opnic_hw_dma_restore).
 */
int
opnic_hw_dma_cut(struct opnic_io *io)
{
	uint16_t cmd = 0xffff;
	int ret;

	if (!io->primary)
		return -EPERM;
	ret = pci_cmd_update(io, 0, PCI_COMMAND_MASTER, &cmd);
	if (ret == 0 && (cmd & PCI_COMMAND_MASTER) != 0)
		ret = -EIO;
	if (ret != 0) {
		PMD_DRV_LOG(ERR, "%s: cannot cut DMA: Bus Master Enable not "
			    "confirmed off (PCI command 0x%04x)",
			    io->vb.pci->device.name, cmd);
		return ret;
	}
	io->dma_cut = 1;
	PMD_DRV_LOG(WARNING, "%s: DMA cut (Bus Master Enable off, PCI command "
		    "0x%04x); the next start resets the device",
		    io->vb.pci->device.name, cmd);
	return 0;
}

int
opnic_hw_dma_restore(struct opnic_io *io)
{
	int ret;

	if (!io->dma_cut)
		return 0;
	ret = opnic_hw_reset(io);
	if (ret == 0)
		ret = opnic_hw_bus_master(io, 1);
	if (ret == 0)
		io->dma_cut = 0;
	return ret;
}
