/* SPDX-License-Identifier: MIT */
/*
 * h2.c -- HTTP/2 over a connection of conn.c, with nghttp2: one client
 * session per connection on the worker's event loop, requests taken from
 * the same rendered HTTP/1.1 text as h1.c (turned into a header array per
 * request), streams up to the server's SETTINGS_MAX_CONCURRENT_STREAMS and
 * a queue beyond it, whose waits are counted. nghttp2 allocates from the
 * worker's free lists (h2_mem_*): after the first requests, nothing reaches
 * malloc per request. Worker thread only.
 *
 * Completed exchanges are reported after nghttp2_session_mem_recv returns,
 * never from inside it, so a callback that starts the next request or
 * cancels another never reenters the session.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/uio.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "loadd.h"
#include "conn.h"

#define H2_WINDOW	(1 << 30)	/* our receive windows: large */
#define H2_NV_MAX	64		/* request headers, pseudo ones too */
#define H2_NAMES_MAX	4096		/* their names, lowercased */
#define H2_MEM_MIN	6		/* free lists of 64 B ... */
#define H2_MEM_MAX	17		/* ... to 128 KiB; malloc beyond */
#define H2_REFUSED_MAX	3		/* resends of a refused stream */
#define H2_WBUF		16384		/* frames gathered: one TLS record */
#define H2_READS	16		/* reads a readiness, at most */

/*
 * The worker's allocator for nghttp2: power-of-two free lists, never
 * returned to the system while the worker lives. A block's class sits in
 * the 16 bytes before it.
 */
struct h2_mem {
	nghttp2_mem	 mem;
	void		*free[H2_MEM_MAX + 1];
};
struct h2_block {
	size_t		 cls;		/* 0: malloc'd, size follows */
	size_t		 size;
};

/* The class of a block of size bytes, or 0 beyond the largest. */
static size_t
h2_mem_class(size_t size)
{
	size_t	cls = H2_MEM_MIN;

	while (cls <= H2_MEM_MAX && ((size_t)1 << cls) < size)
		cls++;
	return (cls <= H2_MEM_MAX ? cls : 0);
}

/* nghttp2_mem: malloc from the free lists. */
static void *
h2_mem_malloc(size_t size, void *arg)
{
	struct h2_mem	*m = arg;
	struct h2_block	*b;
	size_t		 cls = h2_mem_class(size);

	if (cls != 0 && m->free[cls] != NULL) {
		b = m->free[cls];
		m->free[cls] = *(void **)(b + 1);
		return (b + 1);
	}
	b = malloc(sizeof *b + (cls != 0 ? (size_t)1 << cls : size));
	if (b == NULL)
		return (NULL);
	b->cls = cls;
	b->size = size;
	return (b + 1);
}

/* nghttp2_mem: a block back on its list. */
static void
h2_mem_free(void *p, void *arg)
{
	struct h2_mem	*m = arg;
	struct h2_block	*b;

	if (p == NULL)
		return;
	b = (struct h2_block *)p - 1;
	if (b->cls == 0) {
		free(b);
		return;
	}
	*(void **)p = m->free[b->cls];
	m->free[b->cls] = b;
}

/* nghttp2_mem: calloc. */
static void *
h2_mem_calloc(size_t n, size_t size, void *arg)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		return (NULL);
	if ((p = h2_mem_malloc(n * size, arg)) != NULL)
		memset(p, 0, n * size);
	return (p);
}

/* nghttp2_mem: realloc, in place while the class holds it. */
static void *
h2_mem_realloc(void *p, size_t size, void *arg)
{
	struct h2_block	*b;
	size_t		 have;
	void		*q;

	if (p == NULL)
		return (h2_mem_malloc(size, arg));
	b = (struct h2_block *)p - 1;
	have = b->cls != 0 ? (size_t)1 << b->cls : b->size;
	if (size <= have && b->cls != 0)
		return (p);
	if ((q = h2_mem_malloc(size, arg)) == NULL)
		return (NULL);
	memcpy(q, p, have < size ? have : size);
	h2_mem_free(p, arg);
	return (q);
}

/* Free what the lists hold: the worker is done. */
static void
h2_mem_destroy(struct h2_mem *m)
{
	struct h2_block	*b;
	size_t		 i;

	for (i = 0; i <= H2_MEM_MAX; i++) {
		while ((b = m->free[i]) != NULL) {
			m->free[i] = *(void **)(b + 1);
			free(b);
		}
	}
	free(m);
}

