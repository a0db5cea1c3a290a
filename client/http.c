/* SPDX-License-Identifier: MIT */
/*
 * http.c -- the one libcurl handle loadctl talks to loadd through: builds
 * URLs from --server (http[s]:// or unix:/path), sends JSON bodies and the
 * bearer token, and hands back the status and the body. Blocking calls.
 */
#include "loadctl.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sse.h"

#define HTTP_CONNECT_TIMEOUT	10L	/* seconds */
#define HTTP_TIMEOUT		300L	/* seconds: large html reports */

static CURL	*http_curl;
static char	*http_base;	/* scheme://host[:port][/prefix], no '/' */
static char	*http_socket;	/* unix socket path, or NULL */

/* Create the handle and work out the base URL, once. */
static void
http_init(void)
{
	const char	*server = loadctl_opts.server;
	size_t		 len;

	if (http_curl != NULL)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		out_die(LOADCTL_EXIT_SERVER, "cannot initialise libcurl");
	if ((http_curl = curl_easy_init()) == NULL)
		out_die(LOADCTL_EXIT_SERVER, "cannot initialise libcurl");

	if (strncmp(server, "unix:", 5) == 0) {
		if (server[5] == '\0')
			out_die(LOADCTL_EXIT_USAGE,
			    "--server unix: needs a path");
		http_socket = xstrdup(server + 5);
		http_base = xstrdup("http://localhost");
	} else if (strstr(server, "://") == NULL)
		xasprintf(&http_base, "http://%s", server);
	else
		http_base = xstrdup(server);
	len = strlen(http_base);
	while (len > 0 && http_base[len - 1] == '/')
		http_base[--len] = '\0';
}

/* The server as the user should see it in messages. */
const char *
http_server(void)
{
	return (loadctl_opts.server);
}

/* Append what libcurl received to the response body. */
static size_t
http_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_response	*resp = arg;
	size_t			 add = size * n;
	char			*body;

	/* The size comes from the network: check rather than die. */
	if ((body = realloc(resp->body, resp->len + add + 1)) == NULL)
		return (0);
	memcpy(body + resp->len, data, add);
	resp->len += add;
	body[resp->len] = '\0';
	resp->body = body;
	return (add);
}

/*
 * Send METHOD PATH (path with query, starting with "/") with an optional
 * JSON body. Fills resp (caller frees with http_response_free) whatever the
 * HTTP status; returns -1 and a cause only when no answer came back.
 */
int
http_request(const char *method, const char *path, const json_t *body,
    struct http_response *resp, char **cause)
{
	char	*data = NULL;
	int	 rc;

	if (body != NULL &&
	    (data = json_dumps(body, JSON_COMPACT)) == NULL)
		out_die(LOADCTL_EXIT_SERVER, "out of memory");
	rc = http_request_raw(method, path, data, data != NULL ?
	    strlen(data) : 0, data != NULL ? "application/json" : NULL, resp,
	    cause);
	free(data);
	return (rc);
}

