/* SPDX-License-Identifier: MIT */
/*
 * store-data.c -- the datasets table (SPEC section 14): a dataset is kept
 * as CSV with its columns, row count and size, and replaced whole. Through
 * the caller's connection (the API thread's; a run reads its snapshot at
 * start on the main thread's).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loadd.h"
#include "store.h"

/* Store (or replace) dataset name; *created says which. */
int
store_data_put(struct store *st, const char *name, const struct dataset *d,
    int *created, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*cols;
	char		*csv, *ctext;
	size_t		 len;
	int		 rc = -1;

	stmt = store_prepare(st, "SELECT 1 FROM datasets WHERE name = ?",
	    cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	*created = sqlite3_step(stmt) != SQLITE_ROW;
	sqlite3_finalize(stmt);
	stmt = store_prepare(st, "INSERT INTO datasets (name, columns, "
	    "rows, bytes, created_at, content) VALUES (?1, ?2, ?3, ?4, "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?5) ON CONFLICT (name) "
	    "DO UPDATE SET columns = excluded.columns, rows = excluded.rows, "
	    "bytes = excluded.bytes, created_at = excluded.created_at, "
	    "content = excluded.content", cause);
	if (stmt == NULL)
		return (-1);
	cols = data_columns_json(d);
	ctext = json_dumps(cols, JSON_COMPACT);
	json_decref(cols);
	csv = data_to_csv(d, &len);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, ctext, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)d->nrows);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)len);
	sqlite3_bind_text(stmt, 5, csv, (int)len, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_DONE)
		rc = 0;
	else
		store_fail(st, cause);
	sqlite3_finalize(stmt);
	free(csv);
	free(ctext);
	return (rc);
}

/* Dataset name as CSV (*out, *len): 1 found, 0 not, -1 error. */
int
store_data_get(struct store *st, const char *name, char **out, size_t *len,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT content FROM datasets WHERE "
	    "name = ?", cause);
	if (stmt == NULL)
		return (-1);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(stmt, 0);
		*out = xmalloc(*len + 1);
		memcpy(*out, sqlite3_column_text(stmt, 0), *len);
		(*out)[*len] = '\0';
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else {
		store_fail(st, cause);
		rc = -1;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* {"data": [{name, columns, rows, bytes, created_at}]} by name. */
json_t *
store_data_list(struct store *st, char **cause)
{
	sqlite3_stmt	*stmt;
	json_t		*list, *cols;
	int		 rc;

	stmt = store_prepare(st, "SELECT name, columns, rows, bytes, "
	    "created_at FROM datasets ORDER BY name", cause);
	if (stmt == NULL)
		return (NULL);
	list = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		cols = json_loads((const char *)sqlite3_column_text(stmt, 1), 0,
		    NULL);
		json_array_append_new(list, json_pack("{s:s, s:o, s:I, s:I, "
		    "s:s}", "name", sqlite3_column_text(stmt, 0), "columns",
		    cols != NULL ? cols : json_array(), "rows",
		    (json_int_t)sqlite3_column_int64(stmt, 2), "bytes",
		    (json_int_t)sqlite3_column_int64(stmt, 3), "created_at",
		    sqlite3_column_text(stmt, 4)));
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, cause);
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(stmt);
	return (list != NULL ? json_pack("{s:o}", "data", list) : NULL);
}

/* Delete dataset name: 1 deleted, 0 none, -1 error. */
int
store_data_delete(struct store *st, const char *name, char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "DELETE FROM datasets WHERE name = ?",
	    cause);
	if (stmt == NULL)
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
