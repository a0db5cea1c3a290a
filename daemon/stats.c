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

/* A percentile of h in ms, NAN when h is empty. */
static double
stats_pct(const struct hist *h, double pct)
{
	if (hist_count(h) == 0)
		return (NAN);
	return (stats_ms(hist_percentile(h, pct)));
}

/*
 * The statistics of one scope over elapsed seconds (NAN: the run never
 * measured). A metric with no data behind it is NAN, never 0 (SPEC 13):
 * latency without a response, a rate without a request or without time.
 */
void
stats_compute(struct stats *st, const struct wstat *s, double elapsed)
{
	const struct hist	*h = &s->lat;
	double			 total = (double)(s->ok + s->failed);
	int			 i;

	for (i = 0; i < METRIC_N; i++)
		st->v[i] = NAN;
	st->v[METRIC_REQUESTS] = total;
	st->v[METRIC_SUCCESSES] = (double)s->ok;
	st->v[METRIC_ERRORS] = (double)s->failed;
	st->v[METRIC_BYTES_SENT] = (double)s->bytes_sent;
	st->v[METRIC_BYTES_RECEIVED] = (double)s->bytes_recv;
	st->proto_n[0] = s->proto_n[0];
	st->proto_n[1] = s->proto_n[1];
	if (total > 0) {
		st->v[METRIC_SUCCESS_RATE] = 100.0 * (double)s->ok / total;
		st->v[METRIC_ERROR_RATE] = 100.0 * (double)s->failed / total;
	}
	if (elapsed > 0)
		st->v[METRIC_RPS] = total / elapsed;
	stats_latency(st, h);
}

/* The latency metrics of a histogram in ns; left NAN when it is empty. */
void
stats_latency(struct stats *st, const struct hist *h)
{
	int	i;

	if (hist_count(h) == 0)
		return;
	for (i = 0; i < METRIC_N; i++)
		if (metric_defs[i].unit == UNIT_MS && metric_defs[i].pct >= 0)
			st->v[i] = stats_pct(h, metric_defs[i].pct);
	st->v[METRIC_MIN] = stats_ms(hist_min(h));
	st->v[METRIC_AVG] = hist_mean(h) / 1e6;
	st->v[METRIC_STDDEV] = hist_stddev(h) / 1e6;
}

/* A value for JSON: null without data, integers as such, 3 decimals. */
json_t *
stats_value_json(enum metric m, double v)
{
	if (!isfinite(v))
		return (json_null());
	if (metric_defs[m].unit == UNIT_COUNT ||
	    metric_defs[m].unit == UNIT_BYTES)
		return (json_integer((json_int_t)llround(v)));
	return (json_real(metric_round(v)));
}

/* The STATS object of SPEC section 7, in the table's order. */
json_t *
stats_json(const struct stats *st)
{
	json_t	*o = json_object();
	int	 i;

	for (i = 0; i < METRIC_N; i++)
		if (metric_defs[i].json != NULL)
			json_object_set_new(o, metric_defs[i].json,
			    stats_value_json(i, st->v[i]));
	return (o);
}

/*
 * The protocol the requests went over (SPEC 18): "http/1.1", "h2", both
 * ("auto" may get either), or null when none was sent.
 */
json_t *
stats_protocol_json(const struct stats *st)
{
	if (st->proto_n[0] > 0 && st->proto_n[1] > 0)
		return (json_string("http/1.1+h2"));
	if (st->proto_n[0] > 0)
		return (json_string(proto_names[PROTO_H1]));
	if (st->proto_n[1] > 0)
		return (json_string(proto_names[PROTO_H2]));
	return (json_null());
}

/* Read a STATS object back (a stored summary): absent or null is NAN. */
void
stats_from_json(struct stats *st, json_t *o)
{
	json_t	*v;
	int	 i;

	for (i = 0; i < METRIC_N; i++) {
		st->v[i] = NAN;
		if (metric_defs[i].json != NULL &&
		    json_is_number(v = json_object_get(o, metric_defs[i].json)))
			st->v[i] = json_number_value(v);
	}
	/* error_rate is no STATS key: derive it as the run did */
	if (st->v[METRIC_REQUESTS] > 0 && isfinite(st->v[METRIC_ERRORS]))
		st->v[METRIC_ERROR_RATE] = 100.0 * st->v[METRIC_ERRORS] /
		    st->v[METRIC_REQUESTS];
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
 * on overall and the per-name stats; *passed is 0 if any fails. A metric
 * with no data fails with actual null and the note "no data" (SPEC 13),
 * except while the run is going (only_abort): no data yet is no verdict.
 */
/*
 * Why to abort, from abort verdicts: the first that failed, as "threshold
 * RULE failed<where> (actual N)" (allocated), or NULL when none did.
 */
char *
stats_abort_reason(json_t *verdicts, const char *where)
{
	json_t	*v;
	size_t	 i;
	char	*why;

	json_array_foreach(verdicts, i, v) {
		if (json_is_true(json_object_get(v, "passed")))
			continue;
		xasprintf(&why, "threshold \"%s\" failed%s (actual %g)",
		    json_string_value(json_object_get(v, "rule")), where,
		    json_number_value(json_object_get(v, "actual")));
		return (why);
	}
	return (NULL);
}

json_t *
stats_thresholds(const struct plan *p, const struct stats *overall,
    const struct stats *per, size_t nper, int only_abort, int *passed)
{
	const struct plan_threshold	*pt;
	const struct stats		*s;
	json_t				*list = json_array();
	double				 actual;
	size_t				 i, j;
	int				 ok, nodata;

	*passed = 1;
	for (i = 0; i < p->nthresholds; i++) {
		pt = &p->thresholds[i];
		if (only_abort && !pt->abort_on_fail)
			continue;
		s = overall;
		if (pt->t.request[0] != '\0') {
			for (j = 0; j < p->nstats && j < nper; j++)
				if (strcmp(p->stat_names[j],
				    pt->t.request) == 0)
					break;
			if (j == p->nstats || j == nper)
				continue;	/* validated: cannot happen */
			s = &per[j];
		}
		actual = s->v[pt->t.metric];
		nodata = !isfinite(actual);
		if (nodata && only_abort)
			continue;
		ok = !nodata && cmp_op_holds(pt->t.op, actual, pt->t.value);
		if (!ok)
			*passed = 0;
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s, s:o, "
		    "s:b, s:b, s:s?}", "rule", pt->rule,
		    "request", pt->t.request[0] != '\0' ? pt->t.request : NULL,
		    "metric", metric_name(pt->t.metric),
		    "actual", stats_value_json(pt->t.metric, actual),
		    "passed", ok, "abort_on_fail", pt->abort_on_fail,
		    "note", nodata ? "no data" : NULL));
	}
	return (list);
}
