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
 * mime.c -- the MIME part tree of a message (RFC 2045/2046): header
 * fields Content-*, parameters with RFC 2231 continuations, multipart
 * bodies split at their boundaries, message/rfc822 bodies parsed as
 * messages.  Lenient as Dovecot is: no input fails; an unterminated
 * multipart ends with its data, a missing or broken Content-Type is
 * text/plain, nesting deeper than MIME_DEPTH_MAX and parts beyond
 * MIME_PARTS_MAX are left unsplit.  The message is a const buffer of
 * known length, not NUL-terminated (it is mmap'd).
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "buf.h"
#include "mime.h"
#include "mime_int.h"

struct parse_ctx {
	const char	*msg;
	size_t		 nparts;
};

static struct mime_part *part_new(struct parse_ctx *, struct mime_part *);
static void	 part_parse(struct parse_ctx *, struct mime_part *, size_t,
		    size_t, int, int);
static void	 part_split(struct parse_ctx *, struct mime_part *, int);

/* RFC 2045 token characters (8-bit bytes tolerated) */
static int
is_token(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* skip white space and (nested) comments */
static void
skip_cfws(const char **pp, const char *end)
{
	const char	*p = *pp;
	int		 depth;

	for (;;) {
		while (p < end && (mime_is_wsp((unsigned char)*p) ||
		    *p == '\r' || *p == '\n'))
			p++;
		if (p >= end || *p != '(')
			break;
		depth = 0;
		while (p < end) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
			p++;
		}
	}
	*pp = p;
}

static char *
read_token(const char **pp, const char *end)
{
	const char	*p = *pp, *s;

	skip_cfws(&p, end);
	s = p;
	while (p < end && is_token((unsigned char)*p))
		p++;
	*pp = p;
	if (p == s)
		return NULL;
	return mime_strndup(s, (size_t)(p - s));
}

/* a parameter value: a quoted string (unescaped) or a token */
static char *
read_value(const char **pp, const char *end)
{
	const char	*p = *pp;
	struct buf	 b;

	skip_cfws(&p, end);
	if (p >= end || *p != '"') {
		buf_init(&b);
		while (p < end && *p != ';' && !mime_is_wsp((unsigned char)*p)
		    && *p != '\r' && *p != '\n')
			buf_addc(&b, *p++);
		*pp = p;
		return buf_steal(&b, NULL);
	}
	buf_init(&b);
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (*p != '\r' && *p != '\n')
			buf_addc(&b, *p);
	}
	if (p < end)
		p++;
	*pp = p;
	return buf_steal(&b, NULL);
}

/* name*N or name*N*: the section number, -1 if none */
static long
param_section(char *name, int *extended)
{
	char	*star, *q;
	long	 n;

	*extended = 0;
	if ((star = strchr(name, '*')) == NULL)
		return -1;
	if (star[1] == '\0') {
		*extended = 1;
		*star = '\0';
		return -1;
	}
	n = 0;
	for (q = star + 1; *q >= '0' && *q <= '9'; q++)
		if (n < 100000)
			n = n * 10 + (*q - '0');
	if (q == star + 1)
		return -1;
	if (*q == '*')
		*extended = 1;
	else if (*q != '\0')
		return -1;
	*star = '\0';
	return n;
}

static void
param_add(struct mime_param **pp, size_t *np, char *name, char *value)
{
	struct mime_param	*p;

	*pp = xreallocarray(*pp, *np + 1, sizeof(**pp));
	p = &(*pp)[(*np)++];
	p->name = name;
	p->value = value;
}

/*
 * RFC 2231: name*0, name*1... are joined into name; extended sections
 * (name*=, name*0*=) keep their encoding and are named name* as Dovecot
 * does.  Continuations are joined in the order written.
 */
static void
param_join(struct mime_param **pp, size_t *np, char *name, char *value)
{
	int		 ext;
	long		 sec;
	size_t		 i, nl, vl;
	struct mime_param *p;
	char		*full;

	lowercase(name);
	sec = param_section(name, &ext);
	if (ext) {
		nl = strlen(name);
		full = xmalloc(nl + 2);
		memcpy(full, name, nl);
		memcpy(full + nl, "*", 2);
		free(name);
		name = full;
	}
	if (sec > 0) {
		for (i = 0; i < *np; i++) {
			p = &(*pp)[i];
			if (strcmp(p->name, name) != 0)
				continue;
			nl = strlen(p->value);
			vl = strlen(value);
			p->value = xreallocarray(p->value, nl + vl + 1, 1);
			memcpy(p->value + nl, value, vl + 1);
			free(name);
			free(value);
			return;
		}
	}
	param_add(pp, np, name, value);
}

