/* SPDX-License-Identifier: MIT */
/*
 * hist.h -- log-linear latency histogram (see hist.c for the bucket layout and
 * the error bound). The struct is public so that workers can embed it or hold
 * arrays of it; touch its fields only through the hist_* functions.
 */
#ifndef HIST_H
#define HIST_H

#include <stddef.h>
#include <stdint.h>

/* 128 linear sub-buckets per octave; values below 2^37 ns (137 s) kept. */
#define HIST_SUB_BITS		7
#define HIST_SUB_COUNT		(1U << HIST_SUB_BITS)
#define HIST_TOP_BITS		37
#define HIST_TRACKABLE_MAX	((UINT64_C(1) << HIST_TOP_BITS) - 1)
#define HIST_NBUCKETS \
	((HIST_TOP_BITS - HIST_SUB_BITS + 1) * HIST_SUB_COUNT)
#define HIST_SPECTRUM_MAX	22	/* points hist_spectrum() can fill */

/*
 * Exact count, min, max, sum and sum of squares, plus the buckets. The sums
 * are wide integers stored as little-endian 64-bit words: sum is 128 bits and
 * sumsq 192 bits, so neither can overflow for any uint64_t input.
 */
struct hist {
	uint64_t	count;
	uint64_t	min;		/* UINT64_MAX while empty */
	uint64_t	max;
	uint64_t	sum[2];
	uint64_t	sumsq[3];
	uint64_t	buckets[HIST_NBUCKETS];
};

struct hist	*hist_create(void);
void		 hist_free(struct hist *);
void		 hist_reset(struct hist *);
void		 hist_record(struct hist *, uint64_t);
void		 hist_record_n(struct hist *, uint64_t, uint64_t);
void		 hist_merge(struct hist *, const struct hist *);
uint64_t	 hist_count(const struct hist *);
uint64_t	 hist_min(const struct hist *);
uint64_t	 hist_max(const struct hist *);
double		 hist_mean(const struct hist *);
double		 hist_stddev(const struct hist *);
uint64_t	 hist_percentile(const struct hist *, double);
size_t		 hist_spectrum(const struct hist *, double *, uint64_t *,
		     size_t);
size_t		 hist_encode(const struct hist *, unsigned char **);
struct hist	*hist_decode(const void *, size_t, char **);
int		 hist_decode_into(struct hist *, const void *, size_t,
		     char **);
void		 hist_unmerge(struct hist *, const struct hist *);
size_t		 hist_bucket_index(uint64_t);
void		 hist_bucket_range(size_t, uint64_t *, uint64_t *);

#endif
