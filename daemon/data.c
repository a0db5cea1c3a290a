/* SPDX-License-Identifier: MIT */
/*
 * data.c -- datasets (SPEC section 14): parse CSV (RFC 4180: quoted fields
 * with embedded commas, quotes and newlines, CRLF or LF, a UTF-8 BOM) and
 * JSON lines (one flat object per line) into columns and rows, and write a
 * dataset back as CSV, the form it is stored and served in. A malformed
 * input fails with the line it is on. Pure functions: any thread.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "loadd.h"

#define DATA_COLUMNS_MAX	256
#define DATA_CELL_MAX		65536	/* bytes in one field */

/* The length of a line end at p: CRLF, LF, or a CR that ends the text. */
static size_t
data_eol(const char *p, const char *end)
{
	if (p >= end)
		return (0);
	if (*p == '\n')
		return (1);
	if (*p == '\r' && (p + 1 == end || p[1] == '\n'))
		return (p + 1 == end ? 1 : 2);
	return (0);
}

/* Append a cell to the growing array of cells. */
static void
data_push(struct dataset *d, size_t *cap, char *cell)
{
	if (d->ncells == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		d->cells = xreallocarray(d->cells, *cap, sizeof *d->cells);
	}
	d->cells[d->ncells++] = cell;
}

/* A NUL byte cannot be in a value: fail naming its line. */
static int
data_no_nul(const char *text, size_t len, char **cause)
{
	const char	*nul, *p;
	size_t		 line = 1;

	if ((nul = memchr(text, '\0', len)) == NULL)
		return (0);
	for (p = text; p < nul; p++)
		if (*p == '\n')
			line++;
	xasprintf(cause, "line %zu: a NUL byte (the data is not text)", line);
	return (-1);
}

/* Free a dataset; NULL is fine. */
void
data_free(struct dataset *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; d->columns != NULL && i < d->ncols; i++)
		free(d->columns[i]);
	for (i = 0; i < d->ncells; i++)
		free(d->cells[i]);
	free(d->columns);
	free(d->cells);
	free(d);
}

/* Is s a column name: a name (SPEC section 2), so {{VAR.COLUMN}} works? */
static int
data_column_ok(const char *s)
{
	return (parse_name(s) && strchr(s, '.') == NULL);
}

/* Check the header row (cells 0..ncols-1) and move it into columns. */
static int
data_header(struct dataset *d, char **cause)
{
	size_t	i, j;

	if (d->ncols == 0 || (d->ncols == 1 && d->cells[0][0] == '\0')) {
		xasprintf(cause, "line 1: the first line names the columns; "
		    "it is empty");
		return (-1);
	}
	if (d->ncols > DATA_COLUMNS_MAX) {
		xasprintf(cause, "line 1: %zu columns; at most %d", d->ncols,
		    DATA_COLUMNS_MAX);
		return (-1);
	}
	for (i = 0; i < d->ncols; i++) {
		if (!data_column_ok(d->cells[i])) {
			xasprintf(cause, "line 1: column %zu: \"%.64s\" is not "
			    "a column name ([A-Za-z0-9_-]{1,64})", i + 1,
			    d->cells[i]);
			return (-1);
		}
		for (j = 0; j < i; j++)
			if (strcmp(d->cells[i], d->cells[j]) == 0) {
				xasprintf(cause, "line 1: column \"%s\" is "
				    "named twice", d->cells[i]);
				return (-1);
			}
	}
	d->columns = xcalloc(d->ncols, sizeof *d->columns);
	/* The header's cells now belong to columns; rows start afresh. */
	memcpy(d->columns, d->cells, d->ncols * sizeof *d->columns);
	d->ncells = 0;
	return (0);
}

/*
 * Parse CSV. Fields are separated by commas, records by CRLF or LF; a field
 * in double quotes may hold commas, newlines and "" for a quote. The first
 * record names the columns; every other record has as many fields. A last
 * empty line is allowed; an empty line inside is an error (a ragged row).
 */
