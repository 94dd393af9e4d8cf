/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The one header the VFIO emulation (LD_PRELOAD side), opnic-ctl and the
 * opnic-model process share: the run directory's names, the layout of a
 * device's shared-memory file, the fake bus addresses, and the messages on
 * the model's UNIX socket. Writers: lib/model_server (socket, device files)
 * and opnic_emu_rundir.c (vfio nodes, sysfs); readers: the emulation.
 *
 * Run directory (OPNIC_RUN_DIR):
 *   model.sock            SOCK_SEQPACKET, one connection per VFIO container
 *   dev<N>.shm            header page, config space, BAR0, MSI-X BAR
 *   vfio/vfio, vfio/<G>   the files behind the /dev/vfio nodes we emulate
 *   sysfs/bus/pci/devices/<bdf>/...   what DPDK's PCI scan reads
 *   iommu_groups/<G>      answers opendir("/sys/kernel/iommu_groups")
 */

#ifndef _OPNIC_EMU_PROTO_H_
#define _OPNIC_EMU_PROTO_H_

#include <stdint.h>

/* Names in the run directory, relative to it. */
#define OPNIC_RUN_SOCKET	"model.sock"
#define OPNIC_RUN_DEV_FMT	"dev%u.shm"	/* device index */
#define OPNIC_RUN_CONTAINER	"vfio/vfio"
#define OPNIC_RUN_GROUP_FMT	"vfio/%u"	/* IOMMU group */
#define OPNIC_RUN_IOMMU_GROUPS	"iommu_groups"
#define OPNIC_RUN_PCI_DEVICES	"sysfs/bus/pci/devices"

#define OPNIC_SHM_MAGIC		0x4d48534f	/* "OSHM" */
#define OPNIC_SHM_VERSION	1
#define OPNIC_SHM_CFG_OFF	0x1000
#define OPNIC_SHM_BAR_OFF	0x10000
#define OPNIC_MAX_DEVICES	8
#define OPNIC_GROUP_BASE	42	/* IOMMU group of device N: 42 + N */
#define OPNIC_BDF_FMT		"0000:0b:%02x.0"	/* device N & 0x1f */
/* The bus address BAR B of device N pretends to have, in sysfs "resource"
 * and in the virtualized BAR registers: one 1 MiB window per device, 64 KiB
 * per BAR, below 4 GiB. */
#define OPNIC_BAR_PHYS_BASE	0xfe000000ull
#define OPNIC_BAR_PHYS_DEV_STRIDE	0x100000ull
#define OPNIC_BAR_PHYS_BAR_STRIDE	0x10000ull

static inline uint64_t
opnic_bar_phys(unsigned int dev, unsigned int bar)
{
	return OPNIC_BAR_PHYS_BASE + dev * OPNIC_BAR_PHYS_DEV_STRIDE +
	       bar * OPNIC_BAR_PHYS_BAR_STRIDE;
}

struct opnic_shm_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t dev_index;
	uint32_t iommu_group;
	char bdf[16];		/* 0000:00:0N.0 style */
	char profile[32];
	uint32_t bar_size[6];
	uint64_t bar_off[6];	/* file offsets, 0 when the BAR is absent */
	uint32_t msix_bar;
	uint32_t msix_table;
	uint32_t msix_pba;
	uint32_t msix_vectors;
	uint32_t model_pid;
	uint32_t rsvd;
	uint64_t file_size;
};

/*
 * The model's socket: SOCK_SEQPACKET, one fixed-size struct opnic_msg per
 * packet each way. A request names its type and device and fills the union
 * member of its type; the reply is the same struct with the reply member
 * filled (status 0 or -errno, and text). A file travels with SCM_RIGHTS:
 * DMA memory with DMA_MAP, the eventfd with IRQ when enabling a vector.
 */
