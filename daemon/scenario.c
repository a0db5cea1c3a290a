/* SPDX-License-Identifier: MIT */
/*
 * scenario.c -- validate a scenario document (SPEC sections 2-4) and build its
 * normalised copy, defaults filled in. The first error found stops the walk
 * and is reported with a code, a JSON pointer and a sentence. Pure: no I/O,
 * no globals, safe from any thread (the API thread calls it).
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "loadd.h"

#define CODE_INVALID	"invalid_scenario"
#define CODE_LIMIT	"limit_exceeded"

#define REQUESTS_MAX	256
#define GROUP_MIN	2
#define GROUP_MAX	32
#define LEVELS_MAX	64
#define LABEL_VALUE_MAX	256
#define DEFAULT_OPEN_VUS 1000

#define PTR_MAX		256

/* The state of one validation walk. */
struct vctx {
	const struct limits	*lim;
	struct verror		*err;
	json_t			*names;	/* request names -> JSON pointer */
	int			 has_target;
	int			 has_monitor;	/* the scenario has a monitor */
};

static const char *scenario_fields[] = {
	"name", "description", "target", "headers", "timeout", "requests",
	"load", "thresholds", "samples", "labels", "monitor", "insecure", NULL
};
static const char *request_fields[] = {
	"name", "method", "path", "url", "headers", "body", "body_bytes",
	"weight", "expect", "timeout", "thresholds", NULL
};
static const char *group_fields[] = {
	"group", "name", "weight", "requests", NULL
};
static const char *threshold_fields[] = { "rule", "abort_on_fail", NULL };
static const char *stage_fields[] = { "duration", "target", NULL };
static const char *think_fields[] = { "min", "max", NULL };
static const char *monitor_fields[] = { "pid", "pidfile", NULL };

static const char *methods[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL
};
static const char *group_kinds[] = {
	"parallel", "race", "sequential", "fallback", NULL
};
static const char *sample_kinds[] = { "all", "errors", "none", NULL };

/*
 * Executors, indexed by enum executor (loadd.h), and the fields each one owns
 * besides the common ones.
 */
static const char *executors[] = {
	"constant-vus", "ramping-vus", "constant-rate", "ramping-rate", "sweep",
	NULL
};
static const char *executor_fields[][5] = {
	{ "vus", "duration", "iterations", NULL },
	{ "start_vus", "stages", NULL },
	{ "rate", "duration", "max_vus", NULL },
	{ "start_rate", "stages", "max_vus", NULL },
	{ "levels", "level_duration", NULL }
};
static const char *load_common[] = {
	"executor", "warmup", "think_time", "keepalive", NULL
};

/* Append s to buf of size len, truncating (glibc 2.36 has no strlcat). */
static void
cat(char *buf, size_t len, const char *s)
{
	size_t	n;

	n = strlen(buf);
	if (n < len)
		snprintf(buf + n, len - n, "%s", s);
}

/* Is s in the NULL-terminated list? */
static int
in_list(const char **list, const char *s)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return (1);
	}
	return (0);
}

/* A JSON pointer to member key of parent, escaped as RFC 6901 says. */
static void
ptr_key(char *buf, const char *parent, const char *key)
{
	size_t	n;

	n = (size_t)snprintf(buf, PTR_MAX, "%s", parent);
	if (n >= PTR_MAX - 1)
		return;
	buf[n++] = '/';
	for (; *key != '\0' && n < PTR_MAX - 2; key++) {
		if (*key == '~' || *key == '/') {
			buf[n++] = '~';
			buf[n++] = (*key == '~') ? '0' : '1';
		} else
			buf[n++] = *key;
	}
	buf[n] = '\0';
}

/* A JSON pointer to element i of parent. */
static void
ptr_index(char *buf, const char *parent, size_t i)
{
	/* Parents are cut short so that the index always fits. */
	snprintf(buf, PTR_MAX, "%.230s/%zu", parent, i);
}

/*
 * The field name a message starts with, from a pointer: its last token, or
 * "parent[N]" for an array element, or "scenario" for the root.
 */
static void
ptr_label(char *buf, size_t len, const char *path)
{
	const char	*last, *prev;
	char		 tok[PTR_MAX];
	size_t		 i, n;

	if ((last = strrchr(path, '/')) == NULL) {
		snprintf(buf, len, "%s", "scenario");
		return;
	}
	for (n = 0, i = 1; last[i] != '\0' && n < sizeof tok - 1; i++) {
		if (last[i] == '~' && last[i + 1] != '\0') {
			tok[n++] = (last[i + 1] == '1') ? '/' : '~';
			i++;
		} else
			tok[n++] = last[i];
	}
	tok[n] = '\0';
	if (n == 0 || strspn(tok, "0123456789") != n) {
		snprintf(buf, len, "%s", tok);
		return;
	}
	for (prev = last; prev > path && prev[-1] != '/'; prev--)
		;
	if (prev == path) {
		snprintf(buf, len, "[%.20s]", tok);
		return;
	}
	snprintf(buf, len, "%.*s[%.20s]", (int)(last - prev), prev, tok);
}

/*
 * Record the error: code, pointer and "LABEL: message". A NULL label is
 * derived from the pointer. Always returns -1.
 */
static int __attribute__((format(printf, 5, 6)))
vfail_at(struct vctx *c, const char *code, const char *path, const char *label,
    const char *fmt, ...)
{
	char	 lbuf[PTR_MAX];
	size_t	 n;
	va_list	 ap;

	if (label == NULL) {
		ptr_label(lbuf, sizeof lbuf, path);
		label = lbuf;
	}
	c->err->code = code;
	snprintf(c->err->path, sizeof c->err->path, "%s", path);
	n = (size_t)snprintf(c->err->message, sizeof c->err->message,
	    "%.128s: ", label);
	va_start(ap, fmt);
	vsnprintf(c->err->message + n, sizeof c->err->message - n, fmt, ap);
	va_end(ap);
	return (-1);
}

/* The common case: an invalid value, labelled by its pointer. */
static int __attribute__((format(printf, 3, 4)))
vfail(struct vctx *c, const char *path, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return (vfail_at(c, CODE_INVALID, path, NULL, "%s", msg));
}

/* "a string", "an integer"... for type errors. */
static const char *
json_kind(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return ("an object");
	case JSON_ARRAY:
		return ("an array");
	case JSON_STRING:
		return ("a string");
	case JSON_INTEGER:
		return ("an integer");
	case JSON_REAL:
		return ("a number with a fraction");
	case JSON_TRUE:
	case JSON_FALSE:
		return ("a boolean");
	case JSON_NULL:
		return ("null");
	}
	return ("an unknown type");
}

