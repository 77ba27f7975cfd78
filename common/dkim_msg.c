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
 * dkim_msg.c -- a message as it is stored, hashed for DKIM: the header
 * section is kept (CRLF line ends, at most DKIM_HEADER_MAX bytes and
 * DKIM_FIELDS_MAX fields), its DKIM-Signature fields parsed when it
 * ends, and the body then streamed into one hasher per distinct
 * (canonicalisation, l=) the signatures ask for, plus relaxed for
 * signing.  At the end each signature gets its header hash (RFC 6376
 * 5.4.2: the h= fields bottom-up, then itself with b= empty).
 *
 * SECURITY: the message comes from the network.  The header section is
 * bounded (over it: no signature is checked, none made), at most
 * DKIM_SIG_MAX signatures are looked at, h= at most DKIM_H_MAX names;
 * the body is never kept, only hashed.  Allocation failures are
 * reported (-1), never fatal: smtp runs this.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim.h"
#include "dkim_local.h"

#define HDR_CHUNK	8192
#define SIG_NAME	"DKIM-Signature"

static int	hdr_append(struct dkim_msg *, const char *, size_t);
static size_t	hdr_feed(struct dkim_msg *, const char *, size_t);
static int	hdr_index(struct dkim_msg *);
static int	hdr_done(struct dkim_msg *);
static int	body_get(struct dkim_msg *, enum dkim_canon, int64_t);
static int	sigs_parse(struct dkim_msg *);
static int	sig_strip_b(const char *, size_t, char *, size_t *);
static void	sig_finish(struct dkim_msg *, size_t);

struct dkim_msg *
dkim_msg_new(int flags)
{
	struct dkim_msg	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	m->flags = flags;
	m->signbody = -1;
	return (m);
}

void
dkim_msg_free(struct dkim_msg *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nbody; i++)
		dkim_body_free(&m->body[i]);
	free(m->body);
	free(m->sc);
	free(m->ex);
	free(m->sigfield);
	free(m->sigbody);
	free(m->fields);
	free(m->hdr);
	free(m);
}

/* Keep header bytes; past DKIM_HEADER_MAX keep nothing more. */
static int
hdr_append(struct dkim_msg *m, const char *p, size_t n)
{
	size_t	 nsize;
	char	*np;

	if (m->too_large || n == 0)
		return (0);
	if (n > DKIM_HEADER_MAX - m->hlen) {
		m->too_large = 1;
		m->hlen = m->line_start;
		return (0);
	}
	if (m->hlen + n > m->hsize) {
		nsize = m->hsize ? m->hsize : HDR_CHUNK;
		while (nsize < m->hlen + n)
			nsize *= 2;
		if (nsize > DKIM_HEADER_MAX)
			nsize = DKIM_HEADER_MAX;
		if ((np = realloc(m->hdr, nsize)) == NULL) {
			m->nomem = 1;
			return (-1);
		}
		m->hdr = np;
		m->hsize = nsize;
	}
	memcpy(m->hdr + m->hlen, p, n);
	m->hlen += n;
	return (0);
}

/* Header bytes up to the end of the empty line: how many were used. */
static size_t
hdr_feed(struct dkim_msg *m, const char *p, size_t n)
{
	const char	*lf;
	size_t		 seg, used = 0;

	while (used < n) {
		lf = memchr(p + used, '\n', n - used);
		seg = lf == NULL ? n - used : (size_t)(lf - (p + used));
		if (seg > 0) {
			if (hdr_append(m, p + used, seg) == -1)
				return (n);
			m->line_len += seg;
			m->line_last = p[used + seg - 1];
		}
		used += seg;
		if (lf == NULL)
			break;
		used++;		/* the LF */
		if (m->line_len == 0 ||
		    (m->line_len == 1 && m->line_last == '\r')) {
			if (!m->too_large)
				m->hlen = m->line_start;
			m->inbody = 1;
			(void)hdr_done(m);
			break;
		}
		if (hdr_append(m, m->line_last == '\r' ? "\n" : "\r\n",
		    m->line_last == '\r' ? 1 : 2) == -1)
			return (n);
		m->line_len = 0;
		m->line_last = '\0';
		if (!m->too_large)
			m->line_start = m->hlen;
	}
	return (used);
}

