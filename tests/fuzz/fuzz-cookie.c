/* SPDX-License-Identifier: MIT */
/*
 * fuzz-cookie.c -- the Set-Cookie parser and the cookie jar (cookie.c) on
 * any input: each line is a Set-Cookie value, kept for a request to a
 * host and path taken from the input too. The jar never holds more than
 * its size, its cookies' text stays in place, and the Cookie line it
 * writes fits JAR_LINE_MAX and is one line.
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
	fprintf(stderr, "fuzz-cookie: %s\n", what);
	abort();
}

static void
fuzz_jar_ok(const struct jar *j)
{
	size_t	i, off = 0, len;

	if (j->n > JAR_COOKIES || j->used > JAR_BYTES)
		fuzz_fail("the jar holds more than its size");
	for (i = 0; i < j->n; i++) {
		len = (size_t)j->c[i].nlen + j->c[i].vlen + j->c[i].dlen +
		    j->c[i].plen;
		if (j->c[i].off != off || j->c[i].nlen == 0)
			fuzz_fail("a cookie's text is out of place");
		off += len;
	}
	if (off != j->used)
		fuzz_fail("the jar's text does not add up");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*hosts[] = { "api.test", "www.api.test",
				    "127.0.0.1", "::1", "test" };
	static const char	*paths[] = { "/", "/app/login", "/app",
				    "/a/b/c?x=1", "" };
	struct jar		*j;
	struct cookie		 c;
	const char		*p = (const char *)data, *e = p + size, *nl;
	const char		*host, *path;
	char			*line;
	size_t			 n, k = 0, len;
	int64_t			 now = 1700000000;

	j = calloc(1, sizeof *j);
	line = malloc(JAR_LINE_MAX + 1);
	for (; p < e; p = nl + 1, k++) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		n = (size_t)(nl - p);
		host = hosts[k % 5];
		path = paths[(k / 5) % 5];
		if (cookie_parse(p, n, &c, now) == 0) {
			if (c.name < p || c.name + c.nlen > p + n ||
			    (c.domain != NULL && c.domain + c.dlen > p + n) ||
			    (c.path != NULL && c.path + c.plen > p + n))
				fuzz_fail("a part outside the input");
			(void)jar_set(j, &c, host, path, strlen(path), now);
		}
		(void)cookie_date(p, n);
		fuzz_jar_ok(j);
		now += 7;
		len = jar_render(j, host, path, strlen(path), (int)(k & 1),
		    now, line);
		if (len > JAR_LINE_MAX)
			fuzz_fail("a Cookie line over JAR_LINE_MAX");
		if (len > 0 && (len < 12 || memcmp(line, "Cookie: ", 8) != 0 ||
		    memcmp(line + len - 2, "\r\n", 2) != 0 ||
		    memchr(line, '\n', len - 1) != NULL))
			fuzz_fail("a Cookie line that is not one header line");
		if (nl == e)
			break;
	}
	free(line);
	free(j);
	return (0);
}
