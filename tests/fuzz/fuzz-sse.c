/* SPDX-License-Identifier: MIT */
/*
 * fuzz-sse.c -- loadctl's server-sent events parser (client/sse.c) on any
 * bytes, fed in chunks of a size the input picks (the first byte), as a
 * socket would hand them over. Every event it passes on has a name and
 * data that are strings inside what came in; what it keeps between chunks
 * never holds a complete event and never passes SSE_MAX.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/sse.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t	fuzz_in;	/* bytes fed so far */

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz-sse: %s\n", what);
	abort();
}

static int
fuzz_event(const char *event, const char *data, void *arg)
{
	(void)arg;
	if (strlen(event) > fuzz_in || strlen(data) > fuzz_in)
		fuzz_fail("an event longer than the input");
	if (strchr(event, '\n') != NULL)
		fuzz_fail("a name with a line break");
	return (data[0] == '!');	/* the caller may stop at any event */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sse	s = { NULL, 0 };
	size_t		step, off, n;
	int		rc = 0;

	if (size < 1)
		return (0);
	step = data[0] != 0 ? data[0] : 1;
	fuzz_in = 0;
	for (off = 1; off < size && rc == 0; off += n) {
		n = size - off < step ? size - off : step;
		fuzz_in += n;
		rc = sse_feed(&s, (const char *)data + off, n, fuzz_event,
		    NULL);
		if (rc < 0)
			break;
		if (s.len > SSE_MAX || (s.buf != NULL && rc == 0 &&
		    strstr(s.buf, "\n\n") != NULL))
			fuzz_fail("a complete event left in the buffer");
	}
	sse_free(&s);
	return (0);
}
