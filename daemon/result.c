/* SPDX-License-Identifier: MIT */
/*
 * result.c -- a run's results, typed: the statistics of the whole run and
 * of each request, its errors, its threshold verdicts and whether it passed,
 * built from merged per-second statistics and turned into the summary JSON
 * in one place. A normal finish, a run that failed and the rebuild of a run
 * cut short all go through result_build(); store_result_put() writes the
 * rows. Pure functions: any thread.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

/* Add the name at the end of the order, unless it is there. */
static void
result_order_add(const struct result *res, size_t *order, size_t *n,
    const char *name)
{
	size_t	i, j;

	if (name == NULL)
		return;
	for (i = 0; i < res->nnames; i++) {
		if (strcmp(res->names[i], name) != 0)
			continue;
		for (j = 0; j < *n; j++)
			if (order[j] == i)
				return;
		order[(*n)++] = i;
		return;
	}
}

/*
 * The order of the requests in reports: the scenario's, each group right
 * before its members; names the scenario does not hold (it changed) last.
 */
static void
result_order(struct result *res, json_t *spec)
{
	json_t	*e, *m;
	size_t	 i, j, n = 0;

	res->order = xcalloc(res->nnames + 1, sizeof *res->order);
	json_array_foreach(json_object_get(spec, "requests"), i, e) {
		result_order_add(res, res->order, &n,
		    json_string_value(json_object_get(e, "name")));
		json_array_foreach(json_object_get(e, "requests"), j, m)
			result_order_add(res, res->order, &n,
			    json_string_value(json_object_get(m, "name")));
	}
	for (i = 0; i < res->nnames; i++)
		result_order_add(res, res->order, &n, res->names[i]);
}

/*
 * Build the result of a run from its merged statistics: total holds the
 * whole run after the warmup, one wstat per name; elapsed is the measured
 * time in seconds (NAN or 0 when the run never got going). names are
 * borrowed; spec (the normalised scenario, may be NULL) gives the order.
 */
void
result_build(struct result *res, char **names, size_t nnames,
    const struct wblock *total, double elapsed, json_t *spec)
{
	size_t	i;

	memset(res, 0, sizeof *res);
	res->names = names;
	res->nnames = nnames;
	res->duration_s = elapsed > 0 ? elapsed : NAN;
	stats_compute(&res->overall, &total->overall, elapsed);
	res->stats = xcalloc(nnames + 1, sizeof *res->stats);
	for (i = 0; i < nnames && i < total->nstats; i++)
		stats_compute(&res->stats[i], &total->stats[i], elapsed);
	res->warmup_requests = total->warmup_requests;
	res->stream_waits = total->stream_waits;
	res->errors = json_array();
	res->thresholds = json_array();
	res->passed = 1;
	result_order(res, spec);
}

/* The open model's part: late and dropped iterations, service time. */
void
result_open(struct result *res, const struct wblock *total)
{
	int	i;

	res->open = 1;
	res->late = total->late;
	res->dropped = total->dropped;
	for (i = 0; i < METRIC_N; i++)
		res->service.v[i] = NAN;
	stats_latency(&res->service, &total->svc);
}

/*
 * A sweep's levels: each level's merged seconds, the time it was measured
 * (0 for a level the run never reached: its rates are then null) and its
 * VUs.
 */
void
result_levels(struct result *res, struct wblock *const *levels,
    const double *secs, const double *vus, size_t n)
{
	size_t	i;

	res->levels = xcalloc(n, sizeof *res->levels);
	res->level_vus = xcalloc(n, sizeof *res->level_vus);
	res->nlevels = n;
	for (i = 0; i < n; i++) {
		stats_compute(&res->levels[i], &levels[i]->overall, secs[i]);
		res->level_vus[i] = vus[i];
	}
}

/* The open model's summary part (SPEC section 3: both views). */
static json_t *
result_open_json(const struct result *res)
{
	static const struct {
		const char	*key;
		enum metric	 m;
	} keys[] = {
		{ "avg_ms", METRIC_AVG }, { "p50_ms", METRIC_P50 },
		{ "p90_ms", METRIC_P90 }, { "p95_ms", METRIC_P95 },
		{ "p99_ms", METRIC_P99 }, { "max_ms", METRIC_MAX },
	};
	json_t	*svc = json_object();
	size_t	 i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set_new(svc, keys[i].key, stats_value_json(
		    keys[i].m, res->service.v[keys[i].m]));
	return (json_pack("{s:I, s:I, s:o}", "late_iterations",
	    (json_int_t)res->late, "dropped_iterations",
	    (json_int_t)res->dropped, "service_time", svc));
}

/*
 * Judge the run: its thresholds (plan may be NULL: none), and the rule of
 * SPEC 13 that a completed run with no successful request never passes.
 * reason is set when it did not pass for a reason of its own.
 */
void
result_judge(struct result *res, const struct plan *plan, int completed)
{
	int	passed = 1;

	json_decref(res->thresholds);
	if (plan != NULL)
		res->thresholds = stats_thresholds(plan, &res->overall,
		    res->stats, res->nnames, 0, &passed);
	else
		res->thresholds = json_array();
	res->passed = completed && passed;
	if (completed && !(res->overall.v[METRIC_SUCCESSES] > 0)) {
		res->passed = 0;
		res->reason = "no successful request";
	}
}

/* The summary document: overall, requests, errors, thresholds. */
json_t *
result_summary(const struct result *res)
{
	json_t	*reqs, *st, *o, *sum, *levels;
	size_t	 i, k;

	reqs = json_array();
	for (i = 0; i < res->nnames; i++) {
		k = res->order[i];
		st = json_pack("{s:s}", "name", res->names[k]);
		o = stats_json(&res->stats[k]);
		json_object_update(st, o);
		json_decref(o);
		json_object_set_new(st, "protocol",
		    stats_protocol_json(&res->stats[k]));
		json_array_append_new(reqs, st);
	}
	sum = json_pack("{s:o, s:o, s:O, s:O, s:o, s:I}",
	    "overall", stats_json(&res->overall), "requests", reqs,
	    "errors", res->errors, "thresholds", res->thresholds,
	    "duration_s", isfinite(res->duration_s) ?
		json_real(metric_round(res->duration_s)) : json_null(),
	    "warmup_requests", (json_int_t)res->warmup_requests);
	json_object_set_new(sum, "protocol",
	    stats_protocol_json(&res->overall));
	/* A wait for a stream exists only where h2 carried something. */
	json_object_set_new(sum, "stream_waits", res->overall.proto_n[1] > 0 ?
	    json_integer((json_int_t)res->stream_waits) : json_null());
	if (res->open)
		json_object_set_new(sum, "open", result_open_json(res));
	if (res->levels != NULL) {
		levels = json_array();
		for (i = 0; i < res->nlevels; i++) {
			st = stats_json(&res->levels[i]);
			json_object_set_new(st, "vus", json_integer(
			    (json_int_t)res->level_vus[i]));
			json_array_append_new(levels, st);
		}
		json_object_set_new(sum, "levels", levels);
	}
	return (sum);
}

/* Release what result_build made; res itself is the caller's. */
void
result_free(struct result *res)
{
	if (res == NULL)
		return;
	free(res->stats);
	free(res->order);
	free(res->levels);
	free(res->level_vus);
	json_decref(res->errors);
	json_decref(res->thresholds);
	memset(res, 0, sizeof *res);
}
