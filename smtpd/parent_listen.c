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
 * Listening sockets, bound by the parent before any child starts so that
 * a bad "listen on" line is reported as file:line before daemonizing.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "smtpd.h"
#include "parent.h"
#include "util.h"

#define MAX_LISTEN_FDS	64

struct bound {
	uint32_t	index;
	int		fd;
};

static struct bound	bound[MAX_LISTEN_FDS];
static size_t		nbound;
static int		control_fd = -1;

static int	parent_listen_inet(struct listener *);
static int	parent_listen_addr(struct listener *, struct sockaddr *,
		    socklen_t);
static int	parent_listen_add(uint32_t, int);

int
parent_listen_unix(const char *path, mode_t mode)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("%s: socket path too long", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return (-1);
	}
	/* we hold the pid file lock: a socket left here is stale */
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("unlink %s", path);
	old = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("bind %s", path);
		close(fd);
		return (-1);
	}
	umask(old);
	if (chmod(path, mode) == -1 || listen(fd, 128) == -1) {
		log_warn("listen %s", path);
		close(fd);
		return (-1);
	}
	return (fd);
}

int
parent_listen_all(struct smtpd_config *cfg)
{
	struct listener	*l;
	char		 path[PATH_MAX];
	int		 fd;

	if (snprintf(path, sizeof(path), "%s/%s", cfg->rundir,
	    SMTPD_CONTROL_SOCK) >= (int)sizeof(path))
		return (-1);
	if ((control_fd = parent_listen_unix(path, 0666)) == -1)
		return (-1);

	TAILQ_FOREACH(l, &cfg->listeners, entry) {
		if (l->kind == L_SOCKET) {
			if (snprintf(path, sizeof(path), "%s/%s",
			    cfg->rundir, SMTPD_ENQUEUE_SOCK) >=
			    (int)sizeof(path))
				return (-1);
			if ((fd = parent_listen_unix(path, 0666)) == -1)
				return (-1);
			if (parent_listen_add(l->index, fd) == -1)
				return (-1);
			continue;
		}
		if (parent_listen_inet(l) == -1)
			return (-1);
	}
	return (0);
}

static int
parent_listen_add(uint32_t index, int fd)
{
	if (nbound == MAX_LISTEN_FDS) {
		log_warnx("too many listening sockets");
		close(fd);
		return (-1);
	}
	bound[nbound].index = index;
	bound[nbound].fd = fd;
	nbound++;
	return (0);
}

static int
parent_listen_inet(struct listener *l)
{
	struct ifaddrs		*ifap, *ifa;
	struct addrinfo		 hints, *res, *ai;
	int			 found = 0, error;

	if (getifaddrs(&ifap) == 0) {
		for (ifa = ifap; ifa; ifa = ifa->ifa_next) {
			if (ifa->ifa_addr == NULL ||
			    strcmp(ifa->ifa_name, l->on) != 0)
				continue;
			if (ifa->ifa_addr->sa_family != AF_INET &&
			    ifa->ifa_addr->sa_family != AF_INET6)
				continue;
			found = 1;
			if (parent_listen_addr(l, ifa->ifa_addr,
			    ifa->ifa_addr->sa_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6)) == -1) {
				freeifaddrs(ifap);
				return (-1);
			}
		}
		freeifaddrs(ifap);
		if (found)
			return (0);
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((error = getaddrinfo(l->on, NULL, &hints, &res)) != 0) {
		log_warnx("%s:%d: listen on %s: %s", parent_opts->conffile,
		    l->line, l->on, gai_strerror(error));
		return (-1);
	}
	for (ai = res; ai; ai = ai->ai_next)
		if (parent_listen_addr(l, ai->ai_addr, ai->ai_addrlen) == -1) {
			freeaddrinfo(res);
			return (-1);
		}
	freeaddrinfo(res);
	return (0);
}

static int
parent_listen_addr(struct listener *l, struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	ss;
	int			fd, one = 1;

	memcpy(&ss, sa, len);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(l->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(l->port);

	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s:%d: listen on %s: socket", parent_opts->conffile,
		    l->line, l->on);
		return (-1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		log_warn("%s:%d: listen on %s port %u (%s)",
		    parent_opts->conffile, l->line, l->on, l->port,
		    log_sockaddr((struct sockaddr *)&ss));
		close(fd);
		return (-1);
	}
	log_debug("listening on %s port %u", log_sockaddr(
	    (struct sockaddr *)&ss), l->port);
	return (parent_listen_add(l->index, fd));
}

/* cfg != NULL: the smtp listeners; NULL: the control socket. */
void
parent_listen_send(struct peer *p, struct smtpd_config *cfg)
{
	uint32_t	zero = 0;
	size_t		i;

	if (cfg == NULL) {
		peer_compose(p, IMSG_CONF_LISTENER, 0, 0, control_fd,
		    &zero, sizeof(zero));
		control_fd = -1;
		return;
	}
	for (i = 0; i < nbound; i++)
		peer_compose(p, IMSG_CONF_LISTENER, 0, 0, bound[i].fd,
		    &bound[i].index, sizeof(bound[i].index));
	nbound = 0;
}
