/* SPDX-License-Identifier: MIT */
/*
 * conn.c -- one HTTP/1.1 client connection of the load engine: non-blocking
 * connect and TLS handshake, a pre-rendered request written straight from the
 * plan's buffers, the response fed to http-parser from the worker's shared
 * read buffer and forgotten but for its counters. Runs on one worker thread's
 * event_base; only that worker calls in. Nothing here allocates, logs or
 * locks per request (OpenSSL allocates per connection, not per request).
 *
 * Every conn_request ends in exactly one callback, always from the event
 * loop: success straight from the read handler, failures through an
 * event_active on ev, so that conn_cancel can still withdraw them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "loadd.h"
#include "conn.h"

#define CONN_HEADER_MAX	(64 * 1024)	/* response header bytes */
#define CONN_SSL_CHUNK	(1024 * 1024)	/* at most, per SSL_write */

enum conn_state {
	CONN_CLOSED,		/* no fd */
	CONN_CONNECTING,	/* TCP connect in progress */
	CONN_HANDSHAKE,		/* TLS handshake in progress */
	CONN_SENDING,		/* request partly written; reading too */
	CONN_RECEIVING,		/* request out, response incomplete */
	CONN_COMPLETE,		/* the parser saw the final response */
	CONN_IDLE,		/* connected, no request; EV_READ armed */
	CONN_FAILED		/* closed; the error waits in the queue */
};

static int	conn_on_headers_complete(http_parser *);
static int	conn_on_complete(http_parser *);
static int	conn_on_field(http_parser *, const char *, size_t);
static int	conn_on_value(http_parser *, const char *, size_t);
static int	conn_on_body(http_parser *, const char *, size_t);
static void	conn_event(evutil_socket_t, short, void *);
static void	conn_timeout(evutil_socket_t, short, void *);

/*
 * No data callbacks: the parser runs a fifth faster without them, and its
 * own header limit (set once to CONN_HEADER_MAX) bounds what a server sends.
 */
static const http_parser_settings conn_settings = {
	.on_headers_complete = conn_on_headers_complete,
	.on_message_complete = conn_on_complete
};
/* For a request that reads its response (c->ins): its headers and body. */
static const http_parser_settings conn_inspect_settings = {
	.on_header_field = conn_on_field,
	.on_header_value = conn_on_value,
	.on_headers_complete = conn_on_headers_complete,
	.on_body = conn_on_body,
	.on_message_complete = conn_on_complete
};

/* Name an error kind as SPEC section 7 spells it. */
const char *
err_kind_name(enum err_kind kind)
{
	switch (kind) {
	case ERR_NONE:
		return ("none");
	case ERR_CONNECT:
		return ("connect");
	case ERR_TIMEOUT:
		return ("timeout");
	case ERR_RESET:
		return ("reset");
	case ERR_STATUS:
		return ("status");
	case ERR_PROTOCOL:
		return ("protocol");
	case ERR_TLS:
		return ("tls");
	case ERR_DNS:
		return ("dns");
	case ERR_CHECK:
		return ("check");
	default:
		return ("unknown");
	}
}

/* A static example for a failed socket() or connect(). */
static const char *
conn_connect_error(int error)
{
	switch (error) {
	case ECONNREFUSED:
		return ("connect: Connection refused");
	case ENETUNREACH:
		return ("connect: Network is unreachable");
	case EHOSTUNREACH:
		return ("connect: No route to host");
	case ETIMEDOUT:
		return ("connect: Connection timed out");
	case EADDRNOTAVAIL:
		return ("connect: Cannot assign requested address");
	case ECONNRESET:
		return ("connect: Connection reset by peer");
	case EMFILE:
	case ENFILE:
		return ("socket: Too many open files");
	case ENOBUFS:
	case ENOMEM:
		return ("socket: No buffer space available");
	default:
		return ("connect failed");
	}
}

