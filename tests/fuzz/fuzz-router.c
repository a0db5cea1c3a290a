/* SPDX-License-Identifier: MIT */
/*
 * fuzz-router.c -- the HTTP API end to end: routing, authorisation, body
 * handling and the handlers behind them. LLVMFuzzerInitialize starts one
 * API on 127.0.0.1:0 with a temporary database holding a scenario, an
 * ended run with a baseline and a queued run; each input becomes one HTTP
 * request over a new TCP connection. The answer must come (1 s timeout)
 * and its status must not be 5xx: loadd has no reason to fail on bad input.
 *
 * The request is framed here, so that it is always complete: input byte 0
 * picks Content-Length (even) or chunked (odd) framing, the rest is the
 * request line and headers up to the first CRLF CRLF, then the body. The
 * harness drops the input's own framing (Content-Length, Transfer-Encoding,
 * Connection, empty lines) and adds its own plus "Connection: close".
 * libmicrohttpd may close on a malformed request line or header without
 * answering; only a well-formed request must get an answer.
 *
 * No run ever starts: max_queue is 0 and the allowlist names only
 * 192.0.2.1 (TEST-NET), the main event_base is never dispatched, and
 * getaddrinfo() is limited to numeric addresses, so no name is looked up.
 * State persists between inputs (a DELETE stays deleted): a crash found
 * late may need its predecessors to reproduce. FUZZ_VERBOSE=1 in the
 * environment prints each status and request line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "loadd.h"

#define FUZZ_TIMEOUT_MS	1000
#define FUZZ_RESP_MAX	(1024 * 1024)

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char			 fuzz_dir[256];
static struct config		*fuzz_config;
static struct event_base	*fuzz_base;
static struct store		*fuzz_store;
static struct runs		*fuzz_runs;
static struct api		*fuzz_api;
static struct sockaddr_in	 fuzz_addr;
static char			*fuzz_resp;

static const char fuzz_scenario[] = "{\"name\":\"demo\",\"target\":"
    "\"http://192.0.2.1:8080\",\"requests\":[{\"name\":\"home\",\"path\":"
    "\"/\"}],\"load\":{\"executor\":\"constant-vus\",\"vus\":1,"
    "\"duration\":\"1s\"}}";

/*
 * Numeric addresses only: a scenario's target names must not reach the
 * resolver (slow, and traffic off the machine). Wins over libc's and
 * ASan's weak interceptor; dlsym finds libc's.
 */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	static int	(*real)(const char *, const char *,
			    const struct addrinfo *, struct addrinfo **);
	struct addrinfo	 h;

	if (real == NULL &&
	    (real = dlsym(RTLD_NEXT, "getaddrinfo")) == NULL)
		abort();
	if (hints != NULL)
		h = *hints;
	else {
		memset(&h, 0, sizeof h);
		h.ai_family = AF_UNSPEC;
	}
	h.ai_flags |= AI_NUMERICHOST;
	return (real(node, service, &h, res));
}

static int
fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)remove(path);
	return (0);
}

