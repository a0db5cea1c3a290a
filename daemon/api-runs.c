/* SPDX-License-Identifier: MIT */
/*
 * api-runs.c -- /v1/runs: the run list and, with the engine, run control.
 * Runs on the API thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "loadd.h"

/* A submitted run being checked (maybe on the helper thread: DNS). */
struct api_submit {
	const struct config	*config;
	json_t			*spec;
	json_t			*warnings;
	struct run_opts		 opts;		/* shard, start_at, ... */
	enum run_result		 rc;
	char			*cause;
};

static void	api_run_check(void *);
static void	api_run_checked(struct api_request *, void *, int);

/* GET /v1/runs?scenario=&status=&execution=&limit=: newest first. */
void
api_runs_list(struct api_request *req)
{
	const char	*scenario, *status, *limit_s, *execution;
	json_t		*list;
	char		*cause, *end;
	long		 limit = 50;
	size_t		 i;

	scenario = api_query(req, "scenario");
	status = api_query(req, "status");
	limit_s = api_query(req, "limit");
	execution = api_query(req, "execution");
	if (execution != NULL && !parse_name(execution)) {
		api_reply_error(req, 400, "invalid_query", "", "execution: "
		    "expected an execution name; got \"%s\"", execution);
		return;
	}
	if (scenario != NULL && !parse_name(scenario)) {
		api_reply_error(req, 400, "invalid_query", "", "scenario: "
		    "expected a scenario name; got \"%s\"", scenario);
		return;
	}
	if (status != NULL) {
		for (i = 0; i < RUN_NSTATUS; i++)
			if (strcmp(status, run_status_name(i)) == 0)
				break;
		if (i == RUN_NSTATUS) {
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
	list = store_run_list(req->store, scenario, status, execution,
	    (int)limit, &cause);
	if (list == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:o}", "runs", list));
}


/* Check a labels object: names to strings. */
static int
api_check_labels(struct api_request *req, json_t *labels, const char *path)
{
	const char	*key;
	json_t		*v;

	if (!json_is_object(labels)) {
		api_reply_error(req, 400, "invalid_scenario", path,
		    "labels: expected an object of strings");
		return (-1);
	}
	json_object_foreach(labels, key, v) {
		if (!parse_name(key) || !json_is_string(v) ||
		    json_string_length(v) > 256) {
			api_reply_error(req, 400, "invalid_scenario", path,
			    "labels: \"%s\": expected a name (A-Z a-z 0-9 . _ "
			    "-) mapped to a string of at most 256 bytes", key);
			return (-1);
		}
	}
	return (0);
}

/*
 * Run-time vars (SPEC 14): each replaces a constant of the scenario's
 * "vars"; the run stores the values it used, in its spec. 0, or -1 after
 * answering 400 at /vars/NAME.
 */
static int
api_run_vars(struct api_request *req, json_t *doc, json_t *vars)
{
	json_t		*mine = json_object_get(doc, "vars"), *v, *old;
	const char	*name;
	char		 path[LOADD_NAME_MAX + 8];

	if (!json_is_object(vars)) {
		api_reply_error(req, 400, "invalid_scenario", "/vars",
		    "vars: expected an object of NAME: \"text\"");
		return (-1);
	}
	json_object_foreach(vars, name, v) {
		snprintf(path, sizeof path, "/vars/%.64s", name);
		old = json_object_get(mine, name);
		if (!json_is_string(old)) {
			api_reply_error(req, 400, "invalid_scenario", path,
			    "%s: %s", name, old == NULL ? "the scenario has "
			    "no such variable" : "not a constant of the "
			    "scenario (only constants take a run's value)");
			return (-1);
		}
		if (!json_is_string(v)) {
			api_reply_error(req, 400, "invalid_scenario", path,
			    "%s: expected a string", name);
			return (-1);
		}
		json_object_set(mine, name, v);
	}
	return (0);
}

/*
 * A scenario given whole whose name is that of a stored scenario with
 * another spec: the user may think the stored one ran. Say so.
 */
static void
api_run_same_name(struct api_request *req, json_t *spec, json_t *warnings)
{
	json_t		*stored, *a, *b;
	const char	*name = json_string_value(json_object_get(spec, "name"));
	char		*cause, *w;
	int		 found;

	found = store_scenario_get(req->store, name, &stored, &cause);
	if (found < 0) {
		free(cause);
		return;
	}
	if (found == 0)
		return;
	/* Labels are the run's, not the scenario's: leave them out. */
	a = json_deep_copy(json_object_get(stored, "spec"));
	b = json_deep_copy(spec);
	json_object_del(a, "labels");
	json_object_del(b, "labels");
	if (!json_equal(a, b)) {
		xasprintf(&w, "this scenario is not the stored scenario "
		    "\"%s\" of the same name (it differs); the run is of the "
		    "one given, and its results are filed under that name",
		    name);
		json_array_append_new(warnings, json_string(w));
		free(w);
	}
	json_decref(a);
	json_decref(b);
	json_decref(stored);
}

/*
 * POST /v1/runs: a whole scenario, or {"scenario": NAME, "labels": {...}}
 * naming a stored one. Validates, refuses forbidden targets, queues.
 */
void
api_run_create(struct api_request *req)
{
	struct verror		 err;
	struct api_submit	*job;
	json_t			*doc = NULL, *spec, *extra, *stored;
	json_t			*warnings, *sv, *vars, *v, *datasets;
	const char		*name, *key, *path;
	char			*cause;
	int			 found;
	struct run_opts		 opts;

	if (api_need_body(req) != 0)
		return;
	if (!json_is_object(req->json)) {
		api_reply_error(req, 400, "invalid_scenario", "", "expected a "
		    "scenario object, or {\"scenario\": NAME}");
		return;
	}
	sv = json_object_get(req->json, "scenario");
	if ((json_is_string(sv) || json_is_object(sv)) &&
	    json_object_get(req->json, "requests") == NULL) {
		/* {"scenario": NAME or {...}, "labels": {}, "vars": {}} */
		extra = json_object_get(req->json, "labels");	/* borrowed */
		vars = json_object_get(req->json, "vars");	/* borrowed */
		json_object_foreach(req->json, key, v) {
			if (strcmp(key, "scenario") != 0 &&
			    strcmp(key, "labels") != 0 &&
			    strcmp(key, "vars") != 0 &&
			    strcmp(key, "shard") != 0 &&
			    strcmp(key, "start_at") != 0 &&
			    strcmp(key, "execution") != 0 &&
			    strcmp(key, "collector") != 0) {
				api_reply_error(req, 400, "invalid_scenario",
				    "", "a run of a scenario takes "
				    "\"scenario\", \"labels\", \"vars\", "
				    "\"shard\", \"start_at\", \"execution\" "
				    "and \"collector\"; got \"%s\"", key);
				return;
			}
		}
		if (runopts_parse(req->json, clock_wall_ms(), &opts, &path,
		    &cause) != 0) {
			api_reply_error(req, 400, "invalid_run", path, "%s",
			    cause);
			free(cause);
			return;
		}
		if (extra != NULL && api_check_labels(req, extra,
		    "/labels") != 0)
			return;
		if (json_is_object(sv))
			doc = json_deep_copy(sv);
		else {
			name = json_string_value(sv);
			found = store_scenario_get(req->store, name, &stored,
			    &cause);
			if (found < 0) {
				api_reply_store_error(req, cause);
				return;
			}
			if (found == 0) {
				api_reply_error(req, 404, "scenario_not_found",
				    "/scenario", "no scenario named \"%s\"",
				    name);
				return;
			}
			doc = json_deep_copy(json_object_get(stored, "spec"));
			json_decref(stored);
		}
		if (extra != NULL) {
			if (!json_is_object(json_object_get(doc, "labels")))
				json_object_set_new(doc, "labels",
				    json_object());
			json_object_update(json_object_get(doc, "labels"),
			    extra);
		}
		if (vars != NULL && api_run_vars(req, doc, vars) != 0) {
			json_decref(doc);
			return;
		}
	} else {
		doc = json_incref(req->json);
		memset(&opts, 0, sizeof opts);
	}

	datasets = api_data_columns(req);
	spec = scenario_validate_data(doc, &req->config->limits, datasets,
	    &err);
	json_decref(datasets);
	json_decref(doc);
	if (spec == NULL) {
		api_reply_error(req, 400, err.code, err.path, "%s",
		    err.message);
		return;
	}
	warnings = json_array();
	if (json_object_get(req->json, "requests") != NULL ||
	    json_is_object(json_object_get(req->json, "scenario")))
		api_run_same_name(req, spec, warnings);
	job = xcalloc(1, sizeof *job);
	job->config = req->config;
	job->spec = spec;
	job->warnings = warnings;
	job->opts = opts;
	/* A host name is looked up off the API thread. */
	if (plan_needs_dns(spec) || (opts.nshards > 0 &&
	    !parse_numeric_host(opts.chost))) {
		api_defer(req, api_run_check, api_run_checked, job);
		return;
	}
	api_run_check(job);
	api_run_checked(req, job, 1);
}

/* Any thread: the submitted run's hosts, allowlist and limits. */
static void
api_run_check(void *arg)
{
	struct api_submit	*job = arg;

	job->rc = run_check(job->config, job->spec, &job->opts, &job->cause);
}

/* API thread: queue the checked run and answer (req NULL: cannot). */
static void
api_run_checked(struct api_request *req, void *arg, int ran)
{
	struct api_submit	*job = arg;
	char			*cause = NULL;
	int64_t			 id;

	if (req == NULL)
		goto out;
	if (!ran) {
		api_reply_error(req, 503, "stopping", "", "loadd is stopping");
		goto out;
	}
	switch (job->rc) {
	case RUN_OK:
		break;
	case RUN_FORBIDDEN:
		api_reply_error(req, 403, "forbidden_target", "", "%s",
		    job->cause);
		goto out;
	case RUN_LIMIT:
		api_reply_error(req, 400, "limit_exceeded", "/load", "%s",
		    job->cause);
		goto out;
	case RUN_COLLECTOR:
		api_reply_error(req, 403, "forbidden_collector", "/collector",
		    "%s", job->cause);
		goto out;
	default:
		api_reply_error(req, 500, "internal", "", "%s", job->cause !=
		    NULL ? job->cause : "run check failed");
		goto out;
	}
	switch (run_enqueue(req->runs, req->store, job->spec, json_object_get(
	    job->spec, "labels"), &job->opts, &id, &cause)) {
	case RUN_OK:
		break;
	case RUN_QUEUE_FULL:
		api_reply_error(req, 429, "queue_full", "", "%s", cause);
		free(cause);
		goto out;
	default:
		api_reply_store_error(req, cause);
		goto out;
	}
	xasprintf(&req->location, "/v1/runs/%lld", (long long)id);
	api_reply_json(req, 201, json_pack("{s:I, s:s, s:O}", "id",
	    (json_int_t)id, "status", "queued", "warnings", job->warnings));
out:
	json_decref(job->spec);
	json_decref(job->warnings);
	free(job->cause);
	free(job);
}

/* GET /v1/runs/{id}: the run, with live progress while it runs. */
void
api_run_get(struct api_request *req)
{
	json_t	*run, *progress;
	char	*cause;
	int64_t	 id;

	if (api_run_id(req, &id) != 0)
		return;
	switch (store_run_get(req->store, id, &run, &cause)) {
	case 1:
		if ((progress = run_progress(req->runs, id)) != NULL)
			json_object_set_new(run, "progress", progress);
		api_reply_json(req, 200, run);
		break;
	case 0:
		api_reply_error(req, 404, "run_not_found", "",
		    "no run with id %lld", (long long)id);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}

/* Whether run id is stored; if not, the 404 (or store error) is sent. */
static int
api_run_exists(struct api_request *req, int64_t id)
{
	json_t	*run;
	char	*cause;
	int	 found;

	found = store_run_get(req->store, id, &run, &cause);
	if (found > 0) {
		json_decref(run);
		return (1);
	}
	if (found < 0)
		api_reply_store_error(req, cause);
	else
		api_reply_error(req, 404, "run_not_found", "",
		    "no run with id %lld", (long long)id);
	return (0);
}

/* Stop an execution's merged run: 0, or -1 when answered with an error. */
static int
api_run_stop_execution(struct api_request *req, int64_t id)
{
	json_t	*run;
	char	*cause;
	int	 running;

	if (store_run_get(req->store, id, &run, &cause) < 0) {
		api_reply_store_error(req, cause);
		return (-1);
	}
	running = strcmp(json_string_value(json_object_get(run, "status")),
	    "running") == 0;
	json_decref(run);
	if (!running) {
		api_reply_error(req, 409, "run_not_active", "", "run %lld "
		    "is not queued or running", (long long)id);
		return (-1);
	}
	if (store_execution_stop(req->store, id, "stopped", "stopped by a "
	    "user", &cause) < 0) {
		api_reply_store_error(req, cause);
		return (-1);
	}
	return (0);
}

/* POST /v1/runs/{id}/stop: 202, the run ends as stopped. */
void
api_run_stop(struct api_request *req)
{
	char	*cause;
	int64_t	 id;

	if (api_run_id(req, &id) != 0 || !api_run_exists(req, id))
		return;
	/* A merged run: its shards hear the stop at their next push. */
	if (store_is_execution(req->store, id)) {
		if (api_run_stop_execution(req, id) == 0)
			api_reply_json(req, 202, json_pack("{s:I, s:s}", "id",
			    (json_int_t)id, "status", "stopping"));
		return;
	}
	switch (run_stop(req->runs, id)) {
	case RUN_OK:
		break;
	case RUN_DEQUEUED:
		if (store_run_set_status(req->store, id,
		    run_status_name(RUN_STOPPED),
		    &cause) != 0) {
			api_reply_store_error(req, cause);
			return;
		}
		break;
	default:
		api_reply_error(req, 409, "run_not_active", "", "run %lld "
		    "is not queued or running", (long long)id);
		return;
	}
	api_reply_json(req, 202, json_pack("{s:I, s:s}", "id", (json_int_t)id,
	    "status", "stopping"));
}

/* PATCH /v1/runs/{id}: pause, resume, VUs or rate of the running run. */
void
api_run_patch(struct api_request *req)
{
	char	*cause, *path;
	int64_t	 id;

	if (api_run_id(req, &id) != 0 || api_need_body(req) != 0 ||
	    !api_run_exists(req, id))
		return;
	if (run_patch(req->runs, id, req->json, &path, &cause) != RUN_OK) {
		if (path == NULL)
			api_reply_error(req, 409, "run_not_active", "", "%s",
			    cause);
		else
			api_reply_error(req, 400, "invalid_patch", path, "%s",
			    cause);
		free(path);
		free(cause);
		return;
	}
	api_run_get(req);
}

/* DELETE /v1/runs/{id}: 204; 409 while active or named by a baseline. */
void
api_run_delete(struct api_request *req)
{
	json_t	*run, *list, *b;
	char	*cause;
	int64_t	 id;
	size_t	 i;
	int	 found;

	if (api_run_id(req, &id) != 0)
		return;
	found = store_run_get(req->store, id, &run, &cause);
	if (found <= 0) {
		if (found < 0)
			api_reply_store_error(req, cause);
		else
			api_reply_error(req, 404, "run_not_found", "",
			    "no run with id %lld", (long long)id);
		return;
	}
	if (strcmp(json_string_value(json_object_get(run, "status")),
	    "running") == 0 || strcmp(json_string_value(json_object_get(run,
	    "status")), "queued") == 0) {
		json_decref(run);
		api_reply_error(req, 409, "run_active", "", "run %lld is %s: "
		    "stop it first", (long long)id, "active");
		return;
	}
	json_decref(run);
	if ((list = store_baseline_list(req->store, &cause)) == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	json_array_foreach(list, i, b) {
		if (json_integer_value(json_object_get(b, "run_id")) != id)
			continue;
		api_reply_error(req, 409, "run_is_baseline", "", "run %lld is "
		    "baseline \"%s\": remove the baseline first",
		    (long long)id, json_string_value(json_object_get(b,
		    "name")));
		json_decref(list);
		return;
	}
	json_decref(list);
	switch (store_run_delete(req->store, id, &cause)) {
	case 1:
		api_reply_empty(req, 204);
		break;
	case 0:
		api_reply_error(req, 404, "run_not_found", "",
		    "no run with id %lld", (long long)id);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}
