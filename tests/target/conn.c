/* SPDX-License-Identifier: MIT */
/*
 * conn.c -- one client connection of loadd-target: parse requests with
 * http-parser straight out of the bufferevent's input, then answer each one
 * as its struct behav says, byte for byte. Runs on the worker that accepted
 * the connection; nothing here is shared. No allocation per request: the
 * response goes into the output evbuffer directly, large bodies by reference
 * to the shared static body.
 *
 * Requests are answered one at a time, in order (pipelining-safe): parsing
 * pauses at each message end until its response is queued. Small responses
 * on a keep-alive connection are queued back to back; their service time is
 * taken when the output buffer drains to the socket.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "target.h"

#define CONN_READ_HIGH	(256 * 1024)	/* input kept while not parsing */
#define CONN_STAGE	8192		/* headers and small bodies */
#define CONN_INLINE	4096		/* copy bodies up to this, else ref */
#define CONN_FILL	(1024 * 1024)	/* body queued per write callback */
#define CONN_DRIP_FILL	(64 * 1024)
#define CONN_LINGER_US	(2 * 1000 * 1000)

enum conn_state {
	CONN_READING,	/* parsing; earlier responses may be queued */
	CONN_WAITING,	/* a parsed request waits for its delay */
	CONN_SENDING,	/* a response is being written; then c->end */
	CONN_DRIPPING,	/* a response leaves one byte per drip step */
	CONN_DROPPED,	/* drop=1: never answer */
	CONN_LINGERING	/* FIN sent: discard input until the peer closes */
};

/* What happens once the current response is written. */
enum conn_end {
	CONN_END_KEEP,
	CONN_END_CLOSE,
	CONN_END_RESET
};

struct conn {
	struct worker		*w;
	struct bufferevent	*bev;
	evutil_socket_t		 fd;
	http_parser		 parser;
	struct event		 timer;		/* delay, drip, linger */
	enum conn_state		 state;
	enum conn_end		 end;

	/* The request being parsed. */
	uint64_t		 wire_bytes;
	uint64_t		 body_bytes;
	size_t			 hdrbytes;
	size_t			 urllen;
	int			 url_long;
	int			 too_large;
	int			 head;
	int			 keepalive;
	int			 http10;
	int			 in_value;
	int			 expect;	/* Expect: 100-continue */
	size_t			 hname_len;
	size_t			 hval_len;
	char			 hname[16];
	char			 hval[16];
	char			 auth[160];	/* Authorization, for /app/ */
	size_t			 authlen;
	char			 cookie[256];	/* Cookie, for /app/ */
	size_t			 cookielen;
	char			 url[TARGET_URL_MAX];
	char			 bodyhead[256];	/* for --log */
	size_t			 bodyheadlen;

	/* The response being sent. */
	struct behav		 b;
	uint64_t		 t0;		/* request fully read */
	uint64_t		 body_left;
	int			 streaming;	/* body or terminator to come */
	int			 chunked;	/* body is chunk-encoded */
	int			 endless;
	struct evbuffer		*drip;		/* drip=1: bytes still to go */

	/* Responses fully queued, waiting for the output to drain. */
	uint64_t		 ring[TARGET_RING];
	unsigned int		 nring;

	LIST_ENTRY(conn)	 entry;
};

static int	conn_on_begin(http_parser *);
static int	conn_on_url(http_parser *, const char *, size_t);
static int	conn_on_field(http_parser *, const char *, size_t);
static int	conn_on_value(http_parser *, const char *, size_t);
static int	conn_on_headers(http_parser *);
static int	conn_on_body(http_parser *, const char *, size_t);
static int	conn_on_complete(http_parser *);
static void	conn_parse(struct conn *);

static const http_parser_settings conn_settings = {
	.on_message_begin = conn_on_begin,
	.on_url = conn_on_url,
	.on_header_field = conn_on_field,
	.on_header_value = conn_on_value,
	.on_headers_complete = conn_on_headers,
	.on_body = conn_on_body,
	.on_message_complete = conn_on_complete,
};

