/* SPDX-License-Identifier: MIT */
/*
 * hist-sql.c -- the histogram functions for SQL (SPEC section 15), on the
 * hist blobs of intervals: hist_merge (aggregate and window function, with
 * an inverse), hist_quantile, hist_count, hist_mean, hist_min, hist_max,
 * hist_stddev, and the table-valued hist_buckets. Latencies come out in
 * ms. A malformed blob is an SQL error naming what is wrong.
 *
 * One source for two builds: the daemon links it against libsqlite3; with
 * LOADD_SQLITE_EXTENSION it goes into loadd_sqlite.so, a loadable
 * extension that reaches SQLite through the routines the loader hands it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#ifdef LOADD_SQLITE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif

#include "hist.h"
#include "hist-sql.h"

#define NS_PER_MS	1e6

/*
 * Decode argument v into h. 0: a histogram; 1: SQL NULL (the result is
 * NULL); -1: an error, already set on ctx.
 */
static int
hs_arg(sqlite3_context *ctx, sqlite3_value *v, struct hist *h,
    const char *fn)
{
	char	*cause = NULL, *msg;

	if (sqlite3_value_type(v) == SQLITE_NULL)
		return (1);
	if (sqlite3_value_type(v) != SQLITE_BLOB) {
		msg = sqlite3_mprintf("%s: expected a histogram blob (the hist "
		    "column of intervals)", fn);
		sqlite3_result_error(ctx, msg, -1);
		sqlite3_free(msg);
		return (-1);
	}
	if (hist_decode_into(h, sqlite3_value_blob(v),
	    (size_t)sqlite3_value_bytes(v), &cause) != 0) {
		msg = sqlite3_mprintf("%s: malformed histogram: %s", fn,
		    cause != NULL ? cause : "?");
		free(cause);
		sqlite3_result_error(ctx, msg, -1);
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

/* A histogram on the heap: 32 KiB is too much for some threads' stacks. */
static struct hist *
hs_new(sqlite3_context *ctx)
{
	struct hist	*h;

	if ((h = sqlite3_malloc64(sizeof *h)) == NULL)
		sqlite3_result_error_nomem(ctx);
	return (h);
}

static double
hs_mean(const struct hist *h)
{
	return (hist_mean(h) / NS_PER_MS);
}

static double
hs_min(const struct hist *h)
{
	return ((double)hist_min(h) / NS_PER_MS);
}

static double
hs_max(const struct hist *h)
{
	return ((double)hist_max(h) / NS_PER_MS);
}

static double
hs_stddev(const struct hist *h)
{
	return (hist_stddev(h) / NS_PER_MS);
}

/* hist_quantile(hist, q): the latency at quantile q in [0, 1], ms. */
static void
hs_quantile(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct hist	*h;
	double		 q;

	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	q = sqlite3_value_double(argv[1]);
	if (!(q >= 0 && q <= 1)) {
		sqlite3_result_error(ctx, "hist_quantile: q must be between 0 "
		    "and 1 (0.99 for p99)", -1);
		return;
	}
	if ((h = hs_new(ctx)) == NULL)
		return;
	switch (hs_arg(ctx, argv[0], h, "hist_quantile")) {
	case 0:
		if (hist_count(h) > 0)
			sqlite3_result_double(ctx,
			    (double)hist_percentile(h, q * 100) / NS_PER_MS);
		else
			sqlite3_result_null(ctx);	/* no data is not 0 */
		break;
	case 1:
		sqlite3_result_null(ctx);
		break;
	}
	sqlite3_free(h);
}

/* The statistics, one function each; hist_count alone is 0 when empty. */
static const struct hs_stat {
	const char	*name;
	double		(*ms)(const struct hist *);	/* NULL: the count */
} hs_stats[] = {
	{ "hist_count", NULL },
	{ "hist_mean", hs_mean },
	{ "hist_min", hs_min },
	{ "hist_max", hs_max },
	{ "hist_stddev", hs_stddev }
};

static void
hs_stat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct hs_stat	*st = sqlite3_user_data(ctx);
	struct hist		*h;

	if ((h = hs_new(ctx)) == NULL)
		return;
	switch (hs_arg(ctx, argv[0], h, st->name)) {
	case 0:
		if (st->ms == NULL)
			sqlite3_result_int64(ctx, (sqlite3_int64)hist_count(h));
		else if (hist_count(h) > 0)
			sqlite3_result_double(ctx, st->ms(h));
		else
			sqlite3_result_null(ctx);	/* no data is not 0 */
		break;
	case 1:
		sqlite3_result_null(ctx);
		break;
	}
	sqlite3_free(h);
}

/* The state of hist_merge: the sum so far and a scratch to decode into. */
struct hs_agg {
	struct hist	*sum;
	struct hist	*part;
	sqlite3_int64	 rows;		/* non-NULL histograms in the frame */
};

static struct hs_agg *
hs_agg(sqlite3_context *ctx, int make)
{
	struct hs_agg	*a;

	a = sqlite3_aggregate_context(ctx, make ? sizeof *a : 0);
	if (a == NULL || a->sum != NULL || !make)
		return (a);
	a->sum = sqlite3_malloc64(sizeof *a->sum);
	a->part = sqlite3_malloc64(sizeof *a->part);
	if (a->sum == NULL || a->part == NULL) {
		sqlite3_result_error_nomem(ctx);
		return (NULL);
	}
	hist_reset(a->sum);
	return (a);
}

/* A row enters the frame (add) or leaves it (a window's inverse). */
static void
hs_merge_row(sqlite3_context *ctx, sqlite3_value *v, int add)
{
	struct hs_agg	*a;

	if (sqlite3_value_type(v) == SQLITE_NULL)
		return;
	if ((a = hs_agg(ctx, 1)) == NULL || a->sum == NULL)
		return;
	if (hs_arg(ctx, v, a->part, "hist_merge") != 0)
		return;
	if (add) {
		hist_merge(a->sum, a->part);
		a->rows++;
	} else {
		hist_unmerge(a->sum, a->part);
		a->rows--;
	}
}

static void
hs_merge_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	hs_merge_row(ctx, argv[0], 1);
}