/* A static example for a connection lost mid-request. */
static const char *
conn_reset_error(int error)
{
	switch (error) {
	case ECONNRESET:
		return ("Connection reset by peer");
	case EPIPE:
		return ("Broken pipe");
	case ETIMEDOUT:
		return ("Connection timed out");
	default:
		return ("connection lost");
	}
}

/* The reason of the last OpenSSL error: a static string, or a fallback. */
static const char *
conn_ssl_error(struct conn *c, const char *fallback)
{
	const char	*s;
	long		 verify;

	if (c->ssl != NULL && c->state == CONN_HANDSHAKE) {
		verify = SSL_get_verify_result(c->ssl);
		if (verify != X509_V_OK) {
			ERR_clear_error();
			return (X509_verify_cert_error_string(verify));
		}
	}
	s = ERR_reason_error_string(ERR_peek_last_error());
	ERR_clear_error();
	return (s != NULL ? s : fallback);
}

/* Point ev at the events the state needs; no system call if unchanged. */
static void
conn_arm(struct conn *c)
{
	short	events;

	switch (c->state) {
	case CONN_CONNECTING:
		events = EV_WRITE;
		break;
	case CONN_HANDSHAKE:
		events = c->want;
		break;
	case CONN_SENDING:
	case CONN_RECEIVING:
		events = EV_READ | c->want;
		break;
	case CONN_IDLE:
		events = EV_READ;
		break;
	default:
		return;
	}
	/*
	 * Plain sockets are edge-triggered: a level-triggered socket is
	 * polled twice per readiness (once more on the next epoll_wait, to
	 * find it drained). A read goes on until the response is complete or
	 * EAGAIN: a short read is no proof, as a reset that came with the
	 * data raises no further edge. A complete response after a full read,
	 * or with the peer's FIN in the same edge (EV_CLOSED), closes the
	 * connection: what is left would go unannounced. TLS may buffer
	 * inside OpenSSL, so it stays level-triggered.
	 */
	if (c->ssl == NULL && c->state != CONN_CONNECTING)
		events |= EV_ET | EV_CLOSED;
	if (events == c->armed)
		return;
	if (event_del(&c->ev) == -1)
		fatalx("conn: event_del failed");
	c->armed = 0;
	if (event_assign(&c->ev, c->ctx->base, c->fd, events | EV_PERSIST,
	    conn_event, c) == -1)
		fatalx("conn: event_assign failed");
	if (event_add(&c->ev, NULL) == -1)
		fatalx("conn: event_add failed");
	c->armed = events;
}

/* Close the socket and forget it; the request (if any) and tmo remain. */
static void
conn_shutdown(struct conn *c)
{
	if (event_del(&c->ev) == -1)
		fatalx("conn: event_del failed");
	c->armed = 0;
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1) {
		(void)close(c->fd);	/* nothing to do about a failure */
		c->fd = -1;
	}
	c->reused = 0;
	c->peer_closed = 0;
	c->want = 0;
	c->state = CONN_CLOSED;
}

/*
 * End the request with an error: close now, report from the event loop (the
 * caller may be conn_request itself). Returns -1: the caller must stop.
 */
static int
conn_fail(struct conn *c, enum err_kind kind, const char *example)
{
	conn_shutdown(c);
	if (event_del(&c->tmo) == -1)
		fatalx("conn: event_del failed");
	c->res.kind = kind;
	c->res.status = 0;	/* no complete response */
	c->res.example = example;
	c->res.done_ns = c->ctx->now();
	c->state = CONN_FAILED;
	if (event_assign(&c->ev, c->ctx->base, -1, 0, conn_event, c) == -1)
		fatalx("conn: event_assign failed");
	event_active(&c->ev, EV_TIMEOUT, 1);
	return (-1);
}

/* Hand the result over; c may be reused by the callback at once. */
static int
conn_report(struct conn *c)
{
	struct conn_result	 res = c->res;
	conn_done_cb		 cb = c->cb;
	void			*arg = c->arg;

	c->req = NULL;
	c->cb = NULL;
	c->arg = NULL;
	cb(c, &res, arg);
	return (-1);
}