/* Reject fields not in allowed, with a did-you-mean hint. */
static int
v_fields(struct vctx *c, json_t *obj, const char *path, const char **allowed)
{
	const char	*key;
	json_t		*v;
	char		 p[PTR_MAX], hint[128];

	json_object_foreach(obj, key, v) {
		if (in_list(allowed, key))
			continue;
		ptr_key(p, path, key);
		return (vfail_at(c, CODE_INVALID, p, key, "unknown field%s",
		    parse_suggest(hint, sizeof hint, key, allowed)));
	}
	return (0);
}

/* A required field is missing: point at the object, name the field. */
static int
v_missing(struct vctx *c, const char *path, const char *field)
{
	return (vfail_at(c, CODE_INVALID, path, field, "required field is "
	    "missing"));
}

/* A required field of obj, or NULL once its absence is reported. */
static json_t *
v_need(struct vctx *c, json_t *obj, const char *path, const char *field)
{
	json_t	*v;

	if ((v = json_object_get(obj, field)) == NULL)
		v_missing(c, path, field);
	return (v);
}

/* Expect an object. */
static int
v_object(struct vctx *c, json_t *v, const char *path)
{
	if (json_is_object(v))
		return (0);
	return (vfail(c, path, "expected an object; got %s", json_kind(v)));
}

/* Expect a string without NUL bytes. */
static int
v_string(struct vctx *c, json_t *v, const char *path, const char **out)
{
	if (!json_is_string(v)) {
		return (vfail(c, path, "expected a string; got %s",
		    json_kind(v)));
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) {
		return (vfail(c, path, "must not contain NUL characters"));
	}
	return (0);
}

/* Expect an integer (10.0 counts; booleans do not). */
static int
v_int(struct vctx *c, json_t *v, const char *path, json_int_t *out)
{
	double	d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return (0);
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d > -9e15 && d < 9e15 && d == (double)(json_int_t)d) {
			*out = (json_int_t)d;
			return (0);
		}
		return (vfail(c, path, "expected an integer; got %g", d));
	}
	return (vfail(c, path, "expected an integer; got %s", json_kind(v)));
}

/* Expect a number, integer or not (booleans do not count). */
static int
v_number(struct vctx *c, json_t *v, const char *path, double *out)
{
	if (!json_is_number(v)) {
		return (vfail(c, path, "expected a number; got %s",
		    json_kind(v)));
	}
	*out = json_number_value(v);
	return (0);
}

/* Expect true or false. */
static int
v_bool(struct vctx *c, json_t *v, const char *path)
{
	if (json_is_boolean(v))
		return (0);
	return (vfail(c, path, "expected true or false; got %s", json_kind(v)));
}

/* Expect one of a list of strings. */
static int
v_enum(struct vctx *c, json_t *v, const char *path, const char **list)
{
	const char	**l;
	char		  all[256], hint[128];
	const char	 *s;

	all[0] = '\0';
	for (l = list; *l != NULL; l++) {
		if (l != list)
			cat(all, sizeof all, ", ");
		cat(all, sizeof all, *l);
	}
	if (!json_is_string(v)) {
		return (vfail(c, path, "expected one of %s; got %s", all,
		    json_kind(v)));
	}
	s = json_string_value(v);
	if (in_list(list, s))
		return (0);
	return (vfail(c, path, "expected one of %s; got \"%.64s\"%s", all, s,
	    parse_suggest(hint, sizeof hint, s, list)));
}

/* Expect a name: [A-Za-z0-9._-]{1,64}. */
static int
v_name(struct vctx *c, json_t *v, const char *path, const char **out)
{
	if (v_string(c, v, path, out) != 0)
		return (-1);
	if (parse_name(*out))
		return (0);
	return (vfail(c, path, "expected a name of 1 to 64 characters from A-Z "
	    "a-z 0-9 . _ -; got \"%.80s\"", *out));
}

/* Expect a duration string; zero only when allow_zero. */
static int
v_duration(struct vctx *c, json_t *v, const char *path, int allow_zero,
    int64_t *us)
{
	const char	*s;
	char		*cause;
	int64_t		 dummy;

	if (us == NULL)
		us = &dummy;
	if (!json_is_string(v)) {
		return (vfail(c, path, "expected a duration string such as "
		    "\"250ms\", \"1.5s\", \"2m\"; got %s", json_kind(v)));
	}
	s = json_string_value(v);
	if (parse_duration(s, us, &cause) != 0) {
		vfail(c, path, "%s", cause);
		free(cause);
		return (-1);
	}
	if (!allow_zero && *us == 0) {
		return (vfail(c, path, "must be greater than zero; got \"%s\"",
		    s));
	}
	return (0);
}

/* What v_opt() checks an optional field for. */
enum opt_kind {
	OPT_STRING,
	OPT_BOOL,
	OPT_DURATION,		/* zero allowed */
	OPT_POSITIVE_DURATION
};

/*
 * An optional field: checked by kind and copied into out, or set to dflt
 * (stolen; NULL leaves it absent). A duration's value goes to *us.
 */
static int
v_opt(struct vctx *c, json_t *in, json_t *out, const char *path,
    const char *key, enum opt_kind kind, json_t *dflt, int64_t *us)
{
	json_t		*v;
	const char	*s;
	char		 p[PTR_MAX];
	int		 r = -1;

	if ((v = json_object_get(in, key)) == NULL) {
		if (dflt != NULL)
			json_object_set_new(out, key, dflt);
		return (0);
	}
	json_decref(dflt);
	ptr_key(p, path, key);
	switch (kind) {
	case OPT_STRING:
		r = v_string(c, v, p, &s);
		break;
	case OPT_BOOL:
		r = v_bool(c, v, p);
		break;
	case OPT_DURATION:
	case OPT_POSITIVE_DURATION:
		r = v_duration(c, v, p, kind == OPT_DURATION, us);
		break;
	}
	if (r != 0)
		return (-1);
	json_object_set_new(out, key, json_deep_copy(v));
	return (0);
}

/* Format microseconds as a duration string ("1h30m", "250ms"). */
static void
fmt_duration(char *buf, size_t len, int64_t us)
{
	static const struct {
		const char	*unit;
		int64_t		 us;
	} units[] = {
		{ "h", 3600LL * 1000000 }, { "m", 60LL * 1000000 },
		{ "s", 1000000 }, { "ms", 1000 }, { "us", 1 }
	};
	char	 part[32];
	u_int	 i;

	buf[0] = '\0';
	if (us == 0) {
		snprintf(buf, len, "%s", "0s");
		return;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (us / units[i].us == 0)
			continue;
		snprintf(part, sizeof part, "%lld%s",
		    (long long)(us / units[i].us), units[i].unit);
		cat(buf, len, part);
		us %= units[i].us;
	}
}

