/* SPDX-License-Identifier: MIT */
/*
 * store.c -- the SQLite system of record: opening, locking, migrations and
 * the control-plane queries. A struct store is one connection and belongs to
 * one thread (the main thread, the API thread, the sample writer); WAL mode
 * lets them read while one writes. Never called from a load worker.
 */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "loadd.h"
#include "hist-sql.h"

struct store {
	sqlite3		*db;
	char		*path;
	int		 lockfd;	/* flock held by the daemon, or -1 */
};

/* Route SQLite's own error log into ours. */
static void
store_sqlite_log(void *arg, int code, const char *msg)
{
	(void)arg;
	/* Busy and schema-change retries are routine, not worth a line. */
	if ((code & 0xff) == SQLITE_SCHEMA || (code & 0xff) == SQLITE_BUSY)
		return;
	if ((code & 0xff) == SQLITE_NOTICE)
		log_info("sqlite: %s", msg);
	else
		log_warn("sqlite: %s (code %d)", msg, code);
}

/* Once, before any connection: SQLite's log goes through ours. */
void
store_init(void)
{
	sqlite3_config(SQLITE_CONFIG_LOG, store_sqlite_log, NULL);
}

static int
store_exec(struct store *st, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s", err != NULL ? err :
		    sqlite3_errmsg(st->db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

sqlite3_stmt *
store_prepare(struct store *st, const char *sql, char **cause)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		return (NULL);
	}
	return (stmt);
}

/* Take the daemon's exclusive lock on the database file itself. */
static int
store_lock(struct store *st, char **cause)
{
	int	saved;

	st->lockfd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (st->lockfd == -1) {
		xasprintf(cause, "%s: %s", st->path, strerror(errno));
		return (-1);
	}
	/*
	 * flock() and SQLite's fcntl() locks are independent on Linux, so
	 * holding this one does not disturb SQLite's own locking.
	 */
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		if (saved == EWOULDBLOCK)
			xasprintf(cause, "%s: database in use by another loadd "
			    "process (one daemon per database)", st->path);
		else
			xasprintf(cause, "%s: flock: %s", st->path,
			    strerror(saved));
		return (-1);
	}
	return (0);
}

int
store_user_version(struct store *st)
{
	sqlite3_stmt	*stmt;
	char		*cause;
	int		 v = -1;

	if ((stmt = store_prepare(st, "PRAGMA user_version", &cause)) == NULL) {
		free(cause);
		return (-1);
	}
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return (v);
}

/* Apply every embedded migration newer than the file, each in a transaction. */
static int
store_migrate(struct store *st, char **cause)
{
	const struct migration	*m;
	char			*sql, *why;
	int			 current, latest;
	size_t			 i;

	if ((current = store_user_version(st)) < 0) {
		xasprintf(cause, "cannot read user_version: %s",
		    sqlite3_errmsg(st->db));
		return (-1);
	}
	latest = migrations[nmigrations - 1].version;
	if (current > latest) {
		xasprintf(cause, "%s: schema version %d is newer than this "
		    "loadd knows (%d): upgrade loadd", st->path, current,
		    latest);
		return (-1);
	}
	for (i = 0; i < nmigrations; i++) {
		m = &migrations[i];
		if (m->version <= current)
			continue;
		if (store_exec(st, "BEGIN IMMEDIATE", cause) != 0)
			return (-1);
		if (store_exec(st, m->sql, &why) != 0) {
			xasprintf(cause, "migration %s: %s", m->name, why);
			free(why);
			store_exec(st, "ROLLBACK", &why);
			free(why);
			return (-1);
		}
		/* PRAGMA takes no bound parameters; version is ours. */
		xasprintf(&sql, "PRAGMA user_version = %d", m->version);
		if (store_exec(st, sql, cause) != 0 ||
		    store_exec(st, "COMMIT", cause) != 0) {
			free(sql);
			store_exec(st, "ROLLBACK", &why);
			free(why);
			return (-1);
		}
		free(sql);
		log_info("database %s: applied migration %s", st->path,
		    m->name);
	}
	return (0);
}

/*
 * Open a connection for the calling thread. STORE_LOCK takes the one-daemon
 * lock; STORE_MIGRATE brings the schema up to date.
 */
