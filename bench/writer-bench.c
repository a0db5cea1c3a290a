/* SPDX-License-Identifier: MIT */
/*
 * writer-bench.c -- how many samples a second the SQLite sample writer
 * stores, with no load generation to share the machine with. Producer
 * threads stand in for the workers and push synthetic samples into their
 * rings at a set rate (or as fast as the rings take them, "max"); the real
 * writer drains them into a fresh database, as in a run.
 *
 * Usage: writer-bench DB SECONDS RATE|max [PRODUCERS]
 * Prints one line: offered, stored, shed, samples stored per second, the
 * writer's CPU per sample (the process's minus the producers'), and database
 * bytes per sample. Exits 1 if any sample was shed or failed.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include "loadd.h"

#define BENCH_RING	(1U << 19)	/* as a worker's */

struct producer {
	pthread_t	 thread;
	struct ring	*ring;
	double		 rate;		/* per second; 0: as fast as possible */
	uint64_t	 end_ns;
	uint64_t	 pushed, shed;
	double		 cpu;		/* this thread's CPU seconds */
};

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* CPU seconds of a clock: the process's or the calling thread's. */
static double
cpu_s(clockid_t id)
{
	struct timespec	ts;

	if (clock_gettime(id, &ts) != 0)
		return (0);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Push samples on schedule, in 1 ms steps; "max" waits for room instead. */
static void *
producer_main(void *arg)
{
	struct producer	*p = arg;
	struct sample	 s;
	uint64_t	 t0 = now_ns(), now, due = 0;
	struct timespec	 ms = { 0, 1000000 };

	memset(&s, 0, sizeof s);
	s.status = 200;
	s.bytes = 150;
	while ((now = now_ns()) < p->end_ns) {
		if (p->rate > 0) {
			due = (uint64_t)((double)(now - t0) / 1e9 * p->rate);
			while (p->pushed + p->shed < due) {
				s.t_us = (now - t0) / 1000;
				s.latency_us = 100 + (int64_t)(p->pushed % 900);
				if (ring_push(p->ring, &s) == 0)
					p->pushed++;
				else
					p->shed++;
			}
			nanosleep(&ms, NULL);
			continue;
		}
		s.t_us = (now - t0) / 1000;
		s.latency_us = 100 + (int64_t)(p->pushed % 900);
		if (ring_push(p->ring, &s) == 0)
			p->pushed++;
		else {
			p->ring->shed--;	/* a full ring here only waits */
			nanosleep(&ms, NULL);
		}
	}
	p->cpu = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	return (NULL);
}
int
main(int argc, char **argv)
{
	struct producer	*prod;
	struct ring	**rings;
	struct writer	*wr;
	struct store	*st;
	struct stat	 sb, sw;
	json_t		*spec, *labels;
	int64_t		 id;
	char		*cause, *names[] = { "get" }, wal[4096];
	uint64_t	 written = 0, failed = 0, capped = 0, pushed = 0, shed = 0;
	uint64_t	 t0, t1;
	double		 secs, rate, c0, c1, pcpu = 0;
	int		 i, n;

	if (argc < 4) {
		fprintf(stderr, "usage: writer-bench DB SECONDS RATE|max "
		    "[PRODUCERS]\n");
		return (2);
	}
	log_init(LOG_WARNING, 0);
	secs = atof(argv[2]);
	rate = strcmp(argv[3], "max") == 0 ? 0 : atof(argv[3]);
	n = argc > 4 ? atoi(argv[4]) : 2;
	if (secs <= 0 || n < 1 || n > 64 || (rate <= 0 &&
	    strcmp(argv[3], "max") != 0)) {
		fprintf(stderr, "writer-bench: bad arguments\n");
		return (2);
	}
	if ((st = store_open(argv[1], STORE_MIGRATE, &cause)) == NULL) {
		fprintf(stderr, "writer-bench: %s\n", cause);
		return (1);
	}
	spec = json_pack("{s:s}", "name", "bench");
	labels = json_object();
	if (store_run_insert(st, spec, labels, NULL, &id, &cause) != 0 ||
	    store_run_started(st, id, "{}") != 0) {
		fprintf(stderr, "writer-bench: %s\n", cause);
		return (1);
	}
	json_decref(spec);
	json_decref(labels);
	rings = xcalloc((size_t)n, sizeof *rings);
	prod = xcalloc((size_t)n, sizeof *prod);
	for (i = 0; i < n; i++)
		rings[i] = ring_create(BENCH_RING);
	if ((wr = writer_start(argv[1], id, names, 1, rings, (size_t)n, 0,
	    &cause)) == NULL) {
		fprintf(stderr, "writer-bench: %s\n", cause);
		return (1);
	}
	c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		prod[i].ring = rings[i];
		prod[i].rate = rate / n;
		prod[i].end_ns = t0 + (uint64_t)(secs * 1e9);
		if (pthread_create(&prod[i].thread, NULL, producer_main,
		    &prod[i]) != 0)
			fatalx("pthread_create");
	}
	for (i = 0; i < n; i++) {
		pthread_join(prod[i].thread, NULL);
		pushed += prod[i].pushed;
		shed += prod[i].shed;
		pcpu += prod[i].cpu;
	}
	writer_stop(wr, &written, &failed, &capped);
	t1 = now_ns();
	c1 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	snprintf(wal, sizeof wal, "%s-wal", argv[1]);
	if (stat(argv[1], &sb) != 0)
		sb.st_size = 0;
	if (stat(wal, &sw) != 0)
		sw.st_size = 0;
	printf("offered %s/s: pushed %llu, stored %llu, shed %llu, failed "
	    "%llu; %.0f stored/s over %.2f s; writer CPU %.3f us/sample; "
	    "%.1f bytes/sample\n",
	    rate > 0 ? argv[3] : "max", (unsigned long long)pushed,
	    (unsigned long long)written, (unsigned long long)shed,
	    (unsigned long long)failed, (double)written / ((t1 - t0) / 1e9),
	    (t1 - t0) / 1e9, written > 0 ? (c1 - c0 - pcpu) / written * 1e6 : 0,
	    written > 0 ? (double)(sb.st_size + sw.st_size) / written : 0);
	store_close(st);
	for (i = 0; i < n; i++)
		ring_free(rings[i]);
	free(rings);
	free(prod);
	return (shed > 0 || failed > 0);
}
