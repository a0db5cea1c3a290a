/* SPDX-License-Identifier: MIT */
/*
 * store-shards.c -- shards in SQLite (SPEC 16). On a shard: the rows its
 * pusher sends the collector. On a collector: one merged run per
 * execution; each push lands in run_parts, part_intervals and part_system,
 * and a second every live part has pushed is merged into the run's
 * intervals (hist_merge) and system_metrics, so that everything that reads
 * a run -- reports, comparisons, the event stream, the UI -- reads a merged
 * one the same way, and never half a second. What is left merges at the
 * end (store_execution_settle). The end builds the summary through result_build(), as a local
 * run's.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loadd.h"
#include "store.h"

#define STORE_LOST_REASON	"no push for 15 s"

/* Bind column i to a JSON value of a pushed row: integer, real or NULL. */
static void
store_bind_json(sqlite3_stmt *stmt, int i, json_t *v)
{
	if (json_is_integer(v))
		sqlite3_bind_int64(stmt, i, json_integer_value(v));
	else if (json_is_number(v))
		sqlite3_bind_double(stmt, i, json_number_value(v));
	else
		sqlite3_bind_null(stmt, i);
}

/* Column i as a JSON number: integer, real or null. */
static json_t *
store_column_number(sqlite3_stmt *stmt, int i)
{
	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
		return (json_integer(sqlite3_column_int64(stmt, i)));
	case SQLITE_FLOAT:
		return (json_real(sqlite3_column_double(stmt, i)));
	default:
		return (json_null());
	}
}

/*
 * A shard: its rows after the seconds already pushed (intervals after
 * *isec, system_metrics after *ssec), at most max seconds of each; *isec
 * and *ssec become the newest taken. Rows as the push carries them
 * (collect.c): [second, request, requests, errors, vus, hist in base64]
 * and [second, cpu_pct, rss_bytes, target_cpu_pct, target_rss_bytes].
 */
int
store_push_rows(struct store *st, int64_t id, int64_t *isec, int64_t *ssec,
    int max, json_t **intervals, json_t **system, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*row;
	char		*b64;
	int		 rc;

	*intervals = *system = NULL;
	stmt = store_prepare(st, "SELECT second, request, requests, errors, "
	    "vus, hist FROM intervals WHERE run_id = ?1 AND second > ?2 AND "
	    "second <= ?2 + ?3 ORDER BY second", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, *isec);
	sqlite3_bind_int(stmt, 3, max);
	*intervals = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		b64 = NULL;
		if (sqlite3_column_type(stmt, 5) == SQLITE_BLOB)
			b64 = base64_encode(sqlite3_column_blob(stmt, 5),
			    (size_t)sqlite3_column_bytes(stmt, 5));
		row = json_pack("[I, o, I, I, o, o]",
		    (json_int_t)sqlite3_column_int64(stmt, 0),
		    store_column_string(stmt, 1),
		    (json_int_t)sqlite3_column_int64(stmt, 2),
		    (json_int_t)sqlite3_column_int64(stmt, 3),
		    store_column_number(stmt, 4),
		    b64 != NULL ? json_string(b64) : json_null());
		free(b64);
		json_array_append_new(*intervals, row);
		if (sqlite3_column_int64(stmt, 0) > *isec)
			*isec = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		goto fail;

	stmt = store_prepare(st, "SELECT second, cpu_pct, rss_bytes, "
	    "target_cpu_pct, target_rss_bytes FROM system_metrics WHERE "
	    "run_id = ?1 AND second > ?2 ORDER BY second LIMIT ?3", cause);
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, *ssec);
	sqlite3_bind_int(stmt, 3, max);
	*system = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_array_append_new(*system, json_pack("[I, o, o, o, o]",
		    (json_int_t)sqlite3_column_int64(stmt, 0),
		    store_column_number(stmt, 1), store_column_number(stmt, 2),
		    store_column_number(stmt, 3),
		    store_column_number(stmt, 4)));
		*ssec = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return (0);
