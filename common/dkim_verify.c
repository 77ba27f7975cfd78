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
 * dkim_verify.c -- the verdict on each signature: its key record looked
 * up ("selector._domainkey.domain" TXT, through the resolver_query_fn
 * the caller gives: the shared resolver, or a fake in tests), the key's
 * constraints checked against the signature (revoked, k=, h=, s=, t=s,
 * the key itself and its size), then x=, the body hash and the signature
 * (RFC 6376 6.1.2, 6.1.3; RFC 8301; RFC 8463).
 *
 * done() is always called from the event loop: from the last lookup's
 * callback, or, when no lookup was started, from a zero timeout.  A
 * cancelled verification is freed once every lookup it started has
 * answered (the resolver cannot take a callback back).
 *
 * SECURITY: the key record comes from the DNS: at most the first
 * DKIM_TXT_MAX bytes of each TXT record are looked at, and the first
 * record that parses is used; RSA keys outside DKIM_RSA_MIN_BITS to
 * DKIM_RSA_MAX_BITS and rsa-sha1 are refused; a body hash mismatch is
 * a failure before any public-key operation; l= that leaves part of the
 * body out is "policy", never "pass".
 */

#include <sys/types.h>
#include <sys/time.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"
#include "dkim_local.h"
#include "dns.h"

#define DKIM_TXT_MAX	4096	/* a key record: RSA-8192 is ~1.5 kB */
#define DKIM_KEY_NAME	"._domainkey."

struct dkim_vq {
	struct dkim_verify	*v;
	size_t			 idx;
};

struct dkim_verify {
	struct dkim_sigcheck	*sc;
	struct dkim_verdict	*vd;
	struct dkim_vq		*q;
	size_t			 n;
	size_t			 pending;	/* lookups not answered */
	time_t			 now;
	int			 cancelled;
	int			 timer;		/* ev is added */
	dkim_verify_cb		 done;
	void			*arg;
	struct event		 ev;
};

static void	verdict_init(const struct dkim_sigcheck *,
		    struct dkim_verdict *);
static void	verdict_set(struct dkim_verdict *, enum dkim_result,
		    const char *);
static int	key_check(const struct dkim_sigcheck *,
		    const struct dkim_key *, struct dkim_verdict *);
static int	auid_domain_is_d(const struct dkim_sigcheck *);
static void	verify_answer(void *, int, const uint8_t *, size_t, int);
static void	verify_timer(int, short, void *);
static void	verify_done(struct dkim_verify *);
static void	verify_free(struct dkim_verify *);

static void
verdict_init(const struct dkim_sigcheck *sc, struct dkim_verdict *vd)
{
	memset(vd, 0, sizeof(*vd));
	vd->alg = sc->alg;
	(void)strlcpy(vd->d, sc->d, sizeof(vd->d));
	(void)strlcpy(vd->s, sc->s, sizeof(vd->s));
	(void)strlcpy(vd->i, sc->i, sizeof(vd->i));
	(void)strlcpy(vd->b8, sc->b8, sizeof(vd->b8));
}

static void
verdict_set(struct dkim_verdict *vd, enum dkim_result r, const char *why)
{
	vd->result = r;
	(void)strlcpy(vd->reason, why, sizeof(vd->reason));
}

/* t=s: the domain of i= is d= itself, not a subdomain. */
static int
auid_domain_is_d(const struct dkim_sigcheck *sc)
{
	const char	*at;

	if ((at = strrchr(sc->i, '@')) == NULL)
		return (0);
	return (strcasecmp(at + 1, sc->d) == 0);
}

/* The key record's constraints: 0, or -1 with the verdict set. */
static int
key_check(const struct dkim_sigcheck *sc, const struct dkim_key *k,
    struct dkim_verdict *vd)
{
	if (k->revoked)
		verdict_set(vd, DKIM_PERMERROR, "key revoked");
	else if (k->ed25519 != (sc->alg == DKIM_ALG_ED25519_SHA256))
		verdict_set(vd, DKIM_PERMERROR, "key type does not match a=");
	else if (!k->sha256_ok)
		verdict_set(vd, DKIM_PERMERROR, "key h= excludes sha256");
	else if (!k->email_ok)
		verdict_set(vd, DKIM_PERMERROR, "key s= excludes email");
	else if (k->strict && !auid_domain_is_d(sc))
		verdict_set(vd, DKIM_PERMERROR, "key t=s: i= not in d=");
	else
		return (0);
	return (-1);
}

