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
 * smtp_client.c -- the client side of an SMTP or LMTP dialogue without
 * I/O (see smtp_client.h for the limits): smtp_cmd_format() writes one
 * command line, smtp_reply_feed() assembles one reply from whatever
 * bytes it is given, smtp_ehlo_parse() reads the server's extensions.
 *
 * The reply parser faces the network: it never writes outside its
 * buffer, stops at the first malformed line with a reason, and gives the
 * same result however the input is split (bytes are only judged at the
 * end of a line, except that a line or reply growing past its limit is
 * refused as soon as it does).
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_client.h"

static int	smtp_reply_fail(struct smtp_reply *, const char *);
static int	smtp_reply_store(struct smtp_reply *, const char *, size_t);
static void	smtp_reply_endline(struct smtp_reply *);
static int	smtp_reply_check(struct smtp_reply *, const char *, size_t);
static void	smtp_reply_enhanced(struct smtp_reply *, char, const char *);
static size_t	smtp_digits(const char *, size_t);
static void	smtp_ehlo_keyword(struct smtp_ehlo *, const char *);
static void	smtp_ehlo_auth(struct smtp_ehlo *, const char *);

static const struct {
	const char	*name;
	unsigned int	 flag;
} smtp_ehlo_keywords[] = {
	{ "8BITMIME",			SMTP_EXT_8BITMIME },
	{ "AUTH",			SMTP_EXT_AUTH },
	{ "CHUNKING",			SMTP_EXT_CHUNKING },
	{ "DSN",			SMTP_EXT_DSN },
	{ "ENHANCEDSTATUSCODES",	SMTP_EXT_ENHANCEDSTATUSCODES },
	{ "PIPELINING",			SMTP_EXT_PIPELINING },
	{ "SIZE",			SMTP_EXT_SIZE },
	{ "SMTPUTF8",			SMTP_EXT_SMTPUTF8 },
	{ "STARTTLS",			SMTP_EXT_STARTTLS },
};

int
smtp_cmd_format(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = smtp_cmd_vformat(buf, bufsz, fmt, ap);
	va_end(ap);
	return (n);
}

/*
 * The command must fit SMTP_CMD_MAX with its CRLF, and neither a CR nor
 * an LF nor a NUL may come from an argument: a CRLF inside an address
 * would otherwise start a command of the peer's choosing.
 */
int
smtp_cmd_vformat(char *buf, size_t bufsz, const char *fmt, va_list ap)
{
	int	 n;

	if (bufsz < 3) {
		errno = EMSGSIZE;
		return (-1);
	}
	n = vsnprintf(buf, bufsz - 2, fmt, ap);
	if (n <= 0) {
		buf[0] = '\0';
		errno = EINVAL;
		return (-1);
	}
	if ((size_t)n + 2 > SMTP_CMD_MAX || (size_t)n + 3 > bufsz) {
		buf[0] = '\0';
		errno = EMSGSIZE;
		return (-1);
	}
	if (strlen(buf) != (size_t)n || strpbrk(buf, "\r\n") != NULL) {
		buf[0] = '\0';
		errno = EINVAL;
		return (-1);
	}
	buf[n++] = '\r';
	buf[n++] = '\n';
	buf[n] = '\0';
	return (n);
}

void
smtp_reply_init(struct smtp_reply *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	r->nlines = 0;
	r->error = NULL;
	r->state = SMTP_REPLY_MORE;
	r->len = 0;
	r->cur = 0;
	r->buf[0] = '\0';
}

/*
 * Take bytes from in[0, len).  *used says how many were taken: all of
 * them unless the reply completed (the rest belongs to the next one:
 * feed it again) or was refused.  Feeding after SMTP_REPLY_DONE starts
 * a new reply; after SMTP_REPLY_ERROR nothing is taken any more.
 */
int
smtp_reply_feed(struct smtp_reply *r, const char *in, size_t len,
    size_t *used)
{
	const char	*nl;
	size_t		 off = 0, n;

	if (r->state == SMTP_REPLY_DONE)
		smtp_reply_init(r);
	while (r->state == SMTP_REPLY_MORE && off < len) {
		nl = memchr(in + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (in + off)) : len - off;
		if (smtp_reply_store(r, in + off, n) == -1)
			break;
		off += n;
		if (nl == NULL)
			break;
		off++;
		smtp_reply_endline(r);
	}
	*used = off;
	return (r->state);
}

