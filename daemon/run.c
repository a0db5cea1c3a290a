/* SPDX-License-Identifier: MIT */
/*
 * run.c -- the active run, on the main thread: compile and start it, merge
 * the workers' per-second blocks into intervals and totals, sample the
 * system, watch abort thresholds, apply what the API asked (through the
 * state runs.c guards), and write the results when it ends. runs.c starts
 * runs one at a time and is told when one ended.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/utsname.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "loadd.h"

#define RUN_PENDING_MAX	64	/* seconds waiting for every worker */
#define RUN_TICK_LAG_NS	50000000ULL	/* merge 50 ms after each second */


/* One second being merged, until every worker has sent its part. */
struct run_second {
	int64_t		 second;
	struct wblock	*b;
};

/* The active run. */
struct run {
	int64_t			 id;
	struct plan		*plan;
	struct worker		**workers;
	int			 nworkers;
	int			 nfinished;
	struct writer		*writer;
	struct sysmon		*sysmon;	/* NULL: /proc unreadable */
	uint64_t		 t0;		/* monotonic ns */
	uint64_t		 t_end;		/* when the workers stopped */
	struct wblock		*total;		/* after the warmup */
	struct wblock		**levels;	/* sweep: one per level */
	struct run_second	 pending[RUN_PENDING_MAX];
	int64_t			*delivered;	/* per worker: newest second */
	int			 worker_busy_max; /* busiest worker, CPU % */
	int			 nsys;		/* system samples taken */
	int64_t			 sys_second;	/* newest system row */
	int64_t			 target_rss_first; /* -1: not sampled */
	int64_t			 target_rss_last;
	int64_t			 target_rss_max;
	size_t			 npending;
	int64_t			 last_second;	/* newest merged */
	uint64_t		 last_requests;	/* in it */
	enum run_status		 end;
	char			*reason;
	struct event		*tick;
	struct event		*done;
	struct run_opts		 opts;		/* a shard's (SPEC 16) */
	struct push		*push;		/* its pusher, or NULL */
	int			 started_told;	/* the pusher knows when */
};

static void	run_finish(struct runs *, struct run *);
static void	run_datasets_free(struct plan_dataset *, size_t);
static json_t	*run_env_host(const struct config *);

/*
 * The environment a run ran in, for comparing like with like; a shard's
 * or a run started at start_at also says how its clock stood.
 */
static json_t *
run_env(const struct config *c, const struct run_opts *o)
{
	json_t	*env = run_env_host(c);

	if (o->nshards > 0 || o->start_at != 0)
		json_object_set_new(env, "clock", push_clock());
	return (env);
}

static json_t *
run_env_host(const struct config *c)
{
	struct utsname	u;
	char		host[256];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	if (uname(&u) != 0)
		snprintf(u.release, sizeof u.release, "?");
	return (json_pack("{s:s, s:I, s:s, s:s, s:I}", "host", host,
	    "cores", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
	    "kernel", u.release, "version", PACKAGE_VERSION,
	    "threads", (json_int_t)c->threads));
}

/* Seconds of measured time: after the warmup, until the workers stopped. */
static double
run_elapsed(const struct run *r, uint64_t now)
{
	uint64_t	start = r->t0 + r->plan->warmup_ns;

	if (r->t_end != 0)
		now = r->t_end;
	return (now > start ? (double)(now - start) / 1e9 : 0);
}