struct dataset *
data_parse_csv(const char *text, size_t len, char **cause)
{
	struct dataset	*d;
	struct evbuffer	*field;
	const char	*p = text, *end = text + len;
	size_t		 cap = 0, nfields = 0, line = 1, recline = 1;
	int		 header = 1;
	char		*cell;

	if (data_no_nul(text, len, cause) != 0)
		return (NULL);
	d = xcalloc(1, sizeof *d);
	if ((field = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* a UTF-8 byte order mark */
	if (p == end) {
		xasprintf(cause, "line 1: empty: the first line names the "
		    "columns");
		goto fail;
	}
	while (p < end) {
		/* One field. */
		if (*p == '"') {
			p++;
			for (;;) {
				if (p == end) {
					xasprintf(cause, "line %zu: a quoted "
					    "field is not closed", recline);
					goto fail;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						evbuffer_add(field, "\"", 1);
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n')
					line++;
				evbuffer_add(field, p, 1);
				p++;
			}
			if (p < end && *p != ',' && data_eol(p, end) == 0) {
				xasprintf(cause, "line %zu: text after a "
				    "closing quote (a quote inside a field is "
				    "written \"\")", line);
				goto fail;
			}
		} else {
			while (p < end && *p != ',' && data_eol(p, end) == 0) {
				if (*p == '"') {
					xasprintf(cause, "line %zu: a quote "
					    "inside an unquoted field (quote "
					    "the field and write \"\")", line);
					goto fail;
				}
				evbuffer_add(field, p, 1);
				p++;
			}
		}
		if (evbuffer_get_length(field) > DATA_CELL_MAX) {
			xasprintf(cause, "line %zu: a field over %d bytes",
			    line, DATA_CELL_MAX);
			goto fail;
		}
		cell = xmalloc(evbuffer_get_length(field) + 1);
		cell[evbuffer_remove(field, cell,
		    evbuffer_get_length(field))] = '\0';
		data_push(d, &cap, cell);
		nfields++;

		/* The end of a field: a comma, a record's end, or the end. */
		if (p < end && *p == ',') {
			p++;
			if (p == end) {	/* "a,b," at the very end */
				data_push(d, &cap, xstrdup(""));
				nfields++;
			} else
				continue;
		}
		p += data_eol(p, end);
		/* A record is complete. */
		if (header) {
			d->ncols = nfields;
			if (data_header(d, cause) != 0)
				goto fail;
			header = 0;
		} else if (nfields != d->ncols) {
			xasprintf(cause, "line %zu: %zu field%s, the first line "
			    "has %zu columns", recline, nfields,
			    nfields == 1 ? "" : "s", d->ncols);
			goto fail;
		} else
			d->nrows++;
		nfields = 0;
		line++;
		recline = line;
	}
	evbuffer_free(field);
	return (d);

fail:
	evbuffer_free(field);
	data_free(d);
	return (NULL);
}

/*
 * Parse JSON lines: each non-empty line one flat object whose values are
 * strings, numbers, booleans or null (null is ""). The first line's keys,
 * in their order, are the columns; every other line has the same keys.
 */
struct dataset *
data_parse_ndjson(const char *text, size_t len, char **cause)
{
	struct dataset	*d;
	json_t		*o, *v;
	json_error_t	 err;
	const char	*p = text, *end = text + len, *nl, *key;
	size_t		 cap = 0, line = 0, i;
	char		*cell;

	if (data_no_nul(text, len, cause) != 0)
		return (NULL);
	d = xcalloc(1, sizeof *d);
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p == 0 || (nl - p == 1 && *p == '\r'))
			continue;	/* blank lines are skipped */
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES,
		    &err);
		if (o == NULL) {
			xasprintf(cause, "line %zu: not JSON: %s", line,
			    err.text);
			goto fail;
		}
		if (!json_is_object(o) || json_object_size(o) == 0) {
			xasprintf(cause, "line %zu: expected a non-empty JSON "
			    "object", line);
			json_decref(o);
			goto fail;
		}
		if (d->ncols == 0) {
			if (json_object_size(o) > DATA_COLUMNS_MAX) {
				xasprintf(cause, "line %zu: %zu columns; at "
				    "most %d", line, json_object_size(o),
				    DATA_COLUMNS_MAX);
				json_decref(o);
				goto fail;
			}
			d->columns = xcalloc(json_object_size(o),
			    sizeof *d->columns);
			json_object_foreach(o, key, v) {
				if (!data_column_ok(key)) {
					xasprintf(cause, "line %zu: \"%.64s\" "
					    "is not a column name "
					    "([A-Za-z0-9_-]{1,64})", line, key);
					json_decref(o);
					goto fail;
				}
				d->columns[d->ncols++] = xstrdup(key);
			}
		}
		if (json_object_size(o) != d->ncols) {
			xasprintf(cause, "line %zu: %zu key%s, the first line "
			    "has %zu", line, json_object_size(o),
			    json_object_size(o) == 1 ? "" : "s", d->ncols);
			json_decref(o);
			goto fail;
		}
		for (i = 0; i < d->ncols; i++) {
			if ((v = json_object_get(o, d->columns[i])) == NULL) {
				xasprintf(cause, "line %zu: no key \"%s\" (the "
				    "first line has it)", line, d->columns[i]);
				json_decref(o);
				goto fail;
			}
			if (json_is_string(v))
				cell = xstrdup(json_string_value(v));
			else if (json_is_null(v))
				cell = xstrdup("");
			else if (json_is_object(v) || json_is_array(v)) {
				xasprintf(cause, "line %zu: \"%s\" is %s; "
				    "values are strings, numbers, booleans or "
				    "null", line, d->columns[i],
				    json_is_object(v) ? "an object" :
				    "an array");
				json_decref(o);
				goto fail;
			} else if ((cell = json_dumps(v, JSON_ENCODE_ANY)) ==
			    NULL)
				fatalx("json_dumps");
			data_push(d, &cap, cell);
		}
		d->nrows++;
		json_decref(o);
	}
	if (d->ncols == 0) {
		xasprintf(cause, "line 1: empty: expected one JSON object a "
		    "line");
		goto fail;
	}
	return (d);

fail:
	data_free(d);
	return (NULL);
}

