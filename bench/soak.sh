#!/bin/bash
# soak.sh [MINUTES=30] [RATE=2000] -- one long open-model run at a steady
# rate against loadd-target, every sample stored, to show that the daemon's
# memory, file descriptors and database growth stay steady over time.
#
# Logs, once a minute while the run lasts: elapsed, requests so far, the
# daemon's VmRSS, its open fds, and the database size (main file + WAL).
# Ends with a verdict line comparing the first and last readings.

MINUTES=${1:-30}
RATE=${2:-2000}
: "${BENCH_TIMEOUT:=$((MINUTES * 60 + 600))}"
. "$(dirname "$0")/lib.sh"

start_target -t 1
start_loadd --threads 1
machine
echo "loadd $URL (pid $DPID), loadd-target $TURL (pid $TPID)"
echo "constant-rate $RATE/s for ${MINUTES}m, samples \"all\", 1 worker thread"
echo

fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
dbsize() {
	local s=0 f
	for f in "$B/loadd.db" "$B/loadd.db-wal"; do
		[ -f "$f" ] && s=$((s + $(stat -c %s "$f")))
	done
	echo "$s"
}

body=$(jq -nc --arg t "$TURL" --argjson r "$RATE" --arg d "${MINUTES}m" \
    '{name: "soak", target: $t, samples: "all",
      requests: [{name: "get", path: "/"}],
      load: {executor: "constant-rate", rate: $r, duration: $d,
             max_vus: 200}}')
echo "idle: rss_kb $(rss_kb "$DPID") fds $(fds "$DPID") db_bytes $(dbsize)"
id=$(submit "$body")
t0=$(date +%s)

printf '%6s %12s %10s %5s %14s %8s\n' minute requests rss_kb fds db_bytes errors
half_rss= half_fds= first_rss= last_rss= first_fds= last_fds= first_db= last_db= rows=()
m=0
while :; do
	sleep 60
	m=$((m + 1))
	api GET "/v1/runs/$id" >/dev/null
	s=$(jq -r .status "$B/body")
	req=$(jq -r '.progress.requests // .summary.overall.total_requests // 0' "$B/body")
	err=$(jq -r '.progress.errors // .summary.overall.failed_requests // 0' "$B/body")
	r=$(rss_kb "$DPID") f=$(fds "$DPID") d=$(dbsize)
	printf '%6s %12s %10s %5s %14s %8s\n' "$m" "$req" "$r" "$f" "$d" "$err"
	[ "$s" = running ] || break
	# the first minute warms caches and the SQLite page cache: start at 2
	if [ "$m" = 2 ]; then first_rss=$r first_fds=$f first_db=$d first_req=$req; fi
	if [ "$m" = $((MINUTES / 2)) ]; then half_rss=$r half_fds=$f; fi
	last_rss=$r last_fds=$f last_db=$d last_req=$req
	[ $(( $(date +%s) - t0 )) -gt $((MINUTES * 60 + 120)) ] && die "run did not end"
done
wait_run "$id" 120
echo
echo "run $id: $(rj .status), $(rj .summary.overall.total_requests) requests," \
    "$(rj .summary.overall.failed_requests) failed," \
    "p99 $(rj .summary.overall.p99_latency_ms) ms, samples stored" \
    "$(rj .summary.samples_stored), shed $(rj .summary.samples_shed)," \
    "late $(rj .summary.open.late_iterations)"
echo "after: rss_kb $(rss_kb "$DPID") fds $(fds "$DPID") db_bytes $(dbsize)"
if [ -n "$first_rss" ]; then
	echo "minute 2 -> $((m - 1)): rss ${first_rss} -> ${last_rss} kB" \
	    "($((last_rss - first_rss)) kB), fds ${first_fds} -> ${last_fds}," \
	    "db $(calc "($last_db - $first_db) / ($last_req - $first_req)" 1)" \
	    "bytes per request"
fi
# The sample rings' pages are first touched as they fill (12 MiB per worker
# thread); the second half shows the steady state.
[ -n "$half_rss" ] && echo "second half, minute $((MINUTES / 2)) -> $((m - 1)):" \
    "rss ${half_rss} -> ${last_rss} kB ($((last_rss - half_rss)) kB), fds ${half_fds} -> ${last_fds}"
