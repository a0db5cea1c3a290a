/* SPDX-License-Identifier: MIT */
/*
 * runs.c -- the run queue and the control of runs: what the API thread asks
 * (submit, stop, patch, progress) under the lock, and on the main thread
 * the queue's order, recovery at start, retention and shutdown. The run
 * that is executing lives in run.c; this file starts it and hears when it
 * ended.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <netdb.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "loadd.h"

#define RUN_PRUNE_BATCH	20		/* chunks (<= 1024 samples) a step */

/* The one table of run status names (SPEC section 5). */
static const char *run_status_names[RUN_NSTATUS] = {
	[RUN_QUEUED] = "queued",
	[RUN_RUNNING] = "running",
	[RUN_COMPLETED] = "completed",
	[RUN_STOPPED] = "stopped",
	[RUN_ABORTED] = "aborted",
	[RUN_FAILED] = "failed",
	[RUN_INTERRUPTED] = "interrupted",
};

/* A status as the API and SQLite spell it. */
const char *
run_status_name(enum run_status s)
{
	if ((unsigned)s >= RUN_NSTATUS)
		return ("unknown");
	return (run_status_names[s]);
}

/* A run that could not start is no longer active. */
static void
runs_clear_active(struct runs *rs, int64_t id)
{
	pthread_mutex_lock(&rs->lock);
	if (rs->active == id) {
		rs->active = 0;
		rs->starting = 0;
		rs->request = RUN_RUNNING;
	}
	pthread_mutex_unlock(&rs->lock);
}

/* Start queued runs until one runs (or the queue is empty). */
void
runs_next(struct runs *rs)
{
	int64_t	id;

	while (rs->run == NULL) {
		pthread_mutex_lock(&rs->lock);
		if (rs->nqueue == 0 || rs->shutting_down) {
			pthread_mutex_unlock(&rs->lock);
			return;
		}
		id = rs->queue[0];
		memmove(rs->queue, rs->queue + 1, --rs->nqueue *
		    sizeof *rs->queue);
		/*
		 * Active from the pop on: a stop while it starts is kept, and
		 * it is never neither queued nor active.
		 */
		rs->active = id;
		rs->starting = 1;
		rs->paused = 0;
		rs->request = RUN_RUNNING;
		memset(rs->patch_set, 0, sizeof rs->patch_set);
		json_decref(rs->progress);
		rs->progress = NULL;
		pthread_mutex_unlock(&rs->lock);
		if (run_start(rs, id) != 0)
			runs_clear_active(rs, id);
	}
}

/* Woken by the API: a run was queued, or a queued one was stopped. */
static void
runs_wake(evutil_socket_t fd, short events, void *arg)
{
	struct runs	*rs = arg;

	run_wake(rs);
	runs_next(rs);
}

/*
 * Retention: delete the raw samples of runs that ended more than
 * retention_days ago, a batch per step so the writer and the API never
 * wait long for the database; daily, and at start.
 */
static void
runs_prune(evutil_socket_t fd, short events, void *arg)
{
	struct runs	*rs = arg;
	struct timeval	 tv;
	int64_t		 n;
	int		 more;

	if (rs->config->retention_days <= 0)
		return;		/* turned off by a reload */
	n = store_samples_prune(rs->store, rs->config->retention_days,
	    RUN_PRUNE_BATCH, &more);
	if (n > 0)
		rs->pruned += (uint64_t)n;
	tv.tv_usec = 0;
	if (more) {
		tv.tv_sec = 0;
		tv.tv_usec = 100000;	/* more to do: again soon */
	} else {
		if (rs->pruned > 0)
			log_info("retention: deleted %llu samples of runs "
			    "older than %d days", (unsigned long long)
			    rs->pruned, rs->config->retention_days);
		rs->pruned = 0;
		tv.tv_sec = 24 * 3600;
	}
	evtimer_add(rs->prune, &tv);
}

/*
 * Recover after a crash or restart: a run still marked running was cut
 * short, so it becomes interrupted, its stats rebuilt from the intervals
 * that reached the disk; queued runs go back in the queue.
 */
static void
runs_recover(struct runs *rs)
{
	int64_t	*ids;
	size_t	 n, i;

	ids = store_run_ids(rs->store, "running", &n);
	for (i = 0; i < n; i++) {
		/* A collector's merged run goes on: its shards push again. */
		if (store_is_execution(rs->store, ids[i])) {
			log_info("run %lld (an execution's merged run) resumes",
			    (long long)ids[i]);
			continue;
		}
		log_warn("run %lld was running when loadd stopped: marking it "
		    "interrupted", (long long)ids[i]);
		store_run_rebuild(rs->store, ids[i]);
		store_run_ended(rs->store, ids[i], "interrupted", 0, NULL,
		    "loadd stopped during the run");
	}
	free(ids);
	ids = store_run_ids(rs->store, "queued", &n);
	if (n > 0)
		log_info("%zu queued runs resume", n);
	pthread_mutex_lock(&rs->lock);
	rs->queue = ids;
	rs->nqueue = n;
	pthread_mutex_unlock(&rs->lock);
}

