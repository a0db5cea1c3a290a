/* SPDX-License-Identifier: MIT */
/*
 * report-html.c -- format=html: one self-contained page (inline CSS, inline
 * SVG charts drawn here, no script, nothing fetched) from the struct report
 * that report.c gathered. Pure rendering: no I/O. API thread.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "loadd.h"

/* Chart geometry, in SVG user units. */
#define CHART_W		540	/* half the page; wide charts are double */
#define CHART_H		230
#define CHART_L		52	/* room for the y tick labels */
#define CHART_R		16
#define CHART_T		22	/* room for the unit */
#define CHART_B		30	/* room for the x tick labels */
#define CHART_POINTS	480	/* longer series are bucketed down to this */

/* One line of a chart: column col of the points. */
struct chart_line {
	const char	*name;
	const char	*color;
	int		 col;
	int		 area;		/* fill below the line */
};

/* A chart: points, lines, how to read the axes. */
struct chart {
	const char			*title;
	const char			*unit;		/* of y */
	int				 xlog;		/* x is 1/(1-p) */
	int				 w;		/* CHART_W, or wide */
	int				 peak;		/* bucket by max, not mean */
	double				 gap;		/* x step that breaks a line */
	const struct report_point	*pts;
	size_t				 n;
	struct chart_line		 lines[4];
	size_t				 nlines;
	const char			*note;		/* under the chart */
};

static const char report_css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;background:#f6f7f9;color:#1d2330;font:14px/1.45 "
	"system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
	"main{max-width:1140px;margin:0 auto;padding:24px 20px 40px}"
	"h1{font-size:22px;margin:0 0 4px}h1 small{color:#6b7280;"
	"font-weight:400;font-size:15px}"
	"h2{font-size:16px;margin:28px 0 10px}"
	"header{display:flex;gap:16px;align-items:center;margin-bottom:14px}"
	".verdict{font-weight:700;font-size:15px;padding:8px 14px;"
	"border-radius:8px;color:#fff;text-transform:uppercase;"
	"letter-spacing:.04em;white-space:nowrap}"
	".pass{background:#1a7f37}.fail{background:#cf222e}"
	".other{background:#9a6700}"
	".facts{color:#4b5563;margin:0}.facts b{color:#1d2330}"
	".chip{display:inline-block;background:#e8ebf0;border-radius:10px;"
	"padding:0 8px;margin:0 4px 2px 0;font-size:12px}"
	".warn{background:#fff8c5;border:1px solid #e3c341;"
	"border-radius:8px;padding:8px 12px;margin:12px 0}"
	".warn p{margin:2px 0}"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,"
	"minmax(120px,1fr));gap:10px;margin:14px 0}"
	".card{background:#fff;border:1px solid #e2e5ea;border-radius:8px;"
	"padding:8px 12px}.card div{color:#6b7280;font-size:12px}"
	".card span{font-size:20px;font-weight:600;"
	"font-variant-numeric:tabular-nums}"
	".card small{color:#6b7280;font-size:12px;margin-left:2px}"
	".charts{display:grid;grid-template-columns:repeat(auto-fit,"
	"minmax(460px,1fr));gap:14px}"
	"figure.wide{grid-column:1/-1}"
	"figure{margin:0;background:#fff;border:1px solid #e2e5ea;"
	"border-radius:8px;padding:10px 12px 6px}"
	"figcaption{font-weight:600;margin-bottom:2px}"
	"figcaption i{display:inline-block;width:12px;height:3px;"
	"vertical-align:middle;margin:0 4px 0 12px}"
	"figcaption span{font-weight:400;font-size:12px;color:#4b5563}"
	"figure p{margin:0 0 4px;color:#6b7280;font-size:12px}"
	"svg{width:100%;height:auto;display:block}"
	"svg text{font:11px system-ui,sans-serif;fill:#6b7280}"
	".grid{stroke:#eceef2}.axis{stroke:#9ca3af}"
	".hb{fill:transparent}.hb:hover{fill:rgba(30,60,120,.08)}"
	"table{border-collapse:collapse;width:100%;background:#fff;"
	"border:1px solid #e2e5ea;font-size:13px}"
	"th,td{padding:5px 8px;border-bottom:1px solid #eceef2;"
	"text-align:right;white-space:nowrap}"
	"th{background:#f0f2f5;font-weight:600;font-size:12px}"
	"td{font-variant-numeric:tabular-nums}"
	"th:first-child,td:first-child,.l{text-align:left}"
	"td.l{white-space:normal}"
	"tr.all td{font-weight:600;background:#fafbfc}"
	".scroll{overflow-x:auto}"
	".ok{color:#1a7f37;font-weight:700}.ko{color:#cf222e;font-weight:700}"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;"
	"margin:0;background:#fff;border:1px solid #e2e5ea;border-radius:8px;"
	"padding:10px 14px}dt{color:#6b7280}dd{margin:0}"
	"footer{margin-top:28px;color:#9ca3af;font-size:12px}";

