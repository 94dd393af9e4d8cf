/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Userspace emulation of Linux vfio-pci for the opnic model, loaded with
 * LD_PRELOAD into an unmodified DPDK application. It answers the
 * /dev/vfio/vfio container, the /dev/vfio/<group> nodes and the device fd
 * (ioctl, pread/pwrite on regions, mmap of BARs) the way vfio-pci does, with
 * two selectable kernel behaviours and host page sizes:
 *
 *   OPNIC_KERNEL=mappable  Linux >= 4.16: the MSI-X BAR carries the
 *                          MSIX_MAPPABLE capability; the whole BAR maps.
 *   OPNIC_KERNEL=hole      Linux 4.7 .. 4.15: a SPARSE_MMAP capability lists
 *                          the areas around the host page(s) of the MSI-X
 *                          table; mmap overlapping the table fails (EINVAL).
 *   OPNIC_PAGE_SIZE=4096|65536  the page size the process sees (sysconf,
 *                          getpagesize, getauxval) and vfio applies.
 *
 * Every emulated fd is a real fd of a file in the run directory (container,
 * group and device files), so fds survive fork. Region read/write is a real
 * pread/pwrite on the device's shared-memory file: one syscall per access,
 * as with the kernel. Anything that is not ours goes straight to libc.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "opnic_emu_proto.h"

/* Built without _FILE_OFFSET_BITS=64 so that open/open64, mmap/mmap64 ...
 * are distinct symbols we can both define; off_t is 64-bit on every target
 * (x86_64, ppc64le), and so is struct stat == struct stat64. */
_Static_assert(sizeof(off_t) == 8, "64-bit off_t");
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "stat64");

#define EXPORT __attribute__((visibility("default")))
#define FD_MAX 65536
#define MAX_CONTAINERS 16
#define REGION_SHIFT 40
#define CFG_SIZE 4096
#define PHYS_BASE 0xfe000000ull

enum fd_kind {
	FD_UNKNOWN = 0,	/* not looked at yet */
	FD_OTHER,	/* not ours */
	FD_CONTAINER,
	FD_GROUP,
	FD_DEVICE,
};

struct emu_container {
	int used;
	int sock;		/* connection to the model, -1 until a group joins */
	int iommu_set;
	int ngroups;
};

struct emu_dev {
	int present;
	struct opnic_shm_hdr hdr;
	char shm_path[PATH_MAX];
	ino_t ino;
	ino_t group_ino;
	int group_open;		/* a group fd is open (vfio allows one) */
	int group_inherited;	/* group fd received from a DPDK primary */
	int container;		/* index, -1 when the group has none */
	uint8_t *cfg;		/* shared config space */
	uint32_t vbar[6];	/* virtualized BAR registers */
	int irq_fd[64];		/* dup of each MSI-X trigger, for BOOL trigger */
};

struct fd_entry {
	uint8_t kind;
	int8_t obj;		/* container or device index */
};

static struct {
	int active;
	int trace;		/* OPNIC_EMU_TRACE=1: log every emulated call */
	char run[200];		/* run dir; a UNIX socket path must fit */
	int hole;		/* kernel without MSIX_MAPPABLE */
	long page;
	ino_t container_ino;
	struct emu_dev dev[OPNIC_MAX_DEVICES];
	struct emu_container ct[MAX_CONTAINERS];
	struct fd_entry fds[FD_MAX];
} E;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static int (*real_stat)(const char *, struct stat *);
static int (*real_lstat)(const char *, struct stat *);
static int (*real_access)(const char *, int);
static DIR *(*real_opendir)(const char *);
static long (*real_sysconf)(int);
static unsigned long (*real_getauxval)(unsigned long);

static void
emu_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "opnic-vfio-emu: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, (size_t)n) < 0)
		return;
}

