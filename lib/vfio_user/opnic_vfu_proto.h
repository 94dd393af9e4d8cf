/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The vfio-user wire format (QEMU docs/interop/vfio-user.rst, version 0.0)
 * as the server side sees it: the 16-byte header every message starts
 * with, the command numbers, and the payloads of the commands we serve.
 * Payload structures that are the kernel's (region info, irq info and set,
 * capability headers) come from <linux/vfio.h>. All fields host-endian.
 */

#ifndef _OPNIC_VFU_PROTO_H_
#define _OPNIC_VFU_PROTO_H_

#include <stdint.h>

#define VFU_MAJOR	0
#define VFU_MINOR	0

enum vfu_command {
	VFU_CMD_VERSION = 1,
	VFU_CMD_DMA_MAP = 2,
	VFU_CMD_DMA_UNMAP = 3,
	VFU_CMD_DEVICE_GET_INFO = 4,
	VFU_CMD_DEVICE_GET_REGION_INFO = 5,
	VFU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	VFU_CMD_DEVICE_GET_IRQ_INFO = 7,
	VFU_CMD_DEVICE_SET_IRQS = 8,
	VFU_CMD_REGION_READ = 9,
	VFU_CMD_REGION_WRITE = 10,
	VFU_CMD_DMA_READ = 11,		/* server -> client */
	VFU_CMD_DMA_WRITE = 12,		/* server -> client */
	VFU_CMD_DEVICE_RESET = 13,
	VFU_CMD_DIRTY_PAGES = 14,	/* older drafts */
	VFU_CMD_REGION_WRITE_MULTI = 15,
	VFU_CMD_DEVICE_FEATURE = 16,
	VFU_CMD_MIG_DATA_READ = 17,
	VFU_CMD_MIG_DATA_WRITE = 18,
	VFU_CMD_MAX
};

/* Header flags. */
#define VFU_F_TYPE_MASK		0x0f
#define VFU_F_TYPE_COMMAND	0x00
#define VFU_F_TYPE_REPLY	0x01
#define VFU_F_NO_REPLY		0x10
#define VFU_F_ERROR		0x20

struct vfu_hdr {
	uint16_t msg_id;
	uint16_t cmd;
	uint32_t size;		/* whole message, header included */
	uint32_t flags;
	uint32_t error;		/* errno in an error reply */
};

struct vfu_version {
	uint16_t major;
	uint16_t minor;
	/* NUL-terminated JSON follows */
};

/* VFIO_USER_DMA_MAP flags. */
#define VFU_DMA_READ		0x1
#define VFU_DMA_WRITE		0x2
/* VFIO_USER_DMA_UNMAP flags (the kernel's VFIO_DMA_UNMAP_FLAG_*). */
#define VFU_UNMAP_DIRTY_BITMAP	0x1
#define VFU_UNMAP_ALL		0x2

struct vfu_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset;	/* in the passed file */
	uint64_t addr;		/* IOVA */
	uint64_t size;
};

struct vfu_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t addr;
	uint64_t size;
};

struct vfu_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
};

struct vfu_region_rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	/* data follows (read reply, write request) */
};

/* One write of VFIO_USER_REGION_WRITE_MULTI: at most 8 bytes. */
struct vfu_write_one {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[8];
};

/* The most writes QEMU coalesces into one message; we accept as many. */
#define VFU_WRITE_MULTI_MAX	200

_Static_assert(sizeof(struct vfu_hdr) == 16, "vfio-user header");
_Static_assert(sizeof(struct vfu_dma_map) == 32, "DMA map payload");
_Static_assert(sizeof(struct vfu_dma_unmap) == 24, "DMA unmap payload");
_Static_assert(sizeof(struct vfu_region_rw) == 16, "region r/w payload");
_Static_assert(sizeof(struct vfu_write_one) == 24, "write multi entry");

#endif /* _OPNIC_VFU_PROTO_H_ */
