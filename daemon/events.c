/* SPDX-License-Identifier: MIT */
/*
 * events.c -- GET /v1/runs/{id}/events, server-sent events (SPEC 17).
 *
 * Every event comes from SQLite: the intervals the writer commits each
 * 100 ms are the live feed and the replay alike, so a client that
 * reconnects with Last-Event-ID, or joins late, gets the same seconds a
 * client that stayed got. One thread (the hub) with its own read-only
 * connection looks for new seconds four times a second, formats them into
 * each client's buffer and resumes the client's suspended connection; the
 * content reader, on libmicrohttpd's thread, hands the buffer out and
 * suspends the connection when it is empty (a reader that returned 0
 * instead would busy-loop the API thread).
 *
 * The load never waits for a client: the hub reads the database and the
 * run's progress (one lock, briefly), never the workers. A client that
 * reads slowly falls behind in its own cursor; its buffer is bounded, and
 * one too far behind skips ahead and is told so.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "loadd.h"

#define EVENTS_TICK_MS		250
#define EVENTS_LOW_WATER	(64 * 1024)	/* format more below this */
#define EVENTS_BATCH		60		/* seconds formatted a pass */
#define EVENTS_BEHIND_MAX	600		/* seconds: further, skip */
#define EVENTS_HEARTBEAT_NS	(15ULL * 1000000000ULL)

struct events_client {
	struct events		*ev;
	struct MHD_Connection	*conn;
	int64_t			 run;
	int64_t			 next;		/* second to send next */
	int			 started;	/* next and totals are set */
	int64_t			 reqs, errs;	/* before next */
	char			*buf;
	size_t			 len, off;
	int			 suspended;
	int			 done;		/* end sent, or stopping */
	int			 gone;		/* libmicrohttpd let it go */
	uint64_t		 wrote_ns;	/* last bytes formatted */
	struct events_client	*next_client;
};

struct events {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 stop;
	char			*db;
	struct runs		*runs;
	struct events_client	*clients;
	size_t			 nclients;
	size_t			 max;
};

/*
 * What one pass of the hub learnt about a run, shared by its clients: its
 * state, and the events of the seconds from..to as formatted for a client
 * whose totals before them were reqs0 and errs0 (every live client).
 */
struct events_seen {
	int64_t			 run;
	int			 rc;		/* of store_run_state() */
	char			 status[32];
	int64_t			 last;
	int64_t			 from, to;	/* to < from: none */
	int64_t			 reqs0, errs0, reqs1, errs1;
	char			*text;
	size_t			 len;
};
#define EVENTS_SEEN_MAX		8	/* runs a pass remembers */

static uint64_t
events_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* Append text to a client's buffer; the lock is held. */
static void
events_append(struct events_client *c, const char *text, size_t len)
{
	/* what was read goes: the buffer holds only what is still to send */
	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	c->buf = xreallocarray(c->buf, c->len + len + 1, 1);
	memcpy(c->buf + c->len, text, len);
	c->len += len;
	c->wrote_ns = events_now();
}

/* One event: "id:", "event:", "data:" (JSON, one line) and a blank line. */
static char *
events_format(int64_t id, const char *event, json_t *data, size_t *len)
{
	char	*text, *out;
	int	 n;

	text = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(12));
	if (id >= 0)
		n = xasprintf(&out, "id: %lld\nevent: %s\ndata: %s\n\n",
		    (long long)id, event, text);
	else
		n = xasprintf(&out, "event: %s\ndata: %s\n\n", event, text);
	free(text);
	*len = (size_t)n;
	return (out);
}

/*
 * The progress of a second: counts so far and that second's figures from
 * the intervals, and, for the newest second of a running run, what only
 * the live run knows (paused, level, duration).
 */
static json_t *
events_progress(struct events *ev, struct events_client *c, json_t *sec,
    int live)
{
	json_t		*o = json_object_get(sec, "overall"), *p, *lp;
	const char	*k;
	json_t		*v;

	c->reqs += json_integer_value(json_object_get(o, "requests"));
	c->errs += json_integer_value(json_object_get(o, "errors"));
	p = json_pack("{s:I, s:I, s:I, s:O?, s:O?, s:O?, s:O?, s:O?}",
	    "elapsed_s", (json_int_t)json_integer_value(json_object_get(sec,
	    "second")) + 1,
	    "requests", (json_int_t)c->reqs, "errors", (json_int_t)c->errs,
	    "rps", json_object_get(o, "requests"),
	    "vus", json_object_get(o, "vus"),
	    "p50_ms", json_object_get(o, "p50_ms"),
	    "p95_ms", json_object_get(o, "p95_ms"),
	    "p99_ms", json_object_get(o, "p99_ms"));
	if (live && (lp = run_progress(ev->runs, c->run)) != NULL) {
		json_object_foreach(lp, k, v)
			if (strcmp(k, "paused") == 0 ||
			    strcmp(k, "duration_s") == 0 ||
			    strcmp(k, "level") == 0 || strcmp(k, "warmup") == 0 ||
			    strcmp(k, "errors_by_kind") == 0)
				json_object_set(p, k, v);
		json_decref(lp);
	}
	return (p);
}

