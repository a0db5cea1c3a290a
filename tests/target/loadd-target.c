/* SPDX-License-Identifier: MIT */
/*
 * loadd-target.c -- startup and shutdown of loadd-target, the HTTP/1.1 test
 * server of loadd's tests, benchmarks and quick start. The main thread parses
 * the flags, binds one loopback listener per worker (SO_REUSEPORT), starts
 * the workers and waits for SIGINT/SIGTERM; each worker runs its own
 * event_base (conn.c answers the requests; h2.c under --h2).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "target.h"

char		 target_body[TARGET_BODY_STATIC];
static int	 target_quiet;

/* Microseconds on CLOCK_MONOTONIC. */
uint64_t
target_now_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		target_fatal("clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* xorshift64*: the worker's own generator, no lock. */
uint64_t
target_random(struct worker *w)
{
	uint64_t	x = w->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return (x * 0x2545F4914F6CDD1DULL);
}

/* A notice on stderr, unless -q. Never on the request path. */
void
target_log(const char *fmt, ...)
{
	va_list	ap;

	if (target_quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "loadd-target: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* Log an error with errno's message and exit. */
void
target_fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	fprintf(stderr, "loadd-target: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	va_end(ap);
	exit(1);
}

/* Log an error and exit. */
void
target_fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "loadd-target: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* Print the usage to f. */
static void
target_usage(FILE *f)
{
	fprintf(f,
"usage: loadd-target [-q] [-l ADDR:PORT] [-t THREADS] [-d DELAY] [-j JITTER]\n"
"                    [-s STATUS] [-b BYTES] [-e ERROR_PCT] [-Q QUERY]\n"
"                    [--stall MS/EVERY_MS] [-p PORTFILE]\n"
"                    [--h2 [--h2-fault FAULT]]\n"
"\n"
"An HTTP/1.1 server with controllable behaviour, for loadd's tests and\n"
"benchmarks. It listens on loopback only (127.0.0.0/8 or ::1).\n"
"\n"
"  -l, --listen ADDR:PORT  default 127.0.0.1:8080; port 0 picks a free one\n"
"  -t, --threads N         worker threads, one event loop each (default 1)\n"
"  -d, --delay DUR         delay before each response (5ms, 200us, 1s)\n"
"  -j, --jitter DUR        uniform random extra delay in [0, DUR]\n"
"  -s, --status CODE       response status (default 200)\n"
"  -b, --bytes N           response body size (default 2: \"ok\"; 4k, 1m)\n"
"  -e, --error PCT         percent of responses turned into 500s\n"
"  -Q, --query QUERY       more defaults, as a query string (chunked=1&...)\n"
"      --stall MS/EVERY_MS stop answering for MS at the end of every\n"
"                          EVERY_MS, counted from startup\n"
"  -p, --portfile FILE     write the port there once listening\n"
"  -L, --log FILE          append a line per request: METHOD URL BODY (its\n"
"                          first 256 bytes); for tests\n"
"  -q, --quiet             no notices on stderr\n"
"  -h, --help\n"
"\n"
"Query parameters override the flags per request: delay, jitter, status,\n"
"bytes, chunked, chunk, fail, close, reset=headers|body|now, drop, drip,\n"
"drip_ms, garbage, hugeheader, endless, nolength, redirect=PORT (a\n"
"Location on 127.0.0.1:PORT; with status=302). GET /stats returns\n"
"counters as JSON; POST /stats/reset zeroes them.\n"
"\n"
"A small application answers under /app/: POST /app/login with a body\n"
"{\"user\": NAME} (or user=NAME) gives a token and a session cookie;\n"
"GET /app/me needs both (Authorization: Bearer TOKEN); /app/echo\n"
"returns the method, path and body as JSON.\n"
"\n"
"      --h2                serve HTTP/2 cleartext with prior knowledge (no\n"
"                          Upgrade, no TLS) instead of HTTP/1.1. Every\n"
"                          request gets -s/status= and a body of -b/bytes=\n"
"                          bytes (\"ok\") after its whole body was read;\n"
"                          the header x-body-received counts that body.\n"
"                          Other flags and parameters, /stats and /app/\n"
"                          are HTTP/1.1 only.\n"
"      --h2-fault FAULT    how every --h2 connection misbehaves:\n"
"        none              none (the default)\n"
"        rst-every=N       RST_STREAM (INTERNAL_ERROR) instead of the\n"
"                          response on every Nth stream (N >= 1)\n"
"        goaway-after=N    after N responses, GOAWAY (NO_ERROR, last stream\n"
"                          the last one answered), then close\n"
"        max-streams=N     SETTINGS_MAX_CONCURRENT_STREAMS N\n"
"        window=N          SETTINGS_INITIAL_WINDOW_SIZE N (N >= 1), window\n"
"                          handed back in N-byte steps only\n"
"        no-settings       read the client, never send a byte\n"
"        garbage           answer the preface with an HTTP/1.1 response\n"
"                          and junk, then keep the connection open\n"
"        endless           200 and DATA frames that never end\n");
}

/* Exit 2 with a message about the command line. */
static void __attribute__((noreturn))
target_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "loadd-target: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	target_usage(stderr);
	exit(2);
}

/*
 * Parse -l: "127.0.0.1:8080", "[::1]:8080", "localhost:8080", ":8080" or
 * "8080". Anything but a loopback address is refused.
 */
static void
target_parse_listen(struct target *t, const char *arg,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[64];
	const char		*port, *end;
	char			*ep;
	unsigned long		 p;

	memset(ss, 0, sizeof *ss);
	if (arg[0] == '[') {
		end = strchr(arg, ']');
		if (end == NULL || end[1] != ':')
			target_usage_error("bad listen address: %s", arg);
		if ((size_t)(end - arg - 1) >= sizeof host)
			target_usage_error("bad listen address: %s", arg);
		memcpy(host, arg + 1, (size_t)(end - arg - 1));
		host[end - arg - 1] = '\0';
		port = end + 2;
	} else if ((end = strrchr(arg, ':')) != NULL) {
		if ((size_t)(end - arg) >= sizeof host ||
		    memchr(arg, ':', (size_t)(end - arg)) != NULL)
			target_usage_error("bad listen address: %s (use "
			    "[ADDR]:PORT for IPv6)", arg);
		memcpy(host, arg, (size_t)(end - arg));
		host[end - arg] = '\0';
		port = end + 1;
	} else {
		host[0] = '\0';
		port = arg;
	}
	if (host[0] == '\0' || strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");

	errno = 0;
	p = strtoul(port, &ep, 10);
	if (*port == '\0' || *ep != '\0' || errno != 0 || p > 65535)
		target_usage_error("bad port: %s", arg);

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			goto refuse;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*sslen = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			goto refuse;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*sslen = sizeof *sin6;
	} else
		target_usage_error("bad listen address: %s (a numeric "
		    "loopback address or localhost)", arg);
	t->family = ss->ss_family;
	if (inet_ntop(t->family, t->family == AF_INET ?
	    (void *)&sin->sin_addr : (void *)&sin6->sin6_addr, t->host,
	    sizeof t->host) == NULL)
		target_fatal("inet_ntop");
	t->port = (int)p;
	return;

refuse:
	fprintf(stderr, "loadd-target: refusing to listen on %s: not a "
	    "loopback address (127.0.0.0/8 or ::1); loadd-target is a test "
	    "server and must not be reachable from the network\n", host);
	exit(2);
}

/* A listening socket on ss; reuseport when several workers share it. */
static int
target_bind(struct target *t, struct sockaddr_storage *ss, socklen_t sslen,
    int reuseport)
{
	int	fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		target_fatal("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		target_fatal("setsockopt SO_REUSEADDR");
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
		target_fatal("setsockopt SO_REUSEPORT");
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
		target_fatal("setsockopt IPV6_V6ONLY");
	if (bind(fd, (struct sockaddr *)ss, sslen) != 0) {
		if (t->family == AF_INET6)
			target_fatal("bind [%s]:%d", t->host, t->port);
		target_fatal("bind %s:%d", t->host, t->port);
	}
	if (listen(fd, 1024) != 0)
		target_fatal("listen");
	return (fd);
}

/* The port a socket is bound to. */
static int
target_bound_port(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		target_fatal("getsockname");
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
}

/*
 * Bind every worker's listener. With one worker, a plain socket. With
 * several, SO_REUSEPORT sockets on one port: a probe without SO_REUSEPORT
 * first makes sure no other process holds the port (or picks it for port
 * 0), since two SO_REUSEPORT servers would silently share it.
 */
static void
target_bind_all(struct target *t, struct sockaddr_storage *ss,
    socklen_t sslen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	int			 i, probe;

	if (t->nworkers == 1) {
		t->workers[0].fd = target_bind(t, ss, sslen, 0);
		t->port = target_bound_port(t->workers[0].fd);
		return;
	}
	probe = target_bind(t, ss, sslen, 0);
	t->port = target_bound_port(probe);
	if (close(probe) != 0)
		target_fatal("close");
	if (ss->ss_family == AF_INET6)
		sin6->sin6_port = htons((uint16_t)t->port);
	else
		sin->sin_port = htons((uint16_t)t->port);
	for (i = 0; i < t->nworkers; i++)
		t->workers[i].fd = target_bind(t, ss, sslen, 1);
}

/* Accepting resumes after an error pause. */
static void
target_relisten(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	if (evconnlistener_enable(w->listener) != 0)
		target_fatalx("evconnlistener_enable failed");
}

/*
 * accept() failed (EMFILE, ENFILE, ENOBUFS): pause this listener for 100ms
 * rather than spin on a connection that cannot be taken.
 */
static void
target_accept_error(struct evconnlistener *l, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tv = { 0, 100 * 1000 };
	int		 saved = errno;

	target_log("worker %d: accept: %s", w->id, strerror(saved));
	if (evconnlistener_disable(l) != 0 ||
	    evtimer_add(&w->relisten, &tv) != 0)
		target_fatalx("cannot pause the listener");
}

/* Create a worker's event_base and listener; the thread starts later. */
static void
target_worker_init(struct target *t, struct worker *w, int id)
{
	struct event_config	*cfg;

	w->id = id;
	w->t = t;
	w->rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)getpid() << 20) ^
	    (target_now_us() * (uint64_t)(id + 1));
	if (w->rng == 0)
		w->rng = 1;
	LIST_INIT(&w->conns);
	LIST_INIT(&w->h2conns);

	/*
	 * Precise timers: otherwise libevent reads CLOCK_MONOTONIC_COARSE and
	 * delays and drip steps land on 4ms ticks.
	 */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) != 0)
		target_fatalx("event_config failed");
	if ((w->base = event_base_new_with_config(cfg)) == NULL)
		target_fatalx("event_base_new failed");
	event_config_free(cfg);
	w->listener = evconnlistener_new(w->base,
	    t->h2 ? h2_accept : conn_accept, w,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, w->fd);
	if (w->listener == NULL)
		target_fatalx("evconnlistener_new failed");
	evconnlistener_set_error_cb(w->listener, target_accept_error);
	if (evtimer_assign(&w->relisten, w->base, target_relisten, w) != 0)
		target_fatalx("evtimer_assign failed");
}