static void
resolve(void)
{
	if (real_open != NULL)
		return;
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_close = dlsym(RTLD_NEXT, "close");
	real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	real_mmap = dlsym(RTLD_NEXT, "mmap");
	real_pread = dlsym(RTLD_NEXT, "pread");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_stat = dlsym(RTLD_NEXT, "stat");
	real_lstat = dlsym(RTLD_NEXT, "lstat");
	real_access = dlsym(RTLD_NEXT, "access");
	real_opendir = dlsym(RTLD_NEXT, "opendir");
	real_sysconf = dlsym(RTLD_NEXT, "sysconf");
	real_getauxval = dlsym(RTLD_NEXT, "getauxval");
	__atomic_store_n(&real_open,
			 (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"),
			 __ATOMIC_RELEASE);
}

/*
 * Test hook for a device whose BAR0 is smaller than its registers need (a
 * bitstream built with the wrong BAR size): OPNIC_EMU_BAR0_SIZE makes the
 * kernel side report a smaller BAR0 (a power of two >= 4 KiB). The model
 * keeps its full register file; the driver must refuse the device.
 */
static void
shrink_bar0(struct emu_dev *d)
{
	const char *s = getenv("OPNIC_EMU_BAR0_SIZE");
	unsigned long v;
	char *end;

	if (s == NULL)
		return;
	v = strtoul(s, &end, 0);
	if (*end != '\0' || v < 4096 || (v & (v - 1)) != 0 ||
	    v >= d->hdr.bar_size[0]) {
		emu_log("OPNIC_EMU_BAR0_SIZE='%s' ignored: expected a power of two "
			"from 0x1000 to below 0x%x", s, d->hdr.bar_size[0]);
		return;
	}
	d->hdr.bar_size[0] = (uint32_t)v;
}

static void
load_devices(void)
{
	unsigned int i;

	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		struct emu_dev *d = &E.dev[i];
		char gpath[PATH_MAX];
		struct stat st;
		void *cfg;
		int fd;

		snprintf(d->shm_path, sizeof(d->shm_path), "%s/dev%u.shm", E.run, i);
		fd = real_open(d->shm_path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (real_pread(fd, &d->hdr, sizeof(d->hdr), 0) != sizeof(d->hdr) ||
		    d->hdr.magic != OPNIC_SHM_MAGIC ||
		    d->hdr.version != OPNIC_SHM_VERSION || fstat(fd, &st) != 0) {
			emu_log("%s: not an opnic device file (bad magic or version)",
				d->shm_path);
			real_close(fd);
			continue;
		}
		/* From file offset 0: an mmap offset must be a multiple of the
		 * kernel's page size, 64 KiB on ppc64. */
		cfg = real_mmap(NULL, OPNIC_SHM_BAR_OFF, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);
		if (cfg != MAP_FAILED)
			cfg = (uint8_t *)cfg + OPNIC_SHM_CFG_OFF;
		real_close(fd);
		if (cfg == MAP_FAILED)
			continue;
		snprintf(gpath, sizeof(gpath), "%s/vfio/%u", E.run, d->hdr.iommu_group);
		if (real_stat(gpath, &st) != 0)
			continue;
		d->group_ino = st.st_ino;
		if (real_stat(d->shm_path, &st) != 0)
			continue;
		d->ino = st.st_ino;
		d->cfg = cfg;
		d->container = -1;
		shrink_bar0(d);
		for (unsigned int b = 0; b < 6; b++) {
			uint32_t flags = PCI_BASE_ADDRESS_MEM_TYPE_64;

			d->vbar[b] = 0;
			if (d->hdr.bar_size[b] != 0)
				d->vbar[b] = (uint32_t)(PHYS_BASE + i * 0x100000 +
						       b * 0x10000) | flags;
		}
		memset(d->irq_fd, -1, sizeof(d->irq_fd));
		d->present = 1;
	}
}

__attribute__((constructor)) static void
emu_init(void)
{
	const char *run = getenv("OPNIC_RUN_DIR");
	const char *k = getenv("OPNIC_KERNEL");
	const char *pg = getenv("OPNIC_PAGE_SIZE");
	char path[PATH_MAX];
	struct stat st;

	resolve();
	if (run == NULL || run[0] == '\0')
		return;
	if (strlen(run) >= sizeof(E.run) - 16) {
		emu_log("OPNIC_RUN_DIR '%s' is too long (max %zu bytes)", run,
			sizeof(E.run) - 16);
		_exit(2);
	}
	snprintf(E.run, sizeof(E.run), "%s", run);
	E.hole = k != NULL && strcmp(k, "hole") == 0;
	E.trace = getenv("OPNIC_EMU_TRACE") != NULL;
	if (k != NULL && strcmp(k, "hole") != 0 && strcmp(k, "mappable") != 0) {
		emu_log("OPNIC_KERNEL='%s': expected 'mappable' or 'hole'", k);
		_exit(2);
	}
	E.page = real_sysconf(_SC_PAGESIZE);
	if (pg != NULL && pg[0] != '\0') {
		char *end;
		long v = strtol(pg, &end, 0);

		if (*end != '\0' || (v != 4096 && v != 65536)) {
			emu_log("OPNIC_PAGE_SIZE='%s': expected 4096 or 65536", pg);
			_exit(2);
		}
		E.page = v;
	}
	snprintf(path, sizeof(path), "%s/vfio/vfio", E.run);
	if (real_stat(path, &st) != 0) {
		emu_log("%s missing: is opnic-model running for this run dir?", path);
		return;
	}
	E.container_ino = st.st_ino;
	load_devices();
	E.active = 1;
}

/* ---- page size as the process sees it ---- */

EXPORT long
sysconf(int name)
{
	resolve();
	if (E.active && (name == _SC_PAGESIZE))
		return E.page;
	return real_sysconf(name);
}

EXPORT int
getpagesize(void)
{
	resolve();
	return E.active ? (int)E.page : (int)real_sysconf(_SC_PAGESIZE);
}

EXPORT unsigned long
getauxval(unsigned long type)
{
	resolve();
	if (E.active && type == AT_PAGESZ)
		return (unsigned long)E.page;
	return real_getauxval(type);
}

/* ---- fd bookkeeping ---- */

static void
fd_set_kind(int fd, uint8_t kind, int obj)
{
	if (fd >= 0 && fd < FD_MAX) {
		E.fds[fd].kind = kind;
		E.fds[fd].obj = (int8_t)obj;
	}
}

static int container_alloc(void);

/* What an fd is; fds we did not open (inherited, received) are identified
 * by the inode of the file behind them. */
static struct fd_entry *
fd_lookup(int fd)
{
	struct fd_entry *e;
	struct stat st;
	unsigned int i;

	if (!E.active || fd < 0 || fd >= FD_MAX)
		return NULL;
	e = &E.fds[fd];
	if (e->kind == FD_OTHER)
		return NULL;
	if (e->kind != FD_UNKNOWN)
		return e;
	e->kind = FD_OTHER;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		if (!E.dev[i].present)
			continue;
		if (st.st_ino == E.dev[i].ino) {
			fd_set_kind(fd, FD_DEVICE, (int)i);
			return e;
		}
		/* A DPDK secondary process gets the primary's group fd over
		 * the multi-process channel: the group is already in a
		 * container with its IOMMU set up by the primary. */
		if (st.st_ino == E.dev[i].group_ino) {
			E.dev[i].group_inherited = 1;
			fd_set_kind(fd, FD_GROUP, (int)i);
			return e;
		}
	}
	if (st.st_ino == E.container_ino) {
		int c = container_alloc();

		if (c < 0)
			return NULL;
		E.ct[c].iommu_set = 1;	/* the primary's container */
		fd_set_kind(fd, FD_CONTAINER, c);
		return e;
	}
	return NULL;
}

