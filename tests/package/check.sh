#!/bin/bash
# check.sh -- the Debian packages end to end. Copies the files git tracks
# (as they are in the work tree; when git cannot list them, the tree but
# its build directories) to a temporary directory, builds the binary
# packages there with dpkg-buildpackage -us -uc -b, runs lintian (any E: or
# W: not overridden fails), installs them into a throw-away root with dpkg
# --root (the maintainer scripts run outside a chroot on that root, as
# DPKG_ROOT allows, with systemctl and deb-systemd-invoke stubbed), and
# checks what was installed: the programs run and print configure.ac's
# version, the conffile, the enabled units, systemd-analyze verify --root
# on every unit, then remove and purge. Prints PASS and FAIL lines and "N
# passed, N failed"; exits 1 on any failure.
#
# Usage: tests/package/check.sh [-k]    (-k keeps the temporary directory)
# DEB_BUILD_OPTIONS passes through: .ci/run sets "nocheck parallel=2", the
# test suite having run already.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
keep=0
[ "${1:-}" = -k ] && keep=1

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3: got '$1', want '$2'"
	fi
}
# indent FILE [N]: the last N lines of FILE, indented, for a failure.
indent() { tail -n "${2:-40}" "$1" | sed 's/^/    /'; }
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

for tool in dpkg-buildpackage dpkg-parsechangelog lintian systemd-analyze \
    curl; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is not installed (apt-get install \$(cat .ci/packages))"
		finish
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loadd-pkg.XXXXXX")
loadd_pid=
cleanup() {
	if [ -n "$loadd_pid" ]; then
		kill "$loadd_pid" 2>/dev/null
		wait "$loadd_pid" 2>/dev/null
	fi
	if [ "$keep" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# --- The version: one place, configure.ac; debian/changelog agrees.

version=$(sed -n 's/^AC_INIT(\[loadd\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[ -n "$version" ] || { fail "no version in configure.ac's AC_INIT"; finish; }
debver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
is "$debver" "$version" "debian/changelog's top version is configure.ac's ($version)"

# --- Build from a clean copy.

src=$tmp/loadd-$debver
mkdir -p "$src"
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	(cd "$top" && git ls-files -z |
	    while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"	# not deleted
	    done | tar --null -T - -cf -) | tar -C "$src" -xf -
else	# an unpacked tarball, or a tree git will not read: all but builds
	tar -C "$top" --exclude=./.git --exclude=./build --exclude='./build-*' \
	    -cf - . | tar -C "$src" -xf -
fi
start=$(date +%s)
if (cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b ($(( $(date +%s) - start )) s," \
	    "DEB_BUILD_OPTIONS='${DEB_BUILD_OPTIONS:-}')"
else
	fail "dpkg-buildpackage -us -uc -b"
	indent "$tmp/build.log"
	finish
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
debs=
for p in loadd loadctl loadd-sqlite loadd-target; do
	deb=$tmp/${p}_${debver}_$arch.deb
	if [ -f "$deb" ]; then
		debs="$debs $deb"
	else
		fail "no ${p}_${debver}_$arch.deb"
	fi
done
[ -n "$debs" ] || finish

# --- lintian: nothing at error or warning level that has no override.

changes=$tmp/loadd_${debver}_$arch.changes
lintian --pedantic -I --show-overrides --fail-on error,warning "$changes" \
    >"$tmp/lintian.out" 2>"$tmp/lintian.err"
rc=$?
ew=$(grep -c '^[EW]: ' "$tmp/lintian.out")
if [ "$rc" = 0 ] && [ "$ew" = 0 ]; then
	pass "lintian: no error or warning ($(grep -c '^O: ' "$tmp/lintian.out")" \
	    "overridden, $(grep -c '^[IPX]: ' "$tmp/lintian.out") info)"
else
	fail "lintian (exit $rc, $ew errors and warnings)"
	indent "$tmp/lintian.err" 10
fi
sed 's/^/    /' "$tmp/lintian.out"

# --- Install into a throw-away root. The maintainer scripts run outside a
# chroot with DPKG_ROOT set (deb-systemd-helper honours it); systemctl and
# deb-systemd-invoke, which would act on this host's systemd, are stubs
# that log. The root's dpkg database is empty: dependencies are forced
# (apt checks them below against this host's package lists).

root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" \
    "$tmp/stubs"
: >"$root/var/lib/dpkg/status"
for s in systemctl deb-systemd-invoke; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$s" "$tmp/invoked" \
	    >"$tmp/stubs/$s"
	chmod +x "$tmp/stubs/$s"
done
: >"$tmp/invoked"
rootdpkg() {
	local force=--force-script-chrootless,depends,unsafe-io
	[ "$(id -u)" = 0 ] || force=$force,not-root
	PATH="$tmp/stubs:$PATH" dpkg --root="$root" "$force" \
	    --log="$tmp/dpkg.log" "$@"
}
# shellcheck disable=SC2086
if rootdpkg --install $debs >"$tmp/install.out" 2>&1; then
	pass "dpkg --root installs the 4 packages, maintainer scripts included"
else
	fail "dpkg --root --install"
	indent "$tmp/install.out"
	finish
fi
q() { dpkg-query --admindir="$root/var/lib/dpkg" "$@"; }
is "$(q -W -f '${db:Status-Abbrev}' loadd loadctl loadd-sqlite loadd-target |
    tr -d ' ')" "iiiiiiii" "all 4 are installed and configured"

# shellcheck disable=SC2086
if apt-get -s -q install $debs >"$tmp/apt.out" 2>&1; then
	pass "apt could install them on this host (simulated): dependencies resolve"
else
	fail "apt-get -s install: the dependencies do not resolve"
	indent "$tmp/apt.out" 20
fi

# --- The programs run, with configure.ac's version.

is "$("$root/usr/sbin/loadd" --version 2>&1)" "loadd $version" \
    "the installed loadd --version"
is "$("$root/usr/bin/loadctl" --version 2>&1)" "loadctl $version" \
    "the installed loadctl --version"
out=$("$root/usr/bin/loadctl" --help 2>&1)
is "$?:$(printf '%s\n' "$out" | head -n 1 | cut -d' ' -f1-2)" "0:usage: loadctl" \
    "the installed loadctl --help"
out=$("$root/usr/bin/loadd-target" --help 2>&1)
is "$?:$(printf '%s\n' "$out" | head -n 1 | cut -d' ' -f1-2)" \
    "0:usage: loadd-target" "the installed loadd-target --help"
ext=$root/usr/lib/$triplet/loadd/loadd_sqlite.so
if [ ! -f "$ext" ]; then
	fail "no /usr/lib/$triplet/loadd/loadd_sqlite.so"
elif command -v sqlite3 >/dev/null; then
	is "$(sqlite3 :memory: ".load ${ext%.so}" \
	    "SELECT hist_count(NULL) IS NULL" 2>&1)" 1 \
	    "sqlite3 loads /usr/lib/$triplet/loadd/loadd_sqlite"
else
	pass "/usr/lib/$triplet/loadd/loadd_sqlite.so is installed (no sqlite3 to load it)"
fi

# The packaged config starts loadd (db and listen overridden); its web UI
# serves Chart.js from where libjs-chart.js puts it.
conf=$root/etc/loadd/loadd.conf
is "$(grep '^db = ' "$conf")" "db = /var/lib/loadd/loadd.db" \
    "loadd.conf keeps the database in the StateDirectory"
"$root/usr/sbin/loadd" -c "$conf" --listen 127.0.0.1:0 --db "$tmp/loadd.db" \
    >"$tmp/loadd.log" 2>&1 &
loadd_pid=$!
addr=
for _ in $(seq 1 100); do
	addr=$(sed -n 's/.* listening on \([^ ]*\).*/\1/p' "$tmp/loadd.log")
	[ -n "$addr" ] && break
	kill -0 "$loadd_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -n "$addr" ]; then
	pass "the installed loadd starts with the packaged loadd.conf"
	chartjs=/usr/share/javascript/chart.js/chart.min.js
	owner=$(dpkg -S "$chartjs" 2>/dev/null | cut -d: -f1)
	if [ "$owner" = libjs-chart.js ]; then
		code=$(curl -s -o "$tmp/chart.js" -w '%{http_code}' --max-time 5 \
		    "http://$addr/ui/chart.js")
		cmp -s "$tmp/chart.js" "$chartjs"
		is "$code:$?" "200:0" "the web UI serves $chartjs, libjs-chart.js's file"
	else
		echo "    (libjs-chart.js is not installed here: /ui/chart.js not checked)"
	fi
	kill "$loadd_pid"
	wait "$loadd_pid"
	is "$?" 0 "loadd stops cleanly on SIGTERM"
else
	fail "the installed loadd starts with the packaged loadd.conf"
	indent "$tmp/loadd.log" 10
	kill "$loadd_pid" 2>/dev/null
	wait "$loadd_pid" 2>/dev/null
fi
loadd_pid=
dep=$(dpkg-deb -f "$tmp/loadd_${debver}_$arch.deb" Recommends)
case ", $dep," in
*", libjs-chart.js,"*) pass "loadd recommends libjs-chart.js" ;;
*) fail "loadd does not recommend libjs-chart.js ($dep)" ;;
esac

# --- Conffiles and the maintainer scripts.

is "$(q -W -f '${Conffiles}\n' loadd | awk 'NF { print $1 }' | tr '\n' ' ')" \
    "/etc/loadd/loadd.conf " "loadd's one conffile is /etc/loadd/loadd.conf"
info=$root/var/lib/dpkg/info
grep -q "deb-systemd-helper enable 'loadd.service'" "$info/loadd.postinst"
is "$?" 0 "loadd's postinst has dh_installsystemd's enable of loadd.service"
grep -q "deb-systemd-invoke \$_dh_action 'loadd.service'" "$info/loadd.postinst"
is "$?" 0 "loadd's postinst has dh_installsystemd's start (restart on upgrade)"
units=$(cat "$info"/*.preinst "$info"/*.postinst "$info"/*.prerm \
    "$info"/*.postrm 2>/dev/null |
    grep -E 'deb-systemd-(helper|invoke)|systemctl' |
    grep -o "'[^']*'" | sort -u | tr '\n' ' ')
is "$units" "'loadd.service' " \
    "the maintainer scripts start or enable loadd.service only (no template)"
wants=$(cd "$root/etc/systemd/system" 2>/dev/null &&
    find . -path './*.wants/*' | sort | tr '\n' ' ')
is "$wants" "./multi-user.target.wants/loadd.service " \
    "installing enabled loadd.service (multi-user.target), nothing else"
is "$(readlink "$root/etc/systemd/system/multi-user.target.wants/loadd.service")" \
    /lib/systemd/system/loadd.service "the link points at the installed unit"
other=$(grep -v -e 'loadd\.service' -e 'daemon-reload' "$tmp/invoked")
is "$other" "" "systemctl and deb-systemd-invoke were asked about loadd.service only"

# --- systemd-analyze verify --root on the installed units. The root gets
# what any Debian system with systemd has: systemd's own targets, copied
# from this host, and the programs the units run that the packages do not
# ship, when an Essential package or one of loadd's Depends provides them.

unitdir=$root/lib/systemd/system
for t in /lib/systemd/system/*.target; do
	[ -e "$unitdir/${t##*/}" ] || cp "$t" "$unitdir/"
done
loadd_deps=$(dpkg-deb -f "$tmp/loadd_${debver}_$arch.deb" Depends |
    sed 's/([^)]*)//g; s/[|,]/ /g')
for exe in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$unitdir"/loadd* |
    sort -u); do
	if [ -x "$root$exe" ]; then
		owner=$(q -S "$exe" 2>/dev/null | cut -d: -f1)
		pass "the units run $exe, from ${owner:-?} (installed here)"
		continue
	fi
	owner=$(dpkg -S "$exe" 2>/dev/null | grep -v '^diversion' | tail -n 1 |
	    cut -d: -f1)
	how=
	if [ -n "$owner" ] &&
	    [ "$(dpkg-query -W -f '${Essential}' "$owner")" = yes ]; then
		how="Essential"
	elif [ -n "$owner" ] && printf ' %s ' $loadd_deps | grep -q " $owner "; then
		how="a dependency of loadd"
	fi
	if [ -n "$how" ]; then
		mkdir -p "$root$(dirname "$exe")"
		cp -L "$exe" "$root$exe"
		pass "the units run $exe, from $owner ($how)"
	else
		fail "the units run $exe, from ${owner:-no package}, which loadd does not depend on"
	fi
