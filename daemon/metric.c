/* SPDX-License-Identifier: MIT */
/*
 * metric.c -- the one table of the statistics loadd reports: each metric's
 * rule name and alias, its STATS key, its run_stats column, its unit and
 * where it may be named (thresholds, tolerances). The threshold and
 * tolerance parsers, the statistics, the comparison and the reports all
 * read it. Constant data: safe from any thread.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "metric.h"

#define R	METRIC_RULE
#define T	METRIC_TOL
#define W	METRIC_RUN_ONLY

/* In STATS order (SPEC section 7); rule-only metrics have no key. */
const struct metric_def metric_defs[METRIC_N] = {
	[METRIC_REQUESTS] = { "requests", NULL, "total_requests",
	    "total_requests", UNIT_COUNT, R, -1 },
	[METRIC_SUCCESSES] = { NULL, NULL, "successful_requests",
	    "successful_requests", UNIT_COUNT, 0, -1 },
	[METRIC_ERRORS] = { "errors", NULL, "failed_requests",
	    "failed_requests", UNIT_COUNT, R, -1 },
	[METRIC_SUCCESS_RATE] = { "success_rate", NULL, "success_rate_pct",
	    NULL, UNIT_PCT, R, -1 },
	[METRIC_ERROR_RATE] = { "error_rate", NULL, NULL, NULL, UNIT_PCT,
	    R | T, -1 },
	[METRIC_RPS] = { "rps", NULL, "throughput_rps", "throughput_rps",
	    UNIT_RPS, R | T, -1 },
	[METRIC_AVG] = { "avg", "mean", "avg_latency_ms", "avg_ms", UNIT_MS,
	    R | T, -1 },
	[METRIC_P25] = { "p25", NULL, "p25_latency_ms", "p25_ms", UNIT_MS,
	    R | T, 25 },
	[METRIC_P50] = { "p50", "median", "median_latency_ms", "p50_ms",
	    UNIT_MS, R | T, 50 },
	[METRIC_P75] = { "p75", NULL, "p75_latency_ms", "p75_ms", UNIT_MS,
	    R | T, 75 },
	[METRIC_P90] = { "p90", NULL, "p90_latency_ms", "p90_ms", UNIT_MS,
	    R | T, 90 },
	[METRIC_P95] = { "p95", NULL, "p95_latency_ms", "p95_ms", UNIT_MS,
	    R | T, 95 },
	[METRIC_P99] = { "p99", NULL, "p99_latency_ms", "p99_ms", UNIT_MS,
	    R | T, 99 },
	[METRIC_P999] = { "p99.9", NULL, "p999_latency_ms", "p999_ms",
	    UNIT_MS, R | T, 99.9 },
	[METRIC_MIN] = { "min", NULL, "min_latency_ms", "min_ms", UNIT_MS,
	    R | T, 0 },
	[METRIC_MAX] = { "max", NULL, "max_latency_ms", "max_ms", UNIT_MS,
	    R | T, 100 },
	[METRIC_STDDEV] = { "stddev", NULL, "std_dev_ms", "stddev_ms",
	    UNIT_MS, R | T, -1 },
	[METRIC_BYTES_SENT] = { NULL, NULL, "bytes_sent", "bytes_sent",
	    UNIT_BYTES, 0, -1 },
	[METRIC_BYTES_RECEIVED] = { NULL, NULL, "bytes_received",
	    "bytes_received", UNIT_BYTES, 0, -1 },
	[METRIC_TARGET_RSS_GROWTH] = { "target_rss_growth", NULL, NULL, NULL,
	    UNIT_BYTES, R | W, -1 },
	[METRIC_TARGET_RSS_MAX] = { "target_rss_max", NULL, NULL, NULL,
	    UNIT_BYTES, R | W, -1 },
};

#undef R
#undef T
#undef W

/* The metric named (or aliased) by the len bytes at s, or -1. */
int
metric_lookup(const char *s, size_t len, int flags)
{
	const struct metric_def	*m;
	int			 i;

	for (i = 0; i < METRIC_N; i++) {
		m = &metric_defs[i];
		if (m->name == NULL || (m->flags & flags) != flags)
			continue;
		if (strlen(m->name) == len && strncmp(m->name, s, len) == 0)
			return (i);
		if (m->alias != NULL && strlen(m->alias) == len &&
		    strncmp(m->alias, s, len) == 0)
			return (i);
	}
	return (-1);
}

/* The metric whose STATS key is key, or -1. */
int
metric_by_key(const char *key)
{
	int	i;

	for (i = 0; i < METRIC_N; i++)
		if (metric_defs[i].json != NULL &&
		    strcmp(metric_defs[i].json, key) == 0)
			return (i);
	return (-1);
}

static char		 metric_lists[2][512];
static pthread_once_t	 metric_lists_once = PTHREAD_ONCE_INIT;

/* Build one "expected one of" list: latency first, then the others. */
static void
metric_list_build(char *buf, size_t len, int flags)
{
	const struct metric_def	*m;
	size_t			 off = 0;
	int			 i, n;

	for (i = 0; i < 2 * METRIC_N; i++) {
		m = &metric_defs[i % METRIC_N];
		if (m->name == NULL || (m->flags & flags) != flags)
			continue;
		if ((m->unit == UNIT_MS) != (i < METRIC_N))
			continue;
		n = snprintf(buf + off, len - off, "%s%s%s%s%s",
		    off > 0 ? ", " : "", m->name, m->alias != NULL ? " (" : "",
		    m->alias != NULL ? m->alias : "",
		    m->alias != NULL ? ")" : "");
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}

static void
metric_lists_init(void)
{
	metric_list_build(metric_lists[0], sizeof metric_lists[0],
	    METRIC_RULE);
	metric_list_build(metric_lists[1], sizeof metric_lists[1], METRIC_TOL);
}

/*
 * The names a rule (METRIC_RULE) or a tolerance (METRIC_TOL) may use, for
 * "expected one of" messages: "avg (mean), p25, p50 (median), ..., rps".
 */
const char *
metric_list(int flags)
{
	pthread_once(&metric_lists_once, metric_lists_init);
	return (metric_lists[flags == METRIC_TOL]);
}

/* The rule spelling of a metric. */
const char *
metric_name(enum metric m)
{
	if ((unsigned)m >= METRIC_N || metric_defs[m].name == NULL)
		return ("unknown");
	return (metric_defs[m].name);
}

/* Is the metric a latency, in milliseconds? */
int
metric_is_latency(enum metric m)
{
	return ((unsigned)m < METRIC_N && metric_defs[m].unit == UNIT_MS);
}

/* Round v to 3 decimals of its unit: what a machine reads (SPEC 13). */
double
metric_round(double v)
{
	if (!isfinite(v))
		return (v);
	return (round(v * 1000.0) / 1000.0);
}

/* What follows a value of the metric named name: " ms", "%", " rps"... */
const char *
metric_suffix(const char *name)
{
	int	m;

	if ((m = metric_lookup(name, strlen(name), 0)) < 0)
		return ("");
	switch (metric_defs[m].unit) {
	case UNIT_MS:
		return (" ms");
	case UNIT_PCT:
		return ("%");
	case UNIT_RPS:
		return (" rps");
	case UNIT_BYTES:
		return (" bytes");
	default:
		return ("");
	}
}
