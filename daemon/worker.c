/* SPDX-License-Identifier: MIT */
/*
 * worker.c -- load worker threads. Each worker owns one event_base, its
 * virtual users and their connections, its statistics block for the current
 * second and the ring its samples leave by. Other threads reach it only
 * through its inbox (commands) and outbox (finished blocks), both behind one
 * mutex touched a few times a second. Nothing here touches SQLite, logs or
 * allocates per request.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include <event2/event.h>

#include "loadd.h"
#include "conn.h"

#define WORKER_RBUF		(64 * 1024)
#define WORKER_RING		(1U << 19)	/* samples in flight to SQLite */
#define WORKER_BACKLOG		(1U << 16)	/* open model: waiting starts */
#define WORKER_CONTROL_MS	100		/* closed model: VU target */
#define WORKER_PACE_NS		500000ULL	/* open model: wake quantum */
#define WORKER_BACKOFF_MIN	10000000ULL	/* closed: first wait after connfail */
#define WORKER_BACKOFF_MAX	1000000000ULL	/* closed: longest wait */

/* A virtual user: one iteration at a time, on its own connections. */
struct vu {
	struct worker		*w;
	int			 active;	/* counts toward the target */
	int			 busy;		/* an iteration in progress */
	int			 parked;	/* waiting for resume/activation */
	const struct plan_entry	*entry;
	uint64_t		 iter_start;	/* scheduled or actual, ns */
	int			 warmup;	/* the iteration began in it */
	int			 next;		/* sequential, fallback */
	int			 pending;	/* parallel, race */
	int			 failed;
	int			 incomplete;	/* a member got no response */
	enum err_kind		 kind;
	int			 connfail;	/* a connection could not open */
	int			 connok;	/* one opened (a request went out) */
	uint64_t		 backoff_ns;	/* closed: after connfail */
	uint64_t		 member_start[PLAN_GROUP_MAX];
	uint64_t		 num;		/* {{vu}}: 1..VUs, run-wide */
	uint64_t		 iters;		/* iterations begun */
	struct plan_req		*rendered;	/* per member, or NULL */
	size_t			*rows;		/* per plan_var: its row drawn */
	char			*rbuf;		/* plan->rendermax per member */
	char			*caps;		/* captured: capture_max each */
	uint32_t		*caplens;
	uint64_t		 capset;	/* bit per value captured */
	struct jar		*jar;		/* "cookies": true */
	int			 setup_done;	/* its setup succeeded */
	int			 rows_fresh;	/* drawn by setup, for iteration 1 */
	int			 in_setup;	/* an entry of it in progress */
	size_t			 setup_i;	/* which one */
	uint64_t		 setup_start;
	struct event		 think;
	struct exch		*ex;		/* per member: its request */
	struct conn		 conns[];	/* per member: HTTP/1.1 */
};

struct worker {
	int			 id, nworkers;
	int			 shard, nshards;	/* the plan's, 0 of 1 */
	int64_t			 started_ms;	/* its start, wall clock */
	uint64_t		 slot, stride;	/* its stripe (shard.c) */
	const struct plan	*plan;
	pthread_t		 thread;
	int			 started;
	struct event_base	*base;
	struct conn_ctx		 ctx;
	struct conn_pool	*pools;		/* h2: per endpoint */
	size_t			 npool;		/* h2: connections in each */
	const struct timeval	**timeouts;
	uint64_t		 t0;		/* run start, monotonic ns */
	uint64_t		 end;		/* t0 + warmup + duration */
	uint64_t		 rng;
	uint64_t		 seq;		/* next {{seq}} of this worker */
	uint64_t		*dnext;		/* per plan_var: draws so far */
	const char		*exhausted;	/* a unique dataset ran out */
	struct inspect_pool	 ipool;		/* response buffers */
	struct conn_inspect	 noresp;	/* a response read, nothing kept */
	char			 ex[WSTAT_CHECK_MAX];	/* a check's example */
	char			*capscratch;	/* a value decoded: capture_max */

	struct vu		**vus;
	size_t			 nvus, capvus;
	size_t			 target;	/* closed: active VUs wanted */
	size_t			 nactive;
	size_t			 nbusy;
	int64_t			 quota;		/* closed: iterations left */

	/*
	 * Open model: this worker takes iterations w, w + n, w + 2n, ... of
	 * the schedule; next_n is the next one, due at next_start. A live
	 * rate (PATCH) replaces the plan from ov_t on, ov_n iterations in.
	 */
	double			 next_n;
	uint64_t		 next_start;
	uint64_t		 last_pace;	/* the pacer last ran, ns */
	uint64_t		 ov_t;
	double			 ov_n;
	uint64_t		*backlog;
	size_t			 bl_head, bl_len;
	struct vu		**idle;
	size_t			 nidle;
	size_t			 cap;		/* open: its VUs at most */

	double			 vus_override;	/* < 0: follow the plan */
	double			 rate_override;
	int			 paused;
	int			 stopping;

	struct event		*control;	/* VU target or pacing */
	struct event		*second;	/* block rotation */
	struct event		*wake;		/* inbox */
	int			 wakefd;	/* eventfd: the base has no locks */
	struct wblock		*cur;
	int64_t			 cur_second;
	struct ring		*ring;

	pthread_mutex_t		 lock;		/* guards the fields below */
	struct {
		int		 set;
		double		 value;
	}			 cmds[WORKER_STOP + 1];
	struct wblock		*outbox, **outtail;
	int			 finished;
	worker_done_cb		 done_cb;
	void			*done_arg;
};

static void	worker_iteration(struct vu *);
static void	worker_member_start(struct vu *, int, uint64_t);
static void	worker_finish(struct worker *);
static enum err_kind worker_inspect(struct vu *, struct exch *, int,
		    const struct conn_result *);
static void	worker_ibuf_put(struct worker *, struct exch *);
static void	worker_setup(struct vu *, uint64_t);
static void	worker_entry_start(struct vu *, const struct plan_entry *,
		    uint64_t);
static void	worker_setup_done(struct vu *);
static void	worker_pace(struct worker *, uint64_t);

uint64_t
clock_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* The wall clock, in ms since the epoch. */
int64_t
clock_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* xorshift64*: fast, per worker, good enough for picking and jitter. */
static uint64_t
worker_random(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (w->rng * 0x2545F4914F6CDD1DULL);
}

/* A uniform double in [0, 1). */
static double
worker_uniform(struct worker *w)
{
	return ((double)(worker_random(w) >> 11) * 0x1.0p-53);
}

/*
 * This worker's share of a run-wide total: the shard's part of it (SPEC
 * 16), split over the shard's workers.
 */
static size_t
worker_share(struct worker *w, double total)
{
	size_t	n = (size_t)shard_part(llround(total), w->shard, w->nshards);

	return (n / (size_t)w->nworkers +
	    ((size_t)w->id < n % (size_t)w->nworkers ? 1 : 0));
}

