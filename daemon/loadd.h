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

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <event2/event_struct.h>
#include <jansson.h>

#include "hist.h"

#define LOADD_NAME_MAX		64
#define LOADD_BODY_MAX		(1024 * 1024)	/* API request bodies */
#define LOADD_BODY_BYTES_MAX	67108864	/* scenario body_bytes */

struct store;
struct dataset;

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
	char		*allow_collectors; /* where shards may push, the same */
	char		*collector_token_file;
	char		*collector_token; /* what pushes carry; never logged */
	struct limits	 limits;
	int		 max_queue;
	int		 retention_days;
	int		 log_level;	/* LOG_* from syslog.h */
	int64_t		 max_samples;	/* raw samples stored per run, 0: all */
	int		 api_max_connections;
	int		 api_max_streams;	/* event streams at once */
	char		*ui_chartjs;		/* Chart.js for the UI */
	int		 api_timeout_s;	/* an idle API connection is closed */
	int64_t		 api_connection_memory;	/* bytes, headers included */
	int64_t		 api_max_body;	/* bytes of one request body */
	int64_t		 max_data_bytes; /* one dataset, as uploaded */
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
struct config	*config_default(void);
struct config	*config_load(int, char **, char **);
void		 config_free(struct config *);
void		 config_usage(void);

#include "metric.h"

/* parse.c -- small parsers shared by the validator, thresholds and reports */
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
	double		 value;	/* ms, percent, bytes, or plain */
};
int		 parse_duration(const char *, int64_t *, char **);
int		 parse_name(const char *);
int		 parse_numeric_host(const char *);
const char	*parse_suggest(char *, size_t, const char *, const char **);
int		 threshold_parse(const char *, struct threshold *, char **);
const char	*cmp_op_name(enum cmp_op);
int		 cmp_op_holds(enum cmp_op, double, double);

/* scenario.c */
/* A validation failure: a code, a JSON pointer and a readable message. */
struct verror {
	const char	*code;	/* "invalid_scenario" or "limit_exceeded" */
	char		 path[256];
	char		 message[512];
};
json_t		*scenario_validate_data(json_t *, const struct limits *,
		     json_t *, struct verror *);
json_t		*scenario_validate(json_t *, const struct limits *,
		     struct verror *);

/* base64.c */
char		*base64_encode(const unsigned char *, size_t);
int		 base64_decode(const char *, unsigned char **, size_t *);

/* runopts.c -- the run options of shards (SPEC 16) */
#define RUNOPTS_SHARDS_MAX	1024
struct run_opts {
	int		 shard, nshards;	/* nshards 0: not a shard */
	int64_t		 start_at;		/* ms since the epoch, 0: none */
	char		 execution[LOADD_NAME_MAX + 1];
	char		 collector[300];	/* http://host:port */
	char		 chost[256];
	int		 cport;
};
int		 runopts_parse(json_t *, int64_t, struct run_opts *,
		     const char **, char **);
int		 runopts_time(const char *, int64_t *);
void		 runopts_format(int64_t, char *, size_t);
int		 runopts_url(const char *, struct run_opts *);

/* store-shards.c, collect.c -- a collector's executions (SPEC 16) */
struct exec_part {
	int		 shard;
	char		 host[64];
	char		 status[16];	/* waiting, running, lost, an end */
	char		 reason[256];
	double		 pushed_at;	/* unix time of its last push */
	int64_t		 last_second;	/* newest pushed, -1: none */
};
struct exec_state {
	int64_t		  run_id;
	char		  name[LOADD_NAME_MAX + 1];
	int		  shards;
	char		  stop_status[16];	/* "": no stop asked */
	char		 *stop_reason;
	struct exec_part *parts;
	size_t		  nparts;
};
struct store;
int		 store_push_rows(struct store *, int64_t, int64_t *, int64_t *,
		     int, json_t **, json_t **, char **);
int		 store_push(struct store *, const char *, json_t *, json_t *,
		     double, json_t **, const char **, char **);
int		 store_execution_json(struct store *, int64_t, json_t *,
		     char **);
int64_t		*store_executions_running(struct store *, size_t *);
int		 store_execution_state(struct store *, int64_t,
		     struct exec_state *, char **);
void		 store_execution_state_free(struct exec_state *);
int		 store_execution_lost(struct store *, int64_t, int, double,
		     char **);
int		 store_execution_stop(struct store *, int64_t, const char *,
		     const char *, char **);
void		 store_executions_resume(struct store *, double);
int		 store_is_execution(struct store *, int64_t);
int		 store_execution_settle(struct store *, int64_t, char **);
json_t		*store_execution_finals(struct store *, int64_t, char **);
struct collect;
struct event_base;
struct collect	*collect_create(struct event_base *, struct store *);
void		 collect_free(struct collect *);
int		 collect_check(json_t *, char **, char **);

/* push.c -- a shard's pusher (SPEC 16) */
struct push;
struct runs;
struct push	*push_start(struct runs *, const struct config *, int64_t,
		     const struct run_opts *, const char *, json_t *);
void		 push_started(struct push *, int64_t);
void		 push_end(struct push *, const char *, const char *, json_t *);
int		 push_done(struct push *);
void		 push_quit(struct push *);
void		 push_free(struct push *, int);
json_t		*push_clock(void);

/* shard.c -- the exact split of a run across shards (SPEC 16) */
int64_t		 shard_first(int64_t, int, int);
int64_t		 shard_part(int64_t, int, int);
int		 shard_takes(uint64_t, int, int);
uint64_t	 shard_slot(int, int, int);
uint64_t	 shard_stride(int, int);
uint64_t	 shard_vu_num(uint64_t, int64_t, int, int);
int64_t		 shard_iterations(int64_t, int64_t, int, int);

