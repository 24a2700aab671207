#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# chroot.sh ROOT CMD [ARG...]
# Runs CMD inside the Debian root ROOT with /proc, /sys and /dev mounted, as
# apt, dkms and update-initramfs expect.  The mounts live in a private mount
# namespace that ends with the command: nothing stays mounted on the host,
# whatever happens.  The environment is reset (proxy settings pass through).
# CHROOT_BINDS="HOSTDIR:DIR ..." also binds each HOSTDIR at DIR inside the
# root for the command (paths without spaces or colons).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 ROOT CMD [ARG...]" >&2; exit 2; }
root=$(cd "$1" && pwd)
shift
export CHROOT_BINDS="${CHROOT_BINDS:-}"
# shellcheck disable=SC2016 # the inner shell expands it
exec unshare --mount --propagation private /bin/sh -c '
	set -e
	r=$1
	shift
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount --rbind /dev "$r/dev"
	for b in $CHROOT_BINDS; do
		mkdir -p "$r${b#*:}"
		mount --bind "${b%%:*}" "$r${b#*:}"
	done
	exec chroot "$r" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
		${http_proxy:+http_proxy="$http_proxy"} \
		${https_proxy:+https_proxy="$https_proxy"} \
		${no_proxy:+no_proxy="$no_proxy"} \
		"$@"
' sh "$root" "$@"
