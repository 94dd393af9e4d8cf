/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * One vfio-user message: its header is checked (a command, a size between
 * the header's and our limit), its payload and fds read, its handler run
 * under the device lock, and the reply sent with the same id - the payload
 * the handler built, or the header alone with the Error flag and an errno.
 * A malformed message changes nothing and gets that error reply; only a
 * stream that cannot be trusted any more (EOF or a stall mid-message, a
 * size past what we would read) closes the connection.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opnic_vfu_internal.h"

/* The most bytes of an oversized message we read and drop to stay in step
 * with the stream; past it the connection is closed. */
#define VFU_DRAIN_MAX	(16u << 20)

struct vfu_handler {
	const char *name;
	int (*handle)(struct opnic_vfu *v, struct vfu_msg *x);
};

static const struct vfu_handler handlers[VFU_CMD_MAX] = {
	[VFU_CMD_VERSION] = { "version", vfu_handle_version },
	[VFU_CMD_DMA_MAP] = { "dma-map", vfu_handle_dma_map },
	[VFU_CMD_DMA_UNMAP] = { "dma-unmap", vfu_handle_dma_unmap },
	[VFU_CMD_DEVICE_GET_INFO] = { "device-info", vfu_handle_device_info },
	[VFU_CMD_DEVICE_GET_REGION_INFO] = { "region-info", vfu_handle_region_info },
	[VFU_CMD_DEVICE_GET_REGION_IO_FDS] = { "region-io-fds", NULL },
	[VFU_CMD_DEVICE_GET_IRQ_INFO] = { "irq-info", vfu_handle_irq_info },
	[VFU_CMD_DEVICE_SET_IRQS] = { "set-irqs", vfu_handle_set_irqs },
	[VFU_CMD_REGION_READ] = { "region-read", vfu_handle_region_read },
	[VFU_CMD_REGION_WRITE] = { "region-write", vfu_handle_region_write },
	[VFU_CMD_DMA_READ] = { "dma-read", NULL },
	[VFU_CMD_DMA_WRITE] = { "dma-write", NULL },
	[VFU_CMD_DEVICE_RESET] = { "reset", vfu_handle_reset },
	[VFU_CMD_DIRTY_PAGES] = { "dirty-pages", NULL },
	[VFU_CMD_REGION_WRITE_MULTI] = { "write-multi", vfu_handle_write_multi },
	[VFU_CMD_DEVICE_FEATURE] = { "device-feature", NULL },
	[VFU_CMD_MIG_DATA_READ] = { "mig-data-read", NULL },
	[VFU_CMD_MIG_DATA_WRITE] = { "mig-data-write", NULL },
};

void
vfu_log(const struct opnic_vfu *v, const char *fmt, ...)
{
	va_list ap;

	if (!v->trace)
		return;
	fprintf(stderr, "opnic-model: vfio-user %s: ", v->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Record the error of the message; the text goes to the trace. */
int
vfu_msg_error(struct vfu_msg *x, int err, const char *fmt, ...)
{
	va_list ap;

	x->err = err;
	if (x->owner != NULL && x->owner->trace) {
		fprintf(stderr, "opnic-model: vfio-user %s: cmd %u id %u refused "
			"(%s): ", x->owner->path, x->hdr.cmd, x->hdr.msg_id,
			strerror(err));
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	return -err;
}

uint8_t *
vfu_reply_reserve(struct vfu_msg *x, size_t len)
{
	uint8_t *at;

	if (len > VFU_MAX_MSG || x->rep_len + len > VFU_MAX_MSG) {
		vfu_msg_error(x, E2BIG, "reply of more than %u bytes",
			      VFU_MAX_MSG);
		return NULL;
	}
	if (x->rep_len + len > x->rep_cap || x->rep == NULL) {
		uint32_t cap = x->rep_cap ? x->rep_cap : 256;
		uint8_t *p;

		while (cap < x->rep_len + len)
			cap *= 2;
		p = realloc(x->rep, cap);
		if (p == NULL) {
			vfu_msg_error(x, ENOMEM, "out of memory");
			return NULL;
		}
		x->rep = p;
		x->rep_cap = cap;
	}
	at = x->rep + x->rep_len;
	x->rep_len += (uint32_t)len;
	return at;
}

int
vfu_reply_put(struct vfu_msg *x, const void *data, size_t len)
{
	uint8_t *at = vfu_reply_reserve(x, len);

	if (at == NULL)
		return -x->err;
	if (len != 0)
		memcpy(at, data, len);
	return 0;
}

int
vfu_msg_take_fd(struct vfu_msg *x, unsigned int i)
{
	int fd;

	if (i >= x->nfds)
		return -1;
	fd = x->fds[i];
	x->fds[i] = -1;
	return fd;
}

/* Read and drop n bytes: the payload of a message we do not take. */
static int
drain(int sock, uint32_t n)
{
	uint8_t scratch[4096];

	while (n > 0) {
		uint32_t k = n < sizeof(scratch) ? n : (uint32_t)sizeof(scratch);

		if (vfu_read_full(sock, scratch, k, NULL, 0, NULL) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* The header-level checks. 0, or an errno for the error reply. */
static int
check_header(struct opnic_vfu *v, struct vfu_msg *x)
{
	const struct vfu_hdr *h = &x->hdr;

	if ((h->flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_COMMAND)
		return vfu_msg_error(x, EINVAL, "flags 0x%x: not a command "
				     "(the server sends no requests, so expects "
				     "no replies)", h->flags);
	if (h->flags & ~(VFU_F_TYPE_MASK | VFU_F_NO_REPLY))
		return vfu_msg_error(x, EINVAL, "flags 0x%x: unknown bits",
				     h->flags);
	if (h->cmd == 0 || h->cmd >= VFU_CMD_MAX)
		return vfu_msg_error(x, EINVAL, "unknown command %u", h->cmd);
	if (handlers[h->cmd].handle == NULL)
		return vfu_msg_error(x, h->cmd == VFU_CMD_DEVICE_FEATURE ?
				     ENOTTY : ENOTSUP, "%s is not served",
				     handlers[h->cmd].name);
	if (!v->negotiated && h->cmd != VFU_CMD_VERSION)
		return vfu_msg_error(x, EINVAL, "%s before VFIO_USER_VERSION",
				     handlers[h->cmd].name);
	return 0;
}

static int
send_reply(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfu_hdr h = { .msg_id = x->hdr.msg_id, .cmd = x->hdr.cmd,
			     .flags = VFU_F_TYPE_REPLY };

	if (x->err != 0) {
		v->st.errors++;
		h.flags |= VFU_F_ERROR;
		h.error = (uint32_t)x->err;
		x->rep_len = 0;
		x->rep_fd = -1;
	}
	/* No_reply: the client wants no answer, an error included (it could
	 * not match it); the error is counted and traced. */
	if (x->hdr.flags & VFU_F_NO_REPLY)
		return 0;
	h.size = (uint32_t)sizeof(h) + x->rep_len;
	return vfu_send(v->conn, &h, x->rep, x->rep_len, x->rep_fd);
}

static void
msg_free(struct vfu_msg *x)
{
	vfu_close_fds(x->fds, x->nfds);
	free(x->payload);
	free(x->rep);
}

int
opnic_vfu_serve(struct opnic_vfu *v)
{
	struct vfu_msg x;
	int r, ret = 0;

	if (v->conn < 0)
		return -1;
	memset(&x, 0, sizeof(x));
	x.rep_fd = -1;
	x.owner = v;
	r = vfu_read_full(v->conn, &x.hdr, sizeof(x.hdr), x.fds, VFU_MAX_FDS,
			  &x.nfds);
	if (r != 0)
		goto close;
	if (x.hdr.size < sizeof(x.hdr) || x.hdr.size > VFU_MAX_MSG) {
		vfu_msg_error(&x, x.hdr.size < sizeof(x.hdr) ? EINVAL : E2BIG,
			      "message size %u: expected %zu..%u", x.hdr.size,
			      sizeof(x.hdr), VFU_MAX_MSG);
		/* A size below the header's cannot be framed. */
		if (x.hdr.size < sizeof(x.hdr) ||
		    x.hdr.size - sizeof(x.hdr) > VFU_DRAIN_MAX ||
		    drain(v->conn, x.hdr.size - (uint32_t)sizeof(x.hdr)) != 0) {
			x.hdr.flags &= ~(uint32_t)VFU_F_NO_REPLY;
			send_reply(v, &x);
			goto close;
		}
		goto reply;
	}
	x.len = x.hdr.size - (uint32_t)sizeof(x.hdr);
	if (x.len != 0) {
		x.payload = malloc(x.len);
		if (x.payload == NULL) {
			vfu_msg_error(&x, ENOMEM, "no memory for %u bytes", x.len);
			if (drain(v->conn, x.len) != 0)
				goto close;
			goto reply;
		}
		if (vfu_read_full(v->conn, x.payload, x.len, x.fds, VFU_MAX_FDS,
				  &x.nfds) != 0)
			goto close;
	}
	if (check_header(v, &x) == 0) {
		if (v->trace)
			vfu_log(v, "cmd %s id %u size %u fds %u",
				handlers[x.hdr.cmd].name, x.hdr.msg_id,
				x.hdr.size, x.nfds);
		pthread_mutex_lock(v->cfg.lock);
		v->st.msgs++;
		handlers[x.hdr.cmd].handle(v, &x);
		pthread_mutex_unlock(v->cfg.lock);
	}
reply:
	if (send_reply(v, &x) != 0)
		goto close;
	msg_free(&x);
	return ret;
close:
	msg_free(&x);
	vfu_conn_drop(v);
	return -1;
}
