/* SPDX-License-Identifier: MIT */
/*
 * fuzz-hist.c -- hist_decode() on any bytes. The encoding is canonical: a
 * blob the decoder accepts must encode back to exactly the same bytes. The
 * decoded histogram is also queried, as the report code would.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hist	*h, *m;
	unsigned char	*blob;
	char		*cause = NULL;
	double		 pcts[HIST_SPECTRUM_MAX];
	uint64_t	 values[HIST_SPECTRUM_MAX];
	size_t		 len;

	if ((h = hist_decode(data, size, &cause)) == NULL) {
		if (cause == NULL) {
			fprintf(stderr, "hist_decode: failure without a "
			    "cause\n");
			abort();
		}
		free(cause);
		return (0);
	}
	if (cause != NULL) {
		fprintf(stderr, "hist_decode: success with a cause\n");
		abort();
	}
	len = hist_encode(h, &blob);
	if (len != size || memcmp(blob, data, size) != 0) {
		fprintf(stderr, "hist_decode accepted a non-canonical blob "
		    "(%zu bytes; re-encoded: %zu bytes)\n", size, len);
		abort();
	}
	free(blob);

	/* What reports do with a stored histogram. */
	(void)hist_mean(h);
	(void)hist_stddev(h);
	(void)hist_percentile(h, 50);
	(void)hist_percentile(h, 99.9);
	(void)hist_spectrum(h, pcts, values, HIST_SPECTRUM_MAX);
	if (hist_count(h) != 0 && (hist_percentile(h, 0) < hist_min(h) ||
	    hist_percentile(h, 100) > hist_max(h))) {
		fprintf(stderr, "percentiles outside [min, max]\n");
		abort();
	}
	/* Merged into an empty histogram, it is itself again. */
	m = hist_create();
	hist_merge(m, h);
	len = hist_encode(m, &blob);
	if (len != size || memcmp(blob, data, size) != 0) {
		fprintf(stderr, "merge into an empty histogram changed it\n");
		abort();
	}
	free(blob);
	hist_free(m);
	hist_free(h);
	return (0);
}
