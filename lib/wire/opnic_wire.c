/* SPDX-License-Identifier: BSD-3-Clause */

/* Wire selection and the helpers every wire uses. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opnic_wire.h"

static const struct opnic_wire_ops *const wires[] = {
	&opnic_wire_tap_ops,
	&opnic_wire_pcap_ops,
	&opnic_wire_tester_ops,
};

struct opnic_wire *
opnic_wire_open(const char *spec, struct opnic_model_dev *dev, char *err,
		size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t nlen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	struct opnic_wire *w;
	unsigned int i;

	for (i = 0; i < sizeof(wires) / sizeof(wires[0]); i++) {
		if (strlen(wires[i]->name) != nlen ||
		    strncmp(spec, wires[i]->name, nlen) != 0)
			continue;
		w = calloc(1, sizeof(*w));
		if (w == NULL) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		w->ops = wires[i];
		w->dev = dev;
		if (w->ops->open(w, colon != NULL ? colon + 1 : "", err,
				 errlen) != 0) {
			/* Name the wire kind in the message unless it does. */
			if (strncmp(err, w->ops->name, nlen) != 0) {
				char *msg = strdup(err);

				if (msg != NULL) {
					snprintf(err, errlen, "%s: %s", w->ops->name, msg);
					free(msg);
				}
			}
			free(w);
			return NULL;
		}
		dev->wire_ctx = w;
		dev->wire_tx = w->ops->tx;
		return w;
	}
	snprintf(err, errlen, "wire '%s': unknown kind '%.*s' (expected tap:NAME, "
		 "pcap:rx=FILE,tx=FILE or tester:KEY=VALUE,...)", spec,
		 (int)nlen, spec);
	return NULL;
}

unsigned int
opnic_wire_poll(struct opnic_wire *w)
{
	return w->ops->poll != NULL ? w->ops->poll(w) : 0;
}

int
opnic_wire_command(struct opnic_wire *w, const char *cmd, char *out,
		   size_t outlen)
{
	return w->ops->command(w, cmd, out, outlen);
}

void
opnic_wire_close(struct opnic_wire *w)
{
	if (w == NULL)
		return;
	w->dev->wire_tx = NULL;
	w->dev->wire_ctx = NULL;
	w->ops->close(w);
	free(w);
}

int
opnic_wire_kv(const char *args, const char *sep, opnic_kv_fn cb, void *ctx,
	      char *err, size_t errlen)
{
	char *copy = strdup(args), *save = NULL, *tok;
	int ret = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, sep, &save); tok != NULL && ret == 0;
	     tok = strtok_r(NULL, sep, &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL || eq == tok) {
			snprintf(err, errlen, "'%s': expected KEY=VALUE", tok);
			ret = -1;
			break;
		}
		*eq = '\0';
		ret = cb(ctx, tok, eq + 1, err, errlen);
	}
	free(copy);
	return ret;
}

int
opnic_wire_num(const char *key, const char *val, uint64_t min, uint64_t max,
	       uint64_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (*val == '\0' || *val == '-' || *end != '\0' || errno != 0 ||
	    v < min || v > max) {
		snprintf(err, errlen, "%s '%s': expected a number from %" PRIu64
			 " to %" PRIu64, key, val, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

uint64_t
opnic_wire_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

unsigned int
opnic_wire_due(uint64_t start_ns, uint64_t now_ns, uint64_t pps, uint64_t sent,
	       unsigned int max)
{
	uint64_t want = (uint64_t)((double)(now_ns - start_ns) * (double)pps / 1e9);

	if (want <= sent)
		return 0;
	return want - sent < max ? (unsigned int)(want - sent) : max;
}
