/* SPDX-License-Identifier: MIT */
/*
 * api-ui.c -- GET /ui/: the web UI (SPEC 17), plain HTML, CSS and JS from
 * ui/, compiled into the binary (ui.c, made by ui/embed.sh), and the
 * charting library, Chart.js, read from where Debian's libjs-chart.js
 * installs it (ui_chartjs). The files hold no data: they are served
 * without the token, and the page asks for it before it calls the API.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

#define UI_CHARTJS_MAX	(4 * 1024 * 1024)

/* Read the whole of path (at most max bytes): malloc'd, or NULL. */
static char *
api_ui_slurp(const char *path, size_t max, size_t *len, char **cause)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		xasprintf(cause, "%s: %s", path, ferror(f) ? strerror(errno) :
		    "too large");
		fclose(f);
		free(buf);
		return (NULL);
	}
	fclose(f);
	buf = xreallocarray(buf, n + 1, 1);	/* only what was read */
	buf[n] = '\0';
	*len = n;
	return (buf);
}

/* GET /ui, /ui/ and /ui/{file} */
void
api_ui(struct api_request *req)
{
	const char	*name;
	char		*body, *cause;
	size_t		 i, len;

	if (strcmp(req->url, "/ui") == 0) {
		req->location = xstrdup("/ui/");
		api_reply_error(req, 301, "moved", "", "the UI is at /ui/");
		return;
	}
	name = req->param != NULL ? req->param : "index.html";
	if (strcmp(name, "chart.js") == 0) {
		body = api_ui_slurp(req->config->ui_chartjs, UI_CHARTJS_MAX,
		    &len, &cause);
		if (body == NULL) {
			log_warn("ui: %s", cause);	/* the path: not for all */
			free(cause);
			api_reply_error(req, 404, "not_found", "", "the charts "
			    "need Chart.js (Debian: apt install "
			    "libjs-chart.js; or set ui_chartjs)");
			return;
		}
		free(req->resp);
		req->resp = body;
		req->resplen = len;
		req->status = 200;
		req->resp_type = "text/javascript; charset=utf-8";
		return;
	}
	for (i = 0; i < nui_files; i++) {
		if (strcmp(ui_files[i].name, name) != 0)
			continue;
		free(req->resp);
		req->resp = xstrdup(ui_files[i].text);
		req->resplen = strlen(req->resp);
		req->status = 200;
		req->resp_type = ui_files[i].type;
		return;
	}
	api_reply_error(req, 404, "not_found", "", "no such file: %s",
	    req->url);
}