int
dkim_field_is(const struct dkim_msg *m, const struct dkim_hfield *f,
    const char *name, size_t len)
{
	return (f->namelen == len &&
	    strncasecmp(m->hdr + f->off, name, len) == 0);
}

/* Cut the kept header section into fields (a line + continuations). */
static int
hdr_index(struct dkim_msg *m)
{
	struct dkim_hfield	*f;
	const char		*lf, *c;
	size_t			 off, end, n = 0, k;

	for (off = 0; off < m->hlen; off = end) {
		lf = memchr(m->hdr + off, '\n', m->hlen - off);
		end = lf == NULL ? m->hlen : (size_t)(lf - m->hdr) + 1;
		if (m->hdr[off] != ' ' && m->hdr[off] != '\t')
			n++;
	}
	if (n > DKIM_FIELDS_MAX) {
		m->too_large = 1;
		n = DKIM_FIELDS_MAX;
	}
	if (n == 0)
		return (0);
	if ((m->fields = calloc(n, sizeof(*m->fields))) == NULL) {
		m->nomem = 1;
		return (-1);
	}
	for (off = 0; off < m->hlen; off = end) {
		lf = memchr(m->hdr + off, '\n', m->hlen - off);
		end = lf == NULL ? m->hlen : (size_t)(lf - m->hdr) + 1;
		if (m->hdr[off] == ' ' || m->hdr[off] == '\t') {
			if (m->nfields > 0)	/* else: nothing to continue */
				m->fields[m->nfields - 1].len = end -
				    m->fields[m->nfields - 1].off;
			continue;
		}
		if (m->nfields == n)
			break;
		f = &m->fields[m->nfields++];
		f->off = off;
		f->len = end - off;
		f->namelen = 0;		/* no colon: matches no name */
		if ((c = memchr(m->hdr + off, ':', end - off)) != NULL) {
			k = (size_t)(c - (m->hdr + off));
			while (k > 0 && (m->hdr[off + k - 1] == ' ' ||
			    m->hdr[off + k - 1] == '\t'))
				k--;
			f->namelen = k;
		}
	}
	return (0);
}

/* The hasher for (canon, l): an index in m->body, or -1. */
static int
body_get(struct dkim_msg *m, enum dkim_canon canon, int64_t l)
{
	struct dkim_body	*nb;
	size_t			 i;

	for (i = 0; i < m->nbody; i++)
		if (m->body[i].canon == canon && m->body[i].l == l)
			return ((int)i);
	if (m->nbody == DKIM_SIG_MAX + 1)
		return (-1);
	/* grown one at a time: most messages need one or two */
	if ((nb = reallocarray(m->body, m->nbody + 1, sizeof(*nb))) == NULL) {
		m->nomem = 1;
		return (-1);
	}
	m->body = nb;
	if (dkim_body_init(&m->body[m->nbody], canon, l) == -1) {
		m->nomem = 1;
		return (-1);
	}
	return ((int)m->nbody++);
}

static int
sigs_parse(struct dkim_msg *m)
{
	const struct dkim_hfield *f;
	struct dkim_sigcheck	*sc;
	size_t			 i, n = 0, vlen;
	const char		*v;

	for (i = 0; i < m->nfields && n < DKIM_SIG_MAX; i++)
		if (dkim_field_is(m, &m->fields[i], SIG_NAME,
		    sizeof(SIG_NAME) - 1))
			n++;
	if (n == 0)
		return (0);
	m->sc = calloc(n, sizeof(*m->sc));
	m->ex = calloc(n, sizeof(*m->ex));
	m->sigfield = calloc(n, sizeof(*m->sigfield));
	m->sigbody = calloc(n, sizeof(*m->sigbody));
	if (m->sc == NULL || m->ex == NULL || m->sigfield == NULL ||
	    m->sigbody == NULL) {
		m->nomem = 1;
		return (-1);
	}
	for (i = 0; i < m->nfields && m->nsig < n; i++) {
		f = &m->fields[i];
		if (!dkim_field_is(m, f, SIG_NAME, sizeof(SIG_NAME) - 1))
			continue;
		sc = &m->sc[m->nsig];
		m->sigfield[m->nsig] = i;
		m->sigbody[m->nsig] = -1;
		v = (const char *)memchr(m->hdr + f->off, ':', f->len) + 1;
		vlen = f->len - (size_t)(v - (m->hdr + f->off));
		(void)dkim_sig_parse_extra(sc, v, vlen, &m->ex[m->nsig]);
		if (m->too_large) {
			sc->parsed = 0;
			(void)strlcpy(sc->perror, "header too large",
			    sizeof(sc->perror));
		}
		if (sc->parsed && sc->alg != DKIM_ALG_RSA_SHA1 &&
		    (m->sigbody[m->nsig] = body_get(m, sc->bcanon,
		    sc->l)) == -1 && m->nomem)
			return (-1);
		m->nsig++;
	}
	return (0);
}

