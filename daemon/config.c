/* SPDX-License-Identifier: MIT */
/*
 * config.c -- command-line flags and the config file, merged into one
 * immutable struct config (flags over file over defaults). Runs on the main
 * thread before anything listens; every error names the file, line and key.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "loadd.h"

/* Flags given on the command line; NULL when absent. */
struct config_flags {
	const char	*file;
	const char	*listen;
	const char	*db;
	const char	*token_file;
	const char	*threads;
	const char	*log_level;
};

static const char *config_keys[] = {
	"listen", "db", "token_file", "threads", "allow_targets", "max_vus",
	"max_rate", "max_duration", "max_queue", "retention_days", "log_level",
	"max_samples", "api_max_connections", "api_timeout",
	"api_connection_memory", "api_max_body", "max_data_bytes",
	"api_max_streams", "ui_chartjs", "allow_collectors",
	"collector_token_file", NULL
};

void
config_usage(void)
{
	printf("usage: loadd [-c FILE] [--listen ADDR] [--db PATH] "
	    "[--token-file PATH] [--threads N]\n"
	    "             [--log-level LEVEL] [--version] [--help]\n"
	    "\n"
	    "  -c, --config FILE     config file (key = value lines)\n"
	    "  -l, --listen ADDR     HOST:PORT or unix:/PATH "
	    "(default 127.0.0.1:7878)\n"
	    "  -d, --db PATH         SQLite database (default ./loadd.db)\n"
	    "  -t, --token-file PATH API token; when set, requests need "
	    "\"Authorization: Bearer TOKEN\"\n"
	    "  -T, --threads N       load worker threads "
	    "(default: number of cores)\n"
	    "  -L, --log-level LEVEL debug, info, warn or error "
	    "(default info)\n"
	    "\n"
	    "Flags override the config file, which overrides the defaults.\n"
	    "See loadd(8) and loadd.conf(5).\n");
}

/* The known keys as one comma-separated string, for error messages. */
static const char *
config_key_list(void)
{
	static char	list[512];
	size_t		i, off = 0;

	for (i = 0; config_keys[i] != NULL && off < sizeof list; i++)
		off += snprintf(list + off, sizeof list - off, "%s%s",
		    i > 0 ? ", " : "", config_keys[i]);
	return (list);
}

/* Parse a whole non-negative integer in [min, max]. */
static int
config_int(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* A byte size in [min, max]: digits, optionally followed by k or m (1024s). */
static int
config_bytes(const char *s, long long min, long long max, long long *out)
{
	char		 num[32];
	size_t		 len = strlen(s);
	long long	 mult = 1, v;

	if (len > 0 && (s[len - 1] == 'k' || s[len - 1] == 'K'))
		mult = 1024;
	else if (len > 0 && (s[len - 1] == 'm' || s[len - 1] == 'M'))
		mult = 1024 * 1024;
	if (mult != 1)
		len--;
	if (len == 0 || len >= sizeof num)
		return (-1);
	memcpy(num, s, len);
	num[len] = '\0';
	if (config_int(num, 0, max / mult, &v) != 0 || v * mult < min)
		return (-1);
	*out = v * mult;
	return (0);
}

/* Check a listen address: unix:/path, HOST:PORT or [V6]:PORT. */
static int
config_check_listen(const char *s, char **cause)
{
	const char	*colon;
	long long	 port;

	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/') {
			xasprintf(cause, "expected unix:/ABSOLUTE/PATH; got "
			    "\"%s\"", s);
			return (-1);
		}
		if (strlen(s + 5) >= 108) {
			xasprintf(cause, "unix socket path too long");
			return (-1);
		}
		return (0);
	}
	colon = strrchr(s, ':');
	if (colon == NULL || colon == s ||
	    config_int(colon + 1, 0, 65535, &port) != 0) {
		xasprintf(cause, "expected HOST:PORT, [IPV6]:PORT or "
		    "unix:/PATH; got \"%s\"", s);
		return (-1);
	}
	return (0);
}

