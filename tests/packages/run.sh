#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The packaging path, for real: what "apt install perftop-dkms",
# "systemctl start perftop" and "cat /proc/perftop" give a user.
#
#  1. make dist; the .debs (dpkg-buildpackage, out of tree) and the RPMs
#     (rpmbuild -bb from the tarball): perftop-dkms and perftop, the
#     command; their file lists, dependencies and scriptlets; lintian (no
#     error, no warning), rpmlint (no error), the man pages' lint.
#  2. A debootstrapped Debian 12 root (tests/packages/root.sh, cached) with the
#     old kernel: "make dkms-install"/"dkms-remove", then
#     "apt install ./perftop-dkms_*.deb": DKMS builds and installs the module,
#     the unit is enabled.
#  3. Boot it in QEMU (TCG) with systemd: tests/packages/guest.sh checks the unit,
#     /proc/perftop, stop/start, the man page.
#  4. Install the new kernel: DKMS builds for it unasked; boot it, same checks.
#  5. apt remove perftop-dkms: nothing left.
#
# "run.sh build" does step 1 alone, without the lints.
# Prints "PASS name" / "FAIL name: why" on stdout, progress on stderr.
# Logs: $BUILD/packages/*.log.  Environment: PKG_BOOT_TIMEOUT (s, per boot).
set -u
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"

OUT=$BUILD/packages
LOGS=$OUT/logs
# A hang bound, not a time limit: a boot takes 2 minutes alone, and up to 6
# times as long beside two debug-kernel boots at a better nice level (CI).
BOOT_TIMEOUT=${PKG_BOOT_TIMEOUT:-2400}
VERSION=$(make -s -C "$TOP" version)
DEB=
RPM=
CLI_DEB=
CLI_RPM=
ROOT=
T0=$(date +%s)

elapsed() { echo "$(($(date +%s) - T0)) s"; }

# step NAME LOG FUNCTION...: FUNCTION's result (tests/lib.sh), its output
# in $LOGS/LOG.log.
step() {
	_name=$1 _log=$LOGS/$2.log
	shift 2
	say "[$(elapsed)] $_name"
	result "packages: $_name" "$_log" "$@"
}

in_root() { "$TESTS/packages/chroot.sh" "$ROOT" "$@"; }

# ---- 1. the packages ---------------------------------------------------

do_dist() {
	_t=$(make -s -C "$TOP" dist | tail -n 1) || return 1
	TARBALL=$TOP/$_t
	[ -s "$TARBALL" ] || { echo "make dist made no $TARBALL"; return 1; }
	tar -tzf "$TARBALL" > "$OUT/dist.list"
	for _f in $(module_sources) dkms.conf perftop.4 \
		perftop.spec debian/control debian/rules perftop.service debian/perftop-dkms.perftop.service COPYING \
		tools/perftop/Makefile tools/perftop/main.c tools/perftop/profile.proto \
		tools/perftop/perftop.1; do
		grep -qx "perftop-$VERSION/$_f" "$OUT/dist.list" ||
			{ echo "tarball lacks $_f"; return 1; }
	done
	echo "$TARBALL"
}

do_man() {
	for _m in "$TOP/perftop.4" "$TOP/tools/perftop/perftop.1"; do
		mandoc -T lint -W warning "$_m" || return 1
		_w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$_m" 2>&1 > /dev/null)
		[ -z "$_w" ] || { echo "$_w"; return 1; }
	done
	echo "mandoc -T lint and man --warnings: clean"
}

do_deb() {
	rm -rf "$OUT/deb" && mkdir -p "$OUT/deb"
	tar -C "$OUT/deb" -xzf "$TARBALL"
	(cd "$OUT/deb/perftop-$VERSION" && dpkg-buildpackage -us -uc -b) || return 1
	DEB=$(ls "$OUT"/deb/perftop-dkms_*_all.deb) && [ -f "$DEB" ] &&
		CLI_DEB=$(ls "$OUT"/deb/perftop_*_"$(dpkg --print-architecture)".deb) && [ -f "$CLI_DEB" ]
}