/* store.c, store-runs.c, store-baselines.c -- SQL lives there only */
#define STORE_MIGRATE	0x1	/* apply migrations (the main connection) */
#define STORE_LOCK	0x2	/* refuse if another daemon has the file */
#define STORE_READONLY	0x4	/* a reader (the samples stream) */
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
		     const char *, int, char **);
json_t		*store_baseline_list(struct store *, char **);
json_t		*store_run_spec(struct store *, int64_t, char **);
int64_t		*store_run_ids(struct store *, const char *, size_t *);
int		 store_run_insert(struct store *, json_t *, json_t *,
		     const struct run_opts *, int64_t *, char **);
int		 store_run_opts(struct store *, int64_t, struct run_opts *);
int		 store_run_get(struct store *, int64_t, json_t **, char **);
int		 store_run_delete(struct store *, int64_t, char **);
int		 store_run_set_status(struct store *, int64_t, const char *,
		     char **);
void		 store_run_rebuild(struct store *, int64_t);
struct wblock;
int		 store_run_block(struct store *, int64_t, int64_t, int64_t,
		     int, struct wblock **, char ***, size_t *, double *,
		     char **);
struct result;
int		 store_result_put(struct store *, int64_t,
		     const struct result *, char **);
int		 store_baseline_get(struct store *, const char *, json_t **,
		     char **);
int		 store_baseline_put(struct store *, const char *, int64_t,
		     int *, char **);
int		 store_baseline_delete(struct store *, const char *, char **);
int		 store_comparison_put(struct store *, int64_t, json_t *,
		     char **);
int		 store_run_started(struct store *, int64_t, const char *);
int		 store_run_ended(struct store *, int64_t, const char *, int,
		     const char *, const char *);
int64_t		 store_samples_prune(struct store *, int, int, int *);
/* store-series.c */
struct report_point;
int		 store_run_points(struct store *, int64_t,
		     struct report_point **, size_t *, char **);
int		 store_run_system(struct store *, int64_t,
		     struct report_point **, size_t *, char **);
struct hist	*store_run_hist(struct store *, int64_t, const char *,
		     char **);
double		*store_run_series(struct store *, int64_t, const char *,
		     enum metric, size_t *);
int		 store_run_has_request(struct store *, int64_t, const char *);
json_t		*store_run_timeseries(struct store *, int64_t, const char *,
		     char **);
int		 store_run_count(struct store *, const char *, int64_t *);
json_t		*store_comparison_get(struct store *, int64_t);
int		 store_run_state(struct store *, int64_t, char *, size_t,
		     int64_t *);
int		 store_run_totals(struct store *, int64_t, int64_t, int64_t *,
		     int64_t *);
json_t		*store_run_seconds(struct store *, int64_t, int64_t, int64_t,
		     char **);
json_t		*store_run_requests(struct store *, int64_t, char **);
json_t		*store_scenario_trend(struct store *, const char *, int,
		     const char *, const char *, char **);
/* One raw sample as read back (SPEC: samples). */
struct sample_row {
	int64_t		 t_us;
	const char	*request;
	int64_t		 latency_us;	/* -1: NULL */
	int		 status;	/* -1: NULL */
	int64_t		 bytes;
	const char	*error;		/* NULL: success */
	int		 warmup;
};
struct store_samples;
struct store_samples *store_samples_open(const char *, int64_t, char **);
int		 store_samples_next(struct store_samples *,
		     struct sample_row *);
void		 store_samples_close(struct store_samples *);
/* store-data.c */
int		 store_data_put(struct store *, const char *,
		     const struct dataset *, int *, char **);
int		 store_data_get(struct store *, const char *, char **, size_t *,
		     char **);
json_t		*store_data_list(struct store *, char **);
int		 store_data_delete(struct store *, const char *, char **);

/* data.c -- datasets: CSV and JSON lines in, CSV out */
struct dataset {
	char		**columns;
	size_t		 ncols;
	char		**cells;	/* row-major: nrows x ncols */
	size_t		 ncells;
	size_t		 nrows;
};
struct dataset	*data_parse_csv(const char *, size_t, char **);
struct dataset	*data_parse_ndjson(const char *, size_t, char **);
char		*data_to_csv(const struct dataset *, size_t *);
json_t		*data_columns_json(const struct dataset *);
void		 data_free(struct dataset *);

/* template.c -- {{NAME}} templates compiled into segments */
enum tpl_kind {
	TPL_LITERAL,
	TPL_NAME		/* a variable, built-in or NAME.COLUMN */
};
struct tpl_seg {
	enum tpl_kind	 kind;
	size_t		 off;		/* into text */
	size_t		 len;
};
struct tpl {
	char		*text;		/* literals, and names with a NUL each */
	size_t		 textlen;
	struct tpl_seg	*segs;
	size_t		 nsegs;
	int		 nslots;
};
struct tpl	*tpl_parse(const char *, char **);
int		 tpl_has(const char *);
const char	*tpl_seg_text(const struct tpl *, size_t);
char		*tpl_unparse(const struct tpl *);
void		 tpl_free(struct tpl *);

/* jsonscan.c -- a JSON pointer found in a body, nothing allocated */
int		 jscan_pointer_valid(const char *);
int		 jscan_pointer(const char *, size_t, const char *,
		     const char **, size_t *);
ssize_t		 jscan_string(const char *, size_t, char *, size_t);
int		 jscan_string_eq(const char *, size_t, const char *, size_t);
int		 jscan_number(const char *, size_t, double *);

