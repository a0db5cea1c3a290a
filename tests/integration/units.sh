#!/bin/bash
# units.sh -- the systemd units and the man pages: systemd-analyze verify
# says nothing about any generated unit, the timer's calendar parses, the
# daemon's sandbox scores 2.0 or better, mandoc -T lint says nothing.
# Run from the build directory (the generated units are there).

. "$top_srcdir/tests/integration/lib.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	kill "$WATCHDOG_PID" 2>/dev/null
	echo "1..0 # SKIP systemd-analyze not installed"
	rm -rf "$T"
	exit 0
fi

builddir=${abs_top_builddir:-$PWD}
units="loadd.service loadd-run@.service"

# The units name the installed binaries, which need not exist yet: verify
# copies that run the built ones. Instances stand in for the templates.
mkdir -p "$T/units"
for u in $units; do
	check "$u generated" test -s "$builddir/systemd/$u"
	sed -E \
	    -e "s|^(Exec[A-Za-z]*=)[^ ]*/loadd( \|$)|\\1$LOADD\\2|" \
	    -e "s|^(Exec[A-Za-z]*=)[^ ]*/loadctl( \|$)|\\1$LOADCTL\\2|" \
	    "$builddir/systemd/$u" >"$T/units/$u"
done
cp "$top_srcdir/systemd/loadd-run@.timer" "$T/units/"
cp "$T/units/loadd-run@.service" "$T/units/loadd-run@checkout.service"
cp "$T/units/loadd-run@.timer" "$T/units/loadd-run@checkout.timer"

# Nothing of the templates is left unsubstituted.
out=$(grep -n '@[a-z]*dir@' "$builddir"/systemd/*.service)
is "$out" "" "no @...@ left in the generated units"

# The generated units run what was installed, with the configure paths.
like "$(grep '^ExecStart=' "$builddir/systemd/loadd.service")" \
    '^ExecStart=/[^ ]*/sbin/loadd -c /[^ ]*/loadd/loadd\.conf$' \
    "loadd.service runs sbindir/loadd -c sysconfdir/loadd/loadd.conf"
like "$(grep '^ExecStart=' "$builddir/systemd/loadd-run@.service")" \
    '^ExecStart=/[^ ]*/bin/loadctl run --scenario %i --wait --baseline %i ' \
    "loadd-run@.service runs bindir/loadctl run --scenario %i --wait"

cd "$T/units" || exit 1
for u in loadd.service loadd-run@.service loadd-run@.timer \
    loadd-run@checkout.service loadd-run@checkout.timer; do
	out=$(systemd-analyze verify --man=no "./$u" 2>&1)
	rc=$?
	is "$rc:$out" "0:" "systemd-analyze verify $u is silent"
done

# A unit with a mistake must not pass: the check can fail.
sed 's/^Type=notify$/Type=notfy/' loadd.service >broken.service
out=$(systemd-analyze verify --man=no ./broken.service 2>&1)
like "$out" 'notfy' "systemd-analyze verify reports a broken unit"
cd - >/dev/null || exit 1

cal=$(sed -n 's/^OnCalendar=//p' "$top_srcdir/systemd/loadd-run@.timer")
is "$cal" '*-*-* 02:00:00' "the timer fires at 02:00 every night"
out=$(systemd-analyze calendar "$cal" 2>&1)
like "$out" 'Normalized form: \*-\*-\* 02:00:00' \
    "systemd-analyze calendar accepts OnCalendar"

score() {
	systemd-analyze security --offline=true --no-pager "$1" 2>&1 |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
for u in loadd.service loadd-run@checkout.service; do
	s=$(score "$T/units/$u")
	if [ -n "$s" ] && awk -v s="$s" 'BEGIN { exit !(s <= 2.0) }'; then
		ok 0 "$u exposure level $s <= 2.0"
	else
		ok 1 "$u exposure level '$s' <= 2.0"
	fi
done

if command -v mandoc >/dev/null 2>&1; then
	for m in loadd.8 loadctl.1 loadd-target.1 loadd.conf.5 \
	    loadd-scenario.5; do
		# Cross-references to pages not installed on this machine and
		# a stale mandoc.db are facts of the host, not of the page.
		out=$(mandoc -T lint -W style "$top_srcdir/man/$m" 2>&1 |
		    grep -v -e 'referenced manual not found' -e 'mandoc\.db')
		is "$out" "" "mandoc -T lint $m is silent"
	done
else
	echo "# mandoc not installed: man pages not linted"
fi

done_testing