static int
container_alloc(void)
{
	int i;

	for (i = 0; i < MAX_CONTAINERS; i++)
		if (!E.ct[i].used) {
			E.ct[i] = (struct emu_container){ 1, -1, 0, 0 };
			return i;
		}
	return -1;
}

static int
vfio_open(const char *path, int flags)
{
	char real[PATH_MAX];
	const char *node = path + strlen("/dev/vfio/");
	unsigned int i;
	int fd;

	if (strcmp(node, "vfio") == 0) {
		int c = container_alloc();

		if (c < 0) {
			errno = EMFILE;
			return -1;
		}
		snprintf(real, sizeof(real), "%s/vfio/vfio", E.run);
		fd = real_open(real, (flags & O_CLOEXEC) | O_RDWR);
		if (fd < 0) {
			E.ct[c].used = 0;
			return -1;
		}
		fd_set_kind(fd, FD_CONTAINER, c);
		return fd;
	}
	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		struct emu_dev *d = &E.dev[i];
		char name[16];

		if (!d->present)
			continue;
		snprintf(name, sizeof(name), "%u", d->hdr.iommu_group);
		if (strcmp(node, name) != 0)
			continue;
		/* vfio-pci: a group is opened by one user at a time. */
		if (d->group_open) {
			errno = EBUSY;
			return -1;
		}
		snprintf(real, sizeof(real), "%s/vfio/%s", E.run, name);
		fd = real_open(real, (flags & O_CLOEXEC) | O_RDWR);
		if (fd < 0)
			return -1;
		d->group_open = 1;
		fd_set_kind(fd, FD_GROUP, (int)i);
		return fd;
	}
	errno = ENOENT;
	return -1;
}

static int
is_vfio_path(const char *path)
{
	return E.active && path != NULL && strncmp(path, "/dev/vfio/", 10) == 0;
}

static int
open_common(const char *path, int flags, mode_t mode)
{
	int fd;

	resolve();
	if (is_vfio_path(path))
		return vfio_open(path, flags);
	fd = real_open(path, flags, mode);
	if (fd >= 0 && fd < FD_MAX)
		E.fds[fd].kind = FD_UNKNOWN;
	return fd;
}

