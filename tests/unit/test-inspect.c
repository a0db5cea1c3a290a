/* SPDX-License-Identifier: MIT */
/*
 * test-inspect.c -- what a request reads from its response: the JSON
 * pointer scanner (jsonscan.c), the Set-Cookie parser and the cookie jar
 * (cookie.c), and captures and checks compiled and evaluated (inspect.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"
#include "tap.h"

/* The value at ptr in doc as text, "<absent>" or "<not json>". */
static const char *
find(const char *doc, const char *ptr)
{
	static char	 out[256];
	const char	*v;
	size_t		 n;
	int		 rc;

	rc = jscan_pointer(doc, strlen(doc), ptr, &v, &n);
	if (rc < 0)
		return ("<not json>");
	if (rc > 0)
		return ("<absent>");
	snprintf(out, sizeof out, "%.*s", (int)n, v);
	return (out);
}

static void
test_pointer(void)
{
	const char	*doc = "{\"a\": {\"b\": [10, {\"c\": \"x\"}, [1,2]]},"
			    " \"m~n\": 1, \"p/q\": 2, \"\": 3, \"e\\u00e9\": 4,"
			    " \"t\": true, \"s\": \"he said \\\"hi\\\"\","
			    " \"z\": null}";
	char		 buf[64];
	ssize_t		 n;
	const char	*v;
	size_t		 vn;
	double		 d;

	is_str(find(doc, "/a/b/0"), "10", "an array element");
	is_str(find(doc, "/a/b/1/c"), "\"x\"", "a key in an object in an array");
	is_str(find(doc, "/a/b/2"), "[1,2]", "a container comes whole");
	is_str(find(doc, "/a/b/3"), "<absent>", "past the end of an array");
	is_str(find(doc, "/a/b/-"), "<absent>", "\"-\" is never an element");
	is_str(find(doc, "/a/b/01"), "<absent>", "no leading zeros in indexes");
	is_str(find(doc, "/m~0n"), "1", "~0 is ~");
	is_str(find(doc, "/p~1q"), "2", "~1 is /");
	is_str(find(doc, "/"), "3", "the empty key");
	is_str(find(doc, "/e\xc3\xa9"), "4", "a key with a \\u escape");
	is_str(find(doc, "/t"), "true", "a literal");
	is_str(find(doc, "/z"), "null", "null is found, not absent");
	is_str(find(doc, "/nope"), "<absent>", "a missing key");
	is_str(find(doc, "/t/x"), "<absent>", "below a scalar");
	is_str(find(doc, "")[0] == '{' ? "doc" : "?", "doc",
	    "the empty pointer is the whole document");
	is_str(find("hello", "/a"), "<not json>", "text is not JSON");
	is_str(find("", "/a"), "<not json>", "nothing is not JSON");
	is_str(find("{\"a\": [1, \"tw", "/a/1"), "<not json>",
	    "a document cut short at the value");
	is_str(find("{\"a\": [1, 2", "/a/0"), "1",
	    "a document cut short after the value still gives it");
	is_str(find("{\"a\": [1, 234", "/a/1"), "<not json>",
	    "a number at the end of a cut document may be cut");
	is_str(find("234", ""), "234", "a whole document that is a number");
	is_str(find("{\"a\": tru}", "/a"), "<not json>", "a bad literal");
	is_str(find("{\"a\": 01}", "/a"), "<not json>", "a bad number");
	is_str(find("{\"a\" 1}", "/a"), "<not json>", "a missing colon");
	is_str(find("{\"x\": [}], \"a\": 1}", "/a"), "<not json>",
	    "brackets that do not match");
	is_str(find("{\"x\": \"]}\", \"a\": 2}", "/a"), "2",
	    "brackets inside strings are text");
	is_str(find("  [ 5 , 6 ]  ", "/1"), "6", "white space anywhere");

	(void)jscan_pointer(doc, strlen(doc), "/s", &v, &vn);
	n = jscan_string(v, vn, buf, sizeof buf);
	is_int(n, 12, "a string decodes to its length");
	is_str((buf[n] = '\0', buf), "he said \"hi\"", "escapes decoded");
	ok(jscan_string_eq(v, vn, "he said \"hi\"", 12), "string equality "
	    "decodes");
	ok(!jscan_string_eq(v, vn, "he said", 7), "a prefix is not equal");
	n = jscan_string("\"\\ud83d\\ude00\"", 14, buf, sizeof buf);
	is_int(n, 4, "a surrogate pair is one 4-byte character");
	n = jscan_string("\"abcdef\"", 8, buf, 3);
	is_int(n, 6, "the decoded length even when over the buffer");
	ok(jscan_number("-1.5e3", 6, &d) == 0 && d == -1500, "a number");
	ok(jscan_number("1.", 2, NULL) != 0, "1. is not a number");
	ok(jscan_pointer_valid("") && jscan_pointer_valid("/a~0~1") &&
	    !jscan_pointer_valid("a") && !jscan_pointer_valid("/~2"),
	    "pointer syntax");
}

