/* SPDX-License-Identifier: MIT */
/*
 * names.c -- the names of a scenario's enumerations, one table each, in
 * the order of their enum: the validator accepts these and nothing else,
 * the compiler maps them to the enum by position.
 */
#include <string.h>

#include "loadd.h"

/* enum executor */
const char *executor_names[] = {
	"constant-vus", "ramping-vus", "constant-rate", "ramping-rate", "sweep",
	NULL
};
/* enum plan_group, from GROUP_PARALLEL (GROUP_NONE is a plain request) */
const char *group_names[] = {
	"parallel", "race", "sequential", "fallback", NULL
};
/* enum plan_data_order */
const char *order_names[] = {
	"per-vu", "sequential", "random", "unique", NULL
};
/* enum proto: what a scenario asks to speak, what a request went over */
const char *proto_names[] = { "http/1.1", "h2", "auto", NULL };
/* enum samples_mode */
const char *samples_names[] = { "all", "errors", "none", NULL };

/* The position of s in names (NULL-terminated), or -1. */
int
name_index(const char **names, const char *s)
{
	int	i;

	for (i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return (i);
	return (-1);
}
