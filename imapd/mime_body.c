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
 * mime_body.c -- BODY and BODYSTRUCTURE (RFC 3501 7.4.2, RFC 9051
 * 7.5.2) of a parsed part tree, written as Dovecot writes them: type and
 * subtype as in the message, parameter names lower-cased, a text part
 * without charset is given ("charset" "us-ascii"), no Content-Transfer-
 * Encoding is "7bit", a multipart without parts gets one empty text/plain
 * part; and the FETCH body sections (BODY[1.2.HEADER] and friends).
 */

#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap.h"
#include "mime.h"
#include "mime_int.h"

#define EMPTY_BODY	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") " \
			"NIL NIL \"7bit\" 0 0"

static void	 write_part(const char *, const struct mime_part *, int,
		    struct buf *, int);

static void
add_str(struct buf *out, const char *s, int utf8)
{
	buf_add_quoted(out, s, strlen(s), utf8);
}

static void
add_nstr(struct buf *out, const char *s, int utf8)
{
	if (s == NULL)
		buf_add(out, "NIL", 3);
	else
		add_str(out, s, utf8);
}

static void
write_params(struct buf *out, const struct mime_param *p, size_t n,
    int charset, int utf8)
{
	size_t	 i;

	if (charset && mime_param(p, n, "charset") != NULL)
		charset = 0;
	if (n == 0 && !charset) {
		buf_add(out, "NIL", 3);
		return;
	}
	buf_addc(out, '(');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(out, ' ');
		add_str(out, p[i].name, utf8);
		buf_addc(out, ' ');
		add_str(out, p[i].value, utf8);
	}
	if (charset)
		buf_adds(out, n > 0 ? " \"charset\" \"us-ascii\"" :
		    "\"charset\" \"us-ascii\"");
	buf_addc(out, ')');
}

/* body-ext-1part / body-ext-mpart after the MD5 or the parameters */
static void
write_ext(struct buf *out, const struct mime_part *p, int utf8)
{
	const char	*s, *e;
	int		 n = 0;

	buf_addc(out, ' ');
	if (p->disposition == NULL)
		buf_add(out, "NIL", 3);
	else {
		buf_addc(out, '(');
		add_str(out, p->disposition, utf8);
		buf_addc(out, ' ');
		write_params(out, p->dparams, p->ndparams, 0, utf8);
		buf_addc(out, ')');
	}
	buf_addc(out, ' ');
	for (s = p->language; s != NULL && *s != '\0'; s = e) {
		s += strspn(s, " \t,");
		e = s + strcspn(s, " \t,");
		if (e == s)
			break;
		buf_addc(out, n++ == 0 ? '(' : ' ');
		buf_add_quoted(out, s, (size_t)(e - s), utf8);
	}
	buf_add(out, n > 0 ? ")" : "NIL", n > 0 ? 1 : 3);
	buf_addc(out, ' ');
	add_nstr(out, p->location, utf8);
}

static void
write_multipart(const char *msg, const struct mime_part *p, int ext,
    struct buf *out, int utf8)
{
	const struct mime_part	*c;

	if (p->children == NULL) {
		buf_adds(out, EMPTY_BODY);
		buf_adds(out, ext ? " NIL NIL NIL NIL)" : ")");
	}
	for (c = p->children; c != NULL; c = c->next)
		write_part(msg, c, ext, out, utf8);
	buf_addc(out, ' ');
	add_str(out, p->subtype, utf8);
	if (!ext)
		return;
	buf_addc(out, ' ');
	write_params(out, p->params, p->nparams, 0, utf8);
	write_ext(out, p, utf8);
}

static void
write_part(const char *msg, const struct mime_part *p, int ext,
    struct buf *out, int utf8)
{
	int	 text;

