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
 * agent_lmtp.c -- delivery to an LMTP server (RFC 2033).
 *
 * deliver.arg is "/path/to/socket", "unix:/path" or "host:port" (port 24
 * when omitted, "[v6addr]:port" for IPv6).  One connection is kept open
 * across deliveries to the same destination; each new transaction starts
 * with RSET, and a connection that does not answer it is replaced.  I/O
 * is blocking in spirit: poll(2) with agent_lmtp_timeout per step.
 *
 * The server's reply line becomes the errorline: 2xx ok, 4xx tempfail,
 * 5xx permfail.  Connection trouble is a tempfail.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "smtp_client.h"
#include "sock.h"
#include "util.h"
#include "agent.h"

#define LMTP_PORT	"24"
#define LMTP_REFUSED	(-2)		/* a command that cannot be sent */

int			 agent_lmtp_timeout = 300;

static struct {
	int			 fd;
	char			 dest[ARG_MAX_CONF];
	struct smtp_client	 c;
} lmtp = { .fd = -1 };

static int	agent_lmtp_open(const char *);
static int	agent_lmtp_connect(const char *);
static int	agent_lmtp_connect_inet(const char *);
static int	agent_lmtp_wait(int, short);
static int	agent_lmtp_step(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
static int	agent_lmtp_reply(void);
static int	agent_lmtp_txn(const struct deliver *, int,
		    struct agent_report *);
static int	agent_lmtp_result(struct agent_report *, int);

int
agent_lmtp_deliver(const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	agent_report_init(rep);
	(void)strlcpy(rep->path, d->arg, sizeof(rep->path));
	if (d->arg[0] == '\0')
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.5 no lmtp destination"));
	if (lmtp.fd != -1 && strcmp(lmtp.dest, d->arg) != 0)
		agent_lmtp_close();
	if (lmtp.fd != -1 && agent_lmtp_step("RSET") / 100 != 2)
		agent_lmtp_close();
	if (lmtp.fd == -1 && agent_lmtp_open(d->arg) == -1) {
		agent_lmtp_close();
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.4.1 lmtp: cannot connect to %s", d->arg));
	}
	if (agent_lmtp_txn(d, msgfd, rep) == -1) {
		agent_lmtp_close();
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.4.2 lmtp: connection to %s lost", d->arg));
	}
	return (rep->status);
}

void
agent_lmtp_close(void)
{
	if (lmtp.fd != -1)
		close(lmtp.fd);
	lmtp.fd = -1;
	lmtp.dest[0] = '\0';
}

/* Connect, read the greeting and say LHLO. */
static int
agent_lmtp_open(const char *dest)
{
	char	 host[HOST_MAX];

	if ((lmtp.fd = agent_lmtp_connect(dest)) == -1) {
		log_warn("agent lmtp: connect %s", dest);
		return (-1);
	}
	(void)strlcpy(lmtp.dest, dest, sizeof(lmtp.dest));
	smtp_client_init(&lmtp.c, lmtp.fd, agent_lmtp_timeout);
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if (agent_lmtp_reply() / 100 != 2 ||
	    agent_lmtp_step("LHLO %s", host) / 100 != 2) {
		log_warnx("agent lmtp: %s: no service", dest);
		return (-1);
	}
	return (0);
}

/*
 * One transaction.  Returns -1 on a connection or protocol problem;
 * otherwise 0 with the outcome in rep (a 4xx/5xx reply is an outcome).
 */
static int
agent_lmtp_txn(const struct deliver *d, int msgfd, struct agent_report *rep)
{
	char			 addr[MAILADDR_MAX];
	const struct mailaddr	*to;
	int			 code;

	agent_addr_text(&d->evp.sender, addr, sizeof(addr));
	if ((code = agent_lmtp_step("MAIL FROM:<%s>", addr)) / 100 != 2)
		return (agent_lmtp_result(rep, code));
	to = (d->aflags & AF_LMTP_RCPTTO) ? &d->evp.rcpt : &d->evp.dest;
	agent_addr_text(to, addr, sizeof(addr));
	if ((code = agent_lmtp_step("RCPT TO:<%s>", addr)) / 100 != 2)
		return (agent_lmtp_result(rep, code));
	if ((code = agent_lmtp_step("DATA")) != 354)
		return (code / 100 == 4 || code / 100 == 5 ?
		    agent_lmtp_result(rep, code) : -1);
	/* one recipient: its reply is the only one after the dot */
	if (agent_smtp_body(&lmtp.c, msgfd, "lmtp") == -1)
		return (-1);
	return (agent_lmtp_result(rep, agent_lmtp_reply()));
}

/*
 * The outcome of a reply: 2xx ok, 4xx tempfail, 5xx permfail, its last
 * line the errorline; -1 for a broken connection or anything else.
 */
static int
agent_lmtp_result(struct agent_report *rep, int code)
{
	char		 esc[ERRLINE_MAX];
	const char	*line;
	int		 status;

	switch (code < 0 ? code : code / 100) {
	case 2:
		status = ST_OK;
		break;
	case 4:
		status = ST_TEMPFAIL;
		break;
	case 5:
		status = ST_PERMFAIL;
		break;
	case LMTP_REFUSED:
		log_warnx("agent lmtp: %s: command not sent: %s", lmtp.dest,
		    strerror(errno));
		(void)agent_report_set(rep, ST_PERMFAIL,
		    "501 5.5.2 lmtp: address too long or malformed");
		return (0);
	case -1:
		return (-1);
	default:
		log_warnx("agent lmtp: %s: unexpected reply %d", lmtp.dest,
		    code);
		return (-1);
	}
	line = smtp_reply_line(&lmtp.c.reply, lmtp.c.reply.nlines - 1);
	(void)log_escape(esc, sizeof(esc), line, strlen(line));
	(void)agent_report_set(rep, status, "%s", esc);
	return (0);
}

static int
agent_lmtp_connect(const char *dest)
{
	if (strncmp(dest, "unix:", 5) == 0)
		return (sock_connect_unix(dest + 5, SOCK_NONBLOCK));
	if (dest[0] == '/')
		return (sock_connect_unix(dest, SOCK_NONBLOCK));
	return (agent_lmtp_connect_inet(dest));
}

static int
agent_lmtp_connect_inet(const char *dest)
{
	char		 host[HOST_MAX], *port, *p, *h;
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, err;
	socklen_t	 sl = sizeof(err);

	if (strlcpy(host, dest, sizeof(host)) >= sizeof(host)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (host[0] == '[') {
		if ((p = strchr(host, ']')) == NULL ||
		    (p[1] != ':' && p[1] != '\0')) {
			errno = EINVAL;
			return (-1);
		}
		*p = '\0';
		port = (p[1] == ':') ? p + 2 : NULL;
		h = host + 1;
	} else {
		h = host;
		if ((port = strrchr(host, ':')) != NULL)
			*port++ = '\0';
	}
	if (port == NULL || *port == '\0')
		port = (char *)LMTP_PORT;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(h, port, &hints, &res)) != 0) {
		log_warnx("agent lmtp: %s: %s", dest, gai_strerror(err));
		errno = EHOSTUNREACH;
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS &&
		    agent_lmtp_wait(fd, POLLOUT) == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 &&
		    err == 0))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		errno = ECONNREFUSED;
	return (fd);
}