/* The header section is complete: index it, prepare the hashers. */
static int
hdr_done(struct dkim_msg *m)
{
	if (hdr_index(m) == -1)
		return (-1);
	dkim_from_find(m);
	if ((m->flags & DKIM_MSG_VERIFY) && sigs_parse(m) == -1)
		return (-1);
	if ((m->flags & DKIM_MSG_SIGN) && !m->too_large)
		m->signbody = body_get(m, DKIM_CANON_RELAXED, -1);
	return (m->nomem ? -1 : 0);
}

int
dkim_msg_feed(struct dkim_msg *m, const char *p, size_t n)
{
	size_t	 used, i;

	if (m->nomem)
		return (-1);
	if (m->ended)
		return (0);
	if (!m->inbody) {
		used = hdr_feed(m, p, n);
		if (m->nomem)
			return (-1);
		p += used;
		n -= used;
	}
	if (n == 0)
		return (0);
	for (i = 0; i < m->nbody; i++)
		dkim_body_update(&m->body[i], p, n);
	return (0);
}

/*
 * The signature field with its b= value (and the FWS around it)
 * removed, into out (at least len bytes): RFC 6376 3.7.
 */
static int
sig_strip_b(const char *f, size_t len, char *out, size_t *outlen)
{
	const char	*c;
	size_t		 i, vend, name, start;

	if ((c = memchr(f, ':', len)) == NULL)
		return (-1);
	vend = len;
	if (vend >= 2 && f[vend - 2] == '\r' && f[vend - 1] == '\n')
		vend -= 2;
	for (i = (size_t)(c - f) + 1; i < vend; i++) {
		while (i < vend && (f[i] == ' ' || f[i] == '\t' ||
		    f[i] == '\r' || f[i] == '\n' || f[i] == ';'))
			i++;
		name = i;
		while (i < vend && f[i] != '=' && f[i] != ';' &&
		    f[i] != ' ' && f[i] != '\t' && f[i] != '\r' &&
		    f[i] != '\n')
			i++;
		start = i;
		while (i < vend && f[i] != ';')
			i++;
		if (start - name == 1 && f[name] == 'b') {
			if ((c = memchr(f + start, '=', i - start)) == NULL)
				return (-1);
			start = (size_t)(c - f) + 1;
			memcpy(out, f, start);
			memcpy(out + start, f + i, len - i);
			*outlen = start + len - i;
			return (0);
		}
	}
	return (-1);
}

/* bh=, l= and the header hash of signature k. */
static void
sig_finish(struct dkim_msg *m, size_t k)
{
	struct dkim_sigcheck	*sc = &m->sc[k];
	const struct dkim_hfield *f = &m->fields[m->sigfield[k]];
	const struct dkim_body	*b;
	char			*buf;
	size_t			 blen;

	if (!sc->parsed || m->sigbody[k] == -1)
		return;
	b = &m->body[m->sigbody[k]];
	sc->bh_ok = memcmp(b->hash, m->ex[k].bh, DKIM_HASH_LEN) == 0;
	sc->l_short = sc->l >= 0 && b->total > (uint64_t)sc->l;
	if ((buf = malloc(f->len)) == NULL) {
		m->nomem = 1;
		return;
	}
	if (sig_strip_b(m->hdr + f->off, f->len, buf, &blen) == -1 ||
	    dkim_header_hash(m, m->ex[k].h, m->ex[k].hlen, sc->hcanon,
	    buf, blen, sc->hhash) == -1) {
		sc->parsed = 0;
		(void)strlcpy(sc->perror, "bad h=", sizeof(sc->perror));
	}
	free(buf);
}

