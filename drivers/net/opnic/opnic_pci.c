/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * net_opnic PCI glue (as ionic_dev_pci.c): devargs, the probe sequence,
 * remove, and PMD registration. A primary process probes in one pass, each
 * step once: devargs, BAR access (vfio_bar, through opnic_hw_open), device
 * discovery, reset and MAC, the interrupt set-up, then the ethdev port
 * (opnic_eth_dev_create). A failed step frees what the earlier ones took.
 */

#include <errno.h>
#include <string.h>

#include <rte_kvargs.h>
#include <rte_bus_pci.h>
#include <ethdev_driver.h>
#include <ethdev_pci.h>
#include <bus_pci_driver.h>

#include "opnic_ethdev.h"
#include "opnic_logs.h"

RTE_LOG_REGISTER_SUFFIX(opnic_logtype_driver, driver, NOTICE);

/* Devargs (doc/guides/nics/opnic.md "Runtime configuration"). */
#define OPNIC_DEVARG_REGS "regs"		/* auto | rw */
#define OPNIC_DEVARG_DB_SUPPRESS "db_suppress"	/* 0 | 1 */
#define OPNIC_DEVARG_LSC "lsc"			/* intr | poll */

static const char * const opnic_valid_args[] = {
	OPNIC_DEVARG_REGS,
	OPNIC_DEVARG_DB_SUPPRESS,
	OPNIC_DEVARG_LSC,
	NULL,
};

/* A devarg with two accepted values, stored as 0 or 1. */
struct opnic_devarg_choice {
	const char *key;
	const char *v0;
	const char *v1;
	size_t field;		/* offset of the int in struct opnic_devargs */
};

static const struct opnic_devarg_choice opnic_devarg_choices[] = {
	{ OPNIC_DEVARG_REGS, "auto", "rw",
	  offsetof(struct opnic_devargs, regs_rw) },
	{ OPNIC_DEVARG_DB_SUPPRESS, "0", "1",
	  offsetof(struct opnic_devargs, db_suppress) },
	{ OPNIC_DEVARG_LSC, "intr", "poll",
	  offsetof(struct opnic_devargs, link_poll) },
};

struct opnic_devarg_ctx {
	const struct opnic_devarg_choice *c;
	struct opnic_devargs *a;
};

static int
parse_choice(const char *key, const char *value, void *arg)
{
	const struct opnic_devarg_ctx *x = arg;
	int *v = (int *)((char *)x->a + x->c->field);

	/* "-a BDF,regs": kvargs hands the handler a NULL value
	 * (opnic_kvargs_process_with_key_only, opnic_compat.h). */
	if (value == NULL) {
		PMD_DRV_LOG(ERR, "devarg %s given without a value: expected "
			    "%s=%s or %s=%s", key, key, x->c->v0, key, x->c->v1);
		return -EINVAL;
	}
	if (strcmp(value, x->c->v0) == 0) {
		*v = 0;
	} else if (strcmp(value, x->c->v1) == 0) {
		*v = 1;
	} else {
		PMD_DRV_LOG(ERR, "devarg %s='%s': accepted '%s' or '%s'", key,
			    value, x->c->v0, x->c->v1);
		return -EINVAL;
	}
	return 0;
}