static void
test_cookies(void)
{
	struct cookie	 c;
	struct jar	*j = calloc(1, sizeof *j);
	char		 line[JAR_LINE_MAX];
	size_t		 n;
	int64_t		 now = 1700000000, t;
	int		 i;
	char		 sc[64];

#define SET(s, host, path) do {						\
	if (cookie_parse((s), strlen(s), &c, now) == 0)			\
		(void)jar_set(j, &c, (host), (path), strlen(path), now);	\
} while (0)
#define LINE(host, path, tls) (n = jar_render(j, (host), (path),	\
	strlen(path), (tls), now, line), line[n] = '\0', line)

	ok(cookie_parse("noequals", 8, &c, now) != 0, "a cookie needs =");
	ok(cookie_parse("=v", 2, &c, now) != 0, "a cookie needs a name");
	ok(cookie_parse(" sid = abc ; Path=/x; Secure; HttpOnly", 38, &c,
	    now) == 0 && c.nlen == 3 && c.vlen == 3 && c.plen == 2 &&
	    c.secure, "name, value, Path, Secure, trimmed");
	t = cookie_date("Wed, 09 Jun 2021 10:18:14 GMT", 29);
	is_int(t, 1623233894, "an RFC 1123 date");
	is_int(cookie_date("Wednesday, 09-Jun-21 10:18:14 GMT", 33),
	    1623233894, "an RFC 850 date, two-digit year");
	is_int(cookie_date("Wed Jun  9 10:18:14 2021", 24), 1623233894,
	    "an asctime date");
	is_int(cookie_date("yesterday", 9), -1, "not a date");
	is_int(cookie_date("Wed, 32 Jun 2021 10:18:14 GMT", 29), -1,
	    "day 32");

	SET("a=1", "api.test", "/app/login");
	is_str(LINE("api.test", "/app/me", 0), "Cookie: a=1\r\n",
	    "a host-only cookie with the default path /app");
	is_str(LINE("api.test", "/other", 0), "", "default path: not /other");
	is_str(LINE("www.api.test", "/app/x", 0), "",
	    "host-only: not a subdomain");
	SET("q=1", "api.test", "/login?next=/app/home");
	is_str(LINE("api.test", "/login", 0), "Cookie: q=1\r\n",
	    "the default path is taken from the path, not the query");
	SET("q=; Max-Age=0", "api.test", "/login");
	SET("b=2; Path=/", "api.test", "/app/login");
	is_str(LINE("api.test", "/app/me?x=1", 0), "Cookie: a=1; b=2\r\n",
	    "two cookies; the query is ignored");
	SET("a=3", "api.test", "/app/other");
	is_str(LINE("api.test", "/app/me", 0), "Cookie: b=2; a=3\r\n",
	    "a cookie of the same name and path is replaced");
	SET("a=; Max-Age=0", "api.test", "/app/me");
	is_str(LINE("api.test", "/app/me", 0), "Cookie: b=2\r\n",
	    "Max-Age=0 removes it");
	SET("d=4; Domain=.api.test; Path=/", "www.api.test", "/");
	is_str(LINE("x.api.test", "/", 0), "Cookie: d=4\r\n",
	    "a Domain cookie goes to the domain's hosts");
	is_str(LINE("xapi.test", "/", 0), "", "but not to a name that ends "
	    "alike");
	SET("e=5; Domain=other.test", "api.test", "/");
	is_str(LINE("other.test", "/", 0), "", "a Domain the host is not in "
	    "is refused");
	SET("f=6; Domain=0.1; Path=/", "127.0.0.1", "/");
	is_str(LINE("127.0.0.1", "/", 0), "", "no domain matching on IPs");
	SET("g=7; Path=/; Secure", "127.0.0.1", "/");
	is_str(LINE("127.0.0.1", "/", 0), "", "Secure: not over plain HTTP");
	is_str(LINE("127.0.0.1", "/", 1), "Cookie: g=7\r\n", "Secure: over TLS");
	SET("h=8; Path=/; Expires=Wed, 09 Jun 2021 10:18:14 GMT", "127.0.0.1",
	    "/");
	is_str(LINE("127.0.0.1", "/", 1), "Cookie: g=7\r\n",
	    "an Expires in the past stores nothing");
	SET("i=9; Path=/; Max-Age=10; Expires=Wed, 09 Jun 2021 10:18:14 GMT",
	    "127.0.0.1", "/");
	is_str(LINE("127.0.0.1", "/", 1), "Cookie: g=7; i=9\r\n",
	    "Max-Age wins over Expires");
	now += 11;
	is_str(LINE("127.0.0.1", "/", 1), "Cookie: g=7\r\n",
	    "a cookie past its Max-Age is not sent");
	is_str(LINE("127.0.0.1", "/pathx", 1), "Cookie: g=7\r\n", "path /");
	SET("k=1; Path=/docs", "127.0.0.1", "/");
	is_str(LINE("127.0.0.1", "/docsx", 0), "", "/docs does not match "
	    "/docsx");
	is_str(LINE("127.0.0.1", "/docs/a", 0), "Cookie: k=1\r\n",
	    "/docs matches /docs/a");

	jar_clear(j);
	for (i = 0; i < JAR_COOKIES + 4; i++) {
		snprintf(sc, sizeof sc, "c%02d=v; Path=/", i);
		SET(sc, "h", "/");
	}
	is_int(j->n, JAR_COOKIES, "a full jar keeps JAR_COOKIES cookies");
	ok(strstr(LINE("h", "/", 0), "c00=") == NULL &&
	    strstr(line, "c19=") != NULL, "the oldest make room");
	memset(line, 'x', 900);
	memcpy(line, "big=", 4);
	line[900] = '\0';
	cookie_parse(line, 900, &c, now);
	ok(jar_set(j, &c, "h", "/", 1, now) == 0 && j->used <= JAR_BYTES,
	    "a large cookie evicts enough to fit");
	memset(line, 'y', JAR_BYTES + 10);
	memcpy(line, "huge=", 5);
	cookie_parse(line, JAR_BYTES + 10, &c, now);
	ok(jar_set(j, &c, "h", "/", 1, now) != 0, "one larger than the jar "
	    "is refused");
	free(j);