/* Set one key; the value is already trimmed. */
static int
config_set(struct config *c, const char *key, const char *value, char **cause)
{
	long long	 n;
	int64_t		 us;
	char		*end, *why, hint[64];
	double		 d;

	if (strcmp(key, "listen") == 0) {
		if (config_check_listen(value, cause) != 0)
			return (-1);
		free(c->listen);
		c->listen = xstrdup(value);
	} else if (strcmp(key, "ui_chartjs") == 0) {
		if (*value != '/') {
			xasprintf(cause, "expected an absolute path to "
			    "Chart.js; got \"%s\"", value);
			return (-1);
		}
		free(c->ui_chartjs);
		c->ui_chartjs = xstrdup(value);
	} else if (strcmp(key, "db") == 0) {
		if (*value == '\0') {
			xasprintf(cause, "expected a path");
			return (-1);
		}
		free(c->db);
		c->db = xstrdup(value);
	} else if (strcmp(key, "token_file") == 0) {
		free(c->token_file);
		c->token_file = *value == '\0' ? NULL : xstrdup(value);
	} else if (strcmp(key, "threads") == 0) {
		if (config_int(value, 1, 1024, &n) != 0) {
			xasprintf(cause, "expected an integer 1..1024; got "
			    "\"%s\"", value);
			return (-1);
		}
		c->threads = (int)n;
	} else if (strcmp(key, "allow_targets") == 0) {
		free(c->allow_targets);
		c->allow_targets = xstrdup(value);
	} else if (strcmp(key, "allow_collectors") == 0) {
		free(c->allow_collectors);
		c->allow_collectors = xstrdup(value);
	} else if (strcmp(key, "collector_token_file") == 0) {
		free(c->collector_token_file);
		c->collector_token_file = *value == '\0' ? NULL :
		    xstrdup(value);
	} else if (strcmp(key, "max_vus") == 0) {
		if (config_int(value, 1, 10000000, &n) != 0) {
			xasprintf(cause, "expected an integer 1..10000000; "
			    "got \"%s\"", value);
			return (-1);
		}
		c->limits.max_vus = n;
	} else if (strcmp(key, "max_rate") == 0) {
		errno = 0;
		d = strtod(value, &end);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    !(d > 0 && d <= 1e9)) {
			xasprintf(cause, "expected a positive number of "
			    "iterations per second; got \"%s\"", value);
			return (-1);
		}
		c->limits.max_rate = d;
	} else if (strcmp(key, "max_duration") == 0) {
		if (parse_duration(value, &us, &why) != 0) {
			*cause = why;
			return (-1);
		}
		if (us <= 0) {
			xasprintf(cause, "must be more than 0s");
			return (-1);
		}
		c->limits.max_duration_us = us;
	} else if (strcmp(key, "max_queue") == 0) {
		if (config_int(value, 0, 100000, &n) != 0) {
			xasprintf(cause, "expected an integer 0..100000; got "
			    "\"%s\"", value);
			return (-1);
		}
		c->max_queue = (int)n;
	} else if (strcmp(key, "retention_days") == 0) {
		if (config_int(value, 0, 100000, &n) != 0) {
			xasprintf(cause, "expected a number of days (0 keeps "
			    "everything); got \"%s\"", value);
			return (-1);
		}
		c->retention_days = (int)n;
	} else if (strcmp(key, "max_samples") == 0) {
		if (config_int(value, 0, INT64_MAX, &n) != 0) {
			xasprintf(cause, "expected a number of samples (0 "
			    "stores all); got \"%s\"", value);
			return (-1);
		}
		c->max_samples = n;
	} else if (strcmp(key, "api_max_connections") == 0) {
		if (config_int(value, 1, 65536, &n) != 0) {
			xasprintf(cause, "expected an integer 1..65536; got "
			    "\"%s\"", value);
			return (-1);
		}
		c->api_max_connections = (int)n;
	} else if (strcmp(key, "api_max_streams") == 0) {
		if (config_int(value, 1, 65536, &n) != 0) {
			xasprintf(cause, "expected an integer 1..65536; got "
			    "\"%s\"", value);
			return (-1);
		}
		c->api_max_streams = (int)n;
	} else if (strcmp(key, "api_timeout") == 0) {
		if (parse_duration(value, &us, &why) != 0) {
			*cause = why;
			return (-1);
		}
		if (us < 1000000 || us > 86400LL * 1000000) {
			xasprintf(cause, "expected 1s..24h; got \"%s\"",
			    value);
			return (-1);
		}
		c->api_timeout_s = (int)(us / 1000000);
	} else if (strcmp(key, "api_connection_memory") == 0) {
		if (config_bytes(value, 8192, 64LL << 20, &n) != 0) {
			xasprintf(cause, "expected a size 8k..64m (bytes, or "
			    "with k or m); got \"%s\"", value);
			return (-1);
		}
		c->api_connection_memory = n;
	} else if (strcmp(key, "api_max_body") == 0) {
		if (config_bytes(value, 1024, 256LL << 20, &n) != 0) {
			xasprintf(cause, "expected a size 1k..256m (bytes, or "
			    "with k or m); got \"%s\"", value);
			return (-1);
		}
		c->api_max_body = n;
	} else if (strcmp(key, "max_data_bytes") == 0) {
		if (config_bytes(value, 1024, 1024LL << 20, &n) != 0) {
			xasprintf(cause, "expected a size 1k..1024m (bytes, or "
			    "with k or m); got \"%s\"", value);
			return (-1);
		}
		c->max_data_bytes = n;
	} else if (strcmp(key, "log_level") == 0) {
		if ((c->log_level = log_parse_level(value)) == -1) {
			xasprintf(cause, "expected debug, info, warn or "
			    "error; got \"%s\"", value);
			return (-1);
		}
	} else {
		xasprintf(cause, "unknown key%s (expected one of %s)",
		    parse_suggest(hint, sizeof hint, key, config_keys),
		    config_key_list());
		return (-1);
	}
	return (0);
}