/* Not HTTP: a TLS-like record, NULs, then text. */
static const char conn_garbage[] =
    "\x16\x03\x01\x00\x00garbage\x00\xff\xfe not http at all\r\n\r\n";

/* Free a connection: its timer, its socket (closed), its buffers. */
static void
conn_free(struct conn *c)
{
	struct worker	*w = c->w;

	if (evtimer_pending(&c->timer, NULL))
		evtimer_del(&c->timer);
	bufferevent_free(c->bev);
	if (c->drip != NULL)
		evbuffer_free(c->drip);
	LIST_REMOVE(c, entry);
	STATS_ADD(w, active, (uint64_t)-1);
	free(c);
}

/* Close every connection of a worker; its loop has stopped. */
void
conn_free_all(struct worker *w)
{
	while (!LIST_EMPTY(&w->conns))
		conn_free(LIST_FIRST(&w->conns));
}

/* Abort the connection with a TCP RST (SO_LINGER 0), then free it. */
static void
conn_reset(struct conn *c)
{
	struct linger	l = { 1, 0 };

	/* If this fails, the close below still ends the connection. */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	conn_free(c);
}

/*
 * Close after the response: send FIN, then read and discard until the peer
 * closes (or a timeout), so unread request bytes do not turn the close into
 * a reset that could destroy the response in flight.
 */
static void
conn_linger(struct conn *c)
{
	struct timeval	tv = { CONN_LINGER_US / 1000000, 0 };

	if (shutdown(c->fd, SHUT_WR) != 0) {
		conn_free(c);
		return;
	}
	c->state = CONN_LINGERING;
	if (evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev))) != 0)
		target_fatalx("evbuffer_drain failed");
	if (bufferevent_disable(c->bev, EV_WRITE) != 0 ||
	    bufferevent_enable(c->bev, EV_READ) != 0 ||
	    evtimer_add(&c->timer, &tv) != 0) {
		conn_free(c);
		return;
	}
}

/* A response was fully queued: its service time ends when output drains. */
static void
conn_queued(struct conn *c)
{
	if (c->nring < TARGET_RING)
		c->ring[c->nring++] = c->t0;
}

/* Queue n bytes of the static body: copied when small, else by reference. */
static void
conn_add_bytes(struct evbuffer *dst, uint64_t n)
{
	size_t	m;

	if (n <= CONN_INLINE) {
		if (evbuffer_add(dst, target_body, (size_t)n) != 0)
			target_fatalx("evbuffer_add failed");
		return;
	}
	while (n > 0) {
		m = n > TARGET_BODY_STATIC ? TARGET_BODY_STATIC : (size_t)n;
		if (evbuffer_add_reference(dst, target_body, m, NULL,
		    NULL) != 0)
			target_fatalx("evbuffer_add_reference failed");
		n -= m;
	}
}

/*
 * Queue up to about limit more bytes of the body into dst. When the body is
 * done, add the chunked terminator and mark the response queued (unless it
 * ends in a reset: a truncated response is no sample).
 */
static void
conn_fill(struct conn *c, struct evbuffer *dst, size_t limit)
{
	size_t		added = 0, before = evbuffer_get_length(dst);
	uint64_t	n;
	char		hex[32];
	int		len;

	while (c->body_left > 0 && added < limit) {
		if (c->chunked) {
			n = c->b.chunk;
			if (!c->endless && n > c->body_left)
				n = c->body_left;
			len = snprintf(hex, sizeof hex, "%llx\r\n",
			    (unsigned long long)n);
			if (evbuffer_add(dst, hex, (size_t)len) != 0)
				target_fatalx("evbuffer_add failed");
			conn_add_bytes(dst, n);
			if (evbuffer_add(dst, "\r\n", 2) != 0)
				target_fatalx("evbuffer_add failed");
			added += (size_t)n + (size_t)len + 2;
		} else {
			n = c->body_left;
			if (n > TARGET_BODY_STATIC)
				n = TARGET_BODY_STATIC;
			conn_add_bytes(dst, n);
			added += (size_t)n;
		}
		if (!c->endless)
			c->body_left -= n;
	}
	if (c->body_left == 0 && c->streaming) {
		c->streaming = 0;
		if (c->end != CONN_END_RESET) {
			if (c->chunked &&
			    evbuffer_add(dst, "0\r\n\r\n", 5) != 0)
				target_fatalx("evbuffer_add failed");
			conn_queued(c);
		}
	}
	STATS_ADD(c->w, bytes_out, evbuffer_get_length(dst) - before);
}

