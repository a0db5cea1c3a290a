/* SPDX-License-Identifier: MIT */
/*
 * h1.c -- HTTP/1.1 over a connection of conn.c: a pre-rendered request
 * written straight from the plan's (or the VU's) buffers, the response fed
 * to http-parser from the worker's shared read buffer and forgotten but for
 * its counters, and the one retry of an idempotent request on a keep-alive
 * connection the server closed. One exchange per connection at a time.
 * Worker thread only; nothing allocated per request.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>

#include "loadd.h"
#include "conn.h"

#define H1_HEADER_MAX	(64 * 1024)	/* response header bytes */
#define H1_SENDFILE_MIN	(64 * 1024)	/* a body sent by reference */

static int	h1_on_headers_complete(http_parser *);
static int	h1_on_complete(http_parser *);
static int	h1_on_field(http_parser *, const char *, size_t);
static int	h1_on_value(http_parser *, const char *, size_t);
static int	h1_on_body(http_parser *, const char *, size_t);

/*
 * No data callbacks: the parser runs a fifth faster without them, and its
 * own header limit (set once to H1_HEADER_MAX) bounds what a server sends.
 */
static const http_parser_settings h1_settings = {
	.on_headers_complete = h1_on_headers_complete,
	.on_message_complete = h1_on_complete
};
/* For a request that reads its response (x->ins): its headers and body. */
static const http_parser_settings h1_inspect_settings = {
	.on_header_field = h1_on_field,
	.on_header_value = h1_on_value,
	.on_headers_complete = h1_on_headers_complete,
	.on_body = h1_on_body,
	.on_message_complete = h1_on_complete
};

/* A fresh parser for the next response on c. */
static void
h1_parser_reset(struct conn *c)
{
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
}

/* A complete response: keep the connection if allowed, then report. */
static int
h1_done(struct conn *c)
{
	struct exch		*x = c->x;
	const struct plan_req	*req = x->req;

	if (event_del(&x->tmo) == -1)
		fatalx("h1: event_del failed");
	x->res.kind = ERR_NONE;
	x->res.done_ns = conn_received(c);
	c->x = NULL;
	/* Bytes past the response inside OpenSSL: no readiness will tell. */
	if (c->ssl != NULL && SSL_has_pending(c->ssl))
		c->close_after = 1;
	if (c->close_after || !c->ctx->keepalive ||
	    x->woff < req->wirelen + req->bodylen)
		conn_finish(c);
	else {
		c->state = CONN_IDLE;
		c->reused = 1;
		c->want = 0;
		conn_arm(c);
	}
	exch_report(x);
	return (-1);
}

/*
 * Whether a lost connection may be silently replaced: a keep-alive race,
 * where the server closed the idle connection as the request went out. The
 * server may have read it, though, so only an idempotent method is resent
 * (RFC 9112 9.3.1); a POST or PATCH fails with ERR_RESET instead.
 */
static int
h1_can_retry(struct conn *c)
{
	struct exch	*x = c->x;

	return (c->reused && !x->retried && x->res.bytes_recv == 0 &&
	    x->req->idempotent);
}

/* Replace a reused connection the server closed, and resend once. */
static int
h1_retry(struct conn *c)
{
	struct exch	*x = c->x;

	conn_shutdown(c);
	x->retried = 1;
	x->woff = 0;
	c->close_after = 0;
	c->rx_real_ns = 0;
	h1_parser_reset(c);
	if (x->ins != NULL)
		inspect_reset(x->ins, x->req->ins);
	(void)conn_connect(c, x->req->endpoint);
	return (-1);
}

/* The socket broke mid-request: retry a stale keep-alive, or fail. */
static int
h1_lost(struct conn *c, int error)
{
	if (h1_can_retry(c))
		return (h1_retry(c));
	return (conn_fail(c, ERR_RESET, conn_reset_error(error)));
}

/* Feed bytes (none: EOF) to the parser: 1 complete, 0 more, -1 garbage. */
static int
h1_feed(struct conn *c, const unsigned char *buf, size_t len)
{
	struct exch	*x = c->x;
	size_t		 n;
	enum http_errno	 herr;

	n = http_parser_execute(&c->parser, x->req->ins != NULL ?
	    &h1_inspect_settings : &h1_settings, (const char *)buf, len);
	if (c->state == CONN_COMPLETE) {
		/* Bytes past the response: the stream is out of step. */
		if (n != len)
			c->close_after = 1;
		return (1);
	}
	herr = HTTP_PARSER_ERRNO(&c->parser);
	if (herr == HPE_OK)
		return (0);
	if (herr == HPE_HEADER_OVERFLOW)
		x->res.example = "response headers over 64 KiB";
	else
		x->res.example = http_errno_description(herr);
	return (-1);
}

