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
 * dkim_tag.c -- DKIM's tag-lists (RFC 6376 3.2): the generic parser, the
 * DKIM-Signature field's tags (3.5) and the key record's (3.6.1), and
 * base64 with folding whitespace.
 *
 * SECURITY: both inputs come from the network (a header field, a TXT
 * record).  The parser reads only inside [s, s + len), allocates
 * nothing, accepts at most DKIM_TAG_MAX tags and refuses a tag given
 * twice; every value is length-checked before it is copied into its
 * fixed-size field or base64-decoded; numbers are bounded in digits.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dkim.h"
#include "dkim_local.h"
#include "sasl.h"

#define DKIM_NUM_DIGITS		18	/* t=, x=, l=: fits an int64_t */

static int	is_wsp(unsigned char);
static int	tag_is(const struct dkim_tag *, const char *);
static int	val_is(const struct dkim_tag *, const char *);
static int	list_has(const struct dkim_tag *, const char *);
static int	tag_copy(char *, size_t, const struct dkim_tag *, int);
static int	tag_num(const struct dkim_tag *, int64_t *);
static int	sig_tag(struct dkim_sigcheck *, const struct dkim_tag *,
		    struct dkim_sigextra *, const char **);
static int	sig_canon(struct dkim_sigcheck *, const struct dkim_tag *);
static int	sig_b(struct dkim_sigcheck *, const struct dkim_tag *);
static int	sig_h_has_from(const char *, size_t);
static int	sig_check_i(const struct dkim_sigcheck *);
static int	valid_name(const char *);
static int	key_tag(struct dkim_key *, const struct dkim_tag *,
		    const char **);

const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIM_NONE:
		return ("none");
	case DKIM_PASS:
		return ("pass");
	case DKIM_FAIL:
		return ("fail");
	case DKIM_POLICY:
		return ("policy");
	case DKIM_NEUTRAL:
		return ("neutral");
	case DKIM_TEMPERROR:
		return ("temperror");
	case DKIM_PERMERROR:
		return ("permerror");
	}
	return ("permerror");
}

const char *
dkim_alg_name(enum dkim_alg a)
{
	switch (a) {
	case DKIM_ALG_RSA_SHA256:
		return ("rsa-sha256");
	case DKIM_ALG_ED25519_SHA256:
		return ("ed25519-sha256");
	case DKIM_ALG_RSA_SHA1:
		return ("rsa-sha1");
	case DKIM_ALG_NONE:
		break;
	}
	return ("none");
}