/* The exchange of stream id on c's session, if it is still ours. */
static struct exch *
h2_exch(nghttp2_session *s, int32_t id)
{
	struct exch	*x = nghttp2_session_get_stream_user_data(s, id);

	return (x != NULL && x->stream == id ? x : NULL);
}

/* A response is complete: off the streams, onto the list to report. */
static void
h2_complete(struct conn *c, struct exch *x)
{
	if (event_del(&x->tmo) == -1)
		fatalx("h2: event_del failed");
	x->res.kind = ERR_NONE;
	x->res.done_ns = conn_received(c);
	(void)nghttp2_session_set_stream_user_data(c->h2, x->stream, NULL);
	TAILQ_REMOVE(&c->streams, x, entry);
	TAILQ_INSERT_TAIL(&c->done, x, entry);
	x->state = EXCH_DONE;
}

/* nghttp2: a header of a response. */
static int
h2_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
    void *arg)
{
	struct exch	*x;
	int		 status = 0;
	size_t		 i;

	(void)flags;
	(void)arg;
	if (f->hd.type != NGHTTP2_HEADERS ||
	    (x = h2_exch(s, f->hd.stream_id)) == NULL)
		return (0);
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		for (i = 0; i < valuelen && i < 4; i++)
			status = status * 10 + (value[i] - '0');
		x->res.status = status;
		/* An interim response's headers are not the response's. */
		if (status / 100 == 1 && x->ins != NULL)
			inspect_reset(x->ins, x->req->ins);
		return (0);
	}
	if (x->req->ins == NULL || x->res.status / 100 == 1 ||
	    x->headers_done)	/* trailers */
		return (0);
	inspect_on_field(exch_ins(x), (const char *)name, namelen);
	inspect_on_value(exch_ins(x), (const char *)value, valuelen);
	return (0);
}

/* nghttp2: a frame arrived; END_STREAM on a final response completes it. */
static int
h2_on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct conn	*c = arg;
	struct exch	*x;

	if (f->hd.type == NGHTTP2_GOAWAY) {
		c->goaway = 1;
		return (0);
	}
	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    (x = h2_exch(s, f->hd.stream_id)) == NULL)
		return (0);
	x->res.bytes_recv += f->hd.length + 9;	/* as sent: whole frames */
	if (f->hd.type == NGHTTP2_HEADERS && !x->headers_done &&
	    x->res.status >= 200) {
		x->headers_done = 1;
		if (x->ins != NULL)
			inspect_on_headers(x->ins);
	}
	if ((f->hd.flags & NGHTTP2_FLAG_END_STREAM) && x->res.status >= 200)
		h2_complete(c, x);
	return (0);
}

/* nghttp2: part of a response body. */
static int
h2_on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
    size_t len, void *arg)
{
	struct exch	*x;

	(void)flags;
	(void)arg;
	if ((x = h2_exch(s, id)) == NULL)
		return (0);
	if (x->req->ins != NULL)
		inspect_on_body(exch_ins(x), (const char *)data, len);
	return (0);
}

/* A static example for an h2 error code (RFC 9113 section 7). */
static const char *
h2_code_error(uint32_t code)
{
	switch (code) {
	case NGHTTP2_NO_ERROR:
		return ("stream closed before the response was complete");
	case NGHTTP2_PROTOCOL_ERROR:
		return ("stream reset: PROTOCOL_ERROR");
	case NGHTTP2_INTERNAL_ERROR:
		return ("stream reset: INTERNAL_ERROR");
	case NGHTTP2_FLOW_CONTROL_ERROR:
		return ("stream reset: FLOW_CONTROL_ERROR");
	case NGHTTP2_STREAM_CLOSED:
		return ("stream reset: STREAM_CLOSED");
	case NGHTTP2_FRAME_SIZE_ERROR:
		return ("stream reset: FRAME_SIZE_ERROR");
	case NGHTTP2_REFUSED_STREAM:
		return ("stream refused (GOAWAY or RST_STREAM)");
	case NGHTTP2_CANCEL:
		return ("stream reset: CANCEL");
	case NGHTTP2_ENHANCE_YOUR_CALM:
		return ("stream reset: ENHANCE_YOUR_CALM");
	case NGHTTP2_HTTP_1_1_REQUIRED:
		return ("stream reset: HTTP_1_1_REQUIRED");
	default:
		return ("stream reset");
	}
}

