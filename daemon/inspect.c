/* SPDX-License-Identifier: MIT */
/*
 * inspect.c -- what a request reads from its response (SPEC section 14):
 * its captures and checks compiled from the scenario once per run, the
 * parser hooks that keep the header lines they name and the first
 * inspect_bytes of the body, and their evaluation when the response is
 * complete. The hooks and the evaluation run on the workers' request path:
 * no allocation, no lock, no JSON library (jsonscan.c finds pointers).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loadd.h"

#define INSPECT_SHOW	48	/* bytes of a found value an example shows */

/* The index of header name (lower case) in pi->hdrs, added if new. */
static int
inspect_hdr(struct plan_inspect *pi, const char *name)
{
	size_t	i;
	char	*lc;

	for (i = 0; i < pi->nhdrs; i++)
		if (strcasecmp(pi->hdrs[i], name) == 0)
			return ((int)i);
	lc = xstrdup(name);
	for (i = 0; lc[i] != '\0'; i++)
		if (lc[i] >= 'A' && lc[i] <= 'Z')
			lc[i] = (char)(lc[i] + 'a' - 'A');
	pi->hdrs = xreallocarray(pi->hdrs, pi->nhdrs + 1, sizeof *pi->hdrs);
	pi->hdrs[pi->nhdrs] = lc;
	return ((int)pi->nhdrs++);
}

static void
inspect_str(char **dst, size_t *len, const char *s)
{
	*dst = xstrdup(s);
	*len = strlen(s);
}

/* A check's description for examples: its kind and argument, short. */
static char *
inspect_desc(const char *kind, const char *a, const char *op, json_t *v)
{
	char	*d, *val = NULL;

	if (v != NULL)
		val = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	xasprintf(&d, "%s%s%.64s%s%s%s%.64s", kind, *a != '\0' ? " " : "", a,
	    op != NULL ? " " : "",
	    op != NULL ? op : "", val != NULL ? " " : "",
	    val != NULL ? val : "");
	free(val);
	return (d);
}

/*
 * Compile a request entry's "capture" and "checks" (validated) against
 * the plan's captured variables; NULL when the response is not read.
 * cookies: the scenario keeps cookies, so Set-Cookie is read too.
 */