do_deb_contents() {
	dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's#^\./#/#' > "$OUT/deb.list"
	cat "$OUT/deb.list"
	for _f in $(module_sources) dkms.conf; do
		grep -qx "/usr/src/perftop-$VERSION/$_f" "$OUT/deb.list" ||
			{ echo "no /usr/src/perftop-$VERSION/$_f"; return 1; }
	done
	grep -qx /lib/systemd/system/perftop.service "$OUT/deb.list" || { echo "no unit"; return 1; }
	grep -qx /usr/share/man/man4/perftop.4.gz "$OUT/deb.list" || { echo "no man page"; return 1; }
	dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - "./usr/src/perftop-$VERSION/dkms.conf" |
		grep -qx "PACKAGE_VERSION=\"$VERSION\"" || { echo "dkms.conf has no version $VERSION"; return 1; }
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./postinst > "$OUT/deb.postinst"
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./prerm > "$OUT/deb.prerm"
	grep -q 'common.postinst' "$OUT/deb.postinst" || { echo "postinst does not run dkms"; return 1; }
	grep -q "enable 'perftop.service'" "$OUT/deb.postinst" || { echo "postinst does not enable the unit"; return 1; }
	grep -q 'dkms remove' "$OUT/deb.prerm" || { echo "prerm does not run dkms remove"; return 1; }
	[ "$(dpkg-deb -f "$DEB" Architecture)" = all ] || { echo "not Architecture: all"; return 1; }
}

# The command's package: the binary and its man page, the libraries it
# links as dependencies, perftop-dkms recommended; and the binary runs.
do_cli_deb_contents() {
	dpkg-deb -c "$CLI_DEB" | awk '{print $6}' | sed 's#^\./#/#' > "$OUT/cli-deb.list"
	cat "$OUT/cli-deb.list"
	for _f in /usr/bin/perftop /usr/share/man/man1/perftop.1.gz \
		/lib/systemd/system/perftop-tables.service; do
		grep -qx "$_f" "$OUT/cli-deb.list" || { echo "no $_f"; return 1; }
	done
	# Enabled (it starts with perftop.service), not started on its own.
	dpkg-deb --ctrl-tarfile "$CLI_DEB" | tar -xOf - ./postinst > "$OUT/cli-deb.postinst"
	grep -q "enable 'perftop-tables.service'" "$OUT/cli-deb.postinst" ||
		{ echo "postinst does not enable perftop-tables.service"; return 1; }
	! grep -q "deb-systemd-invoke .*start.*perftop-tables" "$OUT/cli-deb.postinst" ||
		{ echo "postinst starts perftop-tables.service on its own"; return 1; }
	[ "$(dpkg-deb -f "$CLI_DEB" Architecture)" = "$(dpkg --print-architecture)" ] ||
		{ echo "not Architecture: $(dpkg --print-architecture)"; return 1; }
	_deps=$(dpkg-deb -f "$CLI_DEB" Depends)
	echo "Depends: $_deps"
	for _p in libc6 libdw1 libdebuginfod1 libprotobuf-c1 zlib1g; do
		echo "$_deps" | grep -q "\b$_p\b" || { echo "does not depend on $_p"; return 1; }
	done
	[ "$(dpkg-deb -f "$CLI_DEB" Recommends)" = perftop-dkms ] || { echo "does not recommend perftop-dkms"; return 1; }
	rm -rf "$OUT/cli-deb" && dpkg-deb -x "$CLI_DEB" "$OUT/cli-deb" || return 1
	"$OUT/cli-deb/usr/bin/perftop" --version | grep -qx "perftop $VERSION" ||
		{ echo "perftop --version does not say $VERSION"; return 1; }
}

do_lintian() {
	_c=$(ls "$OUT"/deb/perftop_*.changes) || return 1
	# --fail-on error,warning: exit status 0 means neither.
	lintian --fail-on error,warning --display-info "$_c" > "$OUT/lintian.out" 2>&1
	_rc=$?
	grep -v 'running with root privileges' "$OUT/lintian.out"
	echo "lintian $(dpkg-query -W -f='${Version}' lintian) on $(basename "$_c"):" \
		"$(grep -c '^E: ' "$OUT/lintian.out") errors, $(grep -c '^W: ' "$OUT/lintian.out") warnings," \
		"$(grep -c '^I: ' "$OUT/lintian.out") info"
	[ "$_rc" -eq 0 ]
}

