/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Packet type, checksum verification and insertion, VLAN tags (spec 9.7,
 * 9.8). Checksums are RFC 1071 sums; TCP (RFC 793) and UDP (RFC 768)
 * include the IPv4 pseudo-header, or the IPv6 one (RFC 8200 8.1).
 */

#include <string.h>

#include "opnic_regs.h"
#include "opnic_offload.h"

#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPV6_EXT_MAX	8	/* extension headers walked at most */

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t
opnic_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;	/* padded with a zero byte */
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
opnic_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int
opnic_vlan_tagged(const uint8_t *f, uint32_t len)
{
	return len >= 18 && be16(f + 12) == ETH_P_8021Q;
}

static void
parse_ipv4(const uint8_t *f, uint32_t len, struct opnic_pkt *p)
{
	const uint8_t *ip = f + p->l2_len;
	uint32_t avail = len - p->l2_len, ihl, tot;

	p->l3 = 4;
	p->ptype |= OPNIC_PTYPE_L3_IPV4;
	if (avail < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	tot = be16(ip + 2);
	if (ihl < 20 || ihl > avail || tot < ihl)
		return;
	p->l3_len = (uint16_t)ihl;
	if (ihl > 20)
		p->ptype = (uint16_t)((p->ptype & ~0xf0u) | OPNIC_PTYPE_L3_IPV4_EXT);
	p->proto = ip[9];
	if (be16(ip + 6) & 0x3fff) {	/* MF or a fragment offset */
		p->frag = 1;
		p->ptype |= OPNIC_PTYPE_L4_FRAG;
	} else if (p->proto == IPPROTO_TCP_) {
		p->ptype |= OPNIC_PTYPE_L4_TCP;
	} else if (p->proto == IPPROTO_UDP_) {
		p->ptype |= OPNIC_PTYPE_L4_UDP;
	}
	if (tot > avail) {
		p->l4_trunc = 1;	/* the IP length says more than came */
		return;
	}
	p->l3_ok = 1;
	p->l4_len = tot - ihl;
}

static void
parse_ipv6(const uint8_t *f, uint32_t len, struct opnic_pkt *p)
{
	const uint8_t *ip = f + p->l2_len;
	uint32_t avail = len - p->l2_len, end, off = 40;
	uint8_t nh;
	int ext = 0, n;

	p->l3 = 6;
	p->ptype |= OPNIC_PTYPE_L3_IPV6;
	if (avail < 40 || (ip[0] >> 4) != 6)
		return;
	end = 40u + be16(ip + 4);
	if (end > avail) {
		p->l4_trunc = 1;
		end = avail;
	}
	nh = ip[6];
	for (n = 0; n < IPV6_EXT_MAX; n++) {
		uint32_t hl;

		if (nh == 44) {		/* fragment header, 8 bytes */
			if (off + 8 > end)
				return;
			ext = 1;
			if ((be16(ip + off + 2) & 0xfff9) != 0) {
				p->frag = 1;
				break;
			}
			nh = ip[off];	/* an atomic fragment: go on */
			off += 8;
			continue;
		}
		if (nh != 0 && nh != 43 && nh != 60)
			break;
		if (off + 8 > end)
			return;
		hl = ((uint32_t)ip[off + 1] + 1) * 8;
		if (off + hl > end)
			return;
		if (nh == 43 && ip[off + 3] != 0)
			p->rh_pending = 1;	/* the final destination is elsewhere */
		ext = 1;
		nh = ip[off];
		off += hl;
	}
	if (n == IPV6_EXT_MAX)
		return;
	if (ext)
		p->ptype = (uint16_t)((p->ptype & ~0xf0u) | OPNIC_PTYPE_L3_IPV6_EXT);
	p->l3_len = (uint16_t)off;
	p->l3_ok = 1;
	p->proto = nh;
	p->l4_len = end - off;
	if (p->frag)
		p->ptype |= OPNIC_PTYPE_L4_FRAG;
	else if (nh == IPPROTO_TCP_)
		p->ptype |= OPNIC_PTYPE_L4_TCP;
	else if (nh == IPPROTO_UDP_)
		p->ptype |= OPNIC_PTYPE_L4_UDP;
}

void
opnic_pkt_parse(const uint8_t *f, uint32_t len, struct opnic_pkt *p)
{
	uint16_t et;

	memset(p, 0, sizeof(*p));
	if (len < 14)
		return;
	p->ptype = OPNIC_PTYPE_L2_ETHER;
	p->l2_len = 14;
	et = be16(f + 12);
	if (et == ETH_P_8021Q) {
		if (len < 18)
			return;
		p->ptype = OPNIC_PTYPE_L2_ETHER_VLAN;
		p->l2_len = 18;
		et = be16(f + 16);
	}
	if (et == ETH_P_IPV4)
		parse_ipv4(f, len, p);
	else if (et == ETH_P_IPV6)
		parse_ipv6(f, len, p);
}

/* The pseudo-header sum (RFC 793 / 768 for IPv4, RFC 8200 8.1 for IPv6). */
static uint32_t
pseudo_sum(const uint8_t *ip, int v6, uint8_t proto, uint32_t l4_len)
{
	uint32_t s;

	if (v6) {
		s = opnic_csum_add(0, ip + 8, 32);
		s = opnic_csum_add(s, (const uint8_t[]){ (uint8_t)(l4_len >> 24),
			(uint8_t)(l4_len >> 16), (uint8_t)(l4_len >> 8),
			(uint8_t)l4_len, 0, 0, 0, proto }, 8);
		return s;
	}
	s = opnic_csum_add(0, ip + 12, 8);
	return opnic_csum_add(s, (const uint8_t[]){ 0, proto,
		(uint8_t)(l4_len >> 8), (uint8_t)l4_len }, 4);
}

void
opnic_rx_csum(const uint8_t *f, uint32_t len, const struct opnic_pkt *p,
	      unsigned int *ip_cks, unsigned int *l4_cks)
{
	const uint8_t *ip = f + p->l2_len, *l4;
	uint32_t l4_len = p->l4_len, s;

	*ip_cks = OPNIC_CKS_UNKNOWN;
	*l4_cks = OPNIC_CKS_UNKNOWN;
	if (p->l3 == 4) {
		if (!p->l3_ok && !p->l4_trunc) {
			*ip_cks = OPNIC_CKS_BAD;	/* IHL or lengths malformed */
			return;
		}
		*ip_cks = opnic_csum_fold(opnic_csum_add(0, ip, p->l3_len)) ==
			  0xffff ? OPNIC_CKS_GOOD : OPNIC_CKS_BAD;
	}
	if (p->l3 == 0 || p->frag || p->rh_pending ||
	    (p->proto != IPPROTO_TCP_ && p->proto != IPPROTO_UDP_))
		return;
	if (p->l4_trunc) {
		*l4_cks = OPNIC_CKS_BAD;	/* the IP length says more */
		return;
	}
	if (!p->l3_ok)
		return;
	l4 = ip + p->l3_len;
	(void)len;
	if (p->proto == IPPROTO_TCP_) {
		if (l4_len < 20) {
			*l4_cks = OPNIC_CKS_BAD;
			return;
		}
	} else {
		uint32_t ulen;

		if (l4_len < 8) {
			*l4_cks = OPNIC_CKS_BAD;
			return;
		}
		ulen = be16(l4 + 4);
		if (ulen < 8 || ulen > l4_len) {
			*l4_cks = OPNIC_CKS_BAD;
			return;
		}
		if (be16(l4 + 6) == 0) {
			/* IPv4: no checksum sent (RFC 768); IPv6: not
			 * allowed (RFC 8200 8.1). */
			*l4_cks = p->l3 == 4 ? OPNIC_CKS_UNKNOWN : OPNIC_CKS_BAD;
			return;
		}
		l4_len = ulen;
	}
	s = pseudo_sum(ip, p->l3 == 6, p->proto, l4_len);
	s = opnic_csum_add(s, l4, l4_len);
	*l4_cks = opnic_csum_fold(s) == 0xffff ? OPNIC_CKS_GOOD : OPNIC_CKS_BAD;
}

int
opnic_tx_csum(uint8_t *f, uint32_t len, uint16_t flags, uint16_t hdr_lens)
{
	uint32_t l2 = OPNIC_TX_L2_LEN(hdr_lens), l3 = OPNIC_TX_L3_LEN(hdr_lens);
	uint32_t l4k = flags & OPNIC_TXF_L4_MASK, l4_len, csum_off = 0, s;
	int v6 = (flags & OPNIC_TXF_IPV6) != 0;
	uint8_t *ip = f + l2, *l4;
	uint16_t c;

	if (!(flags & OPNIC_TXF_IP_CSUM) && l4k == OPNIC_TXF_L4_NONE)
		return 0;
	if (l4k == OPNIC_TXF_L4_MASK)
		return -1;	/* L4 kind 3: reserved */
	if (l2 < 14 || l3 < (v6 ? 40u : 20u) || l2 + l3 > len ||
	    (ip[0] >> 4) != (v6 ? 6 : 4))
		return -1;
	if ((flags & OPNIC_TXF_IP_CSUM) && v6)
		return -1;	/* IPv6 has no header checksum */
	if (v6)
		l4_len = 40u + be16(ip + 4);
	else
		l4_len = be16(ip + 2);
	if (l4_len < l3 || l2 + l4_len > len)
		return -1;
	l4_len -= l3;
	l4 = ip + l3;
	if (l4k == OPNIC_TXF_L4_TCP) {
		if (l4_len < 20)
			return -1;
		csum_off = 16;
	} else if (l4k == OPNIC_TXF_L4_UDP) {
		uint32_t ulen;

		if (l4_len < 8)
			return -1;
		ulen = be16(l4 + 4);
		if (ulen < 8 || ulen > l4_len)
			return -1;
		l4_len = ulen;
		csum_off = 6;
	}
	/* Checked everything: now write. */
	if (flags & OPNIC_TXF_IP_CSUM) {
		put_be16(ip + 10, 0);
		put_be16(ip + 10, (uint16_t)~opnic_csum_fold(opnic_csum_add(0, ip, l3)));
	}
	if (l4k == OPNIC_TXF_L4_NONE)
		return 0;
	put_be16(l4 + csum_off, 0);
	s = pseudo_sum(ip, v6, l4k == OPNIC_TXF_L4_TCP ? IPPROTO_TCP_ : IPPROTO_UDP_,
		       l4_len);
	c = (uint16_t)~opnic_csum_fold(opnic_csum_add(s, l4, l4_len));
	if (c == 0 && l4k == OPNIC_TXF_L4_UDP)
		c = 0xffff;	/* 0 means "no checksum" for UDP */
	put_be16(l4 + csum_off, c);
	return 0;
}

uint32_t
opnic_vlan_insert(uint8_t *f, uint32_t len, uint16_t tci)
{
	memmove(f + 16, f + 12, len - 12);
	put_be16(f + 12, ETH_P_8021Q);
	put_be16(f + 14, tci);
	return len + 4;
}
