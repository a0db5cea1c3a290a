/* SPDX-License-Identifier: MIT */
/*
 * test-parse.c -- TAP tests of parse.c: durations, names, threshold rules
 * and comparison operators. Tables of cases; no I/O but stdout.
 */
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"
#include "tap.h"

#define MS	1000LL
#define S	1000000LL
#define MIN	(60 * S)
#define HOUR	(60 * MIN)

static const struct {
	const char	*in;
	int64_t		 us;
} good_durations[] = {
	{ "0s", 0 },
	{ "0us", 0 },
	{ "0ms", 0 },
	{ "0m", 0 },
	{ "0h", 0 },
	{ "1us", 1 },
	{ "100us", 100 },
	{ "1ms", MS },
	{ "250ms", 250 * MS },
	{ "1s", S },
	{ "1.5s", 1500 * MS },
	{ "0.5s", 500 * MS },
	{ "0.001s", MS },
	{ "1.000001s", S + 1 },
	{ "1.0000019s", S + 1 },		/* truncated to the us */
	{ "2.5ms", 2500 },
	{ "0.5us", 0 },
	{ "2m", 2 * MIN },
	{ "1.5m", 90 * S },
	{ "1h", HOUR },
	{ "1.25h", HOUR + 15 * MIN },
	{ "24h", 24 * HOUR },
	{ "1m30s", 90 * S },
	{ "1h30m", 90 * MIN },
	{ "1h2m3s4ms5us", HOUR + 2 * MIN + 3 * S + 4 * MS + 5 },
	{ "1s500ms", 1500 * MS },
	{ "10s10s", 20 * S },
	{ "007s", 7 * S },
	{ "2400h", 2400 * HOUR },		/* 100 days exactly */
	{ "8640000000000us", 2400 * HOUR },
};

static const char *bad_durations[] = {
	"",
	"10",
	"0",
	"1.5",
	"-1s",
	"-0s",
	"+1s",
	"s",
	"ms",
	".5s",
	"1.s",
	"1..5s",
	"1.5.5s",
	"1d",
	"1w",
	"1ns",
	"1sec",
	"1 s",
	" 1s",
	"1s ",
	"1S",
	"1MS",
	"1e3ms",
	"0x10s",
	"NaN",
	"nans",
	"inf",
	"infs",
	"1m30",
	"1s-1s",
	"1s,2s",
	"2401h",
	"2400h1us",
	"8640000000001us",
	"99999999999999999999999999s",
	"18446744073709551617us",
	"1µs",
};

static const struct {
	const char	*in;
	int		 ok;
} names[] = {
	{ "a", 1 },
	{ "checkout", 1 },
	{ "upload-10mb", 1 },
	{ "A.b_c-D9", 1 },
	{ "...", 1 },
	{ "-", 1 },
	{ "p99.9", 1 },
	{ "0123456789012345678901234567890123456789012345678901234567890123",
	    1 },
	{ "01234567890123456789012345678901234567890123456789012345678901234",
	    0 },
	{ "", 0 },
	{ "a b", 0 },
	{ "a:b", 0 },
	{ "a/b", 0 },
	{ "a~b", 0 },
	{ "é", 0 },
	{ "a\tb", 0 },
	{ "name!", 0 },
};

