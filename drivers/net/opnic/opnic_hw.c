/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The hardware layer (opnic_hw.h): open/close, reset (spec 3.1), MAC and link (3.2, 3.3), queue start/stop and doorbells (3.4, 3.5),
 * RSS (3.6), counters (3.7) and MSI-X vector 0 (spec 4). Every register
 * access goes through the block's vfio_bar path fixed at discovery
 * (opnic_hw_discover.c); the PCI command register is opnic_hw_pci.c's.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_bus_pci.h>
#include <bus_pci_driver.h>

#include "opnic_hw.h"
#include "opnic_logs.h"

#define OPNIC_WAIT_US 2000000	/* one register wait, at most */

struct opnic_io *
opnic_hw_open(struct rte_pci_device *pci, int regs_rw, int *err)
{
	struct opnic_io *io = calloc(1, sizeof(*io));

	*err = -ENOMEM;
	if (io == NULL)
		return NULL;
	*err = vbar_open(&io->vb, pci, regs_rw ? VBAR_MODE_RW : VBAR_MODE_AUTO);
	if (*err != 0) {
		free(io);
		return NULL;
	}
	/* The primary owns the function: a secondary process must not touch
	 * the command register of a device the primary drives. */
	io->primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	if (io->primary) {
		*err = opnic_hw_bus_master(io, 1);
		if (*err != 0) {
			vbar_close(&io->vb);
			free(io);
			return NULL;
		}
	}
	return io;
}

void
opnic_hw_close(struct opnic_io *io)
{
	if (io == NULL)
		return;
	opnic_hw_intr_fini(io);
	/* No DMA from a function nobody drives (the bus does the same on its
	 * unmap path; a self-mapped device has only this). */
	if (io->primary && !io->removed)
		opnic_hw_bus_master(io, 0);
	vbar_close(&io->vb);
	free(io);
}

int
opnic_hw_removed(struct opnic_io *io)
{
	if (!io->removed && opnic_hw_id_read(io, OPNIC_ID_MAGIC) != OPNIC_ID_MAGIC_VALUE) {
		io->removed = 1;
		PMD_DRV_LOG(ERR, "device does not answer (ID magic reads wrong): "
			    "treating it as removed, port down, no further access");
	}
	return io->removed;
}

uint64_t
opnic_hw_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Poll a register every 20 us for OPNIC_WAIT_US at most. any: until a bit of
 * mask is set. Else until (v & mask) == want, or all ones (a removed device:
 * -EIO unless that was wanted); -ETIMEDOUT when time runs out.
 */
static int
wait_reg(const struct vbar_block *b, uint32_t off, uint32_t mask,
	 uint32_t want, int any, uint32_t *last)
{
	uint64_t deadline = opnic_hw_now_us() + OPNIC_WAIT_US;
	uint32_t v;

	for (;;) {
		/* The deadline is taken before the read: a last read after a
		 * long sleep still counts. */
		int late = opnic_hw_now_us() > deadline;

		v = vbar_read32(b, off);
		*last = v;
		if (any ? (v & mask) != 0 :
			  (v & mask) == want || v == 0xffffffff)
			break;
		if (late)
			return -ETIMEDOUT;
		rte_delay_us_sleep(20);
	}
	return !any && v == 0xffffffff && want != 0xffffffff ? -EIO : 0;
}

/* A wait of opnic_hw_reset that failed, named by register and value. */
static int
reset_fail(const struct vbar_block *id, const char *reg, uint32_t off,
	   uint32_t v, int ret, const char *want)
{
	if (ret == -ETIMEDOUT)
		PMD_DRV_LOG(ERR, "reset did not complete within %u ms: ID.%s "
			    "(BAR0+0x%x) still reads 0x%08x, want %s", OPNIC_WAIT_US /
			    1000, reg, id->off + off, v, want);
	else
		PMD_DRV_LOG(ERR, "reset: ID.%s (BAR0+0x%x) reads 0x%08x: the "
			    "device does not answer", reg, id->off + off, v);
	return ret == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
}

/*
 * Spec 3.1: write RESET (CMD), poll it until it reads 0 (the device keeps
 * it at 1 while the reset runs, about 1 ms), then STATUS until ready; each
 * wait bounded by OPNIC_WAIT_US. Nothing else of the device (the MAC, the
 * queues) is read or written before this returns 0.
 */
