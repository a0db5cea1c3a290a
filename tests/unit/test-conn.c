/* SPDX-License-Identifier: MIT */
/*
 * test-conn.c -- conn.c against a scripted server in the same process: the
 * server runs on its own threads (blocking sockets, one thread a
 * connection, canned bytes), the client drives exch_start on an
 * event_base in the main thread. Ends with a diagnostic benchmark.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* struct tcp_info with tcpi_data_segs_in */

#include <errno.h>
#include <pthread.h>
#include <syslog.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "loadd.h"
#include "conn.h"
#include "tap.h"

/* What the server does after its responses. */
enum after {
	AFTER_KEEP,		/* wait for the client to close */
	AFTER_CLOSE,		/* close at once */
	AFTER_RESET		/* SO_LINGER 0: send a RST */
};

/* One connection's script. */
struct script {
	const char	*resp[4];	/* one per request; NULL ends */
	int		 pieces;	/* 0 whole, 1 one byte, 2 random */
	int		 after;
	int		 raw;		/* answer any first bytes */
	int		 loop;		/* resp[0] to every request */
	int		 early;		/* answer after the headers */
};

/* A connection handed to its server thread. */
struct srv_conn {
	int			 fd;
	SSL			*ssl;
	const struct script	*s;
	unsigned int		 seed;
};

static pthread_mutex_t		 srv_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct script	*srv_script;
static int			 srv_accepts;
static int			 srv_closed;	/* saw the client close */
static int			 srv_answered;	/* responses written */
static int			 srv_segs;	/* TLS: data segments of hello+request */
static int			 srv_resumed;	/* TLS: the last session was resumed */
static int			 srv_tlsver;	/* TLS: its version */
static int			 srv_live;	/* connection threads */
static size_t			 srv_body;	/* request body bytes */
static SSL_CTX			*srv_ssl_ctx;

static struct event_base	*base;
static struct conn_ctx		 ctx;
static struct plan_endpoint	 eps[5];
static unsigned char		 rbuf[16384];
static const struct timeval	*timeouts[2];
static struct conn_result	 got;
static int			 ncalls;
static char			*wires[32];
static int			 nwires;

enum {
	EP_PLAIN,	/* the plain server */
	EP_REFUSED,	/* nobody listens */
	EP_TLS_PLAIN,	/* TLS towards the plain server */
	EP_TLS,		/* the TLS server, as localhost */
	EP_TLS_WRONG	/* the TLS server, under another name */
};

/* Monotonic nanoseconds, as the engine gives ctx->now. */
static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* Read a server counter under the lock. */
static int
srv_get(int *p)
{
	int	v;

	pthread_mutex_lock(&srv_lock);
	v = *p;
	pthread_mutex_unlock(&srv_lock);
	return (v);
}

/* Wait until every server connection thread has ended. */
static void
srv_quiesce(void)
{
	int	i;

	for (i = 0; i < 3000 && srv_get(&srv_live) > 0; i++)
		usleep(1000);
}

/* Set the script for the next accepted connections. */
static void
srv_set(const struct script *s)
{
	pthread_mutex_lock(&srv_lock);
	srv_script = s;
	pthread_mutex_unlock(&srv_lock);
}

/* Read from the client: bytes, 0 at EOF, -1 on error. */
static ssize_t
srv_recv(struct srv_conn *sc, char *buf, size_t len)
{
	int	r;

	if (sc->ssl != NULL) {
		r = SSL_read(sc->ssl, buf, (int)len);
		if (r > 0)
			return (r);
		return (SSL_get_error(sc->ssl, r) == SSL_ERROR_ZERO_RETURN ?
		    0 : -1);
	}
	return (recv(sc->fd, buf, len, 0));
}

