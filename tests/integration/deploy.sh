#!/bin/bash
# deploy.sh -- the deployment files of shards (SPEC 16). The Kubernetes
# manifests hold only real kinds and fields (k8s-fields.py) and agree with
# each other and with the Dockerfile; run.sh fills in every placeholder; the
# shard container's script, taken from the rendered Job and run as it is by
# two local "pods" against a local collector, makes one merged run that
# passes; the systemd shard unit verifies, and its command agrees on the
# start time and execution name on every host. Skipped without python3-yaml.
# Run from the build directory (a generated unit is there).

. "$top_srcdir/tests/integration/lib.sh"

py=/usr/bin/python3
if ! "$py" -c 'import yaml' 2>/dev/null; then
	kill "$WATCHDOG_PID" 2>/dev/null
	echo "1..0 # SKIP python3-yaml not installed"
	rm -rf "$T"
	exit 0
fi
k8s() { "$py" "$top_srcdir/tests/integration/k8s-fields.py" "$@"; }
dir=$top_srcdir/deploy/kubernetes
builddir=${abs_top_builddir:-$PWD}
now() { date -u +%s; }

# --- The manifests as written: kinds, fields, cross-references, image.

out=$(k8s check "$dir"/*.yaml 2>&1)
is "$out" "" "every manifest has known kinds and fields only"
kinds=$(k8s json "$dir"/*.yaml | jq -r '[.[].kind] | sort | join(" ")')
is "$kinds" "ConfigMap ConfigMap Deployment Job PersistentVolumeClaim Secret Service" \
    "the manifests: 2 ConfigMaps, a Deployment, a Job, a PVC, a Secret, a Service"
# The check can fail: a misspelt field, a misspelt value.
out=$(sed 's/completionMode:/completionsMode:/' "$dir/shards.yaml" | k8s check -)
like "$?:$out" '^1:.*spec\.completionsMode: not a field' \
    "a misspelt field (completionsMode) fails the check"
out=$(sed 's/type: Recreate/type: Recreated/' "$dir/collector.yaml" | k8s check -)
like "$?:$out" '^1:.*spec\.strategy\.type' "a misspelt value (Recreated) fails it"

# What the Dockerfile builds: the tag its build line names, which is the
# package's version; images are that or Debian 12's.
tag=$(sed -n 's/^# *docker build .*-t \([^ ]*\) .*/\1/p' "$dir/Dockerfile")
version=$(sed -n 's/^AC_INIT(\[loadd\], \[\([^]]*\)\].*/\1/p' \
    "$top_srcdir/configure.ac")
is "$tag" "loadd:$version" "the Dockerfile's image is loadd:VERSION ($tag)"
is "$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$dir/Dockerfile" | tr '\n' ' ')" \
    "debian:bookworm debian:bookworm-slim " "the image is built on Debian 12"
bad=$(k8s json "$dir"/*.yaml | jq -r '.. | objects | .image? // empty' |
    grep -v -x -e "$tag" -e 'debian:bookworm.*')
is "$bad" "" "every image is $tag or debian:bookworm*"
uid=$(sed -n 's/^USER \([0-9]*\).*/\1/p' "$dir/Dockerfile")
is "$(k8s json "$dir"/*.yaml | jq -r '[.. | .runAsUser? // empty] | unique | join(" ")')" \
    "$uid" "the pods run as the image's non-root USER ($uid)"

# The runtime stage installs the package of every library the programs
# link. An --enable-asan build links otherwise (libasan, and libraries the
# linker would drop as unneeded): the image is not such a build.
if objdump -p "$LOADD" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - the image's libraries # SKIP an AddressSanitizer build"
elif command -v dpkg >/dev/null && command -v objdump >/dev/null; then
	runtime=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$dir/Dockerfile")
	missing=
	for lib in $(objdump -p "$LOADD" "$LOADCTL" |
	    awk '/NEEDED/ { print $2 }' | sort -u); do
		case $lib in libc.so*|libm.so*|libasan*|libubsan*) continue ;; esac
		path=$(ldd "$LOADD" "$LOADCTL" | awk -v l="$lib" \
		    '$1 == l { print $3; exit }')
		pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | cut -d: -f1)
		printf '%s\n' "$runtime" | grep -qw -- "${pkg:-?}" ||
		    missing="$missing $lib(${pkg:-?})"
	done
	is "$missing" "" "the image installs every library loadd and loadctl link"
