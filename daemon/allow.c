/* SPDX-License-Identifier: MIT */
/*
 * allow.c -- the target allowlist: may a run send traffic to this address?
 * Entries are CIDRs (v4 or v6), bare addresses, or host names; a name allows
 * the addresses it resolves to, so a target is judged by where its packets
 * would go, never by its spelling. Called from the API and main threads.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "loadd.h"

/* Do the first bits of a and b agree? */
static int
allow_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
	int	full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0);
}

/* The raw bytes of an address, v4-mapped v6 seen as v4. */
static int
allow_bytes(const struct sockaddr *sa, unsigned char *out)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	static const unsigned char	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					     0, 0, 0xff, 0xff };

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)sa;
		memcpy(out, &sin->sin_addr, 4);
		return (AF_INET);
	}
	if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)sa;
		if (memcmp(&sin6->sin6_addr, mapped, 12) == 0) {
			memcpy(out, (const unsigned char *)&sin6->sin6_addr + 12,
			    4);
			return (AF_INET);
		}
		memcpy(out, &sin6->sin6_addr, 16);
		return (AF_INET6);
	}
	return (-1);
}

/* Does one entry (CIDR, address or name) allow this address? */
static int
allow_entry(const char *entry, const struct sockaddr *sa)
{
	unsigned char	 want[16], got[16];
	char		 addr[64], *slash, *end;
	struct addrinfo	 hints, *res, *ai;
	int		 family, bits, match = 0;
	long		 n;

	if ((family = allow_bytes(sa, got)) == -1)
		return (0);
	if (strlen(entry) >= sizeof addr)
		goto name;
	snprintf(addr, sizeof addr, "%s", entry);
	bits = -1;
	if ((slash = strchr(entry, '/')) != NULL) {
		if ((size_t)(slash - entry) >= sizeof addr)
			return (0);
		addr[slash - entry] = '\0';
		n = strtol(slash + 1, &end, 10);
		if (*end != '\0' || slash[1] == '\0' || n < 0 || n > 128)
			return (0);
		bits = (int)n;
	}
	if (inet_pton(AF_INET, addr, want) == 1) {
		if (bits > 32)
			return (0);
		return (family == AF_INET &&
		    allow_prefix(want, got, bits == -1 ? 32 : bits));
	}
	if (inet_pton(AF_INET6, addr, want) == 1)
		return (family == AF_INET6 &&
		    allow_prefix(want, got, bits == -1 ? 128 : bits));
	if (slash != NULL)
		return (0);

name:
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(entry, NULL, &hints, &res) != 0)
		return (0);
	for (ai = res; ai != NULL && !match; ai = ai->ai_next) {
		if (allow_bytes(ai->ai_addr, want) != family)
			continue;
		match = memcmp(want, got, family == AF_INET ? 4 : 16) == 0;
	}
	freeaddrinfo(res);
	return (match);
}

/*
 * May traffic go to sa (the resolved address of host)? list is the
 * comma-separated allow_targets. Returns 1, or 0 with *cause.
 */
int
allow_check(const char *list, const char *host, const struct sockaddr *sa,
    char **cause)
{
	return (allow_check_key(list, "target", "allow_targets", host, sa,
	    cause));
}

/* The same for another list: what (e.g. "collector") is in key. */
int
allow_check_key(const char *list, const char *what, const char *key,
    const char *host, const struct sockaddr *sa, char **cause)
{
	char	*copy, *entry, *next, *e;
	char	 ip[INET6_ADDRSTRLEN];
	int	 ok = 0;

	copy = xstrdup(list);
	for (entry = copy; entry != NULL && !ok; entry = next) {
		if ((next = strchr(entry, ',')) != NULL)
			*next++ = '\0';
		while (isspace((unsigned char)*entry))
			entry++;
		e = entry + strlen(entry);
		while (e > entry && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*entry != '\0')
			ok = allow_entry(entry, sa);
	}
	free(copy);
	if (!ok) {
		if (getnameinfo(sa, sa->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
		    ip, sizeof ip, NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(ip, sizeof ip, "?");
		xasprintf(cause, "%s %s (%s) is not in %s (%s)", what, host,
		    ip, key, list);
	}
	return (ok);
}
