#!/bin/bash
# limits.sh -- a run that would need more file descriptors than loadd may
# open is refused up front, with what to do about it.
. "${top_srcdir:-.}/tests/integration/lib.sh"

ulimit -n 1024 || { echo "1..0 # SKIP cannot set the fd limit"; exit 0; }
start_target
start_daemon || { ok 1 "daemon starts"; done_testing; }
is "$(api POST /v1/runs "{\"name\":\"many\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":2000,\"duration\":\"1s\"}}")" \
    400 "2000 VUs with 1024 descriptors is refused"
is "$(jbody .error.code)" limit_exceeded "as limit_exceeded"
like "$(jbody .error.message)" 'LimitNOFILE' "saying what to raise"
is "$(api POST /v1/runs "{\"name\":\"grp\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"g\",\"group\":\"parallel\",\"requests\":[{\"name\":\"a\",\"path\":\"/\"},{\"name\":\"b\",\"path\":\"/\"},{\"name\":\"c\",\"path\":\"/\"}]}],\"load\":{\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":\"1s\",\"target\":400}]}}")" \
    400 "a group's VU needs a connection per member"
is "$(api POST /v1/runs "{\"name\":\"few\",\"target\":\"$TURL\",\"requests\":[{\"name\":\"r\",\"path\":\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":300,\"iterations\":300}}")" \
    201 "300 VUs fit"
wait_run "$(jbody .id)" 20
is "$(jbody .summary.overall.failed_requests)" 0 "and run without errors"
done_testing