int
dkim_msg_end(struct dkim_msg *m)
{
	size_t	 i;

	if (m->nomem)
		return (-1);
	if (m->ended)
		return (0);
	if (!m->inbody) {
		/* no empty line: the last line, ended, closes the header */
		if (m->line_len > 0 && !(m->line_len == 1 &&
		    m->line_last == '\r'))
			(void)hdr_append(m, m->line_last == '\r' ? "\n" :
			    "\r\n", m->line_last == '\r' ? 1 : 2);
		else if (!m->too_large)
			m->hlen = m->line_start;
		m->inbody = 1;
		if (hdr_done(m) == -1 || m->nomem)
			return (-1);
	}
	m->ended = 1;
	for (i = 0; i < m->nbody; i++)
		if (dkim_body_final(&m->body[i]) == -1) {
			m->nomem = 1;
			return (-1);
		}
	for (i = 0; i < m->nsig; i++)
		sig_finish(m, i);
	return (m->nomem ? -1 : 0);
}

size_t
dkim_msg_nsig(const struct dkim_msg *m)
{
	return (m->ended ? m->nsig : 0);
}

const struct dkim_sigcheck *
dkim_msg_sigcheck(const struct dkim_msg *m, size_t i)
{
	if (!m->ended || i >= m->nsig)
		return (NULL);
	return (&m->sc[i]);
}

const char *
dkim_msg_from_domain(const struct dkim_msg *m)
{
	return (m->has_from ? m->from : NULL);
}

int
dkim_msg_from_unusable(const struct dkim_msg *m)
{
	return (m->from_bad);
}

int
dkim_header_hash(const struct dkim_msg *m, const char *h, size_t hlen,
    enum dkim_canon canon, const char *sigf, size_t siglen, uint8_t *out)
{
	struct dkim_tag	 items[DKIM_H_MAX];
	EVP_MD_CTX	*md;
	size_t		 n = 0, i, j, skip, start, end;
	unsigned int	 olen = 0;
	int		 ret = -1;

	/* the names: colon-separated, FWS around them */
	for (i = 0; i <= hlen; i++) {
		while (i < hlen && (h[i] == ' ' || h[i] == '\t' ||
		    h[i] == '\r' || h[i] == '\n'))
			i++;
		start = end = i;
		for (; i < hlen && h[i] != ':'; i++)
			if (h[i] != ' ' && h[i] != '\t' && h[i] != '\r' &&
			    h[i] != '\n')
				end = i + 1;
		if (end == start || n == DKIM_H_MAX)
			return (-1);
		items[n].name = h + start;
		items[n++].namelen = end - start;
	}
	if ((md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto done;
	for (i = 0; i < n; i++) {
		/* the instances used by earlier items are skipped */
		for (skip = 0, j = 0; j < i; j++)
			if (items[j].namelen == items[i].namelen &&
			    strncasecmp(items[j].name, items[i].name,
			    items[i].namelen) == 0)
				skip++;
		for (j = m->nfields; j-- > 0; ) {
			if (!dkim_field_is(m, &m->fields[j], items[i].name,
			    items[i].namelen))
				continue;
			if (skip-- > 0)
				continue;
			if (dkim_canon_header(md, canon, m->hdr +
			    m->fields[j].off, m->fields[j].len, 1) == -1)
				goto done;
			break;
		}
	}
	if (dkim_canon_header(md, canon, sigf, siglen, 0) == -1 ||
	    EVP_DigestFinal_ex(md, out, &olen) != 1 || olen != DKIM_HASH_LEN)
		goto done;
	ret = 0;
 done:
	EVP_MD_CTX_free(md);
	return (ret);
}
