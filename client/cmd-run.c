/* SPDX-License-Identifier: MIT */
/*
 * cmd-run.c -- runs: "loadctl run" (start one, optionally follow it to the
 * end and compare it with a baseline), "ls", "status", "wait", "stop", "rm".
 * Following a run polls GET /v1/runs/{id}; the only signal handled is
 * SIGINT while "run --wait" follows its own run (it asks loadd to stop it).
 */
#include "loadctl.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CMD_RUN_POLL_MS		500	/* between two GET /v1/runs/{id} */
#define CMD_RUN_PLAIN_S		5	/* between two progress lines, no tty */
#define CMD_RUN_EXECUTION_S	600	/* wait for an execution's run */

static int	cmd_run_exec(const struct cmd_entry *, int, char **);
static int	cmd_ls_exec(const struct cmd_entry *, int, char **);
static int	cmd_status_exec(const struct cmd_entry *, int, char **);
static int	cmd_wait_exec(const struct cmd_entry *, int, char **);
static int	cmd_stop_exec(const struct cmd_entry *, int, char **);
static int	cmd_rm_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "FILE | --scenario NAME [--label k=v]... "
	    "[--var NAME=VALUE]... [--wait]\n    [--baseline NAME] "
	    "[--tolerance SPEC] [--shard I/N --execution ID --collector URL]"
	    "\n    [--start-at TIME]",
	.help = "start a run from a scenario file (\"-\" is stdin) or a stored "
	    "scenario;\n--wait follows it and prints its summary (Ctrl-C stops "
	    "it), --baseline\ncompares it with a baseline, created from this "
	    "run if it does not exist;\n--shard runs shard I of N of an "
	    "execution merged by the loadd at --collector\n(I and N also from "
	    "JOB_COMPLETION_INDEX and LOADD_SHARDS), --start-at\nstarts it at "
	    "a UTC time (RFC 3339, or +SECONDS from now)",
	.exec = cmd_run_exec
};

const struct cmd_entry cmd_ls_entry = {
	.name = "ls",
	.usage = "[--scenario NAME] [--status STATUS] [--limit N]",
	.help = "list runs, newest first",
	.exec = cmd_ls_exec
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "ID",
	.help = "show a run: status, times, labels, progress and summary",
	.exec = cmd_status_exec
};

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.usage = "ID | --execution ID [--baseline NAME] [--tolerance SPEC]",
	.help = "follow a run (or the merged run of an execution, on its "
	    "collector)\nuntil it ends, then print its summary",
	.exec = cmd_wait_exec
};

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.usage = "ID [--baseline NAME] [--tolerance SPEC]",
	.help = "watch a run live (a line a second), then print its summary",
	.exec = cmd_wait_exec
};

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "ID",
	.help = "stop a queued or running run (its results are kept)",
	.exec = cmd_stop_exec
};

const struct cmd_entry cmd_rm_entry = {
	.name = "rm",
	.usage = "ID",
	.help = "remove an ended run and its samples",
	.exec = cmd_rm_exec
};

static volatile sig_atomic_t	cmd_run_interrupted;
static const char	*cmd_run_reason(const json_t *);
static json_t		*cmd_run_start_at(const char *);
static char		*cmd_run_shard_env(json_t *);

/* SIGINT while following our own run: ask for a stop, once. */
static void
cmd_run_sigint(int sig)
{
	(void)sig;
	cmd_run_interrupted = 1;
	signal(SIGINT, SIG_DFL);	/* a second Ctrl-C leaves at once */
}

/* Is a run status final? */
static int
cmd_run_final(const char *status)
{
	static const char	*final[] = { "completed", "stopped", "aborted",
				    "failed", "interrupted", NULL };
	u_int			 i;

	for (i = 0; status != NULL && final[i] != NULL; i++) {
		if (strcmp(status, final[i]) == 0)
			return (1);
	}
	return (0);
}

/* Exit code for an ended run: 4 unless completed, 1 if it did not pass. */
static int
cmd_run_result(const json_t *run)
{
	if (strcmp(out_string(run, "status", ""), "completed") != 0)
		return (LOADCTL_EXIT_RUN);
	if (json_is_false(json_object_get(run, "passed")))
		return (LOADCTL_EXIT_CHECK);
	return (LOADCTL_EXIT_OK);
}

/* The single ID operand, escaped for a path; exits 2 if missing. */
static char *
cmd_run_id_arg(const struct cmd_entry *e, int argc, char **argv)
{
	if (argc - optind != 1) {
		if (argc == optind)
			cmd_usage_error(e, "missing ID");
		else
			cmd_usage_error(e, "unexpected argument %s",
			    argv[optind + 1]);
		exit(LOADCTL_EXIT_USAGE);
	}
	return (http_escape(argv[optind]));
}