struct store *
store_open(const char *path, int flags, char **cause)
{
	struct store	*st;
	char		*why;
	int		 rc;

	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->lockfd = -1;
	if ((flags & STORE_LOCK) && store_lock(st, cause) != 0)
		goto fail;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	/* The histogram functions users have in the CLI (SPEC 15). */
	if ((rc = hist_sql_register(st->db)) != SQLITE_OK) {
		xasprintf(cause, "%s: histogram functions: %s", path,
		    sqlite3_errstr(rc));
		goto fail;
	}
	if (store_exec(st, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
	    &why) != 0) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		goto fail;
	}
	if ((flags & STORE_MIGRATE) && store_migrate(st, cause) != 0)
		goto fail;
	return (st);

fail:
	store_close(st);
	return (NULL);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_warn("database %s: close: %s", st->path,
		    sqlite3_errmsg(st->db));
	/* Closing the fd drops the flock, after SQLite is done with the file. */
	if (st->lockfd != -1)
		close(st->lockfd);
	free(st->path);
	free(st);
}

/* Column i as a JSON string, or null. */
static json_t *
store_column_string(sqlite3_stmt *stmt, int i)
{
	const unsigned char	*s;

	if ((s = sqlite3_column_text(stmt, i)) == NULL)
		return (json_null());
	return (json_string((const char *)s));
}

/* Column i holding JSON text, parsed; null when NULL or unparsable. */
static json_t *
store_column_json(sqlite3_stmt *stmt, int i)
{
	const char	*s;
	json_t		*v;

	if ((s = (const char *)sqlite3_column_text(stmt, i)) == NULL)
		return (json_null());
	if ((v = json_loads(s, JSON_DECODE_ANY, NULL)) == NULL)
		return (json_null());
	return (v);
}

/*
 * Insert or replace the scenario called name with the normalised spec;
 * *created says which. Returns 0, or -1 with *cause.
 */
int
store_scenario_put(struct store *st, const char *name, json_t *spec,
    int *created, char **cause)
{
	sqlite3_stmt	*stmt = NULL;
	char		*text = NULL, *why;
	int		 rc = -1;

	if (store_exec(st, "BEGIN IMMEDIATE", cause) != 0)
		return (-1);
	stmt = store_prepare(st, "SELECT 1 FROM scenarios WHERE name = ?",
	    cause);
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	*created = sqlite3_step(stmt) != SQLITE_ROW;
	sqlite3_finalize(stmt);

	stmt = store_prepare(st, "INSERT INTO scenarios (name, spec, "
	    "created_at, updated_at) VALUES (?1, ?2, "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
	    "ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, "
	    "updated_at = excluded.updated_at", cause);
	if (stmt == NULL)
		goto out;
	text = json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = store_exec(st, "COMMIT", cause);
out:
	sqlite3_finalize(stmt);
	free(text);
	if (rc != 0) {
		store_exec(st, "ROLLBACK", &why);
		free(why);
	}
	return (rc);
}

/* Fetch one scenario: 1 found (*out set), 0 not found, -1 error. */
int
store_scenario_get(struct store *st, const char *name, json_t **out,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT name, created_at, updated_at, spec "
	    "FROM scenarios WHERE name = ?", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		*out = json_pack("{s:o, s:o, s:o, s:o}",
		    "name", store_column_string(stmt, 0),
		    "created_at", store_column_string(stmt, 1),
		    "updated_at", store_column_string(stmt, 2),
		    "spec", store_column_json(stmt, 3));
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		rc = -1;
		break;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* All scenarios, by name, with the fields a listing shows. */
json_t *
store_scenario_list(struct store *st, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*list;
	int		 rc;

	stmt = store_prepare(st, "SELECT name, "
	    "json_extract(spec, '$.description'), "
	    "json_extract(spec, '$.load.executor'), "
	    "json_array_length(spec, '$.requests'), created_at, updated_at "
	    "FROM scenarios ORDER BY name", cause);
	if (stmt == NULL)
		return (NULL);
	list = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_array_append_new(list, json_pack("{s:o, s:o, s:o, s:I, "
		    "s:o, s:o}",
		    "name", store_column_string(stmt, 0),
		    "description", store_column_string(stmt, 1),
		    "executor", store_column_string(stmt, 2),
		    "requests", (json_int_t)sqlite3_column_int64(stmt, 3),
		    "created_at", store_column_string(stmt, 4),
		    "updated_at", store_column_string(stmt, 5)));
	}
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(stmt);
	return (list);
}

