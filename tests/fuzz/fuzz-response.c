/* SPDX-License-Identifier: MIT */
/*
 * fuzz-response.c -- the load engine's response path (conn.c with h1.c and
 * http-parser, or, built as fuzz-h2 with FUZZ_H2, h2.c and nghttp2) on any
 * bytes a server could send. One end of a socketpair is adopted by a
 * struct conn as if connected; a fixed request goes out (over h2, one to
 * three streams at once), the input comes back in pieces, then EOF. Each
 * callback must fire exactly once (a 200 ms request timeout bounds the
 * wait); any result is fine.
 *
 * Input: a 4-byte header, then the response bytes.
 *   byte 0  flags: 0x01 keep-alive (h2: three streams, not one), 0x02 HEAD, 0x0c read buffer size
 *           (16, 256, 4096 or 65536 bytes), 0x10 a 256 KiB request body,
 *           0x20 leave the request unread (the body then blocks),
 *           0x40 the request reads its response: two captures, three
 *           checks and cookies, with 64 bytes of body kept (inspect.c)
 *   byte 1..3  lengths of the first three pieces; the rest is the fourth
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "loadd.h"
#include "conn.h"

#ifndef FUZZ_H2
#define FUZZ_H2		0	/* fuzz-h2.c sets it */
#endif
#define FUZZ_BODY	(256 * 1024)
#define FUZZ_RBUF	65536

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct event_base	*fuzz_base;
static struct conn_ctx		 fuzz_ctx;
static struct plan_endpoint	 fuzz_ep;
static unsigned char		*fuzz_rbuf;
static char			*fuzz_body;
static struct plan_inspect	*fuzz_pi;
static struct inspect_pool	 fuzz_pool = { NULL, 64, 0 };
static struct conn_inspect	 fuzz_empty;
static struct jar		 fuzz_jar;
static struct conn		 fuzz_h2conn;	/* h2: the pool's one */
static struct conn_pool		 fuzz_h2pool = { &fuzz_h2conn, 1 };
static const char		 fuzz_inspect[] = "{\"capture\": {\"t\": "
    "{\"json\": \"/a/0/t\"}, \"h\": {\"header\": \"X-Id\"}, \"b\": "
    "{\"between\": [\"<\", \">\"]}}, \"checks\": [{\"body_contains\": "
    "\"ok\"}, {\"json\": \"/s\", \"equals\": \"ok\"}, {\"header\": "
    "\"Content-Type\", \"contains\": \"json\"}]}";
static const struct timeval	 fuzz_tv = { 0, 200 * 1000 };
static const struct timeval	*fuzz_timeouts[1] = { &fuzz_tv };
static char			 fuzz_get[] =
    "GET /fuzz HTTP/1.1\r\nHost: fuzz\r\n\r\n";
static char			 fuzz_head[] =
    "HEAD /fuzz HTTP/1.1\r\nHost: fuzz\r\n\r\n";

/* What the callback saw. */
struct fuzz_state {
	int			calls;
	int			want;	/* callbacks due */
	struct conn_result	res;	/* the first exchange's */
};

static uint64_t
fuzz_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un	*sun;

	log_init(LOG_CRIT, 0);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		abort();
	if ((fuzz_base = event_base_new()) == NULL)
		abort();
	fuzz_rbuf = xmalloc(FUZZ_RBUF);
	fuzz_body = xmalloc(FUZZ_BODY);
	memset(fuzz_body, 'b', FUZZ_BODY);

	/* Never used: a reconnect would fail here rather than go anywhere. */
	fuzz_ep.host = (char *)"fuzz";
	sun = (struct sockaddr_un *)&fuzz_ep.addr;
	sun->sun_family = AF_UNIX;
	strncpy(sun->sun_path, "/nonexistent/loadd-fuzz",
	    sizeof sun->sun_path - 1);
	fuzz_ep.addrlen = sizeof *sun;

	fuzz_ctx.base = fuzz_base;
	fuzz_ctx.rbuf = fuzz_rbuf;
	fuzz_ctx.rbufsize = FUZZ_RBUF;
	fuzz_ctx.endpoints = &fuzz_ep;
	fuzz_ctx.timeouts = fuzz_timeouts;
	fuzz_ctx.now = fuzz_now;
	{
		struct plan	p;
		json_t		*r = json_loads(fuzz_inspect, 0, NULL);

		memset(&p, 0, sizeof p);
		if (r == NULL || (fuzz_pi = inspect_compile(&p, r, 1)) == NULL)
			abort();
		json_decref(r);
		fuzz_ctx.ipool = &fuzz_pool;
		fuzz_empty.body = fuzz_empty.hbuf = (char *)"";
		fuzz_empty.pi = fuzz_pi;
	}
	if (FUZZ_H2) {
		h2_ctx_init(&fuzz_ctx);
		fuzz_ctx.protocol = PROTO_H2;
		fuzz_ctx.pools = &fuzz_h2pool;
	}
	return (0);
}

static void
fuzz_done(struct exch *x, const struct conn_result *res, void *arg)
{
	struct fuzz_state	*st = arg;

	if (st->calls++ == 0 || x->affinity == 0)
		st->res = *res;
}

/* Read and drop what the client wrote, if anything. */
static void
fuzz_drain(int fd)
{
	char	buf[65536];

	while (read(fd, buf, sizeof buf) > 0)
		/* nothing */;
}

/* Send one piece to the client, letting it read while the pipe is full. */
static void
fuzz_send(int fd, const uint8_t *p, size_t len, int drain,
    struct fuzz_state *st)
{
	ssize_t	n;
	int	spins = 0;

