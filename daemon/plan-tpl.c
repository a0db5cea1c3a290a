/* SPDX-License-Identifier: MIT */
/*
 * plan-tpl.c -- dynamic requests in the plan (SPEC section 14): the
 * variables compiled from the scenario's "vars" and the built-ins, the
 * templates of a request compiled against them, and the rendering of a
 * template into a buffer sized at plan time. plan_render() runs on the
 * workers' request path: no allocation, no lock, no JSON.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loadd.h"

#define PLAN_NUM_MAX	20		/* digits of a 64-bit number */
#define PLAN_UUID_LEN	36

static const char *plan_builtin_names[PLAN_NBUILTINS] = {
	"vu", "iter", "seq", "uuid", "now_ms", "run_id"
};

/* A data variable: its order, its dataset and the longest cell a column. */
static void
plan_var_data(struct plan_var *v, const char *dname, const char *order,
    struct plan_dataset *ds, size_t nds)
{
	struct dataset	*d;
	size_t		 i, r, c, n;

	snprintf(v->dataset, sizeof v->dataset, "%s", dname);
	v->order = name_index(order_names, order) < 0 ? ORDER_SEQUENTIAL :
	    (enum plan_data_order)name_index(order_names, order);
	for (i = 0; i < nds; i++) {
		if (ds[i].d == NULL || strcmp(ds[i].name, dname) != 0)
			continue;
		v->data = d = ds[i].d;
		ds[i].d = NULL;		/* the plan owns it now */
		v->colmax = xcalloc(d->ncols + 1, sizeof *v->colmax);
		v->cellens = xcalloc(d->ncells + 1, sizeof *v->cellens);
		for (r = 0; r < d->nrows; r++)
			for (c = 0; c < d->ncols; c++) {
				n = strlen(d->cells[r * d->ncols + c]);
				v->cellens[r * d->ncols + c] = n;
				if (n > v->colmax[c])
					v->colmax[c] = n;
			}
		return;
	}
}

/* The names captured by the entries of list (and their members), in order. */
static void
plan_capture_names(json_t *list, json_t *names)
{
	json_t		*r, *caps, *x;
	const char	*name;
	size_t		 i;

	json_array_foreach(list, i, r) {
		if (json_object_get(r, "requests") != NULL) {
			plan_capture_names(json_object_get(r, "requests"),
			    names);
			continue;
		}
		caps = json_object_get(r, "capture");
		json_object_foreach(caps, name, x)
			if (json_object_get(names, name) == NULL)
				json_object_set_new(names, name,
				    json_integer((json_int_t)json_object_size(
				    names)));
	}
}

/*
 * The built-ins, then each variable of spec's "vars" (validated), then
 * each value captured by a request (a slot of capture_max bytes); a data
 * variable takes its dataset from ds (the run's snapshot; the plan owns it
 * from now on) or is left without one (a plan compiled only to check).
 */
void
plan_vars(struct plan *p, json_t *spec, struct plan_dataset *ds, size_t nds)
{
	struct plan_var	*v;
	json_t		*vars = json_object_get(spec, "vars"), *x, *a, *e;
	json_t		*caps = json_object();
	const char	*name;
	size_t		 i, n;

	plan_capture_names(json_object_get(spec, "setup"), caps);
	plan_capture_names(json_object_get(spec, "requests"), caps);
	p->ncaptures = json_object_size(caps);
	p->nvars = PLAN_NBUILTINS + json_object_size(vars) + p->ncaptures;
	p->vars = xcalloc(p->nvars, sizeof *p->vars);
	for (i = 0; i < PLAN_NBUILTINS; i++) {
		v = &p->vars[i];
		snprintf(v->name, sizeof v->name, "%s", plan_builtin_names[i]);
		v->kind = (enum plan_var_kind)i;
		v->maxlen = i == VAR_UUID ? PLAN_UUID_LEN : PLAN_NUM_MAX;
	}
	json_object_foreach(vars, name, x) {
		v = &p->vars[i++];
		snprintf(v->name, sizeof v->name, "%s", name);
		if (json_is_string(x)) {
			v->kind = VAR_CONST;
			v->text = xstrdup(json_string_value(x));
			v->maxlen = v->textlen = strlen(v->text);
		} else if ((a = json_object_get(x, "data")) != NULL) {
			v->kind = VAR_DATA;
			p->ndata++;
			plan_var_data(v, json_string_value(a), json_string_value(
			    json_object_get(x, "order")), ds, nds);
		} else if ((a = json_object_get(x, "int")) != NULL) {
			v->kind = VAR_INT;
			v->lo = json_integer_value(json_array_get(a, 0));
			v->hi = json_integer_value(json_array_get(a, 1));
			v->maxlen = PLAN_NUM_MAX + 1;	/* a sign */
		} else {
			a = json_object_get(x, "pick");
			v->kind = VAR_PICK;
			v->npicks = json_array_size(a);
			v->picks = xcalloc(v->npicks, sizeof *v->picks);
			v->picklens = xcalloc(v->npicks, sizeof *v->picklens);
			json_array_foreach(a, n, e) {
				v->picks[n] = xstrdup(json_string_value(e));
				v->picklens[n] = strlen(v->picks[n]);
				if (v->picklens[n] > v->maxlen)
					v->maxlen = v->picklens[n];
			}
		}
	}
	json_object_foreach(caps, name, x) {
		v = &p->vars[i++];
		snprintf(v->name, sizeof v->name, "%s", name);
		v->kind = VAR_CAPTURE;
		v->slot = (int)json_integer_value(x);
		/* The example of a request refused for want of it. */
		xasprintf(&v->text, "{{%s}} is not captured yet: no response "
		    "has set it for this VU", name);
		v->maxlen = p->capture_max;
	}
	json_decref(caps);
}

