/* SPDX-License-Identifier: MIT */
/*
 * store-runs.c -- the runs table and what a run leaves in run_stats and
 * errors: insert, read, list, status changes, results, and the rebuild of a
 * run cut short. Through the caller's connection (main or API thread).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "loadd.h"
#include "store.h"

json_t *
store_run_list(struct store *st, const char *scenario, const char *status,
    const char *execution, int limit, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*list, *passed;
	int		 rc;

	stmt = store_prepare(st, "SELECT r.id, r.scenario, r.status, "
	    "r.passed, r.created_at, r.started_at, r.ended_at, r.labels, "
	    "r.summary->>'duration_s', r.reason, s.total_requests, "
	    "s.throughput_rps, s.p95_ms, r.execution, r.shard FROM runs r "
	    "LEFT JOIN run_stats s ON "
	    "s.run_id = r.id AND s.request = '*' "
	    "WHERE (?1 IS NULL OR r.scenario = ?1) "
	    "AND (?2 IS NULL OR r.status = ?2) "
	    "AND (?4 IS NULL OR r.execution = ?4) ORDER BY r.id DESC LIMIT ?3",
	    cause);
	if (stmt == NULL)
		return (NULL);
	if (scenario != NULL)
		sqlite3_bind_text(stmt, 1, scenario, -1, SQLITE_STATIC);
	if (status != NULL)
		sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, limit);
	if (execution != NULL)
		sqlite3_bind_text(stmt, 4, execution, -1, SQLITE_STATIC);
	list = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_type(stmt, 3) == SQLITE_NULL)
			passed = json_null();
		else
			passed = json_boolean(sqlite3_column_int(stmt, 3));
		/* duration_s: the measured time, as the report has it */
		json_array_append_new(list, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:o, s:o, s:o}",
		    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
		    "scenario", store_column_string(stmt, 1),
		    "status", store_column_string(stmt, 2),
		    "passed", passed,
		    "created_at", store_column_string(stmt, 4),
		    "started_at", store_column_string(stmt, 5),
		    "ended_at", store_column_string(stmt, 6),
		    "labels", store_column_json(stmt, 7),
		    "duration_s", sqlite3_column_type(stmt, 8) == SQLITE_NULL ?
		    json_null() : json_real(sqlite3_column_double(stmt, 8)),
		    "reason", store_column_string(stmt, 9)));
		/* the overall figures, null without data (or before the end) */
		json_object_set_new(json_array_get(list, json_array_size(list) -
		    1), "total_requests", sqlite3_column_type(stmt, 10) ==
		    SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(stmt, 10)));
		json_object_set_new(json_array_get(list, json_array_size(list) -
		    1), "throughput_rps", store_column_double_json(stmt, 11));
		json_object_set_new(json_array_get(list, json_array_size(list) -
		    1), "p95_ms", store_column_double_json(stmt, 12));
		/* Shards (SPEC 16): the execution, and which shard this is. */
		if (sqlite3_column_type(stmt, 13) != SQLITE_NULL)
			json_object_set_new(json_array_get(list,
			    json_array_size(list) - 1), "execution",
			    store_column_string(stmt, 13));
		if (sqlite3_column_type(stmt, 14) != SQLITE_NULL)
			json_object_set_new(json_array_get(list,
			    json_array_size(list) - 1), "shard",
			    store_column_string(stmt, 14));
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, cause);
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(stmt);
	return (list);
}

json_t *
store_run_spec(struct store *st, int64_t id, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*spec = NULL;

	stmt = store_prepare(st, "SELECT spec FROM runs WHERE id = ?", cause);
	if (stmt == NULL)
		return (NULL);
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		spec = store_column_json(stmt, 0);
	sqlite3_finalize(stmt);
	if (spec == NULL || json_is_null(spec)) {
		json_decref(spec);
		xasprintf(cause, "run %lld has no scenario", (long long)id);
		return (NULL);
	}
	return (spec);
}

/* Ids of the runs with a status, oldest first (*n of them). */
int64_t *
store_run_ids(struct store *st, const char *status, size_t *n)
{
	return (store_ids(st, "SELECT id FROM runs WHERE status = ? ORDER BY "
	    "id", status, n));
}

/*
 * Insert a queued run of a normalised scenario, with its shard options (o
 * may be NULL); *id is its id.
 */
