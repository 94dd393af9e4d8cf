/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Unit tests of the revision-2 offloads (spec 9.7, 9.8) on frame bytes:
 * checksums against an independent implementation written here and against
 * frames Linux generated (captured from a TAP device in a network
 * namespace, kernel checksums in them), corrupted frames reported BAD, the
 * packet type of each class, VLAN insertion, and the RSS hash of IPv6 (and
 * IPv4) against Microsoft's RSS verification suite.
 */

#include <stdlib.h>
#include <string.h>

#include "opnic_regs.h"
#include "opnic_offload.h"
#include "opnic_toeplitz.h"
#include "opnic_test.h"

/*
 * Frames the Linux 6.x stack sent out of tap0 (no TUN offloads, so the
 * kernel filled every checksum): `unshare -n`, tap0 with 192.168.7.1/24
 * and 2001:db8::1/64, permanent neighbours, then sendto()/connect().
 */
/* UDP/IPv6 2001:db8::1.47180 -> 2001:db8::2.4789, 39 bytes payload;
 * UDP checksum 0x392a. */
static const char kat_udp6[] =
	"02000000000202000000000186dd60031ab8002f114020010db8000000000000"
	"00000000000120010db8000000000000000000000002b84c12b5002f392a6f70"
	"6e6963207265766973696f6e2032205544502f49507636207465737420706179"
	"6c6f616421";
/* TCP SYN/IPv4 192.168.7.1.45016 -> 192.168.7.2.8080 with options; IPv4
 * header checksum 0xf19b, TCP checksum 0x8710. */
static const char kat_tcp4[] =
	"02000000000202000000000108004500003cb9cc40004006f19bc0a80701c0a8"
	"0702afd81f9074084db900000000a002faf087100000020405b40402080ab336"
	"f246000000000103030a";
/* UDP/IPv4 192.168.7.1.44848 -> 192.168.7.2.53 "hello ipv4 udp"; IPv4
 * header checksum 0x0d1d, UDP checksum 0x188c. */
static const char kat_udp4[] =
	"02000000000202000000000108004500002a9e52400040110d1dc0a80701c0a8"
	"0702af3000350016188c68656c6c6f206970763420756470";
/* MLDv2 report: IPv6 with a hop-by-hop header, then ICMPv6. */
static const char kat_mld6[] =
	"33330000001602000000000186dd6000000000240001fe800000000000000000"
	"00fffe000001ff0200000000000000000000000000163a000502000001008f00"
	"72070000000104000000ff0200000000000000000001ff000001";