/* Append a string to the staging buffer; the caller checked the room. */
static char *
conn_put(char *p, const char *s)
{
	size_t	len = strlen(s);

	memcpy(p, s, len);
	return (p + len);
}

/* Append an unsigned decimal number to the staging buffer. */
static char *
conn_putu(char *p, uint64_t v)
{
	char	tmp[24];
	size_t	i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(p, tmp + i, sizeof tmp - i);
	return (p + (sizeof tmp - i));
}

/* The reason phrase of a status; http-parser knows the registered ones. */
static const char *
conn_reason(int status)
{
	const char	*s = http_status_str((enum http_status)status);

	if (s == NULL || *s == '<')
		return ("Status");
	return (s);
}

/* The status line and the Connection header, per c->end and HTTP/1.0. */
static char *
conn_put_start(struct conn *c, char *p, int status)
{
	if (status == 200)
		p = conn_put(p, "HTTP/1.1 200 OK\r\n");
	else {
		p = conn_put(p, "HTTP/1.1 ");
		p = conn_putu(p, (uint64_t)status);
		*p++ = ' ';
		p = conn_put(p, conn_reason(status));
		p = conn_put(p, "\r\n");
	}
	if (c->end == CONN_END_CLOSE)
		p = conn_put(p, "Connection: close\r\n");
	else if (c->end == CONN_END_KEEP && c->http10)
		p = conn_put(p, "Connection: keep-alive\r\n");
	return (p);
}

/*
 * Answer with a short fixed body (/stats, errors). keep: whether the
 * connection may stay open after it (if the client allows); counted: whether
 * it goes into bytes_out and service times (not for /stats itself).
 */
static void
conn_simple(struct conn *c, int status, const char *ctype, const char *body,
    size_t len, int keep, int counted)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	char		 stage[512], *p = stage;

	c->end = keep && c->keepalive ? CONN_END_KEEP : CONN_END_CLOSE;
	c->streaming = 0;
	p = conn_put_start(c, p, status);
	p = conn_put(p, "Content-Type: ");
	p = conn_put(p, ctype);
	p = conn_put(p, "\r\nContent-Length: ");
	p = conn_putu(p, len);
	p = conn_put(p, "\r\n\r\n");
	if (evbuffer_add(out, stage, (size_t)(p - stage)) != 0 ||
	    (!c->head && evbuffer_add(out, body, len) != 0))
		target_fatalx("evbuffer_add failed");
	if (counted) {
		STATS_ADD(c->w, bytes_out,
		    (size_t)(p - stage) + (c->head ? 0 : len));
		conn_queued(c);
	}
	if (c->end != CONN_END_KEEP)
		c->state = CONN_SENDING;
}

