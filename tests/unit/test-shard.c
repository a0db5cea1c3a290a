/* SPDX-License-Identifier: MIT */
/*
 * test-shard.c -- the exact split of a run across shards (shard.c): for
 * N = 1..7 and awkward quantities (3 VUs over 4 shards, 1 over 3, 0, large
 * ones) the parts add up, never differ by more than one, and their index
 * ranges tile the single-machine range with no gap and no overlap; striped
 * arrivals give every global arrival to exactly one shard, in order. Then
 * the engine's own numbering (shard_slot, shard_stride, shard_vu_num,
 * shard_iterations, with the workers' split of worker.c) over N shards of
 * T workers: the union of the shards is the single-machine plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"
#include "tap.h"

/* worker.c's split of a shard's part over its T workers. */
static int64_t
share(int64_t part, int w, int t)
{
	return (part / t + (w < part % t ? 1 : 0));
}

/* worker.c's worker_quota, for worker w of t on shard i of n. */
static int64_t
quota(int64_t it, int64_t v, int i, int n, int w, int t)
{
	int64_t	sv = shard_part(v, i, n), sit, below, upto;

	sit = shard_iterations(it, v, i, n);
	if (sv <= 0)
		return (0);
	below = w * (sv / t) + (w < sv % t ? w : sv % t);
	upto = below + (sv / t) + (w < sv % t ? 1 : 0);
	return (sit * upto / sv - sit * below / sv);
}

/*
 * Every shard's VUs at a load of v (peak VUs peak): their {{vu}} numbers
 * are distinct; with v == peak they are exactly 1..v. 0 if so.
 */
static int
vu_numbers(int64_t v, int64_t peak, int n, int t)
{
	static unsigned char	seen[4096];
	int64_t			j, k, local;
	uint64_t		num;
	int			i, w, bad = 0, count = 0;

	memset(seen, 0, sizeof seen);
	for (i = 0; i < n; i++)
		for (w = 0; w < t; w++) {
			local = share(shard_part(v, i, n), w, t);
			for (k = 0; k < local; k++) {
				j = k * t + w + 1;
				num = shard_vu_num((uint64_t)j, peak, i, n);
				if (num == 0 || num >= sizeof seen || seen[num]++)
					bad++;
				count++;
			}
		}
	if (count != v)
		bad++;
	if (v == peak)
		for (k = 1; k <= v; k++)
			if (!seen[k])
				bad++;
	return (bad);
}

/*
 * The stripes of every worker of every shard (arrivals, {{seq}}, rows):
 * the first m global indexes, each taken once, arrival k by shard k mod n.
 */
static int
stripes(int n, int t, uint64_t m)
{
	static unsigned char	seen[8192];
	uint64_t		k, first, step;
	int			i, w, bad = 0;

	memset(seen, 0, sizeof seen);
	for (i = 0; i < n; i++)
		for (w = 0; w < t; w++) {
			first = shard_slot(i, n, w);
			step = shard_stride(n, t);
			for (k = first; k < m; k += step) {
				if (seen[k]++ || !shard_takes(k, i, n))
					bad++;
			}
		}
	for (k = 0; k < m; k++)
		if (!seen[k])
			bad++;
	return (bad);
}

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
	/* The engine's numbering, N shards of T workers each. */
	for (n = 1; n <= 7; n++) {
		int	t, bad2 = 0, bad3 = 0, bad4 = 0, bad5 = 0, w;
		int64_t	its, vv, target;
		static const int64_t	vus[] = { 1, 2, 3, 4, 5, 7, 10, 13, 64,
		    100, 333 };
		static const int64_t	iters[] = { 1, 2, 3, 7, 10, 100, 1001 };

		bad = 0;
		for (t = 1; t <= 3; t++) {
			for (k = 0; k < sizeof vus / sizeof vus[0]; k++) {
				bad += vu_numbers(vus[k], vus[k], n, t);
				for (size_t q = 0; q < sizeof iters /
				    sizeof iters[0]; q++) {
					its = 0;
					for (i = 0; i < n; i++)
						for (w = 0; w < t; w++) {
							vv = quota(iters[q],
							    vus[k], i, n, w, t);
							if (vv > 0 &&
							    share(shard_part(
							    vus[k], i, n), w,
							    t) == 0)
								bad3++;
							its += vv;
						}
					if (its != iters[q])
						bad3++;
				}
			}
			/* A ramp to 20 VUs: every level on the way. */
			for (target = 0; target <= 20; target++)
				bad4 += vu_numbers(target, 20, n, t);
			bad2 += stripes(n, t, 5000);
		}
		for (k = 0; k < 200; k++) {
			sum = 0;
			for (i = 0; i < n; i++)
				sum += shard_part((int64_t)k, i, n);
			if (sum != (int64_t)k)
				bad5++;
		}
		ok(bad == 0, "N = %d, 1..3 workers: {{vu}} is 1..VUs across "
		    "the shards, each once", n);
		ok(bad3 == 0, "N = %d: shared iterations add up, and no worker "
		    "without VUs owes any", n);
		ok(bad4 == 0, "N = %d: a ramp to 20 VUs keeps {{vu}} unique at "
		    "every level", n);
		ok(bad2 == 0, "N = %d, 1..3 workers: arrivals, {{seq}} and rows "
		    "are striped, each global index once, arrival k on shard "
		    "k mod N", n);
		ok(bad5 == 0, "N = %d: the VU targets 0..199 split exactly", n);
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
