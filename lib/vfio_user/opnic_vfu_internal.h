/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Inside the vfio-user server (opnic_vfio_user.h):
 *   opnic_vfu_server.c   the endpoint: create, accept, release, destroy
 *   opnic_vfu_sock.c     the socket: exact reads with a deadline, fds in
 *                        and out (SCM_RIGHTS), sending a message
 *   opnic_vfu_msg.c      one message: header checks, dispatch, replies
 *   opnic_vfu_version.c  VFIO_USER_VERSION and its JSON capabilities
 *   opnic_vfu_device.c   device, region and IRQ info, SET_IRQS, reset
 *   opnic_vfu_region.c   REGION_READ/WRITE(_MULTI): config space, BARs
 *   opnic_vfu_dma.c      DMA_MAP/UNMAP into the model's IOVA map
 */

#ifndef _OPNIC_VFU_INTERNAL_H_
#define _OPNIC_VFU_INTERNAL_H_

#include <stddef.h>
#include <stdint.h>

#include "opnic_dma.h"
#include "opnic_vfio_user.h"
#include "opnic_vfu_proto.h"

/* Most fds one message may carry (our max_msg_fds). */
#define VFU_MAX_FDS		8
/* Our max_data_xfer_size: the most data of one region read or write. */
#define VFU_MAX_XFER		(1u << 20)
/* The largest message we take: a transfer plus its headers, or a version
 * message with its JSON. */
#define VFU_MAX_MSG		(VFU_MAX_XFER + 4096u)
/* A client that stops in the middle of a message for this long is cut. */
#ifndef VFU_READ_TIMEOUT_MS	/* the fuzz build waits for nothing */
#define VFU_READ_TIMEOUT_MS	2000
#endif
/* A client that reads none of a reply for this long is cut. */
#define VFU_SEND_TIMEOUT_MS	2000
/* The page size of the sparse areas and of DMA_MAP (our pgsizes). */
#define VFU_PAGE		4096ull
/* Mappings the model cannot reach (no fd, read-only) we keep track of. */
#define VFU_MAX_UNREACHABLE	1024
/* The regions and IRQ types of a vfio PCI device. */
#define VFU_NUM_REGIONS		9	/* BAR0-5, ROM, config, VGA */
#define VFU_NUM_IRQS		5	/* INTx, MSI, MSI-X, ERR, REQ */
#define VFU_CFG_SIZE		4096

/* A mapping the model's DMA does not go through (no fd to map, or the
 * client allowed reads only): device accesses there are DMA errors. */
struct vfu_unreachable {
	uint64_t iova;
	uint64_t len;
};

/* The capabilities both sides agreed on. */
struct vfu_caps {
	uint32_t client_max_fds;	/* fds we may send in one message */
	uint64_t client_max_xfer;
	int write_multi;
};

/* One received message. */
struct vfu_msg {
	const struct opnic_vfu *owner;
	struct vfu_hdr hdr;
	uint8_t *payload;		/* hdr.size - 16 bytes */
	uint32_t len;
	int fds[VFU_MAX_FDS];
	unsigned int nfds;
	/* The reply being built. */
	uint8_t *rep;
	uint32_t rep_len;
	uint32_t rep_cap;
	int rep_fd;			/* sent with the reply, -1 none; not ours */
	int err;			/* errno of an error reply, 0 */
};

struct opnic_vfu {
	struct opnic_vfu_dev_cfg cfg;
	char path[108];
	int lfd;
	int conn;
	int bar_fd;
	int negotiated;
	struct vfu_caps caps;
	struct opnic_dma_map *dma;
	struct vfu_unreachable unr[VFU_MAX_UNREACHABLE];
	unsigned int nunr;
	uint32_t vbar[6];		/* the virtualized BAR registers */
	int aux_fd[2];			/* error and request eventfds, -1 */
	int trace;
	struct opnic_vfu_stats st;
};

/* Socket (opnic_vfu_sock.c). */
int vfu_listen(const char *path, char *err, size_t errlen);
/* Read exactly len bytes; fds arriving with them into fds (at most max,
 * *nfds counts them). 0, 1 at a clean EOF before any byte, -1 on error
 * or timeout. */
int vfu_read_full(int sock, void *buf, size_t len, int *fds, unsigned int max,
		  unsigned int *nfds);
/* Send a header and payload with at most one fd. 0 or -1. */
int vfu_send(int sock, const struct vfu_hdr *h, const void *payload,
	     size_t len, int fd);
void vfu_close_fds(int *fds, unsigned int n);

/* Messages (opnic_vfu_msg.c). */
int vfu_msg_error(struct vfu_msg *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vfu_reply_put(struct vfu_msg *x, const void *data, size_t len);
/* len more bytes of reply to fill in, or NULL (the error set). */
uint8_t *vfu_reply_reserve(struct vfu_msg *x, size_t len);
/* Take fd i of the message (the caller owns it now), -1 when none. */
int vfu_msg_take_fd(struct vfu_msg *x, unsigned int i);
void vfu_log(const struct opnic_vfu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Handlers: 0 with the reply payload built, or -errno via vfu_msg_error. */
int vfu_handle_version(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_device_info(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_region_info(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_irq_info(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_set_irqs(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_reset(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_region_read(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_region_write(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_write_multi(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_dma_map(struct opnic_vfu *v, struct vfu_msg *x);
int vfu_handle_dma_unmap(struct opnic_vfu *v, struct vfu_msg *x);

/* State kept per client (opnic_vfu_dma.c, opnic_vfu_device.c). */
void vfu_dma_drop_all(struct opnic_vfu *v);
void vfu_irqs_drop_all(struct opnic_vfu *v);
void vfu_vbar_reset(struct opnic_vfu *v);
/* The client is gone: close it, drop its mappings and triggers, release
 * the device (opnic_vfu_server.c). Takes the lock. */
void vfu_conn_drop(struct opnic_vfu *v);

#endif /* _OPNIC_VFU_INTERNAL_H_ */
