/* SPDX-License-Identifier: MIT */
/*
 * test-report.c -- report.c and report-html.c on a real SQLite file: a run
 * row with a summary, per-second intervals with histograms and system
 * metrics, rendered in every format and checked for content and escaping.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sqlite3.h>

#include "loadd.h"
#include "tap.h"

#define NAME_ODD	"a<b&\"c\""	/* a name that needs escaping */
#define SECONDS		30

static uint64_t	rnd_state = 88172645463325252ULL;

/* xorshift64: deterministic noise for the histograms. */
static double
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return ((double)(rnd_state >> 11) / 9007199254740992.0);
}

/* Run one statement with text/integer/real/null parameters: "tirn". */
static void
exec(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*stmt;
	va_list		 ap;
	const char	*s;
	int		 i;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fatalx("prepare: %s", sqlite3_errmsg(db));
	va_start(ap, types);
	for (i = 0; types[i] != '\0'; i++) {
		switch (types[i]) {
		case 't':
			s = va_arg(ap, const char *);
			sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_TRANSIENT);
			break;
		case 'i':
			sqlite3_bind_int64(stmt, i + 1, va_arg(ap, int64_t));
			break;
		case 'r':
			sqlite3_bind_double(stmt, i + 1, va_arg(ap, double));
			break;
		case 'b':
			s = va_arg(ap, const char *);
			sqlite3_bind_blob(stmt, i + 1, s, va_arg(ap, int),
			    SQLITE_TRANSIENT);
			i++;	/* the length is the next "type" */
			break;
		default:
			sqlite3_bind_null(stmt, i + 1);
		}
	}
	va_end(ap);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		fatalx("step: %s", sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
}

/* A STATS object with plausible values. */
static json_t *
stats(json_int_t total, json_int_t failed, double p50)
{
	json_t	*o;

	o = json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, "
	    "s:f, s:f, s:f, s:f, s:f, s:I, s:I}",
	    "total_requests", total, "successful_requests", total - failed,
	    "failed_requests", failed,
	    "success_rate_pct", 100.0 * (double)(total - failed) /
	    (double)total, "throughput_rps", (double)total / SECONDS,
	    "avg_latency_ms", p50 * 1.2, "median_latency_ms", p50,
	    "p90_latency_ms", p50 * 2, "p95_latency_ms", p50 * 3,
	    "p99_latency_ms", p50 * 5, "p999_latency_ms", p50 * 9,
	    "min_latency_ms", p50 / 4, "max_latency_ms", p50 * 12,
	    "std_dev_ms", p50 / 2, "bytes_sent", total * 100,
	    "bytes_received", total * 2000);
	json_object_set_new(o, "p25_latency_ms", json_real(p50 * 0.8));
	json_object_set_new(o, "p75_latency_ms", json_real(p50 * 1.5));
	return (o);
}

