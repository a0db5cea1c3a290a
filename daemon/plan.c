/* SPDX-License-Identifier: MIT */
/*
 * plan.c -- compile a validated, normalised scenario into what the engine
 * runs: endpoints resolved once and checked against allow_targets, each
 * request rendered to its bytes on the wire, the weighted mix, the load
 * model's numbers in nanoseconds. Runs on the API thread (to refuse a
 * forbidden target with 403) and on the main thread at run start.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <http_parser.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "loadd.h"

static size_t	plan_segments(const struct plan *, double (*)[3], size_t);

/* Look up a key of a normalised document; the validator guarantees types. */
#define J(o, k)		json_object_get((o), (k))
#define JS(o, k)	json_string_value(json_object_get((o), (k)))
#define JI(o, k)	json_integer_value(json_object_get((o), (k)))
#define JN(o, k)	json_number_value(json_object_get((o), (k)))

/* A duration string of the normalised spec, in ns (0 when absent). */
static uint64_t
plan_ns(json_t *o, const char *key)
{
	const char	*s = JS(o, key);
	int64_t		 us;
	char		*cause;

	if (s == NULL)
		return (0);
	if (parse_duration(s, &us, &cause) != 0) {
		free(cause);
		return (0);
	}
	return ((uint64_t)us * 1000);
}

/* Find or add the endpoint of scheme://host:port; returns its index. */
static int
plan_endpoint(struct plan *p, const char *url, char *path, size_t pathlen,
    char **cause)
{
	struct http_parser_url	 u;
	struct plan_endpoint	*ep;
	const char		*rest;
	char			 host[256];
	int			 tls, port;
	size_t			 i, n, len = strlen(url);

	/*
	 * A url with templates (only in its path and query, validated): the
	 * parser sees scheme://host:port, and the path is taken as it is.
	 */
	if (tpl_has(url) && (rest = strstr(url, "://")) != NULL) {
		rest += 3;
		len = (size_t)(rest - url) + strcspn(rest, "/?");
		if (path != NULL)
			snprintf(path, pathlen, "%s", url + len);
		path = NULL;
	}
	http_parser_url_init(&u);
	if (http_parser_parse_url(url, len, 0, &u) != 0 ||
	    !(u.field_set & (1 << UF_HOST))) {
		xasprintf(cause, "cannot parse URL \"%s\"", url);
		return (-1);
	}
	tls = strncasecmp(url, "https", 5) == 0;
	n = u.field_data[UF_HOST].len;
	if (n >= sizeof host)
		n = sizeof host - 1;
	memcpy(host, url + u.field_data[UF_HOST].off, n);
	host[n] = '\0';
	port = (u.field_set & (1 << UF_PORT)) ? u.port : (tls ? 443 : 80);
	if (path != NULL) {
		n = 0;
		if (u.field_set & (1 << UF_PATH)) {
			n = u.field_data[UF_PATH].len;
			if (n >= pathlen)
				n = pathlen - 1;
			memcpy(path, url + u.field_data[UF_PATH].off, n);
		}
		path[n] = '\0';
		if (u.field_set & (1 << UF_QUERY)) {
			snprintf(path + n, pathlen - n, "?%.*s",
			    (int)u.field_data[UF_QUERY].len,
			    url + u.field_data[UF_QUERY].off);
		}
	}
	for (i = 0; i < p->nendpoints; i++) {
		ep = &p->endpoints[i];
		if (ep->tls == tls && ep->port == port &&
		    strcasecmp(ep->host, host) == 0)
			return ((int)i);
	}
	p->endpoints = xreallocarray(p->endpoints, p->nendpoints + 1,
	    sizeof *p->endpoints);
	ep = &p->endpoints[p->nendpoints];
	memset(ep, 0, sizeof *ep);
	ep->host = xstrdup(host);
	ep->port = port;
	ep->tls = tls;
	return ((int)p->nendpoints++);
}