/* Write all of p. */
static int
srv_send(struct srv_conn *sc, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if (sc->ssl != NULL)
			n = SSL_write(sc->ssl, p, (int)len);
		else
			n = send(sc->fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/* Write a response whole, byte by byte, or in random pieces. */
static int
srv_write(struct srv_conn *sc, const char *p, size_t len)
{
	size_t	n;

	if (sc->s->pieces == 0)
		return (srv_send(sc, p, len));
	while (len > 0) {
		n = sc->s->pieces == 1 ? 1 : 1 + rand_r(&sc->seed) % 9;
		if (n > len)
			n = len;
		if (srv_send(sc, p, n) == -1)
			return (-1);
		p += n;
		len -= n;
		usleep(sc->s->pieces == 1 ? 100 : 300);
	}
	return (0);
}

/* Read and count a request body. */
static int
srv_drain(struct srv_conn *sc, size_t left)
{
	char	buf[65536];
	ssize_t	n;

	while (left > 0) {
		n = srv_recv(sc, buf, left < sizeof buf ? left : sizeof buf);
		if (n <= 0)
			return (-1);
		left -= n;
		pthread_mutex_lock(&srv_lock);
		srv_body += n;
		pthread_mutex_unlock(&srv_lock);
	}
	return (0);
}

/*
 * Read one request's headers into buf (have bytes already there); returns
 * the body bytes still to read, or -1 at EOF. Body bytes in buf are counted.
 */
static long
srv_read_head(struct srv_conn *sc, char *buf, size_t size, size_t *have)
{
	char	*end, *cl;
	size_t	 hlen, clen = 0, extra;
	ssize_t	 n;

	while ((end = memmem(buf, *have, "\r\n\r\n", 4)) == NULL) {
		if (*have >= size - 1)
			return (-1);
		n = srv_recv(sc, buf + *have, size - 1 - *have);
		if (n <= 0)
			return (-1);
		*have += n;
	}
	hlen = end + 4 - buf;
	*end = '\0';
	if ((cl = strcasestr(buf, "content-length:")) != NULL)
		clen = strtoul(cl + 15, NULL, 10);
	extra = *have - hlen;
	if (extra > clen)
		extra = clen;
	pthread_mutex_lock(&srv_lock);
	srv_body += extra;
	pthread_mutex_unlock(&srv_lock);
	memmove(buf, buf + hlen + extra, *have - hlen - extra);
	*have -= hlen + extra;
	return ((long)(clen - extra));
}

/*
 * The data segments a TLS connection brought up to its first request: the
 * ClientHello, then the client's last flight with the request (2), unless
 * they came apart.
 */
static void
srv_note_tls(struct srv_conn *sc)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(sc->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return;
	pthread_mutex_lock(&srv_lock);
	srv_segs = (int)ti.tcpi_data_segs_in;
	srv_resumed = SSL_session_reused(sc->ssl);
	srv_tlsver = SSL_version(sc->ssl);
	pthread_mutex_unlock(&srv_lock);
}

/* One connection: answer as the script says. */
static void *
srv_conn_main(void *arg)
{
	struct srv_conn		*sc = arg;
	const struct script	*s = sc->s;
	const char		*r;
	char			 buf[65536];
	size_t			 have = 0, len;
	struct linger		 lg = { 1, 0 };
	long			 left;
	int			 i;

	if (sc->ssl != NULL && SSL_accept(sc->ssl) != 1)
		goto out;
	if (s->raw) {
		if (srv_recv(sc, buf, sizeof buf) > 0)
			srv_write(sc, s->resp[0], strlen(s->resp[0]));
		goto out;
	}
	for (i = 0;; i++) {
		r = s->loop ? s->resp[0] : (i < 4 ? s->resp[i] : NULL);
		if (r == NULL)
			break;
		len = strlen(r);
		if ((left = srv_read_head(sc, buf, sizeof buf, &have)) == -1)
			goto out;
		if (i == 0 && sc->ssl != NULL)
			srv_note_tls(sc);
		if (!s->early && srv_drain(sc, left) == -1)
			goto out;
		if (srv_write(sc, r, len) == -1)
			goto out;
		pthread_mutex_lock(&srv_lock);
		srv_answered++;
		pthread_mutex_unlock(&srv_lock);
		if (s->early && srv_drain(sc, left) == -1)
			goto out;
	}
	switch (s->after) {
	case AFTER_KEEP:
		while (srv_recv(sc, buf, sizeof buf) > 0)
			;
		pthread_mutex_lock(&srv_lock);
		srv_closed++;
		pthread_mutex_unlock(&srv_lock);
		break;
	case AFTER_RESET:
		setsockopt(sc->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		break;
	}
out:
	SSL_free(sc->ssl);
	close(sc->fd);
	free(sc);
	pthread_mutex_lock(&srv_lock);
	srv_live--;
	pthread_mutex_unlock(&srv_lock);
	return (NULL);
}

/* The accept loop of one listening socket; ends when it is shut down. */
static void *
srv_main(void *arg)
{
	int		 lfd = (int)(intptr_t)arg, fd, one = 1;
	struct srv_conn	*sc;
	pthread_t	 t;
	pthread_attr_t	 attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		if ((fd = accept(lfd & 0xffff, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		sc = xcalloc(1, sizeof *sc);
		sc->fd = fd;
		sc->seed = (unsigned int)fd * 7919;
		if (lfd >> 16) {
			sc->ssl = SSL_new(srv_ssl_ctx);
			SSL_set_fd(sc->ssl, fd);
		}
		pthread_mutex_lock(&srv_lock);
		srv_accepts++;
		srv_live++;
		sc->s = srv_script;
		pthread_mutex_unlock(&srv_lock);
		if (pthread_create(&t, &attr, srv_conn_main, sc) != 0)
			fatalx("pthread_create");
	}
	pthread_attr_destroy(&attr);
	return (NULL);
}

/* Listen on 127.0.0.1, port 0; returns the fd, fills the endpoint. */
static int
srv_listen(struct plan_endpoint *ep, const char *host, int tls, int listen_)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fatal("bind");
	if (listen_ && listen(fd, 128) == -1)
		fatal("listen");
	memset(ep, 0, sizeof *ep);
	ep->host = (char *)host;
	ep->port = ntohs(sin.sin_port);
	ep->tls = tls;
	memcpy(&ep->addr, &sin, sizeof sin);
	ep->addrlen = sizeof sin;
	return (fd);
}

/* A self-signed certificate for localhost, made here. */
static int
tls_setup(SSL_CTX **client)
{
	EVP_PKEY	*pkey;
	X509		*x;
	X509_NAME	*name;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return (-1);
	x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "DNS:localhost");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, pkey, EVP_sha256()) == 0)
		return (-1);

	srv_ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (SSL_CTX_use_certificate(srv_ssl_ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(srv_ssl_ctx, pkey) != 1)
		return (-1);
	*client = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(*client, SSL_VERIFY_PEER, NULL);
	if (X509_STORE_add_cert(SSL_CTX_get_cert_store(*client), x) != 1)
		return (-1);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return (0);
}

/* Render a request: wire in a buffer we free at the end. */
static void
mkreq(struct plan_req *r, const char *method, int ep, int stat,
    const char *body, size_t bodylen)
{
	char	*w;

	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", method);
	r->stat = stat;
	r->endpoint = ep;
	r->head = strcmp(method, "HEAD") == 0;
	r->idempotent = strcmp(method, "POST") != 0 &&
	    strcmp(method, "PATCH") != 0;
	if (body != NULL)
		xasprintf(&w, "%s / HTTP/1.1\r\nHost: test\r\n"
		    "Content-Length: %zu\r\n\r\n", method, bodylen);
	else
		xasprintf(&w, "%s / HTTP/1.1\r\nHost: test\r\n\r\n", method);
	wires[nwires++] = w;
	r->wire = w;
	r->wirelen = strlen(w);
	r->body = body;
	r->bodylen = body != NULL ? bodylen : 0;
}

/* Each test connection's exchange (its home), found by the connection. */
static struct {
	struct conn	*c;
	struct exch	 x;
}			 txs[8];

/* The exchange of connection c, made on first use. */
static struct exch *
xch(struct conn *c)
{
	size_t	i;

	for (i = 0; i < sizeof txs / sizeof txs[0]; i++)
		if (txs[i].c == c)
			return (&txs[i].x);
	for (i = 0; i < sizeof txs / sizeof txs[0]; i++) {
		if (txs[i].c == NULL) {
			txs[i].c = c;
			exch_init(&txs[i].x, c->ctx, c, 0);
			return (&txs[i].x);
		}
	}
	abort();
}

/* A fresh connection and its exchange. */
static void
tconn_init(struct conn *c, const struct conn_ctx *cx)
{
	struct exch	*x;

	conn_init(c, cx);
	x = xch(c);
	if (x->state != EXCH_IDLE && x->ctx != NULL)
		exch_cancel(x);
	exch_init(x, cx, c, 0);
}

/* Cancel what the connection's exchange does, and close it. */
static void
tconn_close(struct conn *c)
{
	exch_cancel(xch(c));
	conn_close(c);
}

/* The engine's callback: keep the result. */
static void
on_done(struct exch *x, const struct conn_result *r, void *arg)
{
	(void)x;
	(void)arg;
	got = *r;
	ncalls++;
}

/* Wake the loop now and then, so the pumps below see their deadlines. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Run the loop until *n reaches want, or ms pass. */
static void
pump(int *n, int want, int ms)
{
	uint64_t	deadline = now_ns() + (uint64_t)ms * 1000000;

	while ((n == NULL || *n < want) && now_ns() < deadline)
		event_base_loop(base, EVLOOP_ONCE);
}

/* One request to completion; checks the callback is never synchronous. */
static void
request(struct conn *c, const struct plan_req *req)
{
	memset(&got, 0xff, sizeof got);
	ncalls = 0;
	exch_start(xch(c), req, on_done, NULL);
	if (ncalls != 0)
		ok(0, "callback called inside exch_start");
	pump(&ncalls, 1, 10000);
}

/* Table cases: one fresh connection, one request, one expected outcome. */
struct tcase {
	const char	*name;
	struct script	 s;
	int		 head;
	enum err_kind	 kind;
	int		 status;
	const char	*example;	/* NULL: not checked */
	int		 open;		/* then: 1 open, 0 closed */
};

static char	*big_header, *ok_header;

static struct tcase cases[] = {
	{ "content-length",
	  { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" } },
	  0, ERR_NONE, 200, NULL, 1 },
	{ "chunked, extensions and trailers",
	  { .resp = { "HTTP/1.1 201 Created\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n"
	      "5;ext=1\r\nhello\r\n6;a=\"b\";c\r\n world\r\n"
	      "0\r\nX-Trailer: yes\r\nX-More: 1\r\n\r\n" } },
	  0, ERR_NONE, 201, NULL, 1 },
	{ "chunked, random pieces",
	  { .resp = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n3;x=y\r\nabc\r\n"
	      "0\r\nTrailer: 1\r\n\r\n" }, .pieces = 2 },
	  0, ERR_NONE, 200, NULL, 1 },
	{ "content-length, 1-byte writes",
	  { .resp = { "HTTP/1.1 203 Whatever\r\nContent-Length: 10\r\n"
	      "X-A: b\r\n\r\n0123456789" }, .pieces = 1 },
	  0, ERR_NONE, 203, NULL, 1 },
	{ "chunked with trailers, 1-byte writes",
	  { .resp = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "4;e=1\r\nwiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n" },
	    .pieces = 1 },
	  0, ERR_NONE, 200, NULL, 1 },
	{ "Connection: close",
	  { .resp = { "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	      "Content-Length: 2\r\n\r\nok" } },
	  0, ERR_NONE, 200, NULL, 0 },
	{ "EOF-delimited body",
	  { .resp = { "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
	      "until the end" }, .after = AFTER_CLOSE },
	  0, ERR_NONE, 200, NULL, 0 },
	{ "EOF-delimited HTTP/1.0 body, 1-byte writes",
	  { .resp = { "HTTP/1.0 200 OK\r\n\r\nabcdef" }, .pieces = 1,
	    .after = AFTER_CLOSE },
	  0, ERR_NONE, 200, NULL, 0 },
	{ "HTTP/1.0 with Content-Length closes",
	  { .resp = { "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok" } },
	  0, ERR_NONE, 200, NULL, 0 },
	{ "HEAD: Content-Length but no body",
	  { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" } },
	  1, ERR_NONE, 200, NULL, 1 },
	{ "100 Continue then 200",
	  { .resp = { "HTTP/1.1 100 Continue\r\n\r\n"
	      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" } },
	  0, ERR_NONE, 200, NULL, 1 },
	{ "100 and 103 then 200, 1-byte writes",
	  { .resp = { "HTTP/1.1 100 Continue\r\n\r\n"
	      "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
	      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" },
	    .pieces = 1 },
	  0, ERR_NONE, 200, NULL, 1 },
	{ "204 No Content",
	  { .resp = { "HTTP/1.1 204 No Content\r\nX: y\r\n\r\n" } },
	  0, ERR_NONE, 204, NULL, 1 },
	{ "304 with Content-Length, no body",
	  { .resp = { "HTTP/1.1 304 Not Modified\r\n"
	      "Content-Length: 100\r\n\r\n" } },
	  0, ERR_NONE, 304, NULL, 1 },
	{ "500 is a response (the engine judges)",
	  { .resp = { "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n" } },
	  0, ERR_NONE, 500, NULL, 1 },
	{ "bytes after the response close the connection",
	  { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK" } },
	  0, ERR_NONE, 200, NULL, 0 },
	{ "reset mid-headers",
	  { .resp = { "HTTP/1.1 200 OK\r\nContent-Le" }, .after = AFTER_RESET },
	  0, ERR_RESET, 0, NULL, 0 },
	{ "reset mid-body",
	  { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
	      "0123456789" },
	    .after = AFTER_RESET },
	  0, ERR_RESET, 0, NULL, 0 },
	{ "EOF mid-body",
	  { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
	      "0123456789" },
	    .after = AFTER_CLOSE },
	  0, ERR_RESET, 0,
	  "connection closed before the response was complete", 0 },
	{ "EOF before any byte (fresh connection: no retry)",
	  { .resp = { "" }, .after = AFTER_CLOSE },
	  0, ERR_RESET, 0, NULL, 0 },
	{ "garbage",
	  { .resp = { "HELLO WORLD\r\n\r\n" } },
	  0, ERR_PROTOCOL, 0, NULL, 0 },
	{ "bad chunk size",
	  { .resp = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "zz\r\n" } },
	  0, ERR_PROTOCOL, 0, NULL, 0 },
	{ "100 KB response header",
	  { .resp = { NULL } },
	  0, ERR_PROTOCOL, 0, "response headers over 64 KiB", 0 },
	{ "60 KB response header is fine",
	  { .resp = { NULL } },
	  0, ERR_NONE, 200, NULL, 1 },
};

/* Run the table. */
static void
test_table(void)
{
	struct tcase	*tc;
	struct plan_req	 get, head;
	struct conn	 c;
	size_t		 i, len;
	const char	*r;

	mkreq(&get, "GET", EP_PLAIN, 0, NULL, 0);
	mkreq(&head, "HEAD", EP_PLAIN, 0, NULL, 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tc = &cases[i];
		if (strncmp(tc->name, "100 KB", 6) == 0)
			tc->s.resp[0] = big_header;
		if (strncmp(tc->name, "60 KB", 5) == 0)
			tc->s.resp[0] = ok_header;
		r = tc->s.resp[0];
		len = strlen(r);
		srv_set(&tc->s);
		tconn_init(&c, &ctx);
		request(&c, tc->head ? &head : &get);
		is_int(ncalls, 1, "%s: one callback", tc->name);
		is_str(err_kind_name(got.kind), err_kind_name(tc->kind),
		    "%s: kind", tc->name);
		is_int(got.status, tc->status, "%s: status", tc->name);
		if (tc->example != NULL)
			is_str(got.example, tc->example, "%s: example",
			    tc->name);
		else if (tc->kind != ERR_NONE)
			diag("%s: example \"%s\"", tc->name, got.example);
		if (tc->kind == ERR_NONE) {
			is_int(got.bytes_recv, len, "%s: bytes received",
			    tc->name);
			ok(got.sent_ns != 0 && got.done_ns >= got.sent_ns,
			    "%s: times", tc->name);
		}
		is_int(got.bytes_sent, (tc->head ? &head : &get)->wirelen,
		    "%s: bytes sent",
		    tc->name);
		pump(NULL, 0, 20);	/* let the server's close arrive */
		is_int(c.fd != -1, tc->open, "%s: connection %s", tc->name,
		    tc->open ? "kept" : "closed");
		is_int(ncalls, 1, "%s: still one callback", tc->name);
		tconn_close(&c);
	}
}

/* Keep-alive: several requests (HEAD among them) on one connection. */
static void
test_keepalive(void)
{
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
	    "HTTP/1.1 204 No Content\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n0\r\n\r\n" } };
	struct plan_req	 get, head;
	struct conn	 c;
	int		 accepts, fd, good = 0;

	mkreq(&get, "GET", EP_PLAIN, 0, NULL, 0);
	mkreq(&head, "HEAD", EP_PLAIN, 0, NULL, 0);
	srv_set(&s);
	accepts = srv_get(&srv_accepts);
	tconn_init(&c, &ctx);
	request(&c, &get);
	good += got.kind == ERR_NONE && got.status == 200;
	fd = c.fd;
	request(&c, &head);
	good += got.kind == ERR_NONE && got.status == 200;
	request(&c, &get);
	good += got.kind == ERR_NONE && got.status == 204;
	request(&c, &get);
	good += got.kind == ERR_NONE && got.status == 200 &&
	    got.bytes_recv == strlen(s.resp[3]);
	is_int(good, 4, "keep-alive: four good responses");
	is_int(srv_get(&srv_accepts) - accepts, 1, "keep-alive: one accept");
	ok(fd != -1 && c.fd == fd, "keep-alive: same fd");
	ok(c.reused && !xch(&c)->retried, "keep-alive: reused, no retry");
	tconn_close(&c);
	ok(c.fd == -1, "keep-alive: conn_close closes");
	pump(NULL, 0, 50);
}

/*
 * A response ends when the kernel received it: the client sends, then
 * sleeps 100 ms away from its loop while the answer arrives. With receive
 * stamps the latency excludes that sleep; without, it includes it.
 */
static void
test_rx_stamp(void)
{
	static const struct script s = { .loop = 1, .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" } };
	struct plan_req	 get;
	struct conn	 c;
	uint64_t	 woke;
	int		 stamps, answered, i;

	mkreq(&get, "GET", EP_PLAIN, 0, NULL, 0);
	srv_set(&s);
	for (stamps = 1; stamps >= 0; stamps--) {
		ctx.rx_stamps = stamps;
		tconn_init(&c, &ctx);
		request(&c, &get);	/* connect (and set the option) */
		memset(&got, 0xff, sizeof got);
		ncalls = 0;
		answered = srv_get(&srv_answered);
		exch_start(xch(&c), &get, on_done, NULL);	/* sent at once */
		/* The response is in the socket 100 ms before the loop runs. */
		for (i = 0; i < 5000 && srv_get(&srv_answered) == answered; i++)
			usleep(1000);
		usleep(100000);
		woke = now_ns();
		pump(&ncalls, 1, 10000);
		if (stamps && (i == 5000 || xch(&c)->retried)) {
			/*
			 * Seen once on a loaded machine: the kept connection was
			 * gone, so the request went out from inside the loop and
			 * the premise (an answer waiting 100 ms) did not hold.
			 */
			diag("receive stamp: not answered before the loop ran "
			    "(waited %d ms, retried %d)", i, xch(&c)->retried);
			ok(got.kind == ERR_NONE && got.done_ns >= got.sent_ns,
			    "receive stamp: sent and done in order");
		} else if (stamps)
			ok(got.kind == ERR_NONE && got.done_ns >= got.sent_ns &&
			    got.done_ns + 50000000 < woke,
			    "receive stamp: done %.1f ms before the loop woke",
			    ((double)woke - (double)got.done_ns) / 1e6);
		else
			ok(got.kind == ERR_NONE && got.done_ns >= woke,
			    "no receive stamp: done when the loop read it");
		tconn_close(&c);
	}
	ctx.rx_stamps = 0;
	pump(NULL, 0, 50);
}

/* A conn_close'd connection after keepalive = 0. */
static void
test_no_keepalive(void)
{
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" } };
	struct conn_ctx	 ctx0 = ctx;
	struct plan_req	 get;
	struct conn	 c;

	ctx0.keepalive = 0;
	mkreq(&get, "GET", EP_PLAIN, 0, NULL, 0);
	srv_set(&s);
	tconn_init(&c, &ctx0);
	request(&c, &get);
	ok(got.kind == ERR_NONE && got.status == 200, "keepalive off: 200");
	ok(c.fd == -1, "keepalive off: closed after the response");
	tconn_close(&c);
}

static struct plan_req	 chain_req;
static int		 chain_retried;
static void		 on_chain(struct exch *, const struct conn_result *,
			     void *);

/*
 * chain_req on a fresh connection, then again on it as the server (script
 * s) closes it unanswered; returns how many connections the server took.
 */
static int
chain_on_closing(const struct script *s, struct conn *c)
{
	int	accepts;

	srv_set(s);
	accepts = srv_get(&srv_accepts);
	tconn_init(c, &ctx);
	ncalls = 0;
	chain_retried = 0;
	exch_start(xch(c), &chain_req, on_chain, NULL);
	pump(&ncalls, 2, 5000);
	return (srv_get(&srv_accepts) - accepts);
}

/* Chain a second request from inside the callback, as the engine does. */
static void
on_chain(struct exch *x, const struct conn_result *r, void *arg)
{
	(void)arg;
	got = *r;
	ncalls++;
	if (ncalls == 1)
		exch_start(x, &chain_req, on_chain, NULL);
	else
		chain_retried = x->retried;
}

/*
 * Edge-triggered reads: a response that fills the read buffer exactly may
 * have left bytes unread that no edge will announce, so the connection is
 * closed after it; one byte shorter, it is kept.
 */
static void
test_full_read(void)
{
	static char		 resp[2][sizeof rbuf + 1];
	static struct script	 s[2];
	struct plan_req		 get;
	struct conn		 c;
	size_t			 len, hlen;
	int			 k, answered, i;

	mkreq(&get, "GET", EP_PLAIN, 0, NULL, 0);
	hlen = strlen("HTTP/1.1 200 OK\r\nContent-Length: 00000\r\n\r\n");
	for (k = 0; k < 2; k++) {
		len = sizeof rbuf - (size_t)k - hlen;	/* the body */
		snprintf(resp[k], sizeof resp[k],
		    "HTTP/1.1 200 OK\r\nContent-Length: %05zu\r\n\r\n", len);
		memset(resp[k] + hlen, 'x', len);
		resp[k][hlen + len] = '\0';
		s[k].resp[0] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
		s[k].resp[1] = resp[k];
		srv_set(&s[k]);
		tconn_init(&c, &ctx);
		request(&c, &get);	/* connect, with a small response */
		memset(&got, 0xff, sizeof got);
		ncalls = 0;
		answered = srv_get(&srv_answered);
		exch_start(xch(&c), &get, on_done, NULL);
		/* The whole response is in the socket before the loop reads. */
		for (i = 0; i < 5000 && srv_get(&srv_answered) == answered; i++)
			usleep(1000);
		usleep(20000);
		pump(&ncalls, 1, 10000);
		ok(got.kind == ERR_NONE && got.bytes_recv == strlen(resp[k]),
		    "full read %d: kind %d, %llu bytes", k, (int)got.kind,
		    (unsigned long long)got.bytes_recv);
		if (k == 0)
			ok(c.fd == -1, "full read: closed after the response");
		else
			ok(c.fd != -1, "one byte short: kept");
		tconn_close(&c);
		pump(NULL, 0, 20);
	}
}

/* The server closes an idle keep-alive connection: no error shows. */
static void
test_idle_close(void)
{
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" },
	    .after = AFTER_CLOSE };
	static const struct script s2 = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "" },
	    .after = AFTER_CLOSE };
	struct conn	c;
	int		accepts, i;

	mkreq(&chain_req, "GET", EP_PLAIN, 0, NULL, 0);
	srv_set(&s);

	/* Noticed while idle: closed quietly, the next request reconnects. */
	accepts = srv_get(&srv_accepts);
	tconn_init(&c, &ctx);
	request(&c, &chain_req);
	ok(got.kind == ERR_NONE, "idle close: first request");
	for (i = 0; i < 300 && c.fd != -1; i++)
		pump(NULL, 0, 10);
	ok(c.fd == -1, "idle close: noticed and closed");
	is_int(ncalls, 1, "idle close: no callback for it");
	request(&c, &chain_req);
	ok(got.kind == ERR_NONE && got.status == 200,
	    "idle close: next request succeeds");
	ok(!xch(&c)->retried, "idle close: on a fresh connection");
	is_int(srv_get(&srv_accepts) - accepts, 2, "idle close: two accepts");
	tconn_close(&c);

	/*
	 * Closed when the next request came, unanswered: the resend on a new
	 * connection hides it.
	 */
	accepts = chain_on_closing(&s2, &c);
	is_int(ncalls, 2, "retry: two callbacks");
	is_str(err_kind_name(got.kind), "none", "retry: no error");
	is_int(got.status, 200, "retry: status");
	ok(chain_retried, "retry: it was retried");
	ok(got.bytes_sent >= chain_req.wirelen, "retry: bytes sent %llu",
	    (unsigned long long)got.bytes_sent);
	is_int(accepts, 2, "retry: two accepts");
	tconn_close(&c);
	pump(NULL, 0, 20);

	/*
	 * The same with a POST: the server may have acted on it, so it is
	 * not resent; the loss is a reset.
	 */
	mkreq(&chain_req, "POST", EP_PLAIN, 0, "x", 1);
	accepts = chain_on_closing(&s2, &c);
	is_int(ncalls, 2, "no POST retry: two callbacks");
	is_str(err_kind_name(got.kind), "reset", "no POST retry: a reset");
	ok(!chain_retried, "no POST retry: not resent");
	is_int(accepts, 1, "no POST retry: one accept");
	tconn_close(&c);
	pump(NULL, 0, 20);
}

/* Nobody listens: ERR_CONNECT, reported from the loop. */
static void
test_refused(void)
{
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" } };
	struct plan_req	 get;
	struct conn	 c;

	mkreq(&get, "GET", EP_REFUSED, 0, NULL, 0);
	tconn_init(&c, &ctx);
	ncalls = 0;
	exch_start(xch(&c), &get, on_done, NULL);
	is_int(ncalls, 0, "refused: no callback inside conn_request");
	pump(&ncalls, 1, 5000);
	pump(NULL, 0, 20);
	is_int(ncalls, 1, "refused: one callback");
	is_str(err_kind_name(got.kind), "connect", "refused: kind");
	is_str(got.example, "connect: Connection refused", "refused: example");
	ok(got.sent_ns == 0 && got.bytes_sent == 0, "refused: nothing sent");
	ok(c.fd == -1, "refused: no fd");

	/* The engine may start the next request from the failure. */
	srv_set(&s);
	ncalls = 0;
	exch_start(xch(&c), &get, on_chain, NULL);
	pump(&ncalls, 2, 10000);
	is_int(ncalls, 2, "refused, then chained: two callbacks");
	ok(got.kind == ERR_NONE && got.status == 200,
	    "refused, then chained: the next request works");
	tconn_close(&c);
}

/* A server that never answers: ERR_TIMEOUT on time, connection closed. */
static void
test_timeout(void)
{
	static const struct script s = { .resp = { NULL } };
	struct plan_req	 get;
	struct conn	 c;
	uint64_t	 t0, ms;
	int		 closed;

	mkreq(&get, "GET", EP_PLAIN, 1, NULL, 0);
	srv_set(&s);
	srv_quiesce();
	closed = srv_get(&srv_closed);
	tconn_init(&c, &ctx);
	t0 = now_ns();
	request(&c, &get);
	ms = (now_ns() - t0) / 1000000;
	is_str(err_kind_name(got.kind), "timeout", "timeout: kind");
	ok(ms >= 190 && ms < 3000, "timeout: after %llu ms (200 ms)",
	    (unsigned long long)ms);
	ok(got.done_ns - got.sent_ns >= 190000000, "timeout: done_ns");
	ok(c.fd == -1, "timeout: fd closed");
	pump(NULL, 0, 1000);
	while (srv_get(&srv_closed) == closed && now_ns() - t0 < 3000000000)
		usleep(1000);
	is_int(srv_get(&srv_closed) - closed, 1, "timeout: server saw close");
	is_int(ncalls, 1, "timeout: one callback");
	tconn_close(&c);
}

/* exch_cancel mid-request: closed, and no callback ever. */
static void
test_cancel(void)
{
	static const struct script s = { .resp = { NULL } };
	struct plan_req	 get;
	struct conn	 c, never;
	int		 closed;
	uint64_t	 t0 = now_ns();

	mkreq(&get, "GET", EP_PLAIN, 1, NULL, 0);
	srv_set(&s);
	srv_quiesce();
	closed = srv_get(&srv_closed);
	tconn_init(&c, &ctx);
	ncalls = 0;
	exch_start(xch(&c), &get, on_done, NULL);
	pump(NULL, 0, 50);
	exch_cancel(xch(&c));
	ok(c.fd == -1, "cancel: fd closed");
	pump(NULL, 0, 400);	/* past the 200 ms timeout */
	is_int(ncalls, 0, "cancel: no callback");
	while (srv_get(&srv_closed) == closed && now_ns() - t0 < 3000000000)
		usleep(1000);
	is_int(srv_get(&srv_closed) - closed, 1, "cancel: server saw close");
	exch_cancel(xch(&c));
	tconn_close(&c);
	ok(c.fd == -1, "cancel: idempotent");

	/* A deferred failure can be withdrawn too. */
	mkreq(&get, "GET", EP_REFUSED, 0, NULL, 0);
	ncalls = 0;
	exch_start(xch(&c), &get, on_done, NULL);
	exch_cancel(xch(&c));
	pump(NULL, 0, 50);
	is_int(ncalls, 0, "cancel: refused connect withdrawn");

	tconn_init(&never, &ctx);
	exch_cancel(xch(&never));
	tconn_close(&never);
	ok(never.fd == -1, "cancel: safe on a never-used conn");
}

/* A 1 MB body shared by two connections at once, all of it received. */
static void
test_big_body(void)
{
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" } };
	static const struct script early = { .resp = {
	    "HTTP/1.1 413 Too Large\r\nConnection: close\r\n"
	    "Content-Length: 0\r\n\r\n" }, .early = 1 };
	struct plan_req	 post;
	struct conn	 a, b;
	struct conn_result ra, rb;
	char		*body;
	size_t		 n = 1024 * 1024, before;

	body = xmalloc(n);
	memset(body, 'x', n);
	mkreq(&post, "POST", EP_PLAIN, 0, body, n);
	srv_set(&s);
	pthread_mutex_lock(&srv_lock);
	before = srv_body;
	pthread_mutex_unlock(&srv_lock);
	tconn_init(&a, &ctx);
	tconn_init(&b, &ctx);
	ncalls = 0;
	exch_start(xch(&a), &post, on_done, NULL);
	exch_start(xch(&b), &post, on_done, NULL);
	pump(&ncalls, 1, 5000);
	ra = got;
	pump(&ncalls, 2, 5000);
	rb = got;
	is_int(ncalls, 2, "1 MB body: two callbacks");
	ok(ra.kind == ERR_NONE && ra.status == 200 && rb.kind == ERR_NONE &&
	    rb.status == 200, "1 MB body: two 200s");
	is_int(ra.bytes_sent, post.wirelen + n, "1 MB body: bytes sent");
	pthread_mutex_lock(&srv_lock);
	is_int(srv_body - before, 2 * n, "1 MB body: server got both bodies");
	pthread_mutex_unlock(&srv_lock);
	tconn_close(&a);

	/* The answer may come before the body is out: take it, then close. */
	tconn_close(&b);
	srv_set(&early);
	request(&b, &post);
	is_str(err_kind_name(got.kind), "none", "early answer: no error");
	is_int(got.status, 413, "early answer: status");
	pump(NULL, 0, 20);
	ok(b.fd == -1, "early answer: closed");
	tconn_close(&b);
	free(body);
}

/* TLS: a real handshake, keep-alive, bodies, and the failures. */
static void
test_tls(int have_tls)
{
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc" } };
	static const struct script eof = { .resp = {
	    "HTTP/1.1 200 OK\r\n\r\nuntil EOF" }, .after = AFTER_CLOSE };
	static const struct script raw = { .resp = {
	    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" },
	    .raw = 1 };
	struct plan_req	 get, post, plain, wrong;
	struct conn	 c;
	char		*body;
	size_t		 n = 1024 * 1024, before;
	int		 accepts;

	mkreq(&plain, "GET", EP_TLS_PLAIN, 0, NULL, 0);
	srv_set(&raw);
	tconn_init(&c, &ctx);
	request(&c, &plain);
	is_str(err_kind_name(got.kind), "tls", "TLS to plain HTTP: kind");
	diag("TLS to plain HTTP: example \"%s\"", got.example);
	ok(c.fd == -1 && c.ssl == NULL, "TLS to plain HTTP: closed");
	tconn_close(&c);

	if (!have_tls) {
		ok(1, "# SKIP no certificate");
		return;
	}
	mkreq(&get, "GET", EP_TLS, 0, NULL, 0);
	srv_set(&s);
	accepts = srv_get(&srv_accepts);
	tconn_init(&c, &ctx);
	request(&c, &get);
	ok(got.kind == ERR_NONE && got.status == 200, "TLS: 200 (%s)",
	    got.example != NULL ? got.example : "");
	is_int(got.bytes_recv, strlen(s.resp[0]), "TLS: bytes received");
	is_int(srv_get(&srv_segs), 2,
	    "TLS: the handshake's last flight left with the request");
	request(&c, &get);
	ok(got.kind == ERR_NONE && got.status == 200, "TLS: second request");
	is_int(srv_get(&srv_accepts) - accepts, 1, "TLS: one connection");
	ok(c.ssl != NULL && c.fd != -1, "TLS: kept open");
	request(&c, &chain_req);
	ok(got.kind == ERR_NONE && got.status == 200 && c.ssl == NULL,
	    "TLS, then plain: reconnected to the other endpoint");
	tconn_close(&c);

	body = xmalloc(n);
	memset(body, 'y', n);
	mkreq(&post, "POST", EP_TLS, 0, body, n);
	pthread_mutex_lock(&srv_lock);
	before = srv_body;
	pthread_mutex_unlock(&srv_lock);
	request(&c, &post);
	ok(got.kind == ERR_NONE && got.status == 200, "TLS: 1 MB POST");
	is_int(got.bytes_sent, post.wirelen + n, "TLS: bytes sent");
	pthread_mutex_lock(&srv_lock);
	is_int(srv_body - before, n, "TLS: server got the body");
	pthread_mutex_unlock(&srv_lock);
	tconn_close(&c);
	free(body);

	srv_set(&eof);
	request(&c, &get);
	ok(got.kind == ERR_NONE && got.status == 200,
	    "TLS: EOF-delimited body without close_notify (%s)",
	    got.example != NULL ? got.example : "");
	tconn_close(&c);

	mkreq(&wrong, "GET", EP_TLS_WRONG, 0, NULL, 0);
	srv_set(&s);
	request(&c, &wrong);
	is_str(err_kind_name(got.kind), "tls", "TLS wrong host: kind");
	is_str(got.example, "hostname mismatch", "TLS wrong host: example");
	tconn_close(&c);
	pump(NULL, 0, 20);
}

/*
 * TLS 1.2 with resumption, as against nginx's defaults: a full handshake
 * ends with the server's Finished, so the request follows in a segment of
 * its own (3 data segments); a resumed one ends with the client's, which
 * leaves with the request (2).
 */
static void
test_tls12_resume(int have_tls)
{
	/* Closed by loadd after each, with close_notify: resumable. */
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nok" }, .after = AFTER_CLOSE };
	SSL_SESSION	*sessions[EP_TLS_WRONG + 1] = { NULL };
	SSL_CTX		*sctx, *saved = ctx.ssl_ctx;
	struct plan_req	 get;
	struct conn	 c;
	int		 i;

	if (!have_tls) {
		ok(1, "# SKIP no certificate");
		return;
	}
	sctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
	conn_ssl_ctx_setup(sctx, 1);
	ctx.ssl_ctx = sctx;
	ctx.sessions = sessions;
	mkreq(&get, "GET", EP_TLS, 0, NULL, 0);
	srv_set(&s);
	tconn_init(&c, &ctx);
	request(&c, &get);
	ok(got.kind == ERR_NONE && got.status == 200 &&
	    srv_get(&srv_tlsver) == TLS1_2_VERSION && !srv_get(&srv_resumed),
	    "TLS 1.2: a full handshake");
	is_int(srv_get(&srv_segs), 3,
	    "TLS 1.2 full: the request after the server's Finished");
	request(&c, &get);
	ok(got.kind == ERR_NONE && got.status == 200 &&
	    srv_get(&srv_tlsver) == TLS1_2_VERSION && srv_get(&srv_resumed),
	    "TLS 1.2: the next connection resumes");
	is_int(srv_get(&srv_segs), 2,
	    "TLS 1.2 resumed: the last flight left with the request");
	tconn_close(&c);
	pump(NULL, 0, 20);
	for (i = 0; i <= EP_TLS_WRONG; i++)
		SSL_SESSION_free(sessions[i]);
	ctx.sessions = NULL;
	ctx.ssl_ctx = saved;
	SSL_CTX_free(sctx);
}

#define BENCH_N	100000
static struct plan_req	bench_req;
static int		bench_left, bench_bad;

/* Chain the benchmark's requests from the callback. */
static void
on_bench(struct exch *x, const struct conn_result *r, void *arg)
{
	(void)arg;
	if (r->kind != ERR_NONE || r->status != 200)
		bench_bad++;
	if (--bench_left > 0)
		exch_start(x, &bench_req, on_bench, NULL);
	else
		ncalls = 1;
}

/* Sequential keep-alive requests: a diagnostic, not an assertion. */
static void
test_bench(void)
{
	static const struct script s = { .resp = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" }, .loop = 1 };
	struct conn	c;
	struct timespec	cpu0, cpu1;
	uint64_t	t0, ns, cpu;
	int		accepts;

	mkreq(&bench_req, "GET", EP_PLAIN, 0, NULL, 0);
	srv_set(&s);
	accepts = srv_get(&srv_accepts);
	tconn_init(&c, &ctx);
	bench_left = BENCH_N;
	ncalls = 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
	t0 = now_ns();
	exch_start(xch(&c), &bench_req, on_bench, NULL);
	pump(&ncalls, 1, 120000);
	ns = now_ns() - t0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
	cpu = (uint64_t)(cpu1.tv_sec - cpu0.tv_sec) * 1000000000 +
	    cpu1.tv_nsec - cpu0.tv_nsec;
	is_int(bench_left, 0, "bench: %d requests done", BENCH_N);
	is_int(bench_bad, 0, "bench: all 200");
	is_int(srv_get(&srv_accepts) - accepts, 1, "bench: one connection");
	diag("bench: %d sequential keep-alive requests in %.3f s: "
	    "%.2f us/request wall, %.2f us/request client CPU", BENCH_N,
	    ns / 1e9, ns / 1e3 / BENCH_N, cpu / 1e3 / BENCH_N);
	tconn_close(&c);
}

int
main(void)
{
	struct timeval	 tv_long = { 5, 0 }, tv_short = { 0, 200000 };
	struct event	*tick;
	struct timeval	 tv_tick = { 0, 10000 };
	pthread_t	 t_plain, t_tls;
	int		 lplain, ltls, lrefused, have_tls, i;
	size_t		 n;

	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_ERR, 0);

	is_str(err_kind_name(ERR_NONE), "none", "err_kind_name none");
	is_str(err_kind_name(ERR_CONNECT), "connect", "err_kind_name connect");
	is_str(err_kind_name(ERR_TIMEOUT), "timeout", "err_kind_name timeout");
	is_str(err_kind_name(ERR_RESET), "reset", "err_kind_name reset");
	is_str(err_kind_name(ERR_STATUS), "status", "err_kind_name status");
	is_str(err_kind_name(ERR_PROTOCOL), "protocol",
	    "err_kind_name protocol");
	is_str(err_kind_name(ERR_TLS), "tls", "err_kind_name tls");
	is_str(err_kind_name(ERR_DNS), "dns", "err_kind_name dns");

	/* 100 KB of one header, and 60 KB (under the limit). */
	n = 100 * 1024;
	big_header = xmalloc(n + 128);
	n = snprintf(big_header, 64, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(big_header + n, 'a', 100 * 1024);
	strcpy(big_header + n + 100 * 1024,
	    "\r\nContent-Length: 0\r\n\r\n");
	ok_header = xmalloc(60 * 1024 + 128);
	memcpy(ok_header, big_header, n + 60 * 1024);
	strcpy(ok_header + n + 60 * 1024, "\r\nContent-Length: 0\r\n\r\n");

	ctx.keepalive = 1;
	have_tls = tls_setup(&ctx.ssl_ctx) == 0;
	if (!have_tls)
		diag("could not make a certificate: TLS tests skipped");

	lplain = srv_listen(&eps[EP_PLAIN], "127.0.0.1", 0, 1);
	lrefused = srv_listen(&eps[EP_REFUSED], "127.0.0.1", 0, 0);
	close(lrefused);	/* bound and closed: refused */
	eps[EP_TLS_PLAIN] = eps[EP_PLAIN];
	eps[EP_TLS_PLAIN].tls = 1;
	eps[EP_TLS_PLAIN].host = "localhost";
	ltls = srv_listen(&eps[EP_TLS], "localhost", 1, 1);
	eps[EP_TLS_WRONG] = eps[EP_TLS];
	eps[EP_TLS_WRONG].host = "wrong.example";
	pthread_create(&t_plain, NULL, srv_main, (void *)(intptr_t)lplain);
	pthread_create(&t_tls, NULL, srv_main,
	    (void *)(intptr_t)(ltls | (have_tls ? 0x10000 : 0)));

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	event_add(tick, &tv_tick);
	ctx.base = base;
	ctx.rbuf = rbuf;
	ctx.rbufsize = sizeof rbuf;
	ctx.endpoints = eps;
	ctx.timeouts = timeouts;
	ctx.now = now_ns;
	timeouts[0] = event_base_init_common_timeout(base, &tv_long);
	timeouts[1] = event_base_init_common_timeout(base, &tv_short);

	test_table();
	test_keepalive();
	test_rx_stamp();
	test_no_keepalive();
	test_full_read();
	test_idle_close();
	test_refused();
	test_timeout();
	test_cancel();
	test_big_body();
	test_tls(have_tls);
	test_tls12_resume(have_tls);
	test_bench();

	shutdown(lplain, SHUT_RDWR);
	shutdown(ltls, SHUT_RDWR);
	pthread_join(t_plain, NULL);
	pthread_join(t_tls, NULL);
	close(lplain);
	close(ltls);
	srv_quiesce();
	event_free(tick);
	event_base_free(base);
	SSL_CTX_free(ctx.ssl_ctx);
	SSL_CTX_free(srv_ssl_ctx);
	for (i = 0; i < nwires; i++)
		free(wires[i]);
	free(big_header);
	free(ok_header);
	return (tap_done());
}
