/* SPDX-License-Identifier: MIT */
/*
 * compare.c -- a run against a baseline (SPEC section 8): the tolerance
 * grammar, each metric's change and verdict, and a noise test on the two
 * runs' per-second values so that a change inside the run-to-run noise is
 * not called a regression. Pure functions plus reads through the caller's
 * SQLite connection; called from the API thread.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "loadd.h"

#define COMPARE_ALPHA		0.01	/* two-sided significance level */
#define COMPARE_MIN_SECONDS	6	/* fewer: no noise test (5 vs 5 can never reach the level) */
#define COMPARE_DEFAULT		"mean:10%,p95:10%,p99:20%,rps:10%,error_rate:1%"

/* The tolerance given for metric m of request ("" bare), or NULL. */
static const struct tolerance_item *
compare_tol_find(const struct tolerance *tol, const char *request,
    enum metric m)
{
	size_t	i;

	for (i = 0; i < tol->n; i++)
		if (tol->items[i].metric == m &&
		    strcmp(tol->items[i].request, request) == 0)
			return (&tol->items[i]);
	return (NULL);
}

/* Trim spaces at both ends of s, in place. */
static char *
compare_trim(char *s)
{
	char	*p;

	while (isspace((unsigned char)*s))
		s++;
	p = s + strlen(s);
	while (p > s && isspace((unsigned char)p[-1]))
		*--p = '\0';
	return (s);
}

/*
 * Parse "[REQUEST:]METRIC:N%,..." (SPEC sections 8 and 13): a bare metric
 * applies to the run and every request, a request's entry wins over the
 * bare one for that request. Returns 0, or -1 with *cause naming the bad
 * part.
 */
int
compare_parse_tolerance(const char *spec, struct tolerance *tol, char **cause)
{
	struct tolerance_item	*it;
	char			*copy, *item, *next, *colon, *metric, *end;
	char			*req;
	double			 v;
	int			 m, rc = -1;

	memset(tol, 0, sizeof *tol);
	if (spec == NULL || *spec == '\0')
		spec = COMPARE_DEFAULT;
	copy = xstrdup(spec);
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		item = compare_trim(item);
		if ((colon = strrchr(item, ':')) == NULL) {
			xasprintf(cause, "tolerance: expected [REQUEST:]METRIC:"
			    "N%% (as in p95:10%% or checkout:p95:5%%); got "
			    "\"%s\"", item);
			goto out;
		}
		*colon = '\0';
		req = NULL;
		metric = item;
		if ((end = strchr(item, ':')) != NULL) {
			*end = '\0';
			req = compare_trim(item);
			metric = end + 1;
			if (!parse_name(req)) {
				xasprintf(cause, "tolerance: \"%s\" is not a "
				    "request name", req);
				goto out;
			}
		}
		metric = compare_trim(metric);
		if ((m = metric_lookup(metric, strlen(metric), METRIC_TOL)) < 0) {
			xasprintf(cause, "tolerance: unknown metric \"%s\" "
			    "(expected one of %s)", metric,
			    metric_list(METRIC_TOL));
			goto out;
		}
		v = strtod(colon + 1, &end);
		if (end == colon + 1 || strcmp(compare_trim(end), "%") != 0 ||
		    !isfinite(v) || v < 0 || v > 1000) {
			xasprintf(cause, "tolerance: %s: expected a percentage "
			    "such as 10%%; got \"%s\"", metric, colon + 1);
			goto out;
		}
		if (compare_tol_find(tol, req != NULL ? req : "",
		    (enum metric)m) != NULL) {
			xasprintf(cause, "tolerance: %s%s%s given twice",
			    req != NULL ? req : "", req != NULL ? ":" : "",
			    metric);
			goto out;
		}
		if (tol->n == COMPARE_TOL_MAX) {
			xasprintf(cause, "tolerance: more than %d entries",
			    COMPARE_TOL_MAX);
			goto out;
		}
		it = &tol->items[tol->n++];
		snprintf(it->request, sizeof it->request, "%s",
		    req != NULL ? req : "");
		snprintf(it->name, sizeof it->name, "%s", metric);
		it->metric = (enum metric)m;
		it->pct = v;
	}
	if (tol->n == 0) {
		xasprintf(cause, "tolerance: empty");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return (rc);
}

/* The standard normal upper tail, for the test's p-value. */
static double
compare_norm_sf(double z)
{
	return (0.5 * erfc(z / M_SQRT2));
}