/* Run a DELETE by name: 1 deleted, 0 not found, -1 error. */
static int
store_delete_name(struct store *st, const char *sql, const char *name,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		rc = -1;
	} else
		rc = sqlite3_changes(st->db) > 0;
	sqlite3_finalize(stmt);
	return (rc);
}

/* Delete a scenario: 1 deleted, 0 not found, -1 error. Runs keep a copy. */
int
store_scenario_delete(struct store *st, const char *name, char **cause)
{
	return (store_delete_name(st, "DELETE FROM scenarios WHERE name = ?",
	    name, cause));
}

/* Runs, newest first, optionally filtered by scenario and status. */
json_t *
store_run_list(struct store *st, const char *scenario, const char *status,
    int limit, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*list, *passed;
	int		 rc;

	stmt = store_prepare(st, "SELECT id, scenario, status, passed, "
	    "created_at, started_at, ended_at, labels, "
	    "summary->>'duration_s', reason FROM runs "
	    "WHERE (?1 IS NULL OR scenario = ?1) "
	    "AND (?2 IS NULL OR status = ?2) ORDER BY id DESC LIMIT ?3",
	    cause);
	if (stmt == NULL)
		return (NULL);
	if (scenario != NULL)
		sqlite3_bind_text(stmt, 1, scenario, -1, SQLITE_STATIC);
	if (status != NULL)
		sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, limit);
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
	}
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(stmt);
	return (list);
}

/* Baselines by name, with the scenario of the run each names. */
json_t *
store_baseline_list(struct store *st, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*list;
	int		 rc;

	stmt = store_prepare(st, "SELECT b.name, b.run_id, b.created_at, "
	    "r.scenario FROM baselines b LEFT JOIN runs r ON r.id = b.run_id "
	    "ORDER BY b.name", cause);
	if (stmt == NULL)
		return (NULL);
	list = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_array_append_new(list, json_pack("{s:o, s:I, s:o, s:o}",
		    "name", store_column_string(stmt, 0),
		    "run_id", (json_int_t)sqlite3_column_int64(stmt, 1),
		    "created_at", store_column_string(stmt, 2),
		    "scenario", store_column_string(stmt, 3)));
	}
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(stmt);
	return (list);
}

/* The raw connection, for the run code's own statements (same thread). */
sqlite3 *
store_db(struct store *st)
{
	return (st->db);
}

/* The scenario a run was created with. */
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
	sqlite3_stmt	*stmt;
	int64_t		*ids = NULL;
	char		*cause;

	*n = 0;
	stmt = store_prepare(st, "SELECT id FROM runs WHERE status = ? "
	    "ORDER BY id", &cause);
	if (stmt == NULL) {
		log_error("%s", cause);
		free(cause);
		return (NULL);
	}
	sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		ids = xreallocarray(ids, *n + 1, sizeof *ids);
		ids[(*n)++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return (ids);
}