static uint32_t
unhex(const char *s, uint8_t *out)
{
	uint32_t n = 0;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		char b[3] = { s[0], s[1], 0 };

		out[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	return n;
}

/* ---- An independent Internet checksum: 32-bit big-endian words, carries
 * kept in a 64-bit accumulator, the odd tail shifted by hand. ---- */
static uint16_t
ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint64_t
ref_sum(uint64_t acc, const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		acc += (uint64_t)p[i] << 24 | (uint64_t)p[i + 1] << 16 |
		       (uint64_t)p[i + 2] << 8 | p[i + 3];
	for (; i < n; i++)
		acc += (uint64_t)p[i] << ((i & 1) ? 0 : 8) << ((i & 2) ? 0 : 16);
	return acc;
}

/* The L4 checksum the frame should carry: over pseudo-header and segment,
 * with the checksum field counted as zero. ip: start of IP, v6, l3: IP
 * header bytes, proto, l4len, csum_off: where the field is in L4. */
static uint16_t
ref_l4(const uint8_t *ip, int v6, unsigned int l3, uint8_t proto,
       uint32_t l4len, unsigned int csum_off)
{
	uint8_t *copy = malloc(l4len);
	uint8_t ph[40];
	uint64_t s;
	uint16_t c;

	memcpy(copy, ip + l3, l4len);
	copy[csum_off] = copy[csum_off + 1] = 0;
	memset(ph, 0, sizeof(ph));
	if (v6) {
		memcpy(ph, ip + 8, 32);
		ph[32] = (uint8_t)(l4len >> 24);
		ph[33] = (uint8_t)(l4len >> 16);
		ph[34] = (uint8_t)(l4len >> 8);
		ph[35] = (uint8_t)l4len;
		ph[39] = proto;
		s = ref_sum(0, ph, 40);
	} else {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		ph[10] = (uint8_t)(l4len >> 8);
		ph[11] = (uint8_t)l4len;
		s = ref_sum(0, ph, 12);
	}
	s = ref_sum(s, copy, l4len);
	free(copy);
	c = (uint16_t)~ref_fold(s);
	return (c == 0 && proto == 17) ? 0xffff : c;
}

static uint16_t
ref_ip4(const uint8_t *ip, unsigned int ihl)
{
	uint8_t h[60];

	memcpy(h, ip, ihl);
	h[10] = h[11] = 0;
	return (uint16_t)~ref_fold(ref_sum(0, h, ihl));
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
rx_check(const uint8_t *f, uint32_t len, uint16_t ptype, unsigned int ip,
	 unsigned int l4)
{
	struct opnic_pkt p;
	unsigned int gip, gl4;

	opnic_pkt_parse(f, len, &p);
	opnic_rx_csum(f, len, &p, &gip, &gl4);
	TEST_ASSERT_EQUAL(p.ptype, ptype, "ptype");
	TEST_ASSERT_EQUAL(gip, ip, "ip checksum state");
	TEST_ASSERT_EQUAL(gl4, l4, "l4 checksum state");
	return TEST_SUCCESS;
}

static int
test_known_frames(void)
{
	uint8_t f[256], g[256];
	uint32_t n;

	/* UDP/IPv6: the captured checksum is what both sums give. */
	n = unhex(kat_udp6, f);
	TEST_ASSERT_EQUAL(n, 101, "frame");
	TEST_ASSERT_EQUAL(rd16(f + 54 + 6), 0x392a, "captured");
	TEST_ASSERT_EQUAL(ref_l4(f + 14, 1, 40, 17, 47, 6), 0x392a, "reference");
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV6 |
			     OPNIC_PTYPE_L4_UDP, OPNIC_CKS_UNKNOWN,
			     OPNIC_CKS_GOOD) == 0, "udp6 rx");
	memcpy(g, f, n);
	g[60] = g[61] = 0;
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_IPV6 | OPNIC_TXF_L4_UDP,
				  OPNIC_TX_HDR_LENS(14, 40)) == 0, "tx udp6");
	TEST_ASSERT(memcmp(f, g, n) == 0, "udp6 inserted as Linux did");

	/* TCP SYN/IPv4 with options in TCP. */
	n = unhex(kat_tcp4, f);
	TEST_ASSERT_EQUAL(n, 74, "frame");
	TEST_ASSERT_EQUAL(ref_ip4(f + 14, 20), 0xf19b, "ip reference");
	TEST_ASSERT_EQUAL(ref_l4(f + 14, 0, 20, 6, 40, 16), 0x8710, "tcp reference");
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_TCP, OPNIC_CKS_GOOD,
			     OPNIC_CKS_GOOD) == 0, "tcp4 rx");
	memcpy(g, f, n);
	g[24] = g[25] = 0;	/* IP checksum */
	g[50] = g[51] = 0;	/* TCP checksum */
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_IP_CSUM | OPNIC_TXF_L4_TCP,
				  OPNIC_TX_HDR_LENS(14, 20)) == 0, "tx tcp4");
	TEST_ASSERT(memcmp(f, g, n) == 0, "tcp4 inserted as Linux did");
	/* The device ignores what the field held (the driver need not
	 * seed the pseudo-header sum). */
	g[50] = 0x12;
	g[51] = 0x34;
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_L4_TCP,
				  OPNIC_TX_HDR_LENS(14, 20)) == 0, "tx tcp4");
	TEST_ASSERT(memcmp(f, g, n) == 0, "field contents ignored");

	/* UDP/IPv4. */
	n = unhex(kat_udp4, f);
	TEST_ASSERT_EQUAL(ref_ip4(f + 14, 20), 0x0d1d, "ip reference");
	TEST_ASSERT_EQUAL(ref_l4(f + 14, 0, 20, 17, 22, 6), 0x188c, "udp reference");
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_UDP, OPNIC_CKS_GOOD,
			     OPNIC_CKS_GOOD) == 0, "udp4 rx");
	memcpy(g, f, n);
	g[24] = g[25] = g[40] = g[41] = 0;
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_IP_CSUM | OPNIC_TXF_L4_UDP,
				  OPNIC_TX_HDR_LENS(14, 20)) == 0, "tx udp4");
	TEST_ASSERT(memcmp(f, g, n) == 0, "udp4 inserted as Linux did");

	/* MLD: IPv6 with a hop-by-hop extension, ICMPv6 (no L4 type). */
	n = unhex(kat_mld6, f);
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV6_EXT,
			     OPNIC_CKS_UNKNOWN, OPNIC_CKS_UNKNOWN) == 0, "mld");
	return TEST_SUCCESS;
}

