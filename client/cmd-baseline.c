/* SPDX-License-Identifier: MIT */
/*
 * cmd-baseline.c -- "loadctl baseline set|ls|show|rm": named pointers at
 * runs that later runs are compared with, /v1/baselines.
 */
#include "loadctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int	cmd_baseline_exec(const struct cmd_entry *, int, char **);
static int	cmd_baseline_set(const struct cmd_entry *, int, char **);
static int	cmd_baseline_ls(const struct cmd_entry *, int, char **);
static int	cmd_baseline_show(const struct cmd_entry *, int, char **);
static int	cmd_baseline_rm(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_baseline_entry = {
	.name = "baseline",
	.usage = "set NAME ID | ls | show NAME | rm NAME",
	.help = "name runs as baselines; list, show and remove them",
	.exec = cmd_baseline_exec
};

static const struct cmd_entry cmd_baseline_set_entry = {
	.name = "baseline set",
	.usage = "NAME ID",
	.help = "point baseline NAME at run ID (created or moved)",
	.exec = cmd_baseline_set
};

static const struct cmd_entry cmd_baseline_ls_entry = {
	.name = "baseline ls",
	.usage = "",
	.help = "list the baselines",
	.exec = cmd_baseline_ls
};

static const struct cmd_entry cmd_baseline_show_entry = {
	.name = "baseline show",
	.usage = "NAME",
	.help = "show a baseline and the run it names",
	.exec = cmd_baseline_show
};

static const struct cmd_entry cmd_baseline_rm_entry = {
	.name = "baseline rm",
	.usage = "NAME",
	.help = "remove a baseline (its run stays)",
	.exec = cmd_baseline_rm
};

static const struct cmd_entry *cmd_baseline_table[] = {
	&cmd_baseline_set_entry,
	&cmd_baseline_ls_entry,
	&cmd_baseline_show_entry,
	&cmd_baseline_rm_entry,
	NULL
};

/* "baseline SUB ...": pick the subcommand. */
static int
cmd_baseline_exec(const struct cmd_entry *e, int argc, char **argv)
{
	return (cmd_dispatch(e->name, cmd_baseline_table, argc, argv));
}

/* A run ID as typed, as JSON: an integer when it is one, else a string. */
json_t *
cmd_baseline_run_id(const char *s)
{
	json_t		*id;
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s != '\0' && *end == '\0' && errno == 0)
		id = json_integer((json_int_t)n);
	else
		id = json_string(s);
	if (id == NULL)
		out_die(LOADCTL_EXIT_USAGE, "bad run ID %s", s);
	return (id);
}

/* PUT /v1/baselines/NAME {"run_id": ID}. */
static int
cmd_baseline_set(const struct cmd_entry *e, int argc, char **argv)
{
	json_t	*body, *resp;
	char	*path;
	long	 status;

	cmd_operands(e, argc, argv, 2, "ID");
	body = json_object();
	json_object_set_new(body, "run_id",
	    cmd_baseline_run_id(argv[optind + 1]));
	path = cmd_name_path("/v1/baselines", argv[optind]);
	resp = http_json("PUT", path, body, &status);
	if (loadctl_opts.json)
		out_json(resp);
	else
		printf("baseline %s %s: run %s\n", argv[optind],
		    status == 201 ? "created" : "set", argv[optind + 1]);
	json_decref(resp);
	json_decref(body);
	free(path);
	return (LOADCTL_EXIT_OK);
}

/* GET /v1/baselines as a table. */
static int
cmd_baseline_ls(const struct cmd_entry *e, int argc, char **argv)
{
	struct out_table	*t;
	json_t			*list, *b;
	char			*v;
	size_t			 i;

	cmd_operands(e, argc, argv, 0, "ID");
	list = http_json("GET", "/v1/baselines", NULL, NULL);
	if (loadctl_opts.json) {
		out_json(list);
		json_decref(list);
		return (LOADCTL_EXIT_OK);
	}
	t = out_table_create("NAME", ">RUN", "SCENARIO", "CREATED", NULL);
	json_array_foreach(json_object_get(list, "baselines"), i, b) {
		out_table_add(t, OUT_PLAIN, out_string(b, "name", "-"));
		v = out_scalar(json_object_get(b, "run_id"));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		out_table_add(t, OUT_PLAIN, out_string(b, "scenario", "-"));
		v = out_time(out_string(b, "created_at", NULL));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
	}
	if (json_array_size(json_object_get(list, "baselines")) == 0)
		printf("no baselines; name a run with "
		    "'loadctl baseline set NAME ID'\n");
	else
		out_table_print(t);
	out_table_free(t);
	json_decref(list);
	return (LOADCTL_EXIT_OK);
}

/* GET /v1/baselines/NAME as key: value lines. */
static int
cmd_baseline_show(const struct cmd_entry *e, int argc, char **argv)
{
	json_t		*b, *v;
	const char	*key;
	char		*path, *s, *k;

	cmd_operands(e, argc, argv, 1, "ID");
	path = cmd_name_path("/v1/baselines", argv[optind]);
	b = http_json("GET", path, NULL, NULL);
	free(path);
	if (loadctl_opts.json || !json_is_object(b)) {
		out_json(b);
		json_decref(b);
		return (LOADCTL_EXIT_OK);
	}
	json_object_foreach(b, key, v) {
		if (strcmp(key, "created_at") == 0)
			s = out_time(json_string_value(v));
		else
			s = out_scalar(v);
		xasprintf(&k, "%s:", key);
		out_kv(k, OUT_PLAIN, "%s", s);
		free(k);
		free(s);
	}
	json_decref(b);
	return (LOADCTL_EXIT_OK);
}

/* DELETE /v1/baselines/NAME. */
static int
cmd_baseline_rm(const struct cmd_entry *e, int argc, char **argv)
{
	json_t	*resp;
	char	*path;

	cmd_operands(e, argc, argv, 1, "ID");
	path = cmd_name_path("/v1/baselines", argv[optind]);
	resp = http_json("DELETE", path, NULL, NULL);
	if (loadctl_opts.json)
		out_json(resp);
	else
		printf("removed baseline %s\n", argv[optind]);
	json_decref(resp);
	free(path);
	return (LOADCTL_EXIT_OK);
}
