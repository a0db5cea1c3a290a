/* SPDX-License-Identifier: MIT */
/*
 * xmalloc.c -- loadctl's allocation wrappers that never return NULL. Running
 * out of memory is not worth recovering from in a client: say so, exit 3.
 */
#include "loadctl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Give up: there is nothing sensible left to do. */
static void __attribute__((noreturn))
xmalloc_fail(void)
{
	fputs("loadctl: out of memory\n", stderr);
	exit(LOADCTL_EXIT_SERVER);
}

/* malloc that dies on failure. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		xmalloc_fail();
	return (p);
}

/* calloc that dies on failure. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		xmalloc_fail();
	return (p);
}

/* realloc of an array, checking the multiplication. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (n != 0 && size > SIZE_MAX / n)
		xmalloc_fail();
	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = realloc(old, n * size)) == NULL)
		xmalloc_fail();
	return (p);
}

/* strdup that dies on failure. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		xmalloc_fail();
	return (p);
}

/* asprintf that dies on failure. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return (n);
}

/* vasprintf that dies on failure. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	n;

	if ((n = vasprintf(ret, fmt, ap)) == -1)
		xmalloc_fail();
	return (n);
}
