/* SPDX-License-Identifier: MIT */
/*
 * out.c -- everything loadctl prints: aligned tables, key: value lines,
 * colours (only on a terminal, never with NO_COLOR), server errors as one
 * readable line, and small formatters for JSON values, times and durations.
 */
#include "loadctl.h"

#include <sys/types.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUT_TABLE_GAP	2	/* spaces between columns */

/* A table: cells are copied, widths come from the plain text. */
struct out_table {
	u_int		  ncols;
	int		 *right;	/* per column: right-aligned? */
	char		**cells;	/* row-major, ncols a row */
	enum out_colour	 *colours;
	u_int		  ncells;
};

static int	out_tty;	/* stdout is a terminal */
static int	out_colours;	/* ... and colours are wanted */

/* Decide once whether stdout gets progress redraws and colours. */
void
out_init(void)
{
	const char	*term = getenv("TERM");

	out_tty = isatty(STDOUT_FILENO);
	out_colours = out_tty && getenv("NO_COLOR") == NULL &&
	    (term == NULL || strcmp(term, "dumb") != 0);
}

/* Is stdout a terminal? */
int
out_is_tty(void)
{
	return (out_tty);
}

/* The escape sequence that starts a colour, or "" without colours. */
const char *
out_colour(enum out_colour c)
{
	if (!out_colours)
		return ("");
	switch (c) {
	case OUT_PLAIN:
		return ("");
	case OUT_BOLD:
		return ("\033[1m");
	case OUT_RED:
		return ("\033[31m");
	case OUT_GREEN:
		return ("\033[32m");
	case OUT_YELLOW:
		return ("\033[33m");
	case OUT_DIM:
		return ("\033[2m");
	}
	return ("");
}

/* The sequence that ends colour c, or "". */
const char *
out_reset(enum out_colour c)
{
	if (!out_colours || c == OUT_PLAIN)
		return ("");
	return ("\033[0m");
}

