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

/*
 * Revision 2 (spec 9): version 2 of the mac, qcfg and rss blocks. Everything
 * above is revision 1 and stays valid; a block's version in the directory
 * says which layout it has. A driver that knows version 1 only refuses a
 * version-2 block (OPNIC_BLK_VERSION above is what it knows).
 */
#define OPNIC_BLK_VERSION_2	2

/* The newest version this header defines for a block type. */
static inline unsigned int
opnic_block_max_version(unsigned int type)
{
	switch (type) {
	case OPNIC_BLK_MAC:
	case OPNIC_BLK_QCFG:
	case OPNIC_BLK_RSS:
		return OPNIC_BLK_VERSION_2;
	default:
		return OPNIC_BLK_VERSION;
	}
}

/* MAC block version 2 (spec 9.2.1): everything of version 1, plus: */
#define OPNIC_MAC_MAX_RX_FRAME	0x10	/* RW largest accepted frame, bytes
					 * without FCS, 64..ID.MAX_FRAME;
					 * reset ID.MAX_FRAME */
#define OPNIC_MAC_MIN_RX_FRAME	64

/* QCFG block version 2 (spec 9.2.2): the same per-queue stride and
 * registers, plus: */
#define OPNIC_Q_OFFLOAD		0x2c	/* RW, RX queues: OPNIC_RXOFF_* */
#define OPNIC_Q_WB_EVERY	0x30	/* RW, TX queues: write the head at least
					 * every N descriptors (0: only on RS
					 * and idle), 0..ring size */
#define OPNIC_RXOFF_CSUM	(1u << 0)	/* verify IPv4 header, TCP, UDP */
#define OPNIC_RXOFF_PTYPE	(1u << 1)	/* report the packet type */
#define OPNIC_RXOFF_VLAN_STRIP	(1u << 2)	/* remove an 802.1Q tag */
#define OPNIC_RXOFF_SCATTER	(1u << 3)	/* a frame may span buffers */
#define OPNIC_RXOFF_ALL		0xfu

/* RSS block version 2 (spec 9.2.3): version 1's key, CTRL and RETA (all
 * read back as written), plus the hash types the device hashes on. */
#define OPNIC_RSS_HASH_TYPES	0x38	/* RW OPNIC_RSS_HF_*, reset all set */
#define OPNIC_RSS_HF_IPV4	(1u << 0)	/* IPv4 2-tuple (DPDK RTE_ETH_RSS_IPV4) */
#define OPNIC_RSS_HF_TCP_IPV4	(1u << 1)	/* NONFRAG_IPV4_TCP 4-tuple */
#define OPNIC_RSS_HF_UDP_IPV4	(1u << 2)	/* NONFRAG_IPV4_UDP 4-tuple */
#define OPNIC_RSS_HF_IPV6	(1u << 3)	/* IPv6 2-tuple (RTE_ETH_RSS_IPV6) */
#define OPNIC_RSS_HF_TCP_IPV6	(1u << 4)	/* NONFRAG_IPV6_TCP 4-tuple */
#define OPNIC_RSS_HF_UDP_IPV6	(1u << 5)	/* NONFRAG_IPV6_UDP 4-tuple */
#define OPNIC_RSS_HF_ALL	0x3fu

/* Hash type reported in an RX write-back (the class the device used). */
enum opnic_rss_ht {
	OPNIC_RSS_HT_NONE = 0,
	OPNIC_RSS_HT_IPV4 = 1,
	OPNIC_RSS_HT_TCP_IPV4 = 2,
	OPNIC_RSS_HT_UDP_IPV4 = 3,
	OPNIC_RSS_HT_IPV6 = 4,
	OPNIC_RSS_HT_TCP_IPV6 = 5,
	OPNIC_RSS_HT_UDP_IPV6 = 6,
};

/* Segments of one TX frame at most (spec 9.4). */
#define OPNIC_TX_MAX_SEGS	32

/*
 * TX descriptor version 2 (spec 9.4), 16 bytes: one per segment. The
 * offload fields are read from a frame's first descriptor only.
 */
struct opnic_tx_desc_v2 {
	uint64_t addr;		/* IOVA of this segment */
	uint16_t len;		/* segment bytes, 1..16383 */
	uint16_t flags;		/* OPNIC_TXF_* */
	uint16_t hdr_lens;	/* l2_len bits 6:0, l3_len bits 15:7 */
	uint16_t vlan_tci;	/* with OPNIC_TXF_VLAN: the tag to insert */
};