/* Queue the intervals rows of one finished second. */
static void
run_interval_rows(struct run *r, const struct wblock *b)
{
	struct writer_row	*row, *head = NULL, **tail = &head;
	const struct wstat	*s;
	size_t			 i;
	uint64_t		 end = r->plan->warmup_ns + r->plan->duration_ns;

	/*
	 * The block the workers hand over as they stop may begin when the
	 * run is over: with nothing in it, it is no second of the run (a
	 * chart would dive to zero there).
	 */
	if (b->overall.ok + b->overall.failed + b->warmup_requests == 0 &&
	    (uint64_t)b->second * 1000000000ULL >= end)
		return;
	for (i = 0; i <= b->nstats; i++) {
		s = i < b->nstats ? &b->stats[i] : &b->overall;
		/* The whole run's row always: a quiet second is data too. */
		if (s->ok + s->failed == 0 && i < b->nstats)
			continue;
		row = xcalloc(1, sizeof *row);
		row->kind = WRITER_INTERVAL;
		row->second = b->second;
		snprintf(row->request, sizeof row->request, "%s",
		    i < b->nstats ? r->plan->stat_names[i] : "*");
		row->requests = s->ok + s->failed;
		row->errors = s->failed;
		row->p50 = row->p95 = row->p99 = row->max = NAN;
		if (hist_count(&s->lat) > 0) {
			row->p50 = stats_ms(hist_percentile(&s->lat, 50));
			row->p95 = stats_ms(hist_percentile(&s->lat, 95));
			row->p99 = stats_ms(hist_percentile(&s->lat, 99));
			row->max = stats_ms(hist_max(&s->lat));
		}
		row->histlen = hist_encode(&s->lat, &row->hist);
		row->vus = i < b->nstats ? -1 : b->vus;
		*tail = row;
		tail = &row->next;
	}
	/* One queueing: a drain, a transaction, has the whole second. */
	writer_queue(r->writer, head);
}

/* A second is complete: write it, add it to the totals, show progress. */
static void
run_second_done(struct runs *rs, struct run *r, struct wblock *b)
{
	int	level = -1, k;
	json_t	*p, *kinds;
	uint64_t now = clock_ns();

	run_interval_rows(r, b);
	wblock_merge(r->total, b);
	if (r->levels != NULL) {
		level = plan_level_at(r->plan, (uint64_t)b->second * 1000000000ULL);
		if (level >= 0 && (size_t)level < r->plan->nstages)
			wblock_merge(r->levels[level], b);
	}
	if (b->second >= r->last_second) {
		r->last_second = b->second;
		r->last_requests = b->overall.ok + b->overall.failed +
		    b->warmup_requests;
	}
	/* requests and errors as the summary will count them; warmup apart */
	p = json_pack("{s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:o, s:b}",
	    "elapsed_s", metric_round((double)(now - r->t0) / 1e9),
	    "duration_s", metric_round((double)(r->plan->warmup_ns +
		r->plan->duration_ns) / 1e9),
	    "requests", (json_int_t)(r->total->overall.ok +
		r->total->overall.failed),
	    "errors", (json_int_t)r->total->overall.failed,
	    "warmup_requests", (json_int_t)r->total->warmup_requests,
	    "rps", (json_int_t)r->last_requests,
	    "vus", (json_int_t)b->vus,
	    "p95_ms", hist_count(&r->total->overall.lat) > 0 ?
		json_real(stats_ms(hist_percentile(&r->total->overall.lat,
		95))) : json_null(),
	    "warmup", (uint64_t)b->second * 1000000000ULL <
		r->plan->warmup_ns);
	kinds = json_object();
	for (k = 1; k < ERR_NKINDS; k++)
		if (r->total->overall.errors[k] > 0)
			json_object_set_new(kinds, err_kind_name((enum err_kind)k),
			    json_integer((json_int_t)r->total->overall.errors[k]));
	json_object_set_new(p, "errors_by_kind", kinds);
	if (r->levels != NULL && level >= 0 &&
	    (size_t)level < r->plan->nstages)
		json_object_set_new(p, "level", json_pack("{s:i, s:i, s:I}",
		    "index", level + 1, "of", (int)r->plan->nstages, "vus",
		    (json_int_t)r->plan->stages[level].target));
	pthread_mutex_lock(&rs->lock);
	json_decref(rs->progress);
	rs->progress = p;
	pthread_mutex_unlock(&rs->lock);
	free(b);
}

