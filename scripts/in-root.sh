#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run a command inside a root made by scripts/debian-root.sh, in a private
# mount namespace (nothing stays mounted when it ends): /proc, /sys, /dev
# (with /dev/hugepages and /dev/shm), /run and /tmp are the host's, and so is
# every directory named with --bind (same path inside).
#   scripts/in-root.sh ROOT [--bind DIR]... CMD...
set -eu
[ $# -ge 2 ] || { echo "usage: $0 ROOT [--bind DIR]... CMD..." >&2; exit 2; }
root=$1; shift
[ -f "$root/.opnic-root" ] || { echo "in-root: $root is not a root made by scripts/debian-root.sh" >&2; exit 2; }
binds=""
while [ "${1:-}" = "--bind" ]; do
	[ -d "$2" ] || { echo "in-root: --bind $2: not a directory" >&2; exit 2; }
	binds="$binds $(realpath "$2")"
	shift 2
done
exec unshare --mount --propagation private /bin/sh -c '
	set -e
	root=$1 binds=$2; shift 2
	for d in proc sys dev run tmp; do mount --rbind "/$d" "$root/$d"; done
	for d in $binds; do mkdir -p "$root$d"; mount --rbind "$d" "$root$d"; done
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"' sh "$root" "$binds" "$@"
