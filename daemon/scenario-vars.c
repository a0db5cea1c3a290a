/* SPDX-License-Identifier: MIT */
/*
 * scenario-vars.c -- validate a scenario's variables and the templates that
 * use them (SPEC section 14): "vars" (a constant, {"int": [MIN, MAX]},
 * {"pick": [...]}), "random_seed", and each {{NAME}} against the built-ins
 * and the variables, with a did-you-mean. Pure: any thread.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"
#include "vkit.h"

#define VAR_PICK_MAX	1024		/* elements of a pick */
#define VAR_VALUE_MAX	4096		/* bytes of a constant or element */

/* The built-in names, in the order of enum plan_builtin. */
const char *scenario_builtins[] = {
	"vu", "iter", "seq", "uuid", "now_ms", "run_id", NULL
};

static const char *data_fields[] = { "data", "order", NULL };

/* A data variable: {"data": DATASET, "order": ORDER}. */
static int
scenario_var_data(struct vctx *c, const char *name, json_t *v,
    const char *path, json_t *out)
{
	const char	**names, *dname, *key;
	json_t		*o, *x;
	char		 p[PTR_MAX], hint[128];
	size_t		 n;

	if (vkit_fields(c, v, path, data_fields) != 0)
		return (-1);
	if ((x = vkit_need(c, v, path, "data")) == NULL)
		return (-1);
	vkit_ptr_key(p, path, "data");
	if (vkit_name(c, x, p, &dname) != 0)
		return (-1);
	if (c->datasets != NULL && json_object_get(c->datasets, dname) ==
	    NULL) {
		names = xcalloc(json_object_size(c->datasets) + 1,
		    sizeof *names);
		n = 0;
		json_object_foreach(c->datasets, key, o)
			names[n++] = key;
		vkit_fail(c, p, "no dataset named \"%s\"%s (store one with "
		    "PUT /v1/data/%s)", dname, parse_suggest(hint, sizeof hint,
		    dname, names), dname);
		free(names);
		return (-1);
	}
	o = json_pack("{s:s, s:s}", "data", dname, "order", "sequential");
	if ((x = json_object_get(v, "order")) != NULL) {
		vkit_ptr_key(p, path, "order");
		if (vkit_enum(c, x, p, order_names) != 0) {
			json_decref(o);
			return (-1);
		}
		json_object_set(o, "order", x);
	}
	json_object_set_new(out, name, o);
	return (0);
}

/* One variable: its form checked, normalised into out. */
static int
scenario_var(struct vctx *c, const char *name, json_t *v, const char *path,
    json_t *out)
{
	json_t		*a, *e;
	json_int_t	 lo, hi;
	const char	*s, *key;
	char		 p[PTR_MAX], q[PTR_MAX];
	size_t		 i;

	if (json_is_string(v)) {
		if (vkit_string(c, v, path, &s) != 0)
			return (-1);
		if (strlen(s) > VAR_VALUE_MAX)
			return (vkit_fail(c, path, "at most %d bytes",
			    VAR_VALUE_MAX));
		json_object_set(out, name, v);
		return (0);
	}
	if (json_is_object(v) && json_object_get(v, "data") != NULL)
		return (scenario_var_data(c, name, v, path, out));
	if (!json_is_object(v) || json_object_size(v) != 1)
		return (vkit_fail(c, path, "expected a string (a constant), "
		    "{\"int\": [MIN, MAX]}, {\"pick\": [...]} or "
		    "{\"data\": DATASET, \"order\": ORDER}; got %s",
		    vkit_kind(v)));
	key = json_object_iter_key(json_object_iter(v));
	a = json_object_get(v, key);
	vkit_ptr_key(p, path, key);
	if (strcmp(key, "int") == 0) {
		if (!json_is_array(a) || json_array_size(a) != 2)
			return (vkit_fail(c, p, "expected [MIN, MAX]"));
		vkit_ptr_index(q, p, 0);
		if (vkit_int(c, json_array_get(a, 0), q, &lo) != 0)
			return (-1);
		vkit_ptr_index(q, p, 1);
		if (vkit_int(c, json_array_get(a, 1), q, &hi) != 0)
			return (-1);
		if (lo > hi)
			return (vkit_fail(c, p, "MIN (%lld) is greater than "
			    "MAX (%lld)", (long long)lo, (long long)hi));
		json_object_set_new(out, name, json_pack("{s:[I, I]}", "int",
		    lo, hi));
		return (0);
	}
	if (strcmp(key, "pick") == 0) {
		if (!json_is_array(a) || json_array_size(a) == 0 ||
		    json_array_size(a) > VAR_PICK_MAX)
			return (vkit_fail(c, p, "expected an array of 1 to %d "
			    "strings", VAR_PICK_MAX));
		json_array_foreach(a, i, e) {
			vkit_ptr_index(q, p, i);
			if (vkit_string(c, e, q, &s) != 0)
				return (-1);
			if (strlen(s) > VAR_VALUE_MAX)
				return (vkit_fail(c, q, "at most %d bytes",
				    VAR_VALUE_MAX));
		}
		json_object_set(out, name, v);
		return (0);
	}
	if (strcmp(key, "data") == 0 || strcmp(key, "order") == 0)
		return (scenario_var_data(c, name, v, path, out));
	return (vkit_fail(c, p, "unknown form \"%.32s\" (expected int, "
	    "pick or data, or a string)", key));
}

