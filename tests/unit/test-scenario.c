/* SPDX-License-Identifier: MIT */
/*
 * test-scenario.c -- TAP tests of scenario_validate(): every case of
 * tests/integration/invalid-scenarios.tsv must fail with its code and JSON
 * pointer, every line of valid-scenarios.tsv must pass, normalisation must
 * fill the defaults and be idempotent. The source directory comes from
 * argv[1], else $srcdir, else ".".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"
#include "tap.h"

static const struct limits default_limits = {
	10000,			/* max_vus */
	100000,			/* max_rate */
	24LL * 3600 * 1000000	/* max_duration: 24h */
};

/* Split off the next tab-separated field of *line; NULL at the end. */
static char *
next_field(char **line)
{
	char	*f, *tab;

	if (*line == NULL)
		return (NULL);
	f = *line;
	if ((tab = strchr(f, '\t')) != NULL) {
		*tab = '\0';
		*line = tab + 1;
	} else
		*line = NULL;
	return (f);
}

/* Strip a trailing newline (and CR). */
static void
chomp(char *s)
{
	size_t	n;

	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Open $srcdir/tests/integration/NAME. */
static FILE *
open_data(const char *srcdir, const char *name)
{
	char	*path;
	FILE	*f;

	xasprintf(&path, "%s/tests/integration/%s", srcdir, name);
	if ((f = fopen(path, "r")) == NULL)
		diag("cannot open %s", path);
	free(path);
	return (f);
}

/* Every invalid case fails with its code and pointer. */
static void
test_invalid(const char *srcdir)
{
	struct verror	 err;
	json_error_t	 jerr;
	json_t		*in, *copy, *out;
	FILE		*f;
	char		*line = NULL, *rest, *status, *code, *ptr, *doc;
	size_t		 size = 0;
	int		 lineno = 0, ncases = 0;

	if (!ok((f = open_data(srcdir, "invalid-scenarios.tsv")) != NULL,
	    "open invalid-scenarios.tsv"))
		return;
	while (getline(&line, &size, f) != -1) {
		lineno++;
		chomp(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		rest = line;
		status = next_field(&rest);
		code = next_field(&rest);
		ptr = next_field(&rest);
		doc = next_field(&rest);
		if (!ok(doc != NULL && rest == NULL, "line %d has 4 fields",
		    lineno))
			continue;
		if (strcmp(ptr, "\"\"") == 0)
			ptr = "";
		is_str(status, "400", "line %d: status", lineno);
		if (!ok((in = json_loads(doc, JSON_REJECT_DUPLICATES, &jerr)) !=
		    NULL, "line %d: JSON parses", lineno)) {
			diag("%s", jerr.text);
			continue;
		}
		ncases++;
		copy = json_deep_copy(in);
		out = scenario_validate(in, &default_limits, &err);
		if (!ok(out == NULL, "line %d: refused (%s)", lineno, ptr)) {
			json_decref(out);
			json_decref(copy);
			json_decref(in);
			continue;
		}
		is_str(err.code, code, "line %d: code", lineno);
		is_str(err.path, ptr, "line %d: pointer", lineno);
		ok(strstr(err.message, ": ") != NULL &&
		    strchr(err.message, ':') < strchr(err.message, ' '),
		    "line %d: message \"%s\"", lineno, err.message);
		ok(json_equal(in, copy), "line %d: input left alone", lineno);
		json_decref(copy);
		json_decref(in);
	}
	free(line);
	fclose(f);
	ok(ncases >= 60, "%d invalid cases (at least 60)", ncases);
}

/* Every valid line passes, and validating the result again is a no-op. */
static void
test_valid(const char *srcdir)
{
	struct verror	 err;
	json_error_t	 jerr;
	json_t		*in, *copy, *out, *again;
	FILE		*f;
	char		*line = NULL;
	size_t		 size = 0;
	int		 lineno = 0, ncases = 0;

	if (!ok((f = open_data(srcdir, "valid-scenarios.tsv")) != NULL,
	    "open valid-scenarios.tsv"))
		return;
	while (getline(&line, &size, f) != -1) {
		lineno++;
		chomp(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!ok((in = json_loads(line, JSON_REJECT_DUPLICATES,
		    &jerr)) != NULL, "valid line %d: JSON parses", lineno)) {
			diag("%s", jerr.text);
			continue;
		}
		ncases++;
		copy = json_deep_copy(in);
		out = scenario_validate(in, &default_limits, &err);
		if (!ok(out != NULL, "valid line %d: accepted", lineno)) {
			diag("%s at %s: %s", err.code, err.path, err.message);
			json_decref(copy);
			json_decref(in);
			continue;
		}
		ok(json_equal(in, copy), "valid line %d: input left alone",
		    lineno);
		again = scenario_validate(out, &default_limits, &err);
		ok(again != NULL && json_equal(again, out),
		    "valid line %d: normalisation is idempotent", lineno);
		json_decref(again);
		json_decref(out);
		json_decref(copy);
		json_decref(in);
	}
	free(line);
	fclose(f);
	ok(ncases >= 10, "%d valid cases (at least 10)", ncases);
}

/*
 * Validate a document given as text, written with ' for " to stay readable;
 * NULL (with err) if refused.
 */
static json_t *
validate_text(const char *text, const struct limits *lim,
    struct verror *err)
{
	json_error_t	 jerr;
	json_t		*in, *out;
	char		*copy, *p;

	copy = xstrdup(text);
	for (p = copy; *p != '\0'; p++) {
		if (*p == '\'')
			*p = '"';
	}
	in = json_loads(copy, 0, &jerr);
	free(copy);
	if (in == NULL) {
		diag("bad test JSON: %s", jerr.text);
		err->message[0] = '\0';
		return (NULL);
	}
	out = scenario_validate(in, lim, err);
	json_decref(in);
	return (out);
}

/* Defaults are filled in, and some values are normalised. */
static void
test_defaults(void)
{
	struct verror	 err;
	struct limits	 small;
	json_t		*out, *v, *o;
	json_int_t	 n;

	out = validate_text("{'name':'x','target':'http://127.0.0.1:1',"
	    "'requests':[{'name':'a','path':'/'},{'group':'race',"
	    "'name':'g','requests':[{'name':'m1','path':'/'},"
	    "{'name':'m2','path':'/'}]}],'load':{'executor':"
	    "'constant-vus','vus':3.0,'duration':'1m30s'},"
	    "'thresholds':['p95<1s',{'rule':'m1: errors < 1'}]}",
	    &default_limits, &err);
	if (!ok(out != NULL, "defaults: accepted")) {
		diag("%s at %s: %s", err.code, err.path, err.message);
		return;
	}
	if (json_unpack(out, "{s:{s:o}}", "load", "vus", &v) == 0)
		ok(json_is_integer(v) && json_integer_value(v) == 3,
		    "vus 3.0 becomes the integer 3");
	else
		ok(0, "vus present");
	is_str(json_string_value(json_object_get(out, "description")), "",
	    "description \"\"");
	is_str(json_string_value(json_object_get(out, "timeout")), "10s",
	    "timeout \"10s\"");
	is_str(json_string_value(json_object_get(out, "samples")), "all",
	    "samples \"all\"");
	ok(json_is_false(json_object_get(out, "insecure")), "insecure false");
	o = json_object_get(out, "headers");
	ok(json_is_object(o) && json_object_size(o) == 0, "headers {}");
	o = json_object_get(out, "labels");
	ok(json_is_object(o) && json_object_size(o) == 0, "labels {}");
	ok(json_object_get(out, "monitor") == NULL, "monitor stays absent");
	ok(json_object_get(out, "target") != NULL, "target kept");

	o = json_array_get(json_object_get(out, "requests"), 0);
	is_str(json_string_value(json_object_get(o, "method")), "GET",
	    "request method \"GET\"");
	v = json_object_get(o, "weight");
	ok(json_is_integer(v) && json_integer_value(v) == 1, "weight 1");
	v = json_object_get(o, "headers");
	ok(json_is_object(v) && json_object_size(v) == 0,
	    "request headers {}");
	v = json_object_get(o, "thresholds");
	ok(json_is_array(v) && json_array_size(v) == 0,
	    "request thresholds []");
	ok(json_object_get(o, "expect") == NULL, "expect stays absent");
	ok(json_object_get(o, "timeout") == NULL,
	    "request timeout stays absent (the scenario's applies)");

	o = json_array_get(json_object_get(out, "requests"), 1);
	is_str(json_string_value(json_object_get(o, "group")), "race",
	    "group kept");
	v = json_object_get(o, "weight");
	ok(json_is_integer(v) && json_integer_value(v) == 1, "group weight 1");
	o = json_array_get(json_object_get(o, "requests"), 1);
	is_str(json_string_value(json_object_get(o, "method")), "GET",
	    "group member method \"GET\"");

	o = json_object_get(out, "load");
	is_str(json_string_value(json_object_get(o, "warmup")), "0s",
	    "warmup \"0s\"");
	is_str(json_string_value(json_object_get(o, "think_time")), "0s",
	    "think_time \"0s\"");
	is_str(json_string_value(json_object_get(o, "duration")), "1m30s",
	    "duration keeps the user's string");
	ok(json_is_true(json_object_get(o, "keepalive")), "keepalive true");

	o = json_object_get(out, "thresholds");
	ok(json_array_size(o) == 2, "two thresholds");
	is_str(json_string_value(json_object_get(json_array_get(o, 0),
	    "rule")), "p95<1s", "string threshold becomes {rule}");
	ok(json_is_false(json_object_get(json_array_get(o, 0),
	    "abort_on_fail")), "abort_on_fail defaults to false");
	ok(json_is_false(json_object_get(json_array_get(o, 1),
	    "abort_on_fail")), "object threshold gets abort_on_fail false");
	json_decref(out);

	/* Open models: max_vus default, no think_time, start_rate 0. */
	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'ramping-rate','stages':[{'duration':'1s',"
	    "'target':5}]}}", &default_limits, &err);
	if (ok(out != NULL, "ramping-rate accepted")) {
		n = -1;
		json_unpack(out, "{s:{s:I}}", "load", "max_vus", &n);
		is_int(n, 1000, "max_vus defaults to 1000");
		n = -1;
		json_unpack(out, "{s:{s:I}}", "load", "start_rate", &n);
		is_int(n, 0, "start_rate defaults to 0");
		ok(json_object_get(json_object_get(out, "load"),
		    "think_time") == NULL, "no think_time for open models");
		json_decref(out);
	}
	small = default_limits;
	small.max_vus = 50;
	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'constant-rate','rate':5,'duration':'1s'}}",
	    &small, &err);
	if (ok(out != NULL, "constant-rate accepted")) {
		n = -1;
		json_unpack(out, "{s:{s:I}}", "load", "max_vus", &n);
		is_int(n, 50, "max_vus defaults to the daemon's max_vus when "
		    "lower than 1000");
		json_decref(out);
	}
	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'ramping-vus','stages':[{'duration':'1s',"
	    "'target':5}]}}", &default_limits, &err);
	if (ok(out != NULL, "ramping-vus accepted")) {
		n = -1;
		json_unpack(out, "{s:{s:I}}", "load", "start_vus", &n);
		is_int(n, 0, "start_vus defaults to 0");
		json_decref(out);
	}
}

/* Messages read well: field first, what was expected, what was got. */
static void
test_messages(void)
{
	static const struct {
		const char	*doc;
		const char	*message;
	} cases[] = {
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/','method':'GTE'}],'load':{'executor':"
		  "'constant-vus','vus':1,'duration':'1s'}}",
		  "method: expected one of GET, HEAD, POST, PUT, PATCH, "
		  "DELETE, OPTIONS; got \"GTE\"" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':50000,"
		  "'duration':'1s'}}",
		  "vus: must be at most 10000 (max_vus of this daemon); got "
		  "50000" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':1,"
		  "'duraton':'1s'}}",
		  "duraton: unknown field (did you mean \"duration\"?)" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':1,"
		  "'duration':'1s','rate':1}}",
		  "rate: not a field of executor constant-vus" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':'10',"
		  "'duration':'1s'}}",
		  "vus: expected an integer; got a string" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':1,"
		  "'duration':'10'}}",
		  "duration: expected a duration such as \"250ms\", \"1.5s\", "
		  "\"2m\"; got \"10\"" },
		{ "{'target':'http://h','requests':[{'name':'a','path':'/'}],"
		  "'load':{'executor':'constant-vus','vus':1,'duration':'1s'}}",
		  "name: required field is missing" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':1,"
		  "'duration':'1s'},'thresholds':['p98 < 1s']}",
		  "thresholds[0]: unknown metric \"p98\" (expected one of "
		  "avg" },
		{ "{'name':'x','target':'http://h','requests':[{'name':"
		  "'checkout','path':'/'}],'load':{'executor':'constant-vus',"
		  "'vus':1,'duration':'1s'},'thresholds':['checkuot: p95<1s']}",
		  "thresholds[0]: no request or group is named \"checkuot\" "
		  "(did you mean \"checkout\"?)" },
		{ "{'name':'x','requests':[{'name':'a','path':'/'}],'load':"
		  "{'executor':'constant-vus','vus':1,'duration':'1s'}}",
		  "path: needs the scenario's target" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':1,"
		  "'duration':'25h'}}",
		  "duration: the run would last 25h (warmup included), more "
		  "than max_duration (24h)" },
		{ "{'name':'x','target':'http://h','requests':[{'name':'a',"
		  "'path':'/'}],'load':{'executor':'constant-vus','vus':1,"
		  "'duration':'1s'},'labels':{'a b':'c'}}",
		  "labels: key \"a b\" is not a name" },
	};
	struct verror	 err;
	json_t		*out;
	size_t		 i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		out = validate_text(cases[i].doc, &default_limits, &err);
		n = strlen(cases[i].message);
		if (!ok(out == NULL && strncmp(err.message, cases[i].message,
		    n) == 0, "message \"%s\"", cases[i].message))
			diag("got '%s'", err.message);
		json_decref(out);
	}
}

