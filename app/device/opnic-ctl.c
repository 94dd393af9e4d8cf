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
		"      irq-storm remove restore (doc/faults.md)\n");
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

int
main(int argc, char **argv)
{
	const char *run = getenv("OPNIC_RUN_DIR");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct opnic_msg m;
	int s, a = 1;

	if (argc > 2 && strcmp(argv[1], "--run-dir") == 0) {
		run = argv[2];
		a = 3;
	}
	if (run == NULL || argc <= a)
		return usage();
	memset(&m, 0, sizeof(m));
	if (strcmp(argv[a], "link") == 0 && argc == a + 3) {
		m.type = OPNIC_MSG_LINK;
		if (parse_dev(argv[a + 1], &m.dev) != 0)
			return 2;
		if (strcmp(argv[a + 2], "up") == 0)
			m.a = 1;
		else if (strcmp(argv[a + 2], "down") != 0)
			return usage();
	} else if (strcmp(argv[a], "status") == 0 &&
		   (argc == a + 2 || argc == a + 3)) {
		m.type = OPNIC_MSG_STATUS;
		if (parse_dev(argv[a + 1], &m.dev) != 0)
			return 2;
		if (argc == a + 3) {
			if (strcmp(argv[a + 2], "json") != 0)
				return usage();
			m.a = OPNIC_STATUS_JSON;
		}
	} else if (strcmp(argv[a], "fault") == 0 &&
		   (argc == a + 3 || argc == a + 4 || argc == a + 5)) {
		char *end = NULL;

		m.type = OPNIC_MSG_FAULT;
		if (parse_dev(argv[a + 1], &m.dev) != 0)
			return 2;
		snprintf(m.text, sizeof(m.text), "%s", argv[a + 2]);
		m.b = 1;
		if (argc >= a + 4) {
			m.b = strtoull(argv[a + 3], &end, 0);
			if (*end != '\0') {
				fprintf(stderr, "opnic-ctl: count '%s': expected a "
					"number\n", argv[a + 3]);
				return 2;
			}
		}
		if (argc == a + 5) {
			m.c = strtoull(argv[a + 4], &end, 0);
			if (*end != '\0') {
				fprintf(stderr, "opnic-ctl: seed '%s': expected a "
					"number\n", argv[a + 4]);
				return 2;
			}
		}
	} else if (strcmp(argv[a], "wire") == 0 && argc >= a + 3) {
		size_t n = 0;
		int i;

		m.type = OPNIC_MSG_WIRE;
		if (parse_dev(argv[a + 1], &m.dev) != 0)
			return 2;
		for (i = a + 2; i < argc; i++) {
			int w = snprintf(m.text + n, sizeof(m.text) - n, "%s%s",
					 n ? " " : "", argv[i]);

			if (w < 0 || (size_t)w >= sizeof(m.text) - n) {
				fprintf(stderr, "opnic-ctl: wire command too long\n");
				return 2;
			}
			n += (size_t)w;
		}
	} else if (strcmp(argv[a], "quit") == 0 && argc == a + 1) {
		m.type = OPNIC_MSG_QUIT;
	} else {
		return usage();
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/model.sock", run);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s >= 0) {
		struct timeval tv = { 5, 0 };	/* a hung model is an error */

		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "opnic-ctl: cannot reach the model at %s: %s\n",
			sa.sun_path, strerror(errno));
		return 1;
	}
	if (send(s, &m, sizeof(m), 0) != sizeof(m) ||
	    recv(s, &m, sizeof(m), 0) != sizeof(m)) {
		fprintf(stderr, "opnic-ctl: no answer from the model\n");
		return 1;
	}
	close(s);
	if (m.len > 0)
		fprintf(m.status < 0 ? stderr : stdout, "%.*s", (int)m.len, m.text);
	if (m.status < 0) {
		fprintf(stderr, "opnic-ctl: %s\n", strerror(-m.status));
		return 1;
	}
	return 0;
}
