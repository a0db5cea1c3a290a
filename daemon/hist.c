/* SPDX-License-Identifier: MIT */
/*
 * hist.c -- log-linear latency histogram of nanosecond values, in the manner
 * of HdrHistogram. A worker records into its own histograms on the request
 * path (hist_record: O(1), no locks, no allocation); the stats timer merges
 * them each second; the store encodes them into compact blobs for SQLite.
 * Nothing here is thread-safe: one histogram has one owner at a time.
 *
 * Buckets: values below 256 get one bucket each (exact). Above that, every
 * octave [2^e, 2^(e+1)) is cut into 128 equal sub-buckets, up to 2^37 - 1 ns
 * (137 s); larger values are counted in the top bucket (their min, max, sum
 * and sum of squares stay exact). 3968 buckets of uint64_t: about 31 KiB.
 *
 * Error bound: a bucket [lo, lo + w) has w <= lo / 128, and a percentile is
 * reported as the bucket's midpoint lo + w / 2, clamped into [min, max]. The
 * nearest-rank sample lies in that same bucket (bucket counts are exact) and
 * clamping only moves the answer towards it, so the relative error is at most
 * (w / 2) / lo <= 1/256 = 0.39% for any value up to 2^37 - 1 ns.
 *
 * Mean and standard deviation are exact up to the final rounding: sum is kept
 * in 128 bits and sum of squares in 192 bits, which no uint64_t input can
 * overflow; the variance is computed about the rounded mean with exact modular
 * integer arithmetic (see hist_m2), so there is no catastrophic cancellation.
 */

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"
#include "hist.h"

#define HIST_VERSION	1

/* Map a value to its bucket: branch-free, the heart of the hot path. */
static inline size_t
hist_index(uint64_t v)
{
	unsigned	shift;

	if (v > HIST_TRACKABLE_MAX)
		v = HIST_TRACKABLE_MAX;
	shift = (unsigned)(63 - __builtin_clzll(v | HIST_SUB_COUNT)) -
	    HIST_SUB_BITS;
	return (((size_t)shift << HIST_SUB_BITS) + (size_t)(v >> shift));
}

/* Bucket of a value, exported for the tests and for reports. */
size_t
hist_bucket_index(uint64_t v)
{
	return (hist_index(v));
}

/* Lowest and highest value (inclusive) that land in bucket i. */
void
hist_bucket_range(size_t i, uint64_t *lo, uint64_t *hi)
{
	unsigned	shift;
	uint64_t	sub;

	if (i >= HIST_NBUCKETS)
		i = HIST_NBUCKETS - 1;
	if (i < 2 * HIST_SUB_COUNT) {
		*lo = *hi = i;
		return;
	}
	shift = (unsigned)(i >> HIST_SUB_BITS) - 1;
	sub = (i & (HIST_SUB_COUNT - 1)) + HIST_SUB_COUNT;
	*lo = sub << shift;
	*hi = *lo + (UINT64_C(1) << shift) - 1;
}

/* Load a 128-bit sum from its two words. */
static inline unsigned __int128
hist_get128(const uint64_t w[2])
{
	return (((unsigned __int128)w[1] << 64) | w[0]);
}

/* Store a 128-bit sum into two words. */
static inline void
hist_put128(uint64_t w[2], unsigned __int128 v)
{
	w[0] = (uint64_t)v;
	w[1] = (uint64_t)(v >> 64);
}

/* r += a, modulo 2^192. */
static void
hist_add192(uint64_t r[3], const uint64_t a[3])
{
	unsigned __int128	s;
	uint64_t		c;

	s = (unsigned __int128)r[0] + a[0];
	r[0] = (uint64_t)s;
	c = (uint64_t)(s >> 64);
	s = (unsigned __int128)r[1] + a[1] + c;
	r[1] = (uint64_t)s;
	c = (uint64_t)(s >> 64);
	r[2] += a[2] + c;
}

/* r -= a, modulo 2^192. */
static void
hist_sub192(uint64_t r[3], const uint64_t a[3])
{
	unsigned __int128	d;
	uint64_t		b;

	d = (unsigned __int128)r[0] - a[0];
	r[0] = (uint64_t)d;
	b = (uint64_t)(d >> 64) & 1;
	d = (unsigned __int128)r[1] - a[1] - b;
	r[1] = (uint64_t)d;
	b = (uint64_t)(d >> 64) & 1;
	r[2] -= a[2] + b;
}