int
opnic_hw_reset(struct opnic_io *io)
{
	const struct vbar_block *id = &io->blk[OPNIC_BLK_ID];
	uint32_t v;
	int ret;

	vbar_write32(id, OPNIC_ID_RESET, 1);
	ret = wait_reg(id, OPNIC_ID_RESET, 1, 0, 0, &v);
	if (ret != 0)
		return reset_fail(id, "RESET", OPNIC_ID_RESET, v, ret, "bit 0 = 0");
	ret = wait_reg(id, OPNIC_ID_STATUS, OPNIC_ID_STATUS_READY,
		       OPNIC_ID_STATUS_READY, 0, &v);
	if (ret != 0)
		return reset_fail(id, "STATUS", OPNIC_ID_STATUS, v, ret,
				  "bit 0 (ready) = 1");
	return 0;
}

void
opnic_hw_mac_get(struct opnic_io *io, struct rte_ether_addr *mac)
{
	uint32_t lo = vbar_read32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_LO);
	uint32_t hi = vbar_read32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_HI);

	mac->addr_bytes[0] = (uint8_t)lo;
	mac->addr_bytes[1] = (uint8_t)(lo >> 8);
	mac->addr_bytes[2] = (uint8_t)(lo >> 16);
	mac->addr_bytes[3] = (uint8_t)(lo >> 24);
	mac->addr_bytes[4] = (uint8_t)hi;
	mac->addr_bytes[5] = (uint8_t)(hi >> 8);
}

void
opnic_hw_mac_set(struct opnic_io *io, const struct rte_ether_addr *mac)
{
	const uint8_t *a = mac->addr_bytes;

	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_LO,
		     (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 |
		     (uint32_t)a[3] << 24);
	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_ADDR_HI,
		     (uint32_t)a[4] | (uint32_t)a[5] << 8);
}

void
opnic_hw_mtu_set(struct opnic_io *io, uint32_t mtu)
{
	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_MTU, mtu);
}

void
opnic_hw_rxmode_set(struct opnic_io *io, int promisc, int allmulti)
{
	vbar_write32(&io->blk[OPNIC_BLK_MAC], OPNIC_MAC_RXMODE,
		     (promisc ? OPNIC_RXMODE_PROMISC : 0) |
		     (allmulti ? OPNIC_RXMODE_ALLMULTI : 0));
}

/* 1 if the link is up (a removed device reads all ones: down). */
int
opnic_hw_link_get(struct opnic_io *io, uint32_t *speed)
{
	uint32_t st = vbar_read32(&io->blk[OPNIC_BLK_LINK], OPNIC_LINK_STATUS);

	*speed = vbar_read32(&io->blk[OPNIC_BLK_LINK], OPNIC_LINK_SPEED);
	return st != 0xffffffff && (st & OPNIC_LINK_UP) != 0;
}

/* Read and clear the cause of vector 0; 1 if the link changed. */
int
opnic_hw_cause_ack(struct opnic_io *io)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_LINK];
	uint32_t cause = vbar_read32(b, OPNIC_LINK_CAUSE);

	if (cause == 0)
		return 0;
	vbar_write32(b, OPNIC_LINK_CAUSE_CLR, cause);
	return (cause & OPNIC_CAUSE_LSC) != 0;
}

void
opnic_hw_rss_set(struct opnic_io *io, const uint8_t *key, const uint8_t *reta,
		 uint32_t reta_size, int enable)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_RSS];
	unsigned int i;
	uint32_t w;

	for (i = 0; i < OPNIC_RSS_KEY_LEN; i += 4) {
		memcpy(&w, &key[i], 4);
		vbar_write32(b, OPNIC_RSS_KEY + i, rte_le_to_cpu_32(w));
	}
	for (i = 0; i < reta_size; i += 4) {
		memcpy(&w, &reta[i], 4);
		vbar_write32(b, OPNIC_RSS_RETA + i, rte_le_to_cpu_32(w));
	}
	vbar_write32(b, OPNIC_RSS_CTRL, enable ? OPNIC_RSS_ENABLE : 0);
}

uint64_t
opnic_hw_stat(struct opnic_io *io, size_t field)
{
	if (io->removed)
		return 0;
	return vbar_read64(&io->blk[OPNIC_BLK_STATS], (uint32_t)field);
}

void
opnic_hw_stats_get(struct opnic_io *io, struct opnic_hw_stats *s)
{
	uint64_t *v = (uint64_t *)s;
	unsigned int i;

	for (i = 0; i < OPNIC_ST_NPORT; i++)
		v[i] = opnic_hw_stat(io, i * sizeof(v[0]));
}

