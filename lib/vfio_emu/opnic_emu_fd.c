/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * What each fd of the process is: one of our containers, groups or device
 * fds, or not ours. Entries are filled when we open an fd; fds we did not
 * open (inherited over fork, received from a DPDK primary) are identified
 * on first use by the inode of the file behind them.
 */

#include <stddef.h>
#include <sys/stat.h>

#include "opnic_emu_internal.h"

struct emu_fd_table {
	struct emu_fd fds[EMU_FD_MAX];
};

static struct emu_fd_table emu_fds;

void
emu_fd_set(int fd, enum emu_fd_kind kind, int obj)
{
	if (fd >= 0 && fd < EMU_FD_MAX) {
		emu_fds.fds[fd].kind = (uint8_t)kind;
		emu_fds.fds[fd].obj = (int8_t)obj;
		emu_fds.fds[fd].opened = 0;
	}
}

void
emu_fd_forget(int fd)
{
	if (fd >= 0 && fd < EMU_FD_MAX) {
		emu_fds.fds[fd].kind = EMU_FD_UNKNOWN;
		emu_fds.fds[fd].opened = 0;
	}
}

struct emu_fd *
emu_fd_entry(int fd)
{
	if (fd < 0 || fd >= EMU_FD_MAX)
		return NULL;
	return &emu_fds.fds[fd];
}

/* An fd we did not open: a device, a group or the container by inode. */
static struct emu_fd *
fd_identify(int fd, struct emu_fd *e)
{
	struct stat st;
	unsigned int i;

	e->kind = EMU_FD_OTHER;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		struct emu_dev *d = &emu_devices.dev[i];

		if (!d->present)
			continue;
		if (st.st_ino == d->ino) {
			emu_fd_set(fd, EMU_FD_DEVICE, (int)i);
			return e;
		}
		/* A DPDK secondary process gets the primary's group fd over
		 * the multi-process channel: the group is already in a
		 * container with its IOMMU set up by the primary. */
		if (st.st_ino == d->group_ino) {
			d->group_inherited = 1;
			emu_fd_set(fd, EMU_FD_GROUP, (int)i);
			return e;
		}
	}
	if (st.st_ino == emu_cfg.container_ino) {
		int c = emu_container_alloc();

		if (c < 0)
			return NULL;
		emu_containers.ct[c].iommu_set = 1;	/* the primary's container */
		emu_fd_set(fd, EMU_FD_CONTAINER, c);
		return e;
	}
	return NULL;
}

struct emu_fd *
emu_fd_lookup(int fd)
{
	struct emu_fd *e;

	if (!emu_cfg.active || fd < 0 || fd >= EMU_FD_MAX)
		return NULL;
	e = &emu_fds.fds[fd];
	if (e->kind == EMU_FD_OTHER)
		return NULL;
	if (e->kind != EMU_FD_UNKNOWN)
		return e;
	return fd_identify(fd, e);
}
