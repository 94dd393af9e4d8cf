/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * tester:pps=N,size=N,flows=N,count=N — a traffic tester on the port's wire,
 * like a hardware generator/analyser cabled to the NIC. It injects IPv4/UDP
 * frames into the port's RX at a set rate (pps=0: as fast as the RX ring
 * takes them, nothing dropped at the input) with a set size and number of
 * flows (source address and UDP source port vary, so RSS spreads them).
 * Every frame carries a tester header: generator, flow, sequence number,
 * transmit timestamp and a check word; the payload is a pattern derived from
 * the sequence number. Frames the application transmits on any tester port
 * are checked: received, lost, reordered (per flow), duplicated, corrupted
 * (IPv4 header checksum, check word, pattern), latency min/avg/max and a
 * log2 histogram. Frame layout: doc/tester.md.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opnic_wire.h"

#define T_MAGIC		0x544f		/* "OT" */
#define T_HDR_OFF	42		/* Ethernet 14 + IPv4 20 + UDP 8 */
#define T_HDR_LEN	22
#define T_MIN_SIZE	(T_HDR_OFF + T_HDR_LEN)	/* 64 */
#define T_MAX_SIZE	9000
#define T_MAX_GENS	OPNIC_TESTER_MAX
#define T_MAX_FLOWS	65536
#define T_BURST		32
#define T_HIST		24	/* bucket b: latency < 2^(b+8) ns */
#define OPNIC_TESTER_MAX 16

struct t_rx {			/* what one tester saw from one generator */
	uint64_t received, reordered, duplicates;
	uint32_t *last_seq;	/* per flow, seq + 1 (0: none yet) */
};

struct tester {
	unsigned int gen;
	int running;
	uint64_t pps, size, flows, count;
	/* generator */
	uint64_t start_ns, gen_base, offered, injected, input_drops;
	uint32_t seq;
	uint8_t frame[T_MAX_SIZE];
	/* analyser */
	struct t_rx from[T_MAX_GENS];
	uint64_t received, corrupted, foreign;
	uint64_t lat_min, lat_max, lat_sum, lat_n;
	uint64_t hist[T_HIST];
};

/* All testers of this model: loss is counted against what a generator sent,
 * whichever tester port the frames come back on. */
static struct tester *testers[T_MAX_GENS];
static uint8_t pattern[T_MAX_SIZE + 256];

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t
ip_csum(const uint8_t *h)
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i < 20; i += 2)
		s += get16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The check word covers the tester header fields before it. */
static uint32_t
hdr_check(const uint8_t *h)
{
	uint32_t x = 2166136261u;	/* FNV-1a */
	unsigned int i;

	for (i = 0; i < T_HDR_LEN - 4; i++)
		x = (x ^ h[i]) * 16777619u;
	return x;
}

static void
build_template(struct tester *t, const uint8_t *dst_mac)
{
	uint8_t *f = t->frame, *ip = f + 14, *udp = f + 34;
	uint16_t iplen = (uint16_t)(t->size - 14);

	memset(f, 0, sizeof(t->frame));
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, "\x02\x00\x74\x65\x73\x00", 6);
	f[11] = (uint8_t)t->gen;
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, iplen);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10;		/* 10.1.x.y -> 10.2.0.1 */
	ip[13] = 1;
	ip[16] = 10;
	ip[17] = 2;
	ip[19] = 1;
	put16(udp + 2, 5000);
	put16(udp + 4, (uint16_t)(iplen - 20));
}