/* Insert a queued run of a normalised scenario; *id is its id. */
int
store_run_insert(struct store *st, json_t *spec, json_t *labels, int64_t *id,
    char **cause)
{
	sqlite3_stmt	*stmt;
	char		*text, *ltext;
	int		 rc = -1;

	stmt = store_prepare(st, "INSERT INTO runs (scenario, spec, status, "
	    "created_at, labels) VALUES (?, ?, 'queued', "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)", cause);
	if (stmt == NULL)
		return (-1);
	text = json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ltext = json_dumps(labels, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sqlite3_bind_text(stmt, 1, json_string_value(json_object_get(spec,
	    "name")), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, ltext, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
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
	    "created_at, started_at, ended_at, labels, reason, env, summary "
	    "FROM runs WHERE id = ?", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
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
	*out = run;
	return (1);
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
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
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
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
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
	xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
out:
	sqlite3_finalize(stmt);
	return (rc);
}

/* The index of name in names (added when new). */
static size_t
store_name_index(char ***names, size_t *n, const char *name)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return (i);
	*names = xreallocarray(*names, *n + 1, sizeof **names);
	(*names)[*n] = xstrdup(name);
	return ((*n)++);
}

/*
 * Rebuild run_stats, errors and the summary of a run cut short, from what
 * reached the disk: the histograms of its intervals and its samples. The
 * summary goes through result_build() as a finished run's does.
 */
void
store_run_rebuild(struct store *st, int64_t id)
{
	sqlite3_stmt	*stmt;
	struct wblock	*b = NULL;
	struct wstat	*s;
	struct hist	*h;
	struct result	 res;
	json_t		*summary, *spec = NULL;
	struct stats	*stx;
	const char	*name;
	char		*cause, *text, **names = NULL;
	size_t		 n = 0, i, k;
	double		 secs = 0;
	int64_t		 warmup_us;
	int		 pass;

	/* Names first (the block is sized by them), then the seconds. */
	for (pass = 0; pass < 2; pass++) {
		stmt = store_prepare(st, "SELECT request, requests, errors, "
		    "hist, (SELECT max(second) + 1 FROM intervals WHERE "
		    "run_id = ?1) FROM intervals WHERE run_id = ?1 ORDER BY "
		    "second", &cause);
		if (stmt == NULL) {
			log_error("rebuild run %lld: %s", (long long)id, cause);
			free(cause);
			goto out;
		}
		sqlite3_bind_int64(stmt, 1, id);
		if (pass == 1)
			b = wblock_create(n);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			name = (const char *)sqlite3_column_text(stmt, 0);
			if (name == NULL)
				continue;
			if (pass == 0) {
				if (strcmp(name, "*") != 0)
					store_name_index(&names, &n, name);
				continue;
			}
			s = &b->overall;
			if (strcmp(name, "*") != 0)
				s = &b->stats[store_name_index(&names, &n,
				    name)];
			secs = (double)sqlite3_column_int64(stmt, 4);
			s->failed += (uint64_t)sqlite3_column_int64(stmt, 2);
			s->ok += (uint64_t)(sqlite3_column_int64(stmt, 1) -
			    sqlite3_column_int64(stmt, 2));
			h = hist_decode(sqlite3_column_blob(stmt, 3),
			    (size_t)sqlite3_column_bytes(stmt, 3), &cause);
			if (h == NULL)
				free(cause);
			else {
				hist_merge(&s->lat, h);
				hist_free(h);
			}
		}
		sqlite3_finalize(stmt);
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

/* One baseline: 1 found (*out set), 0 not found, -1 error. */
int
store_baseline_get(struct store *st, const char *name, json_t **out,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT b.name, b.run_id, b.created_at, "
	    "r.scenario, r.started_at FROM baselines b LEFT JOIN runs r ON "
	    "r.id = b.run_id WHERE b.name = ?", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		*out = json_pack("{s:o, s:I, s:o, s:o, s:o}",
		    "name", store_column_string(stmt, 0),
		    "run_id", (json_int_t)sqlite3_column_int64(stmt, 1),
		    "created_at", store_column_string(stmt, 2),
		    "scenario", store_column_string(stmt, 3),
		    "run_started_at", store_column_string(stmt, 4));
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		rc = -1;
		break;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* Point baseline name at a run; *created says whether it is new. */
int
store_baseline_put(struct store *st, const char *name, int64_t run_id,
    int *created, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*old;
	int		 rc;

	if ((rc = store_baseline_get(st, name, &old, cause)) < 0)
		return (-1);
	if (rc == 1)
		json_decref(old);
	*created = rc == 0;
	stmt = store_prepare(st, "INSERT INTO baselines (name, run_id, "
	    "created_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
	    "ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, "
	    "created_at = excluded.created_at", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, run_id);
	rc = 0;
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		rc = -1;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* Remove a baseline (its run stays): 1 done, 0 not found, -1 error. */
int
store_baseline_delete(struct store *st, const char *name, char **cause)
{
	return (store_delete_name(st, "DELETE FROM baselines WHERE name = ?",
	    name, cause));
}

/* Keep a run's latest comparison, for its report. */
int
store_comparison_put(struct store *st, int64_t run_id, json_t *c,
    char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*base = json_object_get(c, "baseline");
	char		*text;
	int		 rc = 0;

	stmt = store_prepare(st, "INSERT OR REPLACE INTO comparisons (run_id, "
	    "baseline, baseline_run_id, created_at, passed, result) VALUES "
	    "(?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?)", cause);
	if (stmt == NULL)
		return (-1);
	text = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sqlite3_bind_int64(stmt, 1, run_id);
	if (json_is_string(json_object_get(base, "name")))
		sqlite3_bind_text(stmt, 2, json_string_value(json_object_get(
		    base, "name")), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, json_integer_value(json_object_get(base,
	    "run_id")));
	sqlite3_bind_int(stmt, 4, json_is_true(json_object_get(c, "passed")));
	sqlite3_bind_text(stmt, 5, text, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
		rc = -1;
	}
	sqlite3_finalize(stmt);
	free(text);
	return (rc);
}
