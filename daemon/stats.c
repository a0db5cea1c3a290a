/* SPDX-License-Identifier: MIT */
/*
 * stats.c -- turn merged worker statistics into the numbers users read: the
 * STATS object of SPEC section 7, errors by kind and status, and threshold
 * verdicts. Pure functions over merged blocks; main thread and API thread.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

/* Nanoseconds to milliseconds, rounded to the microsecond. */
double
stats_ms(uint64_t ns)
{
	return (round((double)ns / 1000.0) / 1000.0);
}

/* Round for display: keep JSON short and stable. */
static double
stats_round(double v, int digits)
{
	double	f = pow(10, digits);

	return (round(v * f) / f);
}

/* The STATS object of SPEC section 7 over elapsed seconds. */
json_t *
stats_json(const struct wstat *s, double elapsed)
{
	const struct hist	*h = &s->lat;
	uint64_t		 total = s->ok + s->failed;
	int			 any = hist_count(h) > 0;

	return (json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, "
	    "s:f, s:f, s:f, s:f, s:f, s:I, s:I}",
	    "total_requests", (json_int_t)total,
	    "successful_requests", (json_int_t)s->ok,
	    "failed_requests", (json_int_t)s->failed,
	    "success_rate_pct", total > 0 ?
		stats_round(100.0 * (double)s->ok / (double)total, 3) : 0.0,
	    "throughput_rps", elapsed > 0 ?
		stats_round((double)total / elapsed, 2) : 0.0,
	    "avg_latency_ms", any ? stats_round(hist_mean(h) / 1e6, 3) : 0.0,
	    "median_latency_ms", stats_ms(hist_percentile(h, 50)),
	    "p90_latency_ms", stats_ms(hist_percentile(h, 90)),
	    "p95_latency_ms", stats_ms(hist_percentile(h, 95)),
	    "p99_latency_ms", stats_ms(hist_percentile(h, 99)),
	    "p999_latency_ms", stats_ms(hist_percentile(h, 99.9)),
	    "min_latency_ms", any ? stats_ms(hist_min(h)) : 0.0,
	    "max_latency_ms", stats_ms(hist_max(h)),
	    "std_dev_ms", any ? stats_round(hist_stddev(h) / 1e6, 3) : 0.0,
	    "bytes_sent", (json_int_t)s->bytes_sent,
	    "bytes_received", (json_int_t)s->bytes_recv));
}

/* The value of a threshold metric; latency in ms, rates in percent. */
int
stats_metric(const struct wstat *s, double elapsed, enum metric m,
    double *out)
{
	const struct hist	*h = &s->lat;
	uint64_t		 total = s->ok + s->failed;

	switch (m) {
	case METRIC_AVG:
		*out = hist_count(h) > 0 ? hist_mean(h) / 1e6 : 0;
		break;
	case METRIC_MIN:
		*out = hist_count(h) > 0 ? stats_ms(hist_min(h)) : 0;
		break;
	case METRIC_MAX:
		*out = stats_ms(hist_max(h));
		break;
	case METRIC_MEDIAN:
	case METRIC_P50:
		*out = stats_ms(hist_percentile(h, 50));
		break;
	case METRIC_P90:
		*out = stats_ms(hist_percentile(h, 90));
		break;
	case METRIC_P95:
		*out = stats_ms(hist_percentile(h, 95));
		break;
	case METRIC_P99:
		*out = stats_ms(hist_percentile(h, 99));
		break;
	case METRIC_P999:
		*out = stats_ms(hist_percentile(h, 99.9));
		break;
	case METRIC_STDDEV:
		*out = hist_count(h) > 0 ? hist_stddev(h) / 1e6 : 0;
		break;
	case METRIC_RPS:
		*out = elapsed > 0 ? (double)total / elapsed : 0;
		break;
	case METRIC_ERROR_RATE:
		*out = total > 0 ? 100.0 * (double)s->failed / (double)total :
		    0;
		break;
	case METRIC_SUCCESS_RATE:
		*out = total > 0 ? 100.0 * (double)s->ok / (double)total : 0;
		break;
	case METRIC_REQUESTS:
		*out = (double)total;
		break;
	case METRIC_ERRORS:
		*out = (double)s->failed;
		break;
	default:
		return (-1);
	}
	return (0);
}

/* Append one errors row. */
static void
stats_error_row(json_t *list, const char *name, enum err_kind k, int status,
    uint64_t count, const char *example)
{
	char	ex[64];

	if (k == ERR_STATUS && status != 0) {
		snprintf(ex, sizeof ex, "unexpected status %d", status);
		example = ex;
	}
	json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:I, s:s}",
	    "request", name, "kind", err_kind_name(k),
	    "status", status != 0 ? json_integer(status) : json_null(),
	    "count", (json_int_t)count,
	    "example", example != NULL ? example : ""));
}

/* Errors by request, kind and (for kind status) status, with an example. */
json_t *
stats_errors(const struct plan *p, const struct wblock *b)
{
	const struct wstat	*s;
	json_t			*list = json_array();
	uint64_t		 counted;
	size_t			 i, j;
	int			 k;

	/* Leaf requests only: a group's failure is its members'. */
	for (i = 0; i < p->nreqs && i < b->nstats; i++) {
		s = &b->stats[i];
		for (k = ERR_CONNECT; k < ERR_NKINDS; k++) {
			if (s->errors[k] == 0)
				continue;
			if (k != ERR_STATUS) {
				stats_error_row(list, p->stat_names[i], k, 0,
				    s->errors[k], s->example[k]);
				continue;
			}
			counted = 0;
			for (j = 0; j < 8 && s->status[j] != 0; j++) {
				stats_error_row(list, p->stat_names[i], k,
				    s->status[j], s->status_n[j], NULL);
				counted += s->status_n[j];
			}
			if (counted < s->errors[k])
				stats_error_row(list, p->stat_names[i], k, 0,
				    s->errors[k] - counted,
				    "other unexpected statuses");
		}
	}
	return (list);
}

/*
 * Evaluate the thresholds (only the abort_on_fail ones when only_abort)
 * against block b; *passed is 0 if any fails. Returns the verdict list.
 */
json_t *
stats_thresholds(const struct plan *p, const struct wblock *b,
    double elapsed, int only_abort, int *passed)
{
	const struct plan_threshold	*pt;
	const struct wstat		*s;
	json_t				*list = json_array();
	double				 actual;
	size_t				 i, j;
	int				 ok;

	*passed = 1;
	for (i = 0; i < p->nthresholds; i++) {
		pt = &p->thresholds[i];
		if (only_abort && !pt->abort_on_fail)
			continue;
		s = &b->overall;
		if (pt->t.request[0] != '\0') {
			for (j = 0; j < p->nstats && j < b->nstats; j++)
				if (strcmp(p->stat_names[j],
				    pt->t.request) == 0)
					break;
			if (j == p->nstats || j == b->nstats)
				continue;	/* validated: cannot happen */
			s = &b->stats[j];
		}
		if (stats_metric(s, elapsed, pt->t.metric, &actual) != 0)
			continue;
		ok = cmp_op_holds(pt->t.op, actual, pt->t.value);
		if (!ok)
			*passed = 0;
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s, s:f, "
		    "s:b, s:b}", "rule", pt->rule,
		    "request", pt->t.request[0] != '\0' ? pt->t.request : NULL,
		    "metric", metric_name(pt->t.metric),
		    "actual", stats_round(actual, 3),
		    "passed", ok, "abort_on_fail", pt->abort_on_fail));
	}
	return (list);
}