/* cookie.c -- Set-Cookie parsed, and a VU's jar of fixed size */
#define JAR_COOKIES	16		/* cookies a VU keeps */
#define JAR_BYTES	1024		/* their names, values, domains, paths */
#define JAR_LINE_MAX	(JAR_BYTES + 3 * JAR_COOKIES + 10)
struct cookie {
	const char	*name, *value, *domain, *path;
	size_t		 nlen, vlen, dlen, plen;
	int		 secure;
	int64_t		 expires;	/* 0 session, < 0 expired, else when */
};
struct jar_cookie {
	uint16_t	 off, nlen, vlen, dlen, plen;
	uint8_t		 host_only, secure;
	int64_t		 expires;
};
struct jar {
	size_t			 n, used;
	struct jar_cookie	 c[JAR_COOKIES];	/* oldest first */
	char			 text[JAR_BYTES];
};
int64_t		 cookie_date(const char *, size_t);
int		 cookie_parse(const char *, size_t, struct cookie *, int64_t);
int		 jar_set(struct jar *, const struct cookie *, const char *,
		     const char *, size_t, int64_t);
size_t		 jar_render(const struct jar *, const char *, const char *,
		     size_t, int, int64_t, char *);
void		 jar_clear(struct jar *);

/* schema.c (generated from schema/NNNN-*.sql at build time) */
struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct migration	 migrations[];
extern const size_t		 nmigrations;
/* ui.c (generated by ui/embed.sh): the web UI's files */
struct ui_file {
	const char	*name;
	const char	*type;
	const char	*text;
};
extern const struct ui_file	 ui_files[];
extern const size_t		 nui_files;

/* Error kinds of SPEC section 7; ERR_NONE is success. */
enum err_kind {
	ERR_NONE,
	ERR_CONNECT,
	ERR_TIMEOUT,
	ERR_RESET,
	ERR_STATUS,
	ERR_PROTOCOL,
	ERR_TLS,
	ERR_DNS,
	ERR_CHECK,		/* a capture or check failed (SPEC 14) */
	ERR_NKINDS
};

/* plan.c -- a validated scenario compiled for the engine */
/* What a template slot renders (SPEC 14); the built-ins come first. */
enum plan_var_kind {
	VAR_VU,
	VAR_ITER,
	VAR_SEQ,
	VAR_UUID,
	VAR_NOW_MS,
	VAR_RUN_ID,
	VAR_CONST,
	VAR_INT,
	VAR_PICK,
	VAR_DATA,		/* a row of a dataset: slots name a column */
	VAR_CAPTURE		/* a value captured from a response */
};
enum plan_data_order {
	ORDER_PER_VU,
	ORDER_SEQUENTIAL,
	ORDER_RANDOM,
	ORDER_UNIQUE
};
#define PLAN_NBUILTINS	(VAR_RUN_ID + 1)
#define PLAN_CLEN_MAX	40	/* "Content-Length: " 20 digits CRLF, and more */
#define PLAN_CAPTURE_MAX	1024	/* capture_max: bytes of a captured value */
#define PLAN_INSPECT_BYTES	65536	/* inspect_bytes: of a body kept */
struct plan_var {
	char			 name[LOADD_NAME_MAX + 1];
	enum plan_var_kind	 kind;
	char			*text;		/* const */
	size_t			 textlen;
	int64_t			 lo, hi;	/* int */
	char			**picks;	/* pick */
	size_t			*picklens;
	size_t			 npicks;
	size_t			 maxlen;	/* longest rendering */
	struct dataset		*data;		/* data: the run's snapshot */
	char			 dataset[LOADD_NAME_MAX + 1];
	enum plan_data_order	 order;
	size_t			*colmax;	/* data: longest cell a column */
	size_t			*cellens;	/* data: each cell's length */
	int			 slot;		/* capture: the VU's value */
};
/* A dataset a run draws from, read when it starts (plan_compile_data). */
struct plan_dataset {
	char			*name;
	struct dataset		*d;
};
/* A template compiled against the plan's variables. */
struct plan_tpl {
	struct tpl	*t;
	int		*vars;		/* per segment: a plan_var, -1: literal */
	int		*cols;		/* per segment: a data column, or -1 */
	size_t		 maxlen;	/* longest rendering */
};
/* What a request reads from its response (SPEC 14): captures, checks. */
enum capture_kind {
	CAPTURE_JSON,
	CAPTURE_HEADER,
	CAPTURE_BETWEEN
};
struct plan_capture {
	char			 name[LOADD_NAME_MAX + 1];
	int			 slot;		/* the VU's captured value */
	enum capture_kind	 kind;
	char			*a;		/* pointer, header, left */
	char			*b;		/* right */
	size_t			 alen, blen;
	int			 hdr;		/* header: its index in hdrs */
};
enum check_kind {
	CHECK_BODY_CONTAINS,
	CHECK_JSON_EQUALS,
	CHECK_JSON_EXISTS,
	CHECK_HEADER_EQUALS,
	CHECK_HEADER_CONTAINS
};
struct plan_check {
	enum check_kind	 kind;
	char		*a;		/* text, pointer or header name */
	char		*b;		/* expected: a string's contents, or
					   JSON text of a number, bool, null */
	size_t		 alen, blen;
	int		 type;		/* equals: 's', 'n' or 'l' (literal) */
	double		 num;
	int		 exists;
	int		 hdr;
	char		*desc;		/* "json /status equals \"ok\"" */
};
#define INSPECT_HDRS_MAX	32	/* header lines kept per response */
#define INSPECT_HDR_BYTES	8192	/* their values */
struct plan_inspect {
	struct plan_capture	*caps;
	size_t			 ncaps;
	struct plan_check	*checks;
	size_t			 nchecks;
	char			**hdrs;		/* lower case, set-cookie too */
	size_t			 nhdrs;
	int			 cookie_hdr;	/* set-cookie's index, or -1 */
	int			 body;		/* keep the body */
};
struct plan_endpoint {
	char			*host;		/* Host header and SNI */
	int			 port;
	int			 tls;
	struct sockaddr_storage	 addr;		/* resolved once, at start */
	socklen_t		 addrlen;
};
struct plan_req {
	char		 name[LOADD_NAME_MAX + 1];
	int		 stat;		/* index into the per-name stats */
	int		 endpoint;	/* index into plan->endpoints */
	int		 head;		/* HEAD: the response has no body */
	int		 idempotent;	/* may be resent (RFC 9110 9.2.2) */
	char		*wire;		/* request line + headers + CRLF */
	size_t		 wirelen;
	const char	*body;		/* own text, or the shared body */
	size_t		 bodylen;
	int		 bodyfile;	/* body is plan->bodyfd's (sendfile) */
	uint64_t	 timeout_ns;
	uint64_t	 expect[10];	/* bit per status 0..639: success */
	/*
	 * A templated request: wire is NULL; its head (request line and
	 * headers) and maybe its body are rendered per request into the
	 * VU's buffer, then Content-Length (when clen) and tail follow.
	 */
	struct plan_tpl	*thead;
	struct plan_tpl	*tbody;		/* NULL: body is static */
	const char	*tail;		/* "\r\n" or "Connection: close..." */
	size_t		 taillen;
	int		 clen;
	size_t		 rendermax;	/* bytes of the VU's buffer it needs */
	struct plan_inspect *ins;	/* NULL: the response is not read */
	uint64_t	 capuse;	/* bit per captured value it renders */
};
enum plan_group {
	GROUP_NONE,
	GROUP_PARALLEL,
	GROUP_RACE,
	GROUP_SEQUENTIAL,
	GROUP_FALLBACK
};
#define PLAN_GROUP_MAX	32
/* One entry of the weighted mix: a request, or a group of them. */
struct plan_entry {
	enum plan_group	 group;
	int		 stat;		/* the group's, or the request's */
	int		 reqs[PLAN_GROUP_MAX];
	int		 nreqs;
	double		 cumweight;	/* for picking by weight */
};

