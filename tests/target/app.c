/* SPDX-License-Identifier: MIT */
/*
 * app.c -- a tiny application under /app/ for the login flow and data
 * driven examples and tests of dynamic requests (SPEC section 14):
 *
 *   POST /app/login   body with "user":"NAME" (JSON) or user=NAME (form):
 *                     200 {"status":"ok","user":NAME,"token":TOKEN} and
 *                     Set-Cookie: session=SESSION; Path=/app; Max-Age=3600
 *   GET  /app/me      needs Authorization: Bearer TOKEN and the session
 *                     cookie of the same user: 200 {"status":"ok",...},
 *                     else 401 {"status":"denied","error":...}
 *   ANY  /app/echo    200 {"method","path","json"|"body"}: a JSON body of
 *                     at most 256 bytes comes back as it is, others as a
 *                     string; a header X-Echo repeats the Cookie line
 *
 * Tokens and sessions are derived from the user name with a keyed hash,
 * so that every worker thread checks them without shared state.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "target.h"

#define APP_KEY	0x9e3779b97f4a7c15ULL

/* FNV-1a of the user name, keyed per purpose. */
static uint64_t
app_hash(const char *s, size_t n, uint64_t key)
{
	uint64_t	h = 14695981039346656037ULL ^ key;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

/* A user name: 1..64 of [A-Za-z0-9._-]. */
static int
app_user_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 64)
		return (0);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return (0);
	return (1);
}

/* The user named in a login body: "user":"NAME" or user=NAME. */
static int
app_login_user(const char *b, size_t n, const char **u, size_t *ulen)
{
	const char	*p, *e = b + n;

	if ((p = memmem(b, n, "\"user\"", 6)) != NULL) {
		p += 6;
		while (p < e && (*p == ' ' || *p == ':'))
			p++;
		if (p == e || *p != '"')
			return (-1);
		*u = ++p;
		while (p < e && *p != '"')
			p++;
		*ulen = (size_t)(p - *u);
	} else if (n >= 5 && memcmp(b, "user=", 5) == 0) {
		*u = b + 5;
		e = memchr(*u, '&', n - 5);
		*ulen = e != NULL ? (size_t)(e - *u) : n - 5;
	} else
		return (-1);
	return (app_user_ok(*u, *ulen) ? 0 : -1);
}

/* TOKEN = tok-USER-HEX, SESSION = s-USER-HEX. */
static int
app_token(char *out, size_t outlen, const char *pfx, const char *u,
    size_t ulen, uint64_t key)
{
	return (snprintf(out, outlen, "%s-%.*s-%016llx", pfx, (int)ulen, u,
	    (unsigned long long)app_hash(u, ulen, key)));
}

/* Does s (n bytes) hold a valid PFX-USER-HEX for some user? Which one. */
static int
app_verify(const char *s, size_t n, const char *pfx, uint64_t key,
    const char **u, size_t *ulen)
{
	char	want[128];
	size_t	pl = strlen(pfx);
	int	w;

	if (n < pl + 19 || memcmp(s, pfx, pl) != 0 || s[pl] != '-' ||
	    s[n - 17] != '-')
		return (-1);
	*u = s + pl + 1;
	*ulen = n - pl - 1 - 17;
	if (!app_user_ok(*u, *ulen))
		return (-1);
	w = app_token(want, sizeof want, pfx, *u, *ulen, key);
	return (w > 0 && (size_t)w == n && memcmp(want, s, n) == 0 ? 0 : -1);
}

/* The value of cookie name in a Cookie line, or NULL. */
static const char *
app_cookie(const char *line, size_t n, const char *name, size_t *vlen)
{
	const char	*p = line, *e = line + n, *v;
	size_t		 nl = strlen(name);

	while (p < e) {
		while (p < e && (*p == ' ' || *p == ';'))
			p++;
		if ((size_t)(e - p) > nl && memcmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			v = p + nl + 1;
			p = memchr(v, ';', (size_t)(e - v));
			*vlen = p != NULL ? (size_t)(p - v) : (size_t)(e - v);
			return (v);
		}
		while (p < e && *p != ';')
			p++;
	}
	return (NULL);
}

static size_t
app_json_string(char *out, size_t cap, const char *s, size_t n)
{
	size_t	o = 0, i;

	if (cap < 3)
		return (0);
	out[o++] = '"';
	for (i = 0; i < n && o + 8 < cap; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			out[o++] = '\\';
			out[o++] = s[i];
		} else if ((unsigned char)s[i] < 0x20)
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x",
			    (unsigned char)s[i]);
		else
			out[o++] = s[i];
	}
	out[o++] = '"';
	return (o);
}

