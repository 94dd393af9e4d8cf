/* SPDX-License-Identifier: BSD-3-Clause */

/* opnic layout profiles: where each register block sits in BAR0. */

#ifndef _OPNIC_PROFILE_H_
#define _OPNIC_PROFILE_H_

#include <stddef.h>
#include <stdint.h>

#include "opnic_regs.h"	/* opnic_block_name() */

#define OPNIC_PROFILE_MAX_BLOCKS 16

struct opnic_block {
	uint16_t type;		/* enum opnic_block_type */
	uint16_t version;
	uint32_t offset;	/* in BAR0 (MSI-X blocks: in msix_bar) */
	uint32_t size;
};

struct opnic_profile {
	char name[32];
	uint32_t bar0_size;
	uint32_t msix_bar;	/* 0 or 2 */
	uint32_t msix_bar_size;	/* when msix_bar != 0 */
	uint32_t msix_vectors;
	uint32_t msix_table;	/* offset in msix_bar */
	uint32_t msix_pba;	/* offset in msix_bar */
	uint32_t queues;
	unsigned int nblocks;
	struct opnic_block blocks[OPNIC_PROFILE_MAX_BLOCKS];
};

/* Directory of the profile files; OPNIC_CONFIG_DIR overrides the default. */
const char *opnic_profile_dir(void);

/*
 * Load a profile by name (looked up as <dir>/<name>.profile) or by path
 * (anything containing '/'). On error returns -1 and writes a message naming
 * the file, the line and the offending value into err.
 */
int opnic_profile_load(const char *name_or_path, struct opnic_profile *p,
		       char *err, size_t errlen);

/* Parse profile text; fname is only used in messages. */
int opnic_profile_parse(const char *text, const char *fname,
			struct opnic_profile *p, char *err, size_t errlen);

/* The block of a type, or NULL. */
const struct opnic_block *opnic_profile_block(const struct opnic_profile *p,
					      unsigned int type);

#endif /* _OPNIC_PROFILE_H_ */
