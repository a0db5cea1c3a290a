/* SPDX-License-Identifier: MIT */
/*
 * fuzz-histsql.c -- the histogram functions for SQL (hist-sql.c) on any
 * blob: hist_quantile, the statistics, hist_merge (as an aggregate and a
 * sliding window, so its inverse runs) and hist_buckets. Any input is a
 * result or an SQL error; never a crash, a leak or undefined behaviour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <sqlite3.h>

#include "loadd.h"
#include "hist-sql.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static sqlite3		*db;
static sqlite3_stmt	*st[4];
static const char	*sql[4] = {
	"SELECT hist_quantile(?1, 0.99), hist_count(?1), hist_mean(?1), "
	    "hist_min(?1), hist_max(?1), hist_stddev(?1)",
	"SELECT hist_count(hist_merge(h)) FROM (SELECT ?1 AS h UNION ALL "
	    "SELECT ?1 UNION ALL SELECT ?2)",
	"SELECT hist_quantile(hist_merge(h) OVER (ORDER BY k ROWS BETWEEN 1 "
	    "PRECEDING AND CURRENT ROW), 0.5) FROM (SELECT 1 AS k, ?1 AS h "
	    "UNION ALL SELECT 2, ?2 UNION ALL SELECT 3, ?1)",
	"SELECT count(*), sum(count), max(cum_pct) FROM hist_buckets(?1)"
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t	i;

	log_init(LOG_CRIT, 0);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    hist_sql_register(db) != SQLITE_OK)
		abort();
	for (i = 0; i < 4; i++)
		if (sqlite3_prepare_v2(db, sql[i], -1, &st[i], NULL) !=
		    SQLITE_OK) {
			fprintf(stderr, "%s: %s\n", sql[i], sqlite3_errmsg(db));
			abort();
		}
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	i, half = size / 2;

	for (i = 0; i < 4; i++) {
		/* The whole input, and its second half as another blob. */
		sqlite3_bind_blob(st[i], 1, data, (int)size, SQLITE_TRANSIENT);
		if (sqlite3_bind_parameter_count(st[i]) > 1)
			sqlite3_bind_blob(st[i], 2, data + half,
			    (int)(size - half), SQLITE_TRANSIENT);
		while (sqlite3_step(st[i]) == SQLITE_ROW)
			;
		sqlite3_reset(st[i]);
		sqlite3_clear_bindings(st[i]);
	}
	return (0);
}