/*
 * When the response was complete, on the monotonic clock: the kernel's
 * receive time of the last bytes read, if it gave one, else now. The
 * kernel stamps in CLOCK_REALTIME; the age of the stamp is taken on that
 * clock and subtracted from monotonic now. Real time is read first, so a
 * delay between the two readings can only lengthen the latency, never end
 * it before it began; a clock step between them is the only other error.
 */
static uint64_t
conn_received(struct conn *c)
{
	struct timespec	 ts;
	uint64_t	 now, real, age;

	if (c->rx_real_ns == 0 || clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (c->ctx->now());
	now = c->ctx->now();
	real = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (real <= c->rx_real_ns)
		return (now);
	age = real - c->rx_real_ns;
	return (age < now ? now - age : now);
}

/* A complete response: keep the connection if allowed, then report. */
static int
conn_done(struct conn *c)
{
	const struct plan_req	*req = c->req;

	if (event_del(&c->tmo) == -1)
		fatalx("conn: event_del failed");
	c->res.kind = ERR_NONE;
	c->res.done_ns = conn_received(c);
	if (c->close_after || !c->ctx->keepalive ||
	    c->woff < req->wirelen + req->bodylen)
		conn_shutdown(c);
	else {
		c->state = CONN_IDLE;
		c->reused = 1;
		c->want = 0;
		conn_arm(c);
	}
	return (conn_report(c));
}

/* Start a new connection to the request's endpoint; errors are deferred. */
static int
conn_connect(struct conn *c)
{
	const struct plan_endpoint	*ep;
	int				 fd, one = 1;

	ep = &c->ctx->endpoints[c->req->endpoint];
	fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (conn_fail(c, ERR_CONNECT, conn_connect_error(errno)));
	c->fd = fd;
	c->endpoint = c->req->endpoint;
	c->reused = 0;
	if ((ep->addr.ss_family == AF_INET || ep->addr.ss_family == AF_INET6) &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		return (conn_fail(c, ERR_CONNECT, conn_connect_error(errno)));
	if (c->ctx->rx_stamps && ep->tls == 0 && (ep->addr.ss_family == AF_INET ||
	    ep->addr.ss_family == AF_INET6))
		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&ep->addr,
	    ep->addrlen) == -1 && errno != EINPROGRESS && errno != EINTR)
		return (conn_fail(c, ERR_CONNECT, conn_connect_error(errno)));
	/* Even an immediate success waits for EV_WRITE: one path for all. */
	c->state = CONN_CONNECTING;
	conn_arm(c);
	return (0);
}

/*
 * Whether a lost connection may be silently replaced: a keep-alive race,
 * where the server closed the idle connection as the request went out. The
 * server may have read it, though, so only an idempotent method is resent
 * (RFC 9112 9.3.1); a POST or PATCH fails with ERR_RESET instead.
 */
static int
conn_can_retry(struct conn *c)
{
	return (c->reused && !c->retried && c->res.bytes_recv == 0 &&
	    c->req->idempotent);
}

/* Replace a reused connection the server closed, and resend once. */
static int
conn_retry(struct conn *c)
{
	conn_shutdown(c);
	c->retried = 1;
	c->woff = 0;
	c->close_after = 0;
	c->rx_real_ns = 0;
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
	if (c->ins != NULL)
		inspect_reset(c->ins, c->req->ins);
	(void)conn_connect(c);
	return (-1);
}

/* The socket broke mid-request: retry a stale keep-alive, or fail. */
static int
conn_lost(struct conn *c, int error)
{
	if (conn_can_retry(c))
		return (conn_retry(c));
	return (conn_fail(c, ERR_RESET, conn_reset_error(error)));
}