/* No control characters or spaces: they would break the request line. */
static int
has_ctl_or_space(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((u_char)*s <= 0x20 || (u_char)*s == 0x7f)
			return (1);
	}
	return (0);
}

/*
 * Expect an absolute http/https URL with a host. A target may hold a base
 * path but no query or fragment; a request url may hold a query.
 */
static int
v_url(struct vctx *c, json_t *v, const char *path, int is_target)
{
	struct http_parser_url	 u;
	const char		*s, *scheme;
	size_t			 len;

	if (v_string(c, v, path, &s) != 0)
		return (-1);
	len = strlen(s);
	http_parser_url_init(&u);
	if (len == 0 || len > 4096 || has_ctl_or_space(s) ||
	    http_parser_parse_url(s, len, 0, &u) != 0 ||
	    (~u.field_set & ((1 << UF_SCHEMA) | (1 << UF_HOST))) != 0 ||
	    u.field_data[UF_HOST].len == 0) {
		return (vfail(c, path, "expected an absolute http:// or "
		    "https:// URL such as \"http://127.0.0.1:8080%s\"; got "
		    "\"%.128s\"", is_target ? "" : "/path", s));
	}
	scheme = s + u.field_data[UF_SCHEMA].off;
	len = u.field_data[UF_SCHEMA].len;
	if (!(len == 4 && strncasecmp(scheme, "http", 4) == 0) &&
	    !(len == 5 && strncasecmp(scheme, "https", 5) == 0)) {
		return (vfail(c, path, "expected an http:// or https:// URL; "
		    "got scheme \"%.*s\"", (int)len, scheme));
	}
	if (u.field_set & (1 << UF_USERINFO)) {
		return (vfail(c, path, "must not contain user information "
		    "(user@host); got \"%.128s\"", s));
	}
	if ((u.field_set & (1 << UF_PORT)) && u.port == 0) {
		return (vfail(c, path, "port must be between 1 and 65535; got "
		    "\"%.128s\"", s));
	}
	if (u.field_set & (1 << UF_FRAGMENT)) {
		return (vfail(c, path, "must not contain a fragment (#...); "
		    "got \"%.128s\"", s));
	}
	if (is_target && (u.field_set & (1 << UF_QUERY))) {
		return (vfail(c, path, "must not contain a query (put it in "
		    "each request's path); got \"%.128s\"", s));
	}
	return (0);
}

/* Is s an RFC 7230 token (a valid header name)? */
static int
is_token(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!isalnum((u_char)*s) && strchr("!#$%&'*+-.^_`|~", *s) ==
		    NULL)
			return (0);
		if ((u_char)*s >= 0x80)
			return (0);
	}
	return (1);
}

/* Headers: an object of token names to strings without CR, LF or NUL. */
static int
v_headers(struct vctx *c, json_t *v, const char *path, json_t **out)
{
	const char	*key, *s;
	json_t		*hv;
	char		 p[PTR_MAX];

	if (v == NULL) {
		*out = json_object();
		return (0);
	}
	if (v_object(c, v, path) != 0)
		return (-1);
	json_object_foreach(v, key, hv) {
		ptr_key(p, path, key);
		if (!is_token(key)) {
			return (vfail_at(c, CODE_INVALID, p, "headers",
			    "invalid header name \"%.64s\" (expected an RFC "
			    "7230 token: letters, digits and !#$%%&'*+-.^_`|~)",
			    key));
		}
		if (!json_is_string(hv)) {
			return (vfail_at(c, CODE_INVALID, p, "headers", "value "
			    "of \"%.64s\" must be a string; got %s", key,
			    json_kind(hv)));
		}
		s = json_string_value(hv);
		if (strlen(s) != json_string_length(hv) ||
		    strpbrk(s, "\r\n") != NULL) {
			return (vfail_at(c, CODE_INVALID, p, "headers", "value "
			    "of \"%.64s\" must not contain CR, LF or NUL",
			    key));
		}
	}
	*out = json_deep_copy(v);
	return (0);
}

/* Record a request/group name, which must be unique in the scenario. */
static int
v_register(struct vctx *c, const char *name, const char *path)
{
	json_t	*prev;

	if ((prev = json_object_get(c->names, name)) != NULL) {
		return (vfail(c, path, "\"%s\" is already the name of %s "
		    "(request and group names must be unique)", name,
		    json_string_value(prev)));
	}
	json_object_set_new(c->names, name, json_string(path));
	return (0);
}

/* Collect the registered names into a NULL-terminated list (for hints). */
static const char **
names_list(struct vctx *c)
{
	const char	**list, *key;
	json_t		 *v;
	size_t		  n = 0;

	list = xcalloc(json_object_size(c->names) + 1, sizeof *list);
	json_object_foreach(c->names, key, v)
		list[n++] = key;
	list[n] = NULL;
	return (list);
}

/*
 * One threshold: a rule string or {"rule", "abort_on_fail"}. owner is the
 * request whose thresholds these are, or NULL for the scenario's.
 */
static json_t *
v_threshold(struct vctx *c, json_t *v, const char *path, const char *owner)
{
	struct threshold	  t;
	json_t			 *rv, *av;
	const char		 *rule, **names;
	char			  rpath[PTR_MAX], apath[PTR_MAX], hint[128];
	char			 *cause;
	int			  abort_on_fail = 0;

	if (json_is_string(v)) {
		rv = v;
		snprintf(rpath, sizeof rpath, "%s", path);
	} else if (json_is_object(v)) {
		if (v_fields(c, v, path, threshold_fields) != 0)
			return (NULL);
		if ((rv = v_need(c, v, path, "rule")) == NULL)
			return (NULL);
		ptr_key(rpath, path, "rule");
		if ((av = json_object_get(v, "abort_on_fail")) != NULL) {
			ptr_key(apath, path, "abort_on_fail");
			if (v_bool(c, av, apath) != 0)
				return (NULL);
			abort_on_fail = json_is_true(av);
		}
	} else {
		vfail(c, path, "expected a rule such as \"p95 < 100ms\" or "
		    "{\"rule\": ..., \"abort_on_fail\": true}; got %s",
		    json_kind(v));
		return (NULL);
	}
	if (v_string(c, rv, rpath, &rule) != 0)
		return (NULL);
	if (threshold_parse(rule, &t, &cause) != 0) {
		vfail(c, rpath, "%s", cause);
		free(cause);
		return (NULL);
	}
	if ((metric_defs[t.metric].flags & METRIC_RUN_ONLY) &&
	    owner != NULL) {
		vfail(c, rpath, "%s is a metric of the whole run; put it in "
		    "the scenario's thresholds", metric_name(t.metric));
		return (NULL);
	}
	if ((metric_defs[t.metric].flags & METRIC_RUN_ONLY) &&
	    !c->has_monitor) {
		vfail(c, rpath, "%s needs a \"monitor\" (the target process "
		    "whose memory is sampled)", metric_name(t.metric));
		return (NULL);
	}
	if (t.request[0] != '\0' && owner != NULL &&
	    strcmp(t.request, owner) != 0) {
		vfail(c, rpath, "a threshold of request \"%s\" may not name "
		    "another request (\"%s\"); put it in the scenario's "
		    "thresholds", owner, t.request);
		return (NULL);
	}
	if (t.request[0] != '\0' && owner == NULL &&
	    json_object_get(c->names, t.request) == NULL) {
		names = names_list(c);
		vfail(c, rpath, "no request or group is named \"%s\"%s",
		    t.request, parse_suggest(hint, sizeof hint, t.request,
		    names));
		free(names);
		return (NULL);
	}
	return (json_pack("{s:s, s:b}", "rule", rule, "abort_on_fail",
	    abort_on_fail));
}

