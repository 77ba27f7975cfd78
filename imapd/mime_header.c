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
 * mime_header.c -- header blocks of RFC 5322 messages: the field
 * iterator (lenient: a line without a colon is skipped, a header without
 * a blank line ends with the data), unfolding, the line-end arithmetic
 * IMAP needs (sizes as if every line ended in CRLF), mime_header_get.
 */

#include <sys/types.h>

#include <string.h>

#include "util.h"

#include "buf.h"
#include "mime.h"
#include "mime_int.h"

char *
mime_strndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
mime_is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) equals the NUL-terminated lit, ASCII case ignored */
int
mime_strcaseeq(const char *s, size_t n, const char *lit)
{
	size_t	 i;
	unsigned char a, b;

	for (i = 0; i < n; i++) {
		if (lit[i] == '\0')
			return 0;
		a = (unsigned char)s[i];
		b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return lit[n] == '\0';
}

void
hdr_iter_init(struct hdr_iter *it, const char *p, size_t n)
{
	it->p = p;
	it->end = p + n;
}

/* the end of the line at p: after its LF, or end */
static const char *
line_next(const char *p, const char *end)
{
	const char	*lf;

	lf = memchr(p, '\n', (size_t)(end - p));
	return lf == NULL ? end : lf + 1;
}

static int
line_blank(const char *p, const char *end)
{
	if (p < end && *p == '\n')
		return 1;
	return end - p >= 2 && p[0] == '\r' && p[1] == '\n';
}

/* the line [p, e) without its line end */
static const char *
line_stripped_end(const char *p, const char *e)
{
	if (e > p && e[-1] == '\n')
		e--;
	if (e > p && e[-1] == '\r')
		e--;
	return e;
}

int
hdr_iter_next(struct hdr_iter *it, struct hdr_field *f)
{
	const char	*p, *e, *colon;

	for (;;) {
		p = it->p;
		if (p >= it->end || line_blank(p, it->end))
			return 0;
		e = line_next(p, it->end);
		while (e < it->end && mime_is_wsp((unsigned char)*e))
			e = line_next(e, it->end);
		it->p = e;
		if (mime_is_wsp((unsigned char)*p))
			continue;	/* a continuation without a field */
		colon = memchr(p, ':', (size_t)(e - p));
		if (colon == NULL || colon == p)
			continue;	/* not a field: skipped */
		f->name = p;
		f->namelen = (size_t)(colon - p);
		while (f->namelen > 0 &&
		    mime_is_wsp((unsigned char)p[f->namelen - 1]))
			f->namelen--;
		if (f->namelen == 0 ||
		    memchr(p, '\n', (size_t)(colon - p)) != NULL)
			continue;
		f->value = colon + 1;
		f->valuelen = (size_t)(line_stripped_end(f->value, e) -
		    f->value);
		f->line = p;
		f->linelen = (size_t)(e - p);
		return 1;
	}
}

int
hdr_name_is(const struct hdr_field *f, const char *name)
{
	return mime_strcaseeq(f->name, f->namelen, name);
}

void
hdr_unfold(const char *s, size_t n, struct buf *out)
{
	size_t	 i, start = out->len;

	while (n > 0 && (mime_is_wsp((unsigned char)*s) || *s == '\r' ||
	    *s == '\n')) {
		s++;
		n--;
	}
	buf_reserve(out, n);
	for (i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			out->s[out->len++] = s[i];
	while (out->len > start && (mime_is_wsp((unsigned char)
	    out->s[out->len - 1])))
		out->len--;
	out->s[out->len] = '\0';
}

size_t
hdr_block_len(const char *p, size_t n)
{
	const char	*q = p, *end = p + n;

	while (q < end) {
		if (line_blank(q, end))
			return (size_t)(line_next(q, end) - p);
		q = line_next(q, end);
	}
	return n;
}

size_t
mime_count_lf(const char *p, size_t n)
{
	const char	*end = p + n, *lf;
	size_t		 c = 0;

	while (p < end && (lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p = lf + 1;
	}
	return c;
}

size_t
mime_bare_lf(const char *p, size_t n)
{
	const char	*s = p, *end = p + n, *lf;
	size_t		 c = 0;

	while (s < end && (lf = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		if (lf == p || lf[-1] != '\r')
			c++;
		s = lf + 1;
	}
	return c;
}

void
mime_add_crlf(struct buf *out, const char *p, size_t n)
{
	const char	*s = p, *end = p + n, *lf;

	buf_reserve(out, n + n / 16);
	while (s < end && (lf = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		if (lf == p || lf[-1] != '\r') {
			buf_add(out, s, (size_t)(lf - s));
			buf_add(out, "\r\n", 2);
		} else
			buf_add(out, s, (size_t)(lf + 1 - s));
		s = lf + 1;
	}
	buf_add(out, s, (size_t)(end - s));
}

int
mime_header_get(const char *hdr, size_t len, const char *name,
    struct buf *out)
{
	struct hdr_iter	 it;
	struct hdr_field f;

	hdr_iter_init(&it, hdr, len);
	while (hdr_iter_next(&it, &f)) {
		if (hdr_name_is(&f, name)) {
			hdr_unfold(f.value, f.valuelen, out);
			return 1;
		}
	}
	return 0;
}
