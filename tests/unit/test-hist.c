/* SPDX-License-Identifier: MIT */
/*
 * test-hist.c -- unit tests for daemon/hist.c: percentiles against exact
 * nearest-rank values of sorted samples, the documented error bound, edge
 * values, merge laws, exact mean and stddev, and the blob codec against
 * truncated, random and overflowing input. Fixed-seed PRNG: reproducible.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loadd.h"
#include "hist.h"
#include "tap.h"

/* memcmp() on whole histograms needs a struct without padding. */
_Static_assert(sizeof(struct hist) ==
    sizeof(uint64_t) * (8 + HIST_NBUCKETS), "struct hist has padding");

#define BOUND		(1.0 / 256)	/* documented bound of hist.c */
#define NSAMPLES	200000

static uint64_t	rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: small, fast, good enough for test data. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dULL);
}

/* Uniform in (0, 1). */
static double
rng_unit(void)
{
	return (((rng() >> 11) + 0.5) / 9007199254740992.0);
}

/* Standard normal, Box-Muller. */
static double
rng_normal(void)
{
	return (sqrt(-2 * log(rng_unit())) * cos(2 * M_PI * rng_unit()));
}

/* Clamp a double into a non-negative sample. */
static uint64_t
to_ns(double x)
{
	if (x < 0)
		return (0);
	if (x >= 1.8e19)
		return (UINT64_MAX);
	return ((uint64_t)x);
}

/* qsort comparator for uint64_t. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Same nearest-rank rule as hist.c, applied to sorted raw values. */
static uint64_t
exact_pct(const uint64_t *sorted, size_t n, double pct)
{
	long double	r;
	uint64_t	rank;

	if (!(pct > 0))
		return (sorted[0]);
	if (pct >= 100)
		return (sorted[n - 1]);
	r = (long double)pct * (long double)n / 100.0L;
	r -= r * 1e-15L;
	if (r >= (long double)n)
		rank = n;
	else {
		r = ceill(r);
		rank = r < 1 ? 1 : (uint64_t)r;
	}
	return (sorted[rank - 1]);
}

/* Relative error of got against want. */
static double
relerr(uint64_t got, uint64_t want)
{
	if (want == 0)
		return (got == 0 ? 0 : INFINITY);
	return (fabs((double)got - (double)want) / (double)want);
}

/* Relative difference of two doubles (absolute near zero). */
static double
reldiff(double got, double want)
{
	if (fabs(want) < 1e-300)
		return (fabs(got));
	return (fabs(got - want) / fabs(want));
}

/* Two-pass mean and population stddev in long double. */
static void
exact_moments(const uint64_t *v, size_t n, double *mean, double *sd)
{
	long double	s = 0, m, d, ss = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		s += (long double)v[i];
	m = s / n;
	for (i = 0; i < n; i++) {
		d = (long double)v[i] - m;
		ss += d * d;
	}
	*mean = (double)m;
	*sd = (double)sqrtl(ss / n);
}

/* Equal histograms, field by field and bucket by bucket. */
static int
same(const struct hist *a, const struct hist *b)
{
	return (memcmp(a, b, sizeof *a) == 0);
}

/*
 * Record v[0..n) and check the named percentiles (1%), a sweep of 0..100
 * against the documented bound, count, min, max, mean and stddev.
 */
