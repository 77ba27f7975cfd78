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
 *
 * The header section is held back (at most MASQ_HEADER_MAX bytes) until
 * its empty line, then written filtered by smtp_body_headers(), when
 *   - masquerade (listener "senders <table> masquerade", authenticated
 *     session): every From: field is replaced by the MAIL FROM address,
 *     with the display name kept when it is simple;
 *   - mail-auth (smtp_body_mailauth(), smtp_mailauth.c): every
 *     Authentication-Results field that claims our authserv-id is
 *     removed (RFC 8601 5: only we may say what we checked).
 * A header section over the bound is refused (552), never filtered in
 * part.
 *
 * DKIM (common/dkim.h): when s->dkim_flags asks for it (DKIM_MSG_VERIFY:
 * mail-auth, smtp_mailauth.c; DKIM_MSG_SIGN: signing), s->dkim is made
 * by smtp_body_start() and fed exactly the bytes written to the message
 * file, our Received: field first; smtp_body_finish() ends it.  That is what a later verifier of the stored
 * message sees too.  Our Received: is harmless: a signature's h= picks
 * fields bottom-up, so a foreign signer's "Received" entries name the
 * client's own fields, never the new topmost one; only a signature that
 * oversigned Received (h= listing more of them than the message has)
 * breaks, as it would at any MTA.  Removed Authentication-Results
 * fields are not fed: a sender that signed one claiming to be us loses
 * that signature, as RFC 8601 5 accepts.  The Authentication-Results
 * field we add is prepended by the queue at commit, after the hashing.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "authres.h"
#include "dkim.h"
#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"

#define BODY_BUFSZ	(64 * 1024)
#define MASQ_HEADER_MAX	(256 * 1024)	/* header section held back */
#define MASQ_DISPLAY_MAX 512		/* display name kept */

/* where the header section's end scan is (header hold-back) */
enum masq_state {
	MS_OFF,		/* not holding back, or past the headers */
	MS_BOL,		/* at the beginning of a line */
	MS_MID,		/* inside a line */
	MS_CR,		/* a CR at the beginning of a line */
};

struct smtp_body {
	struct smtp_data_dec	 dec;
	char			*buf;
	size_t			 len;
	uint64_t		 written;	/* bytes in the file */
	uint64_t		 total;		/* header + body */
	int			 werrno;	/* write failed */
	int			 toobig;
	/* header hold-back: masquerade, mail-auth */
	enum masq_state		 mstate;
	char			 maddr[MAILADDR_MAX];	/* MAIL FROM; "" */
	char			 authid[HOST_MAX];	/* our A-R id; "" */
	char			*hdr;		/* header section so far */
	size_t			 hdrlen;
	size_t			 hdrcap;
	int			 hdrbig;	/* over MASQ_HEADER_MAX */
	size_t			 arstripped;	/* A-R fields removed */
};

static void	smtp_body_flush(struct smtp_session *);
static int	smtp_body_out(struct smtp_session *, const char *, size_t);
static void	smtp_body_dkim_lost(struct smtp_session *);
static void	smtp_body_write(struct smtp_session *, const char *, size_t);
static void	smtp_body_add(struct smtp_session *, size_t);
static size_t	smtp_body_masq_feed(struct smtp_session *, size_t);
static void	smtp_body_masq_emit(struct smtp_session *);
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