/*
 * This worker's part of a shared iteration count, in proportion to its
 * VUs, so that a worker with no VUs is not left owing iterations.
 */
static int64_t
worker_quota(struct worker *w)
{
	int64_t	v, n = w->nworkers, it, below, upto;

	v = shard_part(w->plan->vus, w->shard, w->nshards);
	it = shard_iterations(w->plan->iterations, w->plan->vus, w->shard,
	    w->nshards);
	if (v <= 0)
		return (0);
	below = w->id * (v / n) + (w->id < v % n ? w->id : v % n);
	upto = below + (v / n) + (w->id < v % n ? 1 : 0);
	return (it * upto / v - it * below / v);
}

struct wblock *
wblock_create(size_t nstats)
{
	struct wblock	*b;
	size_t		 i;

	b = xcalloc(1, sizeof *b + nstats * sizeof b->stats[0]);
	b->nstats = nstats;
	hist_reset(&b->svc);
	hist_reset(&b->overall.lat);
	for (i = 0; i < nstats; i++)
		hist_reset(&b->stats[i].lat);
	return (b);
}

/* Add src's counts into dst (same run, same names). */
void
wstat_merge(struct wstat *dst, const struct wstat *src)
{
	size_t	i, j;

	hist_merge(&dst->lat, &src->lat);
	dst->ok += src->ok;
	dst->failed += src->failed;
	dst->bytes_sent += src->bytes_sent;
	dst->bytes_recv += src->bytes_recv;
	dst->proto_n[0] += src->proto_n[0];
	dst->proto_n[1] += src->proto_n[1];
	for (i = 0; i < ERR_NKINDS; i++) {
		dst->errors[i] += src->errors[i];
		if (dst->example[i] != NULL || src->example[i] == NULL)
			continue;
		if (src->example[i] == src->check) {
			memcpy(dst->check, src->check, sizeof dst->check);
			dst->example[i] = dst->check;
		} else
			dst->example[i] = src->example[i];
	}
	for (i = 0; i < 8 && src->status[i] != 0; i++) {
		for (j = 0; j < 8; j++) {
			if (dst->status[j] == src->status[i] ||
			    dst->status[j] == 0) {
				dst->status[j] = src->status[i];
				dst->status_n[j] += src->status_n[i];
				break;
			}
		}
	}
}

void
wblock_merge(struct wblock *dst, const struct wblock *src)
{
	size_t	i;

	dst->warmup_requests += src->warmup_requests;
	dst->iterations += src->iterations;
	dst->late += src->late;
	dst->dropped += src->dropped;
	dst->stream_waits += src->stream_waits;
	dst->vus += src->vus;
	hist_merge(&dst->svc, &src->svc);
	wstat_merge(&dst->overall, &src->overall);
	for (i = 0; i < dst->nstats && i < src->nstats; i++)
		wstat_merge(&dst->stats[i], &src->stats[i]);
}

/* Count one outcome in a wstat. */
static void
worker_count(struct wstat *s, const struct conn_result *r, enum err_kind kind,
    uint64_t lat, const char *example)
{
	size_t	i;

	if (r->kind == ERR_NONE)
		hist_record(&s->lat, lat);
	s->bytes_sent += r->bytes_sent;
	s->bytes_recv += r->bytes_recv;
	if (r->sent_ns != 0 || r->status != 0)
		s->proto_n[r->proto == PROTO_H2]++;
	if (kind == ERR_NONE) {
		s->ok++;
		return;
	}
	s->failed++;
	s->errors[kind]++;
	if (s->example[kind] == NULL && kind == ERR_CHECK) {
		/* A check's example is made per response: kept here. */
		snprintf(s->check, sizeof s->check, "%s", example);
		s->example[kind] = s->check;
	} else if (s->example[kind] == NULL)
		s->example[kind] = example;
	if (kind != ERR_STATUS)
		return;
	for (i = 0; i < 8; i++) {
		if (s->status[i] == r->status || s->status[i] == 0) {
			s->status[i] = (uint16_t)r->status;
			s->status_n[i]++;
			return;
		}
	}
}

/* Record one finished request of a VU; returns its kind (status applied). */
static enum err_kind
worker_record(struct vu *vu, const struct plan_req *req,
    const struct conn_result *r, uint64_t start, enum err_kind checked)
{
	struct worker	*w = vu->w;
	const struct plan *p = w->plan;
	struct sample	 s;
	enum err_kind	 kind = r->kind;
	uint64_t	 lat = r->done_ns > start ? r->done_ns - start : 0;
	const char	*example = r->example;

	if (kind == ERR_NONE && (r->status < 0 || r->status >= 640 ||
	    !(req->expect[r->status / 64] & (1ULL << (r->status % 64)))))
		kind = ERR_STATUS;
	else if (kind == ERR_NONE && checked != ERR_NONE) {
		kind = checked;
		example = w->ex;
	}
	if (vu->warmup)
		w->cur->warmup_requests++;
	else {
		worker_count(&w->cur->stats[req->stat], r, kind, lat, example);
		worker_count(&w->cur->overall, r, kind, lat, example);
		w->cur->stream_waits += (uint64_t)r->stream_wait;
		/* The kernel's receipt may precede send(2)'s return. */
		if (plan_is_open(p) && r->kind == ERR_NONE && r->sent_ns != 0)
			hist_record(&w->cur->svc, r->done_ns > r->sent_ns ?
			    r->done_ns - r->sent_ns : 0);
	}
	if (p->samples == SAMPLES_ALL ||
	    (p->samples == SAMPLES_ERRORS && kind != ERR_NONE)) {
		s.t_us = start > w->t0 ? (start - w->t0) / 1000 : 0;
		s.latency_us = r->kind == ERR_NONE ? (int64_t)(lat / 1000) : -1;
		s.bytes = r->bytes_recv > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)r->bytes_recv;
		s.status = (uint16_t)r->status;
		s.req = (uint16_t)req->stat;
		s.error = (uint8_t)kind;
		s.warmup = (uint8_t)vu->warmup;
		ring_push(w->ring, &s);
	}
	return (kind);
}

/* A group ends: count it under its own name. */
static void
worker_record_group(struct vu *vu, uint64_t now)
{
	struct worker		*w = vu->w;
	struct wstat		*s;
	uint64_t		 start;

	if (vu->warmup)
		return;
	s = &w->cur->stats[vu->entry->stat];
	/*
	 * As for a request (SPEC section 3): a group that failed for want of
	 * a response (a timeout, a reset) adds no latency; one that failed
	 * on a status does.
	 */
	start = vu->in_setup ? vu->setup_start : vu->iter_start;
	if (!vu->failed || !vu->incomplete)
		hist_record(&s->lat, now > start ? now - start : 0);
	if (vu->failed) {
		s->failed++;
		s->errors[vu->kind]++;
		if (s->example[vu->kind] == NULL)
			s->example[vu->kind] = "a member failed";
	} else
		s->ok++;
}