/* nghttp2: a stream is gone; one of ours without a response failed. */
static int
h2_on_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *arg)
{
	struct conn	*c = arg;
	struct exch	*x;

	if (c->nstreams > 0)
		c->nstreams--;
	if ((x = h2_exch(s, id)) == NULL)
		return (0);
	(void)nghttp2_session_set_stream_user_data(s, id, NULL);
	TAILQ_REMOVE(&c->streams, x, entry);
	if (code == NGHTTP2_REFUSED_STREAM && !c->h2error && !x->h2bad &&
	    x->retried < H2_REFUSED_MAX && x->res.status == 0) {
		/*
		 * Refused, by RST_STREAM or as above a GOAWAY's last stream:
		 * the server did not process it (RFC 9113 8.7), so it goes
		 * again, first in line, as a wait for a stream. A GOAWAY
		 * sends it on the next connection.
		 */
		x->retried++;
		x->stream = 0;
		x->woff = 0;
		x->headers_done = 0;
		x->res.stream_wait = 1;
		if (x->ins != NULL)
			inspect_reset(x->ins, x->req->ins);
		x->state = EXCH_WAITING;
		TAILQ_INSERT_HEAD(&c->queue, x, entry);
		return (0);
	}
	if (c->h2error || x->h2bad)
		(void)exch_fail(x, ERR_PROTOCOL, c->h2why != NULL ? c->h2why :
		    "HTTP/2 protocol error");
	else
		(void)exch_fail(x, ERR_RESET, h2_code_error(code));
	return (0);
}

/* nghttp2: a request's HEADERS are about to go out: its clock starts. */
static int
h2_before_send(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct exch	*x;

	(void)arg;
	if (f->hd.type == NGHTTP2_HEADERS &&
	    (x = h2_exch(s, f->hd.stream_id)) != NULL && x->res.sent_ns == 0)
		x->res.sent_ns = x->ctx->now();
	return (0);
}

/*
 * nghttp2: a frame of ours went out: count its bytes to its request. A
 * GOAWAY with an error, or an RST_STREAM on a stream still ours, is
 * nghttp2 rejecting what the server sent: a protocol error (SPEC 18).
 */
static int
h2_on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *arg)
{
	struct conn	*c = arg;
	struct exch	*x;

	if (f->hd.type == NGHTTP2_GOAWAY &&
	    f->goaway.error_code != NGHTTP2_NO_ERROR)
		c->h2error = 1;
	if ((x = h2_exch(s, f->hd.stream_id)) == NULL)
		return (0);
	if (f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA)
		x->res.bytes_sent += f->hd.length + 9;
	else if (f->hd.type == NGHTTP2_RST_STREAM)
		x->h2bad = 1;
	return (0);
}

/*
 * nghttp2: what it found wrong with the server's bytes, as a static text
 * for the error's example. Not every complaint ends anything (an ignored
 * header field): the frames nghttp2 sends in answer decide that.
 */
static int
h2_on_error(nghttp2_session *s, int code, const char *msg, size_t len,
    void *arg)
{
	struct conn	*c = arg;

	(void)s;
	(void)msg;
	(void)len;
	c->h2why = nghttp2_strerror(code);
	return (0);
}

/* nghttp2: the next piece of a request body, copied as the window allows. */
static ssize_t
h2_read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *arg)
{
	struct exch	*x;
	size_t		 left;

	(void)src;
	(void)arg;
	if ((x = h2_exch(s, id)) == NULL)
		return (NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE);
	left = x->req->bodylen - x->woff;
	if (len > left)
		len = left;
	memcpy(buf, x->req->body + x->woff, len);
	x->woff += len;
	if (x->woff == x->req->bodylen)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return ((ssize_t)len);
}

/* Whether a header of the HTTP/1.1 text has no place in h2 (RFC 9113 8.2.2). */
static int
h2_hop(const char *name, size_t len)
{
	static const char	*const hop[] = { "connection", "keep-alive",
	    "proxy-connection", "transfer-encoding", "upgrade", "te", "host" };
	size_t			 i;

	for (i = 0; i < sizeof hop / sizeof hop[0]; i++)
		if (strlen(hop[i]) == len && strncasecmp(hop[i], name, len) == 0)
			return (1);
	return (0);
}