do_rpm() {
	rm -rf "$OUT/rpm" && mkdir -p "$OUT/rpm/SOURCES"
	cp "$TARBALL" "$OUT/rpm/SOURCES/"
	tar -C "$OUT/rpm" -xzf "$TARBALL" "perftop-$VERSION/perftop.spec"
	# --nodeps: a Debian host has an empty rpm database (BuildRequires);
	# --load: nor has it systemd's rpm macros.
	rpmbuild -bb --nodeps --load "$TESTS/packages/rpm-systemd.macros" --define "_topdir $OUT/rpm" \
		"$OUT/rpm/perftop-$VERSION/perftop.spec" || return 1
	RPM=$(ls "$OUT"/rpm/RPMS/noarch/perftop-dkms-*.noarch.rpm) && [ -f "$RPM" ] &&
		CLI_RPM=$(ls "$OUT"/rpm/RPMS/"$(uname -m)"/perftop-"$VERSION"-*.rpm) && [ -f "$CLI_RPM" ]
}

do_rpm_contents() {
	rpm -qlp "$RPM" > "$OUT/rpm.list" || return 1
	cat "$OUT/rpm.list"
	for _f in $(module_sources) dkms.conf; do
		grep -qx "/usr/src/perftop-$VERSION/$_f" "$OUT/rpm.list" ||
			{ echo "no /usr/src/perftop-$VERSION/$_f"; return 1; }
	done
	grep -qx /usr/lib/systemd/system/perftop.service "$OUT/rpm.list" || { echo "no unit"; return 1; }
	grep -Eqx '/usr/share/man/man4/perftop\.4(\.gz|\.bz2|\.xz|\.zst)?' "$OUT/rpm.list" ||
		{ echo "no man page"; return 1; }
	rpm -qp --scripts "$RPM" > "$OUT/rpm.scripts" || return 1
	cat "$OUT/rpm.scripts"
	for _p in "dkms add -m perftop -v $VERSION --rpm_safe_upgrade" \
		"dkms build -m perftop -v $VERSION" "dkms install -m perftop -v $VERSION" \
		"dkms remove -m perftop -v $VERSION --all --rpm_safe_upgrade" \
		'systemctl --no-reload preset perftop.service' \
		'systemctl --no-reload disable --now perftop.service' \
		'systemctl try-restart perftop.service'; do
		grep -qF -- "$_p" "$OUT/rpm.scripts" || { echo "scriptlets lack: $_p"; return 1; }
	done
	for _s in postinstall preuninstall postuninstall; do
		grep -q "^$_s scriptlet" "$OUT/rpm.scripts" || { echo "no $_s scriptlet"; return 1; }
	done
	[ "$(rpm -qp --qf '%{ARCH}' "$RPM")" = noarch ] || { echo "not noarch"; return 1; }
	rpm -qpR "$RPM" | grep -qx dkms || { echo "does not require dkms"; return 1; }
}

do_cli_rpm_contents() {
	rpm -qlp "$CLI_RPM" > "$OUT/cli-rpm.list" || return 1
	cat "$OUT/cli-rpm.list"
	grep -qx /usr/bin/perftop "$OUT/cli-rpm.list" || { echo "no /usr/bin/perftop"; return 1; }
	grep -qx /usr/lib/systemd/system/perftop-tables.service "$OUT/cli-rpm.list" ||
		{ echo "no perftop-tables.service"; return 1; }
	grep -Eqx '/usr/share/man/man1/perftop\.1(\.gz|\.bz2|\.xz|\.zst)?' "$OUT/cli-rpm.list" ||
		{ echo "no man page"; return 1; }
	rpm -qpR "$CLI_RPM" > "$OUT/cli-rpm.requires" || return 1
	for _l in libdw.so.1 libdebuginfod.so.1 libprotobuf-c.so.1 libz.so.1; do
		grep -q "^$_l()" "$OUT/cli-rpm.requires" || { echo "does not require $_l"; return 1; }
	done
	rpm -qp --recommends "$CLI_RPM" | grep -qx "perftop-dkms = $VERSION-.*" ||
		{ echo "does not recommend perftop-dkms"; return 1; }
	rpm -qp --scripts "$CLI_RPM" > "$OUT/cli-rpm.scripts" || return 1
	for _p in 'systemctl --no-reload preset perftop-tables.service' \
		'systemctl --no-reload disable --now perftop-tables.service'; do
		grep -qF -- "$_p" "$OUT/cli-rpm.scripts" || { echo "scriptlets lack: $_p"; return 1; }
	done
}

