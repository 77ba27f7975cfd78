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
 * dkim_canon.c -- DKIM canonicalisation (RFC 6376 3.4): header fields
 * (simple, relaxed) and the body, streamed into SHA-256.
 *
 * The body canonicaliser sees the body as it is stored, in pieces of
 * any size, with CRLF or bare LF line ends (a bare LF is a CRLF, a CR
 * not followed by LF is data).  It keeps the few bits of state a line
 * needs across pieces (a held-back CR, a held-back run of whitespace,
 * the count of empty lines not emitted yet, since trailing empty lines
 * are removed) and copies what it emits into a small buffer that goes
 * to the digest when full: runs of ordinary bytes are found with
 * memchr() or a table and copied whole, never a call per byte.
 * l= is applied on the canonical bytes: those past it are counted in
 * total but not hashed.
 *
 * SECURITY: input is the message as received; nothing is allocated
 * per message but the digest context, the empty-line count is a 64-bit
 * counter (emitted in bounded chunks), reads stay inside each piece.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim.h"
#include "dkim_local.h"

static void	body_flush(struct dkim_body *);
static void	body_out(struct dkim_body *, const char *, size_t);
static void	body_empty_lines(struct dkim_body *);
static void	body_eol(struct dkim_body *);
static void	body_start(struct dkim_body *);
static void	body_simple(struct dkim_body *, const char *, size_t);
static void	body_relaxed(struct dkim_body *, const char *, size_t);

/* relaxed body: the bytes that stop a run of ordinary data */
static const uint8_t body_special[256] = {
	['\t'] = 1, [' '] = 1, ['\r'] = 1, ['\n'] = 1,
};

