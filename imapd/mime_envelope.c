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
 * mime_envelope.c -- the IMAP ENVELOPE of a header (RFC 3501 7.4.2,
 * RFC 9051 7.5.2) and the RFC 5322 address-list parser behind it (also
 * used by SORT).  Lenient as Dovecot's message-address.c: what cannot be
 * an address still gives one, with MISSING_MAILBOX / MISSING_DOMAIN
 * where a part is absent; a comment after a bare address is its name.
 * Strings are as written (encoded-words are not decoded here).
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "buf.h"
#include "mime.h"
#include "mime_int.h"

#define ADDR_TOKENS_MAX	4096

struct atok {
	int		 type;	/* 'a'tom 'q'uoted 'd'omain-literal 'c'omment,
				 * 'u'nterminated comment, or one of <>@,;: */
	const char	*s;	/* quoted: inside the quotes, escaped */
	size_t		 n;
	int		 ws;	/* white space before it */
};

static int
is_special(int c)
{
	return c == '<' || c == '>' || c == '@' || c == ',' || c == ';' ||
	    c == ':';
}

/* the end of a "..." or (...) or [...] starting at p */
static const char *
delimited_end(const char *p, const char *end, char open, char close)
{
	int	 depth = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end) {
			p++;
			continue;
		}
		if (*p == close && (open == close || --depth == 0))
			return p;
		if (*p == open && open != close)
			depth++;
	}
	return end;
}

static size_t
tokenize(const char *p, size_t len, struct atok *t, size_t max)
{
	const char	*end = p + len, *e;
	size_t		 n = 0;
	int		 ws;

	while (n < max) {
		ws = 0;
		while (p < end && (mime_is_wsp((unsigned char)*p) ||
		    *p == '\r' || *p == '\n')) {
			p++;
			ws = 1;
		}
		if (p >= end)
			break;
		t[n].ws = ws;
		if (*p == '"' || *p == '(') {
			if (*p == '"')
				e = delimited_end(p + 1, end, '"', '"');
			else	/* nested: count the opening one */
				e = delimited_end(p, end, '(', ')');
			t[n].type = *p == '"' ? 'q' : 'c';
			if (*p == '(' && e == end)	/* unterminated */
				t[n].type = 'u';
			t[n].s = p + 1;
			t[n].n = (size_t)(e - p - 1);
			p = e < end ? e + 1 : end;
		} else if (*p == '[') {
			e = delimited_end(p, end, '[', ']');
			t[n].type = 'd';
			t[n].s = p;
			t[n].n = (size_t)((e < end ? e + 1 : end) - p);
			p = e < end ? e + 1 : end;
		} else if (is_special((unsigned char)*p)) {
			t[n].type = (unsigned char)*p;
			t[n].s = p++;
			t[n].n = 1;
		} else {
			t[n].type = 'a';
			t[n].s = p;
			while (p < end && !is_special((unsigned char)*p) &&
			    !mime_is_wsp((unsigned char)*p) && *p != '"' &&
			    *p != '(' && *p != '[' && *p != '\r' && *p != '\n')
				p++;
			t[n].n = (size_t)(p - t[n].s);
		}
		n++;
	}
	return n;
}

/* a token's text appended: quoted strings and comments unescaped */
static void
tok_add(struct buf *b, const struct atok *t)
{
	size_t	 i;

	if (t->type != 'q' && t->type != 'c') {
		buf_add(b, t->s, t->n);
		return;
	}
	buf_reserve(b, t->n);
	for (i = 0; i < t->n; i++) {
		if (t->s[i] == '\\' && i + 1 < t->n)
			i++;
		b->s[b->len++] = t->s[i];
	}
	b->s[b->len] = '\0';
}

struct addr {
	struct buf	 name, adl, mbox, host;
	int		 has_name, has_mbox, has_host;
	size_t		 last_comment;	/* index + 1 */
};

static void
addr_reset(struct addr *a)
{
	buf_reset(&a->name);
	buf_reset(&a->adl);
	buf_reset(&a->mbox);
	buf_reset(&a->host);
	a->has_name = a->has_mbox = a->has_host = 0;
	a->last_comment = 0;
}

