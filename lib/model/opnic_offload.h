/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Frame parsing and checksum offloads of spec revision 2 (spec 9.7, 9.8):
 * the packet type and checksum states the device reports for a received
 * frame, and the checksums and VLAN tag it inserts into a sent one. Pure
 * functions on frame bytes; every read is bounds-checked against len.
 */

#ifndef _OPNIC_OFFLOAD_H_
#define _OPNIC_OFFLOAD_H_

#include <stddef.h>
#include <stdint.h>

/* Where a frame's layers are, as far as the device looks (spec 9.7). */
struct opnic_pkt {
	uint16_t ptype;		/* OPNIC_PTYPE_* L2 | L3 | L4 */
	uint16_t l2_len;	/* 14, or 18 with one 802.1Q tag */
	uint16_t l3_len;	/* IPv4 header / IPv6 header + extensions */
	uint8_t l3;		/* 4, 6, or 0: neither (or too short) */
	uint8_t l3_ok;		/* IPv4: header well formed (IHL, lengths) */
	uint8_t proto;		/* L4 protocol (IPv6: after the extensions) */
	uint8_t frag;		/* a fragment (any but an atomic one) */
	uint8_t l4_trunc;	/* IP length beyond the frame */
	uint8_t rh_pending;	/* IPv6 routing header with segments left */
	uint32_t l4_len;	/* bytes of L4 by the IP header's length */
};

/* RFC 1071: the one's-complement sum of len bytes added to sum (not
 * folded, not inverted); bytes in network order. */
uint32_t opnic_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* Fold a sum to 16 bits (not inverted). */
uint16_t opnic_csum_fold(uint32_t sum);

/* Parse a frame's L2/L3/L4 headers (never reads beyond len). */
void opnic_pkt_parse(const uint8_t *f, uint32_t len, struct opnic_pkt *p);

/* RX checks (spec 9.7): OPNIC_CKS_* for the IPv4 header and for TCP/UDP. */
void opnic_rx_csum(const uint8_t *f, uint32_t len, const struct opnic_pkt *p,
		   unsigned int *ip, unsigned int *l4);

/* TX checksum insertion (spec 9.8) from a first descriptor's flags and
 * header lengths, in place. 0, or -1: the frame does not fit the request
 * (OPNIC_TXE_OFFLOAD), and nothing was written. */
int opnic_tx_csum(uint8_t *f, uint32_t len, uint16_t flags, uint16_t hdr_lens);

/* Insert an 802.1Q tag after the addresses: f must have 4 bytes of room;
 * returns the new length. */
uint32_t opnic_vlan_insert(uint8_t *f, uint32_t len, uint16_t tci);

/* A frame with one 802.1Q tag (TPID 0x8100) and at least 18 bytes. */
int opnic_vlan_tagged(const uint8_t *f, uint32_t len);

#endif /* _OPNIC_OFFLOAD_H_ */