struct plan_inspect *
inspect_compile(const struct plan *p, json_t *r, int cookies)
{
	struct plan_inspect	*pi;
	struct plan_capture	*pc;
	struct plan_check	*ck;
	json_t			*caps = json_object_get(r, "capture");
	json_t			*checks = json_object_get(r, "checks");
	json_t			*x, *v;
	const char		*name, *s;
	size_t			 i, k;

	if (json_object_size(caps) == 0 && json_array_size(checks) == 0 &&
	    !cookies)
		return (NULL);
	pi = xcalloc(1, sizeof *pi);
	pi->cookie_hdr = cookies ? inspect_hdr(pi, "set-cookie") : -1;
	pi->caps = xcalloc(json_object_size(caps) + 1, sizeof *pi->caps);
	json_object_foreach(caps, name, x) {
		pc = &pi->caps[pi->ncaps++];
		snprintf(pc->name, sizeof pc->name, "%s", name);
		pc->slot = -1;
		for (k = 0; k < p->nvars; k++)
			if (p->vars[k].kind == VAR_CAPTURE &&
			    strcmp(p->vars[k].name, name) == 0)
				pc->slot = p->vars[k].slot;
		if ((s = json_string_value(json_object_get(x, "json"))) !=
		    NULL) {
			pc->kind = CAPTURE_JSON;
			inspect_str(&pc->a, &pc->alen, s);
			pi->body = 1;
		} else if ((s = json_string_value(json_object_get(x,
		    "header"))) != NULL) {
			pc->kind = CAPTURE_HEADER;
			inspect_str(&pc->a, &pc->alen, s);
			pc->hdr = inspect_hdr(pi, s);
		} else {
			v = json_object_get(x, "between");
			pc->kind = CAPTURE_BETWEEN;
			inspect_str(&pc->a, &pc->alen,
			    json_string_value(json_array_get(v, 0)));
			inspect_str(&pc->b, &pc->blen,
			    json_string_value(json_array_get(v, 1)));
			pi->body = 1;
		}
	}
	pi->checks = xcalloc(json_array_size(checks) + 1, sizeof *pi->checks);
	json_array_foreach(checks, i, x) {
		ck = &pi->checks[pi->nchecks++];
		if ((s = json_string_value(json_object_get(x,
		    "body_contains"))) != NULL) {
			ck->kind = CHECK_BODY_CONTAINS;
			inspect_str(&ck->a, &ck->alen, s);
			ck->desc = inspect_desc("body_contains", "", NULL,
			    json_object_get(x, "body_contains"));
			pi->body = 1;
		} else if ((s = json_string_value(json_object_get(x,
		    "json"))) != NULL) {
			inspect_str(&ck->a, &ck->alen, s);
			pi->body = 1;
			if ((v = json_object_get(x, "exists")) != NULL) {
				ck->kind = CHECK_JSON_EXISTS;
				ck->exists = json_is_true(v);
				ck->desc = inspect_desc("json", s, "exists", v);
				continue;
			}
			v = json_object_get(x, "equals");
			ck->kind = CHECK_JSON_EQUALS;
			ck->desc = inspect_desc("json", s, "equals", v);
			if (json_is_string(v)) {
				ck->type = 's';
				ck->b = xmalloc(json_string_length(v) + 1);
				memcpy(ck->b, json_string_value(v),
				    json_string_length(v) + 1);
				ck->blen = json_string_length(v);
			} else if (json_is_number(v)) {
				ck->type = 'n';
				ck->num = json_number_value(v);
			} else {
				ck->type = 'l';
				inspect_str(&ck->b, &ck->blen, json_is_true(v) ?
				    "true" : json_is_false(v) ? "false" :
				    "null");
			}
		} else {
			s = json_string_value(json_object_get(x, "header"));
			inspect_str(&ck->a, &ck->alen, s);
			ck->hdr = inspect_hdr(pi, s);
			if ((v = json_object_get(x, "equals")) != NULL) {
				ck->kind = CHECK_HEADER_EQUALS;
				ck->desc = inspect_desc("header", s, "equals",
				    v);
			} else {
				v = json_object_get(x, "contains");
				ck->kind = CHECK_HEADER_CONTAINS;
				ck->desc = inspect_desc("header", s,
				    "contains", v);
			}
			inspect_str(&ck->b, &ck->blen, json_string_value(v));
		}
	}
	return (pi);
}

void
inspect_free(struct plan_inspect *pi)
{
	size_t	i;

	if (pi == NULL)
		return;
	for (i = 0; i < pi->ncaps; i++) {
		free(pi->caps[i].a);
		free(pi->caps[i].b);
	}
	for (i = 0; i < pi->nchecks; i++) {
		free(pi->checks[i].a);
		free(pi->checks[i].b);
		free(pi->checks[i].desc);
	}
	for (i = 0; i < pi->nhdrs; i++)
		free(pi->hdrs[i]);
	free(pi->caps);
	free(pi->checks);
	free(pi->hdrs);
	free(pi);
}

/* A buffer for one response of a request with pi, body up to cap. */
struct conn_inspect *
inspect_buf_new(size_t cap)
{
	struct conn_inspect	*ci;

	ci = xcalloc(1, sizeof *ci + INSPECT_HDR_BYTES + cap);
	ci->hbuf = (char *)(ci + 1);
	ci->body = ci->hbuf + INSPECT_HDR_BYTES;
	ci->bodycap = cap;
	return (ci);
}

/* A buffer from the pool (made if none is free), reset for pi. */
struct conn_inspect *
inspect_take(struct inspect_pool *pool, const struct plan_inspect *pi)
{
	struct conn_inspect	*ci;

	if ((ci = pool->free) != NULL)
		pool->free = ci->next;
	else {
		ci = inspect_buf_new(pool->bytes);
		pool->made++;
	}
	inspect_reset(ci, pi);
	return (ci);
}

