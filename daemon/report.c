/* SPDX-License-Identifier: MIT */
/*
 * report.c -- the report of an ended run (SPEC section 7): read the run row,
 * its intervals and its system_metrics through the caller's store and
 * build the format=json document, which every format renders:
 * report-text.c (json, md, csv, junit), report-html.c (html). Called from
 * the API thread; blocks on SQLite reads.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "loadd.h"


/* The formats: name, MIME type, renderer. */
static const struct {
	const char	*name;
	const char	*ctype;
	int		(*render)(struct report *, struct evbuffer *);
} report_formats[] = {
	{ "json", "application/json", report_json },
	{ "md", "text/markdown; charset=utf-8", report_md },
	{ "csv", "text/csv; charset=utf-8", report_csv },
	{ "html", "text/html; charset=utf-8", report_html },
	{ "junit", "application/xml", report_junit },
};
#define REPORT_NFORMATS	(sizeof report_formats / sizeof report_formats[0])

/* A string member, or "" (borrowed). */
const char *
report_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

/* A number member, or NAN when absent or null. */
double
report_num(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return (json_is_number(v) ? json_number_value(v) : NAN);
}

/* Average and maximum of column col of the system rows; 0 if none. */
static int
report_sys_stats(struct report *r, int col, double *avg, double *max,
    double *first, double *last)
{
	double	sum = 0, v;
	size_t	i, n = 0;

	*avg = *max = *first = *last = NAN;
	for (i = 0; i < r->nsys; i++) {
		v = r->sys[i].v[col];
		if (isnan(v))
			continue;
		if (n == 0 || v > *max)
			*max = v;
		if (n == 0)
			*first = v;
		*last = v;
		sum += v;
		n++;
	}
	if (n > 0)
		*avg = sum / (double)n;
	return (n > 0);
}

/* A real rounded to one decimal, or null. */
static json_t *
report_real1(double v)
{
	return (isfinite(v) ? json_real(round(v * 10) / 10) : json_null());
}

/* An integer from a double, or null. */
static json_t *
report_int(double v)
{
	return (isfinite(v) ? json_integer((json_int_t)llround(v)) :
	    json_null());
}

/* The "system" object: loadd's own CPU and memory, and the target's. */
static json_t *
report_system(struct report *r, json_t *summary)
{
	json_t	*start = json_object_get(summary, "system_samples");
	json_t	*sys, *target;
	double	 avg, max, first, last, ravg, rmax, rfirst, rlast;
	int	 cpu, rss;

	report_sys_stats(r, 0, &avg, &max, &first, &last);
	report_sys_stats(r, 1, &ravg, &rmax, &rfirst, &rlast);
	sys = json_pack("{s:o, s:o, s:o}", "cpu_pct_avg", report_real1(avg),
	    "cpu_pct_max", report_real1(max), "rss_max_bytes",
	    report_int(rmax));
	cpu = report_sys_stats(r, 2, &avg, &max, &first, &last);
	rss = report_sys_stats(r, 3, &ravg, &rmax, &rfirst, &rlast);
	if (cpu || rss) {
		target = json_pack("{s:o, s:o, s:o, s:o}",
		    "cpu_pct_avg", report_real1(avg),
		    "cpu_pct_max", report_real1(max),
		    "rss_max_bytes", report_int(rmax),
		    "rss_growth_bytes", report_int(rlast -
			(json_is_number(json_object_get(start,
			"target_rss_start_bytes")) ? json_number_value(
			json_object_get(start, "target_rss_start_bytes")) :
			rfirst)));
		json_object_set_new(sys, "target", target);
	}
	return (sys);
}