static int
is_wsp(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * tag-list = tag-spec *( ";" tag-spec ) [ ";" ]
 * tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 * An element that is only whitespace is skipped, as the usual
 * implementations do (records like "v=DKIM1;; p=..." exist).
 */
int
dkim_tag_list(const char *s, size_t len, struct dkim_tag *tags,
    size_t maxtags, const char **err)
{
	size_t		 i = 0, n = 0, j, end;
	unsigned char	 c;

	while (i < len) {
		while (i < len && is_wsp((unsigned char)s[i]))
			i++;
		if (i == len)
			break;
		if (s[i] == ';') {
			i++;
			continue;
		}
		if (!isalpha((unsigned char)s[i])) {
			*err = "bad tag name";
			return (-1);
		}
		if (n == maxtags) {
			*err = "too many tags";
			return (-1);
		}
		tags[n].name = s + i;
		while (i < len && (isalnum((unsigned char)s[i]) ||
		    s[i] == '_'))
			i++;
		tags[n].namelen = (size_t)(s + i - tags[n].name);
		while (i < len && is_wsp((unsigned char)s[i]))
			i++;
		if (i == len || s[i] != '=') {
			*err = "tag without '='";
			return (-1);
		}
		i++;
		while (i < len && is_wsp((unsigned char)s[i]))
			i++;
		tags[n].val = s + i;
		end = i;
		for (; i < len && s[i] != ';'; i++) {
			c = (unsigned char)s[i];
			if (is_wsp(c))
				continue;
			if (c < 0x21 || c > 0x7e) {
				*err = "bad character in tag value";
				return (-1);
			}
			end = i + 1;
		}
		tags[n].vallen = end - (size_t)(tags[n].val - s);
		for (j = 0; j < n; j++)
			if (tags[j].namelen == tags[n].namelen &&
			    memcmp(tags[j].name, tags[n].name,
			    tags[n].namelen) == 0) {
				*err = "duplicate tag";
				return (-1);
			}
		n++;
		if (i < len)
			i++;	/* ';' */
	}
	return ((int)n);
}

int
dkim_b64_decode_fws(const char *s, size_t len, uint8_t *out, size_t size,
    size_t *outlen)
{
	char	 buf[((DKIM_B_MAX + 1200 + 2) / 3) * 4 + 4];
	size_t	 i, n = 0;

	*outlen = 0;
	for (i = 0; i < len; i++) {
		if (is_wsp((unsigned char)s[i]))
			continue;
		if (n == sizeof(buf))
			return (-1);
		buf[n++] = s[i];
	}
	if (n / 4 * 3 > size + 2)
		return (-1);
	return (sasl_b64_decode(buf, n, out, size, outlen));
}

static int
tag_is(const struct dkim_tag *t, const char *name)
{
	return (t->namelen == strlen(name) &&
	    memcmp(t->name, name, t->namelen) == 0);
}

static int
val_is(const struct dkim_tag *t, const char *v)
{
	return (t->vallen == strlen(v) &&
	    strncasecmp(t->val, v, t->vallen) == 0);
}

/* A colon-separated list (FWS around the items) holds item. */
static int
list_has(const struct dkim_tag *t, const char *item)
{
	size_t	 i = 0, start, end, ilen = strlen(item);

	while (i <= t->vallen) {
		while (i < t->vallen && is_wsp((unsigned char)t->val[i]))
			i++;
		start = end = i;
		while (i < t->vallen && t->val[i] != ':') {
			if (!is_wsp((unsigned char)t->val[i]))
				end = i + 1;
			i++;
		}
		if (end - start == ilen &&
		    strncasecmp(t->val + start, item, ilen) == 0)
			return (1);
		i++;
	}
	return (0);
}

/* The value, without whitespace inside, into dst; lower-cased if lc. */
static int
tag_copy(char *dst, size_t size, const struct dkim_tag *t, int lc)
{
	size_t	 i;

	if (t->vallen >= size)
		return (-1);
	for (i = 0; i < t->vallen; i++) {
		if (is_wsp((unsigned char)t->val[i]))
			return (-1);
		dst[i] = lc ? (char)tolower((unsigned char)t->val[i]) :
		    t->val[i];
	}
	dst[i] = '\0';
	return (0);
}

static int
tag_num(const struct dkim_tag *t, int64_t *v)
{
	size_t	 i;
	int64_t	 n = 0;

	if (t->vallen == 0 || t->vallen > DKIM_NUM_DIGITS)
		return (-1);
	for (i = 0; i < t->vallen; i++) {
		if (!isdigit((unsigned char)t->val[i]))
			return (-1);
		n = n * 10 + (t->val[i] - '0');
	}
	*v = n;
	return (0);
}

/* A domain or selector: labels of letters, digits, '-' and '_'. */
static int
valid_name(const char *s)
{
	size_t	 label = 0;

	if (*s == '\0' || *s == '.')
		return (0);
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return (0);
		if (++label > 63)
			return (0);
	}
	return (1);
}

static int
sig_canon(struct dkim_sigcheck *sc, const struct dkim_tag *t)
{
	static const struct {
		const char	*name;
		enum dkim_canon	 h, b;
	} tab[] = {
		{ "simple", DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE },
		{ "relaxed", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE },
		{ "simple/simple", DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE },
		{ "simple/relaxed", DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED },
		{ "relaxed/simple", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE },
		{ "relaxed/relaxed", DKIM_CANON_RELAXED, DKIM_CANON_RELAXED },
	};
	size_t	 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (val_is(t, tab[i].name)) {
			sc->hcanon = tab[i].h;
			sc->bcanon = tab[i].b;
			return (0);
		}
	return (-1);
}

