/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The model server's set-up and its control thread (opnic_model_server.h):
 * the run directory and the device files at creation, then one thread
 * accepting connections on model.sock and answering their requests while
 * the caller's device loop polls the devices. Both sides hold the server
 * lock while they touch a device.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "opnic_emu_rundir.h"
#include "opnic_server_internal.h"

/* How long the control thread waits before it looks at quit again. */
#define CONTROL_POLL_MS	200

static void
devices_wire(struct opnic_server *s, const struct opnic_server_config *cfg)
{
	unsigned int i;

	for (i = 0; i < s->ndev; i++) {
		struct opnic_model_dev *m = &s->dev[i].m;

		m->peer = cfg->wire_pair ? &s->dev[i ^ 1].m : m;
		/* Power-up: memory decoding and Bus Master off until the
		 * device is opened (vfio-pci enables it) and the driver sets
		 * Bus Master. */
		opnic_model_set_command(m, 0);
		m->reset_ns = (uint64_t)cfg->reset_us * 1000;
		if (cfg->link_down)
			opnic_model_set_link(m, 0);
		m->faults.random_ppm = cfg->fault_ppm;
		m->faults.rng = cfg->fault_seed * 2654435761u + i;
	}
}

static int
wires_open(struct opnic_server *s, const struct opnic_server_config *cfg,
	   char *err, size_t errlen)
{
	char werr[512];
	unsigned int i;

	for (i = 0; i < s->ndev; i++) {
		if (cfg->port_wire[i] == NULL)
			continue;
		s->dev[i].wire = opnic_wire_open(cfg->port_wire[i], &s->dev[i].m,
						 werr, sizeof(werr));
		if (s->dev[i].wire == NULL) {
			snprintf(err, errlen, "--port %u: %s", i, werr);
			return -1;
		}
	}
	return 0;
}

struct opnic_server *
opnic_server_create(const struct opnic_server_config *cfg, char *err,
		    size_t errlen)
{
	struct opnic_server *s = calloc(1, sizeof(*s));
	unsigned int i;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->lfd = -1;
	s->trace = getenv("OPNIC_MODEL_TRACE") != NULL;
	snprintf(s->run, sizeof(s->run), "%s", cfg->run);
	s->prof = *cfg->prof;
	s->ndev = cfg->ndev;
	s->vfio_user = cfg->vfio_user;
	for (i = 0; i < SERVER_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	for (i = 0; i < OPNIC_MAX_DEVICES; i++)
		s->dev[i].fd = -1;
	if (opnic_rundir_create(s->run, err, errlen) != 0)
		goto fail;
	for (i = 0; i < s->ndev; i++)
		if (server_dev_create(s, i, cfg->mac[i], err, errlen) != 0)
			goto fail;
	devices_wire(s, cfg);
	if (wires_open(s, cfg, err, errlen) != 0)
		goto fail;
	return s;
fail:
	opnic_server_destroy(s);
	return NULL;
}

static void
conn_accept(struct opnic_server *s)
{
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	int k;

	if (fd < 0)
		return;
	for (k = 0; k < SERVER_MAX_CONNS && s->conns[k].fd >= 0; k++)
		;
	if (k == SERVER_MAX_CONNS) {
		close(fd);
		return;
	}
	s->conns[k].fd = fd;
	s->conns[k].dma = NULL;
}

/* What a polled fd is: model.sock, a connection on it, or a device's
 * vfio-user socket or client. */
enum poll_kind { PK_LISTEN, PK_CONN, PK_VFU_LISTEN, PK_VFU_CONN };

struct poll_slot {
	enum poll_kind kind;
	unsigned int i;
};

#define POLL_MAX	(SERVER_MAX_CONNS + 1 + 2 * OPNIC_MAX_DEVICES)

static int
poll_add(struct pollfd *pfd, struct poll_slot *slot, int n, int fd,
	 enum poll_kind kind, unsigned int i)
{
	if (fd < 0)
		return n;
	pfd[n].fd = fd;
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	slot[n].kind = kind;
	slot[n].i = i;
	return n + 1;
}

static void *
control_thread(void *arg)
{
	struct opnic_server *s = arg;

	while (!s->quit) {
		struct pollfd pfd[POLL_MAX];
		struct poll_slot slot[POLL_MAX];
		unsigned int i;
		int n = 0, k;

		n = poll_add(pfd, slot, n, s->lfd, PK_LISTEN, 0);
		for (i = 0; i < SERVER_MAX_CONNS; i++)
			n = poll_add(pfd, slot, n, s->conns[i].fd, PK_CONN, i);
		for (i = 0; i < s->ndev; i++) {
			if (s->dev[i].vu == NULL)
				continue;
			n = poll_add(pfd, slot, n, opnic_vfu_listen_fd(s->dev[i].vu),
				     PK_VFU_LISTEN, i);
			n = poll_add(pfd, slot, n, opnic_vfu_conn_fd(s->dev[i].vu),
				     PK_VFU_CONN, i);
		}
		if (poll(pfd, (nfds_t)n, CONTROL_POLL_MS) <= 0)
			continue;
		for (k = 0; k < n; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			switch (slot[k].kind) {
			case PK_LISTEN:
				conn_accept(s);
				break;
			case PK_CONN:
				server_serve_one(s, &s->conns[slot[k].i]);
				break;
			case PK_VFU_LISTEN:
				opnic_vfu_accept(s->dev[slot[k].i].vu);
				break;
			case PK_VFU_CONN:
				opnic_vfu_serve(s->dev[slot[k].i].vu);
				break;
			}
		}
	}
	return NULL;
}

int
opnic_server_start(struct opnic_server *s, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	s->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" OPNIC_RUN_SOCKET,
		     s->run) >= (int)sizeof(sa.sun_path)) {
		snprintf(err, errlen, "run dir '%s' too long for a UNIX socket "
			 "path", s->run);
		return -1;
	}
	unlink(sa.sun_path);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s->lfd, 16) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", sa.sun_path,
			 strerror(errno));
		return -1;
	}
	snprintf(s->sock_path, sizeof(s->sock_path), "%s", sa.sun_path);
	if (s->vfio_user && server_vfu_start(s, err, errlen) != 0)
		return -1;
	if (pthread_create(&s->control, NULL, control_thread, s) != 0) {
		snprintf(err, errlen, "cannot start the control thread");
		return -1;
	}
	s->control_running = 1;
	return 0;
}

unsigned int
opnic_server_poll(struct opnic_server *s)
{
	unsigned int i, moved = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->ndev; i++) {
		moved += opnic_model_poll(&s->dev[i].m);
		if (s->dev[i].wire != NULL)
			moved += opnic_wire_poll(s->dev[i].wire);
	}
	pthread_mutex_unlock(&s->lock);
	return moved;
}

int
opnic_server_quitting(const struct opnic_server *s)
{
	return s->quit != 0;
}

void
opnic_server_request_quit(struct opnic_server *s)
{
	s->quit = 1;
}

void
opnic_server_destroy(struct opnic_server *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	s->quit = 1;
	if (s->control_running)
		pthread_join(s->control, NULL);
	for (i = 0; i < SERVER_MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			server_conn_close(s, &s->conns[i], "model exit");
	server_vfu_stop(s);
	for (i = 0; i < s->ndev; i++)
		server_dev_destroy(&s->dev[i]);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->sock_path[0] != '\0')
		unlink(s->sock_path);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