#define OPNIC_TXF_EOP		(1u << 0)	/* last segment of the frame */
#define OPNIC_TXF_RS		(1u << 1)	/* report: write the head when done */
#define OPNIC_TXF_VLAN		(1u << 2)	/* insert an 802.1Q tag */
#define OPNIC_TXF_IP_CSUM	(1u << 3)	/* fill the IPv4 header checksum */
#define OPNIC_TXF_L4_SHIFT	4
#define OPNIC_TXF_L4_MASK	(3u << 4)
#define OPNIC_TXF_L4_NONE	(0u << 4)
#define OPNIC_TXF_L4_TCP	(1u << 4)	/* fill the TCP checksum */
#define OPNIC_TXF_L4_UDP	(2u << 4)	/* fill the UDP checksum */
#define OPNIC_TXF_IPV6		(1u << 6)	/* L3 is IPv6 (else IPv4) */
#define OPNIC_TXF_KNOWN		0x7fu		/* other bits: reserved, 0 */
#define OPNIC_TX_L2_LEN(h)	((h) & 0x7fu)
#define OPNIC_TX_L3_LEN(h)	(((h) >> 7) & 0x1ffu)
#define OPNIC_TX_HDR_LENS(l2, l3) ((uint16_t)(((l2) & 0x7fu) | ((l3) & 0x1ffu) << 7))

/*
 * TX head write-back (spec 9.5), 64 bytes at QCFG.CPL of a version-2 TX
 * queue, a cache line the device writes and the driver reads. 'head' is
 * written last.
 */
struct opnic_tx_head {
	uint32_t err_frames;	/* frames refused so far, free running */
	uint16_t last_err;	/* OPNIC_TXE_* of the last refused frame */
	uint16_t rsvd0;
	uint32_t last_err_desc;	/* free-running index of its first descriptor */
	uint32_t head;		/* descriptors done (sent or refused), free running */
	uint32_t rsvd[12];
};

enum opnic_tx_err {
	OPNIC_TXE_NONE = 0,
	OPNIC_TXE_DMA = 1,	/* a segment's IOVA not mapped */
	OPNIC_TXE_ZERO_LEN = 2,	/* a segment of length 0 */
	OPNIC_TXE_NO_EOP = 3,	/* no EOP before the producer index or within
				 * OPNIC_TX_MAX_SEGS segments */
	OPNIC_TXE_TOO_LONG = 4,	/* frame beyond MAX_FRAME (or < 14 bytes) */
	OPNIC_TXE_OFFLOAD = 5,	/* offload request the frame does not fit:
				 * headers beyond it, IP_CSUM on non-IPv4,
				 * reserved flag bits */
};

/*
 * RX descriptor version 2 (spec 9.3), 16 bytes: the driver writes 'addr'
 * and zeroes the rest; the device writes the same slot back (struct
 * opnic_rx_wb) with 'status' (DD) last.
 */
struct opnic_rx_desc_v2 {
	uint64_t addr;		/* IOVA of a buffer of QCFG.BUF_SIZE bytes */
	uint64_t zero;		/* 0: clears DD */
};

struct opnic_rx_wb {
	uint32_t rss_hash;	/* valid with OPNIC_RXO_RSS */
	uint16_t len;		/* bytes in this buffer */
	uint16_t vlan_tci;	/* valid with OPNIC_RXO_VLAN */
	uint16_t ptype;		/* RTE_PTYPE_L2/L3/L4 bits 11:0, EOP only */
	uint16_t offload;	/* OPNIC_RXO_*, EOP only */
	uint16_t error;		/* OPNIC_RXE_* */
	uint16_t status;	/* OPNIC_RXS_*: DD written last */
};

#define OPNIC_RXS_DD		(1u << 0)	/* descriptor done */
#define OPNIC_RXS_EOP		(1u << 1)	/* last buffer of the frame */
#define OPNIC_RXS_SOP		(1u << 2)	/* first buffer of the frame */