/* a growing output buffer (masquerade) */
struct masq_buf {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

static void	masq_put(struct masq_buf *, const char *, size_t);
static size_t	masq_field_end(const char *, size_t, size_t);
static int	masq_is_from(const char *, size_t);
static size_t	masq_display(const char *, size_t, char *, size_t);
static void	masq_field(struct masq_buf *, const char *, size_t,
		    const char *);
static int	masq_is_authres_ours(const char *, size_t, const char *);

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

static void
masq_put(struct masq_buf *mb, const char *p, size_t n)
{
	size_t	 cap;

	if (mb->len + n > mb->cap) {
		for (cap = mb->cap ? mb->cap : 1024; cap < mb->len + n; )
			cap *= 2;
		mb->buf = xreallocarray(mb->buf, cap, 1);
		mb->cap = cap;
	}
	memcpy(mb->buf + mb->len, p, n);
	mb->len += n;
}

/* The end of the field starting at off: after its last continuation. */
static size_t
masq_field_end(const char *h, size_t len, size_t off)
{
	const char	*nl;

	for (;;) {
		if ((nl = memchr(h + off, '\n', len - off)) == NULL)
			return (len);
		off = (size_t)(nl - h) + 1;
		if (off >= len || (h[off] != ' ' && h[off] != '\t'))
			return (off);
	}
}

/* Is the field f (n bytes) a From: field?  "From:", "from :"... */
static int
masq_is_from(const char *f, size_t n)
{
	size_t	 i = 4;

	if (n < 5 || strncasecmp(f, "from", 4) != 0)
		return (0);
	while (i < n && (f[i] == ' ' || f[i] == '\t'))
		i++;
	return (i < n && f[i] == ':');
}

/*
 * The display name of a From: value v (n bytes, folding included), when
 * it is simple: one mailbox "display <addr>" with nothing after the '>',
 * no group, no second address, no control character.  Its length in
 * out (NUL-terminated, unfolded, trimmed), 0 if there is none to keep.
 */
static size_t
masq_display(const char *v, size_t n, char *out, size_t outsz)
{
	size_t		 i, o = 0, lt = n, gt = n;
	int		 quoted = 0;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if (c == '\r' || c == '\n')
			continue;		/* folding */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (0);
		if (c == '\\' && quoted && i + 1 < n) {
			i++;
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == ',' || c == ';' || c == ':' ||
		    (c == '<' && lt != n) || (c == '>' && gt != n)))
			return (0);
		else if (!quoted && c == '<')
			lt = i;
		else if (!quoted && c == '>')
			gt = i;
		else if (gt != n && c != ' ' && c != '\t')
			return (0);		/* text after the '>' */
	}
	if (quoted || lt == n || gt == n || gt < lt)
		return (0);
	for (i = 0; i < lt; i++) {
		c = (unsigned char)v[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c == '\t')
			c = ' ';
		if ((c == ' ' && (o == 0 || out[o - 1] == ' ')))
			continue;
		if (o + 2 > outsz || o >= MASQ_DISPLAY_MAX)
			return (0);
		out[o++] = (char)c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return (o);
}

/* One header field f (n bytes, with its CRLF): copied, or rewritten. */
static void
masq_field(struct masq_buf *mb, const char *f, size_t n, const char *addr)
{
	char		 display[MASQ_DISPLAY_MAX + 2];
	const char	*colon;

	if (!masq_is_from(f, n)) {
		masq_put(mb, f, n);
		return;
	}
	colon = memchr(f, ':', n);
	masq_put(mb, "From: ", 6);
	if (masq_display(colon + 1, n - (size_t)(colon + 1 - f), display,
	    sizeof(display)) > 0) {
		masq_put(mb, display, strlen(display));
		masq_put(mb, " ", 1);
	}
	masq_put(mb, "<", 1);
	masq_put(mb, addr, strlen(addr));
	masq_put(mb, ">\r\n", 3);
}

/*
 * Is the field f (n bytes, with its line end) an Authentication-Results
 * field claiming authserv-id id?  authres_is_ours() reads a C string's
 * worth of field: a NUL inside (the decoder refuses such messages
 * anyway) is not ours to judge, the field is kept.
 */
static int
masq_is_authres_ours(const char *f, size_t n, const char *id)
{
	if (n < 23 || strncasecmp(f, "Authentication-Results", 22) != 0 ||
	    memchr(f, '\0', n) != NULL)
		return (0);
	return (authres_is_ours(f, n, id));
}

/*
 * The header section hdr (len bytes of CRLF lines), filtered: with addr
 * (not NULL), every From: field replaced by "From: [display name]
 * <addr>" (see masq_display()); with authid (not NULL), every
 * Authentication-Results field whose authserv-id is authid removed
 * (their number in *removed when removed is not NULL).  The other
 * fields and the empty line are copied as they are.  Returns the new
 * text (malloc'd, not NUL-terminated) and its length in *outlen.
 */
