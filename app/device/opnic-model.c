/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * opnic-model: runs modelled opnic NICs as a process of their own, like
 * hardware. BARs and config space live in shared-memory files in the run
 * directory (the VFIO emulation maps them into the DPDK application); the
 * model polls them on its own core. DMA memory and MSI-X eventfds arrive
 * over the UNIX socket model.sock, one connection per VFIO container; when a
 * connection goes away (application exit or crash) the model resets the
 * devices it owned and drops its DMA mappings, as vfio-pci does on release.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "opnic_model.h"
#include "opnic_wire.h"
#include "opnic_emu_proto.h"

#define MAX_CONNS 32
#define MAX_VECTORS 64

struct conn {
	int fd;
	struct opnic_dma_map *dma;
};

struct mdev {
	struct opnic_model_dev m;
	uint8_t *base;
	size_t size;
	int irq_fd[MAX_VECTORS];
	struct conn *owner;
	struct opnic_wire *wire;	/* external wire, or NULL */
};

static struct {
	char run[200];
	struct opnic_profile prof;
	unsigned int ndev;
	int wire_pair;
	int core;
	int foreground;
	struct mdev dev[OPNIC_MAX_DEVICES];
	struct conn conns[MAX_CONNS];
	int lfd;
	pthread_mutex_t lock;
	volatile int quit;
} M = { .lock = PTHREAD_MUTEX_INITIALIZER, .core = -1 };

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "opnic-model: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
irq_cb(void *ctx, unsigned int vector)
{
	struct mdev *d = ctx;
	uint64_t one = 1;

	if (vector < MAX_VECTORS && d->irq_fd[vector] >= 0 &&
	    write(d->irq_fd[vector], &one, sizeof(one)) < 0)
		fprintf(stderr, "opnic-model: irq write: %s\n", strerror(errno));
}

static void
write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("cannot write %s: %s", path, strerror(errno));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void
mkdirs(const char *path)
{
	char tmp[4096];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0755);
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		die("cannot create %s: %s", tmp, strerror(errno));
}

/* What DPDK's PCI scan reads, for one device. */
static void
make_sysfs(unsigned int i, const struct opnic_shm_hdr *h)
{
	char dir[4096], p[4200], link[256];
	unsigned int b;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/sysfs/bus/pci/devices/%s", M.run, h->bdf);
	mkdirs(dir);
	snprintf(p, sizeof(p), "%s/vendor", dir);
	write_file(p, "0x%04x\n", OPNIC_PCI_VENDOR_ID);
	snprintf(p, sizeof(p), "%s/device", dir);
	write_file(p, "0x%04x\n", OPNIC_PCI_DEVICE_ID);
	snprintf(p, sizeof(p), "%s/subsystem_vendor", dir);
	write_file(p, "0x%04x\n", OPNIC_PCI_VENDOR_ID);
	snprintf(p, sizeof(p), "%s/subsystem_device", dir);
	write_file(p, "0x0001\n");
	snprintf(p, sizeof(p), "%s/class", dir);
	write_file(p, "0x%06x\n", OPNIC_PCI_CLASS);
	snprintf(p, sizeof(p), "%s/numa_node", dir);
	write_file(p, "0\n");
	snprintf(p, sizeof(p), "%s/resource", dir);
	f = fopen(p, "w");
	if (f == NULL)
		die("cannot write %s", p);
	for (b = 0; b < 13; b++) {
		uint64_t start = 0, end = 0, flags = 0;

		if (b < 6 && h->bar_size[b] != 0) {
			start = opnic_bar_phys(i, b);
			end = start + h->bar_size[b] - 1;
			flags = 0x140204;	/* IORESOURCE_MEM | MEM_64 | SIZEALIGN */
		}
		fprintf(f, "0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64 "\n",
			start, end, flags);
	}
	fclose(f);
	snprintf(p, sizeof(p), "%s/driver", dir);
	unlink(p);
	if (symlink("../../../../bus/pci/drivers/vfio-pci", p) != 0)
		die("symlink %s: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/iommu_group", dir);
	unlink(p);
	snprintf(link, sizeof(link), "../../../../kernel/iommu_groups/%u",
		 h->iommu_group);
	if (symlink(link, p) != 0)
		die("symlink %s: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/sysfs/bus/pci/drivers/vfio-pci", M.run);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/iommu_groups/%u", M.run, h->iommu_group);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/vfio/%u", M.run, h->iommu_group);
	write_file(p, "opnic iommu group %u\n", h->iommu_group);
}