/* Insert the main run: completed, one threshold failed, open model. */
static int64_t
insert_run(sqlite3 *db)
{
	json_t		*summary, *reqs, *r;
	char		*text;
	const char	*names[] = { "login", NAME_ODD, "browse" };
	size_t		 i;

	reqs = json_array();
	for (i = 0; i < 3; i++) {
		r = stats(1000, i == 1 ? 30 : 0, 10.0 * (double)(i + 1));
		json_object_set_new(r, "name", json_string(names[i]));
		json_array_append_new(reqs, r);
	}
	summary = json_pack("{s:o, s:o, s:[{s:s, s:s, s:o, s:I, s:s}, "
	    "{s:s, s:s, s:I, s:I, s:s}], s:[{s:s, s:s, s:f, s:b, s:b}, "
	    "{s:s, s:s, s:s, s:f, s:b, s:b}, {s:s, s:s, s:f, s:b, s:b}], "
	    "s:f, s:I, s:I, s:I, s:{s:I, s:I, s:{s:f, s:f, s:f, s:f, s:f, "
	    "s:f}}}",
	    "overall", stats(3000, 30, 20.0), "requests", reqs,
	    "errors",
	    "request", NAME_ODD, "kind", "timeout", "status", json_null(),
	    "count", (json_int_t)10, "example", "no response in 10s",
	    "request", NAME_ODD, "kind", "status", "status", (json_int_t)503,
	    "count", (json_int_t)20, "example", "unexpected status 503",
	    "thresholds",
	    "rule", "p95 < 100ms", "metric", "p95", "actual", 60.0,
	    "passed", 1, "abort_on_fail", 0,
	    "rule", NAME_ODD ": p99 < 100ms", "request", NAME_ODD,
	    "metric", "p99", "actual", 100.5, "passed", 0, "abort_on_fail", 0,
	    "rule", "error_rate < 5%", "metric", "error_rate", "actual", 1.0,
	    "passed", 1, "abort_on_fail", 1,
	    "duration_s", 30.0, "warmup_requests", (json_int_t)0,
	    "samples_stored", (json_int_t)2995, "samples_shed", (json_int_t)5,
	    "open", "late_iterations", (json_int_t)90,
	    "dropped_iterations", (json_int_t)0, "service_time",
	    "avg_ms", 15.0, "p50_ms", 12.0, "p90_ms", 25.0, "p95_ms", 40.0,
	    "p99_ms", 80.0, "max_ms", 150.0);
	text = json_dumps(summary, JSON_COMPACT);
	exec(db, "INSERT INTO runs (scenario, spec, status, passed, "
	    "created_at, started_at, ended_at, labels, summary, env) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "tttitttttt", "checkout",
	    "{\"name\":\"checkout\"}", "completed", (int64_t)0,
	    "2024-05-01T10:00:00.000Z", "2024-05-01T10:00:01.000Z",
	    "2024-05-01T10:00:31.000Z", "{\"git\":\"abc123\",\"env\":\"ci\"}",
	    text, "{\"host\":\"ci-1\",\"cores\":8,\"kernel\":\"6.1.0\","
	    "\"version\":\"0.1.0\",\"threads\":2}");
	free(text);
	json_decref(summary);
	return ((int64_t)sqlite3_last_insert_rowid(db));
}

/* Per-second rows: '*' with histograms, plus one request's rows. */
static void
insert_intervals(sqlite3 *db, int64_t id, struct hist *all)
{
	struct hist	*h;
	unsigned char	*blob;
	size_t		 len;
	int		 s, i, n;
	double		 base;

	h = hist_create();
	for (s = 0; s < SECONDS; s++) {
		hist_reset(h);
		/* Latency climbs in the middle of the run. */
		base = 10e6 * (1 + (s > 10 && s < 20 ? 2 : 0));
		n = 100;
		for (i = 0; i < n; i++)
			hist_record(h, (uint64_t)(base * (0.5 + rnd()) *
			    (rnd() < 0.02 ? 8 : 1)));
		hist_merge(all, h);
		len = hist_encode(h, &blob);
		exec(db, "INSERT INTO intervals (run_id, second, request, "
		    "requests, errors, p50_ms, p95_ms, p99_ms, max_ms, hist) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "iitiirrrrbx", id,
		    (int64_t)s, "*", (int64_t)n, (int64_t)(s == 15 ? 30 : 0),
		    stats_ms(hist_percentile(h, 50)),
		    stats_ms(hist_percentile(h, 95)),
		    stats_ms(hist_percentile(h, 99)),
		    stats_ms(hist_max(h)), (const char *)blob, (int)len);
		exec(db, "INSERT INTO intervals (run_id, second, request, "
		    "requests, errors, p50_ms, p95_ms, p99_ms, max_ms) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?)", "iitiirrrr", id, (int64_t)s,
		    "login", (int64_t)33, (int64_t)0, 1.0, 2.0, 3.0, 4.0);
		free(blob);
	}
	hist_free(h);
}

/* System rows: loadd near its ceiling of 2 threads, a growing target. */
static void
insert_system(sqlite3 *db, int64_t id)
{
	int	s;

	for (s = 0; s < SECONDS; s++)
		exec(db, "INSERT INTO system_metrics (run_id, second, cpu_pct, "
		    "rss_bytes, target_cpu_pct, target_rss_bytes) VALUES "
		    "(?, ?, ?, ?, ?, ?)", "iiriri", id, (int64_t)s,
		    s == 0 ? 150.0 : 190.0, (int64_t)(40 << 20) + s * 4096,
		    50.0 + s, (int64_t)(100 << 20) + (int64_t)s * 1048576);
}

