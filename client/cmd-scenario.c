/* SPDX-License-Identifier: MIT */
/*
 * cmd-scenario.c -- "loadctl scenario put|ls|show|rm": stored scenarios,
 * /v1/scenarios. Also reads scenario files for "loadctl run FILE".
 */
#include "loadctl.h"

#include <stdlib.h>
#include <string.h>

static int	cmd_scenario_exec(const struct cmd_entry *, int, char **);
static int	cmd_scenario_put(const struct cmd_entry *, int, char **);
static int	cmd_scenario_ls(const struct cmd_entry *, int, char **);
static int	cmd_scenario_show(const struct cmd_entry *, int, char **);
static int	cmd_scenario_rm(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_scenario_entry = {
	.name = "scenario",
	.usage = "put FILE... | ls | show NAME | rm NAME",
	.help = "store, list, show and remove scenarios",
	.exec = cmd_scenario_exec
};

static const struct cmd_entry cmd_scenario_put_entry = {
	.name = "scenario put",
	.usage = "FILE...",
	.help = "store each scenario file (\"-\" is stdin) under its \"name\"",
	.exec = cmd_scenario_put
};

static const struct cmd_entry cmd_scenario_ls_entry = {
	.name = "scenario ls",
	.usage = "",
	.help = "list the stored scenarios",
	.exec = cmd_scenario_ls
};

static const struct cmd_entry cmd_scenario_show_entry = {
	.name = "scenario show",
	.usage = "NAME",
	.help = "print a stored scenario as JSON",
	.exec = cmd_scenario_show
};

static const struct cmd_entry cmd_scenario_rm_entry = {
	.name = "scenario rm",
	.usage = "NAME",
	.help = "remove a stored scenario",
	.exec = cmd_scenario_rm
};

static const struct cmd_entry *cmd_scenario_table[] = {
	&cmd_scenario_put_entry,
	&cmd_scenario_ls_entry,
	&cmd_scenario_show_entry,
	&cmd_scenario_rm_entry,
	NULL
};

/* "scenario SUB ...": pick the subcommand. */
static int
cmd_scenario_exec(const struct cmd_entry *e, int argc, char **argv)
{
	return (cmd_dispatch(e->name, cmd_scenario_table, argc, argv));
}

/*
 * Read a scenario document from a file ("-" is stdin). A file that cannot be
 * read or is not a JSON object ends loadctl with exit 2, naming the file and
 * jansson's line:column. Returns a new reference.
 */
json_t *
cmd_scenario_load(const char *path, int need_name)
{
	json_t		*json;
	json_error_t	 jerr;
	const char	*shown = strcmp(path, "-") == 0 ? "<stdin>" : path;

	if (strcmp(path, "-") == 0)
		json = json_loadf(stdin, 0, &jerr);
	else
		json = json_load_file(path, 0, &jerr);
	if (json == NULL) {
		if (jerr.line > 0)
			out_die(LOADCTL_EXIT_USAGE, "%s:%d:%d: %s", shown,
			    jerr.line, jerr.column, jerr.text);
		out_die(LOADCTL_EXIT_USAGE, "%s: %s", shown, jerr.text);
	}
	if (!json_is_object(json))
		out_die(LOADCTL_EXIT_USAGE, "%s: a scenario is a JSON object",
		    shown);
	if (need_name) {
		if (!json_is_string(json_object_get(json, "name")) ||
		    *json_string_value(json_object_get(json, "name")) == '\0')
			out_die(LOADCTL_EXIT_USAGE, "%s: no \"name\" string in "
			    "the scenario", shown);
	}
	return (json);
}

/* PUT each file under its name; all files are read before any is sent. */
static int
cmd_scenario_put(const struct cmd_entry *e, int argc, char **argv)
{
	json_t		**docs, *resp;
	const char	 *name;
	char		 *esc, *path;
	long		  status;
	int		  i, n, stdin_seen = 0;

	while (cmd_getopt(e, argc, argv, "", NULL) != -1)
		;
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return (cmd_usage_error(e, "missing FILE"));

	docs = xcalloc(argc, sizeof *docs);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0 && stdin_seen++)
			out_die(LOADCTL_EXIT_USAGE, "\"-\" given twice");
		docs[i] = cmd_scenario_load(argv[i], 1);
	}
	for (n = 0; n < argc; n++) {
		name = json_string_value(json_object_get(docs[n], "name"));
		esc = http_escape(name);
		xasprintf(&path, "/v1/scenarios/%s", esc);
		resp = http_json("PUT", path, docs[n], &status);
		if (loadctl_opts.json)
			out_json(resp);
		else
			printf("stored %s (%s)\n", name,
			    status == 201 ? "created" : "updated");
		json_decref(resp);
		free(path);
		free(esc);
	}
	for (i = 0; i < argc; i++)
		json_decref(docs[i]);
	free(docs);
	return (LOADCTL_EXIT_OK);
}

