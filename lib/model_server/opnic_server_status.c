/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The STATUS reply: a device's counters and queue 0 state, read once into
 * a list of items, then formatted as the "key value" text opnic-ctl prints
 * (tests parse it: keep it byte for byte) or as one JSON object with the
 * same keys, with the external wire's status appended.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opnic_server_internal.h"

/*
 * What "opnic-ctl status DEV" shows, read once under the lock into a list
 * of items in the order of the text. The text puts each item as "key value"
 * and ends a line after the items marked eol; an item of a group ("txq0")
 * sits on a line that starts with the group's name. The JSON object has the
 * same keys, a group as a nested object.
 */
enum item_kind {
	ITEM_NUM,
	ITEM_HEX,		/* a number the text shows as 0x... */
	ITEM_STR,
};

struct status_item {
	char key[40];
	const char *group;	/* NULL, or the name of a nested group */
	const char *str;	/* ITEM_STR */
	uint64_t num;
	uint8_t kind;		/* enum item_kind */
	uint8_t eol;		/* the text line ends after this item */
};

#define STATUS_MAX_ITEMS	(48 + OPNIC_FK_NKINDS)

struct status_list {
	struct status_item item[STATUS_MAX_ITEMS];
	unsigned int n;
	const char *group;	/* group of the items added next */
};

static struct status_item *
item_add(struct status_list *l, const char *key, enum item_kind kind, int eol)
{
	static struct status_item overflow;	/* written, never shown */
	struct status_item *it = l->n < STATUS_MAX_ITEMS ? &l->item[l->n++] :
				 &overflow;

	snprintf(it->key, sizeof(it->key), "%s", key);
	it->group = l->group;
	it->kind = (uint8_t)kind;
	it->eol = (uint8_t)eol;
	return it;
}

static void
item_num(struct status_list *l, const char *key, uint64_t v, int eol)
{
	item_add(l, key, ITEM_NUM, eol)->num = v;
}

static void
item_str(struct status_list *l, const char *key, const char *v, int eol)
{
	item_add(l, key, ITEM_STR, eol)->str = v;
}

/* TX queue 0 and the queue configuration block, the "txq0" line. */
static void
status_txq0(struct status_list *l, const struct opnic_model_dev *md)
{
	const struct opnic_model_q *tq = &md->txq[0];
	const uint8_t *qcfg = md->bar0 + md->blk[OPNIC_BLK_QCFG];

	l->group = "txq0";
	item_num(l, "running", tq->running, 0);
	item_num(l, "idle", tq->idle, 0);
	item_num(l, "cons", tq->cons, 0);
	item_num(l, "prod", tq->prod, 0);
	item_num(l, "last_db", tq->last_db, 0);
	item_num(l, "db", tq->running ?
		 opnic_model_ld32(md->bar0 + tq->db_off) : 0, 0);
	item_num(l, "drv_prod", tq->shadow ? tq->shadow->drv_prod : 0, 0);
	item_num(l, "dev_flags", tq->shadow ? tq->shadow->dev_flags : 0, 0);
	item_add(l, "qstatus", ITEM_HEX, 0)->num =
		opnic_model_ld32(qcfg + OPNIC_Q_STATUS);
	item_num(l, "qerror", opnic_model_ld32(qcfg + OPNIC_Q_ERROR), 0);
	item_num(l, "qctrl", opnic_model_ld32(qcfg + OPNIC_Q_CTRL), 1);
	l->group = NULL;
}

/* Faults injected so far, as "injected_<kind>" with '-' as '_'. */
static void
status_faults(struct status_list *l, const struct opnic_model_dev *md)
{
	unsigned int k;

	for (k = 0; k < OPNIC_FK_NKINDS; k++) {
		char key[40];
		char *c;

		snprintf(key, sizeof(key), "injected_%s", opnic_fault_kind_name(k));
		for (c = key; *c != '\0'; c++)
			if (*c == '-')
				*c = '_';
		item_num(l, key, md->faults.injected[k], 0);
	}
	item_num(l, "removed", md->faults.surprise_removed, 1);
}

/* The PCI rules (spec 1.1, 3.1, 3.3): the command register as the device
 * obeys it and what it held or undid because of it; the last line. */
static void
status_pci(struct status_list *l, const struct opnic_model_dev *md)
{
	item_add(l, "pci_command", ITEM_HEX, 0)->num = opnic_model_command(md);
	item_num(l, "bme_held_polls", md->bme_held_polls, 0);
	item_num(l, "bme_rx_refused", md->bme_rx_refused, 0);
	item_num(l, "mse_writes_dropped", md->mse_writes_dropped, 0);
	item_num(l, "in_reset", md->in_reset, 0);
	item_num(l, "cause_clr_kept", md->cause_clr_kept, 0);
	item_num(l, "unmap_refused", md->dma != NULL ? md->dma->refused : 0, 1);
}