/* Count occurrences of needle in s. */
static int
count(const char *s, const char *needle)
{
	int	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return (n);
}

/* Fields of one CSV record (RFC 4180), advancing *p past its CRLF. */
static int
csv_fields(const char **p)
{
	const char	*s = *p;
	int		 n = 1, quoted = 0;

	for (; *s != '\0'; s++) {
		if (quoted) {
			if (*s == '"' && s[1] == '"')
				s++;
			else if (*s == '"')
				quoted = 0;
		} else if (*s == '"')
			quoted = 1;
		else if (*s == ',')
			n++;
		else if (*s == '\r' && s[1] == '\n') {
			*p = s + 2;
			return (n);
		}
	}
	*p = s;
	return (-1);
}

/* With TEST_REPORT_KEEP=DIR, keep a rendering (for a look, or a screenshot). */
static void
keep(const char *name, const char *text)
{
	const char	*dir = getenv("TEST_REPORT_KEEP");
	char		*path;
	FILE		*f;

	if (dir == NULL || *dir == '\0')
		return;
	xasprintf(&path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

/* Render, expecting success. */
static char *
render(struct store *st, int64_t id, const char *fmt, const char **ctype)
{
	char	*out = NULL, *cause = NULL;
	size_t	 len = 0;
	int	 rc;

	rc = report_render(st, id, fmt, &out, &len, ctype, &cause);
	if (!ok(rc == 1 && out != NULL && strlen(out) == len,
	    "render %s of run %lld", fmt != NULL ? fmt : "(default)",
	    (long long)id))
		diag("rc %d cause %s", rc, cause != NULL ? cause : "");
	free(cause);
	return (out);
}

/* The json report's content. */
static void
check_json(struct store *st, int64_t id, struct hist *all)
{
	json_t		*doc, *run, *o, *t, *sys;
	json_error_t	 err;
	const char	*ctype, *keys[] = { "id", "scenario", "status",
			    "started_at", "ended_at", "duration_s", "labels",
			    NULL }, *tkeys[] = { "rule", "request", "metric",
			    "actual", "passed", "abort_on_fail", NULL };
	char		*out;
	size_t		 i, j;
	int		 all_keys;

	out = render(st, id, "json", &ctype);
	keep("report.json", out);
	is_str(ctype, "application/json", "json: content type");
	doc = json_loads(out, 0, &err);
	ok(json_is_object(doc), "json: parses");
	run = json_object_get(doc, "run");
	for (i = 0, all_keys = 1; keys[i] != NULL; i++)
		if (json_object_get(run, keys[i]) == NULL)
			all_keys = 0;
	ok(all_keys && json_object_size(run) == 7, "json: run has the 7 keys");
	is_int(json_integer_value(json_object_get(run, "id")), id,
	    "json: run.id");
	is_str(json_string_value(json_object_get(run, "scenario")), "checkout",
	    "json: run.scenario");
	is_str(json_string_value(json_object_get(run, "status")), "completed",
	    "json: run.status");
	ok(json_number_value(json_object_get(run, "duration_s")) == 30.0,
	    "json: run.duration_s");
	is_str(json_string_value(json_object_get(json_object_get(run,
	    "labels"), "git")), "abc123", "json: run.labels");
	ok(json_is_false(json_object_get(doc, "passed")), "json: passed false");
	o = json_object_get(doc, "overall");
	for (i = 0, all_keys = 1; i < METRIC_N; i++)
		if (metric_defs[i].json != NULL &&
		    !json_is_number(json_object_get(o, metric_defs[i].json)))
			all_keys = 0;
	ok(all_keys, "json: overall has every STATS key");
	is_int(json_integer_value(json_object_get(o, "total_requests")), 3000,
	    "json: overall.total_requests");
	is_int(json_array_size(json_object_get(doc, "requests")), 3,
	    "json: three requests");
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "requests"), 1), "name")), NAME_ODD,
	    "json: request names kept as they are");
	is_str(json_object_iter_key(json_object_iter(json_array_get(
	    json_object_get(doc, "requests"), 0))), "name",
	    "json: a request's name comes first");
	is_int(json_array_size(json_object_get(doc, "thresholds")), 3,
	    "json: three thresholds");
	all_keys = 1;
	json_array_foreach(json_object_get(doc, "thresholds"), i, t)
		for (j = 0; tkeys[j] != NULL; j++)
			if (json_object_get(t, tkeys[j]) == NULL)
				all_keys = 0;
	ok(all_keys, "json: every threshold has rule, request, metric, "
	    "actual, passed, abort_on_fail");
	t = json_array_get(json_object_get(doc, "thresholds"), 0);
	ok(json_is_null(json_object_get(t, "request")),
	    "json: a run-wide threshold has request null");
	t = json_array_get(json_object_get(doc, "thresholds"), 1);
	ok(json_is_false(json_object_get(t, "passed")) &&
	    json_number_value(json_object_get(t, "actual")) == 100.5,
	    "json: the failed threshold and its actual value");
	is_int(json_array_size(json_object_get(doc, "errors")), 2,
	    "json: two error rows");
	ok(json_object_get(doc, "levels") == NULL,
	    "json: no levels outside a sweep");
	ok(json_is_object(json_object_get(doc, "open")),
	    "json: open model section");
	ok(json_object_get(doc, "reason") == NULL, "json: no reason");

	sys = json_object_get(doc, "system");
	ok(fabs(json_number_value(json_object_get(sys, "cpu_pct_avg")) -
	    (150.0 + 29 * 190.0) / 30) < 0.06, "json: system.cpu_pct_avg");
	ok(json_number_value(json_object_get(sys, "cpu_pct_max")) == 190.0,
	    "json: system.cpu_pct_max");
	is_int(json_integer_value(json_object_get(sys, "rss_max_bytes")),
	    (40 << 20) + 29 * 4096, "json: system.rss_max_bytes");
	o = json_object_get(sys, "target");
	ok(json_is_object(o), "json: system.target when monitored");
	is_int(json_integer_value(json_object_get(o, "rss_growth_bytes")),
	    29 * 1048576, "json: target rss_growth_bytes is last - first");
	ok(json_number_value(json_object_get(o, "cpu_pct_max")) == 79.0,
	    "json: target cpu_pct_max");
	is_str(json_string_value(json_object_get(json_object_get(doc, "env"),
	    "host")), "ci-1", "json: env");

	o = json_object_get(doc, "warnings");
	is_int(json_array_size(o), 2, "json: two warnings");
	ok(strstr(json_string_value(json_array_get(o, 0)), "saturated") !=
	    NULL && strstr(json_string_value(json_array_get(o, 0)),
	    "not the target") != NULL, "json: the saturation warning");
	ok(strstr(json_string_value(json_array_get(o, 0)), "started late") !=
	    NULL, "json: ... names the late iterations");
	ok(strstr(json_string_value(json_array_get(o, 1)), "5 raw samples") !=
	    NULL, "json: the shed samples warning");
	(void)all;
	json_decref(doc);
	free(out);
}

