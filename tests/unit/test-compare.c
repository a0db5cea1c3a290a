/* SPDX-License-Identifier: MIT */
/*
 * test-compare.c -- the tolerance grammar and the noise test: a clear shift
 * is flagged, pure noise is not, in at least 95 of 100 seeded trials.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"
#include "tap.h"

static uint64_t	rng = 0x243F6A8885A308D3ULL;

static double
uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((double)((rng * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53);
}

/* A normal deviate (Box-Muller). */
static double
normal(double mean, double sd)
{
	double	u = uniform(), v = uniform();

	if (u < 1e-300)
		u = 1e-300;
	return (mean + sd * sqrt(-2 * log(u)) * cos(2 * M_PI * v));
}

/* A series of per-second p95-like values: noisy, with rare spikes. */
static void
series(double *x, size_t n, double mean)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		x[i] = normal(mean, mean * 0.08);
		if (uniform() < 0.05)
			x[i] *= 1.8;	/* a GC pause, a noisy neighbour */
	}
}

/* The percentage a tolerance gives metric m of request ("" bare), or -1. */
static double
tol_get(const struct tolerance *tol, const char *request, enum metric m)
{
	size_t	i;

	for (i = 0; i < tol->n; i++)
		if (tol->items[i].metric == m &&
		    strcmp(tol->items[i].request, request) == 0)
			return (tol->items[i].pct);
	return (-1);
}

static void
tolerance_fails(const char *spec, const char *want)
{
	struct tolerance tol;
	char	*cause = NULL;
	int	rc;

	rc = compare_parse_tolerance(spec, &tol, &cause);
	ok(rc == -1 && cause != NULL && strstr(cause, want) != NULL,
	    "tolerance \"%s\" is refused", spec);
	if (cause != NULL && strstr(cause, want) == NULL)
		diag("cause: %s", cause);
	free(cause);
}

