/* SPDX-License-Identifier: MIT */
/*
 * loadd.h -- the map of the daemon: shared structs and every exported
 * function, grouped by the file that defines it.
 *
 * Threads: the main thread runs the main event_base (signals, watchdog, run
 * control); libmicrohttpd runs the API in its own thread, with its own SQLite
 * connection; load workers (engine) each own an event_base and never touch
 * SQLite; one writer thread owns the connection that ingests samples.
 */
#ifndef LOADD_H
#define LOADD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define LOADD_NAME_MAX		64
#define LOADD_BODY_MAX		(1024 * 1024)	/* API request bodies */
#define LOADD_BODY_BYTES_MAX	67108864	/* scenario body_bytes */

struct store;

/* Limits a scenario may not exceed (SPEC section 10). */
struct limits {
	int64_t		 max_vus;
	double		 max_rate;
	int64_t		 max_duration_us;
};

/* One immutable configuration, built by config_load() before anything runs. */
struct config {
	char		*path;		/* config file, or NULL */
	char		*listen;
	char		*db;
	char		*token_file;
	char		*token;		/* read from token_file; never logged */
	int		 threads;
	char		*allow_targets;	/* comma-separated CIDRs and names */
	struct limits	 limits;
	int		 max_queue;
	int		 retention_days;
	int		 log_level;	/* LOG_* from syslog.h */
};

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
int		 xvasprintf(char **, const char *, va_list);

/* log.c */
void		 log_init(int, int);
int		 log_parse_level(const char *);
void		 log_write(int, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
void		 log_vwrite(int, const char *, va_list);
void		 fatal(const char *, ...)
		     __attribute__((format(printf, 1, 2), noreturn));
void		 fatalx(const char *, ...)
		     __attribute__((format(printf, 1, 2), noreturn));
#define log_debug(...)	log_write(7, __VA_ARGS__)
#define log_info(...)	log_write(6, __VA_ARGS__)
#define log_warn(...)	log_write(4, __VA_ARGS__)
#define log_error(...)	log_write(3, __VA_ARGS__)

/* config.c */
struct config	*config_load(int, char **, char **);
void		 config_free(struct config *);
void		 config_usage(void);

/* parse.c -- small parsers shared by the validator, thresholds and reports */
enum metric {
	METRIC_AVG,
	METRIC_MIN,
	METRIC_MAX,
	METRIC_MEDIAN,
	METRIC_P50,
	METRIC_P90,
	METRIC_P95,
	METRIC_P99,
	METRIC_P999,
	METRIC_STDDEV,
	METRIC_RPS,
	METRIC_ERROR_RATE,
	METRIC_SUCCESS_RATE,
	METRIC_REQUESTS,
	METRIC_ERRORS
};
enum cmp_op {
	CMP_LT,
	CMP_LE,
	CMP_GT,
	CMP_GE
};
/* A parsed threshold rule: [REQUEST ":"] METRIC OP VALUE. */
struct threshold {
	char		 request[LOADD_NAME_MAX + 1];	/* "" = whole run */
	enum metric	 metric;
	enum cmp_op	 op;
	double		 value;	/* ms (latency), percent (rates), or plain */
};
int		 parse_duration(const char *, int64_t *, char **);
int		 parse_name(const char *);
int		 threshold_parse(const char *, struct threshold *, char **);
const char	*metric_name(enum metric);
int		 metric_is_latency(enum metric);
const char	*cmp_op_name(enum cmp_op);
int		 cmp_op_holds(enum cmp_op, double, double);

/* scenario.c */
/* A validation failure: a code, a JSON pointer and a readable message. */
struct verror {
	const char	*code;	/* "invalid_scenario" or "limit_exceeded" */
	char		 path[256];
	char		 message[512];
};
json_t		*scenario_validate(json_t *, const struct limits *,
		     struct verror *);

/* store.c */
#define STORE_MIGRATE	0x1	/* apply migrations (the main connection) */
#define STORE_LOCK	0x2	/* refuse if another daemon has the file */
void		 store_init(void);
struct store	*store_open(const char *, int, char **);
void		 store_close(struct store *);
int		 store_user_version(struct store *);
int		 store_scenario_put(struct store *, const char *, json_t *,
		     int *, char **);
int		 store_scenario_get(struct store *, const char *, json_t **,
		     char **);
json_t		*store_scenario_list(struct store *, char **);
int		 store_scenario_delete(struct store *, const char *, char **);
json_t		*store_run_list(struct store *, const char *, const char *,
		     int, char **);
json_t		*store_baseline_list(struct store *, char **);

/* schema.c (generated from schema/NNNN-*.sql at build time) */
struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct migration	 migrations[];
extern const size_t		 nmigrations;

/* api.c */
struct api;
struct MHD_Connection;
/* One API request, from first byte to response; owned by the API thread. */
struct api_request {
	struct api		*api;
	struct MHD_Connection	*conn;
	const char		*method;
	char			*url;
	const struct api_route	*route;
	char			*param;		/* {name} or {id} of the path */
	char			*body;		/* raw request body */
	size_t			 bodylen;
	int			 toolarge;
	json_t			*json;		/* parsed body, or NULL */
	struct store		*store;		/* the API thread's connection */
	const struct config	*config;

	int			 status;	/* response */
	char			*resp;
	size_t			 resplen;
	const char		*resp_type;
	char			*location;
	char			*allow;
	int			 early;		/* answered before the body */
	uint64_t		 start_ns;
};
typedef void	(*api_handler_cb)(struct api_request *);
/* A route: a path pattern ("{}" matches one segment) and its methods. */
struct api_route {
	const char	*pattern;
	api_handler_cb	 get, put, post, patch, delete;
};
struct api	*api_start(const struct config *, char **);
void		 api_stop(struct api *);
const char	*api_address(struct api *);
void		 api_reply_json(struct api_request *, int, json_t *);
void		 api_reply_error(struct api_request *, int, const char *,
		     const char *, const char *, ...)
		     __attribute__((format(printf, 5, 6)));
void		 api_reply_empty(struct api_request *, int);
void		 api_reply_store_error(struct api_request *, char *);
const char	*api_query(struct api_request *, const char *);
int		 api_need_body(struct api_request *);
uint64_t	 api_now_ns(void);

/* api-scenarios.c */
void		 api_scenarios_list(struct api_request *);
void		 api_scenario_get(struct api_request *);
void		 api_scenario_put(struct api_request *);
void		 api_scenario_delete(struct api_request *);

/* api-runs.c */
void		 api_runs_list(struct api_request *);

/* api-baselines.c */
void		 api_baselines_list(struct api_request *);

/* notify.c */
void		 notify_ready(const char *);
void		 notify_stopping(void);
uint64_t	 notify_watchdog_usec(void);
void		 notify_watchdog(void);

#endif