static int
compare_dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/*
 * Mann-Whitney U test of a against b (two-sided, normal approximation
 * with a tie correction). Returns the p-value; 1 when either is empty.
 */
double
compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb)
{
	struct { double v; int from_a; } *all;
	double	 ra = 0, u, mu, sigma, ties = 0, n, z, rank;
	size_t	 i, j, k;

	if (na == 0 || nb == 0)
		return (1);
	n = (double)(na + nb);
	all = xcalloc(na + nb, sizeof *all);
	for (i = 0; i < na; i++) {
		all[i].v = a[i];
		all[i].from_a = 1;
	}
	for (i = 0; i < nb; i++)
		all[na + i].v = b[i];
	/* Sort by value (the struct starts with it). */
	qsort(all, na + nb, sizeof *all, compare_dcmp);
	for (i = 0; i < na + nb; i = j) {
		for (j = i + 1; j < na + nb && all[j].v == all[i].v; j++)
			;
		rank = ((double)i + 1 + (double)j) / 2;	/* average rank */
		for (k = i; k < j; k++)
			if (all[k].from_a)
				ra += rank;
		if (j - i > 1)
			ties += pow((double)(j - i), 3) - (double)(j - i);
	}
	free(all);
	u = ra - (double)na * ((double)na + 1) / 2;
	mu = (double)na * (double)nb / 2;
	sigma = sqrt((double)na * (double)nb / 12 *
	    ((n + 1) - ties / (n * (n - 1))));
	if (sigma == 0)
		return (1);
	z = (fabs(u - mu) - 0.5) / sigma;	/* continuity correction */
	if (z < 0)
		z = 0;
	return (2 * compare_norm_sf(z));
}

/* A number for JSON, null for NAN. */
static json_t *
compare_num(double v, double scale)
{
	if (!isfinite(v))
		return (json_null());
	return (json_real(round(v * scale) / scale));
}

/*
 * One metric of one scope: change, verdict (beyond tolerance and beyond
 * the noise), and a note when the noise or missing data decided. NULL
 * when neither run has data for it (SPEC 13: left out).
 */
static json_t *
compare_one(struct store *st, int64_t base, int64_t cur, const char *request,
    const struct tolerance_item *it, const struct stats *bs,
    const struct stats *cs, int *regressed)
{
	double		 bv = bs->v[it->metric], cv = cs->v[it->metric];
	double		 tol = it->pct, change = NAN, *sa, *sb, p = -1;
	size_t		 na, nb;
	const char	*verdict = "unchanged", *note = NULL;
	int		 worse = 0, better = 0;

	if (!isfinite(bv) && !isfinite(cv))
		return (NULL);
	if (!isfinite(cv)) {
		worse = 1;
		note = "no data";
	} else if (!isfinite(bv))
		note = "no data in the baseline";
	else {
		change = bv != 0 ? 100.0 * (cv - bv) / bv :
		    (cv != 0 ? 100.0 : 0);
		if (metric_defs[it->metric].unit == UNIT_MS) {
			worse = cv > bv * (1 + tol / 100);
			better = cv < bv * (1 - tol / 100);
		} else if (it->metric == METRIC_RPS) {
			worse = cv < bv * (1 - tol / 100);
			better = cv > bv * (1 + tol / 100);
		} else {	/* error_rate: absolute percentage points */
			worse = cv - bv > tol;
			better = bv - cv > tol;
		}
	}
	if (note == NULL && (worse || better)) {
		sa = store_run_series(st, base, request, it->metric, &na);
		sb = store_run_series(st, cur, request, it->metric, &nb);
		if (na >= COMPARE_MIN_SECONDS && nb >= COMPARE_MIN_SECONDS) {
			p = compare_mann_whitney(sa, na, sb, nb);
			if (p >= COMPARE_ALPHA) {
				note = "within noise";
				worse = better = 0;
			}
		} else
			note = "too few seconds to test the noise";
		free(sa);
		free(sb);
	}
	if (worse) {
		verdict = "regressed";
		(*regressed)++;
	} else if (better)
		verdict = "improved";
	return (json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s?, s:o}",
	    "request", request, "metric", it->name,
	    "baseline", compare_num(bv, 1000), "current", compare_num(cv, 1000),
	    "change_pct", compare_num(change, 100), "verdict", verdict,
	    "note", note, "p_value", p >= 0 ? json_real(round(p * 10000) /
	    10000) : json_null()));
}

