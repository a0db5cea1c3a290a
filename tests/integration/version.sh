#!/bin/bash
# version.sh -- the version comes from one place, AC_INIT in configure.ac:
# loadd --version, loadctl --version and GET /v1/health print it, and the
# top entry of debian/changelog carries it (a native package: no Debian
# revision). tests/package/check.sh checks the built packages the same way.

. "$top_srcdir/tests/integration/lib.sh"

version=$(sed -n 's/^AC_INIT(\[loadd\], \[\([^]]*\)\].*/\1/p' \
    "$top_srcdir/configure.ac")
like "$version" '^[0-9]+\.[0-9]+\.[0-9]+$' "configure.ac's version ($version)"
is "$("$LOADD" --version 2>&1)" "loadd $version" "loadd --version"
is "$("$LOADCTL" --version 2>&1)" "loadctl $version" "loadctl --version"
start_daemon
ok $? "loadd starts"
api GET /v1/health >/dev/null
is "$(jbody .version)" "$version" "GET /v1/health names the version"
stop_daemon

# The changelog's first line: "loadd (VERSION) DISTRIBUTION; urgency=...".
top=$(head -n 1 "$top_srcdir/debian/changelog")
like "$top" '^loadd \([^)]*\) [a-z-]+; urgency=' \
    "debian/changelog's top entry is loadd's"
is "$(printf '%s\n' "$top" | sed 's/^loadd (\([^)]*\)).*/\1/')" "$version" \
    "debian/changelog's top version is configure.ac's"

done_testing
