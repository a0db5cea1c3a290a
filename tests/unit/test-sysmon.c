/* SPDX-License-Identifier: MIT */
/*
 * test-sysmon.c -- sysmon against the real /proc: loadd's own CPU and RSS,
 * host counters, a forked target that burns, sleeps, dies and is replaced
 * through its pidfile, creation errors, and the busiest "loadd-w" thread.
 * Bounds are generous: the machines are shared.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadd.h"
#include "tap.h"

#define MB	(1024 * 1024)

static char	dir[] = "/tmp/loadd-test-sysmon.XXXXXX";

#define TOLERANCE	15	/* percentage points off the reference */

/* A clock in milliseconds. */
static double
clock_ms(clockid_t clk)
{
	struct timespec	ts;

	if (clock_gettime(clk, &ts) != 0)
		fatal("clock_gettime");
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* CPU time of the calling thread in milliseconds. */
static double
cpu_ms(void)
{
	return (clock_ms(CLOCK_THREAD_CPUTIME_ID));
}

/*
 * What the kernel's own CPU clock says next to a sample: how busy a shared
 * machine lets a burner be is not ours to assert, but sysmon must agree with
 * the kernel on what it got.
 */
struct ref {
	clockid_t	 clk;
	double		 wall, cpu;
};

/* Take a reference reading just before a sample. */
static void
ref_take(struct ref *r, clockid_t clk)
{
	r->clk = clk;
	r->wall = clock_ms(CLOCK_MONOTONIC);
	r->cpu = clock_ms(clk);
}

/* CPU percent between two readings. */
static double
ref_pct(const struct ref *a)
{
	struct ref	b;

	ref_take(&b, a->clk);
	return ((b.cpu - a->cpu) / (b.wall - a->wall) * 100);
}

/* Does a busy figure agree with the reference, and show real work? */
static int
near(double got, double want)
{
	return (fabs(got - want) <= TOLERANCE && got > 5 && got <= 110);
}

/*
 * Spin until this thread has used ms milliseconds of CPU: on a busy machine
 * that takes longer, but the work measured is the same.
 */
static void
burn(double ms)
{
	volatile uint64_t	x = 0;
	double			end = cpu_ms() + ms;

	while (cpu_ms() < end) {
		for (int i = 0; i < 10000; i++)
			x += i;
	}
}

/* Sleep without burning. */
static void
nap(double ms)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - ts.tv_sec * 1e3) * 1e6);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Pipes to a spawned child: start its burn, hear that it is over. */
struct child {
	pid_t	 pid;
	int	 go;		/* write end */
	int	 done;		/* read end */
};

/*
 * Fork a child that waits for a byte on a pipe, burns burn_ms of CPU, says
 * so on another pipe, then sleeps until killed.
 */
static void
spawn(double burn_ms, struct child *ch)
{
	int	go[2], done[2];
	char	c;

	if (pipe(go) != 0 || pipe(done) != 0)
		fatal("pipe");
	fflush(stdout);
	if ((ch->pid = fork()) == -1)
		fatal("fork");
	if (ch->pid == 0) {
		close(go[1]);
		close(done[0]);
		if (read(go[0], &c, 1) == 1) {
			burn(burn_ms);
			if (write(done[1], "x", 1) != 1)
				_exit(1);
		}
		for (;;)
			pause();
	}
	close(go[0]);
	close(done[1]);
	ch->go = go[1];
	ch->done = done[0];
}

/* Run a spawned child's burn and wait for its end. */
static void
run(struct child *ch)
{
	char	c;

	if (write(ch->go, "x", 1) != 1)
		fatal("write");
	if (read(ch->done, &c, 1) != 1)
		fatal("read");
}

/* Kill and reap a child, and close its pipes. */
static void
reap_child(struct child *ch)
{
	kill(ch->pid, SIGKILL);
	while (waitpid(ch->pid, NULL, 0) == -1 && errno == EINTR)
		;
	close(ch->go);
	close(ch->done);
}

/* A pid that certainly was a process and has been reaped. */
static pid_t
dead_pid(void)
{
	pid_t	pid;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0)
		_exit(0);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	return (pid);
}