/* Add text to a string being built. */
static void
events_cat(char **text, size_t *len, const char *add, size_t addlen)
{
	*text = xreallocarray(*text, *len + addlen + 1, 1);
	memcpy(*text + *len, add, addlen);
	*len += addlen;
	(*text)[*len] = '\0';
}

/* This pass's entry for a run: its state read once for every client. */
static struct events_seen *
events_seen(struct store *st, struct events_seen *seen, size_t *nseen,
    int64_t run)
{
	struct events_seen	*e;
	size_t			 i;

	for (i = 0; i < *nseen; i++)
		if (seen[i].run == run)
			return (&seen[i]);
	if (*nseen == EVENTS_SEEN_MAX)
		e = &seen[EVENTS_SEEN_MAX - 1];	/* rare: no sharing */
	else
		e = &seen[(*nseen)++];
	free(e->text);
	memset(e, 0, sizeof *e);
	e->run = run;
	e->to = -1;
	e->rc = store_run_state(st, run, e->status, sizeof e->status,
	    &e->last);
	return (e);
}

/*
 * The events of the seconds a client has not had (EVENTS_BATCH at most),
 * into *text; the client's cursor and totals move past them.
 */
static void
events_seconds(struct events *ev, struct store *st, struct events_client *c,
    int64_t last, int ended, char **text, size_t *len)
{
	json_t		*secs, *sec, *data;
	char		*one, *cause;
	size_t		 i, n;
	int64_t		 s;

	secs = store_run_seconds(st, c->run, c->next, c->next + EVENTS_BATCH -
	    1, &cause);
	if (secs == NULL) {
		log_warn("events: run %lld: %s", (long long)c->run, cause);
		free(cause);
		return;
	}
	json_array_foreach(secs, i, sec) {
		s = json_integer_value(json_object_get(sec, "second"));
		data = json_pack("{s:I, s:o, s:O}", "second", (json_int_t)s,
		    "progress", events_progress(ev, c, sec, !ended && s == last),
		    "requests", json_object_get(sec, "requests"));
		one = events_format(s, "progress", data, &n);
		json_decref(data);
		events_cat(text, len, one, n);
		free(one);
		c->next = s + 1;
	}
	json_decref(secs);
}

/*
 * Bring a client up to date: the seconds it has not had, then "end" once
 * the run has ended and every second is out. Runs on the hub thread,
 * without the lock but for the append.
 */
static void
events_feed(struct events *ev, struct store *st, struct events_client *c,
    struct events_seen *e)
{
	json_t		*data, *run;
	char		*text = NULL, *one, *cause;
	size_t		 len = 0, n;
	int64_t		 from;
	int		 ended, done = 0;

	if (e->rc <= 0) {
		if (e->rc == 0) {	/* deleted while followed */
			pthread_mutex_lock(&ev->lock);
			c->done = 1;
			pthread_mutex_unlock(&ev->lock);
		}
		return;
	}
	ended = strcmp(e->status, "queued") != 0 &&
	    strcmp(e->status, "running") != 0;
	if (!c->started) {
		/* no Last-Event-ID: from the newest second on */
		if (c->next < 0)
			c->next = e->last >= 0 ? e->last : 0;
		store_run_totals(st, c->run, c->next, &c->reqs, &c->errs);
		c->started = 1;
	}
	if (e->last >= 0 && e->last - c->next > EVENTS_BEHIND_MAX) {
		from = c->next;
		c->next = e->last - EVENTS_BATCH + 1;
		store_run_totals(st, c->run, c->next, &c->reqs, &c->errs);
		data = json_pack("{s:I, s:I, s:s}", "from", (json_int_t)from,
		    "to", (json_int_t)c->next - 1, "reason", "the client fell "
		    "too far behind; these seconds are in the timeseries");
		one = events_format(-1, "skip", data, &n);
		json_decref(data);
		events_cat(&text, &len, one, n);
		free(one);
	}
	if (e->last >= c->next) {
		if (e->to >= e->from && e->from == c->next &&
		    e->reqs0 == c->reqs && e->errs0 == c->errs) {
			/* another client of the run had these: the same text */
			events_cat(&text, &len, e->text, e->len);
			c->next = e->to + 1;
			c->reqs = e->reqs1;
			c->errs = e->errs1;
		} else {
			from = c->next;
			e->reqs0 = c->reqs;
			e->errs0 = c->errs;
			n = len;
			events_seconds(ev, st, c, e->last, ended, &text, &len);
			if (c->next > from && e->to < e->from) {
				e->from = from;
				e->to = c->next - 1;
				e->reqs1 = c->reqs;
				e->errs1 = c->errs;
				e->len = len - n;
				e->text = xmalloc(e->len + 1);
				memcpy(e->text, text + n, e->len);
				e->text[e->len] = '\0';
			}
		}
	}
	if (ended && c->next > e->last) {
		cause = NULL;
		switch (store_run_get(st, c->run, &run, &cause)) {
		case 0:			/* deleted since its state was read */
			done = 1;
			break;
		case -1:
			free(cause);
			break;
		default:
			data = json_pack("{s:O, s:O?, s:O?, s:O?}", "status",
			    json_object_get(run, "status"), "passed",
			    json_object_get(run, "passed"), "reason",
			    json_object_get(run, "reason"), "summary",
			    json_object_get(run, "summary"));
			json_decref(run);
			one = events_format(e->last >= 0 ? e->last : 0, "end",
			    data, &n);
			json_decref(data);
			events_cat(&text, &len, one, n);
			free(one);
			done = 1;
			break;
		}
	}
	if (len == 0 && !done)
		return;
	pthread_mutex_lock(&ev->lock);
	if (len > 0)
		events_append(c, text, len);
	if (done)
		c->done = 1;
	pthread_mutex_unlock(&ev->lock);
	free(text);
}

