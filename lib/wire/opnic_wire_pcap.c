/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * pcap:rx=FILE,tx=FILE,loop=N,pps=N,holdoff_ms=N — replay the Ethernet frames
 * of a pcap file into the port's RX at pps frames per second, or with pps 0
 * (default) as fast as the RX ring takes them (a frame waits for a
 * descriptor, it is never dropped for lack of one); replay starts
 * holdoff_ms, default 500, after the application first runs an RX queue,
 * or at once on "opnic-ctl wire N reset") and record what the port
 * transmits into a pcap file (microsecond timestamps, link type Ethernet).
 * Either side may be left out. The input file is checked record by record;
 * a bad file is refused with the record number and the value at fault.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "opnic_wire.h"

#define PCAP_MAGIC_US	0xa1b2c3d4u
#define PCAP_MAGIC_NS	0xa1b23c4du
#define PCAP_LINK_ETH	1
#define PCAP_MAX_FRAME	9018u
#define PCAP_MAX_FILE	(1ull << 30)
#define PCAP_BURST	32

struct pcap_frame {
	uint64_t off;
	uint32_t len;
};

struct pcap {
	char rx_path[512];
	char tx_path[512];
	uint8_t *data;		/* the whole input file */
	struct pcap_frame *frames;
	uint64_t nframes;
	uint64_t next;		/* next frame to offer */
	uint64_t loops, loop;	/* replay the file this many times */
	uint64_t replayed, dropped, written, write_errors;
	uint64_t holdoff_ns;	/* replay starts this long after RX runs */
	uint64_t pps;		/* replay rate; 0: as fast as RX takes them */
	uint64_t start_ns;	/* when the replay started */
	uint64_t armed_ns;	/* when an RX queue was first seen running */
	int started;
	FILE *tx;
};

/* Like a tester that waits for link-up: replay begins once the application
 * has started an RX queue and had holdoff to finish its setup (testpmd
 * turns on promiscuous mode just after the port starts). */
static int
replay_ready(struct opnic_wire *w, struct pcap *p)
{
	unsigned int q;
	uint64_t now;
	int running = 0;

	if (p->started)
		return 1;
	for (q = 0; q < w->dev->prof.queues; q++)
		running |= w->dev->rxq[q].running;
	if (!running) {
		p->armed_ns = 0;
		return 0;
	}
	now = opnic_wire_now_ns();
	if (p->armed_ns == 0)
		p->armed_ns = now;
	if (now - p->armed_ns < p->holdoff_ns)
		return 0;
	p->started = 1;
	p->start_ns = now;
	return 1;
}

