/* SPDX-License-Identifier: MIT */
/*
 * store-samples.c -- the sample writer's side of the store (a "sink"): its
 * own connection, opened through store_open(), and the statements that
 * store raw samples, intervals and system_metrics rows. One transaction per
 * drain, which the writer thread opens and commits.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loadd.h"
#include "store.h"

/* The samples of one request not yet inserted. */
struct sink_chunk {
	unsigned char		*data;		/* SINK_CHUNK records */
	size_t			 n;
};

struct store_sink {
	struct store		*st;
	char			**names;	/* stat index -> request name */
	size_t			 nnames;
	struct sink_chunk	*chunks;	/* by stat index */
	size_t			 pending;	/* inserted, not committed */
	int			 intx;		/* BEGIN succeeded */
	sqlite3_stmt		*ins_chunk;
	sqlite3_stmt		*ins_interval, *ins_system;
};

/*
 * Raw samples go in chunks (schema/0008-sample-chunks.sql): up to
 * SINK_CHUNK samples of one request, written in one drain, as fixed-width
 * decimal records. A row per chunk instead of a row per sample is what
 * makes storing every sample cheap; the samples view reads them back.
 */
#define SINK_CHUNK	STORE_SAMPLE_CHUNK
#define SINK_RECORD	STORE_SAMPLE_RECORD

/* The largest value of a field of width digits, up to 12. */
static const uint64_t sink_max[] = {
	0, 9, 99, 999, 9999, 99999, 999999, 9999999, 99999999, 999999999,
	9999999999ULL, 99999999999ULL, 999999999999ULL
};

/* "00" to "99": two digits a step. */
static const char sink_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/* v right-aligned in width digits, padded with pad; clamped to fit. */
static void
sink_digits(unsigned char *p, int width, uint64_t v, unsigned char pad)
{
	unsigned	k;
	int		i = width;

	if (v > sink_max[width])
		v = sink_max[width];
	while (v >= 10) {
		k = (unsigned)(v % 100) * 2;
		v /= 100;
		p[--i] = (unsigned char)sink_pairs[k + 1];
		p[--i] = (unsigned char)sink_pairs[k];
	}
	if (v > 0 || i == width)
		p[--i] = (unsigned char)('0' + v);
	while (i > 0)
		p[--i] = pad;
}

/* One sample as its 37-byte record. */
static void
sink_record(unsigned char *p, const struct sample *s)
{
	sink_digits(p, 12, s->t_us, '0');
	if (s->latency_us >= 0)
		sink_digits(p + 12, 10, (uint64_t)s->latency_us, ' ');
	else
		memset(p + 12, ' ', 10);
	if (s->status != 0)
		sink_digits(p + 22, 3, s->status, ' ');
	else
		memset(p + 22, ' ', 3);
	sink_digits(p + 25, 10, s->bytes, '0');
	p[35] = (unsigned char)('0' + (s->error < ERR_NKINDS ? s->error : 0));
	p[36] = s->warmup ? '1' : '0';
}

/* Insert request i's chunk; returns the samples that failed to go in. */
static size_t
sink_flush(struct store_sink *sk, size_t i)
{
	struct sink_chunk	*c = &sk->chunks[i];
	size_t			 n = c->n;

	if (n == 0)
		return (0);
	c->n = 0;
	sqlite3_bind_text(sk->ins_chunk, 2, sk->names[i], -1, SQLITE_STATIC);
	sqlite3_bind_int(sk->ins_chunk, 3, (int)n);
	sqlite3_bind_blob(sk->ins_chunk, 4, c->data, (int)(n * SINK_RECORD),
	    SQLITE_STATIC);
	if (sqlite3_step(sk->ins_chunk) != SQLITE_DONE) {
		log_warn("writer: samples: %s", sqlite3_errmsg(sk->st->db));
		sqlite3_reset(sk->ins_chunk);
		return (n);
	}
	sqlite3_reset(sk->ins_chunk);
	sk->pending += n;
	return (0);
}

/*
 * Add n samples to their requests' chunks, inserting those that fill.
 * Returns how many samples could not be stored.
 */
size_t
store_sink_samples(struct store_sink *sk, const struct sample *s, size_t n)
{
	struct sink_chunk	*c;
	size_t			 i, failed = 0;

	for (i = 0; i < n; i++) {
		if (s[i].req >= sk->nnames) {
			failed++;
			continue;
		}
		c = &sk->chunks[s[i].req];
		if (c->data == NULL)
			c->data = xmalloc(SINK_CHUNK * SINK_RECORD);
		sink_record(c->data + c->n * SINK_RECORD, &s[i]);
		if (++c->n == SINK_CHUNK)
			failed += sink_flush(sk, s[i].req);
	}
	return (failed);
}

/* A latency in ms, NULL for NAN: a second without a response (SPEC 13). */
static void
sink_bind_ms(sqlite3_stmt *st, int col, double ms)
{
	if (isnan(ms))
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_double(st, col, ms);
}