/* Free the clients libmicrohttpd is done with; the lock is held. */
static void
events_reap(struct events *ev)
{
	struct events_client	**cp, *c;

	for (cp = &ev->clients; (c = *cp) != NULL;) {
		if (!c->gone) {
			cp = &c->next_client;
			continue;
		}
		*cp = c->next_client;
		ev->nclients--;
		free(c->buf);
		free(c);
	}
}

static void *
events_main(void *arg)
{
	struct events		*ev = arg;
	struct events_client	*c;
	struct events_seen	 seen[EVENTS_SEEN_MAX];
	struct store		*st = NULL;
	struct timespec		 ts;
	char			*cause;
	uint64_t		 now;
	size_t			 nseen, i;
	int			 busy, skip, low;

	memset(seen, 0, sizeof seen);
	for (;;) {
		pthread_mutex_lock(&ev->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += EVENTS_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!ev->stop)
			pthread_cond_timedwait(&ev->cond, &ev->lock, &ts);
		if (ev->stop) {
			pthread_mutex_unlock(&ev->lock);
			break;
		}
		events_reap(ev);
		busy = ev->clients != NULL;
		pthread_mutex_unlock(&ev->lock);
		if (!busy)
			continue;
		if (st == NULL && (st = store_open(ev->db, STORE_READONLY,
		    &cause)) == NULL) {
			log_warn("events: %s", cause);
			free(cause);
			continue;
		}
		/*
		 * The list only grows at its head and only this thread
		 * unlinks, so walking it between locks is safe.
		 */
		pthread_mutex_lock(&ev->lock);
		c = ev->clients;
		pthread_mutex_unlock(&ev->lock);
		nseen = 0;
		for (; c != NULL; c = c->next_client) {
			pthread_mutex_lock(&ev->lock);
			skip = c->gone || c->done;
			low = c->len - c->off < EVENTS_LOW_WATER;
			pthread_mutex_unlock(&ev->lock);
			if (skip)
				continue;
			if (low)
				events_feed(ev, st, c, events_seen(st, seen,
				    &nseen, c->run));
			now = events_now();
			pthread_mutex_lock(&ev->lock);
			if (!c->done && c->len == c->off &&
			    now - c->wrote_ns >= EVENTS_HEARTBEAT_NS)
				events_append(c, ": heartbeat\n\n", 13);
			if (c->suspended && !c->gone &&
			    (c->len > c->off || c->done)) {
				c->suspended = 0;
				MHD_resume_connection(c->conn);
			}
			pthread_mutex_unlock(&ev->lock);
		}
	}
	for (i = 0; i < EVENTS_SEEN_MAX; i++)
		free(seen[i].text);
	store_close(st);
	return (NULL);
}

struct events *
events_start(const char *db, struct runs *runs, size_t max, char **cause)
{
	struct events	*ev;
	int		 error;

	ev = xcalloc(1, sizeof *ev);
	ev->db = xstrdup(db);
	ev->runs = runs;
	ev->max = max;
	if (pthread_mutex_init(&ev->lock, NULL) != 0 ||
	    pthread_cond_init(&ev->cond, NULL) != 0)
		fatalx("pthread init");
	if ((error = pthread_create(&ev->thread, NULL, events_main, ev)) != 0) {
		xasprintf(cause, "events: pthread_create: %s", strerror(error));
		free(ev->db);
		free(ev);
		return (NULL);
	}
	pthread_setname_np(ev->thread, "loadd-events");
	return (ev);
}