#undef SET
#undef LINE
}

/* Evaluate a request entry's capture and checks on a response. */
static enum err_kind
eval(const char *entry, const char *hdrs, const char *body, char *caps,
    uint32_t *lens, uint64_t *set, char *ex)
{
	struct plan		 p;
	struct plan_var		 vars[2];
	struct plan_inspect	*pi;
	struct conn_inspect	*ci;
	json_t			*r = json_loads(entry, 0, NULL);
	const char		*h, *e, *colon;
	char			 scratch[8];
	enum err_kind		 k;

	memset(&p, 0, sizeof p);
	memset(vars, 0, sizeof vars);
	snprintf(vars[0].name, sizeof vars[0].name, "token");
	vars[0].kind = VAR_CAPTURE;
	snprintf(vars[1].name, sizeof vars[1].name, "id");
	vars[1].kind = VAR_CAPTURE;
	vars[1].slot = 1;
	p.vars = vars;
	p.nvars = 2;
	pi = inspect_compile(&p, r, 0);
	ci = inspect_buf_new(64);
	inspect_reset(ci, pi);
	for (h = hdrs; *h != '\0'; h = e + 1) {
		e = strchr(h, '\n');
		colon = strchr(h, ':');
		inspect_on_field(ci, h, (size_t)(colon - h));
		inspect_on_value(ci, colon + 2, (size_t)(e - colon - 2));
	}
	inspect_on_headers(ci);
	/* In two pieces, as a body may come. */
	inspect_on_body(ci, body, strlen(body) / 2);
	inspect_on_body(ci, body + strlen(body) / 2, strlen(body) -
	    strlen(body) / 2);
	ex[0] = '\0';
	k = inspect_eval(pi, ci, caps, lens, set, 8, 1, scratch, ex, 192);
	free(ci);
	inspect_free(pi);
	json_decref(r);
	return (k);
}

