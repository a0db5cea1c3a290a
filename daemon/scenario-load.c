/* SPDX-License-Identifier: MIT */
/*
 * scenario-load.c -- validate a scenario's load (SPEC section 3): the five
 * executor_names, their stages and levels, think time, warmup, against the
 * daemon's limits (a 400 limit_exceeded past them). Pure: any thread.
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

static const char *stage_fields[] = { "duration", "target", NULL };

static const char *think_fields[] = { "min", "max", NULL };

/*
 * Executors, indexed by enum executor (loadd.h), and the fields each one owns
 * besides the common ones.
 */
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

/* A VU count 0..max_vus (or min..max_vus); above the limit is a 400 limit. */
static int
v_vus(struct vctx *c, json_t *v, const char *path, json_int_t min,
    json_int_t *out)
{
	if (vkit_int(c, v, path, out) != 0)
		return (-1);
	if (*out < min) {
		return (vkit_fail(c, path, "must be at least %lld; got %lld",
		    (long long)min, (long long)*out));
	}
	if (*out > c->lim->max_vus) {
		return (vkit_fail_at(c, CODE_LIMIT, path, NULL,
		    "must be at most "
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
	if (vkit_number(c, v, path, out) != 0)
		return (-1);
	if (allow_zero ? *out < 0 : !(*out > 0)) {
		return (vkit_fail(c, path, "must be %s zero; got %g",
		    allow_zero ?
		    "at least" : "greater than", *out));
	}
	if (*out > c->lim->max_rate) {
		return (vkit_fail_at(c, CODE_LIMIT, path, NULL,
		    "must be at most "
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
		return (vkit_fail(c, path,
		    "expected an array of {\"duration\", "
		    "\"target\"} stages; got %s", vkit_kind(v)));
	}
	if (json_array_size(v) == 0) {
		return (vkit_fail(c, path,
		    "expected at least one stage; got an "
		    "empty array"));
	}
	*out = json_array();
	json_array_foreach(v, i, st) {
		vkit_ptr_index(p, path, i);
		if (vkit_object(c, st, p) != 0 ||
		    vkit_fields(c, st, p, stage_fields) != 0)
			goto fail;
		if ((dv = vkit_need(c, st, p, "duration")) == NULL ||
		    (tv = vkit_need(c, st, p, "target")) == NULL)
			goto fail;
		vkit_ptr_key(fp, p, "duration");
		if (vkit_duration(c, dv, fp, 0, &us) != 0)
			goto fail;
		*total = add_us(*total, us);
		vkit_ptr_key(fp, p, "target");
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
		return (vkit_duration(c, v, path, 1, NULL));
	if (!json_is_object(v)) {
		return (vkit_fail(c, path,
		    "expected a duration such as \"1s\" or "
		    "{\"min\": \"1s\", \"max\": \"3s\"}; got %s",
		    vkit_kind(v)));
	}
	if (vkit_fields(c, v, path, think_fields) != 0)
		return (-1);
	if ((mn = vkit_need(c, v, path, "min")) == NULL ||
	    (mx = vkit_need(c, v, path, "max")) == NULL)
		return (-1);
	vkit_ptr_key(p, path, "min");
	if (vkit_duration(c, mn, p, 1, &a) != 0)
		return (-1);
	vkit_ptr_key(p, path, "max");
	if (vkit_duration(c, mx, p, 1, &b) != 0)
		return (-1);
	if (a > b) {
		return (vkit_fail(c, p,
		    "must be at least min (\"%s\"); got \"%s\"",
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
		if (vkit_in_list(allowed, key))
			continue;
		vkit_ptr_key(p, path, key);
		if (strcmp(key, "think_time") == 0) {
			return (vkit_fail_at(c, CODE_INVALID, p, key,
			    "not a field "
			    "of executor %s (think time applies to closed "
			    "models only: constant-vus, ramping-vus, sweep)",
			    executor_names[ex]));
		}
		owner = NULL;
		for (e = 0; executor_names[e] != NULL && owner == NULL; e++) {
			if (vkit_in_list(executor_fields[e], key))
				owner = executor_names[e];
		}
		if (owner != NULL) {
			return (vkit_fail_at(c, CODE_INVALID, p, key,
			    "not a field "
			    "of executor %s (it belongs to %s)", executor_names[ex],
			    owner));
		}
		return (vkit_fail_at(c, CODE_INVALID, p, key, "unknown field%s",
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

	if ((v = vkit_need(c, in, path, "vus")) == NULL)
		return (-1);
	vkit_ptr_key(p, path, "vus");
	if (v_vus(c, v, p, 1, &n) != 0)
		return (-1);
	json_object_set_new(out, "vus", json_integer(n));
	if (json_object_get(in, "duration") == NULL &&
	    json_object_get(in, "iterations") == NULL) {
		return (vkit_fail_at(c, CODE_INVALID, path, "duration",
		    "required "
		    "field is missing (constant-vus needs duration, iterations "
		    "or both)"));
	}
	if (vkit_opt(c, in, out, path, "duration", OPT_POSITIVE_DURATION, NULL,
	    length) != 0)
		return (-1);
	if ((v = json_object_get(in, "iterations")) != NULL) {
		vkit_ptr_key(p, path, "iterations");
		if (vkit_int(c, v, p, &n) != 0)
			return (-1);
		if (n < 1) {
			return (vkit_fail(c, p, "must be at least 1; got %lld",
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

	if (vkit_need(c, in, path, "stages") == NULL)
		return (-1);
	if ((v = json_object_get(in, "start_vus")) != NULL) {
		vkit_ptr_key(p, path, "start_vus");
		if (v_vus(c, v, p, 0, &n) != 0)
			return (-1);
	}
	json_object_set_new(out, "start_vus", json_integer(n));
	vkit_ptr_key(p, path, "stages");
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
		if ((v = vkit_need(c, in, path, "rate")) == NULL ||
		    vkit_need(c, in, path, "duration") == NULL)
			return (-1);
		vkit_ptr_key(p, path, "rate");
		if (v_rate(c, v, p, 0, &rate) != 0)
			return (-1);
		json_object_set_new(out, "rate", json_deep_copy(v));
		if (vkit_opt(c, in, out, path, "duration",
		    OPT_POSITIVE_DURATION,
		    NULL, length) != 0)
			return (-1);
	} else {
		if (vkit_need(c, in, path, "stages") == NULL)
			return (-1);
		if ((v = json_object_get(in, "start_rate")) != NULL) {
			vkit_ptr_key(p, path, "start_rate");
			if (v_rate(c, v, p, 1, &rate) != 0)
				return (-1);
			json_object_set_new(out, "start_rate",
			    json_deep_copy(v));
		} else
			json_object_set_new(out, "start_rate", json_integer(0));
		vkit_ptr_key(p, path, "stages");
		if (v_stages(c, json_object_get(in, "stages"), p, 1, length,
		    &o) != 0)
			return (-1);
		json_object_set_new(out, "stages", o);
	}
	n = c->lim->max_vus < DEFAULT_OPEN_VUS ? c->lim->max_vus :
	    DEFAULT_OPEN_VUS;
	if ((v = json_object_get(in, "max_vus")) != NULL) {
		vkit_ptr_key(p, path, "max_vus");
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

	if ((v = vkit_need(c, in, path, "levels")) == NULL ||
	    vkit_need(c, in, path, "level_duration") == NULL)
		return (-1);
	vkit_ptr_key(p, path, "levels");
	if (!json_is_array(v)) {
		return (vkit_fail(c, p,
		    "expected an array of VU counts such as "
		    "[1, 5, 10]; got %s", vkit_kind(v)));
	}
	if (json_array_size(v) == 0 || json_array_size(v) > LEVELS_MAX) {
		return (vkit_fail(c, p, "expected 1 to %d levels; got %zu",
		    LEVELS_MAX, json_array_size(v)));
	}
	o = json_array();
	json_object_set_new(out, "levels", o);
	json_array_foreach(v, i, item) {
		vkit_ptr_index(lp, p, i);
		if (v_vus(c, item, lp, 1, &n) != 0)
			return (-1);
		json_array_append_new(o, json_integer(n));
	}
	if (vkit_opt(c, in, out, path, "level_duration", OPT_POSITIVE_DURATION,
	    NULL, &us) != 0)
		return (-1);
	/* Each level's report is made of whole seconds of the run. */
	if (us % 1000000 != 0) {
		vkit_ptr_key(p, path, "level_duration");
		return (vkit_fail(c, p,
		    "expected whole seconds, such as \"30s\" "
		    "(each level is reported from whole seconds of the run)"));
	}
	*length = us * (int64_t)json_array_size(v);
	return (0);
}

/* The load section: an executor, its fields, the common ones, the limits. */
json_t *
scenario_load(struct vctx *c, json_t *in, const char *path)
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

	if (vkit_object(c, in, path) != 0)
		return (NULL);
	if ((v = json_object_get(in, "executor")) == NULL) {
		vkit_fail_at(c, CODE_INVALID, path, "executor",
		    "required field is "
		    "missing (one of constant-vus, ramping-vus, constant-rate, "
		    "ramping-rate, sweep)");
		return (NULL);
	}
	vkit_ptr_key(p, path, "executor");
	if (vkit_enum(c, v, p, executor_names) != 0)
		return (NULL);
	for (ex = 0; strcmp(executor_names[ex], json_string_value(v)) != 0; ex++)
		;
	if (v_load_fields(c, in, path, ex) != 0)
		return (NULL);

	out = json_object();
	json_object_set_new(out, "executor", json_string(executor_names[ex]));
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
	    vkit_opt(c, in, out, path, "warmup", OPT_DURATION,
	    json_string("0s"),
	    &warmup) != 0)
		goto fail;
	if (ex == EXEC_SWEEP && warmup % 1000000 != 0) {
		vkit_ptr_key(p, path, "warmup");
		vkit_fail(c, p,
		    "expected whole seconds with sweep, such as \"5s\" "
		    "(each level is reported from whole seconds of the run)");
		goto fail;
	}
	if (ex != EXEC_CONSTANT_RATE && ex != EXEC_RAMPING_RATE) {
		vkit_ptr_key(p, path, "think_time");
		if ((v = json_object_get(in, "think_time")) == NULL)
			v = json_string("0s");
		else if (v_think_time(c, v, p) != 0)
			goto fail;
		else
			v = json_deep_copy(v);
		json_object_set_new(out, "think_time", v);
	}
	if (vkit_opt(c, in, out, path, "keepalive", OPT_BOOL, json_true(),
	    NULL) != 0)
		goto fail;

	/* The whole run, warmup included, must fit in max_duration. */
	if (add_us(length, warmup) > c->lim->max_duration_us) {
		vkit_fmt_duration(a, sizeof a, add_us(length, warmup));
		vkit_fmt_duration(b, sizeof b, c->lim->max_duration_us);
		lenfield = lenfields[ex];
		if (json_object_get(in, lenfield) == NULL ||
		    length <= c->lim->max_duration_us)
			lenfield = "warmup";
		vkit_ptr_key(p, path, lenfield);
		vkit_fail_at(c, CODE_LIMIT, p, NULL, "the run would last %s "
		    "(warmup included), more than max_duration (%s) of this "
		    "daemon", a, b);
		goto fail;
	}
	return (out);

fail:
	json_decref(out);
	return (NULL);
}
