/* SPDX-License-Identifier: MIT */
/*
 * h2.c -- the --h2 mode of loadd-target: HTTP/2 cleartext with prior
 * knowledge on libnghttp2's server API, one nghttp2_session per connection,
 * fed from and flushed to a bufferevent (mem_recv / mem_send). Runs on the
 * worker that accepted the connection; nothing here is shared. --h2-fault
 * makes every connection misbehave one way, to test loadd's HTTP/2 client
 * against faults that real servers do not produce on demand.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>

#include "target.h"

#define H2_OUT_HIGH	(64 * 1024)	/* output queued per flush */
#define H2_ENDLESS_FRAME 16384		/* DATA payload of endless= */
#define H2_IDLE_MAX	64		/* stream structs kept for reuse */
#define H2_LINGER_US	(2 * 1000 * 1000)
#define H2_PREFACE_LEN	24		/* "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" */

/* What --h2-fault=garbage answers to the client's preface. */
static const char h2_garbage[] =
    "HTTP/1.1 200 OK\r\n\r\ngarbage garbage garbage";

struct h2stream;
LIST_HEAD(h2stream_list, h2stream);

/* One request stream: what to answer and how much is left to send. */
struct h2stream {
	struct h2conn		*c;
	int32_t			 id;
	uint64_t		 ordinal;	/* 1: the connection's first */
	uint64_t		 t0;		/* request fully read */
	uint64_t		 body_in;	/* request body bytes */
	uint64_t		 unconsumed;	/* window=: not yet consumed */
	uint64_t		 bytes;		/* response body size */
	uint64_t		 sent;		/* of it, handed to nghttp2 */
	int			 status;
	int			 head;		/* HEAD: no body */
	int			 bad;		/* a bad query parameter */
	int			 responding;	/* response submitted */
	int			 done;		/* END_STREAM sent */
	LIST_ENTRY(h2stream)	 entry;
};

/* One client connection. */
struct h2conn {
	struct worker		*w;
	struct bufferevent	*bev;
	evutil_socket_t		 fd;
	nghttp2_session		*session;	/* NULL: no-settings, garbage */
	struct event		 timer;		/* linger */
	int			 lingering;
	size_t			 preface;	/* garbage: preface read */
	uint64_t		 streams;	/* request streams begun */
	uint64_t		 answered;	/* responses submitted */
	uint64_t		 pending;	/* submitted, not complete */
	int32_t			 last_id;	/* highest stream answered */
	int			 goaway;	/* answer no more */
	int			 terminated;	/* GOAWAY submitted */
	struct h2stream_list	 live;
	struct h2stream_list	 idle;
	unsigned int		 nidle;
	LIST_ENTRY(h2conn)	 entry;
};

static int	h2_flush(struct h2conn *);

/*
 * Parse --h2-fault: none, no-settings, garbage, endless, or rst-every=N,
 * goaway-after=N, max-streams=N, window=N. Returns -1 when malformed or out
 * of range.
 */
int
h2_fault_parse(const char *arg, enum h2_fault *fault, uint32_t *n)
{
	static const struct {
		const char	*name;
		enum h2_fault	 fault;
		int		 takes_n;
		unsigned long	 min, max;
	} faults[] = {
		{ "none", H2_FAULT_NONE, 0, 0, 0 },
		{ "no-settings", H2_FAULT_NO_SETTINGS, 0, 0, 0 },
		{ "garbage", H2_FAULT_GARBAGE, 0, 0, 0 },
		{ "endless", H2_FAULT_ENDLESS, 0, 0, 0 },
		{ "rst-every", H2_FAULT_RST_EVERY, 1, 1, 0x7fffffff },
		{ "goaway-after", H2_FAULT_GOAWAY_AFTER, 1, 0, 0x7fffffff },
		{ "max-streams", H2_FAULT_MAX_STREAMS, 1, 0, 0x7fffffff },
		{ "window", H2_FAULT_WINDOW, 1, 1, NGHTTP2_MAX_WINDOW_SIZE },
	};
	const char	*eq = strchr(arg, '=');
	size_t		 len, i;
	unsigned long	 v;
	char		*end;

	len = eq == NULL ? strlen(arg) : (size_t)(eq - arg);
	for (i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		if (strlen(faults[i].name) != len ||
		    strncmp(arg, faults[i].name, len) != 0)
			continue;
		if (!faults[i].takes_n) {
			if (eq != NULL)
				return (-1);
			*fault = faults[i].fault;
			*n = 0;
			return (0);
		}
		if (eq == NULL || eq[1] < '0' || eq[1] > '9')
			return (-1);
		errno = 0;
		v = strtoul(eq + 1, &end, 10);
		if (*end != '\0' || errno != 0 || v < faults[i].min ||
		    v > faults[i].max)
			return (-1);
		*fault = faults[i].fault;
		*n = (uint32_t)v;
		return (0);
	}
	return (-1);
}