static void
check_values(const char *name, const uint64_t *v, size_t n)
{
	static const double	 named[] = { 50, 90, 95, 99, 99.9, 99.99 };
	struct hist		*h = hist_create();
	uint64_t		*s, got, want;
	double			 e, worst = 0, worst_pct = 0, mean, sd;
	size_t			 i;
	int			 all_ok = 1;

	for (i = 0; i < n; i++)
		hist_record(h, v[i]);
	s = xreallocarray(NULL, n, sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_u64);

	is_int(hist_count(h), n, "%s: count", name);
	ok(hist_min(h) == s[0], "%s: min exact", name);
	ok(hist_max(h) == s[n - 1], "%s: max exact", name);
	ok(hist_percentile(h, 0) == s[0], "%s: p0 is min", name);
	ok(hist_percentile(h, 100) == s[n - 1], "%s: p100 is max", name);
	for (i = 0; i < sizeof named / sizeof named[0]; i++) {
		want = exact_pct(s, n, named[i]);
		if (want > HIST_TRACKABLE_MAX)
			continue;	/* clamped to the top bucket */
		got = hist_percentile(h, named[i]);
		e = relerr(got, want);
		if (!ok(e <= 0.01, "%s: p%g within 1%%", name, named[i]))
			diag("  got %llu want %llu (%.4f%%)",
			    (unsigned long long)got, (unsigned long long)want,
			    e * 100);
	}
	for (i = 0; i <= 100000; i++) {
		double	pct = i / 1000.0;

		want = exact_pct(s, n, pct);
		if (want > HIST_TRACKABLE_MAX)
			continue;
		got = hist_percentile(h, pct);
		e = relerr(got, want);
		if (e > worst) {
			worst = e;
			worst_pct = pct;
		}
		if (got < s[0] || got > s[n - 1])
			all_ok = 0;
	}
	ok(worst <= BOUND + 1e-12,
	    "%s: 0..100 step 0.001 within 1/256 (worst %.4f%% at p%g)",
	    name, worst * 100, worst_pct);
	ok(all_ok, "%s: every percentile within [min, max]", name);

	exact_moments(v, n, &mean, &sd);
	ok(reldiff(hist_mean(h), mean) <= 1e-12, "%s: mean %.3f exact",
	    name, hist_mean(h));
	if (!ok(reldiff(hist_stddev(h), sd) <= 1e-9, "%s: stddev exact", name))
		diag("  got %.9g want %.9g", hist_stddev(h), sd);
	free(s);
	hist_free(h);
}

/* Fill v with n samples of distribution kind. */
static void
gen(int kind, uint64_t *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		switch (kind) {
		case 0:		/* uniform 1 us .. 100 ms */
			v[i] = 1000 + rng() % 100000000;
			break;
		case 1:		/* exponential, mean 5 ms */
			v[i] = to_ns(-5e6 * log(rng_unit()));
			break;
		case 2:		/* lognormal around 2 ms */
			v[i] = to_ns(exp(log(2e6) + 1.0 * rng_normal()));
			break;
		case 3:		/* bimodal: 1 ms and 500 ms */
			if (rng() & 1)
				v[i] = to_ns(1e6 + 5e4 * rng_normal());
			else
				v[i] = to_ns(5e8 + 2e7 * rng_normal());
			break;
		case 4:		/* uniform, 0 .. 137 s */
			v[i] = rng() % (HIST_TRACKABLE_MAX + 1);
			break;
		case 5:		/* log-uniform over 1 ns .. 2^37 */
			v[i] = to_ns(exp2(37 * rng_unit()));
			break;
		default:	/* anything, huge values included */
			v[i] = rng() >> (rng() % 64);
			break;
		}
	}
}

/* Percentiles, moments on each distribution. */
static void
test_distributions(void)
{
	static const char	*names[] = { "uniform", "exponential",
	    "lognormal", "bimodal", "uniform-wide", "log-uniform" };
	uint64_t		*v;
	size_t			 k;

	v = xreallocarray(NULL, NSAMPLES, sizeof *v);
	for (k = 0; k < 6; k++) {
		gen((int)k, v, NSAMPLES);
		check_values(names[k], v, NSAMPLES);
	}

	/* Small samples stress the rank arithmetic. */
	gen(2, v, 7);
	check_values("lognormal n=7", v, 7);
	gen(3, v, 1000);
	check_values("bimodal n=1000", v, 1000);

	for (k = 0; k < 1000; k++)
		v[k] = 1234567;
	check_values("constant", v, 1000);
	v[0] = 777;
	check_values("single", v, 1);

	/* Cancellation trap for sum-of-squares stddev: 1 s + 0..10 ns. */
	for (k = 0; k < NSAMPLES; k++)
		v[k] = 1000000000 + rng() % 11;
	check_values("1 s + jitter", v, NSAMPLES);
	free(v);
}