/* r *= m, modulo 2^192. */
static void
hist_mul192(uint64_t r[3], uint64_t m)
{
	unsigned __int128	p;
	uint64_t		c;

	p = (unsigned __int128)r[0] * m;
	r[0] = (uint64_t)p;
	c = (uint64_t)(p >> 64);
	p = (unsigned __int128)r[1] * m + c;
	r[1] = (uint64_t)p;
	c = (uint64_t)(p >> 64);
	r[2] = r[2] * m + c;
}

/* Compare two 192-bit numbers: -1, 0 or 1. */
static int
hist_cmp192(const uint64_t a[3], const uint64_t b[3])
{
	int	i;

	for (i = 2; i >= 0; i--) {
		if (a[i] != b[i])
			return (a[i] < b[i] ? -1 : 1);
	}
	return (0);
}

/* A 192-bit number as a long double (rounded). */
static long double
hist_ld192(const uint64_t a[3])
{
	return (ldexpl((long double)a[2], 128) + ldexpl((long double)a[1], 64) +
	    (long double)a[0]);
}

/* Allocate an empty histogram; dies on allocation failure. */
struct hist *
hist_create(void)
{
	struct hist	*h;

	h = xmalloc(sizeof *h);
	hist_reset(h);
	return (h);
}

/* Free a histogram; NULL is allowed. */
void
hist_free(struct hist *h)
{
	free(h);
}

/* Empty a histogram in place, ready for the next interval. */
void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

/* Record one value: runs per request on a worker, so keep it lean. */
void
hist_record(struct hist *h, uint64_t v)
{
	unsigned __int128	sq = (unsigned __int128)v * v, lo, nlo;

	h->buckets[hist_index(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	hist_put128(h->sum, hist_get128(h->sum) + v);

	lo = hist_get128(h->sumsq);
	nlo = lo + sq;
	h->sumsq[2] += (nlo < lo);
	hist_put128(h->sumsq, nlo);
}

/* Record the same value n times (a batch or a coordinated-omission fill). */
void
hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
	unsigned __int128	sq = (unsigned __int128)v * v;
	uint64_t		t[3];

	if (n == 0)
		return;
	h->buckets[hist_index(v)] += n;
	h->count += n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	hist_put128(h->sum, hist_get128(h->sum) + (unsigned __int128)v * n);

	t[0] = (uint64_t)sq;
	t[1] = (uint64_t)(sq >> 64);
	t[2] = 0;
	hist_mul192(t, n);
	hist_add192(h->sumsq, t);
}

/* Add src into dst; src is unchanged. Merging an empty histogram is a no-op. */
void
hist_merge(struct hist *dst, const struct hist *src)
{
	size_t	i;

	if (src->count == 0)
		return;
	for (i = 0; i < HIST_NBUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	hist_put128(dst->sum, hist_get128(dst->sum) + hist_get128(src->sum));
	hist_add192(dst->sumsq, src->sumsq);
}

/*
 * Take src back out of dst, which must hold it (a sliding window: SQL's
 * inverse of hist_merge). Counts and sums are exact; min and max come
 * back exact unless src held them, then to within their bucket. A src
 * that dst does not hold (a forged blob) gives garbage, not a crash.
 */
void
hist_unmerge(struct hist *dst, const struct hist *src)
{
	size_t		i, first = HIST_NBUCKETS, last = 0;
	uint64_t	lo, hi;

	if (src->count == 0)
		return;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		dst->buckets[i] = dst->buckets[i] >= src->buckets[i] ?
		    dst->buckets[i] - src->buckets[i] : 0;
		if (dst->buckets[i] != 0) {
			if (first == HIST_NBUCKETS)
				first = i;
			last = i;
		}
	}
	dst->count = dst->count >= src->count ? dst->count - src->count : 0;
	if (dst->count == 0 || first == HIST_NBUCKETS) {
		hist_reset(dst);
		return;
	}
	hist_put128(dst->sum, hist_get128(dst->sum) - hist_get128(src->sum));
	hist_sub192(dst->sumsq, src->sumsq);
	hist_bucket_range(first, &lo, &hi);
	if (dst->min < lo)
		dst->min = lo;
	hist_bucket_range(last, &lo, &hi);
	if (dst->max > hi)
		dst->max = hi;
}

/* Number of recorded values. */
uint64_t
hist_count(const struct hist *h)
{
	return (h->count);
}

/* Exact smallest value, 0 if empty. */
uint64_t
hist_min(const struct hist *h)
{
	return (h->count == 0 ? 0 : h->min);
}

/* Exact largest value, 0 if empty. */
uint64_t
hist_max(const struct hist *h)
{
	return (h->count == 0 ? 0 : h->max);
}

/* Exact mean (rounded once to double), 0 if empty. */
double
hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return (0);
	return ((double)((long double)hist_get128(h->sum) /
	    (long double)h->count));
}

