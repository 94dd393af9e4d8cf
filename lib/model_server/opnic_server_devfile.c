/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The device files: dev<N>.shm in the run directory holds a header page,
 * config space, BAR0 and the MSI-X BAR of device N (opnic_emu_proto.h).
 * The model works on them in place; the VFIO emulation maps and reads the
 * same file in the application. MSI-X messages become eventfd writes.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "opnic_emu_rundir.h"
#include "opnic_server_internal.h"

/* Offsets of the optional MSI-X BAR in a device file: 64 KiB aligned. */
#define DEVFILE_BAR_ALIGN	0x10000ull

/* The model raises a vector: signal the application's eventfd. */
static void
irq_cb(void *ctx, unsigned int vector)
{
	struct server_dev *d = ctx;
	uint64_t one = 1;

	if (vector < SERVER_MAX_VECTORS && d->irq_fd[vector] >= 0 &&
	    write(d->irq_fd[vector], &one, sizeof(one)) < 0)
		fprintf(stderr, "opnic-model: irq write: %s\n", strerror(errno));
}

/* The header page of device i, and the file size it describes. */
static void
devfile_header(const struct opnic_server *s, unsigned int i,
	       struct opnic_shm_hdr *h)
{
	const struct opnic_profile *prof = &s->prof;
	uint64_t size = OPNIC_SHM_BAR_OFF + prof->bar0_size;

	memset(h, 0, sizeof(*h));
	h->magic = OPNIC_SHM_MAGIC;
	h->version = OPNIC_SHM_VERSION;
	h->dev_index = i;
	h->iommu_group = OPNIC_GROUP_BASE + i;
	snprintf(h->bdf, sizeof(h->bdf), OPNIC_BDF_FMT, i & 0x1f);
	snprintf(h->profile, sizeof(h->profile), "%s", prof->name);
	h->bar_size[0] = prof->bar0_size;
	h->bar_off[0] = OPNIC_SHM_BAR_OFF;
	if (prof->msix_bar != 0) {
		uint64_t bar2_off = (size + DEVFILE_BAR_ALIGN - 1) &
				    ~(DEVFILE_BAR_ALIGN - 1);

		h->bar_size[prof->msix_bar] = prof->msix_bar_size;
		h->bar_off[prof->msix_bar] = bar2_off;
		size = bar2_off + prof->msix_bar_size;
	}
	h->msix_bar = prof->msix_bar;
	h->msix_table = prof->msix_table;
	h->msix_pba = prof->msix_pba;
	h->msix_vectors = prof->msix_vectors;
	h->model_pid = (uint32_t)getpid();
	h->file_size = size;
}

int
server_dev_create(struct opnic_server *s, unsigned int i, const uint8_t mac[6],
		  char *err, size_t errlen)
{
	struct server_dev *d = &s->dev[i];
	struct opnic_shm_hdr h;
	char path[4200];
	uint64_t bar2_off;
	int fd, r;

	devfile_header(s, i, &h);
	d->size = h.file_size;
	bar2_off = s->prof.msix_bar != 0 ? h.bar_off[s->prof.msix_bar] : 0;
	snprintf(path, sizeof(path), "%s/" OPNIC_RUN_DEV_FMT, s->run, i);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)d->size) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	d->base = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	/* Kept: the vfio-user clients map the BARs from it. */
	d->fd = fd;
	d->s = s;
	if (d->base == MAP_FAILED) {
		snprintf(err, errlen, "mmap %s: %s", path, strerror(errno));
		d->base = NULL;
		return -1;
	}
	r = opnic_model_init(&d->m, &s->prof, d->base + OPNIC_SHM_BAR_OFF,
			     bar2_off ? d->base + bar2_off : NULL,
			     d->base + OPNIC_SHM_CFG_OFF, mac);
	if (r != 0) {
		snprintf(err, errlen, "model init: %s", strerror(-r));
		return -1;
	}
	d->m.scan_interval = 16;
	d->m.irq = irq_cb;
	d->m.irq_ctx = d;
	memset(d->irq_fd, -1, sizeof(d->irq_fd));
	memcpy(d->base, &h, sizeof(h));
	return opnic_rundir_add_device(s->run, &h, err, errlen);
}

void
server_dev_close_irqs(struct server_dev *d)
{
	unsigned int v;

	for (v = 0; v < SERVER_MAX_VECTORS; v++)
		if (d->irq_fd[v] >= 0) {
			close(d->irq_fd[v]);
			d->irq_fd[v] = -1;
		}
}

void
server_dev_release(struct server_dev *d)
{
	opnic_model_reset(&d->m);
	opnic_model_set_msix_ctrl(&d->m, 0, 0);
	/* vfio-pci's release: pci_clear_master(). */
	opnic_model_set_command(&d->m, (uint16_t)(opnic_model_command(&d->m) &
						  ~PCI_COMMAND_MASTER));
	server_dev_close_irqs(d);
	d->m.dma = NULL;
	d->owner = NULL;
}

void
server_dev_destroy(struct server_dev *d)
{
	opnic_wire_close(d->wire);
	d->wire = NULL;
	opnic_model_fini(&d->m);
	if (d->base != NULL)
		munmap(d->base, d->size);
	d->base = NULL;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* How often an FLR's requester looks whether the device loop completed it. */
#define FLR_WAIT_NS	50000

/* VFIO_DEVICE_RESET returns once the function is back, as the kernel's
 * does: the FLR takes the device's reset time (the device loop completes
 * it), the lock is let go meanwhile so the other devices keep running. */
void
server_dev_flr(struct opnic_server *s, struct server_dev *d)
{
	struct opnic_model_dev *m = &d->m;
	uint64_t waited = 0;

	opnic_model_reset_begin(m, OPNIC_RST_FLR);
	while (m->in_reset != OPNIC_RST_NONE) {
		struct timespec ts = { 0, FLR_WAIT_NS };

		/* Bounded: the device loop may be stopped (quitting). */
		if (waited > m->reset_ns + 1000000000ull) {
			opnic_model_reset_finish(m);
			break;
		}
		pthread_mutex_unlock(&s->lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&s->lock);
		waited += FLR_WAIT_NS;
	}
}