/* Monotonic seconds, for pacing progress lines. */
static double
cmd_run_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* One progress line for a queued or running run; caller frees. */
static char *
cmd_run_progress(const json_t *run)
{
	const json_t	*p = json_object_get(run, "progress"), *lvl;
	const char	*status = out_string(run, "status", "?");
	char		*line, *part;
	double		 v;
	int		 found;

	if (json_is_object(p) && json_is_true(json_object_get(p, "paused")))
		status = "paused";
	line = xstrdup(status);
	if (!json_is_object(p))
		return (line);

#define CMD_RUN_APPEND(...) do {					\
	xasprintf(&part, __VA_ARGS__);					\
	free(line);							\
	line = part;							\
} while (0)
	v = out_number(p, "elapsed_s", &found);
	if (found) {
		CMD_RUN_APPEND("%s  %.1fs", line, v);
		v = out_number(p, "duration_s", &found);
		if (found)
			CMD_RUN_APPEND("%s/%gs", line, v);
	}
	v = out_number(p, "rps", &found);
	if (found)
		CMD_RUN_APPEND("%s  %.0f rps", line, v);
	v = out_number(p, "p95_ms", &found);
	if (found)
		CMD_RUN_APPEND("%s  p95 %.2f ms", line, v);
	v = out_number(p, "errors", &found);
	if (found)
		CMD_RUN_APPEND("%s  errors %.0f", line, v);
	v = out_number(p, "vus", &found);
	if (found)
		CMD_RUN_APPEND("%s  vus %.0f", line, v);
	lvl = json_object_get(p, "level");
	if (json_is_object(lvl))
		CMD_RUN_APPEND("%s  level %.0f/%.0f (%.0f VUs)", line,
		    out_number(lvl, "index", NULL), out_number(lvl, "of", NULL),
		    out_number(lvl, "vus", NULL));
#undef CMD_RUN_APPEND
	return (line);
}

/* Sleep ms milliseconds, returning early on a signal. */
static void
cmd_run_sleep(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	if (nanosleep(&ts, NULL) == -1 && errno != EINTR)
		out_die(LOADCTL_EXIT_SERVER, "nanosleep: %s", strerror(errno));
}

/* What following a run keeps between progress lines. */
struct cmd_follow {
	const char	*id;
	int		 tty;
	int		 drawn;		/* a line is drawn in place */
	double		 printed;	/* when the last plain line went */
	char		*last;		/* the status of the last line */
};

/*
 * Show a queued or running run's progress: on a terminal one line redrawn
 * in place; otherwise a line every few seconds or when the status changes.
 */
static void
cmd_run_show(struct cmd_follow *f, const json_t *run)
{
	const char	*status = out_string(run, "status", "");
	char		*line;

	if (loadctl_opts.json)
		return;
	line = cmd_run_progress(run);
	if (f->tty) {
		printf("\r\033[K%s", line);
		fflush(stdout);
		f->drawn = 1;
	} else if (cmd_run_now() - f->printed >= CMD_RUN_PLAIN_S ||
	    f->last == NULL || strcmp(f->last, status) != 0) {
		printf("%s\n", line);
		fflush(stdout);
		f->printed = cmd_run_now();
	}
	free(line);
	free(f->last);
	f->last = xstrdup(status);
}

/* A Ctrl-C asks loadd, once, to stop the run; a second one leaves. */
static int
cmd_run_tick(void *arg)
{
	struct cmd_follow	*f = arg;
	json_t			*resp;
	char			*stop;

	if (cmd_run_interrupted != 1)
		return (0);
	cmd_run_interrupted = 2;
	if (f->drawn)
		printf("\r\033[K");
	f->drawn = 0;
	fprintf(stderr, "loadctl: stopping run %s (Ctrl-C again to leave it "
	    "running)\n", f->id);
	xasprintf(&stop, "/v1/runs/%s/stop", f->id);
	resp = http_json("POST", stop, NULL, NULL);
	json_decref(resp);
	free(stop);
	return (0);
}

/* An event of the run's stream: progress is shown, end ends it. */
static int
cmd_run_event(const char *event, const char *data, void *arg)
{
	struct cmd_follow	*f = arg;
	json_t			*d, *run, *p;

	if (strcmp(event, "end") == 0)
		return (1);
	if (strcmp(event, "progress") != 0 ||
	    (d = json_loads(data, 0, NULL)) == NULL)
		return (0);
	p = json_object_get(d, "progress");
	run = json_pack("{s:s, s:O?}", "status", "running", "progress", p);
	cmd_run_show(f, run);
	json_decref(run);
	json_decref(d);
	return (0);
}

