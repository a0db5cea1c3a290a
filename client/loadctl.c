/* SPDX-License-Identifier: MIT */
/*
 * loadctl.c -- main: global flags (--server, --token, --json, also from
 * LOADD_URL and LOADD_TOKEN), the command table, usage and option parsing
 * shared by every command. Each command lives in a cmd-*.c file.
 */
#include "loadctl.h"

#include <stdlib.h>
#include <string.h>

#define CMD_OPT_SERVER	0x1000
#define CMD_OPT_TOKEN	0x1001
#define CMD_OPT_JSON	0x1002
#define CMD_OPT_HELP	'h'
#define CMD_OPT_MAX	32	/* long options a command may have */

struct loadctl_options	 loadctl_opts;

static const struct cmd_entry *cmd_table[] = {
	&cmd_health_entry,
	&cmd_scenario_entry,
	&cmd_run_entry,
	&cmd_ls_entry,
	&cmd_status_entry,
	&cmd_wait_entry,
	&cmd_watch_entry,
	&cmd_stop_entry,
	&cmd_rm_entry,
	&cmd_report_entry,
	&cmd_compare_entry,
	&cmd_baseline_entry,
	&cmd_data_entry,
	NULL
};

/* Options every command accepts, after its own. */
static const struct option cmd_global_options[] = {
	{ "server", required_argument, NULL, CMD_OPT_SERVER },
	{ "token", required_argument, NULL, CMD_OPT_TOKEN },
	{ "json", no_argument, NULL, CMD_OPT_JSON },
	{ "help", no_argument, NULL, CMD_OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/* The usage of loadctl itself, on f. */
static void
loadctl_usage(FILE *f)
{
	const struct cmd_entry	**e;

	fprintf(f, "usage: loadctl [--server URL] [--token TOKEN] [--json] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (e = cmd_table; *e != NULL; e++) {
		fprintf(f, "  %-9s %.*s\n", (*e)->name,
		    (int)strcspn((*e)->help, ".;\n"), (*e)->help);
	}
	fprintf(f, "\n"
	    "--server URL   loadd's address: http://HOST:PORT or unix:/PATH\n"
	    "               (default $LOADD_URL, else %s)\n"
	    "--token TOKEN  API token (default $LOADD_TOKEN)\n"
	    "--json         print the server's JSON instead of tables\n\n"
	    "Run 'loadctl COMMAND --help' for a command's arguments.\n"
	    "Exit: 0 ok, 1 check failed, 2 usage, 3 server unreachable or "
	    "error,\n      4 run did not complete.\n",
	    LOADCTL_DEFAULT_SERVER);
}

/* Print a command's usage line on stderr; returns the usage exit code. */
int
cmd_usage(const struct cmd_entry *e)
{
	fprintf(stderr, "usage: loadctl %s%s%s\n", e->name,
	    *e->usage != '\0' ? " " : "", e->usage);
	return (LOADCTL_EXIT_USAGE);
}

/* Say what is wrong with a command line, then its usage; returns 2. */
int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "loadctl %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (cmd_usage(e));
}

/* --help for a command: its usage and what it does, on stdout; exit 0. */
static void __attribute__((noreturn))
cmd_help(const struct cmd_entry *e)
{
	printf("usage: loadctl %s%s%s\n\n%s\n", e->name,
	    *e->usage != '\0' ? " " : "", e->usage, e->help);
	printf("\nglobal options: --server URL, --token TOKEN, --json\n");
	exit(LOADCTL_EXIT_OK);
}

/*
 * getopt_long for a command: its own options plus the global ones and
 * --help, which are handled here. Returns the next option of the command,
 * or -1 at the end (operands are then argv[optind..]). A bad option prints
 * the usage and exits 2. The caller set optind to 0 before the first call.
 */
int
cmd_getopt(const struct cmd_entry *e, int argc, char **argv,
    const char *shortopts, const struct option *longopts)
{
	static struct option	 all[CMD_OPT_MAX + 8];
	char			 opts[64];
	u_int			 n = 0, i;
	int			 ch;

	for (i = 0; longopts != NULL && longopts[i].name != NULL; i++) {
		if (n < CMD_OPT_MAX)
			all[n++] = longopts[i];
	}
	for (i = 0; cmd_global_options[i].name != NULL; i++)
		all[n++] = cmd_global_options[i];
	memset(&all[n], 0, sizeof all[n]);
	snprintf(opts, sizeof opts, ":%sh", shortopts != NULL ? shortopts : "");

	for (;;) {
		ch = getopt_long(argc, argv, opts, all, NULL);
		switch (ch) {
		case CMD_OPT_SERVER:
			loadctl_opts.server = optarg;
			continue;
		case CMD_OPT_TOKEN:
			loadctl_opts.token = optarg;
			continue;
		case CMD_OPT_JSON:
			loadctl_opts.json = 1;
			continue;
		case CMD_OPT_HELP:
			cmd_help(e);
		case '?':
			if (optopt != 0)
				cmd_usage_error(e, "unknown option -%c",
				    optopt);
			else
				cmd_usage_error(e, "unknown option %s",
				    argv[optind - 1]);
			exit(LOADCTL_EXIT_USAGE);
		case ':':
			if (optopt != 0 && optopt < 0x100)
				cmd_usage_error(e,
				    "option -%c needs an argument", optopt);
			else
				cmd_usage_error(e,
				    "option %s needs an argument",
				    argv[optind - 1]);
			exit(LOADCTL_EXIT_USAGE);
		}
		return (ch);
	}
}

/* Find a command by name in a NULL-terminated table. */
static const struct cmd_entry *
cmd_find(const struct cmd_entry **table, const char *name, size_t skip)
{
	const struct cmd_entry	**e;

	for (e = table; *e != NULL; e++) {
		if (strcmp((*e)->name + skip, name) == 0)
			return (*e);
	}
	return (NULL);
}

/*
 * Run a subcommand of a group ("scenario put ..."): argv[0] is the group,
 * argv[1] the subcommand, whose entries are named "GROUP SUB".
 */
int
cmd_dispatch(const char *group, const struct cmd_entry **table, int argc,
    char **argv)
{
	const struct cmd_entry	**e, *found;
	const char		 *sub = argc > 1 ? argv[1] : NULL;
	FILE			 *f = stderr;
	int			  help;

	help = sub != NULL && (strcmp(sub, "--help") == 0 ||
	    strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0);
	if (sub != NULL && !help) {
		found = cmd_find(table, sub, strlen(group) + 1);
		if (found != NULL) {
			optind = 0;
			return (found->exec(found, argc - 1, argv + 1));
		}
		fprintf(stderr, "loadctl %s: unknown command %s\n", group, sub);
	} else if (sub == NULL)
		fprintf(stderr, "loadctl %s: missing command\n", group);
	else
		f = stdout;

	for (e = table; *e != NULL; e++)
		fprintf(f, "usage: loadctl %s%s%s\n", (*e)->name,
		    *(*e)->usage != '\0' ? " " : "", (*e)->usage);
	return (help ? LOADCTL_EXIT_OK : LOADCTL_EXIT_USAGE);
}

/* Parse the global flags, find the command, run it. */
int
main(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "server", required_argument, NULL, CMD_OPT_SERVER },
		{ "token", required_argument, NULL, CMD_OPT_TOKEN },
		{ "json", no_argument, NULL, CMD_OPT_JSON },
		{ "help", no_argument, NULL, CMD_OPT_HELP },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry		*e;
	const char			*env;
	char				*help_argv[4];
	int				 ch, rc;

	out_init();
	loadctl_opts.server = LOADCTL_DEFAULT_SERVER;
	if ((env = getenv("LOADD_URL")) != NULL && *env != '\0')
		loadctl_opts.server = env;
	if ((env = getenv("LOADD_TOKEN")) != NULL && *env != '\0')
		loadctl_opts.token = env;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (ch) {
		case CMD_OPT_SERVER:
			loadctl_opts.server = optarg;
			break;
		case CMD_OPT_TOKEN:
			loadctl_opts.token = optarg;
			break;
		case CMD_OPT_JSON:
			loadctl_opts.json = 1;
			break;
		case CMD_OPT_HELP:
			loadctl_usage(stdout);
			return (LOADCTL_EXIT_OK);
		case 'V':
			printf("loadctl %s\n", PACKAGE_VERSION);
			return (LOADCTL_EXIT_OK);
		case ':':
			fprintf(stderr,
			    "loadctl: option %s needs an argument\n",
			    argv[optind - 1]);
			loadctl_usage(stderr);
			return (LOADCTL_EXIT_USAGE);
		default:
			if (optopt != 0)
				fprintf(stderr, "loadctl: unknown option -%c\n",
				    optopt);
			else
				fprintf(stderr, "loadctl: unknown option %s\n",
				    argv[optind - 1]);
			loadctl_usage(stderr);
			return (LOADCTL_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fprintf(stderr, "loadctl: missing command\n");
		loadctl_usage(stderr);
		return (LOADCTL_EXIT_USAGE);
	}

	if (strcmp(argv[0], "help") == 0) {
		if (argc == 1) {
			loadctl_usage(stdout);
			return (LOADCTL_EXIT_OK);
		}
		/* "help COMMAND [SUB]" is "COMMAND [SUB] --help". */
		if ((e = cmd_find(cmd_table, argv[1], 0)) == NULL) {
			fprintf(stderr, "loadctl: unknown command %s\n",
			    argv[1]);
			return (LOADCTL_EXIT_USAGE);
		}
		help_argv[0] = argv[1];
		help_argv[1] = argc > 2 ? argv[2] : (char *)"--help";
		help_argv[2] = argc > 2 ? (char *)"--help" : NULL;
		help_argv[3] = NULL;
		optind = 0;
		return (e->exec(e, argc > 2 ? 3 : 2, help_argv));
	}

	if ((e = cmd_find(cmd_table, argv[0], 0)) == NULL) {
		fprintf(stderr, "loadctl: unknown command %s\n", argv[0]);
		loadctl_usage(stderr);
		return (LOADCTL_EXIT_USAGE);
	}
	optind = 0;
	rc = e->exec(e, argc, argv);
	http_cleanup();
	return (rc);
}

/*
 * A subcommand takes no option and exactly n operands; missing names the
 * first (NAME) and the second (what) when one is absent. Exits 2 otherwise.
 */
void
cmd_operands(const struct cmd_entry *e, int argc, char **argv, int n,
    const char *what)
{
	while (cmd_getopt(e, argc, argv, "", NULL) != -1)
		;
	if (argc - optind == n)
		return;
	if (argc - optind < n)
		cmd_usage_error(e, "missing %s", argc - optind == 0 ? "NAME" :
		    what);
	else
		cmd_usage_error(e, "unexpected argument %s", argv[optind + n]);
	exit(LOADCTL_EXIT_USAGE);
}

/* PREFIX/NAME with NAME escaped for a path; caller frees. */
char *
cmd_name_path(const char *prefix, const char *name)
{
	char	*esc, *path;

	esc = http_escape(name);
	xasprintf(&path, "%s/%s", prefix, esc);
	free(esc);
	return (path);
}
