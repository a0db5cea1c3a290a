/* SPDX-License-Identifier: MIT */
/*
 * notify-listen.c -- a stand-in for systemd's notification socket, for
 * tests/integration/notify.sh: binds a datagram AF_UNIX socket at PATH and
 * prints each message it receives on one line (newlines in the payload
 * become spaces), flushing stdout, until it is killed. Not a test itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* sd_notify messages are small; systemd itself reads at most a page. */
#define NOTIFY_LISTEN_MAX	4096

static volatile sig_atomic_t	notify_listen_stop;

/* SIGTERM or SIGINT: recv() fails with EINTR (no SA_RESTART), then we stop. */
static void
notify_listen_term(int sig)
{
	(void)sig;
	notify_listen_stop = 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct sigaction	 sa;
	char			 buf[NOTIFY_LISTEN_MAX + 1];
	ssize_t			 n, i;
	int			 fd;

	if (argc != 2) {
		fprintf(stderr, "usage: notify-listen PATH\n");
		return (2);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sun.sun_path) {
		fprintf(stderr, "notify-listen: %s: path too long\n", argv[1]);
		return (2);
	}
	strcpy(sun.sun_path, argv[1]);

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "notify-listen: socket: %s\n", strerror(errno));
		return (1);
	}
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "notify-listen: bind %s: %s\n", argv[1],
		    strerror(errno));
		return (1);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = notify_listen_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		fprintf(stderr, "notify-listen: sigaction: %s\n",
		    strerror(errno));
		unlink(argv[1]);
		return (1);
	}

	while (!notify_listen_stop) {
		n = recv(fd, buf, NOTIFY_LISTEN_MAX, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notify-listen: recv: %s\n",
			    strerror(errno));
			break;
		}
		/* A trailing newline ends the line; inner ones are spaces. */
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || buf[i] == '\0')
				buf[i] = ' ';
		}
		buf[n] = '\0';
		if (printf("%s\n", buf) < 0 || fflush(stdout) == EOF)
			break;
	}
	/* The socket file is ours: leave nothing behind. */
	unlink(argv[1]);
	return (notify_listen_stop ? 0 : 1);
}
