/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The requests on model.sock (opnic_emu_proto.h): each one is received,
 * checked (size, type, device, the fields of its type) and handed to the
 * handler of its type in handlers[]; the reply goes back on the same
 * connection. A bad request gets an error reply naming what is wrong and
 * changes nothing. Runs on the control thread, under the server lock.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "opnic_server_internal.h"

/* Largest rate of the "random" fault: every completion. */
#define FAULT_PPM_MAX	1000000
/* Most link changes one link-toggle request makes. */
#define TOGGLE_MAX	1000000
/* The pause between two toggles, lock let go: the driver handles the
 * interrupt, the datapath runs. */
#define TOGGLE_GAP_NS	200000

/* One request being answered. */
struct msg_ctx {
	struct opnic_server *s;
	struct server_conn *c;
	struct server_dev *d;		/* NULL for the requests without one */
	const struct opnic_msg *req;
	struct opnic_msg_reply *rep;
	int fd;				/* the passed file; -1 once taken */
};

struct msg_handler {
	const char *name;
	int needs_dev;			/* req->dev must name a device */
	void (*handle)(struct msg_ctx *x);
};

void
server_reply_text(struct opnic_msg_reply *rep, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rep->text, sizeof(rep->text), fmt, ap);
	va_end(ap);
	rep->len = n < 0 ? 0 : (uint32_t)(n < (int)sizeof(rep->text) ? n :
					  (int)sizeof(rep->text) - 1);
	rep->status = status;
}

/* A NUL inside the field: a text field the sender terminated. */
static int
text_terminated(const char *field, size_t size)
{
	return memchr(field, '\0', size) != NULL;
}

/* 0 or 1 only, for the on/off fields. */
static int
check_bool(struct msg_ctx *x, const char *what, uint32_t v)
{
	if (v <= 1)
		return 0;
	server_reply_text(x->rep, -EINVAL, "%s %" PRIu32 ": expected 0 or 1",
			  what, v);
	return -1;
}

static void
dma_release(void *owner, uint8_t *host, uint64_t len)
{
	(void)host;
	munmap(owner, len);
}

static void
handle_attach(struct msg_ctx *x)
{
	struct server_dev *d = x->d;
	struct server_conn *c = x->c;

	if (d->vu_owned) {
		server_reply_text(x->rep, -EBUSY, "device %u is in use by a "
				  "vfio-user client", x->req->dev);
		return;
	}
	if (d->owner != NULL && d->owner != c) {
		server_reply_text(x->rep, -EBUSY, "device %u is in use by another "
				  "process", x->req->dev);
		return;
	}
	if (c->dma == NULL) {
		c->dma = malloc(sizeof(*c->dma));
		if (c->dma == NULL) {
			server_reply_text(x->rep, -ENOMEM, "out of memory");
			return;
		}
		opnic_dma_init(c->dma);
	}
	d->owner = c;
	d->m.dma = c->dma;
}

static void
handle_detach(struct msg_ctx *x)
{
	struct server_dev *d = x->d;

	if (d->owner != x->c)
		return;
	opnic_model_reset(&d->m);
	server_dev_close_irqs(d);
	d->m.dma = NULL;
	d->owner = NULL;
}

static void
handle_dma_map(struct msg_ctx *x)
{
	const struct opnic_msg_dma_map *dm = &x->req->dma_map;
	uint64_t iova = dm->iova, len = dm->len, file_offset = dm->file_offset;
	uint8_t *host;
	int r;

	if (x->fd < 0 || x->c->dma == NULL) {
		server_reply_text(x->rep, -EINVAL,
				  "DMA map without a file or a device");
		return;
	}
	if (len == 0 || iova + len - 1 < iova || file_offset > INT64_MAX) {
		server_reply_text(x->rep, -EINVAL, "DMA map iova 0x%" PRIx64
				  " len 0x%" PRIx64 " offset 0x%" PRIx64
				  ": empty or out of range", iova, len,
				  file_offset);
		return;
	}
	host = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd,
		    (off_t)file_offset);
	if (host == MAP_FAILED) {
		int e = errno;

		server_reply_text(x->rep, -e, "cannot map DMA memory iova 0x%"
				  PRIx64 " len 0x%" PRIx64 ": %s", iova, len,
				  strerror(e));
		return;
	}
	r = opnic_dma_add(x->c->dma, iova, len, host, host);
	if (r != 0) {
		munmap(host, len);
		server_reply_text(x->rep, r, "iova 0x%" PRIx64 " len 0x%" PRIx64
				  ": %s", iova, len, strerror(-r));
	}
}

