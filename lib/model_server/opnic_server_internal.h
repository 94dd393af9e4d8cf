/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Inside the model server (opnic_model_server.h):
 *   opnic_server.c          set-up, the control thread, connections
 *   opnic_server_devfile.c  the device files and their interrupts
 *   opnic_server_msg.c      receiving, checking and dispatching requests,
 *                           closing a connection (vfio-pci release)
 *   opnic_server_status.c   the status reply, as text or JSON
 *   opnic_server_vfio_user.c  the devices' vfio-user sockets (lib/vfio_user)
 */

#ifndef _OPNIC_SERVER_INTERNAL_H_
#define _OPNIC_SERVER_INTERNAL_H_

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "opnic_model.h"
#include "opnic_model_server.h"
#include "opnic_vfio_user.h"
#include "opnic_wire.h"

#define SERVER_MAX_CONNS	32
#define SERVER_MAX_VECTORS	64

/* One connection: a VFIO container (its IOMMU domain) or an opnic-ctl. */
struct server_conn {
	int fd;				/* -1 when the slot is free */
	struct opnic_dma_map *dma;	/* created at the first attach */
};

/* One modelled device and what the process keeps for it. */
struct server_dev {
	struct opnic_model_dev m;
	uint8_t *base;			/* the mapped device file */
	size_t size;
	int irq_fd[SERVER_MAX_VECTORS];	/* MSI-X triggers, -1 when none */
	struct server_conn *owner;	/* the attached container, or NULL */
	struct opnic_wire *wire;	/* external wire, or NULL */
	int fd;				/* the device file, -1 when closed */
	struct opnic_server *s;
	struct opnic_vfu *vu;		/* vfio-user endpoint, or NULL */
	int vu_owned;			/* a vfio-user client holds it */
};

struct opnic_server {
	char run[200];
	struct opnic_profile prof;
	unsigned int ndev;
	struct server_dev dev[OPNIC_MAX_DEVICES];
	struct server_conn conns[SERVER_MAX_CONNS];
	int lfd;			/* listening socket, -1 until started */
	char sock_path[108];
	pthread_t control;
	int control_running;
	pthread_mutex_t lock;		/* devices and connections */
	volatile sig_atomic_t quit;
	int trace;			/* OPNIC_MODEL_TRACE, read once */
	int vfio_user;			/* cfg->vfio_user */
};

/* Device files (opnic_server_devfile.c). */
int server_dev_create(struct opnic_server *s, unsigned int i,
		      const uint8_t mac[6], char *err, size_t errlen);
void server_dev_close_irqs(struct server_dev *d);
/* vfio-pci release: the owner went away; reset, drop interrupts and DMA. */
void server_dev_release(struct server_dev *d);
void server_dev_destroy(struct server_dev *d);
/* VFIO_DEVICE_RESET: start an FLR and return once the device loop has
 * completed it (the lock let go meanwhile). Under the lock. */
void server_dev_flr(struct opnic_server *s, struct server_dev *d);

/* vfio-user (opnic_server_vfio_user.c): an endpoint per device, its list
 * in the run directory; the control thread polls its fds. */
int server_vfu_start(struct opnic_server *s, char *err, size_t errlen);
void server_vfu_stop(struct opnic_server *s);

/* Requests (opnic_server_msg.c): read one from c and answer it. -1 when
 * the connection is gone and must be closed. */
int server_serve_one(struct opnic_server *s, struct server_conn *c);
void server_conn_close(struct opnic_server *s, struct server_conn *c,
		       const char *why);

/* Status (opnic_server_status.c): the reply text of STATUS in format. */
void server_status_reply(struct opnic_server *s, struct server_dev *d,
			 uint32_t format, struct opnic_msg_reply *rep);

/* Reply text helpers. */
void server_reply_text(struct opnic_msg_reply *rep, int status,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* _OPNIC_SERVER_INTERNAL_H_ */