/* Merge the workers' new blocks; finalise complete seconds (all: at end). */
static void
run_collect(struct runs *rs, struct run *r, int all)
{
	struct wblock	*b, *next;
	size_t		 i, j, oldest;
	int		 w, fin, complete;

	for (w = 0; w < r->nworkers; w++) {
		/* Finished first: then the take gets its last block too. */
		fin = worker_finished(r->workers[w]);
		if (fin)
			r->delivered[w] = INT64_MAX;
		for (b = worker_take(r->workers[w]); b != NULL; b = next) {
			if (!fin && b->second > r->delivered[w])
				r->delivered[w] = b->second;
			next = b->next;
			for (i = 0; i < r->npending; i++)
				if (r->pending[i].second == b->second)
					break;
			if (i == r->npending) {
				if (r->npending == RUN_PENDING_MAX) {
					/* A stuck worker: give up waiting. */
					for (oldest = 0, j = 1; j < r->npending;
					    j++)
						if (r->pending[j].second <
						    r->pending[oldest].second)
							oldest = j;
					run_second_done(rs, r,
					    r->pending[oldest].b);
					r->pending[oldest] =
					    r->pending[--r->npending];
					i = r->npending;
				}
				r->pending[i].second = b->second;
				r->pending[i].b = wblock_create(r->plan->nstats);
				r->pending[i].b->second = b->second;
				r->npending++;
			}
			wblock_merge(r->pending[i].b, b);
			free(b);
		}
	}
	/*
	 * Oldest first, so progress moves forward. A second is complete when
	 * every worker has delivered it or has finished.
	 */
	for (;;) {
		for (oldest = r->npending, i = 0; i < r->npending; i++) {
			complete = 1;
			for (w = 0; w < r->nworkers; w++)
				if (r->delivered[w] < r->pending[i].second)
					complete = 0;
			if (!all && !complete)
				continue;
			if (oldest == r->npending ||
			    r->pending[i].second < r->pending[oldest].second)
				oldest = i;
		}
		if (oldest == r->npending)
			break;
		run_second_done(rs, r, r->pending[oldest].b);
		r->pending[oldest] = r->pending[--r->npending];
	}
}

/* Ask every worker to stop; the run ends with why (first reason wins). */
static void
run_stop_workers(struct run *r, enum run_status why, const char *reason)
{
	int	w;

	if (r->end == RUN_RUNNING) {
		r->end = why;
		if (reason != NULL)
			r->reason = xstrdup(reason);
	}
	for (w = 0; w < r->nworkers; w++)
		worker_command(r->workers[w], WORKER_STOP, 0);
}

/* Take a system sample; queue it as the row of second (-1: no row). */
static void
run_system_row(struct run *r, int64_t second)
{
	struct sysmon_sample	 ss;
	struct writer_row	*row;

	if (sysmon_sample(r->sysmon, &ss) != 0)
		return;
	r->nsys++;
	if (ss.target_ok && ss.target_rss_bytes >= 0) {
		if (r->target_rss_first < 0)
			r->target_rss_first = ss.target_rss_bytes;
		r->target_rss_last = ss.target_rss_bytes;
		if (ss.target_rss_bytes > r->target_rss_max)
			r->target_rss_max = ss.target_rss_bytes;
	}
	if (ss.threads_busy_pct > r->worker_busy_max)
		r->worker_busy_max = ss.threads_busy_pct;
	if (second < 0 || r->writer == NULL)
		return;
	row = xcalloc(1, sizeof *row);
	row->kind = WRITER_SYSTEM;
	row->second = second;
	row->cpu_pct = ss.cpu_pct;
	row->rss = ss.rss_bytes;
	row->target_cpu_pct = ss.target_cpu_pct;
	row->target_rss = ss.target_ok ? ss.target_rss_bytes : -1;
	writer_queue(r->writer, row);
	r->sys_second = second;
}

/* Once a second: loadd's, the host's and the target's CPU and memory. */
static void
run_sample_system(struct run *r)
{
	uint64_t	now = clock_ns();
	int64_t		second;

	if (r->sysmon == NULL || r->writer == NULL || r->end != RUN_RUNNING ||
	    now < r->t0 + 1000000000ULL)
		return;
	second = (int64_t)((now - r->t0) / 1000000000ULL) - 1;
	if (second > r->sys_second)
		run_system_row(r, second);
}

/*
 * The end of the run: one more sample, so that a run shorter than a second
 * has CPU and memory too (SPEC 13); its row is the second after the last.
 */
static void
run_sample_end(struct run *r)
{
	if (r->sysmon != NULL && r->writer != NULL)
		run_system_row(r, r->sys_second + 1);
}

/* The target metrics of thresholds, from the monitor's samples. */
static void
run_target_metrics(const struct run *r, struct stats *overall)
{
	if (r->target_rss_first < 0)
		return;
	overall->v[METRIC_TARGET_RSS_GROWTH] = (double)(r->target_rss_last -
	    r->target_rss_first);
	overall->v[METRIC_TARGET_RSS_MAX] = (double)r->target_rss_max;
}

