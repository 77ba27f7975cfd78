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
 * enqueue_smtp.c -- the SMTP client side of sendmail(8): one transaction
 * on a connection to the daemon's enqueue socket.  Shared by smtpctl
 * (sendmail) and by smtpd's offline pickup (smtpd -x pickup), which
 * runs it under seccomp: no file is opened here.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "smtpd.h"
#include "smtpctl.h"
#include "util.h"

#define SMTP_TIMEOUT	300			/* seconds, per reply */
#define CHUNK		65536

struct enq_smtp {
	int		 fd;
	FILE		*in;
	int		 verbose;
	int		 has_8bitmime;
	const char	*fallback;		/* name if no greeting */
	char		 myname[HOST_MAX];	/* from the greeting */
	char		 reply[4096];
};

static int	enq_reply(struct enq_smtp *);
static int	enq_cmd(struct enq_smtp *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	enq_status(struct enq_smtp *, int, int, const char *);
static int	enq_rcpt(struct enq_smtp *, const struct enq_rcpts *);
static void	enq_myname(struct enq_smtp *);
static int	enq_transaction(struct enq_smtp *, const char *,
		    const struct enq_rcpts *, const struct enqbuf *);
static int	enq_data(struct enq_smtp *, const struct enqbuf *);

/*
 * One transaction on fd, which is closed.  Returns a sysexits(3) status
 * (the error printed on stderr): EX_TEMPFAIL for any 4xx reply and for a
 * connection lost or garbled, whatever the step, so that the caller can
 * keep the message offline; another status for a permanent refusal.
 */
int
enq_smtp_send(int fd, const char *sender, const struct enq_rcpts *r,
    const struct enqbuf *msg, int verbose, const char *fallback)
{
	struct enq_smtp	 s;
	struct timeval	 tv;
	int		 ret;

	memset(&tv, 0, sizeof(tv));
	tv.tv_sec = SMTP_TIMEOUT;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&s, 0, sizeof(s));
	s.fd = fd;
	s.verbose = verbose;
	s.fallback = fallback;
	if ((s.in = fdopen(fd, "r")) == NULL) {
		fprintf(stderr, "sendmail: fdopen: %s\n", strerror(errno));
		close(fd);
		return (EX_OSERR);
	}
	ret = enq_transaction(&s, sender, r, msg);
	fclose(s.in);
	return (ret);
}

/* Read one reply, possibly multi-line; returns its code, -1 if broken. */
static int
enq_reply(struct enq_smtp *s)
{
	char	 line[1024];
	size_t	 len;
	int	 code = -1, more = 1;

	s->reply[0] = '\0';
	while (more) {
		if (fgets(line, sizeof(line), s->in) == NULL)
			return (-1);
		len = strcspn(line, "\r\n");
		if (line[len] == '\0') {	/* overlong: drop the rest */
			while (fgets(line + len, sizeof(line) - len,
			    s->in) != NULL &&
			    strchr(line + len, '\n') == NULL)
				;
		}
		line[len] = '\0';
		if (s->verbose)
			fprintf(stderr, "<<< %s\n", line);
		if (len < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' ||
		    line[2] < '0' || line[2] > '9' ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
			return (-1);
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		more = (line[3] == '-');
		if (len > 3 && strcasecmp(line + 4, "8BITMIME") == 0)
			s->has_8bitmime = 1;
		if (s->reply[0])
			(void)strlcat(s->reply, "\n", sizeof(s->reply));
		(void)strlcat(s->reply, line, sizeof(s->reply));
	}
	return (code);
}

static int
enq_cmd(struct enq_smtp *s, const char *fmt, ...)
{
	char	 buf[MAILADDR_MAX + HOST_MAX + 128];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2)
		return (-1);
	if (s->verbose)
		fprintf(stderr, ">>> %s\n", buf);
	buf[n] = '\r';
	buf[n + 1] = '\n';
	if (write_full(s->fd, buf, (size_t)n + 2) == -1)
		return (-1);
	return (enq_reply(s));
}

/*
 * A failed step: show the server's reply and map it to sysexits(3) as
 * Postfix's sendmail does.  Returns the exit status.
 */