static int
test_corrupted_bad(void)
{
	uint8_t f[256];
	uint32_t n, i;

	/* Every single-bit flip in the TCP segment is caught; in the IPv4
	 * header (not the version/IHL byte) it is reported BAD there. */
	n = unhex(kat_tcp4, f);
	for (i = 34; i < n; i++) {
		unsigned int b = i % 8;
		struct opnic_pkt p;
		unsigned int ip, l4;

		f[i] ^= (uint8_t)(1u << b);
		opnic_pkt_parse(f, n, &p);
		opnic_rx_csum(f, n, &p, &ip, &l4);
		TEST_ASSERT_EQUAL(l4, OPNIC_CKS_BAD, "byte %u bit %u", i, b);
		TEST_ASSERT_EQUAL(ip, OPNIC_CKS_GOOD, "byte %u", i);
		f[i] ^= (uint8_t)(1u << b);
	}
	f[22] ^= 1;	/* TTL */
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_TCP, OPNIC_CKS_BAD,
			     OPNIC_CKS_GOOD) == 0, "ttl flipped");
	f[22] ^= 1;
	/* IPv4 total length beyond the frame: IP BAD, L4 BAD. */
	f[17] += 4;
	f[25] -= 4;	/* keep the header sum right: only the length lies */
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_TCP, OPNIC_CKS_GOOD,
			     OPNIC_CKS_BAD) == 0, "truncated");
	n = unhex(kat_tcp4, f);
	f[14] = 0x44;	/* IHL 4: malformed */
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4,
			     OPNIC_CKS_BAD, OPNIC_CKS_UNKNOWN) == 0, "ihl");
	/* UDP/IPv6: a payload flip is BAD; checksum 0 is BAD (RFC 8200). */
	n = unhex(kat_udp6, f);
	f[80] ^= 0x20;
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV6 |
			     OPNIC_PTYPE_L4_UDP, OPNIC_CKS_UNKNOWN,
			     OPNIC_CKS_BAD) == 0, "udp6 payload");
	f[80] ^= 0x20;
	f[60] = f[61] = 0;
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV6 |
			     OPNIC_PTYPE_L4_UDP, OPNIC_CKS_UNKNOWN,
			     OPNIC_CKS_BAD) == 0, "udp6 zero");
	/* UDP/IPv4 checksum 0: none was sent, UNKNOWN. */
	n = unhex(kat_udp4, f);
	f[40] = f[41] = 0;
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_UDP, OPNIC_CKS_GOOD,
			     OPNIC_CKS_UNKNOWN) == 0, "udp4 zero");
	/* A UDP length beyond the IP payload. */
	n = unhex(kat_udp4, f);
	f[39] += 2;
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_UDP, OPNIC_CKS_GOOD,
			     OPNIC_CKS_BAD) == 0, "udp length");
	return TEST_SUCCESS;
}

/* Build Ethernet [+VLAN] + IPv4/IPv6 + TCP/UDP with payload; returns the
 * length; checksums left 0. */
static uint32_t
build(uint8_t *f, int vlan, int v6, uint8_t proto, uint32_t payload,
      uint32_t seed)
{
	uint32_t l2 = vlan ? 18 : 14, l3 = v6 ? 40 : 20;
	uint32_t l4h = proto == 6 ? 20 : 8, l4len = l4h + payload, i;
	uint8_t *ip = f + l2, *l4 = ip + l3;

	memset(f, 0, l2 + l3 + l4len);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	if (vlan) {
		f[12] = 0x81;
		f[14] = 0x20;
		f[15] = 0x05;
	}
	f[l2 - 2] = v6 ? 0x86 : 0x08;
	f[l2 - 1] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8);
		ip[5] = (uint8_t)l4len;
		ip[6] = proto;
		ip[7] = 64;
		for (i = 0; i < 32; i++)
			ip[8 + i] = (uint8_t)(seed * 7 + i * 13);
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + l4len) >> 8);
		ip[3] = (uint8_t)(20 + l4len);
		ip[8] = 64;
		ip[9] = proto;
		for (i = 0; i < 8; i++)
			ip[12 + i] = (uint8_t)(seed * 3 + i * 29 + 1);
	}
	l4[0] = (uint8_t)(seed >> 8);
	l4[1] = (uint8_t)seed;
	l4[3] = 80;
	if (proto == 6) {
		l4[12] = 0x50;
	} else {
		l4[4] = (uint8_t)(l4len >> 8);
		l4[5] = (uint8_t)l4len;
	}
	for (i = 0; i < payload; i++)
		l4[l4h + i] = (uint8_t)(seed ^ (i * 131));
	return l2 + l3 + l4len;
}

