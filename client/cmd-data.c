/* SPDX-License-Identifier: MIT */
/*
 * cmd-data.c -- "loadctl data put|ls|show|rm": the datasets scenarios draw
 * rows from, /v1/data. A file is sent as it is: CSV, or JSON lines when its
 * name ends in .ndjson or .jsonl.
 */
#include "loadctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int	cmd_data_exec(const struct cmd_entry *, int, char **);
static int	cmd_data_put(const struct cmd_entry *, int, char **);
static int	cmd_data_ls(const struct cmd_entry *, int, char **);
static int	cmd_data_show(const struct cmd_entry *, int, char **);
static int	cmd_data_rm(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_data_entry = {
	.name = "data",
	.usage = "put NAME FILE | ls | show NAME | rm NAME",
	.help = "store datasets (CSV or JSON lines); list, show and remove "
	    "them",
	.exec = cmd_data_exec
};

static const struct cmd_entry cmd_data_put_entry = {
	.name = "data put",
	.usage = "NAME FILE",
	.help = "store FILE as dataset NAME (CSV; JSON lines if FILE ends in "
	    ".ndjson or .jsonl; - reads CSV from stdin)",
	.exec = cmd_data_put
};

static const struct cmd_entry cmd_data_ls_entry = {
	.name = "data ls",
	.usage = "",
	.help = "list the datasets",
	.exec = cmd_data_ls
};

static const struct cmd_entry cmd_data_show_entry = {
	.name = "data show",
	.usage = "NAME",
	.help = "print a dataset as CSV",
	.exec = cmd_data_show
};

static const struct cmd_entry cmd_data_rm_entry = {
	.name = "data rm",
	.usage = "NAME",
	.help = "remove a dataset",
	.exec = cmd_data_rm
};

static const struct cmd_entry *cmd_data_table[] = {
	&cmd_data_put_entry,
	&cmd_data_ls_entry,
	&cmd_data_show_entry,
	&cmd_data_rm_entry,
	NULL
};

/* "data SUB ...": pick the subcommand. */
static int
cmd_data_exec(const struct cmd_entry *e, int argc, char **argv)
{
	return (cmd_dispatch(e->name, cmd_data_table, argc, argv));
}

/* Read all of a file (or stdin for "-"); exits 2 on failure. */
static char *
cmd_data_read(const char *file, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0, n;

	if (strcmp(file, "-") == 0)
		f = stdin;
	else if ((f = fopen(file, "rb")) == NULL)
		out_die(LOADCTL_EXIT_USAGE, "%s: %s", file, strerror(errno));
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		out_die(LOADCTL_EXIT_USAGE, "%s: read error", file);
	if (f != stdin)
		fclose(f);
	return (buf);
}

/* Does name end in suffix (any case)? */
static int
cmd_data_ends(const char *name, const char *suffix)
{
	size_t	n = strlen(name), m = strlen(suffix);

	return (n > m && strcasecmp(name + n - m, suffix) == 0);
}

/* PUT /v1/data/NAME with the file. */
static int
cmd_data_put(const struct cmd_entry *e, int argc, char **argv)
{
	struct http_response	 resp;
	json_t			*doc;
	const char		*file, *ctype = "text/csv";
	char			*path, *buf, *cause = NULL;
	size_t			 len;
	int			 rc;

	cmd_operands(e, argc, argv, 2, "FILE");
	file = argv[optind + 1];
	if (cmd_data_ends(file, ".ndjson") || cmd_data_ends(file, ".jsonl"))
		ctype = "application/x-ndjson";
	buf = cmd_data_read(file, &len);
	path = cmd_name_path("/v1/data", argv[optind]);
	if (http_request_raw("PUT", path, buf, len, ctype, &resp,
	    &cause) != 0) {
		out_warn("cannot reach loadd at %s: %s", http_server(), cause);
		exit(LOADCTL_EXIT_SERVER);
	}
	free(buf);
	free(path);
	if (resp.status < 200 || resp.status >= 300) {
		out_server_error(&resp);
		rc = http_exit_code(resp.status);
		http_response_free(&resp);
		return (rc);
	}
	doc = json_loadb(resp.body, resp.len, 0, NULL);
	if (loadctl_opts.json)
		out_json(doc);
	else
		printf("%s dataset %s: %" JSON_INTEGER_FORMAT " row%s, %zu "
		    "column%s\n", resp.status == 201 ? "stored" : "replaced",
		    argv[optind], json_integer_value(json_object_get(doc,
		    "rows")), json_integer_value(json_object_get(doc,
		    "rows")) == 1 ? "" : "s", json_array_size(json_object_get(
		    doc, "columns")), json_array_size(json_object_get(doc,
		    "columns")) == 1 ? "" : "s");
	json_decref(doc);
	http_response_free(&resp);
	return (LOADCTL_EXIT_OK);
}

/* GET /v1/data as a table. */
static int
cmd_data_ls(const struct cmd_entry *e, int argc, char **argv)
{
	struct out_table	*t;
	json_t			*list, *d, *c;
	char			*v, *cols, *n;
	size_t			 i, j;

	cmd_operands(e, argc, argv, 0, "FILE");
	list = http_json("GET", "/v1/data", NULL, NULL);
	if (loadctl_opts.json) {
		out_json(list);
		json_decref(list);
		return (LOADCTL_EXIT_OK);
	}
	t = out_table_create("NAME", ">ROWS", ">BYTES", "COLUMNS", "CREATED",
	    NULL);
	json_array_foreach(json_object_get(list, "data"), i, d) {
		out_table_add(t, OUT_PLAIN, out_string(d, "name", "-"));
		v = out_scalar(json_object_get(d, "rows"));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		v = out_scalar(json_object_get(d, "bytes"));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		cols = xstrdup("");
		json_array_foreach(json_object_get(d, "columns"), j, c) {
			xasprintf(&n, "%s%s%s", cols, j > 0 ? "," : "",
			    json_string_value(c));
			free(cols);
			cols = n;
		}
		out_table_add(t, OUT_PLAIN, cols);
		free(cols);
		v = out_time(out_string(d, "created_at", NULL));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
	}
	if (json_array_size(json_object_get(list, "data")) == 0)
		printf("no datasets; store one with "
		    "'loadctl data put NAME FILE'\n");
	else
		out_table_print(t);
	out_table_free(t);
	json_decref(list);
	return (LOADCTL_EXIT_OK);
}

/* GET /v1/data/NAME: the CSV, byte for byte. */
static int
cmd_data_show(const struct cmd_entry *e, int argc, char **argv)
{
	struct http_response	 resp;
	char			*path;
	int			 rc;

	cmd_operands(e, argc, argv, 1, "FILE");
	path = cmd_name_path("/v1/data", argv[optind]);
	http_call("GET", path, NULL, &resp);
	free(path);
	if (resp.status < 200 || resp.status >= 300) {
		out_server_error(&resp);
		rc = http_exit_code(resp.status);
		http_response_free(&resp);
		return (rc);
	}
	if (fwrite(resp.body, 1, resp.len, stdout) != resp.len ||
	    fflush(stdout) != 0)
		out_die(LOADCTL_EXIT_USAGE, "<stdout>: %s", strerror(errno));
	http_response_free(&resp);
	return (LOADCTL_EXIT_OK);
}

/* DELETE /v1/data/NAME. */
static int
cmd_data_rm(const struct cmd_entry *e, int argc, char **argv)
{
	json_t	*resp;
	char	*path;

	cmd_operands(e, argc, argv, 1, "FILE");
	path = cmd_name_path("/v1/data", argv[optind]);
	resp = http_json("DELETE", path, NULL, NULL);
	json_decref(resp);
	free(path);
	if (!loadctl_opts.json)
		printf("removed dataset %s\n", argv[optind]);
	return (LOADCTL_EXIT_OK);
}
