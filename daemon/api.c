/* SPDX-License-Identifier: MIT */
/*
 * api.c -- the REST control plane: libmicrohttpd wiring, the route table,
 * token auth, body limits and the one JSON error shape. libmicrohttpd runs
 * every request on its single internal thread (the API thread), which owns
 * its own SQLite connection; handlers live in api-*.c.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config.h"
#include "loadd.h"

struct api {
	struct MHD_Daemon	*mhd;
	const struct config	*config;
	struct store		*store;
	struct runs		*runs;
	int			 fd;
	char			*address;	/* what we listen on, resolved */
	char			*unix_path;	/* to unlink at stop */
	time_t			 started;
	struct apiwork		*work;		/* blocking work, off MHD's thread */
	struct events		*events;	/* the event streams' hub */
};

static void	api_health(struct api_request *);

/*
 * The route table. Routes of later subsystems are added here as they land;
 * a path that matches no pattern is a 404, a method without a handler a 405.
 */
static const struct api_route api_routes[] = {
	{ "/v1/health", api_health, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/scenarios", api_scenarios_list, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/scenarios/{}", api_scenario_get, api_scenario_put, NULL, NULL,
	    api_scenario_delete, 0 },
	{ "/v1/runs", api_runs_list, NULL, api_run_create, NULL, NULL, 0 },
	{ "/v1/runs/{}", api_run_get, NULL, NULL, api_run_patch,
	    api_run_delete, 0 },
	{ "/v1/runs/{}/stop", NULL, NULL, api_run_stop, NULL, NULL, 0 },
	{ "/v1/runs/{}/timeseries", api_run_timeseries, NULL, NULL, NULL,
	    NULL, 0 },
	{ "/v1/runs/{}/samples", api_run_samples, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/runs/{}/events", api_run_events, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/runs/{}/report", api_run_report, NULL, NULL, NULL, NULL, 0 },
	{ "/metrics", api_metrics, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/runs/{}/compare", api_run_compare, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/baselines", api_baselines_list, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/baselines/{}", api_baseline_get, api_baseline_put, NULL, NULL,
	    api_baseline_delete, 0 },
	{ "/v1/data", api_data_list, NULL, NULL, NULL, NULL, 0 },
	{ "/v1/data/{}", api_data_get, api_data_put, NULL, NULL,
	    api_data_delete, 1 },
	{ "/v1/scenarios/{}/trend", api_scenario_trend, NULL, NULL, NULL, NULL,
	    0 },
	{ "/v1/executions/{}/push", NULL, NULL, api_execution_push, NULL, NULL,
	    0 },
	{ "/ui", api_ui, NULL, NULL, NULL, NULL, 0 },
	{ "/ui/", api_ui, NULL, NULL, NULL, NULL, 0 },
	{ "/ui/{}", api_ui, NULL, NULL, NULL, NULL, 0 },
};

/* The largest body a request to the route may send. */
static int64_t
api_body_max(const struct api_request *req)
{
	if (req->route != NULL && req->route->data)
		return (req->config->max_data_bytes);
	return (req->config->api_max_body);
}

uint64_t
api_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* Match url against pattern; on success *param is the {} segment, if any. */
static int
api_match(const char *pattern, const char *url, char **param)
{
	const char	*p = pattern, *u = url, *seg;

	*param = NULL;
	while (*p != '\0' && *u != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			seg = u;
			while (*u != '\0' && *u != '/')
				u++;
			if (u == seg)
				return (0);
			free(*param);
			*param = xstrndup(seg, (size_t)(u - seg));
			p += 2;
			continue;
		}
		if (*p != *u)
			break;
		p++;
		u++;
	}
	if (*p == '\0' && *u == '\0')
		return (1);
	free(*param);
	*param = NULL;
	return (0);
}

/* The handler of route for method, or NULL. */
static api_handler_cb
api_handler(const struct api_route *r, const char *method)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return (r->get);
	if (strcmp(method, "PUT") == 0)
		return (r->put);
	if (strcmp(method, "POST") == 0)
		return (r->post);
	if (strcmp(method, "PATCH") == 0)
		return (r->patch);
	if (strcmp(method, "DELETE") == 0)
		return (r->delete);
	return (NULL);
}

