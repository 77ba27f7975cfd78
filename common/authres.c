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
 * authres.c -- the Authentication-Results header field (RFC 8601): the
 * one we add (one resinfo per line: spf for MAIL FROM, spf for HELO,
 * one dkim per signature or dkim=none, dmarc), folded at AUTHRES_WIDTH
 * columns, CRLF line ends; and authres_is_ours(), which recognises a
 * field that claims our authserv-id (smtp removes those that arrive from
 * outside).
 *
 * Result names are those of the IANA registry of RFC 8601, as each
 * check names its own (spf_result_name(), dkim_result_name(),
 * dmarc_result_name()).
 *
 * SECURITY: almost every value written here comes from the network
 * (addresses, domains, selectors, SPF explanations, reasons).  A value
 * that is not an RFC 2045 token (or, for an address, a dot-atom
 * local-part "@" domain) is written as a quoted-string; control
 * characters never reach the field (replaced by '?'), so no value can
 * end the field or add a header; comments escape '(', ')' and '\' and
 * are bounded.  The field never exceeds the caller's buffer nor
 * AUTHRES_FIELD_MAX.  authres_is_ours() reads exactly len octets, and
 * bounds the nesting of comments.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

#define AUTHRES_WIDTH		78	/* fold before this column */
#define AUTHRES_COMMENT_MAX	160	/* octets of a comment's text */
#define AUTHRES_VALUE_MAX	1200	/* a value, quoted */
#define AUTHRES_NEST_MAX	16	/* comments in comments */

struct fold {
	char	*buf;
	size_t	 size;
	size_t	 len;
	size_t	 col;
	int	 err;
	int	 first;		/* the next word starts a resinfo */
};

static int		 is_tspecial(int);
static int		 is_token(const char *);
static int		 is_atext(int);
static int		 is_addr(const char *);
static void		 value(char *, size_t, const char *);
static void		 raw(struct fold *, const char *, size_t);
static void		 word(struct fold *, const char *);
static void		 prop(struct fold *, const char *, const char *);
static void		 comment(struct fold *, const char *);
static void		 resinfo(struct fold *, const char *, const char *);
static void		 spf_clause(struct fold *, const struct spf_outcome *,
			    int);
static void		 dkim_clause(struct fold *,
			    const struct dkim_verdict *);
static void		 dmarc_clause(struct fold *,
			    const struct dmarc_outcome *);
static size_t		 skip_cfws(const char *, size_t, size_t);

/* RFC 2045 5.1 */
static int
is_tspecial(int c)
{
	return (c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL);
}

static int
is_token(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (*p == '\0')
		return (0);
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || is_tspecial(*p))
			return (0);
	return (1);
}

/* RFC 5322 3.2.3 */
static int
is_atext(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

/* [ dot-atom ] "@" domain-name: written as is (RFC 8601 pvalue). */
static int
is_addr(const char *s)
{
	const char	*at, *p;
	int		 label = 0;

	if ((at = strrchr(s, '@')) == NULL)
		return (0);
	for (p = s; p < at; p++) {
		if (*p == '.') {
			if (p == s || p[-1] == '.' || p + 1 == at)
				return (0);
		} else if (!is_atext((unsigned char)*p))
			return (0);
	}
	if (at[1] == '\0')
		return (0);
	for (p = at + 1; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return (0);
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
		    *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '_')
			label++;
		else
			return (0);
	}
	return (label > 0);
}