/* Wait for events on fd up to agent_lmtp_timeout; 0 ready, -1 not. */
static int
agent_lmtp_wait(int fd, short events)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		n = poll(&pfd, 1, agent_lmtp_timeout * 1000);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ETIMEDOUT;
		return (n == 1 ? 0 : -1);
	}
}

/*
 * Send a command and read its reply: the code, -1 for a broken
 * connection or reply, LMTP_REFUSED for a command that cannot be sent.
 */
static int
agent_lmtp_step(const char *fmt, ...)
{
	va_list	 ap;
	int	 ret;

	va_start(ap, fmt);
	ret = smtp_client_vcmd(&lmtp.c, fmt, ap);
	va_end(ap);
	if (ret == -1 && lmtp.c.cmdlen == -1)
		return (LMTP_REFUSED);
	if (ret == -1) {
		log_debug("agent lmtp: send to %s: %s", lmtp.dest,
		    strerror(errno));
		return (-1);
	}
	return (agent_lmtp_reply());
}

/* A complete (multi-line) reply: its code, or -1. */
static int
agent_lmtp_reply(void)
{
	int	 code;

	if ((code = smtp_client_reply(&lmtp.c)) == -1 &&
	    lmtp.c.reply.error != NULL)
		log_warnx("agent lmtp: %s: %s", lmtp.dest, lmtp.c.reply.error);
	return (code);
}
