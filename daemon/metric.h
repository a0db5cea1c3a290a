/* SPDX-License-Identifier: MIT */
/*
 * metric.h -- the one table of metrics (SPEC sections 4, 7, 8, 13): what
 * the daemon's thresholds, tolerances, statistics and reports, and
 * loadctl's tables, name a metric by. Self-contained: loadctl includes it.
 */
#ifndef METRIC_H
#define METRIC_H

#include <stddef.h>

enum metric {
	METRIC_REQUESTS,
	METRIC_SUCCESSES,
	METRIC_ERRORS,
	METRIC_SUCCESS_RATE,
	METRIC_ERROR_RATE,
	METRIC_RPS,
	METRIC_AVG,
	METRIC_P25,
	METRIC_P50,
	METRIC_P75,
	METRIC_P90,
	METRIC_P95,
	METRIC_P99,
	METRIC_P999,
	METRIC_MIN,
	METRIC_MAX,
	METRIC_STDDEV,
	METRIC_BYTES_SENT,
	METRIC_BYTES_RECEIVED,
	METRIC_TARGET_RSS_GROWTH,
	METRIC_TARGET_RSS_MAX,
	METRIC_N
};
enum metric_unit {
	UNIT_COUNT,
	UNIT_PCT,
	UNIT_RPS,
	UNIT_MS,
	UNIT_BYTES
};
#define METRIC_RULE	0x1	/* a threshold may name it */
#define METRIC_TOL	0x2	/* a tolerance may name it */
#define METRIC_RUN_ONLY	0x4	/* of the whole run, never of a request */
struct metric_def {
	const char	*name;		/* rule spelling, NULL: none */
	const char	*alias;		/* "mean", "median" */
	const char	*json;		/* STATS key, NULL: none */
	const char	*column;	/* run_stats column, NULL: none */
	enum metric_unit unit;
	int		 flags;
	double		 pct;		/* the percentile, -1: not one */
};
extern const struct metric_def	 metric_defs[METRIC_N];
#define METRIC_KEY(m)	(metric_defs[(m)].json)	/* its STATS key */
int		 metric_lookup(const char *, size_t, int);
int		 metric_by_key(const char *);
const char	*metric_list(int);
const char	*metric_name(enum metric);
int		 metric_is_latency(enum metric);
double		 metric_round(double);
const char	*metric_suffix(const char *);

#endif
