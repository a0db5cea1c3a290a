/* SPDX-License-Identifier: MIT */
/*
 * template.c -- the template syntax of dynamic requests (SPEC section 14):
 * a string is compiled once into segments, literal runs and named slots
 * ({{NAME}} or {{NAME.COLUMN}}, spaces inside the braces allowed). A
 * literal "{{" is written "{{{{"; a "{" right before a slot ("{{{x}}") and
 * a "}}" outside a slot are literal. The
 * compiled form is what the validator checks names against and what a
 * request is rendered from. Pure: any thread.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

/* Is c allowed in a slot's name? Names and a column: [A-Za-z0-9._-]. */
static int
tpl_name_char(int c)
{
	return (isalnum(c) || c == '.' || c == '_' || c == '-');
}

/* Add a segment; literals next to each other are merged. */
static void
tpl_add(struct tpl *t, enum tpl_kind kind, const char *s, size_t len)
{
	struct tpl_seg	*g;

	if (kind == TPL_LITERAL && len == 0)
		return;
	if (kind == TPL_LITERAL && t->nsegs > 0 &&
	    t->segs[t->nsegs - 1].kind == TPL_LITERAL) {
		g = &t->segs[t->nsegs - 1];
		memcpy(t->text + g->off + g->len, s, len);
		g->len += len;
		t->textlen += len;
		t->text[t->textlen] = '\0';
		return;
	}
	t->segs = xreallocarray(t->segs, t->nsegs + 1, sizeof *t->segs);
	g = &t->segs[t->nsegs++];
	g->kind = kind;
	g->off = t->textlen;
	g->len = len;
	memcpy(t->text + g->off, s, len);
	t->textlen += len;
	t->text[t->textlen] = '\0';
	if (kind == TPL_NAME) {
		/* A name keeps its NUL: it can be used as a string. */
		t->nslots++;
		t->textlen++;
	}
}

/*
 * Compile s. Returns the template, or NULL with *cause saying what is wrong
 * and where (a byte offset into s).
 */
struct tpl *
tpl_parse(const char *s, char **cause)
{
	struct tpl	*t;
	const char	*p = s, *lit = s, *name, *end;
	size_t		 len = strlen(s), n;

	t = xcalloc(1, sizeof *t);
	/* Segments never need more text than s, plus a NUL per name. */
	t->text = xmalloc(2 * len + 2);
	t->text[0] = '\0';
	while ((p = strstr(p, "{{")) != NULL) {
		if (strncmp(p, "{{{{", 4) == 0) {
			tpl_add(t, TPL_LITERAL, lit, (size_t)(p - lit) + 2);
			p += 4;
			lit = p;
			continue;
		}
		if (p[2] == '{') {	/* "{{{x}}": a literal "{", then a slot */
			p++;
			continue;
		}
		tpl_add(t, TPL_LITERAL, lit, (size_t)(p - lit));
		name = p + 2;
		while (*name == ' ')
			name++;
		for (end = name; tpl_name_char((unsigned char)*end); end++)
			;
		n = (size_t)(end - name);
		while (*end == ' ')
			end++;
		if (strncmp(end, "}}", 2) != 0) {
			if (strstr(p + 2, "}}") == NULL)
				xasprintf(cause, "\"{{\" at offset %zu is not "
				    "closed by \"}}\" (write \"{{{{\" for a "
				    "literal \"{{\")", (size_t)(p - s));
			else
				xasprintf(cause, "a template name is made of "
				    "A-Z a-z 0-9 . _ - (at offset %zu)",
				    (size_t)(end - s));
			goto fail;
		}
		if (n == 0) {
			xasprintf(cause, "an empty template \"{{}}\" at offset "
			    "%zu", (size_t)(p - s));
			goto fail;
		}
		if (n > 2 * LOADD_NAME_MAX + 1 || name[0] == '.' ||
		    name[n - 1] == '.' || memchr(name, '.', n) !=
		    memrchr(name, '.', n)) {
			xasprintf(cause, "\"%.*s\" is not a name or NAME.COLUMN "
			    "(at offset %zu)", (int)(n > 80 ? 80 : n), name,
			    (size_t)(name - s));
			goto fail;
		}
		tpl_add(t, TPL_NAME, name, n);
		p = end + 2;
		lit = p;
	}
	tpl_add(t, TPL_LITERAL, lit, strlen(lit));
	return (t);

fail:
	tpl_free(t);
	return (NULL);
}

/* Does s hold a template slot (or a "{{{{" to unescape)? */
int
tpl_has(const char *s)
{
	return (strstr(s, "{{") != NULL);
}

/* A segment's text: a literal's bytes, or a slot's NUL-terminated name. */
const char *
tpl_seg_text(const struct tpl *t, size_t i)
{
	return (t->text + t->segs[i].off);
}

/* The template written back out: what tpl_parse() reads as t; caller frees. */
char *
tpl_unparse(const struct tpl *t)
{
	const struct tpl_seg	*g;
	const char		*p, *q;
	char			*out, *o;
	size_t			 i, size = 1;

	for (i = 0; i < t->nsegs; i++)
		size += 2 * t->segs[i].len + 4;
	o = out = xmalloc(size);
	for (i = 0; i < t->nsegs; i++) {
		g = &t->segs[i];
		p = t->text + g->off;
		if (g->kind == TPL_NAME) {
			*o++ = '{';
			*o++ = '{';
			memcpy(o, p, g->len);
			o += g->len;
			*o++ = '}';
			*o++ = '}';
			continue;
		}
		/* Literal: each "{{" doubled. */
		for (q = p; q < p + g->len; q++) {
			*o++ = *q;
			if (*q == '{' && q + 1 < p + g->len && q[1] == '{') {
				*o++ = '{';
				*o++ = '{';
				*o++ = '{';
				q++;
			}
		}
	}
	*o = '\0';
	return (out);
}

/* Free a template; NULL is fine. */
void
tpl_free(struct tpl *t)
{
	if (t == NULL)
		return;
	free(t->segs);
	free(t->text);
	free(t);
}
