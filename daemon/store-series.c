/* SPDX-License-Identifier: MIT */
/*
 * store-series.c -- reading what a run left per second: the intervals
 * behind reports, comparisons and the timeseries route, system_metrics,
 * and the raw samples streamed as CSV. Percentiles and merges go through
 * the histogram SQL functions (hist-sql.c), as users' own queries do.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loadd.h"
#include "store.h"

/*
 * Points a second from sql (run id bound as ?1): column 0 the second, the
 * next ncols the values (NAN where NULL), the rest of v NAN. 0, or -1
 * with *cause.
 */
static int
store_points(struct store *st, const char *sql, int64_t id, int ncols,
    struct report_point **out, size_t *n, char **cause)
{
	sqlite3_stmt		*stmt;
	struct report_point	*p;
	size_t			 size = 0;
	int			 rc, i;

	*out = NULL;
	*n = 0;
	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n == size) {
			size = size == 0 ? 64 : size * 2;
			*out = xreallocarray(*out, size, sizeof **out);
		}
		p = &(*out)[(*n)++];
		p->t = sqlite3_column_double(stmt, 0);
		for (i = 0; i < 6; i++)
			p->v[i] = i < ncols ? store_column_double(stmt, i + 1) :
			    NAN;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return (store_fail(st, cause));
	return (0);
}

/*
 * The '*' intervals of a run, a point a second: requests, errors, p50,
 * p95, p99 and max ms.
 */
int
store_run_points(struct store *st, int64_t id, struct report_point **out,
    size_t *n, char **cause)
{
	return (store_points(st, "SELECT second, requests, errors, p50_ms, "
	    "p95_ms, p99_ms, max_ms FROM intervals WHERE run_id = ?1 AND "
	    "request = '*' ORDER BY second", id, 6, out, n, cause));
}

/*
 * system_metrics of a run, a point a second: loadd's CPU % and RSS, the
 * target's when watched.
 */
int
store_run_system(struct store *st, int64_t id, struct report_point **out,
    size_t *n, char **cause)
{
	return (store_points(st, "SELECT second, cpu_pct, rss_bytes, "
	    "target_cpu_pct, target_rss_bytes FROM system_metrics WHERE "
	    "run_id = ?1 ORDER BY second", id, 4, out, n, cause));
}

/*
 * One request's histograms of a run ('*' for all), merged by hist_merge().
 * NULL without *cause when the run has none; NULL with *cause when SQLite
 * failed or a blob is damaged (hist_merge says which).
 */
struct hist *
store_run_hist(struct store *st, int64_t id, const char *request,
    char **cause)
{
	sqlite3_stmt	*stmt;
	struct hist	*h = NULL;

	*cause = NULL;
	stmt = store_prepare(st, "SELECT hist_merge(hist) FROM intervals "
	    "WHERE run_id = ? AND request = ?", cause);
	if (stmt == NULL)
		return (NULL);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, request, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		store_fail(st, cause);
	else if (sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		h = hist_decode(sqlite3_column_blob(stmt, 0),
		    (size_t)sqlite3_column_bytes(stmt, 0), cause);
	sqlite3_finalize(stmt);
	return (h);
}

/*
 * The per-second values of metric m for one request ('*' overall) of a
 * run, from its intervals (each second's histogram through the SQL
 * functions for latency). Only whole seconds of the measured window count:
 * the partial last second would look like an outlier to a test of noise.
 * NULL with *n 0 when there are none or SQLite failed (a damaged blob).
 */
double *
store_run_series(struct store *st, int64_t run, const char *request,
    enum metric m, size_t *n)
{
	sqlite3_stmt	*stmt;
	double		*v = NULL;
	const char	*expr;
	char		*sql, *cause;
	int		 rc;

	*n = 0;
	if (m == METRIC_RPS)
		expr = "requests";
	else if (m == METRIC_ERROR_RATE)
		expr = "100.0 * errors / requests";
	else if (m == METRIC_AVG)
		expr = "hist_mean(hist)";
	else if (m == METRIC_STDDEV)
		expr = "hist_stddev(hist)";
	else if (metric_defs[m].pct >= 0)
		expr = "hist_quantile(hist, ?3 / 100.0)";
	else
		return (NULL);
	xasprintf(&sql, "SELECT %s FROM intervals WHERE run_id = ?1 AND "
	    "request = ?2 AND requests > 0 AND second < (SELECT min(second) "
	    "FROM intervals WHERE run_id = ?1 AND request = '*' AND "
	    "requests > 0) + (SELECT CAST(summary->>'duration_s' AS INTEGER) "
	    "FROM runs WHERE id = ?1) ORDER BY second", expr);
	stmt = store_prepare(st, sql, &cause);
	free(sql);
	if (stmt == NULL) {
		log_warn("run %lld: %s", (long long)run, cause);
		free(cause);
		return (NULL);
	}
	sqlite3_bind_int64(stmt, 1, run);
	sqlite3_bind_text(stmt, 2, request, -1, SQLITE_STATIC);
	if (metric_defs[m].pct >= 0)
		sqlite3_bind_double(stmt, 3, metric_defs[m].pct);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		/* an empty histogram has no latency: not a point */
		if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = sqlite3_column_double(stmt, 0);
	}
	if (rc != SQLITE_DONE) {
		log_warn("run %lld %s: %s", (long long)run, request,
		    sqlite3_errmsg(st->db));
		free(v);
		v = NULL;
		*n = 0;
	}
	sqlite3_finalize(stmt);
	return (v);
}

