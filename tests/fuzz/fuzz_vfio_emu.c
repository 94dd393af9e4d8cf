/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Fuzz harness: the VFIO emulation (lib/vfio_emu) as a hostile or buggy
 * user of vfio-pci would drive it: container, group and device ioctls
 * with arbitrary argsz, flags, index, start/count, offsets, IOVAs, vaddrs
 * and names, in any order, on any fd kind; region read/write and mmap at
 * any offset; a model that answers with errors or hangs up.
 *
 * In process: the emulation's object files are compiled in without the
 * LD_PRELOAD layer (opnic_emu_interpose.c, opnic_emu.c); this file stands
 * in for it the way it dispatches (emu_fd_lookup, then the container,
 * group or device handler by fd kind, close() through the same hooks). A
 * temporary run directory holds two device files (a tight4k-like device
 * with MSI-X in BAR0, and one with its MSI-X in BAR2) and the vfio nodes;
 * a thread plays opnic-model on model.sock, checks every request it gets
 * (size, type, device index, an fd with DMA_MAP and with IRQ enable), and
 * replies with the status the input chose.
 *
 * Every argument buffer is malloc'd to exactly max(argsz, the struct's
 * fixed size) and every region buffer to its count: ASan reports a read or
 * write past what the caller gave. After each input all fds are closed:
 * then no container may be left in use, no group open or attached, no
 * model connection open, and no fd leaked.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "opnic_emu_internal.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- what opnic_emu.c and opnic_emu_interpose.c define ---- */

struct emu_config emu_cfg;
struct emu_libc emu_real;
static int verbose;

void
emu_libc_resolve(void)
{
	emu_real.open = open;
	emu_real.openat = openat;
	emu_real.close = close;
	emu_real.ioctl = (int (*)(int, unsigned long, ...))ioctl;
	emu_real.mmap = mmap;
	emu_real.pread = pread;
	emu_real.pwrite = pwrite;
	emu_real.stat = stat;
	emu_real.lstat = lstat;
	emu_real.access = access;
	emu_real.opendir = opendir;
	emu_real.sysconf = sysconf;
	emu_real.getauxval = getauxval;
}