do_rpmlint() {
	rpmlint -r "$TOP/perftop.rpmlintrc" "$RPM" "$CLI_RPM" "$TOP/perftop.spec" > "$OUT/rpmlint.out" 2>&1
	_rc=$?
	cat "$OUT/rpmlint.out"
	grep -E '^ *[0-9]+ packages? and [0-9]+ specfiles? checked' "$OUT/rpmlint.out" | sed 's/^ *//'
	grep -Eq 'checked; 0 errors' "$OUT/rpmlint.out" || { echo "rpmlint: errors"; return 1; }
	# rpmlint exits 64 on errors, 66 on badness over the threshold.
	[ "$_rc" -eq 0 ] || { echo "rpmlint exited $_rc"; return 1; }
}

# ---- 2. the root, the install -------------------------------------------

get_root() {
	_cached=$("$TESTS/packages/root.sh") || return 1
	say "copying $_cached"
	rm -rf "$OUT/root"
	cp -a "$_cached" "$OUT/root" || return 1
	ROOT=$OUT/root
	# The guest's check, run once at boot after multi-user.target.
	install -m 0755 "$TESTS/packages/guest.sh" "$ROOT/usr/local/sbin/perftop-pkgtest"
	cat > "$ROOT/etc/systemd/system/perftop-pkgtest.service" <<-EOF
		[Unit]
		Description=perftop package test (tests/packages/guest.sh)
		After=multi-user.target perftop.service

		[Service]
		Type=oneshot
		ExecStart=/usr/local/sbin/perftop-pkgtest
		StandardOutput=journal+console

		[Install]
		WantedBy=multi-user.target
	EOF
	in_root systemctl enable perftop-pkgtest.service || return 1
	in_root dkms status || return 1
	echo "root: $_cached"
}

# dkms_ok KERNEL: dkms says perftop is installed for KERNEL, and the .ko is there.
dkms_ok() {
	in_root dkms status -m perftop -v "$VERSION" -k "$1" | grep -q ': installed' ||
		{ echo "dkms status: perftop not installed for $1"; return 1; }
	ls "$ROOT/lib/modules/$1/updates/dkms/"perftop.ko* > /dev/null 2>&1 ||
		{ echo "no /lib/modules/$1/updates/dkms/perftop.ko"; return 1; }
}

# Nothing of perftop in dkms's tree, /usr/src or any kernel's modules.
# installed PACKAGE: dpkg says it is installed, fully configured.
installed() {
	[ "$(in_root dpkg-query -W -f '${Status}' "$1" 2>&1)" = "install ok installed" ] ||
		{ echo "$1 is not installed: $(in_root dpkg-query -W -f '${Status}' "$1" 2>&1)"; return 1; }
}

