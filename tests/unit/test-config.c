/* SPDX-License-Identifier: MIT */
/*
 * test-config.c -- config_load(): defaults, the file, flags over the file,
 * and errors that name the file, line and key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "loadd.h"
#include "tap.h"

static char	dir[] = "/tmp/loadd-test-config.XXXXXX";

/* Write text to a file in the test directory; returns its path. */
static char *
write_file(const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	xasprintf(&path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		fatal("fopen %s", path);
	fputs(text, f);
	fclose(f);
	return (path);
}

/* Load with a NULL-terminated argument list. */
static struct config *
load(char **cause, ...)
{
	char		*argv[16];
	int		 argc = 0;
	va_list		 ap;

	argv[argc++] = (char *)"loadd";
	va_start(ap, cause);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	*cause = NULL;
	return (config_load(argc, argv, cause));
}

/* Expect a failure whose message contains want. */
static void
fails_with(struct config *c, char *cause, const char *want, const char *name)
{
	ok(c == NULL && cause != NULL && strstr(cause, want) != NULL,
	    "%s", name);
	if (cause != NULL && strstr(cause, want) == NULL)
		diag("cause: %s", cause);
	config_free(c);
	free(cause);
}

int
main(void)
{
	struct config	*c;
	char		*cause, *path, *tok;

	log_init(LOG_CRIT, 0);
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");

	c = load(&cause, NULL);
	ok(c != NULL, "defaults load");
	is_str(c->listen, "127.0.0.1:7878", "default listen");
	is_str(c->db, "./loadd.db", "default db");
	ok(c->token == NULL && c->token_file == NULL, "no token by default");
	is_int(c->threads, sysconf(_SC_NPROCESSORS_ONLN), "threads = cores");
	is_str(c->allow_targets, "127.0.0.0/8, ::1, localhost",
	    "default allow_targets");
	is_int(c->limits.max_vus, 10000, "default max_vus");
	ok(c->limits.max_rate == 100000, "default max_rate");
	is_int(c->limits.max_duration_us, 24LL * 3600 * 1000000,
	    "default max_duration 24h");
	is_int(c->max_queue, 16, "default max_queue");
	is_int(c->retention_days, 0, "default retention_days");
	is_int(c->max_samples, 100000000, "default max_samples");
	is_int(c->api_max_connections, 256, "default api_max_connections");
	is_int(c->api_timeout_s, 60, "default api_timeout");
	is_int(c->api_connection_memory, 65536,
	    "default api_connection_memory");
	is_int(c->api_max_body, 1048576, "default api_max_body");
	config_free(c);

	path = write_file("a.conf",
	    "# every key\n"
	    "listen = unix:/run/loadd/loadd.sock\n"
	    "  db=/var/lib/loadd/loadd.db  \n"
	    "\n"
	    "threads = 3\n"
	    "allow_targets = 10.0.0.0/8, example.test\n"
	    "max_vus = 50\n"
	    "max_rate = 2.5\n"
	    "max_duration = 1h30m\n"
	    "max_queue = 0\n"
	    "retention_days = 7\n"
	    "log_level = debug\n"
	    "max_samples = 0\n"
	    "api_max_connections = 32\n"
	    "api_timeout = 2m\n"
	    "api_connection_memory = 128k\n"
	    "api_max_body = 4m\n");
	c = load(&cause, "-c", path, NULL);
	ok(c != NULL, "a full file loads");
	if (c == NULL)
		diag("cause: %s", cause);
	else {
		is_str(c->listen, "unix:/run/loadd/loadd.sock", "file listen");
		is_str(c->db, "/var/lib/loadd/loadd.db", "blanks trimmed");
		is_int(c->threads, 3, "file threads");
		is_str(c->allow_targets, "10.0.0.0/8, example.test",
		    "file allow_targets");
		is_int(c->limits.max_vus, 50, "file max_vus");
		ok(c->limits.max_rate == 2.5, "file max_rate");
		is_int(c->limits.max_duration_us, 5400LL * 1000000,
		    "file max_duration");
		is_int(c->max_queue, 0, "file max_queue");
		is_int(c->retention_days, 7, "file retention_days");
		is_int(c->log_level, LOG_DEBUG, "file log_level");
		is_int(c->max_samples, 0, "file max_samples");
		is_int(c->api_max_connections, 32, "file api_max_connections");
		is_int(c->api_timeout_s, 120, "file api_timeout");
		is_int(c->api_connection_memory, 131072,
		    "file api_connection_memory, k suffix");
		is_int(c->api_max_body, 4194304, "file api_max_body, m suffix");
	}
	config_free(c);

	c = load(&cause, "-c", path, "--listen", "127.0.0.1:9", "--threads",
	    "5", "--db", "x.db", NULL);
	ok(c != NULL, "flags with a file load");
	if (c != NULL) {
		is_str(c->listen, "127.0.0.1:9", "flag listen over file");
		is_int(c->threads, 5, "flag threads over file");
		is_str(c->db, "x.db", "flag db over file");
		is_int(c->limits.max_vus, 50, "file value kept without a flag");
	}
	config_free(c);
	/* Flags win even when they come before -c. */
	c = load(&cause, "--threads", "7", "-c", path, NULL);
	ok(c != NULL && c->threads == 7, "flag before -c still wins");
	config_free(c);
	free(path);

	tok = write_file("token", "tok-123\n");
	c = load(&cause, "--token-file", tok, NULL);
	ok(c != NULL && c->token != NULL && strcmp(c->token, "tok-123") == 0,
	    "token read, newline dropped");
	config_free(c);
	free(tok);

	path = write_file("b.conf", "threads = 2\nmax_vus = -1\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "b.conf:2: max_vus: expected an integer",
	    "bad value names file, line and key");
	free(path);
	path = write_file("c.conf", "thread = 2\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "c.conf:1: thread: unknown key",
	    "unknown key is an error");
	free(path);
	path = write_file("d.conf", "max_duration = 10\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "d.conf:1: max_duration:",
	    "duration without a unit is an error");
	free(path);
	path = write_file("e.conf", "listen = 127.0.0.1:99999\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "e.conf:1: listen: expected HOST:PORT",
	    "port out of range is an error");
	free(path);
	path = write_file("f.conf", "listen = unix:relative.sock\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "expected unix:/ABSOLUTE/PATH",
	    "relative unix path is an error");
	free(path);
	path = write_file("g.conf", "max_rate = 0\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "g.conf:1: max_rate:", "max_rate 0 is an error");
	free(path);
	path = write_file("h.conf", "log_level = loud\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "h.conf:1: log_level:", "bad log level");
	free(path);

	path = write_file("i.conf", "api_connection_memory = 1k\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "i.conf:1: api_connection_memory: expected a size",
	    "api_connection_memory below 8k");
	free(path);
	path = write_file("j.conf", "api_max_body = 12q\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "j.conf:1: api_max_body: expected a size",
	    "api_max_body with a bad suffix");
	free(path);
	path = write_file("k.conf", "api_timeout = 0s\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "k.conf:1: api_timeout: expected 1s..24h",
	    "api_timeout 0");
	free(path);
	path = write_file("l.conf", "max_samples = -5\n");
	c = load(&cause, "-c", path, NULL);
	fails_with(c, cause, "l.conf:1: max_samples: expected a number",
	    "max_samples negative");
	free(path);

	c = load(&cause, "--threads", "x", NULL);
	fails_with(c, cause, "--threads: expected an integer", "bad flag value");
	c = load(&cause, "--frobnicate", NULL);
	fails_with(c, cause, "unknown option", "unknown flag");
	c = load(&cause, "--db", NULL);
	fails_with(c, cause, "needs a value", "flag without its value");
	c = load(&cause, "extra", NULL);
	fails_with(c, cause, "unexpected argument", "stray argument");
	c = load(&cause, "-c", "/nonexistent/loadd.conf", NULL);
	fails_with(c, cause, "/nonexistent/loadd.conf", "missing file named");

	path = write_file("empty-token", "");
	c = load(&cause, "--token-file", path, NULL);
	fails_with(c, cause, "empty", "empty token file refused");
	free(path);
	return (tap_done());
}
