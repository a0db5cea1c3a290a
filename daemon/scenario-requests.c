/* SPDX-License-Identifier: MIT */
/*
 * scenario-requests.c -- validate the requests of a scenario (SPEC section
 * 2): request and group entries, URLs, headers, expected statuses and
 * weights, normalised with their defaults. Pure: any thread.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "loadd.h"
#include "vkit.h"

static const char *request_fields[] = {
	"name", "method", "path", "url", "headers", "body", "body_bytes",
	"weight", "expect", "timeout", "thresholds", "capture", "checks", NULL
};

static const char *group_fields[] = {
	"group", "name", "weight", "requests", NULL
};

static const char *methods[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL
};


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
int
scenario_url(struct vctx *c, json_t *v, const char *path, int is_target)
{
	struct http_parser_url	 u;
	const char		*s, *scheme;
	char			*lit;
	size_t			 len;
	int			 rc;

	if (vkit_string(c, v, path, &s) != 0)
		return (-1);
	/* The host is checked against allow_targets before the run. */
	if (!is_target && tpl_has(s) && (s = strstr(s, "://")) != NULL &&
	    strstr(s, "{{") != NULL && strstr(s, "{{") < s + 3 +
	    strcspn(s + 3, "/?")) {
		return (vkit_fail(c, path, "templates are not allowed in the "
		    "host of a url, only in its path and query"));
	}
	/* The literal parts are checked: a slot may hold spaces. */
	s = lit = scenario_untemplated(json_string_value(v));
	len = strlen(s);
	http_parser_url_init(&u);
	if (len == 0 || len > 4096 || has_ctl_or_space(s) ||
	    http_parser_parse_url(s, len, 0, &u) != 0 ||
	    (~u.field_set & ((1 << UF_SCHEMA) | (1 << UF_HOST))) != 0 ||
	    u.field_data[UF_HOST].len == 0) {
		rc = vkit_fail(c, path, "expected an absolute http:// or "
		    "https:// URL such as \"http://127.0.0.1:8080%s\"; got "
		    "\"%.128s\"", is_target ? "" : "/path",
		    json_string_value(v));
		goto out;
	}
	scheme = s + u.field_data[UF_SCHEMA].off;
	len = u.field_data[UF_SCHEMA].len;
	if (!(len == 4 && strncasecmp(scheme, "http", 4) == 0) &&
	    !(len == 5 && strncasecmp(scheme, "https", 5) == 0)) {
		rc = vkit_fail(c, path,
		    "expected an http:// or https:// URL; "
		    "got scheme \"%.*s\"", (int)len, scheme);
		goto out;
	}
	if (u.field_set & (1 << UF_USERINFO)) {
		rc = vkit_fail(c, path, "must not contain user information "
		    "(user@host); got \"%.128s\"", s);
		goto out;
	}
	if ((u.field_set & (1 << UF_PORT)) && u.port == 0) {
		rc = vkit_fail(c, path,
		    "port must be between 1 and 65535; got "
		    "\"%.128s\"", s);
		goto out;
	}
	if (u.field_set & (1 << UF_FRAGMENT)) {
		rc = vkit_fail(c, path,
		    "must not contain a fragment (#...); "
		    "got \"%.128s\"", s);
		goto out;
	}
	if (is_target && (u.field_set & (1 << UF_QUERY))) {
		rc = vkit_fail(c, path,
		    "must not contain a query (put it in "
		    "each request's path); got \"%.128s\"", s);
		goto out;
	}
	rc = 0;
out:
	free(lit);
	return (rc);
}

