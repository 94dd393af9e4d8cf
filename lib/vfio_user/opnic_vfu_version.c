/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * VFIO_USER_VERSION: the first message of a connection. The client's
 * major must be ours (0), the minor we answer is at most its own, and its
 * JSON capabilities are parsed strictly (a small JSON reader: depth and
 * size bounded, every byte checked): max_msg_fds, max_data_xfer_size,
 * pgsizes (4 KiB must be among them), max_dma_maps, write_multiple are
 * taken; twin_socket and migration are read and declined (absent from the
 * reply: we send no server-to-client commands and migrate nothing).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "opnic_vfu_internal.h"

#define JSON_MAX_DEPTH	16
/* The spec's defaults when the client does not say. */
#define DEF_MAX_FDS	1
#define DEF_MAX_XFER	(1u << 20)

enum jtype { J_ERR, J_OBJ, J_ARR, J_STR, J_NUM, J_BOOL, J_NULL };

struct jval {
	enum jtype type;
	int is_uint;		/* J_NUM: a non-negative integer that fits */
	uint64_t u;
	int b;
};

struct json {
	const char *p, *end;
	struct vfu_caps *caps;
	int seen_caps;
	int bad_key;		/* a capability of the wrong type */
	char why[96];
};

static void
ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* A string; its raw bytes (escapes kept) in [*s, *s + *n). */
static int
jstring(struct json *j, const char **s, size_t *n)
{
	if (j->p >= j->end || *j->p != '"')
		return -1;
	*s = ++j->p;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;

		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (++j->p >= j->end)
				return -1;
			if (*j->p == 'u') {
				int k;

				for (k = 1; k <= 4; k++)
					if (j->p + k >= j->end ||
					    !strchr("0123456789abcdefABCDEF", j->p[k]) ||
					    j->p[k] == '\0')
						return -1;
				j->p += 4;
			} else if (!strchr("\"\\/bfnrt", *j->p) || *j->p == '\0') {
				return -1;
			}
		}
		j->p++;
	}
	if (j->p >= j->end)
		return -1;
	*n = (size_t)(j->p - *s);
	j->p++;
	return 0;
}

static int
jnumber(struct json *j, struct jval *v)
{
	const char *s = j->p;
	int neg = 0, frac = 0, digits = 0;
	uint64_t u = 0;
	int over = 0;

	if (j->p < j->end && *j->p == '-') {
		neg = 1;
		j->p++;
	}
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		unsigned int d = (unsigned int)(*j->p - '0');

		if (digits == 1 && u == 0)
			return -1;	/* leading zero */
		if (u > (UINT64_MAX - d) / 10)
			over = 1;
		else
			u = u * 10 + d;
		digits++;
		j->p++;
	}
	if (digits == 0)
		return -1;
	if (j->p < j->end && *j->p == '.') {
		frac = 1;
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return -1;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		frac = 1;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return -1;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	(void)s;
	v->type = J_NUM;
	v->is_uint = !neg && !frac && !over;
	v->u = u;
	return 0;
}