/* Edge values: 0, 1, 1 us, powers of two and neighbours, 100 s, beyond. */
static void
test_edges(void)
{
	uint64_t	 edges[300], v, lo, hi, got;
	size_t		 n = 0, i, j;
	struct hist	*h;
	int		 all_ok = 1;
	char		 name[64];

	edges[n++] = 0;
	edges[n++] = 1;
	edges[n++] = 1000;
	edges[n++] = 100000000000ULL;		/* 100 s */
	edges[n++] = HIST_TRACKABLE_MAX;
	edges[n++] = HIST_TRACKABLE_MAX + 1;
	edges[n++] = 200000000000ULL;		/* 200 s, clamped */
	edges[n++] = UINT64_MAX - 1;
	edges[n++] = UINT64_MAX;
	for (i = 1; i < 64; i++) {
		edges[n++] = (UINT64_C(1) << i) - 1;
		edges[n++] = UINT64_C(1) << i;
		edges[n++] = (UINT64_C(1) << i) + 1;
	}

	/* A histogram of one value reports that value exactly. */
	for (i = 0; i < n; i++) {
		static const double	pcts[] = { 0, 1, 50, 99.9, 100 };

		h = hist_create();
		hist_record(h, edges[i]);
		for (j = 0; j < 5; j++) {
			if (hist_percentile(h, pcts[j]) != edges[i])
				all_ok = 0;
		}
		if (hist_min(h) != edges[i] || hist_max(h) != edges[i] ||
		    hist_mean(h) != (double)edges[i] || hist_stddev(h) != 0)
			all_ok = 0;
		hist_free(h);
	}
	ok(all_ok, "single edge value: percentiles, min, max, mean exact");

	/* All of them together. */
	memcpy(name, "edges", 6);
	check_values(name, edges, n);
	h = hist_create();
	for (i = 0; i < n; i++)
		hist_record(h, edges[i]);
	ok(hist_max(h) == UINT64_MAX, "UINT64_MAX kept as exact max");
	got = hist_percentile(h, 99);
	hist_bucket_range(HIST_NBUCKETS - 1, &lo, &hi);
	ok(got >= lo && got <= hi,
	    "p99 among clamped values reports the top bucket (%llu)",
	    (unsigned long long)got);
	hist_free(h);

	/* 100 s and beyond: clamped into the top bucket, exact max. */
	h = hist_create();
	hist_record(h, 1000);
	hist_record(h, 100000000000ULL);
	got = hist_percentile(h, 100);
	is_int(got, 100000000000LL, "100 s is the exact p100");
	ok(relerr(hist_percentile(h, 99), 100000000000ULL) <= BOUND,
	    "100 s within bound at p99");
	hist_record(h, 500000000000ULL);
	is_int(h->buckets[HIST_NBUCKETS - 1], 1, "500 s counted in top bucket");
	is_int(hist_max(h), 500000000000LL, "500 s exact max");
	hist_free(h);

	/* Bucket layout: contiguous, covering, narrow enough. */
	all_ok = 1;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		hist_bucket_range(i, &lo, &hi);
		if (i == 0 && lo != 0)
			all_ok = 0;
		if (i > 0) {
			uint64_t	plo, phi;

			hist_bucket_range(i - 1, &plo, &phi);
			if (lo != phi + 1)
				all_ok = 0;
		}
		if (hist_bucket_index(lo) != i || hist_bucket_index(hi) != i)
			all_ok = 0;
		if (hi - lo + 1 > 1 && (hi - lo + 1) * 128 > lo)
			all_ok = 0;
	}
	ok(all_ok, "buckets contiguous, indexed back, width <= lo/128");
	hist_bucket_range(HIST_NBUCKETS - 1, &lo, &hi);
	ok(hi == HIST_TRACKABLE_MAX, "top bucket ends at 2^37 - 1");
	ok(HIST_TRACKABLE_MAX >= 100000000000ULL, "range reaches 100 s");
	ok(hist_bucket_index(UINT64_MAX) == HIST_NBUCKETS - 1 &&
	    hist_bucket_index(HIST_TRACKABLE_MAX + 1) == HIST_NBUCKETS - 1,
	    "huge values map to the top bucket");
	all_ok = 1;
	for (i = 8; i < HIST_TOP_BITS; i++) {
		v = UINT64_C(1) << i;
		hist_bucket_range(hist_bucket_index(v), &lo, &hi);
		if (lo != v || hist_bucket_index(v - 1) + 1 !=
		    hist_bucket_index(v))
			all_ok = 0;
	}
	ok(all_ok, "powers of two start a bucket");
	all_ok = 1;
	for (v = 0; v < 256; v++) {
		if (hist_bucket_index(v) != v)
			all_ok = 0;
	}
	ok(all_ok, "values below 256 are exact");
}