EXPORT int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return open_common(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
	__attribute__((alias("open")));

EXPORT int
__open_2(const char *path, int flags)
{
	return open_common(path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
	__attribute__((alias("__open_2")));

EXPORT int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	int fd;

	resolve();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (is_vfio_path(path))
		return vfio_open(path, flags);
	fd = real_openat(dirfd, path, flags, mode);
	if (fd >= 0 && fd < FD_MAX)
		E.fds[fd].kind = FD_UNKNOWN;
	return fd;
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

static void
container_drop_group(int c)
{
	if (c < 0 || !E.ct[c].used)
		return;
	if (--E.ct[c].ngroups <= 0) {
		E.ct[c].ngroups = 0;
		E.ct[c].iommu_set = 0;
	}
}

EXPORT int
close(int fd)
{
	resolve();
	if (E.active && fd >= 0 && fd < FD_MAX) {
		struct fd_entry *e = &E.fds[fd];

		if (E.trace && e->kind >= FD_CONTAINER)
			emu_log("close fd %d kind %u obj %d", fd, e->kind, e->obj);
		if (e->kind == FD_CONTAINER) {
			struct emu_container *c = &E.ct[e->obj];

			if (c->sock >= 0)
				real_close(c->sock);
			c->used = 0;
		} else if (e->kind == FD_GROUP) {
			struct emu_dev *d = &E.dev[e->obj];

			d->group_open = 0;
			d->group_inherited = 0;
			container_drop_group(d->container);
			d->container = -1;
		}
		e->kind = FD_UNKNOWN;
	}
	return real_close(fd);
}

/* ---- /sys answers that the real /sys cannot give ---- */

static int
fake_module_path(const char *path)
{
	return E.active && path != NULL &&
	       (strcmp(path, "/sys/module/vfio") == 0 ||
		strcmp(path, "/sys/module/vfio_pci") == 0);
}

static int
fake_dir_stat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	return 0;
}

EXPORT int
stat(const char *path, struct stat *st)
{
	resolve();
	if (fake_module_path(path))
		return fake_dir_stat(st);
	return real_stat(path, st);
}

EXPORT int
stat64(const char *path, struct stat64 *st)
{
	resolve();
	if (fake_module_path(path))
		return fake_dir_stat((struct stat *)st);
	return real_stat(path, (struct stat *)st);
}

EXPORT int
lstat(const char *path, struct stat *st)
{
	resolve();
	if (fake_module_path(path))
		return fake_dir_stat(st);
	return real_lstat(path, st);
}

EXPORT int
lstat64(const char *path, struct stat64 *st)
{
	resolve();
	if (fake_module_path(path))
		return fake_dir_stat((struct stat *)st);
	return real_lstat(path, (struct stat *)st);
}

EXPORT int
access(const char *path, int mode)
{
	resolve();
	if (fake_module_path(path))
		return 0;
	if (is_vfio_path(path)) {
		char real[PATH_MAX];

		snprintf(real, sizeof(real), "%s/vfio/%s", E.run, path + 10);
		return real_access(real, mode);
	}
	return real_access(path, mode);
}

/* EAL picks IOVA as VA only when the system has IOMMU groups. */
EXPORT DIR *
opendir(const char *path)
{
	resolve();
	if (E.active && strcmp(path, "/sys/kernel/iommu_groups") == 0) {
		char real[PATH_MAX];

		snprintf(real, sizeof(real), "%s/iommu_groups", E.run);
		return real_opendir(real);
	}
	return real_opendir(path);
}

/* ---- talking to the model ---- */

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
	if (m->status < 0) {
		if (m->len > 0)
			emu_log("model: %.*s", (int)m->len, m->text);
		errno = -m->status;
		return -1;
	}
	return 0;
}

static int
model_connect(void)
{
	struct sockaddr_un {
		sa_family_t sun_family;
		char sun_path[108];
	} sa = { AF_UNIX, "" };
	int s;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/model.sock", E.run) >=
	    (int)sizeof(sa.sun_path)) {
		emu_log("run dir path too long for a UNIX socket: %s", E.run);
		errno = ENAMETOOLONG;
		return -1;
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		emu_log("cannot reach the NIC model at %s: %s", sa.sun_path,
			strerror(errno));
		real_close(s);
		errno = ENODEV;
		return -1;
	}
	fd_set_kind(s, FD_OTHER, 0);
	return s;
}

static int
dev_call(struct emu_dev *d, uint32_t type, uint64_t a, uint64_t b, int fd)
{
	struct opnic_msg m;

	if (d->container < 0 || E.ct[d->container].sock < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.dev = d->hdr.dev_index;
	m.a = a;
	m.b = b;
	return model_call(E.ct[d->container].sock, &m, fd);
}

/* ---- container ioctls ---- */

/* Find the file behind [vaddr, vaddr+len) and hand it to the model, one
 * message per mapping in /proc/self/maps that the range covers. */
static int
dma_map_range(struct emu_container *c, uint64_t vaddr, uint64_t iova,
	      uint64_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	uint64_t done = 0;

	if (f == NULL)
		return -1;
	while (done < len && fgets(line, sizeof(line), f) != NULL) {
		unsigned long long start, end, off, ino;
		char perms[8], path[PATH_MAX], mf[64];
		uint64_t cur = vaddr + done, n;
		struct opnic_msg m;
		int fd, r;

		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %4095[^\n]", &start,
			   &end, perms, &off, &ino, path) < 5)
			continue;
		if (cur < start || cur >= end)
			continue;
		if (ino == 0 || perms[3] != 's') {
			emu_log("DMA memory at 0x%" PRIx64 " is %s memory the NIC "
				"model cannot reach. Use shared DMA memory: EAL "
				"--in-memory with hugepages, or hugetlbfs-backed "
				"memory (the default); not --no-huge without "
				"--in-memory",
				cur, ino == 0 ? "anonymous" : "private");
			fclose(f);
			errno = EFAULT;
			return -1;
		}
		n = end - cur < len - done ? end - cur : len - done;
		snprintf(mf, sizeof(mf), "/proc/self/map_files/%llx-%llx", start, end);
		fd = real_open(mf, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			emu_log("cannot open %s (%s): the emulation needs root to "
				"pass DMA memory to the model", mf, strerror(errno));
			fclose(f);
			errno = EFAULT;
			return -1;
		}
		memset(&m, 0, sizeof(m));
		m.type = OPNIC_MSG_DMA_MAP;
		m.a = iova + done;
		m.b = n;
		m.c = off + (cur - start);
		r = model_call(c->sock, &m, fd);
		real_close(fd);
		if (r != 0) {
			fclose(f);
			return -1;
		}
		done += n;
	}
	fclose(f);
	if (done < len) {
		errno = EFAULT;	/* as the kernel when pinning fails */
		return -1;
	}
	return 0;
}

