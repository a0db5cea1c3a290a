/* SPDX-License-Identifier: MIT */
/*
 * scenario-inspect.c -- validate what a request reads from its response
 * (SPEC section 14): "capture" (json pointer, header, between) and
 * "checks" (body_contains, json equals/exists, header equals/contains),
 * and the names captured anywhere in the scenario, which templates may
 * use like variables. Pure: any thread.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"
#include "vkit.h"

#define CAPTURES_MAX	64		/* names captured in a scenario */
#define CHECKS_MAX	32		/* checks of one request */
#define CHECK_TEXT_MAX	4096		/* bytes of a check's text */

static const char *capture_kinds[] = { "json", "header", "between", NULL };
static const char *check_fields[] = {
	"body_contains", "json", "header", "equals", "exists", "contains", NULL
};

/*
 * Collect the names captured by the entries of list (request entries or
 * groups, as given) into c->captures, each with the pointer of its first
 * capture; malformed entries are left to the full walk to report.
 */
void
scenario_capture_names(struct vctx *c, json_t *list, const char *path)
{
	json_t		*r, *caps, *x;
	const char	*name;
	size_t		 i;
	char		 p[PTR_MAX], q[PTR_MAX], k[PTR_MAX];

	json_array_foreach(list, i, r) {
		vkit_ptr_index(p, path, i);
		if (json_is_array(json_object_get(r, "requests"))) {
			vkit_ptr_key(q, p, "requests");
			scenario_capture_names(c, json_object_get(r,
			    "requests"), q);
			continue;
		}
		if (!json_is_object(caps = json_object_get(r, "capture")))
			continue;
		vkit_ptr_key(q, p, "capture");
		json_object_foreach(caps, name, x) {
			if (json_object_get(c->captures, name) != NULL)
				continue;
			vkit_ptr_key(k, q, name);
			json_object_set_new(c->captures, name, json_string(k));
		}
	}
}

/* A string field of a capture or check: non-empty, without NUL. */
static int
v_text(struct vctx *c, json_t *v, const char *path, const char **s)
{
	if (vkit_string(c, v, path, s) != 0)
		return (-1);
	if (**s == '\0')
		return (vkit_fail(c, path, "must not be empty"));
	if (strlen(*s) > CHECK_TEXT_MAX)
		return (vkit_fail(c, path, "must be at most %d bytes",
		    CHECK_TEXT_MAX));
	return (0);
}

static int
v_pointer(struct vctx *c, json_t *v, const char *path)
{
	const char	*s;

	if (vkit_string(c, v, path, &s) != 0)
		return (-1);
	if (!jscan_pointer_valid(s) || strlen(s) > CHECK_TEXT_MAX)
		return (vkit_fail(c, path, "expected a JSON pointer (RFC "
		    "6901) such as \"/token\" or \"/items/0/id\"; got "
		    "\"%.64s\"", s));
	return (0);
}

static int
v_header_name(struct vctx *c, json_t *v, const char *path)
{
	const char	*s;

	if (vkit_string(c, v, path, &s) != 0)
		return (-1);
	if (!scenario_is_token(s))
		return (vkit_fail(c, path, "expected a header name (an RFC "
		    "7230 token); got \"%.64s\"", s));
	return (0);
}

/* One capture: {"json": PTR} | {"header": NAME} | {"between": [L, R]}. */
static int
v_capture(struct vctx *c, const char *name, json_t *v, const char *path)
{
	const char	*key, *s;
	json_t		*a;
	char		 p[PTR_MAX], q[PTR_MAX];
	size_t		 i;

	if (!parse_name(name) || strchr(name, '.') != NULL)
		return (vkit_fail(c, path, "\"%.64s\" is not a variable name "
		    "([A-Za-z0-9_-]{1,64})", name));
	if (vkit_in_list(scenario_builtins, name))
		return (vkit_fail(c, path, "\"%s\" is a built-in name", name));
	if (c->vars != NULL && json_object_get(c->vars, name) != NULL)
		return (vkit_fail(c, path, "\"%s\" is declared in \"vars\": a "
		    "captured value needs a name of its own", name));
	if (!json_is_object(v) || json_object_size(v) != 1)
		return (vkit_fail(c, path, "expected {\"json\": \"/pointer\"}, "
		    "{\"header\": \"Name\"} or {\"between\": [\"left\", "
		    "\"right\"]}; got %s", json_is_object(v) ?
		    "an object with other than one field" : vkit_kind(v)));
	key = json_object_iter_key(json_object_iter(v));
	a = json_object_get(v, key);
	if (vkit_fields(c, v, path, capture_kinds) != 0)
		return (-1);
	vkit_ptr_key(p, path, key);
	if (strcmp(key, "json") == 0)
		return (v_pointer(c, a, p));
	if (strcmp(key, "header") == 0)
		return (v_header_name(c, a, p));
	if (!json_is_array(a) || json_array_size(a) != 2)
		return (vkit_fail(c, p, "expected [\"left\", \"right\"]: the "
		    "value is the first text between the two"));
	for (i = 0; i < 2; i++) {
		vkit_ptr_index(q, p, i);
		if (v_text(c, json_array_get(a, i), q, &s) != 0)
			return (-1);
	}
	return (0);
}

