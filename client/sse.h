/* SPDX-License-Identifier: MIT */
/* sse.h -- reading a server-sent event stream, a chunk at a time. */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>

#define SSE_MAX	(4 * 1024 * 1024)	/* an event larger is an error */

/* An event (name, data lines joined by "\n"); non-zero stops the stream. */
typedef int	(*sse_event_cb)(const char *, const char *, void *);

struct sse {
	char	*buf;		/* an event not yet complete, NUL-terminated */
	size_t	 len;
};

int		 sse_feed(struct sse *, const char *, size_t, sse_event_cb,
		     void *);
void		 sse_free(struct sse *);

#endif