fail:
	store_fail(st, cause);
	json_decref(*intervals);
	json_decref(*system);
	*intervals = *system = NULL;
	return (-1);
}

/* Run one statement of the merge, bound to run id and seconds lo..hi. */
static int
store_merge_step(struct store *st, const char *sql, int64_t id, int64_t lo,
    int64_t hi, char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, lo);
	sqlite3_bind_int64(stmt, 3, hi);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return (rc == SQLITE_DONE ? 0 : store_fail(st, cause));
}

/*
 * Merge the parts' rows of seconds lo..hi into the run's intervals and
 * system_metrics: requests and errors add up, histograms merge exactly,
 * percentiles come from the merged histogram; loadd's CPU and memory add
 * up over the shards, the target's is the largest a shard saw.
 */
static int
store_merge_seconds(struct store *st, int64_t id, int64_t lo, int64_t hi,
    char **cause)
{
	static const char *const sql[] = {
		"DELETE FROM intervals WHERE run_id = ?1 AND second BETWEEN "
		"?2 AND ?3",
		"INSERT INTO intervals (run_id, second, request, requests, "
		"errors, vus, hist, p50_ms, p95_ms, p99_ms, max_ms) "
		"SELECT ?1, second, request, r, e, v, h, "
		"hist_quantile(h, 0.5), hist_quantile(h, 0.95), "
		"hist_quantile(h, 0.99), hist_max(h) FROM (SELECT second, "
		"request, sum(requests) AS r, sum(errors) AS e, CASE WHEN "
		"count(vus) > 0 THEN sum(vus) END AS v, hist_merge(hist) AS h "
		"FROM part_intervals WHERE run_id = ?1 AND second BETWEEN ?2 "
		"AND ?3 GROUP BY second, request ORDER BY second, "
		"request <> '*', min(shard))",
		"DELETE FROM system_metrics WHERE run_id = ?1 AND second "
		"BETWEEN ?2 AND ?3",
		"INSERT INTO system_metrics (run_id, second, cpu_pct, "
		"rss_bytes, target_cpu_pct, target_rss_bytes) SELECT ?1, "
		"second, sum(cpu_pct), sum(rss_bytes), max(target_cpu_pct), "
		"max(target_rss_bytes) FROM part_system WHERE run_id = ?1 AND "
		"second BETWEEN ?2 AND ?3 GROUP BY second",
	};
	size_t	i;

	for (i = 0; i < sizeof sql / sizeof sql[0]; i++)
		if (store_merge_step(st, sql[i], id, lo, hi, cause) != 0)
			return (-1);
	return (0);
}

/*
 * Merge from the first second not merged yet (or lo, when older) up to
 * the second sql gives: its one row is (merged_second, that second), the
 * run bound to ?1. 0, or -1 with *cause.
 */
static int
store_merge_upto(struct store *st, int64_t id, const char *sql, int64_t lo,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int64_t		 merged = -1, upto = -1;
	int		 rc;

	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		merged = sqlite3_column_int64(stmt, 0);
		if (sqlite3_column_type(stmt, 1) != SQLITE_NULL)
			upto = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return (store_fail(st, cause));
	if (lo > merged + 1)
		lo = merged + 1;
	if (upto < lo)
		return (0);
	if (store_merge_seconds(st, id, lo, upto, cause) != 0)
		return (-1);
	return (store_merge_step(st, "UPDATE executions SET merged_second = "
	    "max(merged_second, ?3) WHERE run_id = ?1 AND ?2 <= ?3", id, lo,
	    upto, cause));
}

/*
 * Merge what is complete: the seconds every part still running has pushed
 * (none while a part has not pushed yet), from the oldest this push touched
 * or the first not merged yet.
 */
