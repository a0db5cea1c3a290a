/* SPDX-License-Identifier: MIT */
/*
 * writer.c -- the sample writer: one thread per run with its own SQLite
 * connection. Workers push samples into their own single-producer rings
 * (never blocking: a full ring sheds and counts); the main thread queues
 * interval and system rows. The writer drains both every 100 ms, each drain
 * one transaction, so a crash loses at most the last 100 ms. Past
 * max_samples stored, it closes the rings: workers stop pushing and count
 * what they keep back, and the statistics go on.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/syscall.h>

#include <sqlite3.h>

#include "loadd.h"
#include "hist-sql.h"

#define WRITER_BATCH	4096	/* samples read from a ring at a time */
#define WRITER_POLL_MS	100
#define WRITER_NICE	5	/* above the workers' 0 */

struct writer {
	char			*path;
	int64_t			 run_id;
	char			**names;	/* stat index -> request name */
	int			*namelens;
	size_t			 nnames;
	struct ring		**rings;
	size_t			 nrings;

	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct writer_row	*rows, **rowtail;
	int			 stop;

	sqlite3			*db;
	sqlite3_stmt		*ins_samples;
	sqlite3_stmt		*ins_interval, *ins_system;
	const struct sample	*batch;		/* what loadd_batch shows */
	size_t			 nbatch;
	uint64_t		 written;
	uint64_t		 failed;
	uint64_t		 max;		/* 0: no cap */
	uint64_t		 capped;	/* popped after the cap */
};

struct ring *
ring_create(size_t size)
{
	struct ring	*r;

	r = xcalloc(1, sizeof *r);
	r->slots = xcalloc(size, sizeof *r->slots);
	r->mask = size - 1;	/* size is a power of two */
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->closed, 0);
	return (r);
}

void
ring_free(struct ring *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

/*
 * Producer side: never blocks; a full ring sheds the sample and counts it, a
 * closed one (max_samples reached) keeps it back and counts that.
 */
int
ring_push(struct ring *r, const struct sample *s)
{
	size_t	head, tail;

	if (atomic_load_explicit(&r->closed, memory_order_relaxed)) {
		r->capped++;
		return (-1);
	}
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask) {
		r->shed++;
		return (-1);
	}
	r->slots[head & r->mask] = *s;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return (0);
}

/* Consumer side: copy up to max samples out. */
static size_t
ring_pop(struct ring *r, struct sample *out, size_t max)
{
	size_t	head, tail, n, i;

	tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	head = atomic_load_explicit(&r->head, memory_order_acquire);
	n = head - tail;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = r->slots[(tail + i) & r->mask];
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return (n);
}

static int
writer_exec(struct writer *wr, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(wr->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("writer: %s: %s", sql, err != NULL ? err : "?");
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/*
 * loadd_batch: an eponymous virtual table, on the writer's connection only,
 * over the batch at hand (wr->batch). One INSERT ... SELECT stores a whole
 * batch: no binds and no many-row statement to feed row by row.
 */
struct batch_vtab {
	sqlite3_vtab		 base;
	struct writer		*wr;
};

struct batch_cursor {
	sqlite3_vtab_cursor	 base;
	size_t			 i;
};

enum batch_column {
	BATCH_T_US,
	BATCH_REQUEST,
	BATCH_LATENCY_US,
	BATCH_STATUS,
	BATCH_BYTES,
	BATCH_ERROR,
	BATCH_WARMUP
};

static int
batch_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
    sqlite3_vtab **out, char **err)
{
	struct batch_vtab	*v;
	int			 rc;

	(void)argc;
	(void)argv;
	(void)err;
	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(t_us, request, "
	    "latency_us, status, bytes, error, warmup)");
	if (rc != SQLITE_OK)
		return (rc);
	if ((v = sqlite3_malloc(sizeof *v)) == NULL)
		return (SQLITE_NOMEM);
	memset(v, 0, sizeof *v);
	v->wr = aux;
	*out = &v->base;
	return (SQLITE_OK);
}

static int
batch_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return (SQLITE_OK);
}

/* Only full scans are asked of it. */
static int
batch_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	(void)vt;
	info->estimatedCost = WRITER_BATCH;
	info->estimatedRows = WRITER_BATCH;
	return (SQLITE_OK);
}

