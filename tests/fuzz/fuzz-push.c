/* SPDX-License-Identifier: MIT */
/*
 * fuzz-push.c -- what a collector takes from the network and a shard from
 * its user (SPEC 16): any bytes as a push document through collect_check()
 * and, when it passes, store_push() into a real database (the merge SQL
 * with hist_merge included); the same document as POST /v1/runs options
 * through runopts_parse(); and the base64 the hists travel in, which must
 * decode only what it would encode.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct store	*fuzz_store;
static char		 fuzz_dir[256];

static int
fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)remove(path);
	return (0);
}

static void
fuzz_cleanup(void)
{
	store_close(fuzz_store);
	(void)nftw(fuzz_dir, fuzz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	path[300], *cause = NULL;

	log_init(LOG_CRIT, 0);
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/loadd-fuzz-push.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	atexit(fuzz_cleanup);
	snprintf(path, sizeof path, "%s/loadd.db", fuzz_dir);
	store_init();
	if ((fuzz_store = store_open(path, STORE_MIGRATE, &cause)) == NULL) {
		fprintf(stderr, "fuzz-push: %s\n", cause);
		exit(1);
	}
	return (0);
}

/* base64: what decodes re-encodes to the same text. */
static void
fuzz_base64(const uint8_t *data, size_t size)
{
	char		*s, *again;
	unsigned char	*bin;
	size_t		 len;

	s = xstrndup((const char *)data, size);
	if (base64_decode(s, &bin, &len) == 0) {
		again = base64_encode(bin, len);
		if (strcmp(again, s) != 0)
			abort();
		free(again);
		free(bin);
	}
	free(s);
	s = base64_encode(data, size);
	if (base64_decode(s, &bin, &len) != 0 || len != size ||
	    memcmp(bin, data, size) != 0)
		abort();
	free(bin);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_opts	 o;
	struct verror	 err;
	struct limits	 any = { INT64_MAX, 1e300, INT64_MAX };
	json_t		*doc, *spec = NULL, *reply = NULL;
	const char	*path, *code;
	char		*jpath, *cause = NULL;
	int		 rc;

	fuzz_base64(data, size);
	if ((doc = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return (0);
	if (runopts_parse(doc, 1800000000000LL, &o, &path, &cause) != 0) {
		if (path == NULL || cause == NULL)
			abort();
		free(cause);
	} else if (o.nshards > 0 && (o.shard < 0 || o.shard >= o.nshards ||
	    o.chost[0] == '\0' || o.cport < 1 || o.cport > 65535))
		abort();
	cause = NULL;
	if (collect_check(doc, &jpath, &cause) != 0) {
		if (jpath == NULL || cause == NULL)
			abort();
		free(jpath);
		free(cause);
		json_decref(doc);
		return (0);
	}
	if (json_object_get(doc, "scenario") != NULL &&
	    (spec = scenario_validate(json_object_get(doc, "scenario"), &any,
	    &err)) == NULL) {
		json_decref(doc);
		return (0);
	}
	rc = store_push(fuzz_store, "fuzz", doc, spec, 1.8e9, &reply, &code,
	    &cause);
	if (rc == -1) {
		/* A checked push must not make SQLite fail. */
		fprintf(stderr, "fuzz-push: %s\n", cause);
		abort();
	}
	if (rc == 409)
		free(cause);
	json_decref(reply);
	json_decref(spec);
	json_decref(doc);
	return (0);
}