static void
run_tick_arm(struct run *r)
{
	struct timeval	tv;
	uint64_t	now = clock_ns(), next;

	next = now > r->t0 ? (now - r->t0) / 1000000000ULL + 1 : 1;
	next = r->t0 + next * 1000000000ULL + RUN_TICK_LAG_NS - now;
	tv.tv_sec = (time_t)(next / 1000000000ULL);
	tv.tv_usec = (suseconds_t)(next % 1000000000ULL / 1000);
	evtimer_add(r->tick, &tv);
}

/* Each second: merge, check abort thresholds, apply the API's requests. */
static void
run_tick(evutil_socket_t fd, short events, void *arg)
{
	struct runs	*rs = arg;
	struct run	*r = rs->run;
	enum run_status	 request;
	struct result	 res;
	json_t		*verdicts;
	size_t		 i;
	int		 passed, w;
	char		*why, *reason;

	if (r == NULL)
		return;
	if (fd != -2)	/* a timer tick, not a wake-up from the API */
		run_tick_arm(r);
	run_collect(rs, r, 0);
	if (fd != -2)
		run_sample_system(r);

	pthread_mutex_lock(&rs->lock);
	request = rs->request;
	rs->request = RUN_RUNNING;
	reason = rs->request_reason;
	rs->request_reason = NULL;
	for (i = 0; i <= WORKER_STOP; i++) {
		if (!rs->patch_set[i])
			continue;
		rs->patch_set[i] = 0;
		for (w = 0; w < r->nworkers; w++)
			worker_command(r->workers[w], (enum worker_cmd)i,
			    rs->patch[i]);
	}
	pthread_mutex_unlock(&rs->lock);
	if (request != RUN_RUNNING)
		run_stop_workers(r, request, reason != NULL ? reason :
		    request == RUN_STOPPED ? "stopped by a user" : NULL);
	free(reason);
	if (r->push != NULL && !r->started_told &&
	    worker_started_ms(r->workers[0]) != 0) {
		push_started(r->push, worker_started_ms(r->workers[0]));
		r->started_told = 1;
	}

	/* A shard's thresholds are judged on the merged run, not here. */
	if (r->end == RUN_RUNNING && r->opts.nshards == 0 &&
	    r->total->overall.ok + r->total->overall.failed > 0) {
		result_build(&res, r->plan->stat_names, r->plan->nstats,
		    r->total, run_elapsed(r, clock_ns()), NULL);
		run_target_metrics(r, &res.overall);
		verdicts = stats_thresholds(r->plan, &res.overall, res.stats,
		    res.nnames, 1, &passed);
		result_free(&res);
		if (!passed && (why = stats_abort_reason(verdicts, "")) !=
		    NULL) {
			log_info("run %lld: aborting: %s", (long long)r->id,
			    why);
			run_stop_workers(r, RUN_ABORTED, why);
			free(why);
		}
		json_decref(verdicts);
	}
}

/* A worker finished (called on its thread): wake the main thread. */
static void
run_worker_done(void *arg)
{
	struct run	*r = arg;

	event_active(r->done, EV_READ, 0);
}

/* On the main thread: when every worker has finished, end the run. */
static void
run_done(evutil_socket_t fd, short events, void *arg)
{
	struct runs	*rs = arg;
	struct run	*r = rs->run;
	int		 w;

	if (r == NULL)
		return;
	for (w = 0; w < r->nworkers; w++)
		if (!worker_finished(r->workers[w]))
			return;
	run_finish(rs, r);
	runs_next(rs);
}

/*
 * Mark a run failed before it started: its summary says so through the same
 * path as a finished run's (nothing measured: every statistic null), with
 * an errors row when it is DNS.
 */