/* Resolve every endpoint once and check it against the allowlist. */
static int
plan_resolve(struct plan *p, const struct config *c, int *why, char **cause)
{
	struct plan_endpoint	*ep;
	struct addrinfo		 hints, *res;
	char			 port[16], *h;
	size_t			 i, n;
	int			 error;

	for (i = 0; i < p->nendpoints; i++) {
		ep = &p->endpoints[i];
		/* [::1] in a URL is ::1 to the resolver. */
		h = xstrdup(ep->host);
		n = strlen(h);
		if (n > 2 && h[0] == '[' && h[n - 1] == ']') {
			memmove(h, h + 1, n - 2);
			h[n - 2] = '\0';
		}
		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		snprintf(port, sizeof port, "%d", ep->port);
		error = getaddrinfo(h, port, &hints, &res);
		free(h);
		if (error != 0) {
			*why = PLAN_DNS;
			xasprintf(cause, "cannot resolve %s: %s", ep->host,
			    gai_strerror(error));
			return (-1);
		}
		memcpy(&ep->addr, res->ai_addr, res->ai_addrlen);
		ep->addrlen = res->ai_addrlen;
		freeaddrinfo(res);
		if (!allow_check(c->allow_targets, ep->host,
		    (struct sockaddr *)&ep->addr, cause)) {
			*why = PLAN_FORBIDDEN;
			return (-1);
		}
	}
	return (0);
}

/* Does the header list (an object) have this name, in any case? */
static int
plan_has_header(json_t *headers, const char *name)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(headers, key, v) {
		if (strcasecmp(key, name) == 0)
			return (1);
	}
	return (0);
}

/* Append one line and its CRLF to the wire buffer. */
static void
plan_add_line(char **wire, size_t *len, const char *line)
{
	size_t	n = strlen(line);

	*wire = xreallocarray(*wire, *len + n + 3, 1);
	memcpy(*wire + *len, line, n);
	memcpy(*wire + *len + n, "\r\n", 3);
	*len += n + 2;
}

/* Append "Name: value\r\n" for each header to the wire buffer. */
static void
plan_add_headers(char **wire, size_t *len, json_t *headers, json_t *over)
{
	const char	*key;
	json_t		*v;
	char		*line;
	int		 n;

	json_object_foreach(headers, key, v) {
		/* The request's own headers win over the scenario's. */
		if (over != NULL && plan_has_header(over, key))
			continue;
		n = xasprintf(&line, "%s: %s\r\n", key, json_string_value(v));
		*wire = xreallocarray(*wire, *len + (size_t)n + 1, 1);
		memcpy(*wire + *len, line, (size_t)n + 1);
		*len += (size_t)n;
		free(line);
	}
}

static int	plan_request_expect(struct plan *, json_t *, struct plan_req *);

/*
 * A request with templates: its head (request line and headers, wire up
 * to len) and maybe its body are compiled; the rest of the head follows
 * them when the request is rendered (plan_render, on the workers).
 */
static int
plan_request_tpl(struct plan *p, json_t *r, struct plan_req *pr, char *wire,
    size_t len, uint64_t bodylen, char **cause)
{
	const char	*method = JS(r, "method");

	wire[len] = '\0';
	pr->thead = plan_tpl(p, wire, cause);
	free(wire);
	if (pr->thead == NULL)
		return (-1);
	if (pr->body != NULL && J(r, "body") != NULL && tpl_has(pr->body)) {
		if ((pr->tbody = plan_tpl(p, pr->body, cause)) == NULL)
			return (-1);
		pr->body = NULL;
		pr->bodylen = 0;
	}
	pr->clen = pr->tbody != NULL || bodylen > 0 ||
	    strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0;
	pr->tail = p->keepalive ? "\r\n" : "Connection: close\r\n\r\n";
	pr->taillen = strlen(pr->tail);
	pr->rendermax = pr->thead->maxlen + PLAN_CLEN_MAX + pr->taillen +
	    (pr->tbody != NULL ? pr->tbody->maxlen : 0) +
	    (p->cookies ? JAR_LINE_MAX : 0);
	pr->capuse = plan_tpl_capuse(p, pr->thead) |
	    plan_tpl_capuse(p, pr->tbody);
	p->caphead |= plan_tpl_capuse(p, pr->thead);
	if (pr->rendermax > p->rendermax)
		p->rendermax = pr->rendermax;
	return (plan_request_expect(p, r, pr));
}

