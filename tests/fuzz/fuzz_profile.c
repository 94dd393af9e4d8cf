/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Fuzz harness: the layout-profile parser (lib/model/opnic_profile.c) on
 * arbitrary text. Seeds: the profiles in config/.
 *
 * Checks beyond "no crash, no leak, no UB":
 *  - a rejected profile leaves a NUL-terminated, non-empty message that
 *    fits the buffer (also with a 1-byte and a 0-byte buffer), errno EINVAL;
 *  - an accepted profile is one the model can trust: a name, queues and
 *    vectors in range, every block inside its BAR and at least its minimum
 *    size, no two blocks overlapping, the MSI-X table and PBA inside their
 *    BAR, at most OPNIC_DIR_MAX_ENTRIES directory entries;
 *  - an accepted profile printed back as profile text parses to the same
 *    struct (the parser and its own output agree).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opnic_profile.h"
#include "fuzz_common.h"

static int
overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void
check_accepted(const struct opnic_profile *p)
{
	uint32_t msix_bar_size = p->msix_bar == 0 ? p->bar0_size : p->msix_bar_size;
	unsigned int i, j, t;

	FUZZ_CHECK(p->name[0] != '\0', "accepted profile without a name");
	FUZZ_CHECK(memchr(p->name, '\0', sizeof(p->name)) != NULL,
		   "name not NUL-terminated");
	FUZZ_CHECK(p->nblocks <= OPNIC_PROFILE_MAX_BLOCKS &&
		   p->nblocks <= OPNIC_DIR_MAX_ENTRIES,
		   "nblocks %u", p->nblocks);
	FUZZ_CHECK(p->queues >= 1 && p->queues <= OPNIC_QCFG_MAX_QUEUES,
		   "queues %u", p->queues);
	FUZZ_CHECK(p->msix_vectors >= 1 && p->msix_vectors <= 2048,
		   "msix_vectors %u", p->msix_vectors);
	FUZZ_CHECK(p->msix_bar == 0 || p->msix_bar == 2, "msix_bar %u",
		   p->msix_bar);
	FUZZ_CHECK((uint64_t)p->msix_table +
		   (uint64_t)p->msix_vectors * OPNIC_MSIX_ENTRY_SIZE <= msix_bar_size,
		   "MSI-X table beyond its BAR");
	FUZZ_CHECK((uint64_t)p->msix_pba + (p->msix_vectors + 63) / 64 * 8 <=
		   msix_bar_size, "PBA beyond its BAR");
	for (i = 0; i < p->nblocks; i++) {
		const struct opnic_block *b = &p->blocks[i];

		FUZZ_CHECK(b->type < OPNIC_BLK_NTYPES, "block type %u", b->type);
		if (b->type == OPNIC_BLK_MSIX_TABLE || b->type == OPNIC_BLK_MSIX_PBA)
			continue;
		FUZZ_CHECK((uint64_t)b->offset + b->size <= p->bar0_size,
			   "block %s beyond BAR0", opnic_block_name(b->type));
		FUZZ_CHECK(b->size >= opnic_block_min_size(b->type, p->queues),
			   "block %s too small", opnic_block_name(b->type));
		for (j = 0; j < i; j++) {
			const struct opnic_block *o = &p->blocks[j];

			FUZZ_CHECK(o->type != b->type, "block %s twice",
				   opnic_block_name(b->type));
			if (o->type == OPNIC_BLK_MSIX_TABLE ||
			    o->type == OPNIC_BLK_MSIX_PBA)
				continue;
			FUZZ_CHECK(!overlap(b->offset, b->size, o->offset, o->size),
				   "blocks %s and %s overlap",
				   opnic_block_name(b->type),
				   opnic_block_name(o->type));
		}
	}
	for (t = OPNIC_BLK_DIR; t < OPNIC_BLK_NTYPES; t++)
		FUZZ_CHECK(t == OPNIC_BLK_MBOX || opnic_profile_block(p, t) != NULL,
			   "accepted without block %s", opnic_block_name(t));
}

/* The profile as text, as a user would write it. */
static size_t
print_profile(const struct opnic_profile *p, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	n += (size_t)snprintf(buf + n, len - n,
			      "name %s\nbar0_size 0x%x\nqueues %u\nmsix_bar %u\n"
			      "msix_bar_size 0x%x\nmsix_vectors %u\n"
			      "msix_table 0x%x\nmsix_pba 0x%x\n",
			      p->name, p->bar0_size, p->queues, p->msix_bar,
			      p->msix_bar_size, p->msix_vectors, p->msix_table,
			      p->msix_pba);
	for (i = 0; i < p->nblocks && n < len; i++) {
		const struct opnic_block *b = &p->blocks[i];

		if (b->type == OPNIC_BLK_DIR || b->type == OPNIC_BLK_MSIX_TABLE ||
		    b->type == OPNIC_BLK_MSIX_PBA)
			continue;
		n += (size_t)snprintf(buf + n, len - n,
				      "block %s 0x%x 0x%x version=%u\n",
				      opnic_block_name(b->type), b->offset, b->size,
				      b->version);
	}
	FUZZ_CHECK(n < len, "printed profile too long");
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opnic_profile p, q;
	char err[256], text[4096];
	char *in;
	int r;

	if (size > 65536)
		return 0;	/* opnic_profile_load's limit */
	in = malloc(size + 1);
	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	memset(err, 'x', sizeof(err));
	errno = 0;
	r = opnic_profile_parse(in, "fuzz.profile", &p, err, sizeof(err));
	if (r != 0) {
		char tiny[1] = { 'x' };

		FUZZ_CHECK(r == -1 && errno == EINVAL, "r %d errno %d", r, errno);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL,
			   "error message not terminated");
		FUZZ_CHECK(err[0] != '\0', "empty error message");
		FUZZ_CHECK(opnic_profile_parse(in, "f", &q, tiny, 1) == -1 &&
			   tiny[0] == '\0', "1-byte error buffer");
		FUZZ_CHECK(opnic_profile_parse(in, "f", &q, tiny, 0) == -1,
			   "0-byte error buffer");
		free(in);
		return 0;
	}
	free(in);
	check_accepted(&p);
	print_profile(&p, text, sizeof(text));
	r = opnic_profile_parse(text, "printed.profile", &q, err, sizeof(err));
	FUZZ_CHECK(r == 0, "its own printout rejected: %s\n%s", err, text);
	/* Field by field: bytes after the name's NUL may differ (a name
	 * given twice leaves the longer one's tail). */
	FUZZ_CHECK(strcmp(p.name, q.name) == 0 && p.bar0_size == q.bar0_size &&
		   p.msix_bar == q.msix_bar && p.msix_bar_size == q.msix_bar_size &&
		   p.msix_vectors == q.msix_vectors &&
		   p.msix_table == q.msix_table && p.msix_pba == q.msix_pba &&
		   p.queues == q.queues && p.nblocks == q.nblocks &&
		   memcmp(p.blocks, q.blocks, sizeof(p.blocks)) == 0,
		   "printout parses to another profile:\n%s", text);
	return 0;
}