dkms_gone() {
	_st=$(in_root dkms status -m perftop) || { echo "dkms status failed"; return 1; }
	[ -z "$_st" ] || { echo "dkms still knows perftop: $_st"; return 1; }
	_left=$(cd "$ROOT" && ls -d lib/modules/*/updates/dkms/perftop.ko* usr/src/perftop-* var/lib/dkms/perftop 2>/dev/null)
	[ -z "$_left" ] || { echo "left behind: $_left"; return 1; }
	! grep -qs perftop "$ROOT"/lib/modules/*/modules.dep || { echo "perftop still in modules.dep"; return 1; }
}

do_dkms_make() {
	rm -rf "$ROOT/tmp/perftop-src" && mkdir -p "$ROOT/tmp/perftop-src"
	(cd "$TOP" && cp $(module_sources) dkms.conf "$ROOT/tmp/perftop-src/")
	in_root make -C /tmp/perftop-src dkms-install KERNELRELEASE="$OLD" || return 1
	dkms_ok "$OLD" || return 1
	in_root dkms status
	# Twice: a second dkms-install replaces the first.
	in_root make -C /tmp/perftop-src dkms-install KERNELRELEASE="$OLD" || return 1
	dkms_ok "$OLD" || return 1
	in_root make -C /tmp/perftop-src dkms-remove || return 1
	dkms_gone || return 1
	in_root make -C /tmp/perftop-src dkms-remove || return 1
	rm -rf "$ROOT/tmp/perftop-src"
	in_root depmod -a "$OLD"
	echo "make dkms-install, dkms-install again, dkms-remove, dkms-remove again: fine"
}

do_install() {
	cp "$DEB" "$ROOT/tmp/"
	in_root sh -c "cd /tmp && apt-get install -y --no-install-recommends ./$(basename "$DEB")" || return 1
	rm -f "$ROOT/tmp/$(basename "$DEB")"
	installed perftop-dkms || return 1
	in_root dkms status > "$OUT/dkms-status-before-upgrade.txt" || return 1
	cat "$OUT/dkms-status-before-upgrade.txt"
	dkms_ok "$OLD" || return 1
	[ "$(in_root systemctl is-enabled perftop.service)" = enabled ] ||
		{ echo "perftop.service is not enabled"; return 1; }
	[ -f "$ROOT/usr/share/man/man4/perftop.4.gz" ] || { echo "no man page"; return 1; }
}

# The perftop command (its .deb, with the libraries it needs from the
# mirror) and its test workload (a PIE and a library whose debug file is in
# /usr/lib/debug/.build-id), for the checks in the booted root.
do_install_cli() {
	cp "$CLI_DEB" "$ROOT/tmp/"
	in_root sh -c "cd /tmp && apt-get install -y --no-install-recommends ./$(basename "$CLI_DEB")" ||
		return 1
	rm -f "$ROOT/tmp/$(basename "$CLI_DEB")"
	installed perftop || return 1
	[ "$(in_root systemctl is-enabled perftop-tables.service)" = enabled ] ||
		{ echo "perftop-tables.service is not enabled"; return 1; }
	make -s -C "$TOP/tools/perftop" O="$OUT/cli-build" install-testprogs DESTDIR="$ROOT" || return 1
	install -m 0755 "$TOP/tools/perftop/tests/guest-cli.sh" "$ROOT/usr/local/sbin/perftop-clitest"
	in_root perftop --version
}

do_upgrade() {
	in_root apt-get install -y --no-install-recommends \
		"linux-image-$NEW" "linux-headers-$NEW" > "$OUT/upgrade.out" 2>&1 ||
		{ tail -n 20 "$OUT/upgrade.out"; echo "apt-get install of $NEW failed"; return 1; }
	installed "linux-image-$NEW" || return 1
	installed perftop-dkms || return 1
	in_root dkms status > "$OUT/dkms-status-after-upgrade.txt" || return 1
	cat "$OUT/dkms-status-after-upgrade.txt"
	dkms_ok "$NEW" || return 1
	dkms_ok "$OLD" || return 1
}

do_remove() {
	in_root dpkg -L perftop-dkms > "$OUT/deb-installed.list" || return 1
	in_root apt-get remove -y perftop-dkms || return 1
	_st=$(in_root dpkg-query -W -f '${Status}' perftop-dkms)
	[ "$_st" = "deinstall ok config-files" ] || [ "$_st" = "deinstall ok not-installed" ] ||
		{ echo "perftop-dkms after apt remove: $_st"; return 1; }
	dkms_gone || return 1
	# Every file the package had is gone (its directories may be shared).
	while IFS= read -r _f; do
		[ -d "$ROOT$_f" ] || [ ! -e "$ROOT$_f" ] || { echo "left behind: $_f"; return 1; }
	done < "$OUT/deb-installed.list"
	# And purge drops the unit's enablement state too.
	in_root apt-get purge -y perftop-dkms || return 1
	_st=$(in_root dpkg-query -W -f '${Status}' perftop-dkms 2> /dev/null)
	case $_st in
	"" | *" not-installed") ;;
	*) echo "perftop-dkms after apt purge: $_st"; return 1 ;;
	esac
	# The perftop package stays, and its unit's enablement with it (a link
	# in perftop.service.wants, harmless without perftop.service) ...
	_left=$(find "$ROOT/etc" -name 'perftop*' ! -name 'perftop-pkgtest*' \
		! -path '*/perftop.service.wants' ! -path '*/perftop.service.wants/perftop-tables.service' \
		2>/dev/null)
	[ -z "$_left" ] || { echo "left behind after purge: $_left"; return 1; }
	# ... until it is purged too.
	in_root apt-get purge -y perftop || return 1
	_left=$(find "$ROOT/etc" -name 'perftop*' ! -name 'perftop-pkgtest*' 2>/dev/null)
	[ -z "$_left" ] || { echo "left behind after purging perftop too: $_left"; return 1; }
	echo "dkms status: empty; no perftop.ko in any kernel, no /usr/src/perftop-*"
}