/* Write text to a file in the test directory; returns its path. */
static char *
write_file(const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	xasprintf(&path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		fatal("fopen %s", path);
	fputs(text, f);
	fclose(f);
	return (path);
}

/* Wait up to a second for a killed, unreaped child to become a zombie. */
static int
wait_zombie(pid_t pid)
{
	char	 path[64], buf[512], *rp;
	FILE	*f;
	int	 i;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	for (i = 0; i < 100; i++) {
		if ((f = fopen(path, "r")) != NULL) {
			buf[0] = '\0';
			if (fgets(buf, sizeof buf, f) == NULL)
				buf[0] = '\0';
			fclose(f);
			if ((rp = strrchr(buf, ')')) != NULL && rp[1] == ' ' &&
			    rp[2] == 'Z')
				return (1);
		}
		nap(10);
	}
	return (0);
}

/* No target: the first sample primes, the next gives loadd's own CPU. */
static void
test_self(void)
{
	struct sysmon		*sm;
	struct sysmon_sample	 s;
	char			*cause = NULL;
	char			*mem;
	int64_t			 rss;
	struct ref		 ref;
	double			 want;

	sm = sysmon_create(0, NULL, &cause);
	ok(sm != NULL, "create without a target");
	if (sm == NULL) {
		diag("%s", cause);
		free(cause);
		return;
	}

	is_int(sysmon_sample(sm, &s), 0, "first sample succeeds");
	ok(s.cpu_pct == 0 && s.host_cpu_pct == 0 && s.host_net_rx_bytes == 0 &&
	    s.host_net_tx_bytes == 0, "first sample: rates are 0");
	ok(s.rss_bytes > MB, "first sample: rss %lld", (long long)s.rss_bytes);
	ok(s.host_mem_used_bytes > MB, "host memory used %lld",
	    (long long)s.host_mem_used_bytes);
	is_int(s.target_ok, 0, "no target: target_ok 0");
	is_int(s.threads_busy_pct, -1, "no worker threads: -1");

	ref_take(&ref, CLOCK_PROCESS_CPUTIME_ID);
	sysmon_sample(sm, &s);
	burn(300);
	want = ref_pct(&ref);
	is_int(sysmon_sample(sm, &s), 0, "sample after burning");
	ok(near(s.cpu_pct, want), "one busy thread: cpu %.1f%%, kernel %.1f%%",
	    s.cpu_pct, want);
	ok(s.host_cpu_pct >= s.cpu_pct - TOLERANCE,
	    "host cpu %.1f%% includes ours", s.host_cpu_pct);
	ok(s.host_cpu_pct <= 100.0 * sysconf(_SC_NPROCESSORS_ONLN) + 0.01,
	    "host cpu within 100%% x cores");

	nap(300);
	sysmon_sample(sm, &s);
	ok(s.cpu_pct < 40, "idle: cpu %.1f%%", s.cpu_pct);

	rss = s.rss_bytes;
	mem = xmalloc(50 * MB);
	memset(mem, 0xa5, 50 * MB);
	sysmon_sample(sm, &s);
	ok(s.rss_bytes - rss > 40 * MB, "rss grew by %lld MB after 50 MB",
	    (long long)(s.rss_bytes - rss) / MB);
	free(mem);

	sysmon_free(sm);
	sysmon_free(NULL);
}

/* Loopback traffic shows in the host's network counters. */
static void
test_net(void)
{
	struct sysmon		*sm;
	struct sysmon_sample	 s;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			*cause = NULL, buf[1024];
	int			 rx, tx, i, sent = 0, got = 0;

	if ((rx = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    (tx = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		fatal("socket");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(rx, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(rx, (struct sockaddr *)&sin, &len) != 0)
		fatal("bind");

	if ((sm = sysmon_create(0, NULL, &cause)) == NULL)
		fatalx("%s", cause);
	sysmon_sample(sm, &s);
	memset(buf, 'n', sizeof buf);
	for (i = 0; i < 256; i++) {
		if (sendto(tx, buf, sizeof buf, 0, (struct sockaddr *)&sin,
		    sizeof sin) == (ssize_t)sizeof buf)
			sent++;
		if (recv(rx, buf, sizeof buf, MSG_DONTWAIT) > 0)
			got++;
	}
	while (recv(rx, buf, sizeof buf, MSG_DONTWAIT) > 0)
		got++;
	nap(50);
	is_int(sysmon_sample(sm, &s), 0, "sample after loopback traffic");
	diag("sent %d, received %d datagrams; rx %lld/s tx %lld/s", sent, got,
	    (long long)s.host_net_rx_bytes, (long long)s.host_net_tx_bytes);
	ok(s.host_net_tx_bytes > 0 && s.host_net_rx_bytes > 0,
	    "loopback bytes counted");
	sysmon_free(sm);
	close(rx);
	close(tx);
}

/* A forked child as the target: its CPU, its RSS, then its death. */
static void
test_target(void)
{
	struct sysmon		*sm;
	struct sysmon_sample	 s;
	char			*cause = NULL;
	struct child		 ch;
	struct ref		 ref;
	clockid_t		 clk;
	double			 want;

	spawn(300, &ch);
	sm = sysmon_create(ch.pid, NULL, &cause);
	ok(sm != NULL, "create with a live pid");
	if (sm == NULL) {
		diag("%s", cause);
		free(cause);
		reap_child(&ch);
		return;
	}
	sysmon_sample(sm, &s);
	is_int(s.target_ok, 1, "target sampled at once");
	ok(s.target_cpu_pct == 0, "first target sample: cpu 0");

	if (clock_getcpuclockid(ch.pid, &clk) != 0)
		fatalx("clock_getcpuclockid");
	ref_take(&ref, clk);
	sysmon_sample(sm, &s);
	run(&ch);
	want = ref_pct(&ref);
	sysmon_sample(sm, &s);
	is_int(s.target_ok, 1, "target sampled after its burn");
	ok(near(s.target_cpu_pct, want), "target cpu %.1f%%, kernel %.1f%%",
	    s.target_cpu_pct, want);
	ok(s.target_rss_bytes > 0, "target rss %lld",
	    (long long)s.target_rss_bytes);
	ok(s.cpu_pct < 40, "our own cpu %.1f%% while it burned", s.cpu_pct);

	nap(200);
	sysmon_sample(sm, &s);
	ok(s.target_ok == 1 && s.target_cpu_pct < 30,
	    "sleeping target: cpu %.1f%%", s.target_cpu_pct);

	kill(ch.pid, SIGKILL);
	ok(wait_zombie(ch.pid), "killed child is a zombie");
	is_int(sysmon_sample(sm, &s), 0, "sample after the target died");
	is_int(s.target_ok, 0, "zombie target: target_ok 0");
	is_int(s.target_rss_bytes, -1, "zombie target: rss unknown");
	reap_child(&ch);
	is_int(sysmon_sample(sm, &s), 0, "sample after the target was reaped");
	is_int(s.target_ok, 0, "reaped target: target_ok 0");
	sysmon_free(sm);
}

/* A pidfile target, re-read when the process it names goes away. */
static void
test_pidfile(void)
{
	struct sysmon		*sm;
	struct sysmon_sample	 s;
	char			*cause = NULL, *path, text[32];
	struct child		 ch1, ch2;
	struct ref		 ref;
	clockid_t		 clk;
	double			 want;

	spawn(0, &ch1);
	snprintf(text, sizeof text, "%ld\n", (long)ch1.pid);
	path = write_file("target.pid", text);
	sm = sysmon_create(0, path, &cause);
	ok(sm != NULL, "create with a pidfile");
	if (sm == NULL) {
		diag("%s", cause);
		free(cause);
		reap_child(&ch1);
		free(path);
		return;
	}
	sysmon_sample(sm, &s);
	is_int(s.target_ok, 1, "pidfile target sampled");
	ok(s.target_rss_bytes > 0, "pidfile target rss");

	/* The target restarts under another pid. */
	reap_child(&ch1);
	sysmon_sample(sm, &s);
	is_int(s.target_ok, 0, "pidfile names a dead pid: target_ok 0");

	spawn(300, &ch2);
	snprintf(text, sizeof text, "%ld\n", (long)ch2.pid);
	free(write_file("target.pid", text));
	sysmon_sample(sm, &s);
	is_int(s.target_ok, 1, "pidfile re-read: new pid sampled");
	ok(s.target_cpu_pct == 0, "new pid: first cpu sample 0");
	if (clock_getcpuclockid(ch2.pid, &clk) != 0)
		fatalx("clock_getcpuclockid");
	ref_take(&ref, clk);
	sysmon_sample(sm, &s);
	run(&ch2);
	want = ref_pct(&ref);
	sysmon_sample(sm, &s);
	ok(s.target_ok == 1 && near(s.target_cpu_pct, want),
	    "new pid: cpu %.1f%%, kernel %.1f%%", s.target_cpu_pct, want);

	reap_child(&ch2);
	unlink(path);
	sysmon_sample(sm, &s);
	is_int(s.target_ok, 0, "pidfile removed: target_ok 0, not an error");
	sysmon_free(sm);
	free(path);
}

/* Creation fails with a cause naming the pid or the pidfile. */
static void
test_errors(void)
{
	struct sysmon	*sm;
	char		*cause = NULL, *path, *want, text[32];
	pid_t		 pid;

	pid = dead_pid();
	sm = sysmon_create(pid, NULL, &cause);
	ok(sm == NULL, "dead pid: create fails");
	xasprintf(&want, "monitor: pid %ld: no such process", (long)pid);
	is_str(cause, want, "dead pid: cause");
	free(want);
	free(cause);
	cause = NULL;
	sysmon_free(sm);

	xasprintf(&path, "%s/missing.pid", dir);
	sm = sysmon_create(0, path, &cause);
	ok(sm == NULL, "missing pidfile: create fails");
	xasprintf(&want, "monitor: pidfile %s: No such file or directory",
	    path);
	is_str(cause, want, "missing pidfile: cause");
	free(want);
	free(cause);
	cause = NULL;
	free(path);
	sysmon_free(sm);

	path = write_file("garbage.pid", "12ab\n");
	sm = sysmon_create(0, path, &cause);
	ok(sm == NULL, "garbage pidfile: create fails");
	ok(cause != NULL && strstr(cause, path) != NULL &&
	    strstr(cause, "no valid pid") != NULL, "garbage pidfile: %s",
	    cause != NULL ? cause : "(null)");
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);
	sysmon_free(sm);

	snprintf(text, sizeof text, "%ld", (long)pid);
	path = write_file("dead.pid", text);
	sm = sysmon_create(0, path, &cause);
	ok(sm == NULL, "pidfile naming a dead pid: create fails");
	ok(cause != NULL && strstr(cause, path) != NULL &&
	    strstr(cause, text) != NULL &&
	    strstr(cause, "no such process") != NULL, "dead pidfile: %s",
	    cause != NULL ? cause : "(null)");
	free(cause);
	unlink(path);
	free(path);
	sysmon_free(sm);
}

/* A thread that names itself, then burns until told to stop. */
struct spinner {
	const char	*name;
	volatile int	 stop;
	volatile int	 named;
};

/* Thread body for struct spinner. */
static void *
spin(void *arg)
{
	struct spinner	*sp = arg;

	pthread_setname_np(pthread_self(), sp->name);
	sp->named = 1;
	while (!sp->stop)
		burn(5);
	return (NULL);
}

/*
 * Run a named spinner for ms and sample across it; returns the spinner's CPU
 * percent by the kernel's clock.
 */
static double
spin_sample(struct sysmon *sm, const char *name, double ms,
    struct sysmon_sample *s)
{
	struct spinner	sp = { name, 0, 0 };
	struct ref	ref;
	pthread_t	t;
	clockid_t	clk;
	double		want;

	if (pthread_create(&t, NULL, spin, &sp) != 0)
		fatalx("pthread_create");
	while (!sp.named)
		nap(1);
	if (pthread_getcpuclockid(t, &clk) != 0)
		fatalx("pthread_getcpuclockid");
	ref_take(&ref, clk);
	sysmon_sample(sm, s);
	nap(ms);
	want = ref_pct(&ref);
	sysmon_sample(sm, s);
	sp.stop = 1;
	pthread_join(t, NULL);
	return (want);
}

/* The busiest "loadd-w" thread; other threads do not count. */
static void
test_threads(void)
{
	struct sysmon		*sm;
	struct sysmon_sample	 s;
	char			*cause = NULL;
	double			 want;

	if ((sm = sysmon_create(0, NULL, &cause)) == NULL)
		fatalx("%s", cause);
	sysmon_sample(sm, &s);

	want = spin_sample(sm, "loadd-api", 300, &s);
	is_int(s.threads_busy_pct, -1, "busy non-worker thread: -1");
	ok(near(s.cpu_pct, want), "but it counts in our cpu: %.1f%%, "
	    "kernel %.1f%%", s.cpu_pct, want);

	want = spin_sample(sm, "loadd-w0", 300, &s);
	ok(near(s.threads_busy_pct, want),
	    "busy worker thread: %d%%, kernel %.1f%%", s.threads_busy_pct,
	    want);

	sysmon_sample(sm, &s);
	is_int(s.threads_busy_pct, -1, "worker joined: -1 again");
	sysmon_free(sm);
}

int
main(void)
{
	log_init(3, 0);
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");

	test_self();
	test_net();
	test_target();
	test_pidfile();
	test_errors();
	test_threads();

	rmdir(dir);
	return (tap_done());
}