enum executor {
	EXEC_CONSTANT_VUS,
	EXEC_RAMPING_VUS,
	EXEC_CONSTANT_RATE,
	EXEC_RAMPING_RATE,
	EXEC_SWEEP
};
enum samples_mode {
	SAMPLES_ALL,
	SAMPLES_ERRORS,
	SAMPLES_NONE
};
struct plan_stage {
	uint64_t	 duration_ns;
	double		 target;	/* VUs or iterations/s */
};
/* A threshold of the scenario or of one request, parsed. */
struct plan_threshold {
	char		*rule;
	struct threshold t;
	int		 abort_on_fail;
};
/* What a scenario asks to speak (SPEC 18), and what a request went over. */
enum proto {
	PROTO_H1,
	PROTO_H2,
	PROTO_AUTO	/* a plan's only: ALPN picks */
};
struct plan {
	json_t			*spec;		/* normalised scenario */
	char			*scenario;
	struct plan_endpoint	*endpoints;
	size_t			 nendpoints;
	struct plan_req		*reqs;		/* every request, members too */
	size_t			 nreqs;
	struct plan_entry	*entries;	/* the weighted mix */
	size_t			 nentries;
	struct plan_entry	*setup;		/* once per VU, in order */
	size_t			 nsetup;
	char			**stat_names;	/* requests, then groups */
	size_t			 nstats;
	char			*bodybuf;	/* the shared generated body */
	int			 bodyfd;	/* it in a memfd, or -1 */
	struct ssl_ctx_st	*ssl_ctx;	/* SSL_CTX, any https */
	struct plan_threshold	*thresholds;
	size_t			 nthresholds;

	enum executor		 executor;
	double			 start;		/* start_vus or start_rate */
	int64_t			 vus;
	int64_t			 iterations;	/* 0: no limit */
	double			 rate;
	int64_t			 max_vus;	/* open models */
	struct plan_stage	*stages;	/* ramping; sweep levels too */
	size_t			 nstages;
	double			(*segs)[3];	/* open: ns, rate from, to */
	size_t			 nsegs;
	uint64_t		 warmup_ns;
	uint64_t		 duration_ns;	/* after the warmup */
	uint64_t		 think_min_ns, think_max_ns;
	int			 keepalive;
	int			 maxconns;	/* per VU: largest group */
	enum proto		 protocol;	/* SPEC 18 */
	int64_t			 connections;	/* h2: per host; 0: one per VU */
	int			 tls_resume;
	enum samples_mode	 samples;
	struct plan_var		*vars;		/* built-ins, then "vars" */
	size_t			 nvars;
	size_t			 rendermax;	/* largest rendered request */
	int			 ndata;		/* data variables */
	size_t			 ncaptures;	/* captured values per VU */
	uint64_t		 caphead;	/* those rendered in a head */
	size_t			 capture_max;	/* bytes of each */
	size_t			 inspect_bytes;	/* of a body kept */
	int			 cookies;	/* each VU has a jar */
	int64_t			 run_id;
	uint64_t		 seed;		/* random_seed (seeded), or ... */
	int			 seeded;	/* ... the run id */
	int			 monitor_pid;	/* 0: none */
	char			*monitor_pidfile;
	int			 shard, nshards; /* shard of nshards (SPEC 16) */
};
#define PLAN_FORBIDDEN	1	/* plan_compile: a target is not allowed */
#define PLAN_DNS	2	/* plan_compile: a name did not resolve */
/* names.c -- the enums' names, shared by the validator and the compiler */
extern const char	*executor_names[];
extern const char	*group_names[];
extern const char	*order_names[];
extern const char	*samples_names[];
extern const char	*proto_names[];
int		 name_index(const char **, const char *);
struct plan	*plan_compile(json_t *, const struct config *, int *, char **);
struct plan	*plan_check(json_t *, const struct config *, int *, char **);
struct plan	*plan_judge(json_t *);
int		 plan_needs_dns(json_t *);
struct plan	*plan_compile_data(json_t *, const struct config *,
		     struct plan_dataset *, size_t, int *, char **);

