/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * What differs, for vfio_bar, between the DPDK LTS lines it builds against
 * (22.11, 24.11, 25.11), keyed on RTE_VERSION; each shim is named for the
 * PCI bus behaviour it papers over, with the release that brought it
 * (doc/guides/dpdk-versions.md has the table and the commands).
 */

#ifndef _VFIO_BAR_COMPAT_H_
#define _VFIO_BAR_COMPAT_H_

#include <rte_version.h>

/*
 * DPDK 23.07 (f60abf9757 "bus/pci: add VFIO sparse mmap"): when the kernel
 * reports VFIO_REGION_INFO_CAP_SPARSE_MMAP with at least one area, the PCI
 * bus maps exactly those areas (pci_vfio_sparse_mmap_bar()) instead of
 * "the BAR around the MSI-X table" (pci_vfio_mmap_bar(), the only path
 * before). vbar_bus_ranges_of() is told which of the two the bus took.
 */
#define VBAR_BUS_MAPS_SPARSE_AREAS \
	(RTE_VERSION >= RTE_VERSION_NUM(23, 7, 0, 0))

/*
 * Came with the same commit, still on DPDK's main (checked at v25.11): a
 * secondary process's rte_pci_unmap_device() (find_and_unmap_vfio_resource)
 * rte_free()s the sparse-area array of the device's mapped_pci_resource,
 * which lives in shared memory and belongs to the primary, and leaves its
 * nr_areas. The next secondary then maps from freed (zeroed) memory - no
 * area, only the PROT_NONE reservation - and faults on its first register
 * access; the primary frees the array a second time at its own unmap. So a
 * secondary vfio_bar whose bus took the sparse path unmaps by itself (the
 * same munmap()s and rte_vfio_release_device() the bus does, without the
 * rte_free()).
 */
#define VBAR_BUS_SECONDARY_UNMAP_FREES_SHARED_AREAS VBAR_BUS_MAPS_SPARSE_AREAS

#endif /* _VFIO_BAR_COMPAT_H_ */