/* Register dump: the MSI-X table and PBA are not read (region reads of
 * the table return all ones anyway), nor anything of a removed device. */
uint32_t
opnic_hw_regs_words(const struct opnic_io *io)
{
	return (uint32_t)(io->vb.bar[0].size / 4);
}

void
opnic_hw_regs_dump(const struct opnic_io *io, uint32_t *out)
{
	uint32_t i, t;

	memset(out, 0, (size_t)opnic_hw_regs_words(io) * 4);
	for (t = 0; t < OPNIC_BLK_NTYPES; t++) {
		const struct vbar_block *b = &io->blk[t];

		if (!io->have_blk[t] || io->removed)
			continue;
		for (i = 0; i < b->size; i += 4)
			out[(b->off + i) / 4] = vbar_read32(b, i);
	}
}

static uint32_t
qbase(int is_rx, unsigned int q)
{
	return (is_rx ? OPNIC_QCFG_RX_BASE : 0) + q * OPNIC_QCFG_STRIDE;
}

static const char *
qerr_name(uint32_t e)
{
	static const char *const names[] = {
		[OPNIC_QERR_SIZE] = "ring size out of range",
		[OPNIC_QERR_RING_DMA] = "ring or completion IOVA not mapped",
		[OPNIC_QERR_SHADOW_DMA] = "shadow IOVA not mapped",
		[OPNIC_QERR_BUF_SIZE] = "bad RX buffer size",
	};

	return e < RTE_DIM(names) && names[e] != NULL ? names[e] :
	       "unknown error";
}

static void
write64(const struct vbar_block *b, uint32_t lo, uint64_t v)
{
	vbar_write32(b, lo, (uint32_t)v);
	vbar_write32(b, lo + 4, (uint32_t)(v >> 32));
}

/* Spec 3.4: program the queue, enable it, wait for RUNNING. */
int
opnic_hw_queue_start(struct opnic_io *io, int is_rx, unsigned int q,
		     const struct opnic_hw_qcfg *cfg)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_QCFG];
	const char *dir = is_rx ? "RX" : "TX";
	uint32_t base = qbase(is_rx, q), v;

	write64(b, base + OPNIC_Q_RING_LO, cfg->ring_iova);
	write64(b, base + OPNIC_Q_CPL_LO, cfg->cpl_iova);
	write64(b, base + OPNIC_Q_SHADOW_LO, cfg->shadow_iova);
	vbar_write32(b, base + OPNIC_Q_SIZE_LOG2, cfg->log2);
	vbar_write32(b, base + OPNIC_Q_BUF_SIZE, cfg->buf_size);
	/* rte_write32 (rte_io_wmb, then the store) orders every earlier CPU
	 * store (the configuration above, the rings the caller zeroed) before
	 * the MMIO store of the enable the DEVICE acts on; the pwrite path is
	 * ordered by the system call. */
	vbar_write32(b, base + OPNIC_Q_CTRL, OPNIC_Q_CTRL_ENABLE);
	wait_reg(b, base + OPNIC_Q_STATUS,
		 OPNIC_Q_STATUS_RUNNING | OPNIC_Q_STATUS_ERROR, 0, 1, &v);
	PMD_DRV_LOG(DEBUG, "%s queue %u start: STATUS 0x%x CTRL 0x%x", dir, q,
		    v, vbar_read32(b, base + OPNIC_Q_CTRL));
	if (v & OPNIC_Q_STATUS_RUNNING)
		return 0;
	if (v == 0xffffffff) {
		io->removed = 1;
		return -EIO;
	}
	if (v & OPNIC_Q_STATUS_ERROR) {
		uint32_t e = vbar_read32(b, base + OPNIC_Q_ERROR);

		PMD_DRV_LOG(ERR, "%s queue %u refused: %s (error %u)", dir, q,
			    qerr_name(e), e);
		vbar_write32(b, base + OPNIC_Q_CTRL, 0);
		return -EIO;
	}
	PMD_DRV_LOG(ERR, "%s queue %u did not start (STATUS 0x%08x)", dir, q, v);
	vbar_write32(b, base + OPNIC_Q_CTRL, 0);
	return -ETIMEDOUT;
}