void
dkim_sigcheck_key(const struct dkim_sigcheck *sc, int status,
    const char *txt, size_t len, time_t now, struct dkim_verdict *vd)
{
	struct dkim_key	 k;
	EVP_PKEY	*key;
	const char	*err = "bad key";
	char		 why[DKIM_REASON_MAX];
	int		 r;

	verdict_init(sc, vd);
	if (!sc->parsed) {
		verdict_set(vd, DKIM_PERMERROR, sc->perror);
		return;
	}
	if (sc->alg == DKIM_ALG_RSA_SHA1) {
		verdict_set(vd, DKIM_PERMERROR, "rsa-sha1 refused");
		return;
	}
	if (status == RESOLVER_TEMPFAIL) {
		verdict_set(vd, DKIM_TEMPERROR, "key lookup failed");
		return;
	}
	if (status != RESOLVER_OK || txt == NULL) {
		verdict_set(vd, DKIM_PERMERROR, "no key");
		return;
	}
	if (dkim_key_parse(&k, txt, len, &err) == -1) {
		(void)snprintf(why, sizeof(why), "bad key: %s", err);
		verdict_set(vd, DKIM_PERMERROR, why);
		return;
	}
	vd->testing = k.testing;
	if (key_check(sc, &k, vd) == -1)
		return;
	if ((key = dkim_crypto_pubkey(&k, sc->alg, &err)) == NULL) {
		verdict_set(vd, DKIM_PERMERROR, err);
		return;
	}
	if (sc->x >= 0 && (int64_t)now > sc->x)
		verdict_set(vd, DKIM_PERMERROR, "signature expired");
	else if (!sc->bh_ok)
		verdict_set(vd, DKIM_FAIL, "body hash mismatch");
	else if ((r = dkim_crypto_verify(key, sc->hhash, sc->b,
	    sc->blen)) == -1)
		verdict_set(vd, DKIM_TEMPERROR, "libcrypto failed");
	else if (r == 0)
		verdict_set(vd, DKIM_FAIL, "signature did not verify");
	else if (sc->l_short)
		verdict_set(vd, DKIM_POLICY, "l= leaves part of the body "
		    "unsigned");
	else
		verdict_set(vd, DKIM_PASS, "");
	EVP_PKEY_free(key);
}

/* One key lookup answered. */
static void
verify_answer(void *arg, int status, const uint8_t *pkt, size_t len,
    int secure)
{
	struct dkim_vq		*q = arg;
	struct dkim_verify	*v = q->v;
	struct dkim_txtbuf {
		char	 buf[DKIM_TXT_MAX];
	}			*first = NULL, cur;
	struct dns_msg		 msg;
	struct dns_rr		 rr;
	struct dkim_key		 k;
	const char		*err;
	ssize_t			 n, firstlen = 0;
	int			 found = 0;

	v->pending--;
	if (v->cancelled) {
		if (v->pending == 0 && !v->timer)
			verify_free(v);
		return;
	}
	if (status == RESOLVER_OK && dns_msg_init(&msg, pkt, len) == -1)
		status = RESOLVER_TEMPFAIL;
	if (status != RESOLVER_OK) {
		dkim_sigcheck_key(&v->sc[q->idx], status, NULL, 0, v->now,
		    &v->vd[q->idx]);
		goto out;
	}
	if ((first = malloc(sizeof(*first))) == NULL) {
		dkim_sigcheck_key(&v->sc[q->idx], RESOLVER_TEMPFAIL, NULL, 0,
		    v->now, &v->vd[q->idx]);
		goto out;
	}
	while (!found && dns_msg_next(&msg, &rr) == 1) {
		if (rr.type != DNS_T_TXT || rr.class != DNS_C_IN)
			continue;
		if ((n = dns_txt_join(&rr, cur.buf, sizeof(cur.buf))) < 0)
			continue;
		if (firstlen == 0 && n > 0) {
			memcpy(first->buf, cur.buf, (size_t)n);
			firstlen = n;
		}
		if (dkim_key_parse(&k, cur.buf, (size_t)n, &err) == 0) {
			dkim_sigcheck_key(&v->sc[q->idx], RESOLVER_OK,
			    cur.buf, (size_t)n, v->now, &v->vd[q->idx]);
			found = 1;
		}
	}
	/* none parses: the first tells why; no TXT at all: no key */
	if (!found)
		dkim_sigcheck_key(&v->sc[q->idx], RESOLVER_OK,
		    firstlen > 0 ? first->buf : NULL, (size_t)firstlen,
		    v->now, &v->vd[q->idx]);
 out:
	free(first);
	if (v->pending == 0)
		verify_done(v);
}

