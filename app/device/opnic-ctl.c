/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * opnic-ctl: control a running opnic-model.
 *   opnic-ctl [--run-dir DIR] link DEV up|down
 *   opnic-ctl [--run-dir DIR] status DEV [json]
 *   opnic-ctl [--run-dir DIR] fault DEV KIND [COUNT]
 *   opnic-ctl [--run-dir DIR] fault DEV random PPM [SEED]
 *   opnic-ctl [--run-dir DIR] wire DEV status|reset|set KEY=VALUE...
 *   opnic-ctl [--run-dir DIR] quit
 * DIR defaults to $OPNIC_RUN_DIR.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "opnic_emu_proto.h"

static int
usage(void)
{
	fprintf(stderr,
		"usage: opnic-ctl [--run-dir DIR] link DEV up|down\n"
		"       opnic-ctl [--run-dir DIR] status DEV [json]\n"
		"       opnic-ctl [--run-dir DIR] fault DEV KIND [COUNT]\n"
		"       opnic-ctl [--run-dir DIR] fault DEV random PPM [SEED]\n"
		"       opnic-ctl [--run-dir DIR] wire DEV status|reset|set KEY=VALUE...\n"
		"       opnic-ctl [--run-dir DIR] quit\n"
		"KIND: cpl-len cpl-idx cpl-phase cpl-dup cpl-unposted dma link-flap\n"
		"      link-toggle irq-storm remove restore (doc/faults.md)\n");
	return 2;
}

static int
parse_dev(const char *s, uint32_t *dev)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v >= OPNIC_MAX_DEVICES) {
		fprintf(stderr, "opnic-ctl: device '%s': expected 0..%u\n", s,
			OPNIC_MAX_DEVICES - 1);
		return -1;
	}
	*dev = (uint32_t)v;
	return 0;
}

/* One sender per request: fill m from the command's arguments (argv[0] is
 * the command). 0, or the exit status after a message. */
static int
build_link(struct opnic_msg *m, int argc, char **argv)
{
	m->type = OPNIC_MSG_LINK;
	if (argc != 3 || parse_dev(argv[1], &m->dev) != 0)
		return argc != 3 ? usage() : 2;
	if (strcmp(argv[2], "up") == 0)
		m->link.up = 1;
	else if (strcmp(argv[2], "down") != 0)
		return usage();
	return 0;
}

static int
build_status(struct opnic_msg *m, int argc, char **argv)
{
	m->type = OPNIC_MSG_STATUS;
	if ((argc != 2 && argc != 3) || parse_dev(argv[1], &m->dev) != 0)
		return argc != 2 && argc != 3 ? usage() : 2;
	m->status.format = OPNIC_STATUS_TEXT;
	if (argc == 3) {
		if (strcmp(argv[2], "json") != 0)
			return usage();
		m->status.format = OPNIC_STATUS_JSON;
	}
	return 0;
}

static int
parse_u64(const char *what, const char *s, uint64_t *v)
{
	char *end;

	*v = strtoull(s, &end, 0);
	if (*end != '\0') {
		fprintf(stderr, "opnic-ctl: %s '%s': expected a number\n", what, s);
		return -1;
	}
	return 0;
}

static int
build_fault(struct opnic_msg *m, int argc, char **argv)
{
	m->type = OPNIC_MSG_FAULT;
	if (argc < 3 || argc > 5)
		return usage();
	if (parse_dev(argv[1], &m->dev) != 0)
		return 2;
	snprintf(m->fault.name, sizeof(m->fault.name), "%s", argv[2]);
	m->fault.count = 1;
	if (argc >= 4 && parse_u64("count", argv[3], &m->fault.count) != 0)
		return 2;
	if (argc == 5 && parse_u64("seed", argv[4], &m->fault.seed) != 0)
		return 2;
	return 0;
}

static int
build_wire(struct opnic_msg *m, int argc, char **argv)
{
	char *cmd = m->wire.command;
	size_t n = 0, size = sizeof(m->wire.command);
	int i;

	m->type = OPNIC_MSG_WIRE;
	if (argc < 3)
		return usage();
	if (parse_dev(argv[1], &m->dev) != 0)
		return 2;
	for (i = 2; i < argc; i++) {
		int w = snprintf(cmd + n, size - n, "%s%s", n ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= size - n) {
			fprintf(stderr, "opnic-ctl: wire command too long\n");
			return 2;
		}
		n += (size_t)w;
	}
	return 0;
}

static int
build_quit(struct opnic_msg *m, int argc, char **argv)
{
	(void)argv;
	m->type = OPNIC_MSG_QUIT;
	return argc == 1 ? 0 : usage();
}

/* Send m to the model of run and wait for the reply, in m. */
static int
model_call(const char *run, struct opnic_msg *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" OPNIC_RUN_SOCKET, run);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s >= 0) {
		struct timeval tv = { 5, 0 };	/* a hung model is an error */

		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "opnic-ctl: cannot reach the model at %s: %s\n",
			sa.sun_path, strerror(errno));
		return -1;
	}
	if (send(s, m, sizeof(*m), 0) != sizeof(*m) ||
	    recv(s, m, sizeof(*m), 0) != sizeof(*m)) {
		fprintf(stderr, "opnic-ctl: no answer from the model\n");
		close(s);
		return -1;
	}
	close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*build)(struct opnic_msg *m, int argc, char **argv);
	} commands[] = {
		{ "link", build_link },
		{ "status", build_status },
		{ "fault", build_fault },
		{ "wire", build_wire },
		{ "quit", build_quit },
	};
	const char *run = getenv("OPNIC_RUN_DIR");
	struct opnic_msg_reply *rep;
	struct opnic_msg m;
	unsigned int i;
	int a = 1, r;

	if (argc > 2 && strcmp(argv[1], "--run-dir") == 0) {
		run = argv[2];
		a = 3;
	}
	if (run == NULL || argc <= a)
		return usage();
	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[a], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return usage();
	r = commands[i].build(&m, argc - a, argv + a);
	if (r != 0)
		return r;
	if (model_call(run, &m) != 0)
		return 1;
	rep = &m.reply;
	if (rep->len > 0 && rep->len < sizeof(rep->text))
		fprintf(rep->status < 0 ? stderr : stdout, "%.*s", (int)rep->len,
			rep->text);
	if (rep->status < 0) {
		fprintf(stderr, "opnic-ctl: %s\n", strerror(-rep->status));
		return 1;
	}
	return 0;
}