void
inspect_give(struct inspect_pool *pool, struct conn_inspect *ci)
{
	if (ci == NULL)
		return;
	ci->next = pool->free;
	pool->free = ci;
}

void
inspect_pool_free(struct inspect_pool *pool)
{
	struct conn_inspect	*ci;

	while ((ci = pool->free) != NULL) {
		pool->free = ci->next;
		free(ci);
	}
}

/* Forget what was kept: a new request, or a resent one. */
void
inspect_reset(struct conn_inspect *ci, const struct plan_inspect *pi)
{
	ci->pi = pi;
	ci->state = 0;
	ci->cur = -1;
	ci->namelen = 0;
	ci->nhv = 0;
	ci->hlen = 0;
	ci->bodylen = 0;
	ci->bodyseen = 0;
}

/* Parser hook: part of a header's name. */
void
inspect_on_field(struct conn_inspect *ci, const char *at, size_t len)
{
	size_t	n;

	if (ci->state != 1) {
		ci->state = 1;
		ci->namelen = 0;
	}
	/* Longer than the buffer: it matches nothing, only its length counts. */
	n = ci->namelen >= sizeof ci->name ? 0 : sizeof ci->name - ci->namelen;
	if (n > len)
		n = len;
	if (n > 0)
		memcpy(ci->name + ci->namelen, at, n);
	ci->namelen += len;
}

/* Parser hook: part of a header's value. */
void
inspect_on_value(struct conn_inspect *ci, const char *at, size_t len)
{
	const struct plan_inspect	*pi = ci->pi;
	size_t				 i, n;

	if (ci->state == 1) {
		ci->state = 2;
		ci->cur = -1;
		for (i = 0; i < pi->nhdrs && ci->namelen <= sizeof ci->name;
		    i++)
			if (strlen(pi->hdrs[i]) == ci->namelen &&
			    strncasecmp(pi->hdrs[i], ci->name,
			    ci->namelen) == 0)
				break;
		if (i < pi->nhdrs && ci->nhv < INSPECT_HDRS_MAX) {
			ci->cur = (int)ci->nhv++;
			ci->hv[ci->cur].which = (int)i;
			ci->hv[ci->cur].off = (uint32_t)ci->hlen;
			ci->hv[ci->cur].len = 0;
		}
	}
	if (ci->cur < 0)
		return;
	n = len;
	if (ci->hlen + n > INSPECT_HDR_BYTES)
		n = INSPECT_HDR_BYTES - ci->hlen;
	memcpy(ci->hbuf + ci->hlen, at, n);
	ci->hlen += n;
	ci->hv[ci->cur].len += (uint32_t)n;
}

/* Parser hook: the headers are complete. */
void
inspect_on_headers(struct conn_inspect *ci)
{
	ci->state = 0;
	ci->cur = -1;
}

/* Parser hook: part of the body (after any chunked framing). */
void
inspect_on_body(struct conn_inspect *ci, const char *at, size_t len)
{
	size_t	n = len;

	ci->bodyseen += len;
	if (!ci->pi->body)
		return;
	if (ci->bodylen + n > ci->bodycap)
		n = ci->bodycap - ci->bodylen;
	memcpy(ci->body + ci->bodylen, at, n);
	ci->bodylen += n;
}

