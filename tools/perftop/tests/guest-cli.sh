#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The perftop command in a booted Debian 12, with the real module: run
# inside the guest, as root.  Prints "PASS perftop: name" or
# "FAIL perftop: name: why" per check on stdout, nothing else (no "INFO DONE":
# the caller's own end marker stays the last word); exits 1 on a failure.
#
# Expects installed:
#   - the perftop .deb (/usr/bin/perftop) and perftop-dkms, the module
#     loaded or loadable (systemctl start perftop);
#   - the test workload, from the tree:
#       make -C tools/perftop install-testprogs DESTDIR=ROOT
#     which puts ptdemo (PIE, with symbols) in /usr/local/bin, libptdemo.so
#     (stripped) in /usr/local/lib and its debug file in
#     /usr/lib/debug/.build-id/XX/REST.debug;
#   - debuginfod (the Debian package: debuginfod and debuginfod-find) and
#     tmux.
# Runs ptdemo itself.  The debug file is moved away for two checks and put
# back.  Environment: PERFTOP_PROC, another file than /proc/perftop_all
# (to try this script against a fixture page; the default is the module).
set -u
PROC=${PERFTOP_PROC:-/proc/perftop_all}
LIB=/usr/local/lib/libptdemo.so
T=$(mktemp -d /tmp/perftop-guest.XXXXXX)
SOCKET=perftop-guest-$$
DEBUG=
WORKLOAD=
SERVER=
# Never a cache or servers from outside.
unset DEBUGINFOD_URLS
export DEBUGINFOD_CACHE_PATH="$T/cache"

pass() { echo "PASS perftop: $1"; }
fail() { echo "FAIL perftop: $1: $2"; }

