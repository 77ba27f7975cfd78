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
 * smtp_body.c -- message bodies of SMTP sessions (DATA and BDAT).
 *
 * SECURITY: the body is decoded by smtp_data_decode() (smtp_parse.c),
 * which alone decides where DATA ends.  Decoded bytes go through a
 * buffer into the message file the queue created for this transaction;
 * smtp never reads that file back.  A message over the size limit is
 * read to its end and discarded, so that the client gets its reply in
 * sequence.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"

#define BODY_BUFSZ	(64 * 1024)

struct smtp_body {
	struct smtp_data_dec	 dec;
	char			*buf;
	size_t			 len;
	uint64_t		 written;	/* bytes in the file */
	uint64_t		 total;		/* header + body */
	int			 werrno;	/* write failed */
	int			 toobig;
};

static void	smtp_body_flush(struct smtp_session *);
static void	smtp_body_add(struct smtp_session *, size_t);
static int	smtp_body_received(struct smtp_session *, char *, size_t);
static int	smtp_body_received_tls(struct smtp_session *, char *, size_t);

/*
 * The comments of Received: after "from": TLS version and cipher, and
 * with received-auth the authenticated user (when its name cannot break
 * the comment; it is in the log in any case).
 */
static int
smtp_body_received_tls(struct smtp_session *s, char *buf, size_t len)
{
	char		 ver[32], cipher[96];
	const char	*p;
	int		 n, bits = 0, auth;

	buf[0] = '\0';
	n = 0;
	if (s->flags & SF_TLS) {
		ver[0] = cipher[0] = '\0';
		if (sscanf(s->tlsinfo, "%31[^:]:%95[^:]:%d", ver, cipher,
		    &bits) != 3)
			(void)strlcpy(cipher, "unknown", sizeof(cipher));
		n = snprintf(buf, len, "\r\n\t(using %s with cipher %s "
		    "(%d bits))", ver, cipher, bits);
		if (n < 0 || (size_t)n >= len)
			return (-1);
	}
	auth = (s->flags & SF_AUTH) && (s->lflags & LF_RECEIVED_AUTH);
	for (p = s->authuser; auth && *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == '(' || *p == ')' ||
		    *p == '\\' || (unsigned char)*p >= 0x7f)
			auth = 0;
	if (auth && snprintf(buf + n, len - (size_t)n,
	    "\r\n\t(authenticated as %s)", s->authuser) >= (int)(len - n))
		return (-1);
	return (0);
}

/* Received: header, RFC 5321 4.4 and RFC 5322 folding. */
static int
smtp_body_received(struct smtp_session *s, char *buf, size_t len)
{
	char		 date[64], rcpt[MAILADDR_MAX], from[HOST_MAX * 3];
	char		 tls[320];
	struct tm	 tm;
	time_t		 now;
	int		 n;

	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z",
	    &tm) == 0)
		(void)strlcpy(date, "Thu, 1 Jan 1970 00:00:00 +0000",
		    sizeof(date));
	if (s->flags & SF_SOCKET)
		n = snprintf(from, sizeof(from), "local (uid %u)",
		    s->peeruid);
	else
		n = snprintf(from, sizeof(from), "%s (%s [%s])", s->helo,
		    s->hostname, s->src);
	if (n < 0 || (size_t)n >= sizeof(from) ||
	    smtp_body_received_tls(s, tls, sizeof(tls)) == -1)
		return (-1);
	if (s->nrcpt == 1 && mailaddr_text(&s->rcpt, rcpt, sizeof(rcpt)) == 0)
		n = snprintf(buf, len, "Received: from %s%s\r\n"
		    "\tby %s (cartero) with %s id %08x\r\n"
		    "\tfor <%s>; %s\r\n", from, tls, s->myname,
		    smtp_session_proto(s), s->msgid, rcpt, date);
	else
		n = snprintf(buf, len, "Received: from %s%s\r\n"
		    "\tby %s (cartero) with %s id %08x;\r\n"
		    "\t%s\r\n", from, tls, s->myname, smtp_session_proto(s),
		    s->msgid, date);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (n);
}