static const struct {
	const char	*rule;
	const char	*request;
	enum metric	 metric;
	enum cmp_op	 op;
	double		 value;
} good_rules[] = {
	{ "avg < 100ms", "", METRIC_AVG, CMP_LT, 100 },
	{ "min <= 1ms", "", METRIC_MIN, CMP_LE, 1 },
	{ "max < 2s", "", METRIC_MAX, CMP_LT, 2000 },
	{ "median < 500us", "", METRIC_P50, CMP_LT, 0.5 },
	{ "mean < 5ms", "", METRIC_AVG, CMP_LT, 5 },
	{ "p25 < 1ms", "", METRIC_P25, CMP_LT, 1 },
	{ "p75 <= 2ms", "", METRIC_P75, CMP_LE, 2 },
	{ "target_rss_growth < 10m", "", METRIC_TARGET_RSS_GROWTH, CMP_LT, 10485760 },
	{ "target_rss_max <= 512k", "", METRIC_TARGET_RSS_MAX, CMP_LE, 524288 },
	{ "target_rss_max < 1g", "", METRIC_TARGET_RSS_MAX, CMP_LT, 1073741824 },
	{ "target_rss_growth < 1000", "", METRIC_TARGET_RSS_GROWTH, CMP_LT, 1000 },
	{ "p50 < 10ms", "", METRIC_P50, CMP_LT, 10 },
	{ "p90 > 1ms", "", METRIC_P90, CMP_GT, 1 },
	{ "p95 < 100ms", "", METRIC_P95, CMP_LT, 100 },
	{ "p99 >= 0.5s", "", METRIC_P99, CMP_GE, 500 },
	{ "p99.9 < 1.5s", "", METRIC_P999, CMP_LT, 1500 },
	{ "stddev < 20ms", "", METRIC_STDDEV, CMP_LT, 20 },
	{ "rps >= 50", "", METRIC_RPS, CMP_GE, 50 },
	{ "rps > 12.5", "", METRIC_RPS, CMP_GT, 12.5 },
	{ "error_rate < 1%", "", METRIC_ERROR_RATE, CMP_LT, 1 },
	{ "error_rate <= 0.1%", "", METRIC_ERROR_RATE, CMP_LE, 0.1 },
	{ "success_rate >= 99.9%", "", METRIC_SUCCESS_RATE, CMP_GE, 99.9 },
	{ "success_rate > 100%", "", METRIC_SUCCESS_RATE, CMP_GT, 100 },
	{ "error_rate < 0%", "", METRIC_ERROR_RATE, CMP_LT, 0 },
	{ "requests >= 1000", "", METRIC_REQUESTS, CMP_GE, 1000 },
	{ "errors < 1", "", METRIC_ERRORS, CMP_LT, 1 },
	{ "errors <= 0", "", METRIC_ERRORS, CMP_LE, 0 },
	/* spaces free */
	{ "p95<100ms", "", METRIC_P95, CMP_LT, 100 },
	{ "  p95   <=   100 ms  ", "", METRIC_P95, CMP_LE, 100 },
	{ "\tp95\t>\t1s\t", "", METRIC_P95, CMP_GT, 1000 },
	{ "error_rate<1 %", "", METRIC_ERROR_RATE, CMP_LT, 1 },
	{ "p99.9<1s", "", METRIC_P999, CMP_LT, 1000 },
	/* request prefixes */
	{ "upload-10mb: p99 < 2s", "upload-10mb", METRIC_P99, CMP_LT, 2000 },
	{ "login:p95<100ms", "login", METRIC_P95, CMP_LT, 100 },
	{ " login : p95 < 100ms", "login", METRIC_P95, CMP_LT, 100 },
	{ "api.v2:p99.9<1s", "api.v2", METRIC_P999, CMP_LT, 1000 },
	{ "p99.9: p99.9 < 1s", "p99.9", METRIC_P999, CMP_LT, 1000 },
	{ "p95:rps>=5", "p95", METRIC_RPS, CMP_GE, 5 },
	{ "a_b-c.d: errors < 10", "a_b-c.d", METRIC_ERRORS, CMP_LT, 10 },
	{ "x: requests > 0", "x", METRIC_REQUESTS, CMP_GT, 0 },
	{ "0123456789012345678901234567890123456789012345678901234567890123:"
	    "avg<1s",
	    "0123456789012345678901234567890123456789012345678901234567890123",
	    METRIC_AVG, CMP_LT, 1000 },
};

