/* SPDX-License-Identifier: BSD-3-Clause */

#include <string.h>

#include "opnic_regs.h"
#include "opnic_offload.h"
#include "opnic_toeplitz.h"

uint32_t
opnic_toeplitz(const uint8_t key[40], const uint8_t *in, size_t len)
{
	uint32_t hash = 0;
	uint32_t window;
	size_t i;
	int b;

	/* The 32-bit window slides over the key one bit per input bit. */
	window = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
		 (uint32_t)key[2] << 8 | key[3];
	for (i = 0; i < len && i < 36; i++) {
		uint8_t next = key[i + 4];

		for (b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				hash ^= window;
			window = window << 1 | ((next >> b) & 1);
		}
	}
	return hash;
}

uint32_t
opnic_rss_hash_frame(const uint8_t key[40], const uint8_t *f, size_t len,
		     int *valid)
{
	uint8_t in[12];
	size_t ihl;
	uint8_t proto;

	*valid = 0;
	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return 0;
	if ((f[14] >> 4) != 4)
		return 0;
	ihl = (size_t)(f[14] & 0xf) * 4;
	if (ihl < 20 || len < 14 + ihl)
		return 0;
	proto = f[14 + 9];
	memcpy(in, f + 14 + 12, 8);	/* source, destination address */
	*valid = 1;
	/* Fragments other than the first carry no ports. */
	if ((proto == 6 || proto == 17) && len >= 14 + ihl + 4 &&
	    (((f[14 + 6] & 0x1f) | f[14 + 7]) == 0)) {
		memcpy(in + 8, f + 14 + ihl, 4);
		return opnic_toeplitz(key, in, 12);
	}
	return opnic_toeplitz(key, in, 8);
}

uint32_t
opnic_rss_hash_frame_v2(const uint8_t key[40], const uint8_t *f, size_t len,
			uint32_t hf, unsigned int *ht)
{
	static const uint8_t cls[2][2][2] = {	/* [v6][udp]: 2-tuple, 4-tuple */
		{ { OPNIC_RSS_HT_IPV4, OPNIC_RSS_HT_TCP_IPV4 },
		  { OPNIC_RSS_HT_IPV4, OPNIC_RSS_HT_UDP_IPV4 } },
		{ { OPNIC_RSS_HT_IPV6, OPNIC_RSS_HT_TCP_IPV6 },
		  { OPNIC_RSS_HT_IPV6, OPNIC_RSS_HT_UDP_IPV6 } },
	};
	struct opnic_pkt p;
	const uint8_t *ip;
	uint8_t in[36];
	size_t alen, n;
	int v6, udp, l4;

	*ht = OPNIC_RSS_HT_NONE;
	if (len > UINT32_MAX)
		return 0;
	opnic_pkt_parse(f, (uint32_t)len, &p);
	if ((p.l3 != 4 && p.l3 != 6) || p.l3_len == 0)
		return 0;
	v6 = p.l3 == 6;
	ip = f + p.l2_len;
	alen = v6 ? 16 : 4;
	memcpy(in, ip + (v6 ? 8 : 12), 2 * alen);	/* source, destination */
	n = 2 * alen;
	udp = p.proto == 17;
	/* Ports: TCP or UDP, not a fragment, the four bytes in the frame. */
	l4 = p.l3_ok && !p.frag && (p.proto == 6 || udp) &&
	     p.l2_len + p.l3_len + 4u <= len &&
	     (hf & (v6 ? (udp ? OPNIC_RSS_HF_UDP_IPV6 : OPNIC_RSS_HF_TCP_IPV6) :
			 (udp ? OPNIC_RSS_HF_UDP_IPV4 : OPNIC_RSS_HF_TCP_IPV4)));
	if (l4) {
		memcpy(in + n, ip + p.l3_len, 4);
		n += 4;
	} else if (!(hf & (v6 ? OPNIC_RSS_HF_IPV6 : OPNIC_RSS_HF_IPV4))) {
		return 0;
	}
	*ht = cls[v6][udp][l4];
	return opnic_toeplitz(key, in, n);
}