/* Checksum state, 2 bits (DPDK RTE_MBUF_F_RX_*_CKSUM_UNKNOWN/BAD/GOOD). */
#define OPNIC_CKS_UNKNOWN	0u
#define OPNIC_CKS_BAD		1u
#define OPNIC_CKS_GOOD		2u
#define OPNIC_RXO_IP_CKS(o)	((o) & 3u)
#define OPNIC_RXO_L4_CKS(o)	(((o) >> 2) & 3u)
#define OPNIC_RXO_VLAN		(1u << 4)	/* a tag was stripped: vlan_tci */
#define OPNIC_RXO_RSS		(1u << 5)	/* rss_hash valid */
#define OPNIC_RXO_HT_SHIFT	6		/* bits 9:6 enum opnic_rss_ht */
#define OPNIC_RXO_HT(o)		(((o) >> 6) & 0xfu)

enum opnic_rx_err {
	OPNIC_RXE_NONE = 0,
	OPNIC_RXE_DMA = 1,	/* buffer IOVA not mapped: the frame ends here */
	OPNIC_RXE_TOO_LONG = 2,	/* did not fit the buffer (no SCATTER) */
};

/* Packet types in opnic_rx_wb.ptype: the values of DPDK's RTE_PTYPE_*
 * (rte_mbuf_ptype.h), L2 bits 3:0, L3 bits 7:4, L4 bits 11:8. */
#define OPNIC_PTYPE_L2_ETHER		0x0001u
#define OPNIC_PTYPE_L2_ETHER_VLAN	0x0006u
#define OPNIC_PTYPE_L3_IPV4		0x0010u
#define OPNIC_PTYPE_L3_IPV4_EXT		0x0030u
#define OPNIC_PTYPE_L3_IPV6		0x0040u
#define OPNIC_PTYPE_L3_IPV6_EXT		0x00c0u
#define OPNIC_PTYPE_L4_TCP		0x0100u
#define OPNIC_PTYPE_L4_UDP		0x0200u
#define OPNIC_PTYPE_L4_FRAG		0x0300u

/*
 * Doorbell-suppression shadow version 2 (spec 9.6), 128 bytes, 64-byte
 * aligned: the driver's line and the device's line apart.
 */
struct opnic_shadow_v2 {
	uint32_t drv_prod;	/* driver: producer index */
	uint32_t drv_rsvd[15];
	uint32_t dev_flags;	/* device: OPNIC_SHADOW_NO_NOTIFY */
	uint32_t dev_cons;	/* device: descriptors consumed, on idle */
	uint32_t dev_rsvd[14];
};

/* The smallest size of a block of this type and version (spec 9.2). */
static inline uint32_t
opnic_block_min_size_v(unsigned int type, unsigned int version, uint32_t queues)
{
	if (version >= OPNIC_BLK_VERSION_2 && type == OPNIC_BLK_MAC)
		return OPNIC_MAC_MAX_RX_FRAME + 4;
	return opnic_block_min_size(type, queues);
}

_Static_assert(sizeof(struct opnic_tx_desc_v2) == 16, "tx desc v2 is 16 bytes");
_Static_assert(sizeof(struct opnic_rx_desc_v2) == 16, "rx desc v2 is 16 bytes");
_Static_assert(sizeof(struct opnic_rx_wb) == 16, "rx write-back is 16 bytes");
_Static_assert(sizeof(struct opnic_tx_head) == 64, "tx head is one line");
_Static_assert(sizeof(struct opnic_shadow_v2) == 128, "shadow v2 is two lines");
_Static_assert(__builtin_offsetof(struct opnic_rx_wb, status) == 14,
	       "DD in the slot's last 16-bit word");
_Static_assert(__builtin_offsetof(struct opnic_tx_desc_v2, flags) == 10,
	       "tx v2 flags at byte 10");
_Static_assert(__builtin_offsetof(struct opnic_tx_head, head) == 12,
	       "tx head at byte 12");
_Static_assert(__builtin_offsetof(struct opnic_shadow_v2, dev_flags) == 64,
	       "device half of the shadow on its own line");
_Static_assert(OPNIC_Q_WB_EVERY + 4 <= OPNIC_QCFG_STRIDE,
	       "qcfg v2 registers fit the queue stride");
_Static_assert(OPNIC_RSS_HASH_TYPES + 4 <= OPNIC_RSS_RETA,
	       "rss v2 hash types before the RETA");

#endif /* _OPNIC_REGS_H_ */