/* A step of 1, 2 or 5 times a power of ten, about x. */
static double
chart_nice(double x)
{
	double	p, f;

	if (!(x > 0))
		return (1);
	p = pow(10, floor(log10(x)));
	f = x / p;
	if (f <= 1)
		return (p);
	if (f <= 2)
		return (2 * p);
	if (f <= 5)
		return (5 * p);
	return (10 * p);
}

/* A step for a time axis in seconds: at most about eight ticks. */
static double
chart_time_step(double range)
{
	static const double	steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300,
				    600, 900, 1800, 3600, 7200, 14400, 21600,
				    43200, 86400 };
	size_t			i;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (range / steps[i] <= 8)
			return (steps[i]);
	return (chart_nice(range / 8));
}

/* A time tick label: 45s, 2m, 2m30s, 1h, 1h30m. */
static const char *
chart_time_label(char *buf, size_t len, double t)
{
	long	s = lround(t);

	if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600 && s % 60 == 0)
		snprintf(buf, len, "%ldm", s / 60);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s % 3600 == 0)
		snprintf(buf, len, "%ldh", s / 3600);
	else
		snprintf(buf, len, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
	return (buf);
}

/* The percentile of spectrum position x = 1/(1-p), with useful decimals. */
static const char *
chart_pct_label(char *buf, size_t len, double x)
{
	int	dec = (int)ceil(log10(x) - 1e-9) - 1;

	if (dec < 0)
		dec = 0;
	if (dec > 6)
		dec = 6;
	snprintf(buf, len, "%.*f%%", dec, 100 * (1 - 1 / x));
	return (buf);
}

/* Pixel x of a point. */
static double
chart_x(const struct chart *c, double x, double xa, double xb)
{
	if (c->xlog)
		x = log10(x);
	return (CHART_L + (x - xa) / (xb - xa) * (c->w - CHART_L - CHART_R));
}

/* Pixel y of a value. */
static double
chart_y(double v, double ytop)
{
	return (CHART_H - CHART_B - v / ytop * (CHART_H - CHART_B - CHART_T));
}

/* Tick labels near the right edge end there rather than overflow. */
static const char *
chart_anchor(const struct chart *c, double px)
{
	return (px > c->w - CHART_R - 20 ? "end" : "middle");
}

/*
 * Append one line's path, broken where values are missing: a second
 * without a value, or seconds the data skips (no row at all), is a gap,
 * never a line drawn through zero or across it.
 */
static void
chart_path(struct evbuffer *b, const struct chart *c,
    const struct chart_line *l, double xa, double xb, double ytop)
{
	double	x, y, first = NAN, last = NAN, prev = NAN;
	size_t	i;
	int	pen = 0, gaps = 0;

	evbuffer_add_printf(b, "<path fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"1.7\" stroke-linejoin=\"round\" d=\"", l->color);
	for (i = 0; i < c->n; i++) {
		if (c->gap > 0 && !isnan(prev) && c->pts[i].t - prev > c->gap) {
			pen = 0;
			gaps = 1;
		}
		prev = c->pts[i].t;
		if (!isfinite(c->pts[i].v[l->col])) {
			pen = 0;
			gaps = 1;
			continue;
		}
		x = chart_x(c, c->pts[i].t, xa, xb);
		y = chart_y(c->pts[i].v[l->col], ytop);
		evbuffer_add_printf(b, "%s%.1f %.1f", pen ? " L" : "M", x, y);
		if (isnan(first))
			first = x;
		last = x;
		pen = 1;
	}
	evbuffer_add_printf(b, "\"/>\n");
	if (!l->area || gaps || isnan(first))
		return;
	evbuffer_add_printf(b, "<path fill=\"%s\" fill-opacity=\".12\" "
	    "stroke=\"none\" d=\"", l->color);
	for (i = 0; i < c->n; i++)
		evbuffer_add_printf(b, "%s%.1f %.1f", i > 0 ? " L" : "M",
		    chart_x(c, c->pts[i].t, xa, xb),
		    chart_y(c->pts[i].v[l->col], ytop));
	evbuffer_add_printf(b, " L%.1f %d L%.1f %dZ\"/>\n", last,
	    CHART_H - CHART_B, first, CHART_H - CHART_B);
}

/* Transparent hover bands, one per point, whose title reads the values. */
static void
chart_bands(struct evbuffer *b, const struct chart *c, double xa, double xb)
{
	double	left, right, x;
	char	buf[32];
	size_t	i, j;

	for (i = 0; i < c->n; i++) {
		x = chart_x(c, c->pts[i].t, xa, xb);
		left = i == 0 ? x - 2 : (chart_x(c, c->pts[i - 1].t, xa,
		    xb) + x) / 2;
		right = i == c->n - 1 ? x + 2 : (chart_x(c, c->pts[i + 1].t,
		    xa, xb) + x) / 2;
		evbuffer_add_printf(b, "<rect class=\"hb\" x=\"%.1f\" y=\"%d\" "
		    "width=\"%.1f\" height=\"%d\"><title>%s", left, CHART_T,
		    right - left > 0.5 ? right - left : 0.5,
		    CHART_H - CHART_B - CHART_T, c->xlog ?
		    chart_pct_label(buf, sizeof buf, c->pts[i].t) :
		    chart_time_label(buf, sizeof buf, c->pts[i].t));
		for (j = 0; j < c->nlines; j++) {
			evbuffer_add_printf(b, "\n%s: ", c->lines[j].name);
			evbuffer_add_printf(b, "%s %s", report_fmt(buf,
			    sizeof buf, c->pts[i].v[c->lines[j].col], 2),
			    c->unit);
		}
		evbuffer_add_printf(b, "</title></rect>\n");
	}
}