static int
store_merge_complete(struct store *st, int64_t id, int64_t lo, char **cause)
{
	return (store_merge_upto(st, id, "SELECT e.merged_second, CASE WHEN "
	    "sum(p.status = 'waiting') > 0 THEN -1 ELSE coalesce(min(CASE WHEN "
	    "p.status = 'running' THEN coalesce(p.last_second, -1) END), "
	    "(SELECT max(second) FROM part_intervals WHERE run_id = ?1)) END "
	    "FROM executions e JOIN run_parts p ON p.run_id = e.run_id WHERE "
	    "e.run_id = ?1", lo, cause));
}

/*
 * The end (every part ended, or one was lost): merge every second not
 * merged yet, whatever the parts pushed of it. 0, or -1 with *cause.
 */
int
store_execution_settle(struct store *st, int64_t id, char **cause)
{
	if (store_exec(st, "BEGIN IMMEDIATE", cause) != 0)
		return (-1);
	if (store_merge_upto(st, id, "SELECT merged_second, max(coalesce(("
	    "SELECT max(second) FROM part_intervals WHERE run_id = ?1), -1), "
	    "coalesce((SELECT max(second) FROM part_system WHERE run_id = ?1), "
	    "-1)) FROM executions WHERE run_id = ?1", INT64_MAX, cause) != 0) {
		store_exec(st, "ROLLBACK", NULL);
		return (-1);
	}
	return (store_exec(st, "COMMIT", cause));
}