static void
fuzz_cleanup(void)
{
	api_stop(fuzz_api);
	fuzz_api = NULL;
	(void)nftw(fuzz_dir, fuzz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* Die in the fuzzer's init: nothing to fuzz without the API. */
static void __attribute__((noreturn))
fuzz_fatal(const char *what, char *cause)
{
	fprintf(stderr, "fuzz-router: %s: %s\n", what,
	    cause != NULL ? cause : "failed");
	exit(1);
}

/* A scenario, an interrupted run with a baseline, a queued run. */
static void
fuzz_seed(struct store *st)
{
	struct verror	 err;
	json_t		*doc, *spec, *labels;
	char		*cause = NULL;
	int64_t		 id;
	int		 created;

	if ((doc = json_loads(fuzz_scenario, 0, NULL)) == NULL)
		fuzz_fatal("seed", NULL);
	if ((spec = scenario_validate(doc, &fuzz_config->limits, &err)) ==
	    NULL)
		fuzz_fatal("seed", err.message);
	json_decref(doc);
	if (store_scenario_put(st, "demo", spec, &created, &cause) != 0)
		fuzz_fatal("store_scenario_put", cause);
	labels = json_pack("{s:s}", "env", "fuzz");
	if (store_run_insert(st, spec, labels, NULL, &id, &cause) != 0 ||
	    store_run_set_status(st, id, "running", &cause) != 0)
		fuzz_fatal("store_run_insert", cause);
	if (store_run_insert(st, spec, labels, NULL, &id, &cause) != 0)
		fuzz_fatal("store_run_insert", cause);
	json_decref(labels);
	json_decref(spec);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct config	*c;
	const char	*addr, *colon;
	char		*cause = NULL;

	log_init(LOG_CRIT, 0);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		abort();
	/* Under run.sh's TMPDIR, removed even when a crash skips atexit. */
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/loadd-fuzz-router.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		fuzz_fatal("mkdtemp", strerror(errno));
	atexit(fuzz_cleanup);

	c = config_default();
	free(c->listen);
	c->listen = xstrdup("127.0.0.1:0");
	free(c->db);
	xasprintf(&c->db, "%s/loadd.db", fuzz_dir);
	c->threads = 1;
	free(c->allow_targets);
	c->allow_targets = xstrdup("192.0.2.1/32");
	c->max_queue = 0;
	c->log_level = LOG_CRIT;
	fuzz_config = c;

	if (evthread_use_pthreads() != 0)
		fuzz_fatal("evthread_use_pthreads", NULL);
	if ((fuzz_base = event_base_new()) == NULL)
		fuzz_fatal("event_base_new", NULL);
	store_init();
	fuzz_store = store_open(c->db, STORE_LOCK | STORE_MIGRATE, &cause);
	if (fuzz_store == NULL)
		fuzz_fatal("store_open", cause);
	fuzz_seed(fuzz_store);
	fuzz_runs = runs_create(fuzz_base, c, fuzz_store);
	{
		int	created;

		if (store_baseline_put(fuzz_store, "base", 1, &created,
		    &cause) != 0)
			fuzz_fatal("store_baseline_put", cause);
	}
	if ((fuzz_api = api_create(c, &cause)) == NULL)
		fuzz_fatal("api_create", cause);
	if (api_start(fuzz_api, fuzz_runs, &cause) != 0)
		fuzz_fatal("api_start", cause);

	addr = api_address(fuzz_api);
	colon = strrchr(addr, ':');
	memset(&fuzz_addr, 0, sizeof fuzz_addr);
	fuzz_addr.sin_family = AF_INET;
	fuzz_addr.sin_port = htons((uint16_t)atoi(colon + 1));
	fuzz_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fuzz_resp = xmalloc(FUZZ_RESP_MAX + 1);
	return (0);
}

/* Append n bytes to a growing buffer. */
static void
fuzz_add(char **buf, size_t *len, const void *p, size_t n)
{
	*buf = xreallocarray(*buf, *len + n + 1, 1);
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Does the header line name one of the framing headers we set ourselves? */
static int
fuzz_framing(const char *line, size_t len)
{
	static const char	*names[] = {
		"content-length", "transfer-encoding", "connection"
	};
	size_t			 i, n;
	const char		*p;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		n = strlen(names[i]);
		for (p = line; p + n <= line + len; p++) {
			if (strncasecmp(p, names[i], n) == 0)
				return (1);
		}
	}
	return (0);
}

/* Build a complete request from the input; returns its length. */
static size_t
fuzz_request(const uint8_t *data, size_t size, char **out)
{
	const char	*head = (const char *)data + 1, *end, *line, *nl;
	const char	*body;
	char		*buf = NULL, hdr[64];
	size_t		 len = 0, headlen, bodylen, n, off, chunk;
	int		 chunked = data[0] & 1;

	size--;
	end = memmem(head, size, "\r\n\r\n", 4);
	if (end != NULL) {
		headlen = (size_t)(end - head);
		body = end + 4;
		bodylen = size - headlen - 4;
	} else {
		headlen = size;
		body = head + size;
		bodylen = 0;
	}
	fuzz_add(&buf, &len, "", 0);
	for (line = head; line < head + headlen; line = nl + 1) {
		if ((nl = memchr(line, '\n', head + headlen - line)) == NULL)
			nl = head + headlen;
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > 0 && !fuzz_framing(line, n)) {
			fuzz_add(&buf, &len, line, n);
			fuzz_add(&buf, &len, "\r\n", 2);
		}
		if (nl == head + headlen)
			break;
	}
	fuzz_add(&buf, &len, "Connection: close\r\n", 19);
	if (!chunked) {
		n = (size_t)snprintf(hdr, sizeof hdr,
		    "Content-Length: %zu\r\n\r\n", bodylen);
		fuzz_add(&buf, &len, hdr, n);
		fuzz_add(&buf, &len, body, bodylen);
	} else {
		fuzz_add(&buf, &len, "Transfer-Encoding: chunked\r\n\r\n", 30);
		/* Chunks of 1 + data[0] / 2 bytes. */
		for (off = 0; off < bodylen; off += chunk) {
			chunk = 1 + data[0] / 2;
			if (chunk > bodylen - off)
				chunk = bodylen - off;
			n = (size_t)snprintf(hdr, sizeof hdr, "%zx\r\n", chunk);
			fuzz_add(&buf, &len, hdr, n);
			fuzz_add(&buf, &len, body + off, chunk);
			fuzz_add(&buf, &len, "\r\n", 2);
		}
		fuzz_add(&buf, &len, "0\r\n\r\n", 5);
	}
	*out = buf;
	return (len);
}

/* An RFC 9110 token character. */
static int
fuzz_tchar(int ch)
{
	return (isalnum(ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~",
	    ch) != NULL));
}

