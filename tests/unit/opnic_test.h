/* SPDX-License-Identifier: BSD-3-Clause */

/* A small test harness in the spirit of DPDK's app/test/test.h (which 22.11
 * does not install): TEST_ASSERT* return from the test case on failure. */

#ifndef _OPNIC_TEST_H_
#define _OPNIC_TEST_H_

#include <stdio.h>
#include <string.h>

#define TEST_SUCCESS 0
#define TEST_FAILED -1
#define TEST_SKIPPED 77

#define TEST_ASSERT(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		printf("FAIL %s:%d: %s: " fmt "\n", __FILE__, __LINE__,	\
		       #cond, ##__VA_ARGS__);				\
		return TEST_FAILED;					\
	}								\
} while (0)

#define TEST_ASSERT_EQUAL(a, b, fmt, ...) do {				\
	unsigned long long _a = (unsigned long long)(a);		\
	unsigned long long _b = (unsigned long long)(b);		\
	if (_a != _b) {							\
		printf("FAIL %s:%d: %s == %s: 0x%llx != 0x%llx: " fmt "\n",\
		       __FILE__, __LINE__, #a, #b, _a, _b, ##__VA_ARGS__);\
		return TEST_FAILED;					\
	}								\
} while (0)

struct unit_test_case {
	const char *name;
	int (*fn)(void);
};

#define TEST_CASE(f) { #f, f }

static inline int
unit_test_run(const char *suite, const struct unit_test_case *tc, unsigned int n)
{
	unsigned int i, failed = 0;

	for (i = 0; i < n; i++) {
		int r = tc[i].fn();

		printf("%s %s/%s\n", r == TEST_SUCCESS ? "ok  " : "FAIL", suite,
		       tc[i].name);
		if (r != TEST_SUCCESS)
			failed++;
	}
	printf("%s: %u of %u passed\n", suite, n - failed, n);
	return failed ? 1 : 0;
}

#endif /* _OPNIC_TEST_H_ */
