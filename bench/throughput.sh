#!/bin/bash
# throughput.sh [ROUNDS=5] [SECS=10] -- closed-loop throughput and generator
# CPU cost against nginx (one worker, "ok" on /): wrk -t1 -c50, loadd with
# samples "all" and loadd with samples "none" (constant-vus 50, --threads 1).
#
# Requests are counted at nginx (stub_status "requests" before and after);
# rps = that / seconds (wrk: SECS; loadd: the run's duration_s). CPU is
# utime+stime of the generator process from /proc/PID/stat: the loadd daemon
# sampled right before the POST and right after the run completed; wrk's
# from the cutime+cstime of the shell that waited for it (read in that shell
# right after wrk exited). Rounds are interleaved and the order rotates.

ROUNDS=${1:-5}
SECS=${2:-10}
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"

start_nginx
start_loadd --threads 1
NWPID=$(nginx_worker_pid)
[ -n "$NWPID" ] || die "no nginx worker"
machine
echo "nginx $NURL (worker pid $NWPID), loadd $URL (pid $DPID, --threads 1)"
echo "rounds $ROUNDS x ${SECS}s, 50 connections"
echo

# warm-up: one short loadd run and one short wrk run (not counted)
submit "$(scenario warm "$NURL" none '{"executor":"constant-vus","vus":50,"duration":"2s"}')" >"$B/warm.id"
wait_run "$(cat "$B/warm.id")" 60
wrk -t1 -c50 -d2s "$NURL/" >/dev/null 2>&1

printf '%-5s %-12s %9s %7s %10s %7s %8s %10s %9s %9s %6s\n' round tool \
    nginx_req secs rps cpu_s gen_cpu% cpu/100k nginx_cpu gen_count shed
declare -A RPS CPU SHED
TOOLS=(wrk loadd-all loadd-none)
for r in $(seq 1 "$ROUNDS"); do
	for k in 0 1 2; do
		tool=${TOOLS[$(((k + r - 1) % 3))]}
		case $tool in
		wrk)		line=$(one_wrk) ;;
		loadd-all)	line=$(one_loadd all) ;;
		loadd-none)	line=$(one_loadd none) ;;
		esac
		set -- $line
		rps=$(calc "$1 / $2" 0)
		c100k=$(calc "$3 / $1 * 100000" 3)
		RPS[$tool]="${RPS[$tool]:-} $rps"
		CPU[$tool]="${CPU[$tool]:-} $c100k"
		eval "R_${tool//-/_}=$rps C_${tool//-/_}=$c100k"
		[ "$6" != - ] && SHED[$tool]=$(( ${SHED[$tool]:-0} + $6 ))
		printf '%-5s %-12s %9s %7s %10s %7s %8s %10s %9s %9s %6s\n' "$r" \
		    "$tool" "$1" "$2" "$rps" "$3" "$(calc "$3 / $2 * 100" 0)" \
		    "$c100k" "$4" "$5" "$6"
	done
	# ratios within the round: its three runs are adjacent in time
	for t in loadd_all loadd_none; do
		eval "RR_$t=\"\${RR_$t:-} \$(calc \"\$R_$t / \$R_wrk\")\""
		eval "RC_$t=\"\${RC_$t:-} \$(calc \"\$C_$t / \$C_wrk\")\""
	done
done

echo
echo "summary over $ROUNDS rounds (median [min..max])"
printf '%-12s %-28s %-28s %s\n' tool "rps" "cpu s / 100k req" "samples shed"
for tool in "${TOOLS[@]}"; do
	set -- $(stats ${RPS[$tool]})
	rps_s="$1 [$2..$3]"
	eval "MED_RPS_${tool//-/_}=$1"
	set -- $(stats ${CPU[$tool]})
	cpu_s="$1 [$2..$3]"
	eval "MED_CPU_${tool//-/_}=$1"
	printf '%-12s %-28s %-28s %s\n' "$tool" "$rps_s" "$cpu_s" "${SHED[$tool]:--}"
done
echo
for t in loadd_all loadd_none; do
	eval "r=\$MED_RPS_$t c=\$MED_CPU_$t"
	echo "$t / wrk: rps x$(calc "$r / $MED_RPS_wrk" 2), cpu per request x$(calc "$c / $MED_CPU_wrk" 2) (ratio of the medians)"
	eval "set -- \$(stats \$RR_$t)"
	rr="x$1 [$2..$3]"
	eval "set -- \$(stats \$RC_$t)"
	echo "$t / wrk within each round: rps $rr, cpu per request x$1 [$2..$3] (median [min..max])"
done
[ "${SHED[loadd-all]:-0}" -gt 0 ] && echo "samples were shed with samples=all: ${SHED[loadd-all]}" \
    || echo "no samples were shed"