static int
container_ioctl(int c, unsigned long req, void *arg)
{
	struct emu_container *ct = &E.ct[c];

	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return ((unsigned long)arg == VFIO_TYPE1_IOMMU ||
			(unsigned long)arg == VFIO_TYPE1v2_IOMMU) ? 1 : 0;
	case VFIO_SET_IOMMU:
		if (ct->ngroups == 0 || ct->iommu_set) {
			errno = EINVAL;
			return -1;
		}
		if ((unsigned long)arg != VFIO_TYPE1_IOMMU &&
		    (unsigned long)arg != VFIO_TYPE1v2_IOMMU) {
			errno = ENODEV;
			return -1;
		}
		ct->iommu_set = 1;
		return 0;
	case VFIO_IOMMU_GET_INFO: {
		struct vfio_iommu_type1_info *info = arg;

		if (!ct->iommu_set) {
			errno = EINVAL;
			return -1;
		}
		if (info->argsz < offsetof(struct vfio_iommu_type1_info, iova_pgsizes) +
				  sizeof(info->iova_pgsizes)) {
			errno = EINVAL;
			return -1;
		}
		info->flags = VFIO_IOMMU_INFO_PGSIZES;
		info->iova_pgsizes = ~(uint64_t)(E.page - 1);
		return 0;
	}
	case VFIO_IOMMU_MAP_DMA: {
		struct vfio_iommu_type1_dma_map *dm = arg;
		uint64_t mask = (uint64_t)E.page - 1;

		if (!ct->iommu_set || dm->argsz < sizeof(*dm) ||
		    (dm->flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) ||
		    dm->size == 0 || ((dm->size | dm->iova | dm->vaddr) & mask) ||
		    dm->iova + dm->size - 1 < dm->iova ||
		    dm->vaddr + dm->size - 1 < dm->vaddr) {
			errno = EINVAL;
			return -1;
		}
		if (!(dm->flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))) {
			errno = EINVAL;
			return -1;
		}
		return dma_map_range(ct, dm->vaddr, dm->iova, dm->size);
	}
	case VFIO_IOMMU_UNMAP_DMA: {
		struct vfio_iommu_type1_dma_unmap *du = arg;
		struct opnic_msg m;

		if (!ct->iommu_set || du->argsz < sizeof(*du) || du->flags != 0 ||
		    ((du->size | du->iova) & ((uint64_t)E.page - 1))) {
			errno = EINVAL;
			return -1;
		}
		memset(&m, 0, sizeof(m));
		m.type = OPNIC_MSG_DMA_UNMAP;
		m.a = du->iova;
		m.b = du->size;
		if (model_call(ct->sock, &m, -1) != 0)
			return -1;
		du->size = m.b;
		return 0;
	}
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* ---- group ioctls ---- */