static uint64_t
dma_mapped_bytes(const struct opnic_dma_map *dma)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < dma->n; i++)
		sum += dma->r[i].len;
	return sum;
}

static void
handle_dma_unmap(struct msg_ctx *x)
{
	uint64_t iova = x->req->dma_unmap.iova, len = x->req->dma_unmap.len;
	struct opnic_dma_map *dma = x->c->dma;
	uint64_t before;
	unsigned int i;
	int r;

	if (!opnic_dma_range_ok(iova, len)) {
		if (dma != NULL)
			dma->refused++;
		server_reply_text(x->rep, -EINVAL, "DMA unmap iova 0x%" PRIx64
				  " len 0x%" PRIx64 ": empty or wraps past the "
				  "end of the IOVA space; nothing unmapped",
				  iova, len);
		return;
	}
	/* No domain yet: nothing to unmap, the size comes back unchanged. */
	if (dma == NULL) {
		x->rep->unmapped = len;
		return;
	}
	before = dma_mapped_bytes(dma);
	r = opnic_dma_remove(dma, iova, len, dma_release);
	if (r < 0) {
		server_reply_text(x->rep, r, "DMA unmap iova 0x%" PRIx64 " len 0x%"
				  PRIx64 ": %s", iova, len, strerror(-r));
		return;
	}
	x->rep->unmapped = before - dma_mapped_bytes(dma);
	for (i = 0; i < x->s->ndev; i++)
		if (x->s->dev[i].owner == x->c)
			opnic_model_dma_changed(&x->s->dev[i].m);
}

static void
handle_irq(struct msg_ctx *x)
{
	uint32_t v = x->req->irq.vector, enable = x->req->irq.enable;
	struct server_dev *d = x->d;

	if (check_bool(x, "irq enable", enable) != 0)
		return;
	if (v >= x->s->prof.msix_vectors || v >= SERVER_MAX_VECTORS) {
		server_reply_text(x->rep, -EINVAL, "vector %" PRIu32
				  " out of range", v);
		return;
	}
	if (d->irq_fd[v] >= 0)
		close(d->irq_fd[v]);
	d->irq_fd[v] = -1;
	if (enable && x->fd >= 0) {
		d->irq_fd[v] = x->fd;
		x->fd = -1;
	}
	/* The kernel unmasks vectors that have a trigger. */
	opnic_model_set_vector_mask(&d->m, v, !enable);
}

static void
handle_msix(struct msg_ctx *x)
{
	uint32_t enable = x->req->msix.enable;
	struct server_dev *d = x->d;
	unsigned int v;

	if (check_bool(x, "MSI-X enable", enable) != 0)
		return;
	opnic_model_set_msix_ctrl(&d->m, enable != 0, 0);
	if (enable)
		return;
	for (v = 0; v < x->s->prof.msix_vectors; v++)
		opnic_model_set_vector_mask(&d->m, v, 1);
	server_dev_close_irqs(d);
}

static void
handle_reset(struct msg_ctx *x)
{
	server_dev_flr(x->s, x->d);
}

static void
handle_link(struct msg_ctx *x)
{
	uint32_t up = x->req->link.up;

	if (check_bool(x, "link up", up) == 0)
		opnic_model_set_link(&x->d->m, up != 0);
}

static void
handle_status(struct msg_ctx *x)
{
	server_status_reply(x->s, x->d, x->req->status.format, x->rep);
}