static void
make_device(unsigned int i, const uint8_t mac[6])
{
	struct mdev *d = &M.dev[i];
	struct opnic_shm_hdr h;
	char path[4200];
	uint64_t bar2_off = 0;
	int fd, r;

	memset(&h, 0, sizeof(h));
	h.magic = OPNIC_SHM_MAGIC;
	h.version = OPNIC_SHM_VERSION;
	h.dev_index = i;
	h.iommu_group = OPNIC_GROUP_BASE + i;
	snprintf(h.bdf, sizeof(h.bdf), "0000:0b:%02x.0", i & 0x1f);
	snprintf(h.profile, sizeof(h.profile), "%s", M.prof.name);
	h.bar_size[0] = M.prof.bar0_size;
	h.bar_off[0] = OPNIC_SHM_BAR_OFF;
	d->size = OPNIC_SHM_BAR_OFF + M.prof.bar0_size;
	if (M.prof.msix_bar != 0) {
		bar2_off = (d->size + 0xffff) & ~0xffffull;
		h.bar_size[M.prof.msix_bar] = M.prof.msix_bar_size;
		h.bar_off[M.prof.msix_bar] = bar2_off;
		d->size = bar2_off + M.prof.msix_bar_size;
	}
	h.msix_bar = M.prof.msix_bar;
	h.msix_table = M.prof.msix_table;
	h.msix_pba = M.prof.msix_pba;
	h.msix_vectors = M.prof.msix_vectors;
	h.model_pid = (uint32_t)getpid();
	h.file_size = d->size;

	snprintf(path, sizeof(path), "%s/dev%u.shm", M.run, i);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)d->size) != 0)
		die("cannot create %s: %s", path, strerror(errno));
	d->base = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (d->base == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	r = opnic_model_init(&d->m, &M.prof, d->base + OPNIC_SHM_BAR_OFF,
			     bar2_off ? d->base + bar2_off : NULL,
			     d->base + OPNIC_SHM_CFG_OFF, mac);
	if (r != 0)
		die("model init: %s", strerror(-r));
	d->m.scan_interval = 16;
	d->m.irq = irq_cb;
	d->m.irq_ctx = d;
	memset(d->irq_fd, -1, sizeof(d->irq_fd));
	memcpy(d->base, &h, sizeof(h));
	make_sysfs(i, &h);
}

static void
close_irqs(struct mdev *d)
{
	unsigned int v;

	for (v = 0; v < MAX_VECTORS; v++)
		if (d->irq_fd[v] >= 0) {
			close(d->irq_fd[v]);
			d->irq_fd[v] = -1;
		}
}

static void
dma_release(void *owner, uint8_t *host, uint64_t len)
{
	(void)host;
	munmap(owner, len);
}

static void
conn_close(struct conn *c, const char *why)
{
	unsigned int i;

	if (getenv("OPNIC_MODEL_TRACE") != NULL)
		fprintf(stderr, "opnic-model: connection %d closed: %s\n", c->fd, why);
	for (i = 0; i < M.ndev; i++) {
		struct mdev *d = &M.dev[i];

		if (d->owner != c)
			continue;
		/* vfio-pci release: reset the function, drop its interrupts. */
		opnic_model_reset(&d->m);
		opnic_model_set_msix_ctrl(&d->m, 0, 0);
		close_irqs(d);
		d->m.dma = NULL;
		d->owner = NULL;
	}
	if (c->dma != NULL) {
		opnic_dma_remove(c->dma, 0, UINT64_MAX, dma_release);
		free(c->dma);
	}
	close(c->fd);
	c->fd = -1;
	c->dma = NULL;
}