static uint32_t
rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static int
load_rx(struct pcap *p, char *err, size_t errlen)
{
	FILE *f = fopen(p->rx_path, "rb");
	uint64_t size, off, cap = 0;
	uint32_t magic, snap, link;
	int swap;

	if (f == NULL) {
		snprintf(err, errlen, "pcap rx '%s': %s", p->rx_path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (long)(size = (uint64_t)ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || size > PCAP_MAX_FILE) {
		snprintf(err, errlen, "pcap rx '%s': cannot size the file or it is "
			 "larger than 1 GiB", p->rx_path);
		fclose(f);
		return -1;
	}
	p->data = malloc(size != 0 ? size : 1);
	if (p->data == NULL || fread(p->data, 1, size, f) != size) {
		snprintf(err, errlen, "pcap rx '%s': cannot read %" PRIu64 " bytes",
			 p->rx_path, size);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (size < 24) {
		snprintf(err, errlen, "pcap rx '%s': %" PRIu64 " bytes, shorter than "
			 "a pcap file header", p->rx_path, size);
		return -1;
	}
	memcpy(&magic, p->data, 4);
	swap = magic == __builtin_bswap32(PCAP_MAGIC_US) ||
	       magic == __builtin_bswap32(PCAP_MAGIC_NS);
	magic = rd32(p->data, swap);
	if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS) {
		snprintf(err, errlen, "pcap rx '%s': magic 0x%08x is not a pcap file "
			 "(pcapng is not read; convert with tcpdump -r IN -w OUT)",
			 p->rx_path, magic);
		return -1;
	}
	snap = rd32(p->data + 16, swap);
	link = rd32(p->data + 20, swap) & 0xffff;
	if (link != PCAP_LINK_ETH) {
		snprintf(err, errlen, "pcap rx '%s': link type %u, expected 1 "
			 "(Ethernet)", p->rx_path, link);
		return -1;
	}
	for (off = 24; off < size;) {
		uint32_t incl, orig;

		if (size - off < 16) {
			snprintf(err, errlen, "pcap rx '%s': record %" PRIu64 " header "
				 "truncated at byte %" PRIu64, p->rx_path,
				 p->nframes + 1, off);
			return -1;
		}
		incl = rd32(p->data + off + 8, swap);
		orig = rd32(p->data + off + 12, swap);
		if (incl < 14 || incl > PCAP_MAX_FRAME || incl > size - off - 16 ||
		    (snap != 0 && incl > snap) || incl != orig) {
			snprintf(err, errlen, "pcap rx '%s': record %" PRIu64 " at byte "
				 "%" PRIu64 ": captured length %u (frame length %u) "
				 "is not a whole frame of 14..%u bytes inside the file",
				 p->rx_path, p->nframes + 1, off, incl, orig,
				 PCAP_MAX_FRAME);
			return -1;
		}
		if (p->nframes == cap) {
			struct pcap_frame *nf;

			cap = cap ? cap * 2 : 1024;
			nf = realloc(p->frames, cap * sizeof(*nf));
			if (nf == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			p->frames = nf;
		}
		p->frames[p->nframes].off = off + 16;
		p->frames[p->nframes].len = incl;
		p->nframes++;
		off += 16 + (uint64_t)incl;
	}
	return 0;
}

static int
open_tx(struct pcap *p, char *err, size_t errlen)
{
	uint32_t hdr[6] = { PCAP_MAGIC_US, 2 | 4u << 16, 0, 0, 65535,
			    PCAP_LINK_ETH };

	p->tx = fopen(p->tx_path, "wb");
	if (p->tx == NULL || fwrite(hdr, sizeof(hdr), 1, p->tx) != 1) {
		snprintf(err, errlen, "pcap tx '%s': %s", p->tx_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
pcap_kv(void *ctx, const char *key, const char *val, char *err, size_t errlen)
{
	struct pcap *p = ctx;

	if (strcmp(key, "rx") == 0 || strcmp(key, "tx") == 0) {
		char *dst = key[0] == 'r' ? p->rx_path : p->tx_path;

		if (val[0] == '\0' || strlen(val) >= sizeof(p->rx_path)) {
			snprintf(err, errlen, "pcap %s='%s': expected a file path",
				 key, val);
			return -1;
		}
		snprintf(dst, sizeof(p->rx_path), "%s", val);
		return 0;
	}
	if (strcmp(key, "loop") == 0)
		return opnic_wire_num(key, val, 1, 1000000, &p->loops, err, errlen);
	if (strcmp(key, "pps") == 0)
		return opnic_wire_num(key, val, 0, 1000000000ull, &p->pps, err, errlen);
	if (strcmp(key, "holdoff_ms") == 0) {
		uint64_t ms;

		if (opnic_wire_num(key, val, 0, 60000, &ms, err, errlen) != 0)
			return -1;
		p->holdoff_ns = ms * 1000000ull;
		return 0;
	}
	snprintf(err, errlen, "pcap: unknown key '%s' (rx, tx, loop, pps, holdoff_ms)",
		 key);
	return -1;
}

static void pcap_free(struct pcap *p);

static int
pcap_open(struct opnic_wire *w, const char *args, char *err, size_t errlen)
{
	struct pcap *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->loops = 1;
	p->holdoff_ns = 500000000ull;
	if (opnic_wire_kv(args, ",", pcap_kv, p, err, errlen) != 0)
		goto fail;
	if (p->rx_path[0] == '\0' && p->tx_path[0] == '\0') {
		snprintf(err, errlen, "pcap:'%s': give rx=FILE, tx=FILE or both", args);
		goto fail;
	}
	if (p->rx_path[0] != '\0' && load_rx(p, err, errlen) != 0)
		goto fail;
	if (p->tx_path[0] != '\0' && open_tx(p, err, errlen) != 0)
		goto fail;
	w->priv = p;
	return 0;
fail:
	pcap_free(p);
	return -1;
}

static void
pcap_tx(void *ctx, const uint8_t *f, uint32_t len)
{
	struct opnic_wire *w = ctx;
	struct pcap *p = w->priv;
	struct timeval tv;
	uint32_t rec[4];

	if (p->tx == NULL)
		return;
	gettimeofday(&tv, NULL);
	rec[0] = (uint32_t)tv.tv_sec;
	rec[1] = (uint32_t)tv.tv_usec;
	rec[2] = rec[3] = len;
	if (fwrite(rec, sizeof(rec), 1, p->tx) == 1 && fwrite(f, len, 1, p->tx) == 1)
		p->written++;
	else
		p->write_errors++;
}

static unsigned int
pcap_poll(struct opnic_wire *w)
{
	struct pcap *p = w->priv;
	unsigned int n = 0;
	unsigned int budget = PCAP_BURST;

	if (p->nframes == 0 || !replay_ready(w, p))
		return 0;
	if (p->pps != 0)
		budget = opnic_wire_due(p->start_ns, opnic_wire_now_ns(), p->pps,
					p->replayed + p->dropped, PCAP_BURST);
	while (n < budget && p->loop < p->loops) {
		const struct pcap_frame *fr = &p->frames[p->next];
		int r = opnic_model_rx_offer(w->dev, p->data + fr->off, fr->len, 1);

		if (r == -EAGAIN)
			break;	/* no descriptor yet: offer it again later */
		if (r == 0)
			p->replayed++;
		else
			p->dropped++;
		n++;
		if (++p->next == p->nframes) {
			p->next = 0;
			p->loop++;
		}
	}
	return n;
}

static int
pcap_command(struct opnic_wire *w, const char *cmd, char *out, size_t outlen)
{
	struct pcap *p = w->priv;

	if (strcmp(cmd, "reset") == 0) {
		/* Replay from the start again, now. */
		p->next = p->loop = 0;
		p->started = 1;
		p->start_ns = opnic_wire_now_ns();
		p->replayed = p->dropped = 0;
	} else if (strcmp(cmd, "status") != 0) {
		snprintf(out, outlen, "pcap wire: unknown command '%s' (status, reset)\n",
			 cmd);
		return -EINVAL;
	}
	if (p->tx != NULL)
		fflush(p->tx);
	snprintf(out, outlen, "wire pcap rx_file %s frames %" PRIu64 " loops %" PRIu64
		 " replayed %" PRIu64 " dropped %" PRIu64 " done %u tx_file %s "
		 "written %" PRIu64 " write_errors %" PRIu64 "\n",
		 p->rx_path[0] ? p->rx_path : "-", p->nframes, p->loops,
		 p->replayed, p->dropped,
		 p->nframes == 0 || p->loop >= p->loops ? 1u : 0u,
		 p->tx_path[0] ? p->tx_path : "-", p->written, p->write_errors);
	return 0;
}

static void
pcap_free(struct pcap *p)
{
	if (p->tx != NULL)
		fclose(p->tx);
	free(p->frames);
	free(p->data);
	free(p);
}

static void
pcap_close(struct opnic_wire *w)
{
	pcap_free(w->priv);
}

const struct opnic_wire_ops opnic_wire_pcap_ops = {
	.name = "pcap",
	.open = pcap_open,
	.tx = pcap_tx,
	.poll = pcap_poll,
	.command = pcap_command,
	.close = pcap_close,
};