/*
 * Follow run ID (escaped) until its status is final and return it (a new
 * reference): its event stream (a line a second as it comes), then, to
 * read the end or should the stream fail, polling. With stop_on_int,
 * Ctrl-C asks loadd to stop the run and keeps following it.
 */
static json_t *
cmd_run_follow(const char *id, int stop_on_int)
{
	struct sigaction	 sa, old;
	struct cmd_follow	 f;
	json_t			*run;
	char			*path, *events, *cause = NULL;
	int			 streamed = 0;

	memset(&f, 0, sizeof f);
	f.id = id;
	f.tty = out_is_tty() && !loadctl_opts.json;
	f.printed = -INFINITY;
	if (stop_on_int) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = cmd_run_sigint;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old);
		if (old.sa_handler == SIG_IGN)	/* a background job */
			sigaction(SIGINT, &old, NULL);
	}
	xasprintf(&path, "/v1/runs/%s", id);
	xasprintf(&events, "/v1/runs/%s/events", id);
	for (;;) {
		run = http_json("GET", path, NULL, NULL);
		if (cmd_run_final(out_string(run, "status", NULL)))
			break;
		cmd_run_show(&f, run);
		json_decref(run);
		cmd_run_tick(&f);
		if (!streamed) {
			/* an older loadd has no stream: polling it is */
			streamed = 1;
			http_events(events, cmd_run_event, cmd_run_tick, &f,
			    &cause);
			free(cause);
			cause = NULL;
			continue;
		}
		cmd_run_sleep(CMD_RUN_POLL_MS);
	}
	if (f.drawn) {
		printf("\r\033[K");
		fflush(stdout);
	}
	if (stop_on_int)
		sigaction(SIGINT, &old, NULL);
	free(f.last);
	free(events);
	free(path);
	return (run);
}

/* The summary table's columns after the name: metric, and its format. */
static const struct {
	enum metric	 m;
	const char	*head;
	const char	*fmt;
} cmd_run_columns[] = {
	{ METRIC_REQUESTS, ">REQS", "%.0f" },
	{ METRIC_ERRORS, ">FAIL", "%.0f" },
	{ METRIC_RPS, ">RPS", "%.1f" },
	{ METRIC_AVG, ">AVG", "%.2f" },
	{ METRIC_P50, ">P50", "%.2f" },
	{ METRIC_P95, ">P95", "%.2f" },
	{ METRIC_P99, ">P99", "%.2f" },
	{ METRIC_MAX, ">MAX", "%.2f" },
};
#define CMD_RUN_NCOLUMNS (sizeof cmd_run_columns / sizeof cmd_run_columns[0])

/* A table whose first column is first, then the summary columns. */
static struct out_table *
cmd_run_stats_table(const char *first)
{
	struct out_table	*t;
	u_int			 i;

	t = out_table_create(first, NULL);
	for (i = 0; i < CMD_RUN_NCOLUMNS; i++)
		out_table_column(t, cmd_run_columns[i].head);
	return (t);
}

/* Add one STATS row to the summary table; "-" where there is no data. */
static void
cmd_run_stats_row(struct out_table *t, const char *name, const json_t *s,
    enum out_colour c)
{
	double	v;
	u_int	i;
	int	found;

	out_table_add(t, c, name);
	for (i = 0; i < CMD_RUN_NCOLUMNS; i++) {
		v = out_number(s, metric_defs[cmd_run_columns[i].m].json,
		    &found);
		out_table_addf(t, cmd_run_columns[i].m == METRIC_ERRORS &&
		    found && v > 0 ? OUT_RED : OUT_PLAIN,
		    found ? cmd_run_columns[i].fmt : "-", v);
	}
}

/* A sweep's levels: one row per VU level. */
static void
cmd_run_levels_print(const json_t *levels)
{
	struct out_table	*t;
	const json_t		*l;
	char			*vus;
	size_t			 i;

	if (json_array_size(levels) == 0)
		return;
	t = cmd_run_stats_table(">VUS");
	json_array_foreach(levels, i, l) {
		vus = out_scalar(json_object_get(l, "vus"));
		cmd_run_stats_row(t, vus, l, OUT_PLAIN);
		free(vus);
	}
	printf("\nsweep levels:\n");
	out_table_print(t);
	out_table_free(t);
}

/* The errors of a summary: what failed, how, how often. */
static void
cmd_run_errors_print(const json_t *errors)
{
	struct out_table	*t;
	const json_t		*err;
	char			*v;
	size_t			 i;

	if (json_array_size(errors) == 0)
		return;
	t = out_table_create("REQUEST", "KIND", ">STATUS", ">COUNT",
	    "EXAMPLE", NULL);
	json_array_foreach(errors, i, err) {
		out_table_add(t, OUT_PLAIN, out_string(err, "request", "-"));
		out_table_add(t, OUT_RED, out_string(err, "kind", "-"));
		v = out_scalar(json_object_get(err, "status"));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		v = out_scalar(json_object_get(err, "count"));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		out_table_add(t, OUT_PLAIN, out_string(err, "example", ""));
	}
	printf("\nerrors:\n");
	out_table_print(t);
	out_table_free(t);
}

