/* SPDX-License-Identifier: MIT */
/*
 * fuzz-jsonptr.c -- the JSON-pointer scanner (jsonscan.c) on any body: the
 * input's first line is the pointer, the rest the document. The scanner
 * must not read outside the document; a value it finds lies inside it;
 * in a document jansson accepts it finds what jansson finds, and nothing
 * else (a string the same once decoded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "loadd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(LOG_CRIT, 0);
	return (0);
}

static void
fuzz_fail(const char *what, const char *ptr)
{
	fprintf(stderr, "fuzz-jsonptr: %s (pointer \"%s\")\n", what, ptr);
	abort();
}

/* The value at ptr in a jansson tree (RFC 6901), or NULL. */
static json_t *
tree_find(json_t *v, const char *ptr)
{
	char	 tok[256], *end;
	size_t	 n, i, o;
	long	 idx;

	while (*ptr == '/' && v != NULL) {
		ptr++;
		n = strcspn(ptr, "/");
		for (i = 0, o = 0; i < n && o < sizeof tok - 1; i++)
			if (ptr[i] == '~' && i + 1 < n) {
				tok[o++] = ptr[++i] == '0' ? '~' : '/';
			} else
				tok[o++] = ptr[i];
		tok[o] = '\0';
		ptr += n;
		if (json_is_object(v))
			v = json_object_get(v, tok);
		else if (json_is_array(v)) {
			if (o == 0 || (o > 1 && tok[0] == '0') ||
			    tok[0] < '0' || tok[0] > '9')
				return (NULL);
			idx = strtol(tok, &end, 10);
			if (*end != '\0')
				return (NULL);
			v = json_array_get(v, (size_t)idx);
		} else
			return (NULL);
	}
	return (v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*nl = memchr(data, '\n', size), *val;
	char		*ptr, *doc, out[64];
	size_t		 plen, dlen, vlen;
	json_t		*tree, *want;
	ssize_t		 sl;
	int		 rc;

	if (nl == NULL)
		return (0);
	plen = (size_t)(nl - (const char *)data);
	dlen = size - plen - 1;
	ptr = strndup((const char *)data, plen);
	/* The document in a buffer of its own size: ASan sees overreads. */
	doc = malloc(dlen + 1);
	memcpy(doc, nl + 1, dlen);
	if (ptr == NULL || strlen(ptr) != plen || !jscan_pointer_valid(ptr)) {
		free(ptr);
		free(doc);
		return (0);
	}
	rc = jscan_pointer(doc, dlen, ptr, &val, &vlen);
	if (rc == 0) {
		if (val < doc || val + vlen > doc + dlen || vlen == 0)
			fuzz_fail("a value outside the document", ptr);
		if (*val == '"') {
			sl = jscan_string(val, vlen, out, sizeof out);
			if (sl < 0)
				fuzz_fail("a string value that does not decode",
				    ptr);
		}
	}
	/* Where a parser accepts the document, both must agree. */
	/* (jansson reads a raw NUL byte as the end: not compared.) */
	tree = memchr(doc, '\0', dlen) != NULL ? NULL : json_loadb(doc, dlen,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, NULL);
	if (tree != NULL) {
		want = tree_find(tree, ptr);
		if (rc < 0)
			fuzz_fail("valid JSON said not to be", ptr);
		if ((want != NULL) != (rc == 0))
			fuzz_fail(rc == 0 ? "found what the parser does not" :
			    "did not find what the parser finds", ptr);
		if (want != NULL && json_is_string(want) &&
		    !jscan_string_eq(val, vlen, json_string_value(want),
		    json_string_length(want)))
			fuzz_fail("a string that differs from the parser's",
			    ptr);
		json_decref(tree);
	}
	free(ptr);
	free(doc);
	return (0);
}