	buf_addc(out, '(');
	if (strcasecmp(p->type, "multipart") == 0) {
		write_multipart(msg, p, ext, out, utf8);
		buf_addc(out, ')');
		return;
	}
	text = strcasecmp(p->type, "text") == 0;
	add_str(out, p->type, utf8);
	buf_addc(out, ' ');
	add_str(out, p->subtype, utf8);
	buf_addc(out, ' ');
	write_params(out, p->params, p->nparams, text, utf8);
	buf_addc(out, ' ');
	add_nstr(out, p->id, utf8);
	buf_addc(out, ' ');
	add_nstr(out, p->description, utf8);
	buf_addc(out, ' ');
	add_str(out, p->encoding != NULL ? p->encoding : "7bit", utf8);
	buf_addc(out, ' ');
	buf_addu64(out, p->body_size);
	if (p->message != NULL) {
		buf_addc(out, ' ');
		mime_envelope(msg + p->message->hdr_off, p->message->hdr_len,
		    out, utf8);
		buf_addc(out, ' ');
		write_part(msg, p->message, ext, out, utf8);
	}
	if (text || p->message != NULL) {
		buf_addc(out, ' ');
		buf_addu64(out, p->body_lines);
	}
	if (ext) {
		buf_addc(out, ' ');
		add_nstr(out, p->md5, utf8);
		write_ext(out, p, utf8);
	}
	buf_addc(out, ')');
}

void
mime_bodystructure(const char *msg, const struct mime_part *part,
    int extended, struct buf *out, int utf8)
{
	write_part(msg, part, extended, out, utf8);
}

/* part n (1-based) of the message whose top part is m */
static const struct mime_part *
message_part(const struct mime_part *m, uint32_t n)
{
	const struct mime_part	*c;

	if (strcasecmp(m->type, "multipart") != 0)
		return n == 1 ? m : NULL;
	for (c = m->children; c != NULL && n > 1; c = c->next)
		n--;
	return n == 1 ? c : NULL;
}

static const struct mime_part *
section_part(const struct mime_part *root, const struct imap_section *sec)
{
	const struct mime_part	*cur = root;
	size_t			 i;

	for (i = 0; i < sec->npart && i < IMAP_PART_DEPTH && cur != NULL;
	    i++) {
		if (i == 0)
			cur = message_part(root, sec->part[i]);
		else if (cur->message != NULL)
			cur = message_part(cur->message, sec->part[i]);
		else if (strcasecmp(cur->type, "multipart") == 0)
			cur = message_part(cur, sec->part[i]);
		else
			cur = NULL;
	}
	return cur;
}

static int
field_listed(const struct hdr_field *f, const struct imap_section *sec)
{
	size_t	 i;

	for (i = 0; i < sec->nfields; i++)
		if (hdr_name_is(f, sec->fields[i]))
			return 1;
	return 0;
}

static void
header_fields(const char *hdr, size_t len, const struct imap_section *sec,
    struct buf *out)
{
	struct hdr_iter	 it;
	struct hdr_field f;
	int		 want = sec->spec == SEC_HEADER_FIELDS;

	hdr_iter_init(&it, hdr, len);
	while (hdr_iter_next(&it, &f)) {
		if (field_listed(&f, sec) != want)
			continue;
		mime_add_crlf(out, f.line, f.linelen);
		if (f.line[f.linelen - 1] != '\n')
			buf_add(out, "\r\n", 2);
	}
	buf_add(out, "\r\n", 2);
}

int
mime_section(const char *msg, size_t msglen, const struct mime_part *root,
    const struct imap_section *sec, size_t *off, size_t *len,
    struct buf *out)
{
	const struct mime_part	*p, *m;
	size_t			 o, n, start = out->len;

	*off = 0;
	*len = 0;
	if ((p = section_part(root, sec)) == NULL)
		return 0;
	if (sec->spec == SEC_NONE) {
		o = sec->npart == 0 ? 0 : p->body_off;
		n = sec->npart == 0 ? msglen : p->body_len;
	} else if (sec->spec == SEC_MIME) {
		if (sec->npart == 0)
			return -1;
		o = p->hdr_off;
		n = p->hdr_len;
	} else {
		if (sec->npart == 0)
			m = root;
		else if ((m = p->message) == NULL)
			return -1;
		if (sec->spec == SEC_HEADER_FIELDS ||
		    sec->spec == SEC_HEADER_FIELDS_NOT) {
			header_fields(msg + m->hdr_off, m->hdr_len, sec, out);
			*off = (size_t)-1;
			*len = out->len - start;
			return 0;
		}
		o = sec->spec == SEC_TEXT ? m->body_off : m->hdr_off;
		n = sec->spec == SEC_TEXT ? m->body_len : m->hdr_len;
	}
	if (mime_bare_lf(msg + o, n) == 0) {
		*off = o;
		*len = n;
		return 0;
	}
	mime_add_crlf(out, msg + o, n);
	*off = (size_t)-1;
	*len = out->len - start;
	return 0;
}
