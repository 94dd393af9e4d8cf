/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The STATUS reply: a device's counters and queue 0 state, read once into
 * struct dev_status, then formatted as the "key value" text opnic-ctl
 * prints (tests parse it: keep it byte for byte) or as one JSON object
 * with the same keys, with the external wire's status appended.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opnic_server_internal.h"

/* What "opnic-ctl status DEV" shows, read once under the lock. */
struct dev_status {
	unsigned int dev;
	const char *profile;
	const char *link;
	const char *owner;
	uint64_t rx_pkts, tx_pkts, rx_no_desc, rx_filtered, dma_errors;
	uint64_t desc_errors, link_drops, irqs_sent, resets, ro_writes_restored;
	uint64_t txq0_doorbells, rxq0_doorbells;
	unsigned int queues_running;
	/* TX queue 0 and the queue configuration block. */
	unsigned int running, idle, cons, prod, last_db, db, drv_prod, dev_flags;
	unsigned int qstatus, qerror, qctrl;
	uint64_t injected[OPNIC_FK_NKINDS];
	unsigned int removed;
};

static void
status_collect(const struct opnic_server *srv, const struct server_dev *d,
	       struct dev_status *s)
{
	const struct opnic_model_dev *md = &d->m;
	const struct opnic_model_q *tq = &md->txq[0];
	const uint8_t *qcfg = md->bar0 + md->blk[OPNIC_BLK_QCFG];
	unsigned int q, k;

	memset(s, 0, sizeof(*s));
	s->dev = (unsigned int)(d - srv->dev);
	s->profile = srv->prof.name;
	s->link = md->link_up ? "up" : "down";
	s->owner = d->owner ? "attached" : "none";
	s->rx_pkts = md->st[OPNIC_ST_RX_PKTS / 8];
	s->tx_pkts = md->st[OPNIC_ST_TX_PKTS / 8];
	s->rx_no_desc = md->st[OPNIC_ST_RX_NO_DESC / 8];
	s->rx_filtered = md->st[OPNIC_ST_RX_FILTERED / 8];
	s->dma_errors = md->st[OPNIC_ST_DMA_ERRORS / 8];
	s->desc_errors = md->st[OPNIC_ST_DESC_ERRORS / 8];
	s->link_drops = md->st[OPNIC_ST_LINK_DROPS / 8];
	s->irqs_sent = md->irqs_sent;
	s->resets = md->resets;
	s->ro_writes_restored = md->ro_writes_restored;
	s->txq0_doorbells = tq->doorbells_seen;
	s->rxq0_doorbells = md->rxq[0].doorbells_seen;
	for (q = 0; q < srv->prof.queues; q++)
		s->queues_running += md->txq[q].running + md->rxq[q].running;
	s->running = tq->running;
	s->idle = tq->idle;
	s->cons = tq->cons;
	s->prod = tq->prod;
	s->last_db = tq->last_db;
	s->db = tq->running ? opnic_model_ld32(md->bar0 + tq->db_off) : 0;
	s->drv_prod = tq->shadow ? tq->shadow->drv_prod : 0;
	s->dev_flags = tq->shadow ? tq->shadow->dev_flags : 0;
	s->qstatus = opnic_model_ld32(qcfg + OPNIC_Q_STATUS);
	s->qerror = opnic_model_ld32(qcfg + OPNIC_Q_ERROR);
	s->qctrl = opnic_model_ld32(qcfg + OPNIC_Q_CTRL);
	for (k = 0; k < OPNIC_FK_NKINDS; k++)
		s->injected[k] = md->faults.injected[k];
	s->removed = md->faults.surprise_removed;
}

/* "injected_" and the fault kind's name with '-' as '_'. */
static void
fault_key(unsigned int kind, char *key, size_t keylen)
{
	char *c;

	snprintf(key, keylen, "injected_%s", opnic_fault_kind_name(kind));
	for (c = key; *c != '\0'; c++)
		if (*c == '-')
			*c = '_';
}