static int
smtp_reply_fail(struct smtp_reply *r, const char *why)
{
	r->state = SMTP_REPLY_ERROR;
	r->error = why;
	/* a reply of bare-LF lines can fill buf to its last byte */
	if (r->cur < SMTP_REPLY_MAX)
		r->buf[r->cur] = '\0';
	return (-1);
}

/*
 * Append n bytes to the line being read.  Refused the moment the line
 * or the whole reply would pass its limit, whichever is the smaller, so
 * that a byte-by-byte feed fails at the same place for the same reason.
 */
static int
smtp_reply_store(struct smtp_reply *r, const char *p, size_t n)
{
	size_t	 have = r->len - r->cur;
	size_t	 linecap = SMTP_REPLY_LINE_MAX - 1;	/* CR included */
	size_t	 bufcap = 0;				/* NUL excluded */

	if (r->cur < SMTP_REPLY_MAX)
		bufcap = SMTP_REPLY_MAX - r->cur - 1;
	if (have + n > linecap || have + n > bufcap)
		return (smtp_reply_fail(r, linecap <= bufcap ?
		    "reply line too long" : "reply too long"));
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return (0);
}

/* A line ended with LF: check it, keep it, and see if it is the last. */
static void
smtp_reply_endline(struct smtp_reply *r)
{
	char	*l = r->buf + r->cur;
	size_t	 n = r->len - r->cur;

	if (r->len >= SMTP_REPLY_MAX) {
		(void)smtp_reply_fail(r, "reply too long");
		return;
	}
	if (n > 0 && l[n - 1] == '\r')		/* CRLF, else a bare LF */
		n--;
	l[n] = '\0';
	if (smtp_reply_check(r, l, n) == -1)
		return;
	r->code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	r->line[r->nlines++] = r->cur;
	if (r->nlines == 1)
		smtp_reply_enhanced(r, l[0], n > 3 ? l + 4 : l + 3);
	r->len = r->cur + n + 1;
	r->cur = r->len;
	if (n == 3 || l[3] == ' ')
		r->state = SMTP_REPLY_DONE;
}

/* Reply-line = Reply-code [ SP / "-" textstring ] (RFC 5321 4.2). */
static int
smtp_reply_check(struct smtp_reply *r, const char *l, size_t n)
{
	int	 code;

	if (n > SMTP_REPLY_LINE_MAX - 2)
		return (smtp_reply_fail(r, "reply line too long"));
	if (memchr(l, '\r', n) != NULL || strlen(l) != n)
		return (smtp_reply_fail(r, "CR or NUL in a reply line"));
	if (n < 3 || smtp_digits(l, 3) != 3)
		return (smtp_reply_fail(r, "reply code is not three digits"));
	if (l[0] < '2' || l[0] > '5')
		return (smtp_reply_fail(r, "reply code out of range"));
	if (n > 3 && l[3] != ' ' && l[3] != '-')
		return (smtp_reply_fail(r,
		    "no space or dash after the reply code"));
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (r->nlines > 0 && code != r->code)
		return (smtp_reply_fail(r,
		    "reply code differs between lines"));
	if (r->nlines == SMTP_REPLY_LINES_MAX)
		return (smtp_reply_fail(r, "too many reply lines"));
	return (0);
}

static size_t
smtp_digits(const char *p, size_t max)
{
	size_t	 i;

	for (i = 0; i < max && p[i] >= '0' && p[i] <= '9'; i++)
		;
	return (i);
}

/*
 * An enhanced status code (RFC 3463: class "." subject "." detail, 1
 * to 3 digits each) opening the first line's text, of the reply's own
 * class (RFC 2034 section 4), is kept apart.
 */
static void
smtp_reply_enhanced(struct smtp_reply *r, char class, const char *t)
{
	size_t	 n = 2, k;

	if (t[0] != class || t[1] != '.')
		return;
	if ((k = smtp_digits(t + n, 4)) < 1 || k > 3 || t[n + k] != '.')
		return;
	n += k + 1;
	if ((k = smtp_digits(t + n, 4)) < 1 || k > 3)
		return;
	n += k;
	if (t[n] != ' ' && t[n] != '\0')
		return;
	memcpy(r->enhanced, t, n);
	r->enhanced[n] = '\0';
}

