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
#include "store.h"

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

int
store_exec(struct store *st, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		if (cause != NULL)	/* NULL: the caller has an error already */
			xasprintf(cause, "%s", err != NULL ? err :
			    sqlite3_errmsg(st->db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/* *cause from the connection's last error; returns -1. */
int
store_fail(struct store *st, char **cause)
{
	xasprintf(cause, "sqlite: %s", sqlite3_errmsg(st->db));
	return (-1);
}

sqlite3_stmt *
store_prepare(struct store *st, const char *sql, char **cause)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		store_fail(st, cause);
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

/* Column i as a JSON number, or null. */
json_t *
store_column_double_json(sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return (json_null());
	return (json_real(sqlite3_column_double(stmt, i)));
}

/* Column i as a double, NAN when NULL. */
double
store_column_double(sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return (NAN);
	return (sqlite3_column_double(stmt, i));
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
 * Open a connection for the calling thread: every connection of the daemon
 * (main, API, sample writer, samples stream) comes from here, with the same
 * pragmas and the histogram functions. STORE_LOCK takes the one-daemon
 * lock; STORE_MIGRATE brings the schema up to date; STORE_READONLY opens
 * for reading only (the file must exist and already be in WAL mode).
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
	rc = sqlite3_open_v2(path, &st->db, ((flags & STORE_READONLY) ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
	    SQLITE_OPEN_NOMUTEX, NULL);
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
	if (store_exec(st, (flags & STORE_READONLY) ?
	    "PRAGMA foreign_keys = ON" : "PRAGMA journal_mode = WAL; "
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

/*
 * The ids a query gives (its first column; param, if not NULL, bound to
 * its one parameter), in an array of *n; errors are logged (none then).
 */
int64_t *
store_ids(struct store *st, const char *sql, const char *param, size_t *n)
{
	sqlite3_stmt	*stmt;
	int64_t		*ids = NULL;
	char		*cause;

	*n = 0;
	if ((stmt = store_prepare(st, sql, &cause)) == NULL) {
		log_error("%s", cause);
		free(cause);
		return (NULL);
	}
	if (param != NULL)
		sqlite3_bind_text(stmt, 1, param, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		ids = xreallocarray(ids, *n + 1, sizeof *ids);
		ids[(*n)++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return (ids);
}

/* Column i as a JSON string, or null. */
json_t *
store_column_string(sqlite3_stmt *stmt, int i)
{
	const unsigned char	*s;

	if ((s = sqlite3_column_text(stmt, i)) == NULL)
		return (json_null());
	return (json_string((const char *)s));
}

/* Column i holding JSON text, parsed; null when NULL or unparsable. */
json_t *
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
		store_fail(st, cause);
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
		store_fail(st, cause);
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
		store_fail(st, cause);
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(stmt);
	return (list);
}

/* Run a DELETE by name: 1 deleted, 0 not found, -1 error. */
int
store_delete_name(struct store *st, const char *sql, const char *name,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		store_fail(st, cause);
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
