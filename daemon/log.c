/* SPDX-License-Identifier: MIT */
/*
 * log.c -- the daemon's one log: a line per event on stderr, with a level
 * word and, when systemd reads the stream, an sd-daemon "<N>" priority prefix.
 * Thread-safe (one write(2) per line). Never called on the request path.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* vasprintf; config.h may not be on the path */
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "loadd.h"

static int	log_level = LOG_INFO;
static int	log_prefix;	/* sd-daemon "<N>" prefixes */
static int	log_stamp;	/* timestamps, when not under systemd */

static const char *
log_word(int pri)
{
	switch (pri) {
	case LOG_DEBUG:
		return ("debug");
	case LOG_INFO:
	case LOG_NOTICE:
		return ("info");
	case LOG_WARNING:
		return ("warn");
	default:
		return ("error");
	}
}

/*
 * Under systemd (JOURNAL_STREAM set) the journal adds the time and reads the
 * priority prefix; on a terminal or in a file, stamp each line instead.
 */
void
log_init(int level, int force_prefix)
{
	log_level = level;
	log_prefix = force_prefix || getenv("JOURNAL_STREAM") != NULL;
	log_stamp = getenv("JOURNAL_STREAM") == NULL;
}

int
log_parse_level(const char *s)
{
	if (strcmp(s, "debug") == 0)
		return (LOG_DEBUG);
	if (strcmp(s, "info") == 0)
		return (LOG_INFO);
	if (strcmp(s, "warn") == 0 || strcmp(s, "warning") == 0)
		return (LOG_WARNING);
	if (strcmp(s, "error") == 0)
		return (LOG_ERR);
	return (-1);
}

void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	char		 line[2048], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 off = 0;
	int		 n;

	if (pri > log_level)
		return;
	if (log_prefix) {
		n = snprintf(line, sizeof line, "<%d>", pri);
		off = n > 0 ? (size_t)n : 0;
	}
	if (log_stamp) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line + off, sizeof line - off, "%s.%03ldZ ", stamp,
		    ts.tv_nsec / 1000000);
		if (n > 0)
			off += (size_t)n;
	}
	n = snprintf(line + off, sizeof line - off, "%s: ", log_word(pri));
	if (n > 0)
		off += (size_t)n;
	n = vsnprintf(line + off, sizeof line - off, fmt, ap);
	if (n > 0)
		off += (size_t)n;
	if (off > sizeof line - 2)
		off = sizeof line - 2;
	/* One event, one line: fold any newline a library put in its text. */
	for (size_t i = 0; i < off; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	while (off > 0 && line[off - 1] == ' ')
		off--;
	line[off++] = '\n';
	/* A line stderr does not take is lost: there is nowhere to say so. */
	if (write(STDERR_FILENO, line, off) == -1)
		return;
}

void
log_write(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(pri, fmt, ap);
	va_end(ap);
}

/* Log with strerror(errno) appended and exit: for the impossible. */
void
fatal(const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_write(LOG_CRIT, "fatal: %s: %s", msg, strerror(saved));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_write(LOG_CRIT, "fatal: %s", msg);
	exit(1);
}
