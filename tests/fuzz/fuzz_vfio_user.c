/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Fuzz harness: the vfio-user server (lib/vfio_user) fed by a hostile
 * client. The input is a stream of chunks, each written to the client end
 * of a socketpair in one sendmsg with the fds it picks (a sealable memfd,
 * an eventfd, an unsealable memfd, a pipe, up to VFU_MAX_FDS + 2 of them),
 * then the server reads and answers whatever is complete. Split messages,
 * wrong sizes, fds where none belong: all must be refused, never crash.
 * A connection the server closes is replaced by a new one, as a client
 * reconnecting.
 *
 * The device is the model (lib/model) on BAR0, MSI-X BAR and config space
 * malloc'd to exactly their sizes (ASan sees any access past them); the
 * device polls after every chunk, so queues the client sets up through
 * region writes run on the memory it mapped. Checked: every reply the
 * client end receives is a framed reply (size at least the header, the
 * Reply type, no payload when it is an error), the model's IOVA map stays
 * sorted and disjoint, and no fd is left open after the input (/proc/
 * self/fd counted).
 *
 * Input: [flags] then chunks [fdsel u8][len u16][len bytes]. flags bit 0:
 * the harness negotiates a valid VERSION first (so short inputs reach the
 * device commands); bits 1-2: the profile.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "opnic_model.h"
#include "opnic_vfio_user.h"
#include "opnic_vfu_proto.h"
#include "fuzz_common.h"

#define NPROF		4
#define NFDKIND		4
#define SEND_FDS_MAX	10
#define POLLS		4

static struct opnic_profile profs[NPROF];
/* The fds a chunk may carry: memfd (sealable), eventfd, memfd (not
 * sealable), a pipe's read end. */
static int fd_kind[NFDKIND];
static int bar_memfd;

static struct {
	struct opnic_model_dev dev;
	uint8_t *bar0, *bar2, *cfg;
	int irq_fd[64];
	pthread_mutex_t lock;
	struct opnic_vfu *vu;
	int client;
	pthread_t drainer;
	int draining;
} F;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[NPROF] = {
		"tight4k", "qdma64k", "fpga8k", "separate" };
	char path[4096], err[256];
	int p[2];
	unsigned int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NPROF; i++) {
		snprintf(path, sizeof(path), "%s/%s.profile", FUZZ_CONFIG_DIR,
			 names[i]);
		if (opnic_profile_load(path, &profs[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_vfio_user: %s\n", err);
			exit(1);
		}
	}
	fd_kind[0] = memfd_create("fuzz-dma", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	fd_kind[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fd_kind[2] = memfd_create("fuzz-dma-unsealable", MFD_CLOEXEC);
	if (pipe2(p, O_CLOEXEC) != 0)
		exit(1);
	fd_kind[3] = p[0];
	bar_memfd = memfd_create("fuzz-bar", MFD_CLOEXEC);
	if (fd_kind[0] < 0 || fd_kind[1] < 0 || fd_kind[2] < 0 || bar_memfd < 0 ||
	    ftruncate(fd_kind[0], 0x40000) != 0 ||
	    ftruncate(fd_kind[2], 0x40000) != 0 ||
	    ftruncate(bar_memfd, 0x30000) != 0)
		exit(1);
	pthread_mutex_init(&F.lock, NULL);
	return 0;
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The client end: read every reply, check its framing, close its fds. */
static int
read_full(int fd, void *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { (uint8_t *)buf + got, len - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

		if (n <= 0)
			return -1;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (k = 0; k < nfd; k++) {
				int rfd;

				memcpy(&rfd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
				close(rfd);
			}
		}
		got += (size_t)n;
	}
	return 0;
}

static void *
drain(void *arg)
{
	static uint8_t buf[4096];
	int fd = (int)(intptr_t)arg;
	struct vfu_hdr h;

	while (read_full(fd, &h, sizeof(h)) == 0) {
		uint32_t left;

		FUZZ_CHECK(h.size >= sizeof(h), "reply size %u", h.size);
		FUZZ_CHECK((h.flags & VFU_F_TYPE_MASK) == VFU_F_TYPE_REPLY,
			   "reply flags 0x%x", h.flags);
		FUZZ_CHECK(!(h.flags & VFU_F_ERROR) || h.size == sizeof(h),
			   "error reply of %u bytes", h.size);
		FUZZ_CHECK(!(h.flags & VFU_F_ERROR) || h.error != 0,
			   "error reply without an errno (cmd %u)", h.cmd);
		for (left = h.size - (uint32_t)sizeof(h); left > 0;) {
			uint32_t k = left < sizeof(buf) ? left : (uint32_t)sizeof(buf);

			if (read_full(fd, buf, k) != 0)
				return NULL;
			left -= k;
		}
	}
	return NULL;
}

static int
cb_claim(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
cb_release(void *ctx)
{
	struct opnic_model_dev *m = ctx;

	opnic_model_reset(m);
	opnic_model_set_msix_ctrl(m, 0, 0);
}

static void
cb_reset(void *ctx)
{
	opnic_model_flr(ctx);
}

static void
on_irq(void *ctx, unsigned int vector)
{
	uint64_t one = 1;

	(void)ctx;
	FUZZ_CHECK(vector < F.dev.prof.msix_vectors, "interrupt on vector %u",
		   vector);
	if (F.irq_fd[vector] >= 0 && write(F.irq_fd[vector], &one, 8) < 0)
		return;	/* a full eventfd: the interrupt is pending anyway */
}

/* A new connection: the client end and a thread draining it. */
static void
connect_client(void)
{
	int sv[2];

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
		   "socketpair: %s", strerror(errno));
	F.client = sv[0];
	FUZZ_CHECK(pthread_create(&F.drainer, NULL, drain,
				  (void *)(intptr_t)sv[0]) == 0, "thread");
	F.draining = 1;
	FUZZ_CHECK(opnic_vfu_adopt(F.vu, sv[1]) == 0, "adopt refused");
}

static void
disconnect_client(void)
{
	if (!F.draining)
		return;
	shutdown(F.client, SHUT_WR);
	/* The server sees the EOF and releases the device. */
	while (opnic_vfu_conn_fd(F.vu) >= 0)
		opnic_vfu_serve(F.vu);
	pthread_join(F.drainer, NULL);
	close(F.client);
	F.draining = 0;
}

static void
send_chunk(const uint8_t *p, size_t len, uint8_t fdsel)
{
	char cbuf[CMSG_SPACE(sizeof(int) * SEND_FDS_MAX)];
	struct iovec iov = { (void *)p, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned int nfd = (fdsel >> 4) % (SEND_FDS_MAX + 1), i;

	if (nfd != 0 && len != 0) {
		struct cmsghdr *cm;
		int fds[SEND_FDS_MAX];

		for (i = 0; i < nfd; i++)
			fds[i] = fd_kind[(fdsel + i) % NFDKIND];
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfd);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfd);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfd);
	}
	if (len != 0 && sendmsg(F.client, &mh, MSG_NOSIGNAL) < 0)
		return;
}

/* Answer whatever the server can read now. */
static void
serve_pending(void)
{
	struct pollfd pfd;
	unsigned int k;

	for (;;) {
		pfd.fd = opnic_vfu_conn_fd(F.vu);
		pfd.events = POLLIN;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) != 1)
			break;
		if (opnic_vfu_serve(F.vu) != 0) {
			/* Closed by the server: the client reconnects. */
			pthread_join(F.drainer, NULL);
			close(F.client);
			F.draining = 0;
			connect_client();
			break;
		}
	}
	pthread_mutex_lock(&F.lock);
	for (k = 0; k < POLLS; k++)
		opnic_model_poll(&F.dev);
	if (F.dev.dma != NULL)
		for (k = 1; k < F.dev.dma->n; k++)
			FUZZ_CHECK(F.dev.dma->r[k - 1].iova + F.dev.dma->r[k - 1].len <=
				   F.dev.dma->r[k].iova, "IOVA map out of order");
	pthread_mutex_unlock(&F.lock);
}