/*
 * A long time series in buckets of k points: each line's mean, or its max
 * when c->peak (a latency spike must not be averaged away).
 */
static struct report_point *
chart_bucket(const struct chart *c, size_t *n, size_t *k)
{
	struct report_point	*pts;
	double			 v, sum;
	size_t			 i, j, m, cnt;
	int			 col;

	*k = (c->n + CHART_POINTS - 1) / CHART_POINTS;
	*n = (c->n + *k - 1) / *k;
	pts = xcalloc(*n, sizeof *pts);
	for (i = 0; i < *n; i++) {
		pts[i].t = c->pts[i * *k].t;
		for (j = 0; j < c->nlines; j++) {
			col = c->lines[j].col;
			sum = 0;
			cnt = 0;
			pts[i].v[col] = NAN;
			for (m = i * *k; m < c->n && m < (i + 1) * *k; m++) {
				v = c->pts[m].v[col];
				if (isnan(v))
					continue;
				if (c->peak && (cnt == 0 || v > pts[i].v[col]))
					pts[i].v[col] = v;
				sum += v;
				cnt++;
			}
			if (!c->peak && cnt > 0)
				pts[i].v[col] = sum / (double)cnt;
		}
	}
	return (pts);
}

/* Append a line chart as a figure with its legend. */
static void
chart_render(struct evbuffer *b, struct chart *c)
{
	struct report_point	*bucketed = NULL;
	double			 xa, xb, ymax = 0, ytop, step, t, v, px;
	char			 buf[32];
	size_t			 i, j, k = 1;
	int			 dec, any = 0;

	if (c->n == 0)
		return;
	if (!c->xlog && c->n > CHART_POINTS) {
		bucketed = chart_bucket(c, &i, &k);
		c->pts = bucketed;
		c->n = i;
		c->gap *= (double)k;
	}
	if (c->w == 0)
		c->w = CHART_W;
	for (i = 0; i < c->n; i++)
		for (j = 0; j < c->nlines; j++) {
			v = c->pts[i].v[c->lines[j].col];
			if (isfinite(v))
				any = 1;
			if (isfinite(v) && v > ymax)
				ymax = v;
		}
	/* Nothing to draw is said, not drawn as a line at zero. */
	if (!any && c->note == NULL)
		c->note = "No data: no response came back.";
	/* Headroom, so that a flat line does not run along the frame. */
	step = chart_nice(ymax > 0 ? ymax * 1.05 / 4 : 0.25);
	ytop = ceil(ymax * 1.05 / step - 1e-9) * step;
	if (ytop <= 0)
		ytop = step;
	dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	if (c->xlog) {
		xa = 0;
		xb = ceil(log10(c->pts[c->n - 1].t) - 1e-9);
		if (xb < 2)
			xb = 2;
	} else {
		xa = c->pts[0].t;
		xb = c->pts[c->n - 1].t;
		if (xb <= xa)
			xb = xa + 1;
	}

	evbuffer_add_printf(b, "<figure%s><figcaption>%s", c->w > CHART_W ?
	    " class=\"wide\"" : "", c->title);
	for (j = 0; j < c->nlines; j++)
		evbuffer_add_printf(b, "<i style=\"background:%s\"></i>"
		    "<span>%s</span>", c->lines[j].color, c->lines[j].name);
	evbuffer_add_printf(b, "</figcaption>\n<svg viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"%s\">\n", c->w, CHART_H, c->title);
	evbuffer_add_printf(b, "<text x=\"%d\" y=\"12\" "
	    "text-anchor=\"end\">%s</text>\n", CHART_L - 8, c->unit);

	/* Horizontal grid and the y labels. */
	for (v = 0; v <= ytop + step / 2; v += step) {
		px = chart_y(v, ytop);
		evbuffer_add_printf(b, "<line class=\"%s\" x1=\"%d\" "
		    "x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%d\" "
		    "y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
		    v == 0 ? "axis" : "grid", CHART_L, c->w - CHART_R, px,
		    px, CHART_L - 6, px + 4, dec, v);
	}

	/* Vertical ticks and the x labels. */
	if (c->xlog) {
		for (t = xa; t <= xb + 1e-9; t++) {
			px = chart_x(c, pow(10, t), xa, xb);
			evbuffer_add_printf(b, "<line class=\"grid\" "
			    "x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
			    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">"
			    "%.*f%%</text>\n", px, px, CHART_T,
			    CHART_H - CHART_B, px, CHART_H - CHART_B + 16,
			    chart_anchor(c, px),
			    t > 2 ? (int)t - 2 : 0, 100 * (1 - pow(10, -t)));
		}
	} else {
		step = chart_time_step(xb - xa);
		for (t = ceil(xa / step) * step; t <= xb + 1e-9; t += step) {
			px = chart_x(c, t, xa, xb);
			evbuffer_add_printf(b, "<line class=\"axis\" "
			    "x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
			    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">"
			    "%s</text>\n", px, px, CHART_H - CHART_B,
			    CHART_H - CHART_B + 4, px, CHART_H - CHART_B + 16,
			    chart_anchor(c, px),
			    chart_time_label(buf, sizeof buf, t));
		}
	}
	for (j = 0; j < c->nlines; j++)
		chart_path(b, c, &c->lines[j], xa, xb, ytop);
	chart_bands(b, c, xa, xb);
	evbuffer_add_printf(b, "</svg>\n");
	if (c->note != NULL || k > 1) {
		evbuffer_add_printf(b, "<p>%s", c->note != NULL ? c->note : "");
		if (k > 1)
			evbuffer_add_printf(b, "%sEach point is the %s of %zu "
			    "seconds.", c->note != NULL ? " " : "",
			    c->peak ? "maximum" : "mean", k);
		evbuffer_add_printf(b, "</p>\n");
	}
	free(bucketed);
	evbuffer_add_printf(b, "</figure>\n");
}

