/* SPDX-License-Identifier: MIT */
/*
 * behav.c -- what loadd-target answers: the defaults, the flag and query
 * parameter parsers that override them, and the --stall schedule. Pure
 * functions, called from main at startup and from workers per request; no
 * allocation.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

/* A key of the query string or of -Q, and how to parse its value. */
enum behav_kind {
	BEHAV_DURATION,
	BEHAV_SIZE,
	BEHAV_BOOL,
	BEHAV_STATUS,
	BEHAV_PCT,
	BEHAV_RESETKIND
};

struct behav_key {
	const char	*name;
	enum behav_kind	 kind;
	size_t		 off;
};

#define BEHAV_OFF(f)	offsetof(struct behav, f)
static const struct behav_key behav_keys[] = {
	{ "delay", BEHAV_DURATION, BEHAV_OFF(delay_us) },
	{ "jitter", BEHAV_DURATION, BEHAV_OFF(jitter_us) },
	{ "drip_ms", BEHAV_DURATION, BEHAV_OFF(drip_us) },
	{ "bytes", BEHAV_SIZE, BEHAV_OFF(bytes) },
	{ "chunk", BEHAV_SIZE, BEHAV_OFF(chunk) },
	{ "hugeheader", BEHAV_SIZE, BEHAV_OFF(hugeheader) },
	{ "redirect", BEHAV_SIZE, BEHAV_OFF(redirect) },
	{ "fail", BEHAV_PCT, BEHAV_OFF(fail_pct) },
	{ "status", BEHAV_STATUS, BEHAV_OFF(status) },
	{ "chunked", BEHAV_BOOL, BEHAV_OFF(chunked) },
	{ "close", BEHAV_BOOL, BEHAV_OFF(close) },
	{ "drop", BEHAV_BOOL, BEHAV_OFF(drop) },
	{ "drip", BEHAV_BOOL, BEHAV_OFF(drip) },
	{ "garbage", BEHAV_BOOL, BEHAV_OFF(garbage) },
	{ "endless", BEHAV_BOOL, BEHAV_OFF(endless) },
	{ "nolength", BEHAV_BOOL, BEHAV_OFF(nolength) },
	{ "reset", BEHAV_RESETKIND, BEHAV_OFF(reset) },
};

/* Largest delay, jitter or drip step: one hour. */
#define BEHAV_DURATION_MAX	(3600ULL * 1000 * 1000)
#define BEHAV_CHUNK_MAX		(16 * 1024 * 1024)

/* Set what every request gets when neither flags nor query say otherwise. */
void
behav_defaults(struct behav *b)
{
	memset(b, 0, sizeof *b);
	b->status = 200;
	b->bytes = 2;
	b->chunk = 4096;
	b->drip_us = 1000 * 1000;
	b->reset = BEHAV_RESET_NONE;
}

/* Compare a length-counted key with a C string. */
static int
behav_eq(const char *s, size_t len, const char *word)
{
	return (strlen(word) == len && strncasecmp(s, word, len) == 0);
}

/*
 * Parse a duration: a decimal number and a unit (us, ms, s, m); a bare
 * number is milliseconds. Returns -1 when malformed or over an hour.
 */
int
behav_duration(const char *s, size_t len, uint64_t *us)
{
	char	 buf[64], *end;
	double	 v, mult;

	if (len == 0 || len >= sizeof buf)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!isdigit((unsigned char)buf[0]) && buf[0] != '.')
		return (-1);
	v = strtod(buf, &end);
	if (end == buf || !isfinite(v) || v < 0)
		return (-1);
	if (*end == '\0' || strcmp(end, "ms") == 0)
		mult = 1000;
	else if (strcmp(end, "us") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0)
		mult = 1000 * 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60.0 * 1000 * 1000;
	else
		return (-1);
	v *= mult;
	if (v > (double)BEHAV_DURATION_MAX)
		return (-1);
	*us = (uint64_t)(v + 0.5);
	return (0);
}

/* Parse a byte count with an optional k, m or g suffix (powers of 1024). */
int
behav_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t	v = 0, mult = 1;
	size_t		i;

	if (len == 0)
		return (-1);
	switch (s[len - 1]) {
	case 'k':
	case 'K':
		mult = 1024;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	}
	if (mult != 1)
		len--;
	if (len == 0 || len > 15)
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > TARGET_BYTES_MAX / mult)
		return (-1);
	*out = v * mult;
	return (0);
}

/* Parse a flag value: empty (a bare "?close") means on. */
static int
behav_bool(const char *s, size_t len, int *out)
{
	if (len == 0 || behav_eq(s, len, "1") || behav_eq(s, len, "true") ||
	    behav_eq(s, len, "yes") || behav_eq(s, len, "on"))
		*out = 1;
	else if (behav_eq(s, len, "0") || behav_eq(s, len, "false") ||
	    behav_eq(s, len, "no") || behav_eq(s, len, "off"))
		*out = 0;
	else
		return (-1);
	return (0);
}