/*
 * Before libmicrohttpd stops: end every stream and resume the suspended
 * ones (it must not stop with a connection suspended), then stop the hub.
 */
void
events_stop(struct events *ev)
{
	struct events_client	*c;

	if (ev == NULL)
		return;
	pthread_mutex_lock(&ev->lock);
	ev->stop = 1;
	for (c = ev->clients; c != NULL; c = c->next_client) {
		c->done = 1;
		if (c->suspended && !c->gone) {
			c->suspended = 0;
			MHD_resume_connection(c->conn);
		}
	}
	pthread_cond_signal(&ev->cond);
	pthread_mutex_unlock(&ev->lock);
	pthread_join(ev->thread, NULL);
}

/* After libmicrohttpd has stopped (and let go of every client). */
void
events_free(struct events *ev)
{
	struct events_client	*c, *next;

	if (ev == NULL)
		return;
	for (c = ev->clients; c != NULL; c = next) {
		next = c->next_client;
		free(c->buf);
		free(c);
	}
	pthread_mutex_destroy(&ev->lock);
	pthread_cond_destroy(&ev->cond);
	free(ev->db);
	free(ev);
}

/* Hand out what the client's buffer holds; suspend when it is empty. */
static ssize_t
events_read(void *arg, uint64_t pos, char *buf, size_t max)
{
	struct events_client	*c = arg;
	struct events		*ev = c->ev;
	size_t			 n;
	ssize_t			 rc;

	(void)pos;
	pthread_mutex_lock(&ev->lock);
	n = c->len - c->off;
	if (n > 0) {
		if (n > max)
			n = max;
		memcpy(buf, c->buf + c->off, n);
		c->off += n;
		rc = (ssize_t)n;
	} else if (c->done)
		rc = MHD_CONTENT_READER_END_OF_STREAM;
	else {
		/* the hub resumes it when there is more */
		c->suspended = 1;
		MHD_suspend_connection(c->conn);
		rc = 0;
	}
	pthread_mutex_unlock(&ev->lock);
	return (rc);
}

static void
events_free_client(void *arg)
{
	struct events_client	*c = arg;

	pthread_mutex_lock(&c->ev->lock);
	c->gone = 1;
	pthread_mutex_unlock(&c->ev->lock);
}

/* GET /v1/runs/{id}/events */
void
api_run_events(struct api_request *req)
{
	struct events		*ev = api_events(req->api);
	struct events_client	*c;
	json_t			*run;
	const char		*last;
	char			*cause, *end;
	int64_t			 id, from = -1;
	long long		 v;
	int			 found;

	if (api_run_id(req, &id) != 0)
		return;
	found = store_run_get(req->store, id, &run, &cause);
	if (found < 0) {
		api_reply_store_error(req, cause);
		return;
	}
	if (found == 0) {
		api_reply_error(req, 404, "run_not_found", "", "no run with id "
		    "\"%s\"", req->param);
		return;
	}
	json_decref(run);
	last = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    "Last-Event-ID");
	if (last != NULL) {
		errno = 0;
		v = strtoll(last, &end, 10);
		if (errno != 0 || end == last || *end != '\0' || v < -1 ||
		    v > INT32_MAX) {
			api_reply_error(req, 400, "invalid_header", "",
			    "Last-Event-ID: expected a second (an integer); "
			    "got \"%s\"", last);
			return;
		}
		from = (int64_t)v + 1;
	}

	c = xcalloc(1, sizeof *c);
	c->ev = ev;
	c->conn = req->conn;
	c->run = id;
	c->next = from;
	c->wrote_ns = events_now();
	pthread_mutex_lock(&ev->lock);
	if (ev->stop || ev->nclients >= ev->max) {
		pthread_mutex_unlock(&ev->lock);
		free(c);
		api_reply_error(req, 503, "too_many_streams", "", "%zu event "
		    "streams are open (api_max_streams): try again later",
		    ev->max);
		return;
	}
	/* The stream opens with a comment: the client sees it is live. */
	events_append(c, ": loadd events\n\n", 16);
	c->next_client = ev->clients;
	ev->clients = c;
	ev->nclients++;
	pthread_cond_signal(&ev->cond);
	pthread_mutex_unlock(&ev->lock);

	api_reply_stream(req, 200, "text/event-stream", events_read, c,
	    events_free_client);
	if (req->stream != NULL) {
		MHD_add_response_header(req->stream, "Cache-Control",
		    "no-cache");
		MHD_add_response_header(req->stream, "X-Accel-Buffering", "no");
	}
}
