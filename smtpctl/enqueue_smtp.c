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

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "smtpd.h"
#include "smtpctl.h"
#include "smtp_client.h"
#include "util.h"

#define SMTP_TIMEOUT	300			/* seconds, per step */
#define CHUNK		65536
#define ENQ_REFUSED	(-2)			/* command not sent */

struct enq_smtp {
	struct smtp_client	 c;
	int			 verbose;
	int			 has_8bitmime;
	int			 refused;	/* errno of ENQ_REFUSED */
	const char		*fallback;	/* name if no greeting */
	char			 myname[HOST_MAX]; /* from the greeting */
};

static int	enq_reply(struct enq_smtp *);
static int	enq_cmd(struct enq_smtp *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	enq_status(struct enq_smtp *, int, int, const char *);
static void	enq_print_reply(struct enq_smtp *, const char *);
static int	enq_rcpt(struct enq_smtp *, const struct enq_rcpts *);
static void	enq_myname(struct enq_smtp *);
static int	enq_hello(struct enq_smtp *);
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
	struct enq_smtp	*s;
	int		 ret;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fprintf(stderr, "sendmail: %s\n", strerror(errno));
		close(fd);
		return (EX_OSERR);
	}
	smtp_client_init(&s->c, fd, SMTP_TIMEOUT);
	s->verbose = verbose;
	s->fallback = fallback;
	ret = enq_transaction(s, sender, r, msg);
	close(fd);
	free(s);
	return (ret);
}

/* Read one reply, possibly multi-line; returns its code, -1 if broken. */
static int
enq_reply(struct enq_smtp *s)
{
	int	 code;

	code = smtp_client_reply(&s->c);
	if (s->verbose) {
		enq_print_reply(s, "<<< ");
		if (code == -1 && s->c.reply.error != NULL)
			fprintf(stderr, "<<< (%s)\n", s->c.reply.error);
	}
	return (code);
}

/* The reply's lines so far on stderr, each after prefix. */
static void
enq_print_reply(struct enq_smtp *s, const char *prefix)
{
	size_t	 i;

	for (i = 0; i < s->c.reply.nlines; i++)
		fprintf(stderr, "%s%s\n", prefix,
		    smtp_reply_line(&s->c.reply, i));
}

/* Send a command and read its reply: the code, -1 if the connection
 * broke, ENQ_REFUSED if the command could not be written at all. */
static int
enq_cmd(struct enq_smtp *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 ret;

	va_start(ap, fmt);
	ret = smtp_client_vcmd(&s->c, fmt, ap);
	va_end(ap);
	if (ret == -1 && s->c.cmdlen == -1) {
		s->refused = errno;
		return (ENQ_REFUSED);
	}
	if (s->verbose)
		fprintf(stderr, ">>> %.*s\n", s->c.cmdlen - 2, s->c.cmd);
	if (ret == -1)
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
	if (code == ENQ_REFUSED) {
		fprintf(stderr, "sendmail: %s: command not sent: %s\n", what,
		    s->refused == EMSGSIZE ? "line too long" :
		    "line break or NUL in an argument");
		(void)enq_cmd(s, "QUIT");
		return (EX_DATAERR);
	}
	if (code < 0) {
		fprintf(stderr, "sendmail: %s: connection to smtpd lost or "
		    "garbled reply\n", what);
		return (EX_TEMPFAIL);
	}
	fprintf(stderr, "sendmail: %s: ", what);
	enq_print_reply(s, "");
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
	const char	*greeting = smtp_reply_line(&s->c.reply, 0);
	size_t		 n;

	n = strlen(greeting) > 4 ? strcspn(greeting + 4, " ") : 0;
	if (n > 0 && n < sizeof(s->myname)) {
		memcpy(s->myname, greeting + 4, n);
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

/* EHLO, else HELO; 0 or the exit status. */
static int
enq_hello(struct enq_smtp *s)
{
	struct smtp_ehlo	 e;
	int			 code;

	if ((code = enq_cmd(s, "EHLO localhost")) == 250) {
		if (smtp_ehlo_parse(&s->c.reply, &e) == 0)
			s->has_8bitmime = (e.ext & SMTP_EXT_8BITMIME) != 0;
		return (0);
	}
	if (code < 0 || code == 421)
		return (enq_status(s, code, 0, "EHLO"));
	if ((code = enq_cmd(s, "HELO localhost")) != 250)
		return (enq_status(s, code, 0, "HELO"));
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
	if ((ret = enq_hello(s)) != 0)
		return (ret);
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
		if (smtp_client_write(&s->c, out.buf, out.len) == -1)
			goto done;
		enqbuf_reset(&out);
	}
	enq_conv_finish(&c, &out);
	enqbuf_add(&out, ".\r\n", 3);
	if (s->verbose)
		fprintf(stderr, ">>> (%zu bytes of message)\n>>> .\n",
		    msg->len);
	if (smtp_client_write(&s->c, out.buf, out.len) == -1)
		goto done;
	ret = enq_reply(s);
done:
	enqbuf_free(&out);
	return (ret);
}