static const struct {
	const char	*rule;
	const char	*cause;	/* a substring of the cause */
} bad_rules[] = {
	{ "", "empty rule" },
	{ "   ", "empty rule" },
	{ "p98 < 100ms", "unknown metric \"p98\" (expected one of avg (mean), "
	    "p25, p50 (median), p75, p90, p95, p99, p99.9, min, max, stddev, "
	    "requests, errors, success_rate, error_rate, rps, "
	    "target_rss_growth, target_rss_max)" },
	{ "x: target_rss_max < 1m", "target_rss_max is a metric of the whole "
	    "run" },
	{ "target_rss_growth < 1t", "unknown size unit \"t\"" },
	{ "P95 < 100ms", "unknown metric \"P95\"" },
	{ "p99.99 < 1s", "unknown metric \"p99.99\"" },
	{ "error-rate < 1%", "unknown metric \"error-rate\"" },
	{ "latency < 1s", "unknown metric" },
	{ "< 100ms", "missing metric" },
	{ "p95 100ms", "unknown operator" },
	{ "p95", "missing operator" },
	{ "p95 == 100ms", "unknown operator \"==\"" },
	{ "p95 = 100ms", "unknown operator \"=\"" },
	{ "p95 != 100ms", "unknown operator \"!=\"" },
	{ "p95 =< 100ms", "unknown operator \"=<\"" },
	{ "p95 << 100ms", "unknown operator \"<<\"" },
	{ "p95 <> 100ms", "unknown operator \"<>\"" },
	{ "p95 <=> 100ms", "unknown operator \"<=>\"" },
	{ "p95 <", "missing value" },
	{ "p95 < ", "missing value" },
	{ "p95 < 100", "latency value needs a unit (us, ms, s): \"100\"" },
	{ "p95 < ms", "expected a number" },
	{ "p95 < 100m", "unknown latency unit \"m\"" },
	{ "p95 < 1h", "unknown latency unit \"h\"" },
	{ "p95 < 100MS", "unknown latency unit \"MS\"" },
	{ "p95 < 100%", "unknown latency unit \"%\"" },
	{ "p95 < -1ms", "cannot be negative" },
	{ "p95 < 1e3ms", "unexpected" },
	{ "p95 < .5s", "expected a number" },
	{ "p95 < 1.s", "expected a number" },
	{ "p95 < 1.5.5s", "expected a number" },
	{ "p95 < nan", "expected a number" },
	{ "p95 < inf ms", "expected a number" },
	{ "p95 < 100ms extra", "unexpected \"extra\"" },
	{ "p95 < 100ms 5", "unexpected" },
	{ "p95 < 1 0ms", "unexpected" },
	{ "error_rate < 1", "needs a % sign" },
	{ "error_rate < 1ms", "needs a % sign" },
	{ "error_rate < 101%", "between 0% and 100%" },
	{ "success_rate > 100.5%", "between 0% and 100%" },
	{ "error_rate < 1%%", "unexpected" },
	{ "rps > 10/s", "unexpected" },
	{ "rps > 10rps", "plain number without a unit" },
	{ "rps > 10%", "plain number without a unit" },
	{ "requests > 1.5", "whole number" },
	{ "errors < 0.5", "whole number" },
	{ "errors < 1ms", "plain number without a unit" },
	{ "requests > -1", "cannot be negative" },
	{ "rps > 99999999999999999", "too large" },
	{ ": p95 < 1s", "missing request name" },
	{ "  : p95 < 1s", "missing request name" },
	{ "a b: p95 < 1s", "invalid request name \"a b\"" },
	{ "a/b: p95 < 1s", "invalid request name" },
	{ "a:b: p95 < 1s", "more than one \":\"" },
	{ "a: ", "missing metric" },
	{ "01234567890123456789012345678901234567890123456789012345678901234:"
	    "avg<1s", "too long" },
	{ "p95 < 100ms:", "invalid request name" },
	{ "p95: < 1s", "missing metric" },
};

static const struct {
	enum cmp_op	 op;
	double		 actual, limit;
	int		 holds;
} holds[] = {
	{ CMP_LT, 1, 2, 1 }, { CMP_LT, 2, 2, 0 }, { CMP_LT, 3, 2, 0 },
	{ CMP_LE, 1, 2, 1 }, { CMP_LE, 2, 2, 1 }, { CMP_LE, 3, 2, 0 },
	{ CMP_GT, 1, 2, 0 }, { CMP_GT, 2, 2, 0 }, { CMP_GT, 3, 2, 1 },
	{ CMP_GE, 1, 2, 0 }, { CMP_GE, 2, 2, 1 }, { CMP_GE, 3, 2, 1 },
};

