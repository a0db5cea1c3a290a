/* SPDX-License-Identifier: MIT */
/*
 * api-scenarios.c -- /v1/scenarios: stored, validated, normalised scenarios.
 * Runs on the API thread with its SQLite connection.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "loadd.h"

void
api_scenarios_list(struct api_request *req)
{
	json_t	*list;
	char	*cause;

	if ((list = store_scenario_list(req->store, &cause)) == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:o}", "scenarios", list));
}

void
api_scenario_get(struct api_request *req)
{
	json_t	*doc;
	char	*cause;

	if (api_check_name(req) != 0)
		return;
	switch (store_scenario_get(req->store, req->param, &doc, &cause)) {
	case 1:
		api_reply_json(req, 200, doc);
		break;
	case 0:
		api_reply_error(req, 404, "scenario_not_found", "",
		    "no scenario named \"%s\"", req->param);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}

/*
 * GET /v1/scenarios/{name}/trend?limit=N&label=KEY=VALUE: the scenario's
 * last N ended runs (default 30), oldest first, with their overall
 * percentiles, throughput, error rate and baselines: the UI's trend page.
 */
void
api_scenario_trend(struct api_request *req)
{
	const char	*limit_s, *label;
	json_t		*runs;
	char		*cause, *end, *key = NULL;
	const char	*value = NULL;
	long		 limit = 30;

	if (api_check_name(req) != 0)
		return;
	if ((limit_s = api_query(req, "limit")) != NULL) {
		limit = strtol(limit_s, &end, 10);
		if (*limit_s == '\0' || *end != '\0' || limit < 1 ||
		    limit > 1000) {
			api_reply_error(req, 400, "invalid_query", "", "limit: "
			    "expected an integer 1..1000; got \"%s\"", limit_s);
			return;
		}
	}
	if ((label = api_query(req, "label")) != NULL) {
		if ((value = strchr(label, '=')) == NULL || value == label) {
			api_reply_error(req, 400, "invalid_query", "", "label: "
			    "expected KEY=VALUE; got \"%s\"", label);
			return;
		}
		key = xstrndup(label, (size_t)(value - label));
		value++;
		if (!parse_name(key)) {
			api_reply_error(req, 400, "invalid_query", "", "label: "
			    "expected a label name before '='; got \"%s\"", key);
			free(key);
			return;
		}
	}
	runs = store_scenario_trend(req->store, req->param, (int)limit, key,
	    value, &cause);
	free(key);
	if (runs == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:s, s:o}", "scenario",
	    req->param, "runs", runs));
}

/*
 * Validate and store. The name comes from the path; a body naming another
 * scenario is an error, a body with no name takes the path's.
 */
void
api_scenario_put(struct api_request *req)
{
	struct verror	 err;
	json_t		*spec, *name, *doc, *datasets;
	char		*cause;
	int		 created;

	if (api_check_name(req) != 0 || api_need_body(req) != 0)
		return;
	if (!json_is_object(req->json)) {
		api_reply_error(req, 400, "invalid_scenario", "",
		    "expected a JSON object (a scenario)");
		return;
	}
	name = json_object_get(req->json, "name");	/* borrowed */
	if (name == NULL)
		json_object_set_new(req->json, "name",
		    json_string(req->param));
	else if (json_is_string(name) &&
	    strcmp(json_string_value(name), req->param) != 0) {
		api_reply_error(req, 400, "invalid_scenario", "/name",
		    "name: \"%s\" does not match the name in the path (\"%s\")",
		    json_string_value(name), req->param);
		return;
	}
	datasets = api_data_columns(req);
	spec = scenario_validate_data(req->json, &req->config->limits,
	    datasets, &err);
	json_decref(datasets);
	if (spec == NULL) {
		api_reply_error(req, 400, err.code, err.path, "%s",
		    err.message);
		return;
	}
	if (store_scenario_put(req->store, req->param, spec, &created,
	    &cause) != 0) {
		json_decref(spec);
		api_reply_store_error(req, cause);
		return;
	}
	json_decref(spec);
	if (store_scenario_get(req->store, req->param, &doc, &cause) != 1) {
		api_reply_store_error(req, cause != NULL ? cause :
		    xstrdup("scenario vanished"));
		return;
	}
	if (created)
		xasprintf(&req->location, "/v1/scenarios/%s", req->param);
	api_reply_json(req, created ? 201 : 200, doc);
}

void
api_scenario_delete(struct api_request *req)
{
	char	*cause;

	if (api_check_name(req) != 0)
		return;
	switch (store_scenario_delete(req->store, req->param, &cause)) {
	case 1:
		api_reply_empty(req, 204);
		break;
	case 0:
		api_reply_error(req, 404, "scenario_not_found", "",
		    "no scenario named \"%s\"", req->param);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}
