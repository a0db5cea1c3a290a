/* SPDX-License-Identifier: MIT */
/*
 * api-work.c -- blocking work off the API thread. libmicrohttpd serves
 * every connection from one thread, so a handler that must wait (the DNS
 * lookup of a submitted scenario's hosts) suspends its connection and
 * hands the work to this helper thread; when the work is done the
 * connection is resumed and the handler's second half answers on the API
 * thread, which keeps the store and everything else it owns to itself.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include <microhttpd.h>

#include "loadd.h"

struct api_job {
	struct api_request	*req;
	void			(*work)(void *);
	api_done_cb		 done;
	void			*arg;
	int			 ran;		/* work() was called */
	struct api_job		*next;
};

struct apiwork {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct api_job		*head, **tail;
	int			 stopping;
};

static void *
apiwork_main(void *arg)
{
	struct apiwork	*aw = arg;
	struct api_job	*job;

	pthread_mutex_lock(&aw->lock);
	for (;;) {
		while (aw->head == NULL && !aw->stopping)
			pthread_cond_wait(&aw->cond, &aw->lock);
		if (aw->stopping)
			break;
		job = aw->head;
		if ((aw->head = job->next) == NULL)
			aw->tail = &aw->head;
		pthread_mutex_unlock(&aw->lock);
		job->work(job->arg);
		job->ran = 1;
		/* The handler's second half runs on the API thread. */
		MHD_resume_connection(job->req->conn);	/* job is its now */
		pthread_mutex_lock(&aw->lock);
	}
	pthread_mutex_unlock(&aw->lock);
	return (NULL);
}

struct apiwork *
apiwork_start(char **cause)
{
	struct apiwork	*aw;

	aw = xcalloc(1, sizeof *aw);
	aw->tail = &aw->head;
	pthread_mutex_init(&aw->lock, NULL);
	pthread_cond_init(&aw->cond, NULL);
	if (pthread_create(&aw->thread, NULL, apiwork_main, aw) != 0) {
		xasprintf(cause, "pthread_create failed");
		free(aw);
		return (NULL);
	}
	return (aw);
}

/*
 * Stop the helper once its job in hand is done (a DNS lookup in progress
 * is waited for); jobs still queued are resumed without running, so that
 * their handlers answer 503 if libmicrohttpd runs them before it stops,
 * and later deferrals answer at once. Call before MHD_stop_daemon, and
 * apiwork_free after it.
 */
void
apiwork_stop(struct apiwork *aw)
{
	struct api_job	*job, *next;

	if (aw == NULL)
		return;
	pthread_mutex_lock(&aw->lock);
	aw->stopping = 1;
	pthread_cond_signal(&aw->cond);
	pthread_mutex_unlock(&aw->lock);
	pthread_join(aw->thread, NULL);
	pthread_mutex_lock(&aw->lock);
	job = aw->head;
	aw->head = NULL;
	aw->tail = &aw->head;
	pthread_mutex_unlock(&aw->lock);
	for (; job != NULL; job = next) {
		next = job->next;	/* resumed, job may be freed */
		MHD_resume_connection(job->req->conn);
	}
}

void
apiwork_free(struct apiwork *aw)
{
	if (aw == NULL)
		return;
	pthread_mutex_destroy(&aw->lock);
	pthread_cond_destroy(&aw->cond);
	free(aw);
}

/*
 * API thread, in a handler: suspend req's connection and run work(arg) on
 * the helper; then done(req, arg, ran) answers req on the API thread, ran
 * 0 when the daemon stopped first. done owns arg.
 */
void
api_defer(struct api_request *req, void (*work)(void *), api_done_cb done,
    void *arg)
{
	struct apiwork	*aw = api_work(req->api);
	struct api_job	*job;

	pthread_mutex_lock(&aw->lock);
	if (aw->stopping) {
		/* Stopping: answer now, without the work. */
		pthread_mutex_unlock(&aw->lock);
		done(req, arg, 0);
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->req = req;
	job->work = work;
	job->done = done;
	job->arg = arg;
	req->job = job;
	MHD_suspend_connection(req->conn);
	*aw->tail = job;
	aw->tail = &job->next;
	pthread_cond_signal(&aw->cond);
	pthread_mutex_unlock(&aw->lock);
}

/* API thread: the deferred half of req, once it is resumed. */
void
api_deferred(struct api_request *req)
{
	struct api_job	*job = req->job;

	req->job = NULL;
	job->done(req, job->arg, job->ran);
	free(job);
}

/* A request that ended while suspended (the daemon stopped). */
void
api_job_free(struct api_request *req)
{
	if (req->job == NULL)
		return;
	req->job->done(NULL, req->job->arg, 0);
	free(req->job);
	req->job = NULL;
}
