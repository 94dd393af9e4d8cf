/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The libc symbols the emulation interposes (LD_PRELOAD) and the only ones
 * the library exports. Each stub decides whether the call is about one of
 * our objects and hands it to that object's file, or passes it to libc.
 * The *64 and _chk variants are aliases, which must live in the file of the
 * function they alias.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "opnic_emu_internal.h"

#define EXPORT __attribute__((visibility("default")))
#define VFIO_DIR "/dev/vfio/"

struct emu_libc emu_real;

void
emu_libc_resolve(void)
{
	if (emu_real.open != NULL)
		return;
	emu_real.openat = dlsym(RTLD_NEXT, "openat");
	emu_real.close = dlsym(RTLD_NEXT, "close");
	emu_real.ioctl = dlsym(RTLD_NEXT, "ioctl");
	emu_real.mmap = dlsym(RTLD_NEXT, "mmap");
	emu_real.pread = dlsym(RTLD_NEXT, "pread");
	emu_real.pwrite = dlsym(RTLD_NEXT, "pwrite");
	emu_real.stat = dlsym(RTLD_NEXT, "stat");
	emu_real.lstat = dlsym(RTLD_NEXT, "lstat");
	emu_real.access = dlsym(RTLD_NEXT, "access");
	emu_real.opendir = dlsym(RTLD_NEXT, "opendir");
	emu_real.sysconf = dlsym(RTLD_NEXT, "sysconf");
	emu_real.getauxval = dlsym(RTLD_NEXT, "getauxval");
	/* open last: its being set tells other threads the rest is. */
	__atomic_store_n(&emu_real.open,
			 (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"),
			 __ATOMIC_RELEASE);
}

/* ---- page size as the process sees it ---- */

EXPORT long
sysconf(int name)
{
	emu_libc_resolve();
	if (emu_cfg.active && name == _SC_PAGESIZE)
		return emu_page_size();
	return emu_real.sysconf(name);
}

EXPORT int
getpagesize(void)
{
	emu_libc_resolve();
	return emu_cfg.active ? (int)emu_page_size() :
				(int)emu_real.sysconf(_SC_PAGESIZE);
}

EXPORT unsigned long
getauxval(unsigned long type)
{
	emu_libc_resolve();
	if (emu_cfg.active && type == AT_PAGESZ)
		return (unsigned long)emu_page_size();
	return emu_real.getauxval(type);
}

/* ---- open and close ---- */

static int
is_vfio_path(const char *path)
{
	return emu_cfg.active && path != NULL &&
	       strncmp(path, VFIO_DIR, strlen(VFIO_DIR)) == 0;
}

static int
vfio_open(const char *path, int flags)
{
	const char *node = path + strlen(VFIO_DIR);

	if (strcmp(node, "vfio") == 0)
		return emu_container_open(flags);
	return emu_group_open(node, flags);
}

static int
open_common(const char *path, int flags, mode_t mode)
{
	int fd;

	emu_libc_resolve();
	if (is_vfio_path(path))
		return vfio_open(path, flags);
	fd = emu_real.open(path, flags, mode);
	if (fd >= 0)
		emu_fd_forget(fd);
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

	emu_libc_resolve();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (is_vfio_path(path))
		return vfio_open(path, flags);
	fd = emu_real.openat(dirfd, path, flags, mode);
	if (fd >= 0)
		emu_fd_forget(fd);
	return fd;
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

EXPORT int
close(int fd)
{
	struct emu_fd *e;

	emu_libc_resolve();
	e = emu_cfg.active ? emu_fd_entry(fd) : NULL;
	if (e != NULL) {
		if (emu_cfg.trace && e->kind >= EMU_FD_CONTAINER)
			emu_log("close fd %d kind %u obj %d", fd, e->kind, e->obj);
		if (e->kind == EMU_FD_CONTAINER)
			emu_container_close(e->obj);
		else if (e->kind == EMU_FD_GROUP)
			emu_group_close(e->obj);
		else if (e->kind == EMU_FD_DEVICE && e->opened)
			emu_device_close(e->obj);
		e->kind = EMU_FD_UNKNOWN;
		e->opened = 0;
	}
	return emu_real.close(fd);
}

/* ---- /sys and /dev/vfio paths ---- */

/* stat and lstat: the vfio module folders are ours, the rest is libc's. */
static int
path_stat(const char *path, struct stat *st, int no_follow)
{
	emu_libc_resolve();
	if (emu_sysfs_is_module(path))
		return emu_sysfs_module_stat(st);
	return no_follow ? emu_real.lstat(path, st) : emu_real.stat(path, st);
}

EXPORT int
stat(const char *path, struct stat *st)
{
	return path_stat(path, st, 0);
}

EXPORT int
stat64(const char *path, struct stat64 *st)
{
	return path_stat(path, (struct stat *)st, 0);
}

EXPORT int
lstat(const char *path, struct stat *st)
{
	return path_stat(path, st, 1);
}

EXPORT int
lstat64(const char *path, struct stat64 *st)
{
	return path_stat(path, (struct stat *)st, 1);
}

EXPORT int
access(const char *path, int mode)
{
	emu_libc_resolve();
	if (emu_sysfs_is_module(path))
		return 0;
	if (is_vfio_path(path)) {
		char real[PATH_MAX];

		snprintf(real, sizeof(real), "%s/vfio/%s", emu_cfg.run,
			 path + strlen(VFIO_DIR));
		return emu_real.access(real, mode);
	}
	return emu_real.access(path, mode);
}

EXPORT DIR *
opendir(const char *path)
{
	emu_libc_resolve();
	return emu_sysfs_opendir(path);
}

/* ---- ioctl, region read/write, mmap ---- */

EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	struct emu_fd *e;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	emu_libc_resolve();
	e = emu_fd_lookup(fd);
	if (e == NULL)
		return emu_real.ioctl(fd, req, arg);
	/* Container and device ioctl numbers collide: dispatch by fd kind. */
	switch (e->kind) {
	case EMU_FD_CONTAINER:
		r = emu_container_ioctl(e->obj, req, arg);
		break;
	case EMU_FD_GROUP:
		r = emu_group_ioctl(e->obj, req, arg);
		break;
	case EMU_FD_DEVICE:
		r = emu_device_ioctl(e->obj, req, arg);
		break;
	default:
		return emu_real.ioctl(fd, req, arg);
	}
	if (emu_cfg.trace)
		emu_log("ioctl fd %d kind %u obj %d req 0x%lx -> %d%s%s", fd,
			e->kind, e->obj, req, r, r < 0 ? " " : "",
			r < 0 ? strerror(errno) : "");
	return r;
}

EXPORT ssize_t
pread(int fd, void *buf, size_t count, off_t pos)
{
	struct emu_fd *e;

	emu_libc_resolve();
	e = emu_fd_lookup(fd);
	if (e != NULL && e->kind == EMU_FD_DEVICE)
		return emu_region_rw(fd, &emu_devices.dev[e->obj], buf, count,
				     (uint64_t)pos, 0);
	return emu_real.pread(fd, buf, count, pos);
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
	struct emu_fd *e;

	emu_libc_resolve();
	e = emu_fd_lookup(fd);
	if (e != NULL && e->kind == EMU_FD_DEVICE)
		return emu_region_rw(fd, &emu_devices.dev[e->obj],
				     (void *)(uintptr_t)buf, count, (uint64_t)pos, 1);
	return emu_real.pwrite(fd, buf, count, pos);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off_t pos)
	__attribute__((alias("pwrite")));

EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t pos)
{
	struct emu_fd *e;

	emu_libc_resolve();
	e = (flags & MAP_ANONYMOUS) ? NULL : emu_fd_lookup(fd);
	if (e == NULL || e->kind != EMU_FD_DEVICE)
		return emu_real.mmap(addr, len, prot, flags, fd, pos);
	return emu_region_mmap(&emu_devices.dev[e->obj], addr, len, prot, flags,
			       fd, pos);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t pos) __attribute__((alias("mmap")));