/*
 * Is the request well formed: METHOD SP TARGET SP HTTP/1.x, then NAME:
 * VALUE lines? libmicrohttpd may drop a malformed one without an answer;
 * a well-formed one must be answered.
 */
static int
fuzz_wellformed(const char *req, size_t len)
{
	const char	*p = req, *end = req + len, *eol;
	unsigned char	 ch;

	if ((eol = memmem(p, len, "\r\n", 2)) == NULL || p == eol ||
	    !fuzz_tchar((unsigned char)*p))
		return (0);
	while (p < eol && fuzz_tchar((unsigned char)*p))
		p++;
	if (p == eol || *p++ != ' ' || p == eol || *p == ' ')
		return (0);
	while (p < eol && *p > ' ' && *p < 0x7f)
		p++;
	if (eol - p != 9 || (strncmp(p, " HTTP/1.0", 9) != 0 &&
	    strncmp(p, " HTTP/1.1", 9) != 0))
		return (0);
	for (p = eol + 2; p < end && strncmp(p, "\r\n", 2) != 0; p = eol + 2) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL ||
		    !fuzz_tchar((unsigned char)*p))
			return (0);
		while (p < eol && fuzz_tchar((unsigned char)*p))
			p++;
		if (p == eol || *p++ != ':')
			return (0);
		for (; p < eol; p++) {
			ch = (unsigned char)*p;
			if (ch != '\t' && (ch < ' ' || ch == 0x7f))
				return (0);
		}
	}
	return (1);
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC ms), at least 0. */
static int
fuzz_left(uint64_t deadline)
{
	struct timespec	ts;
	uint64_t	now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	return (now >= deadline ? 0 : (int)(deadline - now));
}

/* How the last exchange ended, for the report of a missing answer. */
static const char	*fuzz_how;
static int		 fuzz_ms;
static size_t		 fuzz_sent;