/* Compile s against the plan's variables; NULL with *cause if it fails. */
struct plan_tpl *
plan_tpl(struct plan *p, const char *s, char **cause)
{
	struct plan_tpl	*pt;
	struct dataset	*d;
	const char	*name, *col;
	size_t		 i, k, n, c;

	pt = xcalloc(1, sizeof *pt);
	if ((pt->t = tpl_parse(s, cause)) == NULL) {
		free(pt);
		return (NULL);
	}
	pt->vars = xcalloc(pt->t->nsegs + 1, sizeof *pt->vars);
	pt->cols = xcalloc(pt->t->nsegs + 1, sizeof *pt->cols);
	for (i = 0; i < pt->t->nsegs; i++) {
		pt->vars[i] = pt->cols[i] = -1;
		if (pt->t->segs[i].kind == TPL_LITERAL) {
			pt->maxlen += pt->t->segs[i].len;
			continue;
		}
		name = tpl_seg_text(pt->t, i);
		col = strchr(name, '.');
		n = col != NULL ? (size_t)(col - name) : strlen(name);
		for (k = 0; k < p->nvars; k++)
			if (strlen(p->vars[k].name) == n &&
			    strncmp(p->vars[k].name, name, n) == 0)
				break;
		if (col != NULL && k < p->nvars && p->vars[k].data != NULL) {
			d = p->vars[k].data;
			for (c = 0; c < d->ncols; c++)
				if (strcmp(d->columns[c], col + 1) == 0)
					break;
			if (c == d->ncols) {
				xasprintf(cause, "dataset \"%s\" has no column "
				    "\"%s\"", p->vars[k].name, col + 1);
				plan_tpl_free(pt);
				return (NULL);
			}
			pt->vars[i] = (int)k;
			pt->cols[i] = (int)c;
			pt->maxlen += p->vars[k].colmax[c];
			continue;
		}
		if (col != NULL && k < p->nvars) {
			/* No snapshot (a plan compiled to check): empty. */
			pt->vars[i] = (int)k;
			continue;
		}
		if (k == p->nvars) {	/* validated: cannot happen */
			xasprintf(cause, "unknown template variable \"%s\"",
			    name);
			plan_tpl_free(pt);
			return (NULL);
		}
		pt->vars[i] = (int)k;
		pt->maxlen += p->vars[k].maxlen;
	}
	return (pt);
}

/* The captured values pt renders: a bit per slot. */
uint64_t
plan_tpl_capuse(const struct plan *p, const struct plan_tpl *pt)
{
	uint64_t	m = 0;
	size_t		i;

	for (i = 0; pt != NULL && i < pt->t->nsegs; i++)
		if (pt->vars[i] >= 0 && p->vars[pt->vars[i]].kind ==
		    VAR_CAPTURE && p->vars[pt->vars[i]].slot < 64)
			m |= UINT64_C(1) << p->vars[pt->vars[i]].slot;
	return (m);
}

void
plan_tpl_free(struct plan_tpl *pt)
{
	if (pt == NULL)
		return;
	tpl_free(pt->t);
	free(pt->vars);
	free(pt->cols);
	free(pt);
}

