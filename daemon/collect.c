/* SPDX-License-Identifier: MIT */
/*
 * collect.c -- the collector of shards (SPEC 16), on the main thread: once
 * a second it looks at each execution still running, marks a part that
 * stopped pushing 15 s ago lost, checks the abort thresholds against the
 * merged seconds every live part has pushed, and ends the merged run when
 * every part has ended (or one was lost), its summary built by
 * result_build() from the merged histograms as a local run's is. What the
 * shards push is taken on the API thread (store_push); the checks of a
 * push document are here too (collect_check).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "loadd.h"
#include "hist.h"

#define COLLECT_LOST_S		15	/* no push for this long: lost */
#define COLLECT_ROWS_MAX	200000	/* rows in one push */

/* An execution being collected: what its abort thresholds need. */
struct collect_exec {
	int64_t			 id;
	struct plan		*plan;		/* its load model, thresholds */
	int			 aborts;	/* it has abort_on_fail ones */
	struct wblock		*acc;		/* merged seconds so far */
	char			**names;	/* of acc's stats */
	size_t			 nnames;
	int64_t			 cursor;	/* acc holds seconds <= this */
	int			 seen;		/* in this tick's list */
	struct collect_exec	*next;
};

struct collect {
	struct event_base	*base;
	struct store		*store;		/* the main thread's */
	struct event		*tick;
	struct collect_exec	*execs;
};

/* Now on the wall clock, in seconds since the epoch. */
static double
collect_now(void)
{
	return ((double)clock_wall_ms() / 1e3);
}

static int
collect_status_ended(const char *s)
{
	return (strcmp(s, "waiting") != 0 && strcmp(s, "running") != 0);
}

/* Which stat of names is name; -1 if none. */
static int
collect_name(char **names, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return ((int)i);
	return (-1);
}

/*
 * The plan judges stats in the order of its stat_names: give it the order
 * of the result it judges.
 */
static void
collect_plan_names(struct plan *p, char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < p->nstats; i++)
		free(p->stat_names[i]);
	free(p->stat_names);
	p->stat_names = xcalloc(n + 1, sizeof *p->stat_names);
	for (i = 0; i < n; i++)
		p->stat_names[i] = xstrdup(names[i]);
	p->nstats = n;
}

/* Add a block of merged seconds (stats named by names) into ce's acc. */
static void
collect_acc_add(struct collect_exec *ce, struct wblock *b, char **names,
    size_t n)
{
	struct wblock	*grown;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		if (collect_name(ce->names, ce->nnames, names[i]) >= 0)
			continue;
		ce->names = xreallocarray(ce->names, ce->nnames + 1,
		    sizeof *ce->names);
		ce->names[ce->nnames++] = xstrdup(names[i]);
	}
	if (ce->acc == NULL || ce->acc->nstats < ce->nnames) {
		grown = wblock_create(ce->nnames);
		if (ce->acc != NULL) {
			wstat_merge(&grown->overall, &ce->acc->overall);
			for (i = 0; i < ce->acc->nstats; i++)
				wstat_merge(&grown->stats[i],
				    &ce->acc->stats[i]);
			free(ce->acc);
		}
		ce->acc = grown;
	}
	wstat_merge(&ce->acc->overall, &b->overall);
	for (i = 0; i < n && i < b->nstats; i++)
		if ((k = collect_name(ce->names, ce->nnames, names[i])) >= 0)
			wstat_merge(&ce->acc->stats[k], &b->stats[i]);
}

static void
collect_exec_free(struct collect_exec *ce)
{
	size_t	i;

	plan_free(ce->plan);
	free(ce->acc);
	for (i = 0; i < ce->nnames; i++)
		free(ce->names[i]);
	free(ce->names);
	free(ce);
}

