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
 * imap_utf7.c -- mailbox names in IMAP4rev1's modified UTF-7 (RFC 3501
 * 5.1.3) to and from UTF-8, and the UTF-8 validity check (imap_parse.h).
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "imap_parse.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int	utf8_decode(const unsigned char *, size_t, uint32_t *);
static void	utf8_put(struct buf *, uint32_t);
static int	b64_value(char);
static int	mutf7_run(const char **, struct buf *);
struct b64out;
static void	mutf7_put(struct buf *, struct b64out *, uint32_t);

/* one code point: its length in bytes, or -1 (overlong, surrogate...) */
static int
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	 c, min;
	int		 n, i;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return -1;
	if ((size_t)n > len)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return n;
}

int
imap_utf8_valid(const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 i;
	int		 n;

	for (i = 0; i < len; i += (size_t)n)
		if ((n = utf8_decode((const unsigned char *)s + i, len - i,
		    &cp)) == -1)
			return 0;
	return 1;
}

static void
utf8_put(struct buf *b, uint32_t c)
{
	if (c < 0x80)
		buf_addc(b, (char)c);
	else if (c < 0x800) {
		buf_addc(b, (char)(0xc0 | (c >> 6)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(b, (char)(0xe0 | (c >> 12)));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | (c >> 18)));
		buf_addc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

static int
b64_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

/* "&...-" after the '&': UTF-16 in modified base64 */
static int
mutf7_run(const char **sp, struct buf *out)
{
	const char	*s = *sp;
	uint32_t	 bits = 0, hi = 0, u;
	int		 nbits = 0, v, units = 0;

	for (; *s != '-'; s++) {
		if ((v = b64_value(*s)) == -1)
			return -1;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		u = (bits >> nbits) & 0xffff;
		bits &= (1U << nbits) - 1;
		units++;
		if (hi != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			utf8_put(out, 0x10000 + ((hi - 0xd800) << 10) +
			    (u - 0xdc00));
			hi = 0;
		} else if (u >= 0xd800 && u <= 0xdbff)
			hi = u;
		else if ((u >= 0xdc00 && u <= 0xdfff) ||
		    (u >= 0x20 && u <= 0x7e))
			return -1;	/* lone low surrogate, or ASCII */
		else
			utf8_put(out, u);
	}
	if (units == 0 || hi != 0 || nbits >= 6 || bits != 0)
		return -1;
	*sp = s + 1;
	return 0;
}

int
imap_mutf7_to_utf8(const char *s, struct buf *out)
{
	while (*s != '\0') {
		if (*s == '&') {
			s++;
			if (*s == '-') {
				buf_addc(out, '&');
				s++;
			} else if (mutf7_run(&s, out) == -1)
				return -1;
		} else if ((unsigned char)*s >= 0x20 &&
		    (unsigned char)*s <= 0x7e)
			buf_addc(out, *s++);
		else
			return -1;
	}
	if (out->s == NULL)
		buf_add(out, "", 0);
	return 0;
}

struct b64out {
	uint32_t	 bits;
	int		 nbits;
};

static void
mutf7_put(struct buf *b, struct b64out *o, uint32_t u)
{
	o->bits = (o->bits << 16) | u;
	o->nbits += 16;
	while (o->nbits >= 6) {
		o->nbits -= 6;
		buf_addc(b, b64[(o->bits >> o->nbits) & 0x3f]);
	}
	o->bits &= (1U << o->nbits) - 1;
}

void
imap_utf8_to_mutf7(const char *s, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0;
	struct b64out		 o;
	uint32_t		 cp;
	int			 l;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] <= 0x7e) {
			if (p[i] == '&')
				buf_adds(out, "&-");
			else
				buf_addc(out, (char)p[i]);
			i++;
			continue;
		}
		/* a run of others, as UTF-16 in one "&...-" */
		memset(&o, 0, sizeof(o));
		buf_addc(out, '&');
		while (i < len && !(p[i] >= 0x20 && p[i] <= 0x7e)) {
			if ((l = utf8_decode(p + i, len - i, &cp)) == -1) {
				cp = 0xfffd;
				l = 1;
			}
			i += (size_t)l;
			if (cp >= 0x10000) {
				cp -= 0x10000;
				mutf7_put(out, &o, 0xd800 + (cp >> 10));
				mutf7_put(out, &o, 0xdc00 + (cp & 0x3ff));
			} else
				mutf7_put(out, &o, cp);
		}
		if (o.nbits > 0)
			buf_addc(out, b64[(o.bits << (6 - o.nbits)) & 0x3f]);
		buf_addc(out, '-');
	}
	if (out->s == NULL)
		buf_add(out, "", 0);
}