/* The peer closed: end of an EOF-delimited body, or a premature end. */
static int
h1_eof(struct conn *c)
{
	if (h1_can_retry(c))
		return (h1_retry(c));
	if (h1_feed(c, NULL, 0) == 1) {
		c->close_after = 1;
		return (h1_done(c));
	}
	return (conn_fail(c, ERR_RESET,
	    "connection closed before the response was complete"));
}

/* Read and parse whatever is there. Returns -1 once the request ended. */
static int
h1_read(struct conn *c)
{
	const struct conn_ctx	*ctx = c->ctx;
	ssize_t			 n;
	int			 error;

	for (;;) {
		n = conn_read(c, ctx->rbuf, ctx->rbufsize, &error);
		if (n == -2)
			return (0);
		if (n == 0)
			return (h1_eof(c));
		if (n == -1) {
			if (error == 0)
				return (conn_fail(c, ERR_TLS,
				    conn_ssl_error(c, "TLS error")));
			return (h1_lost(c, error));
		}
		c->x->res.bytes_recv += n;
		switch (h1_feed(c, ctx->rbuf, n)) {
		case 1:
			/*
			 * A full read may have left bytes in the socket, and
			 * a FIN that came with this edge will not come again.
			 */
			if (c->ssl == NULL && ((size_t)n == ctx->rbufsize ||
			    c->peer_closed))
				c->close_after = 1;
			return (h1_done(c));
		case -1:
			return (conn_fail(c, ERR_PROTOCOL, c->x->res.example));
		}
	}
}

/* Write as much of the request as the socket takes. -1: request ended. */
static int
h1_send(struct conn *c)
{
	struct exch		*x = c->x;
	const struct plan_req	*req = x->req;
	size_t			 total = req->wirelen + req->bodylen;
	struct iovec		 iov[2];
	uint64_t		 t = 0;
	ssize_t			 n;
	int			 error, iovcnt, byref;

	/*
	 * A large generated body goes by sendfile(2) from the plan's memfd:
	 * the kernel references its pages instead of copying them into the
	 * socket, which was most of an upload's CPU (BENCHMARKS.md, 16).
	 */
	byref = req->bodyfile && c->ssl == NULL && c->ctx->bodyfd != -1 &&
	    req->bodylen >= H1_SENDFILE_MIN;
	c->want = 0;
	while (x->woff < total) {
		if (x->woff < req->wirelen) {
			iov[0].iov_base = req->wire + x->woff;
			iov[0].iov_len = req->wirelen - x->woff;
			iov[1].iov_base = (void *)req->body;
			iov[1].iov_len = req->bodylen;
			iovcnt = req->bodylen != 0 && !byref ? 2 : 1;
		} else if (byref) {
			iovcnt = 0;
		} else {
			iov[0].iov_base = (void *)(req->body +
			    (x->woff - req->wirelen));
			iov[0].iov_len = total - x->woff;
			iovcnt = 1;
		}
		/*
		 * The clock is read before the first write: over loopback the
		 * answer can be in (and stamped by) the kernel before send(2)
		 * returns to us.
		 */
		if (x->res.sent_ns == 0)
			t = c->ctx->now();
		if (iovcnt == 0)
			n = conn_sendfile(c, c->ctx->bodyfd,
			    (off_t)(x->woff - req->wirelen), total - x->woff,
			    &error);
		else
			n = conn_write(c, iov, iovcnt, &error);
		if (n == 0)
			return (0);
		if (n == -1) {
			if (c->ssl != NULL && error == 0)
				return (conn_fail(c, ERR_TLS,
				    conn_ssl_error(c, "TLS error")));
			if (h1_can_retry(c))
				return (h1_retry(c));
			if (c->ssl == NULL &&
			    (error == EPIPE || error == ECONNRESET)) {
				/*
				 * The server may have answered and closed
				 * (a 413 before the body): stop writing and
				 * let the read side find out which.
				 */
				c->state = CONN_RECEIVING;
				c->want = 0;
				return (0);
			}
			return (conn_fail(c, ERR_RESET,
			    conn_reset_error(error)));
		}
		if (x->res.sent_ns == 0)
			x->res.sent_ns = t;
		x->res.bytes_sent += n;
		x->woff += n;
	}
	c->state = CONN_RECEIVING;
	return (0);
}

