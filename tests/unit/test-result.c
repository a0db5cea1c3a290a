/* SPDX-License-Identifier: MIT */
/*
 * test-result.c -- the typed result model (result.c, stats.c): the same
 * per-second statistics through a normal finish and through the crash
 * rebuild from intervals give the same summary; no data is null in JSON
 * and NULL in run_stats; the null rules of thresholds and of a run with no
 * successful request.
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

#define SECONDS	6
#define NNAMES	3	/* "fast", "slow", "dead" (never answered) */

static sqlite3	*raw;	/* the test's own connection */

static uint64_t	rnd_state = 0x9e3779b97f4a7c15ULL;

static double
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return ((double)(rnd_state >> 11) / 9007199254740992.0);
}

/* One second of the workers' statistics: latencies in ns. */
static struct wblock *
second(int64_t s)
{
	struct wblock	*b = wblock_create(NNAMES);
	uint64_t	 ns;
	int		 i, k;

	b->second = s;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 200 + 37 * (int)s; i++) {
			ns = (uint64_t)((k == 0 ? 2e6 : 40e6) *
			    (0.5 + rnd()));
			hist_record(&b->stats[k].lat, ns);
			hist_record(&b->overall.lat, ns);
			b->stats[k].ok++;
			b->overall.ok++;
		}
	}
	/* "dead": refused connections only; no latency. */
	b->stats[2].failed += 50;
	b->stats[2].errors[ERR_CONNECT] += 50;
	b->overall.failed += 50;
	return (b);
}

/* Store one intervals row as the writer does. */
static void
interval(sqlite3 *db, int64_t run, int64_t s, const char *name,
    const struct wstat *w)
{
	sqlite3_stmt	*st;
	unsigned char	*blob;
	size_t		 len;

	if (sqlite3_prepare_v2(db, "INSERT INTO intervals (run_id, second, "
	    "request, requests, errors, hist) VALUES (?, ?, ?, ?, ?, ?)", -1,
	    &st, NULL) != SQLITE_OK)
		fatalx("prepare: %s", sqlite3_errmsg(db));
	len = hist_encode(&w->lat, &blob);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, s);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(w->ok + w->failed));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)w->failed);
	sqlite3_bind_blob(st, 6, blob, (int)len, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		fatalx("step: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(blob);
}

/* One value of a query, as text ("NULL" for NULL). */
static char *
query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	char		*out;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("prepare: %s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		out = xstrdup((const char *)sqlite3_column_text(st, 0));
	else
		out = xstrdup("NULL");
	sqlite3_finalize(st);
	return (out);
}

/* Two STATS objects agree on every latency and count key. */
static int
same_stats(json_t *a, json_t *b, const char *what)
{
	json_t	*va, *vb;
	int	 i, same = 1;

	for (i = 0; i < METRIC_N; i++) {
		if (metric_defs[i].json == NULL ||
		    metric_defs[i].unit == UNIT_BYTES)
			continue;
		va = json_object_get(a, metric_defs[i].json);
		vb = json_object_get(b, metric_defs[i].json);
		if (json_is_null(va) && json_is_null(vb))
			continue;
		if (!json_is_number(va) || !json_is_number(vb) ||
		    fabs(json_number_value(va) - json_number_value(vb)) >
		    1e-9) {
			diag("%s: %s differs", what, metric_defs[i].json);
			same = 0;
		}
	}
	return (same);
}

/* A run whose summary is given, for comparisons. */
static int64_t
summary_run(struct store *st, json_t *spec, json_t *summary)
{
	json_t	*labels = json_object();
	char	*text, *cause, *sql;
	int64_t	 id;

	if (store_run_insert(st, spec, labels, NULL, &id, &cause) != 0)
		fatalx("%s", cause);
	json_decref(labels);
	text = json_dumps(summary, JSON_COMPACT);
	xasprintf(&sql, "UPDATE runs SET status = 'completed', summary = '%s' "
	    "WHERE id = %lld", text, (long long)id);
	if (sqlite3_exec(raw, sql, NULL, NULL, NULL) != SQLITE_OK)
		fatalx("%s", sqlite3_errmsg(raw));
	free(sql);
	free(text);
	return (id);
}

/* The verdict of (request, metric) in a comparison, or "" when left out. */
static const char *
verdict(json_t *c, const char *request, const char *metric, json_t **m)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(json_object_get(c, "metrics"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "request")),
		    request) == 0 && strcmp(json_string_value(
		    json_object_get(v, "metric")), metric) == 0) {
			if (m != NULL)
				*m = v;
			return (json_string_value(json_object_get(v,
			    "verdict")));
		}
	}
	return ("");
}

