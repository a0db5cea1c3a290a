/* SPDX-License-Identifier: MIT */
/*
 * test-histsql.c -- the histogram functions for SQL (hist-sql.c) on an
 * in-memory database filled with histograms made here: quantiles within
 * the histogram's error of the exact values, hist_merge of parts equal to
 * the histogram of their union, a sliding window (with its inverse) equal
 * to a plain GROUP BY over the same rows, hist_buckets adding up, NULL for
 * no data, and malformed blobs as SQL errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <sqlite3.h>

#include "loadd.h"
#include "hist-sql.h"
#include "tap.h"

#define NROWS	40
#define PER_ROW	500

static sqlite3	*db;

/* The first column of the first row of sql, as a double (NAN for NULL). */
static double
q1(const char *sql)
{
	sqlite3_stmt	*st;
	double		 v = NAN;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(db));
		return (NAN);
	}
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/* The error of sql, or "" when it ran. */
static const char *
err(const char *sql)
{
	static char	 msg[256];
	sqlite3_stmt	*st;
	int		 rc;

	msg[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
		return (msg);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return (msg);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

int
main(void)
{
	static uint64_t	 all[NROWS * PER_ROW];
	struct hist	*h, *u = hist_create();
	sqlite3_stmt	*ins, *st;
	unsigned char	*blob;
	uint64_t	 x = 88172645463325252ULL, v, exact;
	size_t		 len, i, k, n = 0;
	double		 got, q[] = { 0.5, 0.9, 0.99, 0.999 };
	char		 sql[512];
	int		 bad = 0, rows = 0;

	log_init(LOG_CRIT, 0);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    hist_sql_register(db) != SQLITE_OK)
		return (1);
	ok(1, "the functions register");
	sqlite3_exec(db, "CREATE TABLE iv (second INTEGER, hist BLOB)", NULL,
	    NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO iv VALUES (?, ?)", -1, &ins, NULL);
	/* 40 seconds of latencies between 0.1 and about 50 ms. */
	for (i = 0; i < NROWS; i++) {
		h = hist_create();
		for (k = 0; k < PER_ROW; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v = 100000 + x % (1000000 * (1 + i % 50));
			hist_record(h, v);
			hist_record(u, v);
			all[n++] = v;
		}
		len = hist_encode(h, &blob);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
		sqlite3_bind_blob(ins, 2, blob, (int)len, free);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		hist_free(h);
	}
	sqlite3_finalize(ins);
	qsort(all, n, sizeof all[0], cmp_u64);

	for (i = 0; i < sizeof q / sizeof q[0]; i++) {
		snprintf(sql, sizeof sql, "SELECT hist_quantile(hist_merge(hist),"
		    " %g) FROM iv", q[i]);
		got = q1(sql);
		exact = all[(size_t)ceil(q[i] * (double)n) - 1];
		ok(fabs(got * 1e6 - (double)exact) <= (double)exact * 0.008,
		    "p%g of the merge is the exact value within 0.8 %% "
		    "(%.4f ms, exact %.4f)", q[i] * 100, got, exact / 1e6);
	}
	is_int((long long)q1("SELECT hist_count(hist_merge(hist)) FROM iv"),
	    (long long)n, "hist_count of the merge counts every value");
	ok(fabs(q1("SELECT hist_min(hist_merge(hist)) FROM iv") -
	    (double)all[0] / 1e6) < 1e-9 && fabs(q1("SELECT "
	    "hist_max(hist_merge(hist)) FROM iv") - (double)all[n - 1] / 1e6) <
	    1e-9, "min and max are exact");
	ok(fabs(q1("SELECT hist_mean(hist_merge(hist)) FROM iv") -
	    hist_mean(u) / 1e6) < 1e-9 && fabs(q1("SELECT "
	    "hist_stddev(hist_merge(hist)) FROM iv") - hist_stddev(u) / 1e6) <
	    1e-9, "mean and stddev are those of the union");

	/* A merge of merges (parts of 7 rows) is the merge of all. */
	ok(q1("SELECT hist_quantile(hist_merge(m), 0.99) FROM (SELECT "
	    "hist_merge(hist) AS m FROM iv GROUP BY second / 7)") ==
	    q1("SELECT hist_quantile(hist_merge(hist), 0.99) FROM iv"),
	    "merging merged parts gives the union's p99");
	ok(q1("SELECT hist_merge(m) = (SELECT hist_merge(hist) FROM iv) FROM "
	    "(SELECT hist_merge(hist) AS m FROM iv GROUP BY second % 3)") == 1,
	    "... and the same blob, byte for byte");

	/* A sliding window of 5 seconds equals a GROUP BY over each frame. */
	sqlite3_prepare_v2(db, "SELECT second, hist_quantile(hist_merge(hist) "
	    "OVER (ORDER BY second ROWS BETWEEN 4 PRECEDING AND CURRENT ROW), "
	    "0.95), hist_count(hist_merge(hist) OVER (ORDER BY second ROWS "
	    "BETWEEN 4 PRECEDING AND CURRENT ROW)) FROM iv ORDER BY second",
	    -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(sql, sizeof sql, "SELECT hist_quantile(hist_merge(hist),"
		    " 0.95) FROM iv WHERE second BETWEEN %d AND %d",
		    sqlite3_column_int(st, 0) - 4, sqlite3_column_int(st, 0));
		if (fabs(q1(sql) - sqlite3_column_double(st, 1)) > 1e-9 ||
		    sqlite3_column_int(st, 2) != PER_ROW *
		    (sqlite3_column_int(st, 0) < 4 ? sqlite3_column_int(st, 0) +
		    1 : 5))
			bad++;
		rows++;
	}
	sqlite3_finalize(st);
	ok(rows == NROWS && bad == 0, "a sliding window's p95 and count equal "
	    "a GROUP BY over each frame (%d of %d differ)", bad, rows);

	/* hist_buckets: counts add up; cum_pct ends at 100. */
	is_int((long long)q1("SELECT sum(count) FROM hist_buckets((SELECT "
	    "hist_merge(hist) FROM iv))"), (long long)n,
	    "hist_buckets' counts add up to the count");
	ok(fabs(q1("SELECT max(cum_pct) FROM hist_buckets((SELECT "
	    "hist_merge(hist) FROM iv))") - 100) < 1e-9 && q1("SELECT count(*) "
	    "FROM hist_buckets((SELECT hist_merge(hist) FROM iv)) WHERE "
	    "lo_ms > hi_ms") == 0, "cum_pct ends at 100, each bucket lo <= hi");

	/* No data is NULL, never 0. */
	ok(isnan(q1("SELECT hist_merge(hist) FROM iv WHERE second < 0")),
	    "the merge of no rows is NULL");
	ok(isnan(q1("SELECT hist_quantile(NULL, 0.5)")) &&
	    isnan(q1("SELECT hist_mean(NULL)")), "NULL in, NULL out");
	h = hist_create();
	len = hist_encode(h, &blob);
	snprintf(sql, sizeof sql, "SELECT hist_quantile(x'");
	for (i = 0; i < len; i++)
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "%02x",
		    blob[i]);
	free(blob);
	hist_free(h);
	strcat(sql, "', 0.5)");
	ok(isnan(q1(sql)), "an empty histogram's quantile is NULL");

	/* Malformed input is an error with a message. */
	is_str(err("SELECT hist_quantile(x'0102', 0.5)"),
	    "hist_quantile: malformed histogram: truncated min",
	    "a truncated blob");
	is_str(err("SELECT hist_count(zeroblob(10))"),
	    "hist_count: malformed histogram: unknown histogram version 0",
	    "a blob of another kind");
	is_str(err("SELECT hist_mean('text')"), "hist_mean: expected a "
	    "histogram blob (the hist column of intervals)", "text");
	is_str(err("SELECT hist_merge(x'01')"), "hist_merge: malformed "
	    "histogram: truncated count", "hist_merge of a bad blob");
	is_str(err("SELECT * FROM hist_buckets(x'ff')"), "hist_buckets: "
	    "malformed histogram: unknown histogram version 255",
	    "hist_buckets of a bad blob");
	is_str(err("SELECT hist_quantile(hist, 1.5) FROM iv"), "hist_quantile:"
	    " q must be between 0 and 1 (0.99 for p99)", "q out of range");
	is_str(err("SELECT * FROM hist_buckets"), "hist_buckets: give it a "
	    "histogram, as hist_buckets(hist)", "hist_buckets without one");
	hist_free(u);
	sqlite3_close(db);
	return (tap_done());
}