/* Thresholds and the passed line of an ended run. */
static void
cmd_run_thresholds_print(const json_t *run)
{
	const json_t	*th = json_object_get(run, "thresholds"), *r;
	const json_t	*passed = json_object_get(run, "passed");
	char		*actual;
	size_t		 i;
	int		 ok, failed = 0;

	if (json_array_size(th) != 0)
		printf("\n");
	json_array_foreach(th, i, r) {
		ok = json_is_true(json_object_get(r, "passed"));
		if (!ok)
			failed++;
		actual = out_scalar(json_object_get(r, "actual"));
		printf("%s%s%s  %s  (actual %s%s%s%s)\n",
		    out_colour(ok ? OUT_GREEN : OUT_RED), ok ? "ok  " : "FAIL",
		    out_reset(OUT_RED), out_string(r, "rule", "?"), actual,
		    json_is_number(json_object_get(r, "actual")) ?
		    metric_suffix(out_string(r, "metric", "")) : "",
		    json_is_string(json_object_get(r, "note")) ? ", " : "",
		    out_string(r, "note", ""));
		free(actual);
	}
	if (!json_is_boolean(passed))
		return;
	if (json_is_true(passed))
		printf("\n%spassed%s\n", out_colour(OUT_GREEN),
		    out_reset(OUT_GREEN));
	else if (failed != 0)
		printf("\n%sFAILED thresholds%s\n", out_colour(OUT_RED),
		    out_reset(OUT_RED));
	else if (cmd_run_reason(run) != NULL)
		printf("\n%sFAILED%s: %s\n", out_colour(OUT_RED),
		    out_reset(OUT_RED), cmd_run_reason(run));
	else
		printf("\n%sFAILED%s (run %s)\n", out_colour(OUT_RED),
		    out_reset(OUT_RED), out_string(run, "status", "?"));
}

/*
 * Print the summary of a run: a row per request and one overall (latency
 * in ms), its errors, its thresholds and whether it passed.
 */
void
cmd_run_summary_print(const json_t *run)
{
	const json_t		*sum = json_object_get(run, "summary");
	const json_t		*req, *overall;
	struct out_table	*t;
	size_t			 i;

	overall = json_object_get(sum, "overall");
	if (json_is_object(sum) && (json_is_object(overall) ||
	    json_array_size(json_object_get(sum, "requests")) != 0)) {
		printf("\n");
		t = cmd_run_stats_table("REQUEST");
		json_array_foreach(json_object_get(sum, "requests"), i, req)
			cmd_run_stats_row(t, out_string(req, "name", "?"), req,
			    OUT_PLAIN);
		if (json_is_object(overall))
			cmd_run_stats_row(t, "overall", overall, OUT_BOLD);
		out_table_print(t);
		out_table_free(t);
		printf("%slatency in ms%s\n", out_colour(OUT_DIM),
		    out_reset(OUT_DIM));
		cmd_run_levels_print(json_object_get(sum, "levels"));
		cmd_run_errors_print(json_object_get(sum, "errors"));
	}
	cmd_run_thresholds_print(run);
}

/* Why a run did not pass, if loadd said: "reason" (or an older "error"). */
static const char *
cmd_run_reason(const json_t *run)
{
	const json_t	*err = json_object_get(run, "error");

	if (json_is_string(json_object_get(run, "reason")))
		return (json_string_value(json_object_get(run, "reason")));
	if (json_is_object(err))
		return (out_string(err, "message", NULL));
	if (json_is_string(err))
		return (json_string_value(err));
	return (out_string(run, "message", NULL));
}

/* The header line of an ended run, then its summary. */
static void
cmd_run_ended_print(const json_t *run, const char *id)
{
	const char	*status = out_string(run, "status", "?");
	const char	*reason = cmd_run_reason(run);
	char		*d;

	d = out_run_duration(run);
	printf("run %s %s%s%s after %s (scenario %s)\n", id,
	    out_colour(out_status_colour(status)), status,
	    out_reset(out_status_colour(status)), d,
	    out_string(run, "scenario", "-"));
	if (reason != NULL)
		printf("reason: %s\n", reason);
	free(d);
	cmd_run_summary_print(run);
}

/*
 * Compare run ID with baseline NAME. If the baseline does not exist yet,
 * create it from this run (when the run passed). Returns an exit code.
 */