/* A stream struct for a new request: a reused one, else a new one. */
static struct h2stream *
h2_stream_new(struct h2conn *c, int32_t id)
{
	struct h2stream	*s;

	if ((s = LIST_FIRST(&c->idle)) != NULL) {
		LIST_REMOVE(s, entry);
		c->nidle--;
		memset(s, 0, sizeof *s);
	} else if ((s = calloc(1, sizeof *s)) == NULL)
		target_fatal("calloc");
	s->c = c;
	s->id = id;
	s->ordinal = ++c->streams;
	s->status = c->w->t->defaults.status;
	s->bytes = c->w->t->defaults.bytes;
	LIST_INSERT_HEAD(&c->live, s, entry);
	return (s);
}

/* A stream closed: keep its struct for the next one, or free it. */
static void
h2_stream_release(struct h2conn *c, struct h2stream *s)
{
	LIST_REMOVE(s, entry);
	if (c->nidle >= H2_IDLE_MAX) {
		free(s);
		return;
	}
	LIST_INSERT_HEAD(&c->idle, s, entry);
	c->nidle++;
}

/*
 * Free a connection: its session, its streams, its socket (closed). The
 * session goes first: nghttp2_session_del does not report stream closes.
 */
static void
h2_free(struct h2conn *c)
{
	struct worker	*w = c->w;
	struct h2stream	*s;

	if (evtimer_pending(&c->timer, NULL))
		evtimer_del(&c->timer);
	nghttp2_session_del(c->session);
	while ((s = LIST_FIRST(&c->live)) != NULL) {
		LIST_REMOVE(s, entry);
		free(s);
	}
	while ((s = LIST_FIRST(&c->idle)) != NULL) {
		LIST_REMOVE(s, entry);
		free(s);
	}
	bufferevent_free(c->bev);
	LIST_REMOVE(c, entry);
	STATS_ADD(w, active, (uint64_t)-1);
	free(c);
}

/* Close every connection of a worker; its loop has stopped. */
void
h2_free_all(struct worker *w)
{
	while (!LIST_EMPTY(&w->h2conns))
		h2_free(LIST_FIRST(&w->h2conns));
}

/*
 * The session is over (GOAWAY written): send FIN, then read and discard
 * until the peer closes or a timeout, so that unread client bytes do not
 * turn the close into a reset that could destroy the GOAWAY in flight.
 * Returns -1 when c was freed.
 */
static int
h2_linger(struct h2conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct timeval	 tv = { H2_LINGER_US / 1000000, 0 };

	if (shutdown(c->fd, SHUT_WR) != 0 ||
	    evbuffer_drain(in, evbuffer_get_length(in)) != 0 ||
	    bufferevent_disable(c->bev, EV_WRITE) != 0 ||
	    evtimer_add(&c->timer, &tv) != 0) {
		h2_free(c);
		return (-1);
	}
	c->lingering = 1;
	return (0);
}

/* The next piece of a response body, copied from the shared static body. */
static ssize_t
h2_body(nghttp2_session *session, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *source, void *arg)
{
	struct h2stream	*s = source->ptr;
	struct h2conn	*c = arg;
	size_t		 off, n = length;

	if (c->w->t->h2_fault == H2_FAULT_ENDLESS) {
		if (n > H2_ENDLESS_FRAME)
			n = H2_ENDLESS_FRAME;
	} else if (n > s->bytes - s->sent)
		n = (size_t)(s->bytes - s->sent);
	off = (size_t)(s->sent % TARGET_BODY_STATIC);
	if (n > TARGET_BODY_STATIC - off)
		n = TARGET_BODY_STATIC - off;
	memcpy(buf, target_body + off, n);
	s->sent += n;
	if (c->w->t->h2_fault != H2_FAULT_ENDLESS && s->sent == s->bytes)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return ((ssize_t)n);
}

/*
 * A request is complete: submit its response, or its RST_STREAM under
 * rst-every=N, or nothing once goaway-after=N has decided to stop. Called
 * from nghttp2's callbacks. Returns an nghttp2 error code.
 */
