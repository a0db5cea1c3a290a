/* SPDX-License-Identifier: MIT */
/*
 * sysmon.c -- once-a-second samples of loadd itself, the host and an optional
 * monitored target process, all read from /proc with fixed buffers. Main
 * thread only: a struct sysmon is not shared.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadd.h"

#define SYSMON_WORKER_PREFIX	"loadd-w"
#define SYSMON_LINE_MAX		4096	/* longer lines are skipped */

/* CPU ticks of one worker thread at the previous sample. */
struct sysmon_thread {
	pid_t		 tid;
	uint64_t	 ticks;
	unsigned int	 gen;		/* last sample that saw it */
};

struct sysmon {
	long			 tck;		/* clock ticks per second */
	long			 ncpu;
	int			 primed;
	uint64_t		 last_ns;

	uint64_t		 self_ticks;
	uint64_t		 host_busy;
	uint64_t		 net_rx, net_tx;

	pid_t			 target;	/* 0: none or vanished */
	uint64_t		 target_start;	/* starttime: detects reuse */
	uint64_t		 target_ticks;
	int			 target_primed;
	char			*pidfile;

	struct sysmon_thread	*threads;
	size_t			 nthreads;
	size_t			 threadsalloc;
	unsigned int		 gen;
};

/* The fields of a /proc/PID/stat line that sysmon uses. */
struct sysmon_stat {
	char		 comm[64];
	char		 state;
	uint64_t	 ticks;		/* utime + stime */
	uint64_t	 start;		/* starttime */
};

/* Monotonic time in nanoseconds. */
static uint64_t
sysmon_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal("clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/*
 * Read up to size - 1 bytes of a file into buf and terminate it. Returns the
 * length, or -1 with errno set.
 */
static ssize_t
sysmon_read(const char *path, char *buf, size_t size)
{
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return (-1);
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return (-1);
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (close(fd) != 0)
		return (-1);
	return (len);
}

/*
 * Call cb on each line of a file (without its newline), reading through one
 * fixed buffer: /proc/net/dev grows with the number of interfaces. Lines
 * of SYSMON_LINE_MAX bytes or more are skipped. Returns 0, or -1 with errno
 * set.
 */
static int
sysmon_lines(const char *path, void (*cb)(char *, void *), void *arg)
{
	char	 buf[SYSMON_LINE_MAX];
	char	*line, *nl;
	size_t	 len = 0, left;
	ssize_t	 n;
	int	 fd, saved, skip = 0;

	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return (-1);
	for (;;) {
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return (-1);
		}
		if (n == 0 && len == 0)
			break;
		len += n;
		buf[len] = '\0';

		line = buf;
		while ((nl = memchr(line, '\n', buf + len - line)) != NULL) {
			*nl = '\0';
			if (!skip)
				cb(line, arg);
			skip = 0;
			line = nl + 1;
		}
		left = buf + len - line;
		if (n == 0) {
			if (left != 0 && !skip)
				cb(line, arg);	/* no final newline */
			break;
		}
		if (left == sizeof buf - 1) {
			skip = 1;		/* too long: drop it */
			left = 0;
		}
		memmove(buf, line, left);
		len = left;
	}
	if (close(fd) != 0)
		return (-1);
	return (0);
}

/* Parse a /proc/PID/stat or /proc/PID/task/TID/stat line. */
static int
sysmon_parse_stat(char *buf, struct sysmon_stat *st)
{
	char		*lp, *rp, *cp, *ep;
	uint64_t	 utime = 0, stime = 0, v;
	size_t		 len;
	int		 field;

	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	if ((lp = strchr(buf, '(')) == NULL ||
	    (rp = strrchr(buf, ')')) == NULL || rp < lp)
		return (-1);
	len = rp - lp - 1;
	if (len >= sizeof st->comm)
		len = sizeof st->comm - 1;
	memcpy(st->comm, lp + 1, len);
	st->comm[len] = '\0';

	cp = rp + 1;
	while (*cp == ' ')
		cp++;
	if (*cp == '\0')
		return (-1);
	st->state = *cp++;

	/* Fields are numbered from 1; state was field 3. */
	for (field = 4; field <= 22; field++) {
		while (*cp == ' ')
			cp++;
		if (*cp == '\0')
			return (-1);
		if (field == 14 || field == 15 || field == 22) {
			errno = 0;
			v = strtoull(cp, &ep, 10);
			if (ep == cp || errno != 0)
				return (-1);
			if (field == 14)
				utime = v;
			else if (field == 15)
				stime = v;
			else
				st->start = v;
			cp = ep;
		} else {
			while (*cp != ' ' && *cp != '\0')
				cp++;
		}
	}
	st->ticks = utime + stime;
	return (0);
}

