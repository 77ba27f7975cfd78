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
 * lka_mailauth.c -- inbound mail authentication, lka's side (issue 16;
 * the protocol is in smtpd/mailauth.h, smtp's side in
 * smtp/smtp_mailauth.c).  The checks are common/'s, on lka's resolver
 * (lka_dns_query() is a resolver_query_fn):
 *
 *	IMSG_SMTP_SPF_CHECK	spf_check() of the MAIL FROM identity, and
 *				of the HELO identity when HELO is a domain
 *				name; both answered in one IMSG_LKA_SPF_RESULT
 *	IMSG_SMTP_DKIM_SIG...	the signatures of one message, collected
 *	IMSG_SMTP_MAILAUTH	dkim_verify_start(), then dmarc_check() with
 *				the SPF outcome smtp kept since MAIL, then
 *				authres_format(): IMSG_LKA_MAILAUTH_RESULT
 *	IMSG_SMTP_MAILAUTH_CANCEL  the session is gone: every lookup of
 *				the request is cancelled and the answer
 *				(ST_TEMPFAIL) sent at once; a cancel for a
 *				request already answered is ignored
 *
 * At most LKA_MA_RUN_MAX checks run at once; the others wait in order,
 * up to LKA_MA_JOBS_MAX requests in all.  Beyond that a request is
 * answered at once: SPF "temperror (lka busy)", a verdict ST_TEMPFAIL
 * (the client is told to try again later; nothing is lost).
 *
 * The organisational domains of DMARC come from Debian's publicsuffix
 * list, loaded by lka_mailauth_init() before the sandbox; without it
 * dmarc.c falls back to the last two labels, which we say once.
 *
 * SECURITY: every name, record and signature here is the network's.
 * The payloads were checked by imsg_check_mailauth.c; the signature
 * indexes and counts are checked against each other here (a mismatch is
 * a broken smtp: fatal, as for any malformed imsg from a trusted peer).
 * DNS answers are read by common/ (spf.c, dkim_verify.c, dmarc.c) under
 * their bounds; a lookup that never answers ends in the resolver's
 * timeout, and each check's number of lookups is bounded by its RFC.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "proc.h"
#include "util.h"
#include "smtpd.h"
#include "mailauth.h"
#include "lka.h"
#include "lka_dns.h"

#define LKA_MA_RUN_MAX		64	/* checks running at once */
#define LKA_MA_JOBS_MAX		4096	/* requests held, running or not */

enum lka_ma_kind {
	MAK_SPF,		/* IMSG_SMTP_SPF_CHECK */
	MAK_VERDICT,		/* IMSG_SMTP_DKIM_SIG..., IMSG_SMTP_MAILAUTH */
};

enum lka_ma_state {
	MAS_COLLECT,		/* signatures arriving, no request yet */
	MAS_WAIT,		/* in lka_ma_waitq */
	MAS_RUN,		/* lookups under way */
};

struct lka_ma {
	TAILQ_ENTRY(lka_ma)	 entry;		/* lka_ma_jobs */
	TAILQ_ENTRY(lka_ma)	 wentry;	/* lka_ma_waitq (MAS_WAIT) */
	uint64_t		 reqid;
	enum lka_ma_kind	 kind;
	enum lka_ma_state	 state;
	int			 busy;		/* over the bound: refused */
	/*
	 * A start function is running: a callback that comes from inside
	 * it (common/ promises they do not; we do not rely on it) only
	 * records its result, the start function goes on.
	 */
	int			 starting;
	int			 done[2];	/* SPF identities answered */
	int			 stepdone;	/* DKIM, then DMARC answered */

	/* MAK_SPF */
	struct mailauth_spf_req	 sreq;
	struct mailauth_spf_reply srep;
	struct spf		*spf[2];	/* SPF_ID_MAILFROM, _HELO */

	/* MAK_VERDICT */
	struct dkim_sigcheck	*sigs;		/* DKIM_SIG_MAX of them */
	uint32_t		 sigmask;	/* indexes received */
	struct mailauth_req	 req;
	struct dkim_verify	*dv;
	struct dkim_verdict	 verdicts[DKIM_SIG_MAX];
	size_t			 nverdict;
	struct dmarc		*dm;
	struct dmarc_outcome	 dmo;
};