static int
cmd_run_baseline(const char *id, const json_t *run_id, const char *name,
    const char *tolerance, int passed)
{
	struct http_response	 resp;
	json_t			*json, *err, *body;
	char			*esc, *path;
	int			 rc;

	esc = http_escape(id);
	xasprintf(&path, "/v1/runs/%s/compare", esc);
	free(esc);
	http_query_add(&path, "baseline", name);
	http_query_add(&path, "tolerance", tolerance);
	http_call("GET", path, NULL, &resp);
	free(path);

	json = json_loadb(resp.body, resp.len, 0, NULL);
	err = json_object_get(json_object_get(json, "error"), "code");
	if (resp.status == 404 && json_is_string(err) &&
	    strcmp(json_string_value(err), "baseline_not_found") == 0) {
		json_decref(json);
		http_response_free(&resp);
		if (!passed) {
			out_warn("baseline %s not created: run %s did not "
			    "pass", name, id);
			return (LOADCTL_EXIT_CHECK);
		}
		esc = http_escape(name);
		xasprintf(&path, "/v1/baselines/%s", esc);
		free(esc);
		body = json_pack("{s:O}", "run_id", run_id);
		if (body == NULL)
			out_die(LOADCTL_EXIT_SERVER, "out of memory");
		json = http_json("PUT", path, body, NULL);
		if (loadctl_opts.json)
			out_json(json);
		else
			printf("\nbaseline %s created from run %s\n", name, id);
		json_decref(json);
		json_decref(body);
		free(path);
		return (LOADCTL_EXIT_OK);
	}
	if (resp.status >= 400 || json == NULL) {
		out_server_error(&resp);
		json_decref(json);
		rc = http_exit_code(resp.status);
		http_response_free(&resp);
		return (rc);
	}
	http_response_free(&resp);
	if (loadctl_opts.json) {
		out_json(json);
		rc = json_is_false(json_object_get(json, "passed")) ?
		    LOADCTL_EXIT_CHECK : LOADCTL_EXIT_OK;
	} else {
		printf("\ncompared with baseline %s:\n", name);
		rc = cmd_compare_print(json);
	}
	json_decref(json);
	return (rc);
}

/*
 * Follow run ID (as typed) to its end, print it, compare it with a baseline
 * if asked. Returns the exit code: the worst of run and comparison.
 */
static int
cmd_run_finish(const char *id, const json_t *run_id, const char *baseline,
    const char *tolerance, int stop_on_int)
{
	json_t	*run;
	char	*esc;
	int	 rc, brc;

	esc = http_escape(id);
	run = cmd_run_follow(esc, stop_on_int);
	free(esc);
	if (loadctl_opts.json)
		out_json(run);
	else
		cmd_run_ended_print(run, id);
	rc = cmd_run_result(run);
	if (baseline != NULL && rc != LOADCTL_EXIT_RUN) {
		brc = cmd_run_baseline(id, run_id, baseline, tolerance,
		    rc == LOADCTL_EXIT_OK);
		if (brc > rc)
			rc = brc;
	}
	json_decref(run);
	return (rc);
}

/* Add "k=v" to a labels object; returns -1 if it is not k=v. */
static int
cmd_run_label(json_t *labels, const char *arg)
{
	const char	*eq = strchr(arg, '=');
	char		*key;

	if (eq == NULL || eq == arg)
		return (-1);
	key = xstrdup(arg);
	key[eq - arg] = '\0';
	json_object_set_new(labels, key, json_string(eq + 1));
	free(key);
	return (0);
}

