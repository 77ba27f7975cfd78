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
#include "util.h"
#include "agent.h"

#define LMTP_LINE_MAX	4096
#define LMTP_PORT	"24"

int			 agent_lmtp_timeout = 300;

static struct {
	int		 fd;
	char		 dest[ARG_MAX_CONF];
	char		 in[LMTP_LINE_MAX];
	size_t		 inlen;
} lmtp = { .fd = -1 };

static int	agent_lmtp_open(const char *);
static int	agent_lmtp_connect(const char *);
static int	agent_lmtp_connect_unix(const char *);
static int	agent_lmtp_connect_inet(const char *);
static int	agent_lmtp_wait(int, short);
static int	agent_lmtp_send(const char *, size_t);
static int	agent_lmtp_cmd(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
static int	agent_lmtp_getline(char *, size_t);
static int	agent_lmtp_reply(char *, size_t);
static int	agent_lmtp_txn(const struct deliver *, int,
		    struct agent_report *);
static int	agent_lmtp_body(int);
static int	agent_lmtp_result(struct agent_report *, int, const char *);

int
agent_lmtp_deliver(const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	char	 line[LMTP_LINE_MAX];

	agent_report_init(rep);
	(void)strlcpy(rep->path, d->arg, sizeof(rep->path));
	if (d->arg[0] == '\0')
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.5 no lmtp destination"));
	if (lmtp.fd != -1 && strcmp(lmtp.dest, d->arg) != 0)
		agent_lmtp_close();
	if (lmtp.fd != -1 && (agent_lmtp_cmd("RSET") == -1 ||
	    agent_lmtp_reply(line, sizeof(line)) / 100 != 2))
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
	lmtp.inlen = 0;
	lmtp.dest[0] = '\0';
}

/* Connect, read the greeting and say LHLO. */
static int
agent_lmtp_open(const char *dest)
{
	char	 line[LMTP_LINE_MAX], host[HOST_MAX];

	if ((lmtp.fd = agent_lmtp_connect(dest)) == -1) {
		log_warn("agent lmtp: connect %s", dest);
		return (-1);
	}
	(void)strlcpy(lmtp.dest, dest, sizeof(lmtp.dest));
	lmtp.inlen = 0;
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if (agent_lmtp_reply(line, sizeof(line)) / 100 != 2 ||
	    agent_lmtp_cmd("LHLO %s", host) == -1 ||
	    agent_lmtp_reply(line, sizeof(line)) / 100 != 2) {
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
	char			 line[LMTP_LINE_MAX], addr[MAILADDR_MAX];
	const struct mailaddr	*to;
	int			 code;

	agent_addr_text(&d->evp.sender, addr, sizeof(addr));
	if (agent_lmtp_cmd("MAIL FROM:<%s>", addr) == -1 ||
	    (code = agent_lmtp_reply(line, sizeof(line))) == -1)
		return (-1);
	if (code / 100 != 2)
		return (agent_lmtp_result(rep, code, line));
	to = (d->aflags & AF_LMTP_RCPTTO) ? &d->evp.rcpt : &d->evp.dest;
	agent_addr_text(to, addr, sizeof(addr));
	if (agent_lmtp_cmd("RCPT TO:<%s>", addr) == -1 ||
	    (code = agent_lmtp_reply(line, sizeof(line))) == -1)
		return (-1);
	if (code / 100 != 2)
		return (agent_lmtp_result(rep, code, line));
	if (agent_lmtp_cmd("DATA") == -1 ||
	    (code = agent_lmtp_reply(line, sizeof(line))) == -1)
		return (-1);
	if (code != 354)
		return (code / 100 == 4 || code / 100 == 5 ?
		    agent_lmtp_result(rep, code, line) : -1);
	if (agent_lmtp_body(msgfd) == -1 ||
	    (code = agent_lmtp_reply(line, sizeof(line))) == -1)
		return (-1);
	return (agent_lmtp_result(rep, code, line));
}

/* 2xx ok, 4xx tempfail, 5xx permfail; -1 for anything else. */
static int
agent_lmtp_result(struct agent_report *rep, int code, const char *line)
{
	char	 esc[ERRLINE_MAX];
	int	 status;

	switch (code / 100) {
	case 2:
		status = ST_OK;
		break;
	case 4:
		status = ST_TEMPFAIL;
		break;
	case 5:
		status = ST_PERMFAIL;
		break;
	default:
		log_warnx("agent lmtp: %s: unexpected reply %d", lmtp.dest,
		    code);
		return (-1);
	}
	(void)log_escape(esc, sizeof(esc), line, strlen(line));
	(void)agent_report_set(rep, status, "%s", esc);
	return (0);
}

/* The message, CRLF and dot-stuffed, then the final dot. */
static int
agent_lmtp_body(int msgfd)
{
	struct agent_xform	 x;
	struct agent_obuf	 ob;
	char			 in[16384];
	ssize_t			 n;
	int			 ret = -1;

	memset(&ob, 0, sizeof(ob));
	agent_xform_init(&x, AX_CRLF | AX_DOTSTUFF);
	if (lseek(msgfd, 0, SEEK_SET) == -1 && errno != ESPIPE)
		return (-1);
	for (;;) {
		if ((n = read(msgfd, in, sizeof(in))) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("agent lmtp: read message");
			goto done;
		}
		if (n == 0)
			break;
		agent_xform_feed(&x, in, (size_t)n, &ob);
		if (agent_lmtp_send(ob.buf, ob.len) == -1)
			goto done;
		ob.len = 0;
	}
	agent_xform_end(&x, &ob);
	agent_obuf_add(&ob, ".\r\n", 3);
	ret = agent_lmtp_send(ob.buf, ob.len);
 done:
	agent_obuf_free(&ob);
	return (ret);
}

static int
agent_lmtp_connect(const char *dest)
{
	if (strncmp(dest, "unix:", 5) == 0)
		return (agent_lmtp_connect_unix(dest + 5));
	if (dest[0] == '/')
		return (agent_lmtp_connect_unix(dest));
	return (agent_lmtp_connect_inet(dest));
}

static int
agent_lmtp_connect_unix(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fd_set_nonblock(fd) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
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

static int
agent_lmtp_send(const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(lmtp.fd, buf, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN ||
			    agent_lmtp_wait(lmtp.fd, POLLOUT) == -1) {
				log_debug("agent lmtp: send to %s: %s",
				    lmtp.dest, strerror(errno));
				return (-1);
			}
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
agent_lmtp_cmd(const char *fmt, ...)
{
	char	 buf[LMTP_LINE_MAX];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2)
		return (-1);
	buf[n++] = '\r';
	buf[n++] = '\n';
	return (agent_lmtp_send(buf, (size_t)n));
}

/* One line without its CRLF; -1 on EOF, timeout or an overlong line. */
static int
agent_lmtp_getline(char *line, size_t len)
{
	char	*nl;
	size_t	 n;
	ssize_t	 r;

	for (;;) {
		if ((nl = memchr(lmtp.in, '\n', lmtp.inlen)) != NULL) {
			n = (size_t)(nl - lmtp.in);
			if (n > 0 && lmtp.in[n - 1] == '\r')
				n--;
			if (n >= len)
				return (-1);
			memset(line, 0, len);
			memcpy(line, lmtp.in, n);
			line[n] = '\0';
			n = (size_t)(nl - lmtp.in) + 1;
			memmove(lmtp.in, lmtp.in + n, lmtp.inlen - n);
			lmtp.inlen -= n;
			return (0);
		}
		if (lmtp.inlen == sizeof(lmtp.in))
			return (-1);
		r = read(lmtp.fd, lmtp.in + lmtp.inlen,
		    sizeof(lmtp.in) - lmtp.inlen);
		if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR))
			return (-1);
		if (r == -1 && errno == EAGAIN &&
		    agent_lmtp_wait(lmtp.fd, POLLIN) == -1)
			return (-1);
		if (r > 0)
			lmtp.inlen += (size_t)r;
	}
}

/* A complete (multi-line) reply: its code, the last line in line. */
static int
agent_lmtp_reply(char *line, size_t len)
{
	const char	*errstr;
	char		 code[4];
	size_t		 ll;
	int		 n;

	do {
		if (agent_lmtp_getline(line, len) == -1)
			return (-1);
		if ((ll = strlen(line)) < 3 ||
		    (ll > 3 && line[3] != ' ' && line[3] != '-'))
			return (-1);
		memcpy(code, line, 3);
		code[3] = '\0';
		n = (int)strtonum(code, 200, 599, &errstr);
		if (errstr != NULL)
			return (-1);
	} while (ll > 3 && line[3] == '-');
	return (n);
}
