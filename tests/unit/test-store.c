/* SPDX-License-Identifier: MIT */
/*
 * test-store.c -- store.c on a real SQLite file: migrations, the one-daemon
 * lock, the scenario queries, and raw samples in chunks (store-samples.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sqlite3.h>

#include "loadd.h"
#include "tap.h"

/* One value of a query on a plain connection, as text ("" for none). */
static char *
query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	char		*v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("%s: %s", sql, sqlite3_errmsg(db));
	v = xstrdup(sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL ?
	    (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	return (v);
}

static void
is_query(sqlite3 *db, const char *sql, const char *want, const char *name)
{
	char	*v = query(db, sql);

	is_str(v, want, name);
	free(v);
}

/* The i-th synthetic sample: every field varies, NULLs and extremes too. */
static void
sample_make(size_t i, struct sample *s)
{
	memset(s, 0, sizeof *s);
	s->t_us = i == 7 ? 999999999999ULL : 1000 + i * 37;
	s->latency_us = i % 5 == 0 ? -1 : (int64_t)(i * 13 % 100000);
	s->status = i % 5 == 0 ? 0 : (i % 9 == 0 ? 503 : 200);
	s->bytes = i == 11 ? 4294967295U : (uint32_t)(i * 7);
	s->req = (uint16_t)(i % 3 == 0 ? 1 : 0);
	s->error = i % 5 == 0 ? (uint8_t)(1 + i / 5 % (ERR_NKINDS - 1)) :
	    (i % 9 == 0 ? ERR_STATUS : ERR_NONE);
	s->warmup = i < 10;
}

#define NSAMPLES	3200	/* three chunks of one request, two of another */

/*
 * The sample sink and the chunks: what goes in comes back, through the
 * samples view in plain SQL and through the CSV stream's cursor.
 */
static void
check_samples(const char *path, struct store *st)
{
	struct store_sink	*sk;
	struct store_samples	*cur;
	struct sample_row	 r;
	struct sample		*s;
	sqlite3			*db;
	sqlite3_stmt		*q;
	json_t			*spec, *labels;
	char			*names[] = { "get", "post" }, *cause, *v;
	int64_t			 id;
	size_t			 i, bad, failed;
	int			 more, n, first;

	spec = json_pack("{s:s}", "name", "s");
	labels = json_object();
	if (store_run_insert(st, spec, labels, NULL, &id, &cause) != 0)
		fatalx("%s", cause);
	json_decref(spec);
	json_decref(labels);
	if ((sk = store_sink_open(path, id, names, 2, &cause)) == NULL)
		fatalx("%s", cause);
	s = xcalloc(NSAMPLES + 1, sizeof *s);
	for (i = 0; i < NSAMPLES; i++)
		sample_make(i, &s[i]);
	s[NSAMPLES].req = 9;		/* no such request */
	store_sink_begin(sk);
	failed = store_sink_samples(sk, s, NSAMPLES + 1);
	failed += store_sink_commit(sk);
	is_int((int)failed, 1, "sink: a sample of an unknown request fails, "
	    "the others go in");
	store_sink_close(sk);

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("sqlite3_open");
	sqlite3_busy_timeout(db, 5000);
	is_query(db, "SELECT group_concat(request || ':' || n, ' ') FROM "
	    "(SELECT request, n FROM sample_chunks ORDER BY request, n DESC)",
	    "get:1024 get:1024 get:85 post:1024 post:43",
	    "chunks of at most 1024 samples of one request");
	is_query(db, "SELECT count(*) FROM samples", "3200",
	    "the view has every sample");
	/* Row by row against what was written, in the stream's order. */
	if (sqlite3_prepare_v2(db, "SELECT t_us, request, latency_us, status, "
	    "bytes, error, warmup, run_id FROM samples", -1, &q, NULL) !=
	    SQLITE_OK)
		fatalx("%s", sqlite3_errmsg(db));
	if ((cur = store_samples_open(path, id, &cause)) == NULL)
		fatalx("%s", cause);
	bad = 0;
	n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct sample	 w;
		const char	*err = (const char *)sqlite3_column_text(q, 5);
		size_t		 k;

		/* the view's t_us names the sample: find it */
		for (k = 0; k < NSAMPLES; k++)
			if (s[k].t_us == (uint64_t)sqlite3_column_int64(q, 0))
				break;
		if (k == NSAMPLES) {
			bad++;
			continue;
		}
		w = s[k];
		if (strcmp((const char *)sqlite3_column_text(q, 1),
		    names[w.req]) != 0 ||
		    (w.latency_us < 0 ? sqlite3_column_type(q, 2) !=
		    SQLITE_NULL : sqlite3_column_int64(q, 2) != w.latency_us) ||
		    (w.status == 0 ? sqlite3_column_type(q, 3) != SQLITE_NULL :
		    sqlite3_column_int(q, 3) != w.status) ||
		    sqlite3_column_int64(q, 4) != (int64_t)w.bytes ||
		    (w.error == ERR_NONE ? err != NULL : (err == NULL ||
		    strcmp(err, err_kind_name(w.error)) != 0)) ||
		    sqlite3_column_int(q, 6) != w.warmup ||
		    sqlite3_column_int64(q, 7) != id)
			bad++;
		if (store_samples_next(cur, &r) != 1 ||
		    r.t_us != sqlite3_column_int64(q, 0) ||
		    strcmp(r.request, names[w.req]) != 0 ||
		    r.latency_us != w.latency_us ||
		    r.status != (w.status == 0 ? -1 : w.status) ||
		    r.bytes != (int64_t)w.bytes || r.warmup != w.warmup ||
		    (w.error == ERR_NONE ? r.error != NULL : (r.error == NULL ||
		    strcmp(r.error, err_kind_name(w.error)) != 0)))
			bad++;
		n++;
	}
	sqlite3_finalize(q);
	is_int(n, NSAMPLES, "view: a row a sample");
	is_int((int)bad, 0, "view and cursor: every column as written, "
	    "NULLs and the largest values too");
	is_int(store_samples_next(cur, &r), 0, "cursor: then the end");
	store_samples_close(cur);

	/* The kinds in SQL are the daemon's, code for code. */
	bad = 0;
	for (i = 1; i < ERR_NKINDS; i++) {
		xasprintf(&cause, "SELECT kind FROM sample_error_kinds WHERE "
		    "code = %zu", i);
		v = query(db, cause);
		if (strcmp(v, err_kind_name((enum err_kind)i)) != 0)
			bad++;
		free(v);
		free(cause);
	}
	is_query(db, "SELECT count(*) FROM sample_error_kinds", "8",
	    "sample_error_kinds: one row a kind");
	is_int((int)bad, 0, "sample_error_kinds matches enum err_kind");

	/* An INSERT into the view still stores a sample, or says why not. */
	ok(sqlite3_exec(db, "INSERT INTO samples (run_id, t_us, request, "
	    "latency_us, status, bytes, error, warmup) VALUES (1, 5, 'imp', "
	    "NULL, 404, 12, 'status', 0)", NULL, NULL, NULL) == SQLITE_OK,
	    "INSERT into samples goes through");
	is_query(db, "SELECT quote(latency_us) || ' ' || status || ' ' || bytes "
	    "|| ' ' || error FROM samples WHERE request = 'imp'",
	    "NULL 404 12 status", "... and reads back");
	ok(sqlite3_exec(db, "INSERT INTO samples (run_id, t_us, request, "
	    "error) VALUES (1, 5, 'imp', 'nonsense')", NULL, NULL, NULL) !=
	    SQLITE_OK && strstr(sqlite3_errmsg(db), "unknown error kind") !=
	    NULL, "an unknown error kind is refused");

	/* Retention deletes whole chunks of old runs, a batch at a time. */
	if (sqlite3_exec(db, "UPDATE runs SET ended_at = "
	    "'2000-01-01T00:00:00Z'", NULL, NULL, NULL) != SQLITE_OK)
		fatalx("%s", sqlite3_errmsg(db));
	v = query(db, "SELECT sum(n) FROM (SELECT n FROM sample_chunks ORDER "
	    "BY rowid LIMIT 4)");
	first = atoi(v);
	free(v);
	is_int((int)store_samples_prune(st, 1, 4, &more), first,
	    "prune: a batch of four chunks");
	ok(more, "... and says there may be more");
	is_int((int)store_samples_prune(st, 1, 4, &more), 3201 - first,
	    "prune: the rest");
	ok(!more, "... and then no more");
	is_query(db, "SELECT count(*) FROM samples", "0", "no sample left");
	sqlite3_close(db);
	free(s);
}

