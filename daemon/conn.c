/* SPDX-License-Identifier: MIT */
/*
 * conn.c -- the client transport of the load engine: non-blocking connect,
 * TLS with ALPN and session resumption, reads that keep the kernel's receive
 * time, writes; and the life of an exchange (one request of a VU) from its
 * start to its one callback, whichever codec (h1.c, h2.c) carries it. Runs
 * on one worker thread's event_base; only that worker calls in. Nothing here
 * allocates, logs or locks per request (OpenSSL allocates per connection).
 *
 * Every exch_start ends in exactly one callback, always from the event loop:
 * success straight from the read handler, failures through an event_active
 * on the exchange's tmo, so that exch_cancel can still withdraw them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "loadd.h"
#include "conn.h"

#define CONN_SSL_CHUNK	(1024 * 1024)	/* at most, per SSL_write */

static void	conn_event(evutil_socket_t, short, void *);
static void	exch_timeout(evutil_socket_t, short, void *);

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
const char *
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
const char *
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
void
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
	case CONN_OPEN:
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
	 * inside OpenSSL, so it stays level-triggered. So does h2: many
	 * responses share its socket, and it reads once per readiness
	 * rather than again to find it drained (h2_event).
	 */
	if (c->ssl == NULL && c->state != CONN_CONNECTING &&
	    c->state != CONN_OPEN)
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

/* Close the socket and forget it; the exchanges it carried are the caller's. */
void
conn_shutdown(struct conn *c)
{
	if (event_del(&c->ev) == -1)
		fatalx("conn: event_del failed");
	c->armed = 0;
	if (c->h2 != NULL)
		h2_close(c);
	if (c->ssl != NULL) {
		/*
		 * Kept for the next connection, as wrk does: SSL_new and
		 * SSL_free cost more than a resumed handshake's crypto.
		 */
		ERR_clear_error();
		if (c->spare == NULL && SSL_clear(c->ssl) == 1)
			c->spare = c->ssl;
		else
			SSL_free(c->ssl);
		ERR_clear_error();
		c->ssl = NULL;
	}
	if (c->fd != -1) {
		(void)close(c->fd);	/* nothing to do about a failure */
		c->fd = -1;
	}
	c->reused = 0;
	c->peer_closed = 0;
	c->want = 0;
	c->goaway = 0;
	c->h2error = 0;
	c->h2why = NULL;
	c->state = CONN_CLOSED;
}

/*
 * Close a connection that did its work: TLS says close_notify first (one
 * write, not waited on), so that OpenSSL keeps its session resumable.
 */
void
conn_finish(struct conn *c)
{
	if (c->ssl != NULL && SSL_is_init_finished(c->ssl)) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	conn_shutdown(c);
}

/*
 * The connection broke: close it and fail every exchange on it with kind
 * (each reports from the event loop). Returns -1: the caller must stop.
 */