/* Render one request entry's bytes on the wire. */
static int
plan_request(struct plan *p, json_t *spec, json_t *r, struct plan_req *pr,
    char **cause)
{
	const char		*method = JS(r, "method"), *target;
	struct plan_endpoint	*ep;
	json_t			*v, *rh, *sh;
	char			 path[4096], base[4096], hosthdr[300];
	char			*head, *wire = NULL;
	size_t			 len = 0;
	uint64_t		 bodylen = 0;

	snprintf(pr->name, sizeof pr->name, "%s", JS(r, "name"));
	pr->head = strcmp(method, "HEAD") == 0;
	pr->idempotent = strcmp(method, "POST") != 0 &&
	    strcmp(method, "PATCH") != 0;
	if (JS(r, "url") != NULL) {
		pr->endpoint = plan_endpoint(p, JS(r, "url"), path,
		    sizeof path, cause);
		if (pr->endpoint == -1)
			return (-1);
		if (path[0] == '\0')
			snprintf(path, sizeof path, "/");
	} else {
		target = JS(spec, "target");
		pr->endpoint = plan_endpoint(p, target, base, sizeof base,
		    cause);
		if (pr->endpoint == -1)
			return (-1);
		/* The target's base path, without its trailing slash. */
		if (base[0] != '\0' && base[strlen(base) - 1] == '/')
			base[strlen(base) - 1] = '\0';
		snprintf(path, sizeof path, "%s%s", base, JS(r, "path"));
	}
	ep = &p->endpoints[pr->endpoint];
	if ((ep->tls && ep->port == 443) || (!ep->tls && ep->port == 80))
		snprintf(hosthdr, sizeof hosthdr, "%s", ep->host);
	else
		snprintf(hosthdr, sizeof hosthdr, "%s:%d", ep->host, ep->port);

	if ((v = J(r, "body")) != NULL) {
		pr->body = json_string_value(v);
		pr->bodylen = json_string_length(v);
		bodylen = pr->bodylen;
	} else if ((v = J(r, "body_bytes")) != NULL) {
		pr->body = NULL;	/* the shared body, set by the caller */
		pr->bodylen = (size_t)json_integer_value(v);
		bodylen = pr->bodylen;
	}

	rh = J(r, "headers");
	sh = J(spec, "headers");
	xasprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path,
	    hosthdr);
	wire = head;
	len = strlen(head);
	plan_add_headers(&wire, &len, sh, rh);
	plan_add_headers(&wire, &len, rh, NULL);
	if (!plan_has_header(sh, "User-Agent") &&
	    !plan_has_header(rh, "User-Agent"))
		plan_add_line(&wire, &len, "User-Agent: loadd/" PACKAGE_VERSION);
	pr->ins = inspect_compile(p, r, p->cookies);
	/* With cookies, each request is rendered: its Cookie line varies. */
	if (p->cookies || tpl_has(wire) || (pr->body != NULL &&
	    J(r, "body") != NULL && tpl_has(pr->body)))
		return (plan_request_tpl(p, r, pr, wire, len, bodylen, cause));
	if (bodylen > 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
		xasprintf(&head, "Content-Length: %llu",
		    (unsigned long long)bodylen);
		plan_add_line(&wire, &len, head);
		free(head);
	}
	if (!p->keepalive)
		plan_add_line(&wire, &len, "Connection: close");
	plan_add_line(&wire, &len, "");
	pr->wire = wire;
	pr->wirelen = len;
	return (plan_request_expect(p, r, pr));
}

/* A request's timeout and the statuses that count as a success. */
static int
plan_request_expect(struct plan *p, json_t *r, struct plan_req *pr)
{
	json_t	*expect, *v;
	size_t	 i;
	int	 code;

	pr->timeout_ns = plan_ns(r, "timeout");
	if (pr->timeout_ns == 0)
		pr->timeout_ns = plan_ns(p->spec, "timeout");

	/* Success: the listed statuses, a class, or anything below 400. */
	memset(pr->expect, 0, sizeof pr->expect);
	expect = J(r, "expect");
	if (expect == NULL) {
		for (code = 0; code < 400; code++)
			pr->expect[code / 64] |= 1ULL << (code % 64);
	} else if (json_is_string(expect)) {
		code = (json_string_value(expect)[0] - '0') * 100;
		for (i = 0; i < 100; i++)
			pr->expect[(code + i) / 64] |= 1ULL << ((code + i) % 64);
	} else {
		json_array_foreach(expect, i, v) {
			code = (int)json_integer_value(v);
			if (code >= 0 && code < 640)
				pr->expect[code / 64] |= 1ULL << (code % 64);
		}
	}
	return (0);
}

static void	plan_thresholds(struct plan *, json_t *, const char *);

/* Add one request to the plan; returns its index. */
static int
plan_add_request(struct plan *p, json_t *spec, json_t *r, char **cause)
{
	struct plan_req	*pr;

	p->reqs = xreallocarray(p->reqs, p->nreqs + 1, sizeof *p->reqs);
	pr = &p->reqs[p->nreqs];
	memset(pr, 0, sizeof *pr);
	pr->stat = (int)p->nreqs;
	if (plan_request(p, spec, r, pr, cause) != 0) {
		free(pr->wire);
		plan_tpl_free(pr->thead);
		plan_tpl_free(pr->tbody);
		inspect_free(pr->ins);
		return (-1);
	}
	return ((int)p->nreqs++);
}

