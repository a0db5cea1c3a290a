/* SPDX-License-Identifier: MIT */
/*
 * test-data.c -- the dataset parsers (data.c): CSV as RFC 4180 writes it
 * and as spreadsheets save it (quotes, embedded commas and newlines, CRLF,
 * a byte order mark), JSON lines, the line each error names, and the CSV a
 * dataset is stored as reading back to the same dataset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"
#include "tap.h"

/* Do two datasets hold the same columns and cells? */
static int
same(const struct dataset *a, const struct dataset *b)
{
	size_t	i;

	if (a->ncols != b->ncols || a->nrows != b->nrows)
		return (0);
	for (i = 0; i < a->ncols; i++)
		if (strcmp(a->columns[i], b->columns[i]) != 0)
			return (0);
	for (i = 0; i < a->nrows * a->ncols; i++)
		if (strcmp(a->cells[i], b->cells[i]) != 0)
			return (0);
	return (1);
}

/* Parse text as CSV (ndjson 0) or JSON lines (1); NULL and *cause if bad. */
static struct dataset *
parse(const char *text, int ndjson, char **cause)
{
	*cause = NULL;
	if (ndjson)
		return (data_parse_ndjson(text, strlen(text), cause));
	return (data_parse_csv(text, strlen(text), cause));
}

/* The cell at row r, column c. */
static const char *
cell(const struct dataset *d, size_t r, size_t c)
{
	return (d->cells[r * d->ncols + c]);
}

static const struct {
	const char	*text;
	int		 ndjson;
	const char	*cause;	/* a substring of the cause */
} bad[] = {
	{ "", 0, "line 1: empty" },
	{ "\xef\xbb\xbf", 0, "line 1: empty" },
	{ "a,b\n1,2\n3\n", 0, "line 3: 1 field, the first line has 2" },
	{ "a,b\n1,2,3\n", 0, "line 2: 3 fields" },
	{ "a,b\n1,\"x\n", 0, "line 2: a quoted field is not closed" },
	{ "a,b\n1,\"x\"y\n", 0, "line 2: text after a closing quote" },
	{ "a,b\n1,x\"y\n", 0, "line 2: a quote inside an unquoted field" },
	{ "a,a\n1,2\n", 0, "line 1: column \"a\" is named twice" },
	{ "a,b c\n1,2\n", 0, "line 1: column 2: \"b c\" is not a column" },
	{ "a,x.y\n1,2\n", 0, "is not a column name" },
	{ "\n1\n", 0, "line 1: the first line names the columns" },
	{ "a,b\n\"1\n2\",3\n4\n", 0, "line 4: 1 field" },
	{ "", 1, "line 1: empty" },
	{ "{\"a\":1}\nnope\n", 1, "line 2: not JSON" },
	{ "[1,2]\n", 1, "line 1: expected a non-empty JSON object" },
	{ "{}\n", 1, "line 1: expected a non-empty JSON object" },
	{ "{\"a\":1}\n{\"a\":1,\"b\":2}\n", 1, "line 2: 2 keys" },
	{ "{\"a\":1}\n{\"b\":2}\n", 1, "line 2: no key \"a\"" },
	{ "{\"a\":{\"x\":1}}\n", 1, "line 1: \"a\" is an object" },
	{ "{\"a\":[1]}\n", 1, "\"a\" is an array" },
	{ "{\"a b\":1}\n", 1, "line 1: \"a b\" is not a column name" },
	{ "{\"a\":1,\"a\":2}\n", 1, "line 1: not JSON" },
};