static void
run_fail(struct runs *rs, int64_t id, const char *reason, int dns,
    const struct run_opts *o)
{
	struct result	 res;
	struct wblock	*b = wblock_create(0);
	struct push	*p;
	json_t		*summary;
	char		*text, *cause;

	log_warn("run %lld failed: %s", (long long)id, reason);
	result_build(&res, NULL, 0, b, NAN, NULL);
	free(b);
	result_judge(&res, NULL, 0);
	if (dns)
		json_array_append_new(res.errors, json_pack("{s:s, s:s, s:n, "
		    "s:i, s:s}", "request", "*", "kind", "dns", "status",
		    "count", 1, "example", reason));
	if (store_result_put(rs->store, id, &res, &cause) != 0) {
		log_error("run %lld: %s", (long long)id, cause);
		free(cause);
	}
	summary = result_summary(&res);
	text = json_dumps(summary, JSON_COMPACT);
	store_run_ended(rs->store, id, "failed", 0, text, reason);
	free(text);
	/* A shard tells its collector at once, not by going silent. */
	if (o != NULL && o->nshards > 0) {
		p = push_start(rs, rs->config, id, o, NULL, NULL);
		push_end(p, "failed", reason, summary);
		runs_keep_push(rs, p);
	}
	json_decref(summary);
	result_free(&res);
}

/*
 * Read the datasets spec's data variables draw from: the run keeps this
 * snapshot, whatever happens to them later. -1 with *cause when one is
 * gone or empty.
 */
static int
run_datasets(struct runs *rs, json_t *spec, struct plan_dataset **out,
    size_t *n, char **cause)
{
	struct plan_dataset	*ds = NULL;
	json_t			*v;
	const char		*name, *dname;
	char			*csv, *why;
	size_t			 len;
	int			 found;

	*n = 0;
	json_object_foreach(json_object_get(spec, "vars"), name, v) {
		if ((dname = json_string_value(json_object_get(v, "data"))) ==
		    NULL)
			continue;
		ds = xreallocarray(ds, *n + 1, sizeof *ds);
		ds[*n].name = xstrdup(dname);
		ds[(*n)++].d = NULL;
		found = store_data_get(rs->store, dname, &csv, &len, &why);
		if (found != 1) {
			xasprintf(cause, "dataset %s: %s", dname, found == 0 ?
			    "no such dataset (it was removed)" : why);
			if (found < 0)
				free(why);
			goto fail;
		}
		ds[*n - 1].d = data_parse_csv(csv, len, &why);
		free(csv);
		if (ds[*n - 1].d == NULL) {
			xasprintf(cause, "dataset %s: %s", dname, why);
			free(why);
			goto fail;
		}
		if (ds[*n - 1].d->nrows == 0) {
			xasprintf(cause, "dataset %s has no rows", dname);
			goto fail;
		}
	}
	*out = ds;
	return (0);
fail:
	run_datasets_free(ds, *n);
	return (-1);
}

/* What run_datasets() read and the plan did not take. */
static void
run_datasets_free(struct plan_dataset *ds, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(ds[i].name);
		data_free(ds[i].d);
	}
	free(ds);
}

/*
 * A run at start_at may wait in the queue; one that could not start on
 * time fails, so that no shard starts late against the others. 0 or -1.
 */
static int
run_start_at(struct run *r, char **cause)
{
	int64_t	now = clock_wall_ms();
	char	at[64];

	*cause = NULL;
	if (r->opts.start_at == 0 || r->opts.start_at >= now - 1000)
		return (0);
	runopts_format(r->opts.start_at, at, sizeof at);
	xasprintf(cause, "start_at %s had passed %.1f s before the run could "
	    "start (it waited in the queue)", at,
	    (double)(now - r->opts.start_at) / 1e3);
	return (-1);
}

/*
 * Start run id, already active: compile, spawn the writer and the workers.
 * Returns -1 when it could not start (marked failed).
 */
