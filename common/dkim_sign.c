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
 * dkim_sign.c -- the DKIM-Signature field we add (RFC 6376 3.5, 5):
 * v=1, relaxed/relaxed, t= now, the default list of header fields that
 * are present (each as many times as it occurs, From once more so that
 * no From can be added), bh= of the relaxed body, folded at 78 columns;
 * its header hash, for the key holder to sign; then the signature
 * appended by dkim_sign_finish().
 *
 * SECURITY: domain and selector come from the configuration and are
 * checked anyway (they go into a header field); the field is built in
 * a fixed buffer with every append checked.  Nothing secret here: the
 * private key stays with the caller of dkim_key_sign().
 */

#include <sys/types.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dkim.h"
#include "dkim_local.h"
#include "sasl.h"

#define FOLD_COL	78
#define SIGN_PER_NAME	5	/* instances of one name we sign at most */

/* The header fields we sign when present (RFC 6376 5.4.1). */
static const char *const sign_names[] = {
	"from", "reply-to", "subject", "date", "to", "cc",
	"resent-date", "resent-from", "resent-to", "resent-cc",
	"in-reply-to", "references", "list-id", "list-help",
	"list-unsubscribe", "list-subscribe", "list-post", "list-owner",
	"list-archive", "message-id", "mime-version", "content-type",
	"content-transfer-encoding",
};

struct fbuf {
	char	*buf;
	size_t	 size;
	size_t	 len;
	size_t	 col;
	int	 err;
};

static void	fb_add(struct fbuf *, const char *, size_t);
static void	fb_word(struct fbuf *, const char *, size_t, int);
static int	sign_hlist(const struct dkim_msg *, char *, size_t);
static int	sign_name_ok(const char *);

static void
fb_add(struct fbuf *fb, const char *s, size_t n)
{
	if (fb->err || n >= fb->size - fb->len) {
		fb->err = 1;
		return;
	}
	memcpy(fb->buf + fb->len, s, n);
	fb->len += n;
	fb->buf[fb->len] = '\0';
	fb->col += n;
}

/* A word, on a new folded line if it would pass FOLD_COL. */
static void
fb_word(struct fbuf *fb, const char *s, size_t n, int space)
{
	if (fb->col + n + (space ? 1 : 0) > FOLD_COL && fb->col > 1) {
		fb_add(fb, "\r\n\t", 3);
		fb->col = 1;
	} else if (space)
		fb_add(fb, " ", 1);
	fb_add(fb, s, n);
}

/* "from:to:...:from" of the fields present: its length, or -1. */
static int
sign_hlist(const struct dkim_msg *m, char *h, size_t size)
{
	size_t	 i, j, k, len = 0, nlen;
	int	 n;

	h[0] = '\0';
	for (i = 0; i < sizeof(sign_names) / sizeof(sign_names[0]); i++) {
		nlen = strlen(sign_names[i]);
		for (n = 0, j = 0; j < m->nfields; j++)
			if (dkim_field_is(m, &m->fields[j], sign_names[i],
			    nlen))
				n++;
		if (n > SIGN_PER_NAME)
			n = SIGN_PER_NAME;
		if (i == 0)
			n++;		/* From oversigned */
		for (k = 0; k < (size_t)n; k++) {
			if (len + nlen + 2 > size)
				return (-1);
			if (len > 0)
				h[len++] = ':';
			memcpy(h + len, sign_names[i], nlen);
			len += nlen;
			h[len] = '\0';
		}
	}
	return ((int)len);
}

static int
sign_name_ok(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return (0);
	return (n > 0 && n < DKIM_DOMAIN_MAX);
}

int
dkim_msg_sign(const struct dkim_msg *m, const char *domain,
    const char *selector, enum dkim_alg alg, time_t now,
    struct dkim_sign *ds)
{
	struct fbuf	 fb;
	char		 h[DKIM_FIELD_MAX], w[DKIM_FIELD_MAX];
	char		 bh[64];
	const char	*item, *colon;
	size_t		 hlen;
	int		 n, hl;