/* When the next iteration of a closed-model VU may start. */
static void
worker_think_done(evutil_socket_t fd, short events, void *arg)
{
	worker_iteration(arg);
}

/* An iteration is over: think, take the next one, or go idle. */
static void
worker_iteration_done(struct vu *vu)
{
	struct worker	*w = vu->w;
	uint64_t	 think, now;
	struct timeval	 tv;

	if (vu->in_setup) {
		worker_setup_done(vu);
		return;
	}
	vu->busy = 0;
	w->nbusy--;
	w->cur->iterations++;
	if (w->stopping) {
		if (w->nbusy == 0)
			worker_finish(w);
		return;
	}
	if (plan_is_open(w->plan)) {
		if (w->bl_len > 0 && !w->paused) {
			vu->iter_start = w->backlog[w->bl_head];
			w->bl_head = (w->bl_head + 1) % WORKER_BACKLOG;
			w->bl_len--;
			w->cur->late++;
			worker_iteration(vu);
		} else
			w->idle[w->nidle++] = vu;
		/* Awake anyway: start what is due without a wake-up of its own. */
		if (!w->paused && w->next_start <= (now = clock_ns()))
			worker_pace(w, now);
		return;
	}
	think = w->plan->think_min_ns;
	if (w->plan->think_max_ns > think)
		think += (uint64_t)(worker_uniform(w) *
		    (double)(w->plan->think_max_ns - think));
	/*
	 * A dead target is cheap: after an iteration that could not connect
	 * (refused, DNS, TLS) the VU waits 10 ms, doubling to 1 s, before it
	 * tries again; the first connection that opens resets the wait.
	 */
	if (vu->connfail && !vu->connok) {
		vu->backoff_ns = vu->backoff_ns == 0 ? WORKER_BACKOFF_MIN :
		    vu->backoff_ns * 2;
		if (vu->backoff_ns > WORKER_BACKOFF_MAX)
			vu->backoff_ns = WORKER_BACKOFF_MAX;
		if (think < vu->backoff_ns)
			think = vu->backoff_ns;
	} else if (vu->connok)
		vu->backoff_ns = 0;
	if (think > 0) {
		tv.tv_sec = (time_t)(think / 1000000000ULL);
		tv.tv_usec = (suseconds_t)(think % 1000000000ULL / 1000);
		event_add(&vu->think, &tv);
	} else
		worker_iteration(vu);
}

/* A request of a VU is done: advance its entry (request or group). */
static void
worker_conn_done(struct exch *x, const struct conn_result *r, void *arg)
{
	struct vu		*vu = arg;
	const struct plan_entry	*e = vu->entry;
	const struct plan	*p = vu->w->plan;
	int			 m = (int)(x - vu->ex), i, last;
	enum err_kind		 kind, checked = ERR_NONE;
	uint64_t		 now = r->done_ns;

	if (p->reqs[e->reqs[m]].ins != NULL) {
		if (r->kind == ERR_NONE)
			checked = worker_inspect(vu, x, m, r);
		worker_ibuf_put(vu->w, x);
	}
	kind = worker_record(vu, &p->reqs[e->reqs[m]], r, vu->member_start[m],
	    checked);
	/* A request was written: the connection opened. */
	if (r->sent_ns != 0 || r->kind == ERR_NONE || r->status != 0)
		vu->connok = 1;
	else if (r->kind == ERR_CONNECT || r->kind == ERR_DNS ||
	    r->kind == ERR_TLS || r->kind == ERR_CHECK)
		vu->connfail = 1;	/* a check: not sent (nothing captured) */
	if (e->group == GROUP_NONE) {
		vu->failed = kind != ERR_NONE;
		worker_iteration_done(vu);
		return;
	}
	if (kind != ERR_NONE) {
		vu->failed++;
		vu->kind = kind;
		if (r->kind != ERR_NONE)
			vu->incomplete = 1;
	}
	switch (e->group) {
	case GROUP_PARALLEL:
		if (--vu->pending > 0)
			return;
		break;
	case GROUP_RACE:
		vu->pending--;
		if (kind == ERR_NONE) {
			/* The winner: the losers are cancelled, uncounted. */
			for (i = 0; i < e->nreqs; i++)
				if (i != m && vu->ex[i].state != EXCH_IDLE) {
					exch_cancel(&vu->ex[i]);
					worker_ibuf_put(vu->w, &vu->ex[i]);
				}
			vu->failed = 0;
			break;
		}
		if (vu->pending > 0)
			return;
		break;
	case GROUP_SEQUENTIAL:
	case GROUP_FALLBACK:
		last = m + 1 >= e->nreqs;
		if (e->group == GROUP_SEQUENTIAL ? kind == ERR_NONE && !last :
		    kind != ERR_NONE && !last) {
			worker_member_start(vu, m + 1, now);
			return;
		}
		if (e->group == GROUP_FALLBACK && kind == ERR_NONE)
			vu->failed = 0;
		break;
	default:
		break;
	}
	worker_record_group(vu, now);
	worker_iteration_done(vu);
}

/* The worker's generator, for plan_render(). */
static uint64_t
worker_random_cb(void *arg)
{
	return (worker_random(arg));
}

/* The path of a request line at wire (len bytes): "GET /p?q HTTP/1.1". */
static const char *
worker_wire_path(const char *wire, size_t len, size_t *n)
{
	const char	*p, *e;

	if ((p = memchr(wire, ' ', len)) == NULL) {
		*n = 0;
		return (wire);
	}
	p++;
	e = memchr(p, ' ', len - (size_t)(p - wire));
	*n = e != NULL ? (size_t)(e - p) : 0;
	return (p);
}

/* Unix seconds, for cookie expiry. */
static int64_t
worker_wall_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec);
}

/* The example of a request refused for a value not captured yet. */
static const char *
worker_uncaptured(const struct plan *p, uint64_t missing)
{
	size_t	i;

	for (i = PLAN_NBUILTINS; i < p->nvars; i++)
		if (p->vars[i].kind == VAR_CAPTURE && p->vars[i].slot < 64 &&
		    (missing & (UINT64_C(1) << p->vars[i].slot)))
			return (p->vars[i].text);
	return ("a captured value it uses is not set yet");
}

/* Give an exchange's response buffer back to the pool, if it has one. */
static void
worker_ibuf_put(struct worker *w, struct exch *x)
{
	inspect_give(&w->ipool, x->ins);
	x->ins = NULL;
}

/*
 * A complete response of a request that reads it: keep its cookies, and
 * when its status passed, evaluate its captures and checks. ERR_CHECK
 * (with w->ex) when one failed.
 */