/* An array of thresholds, normalised to objects. */
static int
v_thresholds(struct vctx *c, json_t *v, const char *path, const char *owner,
    json_t **out)
{
	json_t	*item, *t;
	size_t	 i;
	char	 p[PTR_MAX];

	*out = NULL;
	if (v != NULL && !json_is_array(v)) {
		return (vfail(c, path, "expected an array of rules; got %s",
		    json_kind(v)));
	}
	*out = json_array();
	if (v == NULL)
		return (0);
	json_array_foreach(v, i, item) {
		ptr_index(p, path, i);
		if ((t = v_threshold(c, item, p, owner)) == NULL) {
			json_decref(*out);
			*out = NULL;
			return (-1);
		}
		json_array_append_new(*out, t);
	}
	return (0);
}

/* expect: a non-empty array of status codes, or a class like "2xx". */
static int
v_expect(struct vctx *c, json_t *v, const char *path)
{
	json_t		*item;
	json_int_t	 code;
	const char	*s;
	size_t		 i;
	char		 p[PTR_MAX];

	if (json_is_string(v)) {
		s = json_string_value(v);
		if (strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' &&
		    s[1] == 'x' && s[2] == 'x')
			return (0);
		return (vfail(c, path, "expected a status class \"1xx\" to "
		    "\"5xx\" or an array of status codes; got \"%.32s\"", s));
	}
	if (!json_is_array(v)) {
		return (vfail(c, path, "expected an array of status codes or a "
		    "class such as \"2xx\"; got %s", json_kind(v)));
	}
	if (json_array_size(v) == 0) {
		return (vfail(c, path, "expected at least one status code; got "
		    "an empty array"));
	}
	json_array_foreach(v, i, item) {
		ptr_index(p, path, i);
		if (v_int(c, item, p, &code) != 0)
			return (-1);
		if (code < 100 || code > 599) {
			return (vfail(c, p, "expected a status code between "
			    "100 and 599; got %lld", (long long)code));
		}
	}
	return (0);
}

/* weight: a number greater than zero. */
static int
v_weight(struct vctx *c, json_t *v, const char *path, json_t **out)
{
	double	d = 0;

	if (v == NULL) {
		*out = json_integer(1);
		return (0);
	}
	if (v_number(c, v, path, &d) != 0)
		return (-1);
	if (!(d > 0)) {
		return (vfail(c, path, "must be greater than zero; got %g", d));
	}
	*out = json_deep_copy(v);
	return (0);
}

/* One request entry. */
static json_t *
v_request(struct vctx *c, json_t *in, const char *path)
{
	json_t		*out, *v, *pv, *uv, *bv, *bbv, *o;
	const char	*s;
	json_int_t	 n;
	size_t		 i;
	char		 p[PTR_MAX];

	out = json_object();
	if (v_fields(c, in, path, request_fields) != 0)
		goto fail;
	if ((v = v_need(c, in, path, "name")) == NULL)
		goto fail;
	ptr_key(p, path, "name");
	if (v_name(c, v, p, &s) != 0 || v_register(c, s, p) != 0)
		goto fail;
	json_object_set_new(out, "name", json_string(s));

	ptr_key(p, path, "method");
	if ((v = json_object_get(in, "method")) == NULL)
		json_object_set_new(out, "method", json_string("GET"));
	else {
		if (v_enum(c, v, p, methods) != 0)
			goto fail;
		json_object_set_new(out, "method", json_deep_copy(v));
	}

	pv = json_object_get(in, "path");
	uv = json_object_get(in, "url");
	if (pv != NULL && uv != NULL) {
		ptr_key(p, path, "url");
		vfail(c, p, "give either path or url, not both");
		goto fail;
	}
	if (pv == NULL && uv == NULL) {
		vfail_at(c, CODE_INVALID, path, "path", "required field is "
		    "missing (a request needs a path joined to target, or a "
		    "url)");
		goto fail;
	}
	if (pv != NULL) {
		ptr_key(p, path, "path");
		if (v_string(c, pv, p, &s) != 0)
			goto fail;
		if (s[0] != '/') {
			vfail(c, p, "must start with \"/\"; got \"%.128s\"", s);
			goto fail;
		}
		if (has_ctl_or_space(s) || strchr(s, '#') != NULL) {
			vfail(c, p, "must not contain spaces, control "
			    "characters or \"#\"; got \"%.128s\"", s);
			goto fail;
		}
		if (!c->has_target) {
			vfail(c, p, "needs the scenario's target to be joined "
			    "to (or give a full url)");
			goto fail;
		}
		json_object_set_new(out, "path", json_deep_copy(pv));
	} else {
		ptr_key(p, path, "url");
		if (v_url(c, uv, p, 0) != 0)
			goto fail;
		json_object_set_new(out, "url", json_deep_copy(uv));
	}

	ptr_key(p, path, "headers");
	if (v_headers(c, json_object_get(in, "headers"), p, &o) != 0)
		goto fail;
	json_object_set_new(out, "headers", o);

	bv = json_object_get(in, "body");
	bbv = json_object_get(in, "body_bytes");
	if (bv != NULL) {
		ptr_key(p, path, "body");
		if (v_string(c, bv, p, &s) != 0)
			goto fail;
		if (strlen(s) > LOADD_BODY_BYTES_MAX) {
			vfail(c, p, "must be at most %d bytes",
			    LOADD_BODY_BYTES_MAX);
			goto fail;
		}
	}
	if (bbv != NULL) {
		ptr_key(p, path, "body_bytes");
		if (bv != NULL) {
			vfail(c, p, "give either body or body_bytes, not both");
			goto fail;
		}
		if (v_int(c, bbv, p, &n) != 0)
			goto fail;
		if (n < 0 || n > LOADD_BODY_BYTES_MAX) {
			vfail(c, p, "must be between 0 and %d; got %lld",
			    LOADD_BODY_BYTES_MAX, (long long)n);
			goto fail;
		}
		json_object_set_new(out, "body_bytes", json_integer(n));
	} else if (bv != NULL)
		json_object_set_new(out, "body", json_deep_copy(bv));

	ptr_key(p, path, "weight");
	if (v_weight(c, json_object_get(in, "weight"), p, &o) != 0)
		goto fail;
	json_object_set_new(out, "weight", o);

	if ((v = json_object_get(in, "expect")) != NULL) {
		ptr_key(p, path, "expect");
		if (v_expect(c, v, p) != 0)
			goto fail;
		if (json_is_array(v)) {
			o = json_array();
			json_array_foreach(v, i, bv) {
				json_array_append_new(o, json_integer(
				    json_is_integer(bv) ?
				    json_integer_value(bv) :
				    (json_int_t)json_real_value(bv)));
			}
			json_object_set_new(out, "expect", o);
		} else
			json_object_set_new(out, "expect", json_deep_copy(v));
	}

	if (v_opt(c, in, out, path, "timeout", OPT_POSITIVE_DURATION, NULL,
	    NULL) != 0)
		goto fail;

	ptr_key(p, path, "thresholds");
	if (v_thresholds(c, json_object_get(in, "thresholds"), p,
	    json_string_value(json_object_get(out, "name")), &o) != 0)
		goto fail;
	json_object_set_new(out, "thresholds", o);
	return (out);

fail:
	json_decref(out);
	return (NULL);
}