/* GET /v1/scenarios as a table. */
static int
cmd_scenario_ls(const struct cmd_entry *e, int argc, char **argv)
{
	struct out_table	*t;
	json_t			*list, *s;
	char			*v;
	size_t			 i;

	while (cmd_getopt(e, argc, argv, "", NULL) != -1)
		;
	if (optind != argc)
		return (cmd_usage_error(e, "unexpected argument %s",
		    argv[optind]));

	list = http_json("GET", "/v1/scenarios", NULL, NULL);
	if (loadctl_opts.json) {
		out_json(list);
		json_decref(list);
		return (LOADCTL_EXIT_OK);
	}
	t = out_table_create("NAME", "EXECUTOR", ">REQUESTS", "UPDATED",
	    "DESCRIPTION", NULL);
	json_array_foreach(json_object_get(list, "scenarios"), i, s) {
		out_table_add(t, OUT_PLAIN, out_string(s, "name", "-"));
		out_table_add(t, OUT_PLAIN, out_string(s, "executor", "-"));
		v = out_scalar(json_object_get(s, "requests"));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		v = out_time(out_string(s, "updated_at", NULL));
		out_table_add(t, OUT_PLAIN, v);
		free(v);
		out_table_add(t, OUT_PLAIN, out_string(s, "description", ""));
	}
	if (json_array_size(json_object_get(list, "scenarios")) == 0)
		printf("no scenarios stored; add one with "
		    "'loadctl scenario put FILE'\n");
	else
		out_table_print(t);
	out_table_free(t);
	json_decref(list);
	return (LOADCTL_EXIT_OK);
}

/* Build /v1/scenarios/NAME from the single NAME operand, or fail usage. */
static char *
cmd_scenario_path(const struct cmd_entry *e, int argc, char **argv)
{
	char	*esc, *path;

	while (cmd_getopt(e, argc, argv, "", NULL) != -1)
		;
	if (argc - optind != 1) {
		if (argc == optind)
			cmd_usage_error(e, "missing NAME");
		else
			cmd_usage_error(e, "unexpected argument %s",
			    argv[optind + 1]);
		exit(LOADCTL_EXIT_USAGE);
	}
	esc = http_escape(argv[optind]);
	xasprintf(&path, "/v1/scenarios/%s", esc);
	free(esc);
	return (path);
}

/* GET /v1/scenarios/NAME and print its spec. */
static int
cmd_scenario_show(const struct cmd_entry *e, int argc, char **argv)
{
	json_t	*s, *spec;
	char	*path;

	path = cmd_scenario_path(e, argc, argv);
	s = http_json("GET", path, NULL, NULL);
	spec = json_object_get(s, "spec");	/* borrowed */
	if (loadctl_opts.json || spec == NULL)
		out_json(s);
	else
		out_json(spec);
	json_decref(s);
	free(path);
	return (LOADCTL_EXIT_OK);
}

/* DELETE /v1/scenarios/NAME. */
static int
cmd_scenario_rm(const struct cmd_entry *e, int argc, char **argv)
{
	json_t	*resp;
	char	*path;

	path = cmd_scenario_path(e, argc, argv);
	resp = http_json("DELETE", path, NULL, NULL);
	if (loadctl_opts.json)
		out_json(resp);
	else
		printf("removed scenario %s\n", argv[optind]);
	json_decref(resp);
	free(path);
	return (LOADCTL_EXIT_OK);
}
