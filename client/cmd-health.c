/* SPDX-License-Identifier: MIT */
/*
 * cmd-health.c -- "loadctl health": is the daemon up, which version, how
 * long, and what it runs now. GET /v1/health needs no token.
 */
#include "loadctl.h"

#include <stdlib.h>

static int	cmd_health_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_health_entry = {
	.name = "health",
	.usage = "",
	.help = "check that loadd answers; show its version and active run",
	.exec = cmd_health_exec
};

/* GET /v1/health and print one line. */
static int
cmd_health_exec(const struct cmd_entry *e, int argc, char **argv)
{
	json_t		*h, *active;
	char		*run;
	int		 found;
	double		 uptime;

	while (cmd_getopt(e, argc, argv, "", NULL) != -1)
		;
	if (optind != argc)
		return (cmd_usage_error(e, "unexpected argument %s",
		    argv[optind]));

	h = http_json("GET", "/v1/health", NULL, NULL);
	if (loadctl_opts.json) {
		out_json(h);
		json_decref(h);
		return (LOADCTL_EXIT_OK);
	}

	active = json_object_get(h, "active_run");
	if (json_is_object(active))
		active = json_object_get(active, "id");
	run = (active == NULL || json_is_null(active)) ? xstrdup("none") :
	    out_scalar(active);
	uptime = out_number(h, "uptime_s", &found);
	printf("%s%s%s  version %s  uptime %.0fs  active run: %s\n",
	    out_colour(OUT_GREEN), out_string(h, "status", "ok"),
	    out_reset(OUT_GREEN), out_string(h, "version", "?"),
	    found ? uptime : 0.0, run);
	free(run);
	json_decref(h);
	return (LOADCTL_EXIT_OK);
}