/*
 * The generated body in a memfd, so that HTTP/1.1 in the clear sends it
 * with sendfile(2): the kernel takes references to its pages instead of
 * copying 1 MB per request into the socket. -1 when that fails (the body
 * is then written from memory, as over TLS).
 */
static int
plan_bodyfd(const char *body, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = memfd_create("loadd-body", MFD_CLOEXEC)) == -1)
		return (-1);
	while (off < len) {
		if ((n = write(fd, body + off, len - off)) <= 0) {
			(void)close(fd);
			return (-1);
		}
		off += (size_t)n;
	}
	return (fd);
}

/* The load model's numbers. */
static void
plan_load(struct plan *p, json_t *load)
{
	const char	*ex = JS(load, "executor");
	json_t		*stages, *st, *think, *v;
	size_t		 i;

	p->warmup_ns = plan_ns(load, "warmup");
	p->keepalive = json_is_true(J(load, "keepalive")) ||
	    J(load, "keepalive") == NULL;
	think = J(load, "think_time");
	if (json_is_string(think))
		p->think_min_ns = p->think_max_ns = plan_ns(load, "think_time");
	else if (json_is_object(think)) {
		p->think_min_ns = plan_ns(think, "min");
		p->think_max_ns = plan_ns(think, "max");
	}
	p->max_vus = JI(load, "max_vus");

	p->executor = name_index(executor_names, ex) < 0 ? EXEC_CONSTANT_VUS :
	    (enum executor)name_index(executor_names, ex);
	switch (p->executor) {
	case EXEC_CONSTANT_VUS:
		p->vus = JI(load, "vus");
		p->iterations = JI(load, "iterations");
		p->duration_ns = plan_ns(load, "duration");
		break;
	case EXEC_CONSTANT_RATE:
		p->rate = JN(load, "rate");
		p->duration_ns = plan_ns(load, "duration");
		break;
	case EXEC_SWEEP:
		v = J(load, "levels");
		p->nstages = json_array_size(v);
		p->stages = xcalloc(p->nstages, sizeof *p->stages);
		json_array_foreach(v, i, st) {
			p->stages[i].duration_ns = plan_ns(load,
			    "level_duration");
			p->stages[i].target = (double)json_integer_value(st);
			p->duration_ns += p->stages[i].duration_ns;
		}
		break;
	case EXEC_RAMPING_VUS:
	case EXEC_RAMPING_RATE:
		p->start = p->executor == EXEC_RAMPING_VUS ?
		    (double)JI(load, "start_vus") : JN(load, "start_rate");
		stages = J(load, "stages");
		p->nstages = json_array_size(stages);
		p->stages = xcalloc(p->nstages, sizeof *p->stages);
		json_array_foreach(stages, i, st) {
			p->stages[i].duration_ns = plan_ns(st, "duration");
			p->stages[i].target = JN(st, "target");
			p->duration_ns += p->stages[i].duration_ns;
		}
		break;
	}
}

/*
 * Compile an array of entries (requests or groups): the scenario's mix,
 * or its setup. The requests go into p->reqs.
 */
static int
plan_entries(struct plan *p, json_t *spec, json_t *list,
    struct plan_entry **out, size_t *nout, char **cause)
{
	struct plan_entry	*e;
	json_t			*r, *m;
	const char		*g;
	size_t			 i, j;
	double			 cum = 0;
	int			 idx;

	*nout = json_array_size(list);
	*out = xcalloc(*nout + 1, sizeof **out);
	json_array_foreach(list, i, r) {
		e = &(*out)[i];
		if ((g = JS(r, "group")) == NULL) {
			if ((idx = plan_add_request(p, spec, r, cause)) == -1)
				return (-1);
			e->group = GROUP_NONE;
			e->reqs[0] = idx;
			e->nreqs = 1;
			plan_thresholds(p, J(r, "thresholds"), JS(r, "name"));
		} else {
			e->group = (enum plan_group)(GROUP_PARALLEL +
			    name_index(group_names, g));
			json_array_foreach(J(r, "requests"), j, m) {
				if (j >= PLAN_GROUP_MAX)
					break;
				idx = plan_add_request(p, spec, m, cause);
				if (idx == -1)
					return (-1);
				e->reqs[e->nreqs++] = idx;
				plan_thresholds(p, J(m, "thresholds"),
				    JS(m, "name"));
			}
			if (e->nreqs > p->maxconns)
				p->maxconns = e->nreqs;
		}
		cum += JN(r, "weight") > 0 ? JN(r, "weight") : 1;
		e->cumweight = cum;
	}
	return (0);
}

