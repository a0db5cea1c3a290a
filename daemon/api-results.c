/* SPDX-License-Identifier: MIT */
/*
 * api-results.c -- what a run leaves behind: its time series, its raw
 * samples streamed as CSV, its report, and the Prometheus exposition of the
 * daemon and the active run. Runs on the API thread.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "loadd.h"

/* The {id} of the path, when it names an existing run; else answers. */
static int
api_results_run(struct api_request *req, int64_t *id, json_t **run)
{
	char		*cause;
	int64_t		 v;
	int		 found;

	if (api_run_id(req, &v) != 0)
		return (-1);
	found = store_run_get(req->store, v, run, &cause);
	if (found < 0) {
		api_reply_store_error(req, cause);
		return (-1);
	}
	if (found == 1) {
		*id = v;
		return (0);
	}
	api_reply_error(req, 404, "run_not_found", "", "no run with id \"%s\"",
	    req->param);
	return (-1);
}

/* GET /v1/runs/{id}/timeseries[?request=NAME]: one row a second. */
void
api_run_timeseries(struct api_request *req)
{
	json_t		*run, *series;
	const char	*name;
	char		*cause;
	int64_t		 id;

	if (api_results_run(req, &id, &run) != 0)
		return;
	json_decref(run);
	name = api_query(req, "request");
	if (name == NULL)
		name = "*";
	else if (!parse_name(name) && strcmp(name, "*") != 0) {
		api_reply_error(req, 400, "invalid_query", "", "request: "
		    "expected a request name; got \"%s\"", name);
		return;
	}
	if (strcmp(name, "*") != 0 && !store_run_has_request(req->store, id, name)) {
		api_reply_error(req, 404, "request_not_found", "", "run %lld "
		    "has no request named \"%s\"", (long long)id, name);
		return;
	}
	if ((series = store_run_timeseries(req->store, id, name,
	    &cause)) == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:I, s:s, s:o}", "run_id",
	    (json_int_t)id, "request", name, "series", series));
}

/* A samples CSV stream: a cursor on its own read-only connection. */
struct api_samples {
	struct store_samples *cur;
	char		 row[256];	/* a row that did not fit last time */
	size_t		 rowlen;
	int		 header;
	int		 done;		/* stepping again would start over */
};

static void
api_samples_free(void *arg)
{
	struct api_samples	*s = arg;

	store_samples_close(s->cur);
	free(s);
}

/* Format one sample row as CSV. */
static size_t
api_samples_row(struct api_samples *s, const struct sample_row *r)
{
	char		 lat[32], status[16];
	int		 n;

	lat[0] = status[0] = '\0';
	if (r->latency_us >= 0)
		snprintf(lat, sizeof lat, "%lld", (long long)r->latency_us);
	if (r->status >= 0)
		snprintf(status, sizeof status, "%d", r->status);
	n = snprintf(s->row, sizeof s->row, "%lld,%s,%s,%s,%lld,%s,%d\n",
	    (long long)r->t_us, r->request, lat, status, (long long)r->bytes,
	    r->error != NULL ? r->error : "", r->warmup);
	return (n > 0 && (size_t)n < sizeof s->row ? (size_t)n : 0);
}

/* Fill buf with as many whole rows as fit; memory stays constant. */
static ssize_t
api_samples_read(void *arg, uint64_t pos, char *buf, size_t max)
{
	struct api_samples	*s = arg;
	struct sample_row	 r;
	size_t			 off = 0;
	int			 rc;

	if (!s->header) {
		s->rowlen = (size_t)snprintf(s->row, sizeof s->row,
		    "t_us,request,latency_us,status,bytes,error,warmup\n");
		s->header = 1;
	}
	for (;;) {
		if (s->rowlen > 0) {
			if (off + s->rowlen > max)
				break;
			memcpy(buf + off, s->row, s->rowlen);
			off += s->rowlen;
			s->rowlen = 0;
		}
		if (s->done || (rc = store_samples_next(s->cur, &r)) != 1) {
			if (!s->done)
				s->done = rc == 0 ? 1 : -1;
			if (off > 0)
				break;
			return (s->done == 1 ?
			    MHD_CONTENT_READER_END_OF_STREAM :
			    MHD_CONTENT_READER_END_WITH_ERROR);
		}
		s->rowlen = api_samples_row(s, &r);
	}
	return ((ssize_t)off);
}

/* GET /v1/runs/{id}/samples: the raw samples as CSV, streamed. */
void
api_run_samples(struct api_request *req)
{
	struct api_samples	*s;
	json_t			*run;
	char			*cause;
	int64_t			 id;

	if (api_results_run(req, &id, &run) != 0)
		return;
	json_decref(run);
	s = xcalloc(1, sizeof *s);
	if ((s->cur = store_samples_open(req->config->db, id,
	    &cause)) == NULL) {
		api_reply_store_error(req, cause);
		free(s);
		return;
	}
	api_reply_stream(req, 200, "text/csv; charset=utf-8",
	    api_samples_read, s, api_samples_free);
}

/* GET /v1/runs/{id}/report?format=json|md|csv|html|junit */
void
api_run_report(struct api_request *req)
{
	json_t		*run;
	const char	*format, *status, *ctype;
	char		*out, *cause;
	size_t		 len;
	int64_t		 id;

	if (api_results_run(req, &id, &run) != 0)
		return;
	status = json_string_value(json_object_get(run, "status"));
	if (strcmp(status, "queued") == 0 || strcmp(status, "running") == 0) {
		api_reply_error(req, 409, "run_active", "", "run %lld is %s: "
		    "its report comes when it ends", (long long)id, status);
		json_decref(run);
		return;
	}
	json_decref(run);
	if ((format = api_query(req, "format")) == NULL)
		format = "json";
	if (!report_format_known(format)) {
		api_reply_error(req, 400, "invalid_query", "", "format: "
		    "expected one of json, md, csv, html, junit; got \"%s\"",
		    format);
		return;
	}
	switch (report_render(req->store, id, format, &out, &len, &ctype,
	    &cause)) {
	case 1:
		free(req->resp);
		req->resp = out;
		req->resplen = len;
		req->status = 200;
		req->resp_type = ctype;
		break;
	case 0:
		api_reply_error(req, 404, "run_not_found", "",
		    "no run with id %lld", (long long)id);
		break;
	default:
		api_reply_store_error(req, cause);
		break;
	}
}