/* Is s an RFC 7230 token (a valid header name)? */
int
scenario_is_token(const char *s)
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
int
scenario_headers(struct vctx *c, json_t *v, const char *path, json_t **out)
{
	const char	*key, *s;
	json_t		*hv;
	char		 p[PTR_MAX];

	if (v == NULL) {
		*out = json_object();
		return (0);
	}
	if (vkit_object(c, v, path) != 0)
		return (-1);
	json_object_foreach(v, key, hv) {
		vkit_ptr_key(p, path, key);
		if (!scenario_is_token(key)) {
			return (vkit_fail_at(c, CODE_INVALID, p, "headers",
			    "invalid header name \"%.64s\" (expected an RFC "
			    "7230 token: letters, digits and !#$%%&'*+-.^_`|~)",
			    key));
		}
		if (!json_is_string(hv)) {
			return (vkit_fail_at(c, CODE_INVALID, p, "headers",
			    "value "
			    "of \"%.64s\" must be a string; got %s", key,
			    vkit_kind(hv)));
		}
		s = json_string_value(hv);
		if (strlen(s) != json_string_length(hv) ||
		    strpbrk(s, "\r\n") != NULL) {
			return (vkit_fail_at(c, CODE_INVALID, p, "headers",
			    "value "
			    "of \"%.64s\" must not contain CR, LF or NUL",
			    key));
		}
		if (scenario_template(c, s, p) != 0)
			return (-1);
	}
	*out = json_deep_copy(v);
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
		return (vkit_fail(c, path, "expected a status class \"1xx\" to "
		    "\"5xx\" or an array of status codes; got \"%.32s\"", s));
	}
	if (!json_is_array(v)) {
		return (vkit_fail(c, path,
		    "expected an array of status codes or a "
		    "class such as \"2xx\"; got %s", vkit_kind(v)));
	}
	if (json_array_size(v) == 0) {
		return (vkit_fail(c, path,
		    "expected at least one status code; got "
		    "an empty array"));
	}
	json_array_foreach(v, i, item) {
		vkit_ptr_index(p, path, i);
		if (vkit_int(c, item, p, &code) != 0)
			return (-1);
		if (code < 100 || code > 599) {
			return (vkit_fail(c, p,
			    "expected a status code between "
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
	if (vkit_number(c, v, path, &d) != 0)
		return (-1);
	if (!(d > 0)) {
		return (vkit_fail(c, path, "must be greater than zero; got %g",
		    d));
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
	char		 p[PTR_MAX], *lit;

	out = json_object();
	if (vkit_fields(c, in, path, request_fields) != 0)
		goto fail;
	if ((v = vkit_need(c, in, path, "name")) == NULL)
		goto fail;
	vkit_ptr_key(p, path, "name");
	if (vkit_name(c, v, p, &s) != 0 || vkit_register(c, s, p) != 0)
		goto fail;
	json_object_set_new(out, "name", json_string(s));

	vkit_ptr_key(p, path, "method");
	if ((v = json_object_get(in, "method")) == NULL)
		json_object_set_new(out, "method", json_string("GET"));
	else {
		if (vkit_enum(c, v, p, methods) != 0)
			goto fail;
		json_object_set_new(out, "method", json_deep_copy(v));
	}

	pv = json_object_get(in, "path");
	uv = json_object_get(in, "url");
	if (pv != NULL && uv != NULL) {
		vkit_ptr_key(p, path, "url");
		vkit_fail(c, p, "give either path or url, not both");
		goto fail;
	}
	if (pv == NULL && uv == NULL) {
		vkit_fail_at(c, CODE_INVALID, path, "path", "required field is "
		    "missing (a request needs a path joined to target, or a "
		    "url)");
		goto fail;
	}
	if (pv != NULL) {
		vkit_ptr_key(p, path, "path");
		if (vkit_string(c, pv, p, &s) != 0)
			goto fail;
		if (s[0] != '/') {
			vkit_fail(c, p, "must start with \"/\"; got \"%.128s\"",
			    s);
			goto fail;
		}
		lit = scenario_untemplated(s);
		if (has_ctl_or_space(lit) || strchr(lit, '#') != NULL) {
			free(lit);
			vkit_fail(c, p, "must not contain spaces, control "
			    "characters or \"#\"; got \"%.128s\"", s);
			goto fail;
		}
		free(lit);
		if (!c->has_target) {
			vkit_fail(c, p,
			    "needs the scenario's target to be joined "
			    "to (or give a full url)");
			goto fail;
		}
		if (scenario_template(c, s, p) != 0)
			goto fail;
		json_object_set_new(out, "path", json_deep_copy(pv));
	} else {
		vkit_ptr_key(p, path, "url");
		if (scenario_url(c, uv, p, 0) != 0 ||
		    scenario_template(c, json_string_value(uv), p) != 0)
			goto fail;
		json_object_set_new(out, "url", json_deep_copy(uv));
	}

	vkit_ptr_key(p, path, "headers");
	if (scenario_headers(c, json_object_get(in, "headers"), p, &o) != 0)
		goto fail;
	json_object_set_new(out, "headers", o);

	bv = json_object_get(in, "body");
	bbv = json_object_get(in, "body_bytes");
	if (bv != NULL) {
		vkit_ptr_key(p, path, "body");
		if (vkit_string(c, bv, p, &s) != 0)
			goto fail;
		if (strlen(s) > LOADD_BODY_BYTES_MAX) {
			vkit_fail(c, p, "must be at most %d bytes",
			    LOADD_BODY_BYTES_MAX);
			goto fail;
		}
		if (scenario_template(c, s, p) != 0)
			goto fail;
	}
	if (bbv != NULL) {
		vkit_ptr_key(p, path, "body_bytes");
		if (bv != NULL) {
			vkit_fail(c, p,
			    "give either body or body_bytes, not both");
			goto fail;
		}
		if (vkit_int(c, bbv, p, &n) != 0)
			goto fail;
		if (n < 0 || n > LOADD_BODY_BYTES_MAX) {
			vkit_fail(c, p, "must be between 0 and %d; got %lld",
			    LOADD_BODY_BYTES_MAX, (long long)n);
			goto fail;
		}
		json_object_set_new(out, "body_bytes", json_integer(n));
	} else if (bv != NULL)
		json_object_set_new(out, "body", json_deep_copy(bv));

	vkit_ptr_key(p, path, "weight");
	if (v_weight(c, json_object_get(in, "weight"), p, &o) != 0)
		goto fail;
	json_object_set_new(out, "weight", o);

	if ((v = json_object_get(in, "expect")) != NULL) {
		vkit_ptr_key(p, path, "expect");
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

	if (vkit_opt(c, in, out, path, "timeout", OPT_POSITIVE_DURATION, NULL,
	    NULL) != 0)
		goto fail;

	if ((v = json_object_get(in, "capture")) != NULL) {
		vkit_ptr_key(p, path, "capture");
		if (scenario_capture(c, v, p, &o) != 0)
			goto fail;
		json_object_set_new(out, "capture", o);
	}
	if ((v = json_object_get(in, "checks")) != NULL) {
		vkit_ptr_key(p, path, "checks");
		if (scenario_checks(c, v, p, &o) != 0)
			goto fail;
		json_object_set_new(out, "checks", o);
	}

	vkit_ptr_key(p, path, "thresholds");
	if (scenario_thresholds(c, json_object_get(in, "thresholds"), p,
	    json_string_value(json_object_get(out, "name")), &o) != 0)
		goto fail;
	json_object_set_new(out, "thresholds", o);
	return (out);

fail:
	json_decref(out);
	return (NULL);
}

/* One group entry: group, name, weight and 2..32 plain requests. */
static json_t *
v_group(struct vctx *c, json_t *in, const char *path)
{
	json_t		*out, *v, *o;
	const char	*s;
	char		 p[PTR_MAX];

	out = json_object();
	if (vkit_fields(c, in, path, group_fields) != 0)
		goto fail;
	if (vkit_need(c, in, path, "name") == NULL ||
	    vkit_need(c, in, path, "requests") == NULL)
		goto fail;
	vkit_ptr_key(p, path, "group");
	if (vkit_enum(c, json_object_get(in, "group"), p, group_names) != 0)
		goto fail;
	json_object_set_new(out, "group",
	    json_deep_copy(json_object_get(in, "group")));

	vkit_ptr_key(p, path, "name");
	v = json_object_get(in, "name");
	if (vkit_name(c, v, p, &s) != 0 || vkit_register(c, s, p) != 0)
		goto fail;
	json_object_set_new(out, "name", json_string(s));

	vkit_ptr_key(p, path, "weight");
	if (v_weight(c, json_object_get(in, "weight"), p, &o) != 0)
		goto fail;
	json_object_set_new(out, "weight", o);

	vkit_ptr_key(p, path, "requests");
	if (scenario_requests(c, json_object_get(in, "requests"), p, 1,
	    &o) != 0)
		goto fail;
	json_object_set_new(out, "requests", o);
	return (out);

fail:
	json_decref(out);
	return (NULL);
}

/* The requests array of the scenario (or of a group, when in_group). */
int
scenario_requests(struct vctx *c, json_t *v, const char *path, int in_group,
    json_t **out)
{
	json_t	*item, *o;
	size_t	 i, min, max;
	char	 p[PTR_MAX], gp[PTR_MAX];

	min = in_group ? GROUP_MIN : 1;
	max = in_group ? GROUP_MAX : REQUESTS_MAX;
	*out = NULL;
	if (!json_is_array(v)) {
		return (vkit_fail(c, path,
		    "expected an array of requests; got %s",
		    vkit_kind(v)));
	}
	if (json_array_size(v) < min || json_array_size(v) > max) {
		return (vkit_fail(c, path, "expected %zu to %zu %s; got %zu",
		    min,
		    max, in_group ? "requests in a group" : "entries",
		    json_array_size(v)));
	}
	*out = json_array();
	json_array_foreach(v, i, item) {
		vkit_ptr_index(p, path, i);
		if (!json_is_object(item)) {
			vkit_fail(c, p,
			    "expected an object (a request%s); got %s",
			    in_group ? "" : " or a group", vkit_kind(item));
			goto fail;
		}
		if (json_object_get(item, "group") != NULL) {
			if (in_group) {
				vkit_ptr_key(gp, p, "group");
				vkit_fail(c, gp, "groups cannot be nested: a "
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