/* The execution's entry, made on first sight (after a restart too). */
static struct collect_exec *
collect_exec_get(struct collect *co, int64_t id)
{
	struct collect_exec	*ce;
	json_t			*spec;
	char			*cause;
	size_t			 i;

	for (ce = co->execs; ce != NULL; ce = ce->next)
		if (ce->id == id)
			return (ce);
	if ((spec = store_run_spec(co->store, id, &cause)) == NULL) {
		log_error("execution run %lld: %s", (long long)id, cause);
		free(cause);
		return (NULL);
	}
	ce = xcalloc(1, sizeof *ce);
	ce->id = id;
	ce->plan = plan_judge(spec);
	json_decref(spec);
	for (i = 0; i < ce->plan->nthresholds; i++)
		if (ce->plan->thresholds[i].abort_on_fail)
			ce->aborts = 1;
	ce->cursor = -1;
	ce->next = co->execs;
	co->execs = ce;
	return (ce);
}

/*
 * Abort thresholds, on the merged seconds every live part has pushed:
 * returns the reason to abort (allocated) or NULL.
 */
static char *
collect_abort_check(struct collect *co, struct collect_exec *ce,
    const struct exec_state *es)
{
	struct wblock	*b;
	struct result	 res;
	json_t		*verdicts;
	char		**names, *cause, *why = NULL;
	size_t		 i, n;
	int64_t		 complete = INT64_MAX;
	double		 secs, warmup_s;
	int		 passed;

	for (i = 0; i < es->nparts; i++) {
		if (strcmp(es->parts[i].status, "waiting") == 0)
			return (NULL);
		if (strcmp(es->parts[i].status, "running") == 0 &&
		    es->parts[i].last_second < complete)
			complete = es->parts[i].last_second;
	}
	if (complete == INT64_MAX || complete <= ce->cursor)
		return (NULL);
	if (store_run_block(co->store, ce->id, ce->cursor + 1, complete, 1,
	    &b, &names, &n, &secs, &cause) != 0) {
		log_error("execution run %lld: %s", (long long)ce->id, cause);
		free(cause);
		return (NULL);
	}
	collect_acc_add(ce, b, names, n);
	free(b);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ce->cursor = complete;
	if (ce->acc == NULL || ce->acc->overall.ok + ce->acc->overall.failed ==
	    0)
		return (NULL);

	warmup_s = (double)ce->plan->warmup_ns / 1e9;
	secs = (double)(complete + 1) - warmup_s;
	result_build(&res, ce->names, ce->nnames, ce->acc, secs, NULL);
	collect_plan_names(ce->plan, ce->names, ce->nnames);
	verdicts = stats_thresholds(ce->plan, &res.overall, res.stats,
	    res.nnames, 1, &passed);
	result_free(&res);
	if (!passed)
		why = stats_abort_reason(verdicts, " on the merged shards");
	json_decref(verdicts);
	return (why);
}

/* Add the finals' errors up by request, kind and status. */
static void
collect_errors(struct result *res, json_t *finals)
{
	json_t	*f, *e, *have;
	size_t	 i, j, k;
	int	 same;

	json_decref(res->errors);
	res->errors = json_array();
	json_array_foreach(finals, i, f) {
		json_array_foreach(json_object_get(f, "errors"), j, e) {
			json_array_foreach(res->errors, k, have) {
				same = json_equal(json_object_get(have,
				    "request"), json_object_get(e, "request")) &&
				    json_equal(json_object_get(have, "kind"),
				    json_object_get(e, "kind")) &&
				    json_equal(json_object_get(have, "status"),
				    json_object_get(e, "status"));
				if (!same)
					continue;
				json_object_set_new(have, "count",
				    json_integer(json_integer_value(
				    json_object_get(have, "count")) +
				    json_integer_value(json_object_get(e,
				    "count"))));
				break;
			}
			if (k == json_array_size(res->errors))
				json_array_append_new(res->errors,
				    json_deep_copy(e));
		}
	}
}

