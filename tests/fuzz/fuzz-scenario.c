/* SPDX-License-Identifier: MIT */
/*
 * fuzz-scenario.c -- scenario_validate() on any JSON document, with the
 * default limits. A normalised scenario must validate again, to itself:
 * the validator is idempotent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "loadd.h"

static const struct limits	fuzz_limits = {
	10000, 100000, 24LL * 3600 * 1000000
};

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(LOG_CRIT, 0);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verror	 err;
	json_error_t	 jerr;
	json_t		*doc, *orig, *out, *copy, *again;
	char		*s;

	/* As the API loads request bodies. */
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (doc == NULL)
		return (0);
	if ((orig = json_deep_copy(doc)) == NULL)
		abort();
	out = scenario_validate(doc, &fuzz_limits, &err);
	if (!json_equal(doc, orig)) {
		fprintf(stderr, "the validator changed its input\n");
		abort();
	}
	json_decref(orig);
	if (out == NULL) {
		if (err.code == NULL || err.message[0] == '\0') {
			fprintf(stderr, "rejected without a code or message\n");
			abort();
		}
		json_decref(doc);
		return (0);
	}
	/* The validator may not touch what it validates: give it a copy. */
	if ((copy = json_deep_copy(out)) == NULL)
		abort();
	again = scenario_validate(copy, &fuzz_limits, &err);
	if (again == NULL) {
		s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "normalised scenario rejected: %s at \"%s\": "
		    "%s\n%s\n", err.code, err.path, err.message, s);
		abort();
	}
	if (!json_equal(out, again)) {
		s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "not idempotent:\n%s\n", s);
		free(s);
		s = json_dumps(again, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "%s\n", s);
		abort();
	}
	json_decref(again);
	json_decref(copy);
	json_decref(out);
	json_decref(doc);
	return (0);
}