/* A message on stderr, prefixed with the program name. */
void
out_warn(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("loadctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A message on stderr, then exit with code. */
void
out_die(int code, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("loadctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* Pretty-print a JSON value on stdout (--json and "show" commands). */
void
out_json(const json_t *json)
{
	if (json == NULL)
		return;
	if (json_dumpf(json, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15)) != 0)
		out_die(LOADCTL_EXIT_SERVER, "cannot write JSON");
	fputc('\n', stdout);
	fflush(stdout);
}

/*
 * Print an error answer: with --json the body goes to stdout as it came
 * (pretty when it is JSON); otherwise one line on stderr,
 * "loadctl: CODE at PATH: MESSAGE", with a hint for 401.
 */
void
out_server_error(const struct http_response *resp)
{
	json_t		*json, *err;
	const char	*code = NULL, *message = NULL, *path = NULL;
	char		*line, *nl;

	json = json_loadb(resp->body, resp->len, 0, NULL);
	if (loadctl_opts.json) {
		if (json != NULL)
			out_json(json);
		else if (resp->len != 0)
			printf("%s%s", resp->body,
			    resp->body[resp->len - 1] == '\n' ? "" : "\n");
		json_decref(json);
		return;
	}

	if ((err = json_object_get(json, "error")) != NULL) {
		if (json_is_object(err)) {
			code = json_string_value(json_object_get(err, "code"));
			message = json_string_value(json_object_get(err,
			    "message"));
			path = json_string_value(json_object_get(err, "path"));
		} else
			message = json_string_value(err);
	}
	if (code == NULL && message == NULL) {
		/* Not loadd's error shape: show the first line of the body. */
		line = xstrdup(resp->len != 0 ? resp->body : "empty answer");
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		out_warn("the server at %s answered %ld: %s", http_server(),
		    resp->status, line);
		free(line);
	} else if (path != NULL && *path != '\0')
		out_warn("%s at %s: %s", code != NULL ? code : "error", path,
		    message != NULL ? message : "");
	else
		out_warn("%s: %s", code != NULL ? code : "error",
		    message != NULL ? message : "");
	if (resp->status == 401)
		fprintf(stderr, "loadctl: give the API token with --token "
		    "TOKEN or LOADD_TOKEN\n");
	json_decref(json);
}

/* A JSON scalar as text ("-" for null or missing); caller frees. */
char *
out_scalar(const json_t *v)
{
	char	*s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return (xstrdup(json_string_value(v)));
	case JSON_INTEGER:
		xasprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (s);
	case JSON_REAL:
		xasprintf(&s, "%.6g", json_real_value(v));
		return (s);
	case JSON_TRUE:
		return (xstrdup("true"));
	case JSON_FALSE:
		return (xstrdup("false"));
	case JSON_OBJECT:
	case JSON_ARRAY:
		if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
			out_die(LOADCTL_EXIT_SERVER, "out of memory");
		return (s);
	case JSON_NULL:
		break;
	}
	return (xstrdup("-"));
}

/* A string member of an object (borrowed), or dflt. */
const char *
out_string(const json_t *obj, const char *key, const char *dflt)
{
	const char	*s;

	if ((s = json_string_value(json_object_get(obj, key))) == NULL)
		return (dflt);
	return (s);
}

/* A number member of an object; *found (if given) says whether it was. */
double
out_number(const json_t *obj, const char *key, int *found)
{
	json_t	*v = json_object_get(obj, key);

	if (found != NULL)
		*found = json_is_number(v);
	return (json_number_value(v));
}

/* Parse an ISO-8601 UTC time ("2024-05-01T12:00:00[.123][Z]"). */
static int
out_parse_time(const char *iso, double *t)
{
	struct tm	 tm;
	const char	*end;
	double		 frac = 0;

	memset(&tm, 0, sizeof tm);
	if (iso == NULL || (end = strptime(iso, "%Y-%m-%dT%H:%M:%S",
	    &tm)) == NULL) {
		if (iso == NULL || (end = strptime(iso, "%Y-%m-%d %H:%M:%S",
		    &tm)) == NULL)
			return (-1);
	}
	if (*end == '.')
		frac = strtod(end, NULL);
	*t = (double)timegm(&tm) + frac;
	return (0);
}

/* A server time for a table: "2024-05-01 12:00:00" (UTC); caller frees. */
char *
out_time(const char *iso)
{
	char	*s;
	size_t	 len;

	if (iso == NULL || *iso == '\0')
		return (xstrdup("-"));
	s = xstrdup(iso);
	len = strlen(s);
	if (len >= 19 && s[10] == 'T') {
		s[10] = ' ';
		s[19] = '\0';
	}
	return (s);
}

/* A duration in seconds as "850ms", "12.3s", "2m05s" or "1h02m"; frees. */
char *
out_duration(double secs)
{
	char		*s;
	long long	 n;

	if (isnan(secs) || secs < 0)
		return (xstrdup("-"));
	if (secs < 1)
		xasprintf(&s, "%.0fms", secs * 1000);
	else if (secs < 60)
		xasprintf(&s, "%.1fs", secs);
	else if (secs < 3600) {
		n = (long long)secs;
		xasprintf(&s, "%lldm%02llds", n / 60, n % 60);
	} else {
		n = (long long)secs;
		xasprintf(&s, "%lldh%02lldm", n / 3600, (n / 60) % 60);
	}
	return (s);
}

/* How long a run ran: ended - started, or until now if it runs; frees. */
char *
out_run_duration(const json_t *run)
{
	double	 start, end;
	int	 found;

	end = out_number(run, "duration_s", &found);
	if (found)
		return (out_duration(end));
	if (out_parse_time(out_string(run, "started_at", NULL), &start) != 0)
		return (xstrdup("-"));
	if (out_parse_time(out_string(run, "ended_at", NULL), &end) != 0)
		end = (double)time(NULL);
	return (out_duration(end - start));
}

/* The colour a run status is shown in. */
enum out_colour
out_status_colour(const char *status)
{
	if (status == NULL)
		return (OUT_PLAIN);
	if (strcmp(status, "completed") == 0)
		return (OUT_GREEN);
	if (strcmp(status, "failed") == 0 || strcmp(status, "aborted") == 0)
		return (OUT_RED);
	if (strcmp(status, "stopped") == 0 ||
	    strcmp(status, "interrupted") == 0)
		return (OUT_YELLOW);
	return (OUT_PLAIN);
}

/* One "key:  value" line, values aligned. */
void
out_kv(const char *key, enum out_colour c, const char *fmt, ...)
{
	va_list	 ap;
	char	*value;

	va_start(ap, fmt);
	xvasprintf(&value, fmt, ap);
	va_end(ap);
	printf("%-11s %s%s%s\n", key, out_colour(c), value, out_reset(c));
	free(value);
}

/*
 * Start a table. The arguments are the column headers, NULL-terminated; a
 * header starting with '>' is right-aligned (numbers), the '>' not shown.
 */
struct out_table *
out_table_create(const char *first, ...)
{
	struct out_table	*t;
	va_list			 ap;
	const char		*h;

	t = xcalloc(1, sizeof *t);
	va_start(ap, first);
	for (h = first; h != NULL; h = va_arg(ap, const char *))
		out_table_column(t, h);
	va_end(ap);
	return (t);
}

/* One more column, before any row: "NAME", or ">NAME" right-aligned. */
void
out_table_column(struct out_table *t, const char *h)
{
	t->right = xreallocarray(t->right, t->ncols + 1, sizeof *t->right);
	t->right[t->ncols] = (*h == '>');
	t->ncols++;
	out_table_add(t, OUT_BOLD, *h == '>' ? h + 1 : h);
}

/* Add the next cell (rows fill left to right, then wrap). */
void
out_table_add(struct out_table *t, enum out_colour c, const char *text)
{
	char	*s, *p;

	t->cells = xreallocarray(t->cells, t->ncells + 1, sizeof *t->cells);
	t->colours = xreallocarray(t->colours, t->ncells + 1,
	    sizeof *t->colours);
	s = xstrdup(text != NULL ? text : "-");
	for (p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	}
	t->cells[t->ncells] = s;
	t->colours[t->ncells] = c;
	t->ncells++;
}

/* Add the next cell from a format. */
void
out_table_addf(struct out_table *t, enum out_colour c, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	out_table_add(t, c, s);
	free(s);
}

/* Width of a cell on screen: UTF-8 continuation bytes take no column. */
static size_t
out_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (((u_char)*s & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

/* Print a table on stdout: columns two spaces apart, no trailing blanks. */
void
out_table_print(struct out_table *t)
{
	size_t	*width;
	u_int	 i, col;
	size_t	 w, pad;
	int	 last;

	if (t->ncols == 0)
		return;
	width = xcalloc(t->ncols, sizeof *width);
	for (i = 0; i < t->ncells; i++) {
		w = out_width(t->cells[i]);
		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (i = 0; i < t->ncells; i++) {
		col = i % t->ncols;
		last = (col == t->ncols - 1 || i == t->ncells - 1);
		pad = width[col] - out_width(t->cells[i]);
		if (t->right[col])
			printf("%*s", (int)pad, "");
		printf("%s%s%s", out_colour(t->colours[i]), t->cells[i],
		    out_reset(t->colours[i]));
		if (last)
			putchar('\n');
		else {
			if (!t->right[col])
				printf("%*s", (int)pad, "");
			printf("%*s", OUT_TABLE_GAP, "");
		}
	}
	free(width);
}

/* Free a table; NULL is fine. */
void
out_table_free(struct out_table *t)
{
	u_int	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colours);
	free(t->right);
	free(t);
}
