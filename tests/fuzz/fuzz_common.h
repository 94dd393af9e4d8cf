/* SPDX-License-Identifier: BSD-3-Clause */

/* Shared by the fuzz harnesses (tests/fuzz, doc/fuzzing.md). */

#ifndef _FUZZ_COMMON_H_
#define _FUZZ_COMMON_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken invariant is a crash: libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
			__LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* The fuzzer's bytes, consumed front to back; zeros once they run out. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline int
fuzz_more(const struct fuzz_in *in)
{
	return in->left != 0;
}

static inline uint64_t
fuzz_bytes(struct fuzz_in *in, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && i < 8; i++) {
		if (in->left == 0)
			break;
		v |= (uint64_t)in->p[0] << (8 * i);
		in->p++;
		in->left--;
	}
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in) { return (uint8_t)fuzz_bytes(in, 1); }
static inline uint16_t fuzz_u16(struct fuzz_in *in) { return (uint16_t)fuzz_bytes(in, 2); }
static inline uint32_t fuzz_u32(struct fuzz_in *in) { return (uint32_t)fuzz_bytes(in, 4); }
static inline uint64_t fuzz_u64(struct fuzz_in *in) { return fuzz_bytes(in, 8); }

/* Copy up to n bytes (zeros past the end). */
static inline void
fuzz_copy(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

#endif /* _FUZZ_COMMON_H_ */