static void
verify_timer(int fd, short event, void *arg)
{
	struct dkim_verify	*v = arg;

	v->timer = 0;
	if (v->cancelled) {
		if (v->pending == 0)
			verify_free(v);
		return;
	}
	if (v->pending == 0)
		verify_done(v);
}

static void
verify_done(struct dkim_verify *v)
{
	v->cancelled = 1;	/* a cancel from done() frees nothing */
	v->done(v->arg, v->vd, v->n);
	verify_free(v);
}

static void
verify_free(struct dkim_verify *v)
{
	if (v->timer)
		evtimer_del(&v->ev);
	free(v->sc);
	free(v->vd);
	free(v->q);
	free(v);
}

struct dkim_verify *
dkim_verify_start(const struct dkim_sigcheck *sc, size_t n,
    resolver_query_fn query, time_t now, dkim_verify_cb done, void *arg)
{
	struct dkim_verify	*v;
	struct timeval		 tv = { 0, 0 };
	char			 name[DKIM_SELECTOR_MAX + DKIM_DOMAIN_MAX +
				    sizeof(DKIM_KEY_NAME)];
	size_t			 i, nq = 0;
	int			 r;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return (NULL);
	v->n = n;
	v->now = now;
	v->done = done;
	v->arg = arg;
	if (n > 0 && ((v->sc = calloc(n, sizeof(*v->sc))) == NULL ||
	    (v->vd = calloc(n, sizeof(*v->vd))) == NULL ||
	    (v->q = calloc(n, sizeof(*v->q))) == NULL)) {
		verify_free(v);
		return (NULL);
	}
	if (n > 0)
		memcpy(v->sc, sc, n * sizeof(*sc));
	/* decide first which need a lookup, so that pending is final */
	for (i = 0; i < n; i++) {
		v->q[i].v = v;
		v->q[i].idx = i;
		if (!v->sc[i].parsed || v->sc[i].alg == DKIM_ALG_RSA_SHA1) {
			dkim_sigcheck_key(&v->sc[i], RESOLVER_OK, NULL, 0,
			    now, &v->vd[i]);
			v->q[i].v = NULL;
			continue;
		}
		nq++;
	}
	/* held by one while starting: an early answer cannot finish us */
	v->pending = nq + 1;
	for (i = 0; i < n; i++) {
		if (v->q[i].v == NULL)
			continue;
		r = snprintf(name, sizeof(name), "%s%s%s", v->sc[i].s,
		    DKIM_KEY_NAME, v->sc[i].d);
		if (r < 0 || (size_t)r >= sizeof(name) ||
		    (size_t)r > DNS_NAME_MAX) {
			verdict_init(&v->sc[i], &v->vd[i]);
			verdict_set(&v->vd[i], DKIM_PERMERROR,
			    "key name too long");
			v->pending--;
			continue;
		}
		query(name, DNS_T_TXT, verify_answer, &v->q[i]);
	}
	v->pending--;
	if (v->pending == 0) {
		evtimer_set(&v->ev, verify_timer, v);
		v->timer = 1;
		evtimer_add(&v->ev, &tv);
	}
	return (v);
}

void
dkim_verify_cancel(struct dkim_verify *v)
{
	if (v == NULL || v->cancelled)
		return;
	v->cancelled = 1;
	if (v->timer) {
		evtimer_del(&v->ev);
		v->timer = 0;
	}
	if (v->pending == 0)
		verify_free(v);
}