/* Latency at 20 points a decade of 1/(1-p), up to the sample count. */
static struct report_point *
chart_spectrum(const struct hist *h, size_t *n)
{
	struct report_point	*pts;
	double			 end, x;
	size_t			 i, size = 0;

	*n = 0;
	if (h == NULL || hist_count(h) == 0)
		return (NULL);
	end = (double)hist_count(h);
	if (end > 1e6)
		end = 1e6;
	if (end < 10)
		end = 10;
	pts = NULL;
	for (i = 0;; i++) {
		x = pow(10, (double)i / 20);
		if (x > end)
			x = end;
		if (*n == size) {
			size = size == 0 ? 64 : size * 2;
			pts = xreallocarray(pts, size, sizeof *pts);
		}
		pts[*n].t = x;
		pts[*n].v[0] = stats_ms(hist_percentile(h, 100 * (1 - 1 / x)));
		(*n)++;
		if (x >= end)
			break;
	}
	return (pts);
}

/* The charts: latency, throughput, distribution, loadd and target. */
static void
report_html_charts(struct report *r, struct evbuffer *b)
{
	struct report_point	*spec, *sys;
	struct chart		 c;
	char			*note = NULL, a[32], d[32];
	size_t			 nspec, i;
	int			 target_cpu = 0, target_rss = 0;

	if (r->niv > 0) {
		memset(&c, 0, sizeof c);
		c.title = "Latency over time";
		c.unit = "ms";
		c.pts = r->iv;
		c.gap = 1.5;	/* a second with no row is a gap */
		c.n = r->niv;
		c.lines[0] = (struct chart_line){ "p50", "#2f6fdf", 2, 0 };
		c.lines[1] = (struct chart_line){ "p95", "#e8860c", 3, 0 };
		c.lines[2] = (struct chart_line){ "p99", "#cf222e", 4, 0 };
		c.nlines = 3;
		c.peak = 1;
		chart_render(b, &c);

		memset(&c, 0, sizeof c);
		c.title = "Throughput and errors";
		c.unit = "req/s";
		c.pts = r->iv;
		c.gap = 1.5;	/* a second with no row is a gap */
		c.n = r->niv;
		c.lines[0] = (struct chart_line){ "requests/s", "#2f6fdf", 0,
		    1 };
		c.lines[1] = (struct chart_line){ "errors/s", "#cf222e", 1, 0 };
		c.nlines = 2;
		chart_render(b, &c);
	}

	if ((spec = chart_spectrum(r->hist, &nspec)) != NULL) {
		xasprintf(&note, "Percentiles on a log scale of 1/(1−p): "
		    "read across for the share of %s responses at or under a "
		    "latency (max %s ms).",
		    report_fmt(a, sizeof a, (double)hist_count(r->hist), 0),
		    report_ms(d, sizeof d, stats_ms(hist_max(r->hist))));
		memset(&c, 0, sizeof c);
		c.title = "Latency distribution";
		c.unit = "ms";
		c.xlog = 1;
		c.w = 2 * CHART_W + 20;
		c.pts = spec;
		c.n = nspec;
		c.lines[0] = (struct chart_line){ "latency", "#6f42c1", 0, 1 };
		c.nlines = 1;
		c.note = note;
		chart_render(b, &c);
		free(note);
		free(spec);
	}

	if (r->nsys == 0)
		return;
	/* RSS in MiB for the axis; v[4], v[5] are free in system rows. */
	sys = xreallocarray(NULL, r->nsys, sizeof *sys);
	for (i = 0; i < r->nsys; i++) {
		sys[i] = r->sys[i];
		sys[i].v[4] = sys[i].v[1] / 1048576;
		sys[i].v[5] = sys[i].v[3] / 1048576;
		if (isfinite(sys[i].v[2]))
			target_cpu = 1;
		if (isfinite(sys[i].v[3]))
			target_rss = 1;
	}
	memset(&c, 0, sizeof c);
	c.title = "CPU";
	c.unit = "%";
	c.pts = sys;
	c.gap = 1.5;
	c.n = r->nsys;
	c.lines[0] = (struct chart_line){ "loadd", "#2f6fdf", 0, 0 };
	c.nlines = 1;
	if (target_cpu)
		c.lines[c.nlines++] = (struct chart_line){ "target",
		    "#1a7f37", 2, 0 };
	c.note = "100% is one core.";
	chart_render(b, &c);

	memset(&c, 0, sizeof c);
	c.title = "Memory (RSS)";
	c.unit = "MiB";
	c.pts = sys;
	c.gap = 1.5;
	c.n = r->nsys;
	c.lines[0] = (struct chart_line){ "loadd", "#2f6fdf", 4, 0 };
	c.nlines = 1;
	if (target_rss)
		c.lines[c.nlines++] = (struct chart_line){ "target",
		    "#1a7f37", 5, 0 };
	chart_render(b, &c);
	free(sys);
}