static int
test_insert_then_verify(void)
{
	static uint8_t f[10000];
	unsigned int c;

	/* Every class, odd and even sizes up to a jumbo frame: inserted
	 * checksums equal the reference, and RX verifies them GOOD. */
	for (c = 0; c < 8 * 23; c++) {
		int vlan = c & 1, v6 = (c >> 1) & 1;
		uint8_t proto = (c >> 2) & 1 ? 17 : 6;
		uint32_t payload = (c >> 3) * 389 % 8900 + (c & 1);
		uint32_t l2 = vlan ? 18 : 14, l3 = v6 ? 40 : 20;
		uint32_t n = build(f, vlan, v6, proto, payload, c);
		uint16_t fl = (uint16_t)((v6 ? OPNIC_TXF_IPV6 : OPNIC_TXF_IP_CSUM) |
			(proto == 6 ? OPNIC_TXF_L4_TCP : OPNIC_TXF_L4_UDP));
		unsigned int co = proto == 6 ? 16 : 6;
		uint16_t want = ref_l4(f + l2, v6, l3, proto, n - l2 - l3, co);

		TEST_ASSERT(opnic_tx_csum(f, n, fl, OPNIC_TX_HDR_LENS(l2, l3)) == 0,
			    "case %u", c);
		TEST_ASSERT_EQUAL(rd16(f + l2 + l3 + co), want, "case %u", c);
		if (!v6)
			TEST_ASSERT_EQUAL(rd16(f + l2 + 10), ref_ip4(f + l2, 20),
					  "case %u", c);
		TEST_ASSERT(rx_check(f, n, (uint16_t)((vlan ? OPNIC_PTYPE_L2_ETHER_VLAN :
				     OPNIC_PTYPE_L2_ETHER) |
				     (v6 ? OPNIC_PTYPE_L3_IPV6 : OPNIC_PTYPE_L3_IPV4) |
				     (proto == 6 ? OPNIC_PTYPE_L4_TCP : OPNIC_PTYPE_L4_UDP)),
				     v6 ? OPNIC_CKS_UNKNOWN : OPNIC_CKS_GOOD,
				     OPNIC_CKS_GOOD) == 0, "case %u", c);
	}
	return TEST_SUCCESS;
}

