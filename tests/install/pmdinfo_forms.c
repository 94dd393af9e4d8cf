/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The symbols DPDK's registration macros leave in a driver's object, in
 * the two forms buildtools/opnic-pmdinfogen.py reads: DPDK 22.11's
 * rte_dev.h (static arrays, this_pmd_name<counter>) and 24.11/25.11's
 * dev_driver.h (RTE_PMD_EXPORT_SYMBOL: global, this_pmd_name<driver>).
 * Written out by hand, without DPDK headers, so that both forms are
 * tested on any DPDK; tests/install/check_pmdinfogen_forms.py reads the
 * result back.
 */

#include <stdint.h>

/* struct rte_pci_id's layout. */
struct forms_pci_id {
	uint32_t class_id;
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t subsystem_vendor_id;
	uint16_t subsystem_device_id;
};

/* DPDK 22.11 form: RTE_PMD_REGISTER_PCI(net_forms_old, ...) and friends. */
static const char this_pmd_name0[] __attribute__((used)) = "net_forms_old";
static const char __net_forms_old_pci_tbl_export[] __attribute__((used)) =
	"forms_old_ids";
static const struct forms_pci_id forms_old_ids[] __attribute__((used)) = {
	{ 0xffffff, 0x1234, 0x0001, 0xffff, 0xffff },
	{ 0xffffff, 0x1234, 0x00a2, 0x5678, 0x9abc },
	{ .vendor_id = 0 },
};
static const char __net_forms_old_kmod_dep_export[] __attribute__((used)) =
	"* igb_uio | uio_pci_generic | vfio-pci";
static const char __net_forms_old_param_string_export[] __attribute__((used)) =
	"mode=<\"a\"|\\b> n=<int>";

/* DPDK 24.11/25.11 form; no kmod, no devargs. */
__attribute__((used)) const char this_pmd_namenet_forms_new[] = "net_forms_new";
__attribute__((used)) const char __net_forms_new_pci_tbl_export[] = "forms_new_ids";
__attribute__((used)) const struct forms_pci_id forms_new_ids[] = {
	{ 0xffffff, 0xfeed, 0xbeef, 0xffff, 0xffff },
	{ .vendor_id = 0 },
};