static int
jword(struct json *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

/* Where an object sits: which keys mean something. */
enum jlevel { L_TOP, L_CAPS, L_OTHER };

static int jvalue(struct json *j, int depth, enum jlevel lvl, struct jval *v);

static int
key_is(const char *k, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(k, name, n) == 0;
}

/* A member of the capabilities object: take what we know. */
static void
cap_member(struct json *j, const char *k, size_t n, const struct jval *v)
{
	struct vfu_caps *c = j->caps;
	const char *bad = NULL;

	if (key_is(k, n, "max_msg_fds")) {
		if (v->type != J_NUM || !v->is_uint || v->u > 1024)
			bad = "max_msg_fds: expected an integer 0..1024";
		else
			c->client_max_fds = (uint32_t)v->u;
	} else if (key_is(k, n, "max_data_xfer_size")) {
		if (v->type != J_NUM || !v->is_uint || v->u == 0)
			bad = "max_data_xfer_size: expected a positive integer";
		else
			c->client_max_xfer = v->u;
	} else if (key_is(k, n, "pgsizes")) {
		if (v->type != J_NUM || !v->is_uint)
			bad = "pgsizes: expected an integer";
		else if (!(v->u & VFU_PAGE))
			bad = "pgsizes: 4 KiB pages not among them";
	} else if (key_is(k, n, "max_dma_maps")) {
		if (v->type != J_NUM || !v->is_uint)
			bad = "max_dma_maps: expected an integer";
	} else if (key_is(k, n, "write_multiple")) {
		if (v->type != J_BOOL)
			bad = "write_multiple: expected true or false";
		else
			c->write_multi = v->b;
	} else if (key_is(k, n, "twin_socket") || key_is(k, n, "migration")) {
		if (v->type != J_OBJ)
			bad = "twin_socket/migration: expected an object";
	}
	if (bad != NULL && !j->bad_key) {
		j->bad_key = 1;
		snprintf(j->why, sizeof(j->why), "%s", bad);
	}
}

static int
jobject(struct json *j, int depth, enum jlevel lvl)
{
	j->p++;		/* '{' */
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		enum jlevel sub = L_OTHER;
		struct jval v;
		const char *k;
		size_t n;

		ws(j);
		if (jstring(j, &k, &n) != 0)
			return -1;
		ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		ws(j);
		if (lvl == L_TOP && key_is(k, n, "capabilities")) {
			if (j->p >= j->end || *j->p != '{')
				return -1;
			sub = L_CAPS;
			j->seen_caps = 1;
		}
		if (jvalue(j, depth + 1, sub, &v) != 0)
			return -1;
		if (lvl == L_CAPS)
			cap_member(j, k, n, &v);
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static int
jarray(struct json *j, int depth)
{
	struct jval v;

	j->p++;		/* '[' */
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		ws(j);
		if (jvalue(j, depth + 1, L_OTHER, &v) != 0)
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static int
jvalue(struct json *j, int depth, enum jlevel lvl, struct jval *v)
{
	const char *s;
	size_t n;

	memset(v, 0, sizeof(*v));
	if (depth > JSON_MAX_DEPTH || j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '{':
		v->type = J_OBJ;
		return jobject(j, depth, lvl);
	case '[':
		v->type = J_ARR;
		return jarray(j, depth);
	case '"':
		v->type = J_STR;
		return jstring(j, &s, &n);
	case 't':
		v->type = J_BOOL;
		v->b = 1;
		return jword(j, "true");
	case 'f':
		v->type = J_BOOL;
		return jword(j, "false");
	case 'n':
		v->type = J_NULL;
		return jword(j, "null");
	default:
		return jnumber(j, v);
	}
}

/* Parse the client's capabilities into caps. 0, or -1 with why. */
static int
caps_parse(const char *text, size_t len, struct vfu_caps *caps, char *why,
	   size_t whylen)
{
	struct json j = { .p = text, .end = text + len, .caps = caps };
	struct jval v;

	ws(&j);
	if (j.p >= j.end || *j.p != '{') {
		snprintf(why, whylen, "capabilities: not a JSON object");
		return -1;
	}
	if (jvalue(&j, 0, L_TOP, &v) != 0) {
		snprintf(why, whylen, "capabilities: malformed JSON at byte %zu",
			 (size_t)(j.p - text));
		return -1;
	}
	ws(&j);
	if (j.p != j.end) {
		snprintf(why, whylen, "capabilities: bytes after the JSON object "
			 "at byte %zu", (size_t)(j.p - text));
		return -1;
	}
	if (j.bad_key) {
		snprintf(why, whylen, "capabilities: %s", j.why);
		return -1;
	}
	return 0;
}

int
vfu_handle_version(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfu_caps caps = { DEF_MAX_FDS, DEF_MAX_XFER, 0 };
	struct vfu_version ver, rep;
	char why[160], json[256];
	int n;

	if (v->negotiated)
		return vfu_msg_error(x, EINVAL, "VFIO_USER_VERSION twice");
	if (x->len < sizeof(ver))
		return vfu_msg_error(x, EINVAL, "version payload of %u bytes: "
				     "expected at least %zu", x->len, sizeof(ver));
	if (x->nfds != 0)
		return vfu_msg_error(x, EINVAL, "version with %u fds", x->nfds);
	memcpy(&ver, x->payload, sizeof(ver));
	if (ver.major != VFU_MAJOR)
		return vfu_msg_error(x, ENOTSUP, "version %u.%u: this server "
				     "speaks %u.%u", ver.major, ver.minor,
				     VFU_MAJOR, VFU_MINOR);
	if (x->len > sizeof(ver)) {
		const char *text = (const char *)x->payload + sizeof(ver);
		size_t len = x->len - sizeof(ver);

		/* The JSON ends with its NUL, the last byte of the message. */
		if (text[len - 1] != '\0' || memchr(text, '\0', len) != text + len - 1)
			return vfu_msg_error(x, EINVAL, "version data not a "
					     "NUL-terminated string");
		if (caps_parse(text, len - 1, &caps, why, sizeof(why)) != 0)
			return vfu_msg_error(x, EINVAL, "%s", why);
	}
	rep.major = VFU_MAJOR;
	/* Version 0.0 is the only one there is: any minor gets 0. */
	rep.minor = VFU_MINOR;
	(void)ver.minor;
	n = snprintf(json, sizeof(json), "{\"capabilities\":{\"max_msg_fds\":%u,"
		     "\"max_data_xfer_size\":%u,\"pgsizes\":%llu,"
		     "\"max_dma_maps\":%u%s}}", VFU_MAX_FDS, VFU_MAX_XFER,
		     VFU_PAGE, OPNIC_DMA_MAX_RANGES,
		     caps.write_multi ? ",\"write_multiple\":true" : "");
	if (vfu_reply_put(x, &rep, sizeof(rep)) != 0 ||
	    vfu_reply_put(x, json, (size_t)n + 1) != 0)
		return -x->err;
	v->caps = caps;
	v->negotiated = 1;
	vfu_log(v, "version %u.%u, client max_msg_fds %u max_data_xfer_size %"
		PRIu64 "%s", rep.major, rep.minor, caps.client_max_fds,
		caps.client_max_xfer, caps.write_multi ? " write_multiple" : "");
	return 0;
}