/*
 * Compute D = sum((v - q)^2) exactly, where q is the mean rounded to the
 * nearest integer, and s = sum - count * q (|s| <= count / 2). D is expanded
 * as sumsq - 2 q sum + count q^2 in arithmetic modulo 2^192; since the true D
 * is an integer in [0, 2^192), the modular result is exact. The second moment
 * about the mean is then M2 = D - s^2 / count, and because |mean - q| <= 1/2
 * is no more than the distance of the mean to any sample, s^2 / count <= M2:
 * the subtraction loses at most one bit. Inconsistent sums (a forged blob)
 * give garbage here but never undefined behaviour.
 */
static void
hist_m2(const struct hist *h, uint64_t d[3], long double *s)
{
	unsigned __int128	sum = hist_get128(h->sum), r;
	uint64_t		n = h->count, q, t[3];

	q = (uint64_t)(sum / n);
	r = sum % n;
	if (r >= n - r) {
		q++;
		*s = -(long double)(uint64_t)(n - r);
	} else
		*s = (long double)(uint64_t)r;

	memcpy(d, h->sumsq, sizeof h->sumsq);
	t[0] = (uint64_t)sum;
	t[1] = (uint64_t)(sum >> 64);
	t[2] = 0;
	hist_mul192(t, q);
	hist_sub192(d, t);
	hist_sub192(d, t);
	t[0] = q;
	t[1] = t[2] = 0;
	hist_mul192(t, q);
	hist_mul192(t, n);
	hist_add192(d, t);
}

/* Population standard deviation, 0 if empty. */
double
hist_stddev(const struct hist *h)
{
	uint64_t	d[3];
	long double	s, m2;

	if (h->count < 2)
		return (0);
	hist_m2(h, d, &s);
	m2 = hist_ld192(d) - s * s / (long double)h->count;
	if (m2 <= 0)
		return (0);
	return ((double)sqrtl(m2 / (long double)h->count));
}

/*
 * Nearest rank of percentile pct among n samples: ceil(pct / 100 * n), at
 * least 1. A relative slack of 1e-15 absorbs the binary representation of
 * decimal percentiles (50.1 is stored as 50.100000000000001): without it,
 * 50.1% of 1000 would give rank 502.
 */
static uint64_t
hist_rank(uint64_t n, double pct)
{
	long double	r;

	r = (long double)pct * (long double)n / 100.0L;
	r -= r * 1e-15L;
	if (r >= (long double)n)
		return (n);
	r = ceill(r);
	if (r < 1)
		return (1);
	return ((uint64_t)r);
}

/*
 * The smallest value v such that at least pct% of the samples are <= v
 * (nearest rank), as the midpoint of its bucket clamped into [min, max].
 * 0 gives the exact min, 100 the exact max, an empty histogram 0.
 */
uint64_t
hist_percentile(const struct hist *h, double pct)
{
	uint64_t	rank, cum = 0, lo, hi, v;
	size_t		i;

	if (h->count == 0)
		return (0);
	if (!(pct > 0))		/* also NaN */
		return (h->min);
	if (pct >= 100)
		return (h->max);
	rank = hist_rank(h->count, pct);

	for (i = hist_index(h->min); i < HIST_NBUCKETS - 1; i++) {
		cum += h->buckets[i];
		if (cum >= rank)
			break;
	}
	hist_bucket_range(i, &lo, &hi);
	v = lo + (hi - lo + 1) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return (v);
}

/*
 * Fill up to n points of the percentile spectrum 0, 50, 75, 87.5, ...,
 * 100 (1 - 2^-k) for k up to 20 (99.99990%), then 100. The last point written
 * is always 100. Returns the number of points, at most HIST_SPECTRUM_MAX.
 */