static int	v_requests(struct vctx *, json_t *, const char *, int,
		    json_t **);

/* One group entry: group, name, weight and 2..32 plain requests. */
static json_t *
v_group(struct vctx *c, json_t *in, const char *path)
{
	json_t		*out, *v, *o;
	const char	*s;
	char		 p[PTR_MAX];

	out = json_object();
	if (v_fields(c, in, path, group_fields) != 0)
		goto fail;
	if (v_need(c, in, path, "name") == NULL ||
	    v_need(c, in, path, "requests") == NULL)
		goto fail;
	ptr_key(p, path, "group");
	if (v_enum(c, json_object_get(in, "group"), p, group_kinds) != 0)
		goto fail;
	json_object_set_new(out, "group",
	    json_deep_copy(json_object_get(in, "group")));

	ptr_key(p, path, "name");
	v = json_object_get(in, "name");
	if (v_name(c, v, p, &s) != 0 || v_register(c, s, p) != 0)
		goto fail;
	json_object_set_new(out, "name", json_string(s));

	ptr_key(p, path, "weight");
	if (v_weight(c, json_object_get(in, "weight"), p, &o) != 0)
		goto fail;
	json_object_set_new(out, "weight", o);

	ptr_key(p, path, "requests");
	if (v_requests(c, json_object_get(in, "requests"), p, 1, &o) != 0)
		goto fail;
	json_object_set_new(out, "requests", o);
	return (out);

fail:
	json_decref(out);
	return (NULL);
}

/* The requests array of the scenario (or of a group, when in_group). */
static int
v_requests(struct vctx *c, json_t *v, const char *path, int in_group,
    json_t **out)
{
	json_t	*item, *o;
	size_t	 i, min, max;
	char	 p[PTR_MAX], gp[PTR_MAX];

	min = in_group ? GROUP_MIN : 1;
	max = in_group ? GROUP_MAX : REQUESTS_MAX;
	*out = NULL;
	if (!json_is_array(v)) {
		return (vfail(c, path, "expected an array of requests; got %s",
		    json_kind(v)));
	}
	if (json_array_size(v) < min || json_array_size(v) > max) {
		return (vfail(c, path, "expected %zu to %zu %s; got %zu", min,
		    max, in_group ? "requests in a group" : "entries",
		    json_array_size(v)));
	}
	*out = json_array();
	json_array_foreach(v, i, item) {
		ptr_index(p, path, i);
		if (!json_is_object(item)) {
			vfail(c, p, "expected an object (a request%s); got %s",
			    in_group ? "" : " or a group", json_kind(item));
			goto fail;
		}
		if (json_object_get(item, "group") != NULL) {
			if (in_group) {
				ptr_key(gp, p, "group");
				vfail(c, gp, "groups cannot be nested: a "
				    "group's requests must be plain requests");
				goto fail;
			}
			o = v_group(c, item, p);
		} else
			o = v_request(c, item, p);
		if (o == NULL)
			goto fail;
		json_array_append_new(*out, o);
	}
	return (0);

fail:
	json_decref(*out);
	*out = NULL;
	return (-1);
}

/* A VU count 0..max_vus (or min..max_vus); above the limit is a 400 limit. */
static int
v_vus(struct vctx *c, json_t *v, const char *path, json_int_t min,
    json_int_t *out)
{
	if (v_int(c, v, path, out) != 0)
		return (-1);
	if (*out < min) {
		return (vfail(c, path, "must be at least %lld; got %lld",
		    (long long)min, (long long)*out));
	}
	if (*out > c->lim->max_vus) {
		return (vfail_at(c, CODE_LIMIT, path, NULL, "must be at most "
		    "%lld (max_vus of this daemon); got %lld",
		    (long long)c->lim->max_vus, (long long)*out));
	}
	return (0);
}

/* A rate: > 0 (or >= 0 when allow_zero), at most max_rate. */
static int
v_rate(struct vctx *c, json_t *v, const char *path, int allow_zero,
    double *out)
{
	if (v_number(c, v, path, out) != 0)
		return (-1);
	if (allow_zero ? *out < 0 : !(*out > 0)) {
		return (vfail(c, path, "must be %s zero; got %g", allow_zero ?
		    "at least" : "greater than", *out));
	}
	if (*out > c->lim->max_rate) {
		return (vfail_at(c, CODE_LIMIT, path, NULL, "must be at most "
		    "%g (max_rate of this daemon); got %g", c->lim->max_rate,
		    *out));
	}
	return (0);
}

/* Add b to a, saturating well above any limit. */
static int64_t
add_us(int64_t a, int64_t b)
{
	if (a > INT64_MAX / 4 || b > INT64_MAX / 4)
		return (INT64_MAX / 4);
	return (a + b);
}

