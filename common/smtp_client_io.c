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
 * smtp_client_io.c -- a blocking SMTP or LMTP client on a connected
 * socket, for smtpctl's enqueue and the LMTP agent: commands out through
 * smtp_cmd_format(), replies in through smtp_reply_feed().  The socket
 * may be blocking or not: every send and read is non-blocking
 * (MSG_DONTWAIT) and every wait is in poll(2), for at most the client's
 * timeout, so a peer that stops reading cannot hang us.  Bytes read past
 * a reply are kept for the next one.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "smtp_client.h"

static int	smtp_client_wait(struct smtp_client *, short);

void
smtp_client_init(struct smtp_client *c, int fd, int timeout)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->timeout = timeout;
	smtp_reply_init(&c->reply);
}

/* Wait for events on the socket; 0 ready, -1 with errno ETIMEDOUT. */
static int
smtp_client_wait(struct smtp_client *c, short events)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = c->fd;
	pfd.events = events;
	for (;;) {
		n = poll(&pfd, 1, c->timeout * 1000);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ETIMEDOUT;
		return (n == 1 ? 0 : -1);
	}
}

/* Format and send one command (kept in c->cmd); 0 or -1. */
int
smtp_client_vcmd(struct smtp_client *c, const char *fmt, va_list ap)
{
	c->cmdlen = smtp_cmd_vformat(c->cmd, sizeof(c->cmd), fmt, ap);
	if (c->cmdlen == -1)
		return (-1);
	return (smtp_client_write(c, c->cmd, (size_t)c->cmdlen));
}

int
smtp_client_write(struct smtp_client *c, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
			    smtp_client_wait(c, POLLOUT) == -1)
				return (-1);
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Read one complete reply into c->reply; its code, or -1. */
int
smtp_client_reply(struct smtp_client *c)
{
	size_t	 used;
	ssize_t	 n;
	int	 st;

	for (;;) {
		st = smtp_reply_feed(&c->reply, c->in, c->inlen, &used);
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		if (st == SMTP_REPLY_DONE)
			return (c->reply.code);
		if (st == SMTP_REPLY_ERROR) {
			errno = EPROTO;
			return (-1);
		}
		if (smtp_client_wait(c, POLLIN) == -1)
			return (-1);
		n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);
		if (n == -1 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return (-1);
		}
		c->inlen = (size_t)n;
	}
}

/* Format and send one command, read its reply: the code, or -1. */
int
smtp_client_cmd(struct smtp_client *c, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = smtp_client_vcmd(c, fmt, ap);
	va_end(ap);
	if (r == -1)
		return (-1);
	return (smtp_client_reply(c));
}

int
smtp_client_hello(struct smtp_client *c, const char *name,
    struct smtp_ehlo *e)
{
	int	 code;

	memset(e, 0, sizeof(*e));
	if ((code = smtp_client_cmd(c, "EHLO %s", name)) == -1)
		return (-1);
	if (code / 100 == 2) {
		(void)smtp_ehlo_parse(&c->reply, e);
		return (code);
	}
	if (code / 100 != 5)
		return (code);
	return (smtp_client_cmd(c, "HELO %s", name));
}
