/* SPDX-License-Identifier: MIT */
/*
 * conn.h -- one HTTP/1.1 client connection of the load engine, private to
 * what drives it (worker.c) and its tests: the only files that compile
 * against http-parser and OpenSSL's connection types.
 */
#ifndef CONN_H
#define CONN_H

#include <http_parser.h>
#include <openssl/ssl.h>

#include "loadd.h"

struct conn_result {
	enum err_kind	 kind;
	int		 status;	/* HTTP status, 0 when none */
	uint64_t	 sent_ns;	/* first byte of the request written */
	uint64_t	 done_ns;	/* response complete, or failure */
	uint64_t	 bytes_sent;
	uint64_t	 bytes_recv;
	const char	*example;	/* static text: what went wrong */
};
struct conn;
typedef void	(*conn_done_cb)(struct conn *, const struct conn_result *,
		     void *);
/* What the connections of one worker share; owned by the worker. */
struct conn_ctx {
	struct event_base	*base;
	unsigned char		*rbuf;		/* shared read buffer */
	size_t			 rbufsize;
	SSL_CTX			*ssl_ctx;	/* NULL when no https target */
	const struct plan_endpoint *endpoints;
	int			 keepalive;
	int			 rx_stamps;	/* SO_TIMESTAMPNS on plain TCP */
	const struct timeval	**timeouts;	/* per plan_req, common */
	struct inspect_pool	*ipool;		/* responses that are read */
	uint64_t		 (*now)(void);
};
struct conn {
	const struct conn_ctx	*ctx;
	int			 fd;		/* -1: not connected */
	int			 state;
	int			 endpoint;	/* what fd is connected to */
	struct event		 ev;		/* read/write readiness */
	struct event		 tmo;		/* the request's timeout */
	http_parser		 parser;
	SSL			*ssl;
	const struct plan_req	*req;		/* in flight, or NULL */
	struct conn_inspect	*ins;		/* what req keeps, or NULL */
	size_t			 woff;		/* bytes of wire+body written */
	int			 reused;	/* fd served a request before */
	int			 retried;
	int			 close_after;	/* server said close */
	int			 peer_closed;	/* its FIN seen (EV_CLOSED) */
	uint64_t		 rx_real_ns;	/* kernel receipt of the last read */
	struct conn_result	 res;
	conn_done_cb		 cb;
	void			*arg;
	short			 armed;		/* conn.c: events ev waits for */
	short			 want;		/* conn.c: EV_WRITE/TLS needs */
};
void		 conn_init(struct conn *, const struct conn_ctx *);
void		 conn_adopt(struct conn *, int, int);
void		 conn_request(struct conn *, const struct plan_req *,
		     conn_done_cb, void *);
void		 conn_refuse(struct conn *, const struct plan_req *,
		     enum err_kind, const char *, conn_done_cb, void *);
void		 conn_cancel(struct conn *);
void		 conn_close(struct conn *);

#endif