/* Append one CSV field, quoted when it must be. */
static void
data_csv_field(struct evbuffer *b, const char *s)
{
	const char	*p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		evbuffer_add(b, s, strlen(s));
		return;
	}
	evbuffer_add(b, "\"", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			evbuffer_add(b, "\"", 1);
		evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, "\"", 1);
}

/* The dataset as CSV, CRLF line ends (RFC 4180); caller frees. */
char *
data_to_csv(const struct dataset *d, size_t *len)
{
	struct evbuffer	*b;
	char		*out;
	size_t		 r, c;

	if ((b = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	for (c = 0; c < d->ncols; c++) {
		if (c > 0)
			evbuffer_add(b, ",", 1);
		data_csv_field(b, d->columns[c]);
	}
	evbuffer_add(b, "\r\n", 2);
	for (r = 0; r < d->nrows; r++) {
		for (c = 0; c < d->ncols; c++) {
			if (c > 0)
				evbuffer_add(b, ",", 1);
			data_csv_field(b, d->cells[r * d->ncols + c]);
		}
		evbuffer_add(b, "\r\n", 2);
	}
	*len = evbuffer_get_length(b);
	out = xmalloc(*len + 1);
	evbuffer_remove(b, out, *len);
	out[*len] = '\0';
	evbuffer_free(b);
	return (out);
}

/* The columns as a JSON array (a new reference). */
json_t *
data_columns_json(const struct dataset *d)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < d->ncols; i++)
		json_array_append_new(a, json_string(d->columns[i]));
	return (a);
}
