/* SPDX-License-Identifier: MIT */
/*
 * api-executions.c -- POST /v1/executions/{name}/push: what a shard pushes
 * to its collector (SPEC 16), every second and once more at its end. The
 * document is checked whole before anything is stored (collect_check), the
 * scenario it carries is validated as a posted one is; store_push merges
 * it into the execution's run. The answer tells the shard whether to stop.
 * Runs on the API thread.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

void
api_execution_push(struct api_request *req)
{
	struct verror	 err;
	struct limits	 any = { INT64_MAX, 1e300, INT64_MAX };
	json_t		*spec = NULL, *reply, *scn;
	const char	*code = NULL;
	char		*path, *cause;
	int		 status;

	if (!parse_name(req->param)) {
		api_reply_error(req, 400, "invalid_push", "", "execution: "
		    "expected a name (A-Z a-z 0-9 . _ -, at most 64)");
		return;
	}
	if (api_need_body(req) != 0)
		return;
	if (collect_check(req->json, &path, &cause) != 0) {
		api_reply_error(req, 400, "invalid_push", path, "%s", cause);
		free(path);
		free(cause);
		return;
	}
	/*
	 * The scenario ran on the shards under their limits: the collector
	 * runs nothing of it, so its own limits do not apply.
	 */
	if ((scn = json_object_get(req->json, "scenario")) != NULL &&
	    (spec = scenario_validate(scn, &any, &err)) == NULL) {
		xasprintf(&path, "/scenario%s", err.path);
		api_reply_error(req, 400, "invalid_push", path, "scenario: %s",
		    err.message);
		free(path);
		return;
	}
	status = store_push(req->store, req->param, req->json, spec,
	    (double)clock_wall_ms() / 1e3, &reply, &code, &cause);
	json_decref(spec);
	switch (status) {
	case 200:
		api_reply_json(req, 200, reply);
		break;
	case 409:
		/* The usual error, and how the execution ended, if it did. */
		if (reply == NULL)
			reply = json_object();
		json_object_set_new(reply, "error", json_pack("{s:s, s:s, s:s}",
		    "code", code, "message", cause, "path", ""));
		free(cause);
		api_reply_json(req, 409, reply);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}