/* A worker thread: run the loop until main asks it to exit. */
static void *
target_worker_main(void *arg)
{
	struct worker	*w = arg;

	if (event_base_dispatch(w->base) == -1)
		target_fatalx("worker %d: event_base_dispatch failed", w->id);
	conn_free_all(w);
	h2_free_all(w);
	return (NULL);
}

/* SIGINT or SIGTERM: leave the main loop. */
static void
target_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base	*base = arg;

	(void)what;
	target_log("signal %d, exiting", (int)sig);
	if (event_base_loopbreak(base) != 0)
		target_fatalx("event_base_loopbreak failed");
}

/* Write the port to path, through a rename so readers never see half. */
static void
target_write_portfile(const char *path, int port)
{
	char	tmp[4096];
	FILE	*f;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		target_fatalx("portfile path too long");
	if ((f = fopen(tmp, "w")) == NULL)
		target_fatal("%s", tmp);
	if (fprintf(f, "%d\n", port) < 0 || fclose(f) != 0)
		target_fatal("%s", tmp);
	if (rename(tmp, path) != 0)
		target_fatal("rename %s", path);
}

/* Parse a flag's value as query parameter key; exit 2 when bad. */
static void
target_flag(struct target *t, const char *key, const char *val)
{
	if (behav_set(&t->defaults, key, strlen(key), val, strlen(val)) != 0)
		target_usage_error("bad value: %s", val);
}

