/* SPDX-License-Identifier: MIT */
/*
 * target.h -- the map of loadd-target, the HTTP/1.1 (or, with --h2, h2c)
 * test server with controllable behaviour: shared structs and every
 * exported function, grouped by the file that defines it.
 *
 * Threads: the main thread parses flags, binds the listeners and waits for
 * SIGINT/SIGTERM; each worker thread owns one event_base, one SO_REUSEPORT
 * listener, its connections and its counters. Workers never share state on
 * the request path; /stats sums the other workers' counters read-only.
 */
#ifndef TARGET_H
#define TARGET_H

#include <sys/queue.h>

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <http_parser.h>

#define TARGET_THREADS_MAX	256
#define TARGET_HEADER_MAX	(64 * 1024)	/* request line + headers */
#define TARGET_URL_MAX		4096
#define TARGET_BODY_STATIC	(1024 * 1024)	/* shared body buffer */
#define TARGET_BYTES_MAX	(1ULL << 40)	/* bytes= and hugeheader= */
#define TARGET_RING		64	/* responses queued, not yet flushed */

/* How the byte stream of one response is cut short, if at all. */
enum behav_reset {
	BEHAV_RESET_NONE,
	BEHAV_RESET_NOW,	/* RST as soon as the request is read */
	BEHAV_RESET_HEADERS,	/* part of the headers, then RST */
	BEHAV_RESET_BODY	/* headers and half the body, then RST */
};

/*
 * What to answer: the process defaults from the flags, copied per request
 * and overridden by its query parameters. Durations are in microseconds.
 */
struct behav {
	uint64_t		 delay_us;
	uint64_t		 jitter_us;
	uint64_t		 drip_us;
	uint64_t		 bytes;
	uint64_t		 chunk;
	uint64_t		 hugeheader;
	uint64_t		 redirect;	/* Location: 127.0.0.1:PORT, 0 none */
	double			 fail_pct;
	int			 status;
	int			 chunked;
	int			 close;
	int			 drop;
	int			 drip;
	int			 garbage;
	int			 endless;
	int			 nolength;
	enum behav_reset	 reset;
};

/*
 * Log-linear histogram of microseconds: exact below 2048, then 1024 buckets
 * per octave (at most 0.05% off: 2 us at 5 ms). It is the reference that
 * generators are judged against, so it is much finer than theirs need be.
 * 256 KiB per worker.
 */
#define HIST_SUB_BITS	10
#define HIST_SUB	(1U << HIST_SUB_BITS)
#define HIST_EXACT	(2 * HIST_SUB)
#define HIST_OCTAVES	30	/* up to 2^41 us, about 25 days */
#define HIST_BUCKETS	(HIST_EXACT + HIST_OCTAVES * HIST_SUB)

/*
 * One worker's counters. Only the owning worker writes them (relaxed
 * atomic stores, plain moves on x86); /stats reads them from any worker.
 */
struct stats {
	uint64_t		 requests;
	uint64_t		 bytes_in;	/* request bytes on the wire */
	uint64_t		 body_bytes_in;	/* request bodies alone */
	uint64_t		 bytes_out;
	uint64_t		 connections;
	uint64_t		 active;
	uint64_t		 service_sum_us;
	uint64_t		 hist[HIST_BUCKETS];
};

struct conn;
LIST_HEAD(conn_list, conn);
struct h2conn;
LIST_HEAD(h2conn_list, h2conn);

/* --h2-fault: how the HTTP/2 mode misbehaves (h2.c). */
enum h2_fault {
	H2_FAULT_NONE,
	H2_FAULT_RST_EVERY,	/* RST_STREAM instead of every Nth answer */
	H2_FAULT_GOAWAY_AFTER,	/* GOAWAY after N responses, then close */
	H2_FAULT_MAX_STREAMS,	/* SETTINGS_MAX_CONCURRENT_STREAMS N */
	H2_FAULT_WINDOW,	/* SETTINGS_INITIAL_WINDOW_SIZE N */
	H2_FAULT_NO_SETTINGS,	/* read the client, never write */
	H2_FAULT_GARBAGE,	/* an HTTP/1.1 response to the preface */
	H2_FAULT_ENDLESS	/* DATA frames that never end */
};