static int
group_ioctl(int g, unsigned long req, void *arg)
{
	struct emu_dev *d = &E.dev[g];

	switch (req) {
	case VFIO_GROUP_GET_STATUS: {
		struct vfio_group_status *st = arg;

		if (st->argsz < sizeof(*st)) {
			errno = EINVAL;
			return -1;
		}
		st->flags = VFIO_GROUP_FLAGS_VIABLE |
			    (d->container >= 0 || d->group_inherited ?
			     VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
		return 0;
	}
	case VFIO_GROUP_SET_CONTAINER: {
		int cfd = *(int *)arg;
		struct fd_entry *e = fd_lookup(cfd);
		struct emu_container *ct;

		if (d->container >= 0) {
			errno = EBUSY;
			return -1;
		}
		if (e == NULL || e->kind != FD_CONTAINER) {
			errno = EBADF;
			return -1;
		}
		ct = &E.ct[e->obj];
		if (ct->sock < 0) {
			ct->sock = model_connect();
			if (ct->sock < 0)
				return -1;
		}
		d->container = e->obj;
		if (dev_call(d, OPNIC_MSG_ATTACH, 0, 0, -1) != 0) {
			d->container = -1;
			return -1;
		}
		ct->ngroups++;
		return 0;
	}
	case VFIO_GROUP_UNSET_CONTAINER:
		if (d->container < 0) {
			errno = EINVAL;
			return -1;
		}
		dev_call(d, OPNIC_MSG_DETACH, 0, 0, -1);
		container_drop_group(d->container);
		d->container = -1;
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD: {
		const char *name = arg;
		int fd;

		if (!d->group_inherited &&
		    (d->container < 0 || !E.ct[d->container].iommu_set)) {
			errno = EINVAL;
			return -1;
		}
		if (strcmp(name, d->hdr.bdf) != 0) {
			errno = ENODEV;
			return -1;
		}
		fd = real_open(d->shm_path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -1;
		fd_set_kind(fd, FD_DEVICE, g);
		return fd;
	}
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* ---- device ioctls ---- */

static uint32_t
msix_table_size(const struct emu_dev *d)
{
	return d->hdr.msix_vectors * 16;
}

static size_t
region_caps(const struct emu_dev *d, unsigned int index, uint8_t *buf,
	    size_t cap_base)
{
	uint64_t page = (uint64_t)E.page, end, tstart, tend;
	struct vfio_region_info_cap_sparse_mmap *sp;
	struct vfio_info_cap_header *h;
	unsigned int i = 0;

	if (index != d->hdr.msix_bar || d->hdr.bar_size[index] == 0)
		return 0;
	if (!E.hole) {
		h = (struct vfio_info_cap_header *)buf;
		h->id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE;
		h->version = 1;
		h->next = 0;
		return sizeof(*h);
	}
	/* Linux 4.7..4.15 msix_sparse_mmap_cap(). */
	(void)cap_base;
	end = d->hdr.bar_size[index];
	tstart = d->hdr.msix_table & ~(page - 1);
	tend = (d->hdr.msix_table + msix_table_size(d) + page - 1) & ~(page - 1);
	sp = (struct vfio_region_info_cap_sparse_mmap *)buf;
	sp->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sp->header.version = 1;
	sp->header.next = 0;
	sp->reserved = 0;
	if (tstart != 0) {
		sp->areas[i].offset = 0;
		sp->areas[i].size = tstart;
		i++;
	}
	if (tend < end) {
		sp->areas[i].offset = tend;
		sp->areas[i].size = end - tend;
		i++;
	}
	sp->nr_areas = i;
	return sizeof(*sp) + i * sizeof(sp->areas[0]);
}

static int
device_region_info(struct emu_dev *d, struct vfio_region_info *ri)
{
	uint8_t caps[256];
	size_t ncaps = 0;
	unsigned int idx;

	if (ri->argsz < sizeof(*ri)) {
		errno = EINVAL;
		return -1;
	}
	idx = ri->index;
	/* vfio-pci: the VGA region exists only for VGA devices. */
	if (idx >= VFIO_PCI_NUM_REGIONS || idx == VFIO_PCI_VGA_REGION_INDEX) {
		errno = EINVAL;
		return -1;
	}
	ri->offset = (uint64_t)idx << REGION_SHIFT;
	ri->flags = 0;
	ri->size = 0;
	ri->cap_offset = 0;
	if (idx <= VFIO_PCI_BAR5_REGION_INDEX) {
		ri->size = d->hdr.bar_size[idx];
		if (ri->size != 0) {
			ri->flags = VFIO_REGION_INFO_FLAG_READ |
				    VFIO_REGION_INFO_FLAG_WRITE |
				    VFIO_REGION_INFO_FLAG_MMAP;
			ncaps = region_caps(d, idx, caps, sizeof(*ri));
		}
	} else if (idx == VFIO_PCI_CONFIG_REGION_INDEX) {
		ri->size = CFG_SIZE;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	}
	if (ncaps != 0) {
		ri->flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (ri->argsz < sizeof(*ri) + ncaps) {
			/* The kernel's size protocol: say what is needed. */
			ri->argsz = (uint32_t)(sizeof(*ri) + ncaps);
		} else {
			memcpy((uint8_t *)ri + sizeof(*ri), caps, ncaps);
			ri->cap_offset = sizeof(*ri);
		}
	}
	return 0;
}

static int
device_irq_count(const struct emu_dev *d, unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX: return 1;
	case VFIO_PCI_MSI_IRQ_INDEX: return 0;	/* no MSI capability */
	case VFIO_PCI_MSIX_IRQ_INDEX: return (int)d->hdr.msix_vectors;
	case VFIO_PCI_ERR_IRQ_INDEX: return 1;	/* PCIe */
	case VFIO_PCI_REQ_IRQ_INDEX: return 1;
	default: return -1;
	}
}

static int
device_set_irqs(struct emu_dev *d, struct vfio_irq_set *is)
{
	uint32_t dtype = is->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = is->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	size_t minsz = offsetof(struct vfio_irq_set, data), dsize = 0;
	int count = device_irq_count(d, is->index);
	uint32_t i;

	if (is->argsz < minsz || count < 0 || __builtin_popcount(dtype) != 1 ||
	    __builtin_popcount(action) != 1 ||
	    (is->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			   VFIO_IRQ_SET_ACTION_TYPE_MASK))) {
		errno = EINVAL;
		return -1;
	}
	if (dtype == VFIO_IRQ_SET_DATA_BOOL)
		dsize = 1;
	else if (dtype == VFIO_IRQ_SET_DATA_EVENTFD)
		dsize = sizeof(int32_t);
	if ((uint64_t)is->start + is->count > (uint64_t)count ||
	    (dtype != VFIO_IRQ_SET_DATA_NONE && is->count == 0) ||
	    is->argsz < minsz + dsize * is->count) {
		errno = EINVAL;
		return -1;
	}
	if (is->index != VFIO_PCI_MSIX_IRQ_INDEX)
		return 0;	/* INTx, ERR, REQ: accepted, never raised */
	/* vfio-pci has no mask/unmask for MSI-X ("Need masking support"). */
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER) {
		errno = ENOTTY;
		return -1;
	}
	if (dtype == VFIO_IRQ_SET_DATA_NONE && is->count == 0) {
		for (i = 0; i < 64; i++)
			if (d->irq_fd[i] >= 0) {
				real_close(d->irq_fd[i]);
				d->irq_fd[i] = -1;
			}
		return dev_call(d, OPNIC_MSG_MSIX, 0, 0, -1);
	}
	if (dtype == VFIO_IRQ_SET_DATA_EVENTFD) {
		const int32_t *fds = (const int32_t *)is->data;

		if (dev_call(d, OPNIC_MSG_MSIX, 1, 0, -1) != 0)
			return -1;
		for (i = 0; i < is->count; i++) {
			uint32_t v = is->start + i;

			if (v < 64 && d->irq_fd[v] >= 0) {
				real_close(d->irq_fd[v]);
				d->irq_fd[v] = -1;
			}
			if (fds[i] >= 0) {
				if (dev_call(d, OPNIC_MSG_IRQ, v, 1, fds[i]) != 0)
					return -1;
				if (v < 64)
					d->irq_fd[v] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
			} else if (dev_call(d, OPNIC_MSG_IRQ, v, 0, -1) != 0) {
				return -1;
			}
		}
		return 0;
	}
	/* DATA_NONE with a count, or BOOL: fire the triggers (loopback test). */
	for (i = 0; i < is->count; i++) {
		uint32_t v = is->start + i;
		uint64_t one = 1;

		if (dtype == VFIO_IRQ_SET_DATA_BOOL && !is->data[i])
			continue;
		if (v < 64 && d->irq_fd[v] >= 0 &&
		    write(d->irq_fd[v], &one, sizeof(one)) < 0)
			return -1;
	}
	return 0;
}

static int
device_ioctl(int idx, unsigned long req, void *arg)
{
	struct emu_dev *d = &E.dev[idx];

	switch (req) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info *di = arg;

		if (di->argsz < offsetof(struct vfio_device_info, num_irqs) +
				sizeof(di->num_irqs)) {
			errno = EINVAL;
			return -1;
		}
		di->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		di->num_regions = VFIO_PCI_NUM_REGIONS;
		di->num_irqs = VFIO_PCI_NUM_IRQS;
		return 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO:
		return device_region_info(d, arg);
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info *ii = arg;
		int count;

		if (ii->argsz < sizeof(*ii)) {
			errno = EINVAL;
			return -1;
		}
		count = device_irq_count(d, ii->index);
		if (count < 0) {
			errno = EINVAL;
			return -1;
		}
		ii->count = (uint32_t)count;
		ii->flags = VFIO_IRQ_INFO_EVENTFD;
		if (ii->index == VFIO_PCI_INTX_IRQ_INDEX)
			ii->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
		else
			ii->flags |= VFIO_IRQ_INFO_NORESIZE;
		return 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return device_set_irqs(d, arg);
	case VFIO_DEVICE_RESET:
		return dev_call(d, OPNIC_MSG_RESET, 0, 0, -1);
	default:
		errno = ENOTTY;
		return -1;
	}
}

EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	struct fd_entry *e;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	resolve();
	e = fd_lookup(fd);
	if (e == NULL)
		return real_ioctl(fd, req, arg);
	/* Container and device ioctl numbers collide: dispatch by fd kind. */
	{
		int r;

		switch (e->kind) {
		case FD_CONTAINER:
			r = container_ioctl(e->obj, req, arg);
			break;
		case FD_GROUP:
			r = group_ioctl(e->obj, req, arg);
			break;
		case FD_DEVICE:
			r = device_ioctl(e->obj, req, arg);
			break;
		default:
			return real_ioctl(fd, req, arg);
		}
		if (E.trace)
			emu_log("ioctl fd %d kind %u obj %d req 0x%lx -> %d%s%s", fd,
				e->kind, e->obj, req, r, r < 0 ? " " : "",
				r < 0 ? strerror(errno) : "");
		return r;
	}
}

/* ---- region read/write ---- */

static ssize_t
config_rw(struct emu_dev *d, void *buf, size_t count, uint64_t off, int wr)
{
	size_t i;

	if (off >= CFG_SIZE) {
		errno = EINVAL;
		return -1;
	}
	if (count > CFG_SIZE - off)
		count = CFG_SIZE - off;
	for (i = 0; i < count; i++) {
		uint64_t o = off + i;
		uint8_t *b = (uint8_t *)buf + i;

		if (o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_5 + 4) {
			unsigned int bar = (unsigned int)(o - PCI_BASE_ADDRESS_0) / 4;
			unsigned int sh = (unsigned int)(o & 3) * 8;
			uint64_t size = 0;
			uint32_t mask;

			/* A 64-bit BAR's upper half sizes with the lower. */
			if (bar > 0 && d->hdr.bar_size[bar - 1] != 0)
				size = 0;
			else
				size = d->hdr.bar_size[bar];
			if (wr) {
				uint32_t v = d->vbar[bar];

				v &= ~(0xffu << sh);
				v |= (uint32_t)*b << sh;
				mask = size != 0 ? ~(uint32_t)(size - 1) : 0;
				if (bar > 0 && d->hdr.bar_size[bar - 1] != 0)
					mask = 0;	/* we live below 4 GiB */
				d->vbar[bar] = (v & mask & ~0xfu) |
					       (size ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0);
			} else {
				*b = (uint8_t)(d->vbar[bar] >> sh);
			}
			continue;
		}
		if (!wr) {
			*b = d->cfg[o];
			continue;
		}
		/* Only the command register is writable through us; vfio-pci
		 * virtualizes the rest (MSI-X enable happens at SET_IRQS). */
		if (o == PCI_COMMAND || o == PCI_COMMAND + 1)
			d->cfg[o] = *b;
	}
	return (ssize_t)count;
}

