/* SPDX-License-Identifier: MIT */
/*
 * vkit.c -- the kit the scenario validator is built with: JSON pointers,
 * the first error of a walk (a code, a pointer, a sentence), typed field
 * checks with did-you-mean hints, and the registry of request names. Pure:
 * any thread.
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

/* Append s to buf of size len, truncating (glibc 2.36 has no strlcat). */
void
vkit_cat(char *buf, size_t len, const char *s)
{
	size_t	n;

	n = strlen(buf);
	if (n < len)
		snprintf(buf + n, len - n, "%s", s);
}

/* Is s in the NULL-terminated list? */
int
vkit_in_list(const char **list, const char *s)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return (1);
	}
	return (0);
}

/* A JSON pointer to member key of parent, escaped as RFC 6901 says. */
void
vkit_ptr_key(char *buf, const char *parent, const char *key)
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
void
vkit_ptr_index(char *buf, const char *parent, size_t i)
{
	/* Parents are cut short so that the index always fits. */
	snprintf(buf, PTR_MAX, "%.230s/%zu", parent, i);
}

/*
 * The field name a message starts with, from a pointer: its last token, or
 * "parent[N]" for an array element, or "scenario" for the root.
 */
static void
vkit_ptr_label(char *buf, size_t len, const char *path)
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
int __attribute__((format(printf, 5, 6)))
vkit_fail_at(struct vctx *c, const char *code, const char *path,
    const char *label,
    const char *fmt, ...)
{
	char	 lbuf[PTR_MAX];
	size_t	 n;
	va_list	 ap;

	if (label == NULL) {
		vkit_ptr_label(lbuf, sizeof lbuf, path);
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
int __attribute__((format(printf, 3, 4)))
vkit_fail(struct vctx *c, const char *path, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return (vkit_fail_at(c, CODE_INVALID, path, NULL, "%s", msg));
}

/* "a string", "an integer"... for type errors. */
const char *
vkit_kind(json_t *v)
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
int
vkit_fields(struct vctx *c, json_t *obj, const char *path, const char **allowed)
{
	const char	*key;
	json_t		*v;
	char		 p[PTR_MAX], hint[128];

	json_object_foreach(obj, key, v) {
		if (vkit_in_list(allowed, key))
			continue;
		vkit_ptr_key(p, path, key);
		return (vkit_fail_at(c, CODE_INVALID, p, key, "unknown field%s",
		    parse_suggest(hint, sizeof hint, key, allowed)));
	}
	return (0);
}

/* A required field is missing: point at the object, name the field. */
int
vkit_missing(struct vctx *c, const char *path, const char *field)
{
	return (vkit_fail_at(c, CODE_INVALID, path, field, "required field is "
	    "missing"));
}

/* A required field of obj, or NULL once its absence is reported. */
json_t *
vkit_need(struct vctx *c, json_t *obj, const char *path, const char *field)
{
	json_t	*v;

	if ((v = json_object_get(obj, field)) == NULL)
		vkit_missing(c, path, field);
	return (v);
}

/* Expect an object. */
int
vkit_object(struct vctx *c, json_t *v, const char *path)
{
	if (json_is_object(v))
		return (0);
	return (vkit_fail(c, path, "expected an object; got %s", vkit_kind(v)));
}

/* Expect a string without NUL bytes. */
int
vkit_string(struct vctx *c, json_t *v, const char *path, const char **out)
{
	if (!json_is_string(v)) {
		return (vkit_fail(c, path, "expected a string; got %s",
		    vkit_kind(v)));
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) {
		return (vkit_fail(c, path, "must not contain NUL characters"));
	}
	return (0);
}

/* Expect an integer (10.0 counts; booleans do not). */
int
vkit_int(struct vctx *c, json_t *v, const char *path, json_int_t *out)
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
		return (vkit_fail(c, path, "expected an integer; got %g", d));
	}
	return (vkit_fail(c, path, "expected an integer; got %s",
	    vkit_kind(v)));
}

/* Expect a number, integer or not (booleans do not count). */
int
vkit_number(struct vctx *c, json_t *v, const char *path, double *out)
{
	if (!json_is_number(v)) {
		return (vkit_fail(c, path, "expected a number; got %s",
		    vkit_kind(v)));
	}
	*out = json_number_value(v);
	return (0);
}

