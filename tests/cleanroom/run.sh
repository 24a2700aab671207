#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The clean room: what a fresh Debian 12 machine gets from .ci/deps.sh, and
# whether the suite can build everything with it.  Nothing boots.
#
#  1. A minimal Debian 12 root (debootstrap --variant=minbase, the host's apt
#     sources), /boot empty; .ci/deps.sh run in it, as README.md says.  The
#     root is cached in $CACHE/$CLEANROOM_CACHE/KEY, KEY being a hash of
#     .ci/deps.sh and this script: a changed .ci/deps.sh is tried afresh.
#     The host's apt archive (/var/cache/apt/archives) is bound into the root
#     for debootstrap and apt: nothing is downloaded twice.
#  2. /boot still holds no kernel, and no linux-image package is installed.
#  3. In the root, on a copy of this tree: the module for each kernel in
#     tests/kernels.conf (tests/lib.sh's build_module, headers fetched as the
#     suite fetches them), the test programs (build_tools), the perftop
#     command and its test workload, and the .deb and RPM builds with their
#     contents checked (tests/packages/run.sh build; the lints run in the
#     packages suite, and the programs check sees that they are there).
#  4. Every program and file the suite uses is there, each named when not.
#
# PT_TESTS=STEP,... runs only those steps after the root: boot, modules,
# tools, cli, packages, programs (the mutation test needs one).
# Prints "PASS cleanroom: ..." / "FAIL cleanroom: ...: why" on stdout.
# Logs: $BUILD/cleanroom/logs, and the copy's build/ in $BUILD/cleanroom/src.  Environment: CLEANROOM_CACHE (the cache's
# name; the mutation test uses its own), PERFTOP_MIRROR (debootstrap's
# mirror, default: the host's first source for bookworm).
# shellcheck disable=SC2016 # inner shells expand what is quoted for them
set -u
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"

OUT=$BUILD/cleanroom
LOGS=$OUT/logs
ARCHIVES=/var/cache/apt/archives
SUITE=bookworm
ROOT=

# The programs and files the suite runs or reads, beyond the C toolchain
# that the builds in step 3 prove.  One line each: a command name, or an
# absolute path.
PROGRAMS="
qemu-system-x86_64 chromium go tmux debuginfod debuginfod-find xmllint eu-stack
debootstrap unshare chroot flock mkfs.ext4 cpio gzip xz busybox
python3 perl git sha256sum setpriv timeout renice mount
readelf nm objdump objcopy strip
dkms dpkg-buildpackage dh dh_dkms fakeroot lintian rpmbuild rpm rpmlint mandoc man
sparse flex bison bc pahole pkg-config protoc-c gcc-12 x86_64-linux-gnu-gcc-12
/usr/src/linux-source-6.1.tar.xz /bin/busybox /usr/include/gelf.h
/usr/include/openssl/ssl.h /usr/lib32/libc.a /usr/share/fonts/truetype/dejavu
/usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/bin/python3.11 /lib64/ld-linux-x86-64.so.2
/lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/liblzma.so.5
"

# The first mirror the host's apt uses for $SUITE.
host_mirror() {
	apt-get indextargets --format '$(SITE) $(RELEASE)' 2> /dev/null |
		awk -v s="$SUITE" '$2 == s { print $1; exit }'
}

in_root() { "$TESTS/packages/chroot.sh" "$ROOT" "$@"; }

# The root in $1/root: bootstrapped, then .ci/deps.sh.  Run by cached.
# One root at a time, of any checkout, uses the host's apt archive (apt
# locks it, and fails at once when it is taken).
prepare() {
	ROOT=$1/root
	exec 8> /run/lock/perftop-apt-archives.lock
	flock 8
	_mirror=${PERFTOP_MIRROR:-$(host_mirror)}
	[ -n "$_mirror" ] || { say "the host's apt has no $SUITE source"; return 1; }
	say "cleanroom: debootstrap --variant=minbase $SUITE from $_mirror"
	mkdir -p "$ROOT/var/cache/apt/archives"
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare --mount --propagation private sh -c '
		mount --bind "$1" "$2/var/cache/apt/archives" &&
		debootstrap --variant=minbase --components=main "$3" "$2" "$4"' \
		sh "$ARCHIVES" "$ROOT" "$SUITE" "$_mirror" > "$1/debootstrap.log" 2>&1 ||
		{ tail -n 5 "$1/debootstrap.log" >&2; say "debootstrap failed"; return 1; }
	# The host's apt sources, as they are.
	rm -f "$ROOT/etc/apt/sources.list"
	for _f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$_f" ] && cp "$_f" "$ROOT$_f"
	done
	# No daemon starts inside the chroot; dpkg does not sync each file, nor
	# man-db rebuild its index: a throwaway root, whose disk writes would
	# only slow the VMs beside it.
	printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
	chmod +x "$ROOT/usr/sbin/policy-rc.d"
	echo force-unsafe-io > "$ROOT/etc/dpkg/dpkg.cfg.d/perftop-cleanroom"
	echo 'man-db man-db/auto-update boolean false' | in_root debconf-set-selections || return 1
	ls -A "$ROOT/boot" > "$1/boot-before.txt"
	cp "$TOP/.ci/deps.sh" "$ROOT/tmp/deps.sh"
	say "cleanroom: sh .ci/deps.sh in the root"
	_t=$(date +%s)
	CHROOT_BINDS="$ARCHIVES:$ARCHIVES" in_root sh /tmp/deps.sh > "$1/deps.log" 2>&1 ||
		{ tail -n 5 "$1/deps.log" >&2; say ".ci/deps.sh failed in the root"; return 1; }
	echo "$(($(date +%s) - _t)) s" > "$1/deps.time"
	rm -f "$ROOT/tmp/deps.sh"
	in_root dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' > "$1/packages.txt"
}

