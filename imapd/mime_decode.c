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
 * mime_decode.c -- content decoding: base64 and quoted-printable
 * (RFC 2045, lenient: bytes that do not belong are skipped or kept as
 * they are), RFC 2047 encoded-words in header values, and charsets to
 * UTF-8 (US-ASCII, UTF-8, ISO-8859-1 and windows-1252 by hand, others
 * through iconv(3), whose descriptors are cached).  mime_decode is the
 * BINARY fetch (RFC 3516).
 */

#include <sys/types.h>

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "buf.h"
#include "mime.h"
#include "mime_int.h"

#define ICONV_CACHE	24
#define B64_PAD		65
#define CHARSET_MAX	64

static const unsigned char b64[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26,
	['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31,
	['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41,
	['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46,
	['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51,
	['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61,
	['9'] = 62, ['+'] = 63, ['/'] = 64, ['='] = B64_PAD
};	/* value + 1; 0: not base64 */

void
mime_b64_decode(const char *s, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	unsigned char	*o;
	uint32_t	 acc = 0;
	int		 k = 0, v;

	buf_reserve(out, n / 4 * 3 + 3);
	o = (unsigned char *)out->s + out->len;
	while (p < end) {
		v = b64[*p++];
		if (v == 0)
			continue;
		if (v == B64_PAD) {	/* padding: flush what is there */
			if (k == 2)
				*o++ = (unsigned char)(acc >> 4);
			else if (k == 3) {
				*o++ = (unsigned char)(acc >> 10);
				*o++ = (unsigned char)(acc >> 2);
			}
			acc = 0;
			k = 0;
			continue;
		}
		acc = (acc << 6) | (uint32_t)(v - 1);
		if (++k == 4) {
			*o++ = (unsigned char)(acc >> 16);
			*o++ = (unsigned char)(acc >> 8);
			*o++ = (unsigned char)acc;
			acc = 0;
			k = 0;
		}
	}
	if (k == 2)
		*o++ = (unsigned char)(acc >> 4);
	else if (k == 3) {
		*o++ = (unsigned char)(acc >> 10);
		*o++ = (unsigned char)(acc >> 2);
	}
	out->len = (size_t)((char *)o - out->s);
	out->s[out->len] = '\0';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* hdr: RFC 2047 "Q" ('_' is a space) */
void
mime_qp_decode(const char *s, size_t n, struct buf *out, int hdr)
{
	const char	*p = s, *end = s + n, *q, *eq;
	char		*o;
	int		 h, l;

	buf_reserve(out, n);
	o = out->s + out->len;
	while (p < end) {
		eq = memchr(p, '=', (size_t)(end - p));
		q = eq == NULL ? end : eq;
		memcpy(o, p, (size_t)(q - p));
		if (hdr)
			for (; p < q; p++, o++)
				if (*o == '_')
					*o = ' ';
		o += q - p;
		p = q;
		if (p >= end)
			break;
		/* p at '=' */
		if (end - p >= 3 && (h = hexval((unsigned char)p[1])) >= 0 &&
		    (l = hexval((unsigned char)p[2])) >= 0) {
			*o++ = (char)(h << 4 | l);
			p += 3;
			continue;
		}
		for (q = p + 1; q < end && mime_is_wsp((unsigned char)*q); q++)
			;
		if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
			q++;
		if (q < end && *q == '\n') {
			p = q + 1;	/* soft line break */
			continue;
		}
		if (q == end) {
			p = end;
			continue;
		}
		*o++ = *p++;		/* a stray '=' stays */
	}
	out->len = (size_t)(o - out->s);
	out->s[out->len] = '\0';
}

static const unsigned short cp1252[32] = {
	0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178
};

static void
latin1_to_utf8(const char *s, size_t n, struct buf *out, int win)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char	*o;
	unsigned int	 c;
	size_t		 i;

	buf_reserve(out, n * 3);
	o = (unsigned char *)out->s + out->len;
	for (i = 0; i < n; i++) {
		c = p[i];
		if (c < 0x80) {
			*o++ = (unsigned char)c;
			continue;
		}
		if (win && c < 0xa0)
			c = cp1252[c - 0x80];
		if (c < 0x800) {
			*o++ = (unsigned char)(0xc0 | c >> 6);
			*o++ = (unsigned char)(0x80 | (c & 0x3f));
		} else {
			*o++ = (unsigned char)(0xe0 | c >> 12);
			*o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			*o++ = (unsigned char)(0x80 | (c & 0x3f));
		}
	}
	out->len = (size_t)((char *)o - out->s);
	out->s[out->len] = '\0';
}

struct iconv_slot {
	char	 name[CHARSET_MAX];
	iconv_t	 cd;
};

static struct iconv_slot iconv_cache[ICONV_CACHE];
static size_t	 iconv_used, iconv_pinned, iconv_rr;

static iconv_t
iconv_get(const char *charset)
{
	struct iconv_slot *s;
	size_t		 i;
	iconv_t		 cd;

	for (i = 0; i < ICONV_CACHE; i++)
		if (iconv_cache[i].name[0] != '\0' &&
		    strcasecmp(iconv_cache[i].name, charset) == 0) {
			if (iconv_cache[i].cd != (iconv_t)-1)
				(void)iconv(iconv_cache[i].cd, NULL, NULL,
				    NULL, NULL);
			return iconv_cache[i].cd;
		}
	cd = iconv_open("UTF-8", charset);
	/* the preloaded ones stay: they could not be opened again */
	if (iconv_used < ICONV_CACHE)
		s = &iconv_cache[iconv_used++];
	else
		s = &iconv_cache[iconv_pinned + iconv_rr++ %
		    (ICONV_CACHE - iconv_pinned)];
	if (s->name[0] != '\0' && s->cd != (iconv_t)-1)
		(void)iconv_close(s->cd);
	(void)strlcpy(s->name, charset, sizeof(s->name));
	s->cd = cd;
	return cd;
}

static void
iconv_run(iconv_t cd, const char *s, size_t n, struct buf *out)
{
	char	*in = (char *)(uintptr_t)s, *o;
	size_t	 left = n, room;

	while (left > 0) {
		buf_reserve(out, left * 2 + 16);
		o = out->s + out->len;
		room = out->cap - out->len - 1;
		if (iconv(cd, &in, &left, &o, &room) != (size_t)-1) {
			out->len = (size_t)(o - out->s);
			break;
		}
		out->len = (size_t)(o - out->s);
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL)	/* cut short at the end */
			break;
		buf_addc(out, '?');	/* EILSEQ: skip the byte */
		in++;
		left--;
		(void)iconv(cd, NULL, NULL, NULL, NULL);
	}
	out->s[out->len] = '\0';
}

void
mime_charset_preload(void)
{
	static const char *const preload[] = {
		"iso-8859-2", "iso-8859-15", "windows-1250", "windows-1251",
		"koi8-r", "koi8-u", "iso-2022-jp", "shift_jis", "euc-jp",
		"euc-kr", "gb2312", "gbk", "gb18030", "big5", "utf-16",
		"iso-8859-7", "iso-8859-9", "windows-1256"
	};
	size_t	 i;

	for (i = 0; i < sizeof(preload) / sizeof(preload[0]); i++)
		(void)iconv_get(preload[i]);
	iconv_pinned = iconv_used;
}

int
mime_to_utf8(const char *charset, const char *s, size_t n, struct buf *out)
{
	iconv_t	 cd;

	if (charset == NULL || *charset == '\0' ||
	    strcasecmp(charset, "us-ascii") == 0 ||
	    strcasecmp(charset, "utf-8") == 0 ||
	    strcasecmp(charset, "utf8") == 0 ||
	    strlen(charset) >= CHARSET_MAX) {
		buf_add(out, s, n);
		return charset == NULL || strlen(charset) < CHARSET_MAX ? 0 :
		    -1;
	}
	if (strcasecmp(charset, "iso-8859-1") == 0 ||
	    strcasecmp(charset, "latin1") == 0 ||
	    strcasecmp(charset, "iso_8859-1") == 0) {
		latin1_to_utf8(s, n, out, 0);
		return 0;
	}
	if (strcasecmp(charset, "windows-1252") == 0 ||
	    strcasecmp(charset, "cp1252") == 0) {
		latin1_to_utf8(s, n, out, 1);
		return 0;
	}
	if ((cd = iconv_get(charset)) == (iconv_t)-1) {
		buf_add(out, s, n);
		return -1;
	}
	iconv_run(cd, s, n, out);
	return 0;
}

/* =?charset?e?text?= at p: its end (after "?="), or NULL */
static const char *
encoded_word(const char *p, const char *end, struct buf *tmp,
    struct buf *out)
{
	const char	*cs, *cse, *enc, *txt, *q;
	char		 charset[CHARSET_MAX];
	size_t		 cl;

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return NULL;
	cs = p + 2;
	for (q = cs; q < end && *q != '?'; q++)
		if (mime_is_wsp((unsigned char)*q) || *q == '\n')
			return NULL;
	if (end - q < 4 || q == cs)
		return NULL;
	cse = q;
	enc = q + 1;
	if (enc[1] != '?' || strchr("bBqQ", *enc) == NULL || *enc == '\0')
		return NULL;
	txt = enc + 2;
	for (q = txt; q + 1 < end && !(q[0] == '?' && q[1] == '='); q++)
		if (mime_is_wsp((unsigned char)*q) || *q == '\n')
			return NULL;
	if (q + 1 >= end)
		return NULL;
	cl = (size_t)(cse - cs);
	if (cl >= sizeof(charset))
		return NULL;
	memcpy(charset, cs, cl);
	charset[cl] = '\0';
	charset[strcspn(charset, "*")] = '\0';	/* RFC 2231 language */
	if (out == NULL)
		return q + 2;
	buf_reset(tmp);
	if (*enc == 'b' || *enc == 'B')
		mime_b64_decode(txt, (size_t)(q - txt), tmp);
	else
		mime_qp_decode(txt, (size_t)(q - txt), tmp, 1);
	(void)mime_to_utf8(charset, tmp->s, tmp->len, out);
	return q + 2;
}

void
mime_header_decode(const char *s, size_t n, struct buf *out)
{
	const char	*p = s, *end = s + n, *e, *ws;
	struct buf	 tmp;
	int		 after_word = 0;

	buf_init(&tmp);
	buf_reserve(out, n);
	while (p < end) {
		if (*p == '=' && (e = encoded_word(p, end, &tmp, out)) !=
		    NULL) {
			p = e;
			after_word = 1;
			continue;
		}
		if (mime_is_wsp((unsigned char)*p) || *p == '\r' ||
		    *p == '\n') {
			for (ws = p; p < end && (mime_is_wsp((unsigned char)*p)
			    || *p == '\r' || *p == '\n'); p++)
				;
			/* white space between two encoded-words goes */
			if (after_word && p + 1 < end && p[0] == '=' &&
			    p[1] == '?' && encoded_word(p, end, &tmp, NULL) !=
			    NULL)
				continue;
			for (; ws < p; ws++)
				if (*ws != '\r' && *ws != '\n')
					buf_addc(out, *ws);
			after_word = 0;
			continue;
		}
		buf_addc(out, *p++);
		after_word = 0;
	}
	buf_free(&tmp);
}

int
mime_decode(const char *msg, const struct mime_part *part, struct buf *out)
{
	const char	*body = msg + part->body_off;
	const char	*enc = part->encoding;
	struct buf	 tmp;

	if (enc == NULL || strcasecmp(enc, "7bit") == 0 ||
	    strcasecmp(enc, "8bit") == 0)
		mime_add_crlf(out, body, part->body_len);
	else if (strcasecmp(enc, "binary") == 0)
		buf_add(out, body, part->body_len);
	else if (strcasecmp(enc, "base64") == 0)
		mime_b64_decode(body, part->body_len, out);
	else if (strcasecmp(enc, "quoted-printable") == 0) {
		buf_init(&tmp);
		mime_qp_decode(body, part->body_len, &tmp, 0);
		mime_add_crlf(out, tmp.s, tmp.len);
		buf_free(&tmp);
	} else
		return -1;
	return 0;
}
