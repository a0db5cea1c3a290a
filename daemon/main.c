/* SPDX-License-Identifier: MIT */
/*
 * main.c -- startup order, the main event_base, signals and shutdown. The
 * main thread owns process lifetime: it opens the database (taking the
 * one-daemon lock and migrating), starts the API thread, tells systemd, and
 * on SIGTERM/SIGINT tears everything down in reverse order.
 */
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "config.h"
#include "loadd.h"

struct loadd {
	struct event_base	*base;
	struct config		*config;
	struct config		**old;		/* replaced by reloads */
	size_t			 nold;
	int			 argc;
	char			**argv;
	struct store		*store;
	struct api		*api;
	struct runs		*runs;
	struct event		*ev_term, *ev_int, *ev_hup, *ev_watchdog;
};

/* libevent's messages go through our log. */
static void
main_event_log(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warn("libevent: %s", msg);
		break;
	default:
		log_error("libevent: %s", msg);
		break;
	}
}

static void
main_event_fatal(int err)
{
	fatalx("libevent fatal error %d", err);
}

/* SIGTERM or SIGINT: leave the loop; teardown happens in main(). */
static void
main_signal_stop(evutil_socket_t sig, short events, void *arg)
{
	struct loadd	*ld = arg;

	log_info("received %s, shutting down", strsignal((int)sig));
	notify_stopping();
	event_base_loopbreak(ld->base);
}

/*
 * SIGHUP: read the flags and the file again. Token, allowlist, limits,
 * queue and retention apply at once; the active run goes on untouched.
 * Where the daemon listens, its database and its threads need a restart.
 * Replaced configurations are kept until exit: a request in flight may
 * still hold one.
 */
static void
main_signal_hup(evutil_socket_t sig, short events, void *arg)
{
	struct loadd	*ld = arg;
	struct config	*c;
	char		*cause;

	if ((c = config_load(ld->argc, ld->argv, &cause)) == NULL) {
		log_error("reload failed, configuration unchanged: %s", cause);
		free(cause);
		return;
	}
	if (strcmp(c->listen, ld->config->listen) != 0 ||
	    strcmp(c->db, ld->config->db) != 0 ||
	    c->threads != ld->config->threads ||
	    c->api_max_connections != ld->config->api_max_connections ||
	    c->api_timeout_s != ld->config->api_timeout_s ||
	    c->api_connection_memory != ld->config->api_connection_memory)
		log_warn("reload: listen, db, threads, api_max_connections, "
		    "api_timeout and api_connection_memory change only at a "
		    "restart");
	free(c->listen);
	c->listen = xstrdup(ld->config->listen);
	free(c->db);
	c->db = xstrdup(ld->config->db);
	c->threads = ld->config->threads;
	c->api_max_connections = ld->config->api_max_connections;
	c->api_timeout_s = ld->config->api_timeout_s;
	c->api_connection_memory = ld->config->api_connection_memory;
	log_init(c->log_level, 0);
	api_set_config(ld->api, c);
	runs_set_config(ld->runs, c);
	ld->old = xreallocarray(ld->old, ld->nold + 1, sizeof *ld->old);
	ld->old[ld->nold++] = ld->config;
	ld->config = c;
	log_info("configuration reloaded%s", c->token != NULL ?
	    " (token required)" : "");
}

static void
main_watchdog(evutil_socket_t fd, short events, void *arg)
{
	notify_watchdog();
}

/* Every VU holds a connection: take all the descriptors we may. */
static void
main_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("setrlimit NOFILE: %s", strerror(errno));
	else
		log_debug("file descriptor limit raised to %llu",
		    (unsigned long long)rl.rlim_cur);
}

/* Add a persistent signal or timer event, or die. */
static struct event *
main_add_event(struct event_base *base, int sig, event_callback_fn cb,
    void *arg, const struct timeval *tv)
{
	struct event	*ev;

	if (sig >= 0)
		ev = evsignal_new(base, sig, cb, arg);
	else
		ev = event_new(base, -1, EV_PERSIST, cb, arg);
	if (ev == NULL || event_add(ev, tv) != 0)
		fatalx("cannot add event");
	return (ev);
}

int
main(int argc, char **argv)
{
	struct loadd	 ld;
	struct timeval	 tv;
	uint64_t	 wd_usec;
	char		*cause, status[256];

	memset(&ld, 0, sizeof ld);
	ld.argc = argc;
	ld.argv = argv;
	log_init(LOG_INFO, 0);
	if ((ld.config = config_load(argc, argv, &cause)) == NULL) {
		log_error("%s", cause);
		free(cause);
		return (2);
	}
	log_init(ld.config->log_level, 0);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	main_raise_nofile();

	event_set_log_callback(main_event_log);
	event_set_fatal_callback(main_event_fatal);
	if (evthread_use_pthreads() != 0)
		fatalx("evthread_use_pthreads failed");
	if ((ld.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");

	/* The address first: a busy port must not create a database. */
	if ((ld.api = api_create(ld.config, &cause)) == NULL) {
		log_error("%s", cause);
		free(cause);
		config_free(ld.config);
		event_base_free(ld.base);
		return (1);
	}
	store_init();
	ld.store = store_open(ld.config->db, STORE_LOCK | STORE_MIGRATE,
	    &cause);
	if (ld.store == NULL) {
		log_error("%s", cause);
		free(cause);
		api_stop(ld.api);
		config_free(ld.config);
		event_base_free(ld.base);
		return (1);
	}
	log_info("database %s (schema version %d)", ld.config->db,
	    store_user_version(ld.store));

	ld.runs = runs_create(ld.base, ld.config, ld.store);
	if (api_start(ld.api, ld.runs, &cause) != 0) {
		log_error("%s", cause);
		free(cause);
		api_stop(ld.api);
		runs_free(ld.runs);
		store_close(ld.store);
		config_free(ld.config);
		event_base_free(ld.base);
		return (1);
	}

	ld.ev_term = main_add_event(ld.base, SIGTERM, main_signal_stop, &ld,
	    NULL);
	ld.ev_int = main_add_event(ld.base, SIGINT, main_signal_stop, &ld,
	    NULL);
	ld.ev_hup = main_add_event(ld.base, SIGHUP, main_signal_hup, &ld,
	    NULL);
	if ((wd_usec = notify_watchdog_usec()) != 0) {
		tv.tv_sec = (time_t)(wd_usec / 2 / 1000000);
		tv.tv_usec = (suseconds_t)(wd_usec / 2 % 1000000);
		ld.ev_watchdog = main_add_event(ld.base, -1, main_watchdog,
		    NULL, &tv);
		notify_watchdog();
	}

	log_info("loadd %s listening on %s%s", PACKAGE_VERSION,
	    api_address(ld.api), ld.config->token != NULL ?
	    " (token required)" : "");
	snprintf(status, sizeof status, "listening on %s",
	    api_address(ld.api));
	notify_ready(status);

	if (event_base_dispatch(ld.base) == -1)
		log_error("event loop failed");

	api_stop(ld.api);
	runs_shutdown(ld.runs);
	runs_free(ld.runs);
	if (ld.ev_watchdog != NULL)
		event_free(ld.ev_watchdog);
	event_free(ld.ev_hup);
	event_free(ld.ev_int);
	event_free(ld.ev_term);
	store_close(ld.store);
	event_base_free(ld.base);
	config_free(ld.config);
	while (ld.nold > 0)
		config_free(ld.old[--ld.nold]);
	free(ld.old);
	libevent_global_shutdown();
	log_info("stopped");
	return (0);
}
