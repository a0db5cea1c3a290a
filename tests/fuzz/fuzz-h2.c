/* SPDX-License-Identifier: MIT */
/*
 * fuzz-h2.c -- fuzz-response.c over HTTP/2: the same harness with the
 * connection speaking h2 (h2.c and nghttp2), one to three streams at once,
 * fed any bytes a server could send, split at any points.
 */
#define FUZZ_H2	1
#include "fuzz-response.c"