/* Feed bytes (none: EOF) to the parser: 1 complete, 0 more, -1 garbage. */
static int
conn_feed(struct conn *c, const unsigned char *buf, size_t len)
{
	size_t		 n;
	enum http_errno	 herr;

	n = http_parser_execute(&c->parser, c->req->ins != NULL ?
	    &conn_inspect_settings : &conn_settings, (const char *)buf, len);
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
		c->res.example = "response headers over 64 KiB";
	else
		c->res.example = http_errno_description(herr);
	return (-1);
}

/* The peer closed: end of an EOF-delimited body, or a premature end. */
static int
conn_eof(struct conn *c)
{
	if (conn_can_retry(c))
		return (conn_retry(c));
	if (conn_feed(c, NULL, 0) == 1) {
		c->close_after = 1;
		return (conn_done(c));
	}
	return (conn_fail(c, ERR_RESET,
	    "connection closed before the response was complete"));
}

/*
 * read(2) that also takes the kernel's receive time of the data, when the
 * socket has SO_TIMESTAMPNS on (plain TCP; c->rx_real_ns stays 0 if not).
 */
static ssize_t
conn_recv(struct conn *c, unsigned char *buf, size_t len)
{
	union {
		char		 buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr	 align;
	}			 cbuf;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cm;
	struct timespec		 ts;
	ssize_t			 n;

	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof cbuf.buf;
	if ((n = recvmsg(c->fd, &msg, 0)) <= 0)
		return (n);
	c->rx_real_ns = 0;	/* this read's stamp or none: never an older one */
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof ts)) {
			memcpy(&ts, CMSG_DATA(cm), sizeof ts);
			c->rx_real_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
			    (uint64_t)ts.tv_nsec;
		}
	}
	return (n);
}

/* Read and parse whatever is there. Returns -1 once the request ended. */
static int
conn_read(struct conn *c)
{
	const struct conn_ctx	*ctx = c->ctx;
	ssize_t			 n;
	int			 r, size;

	size = ctx->rbufsize > INT_MAX ? INT_MAX : (int)ctx->rbufsize;
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(c->ssl, ctx->rbuf, size);
			if (r <= 0) {
				switch (SSL_get_error(c->ssl, r)) {
				case SSL_ERROR_WANT_READ:
					if (c->state == CONN_RECEIVING)
						c->want = 0;
					return (0);
				case SSL_ERROR_WANT_WRITE:
					c->want |= EV_WRITE;
					return (0);
				case SSL_ERROR_ZERO_RETURN:
					return (conn_eof(c));
				case SSL_ERROR_SYSCALL:
					if (errno == 0)
						return (conn_eof(c));
					return (conn_lost(c, errno));
				default:
					return (conn_fail(c, ERR_TLS,
					    conn_ssl_error(c, "TLS error")));
				}
			}
			n = r;
		} else {
			n = conn_recv(c, ctx->rbuf, ctx->rbufsize);
			if (n == 0)
				return (conn_eof(c));
			if (n == -1) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return (0);
				return (conn_lost(c, errno));
			}
		}
		c->res.bytes_recv += n;
		switch (conn_feed(c, ctx->rbuf, n)) {
		case 1:
			/*
			 * A full read may have left bytes in the socket, and
			 * a FIN that came with this edge will not come again.
			 */
			if (c->ssl == NULL && ((size_t)n == ctx->rbufsize ||
			    c->peer_closed))
				c->close_after = 1;
			return (conn_done(c));
		case -1:
			return (conn_fail(c, ERR_PROTOCOL, c->res.example));
		}
	}
}