/* "loadctl run": POST /v1/runs, then maybe follow it. */
static int
cmd_run_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ "wait", no_argument, NULL, 'w' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "var", required_argument, NULL, 'v' },
		{ "shard", required_argument, NULL, 'S' },
		{ "start-at", required_argument, NULL, 'A' },
		{ "execution", required_argument, NULL, 'E' },
		{ "collector", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*scenario = NULL, *baseline = NULL, *tolerance = NULL;
	json_t		*labels, *body, *resp, *old, *id, *w, *vars, *shard;
	char		*ids, *why;
	size_t		 i;
	int		 ch, wait = 0, rc;

	labels = json_object();
	vars = json_object();
	shard = json_object();
	while ((ch = cmd_getopt(e, argc, argv, "s:l:wb:t:v:", opts)) != -1) {
		switch (ch) {
		case 's':
			scenario = optarg;
			break;
		case 'l':
			if (cmd_run_label(labels, optarg) != 0) {
				json_decref(labels);
				return (cmd_usage_error(e, "bad label %s "
				    "(want key=value)", optarg));
			}
			break;
		case 'w':
			wait = 1;
			break;
		case 'b':
			baseline = optarg;
			break;
		case 't':
			tolerance = optarg;
			break;
		case 'v':
			if (cmd_run_label(vars, optarg) != 0) {
				json_decref(labels);
				json_decref(vars);
				json_decref(shard);
				return (cmd_usage_error(e, "bad var %s "
				    "(want NAME=VALUE)", optarg));
			}
			break;
		case 'S':
			json_object_set_new(shard, "shard", json_string(optarg));
			break;
		case 'A':
			json_object_set_new(shard, "start_at",
			    cmd_run_start_at(optarg));
			break;
		case 'E':
			json_object_set_new(shard, "execution",
			    json_string(optarg));
			break;
		case 'C':
			json_object_set_new(shard, "collector",
			    json_string(optarg));
			break;
		}
	}
	argc -= optind;
	argv += optind;
	rc = LOADCTL_EXIT_OK;
	if ((why = cmd_run_shard_env(shard)) != NULL) {
		rc = cmd_usage_error(e, "%s", why);
		free(why);
	}
	if (scenario == NULL && argc == 0)
		rc = cmd_usage_error(e, "give a FILE or --scenario NAME");
	else if ((scenario != NULL && argc != 0) || argc > 1)
		rc = cmd_usage_error(e, "give one FILE or --scenario NAME");
	else if (baseline != NULL && !wait)
		rc = cmd_usage_error(e, "--baseline needs --wait");
	else if (tolerance != NULL && baseline == NULL)
		rc = cmd_usage_error(e, "--tolerance needs --baseline");
	if (rc != LOADCTL_EXIT_OK) {
		json_decref(labels);
		json_decref(vars);
		json_decref(shard);
		return (rc);
	}

	if (scenario != NULL) {
		body = json_pack("{s:s}", "scenario", scenario);
		if (json_object_size(labels) != 0)
			json_object_set(body, "labels", labels);
	} else {
		body = cmd_scenario_load(argv[0], 0);
		old = json_object_get(body, "labels");
		if (json_is_object(old))
			json_object_update(old, labels);
		else if (json_object_size(labels) != 0)
			json_object_set(body, "labels", labels);
	}
	/* Run-time values and shard options go beside it (SPEC 14, 16). */
	if (json_object_size(vars) != 0 || json_object_size(shard) != 0) {
		if (scenario == NULL)
			body = json_pack("{s:o}", "scenario", body);
		if (json_object_size(vars) != 0)
			json_object_set(body, "vars", vars);
		json_object_update(body, shard);
	}
	json_decref(vars);
	json_decref(shard);
	json_decref(labels);
	if (body == NULL)
		out_die(LOADCTL_EXIT_SERVER, "out of memory");

	resp = http_json("POST", "/v1/runs", body, NULL);
	json_decref(body);
	id = json_object_get(resp, "id");	/* borrowed */
	if (id == NULL || json_is_null(id)) {
		out_json(resp);
		json_decref(resp);
		out_die(LOADCTL_EXIT_SERVER, "the server at %s did not say "
		    "which run it started", http_server());
	}
	ids = out_scalar(id);
	json_array_foreach(json_object_get(resp, "warnings"), i, w)
		out_warn("%s", json_string_value(w));
	if (!wait || !loadctl_opts.json) {
		if (loadctl_opts.json)
			out_json(resp);
		else
			printf("run %s %s\n", ids, out_string(resp, "status",
			    "queued"));
		fflush(stdout);
	}
	if (wait)
		rc = cmd_run_finish(ids, id, baseline, tolerance, 1);
	free(ids);
	json_decref(resp);
	return (rc);
}

/*
 * --start-at: RFC 3339 as given (loadd checks it), or +SECONDS from now,
 * in UTC (a script's common start, e.g. from a timer).
 */
static json_t *
cmd_run_start_at(const char *s)
{
	struct tm	 tm;
	char		 buf[64], *end;
	time_t		 t;
	long		 secs;

	if (*s != '+')
		return (json_string(s));
	secs = strtol(s + 1, &end, 10);
	if (s[1] == '\0' || *end != '\0' || secs < 0 || secs > 7 * 86400)
		out_die(LOADCTL_EXIT_USAGE, "--start-at %s: expected a UTC time "
		    "(RFC 3339) or +SECONDS", s);
	t = time(NULL) + secs;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (json_string(buf));
}

/*
 * The shard index and count from a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX and LOADD_SHARDS when --shard was not given. NULL,
 * or why not (allocated).
 */