int
dkim_body_init(struct dkim_body *b, enum dkim_canon canon, int64_t l)
{
	memset(b, 0, offsetof(struct dkim_body, obuf));
	b->canon = canon;
	b->l = l;
	if ((b->md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(b->md);
		b->md = NULL;
		return (-1);
	}
	return (0);
}

void
dkim_body_free(struct dkim_body *b)
{
	EVP_MD_CTX_free(b->md);
	b->md = NULL;
}

/* The buffered canonical bytes: counted, and hashed up to l=. */
static void
body_flush(struct dkim_body *b)
{
	uint64_t	 n = b->olen, room;

	if (b->l >= 0) {
		room = (uint64_t)b->l > b->total ?
		    (uint64_t)b->l - b->total : 0;
		if (n > room)
			n = room;
	}
	if (n > 0)
		(void)EVP_DigestUpdate(b->md, b->obuf, (size_t)n);
	b->total += b->olen;
	b->olen = 0;
}

/* Emit canonical bytes. */
static void
body_out(struct dkim_body *b, const char *p, size_t n)
{
	size_t	 k;

	while (n > 0) {
		if (b->olen == sizeof(b->obuf))
			body_flush(b);
		k = sizeof(b->obuf) - b->olen;
		if (k > n)
			k = n;
		memcpy(b->obuf + b->olen, p, k);
		b->olen += k;
		p += k;
		n -= k;
	}
}

/* Empty lines held back turn out not to be trailing: emit them. */
static void
body_empty_lines(struct dkim_body *b)
{
	static const char crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
	uint64_t	 n;

	while (b->nempty > 0) {
		n = b->nempty < 8 ? b->nempty : 8;
		body_out(b, crlfs, (size_t)n * 2);
		b->nempty -= n;
	}
}

/* The first data of a line: the empty lines before it are not trailing. */
static void
body_start(struct dkim_body *b)
{
	body_empty_lines(b);
	b->started = 1;
}

/* The end of a line (its LF, or the end of the body). */
static void
body_eol(struct dkim_body *b)
{
	if (b->started) {
		body_out(b, "\r\n", 2);
		b->started = 0;
	} else
		b->nempty++;
	b->wsp = 0;
}

/* simple: lines as they are; only empty lines are held back. */
static void
body_simple(struct dkim_body *b, const char *p, size_t n)
{
	const char	*lf;
	size_t		 seg;

	while (n > 0) {
		if (b->cr) {
			b->cr = 0;
			if (p[0] == '\n') {
				body_eol(b);
				p++;
				n--;
				continue;
			}
			if (!b->started)
				body_start(b);
			body_out(b, "\r", 1);
		}
		lf = memchr(p, '\n', n);
		seg = lf == NULL ? n : (size_t)(lf - p);
		if (seg > 0 && p[seg - 1] == '\r') {	/* CRLF, or maybe */
			seg--;
			if (lf == NULL)
				b->cr = 1;	/* the LF may come next */
		}
		if (seg > 0) {
			if (!b->started)
				body_start(b);
			body_out(b, p, seg);
		}
		if (lf == NULL)
			return;
		body_eol(b);
		n -= (size_t)(lf - p) + 1;
		p = lf + 1;
	}
}

/*
 * relaxed: WSP runs become one SP, WSP at the end of a line goes, a
 * line of only WSP is empty.  The common case (an ordinary byte inside
 * a line, maybe after WSP) stays in a tight loop on the output buffer;
 * line ends, CR and the first byte of a line take the slow path.
 */
static void
body_relaxed(struct dkim_body *b, const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p;
	const unsigned char	*end = s + n;
	uint8_t			*o, *oend;
	int			 wsp;

	while (s < end) {
		if (!body_special[*s] && b->started && !b->cr) {
			/* locals: writes through o may alias *b */
			o = b->obuf + b->olen;
			oend = b->obuf + sizeof(b->obuf) - 1;
			wsp = b->wsp;
			do {
				if (!body_special[*s]) {
					if (o >= oend) {
						b->olen = (size_t)(o - b->obuf);
						body_flush(b);
						o = b->obuf;
					}
					if (wsp) {
						*o++ = ' ';
						wsp = 0;
					}
					*o++ = *s++;
				} else if (*s == ' ' || *s == '\t') {
					wsp = 1;
					s++;
				} else
					break;
			} while (s < end);
			b->olen = (size_t)(o - b->obuf);
			b->wsp = wsp;
			continue;
		}
		if (b->cr) {
			b->cr = 0;
			if (*s == '\n') {
				body_eol(b);
				s++;
				continue;
			}
			if (!b->started)
				body_start(b);
			if (b->wsp) {
				body_out(b, " ", 1);
				b->wsp = 0;
			}
			body_out(b, "\r", 1);
		}
		switch (*s) {
		case ' ':
		case '\t':
			b->wsp = 1;
			break;
		case '\n':
			body_eol(b);
			break;
		case '\r':
			b->cr = 1;
			break;
		default:
			if (!b->started)
				body_start(b);
			if (b->wsp) {
				body_out(b, " ", 1);
				b->wsp = 0;
			}
			body_out(b, (const char *)s, 1);
			break;
		}
		s++;
	}
}

void
dkim_body_update(struct dkim_body *b, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (b->canon == DKIM_CANON_SIMPLE)
		body_simple(b, p, n);
	else
		body_relaxed(b, p, n);
}

int
dkim_body_final(struct dkim_body *b)
{
	unsigned int	 len = 0;

	if (b->cr) {	/* a CR at the very end is data */
		b->cr = 0;
		if (!b->started)
			body_start(b);
		if (b->wsp) {
			body_out(b, " ", 1);
			b->wsp = 0;
		}
		body_out(b, "\r", 1);
	}
	if (b->started)		/* a last line without CRLF gets one */
		body_eol(b);
	/* trailing empty lines (nempty) are dropped */
	body_flush(b);
	if (b->canon == DKIM_CANON_SIMPLE && b->total == 0) {
		body_out(b, "\r\n", 2);	/* an empty body is CRLF */
		body_flush(b);
	}
	if (EVP_DigestFinal_ex(b->md, b->hash, &len) != 1 ||
	    len != DKIM_HASH_LEN)
		return (-1);
	return (0);
}

/*
 * relaxed header canonicalisation (3.4.2): the name lower-cased,
 * unfolded, WSP runs to one SP, WSP at the end of the value and around
 * the colon removed.
 */
static int
canon_header_relaxed(EVP_MD_CTX *md, const char *f, size_t len, int crlf)
{
	char		 buf[512];
	const char	*c;
	size_t		 i = 0, n = 0, colon;
	int		 wsp = 0, started = 0;

	colon = (c = memchr(f, ':', len)) == NULL ? len : (size_t)(c - f);
	/* the name, less the WSP before the colon */
	for (i = 0; i < colon; i++) {
		if (f[i] == ' ' || f[i] == '\t' || f[i] == '\r' ||
		    f[i] == '\n')
			continue;
		if (n == sizeof(buf)) {
			if (EVP_DigestUpdate(md, buf, n) != 1)
				return (-1);
			n = 0;
		}
		buf[n++] = (char)tolower((unsigned char)f[i]);
	}
	if (colon < len) {
		if (n == sizeof(buf)) {
			if (EVP_DigestUpdate(md, buf, n) != 1)
				return (-1);
			n = 0;
		}
		buf[n++] = ':';
	}
	for (i = colon + 1; i < len; i++) {
		if (f[i] == '\r' || f[i] == '\n')
			continue;	/* unfold */
		if (f[i] == ' ' || f[i] == '\t') {
			wsp = 1;
			continue;
		}
		if (n + 2 > sizeof(buf)) {
			if (EVP_DigestUpdate(md, buf, n) != 1)
				return (-1);
			n = 0;
		}
		if (wsp && started)
			buf[n++] = ' ';
		wsp = 0;
		started = 1;
		buf[n++] = f[i];
	}
	if (n + 2 > sizeof(buf)) {
		if (EVP_DigestUpdate(md, buf, n) != 1)
			return (-1);
		n = 0;
	}
	if (crlf) {
		buf[n++] = '\r';
		buf[n++] = '\n';
	}
	if (n > 0 && EVP_DigestUpdate(md, buf, n) != 1)
		return (-1);
	return (0);
}

int
dkim_canon_header(EVP_MD_CTX *md, enum dkim_canon canon, const char *f,
    size_t len, int crlf)
{
	if (canon == DKIM_CANON_RELAXED)
		return (canon_header_relaxed(md, f, len, crlf));
	/* simple: as it is, CRLF-ended as it is kept */
	if (!crlf && len >= 2 && f[len - 2] == '\r' && f[len - 1] == '\n')
		len -= 2;
	if (len > 0 && EVP_DigestUpdate(md, f, len) != 1)
		return (-1);
	return (0);
}
