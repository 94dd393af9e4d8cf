/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The /dev/vfio/<group> nodes: one device per group, opened by one user at
 * a time; joining a container attaches the device to that container's
 * model connection.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "opnic_emu_internal.h"

/* node is what follows "/dev/vfio/": the group number. */
int
emu_group_open(const char *node, int flags)
{
	char real[PATH_MAX];
	unsigned int i;
	int fd;

	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		struct emu_dev *d = &emu_devices.dev[i];
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
		snprintf(real, sizeof(real), "%s/" OPNIC_RUN_GROUP_FMT, emu_cfg.run,
			 d->hdr.iommu_group);
		fd = emu_real.open(real, (flags & O_CLOEXEC) | O_RDWR);
		if (fd < 0)
			return -1;
		d->group_open = 1;
		emu_fd_set(fd, EMU_FD_GROUP, (int)i);
		return fd;
	}
	errno = ENOENT;
	return -1;
}

void
emu_group_close(int g)
{
	struct emu_dev *d = &emu_devices.dev[g];

	d->group_open = 0;
	d->group_inherited = 0;
	/* The kernel takes a closed group out of its container
	 * (vfio_group_try_dissolve_container): the model must let the device
	 * go, as on VFIO_GROUP_UNSET_CONTAINER. */
	if (d->container >= 0)
		emu_model_detach(d);
	emu_container_drop_group(d->container);
	d->container = -1;
}

static int
group_status(const struct emu_dev *d, struct vfio_group_status *st)
{
	if (st->argsz < sizeof(*st)) {
		errno = EINVAL;
		return -1;
	}
	st->flags = VFIO_GROUP_FLAGS_VIABLE |
		    (d->container >= 0 || d->group_inherited ?
		     VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
	return 0;
}

static int
group_set_container(struct emu_dev *d, int cfd)
{
	struct emu_fd *e = emu_fd_lookup(cfd);
	struct emu_container *ct;

	if (d->container >= 0) {
		errno = EBUSY;
		return -1;
	}
	if (e == NULL || e->kind != EMU_FD_CONTAINER) {
		errno = EBADF;
		return -1;
	}
	ct = &emu_containers.ct[e->obj];
	if (ct->sock < 0) {
		ct->sock = emu_model_connect();
		if (ct->sock < 0)
			return -1;
	}
	d->container = e->obj;
	if (emu_model_attach(d) != 0) {
		d->container = -1;
		return -1;
	}
	ct->ngroups++;
	return 0;
}

static int
group_unset_container(struct emu_dev *d)
{
	if (d->container < 0) {
		errno = EINVAL;
		return -1;
	}
	emu_model_detach(d);
	emu_container_drop_group(d->container);
	d->container = -1;
	return 0;
}

static int
group_device_fd(struct emu_dev *d, int g, const char *name)
{
	int fd;

	if (!d->group_inherited &&
	    (d->container < 0 || !emu_containers.ct[d->container].iommu_set)) {
		errno = EINVAL;
		return -1;
	}
	if (strcmp(name, d->hdr.bdf) != 0) {
		errno = ENODEV;
		return -1;
	}
	fd = emu_real.open(d->shm_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* vfio_pci_enable() on the first open: pci_clear_master(), then
	 * pci_enable_device() turns memory decoding on. A secondary process
	 * opens a device its primary has open: nothing changes. */
	if (d->dev_fds == 0 && !d->group_inherited) {
		uint16_t cmd;

		memcpy(&cmd, d->cfg + PCI_COMMAND, sizeof(cmd));
		cmd = (uint16_t)((cmd & ~PCI_COMMAND_MASTER) | PCI_COMMAND_MEMORY);
		__atomic_store_n((uint16_t *)(d->cfg + PCI_COMMAND), cmd,
				 __ATOMIC_RELEASE);
	}
	d->dev_fds++;
	emu_fd_set(fd, EMU_FD_DEVICE, g);
	if (emu_fd_entry(fd) != NULL)
		emu_fd_entry(fd)->opened = 1;
	return fd;
}

int
emu_group_ioctl(int g, unsigned long req, void *arg)
{
	struct emu_dev *d = &emu_devices.dev[g];

	switch (req) {
	case VFIO_GROUP_GET_STATUS:
		return group_status(d, arg);
	case VFIO_GROUP_SET_CONTAINER:
		return group_set_container(d, *(int *)arg);
	case VFIO_GROUP_UNSET_CONTAINER:
		return group_unset_container(d);
	case VFIO_GROUP_GET_DEVICE_FD:
		return group_device_fd(d, g, arg);
	default:
		errno = ENOTTY;
		return -1;
	}
}
