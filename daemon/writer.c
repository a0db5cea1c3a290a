/* SPDX-License-Identifier: MIT */
/*
 * writer.c -- the sample writer: one thread per run with its own SQLite
 * connection (a store sink, store-samples.c). Workers push samples into
 * their own single-producer rings (never blocking: a full ring sheds and
 * counts); the main thread queues
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

#include "loadd.h"

#define WRITER_BATCH	4096	/* samples read from a ring at a time */
#define WRITER_POLL_MS	100
#define WRITER_NICE	5	/* above the workers' 0 */

struct writer {
	int64_t			 run_id;
	struct ring		**rings;
	size_t			 nrings;

	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct writer_row	*rows, **rowtail;
	int			 stop;

	struct store_sink	*sink;
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

/*
 * n samples handed to the sink, and failed it could not store: more than
 * n when a failed COMMIT took the drain's earlier ones with it.
 */
static void
writer_count(struct writer *wr, size_t n, size_t failed)
{
	wr->written = wr->written + n - failed;
	wr->failed += failed;
}

/* Store n samples, those under the cap. */
static void
writer_samples(struct writer *wr, const struct sample *s, size_t n)
{
	if ((n = writer_cap(wr, n)) == 0)
		return;
	writer_count(wr, n, store_sink_samples(wr->sink, s, n));
}

/* Drain the rings and the row queue into the open transaction. */
static size_t
writer_drain(struct writer *wr, struct sample *buf)
{
	struct writer_row	*rows, *r, *next;
	size_t			 i, n, b, total = 0;

	/*
	 * At most a ring's worth from each: a worker that pushes as fast as
	 * the writer stores must not keep one drain, and its transaction,
	 * going for ever.
	 */
	for (i = 0; i < wr->nrings; i++) {
		for (b = 0; b <= (wr->rings[i]->mask + 1) / WRITER_BATCH &&
		    (n = ring_pop(wr->rings[i], buf, WRITER_BATCH)) > 0; b++) {
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
		store_sink_row(wr->sink, r);
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
	int		 stop = 0;

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
		store_sink_begin(wr->sink);
		writer_drain(wr, buf);
		writer_count(wr, 0, store_sink_commit(wr->sink));
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
	int		 error;

	wr = xcalloc(1, sizeof *wr);
	wr->run_id = run_id;
	wr->rings = xcalloc(nrings, sizeof *wr->rings);
	memcpy(wr->rings, rings, nrings * sizeof *wr->rings);
	wr->nrings = nrings;
	wr->max = max_samples > 0 ? (uint64_t)max_samples : 0;
	wr->rowtail = &wr->rows;
	if ((wr->sink = store_sink_open(path, run_id, names, nnames,
	    cause)) == NULL)
		goto fail;
	if (pthread_mutex_init(&wr->lock, NULL) != 0 ||
	    pthread_cond_init(&wr->cond, NULL) != 0)
		fatalx("pthread init");
	if ((error = pthread_create(&wr->thread, NULL, writer_main, wr)) != 0) {
		xasprintf(cause, "pthread_create: %s", strerror(error));
		goto fail;
	}
	pthread_setname_np(wr->thread, "loadd-writer");
	return (wr);

fail:
	store_sink_close(wr->sink);
	free(wr->rings);
	free(wr);
	return (NULL);
}

/*
 * Queue a chain of intervals or system_metrics rows (stolen, linked by
 * next); any thread. A chain goes into one drain, so one transaction.
 */
void
writer_queue(struct writer *wr, struct writer_row *r)
{
	struct writer_row	*last;

	if (r == NULL)
		return;
	for (last = r; last->next != NULL; last = last->next)
		;
	pthread_mutex_lock(&wr->lock);
	*wr->rowtail = r;
	wr->rowtail = &last->next;
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
	store_sink_close(wr->sink);
	pthread_mutex_destroy(&wr->lock);
	pthread_cond_destroy(&wr->cond);
	free(wr->rings);
	free(wr);
}