/* The header: verdict, scenario, run facts and labels. */
static void
report_html_header(struct report *r, struct evbuffer *b)
{
	json_t		*run = json_object_get(r->doc, "run"), *v;
	const char	*status = report_str(run, "status"), *cls, *word, *key;
	char		 a[32], d[32];
	size_t		 failed, total;

	failed = report_failed_thresholds(r, &total);
	if (strcmp(status, "completed") != 0) {
		cls = strcmp(status, "failed") == 0 ? "fail" : "other";
		word = status;
	} else if (json_is_true(json_object_get(r->doc, "passed"))) {
		cls = "pass";
		word = "passed";
	} else {
		cls = "fail";
		word = "failed";
	}
	evbuffer_add_printf(b, "<header><div class=\"verdict %s\">", cls);
	report_esc_xml(b, word);
	evbuffer_add_printf(b, "</div><div><h1>");
	report_esc_xml(b, report_str(run, "scenario"));
	evbuffer_add_printf(b, " <small>run %s</small></h1>\n<p class=\"facts"
	    "\">", report_fmt(a, sizeof a, report_num(run, "id"), 0));
	evbuffer_add_printf(b, "<b>");
	report_esc_xml(b, status);
	evbuffer_add_printf(b, "</b> · %s", report_duration(d, sizeof d,
	    report_num(run, "duration_s")));
	if (*report_str(run, "started_at") != '\0') {
		evbuffer_add_printf(b, " · ");
		report_esc_xml(b, report_str(run, "started_at"));
		evbuffer_add_printf(b, " → ");
		report_esc_xml(b, report_str(run, "ended_at"));
	}
	if (*report_str(r->doc, "protocol") != '\0') {
		evbuffer_add_printf(b, " · ");
		report_esc_xml(b, report_str(r->doc, "protocol"));
	}
	if (json_is_integer(json_object_get(r->doc, "stream_waits")))
		evbuffer_add_printf(b, " (%s stream waits)", report_fmt(a,
		    sizeof a, report_num(r->doc, "stream_waits"), 0));
	if (total > 0)
		evbuffer_add_printf(b, " · %zu of %zu thresholds failed",
		    failed, total);
	if (json_is_string(json_object_get(r->doc, "reason"))) {
		evbuffer_add_printf(b, " · ");
		report_esc_xml(b, report_str(r->doc, "reason"));
	}
	evbuffer_add_printf(b, "<br>");
	json_object_foreach(json_object_get(run, "labels"), key, v) {
		evbuffer_add_printf(b, "<span class=\"chip\">");
		report_esc_xml(b, key);
		evbuffer_add_printf(b, "=");
		report_esc_xml(b, json_is_string(v) ? json_string_value(v) :
		    "");
		evbuffer_add_printf(b, "</span>");
	}
	evbuffer_add_printf(b, "</p></div></header>\n");
}

