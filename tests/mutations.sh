#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The suite's strength, proved: each mutation plants one defect in a copy of
# the tree, runs the part of the guest suite that should see it on
# KERNEL_DEFAULT (or, for "@SUITE[:TESTS]", that suite of tests/run), and passes only
# if that part fails where it should.
#   tests/mutations.sh NAME     one mutation (tests/run runs them all)
#   tests/mutations.sh list     their names
# Prints "PASS mutation NAME: caught by TEST" or "FAIL mutation NAME: why".
set -u
. "$(dirname "$0")/lib.sh"

# NAME|FILES|SED EXPRESSION|TESTS TO RUN|TEST THAT MUST FAIL[|VAR=VALUE ... for tests/run]
# (the expression must change each of the FILES)
MUTATIONS='read-frees-nothing|procfs.c|0,/\t\.proc_release\t= perftop_release,/s///|memory_returns|memory_returns
refused-load-leaks|perftop.c|/^err_tables:/{n;n;s/perftop_tables_free();/;/}|refused_loads_leave_nothing|refused_loads_leave_nothing
suite-stops-early|tests/guest/suite.sh|s/^suite_guest() { run_plan guest; }/suite_guest() { run load_unload; exit 0; }/|load_unload,format|suite-completed
slice-charged-twice|probe.c|s/^\t\ts->ticks += delta;/\t\ts->ticks += 2 * delta;/|accuracy|accuracy
gap-not-counted|probe.c|s/^\tt->gap_ticks += now > start ? now - start : 0;/\t;/|gap_kprobes_disabled|gap_kprobes_disabled
kernel-address-in-decimal|procfs.c|s/\tseq_printf(m, "# drains=/\tseq_printf(m, "# at=%lu\\n", (unsigned long)\&perftop_kp);\n&/|no_kernel_addresses|no_kernel_addresses
tick-split-off|perftop.c|s/^static bool tick_split __ro_after_init = true;/static bool tick_split __ro_after_init;/|tick_phases_alone,tick_nap_compute,tick_kthread|tick_phases_alone|SMP_ACCURACY=1'
# Not in "list" (make check): CI's time.  tests/mutations.sh NAME runs it.
EXTRA='deps-without-multilib|.ci/deps.sh|s/ gcc-multilib / /|@cleanroom:tools|cleanroom: the test programs
no-self-check|perftop.c|s/^\tif (switches >= 16 \&\& gaps \* 2 > switches) {/\tif (!switches \&\& gaps) {/|wrong_prev_refused|wrong_prev_refused
anon-frame-unmasked|resolve.c|s/^\t\treturn PERFTOP_FRAME_ANON . (off \& PERFTOP_FRAME_ANON_VALUE);/\t\treturn ((u64)PERFTOP_OBJ_ANON << PERFTOP_FRAME_OBJ_SHIFT) + off;/|la57_high_frames|la57_high_frames|SMP_ACCURACY=1
new-mm-not-drained|probe.c|s/^\tpc->mm_seen\[i\].maps = maps;$/&\n\treturn false;/|short_processes_named|short_processes_named
tick-half-to-one-side|probe.c|s/^\t\thalf = pc->head ? 0 : min(now - pc->start, tick_period) \/ 2;/\t\thalf = 0;/|tick_kthread|tick_kthread|SMP_ACCURACY=1
slot-pins-address-space|probe.c table.c|s/mmgrab(key->mm);/mmget(key->mm);/;s/mmdrop(s->key.mm);/mmput(s->key.mm);/|exe_released_at_exit,memory_freed_at_exit|exe_released_at_exit
drain-reads-files|resolve.c|s/^\twhile (len) {$/\tif (kernel_read(file, buf, len, \&pos) == len)\n\t\treturn 0;\n&/|slow_file_no_hang|slow_file_no_hang
tick-walk-ends-short|probe.c|s/^\t     (state.sp != (unsigned long)task_pt_regs(current) \&\&$/\t     (0 \&\&/|tick_kthread|tick_kthread|SMP_ACCURACY=1
drain-ipis-carried|table.c|s/^\treturn READ_ONCE(t->switches) .. READ_ONCE(t->used) > READ_ONCE(t->carried) ..$/\treturn READ_ONCE(t->used) > 0 \d124\d124/|no_ipi_without_news|no_ipi_without_news
reads-drain-always|table.c|s/^\tif (at \&\& start - at < PERFTOP_MIN_DRAIN_MS \* NSEC_PER_MSEC)$/\tif (0 \&\& at \&\& start - at < PERFTOP_MIN_DRAIN_MS * NSEC_PER_MSEC)/;s/^\tif (totals.read_drained_at \&\&$/\tif (0 \&\& totals.read_drained_at \&\&/|reads_rate_limited|reads_rate_limited
user-worker-as-user|compat.h|s/^#define PERFTOP_NOT_USER\t(PF_KTHREAD . PF_IO_WORKER . PF_USER_WORKER)/#define PERFTOP_NOT_USER\t(PF_KTHREAD + PF_IO_WORKER)/|vhost_worker_is_kernel|vhost_worker_is_kernel|KERNELS=6.12.107+deb12-amd64
lockdown-ignored|procfs.c|s/^\tret = security_locked_down(LOCKDOWN_PERF);/\tret = 0;/|lockdown_refuses|lockdown_refuses
room-refuses-newcomers|table.c|s/^\t\tvictim = rb_entry(rb_first(\&room), struct perftop_entry, snode);/\t\tvictim = rb_entry(rb_first(\&room), struct perftop_entry, snode);\n\t\tif (perftop_ss(victim) > weight)\n\t\t\treturn NULL;/|late_heavy_ranks|late_heavy_ranks
objects-never-freed|resolve.c|s/^\tif (!o->refs .. !--o->refs)$/\tif (0)/|objects_come_and_go|objects_come_and_go
object-per-ctime|resolve.c|s/^\t\t    o->generation == inode->i_generation) {/\t\t    o->generation == inode->i_generation \&\& o->ctime == ctime) {/|objects_come_and_go|objects_come_and_go
snapshot-per-read|procfs.c|s/ = smp_load_acquire(\&file->private_data);/ = NULL;/;s/^\tif (file->private_data) {/\tif (0) {/|one_snapshot_per_open|one_snapshot_per_open
read-drains-in-reader|table.c|s/^\tqueue_work(system_wq, \&perftop_read_work);/\tperftop_read_work_fn(NULL);/|names_from_host_root|names_from_host_root
module-frames-unnamed|table.c|s/^\t\t\tif (!within_module_core(e->key->frames\[i\], mod))$/\t\t\tif (1)/|unloaded_module_named|unloaded_module_named
flip-start-skipped|probe.c|s/^\tif (!pc->task)$/\tif (0)/|running_at_load|running_at_load
late-kick-left-running|perftop.c|/^\t\tirq_work_sync(/{n;s/^\tcancel_work_sync(\&perftop_kicked);/\t;/}|unload_waits_for_late_kick|unload_waits_for_late_kick
self-check-misses-drained|perftop.c|s/^\t\*switches = totals.switches;$/\t*switches = 0;/;s/^\t\*gaps = totals.gaps;$/\t*gaps = 0;/|wrong_prev_refused|wrong_prev_refused
ehtab-reads-past-section|tools/perftop/ehtab.c|s/^\tif (r->bad .. (size_t)(r->end - r->p) < n) {$/\tif (r->bad) {/|@cli|cli: unwind tables: [0-9]+ mutated .eh_frame per file under ASan/UBSan
ehtab-state-stack-unbounded|tools/perftop/ehtab.c|s/^\t\t\tif (depth == EH_MAX_STATES)$/\t\t\tif (0)/|@cli|cli: unwind tables: [0-9]+ mutated .eh_frame per file under ASan/UBSan
ehtab-offset-register-misread|tools/perftop/ehtab.c|/DW_CFA_offset \*\/$/{n;s/^\t\t\treg = op \& 0x3f;$/\t\t\treg = rd_uleb(\&r);/}|@cli|cli: unwind tables: rules match libdw at every address
ehtab-cfa-offset-off|tools/perftop/ehtab.c|s/^\t\t\*cfa_off = s->cfa_off \/ 8;$/\t\t*cfa_off = s->cfa_off \/ 8 + (s->cfa_off > 64);/|@cli|cli: unwind tables: rules match libdw at every address
unwind-rbp-not-restored|unwind.h|s/^\t\tregs->bp = bp;$/\t\t;/|@cli|cli: unwind: stopped python3, xz, sha256sum, unwindprog walked with the tables as eu-stack walks them, whole
unwind-row-at-return-address|unwind.h|s/^\treturn first ? regs->pc : regs->pc - 1;$/\treturn first ? regs->pc : regs->pc;/|@cli|cli: unwind: stopped python3, xz, sha256sum, unwindprog walked with the tables as eu-stack walks them, whole
uw-rows-unchecked|uwtab.c|s/^\t\tif (perftop_uw_check_rows(t->rows, h.nrows)) {$/\t\tif (0) {/|unwind_tables,unwind_fuzz|unwind_tables
uw-header-unchecked|uwtab.c|s/^\tif (perftop_uw_check_header(\&h) ..$/\tif (0 \d124\d124/|unwind_fuzz|unwind_fuzz
uw-no-eviction|uwtab.c|s/^\twhile (perftop_uw_bytes + new->bytes > limit) {$/\twhile (0 \&\& perftop_uw_bytes + new->bytes > limit) {/|unwind_limit|unwind_limit
uw-open-uncapped|uwtab.c|s/^\tif (!capable(CAP_SYS_ADMIN))$/\tif (0)/|unwind_tables|unwind_tables
tables-build-id-unchecked|tools/perftop/upload.c|s/^\tif (want \&\& strcmp(want, idhex)) {$/\tif (0 \&\& want) {/|unwind_tables|unwind_tables
compat-walked-as-64|probe.c|s/^\tbool compat = !user_64bit_mode(regs);$/\tbool compat = false;/|compat32|compat32
tables-unused|probe.c|s/^\tif (!compat) {$/\tif (false) {/|unwind_stacks|unwind_stacks
arena-unbounded|probe.c|s/^\tif (t->arena_used + key->nr > arena_size)$/\tif (0)/|deep_stacks|deep_stacks
views-kept|uwtab.c|s/^\t\tperftop_view_make_locked(m);$/\t\t;/|unwind_views|unwind_views
binaries-unused|probe.c|s/^\t\tn = perftop_uw_first(tsk->mm, first);$/\t\tn = 0;/|unwind_first|unwind_first
binaries-unchecked|probe.c|s/^\t\tif (j < p->tab->build_id_len) {$/\t\tif (0) {/|unwind_first|unwind_first
leader-read-after-release|probe.c|s/^\t\t\t  (pid_alive(tsk) ? READ_ONCE(tsk->group_leader)->start_time : 0);$/\t\t\t  tsk->group_leader->start_time;/|@debug:leader_exits_first|console-clean
memos-expire-live|resolve.c|s/^\t\t\t    !atomic_read(\&m->mm->mm_users)))$/\t\t\t    1))/|unwind_daemon|unwind_daemon
disk-room-unchecked|tests/lib.sh|s/^\t\tif \[ -z "\$_free" \] .. \[ "\$_free" -lt "\$_need" \]; then$/\t\tif false; then/|@static|disk
ehtab-entry-misplaced|tools/perftop/ehtab.c|s/^\tif (add_row(b, entry, \&end))$/\tif (add_row(b, entry + 1, \&end))/|@cli|cli: unwind tables: rules match libdw at every address'

field() { printf '%s\n%s\n' "$MUTATIONS" "$EXTRA" | awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f }'; }

case ${1:-} in
list) printf '%s\n' "$MUTATIONS" | cut -d'|' -f1; exit 0 ;;
"") die "usage: tests/mutations.sh NAME|list" ;;
esac
name=$1
file=$(field "$name" 2) expr=$(field "$name" 3) tests=$(field "$name" 4) must=$(field "$name" 5)
vars=$(field "$name" 6)
[ -n "$file" ] || die "no mutation $name"
tag="mutation $name"
dir=$BUILD/mutants/$name
rm -rf "$dir" && mkdir -p "$dir/tree"
(cd "$TOP" && git ls-files -z | xargs -0 tar -cf - | tar -C "$dir/tree" -xf -) ||
	{ echo "FAIL $tag: cannot copy the tree"; exit 0; }
: > "$dir/mutation.diff"
for f in $file; do
	sed -i "$expr" "$dir/tree/$f"
	if cmp -s "$TOP/$f" "$dir/tree/$f"; then
		echo "FAIL $tag: the mutation no longer applies to $f"
		exit 0
	fi
	diff -u "$TOP/$f" "$dir/tree/$f" >> "$dir/mutation.diff"
done
# The kernels and roots are shared; builds and results are the mutant's (and
# so is the clean room's root: a mutant's .ci/deps.sh is another).
suite=guest
case $tests in @*:*) suite=${tests%%:*} suite=${suite#@} tests=${tests#*:} ;; @*) suite=${tests#@} tests='' ;; esac
# shellcheck disable=SC2086 # vars: words on purpose
env PERFTOP_CACHE="$CACHE" PERFTOP_BUILD="$dir/build" KERNELS="$KERNEL_DEFAULT" SMP_ACCURACY= \
	SMP_MIGRATE= JOBS=1 PT_TESTS="$tests" CLEANROOM_CACHE=cleanroom-mutant $vars \
	"$dir/tree/tests/run" "$suite" > "$dir/run.log" 2>&1
failed="^FAIL (\[[^]]*\] )?$must(\[[^]]*\]| \([^)]*\))?:"
if grep -Eq "$failed" "$dir/build/results.txt"; then
	echo "PASS $tag: caught by $must ($(grep -Em1 "$failed" "$dir/build/results.txt" |
		sed -E "s/^FAIL (\[[^]]*\] )?//" | cut -c1-140))"
else
	echo "FAIL $tag: $must did not fail (see $dir/run.log)"
fi
