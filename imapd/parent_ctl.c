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
 * parent_ctl.c -- imapd's control socket (RUNDIR/imapd.sock, root only),
 * for "smtpctl imap show sessions" and "smtpctl imap kick USER".
 *
 * One request a connection: a line, "show sessions" or "kick USER"; the
 * answer is text, then the socket is closed.  The peer must be root
 * (SO_PEERCRED) and the socket is mode 0600 in a root directory.  The
 * request is read with a short timeout: a stuck client cannot hold the
 * parent for long.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <event.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "imapd.h"
#include "parent.h"

#define CTL_LINE_MAX	512

static int		 ctl_fd = -1;
static struct event	 ctl_ev;
static char		 ctl_path[PATH_MAX];

static void	ctl_accept(int, short, void *);
static void	ctl_request(int, const char *);

void
parent_ctl_init(void)
{
	struct sockaddr_un	 sun;
	mode_t			 old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(ctl_path, sizeof(ctl_path), "%s/imapd.sock",
	    penv->rundir) >= (int)sizeof(sun.sun_path))
		fatalx("control socket path too long");
	(void)strlcpy(sun.sun_path, ctl_path, sizeof(sun.sun_path));
	if ((ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		fatal("control socket");
	(void)unlink(ctl_path);
	old = umask(0177);
	if (bind(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("control socket %s", ctl_path);
	(void)umask(old);
	if (listen(ctl_fd, 8) == -1)
		fatal("control socket listen");
	event_set(&ctl_ev, ctl_fd, EV_READ | EV_PERSIST, ctl_accept, NULL);
	event_add(&ctl_ev, NULL);
}

void
parent_ctl_close(void)
{
	if (ctl_fd == -1)
		return;
	event_del(&ctl_ev);
	close(ctl_fd);
	ctl_fd = -1;
	(void)unlink(ctl_path);
}

static void
ctl_accept(int fd, short ev, void *arg)
{
	struct ucred	 cred;
	struct timeval	 tv = { 1, 0 };
	socklen_t	 len = sizeof(cred);
	char		 line[CTL_LINE_MAX], *nl;
	size_t		 off = 0;
	ssize_t		 n;
	int		 c;

	if ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    cred.uid != 0) {
		close(c);
		return;
	}
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < sizeof(line) - 1) {
		if ((n = read(c, line + off, sizeof(line) - 1 - off)) <= 0)
			break;
		off += (size_t)n;
		line[off] = '\0';
		if (strchr(line, '\n') != NULL)
			break;
	}
	line[off] = '\0';
	if ((nl = strchr(line, '\n')) == NULL) {
		(void)write_full(c, "error: bad request\n", 19);
		close(c);
		return;
	}
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	ctl_request(c, line);
	close(c);
}

static void
ctl_reply(int c, const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	(void)write_full(c, buf, (size_t)n);
}

static void
ctl_request(int c, const char *req)
{
	struct pconn	*pc;
	struct psession	*s;
	time_t		 now = time(NULL);
	size_t		 n;

	if (strcmp(req, "show sessions") == 0) {
		ctl_reply(c, "%-24s %-40s %8s %s\n", "USER", "ADDRESS",
		    "SECONDS", "TLS");
		TAILQ_FOREACH(pc, &pconns, entry)
			ctl_reply(c, "%-24s %-40s %8lld %s\n", pc->user,
			    pc->addr, (long long)(now - pc->since),
			    pc->tls[0] != '\0' ? pc->tls : "none");
		n = 0;
		TAILQ_FOREACH(s, &psessions, entry)
			if (!s->closing)
				n++;
		ctl_reply(c, "# %zu session process%s\n", n,
		    n == 1 ? "" : "es");
		return;
	}
	if (strncmp(req, "kick ", 5) == 0 && req[5] != '\0') {
		if (parent_kick(req + 5) == 0)
			ctl_reply(c, "error: no session of %s\n", req + 5);
		else {
			log_info("kick user=%s: by the administrator",
			    req + 5);
			ctl_reply(c, "kicked %s\n", req + 5);
		}
		return;
	}
	ctl_reply(c, "error: unknown request\n");
}