void
emu_log(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fputs("opnic-vfio-emu: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The interposer's close(): our objects first, then libc. */
static int
h_close(int fd)
{
	struct emu_fd *e = emu_cfg.active ? emu_fd_entry(fd) : NULL;

	if (e != NULL) {
		if (e->kind == EMU_FD_CONTAINER)
			emu_container_close(e->obj);
		else if (e->kind == EMU_FD_GROUP)
			emu_group_close(e->obj);
		e->kind = EMU_FD_UNKNOWN;
	}
	return close(fd);
}

/* The interposer's ioctl(): by fd kind (container and device numbers
 * would collide otherwise). Not ours: -1 ENOTTY as from a plain file. */
static int
h_ioctl(int fd, unsigned long req, void *arg)
{
	struct emu_fd *e = emu_fd_lookup(fd);
	int r;

	if (e == NULL) {
		errno = ENOTTY;
		return -1;
	}
	switch (e->kind) {
	case EMU_FD_CONTAINER: r = emu_container_ioctl(e->obj, req, arg); break;
	case EMU_FD_GROUP: r = emu_group_ioctl(e->obj, req, arg); break;
	case EMU_FD_DEVICE: r = emu_device_ioctl(e->obj, req, arg); break;
	default:
		errno = ENOTTY;
		return -1;
	}
	if (verbose)
		fprintf(stderr, "ioctl fd %d kind %u req 0x%lx -> %d %s\n", fd,
			e->kind, req, r, r < 0 ? strerror(errno) : "");
	return r;
}

/* ---- the run directory and a model that answers ---- */

#define NDEV 2
static char run_dir[128];
static struct emu_dev saved_dev[OPNIC_MAX_DEVICES];
static int listen_fd = -1;
static uint8_t *dma_mem;	/* shared memory the model can be given */
#define DMA_MEM_SIZE (1u << 20)

static struct {
	int32_t status;		/* reply status the input chose */
	int hangup;		/* close the next connection that talks */
	int conns;		/* open connections */
	int owner[NDEV];	/* connection the device is attached on, or -1 */
} model = { .owner = { -1, -1 } };

static const struct {
	uint32_t bar_size[6];
	uint32_t msix_bar, msix_table, msix_pba, msix_vectors;
} dev_layout[NDEV] = {
	{ { 0x10000, 0, 0, 0, 0, 0 }, 0, 0x3000, 0x3800, 4 },	/* tight4k */
	{ { 0x10000, 0, 0x10000, 0, 0, 0 }, 2, 0x0000, 0x0800, 4 },	/* separate */
};

static void
write_file(const char *path, const void *data, size_t len, size_t total)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	FUZZ_CHECK(fd >= 0, "%s: %s", path, strerror(errno));
	FUZZ_CHECK(ftruncate(fd, (off_t)total) == 0, "truncate");
	FUZZ_CHECK(len == 0 || pwrite(fd, data, len, 0) == (ssize_t)len, "write");
	close(fd);
}

static void
make_run_dir(void)
{
	char path[256];
	unsigned int i, b;

	snprintf(run_dir, sizeof(run_dir), "/tmp/opnic-fuzz-vfio-%d-XXXXXX",
		 (int)getpid());
	FUZZ_CHECK(mkdtemp(run_dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/vfio", run_dir);
	FUZZ_CHECK(mkdir(path, 0700) == 0, "mkdir");
	snprintf(path, sizeof(path), "%s/" OPNIC_RUN_CONTAINER, run_dir);
	write_file(path, NULL, 0, 0);
	for (i = 0; i < NDEV; i++) {
		struct opnic_shm_hdr h;
		uint64_t off = OPNIC_SHM_BAR_OFF;
		uint8_t cfg[EMU_CFG_SIZE];
		char *img;

		memset(&h, 0, sizeof(h));
		h.magic = OPNIC_SHM_MAGIC;
		h.version = OPNIC_SHM_VERSION;
		h.dev_index = i;
		h.iommu_group = OPNIC_GROUP_BASE + i;
		snprintf(h.bdf, sizeof(h.bdf), OPNIC_BDF_FMT, i);
		snprintf(h.profile, sizeof(h.profile), i ? "separate" : "tight4k");
		for (b = 0; b < 6; b++) {
			h.bar_size[b] = dev_layout[i].bar_size[b];
			if (h.bar_size[b] != 0) {
				h.bar_off[b] = off;
				off += h.bar_size[b];
			}
		}
		h.msix_bar = dev_layout[i].msix_bar;
		h.msix_table = dev_layout[i].msix_table;
		h.msix_pba = dev_layout[i].msix_pba;
		h.msix_vectors = dev_layout[i].msix_vectors;
		h.model_pid = (uint32_t)getpid();
		h.file_size = off;
		img = calloc(1, off);
		FUZZ_CHECK(img != NULL, "oom");
		memcpy(img, &h, sizeof(h));
		memset(cfg, 0, sizeof(cfg));
		cfg[PCI_VENDOR_ID] = OPNIC_PCI_VENDOR_ID & 0xff;
		cfg[PCI_VENDOR_ID + 1] = OPNIC_PCI_VENDOR_ID >> 8;
		memcpy(img + OPNIC_SHM_CFG_OFF, cfg, sizeof(cfg));
		snprintf(path, sizeof(path), "%s/" OPNIC_RUN_DEV_FMT, run_dir, i);
		write_file(path, img, off, off);
		free(img);
		snprintf(path, sizeof(path), "%s/" OPNIC_RUN_GROUP_FMT, run_dir,
			 h.iommu_group);
		write_file(path, NULL, 0, 0);
	}
}

static void
check_request(const struct opnic_msg *m, ssize_t n, int fd)
{
	FUZZ_CHECK(n == (ssize_t)sizeof(*m), "request of %zd bytes", n);
	FUZZ_CHECK(m->type >= OPNIC_MSG_ATTACH && m->type <= OPNIC_MSG_RESET,
		   "request type %u from the emulation", m->type);
	if (m->type != OPNIC_MSG_DMA_MAP && m->type != OPNIC_MSG_DMA_UNMAP)
		FUZZ_CHECK(m->dev < NDEV, "request for device %u", m->dev);
	if (m->type == OPNIC_MSG_DMA_MAP) {
		FUZZ_CHECK(fd >= 0, "DMA_MAP without its memory");
		FUZZ_CHECK(m->dma_map.len != 0 &&
			   m->dma_map.iova + m->dma_map.len - 1 >= m->dma_map.iova,
			   "DMA_MAP of iova 0x%llx len 0x%llx",
			   (unsigned long long)m->dma_map.iova,
			   (unsigned long long)m->dma_map.len);
	}
	if (m->type == OPNIC_MSG_IRQ)
		FUZZ_CHECK((fd >= 0) == (m->irq.enable != 0),
			   "IRQ enable %u with fd %d", m->irq.enable, fd);
	else if (m->type != OPNIC_MSG_DMA_MAP)
		FUZZ_CHECK(fd < 0, "request type %u with an fd", m->type);
}

/* One request on connection c: 0, or -1 when it is closed. */
static int
serve(int c)
{
	struct opnic_msg m;
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd = -1, nfds = 0;
	uint32_t type, dev;
	uint64_t len;
	ssize_t n;

	n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int k, cnt = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (k = 0; k < cnt; k++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
				if (fd < 0)
					fd = f;
				else
					close(f);
				nfds++;
			}
		}
	FUZZ_CHECK(nfds <= 1, "%d fds with one request", nfds);
	check_request(&m, n, fd);
	if (fd >= 0)
		close(fd);
	if (__atomic_exchange_n(&model.hangup, 0, __ATOMIC_ACQ_REL))
		return -1;
	len = m.type == OPNIC_MSG_DMA_UNMAP ? m.dma_unmap.len : 0;
	type = m.type;
	dev = m.dev;
	memset(&m.reply, 0, sizeof(m.reply));
	m.reply.status = __atomic_load_n(&model.status, __ATOMIC_ACQUIRE);
	/* Ownership as lib/model_server does it: one connection at a time. */
	if (m.reply.status == 0 && type == OPNIC_MSG_ATTACH) {
		if (model.owner[dev] >= 0 && model.owner[dev] != c)
			m.reply.status = -EBUSY;
		else
			__atomic_store_n(&model.owner[dev], c, __ATOMIC_RELEASE);
	} else if (m.reply.status == 0 && type == OPNIC_MSG_DETACH &&
		   model.owner[dev] == c) {
		__atomic_store_n(&model.owner[dev], -1, __ATOMIC_RELEASE);
	}
	m.reply.unmapped = m.reply.status == 0 ? len : 0;
	if (m.reply.status < 0)
		m.reply.len = (uint32_t)snprintf(m.reply.text, sizeof(m.reply.text),
						 "fake model: error %d", m.reply.status);
	if (send(c, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return -1;
	return 0;
}

static void *
model_thread(void *arg)
{
	struct pollfd pf[1 + EMU_MAX_CONTAINERS * 2];
	int n = 1, i;

	(void)arg;
	pf[0] = (struct pollfd){ listen_fd, POLLIN, 0 };
	for (;;) {
		if (poll(pf, (nfds_t)n, -1) < 0)
			continue;
		for (i = n - 1; i >= 1; i--) {
			if (pf[i].revents == 0)
				continue;
			if (serve(pf[i].fd) != 0) {
				int k;

				/* A closed connection releases its devices
				 * (server_conn_close), before the peer sees
				 * the close. */
				for (k = 0; k < NDEV; k++)
					if (model.owner[k] == pf[i].fd)
						__atomic_store_n(&model.owner[k], -1,
								 __ATOMIC_RELEASE);
				close(pf[i].fd);
				pf[i] = pf[--n];
				__atomic_fetch_sub(&model.conns, 1, __ATOMIC_ACQ_REL);
			}
		}
		if (pf[0].revents & POLLIN) {
			int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && n < (int)(sizeof(pf) / sizeof(pf[0]))) {
				pf[n++] = (struct pollfd){ c, POLLIN, 0 };
				__atomic_fetch_add(&model.conns, 1, __ATOMIC_ACQ_REL);
			} else if (c >= 0) {
				close(c);
			}
		}
	}
	return NULL;
}

static void
start_model(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" OPNIC_RUN_SOCKET, run_dir);
	listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(listen_fd >= 0 &&
		   bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		   listen(listen_fd, 64) == 0, "model socket: %s", strerror(errno));
	FUZZ_CHECK(pthread_create(&t, NULL, model_thread, NULL) == 0, "thread");
	pthread_detach(t);
}

static void
remove_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_vfio_emu: could not remove %s\n", dir);
}

static void
remove_run_dir(void)
{
	remove_dir(run_dir);
}

/* A crash skips atexit(): the run directories of processes that are gone
 * are removed by the next one. */
static void
remove_stale_run_dirs(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[300];
		int pid;

		if (sscanf(e->d_name, "opnic-fuzz-vfio-%d-", &pid) != 1 ||
		    pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
		remove_dir(path);
	}
	closedir(d);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct stat st;
	char path[256];
	int fd;

	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	unsetenv("OPNIC_EMU_BAR0_SIZE");
	unsetenv("OPNIC_PAGE_SIZE");
	emu_libc_resolve();
	remove_stale_run_dirs();
	make_run_dir();
	atexit(remove_run_dir);
	start_model();
	/* What emu_init() does with OPNIC_RUN_DIR set. */
	snprintf(emu_cfg.run, sizeof(emu_cfg.run), "%s", run_dir);
	FUZZ_CHECK(emu_page_init() == 0, "page init");
	snprintf(path, sizeof(path), "%s/" OPNIC_RUN_CONTAINER, run_dir);
	FUZZ_CHECK(stat(path, &st) == 0, "stat %s", path);
	emu_cfg.container_ino = st.st_ino;
	emu_devices_load();
	FUZZ_CHECK(emu_devices.dev[0].present && emu_devices.dev[1].present,
		   "device files not loaded");
	emu_cfg.active = 1;
	memcpy(saved_dev, emu_devices.dev, sizeof(saved_dev));
	/* Shared, file-backed memory: what DMA_MAP can pass to the model. */
	fd = memfd_create("fuzz_dma", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0 && ftruncate(fd, DMA_MEM_SIZE) == 0, "memfd");
	dma_mem = mmap(NULL, DMA_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	FUZZ_CHECK(dma_mem != MAP_FAILED, "mmap");
	close(fd);
	return 0;
}

/* ---- the program ---- */

#define MAX_FDS 24

struct state {
	int fds[MAX_FDS];	/* what we opened: emulated fds and eventfds */
	unsigned int nfds;
	int lowest_free_fd;	/* before the input */
};

static void
track(struct state *s, int fd)
{
	if (fd < 0)
		return;
	if (s->nfds == MAX_FDS) {
		h_close(fd);
		return;
	}
	s->fds[s->nfds++] = fd;
}

static int
pick_fd(struct state *s, struct fuzz_in *in)
{
	uint8_t k = fuzz_u8(in);

	/* No fd of ours: none, or a number that is not open (what is open
	 * but not ours is libFuzzer's, not for the emulation to write to). */
	if (k == 0xff)
		return (fuzz_u8(in) & 1) ? -1 : 1000 + fuzz_u8(in);
	return s->nfds != 0 ? s->fds[k % s->nfds] : -1;
}

static const unsigned long reqs[] = {
	VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU,
	VFIO_GROUP_GET_STATUS, VFIO_GROUP_SET_CONTAINER,
	VFIO_GROUP_UNSET_CONTAINER, VFIO_GROUP_GET_DEVICE_FD,
	VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO,
	VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_SET_IRQS, VFIO_DEVICE_RESET,
	VFIO_IOMMU_GET_INFO, VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA,
};

static size_t
req_minsz(unsigned long req)
{
	switch (req) {
	case VFIO_GROUP_GET_STATUS: return sizeof(struct vfio_group_status);
	case VFIO_DEVICE_GET_INFO: return sizeof(struct vfio_device_info);
	case VFIO_DEVICE_GET_REGION_INFO: return sizeof(struct vfio_region_info);
	case VFIO_DEVICE_GET_IRQ_INFO: return sizeof(struct vfio_irq_info);
	case VFIO_DEVICE_SET_IRQS: return sizeof(struct vfio_irq_set);
	case VFIO_IOMMU_GET_INFO: return sizeof(struct vfio_iommu_type1_info);
	case VFIO_IOMMU_MAP_DMA: return sizeof(struct vfio_iommu_type1_dma_map);
	case VFIO_IOMMU_UNMAP_DMA: return sizeof(struct vfio_iommu_type1_dma_unmap);
	default: return 0;
	}
}

static void
do_ioctl(struct state *s, struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	int fd = pick_fd(s, in);
	unsigned long req;
	size_t minsz, len;
	uint32_t argsz;
	uint8_t *buf;
	int r;

	/* sel: bits 0..3 the request (15: any number), 0x80 a plausible
	 * argsz, 0x40 / 0x20 a DMA map of the shared memory / of a size in it */
	_Static_assert(sizeof(reqs) / sizeof(reqs[0]) == 15, "15 requests");
	if ((sel & 0x0f) == 0x0f)
		req = fuzz_u32(in);
	else
		req = reqs[sel & 0x0f];
	minsz = req_minsz(req);
	if (minsz == 0) {
		if (req == VFIO_GROUP_SET_CONTAINER) {
			int *cfd = malloc(sizeof(int));

			*cfd = pick_fd(s, in);
			h_ioctl(fd, req, cfd);
			free(cfd);
		} else if (req == VFIO_GROUP_GET_DEVICE_FD) {
			char name[24];
			uint8_t how = fuzz_u8(in);
			char *arg;

			if (how < 0xc0)
				snprintf(name, sizeof(name), OPNIC_BDF_FMT, how % 3);
			else {
				fuzz_copy(in, name, how & 0x0f);
				name[how & 0x0f] = '\0';
			}
			arg = strdup(name);	/* exactly the string */
			r = h_ioctl(fd, req, arg);
			free(arg);
			if (r >= 0)
				track(s, r);
		} else {
			h_ioctl(fd, req, (void *)(uintptr_t)fuzz_u64(in));
		}
		return;
	}
	argsz = fuzz_u16(in);
	if (sel & 0x80)		/* mostly a plausible argsz */
		argsz = (uint32_t)minsz + (argsz & 0xff);
	len = argsz > minsz ? argsz : minsz;
	buf = malloc(len);
	FUZZ_CHECK(buf != NULL, "oom");
	fuzz_copy(in, buf, len < 64 ? len : 64);
	if (len > 64)
		memset(buf + 64, 0, len - 64);
	memcpy(buf, &argsz, sizeof(argsz));
	if (req == VFIO_IOMMU_MAP_DMA && (sel & 0x40)) {
		/* vaddr in the shared DMA memory, page aligned */
		struct vfio_iommu_type1_dma_map *dm = (void *)buf;

		dm->vaddr = (uint64_t)(uintptr_t)dma_mem +
			    ((dm->vaddr & (DMA_MEM_SIZE - 1)) & ~0xfffull);
		if (sel & 0x20)
			dm->size = (dm->size & (DMA_MEM_SIZE - 1)) & ~0xfffull;
	}
	if (req == VFIO_DEVICE_SET_IRQS) {
		/* Every int32 of the data (as eventfds): a new eventfd, -1,
		 * or a number that is not open. As bools, the low byte's
		 * bit 0 set or not, as the fuzzer chose. */
		struct vfio_irq_set *is = (void *)buf;
		unsigned int k;

		for (k = 0; minsz + 4 * (k + 1) <= len; k++) {
			int32_t efd = -1;

			if ((is->data[4 * k] & 1) && s->nfds < MAX_FDS) {
				efd = eventfd(0, EFD_CLOEXEC);
				track(s, efd);
			}
			/* or a number that is no open fd: never one of the
			 * process's own (stderr, libFuzzer's files) */
			if (is->data[4 * k] & 2)
				efd = 1000 + is->data[4 * k + 1];
			memcpy(is->data + 4 * k, &efd, sizeof(efd));
		}
	}
	h_ioctl(fd, req, buf);
	free(buf);
}

static void
do_region(struct state *s, struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	int fd = pick_fd(s, in);
	struct emu_fd *e = emu_fd_lookup(fd);
	uint64_t pos = fuzz_u32(in);
	uint32_t count = fuzz_u16(in);
	uint8_t *buf;

	if (e == NULL || e->kind != EMU_FD_DEVICE)
		return;
	if (sel & 0x80)
		pos = (uint64_t)(sel & 0xf) << EMU_REGION_SHIFT | (pos & 0x1ffff);
	else if (sel & 0x40)
		pos = fuzz_u64(in);
	if (sel & 0x20) {	/* mmap */
		int flags = (sel & 0x10) ? MAP_SHARED : MAP_PRIVATE;
		void *p;

		count = (sel & 0x08) ? count : (count & ~0xfffu) + 0x1000;
		p = emu_region_mmap(&emu_devices.dev[e->obj], NULL, count,
				    PROT_READ | PROT_WRITE, flags, fd, (off_t)pos);
		if (p != MAP_FAILED)
			munmap(p, count);
		return;
	}
	count = (sel & 0x08) ? count : count & 0xff;
	buf = malloc(count != 0 ? count : 1);
	FUZZ_CHECK(buf != NULL, "oom");
	fuzz_copy(in, buf, count < 16 ? count : 16);
	if (count > 16)
		memset(buf + 16, 0, count - 16);
	emu_region_rw(fd, &emu_devices.dev[e->obj], buf, count, pos, sel & 0x10);
	free(buf);
}

/*
 * Closing a group fd takes the group out of its container (the kernel's
 * vfio_group_try_dissolve_container): the model must no longer have the
 * device attached (the regression input
 * tests/fuzz/corpus/fuzz_vfio_emu/group-closed-no-detach: the emulation
 * used to send no DETACH, so the device stayed attached and running).
 */
static void
close_checked(int fd)
{
	struct emu_fd *e = emu_fd_entry(fd);
	int dev = -1, answering;

	if (e != NULL && e->kind == EMU_FD_GROUP)
		dev = e->obj;
	/* A model told to answer errors (op 6) may refuse the DETACH too;
	 * the real one never does (lib/model_server handle_detach). */
	answering = __atomic_load_n(&model.status, __ATOMIC_ACQUIRE) == 0 &&
		    !__atomic_load_n(&model.hangup, __ATOMIC_ACQUIRE);
	h_close(fd);
	if (answering && dev >= 0 && dev < NDEV)
		FUZZ_CHECK(__atomic_load_n(&model.owner[dev], __ATOMIC_ACQUIRE) < 0,
			   "group of device %d closed, the model still has the "
			   "device attached (no DETACH sent)", dev);
}

/* After every operation: a group in a container means that container is
 * open. Otherwise the group's requests go out on the fd number of the
 * closed container's model connection, which by then may be any file. */
static void
check_state(void)
{
	unsigned int i;

	for (i = 0; i < NDEV; i++) {
		const struct emu_dev *d = &emu_devices.dev[i];

		if (d->container < 0)
			continue;
		FUZZ_CHECK(d->container < EMU_MAX_CONTAINERS &&
			   emu_containers.ct[d->container].used,
			   "device %u's group is in container %d, which was "
			   "closed (its model socket fd %d is closed too, and "
			   "still used for the device's requests)", i,
			   d->container, emu_containers.ct[d->container].sock);
	}
}

static void
run(struct state *s, struct fuzz_in *in)
{
	unsigned int nops = 0;

	while (fuzz_more(in) && nops++ < 256) {
		uint8_t op = fuzz_u8(in);
		char node[8];
		unsigned int i;
		int fd;

		switch (op & 7) {
		case 0:
			track(s, emu_container_open((op & 0x80) ? O_CLOEXEC : 0));
			break;
		case 1:
			if (op & 0x80) {
				fuzz_copy(in, node, 3);
				node[3] = '\0';
			} else {
				snprintf(node, sizeof(node), "%u",
					 OPNIC_GROUP_BASE + ((op >> 3) % 3));
			}
			track(s, emu_group_open(node, O_CLOEXEC));
			break;
		case 2:
		case 3:
			do_ioctl(s, in);
			break;
		case 4:
			do_region(s, in);
			break;
		case 5:	/* close one */
			if (s->nfds == 0)
				break;
			i = fuzz_u8(in) % s->nfds;
			fd = s->fds[i];
			s->fds[i] = s->fds[--s->nfds];
			close_checked(fd);
			break;
		case 6:	/* the model's next answers */
			__atomic_store_n(&model.status,
					 (op & 0x80) ? -(int32_t)(fuzz_u8(in) % 134) : 0,
					 __ATOMIC_RELEASE);
			if (op & 0x40)
				__atomic_store_n(&model.hangup, 1, __ATOMIC_RELEASE);
			break;
		default:	/* surprise removal, and back */
			i = (op >> 3) & 1;
			memset(emu_devices.dev[i].cfg, (op & 0x40) ? 0xff : 0x0f, 2);
			break;
		}
		check_state();
	}
}

static void
reset(struct state *s)
{
	unsigned int i, j, waited;
	int fd;

	while (s->nfds != 0)
		h_close(s->fds[--s->nfds]);
	for (i = 0; i < EMU_MAX_CONTAINERS; i++)
		FUZZ_CHECK(!emu_containers.ct[i].used,
			   "container %u in use with every fd closed", i);
	for (i = 0; i < NDEV; i++) {
		struct emu_dev *d = &emu_devices.dev[i];

		FUZZ_CHECK(!d->group_open && d->container == -1,
			   "device %u: group open %d, container %d with every fd "
			   "closed", i, d->group_open, d->container);
		/* The triggers vfio-pci drops when the device fd closes. */
		for (j = 0; j < EMU_MAX_VECTORS; j++)
			if (d->irq_fd[j] >= 0)
				h_close(d->irq_fd[j]);
		d->cfg[PCI_VENDOR_ID] = OPNIC_PCI_VENDOR_ID & 0xff;
		d->cfg[PCI_VENDOR_ID + 1] = OPNIC_PCI_VENDOR_ID >> 8;
		d->cfg[PCI_COMMAND] = 0;
		d->cfg[PCI_COMMAND + 1] = 0;
	}
	memcpy(emu_devices.dev, saved_dev, sizeof(saved_dev));
	model.status = 0;
	model.hangup = 0;
	/* The model thread sees each hang-up soon after. */
	for (waited = 0; __atomic_load_n(&model.conns, __ATOMIC_ACQUIRE) != 0 &&
	     waited < 20000; waited++)
		usleep(100);
	FUZZ_CHECK(model.conns == 0, "%d model connections left open", model.conns);
	fd = open("/dev/null", O_RDONLY);
	FUZZ_CHECK(fd <= s->lowest_free_fd,
		   "fd leak: the lowest free fd is %d, was %d before the input",
		   fd, s->lowest_free_fd);
	h_close(fd);
}

/* The lowest fd number free now (libFuzzer's own files come and go
 * between inputs, e.g. while merging). */
static int
lowest_free(void)
{
	int fd = open("/dev/null", O_RDONLY);

	h_close(fd);
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct state s = { .nfds = 0 };
	uint8_t cfg;

	if (size < 1)
		return 0;
	cfg = fuzz_u8(&in);
	emu_cfg.hole = cfg & 1;
	if (cfg & 2)
		setenv("OPNIC_PAGE_SIZE", "65536", 1);
	else
		unsetenv("OPNIC_PAGE_SIZE");
	FUZZ_CHECK(emu_page_init() == 0, "page init");
	s.lowest_free_fd = lowest_free();
	run(&s, &in);
	reset(&s);
	return 0;
}