/* Write one piece of wire+body from woff. Returns bytes, 0 blocked, -1. */
static ssize_t
conn_write1(struct conn *c, int *error)
{
	const struct plan_req	*req = c->req;
	struct iovec		 iov[2];
	struct msghdr		 msg;
	const char		*p;
	size_t			 len;
	ssize_t			 n;
	int			 r;

	if (c->woff < req->wirelen) {
		p = req->wire + c->woff;
		len = req->wirelen - c->woff;
	} else {
		p = req->body + (c->woff - req->wirelen);
		len = req->wirelen + req->bodylen - c->woff;
	}
	if (c->ssl != NULL) {
		/* Same arguments on a retry: woff has not moved. */
		if (len > CONN_SSL_CHUNK)
			len = CONN_SSL_CHUNK;
		ERR_clear_error();
		r = SSL_write(c->ssl, p, (int)len);
		if (r > 0)
			return (r);
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			return (0);
		case SSL_ERROR_WANT_WRITE:
			c->want = EV_WRITE;
			return (0);
		case SSL_ERROR_SYSCALL:
			*error = errno != 0 ? errno : EPIPE;
			return (-1);
		default:
			*error = 0;
			return (-1);
		}
	}
	iov[0].iov_base = (void *)p;
	iov[0].iov_len = len;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = iov;
	msg.msg_iovlen = 1;
	if (c->woff < req->wirelen && req->bodylen != 0) {
		iov[1].iov_base = (void *)req->body;
		iov[1].iov_len = req->bodylen;
		msg.msg_iovlen = 2;
	}
	for (;;) {
		/* send(2) is cheaper than sendmsg(2) when one piece is left. */
		if (msg.msg_iovlen == 1)
			n = send(c->fd, p, len, MSG_NOSIGNAL);
		else
			n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (n != -1)
			return (n);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->want = EV_WRITE;
			return (0);
		}
		*error = errno;
		return (-1);
	}
}

/* Write as much of the request as the socket takes. -1: request ended. */
static int
conn_send(struct conn *c)
{
	const struct plan_req	*req = c->req;
	size_t			 total = req->wirelen + req->bodylen;
	uint64_t		 t = 0;
	ssize_t			 n;
	int			 error;

	c->want = 0;
	while (c->woff < total) {
		/*
		 * The clock is read before the first write: over loopback the
		 * answer can be in (and stamped by) the kernel before send(2)
		 * returns to us.
		 */
		if (c->res.sent_ns == 0)
			t = c->ctx->now();
		n = conn_write1(c, &error);
		if (n == 0)
			return (0);
		if (n == -1) {
			if (c->ssl != NULL && error == 0)
				return (conn_fail(c, ERR_TLS,
				    conn_ssl_error(c, "TLS error")));
			if (conn_can_retry(c))
				return (conn_retry(c));
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
		if (c->res.sent_ns == 0)
			c->res.sent_ns = t;
		c->res.bytes_sent += n;
		c->woff += n;
	}
	c->state = CONN_RECEIVING;
	return (0);
}

/* Drive the TLS handshake; on success go on to send. */
static int
conn_handshake(struct conn *c)
{
	int	r;

	ERR_clear_error();
	r = SSL_connect(c->ssl);
	if (r == 1) {
		c->state = CONN_SENDING;
		return (conn_send(c));
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->want = EV_READ;
		return (0);
	case SSL_ERROR_WANT_WRITE:
		c->want = EV_WRITE;
		return (0);
	default:
		return (conn_fail(c, ERR_TLS,
		    conn_ssl_error(c, "TLS handshake failed")));
	}
}

/* Set up TLS on a fresh socket: SNI and, when verifying, the host name. */
static int
conn_tls_start(struct conn *c)
{
	const struct plan_endpoint	*ep = &c->ctx->endpoints[c->endpoint];
	unsigned char			 ip[sizeof(struct in6_addr)];
	int				 literal;

	if (c->ctx->ssl_ctx == NULL)
		return (conn_fail(c, ERR_TLS, "no TLS context"));
	ERR_clear_error();
	if ((c->ssl = SSL_new(c->ctx->ssl_ctx)) == NULL)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "SSL_new")));
	c->state = CONN_HANDSHAKE;
	SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* EOF without close_notify ends EOF-delimited bodies, as in HTTP. */
	SSL_set_options(c->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_set_fd(c->ssl, c->fd) != 1)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "SSL_set_fd")));
	literal = ep->host != NULL && (inet_pton(AF_INET, ep->host, ip) == 1 ||
	    inet_pton(AF_INET6, ep->host, ip) == 1);
	if (ep->host != NULL && !literal &&
	    SSL_set_tlsext_host_name(c->ssl, ep->host) != 1)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "SNI")));
	if (ep->host != NULL &&
	    SSL_CTX_get_verify_mode(c->ctx->ssl_ctx) != SSL_VERIFY_NONE) {
		if (literal) {
			if (X509_VERIFY_PARAM_set1_ip_asc(
			    SSL_get0_param(c->ssl), ep->host) != 1)
				return (conn_fail(c, ERR_TLS,
				    conn_ssl_error(c, "bad IP address")));
		} else if (SSL_set1_host(c->ssl, ep->host) != 1)
			return (conn_fail(c, ERR_TLS,
			    conn_ssl_error(c, "bad host name")));
	}
	SSL_set_connect_state(c->ssl);
	return (conn_handshake(c));
}

