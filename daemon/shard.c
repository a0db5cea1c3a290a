/* SPDX-License-Identifier: MIT */
/*
 * shard.c -- how one run splits across N shards (SPEC 16), exactly: shard
 * I of N takes round(v(I+1)/N) - round(vI/N) of every integer quantity v
 * (VUs, iterations, stage targets, levels, max_vus), so the parts add up
 * to v and differ by at most one; its part is the global indexes
 * [round(vI/N), round(v(I+1)/N)), which keeps {{vu}} and dataset rows
 * unique across shards; and the open model's arrivals are striped: shard I
 * starts global arrival k iff k mod N = I, at that arrival's global time.
 * Pure arithmetic: the engine asks these, once, when a run is planned.
 */
#include "config.h"

#include <stdint.h>

#include "loadd.h"

/* round(v * i / n), halves up, exact for any v a scenario can hold. */
int64_t
shard_first(int64_t v, int i, int n)
{
	__int128	num = (__int128)v * i * 2 + n;

	return ((int64_t)(num / ((__int128)n * 2)));
}

/* Shard i of n's part of v. */
int64_t
shard_part(int64_t v, int i, int n)
{
	return (shard_first(v, i + 1, n) - shard_first(v, i, n));
}

/* Does shard i of n start the global arrival k (0-based)? */
int
shard_takes(uint64_t k, int i, int n)
{
	return (k % (uint64_t)n == (uint64_t)i);
}

/*
 * Where a worker's stripe of the run's global sequence starts, and its
 * step: worker w of T on shard i of n takes the global indexes n*w + i,
 * n*w + i + n*T, ... (arrivals, {{seq}}, sequential and unique rows). With
 * one shard, worker w takes w, w + T, ... as it always did; the stripes of
 * all workers of all shards tile the sequence as T*n workers would.
 */
uint64_t
shard_slot(int i, int n, int w)
{
	return ((uint64_t)n * (uint64_t)w + (uint64_t)i);
}

uint64_t
shard_stride(int n, int nworkers)
{
	return ((uint64_t)n * (uint64_t)nworkers);
}

/*
 * {{vu}} of the shard's local VU j (1-based): the shard's range of the
 * peak, [shard_first(peak), +part), so constant VUs number 1..VUs across
 * the shards as on one machine; a ramp whose part at some moment exceeds
 * the part of its peak (round() is not monotonic) numbers the extra VUs
 * above the peak, striped by shard, so they stay unique.
 */
uint64_t
shard_vu_num(uint64_t j, int64_t peak, int i, int n)
{
	int64_t	part = shard_part(peak, i, n);

	if (n <= 1)
		return (j);
	if ((int64_t)j <= part)
		return ((uint64_t)shard_first(peak, i, n) + j);
	return ((uint64_t)peak + (j - (uint64_t)part - 1) * (uint64_t)n +
	    (uint64_t)i + 1);
}

/*
 * Shard i of n's part of a shared iteration count over v VUs: in
 * proportion to its VUs, as a machine shares it among its workers, so a
 * shard without VUs owes none and the parts add up to the count.
 */
int64_t
shard_iterations(int64_t it, int64_t v, int i, int n)
{
	__int128	lo, hi;

	if (v <= 0)
		return (i == 0 ? it : 0);
	lo = (__int128)it * shard_first(v, i, n) / v;
	hi = (__int128)it * shard_first(v, i + 1, n) / v;
	return ((int64_t)(hi - lo));
}