static int
batch_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct batch_cursor	*cur;

	(void)vt;
	if ((cur = sqlite3_malloc(sizeof *cur)) == NULL)
		return (SQLITE_NOMEM);
	memset(cur, 0, sizeof *cur);
	*out = &cur->base;
	return (SQLITE_OK);
}

static int
batch_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return (SQLITE_OK);
}

static int
batch_filter(sqlite3_vtab_cursor *base, int idxnum, const char *idxstr,
    int argc, sqlite3_value **argv)
{
	(void)idxnum;
	(void)idxstr;
	(void)argc;
	(void)argv;
	((struct batch_cursor *)base)->i = 0;
	return (SQLITE_OK);
}

static int
batch_next(sqlite3_vtab_cursor *base)
{
	((struct batch_cursor *)base)->i++;
	return (SQLITE_OK);
}

static int
batch_eof(sqlite3_vtab_cursor *base)
{
	struct batch_vtab	*v = (struct batch_vtab *)base->pVtab;

	return (((struct batch_cursor *)base)->i >= v->wr->nbatch);
}

/* One value of the sample under the cursor, as SPEC's samples row has it. */
static int
batch_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col)
{
	struct batch_vtab	*v = (struct batch_vtab *)base->pVtab;
	struct writer		*wr = v->wr;
	const struct sample	*s = &wr->batch[((struct batch_cursor *)base)->i];

	switch ((enum batch_column)col) {
	case BATCH_T_US:
		sqlite3_result_int64(ctx, (sqlite3_int64)s->t_us);
		break;
	case BATCH_REQUEST:
		if (s->req < wr->nnames)
			sqlite3_result_text(ctx, wr->names[s->req],
			    wr->namelens[s->req], SQLITE_STATIC);
		break;
	case BATCH_LATENCY_US:
		if (s->latency_us >= 0)
			sqlite3_result_int64(ctx, s->latency_us);
		break;
	case BATCH_STATUS:
		if (s->status != 0)
			sqlite3_result_int(ctx, s->status);
		break;
	case BATCH_BYTES:
		sqlite3_result_int64(ctx, s->bytes);
		break;
	case BATCH_ERROR:
		if (s->error != ERR_NONE && s->error < ERR_NKINDS)
			sqlite3_result_text(ctx, err_kind_name(s->error), -1,
			    SQLITE_STATIC);
		break;
	case BATCH_WARMUP:
		sqlite3_result_int(ctx, s->warmup);
		break;
	}
	return (SQLITE_OK);	/* no result set: NULL */
}

static int
batch_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct batch_cursor *)base)->i;
	return (SQLITE_OK);
}

/* Eponymous only: no xCreate, so no CREATE VIRTUAL TABLE can name it. */
static const sqlite3_module batch_module = {
	.iVersion = 0,
	.xConnect = batch_connect,
	.xBestIndex = batch_best_index,
	.xDisconnect = batch_disconnect,
	.xOpen = batch_open,
	.xClose = batch_close,
	.xFilter = batch_filter,
	.xNext = batch_next,
	.xEof = batch_eof,
	.xColumn = batch_column,
	.xRowid = batch_rowid
};

/*
 * Past max_samples: close the rings so that the workers stop pushing, and
 * say so once. Returns how many of the n samples at hand may still go in.
 */
static size_t
writer_cap(struct writer *wr, size_t n)
{
	size_t	i, room;

	if (wr->max == 0 || wr->written + n <= wr->max)
		return (n);
	room = wr->written < wr->max ? (size_t)(wr->max - wr->written) : 0;
	if (wr->capped == 0) {
		for (i = 0; i < wr->nrings; i++)
			atomic_store_explicit(&wr->rings[i]->closed, 1,
			    memory_order_relaxed);
		log_warn("run %lld: max_samples (%llu) reached; raw samples "
		    "are no longer stored, statistics go on",
		    (long long)wr->run_id, (unsigned long long)wr->max);
	}
	wr->capped += n - room;
	return (room);
}

/* Insert n samples with one statement, from the loadd_batch table. */
static void
writer_samples(struct writer *wr, const struct sample *s, size_t n)
{
	if ((n = writer_cap(wr, n)) == 0)
		return;
	wr->batch = s;
	wr->nbatch = n;
	if (sqlite3_step(wr->ins_samples) != SQLITE_DONE)
		wr->failed += n;
	else
		wr->written += n;
	sqlite3_reset(wr->ins_samples);
	wr->batch = NULL;
	wr->nbatch = 0;
}