/* Make an nghttp2_nv of name and value. */
static void
h2_nv(nghttp2_nv *nv, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	nv->name = (uint8_t *)name;
	nv->namelen = namelen;
	nv->value = (uint8_t *)value;
	nv->valuelen = valuelen;
	nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/*
 * The request's HTTP/1.1 text as h2 headers: the request line becomes
 * :method and :path, Host becomes :authority, names are lowercased into
 * names[], hop-by-hop fields are dropped. nghttp2 copies all of it. The
 * number of headers, or -1 when they do not fit.
 */
static int
h2_headers(const struct exch *x, nghttp2_nv *nv, char *names)
{
	const struct plan_req	*req = x->req;
	const char		*p = req->wire, *end = p + req->wirelen;
	const char		*sp, *eol, *colon, *v;
	size_t			 used = 0, i;
	int			 n = 4, authority = 0;

	if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL ||
	    (sp = memchr(p, ' ', (size_t)(eol - p))) == NULL)
		return (-1);
	h2_nv(&nv[0], ":method", 7, p, (size_t)(sp - p));
	v = sp + 1;
	if ((sp = memchr(v, ' ', (size_t)(eol - v))) == NULL)
		sp = eol;
	h2_nv(&nv[1], ":path", 5, v, (size_t)(sp - v));
	if (x->ctx->endpoints[req->endpoint].tls)
		h2_nv(&nv[2], ":scheme", 7, "https", 5);
	else
		h2_nv(&nv[2], ":scheme", 7, "http", 4);
	h2_nv(&nv[3], ":authority", 10, "", 0);
	for (p = eol + 2; p < end; p = eol + 2) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL ||
		    eol == p)
			break;
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL)
			continue;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if ((size_t)(colon - p) == 4 && strncasecmp(p, "host", 4) == 0) {
			h2_nv(&nv[3], ":authority", 10, v, (size_t)(eol - v));
			authority = 1;
			continue;
		}
		if (h2_hop(p, (size_t)(colon - p)))
			continue;
		if (n == H2_NV_MAX || used + (size_t)(colon - p) > H2_NAMES_MAX)
			return (-1);
		for (i = 0; i < (size_t)(colon - p); i++)
			names[used + i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ?
			    p[i] + 32 : p[i]);
		h2_nv(&nv[n++], names + used, (size_t)(colon - p), v,
		    (size_t)(eol - v));
		used += (size_t)(colon - p);
	}
	if (!authority)
		return (-1);
	return (n);
}

/* Open a stream for x; its HEADERS go out with the next flush. */
static void
h2_submit(struct conn *c, struct exch *x)
{
	nghttp2_nv		 nv[H2_NV_MAX];
	char			 names[H2_NAMES_MAX];
	nghttp2_data_provider	 body;
	int32_t			 id;
	int			 n;

	if ((n = h2_headers(x, nv, names)) == -1) {
		(void)exch_fail(x, ERR_PROTOCOL,
		    "request headers do not fit HTTP/2 (Host, 64 headers)");
		return;
	}
	body.source.ptr = NULL;
	body.read_callback = h2_read_body;
	x->woff = 0;
	id = nghttp2_submit_request(c->h2, NULL, nv, (size_t)n,
	    x->req->bodylen != 0 ? &body : NULL, x);
	if (id < 0) {
		(void)exch_fail(x, ERR_PROTOCOL, nghttp2_strerror(id));
		return;
	}
	x->stream = id;
	x->state = EXCH_ACTIVE;
	x->conn = c;
	c->nstreams++;
	TAILQ_INSERT_TAIL(&c->streams, x, entry);
}

/* How many streams the server lets us open at once. */
static size_t
h2_limit(struct conn *c)
{
	return (nghttp2_session_get_remote_settings(c->h2,
	    NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS));
}

/* Submit what waits, as far as the stream limit goes. */
static void
h2_pump(struct conn *c)
{
	struct exch	*x, *next;

	if (c->goaway || c->state != CONN_OPEN)
		return;
	TAILQ_FOREACH_SAFE(x, &c->queue, entry, next) {
		if (c->nstreams >= h2_limit(c)) {
			/* The rest wait for a stream. */
			TAILQ_FOREACH(x, &c->queue, entry)
				x->res.stream_wait = 1;
			return;
		}
		TAILQ_REMOVE(&c->queue, x, entry);
		h2_submit(c, x);
	}
}