static TAILQ_HEAD(, lka_ma)	lka_ma_jobs =
    TAILQ_HEAD_INITIALIZER(lka_ma_jobs);
static TAILQ_HEAD(, lka_ma)	lka_ma_waitq =
    TAILQ_HEAD_INITIALIZER(lka_ma_waitq);
static size_t			lka_ma_njobs;
static size_t			lka_ma_nrun;
static int			lka_ma_psl_missing;
static int			lka_ma_psl_warned;

static struct lka_ma *lka_ma_find(uint64_t);
static struct lka_ma *lka_ma_new(uint64_t, enum lka_ma_kind);
static void	lka_ma_free(struct lka_ma *);
static void	lka_ma_enqueue(struct lka_ma *);
static void	lka_ma_schedule(void);
static void	lka_ma_start(struct lka_ma *);
static void	lka_ma_spf_start(struct lka_ma *);
static int	lka_ma_helo_domain(const char *);
static void	lka_ma_spf_mailfrom(void *, const struct spf_outcome *);
static void	lka_ma_spf_helo(void *, const struct spf_outcome *);
static void	lka_ma_spf_error(struct spf_outcome *, int, const char *);
static void	lka_ma_spf_next(struct lka_ma *);
static void	lka_ma_spf_answer(struct lka_ma *, int);
static void	lka_ma_verdict_start(struct lka_ma *);
static void	lka_ma_dkim_done(void *, const struct dkim_verdict *,
		    size_t);
static void	lka_ma_dmarc_start(struct lka_ma *);
static void	lka_ma_dmarc_done(void *, const struct dmarc_outcome *);
static void	lka_ma_verdict_answer(struct lka_ma *);
static void	lka_ma_verdict_fail(struct lka_ma *);
static void	lka_ma_results(char *, size_t, const struct lka_ma *,
		    const struct dmarc_outcome *);
static void	lka_ma_psl_warn(void);
static void	lka_ma_send(uint32_t, const void *, size_t);

/*
 * Before the sandbox: the public suffix list, and libcrypto's algorithms
 * (its providers and configuration are read now, not under Landlock).
 */
void
lka_mailauth_init(void)
{
	const struct listener	*l;
	EVP_PKEY_CTX		*ctx;

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_ADD_ALL_DIGESTS, NULL) != 1)
		fatalx("lka: OPENSSL_init_crypto");
	EVP_MD_free(EVP_MD_fetch(NULL, "SHA256", NULL));
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL)
		EVP_PKEY_CTX_free(ctx);
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "ED25519", NULL)) != NULL)
		EVP_PKEY_CTX_free(ctx);
	if (psl_load(DMARC_PSL_PATH) == -1)
		lka_ma_psl_missing = 1;
	TAILQ_FOREACH(l, &env->listeners, entry)
		if (l->flags & (LF_MAILAUTH | LF_DMARC_POLICY | LF_SPF_REJECT))
			lka_ma_psl_warn();
}

static void
lka_ma_psl_warn(void)
{
	if (!lka_ma_psl_missing || lka_ma_psl_warned)
		return;
	lka_ma_psl_warned = 1;
	log_warnx("mail-auth: cannot load the public suffix list %s "
	    "(package publicsuffix): DMARC takes the last two labels of a "
	    "name as its organisational domain", DMARC_PSL_PATH);
}

static void
lka_ma_send(uint32_t type, const void *data, size_t len)
{
	struct peer	*p;

	if ((p = child_peer(PROC_SMTP)) == NULL)
		fatalx("lka: no channel to smtp");
	(void)peer_compose(p, type, 0, 0, -1, data, len);
}

static struct lka_ma *
lka_ma_find(uint64_t reqid)
{
	struct lka_ma	*j;

	TAILQ_FOREACH(j, &lka_ma_jobs, entry)
		if (j->reqid == reqid)
			return (j);
	return (NULL);
}

