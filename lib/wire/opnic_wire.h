/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * External wires for a modelled port: what the port transmits leaves the
 * model, and frames from outside arrive on the port's RX.
 *   tap:NAME                      a Linux TAP interface (doc/wires.md)
 *   pcap:rx=FILE,tx=FILE,loop=N   replay a pcap into RX, record TX
 *   tester:pps=N,size=N,flows=N   the traffic tester (doc/tester.md)
 * The model's device loop calls opnic_wire_poll() next to
 * opnic_model_poll(); TX arrives through the device's wire_tx hook.
 */

#ifndef _OPNIC_WIRE_H_
#define _OPNIC_WIRE_H_

#include <stddef.h>
#include <stdint.h>

#include "opnic_model.h"

struct opnic_wire;

struct opnic_wire_ops {
	const char *name;
	int (*open)(struct opnic_wire *w, const char *args, char *err,
		    size_t errlen);
	void (*tx)(void *ctx, const uint8_t *f, uint32_t len);
	unsigned int (*poll)(struct opnic_wire *w);
	/* "status", "reset", "set k=v ..."; 0 or -errno, text in out. */
	int (*command)(struct opnic_wire *w, const char *cmd, char *out,
		       size_t outlen);
	void (*close)(struct opnic_wire *w);
};

struct opnic_wire {
	const struct opnic_wire_ops *ops;
	struct opnic_model_dev *dev;
	void *priv;
};

/* Open SPEC on dev and hook it to dev's TX. NULL with a message naming the
 * bad value in err. */
struct opnic_wire *opnic_wire_open(const char *spec,
				   struct opnic_model_dev *dev, char *err,
				   size_t errlen);
/* Frames from outside into RX; returns how many were offered. */
unsigned int opnic_wire_poll(struct opnic_wire *w);
int opnic_wire_command(struct opnic_wire *w, const char *cmd, char *out,
		       size_t outlen);
void opnic_wire_close(struct opnic_wire *w);

/*
 * For wire implementations: walk "k=v,k=v". cb gets each pair and returns
 * 0 or -1 after writing a message to err. Returns 0 or -1.
 */
typedef int (*opnic_kv_fn)(void *ctx, const char *key, const char *val,
			   char *err, size_t errlen);
int opnic_wire_kv(const char *args, const char *sep, opnic_kv_fn cb, void *ctx,
		  char *err, size_t errlen);
/* A decimal or 0x number in [min, max], else -1 with a message. */
int opnic_wire_num(const char *key, const char *val, uint64_t min,
		   uint64_t max, uint64_t *out, char *err, size_t errlen);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t opnic_wire_now_ns(void);
/* Frames a paced sender may send now: pps over the time since start_ns,
 * minus the sent already, at most max. */
unsigned int opnic_wire_due(uint64_t start_ns, uint64_t now_ns, uint64_t pps,
			    uint64_t sent, unsigned int max);

extern const struct opnic_wire_ops opnic_wire_tap_ops;
extern const struct opnic_wire_ops opnic_wire_pcap_ops;
extern const struct opnic_wire_ops opnic_wire_tester_ops;

#endif /* _OPNIC_WIRE_H_ */