/* The Allow header value for a route. */
static char *
api_allow(const struct api_route *r)
{
	char	buf[64];

	buf[0] = '\0';
	snprintf(buf, sizeof buf, "%s%s%s%s%s",
	    r->get != NULL ? "GET, HEAD, " : "",
	    r->put != NULL ? "PUT, " : "",
	    r->post != NULL ? "POST, " : "",
	    r->patch != NULL ? "PATCH, " : "",
	    r->delete != NULL ? "DELETE, " : "");
	if (strlen(buf) >= 2)
		buf[strlen(buf) - 2] = '\0';
	return (xstrdup(buf));
}

/* Set the response to a JSON document (stolen). */
void
api_reply_json(struct api_request *req, int status, json_t *doc)
{
	free(req->resp);
	req->status = status;
	req->resp = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (req->resp == NULL)
		fatalx("json_dumps failed");
	req->resplen = strlen(req->resp);
	req->resp = xreallocarray(req->resp, req->resplen + 2, 1);
	req->resp[req->resplen++] = '\n';
	req->resp[req->resplen] = '\0';
	req->resp_type = "application/json";
	json_decref(doc);
}

/* Set the response to {"error": {"code", "message", "path"}}. */
void
api_reply_error(struct api_request *req, int status, const char *code,
    const char *path, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *p;
	json_t	*s;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	/* Messages quote the URL, which need not be UTF-8: jansson wants it. */
	if ((s = json_string(msg)) == NULL) {
		for (p = msg; *p != '\0'; p++) {
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		}
	}
	json_decref(s);
	api_reply_json(req, status, json_pack("{s:{s:s, s:s, s:s}}", "error",
	    "code", code, "message", msg, "path", path != NULL ? path : ""));
	free(msg);
}

void
api_reply_empty(struct api_request *req, int status)
{
	free(req->resp);
	req->resp = NULL;
	req->resplen = 0;
	req->status = status;
}

/* Answer 500 for a store failure (cause is freed), keeping it in the log. */
void
api_reply_store_error(struct api_request *req, char *cause)
{
	log_error("api: %s %s: %s", req->method, req->url, cause);
	api_reply_error(req, 500, "internal", "", "database error: %s", cause);
	free(cause);
}

/*
 * Answer with a body produced piece by piece (large CSV): cb fills the
 * buffer and returns its length, MHD_CONTENT_READER_END_OF_STREAM at the
 * end; free_cb releases cls when the response is done.
 */
void
api_reply_stream(struct api_request *req, int status, const char *ctype,
    api_stream_cb cb, void *cls, api_stream_free_cb free_cb)
{
	req->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    64 * 1024, cb, cls, free_cb);
	if (req->stream == NULL) {
		free_cb(cls);
		api_reply_error(req, 500, "internal", "", "cannot stream");
		return;
	}
	req->status = status;
	req->resp_type = ctype;
	MHD_add_response_header(req->stream, MHD_HTTP_HEADER_CONTENT_TYPE,
	    ctype);
}

/* A query-string value, or NULL. Borrowed from libmicrohttpd. */
const char *
api_query(struct api_request *req, const char *key)
{
	return (MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    key));
}

/* The {name} of the path must be a name; answers 400 when it is not. */
int
api_check_name(struct api_request *req)
{
	if (parse_name(req->param))
		return (0);
	api_reply_error(req, 400, "invalid_name", "", "name: expected 1 to 64 "
	    "of A-Z a-z 0-9 . _ -; got \"%s\"", req->param);
	return (-1);
}

/* Require a JSON body; answers 400 and returns -1 when there is none. */
int
api_need_body(struct api_request *req)
{
	if (req->json != NULL)
		return (0);
	api_reply_error(req, 400, "missing_body", "", "this request needs a "
	    "JSON body");
	return (-1);
}

/* Compare the presented token with ours in time independent of content. */
static int
api_token_ok(const char *want, const char *header)
{
	const char	*got;
	size_t		 wl, gl, i;
	unsigned char	 diff;

	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return (0);
	got = header + 7;
	wl = strlen(want);
	gl = strlen(got);
	diff = wl != gl;
	for (i = 0; i < wl; i++)
		diff |= (unsigned char)want[i] ^
		    (unsigned char)(i < gl ? got[i] : 0);
	return (diff == 0);
}

/* Is the request's Content-Type JSON (or absent)? */
static int
api_content_type_ok(struct api_request *req)
{
	const char	*ct;
	size_t		 n;

	ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct == NULL)
		return (1);
	n = strcspn(ct, "; \t");
	return (n == strlen("application/json") &&
	    strncasecmp(ct, "application/json", n) == 0);
}