struct runs *
runs_create(struct event_base *base, const struct config *c,
    struct store *st)
{
	struct runs	*rs;

	rs = xcalloc(1, sizeof *rs);
	rs->base = base;
	rs->config = c;
	rs->store = st;
	if (pthread_mutex_init(&rs->lock, NULL) != 0)
		fatalx("pthread_mutex_init");
	rs->wake = event_new(base, -1, EV_PERSIST, runs_wake, rs);
	if (rs->wake == NULL)
		fatalx("event_new");
	event_add(rs->wake, NULL);
	runs_recover(rs);
	rs->collect = collect_create(base, st);
	event_active(rs->wake, EV_READ, 0);
	if (c->retention_days > 0) {
		if ((rs->prune = evtimer_new(base, runs_prune, rs)) == NULL)
			fatalx("evtimer_new");
		event_active(rs->prune, EV_TIMEOUT, 0);
	}
	return (rs);
}

/* The configuration in force (any thread). */
const struct config *
runs_config(struct runs *rs)
{
	return (__atomic_load_n(&rs->config, __ATOMIC_ACQUIRE));
}

/*
 * Main thread, on SIGHUP: later runs, the queue limit, retention and the
 * API's checks use c; the active run keeps the plan it started with.
 */
void
runs_set_config(struct runs *rs, const struct config *c)
{
	__atomic_store_n(&rs->config, c, __ATOMIC_RELEASE);
	if (c->retention_days > 0 && rs->prune == NULL) {
		if ((rs->prune = evtimer_new(rs->base, runs_prune, rs)) ==
		    NULL)
			fatalx("evtimer_new");
		event_active(rs->prune, EV_TIMEOUT, 0);
	}
}

/* SIGTERM: the active run ends as interrupted, its data kept. */
void
runs_shutdown(struct runs *rs)
{
	size_t	i;

	pthread_mutex_lock(&rs->lock);
	rs->shutting_down = 1;
	pthread_mutex_unlock(&rs->lock);
	run_interrupt(rs);
	/* Shards' pushers: one last try, all at once, to hand over the end. */
	for (i = 0; i < rs->npushes; i++)
		push_quit(rs->pushes[i]);
	for (i = 0; i < rs->npushes; i++)
		push_free(rs->pushes[i], 1);
	rs->npushes = 0;
}

/*
 * Main thread: a shard run ended; its pusher lives on until the collector
 * has its final record. Those that are done are freed here too.
 */
void
runs_keep_push(struct runs *rs, struct push *p)
{
	size_t	i;

	for (i = 0; i < rs->npushes;) {
		if (push_done(rs->pushes[i])) {
			push_free(rs->pushes[i], 0);
			rs->pushes[i] = rs->pushes[--rs->npushes];
		} else
			i++;
	}
	rs->pushes = xreallocarray(rs->pushes, rs->npushes + 1,
	    sizeof *rs->pushes);
	rs->pushes[rs->npushes++] = p;
}

void
runs_free(struct runs *rs)
{
	if (rs == NULL)
		return;
	event_free(rs->wake);
	collect_free(rs->collect);
	free(rs->pushes);
	free(rs->request_reason);
	if (rs->prune != NULL)
		event_free(rs->prune);
	json_decref(rs->progress);
	free(rs->queue);
	pthread_mutex_destroy(&rs->lock);
	free(rs);
}

/*
 * Every VU holds a connection (a group's VU one per member): refuse a run
 * that would run out of file descriptors, rather than count its connect
 * errors. The daemon raised its soft limit to the hard one at start.
 */
static int
run_check_fds(int64_t vus, int conns, char **cause)
{
	struct rlimit	rl;
	int64_t		need;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return (0);
	need = vus * conns + 256;
	if ((uint64_t)need <= (uint64_t)rl.rlim_cur)
		return (0);
	xasprintf(cause, "this run needs about %lld file descriptors (%lld "
	    "VUs x %d connections) but loadd may open %llu: raise LimitNOFILE "
	    "(or ulimit -n) and restart loadd", (long long)need,
	    (long long)vus, conns, (unsigned long long)rl.rlim_cur);
	return (-1);
}