static char *
cmd_run_shard_env(json_t *shard)
{
	const char	*index = getenv("JOB_COMPLETION_INDEX");
	const char	*n = getenv("LOADD_SHARDS");
	char		*s, *why = NULL;

	if (json_object_get(shard, "shard") != NULL ||
	    (n == NULL || *n == '\0'))
		return (NULL);
	if (index == NULL || *index == '\0') {
		xasprintf(&why, "LOADD_SHARDS is set but not "
		    "JOB_COMPLETION_INDEX: give --shard I/N");
		return (why);
	}
	xasprintf(&s, "%s/%s", index, n);
	json_object_set_new(shard, "shard", json_string(s));
	free(s);
	return (NULL);
}

/*
 * The merged run of an execution, on its collector: the shards create it
 * with their first push, so it may not be there yet. Waits up to
 * CMD_RUN_EXECUTION_S; returns its id (a JSON integer).
 */
static json_t *
cmd_run_execution_id(const char *execution)
{
	json_t		*list, *run, *id = NULL;
	char		*esc, *path;
	double		 until = cmd_run_now() + CMD_RUN_EXECUTION_S;
	size_t		 i;
	struct timespec	 ts = { 0, CMD_RUN_POLL_MS * 1000000L };

	esc = http_escape(execution);
	xasprintf(&path, "/v1/runs?execution=%s", esc);
	free(esc);
	while (id == NULL) {
		list = http_json("GET", path, NULL, NULL);
		json_array_foreach(json_object_get(list, "runs"), i, run) {
			/* The merged run, not a shard's on the same loadd. */
			if (json_object_get(run, "shard") != NULL &&
			    !json_is_null(json_object_get(run, "shard")))
				continue;
			id = json_incref(json_object_get(run, "id"));
			break;
		}
		json_decref(list);
		if (id != NULL)
			break;
		if (cmd_run_now() > until || cmd_run_interrupted)
			out_die(LOADCTL_EXIT_RUN, "no run of execution %s at %s "
			    "after %d s", execution, http_server(),
			    CMD_RUN_EXECUTION_S);
		nanosleep(&ts, NULL);
	}
	free(path);
	return (id);
}

/* "loadctl ls": GET /v1/runs as a table. */
static int
cmd_ls_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "status", required_argument, NULL, 'S' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct out_table	*t;
	const char		*scenario = NULL, *status = NULL;
	const char		*limit = NULL, *st;
	const json_t		*run, *passed;
	json_t			*list;
	char			*path, *v, *end;
	size_t			 i;
	long			 n;
	int			 ch;

	while ((ch = cmd_getopt(e, argc, argv, "s:S:n:", opts)) != -1) {
		switch (ch) {
		case 's':
			scenario = optarg;
			break;
		case 'S':
			status = optarg;
			break;
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 1)
				return (cmd_usage_error(e, "bad --limit %s",
				    optarg));
			limit = optarg;
			break;
		}
	}
	if (optind != argc)
		return (cmd_usage_error(e, "unexpected argument %s",
		    argv[optind]));

	path = xstrdup("/v1/runs");
	http_query_add(&path, "scenario", scenario);
	http_query_add(&path, "status", status);
	http_query_add(&path, "limit", limit);
	list = http_json("GET", path, NULL, NULL);
	free(path);
	if (loadctl_opts.json) {
		out_json(list);
		json_decref(list);
		return (LOADCTL_EXIT_OK);
	}

	t = out_table_create(">ID", "SCENARIO", "STATUS", "PASSED", "STARTED",
	    ">DURATION", NULL);
	json_array_foreach(json_object_get(list, "runs"), i, run) {
		v = out_scalar(json_object_get(run, "id"));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		out_table_add(t, OUT_PLAIN, out_string(run, "scenario", "-"));
		st = out_string(run, "status", "-");
		out_table_add(t, out_status_colour(st), st);
		passed = json_object_get(run, "passed");
		if (json_is_boolean(passed))
			out_table_add(t, json_is_true(passed) ? OUT_GREEN :
			    OUT_RED, json_is_true(passed) ? "yes" : "no");
		else
			out_table_add(t, OUT_PLAIN, "-");
		v = out_time(out_string(run, "started_at", NULL));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		v = out_run_duration(run);
		out_table_add(t, OUT_PLAIN, v);
		free(v);
	}
	if (json_array_size(json_object_get(list, "runs")) == 0)
		printf("no runs\n");
	else
		out_table_print(t);
	out_table_free(t);
	json_decref(list);
	return (LOADCTL_EXIT_OK);
}