/* Create the merged run of an execution from its first push. */
static int
store_execution_create(struct store *st, const char *name, json_t *doc,
    json_t *spec, double now, int64_t *id, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*labels = json_object_get(spec, "labels");
	char		*text, *ltext;
	const char	*at;
	int		 n = (int)json_integer_value(json_object_get(doc,
	    "shards")), i, rc;
	int64_t		 start_ms;

	stmt = store_prepare(st, "INSERT INTO runs (scenario, spec, status, "
	    "created_at, started_at, labels, execution, start_at, env) "
	    "VALUES (?1, ?2, 'running', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
	    "coalesce(?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), ?4, ?5, ?3, "
	    "json_object('shards', ?6))", cause);
	if (stmt == NULL)
		return (-1);
	text = json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ltext = labels != NULL ? json_dumps(labels, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : xstrdup("{}");
	at = json_string_value(json_object_get(doc, "start_at"));
	sqlite3_bind_text(stmt, 1, json_string_value(json_object_get(spec,
	    "name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
	if (at != NULL)
		sqlite3_bind_text(stmt, 3, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, ltext, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, n);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	free(text);
	free(ltext);
	if (rc != SQLITE_DONE)
		return (store_fail(st, cause));
	*id = sqlite3_last_insert_rowid(st->db);

	stmt = store_prepare(st, "INSERT INTO executions (run_id, name, "
	    "shards) VALUES (?, ?, ?)", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, *id);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, n);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return (store_fail(st, cause));

	/*
	 * Every part is waiting from now, or from start_at when it is later
	 * (its pod may start well after the first): one that has not pushed
	 * 15 s after that is lost.
	 */
	if (at != NULL && runopts_time(at, &start_ms) == 0 &&
	    (double)start_ms / 1e3 > now)
		now = (double)start_ms / 1e3;
	stmt = store_prepare(st, "INSERT INTO run_parts (run_id, shard, "
	    "status, pushed_at) VALUES (?, ?, 'waiting', ?)", cause);
	if (stmt == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, 1, *id);
		sqlite3_bind_int(stmt, 2, i);
		sqlite3_bind_double(stmt, 3, now);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			sqlite3_finalize(stmt);
			return (store_fail(st, cause));
		}
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return (0);
}

/* The part's own state from a push (doc checked by collect_check). */
static int
store_part_update(struct store *st, int64_t id, json_t *doc, int64_t newest,
    double now, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*final = json_object_get(doc, "final");
	json_t		*progress = json_object_get(doc, "progress"), *env;
	char		*etext = NULL, *ptext = NULL, *ftext = NULL;
	int		 rc;

	stmt = store_prepare(st, "UPDATE run_parts SET host = ?3, status = ?4, "
	    "requests = coalesce(?5, requests), last_second = max(coalesce("
	    "last_second, -1), ?6), pushed_at = ?7, env = coalesce(?8, env), "
	    "progress = coalesce(?9, progress), final = ?10, reason = ?11 "
	    "WHERE run_id = ?1 AND shard = ?2 AND status IN ('waiting', "
	    "'running')", cause);
	if (stmt == NULL)
		return (-1);
	if ((env = json_object_get(doc, "env")) != NULL)
		etext = json_dumps(env, JSON_COMPACT);
	if (progress != NULL)
		ptext = json_dumps(progress, JSON_COMPACT);
	/* At the end, the part's count is its summary's. */
	if (final != NULL)
		progress = json_object_get(final, "overall");
	if (final != NULL)
		ftext = json_dumps(final, JSON_COMPACT);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, json_integer_value(json_object_get(doc,
	    "shard")));
	sqlite3_bind_text(stmt, 3, json_string_value(json_object_get(doc,
	    "host")), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, final != NULL ? json_string_value(
	    json_object_get(doc, "status")) : "running", -1, SQLITE_STATIC);
	store_bind_json(stmt, 5, json_object_get(progress, final != NULL ?
	    "total_requests" : "requests"));
	sqlite3_bind_int64(stmt, 6, newest);
	sqlite3_bind_double(stmt, 7, now);
	sqlite3_bind_text(stmt, 8, etext, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, ptext, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, ftext, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 11, json_string_value(json_object_get(doc,
	    "reason")), -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	free(etext);
	free(ptext);
	free(ftext);
	return (rc == SQLITE_DONE ? 0 : store_fail(st, cause));
}

/*
 * Insert the rows of a pushed array with sql, bound to run id, shard and
 * then each row's values as types says (one letter a column: i integer, t
 * text, n a number or null, b a hist in base64 or null); *lo and *hi take
 * in the seconds (the first column). 0, or -1 with *cause.
 */
static int
store_part_insert(struct store *st, const char *sql, int64_t id,
    int64_t shard, json_t *rows, const char *types, int64_t *lo, int64_t *hi,
    char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*row, *v;
	unsigned char	*blob;
	size_t		 i, k, len;
	int64_t		 s;

	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return (-1);
	json_array_foreach(rows, i, row) {
		s = json_integer_value(json_array_get(row, 0));
		*lo = s < *lo ? s : *lo;
		*hi = s > *hi ? s : *hi;
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, shard);
		for (k = 0; types[k] != '\0'; k++) {
			v = json_array_get(row, k);
			switch (types[k]) {
			case 't':
				sqlite3_bind_text(stmt, (int)k + 3,
				    json_string_value(v), -1, SQLITE_STATIC);
				break;
			case 'b':
				if (json_is_string(v) && base64_decode(
				    json_string_value(v), &blob, &len) == 0)
					sqlite3_bind_blob(stmt, (int)k + 3,
					    blob, (int)len, free);
				else
					sqlite3_bind_null(stmt, (int)k + 3);
				break;
			default:	/* i, n */
				store_bind_json(stmt, (int)k + 3, v);
				break;
			}
		}
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			sqlite3_finalize(stmt);
			return (store_fail(st, cause));
		}
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	}
	sqlite3_finalize(stmt);
	return (0);
}

/*
 * Store the pushed rows of a part; *lo..*hi are the seconds they touch,
 * *newest the newest second of intervals (what the part has pushed whole:
 * its system row of a second may come before the second's intervals).
 */
static int
store_part_rows(struct store *st, int64_t id, json_t *doc, int64_t *lo,
    int64_t *hi, int64_t *newest, char **cause)
{
	int64_t	shard = json_integer_value(json_object_get(doc, "shard"));

	if (store_part_insert(st, "INSERT OR REPLACE INTO part_intervals "
	    "(run_id, shard, second, request, requests, errors, vus, hist) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, shard,
	    json_object_get(doc, "intervals"), "itiinb", lo, newest, cause) != 0)
		return (-1);
	*hi = *newest > *hi ? *newest : *hi;
	return (store_part_insert(st, "INSERT OR REPLACE INTO part_system "
	    "(run_id, shard, second, cpu_pct, rss_bytes, target_cpu_pct, "
	    "target_rss_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)", id, shard,
	    json_object_get(doc, "system"), "innnn", lo, hi, cause));
}