/* Answer a request to the application under /app/ (app.c). */
static void
conn_app(struct conn *c, size_t plen)
{
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct app_req		 r;
	static __thread struct app_resp resp;
	char			 stage[512], *p = stage;

	memset(&r, 0, sizeof r);
	r.method = (int)c->parser.method;
	r.url = c->url;
	r.urllen = c->urllen;
	r.path = c->url;
	r.plen = plen;
	r.auth = c->auth;
	r.authlen = c->authlen < sizeof c->auth ? c->authlen : 0;
	r.cookie = c->cookie;
	r.cookielen = c->cookielen < sizeof c->cookie ? c->cookielen : 0;
	r.body = c->bodyhead;
	r.bodylen = c->bodyheadlen;
	r.body_whole = c->body_bytes == c->bodyheadlen;
	app_answer(&r, &resp);
	c->end = c->keepalive ? CONN_END_KEEP : CONN_END_CLOSE;
	c->streaming = 0;
	p = conn_put_start(c, p, resp.status);
	p = conn_put(p, "Content-Type: application/json\r\n");
	p = conn_put(p, resp.hdrs);
	p = conn_put(p, "Content-Length: ");
	p = conn_putu(p, resp.bodylen);
	p = conn_put(p, "\r\n\r\n");
	if (evbuffer_add(out, stage, (size_t)(p - stage)) != 0 ||
	    (!c->head && evbuffer_add(out, resp.body, resp.bodylen) != 0))
		target_fatalx("evbuffer_add failed");
	STATS_ADD(c->w, bytes_out, (size_t)(p - stage) + (c->head ? 0 :
	    resp.bodylen));
	conn_queued(c);
	if (c->end != CONN_END_KEEP)
		c->state = CONN_SENDING;
}

/* Move the next byte of a dripped response out and arm the next step. */
static void
conn_drip_step(struct conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	struct timeval	 tv;

	/* Refill before the last byte goes, so that it is never empty. */
	if (evbuffer_get_length(c->drip) <= 1 && c->streaming)
		conn_fill(c, c->drip, CONN_DRIP_FILL);
	if (evbuffer_remove_buffer(c->drip, out, 1) < 0)
		target_fatalx("evbuffer_remove_buffer failed");
	if (evbuffer_get_length(c->drip) == 0 && !c->streaming) {
		/* The write callback finishes the response. */
		c->state = CONN_SENDING;
		return;
	}
	tv.tv_sec = (time_t)(c->b.drip_us / 1000000);
	tv.tv_usec = (suseconds_t)(c->b.drip_us % 1000000);
	if (evtimer_add(&c->timer, &tv) != 0)
		target_fatalx("evtimer_add failed");
}

/*
 * Build the response c->b describes into the output (or the drip buffer)
 * and start sending it. Never frees c. On return the state is READING when
 * the response is fully queued on a keep-alive connection.
 */