/* A part's protocol for a request (or overall, in o) joins the merged one. */
static void
collect_protocol(struct stats *s, json_t *o)
{
	const char	*p = json_string_value(json_object_get(o, "protocol"));

	if (p == NULL)
		return;
	if (strstr(p, "http/1.1") != NULL)
		s->proto_n[PROTO_H1]++;
	if (strstr(p, "h2") != NULL)
		s->proto_n[PROTO_H2]++;
}

/*
 * What only the shards' final summaries know: protocols, bytes (per
 * request and in all), warmup requests, h2 stream waits, the open model's
 * late and dropped iterations and service time (its histogram merged).
 * Without every part's final, the bytes are unknown (null), not a part's.
 */
static void
collect_finals(struct result *res, json_t *finals, int complete)
{
	struct hist	*svc;
	struct stats	*s;
	json_t		*f, *o, *r;
	unsigned char	*blob;
	const char	*b64;
	double		 sent, recv;
	size_t		 i, j, k, len;
	char		*cause;

	svc = hist_create();
	for (k = 0; k <= res->nnames; k++) {
		s = k < res->nnames ? &res->stats[k] : &res->overall;
		sent = recv = 0;
		json_array_foreach(finals, i, f) {
			if (k == res->nnames)
				o = json_object_get(f, "overall");
			else {
				o = NULL;
				json_array_foreach(json_object_get(f,
				    "requests"), j, r)
					if (json_is_string(json_object_get(r,
					    "name")) && strcmp(json_string_value(
					    json_object_get(r, "name")),
					    res->names[k]) == 0)
						o = r;
			}
			sent += json_number_value(json_object_get(o,
			    "bytes_sent"));
			recv += json_number_value(json_object_get(o,
			    "bytes_received"));
			collect_protocol(s, k == res->nnames ? f : o);
		}
		s->v[METRIC_BYTES_SENT] = complete ? sent : NAN;
		s->v[METRIC_BYTES_RECEIVED] = complete ? recv : NAN;
	}
	res->warmup_requests = 0;
	json_array_foreach(finals, i, f) {
		res->warmup_requests += (uint64_t)json_integer_value(
		    json_object_get(f, "warmup_requests"));
		res->stream_waits += (uint64_t)json_integer_value(
		    json_object_get(f, "stream_waits"));
		if ((o = json_object_get(f, "open")) == NULL)
			continue;
		res->late += (uint64_t)json_integer_value(json_object_get(o,
		    "late_iterations"));
		res->dropped += (uint64_t)json_integer_value(json_object_get(o,
		    "dropped_iterations"));
		if ((b64 = json_string_value(json_object_get(f,
		    "service_hist"))) != NULL && base64_decode(b64, &blob,
		    &len) == 0) {
			struct hist	*h;

			if ((h = hist_decode(blob, len, &cause)) != NULL) {
				hist_merge(svc, h);
				hist_free(h);
			} else
				free(cause);
			free(blob);
		}
	}
	if (res->open)
		stats_latency(&res->service, svc);
	hist_free(svc);
}

/* A sweep's levels, each from its seconds of the merged intervals. */
static void
collect_levels(struct collect *co, int64_t id, const struct plan *p,
    struct result *res, double elapsed)
{
	struct wblock	**levels, *b;
	char		**names, *cause;
	double		*secs, *vus, dummy, start, end;
	size_t		 i, n, k;

	levels = xcalloc(p->nstages, sizeof *levels);
	secs = xcalloc(p->nstages, sizeof *secs);
	vus = xcalloc(p->nstages, sizeof *vus);
	start = (double)p->warmup_ns / 1e9;
	for (i = 0; i < p->nstages; i++) {
		end = start + (double)p->stages[i].duration_ns / 1e9;
		vus[i] = p->stages[i].target;
		if (elapsed + (double)p->warmup_ns / 1e9 > start)
			secs[i] = fmin(end, elapsed + (double)p->warmup_ns /
			    1e9) - start;
		if (store_run_block(co->store, id, (int64_t)ceil(start),
		    (int64_t)ceil(end) - 1, 1, &b, &names, &n, &dummy,
		    &cause) != 0) {
			free(cause);
			b = wblock_create(0);
			n = 0;
			names = NULL;
		}
		levels[i] = b;
		for (k = 0; k < n; k++)
			free(names[k]);
		free(names);
		start = end;
	}
	result_levels(res, levels, secs, vus, p->nstages);
	for (i = 0; i < p->nstages; i++)
		free(levels[i]);
	free(levels);
	free(secs);
	free(vus);
}