int
run_start(struct runs *rs, int64_t id)
{
	struct run		*r;
	struct ring		**rings;
	struct plan_dataset	*ds;
	json_t			*spec, *env;
	char			*cause = NULL, *text, at[64];
	size_t			 nds;
	int			 why, w;
	int64_t			 now_ms;

	if ((spec = store_run_spec(rs->store, id, &cause)) == NULL) {
		log_error("run %lld: %s", (long long)id, cause);
		free(cause);
		return (-1);
	}
	r = xcalloc(1, sizeof *r);
	r->id = id;
	r->last_second = -1;
	r->sys_second = -1;
	r->target_rss_first = r->target_rss_last = r->target_rss_max = -1;
	/* A shard's options first: a shard that fails says so to its collector. */
	if (store_run_opts(rs->store, id, &r->opts) != 0) {
		json_decref(spec);
		run_fail(rs, id, "its shard options are damaged", 0, NULL);
		free(r);
		return (-1);
	}
	/* The datasets it draws from: a snapshot, read now. */
	if (run_datasets(rs, spec, &ds, &nds, &cause) != 0) {
		json_decref(spec);
		run_fail(rs, id, cause, 0, &r->opts);
		free(cause);
		free(r);
		return (-1);
	}
	r->plan = plan_compile_data(spec, rs->config, ds, nds, &why, &cause);
	run_datasets_free(ds, nds);
	json_decref(spec);
	if (r->plan == NULL) {
		run_fail(rs, id, cause, why == PLAN_DNS, &r->opts);
		free(cause);
		free(r);
		return (-1);
	}
	r->plan->run_id = id;	/* {{run_id}}, and the random seed */
	if (run_start_at(r, &cause) != 0) {
		run_fail(rs, id, cause, 0, &r->opts);
		free(cause);
		plan_free(r->plan);
		free(r);
		return (-1);
	}
	r->plan->shard = r->opts.shard;
	r->plan->nshards = r->opts.nshards;
	r->sysmon = sysmon_create(r->plan->monitor_pid,
	    r->plan->monitor_pidfile, &cause);
	if (r->sysmon == NULL) {
		if (r->plan->monitor_pid != 0 ||
		    r->plan->monitor_pidfile != NULL) {
			run_fail(rs, id, cause, 0, &r->opts);
			free(cause);
			plan_free(r->plan);
			free(r);
			return (-1);
		}
		log_warn("run %lld: no system metrics: %s", (long long)id,
		    cause);
		free(cause);
	} else
		run_system_row(r, -1);	/* primes the counters: the start */
	r->nworkers = rs->config->threads;
	r->total = wblock_create(r->plan->nstats);
	if (r->plan->executor == EXEC_SWEEP) {
		r->levels = xcalloc(r->plan->nstages, sizeof *r->levels);
		for (size_t i = 0; i < r->plan->nstages; i++)
			r->levels[i] = wblock_create(r->plan->nstats);
	}
	r->done = event_new(rs->base, -1, EV_PERSIST, run_done, rs);
	r->tick = evtimer_new(rs->base, run_tick, rs);
	if (r->done == NULL || r->tick == NULL)
		fatalx("event_new");
	event_add(r->done, NULL);

	/*
	 * A little ahead, so every worker starts on the same clock; at
	 * start_at, read once on the wall clock and waited for on the
	 * monotonic one (a clock step during the wait moves nothing).
	 */
	now_ms = clock_wall_ms();
	r->t0 = clock_ns() + 20000000ULL;
	if (r->opts.start_at > now_ms + 20)
		r->t0 = clock_ns() + (uint64_t)(r->opts.start_at - now_ms) *
		    1000000ULL;
	r->workers = xcalloc((size_t)r->nworkers, sizeof *r->workers);
	r->delivered = xcalloc((size_t)r->nworkers, sizeof *r->delivered);
	for (w = 0; w < r->nworkers; w++)
		r->delivered[w] = -1;
	rings = xcalloc((size_t)r->nworkers, sizeof *rings);
	for (w = 0; w < r->nworkers; w++) {
		r->workers[w] = worker_create(w, r->nworkers, r->plan, r->t0,
		    run_worker_done, r);
		rings[w] = worker_ring(r->workers[w]);
	}
	r->writer = writer_start(rs->config->db, id, r->plan->stat_names,
	    r->plan->nstats, rings, (size_t)r->nworkers,
	    rs->config->max_samples, &cause);
	if (r->writer == NULL) {
		run_fail(rs, id, cause, 0, &r->opts);
		free(cause);
		free(rings);
		rs->run = r;
		r->end = RUN_FAILED;
		run_finish(rs, r);
		return (-1);
	}
	free(rings);	/* the writer keeps its own copy of the pointers */

	env = run_env(rs->config, &r->opts);
	text = json_dumps(env, JSON_COMPACT);
	store_run_started(rs->store, id, text);
	free(text);
	if (r->opts.nshards > 0) {
		if (r->opts.start_at != 0)
			runopts_format(r->opts.start_at, at, sizeof at);
		r->push = push_start(rs, rs->config, id, &r->opts,
		    r->opts.start_at != 0 ? at : NULL, env);
	}
	json_decref(env);

	rs->run = r;
	pthread_mutex_lock(&rs->lock);
	rs->starting = 0;
	rs->active_open = plan_is_open(r->plan);
	rs->active_conns = r->plan->maxconns;
	pthread_mutex_unlock(&rs->lock);

	for (w = 0; w < r->nworkers; w++)
		if (worker_start(r->workers[w], &cause) != 0)
			fatalx("run %lld: %s", (long long)id, cause);
	run_tick_arm(r);
	log_info("run %lld started: scenario %s, %d workers", (long long)id,
	    r->plan->scenario, r->nworkers);
	return (0);
}