/* One worker thread: its loop, its listener, its connections. */
struct worker {
	int			 id;
	struct target		*t;
	pthread_t		 thread;
	struct event_base	*base;
	struct evconnlistener	*listener;
	int			 fd;		/* listening socket */
	struct event		 relisten;	/* after an accept error */
	uint64_t		 rng;		/* xorshift64* state */
	struct conn_list	 conns;
	struct h2conn_list	 h2conns;	/* --h2 */
	struct stats		 stats;
};

/* The process: flags, workers and the /stats baseline. */
struct target {
	int			 family;
	char			 host[64];	/* numeric, for messages */
	int			 port;
	int			 nworkers;
	struct worker		*workers;
	struct behav		 defaults;
	uint64_t		 stall_us;	/* --stall MS/EVERY_MS */
	uint64_t		 stall_every_us;
	uint64_t		 start_us;	/* CLOCK_MONOTONIC at startup */
	const char		*portfile;
	int			 quiet;
	int			 logfd;		/* --log FILE, or -1 */
	int			 h2;		/* --h2: h2c, prior knowledge */
	enum h2_fault		 h2_fault;
	uint32_t		 h2_n;		/* the fault's N */

	pthread_mutex_t		 base_lock;	/* guards baseline */
	struct stats		 baseline;	/* POST /stats/reset */
};

/* loadd-target.c */
extern char		 target_body[TARGET_BODY_STATIC];
uint64_t		 target_now_us(void);
uint64_t		 target_random(struct worker *);
void			 target_log(const char *, ...)
			     __attribute__((format(printf, 1, 2)));
void			 target_fatal(const char *, ...)
			     __attribute__((format(printf, 1, 2), noreturn));
void			 target_fatalx(const char *, ...)
			     __attribute__((format(printf, 1, 2), noreturn));

/* behav.c */
void			 behav_defaults(struct behav *);
int			 behav_set(struct behav *, const char *, size_t,
			     const char *, size_t);
int			 behav_query(struct behav *, const char *, size_t,
			     const char **, size_t *);
int			 behav_duration(const char *, size_t, uint64_t *);
int			 behav_size(const char *, size_t, uint64_t *);
int			 behav_stall(const char *, uint64_t *, uint64_t *);
uint64_t		 behav_ready(struct target *, uint64_t);

/* app.c -- the /app/ endpoints: login, me, echo */
struct app_req {
	int			 method;	/* enum http_method */
	const char		*url, *path;	/* path: without the query */
	size_t			 urllen, plen;
	const char		*auth, *cookie;	/* header values */
	size_t			 authlen, cookielen;
	const char		*body;		/* its first 256 bytes */
	size_t			 bodylen;
	int			 body_whole;	/* all of it */
};
struct app_resp {
	int			 status;
	char			 hdrs[320];	/* extra header lines */
	char			 body[1024];
	size_t			 bodylen;
};
void			 app_answer(const struct app_req *, struct app_resp *);
/* conn.c */
void			 conn_accept(struct evconnlistener *, evutil_socket_t,
			     struct sockaddr *, int, void *);
void			 conn_free_all(struct worker *);

/* h2.c -- the --h2 mode: HTTP/2 cleartext on libnghttp2 */
int			 h2_fault_parse(const char *, enum h2_fault *,
			     uint32_t *);
void			 h2_accept(struct evconnlistener *, evutil_socket_t,
			     struct sockaddr *, int, void *);
void			 h2_free_all(struct worker *);

/* stats.c */
#define STATS_ADD(w, field, n) __atomic_store_n(&(w)->stats.field,	\
	__atomic_load_n(&(w)->stats.field, __ATOMIC_RELAXED) + (n),	\
	__ATOMIC_RELAXED)
void			 stats_record(struct worker *, uint64_t);
size_t			 stats_json(struct target *, char *, size_t);
void			 stats_reset(struct target *);

#endif /* TARGET_H */
