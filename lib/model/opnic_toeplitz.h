/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _OPNIC_TOEPLITZ_H_
#define _OPNIC_TOEPLITZ_H_

#include <stddef.h>
#include <stdint.h>

/* Toeplitz hash of input (network byte order fields) with a 40-byte key, as
 * in the Microsoft RSS specification. */
uint32_t opnic_toeplitz(const uint8_t key[40], const uint8_t *in, size_t len);

/* Hash a frame the way the device does (spec 7): IPv4 + TCP/UDP ports, else
 * IPv4 addresses, else no hash (returns 0 and *valid = 0). */
uint32_t opnic_rss_hash_frame(const uint8_t key[40], const uint8_t *frame,
			      size_t len, int *valid);

/* Revision 2 (spec 9.2.3): IPv4 and IPv6, after one 802.1Q tag, with the
 * hash types enabled in hf (OPNIC_RSS_HF_*). *ht is the class used
 * (enum opnic_rss_ht), OPNIC_RSS_HT_NONE: no hash (returns 0). */
uint32_t opnic_rss_hash_frame_v2(const uint8_t key[40], const uint8_t *frame,
				 size_t len, uint32_t hf, unsigned int *ht);

#endif /* _OPNIC_TOEPLITZ_H_ */