/* Fill in the per-frame fields of the template. */
static void
stamp(struct tester *t, uint32_t flow, uint32_t seq, uint64_t ts)
{
	uint8_t *f = t->frame, *ip = f + 14, *h = f + T_HDR_OFF;
	uint32_t chk;

	ip[14] = (uint8_t)(flow >> 8);
	ip[15] = (uint8_t)flow;
	put16(ip + 10, 0);
	put16(ip + 10, ip_csum(ip));
	put16(f + 34, (uint16_t)(1024 + (flow & 0x7fff)));
	put16(h, T_MAGIC);
	h[2] = (uint8_t)t->gen;
	h[3] = 0;
	put16(h + 4, (uint16_t)flow);
	memcpy(h + 6, &seq, 4);
	memcpy(h + 10, &ts, 8);
	chk = hdr_check(h);
	memcpy(h + 18, &chk, 4);
	if (t->size > T_MIN_SIZE)
		memcpy(f + T_MIN_SIZE, pattern + (seq & 0xff), t->size - T_MIN_SIZE);
}

static unsigned int
tester_generate(struct opnic_wire *w)
{
	struct tester *t = w->priv;
	uint64_t due = T_BURST, now;
	unsigned int n = 0;

	if (!t->running)
		return 0;
	now = opnic_wire_now_ns();
	if (t->pps != 0)
		due = opnic_wire_due(t->start_ns, now, t->pps,
				     t->offered - t->gen_base, T_BURST);
	while (n < due && (t->count == 0 || t->offered < t->count)) {
		uint32_t flow = (uint32_t)(t->offered % t->flows);
		int r;

		stamp(t, flow, t->seq, now);
		/* As fast as the ring takes them: wait for a descriptor. With
		 * a rate, a full ring is the application's loss. */
		r = opnic_model_rx_offer(w->dev, t->frame, (uint32_t)t->size,
					 t->pps == 0);
		if (r == -EAGAIN)
			break;
		t->offered++;
		t->seq++;
		if (r == 0)
			t->injected++;
		else
			t->input_drops++;
		n++;
	}
	return n;
}

static unsigned int
tester_poll(struct opnic_wire *w)
{
	return tester_generate(w);
}

static void
record_latency(struct tester *t, uint64_t lat)
{
	unsigned int b = 0;

	if (t->lat_n == 0 || lat < t->lat_min)
		t->lat_min = lat;
	if (lat > t->lat_max)
		t->lat_max = lat;
	t->lat_sum += lat;
	t->lat_n++;
	while (b < T_HIST - 1 && lat >= (1ull << (b + 8)))
		b++;
	t->hist[b]++;
}

/* A frame the application transmitted on this port. */
static void
tester_tx(void *ctx, const uint8_t *f, uint32_t len)
{
	struct opnic_wire *w = ctx;
	struct tester *t = w->priv;
	const uint8_t *h = f + T_HDR_OFF;
	uint32_t seq, chk, flow, gen;
	struct t_rx *rx;
	uint64_t ts, now = opnic_wire_now_ns();

	if (len < T_MIN_SIZE || get16(f + 12) != 0x0800 || get16(h) != T_MAGIC) {
		t->foreign++;	/* not a tester frame (ARP, or mangled) */
		return;
	}
	t->received++;
	memcpy(&seq, h + 6, 4);
	memcpy(&ts, h + 10, 8);
	memcpy(&chk, h + 18, 4);
	gen = h[2];
	flow = get16(h + 4);
	if (gen >= T_MAX_GENS || testers[gen] == NULL || chk != hdr_check(h) ||
	    ip_csum(f + 14) != 0 || get16(f + 16) != len - 14 ||
	    flow >= testers[gen]->flows ||
	    (len > T_MIN_SIZE &&
	     memcmp(f + T_MIN_SIZE, pattern + (seq & 0xff), len - T_MIN_SIZE) != 0)) {
		t->corrupted++;
		return;
	}
	rx = &t->from[gen];
	if (rx->last_seq == NULL) {
		rx->last_seq = calloc(T_MAX_FLOWS, sizeof(uint32_t));
		if (rx->last_seq == NULL)
			return;
	}
	rx->received++;
	if (rx->last_seq[flow] != 0) {
		int32_t d = (int32_t)(seq + 1 - rx->last_seq[flow]);

		if (d == 0) {
			rx->duplicates++;
			return;
		}
		if (d < 0) {
			rx->reordered++;
			return;
		}
	}
	rx->last_seq[flow] = seq + 1;
	record_latency(t, now >= ts ? now - ts : 0);
}