/*
 * A database written before the chunks (schema 7) keeps its samples:
 * the migration moves them into chunks, column for column.
 */
static void
check_samples_migration(const char *dir)
{
	struct store	*st;
	sqlite3		*db;
	char		*path, *cause, *sql;
	size_t		 i;

	xasprintf(&path, "%s/old.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("sqlite3_open");
	for (i = 0; i < nmigrations && migrations[i].version <= 7; i++) {
		xasprintf(&sql, "BEGIN; %s; PRAGMA user_version = %d; COMMIT",
		    migrations[i].sql, migrations[i].version);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			fatalx("%s", sqlite3_errmsg(db));
		free(sql);
	}
	if (sqlite3_exec(db, "INSERT INTO runs (id, scenario, spec, status, "
	    "created_at) VALUES (1, 's', '{}', 'completed', 'x'), (2, 's', "
	    "'{}', 'completed', 'x');"
	    "WITH RECURSIVE k (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k "
	    "WHERE i < 2999) INSERT INTO samples (run_id, t_us, request, "
	    "latency_us, status, bytes, error, warmup) SELECT 1 + i % 2, "
	    "i * 10, CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END, CASE WHEN "
	    "i % 7 = 0 THEN NULL ELSE i END, CASE WHEN i % 7 = 0 THEN NULL "
	    "ELSE 200 END, i * 3, CASE WHEN i % 7 = 0 THEN 'timeout' WHEN "
	    "i % 11 = 0 THEN 'check' END, i < 100 FROM k;"
	    "CREATE TABLE before AS SELECT * FROM samples", NULL, NULL,
	    NULL) != SQLITE_OK)
		fatalx("%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	if ((st = store_open(path, STORE_MIGRATE, &cause)) == NULL)
		fatalx("%s", cause);
	store_close(st);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatalx("sqlite3_open");
	is_query(db, "SELECT count(*) FROM samples", "3000",
	    "migration: every sample kept");
	is_query(db, "SELECT count(*) FROM (SELECT * FROM before EXCEPT "
	    "SELECT * FROM samples)", "0", "migration: each one as it was");
	is_query(db, "SELECT count(*) FROM sample_chunks", "4",
	    "migration: in chunks of a run and request");
	sqlite3_close(db);
	unlink(path);
	free(path);
}

int
main(void)
{
	char		 dir[] = "/tmp/loadd-test-store.XXXXXX", *path, *cause;
	struct store	*st, *st2, *reader;
	json_t		*spec, *doc, *list;
	int		 created, latest;

	log_init(LOG_CRIT, 0);
	store_init();
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	xasprintf(&path, "%s/t.db", dir);
	latest = migrations[nmigrations - 1].version;
	ok(nmigrations >= 1 && migrations[0].version == 1,
	    "migrations are embedded, starting at 1");

	st = store_open(path, STORE_LOCK | STORE_MIGRATE, &cause);
	ok(st != NULL, "open and migrate a fresh file");
	is_int(store_user_version(st), latest, "user_version is the latest");

	st2 = store_open(path, STORE_LOCK, &cause);
	ok(st2 == NULL && strstr(cause, "in use by another loadd") != NULL,
	    "a second locked open is refused");
	free(cause);

	reader = store_open(path, 0, &cause);
	ok(reader != NULL, "an unlocked second connection opens");

	spec = json_pack("{s:s, s:{s:s}, s:[{s:s}]}", "name", "s1",
	    "load", "executor", "constant-vus", "requests", "name", "a");
	ok(store_scenario_put(st, "s1", spec, &created, &cause) == 0 &&
	    created, "put creates");
	ok(store_scenario_put(st, "s1", spec, &created, &cause) == 0 &&
	    !created, "put again updates");
	json_decref(spec);

	is_int(store_scenario_get(reader, "s1", &doc, &cause), 1,
	    "get from the other connection");
	spec = json_pack("{s:s}", "executor", "constant-vus");
	ok(json_equal(json_object_get(json_object_get(doc, "spec"), "load"),
	    spec), "spec round-trips");
	json_decref(spec);
	ok(json_is_string(json_object_get(doc, "created_at")) &&
	    strchr(json_string_value(json_object_get(doc, "created_at")),
	    'T') != NULL, "created_at is ISO-8601");
	json_decref(doc);
	is_int(store_scenario_get(reader, "nope", &doc, &cause), 0,
	    "get of a missing name is 0");

	list = store_scenario_list(reader, &cause);
	ok(list != NULL && json_array_size(list) == 1, "list has one");
	is_str(json_string_value(json_object_get(json_array_get(list, 0),
	    "executor")), "constant-vus", "list shows the executor");
	is_int(json_integer_value(json_object_get(json_array_get(list, 0),
	    "requests")), 1, "list counts requests");
	json_decref(list);

	list = store_run_list(reader, NULL, NULL, NULL, 10, &cause);
	ok(list != NULL && json_array_size(list) == 0, "no runs");
	json_decref(list);
	list = store_baseline_list(reader, &cause);
	ok(list != NULL && json_array_size(list) == 0, "no baselines");
	json_decref(list);

	is_int(store_scenario_delete(st, "s1", &cause), 1, "delete");
	is_int(store_scenario_delete(st, "s1", &cause), 0, "delete again is 0");

	check_samples(path, st);
	check_samples_migration(dir);

	store_close(reader);
	store_close(st);
	st = store_open(path, STORE_LOCK | STORE_MIGRATE, &cause);
	ok(st != NULL, "the lock is released at close");
	store_close(st);

	unlink(path);
	free(path);
	return (tap_done());
}
