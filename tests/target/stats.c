/* SPDX-License-Identifier: MIT */
/*
 * stats.c -- loadd-target's counters and service-time histogram. Each worker
 * records into its own struct stats (stats_record, on the request path: no
 * lock, no allocation); GET /stats, served by any worker, sums them all and
 * subtracts the baseline that POST /stats/reset took.
 */
#include <stdio.h>
#include <string.h>

#include "target.h"

/* Histogram bucket of a value in microseconds: 1/1024 octave. */
static unsigned int
stats_bucket(uint64_t us)
{
	unsigned int	msb, shift;

	if (us < HIST_EXACT)
		return ((unsigned int)us);
	if (us >= (1ULL << (HIST_SUB_BITS + 1 + HIST_OCTAVES)))
		us = (1ULL << (HIST_SUB_BITS + 1 + HIST_OCTAVES)) - 1;
	msb = 63 - (unsigned int)__builtin_clzll(us);
	shift = msb - HIST_SUB_BITS;
	return (HIST_EXACT + (msb - HIST_SUB_BITS - 1) * HIST_SUB +
	    (unsigned int)((us >> shift) - HIST_SUB));
}

/* The value a bucket stands for: the middle of its range. */
static double
stats_bucket_value(unsigned int i)
{
	unsigned int	j, msb, shift;
	uint64_t	low;

	if (i < HIST_EXACT)
		return ((double)i);
	j = i - HIST_EXACT;
	msb = HIST_SUB_BITS + 1 + j / HIST_SUB;
	shift = msb - HIST_SUB_BITS;
	low = (uint64_t)(HIST_SUB + j % HIST_SUB) << shift;
	return ((double)low + ((double)(1ULL << shift) - 1) / 2);
}

/* Record one service time on the calling worker. Request path. */
void
stats_record(struct worker *w, uint64_t us)
{
	unsigned int	i = stats_bucket(us);

	STATS_ADD(w, hist[i], 1);
	STATS_ADD(w, service_sum_us, us);
}

/* Sum every worker's counters into out; other workers keep writing. */
static void
stats_sum(struct target *t, struct stats *out)
{
	struct stats	*s;
	int		 n;
	unsigned int	 i;

	memset(out, 0, sizeof *out);
	for (n = 0; n < t->nworkers; n++) {
		s = &t->workers[n].stats;
#define LOAD(f) __atomic_load_n(&s->f, __ATOMIC_RELAXED)
		out->requests += LOAD(requests);
		out->bytes_in += LOAD(bytes_in);
		out->body_bytes_in += LOAD(body_bytes_in);
		out->bytes_out += LOAD(bytes_out);
		out->connections += LOAD(connections);
		out->active += LOAD(active);
		out->service_sum_us += LOAD(service_sum_us);
		for (i = 0; i < HIST_BUCKETS; i++)
			out->hist[i] += LOAD(hist[i]);
#undef LOAD
	}
}

/* Percentile q (0..1] of a histogram holding count values. */
static double
stats_percentile(const uint64_t *hist, uint64_t count, double q)
{
	uint64_t	rank, seen = 0;
	unsigned int	i;

	if (count == 0)
		return (0);
	rank = (uint64_t)(q * (double)count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= rank)
			return (stats_bucket_value(i));
	}
	return (stats_bucket_value(HIST_BUCKETS - 1));
}

/*
 * Write the /stats JSON body into buf; returns its length (truncated to
 * len - 1 if buf is short). Called by any worker.
 */
size_t
stats_json(struct target *t, char *buf, size_t len)
{
	static __thread struct stats	 s;	/* 256 KiB: off the stack */
	uint64_t			 count = 0;
	double				 maxv = 0, mean;
	unsigned int			 i;
	int				 n;

	stats_sum(t, &s);
	if (pthread_mutex_lock(&t->base_lock) != 0)
		target_fatalx("pthread_mutex_lock failed");
	s.requests -= t->baseline.requests;
	s.bytes_in -= t->baseline.bytes_in;
	s.body_bytes_in -= t->baseline.body_bytes_in;
	s.bytes_out -= t->baseline.bytes_out;
	s.connections -= t->baseline.connections;
	s.service_sum_us -= t->baseline.service_sum_us;
	for (i = 0; i < HIST_BUCKETS; i++)
		s.hist[i] -= t->baseline.hist[i];
	if (pthread_mutex_unlock(&t->base_lock) != 0)
		target_fatalx("pthread_mutex_unlock failed");

	for (i = 0; i < HIST_BUCKETS; i++) {
		count += s.hist[i];
		if (s.hist[i] != 0)
			maxv = stats_bucket_value(i);
	}
	mean = count == 0 ? 0 : (double)s.service_sum_us / (double)count;

	n = snprintf(buf, len, "{\"requests\": %llu, \"bytes_in\": %llu, "
	    "\"body_bytes_in\": %llu, \"bytes_out\": %llu, "
	    "\"connections\": %llu, \"active_connections\": %llu, "
	    "\"threads\": %d, \"uptime_s\": %.3f, "
	    "\"service_us\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, "
	    "\"p999\": %.1f, \"max\": %.1f, \"mean\": %.1f, "
	    "\"count\": %llu}}\n",
	    (unsigned long long)s.requests, (unsigned long long)s.bytes_in,
	    (unsigned long long)s.body_bytes_in,
	    (unsigned long long)s.bytes_out,
	    (unsigned long long)s.connections, (unsigned long long)s.active,
	    t->nworkers, (double)(target_now_us() - t->start_us) / 1e6,
	    stats_percentile(s.hist, count, 0.50),
	    stats_percentile(s.hist, count, 0.90),
	    stats_percentile(s.hist, count, 0.99),
	    stats_percentile(s.hist, count, 0.999), maxv, mean,
	    (unsigned long long)count);
	if (n < 0)
		return (0);
	if ((size_t)n >= len)
		return (len - 1);
	return ((size_t)n);
}

/* POST /stats/reset: from now on /stats counts from zero. Any worker. */
void
stats_reset(struct target *t)
{
	static __thread struct stats	s;

	stats_sum(t, &s);
	s.active = 0;	/* a gauge: never reset */
	if (pthread_mutex_lock(&t->base_lock) != 0)
		target_fatalx("pthread_mutex_lock failed");
	memcpy(&t->baseline, &s, sizeof s);
	if (pthread_mutex_unlock(&t->base_lock) != 0)
		target_fatalx("pthread_mutex_unlock failed");
}
