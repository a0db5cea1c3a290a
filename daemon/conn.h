/* SPDX-License-Identifier: MIT */
/*
 * conn.h -- the client transport of the load engine and what rides on it,
 * private to what drives it (worker.c) and its tests: the only files that
 * compile against http-parser, nghttp2 and OpenSSL's connection types.
 *
 * An exchange (struct exch) is one request and its outcome, owned by a VU.
 * A connection (struct conn) is a socket, maybe TLS, and a codec: h1.c
 * carries one exchange at a time, h2.c up to the server's stream limit.
 * Exchanges are drawn onto connections: over HTTP/1.1 (and "auto") each
 * exchange has its own connection (its home), kept across requests; over
 * h2 the worker's pool holds a few connections per endpoint.
 */
#ifndef CONN_H
#define CONN_H

#include <sys/queue.h>

#include <http_parser.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "loadd.h"

#ifndef TAILQ_FOREACH_SAFE	/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct conn_result {
	enum err_kind	 kind;
	int		 status;	/* HTTP status, 0 when none */
	int		 proto;		/* PROTO_H1 or PROTO_H2: what carried it */
	int		 stream_wait;	/* waited for an h2 stream */
	uint64_t	 sent_ns;	/* first byte of the request written */
	uint64_t	 done_ns;	/* response complete, or failure */
	uint64_t	 bytes_sent;
	uint64_t	 bytes_recv;
	const char	*example;	/* static text: what went wrong */
};
struct exch;
typedef void	(*exch_done_cb)(struct exch *, const struct conn_result *,
		     void *);

/* An endpoint's h2 connections on one worker; exchanges pick by affinity. */
struct conn_pool {
	struct conn	*conns;
	size_t		 n;
};

/* What the connections of one worker share; owned by the worker. */
struct conn_ctx {
	struct event_base	*base;
	unsigned char		*rbuf;		/* shared read buffer */
	size_t			 rbufsize;
	SSL_CTX			*ssl_ctx;	/* NULL when no https target */
	const struct plan_endpoint *endpoints;
	int			 keepalive;
	int			 bodyfd;	/* the plan's body, for sendfile */
	int			 protocol;	/* the plan's PROTO_* */
	int			 rx_stamps;	/* SO_TIMESTAMPNS on plain TCP */
	const struct timeval	**timeouts;	/* per plan_req, common */
	struct inspect_pool	*ipool;		/* responses that are read */
	struct conn_pool	*pools;		/* h2: one per endpoint */
	SSL_SESSION		**sessions;	/* TLS resumption: per endpoint */
	nghttp2_session_callbacks *h2cbs;	/* h2: the codec's callbacks */
	nghttp2_option		*h2opt;
	nghttp2_mem		*h2mem;		/* the worker's allocator */
	uint64_t		 (*now)(void);
};

enum exch_state {
	EXCH_IDLE,		/* no request */
	EXCH_WAITING,		/* on a connection's queue: not yet sent */
	EXCH_ACTIVE,		/* being sent or answered */
	EXCH_DONE,		/* h2: answered, on the conn's list to report */
	EXCH_FAILED		/* ended; its callback is queued on tmo */
};

/* One request in flight and its outcome; owned by a VU. */
struct exch {
	const struct conn_ctx	*ctx;
	struct conn		*home;		/* h1: its own connection */
	struct conn		*conn;		/* what carries it, or NULL */
	unsigned		 affinity;	/* h2: which pool connection */
	enum exch_state		 state;
	const struct plan_req	*req;		/* in flight, or NULL */
	struct conn_inspect	*ins;		/* what req keeps, or NULL */
	struct event		 tmo;		/* timeout; deferred failure */
	int32_t			 stream;	/* h2 stream id, or 0 */
	size_t			 woff;		/* request bytes written */
	int			 retried;
	int			 headers_done;	/* h2: the final response's */
	int			 h2bad;		/* h2: nghttp2 reset it: protocol */
	uint64_t		 rx_mark;	/* h2: conn's nreads at its start */
	struct conn_result	 res;
	exch_done_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(exch)	 entry;		/* conn's streams or queue */
};
TAILQ_HEAD(exch_list, exch);