/* Append to a reply text; n is clamped so that it stays in bounds. */
static size_t
text_add(char *text, size_t size, size_t n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (n >= size)
		return n;
	va_start(ap, fmt);
	w = vsnprintf(text + n, size - n, fmt, ap);
	va_end(ap);
	if (w < 0)
		return n;
	return n + (size_t)w < size ? n + (size_t)w : size;
}

static size_t
status_text(const struct dev_status *s, char *text, size_t size)
{
	unsigned int k;
	size_t n;

	n = text_add(text, size, 0,
		     "dev %u profile %s link %s owner %s\n"
		     "rx_pkts %" PRIu64 " tx_pkts %" PRIu64 " rx_no_desc %" PRIu64
		     " rx_filtered %" PRIu64 " dma_errors %" PRIu64
		     " desc_errors %" PRIu64 " link_drops %" PRIu64 "\n"
		     "irqs_sent %" PRIu64 " resets %" PRIu64
		     " ro_writes_restored %" PRIu64 " txq0_doorbells %" PRIu64
		     " rxq0_doorbells %" PRIu64 "\nqueues_running %u\n"
		     "txq0 running %u idle %u cons %u prod %u last_db %u db %u"
		     " drv_prod %u dev_flags %u qstatus 0x%x qerror %u qctrl %u\n",
		     s->dev, s->profile, s->link, s->owner, s->rx_pkts, s->tx_pkts,
		     s->rx_no_desc, s->rx_filtered, s->dma_errors, s->desc_errors,
		     s->link_drops, s->irqs_sent, s->resets, s->ro_writes_restored,
		     s->txq0_doorbells, s->rxq0_doorbells, s->queues_running,
		     s->running, s->idle, s->cons, s->prod, s->last_db, s->db,
		     s->drv_prod, s->dev_flags, s->qstatus, s->qerror, s->qctrl);
	for (k = 0; k < OPNIC_FK_NKINDS; k++) {
		char key[40];

		fault_key(k, key, sizeof(key));
		n = text_add(text, size, n, "%s%s %" PRIu64, k ? " " : "", key,
			     s->injected[k]);
	}
	return text_add(text, size, n, " removed %u\n", s->removed);
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static size_t
json_string(char *text, size_t size, size_t n, const char *s)
{
	n = text_add(text, size, n, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			n = text_add(text, size, n, "\\%c", c);
		else if (c < 0x20)
			n = text_add(text, size, n, "\\u%04x", c);
		else
			n = text_add(text, size, n, "%c", c);
	}
	return text_add(text, size, n, "\"");
}

static size_t
status_json(const struct dev_status *s, char *text, size_t size)
{
	unsigned int k;
	size_t n;

	n = text_add(text, size, 0, "{\"dev\": %u, \"profile\": ", s->dev);
	n = json_string(text, size, n, s->profile);
	n = text_add(text, size, n,
		     ", \"link\": \"%s\", \"owner\": \"%s\", "
		     "\"rx_pkts\": %" PRIu64 ", \"tx_pkts\": %" PRIu64
		     ", \"rx_no_desc\": %" PRIu64 ", \"rx_filtered\": %" PRIu64
		     ", \"dma_errors\": %" PRIu64 ", \"desc_errors\": %" PRIu64
		     ", \"link_drops\": %" PRIu64 ", \"irqs_sent\": %" PRIu64
		     ", \"resets\": %" PRIu64 ", \"ro_writes_restored\": %" PRIu64
		     ", \"txq0_doorbells\": %" PRIu64 ", \"rxq0_doorbells\": %" PRIu64
		     ", \"queues_running\": %u, \"txq0\": {\"running\": %u, "
		     "\"idle\": %u, \"cons\": %u, \"prod\": %u, \"last_db\": %u, "
		     "\"db\": %u, \"drv_prod\": %u, \"dev_flags\": %u, "
		     "\"qstatus\": %u, \"qerror\": %u, \"qctrl\": %u}",
		     s->link, s->owner, s->rx_pkts, s->tx_pkts, s->rx_no_desc,
		     s->rx_filtered, s->dma_errors, s->desc_errors, s->link_drops,
		     s->irqs_sent, s->resets, s->ro_writes_restored,
		     s->txq0_doorbells, s->rxq0_doorbells, s->queues_running,
		     s->running, s->idle, s->cons, s->prod, s->last_db, s->db,
		     s->drv_prod, s->dev_flags, s->qstatus, s->qerror, s->qctrl);
	for (k = 0; k < OPNIC_FK_NKINDS; k++) {
		char key[40];

		fault_key(k, key, sizeof(key));
		n = text_add(text, size, n, ", \"%s\": %" PRIu64, key,
			     s->injected[k]);
	}
	return text_add(text, size, n, ", \"removed\": %u", s->removed);
}

/* A number when the whole token is decimal digits, else a string. */
static size_t
json_value(char *text, size_t size, size_t n, const char *tok)
{
	size_t i, len = strlen(tok);

	for (i = 0; i < len && tok[i] >= '0' && tok[i] <= '9'; i++)
		;
	if (len != 0 && i == len && (len == 1 || tok[0] != '0'))
		return text_add(text, size, n, "%s", tok);
	return json_string(text, size, n, tok);
}

/*
 * The wire's status as a JSON object: its own "json" answer when it has one
 * (the tester), else its one-line text "wire KIND [NAME] KEY VALUE..." as
 * {"wire": KIND, ["name": NAME,] KEY: VALUE...}.
 */
static size_t
wire_json(struct opnic_wire *w, char *text, size_t size, size_t n)
{
	char buf[OPNIC_MSG_TEXT_SIZE];
	char *tok[64], *save = NULL, *t;
	unsigned int ntok = 0, i = 1;

	if (opnic_wire_command(w, "json", buf, sizeof(buf)) == 0 && buf[0] == '{') {
		buf[strcspn(buf, "\n")] = '\0';
		return text_add(text, size, n, "%s", buf);
	}
	buf[0] = '\0';
	opnic_wire_command(w, "status", buf, sizeof(buf));
	for (t = strtok_r(buf, " \n", &save); t != NULL && ntok < sizeof(tok) / sizeof(tok[0]);
	     t = strtok_r(NULL, " \n", &save))
		tok[ntok++] = t;
	n = text_add(text, size, n, "{\"wire\": ");
	n = json_value(text, size, n, ntok > 1 ? tok[1] : "");
	i = 2;
	if (ntok > i && (ntok - i) % 2 != 0) {
		n = text_add(text, size, n, ", \"name\": ");
		n = json_value(text, size, n, tok[i++]);
	}
	for (; i + 1 < ntok; i += 2) {
		n = text_add(text, size, n, ", ");
		n = json_string(text, size, n, tok[i]);
		n = text_add(text, size, n, ": ");
		n = json_value(text, size, n, tok[i + 1]);
	}
	return text_add(text, size, n, "}");
}

/* opnic-ctl status DEV [json]: the device's counters, then its wire's. */
void
server_status_reply(struct opnic_server *srv, struct server_dev *d,
		    uint32_t format, struct opnic_msg_reply *rep)
{
	size_t n, size = sizeof(rep->text);
	struct dev_status s;

	if (format > OPNIC_STATUS_JSON) {
		server_reply_text(rep, -EINVAL, "status format %" PRIu32 ": "
				  "expected 0 (text) or 1 (json)", format);
		return;
	}
	status_collect(srv, d, &s);
	if (format == OPNIC_STATUS_JSON) {
		n = status_json(&s, rep->text, size);
		if (d->wire != NULL) {
			n = text_add(rep->text, size, n, ", \"wire\": ");
			n = wire_json(d->wire, rep->text, size, n);
		}
		text_add(rep->text, size, n, "}\n");
	} else {
		n = status_text(&s, rep->text, size);
		if (d->wire != NULL && n < size)
			opnic_wire_command(d->wire, "status", rep->text + n,
					   size - n);
	}
	rep->text[size - 1] = '\0';
	rep->len = (uint32_t)strlen(rep->text);
}