/* The headline numbers of the whole run, as cards. */
static void
report_html_cards(struct report *r, struct evbuffer *b)
{
	json_t		*o = json_object_get(r->doc, "overall");
	static const struct {
		const char	*label;
		enum metric	 m;
		const char	*unit;
	} cards[] = {
		{ "Requests", METRIC_REQUESTS, "" },
		{ "Failed", METRIC_ERRORS, "" },
		{ "Throughput", METRIC_RPS, "req/s" },
		{ "p50", METRIC_P50, "ms" },
		{ "p95", METRIC_P95, "ms" },
		{ "p99", METRIC_P99, "ms" },
		{ "Max", METRIC_MAX, "ms" },
	};
	char		 a[32], pct[40];
	double		 total = report_num(o, METRIC_KEY(METRIC_REQUESTS));
	size_t		 i;

	/* The failed card says what share that is. */
	pct[0] = '\0';
	if (total > 0) {
		report_fmt(a, sizeof a, 100 * report_num(o,
		    METRIC_KEY(METRIC_ERRORS)) / total, 2);
		snprintf(pct, sizeof pct, "%s%%", a);
	}
	evbuffer_add_printf(b, "<div class=\"cards\">");
	for (i = 0; i < sizeof cards / sizeof cards[0]; i++)
		evbuffer_add_printf(b, "<div class=\"card\"><div>%s</div>"
		    "<span>%s</span><small>%s</small></div>", cards[i].label,
		    report_cell(a, sizeof a, o, cards[i].m), i == 1 ? pct :
		    cards[i].unit);
	evbuffer_add_printf(b, "</div>\n");
}

/* One row of the per-request table. */
static void
report_html_row(struct evbuffer *b, const char *name, int all, json_t *s)
{
	const char	*key;
	char		 a[32];
	size_t		 i;

	evbuffer_add_printf(b, "<tr%s><td>", all ? " class=\"all\"" : "");
	report_esc_xml(b, name);
	evbuffer_add_printf(b, "</td>");
	for (i = 0; i < METRIC_N; i++) {
		if ((key = metric_defs[i].json) == NULL)
			continue;
		if (metric_defs[i].unit == UNIT_MS)
			report_ms(a, sizeof a, report_num(s, key));
		else if (metric_defs[i].unit == UNIT_BYTES)
			report_bytes(a, sizeof a, report_num(s, key));
		else
			report_fmt(a, sizeof a, report_num(s, key), 2);
		evbuffer_add_printf(b, "<td>%s</td>", a);
	}
	evbuffer_add_printf(b, "</tr>\n");
}

/* Sweep levels and the open model's service time. */
static void
report_html_models(struct report *r, struct evbuffer *b)
{
	static const enum metric cols[] = { METRIC_REQUESTS, METRIC_ERRORS,
				    METRIC_RPS, METRIC_P50, METRIC_P95,
				    METRIC_P99, METRIC_MAX };
	json_t	*open = json_object_get(r->doc, "open"), *svc, *lvl;
	char	 a[8][32];
	size_t	 i, k;

	if (json_array_size(json_object_get(r->doc, "levels")) > 0) {
		evbuffer_add_printf(b, "<h2>Sweep levels</h2><div class=\""
		    "scroll\"><table><tr><th>VUs</th><th>Requests</th>"
		    "<th>Failed</th><th>RPS</th><th>p50 ms</th><th>p95 ms"
		    "</th><th>p99 ms</th><th>Max ms</th></tr>\n");
		json_array_foreach(json_object_get(r->doc, "levels"), i, lvl) {
			evbuffer_add_printf(b, "<tr><td>%s</td>", report_fmt(
			    a[0], 32, report_num(lvl, "vus"), 0));
			for (k = 0; k < sizeof cols / sizeof cols[0]; k++)
				evbuffer_add_printf(b, "<td>%s</td>",
				    report_cell(a[1], 32, lvl, cols[k]));
			evbuffer_add_printf(b, "</tr>\n");
		}
		evbuffer_add_printf(b, "</table></div>\n");
	}
	if (open == NULL)
		return;
	svc = json_object_get(open, "service_time");
	evbuffer_add_printf(b, "<h2>Open model</h2><p>%s iterations started "
	    "late, %s were dropped. Latency counts from each iteration's "
	    "scheduled start; service time counts from the actual send."
	    "</p><div class=\"scroll\"><table><tr><th>Service time</th>"
	    "<th>Avg ms</th><th>p50 ms</th><th>p90 ms</th><th>p95 ms</th>"
	    "<th>p99 ms</th><th>Max ms</th></tr><tr><td>all</td><td>%s</td>"
	    "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
	    "</table></div>\n",
	    report_fmt(a[0], 32, report_num(open, "late_iterations"), 0),
	    report_fmt(a[1], 32, report_num(open, "dropped_iterations"), 0),
	    report_ms(a[2], 32, report_num(svc, "avg_ms")),
	    report_ms(a[3], 32, report_num(svc, "p50_ms")),
	    report_ms(a[4], 32, report_num(svc, "p90_ms")),
	    report_ms(a[5], 32, report_num(svc, "p95_ms")),
	    report_ms(a[6], 32, report_num(svc, "p99_ms")),
	    report_ms(a[7], 32, report_num(svc, "max_ms")));
}

