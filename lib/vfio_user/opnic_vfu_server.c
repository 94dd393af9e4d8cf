/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The vfio-user endpoint of one device (opnic_vfio_user.h): its listening
 * socket, the one client it serves, and what it keeps for that client
 * (the IOVA map, the agreed capabilities). A second client while one is
 * served, or a client while the LD_PRELOAD path owns the device, is
 * closed at once. A client that goes away leaves the device released as
 * vfio-pci's release does and the socket accepting the next one.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "opnic_vfu_internal.h"

struct opnic_vfu *
opnic_vfu_create(const struct opnic_vfu_dev_cfg *cfg, char *err, size_t errlen)
{
	struct opnic_vfu *v = calloc(1, sizeof(*v));

	if (v == NULL || (v->dma = malloc(sizeof(*v->dma))) == NULL) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->cfg = *cfg;
	v->conn = -1;
	v->lfd = -1;
	v->bar_fd = -1;
	v->aux_fd[0] = v->aux_fd[1] = -1;
	v->trace = getenv("OPNIC_MODEL_TRACE") != NULL;
	opnic_dma_init(v->dma);
	vfu_vbar_reset(v);
	if (cfg->path != NULL)
		snprintf(v->path, sizeof(v->path), "%s", cfg->path);
	v->bar_fd = fcntl(cfg->bar_fd, F_DUPFD_CLOEXEC, 0);
	if (v->bar_fd < 0) {
		snprintf(err, errlen, "vfio-user %s: device file fd: %s",
			 v->path, strerror(errno));
		opnic_vfu_destroy(v);
		return NULL;
	}
	if (cfg->path != NULL) {
		v->lfd = vfu_listen(cfg->path, err, errlen);
		if (v->lfd < 0) {
			v->path[0] = '\0';
			opnic_vfu_destroy(v);
			return NULL;
		}
	}
	return v;
}

int
opnic_vfu_listen_fd(const struct opnic_vfu *v)
{
	return v->lfd;
}

int
opnic_vfu_conn_fd(const struct opnic_vfu *v)
{
	return v->conn;
}

const char *
opnic_vfu_path(const struct opnic_vfu *v)
{
	return v->path;
}

int
opnic_vfu_adopt(struct opnic_vfu *v, int fd)
{
	int r;

	pthread_mutex_lock(v->cfg.lock);
	r = v->conn >= 0 ? -EBUSY : v->cfg.claim(v->cfg.ctx);
	if (r == 0) {
		v->conn = fd;
		v->negotiated = 0;
		v->caps.client_max_fds = 1;
		v->caps.client_max_xfer = 1u << 20;
		v->caps.write_multi = 0;
		vfu_vbar_reset(v);
		v->cfg.m->dma = v->dma;
		v->st.clients++;
	} else {
		v->st.refused_clients++;
	}
	pthread_mutex_unlock(v->cfg.lock);
	if (r != 0) {
		vfu_log(v, "client refused: %s", strerror(-r));
		close(fd);
	}
	return r;
}

void
vfu_conn_drop(struct opnic_vfu *v)
{
	pthread_mutex_lock(v->cfg.lock);
	if (v->conn >= 0) {
		vfu_log(v, "client gone");
		close(v->conn);
		v->conn = -1;
		vfu_dma_drop_all(v);
		vfu_irqs_drop_all(v);
		v->negotiated = 0;
		v->cfg.m->dma = NULL;
		v->cfg.release(v->cfg.ctx);
	}
	pthread_mutex_unlock(v->cfg.lock);
}

/* The served client closed its end (its EOF not read yet): a client that
 * reconnects at once finds the device free. */
static int
conn_ended(int fd)
{
	char b;

	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

void
opnic_vfu_accept(struct opnic_vfu *v)
{
	int fd = accept4(v->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (v->conn >= 0 && conn_ended(v->conn))
		vfu_conn_drop(v);
	opnic_vfu_adopt(v, fd);
}

void
opnic_vfu_get_stats(const struct opnic_vfu *v, struct opnic_vfu_stats *st)
{
	*st = v->st;
}

void
opnic_vfu_destroy(struct opnic_vfu *v)
{
	if (v == NULL)
		return;
	if (v->conn >= 0)
		vfu_conn_drop(v);
	if (v->lfd >= 0)
		close(v->lfd);
	if (v->path[0] != '\0' && v->lfd >= 0)
		unlink(v->path);
	if (v->bar_fd >= 0)
		close(v->bar_fd);
	free(v->dma);
	free(v);
}