/* A daemon with tighter limits refuses what the defaults allow. */
static void
test_limits(void)
{
	struct limits	 lim = { 100, 50.0, 60LL * 1000000 };
	struct verror	 err;
	json_t		*out;

	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'constant-vus','vus':101,'duration':'1s'}}",
	    &lim, &err);
	ok(out == NULL && strcmp(err.code, "limit_exceeded") == 0 &&
	    strcmp(err.path, "/load/vus") == 0, "vus 101 over max_vus 100");
	json_decref(out);
	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'constant-rate','rate':50.5,'duration':"
	    "'1s'}}", &lim, &err);
	ok(out == NULL && strcmp(err.code, "limit_exceeded") == 0 &&
	    strcmp(err.path, "/load/rate") == 0, "rate 50.5 over max_rate 50");
	json_decref(out);
	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'constant-vus','vus':1,'duration':'1m'}}",
	    &lim, &err);
	ok(out != NULL, "1m fits max_duration 1m exactly");
	json_decref(out);
	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'sweep','levels':[1,2],'level_duration':"
	    "'31s'}}", &lim, &err);
	ok(out == NULL && strcmp(err.code, "limit_exceeded") == 0 &&
	    strcmp(err.path, "/load/level_duration") == 0,
	    "sweep 2 x 31s over max_duration 1m");
	json_decref(out);
	out = validate_text("{'name':'x','target':'http://h',"
	    "'requests':[{'name':'a','path':'/'}],'load':"
	    "{'executor':'constant-rate','rate':5,'duration':'1s',"
	    "'max_vus':100}}", &lim, &err);
	ok(out != NULL, "max_vus equal to the limit is fine");
	json_decref(out);
	out = scenario_validate(NULL, &lim, &err);
	ok(out == NULL && strcmp(err.path, "") == 0, "NULL document refused");
}

/* Run the data files and the hand-written cases. */
int
main(int argc, char **argv)
{
	const char	*srcdir;

	if (argc > 1)
		srcdir = argv[1];
	else if ((srcdir = getenv("srcdir")) == NULL)
		srcdir = ".";
	test_invalid(srcdir);
	test_valid(srcdir);
	test_defaults();
	test_messages();
	test_limits();
	return (tap_done());
}
