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
 * enqueue_msg.c -- the message side of sendmail(8): line endings, the
 * lone-dot rule, dot-stuffing, header inspection and insertion, recipient
 * extraction for -t, and the offline spool's argument line.
 *
 * Everything here is a pure function of its arguments (no I/O, no clock,
 * no randomness), so that regress/unit/enqueue_test.c can drive it with
 * case tables, also one byte at a time.
 *
 * The canonical form of a message inside smtpctl is LF-terminated lines,
 * not dot-stuffed, always ending with a newline.  enq_conv_*() turns
 * stdin into that form (CONV_LONEDOT unless -i) and that form into the
 * SMTP DATA stream (CONV_CRLF | CONV_STUFF).
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "smtpctl.h"
#include "util.h"

#define CONV_BOL	0	/* at the beginning of a line */
#define CONV_DOT	1	/* a "." began this line, lone so far */
#define CONV_MID	2	/* inside a line */
#define CONV_DONE	3	/* a lone "." ended the input */

static void	conv_eol(struct enq_conv *, struct enqbuf *);
static void	conv_dot(struct enq_conv *, struct enqbuf *);
static size_t	field_next(const char *, size_t, size_t *, size_t *);
static int	field_is(const char *, size_t, const char *);
static size_t	addr_comment(const char *, size_t, size_t);
static int	addr_flush(struct enqbuf *, struct enqbuf *, int,
		    const char *, struct enq_rcpts *);
static int	addr_valid(const char *, size_t);
static int	hexval(char);