/* The non-blocking connect finished: check how. */
static int
conn_connected(struct conn *c)
{
	int		error = 0;
	socklen_t	len = sizeof error;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error != 0)
		return (conn_fail(c, ERR_CONNECT, conn_connect_error(error)));
	if (c->ctx->endpoints[c->endpoint].tls)
		return (conn_tls_start(c));
	c->state = CONN_SENDING;
	return (conn_send(c));
}

/* Readable while idle: the server closed, or sent what nobody asked for. */
static void
conn_idle(struct conn *c)
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

/* ev fired: advance the state machine, then re-arm for the new state. */
static void
conn_event(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	if (what & EV_CLOSED)
		c->peer_closed = 1;
	switch (c->state) {
	case CONN_FAILED:
		c->state = CONN_CLOSED;
		conn_report(c);
		return;
	case CONN_IDLE:
		conn_idle(c);
		return;
	case CONN_CONNECTING:
		if (conn_connected(c) == -1)
			return;
		break;
	case CONN_HANDSHAKE:
		if (conn_handshake(c) == -1)
			return;
		break;
	case CONN_SENDING:
		if (conn_send(c) == -1)
			return;
		if ((what & EV_READ) || c->ssl != NULL) {
			if (conn_read(c) == -1)
				return;
		}
		break;
	case CONN_RECEIVING:
		if (conn_read(c) == -1)
			return;
		break;
	default:
		return;
	}
	conn_arm(c);
}

/* The request's timeout: cancel it, connection and all. */
static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	if (c->req == NULL || c->state == CONN_FAILED)
		return;
	conn_fail(c, ERR_TIMEOUT, "request timed out");
}

/* A response that is read keeps it in a buffer taken as it arrives. */
static struct conn_inspect *
conn_ins(struct conn *c)
{
	if (c->ins == NULL)
		c->ins = inspect_take(c->ctx->ipool, c->req->ins);
	return (c->ins);
}

/* Parser, inspecting: part of a header's name. */
static int
conn_on_field(http_parser *p, const char *at, size_t len)
{
	inspect_on_field(conn_ins(p->data), at, len);
	return (0);
}

/* Parser, inspecting: part of a header's value. */
static int
conn_on_value(http_parser *p, const char *at, size_t len)
{
	inspect_on_value(conn_ins(p->data), at, len);
	return (0);
}

/* Parser, inspecting: part of the body. */
static int
conn_on_body(http_parser *p, const char *at, size_t len)
{
	inspect_on_body(conn_ins(p->data), at, len);
	return (0);
}

/* Parser: 1 means "no body" (HEAD, 1xx, 204, 304). */
static int
conn_on_headers_complete(http_parser *p)
{
	struct conn	*c = p->data;

	if (p->status_code / 100 == 1 && p->status_code != 101) {
		/* An interim response's headers are not the response's. */
		if (c->ins != NULL)
			inspect_reset(c->ins, c->req->ins);
		return (1);
	}
	if (c->ins != NULL)
		inspect_on_headers(c->ins);
	c->res.status = p->status_code;
	if (c->req->head || p->status_code / 100 == 1 ||
	    p->status_code == 204 || p->status_code == 304)
		return (1);
	return (0);
}