/* A request's "capture": an object of NAME to a capture. */
int
scenario_capture(struct vctx *c, json_t *v, const char *path, json_t **out)
{
	const char	*name;
	json_t		*x;
	char		 p[PTR_MAX];

	*out = NULL;
	if (vkit_object(c, v, path) != 0)
		return (-1);
	json_object_foreach(v, name, x) {
		vkit_ptr_key(p, path, name);
		if (v_capture(c, name, x, p) != 0)
			return (-1);
	}
	if (json_object_size(c->captures) > CAPTURES_MAX)
		return (vkit_fail(c, path, "a scenario may capture at most %d "
		    "names", CAPTURES_MAX));
	*out = json_deep_copy(v);
	return (0);
}

/* Exactly one of fields a and b in check v, or an error at path. */
static json_t *
v_one_of(struct vctx *c, json_t *v, const char *path, const char *a,
    const char *b, const char **which)
{
	json_t	*x = json_object_get(v, a), *y = json_object_get(v, b);

	if (x != NULL && y != NULL) {
		vkit_fail(c, path, "give either %s or %s, not both", a, b);
		return (NULL);
	}
	if (x == NULL && y == NULL) {
		vkit_fail_at(c, CODE_INVALID, path, a, "required field is "
		    "missing (give %s or %s)", a, b);
		return (NULL);
	}
	*which = x != NULL ? a : b;
	return (x != NULL ? x : y);
}

/* Only the fields a kind of check takes. */
static int
v_check_fields(struct vctx *c, json_t *v, const char *path,
    const char **allowed)
{
	const char	*key;
	json_t		*x;
	char		 p[PTR_MAX];

	json_object_foreach(v, key, x) {
		if (vkit_in_list(allowed, key))
			continue;
		vkit_ptr_key(p, path, key);
		return (vkit_fail(c, p, "a %s check does not take \"%s\"",
		    allowed[0], key));
	}
	return (0);
}

/* One check. */
static int
v_check(struct vctx *c, json_t *v, const char *path)
{
	static const char	*body_f[] = { "body_contains", NULL };
	static const char	*json_f[] = { "json", "equals", "exists", NULL };
	static const char	*hdr_f[] = { "header", "equals", "contains",
				    NULL };
	const char		*which, *s;
	json_t			*x;
	char			 p[PTR_MAX];
	int			 kinds;

	if (!json_is_object(v))
		return (vkit_fail(c, path, "expected a check such as "
		    "{\"body_contains\": \"ok\"} or {\"json\": \"/status\", "
		    "\"equals\": \"ok\"}; got %s", vkit_kind(v)));
	if (vkit_fields(c, v, path, check_fields) != 0)
		return (-1);
	kinds = (json_object_get(v, "body_contains") != NULL) +
	    (json_object_get(v, "json") != NULL) +
	    (json_object_get(v, "header") != NULL);
	if (kinds != 1)
		return (vkit_fail(c, path, "expected exactly one of "
		    "body_contains, json or header; got %d", kinds));
	if ((x = json_object_get(v, "body_contains")) != NULL) {
		if (v_check_fields(c, v, path, body_f) != 0)
			return (-1);
		vkit_ptr_key(p, path, "body_contains");
		return (v_text(c, x, p, &s));
	}
	if ((x = json_object_get(v, "json")) != NULL) {
		if (v_check_fields(c, v, path, json_f) != 0)
			return (-1);
		vkit_ptr_key(p, path, "json");
		if (v_pointer(c, x, p) != 0)
			return (-1);
		if ((x = v_one_of(c, v, path, "equals", "exists",
		    &which)) == NULL)
			return (-1);
		vkit_ptr_key(p, path, which);
		if (strcmp(which, "exists") == 0)
			return (vkit_bool(c, x, p));
		if (json_is_object(x) || json_is_array(x))
			return (vkit_fail(c, p, "expected a string, number, "
			    "true, false or null; got %s", vkit_kind(x)));
		if (json_is_string(x))
			return (vkit_string(c, x, p, &s));
		return (0);
	}
	if (v_check_fields(c, v, path, hdr_f) != 0)
		return (-1);
	vkit_ptr_key(p, path, "header");
	if (v_header_name(c, json_object_get(v, "header"), p) != 0)
		return (-1);
	if ((x = v_one_of(c, v, path, "equals", "contains", &which)) == NULL)
		return (-1);
	vkit_ptr_key(p, path, which);
	if (strcmp(which, "contains") == 0)
		return (v_text(c, x, p, &s));
	return (vkit_string(c, x, p, &s));
}

/* A request's "checks": an array of checks. */
int
scenario_checks(struct vctx *c, json_t *v, const char *path, json_t **out)
{
	json_t	*x;
	size_t	 i;
	char	 p[PTR_MAX];

	*out = NULL;
	if (!json_is_array(v))
		return (vkit_fail(c, path, "expected an array of checks; got "
		    "%s", vkit_kind(v)));
	if (json_array_size(v) > CHECKS_MAX)
		return (vkit_fail(c, path, "at most %d checks", CHECKS_MAX));
	json_array_foreach(v, i, x) {
		vkit_ptr_index(p, path, i);
		if (v_check(c, x, p) != 0)
			return (-1);
	}
	*out = json_deep_copy(v);
	return (0);
}