# ---- 3. booting ---------------------------------------------------------

# boot_check KERNEL: an ext4 image of the root, booted with KERNEL under
# systemd (tests/lib.sh's boot); the guest's PASS/FAIL lines, then the
# host's verdict on the boot, then the host's check of the page it saved.
boot_check() {
	_k=$1 _tag="[$1]"
	_run=$OUT/boot-$_k
	rm -rf "$_run" && mkdir -p "$_run"
	say "[$(elapsed)] making the disk image for $_k"
	_mb=$(du -sm "$ROOT" | cut -f1)
	if ! mkfs.ext4 -q -F -L perftop-root -d "$ROOT" "$OUT/disk-$_k.img" "$((_mb * 5 / 4 + 512))M" \
		> "$LOGS/mkfs-$_k.log" 2>&1; then
		echo "FAIL packages $_tag: boot: mkfs.ext4 -d failed: $(tail -n 1 "$LOGS/mkfs-$_k.log")"
		return
	fi
	say "[$(elapsed)] booting $_k (TCG, systemd; console: $_run/console.log)"
	BOOT_RUNDIR=$_run BOOT_MEM=1536 BOOT_DISK=$OUT/disk-$_k.img
	BOOT_VMLINUZ=$ROOT/boot/vmlinuz-$_k BOOT_INITRD=$ROOT/boot/initrd.img-$_k
	boot "$_k" packages 2 "$BOOT_TIMEOUT" root=/dev/vda rw
	unset BOOT_RUNDIR BOOT_MEM BOOT_DISK BOOT_VMLINUZ BOOT_INITRD
	rm -f "$OUT/disk-$_k.img"
	sed -n 's/^INFO /  /p' "$_run/results.txt" | tr -d '\r' >&2
	sed -n 's/^INFO //p' "$_run/results.txt" | tr -d '\r' > "$OUT/guest-$_k.txt"
	boot_report "packages $_tag:" packages
	report_check "$_k" "$_run"
}

# The page the guest saved (its "PAGE " lines), symbolised on the host
# against the root as the sysroot: "perftop report" names the stock
# programs' frames offline.
report_check() {
	_t="packages [$1]: perftop report --input (saved page) --sysroot (the root)"
	sed -n 's/^PAGE //p' "$2/results.txt" | tr -d '\r' > "$2/perftop_all.txt"
	[ -s "$2/perftop_all.txt" ] || { echo "FAIL $_t: the guest saved no page"; return; }
	# liblzma's busy functions are internal (no symbol in a stripped
	# library): they stay object + offset; libc's system call wrappers have
	# names in .dynsym.
	if "$OUT/cli-deb/usr/bin/perftop" report --input "$2/perftop_all.txt" --sysroot "$ROOT" \
		-n 100 > "$2/report.txt" 2> "$2/report.err" &&
		grep -Eq '^  #[0-9]+ [A-Za-z_][A-Za-z0-9_.]*(\+0x[0-9a-f]+)? \(libc\.so\.6\)' "$2/report.txt" &&
		grep -q 'liblzma\.so\.5' "$2/report.txt"; then
		echo "PASS $_t"
	else
		echo "FAIL $_t: $(head -n 3 "$2/report.err" "$2/report.txt" | tr '\n' ' ')"
	fi
	# python3's stacks whole and named: a complete rank of python3 through
	# _PyEval_EvalFrameDefault (python3.11 exports it: its .dynsym) down to
	# libc's __libc_start_main, as nm names them.
	_t="packages [$1]: perftop report: a whole python3 stack, named"
	if "$OUT/cli-deb/usr/bin/perftop" report --input "$2/perftop_all.txt" --sysroot "$ROOT" \
		-n 1000 > "$2/report-all.txt" 2>&1 &&
		awk '/^rank / { if (ok) exit 0; keep = / stack=complete / && / comm=python3$/; e = l = 0; next }
			keep && / _PyEval_EvalFrameDefault \(python3\.11\)$/ { e = 1 }
			keep && / __libc_start_main[@A-Z_.0-9]* \(libc\.so\.6\)$/ { l = 1 }
			{ ok = keep && e && l }
			END { exit !ok }' "$2/report-all.txt"; then
		echo "PASS $_t"
	else
		echo "FAIL $_t: $(grep -m1 -A12 ' comm=python3$' "$2/report-all.txt" | tr '\n' ' ')"
	fi
	# The same page as a flame graph, for people to look at.
	"$OUT/cli-deb/usr/bin/perftop" report --input "$2/perftop_all.txt" --sysroot "$ROOT" \
		--svg "$2/flamegraph.svg" > /dev/null 2>&1 &&
		timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
			--disable-component-update --disable-sync --no-first-run \
			--user-data-dir="$(mktemp -d "$2/chromium.XXXXXX")" --window-size=1200,320 \
			--screenshot="$OUT/flamegraph-$1.png" "file://$2/flamegraph.svg" > /dev/null 2>&1 &&
		say "flame graph of the booted root's workload: $OUT/flamegraph-$1.png"
}