static void
hs_merge_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	hs_merge_row(ctx, argv[0], 0);
}

/* The merged histogram as a blob; NULL when no row held one. */
static void
hs_merge_value(sqlite3_context *ctx)
{
	struct hs_agg	*a = hs_agg(ctx, 0);
	unsigned char	*blob;
	size_t		 len;

	if (a == NULL || a->sum == NULL || a->rows <= 0) {
		sqlite3_result_null(ctx);
		return;
	}
	len = hist_encode(a->sum, &blob);
	sqlite3_result_blob64(ctx, blob, len, free);
}

static void
hs_merge_final(sqlite3_context *ctx)
{
	struct hs_agg	*a = hs_agg(ctx, 0);

	hs_merge_value(ctx);
	if (a != NULL) {
		sqlite3_free(a->sum);
		sqlite3_free(a->part);
		a->sum = a->part = NULL;
	}
}

/*
 * hist_buckets(hist): a table-valued function, a row per non-empty bucket:
 * lo_ms, hi_ms, count, cum_pct (of the histogram's count, up to and with
 * this bucket). The hidden column hist takes the argument.
 */
enum { HB_LO, HB_HI, HB_COUNT, HB_CUM, HB_HIST };

struct hb_cursor {
	sqlite3_vtab_cursor	 base;
	struct hist		*h;
	size_t			 i;		/* current bucket */
	uint64_t		 cum;
	sqlite3_int64		 rowid;
};

static int
hb_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
    sqlite3_vtab **out, char **err)
{
	sqlite3_vtab	*vt;
	int		 rc;

	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(lo_ms REAL, hi_ms REAL, "
	    "count INTEGER, cum_pct REAL, hist HIDDEN)");
	if (rc != SQLITE_OK)
		return (rc);
	if ((vt = sqlite3_malloc(sizeof *vt)) == NULL)
		return (SQLITE_NOMEM);
	memset(vt, 0, sizeof *vt);
	*out = vt;
	return (SQLITE_OK);
}

static int
hb_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return (SQLITE_OK);
}

/* The plan: the hist argument is required, as an equality. */
static int
hb_best_index(sqlite3_vtab *vt, sqlite3_index_info *ii)
{
	int	i;

	for (i = 0; i < ii->nConstraint; i++) {
		if (ii->aConstraint[i].iColumn != HB_HIST)
			continue;
		if (!ii->aConstraint[i].usable ||
		    ii->aConstraint[i].op != SQLITE_INDEX_CONSTRAINT_EQ)
			return (SQLITE_CONSTRAINT);
		ii->aConstraintUsage[i].argvIndex = 1;
		ii->aConstraintUsage[i].omit = 1;
		ii->idxNum = 1;
		ii->estimatedCost = 10;
		ii->estimatedRows = 100;
		return (SQLITE_OK);
	}
	vt->zErrMsg = sqlite3_mprintf("hist_buckets: give it a histogram, as "
	    "hist_buckets(hist)");
	return (SQLITE_ERROR);
}

static int
hb_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct hb_cursor	*c;

	if ((c = sqlite3_malloc(sizeof *c)) == NULL)
		return (SQLITE_NOMEM);
	memset(c, 0, sizeof *c);
	*out = &c->base;
	return (SQLITE_OK);
}

