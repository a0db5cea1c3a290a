/* SPDX-License-Identifier: MIT */
/*
 * cmd-report.c -- "loadctl report" (a run's report in any format, written
 * as the server sent it) and "loadctl compare" (a run against a baseline or
 * another run, SPEC section 8; exit 1 on a regression).
 */
#include "loadctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int	cmd_report_exec(const struct cmd_entry *, int, char **);
static int	cmd_compare_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "ID [--format json|md|csv|html|junit] [-o FILE]",
	.help = "print a run's report, or write it to FILE; the format "
	    "defaults to FILE's\nextension (.json .md .csv .html .xml), else "
	    "md (json with --json)",
	.exec = cmd_report_exec
};

const struct cmd_entry cmd_compare_entry = {
	.name = "compare",
	.usage = "ID --baseline NAME | --run ID2 [--tolerance SPEC] "
	    "[--format json|md]",
	.help = "compare a run with a baseline or another run; exit 1 on a "
	    "regression\n(SPEC e.g. mean:10%,p95:5%,rps:10%,error_rate:1%)",
	.exec = cmd_compare_exec
};

/* Is fmt one of the report formats? */
static int
cmd_report_format_ok(const char *fmt)
{
	static const char	*formats[] = { "json", "md", "csv", "html",
				    "junit", NULL };
	u_int			 i;

	for (i = 0; formats[i] != NULL; i++) {
		if (strcmp(fmt, formats[i]) == 0)
			return (1);
	}
	return (0);
}

/* The format a file name asks for, from its extension, or NULL. */
static const char *
cmd_report_format_of(const char *file)
{
	static const char	*ext[][2] = {
		{ ".json", "json" }, { ".md", "md" }, { ".markdown", "md" },
		{ ".csv", "csv" }, { ".html", "html" }, { ".htm", "html" },
		{ ".xml", "junit" }, { NULL, NULL }
	};
	size_t			 len = strlen(file), n;
	u_int			 i;

	for (i = 0; ext[i][0] != NULL; i++) {
		n = strlen(ext[i][0]);
		if (len > n && strcasecmp(file + len - n, ext[i][0]) == 0)
			return (ext[i][1]);
	}
	return (NULL);
}

/* GET a path and return the body whatever it is; errors exit 3. */
static void
cmd_report_get(const char *path, struct http_response *resp)
{
	http_call("GET", path, NULL, resp);
	if (resp->status < 200 || resp->status >= 300) {
		out_server_error(resp);
		http_response_free(resp);
		exit(http_exit_code(resp->status));
	}
}

/* "loadctl report ID": the body goes out byte for byte. */
static int
cmd_report_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct http_response	 resp;
	const char		*format = NULL, *file = NULL;
	char			*id, *path;
	FILE			*f;
	int			 ch;

	while ((ch = cmd_getopt(e, argc, argv, "f:o:", opts)) != -1) {
		switch (ch) {
		case 'f':
			if (!cmd_report_format_ok(optarg))
				return (cmd_usage_error(e, "unknown format %s",
				    optarg));
			format = optarg;
			break;
		case 'o':
			file = optarg;
			break;
		}
	}
	if (argc - optind != 1)
		return (cmd_usage_error(e, argc == optind ? "missing ID" :
		    "too many arguments"));
	if (format == NULL && file != NULL && strcmp(file, "-") != 0 &&
	    (format = cmd_report_format_of(file)) == NULL)
		return (cmd_usage_error(e, "cannot tell the format of %s from "
		    "its extension (.json, .md, .csv, .html, .xml): give "
		    "--format", file));
	if (format == NULL)
		format = loadctl_opts.json ? "json" : "md";

	id = http_escape(argv[optind]);
	xasprintf(&path, "/v1/runs/%s/report", id);
	free(id);
	http_query_add(&path, "format", format);
	cmd_report_get(path, &resp);
	free(path);

	if (file == NULL || strcmp(file, "-") == 0)
		f = stdout;
	else if ((f = fopen(file, "w")) == NULL)
		out_die(LOADCTL_EXIT_USAGE, "%s: %s", file, strerror(errno));
	/* As sent; only a terminal gets a final newline if one is missing. */
	if (f == stdout && out_is_tty() && resp.len != 0 &&
	    resp.body[resp.len - 1] != '\n')
		resp.body[resp.len++] = '\n';
	if (fwrite(resp.body, 1, resp.len, f) != resp.len ||
	    (f == stdout ? fflush(f) : fclose(f)) != 0)
		out_die(LOADCTL_EXIT_USAGE, "%s: %s", file != NULL ? file :
		    "<stdout>", strerror(errno));
	http_response_free(&resp);
	return (LOADCTL_EXIT_OK);
}

/* A number cell, or "-" when the value is missing. */
static void
cmd_compare_cell(struct out_table *t, const json_t *v, const char *fmt)
{
	if (json_is_number(v))
		out_table_addf(t, OUT_PLAIN, fmt, json_number_value(v));
	else
		out_table_add(t, OUT_PLAIN, "-");
}

/*
 * Print a comparison (SPEC section 8) as a table with the verdict line.
 * Returns 0 if it passed, 1 if something regressed.
 */