/* stages: [{"duration", "target"}], targets VUs or rates; sums the length. */
static int
v_stages(struct vctx *c, json_t *v, const char *path, int rates,
    int64_t *total, json_t **out)
{
	json_t		*st, *dv, *tv, *o;
	json_int_t	 vus;
	double		 rate;
	int64_t		 us;
	size_t		 i;
	char		 p[PTR_MAX], fp[PTR_MAX];

	*total = 0;
	*out = NULL;
	if (!json_is_array(v)) {
		return (vfail(c, path, "expected an array of {\"duration\", "
		    "\"target\"} stages; got %s", json_kind(v)));
	}
	if (json_array_size(v) == 0) {
		return (vfail(c, path, "expected at least one stage; got an "
		    "empty array"));
	}
	*out = json_array();
	json_array_foreach(v, i, st) {
		ptr_index(p, path, i);
		if (v_object(c, st, p) != 0 ||
		    v_fields(c, st, p, stage_fields) != 0)
			goto fail;
		if ((dv = v_need(c, st, p, "duration")) == NULL ||
		    (tv = v_need(c, st, p, "target")) == NULL)
			goto fail;
		ptr_key(fp, p, "duration");
		if (v_duration(c, dv, fp, 0, &us) != 0)
			goto fail;
		*total = add_us(*total, us);
		ptr_key(fp, p, "target");
		o = json_object();
		json_object_set_new(o, "duration", json_deep_copy(dv));
		if (rates) {
			if (v_rate(c, tv, fp, 1, &rate) != 0) {
				json_decref(o);
				goto fail;
			}
			json_object_set_new(o, "target", json_deep_copy(tv));
		} else {
			if (v_vus(c, tv, fp, 0, &vus) != 0) {
				json_decref(o);
				goto fail;
			}
			json_object_set_new(o, "target", json_integer(vus));
		}
		json_array_append_new(*out, o);
	}
	return (0);

fail:
	json_decref(*out);
	*out = NULL;
	return (-1);
}

/* think_time: a duration, or {"min", "max"} with min <= max. */
static int
v_think_time(struct vctx *c, json_t *v, const char *path)
{
	json_t	*mn, *mx;
	int64_t	 a, b;
	char	 p[PTR_MAX];

	if (json_is_string(v))
		return (v_duration(c, v, path, 1, NULL));
	if (!json_is_object(v)) {
		return (vfail(c, path, "expected a duration such as \"1s\" or "
		    "{\"min\": \"1s\", \"max\": \"3s\"}; got %s",
		    json_kind(v)));
	}
	if (v_fields(c, v, path, think_fields) != 0)
		return (-1);
	if ((mn = v_need(c, v, path, "min")) == NULL ||
	    (mx = v_need(c, v, path, "max")) == NULL)
		return (-1);
	ptr_key(p, path, "min");
	if (v_duration(c, mn, p, 1, &a) != 0)
		return (-1);
	ptr_key(p, path, "max");
	if (v_duration(c, mx, p, 1, &b) != 0)
		return (-1);
	if (a > b) {
		return (vfail(c, p, "must be at least min (\"%s\"); got \"%s\"",
		    json_string_value(mn), json_string_value(mx)));
	}
	return (0);
}

/* Check load's keys against its executor: unknown, or another's field. */
static int
v_load_fields(struct vctx *c, json_t *in, const char *path, enum executor ex)
{
	const char	*key, *allowed[16], *owner;
	json_t		*v;
	char		 p[PTR_MAX], hint[128];
	u_int		 i, n = 0, e;
	int		 closed;

	closed = (ex != EXEC_CONSTANT_RATE && ex != EXEC_RAMPING_RATE);
	for (i = 0; load_common[i] != NULL; i++) {
		if (closed || strcmp(load_common[i], "think_time") != 0)
			allowed[n++] = load_common[i];
	}
	for (i = 0; executor_fields[ex][i] != NULL; i++)
		allowed[n++] = executor_fields[ex][i];
	allowed[n] = NULL;

	json_object_foreach(in, key, v) {
		if (in_list(allowed, key))
			continue;
		ptr_key(p, path, key);
		if (strcmp(key, "think_time") == 0) {
			return (vfail_at(c, CODE_INVALID, p, key, "not a field "
			    "of executor %s (think time applies to closed "
			    "models only: constant-vus, ramping-vus, sweep)",
			    executors[ex]));
		}
		owner = NULL;
		for (e = 0; executors[e] != NULL && owner == NULL; e++) {
			if (in_list(executor_fields[e], key))
				owner = executors[e];
		}
		if (owner != NULL) {
			return (vfail_at(c, CODE_INVALID, p, key, "not a field "
			    "of executor %s (it belongs to %s)", executors[ex],
			    owner));
		}
		return (vfail_at(c, CODE_INVALID, p, key, "unknown field%s",
		    parse_suggest(hint, sizeof hint, key, allowed)));
	}
	return (0);
}

/* constant-vus: vus, and duration and/or iterations. */
static int
v_load_constant_vus(struct vctx *c, json_t *in, json_t *out, const char *path,
    int64_t *length)
{
	json_t		*v;
	json_int_t	 n;
	char		 p[PTR_MAX];

	if ((v = v_need(c, in, path, "vus")) == NULL)
		return (-1);
	ptr_key(p, path, "vus");
	if (v_vus(c, v, p, 1, &n) != 0)
		return (-1);
	json_object_set_new(out, "vus", json_integer(n));
	if (json_object_get(in, "duration") == NULL &&
	    json_object_get(in, "iterations") == NULL) {
		return (vfail_at(c, CODE_INVALID, path, "duration", "required "
		    "field is missing (constant-vus needs duration, iterations "
		    "or both)"));
	}
	if (v_opt(c, in, out, path, "duration", OPT_POSITIVE_DURATION, NULL,
	    length) != 0)
		return (-1);
	if ((v = json_object_get(in, "iterations")) != NULL) {
		ptr_key(p, path, "iterations");
		if (v_int(c, v, p, &n) != 0)
			return (-1);
		if (n < 1) {
			return (vfail(c, p, "must be at least 1; got %lld",
			    (long long)n));
		}
		json_object_set_new(out, "iterations", json_integer(n));
	}
	return (0);
}

/* ramping-vus: start_vus and stages of VU targets. */
static int
v_load_ramping_vus(struct vctx *c, json_t *in, json_t *out, const char *path,
    int64_t *length)
{
	json_t		*v, *o;
	json_int_t	 n = 0;
	char		 p[PTR_MAX];

	if (v_need(c, in, path, "stages") == NULL)
		return (-1);
	if ((v = json_object_get(in, "start_vus")) != NULL) {
		ptr_key(p, path, "start_vus");
		if (v_vus(c, v, p, 0, &n) != 0)
			return (-1);
	}
	json_object_set_new(out, "start_vus", json_integer(n));
	ptr_key(p, path, "stages");
	if (v_stages(c, json_object_get(in, "stages"), p, 0, length, &o) != 0)
		return (-1);
	json_object_set_new(out, "stages", o);
	return (0);
}