/* A latency in ms, NULL for NAN: a second without a response (SPEC 13). */
static void
writer_bind_ms(sqlite3_stmt *st, int col, double ms)
{
	if (isnan(ms))
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_double(st, col, ms);
}

static void
writer_row(struct writer *wr, const struct writer_row *r)
{
	sqlite3_stmt	*st;

	if (r->kind == WRITER_INTERVAL) {
		st = wr->ins_interval;
		sqlite3_bind_int64(st, 2, r->second);
		sqlite3_bind_text(st, 3, r->request, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)r->requests);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)r->errors);
		writer_bind_ms(st, 6, r->p50);
		writer_bind_ms(st, 7, r->p95);
		writer_bind_ms(st, 8, r->p99);
		writer_bind_ms(st, 9, r->max);
		sqlite3_bind_blob(st, 10, r->hist, (int)r->histlen,
		    SQLITE_STATIC);
		if (r->vus >= 0)
			sqlite3_bind_int64(st, 11, r->vus);
		else
			sqlite3_bind_null(st, 11);
	} else {
		st = wr->ins_system;
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
		log_warn("writer: insert: %s", sqlite3_errmsg(wr->db));
	sqlite3_reset(st);
}

/* Drain the rings and the row queue into the open transaction. */
static size_t
writer_drain(struct writer *wr, struct sample *buf)
{
	struct writer_row	*rows, *r, *next;
	size_t			 i, n, total = 0;

	for (i = 0; i < wr->nrings; i++) {
		while ((n = ring_pop(wr->rings[i], buf, WRITER_BATCH)) > 0) {
			writer_samples(wr, buf, n);
			total += n;
		}
	}
	pthread_mutex_lock(&wr->lock);
	rows = wr->rows;
	wr->rows = NULL;
	wr->rowtail = &wr->rows;
	pthread_mutex_unlock(&wr->lock);
	for (r = rows; r != NULL; r = next) {
		next = r->next;
		writer_row(wr, r);
		free(r->hist);
		free(r);
		total++;
	}
	return (total);
}

static void *
writer_main(void *arg)
{
	struct writer	*wr = arg;
	struct sample	*buf;
	struct timespec	 ts;
	int		 stop = 0, intx;

	/*
	 * Background work: yield to the workers and the target on a busy
	 * machine. At nice 5 the writer still gets a quarter of a contended
	 * core, four times what 100k samples a second need; the rings hold
	 * seconds of samples if it falls behind for a while.
	 */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
	    WRITER_NICE) == -1)
		log_debug("writer: setpriority: %s", strerror(errno));
	buf = xcalloc(WRITER_BATCH, sizeof *buf);
	while (!stop) {
		pthread_mutex_lock(&wr->lock);
		if (!wr->stop) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += WRITER_POLL_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&wr->cond, &wr->lock, &ts);
		}
		stop = wr->stop;
		pthread_mutex_unlock(&wr->lock);

		/*
		 * One transaction per drain, never held while asleep: the API's
		 * own writes wait only for a drain (a few ms), and a crash
		 * loses at most the last WRITER_POLL_MS. Without one (BEGIN
		 * failed) each statement commits on its own: nothing waits.
		 */
		intx = writer_exec(wr, "BEGIN") == 0;
		writer_drain(wr, buf);
		if (intx && writer_exec(wr, "COMMIT") != 0)
			(void)writer_exec(wr, "ROLLBACK");
	}
	free(buf);
	return (NULL);
}

/*
 * Start the writer of run_id on its own connection to path. names maps stat
 * indexes to request names; rings are the workers' (borrowed).
 */
struct writer *
writer_start(const char *path, int64_t run_id, char **names, size_t nnames,
    struct ring **rings, size_t nrings, int64_t max_samples, char **cause)
{
	struct writer	*wr;
	size_t		 i;
	int		 error;