/* opnic-ctl fault DEV NAME [COUNT [SEED]] (doc/faults.md). */
static void
handle_fault(struct msg_ctx *x)
{
	const struct opnic_msg_fault *f = &x->req->fault;
	uint64_t count = f->count, seed = f->seed, k;
	struct opnic_model_dev *m = &x->d->m;
	const char *name = f->name;
	int kind;

	if (!text_terminated(f->name, sizeof(f->name))) {
		server_reply_text(x->rep, -EINVAL, "fault name not terminated "
				  "within %zu bytes", sizeof(f->name));
		return;
	}
	kind = opnic_fault_kind_parse(name);
	if (kind >= 0) {
		m->faults.pending[kind] += count;
	} else if (strcmp(name, "random") == 0) {
		if (count > FAULT_PPM_MAX) {
			server_reply_text(x->rep, -EINVAL, "random fault rate %"
					  PRIu64 " ppm: expected 0..1000000",
					  count);
			return;
		}
		m->faults.random_ppm = (uint32_t)count;
		m->faults.rng = (uint32_t)seed;
	} else if (strcmp(name, "link-flap") == 0) {
		/* down/up pairs as fast as the model can: an LSC interrupt
		 * storm when the vector is unmasked. */
		for (k = 0; k < count; k++) {
			opnic_model_set_link(m, 0);
			opnic_model_set_link(m, 1);
		}
	} else if (strcmp(name, "link-toggle") == 0) {
		/* count single changes (odd: the link ends the other way)
		 * 0.2 ms apart while the device is slow to look at its
		 * registers: the driver's CAUSE_CLR written between two
		 * changes is still unseen at the next one (spec 3.3), and
		 * the last change comes right before the device looks. */
		uint32_t scan = m->scan_interval;

		if (count > TOGGLE_MAX) {
			server_reply_text(x->rep, -EINVAL, "link-toggle %" PRIu64
					  ": expected at most %u", count,
					  TOGGLE_MAX);
			return;
		}
		m->scan_interval = UINT32_MAX;
		for (k = 0; k < count; k++) {
			struct timespec ts = { 0, TOGGLE_GAP_NS };

			if (k != 0) {
				pthread_mutex_unlock(&x->s->lock);
				nanosleep(&ts, NULL);
				pthread_mutex_lock(&x->s->lock);
			}
			opnic_model_set_link(m, !m->link_up);
		}
		m->scan_interval = scan;
	} else if (strcmp(name, "irq-storm") == 0) {
		/* Spurious interrupts: vector 0 fires with no cause set. */
		for (k = 0; k < count; k++)
			opnic_model_raise_vector(m, 0);
	} else if (strcmp(name, "remove") == 0) {
		opnic_model_surprise_remove(m, 1);
	} else if (strcmp(name, "restore") == 0) {
		opnic_model_surprise_remove(m, 0);
	} else {
		server_reply_text(x->rep, -EINVAL, "unknown fault '%s' (cpl-len "
				  "cpl-idx cpl-phase cpl-dup cpl-unposted dma "
				  "corrupt random link-flap link-toggle irq-storm "
				  "remove restore)", name);
	}
}

static void
handle_wire(struct msg_ctx *x)
{
	const char *cmd = x->req->wire.command;
	struct server_dev *d = x->d;
	int r;

	if (!text_terminated(cmd, sizeof(x->req->wire.command))) {
		server_reply_text(x->rep, -EINVAL, "wire command not terminated "
				  "within %zu bytes", sizeof(x->req->wire.command));
		return;
	}
	if (d->wire == NULL) {
		server_reply_text(x->rep, -ENODEV, "device %u has no external wire "
				  "(start opnic-model with --port %u=SPEC)",
				  x->req->dev, x->req->dev);
		return;
	}
	r = opnic_wire_command(d->wire, cmd, x->rep->text, sizeof(x->rep->text));
	x->rep->text[sizeof(x->rep->text) - 1] = '\0';
	x->rep->len = (uint32_t)strlen(x->rep->text);
	x->rep->status = r;
}

static void
handle_quit(struct msg_ctx *x)
{
	opnic_server_request_quit(x->s);
}