/* Does the run know a request (or group) of that name? */
int
store_run_has_request(struct store *st, int64_t id, const char *name)
{
	sqlite3_stmt	*stmt;
	char		*cause;
	int		 found;

	stmt = store_prepare(st, "SELECT 1 FROM intervals WHERE run_id = ?1 "
	    "AND request = ?2 UNION ALL SELECT 1 FROM runs r, "
	    "json_tree(r.spec, '$.requests') j WHERE r.id = ?1 AND "
	    "j.key = 'name' AND j.value = ?2 LIMIT 1", &cause);
	if (stmt == NULL) {
		free(cause);
		return (1);	/* let the next query say what is wrong */
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return (found);
}

/* A latency column: null without data, else rounded to the microsecond. */
static json_t *
store_column_ms(sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return (json_null());
	return (json_real(metric_round(sqlite3_column_double(stmt, i))));
}

/*
 * The end of a statement that built out row by row: out, or NULL with
 * *cause when the last step (rc) failed. Finalizes stmt.
 */
static json_t *
store_json_end(struct store *st, sqlite3_stmt *stmt, int rc, json_t *out,
    char **cause)
{
	if (rc != SQLITE_DONE) {
		store_fail(st, cause);
		json_decref(out);
		out = NULL;
	}
	sqlite3_finalize(stmt);
	return (out);
}

/*
 * One request's (or '*') series of a run, a JSON object a second as the
 * timeseries route gives it. NULL with *cause when SQLite failed.
 */
json_t *
store_run_timeseries(struct store *st, int64_t id, const char *name,
    char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*series;
	int		 rc;

	stmt = store_prepare(st, "SELECT second, requests, errors, p50_ms, "
	    "p95_ms, p99_ms, max_ms, (SELECT vus FROM intervals w WHERE "
	    "w.run_id = i.run_id AND w.second = i.second AND w.request = '*') "
	    "FROM intervals i WHERE run_id = ? AND request = ? ORDER BY "
	    "second", cause);
	if (stmt == NULL)
		return (NULL);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	series = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_array_append_new(series, json_pack("{s:I, s:I, s:I, s:I, "
		    "s:o, s:o, s:o, s:o, s:o}",
		    "t", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "requests", (json_int_t)sqlite3_column_int64(stmt, 1),
		    "errors", (json_int_t)sqlite3_column_int64(stmt, 2),
		    "rps", (json_int_t)sqlite3_column_int64(stmt, 1),
		    "p50_ms", store_column_ms(stmt, 3),
		    "p95_ms", store_column_ms(stmt, 4),
		    "p99_ms", store_column_ms(stmt, 5),
		    "max_ms", store_column_ms(stmt, 6),
		    "vus", sqlite3_column_type(stmt, 7) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(stmt, 7))));
	}
	return (store_json_end(st, stmt, rc, series, cause));
}