/* As http_request, with a body of len bytes of type ctype (or none). */
int
http_request_raw(const char *method, const char *path, const char *data,
    size_t len, const char *ctype, struct http_response *resp,
    char **cause)
{
	struct curl_slist	*hdrs = NULL;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url, *auth = NULL, *cth = NULL;
	CURLcode		 rc;

	http_init();
	memset(resp, 0, sizeof *resp);
	resp->body = xstrdup("");

	xasprintf(&url, "%s%s", http_base, path);
	curl_easy_reset(http_curl);
	errbuf[0] = '\0';
	curl_easy_setopt(http_curl, CURLOPT_URL, url);
	curl_easy_setopt(http_curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(http_curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(http_curl, CURLOPT_CONNECTTIMEOUT,
	    HTTP_CONNECT_TIMEOUT);
	curl_easy_setopt(http_curl, CURLOPT_TIMEOUT, HTTP_TIMEOUT);
	curl_easy_setopt(http_curl, CURLOPT_USERAGENT,
	    "loadctl/" PACKAGE_VERSION);
	curl_easy_setopt(http_curl, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(http_curl, CURLOPT_WRITEDATA, resp);
	if (http_socket != NULL)
		curl_easy_setopt(http_curl, CURLOPT_UNIX_SOCKET_PATH,
		    http_socket);

	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (loadctl_opts.token != NULL && *loadctl_opts.token != '\0') {
		xasprintf(&auth, "Authorization: Bearer %s",
		    loadctl_opts.token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (data != NULL) {
		xasprintf(&cth, "Content-Type: %s", ctype);
		hdrs = curl_slist_append(hdrs, cth);
		curl_easy_setopt(http_curl, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(http_curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	} else if (strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
		curl_easy_setopt(http_curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(http_curl, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (hdrs == NULL)
		out_die(LOADCTL_EXIT_SERVER, "out of memory");
	curl_easy_setopt(http_curl, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(http_curl, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") != 0)
		curl_easy_setopt(http_curl, CURLOPT_CUSTOMREQUEST, method);

	rc = curl_easy_perform(http_curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(http_curl, CURLINFO_RESPONSE_CODE,
		    &resp->status);
	else
		xasprintf(cause, "%s", errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));

	curl_slist_free_all(hdrs);
	free(cth);
	free(auth);
	free(url);
	return (rc == CURLE_OK ? 0 : -1);
}

/* Like http_request, but an unreachable server ends loadctl (exit 3). */
void
http_call(const char *method, const char *path, const json_t *body,
    struct http_response *resp)
{
	char	*cause = NULL;

	if (http_request(method, path, body, resp, &cause) == 0)
		return;
	http_response_free(resp);
	out_warn("cannot reach loadd at %s: %s", http_server(), cause);
	fprintf(stderr, "loadctl: is loadd running there? Point loadctl at "
	    "it with --server URL or LOADD_URL\n");
	free(cause);
	exit(LOADCTL_EXIT_SERVER);
}

/*
 * Call the API and return its parsed JSON body (NULL when empty, e.g. 204).
 * An error status is printed and ends loadctl with exit 3, as does a body
 * that is not JSON. The status goes to *status when it is not NULL.
 */
/*
 * The exit code for an error answer: 2 when the server refused the user's
 * input (400, 413: a bad scenario, tolerance or id), 3 otherwise (SPEC 13).
 */
int
http_exit_code(long status)
{
	if (status == 400 || status == 413)
		return (LOADCTL_EXIT_USAGE);
	return (LOADCTL_EXIT_SERVER);
}

json_t *
http_json(const char *method, const char *path, const json_t *body,
    long *status)
{
	struct http_response	 resp;
	json_t			*json = NULL;
	json_error_t		 jerr;

	http_call(method, path, body, &resp);
	if (status != NULL)
		*status = resp.status;
	if (resp.status >= 400 || resp.status < 200) {
		out_server_error(&resp);
		http_response_free(&resp);
		exit(http_exit_code(resp.status));
	}
	if (resp.len != 0) {
		json = json_loadb(resp.body, resp.len, JSON_DECODE_ANY, &jerr);
		if (json == NULL) {
			out_warn("%s %s: the server at %s answered %ld with "
			    "invalid JSON: %s", method, path, http_server(),
			    resp.status, jerr.text);
			http_response_free(&resp);
			exit(LOADCTL_EXIT_SERVER);
		}
	}
	http_response_free(&resp);
	return (json);
}

/* An event stream being read. */
struct http_stream {
	CURL		*curl;
	struct sse	 sse;
	long		 status;
	int		 stop;		/* the callback had enough, or bad */
	http_event_cb	 cb;
	http_tick_cb	 tick;
	void		*arg;
};

static size_t
http_stream_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_stream	*s = arg;
	size_t			 add = size * n;

	if (s->status == 0)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status != 200 || s->stop)
		return (0);
	if (sse_feed(&s->sse, data, add, s->cb, s->arg) != 0)
		s->stop = 1;
	return (s->stop ? 0 : add);
}

/* Called about once a second: lets the caller act (a Ctrl-C). */
static int
http_stream_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct http_stream	*s = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	if (s->tick != NULL && s->tick(s->arg) != 0)
		s->stop = 1;
	return (s->stop);
}

/*
 * Follow the server-sent events of GET path, calling cb for each event
 * until it returns non-zero or the stream ends, and tick about once a
 * second. Returns the HTTP status (200 when the stream was read), or -1
 * with *cause when no answer came back.
 */
long
http_events(const char *path, http_event_cb cb, http_tick_cb tick,
    void *arg, char **cause)
{
	struct http_stream	 s;
	struct curl_slist	*hdrs = NULL;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url, *auth = NULL;
	CURLcode		 rc;

	http_init();
	memset(&s, 0, sizeof s);
	s.cb = cb;
	s.tick = tick;
	s.arg = arg;
	if ((s.curl = curl_easy_init()) == NULL)
		out_die(LOADCTL_EXIT_SERVER, "cannot initialise libcurl");
	xasprintf(&url, "%s%s", http_base, path);
	errbuf[0] = '\0';
	curl_easy_setopt(s.curl, CURLOPT_URL, url);
	curl_easy_setopt(s.curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s.curl, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	/* no overall timeout: heartbeats come every 15 s */
	curl_easy_setopt(s.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(s.curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(s.curl, CURLOPT_USERAGENT, "loadctl/" PACKAGE_VERSION);
	curl_easy_setopt(s.curl, CURLOPT_WRITEFUNCTION, http_stream_write);
	curl_easy_setopt(s.curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(s.curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(s.curl, CURLOPT_XFERINFOFUNCTION,
	    http_stream_progress);
	curl_easy_setopt(s.curl, CURLOPT_XFERINFODATA, &s);
	if (http_socket != NULL)
		curl_easy_setopt(s.curl, CURLOPT_UNIX_SOCKET_PATH, http_socket);
	hdrs = curl_slist_append(hdrs, "Accept: text/event-stream");
	if (loadctl_opts.token != NULL && *loadctl_opts.token != '\0') {
		xasprintf(&auth, "Authorization: Bearer %s",
		    loadctl_opts.token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	curl_easy_setopt(s.curl, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(s.curl);
	if (s.status == 0)
		curl_easy_getinfo(s.curl, CURLINFO_RESPONSE_CODE, &s.status);
	if (rc != CURLE_OK && s.status == 0) {
		xasprintf(cause, "%s", errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));
		s.status = -1;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(s.curl);
	free(auth);
	free(url);
	sse_free(&s.sse);
	return (s.status);
}

/* Free a response's body; the struct itself is the caller's. */
void
http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

/* Percent-escape a path segment or query value; caller frees. */
char *
http_escape(const char *s)
{
	char	*e, *copy;

	http_init();
	if ((e = curl_easy_escape(http_curl, s, 0)) == NULL)
		out_die(LOADCTL_EXIT_SERVER, "out of memory");
	copy = xstrdup(e);
	curl_free(e);
	return (copy);
}

/* Append key=value (escaped) to a path's query; a NULL value is skipped. */
void
http_query_add(char **path, const char *key, const char *value)
{
	char	*e, *n;

	if (value == NULL)
		return;
	e = http_escape(value);
	xasprintf(&n, "%s%c%s=%s", *path, strchr(*path, '?') ? '&' : '?',
	    key, e);
	free(e);
	free(*path);
	*path = n;
}

/* Release the handle at exit. */
void
http_cleanup(void)
{
	if (http_curl != NULL) {
		curl_easy_cleanup(http_curl);
		curl_global_cleanup();
		http_curl = NULL;
	}
	free(http_base);
	free(http_socket);
	http_base = http_socket = NULL;
}