/*
 * The null rules of comparisons (SPEC 13): data in the baseline and none
 * in the run regresses; none on either side is left out; a request's own
 * tolerance wins over the bare one.
 */
static void
test_compare(struct store *st, int64_t base, json_t *spec, char **names)
{
	struct tolerance tol;
	struct wblock	*b;
	struct result	 res;
	json_t		*sum, *brun, *crun, *c, *m = NULL;
	char		*cause;
	int64_t		 dead, same;

	/* The dead run: only refusals, for every name. */
	b = wblock_create(NNAMES);
	b->stats[0].failed = b->stats[1].failed = 10;
	b->stats[2].failed = 50 * SECONDS;	/* as many as the baseline's */
	b->overall.failed = 20 + 50 * SECONDS;
	result_build(&res, names, NNAMES, b, SECONDS, spec);
	sum = result_summary(&res);
	dead = summary_run(st, spec, sum);
	json_decref(sum);
	result_free(&res);
	free(b);
	if (store_run_get(st, base, &brun, &cause) != 1 ||
	    store_run_get(st, dead, &crun, &cause) != 1)
		fatalx("store_run_get");
	if (compare_parse_tolerance("p95:10%,rps:10%,fast:p95:1%", &tol,
	    &cause) != 0)
		fatalx("%s", cause);
	c = compare_runs(st, base, dead, NULL, &tol, brun, crun);
	is_str(verdict(c, "*", "p95", &m), "regressed",
	    "compare: p95 with no data in the run regresses");
	is_str(json_string_value(json_object_get(m, "note")), "no data",
	    "compare: with the note no data");
	ok(json_is_null(json_object_get(m, "current")) &&
	    json_is_null(json_object_get(m, "change_pct")),
	    "compare: current and change are null");
	is_str(verdict(c, "dead", "p95", NULL), "",
	    "compare: no data on either side is left out");
	is_str(verdict(c, "dead", "rps", NULL), "unchanged",
	    "compare: a rate with data on both sides is compared");
	ok(json_is_false(json_object_get(c, "passed")),
	    "compare: the comparison fails");
	json_decref(c);

	/* A run against itself: the request tolerance replaces the bare. */
	same = base;
	c = compare_runs(st, base, same, NULL, &tol, brun, brun);
	ok(json_array_size(json_object_get(c, "metrics")) > 0 &&
	    json_is_true(json_object_get(c, "passed")),
	    "compare: a run against itself passes");
	verdict(c, "fast", "p95", &m);
	is_str(json_string_value(json_object_get(m, "metric")), "p95",
	    "compare: fast's p95 is compared once");
	ok(json_number_value(json_object_get(json_object_get(c, "tolerance"),
	    "fast:p95")) == 1, "compare: under its own tolerance");
	json_decref(c);
	json_decref(brun);
	json_decref(crun);
}

/*
 * Migration 0005 on a file of schema 4 holding the zeros loadd used to
 * write for no data: they become NULL in run_stats, intervals and the
 * stored summary, and such a run no longer passes.
 */