int
main(void)
{
	struct tolerance tol;
	double	 a[30], b[30], p;
	char	*cause;
	int	 trial, flagged, quiet, i;

	log_init(LOG_CRIT, 0);

	/* The grammar. */
	ok(compare_parse_tolerance(NULL, &tol, &cause) == 0,
	    "no tolerance: the default");
	ok(tol.n == 5 && tol_get(&tol, "", METRIC_AVG) == 10 &&
	    tol_get(&tol, "", METRIC_P95) == 10 &&
	    tol_get(&tol, "", METRIC_P99) == 20 &&
	    tol_get(&tol, "", METRIC_RPS) == 10 &&
	    tol_get(&tol, "", METRIC_ERROR_RATE) == 1 &&
	    tol_get(&tol, "", METRIC_P50) == -1, "default is mean:10%%,"
	    "p95:10%%,p99:20%%,rps:10%%,error_rate:1%%");
	ok(strcmp(tol.items[0].name, "mean") == 0,
	    "the metric keeps the user's spelling");
	ok(compare_parse_tolerance("mean:10%,p95:5%,rps:10%,error_rate:1%",
	    &tol, &cause) == 0, "the SPEC example parses");
	ok(tol_get(&tol, "", METRIC_AVG) == 10 &&
	    tol_get(&tol, "", METRIC_P95) == 5 &&
	    tol_get(&tol, "", METRIC_P99) == -1, "with its values, others "
	    "unset");
	ok(compare_parse_tolerance(" p99.9 : 2.5% , max:100% ", &tol,
	    &cause) == 0 && tol_get(&tol, "", METRIC_P999) == 2.5,
	    "spaces inside a pair are allowed");
	ok(compare_parse_tolerance("p99.9:2.5%, max:100%", &tol, &cause) == 0 &&
	    tol_get(&tol, "", METRIC_P999) == 2.5 &&
	    tol_get(&tol, "", METRIC_MAX) == 100,
	    "spaces around pairs, decimals");
	ok(compare_parse_tolerance("median:0%", &tol, &cause) == 0 &&
	    tol_get(&tol, "", METRIC_P50) == 0, "zero tolerance");
	ok(compare_parse_tolerance("avg:5%,p25:3%,p75:4%", &tol, &cause) == 0 &&
	    tol_get(&tol, "", METRIC_AVG) == 5 &&
	    tol_get(&tol, "", METRIC_P25) == 3 &&
	    tol_get(&tol, "", METRIC_P75) == 4, "avg, p25 and p75 (SPEC 13)");
	ok(compare_parse_tolerance("p95:10%,checkout:p95:5%,login:mean:20%",
	    &tol, &cause) == 0 && tol_get(&tol, "", METRIC_P95) == 10 &&
	    tol_get(&tol, "checkout", METRIC_P95) == 5 &&
	    tol_get(&tol, "login", METRIC_AVG) == 20,
	    "a tolerance may name a request");
	tolerance_fails("mean:10%,avg:5%", "avg given twice");
	tolerance_fails("median:10%,p50:5%", "p50 given twice");
	tolerance_fails("checkout:p95:5%,checkout:p95:6%",
	    "checkout:p95 given twice");
	tolerance_fails("a b:p95:5%", "not a request name");
	tolerance_fails("x:y:p95:5%", "unknown metric \"y:p95\"");
	tolerance_fails("p98:10%", "unknown metric \"p98\"");
	tolerance_fails("latency:10%", "unknown metric \"latency\"");
	tolerance_fails("requests:10%", "unknown metric \"requests\"");
	tolerance_fails("p95", "expected [REQUEST:]METRIC:N%");
	tolerance_fails("p95:10", "p95: expected a percentage");
	tolerance_fails("p95:%", "p95: expected a percentage");
	tolerance_fails("p95:-5%", "p95: expected a percentage");
	tolerance_fails("p95:10%%", "p95: expected a percentage");
	tolerance_fails("p95:abc%", "p95: expected a percentage");
	tolerance_fails("p95:10%,", "expected [REQUEST:]METRIC:N%");
	tolerance_fails(",p95:10%", "expected [REQUEST:]METRIC:N%");
	tolerance_fails("p95:10%,p95:5%", "p95 given twice");
	tolerance_fails("P95:10%", "unknown metric \"P95\"");
	tolerance_fails("p95:nan%", "p95: expected a percentage");
	tolerance_fails("p95:1e400%", "p95: expected a percentage");

	/* Mann-Whitney against known cases. */
	for (i = 0; i < 30; i++) {
		a[i] = i;
		b[i] = i + 100;
	}
	ok(compare_mann_whitney(a, 30, b, 30) < 1e-6,
	    "disjoint samples are significant");
	ok(compare_mann_whitney(a, 30, a, 30) > 0.9,
	    "identical samples are not");
	for (i = 0; i < 30; i++)
		a[i] = b[i] = 7;
	ok(compare_mann_whitney(a, 30, b, 30) == 1, "all ties: p = 1");
	ok(compare_mann_whitney(a, 0, b, 30) == 1, "empty: p = 1");

	/* 100 seeded trials each: a clear shift, and pure noise. */
	flagged = quiet = 0;
	for (trial = 0; trial < 100; trial++) {
		series(a, 30, 5.0);
		series(b, 30, 8.0);	/* 5 ms -> 8 ms */
		if (compare_mann_whitney(a, 30, b, 30) < 0.01)
			flagged++;
		series(a, 30, 5.0);
		series(b, 30, 5.0);
		if ((p = compare_mann_whitney(a, 30, b, 30)) >= 0.01)
			quiet++;
	}
	diag("shift flagged %d/100, noise left alone %d/100", flagged, quiet);
	ok(flagged >= 95, "a clear shift is flagged (%d of 100)", flagged);
	ok(quiet >= 95, "pure noise is not (%d of 100)", quiet);

	/* A 15% shift, beyond a 10% tolerance, on 10 noisy seconds. */
	flagged = 0;
	for (trial = 0; trial < 100; trial++) {
		series(a, 10, 5.0);
		series(b, 10, 5.75);
		if (compare_mann_whitney(a, 10, b, 10) < 0.01)
			flagged++;
	}
	diag("a 15%% shift over 10 s is significant in %d/100 trials", flagged);
	ok(flagged >= 50, "a moderate shift is usually caught (%d)", flagged);
	return (tap_done());
}