/* "vars" and "random_seed" of the scenario, into out and c->vars. */
int
scenario_vars(struct vctx *c, json_t *in, json_t *out)
{
	json_t		*vars, *v, *norm;
	json_int_t	 seed;
	const char	*name;
	char		 p[PTR_MAX];

	if ((v = json_object_get(in, "random_seed")) != NULL) {
		if (vkit_int(c, v, "/random_seed", &seed) != 0)
			return (-1);
		json_object_set_new(out, "random_seed", json_integer(seed));
	}
	norm = json_object();
	if ((vars = json_object_get(in, "vars")) != NULL) {
		if (vkit_object(c, vars, "/vars") != 0)
			goto fail;
		json_object_foreach(vars, name, v) {
			vkit_ptr_key(p, "/vars", name);
			if (!parse_name(name) || strchr(name, '.') != NULL) {
				vkit_fail(c, p, "\"%.64s\" is not a variable "
				    "name ([A-Za-z0-9_-]{1,64})", name);
				goto fail;
			}
			if (vkit_in_list(scenario_builtins, name)) {
				vkit_fail(c, p, "\"%s\" is a built-in name",
				    name);
				goto fail;
			}
			if (scenario_var(c, name, v, p, norm) != 0)
				goto fail;
		}
	}
	json_object_set(out, "vars", norm);
	c->vars = norm;		/* borrowed from out */
	json_decref(norm);
	return (0);
fail:
	json_decref(norm);
	return (-1);
}

/*
 * A slot NAME.COLUMN: NAME a data variable, COLUMN one of its dataset's
 * (when the datasets are known). *dot says whether name had a dot.
 */
static int
scenario_template_data(struct vctx *c, const char *name, const char *path,
    int *dot)
{
	const char	*col = strchr(name, '.'), **names;
	json_t		*var, *cols, *x;
	char		 vname[LOADD_NAME_MAX + 1], hint[128];
	size_t		 i, n;
	int		 found = 0;

	*dot = col != NULL;
	if (col == NULL)
		return (0);
	n = (size_t)(col - name);
	snprintf(vname, sizeof vname, "%.*s", (int)n, name);
	col++;
	var = c->vars != NULL ? json_object_get(c->vars, vname) : NULL;
	if (json_object_get(var, "data") == NULL)
		return (vkit_fail(c, path, "\"%s\" is not a data variable "
		    "(declare it in \"vars\" as {\"data\": DATASET})", vname));
	if (c->datasets == NULL)
		return (0);
	cols = json_object_get(c->datasets, json_string_value(
	    json_object_get(var, "data")));
	json_array_foreach(cols, i, x)
		if (strcmp(json_string_value(x), col) == 0)
			found = 1;
	if (found)
		return (0);
	names = xcalloc(json_array_size(cols) + 1, sizeof *names);
	json_array_foreach(cols, i, x)
		names[i] = json_string_value(x);
	vkit_fail(c, path, "dataset \"%s\" has no column \"%s\"%s",
	    json_string_value(json_object_get(var, "data")), col,
	    parse_suggest(hint, sizeof hint, col, names));
	free(names);
	return (-1);
}