done
verify() {
	local out
	out=$(systemd-analyze verify --man=no --root="$root" "$1" 2>&1)
	is "$?:$out" "0:" "systemd-analyze verify --root: $1 is silent"
}
for u in "$unitdir"/loadd*; do
	u=${u##*/}
	verify "$u"
	case $u in	# a template, and an instance of it
	*@.*) verify "${u%@.*}@checkout.${u#*@.}" ;;
	esac
done
# The check can fail: a unit whose program is not installed.
sed 's|^ExecStart=/usr/sbin/loadd |ExecStart=/usr/sbin/loadd-missing |' \
    "$unitdir/loadd.service" >"$root/etc/systemd/system/loadd-broken.service"
out=$(systemd-analyze verify --man=no --root="$root" loadd-broken.service 2>&1)
case $out in
*loadd-missing*) pass "systemd-analyze verify --root reports a program not installed" ;;
*) fail "systemd-analyze verify --root passed a program not installed: '$out'" ;;
esac
rm -f "$root/etc/systemd/system/loadd-broken.service"

# --- Remove, then purge: the configuration goes, the database stays.

mkdir -p "$root/var/lib/private/loadd"
echo "a database" >"$root/var/lib/private/loadd/loadd.db"
echo "LOADD_TOKEN=secret" >"$root/etc/loadd/loadctl.env"
if rootdpkg --remove loadd >"$tmp/remove.out" 2>&1; then
	pass "dpkg --remove loadd"
else
	fail "dpkg --remove loadd"
	indent "$tmp/remove.out" 20
fi
[ ! -e "$root/usr/sbin/loadd" ] && [ -f "$conf" ]
is "$?" 0 "remove: the program goes, the configuration stays"
if rootdpkg --purge loadd >"$tmp/purge.out" 2>&1; then
	pass "dpkg --purge loadd"
else
	fail "dpkg --purge loadd"
	indent "$tmp/purge.out" 20
fi
[ ! -e "$root/etc/loadd" ]
is "$?" 0 "purge: /etc/loadd goes (loadd.conf and loadctl.env)"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/loadd.service" ]
is "$?" 0 "purge: loadd.service's enable link goes"
is "$(cat "$root/var/lib/private/loadd/loadd.db" 2>&1)" "a database" \
    "purge: the database in /var/lib/private/loadd stays"

finish