/* The stat of each entry of list: its request's, or a new group's. */
static void
plan_group_stats(struct plan *p, json_t *list, struct plan_entry *entries,
    int *idx)
{
	json_t	*r;
	size_t	 i;

	json_array_foreach(list, i, r) {
		if (entries[i].group == GROUP_NONE)
			entries[i].stat = entries[i].reqs[0];
		else {
			entries[i].stat = *idx;
			p->stat_names[(*idx)++] = xstrdup(JS(r, "name"));
		}
	}
}

/* Parse the thresholds of the scenario and of each request. */
static void
plan_thresholds(struct plan *p, json_t *list, const char *owner)
{
	struct plan_threshold	*pt;
	json_t			*t;
	char			*cause;
	size_t			 i;

	json_array_foreach(list, i, t) {
		p->thresholds = xreallocarray(p->thresholds,
		    p->nthresholds + 1, sizeof *p->thresholds);
		pt = &p->thresholds[p->nthresholds];
		memset(pt, 0, sizeof *pt);
		pt->rule = xstrdup(JS(t, "rule"));
		pt->abort_on_fail = json_is_true(J(t, "abort_on_fail"));
		if (threshold_parse(pt->rule, &pt->t, &cause) != 0) {
			/* The validator parsed it already: impossible. */
			free(cause);
			free(pt->rule);
			continue;
		}
		if (owner != NULL && pt->t.request[0] == '\0')
			snprintf(pt->t.request, sizeof pt->t.request, "%s",
			    owner);
		p->nthresholds++;
	}
}

/*
 * Compile a normalised scenario. On failure returns NULL with *cause and
 * *why set to PLAN_FORBIDDEN (403), PLAN_DNS (the run fails, kind dns), or 0.
 */
struct plan *
plan_compile(json_t *spec, const struct config *c, int *why, char **cause)
{
	return (plan_compile_data(spec, c, NULL, 0, why, cause));
}

/* The same, with the datasets the run draws from (the plan takes them). */
struct plan *
plan_compile_data(json_t *spec, const struct config *c,
    struct plan_dataset *ds, size_t nds, int *why, char **cause)
{
	struct plan		*p;
	json_t			*r;
	const char		*g;
	size_t			 i, maxbody = 0;
	int			 idx, ngroups = 0;
	const unsigned char	*name;

	*why = 0;
	p = xcalloc(1, sizeof *p);
	p->bodyfd = -1;
	p->spec = json_incref(spec);
	p->scenario = xstrdup(JS(spec, "name"));
	p->capture_max = J(spec, "capture_max") != NULL ?
	    (size_t)JI(spec, "capture_max") : PLAN_CAPTURE_MAX;
	p->inspect_bytes = J(spec, "inspect_bytes") != NULL ?
	    (size_t)JI(spec, "inspect_bytes") : PLAN_INSPECT_BYTES;
	p->cookies = json_is_true(J(spec, "cookies"));
	plan_vars(p, spec, ds, nds);
	if (J(spec, "random_seed") != NULL) {
		p->seed = (uint64_t)JI(spec, "random_seed");
		p->seeded = 1;
	}
	plan_load(p, J(spec, "load"));
	p->protocol = name_index(proto_names, JS(spec, "protocol")) < 0 ?
	    PROTO_H1 : (enum proto)name_index(proto_names, JS(spec, "protocol"));
	p->connections = json_integer_value(J(spec, "connections"));
	p->tls_resume = !json_is_false(J(spec, "tls_resume"));
	/* Iterations alone still stop at the daemon's longest run. */
	if (p->duration_ns == 0)
		p->duration_ns = (uint64_t)c->limits.max_duration_us * 1000;
	g = JS(spec, "samples");
	p->samples = name_index(samples_names, g) < 0 ? SAMPLES_ALL :
	    (enum samples_mode)name_index(samples_names, g);
	if ((r = J(spec, "monitor")) != NULL) {
		p->monitor_pid = (int)JI(r, "pid");
		if (JS(r, "pidfile") != NULL)
			p->monitor_pidfile = xstrdup(JS(r, "pidfile"));
	}
	plan_thresholds(p, J(spec, "thresholds"), NULL);

	p->maxconns = 1;
	if (plan_entries(p, spec, J(spec, "setup"), &p->setup, &p->nsetup,
	    cause) != 0 || plan_entries(p, spec, J(spec, "requests"),
	    &p->entries, &p->nentries, cause) != 0)
		goto fail;