/* A new request; busy (answered at once) beyond LKA_MA_JOBS_MAX. */
static struct lka_ma *
lka_ma_new(uint64_t reqid, enum lka_ma_kind kind)
{
	struct lka_ma	*j;

	if (lka_ma_find(reqid) != NULL)
		fatalx("lka: mail-auth request %016llx twice",
		    (unsigned long long)reqid);
	j = xcalloc(1, sizeof(*j));
	j->reqid = reqid;
	j->kind = kind;
	j->state = MAS_COLLECT;
	if (lka_ma_njobs >= LKA_MA_JOBS_MAX) {
		j->busy = 1;
		log_warnx("%016llx lka mail-auth: %d requests held already: "
		    "refused for now", (unsigned long long)reqid,
		    LKA_MA_JOBS_MAX);
	}
	TAILQ_INSERT_TAIL(&lka_ma_jobs, j, entry);
	lka_ma_njobs++;
	return (j);
}

/* Cancel what runs, forget the request; the next may start. */
static void
lka_ma_free(struct lka_ma *j)
{
	size_t	 i;

	for (i = 0; i < nitems(j->spf); i++)
		if (j->spf[i] != NULL)
			spf_cancel(j->spf[i]);
	if (j->dv != NULL)
		dkim_verify_cancel(j->dv);
	if (j->dm != NULL)
		dmarc_cancel(j->dm);
	if (j->state == MAS_WAIT)
		TAILQ_REMOVE(&lka_ma_waitq, j, wentry);
	if (j->state == MAS_RUN)
		lka_ma_nrun--;
	TAILQ_REMOVE(&lka_ma_jobs, j, entry);
	lka_ma_njobs--;
	free(j->sigs);
	free(j);
}

static void
lka_ma_enqueue(struct lka_ma *j)
{
	j->state = MAS_WAIT;
	TAILQ_INSERT_TAIL(&lka_ma_waitq, j, wentry);
	lka_ma_schedule();
}

static void
lka_ma_schedule(void)
{
	struct lka_ma	*j;

	while (lka_ma_nrun < LKA_MA_RUN_MAX &&
	    (j = TAILQ_FIRST(&lka_ma_waitq)) != NULL) {
		TAILQ_REMOVE(&lka_ma_waitq, j, wentry);
		j->state = MAS_RUN;
		lka_ma_nrun++;
		lka_ma_start(j);
	}
}

/* Callbacks come from the event loop, never from inside a start. */
static void
lka_ma_start(struct lka_ma *j)
{
	if (j->kind == MAK_SPF)
		lka_ma_spf_start(j);
	else
		lka_ma_verdict_start(j);
}

/* IMSG_SMTP_SPF_CHECK */
void
lka_mailauth_imsg_spf(struct peer *p, struct imsg *imsg)
{
	struct mailauth_spf_req	 req;
	struct lka_ma		*j;

	imsg_payload(imsg, &req, sizeof(req));
	j = lka_ma_new(req.reqid, MAK_SPF);
	j->sreq = req;
	j->srep.reqid = req.reqid;
	j->srep.status = ST_OK;
	j->srep.mailfrom.identity = SPF_ID_MAILFROM;
	j->srep.helo.identity = SPF_ID_HELO;
	if (j->busy) {
		lka_ma_spf_error(&j->srep.mailfrom, SPF_ID_MAILFROM,
		    "lka busy");
		lka_ma_spf_answer(j, ST_OK);
		return;
	}
	lka_ma_enqueue(j);
}

/* A HELO name worth checking: a domain name, not an address literal. */
static int
lka_ma_helo_domain(const char *h)
{
	size_t	 len = strlen(h);

	return (len > 0 && len < SPF_DOMAIN_MAX && h[0] != '[' &&
	    strchr(h, '.') != NULL && h[len - 1] != '.');
}

static void
lka_ma_spf_error(struct spf_outcome *o, int identity, const char *why)
{
	memset(o, 0, sizeof(*o));
	o->result = SPF_TEMPERROR;
	o->identity = identity;
	(void)strlcpy(o->reason, why, sizeof(o->reason));
}