/* plan-tpl.c -- variables and templates of dynamic requests */
/* The values a VU renders a request with (plan_render). */
struct plan_render_ctx {
	uint64_t	 vu, iter;
	const char	*caps;		/* captured values, capture_max each */
	const uint32_t	*caplens;
	const size_t	*rows;		/* per plan_var: the row drawn */
	uint64_t	*seq;		/* the worker's; advanced by seq_step */
	uint64_t	 seq_step;
	uint64_t	(*random)(void *);
	void		*arg;
};
void		 plan_vars(struct plan *, json_t *, struct plan_dataset *,
		     size_t);
void		 plan_vars_free(struct plan *);
struct plan_tpl	*plan_tpl(struct plan *, const char *, char **);
void		 plan_tpl_free(struct plan_tpl *);
uint64_t	 plan_tpl_capuse(const struct plan *, const struct plan_tpl *);
size_t		 plan_render(const struct plan *, const struct plan_tpl *,
		     char *, struct plan_render_ctx *);
size_t		 plan_render_clen(char *, size_t);
void		 plan_free(struct plan *);
int		 plan_is_open(const struct plan *);
int64_t		 plan_peak_vus(const struct plan *);
double		 plan_target_at(const struct plan *, uint64_t);
int		 plan_level_at(const struct plan *, uint64_t);
uint64_t	 plan_time_of(const struct plan *, double);
double		 plan_count_at(const struct plan *, uint64_t);

/* allow.c */
int		 allow_check(const char *, const char *,
		     const struct sockaddr *, char **);
int		 allow_check_key(const char *, const char *, const char *,
		     const char *, const struct sockaddr *, char **);

/* conn.c -- the error kinds' names, TLS setup (the transport: conn.h) */
/*
 * What is kept of a response that a request inspects (plan_inspect): the
 * header lines it names and up to inspect_bytes of the body. Lent to the
 * connection by the worker's pool for one request.
 */
struct conn_inspect {
	const struct plan_inspect *pi;
	int			 state;		/* 0, in a name, in a value */
	int			 cur;		/* header being kept, or -1 */
	char			 name[64];
	size_t			 namelen;
	struct {
		int		 which;		/* index into pi->hdrs */
		uint32_t	 off, len;
	}			 hv[INSPECT_HDRS_MAX];
	size_t			 nhv;
	char			*hbuf;		/* INSPECT_HDR_BYTES */
	size_t			 hlen;
	char			*body;
	size_t			 bodylen, bodycap;
	uint64_t		 bodyseen;	/* all of it, kept or not */
	struct conn_inspect	*next;		/* the pool's free list */
};
/*
 * A worker's response buffers: one is taken when a response that is read
 * starts to arrive and given back once it has been evaluated, so the pool
 * grows to the most responses in flight at once, not to the VUs.
 */
struct inspect_pool {
	struct conn_inspect	*free;
	size_t			 bytes;		/* inspect_bytes of each */
	size_t			 made;
};
const char	*err_kind_name(enum err_kind);
void		 conn_ssl_ctx_setup(struct ssl_ctx_st *, int);

/* inspect.c -- captures and checks: compiled, kept, evaluated */
struct plan_inspect *inspect_compile(const struct plan *, json_t *, int);
void		 inspect_free(struct plan_inspect *);
struct conn_inspect *inspect_buf_new(size_t);
struct conn_inspect *inspect_take(struct inspect_pool *,
		     const struct plan_inspect *);
void		 inspect_give(struct inspect_pool *, struct conn_inspect *);
void		 inspect_pool_free(struct inspect_pool *);
void		 inspect_reset(struct conn_inspect *,
		     const struct plan_inspect *);
void		 inspect_on_field(struct conn_inspect *, const char *, size_t);
void		 inspect_on_value(struct conn_inspect *, const char *, size_t);
void		 inspect_on_headers(struct conn_inspect *);
void		 inspect_on_body(struct conn_inspect *, const char *, size_t);
enum err_kind	 inspect_eval(const struct plan_inspect *,
		     const struct conn_inspect *, char *, uint32_t *,
		     uint64_t *, size_t, uint64_t, char *, char *, size_t);
void		 inspect_cookies(const struct conn_inspect *, struct jar *,
		     const char *, const char *, size_t, int64_t);

/* writer.c -- the sample writer thread and the rings that feed it */
/* One raw sample, as a worker hands it to the writer (SPEC: samples). */
struct sample {
	uint64_t	 t_us;		/* request start, since run start */
	int64_t		 latency_us;	/* -1: no response */
	uint32_t	 bytes;
	uint16_t	 status;
	uint16_t	 req;		/* stat index */
	uint8_t		 error;		/* enum err_kind */
	uint8_t		 warmup;
};
/* Single producer (a worker), single consumer (the writer). */
struct ring {
	struct sample	*slots;
	size_t		 mask;
	_Atomic size_t	 head;		/* written by the producer */
	_Atomic size_t	 tail;		/* written by the consumer */
	uint64_t	 shed;		/* producer only: full ring */
	uint64_t	 capped;	/* producer only: after max_samples */
	_Atomic int	 closed;	/* set once by the consumer: cap hit */
};
/* A row of intervals or system_metrics, queued for the writer. */
struct writer_row {
	int		 kind;		/* WRITER_INTERVAL, WRITER_SYSTEM */
	int64_t		 second;
	char		 request[LOADD_NAME_MAX + 1];
	uint64_t	 requests, errors;
	double		 p50, p95, p99, max;	/* ms */
	unsigned char	*hist;
	size_t		 histlen;
	int64_t		 vus;		/* -1: not the whole run's row */
	double		 cpu_pct, target_cpu_pct;
	int64_t		 rss, target_rss;	/* -1: unknown */
	struct writer_row *next;
};
#define WRITER_INTERVAL	1
#define WRITER_SYSTEM	2
struct writer;
struct ring	*ring_create(size_t);
void		 ring_free(struct ring *);
int		 ring_push(struct ring *, const struct sample *);
struct writer	*writer_start(const char *, int64_t, char **, size_t,
		     struct ring **, size_t, int64_t, char **);
