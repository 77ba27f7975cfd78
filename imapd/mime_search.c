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
 * mime_search.c -- SEARCH TEXT, BODY and header keys on a message.
 * Every leaf part is decoded (base64, quoted-printable), text parts are
 * converted to UTF-8 from their charset, attachments are searched in
 * their decoded bytes; header values are RFC 2047-decoded.  Matching is
 * case-insensitive for ASCII and the Latin letters of U+00C0..U+017F:
 * haystack and needle are folded the same way, then memmem(3).  The
 * scratch buffers live across calls (one session, one thread), so a
 * folder scan does not allocate per message.
 */

#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_int.h"

#define SCRATCH_KEEP	(4 * 1024 * 1024)	/* bigger is freed after */

static struct buf	 s_dec, s_conv, s_fold, s_needle;

static const unsigned char lower[256] = {
#define R8(a) (a), (a) + 1, (a) + 2, (a) + 3, (a) + 4, (a) + 5, (a) + 6, \
	(a) + 7
	R8(0), R8(8), R8(16), R8(24), R8(32), R8(40), R8(48), R8(56),
	64, R8(97), R8(105), R8(113), 121, 122, 91, 92, 93, 94, 95,
	R8(96), R8(104), R8(112), R8(120),
	R8(128), R8(136), R8(144), R8(152), R8(160), R8(168), R8(176),
	R8(184), R8(192), R8(200), R8(208), R8(216), R8(224), R8(232),
	R8(240), R8(248)
#undef R8
};

/* a code point of U+00C0..U+017F lower-cased */
static unsigned int
latin_lower(unsigned int cp)
{
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 0x20;
	if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14a && cp <= 0x177))
		return cp | 1;
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return (cp & 1) ? cp + 1 : cp;
	if (cp == 0x178)
		return 0xff;
	return cp;
}

void
mime_fold(const char *s, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char	*o;
	unsigned int	 cp;
	size_t		 i;

	buf_reserve(out, n);
	o = (unsigned char *)out->s + out->len;
	for (i = 0; i < n; i++) {
		if (p[i] < 0xc3 || p[i] > 0xc5 || i + 1 >= n ||
		    (p[i + 1] & 0xc0) != 0x80) {
			*o++ = lower[p[i]];
			continue;
		}
		cp = latin_lower(((p[i] & 0x1fU) << 6) | (p[i + 1] & 0x3fU));
		*o++ = (unsigned char)(0xc0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
		i++;
	}
	out->len = (size_t)((char *)o - out->s);
	out->s[out->len] = '\0';
}

static int
folded_has(const char *s, size_t n)
{
	buf_reset(&s_fold);
	mime_fold(s, n, &s_fold);
	return memmem(s_fold.s, s_fold.len, s_needle.s, s_needle.len) !=
	    NULL;
}

/* a header block, each field decoded: "name: value\n" */
static int
search_headers(const char *hdr, size_t len)
{
	struct hdr_iter	 it;
	struct hdr_field f;

	buf_reset(&s_conv);
	hdr_iter_init(&it, hdr, len);
	while (hdr_iter_next(&it, &f)) {
		buf_add(&s_conv, f.name, f.namelen);
		buf_add(&s_conv, ": ", 2);
		mime_header_decode(f.value, f.valuelen, &s_conv);
		buf_addc(&s_conv, '\n');
	}
	return s_conv.len > 0 && folded_has(s_conv.s, s_conv.len);
}

static int
search_leaf(const char *msg, const struct mime_part *p)
{
	const char	*s = msg + p->body_off, *enc = p->encoding;
	const char	*charset;
	size_t		 n = p->body_len;

	if (enc != NULL && strcasecmp(enc, "base64") == 0) {
		buf_reset(&s_dec);
		mime_b64_decode(s, n, &s_dec);
		s = s_dec.s;
		n = s_dec.len;
	} else if (enc != NULL && strcasecmp(enc, "quoted-printable") == 0) {
		buf_reset(&s_dec);
		mime_qp_decode(s, n, &s_dec, 0);
		s = s_dec.s;
		n = s_dec.len;
	}
	if (strcasecmp(p->type, "text") == 0 &&
	    (charset = mime_param(p->params, p->nparams, "charset")) !=
	    NULL && strcasecmp(charset, "utf-8") != 0 &&
	    strcasecmp(charset, "us-ascii") != 0) {
		buf_reset(&s_conv);
		(void)mime_to_utf8(charset, s, n, &s_conv);
		s = s_conv.s;
		n = s_conv.len;
	}
	return n > 0 && folded_has(s, n);
}

static int
search_part(const char *msg, const struct mime_part *p, int body_only,
    int top)
{
	const struct mime_part	*c;

	if (!top && !body_only && search_headers(msg + p->hdr_off,
	    p->hdr_len))
		return 1;
	if (p->message != NULL) {
		if (search_headers(msg + p->message->hdr_off,
		    p->message->hdr_len))
			return 1;
		return search_part(msg, p->message, body_only, 1);
	}
	if (p->children != NULL) {
		for (c = p->children; c != NULL; c = c->next)
			if (search_part(msg, c, body_only, 0))
				return 1;
		return 0;
	}
	return search_leaf(msg, p);
}

static void
scratch_trim(void)
{
	struct buf	*b[] = { &s_dec, &s_conv, &s_fold };
	size_t		 i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (b[i]->cap > SCRATCH_KEEP)
			buf_free(b[i]);
}

int
mime_search_text(const char *msg, size_t len, const struct mime_part *root,
    const char *needle, size_t needlelen, int body_only)
{
	int	 found;

	if (needlelen == 0)
		return 1;
	buf_reset(&s_needle);
	mime_fold(needle, needlelen, &s_needle);
	found = (!body_only && search_headers(msg + root->hdr_off,
	    root->hdr_len)) || search_part(msg, root, body_only, 1);
	scratch_trim();
	(void)len;
	return found;
}

int
mime_search_header(const char *hdr, size_t len, const char *field,
    const char *needle, size_t needlelen)
{
	struct hdr_iter	 it;
	struct hdr_field f;

	buf_reset(&s_needle);
	mime_fold(needle, needlelen, &s_needle);
	hdr_iter_init(&it, hdr, len);
	while (hdr_iter_next(&it, &f)) {
		if (!hdr_name_is(&f, field))
			continue;
		if (needlelen == 0)
			return 1;
		buf_reset(&s_conv);
		mime_header_decode(f.value, f.valuelen, &s_conv);
		if (s_conv.len > 0 && folded_has(s_conv.s, s_conv.len))
			return 1;
	}
	return 0;
}