/* Send req and read the answer until close or the deadline: its length. */
static size_t
fuzz_exchange(const char *req, size_t reqlen)
{
	struct pollfd	pfd;
	struct timespec	ts;
	uint64_t	deadline;
	size_t		off = 0, got = 0;
	ssize_t		n;
	int		fd, error = 0;
	socklen_t	elen = sizeof error;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec /
	    1000000 + FUZZ_TIMEOUT_MS;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		perror("socket");
		abort();
	}
	if (connect(fd, (struct sockaddr *)&fuzz_addr, sizeof fuzz_addr) ==
	    -1 && errno != EINPROGRESS) {
		perror("connect");
		abort();
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	while ((n = poll(&pfd, 1, fuzz_left(deadline))) == -1 && errno == EINTR)
		/* again */;
	if (n != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &elen) == -1 ||
	    error != 0) {
		fprintf(stderr, "cannot connect to the API: %s\n",
		    strerror(error));
		abort();
	}
	/* Write and read at once: the server may answer before the body. */
	fuzz_how = "timeout";
	for (;;) {
		pfd.events = POLLIN | (off < reqlen ? POLLOUT : 0);
		/* libFuzzer's SIGALRM (-timeout) interrupts poll. */
		if ((n = poll(&pfd, 1, fuzz_left(deadline))) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* timeout */
		if ((pfd.revents & POLLOUT) && off < reqlen) {
			n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN && errno != EINTR)
				off = reqlen;	/* the server closed */
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, fuzz_resp + got, FUZZ_RESP_MAX - got, 0);
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR)) {
				fuzz_how = n == 0 ? "closed" : strerror(errno);
				break;
			}
			if (n > 0)
				got += (size_t)n;
			if (got == FUZZ_RESP_MAX)
				break;
		}
	}
	close(fd);
	fuzz_sent = off;
	fuzz_ms = FUZZ_TIMEOUT_MS - fuzz_left(deadline);
	fuzz_resp[got] = '\0';
	return (got);
}

/* The final status of the response (1xx skipped), or -1 if none. */
static int
fuzz_status(const char *resp, size_t len, const char **rest)
{
	const char	*p = resp, *e;
	int		 status;

	for (;;) {
		if ((size_t)(p - resp) + 12 > len ||
		    strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
		    !isdigit((unsigned char)p[9]) ||
		    !isdigit((unsigned char)p[10]) ||
		    !isdigit((unsigned char)p[11]))
			return (-1);
		status = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
		    (p[11] - '0');
		if (status / 100 != 1 || status == 101) {
			*rest = p;
			return (status);
		}
		if ((e = memmem(p, len - (size_t)(p - resp), "\r\n\r\n",
		    4)) == NULL)
			return (-1);
		p = e + 4;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*final;
	char		*req;
	size_t		 reqlen, got;
	int		 status;

	if (size < 1)
		return (-1);
	reqlen = fuzz_request(data, size, &req);
	got = fuzz_exchange(req, reqlen);
	status = fuzz_status(fuzz_resp, got, &final);
	if (status == -1 && fuzz_wellformed(req, reqlen)) {
		fprintf(stderr, "no answer (%zu bytes; %s after %d ms, %zu "
		    "of %zu bytes sent) to:\n%.*s\n", got, fuzz_how, fuzz_ms,
		    fuzz_sent, reqlen, (int)(reqlen > 2000 ? 2000 : reqlen),
		    req);
		abort();
	}
	/*
	 * 505 (HTTP version) is libmicrohttpd's answer to a bad request
	 * line, before loadd sees it; every other 5xx is loadd's.
	 */
	if (status == -1) {
		free(req);
		return (0);
	}
	if (status >= 500 && status != 505) {
		fprintf(stderr, "status %d to:\n%.*s\n--- answer:\n%.*s\n",
		    status, (int)(reqlen > 2000 ? 2000 : reqlen), req,
		    (int)(got > 2000 ? 2000 : got), final);
		abort();
	}
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%d %.*s\n", status,
		    (int)strcspn((const char *)data + 1, "\r\n"),
		    (const char *)data + 1);
	free(req);
	return (0);
}
