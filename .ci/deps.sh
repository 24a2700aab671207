#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Installs, on a Debian 12 machine and as root, everything perftop's tests
# need (tests/run all, make check-packages), the perftop command's build and
# tests included (libdw, libdebuginfod, protobuf-c and zlib to build it;
# debuginfod, go tool pprof, Chromium and its fonts, xmllint and tmux to test
# it).  The kernel headers are those of
# the kernels in tests/kernels.conf.
set -eu
. "$(dirname "$0")/../tests/kernels.conf"

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
	pkgconf libdw-dev libdebuginfod-dev libprotobuf-c-dev protobuf-c-compiler \
	zlib1g-dev debuginfod golang-go chromium fonts-dejavu-core libxml2-utils tmux \
	$headers