	/* Stats: one per request, then one per group (setup's first). */
	for (i = 0; i < p->nsetup; i++)
		ngroups += p->setup[i].group != GROUP_NONE;
	for (i = 0; i < p->nentries; i++)
		ngroups += p->entries[i].group != GROUP_NONE;
	p->nstats = p->nreqs + (size_t)ngroups;
	p->stat_names = xcalloc(p->nstats, sizeof *p->stat_names);
	for (i = 0; i < p->nreqs; i++)
		p->stat_names[i] = xstrdup(p->reqs[i].name);
	idx = (int)p->nreqs;
	plan_group_stats(p, J(spec, "setup"), p->setup, &idx);
	plan_group_stats(p, J(spec, "requests"), p->entries, &idx);

	/* One generated body, as large as the largest, shared by all. */
	for (i = 0; i < p->nreqs; i++)
		if (p->reqs[i].body == NULL && p->reqs[i].bodylen > maxbody)
			maxbody = p->reqs[i].bodylen;
	if (maxbody > 0) {
		p->bodybuf = xmalloc(maxbody);
		name = (const unsigned char *)"loadd-generated-body.";
		for (i = 0; i < maxbody; i++)
			p->bodybuf[i] = (char)name[i % 21];
		for (i = 0; i < p->nreqs; i++) {
			if (p->reqs[i].body != NULL)
				continue;
			p->reqs[i].body = p->bodybuf;
			p->reqs[i].bodyfile = 1;
		}
		p->bodyfd = plan_bodyfd(p->bodybuf, maxbody);
	}

	if (plan_is_open(p)) {
		p->segs = xcalloc(p->nstages + 2, sizeof *p->segs);
		p->nsegs = plan_segments(p, p->segs, p->nstages + 2);
	}

