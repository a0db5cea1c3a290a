/* SPDX-License-Identifier: MIT */
/*
 * base64.c -- the hist blobs a shard pushes travel in JSON as base64 (RFC
 * 4648, with padding). The decoder is strict: it refuses what the encoder
 * would not write.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "loadd.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encode len bytes; the caller frees the string. */
char *
base64_encode(const unsigned char *in, size_t len)
{
	char	*out, *o;
	size_t	 i;
	uint32_t v;

	o = out = xmalloc((len + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[v >> 12 & 63];
		*o++ = b64[v >> 6 & 63];
		*o++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		*o++ = b64[v >> 18];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (out);
}

static int
base64_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return (-1);
	return ((int)(p - b64));
}

/* Decode s into *out (*len bytes; the caller frees it). 0, or -1. */
int
base64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t		 n = strlen(s), i, pad = 0;
	unsigned char	*o;
	int		 a, b, c, d;

	if (n % 4 != 0)
		return (-1);
	if (n > 0 && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	o = xmalloc(n / 4 * 3 + 1);
	*len = 0;
	for (i = 0; i < n; i += 4) {
		a = base64_value(s[i]);
		b = base64_value(s[i + 1]);
		c = i + 4 == n && pad == 2 ? 0 : base64_value(s[i + 2]);
		d = i + 4 == n && pad >= 1 ? 0 : base64_value(s[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0)
			goto bad;
		/* The bits padding leaves out must be 0, as encoded. */
		if (i + 4 == n && ((pad == 2 && (b & 15) != 0) ||
		    (pad == 1 && (c & 3) != 0)))
			goto bad;
		o[(*len)++] = (unsigned char)(a << 2 | b >> 4);
		if (!(i + 4 == n && pad == 2))
			o[(*len)++] = (unsigned char)((b & 15) << 4 | c >> 2);
		if (!(i + 4 == n && pad >= 1))
			o[(*len)++] = (unsigned char)((c & 3) << 6 | d);
	}
	*out = o;
	return (0);
bad:
	free(o);
	return (-1);
}