static const struct msg_handler handlers[OPNIC_MSG_NTYPES] = {
	[OPNIC_MSG_ATTACH]	= { "attach", 1, handle_attach },
	[OPNIC_MSG_DETACH]	= { "detach", 1, handle_detach },
	[OPNIC_MSG_DMA_MAP]	= { "dma-map", 0, handle_dma_map },
	[OPNIC_MSG_DMA_UNMAP]	= { "dma-unmap", 0, handle_dma_unmap },
	[OPNIC_MSG_IRQ]		= { "irq", 1, handle_irq },
	[OPNIC_MSG_MSIX]	= { "msix", 1, handle_msix },
	[OPNIC_MSG_RESET]	= { "reset", 1, handle_reset },
	[OPNIC_MSG_LINK]	= { "link", 1, handle_link },
	[OPNIC_MSG_STATUS]	= { "status", 1, handle_status },
	[OPNIC_MSG_FAULT]	= { "fault", 1, handle_fault },
	[OPNIC_MSG_QUIT]	= { "quit", 0, handle_quit },
	[OPNIC_MSG_WIRE]	= { "wire", 1, handle_wire },
};

/* Receive one packet: -1 when the peer is gone, else its size (SSIZE_MAX
 * when it did not fit) with the passed fd (or -1) in *fd. */
static ssize_t
recv_msg(int sock, struct opnic_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return (mh.msg_flags & MSG_TRUNC) ? SSIZE_MAX : n;
}

/* Check what every request must be, then run its handler. */
static void
dispatch(struct msg_ctx *x, ssize_t n)
{
	const struct opnic_msg *req = x->req;
	const struct msg_handler *h;

	if (n == SSIZE_MAX) {
		server_reply_text(x->rep, -EINVAL, "request of more than %zu "
				  "bytes: expected %zu", sizeof(*req), sizeof(*req));
		return;
	}
	if (n != (ssize_t)sizeof(*req)) {
		server_reply_text(x->rep, -EINVAL, "request of %zd bytes: "
				  "expected %zu", n, sizeof(*req));
		return;
	}
	if (req->type == 0 || req->type >= OPNIC_MSG_NTYPES ||
	    handlers[req->type].handle == NULL) {
		server_reply_text(x->rep, -EINVAL, "unknown request %" PRIu32,
				  req->type);
		return;
	}
	h = &handlers[req->type];
	if (x->s->trace)
		fprintf(stderr, "opnic-model: conn %d msg %s dev %" PRIu32
			" fd %d\n", x->c->fd, h->name, req->dev, x->fd);
	if (h->needs_dev) {
		if (req->dev >= x->s->ndev) {
			server_reply_text(x->rep, -ENODEV, "no device %" PRIu32
					  " (the model runs %u)", req->dev,
					  x->s->ndev);
			return;
		}
		x->d = &x->s->dev[req->dev];
	}
	h->handle(x);
}

int
server_serve_one(struct opnic_server *s, struct server_conn *c)
{
	struct opnic_msg req, reply;
	struct msg_ctx x = { .s = s, .c = c, .req = &req, .rep = &reply.reply };
	ssize_t n;
	int ret = 0;

	n = recv_msg(c->fd, &req, &x.fd);
	if (n < 0) {
		pthread_mutex_lock(&s->lock);
		server_conn_close(s, c, "peer closed");
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	memset(&reply, 0, sizeof(reply));
	reply.type = n >= (ssize_t)sizeof(req.type) ? req.type : 0;
	reply.dev = n >= (ssize_t)(sizeof(req.type) + sizeof(req.dev)) ?
		    req.dev : 0;
	pthread_mutex_lock(&s->lock);
	dispatch(&x, n);
	pthread_mutex_unlock(&s->lock);
	if (x.fd >= 0)
		close(x.fd);
	if (send(c->fd, &reply, sizeof(reply), MSG_NOSIGNAL) < 0) {
		pthread_mutex_lock(&s->lock);
		server_conn_close(s, c, "send failed");
		pthread_mutex_unlock(&s->lock);
		ret = -1;
	}
	return ret;
}

/* Under the lock. */
void
server_conn_close(struct opnic_server *s, struct server_conn *c,
		  const char *why)
{
	unsigned int i;

	if (s->trace)
		fprintf(stderr, "opnic-model: connection %d closed: %s\n", c->fd,
			why);
	for (i = 0; i < s->ndev; i++)
		if (s->dev[i].owner == c)
			server_dev_release(&s->dev[i]);
	if (c->dma != NULL) {
		opnic_dma_remove(c->dma, 0, UINT64_MAX, dma_release);
		free(c->dma);
	}
	close(c->fd);
	c->fd = -1;
	c->dma = NULL;
}