/* md: verdict, facts, one row a scope, thresholds, errors, warnings. */
static void
check_md(struct store *st, int64_t id)
{
	const char	*ctype;
	char		*out;

	out = render(st, id, "md", &ctype);
	keep("report.md", out);
	is_str(ctype, "text/markdown; charset=utf-8", "md: content type");
	ok(strncmp(out, "❌ **failed**: 1 of 3 thresholds failed", strlen(
	    "❌ **failed**: 1 of 3 thresholds failed")) == 0,
	    "md: the verdict line comes first");
	ok(strstr(out, "**checkout** · run ") != NULL &&
	    strstr(out, "git=abc123") != NULL, "md: the run facts");
	ok(strstr(out, "| **all** | 3000 | 30 (1%) | 100 | 24.00 | 20.00 | "
	    "60.00 | 100.0 | 240.0 |") != NULL, "md: the overall row");
	ok(strstr(out, "\n| login | 1000 |") != NULL &&
	    strstr(out, "\n| browse | 1000 |") != NULL,
	    "md: a row per request");
	ok(strstr(out, "\n| a&lt;b&amp;\"c\" | 1000 |") != NULL,
	    "md: the odd name is escaped for GitHub");
	ok(strstr(out, "- ✗ `a<b&\"c\": p99 < 100ms` — actual 100.5 ms") !=
	    NULL, "md: the failed threshold with its actual value");
	ok(strstr(out, "- ✓ `error_rate < 5%` — actual 1%") != NULL,
	    "md: a passed rate threshold");
	ok(strstr(out, "| status | 503 | 20 |") != NULL &&
	    strstr(out, "| status | 503 | 20 |") < strstr(out,
	    "| timeout |"), "md: errors, the largest first");
	ok(strstr(out, "> ⚠️ the load generator was saturated") != NULL,
	    "md: warnings");
	free(out);
}

