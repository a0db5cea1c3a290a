/* SPDX-License-Identifier: MIT */
/*
 * fuzz-parsers.c -- the small text parsers: parse_duration, threshold_parse
 * and compare_parse_tolerance on any NUL-terminated string. Each either
 * succeeds with a value in its documented range and no cause, or fails
 * with a cause (freed here, so a leak shows).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"

#define FUZZ_DURATION_MAX	(2400LL * 3600 * 1000000)	/* 100 days */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(LOG_CRIT, 0);
	return (0);
}

/* A parser broke its contract: say which, and on what. */
static void __attribute__((noreturn))
fuzz_fail(const char *what, const char *s)
{
	fprintf(stderr, "%s: \"%s\"\n", what, s);
	abort();
}

static void
fuzz_duration(const char *s)
{
	int64_t	 us = -1;
	char	*cause = NULL;

	if (parse_duration(s, &us, &cause) == 0) {
		if (cause != NULL)
			fuzz_fail("parse_duration: success with a cause", s);
		if (us < 0 || us > FUZZ_DURATION_MAX)
			fuzz_fail("parse_duration: out of range", s);
		return;
	}
	if (cause == NULL)
		fuzz_fail("parse_duration: failure without a cause", s);
	free(cause);
}

static void
fuzz_threshold(const char *s)
{
	struct threshold	 t;
	char			*cause = NULL;

	if (threshold_parse(s, &t, &cause) == 0) {
		if (cause != NULL)
			fuzz_fail("threshold_parse: success with a cause", s);
		if (memchr(t.request, '\0', sizeof t.request) == NULL ||
		    (t.request[0] != '\0' && !parse_name(t.request)))
			fuzz_fail("threshold_parse: bad request name", s);
		if ((unsigned)t.metric >= METRIC_N ||
		    (unsigned)t.op > CMP_GE)
			fuzz_fail("threshold_parse: bad metric or op", s);
		if (!isfinite(t.value) || t.value < 0)
			fuzz_fail("threshold_parse: bad value", s);
		(void)metric_name(t.metric);
		(void)cmp_op_name(t.op);
		return;
	}
	if (cause == NULL)
		fuzz_fail("threshold_parse: failure without a cause", s);
	free(cause);
}

static void
fuzz_tolerance(const char *s)
{
	struct tolerance tol;
	char		*cause = NULL;
	size_t		 i;

	if (compare_parse_tolerance(s, &tol, &cause) == 0) {
		if (cause != NULL)
			fuzz_fail("compare_parse_tolerance: success with a "
			    "cause", s);
		if (tol.n == 0 || tol.n > COMPARE_TOL_MAX)
			fuzz_fail("compare_parse_tolerance: bad count", s);
		for (i = 0; i < tol.n; i++) {
			if (!(tol.items[i].pct >= 0 &&
			    tol.items[i].pct <= 1000) ||
			    (unsigned)tol.items[i].metric >= METRIC_N ||
			    !(metric_defs[tol.items[i].metric].flags &
			    METRIC_TOL))
				fuzz_fail("compare_parse_tolerance: bad item",
				    s);
			if (tol.items[i].request[0] != '\0' &&
			    !parse_name(tol.items[i].request))
				fuzz_fail("compare_parse_tolerance: bad "
				    "request", s);
		}
		return;
	}
	if (cause == NULL)
		fuzz_fail("compare_parse_tolerance: failure without a cause",
		    s);
	free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	/* Exactly size bytes plus the NUL: ASan sees any overread. */
	s = malloc(size + 1);
	if (s == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_duration(s);
	fuzz_threshold(s);
	fuzz_tolerance(s);
	free(s);
	return (0);
}