size_t
hist_spectrum(const struct hist *h, double *pcts, uint64_t *values, size_t n)
{
	size_t	i;

	if (n > HIST_SPECTRUM_MAX)
		n = HIST_SPECTRUM_MAX;
	for (i = 0; i < n; i++) {
		if (i == n - 1)
			pcts[i] = 100;
		else
			pcts[i] = 100 * (1 - ldexp(1, -(int)i));
		values[i] = hist_percentile(h, pcts[i]);
	}
	return (n);
}

/* Append an unsigned LEB128 varint at p + off (if p); return the new offset. */
static size_t
hist_put_varint(unsigned char *p, size_t off, uint64_t v)
{
	do {
		if (p != NULL)
			p[off] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		off++;
		v >>= 7;
	} while (v != 0);
	return (off);
}

/*
 * Write the blob into p, or only measure it if p is NULL. Layout, all varints
 * after the version byte: count, min (0 if empty), max, sum (2 words),
 * sumsq (3 words), the number of non-empty buckets, then for each of them the
 * number of empty buckets skipped since the previous one and its count.
 */
static size_t
hist_serialize(const struct hist *h, unsigned char *p)
{
	size_t		off = 0, i, last = 0, npairs = 0;

	for (i = 0; i < HIST_NBUCKETS; i++) {
		if (h->buckets[i] != 0)
			npairs++;
	}
	if (p != NULL)
		p[off] = HIST_VERSION;
	off++;
	off = hist_put_varint(p, off, h->count);
	off = hist_put_varint(p, off, h->count == 0 ? 0 : h->min);
	off = hist_put_varint(p, off, h->max);
	off = hist_put_varint(p, off, h->sum[0]);
	off = hist_put_varint(p, off, h->sum[1]);
	off = hist_put_varint(p, off, h->sumsq[0]);
	off = hist_put_varint(p, off, h->sumsq[1]);
	off = hist_put_varint(p, off, h->sumsq[2]);
	off = hist_put_varint(p, off, npairs);
	for (i = 0; i < HIST_NBUCKETS; i++) {
		if (h->buckets[i] == 0)
			continue;
		off = hist_put_varint(p, off, i - last);
		off = hist_put_varint(p, off, h->buckets[i]);
		last = i + 1;
	}
	return (off);
}

/* Encode into a new buffer (*out, caller frees); returns its length. */
size_t
hist_encode(const struct hist *h, unsigned char **out)
{
	size_t	len;

	len = hist_serialize(h, NULL);
	*out = xmalloc(len);
	hist_serialize(h, *out);
	return (len);
}

