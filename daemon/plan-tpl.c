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

/* The built-ins, then each variable of spec's "vars" (validated). */
void
plan_vars(struct plan *p, json_t *spec)
{
	struct plan_var	*v;
	json_t		*vars = json_object_get(spec, "vars"), *x, *a, *e;
	const char	*name;
	size_t		 i, n;

	p->nvars = PLAN_NBUILTINS + json_object_size(vars);
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
}

/* Compile s against the plan's variables; NULL with *cause if it fails. */
struct plan_tpl *
plan_tpl(struct plan *p, const char *s, char **cause)
{
	struct plan_tpl	*pt;
	const char	*name;
	size_t		 i, k;

	pt = xcalloc(1, sizeof *pt);
	if ((pt->t = tpl_parse(s, cause)) == NULL) {
		free(pt);
		return (NULL);
	}
	pt->vars = xcalloc(pt->t->nsegs + 1, sizeof *pt->vars);
	for (i = 0; i < pt->t->nsegs; i++) {
		pt->vars[i] = -1;
		if (pt->t->segs[i].kind == TPL_LITERAL) {
			pt->maxlen += pt->t->segs[i].len;
			continue;
		}
		name = tpl_seg_text(pt->t, i);
		for (k = 0; k < p->nvars; k++)
			if (strcmp(p->vars[k].name, name) == 0)
				break;
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

void
plan_tpl_free(struct plan_tpl *pt)
{
	if (pt == NULL)
		return;
	tpl_free(pt->t);
	free(pt->vars);
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
	uint64_t		 x, span;
	size_t			 i, o = 0;

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
