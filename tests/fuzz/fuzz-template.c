/* SPDX-License-Identifier: MIT */
/*
 * fuzz-template.c -- tpl_parse() on any string. It either fails with a
 * cause, or gives segments that tpl_unparse() writes back into a string
 * that parses to the very same segments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(LOG_CRIT, 0);
	return (0);
}

static void
fuzz_fail(const char *what, const char *s)
{
	fprintf(stderr, "fuzz-template: %s: \"%s\"\n", what, s);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpl	*t, *u;
	char		*s, *w, *cause = NULL;
	size_t		 i;

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	if ((t = tpl_parse(s, &cause)) == NULL) {
		if (cause == NULL)
			fuzz_fail("a failure without a cause", s);
		free(cause);
		free(s);
		return (0);
	}
	w = tpl_unparse(t);
	if ((u = tpl_parse(w, &cause)) == NULL)
		fuzz_fail("what was written back does not parse", w);
	if (u->nsegs != t->nsegs || u->nslots != t->nslots)
		fuzz_fail("written back, the segments differ", s);
	for (i = 0; i < t->nsegs; i++)
		if (u->segs[i].kind != t->segs[i].kind ||
		    u->segs[i].len != t->segs[i].len ||
		    memcmp(tpl_seg_text(u, i), tpl_seg_text(t, i),
		    t->segs[i].len) != 0)
			fuzz_fail("written back, a segment differs", s);
	tpl_free(u);
	tpl_free(t);
	free(w);
	free(s);
	return (0);
}
