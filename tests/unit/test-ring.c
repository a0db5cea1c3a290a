/* SPDX-License-Identifier: MIT */
/*
 * test-ring.c -- unit tests for the sample ring of daemon/writer.c, the
 * producer side, single-threaded: a ring of N takes N samples, the next is
 * shed and counted, a closed ring keeps samples back and counts them
 * without moving head, and head moves by one per accepted sample. The
 * consumer (ring_pop) is static: tail is advanced by hand to free slots.
 * (samples_shed in a run's summary is summed from the rings in run_finish,
 * behind the worker threads: not reachable here.)
 */

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "loadd.h"
#include "tap.h"

#define SIZE	8

static struct sample
sample(uint64_t t)
{
	struct sample	s;

	memset(&s, 0, sizeof s);
	s.t_us = t;
	s.latency_us = (int64_t)t * 10;
	s.status = 200;
	return (s);
}

static size_t
head(struct ring *r)
{
	return (atomic_load(&r->head));
}

int
main(void)
{
	struct ring	*r;
	struct sample	 s;
	size_t		 i;
	int		 accepted, slots_ok;

	/* A fresh ring. */
	r = ring_create(SIZE);
	ok(r != NULL, "ring_create(%d)", SIZE);
	is_int(r->mask, SIZE - 1, "mask is size - 1");
	is_int(head(r), 0, "head starts at 0");
	is_int(atomic_load(&r->tail), 0, "tail starts at 0");
	is_int(r->shed + r->capped, 0, "nothing shed or capped yet");

	/* SIZE pushes fit, head moves by one each. */
	accepted = 0;
	for (i = 0; i < SIZE; i++) {
		s = sample(i + 1);
		if (ring_push(r, &s) == 0 && head(r) == i + 1)
			accepted++;
	}
	is_int(accepted, SIZE, "%d pushes accepted, head +1 each", SIZE);
	slots_ok = 1;
	for (i = 0; i < SIZE; i++)
		if (r->slots[i].t_us != i + 1 ||
		    r->slots[i].latency_us != (int64_t)(i + 1) * 10)
			slots_ok = 0;
	ok(slots_ok, "the samples are in the slots, in order");

	/* The next one is shed. */
	s = sample(100);
	is_int(ring_push(r, &s), -1, "push %d into a full ring fails", SIZE + 1);
	is_int(r->shed, 1, "and counts one shed");
	is_int(head(r), SIZE, "head unchanged");
	is_int(r->slots[0].t_us, 1, "the oldest sample is not overwritten");
	is_int(ring_push(r, &s), -1, "again");
	is_int(r->shed, 2, "two shed");
	is_int(r->capped, 0, "a full ring sheds, it does not cap");

	/* The consumer frees three slots: three more fit, wrapping around. */
	atomic_store(&r->tail, 3);
	accepted = 0;
	for (i = 0; i < 3; i++) {
		s = sample(SIZE + 1 + i);
		if (ring_push(r, &s) == 0 && head(r) == SIZE + 1 + i)
			accepted++;
	}
	is_int(accepted, 3, "after the consumer takes 3, 3 more fit");
	is_int(r->slots[0].t_us, SIZE + 1, "written at the wrapped index");
	is_int(r->slots[2].t_us, SIZE + 3, "up to the third freed slot");
	s = sample(200);
	is_int(ring_push(r, &s), -1, "then the ring is full again");
	is_int(r->shed, 3, "three shed in all");

	/* A closed ring (max_samples reached) keeps samples back. */
	atomic_store(&r->tail, head(r));	/* drained: room for SIZE */
	atomic_store(&r->closed, 1);
	s = sample(300);
	is_int(ring_push(r, &s), -1, "push into a closed ring fails");
	is_int(r->capped, 1, "and counts one capped");
	is_int(r->shed, 3, "not shed");
	is_int(head(r), SIZE + 3, "head unchanged");
	for (i = 0; i < 4; i++)
		ring_push(r, &s);
	is_int(r->capped, 5, "every push into a closed ring is counted");
	is_int(head(r), SIZE + 3, "head still unchanged");
	ring_free(r);

	/* Closed takes precedence over full: capped, not shed. */
	r = ring_create(1);
	s = sample(1);
	is_int(ring_push(r, &s), 0, "a ring of one takes one");
	is_int(ring_push(r, &s), -1, "not two");
	atomic_store(&r->closed, 1);
	ring_push(r, &s);
	is_int(r->shed, 1, "full and open: shed");
	is_int(r->capped, 1, "full and closed: capped");
	ring_free(r);

	ring_free(NULL);
	ok(1, "ring_free(NULL) is harmless");
	return (tap_done());
}
