/* SPDX-License-Identifier: MIT */
/*
 * parse.c -- small pure parsers shared by the scenario validator, thresholds
 * and reports: durations, names and threshold rules. No state, no I/O: safe
 * from any thread. Failures return -1 with an allocated *cause.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

/* The longest duration accepted anywhere: 100 days. */
#define DURATION_MAX_US		(100LL * 86400 * 1000000)

#define DURATION_EXAMPLE \
	"expected a duration such as \"250ms\", \"1.5s\", \"2m\""

/* Microseconds in one unit, or 0 if the unit is unknown. */
static int64_t
parse_duration_unit(const char *u, size_t len)
{
	if (len == 2 && strncmp(u, "us", 2) == 0)
		return (1);
	if (len == 2 && strncmp(u, "ms", 2) == 0)
		return (1000);
	if (len == 1 && u[0] == 's')
		return (1000000);
	if (len == 1 && u[0] == 'm')
		return (60LL * 1000000);
	if (len == 1 && u[0] == 'h')
		return (3600LL * 1000000);
	return (0);
}

/*
 * Parse a duration: one or more NUMBER UNIT parts ("1m30s"), NUMBER being
 * digits with an optional fraction, UNIT one of us, ms, s, m, h. The result
 * is truncated to whole microseconds and may not pass 100 days.
 */
int
parse_duration(const char *s, int64_t *us, char **cause)
{
	const char	*p, *u;
	uint64_t	 ip, frac, scale, unit, total = 0, part;
	int		 ndigits, big;
	size_t		 ulen;

	if (s == NULL || *s == '\0') {
		xasprintf(cause, "%s; got \"\"", DURATION_EXAMPLE);
		return (-1);
	}
	if (*s == '-') {
		xasprintf(cause, "a duration cannot be negative; got \"%s\"",
		    s);
		return (-1);
	}
	p = s;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			goto bad;
		ip = 0;
		big = 0;
		while (isdigit((unsigned char)*p)) {
			if (ip > (uint64_t)DURATION_MAX_US)
				big = 1;
			else
				ip = ip * 10 + (uint64_t)(*p - '0');
			p++;
		}
		frac = 0;
		scale = 1;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			for (ndigits = 0; isdigit((unsigned char)*p); p++) {
				/* Past 9 digits: below a microsecond. */
				if (ndigits++ >= 9)
					continue;
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
		u = p;
		while (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80)
			p++;
		ulen = p - u;
		if (ulen == 0) {
			if (*p != '\0')
				goto bad;
			xasprintf(cause, "%s; got \"%s\" (a unit is required: "
			    "us, ms, s, m or h)", DURATION_EXAMPLE, s);
			return (-1);
		}
		if ((unit = (uint64_t)parse_duration_unit(u, ulen)) == 0) {
			xasprintf(cause, "unknown unit \"%.*s\" in duration "
			    "\"%s\" (expected us, ms, s, m or h)", (int)ulen, u,
			    s);
			return (-1);
		}
		if (big || ip > (uint64_t)DURATION_MAX_US / unit)
			goto toolong;
		part = ip * unit + frac * unit / scale;
		total += part;
		if (total > (uint64_t)DURATION_MAX_US)
			goto toolong;
	}
	*us = (int64_t)total;
	return (0);

bad:
	xasprintf(cause, "%s; got \"%s\"", DURATION_EXAMPLE, s);
	return (-1);
toolong:
	xasprintf(cause, "duration \"%s\" is too long (at most 100 days)", s);
	return (-1);
}

/* Is host an IPv4 or IPv6 address (no lookup needed)? */
int
parse_numeric_host(const char *host)
{
	unsigned char	buf[sizeof(struct in6_addr)];

	return (inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1);
}

/* Is s a name: [A-Za-z0-9._-]{1,64}? */
int
parse_name(const char *s)
{
	size_t	n;

	if (s == NULL)
		return (0);
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= LOADD_NAME_MAX)
			return (0);
		if ((unsigned char)s[n] < 0x80 && isalnum((unsigned char)s[n]))
			continue;
		if (s[n] != '.' && s[n] != '_' && s[n] != '-')
			return (0);
	}
	return (n > 0);
}

/* Levenshtein distance, for did-you-mean hints; long strings are "far". */
static u_int
parse_distance(const char *a, const char *b)
{
	u_int	 row[LOADD_NAME_MAX + 1], diag, up, i, j, la, lb, cost;

	la = strlen(a);
	lb = strlen(b);
	if (la > LOADD_NAME_MAX || lb > LOADD_NAME_MAX)
		return (UINT32_MAX);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
			row[j] = diag + cost;
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return (row[lb]);
}