/* Flags, listeners, workers; then wait for SIGINT/SIGTERM and tear down. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "status", required_argument, NULL, 's' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "error", required_argument, NULL, 'e' },
		{ "query", required_argument, NULL, 'Q' },
		{ "stall", required_argument, NULL, 'S' },
		{ "portfile", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'L' },
		{ "h2", no_argument, NULL, 'H' },
		{ "h2-fault", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct target	 target;
	struct target		*t = &target;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const char		*listen_arg = "127.0.0.1:8080", *bad;
	struct event_base	*base;
	struct event		*sigint, *sigterm;
	sigset_t		 set, old;
	size_t			 badlen;
	char			*ep;
	long			 n;
	int			 ch, i, error, faulty = 0;

	behav_defaults(&t->defaults);
	t->nworkers = 1;
	t->logfd = -1;
	while ((ch = getopt_long(argc, argv, "b:d:e:hj:l:L:p:qQ:s:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			target_flag(t, "bytes", optarg);
			break;
		case 'd':
			target_flag(t, "delay", optarg);
			break;
		case 'e':
			target_flag(t, "fail", optarg);
			break;
		case 'j':
			target_flag(t, "jitter", optarg);
			break;
		case 's':
			target_flag(t, "status", optarg);
			break;
		case 'l':
			listen_arg = optarg;
			break;
		case 'p':
			t->portfile = optarg;
			break;
		case 'L':
			t->logfd = open(optarg, O_WRONLY | O_CREAT | O_APPEND |
			    O_CLOEXEC, 0644);
			if (t->logfd == -1)
				target_fatal("%s", optarg);
			break;
		case 'q':
			t->quiet = target_quiet = 1;
			break;
		case 'H':
			t->h2 = 1;
			break;
		case 'F':
			if (h2_fault_parse(optarg, &t->h2_fault,
			    &t->h2_n) != 0)
				target_usage_error("bad --h2-fault: %s",
				    optarg);
			faulty = 1;
			break;
		case 'Q':
			if (behav_query(&t->defaults, optarg, strlen(optarg),
			    &bad, &badlen) != 0)
				target_usage_error("bad query: %s", optarg);
			break;
		case 'S':
			if (behav_stall(optarg, &t->stall_us,
			    &t->stall_every_us) != 0)
				target_usage_error("bad --stall: %s (MS/"
				    "EVERY_MS, MS < EVERY_MS)", optarg);
			break;
		case 't':
			errno = 0;
			n = strtol(optarg, &ep, 10);
			if (*optarg == '\0' || *ep != '\0' || errno != 0 ||
			    n < 1 || n > TARGET_THREADS_MAX)
				target_usage_error("bad thread count: %s",
				    optarg);
			t->nworkers = (int)n;
			break;
		case 'h':
			target_usage(stdout);
			exit(0);
		default:
			target_usage(stderr);
			exit(2);
		}
	}
	if (optind != argc)
		target_usage_error("unexpected argument: %s", argv[optind]);
	if (faulty && !t->h2)
		target_usage_error("%s needs --h2", "--h2-fault");
	target_parse_listen(t, listen_arg, &ss, &sslen);

	for (i = 0; i < TARGET_BODY_STATIC; i++)
		target_body[i] = (i & 1) ? 'k' : 'o';
	t->start_us = target_now_us();
	if ((error = pthread_mutex_init(&t->base_lock, NULL)) != 0) {
		errno = error;
		target_fatal("pthread_mutex_init");
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		target_fatal("signal");
	if (evthread_use_pthreads() != 0)
		target_fatalx("evthread_use_pthreads failed");

	if ((t->workers = calloc((size_t)t->nworkers,
	    sizeof *t->workers)) == NULL)
		target_fatal("calloc");
	target_bind_all(t, &ss, sslen);
	for (i = 0; i < t->nworkers; i++)
		target_worker_init(t, &t->workers[i], i);

	/* Workers inherit a mask without SIGINT/SIGTERM: main takes them. */
	if ((base = event_base_new()) == NULL)
		target_fatalx("event_base_new failed");
	sigint = evsignal_new(base, SIGINT, target_signal, base);
	sigterm = evsignal_new(base, SIGTERM, target_signal, base);
	if (sigint == NULL || sigterm == NULL ||
	    evsignal_add(sigint, NULL) != 0 || evsignal_add(sigterm, NULL) != 0)
		target_fatalx("cannot catch signals");
	if (sigemptyset(&set) != 0 || sigaddset(&set, SIGINT) != 0 ||
	    sigaddset(&set, SIGTERM) != 0)
		target_fatal("sigset");
	if ((error = pthread_sigmask(SIG_BLOCK, &set, &old)) != 0) {
		errno = error;
		target_fatal("pthread_sigmask");
	}
	for (i = 0; i < t->nworkers; i++) {
		error = pthread_create(&t->workers[i].thread, NULL,
		    target_worker_main, &t->workers[i]);
		if (error != 0) {
			errno = error;
			target_fatal("pthread_create");
		}
	}
	if ((error = pthread_sigmask(SIG_SETMASK, &old, NULL)) != 0) {
		errno = error;
		target_fatal("pthread_sigmask");
	}

	if (t->family == AF_INET6)
		printf("listening on [%s]:%d\n", t->host, t->port);
	else
		printf("listening on %s:%d\n", t->host, t->port);
	if (fflush(stdout) != 0)
		target_fatal("stdout");
	if (t->portfile != NULL)
		target_write_portfile(t->portfile, t->port);
	target_log("%d worker thread%s, pid %ld", t->nworkers,
	    t->nworkers == 1 ? "" : "s", (long)getpid());

	if (event_base_dispatch(base) == -1)
		target_fatalx("event_base_dispatch failed");

	for (i = 0; i < t->nworkers; i++) {
		if (event_base_loopexit(t->workers[i].base, NULL) != 0)
			target_fatalx("event_base_loopexit failed");
	}
	for (i = 0; i < t->nworkers; i++) {
		if ((error = pthread_join(t->workers[i].thread, NULL)) != 0) {
			errno = error;
			target_fatal("pthread_join");
		}
		evconnlistener_free(t->workers[i].listener);
		event_del(&t->workers[i].relisten);
		event_base_free(t->workers[i].base);
	}
	event_free(sigint);
	event_free(sigterm);
	event_base_free(base);
	free(t->workers);
	if ((error = pthread_mutex_destroy(&t->base_lock)) != 0) {
		errno = error;
		target_fatal("pthread_mutex_destroy");
	}
	libevent_global_shutdown();
	return (0);
}