/* Read and parse the stat file of a process or thread. */
static int
sysmon_read_stat(const char *path, struct sysmon_stat *st)
{
	char	buf[2048];

	if (sysmon_read(path, buf, sizeof buf) == -1)
		return (-1);
	if (sysmon_parse_stat(buf, st) != 0) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

/* Parse "Key:   123 kB" into bytes when line starts with key. */
static int
sysmon_kb(const char *line, const char *key, int64_t *out)
{
	size_t		 len = strlen(key);
	const char	*cp;
	char		*ep;
	long long	 v;

	if (strncmp(line, key, len) != 0 || line[len] != ':')
		return (0);
	cp = line + len + 1;
	errno = 0;
	v = strtoll(cp, &ep, 10);
	if (ep == cp || errno != 0 || v < 0)
		return (0);
	*out = (int64_t)v * 1024;
	return (1);
}

/* Line callback for /proc/PID/status: VmRSS. */
static void
sysmon_status_cb(char *line, void *arg)
{
	sysmon_kb(line, "VmRSS", arg);
}

/*
 * Resident set of a process from its status file. Kernel threads and zombies
 * have no VmRSS line: -1 with errno ESRCH.
 */
static int
sysmon_read_rss(const char *path, int64_t *rss)
{
	*rss = -1;
	if (sysmon_lines(path, sysmon_status_cb, rss) != 0)
		return (-1);
	if (*rss < 0) {
		errno = ESRCH;
		return (-1);
	}
	return (0);
}

/* Busy ticks of the whole machine from the first line of /proc/stat. */
static int
sysmon_read_host_cpu(uint64_t *busy)
{
	char		 buf[1024], *cp, *ep;
	uint64_t	 v[8];
	int		 i;

	if (sysmon_read("/proc/stat", buf, sizeof buf) == -1)
		return (-1);
	if (strncmp(buf, "cpu ", 4) != 0)
		goto invalid;
	cp = buf + 4;
	/* user nice system idle iowait irq softirq steal; guest is in user. */
	for (i = 0; i < 8; i++) {
		errno = 0;
		v[i] = strtoull(cp, &ep, 10);
		if (ep == cp || errno != 0) {
			if (i < 4)
				goto invalid;
			v[i] = 0;	/* old kernels: fewer fields */
		}
		cp = ep;
	}
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	return (0);

invalid:
	errno = EINVAL;
	return (-1);
}

/* What /proc/meminfo gives. */
struct sysmon_mem {
	int64_t	 total;
	int64_t	 avail;
};

/* Line callback for /proc/meminfo. */
static void
sysmon_meminfo_cb(char *line, void *arg)
{
	struct sysmon_mem	*m = arg;

	if (!sysmon_kb(line, "MemTotal", &m->total))
		sysmon_kb(line, "MemAvailable", &m->avail);
}

/* Memory in use on the host: MemTotal - MemAvailable. */
static int
sysmon_read_host_mem(int64_t *used)
{
	struct sysmon_mem	m = { -1, -1 };

	if (sysmon_lines("/proc/meminfo", sysmon_meminfo_cb, &m) != 0)
		return (-1);
	if (m.total < 0 || m.avail < 0) {
		errno = EINVAL;
		return (-1);
	}
	*used = m.total > m.avail ? m.total - m.avail : 0;
	return (0);
}

/* Byte counters summed over interfaces. */
struct sysmon_net {
	uint64_t	 rx;
	uint64_t	 tx;
};

/*
 * Line callback for /proc/net/dev: "  name: rxbytes p e d f fr c m txbytes".
 * The two header lines fail the parse: they hold a "|", not a ":" and numbers.
 */
static void
sysmon_netdev_cb(char *line, void *arg)
{
	struct sysmon_net	*n = arg;
	char			*cp, *ep;
	uint64_t		 v[9];
	int			 i;

	if ((cp = strchr(line, ':')) == NULL)
		return;
	cp++;
	for (i = 0; i < 9; i++) {
		errno = 0;
		v[i] = strtoull(cp, &ep, 10);
		if (ep == cp || errno != 0)
			return;
		cp = ep;
	}
	n->rx += v[0];
	n->tx += v[8];
}

/* Received and sent bytes of every interface, loopback included. */
static int
sysmon_read_net(uint64_t *rx, uint64_t *tx)
{
	struct sysmon_net	n = { 0, 0 };

	if (sysmon_lines("/proc/net/dev", sysmon_netdev_cb, &n) != 0)
		return (-1);
	*rx = n.rx;
	*tx = n.tx;
	return (0);
}

/* A counter's increase; counters that went back (a device went away) give 0. */
static uint64_t
sysmon_delta(uint64_t now, uint64_t then)
{
	return (now > then ? now - then : 0);
}

/* Percent of one core for a number of ticks over elapsed nanoseconds. */
static double
sysmon_pct(struct sysmon *sm, uint64_t ticks, uint64_t elapsed)
{
	if (elapsed == 0)
		return (0);
	return ((double)ticks / sm->tck * 1e9 / elapsed * 100);
}

/*
 * Look at a candidate target: 0 when it is a live process, else -1 with errno
 * ESRCH. Zombies count as gone: the process has exited, only its parent has
 * not yet reaped it.
 */
static int
sysmon_probe(pid_t pid, struct sysmon_stat *st)
{
	char	path[64];

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (sysmon_read_stat(path, st) != 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return (-1);
	}
	if (st->state == 'Z' || st->state == 'X') {
		errno = ESRCH;
		return (-1);
	}
	return (0);
}

/* Read a pid from a pidfile. */
static int
sysmon_read_pidfile(const char *path, pid_t *pid, char **cause)
{
	char		 buf[64], *cp, *ep;
	long long	 v;

	if (sysmon_read(path, buf, sizeof buf) == -1) {
		xasprintf(cause, "monitor: pidfile %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	cp = buf;
	while (isspace((unsigned char)*cp))
		cp++;
	errno = 0;
	v = strtoll(cp, &ep, 10);
	while (isspace((unsigned char)*ep))
		ep++;
	if (ep == cp || *ep != '\0' || errno != 0 || v <= 0 ||
	    v > INT32_MAX) {
		xasprintf(cause, "monitor: pidfile %s: no valid pid in it",
		    path);
		return (-1);
	}
	*pid = (pid_t)v;
	return (0);
}

/* Find the target: the pid given, or the one in the pidfile. */
static int
sysmon_find_target(struct sysmon *sm, pid_t pid, struct sysmon_stat *st,
    char **cause)
{
	if (sm->pidfile != NULL &&
	    sysmon_read_pidfile(sm->pidfile, &pid, cause) != 0)
		return (-1);
	if (sysmon_probe(pid, st) != 0) {
		if (errno == ESRCH) {
			if (sm->pidfile != NULL)
				xasprintf(cause, "monitor: pid %ld (from %s): "
				    "no such process", (long)pid, sm->pidfile);
			else
				xasprintf(cause, "monitor: pid %ld: "
				    "no such process", (long)pid);
		} else
			xasprintf(cause, "monitor: pid %ld: %s", (long)pid,
			    strerror(errno));
		return (-1);
	}
	sm->target = pid;
	sm->target_start = st->start;
	sm->target_primed = 0;
	return (0);
}

/*
 * Create a monitor. With a pidfile (which wins over target_pid) the pid is
 * read now and again whenever the process it names goes away; with neither
 * there is no target. Fails with a cause when /proc cannot be read or the
 * target does not exist.
 */
struct sysmon *
sysmon_create(pid_t target_pid, const char *target_pidfile, char **cause)
{
	struct sysmon		*sm;
	struct sysmon_stat	 st;

	if (target_pid < 0) {
		xasprintf(cause, "monitor: pid %ld: invalid", (long)target_pid);
		return (NULL);
	}
	if (sysmon_read_stat("/proc/self/stat", &st) != 0) {
		xasprintf(cause, "monitor: /proc/self/stat: %s",
		    strerror(errno));
		return (NULL);
	}

	sm = xcalloc(1, sizeof *sm);
	if ((sm->tck = sysconf(_SC_CLK_TCK)) <= 0)
		sm->tck = 100;
	if ((sm->ncpu = sysconf(_SC_NPROCESSORS_ONLN)) <= 0)
		sm->ncpu = 1;
	if (target_pidfile != NULL && *target_pidfile != '\0')
		sm->pidfile = xstrdup(target_pidfile);
	if (sm->pidfile != NULL || target_pid != 0) {
		if (sysmon_find_target(sm, target_pid, &st, cause) != 0) {
			sysmon_free(sm);
			return (NULL);
		}
	}
	return (sm);
}

void
sysmon_free(struct sysmon *sm)
{
	if (sm == NULL)
		return;
	free(sm->pidfile);
	free(sm->threads);
	free(sm);
}

/*
 * Sample the target into ss. A target that went away is looked for again
 * through its pidfile, at most once per sample; not finding it is not an
 * error, only target_ok 0.
 */
static void
sysmon_sample_target(struct sysmon *sm, struct sysmon_sample *ss,
    uint64_t elapsed)
{
	struct sysmon_stat	 st;
	char			 path[64], *cause = NULL;
	int64_t			 rss;
	pid_t			 old = sm->target;

	if (sm->target != 0 && (sysmon_probe(sm->target, &st) != 0 ||
	    st.start != sm->target_start))
		sm->target = 0;		/* exited, or the pid was reused */
	if (sm->target == 0 && sm->pidfile != NULL) {
		if (sysmon_find_target(sm, 0, &st, &cause) != 0)
			free(cause);
		else if (sm->target != old)
			log_info("monitor: %s now names pid %ld", sm->pidfile,
			    (long)sm->target);
	}
	if (sm->target == 0)
		return;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)sm->target);
	if (sysmon_read_rss(path, &rss) != 0) {
		sm->target = 0;		/* exited between the two reads */
		return;
	}
	ss->target_ok = 1;
	ss->target_rss_bytes = rss;
	if (sm->target_primed)
		ss->target_cpu_pct = sysmon_pct(sm,
		    sysmon_delta(st.ticks, sm->target_ticks), elapsed);
	sm->target_ticks = st.ticks;
	sm->target_primed = 1;
}

/* Find or add the entry of a worker thread. */
static struct sysmon_thread *
sysmon_thread(struct sysmon *sm, pid_t tid, int *isnew)
{
	struct sysmon_thread	*t;
	size_t			 i;

	for (i = 0; i < sm->nthreads; i++) {
		if (sm->threads[i].tid == tid) {
			*isnew = 0;
			return (&sm->threads[i]);
		}
	}
	if (sm->nthreads == sm->threadsalloc) {
		sm->threadsalloc = sm->threadsalloc == 0 ?
		    16 : sm->threadsalloc * 2;
		sm->threads = xreallocarray(sm->threads, sm->threadsalloc,
		    sizeof *sm->threads);
	}
	t = &sm->threads[sm->nthreads++];
	t->tid = tid;
	t->ticks = 0;
	*isnew = 1;
	return (t);
}

/*
 * The busiest worker thread, in percent of one core, or -1 without workers.
 * The thread name is taken from the comm field of each task's stat file,
 * which is the same text as its comm file: one read per thread, not two.
 */
static int
sysmon_sample_threads(struct sysmon *sm, uint64_t elapsed)
{
	DIR			*dir;
	struct dirent		*de;
	struct sysmon_stat	 st;
	struct sysmon_thread	*t;
	char			 path[64], *ep;
	double			 pct, max = -1;
	long			 tid;
	size_t			 i, j;
	int			 isnew;

	if ((dir = opendir("/proc/self/task")) == NULL)
		return (-1);
	sm->gen++;
	while ((de = readdir(dir)) != NULL) {
		errno = 0;
		tid = strtol(de->d_name, &ep, 10);
		if (ep == de->d_name || *ep != '\0' || errno != 0 || tid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
		if (sysmon_read_stat(path, &st) != 0)
			continue;	/* the thread just exited */
		if (strncmp(st.comm, SYSMON_WORKER_PREFIX,
		    strlen(SYSMON_WORKER_PREFIX)) != 0)
			continue;

		t = sysmon_thread(sm, (pid_t)tid, &isnew);
		pct = 0;
		if (!isnew && sm->primed)
			pct = sysmon_pct(sm, sysmon_delta(st.ticks, t->ticks),
			    elapsed);
		if (pct > max)
			max = pct;
		t->ticks = st.ticks;
		t->gen = sm->gen;
	}
	if (closedir(dir) != 0)
		log_warn("monitor: closedir: %s", strerror(errno));

	/* Forget threads that have exited. */
	for (i = j = 0; i < sm->nthreads; i++) {
		if (sm->threads[i].gen == sm->gen)
			sm->threads[j++] = sm->threads[i];
	}
	sm->nthreads = j;

	if (max < 0)
		return (-1);
	return ((int)(max + 0.5));
}

/*
 * Take a sample. The first call primes the counters and reports rates of 0;
 * later calls report rates over the wall time since the previous call.
 * Returns -1 only when /proc itself cannot be read, with ss filled as far as
 * it could be.
 */
int
sysmon_sample(struct sysmon *sm, struct sysmon_sample *ss)
{
	struct sysmon_stat	 st;
	uint64_t		 now, elapsed = 0, busy, rx, tx;
	double			 host;
	int			 rv = 0;

	memset(ss, 0, sizeof *ss);
	ss->rss_bytes = -1;
	ss->target_rss_bytes = -1;
	ss->threads_busy_pct = -1;

	now = sysmon_now();
	if (sm->primed)
		elapsed = now - sm->last_ns;

	if (sysmon_read_stat("/proc/self/stat", &st) != 0)
		rv = -1;
	else {
		if (sm->primed)
			ss->cpu_pct = sysmon_pct(sm,
			    sysmon_delta(st.ticks, sm->self_ticks), elapsed);
		sm->self_ticks = st.ticks;
	}
	if (sysmon_read_rss("/proc/self/status", &ss->rss_bytes) != 0)
		rv = -1;

	if (sysmon_read_host_cpu(&busy) != 0)
		rv = -1;
	else {
		if (sm->primed) {
			host = sysmon_pct(sm,
			    sysmon_delta(busy, sm->host_busy), elapsed);
			if (host > 100.0 * sm->ncpu)
				host = 100.0 * sm->ncpu;
			ss->host_cpu_pct = host;
		}
		sm->host_busy = busy;
	}
	if (sysmon_read_host_mem(&ss->host_mem_used_bytes) != 0)
		rv = -1;
	if (sysmon_read_net(&rx, &tx) != 0)
		rv = -1;
	else {
		if (sm->primed && elapsed != 0) {
			ss->host_net_rx_bytes = (int64_t)
			    (sysmon_delta(rx, sm->net_rx) * 1e9 / elapsed);
			ss->host_net_tx_bytes = (int64_t)
			    (sysmon_delta(tx, sm->net_tx) * 1e9 / elapsed);
		}
		sm->net_rx = rx;
		sm->net_tx = tx;
	}

	sysmon_sample_target(sm, ss, elapsed);
	ss->threads_busy_pct = sysmon_sample_threads(sm, elapsed);

	sm->last_ns = now;
	sm->primed = 1;
	return (rv);
}
