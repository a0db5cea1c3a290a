#!/bin/bash
# ab.sh [ROUNDS=5] [SECS=10] -- two loadd builds side by side against nginx:
# LOADD_OLD (a loadd binary, required) and $LOADD_BUILD/loadd, each with
# samples "all" and "none", and wrk -t1 -c50, interleaved in every round.
# Prints per run: requests/s counted at nginx and the generator's CPU
# seconds per 100k requests (measured as in throughput.sh).
ROUNDS=${1:-5}; SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
[ -x "${LOADD_OLD:-}" ] || die "set LOADD_OLD to the loadd binary to compare with"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
start_nginx
NWPID=$(nginx_worker_pid)
[ -n "$NWPID" ] || die "no nginx worker"
NEWLOADD=$LOADD
LOADD=$LOADD_OLD LOADD_DB=$B/old.db start_loadd --threads 1
OLD="$DPID $URL"
LOADD=$NEWLOADD LOADD_DB=$B/new.db start_loadd --threads 1
NEW="$DPID $URL"

# show LINE: "rps cpu_s_per_100k" from one_wrk's or one_loadd's fields
show() {
	set -- $1
	echo "$(calc "$1 / $2" 0) $(calc "$3 / $1 * 100000" 3)"
}
# with "PID URL" SAMPLES: one_loadd on that daemon
with() {
	set -- $1 "$2"
	DPID=$1 URL=$2
	show "$(one_loadd "$3")"
}

machine
echo "round tool rps cpu_s_per_100k"
with "$OLD" none >/dev/null	# warm-up, not counted
with "$NEW" none >/dev/null
for r in $(seq 1 "$ROUNDS"); do
	echo "$r wrk $(show "$(one_wrk)")"
	echo "$r old-all $(with "$OLD" all)"
	echo "$r new-all $(with "$NEW" all)"
	echo "$r old-none $(with "$OLD" none)"
	echo "$r new-none $(with "$NEW" none)"
done