/*
 * Compare one scope ("*" or a request) under every tolerance that applies
 * to it: the bare ones, each replaced by the request's own for the same
 * metric, then the request's own for other metrics.
 */
static void
compare_scope(struct store *st, int64_t base, int64_t cur, const char *request,
    const struct tolerance *tol, json_t *bj, json_t *cj, json_t *metrics,
    int *regressed)
{
	const struct tolerance_item	*it, *own;
	struct stats			 bs, cs;
	json_t				*m;
	size_t				 i;
	int				 all = strcmp(request, "*") == 0;

	stats_from_json(&bs, bj);
	stats_from_json(&cs, cj);
	for (i = 0; i < tol->n; i++) {
		it = &tol->items[i];
		if (it->request[0] != '\0') {
			/* Another's, or compared in the bare one's place. */
			if (all || strcmp(it->request, request) != 0 ||
			    compare_tol_find(tol, "", it->metric) != NULL)
				continue;
		} else if (!all &&
		    (own = compare_tol_find(tol, request, it->metric)) != NULL)
			it = own;
		if ((m = compare_one(st, base, cur, request, it, &bs, &cs,
		    regressed)) != NULL)
			json_array_append_new(metrics, m);
	}
}

/* The request STATS of a summary by name, or NULL (borrowed). */
static json_t *
compare_find(json_t *summary, const char *name)
{
	json_t	*r;
	size_t	 i;

	json_array_foreach(json_object_get(summary, "requests"), i, r) {
		if (strcmp(json_string_value(json_object_get(r, "name")),
		    name) == 0)
			return (r);
	}
	return (NULL);
}

/* Warn when the two runs did not run alike. */
static void
compare_env(json_t *warnings, json_t *be, json_t *ce)
{
	static const char	*keys[] = { "host", "cores", "version",
				     "threads", NULL };
	json_t			*a, *b;
	char			*w, *sa, *sb;
	size_t			 i;

	for (i = 0; keys[i] != NULL; i++) {
		a = json_object_get(be, keys[i]);
		b = json_object_get(ce, keys[i]);
		if (a == NULL || b == NULL || json_equal(a, b))
			continue;
		sa = json_dumps(a, JSON_ENCODE_ANY);
		sb = json_dumps(b, JSON_ENCODE_ANY);
		xasprintf(&w, "the runs differ in %s (baseline %s, this run "
		    "%s): the comparison may reflect the machine, not the "
		    "code", keys[i], sa, sb);
		json_array_append_new(warnings, json_string(w));
		free(w);
		free(sa);
		free(sb);
	}
}

/*
 * Compare run cur with run base (both ended, with summaries). name is the
 * baseline's name or NULL. Returns the SPEC section 8 document.
 */
json_t *
compare_runs(struct store *st, int64_t base, int64_t cur, const char *name,
    const struct tolerance *tol, json_t *brun, json_t *crun)
{
	json_t		*bsum, *csum, *metrics, *added, *removed, *tj, *r;
	json_t		*warnings, *b;
	const char	*rn;
	char		*key;
	size_t		 i, k;
	int		 regressed = 0;

	bsum = json_object_get(brun, "summary");
	csum = json_object_get(crun, "summary");
	metrics = json_array();
	tj = json_object();
	for (k = 0; k < tol->n; k++) {
		if (tol->items[k].request[0] == '\0')
			json_object_set_new(tj, tol->items[k].name,
			    json_real(tol->items[k].pct));
		else {
			xasprintf(&key, "%s:%s", tol->items[k].request,
			    tol->items[k].name);
			json_object_set_new(tj, key,
			    json_real(tol->items[k].pct));
			free(key);
		}
	}
	compare_scope(st, base, cur, "*", tol, json_object_get(bsum,
	    "overall"), json_object_get(csum, "overall"), metrics, &regressed);
	added = json_array();
	removed = json_array();
	json_array_foreach(json_object_get(csum, "requests"), i, r) {
		rn = json_string_value(json_object_get(r, "name"));
		if ((b = compare_find(bsum, rn)) == NULL) {
			json_array_append_new(added, json_string(rn));
			continue;
		}
		compare_scope(st, base, cur, rn, tol, b, r, metrics,
		    &regressed);
	}
	json_array_foreach(json_object_get(bsum, "requests"), i, r) {
		rn = json_string_value(json_object_get(r, "name"));
		if (compare_find(csum, rn) == NULL)
			json_array_append_new(removed, json_string(rn));
	}
	warnings = json_array();
	compare_env(warnings, json_object_get(brun, "env"),
	    json_object_get(crun, "env"));
	if (strcmp(json_string_value(json_object_get(brun, "scenario")),
	    json_string_value(json_object_get(crun, "scenario"))) != 0)
		json_array_append_new(warnings, json_string("the runs are of "
		    "different scenarios"));
	return (json_pack("{s:{s:s?, s:I}, s:I, s:o, s:o, s:o, s:o, s:o, "
	    "s:i, s:b}",
	    "baseline", "name", name, "run_id", (json_int_t)base,
	    "run_id", (json_int_t)cur, "tolerance", tj, "metrics", metrics,
	    "added", added, "removed", removed, "warnings", warnings,
	    "regressions", regressed, "passed", regressed == 0));
}