/*
 * A sweep's levels into the result: each measured for the time the run
 * spent in it, from the level's start to its end or the run's.
 */
static void
run_levels(const struct run *r, struct result *res)
{
	const struct plan	*p = r->plan;
	double			*secs, *vus;
	uint64_t		 start = p->warmup_ns, end, stop;
	size_t			 i;

	stop = r->t_end > r->t0 ? r->t_end - r->t0 : 0;
	secs = xcalloc(p->nstages, sizeof *secs);
	vus = xcalloc(p->nstages, sizeof *vus);
	for (i = 0; i < p->nstages; i++) {
		end = start + p->stages[i].duration_ns;
		if (stop > start)
			secs[i] = (double)((stop < end ? stop : end) - start) /
			    1e9;
		vus[i] = p->stages[i].target;
		start = end;
	}
	result_levels(res, r->levels, secs, vus, p->nstages);
	free(secs);
	free(vus);
}

/*
 * A shard's end, for its pusher: the status, the reason, and the summary
 * with what the collector cannot rebuild from the seconds (the open
 * model's service time, as a histogram).
 */
static void
run_push_end(struct run *r, json_t *summary)
{
	json_t		*final = json_deep_copy(summary);
	unsigned char	*blob;
	char		*b64;
	size_t		 len;

	if (plan_is_open(r->plan)) {
		len = hist_encode(&r->total->svc, &blob);
		b64 = base64_encode(blob, len);
		json_object_set_new(final, "service_hist", json_string(b64));
		free(b64);
		free(blob);
	}
	push_end(r->push, run_status_name(r->end), r->reason, final);
	json_decref(final);
}

/*
 * The run is over (or never got going): stop the writer, compute the
 * summary and thresholds, write run_stats, errors and the run row.
 */