/*
 * Gather nghttp2's frames into the connection's buffer, until it is full
 * or nghttp2 has none; a piece as large as the buffer stays where it is.
 * -1 when nghttp2 failed (the connection is then closed).
 */
static int
h2_gather(struct conn *c)
{
	const uint8_t	*data;
	ssize_t		 n;
	size_t		 take;

	c->woff = 0;
	while (c->wlen < H2_WBUF) {
		if (c->wpendlen == 0) {
			n = nghttp2_session_mem_send(c->h2, &data);
			if (n < 0)
				return (conn_fail(c, ERR_PROTOCOL,
				    nghttp2_strerror((int)n)));
			if (n == 0)
				return (0);
			c->wpend = data;
			c->wpendlen = (size_t)n;
		}
		if (c->wlen == 0 && c->wpendlen >= H2_WBUF)
			return (0);
		take = c->wpendlen < H2_WBUF - c->wlen ? c->wpendlen :
		    H2_WBUF - c->wlen;
		memcpy(c->wbuf + c->wlen, c->wpend, take);
		c->wlen += take;
		c->wpend += take;
		c->wpendlen -= take;
	}
	return (0);
}

/*
 * Write nghttp2's output until it has none or the socket is full. Many
 * small frames go out in one write, and over TLS in one record, as h2load
 * sends them: a write per frame cost a third more CPU a request with ten
 * streams a connection (BENCHMARKS.md, section 16).
 */
static int
h2_flush(struct conn *c)
{
	struct iovec	 iov;
	ssize_t		 n;
	int		 error;

	for (;;) {
		if (c->wlen == 0 && h2_gather(c) == -1)
			return (-1);
		if (c->wlen > 0) {
			iov.iov_base = c->wbuf + c->woff;
			iov.iov_len = c->wlen - c->woff;
		} else if (c->wpendlen > 0) {
			iov.iov_base = (void *)c->wpend;
			iov.iov_len = c->wpendlen;
		} else
			return (0);
		n = conn_write(c, &iov, 1, &error);
		if (n == 0)
			return (0);	/* c->want says what it waits for */
		if (n == -1)
			return (conn_fail(c, error == 0 ? ERR_TLS : ERR_RESET,
			    error == 0 ? conn_ssl_error(c, "TLS error") :
			    conn_reset_error(error)));
		if (c->wlen > 0) {
			c->woff += (size_t)n;
			if (c->woff == c->wlen)
				c->wlen = 0;
		} else {
			c->wpend += n;
			c->wpendlen -= (size_t)n;
		}
	}
}

/*
 * Report the exchanges completed by the last input. A callback may start
 * or cancel others, on this connection too: the list is read afresh.
 */
static void
h2_report(struct conn *c)
{
	struct exch	*x;

	while ((x = TAILQ_FIRST(&c->done)) != NULL) {
		TAILQ_REMOVE(&c->done, x, entry);
		exch_report(x);
	}
}

/*
 * The connection ended under its streams (closed, reset, GOAWAY, broken):
 * they fail with kind; what still waits goes on a new connection.
 */
static int
h2_lost(struct conn *c, enum err_kind kind, const char *example)
{
	struct exch_list keep;

	TAILQ_INIT(&keep);
	TAILQ_CONCAT(&keep, &c->queue, entry);
	(void)conn_fail(c, kind, example);
	if (!TAILQ_EMPTY(&keep)) {
		TAILQ_CONCAT(&c->queue, &keep, entry);
		(void)conn_connect(c, TAILQ_FIRST(&c->queue)->req->endpoint);
	}
	h2_report(c);
	return (-1);
}