else
	echo "# dpkg or objdump missing: the image's libraries not checked"
fi

# Names that must match across the files.
all=$(k8s json "$dir"/*.yaml)
j() { printf '%s' "$all" | jq -r "$1"; }
job='.[] | select(.kind == "Job")'
is "$(j "[$job | .. | .configMap?.name // empty] | sort | join(\" \")")" \
    "$(j '[.[] | select(.kind == "ConfigMap") | .metadata.name] | sort | join(" ")')" \
    "the Job mounts the two ConfigMaps scenario.yaml defines"
is "$(j '[.. | .secretName? // empty, .secretKeyRef?.name // empty] | unique | join(" ")')" \
    "$(j '.[] | select(.kind == "Secret") | .metadata.name')" \
    "the pods read the Secret secret.yaml defines"
is "$(j '.. | .claimName? // empty')" \
    "$(j '.[] | select(.kind == "PersistentVolumeClaim") | .metadata.name')" \
    "the collector mounts the PersistentVolumeClaim"
is "$(j '.[] | select(.kind == "Service") | .spec.selector | tojson')" \
    "$(j '.[] | select(.kind == "Deployment") | .spec.template.metadata.labels | tojson')" \
    "the Service selects the collector's pods"
svc=$(j '.[] | select(.kind == "Service") | "\(.metadata.name):\(.spec.ports[0].port)"')
is "$(j "$job | .spec.template.spec.containers[0].env[] |
    select(.name == \"LOADD_COLLECTOR\") | .value")" "http://$svc" \
    "the shards push to the collector's Service ($svc)"
conf=$(j '.[] | select(.metadata.name == "loadd-shard-config") | .data["loadd.conf"]')
like "$conf" "allow_collectors = ([^#]*[ ,])?${svc%:*}( *,|$)" \
    "the shards' config allows the collector"
thost=$(j '.[] | select(.metadata.name == "loadd-scenario") |
    .data["scenario.json"] | fromjson | .target' | sed 's|^[a-z]*://||; s|[:/].*||')
like "$conf" "allow_targets = ([^#]*[ ,])?$thost( *,|$)" \
    "the shards' config allows the scenario's target ($thost)"

# --- run.sh: every placeholder filled in, start_at ahead, a Job of 3.

sh "$dir/run.sh" --dry-run -n 3 >"$T/rendered.yaml" 2>"$T/run.err"
ok $? "run.sh --dry-run -n 3"
is "$(grep -c '@[A-Z_]*@' "$T/rendered.yaml")" 0 "no placeholder is left"
out=$(k8s check "$T/rendered.yaml" 2>&1)
is "$out" "" "the rendered manifests have known fields of the right types"
r=$(k8s json "$T/rendered.yaml")
rj() { printf '%s' "$r" | jq -r "$1"; }
is "$(rj "$job | .spec | [.completionMode, .completions, .parallelism,
    .backoffLimit, .template.spec.restartPolicy] | tojson")" \
    '["Indexed",3,3,0,"Never"]' \
    "an Indexed Job of 3 (numbers), backoffLimit 0, restartPolicy Never"
is "$(rj "$job | .spec.template.spec.affinity.podAntiAffinity |
    .requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey")" \
    kubernetes.io/hostname "one shard a node (required anti-affinity)"
jobenv() { rj "$job | .spec.template.spec.containers[0].env[] |
    select(.name == \"$1\") | .value"; }
is "$(jobenv LOADD_SHARDS)" 3 "LOADD_SHARDS is 3"
start=$(jobenv LOADD_START_AT)
like "$start" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "start_at is RFC 3339 UTC ($start)"
ahead=$(( $(date -u -d "$start" +%s) - $(now) ))
ok $(( ahead > 30 && ahead <= 60 ? 0 : 1 )) \
    "start_at is ahead, by the default 60 s ($ahead s)"
exe=$(jobenv LOADD_EXECUTION)
like "$exe" '^loadd-[0-9]{8}T[0-9]{6}Z$' "the default execution name ($exe)"
is "$(rj "$job | .metadata.name")" "$(printf '%s' "$exe" | tr 'A-Z' 'a-z')" \
    "the Job is named after it"
sh "$dir/run.sh" --dry-run -e 'no spaces' >/dev/null 2>&1
is $? 2 "run.sh refuses an execution name loadd would refuse"

# --- The shard script, as it is, run by two local "pods".
# Substitutions, all through the environment the script reads: the
# collector's URL and the token (the test's own); each shard's address,
# database, config and scenario (LOADD_LISTEN, LOADD_DB, LOADD_CONFIG,
# LOADD_SCENARIO: its files instead of the pod's mounts); loadd and loadctl
# on PATH. The config is the ConfigMap's, with loopback allowed instead of
# the cluster's names and the token file here; the scenario the ConfigMap's,
# aimed at loadd-target for 4 s without warmup.

sh "$dir/run.sh" --dry-run -n 2 -s 10 -e "deploy-test-$$" >"$T/local.yaml"
r=$(k8s json "$T/local.yaml")
is "$(rj "$job | .spec.template.spec.containers[0].command[0:2] | join(\" \")")" \
    "/bin/sh -c" "the shard container runs a sh -c script"
rj "$job | .spec.template.spec.containers[0].command[2]" >"$T/shard.sh"
exe=$(jobenv LOADD_EXECUTION)

printf '%s\n' "deploy-test-token-$$" >"$T/token"
TOKEN=$(cat "$T/token")
start_target
start_daemon --token-file "$T/token" --threads 1 ||
    { ok 1 "the collector starts"; done_testing; }
collector=$URL
unset LOADD_URL

# The scenario is valid as shipped (a PUT checks it, not its target).
rj '.[] | select(.metadata.name == "loadd-scenario") | .data["scenario.json"]' \
    >"$T/scenario.shipped.json"
code=$(api PUT /v1/scenarios/shards-example "$(cat "$T/scenario.shipped.json")")
is "$code" 201 "the ConfigMap's scenario is valid"
[ "$code" = 201 ] || echo "#   $(cat "$T/body")"
jq --arg t "$TURL" '.target = $t | .load.duration = "4s" | del(.load.warmup)' \
    "$T/scenario.shipped.json" >"$T/scenario.json"
rj '.[] | select(.metadata.name == "loadd-shard-config") | .data["loadd.conf"]' |
    sed -e 's|^allow_targets = .*|allow_targets = 127.0.0.1|' \
	-e 's|^allow_collectors = .*|allow_collectors = 127.0.0.1|' \
	-e "s|/etc/loadd/token/token|$T/token|" >"$T/shard.conf"

mkdir -p "$T/bin"
ln -s "$(cd "$(dirname "$LOADD")" && pwd)/$(basename "$LOADD")" "$T/bin/loadd"
ln -s "$(cd "$(dirname "$LOADCTL")" && pwd)/$(basename "$LOADCTL")" \
    "$T/bin/loadctl"
shards=
port=
for i in 0 1; do
	prev=$port
	port=$(free_port)
	[ "$port" != "$prev" ] || port=$(free_port)
	env PATH="$T/bin:$PATH" JOB_COMPLETION_INDEX=$i \
	    LOADD_SHARDS="$(jobenv LOADD_SHARDS)" \
	    LOADD_START_AT="$(jobenv LOADD_START_AT)" \
	    LOADD_EXECUTION="$exe" LOADD_COLLECTOR="$collector" \
	    LOADD_TOKEN="$TOKEN" LOADD_LISTEN="127.0.0.1:$port" \
	    LOADD_DB="$T/shard$i.db" LOADD_CONFIG="$T/shard.conf" \
	    LOADD_SCENARIO="$T/scenario.json" \
	    /bin/sh -c "$(cat "$T/shard.sh")" >"$T/shard$i.log" 2>&1 &
	shards="$shards $!"
	TARGET_PIDS="$TARGET_PIDS $!"	# stopped at the end in any case
done
# Both end by start_at (10 s) + 4 s + their last pushes: 60 s at most.
deadline=$(( $(now) + 60 ))
for p in $shards; do
	while kill -0 "$p" 2>/dev/null && [ "$(now)" -lt "$deadline" ]; do
		sleep 0.2
	done
	kill "$p" 2>/dev/null	# past the deadline: its trap stops its loadd
done
i=0
for p in $shards; do
	wait "$p"
	rc=$?
	is "$rc" 0 "shard $i/2 (the Job's script, as it is) exits 0"
	[ "$rc" = 0 ] || tail -n 15 "$T/shard$i.log" | sed 's/^/#   /'
	if grep -q Sanitizer "$T/shard$i.log"; then
		ok 1 "shard $i's loadd ran clean under the sanitizers"
	fi
	i=$((i + 1))
done
TARGET_PIDS=${TARGET_PIDS%"$shards"}	# reaped: not to be signalled again

# One merged run on the collector, completed, of 2 parts.
deadline=$(( $(now) + 30 ))
while :; do
	api GET "/v1/runs?execution=$exe" >/dev/null
	s=$(jbody '.runs[0].status // empty' 2>/dev/null)
	case $s in completed|stopped|aborted|failed|interrupted) break ;; esac
	[ "$(now)" -lt "$deadline" ] || break
	sleep 0.5
done
is "$(jbody '.runs | length')" 1 "the collector has one run for the execution"
id=$(jbody '.runs[0].id // empty')
api GET "/v1/runs/${id:-0}" >/dev/null
is "$(jbody .status)" completed "the merged run completed"
is "$(jbody '.parts | length')" 2 "it has 2 parts"
is "$(jbody '[.parts[]?.shard] | sort | join(" ")')" "0 1" \
    "shards 0 and 1: each took its index from JOB_COMPLETION_INDEX"
is "$(jbody '[.parts[]? | select(.requests > 0)] | length')" 2 \
    "each shard made requests"
LOADD_URL=$collector LOADD_TOKEN=$TOKEN "$LOADCTL" wait --execution "$exe" \
    >"$T/wait.out" 2>&1
rc=$?
is "$rc" 0 "loadctl wait --execution on the collector exits 0 (passed)"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/wait.out"
stop_daemon

# --- The systemd shard unit.

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "# systemd-analyze not installed: the shard unit not checked"
	done_testing
fi
mkdir -p "$T/units"
unit=$builddir/systemd/loadd-shard@.service
if [ ! -s "$unit" ]; then
	# Not built (yet): made from the template as systemd/local.am does.
	echo "# $unit not built: made from the template"
	unit=$T/units/generated.service
	sed -e 's|@sbindir[@]|/usr/sbin|g' -e 's|@bindir[@]|/usr/bin|g' \
	    -e 's|@sysconfdir[@]|/etc|g' \
	    "$top_srcdir/systemd/loadd-shard@.service.in" >"$unit"
fi
is "$(grep -c '@[a-z]*dir@' "$unit")" 0 "no @...@ left in loadd-shard@.service"
cp "$unit" "$T/units/loadd-shard@.service"
cp "$unit" "$T/units/loadd-shard@checkout.service"
cp "$top_srcdir/systemd/loadd-shard@.timer" "$T/units/"
cp "$top_srcdir/systemd/loadd-shard@.timer" "$T/units/loadd-shard@checkout.timer"
cd "$T/units" || exit 1
for u in loadd-shard@.service loadd-shard@.timer \
    loadd-shard@checkout.service loadd-shard@checkout.timer; do
	out=$(systemd-analyze verify --man=no "./$u" 2>&1)
	is "$?:$out" "0:" "systemd-analyze verify $u is silent"
done
s=$(systemd-analyze security --offline=true --no-pager \
    ./loadd-shard@checkout.service 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
ok "$([ -n "$s" ] && awk -v s="$s" 'BEGIN { exit !(s <= 2.0) }'; echo $?)" \
    "loadd-shard@checkout.service exposure level '$s' <= 2.0"
cd - >/dev/null || exit 1
timer=$top_srcdir/systemd/loadd-shard@.timer
is "$(sed -n 's/^OnCalendar=//p; s/^AccuracySec=//p' "$timer" | tr '\n' ' ')" \
    '*-*-* 02:00:00 1s ' "the timer fires at 02:00:00, accurate to 1 s"
is "$(grep -c -e '^RandomizedDelaySec=' -e '^Persistent=' "$timer")" 0 \
    "the timer has no random delay and no catch-up (one host alone)"

# The unit's command as systemd runs it: lines joined, specifiers (%i =
# checkout), words, then $$ and environment variables ($VAR, ${VAR}, as
# systemd would, so a $ meant for the shell but not doubled shows). loadctl
# is one that prints its arguments.
printf '#!/bin/sh\nprintf "%%s\\n" "$@"\n' >"$T/bin/fake-loadctl"
chmod +x "$T/bin/fake-loadctl"
shardcmd() {	# INDEX [NAME=VALUE...]: the unit's arguments to loadctl
	local i=$1
	shift
	env LOADD_SHARDS=2 LOADD_SHARD_INDEX="$i" \
	    LOADD_COLLECTOR=http://127.0.0.1:9 "$@" "$py" -c '
import os, re, shlex, subprocess, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
cmd = re.search(r"^ExecStart=(.*)$", text, re.M).group(1)
cmd = re.sub(r"%(.)", lambda m: {"%": "%", "i": "checkout"}[m.group(1)], cmd)
def env(m):
    return "$" if m.group(0) == "$$" else os.environ.get(m.group(1) or m.group(2), "")
argv = [re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", env, w) for w in shlex.split(cmd)]
argv = [re.sub(r"/\S*/loadctl ", sys.argv[2] + " ", w) for w in argv]
sys.exit(subprocess.call(argv))' "$unit" "$T/bin/fake-loadctl"
}
arg() { awk -v o="$1" 'p { print; exit } $0 == o { p = 1 }' "$2"; }
# Not astride the half minute that rounds to the next one.
case $(date -u +%S) in 29|30) sleep 2 ;; esac
shardcmd 0 >"$T/unit0.out" 2>&1
ok $? "the unit's command runs (shard 0)"
shardcmd 1 >"$T/unit1.out" 2>&1
ok $? "the unit's command runs (shard 1)"
is "$(arg --shard "$T/unit0.out") $(arg --shard "$T/unit1.out")" "0/2 1/2" \
    "each host its shard (LOADD_SHARD_INDEX/LOADD_SHARDS)"