/* Trim leading and trailing blanks in place. */
static char *
config_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

/* Read "key = value" lines; # starts a comment line. */
static int
config_read_file(struct config *c, const char *path, char **cause)
{
	FILE	*f;
	char	*line = NULL, *key, *value, *eq, *why;
	size_t	 size = 0;
	u_int	 lineno = 0;
	int	 rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while (getline(&line, &size, f) != -1) {
		lineno++;
		key = config_trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			xasprintf(cause, "%s:%u: expected \"key = value\"; got "
			    "\"%s\"", path, lineno, key);
			goto out;
		}
		*eq = '\0';
		key = config_trim(key);
		value = config_trim(eq + 1);
		if (config_set(c, key, value, &why) != 0) {
			xasprintf(cause, "%s:%u: %s: %s", path, lineno, key,
			    why);
			free(why);
			goto out;
		}
	}
	if (ferror(f)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return (rc);
}

/* Read a token: one line, trailing newline dropped, never logged. */
static int
config_read_token_file(const char *key, const char *path, char **out,
    char **cause)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 size = 0;
	ssize_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s %s: %s", key, path, strerror(errno));
		return (-1);
	}
	n = getline(&line, &size, f);
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n <= 0) {
		free(line);
		xasprintf(cause, "%s %s: empty (expected the token on its "
		    "first line)", key, path);
		return (-1);
	}
	*out = line;
	return (0);
}

/*
 * The API's token, and the one a shard's pushes carry to its collector
 * (collector_token_file, or the same).
 */
static int
config_read_token(struct config *c, char **cause)
{
	if (c->token_file != NULL && config_read_token_file("token_file",
	    c->token_file, &c->token, cause) != 0)
		return (-1);
	if (c->collector_token_file != NULL)
		return (config_read_token_file("collector_token_file",
		    c->collector_token_file, &c->collector_token, cause));
	if (c->token != NULL)
		c->collector_token = xstrdup(c->token);
	return (0);
}

