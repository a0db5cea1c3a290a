/* SPDX-License-Identifier: MIT */
/*
 * fuzz-data.c -- the dataset parsers on any bytes, as CSV and as JSON
 * lines. Each either fails with a cause that names a line, or gives a
 * dataset whose stored form (CSV) parses back to the same dataset.
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
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz-data: %s\n", what);
	abort();
}

/* The stored CSV of d reads back to d. */
static void
fuzz_round_trip(const struct dataset *d)
{
	struct dataset	*e;
	char		*csv, *cause = NULL;
	size_t		 len, i;

	if (d->ncells != d->nrows * d->ncols)
		fuzz_fail("cells are not rows x columns");
	csv = data_to_csv(d, &len);
	if ((e = data_parse_csv(csv, len, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		fuzz_fail("the stored CSV does not parse");
	}
	if (e->ncols != d->ncols || e->nrows != d->nrows)
		fuzz_fail("the stored CSV has another shape");
	for (i = 0; i < d->ncols; i++)
		if (strcmp(e->columns[i], d->columns[i]) != 0)
			fuzz_fail("a column changed");
	for (i = 0; i < d->ncells; i++)
		if (strcmp(e->cells[i], d->cells[i]) != 0)
			fuzz_fail("a cell changed");
	data_free(e);
	free(csv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dataset	*d;
	char		*cause, *s;
	int		 ndjson;

	/* Exactly size bytes: ASan sees any overread. */
	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	for (ndjson = 0; ndjson < 2; ndjson++) {
		cause = NULL;
		d = ndjson ? data_parse_ndjson(s, size, &cause) :
		    data_parse_csv(s, size, &cause);
		if (d == NULL) {
			if (cause == NULL || strncmp(cause, "line ", 5) != 0)
				fuzz_fail("a failure without a line");
			free(cause);
			continue;
		}
		if (cause != NULL)
			fuzz_fail("success with a cause");
		fuzz_round_trip(d);
		data_free(d);
	}
	free(s);
	return (0);
}