static void
test_migration(const char *dir)
{
	struct store	*st;
	sqlite3		*db;
	char		*path, *cause, *v;
	size_t		 i;

	xasprintf(&path, "%s/old.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("sqlite3_open");
	for (i = 0; i < nmigrations && migrations[i].version <= 4; i++)
		if (sqlite3_exec(db, migrations[i].sql, NULL, NULL, NULL) !=
		    SQLITE_OK)
			fatalx("migration %d: %s", migrations[i].version,
			    sqlite3_errmsg(db));
	if (sqlite3_exec(db, "PRAGMA user_version = 4;"
	    "INSERT INTO runs (id, scenario, spec, status, passed, created_at, "
	    "labels, summary) VALUES (1, 'dead', '{}', 'completed', 1, 'x', "
	    "'{}', '{\"overall\":{\"total_requests\":5,"
	    "\"p95_latency_ms\":0.0,\"max_latency_ms\":0.0},\"requests\":"
	    "[{\"name\":\"a\",\"p95_latency_ms\":0.0,"
	    "\"max_latency_ms\":0.0}]}');"
	    "INSERT INTO run_stats (run_id, request, total_requests, "
	    "successful_requests, failed_requests, throughput_rps, avg_ms, "
	    "p50_ms, p95_ms, max_ms) VALUES (1, '*', 5, 0, 5, 5, 0, 0, 0, 0);"
	    "INSERT INTO intervals (run_id, second, request, requests, errors, "
	    "p50_ms, p95_ms, p99_ms, max_ms) VALUES (1, 0, '*', 5, 5, 0, 0, 0, "
	    "0);", NULL, NULL, NULL) != SQLITE_OK)
		fatalx("%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	if ((st = store_open(path, STORE_MIGRATE, &cause)) == NULL)
		fatalx("%s", cause);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("sqlite3_open");
	v = query(db, "SELECT quote(p95_ms) || quote(avg_ms) || "
	    "quote(p25_ms) || quote(throughput_rps) FROM run_stats");
	is_str(v, "NULLNULLNULL5.0", "migration: run_stats zeros are NULL");
	free(v);
	v = query(db, "SELECT quote(p50_ms) || quote(max_ms) FROM intervals");
	is_str(v, "NULLNULL", "migration: intervals zeros are NULL");
	free(v);
	v = query(db, "SELECT summary->'$.overall.p95_latency_ms' || ',' || "
	    "(summary->'$.requests[0].p95_latency_ms') || ',' || "
	    "(summary->'$.overall.total_requests') FROM runs");
	is_str(v, "null,null,5", "migration: and in the stored summary");
	free(v);
	v = query(db, "SELECT passed || ' ' || reason FROM runs");
	is_str(v, "0 no successful request",
	    "migration: a run without a success no longer passed");
	free(v);
	v = query(db, "SELECT count(*) FROM run_summary WHERE p75_ms IS NULL");
	is_str(v, "1", "migration: run_summary has p75_ms");
	free(v);
	ok(sqlite3_exec(db, "INSERT INTO errors (run_id, request, kind, count) "
	    "VALUES (1, 'a', 'check', 1)", NULL, NULL, NULL) == SQLITE_OK,
	    "migration: errors take the kind check");
	ok(sqlite3_exec(db, "INSERT INTO errors (run_id, request, kind, count) "
	    "VALUES (1, 'a', 'nonsense', 1)", NULL, NULL, NULL) != SQLITE_OK,
	    "migration: and still refuse an unknown kind");
	sqlite3_close(db);
	store_close(st);
	unlink(path);
	free(path);
}

int
main(void)
{
	char		 dir[] = "/tmp/loadd-test-result.XXXXXX", *path, *cause;
	char		*names[NNAMES] = { "fast", "slow", "dead" }, *v;
	struct store	*st;
	struct wblock	*total, *b;
	struct result	 res;
	struct plan	 plan;
	struct plan_threshold th[4];
	json_t		*spec, *a, *rb, *rd, *run, *reqs, *verdicts, *t, *labels;
	int64_t		 id, s;
	size_t		 i;
	int		 k, passed;

	log_init(LOG_CRIT, 0);
	store_init();
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	xasprintf(&path, "%s/t.db", dir);
	if ((st = store_open(path, STORE_MIGRATE, &cause)) == NULL)
		fatalx("%s", cause);
	/* Fixtures and checks through a plain connection of the test's own. */
	if (sqlite3_open(path, &raw) != SQLITE_OK)
		fatalx("sqlite3_open");
	sqlite3_busy_timeout(raw, 5000);
	/* The scenario order: slow, then dead, then fast. */
	spec = json_pack("{s:s, s:[{s:s}, {s:s}, {s:s}]}", "name", "mix",
	    "requests", "name", "slow", "name", "dead", "name", "fast");
	labels = json_object();
	if (store_run_insert(st, spec, labels, NULL, &id, &cause) != 0)
		fatalx("%s", cause);
	json_decref(labels);

	/* The same seconds, merged in memory and written as intervals. */
	total = wblock_create(NNAMES);
	for (s = 0; s < SECONDS; s++) {
		b = second(s);
		for (k = 0; k < NNAMES; k++)
			interval(raw, id, s, names[k], &b->stats[k]);
		interval(raw, id, s, "*", &b->overall);
		wblock_merge(total, b);
		free(b);
	}

	/* Finish: from the merged blocks. */
	result_build(&res, names, NNAMES, total, SECONDS, spec);
	result_judge(&res, NULL, 1);
	ok(res.passed, "a completed run with successes and no thresholds "
	    "passes");
	a = result_summary(&res);
	reqs = json_object_get(a, "requests");
	ok(strcmp(json_string_value(json_object_get(json_array_get(reqs, 0),
	    "name")), "slow") == 0 && strcmp(json_string_value(
	    json_object_get(json_array_get(reqs, 2), "name")), "fast") == 0,
	    "requests in the scenario's order");
	t = json_array_get(reqs, 1);
	ok(json_is_null(json_object_get(t, "p95_latency_ms")) &&
	    json_is_null(json_object_get(t, "avg_latency_ms")) &&
	    json_is_null(json_object_get(t, "min_latency_ms")) &&
	    json_is_null(json_object_get(t, "std_dev_ms")),
	    "a request without a response: latency null, not 0");
	ok(json_number_value(json_object_get(t, "success_rate_pct")) == 0 &&
	    json_integer_value(json_object_get(t, "failed_requests")) ==
	    50 * SECONDS, "its counts and rates are numbers");
	if (store_result_put(st, id, &res, &cause) != 0)
		fatalx("%s", cause);
	v = query(raw, "SELECT quote(p95_ms) || ',' || quote(avg_ms) "
	    "|| ',' || quote(max_ms) FROM run_stats WHERE request = 'dead'");
	is_str(v, "NULL,NULL,NULL", "run_stats: NULL latency for it");
	free(v);
	v = query(raw, "SELECT typeof(p25_ms) || typeof(p75_ms) "
	    "FROM run_stats WHERE request = '*'");
	is_str(v, "realreal", "run_stats has p25 and p75");
	free(v);
	result_free(&res);

	/* Rebuild: the same seconds, read back from intervals. */
	store_run_rebuild(st, id);
	if (store_run_get(st, id, &run, &cause) != 1)
		fatalx("store_run_get");
	rb = json_object_get(run, "summary");
	ok(json_is_true(json_object_get(rb, "rebuilt")), "the rebuild says so");
	ok(same_stats(json_object_get(a, "overall"),
	    json_object_get(rb, "overall"), "overall"),
	    "finish and rebuild agree on the whole run");
	for (i = 0; i < NNAMES; i++)
		ok(same_stats(json_array_get(json_object_get(a, "requests"), i),
		    json_array_get(json_object_get(rb, "requests"), i),
		    names[i]) && strcmp(json_string_value(json_object_get(
		    json_array_get(json_object_get(rb, "requests"), i),
		    "name")), json_string_value(json_object_get(
		    json_array_get(json_object_get(a, "requests"), i),
		    "name"))) == 0, "finish and rebuild agree on request %zu", i);
	ok(json_is_null(json_object_get(json_object_get(rb, "overall"),
	    "bytes_sent")), "rebuild: bytes are unknown (null), not 0");

	/*
	 * A damaged histogram fails hist_merge(): the rebuild keeps the
	 * counts and leaves the latency out (null), never a crash.
	 */
	if (sqlite3_exec(raw, "CREATE TABLE kept AS SELECT rowid AS r, hist "
	    "FROM intervals WHERE run_id = 1 AND second = 3 AND request = '*';"
	    "UPDATE intervals SET hist = x'01ff' WHERE run_id = 1 AND second "
	    "= 3 AND request = '*'", NULL, NULL, NULL) != SQLITE_OK)
		fatalx("%s", sqlite3_errmsg(raw));
	store_run_rebuild(st, id);
	if (store_run_get(st, id, &rd, &cause) != 1)
		fatalx("store_run_get");
	t = json_object_get(json_object_get(rd, "summary"), "overall");
	ok(json_integer_value(json_object_get(t, "total_requests")) ==
	    json_integer_value(json_object_get(json_object_get(rb, "overall"),
	    "total_requests")) && json_is_null(json_object_get(t,
	    "p95_latency_ms")), "rebuild with a damaged blob: counts kept, "
	    "latency null");
	json_decref(rd);
	if (sqlite3_exec(raw, "UPDATE intervals SET hist = (SELECT hist FROM "
	    "kept) WHERE rowid = (SELECT r FROM kept); DROP TABLE kept", NULL,
	    NULL, NULL) != SQLITE_OK)
		fatalx("%s", sqlite3_errmsg(raw));
	store_run_rebuild(st, id);
	json_decref(run);

	/* Thresholds: no data fails, with a note; numbers are judged. */
	memset(&plan, 0, sizeof plan);
	memset(th, 0, sizeof th);
	plan.stat_names = names;
	plan.nstats = NNAMES;
	plan.thresholds = th;
	plan.nthresholds = 4;
	th[0].rule = "dead: p95 < 100ms";
	th[1].rule = "fast: p95 < 100ms";
	th[2].rule = "dead: error_rate <= 100%";
	th[3].rule = "mean < 1s";
	for (k = 0; k < 4; k++)
		if (threshold_parse(th[k].rule, &th[k].t, &cause) != 0)
			fatalx("%s", cause);
	result_build(&res, names, NNAMES, total, SECONDS, spec);
	result_judge(&res, &plan, 1);
	verdicts = res.thresholds;
	t = json_array_get(verdicts, 0);
	ok(json_is_false(json_object_get(t, "passed")) &&
	    json_is_null(json_object_get(t, "actual")) &&
	    strcmp(json_string_value(json_object_get(t, "note")), "no data") ==
	    0, "a threshold with no data fails: actual null, note no data");
	ok(json_is_true(json_object_get(json_array_get(verdicts, 1),
	    "passed")), "one with data is judged");
	ok(json_is_true(json_object_get(json_array_get(verdicts, 2),
	    "passed")) && json_number_value(json_object_get(
	    json_array_get(verdicts, 2), "actual")) == 100,
	    "error_rate of a dead request is 100%%");
	ok(!res.passed, "the run did not pass");
	/* While the run goes, no data is no verdict yet (abort_on_fail). */
	th[0].abort_on_fail = 1;
	verdicts = stats_thresholds(&plan, &res.overall, res.stats, NNAMES, 1,
	    &passed);
	ok(passed && json_array_size(verdicts) == 0,
	    "abort check: no data is not yet a failure");
	json_decref(verdicts);
	result_free(&res);

	/* A completed run without a single success never passes. */
	b = wblock_create(NNAMES);
	b->stats[2].failed = b->overall.failed = 10;
	result_build(&res, names, NNAMES, b, 1.0, spec);
	result_judge(&res, NULL, 1);
	ok(!res.passed && res.reason != NULL &&
	    strcmp(res.reason, "no successful request") == 0,
	    "no successful request: not passed, with the reason");
	result_free(&res);
	/* A run that never started: every rate and latency null. */
	result_build(&res, NULL, 0, b, NAN, NULL);
	t = result_summary(&res);
	ok(json_is_null(json_object_get(json_object_get(t, "overall"),
	    "throughput_rps")) && json_is_null(json_object_get(t,
	    "duration_s")), "never started: rps and duration null");
	json_decref(t);
	result_free(&res);
	free(b);

	test_compare(st, id, spec, names);
	test_migration(dir);

	json_decref(a);
	json_decref(spec);
	free(total);
	sqlite3_close(raw);
	store_close(st);
	unlink(path);
	free(path);
	xasprintf(&path, "rm -rf %s", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
	free(path);
	return (tap_done());
}
