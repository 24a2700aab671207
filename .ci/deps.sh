#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Installs, on a Debian 12 machine and as root, everything perftop's build,
# tests (make check, make demo, make bench) and packages need, from Debian
# packages only.  About 1.5 GB, 5-7 minutes on a fresh machine.
#
#   sh .ci/deps.sh           install them
#   sh .ci/deps.sh --list    print their names, one a line; to remove them:
#                            apt-get purge $(sh .ci/deps.sh --list)
#                            apt-get autoremove --purge
#
# No kernel is installed on the host: no linux-image, and no linux-headers
# (the 6.12 headers Depend on their image, which would land in /boot).  The
# tests fetch the headers of the kernels in tests/kernels.conf with
# apt-get download and unpack them with dpkg -x into .cache/headers, as they
# fetch the kernel images they boot (tests/lib.sh: kernel_kdir); what those
# header packages need to run is named here instead (gcc-12, pahole, the
# libraries of their kbuild tools).
#
# The clean-room test (tests/cleanroom/run.sh, in make check) runs this in a
# minimal Debian 12 root and fails when anything the suite uses is missing.
set -eu

PACKAGES="
	build-essential gcc-12 gcc-multilib make pkgconf git python3 perl
	cpio gzip xz-utils kmod util-linux coreutils e2fsprogs fakeroot
	qemu-system-x86 busybox-static debootstrap debian-archive-keyring
	libelf1 libssl3 zlib1g dwarves
	sparse linux-source-6.1 flex bison bc libelf-dev libssl-dev
	dkms dh-dkms debhelper devscripts lintian dpkg-dev rpm rpmlint mandoc man-db
	libdw-dev libdebuginfod-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev
	debuginfod golang-go chromium fonts-dejavu-core libxml2-utils tmux elfutils
"

case ${1:-} in
--list)
	printf '%s\n' $PACKAGES
	exit 0
	;;
"") ;;
*)
	echo "usage: $0 [--list]" >&2
	exit 2
	;;
esac

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # the list: words on purpose
apt-get install -y --no-install-recommends $PACKAGES