void
enqbuf_add(struct enqbuf *b, const void *data, size_t len)
{
	size_t	 need;

	if (len > SIZE_MAX - b->len - 1)
		abort();
	need = b->len + len + 1;
	if (need > b->size) {
		while (b->size < need)
			b->size = b->size ? b->size * 2 : 256;
		b->buf = xreallocarray(b->buf, b->size, 1);
	}
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void
enqbuf_addstr(struct enqbuf *b, const char *s)
{
	enqbuf_add(b, s, strlen(s));
}

void
enqbuf_reset(struct enqbuf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

void
enqbuf_free(struct enqbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->size = 0;
}

void
enq_conv_init(struct enq_conv *c, int flags)
{
	memset(c, 0, sizeof(*c));
	c->flags = flags;
	c->state = CONV_BOL;
}

int
enq_conv_done(const struct enq_conv *c)
{
	return (c->state == CONV_DONE);
}

static void
conv_eol(struct enq_conv *c, struct enqbuf *out)
{
	if (c->flags & CONV_CRLF)
		enqbuf_add(out, "\r\n", 2);
	else
		enqbuf_add(out, "\n", 1);
	c->state = CONV_BOL;
}

/* Write the "." that began a line, doubled when stuffing. */
static void
conv_dot(struct enq_conv *c, struct enqbuf *out)
{
	enqbuf_add(out, "..", (c->flags & CONV_STUFF) ? 2 : 1);
}

/*
 * Convert len bytes of input.  LF, CRLF and a bare CR each end a line.
 * Returns the number of bytes consumed: fewer than len only when a lone
 * "." line ended the input (CONV_LONEDOT).
 */
size_t
enq_conv_feed(struct enq_conv *c, const char *in, size_t len,
    struct enqbuf *out)
{
	size_t		 i;
	unsigned char	 ch;

	for (i = 0; i < len; i++) {
		if (c->state == CONV_DONE)
			return (i);
		ch = (unsigned char)in[i];
		if (ch >= 0x80)
			c->eightbit = 1;
		if (c->cr && ch == '\n') {	/* the LF of a CRLF */
			c->cr = 0;
			continue;
		}
		c->cr = (ch == '\r');
		if (ch == '\r' || ch == '\n') {
			if (c->state == CONV_DOT) {
				if (c->flags & CONV_LONEDOT) {
					c->state = CONV_DONE;
					return (i + 1);
				}
				conv_dot(c, out);
			}
			conv_eol(c, out);
			continue;
		}
		if (c->state == CONV_BOL && ch == '.') {
			if (c->flags & CONV_LONEDOT) {
				c->state = CONV_DOT;	/* lone so far */
				continue;
			}
			if (c->flags & CONV_STUFF)
				enqbuf_add(out, ".", 1);
		} else if (c->state == CONV_DOT)
			conv_dot(c, out);
		c->state = CONV_MID;
		enqbuf_add(out, &ch, 1);
	}
	return (len);
}

/* End of input: a last line without its newline gets one. */
void
enq_conv_finish(struct enq_conv *c, struct enqbuf *out)
{
	switch (c->state) {
	case CONV_DOT:		/* "." then EOF: a lone dot */
		c->state = CONV_DONE;
		break;
	case CONV_MID:
		conv_eol(c, out);
		break;
	default:
		break;
	}
}

/*
 * Is the line at s (len bytes, no newline) a header field "name:"?
 * The name is printable US-ASCII without ":"; obsolete syntax allows
 * blanks before the colon (RFC 5322 4.5.3).
 */
int
enq_header_line(const char *s, size_t len, size_t *namelen)
{
	size_t		 i, n;
	unsigned char	 ch;

	for (n = 0; n < len; n++) {
		ch = (unsigned char)s[n];
		if (ch <= 32 || ch >= 127 || ch == ':')
			break;
	}
	if (n == 0)
		return (0);
	for (i = n; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len || s[i] != ':')
		return (0);
	if (namelen)
		*namelen = n;
	return (1);
}

/*
 * Length of the header block at the start of msg (header lines with their
 * continuation lines).  *bodyoff is where the body starts: after the empty
 * separator line, or right after the headers when there is none.
 */
size_t
enq_header_block(const char *msg, size_t len, size_t *bodyoff)
{
	const char	*nl;
	size_t		 pos = 0, linelen, end;

	while (pos < len) {
		nl = memchr(msg + pos, '\n', len - pos);
		end = nl ? (size_t)(nl - msg) : len;
		linelen = end - pos;
		if (linelen == 0) {		/* separator */
			*bodyoff = pos + 1;
			return (pos);
		}
		if (msg[pos] == ' ' || msg[pos] == '\t') {
			if (pos == 0)
				break;
		} else if (!enq_header_line(msg + pos, linelen, NULL))
			break;
		pos = nl ? end + 1 : len;
	}
	*bodyoff = pos;
	return (pos);
}

/* Next field at *off: returns its length (with continuations), 0 at end. */
static size_t
field_next(const char *h, size_t hlen, size_t *off, size_t *namelen)
{
	const char	*nl;
	size_t		 start = *off, pos = *off, end;

	if (pos >= hlen)
		return (0);
	do {
		nl = memchr(h + pos, '\n', hlen - pos);
		end = nl ? (size_t)(nl - h) : hlen;
		if (pos == start && !enq_header_line(h + pos, end - pos,
		    namelen))
			*namelen = 0;
		pos = nl ? end + 1 : hlen;
	} while (pos < hlen && (h[pos] == ' ' || h[pos] == '\t'));
	*off = pos;
	return (pos - start);
}

static int
field_is(const char *f, size_t namelen, const char *name)
{
	return (namelen == strlen(name) && strncasecmp(f, name, namelen) == 0);
}

/* 1 if the header block h holds a field called name. */
int
enq_header_has(const char *h, size_t hlen, const char *name)
{
	size_t	 off = 0, start, namelen;

	for (start = 0; field_next(h, hlen, &off, &namelen) > 0; start = off)
		if (field_is(h + start, namelen, name))
			return (1);
	return (0);
}

/*
 * Build the canonical message to send: the original header block without
 * Bcc: (whoever reads the message must not learn the blind copies), the
 * missing From:, Date: and Message-ID:, the separator and the body.  With
 * tflag, To:, Cc: and Bcc: addresses are added to rcpts.  A leading mbox
 * "From " line is dropped.  Returns -1 if an address list could not be
 * parsed completely (what could be parsed was added), else 0.
 */
int
enq_prepare(const char *msg, size_t len, const struct enq_hdrs *e,
    struct enq_rcpts *rcpts, struct enqbuf *out)
{
	const char	*nl, *f, *colon;
	size_t		 hlen, bodyoff, off = 0, start, flen, namelen;
	int		 ret = 0, bcc;

	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		nl = memchr(msg, '\n', len);
		off = nl ? (size_t)(nl - msg) + 1 : len;
		msg += off;
		len -= off;
		off = 0;
	}
	hlen = enq_header_block(msg, len, &bodyoff);
	for (start = 0; (flen = field_next(msg, hlen, &off, &namelen)) > 0;
	    start = off) {
		f = msg + start;
		bcc = field_is(f, namelen, "bcc");
		if (e->tflag && (bcc || field_is(f, namelen, "to") ||
		    field_is(f, namelen, "cc"))) {
			colon = memchr(f, ':', flen);
			if (enq_addrlist_parse(colon + 1,
			    flen - (colon + 1 - f), e->host, rcpts) == -1)
				ret = -1;
		}
		if (!bcc)
			enqbuf_add(out, f, flen);
	}
	if (!enq_header_has(msg, hlen, "from") && e->from) {
		enqbuf_addstr(out, "From: ");
		enqbuf_addstr(out, e->from);
		enqbuf_addstr(out, "\n");
	}
	if (!enq_header_has(msg, hlen, "date") && e->date) {
		enqbuf_addstr(out, "Date: ");
		enqbuf_addstr(out, e->date);
		enqbuf_addstr(out, "\n");
	}
	if (!enq_header_has(msg, hlen, "message-id") && e->msgid) {
		enqbuf_addstr(out, "Message-ID: ");
		enqbuf_addstr(out, e->msgid);
		enqbuf_addstr(out, "\n");
	}
	enqbuf_add(out, "\n", 1);
	enqbuf_add(out, msg + bodyoff, len - bodyoff);
	return (ret);
}

/* Skip a comment starting at s[i] == '('; returns the index after it. */
static size_t
addr_comment(const char *s, size_t len, size_t i)
{
	int	 depth = 0;

	for (; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return (i + 1);
	}
	return (len + 1);	/* unterminated */
}

static int
addr_flush(struct enqbuf *cur, struct enqbuf *ang, int hasang,
    const char *host, struct enq_rcpts *r)
{
	struct enqbuf	*a = hasang ? ang : cur;
	const char	*p = a->buf;
	size_t		 len = a->len;
	const char	*colon;
	int		 ret = 0;

	if (len > 0 && *p == '@' && (colon = memchr(p, ':', len)) != NULL) {
		len -= colon + 1 - p;	/* obsolete source route */
		p = colon + 1;
	}
	if (len > 0 && enq_rcpts_add(r, p, len, host) == -1)
		ret = -1;
	enqbuf_reset(cur);
	enqbuf_reset(ang);
	return (ret);
}

/*
 * Parse an RFC 5322 address-list (a To:, Cc: or Bcc: value, possibly
 * folded) and add each addr-spec to r: display names, comments and group
 * names are dropped, quoted local parts kept.  Returns -1 on an
 * unterminated quote, comment or angle address, or an unusable address.
 */
int
enq_addrlist_parse(const char *s, size_t len, const char *host,
    struct enq_rcpts *r)
{
	struct enqbuf	 cur, ang, *t;
	size_t		 i;
	int		 inq = 0, inang = 0, hasang = 0, ret = 0;
	char		 c;

	memset(&cur, 0, sizeof(cur));
	memset(&ang, 0, sizeof(ang));
	enqbuf_reset(&cur);
	for (i = 0; i < len; i++) {
		c = s[i];
		t = inang ? &ang : &cur;
		if (c == '\r' || c == '\n')
			continue;		/* unfold */
		if (inq) {
			enqbuf_add(t, &c, 1);
			if (c == '\\' && i + 1 < len)
				enqbuf_add(t, &s[++i], 1);
			else if (c == '"')
				inq = 0;
			continue;
		}
		if (c == '(') {
			i = addr_comment(s, len, i) - 1;
			continue;
		}
		if (c == ' ' || c == '\t')
			continue;
		if (c == '"') {
			inq = 1;
			enqbuf_add(t, &c, 1);
		} else if (inang && c == '>') {
			inang = 0;
			hasang = 1;
		} else if (inang)
			enqbuf_add(t, &c, 1);
		else if (c == '<') {
			inang = 1;
			enqbuf_reset(&ang);
		} else if (c == ':')
			enqbuf_reset(&cur);	/* group display name */
		else if (c == ',' || c == ';') {
			if (addr_flush(&cur, &ang, hasang, host, r) == -1)
				ret = -1;
			hasang = 0;
		} else
			enqbuf_add(t, &c, 1);
	}
	if (inq || inang || i > len)
		ret = -1;
	else if (addr_flush(&cur, &ang, hasang, host, r) == -1)
		ret = -1;
	enqbuf_free(&cur);
	enqbuf_free(&ang);
	return (ret);
}

/* No controls, no angle brackets, no blanks outside a quoted part. */
static int
addr_valid(const char *a, size_t len)
{
	size_t		 i;
	unsigned char	 c;
	int		 inq = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)a[i];
		if (c < 32 || c == 127 || c == '<' || c == '>')
			return (0);
		if (c == '"')
			inq = !inq;
		else if (c == '\\' && inq && i + 1 < len)
			i++;
		else if (c == ' ' && !inq)
			return (0);
	}
	return (!inq && a[0] != '@' && a[len - 1] != '@');
}