/* Start a body: raw for BDAT.  Writes our Received: header first. */
void
smtp_body_start(struct smtp_session *s, int raw)
{
	struct smtp_body	*b;
	int			 n;

	b = xcalloc(1, sizeof(*b));
	b->buf = xmalloc(BODY_BUFSZ);
	smtp_data_init(&b->dec, s->lim.max_line, raw);
	s->body = b;
	if ((n = smtp_body_received(s, b->buf, BODY_BUFSZ)) == -1) {
		log_warnx("%016llx smtp Received: header too long",
		    (unsigned long long)s->id);
		b->werrno = ENAMETOOLONG;
		return;
	}
	b->len = (size_t)n;
	b->total = (uint64_t)n;
}

void
smtp_body_free(struct smtp_session *s)
{
	if (s->body == NULL)
		return;
	free(s->body->buf);
	free(s->body);
	s->body = NULL;
}

static void
smtp_body_flush(struct smtp_session *s)
{
	struct smtp_body	*b = s->body;

	if (b->len == 0)
		return;
	if (!b->werrno && !b->toobig) {
		if (write_full(s->msgfd, b->buf, b->len) == -1) {
			b->werrno = errno;
			log_warn("%016llx smtp write msgid=%08x",
			    (unsigned long long)s->id, s->msgid);
		} else
			b->written += b->len;
	}
	b->len = 0;
}

/* Account for decoded bytes already in b->buf[b->len, +n). */
static void
smtp_body_add(struct smtp_session *s, size_t n)
{
	struct smtp_body	*b = s->body;

	b->total += n;
	if (b->total > s->lim.max_size)
		b->toobig = 1;
	if (b->toobig || b->werrno)
		return;		/* discard */
	b->len += n;
}

/* Decode input; returns the bytes consumed (all unless DATA ended). */
size_t
smtp_body_feed(struct smtp_session *s, const char *in, size_t len)
{
	struct smtp_body	*b = s->body;
	size_t			 used = 0, n, out;

	while (used < len && !b->dec.done) {
		if (BODY_BUFSZ - b->len < DATA_DEC_SLACK + 1024)
			smtp_body_flush(s);
		n = smtp_data_decode(&b->dec, in + used, len - used,
		    b->buf + b->len, BODY_BUFSZ - b->len, &out);
		smtp_body_add(s, out);
		used += n;
	}
	return (used);
}

/*
 * End of the body: flush it and say whether the message is acceptable.
 * Returns NULL and the file size in *size, or the reply refusing it.
 */
const char *
smtp_body_finish(struct smtp_session *s, uint64_t *size)
{
	struct smtp_body	*b = s->body;
	size_t			 n;

	if (b->dec.raw) {
		if (BODY_BUFSZ - b->len < DATA_DEC_SLACK)
			smtp_body_flush(s);
		n = smtp_data_end(&b->dec, b->buf + b->len,
		    BODY_BUFSZ - b->len);
		smtp_body_add(s, n);
	}
	smtp_body_flush(s);
	*size = b->written;
	/* A full or failing spool is 452 4.3.1 (RFC 3463) */
	if (b->werrno == ENOSPC || b->werrno == EDQUOT || b->werrno == EIO)
		return ("452 4.3.1 Insufficient system storage");
	if (b->werrno)
		return ("451 4.3.0 Error while writing the message, "
		    "try again later");
	if (b->toobig)
		return ("552 5.3.4 Message too big");
	if (b->dec.flags & DATA_F_NUL)
		return ("554 5.6.0 Message contains NUL characters, refused");
	if (b->dec.flags & DATA_F_BARE)
		return ("550 5.6.11 Message contains bare CR or LF "
		    "(RFC 5321 2.3.8), refused");
	if (b->dec.flags & DATA_F_LONG)
		return ("554 5.6.0 Message contains a line too long, "
		    "refused");
	if (b->dec.hops + 1 > MAX_HOPS)
		return ("554 5.4.6 Too many hops (mail loop?)");
	return (NULL);
}

/* DATA: the terminating CRLF.CRLF was read. */
int
smtp_body_done(struct smtp_session *s)
{
	return (s->body->dec.done);
}

/* Decoded body bytes so far (BDAT progress). */
uint64_t
smtp_body_size(struct smtp_session *s)
{
	return (s->body->dec.size);
}