/* Free the variables of a plan. */
void
plan_vars_free(struct plan *p)
{
	size_t	i, k;

	for (i = 0; i < p->nvars; i++) {
		free(p->vars[i].text);
		for (k = 0; k < p->vars[i].npicks; k++)
			free(p->vars[i].picks[k]);
		free(p->vars[i].picks);
		free(p->vars[i].picklens);
		free(p->vars[i].colmax);
		free(p->vars[i].cellens);
		data_free(p->vars[i].data);
	}
	free(p->vars);
}

/* Write v in decimal at out; returns its length. */
static size_t
plan_u64(char *out, uint64_t v)
{
	char	tmp[PLAN_NUM_MAX];
	size_t	n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return (n);
}

/* A random UUID version 4 (RFC 9562) from two draws. */
static void
plan_uuid(char *out, uint64_t a, uint64_t b)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 r[16];
	size_t			 i, o = 0;

	for (i = 0; i < 8; i++) {
		r[i] = (unsigned char)(a >> (8 * i));
		r[8 + i] = (unsigned char)(b >> (8 * i));
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 0x0f];
	}
}

/*
 * Render pt into out (at least pt->maxlen bytes) with the values of rc;
 * returns the length. The request path: no allocation, no lock.
 */
size_t
plan_render(const struct plan *p, const struct plan_tpl *pt, char *out,
    struct plan_render_ctx *rc)
{
	const struct tpl_seg	*g;
	const struct plan_var	*v;
	struct timespec		 ts;
	const char		*cell;
	uint64_t		 x, span;
	size_t			 i, o = 0, n;

	for (i = 0; i < pt->t->nsegs; i++) {
		g = &pt->t->segs[i];
		if (pt->vars[i] < 0) {
			memcpy(out + o, pt->t->text + g->off, g->len);
			o += g->len;
			continue;
		}
		v = &p->vars[pt->vars[i]];
		switch (v->kind) {
		case VAR_VU:
			o += plan_u64(out + o, rc->vu);
			break;
		case VAR_ITER:
			o += plan_u64(out + o, rc->iter);
			break;
		case VAR_SEQ:
			o += plan_u64(out + o, *rc->seq);
			*rc->seq += rc->seq_step;
			break;
		case VAR_UUID:
			x = rc->random(rc->arg);
			plan_uuid(out + o, x, rc->random(rc->arg));
			o += PLAN_UUID_LEN;
			break;
		case VAR_NOW_MS:
			clock_gettime(CLOCK_REALTIME, &ts);
			o += plan_u64(out + o, (uint64_t)ts.tv_sec * 1000 +
			    (uint64_t)ts.tv_nsec / 1000000);
			break;
		case VAR_RUN_ID:
			o += plan_u64(out + o, (uint64_t)p->run_id);
			break;
		case VAR_CONST:
			memcpy(out + o, v->text, v->textlen);
			o += v->textlen;
			break;
		case VAR_INT:
			span = (uint64_t)v->hi - (uint64_t)v->lo + 1;
			x = rc->random(rc->arg);
			x = (uint64_t)v->lo + (span == 0 ? x : x % span);
			if ((int64_t)x < 0) {
				out[o++] = '-';
				x = -x;
			}
			o += plan_u64(out + o, x);
			break;
		case VAR_PICK:
			x = rc->random(rc->arg) % v->npicks;
			memcpy(out + o, v->picks[x], v->picklens[x]);
			o += v->picklens[x];
			break;
		case VAR_DATA:
			if (v->data == NULL || pt->cols[i] < 0 ||
			    v->data->nrows == 0)
				break;
			x = rc->rows[pt->vars[i]] * v->data->ncols +
			    (size_t)pt->cols[i];
			cell = v->data->cells[x];
			n = v->cellens[x];
			memcpy(out + o, cell, n);
			o += n;
			break;
		case VAR_CAPTURE:
			n = rc->caplens[v->slot];
			memcpy(out + o, rc->caps + (size_t)v->slot *
			    p->capture_max, n);
			o += n;
			break;
		}
	}
	return (o);
}

/* "Content-Length: N\r\n" at out (PLAN_CLEN_MAX bytes); its length. */
size_t
plan_render_clen(char *out, size_t n)
{
	size_t	o = 16;

	memcpy(out, "Content-Length: ", 16);
	o += plan_u64(out + o, n);
	out[o++] = '\r';
	out[o++] = '\n';
	return (o);
}