/* Copy s (n bytes) into out for an example: printable, cut at max. */
static void
inspect_show(char *out, size_t outlen, const char *s, size_t n)
{
	size_t	i, o = 0;

	for (i = 0; i < n && i < INSPECT_SHOW && o + 2 < outlen; i++)
		out[o++] = (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] == 0x7f ? '.' : s[i];
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* The k-th kept value of header index which: 0, or -1 if absent. */
static int
inspect_header(const struct conn_inspect *ci, int which, size_t k,
    const char **v, size_t *n)
{
	size_t	i;

	for (i = 0; i < ci->nhv; i++) {
		if (ci->hv[i].which != which)
			continue;
		if (k-- == 0) {
			*v = ci->hbuf + ci->hv[i].off;
			*n = ci->hv[i].len;
			return (0);
		}
	}
	return (-1);
}

static const char *
inspect_memmem(const char *h, size_t hn, const char *n, size_t nn)
{
	if (nn == 0)
		return (h);
	return (memmem(h, hn, n, nn));
}

/* Why a body that should be JSON is not, for an example. */
static const char *
inspect_notjson(const struct conn_inspect *ci)
{
	return (ci->bodyseen > ci->bodylen ? "the first inspect_bytes of "
	    "the body are not JSON up to the value" : "the body is not JSON");
}

/*
 * Evaluate pi's captures, then its checks, on the response kept in ci.
 * Each capture found is stored in its slot of caps (capmax bytes each),
 * its length in caplens and its bit in *capset; one that fails leaves the
 * slot as it was. headmask: the slots rendered into a request's head (no
 * CR, LF or NUL there); scratch: capmax bytes to decode into. ERR_NONE, or ERR_CHECK
 * with ex (exlen bytes) saying which capture or check and what was found.
 */
enum err_kind
inspect_eval(const struct plan_inspect *pi, const struct conn_inspect *ci,
    char *caps, uint32_t *caplens, uint64_t *capset, size_t capmax,
    uint64_t headmask, char *scratch, char *ex, size_t exlen)
{
	const struct plan_capture	*pc;
	const struct plan_check		*ck;
	const char			*v = NULL, *l, *r;
	char				 show[INSPECT_SHOW + 8];
	size_t				 i, n = 0, k;
	ssize_t				 sl;
	double				 num;
	int				 rc, found;

	for (i = 0; i < pi->ncaps; i++) {
		pc = &pi->caps[i];
		switch (pc->kind) {
		case CAPTURE_JSON:
			rc = jscan_pointer(ci->body, ci->bodylen, pc->a, &v,
			    &n);
			if (rc < 0) {
				snprintf(ex, exlen, "capture %s: %s", pc->name,
				    inspect_notjson(ci));
				return (ERR_CHECK);
			}
			if (rc > 0) {
				snprintf(ex, exlen, "capture %s: json %.64s "
				    "not found", pc->name, pc->a);
				return (ERR_CHECK);
			}
			if (*v == '"') {
				/* Measured first: a failure keeps the old value. */
				if ((sl = jscan_string(v, n, NULL, 0)) < 0) {
					snprintf(ex, exlen, "capture %s: %s",
					    pc->name, inspect_notjson(ci));
					return (ERR_CHECK);
				}
				if ((size_t)sl > capmax) {
					n = (size_t)sl;
					break;
				}
				if (pc->slot >= 0)
					(void)jscan_string(v, n, scratch,
					    capmax);
				n = (size_t)sl;
				v = scratch;
			}
			break;
		case CAPTURE_HEADER:
			if (inspect_header(ci, pc->hdr, 0, &v, &n) != 0) {
				snprintf(ex, exlen, "capture %s: header %.64s "
				    "not in the response", pc->name, pc->a);
				return (ERR_CHECK);
			}
			break;
		case CAPTURE_BETWEEN:
			l = inspect_memmem(ci->body, ci->bodylen, pc->a,
			    pc->alen);
			r = l == NULL ? NULL : inspect_memmem(l + pc->alen,
			    ci->bodylen - (size_t)(l - ci->body) - pc->alen,
			    pc->b, pc->blen);
			if (r == NULL) {
				snprintf(ex, exlen, "capture %s: no text "
				    "between \"%.32s\" and \"%.32s\"", pc->name,
				    pc->a, pc->b);
				return (ERR_CHECK);
			}
			v = l + pc->alen;
			n = (size_t)(r - v);
			break;
		}
		if (n > capmax) {
			snprintf(ex, exlen, "capture %s: a value of %zu bytes, "
			    "over capture_max (%zu)", pc->name, n, capmax);
			return (ERR_CHECK);
		}
		if (pc->slot < 0)
			continue;
		/* A value sent in a header must not break its line. */
		if ((headmask & (UINT64_C(1) << pc->slot)) &&
		    (memchr(v, '\r', n) != NULL || memchr(v, '\n', n) != NULL ||
		    memchr(v, '\0', n) != NULL)) {
			snprintf(ex, exlen, "capture %s: the value holds a line "
			    "break or NUL and is sent in a request's head",
			    pc->name);
			return (ERR_CHECK);
		}
		memcpy(caps + (size_t)pc->slot * capmax, v, n);
		caplens[pc->slot] = (uint32_t)n;
		*capset |= UINT64_C(1) << pc->slot;
	}
	for (i = 0; i < pi->nchecks; i++) {
		ck = &pi->checks[i];
		switch (ck->kind) {
		case CHECK_BODY_CONTAINS:
			if (inspect_memmem(ci->body, ci->bodylen, ck->a,
			    ck->alen) != NULL)
				continue;
			inspect_show(show, sizeof show, ci->body, ci->bodylen);
			snprintf(ex, exlen, "check %s: not in the body%s "
			    "\"%s\"", ck->desc, ci->bodyseen > ci->bodylen ?
			    " (first inspect_bytes)" : "", show);
			return (ERR_CHECK);
		case CHECK_JSON_EXISTS:
		case CHECK_JSON_EQUALS:
			rc = jscan_pointer(ci->body, ci->bodylen, ck->a, &v,
			    &n);
			if (rc < 0) {
				snprintf(ex, exlen, "check %s: %s", ck->desc,
				    inspect_notjson(ci));
				return (ERR_CHECK);
			}
			if (ck->kind == CHECK_JSON_EXISTS) {
				if ((rc == 0) == ck->exists)
					continue;
				snprintf(ex, exlen, "check %s: %s", ck->desc,
				    rc == 0 ? "found" : "not found");
				return (ERR_CHECK);
			}
			if (rc > 0) {
				snprintf(ex, exlen, "check %s: not found",
				    ck->desc);
				return (ERR_CHECK);
			}
			if (ck->type == 's' && jscan_string_eq(v, n, ck->b,
			    ck->blen))
				continue;
			if (ck->type == 'n' && jscan_number(v, n, &num) == 0 &&
			    num == ck->num)
				continue;
			if (ck->type == 'l' && n == ck->blen &&
			    memcmp(v, ck->b, n) == 0)
				continue;
			inspect_show(show, sizeof show, v, n);
			snprintf(ex, exlen, "check %s: found %s", ck->desc,
			    show);
			return (ERR_CHECK);
		case CHECK_HEADER_EQUALS:
		case CHECK_HEADER_CONTAINS:
			for (k = 0, found = 0; !found && inspect_header(ci,
			    ck->hdr, k, &v, &n) == 0; k++)
				found = ck->kind == CHECK_HEADER_EQUALS ?
				    n == ck->blen && memcmp(v, ck->b, n) == 0 :
				    inspect_memmem(v, n, ck->b, ck->blen) !=
				    NULL;
			if (found)
				continue;
			if (k == 0) {
				snprintf(ex, exlen, "check %s: header not in "
				    "the response", ck->desc);
				return (ERR_CHECK);
			}
			(void)inspect_header(ci, ck->hdr, 0, &v, &n);
			inspect_show(show, sizeof show, v, n);
			snprintf(ex, exlen, "check %s: found \"%s\"", ck->desc,
			    show);
			return (ERR_CHECK);
		}
	}
	return (ERR_NONE);
}

/*
 * Keep the cookies of a response kept in ci (its Set-Cookie lines) in
 * jar, for the request to host with path (p, n), at now.
 */
void
inspect_cookies(const struct conn_inspect *ci, struct jar *jar,
    const char *host, const char *p, size_t n, int64_t now)
{
	struct cookie	 c;
	const char	*v;
	size_t		 k, vn;

	if (ci->pi->cookie_hdr < 0)
		return;
	for (k = 0; inspect_header(ci, ci->pi->cookie_hdr, k, &v, &vn) == 0;
	    k++)
		if (cookie_parse(v, vn, &c, now) == 0)
			(void)jar_set(jar, &c, host, p, n, now);
}