do_root() {
	_d=$(cached "$CLEANROOM_CACHE" "$KEY" prepare) || return 1
	ROOT=$_d/root
	echo "root: $_d ($(wc -l < "$_d/packages.txt") packages; .ci/deps.sh took $(cat "$_d/deps.time"))"
}

do_boot() {
	_d=$(dirname "$ROOT")
	[ ! -s "$_d/boot-before.txt" ] || { echo "/boot was not empty before: $(cat "$_d/boot-before.txt")"; return 1; }
	_k=$(cd "$ROOT/boot" && ls -A)
	[ -z "$_k" ] || { echo "/boot after .ci/deps.sh: $_k"; return 1; }
	_i=$(grep -E '^i[a-zA-Z]* +linux-image-' "$_d/packages.txt")
	[ -z "$_i" ] || { echo "installed: $_i"; return 1; }
	echo "/boot empty before and after .ci/deps.sh; no linux-image-* installed"
}

# why CMD...: CMD; when it fails, its first error line comes last (the
# reason result() reports).
why() {
	"$@" > "$LOGS/why.out" 2>&1
	_rc=$?
	cat "$LOGS/why.out"
	[ "$_rc" = 0 ] && return 0
	grep -m1 -iE 'error|not found|no such file|cannot|missing' "$LOGS/why.out"
	return "$_rc"
}

# build CMD...: CMD in the root, in a copy of this tree at /perftop, with
# a build folder of its own and a cache kept beside the root (the headers).
build() {
	mkdir -p "$ROOT.cache"
	CHROOT_BINDS="$OUT/src:/perftop $ROOT.cache:/perftop/.cache $ARCHIVES:$ARCHIVES" in_root /usr/bin/env \
		TESTS=/perftop/tests PERFTOP_BUILD=/perftop/build PERFTOP_CACHE=/perftop/.cache "$@"
}

do_module() {
	why build bash -c '. /perftop/tests/lib.sh && build_module "$1" && ls "$BUILD/$1/module/perftop.ko"' sh "$1"
}

do_tools() {
	why build bash -c '. /perftop/tests/lib.sh && build_tools && ls "$BUILD/tools/"'
}

do_cli() {
	why build sh -c 'm="make -C /perftop/tools/perftop" &&
		$m O=/perftop/build/cli/release all testprogs unwindprogs &&
		$m O=/perftop/build/cli/asan SANITIZE=1 ehcheck &&
		/perftop/build/cli/release/perftop --version'
}

do_programs() {
	# shellcheck disable=SC2086 # the list: words on purpose
	set -- $PROGRAMS
	_missing=$(in_root sh -c 'for p; do
		case $p in
		/*) [ -e "$p" ] || echo "$p" ;;
		*) command -v "$p" > /dev/null || echo "$p" ;;
		esac
	done' sh "$@" | tr '\n' ' ')
	[ -z "$_missing" ] || { echo "missing: $_missing"; return 1; }
	echo "all $# present"
}

# want STEP: STEP is to run (PT_TESTS lists it, or is empty).
want() {
	case ",${PT_TESTS:-$1}," in *",$1,"*) return 0 ;; esac
	return 1
}

command -v debootstrap > /dev/null || die "no debootstrap on the host (sh .ci/deps.sh)"
CLEANROOM_CACHE=${CLEANROOM_CACHE:-cleanroom}
KEY=$(cat "$TOP/.ci/deps.sh" "$0" | sha256sum | cut -c1-16)
rm -rf "$LOGS" && mkdir -p "$LOGS"
t="cleanroom:"
result "$t .ci/deps.sh in a minimal Debian 12 root (debootstrap minbase, the host's apt sources)" \
	"$LOGS/root.log" do_root || exit 0
ROOT=$(sed -n 's/^root: \([^ ]*\) .*/\1/p' "$LOGS/root.log")/root
want boot && result "$t /boot holds no kernel after .ci/deps.sh" "$LOGS/boot.log" do_boot
# This tree, as the suite sees it (its git history too: make dist).
rm -rf "$OUT/src" && mkdir -p "$OUT/src"
tar -C "$TOP" --exclude=./.cache --exclude=./build -cf - . | tar -C "$OUT/src" -xf -
if want modules; then
	for k in $KERNELS_ALL; do
		result "$t the module for $k" "$LOGS/module-$k.log" do_module "$k"
	done
fi
want tools && result "$t the test programs (64-bit, PIE and shared, 32-bit)" "$LOGS/tools.log" do_tools
want cli && result "$t the perftop command and its test workload" "$LOGS/cli.log" do_cli
if want packages; then
	build /perftop/tests/packages/run.sh build 2> "$LOGS/packages.log" |
		sed -E 's/^(PASS|FAIL|SKIP) /&cleanroom: /'
fi
want programs && result "$t every program and file the suite uses" "$LOGS/programs.log" do_programs
true
