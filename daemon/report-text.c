/* SPDX-License-Identifier: MIT */
/*
 * report-text.c -- the text formats of a report (json, md, csv, junit) and
 * the number formatting and escaping every renderer shares. Pure functions
 * over the document report.c built; any thread.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "loadd.h"

/* Print v with at most maxdec decimals, trailing zeros dropped. */
const char *
report_fmt(char *buf, size_t len, double v, int maxdec)
{
	char	*p;

	if (!isfinite(v)) {
		snprintf(buf, len, "–");
		return (buf);
	}
	snprintf(buf, len, "%.*f", maxdec, v);
	if (maxdec > 0 && strchr(buf, '.') != NULL) {
		p = buf + strlen(buf) - 1;
		while (*p == '0')
			*p-- = '\0';
		if (*p == '.')
			*p = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, len, "0");
	return (buf);
}

/* Milliseconds for tables: about four significant digits, fixed decimals. */
const char *
report_ms(char *buf, size_t len, double v)
{
	int	dec;

	if (!isfinite(v)) {
		snprintf(buf, len, "–");
		return (buf);
	}
	if (v < 1)
		dec = 3;
	else if (v < 100)
		dec = 2;
	else if (v < 10000)
		dec = 1;
	else
		dec = 0;
	snprintf(buf, len, "%.*f", dec, v);
	return (buf);
}

/* Bytes in binary units. */
const char *
report_bytes(char *buf, size_t len, double v)
{
	static const char	*units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int			 u = 0;

	if (!isfinite(v)) {
		snprintf(buf, len, "–");
		return (buf);
	}
	while (fabs(v) >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f B", v);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return (buf);
}

/* A duration in seconds for people: 2.5 s, 4m 05s, 1h 02m. */
const char *
report_duration(char *buf, size_t len, double s)
{
	long	n;

	if (!isfinite(s))
		snprintf(buf, len, "–");
	else if (s < 60)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 3600) {
		n = lround(s);
		snprintf(buf, len, "%ldm %02lds", n / 60, n % 60);
	} else {
		n = lround(s / 60);
		snprintf(buf, len, "%ldh %02ldm", n / 60, n % 60);
	}
	return (buf);
}

/* A metric's value of a STATS object as a table cell ("–" without data). */
const char *
report_cell(char *buf, size_t len, json_t *stats, enum metric m)
{
	double	v = report_num(stats, METRIC_KEY(m));

	switch (metric_defs[m].unit) {
	case UNIT_MS:
		return (report_ms(buf, len, v));
	case UNIT_BYTES:
		return (report_bytes(buf, len, v));
	case UNIT_COUNT:
		return (report_fmt(buf, len, v, 0));
	default:
		return (report_fmt(buf, len, v, metric_defs[m].unit ==
		    UNIT_RPS ? 1 : 2));
	}
}

/* A metric's value with its unit, or "–" without data. */
const char *
report_value(char *buf, size_t len, double v, const char *metric)
{
	char	n[32];

	if (!isfinite(v))
		snprintf(buf, len, "–");
	else
		snprintf(buf, len, "%s%s", report_fmt(n, sizeof n, v, 3),
		    metric_suffix(metric));
	return (buf);
}

/* A threshold's actual value with its unit, or "– (no data)". */
const char *
report_actual(char *buf, size_t len, json_t *t)
{
	char	v[32];
	double	a = report_num(t, "actual");

	if (!isfinite(a))
		snprintf(buf, len, "– (no data)");
	else
		snprintf(buf, len, "%s%s", report_fmt(v, sizeof v, a, 3),
		    metric_suffix(report_str(t, "metric")));
	return (buf);
}

/* Thresholds failed, out of *total. */
size_t
report_failed_thresholds(struct report *r, size_t *total)
{
	json_t	*list = json_object_get(r->doc, "thresholds"), *t;
	size_t	 i, failed = 0;

	json_array_foreach(list, i, t)
		if (!json_is_true(json_object_get(t, "passed")))
			failed++;
	*total = json_array_size(list);
	return (failed);
}