/* Frames sent by generator g that came back on any tester port. */
static uint64_t
delivered(unsigned int g)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < T_MAX_GENS; i++)
		if (testers[i] != NULL)
			n += testers[i]->from[g].received -
			     testers[i]->from[g].duplicates;
	return n;
}

static void
counters_reset(struct tester *t)
{
	unsigned int g;

	t->offered = t->injected = t->input_drops = 0;
	t->gen_base = 0;
	t->start_ns = opnic_wire_now_ns();
	t->received = t->corrupted = t->foreign = 0;
	t->lat_min = t->lat_max = t->lat_sum = t->lat_n = 0;
	memset(t->hist, 0, sizeof(t->hist));
	for (g = 0; g < T_MAX_GENS; g++) {
		uint32_t *ls = t->from[g].last_seq;

		memset(&t->from[g], 0, sizeof(t->from[g]));
		t->from[g].last_seq = ls;
		if (ls != NULL)
			memset(ls, 0, T_MAX_FLOWS * sizeof(uint32_t));
	}
}

static int
tester_kv(void *ctx, const char *key, const char *val, char *err, size_t errlen)
{
	struct tester *t = ctx;

	if (strcmp(key, "pps") == 0)
		return opnic_wire_num(key, val, 0, 1000000000ull, &t->pps, err, errlen);
	if (strcmp(key, "size") == 0)
		return opnic_wire_num(key, val, T_MIN_SIZE, T_MAX_SIZE, &t->size, err,
				      errlen);
	if (strcmp(key, "flows") == 0)
		return opnic_wire_num(key, val, 1, T_MAX_FLOWS, &t->flows, err, errlen);
	if (strcmp(key, "count") == 0)
		return opnic_wire_num(key, val, 0, UINT64_MAX, &t->count, err, errlen);
	if (strcmp(key, "run") == 0) {
		uint64_t v;

		if (opnic_wire_num(key, val, 0, 1, &v, err, errlen) != 0)
			return -1;
		t->running = (int)v;
		return 0;
	}
	snprintf(err, errlen, "tester: unknown key '%s' (pps, size, flows, count, "
		 "run)", key);
	return -1;
}

static int
tester_open(struct opnic_wire *w, const char *args, char *err, size_t errlen)
{
	struct tester *t;
	unsigned int g, i;

	for (g = 0; g < T_MAX_GENS && testers[g] != NULL; g++)
		;
	if (g == T_MAX_GENS) {
		snprintf(err, errlen, "tester: at most %u tester ports", T_MAX_GENS);
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->gen = g;
	t->size = T_MIN_SIZE;
	t->flows = 1;
	t->running = 1;
	if (opnic_wire_kv(args, ",", tester_kv, t, err, errlen) != 0) {
		free(t);
		return -1;
	}
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)i;
	build_template(t, w->dev->mac);
	counters_reset(t);
	testers[g] = t;
	w->priv = t;
	return 0;
}

