/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The opnic register interface, shared by the PMD and the NIC model.
 * doc/spec.md is the prose version of this file; section numbers in the
 * comments point there. Every device-visible field is little-endian.
 */

#ifndef _OPNIC_REGS_H_
#define _OPNIC_REGS_H_

#include <stdint.h>

/* PCI identity (spec 1). No in-tree DPDK 22.11 PMD claims this pair. */
#define OPNIC_PCI_VENDOR_ID	0x1e0f
#define OPNIC_PCI_DEVICE_ID	0x0c5e
#define OPNIC_PCI_CLASS		0x020000	/* Ethernet controller */

/* Register-block directory at BAR0 offset 0 (spec 2). */
#define OPNIC_DIR_MAGIC		0x5249444f	/* "ODIR" */
#define OPNIC_DIR_VERSION	1
#define OPNIC_DIR_REG_MAGIC	0x00
#define OPNIC_DIR_REG_VERSION	0x04
#define OPNIC_DIR_REG_COUNT	0x08
#define OPNIC_DIR_ENTRY_BASE	0x10
#define OPNIC_DIR_ENTRY_SIZE	16
#define OPNIC_DIR_MAX_ENTRIES	14
/* Entry word 0: type (bits 15:0) | version (bits 31:16); word 1: offset;
 * word 2: size; word 3: reserved (0). */

enum opnic_block_type {
	OPNIC_BLK_DIR = 0,
	OPNIC_BLK_ID = 1,
	OPNIC_BLK_MAC = 2,
	OPNIC_BLK_LINK = 3,
	OPNIC_BLK_QCFG = 4,
	OPNIC_BLK_TXDB = 5,
	OPNIC_BLK_RXDB = 6,
	OPNIC_BLK_RSS = 7,
	OPNIC_BLK_STATS = 8,
	OPNIC_BLK_MSIX_TABLE = 9,
	OPNIC_BLK_MSIX_PBA = 10,
	OPNIC_BLK_MBOX = 11,
	OPNIC_BLK_NTYPES
};

/* The name of a block type, as profiles, the probe log and messages spell it
 * (one table for the driver and the model). */
static inline const char *
opnic_block_name(unsigned int type)
{
	static const char *const names[OPNIC_BLK_NTYPES] = {
		[OPNIC_BLK_DIR] = "dir",
		[OPNIC_BLK_ID] = "id",
		[OPNIC_BLK_MAC] = "mac",
		[OPNIC_BLK_LINK] = "link",
		[OPNIC_BLK_QCFG] = "qcfg",
		[OPNIC_BLK_TXDB] = "txdb",
		[OPNIC_BLK_RXDB] = "rxdb",
		[OPNIC_BLK_RSS] = "rss",
		[OPNIC_BLK_STATS] = "stats",
		[OPNIC_BLK_MSIX_TABLE] = "msix_table",
		[OPNIC_BLK_MSIX_PBA] = "msix_pba",
		[OPNIC_BLK_MBOX] = "mbox",
	};

	if (type < OPNIC_BLK_NTYPES && names[type] != NULL)
		return names[type];
	return "unknown";
}

/* The only block version this revision of the spec defines for each type. */
#define OPNIC_BLK_VERSION	1

/* ID block (spec 3.1). */
#define OPNIC_ID_MAGIC		0x00	/* RO 0x43494e4f "ONIC" */
#define OPNIC_ID_MAGIC_VALUE	0x43494e4f
#define OPNIC_ID_DEV_VERSION	0x04	/* RO major << 16 | minor */
#define OPNIC_ID_FW_VERSION	0x08	/* RO major << 24 | minor << 16 | patch */
#define OPNIC_ID_CAPS		0x0c	/* RO, OPNIC_CAP_* */
#define OPNIC_ID_NUM_QUEUES	0x10	/* RO TX queues == RX queues */
#define OPNIC_ID_MAX_RING_LOG2	0x14	/* RO */
#define OPNIC_ID_RESET		0x18	/* W 1: reset; R 1 while in progress */
#define OPNIC_ID_STATUS		0x1c	/* RO bit 0: ready */
#define OPNIC_ID_SCRATCH	0x20	/* RW, no effect */
#define OPNIC_ID_MAX_FRAME	0x24	/* RO largest frame, bytes */
#define OPNIC_CAP_RSS		(1u << 0)
#define OPNIC_CAP_DB_SUPPRESS	(1u << 1)
#define OPNIC_CAP_RX_FILTER	(1u << 2)
#define OPNIC_ID_STATUS_READY	(1u << 0)