/*
 * Apply one key=value to b. Unknown keys are ignored, so that callers may
 * add their own (cache busters, request ids); a bad value returns -1.
 */
int
behav_set(struct behav *b, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	const struct behav_key	*key = NULL;
	char			*field;
	uint64_t		 u;
	size_t			 i;
	char			 buf[32], *end;
	double			 d;

	for (i = 0; i < sizeof behav_keys / sizeof behav_keys[0]; i++) {
		if (behav_eq(k, klen, behav_keys[i].name)) {
			key = &behav_keys[i];
			break;
		}
	}
	if (key == NULL)
		return (0);
	field = (char *)b + key->off;

	switch (key->kind) {
	case BEHAV_DURATION:
		if (behav_duration(v, vlen, &u) != 0)
			return (-1);
		if (key->off == BEHAV_OFF(drip_us) && u == 0)
			return (-1);
		memcpy(field, &u, sizeof u);
		return (0);
	case BEHAV_SIZE:
		if (behav_size(v, vlen, &u) != 0)
			return (-1);
		if (key->off == BEHAV_OFF(chunk) &&
		    (u == 0 || u > BEHAV_CHUNK_MAX))
			return (-1);
		if (key->off == BEHAV_OFF(redirect) && (u == 0 || u > 65535))
			return (-1);
		memcpy(field, &u, sizeof u);
		return (0);
	case BEHAV_BOOL:
		return (behav_bool(v, vlen, (int *)field));
	case BEHAV_STATUS:
		if (vlen != 3 || behav_size(v, vlen, &u) != 0 ||
		    u < 200 || u > 599)
			return (-1);
		b->status = (int)u;
		return (0);
	case BEHAV_PCT:
		if (vlen == 0 || vlen >= sizeof buf)
			return (-1);
		memcpy(buf, v, vlen);
		buf[vlen] = '\0';
		if (vlen > 0 && buf[vlen - 1] == '%')
			buf[vlen - 1] = '\0';
		d = strtod(buf, &end);
		if (end == buf || *end != '\0' || !(d >= 0 && d <= 100))
			return (-1);
		b->fail_pct = d;
		return (0);
	case BEHAV_RESETKIND:
		if (behav_eq(v, vlen, "headers") || behav_eq(v, vlen, "1"))
			b->reset = BEHAV_RESET_HEADERS;
		else if (behav_eq(v, vlen, "body"))
			b->reset = BEHAV_RESET_BODY;
		else if (behav_eq(v, vlen, "now"))
			b->reset = BEHAV_RESET_NOW;
		else if (behav_eq(v, vlen, "0") || behav_eq(v, vlen, "none"))
			b->reset = BEHAV_RESET_NONE;
		else
			return (-1);
		return (0);
	}
	return (-1);
}

/*
 * Apply a query string ("a=1&b=2", no leading '?') to b. On a bad value,
 * returns -1 and points *bad at the offending pair.
 */
int
behav_query(struct behav *b, const char *q, size_t len, const char **bad,
    size_t *badlen)
{
	const char	*p = q, *end = q + len, *amp, *eq;
	size_t		 klen;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq != NULL ? eq : amp) - p);
		if (klen != 0) {
			if (eq == NULL)
				eq = amp - 1;	/* empty value */
			if (behav_set(b, p, klen, eq + 1,
			    (size_t)(amp - eq - 1)) != 0) {
				*bad = p;
				*badlen = (size_t)(amp - p);
				return (-1);
			}
		}
		p = amp + 1;
	}
	return (0);
}

/* Parse --stall MS/EVERY_MS (units allowed, bare numbers are ms). */
int
behav_stall(const char *s, uint64_t *stall, uint64_t *every)
{
	const char	*slash;

	slash = strchr(s, '/');
	if (slash == NULL)
		return (-1);
	if (behav_duration(s, (size_t)(slash - s), stall) != 0 ||
	    behav_duration(slash + 1, strlen(slash + 1), every) != 0)
		return (-1);
	if (*every == 0 || *stall >= *every)
		return (-1);
	return (0);
}

/*
 * When a response due at ready_us (CLOCK_MONOTONIC) may go out. The stall
 * windows are the last stall_us of each period, counted from process start:
 * [k * every - stall, k * every) for k >= 1, so a fresh process answers at
 * once and the schedule does not depend on the traffic.
 */
uint64_t
behav_ready(struct target *t, uint64_t ready_us)
{
	uint64_t	rel, phase;

	if (t->stall_us == 0 || ready_us < t->start_us)
		return (ready_us);
	rel = ready_us - t->start_us;
	phase = rel % t->stall_every_us;
	if (phase < t->stall_every_us - t->stall_us)
		return (ready_us);
	return (t->start_us + rel - phase + t->stall_every_us);
}