enum opnic_msg_type {
	OPNIC_MSG_ATTACH = 1,	/* a group joined this container */
	OPNIC_MSG_DETACH,	/* the group left it */
	OPNIC_MSG_DMA_MAP,	/* struct opnic_msg_dma_map; fd */
	OPNIC_MSG_DMA_UNMAP,	/* struct opnic_msg_dma_unmap */
	OPNIC_MSG_IRQ,		/* struct opnic_msg_irq; fd when enabling */
	OPNIC_MSG_MSIX,		/* struct opnic_msg_msix */
	OPNIC_MSG_RESET,	/* function-level reset */
	OPNIC_MSG_LINK,		/* struct opnic_msg_link */
	OPNIC_MSG_STATUS,	/* struct opnic_msg_status; reply text */
	OPNIC_MSG_FAULT,	/* struct opnic_msg_fault */
	OPNIC_MSG_QUIT,		/* stop the model */
	OPNIC_MSG_WIRE,		/* struct opnic_msg_wire; reply text */
	OPNIC_MSG_NTYPES	/* one past the last type */
};

#define OPNIC_MSG_TEXT_SIZE	3072
#define OPNIC_FAULT_NAME_SIZE	64

/* Map [iova, iova + len) to the passed file from file_offset on. */
struct opnic_msg_dma_map {
	uint64_t iova;
	uint64_t len;
	uint64_t file_offset;
};

/* Unmap what lies in [iova, iova + len); the reply says how much did. */
struct opnic_msg_dma_unmap {
	uint64_t iova;
	uint64_t len;
};

/* MSI-X vector's trigger: enable 1 with the eventfd passed, 0 to drop it. */
struct opnic_msg_irq {
	uint32_t vector;
	uint32_t enable;
};

/* MSI-X enable in config space: 1 enable, 0 disable (and drop triggers). */
struct opnic_msg_msix {
	uint32_t enable;
};

/* Link state: 1 up, 0 down. */
struct opnic_msg_link {
	uint32_t up;
};

/* Formats of the status reply. */
#define OPNIC_STATUS_TEXT	0	/* "key value" lines (tests parse them) */
#define OPNIC_STATUS_JSON	1	/* one JSON object on one line */

struct opnic_msg_status {
	uint32_t format;	/* OPNIC_STATUS_* */
};

/* Inject a fault (doc/faults.md): count of name; for "random", count is
 * the rate in faults per million and seed seeds it. */
struct opnic_msg_fault {
	uint64_t count;
	uint64_t seed;
	char name[OPNIC_FAULT_NAME_SIZE];	/* NUL-terminated */
};

/* A command for the device's external wire ("status", "set k=v", ...). */
struct opnic_msg_wire {
	char command[OPNIC_MSG_TEXT_SIZE];	/* NUL-terminated */
};

struct opnic_msg_reply {
	int32_t status;		/* 0 or -errno */
	uint32_t len;		/* bytes of text, without the NUL */
	uint64_t unmapped;	/* DMA_UNMAP: bytes unmapped */
	char text[OPNIC_MSG_TEXT_SIZE];	/* message or status text */
};

struct opnic_msg {
	uint32_t type;		/* enum opnic_msg_type */
	uint32_t dev;		/* device index, for the device requests */
	union {
		struct opnic_msg_dma_map dma_map;
		struct opnic_msg_dma_unmap dma_unmap;
		struct opnic_msg_irq irq;
		struct opnic_msg_msix msix;
		struct opnic_msg_link link;
		struct opnic_msg_status status;
		struct opnic_msg_fault fault;
		struct opnic_msg_wire wire;
		struct opnic_msg_reply reply;	/* the answer to any request */
	};
};

/* Both sides send and expect exactly this many bytes per packet. */
_Static_assert(sizeof(struct opnic_msg) == 8 + 16 + OPNIC_MSG_TEXT_SIZE,
	       "struct opnic_msg: type, dev and the reply, the largest member");

#endif /* _OPNIC_EMU_PROTO_H_ */
