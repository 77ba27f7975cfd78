/*
 * Copyright (c) 2026 the cartero authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * sock.c -- connecting to a local socket, for the clients of the
 * library's users: smtpctl to the control and enqueue sockets, the
 * offline pickup to the enqueue socket, the LMTP agent to a server; and
 * to a TCP host (the relay agent).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/*
 * A stream socket connected to path, close-on-exec, with the extra
 * socket(2) type flags given (SOCK_NONBLOCK); -1 with errno set.
 */
int
sock_connect_unix(const char *path, int flags)
{
	struct sockaddr_un	 sun;
	int			 fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* A non-blocking connect(2) finished within timeout seconds: 0 or -1. */
static int
sock_connect_wait(int fd, const struct sockaddr *sa, socklen_t salen,
    int timeout)
{
	struct pollfd	 pfd;
	socklen_t	 sl = sizeof(int);
	int		 n, err;

	if (connect(fd, sa, salen) == 0)
		return (0);
	if (errno != EINPROGRESS)
		return (-1);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	while ((n = poll(&pfd, 1, timeout * 1000)) == -1 && errno == EINTR)
		;
	if (n == 0)
		errno = ETIMEDOUT;
	if (n != 1)
		return (-1);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		return (-1);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}

/*
 * A TCP connection to host (a name, resolved with getaddrinfo(3), or an
 * address) and port (a number), each address tried in turn for at most
 * timeout seconds.  The socket is non-blocking and close-on-exec.  -1
 * with errno set and the reason in err (resolver or connect error).
 */
int
sock_connect_inet(const char *host, const char *port, int timeout,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, r, saved = ECONNREFUSED;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		(void)snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		errno = EHOSTUNREACH;
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (sock_connect_wait(fd, ai->ai_addr, ai->ai_addrlen,
		    timeout) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		(void)snprintf(err, errlen, "%s port %s: %s", host, port,
		    strerror(saved));
		errno = saved;
	}
	return (fd);
}
