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
 * agent_io.c -- helpers shared by the delivery agents: copying a message
 * with line-ending conversion, mboxrd quoting or dot-stuffing, the
 * Return-Path/Delivered-To headers, and result reporting.
 *
 * The message is untrusted: any byte sequence, lines of any length, no
 * final newline.  The converter works on a stream, holding at most the
 * '>' count and five bytes of "From " across reads.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtp_client.h"
#include "smtpd.h"
#include "util.h"
#include "agent.h"
#include "mda_expand.h"

#define AGENT_IOBUF	65536

static const char	 from_[] = "From ";

static void	agent_xform_eol(struct agent_xform *, struct agent_obuf *);
static void	agent_xform_held(struct agent_xform *, struct agent_obuf *);
static int	agent_xform_bol(struct agent_xform *, char,
		    struct agent_obuf *);

void
agent_obuf_add(struct agent_obuf *ob, const void *data, size_t len)
{
	size_t	 cap;

	if (len == 0)
		return;
	if (len > SIZE_MAX - ob->len)
		fatalx("agent_obuf_add: overflow");
	if (ob->len + len > ob->cap) {
		cap = ob->cap ? ob->cap : 4096;
		while (cap < ob->len + len)
			cap = cap > SIZE_MAX / 2 ? ob->len + len : cap * 2;
		ob->buf = xreallocarray(ob->buf, cap, 1);
		ob->cap = cap;
	}
	memcpy(ob->buf + ob->len, data, len);
	ob->len += len;
}

void
agent_obuf_free(struct agent_obuf *ob)
{
	free(ob->buf);
	ob->buf = NULL;
	ob->len = ob->cap = 0;
}

void
agent_xform_init(struct agent_xform *x, int flags)
{
	memset(x, 0, sizeof(*x));
	x->flags = flags;
	x->bol = 1;
	x->lastnl = 1;		/* an empty message needs no newline */
}

static void
agent_xform_eol(struct agent_xform *x, struct agent_obuf *ob)
{
	if (x->flags & AX_CRLF)
		agent_obuf_add(ob, "\r\n", 2);
	else
		agent_obuf_add(ob, "\n", 1);
	x->bol = 1;
	x->lastnl = 1;
}

/* Release what was held at the start of a line that is not a From_. */
static void
agent_xform_held(struct agent_xform *x, struct agent_obuf *ob)
{
	for (; x->gt > 0; x->gt--) {
		agent_obuf_add(ob, ">", 1);
		x->lastnl = 0;
	}
	if (x->from > 0) {
		agent_obuf_add(ob, from_, x->from);
		x->lastnl = 0;
		x->from = 0;
	}
}

/* At line start: 1 if c was consumed, 0 if it is an ordinary byte. */
static int
agent_xform_bol(struct agent_xform *x, char c, struct agent_obuf *ob)
{
	if (x->flags & AX_DOTSTUFF) {
		x->bol = 0;
		if (c == '.')
			agent_obuf_add(ob, ".", 1);
		return (0);
	}
	if (!(x->flags & AX_FROMQUOTE)) {
		x->bol = 0;
		return (0);
	}
	if (x->from == 0 && c == '>') {
		x->gt++;
		return (1);
	}
	if (c == from_[x->from]) {
		if (++x->from == sizeof(from_) - 1) {
			agent_obuf_add(ob, ">", 1);
			agent_xform_held(x, ob);
			x->bol = 0;
		}
		return (1);
	}
	agent_xform_held(x, ob);
	x->bol = 0;
	return (0);
}

void
agent_xform_feed(struct agent_xform *x, const char *p, size_t n,
    struct agent_obuf *ob)
{
	size_t	 i = 0, run;
	char	 c;

	while (i < n) {
		c = p[i];
		if (x->cr) {
			x->cr = 0;
			if (c == '\n') {
				agent_xform_eol(x, ob);
				i++;
				continue;
			}
			agent_obuf_add(ob, "\r", 1);	/* bare CR: kept */
			x->lastnl = 0;
		}
		if (x->bol && agent_xform_bol(x, c, ob)) {
			i++;
			continue;
		}
		if (c == '\r' || c == '\n') {
			if (c == '\r')
				x->cr = 1;
			else
				agent_xform_eol(x, ob);
			i++;
			continue;
		}
		for (run = 1; i + run < n; run++)
			if (p[i + run] == '\r' || p[i + run] == '\n')
				break;
		agent_obuf_add(ob, p + i, run);
		x->lastnl = 0;
		i += run;
	}
}

/* Flush what is held and end the last line. */
void
agent_xform_end(struct agent_xform *x, struct agent_obuf *ob)
{
	if (x->bol)
		agent_xform_held(x, ob);
	if (x->cr) {
		x->cr = 0;
		agent_obuf_add(ob, "\r", 1);
		x->lastnl = 0;
	}
	if (!x->lastnl)
		agent_xform_eol(x, ob);
}