char *
smtp_body_headers(const char *hdr, size_t len, const char *addr,
    const char *authid, size_t *outlen, size_t *removed)
{
	struct masq_buf	 mb;
	size_t		 off = 0, end, nrem = 0;

	memset(&mb, 0, sizeof(mb));
	mb.cap = len + MAILADDR_MAX + 64;
	mb.buf = xmalloc(mb.cap);
	while (off < len) {
		if (hdr[off] == '\r' || hdr[off] == '\n') {
			/* the empty line, and anything after it */
			masq_put(&mb, hdr + off, len - off);
			break;
		}
		end = masq_field_end(hdr, len, off);
		if (authid != NULL && masq_is_authres_ours(hdr + off,
		    end - off, authid))
			nrem++;
		else if (addr != NULL)
			masq_field(&mb, hdr + off, end - off, addr);
		else
			masq_put(&mb, hdr + off, end - off);
		off = end;
	}
	if (removed != NULL)
		*removed = nrem;
	*outlen = mb.len;
	return (mb.buf);
}

/* masquerade alone (see smtp_body_headers()) */
char *
smtp_body_masquerade(const char *hdr, size_t len, const char *addr,
    size_t *outlen)
{
	return (smtp_body_headers(hdr, len, addr, NULL, outlen, NULL));
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
	/* DKIM: signing for authenticated and local senders (smtp_dkim.c) */
	s->dkim_flags &= ~DKIM_MSG_SIGN;
	if (smtp_dkim_wanted(s))
		s->dkim_flags |= DKIM_MSG_SIGN;
	/* mail-auth set DKIM_MSG_VERIFY at MAIL FROM (smtp_mailauth.c) */
	dkim_msg_free(s->dkim);
	s->dkim = NULL;
	if (s->dkim_flags != 0 && (s->dkim = dkim_msg_new(s->dkim_flags)) ==
	    NULL)
		smtp_body_dkim_lost(s);
	if ((s->lflags & LF_MASQUERADE) && (s->flags & SF_AUTH) &&
	    s->sender.user[0] != '\0' &&
	    mailaddr_text(&s->sender, b->maddr, sizeof(b->maddr)) == 0)
		b->mstate = MS_BOL;
}

/*
 * mail-auth, right after smtp_body_start(): remove the
 * Authentication-Results fields that claim authserv-id authid.
 */
void
smtp_body_mailauth(struct smtp_session *s, const char *authid)
{
	struct smtp_body	*b = s->body;

	if (b->written != 0 || b->hdrlen != 0)
		fatalx("smtp_body_mailauth: the body has started");
	(void)strlcpy(b->authid, authid, sizeof(b->authid));
	b->mstate = MS_BOL;
}

/* DKIM hashing failed (out of memory): none, s->dkim NULL says so. */
static void
smtp_body_dkim_lost(struct smtp_session *s)
{
	log_warnx("%016llx smtp dkim: out of memory",
	    (unsigned long long)s->id);
	dkim_msg_free(s->dkim);
	s->dkim = NULL;
}

/* Authentication-Results fields of ours removed from the message. */
size_t
smtp_body_authres_removed(struct smtp_session *s)
{
	return (s->body != NULL ? s->body->arstripped : 0);
}

void
smtp_body_free(struct smtp_session *s)
{
	if (s->body == NULL)
		return;
	free(s->body->buf);
	free(s->body->hdr);
	free(s->body);
	s->body = NULL;
}

/* Write n bytes to the message file, and hash them (mail-auth). */
static int
smtp_body_out(struct smtp_session *s, const char *p, size_t n)
{
	struct smtp_body	*b = s->body;

	if (write_full(s->msgfd, p, n) == -1) {
		b->werrno = errno;
		log_warn("%016llx smtp write msgid=%08x",
		    (unsigned long long)s->id, s->msgid);
		return (-1);
	}
	b->written += n;
	if (s->dkim != NULL && dkim_msg_feed(s->dkim, p, n) == -1)
		smtp_body_dkim_lost(s);
	return (0);
}