/* "; name=value; ..." */
static void
parse_params(const char *p, const char *end, struct mime_param **pp,
    size_t *np)
{
	char	*name, *value;

	for (;;) {
		skip_cfws(&p, end);
		while (p < end && *p != ';')
			p++;	/* junk before the next parameter */
		if (p >= end)
			return;
		p++;
		if ((name = read_token(&p, end)) == NULL)
			continue;
		skip_cfws(&p, end);
		if (p >= end || *p != '=') {
			free(name);
			continue;
		}
		p++;
		value = read_value(&p, end);
		param_join(pp, np, name, value);
		if (*np >= 256)
			return;
	}
}

static void
parse_content_type(struct mime_part *part, const char *p, const char *end)
{
	char	*type, *subtype = NULL;

	if ((type = read_token(&p, end)) == NULL)
		return;
	skip_cfws(&p, end);
	if (p < end && *p == '/') {
		p++;
		subtype = read_token(&p, end);
	}
	if (subtype == NULL) {
		free(type);
		return;
	}
	free(part->type);
	free(part->subtype);
	part->type = type;
	part->subtype = subtype;
	parse_params(p, end, &part->params, &part->nparams);
}

static void
parse_disposition(struct mime_part *part, const char *p, const char *end)
{
	if ((part->disposition = read_token(&p, end)) == NULL)
		return;
	parse_params(p, end, &part->dparams, &part->ndparams);
}

static char *
unfolded(const char *v, size_t n)
{
	struct buf	 b;

	buf_init(&b);
	hdr_unfold(v, n, &b);
	return buf_steal(&b, NULL);
}

/* the Content-* fields of a part's header: the first of each counts */
static void
part_fields(struct mime_part *part, const char *hdr, size_t len)
{
	struct hdr_iter	 it;
	struct hdr_field f;
	const char	*e;
	char		**dst;
	int		 ct = 0;

	hdr_iter_init(&it, hdr, len);
	while (hdr_iter_next(&it, &f)) {
		if (f.namelen < 10 || !mime_strcaseeq(f.name, 8, "content-"))
			continue;
		e = f.value + f.valuelen;
		dst = NULL;
		if (hdr_name_is(&f, "content-type")) {
			if (!ct++)
				parse_content_type(part, f.value, e);
		} else if (hdr_name_is(&f, "content-disposition")) {
			if (part->disposition == NULL)
				parse_disposition(part, f.value, e);
		} else if (hdr_name_is(&f, "content-transfer-encoding")) {
			if (part->encoding == NULL) {
				const char *p = f.value;

				part->encoding = read_token(&p, e);
			}
		} else if (hdr_name_is(&f, "content-id"))
			dst = &part->id;
		else if (hdr_name_is(&f, "content-description"))
			dst = &part->description;
		else if (hdr_name_is(&f, "content-md5"))
			dst = &part->md5;
		else if (hdr_name_is(&f, "content-language"))
			dst = &part->language;
		else if (hdr_name_is(&f, "content-location"))
			dst = &part->location;
		if (dst != NULL && *dst == NULL)
			*dst = unfolded(f.value, f.valuelen);
	}
}

static struct mime_part *
part_new(struct parse_ctx *ctx, struct mime_part *parent)
{
	struct mime_part	*p;

	p = xcalloc(1, sizeof(*p));
	p->parent = parent;
	ctx->nparts++;
	return p;
}

static int
is_type(const struct mime_part *p, const char *type, const char *subtype)
{
	if (strcasecmp(p->type, type) != 0)
		return 0;
	return subtype == NULL || strcasecmp(p->subtype, subtype) == 0;
}

