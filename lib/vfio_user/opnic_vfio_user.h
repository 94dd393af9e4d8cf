/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * A vfio-user server for one modelled opnic (doc/vfio-user.md): a UNIX
 * stream socket a vfio-user client (QEMU's vfio-user-pci, the tests)
 * connects to, one client at a time. The device is the same model the
 * LD_PRELOAD emulation reaches: BAR memory passed as an fd for mmap, config
 * space and the MSI-X page(s) served by REGION_READ/WRITE, the client's
 * memory fds mapped into an IOVA map the model's DMA goes through, MSI-X
 * eventfds in the caller's trigger table, reset through the caller.
 *
 * The caller (lib/model_server) owns the device and its lock and polls the
 * two fds: opnic_vfu_accept() when the listening socket is readable,
 * opnic_vfu_serve() when the connection is. Handlers run under cfg->lock;
 * the callbacks are called with it held.
 */

#ifndef _OPNIC_VFIO_USER_H_
#define _OPNIC_VFIO_USER_H_

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "opnic_model.h"

struct opnic_vfu_dev_cfg {
	const char *path;		/* socket path, created mode 0600 */
	struct opnic_model_dev *m;
	int bar_fd;			/* file holding the BARs (dup'ed) */
	uint64_t bar_off[6];		/* BAR b at bar_off[b] in bar_fd */
	uint32_t bar_size[6];		/* 0: no BAR */
	int *irq_fd;			/* MSI-X triggers the model signals */
	unsigned int nirq;		/* entries of irq_fd */
	pthread_mutex_t *lock;
	void *ctx;
	/* A client connects: 0, or -errno (device in use elsewhere). */
	int (*claim)(void *ctx);
	/* The client went away: reset as vfio-pci's release does. */
	void (*release)(void *ctx);
	/* VFIO_USER_DEVICE_RESET: the function-level reset, returns when the
	 * function is back (may let go of the lock meanwhile). */
	void (*reset)(void *ctx);
};

/* What a server saw, for status and tests. */
struct opnic_vfu_stats {
	uint64_t clients;		/* connections accepted */
	uint64_t refused_clients;	/* closed at once: busy or in use */
	uint64_t msgs;			/* commands handled */
	uint64_t errors;		/* error replies (malformed or refused) */
	uint64_t dma_maps;		/* mappings now, with and without fd */
	uint64_t dma_unreachable;	/* of which the model cannot reach */
};

struct opnic_vfu;

/* Listen on cfg->path. NULL with a message naming the path in err. */
struct opnic_vfu *opnic_vfu_create(const struct opnic_vfu_dev_cfg *cfg,
				   char *err, size_t errlen);
int opnic_vfu_listen_fd(const struct opnic_vfu *v);
/* The client's connection, or -1. */
int opnic_vfu_conn_fd(const struct opnic_vfu *v);
/* Take the pending connection (or close it when one is served). */
void opnic_vfu_accept(struct opnic_vfu *v);
/* Serve a connected socket directly (tests, fuzzing): as accept. */
int opnic_vfu_adopt(struct opnic_vfu *v, int fd);
/* Read one message from the client and answer it. 0, or -1 when the
 * connection was closed (the device released). */
int opnic_vfu_serve(struct opnic_vfu *v);
void opnic_vfu_get_stats(const struct opnic_vfu *v, struct opnic_vfu_stats *st);
const char *opnic_vfu_path(const struct opnic_vfu *v);
/* Close the client (releasing the device) and the socket; unlink it. */
void opnic_vfu_destroy(struct opnic_vfu *v);

#endif /* _OPNIC_VFIO_USER_H_ */