/* How many runs have a status: 0 and *n, or -1. */
int
store_run_count(struct store *st, const char *status, int64_t *n)
{
	sqlite3_stmt	*stmt;
	char		*cause;
	int		 rc = -1;

	stmt = store_prepare(st, "SELECT count(*) FROM runs WHERE status = ?",
	    &cause);
	if (stmt == NULL) {
		free(cause);
		return (-1);
	}
	sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*n = sqlite3_column_int64(stmt, 0);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* The run's latest comparison with a baseline, or NULL. */
json_t *
store_comparison_get(struct store *st, int64_t id)
{
	sqlite3_stmt	*stmt;
	json_t		*c = NULL;
	char		*cause;

	stmt = store_prepare(st, "SELECT result FROM comparisons WHERE "
	    "run_id = ?", &cause);
	if (stmt == NULL) {
		free(cause);
		return (NULL);
	}
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		c = json_loads((const char *)sqlite3_column_text(stmt, 0), 0,
		    NULL);
	sqlite3_finalize(stmt);
	return (c);
}

/*
 * A cursor over a run's raw samples, on a read-only connection of its own
 * (the CSV stream outlives the API request that started it). It reads the
 * chunks (store-samples.c) and decodes their records itself: the same
 * rows, in the same order, as the samples view.
 */
struct store_samples {
	struct store		*st;
	sqlite3_stmt		*stmt;
	const unsigned char	*data;		/* the chunk at hand */
	size_t			 n, i;
	const char		*request;
};

struct store_samples *
store_samples_open(const char *path, int64_t id, char **cause)
{
	struct store_samples	*ss;

	ss = xcalloc(1, sizeof *ss);
	if ((ss->st = store_open(path, STORE_READONLY, cause)) == NULL ||
	    (ss->stmt = store_prepare(ss->st, "SELECT request, n, data FROM "
	    "sample_chunks WHERE run_id = ? ORDER BY rowid", cause)) == NULL) {
		store_samples_close(ss);
		return (NULL);
	}
	sqlite3_bind_int64(ss->stmt, 1, id);
	return (ss);
}

/* The decimal field of width bytes at p: -1 when blank (NULL). */
static int64_t
store_field(const unsigned char *p, int width)
{
	int64_t	v = 0;
	int	i, digits = 0;

	for (i = 0; i < width; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			v = v * 10 + (p[i] - '0');
			digits++;
		}
	}
	return (digits > 0 ? v : -1);
}

/*
 * The next sample into *r (its strings valid until the next call): 1, 0 at
 * the end, -1 on error.
 */
int
store_samples_next(struct store_samples *ss, struct sample_row *r)
{
	const unsigned char	*p;
	int64_t			 code;
	int			 rc, len;

	while (ss->i >= ss->n) {
		if ((rc = sqlite3_step(ss->stmt)) != SQLITE_ROW)
			return (rc == SQLITE_DONE ? 0 : -1);
		ss->request = (const char *)sqlite3_column_text(ss->stmt, 0);
		ss->data = sqlite3_column_blob(ss->stmt, 2);
		len = sqlite3_column_bytes(ss->stmt, 2);
		ss->n = (size_t)sqlite3_column_int64(ss->stmt, 1);
		/* a damaged chunk gives what it holds, never more */
		if (ss->data == NULL || len < 0)
			ss->n = 0;
		else if (ss->n > (size_t)len / STORE_SAMPLE_RECORD)
			ss->n = (size_t)len / STORE_SAMPLE_RECORD;
		ss->i = 0;
		if (ss->request == NULL)
			ss->request = "";
	}
	p = ss->data + ss->i++ * STORE_SAMPLE_RECORD;
	r->t_us = store_field(p, 12);
	r->request = ss->request;
	r->latency_us = store_field(p + 12, 10);
	r->status = (int)store_field(p + 22, 3);
	r->bytes = store_field(p + 25, 10);
	code = store_field(p + 35, 1);
	r->error = code > 0 && code < ERR_NKINDS ? err_kind_name(
	    (enum err_kind)code) : NULL;
	r->warmup = store_field(p + 36, 1) == 1;
	return (1);
}
void
store_samples_close(struct store_samples *ss)
{
	if (ss == NULL)
		return;
	sqlite3_finalize(ss->stmt);
	store_close(ss->st);
	free(ss);
}