static int
h2_answer(struct h2conn *c, struct h2stream *s)
{
	struct target		*t = c->w->t;
	nghttp2_data_provider	 dp;
	nghttp2_nv		 nva[4];
	char			 status[8], length[24], body_in[24];
	size_t			 nnv = 0;
	int			 status_n, body, rv;

#define H2_NV(n, v) do {						\
	nva[nnv].name = (uint8_t *)(n);					\
	nva[nnv].namelen = sizeof (n) - 1;				\
	nva[nnv].value = (uint8_t *)(v);				\
	nva[nnv].valuelen = strlen(v);					\
	nva[nnv].flags = NGHTTP2_NV_FLAG_NO_COPY_NAME;			\
	nnv++;								\
} while (0)

	s->t0 = target_now_us();
	if (c->goaway)
		return (0);
	if (t->h2_fault == H2_FAULT_RST_EVERY && s->ordinal % t->h2_n == 0)
		return (nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE,
		    s->id, NGHTTP2_INTERNAL_ERROR));

	status_n = s->bad ? 400 : s->status;
	if (s->bad)
		s->bytes = 0;
	body = !s->head && status_n != 204 && status_n != 304 &&
	    (s->bytes != 0 || t->h2_fault == H2_FAULT_ENDLESS);
	snprintf(status, sizeof status, "%d", status_n);
	H2_NV(":status", status);
	H2_NV("content-type", "text/plain");
	if (t->h2_fault != H2_FAULT_ENDLESS && status_n != 204 &&
	    status_n != 304) {
		snprintf(length, sizeof length, "%llu",
		    (unsigned long long)s->bytes);
		H2_NV("content-length", length);
	}
	snprintf(body_in, sizeof body_in, "%llu",
	    (unsigned long long)s->body_in);
	H2_NV("x-body-received", body_in);
#undef H2_NV

	dp.source.ptr = s;
	dp.read_callback = h2_body;
	rv = nghttp2_submit_response(c->session, s->id, nva, nnv,
	    body ? &dp : NULL);
	if (rv != 0)
		return (rv);
	s->responding = 1;
	c->pending++;
	c->answered++;
	if (s->id > c->last_id)
		c->last_id = s->id;
	STATS_ADD(c->w, requests, 1);
	if (t->h2_fault == H2_FAULT_GOAWAY_AFTER && c->answered >= t->h2_n)
		c->goaway = 1;
	return (0);
}

/* Under window=N: hand the window back in N-byte steps only. */
static int
h2_consume(struct h2conn *c, struct h2stream *s, int all)
{
	uint32_t	n = c->w->t->h2_n;
	int		rv;

	while (s->unconsumed >= n) {
		if ((rv = nghttp2_session_consume(c->session, s->id, n)) != 0)
			return (rv);
		s->unconsumed -= n;
	}
	/* The stream is closed for reading: the connection wants it back. */
	if (all && s->unconsumed != 0) {
		rv = nghttp2_session_consume_connection(c->session,
		    (size_t)s->unconsumed);
		if (rv != 0)
			return (rv);
		s->unconsumed = 0;
	}
	return (0);
}

/* A new request's HEADERS begins: give it a stream struct. */
static int
h2_on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame,
    void *arg)
{
	struct h2conn	*c = arg;
	struct h2stream	*s;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return (0);
	s = h2_stream_new(c, frame->hd.stream_id);
	if (nghttp2_session_set_stream_user_data(session, s->id, s) != 0)
		return (NGHTTP2_ERR_CALLBACK_FAILURE);
	return (0);
}

/* One request header: the method and the query parameters matter. */
static int
h2_on_header(nghttp2_session *session, const nghttp2_frame *frame,
    const uint8_t *name, size_t namelen, const uint8_t *value,
    size_t valuelen, uint8_t flags, void *arg)
{
	struct h2conn	*c = arg;
	struct h2stream	*s;
	struct behav	 b;
	const char	*q, *bad;
	size_t		 badlen;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return (0);
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (s == NULL)
		return (0);
	if (namelen == 7 && memcmp(name, ":method", 7) == 0)
		s->head = valuelen == 4 && memcmp(value, "HEAD", 4) == 0;
	else if (namelen == 5 && memcmp(name, ":path", 5) == 0 &&
	    (q = memchr(value, '?', valuelen)) != NULL) {
		q++;
		memcpy(&b, &c->w->t->defaults, sizeof b);
		if (behav_query(&b, q, valuelen - (size_t)(q -
		    (const char *)value), &bad, &badlen) != 0)
			s->bad = 1;
		s->status = b.status;
		s->bytes = b.bytes;
	}
	return (0);
}