/* Warnings: what makes the numbers less than they seem. */
static json_t *
report_warnings(json_t *doc, json_t *summary)
{
	json_t		*list = json_array(), *open;
	double		 cpu, threads, late, total, shed, dropped, capped, n;
	char		*why = NULL, *s, a[32], b[32];

	/* Per process: 100% is one core, so threads x 100% is the ceiling. */
	cpu = report_num(json_object_get(doc, "system"), "cpu_pct_avg");
	threads = report_num(json_object_get(doc, "env"), "threads");
	if (!(threads >= 1))
		threads = report_num(json_object_get(doc, "env"), "cores");
	if (!(threads >= 1))
		threads = 1;
	if (isfinite(cpu) && cpu >= 90 * threads)
		xasprintf(&why, "loadd averaged %s%% CPU with %.0f worker "
		    "thread%s", report_fmt(a, sizeof a, cpu, 0), threads,
		    threads == 1 ? "" : "s");

	open = json_object_get(summary, "open");
	late = report_num(open, "late_iterations");
	total = report_num(json_object_get(doc, "overall"),
	    METRIC_KEY(METRIC_REQUESTS));
	if (late > 0 && total > 0 && late > total / 100) {
		xasprintf(&s, "%s%s%.0f of %.0f iterations (%s%%) started late",
		    why != NULL ? why : "", why != NULL ? "; " : "", late,
		    total, report_fmt(b, sizeof b, 100 * late / total, 1));
		free(why);
		why = s;
	}
	if (why != NULL) {
		xasprintf(&s, "the load generator was saturated (%s): the "
		    "numbers measure loadd, not the target", why);
		json_array_append_new(list, json_string(s));
		free(s);
		free(why);
	}
	dropped = report_num(open, "dropped_iterations");
	if (dropped > 0) {
		xasprintf(&s, "%.0f iterations were dropped: max_vus were all "
		    "busy and the backlog was full", dropped);
		json_array_append_new(list, json_string(s));
		free(s);
	}
	shed = report_num(summary, "samples_shed");
	if (shed > 0) {
		xasprintf(&s, "%.0f raw samples were not stored (the sample "
		    "writer fell behind); the statistics still count them",
		    shed);
		json_array_append_new(list, json_string(s));
		free(s);
	}
	n = report_num(json_object_get(summary, "system_samples"), "count");
	if (isfinite(n) && n < 3) {
		xasprintf(&s, "CPU and memory rest on %.0f sample%s (taken at "
		    "the start, each second and the end): the run was too "
		    "short for more", n, n == 1 ? "" : "s");
		json_array_append_new(list, json_string(s));
		free(s);
	}
	capped = report_num(summary, "samples_capped");
	if (capped > 0) {
		xasprintf(&s, "%.0f raw samples were not stored: the run "
		    "reached max_samples; the statistics still count them",
		    capped);
		json_array_append_new(list, json_string(s));
		free(s);
	}
	return (list);
}

/* A member of o (a new reference), or dflt when absent. */
static json_t *
report_take(json_t *o, const char *key, json_t *dflt)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL)
		return (dflt);
	json_decref(dflt);
	return (json_incref(v));
}

/* Build the SPEC section 7 document from the run row and what was loaded. */
static void
report_build(struct report *r, json_t *run)
{
	json_t	*summary = json_object_get(run, "summary"), *doc, *th, *t;
	json_t	*reqs, *o;
	size_t	 i;

	doc = json_object();
	json_object_set_new(doc, "run", json_pack("{s:O, s:O, s:O, s:O, "
	    "s:O, s:o, s:o}",
	    "id", json_object_get(run, "id"),
	    "scenario", json_object_get(run, "scenario"),
	    "status", json_object_get(run, "status"),
	    "started_at", json_object_get(run, "started_at"),
	    "ended_at", json_object_get(run, "ended_at"),
	    "duration_s", report_take(summary, "duration_s", json_null()),
	    "labels", report_take(run, "labels", json_object())));
	/* SPEC 18: what carried the requests, and h2's waits for a stream. */
	json_object_set_new(doc, "protocol", report_take(summary, "protocol",
	    json_null()));
	json_object_set_new(doc, "stream_waits", report_take(summary,
	    "stream_waits", json_null()));
	json_object_set_new(doc, "passed", report_take(run, "passed",
	    json_null()));
	json_object_set_new(doc, "overall", report_take(summary, "overall",
	    json_object()));
	/* Each request's name first, then its STATS. */
	reqs = json_array();
	json_array_foreach(json_object_get(summary, "requests"), i, t) {
		o = json_pack("{s:O*}", "name", json_object_get(t, "name"));
		json_object_update_missing(o, t);
		json_array_append_new(reqs, o);
	}
	json_object_set_new(doc, "requests", reqs);

	/* Every threshold has the same keys, request null for the run. */
	th = json_deep_copy(json_object_get(summary, "thresholds"));
	if (!json_is_array(th)) {
		json_decref(th);
		th = json_array();
	}
	json_array_foreach(th, i, t) {
		if (json_object_get(t, "request") == NULL)
			json_object_set_new(t, "request", json_null());
	}
	json_object_set_new(doc, "thresholds", th);
	json_object_set_new(doc, "errors", report_take(summary, "errors",
	    json_array()));
	if (json_object_get(summary, "levels") != NULL)
		json_object_set(doc, "levels",
		    json_object_get(summary, "levels"));
	if (json_object_get(summary, "open") != NULL)
		json_object_set(doc, "open", json_object_get(summary, "open"));
	json_object_set_new(doc, "system", report_system(r, summary));
	t = json_object_get(run, "env");
	json_object_set_new(doc, "env", json_is_object(t) ? json_incref(t) :
	    json_object());
	if (json_is_string(json_object_get(run, "reason")))
		json_object_set(doc, "reason", json_object_get(run, "reason"));
	json_object_set_new(doc, "warnings", report_warnings(doc, summary));
	r->doc = doc;
}

