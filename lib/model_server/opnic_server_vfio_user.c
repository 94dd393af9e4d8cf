/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The devices' vfio-user sockets (opnic-model --vfio-user): one endpoint
 * of lib/vfio_user per device at <run>/<bdf>.vfio-user, listed with its
 * device index and BDF in <run>/vfio-user.list. The endpoint serves the
 * same model, device file and MSI-X trigger table as the LD_PRELOAD path;
 * a device is owned by one of the two transports at a time.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "opnic_emu_rundir.h"
#include "opnic_server_internal.h"

#define VFU_LIST	"vfio-user.list"

/* A client connects: the device must not be attached on model.sock. */
static int
vu_claim(void *ctx)
{
	struct server_dev *d = ctx;

	if (d->owner != NULL || d->vu_owned)
		return -EBUSY;
	d->vu_owned = 1;
	/* vfio-pci's open: the function starts with memory decoding on (the
	 * kernel's pci_enable_device), Bus Master as the guest sets it. */
	opnic_model_set_command(&d->m, (uint16_t)(opnic_model_command(&d->m) |
						  PCI_COMMAND_MEMORY));
	return 0;
}

static void
vu_release(void *ctx)
{
	struct server_dev *d = ctx;

	server_dev_release(d);
	d->vu_owned = 0;
}

static void
vu_reset(void *ctx)
{
	struct server_dev *d = ctx;

	server_dev_flr(d->s, d);
}

int
server_vfu_start(struct opnic_server *s, char *err, size_t errlen)
{
	char list[4096], path[sizeof(s->run) + 64], verr[512];
	size_t used = 0;
	unsigned int i, b;

	list[0] = '\0';
	for (i = 0; i < s->ndev; i++) {
		struct server_dev *d = &s->dev[i];
		const struct opnic_shm_hdr *h = (const struct opnic_shm_hdr *)d->base;
		struct opnic_vfu_dev_cfg vc = {
			.m = &d->m, .bar_fd = d->fd, .irq_fd = d->irq_fd,
			.nirq = SERVER_MAX_VECTORS, .lock = &s->lock, .ctx = d,
			.claim = vu_claim, .release = vu_release, .reset = vu_reset,
		};

		snprintf(path, sizeof(path), "%s/%s.vfio-user", s->run, h->bdf);
		vc.path = path;
		for (b = 0; b < 6; b++) {
			vc.bar_off[b] = h->bar_off[b];
			vc.bar_size[b] = h->bar_size[b];
		}
		d->vu = opnic_vfu_create(&vc, verr, sizeof(verr));
		if (d->vu == NULL) {
			snprintf(err, errlen, "device %u: %s", i, verr);
			return -1;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%u %s %s\n", i, h->bdf, path);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
		printf("opnic-model: device %u (%s) vfio-user socket %s\n", i,
		       h->bdf, path);
	}
	fflush(stdout);
	snprintf(path, sizeof(path), "%s/" VFU_LIST, s->run);
	return opnic_rundir_write(path, err, errlen, "%s", list);
}

void
server_vfu_stop(struct opnic_server *s)
{
	char path[sizeof(s->run) + 64];
	unsigned int i;
	int any = 0;

	for (i = 0; i < s->ndev; i++) {
		if (s->dev[i].vu == NULL)
			continue;
		opnic_vfu_destroy(s->dev[i].vu);
		s->dev[i].vu = NULL;
		any = 1;
	}
	if (any) {
		snprintf(path, sizeof(path), "%s/" VFU_LIST, s->run);
		remove(path);
	}
}
