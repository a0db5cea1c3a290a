/* SPDX-License-Identifier: MIT */
/*
 * push.c -- a shard's pusher (SPEC 16): one thread per shard run that,
 * every second, reads the run's new per-second rows from its own read-only
 * connection and POSTs them to the collector, with the collector's token,
 * and once more with the final summary when the run has ended. A push that
 * fails is retried with back-off (1, 2, 4 s) and carries everything not yet
 * acknowledged, so a collector restart loses nothing. The collector's
 * answer may tell the shard to stop (abort_on_fail on the merged stats, a
 * user's stop, a lost shard): the run stops as it would for the API.
 * Blocking sockets with timeouts, off the request path.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/timex.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadd.h"
#include "hist.h"

#define PUSH_PERIOD_MS		1000
#define PUSH_POST_MS		5000	/* one push, connect to answer */
#define PUSH_LAST_MS		2000	/* one, when loadd stops */
#define PUSH_SLICE_MS		200	/* waits look at quit this often */
#define PUSH_BACKOFF_MAX_MS	4000
#define PUSH_FINAL_TRIES_MS	120000	/* keep trying the final this long */
#define PUSH_SECONDS_MAX	60	/* seconds of rows in one push */
#define PUSH_REPLY_MAX		65536

struct push {
	struct runs		*runs;
	int64_t			 id;
	struct run_opts		 opts;
	char			*db;
	char			*token;		/* the collector's, or NULL */
	char			*allow;		/* allow_collectors */
	char			 host[256];
	char			*start_at;
	pthread_t		 thread;

	pthread_mutex_t		 lock;		/* guards what follows */
	pthread_cond_t		 cond;
	int			 ended;		/* the run has ended */
	int			 quit;		/* loadd stops: one last try */
	int			 done;		/* the thread has finished */
	char			*status;	/* how it ended */
	char			*reason;
	json_t			*final;		/* its summary */
	json_t			*env;
	int64_t			 started_ms;	/* its workers started, wall */
};

/* Now, monotonic, in ms. */
static int64_t
push_now(void)
{
	return ((int64_t)(clock_ns() / 1000000ULL));
}

static int
push_quitting(struct push *p)
{
	int	quit;

	pthread_mutex_lock(&p->lock);
	quit = p->quit;
	pthread_mutex_unlock(&p->lock);
	return (quit);
}

/*
 * Wait for events on fd until deadline (monotonic ms), in slices, so that
 * loadd stopping cuts a wait short (but for the last try, deadline is
 * short already). 1 ready, 0 not.
 */
static int
push_poll(struct push *p, int fd, short events, int64_t deadline, int last)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int64_t		left;

	while ((left = deadline - push_now()) > 0) {
		if (poll(&pfd, 1, left < PUSH_SLICE_MS ? (int)left :
		    PUSH_SLICE_MS) == 1)
			return (1);
		if (!last && push_quitting(p))
			return (0);
	}
	return (0);
}

/*
 * Connect to the collector before deadline; the fd or -1. Every address
 * its name resolves to is checked against allow_collectors again: the
 * token goes nowhere else.
 */
static int
push_connect(struct push *p, int64_t deadline, int last)
{
	struct addrinfo	 hints, *res, *ai;
	char		 pbuf[16], *cause;
	int		 fd = -1, err;
	socklen_t	 len = sizeof err;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(pbuf, sizeof pbuf, "%d", p->opts.cport);
	if (getaddrinfo(p->opts.chost, pbuf, &hints, &res) != 0)
		return (-1);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!allow_check_key(p->allow, "collector", "allow_collectors",
		    p->opts.chost, ai->ai_addr, &cause)) {
			free(cause);
			continue;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && push_poll(p, fd, POLLOUT, deadline,
		    last) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) == 0 && err == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

