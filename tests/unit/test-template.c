/* SPDX-License-Identifier: MIT */
/*
 * test-template.c -- the template syntax (template.c): slots, escapes, the
 * errors and where they point, and that a template written back out reads
 * back the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"
#include "tap.h"

/* The segments as "L<text>" and "N<name>", joined by '|'. */
static char *
show(const struct tpl *t)
{
	char	*out = xstrdup(""), *n;
	size_t	 i;

	for (i = 0; i < t->nsegs; i++) {
		xasprintf(&n, "%s%s%c%.*s", out, i > 0 ? "|" : "",
		    t->segs[i].kind == TPL_NAME ? 'N' : 'L',
		    (int)t->segs[i].len, tpl_seg_text(t, i));
		free(out);
		out = n;
	}
	return (out);
}

static const struct {
	const char	*in;
	const char	*segs;
	int		 nslots;
} good[] = {
	{ "/items", "L/items", 0 },
	{ "", "", 0 },
	{ "/items/{{id}}", "L/items/|Nid", 1 },
	{ "{{id}}", "Nid", 1 },
	{ "/u/{{ user.name }}?x={{x}}&y=1", "L/u/|Nuser.name|L?x=|Nx|L&y=1",
	    2 },
	{ "{{a}}{{b}}", "Na|Nb", 2 },
	{ "a {{{{b}} c", "La {{b}} c", 0 },
	{ "{{{{{{x}}", "L{{|Nx", 1 },
	{ "{{{x}}", "L{|Nx", 1 },
	{ "}} and } and {", "L}} and } and {", 0 },
	{ "{\"id\": {{seq}}}", "L{\"id\": |Nseq|L}", 1 },
	{ "{{run_id}}-{{now_ms}}", "Nrun_id|L-|Nnow_ms", 2 },
};

static const struct {
	const char	*in;
	const char	*cause;
} bad[] = {
	{ "/items/{{id", "\"{{\" at offset 7 is not closed" },
	{ "{{}}", "an empty template \"{{}}\" at offset 0" },
	{ "{{ }}", "an empty template" },
	{ "{{a b}}", "a template name is made of" },
	{ "{{a/b}}", "a template name is made of" },
	{ "{{.a}}", "\".a\" is not a name or NAME.COLUMN" },
	{ "{{a.}}", "is not a name or NAME.COLUMN" },
	{ "{{a.b.c}}", "\"a.b.c\" is not a name or NAME.COLUMN" },
};

int
main(void)
{
	struct tpl	*t, *u;
	char		*cause, *s, *w, *x;
	size_t		 i;

	log_init(LOG_CRIT, 0);
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		cause = NULL;
		if ((t = tpl_parse(good[i].in, &cause)) == NULL) {
			ok(0, "\"%s\" parses", good[i].in);
			diag("%s", cause);
			free(cause);
			continue;
		}
		s = show(t);
		is_str(s, good[i].segs, "\"%s\"", good[i].in);
		is_int(t->nslots, good[i].nslots, "\"%s\": %d slots",
		    good[i].in, good[i].nslots);
		w = tpl_unparse(t);
		u = tpl_parse(w, &cause);
		x = u != NULL ? show(u) : xstrdup("(error)");
		is_str(x, s, "\"%s\" written back as \"%s\" reads the same",
		    good[i].in, w);
		free(x);
		free(w);
		free(s);
		tpl_free(u);
		tpl_free(t);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		t = tpl_parse(bad[i].in, &cause);
		if (!ok(t == NULL && cause != NULL && strstr(cause,
		    bad[i].cause) != NULL, "\"%s\" is refused", bad[i].in))
			diag("cause: %s", cause != NULL ? cause : "(none)");
		tpl_free(t);
		free(cause);
	}
	ok(tpl_has("/a/{{b}}") && !tpl_has("/a/{b}"), "tpl_has");
	return (tap_done());
}
