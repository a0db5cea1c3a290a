/* SPDX-License-Identifier: MIT */
/*
 * scenario.c -- validate a scenario document (SPEC sections 2-4) and build its
 * normalised copy, defaults filled in: the top level, thresholds, labels
 * and the monitor here; requests in scenario-requests.c, the load in
 * scenario-load.c, the kit they share in vkit.c. The first error found
 * stops the walk and is reported with a code, a JSON pointer and a
 * sentence. Pure: no I/O, no globals, safe from any thread.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "loadd.h"
#include "vkit.h"

static const char *scenario_fields[] = {
	"name", "description", "target", "headers", "timeout", "requests",
	"load", "thresholds", "samples", "labels", "monitor", "insecure",
	"vars", "random_seed", "capture_max", "inspect_bytes", "cookies",
	"protocol", "connections", "tls_resume",
	"setup", NULL
};

static const char *threshold_fields[] = { "rule", "abort_on_fail", NULL };

static const char *monitor_fields[] = { "pid", "pidfile", NULL };


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
		if (vkit_fields(c, v, path, threshold_fields) != 0)
			return (NULL);
		if ((rv = vkit_need(c, v, path, "rule")) == NULL)
			return (NULL);
		vkit_ptr_key(rpath, path, "rule");
		if ((av = json_object_get(v, "abort_on_fail")) != NULL) {
			vkit_ptr_key(apath, path, "abort_on_fail");
			if (vkit_bool(c, av, apath) != 0)
				return (NULL);
			abort_on_fail = json_is_true(av);
		}
	} else {
		vkit_fail(c, path, "expected a rule such as \"p95 < 100ms\" or "
		    "{\"rule\": ..., \"abort_on_fail\": true}; got %s",
		    vkit_kind(v));
		return (NULL);
	}
	if (vkit_string(c, rv, rpath, &rule) != 0)
		return (NULL);
	if (threshold_parse(rule, &t, &cause) != 0) {
		vkit_fail(c, rpath, "%s", cause);
		free(cause);
		return (NULL);
	}
	if ((metric_defs[t.metric].flags & METRIC_RUN_ONLY) &&
	    owner != NULL) {
		vkit_fail(c, rpath,
		    "%s is a metric of the whole run; put it in "
		    "the scenario's thresholds", metric_name(t.metric));
		return (NULL);
	}
	if ((metric_defs[t.metric].flags & METRIC_RUN_ONLY) &&
	    !c->has_monitor) {
		vkit_fail(c, rpath,
		    "%s needs a \"monitor\" (the target process "
		    "whose memory is sampled)", metric_name(t.metric));
		return (NULL);
	}
	if (t.request[0] != '\0' && owner != NULL &&
	    strcmp(t.request, owner) != 0) {
		vkit_fail(c, rpath,
		    "a threshold of request \"%s\" may not name "
		    "another request (\"%s\"); put it in the scenario's "
		    "thresholds", owner, t.request);
		return (NULL);
	}
	if (t.request[0] != '\0' && owner == NULL &&
	    json_object_get(c->names, t.request) == NULL) {
		names = vkit_names(c);
		vkit_fail(c, rpath, "no request or group is named \"%s\"%s",
		    t.request, parse_suggest(hint, sizeof hint, t.request,
		    names));
		free(names);
		return (NULL);
	}
	return (json_pack("{s:s, s:b}", "rule", rule, "abort_on_fail",
	    abort_on_fail));
}

/* An array of thresholds, normalised to objects. */
int
scenario_thresholds(struct vctx *c, json_t *v, const char *path,
    const char *owner,
    json_t **out)
{
	json_t	*item, *t;
	size_t	 i;
	char	 p[PTR_MAX];

	*out = NULL;
	if (v != NULL && !json_is_array(v)) {
		return (vkit_fail(c, path, "expected an array of rules; got %s",
		    vkit_kind(v)));
	}
	*out = json_array();
	if (v == NULL)
		return (0);
	json_array_foreach(v, i, item) {
		vkit_ptr_index(p, path, i);
		if ((t = v_threshold(c, item, p, owner)) == NULL) {
			json_decref(*out);
			*out = NULL;
			return (-1);
		}
		json_array_append_new(*out, t);
	}
	return (0);
}