void		 writer_queue(struct writer *, struct writer_row *);
void		 writer_stop(struct writer *, uint64_t *, uint64_t *,
		     uint64_t *);

/* store-samples.c -- the writer's connection and statements */
struct store_sink;
struct store_sink *store_sink_open(const char *, int64_t, char **, size_t,
		     char **);
void		 store_sink_close(struct store_sink *);
void		 store_sink_begin(struct store_sink *);
size_t		 store_sink_commit(struct store_sink *);
size_t		 store_sink_samples(struct store_sink *, const struct sample *,
		     size_t);
void		 store_sink_row(struct store_sink *, const struct writer_row *);

/* worker.c -- load worker threads */
#define WSTAT_CHECK_MAX	192	/* a check's example, made per response */
/* Per-name statistics of one worker for one second. */
struct wstat {
	struct hist	 lat;		/* complete responses, ns */
	uint64_t	 ok, failed;
	uint64_t	 errors[ERR_NKINDS];
	uint64_t	 bytes_sent, bytes_recv;
	uint64_t	 proto_n[2];	/* sent over PROTO_H1, PROTO_H2 */
	uint16_t	 status[8];	/* failing statuses seen ... */
	uint64_t	 status_n[8];	/* ... and how often */
	const char	*example[ERR_NKINDS];
	char		 check[WSTAT_CHECK_MAX];	/* example[ERR_CHECK] */
};
/* What a worker hands the main thread each second. */
struct wblock {
	int64_t		 second;	/* since run start */
	uint64_t	 warmup_requests;
	uint64_t	 iterations;
	uint64_t	 late;		/* open: waited for a free VU */
	uint64_t	 dropped;	/* open: backlog full */
	uint64_t	 stream_waits;	/* h2: waited for a stream */
	int64_t		 vus;		/* active at the end of it */
	struct hist	 svc;		/* open: service time, ns */
	struct wstat	 overall;	/* every request, no groups */
	size_t		 nstats;
	struct wblock	*next;
	struct wstat	 stats[];
};
enum worker_cmd {
	WORKER_VUS,
	WORKER_RATE,
	WORKER_PAUSE,
	WORKER_RESUME,
	WORKER_STOP
};
struct worker;
typedef void	(*worker_done_cb)(void *);
struct worker	*worker_create(int, int, const struct plan *, uint64_t,
		     worker_done_cb, void *);
int		 worker_start(struct worker *, char **);
void		 worker_command(struct worker *, enum worker_cmd, double);
int64_t		 worker_started_ms(struct worker *);
struct wblock	*worker_take(struct worker *);
int		 worker_finished(struct worker *);
void		 worker_join(struct worker *);
void		 worker_free(struct worker *);
struct ring	*worker_ring(struct worker *);
const char	*worker_exhausted(struct worker *);
struct wblock	*wblock_create(size_t);
void		 wblock_merge(struct wblock *, const struct wblock *);
void		 wstat_merge(struct wstat *, const struct wstat *);
uint64_t	 clock_ns(void);
int64_t		 clock_wall_ms(void);

/* stats.c -- statistics from merged worker blocks */
/* A scope's statistics: each metric's value, NAN where there is no data. */
struct stats {
	double		 v[METRIC_N];
	uint64_t	 proto_n[2];	/* requests sent over h1, h2 */
};
void		 stats_compute(struct stats *, const struct wstat *, double);
void		 stats_latency(struct stats *, const struct hist *);
json_t		*stats_value_json(enum metric, double);
json_t		*stats_json(const struct stats *);
json_t		*stats_protocol_json(const struct stats *);
void		 stats_from_json(struct stats *, json_t *);
json_t		*stats_errors(const struct plan *, const struct wblock *);
char		*stats_abort_reason(json_t *, const char *);
json_t		*stats_thresholds(const struct plan *, const struct stats *,
		     const struct stats *, size_t, int, int *);
double		 stats_ms(uint64_t);

/* result.c -- a run's results, typed, and its summary document */
struct result {
	char		**names;	/* borrowed: requests, then groups */
	size_t		 nnames;
	size_t		*order;		/* report order: indexes of names */
	struct stats	 overall;
	struct stats	*stats;		/* one per name */
	double		 duration_s;	/* NAN: nothing was measured */
	uint64_t	 warmup_requests;
	uint64_t	 stream_waits;	/* h2: requests that waited */
	json_t		*errors;	/* SPEC section 7 rows */
	json_t		*thresholds;	/* verdicts */
	int		 passed;
	const char	*reason;	/* why it did not pass, or NULL */

	int		 open;		/* open model: what follows is set */
	uint64_t	 late;		/* iterations that waited for a VU */
	uint64_t	 dropped;	/* that never started */
	struct stats	 service;	/* latency from the actual send */

	struct stats	*levels;	/* sweep: one per level, or NULL */
	double		*level_vus;
	size_t		 nlevels;
};
void		 result_build(struct result *, char **, size_t,
		     const struct wblock *, double, json_t *);
void		 result_open(struct result *, const struct wblock *);
void		 result_levels(struct result *, struct wblock *const *,
		     const double *, const double *, size_t);