/* constant-rate and ramping-rate: a rate or stages of rates, and max_vus. */
static int
v_load_open(struct vctx *c, json_t *in, json_t *out, const char *path,
    enum executor ex, int64_t *length)
{
	json_t		*v, *o;
	json_int_t	 n;
	double		 rate;
	char		 p[PTR_MAX];

	if (ex == EXEC_CONSTANT_RATE) {
		if ((v = v_need(c, in, path, "rate")) == NULL ||
		    v_need(c, in, path, "duration") == NULL)
			return (-1);
		ptr_key(p, path, "rate");
		if (v_rate(c, v, p, 0, &rate) != 0)
			return (-1);
		json_object_set_new(out, "rate", json_deep_copy(v));
		if (v_opt(c, in, out, path, "duration", OPT_POSITIVE_DURATION,
		    NULL, length) != 0)
			return (-1);
	} else {
		if (v_need(c, in, path, "stages") == NULL)
			return (-1);
		if ((v = json_object_get(in, "start_rate")) != NULL) {
			ptr_key(p, path, "start_rate");
			if (v_rate(c, v, p, 1, &rate) != 0)
				return (-1);
			json_object_set_new(out, "start_rate",
			    json_deep_copy(v));
		} else
			json_object_set_new(out, "start_rate", json_integer(0));
		ptr_key(p, path, "stages");
		if (v_stages(c, json_object_get(in, "stages"), p, 1, length,
		    &o) != 0)
			return (-1);
		json_object_set_new(out, "stages", o);
	}
	n = c->lim->max_vus < DEFAULT_OPEN_VUS ? c->lim->max_vus :
	    DEFAULT_OPEN_VUS;
	if ((v = json_object_get(in, "max_vus")) != NULL) {
		ptr_key(p, path, "max_vus");
		if (v_vus(c, v, p, 1, &n) != 0)
			return (-1);
	}
	json_object_set_new(out, "max_vus", json_integer(n));
	return (0);
}

/* sweep: levels of VU counts, each run for level_duration. */
static int
v_load_sweep(struct vctx *c, json_t *in, json_t *out, const char *path,
    int64_t *length)
{
	json_t		*v, *item, *o;
	json_int_t	 n;
	int64_t		 us;
	size_t		 i;
	char		 p[PTR_MAX], lp[PTR_MAX];

	if ((v = v_need(c, in, path, "levels")) == NULL ||
	    v_need(c, in, path, "level_duration") == NULL)
		return (-1);
	ptr_key(p, path, "levels");
	if (!json_is_array(v)) {
		return (vfail(c, p, "expected an array of VU counts such as "
		    "[1, 5, 10]; got %s", json_kind(v)));
	}
	if (json_array_size(v) == 0 || json_array_size(v) > LEVELS_MAX) {
		return (vfail(c, p, "expected 1 to %d levels; got %zu",
		    LEVELS_MAX, json_array_size(v)));
	}
	o = json_array();
	json_object_set_new(out, "levels", o);
	json_array_foreach(v, i, item) {
		ptr_index(lp, p, i);
		if (v_vus(c, item, lp, 1, &n) != 0)
			return (-1);
		json_array_append_new(o, json_integer(n));
	}
	if (v_opt(c, in, out, path, "level_duration", OPT_POSITIVE_DURATION,
	    NULL, &us) != 0)
		return (-1);
	/* Each level's report is made of whole seconds of the run. */
	if (us % 1000000 != 0) {
		ptr_key(p, path, "level_duration");
		return (vfail(c, p, "expected whole seconds, such as \"30s\" "
		    "(each level is reported from whole seconds of the run)"));
	}
	*length = us * (int64_t)json_array_size(v);
	return (0);
}

/* The load section: an executor, its fields, the common ones, the limits. */
static json_t *
v_load(struct vctx *c, json_t *in, const char *path)
{
	static const char	*lenfields[] = {
		"duration", "stages", "duration", "stages", "level_duration"
	};
	json_t			*out, *v;
	enum executor		 ex;
	int64_t			 length = 0, warmup = 0;
	char			 p[PTR_MAX], a[64], b[64];
	const char		*lenfield;
	int			 r;

	if (v_object(c, in, path) != 0)
		return (NULL);
	if ((v = json_object_get(in, "executor")) == NULL) {
		vfail_at(c, CODE_INVALID, path, "executor", "required field is "
		    "missing (one of constant-vus, ramping-vus, constant-rate, "
		    "ramping-rate, sweep)");
		return (NULL);
	}
	ptr_key(p, path, "executor");
	if (v_enum(c, v, p, executors) != 0)
		return (NULL);
	for (ex = 0; strcmp(executors[ex], json_string_value(v)) != 0; ex++)
		;
	if (v_load_fields(c, in, path, ex) != 0)
		return (NULL);

	out = json_object();
	json_object_set_new(out, "executor", json_string(executors[ex]));
	switch (ex) {
	case EXEC_CONSTANT_VUS:
		r = v_load_constant_vus(c, in, out, path, &length);
		break;
	case EXEC_RAMPING_VUS:
		r = v_load_ramping_vus(c, in, out, path, &length);
		break;
	case EXEC_SWEEP:
		r = v_load_sweep(c, in, out, path, &length);
		break;
	default:
		r = v_load_open(c, in, out, path, ex, &length);
		break;
	}
	if (r != 0 ||
	    v_opt(c, in, out, path, "warmup", OPT_DURATION, json_string("0s"),
	    &warmup) != 0)
		goto fail;
	if (ex == EXEC_SWEEP && warmup % 1000000 != 0) {
		ptr_key(p, path, "warmup");
		vfail(c, p, "expected whole seconds with sweep, such as \"5s\" "
		    "(each level is reported from whole seconds of the run)");
		goto fail;
	}
	if (ex != EXEC_CONSTANT_RATE && ex != EXEC_RAMPING_RATE) {
		ptr_key(p, path, "think_time");
		if ((v = json_object_get(in, "think_time")) == NULL)
			v = json_string("0s");
		else if (v_think_time(c, v, p) != 0)
			goto fail;
		else
			v = json_deep_copy(v);
		json_object_set_new(out, "think_time", v);
	}
	if (v_opt(c, in, out, path, "keepalive", OPT_BOOL, json_true(),
	    NULL) != 0)
		goto fail;

	/* The whole run, warmup included, must fit in max_duration. */
	if (add_us(length, warmup) > c->lim->max_duration_us) {
		fmt_duration(a, sizeof a, add_us(length, warmup));
		fmt_duration(b, sizeof b, c->lim->max_duration_us);
		lenfield = lenfields[ex];
		if (json_object_get(in, lenfield) == NULL ||
		    length <= c->lim->max_duration_us)
			lenfield = "warmup";
		ptr_key(p, path, lenfield);
		vfail_at(c, CODE_LIMIT, p, NULL, "the run would last %s "
		    "(warmup included), more than max_duration (%s) of this "
		    "daemon", a, b);
		goto fail;
	}
	return (out);

fail:
	json_decref(out);
	return (NULL);
}