int
main(void)
{
	struct dataset	*d, *e;
	char		*cause, *csv;
	size_t		 len, i;

	log_init(LOG_CRIT, 0);

	d = parse("\xef\xbb\xbfuser,pass,note\r\nalice,s3cret,\"hello, world\""
	    "\r\nbob,pw2,\"two\nlines \"\"quoted\"\"\"\r\n", 0, &cause);
	ok(d != NULL, "csv: BOM, CRLF, quoted commas, newlines and quotes");
	if (d == NULL)
		fatalx("%s", cause);
	is_int((int)d->ncols, 3, "csv: three columns");
	is_str(d->columns[0], "user", "csv: the BOM is not part of the first "
	    "column");
	is_int((int)d->nrows, 2, "csv: two rows");
	is_str(cell(d, 0, 2), "hello, world", "csv: a comma in quotes");
	is_str(cell(d, 1, 2), "two\nlines \"quoted\"", "csv: a newline and "
	    "doubled quotes in quotes");
	csv = data_to_csv(d, &len);
	e = parse(csv, 0, &cause);
	ok(e != NULL && same(d, e), "csv: what is stored reads back the same");
	is_str(csv, "user,pass,note\r\nalice,s3cret,\"hello, world\"\r\nbob,"
	    "pw2,\"two\nlines \"\"quoted\"\"\"\r\n", "csv: stored as RFC 4180 "
	    "with CRLF");
	free(csv);
	data_free(e);
	data_free(d);

	d = parse("a,b\n1,2\n3,4", 0, &cause);
	ok(d != NULL && d->nrows == 2 && strcmp(cell(d, 1, 1), "4") == 0,
	    "csv: LF line ends, no final newline");
	data_free(d);
	d = parse("a,b\n1,\n,\n", 0, &cause);
	ok(d != NULL && d->nrows == 2 && strcmp(cell(d, 0, 1), "") == 0 &&
	    strcmp(cell(d, 1, 0), "") == 0, "csv: empty fields");
	data_free(d);
	d = parse("a,b\n1,", 0, &cause);
	ok(d != NULL && d->nrows == 1 && strcmp(cell(d, 0, 1), "") == 0,
	    "csv: an empty last field at the very end");
	data_free(d);
	d = parse("only\nx\n\ny\n", 0, &cause);
	ok(d != NULL && d->nrows == 3 && strcmp(cell(d, 1, 0), "") == 0,
	    "csv: one column: an empty line is an empty value");
	data_free(d);
	d = parse("a,b\n", 0, &cause);
	ok(d != NULL && d->nrows == 0 && d->ncols == 2,
	    "csv: columns and no row");
	data_free(d);

	d = parse("{\"id\":1,\"name\":\"x\",\"ok\":true}\r\n\n{\"name\":\"y\","
	    "\"ok\":false,\"id\":2.5}\n{\"id\":3,\"name\":null,\"ok\":true}",
	    1, &cause);
	ok(d != NULL, "ndjson: three objects, keys in any order, a blank line");
	if (d == NULL)
		fatalx("%s", cause);
	is_int((int)d->nrows, 3, "ndjson: three rows");
	is_str(d->columns[1], "name", "ndjson: the first line's key order");
	is_str(cell(d, 1, 0), "2.5", "ndjson: a number as its JSON text");
	is_str(cell(d, 1, 2), "false", "ndjson: a boolean");
	is_str(cell(d, 2, 1), "", "ndjson: null is empty");
	csv = data_to_csv(d, &len);
	e = parse(csv, 0, &cause);
	ok(e != NULL && same(d, e), "ndjson: stored as CSV, reads back");
	free(csv);
	data_free(e);
	data_free(d);

	d = data_parse_csv("a,b\n1,x\0y\n", 10, &cause);
	ok(d == NULL && cause != NULL && strcmp(cause, "line 2: a NUL byte "
	    "(the data is not text)") == 0, "csv: a NUL byte is refused");
	free(cause);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		d = parse(bad[i].text, bad[i].ndjson, &cause);
		if (!ok(d == NULL && cause != NULL &&
		    strstr(cause, bad[i].cause) != NULL, "%s %zu is refused: "
		    "%s", bad[i].ndjson ? "ndjson" : "csv", i, bad[i].cause))
			diag("cause: %s", cause != NULL ? cause : "(none)");
		data_free(d);
		free(cause);
	}
	return (tap_done());
}