static int
reply_err(struct opnic_msg *m, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m->text, sizeof(m->text), fmt, ap);
	va_end(ap);
	m->len = n < 0 ? 0 : (uint32_t)(n < (int)sizeof(m->text) ? n :
					 (int)sizeof(m->text) - 1);
	m->status = -err;
	return 0;
}

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
status_collect(const struct mdev *d, struct dev_status *s)
{
	const struct opnic_model_dev *md = &d->m;
	const struct opnic_model_q *tq = &md->txq[0];
	const uint8_t *qcfg = md->bar0 + md->blk[OPNIC_BLK_QCFG];
	unsigned int q, k;

	memset(s, 0, sizeof(*s));
	s->dev = (unsigned int)(d - M.dev);
	s->profile = M.prof.name;
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
	for (q = 0; q < M.prof.queues; q++)
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
	char buf[sizeof(((struct opnic_msg *)0)->text)];
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
static void
status_reply(struct mdev *d, struct opnic_msg *m)
{
	struct dev_status s;
	size_t n, size = sizeof(m->text);

	if (m->a > OPNIC_STATUS_JSON) {
		reply_err(m, EINVAL, "status format %" PRIu64 ": expected 0 (text) "
			  "or 1 (json)", m->a);
		return;
	}
	status_collect(d, &s);
	if (m->a == OPNIC_STATUS_JSON) {
		n = status_json(&s, m->text, size);
		if (d->wire != NULL) {
			n = text_add(m->text, size, n, ", \"wire\": ");
			n = wire_json(d->wire, m->text, size, n);
		}
		text_add(m->text, size, n, "}\n");
	} else {
		n = status_text(&s, m->text, size);
		if (d->wire != NULL && n < size)
			opnic_wire_command(d->wire, "status", m->text + n, size - n);
	}
	m->text[size - 1] = '\0';
	m->len = (uint32_t)strlen(m->text);
}

/* opnic-ctl fault DEV NAME [COUNT [SEED]] (doc/faults.md). */
static void
inject_fault(struct mdev *d, struct opnic_msg *m)
{
	char name[64];
	uint64_t k;
	int kind;

	snprintf(name, sizeof(name), "%.*s", (int)sizeof(name) - 1, m->text);
	m->text[0] = '\0';
	kind = opnic_fault_kind_parse(name);
	if (kind >= 0) {
		d->m.faults.pending[kind] += m->b;
	} else if (strcmp(name, "random") == 0) {
		if (m->b > 1000000) {
			reply_err(m, EINVAL, "random fault rate %" PRIu64 " ppm: "
				  "expected 0..1000000", m->b);
			return;
		}
		d->m.faults.random_ppm = (uint32_t)m->b;
		d->m.faults.rng = (uint32_t)m->c;
	} else if (strcmp(name, "link-flap") == 0) {
		/* down/up pairs as fast as the model can: an LSC interrupt
		 * storm when the vector is unmasked. */
		for (k = 0; k < m->b; k++) {
			opnic_model_set_link(&d->m, 0);
			opnic_model_set_link(&d->m, 1);
		}
	} else if (strcmp(name, "irq-storm") == 0) {
		/* Spurious interrupts: vector 0 fires with no cause set. */
		for (k = 0; k < m->b; k++)
			opnic_model_raise_vector(&d->m, 0);
	} else if (strcmp(name, "remove") == 0) {
		opnic_model_surprise_remove(&d->m, 1);
	} else if (strcmp(name, "restore") == 0) {
		opnic_model_surprise_remove(&d->m, 0);
	} else {
		reply_err(m, EINVAL, "unknown fault '%s' (cpl-len cpl-idx cpl-phase "
			  "cpl-dup cpl-unposted dma corrupt random link-flap "
			  "irq-storm remove restore)", name);
	}
}

/* One request, under the lock. */
static void
handle(struct conn *c, struct opnic_msg *m, int fd)
{
	struct mdev *d = m->dev < M.ndev ? &M.dev[m->dev] : NULL;
	uint8_t *host;
	int r;

	m->status = 0;
	m->len = 0;
	if (getenv("OPNIC_MODEL_TRACE") != NULL)
		fprintf(stderr, "opnic-model: conn %d msg %u dev %u a 0x%" PRIx64
			" b 0x%" PRIx64 " fd %d\n", c->fd, m->type, m->dev, m->a,
			m->b, fd);
	if (m->type != OPNIC_MSG_DMA_MAP && m->type != OPNIC_MSG_DMA_UNMAP &&
	    m->type != OPNIC_MSG_QUIT && d == NULL) {
		reply_err(m, ENODEV, "no device %u (the model runs %u)", m->dev,
			  M.ndev);
		goto out;
	}
	switch (m->type) {
	case OPNIC_MSG_ATTACH:
		if (d->owner != NULL && d->owner != c) {
			reply_err(m, EBUSY, "device %u is in use by another process",
				  m->dev);
			break;
		}
		if (c->dma == NULL) {
			c->dma = malloc(sizeof(*c->dma));
			if (c->dma == NULL) {
				reply_err(m, ENOMEM, "out of memory");
				break;
			}
			opnic_dma_init(c->dma);
		}
		d->owner = c;
		d->m.dma = c->dma;
		break;
	case OPNIC_MSG_DETACH:
		if (d->owner == c) {
			opnic_model_reset(&d->m);
			close_irqs(d);
			d->m.dma = NULL;
			d->owner = NULL;
		}
		break;
	case OPNIC_MSG_DMA_MAP:
		if (fd < 0 || c->dma == NULL) {
			reply_err(m, EINVAL, "DMA map without a file or a device");
			break;
		}
		host = mmap(NULL, m->b, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    (off_t)m->c);
		if (host == MAP_FAILED) {
			reply_err(m, errno, "cannot map DMA memory iova 0x%" PRIx64
				  " len 0x%" PRIx64 ": %s", m->a, m->b,
				  strerror(errno));
			break;
		}
		r = opnic_dma_add(c->dma, m->a, m->b, host, host);
		if (r != 0) {
			munmap(host, m->b);
			reply_err(m, -r, "iova 0x%" PRIx64 " len 0x%" PRIx64 ": %s",
				  m->a, m->b, strerror(-r));
		}
		break;
	case OPNIC_MSG_DMA_UNMAP: {
		uint64_t before = 0, after = 0;
		unsigned int i;

		if (c->dma == NULL)
			break;
		for (i = 0; i < c->dma->n; i++)
			before += c->dma->r[i].len;
		opnic_dma_remove(c->dma, m->a, m->b, dma_release);
		for (i = 0; i < c->dma->n; i++)
			after += c->dma->r[i].len;
		m->b = before - after;
		for (i = 0; i < M.ndev; i++)
			if (M.dev[i].owner == c)
				opnic_model_dma_changed(&M.dev[i].m);
		break;
	}
	case OPNIC_MSG_IRQ:
		if (m->a >= M.prof.msix_vectors || m->a >= MAX_VECTORS) {
			reply_err(m, EINVAL, "vector %" PRIu64 " out of range", m->a);
			break;
		}
		if (d->irq_fd[m->a] >= 0)
			close(d->irq_fd[m->a]);
		d->irq_fd[m->a] = -1;
		if (m->b && fd >= 0) {
			d->irq_fd[m->a] = fd;
			fd = -1;
		}
		/* The kernel unmasks vectors that have a trigger. */
		opnic_model_set_vector_mask(&d->m, (unsigned int)m->a, !m->b);
		break;
	case OPNIC_MSG_MSIX: {
		unsigned int v;

		opnic_model_set_msix_ctrl(&d->m, m->a != 0, 0);
		if (m->a == 0) {
			for (v = 0; v < M.prof.msix_vectors; v++)
				opnic_model_set_vector_mask(&d->m, v, 1);
			close_irqs(d);
		}
		break;
	}
	case OPNIC_MSG_RESET: {
		/* FLR, with the PCI core saving and restoring MSI-X state. */
		uint8_t *tbl = d->m.msix_bar + M.prof.msix_table;
		size_t tsz = (size_t)M.prof.msix_vectors * OPNIC_MSIX_ENTRY_SIZE;
		uint8_t *save = malloc(tsz);

		if (save != NULL)
			memcpy(save, tbl, tsz);
		opnic_model_reset(&d->m);
		if (save != NULL) {
			memcpy(tbl, save, tsz);
			free(save);
		}
		break;
	}
	case OPNIC_MSG_LINK:
		opnic_model_set_link(&d->m, m->a != 0);
		break;
	case OPNIC_MSG_STATUS:
		status_reply(d, m);
		break;
	case OPNIC_MSG_FAULT:
		inject_fault(d, m);
		break;
	case OPNIC_MSG_WIRE:
		if (d->wire == NULL) {
			reply_err(m, ENODEV, "device %u has no external wire "
				  "(start opnic-model with --port %u=SPEC)", m->dev,
				  m->dev);
			break;
		}
		{
			char cmd[sizeof(m->text)];
			int r;

			memcpy(cmd, m->text, sizeof(cmd));
			cmd[sizeof(cmd) - 1] = '\0';
			r = opnic_wire_command(d->wire, cmd, m->text, sizeof(m->text));
			m->text[sizeof(m->text) - 1] = '\0';
			m->len = (uint32_t)strlen(m->text);
			m->status = r;
		}
		break;
	case OPNIC_MSG_QUIT:
		M.quit = 1;
		break;
	default:
		reply_err(m, EINVAL, "unknown request %u", m->type);
	}
out:
	if (fd >= 0)
		close(fd);
}

static int
recv_msg(int s, struct opnic_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(*m)) {
		if (*fd >= 0)
			close(*fd);
		memset(m, 0, sizeof(*m));
		m->type = 0;	/* answered as an unknown request */
	}
	return 0;
}