static void
part_parse(struct parse_ctx *ctx, struct mime_part *part, size_t off,
    size_t len, int depth, int digest)
{
	const char	*m = ctx->msg;

	part->hdr_off = off;
	part->hdr_len = hdr_block_len(m + off, len);
	part->body_off = off + part->hdr_len;
	part->body_len = len - part->hdr_len;
	part->hdr_size = part->hdr_len + mime_bare_lf(m + off, part->hdr_len);
	part->body_lines = mime_count_lf(m + part->body_off, part->body_len);
	part->body_size = part->body_len + mime_bare_lf(m + part->body_off,
	    part->body_len);
	part->type = xstrdup(digest ? "message" : "text");
	part->subtype = xstrdup(digest ? "rfc822" : "plain");
	part_fields(part, m + off, part->hdr_len);
	if (depth >= MIME_DEPTH_MAX || ctx->nparts >= MIME_PARTS_MAX)
		return;
	if (is_type(part, "multipart", NULL))
		part_split(ctx, part, depth);
	else if (is_type(part, "message", "rfc822") ||
	    is_type(part, "message", "global")) {
		part->message = part_new(ctx, part);
		part_parse(ctx, part->message, part->body_off, part->body_len,
		    depth + 1, 0);
	}
}

/* does the line at p (to end) delimit boundary b?  1, 2 for the close */
static int
is_delimiter(const char *p, const char *end, const char *b, size_t bl)
{
	size_t	 n = (size_t)(end - p);

	if (n < bl + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, b, bl) != 0)
		return 0;
	p += bl + 2;
	if (p + 1 < end && p[0] == '-' && p[1] == '-')
		return 2;
	if (p == end || mime_is_wsp((unsigned char)*p) || *p == '\r' ||
	    *p == '\n')
		return 1;
	return 0;
}

/* where the part before the delimiter at d ends: its line end is not
 * the part's */
static size_t
before_delimiter(const char *m, size_t start, size_t d)
{
	if (d > start && m[d - 1] == '\n')
		d--;
	if (d > start && m[d - 1] == '\r')
		d--;
	return d;
}

static void
part_split(struct parse_ctx *ctx, struct mime_part *part, int depth)
{
	const char	*m = ctx->msg, *b, *p, *end, *lf;
	struct mime_part *child, **tail = &part->children;
	size_t		 bl, start = 0;
	int		 in_part = 0, kind, digest;

	if ((b = mime_param(part->params, part->nparams, "boundary")) ==
	    NULL || (bl = strlen(b)) == 0)
		return;
	digest = is_type(part, "multipart", "digest");
	p = m + part->body_off;
	end = p + part->body_len;
	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		kind = is_delimiter(p, lf == NULL ? end : lf, b, bl);
		if (kind != 0) {
			if (in_part) {
				child = part_new(ctx, part);
				*tail = child;
				tail = &child->next;
				part_parse(ctx, child, start, before_delimiter(
				    m, start, (size_t)(p - m)) - start,
				    depth + 1, digest);
			}
			if (kind == 2 || ctx->nparts >= MIME_PARTS_MAX)
				return;
			in_part = 1;
			start = lf == NULL ? (size_t)(end - m) :
			    (size_t)(lf + 1 - m);
		}
		p = lf == NULL ? end : lf + 1;
	}
	if (in_part) {
		child = part_new(ctx, part);
		*tail = child;
		part_parse(ctx, child, start, (size_t)(end - m) - start,
		    depth + 1, digest);
	}
}

struct mime_part *
mime_parse(const char *msg, size_t len)
{
	struct parse_ctx	 ctx;
	struct mime_part	*root;

	ctx.msg = msg;
	ctx.nparts = 0;
	root = part_new(&ctx, NULL);
	part_parse(&ctx, root, 0, len, 0, 0);
	return root;
}

static void
params_free(struct mime_param *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].value);
	}
	free(p);
}

void
mime_free(struct mime_part *part)
{
	struct mime_part	*c, *next;

	if (part == NULL)
		return;
	for (c = part->children; c != NULL; c = next) {
		next = c->next;
		mime_free(c);
	}
	mime_free(part->message);
	free(part->type);
	free(part->subtype);
	params_free(part->params, part->nparams);
	params_free(part->dparams, part->ndparams);
	free(part->id);
	free(part->description);
	free(part->encoding);
	free(part->md5);
	free(part->disposition);
	free(part->language);
	free(part->location);
	free(part);
}

const char *
mime_param(const struct mime_param *p, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	return NULL;
}