int
conn_fail(struct conn *c, enum err_kind kind, const char *example)
{
	struct exch	*x;

	conn_shutdown(c);
	if ((x = c->x) != NULL) {
		c->x = NULL;
		(void)exch_fail(x, kind, example);
	}
	while ((x = TAILQ_FIRST(&c->streams)) != NULL) {
		TAILQ_REMOVE(&c->streams, x, entry);
		(void)exch_fail(x, kind, example);
	}
	while ((x = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, x, entry);
		(void)exch_fail(x, kind, example);
	}
	c->nstreams = 0;
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
uint64_t
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

/*
 * Start a new connection to endpoint for what c carries; errors fail it
 * from the event loop. Returns -1 when it failed already.
 */
int
conn_connect(struct conn *c, int endpoint)
{
	const struct plan_endpoint	*ep;
	int				 fd, one = 1;

	ep = &c->ctx->endpoints[endpoint];
	c->endpoint = endpoint;
	fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (conn_fail(c, ERR_CONNECT, conn_connect_error(errno)));
	c->fd = fd;
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
 * Connected, TLS done if any: the codec takes over. ALPN decides over TLS;
 * in the clear, h2 is spoken by prior knowledge only when the plan says so.
 */
static int
conn_opened(struct conn *c)
{
	const unsigned char	*alpn = NULL;
	unsigned int		 alpnlen = 0;

	if (c->ssl != NULL)
		SSL_get0_alpn_selected(c->ssl, &alpn, &alpnlen);
	if (alpn != NULL && alpnlen == 2 && memcmp(alpn, "h2", 2) == 0)
		c->proto = PROTO_H2;
	else if (c->ssl == NULL && c->ctx->protocol == PROTO_H2)
		c->proto = PROTO_H2;
	else if (c->ctx->protocol == PROTO_H2)
		return (conn_fail(c, ERR_PROTOCOL,
		    "ALPN: the server did not choose h2"));
	else
		c->proto = PROTO_H1;
	if (c->proto == PROTO_H2)
		return (h2_open(c));
	return (h1_open(c));
}

/*
 * The TLS write side: send(2) on c->fd, with MSG_MORE while c->cork says
 * so. The handshake's last flight is held that way until the codec's first
 * write (a request, a preface), so that both leave in one segment.
 */
static int
conn_wbio_write(BIO *b, const char *buf, int len)
{
	struct conn	*c = BIO_get_data(b);
	ssize_t		 n;

	BIO_clear_retry_flags(b);
	for (;;) {
		n = send(c->fd, buf, (size_t)len,
		    MSG_NOSIGNAL | (c->cork ? MSG_MORE : 0));
		if (n >= 0) {
			c->corked = c->cork;
			return ((int)n);
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			BIO_set_retry_write(b);
		return (-1);
	}
}

static long
conn_wbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return (cmd == BIO_CTRL_FLUSH);
}

static int
conn_wbio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return (1);
}

static BIO_METHOD	*conn_wbio_method;
static int		 conn_wbio_type;
static pthread_once_t	 conn_wbio_done = PTHREAD_ONCE_INIT;

static void
conn_wbio_once(void)
{
	BIO_METHOD	*m;

	if ((conn_wbio_type = BIO_get_new_index()) == -1)
		fatalx("conn: BIO_get_new_index failed");
	conn_wbio_type |= BIO_TYPE_SOURCE_SINK;
	if ((m = BIO_meth_new(conn_wbio_type, "loadd socket")) == NULL ||
	    BIO_meth_set_write(m, conn_wbio_write) != 1 ||
	    BIO_meth_set_ctrl(m, conn_wbio_ctrl) != 1 ||
	    BIO_meth_set_create(m, conn_wbio_create) != 1)
		fatalx("conn: BIO_meth_new failed");
	conn_wbio_method = m;
}

/*
 * A handshake message came in: once it is the server's Finished, what the
 * client still sends of the handshake is its last flight, followed at once
 * by the codec's first write: hold it for that (TLS 1.2 resumed, TLS 1.3).
 */
static void
conn_tls_msg(int write_p, int version, int type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	struct conn	*c = SSL_get_app_data(ssl);

	(void)version;
	(void)arg;
	if (!write_p && type == SSL3_RT_HANDSHAKE && len > 0 &&
	    *(const unsigned char *)buf == SSL3_MT_FINISHED && c != NULL)
		c->cork = 1;
}

/* Drive the TLS handshake; on success the codec takes over. */
static int
conn_handshake(struct conn *c)
{
	int	r, one = 1;

	ERR_clear_error();
	r = SSL_connect(c->ssl);
	if (r == 1) {
		c->want = 0;
		c->cork = 0;
		SSL_set_msg_callback(c->ssl, NULL);
		r = conn_opened(c);
		/* The codec wrote nothing: let the held flight go. */
		if (c->corked && c->fd != -1) {
			c->corked = 0;
			(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY,
			    &one, sizeof one);
		}
		return (r);
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

/*
 * OpenSSL made a session on one of a worker's connections: keep it as the
 * one the next connection to that endpoint resumes (SPEC 18). The worker
 * thread that owns the SSL runs this; the reference is the worker's.
 */
static int
conn_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct conn	*c = SSL_get_app_data(ssl);
	SSL_SESSION	**slot;

	if (c == NULL || c->ctx->sessions == NULL || c->endpoint < 0)
		return (0);
	slot = &c->ctx->sessions[c->endpoint];
	if (*slot != NULL)
		SSL_SESSION_free(*slot);
	*slot = sess;
	return (1);
}

/*
 * Set up a plan's TLS context for what conn.c does with it: client session
 * caching through conn_new_session when resume is on, nothing stored
 * inside OpenSSL (each worker keeps its own sessions, without a lock).
 */
void
conn_ssl_ctx_setup(struct ssl_ctx_st *sctx, int resume)
{
	/*
	 * Read ahead: one read(2) takes a record's header and body (and
	 * what follows) instead of two; what stays buffered in OpenSSL is
	 * looked for with SSL_has_pending (h1_done, h2_event).
	 */
	SSL_CTX_set_read_ahead(sctx, 1);
	if (!resume) {
		SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
		return;
	}
	SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(sctx, conn_new_session);
}

/* Set up TLS on a fresh socket: SNI, ALPN, the session to resume, the name. */
static int
conn_tls_start(struct conn *c)
{
	static const unsigned char	 alpn_h2[] = "\x02h2";
	static const unsigned char	 alpn_auto[] = "\x02h2\x08http/1.1";
	const struct plan_endpoint	*ep = &c->ctx->endpoints[c->endpoint];
	unsigned char			 ip[sizeof(struct in6_addr)];
	SSL_SESSION			*sess;
	BIO				*wbio;
	int				 literal;

	if (c->ctx->ssl_ctx == NULL)
		return (conn_fail(c, ERR_TLS, "no TLS context"));
	ERR_clear_error();
	if ((c->ssl = c->spare) != NULL)
		c->spare = NULL;	/* cleared: set up again below */
	else if ((c->ssl = SSL_new(c->ctx->ssl_ctx)) == NULL)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "SSL_new")));
	c->state = CONN_HANDSHAKE;
	SSL_set_app_data(c->ssl, c);
	SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* EOF without close_notify ends EOF-delimited bodies, as in HTTP. */
	SSL_set_options(c->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_set_rfd(c->ssl, c->fd) != 1)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "SSL_set_rfd")));
	(void)pthread_once(&conn_wbio_done, conn_wbio_once);
	if ((wbio = SSL_get_wbio(c->ssl)) == NULL ||
	    BIO_method_type(wbio) != conn_wbio_type) {
		if ((wbio = BIO_new(conn_wbio_method)) == NULL)
			return (conn_fail(c, ERR_TLS,
			    conn_ssl_error(c, "BIO_new")));
		SSL_set0_wbio(c->ssl, wbio);
	}
	BIO_set_data(wbio, c);
	c->cork = 0;
	c->corked = 0;
	SSL_set_msg_callback(c->ssl, conn_tls_msg);
	if (c->ctx->protocol == PROTO_H2 &&
	    SSL_set_alpn_protos(c->ssl, alpn_h2, sizeof alpn_h2 - 1) != 0)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "ALPN")));
	if (c->ctx->protocol == PROTO_AUTO &&
	    SSL_set_alpn_protos(c->ssl, alpn_auto, sizeof alpn_auto - 1) != 0)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "ALPN")));
	/* The endpoint's last session, or none (a reused SSL keeps its own). */
	sess = c->ctx->sessions != NULL ? c->ctx->sessions[c->endpoint] : NULL;
	if (SSL_set_session(c->ssl, sess) != 1)
		return (conn_fail(c, ERR_TLS, conn_ssl_error(c, "session")));
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
	return (conn_opened(c));
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