static int
test_ptypes(void)
{
	static uint8_t f[2048];
	uint32_t n;

	/* ARP: Ethernet only. */
	memset(f, 0, 60);
	f[12] = 0x08;
	f[13] = 0x06;
	TEST_ASSERT(rx_check(f, 60, OPNIC_PTYPE_L2_ETHER, 0, 0) == 0, "arp");
	/* Shorter than an Ethernet header: nothing. */
	TEST_ASSERT(rx_check(f, 13, 0, 0, 0) == 0, "runt");
	/* IPv4 with options: IPV4_EXT. */
	n = build(f, 0, 0, 6, 10, 1);
	memmove(f + 14 + 24, f + 14 + 20, n - 34);
	memset(f + 34, 1, 4);	/* four NOPs */
	f[14] = 0x46;
	f[17] += 4;
	n += 4;
	TEST_ASSERT(opnic_tx_csum(f, n, OPNIC_TXF_IP_CSUM | OPNIC_TXF_L4_TCP,
				  OPNIC_TX_HDR_LENS(14, 24)) == 0, "tx");
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4_EXT |
			     OPNIC_PTYPE_L4_TCP, OPNIC_CKS_GOOD,
			     OPNIC_CKS_GOOD) == 0, "ipv4 options");
	/* IPv4 first fragment (MF) and a later one: FRAG, L4 not checked. */
	n = build(f, 0, 0, 17, 100, 2);
	opnic_tx_csum(f, n, OPNIC_TXF_IP_CSUM, OPNIC_TX_HDR_LENS(14, 20));
	f[20] = 0x20;	/* MF */
	f[24] = f[25] = 0;
	opnic_tx_csum(f, n, OPNIC_TXF_IP_CSUM, OPNIC_TX_HDR_LENS(14, 20));
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_FRAG, OPNIC_CKS_GOOD,
			     OPNIC_CKS_UNKNOWN) == 0, "ipv4 mf");
	f[20] = 0x00;
	f[21] = 0x10;	/* offset 128 bytes */
	f[24] = f[25] = 0;
	opnic_tx_csum(f, n, OPNIC_TXF_IP_CSUM, OPNIC_TX_HDR_LENS(14, 20));
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER | OPNIC_PTYPE_L3_IPV4 |
			     OPNIC_PTYPE_L4_FRAG, OPNIC_CKS_GOOD,
			     OPNIC_CKS_UNKNOWN) == 0, "ipv4 offset");
	/* IPv6 fragment header: IPV6_EXT + FRAG; an atomic fragment header
	 * (offset 0, no M) is walked through to the UDP after it. */
	n = build(f, 1, 1, 17, 30, 3);
	memmove(f + 18 + 48, f + 18 + 40, n - 58);
	memset(f + 58, 0, 8);
	f[58] = 17;	/* next header UDP */
	f[18 + 6] = 44;
	f[18 + 5] += 8;
	n += 8;
	TEST_ASSERT(opnic_tx_csum(f, n, OPNIC_TXF_IPV6 | OPNIC_TXF_L4_UDP,
				  OPNIC_TX_HDR_LENS(18, 48)) == 0, "tx");
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER_VLAN | OPNIC_PTYPE_L3_IPV6_EXT |
			     OPNIC_PTYPE_L4_UDP, OPNIC_CKS_UNKNOWN,
			     OPNIC_CKS_GOOD) == 0, "atomic fragment");
	f[61] = 1;	/* M */
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER_VLAN | OPNIC_PTYPE_L3_IPV6_EXT |
			     OPNIC_PTYPE_L4_FRAG, OPNIC_CKS_UNKNOWN,
			     OPNIC_CKS_UNKNOWN) == 0, "ipv6 fragment");
	/* An IPv6 extension header running past the frame: no L4. */
	f[18 + 6] = 60;
	f[59] = 200;
	TEST_ASSERT(rx_check(f, n, OPNIC_PTYPE_L2_ETHER_VLAN | OPNIC_PTYPE_L3_IPV6,
			     OPNIC_CKS_UNKNOWN, OPNIC_CKS_UNKNOWN) == 0, "ext beyond");
	return TEST_SUCCESS;
}

static int
test_tx_refusals_and_vlan(void)
{
	static uint8_t f[256], g[256];
	uint32_t n = unhex(kat_tcp4, f), m;

	memcpy(g, f, n);
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_IP_CSUM | OPNIC_TXF_IPV6,
				  OPNIC_TX_HDR_LENS(14, 40)) != 0, "ip csum on v6");
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_L4_TCP,
				  OPNIC_TX_HDR_LENS(14, 100)) != 0, "l3 beyond");
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_L4_MASK,
				  OPNIC_TX_HDR_LENS(14, 20)) != 0, "kind 3");
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_IP_CSUM,
				  OPNIC_TX_HDR_LENS(10, 20)) != 0, "l2 short");
	TEST_ASSERT(opnic_tx_csum(g, n, OPNIC_TXF_L4_UDP | OPNIC_TXF_IPV6,
				  OPNIC_TX_HDR_LENS(14, 40)) != 0, "v6 on v4");
	TEST_ASSERT(opnic_tx_csum(g, 40, OPNIC_TXF_L4_TCP,
				  OPNIC_TX_HDR_LENS(14, 20)) != 0, "ip length beyond");
	TEST_ASSERT(memcmp(f, g, n) == 0, "refused requests wrote nothing");
	/* VLAN insert: addresses, 0x8100, TCI, then the rest unchanged. */
	m = opnic_vlan_insert(g, n, 0xa123);
	TEST_ASSERT_EQUAL(m, n + 4, "len");
	TEST_ASSERT(memcmp(g, f, 12) == 0, "addresses");
	TEST_ASSERT(memcmp(g + 12, "\x81\x00\xa1\x23", 4) == 0, "tag");
	TEST_ASSERT(memcmp(g + 16, f + 12, n - 12) == 0, "rest");
	TEST_ASSERT(opnic_vlan_tagged(g, m) && !opnic_vlan_tagged(f, n), "tagged");
	return TEST_SUCCESS;
}

static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Microsoft, "Verifying the RSS Hash Calculation" (the RSS verification
 * suite), IPv6 table: source, destination, ports, IPv6-only and with TCP. */