/* The baseline's numbers beside this run's, when it was compared. */
static void
report_html_comparison(struct report *r, struct evbuffer *b)
{
	json_t		*c = json_object_get(r->doc, "comparison"), *m, *base;
	const char	*v, *name, *metric;
	char		 x[32], y[32];
	double		 change;
	size_t		 i;

	if (c == NULL)
		return;
	base = json_object_get(c, "baseline");
	name = json_string_value(json_object_get(base, "name"));
	evbuffer_add_printf(b, "<h2>Compared with %s", name != NULL ?
	    "baseline " : "run ");
	if (name != NULL)
		report_esc_xml(b, name);
	evbuffer_add_printf(b, " (run %s): %s</h2><div class=\"scroll\">"
	    "<table><tr><th>Request</th><th class=\"l\">Metric</th>"
	    "<th>Baseline</th><th>This run</th><th>Change</th>"
	    "<th class=\"l\">Verdict</th></tr>\n", report_fmt(x, sizeof x,
	    report_num(base, "run_id"), 0), json_is_true(json_object_get(c,
	    "passed")) ? "no regression" : "regressed");
	json_array_foreach(json_object_get(c, "metrics"), i, m) {
		v = report_str(m, "verdict");
		metric = report_str(m, "metric");
		evbuffer_add_printf(b, "<tr><td>");
		report_esc_xml(b, strcmp(report_str(m, "request"), "*") == 0 ?
		    "all" : report_str(m, "request"));
		evbuffer_add_printf(b, "</td><td class=\"l\">");
		report_esc_xml(b, metric);
		evbuffer_add_printf(b, "</td><td>");
		report_esc_xml(b, report_value(x, sizeof x,
		    report_num(m, "baseline"), metric));
		evbuffer_add_printf(b, "</td><td>");
		report_esc_xml(b, report_value(y, sizeof y,
		    report_num(m, "current"), metric));
		change = report_num(m, "change_pct");
		if (isfinite(change))
			snprintf(x, sizeof x, "%+.1f%%", change);
		else
			snprintf(x, sizeof x, "–");
		evbuffer_add_printf(b, "</td><td>%s</td><td class=\"l "
		    "%s\">", x, strcmp(v, "regressed") == 0 ? "ko" :
		    strcmp(v, "improved") == 0 ? "ok" : "");
		report_esc_xml(b, v);
		if (json_is_string(json_object_get(m, "note"))) {
			evbuffer_add_printf(b, " (");
			report_esc_xml(b, report_str(m, "note"));
			evbuffer_add_printf(b, ")");
		}
		evbuffer_add_printf(b, "</td></tr>\n");
	}
	evbuffer_add_printf(b, "</table></div>\n");
}

/* The thresholds and errors tables. */
static void
report_html_checks(struct report *r, struct evbuffer *b)
{
	json_t	*list = json_object_get(r->doc, "thresholds"), *t, **errs;
	char	 a[32];
	size_t	 i, n;
	int	 pass;

	if (json_array_size(list) > 0) {
		evbuffer_add_printf(b, "<h2>Thresholds</h2><div class=\"scroll"
		    "\"><table><tr><th></th><th class=\"l\">Rule</th>"
		    "<th>Actual</th><th>Abort on fail</th></tr>\n");
		json_array_foreach(list, i, t) {
			pass = json_is_true(json_object_get(t, "passed"));
			evbuffer_add_printf(b, "<tr><td class=\"%s\">%s</td>"
			    "<td class=\"l\"><code>", pass ? "ok" : "ko",
			    pass ? "✓" : "✗");
			report_esc_xml(b, report_str(t, "rule"));
			evbuffer_add_printf(b, "</code></td><td>");
			report_esc_xml(b, report_actual(a, sizeof a, t));
			evbuffer_add_printf(b, "</td><td>%s</td></tr>\n",
			    json_is_true(json_object_get(t, "abort_on_fail")) ?
			    "yes" : "");
		}
		evbuffer_add_printf(b, "</table></div>\n");
	}

	errs = report_sorted_errors(r, &n);
	if (n > 0) {
		evbuffer_add_printf(b, "<h2>Errors</h2><div class=\"scroll\">"
		    "<table><tr><th>Request</th><th class=\"l\">Kind</th>"
		    "<th>Status</th><th>Count</th><th class=\"l\">Example</th>"
		    "</tr>\n");
		for (i = 0; i < n && i < 50; i++) {
			evbuffer_add_printf(b, "<tr><td>");
			report_esc_xml(b, report_str(errs[i], "request"));
			evbuffer_add_printf(b, "</td><td class=\"l\">");
			report_esc_xml(b, report_str(errs[i], "kind"));
			evbuffer_add_printf(b, "</td><td>%s</td>", report_fmt(a,
			    sizeof a, report_num(errs[i], "status"), 0));
			evbuffer_add_printf(b, "<td>%s</td><td class=\"l\">",
			    report_fmt(a, sizeof a, report_num(errs[i],
			    "count"), 0));
			report_esc_xml(b, report_str(errs[i], "example"));
			evbuffer_add_printf(b, "</td></tr>\n");
		}
		evbuffer_add_printf(b, "</table></div>\n");
		if (n > 50)
			evbuffer_add_printf(b, "<p>…and %zu more.</p>\n",
			    n - 50);
	}
	free(errs);
}