/* csv: a header, '*', then each request, 17 fields each. */
static void
check_csv(struct store *st, int64_t id)
{
	const char	*ctype, *p;
	char		*out;
	int		 rows = 0, good = 1, n;

	out = render(st, id, "csv", &ctype);
	keep("report.csv", out);
	is_str(ctype, "text/csv; charset=utf-8", "csv: content type");
	ok(strncmp(out, "request,total_requests,successful_requests,"
	    "failed_requests,success_rate_pct,throughput_rps,avg_latency_ms,"
	    "p25_latency_ms,median_latency_ms,p75_latency_ms,"
	    "p90_latency_ms,p95_latency_ms,p99_latency_ms,"
	    "p999_latency_ms,min_latency_ms,max_latency_ms,std_dev_ms,"
	    "bytes_sent,bytes_received\r\n", 283) == 0,
	    "csv: the header, in SPEC order");
	for (p = out; *p != '\0'; rows++) {
		n = csv_fields(&p);
		if (n != 19) {
			diag("row %d has %d fields", rows, n);
			good = 0;
		}
	}
	is_int(rows, 5, "csv: header + overall + 3 requests");
	ok(good, "csv: every row has 17 fields");
	ok(strstr(out, "\r\n*,3000,2970,30,") != NULL, "csv: the '*' row");
	ok(strstr(out, "\r\n\"a<b&\"\"c\"\"\",1000,") != NULL,
	    "csv: the odd name is quoted per RFC 4180");
	free(out);
}

/* html: self-contained, charts, escaped. */
static void
check_html(struct store *st, int64_t id)
{
	const char	*ctype;
	char		*out;

	out = render(st, id, "html", &ctype);
	is_str(ctype, "text/html; charset=utf-8", "html: content type");
	ok(strncmp(out, "<!DOCTYPE html>", 15) == 0, "html: doctype first");
	is_int(count(out, "<svg"), 5, "html: five charts (latency, "
	    "throughput, distribution, CPU, RSS)");
	is_int(count(out, "<svg"), count(out, "</svg>"), "html: svg closed");
	is_int(count(out, "<table"), count(out, "</table>"),
	    "html: tables closed");
	ok(strstr(out, "http://") == NULL && strstr(out, "https://") == NULL,
	    "html: no URL at all, nothing fetched");
	ok(strstr(out, "<script") == NULL, "html: no script");
	ok(strstr(out, "a&lt;b&amp;&quot;c&quot;") != NULL &&
	    strstr(out, NAME_ODD) == NULL, "html: the odd name is escaped");
	ok(strstr(out, "99.9%") != NULL, "html: the spectrum's log axis");
	ok(strstr(out, "</html>\n") != NULL, "html: ends the document");
	keep("report.html", out);
	free(out);
}