static int
sig_b(struct dkim_sigcheck *sc, const struct dkim_tag *t)
{
	size_t	 i, n = 0, blen;

	for (i = 0; i < t->vallen && n < sizeof(sc->b8) - 1; i++)
		if (!is_wsp((unsigned char)t->val[i]))
			sc->b8[n++] = t->val[i];
	sc->b8[n] = '\0';
	if (dkim_b64_decode_fws(t->val, t->vallen, sc->b, sizeof(sc->b),
	    &blen) == -1 || blen == 0)
		return (-1);
	sc->blen = (uint16_t)blen;
	return (0);
}

static int
sig_h_has_from(const char *h, size_t len)
{
	struct dkim_tag	 t;

	memset(&t, 0, sizeof(t));
	t.val = h;
	t.vallen = len;
	return (list_has(&t, "from"));
}

/* i= is "[local]@domain", domain d= or a subdomain of it. */
static int
sig_check_i(const struct dkim_sigcheck *sc)
{
	const char	*at, *dom;
	size_t		 dlen, len;

	if ((at = strrchr(sc->i, '@')) == NULL)
		return (-1);
	dom = at + 1;
	dlen = strlen(dom);
	len = strlen(sc->d);
	if (dlen == len)
		return (strcasecmp(dom, sc->d) == 0 ? 0 : -1);
	if (dlen > len && dom[dlen - len - 1] == '.' &&
	    strcasecmp(dom + dlen - len, sc->d) == 0)
		return (0);
	return (-1);
}

static int
sig_tag(struct dkim_sigcheck *sc, const struct dkim_tag *t,
    struct dkim_sigextra *ex, const char **err)
{
	size_t	 bhlen;

	if (tag_is(t, "v")) {
		*err = "bad v=";
		return (val_is(t, "1") ? 0 : -1);
	}
	if (tag_is(t, "a")) {
		*err = "unknown algorithm";
		if (val_is(t, "rsa-sha256"))
			sc->alg = DKIM_ALG_RSA_SHA256;
		else if (val_is(t, "ed25519-sha256"))
			sc->alg = DKIM_ALG_ED25519_SHA256;
		else if (val_is(t, "rsa-sha1"))
			sc->alg = DKIM_ALG_RSA_SHA1;
		else
			return (-1);
		return (0);
	}
	if (tag_is(t, "b")) {
		*err = "bad b=";
		return (sig_b(sc, t));
	}
	if (tag_is(t, "bh")) {
		*err = "bad bh=";
		if (dkim_b64_decode_fws(t->val, t->vallen, ex->bh,
		    sizeof(ex->bh), &bhlen) == -1 || bhlen != DKIM_HASH_LEN)
			return (-1);
		return (0);
	}
	if (tag_is(t, "c")) {
		*err = "bad c=";
		return (sig_canon(sc, t));
	}
	if (tag_is(t, "d")) {
		*err = "bad d=";
		if (tag_copy(sc->d, sizeof(sc->d), t, 1) == -1 ||
		    !valid_name(sc->d))
			return (-1);
		return (0);
	}
	if (tag_is(t, "h")) {
		*err = "h= does not sign From";
		ex->h = t->val;
		ex->hlen = t->vallen;
		return (sig_h_has_from(t->val, t->vallen) ? 0 : -1);
	}
	if (tag_is(t, "i")) {
		*err = "bad i=";
		return (tag_copy(sc->i, sizeof(sc->i), t, 0));
	}
	if (tag_is(t, "l")) {
		*err = "bad l=";
		return (tag_num(t, &sc->l));
	}
	if (tag_is(t, "q")) {
		*err = "q= without dns/txt";
		return (list_has(t, "dns/txt") ? 0 : -1);
	}
	if (tag_is(t, "s")) {
		*err = "bad s=";
		if (tag_copy(sc->s, sizeof(sc->s), t, 0) == -1 ||
		    !valid_name(sc->s))
			return (-1);
		return (0);
	}
	if (tag_is(t, "t")) {
		*err = "bad t=";
		return (tag_num(t, &sc->t));
	}
	if (tag_is(t, "x")) {
		*err = "bad x=";
		return (tag_num(t, &sc->x));
	}
	return (0);	/* z= and unknown tags: ignored */
}