	wr = xcalloc(1, sizeof *wr);
	wr->path = xstrdup(path);
	wr->run_id = run_id;
	wr->names = names;
	wr->namelens = xcalloc(nnames > 0 ? nnames : 1, sizeof *wr->namelens);
	for (i = 0; i < nnames; i++)
		wr->namelens[i] = (int)strlen(names[i]);
	wr->nnames = nnames;
	wr->rings = xcalloc(nrings, sizeof *wr->rings);
	memcpy(wr->rings, rings, nrings * sizeof *wr->rings);
	wr->nrings = nrings;
	wr->max = max_samples > 0 ? (uint64_t)max_samples : 0;
	wr->rowtail = &wr->rows;
	if (sqlite3_open_v2(path, &wr->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "writer: %s: %s", path,
		    sqlite3_errmsg(wr->db));
		goto fail;
	}
	sqlite3_busy_timeout(wr->db, 5000);
	if (hist_sql_register(wr->db) != SQLITE_OK ||
	    writer_exec(wr, "PRAGMA synchronous = NORMAL") != 0 ||
	    sqlite3_create_module(wr->db, "loadd_batch", &batch_module,
	    wr) != SQLITE_OK)
		goto fail_sql;
	if (sqlite3_prepare_v2(wr->db, "INSERT INTO samples (run_id, t_us, "
	    "request, latency_us, status, bytes, error, warmup) SELECT ?, "
	    "t_us, request, latency_us, status, bytes, error, warmup FROM "
	    "loadd_batch", -1, &wr->ins_samples, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wr->db, "INSERT OR REPLACE INTO intervals "
	    "(run_id, second, request, requests, errors, p50_ms, p95_ms, "
	    "p99_ms, max_ms, hist, vus) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?)", -1,
	    &wr->ins_interval, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(wr->db, "INSERT OR REPLACE INTO system_metrics "
	    "(run_id, second, cpu_pct, rss_bytes, target_cpu_pct, "
	    "target_rss_bytes) VALUES (?, ?, ?, ?, ?, ?)", -1,
	    &wr->ins_system, NULL) != SQLITE_OK)
		goto fail_sql;
	sqlite3_bind_int64(wr->ins_samples, 1, run_id);
	sqlite3_bind_int64(wr->ins_interval, 1, run_id);
	sqlite3_bind_int64(wr->ins_system, 1, run_id);
	if (pthread_mutex_init(&wr->lock, NULL) != 0 ||
	    pthread_cond_init(&wr->cond, NULL) != 0)
		fatalx("pthread init");
	if ((error = pthread_create(&wr->thread, NULL, writer_main, wr)) != 0) {
		xasprintf(cause, "pthread_create: %s", strerror(error));
		goto fail;
	}
	pthread_setname_np(wr->thread, "loadd-writer");
	return (wr);

fail_sql:
	xasprintf(cause, "writer: %s", sqlite3_errmsg(wr->db));
fail:
	sqlite3_finalize(wr->ins_samples);
	sqlite3_finalize(wr->ins_interval);
	sqlite3_finalize(wr->ins_system);
	sqlite3_close(wr->db);
	free(wr->rings);
	free(wr->namelens);
	free(wr->path);
	free(wr);
	return (NULL);
}

/* Queue an intervals or system_metrics row (stolen); any thread. */
void
writer_queue(struct writer *wr, struct writer_row *r)
{
	r->next = NULL;
	pthread_mutex_lock(&wr->lock);
	*wr->rowtail = r;
	wr->rowtail = &r->next;
	pthread_mutex_unlock(&wr->lock);
}

/*
 * Drain everything, commit, stop the thread and close. The workers must
 * have stopped pushing. Reports samples written, failed inserts, and those
 * the writer left out past max_samples (the rings count the rest).
 */
void
writer_stop(struct writer *wr, uint64_t *written, uint64_t *failed,
    uint64_t *capped)
{
	struct writer_row	*r, *next;

	if (wr == NULL)
		return;
	pthread_mutex_lock(&wr->lock);
	wr->stop = 1;
	pthread_cond_signal(&wr->cond);
	pthread_mutex_unlock(&wr->lock);
	pthread_join(wr->thread, NULL);
	if (written != NULL)
		*written = wr->written;
	if (failed != NULL)
		*failed = wr->failed;
	if (capped != NULL)
		*capped = wr->capped;
	for (r = wr->rows; r != NULL; r = next) {
		next = r->next;
		free(r->hist);
		free(r);
	}
	sqlite3_finalize(wr->ins_samples);
	sqlite3_finalize(wr->ins_interval);
	sqlite3_finalize(wr->ins_system);
	if (sqlite3_close(wr->db) != SQLITE_OK)
		log_warn("writer: close: %s", sqlite3_errmsg(wr->db));
	pthread_mutex_destroy(&wr->lock);
	pthread_cond_destroy(&wr->cond);
	free(wr->rings);
	free(wr->namelens);
	free(wr->path);
	free(wr);
}