static void *
control_thread(void *arg)
{
	(void)arg;
	while (!M.quit) {
		struct pollfd pfd[MAX_CONNS + 1];
		int idx[MAX_CONNS + 1];
		int n = 0, i, r;

		pfd[n].fd = M.lfd;
		pfd[n].events = POLLIN;
		idx[n++] = -1;
		for (i = 0; i < MAX_CONNS; i++)
			if (M.conns[i].fd >= 0) {
				pfd[n].fd = M.conns[i].fd;
				pfd[n].events = POLLIN;
				idx[n++] = i;
			}
		r = poll(pfd, (nfds_t)n, 200);
		if (r <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct opnic_msg m;
			struct conn *c;
			int fd;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (idx[i] < 0) {
				int s = accept4(M.lfd, NULL, NULL, SOCK_CLOEXEC);
				int k;

				if (s < 0)
					continue;
				for (k = 0; k < MAX_CONNS && M.conns[k].fd >= 0; k++)
					;
				if (k == MAX_CONNS) {
					close(s);
					continue;
				}
				M.conns[k].fd = s;
				M.conns[k].dma = NULL;
				continue;
			}
			c = &M.conns[idx[i]];
			if (recv_msg(c->fd, &m, &fd) != 0) {
				pthread_mutex_lock(&M.lock);
				conn_close(c, "peer closed");
				pthread_mutex_unlock(&M.lock);
				continue;
			}
			pthread_mutex_lock(&M.lock);
			handle(c, &m, fd);
			pthread_mutex_unlock(&M.lock);
			if (send(c->fd, &m, sizeof(m), MSG_NOSIGNAL) < 0) {
				pthread_mutex_lock(&M.lock);
				conn_close(c, "send failed");
				pthread_mutex_unlock(&M.lock);
			}
		}
	}
	return NULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	M.quit = 1;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6], i;
	char extra;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &extra) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: opnic-model --run-dir DIR [--profile NAME|FILE] [--devices N]\n"
		"                   [--wire pair|loopback] [--mac N=aa:bb:cc:dd:ee:ff]\n"
		"                   [--core C] [--link-down] [--port N=WIRE]...\n"
		"                   [--random-faults PPM[,SEED]]\n"
		"WIRE: tap:IFNAME | pcap:rx=FILE,tx=FILE[,loop=N] |\n"
		"      tester:pps=N,size=N,flows=N,count=N (doc/wires.md, doc/tester.md)\n"
		"Runs N modelled opnic NICs (default 2, pair wire, profile tight4k) until\n"
		"SIGTERM or 'opnic-ctl quit'. Writes DIR/ready when it serves.\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run-dir", required_argument, NULL, 'r' },
		{ "profile", required_argument, NULL, 'p' },
		{ "devices", required_argument, NULL, 'n' },
		{ "wire", required_argument, NULL, 'w' },
		{ "mac", required_argument, NULL, 'm' },
		{ "core", required_argument, NULL, 'c' },
		{ "link-down", no_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'P' },
		{ "random-faults", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t macs[OPNIC_MAX_DEVICES][6];
	const char *profile = "tight4k", *wire = "pair";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[512], path[4200];
	unsigned long idle = 0;
	const char *port_wire[OPNIC_MAX_DEVICES] = { NULL };
	unsigned long fault_ppm = 0, fault_seed = 1;
	int link_down = 0, opt;
	unsigned int i;
	pthread_t th;
	char *end;

	M.ndev = 2;
	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		uint8_t def[6] = { 0x02, 0x00, 0x6f, 0x70, 0x00, (uint8_t)i };

		memcpy(macs[i], def, 6);
	}
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (strlen(optarg) >= sizeof(M.run) - 16)
				die("--run-dir '%s' is too long (max %zu bytes)",
				    optarg, sizeof(M.run) - 16);
			snprintf(M.run, sizeof(M.run), "%s", optarg);
			break;
		case 'p':
			profile = optarg;
			break;
		case 'n':
			M.ndev = (unsigned int)strtoul(optarg, &end, 0);
			if (*end != '\0' || M.ndev == 0 || M.ndev > OPNIC_MAX_DEVICES)
				die("--devices '%s': expected 1..%u", optarg,
				    OPNIC_MAX_DEVICES);
			break;
		case 'w':
			wire = optarg;
			if (strcmp(wire, "pair") != 0 && strcmp(wire, "loopback") != 0)
				die("--wire '%s': expected 'pair' or 'loopback'", wire);
			break;
		case 'm': {
			unsigned long n = strtoul(optarg, &end, 0);

			if (*end != '=' || n >= OPNIC_MAX_DEVICES ||
			    parse_mac(end + 1, macs[n]) != 0)
				die("--mac '%s': expected N=aa:bb:cc:dd:ee:ff", optarg);
			break;
		}
		case 'c':
			M.core = (int)strtol(optarg, &end, 0);
			if (*end != '\0' || M.core < 0)
				die("--core '%s': expected a CPU number", optarg);
			break;
		case 'l':
			link_down = 1;
			break;
		case 'F':
			fault_ppm = strtoul(optarg, &end, 0);
			if (end != optarg && *end == ',')
				fault_seed = strtoul(end + 1, &end, 0);
			if (*end != '\0' || fault_ppm > 1000000 || fault_seed == 0)
				die("--random-faults '%s': expected PPM[,SEED] with PPM "
				    "0..1000000 and SEED > 0", optarg);
			break;
		case 'P': {
			unsigned long n = strtoul(optarg, &end, 0);

			if (end == optarg || *end != '=' || n >= OPNIC_MAX_DEVICES ||
			    end[1] == '\0')
				die("--port '%s': expected N=WIRE with N 0..%u",
				    optarg, OPNIC_MAX_DEVICES - 1);
			port_wire[n] = end + 1;
			break;
		}
		default:
			usage();
		}
	}
	if (M.run[0] == '\0')
		usage();
	M.wire_pair = strcmp(wire, "pair") == 0;
	if (M.wire_pair && M.ndev % 2 != 0)
		die("--wire pair needs an even number of devices (got %u)", M.ndev);
	if (opnic_profile_load(profile, &M.prof, err, sizeof(err)) != 0)
		die("%s", err);

	mkdirs(M.run);
	snprintf(path, sizeof(path), "%s/vfio", M.run);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/vfio/vfio", M.run);
	write_file(path, "opnic vfio container\n");
	snprintf(path, sizeof(path), "%s/iommu_groups", M.run);
	mkdirs(path);
	for (i = 0; i < M.ndev; i++)
		make_device(i, macs[i]);
	for (i = 0; i < M.ndev; i++) {
		M.dev[i].m.peer = M.wire_pair ? &M.dev[i ^ 1].m : &M.dev[i].m;
		if (link_down)
			opnic_model_set_link(&M.dev[i].m, 0);
		M.dev[i].m.faults.random_ppm = (uint32_t)fault_ppm;
		M.dev[i].m.faults.rng = (uint32_t)(fault_seed * 2654435761u + i);
	}
	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		if (port_wire[i] == NULL)
			continue;
		if (i >= M.ndev)
			die("--port %u=%s: the model runs %u devices", i,
			    port_wire[i], M.ndev);
		M.dev[i].wire = opnic_wire_open(port_wire[i], &M.dev[i].m, err,
						sizeof(err));
		if (M.dev[i].wire == NULL)
			die("--port %u: %s", i, err);
	}
	for (i = 0; i < MAX_CONNS; i++)
		M.conns[i].fd = -1;

	M.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/model.sock", M.run) >=
	    (int)sizeof(sa.sun_path))
		die("run dir '%s' too long for a UNIX socket path", M.run);
	unlink(sa.sun_path);
	if (M.lfd < 0 || bind(M.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(M.lfd, 16) != 0)
		die("cannot listen on %s: %s", sa.sun_path, strerror(errno));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (M.core >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(M.core, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			fprintf(stderr, "opnic-model: cannot pin to CPU %d: %s\n",
				M.core, strerror(errno));
	}
	if (pthread_create(&th, NULL, control_thread, NULL) != 0)
		die("cannot start the control thread");
	snprintf(path, sizeof(path), "%s/model.pid", M.run);
	write_file(path, "%d\n", (int)getpid());
	snprintf(path, sizeof(path), "%s/ready", M.run);
	write_file(path, "profile %s devices %u wire %s\n", M.prof.name, M.ndev,
		   wire);

	/* The device loop: poll every device; back off only after a long
	 * idle stretch so an idle model does not burn a CPU forever. */
	while (!M.quit) {
		unsigned int moved = 0;

		pthread_mutex_lock(&M.lock);
		for (i = 0; i < M.ndev; i++) {
			moved += opnic_model_poll(&M.dev[i].m);
			if (M.dev[i].wire != NULL)
				moved += opnic_wire_poll(M.dev[i].wire);
		}
		pthread_mutex_unlock(&M.lock);
		if (moved != 0) {
			idle = 0;
		} else if (++idle > 2000000) {
			struct timespec ts = { 0, 50000 };

			nanosleep(&ts, NULL);
		}
	}
	pthread_join(th, NULL);
	for (i = 0; i < MAX_CONNS; i++)
		if (M.conns[i].fd >= 0)
			conn_close(&M.conns[i], "model exit");
	for (i = 0; i < M.ndev; i++)
		opnic_wire_close(M.dev[i].wire);
	snprintf(path, sizeof(path), "%s/ready", M.run);
	unlink(path);
	unlink(sa.sun_path);
	return 0;
}