static void
run_finish(struct runs *rs, struct run *r)
{
	const struct plan	*p = r->plan;
	struct result		 res;
	json_t			*summary;
	char			*text, *cause;
	double			 elapsed;
	uint64_t		 written = 0, failed = 0, shed = 0, capped = 0;
	size_t			 i;
	int			 w;

	for (w = 0; w < r->nworkers; w++)
		worker_join(r->workers[w]);
	if (r->t_end == 0)
		r->t_end = clock_ns();
	if (r->t_end > r->t0 + p->warmup_ns + p->duration_ns)
		r->t_end = r->t0 + p->warmup_ns + p->duration_ns;
	if (r->end == RUN_RUNNING)
		r->end = RUN_COMPLETED;
	if (r->writer != NULL) {
		run_collect(rs, r, 1);
		run_sample_end(r);
		writer_stop(r->writer, &written, &failed, &capped);
	}
	for (w = 0; w < r->nworkers; w++) {
		shed += worker_ring(r->workers[w])->shed;
		capped += worker_ring(r->workers[w])->capped;
	}

	if (r->end != RUN_FAILED) {
		elapsed = run_elapsed(r, r->t_end);
		result_build(&res, p->stat_names, p->nstats, r->total, elapsed,
		    p->spec);
		json_decref(res.errors);
		res.errors = stats_errors(p, r->total);
		run_target_metrics(r, &res.overall);
		for (w = 0; w < r->nworkers; w++)
			if (worker_exhausted(r->workers[w]) != NULL &&
			    r->reason == NULL)
				xasprintf(&r->reason, "data exhausted: %s",
				    worker_exhausted(r->workers[w]));
		if (plan_is_open(p))
			result_open(&res, r->total);
		if (r->levels != NULL)
			run_levels(r, &res);
		if (r->opts.nshards > 0) {
			/* A shard's verdict is the merged run's. */
			result_judge(&res, NULL, 0);
			res.passed = r->end == RUN_COMPLETED;
		} else
			result_judge(&res, p, r->end == RUN_COMPLETED);
		if (res.reason != NULL && r->reason == NULL)
			r->reason = xstrdup(res.reason);
		if (store_result_put(rs->store, r->id, &res, &cause) != 0) {
			log_error("run %lld: %s", (long long)r->id, cause);
			free(cause);
		}
		summary = result_summary(&res);
		json_object_set_new(summary, "samples_stored",
		    json_integer((json_int_t)written));
		json_object_set_new(summary, "samples_shed",
		    json_integer((json_int_t)(shed + failed)));
		if (capped > 0)
			json_object_set_new(summary, "samples_capped",
			    json_integer((json_int_t)capped));

		if (r->worker_busy_max >= 0)
			json_object_set_new(summary, "worker_cpu_pct_max",
			    json_integer(r->worker_busy_max));
		if (r->sysmon != NULL)
			json_object_set_new(summary, "system_samples",
			    json_pack("{s:i, s:o}", "count", r->nsys,
			    "target_rss_start_bytes", r->target_rss_first >= 0 ?
			    json_integer(r->target_rss_first) : json_null()));
		if (shed + failed > 0)
			log_warn("run %lld: %llu samples not stored (the "
			    "writer fell behind)", (long long)r->id,
			    (unsigned long long)(shed + failed));
		if (r->push != NULL) {
			json_object_set_new(summary, "judged_by",
			    json_string(r->opts.collector));
			run_push_end(r, summary);
		}
		text = json_dumps(summary, JSON_COMPACT);
		store_run_ended(rs->store, r->id, run_status_name(r->end),
		    res.passed, text, r->reason);
		log_info("run %lld %s: %.0f requests, %.0f failed%s%s",
		    (long long)r->id, run_status_name(r->end),
		    res.overall.v[METRIC_REQUESTS],
		    res.overall.v[METRIC_ERRORS],
		    res.passed ? "" : ", not passed: ",
		    res.passed ? "" : (r->reason != NULL ? r->reason :
		    "thresholds failed"));
		free(text);
		json_decref(summary);
		result_free(&res);
	}

	if (r->push != NULL) {
		/* It goes on until the collector has the final record. */
		if (r->end == RUN_FAILED) {
			summary = json_object();
			push_end(r->push, "failed", r->reason, summary);
			json_decref(summary);
		}
		runs_keep_push(rs, r->push);
	}
	pthread_mutex_lock(&rs->lock);
	rs->active = 0;
	rs->starting = 0;
	rs->request = RUN_RUNNING;
	free(rs->request_reason);
	rs->request_reason = NULL;
	json_decref(rs->progress);
	rs->progress = NULL;
	pthread_mutex_unlock(&rs->lock);
	rs->run = NULL;

	for (w = 0; w < r->nworkers; w++)
		worker_free(r->workers[w]);
	free(r->workers);
	free(r->delivered);
	if (r->levels != NULL)
		for (i = 0; i < p->nstages; i++)
			free(r->levels[i]);
	free(r->levels);
	for (i = 0; i < r->npending; i++)
		free(r->pending[i].b);
	free(r->total);
	event_free(r->tick);
	event_free(r->done);
	sysmon_free(r->sysmon);
	free(r->reason);
	plan_free(r->plan);
	free(r);
}

/* The API asked for something: apply it to the active run now. */
void
run_wake(struct runs *rs)
{
	if (rs->run != NULL)
		run_tick(-2, 0, rs);
}

/* Shutdown: the active run ends as interrupted, its data kept. */
void
run_interrupt(struct runs *rs)
{
	struct run	*r = rs->run;

	if (r == NULL)
		return;
	log_info("run %lld interrupted by shutdown", (long long)r->id);
	run_stop_workers(r, RUN_INTERRUPTED, "loadd was stopped");
	run_finish(rs, r);
}
