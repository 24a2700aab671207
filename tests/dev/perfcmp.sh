#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Developer tool: perftop and perf side by side on stock Debian binaries.
# Boots the package tests' Debian root (with linux-perf and python3 added)
# on KERNEL, runs two xz, a python3 and a loop of sha256sum under
# "perf record -a -g" with perftop loaded, and prints the head of
# /proc/perftop and perf report's.   tests/dev/perfcmp.sh
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"
k=${KERNEL:-$KERNEL_DEFAULT}
out=$BUILD/perfcmp
rm -rf "$out" && mkdir -p "$out"
build_module "$k" || die "module build failed for $k"
base=$("$TESTS/packages/root.sh")
cp -a "$base" "$out"/root
"$TESTS/packages/chroot.sh" "$out"/root apt-get install -y -q --no-install-recommends linux-perf python3-minimal > "$out"/apt.log 2>&1
mkdir -p "$out"/root/opt/perftop
cp /bin/busybox "$out"/root/opt/perftop/busybox
cp "$BUILD/$k/module/perftop.ko" "$out"/root/opt/perftop/
cat > "$out"/root/opt/perftop/init <<'EOI'
#!/opt/perftop/busybox sh
/opt/perftop/busybox mkdir -p /opt/perftop/bin
/opt/perftop/busybox --install -s /opt/perftop/bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/opt/perftop/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
exec 3>/dev/ttyS1
insmod /opt/perftop/perftop.ko
head -c 3000000 /dev/urandom > /tmp/blob
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid
perf record -a -g -F 499 -o /tmp/perf.data -- sh -c '
taskset -c 0 xz -T1 -6 -c /tmp/blob > /dev/null &
taskset -c 0 xz -T1 -6 -c /tmp/blob > /dev/null &
taskset -c 1 python3 -c "
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
fib(24)" &
i=0; while [ $i -lt 40 ]; do sha256sum /etc/os-release > /dev/null; i=$((i+1)); done; wait' > /tmp/perf.log 2>&1
echo "=== perftop" >&3
head -n 60 /proc/perftop >&3
echo "=== perf report" >&3
perf report -i /tmp/perf.data --no-children -g none --sort comm,dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 20 >&3
sync
printf '\020' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
EOI
chmod +x "$out"/root/opt/perftop/init
mb=$(du -sm "$out"/root | cut -f1)
mkfs.ext4 -q -F -d "$out"/root "$out"/disk.img "$((mb * 5 / 4 + 512))M"
BOOT_RUNDIR="$out"/run BOOT_MEM=1536 BOOT_DISK="$out"/disk.img BOOT_VMLINUZ="$out"/root/boot/vmlinuz-$k BOOT_INITRD="$out"/root/boot/initrd.img-$k
boot $k perfcmp 2 900 root=/dev/vda rw init=/opt/perftop/init
tr -d '\r' < "$out"/run/results.txt
rm -f "$out"/disk.img