static void
conn_respond(struct conn *c)
{
	struct behav	*b = &c->b;
	struct evbuffer	*out = bufferevent_get_output(c->bev), *dst = out;
	char		 stage[CONN_STAGE], *p = stage;
	size_t		 len;
	int		 hasbody, sendbody, chunkhdr, nolength;

	c->end = c->keepalive && !b->close ? CONN_END_KEEP : CONN_END_CLOSE;
	c->streaming = 0;
	c->chunked = 0;
	c->endless = 0;
	c->body_left = 0;
	c->state = CONN_SENDING;

	if (b->garbage) {
		if (evbuffer_add(out, conn_garbage,
		    sizeof conn_garbage - 1) != 0)
			target_fatalx("evbuffer_add failed");
		STATS_ADD(c->w, bytes_out, sizeof conn_garbage - 1);
		c->end = CONN_END_CLOSE;
		return;
	}
	if (b->drip) {
		if (c->drip == NULL && (c->drip = evbuffer_new()) == NULL)
			target_fatalx("evbuffer_new failed");
		dst = c->drip;
	}

	hasbody = b->status != 204 && b->status != 304;
	sendbody = hasbody && !c->head;
	chunkhdr = hasbody && (b->chunked || b->endless) && !c->http10;
	nolength = hasbody && !chunkhdr &&
	    (b->nolength || b->chunked || b->endless);
	if (nolength)
		c->end = CONN_END_CLOSE;
	if (b->reset == BEHAV_RESET_HEADERS || b->reset == BEHAV_RESET_BODY)
		c->end = CONN_END_RESET;

	p = conn_put_start(c, p, b->status);
	if (chunkhdr)
		p = conn_put(p, "Transfer-Encoding: chunked\r\n");
	else if (hasbody && !nolength) {
		p = conn_put(p, "Content-Length: ");
		p = conn_putu(p, b->bytes);
		p = conn_put(p, "\r\n");
	}
	if (b->reset == BEHAV_RESET_HEADERS) {
		len = (size_t)(p - stage) / 2;
		if (evbuffer_add(dst, stage, len) != 0)
			target_fatalx("evbuffer_add failed");
		STATS_ADD(c->w, bytes_out, len);
		goto send;
	}
	if (b->redirect > 0) {
		/* Loopback only, like the server itself. */
		p = conn_put(p, "Location: http://127.0.0.1:");
		p = conn_putu(p, b->redirect);
		p = conn_put(p, "/redirected\r\n");
	}
	if (b->hugeheader > 0) {
		p = conn_put(p, "X-Huge: ");
		if (evbuffer_add(dst, stage, (size_t)(p - stage)) != 0)
			target_fatalx("evbuffer_add failed");
		STATS_ADD(c->w, bytes_out, (size_t)(p - stage));
		conn_add_bytes(dst, b->hugeheader);
		STATS_ADD(c->w, bytes_out, b->hugeheader);
		p = stage;
		p = conn_put(p, "\r\n");
	}
	p = conn_put(p, "\r\n");

	if (sendbody) {
		c->body_left = b->bytes;
		if (b->reset == BEHAV_RESET_BODY)
			c->body_left /= 2;
		c->chunked = chunkhdr;
		if (b->endless) {
			c->endless = 1;
			c->body_left = 1;
		}
	}
	if (!c->chunked && !c->endless &&
	    c->body_left <= sizeof stage - (size_t)(p - stage)) {
		/* The common case: one copy of headers and body. */
		memcpy(p, target_body, (size_t)c->body_left);
		p += c->body_left;
		c->body_left = 0;
	}
	if (evbuffer_add(dst, stage, (size_t)(p - stage)) != 0)
		target_fatalx("evbuffer_add failed");
	STATS_ADD(c->w, bytes_out, (size_t)(p - stage));
	c->streaming = 1;

send:
	if (dst == c->drip) {
		c->state = CONN_DRIPPING;
		conn_drip_step(c);
		return;
	}
	conn_fill(c, dst, CONN_FILL);
	if (!c->streaming && c->end == CONN_END_KEEP)
		c->state = CONN_READING;
}

/*
 * --log: one line per request, "METHOD URL BODY" (the first 256 bytes of
 * the body, line breaks as spaces), written at once so threads' lines do
 * not mix.
 */
static void
conn_log(struct conn *c)
{
	char	line[TARGET_URL_MAX + 300];
	size_t	n, i;

	n = (size_t)snprintf(line, sizeof line, "%s %.*s ",
	    http_method_str(c->parser.method), (int)c->urllen, c->url);
	for (i = 0; i < c->bodyheadlen && n < sizeof line - 1; i++)
		line[n++] = c->bodyhead[i] == '\n' || c->bodyhead[i] == '\r' ?
		    ' ' : c->bodyhead[i];
	line[n++] = '\n';
	if (write(c->w->t->logfd, line, n) == -1)
		target_log("--log: %s", strerror(errno));
}

/*
 * Answer the request just parsed. Returns -1 when c was freed (reset=now),
 * else 0.
 */
