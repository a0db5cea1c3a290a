#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh -- build the fuzz targets, replay tests/fuzz/regressions/, then run
# each target for SECONDS on a copy of its seed corpus. Prints per target
# the executions, executions per second, and OK or the crash file.
# Usage: tests/fuzz/run.sh [SECONDS=60] [TARGET...]
# Environment: FUZZ_OUT (build and log dir, default build-fuzz), FUZZ_JOBS
# (targets run at once, default 1), FUZZ_ARGS (more libFuzzer flags).
# Exits 1 if any target crashed or a regression input failed.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"scenario parsers config hist response h2 router data template jsonptr cookie histsql sse push"}
out=${FUZZ_OUT:-build-fuzz}
jobs=${FUZZ_JOBS:-1}

"$top/tests/fuzz/build.sh" "$out" >&2 || exit 1
out=$(cd "$out" && pwd)
mkdir -p "$out/logs" "$out/crashes"
work=$(mktemp -d "${TMPDIR:-/tmp}/loadd-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

# Run one target; its summary line goes to $work/NAME.result.
run_one() {
	name=$1
	bin=$out/fuzz-$name
	log=$out/logs/$name.log
	reg=$top/tests/fuzz/regressions/$name
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if ! "$bin" -runs=1 "$reg"/* > "$out/logs/$name.regress.log" \
		    2>&1; then
			printf '%-10s REGRESSION FAILED (see %s)\n' "$name" \
			    "$out/logs/$name.regress.log" > "$work/$name.result"
			return
		fi
	fi
	mkdir -p "$work/$name"
	cp "$top/tests/fuzz/corpus/$name"/* "$work/$name"/ 2>/dev/null
	# shellcheck disable=SC2086
	TMPDIR=$work "$bin" -max_total_time="$secs" -print_final_stats=1 \
	    -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix="$out/crashes/$name-" \
	    ${FUZZ_ARGS:-} "$work/$name" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
	    tail -1)
	if [ $rc -eq 0 ] && [ -z "$crash" ]; then
		verdict=OK
	elif [ -n "$crash" ]; then
		verdict="CRASH $crash (log $log)"
	else
		verdict="FAILED rc=$rc (log $log)"
	fi
	printf '%-10s %10s execs %8s exec/s  %s\n' "$name" "${execs:-?}" \
	    "${rate:-?}" "$verdict" > "$work/$name.result"
}

running=0
for t in $targets; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

status=0
for t in $targets; do
	cat "$work/$t.result"
	grep -q ' OK$' "$work/$t.result" || status=1
done
exit $status