/* src as a value: a token or address as is, else a quoted-string. */
static void
value(char *dst, size_t size, const char *src)
{
	size_t			 o = 0;
	const unsigned char	*p;

	if (is_token(src) || is_addr(src)) {
		if (strlcpy(dst, src, size) < size)
			return;
	}
	/* room for the closing quote and the NUL is kept */
	dst[o++] = '"';
	for (p = (const unsigned char *)src; *p != '\0' && o + 4 < size;
	    p++) {
		if (*p == '"' || *p == '\\')
			dst[o++] = '\\';
		dst[o++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
	}
	dst[o++] = '"';
	dst[o] = '\0';
}

static void
raw(struct fold *f, const char *s, size_t n)
{
	if (f->err || n >= f->size - f->len) {
		f->err = 1;
		return;
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	f->buf[f->len] = '\0';
	f->col += n;
}

/* A word: on a new line when it would pass AUTHRES_WIDTH. */
static void
word(struct fold *f, const char *s)
{
	size_t	 n = strlen(s);

	if (f->first)
		f->first = 0;
	else if (f->col + 1 + n > AUTHRES_WIDTH) {
		raw(f, "\r\n\t    ", 7);
		f->col = 12;
	} else
		raw(f, " ", 1);
	raw(f, s, n);
}

static void
prop(struct fold *f, const char *name, const char *v)
{
	char	 w[AUTHRES_VALUE_MAX + 32];

	(void)strlcpy(w, name, sizeof(w));
	value(w + strlen(w), sizeof(w) - strlen(w), v);
	word(f, w);
}

/* A comment, folded between its words; '(' ')' '\' escaped. */
static void
comment(struct fold *f, const char *text)
{
	char			 w[AUTHRES_COMMENT_MAX * 2 + 4];
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 o = 0, in = 0;

	while (*p == ' ' || *p == '\t' || *p < 0x20)
		if (*p++ == '\0')
			return;
	w[o++] = '(';
	for (; *p != '\0' && in < AUTHRES_COMMENT_MAX; p++, in++) {
		if (*p <= 0x20 || *p == 0x7f) {
			/* white space or control: a place to fold */
			while (p[1] != '\0' && (p[1] <= 0x20 || p[1] == 0x7f))
				p++;
			if (p[1] == '\0')
				break;
			w[o] = '\0';
			word(f, w);
			o = 0;
			continue;
		}
		if (*p == '(' || *p == ')' || *p == '\\')
			w[o++] = '\\';
		w[o++] = (char)*p;
	}
	w[o++] = ')';
	w[o] = '\0';
	word(f, w);
}

/* The start of a resinfo: ";", a new line, "method=result". */
static void
resinfo(struct fold *f, const char *method, const char *result)
{
	char	 w[64];

	raw(f, ";\r\n\t", 4);
	f->col = 8;
	f->first = 1;
	(void)snprintf(w, sizeof(w), "%s=%s", method, result);
	word(f, w);
}

static void
spf_clause(struct fold *f, const struct spf_outcome *o, int helo)
{
	char	 id[SPF_DOMAIN_MAX + 80];
	char	 c[AUTHRES_COMMENT_MAX];

	resinfo(f, "spf", spf_result_name(o->result));
	c[0] = '\0';
	switch (o->result) {
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		if (o->explanation[0] != '\0')
			(void)strlcpy(c, o->explanation, sizeof(c));
		else if (o->mechanism[0] != '\0')
			(void)snprintf(c, sizeof(c), "matched %.*s",
			    (int)sizeof(c) - 10, o->mechanism);
		break;
	case SPF_TEMPERROR:
	case SPF_PERMERROR:
		(void)strlcpy(c, o->reason, sizeof(c));
		break;
	default:
		break;
	}
	if (c[0] != '\0')
		comment(f, c);
	if (helo) {
		prop(f, "smtp.helo=", o->domain[0] != '\0' ? o->domain :
		    o->sender);
		return;
	}
	if (strchr(o->sender, '@') != NULL)
		(void)strlcpy(id, o->sender, sizeof(id));
	else
		(void)snprintf(id, sizeof(id), "postmaster@%s", o->domain);
	prop(f, "smtp.mailfrom=", id);
}

static void
dkim_clause(struct fold *f, const struct dkim_verdict *v)
{
	char		 at[DKIM_DOMAIN_MAX + 1];
	char		 c[AUTHRES_COMMENT_MAX];
	const char	*a;

	resinfo(f, "dkim", dkim_result_name(v->result));
	c[0] = '\0';
	if (v->result != DKIM_PASS && v->reason[0] != '\0')
		(void)strlcpy(c, v->reason, sizeof(c));
	if (v->testing)
		(void)strlcat(c, c[0] != '\0' ? ", test key" : "test key",
		    sizeof(c));
	if (c[0] != '\0')
		comment(f, c);
	if (v->d[0] != '\0')
		prop(f, "header.d=", v->d);
	if (v->s[0] != '\0')
		prop(f, "header.s=", v->s);
	if (v->alg != DKIM_ALG_NONE) {
		a = dkim_alg_name(v->alg);
		prop(f, "header.a=", a);
	}
	if (v->b8[0] != '\0')
		prop(f, "header.b=", v->b8);
	(void)snprintf(at, sizeof(at), "@%s", v->d);
	if (v->i[0] != '\0' && strcasecmp(v->i, at) != 0)
		prop(f, "header.i=", v->i);
}

static void
dmarc_clause(struct fold *f, const struct dmarc_outcome *o)
{
	char	 c[AUTHRES_COMMENT_MAX];

	resinfo(f, "dmarc", dmarc_result_name(o->result));
	if (o->policy != DMARC_P_UNSET) {
		(void)snprintf(c, sizeof(c), "p=%s dis=%s",
		    dmarc_policy_name(o->policy),
		    dmarc_policy_name(o->disposition));
		comment(f, c);
	} else if (o->reason[0] != '\0')
		comment(f, o->reason);
	if (o->domain[0] != '\0')
		prop(f, "header.from=", o->domain);
}

int
authres_format(const struct authres *ar, char *buf, size_t size)
{
	struct fold	 f;
	struct dkim_verdict none;
	char		 id[AUTHRES_VALUE_MAX];
	size_t		 i;

	if (size == 0)
		return (-1);
	memset(&f, 0, sizeof(f));
	f.buf = buf;
	f.size = size > AUTHRES_FIELD_MAX + 1 ? AUTHRES_FIELD_MAX + 1 : size;
	buf[0] = '\0';
	value(id, sizeof(id), ar->authserv_id != NULL &&
	    ar->authserv_id[0] != '\0' ? ar->authserv_id : "localhost");
	raw(&f, "Authentication-Results: ", 24);
	raw(&f, id, strlen(id));
	if (ar->spf != NULL)
		spf_clause(&f, ar->spf, 0);
	if (ar->spf_helo != NULL)
		spf_clause(&f, ar->spf_helo, 1);
	if (ar->ndkim == 0 || ar->dkim == NULL) {
		memset(&none, 0, sizeof(none));
		none.result = DKIM_NONE;
		dkim_clause(&f, &none);
	}
	for (i = 0; ar->dkim != NULL && i < ar->ndkim; i++)
		dkim_clause(&f, &ar->dkim[i]);
	if (ar->dmarc != NULL)
		dmarc_clause(&f, ar->dmarc);
	raw(&f, "\r\n", 2);
	if (f.err) {
		buf[0] = '\0';
		return (-1);
	}
	return ((int)f.len);
}

/* --- recognising ours ---------------------------------------------------- */

/* Past white space, folding and comments; len if a comment is open. */
static size_t
skip_cfws(const char *s, size_t len, size_t i)
{
	int	 depth;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] != '(')
			return (i);
		for (depth = 0; i < len; i++) {
			if (s[i] == '\\') {
				i++;
				continue;
			}
			if (s[i] == '(' && ++depth > AUTHRES_NEST_MAX)
				return (len);
			if (s[i] == ')' && --depth == 0)
				break;
		}
		if (i >= len)
			return (len);
		i++;
	}
	return (i);
}