/* MAC block (spec 3.2). */
#define OPNIC_MAC_ADDR_LO	0x00	/* RW bytes 0..3 of the address */
#define OPNIC_MAC_ADDR_HI	0x04	/* RW bytes 4..5 in bits 15:0 */
#define OPNIC_MAC_MTU		0x08	/* RW 68..(MAX_FRAME - 18) */
#define OPNIC_MAC_RXMODE	0x0c	/* RW OPNIC_RXMODE_* */
#define OPNIC_RXMODE_PROMISC	(1u << 0)
#define OPNIC_RXMODE_ALLMULTI	(1u << 1)

/* LINK block (spec 3.3). */
#define OPNIC_LINK_STATUS	0x00	/* RO bit 0: up */
#define OPNIC_LINK_SPEED	0x04	/* RO Mb/s */
#define OPNIC_LINK_CAUSE	0x08	/* RO bit 0: link changed, sticky */
#define OPNIC_LINK_INTR_EN	0x0c	/* RW bit 0: raise vector 0 on cause */
#define OPNIC_LINK_CAUSE_CLR	0x10	/* W1C strobe: 1 in bit n clears CAUSE
					 * bit n; the device writes it back to 0 */
#define OPNIC_LINK_UP		(1u << 0)
#define OPNIC_CAUSE_LSC		(1u << 0)

/* QCFG block (spec 3.4): TX queue q at q * 0x40, RX queue q at 0x800 + q * 0x40. */
#define OPNIC_QCFG_STRIDE	0x40
#define OPNIC_QCFG_RX_BASE	0x800
#define OPNIC_QCFG_MAX_QUEUES	32
#define OPNIC_Q_RING_LO		0x00
#define OPNIC_Q_RING_HI		0x04
#define OPNIC_Q_CPL_LO		0x08
#define OPNIC_Q_CPL_HI		0x0c
#define OPNIC_Q_SHADOW_LO	0x10
#define OPNIC_Q_SHADOW_HI	0x14
#define OPNIC_Q_SIZE_LOG2	0x18
#define OPNIC_Q_BUF_SIZE	0x1c	/* RX only */
#define OPNIC_Q_CTRL		0x20	/* RW bit 0: enable */
#define OPNIC_Q_STATUS		0x24	/* RO bit 0: running, bit 1: error */
#define OPNIC_Q_ERROR		0x28	/* RO OPNIC_QERR_* */
#define OPNIC_Q_CTRL_ENABLE	(1u << 0)
#define OPNIC_Q_STATUS_RUNNING	(1u << 0)
#define OPNIC_Q_STATUS_ERROR	(1u << 1)
#define OPNIC_MIN_RING_LOG2	6
#define OPNIC_MAX_RING_LOG2	12

enum opnic_qerr {
	OPNIC_QERR_NONE = 0,
	OPNIC_QERR_SIZE = 1,	/* SIZE_LOG2 out of range */
	OPNIC_QERR_RING_DMA = 2,	/* ring or completion IOVA not mapped */
	OPNIC_QERR_SHADOW_DMA = 3,	/* shadow IOVA not mapped */
	OPNIC_QERR_BUF_SIZE = 4,	/* RX buffer size 0 or > 16 KiB */
};

/* TXDB / RXDB blocks (spec 3.5): queue q's doorbell at q * 4, holding the
 * driver's free-running producer index. */
#define OPNIC_DB_STRIDE		4

/* RSS block (spec 3.6). */
#define OPNIC_RSS_KEY		0x00	/* RW 40 bytes, key byte i at offset i */
#define OPNIC_RSS_KEY_LEN	40
#define OPNIC_RSS_CTRL		0x30	/* RW bit 0: enable */
#define OPNIC_RSS_RETA_SIZE_REG	0x34	/* RO number of RETA entries */
#define OPNIC_RSS_RETA		0x40	/* RW one byte per entry: queue */
#define OPNIC_RSS_RETA_SIZE	128
#define OPNIC_RSS_ENABLE	(1u << 0)

/* STATS block (spec 3.7): 64-bit device-owned counters, software writes are
 * overwritten. Port counters first, then per-queue at 0x100 + q * 0x20. */