cleanup() {
	tmux -L "$SOCKET" kill-server 2> /dev/null
	[ -z "$WORKLOAD" ] || kill "$WORKLOAD" 2> /dev/null
	[ -z "$SERVER" ] || kill "$SERVER" 2> /dev/null
	[ -z "$DEBUG" ] || [ ! -f "$T/saved.debug" ] || mv "$T/saved.debug" "$DEBUG"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# perftop with the page source of this run; output in $T/out.
pt() { perftop --proc "$PROC" -n 1000 > "$T/out" 2> "$T/err"; }

# A frame of the workload named as perftop names it: "ptd_spin (libptdemo.so)"
# (stacks merged by function, the default), or "ptd_spin+0x.. (libptdemo.so)".
named() { grep -qE "^  #[0-9]+ $1(\+0x[0-9a-f]+)? \($2\)$" "$T/out"; }

setup() {
	for _c in perftop ptdemo debuginfod debuginfod-find tmux; do
		command -v "$_c" > /dev/null || { WHY="no $_c installed"; return 1; }
	done
	if [ ! -e "$PROC" ]; then
		systemctl start perftop 2> /dev/null || modprobe perftop 2> /dev/null
	fi
	[ -r "$PROC" ] || { WHY="no $PROC (module not loaded, or older than 0.2)"; return 1; }
	# Three seconds in ptd_spin, charged at every preemption.
	ptdemo 3 || { WHY="ptdemo failed"; return 1; }
	# The library's build-id as the module recorded it gives its debug file.
	_id=$(sed -n "s|^# object build-id=\([0-9a-f]*\) $LIB\$|\1|p" "$PROC" | head -n 1)
	[ -n "$_id" ] || { WHY="$PROC names no $LIB"; return 1; }
	ID=$_id
	DEBUG=/usr/lib/debug/.build-id/$(echo "$_id" | cut -c1-2)/$(echo "$_id" | cut -c3-).debug
	[ -f "$DEBUG" ] || { WHY="no $DEBUG"; return 1; }
}

names() {
	pt || { WHY="perftop: exit $?: $(cat "$T/err")"; return 1; }
	named ptd_spin libptdemo.so && named ptd_inner libptdemo.so && named ptd_run libptdemo.so &&
		named ptdemo_work ptdemo && named main ptdemo ||
		{ WHY="the workload's frames are not all named: $(grep -m3 libptdemo "$T/out" | tr '\n' '|')"; return 1; }
}

# The debug file away: its static functions are object+offset, never guessed.
fallback() {
	mv "$DEBUG" "$T/saved.debug"
	pt || { WHY="perftop: exit $?: $(cat "$T/err")"; return 1; }
	grep -qE "^  #[0-9]+ $LIB\+0x[0-9a-f]+$" "$T/out" || { WHY="no $LIB+0x... frame"; return 1; }
	! grep -qE 'ptd_spin|ptd_inner' "$T/out" || { WHY="static functions named without debug info"; return 1; }
}

# The debug file served by a local debuginfod, and only there.
debuginfod_names() {
	mkdir -p "$T/srv" && cp "$T/saved.debug" "$T/srv/libptdemo.debug"
	for _port in 18002 18003 18004 18005 18006 18007 18008 18009; do
		debuginfod -F -p "$_port" -d "$T/db.sqlite" "$T/srv" > "$T/debuginfod.log" 2>&1 &
		SERVER=$!
		sleep 1
		kill -0 "$SERVER" 2> /dev/null && break
		SERVER=
	done
	[ -n "$SERVER" ] || { WHY="debuginfod did not start: $(tail -n 1 "$T/debuginfod.log")"; return 1; }
	_url=http://127.0.0.1:$_port
	# Until it has indexed the file (a cache per try: misses are remembered).
	_i=0
	until DEBUGINFOD_URLS=$_url DEBUGINFOD_CACHE_PATH=$T/probe debuginfod-find debuginfo "$ID" \
		> /dev/null 2>&1; do
		rm -rf "$T/probe"
		_i=$((_i + 1))
		[ "$_i" -lt 120 ] || { WHY="debuginfod at $_url never served $ID"; return 1; }
		sleep 0.5
	done
	export DEBUGINFOD_URLS="$_url"
	pt
	_rc=$?
	unset DEBUGINFOD_URLS
	[ "$_rc" = 0 ] || { WHY="perftop: exit $_rc: $(cat "$T/err")"; return 1; }
	named ptd_spin libptdemo.so && named ptd_inner libptdemo.so ||
		{ WHY="not named through $_url"; return 1; }
}

# perftop -d 1 in a terminal: draws ranks, q exits 0.  The host's test
# (run.sh) holds the first draw to the interval; here the emulated guest
# shares the host with other boots, and 60 s only catches a hang.
live() {
	ptdemo 60 &
	WORKLOAD=$!
	tmux -L "$SOCKET" -f /dev/null new-session -d -s live -x 160 -y 40 \
		"perftop -d 1 --proc '$PROC'; echo \$? > '$T/live.rc'" || { WHY="tmux failed"; return 1; }
	_i=0
	until tmux -L "$SOCKET" capture-pane -p -t live 2> /dev/null | tee "$T/screen" |
		grep -qE '^ +1 +[0-9.]+ +[0-9.]+ [mu]?s +[0-9]+  '; do
		_i=$((_i + 1))
		[ "$_i" -lt 600 ] || { WHY="no rank within 60 s: $(head -n 6 "$T/screen" | tr '\n' '|')"; return 1; }
		sleep 0.1
	done
	tmux -L "$SOCKET" send-keys -t live q
	_i=0
	until [ -s "$T/live.rc" ]; do
		_i=$((_i + 1))
		[ "$_i" -lt 600 ] || { WHY="q did not end it in 60 s"; return 1; }
		sleep 0.1
	done
	[ "$(cat "$T/live.rc")" = 0 ] || { WHY="exit status $(cat "$T/live.rc") after q"; return 1; }
}

# check NAME FUNCTION: one line; FUNCTION sets WHY when it fails.
check() {
	WHY=
	if "$2"; then
		pass "$1"
	else
		fail "$1" "${WHY:-failed}"
		return 1
	fi
}

FAILED=0
if check "setup: module, workload ran, its build-id and debug file" setup; then
	check "names the workload's functions (split debug file in /usr/lib/debug/.build-id)" names || FAILED=1
	check "without the debug file and DEBUGINFOD_URLS: object+offset" fallback || FAILED=1
	check "debug file removed, names from a local debuginfod on 127.0.0.1" debuginfod_names || FAILED=1
	check "perftop -d 1 under tmux: draws ranks, q exits 0" live || FAILED=1
else
	FAILED=1
fi
exit "$FAILED"