/* A whole frame arrived: a request that ended is answered. */
static int
h2_on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame,
    void *arg)
{
	struct h2conn	*c = arg;
	struct h2stream	*s;
	int		 rv;

	if ((frame->hd.type != NGHTTP2_HEADERS &&
	    frame->hd.type != NGHTTP2_DATA) ||
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0)
		return (0);
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (s == NULL)
		return (0);
	if (c->w->t->h2_fault == H2_FAULT_WINDOW &&
	    (rv = h2_consume(c, s, 1)) != 0)
		return (rv);
	if (h2_answer(c, s) != 0)
		return (NGHTTP2_ERR_CALLBACK_FAILURE);
	return (0);
}

/* Request body bytes: counted and dropped. */
static int
h2_on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *arg)
{
	struct h2conn	*c = arg;
	struct h2stream	*s;

	STATS_ADD(c->w, body_bytes_in, len);
	s = nghttp2_session_get_stream_user_data(session, id);
	if (s == NULL) {
		if (c->w->t->h2_fault == H2_FAULT_WINDOW)
			return (nghttp2_session_consume_connection(session,
			    len));
		return (0);
	}
	s->body_in += len;
	if (c->w->t->h2_fault == H2_FAULT_WINDOW) {
		s->unconsumed += len;
		return (h2_consume(c, s, 0));
	}
	return (0);
}

/* A frame went out: END_STREAM on a response completes it. */
static int
h2_on_frame_send(nghttp2_session *session, const nghttp2_frame *frame,
    void *arg)
{
	struct h2conn	*c = arg;
	struct h2stream	*s;

	if ((frame->hd.type != NGHTTP2_HEADERS &&
	    frame->hd.type != NGHTTP2_DATA) ||
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0)
		return (0);
	s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (s == NULL || !s->responding || s->done)
		return (0);
	s->done = 1;
	c->pending--;
	stats_record(c->w, target_now_us() - s->t0);
	return (0);
}

/* A stream closed, answered or reset by either side: release it. */
static int
h2_on_stream_close(nghttp2_session *session, int32_t id, uint32_t error,
    void *arg)
{
	struct h2conn	*c = arg;
	struct h2stream	*s;

	s = nghttp2_session_get_stream_user_data(session, id);
	if (s == NULL)
		return (0);
	if (s->responding && !s->done)
		c->pending--;
	if (c->w->t->h2_fault == H2_FAULT_WINDOW && s->unconsumed != 0 &&
	    nghttp2_session_consume_connection(session,
	    (size_t)s->unconsumed) != 0)
		return (NGHTTP2_ERR_CALLBACK_FAILURE);
	if (nghttp2_session_set_stream_user_data(session, id, NULL) != 0)
		return (NGHTTP2_ERR_CALLBACK_FAILURE);
	h2_stream_release(c, s);
	return (0);
}

/* The server's session and its SETTINGS, as the fault wants them. */
static void
h2_session_start(struct h2conn *c)
{
	struct target			*t = c->w->t;
	nghttp2_session_callbacks	*cb;
	nghttp2_option			*opt;
	nghttp2_settings_entry		 iv[1];
	size_t				 niv = 0;

	if (nghttp2_session_callbacks_new(&cb) != 0 ||
	    nghttp2_option_new(&opt) != 0)
		target_fatalx("nghttp2: out of memory");
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
	    h2_on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2_on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
	    h2_on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	    h2_on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb,
	    h2_on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    h2_on_stream_close);
	switch (t->h2_fault) {
	case H2_FAULT_MAX_STREAMS:
		iv[niv].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
		iv[niv++].value = t->h2_n;
		break;
	case H2_FAULT_WINDOW:
		iv[niv].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
		iv[niv++].value = t->h2_n;
		nghttp2_option_set_no_auto_window_update(opt, 1);
		break;
	case H2_FAULT_GOAWAY_AFTER:
		c->goaway = t->h2_n == 0;
		break;
	default:
		break;
	}
	if (nghttp2_session_server_new2(&c->session, cb, c, opt) != 0)
		target_fatalx("nghttp2_session_server_new2 failed");
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	if (nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, iv,
	    niv) != 0)
		target_fatalx("nghttp2_submit_settings failed");
}

