/* SPDX-License-Identifier: MIT */
/*
 * test-store.c -- store.c on a real SQLite file: migrations, the one-daemon
 * lock, and the scenario queries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "loadd.h"
#include "tap.h"

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

	list = store_run_list(reader, NULL, NULL, 10, &cause);
	ok(list != NULL && json_array_size(list) == 0, "no runs");
	json_decref(list);
	list = store_baseline_list(reader, &cause);
	ok(list != NULL && json_array_size(list) == 0, "no baselines");
	json_decref(list);

	is_int(store_scenario_delete(st, "s1", &cause), 1, "delete");
	is_int(store_scenario_delete(st, "s1", &cause), 0, "delete again is 0");

	store_close(reader);
	store_close(st);
	st = store_open(path, STORE_LOCK | STORE_MIGRATE, &cause);
	ok(st != NULL, "the lock is released at close");
	store_close(st);

	unlink(path);
	free(path);
	return (tap_done());
}