/* Order errors by count, largest first. */
static int
report_error_cmp(const void *a, const void *b)
{
	double	ca = report_num(*(json_t *const *)a, "count");
	double	cb = report_num(*(json_t *const *)b, "count");

	return (ca < cb ? 1 : ca > cb ? -1 : 0);
}

/* The errors, largest count first: an array of borrowed pointers. */
json_t **
report_sorted_errors(struct report *r, size_t *n)
{
	json_t	*list = json_object_get(r->doc, "errors"), **v;
	size_t	 i;

	*n = json_array_size(list);
	v = xcalloc(*n + 1, sizeof *v);
	for (i = 0; i < *n; i++)
		v[i] = json_array_get(list, i);
	qsort(v, *n, sizeof *v, report_error_cmp);
	return (v);
}

/* Append s escaped for HTML or XML text and attributes. */
void
report_esc_xml(struct evbuffer *b, const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			evbuffer_add_printf(b, "&amp;");
			break;
		case '<':
			evbuffer_add_printf(b, "&lt;");
			break;
		case '>':
			evbuffer_add_printf(b, "&gt;");
			break;
		case '"':
			evbuffer_add_printf(b, "&quot;");
			break;
		case '\'':
			evbuffer_add_printf(b, "&#39;");
			break;
		default:
			/* XML 1.0 has no place for other control bytes. */
			if ((unsigned char)*p < 0x20 && *p != '\t' &&
			    *p != '\n' && *p != '\r')
				evbuffer_add_printf(b, "?");
			else
				evbuffer_add(b, p, 1);
		}
	}
}

/* Append s for a GitHub-flavoured markdown table cell or inline text. */
static void
report_esc_md(struct evbuffer *b, const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '<')
			evbuffer_add_printf(b, "&lt;");
		else if (*p == '&')
			evbuffer_add_printf(b, "&amp;");
		else if (*p == '\n' || *p == '\r')
			evbuffer_add_printf(b, " ");
		else {
			if (strchr("\\`*_[]|#~>!", *p) != NULL)
				evbuffer_add_printf(b, "\\");
			evbuffer_add(b, p, 1);
		}
	}
}

/* Append s as one RFC 4180 field: quoted when it must be. */
static void
report_esc_csv(struct evbuffer *b, const char *s)
{
	const char	*p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		evbuffer_add(b, s, strlen(s));
		return;
	}
	evbuffer_add_printf(b, "\"");
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			evbuffer_add_printf(b, "\"");
		evbuffer_add(b, p, 1);
	}
	evbuffer_add_printf(b, "\"");
}