/*
 * A string that may hold templates (a path, the path of a url, a header
 * value, a body): its syntax, and each name a built-in or a variable.
 */
int
scenario_template(struct vctx *c, const char *s, const char *path)
{
	struct tpl	*t;
	const char	**names, *name;
	char		*cause, hint[128];
	size_t		 i, n, nv;
	const char	*key;
	json_t		*v;
	int		 dot;

	if (!tpl_has(s))
		return (0);
	if ((t = tpl_parse(s, &cause)) == NULL) {
		vkit_fail(c, path, "%s", cause);
		free(cause);
		return (-1);
	}
	for (i = 0; i < t->nsegs; i++) {
		if (t->segs[i].kind != TPL_NAME)
			continue;
		name = tpl_seg_text(t, i);
		if (scenario_template_data(c, name, path, &dot) != 0) {
			tpl_free(t);
			return (-1);
		}
		if (dot)
			continue;
		if (json_object_get(c->captures, name) != NULL)
			continue;
		if (vkit_in_list(scenario_builtins, name) ||
		    (c->vars != NULL && json_object_get(c->vars, name) !=
		    NULL &&
		    json_object_get(json_object_get(c->vars, name), "data") ==
		    NULL))
			continue;
		if (c->vars != NULL && json_object_get(json_object_get(c->vars,
		    name), "data") != NULL) {
			vkit_fail(c, path, "\"%s\" is a row of a dataset: "
			    "name a column, as {{%s.COLUMN}}", name, name);
			tpl_free(t);
			return (-1);
		}
		/* Unknown: suggest among the built-ins and the variables. */
		nv = (c->vars != NULL ? json_object_size(c->vars) : 0) +
		    json_object_size(c->captures);
		names = xcalloc(nv + 8, sizeof *names);
		for (n = 0; scenario_builtins[n] != NULL; n++)
			names[n] = scenario_builtins[n];
		if (c->vars != NULL)
			json_object_foreach(c->vars, key, v)
				names[n++] = key;
		json_object_foreach(c->captures, key, v)
			names[n++] = key;
		vkit_fail(c, path, "unknown template variable \"%s\"%s (the "
		    "built-ins are vu, iter, seq, uuid, now_ms, run_id; "
		    "declare others in \"vars\" or capture them)", name,
		    parse_suggest(hint, sizeof hint, name, names));
		free(names);
		tpl_free(t);
		return (-1);
	}
	tpl_free(t);
	return (0);
}

/*
 * s with each template slot replaced by "0": what its literal parts must
 * pass as a path or URL (a slot may hold spaces: "{{ id }}"). A template
 * that does not parse comes back as it is, for scenario_template() to
 * report. The caller frees.
 */
char *
scenario_untemplated(const char *s)
{
	struct tpl	*t;
	char		*out, *cause;
	size_t		 i, o = 0;

	if (!tpl_has(s) || (t = tpl_parse(s, &cause)) == NULL) {
		if (tpl_has(s))
			free(cause);
		return (xstrdup(s));
	}
	out = xmalloc(strlen(s) + 1);
	for (i = 0; i < t->nsegs; i++) {
		if (t->segs[i].kind == TPL_NAME) {
			out[o++] = '0';
			continue;
		}
		memcpy(out + o, tpl_seg_text(t, i), t->segs[i].len);
		o += t->segs[i].len;
	}
	out[o] = '\0';
	tpl_free(t);
	return (out);
}
