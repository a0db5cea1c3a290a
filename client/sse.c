/* SPDX-License-Identifier: MIT */
/*
 * sse.c -- the server-sent events parser loadctl follows a run with: bytes
 * in, as they come off the socket, events out. Lines end in LF or CRLF, an
 * event at a blank line; "event:" names it, "data:" lines make its data,
 * comments (":") and other fields are skipped, and an event without a name
 * is not passed on (loadd names all of its own). Nothing here trusts the
 * server: a NUL ends nothing, an event past SSE_MAX bytes is an error.
 */
#include <stdlib.h>
#include <string.h>

#include "sse.h"

/* Hand one event's lines (NUL-terminated, LF-separated) to cb. */
static int
sse_event(char *start, sse_event_cb cb, void *arg)
{
	char	*line, *next, *event = NULL, *data, *grown;
	size_t	 dlen = 0, n;
	int	 rc;

	if ((data = malloc(1)) == NULL)
		return (-1);
	data[0] = '\0';
	for (line = start; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "event:", 6) == 0)
			event = line + 6 + (line[6] == ' ');
		else if (strncmp(line, "data:", 5) == 0) {
			line += 5 + (line[5] == ' ');
			n = strlen(line);
			if ((grown = realloc(data, dlen + n + 2)) == NULL) {
				free(data);
				return (-1);
			}
			data = grown;
			if (dlen > 0)
				data[dlen++] = '\n';
			memcpy(data + dlen, line, n + 1);
			dlen += n;
		}
	}
	rc = event != NULL ? cb(event, data, arg) != 0 : 0;
	free(data);
	return (rc);
}

/*
 * Feed n bytes of the stream; cb gets each event they complete. Returns 0,
 * 1 when cb asked to stop, or -1 (out of memory, or an event past
 * SSE_MAX).
 */
int
sse_feed(struct sse *s, const char *p, size_t n, sse_event_cb cb, void *arg)
{
	char	*grown, *start, *end;
	size_t	 i;
	int	 rc = 0;

	if (s->len + n > SSE_MAX)
		return (-1);
	if ((grown = realloc(s->buf, s->len + n + 1)) == NULL)
		return (-1);
	s->buf = grown;
	/* CR and NUL never matter to an event: drop them on the way in. */
	for (i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\0')
			s->buf[s->len++] = p[i];
	s->buf[s->len] = '\0';
	start = s->buf;
	while (rc == 0 && (end = strstr(start, "\n\n")) != NULL) {
		*end = '\0';
		rc = sse_event(start, cb, arg);
		start = end + 2;
	}
	s->len -= (size_t)(start - s->buf);
	memmove(s->buf, start, s->len + 1);
	return (rc);
}

void
sse_free(struct sse *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
}