/* Route, authorise and vet a request before its body arrives. */
static void
api_prepare(struct api_request *req)
{
	const struct config	*c = req->config;
	const char		*cl;
	size_t			 i;
	unsigned long long	 len = 0;
	int			 matched = 0;
	char			*param;

	for (i = 0; i < sizeof api_routes / sizeof api_routes[0]; i++) {
		if (api_match(api_routes[i].pattern, req->url, &param)) {
			req->route = &api_routes[i];
			req->param = param;
			matched = 1;
			break;
		}
	}
	/*
	 * Health is open to all, so probes need no token; so are the UI's
	 * files, which hold no data: the page asks for the token.
	 */
	if (c->token != NULL && !(matched && (strcmp(req->route->pattern,
	    "/v1/health") == 0 || req->route->get == api_ui))) {
		if (!api_token_ok(c->token, MHD_lookup_connection_value(
		    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))) {
			api_reply_error(req, 401, "unauthorized", "",
			    "missing or wrong token: send \"Authorization: "
			    "Bearer TOKEN\"");
			return;
		}
	}
	if (!matched) {
		api_reply_error(req, 404, "not_found", "", "no such route: %s",
		    req->url);
		return;
	}
	if (api_handler(req->route, req->method) == NULL) {
		req->allow = api_allow(req->route);
		api_reply_error(req, 405, "method_not_allowed", "",
		    "%s is not allowed on %s (allowed: %s)", req->method,
		    req->url, req->allow);
		return;
	}
	cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && sscanf(cl, "%llu", &len) == 1 &&
	    len > (unsigned long long)api_body_max(req)) {
		api_reply_error(req, 413, "too_large", "", "request body of %llu "
		    "bytes is over the limit of %lld (%s)", len,
		    (long long)api_body_max(req), req->route->data ?
		    "max_data_bytes" : "api_max_body");
		return;
	}
	if (req->route->data) {
		if (cl != NULL && len > 0 && api_data_type(req) < 0)
			api_reply_error(req, 415, "unsupported_media_type", "",
			    "expected Content-Type: text/csv or "
			    "application/x-ndjson");
		return;
	}
	if (cl != NULL && len > 0 && !api_content_type_ok(req)) {
		api_reply_error(req, 415, "unsupported_media_type", "",
		    "expected Content-Type: application/json");
		return;
	}
}

/* Parse the body, if any, into req->json; answer 400 on bad JSON. */
static int
api_parse_body(struct api_request *req)
{
	json_error_t	err;

	if (req->bodylen == 0 || req->route->data)
		return (0);
	if (!api_content_type_ok(req)) {
		api_reply_error(req, 415, "unsupported_media_type", "",
		    "expected Content-Type: application/json");
		return (-1);
	}
	req->json = json_loadb(req->body, req->bodylen,
	    JSON_REJECT_DUPLICATES, &err);
	if (req->json == NULL) {
		api_reply_error(req, 400, "invalid_json", "", "malformed JSON "
		    "at line %d, column %d: %s", err.line, err.column,
		    err.text);
		return (-1);
	}
	return (0);
}

/* Hand the finished response to libmicrohttpd. */
static enum MHD_Result
api_send(struct api_request *req)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	if (req->stream != NULL) {
		ret = MHD_queue_response(req->conn, (unsigned int)req->status,
		    req->stream);
		MHD_destroy_response(req->stream);
		req->stream = NULL;
		return (ret);
	}
	resp = MHD_create_response_from_buffer(req->resplen, req->resp,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return (MHD_NO);
	req->resp = NULL;	/* libmicrohttpd frees it */
	if (req->resplen > 0)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    req->resp_type);
	if (req->location != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
		    req->location);
	if (req->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
		    req->allow);
	if (req->status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"loadd\"");
	ret = MHD_queue_response(req->conn, (unsigned int)req->status, resp);
	MHD_destroy_response(resp);
	return (ret);
}

/*
 * libmicrohttpd's access handler: called once with the headers, then with
 * each piece of the body, then once more with none. We route and vet on the
 * first call so that a bad request is refused before its body is read.
 */
