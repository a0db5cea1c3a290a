/* SPDX-License-Identifier: MIT */
/*
 * jsonscan.c -- find a JSON pointer (RFC 6901) in a response body without
 * parsing it into a tree: the scanner walks the bytes, steps over the
 * values it does not need and stops at the one the pointer names. It
 * allocates nothing and recurses nowhere, so it may run on the workers'
 * request path (captures and checks, SPEC section 14). It is a scanner,
 * not a validator: what it walks through must be JSON, what lies after
 * the value it looks for is not read.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

static const char *
js_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return (p);
}

/* p at a '"': the byte after the closing quote, or NULL. */
static const char *
js_string_end(const char *p, const char *e)
{
	int	i;

	for (p++; p < e; p++) {
		if (*p == '\\') {
			if (++p == e || strchr("\"\\/bfnrtu", *p) == NULL ||
			    *p == '\0')
				return (NULL);
			for (i = *p == 'u' ? 0 : 4; i < 4; i++)
				if (++p == e || !((*p >= '0' && *p <= '9') ||
				    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')))
					return (NULL);
		} else if (*p == '"')
			return (p + 1);
		else if ((unsigned char)*p < 0x20)
			return (NULL);
	}
	return (NULL);
}

/* A number, true, false or null at p: its end, or NULL. */
static const char *
js_scalar_end(const char *p, const char *e)
{
	const char	*s = p;
	size_t		 n;

	while (p < e && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
	    (*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.'))
		p++;
	n = (size_t)(p - s);
	if (n == 0)
		return (NULL);
	if ((n == 4 && memcmp(s, "true", 4) == 0) ||
	    (n == 5 && memcmp(s, "false", 5) == 0) ||
	    (n == 4 && memcmp(s, "null", 4) == 0))
		return (p);
	if (*s != '-' && (*s < '0' || *s > '9'))
		return (NULL);
	return (jscan_number(s, n, NULL) == 0 ? p : NULL);
}

/*
 * Step over the value at p (after white space): the byte after it, or
 * NULL when it is not JSON or is cut short. Containers are walked with a
 * depth counter, not recursion: brackets must balance and strings end.
 */
static const char *
js_skip(const char *p, const char *e)
{
	size_t	depth = 0;
	char	stack[64];

	p = js_ws(p, e);
	if (p == e)
		return (NULL);
	if (*p == '"')
		return (js_string_end(p, e));
	if (*p != '{' && *p != '[')
		return (js_scalar_end(p, e));
	while (p < e) {
		switch (*p) {
		case '{':
		case '[':
			/* Deeper than 64: only the count is checked. */
			if (depth < sizeof stack)
				stack[depth] = *p;
			depth++;
			p++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return (NULL);
			depth--;
			if (depth < sizeof stack &&
			    stack[depth] != (*p == '}' ? '{' : '['))
				return (NULL);
			p++;
			if (depth == 0)
				return (p);
			break;
		case '"':
			if ((p = js_string_end(p, e)) == NULL)
				return (NULL);
			break;
		case ',':
		case ':':
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			p++;
			break;
		default:
			if ((p = js_scalar_end(p, e)) == NULL)
				return (NULL);
			break;
		}
	}
	return (NULL);
}

static int
js_hex4(const char *p, const char *e, unsigned *out)
{
	unsigned	v = 0;
	int		i;

	if (e - p < 4)
		return (-1);
	for (i = 0; i < 4; i++, p++) {
		v <<= 4;
		if (*p >= '0' && *p <= '9')
			v |= (unsigned)(*p - '0');
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			v |= (unsigned)((*p | 0x20) - 'a' + 10);
		else
			return (-1);
	}
	*out = v;
	return (0);
}

/*
 * Decode the next character of a JSON string's contents at *pp (before
 * e, the closing quote) into out (4 bytes): its length, or -1 when it is
 * a bad escape.
 */
static int
js_char(const char **pp, const char *e, char *out)
{
	const char	*p = *pp;
	unsigned	 c, lo;

	if (*p != '\\') {
		out[0] = *p;
		*pp = p + 1;
		return (1);
	}
	if (++p == e)
		return (-1);
	*pp = p + 1;
	switch (*p) {
	case '"': case '\\': case '/':
		out[0] = *p;
		return (1);
	case 'b': out[0] = '\b'; return (1);
	case 'f': out[0] = '\f'; return (1);
	case 'n': out[0] = '\n'; return (1);
	case 'r': out[0] = '\r'; return (1);
	case 't': out[0] = '\t'; return (1);
	case 'u':
		break;
	default:
		return (-1);
	}
	if (js_hex4(p + 1, e, &c) != 0)
		return (-1);
	p += 5;
	if (c >= 0xd800 && c < 0xdc00 && e - p >= 6 && p[0] == '\\' &&
	    p[1] == 'u' && js_hex4(p + 2, e, &lo) == 0 && lo >= 0xdc00 &&
	    lo < 0xe000) {
		c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	} else if (c >= 0xd800 && c < 0xe000)
		c = 0xfffd;	/* a lone surrogate */
	*pp = p;
	if (c < 0x80) {
		out[0] = (char)c;
		return (1);
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return (2);
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return (3);
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return (4);
}

/*
 * Does the key (a JSON string token with its quotes, from k to ke) equal
 * the pointer's reference token (tok, toklen; ~0 and ~1 still escaped)?
 */
static int
js_key_eq(const char *k, const char *ke, const char *tok, size_t toklen)
{
	const char	*te = tok + toklen, *p = k + 1;
	char		 c[4], t;
	int		 n, i;

	ke--;			/* the closing quote */
	while (p < ke) {
		if ((n = js_char(&p, ke, c)) < 0)
			return (0);
		for (i = 0; i < n; i++) {
			if (tok == te)
				return (0);
			t = *tok++;
			if (t == '~')
				t = *tok++ == '0' ? '~' : '/';
			if (t != c[i])
				return (0);
		}
	}
	return (tok == te);
}

/* An array index token: digits, no leading zero; -1 if not one. */
static int64_t
js_index(const char *tok, size_t len)
{
	int64_t	v = 0;
	size_t	i;

	if (len == 0 || len > 9 || (len > 1 && tok[0] == '0'))
		return (-1);
	for (i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return (-1);
		v = v * 10 + (tok[i] - '0');
	}
	return (v);
}

/* Is ptr an RFC 6901 pointer: "" or "/..." with ~ only as ~0 or ~1? */
int
jscan_pointer_valid(const char *ptr)
{
	if (*ptr != '\0' && *ptr != '/')
		return (0);
	for (; *ptr != '\0'; ptr++)
		if (*ptr == '~' && ptr[1] != '0' && ptr[1] != '1')
			return (0);
	return (1);
}

/*
 * Find ptr in the JSON document doc (len bytes). 0: found, with *val and
 * *vlen the value's text (a string with its quotes); 1: absent; -1: what
 * the walk met is not JSON (or the document is cut short before it).
 */
int
jscan_pointer(const char *doc, size_t len, const char *ptr, const char **val,
    size_t *vlen)
{
	const char	*p = doc, *e = doc + len, *tok, *k, *ke, *end;
	size_t		 toklen;
	int64_t		 want, i;
	int		 found;

	p = js_ws(p, e);
	if (p == e)
		return (-1);
	while (*ptr == '/') {
		tok = ptr + 1;
		toklen = strcspn(tok, "/");
		ptr = tok + toklen;
		if (p == e)
			return (-1);
		if (*p == '{') {
			p = js_ws(p + 1, e);
			if (p < e && *p == '}')
				return (1);
			for (found = 0; !found; ) {
				if (p == e || *p != '"' ||
				    (ke = js_string_end(p, e)) == NULL)
					return (-1);
				k = p;
				p = js_ws(ke, e);
				if (p == e || *p != ':')
					return (-1);
				p = js_ws(p + 1, e);
				if (js_key_eq(k, ke, tok, toklen)) {
					found = 1;
					break;
				}
				if ((p = js_skip(p, e)) == NULL)
					return (-1);
				p = js_ws(p, e);
				if (p < e && *p == '}')
					return (1);
				if (p == e || *p != ',')
					return (-1);
				p = js_ws(p + 1, e);
			}
		} else if (*p == '[') {
			want = js_index(tok, toklen);
			p = js_ws(p + 1, e);
			if (p < e && *p == ']')
				return (1);
			for (i = 0; ; i++) {
				if (i == want)
					break;
				if ((p = js_skip(p, e)) == NULL)
					return (-1);
				p = js_ws(p, e);
				if (p < e && *p == ']')
					return (1);
				if (p == e || *p != ',')
					return (-1);
				p = js_ws(p + 1, e);
			}
		} else
			return (js_skip(p, e) == NULL ? -1 : 1);
		p = js_ws(p, e);
	}
	if ((end = js_skip(p, e)) == NULL)
		return (-1);
	/*
	 * A number at the very end of a cut document may be cut too: inside
	 * a container that is not closed, it is not known whole.
	 */
	if (end == e && p != js_ws(doc, e) &&
	    *p != '"' && *p != '{' && *p != '[')
		return (-1);
	*val = p;
	*vlen = (size_t)(end - p);
	return (0);
}

/*
 * The contents of a JSON string token (with its quotes) decoded into out
 * (cap bytes): the decoded length, which may exceed cap (then out holds
 * the first cap bytes); -1 if the token is not a proper string.
 */
ssize_t
jscan_string(const char *val, size_t vlen, char *out, size_t cap)
{
	const char	*p = val + 1, *e = val + vlen - 1;
	char		 c[4];
	size_t		 o = 0;
	int		 n, i;

	if (vlen < 2 || val[0] != '"' || val[vlen - 1] != '"')
		return (-1);
	while (p < e) {
		if ((n = js_char(&p, e, c)) < 0)
			return (-1);
		for (i = 0; i < n; i++, o++)
			if (o < cap)
				out[o] = c[i];
	}
	return ((ssize_t)o);
}

/* Does the JSON string token val (vlen bytes) hold exactly s (n bytes)? */
int
jscan_string_eq(const char *val, size_t vlen, const char *s, size_t n)
{
	const char	*p = val + 1, *e = val + vlen - 1, *se = s + n;
	char		 c[4];
	int		 k, i;

	if (vlen < 2 || val[0] != '"' || val[vlen - 1] != '"')
		return (0);
	while (p < e) {
		if ((k = js_char(&p, e, c)) < 0)
			return (0);
		for (i = 0; i < k; i++)
			if (s == se || *s++ != c[i])
				return (0);
	}
	return (s == se);
}

/*
 * Is s (n bytes) a JSON number (RFC 8259: -?int frac? exp?)? With out,
 * its value too. 0 if it is, -1 if not.
 */
int
jscan_number(const char *s, size_t n, double *out)
{
	const char	*p = s, *e = s + n;
	char		 buf[64];

	if (p < e && *p == '-')
		p++;
	if (p == e || *p < '0' || *p > '9')
		return (-1);
	if (*p == '0')
		p++;
	else
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	if (p < e && *p == '.') {
		if (++p == e || *p < '0' || *p > '9')
			return (-1);
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || *p < '0' || *p > '9')
			return (-1);
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p != e)
		return (-1);
	if (out != NULL) {
		if (n >= sizeof buf)
			n = sizeof buf - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		*out = strtod(buf, NULL);
	}
	return (0);
}