is "$(arg --scenario "$T/unit0.out")" checkout "the stored scenario is %i"
grep -qx -- --wait "$T/unit0.out"
ok $? "the unit waits for the run"
s0=$(arg --start-at "$T/unit0.out")
is "$(arg --start-at "$T/unit1.out")/$(arg --execution "$T/unit1.out")" \
    "$s0/$(arg --execution "$T/unit0.out")" "both hosts agree on start_at and the execution"
like "$s0" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:00Z$' \
    "start_at is RFC 3339 UTC on a whole minute ($s0)"
ahead=$(( $(date -u -d "$s0" +%s) - $(now) ))
ok $(( ahead >= 28 && ahead <= 91 ? 0 : 1 )) \
    "start_at is 30 to 90 s ahead ($ahead s)"
is "$(arg --execution "$T/unit0.out")" \
    "checkout-$(date -u -d "@$(( $(date -u -d "$s0" +%s) - 60 ))" +%Y%m%dT%H%MZ)" \
    "the execution is the scenario and the minute before start_at"
shardcmd 0 LOADD_EXECUTION_PREFIX=nightly >"$T/unit2.out" 2>&1
like "$(arg --execution "$T/unit2.out")" '^nightly-[0-9]{8}T[0-9]{4}Z$' \
    "LOADD_EXECUTION_PREFIX names the execution"
out=$(shardcmd 0 LOADD_SHARDS= 2>&1)
like "$?:$out" '^[1-9][0-9]*:.*LOADD_SHARDS' \
    "without LOADD_SHARDS (shard.env) the unit fails, saying so"

done_testing
