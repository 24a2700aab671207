#!/bin/sh
# Build (or reuse from the cache) the debug kernel: Debian's linux-source-6.1,
# x86_64_defconfig + kvm_guest.config + tests/debug.config.
# Prints the build directory (holding arch/x86/boot/bzImage) on stdout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${PERFTOP_CACHE:-$here/../.cache}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "debug-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1)
key=$( (echo "$srcver"; cat "$here/debug.config") | sha256sum | cut -c1-16)
dir=$cache/debug-kernel/$key
if [ -f "$dir/.done" ]; then
	echo "$dir/linux-source-6.1"
	exit 0
fi
mkdir -p "$cache/debug-kernel"
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
echo "debug-kernel: building linux-source $srcver with tests/debug.config (about 15 min on 2 cores)" >&2
tar -C "$dir.tmp" -xf "$tarball"
cd "$dir.tmp/linux-source-6.1"
make -s x86_64_defconfig kvm_guest.config >&2
scripts/kconfig/merge_config.sh -m .config "$here/debug.config" >/dev/null
make -s olddefconfig >&2
# Every option the fragment asks for must have survived olddefconfig.
grep '^CONFIG_.*=y$' "$here/debug.config" | while read -r line; do
	grep -qx "$line" .config || { echo "debug-kernel: $line was dropped by Kconfig" >&2; exit 1; }
done
make -s -j"$(nproc)" bzImage modules modules_prepare >&2
cd "$cache/debug-kernel"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
touch "$dir/.done"
echo "$dir/linux-source-6.1"
