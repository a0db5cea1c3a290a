/* SPDX-License-Identifier: MIT */
/*
 * loadd-sqlite.c -- the entry point of loadd_sqlite.so, the SQLite
 * loadable extension with the histogram functions of hist-sql.c (SPEC
 * section 15): ".load .../loadd/loadd_sqlite" in the sqlite3 CLI, or
 * sqlite3_load_extension() in any client. Only this symbol is exported.
 */
#include "config.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "hist-sql.h"

__attribute__((visibility("default"))) int
sqlite3_loaddsqlite_init(sqlite3 *db, char **err,
    const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	return (hist_sql_register(db));
}