/* Empty histograms, argument edges, reset, record_n, spectrum. */
static void
test_api(void)
{
	struct hist	*h, *g, *e;
	double		 pcts[HIST_SPECTRUM_MAX + 5];
	uint64_t	 vals[HIST_SPECTRUM_MAX + 5];
	size_t		 n, i;
	int		 mono = 1;

	hist_free(NULL);
	h = hist_create();
	ok(hist_count(h) == 0 && hist_min(h) == 0 && hist_max(h) == 0,
	    "empty: count, min, max are 0");
	ok(hist_mean(h) == 0 && hist_stddev(h) == 0, "empty: mean, stddev 0");
	ok(hist_percentile(h, 0) == 0 && hist_percentile(h, 50) == 0 &&
	    hist_percentile(h, 100) == 0, "empty: percentiles 0");

	hist_record(h, 10);
	hist_record(h, 20);
	hist_record(h, 30);
	is_int(hist_percentile(h, -5), 10, "pct < 0 is min");
	is_int(hist_percentile(h, 500), 30, "pct > 100 is max");
	is_int(hist_percentile(h, NAN), 10, "pct NaN is min");
	is_int(hist_percentile(h, 33.3), 10, "nearest rank: p33.3 of 3");
	is_int(hist_percentile(h, 33.4), 20, "nearest rank: p33.4 of 3");
	is_int(hist_percentile(h, 66.7), 30, "nearest rank: p66.7 of 3");
	ok(hist_mean(h) == 20, "mean of 10, 20, 30");
	ok(reldiff(hist_stddev(h), sqrt(200.0 / 3)) < 1e-15,
	    "stddev of 10, 20, 30");

	e = hist_create();
	hist_reset(h);
	ok(same(h, e), "reset equals a new histogram");

	g = hist_create();
	for (i = 0; i < 1000; i++)
		hist_record(h, 123456789);
	hist_record_n(g, 123456789, 1000);
	hist_record_n(g, 5, 0);
	ok(same(h, g), "record_n(v, 1000) equals 1000 x record(v)");
	hist_reset(h);
	hist_reset(g);
	for (i = 0; i < 3; i++)
		hist_record(h, UINT64_MAX);
	hist_record_n(g, UINT64_MAX, 3);
	ok(same(h, g), "record_n equals record for UINT64_MAX");
	ok(hist_mean(g) == (double)UINT64_MAX && hist_stddev(g) == 0,
	    "mean of UINT64_MAX x 3 exact, stddev 0");
	hist_record_n(g, UINT64_MAX, UINT64_C(1) << 40);
	ok(hist_mean(g) == (double)UINT64_MAX && hist_stddev(g) == 0,
	    "2^40 x UINT64_MAX: sums do not overflow");
	hist_reset(g);
	hist_record(g, 0);
	hist_record(g, UINT64_MAX);
	ok(hist_mean(g) == 9223372036854775807.5 &&
	    reldiff(hist_stddev(g), 9223372036854775807.5) < 1e-15,
	    "mean and stddev of {0, UINT64_MAX}");

	hist_reset(h);
	for (i = 0; i < 100000; i++)
		hist_record(h, to_ns(exp(log(2e6) + rng_normal())));
	n = hist_spectrum(h, pcts, vals, HIST_SPECTRUM_MAX + 5);
	is_int(n, HIST_SPECTRUM_MAX, "spectrum: %d points", HIST_SPECTRUM_MAX);
	for (i = 1; i < n; i++) {
		if (pcts[i] <= pcts[i - 1] || vals[i] < vals[i - 1])
			mono = 0;
	}
	ok(mono, "spectrum: percentiles and values increase");
	ok(pcts[0] == 0 && vals[0] == hist_min(h), "spectrum starts at min");
	ok(pcts[1] == 50 && pcts[2] == 75 && pcts[3] == 87.5,
	    "spectrum: 50, 75, 87.5");
	ok(pcts[n - 2] >= 99.9999 && pcts[n - 2] < 100,
	    "spectrum reaches 99.9999 (%.6f)", pcts[n - 2]);
	ok(pcts[n - 1] == 100 && vals[n - 1] == hist_max(h),
	    "spectrum ends at 100 = max");
	for (i = 0; i < n; i++)
		diag("spectrum p%-10.6f %12llu ns", pcts[i],
		    (unsigned long long)vals[i]);
	n = hist_spectrum(h, pcts, vals, 4);
	ok(n == 4 && pcts[3] == 100 && pcts[2] == 75,
	    "short spectrum still ends at 100");
	hist_free(h);
	hist_free(g);
	hist_free(e);
}

