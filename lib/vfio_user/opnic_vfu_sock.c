/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The vfio-user socket: AF_UNIX SOCK_STREAM, mode 0600, the messages framed
 * by their header's size. Reads are exact and have a deadline so a client
 * that stops mid-message cannot hold the control thread; fds arrive as
 * SCM_RIGHTS with the first bytes of a message and leave with a reply.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "opnic_vfu_internal.h"

int
vfu_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >=
	    (int)sizeof(sa.sun_path)) {
		snprintf(err, errlen, "vfio-user socket path '%s' too long for a "
			 "UNIX socket (max %zu bytes)", path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);
	/* Created 0600 from the start: no window where others may connect. */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || chmod(path, 0600) != 0 || listen(fd, 4) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
vfu_close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* The fds of one control message; the ones beyond max are closed. */
static void
take_fds(struct msghdr *mh, int *fds, unsigned int max, unsigned int *nfds)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (fds != NULL && *nfds < max)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

int
vfu_read_full(int sock, void *buf, size_t len, int *fds, unsigned int max,
	      unsigned int *nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * VFU_MAX_FDS)];
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { (uint8_t *)buf + got, len - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct pollfd pfd = { sock, POLLIN, 0 };
		ssize_t n;
		int r;

		r = poll(&pfd, 1, VFU_READ_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		take_fds(&mh, fds, max, nfds);
		if (n == 0)
			return got == 0 ? 1 : -1;
		got += (size_t)n;
	}
	return 0;
}

int
vfu_send(int sock, const struct vfu_hdr *h, const void *payload, size_t len,
	 int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov[2] = { { (void *)h, sizeof(*h) },
				{ (void *)payload, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len != 0 ? 2 : 1 };
	size_t total = sizeof(*h) + len, sent = 0;

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
	while (sent < total) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* A client that does not read its replies is cut
			 * after a while, not waited for forever. */
			struct pollfd pfd = { sock, POLLOUT, 0 };

			if (poll(&pfd, 1, VFU_SEND_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		sent += (size_t)n;
		if (sent == total)
			break;
		/* A partial send: the rest without the fd. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (mh.msg_iovlen > 0 && (size_t)n >= mh.msg_iov[0].iov_len) {
			n -= (ssize_t)mh.msg_iov[0].iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen > 0) {
			mh.msg_iov[0].iov_base = (uint8_t *)mh.msg_iov[0].iov_base + n;
			mh.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	return 0;
}