/*
 * Add one address (len bytes) unless it is already there; a bare local
 * part gets "@host" unless host is NULL.  Returns 1 if added, 0 if a
 * duplicate, -1 if unusable.
 */
int
enq_rcpts_add(struct enq_rcpts *r, const char *a, size_t len,
    const char *host)
{
	struct enqbuf	 b;
	size_t		 i;

	if (len == 0 || !addr_valid(a, len))
		return (-1);
	memset(&b, 0, sizeof(b));
	enqbuf_add(&b, a, len);
	if (!enq_has_domain(b.buf) && host != NULL && *host != '\0') {
		enqbuf_add(&b, "@", 1);
		enqbuf_addstr(&b, host);
	}
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->v[i], b.buf) == 0) {
			enqbuf_free(&b);
			return (0);
		}
	}
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n++] = b.buf;
	return (1);
}

/* 1 if the address has "@domain" after its (maybe quoted) local part. */
int
enq_has_domain(const char *a)
{
	const char	*q;

	if ((q = strrchr(a, '"')) == NULL)
		q = a;
	return (strchr(q, '@') != NULL);
}

void
enq_rcpts_free(struct enq_rcpts *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/*
 * From: value: "Full Name" <addr>, or addr alone without a name.  The name
 * is quoted unless it is atoms and blanks; controls are dropped.
 */
void
enq_from_value(const char *name, const char *addr, struct enqbuf *out)
{
	const char	*p;
	int		 quote = 0;

	if (name == NULL || *name == '\0') {
		enqbuf_addstr(out, addr);
		return;
	}
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != ' ' &&
		    strchr("!#$%&'*+-/=?^_`{|}~", *p) == NULL)
			quote = 1;
	if (quote)
		enqbuf_add(out, "\"", 1);
	for (p = name; *p; p++) {
		if ((unsigned char)*p < 32 || *p == 127)
			continue;
		if (quote && (*p == '"' || *p == '\\'))
			enqbuf_add(out, "\\", 1);
		enqbuf_add(out, p, 1);
	}
	if (quote)
		enqbuf_add(out, "\"", 1);
	enqbuf_addstr(out, " <");
	enqbuf_addstr(out, addr);
	enqbuf_addstr(out, ">");
}

