/* SPDX-License-Identifier: MIT */
/*
 * notify.c -- sd_notify for systemd: READY=1, STOPPING=1, WATCHDOG=1. Without
 * libsystemd at build time, or outside systemd, every call is a no-op.
 * Main thread only.
 */
#include <stdint.h>

#include "config.h"
#include "loadd.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

void
notify_ready(const char *status)
{
#ifdef HAVE_SYSTEMD
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
#else
	(void)status;
#endif
}

void
notify_stopping(void)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
}

/* The watchdog interval systemd asked for, or 0 when there is none. */
uint64_t
notify_watchdog_usec(void)
{
#ifdef HAVE_SYSTEMD
	uint64_t	usec;

	if (sd_watchdog_enabled(0, &usec) > 0)
		return (usec);
#endif
	return (0);
}

void
notify_watchdog(void)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, "WATCHDOG=1");
#endif
}