/* Start the session on a connection that just opened. */
int
h2_open(struct conn *c)
{
	nghttp2_settings_entry	 iv[2] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW }
	};
	struct exch		*x;
	int			 rv;

	rv = nghttp2_session_client_new3(&c->h2, c->ctx->h2cbs, c,
	    c->ctx->h2opt, c->ctx->h2mem);
	if (rv != 0)
		fatalx("h2: %s", nghttp2_strerror(rv));
	c->state = CONN_OPEN;
	c->nstreams = 0;
	c->wpendlen = 0;
	c->wlen = c->woff = 0;
	if (c->wbuf == NULL)
		c->wbuf = xmalloc(H2_WBUF);	/* kept until conn_close */
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 2) != 0 ||
	    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0,
	    H2_WINDOW) != 0)
		return (conn_fail(c, ERR_PROTOCOL, "HTTP/2 settings"));
	if ((x = c->x) != NULL) {
		/* "auto": an exchange came for HTTP/1.1 and got h2. */
		c->x = NULL;
		x->res.proto = PROTO_H2;
		x->state = EXCH_WAITING;
		TAILQ_INSERT_TAIL(&c->queue, x, entry);
	}
	h2_pump(c);
	if (h2_flush(c) == -1)
		return (-1);
	conn_arm(c);
	return (0);
}

/* ev fired on an h2 connection: read, report, write, re-arm. */
void
h2_event(struct conn *c, short what)
{
	const struct conn_ctx	*ctx = c->ctx;
	ssize_t			 n, rv;
	int			 error, reads, more;

	(void)what;
	c->want = 0;
	/*
	 * At most H2_READS reads a readiness: a server that streams faster
	 * than loadd reads (the window is large) must not keep the worker's
	 * other connections and timers waiting. The socket is level-
	 * triggered: what is left wakes the loop again.
	 */
	for (reads = 0; reads < H2_READS; reads++) {
		n = conn_read(c, ctx->rbuf, ctx->rbufsize, &error);
		if (n == -2)
			break;
		if (n == 0) {
			(void)h2_lost(c, ERR_RESET,
			    "connection closed before the response was complete");
			return;
		}
		if (n == -1) {
			if (error == 0)
				(void)h2_lost(c, ERR_TLS,
				    conn_ssl_error(c, "TLS error"));
			else
				(void)h2_lost(c, ERR_RESET,
				    conn_reset_error(error));
			return;
		}
		c->nreads++;
		rv = nghttp2_session_mem_recv(c->h2, ctx->rbuf, (size_t)n);
		if (rv < 0) {
			(void)h2_flush(c);	/* our GOAWAY, if it can */
			if (c->state == CONN_OPEN)
				(void)h2_lost(c, ERR_PROTOCOL,
				    nghttp2_strerror((int)rv));
			h2_report(c);
			return;
		}
		/*
		 * Level-triggered: once nothing is awaited, a short read
		 * drained the socket and epoll says when more comes, so no
		 * second read to see EAGAIN (one stream a connection). With
		 * streams open, read on: the responses that are there are
		 * reported together, and the requests they start go out in
		 * one write.
		 */
		if (c->nstreams == 0 && (c->ssl == NULL ?
		    (size_t)n < ctx->rbufsize : !SSL_has_pending(c->ssl)))
			break;
	}
	/* What OpenSSL holds raises no readiness: come back for it. */
	more = reads == H2_READS && c->ssl != NULL && SSL_has_pending(c->ssl);
	/*
	 * The next requests the callbacks start are only submitted: one
	 * write below sends them all (one TLS record, not one a request).
	 */
	c->reporting = 1;
	h2_report(c);
	c->reporting = 0;
	if (c->state != CONN_OPEN)
		return;		/* a callback closed it */
	h2_pump(c);
	if (h2_flush(c) == -1)
		return;
	if (c->goaway && c->nstreams == 0) {
		/* Drained after GOAWAY: the rest go on a new connection. */
		(void)h2_lost(c, ERR_RESET, "GOAWAY");
		return;
	}
	if (!nghttp2_session_want_read(c->h2) &&
	    !nghttp2_session_want_write(c->h2) && c->wpendlen == 0 &&
	    c->wlen == 0) {
		if (c->h2error)
			(void)h2_lost(c, ERR_PROTOCOL, c->h2why != NULL ?
			    c->h2why : "HTTP/2 protocol error");
		else
			(void)h2_lost(c, ERR_RESET, "HTTP/2 session ended");
		return;
	}
	conn_arm(c);
	if (more)
		event_active(&c->ev, EV_READ, 1);
}

/*
 * Send x on c, a pool connection (or an "auto" one that chose h2): at
 * once when a stream is free, else queued; a closed connection opens.
 */