/*
 * A collector: take one push of execution name (doc checked by
 * collect_check, spec the scenario it carries, validated, or NULL) at now
 * (unix seconds). Returns 200 with *reply ({"run_id", "stop"}), 409 with
 * *code and *cause (no run yet and no scenario: "need_scenario"; the run
 * ended: "execution_ended", *reply says how; another N: "shards_mismatch"),
 * or -1 with *cause (SQLite).
 */
int
store_push(struct store *st, const char *name, json_t *doc, json_t *spec,
    double now, json_t **reply, const char **code, char **cause)
{
	sqlite3_stmt	*stmt;
	int64_t		 id = 0, lo = INT64_MAX, hi = -1, newest = -1;
	int		 shards = 0, rc, ended = 0, found;
	json_t		*stop = json_null();
	const char	*status;

	*reply = NULL;
	if (store_exec(st, "BEGIN IMMEDIATE", cause) != 0)
		return (-1);
	stmt = store_prepare(st, "SELECT e.run_id, e.shards, e.stop_status, "
	    "e.stop_reason, r.status, r.reason FROM executions e JOIN runs r "
	    "ON r.id = e.run_id WHERE e.name = ?", cause);
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	found = (rc = sqlite3_step(stmt)) == SQLITE_ROW;
	if (found) {
		id = sqlite3_column_int64(stmt, 0);
		shards = sqlite3_column_int(stmt, 1);
		status = (const char *)sqlite3_column_text(stmt, 4);
		ended = status == NULL || strcmp(status, "running") != 0;
		json_decref(stop);
		if (ended)
			stop = json_pack("{s:o, s:o}", "status",
			    store_column_string(stmt, 4), "reason",
			    store_column_string(stmt, 5));
		else if (sqlite3_column_type(stmt, 2) != SQLITE_NULL)
			stop = json_pack("{s:o, s:o}", "status",
			    store_column_string(stmt, 2), "reason",
			    store_column_string(stmt, 3));
		else
			stop = json_null();
	}
	sqlite3_finalize(stmt);
	if (!found && rc != SQLITE_DONE)
		goto fail;
	if (!found) {
		if (spec == NULL) {
			*code = "need_scenario";
			xasprintf(cause, "execution %s: no run yet; push the "
			    "scenario", name);
			goto refuse;
		}
		if (store_execution_create(st, name, doc, spec, now, &id,
		    cause) != 0)
			goto fail;
		shards = (int)json_integer_value(json_object_get(doc,
		    "shards"));
	} else if (ended && spec != NULL) {
		/*
		 * A shard's first push (it carries the scenario) to an ended
		 * execution: a name used again, not this shard's run.
		 */
		*code = "execution_ended";
		xasprintf(cause, "execution %s already ended (run %lld): give "
		    "each execution a new name", name, (long long)id);
		json_decref(stop);
		stop = json_pack("{s:s, s:s}", "status", "stopped", "reason",
		    *cause);
		*reply = json_pack("{s:I, s:O}", "run_id", (json_int_t)id,
		    "stop", stop);
		goto refuse;
	} else if (ended) {
		*code = "execution_ended";
		xasprintf(cause, "execution %s has ended", name);
		*reply = json_pack("{s:I, s:O}", "run_id", (json_int_t)id,
		    "stop", stop);
		goto refuse;
	}
	if (json_integer_value(json_object_get(doc, "shards")) != shards) {
		*code = "shards_mismatch";
		xasprintf(cause, "execution %s has %d shards; this push says "
		    "%lld", name, shards, (long long)json_integer_value(
		    json_object_get(doc, "shards")));
		goto refuse;
	}
	if (store_part_rows(st, id, doc, &lo, &hi, &newest, cause) != 0 ||
	    store_part_update(st, id, doc, newest, now, cause) != 0 ||
	    store_merge_complete(st, id, lo, cause) != 0)
		goto fail;
	if (store_exec(st, "COMMIT", cause) != 0)
		goto fail;
	*reply = json_pack("{s:I, s:o}", "run_id", (json_int_t)id, "stop",
	    stop);
	return (200);

refuse:
	store_exec(st, "ROLLBACK", NULL);
	json_decref(stop);
	return (409);
fail:
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, "ROLLBACK", NULL);
	json_decref(stop);
	return (-1);
}