/*
 * End the merged run: status and reason decided by the caller, the
 * summary built from the merged histograms and the parts' finals.
 */
static void
collect_finish(struct collect *co, struct collect_exec *ce,
    const struct exec_state *es, const char *status, const char *reason)
{
	struct wblock	*b = NULL;
	struct result	 res;
	json_t		*spec, *finals, *summary, *f;
	char		**names = NULL, *cause, *text;
	size_t		 n = 0, i;
	double		 secs = 0, elapsed = 0;
	int		 completed = strcmp(status, "completed") == 0;

	if ((spec = store_run_spec(co->store, ce->id, &cause)) == NULL) {
		log_error("execution run %lld: %s", (long long)ce->id, cause);
		free(cause);
		store_run_ended(co->store, ce->id, "failed", 0, NULL, reason);
		return;
	}
	/* The seconds not every part pushed (one lost, or ended early). */
	if (store_execution_settle(co->store, ce->id, &cause) != 0) {
		log_error("execution run %lld: %s", (long long)ce->id, cause);
		free(cause);
	}
	if (store_run_block(co->store, ce->id, 0, INT64_MAX, 1, &b, &names,
	    &n, &secs, &cause) != 0) {
		log_error("execution run %lld: %s; its latency is left out",
		    (long long)ce->id, cause);
		free(cause);
		if (store_run_block(co->store, ce->id, 0, INT64_MAX, 0, &b,
		    &names, &n, &secs, &cause) != 0) {
			log_error("execution run %lld: %s", (long long)ce->id,
			    cause);
			free(cause);
			b = wblock_create(0);
		}
	}
	if ((finals = store_execution_finals(co->store, ce->id, &cause)) ==
	    NULL) {
		log_error("execution run %lld: %s", (long long)ce->id, cause);
		free(cause);
		finals = json_array();
	}
	/* The measured time: the longest a shard measured, or the seconds. */
	json_array_foreach(finals, i, f)
		if (json_number_value(json_object_get(f, "duration_s")) >
		    elapsed)
			elapsed = json_number_value(json_object_get(f,
			    "duration_s"));
	if (json_array_size(finals) < (size_t)es->shards || elapsed <= 0)
		elapsed = secs - (double)ce->plan->warmup_ns / 1e9;
	result_build(&res, names, n, b, elapsed, spec);
	collect_errors(&res, finals);
	if (plan_is_open(ce->plan)) {
		res.open = 1;
		for (i = 0; i < METRIC_N; i++)
			res.service.v[i] = NAN;
	}
	collect_finals(&res, finals, json_array_size(finals) ==
	    (size_t)es->shards);
	if (ce->plan->executor == EXEC_SWEEP && ce->plan->nstages > 0)
		collect_levels(co, ce->id, ce->plan, &res, elapsed);
	collect_plan_names(ce->plan, names, n);
	result_judge(&res, ce->plan, completed);
	if (completed && !res.passed && reason == NULL)
		reason = res.reason;
	if (store_result_put(co->store, ce->id, &res, &cause) != 0) {
		log_error("execution run %lld: %s", (long long)ce->id, cause);
		free(cause);
	}
	summary = result_summary(&res);
	json_object_set_new(summary, "shards", json_integer(es->shards));
	text = json_dumps(summary, JSON_COMPACT);
	store_run_ended(co->store, ce->id, status, res.passed, text, reason);
	log_info("execution %s (run %lld) %s: %.0f requests from %d shards%s%s",
	    es->name, (long long)ce->id, status, res.overall.v[METRIC_REQUESTS],
	    es->shards, reason != NULL ? ": " : "", reason != NULL ? reason :
	    "");
	free(text);
	json_decref(summary);
	result_free(&res);
	json_decref(finals);
	json_decref(spec);
	free(b);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* One execution, once a second. */
static void
collect_one(struct collect *co, int64_t id, double now)
{
	struct collect_exec	*ce;
	struct exec_state	 es;
	const struct exec_part	*ep;
	char			*cause, *why = NULL, *lost = NULL;
	const char		*status = "completed", *reason = NULL;
	size_t			 i;
	int			 live = 0;

	if ((ce = collect_exec_get(co, id)) == NULL)
		return;
	ce->seen = 1;
	if (store_execution_state(co->store, id, &es, &cause) != 0) {
		log_error("%s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < es.nparts; i++) {
		ep = &es.parts[i];
		if (collect_status_ended(ep->status))
			continue;
		if (now - ep->pushed_at < COLLECT_LOST_S) {
			live++;
			continue;
		}
		switch (store_execution_lost(co->store, id, ep->shard,
		    now - COLLECT_LOST_S, &cause)) {
		case -1:
			log_error("%s", cause);
			free(cause);
			continue;
		case 0:		/* it pushed since the state was read */
			live++;
			continue;
		}
		log_warn("execution %s: shard %d/%d (%s) lost: no push for %d "
		    "s", es.name, ep->shard, es.shards, ep->host,
		    COLLECT_LOST_S);
		if (lost == NULL)
			xasprintf(&lost, "shard %d/%d (%s) lost: no push for "
			    "%d s", ep->shard, es.shards, ep->host,
			    COLLECT_LOST_S);
	}
	if (lost != NULL) {
		/* The live parts hear it at their next push. */
		if (store_execution_stop(co->store, id, "failed", lost,
		    &cause) < 0) {
			log_error("%s", cause);
			free(cause);
		}
		collect_finish(co, ce, &es, "failed", lost);
		free(lost);
		goto out;
	}
	if (live > 0) {
		if (es.stop_status[0] == '\0' && ce->aborts &&
		    (why = collect_abort_check(co, ce, &es)) != NULL) {
			log_info("execution %s: aborting: %s", es.name, why);
			if (store_execution_stop(co->store, id, "aborted", why,
			    &cause) < 0) {
				log_error("%s", cause);
				free(cause);
			}
			free(why);
		}
		goto out;
	}

	/* Every part has ended. */
	if (es.stop_status[0] != '\0') {
		status = es.stop_status;
		reason = es.stop_reason;
	} else {
		for (i = 0; i < es.nparts; i++) {
			ep = &es.parts[i];
			if (strcmp(ep->status, "completed") == 0)
				continue;
			xasprintf(&why, "shard %d/%d (%s) ended %s%s%s",
			    ep->shard, es.shards, ep->host, ep->status,
			    ep->reason[0] != '\0' ? ": " : "", ep->reason);
			status = "failed";
			reason = why;
			break;
		}
	}
	collect_finish(co, ce, &es, status, reason);
	free(why);
out:
	store_execution_state_free(&es);
}

static void
collect_tick(evutil_socket_t fd, short events, void *arg)
{
	struct collect		*co = arg;
	struct collect_exec	*ce, **pp;
	struct timeval		 tv = { 1, 0 };
	int64_t			*ids;
	size_t			 n, i;
	double			 now = collect_now();

	for (ce = co->execs; ce != NULL; ce = ce->next)
		ce->seen = 0;
	ids = store_executions_running(co->store, &n);
	for (i = 0; i < n; i++)
		collect_one(co, ids[i], now);
	free(ids);
	/* Forget those that ended (or were deleted). */
	for (pp = &co->execs; (ce = *pp) != NULL;) {
		if (ce->seen) {
			pp = &ce->next;
			continue;
		}
		*pp = ce->next;
		collect_exec_free(ce);
	}
	evtimer_add(co->tick, &tv);
}

/* Start collecting: executions a restart left running resume. */
struct collect *
collect_create(struct event_base *base, struct store *st)
{
	struct collect	*co;
	struct timeval	 tv = { 1, 0 };

	co = xcalloc(1, sizeof *co);
	co->base = base;
	co->store = st;
	store_executions_resume(st, collect_now());
	if ((co->tick = evtimer_new(base, collect_tick, co)) == NULL)
		fatalx("evtimer_new");
	evtimer_add(co->tick, &tv);
	return (co);
}

void
collect_free(struct collect *co)
{
	struct collect_exec	*ce;

	if (co == NULL)
		return;
	while ((ce = co->execs) != NULL) {
		co->execs = ce->next;
		collect_exec_free(ce);
	}
	event_free(co->tick);
	free(co);
}

/* Is v an integer in lo..hi? */
static int
collect_int(json_t *v, json_int_t lo, json_int_t hi)
{
	return (json_is_integer(v) && json_integer_value(v) >= lo &&
	    json_integer_value(v) <= hi);
}

/* Is v null or a finite number? */
static int
collect_num(json_t *v)
{
	return (json_is_null(v) || (json_is_number(v) &&
	    isfinite(json_number_value(v))));
}

/*
 * Check a push document before anything of it is stored: 0, or -1 with
 * *path (a JSON pointer, allocated) and *cause. A hist must decode as one.
 */
int
collect_check(json_t *doc, char **path, char **cause)
{
	static const char *const statuses[] = { "running", "completed",
	    "stopped", "aborted", "failed", "interrupted", NULL };
	json_t		*v, *row, *rows;
	const char	*s, *key;
	unsigned char	*blob;
	struct hist	*h;
	size_t		 i, len;
	int		 k;
	char		*why;

	*path = NULL;
	if (!json_is_object(doc)) {
		*path = xstrdup("");
		xasprintf(cause, "expected a push object");
		return (-1);
	}
	json_object_foreach(doc, key, v) {
		static const char *const keys[] = { "shard", "shards", "host",
		    "status", "env", "scenario", "start_at", "progress",
		    "intervals", "system", "final", "reason", NULL };

		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(key, keys[k]) == 0)
				break;
		if (keys[k] == NULL) {
			xasprintf(path, "/%.64s", key);
			xasprintf(cause, "unknown field \"%.64s\"", key);
			return (-1);
		}
	}
	if (!collect_int(json_object_get(doc, "shards"), 1,
	    RUNOPTS_SHARDS_MAX)) {
		*path = xstrdup("/shards");
		xasprintf(cause, "shards: expected an integer 1..%d",
		    RUNOPTS_SHARDS_MAX);
		return (-1);
	}
	if (!collect_int(json_object_get(doc, "shard"), 0, json_integer_value(
	    json_object_get(doc, "shards")) - 1)) {
		*path = xstrdup("/shard");
		xasprintf(cause, "shard: expected an integer 0..shards-1");
		return (-1);
	}
	if ((s = json_string_value(json_object_get(doc, "host"))) == NULL ||
	    strlen(s) > 255) {
		*path = xstrdup("/host");
		xasprintf(cause, "host: expected a string");
		return (-1);
	}
	s = json_string_value(json_object_get(doc, "status"));
	for (k = 0; s != NULL && statuses[k] != NULL; k++)
		if (strcmp(s, statuses[k]) == 0)
			break;
	if (s == NULL || statuses[k] == NULL) {
		*path = xstrdup("/status");
		xasprintf(cause, "status: expected running or how the run "
		    "ended");
		return (-1);
	}
	if ((strcmp(s, "running") == 0) != (json_object_get(doc, "final") ==
	    NULL)) {
		*path = xstrdup("/final");
		xasprintf(cause, "final: expected with an ended status only");
		return (-1);
	}
	for (k = 0; k < 4; k++) {
		static const char *const objs[] = { "env", "scenario",
		    "progress", "final" };

		v = json_object_get(doc, objs[k]);
		if (v != NULL && !json_is_object(v)) {
			xasprintf(path, "/%s", objs[k]);
			xasprintf(cause, "%s: expected an object", objs[k]);
			return (-1);
		}
	}
	if ((v = json_object_get(doc, "start_at")) != NULL) {
		int64_t	ms;

		if (!json_is_string(v) || runopts_time(json_string_value(v),
		    &ms) != 0) {
			*path = xstrdup("/start_at");
			xasprintf(cause, "start_at: expected RFC 3339 UTC");
			return (-1);
		}
	}
	if ((v = json_object_get(doc, "reason")) != NULL &&
	    !json_is_string(v) && !json_is_null(v)) {
		*path = xstrdup("/reason");
		xasprintf(cause, "reason: expected a string or null");
		return (-1);
	}

	rows = json_object_get(doc, "intervals");
	if (rows != NULL && (!json_is_array(rows) || json_array_size(rows) >
	    COLLECT_ROWS_MAX)) {
		*path = xstrdup("/intervals");
		xasprintf(cause, "intervals: expected an array of at most %d "
		    "rows", COLLECT_ROWS_MAX);
		return (-1);
	}
	json_array_foreach(rows, i, row) {
		s = json_string_value(json_array_get(row, 1));
		if (!json_is_array(row) || json_array_size(row) != 6 ||
		    !collect_int(json_array_get(row, 0), 0, 100000000) ||
		    s == NULL || (strcmp(s, "*") != 0 && !parse_name(s)) ||
		    !collect_int(json_array_get(row, 2), 0, INT64_MAX / 4) ||
		    !collect_int(json_array_get(row, 3), 0,
		    json_integer_value(json_array_get(row, 2))) ||
		    !(json_is_null(json_array_get(row, 4)) ||
		    collect_int(json_array_get(row, 4), 0, INT32_MAX)) ||
		    !(json_is_null(json_array_get(row, 5)) ||
		    json_is_string(json_array_get(row, 5)))) {
			xasprintf(path, "/intervals/%zu", i);
			xasprintf(cause, "intervals/%zu: expected [second, "
			    "request, requests, errors, vus, hist]", i);
			return (-1);
		}
		if (!json_is_string(json_array_get(row, 5)))
			continue;
		if (base64_decode(json_string_value(json_array_get(row, 5)),
		    &blob, &len) != 0) {
			xasprintf(path, "/intervals/%zu/5", i);
			xasprintf(cause, "intervals/%zu: hist is not base64", i);
			return (-1);
		}
		h = hist_decode(blob, len, &why);
		free(blob);
		if (h == NULL) {
			xasprintf(path, "/intervals/%zu/5", i);
			xasprintf(cause, "intervals/%zu: hist: %s", i, why);
			free(why);
			return (-1);
		}
		hist_free(h);
	}
	rows = json_object_get(doc, "system");
	if (rows != NULL && (!json_is_array(rows) || json_array_size(rows) >
	    COLLECT_ROWS_MAX)) {
		*path = xstrdup("/system");
		xasprintf(cause, "system: expected an array of at most %d rows",
		    COLLECT_ROWS_MAX);
		return (-1);
	}
	json_array_foreach(rows, i, row) {
		if (!json_is_array(row) || json_array_size(row) != 5 ||
		    !collect_int(json_array_get(row, 0), 0, 100000000) ||
		    !collect_num(json_array_get(row, 1)) ||
		    !collect_num(json_array_get(row, 2)) ||
		    !collect_num(json_array_get(row, 3)) ||
		    !collect_num(json_array_get(row, 4))) {
			xasprintf(path, "/system/%zu", i);
			xasprintf(cause, "system/%zu: expected [second, cpu_pct, "
			    "rss_bytes, target_cpu_pct, target_rss_bytes]", i);
			return (-1);
		}
	}
	return (0);
}