/* junit: one test case per threshold, the failures marked. */
static void
check_junit(struct store *st, int64_t id)
{
	const char	*ctype;
	char		*out;

	out = render(st, id, "junit", &ctype);
	keep("report.xml", out);
	is_str(ctype, "application/xml", "junit: content type");
	ok(strncmp(out, "<?xml version=\"1.0\"", 19) == 0, "junit: XML");
	ok(strstr(out, "<testsuite name=\"loadd: checkout\" tests=\"3\" "
	    "failures=\"1\"") != NULL, "junit: the suite counts");
	is_int(count(out, "<testcase "), 3, "junit: a case per threshold");
	is_int(count(out, "<failure "), 1, "junit: one failure");
	ok(strstr(out, "<failure message=\"a&lt;b&amp;&quot;c&quot;: p99 "
	    "&lt; 100ms: actual 100.5 ms\"") != NULL,
	    "junit: the failure message, escaped");
	ok(strstr(out, NAME_ODD) == NULL && strstr(out, "p95 < ") == NULL,
	    "junit: nothing unescaped");
	is_int(count(out, "<testsuite "), count(out, "</testsuite>"),
	    "junit: testsuite closed");
	free(out);
}

/* A stopped run without a summary, and a sweep. */
static void
check_others(struct store *st, sqlite3 *db)
{
	json_t		*doc;
	const char	*ctype;
	char		*out, *summary;
	int64_t		 id;

	exec(db, "INSERT INTO runs (scenario, spec, status, passed, "
	    "created_at, reason) VALUES (?, ?, ?, ?, ?, ?)", "tttitt", "s2",
	    "{}", "stopped", (int64_t)0, "2024-05-01T10:00:00.000Z",
	    "stopped before it started");
	id = (int64_t)sqlite3_last_insert_rowid(db);
	out = render(st, id, "json", &ctype);
	doc = json_loads(out, 0, NULL);
	ok(json_is_object(json_object_get(doc, "overall")) &&
	    json_object_size(json_object_get(doc, "overall")) == 0 &&
	    json_array_size(json_object_get(doc, "requests")) == 0,
	    "no summary: empty stats");
	is_str(json_string_value(json_object_get(doc, "reason")),
	    "stopped before it started", "no summary: the reason");
	ok(json_is_null(json_object_get(json_object_get(doc, "system"),
	    "cpu_pct_avg")) && json_object_get(json_object_get(doc,
	    "system"), "target") == NULL, "no system rows: nulls, no target");
	json_decref(doc);
	free(out);
	out = render(st, id, "junit", &ctype);
	ok(count(out, "<testcase name=\"run completed\"") == 1 &&
	    count(out, "<failure ") == 1, "junit: a stopped run fails "
	    "\"run completed\"");
	free(out);
	out = render(st, id, "md", &ctype);
	ok(strncmp(out, "⚠️ **stopped**", strlen("⚠️ **stopped**")) == 0,
	    "md: the status when not completed");
	free(out);
	out = render(st, id, "html", &ctype);
	ok(out != NULL && count(out, "<svg") == 0, "html: no data, no charts");
	free(out);
	out = render(st, id, "csv", &ctype);
	ok(out != NULL && count(out, "\r\n") == 2, "csv: header and '*' only");
	free(out);

	xasprintf(&summary, "{\"overall\":{\"total_requests\":10},"
	    "\"requests\":[],\"errors\":[],\"thresholds\":[],\"duration_s\":2,"
	    "\"levels\":[{\"vus\":1,\"total_requests\":4},{\"vus\":5,"
	    "\"total_requests\":6}]}");
	exec(db, "INSERT INTO runs (scenario, spec, status, passed, "
	    "created_at, summary) VALUES (?, ?, ?, ?, ?, ?)", "tttitt", "sw",
	    "{}", "completed", (int64_t)1, "2024-05-01T10:00:00.000Z",
	    summary);
	free(summary);
	id = (int64_t)sqlite3_last_insert_rowid(db);
	out = render(st, id, "json", &ctype);
	doc = json_loads(out, 0, NULL);
	is_int(json_array_size(json_object_get(doc, "levels")), 2,
	    "sweep: levels");
	ok(json_is_true(json_object_get(doc, "passed")), "sweep: passed");
	json_decref(doc);
	free(out);
	out = render(st, id, "md", &ctype);
	ok(strncmp(out, "✅ **passed**", strlen("✅ **passed**")) == 0 &&
	    strstr(out, "| VUs |") != NULL, "md: passed, with the levels");
	free(out);
	out = render(st, id, "junit", &ctype);
	ok(count(out, "<testcase name=\"run completed\"") == 1 &&
	    count(out, "<failure") == 0, "junit: no thresholds, one passing "
	    "case");
	free(out);
}