static enum MHD_Result
api_access(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctx)
{
	struct api		*api = arg;
	struct api_request	*req = *ctx;

	if (req != NULL && req->job != NULL) {
		/* Resumed: the handler's deferred half answers. */
		api_deferred(req);
		if (req->job != NULL)
			return (MHD_YES);
		if (req->status == 0)
			api_reply_error(req, 500, "internal", "", "no response");
		return (api_send(req));
	}
	if (req == NULL) {
		req = xcalloc(1, sizeof *req);
		req->api = api;
		req->conn = conn;
		req->method = method;
		req->url = xstrdup(url);
		req->store = api->store;
		/* One configuration per request, even across a reload. */
		req->config = __atomic_load_n(&api->config, __ATOMIC_ACQUIRE);
		req->runs = api->runs;
		req->start_ns = api_now_ns();
		*ctx = req;
		api_prepare(req);
		if (req->status != 0) {
			req->early = 1;
			return (api_send(req));
		}
		return (MHD_YES);
	}
	if (*upload_size > 0) {
		if (!req->toolarge &&
		    req->bodylen + *upload_size <=
		    (size_t)api_body_max(req)) {
			req->body = xreallocarray(req->body,
			    req->bodylen + *upload_size + 1, 1);
			memcpy(req->body + req->bodylen, upload, *upload_size);
			req->bodylen += *upload_size;
			req->body[req->bodylen] = '\0';
		} else
			req->toolarge = 1;
		*upload_size = 0;
		return (MHD_YES);
	}
	if (req->early)
		return (MHD_YES);
	if (req->toolarge)
		api_reply_error(req, 413, "too_large", "", "request body is "
		    "over the limit of %lld bytes (%s)",
		    (long long)api_body_max(req), req->route->data ?
		    "max_data_bytes" : "api_max_body");
	else if (api_parse_body(req) == 0)
		api_handler(req->route, method)(req);
	if (req->job != NULL)
		return (MHD_YES);	/* suspended until its work is done */
	if (req->status == 0)
		api_reply_error(req, 500, "internal", "", "no response");
	return (api_send(req));
}

/* Log each request once it is done, and free its state. */
static void
api_completed(void *arg, struct MHD_Connection *conn, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct api_request	*req = *ctx;
	uint64_t		 ns;

	if (req == NULL)
		return;
	api_job_free(req);
	ns = api_now_ns() - req->start_ns;
	log_write(req->status >= 500 ? LOG_WARNING : LOG_INFO,
	    "api: %s %s %d %.1fms%s", req->method, req->url, req->status,
	    ns / 1e6, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
	    " (connection ended early)");
	free(req->url);
	free(req->param);
	free(req->body);
	free(req->resp);
	free(req->location);
	free(req->allow);
	json_decref(req->json);
	free(req);
	*ctx = NULL;
}

/* libmicrohttpd's own messages go through our log. */
static void
api_mhd_log(void *arg, const char *fmt, va_list ap)
{
	log_vwrite(LOG_WARNING, fmt, ap);
}

static void
api_health(struct api_request *req)
{
	int64_t	active = run_active(req->runs);

	api_reply_json(req, 200, json_pack("{s:s, s:s, s:I, s:o, s:b}",
	    "status", "ok", "version", PACKAGE_VERSION,
	    "uptime_s", (json_int_t)(time(NULL) - req->api->started),
	    "active_run", active != 0 ? json_integer(active) : json_null(),
	    "token_required", req->config->token != NULL));
}

/* Bind a unix socket, replacing a stale socket file but nothing else. */
static int
api_listen_unix(struct api *api, const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	int			 fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "unix socket path too long: %s", path);
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			xasprintf(cause, "%s exists and is not a socket", path);
			return (-1);
		}
		if (unlink(path) == -1) {
			xasprintf(cause, "unlink %s: %s", path,
			    strerror(errno));
			return (-1);
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(fd, 128) == -1) {
		saved = errno;
		close(fd);
		xasprintf(cause, "listen on unix:%s: %s", path,
		    strerror(saved));
		return (-1);
	}
	api->unix_path = xstrdup(path);
	xasprintf(&api->address, "unix:%s", path);
	return (fd);
}