/* Add the numbers of src's keys into dst's (progress objects). */
static void
store_progress_add(json_t *dst, json_t *src, const char *key)
{
	json_t	*a = json_object_get(dst, key), *b = json_object_get(src, key);

	if (!json_is_number(b))
		return;
	if (json_is_number(a) && json_is_integer(a) && json_is_integer(b))
		json_object_set_new(dst, key, json_integer(
		    json_integer_value(a) + json_integer_value(b)));
	else if (json_is_number(a))
		json_object_set_new(dst, key, json_real(json_number_value(a) +
		    json_number_value(b)));
	else
		json_object_set(dst, key, b);
}

/*
 * The merged run's document: its shards, parts, live progress (the parts'
 * counts added up; p95 from the merged histograms), and warnings about
 * the shards' clocks and starts.
 */
int
store_execution_json(struct store *st, int64_t id, json_t *run, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*parts, *progress = NULL, *p, *kinds, *k, *env, *warn;
	json_t		*clock;
	const char	*key, *status;
	double		 smin = INFINITY, smax = -INFINITY, started;
	int		 n = 0, starts = 0, running;

	running = json_is_string(json_object_get(run, "status")) &&
	    strcmp(json_string_value(json_object_get(run, "status")),
	    "running") == 0;
	stmt = store_prepare(st, "SELECT shard, host, status, requests, "
	    "last_second, progress, env, reason, (SELECT shards FROM "
	    "executions WHERE run_id = ?1) FROM run_parts WHERE run_id = ?1 "
	    "ORDER BY shard", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	parts = json_array();
	warn = json_array();
	if (running)
		progress = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}",
		    "requests", (json_int_t)0, "errors", (json_int_t)0,
		    "warmup_requests", (json_int_t)0, "rps", (json_int_t)0,
		    "vus", (json_int_t)0, "errors_by_kind", json_object());
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		n = sqlite3_column_int(stmt, 8);
		json_array_append_new(parts, json_pack("{s:i, s:o, s:o, s:I, "
		    "s:o}", "shard", sqlite3_column_int(stmt, 0), "host",
		    store_column_string(stmt, 1), "status",
		    store_column_string(stmt, 2), "requests",
		    (json_int_t)sqlite3_column_int64(stmt, 3), "last_second",
		    store_column_number(stmt, 4)));
		if (sqlite3_column_type(stmt, 7) != SQLITE_NULL)
			json_object_set_new(json_array_get(parts,
			    json_array_size(parts) - 1), "reason",
			    store_column_string(stmt, 7));
		env = store_column_json(stmt, 6);
		clock = json_object_get(env, "clock");
		status = (const char *)sqlite3_column_text(stmt, 2);
		if (json_is_object(env) &&
		    !json_is_true(json_object_get(clock, "synchronised")))
			json_array_append_new(warn, json_sprintf("shard %d/%d "
			    "(%s): its clock %s", sqlite3_column_int(stmt, 0),
			    n, sqlite3_column_text(stmt, 1) != NULL ?
			    (const char *)sqlite3_column_text(stmt, 1) : "?",
			    json_is_false(json_object_get(clock,
			    "synchronised")) ? "was not synchronised "
			    "(adjtimex): its start may be off" : "state is "
			    "unknown"));
		if (json_is_number(json_object_get(env, "started_ms"))) {
			started = json_number_value(json_object_get(env,
			    "started_ms"));
			smin = started < smin ? started : smin;
			smax = started > smax ? started : smax;
			starts++;
		}
		json_decref(env);
		if (progress == NULL || status == NULL ||
		    strcmp(status, "running") != 0)
			goto next;
		p = store_column_json(stmt, 5);
		store_progress_add(progress, p, "requests");
		store_progress_add(progress, p, "errors");
		store_progress_add(progress, p, "warmup_requests");
		store_progress_add(progress, p, "rps");
		store_progress_add(progress, p, "vus");
		if (json_number_value(json_object_get(p, "elapsed_s")) >
		    json_number_value(json_object_get(progress, "elapsed_s")))
			json_object_set(progress, "elapsed_s",
			    json_object_get(p, "elapsed_s"));
		if (json_object_get(p, "duration_s") != NULL)
			json_object_set(progress, "duration_s",
			    json_object_get(p, "duration_s"));
		kinds = json_object_get(progress, "errors_by_kind");
		json_object_foreach(json_object_get(p, "errors_by_kind"), key,
		    k)
			store_progress_add(kinds, json_object_get(p,
			    "errors_by_kind"), key);
		json_decref(p);