/* Each metric's name round-trips through threshold_parse. */
static void
test_metric_names(void)
{
	struct threshold	 t;
	char			*rule, *cause;
	int			 m, latency;

	static const char	*keys[] = { "total_requests",
				    "successful_requests", "failed_requests",
				    "success_rate_pct", "throughput_rps",
				    "avg_latency_ms", "p25_latency_ms",
				    "median_latency_ms", "p75_latency_ms",
				    "p90_latency_ms", "p95_latency_ms",
				    "p99_latency_ms", "p999_latency_ms",
				    "min_latency_ms", "max_latency_ms",
				    "std_dev_ms", "bytes_sent",
				    "bytes_received", NULL };
	const struct metric_def	*d;
	const char		*unit;
	int			 k, j;

	/* Every rule name and alias parses back to its metric. */
	for (m = 0; m < METRIC_N; m++) {
		d = &metric_defs[m];
		if (d->name == NULL)
			continue;
		latency = metric_is_latency(m);
		is_int(latency, d->unit == UNIT_MS, "metric_is_latency(%s)",
		    d->name);
		unit = latency ? "1ms" : d->unit == UNIT_PCT ? "1%" :
		    d->unit == UNIT_BYTES ? "1k" : "1";
		for (j = 0; j < 2; j++) {
			if (j == 1 && d->alias == NULL)
				break;
			xasprintf(&rule, "%s >= %s", j == 0 ? d->name :
			    d->alias, unit);
			cause = NULL;
			if (!ok(threshold_parse(rule, &t, &cause) == 0,
			    "round trip \"%s\"", rule))
				diag("%s", cause);
			is_int(t.metric, m, "metric of \"%s\"", rule);
			is_int(t.op, CMP_GE, "op of \"%s\"", rule);
			free(cause);
			free(rule);
		}
	}
	is_int(metric_lookup("mean", 4, METRIC_RULE), METRIC_AVG,
	    "mean is avg");
	is_int(metric_lookup("median", 6, METRIC_TOL), METRIC_P50,
	    "median is p50 in tolerances too");
	is_int(metric_lookup("target_rss_max", 14, METRIC_TOL), -1,
	    "target metrics are not tolerances");
	is_int(metric_lookup("requests", 8, METRIC_TOL), -1,
	    "counts are not tolerances");
	/* The STATS keys in contract order, each once, and back. */
	for (k = 0, m = 0; m < METRIC_N; m++) {
		if (metric_defs[m].json == NULL)
			continue;
		is_str(metric_defs[m].json, keys[k] != NULL ? keys[k] : "(end)",
		    "STATS key %d", k);
		is_int(metric_by_key(metric_defs[m].json), m,
		    "metric_by_key(%s)", metric_defs[m].json);
		k++;
	}
	ok(keys[k] == NULL, "every STATS key is in the table");
	/* Columns are unique. */
	for (m = 0; m < METRIC_N; m++)
		for (j = m + 1; j < METRIC_N; j++)
			if (metric_defs[m].column != NULL &&
			    metric_defs[j].column != NULL)
				ok(strcmp(metric_defs[m].column,
				    metric_defs[j].column) != 0,
				    "column %s once", metric_defs[m].column);
	ok(metric_round(5.3579999999999997) == 5.358 &&
	    isnan(metric_round(NAN)), "metric_round: 3 decimals, NAN stays");
	is_str(metric_name(METRIC_P999), "p99.9", "metric_name(P999)");
	is_str(metric_name(METRIC_ERROR_RATE), "error_rate",
	    "metric_name(ERROR_RATE)");
	is_str(cmp_op_name(CMP_LT), "<", "cmp_op_name(LT)");
	is_str(cmp_op_name(CMP_LE), "<=", "cmp_op_name(LE)");
	is_str(cmp_op_name(CMP_GT), ">", "cmp_op_name(GT)");
	is_str(cmp_op_name(CMP_GE), ">=", "cmp_op_name(GE)");
}