/* Append one Prometheus sample line. */
static void
api_metric(char **buf, size_t *len, const char *name, const char *help,
    const char *type, const char *labels, double value)
{
	char	*line;
	int	 n;

	/* No data: the series is absent, never 0 (SPEC 13). */
	if (!isfinite(value))
		return;
	if (help != NULL)
		n = xasprintf(&line, "# HELP %s %s\n# TYPE %s %s\n%s%s %.15g\n",
		    name, help, name, type, name, labels, value);
	else
		n = xasprintf(&line, "%s%s %.15g\n", name, labels, value);
	*buf = xreallocarray(*buf, *len + (size_t)n + 1, 1);
	memcpy(*buf + *len, line, (size_t)n + 1);
	*len += (size_t)n;
	free(line);
}

/*
 * The active run's series per request (label request), from the seconds
 * in the database: requests and errors so far, and the p95 of the newest
 * second. Names are scenario names (A-Z a-z 0-9 . _ -): no escaping.
 */
static void
api_metrics_requests(struct api_request *req, int64_t id, char **buf,
    size_t *len)
{
	static const struct {
		const char	*name, *help, *type, *key;
	} fams[] = {
		{ "loadd_run_request_requests_total", "requests of the active "
		    "run, by request", "counter", "requests" },
		{ "loadd_run_request_errors_total", "failed requests of the "
		    "active run, by request", "counter", "errors" },
		{ "loadd_run_request_p95_seconds", "95th percentile latency of "
		    "the newest second, by request", "gauge", "p95_ms" },
	};
	json_t		*reqs, *r, *v;
	char		*cause, labels[128];
	size_t		 f, i;
	double		 x;
	int		 helped;

	if ((reqs = store_run_requests(req->store, id, &cause)) == NULL) {
		log_warn("metrics: %s", cause);
		free(cause);
		return;
	}
	for (f = 0; f < sizeof fams / sizeof fams[0]; f++) {
		helped = 0;
		json_array_foreach(reqs, i, r) {
			snprintf(labels, sizeof labels, "{request=\"%s\"}",
			    json_string_value(json_object_get(r, "name")));
			v = json_object_get(r, fams[f].key);
			if (!json_is_number(v))
				continue;	/* no data: absent */
			x = json_number_value(v);
			if (f == 2)	/* ms to s, to the nanosecond */
				x = round(x * 1e6) / 1e9;
			api_metric(buf, len, fams[f].name, helped ? NULL :
			    fams[f].help, fams[f].type, labels, x);
			helped = 1;
		}
	}
	json_decref(reqs);
}

/* GET /metrics: the daemon and its active run, Prometheus text format. */
void
api_metrics(struct api_request *req)
{
	json_t			*p;
	char			*buf = NULL, labels[64];
	size_t			 len = 0, i;
	int64_t			 active = run_active(req->runs), n;

	api_metric(&buf, &len, "loadd_up", "1 while the daemon answers",
	    "gauge", "", 1);
	api_metric(&buf, &len, "loadd_active_run", "id of the running run, 0 "
	    "when idle", "gauge", "", (double)active);
	for (i = 0; i < RUN_NSTATUS; i++) {
		if (store_run_count(req->store, run_status_name(i), &n) != 0)
			break;
		snprintf(labels, sizeof labels, "{status=\"%s\"}",
		    run_status_name(i));
		api_metric(&buf, &len, "loadd_runs", i == 0 ? "runs in the "
		    "database by status" : NULL, "gauge", labels, (double)n);
	}
	if (active != 0 && (p = run_progress(req->runs, active)) != NULL) {
		api_metric(&buf, &len, "loadd_run_requests_total", "requests "
		    "of the active run", "counter", "",
		    json_number_value(json_object_get(p, "requests")));
		api_metric(&buf, &len, "loadd_run_errors_total", "failed "
		    "requests of the active run", "counter", "",
		    json_number_value(json_object_get(p, "errors")));
		api_metric(&buf, &len, "loadd_run_rps", "requests in the last "
		    "second", "gauge", "",
		    json_number_value(json_object_get(p, "rps")));
		api_metric(&buf, &len, "loadd_run_vus", "virtual users "
		    "active", "gauge", "",
		    json_number_value(json_object_get(p, "vus")));
		/* Latency to 3 decimals of a microsecond, in seconds. */
		api_metric(&buf, &len, "loadd_run_p95_seconds", "95th "
		    "percentile latency so far", "gauge", "",
		    json_is_number(json_object_get(p, "p95_ms")) ?
		    round(json_number_value(json_object_get(p, "p95_ms")) *
		    1e6) / 1e9 : NAN);
		api_metric(&buf, &len, "loadd_run_elapsed_seconds", "time "
		    "since the run started", "gauge", "",
		    metric_round(json_number_value(json_object_get(p,
		    "elapsed_s"))));
		json_decref(p);
		api_metrics_requests(req, active, &buf, &len);
	}
	free(req->resp);
	req->resp = buf;
	req->resplen = len;
	req->status = 200;
	req->resp_type = "text/plain; version=0.0.4; charset=utf-8";
}