/* Both identities at once; the answer when both are in. */
static void
lka_ma_spf_start(struct lka_ma *j)
{
	struct mailauth_spf_req	*r = &j->sreq;
	struct spf		*h;

	j->starting = 1;
	h = spf_check(lka_dns_query, r->ip, r->helo, r->sender,
	    SPF_ID_MAILFROM, env->hostname, lka_ma_spf_mailfrom, j);
	if (h == NULL) {
		lka_ma_spf_error(&j->srep.mailfrom, SPF_ID_MAILFROM,
		    "out of memory");
		j->done[0] = 1;
	} else if (!j->done[0])
		j->spf[0] = h;
	if (!lka_ma_helo_domain(r->helo))
		j->done[1] = 1;
	else if ((h = spf_check(lka_dns_query, r->ip, r->helo, "",
	    SPF_ID_HELO, env->hostname, lka_ma_spf_helo, j)) == NULL)
		j->done[1] = 1;
	else {
		j->srep.helo_checked = 1;
		if (!j->done[1])
			j->spf[1] = h;
	}
	j->starting = 0;
	lka_ma_spf_next(j);
}

static void
lka_ma_spf_mailfrom(void *arg, const struct spf_outcome *o)
{
	struct lka_ma	*j = arg;

	j->spf[0] = NULL;
	j->done[0] = 1;
	j->srep.mailfrom = *o;
	j->srep.mailfrom.identity = SPF_ID_MAILFROM;
	lka_ma_spf_next(j);
}

static void
lka_ma_spf_helo(void *arg, const struct spf_outcome *o)
{
	struct lka_ma	*j = arg;

	j->spf[1] = NULL;
	j->done[1] = 1;
	j->srep.helo = *o;
	j->srep.helo.identity = SPF_ID_HELO;
	lka_ma_spf_next(j);
}

static void
lka_ma_spf_next(struct lka_ma *j)
{
	if (!j->starting && j->done[0] && j->done[1])
		lka_ma_spf_answer(j, ST_OK);
}

/* Answer IMSG_LKA_SPF_RESULT and forget the request. */
static void
lka_ma_spf_answer(struct lka_ma *j, int status)
{
	char	 esc[MAILADDR_MAX * 4];

	j->srep.status = status;
	(void)log_escape(esc, sizeof(esc), j->sreq.sender,
	    strlen(j->sreq.sender));
	log_debug("%016llx lka spf address=%s from=<%s> spf=%s spf-helo=%s%s",
	    (unsigned long long)j->reqid, j->sreq.ip, esc,
	    spf_result_name(j->srep.mailfrom.result), j->srep.helo_checked ?
	    spf_result_name(j->srep.helo.result) : "none",
	    status == ST_OK ? "" : " cancelled");
	lka_ma_send(IMSG_LKA_SPF_RESULT, &j->srep, sizeof(j->srep));
	lka_ma_free(j);
	lka_ma_schedule();
}

/* IMSG_SMTP_DKIM_SIG: one signature of a message, before its request. */
void
lka_mailauth_imsg_sig(struct peer *p, struct imsg *imsg)
{
	struct mailauth_sig	*m;
	struct lka_ma		*j;

	m = xmalloc(sizeof(*m));
	imsg_payload(imsg, m, sizeof(*m));
	if ((j = lka_ma_find(m->reqid)) == NULL)
		j = lka_ma_new(m->reqid, MAK_VERDICT);
	if (j->kind != MAK_VERDICT || j->state != MAS_COLLECT ||
	    (j->sigmask & (1U << m->index)))
		fatalx("lka: DKIM signature %u of request %016llx out of "
		    "sequence", m->index, (unsigned long long)m->reqid);
	j->sigmask |= 1U << m->index;
	if (!j->busy) {
		if (j->sigs == NULL)
			j->sigs = xcalloc(DKIM_SIG_MAX, sizeof(*j->sigs));
		j->sigs[m->index] = m->sc;
	}
	free(m);
}

/* IMSG_SMTP_MAILAUTH: the end of a message; its signatures are in. */
void
lka_mailauth_imsg_verdict(struct peer *p, struct imsg *imsg)
{
	struct mailauth_req	*r;
	struct lka_ma		*j;

	r = xmalloc(sizeof(*r));
	imsg_payload(imsg, r, sizeof(*r));
	if ((j = lka_ma_find(r->reqid)) == NULL)
		j = lka_ma_new(r->reqid, MAK_VERDICT);
	if (j->kind != MAK_VERDICT || j->state != MAS_COLLECT ||
	    j->sigmask != (1U << r->nsig) - 1)
		fatalx("lka: mail-auth request %016llx: signatures do not "
		    "match (%u announced)", (unsigned long long)r->reqid,
		    r->nsig);
	j->req = *r;
	free(r);
	if (j->busy) {
		lka_ma_verdict_fail(j);
		return;
	}
	lka_ma_enqueue(j);
}