void
h2_start(struct conn *c, struct exch *x)
{
	x->res.proto = PROTO_H2;
	x->conn = c;
	x->h2bad = 0;
	x->rx_mark = c->nreads;
	x->state = EXCH_WAITING;
	TAILQ_INSERT_TAIL(&c->queue, x, entry);
	if (c->fd == -1) {
		(void)conn_connect(c, x->req->endpoint);
		return;
	}
	if (c->state != CONN_OPEN)
		return;
	if (c->goaway) {
		if (c->nstreams == 0)
			(void)h2_lost(c, ERR_RESET, "GOAWAY");
		return;
	}
	h2_pump(c);
	/* Behind others, or at the limit: it waits for a stream. */
	if (x->state == EXCH_WAITING)
		x->res.stream_wait = 1;
	if (c->reporting || h2_flush(c) == -1)
		return;
	conn_arm(c);
}

/*
 * Withdraw x from c: off the queue, or its stream reset (CANCEL) with the
 * next write; the connection stays.
 */
void
h2_cancel(struct conn *c, struct exch *x)
{
	if (x->state == EXCH_DONE) {
		TAILQ_REMOVE(&c->done, x, entry);
		return;
	}
	if (x->state != EXCH_ACTIVE || x->stream == 0) {
		TAILQ_REMOVE(&c->queue, x, entry);
		return;
	}
	TAILQ_REMOVE(&c->streams, x, entry);
	if (c->h2 != NULL) {
		(void)nghttp2_session_set_stream_user_data(c->h2, x->stream,
		    NULL);
		(void)nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE,
		    x->stream, NGHTTP2_CANCEL);
		c->want |= EV_WRITE;
		conn_arm(c);
	}
	x->stream = 0;
}

/*
 * x timed out on c (and is off it). A connection that is not open yet, or
 * has brought nothing since x started, is taken as dead: what is on it
 * fails (its streams as timeouts) and what waits goes on a new one.
 */
void
h2_stalled(struct conn *c, struct exch *x)
{
	if (c->fd == -1 ||
	    (c->state == CONN_OPEN && c->nreads != x->rx_mark))
		return;
	(void)h2_lost(c, ERR_TIMEOUT, "request timed out");
}

/* The session goes with the socket (conn_shutdown). */
void
h2_close(struct conn *c)
{
	nghttp2_session_del(c->h2);
	c->h2 = NULL;
	c->wpend = NULL;
	c->wpendlen = 0;
	c->wlen = c->woff = 0;
	c->nstreams = 0;
}

/* A worker's h2 callbacks, options and allocator. */
void
h2_ctx_init(struct conn_ctx *ctx)
{
	nghttp2_session_callbacks	*cbs;
	struct h2_mem			*m;

	if (nghttp2_session_callbacks_new(&cbs) != 0 ||
	    nghttp2_option_new(&ctx->h2opt) != 0)
		fatalx("h2: out of memory");
	nghttp2_session_callbacks_set_on_header_callback(cbs, h2_on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
	    h2_on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
	    h2_on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
	    h2_on_stream_close);
	nghttp2_session_callbacks_set_before_frame_send_callback(cbs,
	    h2_before_send);
	nghttp2_session_callbacks_set_on_frame_send_callback(cbs,
	    h2_on_frame_send);
	nghttp2_session_callbacks_set_error_callback2(cbs, h2_on_error);
	ctx->h2cbs = cbs;
	nghttp2_option_set_no_closed_streams(ctx->h2opt, 1);
	m = xcalloc(1, sizeof *m);
	m->mem.mem_user_data = m;
	m->mem.malloc = h2_mem_malloc;
	m->mem.free = h2_mem_free;
	m->mem.calloc = h2_mem_calloc;
	m->mem.realloc = h2_mem_realloc;
	ctx->h2mem = &m->mem;
}

/* Free what h2_ctx_init made; every session is gone. */
void
h2_ctx_free(struct conn_ctx *ctx)
{
	if (ctx->h2cbs != NULL)
		nghttp2_session_callbacks_del(ctx->h2cbs);
	if (ctx->h2opt != NULL)
		nghttp2_option_del(ctx->h2opt);
	if (ctx->h2mem != NULL)
		h2_mem_destroy(ctx->h2mem->mem_user_data);
	ctx->h2cbs = NULL;
	ctx->h2opt = NULL;
	ctx->h2mem = NULL;
}