static int
opnic_parse_devargs(const struct rte_devargs *devargs, struct opnic_devargs *a)
{
	struct rte_kvargs *kv;
	unsigned int i;
	int ret = 0;

	a->regs_rw = 0;
	a->db_suppress = 1;
	a->link_poll = 0;
	if (devargs == NULL || devargs->args == NULL || devargs->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(devargs->args, opnic_valid_args);
	if (kv == NULL) {
		PMD_DRV_LOG(ERR, "cannot parse devargs '%s' (known keys: %s, %s, %s)",
			    devargs->args, OPNIC_DEVARG_REGS,
			    OPNIC_DEVARG_DB_SUPPRESS, OPNIC_DEVARG_LSC);
		return -EINVAL;
	}
	for (i = 0; i < RTE_DIM(opnic_devarg_choices) && ret == 0; i++) {
		struct opnic_devarg_ctx x = { &opnic_devarg_choices[i], a };

		if (rte_kvargs_count(kv, x.c->key) > 1) {
			PMD_DRV_LOG(ERR, "devarg %s given %u times in '%s': give it "
				    "once", x.c->key, rte_kvargs_count(kv, x.c->key),
				    devargs->args);
			ret = -EINVAL;
		} else if (opnic_kvargs_process_with_key_only(kv, x.c->key,
							      parse_choice, &x) != 0) {
			ret = -EINVAL;
		}
	}
	rte_kvargs_free(kv);
	return ret;
}

/* The factory MAC must be a unicast address that is not all zeros; else a
 * random locally administered one, with a warning. */
static void
opnic_pci_mac_check(struct opnic_probe *p, const char *name)
{
	char bad[RTE_ETHER_ADDR_FMT_SIZE], mac[RTE_ETHER_ADDR_FMT_SIZE];
	const char *why;

	if (rte_is_zero_ether_addr(&p->mac))
		why = "all zeros";
	else if (rte_is_multicast_ether_addr(&p->mac))
		why = "multicast";
	else
		return;
	rte_ether_format_addr(bad, sizeof(bad), &p->mac);
	rte_eth_random_addr(p->mac.addr_bytes);
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	PMD_DRV_LOG(WARNING, "%s: the device's MAC address %s is %s; using the "
		    "random locally administered address %s", name, bad, why, mac);
}

/* What the device's CAPS (spec 3.1) does not offer is not used. */
static void
opnic_pci_caps_check(struct opnic_probe *p, const char *name)
{
	if (p->args.db_suppress && !(p->id.caps & OPNIC_CAP_DB_SUPPRESS)) {
		PMD_DRV_LOG(WARNING, "%s: the device does not offer doorbell "
			    "suppression (CAPS 0x%x): every post rings", name,
			    p->id.caps);
		p->args.db_suppress = 0;
	}
	if (!(p->id.caps & OPNIC_CAP_RX_FILTER))
		PMD_DRV_LOG(NOTICE, "%s: the device has no RX MAC filter (CAPS "
			    "0x%x): it receives every frame whatever the mode",
			    name, p->id.caps);
}

/* Discovery, reset (spec 2, 3.1), then the MAC the device holds: only
 * once the reset is done (ID.RESET back at 0, STATUS ready). */
static int
opnic_pci_device_init(struct opnic_probe *p, const char *name)
{
	int ret = opnic_hw_discover(p->io, name, &p->id);

	if (ret == 0)
		ret = opnic_hw_reset(p->io);
	if (ret != 0)
		return ret;
	opnic_pci_caps_check(p, name);
	opnic_hw_mac_get(p->io, &p->mac);
	opnic_pci_mac_check(p, name);
	return 0;
}

static int
opnic_pci_probe_primary(struct rte_pci_device *pci)
{
	const char *name = pci->device.name;
	struct opnic_probe p;
	int ret;

	memset(&p, 0, sizeof(p));
	ret = opnic_parse_devargs(pci->device.devargs, &p.args);
	if (ret != 0)
		return ret;
	p.io = opnic_hw_open(pci, p.args.regs_rw, &ret);
	if (p.io == NULL)
		return ret;
	ret = opnic_pci_device_init(&p, name);
	if (ret != 0)
		goto fail;
	p.intr = !p.args.link_poll && opnic_hw_intr_init(p.io) == 0;
	ret = opnic_eth_dev_create(pci, &p);
	if (ret != 0)
		goto fail;
	return 0;
fail:
	opnic_hw_close(p.io);
	return ret;
}

/* A secondary attaches to the primary's port first: the devargs the primary
 * parsed are in dev_private. Then its own BAR access and discovery. */
static int
opnic_pci_probe_secondary(struct rte_pci_device *pci)
{
	struct rte_eth_dev *dev = rte_eth_dev_pci_allocate(pci, 0);
	struct opnic_io *io;
	struct opnic_id id;
	int ret;

	if (dev == NULL)
		return -ENOMEM;
	io = opnic_hw_open(pci, OPNIC_DEV_PRIVATE(dev)->args.regs_rw, &ret);
	if (io != NULL) {
		ret = opnic_hw_discover(io, dev->data->name, &id);
		if (ret == 0)
			return opnic_eth_dev_attach(dev, io);
		opnic_hw_close(io);
	}
	rte_eth_dev_release_port(dev);
	return ret;
}

static int
opnic_pci_probe(struct rte_pci_driver *drv __rte_unused,
		struct rte_pci_device *pci)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return opnic_pci_probe_secondary(pci);
	return opnic_pci_probe_primary(pci);
}

static int
opnic_pci_remove(struct rte_pci_device *pci)
{
	return rte_eth_dev_pci_generic_remove(pci, opnic_eth_dev_uninit);
}

static const struct rte_pci_id opnic_pci_ids[] = {
	{ RTE_PCI_DEVICE(OPNIC_PCI_VENDOR_ID, OPNIC_PCI_DEVICE_ID) },
	{ .vendor_id = 0 },
};

/*
 * No RTE_PCI_DRV_NEED_MAPPING: with it, DPDK 22.11's bus gives up on a BAR it
 * cannot map around the MSI-X table (64 KiB pages) and never calls probe.
 * vfio_bar maps through the bus when it can and by itself when it cannot.
 */
static struct rte_pci_driver opnic_pmd = {
	.id_table = opnic_pci_ids,
	.drv_flags = RTE_PCI_DRV_INTR_LSC,
	.probe = opnic_pci_probe,
	.remove = opnic_pci_remove,
};

RTE_PMD_REGISTER_PCI(net_opnic, opnic_pmd);
RTE_PMD_REGISTER_PCI_TABLE(net_opnic, opnic_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_opnic, "* vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(net_opnic,
			      OPNIC_DEVARG_REGS "=auto|rw "
			      OPNIC_DEVARG_DB_SUPPRESS "=0|1 "
			      OPNIC_DEVARG_LSC "=intr|poll");