static enum err_kind
worker_inspect(struct vu *vu, struct exch *x, int m,
    const struct conn_result *r)
{
	struct worker		*w = vu->w;
	const struct plan	*p = w->plan;
	const struct plan_req	*req = &p->reqs[vu->entry->reqs[m]];
	const struct plan_req	*sent = req->thead != NULL ?
				    &vu->rendered[m] : req;
	const struct conn_inspect *ci = x->ins;
	const char		*path;
	size_t			 pathlen;

	if (ci == NULL) {
		/* No header or body came (a 204): nothing was kept. */
		w->noresp.pi = req->ins;
		ci = &w->noresp;
	}
	if (vu->jar != NULL) {
		path = worker_wire_path(sent->wire, sent->wirelen, &pathlen);
		inspect_cookies(ci, vu->jar,
		    p->endpoints[req->endpoint].host, path, pathlen,
		    worker_wall_s());
	}
	if (r->status < 0 || r->status >= 640 ||
	    !(req->expect[r->status / 64] & (1ULL << (r->status % 64))))
		return (ERR_NONE);	/* worker_record counts the status */
	return (inspect_eval(req->ins, ci, vu->caps, vu->caplens,
	    &vu->capset, p->capture_max, p->caphead, w->capscratch, w->ex,
	    sizeof w->ex));
}

/*
 * A templated request rendered into member m's part of the VU's buffer:
 * the body first (its length goes in the head), then the head, then
 * Content-Length and the rest. Returns the request to send.
 */
static const struct plan_req *
worker_render(struct vu *vu, int m, const struct plan_req *req)
{
	struct worker		*w = vu->w;
	const struct plan	*p = w->plan;
	struct plan_req		*out = &vu->rendered[m];
	struct plan_render_ctx	 rc;
	char			*buf = vu->rbuf + (size_t)m * p->rendermax;
	const struct plan_endpoint *ep = &p->endpoints[req->endpoint];
	char			*body;
	const char		*path;
	size_t			 len, bodylen = req->bodylen, pathlen;

	rc.vu = vu->num;
	rc.iter = vu->iters > 0 ? vu->iters - 1 : 0;	/* 0 in setup */
	rc.caps = vu->caps;
	rc.caplens = vu->caplens;
	rc.rows = vu->rows;
	rc.seq = &w->seq;
	rc.seq_step = w->stride;
	rc.random = worker_random_cb;
	rc.arg = w;
	*out = *req;
	body = (char *)req->body;
	if (req->tbody != NULL) {
		out->bodyfile = 0;
		body = buf + req->thead->maxlen + PLAN_CLEN_MAX +
		    req->taillen + (p->cookies ? JAR_LINE_MAX : 0);
		bodylen = plan_render(p, req->tbody, body, &rc);
	}
	len = plan_render(p, req->thead, buf, &rc);
	if (p->cookies) {
		path = worker_wire_path(buf, len, &pathlen);
		len += jar_render(vu->jar, ep->host, path, pathlen, ep->tls,
		    worker_wall_s(), buf + len);
	}
	if (req->clen)
		len += plan_render_clen(buf + len, bodylen);
	memcpy(buf + len, req->tail, req->taillen);
	len += req->taillen;
	out->wire = buf;
	out->wirelen = len;
	out->body = body;
	out->bodylen = bodylen;
	return (out);
}

/* Send member m of the VU's entry; its latency counts from start. */
static void
worker_member_start(struct vu *vu, int m, uint64_t start)
{
	struct worker		*w = vu->w;
	const struct plan	*p = w->plan;
	const struct plan_req	*req = &p->reqs[vu->entry->reqs[m]];
	struct exch		*x = &vu->ex[m];
	uint64_t		 missing;

	vu->member_start[m] = start;
	if ((missing = req->capuse & ~vu->capset) != 0) {
		/* It renders a value no response has captured yet. */
		exch_refuse(x, req, ERR_CHECK, worker_uncaptured(p, missing),
		    worker_conn_done, vu);
		return;
	}
	if (req->thead != NULL)
		req = worker_render(vu, m, req);
	exch_start(x, req, worker_conn_done, vu);
}

/*
 * Draw the iteration's row of each data variable (SPEC 14): per-vu, row
 * (vu - 1) mod rows; sequential and unique, the workers take rows in turn
 * (worker w the rows w, w + n, ...), wrapping or, for unique, running out;
 * random, any row. -1 when a unique dataset has no row left.
 */
static int
worker_draw(struct vu *vu)
{
	struct worker		*w = vu->w;
	const struct plan	*p = w->plan;
	const struct plan_var	*v;
	uint64_t		 k, rows;
	size_t			 i;

	for (i = PLAN_NBUILTINS; i < p->nvars; i++) {
		v = &p->vars[i];
		if (v->kind != VAR_DATA || v->data == NULL ||
		    (rows = v->data->nrows) == 0)
			continue;
		switch (v->order) {
		case ORDER_PER_VU:
			vu->rows[i] = (size_t)((vu->num - 1) % rows);
			break;
		case ORDER_RANDOM:
			vu->rows[i] = (size_t)(worker_random(w) % rows);
			break;
		case ORDER_SEQUENTIAL:
		case ORDER_UNIQUE:
			k = w->dnext[i]++ * w->stride + w->slot;
			if (v->order == ORDER_UNIQUE && k >= rows) {
				w->exhausted = v->dataset;
				return (-1);
			}
			vu->rows[i] = (size_t)(k % rows);
			break;
		}
	}
	return (0);
}

/* A unique dataset ran out: the VU parks and the worker stops. */
static void
worker_exhausted_stop(struct vu *vu)
{
	struct worker	*w = vu->w;

	vu->parked = 1;
	w->stopping = 1;
	if (w->nbusy == 0)
		worker_finish(w);
}

/* The VU starts an iteration or a setup entry. */
static void
worker_busy(struct vu *vu)
{
	vu->parked = 0;
	vu->busy = 1;
	vu->w->nbusy++;
}

/* Start entry e (a request or a group) of a VU; latency from start. */
static void
worker_entry_start(struct vu *vu, const struct plan_entry *e, uint64_t start)
{
	int	i;

	vu->entry = e;
	vu->failed = 0;
	vu->incomplete = 0;
	vu->kind = ERR_NONE;
	vu->connfail = vu->connok = 0;
	switch (e->group) {
	case GROUP_PARALLEL:
	case GROUP_RACE:
		vu->pending = e->nreqs;
		for (i = 0; i < e->nreqs; i++)
			worker_member_start(vu, i, start);
		break;
	default:
		worker_member_start(vu, 0, start);
		break;
	}
}