int
cmd_compare_print(const json_t *cmp)
{
	const json_t		*base = json_object_get(cmp, "baseline");
	const json_t		*m, *v;
	struct out_table	*t;
	const char		*req, *verdict;
	enum out_colour		 c;
	char			*bid, *rid;
	size_t			 i;
	json_int_t		 regressions = 0;
	int			 passed;

	rid = out_scalar(json_object_get(cmp, "run_id"));
	bid = out_scalar(json_object_get(base, "run_id"));
	if (json_is_string(json_object_get(base, "name")))
		printf("run %s vs baseline %s (run %s)\n", rid,
		    out_string(base, "name", "?"), bid);
	else
		printf("run %s vs run %s\n", rid, bid);
	free(bid);
	free(rid);

	t = out_table_create("REQUEST", "METRIC", ">BASELINE", ">CURRENT",
	    ">CHANGE", "VERDICT", "NOTE", NULL);
	json_array_foreach(json_object_get(cmp, "metrics"), i, m) {
		req = out_string(m, "request", NULL);
		if (req == NULL || *req == '\0' || strcmp(req, "*") == 0)
			req = "overall";
		out_table_add(t, OUT_PLAIN, req);
		out_table_add(t, OUT_PLAIN, out_string(m, "metric", "?"));
		cmd_compare_cell(t, json_object_get(m, "baseline"), "%.2f");
		cmd_compare_cell(t, json_object_get(m, "current"), "%.2f");
		cmd_compare_cell(t, json_object_get(m, "change_pct"),
		    "%+.1f%%");
		verdict = out_string(m, "verdict", "-");
		c = OUT_PLAIN;
		if (strcmp(verdict, "regressed") == 0) {
			c = OUT_RED;
			regressions++;
		} else if (strcmp(verdict, "improved") == 0)
			c = OUT_GREEN;
		out_table_add(t, c, verdict);
		out_table_add(t, OUT_DIM, out_string(m, "note", ""));
	}
	out_table_print(t);
	out_table_free(t);

	v = json_object_get(cmp, "regressions");
	if (json_is_integer(v))
		regressions = json_integer_value(v);
	v = json_object_get(cmp, "passed");
	passed = json_is_boolean(v) ? json_is_true(v) : regressions == 0;
	if (passed)
		printf("%spassed%s\n", out_colour(OUT_GREEN),
		    out_reset(OUT_GREEN));
	else
		printf("%s%" JSON_INTEGER_FORMAT " regression%s%s\n",
		    out_colour(OUT_RED), regressions,
		    regressions == 1 ? "" : "s", out_reset(OUT_RED));
	return (passed ? LOADCTL_EXIT_OK : LOADCTL_EXIT_CHECK);
}

/* "loadctl compare ID": GET /v1/runs/ID/compare. */
static int
cmd_compare_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "run", required_argument, NULL, 'r' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct http_response	 resp;
	const char		*baseline = NULL, *run = NULL;
	const char		*tolerance = NULL, *format = NULL;
	json_t			*cmp;
	char			*id, *path, *mdpath;
	int			 ch, rc;

	while ((ch = cmd_getopt(e, argc, argv, "b:r:t:f:", opts)) != -1) {
		switch (ch) {
		case 'b':
			baseline = optarg;
			break;
		case 'r':
			run = optarg;
			break;
		case 't':
			tolerance = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "md") != 0)
				return (cmd_usage_error(e, "unknown format %s",
				    optarg));
			format = optarg;
			break;
		}
	}
	if (argc - optind != 1)
		return (cmd_usage_error(e, argc == optind ? "missing ID" :
		    "too many arguments"));
	if ((baseline == NULL) == (run == NULL))
		return (cmd_usage_error(e,
		    "give --baseline NAME or --run ID2"));

	id = http_escape(argv[optind]);
	xasprintf(&path, "/v1/runs/%s/compare", id);
	free(id);
	http_query_add(&path, "baseline", baseline);
	http_query_add(&path, "run", run);
	http_query_add(&path, "tolerance", tolerance);

	if (format != NULL && strcmp(format, "md") == 0) {
		mdpath = xstrdup(path);
		http_query_add(&mdpath, "format", "md");
		cmd_report_get(mdpath, &resp);
		free(mdpath);
		fwrite(resp.body, 1, resp.len, stdout);
		fflush(stdout);
		http_response_free(&resp);
	}

	/* The JSON answer decides the exit code, whatever was printed. */
	cmp = http_json("GET", path, NULL, NULL);
	free(path);
	if (format != NULL && strcmp(format, "md") == 0)
		rc = json_is_false(json_object_get(cmp, "passed")) ?
		    LOADCTL_EXIT_CHECK : LOADCTL_EXIT_OK;
	else if (loadctl_opts.json || format != NULL) {
		out_json(cmp);
		rc = json_is_false(json_object_get(cmp, "passed")) ?
		    LOADCTL_EXIT_CHECK : LOADCTL_EXIT_OK;
	} else
		rc = cmd_compare_print(cmp);
	json_decref(cmp);
	return (rc);
}