static ssize_t
region_rw(int fd, struct emu_dev *d, void *buf, size_t count, uint64_t pos,
	  int wr)
{
	unsigned int idx = (unsigned int)(pos >> REGION_SHIFT);
	uint64_t off = pos & ((1ull << REGION_SHIFT) - 1);
	uint64_t size, xs, xe, end;
	ssize_t n;

	if (idx == VFIO_PCI_CONFIG_REGION_INDEX)
		return config_rw(d, buf, count, off, wr);
	if (idx > VFIO_PCI_BAR5_REGION_INDEX || d->hdr.bar_size[idx] == 0) {
		errno = EINVAL;
		return -1;
	}
	/* Surprise removal (the model wipes config space to all ones): BAR
	 * accesses fail as the kernel's do for a device that is gone. */
	if (d->cfg[PCI_VENDOR_ID] == 0xff && d->cfg[PCI_VENDOR_ID + 1] == 0xff) {
		errno = EIO;
		return -1;
	}
	size = d->hdr.bar_size[idx];
	if (off >= size) {
		errno = EINVAL;
		return -1;
	}
	if (count > size - off)
		count = size - off;
	end = off + count;
	xs = xe = 0;
	if (idx == d->hdr.msix_bar) {
		xs = d->hdr.msix_table;
		xe = xs + msix_table_size(d);
	}
	/* vfio_pci_bar_rw(): the MSI-X table reads as all ones and drops
	 * writes; everything else reaches the device. */
	if (xe > xs && off < xe && end > xs) {
		uint64_t o = off;

		while (o < end) {
			uint64_t stop;

			if (o >= xs && o < xe) {
				stop = end < xe ? end : xe;
				if (!wr)
					memset((uint8_t *)buf + (o - off), 0xff, stop - o);
			} else {
				stop = o < xs ? (end < xs ? end : xs) : end;
				n = wr ? real_pwrite(fd, (uint8_t *)buf + (o - off), stop - o,
						     (off_t)(d->hdr.bar_off[idx] + o)) :
					 real_pread(fd, (uint8_t *)buf + (o - off), stop - o,
						    (off_t)(d->hdr.bar_off[idx] + o));
				if (n < 0)
					return -1;
			}
			o = stop;
		}
		return (ssize_t)count;
	}
	return wr ? real_pwrite(fd, buf, count, (off_t)(d->hdr.bar_off[idx] + off)) :
		    real_pread(fd, buf, count, (off_t)(d->hdr.bar_off[idx] + off));
}

EXPORT ssize_t
pread(int fd, void *buf, size_t count, off_t pos)
{
	struct fd_entry *e;

	resolve();
	e = fd_lookup(fd);
	if (e != NULL && e->kind == FD_DEVICE)
		return region_rw(fd, &E.dev[e->obj], buf, count, (uint64_t)pos, 0);
	return real_pread(fd, buf, count, pos);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t count, off_t pos)
	__attribute__((alias("pread")));

EXPORT ssize_t
__pread_chk(int fd, void *buf, size_t count, off_t pos, size_t buflen)
{
	if (count > buflen)
		abort();
	return pread(fd, buf, count, pos);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t count, off_t pos,
			     size_t buflen)
	__attribute__((alias("__pread_chk")));

EXPORT ssize_t
pwrite(int fd, const void *buf, size_t count, off_t pos)
{
	struct fd_entry *e;

	resolve();
	e = fd_lookup(fd);
	if (e != NULL && e->kind == FD_DEVICE)
		return region_rw(fd, &E.dev[e->obj], (void *)(uintptr_t)buf, count,
				 (uint64_t)pos, 1);
	return real_pwrite(fd, buf, count, pos);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off_t pos)
	__attribute__((alias("pwrite")));

/* ---- mmap of BARs ---- */

EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t pos)
{
	struct fd_entry *e;
	struct emu_dev *d;
	uint64_t page, off, plen, size;
	unsigned int idx;

	resolve();
	e = (flags & MAP_ANONYMOUS) ? NULL : fd_lookup(fd);
	if (e == NULL || e->kind != FD_DEVICE)
		return real_mmap(addr, len, prot, flags, fd, pos);
	d = &E.dev[e->obj];
	page = (uint64_t)E.page;
	idx = (unsigned int)((uint64_t)pos >> REGION_SHIFT);
	off = (uint64_t)pos & ((1ull << REGION_SHIFT) - 1);
	/* vfio_pci_mmap(), as in Linux 4.7 .. 4.15 and >= 4.16. */
	if (idx > VFIO_PCI_BAR5_REGION_INDEX || d->hdr.bar_size[idx] == 0 ||
	    !(flags & MAP_SHARED) || len == 0 || (off & (page - 1))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	plen = (len + page - 1) & ~(page - 1);	/* the vma is whole pages */
	size = (d->hdr.bar_size[idx] + page - 1) & ~(page - 1);
	if (off + plen > size) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (E.hole && idx == d->hdr.msix_bar &&
	    !(off >= d->hdr.msix_table + msix_table_size(d) ||
	      off + plen <= d->hdr.msix_table)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return real_mmap(addr, len, prot, flags, fd,
			 (off_t)(d->hdr.bar_off[idx] + off));
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t pos) __attribute__((alias("mmap")));