/*
 * Read what is there into buf: bytes, 0 at the end of the stream, -2 when
 * nothing is (c->want then says what TLS waits for), -1 on an error with
 * *error the errno (0: a TLS error, its reason in OpenSSL's queue).
 */
ssize_t
conn_read(struct conn *c, unsigned char *buf, size_t len, int *error)
{
	ssize_t	n;
	int	r;

	if (c->ssl != NULL) {
		ERR_clear_error();
		r = SSL_read(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
		if (r > 0)
			return (r);
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			if (c->state == CONN_RECEIVING)
				c->want = 0;
			return (-2);
		case SSL_ERROR_WANT_WRITE:
			c->want |= EV_WRITE;
			return (-2);
		case SSL_ERROR_ZERO_RETURN:
			return (0);
		case SSL_ERROR_SYSCALL:
			if (errno == 0)
				return (0);
			*error = errno;
			return (-1);
		default:
			*error = 0;
			return (-1);
		}
	}
	for (;;) {
		if ((n = conn_recv(c, buf, len)) >= 0)
			return (n);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (-2);
		*error = errno;
		return (-1);
	}
}

/*
 * Write from iov (one or two pieces; TLS takes the first alone): bytes
 * written, 0 when the socket is full (c->want says what to wait for), -1
 * on an error with *error the errno (0: a TLS error). A TLS write that
 * blocked must be repeated with the same first piece.
 */