static int
conn_dispatch(struct conn *c)
{
	struct worker	*w = c->w;
	struct target	*t = w->t;
	const char	*q, *bad;
	size_t		 plen, qlen = 0, badlen;
	uint64_t	 now, ready, wire;
	struct timeval	 tv;
	char		 msg[160];
	static __thread char json[1024];
	int		 n;

	now = target_now_us();
	c->t0 = now;
	wire = c->wire_bytes;
	c->wire_bytes = 0;
	if (c->url_long) {
		conn_simple(c, 414, "text/plain", "URI too long\n", 13, 0, 1);
		return (0);
	}
	q = memchr(c->url, '?', c->urllen);
	plen = q == NULL ? c->urllen : (size_t)(q - c->url);
	if (q != NULL) {
		q++;
		qlen = c->urllen - plen - 1;
	}
	if (plen == 6 && memcmp(c->url, "/stats", 6) == 0) {
		n = (int)stats_json(t, json, sizeof json);
		conn_simple(c, 200, "application/json", json, (size_t)n, 1, 0);
		return (0);
	}
	if (plen == 12 && memcmp(c->url, "/stats/reset", 12) == 0) {
		if (c->parser.method != HTTP_POST) {
			conn_simple(c, 405, "text/plain", "use POST\n", 9, 1,
			    0);
			return (0);
		}
		stats_reset(t);
		conn_simple(c, 200, "application/json", "{\"reset\": true}\n",
		    16, 1, 0);
		return (0);
	}

	if (t->logfd != -1)
		conn_log(c);
	if (plen > 5 && memcmp(c->url, "/app/", 5) == 0) {
		STATS_ADD(w, requests, 1);
		conn_app(c, plen);
		return (0);
	}
	STATS_ADD(w, requests, 1);
	STATS_ADD(w, bytes_in, wire);
	STATS_ADD(w, body_bytes_in, c->body_bytes);

	memcpy(&c->b, &t->defaults, sizeof c->b);
	if (qlen != 0 && behav_query(&c->b, q, qlen, &bad, &badlen) != 0) {
		n = snprintf(msg, sizeof msg, "bad query parameter: %.*s\n",
		    (int)(badlen > 100 ? 100 : badlen), bad);
		conn_simple(c, 400, "text/plain", msg, (size_t)n, 1, 1);
		return (0);
	}
	if (c->b.fail_pct > 0 &&
	    (double)(target_random(w) % 1000000) < c->b.fail_pct * 10000)
		c->b.status = 500;
	if (c->b.reset == BEHAV_RESET_NOW) {
		conn_reset(c);
		return (-1);
	}
	if (c->b.drop) {
		c->state = CONN_DROPPED;
		return (0);
	}

	ready = now + c->b.delay_us;
	if (c->b.jitter_us != 0)
		ready += target_random(w) % (c->b.jitter_us + 1);
	ready = behav_ready(t, ready);
	if (ready > now) {
		c->state = CONN_WAITING;
		tv.tv_sec = (time_t)((ready - now) / 1000000);
		tv.tv_usec = (suseconds_t)((ready - now) % 1000000);
		if (evtimer_add(&c->timer, &tv) != 0)
			target_fatalx("evtimer_add failed");
		return (0);
	}
	conn_respond(c);
	return (0);
}

/* A request that cannot be parsed: answer 400 (or 431) and close. */
static void
conn_bad(struct conn *c, enum http_errno e)
{
	char	msg[160];
	int	n;

	c->head = 0;
	c->t0 = target_now_us();
	if (c->too_large) {
		conn_simple(c, 431, "text/plain",
		    "request header fields too large\n", 32, 0, 1);
		return;
	}
	n = snprintf(msg, sizeof msg, "bad request: %s\n",
	    http_errno_description(e));
	conn_simple(c, 400, "text/plain", msg, (size_t)n, 0, 1);
}

/*
 * Feed the input to the parser, a message at a time, while the connection
 * is free to answer. May free c.
 */