/* Merge laws. */
static void
test_merge(void)
{
	struct hist	*a, *b, *c, *all, *ab_c, *a_bc, *bc, *e, *copy;
	uint64_t	 v;
	size_t		 i;

	a = hist_create();
	b = hist_create();
	c = hist_create();
	all = hist_create();
	for (i = 0; i < 50000; i++) {
		v = to_ns(-5e6 * log(rng_unit()));
		hist_record(a, v);
		hist_record(all, v);
		v = rng() >> (rng() % 64);
		hist_record(b, v);
		hist_record(all, v);
		v = to_ns(exp(log(2e6) + rng_normal()));
		hist_record(c, v);
		hist_record(all, v);
	}

	ab_c = hist_create();
	hist_merge(ab_c, a);
	hist_merge(ab_c, b);
	hist_merge(ab_c, c);
	ok(same(ab_c, all), "A+B+C equals recording all into one");

	a_bc = hist_create();
	bc = hist_create();
	hist_merge(bc, b);
	hist_merge(bc, c);
	hist_merge(a_bc, a);
	hist_merge(a_bc, bc);
	ok(same(ab_c, a_bc), "(A+B)+C equals A+(B+C)");

	e = hist_create();
	copy = hist_create();
	memcpy(copy, a, sizeof *a);
	hist_merge(a, e);
	ok(same(a, copy), "merging an empty histogram is a no-op");
	hist_merge(e, a);
	ok(same(e, a), "merging into an empty histogram copies");
	hist_reset(e);
	hist_merge(e, e);
	ok(hist_count(e) == 0 && hist_min(e) == 0,
	    "empty merged with itself stays empty");

	hist_free(a);
	hist_free(b);
	hist_free(c);
	hist_free(all);
	hist_free(ab_c);
	hist_free(a_bc);
	hist_free(bc);
	hist_free(e);
	hist_free(copy);
}