static void
smtp_body_flush(struct smtp_session *s)
{
	struct smtp_body	*b = s->body;

	if (b->len == 0)
		return;
	if (!b->werrno && !b->toobig)
		(void)smtp_body_out(s, b->buf, b->len);
	b->len = 0;
}

/* Write p straight to the file, after what the buffer holds. */
static void
smtp_body_write(struct smtp_session *s, const char *p, size_t n)
{
	struct smtp_body	*b = s->body;

	smtp_body_flush(s);
	if (b->werrno || b->toobig || n == 0)
		return;
	(void)smtp_body_out(s, p, n);
}

/* Account for decoded bytes already in b->buf[b->len, +n). */
static void
smtp_body_add(struct smtp_session *s, size_t n)
{
	struct smtp_body	*b = s->body;

	b->total += n;
	if (b->total > s->lim.max_size)
		b->toobig = 1;
	if (b->toobig || b->werrno || b->hdrbig)
		return;		/* discard */
	if (b->mstate != MS_OFF)
		n = smtp_body_masq_feed(s, n);
	b->len += n;
}

/*
 * Masquerade: hold the new bytes b->buf[b->len, +n) that belong to the
 * header section; at its end, write it rewritten.  Returns how many
 * bytes (of the body) are left at b->buf + b->len.
 */
static size_t
smtp_body_masq_feed(struct smtp_session *s, size_t n)
{
	struct smtp_body	*b = s->body;
	char			*p = b->buf + b->len;
	size_t			 i, rest;
	int			 end = 0;

	for (i = 0; i < n && !end; i++) {
		if (b->mstate == MS_CR && p[i] == '\n')
			end = 1;
		else if (b->mstate == MS_BOL && p[i] == '\r')
			b->mstate = MS_CR;
		else
			b->mstate = p[i] == '\n' ? MS_BOL : MS_MID;
	}
	if (b->hdrlen + i > MASQ_HEADER_MAX) {
		b->hdrbig = 1;
		return (0);
	}
	if (b->hdrlen + i > b->hdrcap) {
		b->hdrcap = b->hdrcap ? b->hdrcap : 4096;
		while (b->hdrcap < b->hdrlen + i)
			b->hdrcap *= 2;
		b->hdr = xreallocarray(b->hdr, b->hdrcap, 1);
	}
	memcpy(b->hdr + b->hdrlen, p, i);
	b->hdrlen += i;
	if (!end)
		return (0);
	rest = n - i;
	smtp_body_masq_emit(s);		/* flushes: b->len is 0 now */
	memmove(b->buf, p + i, rest);
	return (rest);
}

/* The header section held so far, filtered, to the file. */
static void
smtp_body_masq_emit(struct smtp_session *s)
{
	struct smtp_body	*b = s->body;
	char			*out;
	size_t			 len;

	b->mstate = MS_OFF;
	out = smtp_body_headers(b->hdr != NULL ? b->hdr : "", b->hdrlen,
	    b->maddr[0] != '\0' ? b->maddr : NULL,
	    b->authid[0] != '\0' ? b->authid : NULL, &len, &b->arstripped);
	smtp_body_write(s, out, len);
	free(out);
	free(b->hdr);
	b->hdr = NULL;
	b->hdrlen = b->hdrcap = 0;
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
	if (b->mstate != MS_OFF && !b->hdrbig)
		smtp_body_masq_emit(s);	/* no empty line: all headers */
	smtp_body_flush(s);
	*size = b->written;
	if (s->dkim != NULL && dkim_msg_end(s->dkim) == -1)
		smtp_body_dkim_lost(s);
	/* A full or failing spool is 452 4.3.1 (RFC 3463) */
	if (b->werrno == ENOSPC || b->werrno == EDQUOT || b->werrno == EIO)
		return ("452 4.3.1 Insufficient system storage");
	if (b->werrno)
		return ("451 4.3.0 Error while writing the message, "
		    "try again later");
	if (b->toobig)
		return ("552 5.3.4 Message too big");
	if (b->hdrbig && b->maddr[0] != '\0')
		return ("552 5.3.4 Header section too large to masquerade "
		    "the sender");
	if (b->hdrbig)
		return ("552 5.3.4 Header section too large");
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