static void
test_eval(void)
{
	char		 caps[16], ex[192];
	uint32_t	 lens[2] = { 0, 0 };
	uint64_t	 set = 0;
	const char	*h = "Content-Type: application/json\nX-Id: 42\n"
			    "X-Id: 43\n";

#define E(entry, body) eval((entry), h, (body), caps, lens, &set, ex)
	is_int(E("{\"capture\": {\"token\": {\"json\": \"/t\"}}}",
	    "{\"t\":\"ab\\\"c\"}"), ERR_NONE, "a JSON capture");
	ok(lens[0] == 4 && memcmp(caps, "ab\"c", 4) == 0 && set == 1,
	    "the string is decoded into its slot");
	is_int(E("{\"capture\": {\"id\": {\"header\": \"x-id\"}}}", "{}"),
	    ERR_NONE, "a header capture, names without case");
	ok(lens[1] == 2 && memcmp(caps + 8, "42", 2) == 0 && set == 3,
	    "the first of two header lines");
	is_int(E("{\"capture\": {\"id\": {\"between\": [\"<b>\", \"</b>\"]}}}",
	    "x <b>77</b> <b>8</b>"), ERR_NONE, "a between capture");
	ok(lens[1] == 2 && memcmp(caps + 8, "77", 2) == 0, "the first text "
	    "between the two");
	is_int(E("{\"capture\": {\"id\": {\"json\": \"/n\"}}}",
	    "{\"n\": 12345}"), ERR_NONE, "a number captured as its text");
	is_int(E("{\"capture\": {\"id\": {\"json\": \"/n\"}}}",
	    "{\"n\": 123456789}"), ERR_CHECK, "a value over capture_max");
	is_str(ex, "capture id: a value of 9 bytes, over capture_max (8)",
	    "... says so");
	is_int(E("{\"capture\": {\"token\": {\"json\": \"/t\"}}}",
	    "{\"t\":\"0123456789\"}"), ERR_CHECK, "a string over capture_max");
	ok(lens[0] == 4 && memcmp(caps, "ab\"c", 4) == 0,
	    "a failed capture keeps the value it had");
	is_int(E("{\"capture\": {\"token\": {\"json\": \"/t\"}}}",
	    "{\"t\":\"a\\r\\nX: 1\"}"), ERR_CHECK,
	    "a value with a line break, sent in a head");
	is_str(ex, "capture token: the value holds a line break or NUL and is "
	    "sent in a request's head", "... is refused");
	is_int(E("{\"capture\": {\"id\": {\"json\": \"/q\"}}}", "{\"n\": 1}"),
	    ERR_CHECK, "a capture that finds nothing");
	is_str(ex, "capture id: json /q not found", "... says what");
	is_int(E("{\"capture\": {\"id\": {\"json\": \"/q\"}}}", "<html>"),
	    ERR_CHECK, "a JSON capture on a body that is not JSON");
	is_str(ex, "capture id: the body is not JSON", "... says so");
	is_int(E("{\"checks\": [{\"body_contains\": \"ok\"}]}", "all ok"),
	    ERR_NONE, "body_contains");
	is_int(E("{\"checks\": [{\"body_contains\": \"fine\"}]}", "all ok"),
	    ERR_CHECK, "body_contains that fails");
	is_str(ex, "check body_contains \"fine\": not in the body \"all ok\"",
	    "... shows the body");
	is_int(E("{\"checks\": [{\"json\": \"/s\", \"equals\": \"ok\"}, "
	    "{\"json\": \"/n\", \"equals\": 2.5}, {\"json\": \"/b\", "
	    "\"equals\": false}, {\"json\": \"/z\", \"equals\": null}, "
	    "{\"json\": \"/x\", \"exists\": false}, {\"json\": \"/s\", "
	    "\"exists\": true}]}", "{\"s\":\"ok\",\"n\":25e-1,\"b\":false,"
	    "\"z\":null}"), ERR_NONE, "json equals of each type, exists");
	if (ex[0] != '\0')
		diag("%s", ex);
	is_int(E("{\"checks\": [{\"json\": \"/s\", \"equals\": \"ok\"}]}",
	    "{\"s\":\"okay\"}"), ERR_CHECK, "json equals that fails");
	is_str(ex, "check json /s equals \"ok\": found \"okay\"",
	    "... shows what was found");
	is_int(E("{\"checks\": [{\"json\": \"/n\", \"equals\": 1}]}",
	    "{\"n\":\"1\"}"), ERR_CHECK, "a string is not the number");
	is_int(E("{\"checks\": [{\"json\": \"/s\", \"exists\": false}]}",
	    "{\"s\":1}"), ERR_CHECK, "exists false that fails");
	is_int(E("{\"checks\": [{\"header\": \"X-Id\", \"equals\": \"43\"}, "
	    "{\"header\": \"content-type\", \"contains\": \"json\"}]}", ""),
	    ERR_NONE, "header equals (any of its lines), contains");
	is_int(E("{\"checks\": [{\"header\": \"X-Nope\", \"equals\": \"1\"}]}",
	    ""), ERR_CHECK, "a header that is not there");
	is_str(ex, "check header X-Nope equals \"1\": header not in the "
	    "response", "... says so");
	is_int(E("{\"checks\": [{\"body_contains\": \"tail\"}]}",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "-tail"), ERR_CHECK,
	    "only inspect_bytes of the body are kept");
	ok(strstr(ex, "first inspect_bytes") != NULL, "... and the example "
	    "says so");
#undef E
}

int
main(void)
{
	log_init(LOG_CRIT, 0);
	test_pointer();
	test_cookies();
	test_eval();
	return (tap_done());
}