/* IMSG_SMTP_MAILAUTH_CANCEL */
void
lka_mailauth_imsg_cancel(struct peer *p, struct imsg *imsg)
{
	struct mailauth_cancel	 c;
	struct lka_ma		*j;

	imsg_payload(imsg, &c, sizeof(c));
	if ((j = lka_ma_find(c.reqid)) == NULL)
		return;		/* answered already: the answers crossed */
	if (j->state == MAS_COLLECT)
		fatalx("lka: cancel of request %016llx before its end",
		    (unsigned long long)c.reqid);
	log_debug("%016llx lka mail-auth cancelled",
	    (unsigned long long)c.reqid);
	if (j->kind == MAK_SPF) {
		/* no callback after the cancels of lka_ma_free() */
		lka_ma_spf_error(&j->srep.mailfrom, SPF_ID_MAILFROM,
		    "cancelled");
		memset(&j->srep.helo, 0, sizeof(j->srep.helo));
		j->srep.helo.identity = SPF_ID_HELO;
		j->srep.helo_checked = 0;
		lka_ma_spf_answer(j, ST_TEMPFAIL);
	} else
		lka_ma_verdict_fail(j);
}

/* DKIM first (every signature), then DMARC, then the answer. */
static void
lka_ma_verdict_start(struct lka_ma *j)
{
	struct dkim_verify	*h;

	lka_ma_psl_warn();
	if (j->sigs == NULL)	/* none: an array all the same */
		j->sigs = xcalloc(1, sizeof(*j->sigs));
	j->starting = 1;
	h = dkim_verify_start(j->sigs, j->req.nsig, lka_dns_query,
	    time(NULL), lka_ma_dkim_done, j);
	j->starting = 0;
	if (j->stepdone) {
		lka_ma_dmarc_start(j);
		return;
	}
	if ((j->dv = h) == NULL) {
		log_warnx("%016llx lka mail-auth: out of memory",
		    (unsigned long long)j->reqid);
		lka_ma_verdict_fail(j);
	}
}

/* The DKIM verdicts, in signature order. */
static void
lka_ma_dkim_done(void *arg, const struct dkim_verdict *v, size_t n)
{
	struct lka_ma		*j = arg;
	size_t			 i;

	j->dv = NULL;
	if (n > j->req.nsig)
		n = j->req.nsig;
	for (i = 0; i < n; i++)
		j->verdicts[i] = v[i];
	j->nverdict = n;
	j->stepdone = 1;
	if (!j->starting)
		lka_ma_dmarc_start(j);
}

static void
lka_ma_dmarc_start(struct lka_ma *j)
{
	struct dmarc_input	 in;
	struct dmarc		*h;
	size_t			 i, n = j->nverdict;
	const struct dkim_verdict *v = j->verdicts;

	j->stepdone = 0;
	memset(&in, 0, sizeof(in));
	(void)strlcpy(in.from_domain, j->req.from_domain,
	    sizeof(in.from_domain));
	in.from_unusable = (j->req.flags & MA_FROM_BAD) != 0;
	if (j->req.flags & MA_SPF) {
		in.spf = j->req.spf.result;
		(void)strlcpy(in.spf_domain, j->req.spf.domain,
		    sizeof(in.spf_domain));
	} else
		in.spf = SPF_NONE;
	in.ndkim = n;
	for (i = 0; i < n; i++) {
		in.dkim[i].result = v[i].result;
		(void)strlcpy(in.dkim[i].d, v[i].d, sizeof(in.dkim[i].d));
	}
	j->starting = 1;
	h = dmarc_check(lka_dns_query, &in, lka_ma_dmarc_done, j);
	j->starting = 0;
	if (j->stepdone) {
		lka_ma_verdict_answer(j);
		return;
	}
	if ((j->dm = h) == NULL) {
		log_warnx("%016llx lka mail-auth: out of memory",
		    (unsigned long long)j->reqid);
		lka_ma_verdict_fail(j);
	}
}