static int
enq_status(struct enq_smtp *s, int code, int rcpt, const char *what)
{
	if (code < 0) {
		fprintf(stderr, "sendmail: %s: connection to smtpd lost or "
		    "garbled reply\n", what);
		return (EX_TEMPFAIL);
	}
	fprintf(stderr, "sendmail: %s: %s\n", what, s->reply);
	if (code != 421)
		(void)enq_cmd(s, "QUIT");
	if (code >= 400 && code < 500)
		return (EX_TEMPFAIL);
	if (rcpt && (code == 550 || code == 551 || code == 553))
		return (EX_NOUSER);
	if (code >= 500)
		return (EX_DATAERR);
	return (EX_PROTOCOL);
}

/*
 * The server's name, first word of its greeting: bare local parts given
 * as recipients ("mail bob") are qualified with it, so that they are
 * local to the daemon whatever its hostname says.  Else the mail name.
 */
static void
enq_myname(struct enq_smtp *s)
{
	size_t	 n;

	n = strcspn(s->reply + 4, " \n");
	if (strlen(s->reply) > 4 && n > 0 && n < sizeof(s->myname)) {
		memcpy(s->myname, s->reply + 4, n);
		s->myname[n] = '\0';
		if (valid_domain_part(s->myname))
			return;
	}
	(void)strlcpy(s->myname, s->fallback, sizeof(s->myname));
}

static int
enq_rcpt(struct enq_smtp *s, const struct enq_rcpts *r)
{
	char	 what[MAILADDR_MAX + HOST_MAX + 16];
	size_t	 i;
	int	 code, qualify;

	for (i = 0; i < r->n; i++) {
		qualify = !enq_has_domain(r->v[i]);
		code = enq_cmd(s, "RCPT TO:<%s%s%s>", r->v[i],
		    qualify ? "@" : "", qualify ? s->myname : "");
		if (code == 250 || code == 251)
			continue;
		(void)snprintf(what, sizeof(what), "RCPT TO:<%s%s%s>", r->v[i],
		    qualify ? "@" : "", qualify ? s->myname : "");
		return (enq_status(s, code, 1, what));
	}
	return (0);
}

static int
enq_transaction(struct enq_smtp *s, const char *sender,
    const struct enq_rcpts *r, const struct enqbuf *msg)
{
	size_t	 i;
	int	 code, utf8, ret;

	if ((code = enq_reply(s)) != 220)
		return (enq_status(s, code, 0, "greeting"));
	enq_myname(s);
	if ((code = enq_cmd(s, "EHLO localhost")) != 250) {
		if (code < 0 || code == 421)
			return (enq_status(s, code, 0, "EHLO"));
		if ((code = enq_cmd(s, "HELO localhost")) != 250)
			return (enq_status(s, code, 0, "HELO"));
	}
	utf8 = enq_needs_utf8(sender);
	for (i = 0; i < r->n; i++)
		utf8 |= enq_needs_utf8(r->v[i]);
	code = enq_cmd(s, "MAIL FROM:<%s>%s%s", sender,
	    utf8 ? " SMTPUTF8" : "",
	    (s->has_8bitmime && enq_needs_utf8(msg->buf)) ?
	    " BODY=8BITMIME" : "");
	if (code != 250)
		return (enq_status(s, code, 0, "MAIL FROM"));
	if ((ret = enq_rcpt(s, r)) != 0)
		return (ret);
	if ((code = enq_cmd(s, "DATA")) != 354)
		return (enq_status(s, code, 0, "DATA"));
	if ((code = enq_data(s, msg)) != 250)
		return (enq_status(s, code, 0, "end of DATA"));
	(void)enq_cmd(s, "QUIT");
	return (EX_OK);
}

/* The message as CRLF, dot-stuffed lines, then the final ".". */
static int
enq_data(struct enq_smtp *s, const struct enqbuf *msg)
{
	struct enq_conv	 c;
	struct enqbuf	 out;
	size_t		 off, n;
	int		 ret = -1;

	memset(&out, 0, sizeof(out));
	enq_conv_init(&c, CONV_CRLF | CONV_STUFF);
	for (off = 0; off < msg->len; off += n) {
		n = msg->len - off > CHUNK ? CHUNK : msg->len - off;
		enq_conv_feed(&c, msg->buf + off, n, &out);
		if (write_full(s->fd, out.buf, out.len) == -1)
			goto done;
		enqbuf_reset(&out);
	}
	enq_conv_finish(&c, &out);
	enqbuf_add(&out, ".\r\n", 3);
	if (s->verbose)
		fprintf(stderr, ">>> (%zu bytes of message)\n>>> .\n",
		    msg->len);
	if (write_full(s->fd, out.buf, out.len) == -1)
		goto done;
	ret = enq_reply(s);
done:
	enqbuf_free(&out);
	return (ret);
}