/* format=json: the document itself. */
int
report_json(struct report *r, struct evbuffer *b)
{
	char	*text;

	text = json_dumps(r->doc, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
	if (text == NULL)
		fatalx("json_dumps failed");
	evbuffer_add(b, text, strlen(text));
	evbuffer_add_printf(b, "\n");
	free(text);
	return (0);
}

/* The verdict line of md. */
static void
report_md_verdict(struct report *r, struct evbuffer *b)
{
	json_t		*run = json_object_get(r->doc, "run");
	const char	*status = report_str(run, "status");
	size_t		 failed, total;

	failed = report_failed_thresholds(r, &total);
	if (strcmp(status, "completed") == 0 &&
	    json_is_true(json_object_get(r->doc, "passed"))) {
		evbuffer_add_printf(b, "✅ **passed**");
		if (total > 0)
			evbuffer_add_printf(b, ": %zu of %zu threshold%s held",
			    total, total, total == 1 ? "" : "s");
	} else if (strcmp(status, "completed") == 0) {
		evbuffer_add_printf(b, "❌ **failed**");
		if (failed > 0)
			evbuffer_add_printf(b, ": %zu of %zu threshold%s "
			    "failed", failed, total, total == 1 ? "" : "s");
	} else {
		evbuffer_add_printf(b, "%s **%s**",
		    strcmp(status, "failed") == 0 ? "❌" : "⚠️", status);
		if (failed > 0)
			evbuffer_add_printf(b, ": %zu of %zu threshold%s "
			    "failed", failed, total, total == 1 ? "" : "s");
	}
	if (json_is_string(json_object_get(r->doc, "reason"))) {
		evbuffer_add_printf(b, " — ");
		report_esc_md(b, report_str(r->doc, "reason"));
	}
	evbuffer_add_printf(b, "\n\n");
}

/* The run facts line of md: scenario, id, duration, start, labels. */
static void
report_md_facts(struct report *r, struct evbuffer *b)
{
	json_t		*run = json_object_get(r->doc, "run"), *labels, *v;
	const char	*key;
	char		 buf[64];

	evbuffer_add_printf(b, "**");
	report_esc_md(b, report_str(run, "scenario"));
	evbuffer_add_printf(b, "** · run %s · %s",
	    report_fmt(buf, sizeof buf, report_num(run, "id"), 0),
	    report_duration(buf + 32, 32, report_num(run, "duration_s")));
	if (*report_str(run, "started_at") != '\0')
		evbuffer_add_printf(b, " · %s", report_str(run, "started_at"));
	if (*report_str(r->doc, "protocol") != '\0')
		evbuffer_add_printf(b, " · %s", report_str(r->doc, "protocol"));
	if (json_is_integer(json_object_get(r->doc, "stream_waits")))
		evbuffer_add_printf(b, " (%s stream waits)", report_fmt(buf,
		    sizeof buf, report_num(r->doc, "stream_waits"), 0));
	labels = json_object_get(run, "labels");
	json_object_foreach(labels, key, v) {
		evbuffer_add_printf(b, " · ");
		report_esc_md(b, key);
		evbuffer_add_printf(b, "=");
		report_esc_md(b, json_is_string(v) ? json_string_value(v) :
		    "");
	}
	evbuffer_add_printf(b, "\n\n");
}

/* The latency columns of the md tables, after the counts. */
static const enum metric report_md_cols[] = {
	METRIC_RPS, METRIC_AVG, METRIC_P50, METRIC_P95, METRIC_P99, METRIC_MAX
};
#define REPORT_MD_NCOLS	(sizeof report_md_cols / sizeof report_md_cols[0])

/* The md cells " x | y |" of report_md_cols for a STATS object. */
static void
report_md_cells(struct evbuffer *b, json_t *s)
{
	char	a[32];
	size_t	i;

	for (i = 0; i < REPORT_MD_NCOLS; i++)
		evbuffer_add_printf(b, " %s |", report_cell(a, sizeof a, s,
		    report_md_cols[i]));
}

/* One md table row of a scope's STATS. */
static void
report_md_row(struct evbuffer *b, const char *name, int bold, json_t *s)
{
	char	a[3][32];
	double	failed = report_num(s, METRIC_KEY(METRIC_ERRORS));
	double	total = report_num(s, METRIC_KEY(METRIC_REQUESTS));

	evbuffer_add_printf(b, "| %s", bold ? "**" : "");
	report_esc_md(b, name);
	evbuffer_add_printf(b, "%s | %s | %s%s%s%s |", bold ? "**" : "",
	    report_fmt(a[0], sizeof a[0], total, 0),
	    report_fmt(a[1], sizeof a[1], failed, 0),
	    failed > 0 && total > 0 ? " (" : "",
	    failed > 0 && total > 0 ? report_fmt(a[2], sizeof a[2],
	    100 * failed / total, 2) : "",
	    failed > 0 && total > 0 ? "%)" : "");
	report_md_cells(b, s);
	evbuffer_add_printf(b, "\n");
}

/* The md sections after the stats table: open, levels, system. */
static void
report_md_extra(struct report *r, struct evbuffer *b)
{
	json_t	*open = json_object_get(r->doc, "open"), *svc, *lvl, *sys;
	char	 a[6][32];
	size_t	 i;

	if (open != NULL) {
		svc = json_object_get(open, "service_time");
		evbuffer_add_printf(b, "Open model: %s iterations started "
		    "late, %s dropped. Service time (from the send): p50 %s, "
		    "p95 %s, p99 %s ms.\n\n",
		    report_fmt(a[0], 32, report_num(open, "late_iterations"),
		    0), report_fmt(a[1], 32, report_num(open,
		    "dropped_iterations"), 0),
		    report_ms(a[2], 32, report_num(svc, "p50_ms")),
		    report_ms(a[3], 32, report_num(svc, "p95_ms")),
		    report_ms(a[4], 32, report_num(svc, "p99_ms")));
	}
	if (json_array_size(json_object_get(r->doc, "levels")) > 0) {
		evbuffer_add_printf(b, "| VUs | Requests | Failed | RPS | "
		    "Avg ms | p50 ms | p95 ms | p99 ms | Max ms |\n"
		    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
		json_array_foreach(json_object_get(r->doc, "levels"), i, lvl) {
			evbuffer_add_printf(b, "| %s | %s | %s |",
			    report_fmt(a[0], 32, report_num(lvl, "vus"), 0),
			    report_cell(a[1], 32, lvl, METRIC_REQUESTS),
			    report_cell(a[2], 32, lvl, METRIC_ERRORS));
			report_md_cells(b, lvl);
			evbuffer_add_printf(b, "\n");
		}
		evbuffer_add_printf(b, "\n");
	}
	sys = json_object_get(r->doc, "system");
	if (isfinite(report_num(sys, "cpu_pct_avg")))
		evbuffer_add_printf(b, "loadd: CPU %s%% avg, %s%% max; "
		    "RSS %s max.", report_fmt(a[0], 32, report_num(sys,
		    "cpu_pct_avg"), 0), report_fmt(a[1], 32, report_num(sys,
		    "cpu_pct_max"), 0), report_bytes(a[2], 32, report_num(sys,
		    "rss_max_bytes")));
	if ((sys = json_object_get(sys, "target")) != NULL)
		evbuffer_add_printf(b, " Target: CPU %s%% avg, %s%% max; "
		    "RSS %s max, %s growth.", report_fmt(a[0], 32,
		    report_num(sys, "cpu_pct_avg"), 0), report_fmt(a[1], 32,
		    report_num(sys, "cpu_pct_max"), 0), report_bytes(a[2], 32,
		    report_num(sys, "rss_max_bytes")), report_bytes(a[3], 32,
		    report_num(sys, "rss_growth_bytes")));
	if (isfinite(report_num(json_object_get(r->doc, "system"),
	    "cpu_pct_avg")) || sys != NULL)
		evbuffer_add_printf(b, "\n\n");
}

/* format=md: compact, for a pull-request comment. */
int
report_md(struct report *r, struct evbuffer *b)
{
	json_t	*list, *t, **errs;
	char	 a[3][32];
	size_t	 i, n;

	report_md_verdict(r, b);
	report_md_facts(r, b);

	evbuffer_add_printf(b, "| Request | Requests | Failed | RPS | Avg ms "
	    "| p50 ms | p95 ms | p99 ms | Max ms |\n"
	    "|:--|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	report_md_row(b, "all", 1, json_object_get(r->doc, "overall"));
	json_array_foreach(json_object_get(r->doc, "requests"), i, t)
		report_md_row(b, report_str(t, "name"), 0, t);
	evbuffer_add_printf(b, "\n");
	report_md_extra(r, b);

	list = json_object_get(r->doc, "thresholds");
	if (json_array_size(list) > 0) {
		evbuffer_add_printf(b, "**Thresholds**\n\n");
		json_array_foreach(list, i, t) {
			evbuffer_add_printf(b, "- %s `",
			    json_is_true(json_object_get(t, "passed")) ?
			    "✓" : "✗");
			/* A rule has no backquote: the grammar forbids it. */
			evbuffer_add_printf(b, "%s` — actual %s\n",
			    report_str(t, "rule"), report_actual(a[0], 32, t));
		}
		evbuffer_add_printf(b, "\n");
	}

	errs = report_sorted_errors(r, &n);
	if (n > 0) {
		evbuffer_add_printf(b, "**Errors**\n\n| Request | Kind | "
		    "Status | Count | Example |\n|:--|:--|--:|--:|:--|\n");
		for (i = 0; i < n && i < 10; i++) {
			evbuffer_add_printf(b, "| ");
			report_esc_md(b, report_str(errs[i], "request"));
			evbuffer_add_printf(b, " | %s | %s | %s | ",
			    report_str(errs[i], "kind"), report_fmt(a[0], 32,
			    report_num(errs[i], "status"), 0), report_fmt(a[1],
			    32, report_num(errs[i], "count"), 0));
			report_esc_md(b, report_str(errs[i], "example"));
			evbuffer_add_printf(b, " |\n");
		}
		if (n > 10)
			evbuffer_add_printf(b, "\n…and %zu more.\n", n - 10);
		evbuffer_add_printf(b, "\n");
	}
	free(errs);

	json_array_foreach(json_object_get(r->doc, "warnings"), i, t) {
		evbuffer_add_printf(b, "> ⚠️ ");
		report_esc_md(b, json_string_value(t));
		evbuffer_add_printf(b, "\n");
	}
	return (0);
}

/* One CSV row: the scope's name, then every STATS value. */
static void
report_csv_row(struct evbuffer *b, const char *name, json_t *s)
{
	json_t	*v;
	char	*text;
	size_t	 i;

	report_esc_csv(b, name);
	for (i = 0; i < METRIC_N; i++) {
		if (metric_defs[i].json == NULL)
			continue;
		evbuffer_add_printf(b, ",");
		v = json_object_get(s, metric_defs[i].json);
		if (!json_is_number(v))
			continue;
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
		if (text == NULL)
			fatalx("json_dumps failed");
		evbuffer_add(b, text, strlen(text));
		free(text);
	}
	evbuffer_add_printf(b, "\r\n");
}

/* format=csv: a header, the whole run as "*", then each request. */
int
report_csv(struct report *r, struct evbuffer *b)
{
	json_t	*t;
	char	 name[48], vus[32];
	size_t	 i;

	evbuffer_add_printf(b, "request");
	for (i = 0; i < METRIC_N; i++)
		if (metric_defs[i].json != NULL)
			evbuffer_add_printf(b, ",%s", metric_defs[i].json);
	evbuffer_add_printf(b, "\r\n");
	report_csv_row(b, "*", json_object_get(r->doc, "overall"));
	json_array_foreach(json_object_get(r->doc, "requests"), i, t)
		report_csv_row(b, report_str(t, "name"), t);
	/* A sweep's levels after the requests: "level:VUS" (no name has ':'). */
	json_array_foreach(json_object_get(r->doc, "levels"), i, t) {
		snprintf(name, sizeof name, "level:%s", report_fmt(vus,
		    sizeof vus, report_num(t, "vus"), 0));
		report_csv_row(b, name, t);
	}
	return (0);
}

/*
 * format=junit: a threshold is a test case. A run without thresholds, or
 * one that did not complete, also gets a "run completed" case, so that a
 * stopped or aborted run cannot look green in CI.
 */
int
report_junit(struct report *r, struct evbuffer *b)
{
	json_t		*run = json_object_get(r->doc, "run"), *list, *t, *v;
	const char	*status = report_str(run, "status"), *key;
	char		 a[32], c[32];
	double		 secs;
	size_t		 i, failed, total, tests;
	int		 completed = strcmp(status, "completed") == 0;
	int		 own;	/* it did not pass for a reason of its own */

	list = json_object_get(r->doc, "thresholds");
	failed = report_failed_thresholds(r, &total);
	own = completed && failed == 0 &&
	    !json_is_true(json_object_get(r->doc, "passed"));
	tests = total;
	if (total == 0 || !completed || own) {
		tests++;
		if (!completed || own)
			failed++;
	}

	/* time is a number in the schema, also for a run that never ran */
	secs = report_num(run, "duration_s");
	evbuffer_add_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"loadd\" tests=\"%zu\" failures=\"%zu\" "
	    "errors=\"0\" time=\"%s\">\n", tests, failed,
	    report_fmt(a, sizeof a, isfinite(secs) ? secs : 0, 3));
	evbuffer_add_printf(b, "  <testsuite name=\"loadd: ");
	report_esc_xml(b, report_str(run, "scenario"));
	evbuffer_add_printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
	    "skipped=\"0\" time=\"%s\"", tests, failed, a);
	/* The schema's timestamp: seconds, no zone (ours is UTC). */
	if (strlen(report_str(run, "started_at")) >= 19) {
		snprintf(c, sizeof c, "%.19s", report_str(run, "started_at"));
		evbuffer_add_printf(b, " timestamp=\"");
		report_esc_xml(b, c);
		evbuffer_add_printf(b, "\"");
	}
	evbuffer_add_printf(b, ">\n    <properties>\n      <property "
	    "name=\"run_id\" value=\"%s\"/>\n      <property name=\"status\" "
	    "value=\"", report_fmt(c, sizeof c, report_num(run, "id"), 0));
	report_esc_xml(b, status);
	evbuffer_add_printf(b, "\"/>\n");
	json_object_foreach(json_object_get(run, "labels"), key, v) {
		evbuffer_add_printf(b, "      <property name=\"label.");
		report_esc_xml(b, key);
		evbuffer_add_printf(b, "\" value=\"");
		report_esc_xml(b, json_is_string(v) ? json_string_value(v) :
		    "");
		evbuffer_add_printf(b, "\"/>\n");
	}
	evbuffer_add_printf(b, "    </properties>\n");

	json_array_foreach(list, i, t) {
		evbuffer_add_printf(b, "    <testcase name=\"");
		report_esc_xml(b, report_str(t, "rule"));
		evbuffer_add_printf(b, "\" classname=\"loadd.thresholds\" "
		    "time=\"0\"");
		if (json_is_true(json_object_get(t, "passed"))) {
			evbuffer_add_printf(b, "/>\n");
			continue;
		}
		evbuffer_add_printf(b, ">\n      <failure message=\"");
		report_esc_xml(b, report_str(t, "rule"));
		evbuffer_add_printf(b, ": actual ");
		report_esc_xml(b, report_actual(a, sizeof a, t));
		evbuffer_add_printf(b, "\" type=\"threshold\"/>\n"
		    "    </testcase>\n");
	}
	if (total == 0 || !completed || own) {
		evbuffer_add_printf(b, "    <testcase name=\"run completed\" "
		    "classname=\"loadd.run\" time=\"0\"");
		if (completed && !own)
			evbuffer_add_printf(b, "/>\n");
		else {
			evbuffer_add_printf(b, ">\n      <failure "
			    "message=\"run ");
			report_esc_xml(b, status);
			if (json_is_string(json_object_get(r->doc, "reason"))) {
				evbuffer_add_printf(b, ": ");
				report_esc_xml(b, report_str(r->doc, "reason"));
			}
			evbuffer_add_printf(b, "\" type=\"status\"/>\n"
			    "    </testcase>\n");
		}
	}
	evbuffer_add_printf(b, "  </testsuite>\n</testsuites>\n");
	return (0);
}

