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