/* Expect true or false. */
int
vkit_bool(struct vctx *c, json_t *v, const char *path)
{
	if (json_is_boolean(v))
		return (0);
	return (vkit_fail(c, path, "expected true or false; got %s",
	    vkit_kind(v)));
}

/* Expect one of a list of strings. */
int
vkit_enum(struct vctx *c, json_t *v, const char *path, const char **list)
{
	const char	**l;
	char		  all[256], hint[128];
	const char	 *s;

	all[0] = '\0';
	for (l = list; *l != NULL; l++) {
		if (l != list)
			vkit_cat(all, sizeof all, ", ");
		vkit_cat(all, sizeof all, *l);
	}
	if (!json_is_string(v)) {
		return (vkit_fail(c, path, "expected one of %s; got %s", all,
		    vkit_kind(v)));
	}
	s = json_string_value(v);
	if (vkit_in_list(list, s))
		return (0);
	return (vkit_fail(c, path, "expected one of %s; got \"%.64s\"%s", all,
	    s,
	    parse_suggest(hint, sizeof hint, s, list)));
}

/* Expect a name: [A-Za-z0-9._-]{1,64}. */
int
vkit_name(struct vctx *c, json_t *v, const char *path, const char **out)
{
	if (vkit_string(c, v, path, out) != 0)
		return (-1);
	if (parse_name(*out))
		return (0);
	return (vkit_fail(c, path,
	    "expected a name of 1 to 64 characters from A-Z "
	    "a-z 0-9 . _ -; got \"%.80s\"", *out));
}

/* Expect a duration string; zero only when allow_zero. */
int
vkit_duration(struct vctx *c, json_t *v, const char *path, int allow_zero,
    int64_t *us)
{
	const char	*s;
	char		*cause;
	int64_t		 dummy;

	if (us == NULL)
		us = &dummy;
	if (!json_is_string(v)) {
		return (vkit_fail(c, path, "expected a duration string such as "
		    "\"250ms\", \"1.5s\", \"2m\"; got %s", vkit_kind(v)));
	}
	s = json_string_value(v);
	if (parse_duration(s, us, &cause) != 0) {
		vkit_fail(c, path, "%s", cause);
		free(cause);
		return (-1);
	}
	if (!allow_zero && *us == 0) {
		return (vkit_fail(c, path,
		    "must be greater than zero; got \"%s\"",
		    s));
	}
	return (0);
}

/*
 * An optional field: checked by kind and copied into out, or set to dflt
 * (stolen; NULL leaves it absent). A duration's value goes to *us.
 */
int
vkit_opt(struct vctx *c, json_t *in, json_t *out, const char *path,
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
	vkit_ptr_key(p, path, key);
	switch (kind) {
	case OPT_STRING:
		r = vkit_string(c, v, p, &s);
		break;
	case OPT_BOOL:
		r = vkit_bool(c, v, p);
		break;
	case OPT_DURATION:
	case OPT_POSITIVE_DURATION:
		r = vkit_duration(c, v, p, kind == OPT_DURATION, us);
		break;
	}
	if (r != 0)
		return (-1);
	json_object_set_new(out, key, json_deep_copy(v));
	return (0);
}

/* Format microseconds as a duration string ("1h30m", "250ms"). */
void
vkit_fmt_duration(char *buf, size_t len, int64_t us)
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
		vkit_cat(buf, len, part);
		us %= units[i].us;
	}
}

/* Record a request/group name, which must be unique in the scenario. */
int
vkit_register(struct vctx *c, const char *name, const char *path)
{
	json_t	*prev;

	if ((prev = json_object_get(c->names, name)) != NULL) {
		return (vkit_fail(c, path, "\"%s\" is already the name of %s "
		    "(request and group names must be unique)", name,
		    json_string_value(prev)));
	}
	json_object_set_new(c->names, name, json_string(path));
	return (0);
}

/* Collect the registered names into a NULL-terminated list (for hints). */
const char **
vkit_names(struct vctx *c)
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