	if (plan_resolve(p, c, why, cause) != 0)
		goto fail;
	for (i = 0; i < p->nendpoints; i++) {
		if (!p->endpoints[i].tls || p->ssl_ctx != NULL)
			continue;
		if ((p->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
			xasprintf(cause, "SSL_CTX_new failed");
			goto fail;
		}
		SSL_CTX_set_min_proto_version(p->ssl_ctx, TLS1_2_VERSION);
		if (json_is_true(J(spec, "insecure")))
			SSL_CTX_set_verify(p->ssl_ctx, SSL_VERIFY_NONE, NULL);
		else {
			SSL_CTX_set_verify(p->ssl_ctx, SSL_VERIFY_PEER, NULL);
			SSL_CTX_set_default_verify_paths(p->ssl_ctx);
		}
		conn_ssl_ctx_setup(p->ssl_ctx, p->tls_resume);
	}
	return (p);

fail:
	plan_free(p);
	return (NULL);
}

/* The endpoints of the url entries of list (members too), and maxconns. */
static int
plan_check_entries(struct plan *p, json_t *list, char **cause)
{
	json_t	*r, *m;
	size_t	 i, j;

	json_array_foreach(list, i, r) {
		if (J(r, "requests") != NULL) {
			if ((int)json_array_size(J(r, "requests")) >
			    p->maxconns)
				p->maxconns = (int)json_array_size(J(r,
				    "requests"));
			json_array_foreach(J(r, "requests"), j, m)
				if (JS(m, "url") != NULL && plan_endpoint(p,
				    JS(m, "url"), NULL, 0, cause) == -1)
					return (-1);
		} else if (JS(r, "url") != NULL &&
		    plan_endpoint(p, JS(r, "url"), NULL, 0, cause) == -1)
			return (-1);
	}
	return (0);
}

/*
 * What a submit needs to know of a normalised scenario, without compiling
 * it (that is done once, when the run starts): its endpoints resolved and
 * checked against the allowlist, its peak VUs (plan_peak_vus) and
 * connections per VU (maxconns). NULL with *why as for plan_compile.
 */
struct plan *
plan_check(json_t *spec, const struct config *c, int *why, char **cause)
{
	struct plan	*p;

	*why = 0;
	p = xcalloc(1, sizeof *p);
	p->bodyfd = -1;
	p->spec = json_incref(spec);
	p->maxconns = 1;
	plan_load(p, J(spec, "load"));
	if ((JS(spec, "target") != NULL && plan_endpoint(p, JS(spec,
	    "target"), NULL, 0, cause) == -1) ||
	    plan_check_entries(p, J(spec, "setup"), cause) != 0 ||
	    plan_check_entries(p, J(spec, "requests"), cause) != 0 ||
	    plan_resolve(p, c, why, cause) != 0) {
		plan_free(p);
		return (NULL);
	}
	return (p);
}

/*
 * Only what judging a run needs: its load model and thresholds (the
 * scenario's and each request's), for a collector that merges the run of
 * an execution without running it.
 */
struct plan *
plan_judge(json_t *spec)
{
	struct plan	*p;
	json_t		*r, *m;
	size_t		 i, j;

	p = xcalloc(1, sizeof *p);
	p->bodyfd = -1;
	p->spec = json_incref(spec);
	plan_load(p, J(spec, "load"));
	plan_thresholds(p, J(spec, "thresholds"), NULL);
	json_array_foreach(J(spec, "requests"), i, r) {
		plan_thresholds(p, J(r, "thresholds"), JS(r, "name"));
		json_array_foreach(J(r, "requests"), j, m)
			plan_thresholds(p, J(m, "thresholds"), JS(m, "name"));
	}
	json_array_foreach(J(spec, "setup"), i, r) {
		plan_thresholds(p, J(r, "thresholds"), JS(r, "name"));
		json_array_foreach(J(r, "requests"), j, m)
			plan_thresholds(p, J(m, "thresholds"), JS(m, "name"));
	}
	return (p);
}

/* Does a host of spec (normalised) need a DNS lookup to be checked? */
int
plan_needs_dns(json_t *spec)
{
	struct plan	 p;
	unsigned char	 ip[sizeof(struct in6_addr)];
	char		*cause = NULL, h[300];
	size_t		 i, n;
	int		 need = 0;

	memset(&p, 0, sizeof p);
	p.maxconns = 1;
	if ((JS(spec, "target") != NULL && plan_endpoint(&p, JS(spec,
	    "target"), NULL, 0, &cause) == -1) ||
	    plan_check_entries(&p, J(spec, "setup"), &cause) != 0 ||
	    plan_check_entries(&p, J(spec, "requests"), &cause) != 0) {
		free(cause);
		need = 1;	/* plan_check will say what is wrong */
	}
	for (i = 0; i < p.nendpoints; i++) {
		snprintf(h, sizeof h, "%s", p.endpoints[i].host);
		n = strlen(h);
		if (n > 2 && h[0] == '[' && h[n - 1] == ']') {
			memmove(h, h + 1, n - 2);
			h[n - 2] = '\0';
		}
		if (inet_pton(AF_INET, h, ip) != 1 &&
		    inet_pton(AF_INET6, h, ip) != 1)
			need = 1;
		free(p.endpoints[i].host);
	}
	free(p.endpoints);
	return (need);
}

void
plan_free(struct plan *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nendpoints; i++)
		free(p->endpoints[i].host);
	free(p->endpoints);
	for (i = 0; i < p->nreqs; i++) {
		free(p->reqs[i].wire);
		plan_tpl_free(p->reqs[i].thead);
		plan_tpl_free(p->reqs[i].tbody);
		inspect_free(p->reqs[i].ins);
	}
	free(p->setup);
	free(p->reqs);
	plan_vars_free(p);
	free(p->entries);
	for (i = 0; i < p->nstats; i++)
		free(p->stat_names[i]);
	free(p->stat_names);
	for (i = 0; i < p->nthresholds; i++)
		free(p->thresholds[i].rule);
	free(p->thresholds);
	free(p->stages);
	free(p->segs);
	free(p->bodybuf);
	if (p->bodyfd != -1)
		(void)close(p->bodyfd);
	free(p->monitor_pidfile);
	free(p->scenario);
	if (p->ssl_ctx != NULL)
		SSL_CTX_free(p->ssl_ctx);
	json_decref(p->spec);
	free(p);
}

/* Is this an open model (arrival rate) rather than closed (VUs)? */
int
plan_is_open(const struct plan *p)
{
	return (p->executor == EXEC_CONSTANT_RATE ||
	    p->executor == EXEC_RAMPING_RATE);
}

/*
 * Which stage or sweep level holds time t (ns since the run started, the
 * warmup included)? -1 in the warmup, nstages after the end.
 */
int
plan_level_at(const struct plan *p, uint64_t t)
{
	uint64_t	end;
	size_t		i;

	if (t < p->warmup_ns)
		return (-1);
	t -= p->warmup_ns;
	for (i = 0, end = 0; i < p->nstages; i++) {
		end += p->stages[i].duration_ns;
		if (t < end)
			return ((int)i);
	}
	return ((int)p->nstages);
}

/*
 * The load the model asks for at time t: VUs for closed models,
 * iterations per second for open ones. The warmup runs at the value the
 * measured phase starts with.
 */
