/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The connection to opnic-model: one SOCK_SEQPACKET connection per VFIO
 * container, opened when the first group joins it, and one sender per
 * request the emulation makes (opnic_emu_proto.h). Each request waits for
 * its reply; a file (DMA memory, an MSI-X eventfd) travels with SCM_RIGHTS.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "opnic_emu_internal.h"

/* Send m (with fd when fd >= 0) and wait for the reply, in m. */
static int
model_call(int sock, struct opnic_msg *m, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(*m)) {
		emu_log("lost the NIC model (send: %s)", strerror(errno));
		errno = EIO;
		return -1;
	}
	n = recv(sock, m, sizeof(*m), 0);
	if (n != (ssize_t)sizeof(*m)) {
		emu_log("lost the NIC model (recv: %s)",
			n < 0 ? strerror(errno) : "closed");
		errno = EIO;
		return -1;
	}
	if (m->reply.status < 0) {
		if (m->reply.len > 0 && m->reply.len < sizeof(m->reply.text))
			emu_log("model: %.*s", (int)m->reply.len, m->reply.text);
		errno = -m->reply.status;
		return -1;
	}
	return 0;
}

static void
msg_init(struct opnic_msg *m, uint32_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

/* Send m about d on the connection of d's container (EINVAL when it has
 * none). */
static int
dev_call(struct emu_dev *d, struct opnic_msg *m, int fd)
{
	int sock;

	if (d->container < 0 || emu_containers.ct[d->container].sock < 0) {
		errno = EINVAL;
		return -1;
	}
	sock = emu_containers.ct[d->container].sock;
	m->dev = d->hdr.dev_index;
	return model_call(sock, m, fd);
}

/* A request about d with no payload. */
static int
dev_request(struct emu_dev *d, uint32_t type)
{
	struct opnic_msg m;

	msg_init(&m, type);
	return dev_call(d, &m, -1);
}

int
emu_model_connect(void)
{
	struct sockaddr_un {
		sa_family_t sun_family;
		char sun_path[108];
	} sa = { AF_UNIX, "" };
	int s;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" OPNIC_RUN_SOCKET,
		     emu_cfg.run) >= (int)sizeof(sa.sun_path)) {
		emu_log("run dir path too long for a UNIX socket: %s", emu_cfg.run);
		errno = ENAMETOOLONG;
		return -1;
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		emu_log("cannot reach the NIC model at %s: %s", sa.sun_path,
			strerror(errno));
		emu_real.close(s);
		errno = ENODEV;
		return -1;
	}
	emu_fd_set(s, EMU_FD_OTHER, 0);
	return s;
}

int
emu_model_attach(struct emu_dev *d)
{
	return dev_request(d, OPNIC_MSG_ATTACH);
}

int
emu_model_detach(struct emu_dev *d)
{
	return dev_request(d, OPNIC_MSG_DETACH);
}

int
emu_model_reset(struct emu_dev *d)
{
	return dev_request(d, OPNIC_MSG_RESET);
}

int
emu_model_msix(struct emu_dev *d, int enable)
{
	struct opnic_msg m;

	msg_init(&m, OPNIC_MSG_MSIX);
	m.msix.enable = enable != 0;
	return dev_call(d, &m, -1);
}

int
emu_model_irq(struct emu_dev *d, uint32_t vector, int eventfd)
{
	struct opnic_msg m;

	msg_init(&m, OPNIC_MSG_IRQ);
	m.irq.vector = vector;
	m.irq.enable = eventfd >= 0;
	return dev_call(d, &m, eventfd);
}

int
emu_model_dma_map(int sock, uint64_t iova, uint64_t len, uint64_t file_offset,
		  int fd)
{
	struct opnic_msg m;

	msg_init(&m, OPNIC_MSG_DMA_MAP);
	m.dma_map.iova = iova;
	m.dma_map.len = len;
	m.dma_map.file_offset = file_offset;
	return model_call(sock, &m, fd);
}

int
emu_model_dma_unmap(int sock, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	struct opnic_msg m;

	msg_init(&m, OPNIC_MSG_DMA_UNMAP);
	m.dma_unmap.iova = iova;
	m.dma_unmap.len = len;
	if (model_call(sock, &m, -1) != 0)
		return -1;
	*unmapped = m.reply.unmapped;
	return 0;
}
