/* SPDX-License-Identifier: MIT */
/*
 * runopts.c -- the run options of shards (SPEC 16) beside "scenario" in
 * POST /v1/runs: "shard": "I/N", "start_at" (RFC 3339 UTC), "execution"
 * and "collector" (an http:// URL). Parsed and checked here, on the API
 * thread; the collector's address is checked against allow_collectors
 * where the targets are checked, off it. Pure functions.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "loadd.h"

#define RUNOPTS_PAST_MS		1000		/* start_at in the past */
#define RUNOPTS_FUTURE_MS	(7LL * 86400 * 1000) /* and ahead */

/* "I/N": 0 <= I < N <= RUNOPTS_SHARDS_MAX. */
static int
runopts_shard(const char *s, int *i, int *n)
{
	char	*end;
	long	 a, b;

	if (!isdigit((unsigned char)*s))
		return (-1);
	a = strtol(s, &end, 10);
	if (*end != '/' || !isdigit((unsigned char)end[1]))
		return (-1);
	b = strtol(end + 1, &end, 10);
	if (*end != '\0' || b < 1 || b > RUNOPTS_SHARDS_MAX || a < 0 || a >= b)
		return (-1);
	*i = (int)a;
	*n = (int)b;
	return (0);
}

/* Digits of a fixed width; -1 if not. */
static int
runopts_digits(const char *s, int n)
{
	int	v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)*s))
			return (-1);
		v = v * 10 + (*s++ - '0');
	}
	return (v);
}

/*
 * RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00), into ms since
 * the epoch. 0, or -1.
 */
int
runopts_time(const char *s, int64_t *ms)
{
	struct tm	 tm;
	const char	*p;
	int64_t		 frac = 0, scale = 100;
	time_t		 t;
	int		 v[6], i;
	static const int off[6] = { 0, 5, 8, 11, 14, 17 };
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return (-1);
	for (i = 0; i < 6; i++)
		if ((v[i] = runopts_digits(s + off[i], width[i])) < 0)
			return (-1);
	p = s + 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return (-1);
		for (; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(p, "Z") != 0 && strcmp(p, "z") != 0 &&
	    strcmp(p, "+00:00") != 0)
		return (-1);
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
	    v[3] > 23 || v[4] > 59 || v[5] > 59)
		return (-1);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != v[2])
		return (-1);	/* also February 30th */
	*ms = (int64_t)t * 1000 + frac;
	return (0);
}

/* ms since the epoch as RFC 3339 UTC, with milliseconds. */
void
runopts_format(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* http://host[:port][/]: the collector is a loadd's API (plain HTTP). */
int
runopts_url(const char *s, struct run_opts *o)
{
	const char	*h, *e;
	char		*end;
	long		 port = 80;
	size_t		 n;

	if (strncasecmp(s, "http://", 7) != 0)
		return (-1);
	h = s + 7;
	if (*h == '[') {
		if ((e = strchr(h, ']')) == NULL)
			return (-1);
		n = (size_t)(e - h - 1);
		h++;
		e++;
	} else {
		n = strcspn(h, ":/");
		e = h + n;
	}
	if (n == 0 || n >= sizeof o->chost)
		return (-1);
	memcpy(o->chost, h, n);
	o->chost[n] = '\0';
	for (size_t k = 0; k < n; k++)
		if (!isalnum((unsigned char)o->chost[k]) &&
		    strchr(".-_:", o->chost[k]) == NULL)
			return (-1);
	if (*e == ':') {
		if (!isdigit((unsigned char)e[1]))
			return (-1);
		port = strtol(e + 1, &end, 10);
		if (port < 1 || port > 65535)
			return (-1);
		e = end;
	}
	if (*e != '\0' && strcmp(e, "/") != 0)
		return (-1);
	o->cport = (int)port;
	snprintf(o->collector, sizeof o->collector, "%s", s);
	if (o->collector[strlen(o->collector) - 1] == '/')
		o->collector[strlen(o->collector) - 1] = '\0';
	return (0);
}

/*
 * The run options of a POST /v1/runs document (doc), at now (ms since the
 * epoch). 0, or -1 with *path (a static JSON pointer) and *cause.
 */
int
runopts_parse(json_t *doc, int64_t now, struct run_opts *o,
    const char **path, char **cause)
{
	json_t		*v;
	const char	*s;

	memset(o, 0, sizeof *o);
	if ((v = json_object_get(doc, "shard")) != NULL) {
		*path = "/shard";
		if ((s = json_string_value(v)) == NULL ||
		    runopts_shard(s, &o->shard, &o->nshards) != 0) {
			xasprintf(cause, "shard: expected \"I/N\", 0 <= I < N "
			    "<= %d", RUNOPTS_SHARDS_MAX);
			return (-1);
		}
	}
	if ((v = json_object_get(doc, "start_at")) != NULL) {
		*path = "/start_at";
		if ((s = json_string_value(v)) == NULL ||
		    runopts_time(s, &o->start_at) != 0) {
			xasprintf(cause, "start_at: expected a UTC time in RFC "
			    "3339, like 2026-01-02T03:04:05Z");
			return (-1);
		}
		if (o->start_at < now - RUNOPTS_PAST_MS) {
			xasprintf(cause, "start_at: %s is %.1f s in the past "
			    "(at most 1 s is allowed)", s,
			    (double)(now - o->start_at) / 1e3);
			return (-1);
		}
		if (o->start_at > now + RUNOPTS_FUTURE_MS) {
			xasprintf(cause, "start_at: %s is more than 7 days "
			    "ahead", s);
			return (-1);
		}
	}
	if ((v = json_object_get(doc, "execution")) != NULL) {
		*path = "/execution";
		if ((s = json_string_value(v)) == NULL || !parse_name(s)) {
			xasprintf(cause, "execution: expected a name (A-Z a-z "
			    "0-9 . _ -, at most 64)");
			return (-1);
		}
		snprintf(o->execution, sizeof o->execution, "%s", s);
	}
	if ((v = json_object_get(doc, "collector")) != NULL) {
		*path = "/collector";
		if ((s = json_string_value(v)) == NULL ||
		    runopts_url(s, o) != 0) {
			xasprintf(cause, "collector: expected the URL of a "
			    "loadd, http://HOST[:PORT]");
			return (-1);
		}
	}
	/* A shard of an execution reports to its collector: all or none. */
	if (o->nshards > 0 || o->execution[0] != '\0' ||
	    o->collector[0] != '\0') {
		*path = o->nshards == 0 ? "/shard" : o->execution[0] == '\0' ?
		    "/execution" : "/collector";
		if (o->nshards == 0 || o->execution[0] == '\0' ||
		    o->collector[0] == '\0') {
			xasprintf(cause, "a shard needs \"shard\", \"execution\" "
			    "and \"collector\" together");
			return (-1);
		}
	}
	*path = "";
	return (0);
}