/* A configuration with every default; the caller frees it. */
struct config *
config_default(void)
{
	struct config	*c;
	long		 ncpu;

	c = xcalloc(1, sizeof *c);
	c->listen = xstrdup("127.0.0.1:7878");
	c->db = xstrdup("./loadd.db");
	c->ui_chartjs = xstrdup(LOADD_CHARTJS);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c->threads = ncpu > 0 ? (int)ncpu : 1;
	c->allow_targets = xstrdup("127.0.0.0/8, ::1, localhost");
	c->allow_collectors = xstrdup("127.0.0.0/8, ::1, localhost");
	c->limits.max_vus = 10000;
	c->limits.max_rate = 100000;
	c->limits.max_duration_us = 24LL * 3600 * 1000000;
	c->max_queue = 16;
	c->retention_days = 0;
	c->log_level = LOG_INFO;
	c->max_samples = 100000000;
	c->api_max_connections = 256;
	c->api_max_streams = 64;
	c->api_timeout_s = 60;
	c->api_connection_memory = 64 * 1024;
	c->api_max_body = LOADD_BODY_MAX;
	c->max_data_bytes = 64LL << 20;
	return (c);
}

/*
 * Build the configuration from argv and the optional file. Prints usage and
 * exits for --help and --version; returns NULL with *cause on any error.
 */
struct config *
config_load(int argc, char **argv, char **cause)
{
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "listen",	required_argument, NULL, 'l' },
		{ "db",		required_argument, NULL, 'd' },
		{ "token-file",	required_argument, NULL, 't' },
		{ "threads",	required_argument, NULL, 'T' },
		{ "log-level",	required_argument, NULL, 'L' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct config_flags	 fl;
	struct config		*c;
	char			*why;
	int			 ch;
	size_t			 i;

	memset(&fl, 0, sizeof fl);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:l:d:t:T:L:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			fl.file = optarg;
			break;
		case 'l':
			fl.listen = optarg;
			break;
		case 'd':
			fl.db = optarg;
			break;
		case 't':
			fl.token_file = optarg;
			break;
		case 'T':
			fl.threads = optarg;
			break;
		case 'L':
			fl.log_level = optarg;
			break;
		case 'h':
			config_usage();
			exit(0);
		case 'V':
			printf("loadd %s\n", PACKAGE_VERSION);
			exit(0);
		case ':':
			xasprintf(cause, "option %s needs a value (see loadd "
			    "--help)", argv[optind - 1]);
			return (NULL);
		default:
			xasprintf(cause, "unknown option %s (see loadd --help)",
			    argv[optind - 1]);
			return (NULL);
		}
	}
	if (optind != argc) {
		xasprintf(cause, "unexpected argument \"%s\" (see loadd "
		    "--help)", argv[optind]);
		return (NULL);
	}

	c = config_default();

	if (fl.file != NULL) {
		c->path = xstrdup(fl.file);
		if (config_read_file(c, fl.file, cause) != 0)
			goto fail;
	}

	{
		const struct {
			const char	*flag, *key, *value;
		} over[] = {
			{ "--listen", "listen", fl.listen },
			{ "--db", "db", fl.db },
			{ "--token-file", "token_file", fl.token_file },
			{ "--threads", "threads", fl.threads },
			{ "--log-level", "log_level", fl.log_level },
		};

		for (i = 0; i < sizeof over / sizeof over[0]; i++) {
			if (over[i].value == NULL)
				continue;
			if (config_set(c, over[i].key, over[i].value,
			    &why) != 0) {
				xasprintf(cause, "%s: %s", over[i].flag, why);
				free(why);
				goto fail;
			}
		}
	}
	if (config_read_token(c, cause) != 0)
		goto fail;
	return (c);

fail:
	config_free(c);
	return (NULL);
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->listen);
	free(c->db);
	free(c->ui_chartjs);
	free(c->token_file);
	if (c->token != NULL) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	if (c->collector_token != NULL) {
		explicit_bzero(c->collector_token, strlen(c->collector_token));
		free(c->collector_token);
	}
	free(c->collector_token_file);
	free(c->allow_targets);
	free(c->allow_collectors);
	free(c);
}