/* Pick an entry by weight and start it. */
static void
worker_iteration(struct vu *vu)
{
	struct worker		*w = vu->w;
	const struct plan	*p = w->plan;
	double			 x;
	size_t			 lo, hi, mid;
	uint64_t		 now = clock_ns();

	/* One iteration at a time: a resume must not start a thinking VU. */
	if (vu->busy)
		return;
	if (!plan_is_open(p)) {
		if (w->stopping || w->paused || !vu->active || w->quota == 0 ||
		    now >= w->end) {
			vu->parked = 1;
			/* The last iterations of a quota may still be out. */
			if (now >= w->end || (w->quota == 0 && w->nbusy == 0))
				worker_finish(w);
			return;
		}
		if (p->nsetup > 0 && !vu->setup_done) {
			worker_setup(vu, now);
			return;
		}
		vu->iter_start = now;
		if (w->quota > 0 && now >= w->t0 + p->warmup_ns)
			w->quota--;
	} else if (p->nsetup > 0 && !vu->setup_done) {
		/* The arrival waits for the VU's setup (its latency counts). */
		worker_setup(vu, now);
		return;
	}
	if (p->ndata > 0 && !vu->rows_fresh && worker_draw(vu) != 0) {
		worker_exhausted_stop(vu);
		return;
	}
	vu->rows_fresh = 0;
	worker_busy(vu);
	vu->warmup = vu->iter_start < w->t0 + p->warmup_ns;

	x = worker_uniform(w) * p->entries[p->nentries - 1].cumweight;
	for (lo = 0, hi = p->nentries - 1; lo < hi; ) {
		mid = (lo + hi) / 2;
		if (p->entries[mid].cumweight > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	vu->iters++;			/* {{iter}} is this, less one */
	worker_entry_start(vu, &p->entries[lo], vu->iter_start);
}

/* Run the setup entry the VU is at (SPEC 14: once per VU, in order). */
static void
worker_setup(struct vu *vu, uint64_t now)
{
	struct worker		*w = vu->w;
	const struct plan	*p = w->plan;

	/*
	 * The rows of the setup are those of the first iteration: drawn once,
	 * kept across the setup's retries.
	 */
	if (p->ndata > 0 && !vu->rows_fresh) {
		if (worker_draw(vu) != 0) {
			worker_exhausted_stop(vu);
			return;
		}
		vu->rows_fresh = 1;
	}
	worker_busy(vu);
	vu->in_setup = 1;
	vu->setup_start = now;
	vu->warmup = now < w->t0 + p->warmup_ns;
	worker_entry_start(vu, &p->setup[vu->setup_i], now);
}

/*
 * A setup entry ended: the next one, or the VU's first iteration; when it
 * failed, the VU starts its setup again in a second.
 */
static void
worker_setup_done(struct vu *vu)
{
	struct worker		*w = vu->w;
	const struct plan	*p = w->plan;
	struct timeval		 tv = { 1, 0 };

	vu->busy = 0;
	w->nbusy--;
	vu->in_setup = 0;
	if (w->stopping) {
		if (w->nbusy == 0)
			worker_finish(w);
		return;
	}
	if (vu->failed) {
		vu->setup_i = 0;
		event_add(&vu->think, &tv);
		return;
	}
	/* The next entry, or the first iteration, if not paused or parked. */
	if (++vu->setup_i >= p->nsetup)
		vu->setup_done = 1;
	worker_iteration(vu);
}

/*
 * The connections the worker's exchanges ride on beyond their own: over
 * h2, per endpoint, its share of "connections" (SPEC 18), or by default
 * one per VU it may have; VU i takes connection i mod n. TLS sessions
 * to resume, per endpoint. Sized here, when the run is planned.
 */
static void
worker_pools(struct worker *w)
{
	const struct plan	*p = w->plan;
	size_t			 e, k, n;

	if (p->ssl_ctx != NULL && p->tls_resume)
		w->ctx.sessions = xcalloc(p->nendpoints,
		    sizeof *w->ctx.sessions);
	if (p->protocol == PROTO_H2 || p->protocol == PROTO_AUTO)
		h2_ctx_init(&w->ctx);
	if (p->protocol != PROTO_H2)
		return;
	if (p->connections > 0)
		n = worker_share(w, (double)p->connections);
	else if (plan_is_open(p))
		n = w->cap;
	else
		n = worker_share(w, (double)plan_peak_vus(p));
	w->npool = n > 0 ? n : 1;
	w->pools = xcalloc(p->nendpoints, sizeof *w->pools);
	for (e = 0; e < p->nendpoints; e++) {
		w->pools[e].conns = xcalloc(w->npool,
		    sizeof *w->pools[e].conns);
		w->pools[e].n = w->npool;
		for (k = 0; k < w->npool; k++)
			conn_init(&w->pools[e].conns[k], &w->ctx);
	}
	w->ctx.pools = w->pools;
}

/* Close and free what worker_pools made; the VUs' exchanges are gone. */
static void
worker_pools_free(struct worker *w)
{
	size_t	e, k;

	if (w->pools != NULL) {
		for (e = 0; e < w->plan->nendpoints; e++) {
			for (k = 0; k < w->pools[e].n; k++)
				conn_close(&w->pools[e].conns[k]);
			free(w->pools[e].conns);
		}
		free(w->pools);
		w->pools = NULL;
	}
	if (w->ctx.sessions != NULL) {
		for (e = 0; e < w->plan->nendpoints; e++)
			if (w->ctx.sessions[e] != NULL)
				SSL_SESSION_free(w->ctx.sessions[e]);
		free(w->ctx.sessions);
		w->ctx.sessions = NULL;
	}
	h2_ctx_free(&w->ctx);
}

/* A VU, allocated when first needed (ramp-up), never per request. */
static struct vu *
worker_vu(struct worker *w, size_t i)
{
	struct vu	*vu;
	int		 k;

	if (i < w->nvus)
		return (w->vus[i]);
	if (i >= w->capvus) {
		w->capvus = w->capvus == 0 ? 64 : w->capvus * 2;
		w->vus = xreallocarray(w->vus, w->capvus, sizeof *w->vus);
	}
	vu = xcalloc(1, sizeof *vu + (size_t)w->plan->maxconns *
	    sizeof vu->conns[0]);
	vu->w = w;
	vu->parked = 1;
	/*
	 * VU i of worker w: the workers' VUs interleave, 1..VUs in all, the
	 * shard's numbered in its range of them.
	 */
	vu->num = shard_vu_num((uint64_t)i * (uint64_t)w->nworkers +
	    (uint64_t)w->id + 1, plan_peak_vus(w->plan), w->shard, w->nshards);
	if (w->plan->rendermax > 0) {
		/* What its templated requests are rendered into: sized now. */
		vu->rendered = xcalloc((size_t)w->plan->maxconns,
		    sizeof *vu->rendered);
		vu->rbuf = xcalloc((size_t)w->plan->maxconns,
		    w->plan->rendermax);
	}
	if (w->plan->ndata > 0)
		vu->rows = xcalloc(w->plan->nvars, sizeof *vu->rows);
	if (w->plan->ncaptures > 0) {
		vu->caps = xmalloc(w->plan->ncaptures * w->plan->capture_max);
		vu->caplens = xcalloc(w->plan->ncaptures,
		    sizeof *vu->caplens);
	}
	if (w->plan->cookies)
		vu->jar = xcalloc(1, sizeof *vu->jar);
	evtimer_assign(&vu->think, w->base, worker_think_done, vu);
	vu->ex = xcalloc((size_t)w->plan->maxconns, sizeof *vu->ex);
	for (k = 0; k < w->plan->maxconns; k++) {
		conn_init(&vu->conns[k], &w->ctx);
		exch_init(&vu->ex[k], &w->ctx, &vu->conns[k], (unsigned)i);
	}
	w->vus[w->nvus++] = vu;
	return (vu);
}

/*
 * Closed model: whether a VU may start an iteration now; one that is in an
 * iteration or thinking goes on by itself when that ends.
 */
static int
worker_vu_ready(struct vu *vu)
{
	return (!vu->busy && !vu->w->paused &&
	    !evtimer_pending(&vu->think, NULL));
}

/* Closed model: move the number of active VUs to the target. */
static void
worker_set_active(struct worker *w, size_t target)
{
	struct vu	*vu;
	size_t		 i;

	w->target = target;
	while (w->nactive < target) {
		vu = worker_vu(w, w->nactive++);
		vu->active = 1;
		if (worker_vu_ready(vu))
			worker_iteration(vu);
	}
	/* Surplus VUs finish their iteration, then park. */
	while (w->nactive > target) {
		vu = w->vus[--w->nactive];
		vu->active = 0;
		if (!vu->busy)
			event_del(&vu->think);
	}
	for (i = w->nactive; i < w->nvus; i++)
		if (!w->vus[i]->busy && !w->vus[i]->active)
			for (int k = 0; k < w->plan->maxconns; k++)
				conn_close(&w->vus[i]->conns[k]);
}

/* Open model: when iteration n of the schedule is due (absolute ns). */
static uint64_t
worker_due(struct worker *w, double n)
{
	uint64_t	t;

	if (w->rate_override < 0) {
		t = plan_time_of(w->plan, n);
		return (t == UINT64_MAX ? UINT64_MAX : w->t0 + t);
	}
	if (w->rate_override <= 0)
		return (UINT64_MAX);
	return (w->ov_t + (uint64_t)((n - w->ov_n) / w->rate_override * 1e9));
}

/* Open model: how many iterations of the schedule are due by now. */
static double
worker_sched_count(struct worker *w, uint64_t now)
{
	if (w->rate_override < 0)
		return (plan_count_at(w->plan, now - w->t0));
	return (w->ov_n + (double)(now - w->ov_t) / 1e9 * w->rate_override);
}

/* Open model: skip to this worker's first iteration due at or after now. */
static void
worker_reschedule(struct worker *w, uint64_t now)
{
	double	n = ceil(worker_sched_count(w, now)), nw = (double)w->stride;
	double	slot = (double)w->slot;

	n = n <= slot ? slot : ceil((n - slot) / nw) * nw + slot;
	if (n < w->next_n)
		n = w->next_n;
	w->next_n = n;
	w->next_start = worker_due(w, n);
}

/* Open model: start every iteration that is due by now. */
static void
worker_pace(struct worker *w, uint64_t now)
{
	struct vu		*vu;

	while (w->next_start <= now && w->next_start < w->end) {
		if (w->nidle == 0 && w->nvus < w->cap) {
			vu = worker_vu(w, w->nvus);
			vu->active = 1;
			w->idle[w->nidle++] = vu;
		}
		if (w->nidle > 0) {
			vu = w->idle[--w->nidle];
			vu->iter_start = w->next_start;
			worker_iteration(vu);
		} else if (w->bl_len < WORKER_BACKLOG) {
			w->backlog[(w->bl_head + w->bl_len) % WORKER_BACKLOG] =
			    w->next_start;
			w->bl_len++;
		} else
			w->cur->dropped++;
		w->next_n += (double)w->stride;
		w->next_start = worker_due(w, w->next_n);
	}
}

/*
 * Open model: wake when the next iteration is due, but at most once per
 * WORKER_PACE_NS. Each sleep and wake-up of a thread costs tens of
 * microseconds on a virtual machine: at 10,000 iterations a second, exact
 * wake-ups took two thirds of a worker's CPU. Up to 2,000 a second per
 * worker every iteration still starts on time; above, they start in small
 * batches, at most 0.5 ms late (wrk2 paces in whole milliseconds), and the
 * latency, counted from the scheduled start, includes that. Iterations also
 * start whenever a response wakes the worker anyway. At least every 100 ms
 * for commands and the end.
 */
static void
worker_arm_pace(struct worker *w)
{
	struct timeval	tv;
	uint64_t	now = clock_ns(), wait = 100000000ULL, due;

	due = w->next_start;
	if (due < w->last_pace + WORKER_PACE_NS)
		due = w->last_pace + WORKER_PACE_NS;
	if (due > now && due - now < wait)
		wait = due - now;
	else if (due <= now)
		wait = 0;
	tv.tv_sec = (time_t)(wait / 1000000000ULL);
	tv.tv_usec = (suseconds_t)(wait % 1000000000ULL / 1000);
	event_add(w->control, &tv);
}

/* The control timer: VU targets (closed) or pacing (open); the end. */
static void
worker_control(evutil_socket_t fd, short events, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tv;
	uint64_t	 now = clock_ns();
	double		 target;

	if (w->stopping)
		return;
	if (now >= w->end) {
		worker_finish(w);
		return;
	}
	if (w->paused) {
		if (plan_is_open(w->plan)) {
			tv.tv_sec = 0;
			tv.tv_usec = WORKER_CONTROL_MS * 1000;
			event_add(w->control, &tv);
		}
		return;
	}
	if (plan_is_open(w->plan)) {
		w->last_pace = now;
		worker_pace(w, now);
		worker_arm_pace(w);
		return;
	}
	target = w->vus_override >= 0 ? w->vus_override :
	    plan_target_at(w->plan, now - w->t0);
	if (worker_share(w, target) != w->target || w->quota == 0)
		worker_set_active(w, w->quota == 0 ? 0 : worker_share(w,
		    target));
	if (w->quota == 0 && w->nbusy == 0)
		worker_finish(w);
}

/* Hand the finished second's block to the main thread; start a new one. */
static void
worker_rotate(struct worker *w)
{
	struct wblock	*b = w->cur;

	b->second = w->cur_second;
	/*
	 * VUs at work at the end of the second: open, those in an iteration;
	 * closed, the active ones, but once an iteration-bound run has no
	 * iteration left to start, only those still finishing one.
	 */
	if (plan_is_open(w->plan) || w->quota == 0)
		b->vus = (int64_t)w->nbusy;
	else
		b->vus = (int64_t)w->nactive;
	pthread_mutex_lock(&w->lock);
	*w->outtail = b;
	w->outtail = &b->next;
	pthread_mutex_unlock(&w->lock);
	w->cur = wblock_create(w->plan->nstats);
	w->cur_second++;
}

/* Arm the rotation timer for the next whole second of run time. */
static void
worker_arm_second(struct worker *w)
{
	struct timeval	tv;
	uint64_t	next, now;

	next = w->t0 + (uint64_t)(w->cur_second + 1) * 1000000000ULL;
	now = clock_ns();
	next = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(next / 1000000000ULL);
	tv.tv_usec = (suseconds_t)(next % 1000000000ULL / 1000);
	evtimer_add(w->second, &tv);
}

static void
worker_second(evutil_socket_t fd, short events, void *arg)
{
	struct worker	*w = arg;

	worker_rotate(w);
	worker_arm_second(w);
}

/*
 * Open model, at the end: iterations that came due (before the end) while
 * the worker was not awake to start them, as happens when the end's timer
 * runs late on a busy host, never started either: dropped, like those left
 * waiting for a VU. Held while paused: the schedule is not running.
 */
static void
worker_drop_due(struct worker *w)
{
	uint64_t	limit = clock_ns();

	if (!plan_is_open(w->plan) || w->paused)
		return;
	if (limit > w->end)
		limit = w->end;
	while (w->next_start < limit) {
		w->cur->dropped++;
		w->next_n += (double)w->stride;
		w->next_start = worker_due(w, w->next_n);
	}
}

/*
 * Stop: cancel what is in flight (uncounted), hand over the last block,
 * tell the main thread, and leave the loop.
 */
static void
worker_finish(struct worker *w)
{
	size_t	i, j;
	int	k;

	if (w->finished)
		return;
	w->stopping = 1;
	for (i = 0; i < w->nvus; i++) {
		event_del(&w->vus[i]->think);
		for (k = 0; k < w->plan->maxconns; k++) {
			exch_cancel(&w->vus[i]->ex[k]);
			conn_close(&w->vus[i]->conns[k]);
		}
	}
	for (i = 0; w->pools != NULL && i < w->plan->nendpoints; i++)
		for (j = 0; j < w->pools[i].n; j++)
			conn_close(&w->pools[i].conns[j]);
	w->nbusy = 0;
	/* Open model: what still waited for a VU never started. */
	w->cur->dropped += w->bl_len;
	w->bl_len = 0;
	worker_drop_due(w);
	worker_rotate(w);
	pthread_mutex_lock(&w->lock);
	w->finished = 1;
	pthread_mutex_unlock(&w->lock);
	event_base_loopbreak(w->base);
	w->done_cb(w->done_arg);
}

/* Apply the commands the main thread queued. */
static void
worker_inbox(evutil_socket_t fd, short events, void *arg)
{
	struct worker	*w = arg;
	int		 set[WORKER_STOP + 1];
	double		 value[WORKER_STOP + 1];
	uint64_t	 n;
	size_t		 i;

	if (read(w->wakefd, &n, sizeof n) == -1 && errno != EAGAIN)
		fatal("eventfd read");
	pthread_mutex_lock(&w->lock);
	for (i = 0; i <= WORKER_STOP; i++) {
		set[i] = w->cmds[i].set;
		value[i] = w->cmds[i].value;
		w->cmds[i].set = 0;
	}
	pthread_mutex_unlock(&w->lock);

	if (set[WORKER_STOP]) {
		worker_finish(w);
		return;
	}
	if (set[WORKER_VUS])
		w->vus_override = value[WORKER_VUS];
	if (set[WORKER_RATE] && plan_is_open(w->plan)) {
		/* The new rate applies from now on. */
		w->ov_n = worker_sched_count(w, clock_ns());
		w->ov_t = clock_ns();
		w->rate_override = value[WORKER_RATE];
		w->next_n = 0;
		worker_reschedule(w, clock_ns());
	}
	if (set[WORKER_PAUSE] && !w->paused)
		w->paused = 1;
	if (set[WORKER_RESUME] && w->paused) {
		w->paused = 0;
		if (plan_is_open(w->plan))	/* no burst of catch-up */
			worker_reschedule(w, clock_ns());
		else
			for (i = 0; i < w->nactive; i++)
				if (worker_vu_ready(w->vus[i]))
					worker_iteration(w->vus[i]);
	}
	worker_control(-1, 0, w);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tv;
	struct timespec	 ts;
	uint64_t	 now, wake;
	int		 stop;

	/*
	 * Every worker starts on the run's common clock, which may be a while
	 * ahead (start_at): waited for in steps, so that a stop still ends it.
	 */
	while ((now = clock_ns()) < w->t0) {
		wake = w->t0 - now > 100000000ULL ? now + 100000000ULL : w->t0;
		ts.tv_sec = (time_t)(wake / 1000000000ULL);
		ts.tv_nsec = (long)(wake % 1000000000ULL);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		pthread_mutex_lock(&w->lock);
		stop = w->cmds[WORKER_STOP].set;
		pthread_mutex_unlock(&w->lock);
		if (stop)
			break;
	}
	__atomic_store_n(&w->started_ms, clock_wall_ms(), __ATOMIC_RELEASE);
	worker_arm_second(w);
	tv.tv_sec = 0;
	tv.tv_usec = WORKER_CONTROL_MS * 1000;
	event_add(w->control, &tv);
	worker_control(-1, 0, w);
	/* It may have nothing to do (no VUs, no iterations of its own). */
	if (!w->stopping)
		event_base_dispatch(w->base);
	return (NULL);
}

/*
 * Create worker id of n for the plan, starting at t0 (monotonic ns). done
 * is called on the worker's thread when it has finished.
 */
struct worker *
worker_create(int id, int n, const struct plan *p, uint64_t t0,
    worker_done_cb done, void *arg)
{
	struct worker		*w;
	struct event_config	*ecfg;
	struct timeval		 tv;
	size_t			 i;
	uint64_t		 t;

	w = xcalloc(1, sizeof *w);
	w->id = id;
	w->nworkers = n;
	w->plan = p;
	w->nshards = p->nshards > 1 ? p->nshards : 1;
	w->shard = p->nshards > 1 ? p->shard : 0;
	w->slot = shard_slot(w->shard, w->nshards, id);
	w->stride = shard_stride(w->nshards, n);
	w->t0 = t0;
	w->end = t0 + p->warmup_ns + p->duration_ns;
	/*
	 * Random values repeat with the run (SPEC 14): seeded from the run
	 * id, or from random_seed, and the worker's number.
	 */
	w->rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1) ^
	    ((p->seeded ? p->seed : (uint64_t)p->run_id) *
	    0xBF58476D1CE4E5B9ULL + 0x94D049BB133111EBULL);
	if (w->rng == 0)
		w->rng = 1;
	w->seq = w->slot + 1;	/* {{seq}}: 1, 2, ... run-wide */
	w->dnext = xcalloc(p->nvars + 1, sizeof *w->dnext);
	w->vus_override = w->rate_override = -1;
	w->quota = p->iterations > 0 ? worker_quota(w) : -1;
	w->done_cb = done;
	w->done_arg = arg;
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		fatalx("pthread_mutex_init");
	w->outtail = &w->outbox;
	/* Precise timers: pacing and timeouts work in sub-millisecond steps. */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER) != 0 ||
	    event_config_set_flag(ecfg, EVENT_BASE_FLAG_NOLOCK) != 0 ||
	    (w->base = event_base_new_with_config(ecfg)) == NULL)
		fatalx("event_base_new");
	event_config_free(ecfg);

	w->ctx.base = w->base;
	w->ctx.rbuf = xmalloc(WORKER_RBUF);
	w->ctx.rbufsize = WORKER_RBUF;
	w->ipool.bytes = w->plan->inspect_bytes;
	if (w->plan->ncaptures > 0)
		w->capscratch = xmalloc(w->plan->capture_max);
	w->ctx.ipool = &w->ipool;
	w->noresp.body = w->noresp.hbuf = (char *)"";
	w->ctx.ssl_ctx = p->ssl_ctx;
	w->ctx.endpoints = p->endpoints;
	w->ctx.keepalive = p->keepalive;
	w->ctx.bodyfd = p->bodyfd;
	w->ctx.protocol = p->protocol;
	w->ctx.now = clock_ns;
	/* A response ends when the kernel has it, not when this thread wakes. */
	w->ctx.rx_stamps = 1;
	/* One common timeout per request: O(1) timer queues in libevent. */
	w->timeouts = xcalloc(p->nreqs, sizeof *w->timeouts);
	for (i = 0; i < p->nreqs; i++) {
		t = p->reqs[i].timeout_ns;
		tv.tv_sec = (time_t)(t / 1000000000ULL);
		tv.tv_usec = (suseconds_t)(t % 1000000000ULL / 1000);
		w->timeouts[i] = event_base_init_common_timeout(w->base, &tv);
	}
	w->ctx.timeouts = w->timeouts;

	w->ring = ring_create(WORKER_RING);
	w->cur = wblock_create(p->nstats);
	w->cur_second = 0;
	if (plan_is_open(p)) {
		w->backlog = xcalloc(WORKER_BACKLOG, sizeof *w->backlog);
		/* Its share of max_vus, sized once (at least one VU). */
		w->cap = worker_share(w, (double)p->max_vus);
		if (w->cap == 0)
			w->cap = 1;
		w->idle = xcalloc(w->cap + 1, sizeof *w->idle);
		/* Interleave the workers' schedules. */
		w->next_n = (double)w->slot;
		w->next_start = worker_due(w, w->next_n);
	}
	worker_pools(w);
	w->control = event_new(w->base, -1, EV_PERSIST, worker_control, w);
	w->second = evtimer_new(w->base, worker_second, w);
	if ((w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	w->wake = event_new(w->base, w->wakefd, EV_READ | EV_PERSIST,
	    worker_inbox, w);
	if (w->control == NULL || w->second == NULL || w->wake == NULL)
		fatalx("event_new");
	event_add(w->wake, NULL);
	return (w);
}

int
worker_start(struct worker *w, char **cause)
{
	char	name[16];
	int	error;

	if ((error = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		xasprintf(cause, "pthread_create: %s", strerror(error));
		return (-1);
	}
	/* Named, so top -H and the saturation check can tell workers apart. */
	snprintf(name, sizeof name, "loadd-w%d", w->id);
	pthread_setname_np(w->thread, name);
	w->started = 1;
	return (0);
}

/* Wake the worker's loop from another thread. */
static void
worker_poke(struct worker *w)
{
	uint64_t	one = 1;

	if (write(w->wakefd, &one, sizeof one) == -1 && errno != EAGAIN)
		fatal("eventfd write");
}

/* Queue a command for the worker (any thread); coalesced per kind. */
void
worker_command(struct worker *w, enum worker_cmd cmd, double value)
{
	pthread_mutex_lock(&w->lock);
	w->cmds[cmd].set = 1;
	w->cmds[cmd].value = value;
	if (cmd == WORKER_PAUSE)
		w->cmds[WORKER_RESUME].set = 0;
	if (cmd == WORKER_RESUME)
		w->cmds[WORKER_PAUSE].set = 0;
	pthread_mutex_unlock(&w->lock);
	worker_poke(w);
}

/* When it started, on the wall clock (ms); 0 until then. Any thread. */
int64_t
worker_started_ms(struct worker *w)
{
	return (__atomic_load_n(&w->started_ms, __ATOMIC_ACQUIRE));
}

/* The finished blocks, oldest first (any thread). */
struct wblock *
worker_take(struct worker *w)
{
	struct wblock	*b;

	pthread_mutex_lock(&w->lock);
	b = w->outbox;
	w->outbox = NULL;
	w->outtail = &w->outbox;
	pthread_mutex_unlock(&w->lock);
	return (b);
}

int
worker_finished(struct worker *w)
{
	int	done;

	pthread_mutex_lock(&w->lock);
	done = w->finished;
	pthread_mutex_unlock(&w->lock);
	return (done);
}

struct ring *
worker_ring(struct worker *w)
{
	return (w->ring);
}

/* The dataset a unique draw ran out of, or NULL; once it has finished. */
const char *
worker_exhausted(struct worker *w)
{
	return (w->exhausted);
}

void
worker_join(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}

/* Free a joined worker; its ring must no longer be read. */
void
worker_free(struct worker *w)
{
	struct wblock		*b, *next;
	size_t			 i;
	int			 k;

	if (w == NULL)
		return;
	free(w->dnext);
	for (i = 0; i < w->nvus; i++) {
		event_del(&w->vus[i]->think);
		for (k = 0; k < w->plan->maxconns; k++) {
			exch_cancel(&w->vus[i]->ex[k]);
			conn_close(&w->vus[i]->conns[k]);
			worker_ibuf_put(w, &w->vus[i]->ex[k]);
		}
		free(w->vus[i]->ex);
		free(w->vus[i]->rendered);
		free(w->vus[i]->caps);
		free(w->vus[i]->caplens);
		free(w->vus[i]->jar);
		free(w->vus[i]->rbuf);
		free(w->vus[i]->rows);
		free(w->vus[i]);
	}
	free(w->vus);
	worker_pools_free(w);
	inspect_pool_free(&w->ipool);
	free(w->capscratch);
	for (b = w->outbox; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(w->cur);
	event_free(w->control);
	event_free(w->second);
	event_free(w->wake);
	event_base_free(w->base);
	close(w->wakefd);
	free(w->ctx.rbuf);
	free(w->timeouts);
	free(w->backlog);
	free(w->idle);
	ring_free(w->ring);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