/* How many pieces ("M") the first line of the chart titled title has. */
static int
chart_pieces(const char *html, const char *title)
{
	const char	*p, *d, *end;
	int		 n = 0;

	if ((p = strstr(html, title)) == NULL ||
	    (p = strstr(p, "<path fill=\"none\"")) == NULL ||
	    (d = strstr(p, " d=\"")) == NULL ||
	    (end = strchr(d + 4, '"')) == NULL)
		return (-1);
	for (p = d + 4; p < end; p++)
		n += *p == 'M';
	return (n);
}

/*
 * Seconds without a row (the data skips them) are a gap in the HTML
 * report's lines, not a line drawn across them.
 */
static void
check_gap(struct store *st, sqlite3 *db, int64_t id)
{
	char		*out;
	const char	*ctype;

	out = render(st, id, "html", &ctype);
	is_int(chart_pieces(out, "Latency over time"), 1,
	    "html: a run with every second has one line");
	free(out);
	exec(db, "DELETE FROM intervals WHERE run_id = ? AND second IN (8, 9)",
	    "i", id);
	out = render(st, id, "html", &ctype);
	is_int(chart_pieces(out, "Latency over time"), 2,
	    "html: two missing seconds break the line: a gap, not a bridge");
	free(out);
}

/*
 * A damaged histogram blob fails hist_merge(): the report still renders,
 * without its latency spectrum, and the percentiles come from run_stats.
 */
static void
check_damaged(struct store *st, sqlite3 *db, int64_t id)
{
	char		*out;
	const char	*ctype;

	out = render(st, id, "html", &ctype);
	ok(count(out, "Latency distribution") > 0, "html: the spectrum");
	free(out);
	exec(db, "UPDATE intervals SET hist = x'01ff' WHERE run_id = ? AND "
	    "second = (SELECT min(second) FROM intervals WHERE run_id = ?1) "
	    "AND request = '*'", "i", id);
	out = render(st, id, "html", &ctype);
	ok(out != NULL && count(out, "Latency distribution") == 0 &&
	    count(out, "<svg") > 0, "a damaged blob: the report renders, "
	    "without its spectrum");
	free(out);
}

int
main(void)
{
	char		 dir[] = "/tmp/loadd-test-report.XXXXXX", *path, *cause;
	char		*out = NULL;
	const char	*ctype;
	struct store	*st;
	struct hist	*all;
	size_t		 len;
	int64_t		 id;
	sqlite3		*db;
	int		 rc;

	log_init(LOG_CRIT, 0);
	store_init();
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	xasprintf(&path, "%s/t.db", dir);
	st = store_open(path, STORE_LOCK | STORE_MIGRATE, &cause);
	if (st == NULL)
		fatalx("store_open: %s", cause);
	/* Fixtures go in through a plain connection of the test's own. */
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("sqlite3_open");
	sqlite3_busy_timeout(db, 5000);

	all = hist_create();
	id = insert_run(db);
	insert_intervals(db, id, all);
	insert_system(db, id);

	check_json(st, id, all);
	check_md(st, id);
	check_csv(st, id);
	check_html(st, id);
	check_junit(st, id);

	free(render(st, id, NULL, &ctype));
	is_str(ctype, "application/json", "no format means json");

	cause = NULL;
	rc = report_render(st, id, "x", &out, &len, &ctype, &cause);
	ok(rc == -1 && out == NULL, "an unknown format fails");
	is_str(cause, "format: expected one of json, md, csv, html, junit; "
	    "got \"x\"", "... with a format: cause");
	free(cause);
	cause = NULL;
	rc = report_render(st, id + 1000, "json", &out, &len, &ctype, &cause);
	ok(rc == 0 && out == NULL && cause == NULL, "an unknown run gives 0");

	check_others(st, db);
	check_gap(st, db, id);
	check_damaged(st, db, id);

	hist_free(all);
	sqlite3_close(db);
	store_close(st);
	unlink(path);
	free(path);
	xasprintf(&path, "rm -rf %s", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
	free(path);
	return (tap_done());
}