int
authres_is_ours(const char *s, size_t len, const char *id)
{
	static const char	 name[] = "Authentication-Results";
	char			 got[AUTHRES_VALUE_MAX];
	size_t			 i, n = 0, nl = sizeof(name) - 1;

	if (id == NULL || *id == '\0' || len < nl ||
	    strncasecmp(s, name, nl) != 0)
		return (0);
	for (i = nl; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len || s[i] != ':')
		return (0);
	i = skip_cfws(s, len, i + 1);
	if (i == len)
		return (0);
	if (s[i] == '"') {
		for (i++; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\' && ++i == len)
				return (0);
			if (s[i] == '\r' || s[i] == '\n')
				continue;	/* folding */
			if (n + 1 >= sizeof(got))
				return (0);
			got[n++] = s[i];
		}
		if (i == len)
			return (0);
	} else {
		for (; i < len && s[i] != ';' && s[i] != '(' && s[i] != ' ' &&
		    s[i] != '\t' && s[i] != '\r' && s[i] != '\n'; i++) {
			if (s[i] == '\0' || n + 1 >= sizeof(got))
				return (0);
			got[n++] = s[i];
		}
	}
	got[n] = '\0';
	if (n == 0 || n != strlen(id))
		return (0);
	return (strncasecmp(got, id, n) == 0);
}