/*
 * Move what the session has to send into the output, up to H2_OUT_HIGH
 * (the write callback asks for more); end the connection once the session
 * wants nothing more and the output has drained. Returns -1 when c was
 * freed.
 */
static int
h2_flush(struct h2conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	const uint8_t	*data;
	ssize_t		 n;

	for (;;) {
		/*
		 * goaway-after: once every answer is out, GOAWAY and close.
		 * The last answer's on_frame_send may come from the call of
		 * mem_send that returns 0: look again then.
		 */
		if (c->goaway && c->pending == 0 && !c->terminated) {
			if (nghttp2_session_terminate_session2(c->session,
			    c->last_id, NGHTTP2_NO_ERROR) != 0) {
				h2_free(c);
				return (-1);
			}
			c->terminated = 1;
		}
		if (evbuffer_get_length(out) >= H2_OUT_HIGH)
			break;
		if ((n = nghttp2_session_mem_send(c->session, &data)) < 0) {
			h2_free(c);
			return (-1);
		}
		if (n == 0) {
			if (c->goaway && c->pending == 0 && !c->terminated)
				continue;
			break;
		}
		if (evbuffer_add(out, data, (size_t)n) != 0)
			target_fatalx("evbuffer_add failed");
		STATS_ADD(c->w, bytes_out, (uint64_t)n);
	}
	if (!nghttp2_session_want_read(c->session) &&
	    !nghttp2_session_want_write(c->session) &&
	    evbuffer_get_length(out) == 0)
		return (h2_linger(c));
	return (0);
}

/* Client bytes: into the session, or dropped as the fault wants. */
static void
h2_read(struct bufferevent *bev, void *arg)
{
	struct h2conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 len = evbuffer_get_length(in), n;
	unsigned char	*p;
	ssize_t		 rv;

	STATS_ADD(c->w, bytes_in, len);
	if (c->lingering || c->session == NULL) {
		if (c->w->t->h2_fault == H2_FAULT_GARBAGE &&
		    c->preface < H2_PREFACE_LEN) {
			c->preface += len;
			if (c->preface >= H2_PREFACE_LEN) {
				if (bufferevent_write(bev, h2_garbage,
				    sizeof h2_garbage - 1) != 0)
					target_fatalx("bufferevent_write "
					    "failed");
				STATS_ADD(c->w, bytes_out,
				    sizeof h2_garbage - 1);
			}
		}
		if (evbuffer_drain(in, len) != 0)
			target_fatalx("evbuffer_drain failed");
		return;
	}
	while ((n = evbuffer_get_contiguous_space(in)) > 0) {
		if ((p = evbuffer_pullup(in, (ssize_t)n)) == NULL)
			target_fatalx("evbuffer_pullup failed");
		rv = nghttp2_session_mem_recv(c->session, p, n);
		if (rv < 0) {
			h2_free(c);
			return;
		}
		if (evbuffer_drain(in, n) != 0)
			target_fatalx("evbuffer_drain failed");
	}
	(void)h2_flush(c);
}

/* The output drained: send more, or finish. */
static void
h2_write(struct bufferevent *bev, void *arg)
{
	struct h2conn	*c = arg;

	(void)bev;
	if (c->session != NULL && !c->lingering)
		(void)h2_flush(c);
}

/* The client closed or the socket failed: free everything. */
static void
h2_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		h2_free(arg);
}

/* The lingering close timed out. */
static void
h2_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	h2_free(arg);
}

/* The listener's callback under --h2: a new client connection. */
void
h2_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct worker	*w = arg;
	struct h2conn	*c;
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
	LIST_INIT(&c->live);
	LIST_INIT(&c->idle);
	c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		(void)close(fd);
		free(c);
		return;
	}
	if (evtimer_assign(&c->timer, w->base, h2_timer, c) != 0)
		target_fatalx("evtimer_assign failed");
	bufferevent_setcb(c->bev, h2_read, h2_write, h2_event, c);
	LIST_INSERT_HEAD(&w->h2conns, c, entry);
	STATS_ADD(w, connections, 1);
	STATS_ADD(w, active, 1);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0) {
		h2_free(c);
		return;
	}
	if (w->t->h2_fault == H2_FAULT_NO_SETTINGS ||
	    w->t->h2_fault == H2_FAULT_GARBAGE)
		return;
	h2_session_start(c);
	(void)h2_flush(c);
}