# ---- main ----------------------------------------------------------------

main() {
	rm -rf "$LOGS" && mkdir -p "$LOGS"
	# shellcheck disable=SC2046 # two words: the old and the new kernel
	set -- $("$TESTS/packages/root.sh" kernels)
	OLD=$1 NEW=$2
	TARBALL=

	step "make dist: source tarball" dist do_dist || return
	step "perftop.4, perftop.1: mandoc -T lint and man --warnings clean" man do_man
	if step "deb: dpkg-buildpackage -us -uc -b (out of tree)" deb do_deb; then
		step "deb: sources, dkms.conf, unit, man page, dkms and systemd scripts" deb-contents do_deb_contents
		step "deb: perftop: the command, its man page, library dependencies" cli-deb-contents do_cli_deb_contents
		if [ "$MODE" != build ]; then
			step "deb: lintian, no errors or warnings" lintian do_lintian
			sed -n '/^lintian /p' "$LOGS/lintian.log" >&2
		fi
	fi
	if step "rpm: rpmbuild -bb from the make dist tarball" rpm do_rpm; then
		step "rpm: sources, dkms.conf, unit, man page, dkms and systemd scriptlets" rpm-contents do_rpm_contents
		step "rpm: perftop: the command, its man page, library dependencies" cli-rpm-contents do_cli_rpm_contents
		if [ "$MODE" != build ]; then
			step "rpm: rpmlint, no errors" rpmlint do_rpmlint
			grep -E '^[0-9]+ packages? and .*checked;' "$LOGS/rpmlint.log" >&2
		fi
	fi
	[ -n "$DEB" ] || return
	[ "$MODE" = build ] && return

	step "root: Debian 12 with systemd, $OLD image and headers, dkms" root get_root || return
	step "make dkms-install / dkms-remove in the root ($OLD)" dkms-make do_dkms_make
	step "apt install ./perftop-dkms: DKMS builds and installs for $OLD, unit enabled" install do_install || return
	step "apt install ./perftop: the command and its libraries; its test workload" install-cli do_install_cli
	say "dkms status before the upgrade:"
	sed 's/^/  /' "$OUT/dkms-status-before-upgrade.txt" >&2
	boot_check "$OLD"

	step "kernel upgrade: apt install $NEW image and headers, DKMS builds for it" upgrade do_upgrade || return
	say "dkms status after the upgrade:"
	sed 's/^/  /' "$OUT/dkms-status-after-upgrade.txt" >&2
	boot_check "$NEW"

	step "apt remove perftop-dkms: no module, source or dkms state left" remove do_remove
}

# "run.sh build": step 1 only, without the lints (the clean room's check,
# tests/cleanroom/run.sh).
MODE=${1:-all}
mkdir -p "$OUT"
main
say "[$(elapsed)] packages: done"
