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
 * buf.c -- growable byte buffer and IMAP string encoding (buf.h).
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "buf.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

void
buf_reserve(struct buf *b, size_t n)
{
	size_t	 need, cap;

	if (n > SIZE_MAX - b->len - 1)
		fatalx("buf_reserve: overflow");
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 aq;
	int	 n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		fatalx("buf_vaddf: bad format");
	buf_reserve(b, (size_t)n);
	(void)vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
buf_addu64(struct buf *b, uint64_t v)
{
	char	 tmp[24];
	size_t	 i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

char *
buf_steal(struct buf *b, size_t *lenp)
{
	char	*s;

	if (b->s == NULL)
		buf_reserve(b, 0);
	b->s[b->len] = '\0';
	s = b->s;
	if (lenp != NULL)
		*lenp = b->len;
	memset(b, 0, sizeof(*b));
	return s;
}

void
buf_add_literal(struct buf *b, const char *s, size_t n)
{
	buf_addc(b, '{');
	buf_addu64(b, n);
	buf_add(b, "}\r\n", 3);
	buf_add(b, s, n);
}

void
buf_add_quoted(struct buf *b, const char *s, size_t n, int utf8)
{
	size_t	 i, extra = 0;
	unsigned char c;

	if (n > 1024)
		goto literal;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\0' || c == '\r' || c == '\n')
			goto literal;
		if (c >= 0x80 && !utf8)
			goto literal;
		if (c == '"' || c == '\\')
			extra++;
	}
	buf_reserve(b, n + extra + 2);
	b->s[b->len++] = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			b->s[b->len++] = '\\';
		b->s[b->len++] = s[i];
	}
	b->s[b->len++] = '"';
	b->s[b->len] = '\0';
	return;
 literal:
	buf_add_literal(b, s, n);
}

void
buf_add_nstring(struct buf *b, const char *s, size_t n, int utf8)
{
	if (s == NULL)
		buf_add(b, "NIL", 3);
	else
		buf_add_quoted(b, s, n, utf8);
}

static int
is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	switch (c) {
	case '(': case ')': case '{': case '%': case '*': case '"':
	case '\\': case ']':
		return 0;
	}
	return 1;
}

void
buf_add_astring(struct buf *b, const char *s, size_t n, int utf8)
{
	size_t	 i;

	if (n == 0 || (n == 3 && strncasecmp(s, "NIL", 3) == 0))
		goto quoted;
	for (i = 0; i < n; i++)
		if (!is_atom_char((unsigned char)s[i]))
			goto quoted;
	buf_add(b, s, n);
	return;
 quoted:
	buf_add_quoted(b, s, n, utf8);
}