static void
conn_parse(struct conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec	 v[8];
	enum http_errno		 e;
	size_t			 used, total;
	int			 n, i;

	while (c->state == CONN_READING && c->nring < TARGET_RING) {
		n = evbuffer_peek(in, -1, NULL, v, 8);
		if (n <= 0)
			return;
		if (n > 8)
			n = 8;
		total = 0;
		e = HPE_OK;
		for (i = 0; i < n; i++) {
			used = http_parser_execute(&c->parser, &conn_settings,
			    v[i].iov_base, v[i].iov_len);
			total += used;
			e = HTTP_PARSER_ERRNO(&c->parser);
			if (e != HPE_OK || used != v[i].iov_len)
				break;
		}
		c->wire_bytes += total;
		if (evbuffer_drain(in, total) != 0)
			target_fatalx("evbuffer_drain failed");
		if (e == HPE_PAUSED) {
			http_parser_pause(&c->parser, 0);
			if (conn_dispatch(c) != 0)
				return;
			continue;
		}
		if (e != HPE_OK) {
			conn_bad(c, e);
			return;
		}
		if (i < n) {
			/* Stopped early without an error: an upgrade. */
			c->keepalive = 0;
			conn_bad(c, HPE_INVALID_METHOD);
			return;
		}
	}
}

/* Input arrived. Only parsed while the connection is free to answer. */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	switch (c->state) {
	case CONN_READING:
		conn_parse(c);
		break;
	case CONN_LINGERING:
		if (evbuffer_drain(in, evbuffer_get_length(in)) != 0)
			target_fatalx("evbuffer_drain failed");
		break;
	default:
		/* Kept for later; the read watermark bounds it. */
		break;
	}
}

/*
 * The output drained to the socket: the queued responses are complete
 * (their service time ends now), the streaming one wants more body, or the
 * connection's end has come. May free c.
 */
static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	uint64_t	 now;
	unsigned int	 i;

	(void)bev;
	if (c->state == CONN_DRIPPING)
		return;
	if (c->state == CONN_SENDING && c->streaming) {
		conn_fill(c, bufferevent_get_output(c->bev), CONN_FILL);
		return;
	}
	if (c->nring != 0) {
		now = target_now_us();
		for (i = 0; i < c->nring; i++)
			stats_record(c->w, now - c->ring[i]);
		c->nring = 0;
	}
	if (c->state == CONN_SENDING) {
		switch (c->end) {
		case CONN_END_KEEP:
			c->state = CONN_READING;
			break;
		case CONN_END_CLOSE:
			conn_linger(c);
			return;
		case CONN_END_RESET:
			conn_reset(c);
			return;
		}
	}
	if (c->state == CONN_READING)
		conn_parse(c);
}

/* EOF or error from the peer: whatever was pending is dropped. */
static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(c);
}

/* The connection timer: a delay ended, a drip step, or lingering is over. */
static void
conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	switch (c->state) {
	case CONN_WAITING:
		conn_respond(c);
		if (c->state == CONN_READING)
			conn_parse(c);
		break;
	case CONN_DRIPPING:
		conn_drip_step(c);
		break;
	case CONN_LINGERING:
		conn_free(c);
		break;
	default:
		break;
	}
}

/* http-parser: a new request starts. */
static int
conn_on_begin(http_parser *p)
{
	struct conn	*c = p->data;

	c->body_bytes = 0;
	c->authlen = 0;
	c->cookielen = 0;
	c->bodyheadlen = 0;
	c->hdrbytes = 0;
	c->urllen = 0;
	c->url_long = 0;
	c->too_large = 0;
	c->head = 0;
	c->in_value = 0;
	c->expect = 0;
	c->hname_len = 0;
	c->hval_len = 0;
	return (0);
}

/* Count header bytes; fail the parse past TARGET_HEADER_MAX (431). */
static int
conn_count(struct conn *c, size_t len)
{
	c->hdrbytes += len;
	if (c->hdrbytes > TARGET_HEADER_MAX) {
		c->too_large = 1;
		return (-1);
	}
	return (0);
}

/* http-parser: part of the request target. */
static int
conn_on_url(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;

	if (c->urllen + len > sizeof c->url)
		c->url_long = 1;
	else {
		memcpy(c->url + c->urllen, at, len);
		c->urllen += len;
	}
	return (conn_count(c, len));
}

