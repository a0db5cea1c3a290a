/* SPDX-License-Identifier: MIT */
/*
 * tap.h -- a minimal TAP producer for the C unit tests: plan at the end,
 * "ok N - name" / "not ok N - name" lines, diagnostics on "# " lines.
 * Header-only; each test program includes it once.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int	tap_n, tap_failed;

static int
tap_ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return (cond);
}

#define ok(cond, ...)	tap_ok(!!(cond), __VA_ARGS__)

#define is_int(got, want, ...) do {					\
	long long _g = (long long)(got), _w = (long long)(want);	\
	if (!tap_ok(_g == _w, __VA_ARGS__))				\
		printf("#   got %lld, want %lld\n", _g, _w);		\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *_g = (got), *_w = (want);				\
	int _eq = (_g != NULL && _w != NULL && strcmp(_g, _w) == 0) ||	\
	    (_g == NULL && _w == NULL);					\
	if (!tap_ok(_eq, __VA_ARGS__))					\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    _g ? _g : "(null)", _w ? _w : "(null)");		\
} while (0)

#define diag(...) do {							\
	printf("# ");							\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

/* Print the plan and return the exit status for main(). */
static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return (tap_failed == 0 ? 0 : 1);
}

#endif