/* A value with a unit that suits its metric; "–" without data. */
static void
compare_md_value(struct evbuffer *b, const char *metric, json_t *jv)
{
	double	v = json_number_value(jv);

	if (!json_is_number(jv))
		evbuffer_add_printf(b, "–");
	else if (strcmp(metric, "rps") == 0)
		evbuffer_add_printf(b, "%.1f/s", v);
	else if (strcmp(metric, "error_rate") == 0)
		evbuffer_add_printf(b, "%.2f%%", v);
	else
		evbuffer_add_printf(b, "%.2f ms", v);
}

/* The comparison as Markdown, for a pull-request comment. */
char *
compare_md(json_t *c)
{
	struct evbuffer	*b;
	json_t		*m, *base = json_object_get(c, "baseline"), *v;
	const char	*verdict, *name;
	char		*out;
	size_t		 i, len;
	int		 n = (int)json_integer_value(json_object_get(c,
			    "regressions"));

	if ((b = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	name = json_string_value(json_object_get(base, "name"));
	if (n == 0)
		evbuffer_add_printf(b, "✅ **no regression**");
	else
		evbuffer_add_printf(b, "❌ **%d regression%s**", n,
		    n == 1 ? "" : "s");
	evbuffer_add_printf(b, ": run %lld against %s%s (run %lld)\n\n",
	    (long long)json_integer_value(json_object_get(c, "run_id")),
	    name != NULL ? "baseline " : "run", name != NULL ? name : "",
	    (long long)json_integer_value(json_object_get(base, "run_id")));
	evbuffer_add_printf(b, "| Request | Metric | Baseline | Current | "
	    "Change | Verdict |\n|:--|:--|--:|--:|--:|:--|\n");
	json_array_foreach(json_object_get(c, "metrics"), i, m) {
		verdict = json_string_value(json_object_get(m, "verdict"));
		name = json_string_value(json_object_get(m, "request"));
		evbuffer_add_printf(b, "| %s | %s | ", strcmp(name, "*") == 0 ?
		    "**all**" : name, json_string_value(json_object_get(m,
		    "metric")));
		compare_md_value(b, json_string_value(json_object_get(m,
		    "metric")), json_object_get(m, "baseline"));
		evbuffer_add_printf(b, " | ");
		compare_md_value(b, json_string_value(json_object_get(m,
		    "metric")), json_object_get(m, "current"));
		v = json_object_get(m, "note");
		if (json_is_number(json_object_get(m, "change_pct")))
			evbuffer_add_printf(b, " | %+.1f%%", json_number_value(
			    json_object_get(m, "change_pct")));
		else
			evbuffer_add_printf(b, " | –");
		evbuffer_add_printf(b, " | %s%s%s%s%s |\n",
		    strcmp(verdict, "regressed") == 0 ? "❌ " :
		    strcmp(verdict, "improved") == 0 ? "✅ " : "",
		    verdict, json_is_string(v) ? " (" : "",
		    json_is_string(v) ? json_string_value(v) : "",
		    json_is_string(v) ? ")" : "");
	}
	json_array_foreach(json_object_get(c, "added"), i, v)
		evbuffer_add_printf(b, "\n- added: `%s`", json_string_value(v));
	json_array_foreach(json_object_get(c, "removed"), i, v)
		evbuffer_add_printf(b, "\n- removed: `%s`",
		    json_string_value(v));
	json_array_foreach(json_object_get(c, "warnings"), i, v)
		evbuffer_add_printf(b, "\n> ⚠ %s", json_string_value(v));
	evbuffer_add(b, "\n", 1);
	len = evbuffer_get_length(b);
	out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return (out);
}