next:		;
	}
	sqlite3_finalize(stmt);
	json_object_set_new(run, "shards", json_integer(n));
	json_object_set_new(run, "parts", parts);
	if (starts > 1)
		json_object_set_new(run, "start_spread_ms",
		    json_integer((json_int_t)(smax - smin)));
	if (json_array_size(warn) > 0)
		json_object_set_new(run, "warnings", warn);
	else
		json_decref(warn);
	if (progress == NULL)
		return (0);
	/* The merged p95 so far, from the merged histograms. */
	stmt = store_prepare(st, "SELECT hist_quantile(hist_merge(hist), "
	    "0.95) FROM intervals WHERE run_id = ? AND request = '*'", cause);
	if (stmt == NULL) {
		json_decref(progress);
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, id);
	json_object_set_new(progress, "p95_ms", sqlite3_step(stmt) ==
	    SQLITE_ROW ? store_column_double_json(stmt, 0) : json_null());
	sqlite3_finalize(stmt);
	json_object_set_new(run, "progress", progress);
	return (0);
}

/*
 * A collector's merged runs still running, and the state of one: its N,
 * the stop the shards are told, each part.
 */
int64_t *
store_executions_running(struct store *st, size_t *n)
{
	return (store_ids(st, "SELECT e.run_id FROM executions e JOIN runs r "
	    "ON r.id = e.run_id WHERE r.status = 'running' ORDER BY e.run_id",
	    NULL, n));
}

int
store_execution_state(struct store *st, int64_t id, struct exec_state *es,
    char **cause)
{
	sqlite3_stmt	*stmt;
	struct exec_part *ep;
	const char	*s;

	memset(es, 0, sizeof *es);
	es->run_id = id;
	stmt = store_prepare(st, "SELECT e.shards, e.stop_status, "
	    "e.stop_reason, e.name FROM executions e WHERE e.run_id = ?",
	    cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		xasprintf(cause, "run %lld is not an execution", (long long)id);
		return (-1);
	}
	es->shards = sqlite3_column_int(stmt, 0);
	if ((s = (const char *)sqlite3_column_text(stmt, 1)) != NULL)
		snprintf(es->stop_status, sizeof es->stop_status, "%s", s);
	if ((s = (const char *)sqlite3_column_text(stmt, 2)) != NULL)
		es->stop_reason = xstrdup(s);
	snprintf(es->name, sizeof es->name, "%s",
	    (const char *)sqlite3_column_text(stmt, 3));
	sqlite3_finalize(stmt);

	stmt = store_prepare(st, "SELECT shard, host, status, pushed_at, "
	    "last_second, reason FROM run_parts WHERE run_id = ? ORDER BY "
	    "shard", cause);
	if (stmt == NULL) {
		free(es->stop_reason);
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, id);
	es->parts = xcalloc((size_t)es->shards + 1, sizeof *es->parts);
	while (sqlite3_step(stmt) == SQLITE_ROW &&
	    es->nparts < (size_t)es->shards) {
		ep = &es->parts[es->nparts++];
		ep->shard = sqlite3_column_int(stmt, 0);
		snprintf(ep->host, sizeof ep->host, "%s",
		    sqlite3_column_text(stmt, 1) != NULL ?
		    (const char *)sqlite3_column_text(stmt, 1) : "?");
		snprintf(ep->status, sizeof ep->status, "%s",
		    (const char *)sqlite3_column_text(stmt, 2));
		ep->pushed_at = sqlite3_column_double(stmt, 3);
		ep->last_second = sqlite3_column_type(stmt, 4) ==
		    SQLITE_NULL ? -1 : sqlite3_column_int64(stmt, 4);
		if ((s = (const char *)sqlite3_column_text(stmt, 5)) != NULL)
			snprintf(ep->reason, sizeof ep->reason, "%s", s);
	}
	sqlite3_finalize(stmt);
	return (0);
}