/*
 * Copy the message on msgfd (from offset 0) to outfd, after prefix (raw,
 * may be NULL), converting with flags.  *size gets the bytes written.
 * Returns 0, or -1 with errno set.
 */
int
agent_copy(int msgfd, int outfd, int flags, const char *prefix, off_t *size)
{
	struct agent_xform	 x;
	struct agent_obuf	 ob;
	char			*in;
	ssize_t			 n;
	int			 saved_errno, ret = -1;

	*size = 0;
	memset(&ob, 0, sizeof(ob));
	in = xmalloc(AGENT_IOBUF);
	agent_xform_init(&x, flags);
	if (lseek(msgfd, 0, SEEK_SET) == -1 && errno != ESPIPE)
		goto done;
	if (prefix != NULL)
		agent_obuf_add(&ob, prefix, strlen(prefix));
	for (;;) {
		if ((n = read(msgfd, in, AGENT_IOBUF)) == -1) {
			if (errno == EINTR)
				continue;
			goto done;
		}
		if (n == 0)
			break;
		agent_xform_feed(&x, in, (size_t)n, &ob);
		if (ob.len >= AGENT_IOBUF) {
			if (write_full(outfd, ob.buf, ob.len) == -1)
				goto done;
			*size += (off_t)ob.len;
			ob.len = 0;
		}
	}
	agent_xform_end(&x, &ob);
	if (ob.len > 0 && write_full(outfd, ob.buf, ob.len) == -1)
		goto done;
	*size += (off_t)ob.len;
	ret = 0;
 done:
	saved_errno = errno;
	free(in);
	agent_obuf_free(&ob);
	errno = saved_errno;
	return (ret);
}

/* "Return-Path: <sender>" and "Delivered-To: dest", LF-terminated. */
int
agent_headers(char *buf, size_t len, const struct deliver *d)
{
	char	 sender[MAILADDR_MAX], dest[MAILADDR_MAX];
	int	 n;

	agent_addr_text(&d->evp.sender, sender, sizeof(sender));
	agent_addr_text(&d->evp.dest, dest, sizeof(dest));
	n = snprintf(buf, len, "Return-Path: <%s>\nDelivered-To: %s\n",
	    sender, dest);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (0);
}

/*
 * user@domain (user alone without a domain, "" for <>), with control
 * bytes replaced so that an address cannot split a header or a command.
 */
void
agent_addr_text(const struct mailaddr *a, char *buf, size_t len)
{
	char	*p;

	if (a->user[0] == '\0' && a->domain[0] == '\0')
		(void)strlcpy(buf, "", len);
	else if (a->domain[0] == '\0')
		(void)strlcpy(buf, a->user, len);
	else
		(void)snprintf(buf, len, "%s@%s", a->user, a->domain);
	for (p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Absolute, and no "." or ".." component (as mda_path_ok()). */
int
agent_path_safe(const char *path)
{
	return (mda_path_ok(path));
}

void
agent_report_init(struct agent_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->status = ST_TEMPFAIL;
}

int
agent_report_set(struct agent_report *rep, int status, const char *fmt, ...)
{
	va_list	 ap;

	rep->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(rep->errorline, sizeof(rep->errorline), fmt, ap);
	va_end(ap);
	return (status);
}

/*
 * A failed system call during delivery: always temporary, so that the
 * message stays queued (and is retried until it expires) rather than
 * bounced: a full filesystem (4.3.1), a quota (4.2.2), and also EIO and
 * EROFS, which an administrator repairs (remount after fsck).
 */
int
agent_report_errno(struct agent_report *rep, int err, const char *what)
{
	if (err == ENOSPC)
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "452 4.3.1 %s: no space left on the mail filesystem",
		    what));
	if (err == EDQUOT)
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "452 4.2.2 %s: mailbox full (quota)", what));
	return (agent_report_set(rep, ST_TEMPFAIL, "451 4.3.0 %s: %s", what,
	    strerror(err)));
}

/*
 * The DATA of an SMTP or LMTP client: the message, CRLF and dot-stuffed,
 * then the final dot.  0, or -1 (logged as "agent WHO: ...").
 */
int
agent_smtp_body(struct smtp_client *c, int msgfd, const char *who)
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
			log_warn("agent %s: read message", who);
			goto done;
		}
		if (n == 0)
			break;
		agent_xform_feed(&x, in, (size_t)n, &ob);
		if (smtp_client_write(c, ob.buf, ob.len) == -1)
			goto done;
		ob.len = 0;
	}
	agent_xform_end(&x, &ob);
	agent_obuf_add(&ob, ".\r\n", 3);
	ret = smtp_client_write(c, ob.buf, ob.len);
 done:
	agent_obuf_free(&ob);
	return (ret);
}