/* labels: name keys to strings of at most 256 bytes. */
static int
v_labels(struct vctx *c, json_t *v, const char *path, json_t **out)
{
	const char	*key, *s;
	json_t		*lv;
	char		 p[PTR_MAX];

	if (v == NULL) {
		*out = json_object();
		return (0);
	}
	if (v_object(c, v, path) != 0)
		return (-1);
	json_object_foreach(v, key, lv) {
		ptr_key(p, path, key);
		if (!parse_name(key)) {
			return (vfail_at(c, CODE_INVALID, p, "labels", "key "
			    "\"%.64s\" is not a name (1 to 64 characters from "
			    "A-Z a-z 0-9 . _ -)", key));
		}
		if (!json_is_string(lv)) {
			return (vfail_at(c, CODE_INVALID, p, "labels", "value "
			    "of \"%s\" must be a string; got %s", key,
			    json_kind(lv)));
		}
		s = json_string_value(lv);
		if (json_string_length(lv) > LABEL_VALUE_MAX ||
		    strlen(s) != json_string_length(lv)) {
			return (vfail_at(c, CODE_INVALID, p, "labels", "value "
			    "of \"%s\" must be at most %d bytes, without NUL",
			    key, LABEL_VALUE_MAX));
		}
	}
	*out = json_deep_copy(v);
	return (0);
}

/* monitor: exactly one of {"pid": N} or {"pidfile": "/abs/path"}. */
static int
v_monitor(struct vctx *c, json_t *v, const char *path, json_t **out)
{
	json_t		*pid, *pidfile;
	json_int_t	 n;
	const char	*s;
	char		 p[PTR_MAX];

	if (!json_is_object(v)) {
		return (vfail(c, path, "expected {\"pid\": N} or {\"pidfile\": "
		    "PATH}; got %s", json_kind(v)));
	}
	if (v_fields(c, v, path, monitor_fields) != 0)
		return (-1);
	pid = json_object_get(v, "pid");
	pidfile = json_object_get(v, "pidfile");
	if (pid != NULL && pidfile != NULL) {
		return (vfail(c, path, "give either pid or pidfile, not both"));
	}
	if (pid == NULL && pidfile == NULL) {
		return (vfail(c, path, "expected {\"pid\": N} or {\"pidfile\": "
		    "PATH}; got an empty object"));
	}
	if (pid != NULL) {
		ptr_key(p, path, "pid");
		if (v_int(c, pid, p, &n) != 0)
			return (-1);
		if (n < 1 || n > INT32_MAX) {
			return (vfail(c, p, "must be a process id between 1 "
			    "and %d; got %lld", INT32_MAX, (long long)n));
		}
		*out = json_pack("{s:I}", "pid", n);
		return (0);
	}
	ptr_key(p, path, "pidfile");
	if (v_string(c, pidfile, p, &s) != 0)
		return (-1);
	if (s[0] != '/') {
		return (vfail(c, p, "expected an absolute path such as "
		    "\"/run/app.pid\"; got \"%.128s\"", s));
	}
	*out = json_pack("{s:s}", "pidfile", s);
	return (0);
}

/* The top level. */
static int
v_scenario(struct vctx *c, json_t *in, json_t *out)
{
	json_t		*v, *o;
	const char	*s;

	if (v_fields(c, in, "", scenario_fields) != 0)
		return (-1);
	if (v_need(c, in, "", "name") == NULL ||
	    v_need(c, in, "", "requests") == NULL ||
	    v_need(c, in, "", "load") == NULL)
		return (-1);

	if (v_name(c, json_object_get(in, "name"), "/name", &s) != 0)
		return (-1);
	json_object_set_new(out, "name", json_string(s));

	if (v_opt(c, in, out, "", "description", OPT_STRING, json_string(""),
	    NULL) != 0)
		return (-1);

	if ((v = json_object_get(in, "target")) != NULL) {
		if (v_url(c, v, "/target", 1) != 0)
			return (-1);
		json_object_set_new(out, "target", json_deep_copy(v));
		c->has_target = 1;
	}

	if (v_headers(c, json_object_get(in, "headers"), "/headers", &o) != 0)
		return (-1);
	json_object_set_new(out, "headers", o);

	if (v_opt(c, in, out, "", "timeout", OPT_POSITIVE_DURATION,
	    json_string("10s"), NULL) != 0)
		return (-1);

	/* A path without a target is reported at that path. */
	if (v_requests(c, json_object_get(in, "requests"), "/requests", 0,
	    &o) != 0)
		return (-1);
	json_object_set_new(out, "requests", o);

	if ((o = v_load(c, json_object_get(in, "load"), "/load")) == NULL)
		return (-1);
	json_object_set_new(out, "load", o);

	if (v_thresholds(c, json_object_get(in, "thresholds"), "/thresholds",
	    NULL, &o) != 0)
		return (-1);
	json_object_set_new(out, "thresholds", o);

	if ((v = json_object_get(in, "samples")) != NULL) {
		if (v_enum(c, v, "/samples", sample_kinds) != 0)
			return (-1);
		json_object_set_new(out, "samples", json_deep_copy(v));
	} else
		json_object_set_new(out, "samples", json_string("all"));

	if (v_labels(c, json_object_get(in, "labels"), "/labels", &o) != 0)
		return (-1);
	json_object_set_new(out, "labels", o);

	if ((v = json_object_get(in, "monitor")) != NULL) {
		if (v_monitor(c, v, "/monitor", &o) != 0)
			return (-1);
		json_object_set_new(out, "monitor", o);
	}

	return (v_opt(c, in, out, "", "insecure", OPT_BOOL, json_false(),
	    NULL));
}

/*
 * Validate a scenario. Returns a new normalised document (the caller owns
 * it; in is only borrowed) or NULL with err filled in.
 */
json_t *
scenario_validate(json_t *in, const struct limits *lim, struct verror *err)
{
	struct vctx	 c;
	json_t		*out;

	memset(err, 0, sizeof *err);
	memset(&c, 0, sizeof c);
	c.lim = lim;
	c.err = err;
	if (in == NULL || !json_is_object(in)) {
		vfail(&c, "", "expected a JSON object; got %s", in == NULL ?
		    "nothing" : json_kind(in));
		return (NULL);
	}
	c.names = json_object();
	c.has_monitor = json_object_get(in, "monitor") != NULL;
	out = json_object();
	if (v_scenario(&c, in, out) != 0) {
		json_decref(out);
		out = NULL;
	}
	json_decref(c.names);
	return (out);
}
