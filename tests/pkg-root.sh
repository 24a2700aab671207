#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pkg-root.sh: print the path of a Debian 12 (bookworm) root for
# tests/packages.sh, bootstrapping it first when the cache has none.
#
# The root has systemd as init, dkms, man-db, and the old kernel of the
# upgrade test (image and headers); the new kernel's packages are downloaded
# into its apt cache, not installed, so that installing them is the test.
# It is cached in $CACHE/pkg-root/KEY/root, KEY being a hash of this script
# (the package lists are here), pkg-chroot.sh and kernels.conf: changing any
# of them bootstraps a new root.  Users must copy the root, never change it.
#
# Environment: PERFTOP_MIRROR, PERFTOP_SECURITY_MIRROR (Debian mirrors).
set -eu
. "$(dirname "$0")/lib.sh"

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
	linux-image-$PKG_OLD linux-headers-$PKG_OLD xz-utils debuginfod tmux util-linux"
# Downloaded only.
PREFETCH="linux-image-$PKG_NEW linux-headers-$PKG_NEW"

case ${1:-} in
kernels)
	echo "$PKG_OLD $PKG_NEW"
	exit 0
	;;
esac

key=$(cat "$0" "$TESTS/pkg-chroot.sh" "$TESTS/kernels.conf" | sha256sum | cut -c1-16)
dir=$CACHE/pkg-root/$key
if [ -f "$dir/complete" ]; then
	echo "$dir/root"
	exit 0
fi

say "bootstrapping a $SUITE root for the package tests (cache key $key)"
# One root at a time: drop the others (older package lists).
rm -rf "$CACHE/pkg-root"
mkdir -p "$dir.tmp"
root=$dir.tmp/root
in_root() { "$TESTS/pkg-chroot.sh" "$root" "$@"; }

debootstrap --variant=minbase --components=main "$SUITE" "$root" "$MIRROR" >&2 ||
	die "debootstrap failed (see $root/debootstrap/debootstrap.log)"

cat > "$root/etc/apt/sources.list" <<EOS
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOS
# No daemon starts inside the chroot while it is built.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"

in_root apt-get update -q >&2
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends $PACKAGES >&2
in_root apt-get clean >&2
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends --download-only $PREFETCH >&2

# Booting it: virtio disk as root, no fsck, nothing periodic to wait for.
echo perftop-pkgtest > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tperftop-pkgtest\n' > "$root/etc/hosts"
printf '/dev/vda\t/\text4\tdefaults\t0\t0\n' > "$root/etc/fstab"
in_root systemctl mask -q apt-daily.timer apt-daily-upgrade.timer man-db.timer \
	dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	systemd-firstboot.service >&2
rm -f "$root/usr/sbin/policy-rc.d"

touch "$dir.tmp/complete"
mv "$dir.tmp" "$dir"
echo "$dir/root"
