/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The model server: modelled opnic NICs run as a process of their own, like
 * hardware. It is the glue around the device model (lib/model), as QEMU's
 * e1000e.c is around e1000e_core.c: BARs and config space live in
 * shared-memory files in the run directory (the VFIO emulation maps them
 * into the DPDK application), DMA memory and MSI-X eventfds arrive over the
 * UNIX socket model.sock, one connection per VFIO container, and opnic-ctl
 * asks on the same socket (opnic_emu_proto.h). When a connection goes away
 * (application exit or crash) the server resets the devices it owned and
 * drops its DMA mappings, as vfio-pci does on release.
 *
 * The caller runs the device loop: opnic_server_poll() until
 * opnic_server_quitting().
 */

#ifndef _OPNIC_MODEL_SERVER_H_
#define _OPNIC_MODEL_SERVER_H_

#include <stddef.h>
#include <stdint.h>

#include "opnic_emu_proto.h"
#include "opnic_profile.h"

/* How long ID.RESET and an FLR take in the daemon unless --reset-us says
 * (the model library alone completes them at once: dev->reset_ns 0). */
#define OPNIC_RESET_US_DEFAULT	1000

struct opnic_server_config {
	const char *run;		/* run directory */
	const struct opnic_profile *prof;
	unsigned int ndev;		/* 1 .. OPNIC_MAX_DEVICES */
	int wire_pair;			/* devices 2k and 2k+1 are wired */
	int link_down;			/* start with the links down */
	uint32_t fault_ppm;		/* random faults per million */
	uint32_t fault_seed;
	uint32_t reset_us;		/* ID.RESET and FLR duration (spec 3.1) */
	uint8_t mac[OPNIC_MAX_DEVICES][6];
	const char *port_wire[OPNIC_MAX_DEVICES];	/* external wires or NULL */
	int vfio_user;			/* also serve each device over vfio-user */
};

struct opnic_server;

/* Write the run directory and the device files, open the wires. NULL with
 * a message in err. */
struct opnic_server *opnic_server_create(const struct opnic_server_config *cfg,
					 char *err, size_t errlen);

/* Listen on model.sock (and, with cfg->vfio_user, on each device's
 * <bdf>.vfio-user socket, listed in vfio-user.list) and answer them from a
 * control thread. 0, or -1 with a message in err. */
int opnic_server_start(struct opnic_server *s, char *err, size_t errlen);

/* One pass over every device and its wire; returns the frames moved. */
unsigned int opnic_server_poll(struct opnic_server *s);

/* 'opnic-ctl quit' or opnic_server_request_quit() was seen. */
int opnic_server_quitting(const struct opnic_server *s);

/* Ask the server to stop; async-signal-safe. */
void opnic_server_request_quit(struct opnic_server *s);

/* Stop the control thread, release every connection as vfio-pci would,
 * close the wires and remove the socket. */
void opnic_server_destroy(struct opnic_server *s);

#endif /* _OPNIC_MODEL_SERVER_H_ */