/* The closest candidate within edit distance 2, or NULL. */
static const char *
parse_closest(const char *s, const char **list)
{
	const char	*best = NULL;
	u_int		 d, bestd = 3;

	for (; *list != NULL; list++) {
		d = parse_distance(s, *list);
		if (d < bestd && d < strlen(s)) {
			bestd = d;
			best = *list;
		}
	}
	return (best);
}

/* " (did you mean "x"?)" or "", into buf. */
const char *
parse_suggest(char *buf, size_t len, const char *s, const char **list)
{
	const char	*best;

	if ((best = parse_closest(s, list)) == NULL)
		return ("");
	snprintf(buf, len, " (did you mean \"%s\"?)", best);
	return (buf);
}

/* The space characters a rule may hold between its tokens. */
static const char *
threshold_skip(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return (p);
}

/*
 * Parse "[REQUEST:] METRIC OP VALUE". Names never hold ':', so the first
 * colon (if any) ends REQUEST; "p99.9" is then read as a metric token.
 */
int
threshold_parse(const char *rule, struct threshold *t, char **cause)
{
	const char	*p, *colon, *start, *end, *num, *unit;
	size_t		 len, numlen, unitlen;
	char		*numstr;
	double		 v;
	int		 i, isint;

	memset(t, 0, sizeof *t);
	if (rule == NULL || *threshold_skip(rule) == '\0') {
		xasprintf(cause, "empty rule (expected [REQUEST:] METRIC OP "
		    "VALUE, such as \"p95 < 100ms\")");
		return (-1);
	}
	p = rule;

	/* REQUEST ":" */
	if ((colon = strchr(rule, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL) {
			xasprintf(cause, "more than one \":\" in rule \"%s\" "
			    "(expected [REQUEST:] METRIC OP VALUE)", rule);
			return (-1);
		}
		start = threshold_skip(rule);
		end = colon;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		len = end - start;
		if (len == 0) {
			xasprintf(cause, "missing request name before \":\" in "
			    "rule \"%s\"", rule);
			return (-1);
		}
		if (len > LOADD_NAME_MAX) {
			xasprintf(cause, "request name \"%.*s\" is too long "
			    "(at most %d characters)", (int)len, start,
			    LOADD_NAME_MAX);
			return (-1);
		}
		memcpy(t->request, start, len);
		t->request[len] = '\0';
		if (!parse_name(t->request)) {
			xasprintf(cause, "invalid request name \"%s\" "
			    "(expected [A-Za-z0-9._-]{1,64})", t->request);
			t->request[0] = '\0';
			return (-1);
		}
		p = colon + 1;
	}

	/* METRIC */
	p = threshold_skip(p);
	start = p;
	while (isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
	    *p == '-')
		p++;
	len = p - start;
	if (len == 0) {
		xasprintf(cause, "missing metric in rule \"%s\" (expected one "
		    "of %s)", rule, metric_list(METRIC_RULE));
		return (-1);
	}
	if ((i = metric_lookup(start, len, METRIC_RULE)) < 0) {
		xasprintf(cause, "unknown metric \"%.*s\" (expected one of %s)",
		    (int)len, start, metric_list(METRIC_RULE));
		return (-1);
	}
	t->metric = (enum metric)i;

	/* OP */
	p = threshold_skip(p);
	if (*p == '<' || *p == '>') {
		if (p[1] == '=')
			t->op = (*p == '<') ? CMP_LE : CMP_GE;
		else
			t->op = (*p == '<') ? CMP_LT : CMP_GT;
		p += (p[1] == '=') ? 2 : 1;
	} else if (*p == '\0') {
		xasprintf(cause, "missing operator after \"%s\" (expected <, "
		    "<=, > or >=)", metric_name(t->metric));
		return (-1);
	} else {
		start = p;
		while (*p != '\0' && strchr("<>=!~", *p) != NULL)
			p++;
		if (p == start)
			p = start + 1;
		xasprintf(cause, "unknown operator \"%.*s\" after \"%s\" "
		    "(expected <, <=, > or >=)", (int)(p - start), start,
		    metric_name(t->metric));
		return (-1);
	}
	if (*p == '=' || *p == '<' || *p == '>') {
		xasprintf(cause, "unknown operator \"%s%.1s\" (expected <, <=, "
		    "> or >=)", cmp_op_name(t->op), p);
		return (-1);
	}

	/* VALUE: NUMBER [UNIT] */
	p = threshold_skip(p);
	if (*p == '\0') {
		xasprintf(cause, "missing value after \"%s %s\"",
		    metric_name(t->metric), cmp_op_name(t->op));
		return (-1);
	}
	if (*p == '-') {
		xasprintf(cause, "%s value cannot be negative: \"%s\"",
		    metric_name(t->metric), p);
		return (-1);
	}
	num = p;
	while (isdigit((unsigned char)*p))
		p++;
	isint = 1;
	if (p != num && *p == '.' && isdigit((unsigned char)p[1])) {
		isint = 0;
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	numlen = p - num;
	if (numlen == 0 || *p == '.') {
		xasprintf(cause, "expected a number after \"%s %s\"; got "
		    "\"%s\"", metric_name(t->metric), cmp_op_name(t->op), num);
		return (-1);
	}
	if (numlen > 32) {
		xasprintf(cause, "%s value is too long: \"%.*s\"",
		    metric_name(t->metric), (int)numlen, num);
		return (-1);
	}
	numstr = xstrndup(num, numlen);
	v = strtod(numstr, NULL);
	free(numstr);

	p = threshold_skip(p);
	unit = p;
	if (*p == '%')
		p++;
	else {
		while (isalpha((unsigned char)*p) ||
		    (unsigned char)*p >= 0x80)
			p++;
	}
	unitlen = p - unit;
	p = threshold_skip(p);
	if (*p != '\0') {
		xasprintf(cause, "unexpected \"%s\" after the value in rule "
		    "\"%s\"", p, rule);
		return (-1);
	}

	switch (metric_defs[t->metric].unit) {
	case UNIT_MS:
		if (unitlen == 0) {
			xasprintf(cause, "latency value needs a unit (us, ms, "
			    "s): \"%.*s\"", (int)numlen, num);
			return (-1);
		}
		if (unitlen == 2 && strncmp(unit, "us", 2) == 0)
			v /= 1000.0;
		else if (unitlen == 2 && strncmp(unit, "ms", 2) == 0)
			;
		else if (unitlen == 1 && unit[0] == 's')
			v *= 1000.0;
		else {
			xasprintf(cause, "unknown latency unit \"%.*s\" "
			    "(expected us, ms or s)", (int)unitlen, unit);
			return (-1);
		}
		break;
	case UNIT_PCT:
		if (unitlen != 1 || unit[0] != '%') {
			xasprintf(cause, "%s value needs a %% sign, such as "
			    "\"1%%\"; got \"%.*s%.*s\"",
			    metric_name(t->metric), (int)numlen, num,
			    (int)unitlen, unit);
			return (-1);
		}
		if (v > 100.0) {
			xasprintf(cause, "%s value must be between 0%% and "
			    "100%%; got %.*s%%", metric_name(t->metric),
			    (int)numlen, num);
			return (-1);
		}
		break;
	case UNIT_BYTES:
		/* Bytes, or k, m, g: 1024s, as in the config file. */
		if (unitlen == 1 && (unit[0] == 'k' || unit[0] == 'K'))
			v *= 1024.0;
		else if (unitlen == 1 && (unit[0] == 'm' || unit[0] == 'M'))
			v *= 1024.0 * 1024;
		else if (unitlen == 1 && (unit[0] == 'g' || unit[0] == 'G'))
			v *= 1024.0 * 1024 * 1024;
		else if (unitlen != 0) {
			xasprintf(cause, "unknown size unit \"%.*s\" for %s "
			    "(expected bytes, or k, m or g)", (int)unitlen,
			    unit, metric_name(t->metric));
			return (-1);
		}
		break;
	default:
		if (unitlen != 0) {
			xasprintf(cause, "%s value is a plain number without "
			    "a unit; got \"%.*s%.*s\"",
			    metric_name(t->metric), (int)numlen, num,
			    (int)unitlen, unit);
			return (-1);
		}
		if (t->metric != METRIC_RPS && !isint) {
			xasprintf(cause, "%s value must be a whole number; "
			    "got \"%.*s\"", metric_name(t->metric),
			    (int)numlen, num);
			return (-1);
		}
		break;
	}
	if ((metric_defs[t->metric].flags & METRIC_RUN_ONLY) &&
	    t->request[0] != '\0') {
		xasprintf(cause, "%s is a metric of the whole run; it cannot "
		    "be given for request \"%s\"", metric_name(t->metric),
		    t->request);
		return (-1);
	}
	if (v > 1e15) {
		xasprintf(cause, "%s value is too large: \"%.*s\"",
		    metric_name(t->metric), (int)numlen, num);
		return (-1);
	}
	t->value = v;
	return (0);
}

/* The rule spelling of an operator. */
const char *
cmp_op_name(enum cmp_op op)
{
	switch (op) {
	case CMP_LT:
		return ("<");
	case CMP_LE:
		return ("<=");
	case CMP_GT:
		return (">");
	case CMP_GE:
		return (">=");
	}
	return ("?");
}

/* Does "actual OP limit" hold? NaN never holds. */
int
cmp_op_holds(enum cmp_op op, double actual, double limit)
{
	switch (op) {
	case CMP_LT:
		return (actual < limit);
	case CMP_LE:
		return (actual <= limit);
	case CMP_GT:
		return (actual > limit);
	case CMP_GE:
		return (actual >= limit);
	}
	return (0);
}
