/* SPDX-License-Identifier: MIT */
/*
 * store.h -- what the store*.c files share and nothing else sees: the
 * connection and the helpers every statement uses. SQL lives in store*.c
 * only; the rest of the daemon calls their typed functions.
 */
#ifndef STORE_H
#define STORE_H

#include <sqlite3.h>

/* Raw samples: chunks of fixed-width records (schema 0008). */
#define STORE_SAMPLE_CHUNK	1024
#define STORE_SAMPLE_RECORD	37

struct store {
	sqlite3		*db;
	char		*path;
	int		 lockfd;	/* flock held by the daemon, or -1 */
};

int		 store_exec(struct store *, const char *, char **);
sqlite3_stmt	*store_prepare(struct store *, const char *, char **);
int		 store_fail(struct store *, char **);
int		 store_delete_name(struct store *, const char *, const char *,
		     char **);
int64_t		*store_ids(struct store *, const char *, const char *,
		     size_t *);
json_t		*store_column_string(sqlite3_stmt *, int);
json_t		*store_column_json(sqlite3_stmt *, int);
double		 store_column_double(sqlite3_stmt *, int);
json_t		*store_column_double_json(sqlite3_stmt *, int);

#endif