static void
addr_free(struct addr *a)
{
	buf_free(&a->name);
	buf_free(&a->adl);
	buf_free(&a->mbox);
	buf_free(&a->host);
}

/* words of [i, j) as a phrase: one space where the source had space */
static size_t
phrase(const struct atok *t, size_t i, size_t j, struct buf *b,
    size_t *comment)
{
	size_t	 words = 0;

	for (; i < j; i++) {
		if (t[i].type == 'c') {
			if (comment != NULL)
				*comment = i + 1;
			continue;
		}
		if (words > 0 && t[i].ws)
			buf_addc(b, ' ');
		tok_add(b, &t[i]);
		words++;
	}
	return words;
}

static void
out_str(struct buf *out, const struct buf *b, int has, const char *missing,
    int utf8)
{
	if (has)
		buf_add_quoted(out, b->s == NULL ? "" : b->s, b->len, utf8);
	else if (missing != NULL)
		buf_add_quoted(out, missing, strlen(missing), utf8);
	else
		buf_add(out, "NIL", 3);
}

static void
addr_out(struct buf *out, struct addr *a, const struct atok *t, int utf8)
{
	if (!a->has_name && a->last_comment > 0 &&
	    t[a->last_comment - 1].n > 0) {
		tok_add(&a->name, &t[a->last_comment - 1]);
		a->has_name = 1;
	}
	buf_addc(out, '(');
	out_str(out, &a->name, a->has_name && a->name.len > 0, NULL, utf8);
	buf_addc(out, ' ');
	out_str(out, &a->adl, a->adl.len > 0, NULL, utf8);
	buf_addc(out, ' ');
	out_str(out, &a->mbox, a->has_mbox, "MISSING_MAILBOX", utf8);
	buf_addc(out, ' ');
	out_str(out, &a->host, a->host.len > 0,
	    "MISSING_DOMAIN", utf8);
	buf_addc(out, ')');
}

/* tokens [i, ...) up to one of stop, appended raw; the index after */
static size_t
collect(const struct atok *t, size_t i, size_t n, const char *stop,
    struct buf *b, int *any, size_t *comment)
{
	for (; i < n && strchr(stop, t[i].type) == NULL; i++) {
		if (t[i].type == 'c' || t[i].type == 'u') {
			*comment = i + 1;
			continue;
		}
		tok_add(b, &t[i]);
		*any = 1;
	}
	return i;
}

/* <[@route,@route:]local@domain>, i after the '<' */
static size_t
angle_addr(const struct atok *t, size_t i, size_t n, struct addr *a)
{
	size_t	 dummy = 0;

	if (i < n && t[i].type == '@') {
		while (i < n && t[i].type != ':' && t[i].type != '>') {
			/* @a@b is written @a,@b as Dovecot does */
			if (t[i].type == '@' && a->adl.len > 0 &&
			    a->adl.s[a->adl.len - 1] != ',')
				buf_addc(&a->adl, ',');
			if (t[i].type != 'c')
				tok_add(&a->adl, &t[i]);
			i++;
		}
		if (i < n && t[i].type == ':')
			i++;
	}
	i = collect(t, i, n, "@>", &a->mbox, &a->has_mbox, &dummy);
	if (i < n && t[i].type == '@')
		i = collect(t, i + 1, n, ">", &a->host, &a->has_host, &dummy);
	if (i < n && t[i].type == '>')
		i++;
	return i;
}

static size_t	parse_address(const struct atok *, size_t, size_t, int,
		    struct addr *, struct buf *, size_t *, int);

static size_t
parse_group(const struct atok *t, size_t i, size_t j, size_t n,
    struct addr *a, struct buf *out, size_t *count, int utf8)
{
	addr_reset(a);
	phrase(t, i, j, &a->mbox, NULL);
	buf_add(out, "(NIL NIL ", 9);
	buf_add_quoted(out, a->mbox.s == NULL ? "" : a->mbox.s, a->mbox.len,
	    utf8);
	buf_add(out, " NIL)", 5);
	(*count)++;
	i = j + 1;
	while (i < n && t[i].type != ';') {
		if (t[i].type == ',' || t[i].type == ':' || t[i].type == '>')
			i++;
		else
			i = parse_address(t, i, n, 1, a, out, count, utf8);
	}
	if (i < n)
		i++;
	buf_add(out, "(NIL NIL NIL NIL)", 17);
	return i;
}