/* One dt/dd pair, escaped. */
static void
report_html_dd(struct evbuffer *b, const char *dt, const char *dd)
{
	evbuffer_add_printf(b, "<dt>%s</dt><dd>", dt);
	report_esc_xml(b, dd);
	evbuffer_add_printf(b, "</dd>");
}

/* Where it ran: env, and the load generator's and target's resources. */
static void
report_html_env(struct report *r, struct evbuffer *b)
{
	json_t	*env = json_object_get(r->doc, "env");
	json_t	*sys = json_object_get(r->doc, "system"), *tg;
	char	 a[3][32], *s;

	evbuffer_add_printf(b, "<h2>Environment</h2><dl>");
	report_html_dd(b, "host", report_str(env, "host"));
	report_html_dd(b, "cores", report_fmt(a[0], 32, report_num(env,
	    "cores"), 0));
	report_html_dd(b, "kernel", report_str(env, "kernel"));
	report_html_dd(b, "loadd", report_str(env, "version"));
	report_html_dd(b, "worker threads", report_fmt(a[0], 32,
	    report_num(env, "threads"), 0));
	if (isfinite(report_num(sys, "cpu_pct_avg"))) {
		xasprintf(&s, "CPU %s%% avg, %s%% max · RSS %s max",
		    report_fmt(a[0], 32, report_num(sys, "cpu_pct_avg"), 1),
		    report_fmt(a[1], 32, report_num(sys, "cpu_pct_max"), 1),
		    report_bytes(a[2], 32, report_num(sys, "rss_max_bytes")));
		report_html_dd(b, "loadd used", s);
		free(s);
	}
	if ((tg = json_object_get(sys, "target")) != NULL) {
		xasprintf(&s, "CPU %s%% avg, %s%% max · RSS %s max",
		    report_fmt(a[0], 32, report_num(tg, "cpu_pct_avg"), 1),
		    report_fmt(a[1], 32, report_num(tg, "cpu_pct_max"), 1),
		    report_bytes(a[2], 32, report_num(tg, "rss_max_bytes")));
		report_html_dd(b, "target used", s);
		free(s);
		report_html_dd(b, "target RSS growth", report_bytes(a[0], 32,
		    report_num(tg, "rss_growth_bytes")));
	}
	evbuffer_add_printf(b, "</dl>\n");
}

/* format=html: the whole page. */
int
report_html(struct report *r, struct evbuffer *b)
{
	json_t	*run = json_object_get(r->doc, "run"), *t, *w;
	char	 a[32];
	size_t	 i;

	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\""
	    "width=device-width,initial-scale=1\"><title>loadd: ");
	report_esc_xml(b, report_str(run, "scenario"));
	evbuffer_add_printf(b, " run %s</title>\n<style>%s</style></head>\n"
	    "<body><main>\n", report_fmt(a, sizeof a, report_num(run, "id"),
	    0), report_css);
	report_html_header(r, b);

	w = json_object_get(r->doc, "warnings");
	if (json_array_size(w) > 0) {
		evbuffer_add_printf(b, "<div class=\"warn\">");
		json_array_foreach(w, i, t) {
			evbuffer_add_printf(b, "<p>⚠ ");
			report_esc_xml(b, json_string_value(t));
			evbuffer_add_printf(b, "</p>");
		}
		evbuffer_add_printf(b, "</div>\n");
	}
	report_html_cards(r, b);

	evbuffer_add_printf(b, "<div class=\"charts\">\n");
	report_html_charts(r, b);
	evbuffer_add_printf(b, "</div>\n");

	evbuffer_add_printf(b, "<h2>Requests</h2><div class=\"scroll\"><table>"
	    "<tr><th>Request</th><th>Requests</th><th>OK</th><th>Failed</th>"
	    "<th>Success %%</th><th>RPS</th><th>Avg ms</th><th>p25</th>"
	    "<th>p50</th><th>p75</th><th>p90</th><th>p95</th><th>p99</th>"
	    "<th>p99.9</th><th>Min</th>"
	    "<th>Max</th><th>Std dev</th><th>Sent</th><th>Received</th>"
	    "</tr>\n");
	report_html_row(b, "all", 1, json_object_get(r->doc, "overall"));
	json_array_foreach(json_object_get(r->doc, "requests"), i, t)
		report_html_row(b, report_str(t, "name"), 0, t);
	evbuffer_add_printf(b, "</table></div>\n");

	report_html_models(r, b);
	report_html_comparison(r, b);
	report_html_checks(r, b);
	report_html_env(r, b);
	evbuffer_add_printf(b, "<footer>loadd ");
	report_esc_xml(b, report_str(json_object_get(r->doc, "env"),
	    "version"));
	evbuffer_add_printf(b, " · latency in milliseconds, percentiles "
	    "from a histogram with at most 1%% relative error.</footer>\n"
	    "</main></body></html>\n");
	return (0);
}
