/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opnic_regs.h"
#include "opnic_profile.h"

#ifndef OPNIC_DEFAULT_CONFIG_DIR
#define OPNIC_DEFAULT_CONFIG_DIR "config"
#endif

#define PAGE_4K 4096u
#define DIR_SIZE 0x100u
#define MAX_PROFILE_BYTES 65536

const char *
opnic_profile_dir(void)
{
	const char *d = getenv("OPNIC_CONFIG_DIR");

	return (d != NULL && d[0] != '\0') ? d : OPNIC_DEFAULT_CONFIG_DIR;
}

const struct opnic_block *
opnic_profile_block(const struct opnic_profile *p, unsigned int type)
{
	unsigned int i;

	for (i = 0; i < p->nblocks; i++)
		if (p->blocks[i].type == type)
			return &p->blocks[i];
	return NULL;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
block_type_by_name(const char *s)
{
	unsigned int t;

	for (t = OPNIC_BLK_ID; t < OPNIC_BLK_NTYPES; t++) {
		if (t == OPNIC_BLK_MSIX_TABLE || t == OPNIC_BLK_MSIX_PBA)
			continue;
		if (strcmp(s, opnic_block_name(t)) == 0)
			return (int)t;
	}
	return -1;
}

static int
ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

static int
is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Whole-profile checks, after all lines are read. */
static int
profile_validate(struct opnic_profile *p, const char *fname, char *err,
		 size_t errlen)
{
	uint32_t msix_size, pba_size, msix_bar_size, area;
	unsigned int i, j, t;

	if (p->name[0] == '\0')
		return fail(err, errlen, "%s: missing 'name'", fname);
	if (p->bar0_size < PAGE_4K || !is_pow2(p->bar0_size))
		return fail(err, errlen,
			    "%s: bar0_size 0x%x must be a power of two >= 0x1000",
			    fname, p->bar0_size);
	if (p->queues == 0 || p->queues > OPNIC_QCFG_MAX_QUEUES)
		return fail(err, errlen, "%s: queues %u out of range 1..%u",
			    fname, p->queues, OPNIC_QCFG_MAX_QUEUES);
	if (p->msix_bar != 0 && p->msix_bar != 2)
		return fail(err, errlen, "%s: msix_bar %u: only 0 or 2", fname,
			    p->msix_bar);
	if (p->msix_vectors == 0 || p->msix_vectors > 2048)
		return fail(err, errlen, "%s: msix_vectors %u out of range 1..2048",
			    fname, p->msix_vectors);
	if (p->msix_bar != 0 &&
	    (p->msix_bar_size < PAGE_4K || !is_pow2(p->msix_bar_size)))
		return fail(err, errlen,
			    "%s: msix_bar_size 0x%x must be a power of two >= 0x1000",
			    fname, p->msix_bar_size);
	msix_bar_size = p->msix_bar == 0 ? p->bar0_size : p->msix_bar_size;
	msix_size = p->msix_vectors * OPNIC_MSIX_ENTRY_SIZE;
	pba_size = ((p->msix_vectors + 63) / 64) * 8;
	if ((p->msix_table & 7) != 0 || (p->msix_pba & 7) != 0)
		return fail(err, errlen,
			    "%s: msix_table 0x%x / msix_pba 0x%x must be 8-byte aligned",
			    fname, p->msix_table, p->msix_pba);
	if ((uint64_t)p->msix_table + msix_size > msix_bar_size ||
	    (uint64_t)p->msix_pba + pba_size > msix_bar_size)
		return fail(err, errlen,
			    "%s: MSI-X table 0x%x or PBA 0x%x lies beyond BAR%u (0x%x bytes)",
			    fname, p->msix_table, p->msix_pba, p->msix_bar,
			    msix_bar_size);
	if (ranges_overlap(p->msix_table, msix_size, p->msix_pba, pba_size))
		return fail(err, errlen, "%s: MSI-X table and PBA overlap", fname);

	for (i = 0; i < p->nblocks; i++) {
		struct opnic_block *b = &p->blocks[i];

		if (b->type == OPNIC_BLK_MSIX_TABLE || b->type == OPNIC_BLK_MSIX_PBA)
			continue;
		if ((uint64_t)b->offset + b->size > p->bar0_size)
			return fail(err, errlen,
				    "%s: block %s at 0x%x size 0x%x lies beyond BAR0 (0x%x bytes)",
				    fname, opnic_block_name(b->type), b->offset,
				    b->size, p->bar0_size);
		if (b->size < opnic_block_min_size_v(b->type, b->version, p->queues))
			return fail(err, errlen,
				    "%s: block %s size 0x%x is smaller than the 0x%x it needs",
				    fname, opnic_block_name(b->type), b->size,
				    opnic_block_min_size_v(b->type, b->version,
							   p->queues));
		for (j = 0; j < i; j++) {
			struct opnic_block *o = &p->blocks[j];

			if (o->type == OPNIC_BLK_MSIX_TABLE ||
			    o->type == OPNIC_BLK_MSIX_PBA)
				continue;
			if (ranges_overlap(b->offset, b->size, o->offset, o->size))
				return fail(err, errlen,
					    "%s: block %s (0x%x+0x%x) overlaps block %s (0x%x+0x%x)",
					    fname, opnic_block_name(b->type),
					    b->offset, b->size,
					    opnic_block_name(o->type), o->offset,
					    o->size);
		}
		if (p->msix_bar == 0 &&
		    (ranges_overlap(b->offset, b->size, p->msix_table, msix_size) ||
		     ranges_overlap(b->offset, b->size, p->msix_pba, pba_size)))
			return fail(err, errlen,
				    "%s: block %s (0x%x+0x%x) overlaps the MSI-X table or PBA",
				    fname, opnic_block_name(b->type), b->offset,
				    b->size);
	}
	for (t = OPNIC_BLK_ID; t < OPNIC_BLK_NTYPES; t++) {
		if (t == OPNIC_BLK_MSIX_TABLE || t == OPNIC_BLK_MSIX_PBA)
			continue;
		if (t == OPNIC_BLK_MBOX)
			continue;	/* optional */
		if (opnic_profile_block(p, t) == NULL)
			return fail(err, errlen, "%s: missing block '%s'", fname,
				    opnic_block_name(t));
	}
	/* The directory must be readable through region r/w: never in a 4 KiB
	 * area holding MSI-X table bytes (vfio-pci returns all ones there). */
	area = p->msix_table & ~(PAGE_4K - 1);
	if (p->msix_bar == 0 &&
	    ranges_overlap(0, DIR_SIZE, area,
			   ((p->msix_table + msix_size + PAGE_4K - 1) &
			    ~(PAGE_4K - 1)) - area))
		return fail(err, errlen,
			    "%s: the directory at 0x0 shares a 4 KiB area with the MSI-X table at 0x%x",
			    fname, p->msix_table);

	/* Add the MSI-X structures as informational directory entries. */
	if (p->nblocks + 2 > OPNIC_DIR_MAX_ENTRIES)
		return fail(err, errlen, "%s: too many blocks (max %u)", fname,
			    OPNIC_DIR_MAX_ENTRIES - 2);
	p->blocks[p->nblocks++] = (struct opnic_block){
		OPNIC_BLK_MSIX_TABLE, OPNIC_BLK_VERSION, p->msix_table, msix_size };
	p->blocks[p->nblocks++] = (struct opnic_block){
		OPNIC_BLK_MSIX_PBA, OPNIC_BLK_VERSION, p->msix_pba, pba_size };
	return 0;
}

int
opnic_profile_parse(const char *text, const char *fname,
		    struct opnic_profile *p, char *err, size_t errlen)
{
	char line[256];
	const char *s = text;
	unsigned int lineno = 0;

	memset(p, 0, sizeof(*p));
	p->blocks[0] = (struct opnic_block){ OPNIC_BLK_DIR, OPNIC_DIR_VERSION,
					     0, DIR_SIZE };
	p->nblocks = 1;

	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		char *tok[6], *save = NULL, *hash;
		unsigned int n = 0;
		uint32_t v;

		lineno++;
		if (len >= sizeof(line))
			return fail(err, errlen, "%s:%u: line too long", fname,
				    lineno);
		memcpy(line, s, len);
		line[len] = '\0';
		s += len + (nl != NULL);
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		for (char *t = strtok_r(line, " \t\r", &save); t != NULL;
		     t = strtok_r(NULL, " \t\r", &save)) {
			if (n == 6)
				return fail(err, errlen, "%s:%u: too many fields",
					    fname, lineno);
			tok[n++] = t;
		}
		if (n == 0)
			continue;
		if (strcmp(tok[0], "block") == 0) {
			struct opnic_block b = { 0, OPNIC_BLK_VERSION, 0, 0 };
			int type;

			if (n != 4 && n != 5)
				return fail(err, errlen,
					    "%s:%u: expected 'block NAME OFFSET SIZE [version=N]'",
					    fname, lineno);
			type = block_type_by_name(tok[1]);
			if (type < 0)
				return fail(err, errlen,
					    "%s:%u: unknown block '%s'", fname,
					    lineno, tok[1]);
			if (opnic_profile_block(p, (unsigned int)type) != NULL)
				return fail(err, errlen,
					    "%s:%u: block '%s' given twice", fname,
					    lineno, tok[1]);
			b.type = (uint16_t)type;
			if (parse_u32(tok[2], &b.offset) < 0 ||
			    parse_u32(tok[3], &b.size) < 0 || b.size == 0)
				return fail(err, errlen,
					    "%s:%u: bad offset '%s' or size '%s'",
					    fname, lineno, tok[2], tok[3]);
			if ((b.offset & 3) != 0)
				return fail(err, errlen,
					    "%s:%u: block offset %s is not 4-byte aligned",
					    fname, lineno, tok[2]);
			if (n == 5) {
				if (strncmp(tok[4], "version=", 8) != 0 ||
				    parse_u32(tok[4] + 8, &v) < 0 || v > 0xffff)
					return fail(err, errlen,
						    "%s:%u: bad version '%s'",
						    fname, lineno, tok[4]);
				if (v < OPNIC_BLK_VERSION ||
				    v > opnic_block_max_version((unsigned int)type))
					return fail(err, errlen,
						    "%s:%u: block '%s' version %u: the model implements version%s",
						    fname, lineno, tok[1], v,
						    opnic_block_max_version((unsigned int)type) ==
						    OPNIC_BLK_VERSION ? " 1 only" : "s 1 and 2");
				b.version = (uint16_t)v;
			}
			if (p->nblocks + 2 >= OPNIC_PROFILE_MAX_BLOCKS)
				return fail(err, errlen, "%s:%u: too many blocks",
					    fname, lineno);
			p->blocks[p->nblocks++] = b;
			continue;
		}
		if (n != 2)
			return fail(err, errlen, "%s:%u: expected 'KEY VALUE'",
				    fname, lineno);
		if (strcmp(tok[0], "name") == 0) {
			if (strlen(tok[1]) >= sizeof(p->name))
				return fail(err, errlen, "%s:%u: name too long",
					    fname, lineno);
			strcpy(p->name, tok[1]);
			continue;
		}
		if (strcmp(tok[0], "bar0_size") != 0 &&
		    strcmp(tok[0], "queues") != 0 &&
		    strncmp(tok[0], "msix_", 5) != 0)
			return fail(err, errlen, "%s:%u: unknown key '%s'", fname,
				    lineno, tok[0]);
		if (strcmp(tok[0], "bar0_size") != 0 &&
		    strcmp(tok[0], "queues") != 0 &&
		    strncmp(tok[0], "msix_", 5) != 0)
			return fail(err, errlen, "%s:%u: unknown key '%s'", fname,
				    lineno, tok[0]);
		if (parse_u32(tok[1], &v) < 0)
			return fail(err, errlen, "%s:%u: bad value '%s' for '%s'",
				    fname, lineno, tok[1], tok[0]);
		if (strcmp(tok[0], "bar0_size") == 0)
			p->bar0_size = v;
		else if (strcmp(tok[0], "queues") == 0)
			p->queues = v;
		else if (strcmp(tok[0], "msix_bar") == 0)
			p->msix_bar = v;
		else if (strcmp(tok[0], "msix_bar_size") == 0)
			p->msix_bar_size = v;
		else if (strcmp(tok[0], "msix_vectors") == 0)
			p->msix_vectors = v;
		else if (strcmp(tok[0], "msix_table") == 0)
			p->msix_table = v;
		else if (strcmp(tok[0], "msix_pba") == 0)
			p->msix_pba = v;
		else
			return fail(err, errlen, "%s:%u: unknown key '%s'", fname,
				    lineno, tok[0]);
	}
	return profile_validate(p, fname, err, errlen);
}

int
opnic_profile_load(const char *name_or_path, struct opnic_profile *p,
		   char *err, size_t errlen)
{
	char path[4096];
	char *buf;
	size_t n;
	FILE *f;
	int ret;

	if (name_or_path == NULL || name_or_path[0] == '\0')
		return fail(err, errlen, "empty profile name");
	if (strchr(name_or_path, '/') != NULL)
		snprintf(path, sizeof(path), "%s", name_or_path);
	else
		snprintf(path, sizeof(path), "%s/%s.profile", opnic_profile_dir(),
			 name_or_path);
	f = fopen(path, "r");
	if (f == NULL)
		return fail(err, errlen, "profile '%s': cannot open %s: %s",
			    name_or_path, path, strerror(errno));
	buf = malloc(MAX_PROFILE_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return fail(err, errlen, "out of memory");
	}
	n = fread(buf, 1, MAX_PROFILE_BYTES + 1, f);
	fclose(f);
	if (n > MAX_PROFILE_BYTES) {
		free(buf);
		return fail(err, errlen, "%s: larger than %u bytes", path,
			    MAX_PROFILE_BYTES);
	}
	buf[n] = '\0';
	ret = opnic_profile_parse(buf, path, p, err, errlen);
	free(buf);
	return ret;
}