/* Connected (TLS done): send the exchange waiting for it. */
int
h1_open(struct conn *c)
{
	c->state = CONN_SENDING;
	if (c->x == NULL) {
		c->state = CONN_IDLE;
		return (0);
	}
	return (h1_send(c));
}

/* Readable while idle: the server closed, or sent what nobody asked for. */
static void
h1_idle(struct conn *c)
{
	const struct conn_ctx	*ctx = c->ctx;
	ssize_t			 n;
	int			 r;

	if (c->ssl != NULL) {
		/* TLS 1.3 session tickets may come late: no data for us. */
		ERR_clear_error();
		r = SSL_read(c->ssl, ctx->rbuf,
		    ctx->rbufsize > INT_MAX ? INT_MAX : (int)ctx->rbufsize);
		if (r <= 0 && SSL_get_error(c->ssl, r) == SSL_ERROR_WANT_READ)
			return;
		ERR_clear_error();
		conn_shutdown(c);
		return;
	}
	while ((n = read(c->fd, ctx->rbuf, ctx->rbufsize)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	conn_shutdown(c);
}

/* ev fired on an HTTP/1.1 connection: advance, then re-arm. */
void
h1_event(struct conn *c, short what)
{
	switch (c->state) {
	case CONN_IDLE:
		h1_idle(c);
		return;
	case CONN_SENDING:
		if (h1_send(c) == -1)
			return;
		if ((what & EV_READ) || c->ssl != NULL) {
			if (h1_read(c) == -1)
				return;
		}
		break;
	case CONN_RECEIVING:
		if (h1_read(c) == -1)
			return;
		break;
	default:
		return;
	}
	conn_arm(c);
}

/* Send x on c, its own connection: reuse it if idle, else connect. */
void
h1_start(struct conn *c, struct exch *x)
{
	c->x = x;
	c->close_after = 0;
	c->rx_real_ns = 0;
	h1_parser_reset(c);
	if (c->fd != -1 && (c->state != CONN_IDLE || c->proto != PROTO_H1 ||
	    c->endpoint != x->req->endpoint))
		conn_shutdown(c);
	if (c->fd == -1) {
		(void)conn_connect(c, x->req->endpoint);
		return;
	}
	c->state = CONN_SENDING;
	if (h1_send(c) == -1)
		return;
	conn_arm(c);
}

/* Withdraw x from c: the connection closes, as a half-sent request must. */
void
h1_cancel(struct conn *c, struct exch *x)
{
	if (c->x == x)
		c->x = NULL;
	conn_shutdown(c);
}

/* Parser, inspecting: part of a header's name. */
static int
h1_on_field(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	inspect_on_field(exch_ins(c->x), at, len);
	return (0);
}

/* Parser, inspecting: part of a header's value. */
static int
h1_on_value(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	inspect_on_value(exch_ins(c->x), at, len);
	return (0);
}

/* Parser, inspecting: part of the body. */
static int
h1_on_body(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	inspect_on_body(exch_ins(c->x), at, len);
	return (0);
}

/* Parser: 1 means "no body" (HEAD, 1xx, 204, 304). */
static int
h1_on_headers_complete(http_parser *p)
{
	struct conn	*c = p->data;
	struct exch	*x = c->x;

	if (p->status_code / 100 == 1 && p->status_code != 101) {
		/* An interim response's headers are not the response's. */
		if (x->ins != NULL)
			inspect_reset(x->ins, x->req->ins);
		return (1);
	}
	if (x->ins != NULL)
		inspect_on_headers(x->ins);
	x->res.status = p->status_code;
	if (x->req->head || p->status_code / 100 == 1 ||
	    p->status_code == 204 || p->status_code == 304)
		return (1);
	return (0);
}

/* Parser: a 1xx is skipped; the final response stops the parser. */
static int
h1_on_complete(http_parser *p)
{
	struct conn	*c = p->data;

	if (p->status_code / 100 == 1 && p->status_code != 101)
		return (0);
	if (!http_should_keep_alive(p) || p->status_code == 101)
		c->close_after = 1;
	c->state = CONN_COMPLETE;
	http_parser_pause(p, 1);
	return (0);
}

/* The parser's header limit is process-wide: set it once. */
static void
h1_parser_limit(void)
{
	http_parser_set_max_header_size(H1_HEADER_MAX);
}

/* Prepare c's parser (conn_init). */
void
h1_init(struct conn *c)
{
	static pthread_once_t	once = PTHREAD_ONCE_INIT;

	pthread_once(&once, h1_parser_limit);
	h1_parser_reset(c);
}