static int	v_protocol(struct vctx *, json_t *, json_t *);

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
	if (vkit_object(c, v, path) != 0)
		return (-1);
	json_object_foreach(v, key, lv) {
		vkit_ptr_key(p, path, key);
		if (!parse_name(key)) {
			return (vkit_fail_at(c, CODE_INVALID, p, "labels",
			    "key "
			    "\"%.64s\" is not a name (1 to 64 characters from "
			    "A-Z a-z 0-9 . _ -)", key));
		}
		if (!json_is_string(lv)) {
			return (vkit_fail_at(c, CODE_INVALID, p, "labels",
			    "value "
			    "of \"%s\" must be a string; got %s", key,
			    vkit_kind(lv)));
		}
		s = json_string_value(lv);
		if (json_string_length(lv) > LABEL_VALUE_MAX ||
		    strlen(s) != json_string_length(lv)) {
			return (vkit_fail_at(c, CODE_INVALID, p, "labels",
			    "value "
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
		return (vkit_fail(c, path,
		    "expected {\"pid\": N} or {\"pidfile\": "
		    "PATH}; got %s", vkit_kind(v)));
	}
	if (vkit_fields(c, v, path, monitor_fields) != 0)
		return (-1);
	pid = json_object_get(v, "pid");
	pidfile = json_object_get(v, "pidfile");
	if (pid != NULL && pidfile != NULL) {
		return (vkit_fail(c, path,
		    "give either pid or pidfile, not both"));
	}
	if (pid == NULL && pidfile == NULL) {
		return (vkit_fail(c, path,
		    "expected {\"pid\": N} or {\"pidfile\": "
		    "PATH}; got an empty object"));
	}
	if (pid != NULL) {
		vkit_ptr_key(p, path, "pid");
		if (vkit_int(c, pid, p, &n) != 0)
			return (-1);
		if (n < 1 || n > INT32_MAX) {
			return (vkit_fail(c, p,
			    "must be a process id between 1 "
			    "and %d; got %lld", INT32_MAX, (long long)n));
		}
		*out = json_pack("{s:I}", "pid", n);
		return (0);
	}
	vkit_ptr_key(p, path, "pidfile");
	if (vkit_string(c, pidfile, p, &s) != 0)
		return (-1);
	if (s[0] != '/') {
		return (vkit_fail(c, p, "expected an absolute path such as "
		    "\"/run/app.pid\"; got \"%.128s\"", s));
	}
	*out = json_pack("{s:s}", "pidfile", s);
	return (0);
}

/*
 * With cookies on, the jar writes the Cookie header: a fixed one in the
 * headers of the scenario or of an entry is refused.
 */
static int
v_no_cookie_header(struct vctx *c, json_t *headers, const char *path)
{
	const char	*key;
	json_t		*v;
	char		 p[PTR_MAX];

	json_object_foreach(headers, key, v) {
		if (strcasecmp(key, "Cookie") != 0)
			continue;
		vkit_ptr_key(p, path, key);
		return (vkit_fail(c, p, "with \"cookies\": true the VU's jar "
		    "writes the Cookie header; set a fixed cookie with "
		    "\"cookies\": false, or let a response set it"));
	}
	return (0);
}

/* The same for each entry of list (at path), group members too. */
static int
v_no_cookie_headers(struct vctx *c, json_t *list, const char *path)
{
	json_t	*r;
	size_t	 i;
	char	 p[PTR_MAX], q[PTR_MAX];

	json_array_foreach(list, i, r) {
		vkit_ptr_index(p, path, i);
		if (json_object_get(r, "requests") != NULL) {
			vkit_ptr_key(q, p, "requests");
			if (v_no_cookie_headers(c, json_object_get(r,
			    "requests"), q) != 0)
				return (-1);
			continue;
		}
		vkit_ptr_key(q, p, "headers");
		if (v_no_cookie_header(c, json_object_get(r, "headers"),
		    q) != 0)
			return (-1);
	}
	return (0);
}

/* capture_max, inspect_bytes and cookies (SPEC 14). */
static int
v_inspect_limits(struct vctx *c, json_t *in, json_t *out)
{
	json_int_t	 n;
	json_t		*v;

	if ((v = json_object_get(in, "capture_max")) != NULL) {
		if (vkit_int(c, v, "/capture_max", &n) != 0)
			return (-1);
		if (n < 1 || n > CAPTURE_MAX_MAX)
			return (vkit_fail(c, "/capture_max", "must be between "
			    "1 and %d bytes; got %lld", CAPTURE_MAX_MAX,
			    (long long)n));
		json_object_set_new(out, "capture_max", json_integer(n));
	}
	if ((v = json_object_get(in, "inspect_bytes")) != NULL) {
		if (vkit_int(c, v, "/inspect_bytes", &n) != 0)
			return (-1);
		if (n < 1 || n > INSPECT_BYTES_MAX)
			return (vkit_fail(c, "/inspect_bytes", "must be "
			    "between 1 and %d (1 MiB); got %lld",
			    INSPECT_BYTES_MAX, (long long)n));
		json_object_set_new(out, "inspect_bytes", json_integer(n));
	}
	return (vkit_opt(c, in, out, "", "cookies", OPT_BOOL, NULL, NULL));
}

/* The top level. */
static int
v_scenario(struct vctx *c, json_t *in, json_t *out)
{
	json_t		*v, *o;
	const char	*s;

	if (vkit_fields(c, in, "", scenario_fields) != 0)
		return (-1);
	if (vkit_need(c, in, "", "name") == NULL ||
	    vkit_need(c, in, "", "requests") == NULL ||
	    vkit_need(c, in, "", "load") == NULL)
		return (-1);

	if (vkit_name(c, json_object_get(in, "name"), "/name", &s) != 0)
		return (-1);
	json_object_set_new(out, "name", json_string(s));

	if (vkit_opt(c, in, out, "", "description", OPT_STRING, json_string(""),
	    NULL) != 0)
		return (-1);

	if ((v = json_object_get(in, "target")) != NULL) {
		if (json_is_string(v) && tpl_has(json_string_value(v)))
			return (vkit_fail(c, "/target", "templates are not "
			    "allowed in target: its host is checked against "
			    "allow_targets before the run"));
		if (scenario_url(c, v, "/target", 1) != 0)
			return (-1);
		json_object_set_new(out, "target", json_deep_copy(v));
		c->has_target = 1;
	}

	/* Variables first: templates below are checked against them. */
	if (scenario_vars(c, in, out) != 0)
		return (-1);
	scenario_capture_names(c, json_object_get(in, "setup"), "/setup");
	scenario_capture_names(c, json_object_get(in, "requests"),
	    "/requests");
	if (v_inspect_limits(c, in, out) != 0)
		return (-1);

	if (scenario_headers(c, json_object_get(in, "headers"), "/headers",
	    &o) != 0)
		return (-1);
	json_object_set_new(out, "headers", o);

	if (vkit_opt(c, in, out, "", "timeout", OPT_POSITIVE_DURATION,
	    json_string("10s"), NULL) != 0)
		return (-1);

	/* Setup: request entries each VU runs once, before its first. */
	if ((v = json_object_get(in, "setup")) != NULL) {
		if (scenario_requests(c, v, "/setup", 0, &o) != 0)
			return (-1);
		json_object_set_new(out, "setup", o);
	}
	/* A path without a target is reported at that path. */
	if (scenario_requests(c, json_object_get(in, "requests"), "/requests",
	    0,
	    &o) != 0)
		return (-1);
	json_object_set_new(out, "requests", o);
	if (json_is_true(json_object_get(out, "cookies")) &&
	    (v_no_cookie_header(c, json_object_get(out, "headers"),
	    "/headers") != 0 ||
	    v_no_cookie_headers(c, json_object_get(out, "setup"),
	    "/setup") != 0 ||
	    v_no_cookie_headers(c, json_object_get(out, "requests"),
	    "/requests") != 0))
		return (-1);

	if ((o = scenario_load(c, json_object_get(in, "load"),
	    "/load")) == NULL)
		return (-1);
	json_object_set_new(out, "load", o);

	if (scenario_thresholds(c, json_object_get(in, "thresholds"),
	    "/thresholds",
	    NULL, &o) != 0)
		return (-1);
	json_object_set_new(out, "thresholds", o);

	if ((v = json_object_get(in, "samples")) != NULL) {
		if (vkit_enum(c, v, "/samples", samples_names) != 0)
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

	if (v_protocol(c, in, out) != 0)
		return (-1);
	return (vkit_opt(c, in, out, "", "insecure", OPT_BOOL, json_false(),
	    NULL));
}

/*
 * SPEC 18: "protocol" (http/1.1, h2, auto), "connections" (h2 only: how
 * many the VUs share per host) and "tls_resume".
 */
static int
v_protocol(struct vctx *c, json_t *in, json_t *out)
{
	json_t		*v;
	json_int_t	 n;

	if ((v = json_object_get(in, "protocol")) != NULL) {
		if (vkit_enum(c, v, "/protocol", proto_names) != 0)
			return (-1);
		json_object_set_new(out, "protocol", json_deep_copy(v));
	} else
		json_object_set_new(out, "protocol", json_string("http/1.1"));
	if ((v = json_object_get(in, "connections")) != NULL) {
		if (vkit_int(c, v, "/connections", &n) != 0)
			return (-1);
		if (n < 1 || n > 100000)
			return (vkit_fail(c, "/connections",
			    "expected 1..100000; got %lld", (long long)n));
		if (strcmp(json_string_value(json_object_get(out,
		    "protocol")), "h2") != 0)
			return (vkit_fail(c, "/connections", "only with "
			    "\"protocol\": \"h2\" (HTTP/1.1 carries one "
			    "request per connection)"));
		json_object_set_new(out, "connections", json_integer(n));
	}
	return (vkit_opt(c, in, out, "", "tls_resume", OPT_BOOL, json_true(),
	    NULL));
}

/*
 * Validate a scenario. Returns a new normalised document (the caller owns
 * it; in is only borrowed) or NULL with err filled in.
 */
json_t *
scenario_validate(json_t *in, const struct limits *lim, struct verror *err)
{
	return (scenario_validate_data(in, lim, NULL, err));
}

/*
 * The same, knowing the stored datasets (borrowed: {NAME: [COLUMN, ...]})
 * so that a data variable names one and a template one of its columns;
 * with NULL, any dataset and column pass.
 */
json_t *
scenario_validate_data(json_t *in, const struct limits *lim, json_t *datasets,
    struct verror *err)
{
	struct vctx	 c;
	json_t		*out;

	memset(err, 0, sizeof *err);
	memset(&c, 0, sizeof c);
	c.lim = lim;
	c.err = err;
	c.datasets = datasets;
	if (in == NULL || !json_is_object(in)) {
		vkit_fail(&c, "", "expected a JSON object; got %s", in == NULL ?
		    "nothing" : vkit_kind(in));
		return (NULL);
	}
	c.names = json_object();
	c.captures = json_object();
	c.has_monitor = json_object_get(in, "monitor") != NULL;
	out = json_object();
	if (v_scenario(&c, in, out) != 0) {
		json_decref(out);
		out = NULL;
	}
	json_decref(c.names);
	json_decref(c.captures);
	return (out);
}