/* Line i, whole ("250-SIZE 1000"); NULL past the last. */
const char *
smtp_reply_line(const struct smtp_reply *r, size_t i)
{
	if (i >= r->nlines)
		return (NULL);
	return (r->buf + r->line[i]);
}

/* Line i's text: after the code, its separator and the enhanced code. */
const char *
smtp_reply_text(const struct smtp_reply *r, size_t i)
{
	const char	*p;
	size_t		 n = strlen(r->enhanced);

	if ((p = smtp_reply_line(r, i)) == NULL)
		return (NULL);
	p += (p[3] == '\0') ? 3 : 4;
	if (n > 0 && strncmp(p, r->enhanced, n) == 0 &&
	    (p[n] == ' ' || p[n] == '\0'))
		p += (p[n] == ' ') ? n + 1 : n;
	return (p);
}

/*
 * The extensions a 250 reply to EHLO or LHLO announces: one per line
 * after the first (the server's name), "KEYWORD [params]", keywords
 * case-insensitive.  Unknown keywords are skipped.  -1 if the reply is
 * not a success.
 */
int
smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e)
{
	size_t	 i;

	memset(e, 0, sizeof(*e));
	if (r->state != SMTP_REPLY_DONE || r->code != 250)
		return (-1);
	for (i = 1; i < r->nlines; i++)
		smtp_ehlo_keyword(e, smtp_reply_text(r, i));
	return (0);
}

static void
smtp_ehlo_keyword(struct smtp_ehlo *e, const char *t)
{
	const char	*errstr, *param;
	long long	 v;
	size_t		 i, n;

	n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-");
	if (n == 0 || (t[n] != ' ' && t[n] != '\0' && t[n] != '='))
		return;
	param = t + n + (t[n] != '\0');
	for (i = 0; i < sizeof(smtp_ehlo_keywords) /
	    sizeof(smtp_ehlo_keywords[0]); i++) {
		if (strlen(smtp_ehlo_keywords[i].name) != n ||
		    strncasecmp(t, smtp_ehlo_keywords[i].name, n) != 0)
			continue;
		/* "AUTH=PLAIN": the form of drafts older servers speak */
		if (t[n] == '=' && smtp_ehlo_keywords[i].flag != SMTP_EXT_AUTH)
			return;
		e->ext |= smtp_ehlo_keywords[i].flag;
		if (smtp_ehlo_keywords[i].flag == SMTP_EXT_AUTH)
			smtp_ehlo_auth(e, param);
		if (smtp_ehlo_keywords[i].flag == SMTP_EXT_SIZE &&
		    *param != '\0') {
			v = strtonum(param, 0, LLONG_MAX, &errstr);
			if (errstr == NULL && (unsigned long long)v <= SIZE_MAX)
				e->size = (size_t)v;
		}
		return;
	}
}

/* AUTH mechanisms: SASL names (RFC 4422 3.1), upper-cased; first wins. */
static void
smtp_ehlo_auth(struct smtp_ehlo *e, const char *p)
{
	size_t	 i;

	if (e->auth[0] != '\0')
		return;
	for (i = 0; i < sizeof(e->auth) - 1 && p[i] != '\0'; i++) {
		if (!isalnum((unsigned char)p[i]) && p[i] != '-' &&
		    p[i] != '_' && p[i] != ' ') {
			e->auth[0] = '\0';
			return;
		}
		e->auth[i] = (char)toupper((unsigned char)p[i]);
	}
	if (p[i] != '\0')
		i = 0;		/* too long: better none than a cut name */
	e->auth[i] = '\0';
}

int
smtp_mail_params(char *buf, size_t len, const struct smtp_ehlo *e,
    unsigned long long size, int flags)
{
	char	 sz[32] = "";
	int	 n;

	if (e->ext & SMTP_EXT_SIZE)
		(void)snprintf(sz, sizeof(sz), " SIZE=%llu", size);
	n = snprintf(buf, len, "%s%s%s", sz, ((flags & SMTP_MAIL_8BIT) &&
	    (e->ext & SMTP_EXT_8BITMIME)) ? " BODY=8BITMIME" : "",
	    ((flags & SMTP_MAIL_UTF8) && (e->ext & SMTP_EXT_SMTPUTF8)) ?
	    " SMTPUTF8" : "");
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}