static int
hb_close(sqlite3_vtab_cursor *cur)
{
	struct hb_cursor	*c = (struct hb_cursor *)cur;

	sqlite3_free(c->h);
	sqlite3_free(c);
	return (SQLITE_OK);
}

/* Move to the next non-empty bucket from i on. */
static void
hb_seek(struct hb_cursor *c)
{
	while (c->h != NULL && c->i < HIST_NBUCKETS && c->h->buckets[c->i] == 0)
		c->i++;
}

static int
hb_filter(sqlite3_vtab_cursor *cur, int idxnum, const char *idxstr, int argc,
    sqlite3_value **argv)
{
	struct hb_cursor	*c = (struct hb_cursor *)cur;
	char			*cause = NULL;

	c->i = 0;
	c->cum = 0;
	c->rowid = 0;
	if (c->h == NULL && (c->h = sqlite3_malloc64(sizeof *c->h)) == NULL)
		return (SQLITE_NOMEM);
	hist_reset(c->h);
	if (argc < 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		c->i = HIST_NBUCKETS;	/* no rows */
		return (SQLITE_OK);
	}
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
		cur->pVtab->zErrMsg = sqlite3_mprintf("hist_buckets: expected a "
		    "histogram blob (the hist column of intervals)");
		return (SQLITE_ERROR);
	}
	if (hist_decode_into(c->h, sqlite3_value_blob(argv[0]),
	    (size_t)sqlite3_value_bytes(argv[0]), &cause) != 0) {
		cur->pVtab->zErrMsg = sqlite3_mprintf("hist_buckets: malformed "
		    "histogram: %s", cause != NULL ? cause : "?");
		free(cause);
		return (SQLITE_ERROR);
	}
	hb_seek(c);
	if (c->i < HIST_NBUCKETS)
		c->cum = c->h->buckets[c->i];
	return (SQLITE_OK);
}

static int
hb_next(sqlite3_vtab_cursor *cur)
{
	struct hb_cursor	*c = (struct hb_cursor *)cur;

	c->i++;
	c->rowid++;
	hb_seek(c);
	if (c->i < HIST_NBUCKETS)
		c->cum += c->h->buckets[c->i];
	return (SQLITE_OK);
}

static int
hb_eof(sqlite3_vtab_cursor *cur)
{
	struct hb_cursor	*c = (struct hb_cursor *)cur;

	return (c->h == NULL || c->i >= HIST_NBUCKETS);
}

static int
hb_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct hb_cursor	*c = (struct hb_cursor *)cur;
	uint64_t		 lo, hi;

	hist_bucket_range(c->i, &lo, &hi);
	switch (col) {
	case HB_LO:
		sqlite3_result_double(ctx, (double)lo / NS_PER_MS);
		break;
	case HB_HI:
		sqlite3_result_double(ctx, (double)hi / NS_PER_MS);
		break;
	case HB_COUNT:
		sqlite3_result_int64(ctx, (sqlite3_int64)c->h->buckets[c->i]);
		break;
	case HB_CUM:
		sqlite3_result_double(ctx, 100.0 * (double)c->cum /
		    (double)hist_count(c->h));
		break;
	default:
		sqlite3_result_null(ctx);
		break;
	}
	return (SQLITE_OK);
}

static int
hb_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct hb_cursor *)cur)->rowid;
	return (SQLITE_OK);
}

static sqlite3_module hb_module = {
	.xConnect = hb_connect,
	.xBestIndex = hb_best_index,
	.xDisconnect = hb_disconnect,
	.xOpen = hb_open,
	.xClose = hb_close,
	.xFilter = hb_filter,
	.xNext = hb_next,
	.xEof = hb_eof,
	.xColumn = hb_column,
	.xRowid = hb_rowid
};

/* Register every function on db. SQLITE_OK or an SQLite error code. */
int
hist_sql_register(sqlite3 *db)
{
	const int		 flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC |
				    SQLITE_INNOCUOUS;
	size_t			 i;
	int			 rc;

	rc = sqlite3_create_function(db, "hist_quantile", 2, flags, NULL,
	    hs_quantile, NULL, NULL);
	for (i = 0; rc == SQLITE_OK && i < sizeof hs_stats /
	    sizeof hs_stats[0]; i++)
		rc = sqlite3_create_function(db, hs_stats[i].name, 1, flags,
		    (void *)&hs_stats[i], hs_stat, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_window_function(db, "hist_merge", 1, flags,
		    NULL, hs_merge_step, hs_merge_final, hs_merge_value,
		    hs_merge_inverse, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_module(db, "hist_buckets", &hb_module,
		    NULL);
	return (rc);
}