/* Append a varint; the test forges blobs with it. */
static size_t
put_varint(unsigned char *p, size_t off, uint64_t v)
{
	do {
		p[off++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v != 0);
	return (off);
}

/* Decode and expect failure with a cause; free it. */
static int
rejects(const void *buf, size_t len)
{
	struct hist	*h;
	char		*cause = NULL;

	h = hist_decode(buf, len, &cause);
	if (h != NULL) {
		hist_free(h);
		free(cause);
		return (0);
	}
	if (cause == NULL || *cause == '\0')
		return (0);
	free(cause);
	return (1);
}

/* Rejects with a cause containing what. */
static int
rejects_with(const void *buf, size_t len, const char *what)
{
	struct hist	*h;
	char		*cause = NULL;
	int		 r;

	h = hist_decode(buf, len, &cause);
	if (h != NULL) {
		hist_free(h);
		return (0);
	}
	r = cause != NULL && strstr(cause, what) != NULL;
	if (!r)
		diag("  cause: %s", cause ? cause : "(null)");
	free(cause);
	return (r);
}

/*
 * A blob that decodes must be canonical: re-encoding gives the same bytes,
 * and the result is usable. Returns 1 if decoded, 0 if rejected, -1 if an
 * accepted blob does not round-trip.
 */
static int
try_decode(const unsigned char *buf, size_t len)
{
	struct hist	*h;
	unsigned char	*again;
	size_t		 n;
	char		*cause = NULL;
	int		 r = 1;

	h = hist_decode(buf, len, &cause);
	if (h == NULL) {
		if (cause == NULL)
			return (-1);
		free(cause);
		return (0);
	}
	n = hist_encode(h, &again);
	if (n != len || memcmp(again, buf, len) != 0)
		r = -1;
	(void)hist_percentile(h, 99.9);
	(void)hist_stddev(h);
	if (hist_percentile(h, 50) < hist_min(h) ||
	    hist_percentile(h, 50) > hist_max(h))
		r = -1;
	free(again);
	hist_free(h);
	return (r);
}

/* Blob codec: round trips, sizes, and hostile input. */
static void
test_codec(void)
{
	struct hist	*h, *d;
	unsigned char	*blob, buf[256], *mut;
	uint64_t	*v;
	size_t		 len, i, j, k, n, accepted = 0;
	char		*cause;
	int		 all_ok, r;

	/* Round trips. */
	h = hist_create();
	len = hist_encode(h, &blob);
	d = hist_decode(blob, len, NULL);
	ok(d != NULL && same(h, d), "empty histogram round-trips (%zu bytes)",
	    len);
	hist_free(d);
	free(blob);

	all_ok = 1;
	v = xreallocarray(NULL, 20000, sizeof *v);
	for (k = 0; k < 200; k++) {
		hist_reset(h);
		n = rng() % 20000;
		gen((int)(rng() % 7), v, n);
		for (i = 0; i < n; i++) {
			if (rng() % 16 == 0)
				hist_record_n(h, v[i],
				    rng() >> (24 + rng() % 40));
			else
				hist_record(h, v[i]);
		}
		len = hist_encode(h, &blob);
		cause = NULL;
		d = hist_decode(blob, len, &cause);
		if (d == NULL || !same(h, d)) {
			all_ok = 0;
			diag("  round trip %zu failed: %s", k,
			    cause ? cause : "differs");
		}
		free(cause);
		hist_free(d);
		free(blob);
	}
	ok(all_ok, "200 random histograms round-trip");

	/* Sizes. */
	hist_reset(h);
	for (i = 0; i < 1000; i++)
		hist_record(h, to_ns(exp(log(2e6) + 0.1 * rng_normal())));
	len = hist_encode(h, &blob);
	ok(len < 512, "1000 samples over a narrow range: %zu bytes", len);
	diag("blob: 1000 lognormal(2 ms, sigma 0.1) samples: %zu bytes", len);
	free(blob);

	hist_reset(h);
	for (i = 0; i < 1000000; i++)
		hist_record(h, to_ns(exp(log(2e6) + rng_normal())));
	len = hist_encode(h, &blob);
	diag("blob: 1e6 lognormal(2 ms, sigma 1) samples: %zu bytes", len);
	ok(len < 8192, "1e6 samples, wide lognormal: %zu bytes", len);

	/* Every strict prefix of a valid blob fails cleanly. */
	all_ok = 1;
	for (i = 0; i < len; i++) {
		/* A separate buffer, so ASan sees overreads. */
		mut = xmalloc(i + 1);
		memcpy(mut, blob, i);
		if (!rejects(mut, i))
			all_ok = 0;
		free(mut);
	}
	ok(all_ok, "all %zu strict prefixes rejected", len);

	/* Trailing garbage. */
	mut = xmalloc(len + 1);
	memcpy(mut, blob, len);
	mut[len] = 0;
	ok(rejects_with(mut, len + 1, "trailing"), "trailing byte rejected");
	free(mut);

	/* Single-byte mutations: rejected or canonical and sane. */
	all_ok = 1;
	for (k = 0; k < 20000; k++) {
		mut = xmalloc(len);
		memcpy(mut, blob, len);
		j = rng() % len;
		if (k & 1)
			mut[j] ^= 1 << (rng() % 8);
		else
			mut[j] = (unsigned char)rng();
		r = try_decode(mut, len);
		if (r < 0)
			all_ok = 0;
		accepted += r > 0;
		free(mut);
	}
	ok(all_ok, "20000 mutated blobs: rejected or canonical (%zu taken)",
	    accepted);
	free(blob);

	/* Mutations of small blobs (1-4 samples) reach the sanity checks. */
	all_ok = 1;
	accepted = 0;
	for (k = 0; k < 50000; k++) {
		hist_reset(h);
		n = 1 + rng() % 4;
		for (i = 0; i < n; i++)
			hist_record(h, rng() % 4096);
		len = hist_encode(h, &blob);
		for (i = rng() % 3; i < 3; i++) {
			j = rng() % len;
			if (rng() & 1)
				blob[j] ^= 1 << (rng() % 8);
			else
				blob[j] = (unsigned char)(rng() % 8);
		}
		r = try_decode(blob, len);
		if (r < 0)
			all_ok = 0;
		accepted += r > 0;
		free(blob);
	}
	ok(all_ok, "50000 mutated small blobs: rejected or canonical "
	    "(%zu taken)", accepted);

	/* Random bytes, with and without a valid version byte. */
	all_ok = 1;
	accepted = 0;
	for (k = 0; k < 200000; k++) {
		n = rng() % 48;
		mut = xmalloc(n + 1);
		for (i = 0; i < n; i++) {
			/* Mostly small bytes, so some blobs get deep. */
			mut[i] = (unsigned char)(rng() % 4 == 0 ? rng() :
			    rng() % 4);
		}
		if (n > 0 && (k & 1))
			mut[0] = 1;
		r = try_decode(mut, n);
		if (r < 0)
			all_ok = 0;
		accepted += r > 0;
		free(mut);
	}
	ok(all_ok, "200000 random blobs: rejected or canonical (%zu taken)",
	    accepted);

	/* Hand-made bad blobs. */
	ok(rejects_with("", 0, "empty"), "empty blob rejected");
	ok(rejects_with("\x02", 1, "version"), "unknown version rejected");
	memset(buf, 0xff, sizeof buf);
	buf[0] = 1;
	buf[10] = 0x7f;
	ok(rejects_with(buf, 11, "overflows"), "count varint > 2^64 rejected");
	buf[10] = 0x02;
	ok(rejects_with(buf, 11, "overflows"), "10th varint byte 2 rejected");
	ok(rejects_with(buf, sizeof buf, "overflows"),
	    "endless varint rejected");
	buf[10] = 0x01;		/* count = UINT64_MAX, valid varint */
	ok(rejects_with(buf, 11, "truncated"), "count UINT64_MAX, then EOF");
	buf[1] = 0x80;
	buf[2] = 0x00;
	ok(rejects_with(buf, 3, "padded"), "non-minimal varint rejected");

	/* count 2, min 5, max 7, sum 12, sumsq 74, then buckets. */
#define HEADER(cnt, mn, mx, s, sq, np) do {				\
	len = 0;							\
	buf[len++] = 1;							\
	len = put_varint(buf, len, cnt);				\
	len = put_varint(buf, len, mn);					\
	len = put_varint(buf, len, mx);					\
	len = put_varint(buf, len, s);					\
	len = put_varint(buf, len, 0);					\
	len = put_varint(buf, len, sq);					\
	len = put_varint(buf, len, 0);					\
	len = put_varint(buf, len, 0);					\
	len = put_varint(buf, len, np);					\
} while (0)
	HEADER(2, 5, 7, 12, 74, 2);
	len = put_varint(buf, len, 5);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	ok(try_decode(buf, len) == 1, "forged valid blob accepted");
	HEADER(3, 5, 7, 12, 74, 2);
	len = put_varint(buf, len, 5);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	ok(rejects_with(buf, len, "add up"), "count != sum of buckets");
	HEADER(2, 7, 5, 12, 74, 2);
	len = put_varint(buf, len, 5);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	ok(rejects_with(buf, len, "min above max"), "min > max rejected");
	HEADER(2, 5, 7, 12, 74, 2);
	len = put_varint(buf, len, 4);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 2);
	len = put_varint(buf, len, 1);
	ok(rejects_with(buf, len, "outside"), "min in the wrong bucket");
	HEADER(2, 5, 7, 30, 74, 2);
	len = put_varint(buf, len, 5);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	ok(rejects_with(buf, len, "sum out of range"), "sum > count * max");
	HEADER(2, 5, 7, 12, 49, 2);
	len = put_varint(buf, len, 5);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 1);
	ok(rejects_with(buf, len, "squares"), "sumsq too small");
	HEADER(2, 5, 7, 12, 74, 1);
	len = put_varint(buf, len, HIST_NBUCKETS);
	len = put_varint(buf, len, 2);
	ok(rejects_with(buf, len, "out of range"), "bucket index past end");
	HEADER(2, 5, 7, 12, 74, 1);
	len = put_varint(buf, len, UINT64_MAX);
	len = put_varint(buf, len, 2);
	ok(rejects_with(buf, len, "out of range"), "bucket skip UINT64_MAX");
	HEADER(2, 5, 7, 12, 74, HIST_NBUCKETS + 1);
	ok(rejects_with(buf, len, "too many"), "too many buckets");
	HEADER(2, 5, 7, 12, 74, 3);
	len = put_varint(buf, len, 5);
	len = put_varint(buf, len, 1);
	len = put_varint(buf, len, 0);
	len = put_varint(buf, len, 0);
	len = put_varint(buf, len, 0);
	len = put_varint(buf, len, 1);
	ok(rejects_with(buf, len, "empty bucket"), "zero count in list");
	HEADER(UINT64_MAX, 5, 7, 12, 74, 2);
	len = put_varint(buf, len, 5);
	len = put_varint(buf, len, UINT64_MAX);
	len = put_varint(buf, len, 0);
	len = put_varint(buf, len, 1);
	ok(rejects_with(buf, len, "overflow"), "bucket counts overflow");
	HEADER(0, 5, 0, 0, 0, 0);
	ok(rejects_with(buf, len, "empty but"), "empty with a min");
	HEADER(0, 0, 0, 0, 0, 0);
	d = hist_decode(buf, len, NULL);
	ok(d != NULL && hist_min(d) == 0 && d->min == UINT64_MAX,
	    "forged empty blob accepted");
	hist_free(d);
#undef HEADER

	free(v);
	hist_free(h);
}

/* Diagnostics only: struct size and record cost. Never asserted. */
static void
bench(void)
{
	struct hist	*h = hist_create();
	uint64_t	 vals[4096], i, n = 100000000;
	struct timespec	 t0, t1;
	double		 ns;

	for (i = 0; i < 4096; i++)
		vals[i] = to_ns(exp(log(2e6) + rng_normal()));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		hist_record(h, vals[i & 4095]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	diag("sizeof(struct hist) = %zu bytes, %d buckets", sizeof *h,
	    HIST_NBUCKETS);
	diag("hist_record: %.2f ns per record over %llu records (p50 %llu)",
	    ns / n, (unsigned long long)n,
	    (unsigned long long)hist_percentile(h, 50));
	hist_free(h);
}

int
main(void)
{
	test_edges();
	test_api();
	test_distributions();
	test_merge();
	test_codec();
	bench();
	return (tap_done());
}