/* May a shard push to this collector (allow_collectors)? 0, or -1. */
static int
run_check_collector(const struct config *c, const struct run_opts *o,
    char **cause)
{
	struct addrinfo	 hints, *res;
	char		 port[16];
	int		 error, ok;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", o->cport);
	if ((error = getaddrinfo(o->chost, port, &hints, &res)) != 0) {
		xasprintf(cause, "collector: cannot resolve %s: %s", o->chost,
		    gai_strerror(error));
		return (-1);
	}
	ok = allow_check_key(c->allow_collectors, "collector",
	    "allow_collectors", o->chost, res->ai_addr, cause);
	freeaddrinfo(res);
	return (ok ? 0 : -1);
}

/*
 * Any thread (it may wait for DNS): what stands in the way of running
 * spec under c, with *cause, or RUN_OK.
 */
enum run_result
run_check(const struct config *c, json_t *spec, const struct run_opts *o,
    char **cause)
{
	struct plan	*p;
	int		 why;

	*cause = NULL;
	if (o != NULL && o->nshards > 0 && run_check_collector(c, o, cause) !=
	    0)
		return (RUN_COLLECTOR);
	/*
	 * Refuse a forbidden target before anything is stored or sent; the
	 * run is compiled once, when it starts.
	 */
	if ((p = plan_check(spec, c, &why, cause)) == NULL &&
	    why == PLAN_FORBIDDEN)
		return (RUN_FORBIDDEN);
	if (p == NULL)
		free(*cause);	/* a DNS failure fails the run itself */
	else if (run_check_fds(plan_peak_vus(p), p->maxconns, cause) != 0) {
		plan_free(p);
		return (RUN_LIMIT);
	}
	plan_free(p);
	*cause = NULL;
	return (RUN_OK);
}

/*
 * API thread: store a new queued run (run_check passed) and wake the main
 * thread. Returns RUN_OK, or what stood in the way with *cause.
 */
enum run_result
run_enqueue(struct runs *rs, struct store *st, json_t *spec, json_t *labels,
    const struct run_opts *o, int64_t *id, char **cause)
{
	const struct config	*c = runs_config(rs);

	pthread_mutex_lock(&rs->lock);
	/* A run that starts at once never waits, even with max_queue 0. */
	if (rs->nqueue >= (size_t)c->max_queue &&
	    (rs->active != 0 || rs->nqueue > 0)) {
		pthread_mutex_unlock(&rs->lock);
		xasprintf(cause, "the run queue is full (%d queued; max_queue)",
		    c->max_queue);
		return (RUN_QUEUE_FULL);
	}
	if (store_run_insert(st, spec, labels, o, id, cause) != 0) {
		pthread_mutex_unlock(&rs->lock);
		return (RUN_STORE);
	}
	rs->queue = xreallocarray(rs->queue, rs->nqueue + 1,
	    sizeof *rs->queue);
	rs->queue[rs->nqueue++] = *id;
	pthread_mutex_unlock(&rs->lock);
	event_active(rs->wake, EV_READ, 0);
	return (RUN_OK);
}

/*
 * API thread: stop run id. RUN_OK the active run is stopping, RUN_DEQUEUED
 * a queued run was cancelled (the caller marks it stopped), RUN_NOT_ACTIVE
 * it is neither.
 */
enum run_result
run_stop(struct runs *rs, int64_t id)
{
	size_t		 i;
	enum run_result	 rc = RUN_NOT_ACTIVE;

	pthread_mutex_lock(&rs->lock);
	if (rs->active == id) {
		rs->request = RUN_STOPPED;
		rc = RUN_OK;
	} else {
		for (i = 0; i < rs->nqueue; i++) {
			if (rs->queue[i] != id)
				continue;
			memmove(rs->queue + i, rs->queue + i + 1,
			    (rs->nqueue - i - 1) * sizeof *rs->queue);
			rs->nqueue--;
			rc = RUN_DEQUEUED;
			break;
		}
	}
	pthread_mutex_unlock(&rs->lock);
	if (rc == RUN_OK)
		event_active(rs->wake, EV_READ, 0);
	return (rc);
}

/*
 * API thread: live control of the active run from a PATCH body. Returns
 * RUN_OK, RUN_NOT_ACTIVE (with *cause), or RUN_INVALID with *path (a JSON
 * pointer into the body) and *cause.
 */
