/* SPDX-License-Identifier: MIT */
/*
 * store-baselines.c -- named baselines and the comparisons kept for
 * reports (SPEC section 8). Through the API thread's connection.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loadd.h"
#include "store.h"

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
		store_fail(st, cause);
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(stmt);
	return (list);
}

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
		store_fail(st, cause);
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
		store_fail(st, cause);
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
		store_fail(st, cause);
		rc = -1;
	}
	sqlite3_finalize(stmt);
	free(text);
	return (rc);
}
