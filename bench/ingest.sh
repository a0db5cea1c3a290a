#!/bin/bash
# ingest.sh [ROUNDS=1] [SECS=10] [RATES="20000 50000 75000 100000 max"] -- how
# many raw samples per second the SQLite writer stores without shedding.
#
# samples "all", constant-rate at each rate (max_vus 1000) for SECS; "max" is
# a closed-model step (constant-vus 50), as fast as the target answers. The
# target is a private nginx (one worker), the fastest server at hand; with
# INGEST_TARGET=loadd-target it is loadd-target -t 1 (which tops out near
# 35-60k requests/s here). loadd has its default threads. Per run: achieved rps,
# samples_stored, samples_shed, rows counted in SQLite, late iterations,
# the daemon's CPU, and the database growth (page_count * page_size, which
# counts pages still in the WAL) per million stored samples.

ROUNDS=${1:-1}
SECS=${2:-10}
RATES=${3:-20000 50000 75000 100000 max}
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || die "sqlite3 is required"

if [ "${INGEST_TARGET:-nginx}" = nginx ]; then
	start_nginx
	TURL=$NURL
	tname="nginx (1 worker)"
else
	start_target -t 1
	tname="loadd-target -t 1"
fi
start_loadd
machine
echo "target $TURL: $tname; loadd $URL (default threads: $(nproc)); ${SECS}s per rate, $ROUNDS round(s)"
echo

db_bytes() {
	sqlite3 -cmd '.timeout 5000' "$B/loadd.db" \
	    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
}

printf '%-5s %7s %9s %9s %10s %9s %10s %8s %6s %10s %11s\n' round rate \
    achieved requests stored shed sql_rows late cpu% dbgrow_MB bytes/sample
declare -A STORED_PS SHED
for r in $(seq 1 "$ROUNDS"); do
	for rate in $RATES; do
		b0=$(db_bytes)
		c0=$(cpu_ticks "$DPID")
		if [ "$rate" = max ]; then
			load="{\"executor\":\"constant-vus\",\"vus\":50,\"duration\":\"${SECS}s\"}"
		else
			load="{\"executor\":\"constant-rate\",\"rate\":$rate,\"duration\":\"${SECS}s\",\"max_vus\":1000}"
		fi
		id=$(submit "$(scenario ingest "$TURL" all "$load")")
		wait_run "$id" $((SECS + 120)) "$SECS"
		c1=$(cpu_ticks "$DPID")
		dur=$(rj .summary.duration_s)
		stored=$(rj .summary.samples_stored)
		shed=$(rj .summary.samples_shed)
		sleep 1
		rows=$(sqlite3 -cmd '.timeout 5000' "$B/loadd.db" "SELECT COUNT(*) FROM samples WHERE run_id = $id")
		b1=$(db_bytes)
		per=$(calc "($b1 - $b0) / ($stored > 0 ? $stored : 1)" 1)
		printf '%-5s %7s %9s %9s %10s %9s %10s %8s %6s %10s %11s\n' "$r" "$rate" \
		    "$(rj .summary.overall.throughput_rps)" \
		    "$(rj .summary.overall.total_requests)" "$stored" "$shed" "$rows" \
		    "$(rj '.summary.open.late_iterations // "-"')" \
		    "$(calc "($c1 - $c0) / $CLK_TCK / $dur * 100" 0)" \
		    "$(calc "($b1 - $b0) / 1048576" 1)" "$per"
		STORED_PS[$rate]="${STORED_PS[$rate]:-} $(calc "$stored / $dur" 0)"
		SHED[$rate]=$(( ${SHED[$rate]:-0} + shed ))
		PER="${PER:-} $per"
	done
done
echo
echo "stored samples per second (median over rounds) and total shed, per offered rate:"
for rate in $RATES; do
	echo "  $rate/s offered: $(stats ${STORED_PS[$rate]} | cut -d' ' -f1) stored/s, shed ${SHED[$rate]}"
done
set -- $(stats $PER)
echo "database growth: $(calc "$1 * 1000000 / 1048576" 1) MiB per million samples (median; $2..$3 bytes/sample)"

# reading them back: the raw-sample CSV export of the last run (bounded:
# at most 60 s and about 100 bytes a row, so a stream that never ends stops)
rows=$(sqlite3 -cmd '.timeout 5000' "$B/loadd.db" "SELECT COUNT(*) FROM samples WHERE run_id = $id")
t0=$(date +%s.%N)
set -- $(curl -s --max-time 60 "$URL/v1/runs/$id/samples" | head -c $((rows * 100 + 1000)) | wc -lc)
t1=$(date +%s.%N)
secs=$(calc "$t1 - $t0" 2)
echo "export: GET /v1/runs/$id/samples: $rows rows in the table, $(($1 - 1)) CSV rows read, $(calc "$2 / 1048576" 1) MiB in $secs s"
if [ "$(($1 - 1))" -gt "$rows" ]; then
	echo "  BUG: the export sent more rows than the run has (it starts over when it reaches the end)"
else
	echo "  $(calc "$rows / $secs" 0) rows/s"
fi

# The writer alone: synthetic samples from two producer threads (standing in
# for the workers) into the real writer, with no load generation beside it.
# Where it sheds is its limit on this machine.
WB=$LOADD_BUILD/bench/writer-bench
[ -x "$WB" ] || make -C "$LOADD_BUILD" bench/writer-bench >/dev/null 2>&1
if [ -x "$WB" ]; then
	stop_pid "$DPID"
	echo
	echo "the writer alone (bench/writer-bench, 2 producers, ${SECS}s each):"
	for rate in ${WRITER_RATES:-250000 500000 1000000 2000000 max}; do
		rm -f "$B/wb.db" "$B/wb.db-wal" "$B/wb.db-shm"
		echo "  $("$WB" "$B/wb.db" "$SECS" "$rate" 2)"
	done
else
	echo "writer-bench not built (make bench/writer-bench in $LOADD_BUILD)"
fi