	while (len > 0) {
		if (drain)
			fuzz_drain(fd);
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* The client must make room, or give up. */
			event_base_loop(fuzz_base, EVLOOP_ONCE);
			if (st->calls >= st->want || ++spins > 1000)
				return;
			continue;
		}
		if (n <= 0)
			return;		/* the client closed its end */
		p += n;
		len -= (size_t)n;
	}
	event_base_loop(fuzz_base, EVLOOP_NONBLOCK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 rbufs[4] = { 16, 256, 4096, FUZZ_RBUF };
	struct plan_req		 req;
	struct conn		 h1conn, *c = FUZZ_H2 ? &fuzz_h2conn : &h1conn;
	struct exch		 xs[3], *x = &xs[0];
	struct fuzz_state	 st;
	size_t			 cut[4], i, off;
	uint8_t			 flags;
	int			 sv[2], drain, spins, k, n = 1;

	if (size < 4)
		return (-1);
	flags = data[0];
	cut[0] = data[1];
	cut[1] = data[2];
	cut[2] = data[3];
	data += 4;
	size -= 4;

	memset(&req, 0, sizeof req);
	strcpy(req.name, "fuzz");
	req.stat = 0;
	req.endpoint = 0;
	req.head = (flags & 0x02) != 0;
	req.wire = req.head ? fuzz_head : fuzz_get;
	req.wirelen = strlen(req.wire);
	if (flags & 0x10) {
		req.body = fuzz_body;
		req.bodylen = FUZZ_BODY;
	}
	req.timeout_ns = 200 * 1000000ULL;
	fuzz_ctx.keepalive = (flags & 0x01) != 0;
	if (FUZZ_H2 && (flags & 0x01))
		n = 3;
	fuzz_ctx.rbufsize = rbufs[(flags >> 2) & 3];
	drain = (flags & 0x20) == 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1) {
		perror("socketpair");
		abort();
	}
	memset(&st, 0, sizeof st);
	st.want = n;
	conn_init(c, &fuzz_ctx);
	conn_adopt(c, sv[0], 0, FUZZ_H2 ? PROTO_H2 : PROTO_H1);
	if (flags & 0x40)
		req.ins = fuzz_pi;
	for (k = 0; k < n; k++) {
		exch_init(&xs[k], &fuzz_ctx, c, (unsigned)k);
		exch_start(&xs[k], &req, fuzz_done, &st);
	}

	/* The response in four pieces, the client running between them. */
	off = 0;
	for (i = 0; i < 4; i++) {
		if (i == 3 || cut[i] > size - off)
			cut[i] = size - off;
		fuzz_send(sv[1], data + off, cut[i], drain, &st);
		off += cut[i];
		if (st.calls >= n)
			break;
	}
	if (drain)
		fuzz_drain(sv[1]);
	close(sv[1]);

	/* EOF; the 200 ms timeout ends anything that still waits. */
	for (spins = 0; st.calls < n; spins++) {
		if (event_base_loop(fuzz_base, EVLOOP_ONCE) == 1 ||
		    spins > 100000) {
			fprintf(stderr, "no callback and nothing to wait "
			    "for\n");
			abort();
		}
	}
	/* Anything still pending must not call back a second time. */
	event_base_loop(fuzz_base, EVLOOP_NONBLOCK);
	event_base_loop(fuzz_base, EVLOOP_NONBLOCK);
	if (st.calls != n) {
		fprintf(stderr, "%d callbacks for %d requests\n", st.calls, n);
		abort();
	}
	if ((unsigned)st.res.kind >= ERR_NKINDS ||
	    (st.res.kind == ERR_NONE && (st.res.status < 0 ||
	    st.res.status > 999)) ||
	    (st.res.kind != ERR_NONE && st.res.example == NULL)) {
		fprintf(stderr, "bad result: kind %s, status %d\n",
		    err_kind_name(st.res.kind), st.res.status);
		abort();
	}
	if (flags & 0x40) {
		char		caps[3 * 16], ex[192], scratch[16];
		uint32_t	lens[3] = { 0, 0, 0 };
		uint64_t	set = 0;
		struct conn_inspect *fuzz_ci = x->ins != NULL ? x->ins :
		    &fuzz_empty;

		if (fuzz_ci->bodylen > fuzz_ci->bodycap ||
		    fuzz_ci->hlen > INSPECT_HDR_BYTES ||
		    fuzz_ci->nhv > INSPECT_HDRS_MAX)
			abort();
		if (st.res.kind == ERR_NONE) {
			/* Slots -1: values found, checked, not kept. */
			(void)inspect_eval(fuzz_pi, fuzz_ci, caps, lens, &set,
			    16, ~UINT64_C(0), scratch, ex, sizeof ex);
			inspect_cookies(fuzz_ci, &fuzz_jar, "fuzz", "/a/b", 4,
			    1700000000);
			if (fuzz_jar.used > JAR_BYTES)
				abort();
		}
		for (k = 0; k < n; k++) {
			inspect_give(&fuzz_pool, xs[k].ins);
			xs[k].ins = NULL;
		}
		/* One buffer a response, made once: as many as streams at most. */
		if (fuzz_pool.made > (FUZZ_H2 ? 3 : 1))
			abort();
	}
	for (k = 0; k < n; k++)
		exch_cancel(&xs[k]);
	conn_close(c);
	if (event_base_loop(fuzz_base, EVLOOP_NONBLOCK) != 1) {
		fprintf(stderr, "events left after conn_close\n");
		abort();
	}
	return (0);
}
