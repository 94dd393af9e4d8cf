/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * opnic-model: runs modelled opnic NICs as a process of their own, like
 * hardware (lib/model_server/opnic_model_server.h). This file is the
 * command line and the device loop; the server owns the devices, the run
 * directory and the socket.
 */

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opnic_emu_rundir.h"
#include "opnic_model_server.h"

/* Empty device loop passes before the loop starts to nap. */
#define IDLE_PASSES	2000000
#define IDLE_NAP_NS	50000
/* The longest reset: PCIe gives a function 100 ms after an FLR; 10 s is
 * long enough to test any driver's timeout. */
#define RESET_US_MAX	10000000u

static struct opnic_server *server;

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
on_signal(int sig)
{
	(void)sig;
	if (server != NULL)
		opnic_server_request_quit(server);
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
		"                   [--random-faults PPM[,SEED]] [--reset-us N]\n"
		"                   [--vfio-user]\n"
		"WIRE: tap:IFNAME | pcap:rx=FILE,tx=FILE[,loop=N] |\n"
		"      tester:pps=N,size=N,flows=N,count=N (doc/wires.md, doc/tester.md)\n"
		"Runs N modelled opnic NICs (default 2, pair wire, profile tight4k) until\n"
		"SIGTERM or 'opnic-ctl quit'. Writes DIR/ready when it serves.\n"
		"--reset-us: how long ID.RESET and an FLR take (default %u us, max\n"
		"%u; 0: at once), doc/spec.md 3.1.\n"
		"--vfio-user: each device also listens on DIR/<bdf>.vfio-user for a\n"
		"vfio-user client such as QEMU's vfio-user-pci (doc/vfio-user.md);\n"
		"the sockets are listed in DIR/vfio-user.list.\n", OPNIC_RESET_US_DEFAULT,
		RESET_US_MAX);
	exit(2);
}

/* The device loop: poll every device; back off only after a long idle
 * stretch so an idle model does not burn a CPU forever. */
static void
device_loop(struct opnic_server *s)
{
	unsigned long idle = 0;

	while (!opnic_server_quitting(s)) {
		if (opnic_server_poll(s) != 0) {
			idle = 0;
		} else if (++idle > IDLE_PASSES) {
			struct timespec ts = { 0, IDLE_NAP_NS };

			nanosleep(&ts, NULL);
		}
	}
}

static void
pin_to_core(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		fprintf(stderr, "opnic-model: cannot pin to CPU %d: %s\n", core,
			strerror(errno));
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
		{ "reset-us", required_argument, NULL, 'R' },
		{ "vfio-user", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opnic_server_config cfg = { .ndev = 2,
					   .reset_us = OPNIC_RESET_US_DEFAULT };
	const char *profile = "tight4k", *wire = "pair";
	unsigned long fault_ppm = 0, fault_seed = 1;
	struct opnic_profile prof;
	char run[200] = "", err[512], path[4200];
	int core = -1, opt;
	unsigned int i;
	char *end;

	for (i = 0; i < OPNIC_MAX_DEVICES; i++) {
		uint8_t def[6] = { 0x02, 0x00, 0x6f, 0x70, 0x00, (uint8_t)i };

		memcpy(cfg.mac[i], def, 6);
	}
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (strlen(optarg) >= sizeof(run) - 16)
				die("--run-dir '%s' is too long (max %zu bytes)",
				    optarg, sizeof(run) - 16);
			snprintf(run, sizeof(run), "%s", optarg);
			break;
		case 'p':
			profile = optarg;
			break;
		case 'n':
			cfg.ndev = (unsigned int)strtoul(optarg, &end, 0);
			if (*end != '\0' || cfg.ndev == 0 ||
			    cfg.ndev > OPNIC_MAX_DEVICES)
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
			    parse_mac(end + 1, cfg.mac[n]) != 0)
				die("--mac '%s': expected N=aa:bb:cc:dd:ee:ff", optarg);
			break;
		}
		case 'c':
			core = (int)strtol(optarg, &end, 0);
			if (*end != '\0' || core < 0)
				die("--core '%s': expected a CPU number", optarg);
			break;
		case 'l':
			cfg.link_down = 1;
			break;
		case 'V':
			cfg.vfio_user = 1;
			break;
		case 'F':
			fault_ppm = strtoul(optarg, &end, 0);
			if (end != optarg && *end == ',')
				fault_seed = strtoul(end + 1, &end, 0);
			if (*end != '\0' || fault_ppm > 1000000 || fault_seed == 0)
				die("--random-faults '%s': expected PPM[,SEED] with PPM "
				    "0..1000000 and SEED > 0", optarg);
			break;
		case 'R': {
			unsigned long us = strtoul(optarg, &end, 0);

			if (end == optarg || *end != '\0' || optarg[0] == '-' ||
			    us > RESET_US_MAX)
				die("--reset-us '%s': expected 0..%u microseconds",
				    optarg, RESET_US_MAX);
			cfg.reset_us = (uint32_t)us;
			break;
		}
		case 'P': {
			unsigned long n = strtoul(optarg, &end, 0);

			if (end == optarg || *end != '=' || n >= OPNIC_MAX_DEVICES ||
			    end[1] == '\0')
				die("--port '%s': expected N=WIRE with N 0..%u",
				    optarg, OPNIC_MAX_DEVICES - 1);
			cfg.port_wire[n] = end + 1;
			break;
		}
		default:
			usage();
		}
	}
	if (run[0] == '\0')
		usage();
	cfg.wire_pair = strcmp(wire, "pair") == 0;
	if (cfg.wire_pair && cfg.ndev % 2 != 0)
		die("--wire pair needs an even number of devices (got %u)", cfg.ndev);
	if (opnic_profile_load(profile, &prof, err, sizeof(err)) != 0)
		die("%s", err);
	for (i = cfg.ndev; i < OPNIC_MAX_DEVICES; i++)
		if (cfg.port_wire[i] != NULL)
			die("--port %u=%s: the model runs %u devices", i,
			    cfg.port_wire[i], cfg.ndev);
	cfg.run = run;
	cfg.prof = &prof;
	cfg.fault_ppm = (uint32_t)fault_ppm;
	cfg.fault_seed = (uint32_t)fault_seed;

	server = opnic_server_create(&cfg, err, sizeof(err));
	if (server == NULL)
		die("%s", err);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (core >= 0)
		pin_to_core(core);
	if (opnic_server_start(server, err, sizeof(err)) != 0)
		die("%s", err);
	snprintf(path, sizeof(path), "%s/model.pid", run);
	if (opnic_rundir_write(path, err, sizeof(err), "%d\n", (int)getpid()) != 0)
		die("%s", err);
	snprintf(path, sizeof(path), "%s/ready", run);
	if (opnic_rundir_write(path, err, sizeof(err), "profile %s devices %u "
			       "wire %s%s\n", prof.name, cfg.ndev, wire,
			       cfg.vfio_user ? " vfio-user" : "") != 0)
		die("%s", err);

	device_loop(server);
	unlink(path);
	opnic_server_destroy(server);
	return 0;
}