static void
report(struct tester *t, int json, char *out, size_t outlen)
{
	uint64_t reord = 0, dup = 0, got = delivered(t->gen), lost;
	uint64_t avg = t->lat_n ? t->lat_sum / t->lat_n : 0;
	unsigned int g, b;
	size_t n;

	for (g = 0; g < T_MAX_GENS; g++) {
		reord += t->from[g].reordered;
		dup += t->from[g].duplicates;
	}
	/* Not yet back is lost once the generator has stopped and the
	 * application had time to drain. */
	lost = t->offered > got ? t->offered - got : 0;
	n = (size_t)snprintf(out, outlen, json ?
		"{\"wire\":\"tester\",\"generator\":%u,\"running\":%d,\"pps\":%" PRIu64
		",\"size\":%" PRIu64 ",\"flows\":%" PRIu64 ",\"offered\":%" PRIu64
		",\"injected\":%" PRIu64 ",\"input_drops\":%" PRIu64
		",\"delivered\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"received\":%" PRIu64
		",\"reordered\":%" PRIu64 ",\"duplicates\":%" PRIu64
		",\"corrupted\":%" PRIu64 ",\"foreign\":%" PRIu64
		",\"lat_min_ns\":%" PRIu64 ",\"lat_avg_ns\":%" PRIu64
		",\"lat_max_ns\":%" PRIu64 ",\"lat_samples\":%" PRIu64 ",\"hist\":[" :
		"wire tester generator %u running %d pps %" PRIu64 " size %" PRIu64
		" flows %" PRIu64 "\noffered %" PRIu64 " injected %" PRIu64
		" input_drops %" PRIu64 " delivered %" PRIu64 " lost %" PRIu64 "\n"
		"received %" PRIu64 " reordered %" PRIu64 " duplicates %" PRIu64
		" corrupted %" PRIu64 " foreign %" PRIu64 "\n"
		"latency_ns min %" PRIu64 " avg %" PRIu64 " max %" PRIu64
		" samples %" PRIu64 "\nhistogram_ns",
		t->gen, t->running, t->pps, t->size, t->flows, t->offered,
		t->injected, t->input_drops, got, lost, t->received, reord, dup,
		t->corrupted, t->foreign, t->lat_min, avg, t->lat_max, t->lat_n);
	for (b = 0; b < T_HIST && n < outlen; b++) {
		if (json)
			n += (size_t)snprintf(out + n, outlen - n, "%s%" PRIu64,
					      b ? "," : "", t->hist[b]);
		else if (t->hist[b] != 0)
			n += (size_t)snprintf(out + n, outlen - n, " <%llu:%" PRIu64,
					      1ull << (b + 8), t->hist[b]);
	}
	if (n < outlen)
		snprintf(out + n, outlen - n, json ? "]}\n" : "\n");
}

static int
tester_command(struct opnic_wire *w, const char *cmd, char *out, size_t outlen)
{
	struct tester *t = w->priv;

	if (strncmp(cmd, "set ", 4) == 0) {
		uint64_t pps = t->pps;
		int ret = opnic_wire_kv(cmd + 4, " ", tester_kv, t, out, outlen);

		if (ret != 0) {
			size_t l = strlen(out);

			if (l + 1 < outlen)
				strcat(out, "\n");
			return -EINVAL;
		}
		if (t->size < T_MIN_SIZE)
			t->size = T_MIN_SIZE;
		build_template(t, w->dev->mac);
		if (t->pps != pps) {	/* a new rate counts from now */
			t->start_ns = opnic_wire_now_ns();
			t->gen_base = t->offered;
		}
		report(t, 0, out, outlen);
		return 0;
	}
	if (strcmp(cmd, "reset") == 0) {
		unsigned int g;

		/* Every tester's counters: loss is counted across ports. */
		for (g = 0; g < T_MAX_GENS; g++)
			if (testers[g] != NULL)
				counters_reset(testers[g]);
		report(t, 0, out, outlen);
		return 0;
	}
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "json") == 0) {
		report(t, cmd[0] == 'j', out, outlen);
		return 0;
	}
	snprintf(out, outlen, "tester wire: unknown command '%s' (status, json, "
		 "reset, set KEY=VALUE...)\n", cmd);
	return -EINVAL;
}

static void
tester_close(struct opnic_wire *w)
{
	struct tester *t = w->priv;
	unsigned int g;

	for (g = 0; g < T_MAX_GENS; g++)
		free(t->from[g].last_seq);
	testers[t->gen] = NULL;
	free(t);
}

const struct opnic_wire_ops opnic_wire_tester_ops = {
	.name = "tester",
	.open = tester_open,
	.tx = tester_tx,
	.poll = tester_poll,
	.command = tester_command,
	.close = tester_close,
};