void		 result_judge(struct result *, const struct plan *, int);
json_t		*result_summary(const struct result *);
void		 result_free(struct result *);

/* compare.c -- a run against a baseline */
#define COMPARE_TOL_MAX	64
/* One entry of a tolerance: [REQUEST:]METRIC:N%. */
struct tolerance_item {
	char		 request[LOADD_NAME_MAX + 1];	/* "": every scope */
	char		 name[16];	/* as the user spelt the metric */
	enum metric	 metric;
	double		 pct;
};
struct tolerance {
	struct tolerance_item items[COMPARE_TOL_MAX];
	size_t		 n;
};
int		 compare_parse_tolerance(const char *, struct tolerance *,
		     char **);
double		 compare_mann_whitney(const double *, size_t, const double *,
		     size_t);
json_t		*compare_runs(struct store *, int64_t, int64_t, const char *,
		     const struct tolerance *, json_t *, json_t *);
char		*compare_md(json_t *);

/* runs.c -- the run queue and the control of runs */
/* A run's status (SPEC section 5); RUN_RUNNING (0) until it ends. */
enum run_status {
	RUN_RUNNING,
	RUN_QUEUED,
	RUN_COMPLETED,
	RUN_STOPPED,
	RUN_ABORTED,
	RUN_FAILED,
	RUN_INTERRUPTED,
	RUN_NSTATUS
};
const char	*run_status_name(enum run_status);
/* What a request of the API thread to the runs came to; api-runs.c maps it. */
enum run_result {
	RUN_OK,
	RUN_DEQUEUED,		/* stop: a queued run was taken off */
	RUN_NOT_ACTIVE,		/* stop, patch: not queued or running */
	RUN_INVALID,		/* patch: a bad body */
	RUN_FORBIDDEN,		/* submit: a target outside allow_targets */
	RUN_LIMIT,		/* submit: beyond what loadd may open */
	RUN_QUEUE_FULL,		/* submit: max_queue reached */
	RUN_STORE,		/* submit: SQLite failed */
	RUN_COLLECTOR		/* submit: a collector outside the list */
};
struct run;
/*
 * The control state of runs: the main thread owns it; the API thread reads
 * and asks through the lock, and wakes the main thread.
 */
struct runs {
	struct event_base	*base;
	const struct config	*config;
	struct store		*store;		/* the main thread's */
	struct event		*wake;
	struct event		*prune;		/* retention, in small steps */
	uint64_t		 pruned;

	pthread_mutex_t		 lock;		/* guards what follows */
	int64_t			*queue;
	size_t			 nqueue;
	int64_t			 active;	/* 0: none */
	int			 starting;	/* active, its workers not yet */
	int			 active_open;	/* its model is open */
	int			 active_conns;	/* connections per VU */
	int			 paused;	/* by PATCH */
	enum run_status		 request;	/* stop asked by the API */
	char			*request_reason; /* or by a collector, why */
	int			 patch_set[WORKER_STOP + 1];
	double			 patch[WORKER_STOP + 1];
	json_t			*progress;
	struct run		*run;		/* main thread only */
	int			 shutting_down;
	struct push		**pushes;	/* main thread: pushers ending */
	size_t			 npushes;
	struct collect		*collect;	/* executions merged here */
};
struct runs	*runs_create(struct event_base *, const struct config *,
		     struct store *);
void		 runs_shutdown(struct runs *);
const struct config *runs_config(struct runs *);
void		 runs_set_config(struct runs *, const struct config *);
void		 runs_free(struct runs *);
void		 runs_next(struct runs *);

/* run.c -- the active run; main thread */
int		 run_start(struct runs *, int64_t);
void		 run_wake(struct runs *);
void		 run_interrupt(struct runs *);

/* runs.c, called from the API thread */
enum run_result	 run_check(const struct config *, json_t *,
		     const struct run_opts *, char **);
enum run_result	 run_enqueue(struct runs *, struct store *, json_t *,
		     json_t *, const struct run_opts *, int64_t *, char **);
enum run_result	 run_stop(struct runs *, int64_t);
enum run_result	 run_patch(struct runs *, int64_t, json_t *, char **,
		     char **);
json_t		*run_progress(struct runs *, int64_t);
int		 run_stop_as(struct runs *, int64_t, enum run_status,
		     const char *);
void		 runs_keep_push(struct runs *, struct push *);
int64_t		 run_active(struct runs *);

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
	struct runs		*runs;

	int			 status;	/* response */
	char			*resp;
	size_t			 resplen;
	const char		*resp_type;
	char			*location;
	char			*allow;
	int			 early;		/* answered before the body */
	struct MHD_Response	*stream;	/* a streamed response, or NULL */
	uint64_t		 start_ns;
	struct api_job		*job;		/* suspended for it (api-work.c) */
};
/* A deferred handler's second half: req NULL when it cannot answer. */
typedef void	(*api_done_cb)(struct api_request *, void *, int);
struct apiwork;
struct apiwork	*api_work(struct api *);
struct events;
struct events	*api_events(struct api *);
/* events.c -- GET /v1/runs/{id}/events, server-sent events */
struct events	*events_start(const char *, struct runs *, size_t, char **);
void		 events_stop(struct events *);
void		 events_free(struct events *);
void		 api_run_events(struct api_request *);
void		 api_scenario_trend(struct api_request *);
void		 api_ui(struct api_request *);
/* api-work.c */
struct apiwork	*apiwork_start(char **);
void		 apiwork_stop(struct apiwork *);
void		 apiwork_free(struct apiwork *);
void		 api_defer(struct api_request *, void (*)(void *), api_done_cb,
		     void *);