void
store_execution_state_free(struct exec_state *es)
{
	free(es->stop_reason);
	free(es->parts);
}

/*
 * Mark part shard lost: it has not pushed since before. 1 if it was, 0 if
 * it pushed meanwhile (or ended), -1 on error.
 */
int
store_execution_lost(struct store *st, int64_t id, int shard, double before,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "UPDATE run_parts SET status = 'lost', "
	    "reason = '" STORE_LOST_REASON "' WHERE run_id = ? AND shard = ? "
	    "AND status IN ('waiting', 'running') AND pushed_at < ?", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, shard);
	sqlite3_bind_double(stmt, 3, before);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return (store_fail(st, cause));
	return (sqlite3_changes(st->db) > 0);
}

/*
 * Tell the shards to stop (their next push hears it): the first stop wins.
 * 1 if this one was recorded, 0 if one was already, -1 on error.
 */
int
store_execution_stop(struct store *st, int64_t id, const char *status,
    const char *reason, char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "UPDATE executions SET stop_status = ?, "
	    "stop_reason = ? WHERE run_id = ? AND stop_status IS NULL", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return (store_fail(st, cause));
	return (sqlite3_changes(st->db) > 0);
}

/*
 * After a collector restart: every part still expected gets 15 s from
 * now, as if it had just pushed (it was retrying while loadd was down).
 */
void
store_executions_resume(struct store *st, double now)
{
	sqlite3_stmt	*stmt;
	char		*cause;

	stmt = store_prepare(st, "UPDATE run_parts SET pushed_at = ? WHERE "
	    "status IN ('waiting', 'running') AND run_id IN (SELECT e.run_id "
	    "FROM executions e JOIN runs r ON r.id = e.run_id WHERE "
	    "r.status = 'running')", &cause);
	if (stmt == NULL) {
		log_error("%s", cause);
		free(cause);
		return;
	}
	sqlite3_bind_double(stmt, 1, now);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		log_error("resume executions: %s", sqlite3_errmsg(st->db));
	sqlite3_finalize(stmt);
}

/* Is run id a collector's merged run? */
int
store_is_execution(struct store *st, int64_t id)
{
	sqlite3_stmt	*stmt;
	char		*cause;
	int		 found;

	stmt = store_prepare(st, "SELECT 1 FROM executions WHERE run_id = ?",
	    &cause);
	if (stmt == NULL) {
		free(cause);
		return (0);
	}
	sqlite3_bind_int64(stmt, 1, id);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return (found);
}

/* The final summaries of the parts that ended with one, as an array. */
json_t *
store_execution_finals(struct store *st, int64_t id, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*out;

	stmt = store_prepare(st, "SELECT final FROM run_parts WHERE run_id = ? "
	    "AND final IS NOT NULL ORDER BY shard", cause);
	if (stmt == NULL)
		return (NULL);
	sqlite3_bind_int64(stmt, 1, id);
	out = json_array();
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(out, store_column_json(stmt, 0));
	sqlite3_finalize(stmt);
	return (out);
}