int
dkim_sig_parse_extra(struct dkim_sigcheck *sc, const char *s, size_t len,
    struct dkim_sigextra *ex)
{
	static const char *const required[] = {
		"v", "a", "b", "bh", "d", "h", "s"
	};
	struct dkim_tag	 tags[DKIM_TAG_MAX];
	const char	*err = "malformed";
	size_t		 i, j;
	int		 n;

	memset(sc, 0, sizeof(*sc));
	memset(ex, 0, sizeof(*ex));
	sc->l = sc->t = sc->x = -1;
	if ((n = dkim_tag_list(s, len, tags, DKIM_TAG_MAX, &err)) == -1)
		goto bad;
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		for (j = 0; j < (size_t)n; j++)
			if (tag_is(&tags[j], required[i]))
				break;
		if (j == (size_t)n) {
			(void)snprintf(sc->perror, sizeof(sc->perror),
			    "missing %s=", required[i]);
			return (-1);
		}
	}
	for (j = 0; j < (size_t)n; j++)
		if (sig_tag(sc, &tags[j], ex, &err) == -1)
			goto bad;
	if (sc->i[0] == '\0')
		(void)snprintf(sc->i, sizeof(sc->i), "@%s", sc->d);
	else if (sig_check_i(sc) == -1) {
		err = "i= not in d=";
		goto bad;
	}
	/* 3.5: x= MUST be greater than t= */
	if (sc->t != -1 && sc->x != -1 && sc->x <= sc->t) {
		err = "x= not after t=";
		goto bad;
	}
	sc->parsed = 1;
	return (0);
 bad:
	(void)strlcpy(sc->perror, err, sizeof(sc->perror));
	return (-1);
}

int
dkim_sig_parse(struct dkim_sigcheck *sc, const char *s, size_t len)
{
	struct dkim_sigextra	 ex;

	return (dkim_sig_parse_extra(sc, s, len, &ex));
}

static int
key_tag(struct dkim_key *k, const struct dkim_tag *t, const char **err)
{
	if (tag_is(t, "k")) {
		*err = "unknown key type";
		if (val_is(t, "rsa"))
			k->ed25519 = 0;
		else if (val_is(t, "ed25519"))
			k->ed25519 = 1;
		else
			return (-1);
		return (0);
	}
	if (tag_is(t, "h")) {
		k->sha256_ok = list_has(t, "sha256");
		return (0);
	}
	if (tag_is(t, "s")) {
		k->email_ok = list_has(t, "*") || list_has(t, "email");
		return (0);
	}
	if (tag_is(t, "t")) {
		k->testing = list_has(t, "y");
		k->strict = list_has(t, "s");
		return (0);
	}
	if (tag_is(t, "p")) {
		*err = "bad p=";
		if (t->vallen == 0) {
			k->revoked = 1;
			return (0);
		}
		return (dkim_b64_decode_fws(t->val, t->vallen, k->p,
		    sizeof(k->p), &k->plen));
	}
	return (0);	/* v= (checked), n=, unknown tags: ignored */
}

int
dkim_key_parse(struct dkim_key *k, const char *s, size_t len,
    const char **err)
{
	struct dkim_tag	 tags[DKIM_TAG_MAX];
	size_t		 j;
	int		 n, havep = 0;

	memset(k, 0, sizeof(*k));
	k->sha256_ok = k->email_ok = 1;
	*err = "malformed key record";
	if ((n = dkim_tag_list(s, len, tags, DKIM_TAG_MAX, err)) == -1)
		return (-1);
	for (j = 0; j < (size_t)n; j++) {
		if (tag_is(&tags[j], "v") && (j != 0 ||
		    !val_is(&tags[j], "DKIM1"))) {
			*err = "bad v=";
			return (-1);
		}
		if (tag_is(&tags[j], "p"))
			havep = 1;
		if (key_tag(k, &tags[j], err) == -1)
			return (-1);
	}
	if (!havep) {
		*err = "no p=";
		return (-1);
	}
	return (0);
}