static const struct {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t h2, h4;
} ms_v6[] = {
	{ { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7 },
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 1 },
	  2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff,
	    0xfe, 0x40, 0xef, 0xab },
	  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff,
	    0xfe, 0x21, 0x67, 0xcf },
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21,
	    0x67, 0xcf },
	  44251, 38024, 0x4b61e985, 0x02d1feef },
};

static int
test_rss_ipv6_vectors(void)
{
	static uint8_t f[256];
	unsigned int i, ht;
	uint32_t h, n;

	for (i = 0; i < sizeof(ms_v6) / sizeof(ms_v6[0]); i++) {
		int vlan;

		for (vlan = 0; vlan < 2; vlan++) {
			uint32_t l2 = vlan ? 18 : 14;

			n = build(f, vlan, 1, 6, 0, i);
			memcpy(f + l2 + 8, ms_v6[i].src, 16);
			memcpy(f + l2 + 24, ms_v6[i].dst, 16);
			f[l2 + 40] = (uint8_t)(ms_v6[i].sport >> 8);
			f[l2 + 41] = (uint8_t)ms_v6[i].sport;
			f[l2 + 42] = (uint8_t)(ms_v6[i].dport >> 8);
			f[l2 + 43] = (uint8_t)ms_v6[i].dport;
			h = opnic_rss_hash_frame_v2(ms_key, f, n, OPNIC_RSS_HF_ALL, &ht);
			TEST_ASSERT_EQUAL(h, ms_v6[i].h4, "vector %u vlan %d", i, vlan);
			TEST_ASSERT_EQUAL(ht, OPNIC_RSS_HT_TCP_IPV6, "type");
			/* TCP/IPv6 off: the 2-tuple. */
			h = opnic_rss_hash_frame_v2(ms_key, f, n, OPNIC_RSS_HF_IPV6, &ht);
			TEST_ASSERT_EQUAL(h, ms_v6[i].h2, "vector %u", i);
			TEST_ASSERT_EQUAL(ht, OPNIC_RSS_HT_IPV6, "type");
			/* Neither: no hash. */
			h = opnic_rss_hash_frame_v2(ms_key, f, n, OPNIC_RSS_HF_TCP_IPV4 |
						    OPNIC_RSS_HF_UDP_IPV6, &ht);
			TEST_ASSERT(h == 0 && ht == OPNIC_RSS_HT_NONE, "none");
		}
		/* UDP: the same 4-tuple value under the UDP class. */
		f[18 + 6] = 17;
		h = opnic_rss_hash_frame_v2(ms_key, f, n, OPNIC_RSS_HF_UDP_IPV6, &ht);
		TEST_ASSERT_EQUAL(h, ms_v6[i].h4, "udp vector %u", i);
		TEST_ASSERT_EQUAL(ht, OPNIC_RSS_HT_UDP_IPV6, "type");
	}
	/* IPv4 through the v2 hash equals the v1 one (MS IPv4 table, first
	 * vector: 66.9.149.187:2794 -> 161.142.100.80:1766). */
	n = build(f, 0, 0, 6, 0, 0);
	memcpy(f + 26, "\x42\x09\x95\xbb\xa1\x8e\x64\x50", 8);
	f[34] = 2794 >> 8;
	f[35] = 2794 & 0xff;
	f[36] = 1766 >> 8;
	f[37] = 1766 & 0xff;
	h = opnic_rss_hash_frame_v2(ms_key, f, n, OPNIC_RSS_HF_ALL, &ht);
	TEST_ASSERT_EQUAL(h, 0x51ccc178, "ipv4 tcp");
	TEST_ASSERT_EQUAL(ht, OPNIC_RSS_HT_TCP_IPV4, "type");
	h = opnic_rss_hash_frame_v2(ms_key, f, n, OPNIC_RSS_HF_IPV4, &ht);
	TEST_ASSERT_EQUAL(h, 0x323e8fc2, "ipv4 only");
	{
		int valid;

		TEST_ASSERT_EQUAL(opnic_rss_hash_frame(ms_key, f, n, &valid),
				  0x51ccc178, "v1 the same");
	}
	return TEST_SUCCESS;
}

int
main(void)
{
	static const struct unit_test_case tc[] = {
		TEST_CASE(test_known_frames),
		TEST_CASE(test_corrupted_bad),
		TEST_CASE(test_insert_then_verify),
		TEST_CASE(test_ptypes),
		TEST_CASE(test_tx_refusals_and_vlan),
		TEST_CASE(test_rss_ipv6_vectors),
	};

	return unit_test_run("offload", tc, sizeof(tc) / sizeof(tc[0]));
}
