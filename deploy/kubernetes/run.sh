#!/bin/sh
# run.sh -- start one execution of N shards on Kubernetes (README, "Shards on
# Kubernetes"): applies scenario.yaml and collector.yaml, waits for the
# collector, then applies shards.yaml with a common start_at, the execution
# name and N filled in. The Secret loadd-token must exist (secret.yaml).
#   run.sh [-n SHARDS] [-s SECONDS_AHEAD] [-e EXECUTION] [-i IMAGE] [--dry-run]
# --dry-run prints the manifests instead of applying them.
set -eu

usage() {
	echo "usage: run.sh [-n SHARDS] [-s SECONDS_AHEAD] [-e EXECUTION]" \
	    "[-i IMAGE] [--dry-run]" >&2
	exit 2
}

dir=$(cd "$(dirname "$0")" && pwd)
shards=3
ahead=60	# image pulls and scheduling: every pod must be up by then
execution=loadd-$(date -u +%Y%m%dT%H%M%SZ)
image=
dry=0
while [ $# -gt 0 ]; do
	case $1 in
	-n|-s|-e|-i)
		[ $# -ge 2 ] || usage
		case $1 in
		-n) shards=$2 ;;
		-s) ahead=$2 ;;
		-e) execution=$2 ;;
		-i) image=$2 ;;
		esac
		shift 2 ;;
	--dry-run) dry=1; shift ;;
	*) usage ;;
	esac
done

# What is checked here is what sed may insert without escaping.
case $shards in ''|*[!0-9]*) usage ;; esac
[ "$shards" -ge 1 ] && [ "$shards" -le 1024 ] || usage
case $ahead in ''|*[!0-9]*) usage ;; esac
# A loadd name that is also a label value: 1-63 of [A-Za-z0-9._-], the first
# and last alphanumeric.
case $execution in
''|*[!A-Za-z0-9._-]*|[._-]*|*[._-]) execution= ;;
esac
[ -n "$execution" ] && [ ${#execution} -le 63 ] || {
	echo "run.sh: EXECUTION: 1-63 of A-Z a-z 0-9 . _ -," \
	    "alphanumeric at both ends" >&2
	exit 2
}
case $image in *[!A-Za-z0-9./:@_-]*) usage ;; esac
# The Job's name, a DNS label: the execution in lower case, . and _ as -.
job=$(printf '%s' "$execution" | tr 'A-Z' 'a-z' | tr '._' '--')

# The common start_at, SECONDS_AHEAD from now.
stamp() {
	t=$(($(date -u +%s) + ahead))
	start_at=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null ||
	    date -u -r "$t" +%Y-%m-%dT%H:%M:%SZ)
}

# render FILE...: the manifests with the placeholders filled in, on stdout.
render() {
	for f in "$@"; do
		echo ---
		sed -e "s/^\( *completions:\) \"@SHARDS@\"$/\1 $shards/" \
		    -e "s/^\( *parallelism:\) \"@SHARDS@\"$/\1 $shards/" \
		    -e "s/@SHARDS@/$shards/g" \
		    -e "s/@START_AT@/$start_at/g" \
		    -e "s/@EXECUTION@/$execution/g" \
		    -e "s/@JOB_NAME@/$job/g" \
		    -e "s|^\( *image:\) loadd:0\.1\.0$|\1 ${image:-loadd:0.1.0}|" \
		    "$dir/$f"
	done
}

if [ "$dry" = 1 ]; then
	stamp
	render scenario.yaml collector.yaml shards.yaml
	exit 0
fi

kubectl get secret loadd-token >/dev/null || {
	echo "run.sh: create the Secret loadd-token first (see secret.yaml)" >&2
	exit 1
}
start_at=
render scenario.yaml collector.yaml | kubectl apply -f -
kubectl rollout status deployment/loadd-collector --timeout=300s
stamp
render shards.yaml | kubectl apply -f -
cat <<MSG

Execution $execution: $shards shards start at $start_at (in ${ahead}s).
  kubectl get job $job
  kubectl logs -f --prefix -l loadd-execution=$execution --max-log-requests=$shards
The merged run, on the collector:
  kubectl port-forward svc/loadd-collector 7878 &
  LOADD_URL=http://127.0.0.1:7878 LOADD_TOKEN=... loadctl wait --execution $execution
MSG
