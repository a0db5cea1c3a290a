/* SPDX-License-Identifier: MIT */
/*
 * api-runs.c -- /v1/runs: the run list and, with the engine, run control.
 * Runs on the API thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "loadd.h"

static const char *api_run_statuses[] = {
	"queued", "running", "completed", "stopped", "aborted", "failed",
	"interrupted", NULL
};

/* GET /v1/runs?scenario=&status=&limit=: newest first. */
void
api_runs_list(struct api_request *req)
{
	const char	*scenario, *status, *limit_s;
	json_t		*list;
	char		*cause, *end;
	long		 limit = 50;
	size_t		 i;

	scenario = api_query(req, "scenario");
	status = api_query(req, "status");
	limit_s = api_query(req, "limit");
	if (scenario != NULL && !parse_name(scenario)) {
		api_reply_error(req, 400, "invalid_query", "", "scenario: "
		    "expected a scenario name; got \"%s\"", scenario);
		return;
	}
	if (status != NULL) {
		for (i = 0; api_run_statuses[i] != NULL; i++)
			if (strcmp(status, api_run_statuses[i]) == 0)
				break;
		if (api_run_statuses[i] == NULL) {
			api_reply_error(req, 400, "invalid_query", "", "status: "
			    "expected one of queued, running, completed, "
			    "stopped, aborted, failed, interrupted; got \"%s\"",
			    status);
			return;
		}
	}
	if (limit_s != NULL) {
		limit = strtol(limit_s, &end, 10);
		if (*limit_s == '\0' || *end != '\0' || limit < 1 ||
		    limit > 10000) {
			api_reply_error(req, 400, "invalid_query", "", "limit: "
			    "expected an integer 1..10000; got \"%s\"",
			    limit_s);
			return;
		}
	}
	list = store_run_list(req->store, scenario, status, (int)limit, &cause);
	if (list == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:o}", "runs", list));
}