/* The device's vfio-user endpoint (--vfio-user), after the PCI line. */
static void
status_vfio_user(struct status_list *l, const struct server_dev *d)
{
	struct opnic_vfu_stats st;

	if (d->vu == NULL)
		return;
	opnic_vfu_get_stats(d->vu, &st);
	item_num(l, "vfu_clients", st.clients, 0);
	item_num(l, "vfu_refused_clients", st.refused_clients, 0);
	item_num(l, "vfu_msgs", st.msgs, 0);
	item_num(l, "vfu_errors", st.errors, 0);
	item_num(l, "vfu_dma_maps", st.dma_maps, 0);
	item_num(l, "vfu_dma_unreachable", st.dma_unreachable, 1);
}

static void
status_collect(const struct opnic_server *srv, const struct server_dev *d,
	       struct status_list *l)
{
	const struct opnic_model_dev *md = &d->m;
	unsigned int q, running = 0;

	l->n = 0;
	l->group = NULL;
	item_num(l, "dev", (uint64_t)(d - srv->dev), 0);
	item_str(l, "profile", srv->prof.name, 0);
	item_str(l, "link", md->link_up ? "up" : "down", 0);
	item_str(l, "owner", d->owner ? "attached" : d->vu_owned ? "vfio-user" :
		 "none", 1);
	item_num(l, "rx_pkts", md->st[OPNIC_ST_RX_PKTS / 8], 0);
	item_num(l, "tx_pkts", md->st[OPNIC_ST_TX_PKTS / 8], 0);
	item_num(l, "rx_no_desc", md->st[OPNIC_ST_RX_NO_DESC / 8], 0);
	item_num(l, "rx_filtered", md->st[OPNIC_ST_RX_FILTERED / 8], 0);
	item_num(l, "dma_errors", md->st[OPNIC_ST_DMA_ERRORS / 8], 0);
	item_num(l, "desc_errors", md->st[OPNIC_ST_DESC_ERRORS / 8], 0);
	item_num(l, "link_drops", md->st[OPNIC_ST_LINK_DROPS / 8], 1);
	item_num(l, "irqs_sent", md->irqs_sent, 0);
	item_num(l, "resets", md->resets, 0);
	item_num(l, "ro_writes_restored", md->ro_writes_restored, 0);
	item_num(l, "txq0_doorbells", md->txq[0].doorbells_seen, 0);
	item_num(l, "rxq0_doorbells", md->rxq[0].doorbells_seen, 1);
	for (q = 0; q < srv->prof.queues; q++)
		running += md->txq[q].running + md->rxq[q].running;
	item_num(l, "queues_running", running, 1);
	status_txq0(l, md);
	status_faults(l, md);
	status_pci(l, md);
	status_vfio_user(l, d);
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
status_text(const struct status_list *l, char *text, size_t size)
{
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < l->n; i++) {
		const struct status_item *it = &l->item[i];

		if (it->group != NULL && (i == 0 || l->item[i - 1].eol))
			n = text_add(text, size, n, "%s ", it->group);
		if (it->kind == ITEM_STR)
			n = text_add(text, size, n, "%s %s", it->key, it->str);
		else
			n = text_add(text, size, n, it->kind == ITEM_HEX ?
				     "%s 0x%" PRIx64 : "%s %" PRIu64, it->key,
				     it->num);
		n = text_add(text, size, n, it->eol ? "\n" : " ");
	}
	return n;
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

/* The object without its closing brace: the wire may follow. */
static size_t
status_json(const struct status_list *l, char *text, size_t size)
{
	const char *group = NULL;
	unsigned int i;
	size_t n;

	n = text_add(text, size, 0, "{");
	for (i = 0; i < l->n; i++) {
		const struct status_item *it = &l->item[i];
		int first = i == 0;

		if (it->group != group) {
			if (group != NULL)
				n = text_add(text, size, n, "}");
			if (it->group != NULL) {
				n = text_add(text, size, n, "%s\"%s\": {",
					     first ? "" : ", ", it->group);
				first = 1;
			}
			group = it->group;
		}
		n = text_add(text, size, n, "%s\"%s\": ", first ? "" : ", ",
			     it->key);
		if (it->kind == ITEM_STR)
			n = json_string(text, size, n, it->str);
		else
			n = text_add(text, size, n, "%" PRIu64, it->num);
	}
	if (group != NULL)
		n = text_add(text, size, n, "}");
	return n;
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
	struct status_list l;

	if (format > OPNIC_STATUS_JSON) {
		server_reply_text(rep, -EINVAL, "status format %" PRIu32 ": "
				  "expected 0 (text) or 1 (json)", format);
		return;
	}
	status_collect(srv, d, &l);
	if (format == OPNIC_STATUS_JSON) {
		n = status_json(&l, rep->text, size);
		if (d->wire != NULL) {
			n = text_add(rep->text, size, n, ", \"wire\": ");
			n = wire_json(d->wire, rep->text, size, n);
		}
		text_add(rep->text, size, n, "}\n");
	} else {
		n = status_text(&l, rep->text, size);
		if (d->wire != NULL && n < size)
			opnic_wire_command(d->wire, "status", rep->text + n,
					   size - n);
	}
	rep->text[size - 1] = '\0';
	rep->len = (uint32_t)strlen(rep->text);
}