#define OPNIC_ST_RX_PKTS	0x00
#define OPNIC_ST_RX_BYTES	0x08
#define OPNIC_ST_TX_PKTS	0x10
#define OPNIC_ST_TX_BYTES	0x18
#define OPNIC_ST_RX_NO_DESC	0x20	/* frames dropped: no RX descriptor */
#define OPNIC_ST_RX_FILTERED	0x28	/* frames dropped by the MAC filter */
#define OPNIC_ST_DMA_ERRORS	0x30	/* accesses to unmapped IOVA */
#define OPNIC_ST_DESC_ERRORS	0x38	/* malformed descriptors */
#define OPNIC_ST_RX_TOO_LONG	0x40	/* frame larger than the RX buffer */
#define OPNIC_ST_LINK_DROPS	0x48	/* frames lost because a link was down */
#define OPNIC_ST_NPORT		10
#define OPNIC_ST_QUEUE_BASE	0x100
#define OPNIC_ST_QUEUE_STRIDE	0x20
#define OPNIC_STQ_RX_PKTS	0x00
#define OPNIC_STQ_RX_BYTES	0x08
#define OPNIC_STQ_TX_PKTS	0x10
#define OPNIC_STQ_TX_BYTES	0x18

/* MBOX block (spec 3.8): 16 RW scratch/mailbox words. */
#define OPNIC_MBOX_WORDS	16

/* MSI-X (spec 4): vector 0 is link-state change; nothing else interrupts. */
#define OPNIC_MSIX_ENTRY_SIZE	16
#define OPNIC_MSIX_VEC_CTRL	12
#define OPNIC_MSIX_VEC_MASKED	(1u << 0)
#define OPNIC_VEC_LSC		0

/* Descriptors and completions in host memory (spec 5). */
struct opnic_tx_desc {
	uint64_t addr;		/* IOVA of the frame */
	uint16_t len;		/* bytes, 14 .. MAX_FRAME */
	uint16_t flags;		/* reserved, 0 */
	uint32_t rsvd;
};

struct opnic_rx_desc {
	uint64_t addr;		/* IOVA of the buffer */
	uint64_t rsvd;
};

/* One completion per descriptor, in ring order, same ring size. */
struct opnic_cpl {
	uint32_t rss_hash;	/* RX: Toeplitz hash, valid if OPNIC_CPL_RSS */
	uint16_t idx;		/* descriptor index (mod ring size) completed */
	uint16_t len;		/* RX: frame length; TX: bytes sent */
	uint16_t status;	/* OPNIC_CPL_ST_* */
	uint16_t flags;		/* bit 0: phase, written last */
	uint32_t rsvd;
};

#define OPNIC_CPL_PHASE		(1u << 0)
#define OPNIC_CPL_RSS		(1u << 1)
#define OPNIC_CPL_ST_OK		0
#define OPNIC_CPL_ST_DMA_ERR	1	/* buffer IOVA not mapped */
#define OPNIC_CPL_ST_DESC_ERR	2	/* bad length */
#define OPNIC_CPL_ST_TOO_LONG	3	/* RX frame did not fit */

/* Doorbell-suppression shadow (spec 6), 64-byte aligned, per queue. */
struct opnic_shadow {
	uint32_t drv_prod;	/* driver: producer index, always written */
	uint32_t dev_flags;	/* device: OPNIC_SHADOW_NO_NOTIFY */
	uint32_t dev_cons;	/* device: descriptors consumed so far */
	uint32_t rsvd[13];
};

#define OPNIC_SHADOW_NO_NOTIFY	(1u << 0)

/* The smallest size a block of this type may have on a device with 'queues'
 * queues (spec 2): used by the profile checker and by the driver. */
static inline uint32_t
opnic_block_min_size(unsigned int type, uint32_t queues)
{
	switch (type) {
	case OPNIC_BLK_ID: return OPNIC_ID_MAX_FRAME + 4;
	case OPNIC_BLK_MAC: return OPNIC_MAC_RXMODE + 4;
	case OPNIC_BLK_LINK: return OPNIC_LINK_CAUSE_CLR + 4;
	case OPNIC_BLK_QCFG: return OPNIC_QCFG_RX_BASE + queues * OPNIC_QCFG_STRIDE;
	case OPNIC_BLK_TXDB:
	case OPNIC_BLK_RXDB: return queues * OPNIC_DB_STRIDE;
	case OPNIC_BLK_RSS: return OPNIC_RSS_RETA + OPNIC_RSS_RETA_SIZE;
	case OPNIC_BLK_STATS:
		return OPNIC_ST_QUEUE_BASE + queues * OPNIC_ST_QUEUE_STRIDE;
	case OPNIC_BLK_MBOX: return OPNIC_MBOX_WORDS * 4;
	default: return 0;
	}
}

_Static_assert(sizeof(struct opnic_tx_desc) == 16, "tx desc is 16 bytes");
_Static_assert(sizeof(struct opnic_rx_desc) == 16, "rx desc is 16 bytes");
_Static_assert(sizeof(struct opnic_cpl) == 16, "completion is 16 bytes");
_Static_assert(sizeof(struct opnic_shadow) == 64, "shadow is 64 bytes");

#endif /* _OPNIC_REGS_H_ */