/* Write all of buf before deadline, or -1. */
static int
push_write(struct push *p, int fd, const char *buf, size_t len,
    int64_t deadline, int last)
{
	ssize_t	n;

	while (len > 0) {
		if (!push_poll(p, fd, POLLOUT, deadline, last))
			return (-1);
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * POST body to path on the collector, all of it within PUSH_POST_MS
 * (PUSH_LAST_MS for the last try, as loadd stops); the status (0: no
 * answer) and the response body (NUL-terminated, allocated) in *reply.
 */
static int
push_post(struct push *p, const char *path, const char *body, int last,
    char **reply)
{
	char		*head, *buf, *end;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, status = 0, v6;
	int64_t		 deadline;

	*reply = NULL;
	deadline = push_now() + (last ? PUSH_LAST_MS : PUSH_POST_MS);
	if ((fd = push_connect(p, deadline, last)) == -1)
		return (0);
	v6 = strchr(p->opts.chost, ':') != NULL;
	xasprintf(&head, "POST %s HTTP/1.1\r\nHost: %s%s%s:%d\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n%s%s%s\r\n", path, v6 ? "[" : "",
	    p->opts.chost, v6 ? "]" : "", p->opts.cport, strlen(body),
	    p->token != NULL ? "Authorization: Bearer " : "",
	    p->token != NULL ? p->token : "", p->token != NULL ? "\r\n" : "");
	if (push_write(p, fd, head, strlen(head), deadline, last) != 0 ||
	    push_write(p, fd, body, strlen(body), deadline, last) != 0) {
		explicit_bzero(head, strlen(head));
		free(head);
		close(fd);
		return (0);
	}
	explicit_bzero(head, strlen(head));
	free(head);
	buf = xmalloc(PUSH_REPLY_MAX + 1);
	while (len < PUSH_REPLY_MAX) {
		if (!push_poll(p, fd, POLLIN, deadline, last))
			break;
		n = recv(fd, buf + len, PUSH_REPLY_MAX - len, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
		status = (int)strtol(buf + 9, NULL, 10);
	if ((end = strstr(buf, "\r\n\r\n")) != NULL)
		*reply = xstrdup(end + 4);
	free(buf);
	return (status);
}

/* The clock's state, for the collector to judge the start by. */
json_t *
push_clock(void)
{
	struct timex	tx;
	int		state;

	memset(&tx, 0, sizeof tx);
	if ((state = adjtimex(&tx)) == -1)
		return (json_pack("{s:n, s:s}", "synchronised", "note",
		    "adjtimex is not allowed here"));
	return (json_pack("{s:b, s:I, s:I}", "synchronised",
	    state != TIME_ERROR && !(tx.status & STA_UNSYNC),
	    "est_error_us", (json_int_t)tx.esterror,
	    "max_error_us", (json_int_t)tx.maxerror));
}

/*
 * One push: rows after the cursors, the progress, the final when ended
 * and everything is out. Returns the document (and sets *last when it is
 * the final one).
 */
static json_t *
push_doc(struct push *p, struct store *st, int64_t *isec, int64_t *ssec,
    int span, int scenario, int *last)
{
	json_t	*doc, *intervals = NULL, *system = NULL, *spec, *prog;
	char	*cause;
	int64_t	 i0 = *isec;
	int	 ended;

	/*
	 * Ended before the rows are read: every row was committed before the
	 * end was told (run_finish stops the writer first), so an empty read
	 * now means there is nothing left.
	 */
	pthread_mutex_lock(&p->lock);
	ended = p->ended;
	pthread_mutex_unlock(&p->lock);
	if (store_push_rows(st, p->id, isec, ssec, span, &intervals, &system,
	    &cause) != 0) {
		log_warn("run %lld: push: %s", (long long)p->id, cause);
		free(cause);
		return (NULL);
	}
	doc = json_pack("{s:i, s:i, s:s, s:o, s:o}", "shard", p->opts.shard,
	    "shards", p->opts.nshards, "host", p->host, "intervals",
	    intervals, "system", system);
	if (scenario) {
		if ((spec = store_run_spec(st, p->id, &cause)) == NULL) {
			log_warn("run %lld: push: %s", (long long)p->id, cause);
			free(cause);
			json_decref(doc);
			return (NULL);
		}
		json_object_set_new(doc, "scenario", spec);
		if (p->start_at != NULL)
			json_object_set_new(doc, "start_at",
			    json_string(p->start_at));
	}
	pthread_mutex_lock(&p->lock);
	if (p->env != NULL) {
		json_object_set_new(doc, "env", json_deep_copy(p->env));
		if (p->started_ms != 0)
			json_object_set_new(json_object_get(doc, "env"),
			    "started_ms", json_integer(p->started_ms));
	}
	/* The final goes once every row is out (a short page of rows). */
	*last = ended && json_array_size(json_object_get(doc,
	    "intervals")) == 0 && *isec == i0;
	if (*last) {
		json_object_set_new(doc, "status", json_string(p->status));
		json_object_set_new(doc, "final", json_deep_copy(p->final));
		if (p->reason != NULL)
			json_object_set_new(doc, "reason",
			    json_string(p->reason));
	} else
		json_object_set_new(doc, "status", json_string("running"));
	pthread_mutex_unlock(&p->lock);
	if (!*last && (prog = run_progress(p->runs, p->id)) != NULL)
		json_object_set_new(doc, "progress", prog);
	return (doc);
}

/* Is reply the collector's error code? */
static int
push_code(json_t *reply, const char *code)
{
	const char	*s = json_string_value(json_object_get(json_object_get(
	    reply, "error"), "code"));

	return (s != NULL && strcmp(s, code) == 0);
}

/* The collector says stop: the run stops as for the API. */
static void
push_stop(struct push *p, json_t *stop)
{
	const char	*status = json_string_value(json_object_get(stop,
	    "status"));
	const char	*why = json_string_value(json_object_get(stop,
	    "reason"));
	char		*reason;

	xasprintf(&reason, "the collector stopped the execution%s%s",
	    why != NULL ? ": " : "", why != NULL ? why : "");
	log_info("run %lld: %s", (long long)p->id, reason);
	run_stop_as(p->runs, p->id, status != NULL &&
	    strcmp(status, "aborted") == 0 ? RUN_ABORTED : RUN_STOPPED, reason);
	free(reason);
}

static void *
push_main(void *arg)
{
	struct push	*p = arg;
	struct store	*st = NULL;
	struct timespec	 ts;
	json_t		*doc, *reply;
	char		*body, *text, *path, *cause, *rbody;
	int64_t		 isec = -1, ssec = -1, pi, ps, next, backoff = 0;
	int64_t		 ended_at = 0;
	int		 scenario = 1, last, status, failing = 0, stopped = 0;
	int		 quit, full, span = PUSH_SECONDS_MAX, npush = 0;
	size_t		 nbytes = 0;
	const char	*message;

	xasprintf(&path, "/v1/executions/%s/push", p->opts.execution);
	next = push_now();
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->quit && push_now() < next) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
			if (p->ended && backoff == 0)
				break;	/* the final goes at once */
		}
		quit = p->quit;
		if (p->ended && ended_at == 0)
			ended_at = push_now();
		pthread_mutex_unlock(&p->lock);

		if (st == NULL && (st = store_open(p->db, STORE_READONLY,
		    &cause)) == NULL) {
			log_warn("run %lld: push: %s", (long long)p->id, cause);
			free(cause);
			next = push_now() + PUSH_PERIOD_MS;
			if (quit)
				break;
			continue;
		}
		pi = isec;
		ps = ssec;
		full = 0;
		if ((doc = push_doc(p, st, &pi, &ps, span, scenario, &last)) ==
		    NULL) {
			next = push_now() + PUSH_PERIOD_MS;
			if (quit)
				break;
			continue;
		}
		body = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		npush++;
		nbytes += strlen(body);
		status = push_post(p, path, body, quit, &rbody);
		free(body);
		reply = rbody != NULL ? json_loads(rbody, 0, NULL) : NULL;
		if (status == 413 && span > 1) {
			/* Too many rows for the collector's api_max_body. */
			span /= 2;
			full = 1;
		} else if (status == 200) {
			full = pi - isec >= span;
			isec = pi;
			ssec = ps;
			scenario = 0;
			backoff = 0;
			if (failing)
				log_info("run %lld: pushes to %s go through "
				    "again", (long long)p->id,
				    p->opts.collector);
			failing = 0;
		} else if (status == 409 && push_code(reply, "need_scenario")) {
			scenario = 1;	/* a collector that lost its run */
			backoff = 0;
		} else {
			message = json_string_value(json_object_get(
			    json_object_get(reply, "error"), "message"));
			text = message != NULL ? xstrdup(message) :
			    status == 0 ? xstrdup("no answer") : NULL;
			if (text == NULL)
				xasprintf(&text, "HTTP %d", status);
			if (!failing)
				log_warn("run %lld: push to %s failed: %s; "
				    "retrying", (long long)p->id,
				    p->opts.collector, text);
			free(text);
			failing = 1;
			backoff = backoff == 0 ? 1000 : backoff * 2;
			if (backoff > PUSH_BACKOFF_MAX_MS)
				backoff = PUSH_BACKOFF_MAX_MS;
		}
		/* Stop when told, once; an ended execution says so too. */
		if (!stopped && reply != NULL && json_is_object(json_object_get(
		    reply, "stop")) && !(last && status == 200)) {
			push_stop(p, json_object_get(reply, "stop"));
			stopped = 1;
		}
		if (status == 409 && push_code(reply, "execution_ended") &&
		    ended_at != 0) {
			json_decref(reply);
			free(rbody);
			break;
		}
		json_decref(reply);
		free(rbody);
		if (last && status == 200)
			break;
		if (quit || (ended_at != 0 && push_now() - ended_at >
		    PUSH_FINAL_TRIES_MS)) {
			log_error("run %lld: its final result did not reach the "
			    "collector %s", (long long)p->id,
			    p->opts.collector);
			break;
		}
		next = push_now() + (backoff > 0 ? backoff : PUSH_PERIOD_MS);
		/* More rows waiting (after an outage): send them at once. */
		if (full)
			next = push_now();
	}
	free(path);
	store_close(st);
	/* What pushing cost this shard: bench/shards.sh reads it. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	log_info("run %lld: %d pushes to %s, %zu bytes, %.1f ms CPU",
	    (long long)p->id, npush, p->opts.collector, nbytes,
	    (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_mutex_unlock(&p->lock);
	return (NULL);
}

/* Start pushing run id, a shard of o's execution, to o's collector. */
struct push *
push_start(struct runs *rs, const struct config *c, int64_t id,
    const struct run_opts *o, const char *start_at, json_t *env)
{
	struct push	*p;

	p = xcalloc(1, sizeof *p);
	p->runs = rs;
	p->id = id;
	p->opts = *o;
	p->db = xstrdup(c->db);
	p->allow = xstrdup(c->allow_collectors);
	if (c->collector_token != NULL)
		p->token = xstrdup(c->collector_token);
	if (start_at != NULL)
		p->start_at = xstrdup(start_at);
	p->env = json_incref(env);
	if (gethostname(p->host, sizeof p->host) != 0)
		snprintf(p->host, sizeof p->host, "?");
	p->host[sizeof p->host - 1] = '\0';
	if (pthread_mutex_init(&p->lock, NULL) != 0 ||
	    pthread_cond_init(&p->cond, NULL) != 0)
		fatalx("pthread init");
	if (pthread_create(&p->thread, NULL, push_main, p) != 0)
		fatalx("pthread_create");
	pthread_setname_np(p->thread, "loadd-push");
	return (p);
}

/* When the shard's workers started (wall ms): the collector checks it. */
void
push_started(struct push *p, int64_t ms)
{
	pthread_mutex_lock(&p->lock);
	p->started_ms = ms;
	pthread_mutex_unlock(&p->lock);
}

/* The run has ended: push what is left, then its final record. */
void
push_end(struct push *p, const char *status, const char *reason,
    json_t *final)
{
	pthread_mutex_lock(&p->lock);
	p->ended = 1;
	p->status = xstrdup(status);
	p->reason = reason != NULL ? xstrdup(reason) : NULL;
	p->final = json_incref(final);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Has it delivered its final record (or given up)? */
int
push_done(struct push *p)
{
	int	done;

	pthread_mutex_lock(&p->lock);
	done = p->done;
	pthread_mutex_unlock(&p->lock);
	return (done);
}

/*
 * loadd stops: a push under way ends within a slice, then one last try of
 * at most PUSH_LAST_MS hands over what is left. Tell them all first, then
 * free each (push_free), so that they try at the same time.
 */
void
push_quit(struct push *p)
{
	pthread_mutex_lock(&p->lock);
	p->quit = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Wait for it (quit: one last try at most), and free it. */
void
push_free(struct push *p, int quit)
{
	if (p == NULL)
		return;
	if (quit)
		push_quit(p);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	if (p->token != NULL) {
		explicit_bzero(p->token, strlen(p->token));
		free(p->token);
	}
	free(p->db);
	free(p->allow);
	free(p->start_at);
	free(p->status);
	free(p->reason);
	json_decref(p->final);
	json_decref(p->env);
	free(p);
}