enum conn_state {
	CONN_CLOSED,		/* no fd */
	CONN_CONNECTING,	/* TCP connect in progress */
	CONN_HANDSHAKE,		/* TLS handshake in progress */
	CONN_SENDING,		/* h1: request partly written; reading too */
	CONN_RECEIVING,		/* h1: request out, response incomplete */
	CONN_COMPLETE,		/* h1: the parser saw the final response */
	CONN_IDLE,		/* h1: connected, no request; EV_READ armed */
	CONN_OPEN		/* h2: session up */
};

struct conn {
	const struct conn_ctx	*ctx;
	int			 fd;		/* -1: not connected */
	enum conn_state		 state;
	int			 proto;		/* PROTO_H1, PROTO_H2 */
	int			 endpoint;	/* what fd is connected to */
	struct event		 ev;		/* read/write readiness */
	SSL			*ssl;
	SSL			*spare;		/* the last one, cleared, for reuse */
	int			 reused;	/* fd served a request before */
	int			 peer_closed;	/* its FIN seen (EV_CLOSED) */
	uint64_t		 rx_real_ns;	/* kernel receipt of the last read */
	short			 armed;		/* conn.c: events ev waits for */
	short			 want;		/* EV_WRITE/TLS needs */
	int			 cork;		/* TLS: hold writes (MSG_MORE) */
	int			 corked;	/* a write went out held: push */

	/* h1.c */
	struct exch		*x;		/* the exchange it carries */
	http_parser		 parser;
	int			 close_after;	/* server said close */

	/* h2.c */
	nghttp2_session		*h2;
	struct exch_list	 streams;	/* submitted, not closed */
	struct exch_list	 queue;		/* waiting to be submitted */
	struct exch_list	 done;		/* answered, to be reported */
	size_t			 nstreams;
	const uint8_t		*wpend;		/* nghttp2's output not written */
	size_t			 wpendlen;
	uint8_t			*wbuf;		/* small frames gathered: H2_WBUF */
	size_t			 wlen, woff;	/* in it, and written of that */
	int			 goaway;	/* no new streams on it */
	int			 reporting;	/* h2_event reports: it will flush */
	int			 h2error;	/* we ended it with GOAWAY: protocol */
	const char		*h2why;		/* nghttp2's last complaint */
	uint64_t		 nreads;	/* reads that brought bytes */
};

/* conn.c: the transport and the exchanges' life cycle */
void		 conn_init(struct conn *, const struct conn_ctx *);
void		 conn_adopt(struct conn *, int, int, int);
void		 conn_close(struct conn *);
int		 conn_connect(struct conn *, int);
void		 conn_arm(struct conn *);
void		 conn_shutdown(struct conn *);
void		 conn_finish(struct conn *);
int		 conn_fail(struct conn *, enum err_kind, const char *);
const char	*conn_reset_error(int);
const char	*conn_ssl_error(struct conn *, const char *);
uint64_t	 conn_received(struct conn *);
ssize_t		 conn_read(struct conn *, unsigned char *, size_t, int *);
ssize_t		 conn_write(struct conn *, const struct iovec *, int, int *);
ssize_t		 conn_sendfile(struct conn *, int, off_t, size_t, int *);
void		 exch_init(struct exch *, const struct conn_ctx *,
		     struct conn *, unsigned);
void		 exch_start(struct exch *, const struct plan_req *,
		     exch_done_cb, void *);
void		 exch_refuse(struct exch *, const struct plan_req *,
		     enum err_kind, const char *, exch_done_cb, void *);
void		 exch_cancel(struct exch *);
int		 exch_fail(struct exch *, enum err_kind, const char *);
void		 exch_report(struct exch *);
struct conn_inspect *exch_ins(struct exch *);

/* h1.c: HTTP/1.1 with http-parser, one exchange per connection */
void		 h1_init(struct conn *);
void		 h1_start(struct conn *, struct exch *);
int		 h1_open(struct conn *);
void		 h1_event(struct conn *, short);
void		 h1_cancel(struct conn *, struct exch *);

/* h2.c: HTTP/2 with nghttp2, streams up to the server's limit */
void		 h2_ctx_init(struct conn_ctx *);
void		 h2_ctx_free(struct conn_ctx *);
void		 h2_start(struct conn *, struct exch *);
int		 h2_open(struct conn *);
void		 h2_event(struct conn *, short);
void		 h2_cancel(struct conn *, struct exch *);
void		 h2_close(struct conn *);
void		 h2_stalled(struct conn *, struct exch *);

#endif