static size_t
parse_address(const struct atok *t, size_t i, size_t n, int in_group,
    struct addr *a, struct buf *out, size_t *count, int utf8)
{
	size_t	 j, words, comment = 0;
	int	 angle = 0;

	for (j = i; j < n && (t[j].type == 'a' || t[j].type == 'q' ||
	    t[j].type == 'c' || t[j].type == 'd'); j++)
		;
	if (j < n && t[j].type == 'u') {
		/* an unterminated comment spoils the rest (as Dovecot) */
		addr_reset(a);
		addr_out(out, a, t, utf8);
		(*count)++;
		return n;
	}
	if (j < n && t[j].type == ':' && !in_group)
		return parse_group(t, i, j, n, a, out, count, utf8);
	addr_reset(a);
	if (j < n && t[j].type == '<') {
		phrase(t, i, j, &a->name, NULL);
		a->has_name = a->name.len > 0;
		j = angle_addr(t, j + 1, n, a);
		angle = 1;
	} else if (j < n && t[j].type == '@') {
		j = collect(t, i, j, "", &a->mbox, &a->has_mbox, &comment);
		j = collect(t, j + 1, n, ",;<>", &a->host, &a->has_host,
		    &comment);
		a->last_comment = comment;
	} else {
		words = phrase(t, i, j, &a->name, &comment);
		if (words == 0 && j == i)
			return j + 1;	/* a stray '>' or ':' */
		if (words == 1 && (j - i == 1 || comment != 0) &&
		    memchr(a->name.s, ' ', a->name.len) == NULL) {
			buf_add(&a->mbox, a->name.s, a->name.len);
			buf_reset(&a->name);
			a->has_mbox = 1;
			a->last_comment = comment;
		} else
			a->has_name = 1;
	}
	/* junk up to the next address */
	while (j < n && t[j].type != ',' && t[j].type != ';')
		j++;
	if (angle || a->has_mbox || a->has_host || a->has_name ||
	    a->adl.len > 0 || a->last_comment > 0) {
		addr_out(out, a, t, utf8);
		(*count)++;
	}
	return j;
}

/* an address-list value as an IMAP list of addresses, or NIL */
static void
address_list(const char *v, size_t len, struct buf *out, int utf8)
{
	struct atok	*t;
	struct addr	 a;
	struct buf	 tmp;
	size_t		 n, i = 0, count = 0;

	t = xreallocarray(NULL, len < ADDR_TOKENS_MAX ? len + 1 :
	    ADDR_TOKENS_MAX, sizeof(*t));
	n = tokenize(v, len, t, len < ADDR_TOKENS_MAX ? len + 1 :
	    ADDR_TOKENS_MAX);
	memset(&a, 0, sizeof(a));
	buf_init(&tmp);
	while (i < n) {
		if (t[i].type == ',' || t[i].type == ';')
			i++;
		else
			i = parse_address(t, i, n, 0, &a, &tmp, &count, utf8);
	}
	if (count == 0)
		buf_add(out, "NIL", 3);
	else {
		buf_addc(out, '(');
		buf_add(out, tmp.s, tmp.len);
		buf_addc(out, ')');
	}
	buf_free(&tmp);
	addr_free(&a);
	free(t);
}

enum env_field {
	ENV_DATE, ENV_SUBJECT, ENV_FROM, ENV_SENDER, ENV_REPLY_TO, ENV_TO,
	ENV_CC, ENV_BCC, ENV_IN_REPLY_TO, ENV_MESSAGE_ID, ENV_N
};

static const char *const env_names[ENV_N] = {
	"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
	"in-reply-to", "message-id"
};

static void
env_string(struct buf *out, const struct hdr_field *f, struct buf *tmp,
    int utf8)
{
	if (f->name == NULL) {
		buf_add(out, "NIL", 3);
		return;
	}
	buf_reset(tmp);
	hdr_unfold(f->value, f->valuelen, tmp);
	buf_add_quoted(out, tmp->s, tmp->len, utf8);
}