void		 api_deferred(struct api_request *);
void		 api_job_free(struct api_request *);
typedef void	(*api_handler_cb)(struct api_request *);
/* A route: a path pattern ("{}" matches one segment) and its methods. */
struct api_route {
	const char	*pattern;
	api_handler_cb	 get, put, post, patch, delete;
	int		 data;	/* the body is a dataset, not JSON */
};
struct api	*api_create(const struct config *, char **);
int		 api_start(struct api *, struct runs *, char **);
void		 api_stop(struct api *);
const char	*api_address(struct api *);
void		 api_set_config(struct api *, const struct config *);
void		 api_reply_json(struct api_request *, int, json_t *);
void		 api_reply_error(struct api_request *, int, const char *,
		     const char *, const char *, ...)
		     __attribute__((format(printf, 5, 6)));
void		 api_reply_empty(struct api_request *, int);
void		 api_reply_store_error(struct api_request *, char *);
typedef ssize_t	(*api_stream_cb)(void *, uint64_t, char *, size_t);
typedef void	(*api_stream_free_cb)(void *);
void		 api_reply_stream(struct api_request *, int, const char *,
		     api_stream_cb, void *, api_stream_free_cb);
const char	*api_query(struct api_request *, const char *);
int		 api_need_body(struct api_request *);
int		 api_check_name(struct api_request *);
int		 api_run_id(struct api_request *, int64_t *);
uint64_t	 api_now_ns(void);

/* api-scenarios.c */
void		 api_scenarios_list(struct api_request *);
void		 api_scenario_get(struct api_request *);
void		 api_scenario_put(struct api_request *);
void		 api_scenario_delete(struct api_request *);

/* api-runs.c */
void		 api_runs_list(struct api_request *);
void		 api_run_create(struct api_request *);
void		 api_run_get(struct api_request *);
void		 api_run_patch(struct api_request *);
void		 api_run_delete(struct api_request *);
void		 api_execution_push(struct api_request *);
void		 api_run_stop(struct api_request *);
void		 api_run_timeseries(struct api_request *);
void		 api_run_samples(struct api_request *);
void		 api_run_report(struct api_request *);
void		 api_metrics(struct api_request *);

/* api-data.c */
void		 api_data_list(struct api_request *);
void		 api_data_get(struct api_request *);
void		 api_data_put(struct api_request *);
void		 api_data_delete(struct api_request *);
int		 api_data_type(struct api_request *);
json_t		*api_data_columns(struct api_request *);

/* api-baselines.c */
void		 api_baselines_list(struct api_request *);
void		 api_baseline_get(struct api_request *);
void		 api_baseline_put(struct api_request *);
void		 api_baseline_delete(struct api_request *);
void		 api_run_compare(struct api_request *);

/* notify.c */
void		 notify_ready(const char *);
void		 notify_stopping(void);
uint64_t	 notify_watchdog_usec(void);
void		 notify_watchdog(void);

/* sysmon.c -- /proc samples of loadd, the host and a target; main thread */
#include <sys/types.h>
struct sysmon;
/* One sample; rates are over the time since the previous sample. */
struct sysmon_sample {
	double		 cpu_pct;		/* loadd; 100 = one core */
	int64_t		 rss_bytes;		/* loadd's VmRSS; -1: unknown */
	double		 host_cpu_pct;		/* 0 .. 100 * cores */
	int64_t		 host_mem_used_bytes;	/* MemTotal - MemAvailable */
	int64_t		 host_net_rx_bytes;	/* per second, all interfaces */
	int64_t		 host_net_tx_bytes;
	int		 target_ok;		/* the target was sampled */
	double		 target_cpu_pct;
	int64_t		 target_rss_bytes;	/* -1: unknown */
	int		 threads_busy_pct;	/* busiest "loadd-w*", or -1 */
};
struct sysmon	*sysmon_create(pid_t, const char *, char **);
int		 sysmon_sample(struct sysmon *, struct sysmon_sample *);
void		 sysmon_free(struct sysmon *);

/* report.c -- the report of an ended run, SPEC section 7; report-text.c */
struct evbuffer;
/* A point of a time series (or of the latency spectrum): NAN for NULL. */
struct report_point {
	double		 t;		/* second, or 1/(1-p) for a spectrum */
	double		 v[6];
};
/* What a report is drawn from; built by report_render(). */
struct report {
	json_t			*doc;	/* the format=json document */
	struct report_point	*iv;	/* intervals '*': requests, errors, */
	size_t			 niv;	/*   p50, p95, p99, max ms */
	struct report_point	*sys;	/* cpu %, rss, target cpu %, rss */
	size_t			 nsys;
	struct hist		*hist;	/* the '*' histograms merged, or NULL */
};
int		 report_format_known(const char *);
int		 report_render(struct store *, int64_t, const char *, char **,
		     size_t *, const char **, char **);
const char	*report_str(json_t *, const char *);
double		 report_num(json_t *, const char *);
const char	*report_fmt(char *, size_t, double, int);
const char	*report_ms(char *, size_t, double);
const char	*report_bytes(char *, size_t, double);
const char	*report_duration(char *, size_t, double);
const char	*report_actual(char *, size_t, json_t *);
const char	*report_value(char *, size_t, double, const char *);
const char	*report_cell(char *, size_t, json_t *, enum metric);
size_t		 report_failed_thresholds(struct report *, size_t *);
json_t		**report_sorted_errors(struct report *, size_t *);
void		 report_esc_xml(struct evbuffer *, const char *);

/* report-text.c */
int		 report_json(struct report *, struct evbuffer *);
int		 report_md(struct report *, struct evbuffer *);
int		 report_csv(struct report *, struct evbuffer *);
int		 report_junit(struct report *, struct evbuffer *);

/* report-html.c */
int		 report_html(struct report *, struct evbuffer *);

#endif