/* Parser: a 1xx is skipped; the final response stops the parser. */
static int
conn_on_complete(http_parser *p)
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
conn_parser_limit(void)
{
	http_parser_set_max_header_size(CONN_HEADER_MAX);
}

/* Prepare an embedded connection; no system call, nothing allocated. */
void
conn_init(struct conn *c, const struct conn_ctx *ctx)
{
	static pthread_once_t	once = PTHREAD_ONCE_INIT;

	pthread_once(&once, conn_parser_limit);
	memset(c, 0, sizeof *c);
	c->ctx = ctx;
	c->fd = -1;
	c->state = CONN_CLOSED;
	c->endpoint = -1;
	if (event_assign(&c->ev, ctx->base, -1, 0, conn_event, c) == -1 ||
	    event_assign(&c->tmo, ctx->base, -1, 0, conn_timeout, c) == -1)
		fatalx("conn: event_assign failed");
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
}

/*
 * Take over fd, connected and non-blocking, as an idle connection to
 * endpoint, as if conn_connect had made it: for tests and fuzzing. c must
 * hold no fd and no request; conn_close closes fd.
 */
void
conn_adopt(struct conn *c, int fd, int endpoint)
{
	c->fd = fd;
	c->endpoint = endpoint;
	c->reused = 0;
	c->peer_closed = 0;
	c->state = CONN_IDLE;
	conn_arm(c);
}

/*
 * Send req on c, (re)connecting first if needed, and call cb exactly once,
 * from the event loop, with the outcome. The result passed to cb is a copy:
 * cb may start the next request on c at once.
 */
void
conn_request(struct conn *c, const struct plan_req *req, conn_done_cb cb,
    void *arg)
{
	const struct conn_ctx	*ctx = c->ctx;
	const struct timeval	*tv;

	if (c->req != NULL)
		conn_cancel(c);
	c->req = req;
	c->cb = cb;
	c->arg = arg;
	memset(&c->res, 0, sizeof c->res);
	c->woff = 0;
	c->retried = 0;
	c->close_after = 0;
	c->rx_real_ns = 0;
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
	if (c->ins != NULL) {
		inspect_give(ctx->ipool, c->ins);
		c->ins = NULL;
	}

	tv = ctx->timeouts != NULL ? ctx->timeouts[req->stat] : NULL;
	if (tv != NULL && event_add(&c->tmo, tv) == -1)
		fatalx("conn: event_add failed");

	if (c->fd != -1 &&
	    (c->state != CONN_IDLE || c->endpoint != req->endpoint))
		conn_shutdown(c);
	if (c->fd == -1) {
		(void)conn_connect(c);
		return;
	}
	c->state = CONN_SENDING;
	if (conn_send(c) == -1)
		return;
	conn_arm(c);
}

/*
 * Fail req on c without sending it (what it needs is missing): cb is
 * called from the event loop with kind and the static example. An idle
 * connection is closed: the request's slot goes on with a new one.
 */
void
conn_refuse(struct conn *c, const struct plan_req *req, enum err_kind kind,
    const char *example, conn_done_cb cb, void *arg)
{
	if (c->req != NULL)
		conn_cancel(c);
	c->req = req;
	c->cb = cb;
	c->arg = arg;
	memset(&c->res, 0, sizeof c->res);
	(void)conn_fail(c, kind, example);
}

/* Abort the request in flight, if any: close, and no callback. */
void
conn_cancel(struct conn *c)
{
	if (c->ins != NULL) {
		inspect_give(c->ctx->ipool, c->ins);
		c->ins = NULL;
	}
	conn_shutdown(c);
	if (event_del(&c->tmo) == -1)
		fatalx("conn: event_del failed");
	c->req = NULL;
	c->cb = NULL;
	c->arg = NULL;
}

/* Close the connection, idle or not; no callback. */
void
conn_close(struct conn *c)
{
	conn_cancel(c);
}
