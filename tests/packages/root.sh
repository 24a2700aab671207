#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# root.sh: print the path of a Debian 12 (bookworm) root for
# tests/packages/run.sh, bootstrapping it first when the cache has none.
#
# The root has systemd as init, dkms, man-db, and the old kernel of the
# upgrade test (image and headers); the new kernel's packages are downloaded
# into its apt cache, not installed, so that installing them is the test.
# It is cached (tests/lib.sh's cached) in $CACHE/pkg-root/KEY/root, KEY being
# a hash of this script (the package lists are here), chroot.sh and
# kernels.conf: changing any of them bootstraps a new root.  Users must copy
# the root, never change it.
#
# Environment: PERFTOP_MIRROR, PERFTOP_SECURITY_MIRROR (Debian mirrors).
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"

MIRROR=${PERFTOP_MIRROR:-http://deb.debian.org/debian}
SECURITY=${PERFTOP_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=bookworm

# The upgrade test goes from the default kernel to the first non-RT kernel
# after it in kernels.conf.
PKG_OLD=$KERNEL_DEFAULT
PKG_NEW=
for k in $KERNELS_ALL; do
	case $k in
	*-rt-* | "$PKG_OLD") ;;
	*) [ -n "$PKG_NEW" ] || PKG_NEW=$k ;;
	esac
done
[ -n "$PKG_NEW" ] || die "kernels.conf has no second non-RT kernel to upgrade to"

# Installed (no recommends: they would pull the newest linux-headers-amd64).
PACKAGES="systemd systemd-sysv udev kmod procps dkms openssl man-db initramfs-tools
	linux-image-$PKG_OLD linux-headers-$PKG_OLD xz-utils python3-minimal debuginfod tmux
	util-linux"
# Downloaded only.
PREFETCH="linux-image-$PKG_NEW linux-headers-$PKG_NEW"

case ${1:-} in
kernels)
	echo "$PKG_OLD $PKG_NEW"
	exit 0
	;;
esac

# Bootstrap the root into $1/root.
bootstrap() {
	root=$1/root
	say "bootstrapping a $SUITE root for the package tests"
	debootstrap --variant=minbase --components=main "$SUITE" "$root" "$MIRROR" ||
		{ say "debootstrap failed (see $root/debootstrap/debootstrap.log)"; return 1; }
	cat > "$root/etc/apt/sources.list" <<EOS
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOS
	# No daemon starts inside the chroot while it is built; dpkg does not
	# sync each file, nor man-db rebuild its index after each package (the
	# disk writes only slow the VMs beside it).  Both are undone below: the
	# tests install into the root as on a real system.
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/perftop-build"
	echo 'man-db man-db/auto-update boolean false' | in_root debconf-set-selections || return 1
	in_root apt-get update -q || return 1
	# shellcheck disable=SC2086
	in_root apt-get install -y -q --no-install-recommends $PACKAGES || return 1
	in_root apt-get clean
	# shellcheck disable=SC2086
	in_root apt-get install -y -q --no-install-recommends --download-only $PREFETCH || return 1
	# Booting it: virtio disk as root, no fsck, nothing periodic to wait for.
	echo perftop-pkgtest > "$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tperftop-pkgtest\n' > "$root/etc/hosts"
	printf '/dev/vda\t/\text4\tdefaults\t0\t0\n' > "$root/etc/fstab"
	in_root systemctl mask -q apt-daily.timer apt-daily-upgrade.timer man-db.timer \
		dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
		systemd-firstboot.service || return 1
	echo 'man-db man-db/auto-update boolean true' | in_root debconf-set-selections || return 1
	rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/dpkg/dpkg.cfg.d/perftop-build"
}

in_root() { "$TESTS/packages/chroot.sh" "$root" "$@"; }

key=$(cat "$0" "$TESTS/packages/chroot.sh" "$TESTS/kernels.conf" | sha256sum | cut -c1-16)
dir=$(cached pkg-root "$key" bootstrap) || die "no Debian root"
echo "$dir/root"