/* Set *cause (if cause is not NULL) and return -1. */
static int __attribute__((format(printf, 2, 3)))
hist_fail(char **cause, const char *fmt, ...)
{
	va_list	ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		xvasprintf(cause, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* Read one canonical varint; fails on truncation, overflow or padding. */
static int
hist_get_varint(const unsigned char *p, size_t len, size_t *off,
    uint64_t *v, const char *what, char **cause)
{
	uint64_t	x = 0;
	unsigned	i;
	unsigned char	b;

	for (i = 0;; i++) {
		if (*off >= len)
			return (hist_fail(cause, "truncated %s", what));
		b = p[(*off)++];
		if (i == 9 && b > 1)
			return (hist_fail(cause, "%s overflows", what));
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			if (i > 0 && b == 0)
				return (hist_fail(cause, "padded %s", what));
			break;
		}
	}
	*v = x;
	return (0);
}

/*
 * Check what a forged or corrupted blob could get wrong and that hist_*
 * relies on: bucket counts add up to count, min and max sit in the first and
 * last non-empty buckets, and the sums are possible for such samples.
 */
static int
hist_check(const struct hist *h, char **cause)
{
	unsigned __int128	sum = hist_get128(h->sum);
	uint64_t		t[3], d[3], w;
	size_t			first, last;
	long double		s;

	if (h->count == 0) {
		if (h->max != 0 || sum != 0 || h->sumsq[0] != 0 ||
		    h->sumsq[1] != 0 || h->sumsq[2] != 0)
			return (hist_fail(cause, "empty but has values"));
		return (0);
	}
	if (h->min > h->max)
		return (hist_fail(cause, "min above max"));
	if (h->count == 1 && h->min != h->max)
		return (hist_fail(cause, "one value but min != max"));
	for (first = 0; h->buckets[first] == 0; first++)
		/* nothing */;
	for (last = HIST_NBUCKETS - 1; h->buckets[last] == 0; last--)
		/* nothing */;
	if (hist_index(h->min) != first || hist_index(h->max) != last)
		return (hist_fail(cause, "min or max outside its buckets"));

	if (sum < (unsigned __int128)h->count * h->min ||
	    sum > (unsigned __int128)h->count * h->max)
		return (hist_fail(cause, "sum out of range"));
	t[0] = (uint64_t)sum;
	t[1] = (uint64_t)(sum >> 64);
	t[2] = 0;
	hist_mul192(t, h->min);
	if (hist_cmp192(h->sumsq, t) < 0)
		return (hist_fail(cause, "sum of squares too small"));
	t[0] = (uint64_t)sum;
	t[1] = (uint64_t)(sum >> 64);
	t[2] = 0;
	hist_mul192(t, h->max);
	if (hist_cmp192(h->sumsq, t) > 0)
		return (hist_fail(cause, "sum of squares too large"));

	/* Every sample is within max - min of the rounded mean. */
	hist_m2(h, d, &s);
	w = h->max - h->min;
	t[0] = w;
	t[1] = t[2] = 0;
	hist_mul192(t, w);
	hist_mul192(t, h->count);
	if (hist_cmp192(d, t) > 0)
		return (hist_fail(cause, "sum of squares inconsistent"));
	return (0);
}

/*
 * Decode a blob from hist_encode. Any byte string is safe: reads stay within
 * len and the only allocation is one fixed-size struct. On malformed input,
 * returns NULL and sets *cause (caller frees).
 */
int
hist_decode_into(struct hist *h, const void *buf, size_t len, char **cause)
{
	const unsigned char	*p = buf;
	size_t			 off = 0, idx = 0;
	uint64_t		 npairs, k, skip, n, total = 0;

	if (len == 0)
		return (hist_fail(cause, "empty histogram blob"));
	if (p[0] != HIST_VERSION)
		return (hist_fail(cause, "unknown histogram version %u", p[0]));
	off = 1;

	memset(h, 0, sizeof *h);
	if (hist_get_varint(p, len, &off, &h->count, "count", cause) != 0 ||
	    hist_get_varint(p, len, &off, &h->min, "min", cause) != 0 ||
	    hist_get_varint(p, len, &off, &h->max, "max", cause) != 0 ||
	    hist_get_varint(p, len, &off, &h->sum[0], "sum", cause) != 0 ||
	    hist_get_varint(p, len, &off, &h->sum[1], "sum", cause) != 0 ||
	    hist_get_varint(p, len, &off, &h->sumsq[0], "sumsq", cause) != 0 ||
	    hist_get_varint(p, len, &off, &h->sumsq[1], "sumsq", cause) != 0 ||
	    hist_get_varint(p, len, &off, &h->sumsq[2], "sumsq", cause) != 0 ||
	    hist_get_varint(p, len, &off, &npairs, "bucket count", cause) != 0)
		goto fail;
	if (npairs > HIST_NBUCKETS) {
		hist_fail(cause, "too many buckets");
		goto fail;
	}
	for (k = 0; k < npairs; k++) {
		if (hist_get_varint(p, len, &off, &skip, "bucket",
		    cause) != 0 ||
		    hist_get_varint(p, len, &off, &n, "bucket", cause) != 0)
			goto fail;
		if (skip >= HIST_NBUCKETS - idx) {
			hist_fail(cause, "bucket out of range");
			goto fail;
		}
		if (n == 0) {
			hist_fail(cause, "empty bucket in list");
			goto fail;
		}
		if (n > UINT64_MAX - total) {
			hist_fail(cause, "bucket counts overflow");
			goto fail;
		}
		idx += skip;
		h->buckets[idx++] = n;
		total += n;
	}
	if (off != len) {
		hist_fail(cause, "trailing bytes after histogram");
		goto fail;
	}
	if (total != h->count) {
		hist_fail(cause, "bucket counts do not add up to count");
		goto fail;
	}
	if (h->count == 0) {
		if (h->min != 0) {
			hist_fail(cause, "empty but has a min");
			goto fail;
		}
		h->min = UINT64_MAX;
	}
	if (hist_check(h, cause) != 0)
		goto fail;
	return (0);

fail:
	return (-1);
}

/* The same into a new histogram; NULL with *cause on malformed input. */
struct hist *
hist_decode(const void *buf, size_t len, char **cause)
{
	struct hist	*h = xmalloc(sizeof *h);

	if (hist_decode_into(h, buf, len, cause) != 0) {
		free(h);
		return (NULL);
	}
	return (h);
}