	memset(ds, 0, sizeof(*ds));
	if (!m->ended || m->nomem || m->too_large || m->signbody == -1 ||
	    (alg != DKIM_ALG_RSA_SHA256 && alg != DKIM_ALG_ED25519_SHA256) ||
	    !sign_name_ok(domain) || !sign_name_ok(selector) ||
	    (hl = sign_hlist(m, h, sizeof(h))) == -1 ||
	    sasl_b64_encode(m->body[m->signbody].hash, DKIM_HASH_LEN, bh,
	    sizeof(bh)) == -1)
		return (-1);
	hlen = (size_t)hl;
	memset(&fb, 0, sizeof(fb));
	fb.buf = ds->field;
	fb.size = sizeof(ds->field);
	fb_add(&fb, "DKIM-Signature: v=1;", 20);
	n = snprintf(w, sizeof(w), "a=%s;", dkim_alg_name(alg));
	fb_word(&fb, w, (size_t)n, 1);
	fb_word(&fb, "c=relaxed/relaxed;", 18, 1);
	n = snprintf(w, sizeof(w), "d=%s;", domain);
	fb_word(&fb, w, (size_t)n, 1);
	n = snprintf(w, sizeof(w), "s=%s;", selector);
	fb_word(&fb, w, (size_t)n, 1);
	n = snprintf(w, sizeof(w), "t=%" PRId64 ";", (int64_t)now);
	fb_word(&fb, w, (size_t)n, 1);
	/* h=, folded after a colon */
	for (item = h; item < h + hlen; item = colon + 1) {
		if ((colon = strchr(item, ':')) == NULL)
			colon = h + hlen;
		n = snprintf(w, sizeof(w), "%s%.*s%s", item == h ? "h=" : "",
		    (int)(colon - item), item, colon == h + hlen ? ";" : ":");
		fb_word(&fb, w, (size_t)n, item == h);
	}
	n = snprintf(w, sizeof(w), "bh=%s;", bh);
	fb_word(&fb, w, (size_t)n, 1);
	fb_word(&fb, "b=", 2, 1);
	if (fb.err)
		return (-1);
	ds->len = fb.len;
	ds->alg = alg;
	if (dkim_header_hash(m, h, hlen, DKIM_CANON_RELAXED, ds->field,
	    ds->len, ds->hhash) == -1)
		return (-1);
	return (0);
}

int
dkim_sign_finish(struct dkim_sign *ds, const uint8_t *sig, size_t len)
{
	struct fbuf	 fb;
	char		 b64[((DKIM_B_MAX + 2) / 3) * 4 + 1];
	const char	*nl;
	size_t		 i, blen, room;

	if (len == 0 || len > DKIM_B_MAX || ds->len >= sizeof(ds->field) ||
	    sasl_b64_encode(sig, len, b64, sizeof(b64)) == -1)
		return (-1);
	blen = strlen(b64);
	memset(&fb, 0, sizeof(fb));
	fb.buf = ds->field;
	fb.size = sizeof(ds->field);
	fb.len = ds->len;
	ds->field[ds->len] = '\0';
	nl = memrchr(ds->field, '\n', ds->len);
	fb.col = nl == NULL ? ds->len :
	    ds->len - (size_t)(nl - ds->field) - 1;
	for (i = 0; i < blen; i += room) {
		if (fb.col >= FOLD_COL) {
			fb_add(&fb, "\r\n\t", 3);
			fb.col = 1;
		}
		room = FOLD_COL - fb.col;
		if (room > blen - i)
			room = blen - i;
		fb_add(&fb, b64 + i, room);
	}
	fb_add(&fb, "\r\n", 2);
	if (fb.err) {
		ds->field[ds->len] = '\0';
		return (-1);
	}
	ds->len = fb.len;
	return (0);
}