/* RFC 5322 date-time in local time, C locale: "Tue, 05 Mar 2024 ...". */
void
enq_date_value(time_t t, char *buf, size_t size)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		(void)strlcpy(buf, "Thu, 01 Jan 1970 00:00:00 +0000", size);
}

/*
 * The offline spool's argument line: arguments separated by one space,
 * each byte outside "!".."~" and the backslash written as \xHH, so that
 * enq_argv_parse() gets the same vector back.  An empty argument is "\e".
 */
void
enq_argv_escape(char *const *argv, int argc, struct enqbuf *out)
{
	const unsigned char	*p;
	char			 hex[8];
	int			 i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			enqbuf_add(out, " ", 1);
		if (*argv[i] == '\0')
			enqbuf_add(out, "\\e", 2);
		for (p = (const unsigned char *)argv[i]; *p; p++) {
			if (*p > ' ' && *p < 127 && *p != '\\') {
				enqbuf_add(out, p, 1);
				continue;
			}
			(void)snprintf(hex, sizeof(hex), "\\x%02x", *p);
			enqbuf_add(out, hex, 4);
		}
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Inverse of enq_argv_escape(); -1 on a malformed line. */
int
enq_argv_parse(const char *s, size_t len, char ***argvp, int *argcp)
{
	struct enqbuf	 cur;
	char		**argv = NULL;
	size_t		 i;
	int		 argc = 0, hi, lo, have = 0;
	char		 c;

	memset(&cur, 0, sizeof(cur));
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == ' ') {
			if (!have)
				goto bad;	/* empty field */
			argv = xreallocarray(argv, argc + 2, sizeof(*argv));
			argv[argc++] = xstrdup(cur.buf ? cur.buf : "");
			argv[argc] = NULL;
			enqbuf_reset(&cur);
			have = 0;
			continue;
		}
		have = 1;
		if (s[i] != '\\') {
			if ((unsigned char)s[i] <= ' ' || s[i] == 127)
				goto bad;
			enqbuf_add(&cur, &s[i], 1);
			continue;
		}
		if (i + 1 < len && s[i + 1] == 'e' && cur.len == 0 &&
		    (i + 2 == len || s[i + 2] == ' ')) {
			i++;
			enqbuf_add(&cur, "", 0);
			continue;
		}
		if (i + 3 >= len || s[i + 1] != 'x' ||
		    (hi = hexval(s[i + 2])) == -1 ||
		    (lo = hexval(s[i + 3])) == -1 || (hi == 0 && lo == 0))
			goto bad;
		c = (char)(hi << 4 | lo);
		enqbuf_add(&cur, &c, 1);
		i += 3;
	}
	enqbuf_free(&cur);
	*argvp = argv;
	*argcp = argc;
	return (0);