/* Store an intervals or system_metrics row. */
void
store_sink_row(struct store_sink *sk, const struct writer_row *r)
{
	sqlite3_stmt	*st;

	if (r->kind == WRITER_INTERVAL) {
		st = sk->ins_interval;
		sqlite3_bind_int64(st, 2, r->second);
		sqlite3_bind_text(st, 3, r->request, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)r->requests);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)r->errors);
		sink_bind_ms(st, 6, r->p50);
		sink_bind_ms(st, 7, r->p95);
		sink_bind_ms(st, 8, r->p99);
		sink_bind_ms(st, 9, r->max);
		sqlite3_bind_blob(st, 10, r->hist, (int)r->histlen,
		    SQLITE_STATIC);
		if (r->vus >= 0)
			sqlite3_bind_int64(st, 11, r->vus);
		else
			sqlite3_bind_null(st, 11);
	} else {
		st = sk->ins_system;
		sqlite3_bind_int64(st, 2, r->second);
		sqlite3_bind_double(st, 3, r->cpu_pct);
		if (r->rss >= 0)
			sqlite3_bind_int64(st, 4, r->rss);
		else
			sqlite3_bind_null(st, 4);
		if (r->target_rss >= 0) {
			sqlite3_bind_double(st, 5, r->target_cpu_pct);
			sqlite3_bind_int64(st, 6, r->target_rss);
		} else {
			sqlite3_bind_null(st, 5);
			sqlite3_bind_null(st, 6);
		}
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warn("writer: insert: %s", sqlite3_errmsg(sk->st->db));
	sqlite3_reset(st);
}


/*
 * Open the sink of run_id on a connection of its own to path. names maps
 * stat indexes to request names (borrowed: they outlive the sink).
 */
struct store_sink *
store_sink_open(const char *path, int64_t run_id, char **names,
    size_t nnames, char **cause)
{
	struct store_sink	*sk;

	sk = xcalloc(1, sizeof *sk);
	sk->names = names;
	sk->nnames = nnames;
	sk->chunks = xcalloc(nnames > 0 ? nnames : 1, sizeof *sk->chunks);
	if ((sk->st = store_open(path, 0, cause)) == NULL)
		goto fail;
	if ((sk->ins_chunk = store_prepare(sk->st, "INSERT INTO sample_chunks "
	    "(run_id, request, n, data) VALUES (?, ?, ?, ?)", cause)) == NULL ||
	    (sk->ins_interval = store_prepare(sk->st, "INSERT OR REPLACE INTO "
	    "intervals (run_id, second, request, requests, errors, p50_ms, "
	    "p95_ms, p99_ms, max_ms, hist, vus) VALUES (?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)", cause)) == NULL ||
	    (sk->ins_system = store_prepare(sk->st, "INSERT OR REPLACE INTO "
	    "system_metrics (run_id, second, cpu_pct, rss_bytes, "
	    "target_cpu_pct, target_rss_bytes) VALUES (?, ?, ?, ?, ?, ?)",
	    cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(sk->ins_chunk, 1, run_id);
	sqlite3_bind_int64(sk->ins_interval, 1, run_id);
	sqlite3_bind_int64(sk->ins_system, 1, run_id);
	return (sk);

fail:
	store_sink_close(sk);
	return (NULL);
}

void
store_sink_close(struct store_sink *sk)
{
	size_t	i;

	if (sk == NULL)
		return;
	sqlite3_finalize(sk->ins_chunk);
	sqlite3_finalize(sk->ins_interval);
	sqlite3_finalize(sk->ins_system);
	store_close(sk->st);
	for (i = 0; i < sk->nnames; i++)
		free(sk->chunks[i].data);
	free(sk->chunks);
	free(sk);
}

/*
 * Open the drain's transaction. When BEGIN fails, each statement commits
 * on its own and the drain still goes in.
 */
void
store_sink_begin(struct store_sink *sk)
{
	char	*cause;

	sk->pending = 0;
	sk->intx = store_exec(sk->st, "BEGIN", &cause) == 0;
	if (!sk->intx) {
		log_error("writer: BEGIN: %s", cause);
		free(cause);
	}
}

/*
 * End the drain: insert every chunk begun and commit. Returns how many
 * samples failed to be stored (all of the drain's when COMMIT failed).
 */
size_t
store_sink_commit(struct store_sink *sk)
{
	char	*cause;
	size_t	 i, failed = 0;

	for (i = 0; i < sk->nnames; i++)
		failed += sink_flush(sk, i);
	if (!sk->intx || store_exec(sk->st, "COMMIT", &cause) == 0)
		return (failed);
	log_error("writer: COMMIT: %s", cause);
	free(cause);
	if (store_exec(sk->st, "ROLLBACK", &cause) != 0) {
		log_error("writer: ROLLBACK: %s", cause);
		free(cause);
	}
	return (failed + sk->pending);
}
