#!/bin/bash
# install.sh -- make install into a staging root puts every file where it
# belongs (programs, schema, units, config, man pages, completion, examples),
# with the units naming the installed programs; make uninstall removes them
# all. Run from the build directory, as make check does.

. "$top_srcdir/tests/integration/lib.sh"

builddir=${abs_top_builddir:-$PWD}
root=$T/root
# The parent make's jobserver and flags are not ours.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    "${MAKE:-make}" -C "$builddir" "$@"
}

check "make install DESTDIR=..." mk install DESTDIR="$root"

# where PATTERN: the one installed file whose path ends with PATTERN.
where() {
	(cd "$root" && find . -type f -path "*$1" | sed 's|^\.||' | head -n 1)
}
has() {
	local f
	f=$(where "$1")
	if [ -n "$f" ]; then
		ok 0 "installed $1 ($f)"
	else
		ok 1 "installed $1"
	fi
}

has /sbin/loadd
has /bin/loadctl
has /bin/loadd-target
for s in "$top_srcdir"/schema/*.sql; do
	has "/share/loadd/schema/$(basename "$s")"
done
has /systemd/system/loadd.service
has /systemd/system/loadd-run@.service
has /systemd/system/loadd-run@.timer
has /etc/loadd/loadd.conf
has /man8/loadd.8
has /man1/loadctl.1
has /man1/loadd-target.1
has /man5/loadd.conf.5
has /man5/loadd-scenario.5
has /share/bash-completion/completions/loadctl
for e in mixed-api uploads multi-source sweep slo-constant-rate dynamic \
    login data-driven; do
	has "/examples/$e.json"
done
has /lib/loadd/loadd_sqlite.so
ext=$root$(where /lib/loadd/loadd_sqlite.so)
if command -v sqlite3 >/dev/null && [ -f "$ext" ]; then
	is "$(sqlite3 :memory: ".load ${ext%.so}" "SELECT hist_count(NULL) IS NULL" 2>&1)" 1 \
	    "the installed extension loads into the sqlite3 CLI"
fi

# The units run the programs where they were installed.
sbin=$(dirname "$(where /sbin/loadd)")
bin=$(dirname "$(where /bin/loadctl)")
etc=$(where /loadd/loadd.conf)
unit=$root$(where /systemd/system/loadd.service)
is "$(grep '^ExecStart=' "$unit")" "ExecStart=$sbin/loadd -c $etc" \
    "loadd.service runs the installed loadd with the installed config"
unit=$root$(where /systemd/system/loadd-run@.service)
like "$(grep '^ExecStart=' "$unit")" "^ExecStart=$bin/loadctl " \
    "loadd-run@.service runs the installed loadctl"

# The installed programs run, and the config file is one loadd accepts
# (its db flag overridden to stay in the test directory).
like "$("$root$sbin/loadd" --version 2>&1)" '^loadd ' \
    "the installed loadd runs"
conf=$root$(where /etc/loadd/loadd.conf)
is "$(grep -c '^db = /var/lib/loadd/loadd.db$' "$conf")" 1 \
    "the installed config sets db = /var/lib/loadd/loadd.db"
start_daemon -c "$conf"
ok $? "loadd starts with the installed config"
stop_daemon
ok $? "loadd stops cleanly"

# The completion loads in bash and completes the commands.
out=$(bash -c '
	. "$1"
	COMP_WORDS=(loadctl sce); COMP_CWORD=1
	_loadctl
	echo "${COMPREPLY[*]}"' sh "$root$(where /completions/loadctl)" 2>&1)
is "$out" scenario "the installed completion completes a command"

check "make uninstall DESTDIR=..." mk uninstall DESTDIR="$root"
left=$(cd "$root" && find . -type f -o -type l)
is "$left" "" "make uninstall leaves no files"

done_testing