ssize_t
conn_write(struct conn *c, const struct iovec *iov, int iovcnt, int *error)
{
	struct msghdr	 msg;
	size_t		 len = iov[0].iov_len;
	ssize_t		 n;
	int		 r;

	if (c->ssl != NULL) {
		if (len > CONN_SSL_CHUNK)
			len = CONN_SSL_CHUNK;
		ERR_clear_error();
		r = SSL_write(c->ssl, iov[0].iov_base, (int)len);
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
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = (struct iovec *)iov;
	msg.msg_iovlen = (size_t)iovcnt;
	for (;;) {
		/* send(2) is cheaper than sendmsg(2) when one piece is left. */
		if (iovcnt == 1)
			n = send(c->fd, iov[0].iov_base, len, MSG_NOSIGNAL);
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

/*
 * Send len bytes of file fd from off on a plain socket, the pages taken by
 * reference: bytes sent, 0 when the socket is full (c->want says so), -1
 * on an error with *error the errno.
 */
ssize_t
conn_sendfile(struct conn *c, int fd, off_t off, size_t len, int *error)
{
	ssize_t	n;

	for (;;) {
		if ((n = sendfile(c->fd, fd, &off, len)) > 0)
			return (n);
		if (n == 0) {
			*error = EPIPE;		/* the file is shorter */
			return (-1);
		}
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

/* ev fired: connect and handshake here, then the codec. */
static void
conn_event(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	if (what & EV_CLOSED)
		c->peer_closed = 1;
	switch (c->state) {
	case CONN_CLOSED:
		return;
	case CONN_CONNECTING:
		if (conn_connected(c) == -1)
			return;
		break;
	case CONN_HANDSHAKE:
		if (conn_handshake(c) == -1)
			return;
		break;
	default:
		if (c->proto == PROTO_H2)
			h2_event(c, what);
		else
			h1_event(c, what);
		return;
	}
	conn_arm(c);
}

/* Prepare an embedded connection; no system call, nothing allocated. */
void
conn_init(struct conn *c, const struct conn_ctx *ctx)
{
	memset(c, 0, sizeof *c);
	c->ctx = ctx;
	c->fd = -1;
	c->state = CONN_CLOSED;
	c->endpoint = -1;
	TAILQ_INIT(&c->streams);
	TAILQ_INIT(&c->queue);
	TAILQ_INIT(&c->done);
	if (event_assign(&c->ev, ctx->base, -1, 0, conn_event, c) == -1)
		fatalx("conn: event_assign failed");
	h1_init(c);
}

/*
 * Take over fd, connected and non-blocking, as an idle connection to
 * endpoint speaking proto, as if conn_connect had made it: for tests and
 * fuzzing. c must hold no fd and no exchange; conn_close closes fd.
 */
void
conn_adopt(struct conn *c, int fd, int endpoint, int proto)
{
	c->fd = fd;
	c->endpoint = endpoint;
	c->reused = 0;
	c->peer_closed = 0;
	c->proto = proto;
	if (proto == PROTO_H2) {
		(void)h2_open(c);
		return;
	}
	c->state = CONN_IDLE;
	conn_arm(c);
}

/*
 * Close the connection, idle or not. Exchanges still on it are let go
 * without a callback: their owners cancel them before this.
 */
void
conn_close(struct conn *c)
{
	struct exch	*x;

	conn_shutdown(c);
	if ((x = c->x) != NULL) {
		c->x = NULL;
		x->conn = NULL;
	}
	while ((x = TAILQ_FIRST(&c->streams)) != NULL) {
		TAILQ_REMOVE(&c->streams, x, entry);
		x->conn = NULL;
	}
	while ((x = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, x, entry);
		x->conn = NULL;
	}
	while ((x = TAILQ_FIRST(&c->done)) != NULL) {
		TAILQ_REMOVE(&c->done, x, entry);
		x->conn = NULL;
	}
	c->nstreams = 0;
	free(c->wbuf);
	c->wbuf = NULL;
	SSL_free(c->spare);
	c->spare = NULL;
}

/*
 * End the exchange with an error; it reports from the event loop (the
 * caller may be exch_start itself). It is no longer on any connection.
 * Returns -1: the caller must stop.
 */
int
exch_fail(struct exch *x, enum err_kind kind, const char *example)
{
	if (event_del(&x->tmo) == -1)
		fatalx("conn: event_del failed");
	x->conn = NULL;
	x->stream = 0;
	x->res.kind = kind;
	x->res.status = 0;	/* no complete response */
	x->res.example = example;
	x->res.done_ns = x->ctx->now();
	x->state = EXCH_FAILED;
	event_active(&x->tmo, EV_TIMEOUT, 1);
	return (-1);
}

/* Hand the result over; x may be started again by the callback at once. */
void
exch_report(struct exch *x)
{
	struct conn_result	 res = x->res;
	exch_done_cb		 cb = x->cb;
	void			*arg = x->arg;

	x->conn = NULL;
	x->stream = 0;
	x->req = NULL;
	x->cb = NULL;
	x->arg = NULL;
	x->state = EXCH_IDLE;
	cb(x, &res, arg);
}

/* Take the exchange off its connection, as its codec does it. */
static void
exch_detach(struct exch *x)
{
	struct conn	*c = x->conn;

	if (c == NULL)
		return;
	if (c->x == x)
		h1_cancel(c, x);
	else
		h2_cancel(c, x);
	x->conn = NULL;
}

/* The timeout fired, or a failure queued by exch_fail is due. */
static void
exch_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct exch	*x = arg;
	struct conn	*c;

	(void)fd;
	(void)what;
	switch (x->state) {
	case EXCH_FAILED:
		exch_report(x);
		return;
	case EXCH_WAITING:
	case EXCH_ACTIVE:
		c = x->conn;
		exch_detach(x);
		(void)exch_fail(x, ERR_TIMEOUT, "request timed out");
		if (c != NULL && c->x == NULL && c->ctx->protocol == PROTO_H2)
			h2_stalled(c, x);
		return;
	default:
		return;
	}
}

/* A response that is read keeps it in a buffer taken as it arrives. */
struct conn_inspect *
exch_ins(struct exch *x)
{
	if (x->ins == NULL)
		x->ins = inspect_take(x->ctx->ipool, x->req->ins);
	return (x->ins);
}

/*
 * Prepare an exchange: home is the connection it keeps over HTTP/1.1,
 * affinity picks its pool connection over h2. Nothing allocated.
 */
void
exch_init(struct exch *x, const struct conn_ctx *ctx, struct conn *home,
    unsigned affinity)
{
	memset(x, 0, sizeof *x);
	x->ctx = ctx;
	x->home = home;
	x->affinity = affinity;
	x->state = EXCH_IDLE;
	if (event_assign(&x->tmo, ctx->base, -1, 0, exch_timeout, x) == -1)
		fatalx("conn: event_assign failed");
}

/* Forget what the last request left: result, buffers, counters. */
static void
exch_reset(struct exch *x, const struct plan_req *req, exch_done_cb cb,
    void *arg)
{
	if (x->state != EXCH_IDLE)
		exch_cancel(x);
	x->req = req;
	x->cb = cb;
	x->arg = arg;
	memset(&x->res, 0, sizeof x->res);
	x->woff = 0;
	x->retried = 0;
	x->headers_done = 0;
	x->stream = 0;
	if (x->ins != NULL) {
		inspect_give(x->ctx->ipool, x->ins);
		x->ins = NULL;
	}
}

/*
 * Send req and call cb exactly once, from the event loop, with the
 * outcome. Over HTTP/1.1 it goes on the exchange's own connection,
 * (re)connecting first if needed; over h2 on its pool connection. The
 * result passed to cb is a copy: cb may start the next request at once.
 */
void
exch_start(struct exch *x, const struct plan_req *req, exch_done_cb cb,
    void *arg)
{
	const struct conn_ctx	*ctx = x->ctx;
	const struct timeval	*tv;
	struct conn_pool	*pool;
	struct conn		*c;

	exch_reset(x, req, cb, arg);
	tv = ctx->timeouts != NULL ? ctx->timeouts[req->stat] : NULL;
	if (tv != NULL && event_add(&x->tmo, tv) == -1)
		fatalx("conn: event_add failed");
	x->state = EXCH_ACTIVE;
	if (ctx->protocol == PROTO_H2) {
		pool = &ctx->pools[req->endpoint];
		c = &pool->conns[x->affinity % pool->n];
		x->conn = c;
		h2_start(c, x);
		return;
	}
	c = x->conn = x->home;
	if (c->fd != -1 && c->proto == PROTO_H2 && c->state == CONN_OPEN &&
	    c->endpoint == req->endpoint && !c->goaway &&
	    TAILQ_EMPTY(&c->streams)) {
		h2_start(c, x);		/* "auto": ALPN chose h2 */
		return;
	}
	h1_start(c, x);
}

/*
 * Fail req without sending it (what it needs is missing): cb is called
 * from the event loop with kind and the static example.
 */
void
exch_refuse(struct exch *x, const struct plan_req *req, enum err_kind kind,
    const char *example, exch_done_cb cb, void *arg)
{
	exch_reset(x, req, cb, arg);
	/* As a failed request would: the slot goes on with a new one. */
	if (x->ctx->protocol != PROTO_H2 && x->home != NULL &&
	    x->home->x == NULL && x->home->state == CONN_IDLE)
		conn_shutdown(x->home);
	(void)exch_fail(x, kind, example);
}

/* Abort the request in flight, if any: no callback. */
void
exch_cancel(struct exch *x)
{
	if (x->ins != NULL) {
		inspect_give(x->ctx->ipool, x->ins);
		x->ins = NULL;
	}
	exch_detach(x);
	if (event_del(&x->tmo) == -1)
		fatalx("conn: event_del failed");
	x->state = EXCH_IDLE;
	x->stream = 0;
	x->req = NULL;
	x->cb = NULL;
	x->arg = NULL;
}