int
store_run_insert(struct store *st, json_t *spec, json_t *labels,
    const struct run_opts *o, int64_t *id, char **cause)
{
	sqlite3_stmt	*stmt;
	char		*text, *ltext, shard[32], at[64];
	int		 rc = -1;

	stmt = store_prepare(st, "INSERT INTO runs (scenario, spec, status, "
	    "created_at, labels, execution, shard, start_at, collector) "
	    "VALUES (?, ?, 'queued', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, "
	    "?, ?, ?, ?)", cause);
	if (stmt == NULL)
		return (-1);
	text = json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ltext = json_dumps(labels, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sqlite3_bind_text(stmt, 1, json_string_value(json_object_get(spec,
	    "name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, ltext, -1, SQLITE_STATIC);
	if (o != NULL && o->nshards > 0) {
		snprintf(shard, sizeof shard, "%d/%d", o->shard, o->nshards);
		sqlite3_bind_text(stmt, 4, o->execution, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, shard, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 7, o->collector, -1, SQLITE_STATIC);
	}
	if (o != NULL && o->start_at != 0) {
		runopts_format(o->start_at, at, sizeof at);
		sqlite3_bind_text(stmt, 6, at, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		store_fail(st, cause);
	else {
		*id = sqlite3_last_insert_rowid(st->db);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	free(text);
	free(ltext);
	return (rc);
}

/* One run as the API shows it: 1 found, 0 not found, -1 error. */
int
store_run_get(struct store *st, int64_t id, json_t **out, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*run, *summary, *passed, *th;
	int		 rc;

	stmt = store_prepare(st, "SELECT id, scenario, status, passed, "
	    "created_at, started_at, ended_at, labels, reason, env, summary, "
	    "execution, shard, start_at, collector FROM runs WHERE id = ?",
	    cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			store_fail(st, cause);
		sqlite3_finalize(stmt);
		return (rc == SQLITE_DONE ? 0 : -1);
	}
	if (sqlite3_column_type(stmt, 3) == SQLITE_NULL)
		passed = json_null();
	else
		passed = json_boolean(sqlite3_column_int(stmt, 3));
	run = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
	    "scenario", store_column_string(stmt, 1),
	    "status", store_column_string(stmt, 2),
	    "passed", passed,
	    "created_at", store_column_string(stmt, 4),
	    "started_at", store_column_string(stmt, 5),
	    "ended_at", store_column_string(stmt, 6),
	    "labels", store_column_json(stmt, 7),
	    "reason", store_column_string(stmt, 8),
	    "env", store_column_json(stmt, 9));
	/* Shards (SPEC 16): a shard's run, or an execution's merged run. */
	if (sqlite3_column_type(stmt, 11) != SQLITE_NULL)
		json_object_set_new(run, "execution",
		    store_column_string(stmt, 11));
	if (sqlite3_column_type(stmt, 12) != SQLITE_NULL) {
		json_object_set_new(run, "shard",
		    store_column_string(stmt, 12));
		json_object_set_new(run, "collector",
		    store_column_string(stmt, 14));
	}
	if (sqlite3_column_type(stmt, 13) != SQLITE_NULL)
		json_object_set_new(run, "start_at",
		    store_column_string(stmt, 13));
	summary = store_column_json(stmt, 10);
	if (!json_is_null(summary)) {
		if ((th = json_object_get(summary, "thresholds")) != NULL)
			json_object_set(run, "thresholds", th);
		/* the measured time after the warmup, as in the report */
		if ((th = json_object_get(summary, "duration_s")) != NULL)
			json_object_set(run, "duration_s", th);
		json_object_set_new(run, "summary", summary);
	} else
		json_decref(summary);
	sqlite3_finalize(stmt);
	if (json_object_get(run, "execution") != NULL &&
	    json_object_get(run, "shard") == NULL &&
	    store_execution_json(st, id, run, cause) != 0) {
		json_decref(run);
		return (-1);
	}
	*out = run;
	return (1);
}

/* The shard options run id was queued with (o zeroed: none). 0 or -1. */
int
store_run_opts(struct store *st, int64_t id, struct run_opts *o)
{
	sqlite3_stmt	*stmt;
	const char	*s;
	char		*cause;
	int		 rc = 0;

	memset(o, 0, sizeof *o);
	stmt = store_prepare(st, "SELECT execution, shard, start_at, "
	    "collector FROM runs WHERE id = ?", &cause);
	if (stmt == NULL) {
		log_error("run %lld: %s", (long long)id, cause);
		free(cause);
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		if ((s = (const char *)sqlite3_column_text(stmt, 1)) != NULL &&
		    (sscanf(s, "%d/%d", &o->shard, &o->nshards) != 2 ||
		    (s = (const char *)sqlite3_column_text(stmt, 3)) == NULL ||
		    runopts_url(s, o) != 0))
			rc = -1;
		if ((s = (const char *)sqlite3_column_text(stmt, 0)) != NULL)
			snprintf(o->execution, sizeof o->execution, "%s", s);
		if ((s = (const char *)sqlite3_column_text(stmt, 2)) != NULL &&
		    runopts_time(s, &o->start_at) != 0)
			rc = -1;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* Delete a run and everything of it: 1 done, 0 not found, -1 error. */
int
store_run_delete(struct store *st, int64_t id, char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "DELETE FROM runs WHERE id = ?", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		store_fail(st, cause);
		rc = -1;
	} else
		rc = sqlite3_changes(st->db) > 0;
	sqlite3_finalize(stmt);
	return (rc);
}

/* Set an ended status on a run that never started (a cancelled queue entry). */
int
store_run_set_status(struct store *st, int64_t id, const char *status,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc = 0;

	stmt = store_prepare(st, "UPDATE runs SET status = ?, passed = 0, "
	    "ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), reason = "
	    "'stopped before it started' WHERE id = ?", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, id);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		store_fail(st, cause);
		rc = -1;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* Bind one scope's run_stats values after run_id and request. */
static void
store_stats_bind(sqlite3_stmt *stmt, const char *name, const struct stats *st)
{
	double	v;
	int	i, col = 3;

	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_TRANSIENT);
	for (i = 0; i < METRIC_N; i++) {
		if (metric_defs[i].column == NULL)
			continue;
		v = st->v[i];
		if (!isfinite(v))
			sqlite3_bind_null(stmt, col);
		else if (metric_defs[i].unit == UNIT_COUNT ||
		    metric_defs[i].unit == UNIT_BYTES)
			sqlite3_bind_int64(stmt, col, (sqlite3_int64)llround(v));
		else
			sqlite3_bind_double(stmt, col, metric_round(v));
		col++;
	}
}

/*
 * Write a run's result rows: run_stats for the run ('*') and each request,
 * and its errors. The columns come from the metric table; no data is NULL.
 */
int
store_result_put(struct store *st, int64_t id, const struct result *res,
    char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*e, *status;
	char		 sql[1024];
	size_t		 off, i;
	int		 n, rc = -1;

	off = (size_t)snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO "
	    "run_stats (run_id, request");
	for (i = 0, n = 0; i < METRIC_N; i++)
		if (metric_defs[i].column != NULL) {
			off += (size_t)snprintf(sql + off, sizeof sql - off,
			    ", %s", metric_defs[i].column);
			n++;
		}
	off += (size_t)snprintf(sql + off, sizeof sql - off, ") VALUES (?, ?");
	while (n-- > 0)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ", ?");
	snprintf(sql + off, sizeof sql - off, ")");
	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	for (i = 0; i <= res->nnames; i++) {
		if (i < res->nnames)
			store_stats_bind(stmt, res->names[i], &res->stats[i]);
		else
			store_stats_bind(stmt, "*", &res->overall);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);

	stmt = store_prepare(st, "INSERT INTO errors (run_id, request, kind, "
	    "status, count, example) VALUES (?, ?, ?, ?, ?, ?)", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	json_array_foreach(res->errors, i, e) {
		sqlite3_bind_text(stmt, 2, json_string_value(json_object_get(e,
		    "request")), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 3, json_string_value(json_object_get(e,
		    "kind")), -1, SQLITE_TRANSIENT);
		status = json_object_get(e, "status");
		if (json_is_integer(status))
			sqlite3_bind_int64(stmt, 4, json_integer_value(status));
		else
			sqlite3_bind_null(stmt, 4);
		sqlite3_bind_int64(stmt, 5, json_integer_value(
		    json_object_get(e, "count")));
		sqlite3_bind_text(stmt, 6, json_string_value(json_object_get(e,
		    "example")), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(stmt);
	}
	rc = 0;
	goto out;
fail:
	store_fail(st, cause);
out:
	sqlite3_finalize(stmt);
	return (rc);
}

/*
 * Each request's ('*': the run's) counts and merged histogram, from the
 * intervals of seconds from..to through hist_merge(), into a block of
 * result_build(); *names and *n are the requests in the order they first
 * ran, *secs the seconds that reached the disk (the newest + 1). With hists
 * 0 the histograms are left out (a damaged one failed the merge). 0, or -1
 * with *cause.
 */
int
store_run_block(struct store *st, int64_t id, int64_t from, int64_t to,
    int hists, struct wblock **out, char ***names, size_t *n, double *secs,
    char **cause)
{
	sqlite3_stmt	*stmt;
	struct wblock	*b;
	struct wstat	*s;
	const char	*name;
	char		*sql;
	size_t		 rows = 0, k;
	int		 rc;

	xasprintf(&sql, "SELECT request, sum(requests), sum(errors), %s, "
	    "(SELECT max(second) + 1 FROM intervals WHERE run_id = ?1 AND "
	    "second BETWEEN ?2 AND ?3) FROM intervals WHERE run_id = ?1 AND "
	    "second BETWEEN ?2 AND ?3 GROUP BY request ORDER BY min(second), "
	    "min(rowid)", hists ? "hist_merge(hist)" : "NULL");
	stmt = store_prepare(st, sql, cause);
	free(sql);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, from);
	sqlite3_bind_int64(stmt, 3, to);
	/* One row a request: count them first, the block is sized by them. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		rows++;
	if (rc != SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return (store_fail(st, cause));
	}
	sqlite3_reset(stmt);
	b = wblock_create(rows);
	*names = xcalloc(rows > 0 ? rows : 1, sizeof **names);
	*n = 0;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if ((name = (const char *)sqlite3_column_text(stmt, 0)) == NULL)
			continue;
		if (strcmp(name, "*") == 0)
			s = &b->overall;
		else {
			(*names)[*n] = xstrdup(name);
			s = &b->stats[(*n)++];
		}
		s->failed = (uint64_t)sqlite3_column_int64(stmt, 2);
		s->ok = (uint64_t)sqlite3_column_int64(stmt, 1) - s->failed;
		*secs = (double)sqlite3_column_int64(stmt, 4);
		if (sqlite3_column_type(stmt, 3) == SQLITE_BLOB &&
		    hist_decode_into(&s->lat, sqlite3_column_blob(stmt, 3),
		    (size_t)sqlite3_column_bytes(stmt, 3), cause) != 0) {
			sqlite3_finalize(stmt);
			for (k = 0; k < *n; k++)
				free((*names)[k]);
			free(*names);
			*names = NULL;
			free(b);
			return (-1);
		}
	}
	sqlite3_finalize(stmt);
	b->nstats = *n;
	*out = b;
	return (0);
}

/*
 * Rebuild run_stats, errors and the summary of a run cut short, from what
 * reached the disk: the histograms of its intervals, merged by SQL, and its
 * samples. The summary goes through result_build() as a finished run's
 * does.
 */
void
store_run_rebuild(struct store *st, int64_t id)
{
	sqlite3_stmt	*stmt;
	struct wblock	*b = NULL;
	struct result	 res;
	json_t		*summary, *spec = NULL;
	struct stats	*stx;
	char		*cause, *text, **names = NULL;
	size_t		 n = 0, i, k;
	double		 secs = 0;
	int64_t		 warmup_us;

	if (store_run_block(st, id, 0, INT64_MAX, 1, &b, &names, &n, &secs,
	    &cause) != 0) {
		log_error("rebuild run %lld: %s; its latency is left out",
		    (long long)id, cause);
		free(cause);
		if (store_run_block(st, id, 0, INT64_MAX, 0, &b, &names, &n,
		    &secs, &cause) != 0) {
			log_error("rebuild run %lld: %s", (long long)id, cause);
			free(cause);
			goto out;
		}
	}
	spec = store_run_spec(st, id, &cause);
	if (spec == NULL)
		free(cause);
	/*
	 * Measured time: the seconds that reached the disk after the warmup,
	 * the last one counted whole (it may have been cut short).
	 */
	if (parse_duration(json_string_value(json_object_get(json_object_get(
	    spec, "load"), "warmup")), &warmup_us, &cause) != 0) {
		free(cause);
		warmup_us = 0;
	}
	secs -= (double)warmup_us / 1e6;
	result_build(&res, names, n, b, secs, spec);
	free(b);

	/* Errors by kind come from the samples, when they were kept. */
	stmt = store_prepare(st, "SELECT request, error, CASE error WHEN "
	    "'status' THEN status END, count(*) FROM samples WHERE "
	    "run_id = ?1 AND error IS NOT NULL AND warmup = 0 GROUP BY "
	    "request, error, CASE error WHEN 'status' THEN status END",
	    &cause);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, id);
		while (sqlite3_step(stmt) == SQLITE_ROW)
			json_array_append_new(res.errors, json_pack("{s:o, "
			    "s:o, s:o, s:I, s:s}", "request",
			    store_column_string(stmt, 0), "kind",
			    store_column_string(stmt, 1), "status",
			    sqlite3_column_type(stmt, 2) == SQLITE_NULL ?
			    json_null() : json_integer(sqlite3_column_int(stmt,
			    2)), "count", (json_int_t)sqlite3_column_int64(stmt,
			    3), "example", "rebuilt from samples"));
		sqlite3_finalize(stmt);
	} else
		free(cause);

	/* The bytes are not kept per second: unknown, not 0. */
	for (i = 0; i <= n; i++) {
		stx = i < n ? &res.stats[i] : &res.overall;
		stx->v[METRIC_BYTES_SENT] = stx->v[METRIC_BYTES_RECEIVED] = NAN;
	}
	if (store_result_put(st, id, &res, &cause) != 0) {
		log_error("rebuild run %lld: %s", (long long)id, cause);
		free(cause);
	}
	summary = result_summary(&res);
	json_object_set_new(summary, "rebuilt", json_true());
	/* Not kept per second either. */
	json_object_set_new(summary, "warmup_requests", json_null());
	text = json_dumps(summary, JSON_COMPACT);
	stmt = store_prepare(st, "UPDATE runs SET summary = ? WHERE id = ?",
	    &cause);
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, id);
		sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	} else
		free(cause);
	free(text);
	json_decref(summary);
	result_free(&res);
out:
	json_decref(spec);
	for (k = 0; k < n; k++)
		free(names[k]);
	free(names);
}

/* Run one UPDATE of run id, logged when it fails: 0 or -1. */
static int
store_run_update(struct store *st, int64_t id, sqlite3_stmt *stmt)
{
	int	rc = 0;

	if (sqlite3_step(stmt) != SQLITE_DONE) {
		log_error("run %lld: %s", (long long)id, sqlite3_errmsg(st->db));
		rc = -1;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* A statement for store_run_update(), or NULL (logged). */
static sqlite3_stmt *
store_run_prepare(struct store *st, int64_t id, const char *sql)
{
	sqlite3_stmt	*stmt;
	char		*cause;

	if ((stmt = store_prepare(st, sql, &cause)) == NULL) {
		log_error("run %lld: %s", (long long)id, cause);
		free(cause);
	}
	return (stmt);
}

/* The run has started: its status, start time and environment. */
int
store_run_started(struct store *st, int64_t id, const char *env)
{
	sqlite3_stmt	*stmt;

	stmt = store_run_prepare(st, id, "UPDATE runs SET status = 'running', "
	    "started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), env = ? "
	    "WHERE id = ?");
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, env, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, id);
	return (store_run_update(st, id, stmt));
}

/*
 * The run has ended with status: passed, the summary (NULL keeps the one
 * it has, as a rebuild wrote it) and the reason (NULL: none).
 */
int
store_run_ended(struct store *st, int64_t id, const char *status, int passed,
    const char *summary, const char *reason)
{
	sqlite3_stmt	*stmt;

	stmt = store_run_prepare(st, id, "UPDATE runs SET status = ?, "
	    "passed = ?, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
	    "summary = coalesce(?, summary), reason = ? WHERE id = ?");
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, passed);
	sqlite3_bind_text(stmt, 3, summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, id);
	return (store_run_update(st, id, stmt));
}

/*
 * Retention: delete up to chunks chunks of raw samples of runs that ended
 * more than days ago. Returns how many samples went (*more: there may be
 * more to delete), or -1 (logged).
 */
int64_t
store_samples_prune(struct store *st, int days, int chunks, int *more)
{
	sqlite3_stmt	*stmt;
	char		 age[32], *cause;
	int64_t		 n = 0;
	int		 rows = 0, rc;

	*more = 0;
	snprintf(age, sizeof age, "-%d days", days);
	stmt = store_prepare(st, "DELETE FROM sample_chunks WHERE rowid IN "
	    "(SELECT rowid FROM sample_chunks WHERE run_id IN (SELECT id FROM "
	    "runs WHERE ended_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)) "
	    "LIMIT ?) RETURNING n", &cause);
	if (stmt == NULL) {
		log_error("retention: %s", cause);
		free(cause);
		return (-1);
	}
	sqlite3_bind_text(stmt, 1, age, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, chunks);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		n += sqlite3_column_int64(stmt, 0);
		rows++;
	}
	if (rc != SQLITE_DONE) {
		log_warn("retention: %s", sqlite3_errmsg(st->db));
		n = -1;
	}
	sqlite3_finalize(stmt);
	*more = rows == chunks;
	return (n);
}
