/* SPDX-License-Identifier: MIT */
/*
 * api-baselines.c -- /v1/baselines: named runs that later runs are compared
 * with. Runs on the API thread.
 */
#include "config.h"

#include <stdlib.h>

#include "loadd.h"

void
api_baselines_list(struct api_request *req)
{
	json_t	*list;
	char	*cause;

	if ((list = store_baseline_list(req->store, &cause)) == NULL) {
		api_reply_store_error(req, cause);
		return;
	}
	api_reply_json(req, 200, json_pack("{s:o}", "baselines", list));
}