int
opnic_hw_queue_stop(struct opnic_io *io, int is_rx, unsigned int q)
{
	const struct vbar_block *b = &io->blk[OPNIC_BLK_QCFG];
	uint32_t base = qbase(is_rx, q), v;

	/* A removed device (or one that looks removed) cannot confirm. */
	if (io->removed)
		return -ENODEV;
	vbar_write32(b, base + OPNIC_Q_CTRL, 0);
	PMD_DRV_LOG(DEBUG, "%s queue %u stop", is_rx ? "RX" : "TX", q);
	if (wait_reg(b, base + OPNIC_Q_STATUS, OPNIC_Q_STATUS_RUNNING, 0, 0,
		     &v) != 0) {
		PMD_DRV_LOG(ERR, "%s queue %u did not confirm stop within %u ms "
			    "(QCFG STATUS 0x%08x)", is_rx ? "RX" : "TX", q,
			    OPNIC_WAIT_US / 1000, v);
		if (v == 0xffffffff)
			io->removed = 1;
		return -ETIMEDOUT;
	}
	return 0;
}

/* Spec 3.5: queue q's doorbell is the word at q * 4 of TXDB or RXDB. */
void
opnic_hw_doorbell_get(const struct opnic_io *io, int is_rx, unsigned int q,
		      struct opnic_doorbell *db)
{
	const struct vbar_block *b =
		&io->blk[is_rx ? OPNIC_BLK_RXDB : OPNIC_BLK_TXDB];

	db->addr = b->addr != NULL ? b->addr + q * OPNIC_DB_STRIDE : NULL;
	db->fd = b->fd;
	db->pos = (off_t)(b->pos + q * OPNIC_DB_STRIDE);
}

/* MSI-X vector 0 through VFIO_DEVICE_SET_IRQS: our eventfd, or none. */
static int
own_intr_set(struct opnic_io *io, int enable)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *is = (struct vfio_irq_set *)buf;
	int32_t fd = rte_intr_fd_get(io->own_intr);

	memset(buf, 0, sizeof(buf));
	is->argsz = sizeof(buf);
	is->index = VFIO_PCI_MSIX_IRQ_INDEX;
	is->start = 0;
	if (enable) {
		is->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->count = 1;
		memcpy(is->data, &fd, sizeof(fd));
	} else {
		is->argsz = sizeof(*is);
		is->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->count = 0;
	}
	return ioctl(io->vb.fd, VFIO_DEVICE_SET_IRQS, is);
}

/* Self-mapped devices have no interrupt handle from the bus: vector 0 gets
 * an eventfd of our own. Bus-mapped ones use the bus's VFIO MSI-X handle. */
int
opnic_hw_intr_init(struct opnic_io *io)
{
	int efd;

	if (!io->vb.self_mapped)
		return rte_intr_type_get(io->vb.pci->intr_handle) ==
		       RTE_INTR_HANDLE_VFIO_MSIX ? 0 : -ENOTSUP;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	io->own_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (io->own_intr == NULL || efd < 0 ||
	    rte_intr_fd_set(io->own_intr, efd) != 0 ||
	    rte_intr_type_set(io->own_intr, RTE_INTR_HANDLE_EXT) != 0) {
		if (efd >= 0)
			close(efd);
		rte_intr_instance_free(io->own_intr);
		io->own_intr = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct rte_intr_handle *
opnic_hw_intr_handle(const struct opnic_io *io)
{
	return io->own_intr != NULL ? io->own_intr : io->vb.pci->intr_handle;
}

/* The vector, then LINK.INTR_EN (spec 3.3) as the vector came out. */
int
opnic_hw_intr_enable(struct opnic_io *io, int on)
{
	int ret;

	if (io->own_intr != NULL)
		ret = own_intr_set(io, on);
	else
		ret = on ? rte_intr_enable(io->vb.pci->intr_handle) :
			   rte_intr_disable(io->vb.pci->intr_handle);
	if (!io->removed)
		vbar_write32(&io->blk[OPNIC_BLK_LINK], OPNIC_LINK_INTR_EN,
			     on && ret == 0 ? 1 : 0);
	return ret;
}

/* In the callback: an eventfd of our own must be read; -1 if it had
 * nothing. The bus's handle is drained by EAL. */
int
opnic_hw_intr_drain(struct opnic_io *io)
{
	uint64_t cnt;

	if (io->own_intr == NULL)
		return 0;
	return read(rte_intr_fd_get(io->own_intr), &cnt, sizeof(cnt)) < 0 ?
	       -1 : 0;
}

void
opnic_hw_intr_fini(struct opnic_io *io)
{
	if (io->own_intr == NULL)
		return;
	close(rte_intr_fd_get(io->own_intr));
	rte_intr_instance_free(io->own_intr);
	io->own_intr = NULL;
}
