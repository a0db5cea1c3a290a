/* SPDX-License-Identifier: MIT */
/*
 * fuzz-config.c -- config_load() on any config file: the bytes go to a
 * fixed file under /tmp (named with the pid), read as "loadd -c FILE".
 * Success or a cause, nothing leaked, nothing out of range.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "loadd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	fuzz_path[64];

static void
fuzz_cleanup(void)
{
	(void)unlink(fuzz_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(LOG_CRIT, 0);
	snprintf(fuzz_path, sizeof fuzz_path, "/tmp/loadd-fuzz-config.%ld",
	    (long)getpid());
	atexit(fuzz_cleanup);
	return (0);
}

/* Write all of data to the file, replacing it. */
static void
fuzz_write(const uint8_t *data, size_t size)
{
	ssize_t	n;
	int	fd;

	fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		perror(fuzz_path);
		abort();
	}
	while (size > 0) {
		if ((n = write(fd, data, size)) <= 0) {
			perror(fuzz_path);
			abort();
		}
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*c;
	char		*argv[4], *cause = NULL;

	/*
	 * token_file names a file that config_load reads a line of: keep the
	 * fuzzer off devices and /proc, where a line may never end.
	 */
	if (memmem(data, size, "/dev", 4) != NULL ||
	    memmem(data, size, "/proc", 5) != NULL ||
	    memmem(data, size, "/sys", 4) != NULL)
		return (-1);
	fuzz_write(data, size);
	argv[0] = (char *)"loadd";
	argv[1] = (char *)"-c";
	argv[2] = fuzz_path;
	argv[3] = NULL;
	c = config_load(3, argv, &cause);
	if (c == NULL) {
		if (cause == NULL) {
			fprintf(stderr, "config_load: failure without a "
			    "cause\n");
			abort();
		}
		free(cause);
		return (0);
	}
	if (cause != NULL || c->listen == NULL || c->db == NULL ||
	    c->allow_targets == NULL || c->threads < 1 ||
	    c->threads > 1024 || c->limits.max_vus < 1 ||
	    !(c->limits.max_rate > 0) || c->limits.max_duration_us <= 0 ||
	    c->max_queue < 0 || c->retention_days < 0 ||
	    (c->token_file != NULL) != (c->token != NULL)) {
		fprintf(stderr, "config_load: success with a bad "
		    "configuration\n");
		abort();
	}
	config_free(c);
	return (0);
}
