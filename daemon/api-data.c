/* SPDX-License-Identifier: MIT */
/*
 * api-data.c -- /v1/data: stored datasets (SPEC section 14). A PUT body is
 * CSV (text/csv) or JSON lines (application/x-ndjson), up to max_data_bytes;
 * a malformed one is a 400 invalid_data naming its line. GET serves the
 * dataset as CSV. Runs on the API thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "loadd.h"

#define API_DATA_CSV	0
#define API_DATA_NDJSON	1

/* The body's format from its Content-Type: API_DATA_*, or -1. */
int
api_data_type(struct api_request *req)
{
	const char	*ct;
	size_t		 n;

	ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct == NULL)
		return (-1);
	n = strcspn(ct, "; \t");
	if (n == 8 && strncasecmp(ct, "text/csv", n) == 0)
		return (API_DATA_CSV);
	if ((n == 20 && strncasecmp(ct, "application/x-ndjson", n) == 0) ||
	    (n == 17 && strncasecmp(ct, "application/jsonl", n) == 0))
		return (API_DATA_NDJSON);
	return (-1);
}

/* GET /v1/data */
void
api_data_list(struct api_request *req)
{
	json_t	*list;
	char	*cause;

	if ((list = store_data_list(req->store, &cause)) == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, list);
}

/* GET /v1/data/{name}: the dataset as CSV. */
void
api_data_get(struct api_request *req)
{
	char	*csv, *cause;
	size_t	 len;

	if (api_check_name(req) != 0)
		return;
	switch (store_data_get(req->store, req->param, &csv, &len, &cause)) {
	case 1:
		free(req->resp);
		req->resp = csv;
		req->resplen = len;
		req->status = 200;
		req->resp_type = "text/csv; charset=utf-8";
		break;
	case 0:
		api_reply_error(req, 404, "data_not_found", "", "no dataset "
		    "named \"%s\"", req->param);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}

/* PUT /v1/data/{name}: 201 created, 200 replaced. */
void
api_data_put(struct api_request *req)
{
	struct dataset	*d;
	json_t		*doc;
	char		*cause;
	int		 type, created;

	if (api_check_name(req) != 0)
		return;
	if (req->bodylen == 0) {
		api_reply_error(req, 400, "missing_body", "", "this request "
		    "needs a body: CSV (text/csv) or JSON lines "
		    "(application/x-ndjson)");
		return;
	}
	if ((type = api_data_type(req)) < 0) {
		api_reply_error(req, 415, "unsupported_media_type", "",
		    "expected Content-Type: text/csv or application/x-ndjson");
		return;
	}
	d = type == API_DATA_CSV ?
	    data_parse_csv(req->body, req->bodylen, &cause) :
	    data_parse_ndjson(req->body, req->bodylen, &cause);
	if (d == NULL) {
		api_reply_error(req, 400, "invalid_data", "", "%s", cause);
		free(cause);
		return;
	}
	if (store_data_put(req->store, req->param, d, &created, &cause) != 0) {
		data_free(d);
		api_reply_store_error(req, cause);
		return;
	}
	doc = json_pack("{s:s, s:o, s:I}", "name", req->param, "columns",
	    data_columns_json(d), "rows", (json_int_t)d->nrows);
	data_free(d);
	if (created)
		xasprintf(&req->location, "/v1/data/%s", req->param);
	api_reply_json(req, created ? 201 : 200, doc);
}

/* DELETE /v1/data/{name}: 204. */
void
api_data_delete(struct api_request *req)
{
	char	*cause;

	if (api_check_name(req) != 0)
		return;
	switch (store_data_delete(req->store, req->param, &cause)) {
	case 1:
		api_reply_empty(req, 204);
		break;
	case 0:
		api_reply_error(req, 404, "data_not_found", "", "no dataset "
		    "named \"%s\"", req->param);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}

/*
 * The stored datasets as {NAME: [COLUMN, ...]}, for the validator (a new
 * reference); NULL when they cannot be read (the validator then lets any
 * dataset pass, and the run fails at start if it is missing).
 */
json_t *
api_data_columns(struct api_request *req)
{
	json_t	*list, *d, *out;
	char	*cause;
	size_t	 i;

	if ((list = store_data_list(req->store, &cause)) == NULL) {
		log_warn("api: datasets: %s", cause);
		free(cause);
		return (NULL);
	}
	out = json_object();
	json_array_foreach(json_object_get(list, "data"), i, d)
		json_object_set(out, json_string_value(json_object_get(d,
		    "name")), json_object_get(d, "columns"));
	json_decref(list);
	return (out);
}
