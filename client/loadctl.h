/* SPDX-License-Identifier: MIT */
/*
 * loadctl.h -- the map of loadctl, the command-line client of loadd: global
 * options, the command table and every exported function, grouped by the
 * file that defines it. Single-threaded; any API call may block on the network.
 */
#ifndef LOADCTL_H
#define LOADCTL_H

/* Included first by every client file: it picks the feature macros. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	1
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"0.1.0"
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <getopt.h>
#include <jansson.h>

#include "metric.h"

#define LOADCTL_DEFAULT_SERVER	"http://127.0.0.1:7878"

/* Exit codes (SPEC section 9). */
#define LOADCTL_EXIT_OK		0
#define LOADCTL_EXIT_CHECK	1	/* thresholds not met, a regression */
#define LOADCTL_EXIT_USAGE	2
#define LOADCTL_EXIT_SERVER	3	/* unreachable, or answered an error */
#define LOADCTL_EXIT_RUN	4	/* the run did not complete */

/* Global options, set from the environment and flags before a command runs. */
struct loadctl_options {
	const char	*server;	/* as given: URL or unix:/path */
	const char	*token;		/* or NULL */
	int		 json;		/* --json: server bodies, not tables */
};
extern struct loadctl_options	 loadctl_opts;

/*
 * One command. exec gets the command's own argv (argv[0] is its name) and
 * returns an exit code. name is the full name ("scenario put").
 */
struct cmd_entry {
	const char	*name;
	const char	*usage;		/* arguments, after "loadctl NAME" */
	const char	*help;		/* one line, for --help */
	int		(*exec)(const struct cmd_entry *, int, char **);
};

/* loadctl.c */
int		 cmd_getopt(const struct cmd_entry *, int, char **,
		     const char *, const struct option *);
int		 cmd_usage(const struct cmd_entry *);
int		 cmd_usage_error(const struct cmd_entry *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
void		 cmd_operands(const struct cmd_entry *, int, char **, int,
		     const char *);
char		*cmd_name_path(const char *, const char *);
int		 cmd_dispatch(const char *, const struct cmd_entry **, int,
		     char **);

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
int		 xasprintf(char **, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
int		 xvasprintf(char **, const char *, va_list);

/* http.c */
struct http_response {
	long		 status;
	char		*body;		/* NUL-terminated, never NULL */
	size_t		 len;
};
int		 http_request(const char *, const char *, const json_t *,
		     struct http_response *, char **);
void		 http_call(const char *, const char *, const json_t *,
		     struct http_response *);
json_t		*http_json(const char *, const char *, const json_t *,
		     long *);
void		 http_response_free(struct http_response *);
int		 http_exit_code(long);
int		 http_request_raw(const char *, const char *, const char *,
		     size_t, const char *, struct http_response *, char **);
/* An event of a stream (name, data); non-zero stops the stream. */
typedef int	(*http_event_cb)(const char *, const char *, void *);
typedef int	(*http_tick_cb)(void *);
long		 http_events(const char *, http_event_cb, http_tick_cb, void *,
		     char **);
char		*http_escape(const char *);
void		 http_query_add(char **, const char *, const char *);
const char	*http_server(void);
void		 http_cleanup(void);

/* out.c */
enum out_colour {
	OUT_PLAIN,
	OUT_BOLD,
	OUT_RED,
	OUT_GREEN,
	OUT_YELLOW,
	OUT_DIM
};
struct out_table;
void		 out_init(void);
int		 out_is_tty(void);
const char	*out_colour(enum out_colour);
const char	*out_reset(enum out_colour);
void		 out_warn(const char *, ...)
		     __attribute__((format(printf, 1, 2)));
void		 out_die(int, const char *, ...)
		     __attribute__((format(printf, 2, 3), noreturn));
void		 out_json(const json_t *);
void		 out_server_error(const struct http_response *);
char		*out_scalar(const json_t *);
const char	*out_string(const json_t *, const char *, const char *);
double		 out_number(const json_t *, const char *, int *);
char		*out_time(const char *);
char		*out_duration(double);
char		*out_run_duration(const json_t *);
enum out_colour	 out_status_colour(const char *);
void		 out_kv(const char *, enum out_colour, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
struct out_table *out_table_create(const char *, ...);
void		 out_table_column(struct out_table *, const char *);
void		 out_table_add(struct out_table *, enum out_colour,
		     const char *);
void		 out_table_addf(struct out_table *, enum out_colour,
		     const char *, ...) __attribute__((format(printf, 3, 4)));
void		 out_table_print(struct out_table *);
void		 out_table_free(struct out_table *);

/* cmd-health.c */
extern const struct cmd_entry	 cmd_health_entry;

/* cmd-scenario.c */
extern const struct cmd_entry	 cmd_scenario_entry;
json_t		*cmd_scenario_load(const char *, int);

/* cmd-run.c */
extern const struct cmd_entry	 cmd_run_entry;
extern const struct cmd_entry	 cmd_ls_entry;
extern const struct cmd_entry	 cmd_status_entry;
extern const struct cmd_entry	 cmd_wait_entry;
extern const struct cmd_entry	 cmd_watch_entry;
extern const struct cmd_entry	 cmd_stop_entry;
extern const struct cmd_entry	 cmd_rm_entry;
void		 cmd_run_summary_print(const json_t *);

/* cmd-report.c */
extern const struct cmd_entry	 cmd_report_entry;
extern const struct cmd_entry	 cmd_compare_entry;
int		 cmd_compare_print(const json_t *);

/* cmd-baseline.c */
extern const struct cmd_entry	 cmd_baseline_entry;

/* cmd-data.c */
extern const struct cmd_entry	 cmd_data_entry;
json_t		*cmd_baseline_run_id(const char *);

#endif
