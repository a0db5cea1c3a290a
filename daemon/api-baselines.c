/* SPDX-License-Identifier: MIT */
/*
 * api-baselines.c -- /v1/baselines: named runs that later runs are compared
 * with. Runs on the API thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "loadd.h"

void
api_baselines_list(struct api_request *req)
{
	json_t	*list;
	char	*cause;

	if ((list = store_baseline_list(req->store, &cause)) == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:o}", "baselines", list));
}

void
api_baseline_get(struct api_request *req)
{
	json_t	*b;
	char	*cause;

	if (api_check_name(req) != 0)
		return;
	switch (store_baseline_get(req->store, req->param, &b, &cause)) {
	case 1:
		api_reply_json(req, 200, b);
		break;
	case 0:
		api_reply_error(req, 404, "baseline_not_found", "",
		    "no baseline named \"%s\"", req->param);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}

/* PUT /v1/baselines/{name} {"run_id": N}: only a completed run. */
void
api_baseline_put(struct api_request *req)
{
	json_t		*run, *b, *idj;
	const char	*status;
	char		*cause;
	int64_t		 id;
	int		 found, created;

	if (api_check_name(req) != 0 || api_need_body(req) != 0)
		return;
	idj = json_object_get(req->json, "run_id");	/* borrowed */
	if (!json_is_object(req->json) || !json_is_integer(idj) ||
	    json_integer_value(idj) <= 0 || json_object_size(req->json) != 1) {
		api_reply_error(req, 400, "invalid_baseline", "/run_id",
		    "run_id: expected {\"run_id\": N} with a run id");
		return;
	}
	id = json_integer_value(idj);
	found = store_run_get(req->store, id, &run, &cause);
	if (found < 0) {
		api_reply_store_error(req, cause);
		return;
	}
	if (found == 0) {
		api_reply_error(req, 404, "run_not_found", "/run_id",
		    "no run with id %lld", (long long)id);
		return;
	}
	status = json_string_value(json_object_get(run, "status"));
	if (strcmp(status, "completed") != 0) {
		api_reply_error(req, 409, "run_not_completed", "/run_id",
		    "run %lld is %s: only a completed run can be a baseline",
		    (long long)id, status);
		json_decref(run);
		return;
	}
	json_decref(run);
	if (store_baseline_put(req->store, req->param, id, &created,
	    &cause) != 0 ||
	    store_baseline_get(req->store, req->param, &b, &cause) != 1) {
		api_reply_store_error(req, cause != NULL ? cause :
		    xstrdup("baseline vanished"));
		return;
	}
	if (created)
		xasprintf(&req->location, "/v1/baselines/%s", req->param);
	api_reply_json(req, created ? 201 : 200, b);
}

void
api_baseline_delete(struct api_request *req)
{
	char	*cause;

	if (api_check_name(req) != 0)
		return;
	switch (store_baseline_delete(req->store, req->param, &cause)) {
	case 1:
		api_reply_empty(req, 204);
		break;
	case 0:
		api_reply_error(req, 404, "baseline_not_found", "",
		    "no baseline named \"%s\"", req->param);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}

/* An ended run with a summary, for a comparison; else answers. */
static int
api_compare_run(struct api_request *req, int64_t id, json_t **run,
    const char *what)
{
	const char	*status;
	char		*cause;
	int		 found;

	found = store_run_get(req->store, id, run, &cause);
	if (found < 0) {
		api_reply_store_error(req, cause);
		return (-1);
	}
	if (found == 0) {
		api_reply_error(req, 404, "run_not_found", "", "no %s run with "
		    "id %lld", what, (long long)id);
		return (-1);
	}
	status = json_string_value(json_object_get(*run, "status"));
	if (json_object_get(*run, "summary") == NULL ||
	    strcmp(status, "failed") == 0) {
		api_reply_error(req, 409, "run_not_comparable", "", "%s run %lld "
		    "is %s: it has no results to compare", what, (long long)id,
		    status);
		json_decref(*run);
		return (-1);
	}
	return (0);
}

/*
 * GET /v1/runs/{id}/compare?baseline=NAME|run=ID[&tolerance=SPEC]
 * [&format=json|md]: SPEC section 8. The result is kept for the report.
 */
void
api_run_compare(struct api_request *req)
{
	const char	*bname, *brun_s, *tol_s, *format;
	json_t		*crun = NULL, *brun = NULL, *b, *c;
	struct tolerance tol;
	char		*cause, *end, *md;
	int64_t		 id, base;

	if (api_run_id(req, &id) != 0)
		return;
	bname = api_query(req, "baseline");
	brun_s = api_query(req, "run");
	tol_s = api_query(req, "tolerance");
	format = api_query(req, "format");
	if (format == NULL)
		format = "json";
	if (strcmp(format, "json") != 0 && strcmp(format, "md") != 0) {
		api_reply_error(req, 400, "invalid_query", "", "format: expected "
		    "json or md; got \"%s\"", format);
		return;
	}
	if ((bname == NULL) == (brun_s == NULL)) {
		api_reply_error(req, 400, "invalid_query", "", "give baseline="
		    "NAME or run=ID (one of them)");
		return;
	}
	if (compare_parse_tolerance(tol_s, &tol, &cause) != 0) {
		api_reply_error(req, 400, "invalid_tolerance", "", "%s", cause);
		free(cause);
		return;
	}
	if (bname != NULL) {
		if (!parse_name(bname)) {
			api_reply_error(req, 400, "invalid_query", "",
			    "baseline: expected a name; got \"%s\"", bname);
			return;
		}
		switch (store_baseline_get(req->store, bname, &b, &cause)) {
		case 1:
			base = json_integer_value(json_object_get(b,
			    "run_id"));
			json_decref(b);
			break;
		case 0:
			api_reply_error(req, 404, "baseline_not_found", "",
			    "no baseline named \"%s\"", bname);
			return;
		default:
			api_reply_store_error(req, cause);
			return;
		}
	} else {
		base = strtoll(brun_s, &end, 10);
		if (*brun_s == '\0' || *end != '\0' || base <= 0) {
			api_reply_error(req, 400, "invalid_query", "", "run: "
			    "expected a run id; got \"%s\"", brun_s);
			return;
		}
	}
	if (api_compare_run(req, id, &crun, "this") != 0)
		return;
	if (api_compare_run(req, base, &brun, "baseline") != 0) {
		json_decref(crun);
		return;
	}
	c = compare_runs(req->store, base, id, bname, &tol, brun, crun);
	json_decref(crun);
	json_decref(brun);
	if (store_comparison_put(req->store, id, c, &cause) != 0) {
		log_warn("api: keeping the comparison of run %lld: %s",
		    (long long)id, cause);
		free(cause);
	}
	if (strcmp(format, "md") == 0) {
		md = compare_md(c);
		json_decref(c);
		free(req->resp);
		req->resp = md;
		req->resplen = strlen(md);
		req->status = 200;
		req->resp_type = "text/markdown; charset=utf-8";
		return;
	}
	api_reply_json(req, 200, c);
}
