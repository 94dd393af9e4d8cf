/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * What the VFIO emulation (LD_PRELOAD side), opnic-ctl and the opnic-model
 * daemon share: the layout of a device's shared-memory file in the run
 * directory, and the messages on the model's UNIX socket.
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

#define OPNIC_SHM_MAGIC		0x4d48534f	/* "OSHM" */
#define OPNIC_SHM_VERSION	1
#define OPNIC_SHM_CFG_OFF	0x1000
#define OPNIC_SHM_BAR_OFF	0x10000
#define OPNIC_MAX_DEVICES	8
#define OPNIC_GROUP_BASE	42	/* IOMMU group of device N: 42 + N */
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

enum opnic_msg_type {
	OPNIC_MSG_ATTACH = 1,	/* dev: a group joined this container */
	OPNIC_MSG_DETACH,	/* dev */
	OPNIC_MSG_DMA_MAP,	/* a = iova, b = len, c = file offset; fd */
	OPNIC_MSG_DMA_UNMAP,	/* a = iova, b = len; reply b = bytes unmapped */
	OPNIC_MSG_IRQ,		/* dev, a = vector, b = 1 trigger on (fd) / 0 off */
	OPNIC_MSG_MSIX,		/* dev, a = 1 enable / 0 disable */
	OPNIC_MSG_RESET,	/* dev: function-level reset */
	OPNIC_MSG_LINK,		/* dev, a = 1 up / 0 down */
	OPNIC_MSG_STATUS,	/* dev, a = OPNIC_STATUS_TEXT / _JSON; reply text */
	OPNIC_MSG_FAULT,	/* dev, text = fault name, b = count, c = seed */
	OPNIC_MSG_QUIT,
	OPNIC_MSG_WIRE,		/* dev, text = wire command; reply text */
};

/* Formats of the status reply. */
#define OPNIC_STATUS_TEXT	0	/* "key value" lines (tests parse them) */
#define OPNIC_STATUS_JSON	1	/* one JSON object on one line */

struct opnic_msg {
	uint32_t type;
	uint32_t dev;
	uint64_t a;
	uint64_t b;
	uint64_t c;
	int32_t status;		/* reply: 0 or -errno */
	uint32_t len;		/* reply: bytes of text */
	char text[3072];	/* reply: message or status text */
};

#endif /* _OPNIC_EMU_PROTO_H_ */