static void
lka_ma_dmarc_done(void *arg, const struct dmarc_outcome *o)
{
	struct lka_ma	*j = arg;

	j->dm = NULL;
	j->dmo = *o;
	j->stepdone = 1;
	if (!j->starting)
		lka_ma_verdict_answer(j);
}

/*
 * "spf=pass dkim=pass,fail dmarc=pass": what the message's log line
 * says (the DKIM results in signature order, "none" without any).
 */
static void
lka_ma_results(char *buf, size_t len, const struct lka_ma *j,
    const struct dmarc_outcome *o)
{
	size_t	 i;

	(void)snprintf(buf, len, "spf=%s dkim=",
	    (j->req.flags & MA_SPF) ? spf_result_name(j->req.spf.result) :
	    "none");
	if (j->nverdict == 0)
		(void)strlcat(buf, "none", len);
	for (i = 0; i < j->nverdict; i++) {
		if (i > 0)
			(void)strlcat(buf, ",", len);
		(void)strlcat(buf, dkim_result_name(j->verdicts[i].result),
		    len);
	}
	(void)strlcat(buf, " dmarc=", len);
	(void)strlcat(buf, dmarc_result_name(o->result), len);
}

/*
 * The field and the disposition.  Without dmarc-policy (MA_POLICY)
 * nothing is applied: the field says dis=none and so does the answer.
 * A field too long for AUTHRES_FIELD_MAX (many long signatures) loses
 * its last DKIM results, never the SPF or DMARC ones.
 */
static void
lka_ma_verdict_answer(struct lka_ma *j)
{
	struct mailauth_reply	*rep;
	struct dmarc_outcome	 dmo = j->dmo;
	struct authres		 ar;
	int			 n;

	if (dmo.disposition != DMARC_P_QUARANTINE &&
	    dmo.disposition != DMARC_P_REJECT)
		dmo.disposition = dmo.policy == DMARC_P_UNSET ?
		    DMARC_P_UNSET : DMARC_P_NONE;
	else if (!(j->req.flags & MA_POLICY))
		dmo.disposition = DMARC_P_NONE;	/* not applied here */
	rep = xcalloc(1, sizeof(*rep));
	rep->reqid = j->reqid;
	rep->status = ST_OK;
	rep->disposition = dmo.disposition == DMARC_P_UNSET ? DMARC_P_NONE :
	    dmo.disposition;
	(void)strlcpy(rep->domain, dmo.domain, sizeof(rep->domain));
	lka_ma_results(rep->results, sizeof(rep->results), j, &dmo);
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = env->authserv_id[0] != '\0' ? env->authserv_id :
	    env->hostname;
	ar.spf = (j->req.flags & MA_SPF) ? &j->req.spf : NULL;
	ar.spf_helo = (j->req.flags & MA_SPF_HELO) ? &j->req.spf_helo : NULL;
	ar.dkim = j->verdicts;
	ar.ndkim = j->nverdict;
	ar.dmarc = &dmo;
	while ((n = authres_format(&ar, rep->authres,
	    sizeof(rep->authres))) == -1 && ar.ndkim > 0)
		ar.ndkim--;
	if (n <= 0) {
		log_warnx("%016llx lka mail-auth: Authentication-Results "
		    "does not fit", (unsigned long long)j->reqid);
		free(rep);
		lka_ma_verdict_fail(j);
		return;
	}
	log_debug("%016llx lka mail-auth %s dis=%s",
	    (unsigned long long)j->reqid, rep->results,
	    dmarc_policy_name(dmo.disposition));
	lka_ma_send(IMSG_LKA_MAILAUTH_RESULT, rep, sizeof(*rep));
	free(rep);
	lka_ma_free(j);
	lka_ma_schedule();
}

/* No verdict (busy, out of memory, cancelled): try again later. */
static void
lka_ma_verdict_fail(struct lka_ma *j)
{
	struct mailauth_reply	*rep;

	rep = xcalloc(1, sizeof(*rep));
	rep->reqid = j->reqid;
	rep->status = ST_TEMPFAIL;
	rep->disposition = DMARC_P_NONE;
	lka_ma_send(IMSG_LKA_MAILAUTH_RESULT, rep, sizeof(*rep));
	free(rep);
	lka_ma_free(j);
	lka_ma_schedule();
}