/* Answer a request under /app/ into resp. */
void
app_answer(const struct app_req *r, struct app_resp *resp)
{
	const char	*u, *u2, *tok, *ses;
	size_t		 ulen, u2len, toklen, seslen, o;
	char		 token[128], session[128];

	resp->status = 200;
	resp->hdrs[0] = '\0';
	if (r->plen == 10 && memcmp(r->path, "/app/login", 10) == 0) {
		if (r->method != HTTP_POST) {
			resp->status = 405;
			resp->bodylen = (size_t)snprintf(resp->body,
			    sizeof resp->body, "{\"status\":\"error\","
			    "\"error\":\"use POST\"}");
			return;
		}
		if (app_login_user(r->body, r->bodylen, &u, &ulen) != 0) {
			resp->status = 400;
			resp->bodylen = (size_t)snprintf(resp->body,
			    sizeof resp->body, "{\"status\":\"error\","
			    "\"error\":\"user required\"}");
			return;
		}
		app_token(token, sizeof token, "tok", u, ulen, APP_KEY);
		app_token(session, sizeof session, "s", u, ulen, ~APP_KEY);
		snprintf(resp->hdrs, sizeof resp->hdrs, "Set-Cookie: session=%s;"
		    " Path=/app; Max-Age=3600; HttpOnly\r\n", session);
		resp->bodylen = (size_t)snprintf(resp->body, sizeof resp->body,
		    "{\"status\":\"ok\",\"user\":\"%.*s\",\"token\":\"%s\"}",
		    (int)ulen, u, token);
		return;
	}
	if (r->plen == 7 && memcmp(r->path, "/app/me", 7) == 0) {
		tok = r->auth;
		toklen = r->authlen;
		if (toklen > 7 && strncasecmp(tok, "Bearer ", 7) == 0) {
			tok += 7;
			toklen -= 7;
		} else
			toklen = 0;
		ses = app_cookie(r->cookie, r->cookielen, "session", &seslen);
		if (toklen == 0 || app_verify(tok, toklen, "tok", APP_KEY, &u,
		    &ulen) != 0) {
			resp->status = 401;
			resp->bodylen = (size_t)snprintf(resp->body,
			    sizeof resp->body, "{\"status\":\"denied\","
			    "\"error\":\"a valid bearer token is required\"}");
			return;
		}
		if (ses == NULL || app_verify(ses, seslen, "s", ~APP_KEY, &u2,
		    &u2len) != 0 || u2len != ulen || memcmp(u, u2, ulen) != 0) {
			resp->status = 401;
			resp->bodylen = (size_t)snprintf(resp->body,
			    sizeof resp->body, "{\"status\":\"denied\","
			    "\"error\":\"the session cookie is missing or "
			    "not this user's\"}");
			return;
		}
		resp->bodylen = (size_t)snprintf(resp->body, sizeof resp->body,
		    "{\"status\":\"ok\",\"user\":\"%.*s\"}", (int)ulen, u);
		return;
	}
	if (r->plen == 9 && memcmp(r->path, "/app/echo", 9) == 0) {
		o = (size_t)snprintf(resp->body, sizeof resp->body,
		    "{\"method\":\"%s\",\"path\":", http_method_str(r->method));
		/* The path at most half the body, so the rest fits. */
		o += app_json_string(resp->body + o, sizeof resp->body / 2,
		    r->url, r->urllen);
		if (r->body_whole && r->bodylen > 0 && r->body[0] == '{' &&
		    r->body[r->bodylen - 1] == '}') {
			o += (size_t)snprintf(resp->body + o,
			    sizeof resp->body - o, ",\"json\":%.*s}",
			    (int)r->bodylen, r->body);
		} else {
			o += (size_t)snprintf(resp->body + o,
			    sizeof resp->body - o, ",\"body\":");
			/* At most 256 bytes of body, escaped: 6 a byte. */
			o += app_json_string(resp->body + o,
			    sizeof resp->body - o - 2, r->body, r->bodylen);
			resp->body[o++] = '}';
		}
		resp->bodylen = o < sizeof resp->body ? o : sizeof resp->body;
		if (r->cookielen > 0)
			snprintf(resp->hdrs, sizeof resp->hdrs,
			    "X-Echo-Cookie: %.*s\r\n", (int)(r->cookielen > 200 ?
			    200 : r->cookielen), r->cookie);
		return;
	}
	resp->status = 404;
	resp->bodylen = (size_t)snprintf(resp->body, sizeof resp->body,
	    "{\"status\":\"error\",\"error\":\"no such endpoint\"}");
}