double
plan_target_at(const struct plan *p, uint64_t t)
{
	uint64_t	start;
	double		from, frac;
	size_t		i;

	if (t >= p->warmup_ns + p->duration_ns)
		return (0);
	switch (p->executor) {
	case EXEC_CONSTANT_VUS:
		return ((double)p->vus);
	case EXEC_CONSTANT_RATE:
		return (p->rate);
	case EXEC_SWEEP:
		i = t < p->warmup_ns ? 0 : (size_t)plan_level_at(p, t);
		return (p->stages[i < p->nstages ? i : p->nstages - 1].target);
	default:
		break;
	}
	if (t < p->warmup_ns)
		return (p->start);
	t -= p->warmup_ns;
	from = p->start;
	for (i = 0, start = 0; i < p->nstages; i++) {
		if (t < start + p->stages[i].duration_ns) {
			frac = (double)(t - start) /
			    (double)p->stages[i].duration_ns;
			return (from + (p->stages[i].target - from) * frac);
		}
		start += p->stages[i].duration_ns;
		from = p->stages[i].target;
	}
	return (from);
}

/*
 * The open model's schedule as segments of linearly changing rate: the
 * warmup at the starting rate, then the stages (or one constant segment).
 * Fills up to max segments of {duration ns, rate from, rate to}.
 */
static size_t
plan_segments(const struct plan *p, double (*seg)[3], size_t max)
{
	size_t	n = 0, i;
	double	from;

	if (seg == NULL)
		return (0);
	from = p->executor == EXEC_CONSTANT_RATE ? p->rate : p->start;
	if (p->warmup_ns > 0 && n < max) {
		seg[n][0] = (double)p->warmup_ns;
		seg[n][1] = seg[n][2] = from;
		n++;
	}
	if (p->executor == EXEC_CONSTANT_RATE) {
		if (n < max) {
			seg[n][0] = (double)p->duration_ns;
			seg[n][1] = seg[n][2] = p->rate;
			n++;
		}
		return (n);
	}
	for (i = 0; i < p->nstages && n < max; i++, n++) {
		seg[n][0] = (double)p->stages[i].duration_ns;
		seg[n][1] = from;
		seg[n][2] = from = p->stages[i].target;
	}
	return (n);
}

/*
 * Open models: when (ns since run start) the schedule's n-th iteration is
 * due, inverting the integral of the rate; UINT64_MAX if never.
 */
uint64_t
plan_time_of(const struct plan *p, double n)
{
	double	(*seg)[3] = p->segs, start = 0, count = 0, in, d, r0, r1, a;
	double	m, tau;
	size_t	nseg = p->nsegs, i;

	for (i = 0; i < nseg; i++) {
		d = seg[i][0] / 1e9;
		r0 = seg[i][1];
		r1 = seg[i][2];
		in = (r0 + r1) / 2 * d;
		if (n < count + in) {
			m = n - count;
			a = (r1 - r0) / (2 * d);
			/* r0*tau + a*tau^2 = m, in its stable form. */
			tau = m <= 0 ? 0 : 2 * m / (r0 + sqrt(r0 * r0 +
			    4 * a * m));
			return ((uint64_t)((start + tau) * 1e9));
		}
		count += in;
		start += d;
	}
	return (UINT64_MAX);
}

/* Open models: how many iterations are due by t (ns since run start). */
double
plan_count_at(const struct plan *p, uint64_t t)
{
	double	(*seg)[3] = p->segs, count = 0, ts = (double)t / 1e9, d, r0;
	double	r1, tau;
	size_t	nseg = p->nsegs, i;

	for (i = 0; i < nseg && ts > 0; i++) {
		d = seg[i][0] / 1e9;
		r0 = seg[i][1];
		r1 = seg[i][2];
		tau = ts < d ? ts : d;
		count += r0 * tau + (r1 - r0) * tau * tau / (2 * d);
		ts -= d;
	}
	return (count);
}

/* The most VUs the load model can ask for (open models: max_vus). */
int64_t
plan_peak_vus(const struct plan *p)
{
	double	peak = p->start;
	size_t	i;

	switch (p->executor) {
	case EXEC_CONSTANT_VUS:
		return (p->vus);
	case EXEC_CONSTANT_RATE:
	case EXEC_RAMPING_RATE:
		return (p->max_vus);
	default:
		for (i = 0; i < p->nstages; i++)
			if (p->stages[i].target > peak)
				peak = p->stages[i].target;
		return ((int64_t)ceil(peak));
	}
}
