/* SPDX-License-Identifier: MIT */
/*
 * cookie.c -- a VU's cookie jar (SPEC section 14, "cookies": true): the
 * Set-Cookie parser (RFC 6265 section 5.2, with its lenient date
 * algorithm of 5.1.1), and a jar of fixed size that keeps cookies with
 * their Domain, Path, Secure and expiry and writes the Cookie header of a
 * request. Nothing here allocates: the jar is sized when the VU is made,
 * and all of it runs on the workers' request path.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "loadd.h"

static const char *
ck_trim(const char *s, const char *e, const char **end)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*end = e;
	return (s);
}

/* RFC 6265 5.1.1: the date in s (n bytes) as Unix seconds; -1 if none. */
int64_t
cookie_date(const char *s, size_t n)
{
	static const char	*months[] = { "jan", "feb", "mar", "apr", "may",
	    "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
	const char		*e = s + n, *t;
	struct tm		 tm;
	int			 have_time = 0, have_day = 0, have_month = 0;
	int			 have_year = 0, hh = 0, mm = 0, ss = 0, day = 0;
	int			 mon = 0, year = 0, i, d, v[3];
	size_t			 len;
	time_t			 r;

	while (s < e) {
		/* Delimiters: everything but digits, letters and ':'. */
		while (s < e && !isalnum((unsigned char)*s) && *s != ':')
			s++;
		t = s;
		while (s < e && (isalnum((unsigned char)*s) || *s == ':'))
			s++;
		if ((len = (size_t)(s - t)) == 0)
			break;
		if (!have_time) {
			/* hms-time: 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT */
			const char	*p = t;

			for (i = 0; i < 3; i++) {
				for (d = 0, v[i] = 0; d < 2 && p < s &&
				    isdigit((unsigned char)*p); d++, p++)
					v[i] = v[i] * 10 + (*p - '0');
				if (d == 0 || (i < 2 && (p == s || *p++ != ':')))
					break;
			}
			if (i == 3) {
				have_time = 1;
				hh = v[0];
				mm = v[1];
				ss = v[2];
				continue;
			}
		}
		if (!have_day && isdigit((unsigned char)t[0]) && (len == 1 ||
		    (len >= 2 && isdigit((unsigned char)t[1]) &&
		    (len == 2 || !isdigit((unsigned char)t[2]))))) {
			day = t[0] - '0';
			if (len >= 2 && isdigit((unsigned char)t[1]))
				day = day * 10 + (t[1] - '0');
			have_day = 1;
			continue;
		}
		if (!have_month && len >= 3) {
			for (i = 0; i < 12; i++)
				if (strncasecmp(t, months[i], 3) == 0)
					break;
			if (i < 12) {
				mon = i;
				have_month = 1;
				continue;
			}
		}
		if (!have_year && isdigit((unsigned char)t[0])) {
			for (d = 0, year = 0; d < 4 && t + d < s &&
			    isdigit((unsigned char)t[d]); d++)
				year = year * 10 + (t[d] - '0');
			if (d >= 2 && (t + d == s ||
			    !isdigit((unsigned char)t[d]))) {
				have_year = 1;
				continue;
			}
		}
	}
	if (!have_time || !have_day || !have_month || !have_year)
		return (-1);
	if (year >= 70 && year <= 99)
		year += 1900;
	else if (year >= 0 && year <= 69)
		year += 2000;
	if (day < 1 || day > 31 || year < 1601 || hh > 23 || mm > 59 ||
	    ss > 59)
		return (-1);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	if ((r = timegm(&tm)) == (time_t)-1)
		return (-1);
	return ((int64_t)r);
}

/*
 * Parse a Set-Cookie value (s, n bytes) received at now (Unix seconds).
 * 0 with *c pointing into s; -1 when it has no name=value pair.
 * c->expires: 0 a session cookie, < 0 already expired, else when.
 */
int
cookie_parse(const char *s, size_t n, struct cookie *c, int64_t now)
{
	const char	*e = s + n, *semi, *eq, *a, *ae, *v, *ve;
	int64_t		 age, date = 0;
	int		 has_age = 0, has_date = 0, neg;

	memset(c, 0, sizeof *c);
	semi = memchr(s, ';', n);
	if (semi == NULL)
		semi = e;
	if ((eq = memchr(s, '=', (size_t)(semi - s))) == NULL)
		return (-1);
	c->name = ck_trim(s, eq, &a);
	c->nlen = (size_t)(a - c->name);
	c->value = ck_trim(eq + 1, semi, &a);
	c->vlen = (size_t)(a - c->value);
	if (c->nlen == 0 || memchr(c->name, '\0', c->nlen) != NULL ||
	    memchr(c->value, '\0', c->vlen) != NULL)
		return (-1);
	for (s = semi; s < e; s = semi) {
		s++;
		if ((semi = memchr(s, ';', (size_t)(e - s))) == NULL)
			semi = e;
		eq = memchr(s, '=', (size_t)(semi - s));
		a = ck_trim(s, eq != NULL ? eq : semi, &ae);
		v = ve = semi;
		if (eq != NULL)
			v = ck_trim(eq + 1, semi, &ve);
		if (ae - a == 7 && strncasecmp(a, "max-age", 7) == 0) {
			/* A digit or '-' first, then digits only. */
			neg = v < ve && *v == '-';
			if (v + neg == ve)
				continue;
			for (age = 0, a = v + neg; a < ve; a++) {
				if (!isdigit((unsigned char)*a))
					break;
				if (age < INT64_C(100000000000))
					age = age * 10 + (*a - '0');
			}
			if (a != ve)
				continue;
			has_age = 1;
			c->expires = neg || age == 0 ? -1 : now + age;
		} else if (ae - a == 7 && strncasecmp(a, "expires", 7) == 0) {
			if ((date = cookie_date(v, (size_t)(ve - v))) != -1)
				has_date = 1;
		} else if (ae - a == 6 && strncasecmp(a, "domain", 6) == 0) {
			if (v < ve && *v == '.')
				v++;
			c->domain = v;
			c->dlen = (size_t)(ve - v);
		} else if (ae - a == 4 && strncasecmp(a, "path", 4) == 0) {
			/* Not starting with '/': the default path. */
			if (v < ve && *v == '/') {
				c->path = v;
				c->plen = (size_t)(ve - v);
			} else {
				c->path = NULL;
				c->plen = 0;
			}
		} else if (ae - a == 6 && strncasecmp(a, "secure", 6) == 0)
			c->secure = 1;
	}
	/* Max-Age wins over Expires (RFC 6265 5.3 step 3). */
	if (!has_age && has_date)
		c->expires = date <= now ? -1 : date;
	return (0);
}

/* Is host a literal IPv4 or IPv6 address (no domain suffix matching)? */
static int
ck_is_ip(const char *h)
{
	if (strchr(h, ':') != NULL)
		return (1);
	for (; *h != '\0'; h++)
		if (!isdigit((unsigned char)*h) && *h != '.')
			return (0);
	return (1);
}

/* RFC 6265 5.1.3: does host match the cookie domain d (dlen bytes)? */
static int
ck_domain_match(const char *host, const char *d, size_t dlen)
{
	size_t	hlen = strlen(host);

	if (hlen == dlen && strncasecmp(host, d, dlen) == 0)
		return (1);
	return (!ck_is_ip(host) && hlen > dlen && host[hlen - dlen - 1] ==
	    '.' && strncasecmp(host + hlen - dlen, d, dlen) == 0);
}

/* RFC 6265 5.1.4: does the request path (p, n) match cookie path cp? */
static int
ck_path_match(const char *p, size_t n, const char *cp, size_t cplen)
{
	if (cplen > n || memcmp(p, cp, cplen) != 0)
		return (0);
	return (cplen == n || cp[cplen - 1] == '/' || p[cplen] == '/');
}

/* Take cookie i out of the jar, closing the gap in its text. */
static void
jar_remove(struct jar *j, size_t i)
{
	struct jar_cookie	*c = &j->c[i];
	size_t			 off = c->off, len, k;

	len = (size_t)c->nlen + c->vlen + c->dlen + c->plen;
	memmove(j->text + off, j->text + off + len, j->used - off - len);
	j->used -= len;
	for (k = i + 1; k < j->n; k++)
		j->c[k].off = (uint16_t)(j->c[k].off - len);
	memmove(&j->c[i], &j->c[i + 1], (j->n - i - 1) * sizeof j->c[0]);
	j->n--;
}

void
jar_clear(struct jar *j)
{
	j->n = 0;
	j->used = 0;
}

/*
 * Keep cookie c, received from host for the request path (p, n), at now:
 * it replaces one of the same name, domain and path; an expired one only
 * removes that. When the jar is full the oldest cookies make room; a
 * cookie larger than the whole jar is dropped. Returns 0, or -1 when the
 * cookie was refused (a Domain the host is not in, or too large).
 */
int
jar_set(struct jar *j, const struct cookie *c, const char *host,
    const char *p, size_t n, int64_t now)
{
	struct jar_cookie	*e;
	const char		*d = c->domain, *path = c->path;
	size_t			 dlen = c->dlen, plen = c->plen, i, need;
	int			 host_only = d == NULL || dlen == 0;
	const char		*q;

	if ((q = memchr(p, '?', n)) != NULL)
		n = (size_t)(q - p);	/* the path alone (RFC 6265 5.1.4) */
	if (host_only) {
		d = host;
		dlen = strlen(host);
	} else if (!ck_domain_match(host, d, dlen))
		return (-1);
	if (path == NULL) {
		/* The default path: the request's, up to its last '/'. */
		path = p;
		for (plen = n; plen > 1 && p[plen - 1] != '/'; plen--)
			;
		if (plen > 1)
			plen--;
		if (n == 0 || p[0] != '/') {
			path = "/";
			plen = 1;
		}
	}
	for (i = 0; i < j->n; i++) {
		e = &j->c[i];
		if (e->nlen == c->nlen && e->dlen == dlen && e->plen == plen &&
		    memcmp(j->text + e->off, c->name, c->nlen) == 0 &&
		    strncasecmp(j->text + e->off + e->nlen + e->vlen, d,
		    dlen) == 0 && memcmp(j->text + e->off + e->nlen + e->vlen +
		    e->dlen, path, plen) == 0) {
			jar_remove(j, i);
			break;
		}
	}
	if (c->expires < 0)
		return (0);
	need = c->nlen + c->vlen + dlen + plen;
	if (need > JAR_BYTES)
		return (-1);
	/* Expired cookies go first, then the oldest. */
	for (i = 0; i < j->n; ) {
		if (j->c[i].expires > 0 && j->c[i].expires <= now)
			jar_remove(j, i);
		else
			i++;
	}
	while (j->n == JAR_COOKIES || j->used + need > JAR_BYTES)
		jar_remove(j, 0);
	e = &j->c[j->n++];
	e->off = (uint16_t)j->used;
	e->nlen = (uint16_t)c->nlen;
	e->vlen = (uint16_t)c->vlen;
	e->dlen = (uint16_t)dlen;
	e->plen = (uint16_t)plen;
	e->host_only = (uint8_t)host_only;
	e->secure = (uint8_t)c->secure;
	e->expires = c->expires;
	memcpy(j->text + j->used, c->name, c->nlen);
	memcpy(j->text + j->used + c->nlen, c->value, c->vlen);
	memcpy(j->text + j->used + c->nlen + c->vlen, d, dlen);
	memcpy(j->text + j->used + c->nlen + c->vlen + dlen, path, plen);
	j->used += need;
	return (0);
}

/*
 * The Cookie header line ("Cookie: a=1; b=2\r\n") of a request to host,
 * path (p, n; a query after '?' is ignored), over TLS or not, at now:
 * written at out (JAR_LINE_MAX bytes); its length, 0 if no cookie goes.
 */
size_t
jar_render(const struct jar *j, const char *host, const char *p, size_t n,
    int tls, int64_t now, char *out)
{
	const struct jar_cookie	*e;
	const char		*q;
	size_t			 i, o = 0;

	if ((q = memchr(p, '?', n)) != NULL)
		n = (size_t)(q - p);
	for (i = 0; i < j->n; i++) {
		e = &j->c[i];
		if ((e->expires > 0 && e->expires <= now) ||
		    (e->secure && !tls) ||
		    !ck_path_match(p, n, j->text + e->off + e->nlen + e->vlen +
		    e->dlen, e->plen))
			continue;
		if (e->host_only ? strlen(host) != e->dlen || strncasecmp(host,
		    j->text + e->off + e->nlen + e->vlen, e->dlen) != 0 :
		    !ck_domain_match(host, j->text + e->off + e->nlen + e->vlen,
		    e->dlen))
			continue;
		if (o == 0) {
			memcpy(out, "Cookie: ", 8);
			o = 8;
		} else {
			memcpy(out + o, "; ", 2);
			o += 2;
		}
		memcpy(out + o, j->text + e->off, e->nlen);
		o += e->nlen;
		out[o++] = '=';
		memcpy(out + o, j->text + e->off + e->nlen, e->vlen);
		o += e->vlen;
	}
	if (o > 0) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return (o);
}