/* Release what report_load gathered. */
static void
report_clear(struct report *r)
{
	json_decref(r->doc);
	free(r->iv);
	free(r->sys);
	hist_free(r->hist);
	memset(r, 0, sizeof *r);
}

/* Gather a run's report: 1 done, 0 no such run, -1 error with *cause. */
static int
report_load(struct store *st, int64_t id, struct report *r, char **cause)
{
	json_t	*run, *c;
	char	*why;
	int	 rc;

	memset(r, 0, sizeof *r);
	if ((rc = store_run_get(st, id, &run, cause)) != 1)
		return (rc);
	if (store_run_points(st, id, &r->iv, &r->niv, cause) != 0 ||
	    store_run_system(st, id, &r->sys, &r->nsys, cause) != 0) {
		json_decref(run);
		report_clear(r);
		return (-1);
	}
	/* A damaged histogram costs the report its spectrum, not the rest. */
	if ((r->hist = store_run_hist(st, id, "*", &why)) == NULL &&
	    why != NULL) {
		log_warn("run %lld: latency spectrum left out: %s",
		    (long long)id, why);
		free(why);
	}
	report_build(r, run);
	json_decref(run);
	if ((c = store_comparison_get(st, id)) != NULL)
		json_object_set_new(r->doc, "comparison", c);
	return (1);
}

/* Is format one of the report formats (NULL: json)? */
int
report_format_known(const char *format)
{
	size_t	i;

	if (format == NULL)
		return (1);
	for (i = 0; i < REPORT_NFORMATS; i++)
		if (strcmp(report_formats[i].name, format) == 0)
			return (1);
	return (0);
}

/*
 * Render the report of run id in format (NULL means json) into *out, a
 * malloc'd NUL-terminated document of *outlen bytes, with its MIME type in
 * *ctype (static). Returns 1, 0 when the run does not exist, or -1 with
 * *cause: an unknown format (check report_format_known() first) or a
 * server error. Whether the run has ended is the caller's business: a run
 * without a summary gets empty stats.
 */
int
report_render(struct store *st, int64_t id, const char *format, char **out,
    size_t *outlen, const char **ctype, char **cause)
{
	struct report		 r;
	struct evbuffer		*b;
	size_t			 i, len;
	int			 rc;

	if (format == NULL)
		format = "json";
	for (i = 0; i < REPORT_NFORMATS; i++)
		if (strcmp(report_formats[i].name, format) == 0)
			break;
	if (i == REPORT_NFORMATS) {
		xasprintf(cause, "format: expected one of json, md, csv, html, "
		    "junit; got \"%s\"", format);
		return (-1);
	}
	if ((rc = report_load(st, id, &r, cause)) != 1)
		return (rc);
	if ((b = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	report_formats[i].render(&r, b);
	len = evbuffer_get_length(b);
	*out = xmalloc(len + 1);
	if (evbuffer_remove(b, *out, len) != (int)len)
		fatalx("evbuffer_remove failed");
	(*out)[len] = '\0';
	*outlen = len;
	*ctype = report_formats[i].ctype;
	evbuffer_free(b);
	report_clear(&r);
	return (1);
}