/* "loadctl status ID": the run as key: value lines, then its summary. */
static int
cmd_status_exec(const struct cmd_entry *e, int argc, char **argv)
{
	json_t		*run, *v;
	const char	*status, *key, *reason;
	char		*id, *path, *s, *labels = NULL, *n;
	int		 printed = 0;

	while (cmd_getopt(e, argc, argv, "", NULL) != -1)
		;
	id = cmd_run_id_arg(e, argc, argv);
	xasprintf(&path, "/v1/runs/%s", id);
	run = http_json("GET", path, NULL, NULL);
	free(path);
	free(id);
	if (loadctl_opts.json) {
		out_json(run);
		json_decref(run);
		return (LOADCTL_EXIT_OK);
	}

	s = out_scalar(json_object_get(run, "id"));
	out_kv("id:", OUT_PLAIN, "%s", s);
	free(s);
	out_kv("scenario:", OUT_PLAIN, "%s", out_string(run, "scenario", "-"));
	status = out_string(run, "status", "-");
	out_kv("status:", out_status_colour(status), "%s", status);
	if ((reason = cmd_run_reason(run)) != NULL)
		out_kv("reason:", OUT_PLAIN, "%s", reason);
	v = json_object_get(run, "passed");
	if (json_is_boolean(v))
		out_kv("passed:", json_is_true(v) ? OUT_GREEN : OUT_RED, "%s",
		    json_is_true(v) ? "yes" : "no");
	s = out_time(out_string(run, "created_at", NULL));
	out_kv("created:", OUT_PLAIN, "%s", s);
	free(s);
	s = out_time(out_string(run, "started_at", NULL));
	out_kv("started:", OUT_PLAIN, "%s", s);
	free(s);
	s = out_time(out_string(run, "ended_at", NULL));
	out_kv("ended:", OUT_PLAIN, "%s", s);
	free(s);
	s = out_run_duration(run);
	out_kv("duration:", OUT_PLAIN, "%s", s);
	free(s);
	json_object_foreach(json_object_get(run, "labels"), key, v) {
		s = out_scalar(v);
		xasprintf(&n, "%s%s%s=%s", labels != NULL ? labels : "",
		    labels != NULL ? " " : "", key, s);
		free(s);
		free(labels);
		labels = n;
		printed = 1;
	}
	if (printed)
		out_kv("labels:", OUT_PLAIN, "%s", labels);
	free(labels);
	if (!cmd_run_final(status)) {
		s = cmd_run_progress(run);
		out_kv("progress:", OUT_PLAIN, "%s", s);
		free(s);
	}
	cmd_run_summary_print(run);
	json_decref(run);
	return (LOADCTL_EXIT_OK);
}

/* "loadctl wait ID": follow an existing run to its end. */
static int
cmd_wait_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "execution", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*baseline = NULL, *tolerance = NULL, *execution = NULL;
	json_t		*run_id;
	char		*id;
	int		 ch, rc;

	while ((ch = cmd_getopt(e, argc, argv, "b:t:", opts)) != -1) {
		switch (ch) {
		case 'b':
			baseline = optarg;
			break;
		case 't':
			tolerance = optarg;
			break;
		case 'E':
			execution = optarg;
			break;
		}
	}
	if (tolerance != NULL && baseline == NULL)
		return (cmd_usage_error(e, "--tolerance needs --baseline"));
	if (execution != NULL) {
		if (argc != optind)
			return (cmd_usage_error(e, "give an ID or --execution "
			    "ID, not both"));
		run_id = cmd_run_execution_id(execution);
		id = out_scalar(run_id);
		rc = cmd_run_finish(id, run_id, baseline, tolerance, 0);
		free(id);
		json_decref(run_id);
		return (rc);
	}
	id = cmd_run_id_arg(e, argc, argv);
	free(id);
	run_id = cmd_baseline_run_id(argv[optind]);
	rc = cmd_run_finish(argv[optind], run_id, baseline, tolerance, 0);
	json_decref(run_id);
	return (rc);
}

/* One request on a run that answers nothing worth showing but JSON. */
static int
cmd_run_action(const struct cmd_entry *e, int argc, char **argv,
    const char *method, const char *suffix, const char *done)
{
	json_t	*resp;
	char	*id, *path;

	while (cmd_getopt(e, argc, argv, "", NULL) != -1)
		;
	id = cmd_run_id_arg(e, argc, argv);
	xasprintf(&path, "/v1/runs/%s%s", id, suffix);
	resp = http_json(method, path, NULL, NULL);
	if (loadctl_opts.json)
		out_json(resp);
	else
		printf("%s run %s\n", done, argv[optind]);
	json_decref(resp);
	free(path);
	free(id);
	return (LOADCTL_EXIT_OK);
}

/* "loadctl stop ID": POST /v1/runs/ID/stop. */
static int
cmd_stop_exec(const struct cmd_entry *e, int argc, char **argv)
{
	return (cmd_run_action(e, argc, argv, "POST", "/stop", "stopping"));
}

/* "loadctl rm ID": DELETE /v1/runs/ID. */
static int
cmd_rm_exec(const struct cmd_entry *e, int argc, char **argv)
{
	return (cmd_run_action(e, argc, argv, "DELETE", "", "removed"));
}
