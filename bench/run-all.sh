#!/bin/bash
# run-all.sh [OUTDIR] -- every benchmark in turn (never two at once: the
# machine is small), each output kept in OUTDIR/NAME.txt (default
# /tmp/loadd-bench-results-DATE). About 15 minutes on 2 cores.
# Each script stops what it started; this one only runs them in sequence.
# The environment passes through (LOADD_BUILD, BENCH_KEEP, ...); the
# arguments of each script can be set with THROUGHPUT_ARGS, LATENCY_ARGS,
# CO_ARGS, PACING_ARGS, MEMORY_ARGS, INGEST_ARGS. soak.sh (30 min) is separate.

set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/loadd-bench-results-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
rc=0
for b in throughput latency co pacing memory ingest; do
	var=$(echo "$b" | tr a-z A-Z)_ARGS
	echo "=== $b ${!var:-} ($(date -u +%FT%TZ))"
	# shellcheck disable=SC2086
	if ! "$here/$b.sh" ${!var:-} 2>&1 | tee "$out/$b.txt"; then
		echo "=== $b FAILED"
		rc=1
	fi
	echo
done
echo "results in $out"
exit $rc
