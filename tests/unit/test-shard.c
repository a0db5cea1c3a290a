/* SPDX-License-Identifier: MIT */
/*
 * test-shard.c -- the exact split of a run across shards (shard.c): for
 * N = 1..7 and awkward quantities (3 VUs over 4 shards, 1 over 3, 0, large
 * ones) the parts add up, never differ by more than one, and their index
 * ranges tile the single-machine range with no gap and no overlap; striped
 * arrivals give every global arrival to exactly one shard, in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "loadd.h"
#include "tap.h"

int
main(void)
{
	static const int64_t	vals[] = { 0, 1, 2, 3, 4, 5, 7, 10, 13, 50,
	    99, 100, 101, 1000, 12345, 1000000007LL, 4000000000000LL };
	size_t			k;
	int64_t			v, sum, lo, hi, p, next;
	uint64_t		a;
	int			n, i, bad, owners;

	log_init(LOG_CRIT, 0);
	for (n = 1; n <= 7; n++) {
		bad = 0;
		for (k = 0; k < sizeof vals / sizeof vals[0]; k++) {
			v = vals[k];
			sum = 0;
			lo = INT64_MAX;
			hi = INT64_MIN;
			next = 0;
			for (i = 0; i < n; i++) {
				p = shard_part(v, i, n);
				if (p < 0 || shard_first(v, i, n) != next)
					bad++;	/* a gap or an overlap */
				next = shard_first(v, i, n) + p;
				sum += p;
				lo = p < lo ? p : lo;
				hi = p > hi ? p : hi;
			}
			if (sum != v || next != v || hi - lo > 1)
				bad++;
		}
		ok(bad == 0, "N = %d: parts add up, differ by at most one, "
		    "and tile 0..v", n);
		bad = 0;
		for (a = 0; a < 1000; a++) {
			owners = 0;
			for (i = 0; i < n; i++)
				owners += shard_takes(a, i, n);
			if (owners != 1)
				bad++;
		}
		ok(bad == 0, "N = %d: each of 1000 arrivals goes to one shard",
		    n);
	}
	/* The awkward cases, spelt out. */
	ok(shard_part(3, 0, 4) == 1 && shard_part(3, 1, 4) == 1 &&
	    shard_part(3, 2, 4) == 0 && shard_part(3, 3, 4) == 1,
	    "3 VUs over 4 shards: 1, 1, 0, 1");
	ok(shard_part(1, 0, 3) + shard_part(1, 1, 3) + shard_part(1, 2, 3) == 1,
	    "1 over 3 shards: exactly one takes it");
	ok(shard_takes(0, 0, 3) && shard_takes(1, 1, 3) && shard_takes(2, 2, 3)
	    && shard_takes(3, 0, 3), "rate 1/s over 3: arrival k goes to k "
	    "mod 3, at its global time");
	return (tap_done());
}