/* A header is complete: remember Expect: 100-continue. */
static void
conn_header_done(struct conn *c)
{
	if (c->hname_len == 6 && strncasecmp(c->hname, "expect", 6) == 0 &&
	    c->hval_len == 12 && strncasecmp(c->hval, "100-continue", 12) == 0)
		c->expect = 1;
	c->hname_len = 0;
	c->hval_len = 0;
	c->in_value = 0;
}

/* Keep part of a header value in buf (cap bytes), counting in *len. */
static void
conn_keep(char *buf, size_t cap, size_t *len, const char *at, size_t n)
{
	if (*len < cap)
		memcpy(buf + *len, at, n < cap - *len ? n : cap - *len);
	*len += n;
}

/* http-parser: part of a header name. */
static int
conn_on_field(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;
	size_t		 room;

	if (c->in_value)
		conn_header_done(c);
	if (c->hname_len < sizeof c->hname) {
		room = sizeof c->hname - c->hname_len;
		memcpy(c->hname + c->hname_len, at, len < room ? len : room);
	}
	c->hname_len += len;
	return (conn_count(c, len + 4));
}

/* http-parser: part of a header value. */
static int
conn_on_value(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;
	size_t		 room;

	c->in_value = 1;
	if (c->hname_len == 6 && c->hval_len < sizeof c->hval) {
		room = sizeof c->hval - c->hval_len;
		memcpy(c->hval + c->hval_len, at, len < room ? len : room);
	}
	c->hval_len += len;
	if (c->hname_len == 13 && strncasecmp(c->hname, "authorization",
	    13) == 0)
		conn_keep(c->auth, sizeof c->auth, &c->authlen, at, len);
	else if (c->hname_len == 6 && strncasecmp(c->hname, "cookie", 6) == 0)
		conn_keep(c->cookie, sizeof c->cookie, &c->cookielen, at, len);
	return (conn_count(c, len));
}

/* http-parser: headers done; answer Expect: 100-continue at once. */
static int
conn_on_headers(http_parser *p)
{
	struct conn	*c = p->data;
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (c->in_value)
		conn_header_done(c);
	c->head = p->method == HTTP_HEAD;
	c->http10 = p->http_major == 1 && p->http_minor == 0;
	c->keepalive = http_should_keep_alive(p) && !p->upgrade;
	if (c->expect && !c->http10 && evbuffer_add(
	    bufferevent_get_output(c->bev), cont, sizeof cont - 1) != 0)
		target_fatalx("evbuffer_add failed");
	return (0);
}

/* http-parser: request body bytes, read and discarded. */
static int
conn_on_body(http_parser *p, const char *at, size_t len)
{
	struct conn	*c = p->data;
	size_t		 n;

	if (c->bodyheadlen < sizeof c->bodyhead) {
		n = sizeof c->bodyhead - c->bodyheadlen;
		if (n > len)
			n = len;
		memcpy(c->bodyhead + c->bodyheadlen, at, n);
		c->bodyheadlen += n;
	}
	c->body_bytes += len;
	return (0);
}

/* http-parser: the request is complete; stop here until it is answered. */
static int
conn_on_complete(http_parser *p)
{
	http_parser_pause(p, 1);
	return (0);
}

/* evconnlistener: a new connection on this worker. */
void
conn_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct worker	*w = arg;
	struct conn	*c;
	int		 one = 1;

	(void)l;
	(void)sa;
	(void)salen;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
		(void)close(fd);
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		target_fatal("calloc");
	c->w = w;
	c->fd = fd;
	c->state = CONN_READING;
	c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		(void)close(fd);
		free(c);
		return;
	}
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	if (evtimer_assign(&c->timer, w->base, conn_timer, c) != 0)
		target_fatalx("evtimer_assign failed");
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_READ_HIGH);
	LIST_INSERT_HEAD(&w->conns, c, entry);
	STATS_ADD(w, connections, 1);
	STATS_ADD(w, active, 1);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0)
		conn_free(c);
}