static void
env_addresses(struct buf *out, const struct hdr_field *f,
    const struct hdr_field *dflt, struct buf *tmp, int utf8)
{
	size_t	 start = out->len;

	if (f->name != NULL) {
		buf_reset(tmp);
		hdr_unfold(f->value, f->valuelen, tmp);
		address_list(tmp->s, tmp->len, out, utf8);
		if (dflt == NULL || out->len - start != 3 ||
		    memcmp(out->s + start, "NIL", 3) != 0)
			return;
		out->len = start;	/* empty: take the default */
	}
	if (dflt != NULL)
		env_addresses(out, dflt, NULL, tmp, utf8);
	else
		buf_add(out, "NIL", 3);
}

void
mime_envelope(const char *hdr, size_t len, struct buf *out, int utf8)
{
	struct hdr_iter	 it;
	struct hdr_field f, fields[ENV_N];
	struct buf	 tmp;
	size_t		 i;

	memset(fields, 0, sizeof(fields));
	hdr_iter_init(&it, hdr, len);
	while (hdr_iter_next(&it, &f))
		for (i = 0; i < ENV_N; i++)
			if (fields[i].name == NULL &&
			    hdr_name_is(&f, env_names[i]))
				fields[i] = f;
	buf_init(&tmp);
	buf_addc(out, '(');
	env_string(out, &fields[ENV_DATE], &tmp, utf8);
	buf_addc(out, ' ');
	env_string(out, &fields[ENV_SUBJECT], &tmp, utf8);
	for (i = ENV_FROM; i <= ENV_BCC; i++) {
		buf_addc(out, ' ');
		env_addresses(out, &fields[i], (i == ENV_SENDER ||
		    i == ENV_REPLY_TO) ? &fields[ENV_FROM] : NULL, &tmp, utf8);
	}
	buf_addc(out, ' ');
	env_string(out, &fields[ENV_IN_REPLY_TO], &tmp, utf8);
	buf_addc(out, ' ');
	env_string(out, &fields[ENV_MESSAGE_ID], &tmp, utf8);
	buf_addc(out, ')');
	buf_free(&tmp);
}

/*
 * The first address of a value, for SORT: its mailbox, or with display
 * its display name (RFC 2047-decoded), else mailbox@host.  Upper-cased
 * (ASCII) so that a plain byte comparison sorts i;ascii-casemap.
 */
void
mime_addr_sortkey(const char *v, size_t len, int display, struct buf *out)
{
	struct atok	*t;
	struct addr	 a;
	struct buf	 tmp;
	size_t		 n, i = 0, j, count = 0, start = out->len;

	t = xreallocarray(NULL, len < ADDR_TOKENS_MAX ? len + 1 :
	    ADDR_TOKENS_MAX, sizeof(*t));
	n = tokenize(v, len, t, len < ADDR_TOKENS_MAX ? len + 1 :
	    ADDR_TOKENS_MAX);
	memset(&a, 0, sizeof(a));
	buf_init(&tmp);
	while (i < n && count == 0) {
		for (j = i; j < n && (t[j].type == 'a' || t[j].type == 'q' ||
		    t[j].type == 'c' || t[j].type == 'd'); j++)
			;
		if (j < n && t[j].type == ':')	/* a group: its members */
			i = j + 1;
		else if (t[i].type == ',' || t[i].type == ';')
			i++;
		else
			i = parse_address(t, i, n, 1, &a, &tmp, &count, 0);
	}
	if (count > 0) {
		if (display && a.has_name && a.name.len > 0)
			mime_header_decode(a.name.s, a.name.len, out);
		else {
			if (a.mbox.len > 0)
				buf_add(out, a.mbox.s, a.mbox.len);
			if (display && a.host.len > 0) {
				buf_addc(out, '@');
				buf_add(out, a.host.s, a.host.len);
			}
		}
	}
	for (j = start; j < out->len; j++)
		if (out->s[j] >= 'a' && out->s[j] <= 'z')
			out->s[j] -= 'a' - 'A';
	buf_free(&tmp);
	addr_free(&a);
	free(t);
}