static void
negotiate(void)
{
	static const char caps[] = "{\"capabilities\":{\"max_msg_fds\":8,"
				   "\"write_multiple\":true}}";
	uint8_t msg[sizeof(struct vfu_hdr) + 4 + sizeof(caps)];
	struct vfu_hdr h = { 1, VFU_CMD_VERSION, sizeof(msg), 0, 0 };

	memcpy(msg, &h, sizeof(h));
	memset(msg + sizeof(h), 0, 4);
	memcpy(msg + sizeof(h) + 4, caps, sizeof(caps));
	send_chunk(msg, sizeof(msg), 0);
	serve_pending();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0x6f, 0x70, 0, 1 };
	struct fuzz_in in = { data, size };
	const struct opnic_profile *prof;
	struct opnic_vfu_dev_cfg vc;
	char err[256];
	uint8_t flags = fuzz_u8(&in);
	int before = open_fds();

	prof = &profs[(flags >> 1) % NPROF];
	F.bar0 = calloc(1, prof->bar0_size);
	F.bar2 = prof->msix_bar ? calloc(1, prof->msix_bar_size) : NULL;
	F.cfg = calloc(1, OPNIC_CFG_SIZE);
	FUZZ_CHECK(F.bar0 && F.cfg && (!prof->msix_bar || F.bar2), "calloc");
	FUZZ_CHECK(opnic_model_init(&F.dev, prof, F.bar0, F.bar2, F.cfg, mac) == 0,
		   "model init");
	F.dev.peer = &F.dev;
	F.dev.irq = on_irq;
	memset(F.irq_fd, -1, sizeof(F.irq_fd));
	memset(&vc, 0, sizeof(vc));
	vc.m = &F.dev;
	vc.bar_fd = bar_memfd;
	vc.bar_off[0] = 0x10000;
	vc.bar_size[0] = prof->bar0_size;
	if (prof->msix_bar) {
		vc.bar_off[prof->msix_bar] = 0x20000;
		vc.bar_size[prof->msix_bar] = prof->msix_bar_size;
	}
	vc.irq_fd = F.irq_fd;
	vc.nirq = 64;
	vc.lock = &F.lock;
	vc.ctx = &F.dev;
	vc.claim = cb_claim;
	vc.release = cb_release;
	vc.reset = cb_reset;
	F.vu = opnic_vfu_create(&vc, err, sizeof(err));
	FUZZ_CHECK(F.vu != NULL, "create: %s", err);
	connect_client();
	if (flags & 1)
		negotiate();
	while (fuzz_more(&in)) {
		uint8_t fdsel = fuzz_u8(&in);
		uint16_t len = fuzz_u16(&in);
		uint8_t buf[65536];

		if (len > in.left)
			len = (uint16_t)in.left;
		fuzz_copy(&in, buf, len);
		send_chunk(buf, len, fdsel);
		serve_pending();
	}
	disconnect_client();
	opnic_vfu_destroy(F.vu);
	F.vu = NULL;
	opnic_model_fini(&F.dev);
	free(F.bar0);
	free(F.bar2);
	free(F.cfg);
	FUZZ_CHECK(open_fds() == before, "fds open: %d before the input, %d after",
		   before, open_fds());
	return 0;
}