/* Run every table; the exit status says whether all passed. */
int
main(void)
{
	struct threshold	 t;
	int64_t			 us;
	char			*cause;
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof good_durations / sizeof good_durations[0];
	    i++) {
		cause = NULL;
		us = -1;
		r = parse_duration(good_durations[i].in, &us, &cause);
		if (!ok(r == 0, "duration \"%s\" parses", good_durations[i].in))
			diag("cause: %s", cause ? cause : "(none)");
		is_int(us, good_durations[i].us, "duration \"%s\" value",
		    good_durations[i].in);
		free(cause);
	}
	for (i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
		cause = NULL;
		r = parse_duration(bad_durations[i], &us, &cause);
		ok(r == -1 && cause != NULL && *cause != '\0',
		    "duration \"%s\" is refused: %s", bad_durations[i],
		    cause ? cause : "(no cause)");
		free(cause);
	}
	cause = NULL;
	parse_duration("10", &us, &cause);
	ok(cause != NULL && strstr(cause, "expected a duration such as "
	    "\"250ms\", \"1.5s\", \"2m\"; got \"10\"") == cause,
	    "bare number cause names the expected form");
	free(cause);
	cause = NULL;
	parse_duration("1d", &us, &cause);
	ok(cause != NULL && strstr(cause, "unknown unit \"d\"") != NULL,
	    "unknown unit cause names the unit");
	free(cause);
	cause = NULL;
	parse_duration("2401h", &us, &cause);
	ok(cause != NULL && strstr(cause, "too long") != NULL,
	    "overflow cause says too long");
	free(cause);

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		is_int(parse_name(names[i].in), names[i].ok, "name \"%s\"",
		    names[i].in);
	}
	is_int(parse_name(NULL), 0, "name NULL");

	for (i = 0; i < sizeof good_rules / sizeof good_rules[0]; i++) {
		cause = NULL;
		r = threshold_parse(good_rules[i].rule, &t, &cause);
		if (!ok(r == 0, "rule \"%s\" parses", good_rules[i].rule))
			diag("cause: %s", cause ? cause : "(none)");
		free(cause);
		if (r != 0)
			continue;
		ok(strcmp(t.request, good_rules[i].request) == 0 &&
		    t.metric == good_rules[i].metric &&
		    t.op == good_rules[i].op &&
		    fabs(t.value - good_rules[i].value) <=
		    1e-9 * fmax(1, good_rules[i].value),
		    "rule \"%s\" = [%s] %s %s %g", good_rules[i].rule,
		    t.request, metric_name(t.metric), cmp_op_name(t.op),
		    t.value);
	}
	for (i = 0; i < sizeof bad_rules / sizeof bad_rules[0]; i++) {
		cause = NULL;
		r = threshold_parse(bad_rules[i].rule, &t, &cause);
		if (!ok(r == -1 && cause != NULL &&
		    strstr(cause, bad_rules[i].cause) != NULL,
		    "rule \"%s\" is refused", bad_rules[i].rule))
			diag("cause: %s; want \"%s\"", cause ? cause :
			    "(none)", bad_rules[i].cause);
		free(cause);
	}
	cause = NULL;
	ok(threshold_parse(NULL, &t, &cause) == -1 && cause != NULL,
	    "NULL rule is refused");
	free(cause);

	test_metric_names();

	for (i = 0; i < sizeof holds / sizeof holds[0]; i++) {
		is_int(cmp_op_holds(holds[i].op, holds[i].actual,
		    holds[i].limit), holds[i].holds, "%g %s %g",
		    holds[i].actual, cmp_op_name(holds[i].op), holds[i].limit);
	}
	is_int(cmp_op_holds(CMP_LT, 0.0 / 0.0, 1), 0, "NaN < 1 fails");
	is_int(cmp_op_holds(CMP_GE, 0.0 / 0.0, 1), 0, "NaN >= 1 fails");

	return (tap_done());
}