/* Bind HOST:PORT or [V6]:PORT; port 0 picks a free one. */
static int
api_listen_tcp(struct api *api, const char *addr, char **cause)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	char			*host, *port, host_s[NI_MAXHOST];
	char			 port_s[NI_MAXSERV];
	int			 fd = -1, one = 1, error, saved;

	host = xstrdup(addr);
	port = strrchr(host, ':');
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((error = getaddrinfo(*host != '\0' ? host : NULL, port, &hints,
	    &res)) != 0) {
		xasprintf(cause, "listen %s: %s", addr, gai_strerror(error));
		goto fail;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1) {
		xasprintf(cause, "setsockopt: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1) {
		saved = errno;
		xasprintf(cause, "listen on %s: %s", addr, strerror(saved));
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, host_s, sizeof host_s,
	    port_s, sizeof port_s, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		xasprintf(cause, "getsockname: %s", strerror(errno));
		goto fail;
	}
	if (ss.ss_family == AF_INET6)
		xasprintf(&api->address, "[%s]:%s", host_s, port_s);
	else
		xasprintf(&api->address, "%s:%s", host_s, port_s);
	freeaddrinfo(res);
	free(host);
	return (fd);

fail:
	if (fd != -1)
		close(fd);
	if (res != NULL)
		freeaddrinfo(res);
	free(host);
	return (-1);
}

/*
 * Bind the API's address: first thing at start, so that a bad or busy
 * address is reported before the database is created or migrated.
 */
struct api *
api_create(const struct config *c, char **cause)
{
	struct api	*api;

	api = xcalloc(1, sizeof *api);
	api->config = c;
	api->started = time(NULL);
	api->fd = -1;
	if (strncmp(c->listen, "unix:", 5) == 0)
		api->fd = api_listen_unix(api, c->listen + 5, cause);
	else
		api->fd = api_listen_tcp(api, c->listen, cause);
	if (api->fd == -1) {
		api_stop(api);
		return (NULL);
	}
	return (api);
}

/* Start serving on the bound address, with a connection of its own. */
int
api_start(struct api *api, struct runs *runs, char **cause)
{
	const struct config	*c = api->config;
	int			 streams;

	api->runs = runs;
	if ((api->store = store_open(c->db, 0, cause)) == NULL)
		return (-1);
	if ((api->work = apiwork_start(cause)) == NULL)
		return (-1);
	/* Streams hold connections: at most half of them. */
	streams = c->api_max_streams;
	if (streams > c->api_max_connections / 2)
		streams = c->api_max_connections / 2;
	if ((api->events = events_start(c->db, runs, (size_t)streams,
	    cause)) == NULL)
		return (-1);
	api->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0,
	    NULL, NULL, api_access, api,
	    MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log, api,
	    MHD_OPTION_LISTEN_SOCKET, api->fd,
	    MHD_OPTION_NOTIFY_COMPLETED, api_completed, api,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->api_max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->api_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)c->api_connection_memory,
	    MHD_OPTION_END);
	if (api->mhd == NULL) {
		xasprintf(cause, "cannot start the HTTP server on %s",
		    api->address);
		return (-1);
	}
	return (0);
}

/* Stop the API thread, then free what it owned. */
void
api_stop(struct api *api)
{
	if (api == NULL)
		return;
	apiwork_stop(api->work);
	events_stop(api->events);
	if (api->mhd != NULL)
		MHD_stop_daemon(api->mhd);
	apiwork_free(api->work);
	events_free(api->events);
	if (api->fd != -1)
		close(api->fd);
	if (api->unix_path != NULL)
		unlink(api->unix_path);
	store_close(api->store);
	free(api->unix_path);
	free(api->address);
	free(api);
}

/* The helper thread that deferred handlers hand their work to. */
struct apiwork *
api_work(struct api *api)
{
	return (api->work);
}

/* The hub of the event streams. */
struct events *
api_events(struct api *api)
{
	return (api->events);
}

/* SIGHUP: requests from now on see the new configuration. */
void
api_set_config(struct api *api, const struct config *c)
{
	__atomic_store_n(&api->config, c, __ATOMIC_RELEASE);
}

const char *
api_address(struct api *api)
{
	return (api->address);
}

/*
 * The {id} of a run's path: 0, or -1 after answering 400 (not a number: the
 * user's mistake, SPEC 13) or 404 (a number no run can have).
 */
int
api_run_id(struct api_request *req, int64_t *id)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(req->param, &end, 10);
	if (*req->param == '\0' || *end != '\0' || errno != 0) {
		api_reply_error(req, 400, "invalid_id", "", "a run id is a "
		    "number; got \"%s\"", req->param);
		return (-1);
	}
	if (v <= 0) {
		api_reply_error(req, 404, "run_not_found", "", "no run with id "
		    "\"%s\"", req->param);
		return (-1);
	}
	*id = v;
	return (0);
}
