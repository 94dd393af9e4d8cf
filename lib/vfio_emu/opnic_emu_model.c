/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The connection to opnic-model: one SOCK_SEQPACKET connection per VFIO
 * container, opened when the first group joins it. Each request waits for
 * its reply; a file (DMA memory, an MSI-X eventfd) travels with SCM_RIGHTS.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "opnic_emu_internal.h"

int
emu_model_call(int sock, struct opnic_msg *m, int fd)
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
	if (m->status < 0) {
		if (m->len > 0)
			emu_log("model: %.*s", (int)m->len, m->text);
		errno = -m->status;
		return -1;
	}
	return 0;
}

int
emu_model_connect(void)
{
	struct sockaddr_un {
		sa_family_t sun_family;
		char sun_path[108];
	} sa = { AF_UNIX, "" };
	int s;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/model.sock",
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
emu_dev_call(struct emu_dev *d, uint32_t type, uint64_t a, uint64_t b, int fd)
{
	struct opnic_msg m;

	if (d->container < 0 || emu_containers.ct[d->container].sock < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.dev = d->hdr.dev_index;
	m.a = a;
	m.b = b;
	return emu_model_call(emu_containers.ct[d->container].sock, &m, fd);
}