enum run_result
run_patch(struct runs *rs, int64_t id, json_t *body, char **path,
    char **cause)
{
	const struct config	*c = runs_config(rs);
	const char	*key;
	json_t		*v;
	int		 set[WORKER_STOP + 1] = { 0 };
	double		 val[WORKER_STOP + 1] = { 0 };
	size_t		 i;
	int		 open, conns;

	*path = NULL;
	pthread_mutex_lock(&rs->lock);
	open = rs->active_open;
	conns = rs->active_conns;
	if (rs->active != id || rs->starting) {
		xasprintf(cause, "run %lld is not running%s", (long long)id,
		    rs->active == id ? " yet: it is starting" : "");
		pthread_mutex_unlock(&rs->lock);
		return (RUN_NOT_ACTIVE);
	}
	pthread_mutex_unlock(&rs->lock);
	if (!json_is_object(body) || json_object_size(body) == 0) {
		*path = xstrdup("");
		xasprintf(cause, "expected an object with paused, vus or rate");
		return (RUN_INVALID);
	}
	json_object_foreach(body, key, v) {
		xasprintf(path, "/%s", key);
		if (strcmp(key, "paused") == 0) {
			if (!json_is_boolean(v)) {
				xasprintf(cause, "paused: expected true or "
				    "false");
				return (RUN_INVALID);
			}
			set[json_is_true(v) ? WORKER_PAUSE : WORKER_RESUME] = 1;
		} else if (strcmp(key, "vus") == 0) {
			if (open) {
				xasprintf(cause, "vus: this run has an open "
				    "model; set rate instead");
				return (RUN_INVALID);
			}
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > c->limits.max_vus) {
				xasprintf(cause, "vus: expected an integer "
				    "0..%lld", (long long)
				    c->limits.max_vus);
				return (RUN_INVALID);
			}
			if (run_check_fds(json_integer_value(v), conns,
			    cause) != 0)
				return (RUN_INVALID);
			set[WORKER_VUS] = 1;
			val[WORKER_VUS] = (double)json_integer_value(v);
		} else if (strcmp(key, "rate") == 0) {
			if (!open) {
				xasprintf(cause, "rate: this run has a closed "
				    "model; set vus instead");
				return (RUN_INVALID);
			}
			if (!json_is_number(v) || json_number_value(v) < 0 ||
			    json_number_value(v) > c->limits.max_rate) {
				xasprintf(cause, "rate: expected a number "
				    "0..%g", c->limits.max_rate);
				return (RUN_INVALID);
			}
			set[WORKER_RATE] = 1;
			val[WORKER_RATE] = json_number_value(v);
		} else {
			xasprintf(cause, "%s: unknown field (expected paused, "
			    "vus or rate)", key);
			return (RUN_INVALID);
		}
		free(*path);
		*path = NULL;
	}
	pthread_mutex_lock(&rs->lock);
	if (rs->active != id) {
		pthread_mutex_unlock(&rs->lock);
		xasprintf(cause, "run %lld is not running", (long long)id);
		return (RUN_INVALID);
	}
	for (i = 0; i <= WORKER_STOP; i++) {
		if (!set[i])
			continue;
		rs->patch_set[i] = 1;
		rs->patch[i] = val[i];
		if (i == WORKER_PAUSE) {
			rs->patch_set[WORKER_RESUME] = 0;
			rs->paused = 1;
		}
		if (i == WORKER_RESUME) {
			rs->patch_set[WORKER_PAUSE] = 0;
			rs->paused = 0;
		}
	}
	pthread_mutex_unlock(&rs->lock);
	event_active(rs->wake, EV_READ, 0);
	return (RUN_OK);
}

/*
 * Any thread: stop the active run id as status (stopped or aborted) for
 * reason, as a shard does when its collector tells it to. 0, or -1 when
 * it is not the active run.
 */
int
run_stop_as(struct runs *rs, int64_t id, enum run_status status,
    const char *reason)
{
	int	rc = -1;

	pthread_mutex_lock(&rs->lock);
	if (rs->active == id && rs->request == RUN_RUNNING) {
		rs->request = status;
		free(rs->request_reason);
		rs->request_reason = xstrdup(reason);
		rc = 0;
	}
	pthread_mutex_unlock(&rs->lock);
	if (rc == 0)
		event_active(rs->wake, EV_READ, 0);
	return (rc);
}

/* API thread: the live progress of run id, or NULL when it is not active. */
json_t *
run_progress(struct runs *rs, int64_t id)
{
	json_t	*p = NULL;

	pthread_mutex_lock(&rs->lock);
	if (rs->active == id) {
		p = rs->progress != NULL ? json_deep_copy(rs->progress) :
		    json_pack("{s:f, s:I, s:I, s:I, s:n, s:n, s:n}",
		    "elapsed_s", 0.0, "requests", (json_int_t)0, "errors",
		    (json_int_t)0, "warmup_requests", (json_int_t)0, "rps",
		    "vus", "p95_ms");	/* before the first second: no data */
		json_object_set_new(p, "paused", json_boolean(rs->paused));
	}
	pthread_mutex_unlock(&rs->lock);
	return (p);
}

/* The active run's id, 0 when none. */
int64_t
run_active(struct runs *rs)
{
	int64_t	id;

	pthread_mutex_lock(&rs->lock);
	id = rs->active;
	pthread_mutex_unlock(&rs->lock);
	return (id);
}
