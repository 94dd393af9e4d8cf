/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * tap:NAME — the port's wire is a Linux TAP interface. The model creates it
 * (or attaches to a persistent one of that name); whoever runs the test
 * moves it into a network namespace and gives it an address. Frames the
 * kernel sends on NAME arrive on the port's RX; frames the port transmits
 * are written to NAME. No frame is generated or checked by opnic code.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "opnic_wire.h"

#define TAP_BURST 32
#define TAP_MAX_FRAME 9018

struct tap {
	int fd;
	char name[IFNAMSIZ];
	uint64_t rx_frames, rx_dropped, tx_frames, tx_errors;
	uint8_t buf[TAP_MAX_FRAME + 64];
};

static int
tap_open(struct opnic_wire *w, const char *args, char *err, size_t errlen)
{
	struct ifreq ifr;
	struct tap *t;

	if (args[0] == '\0' || strlen(args) >= IFNAMSIZ ||
	    strpbrk(args, "/ \t,=:") != NULL) {
		snprintf(err, errlen, "tap:'%s': expected an interface name of 1 "
			 "to %d characters", args, IFNAMSIZ - 1);
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "tap:%s: cannot open /dev/net/tun: %s", args,
			 strerror(errno));
		free(t);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", args);
	if (ioctl(t->fd, TUNSETIFF, &ifr) != 0) {
		snprintf(err, errlen, "tap:%s: cannot create the TAP interface: %s",
			 args, strerror(errno));
		close(t->fd);
		free(t);
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	w->priv = t;
	return 0;
}

static void
tap_tx(void *ctx, const uint8_t *f, uint32_t len)
{
	struct opnic_wire *w = ctx;
	struct tap *t = w->priv;

	if (write(t->fd, f, len) == (ssize_t)len)
		t->tx_frames++;
	else
		t->tx_errors++;	/* interface down or gone: the wire drops */
}

static unsigned int
tap_poll(struct opnic_wire *w)
{
	struct tap *t = w->priv;
	unsigned int n;

	for (n = 0; n < TAP_BURST; n++) {
		ssize_t r = read(t->fd, t->buf, sizeof(t->buf));

		if (r <= 0)
			break;
		if (r < 14 || r > TAP_MAX_FRAME) {
			t->rx_dropped++;
			continue;
		}
		t->rx_frames++;
		if (opnic_model_rx_offer(w->dev, t->buf, (uint32_t)r, 0) != 0)
			t->rx_dropped++;
	}
	return n;
}

static int
tap_command(struct opnic_wire *w, const char *cmd, char *out, size_t outlen)
{
	struct tap *t = w->priv;

	if (strcmp(cmd, "reset") == 0) {
		t->rx_frames = t->rx_dropped = t->tx_frames = t->tx_errors = 0;
	} else if (strcmp(cmd, "status") != 0) {
		snprintf(out, outlen, "tap wire: unknown command '%s' (status, reset)\n",
			 cmd);
		return -EINVAL;
	}
	snprintf(out, outlen, "wire tap %s from_tap %" PRIu64 " from_tap_dropped %"
		 PRIu64 " to_tap %" PRIu64 " to_tap_errors %" PRIu64 "\n", t->name,
		 t->rx_frames, t->rx_dropped, t->tx_frames, t->tx_errors);
	return 0;
}

static void
tap_close(struct opnic_wire *w)
{
	struct tap *t = w->priv;

	close(t->fd);
	free(t);
}

const struct opnic_wire_ops opnic_wire_tap_ops = {
	.name = "tap",
	.open = tap_open,
	.tx = tap_tx,
	.poll = tap_poll,
	.command = tap_command,
	.close = tap_close,
};
