#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Installs, on a Debian 12 machine and as root, everything perftop's tests
# need (tests/run all, make check-packages).  The kernel headers are those of
# the kernels in tests/kernels.conf.
set -eu
. "$(dirname "$0")/kernels.conf"

headers=
for k in $KERNELS_ALL; do
	headers="$headers linux-headers-$k"
done

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends \
	qemu-system-x86 busybox-static build-essential cpio gzip xz-utils kmod \
	sparse linux-source-6.1 flex bison bc libelf-dev libssl-dev dwarves \
	dkms dh-dkms debhelper devscripts lintian rpm rpmlint mandoc man-db \
	debootstrap debian-archive-keyring fakeroot dpkg-dev e2fsprogs \
	util-linux coreutils python3 git \
	$headers
