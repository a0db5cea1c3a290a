/* SPDX-License-Identifier: MIT */
/*
 * hist-sql.h -- the histogram functions for SQL (hist-sql.c), registered
 * on each connection the daemon opens and by loadd_sqlite.so.
 */
#ifndef HIST_SQL_H
#define HIST_SQL_H

struct sqlite3;
int	hist_sql_register(struct sqlite3 *);

#endif