/*
 * A run's status (into status, len bytes) and the last second of its
 * intervals (-1 when none yet): 1, 0 when there is no such run, -1.
 */
int
store_run_state(struct store *st, int64_t id, char *status, size_t len,
    int64_t *last)
{
	sqlite3_stmt	*stmt;
	char		*cause;
	int		 rc;

	stmt = store_prepare(st, "SELECT status, (SELECT max(second) FROM "
	    "intervals WHERE run_id = ?1 AND request = '*') FROM runs WHERE "
	    "id = ?1", &cause);
	if (stmt == NULL) {
		free(cause);
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, id);
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		snprintf(status, len, "%s", sqlite3_column_text(stmt, 0));
		*last = sqlite3_column_type(stmt, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(stmt, 1);
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		rc = -1;
		break;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* The run's requests and errors in the seconds before second before. */
int
store_run_totals(struct store *st, int64_t id, int64_t before, int64_t *reqs,
    int64_t *errs)
{
	sqlite3_stmt	*stmt;
	char		*cause;
	int		 rc = -1;

	*reqs = *errs = 0;
	stmt = store_prepare(st, "SELECT coalesce(sum(requests), 0), "
	    "coalesce(sum(errors), 0) FROM intervals WHERE run_id = ? AND "
	    "request = '*' AND second < ?", &cause);
	if (stmt == NULL) {
		free(cause);
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, before);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*reqs = sqlite3_column_int64(stmt, 0);
		*errs = sqlite3_column_int64(stmt, 1);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/*
 * The seconds from..to of a run as the event stream sends them: an array
 * of {"second", "overall": {requests, errors, p50_ms, p95_ms, p99_ms,
 * vus}, "requests": [{"name", requests, errors, p50_ms, p95_ms, p99_ms}]},
 * oldest first. NULL with *cause when SQLite failed.
 */
json_t *
store_run_seconds(struct store *st, int64_t id, int64_t from, int64_t to,
    char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*out, *sec = NULL, *row;
	int64_t		 s, cur = -1;
	const char	*name;
	int		 rc;

	stmt = store_prepare(st, "SELECT second, request, requests, errors, "
	    "p50_ms, p95_ms, p99_ms, vus FROM intervals WHERE run_id = ? AND "
	    "second BETWEEN ? AND ? ORDER BY second, rowid", cause);
	if (stmt == NULL)
		return (NULL);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, from);
	sqlite3_bind_int64(stmt, 3, to);
	out = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		s = sqlite3_column_int64(stmt, 0);
		if (sec == NULL || s != cur) {
			sec = json_pack("{s:I, s:n, s:[]}", "second",
			    (json_int_t)s, "overall", "requests");
			json_array_append_new(out, sec);
			cur = s;
		}
		name = (const char *)sqlite3_column_text(stmt, 1);
		if (name == NULL)
			name = "";
		row = strcmp(name, "*") == 0 ? json_object() :
		    json_pack("{s:s}", "name", name);
		json_object_update_new(row, json_pack("{s:I, s:I, s:o, s:o, s:o}",
		    "requests", (json_int_t)sqlite3_column_int64(stmt, 2),
		    "errors", (json_int_t)sqlite3_column_int64(stmt, 3),
		    "p50_ms", store_column_ms(stmt, 4),
		    "p95_ms", store_column_ms(stmt, 5),
		    "p99_ms", store_column_ms(stmt, 6)));
		if (strcmp(name, "*") == 0) {
			json_object_set_new(row, "vus",
			    sqlite3_column_type(stmt, 7) == SQLITE_NULL ?
			    json_null() : json_integer(sqlite3_column_int64(
			    stmt, 7)));
			json_object_set_new(sec, "overall", row);
		} else
			json_array_append_new(json_object_get(sec, "requests"),
			    row);
	}
	return (store_json_end(st, stmt, rc, out, cause));
}

/*
 * A scenario's last limit ended runs, oldest first, for its trend: each
 * run's overall p50/p95/p99, throughput and error rate from run_summary,
 * its labels and the baselines that name it. With key, only the runs whose
 * label key is value. NULL with *cause when SQLite failed.
 */
json_t *
store_scenario_trend(struct store *st, const char *scenario, int limit,
    const char *key, const char *value, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*runs, *b;
	const char	*names;
	int		 rc;

	stmt = store_prepare(st, "SELECT * FROM (SELECT r.run_id, "
	    "r.started_at, r.status, r.passed, r.p50_ms, r.p95_ms, r.p99_ms, "
	    "r.throughput_rps, CASE WHEN r.total_requests > 0 THEN 100.0 * "
	    "r.failed_requests / r.total_requests END, r.labels, "
	    "(SELECT group_concat(name, char(10)) FROM baselines b WHERE "
	    "b.run_id = r.run_id), r.total_requests FROM run_summary r WHERE "
	    "r.scenario = ?1 AND r.status NOT IN ('queued', 'running') AND "
	    "(?2 IS NULL OR r.labels ->> ?2 = ?3) ORDER BY r.run_id DESC "
	    "LIMIT ?4) ORDER BY run_id", cause);
	if (stmt == NULL)
		return (NULL);
	sqlite3_bind_text(stmt, 1, scenario, -1, SQLITE_STATIC);
	if (key != NULL) {
		sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, value, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(stmt, 4, limit);
	runs = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		b = json_array();
		if ((names = (const char *)sqlite3_column_text(stmt, 10)) !=
		    NULL) {
			while (*names != '\0') {
				json_array_append_new(b, json_stringn(names,
				    strcspn(names, "\n")));
				names += strcspn(names, "\n");
				if (*names == '\n')
					names++;
			}
		}
		json_array_append_new(runs, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "run_id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "started_at", store_column_string(stmt, 1),
		    "status", store_column_string(stmt, 2),
		    "passed", sqlite3_column_type(stmt, 3) == SQLITE_NULL ?
		    json_null() : json_boolean(sqlite3_column_int(stmt, 3)),
		    "total_requests", sqlite3_column_type(stmt, 11) ==
		    SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(stmt, 11)),
		    "p50_ms", store_column_ms(stmt, 4),
		    "p95_ms", store_column_ms(stmt, 5),
		    "p99_ms", store_column_ms(stmt, 6),
		    "throughput_rps", store_column_ms(stmt, 7),
		    "error_rate_pct", store_column_ms(stmt, 8),
		    "labels", store_column_json(stmt, 9),
		    "baselines", b));
	}
	return (store_json_end(st, stmt, rc, runs, cause));
}

/*
 * Each request of a run so far, from its intervals: [{"name", "requests",
 * "errors", "p95_ms" (its newest second's, null without a response)}] in
 * the order the requests first ran. NULL with *cause when SQLite failed.
 */
json_t *
store_run_requests(struct store *st, int64_t id, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*out;
	int		 rc;

	stmt = store_prepare(st, "SELECT request, sum(requests), sum(errors), "
	    "(SELECT p95_ms FROM intervals j WHERE j.run_id = i.run_id AND "
	    "j.request = i.request ORDER BY second DESC LIMIT 1) FROM "
	    "intervals i WHERE run_id = ? AND request <> '*' GROUP BY request "
	    "ORDER BY min(rowid)", cause);
	if (stmt == NULL)
		return (NULL);
	sqlite3_bind_int64(stmt, 1, id);
	out = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:o, s:I, s:I, s:o}",
		    "name", store_column_string(stmt, 0),
		    "requests", (json_int_t)sqlite3_column_int64(stmt, 1),
		    "errors", (json_int_t)sqlite3_column_int64(stmt, 2),
		    "p95_ms", store_column_double_json(stmt, 3)));
	return (store_json_end(st, stmt, rc, out, cause));
}
