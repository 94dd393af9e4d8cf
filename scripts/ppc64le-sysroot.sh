#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The ppc64el sysroot (build/ppc64le/sysroot, its apt state build/ppc64le/apt
# that scripts/ppc64le-guest.sh uses too) and the cross file
# build/ppc64le/cross.ini: scripts/cross-sysroot.sh ppc64le, kept under this
# name for its callers (scripts/test.sh, doc/guides/ppc64le.md).
exec "$(dirname "$0")/cross-sysroot.sh" ppc64le "$@"