bad:
	enqbuf_free(&cur);
	enq_argv_free(argv, argc);
	return (-1);
}

void
enq_argv_free(char **argv, int argc)
{
	int	 i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* 1 if s holds a byte outside US-ASCII (SMTPUTF8 is then needed). */
int
enq_needs_utf8(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return (1);
	return (0);
}

/*
 * An offline spool file: OFFLINE_TAG, the envelope as the arguments
 * "-f <sender> -- rcpt ...", a newline, then the canonical message.
 */
void
enq_offline_format(const char *sender, const struct enq_rcpts *r,
    const char *msg, size_t len, struct enqbuf *out)
{
	char		**av, *s;
	size_t		  i;

	av = xcalloc(r->n + 3, sizeof(*av));
	(void)xasprintf(&s, "<%s>", sender);
	av[0] = "-f";
	av[1] = s;
	av[2] = "--";
	for (i = 0; i < r->n; i++)
		av[i + 3] = r->v[i];
	enqbuf_addstr(out, OFFLINE_TAG);
	enq_argv_escape(av, (int)r->n + 3, out);
	enqbuf_add(out, "\n", 1);
	enqbuf_add(out, msg, len);
	free(s);
	free(av);
}

/*
 * Split an offline file: its recorded arguments (to free with
 * enq_argv_free()) and the offset of the message.  -1 if malformed.
 */
int
enq_offline_parse(const char *buf, size_t len, char ***argvp, int *argcp,
    size_t *msgoff)
{
	const char	*nl;
	size_t		 taglen = strlen(OFFLINE_TAG);

	if (len < taglen || memcmp(buf, OFFLINE_TAG, taglen) != 0 ||
	    (nl = memchr(buf, '\n', len)) == NULL)
		return (-1);
	if (enq_argv_parse(buf + taglen, (size_t)(nl - buf) - taglen, argvp,
	    argcp) == -1)
		return (-1);
	*msgoff = (size_t)(nl - buf) + 1;
	return (0);
}

/*
 * The envelope of an offline file, from the arguments recorded by
 * enq_offline_format() and nothing else: "-f <sender> -- rcpt ...".
 * The file is its owner's to write: treat it as data.  0, or -1.
 */
int
enq_offline_envelope(char *const *av, int ac, struct enqbuf *sender,
    struct enq_rcpts *r)
{
	const char	*s;
	size_t		 len;
	int		 i;

	if (ac < 4 || strcmp(av[0], "-f") != 0 || strcmp(av[2], "--") != 0)
		return (-1);
	s = av[1];
	len = strlen(s);
	if (len < 2 || s[0] != '<' || s[len - 1] != '>')
		return (-1);
	s++;
	len -= 2;
	if (len > 0 && !addr_valid(s, len))
		return (-1);
	enqbuf_add(sender, s, len);
	for (i = 3; i < ac; i++)
		if (enq_rcpts_add(r, av[i], strlen(av[i]), NULL) == -1)
			return (-1);
	return (0);
}
