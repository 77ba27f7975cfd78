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
 * smtp_dkim.c -- DKIM signing of what authenticated and local senders
 * send ("dkim DOMAIN selector S key FILE", smtpd.conf(5)).
 *
 * Who is signed: a session that authenticated (AUTH) or that came
 * through the local enqueue socket (sendmail, local programs), when at
 * least one dkim statement exists.  Unauthenticated TCP sessions are
 * never signed, loopback ones neither: any local user can open one and
 * they carry no identity.  For those sessions the message is hashed as
 * it is written to the queue file (smtp_body.c feeds s->dkim with
 * DKIM_MSG_SIGN: the relaxed body hash and the header section); at the
 * end of DATA, if the From: domain (exactly one From with one address)
 * is a dkim DOMAIN, every selector of that domain is signed in turn: the
 * field (dkim_msg_sign(), with t= now) is hashed for both algorithms,
 * the signer signs the hash of its key's algorithm and says which, and
 * dkim_sign_finish() completes the field, which goes into the commit's
 * prefix (smtp_session_prefix_add()).  Then the message is committed.
 * Mail whose From: domain has no key is committed at once, unsigned.
 *
 * The signer is asked asynchronously (IMSG_SIGNER_DKIM_SIGN), one
 * selector at a time; the session waits (W_SIGN) and other sessions go
 * on.  No answer within SMTP_DKIM_TIMEOUT, or a refusal (no such key in
 * the signer: a key file that could not be loaded), answers the client
 * "451 4.7.0" and nothing is committed: the client tries again later.
 * A header section too large to sign (DKIM_HEADER_MAX) is committed
 * unsigned, with dkim=error:header in the log; a signature that does not
 * fit in the prefix (MSG_PREFIX_MAX) is left out, the others are added
 * ("dkim-sign=signed:s1,error:s2").
 *
 * SECURITY: no private key is ever in this process.  What is logged is
 * the selectors used ("dkim-sign=signed:s1,s2" on the message's log line).
 */

#include <sys/types.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim.h"
#include "log.h"
#include "proc.h"
#include "signer.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"

#define SMTP_DKIM_TIMEOUT	10	/* seconds for one signature */

struct smtp_dkim {
	struct event	 timer;
	char		 domain[SIGNER_DKIM_NAME_MAX];
	char		(*sels)[SIGNER_DKIM_NAME_MAX];
	size_t		 nsel;
	size_t		 cur;		/* the selector being signed */
	time_t		 now;		/* t= of every signature */
	struct dkim_sign rsa;		/* the field for each algorithm */
	struct dkim_sign ed25519;
};

static int	smtp_dkim_ask(struct smtp_session *);
static void	smtp_dkim_timeout(int, short, void *);
static void	smtp_dkim_fail(struct smtp_session *, const char *);
static void	smtp_dkim_log(struct smtp_session *, const char *);

/* Are this session's messages to be signed (if their From: has a key)? */
int
smtp_dkim_wanted(const struct smtp_session *s)
{
	return (env != NULL && env->ndkim > 0 &&
	    (s->flags & (SF_AUTH | SF_SOCKET)));
}

void
smtp_dkim_free(struct smtp_session *s)
{
	struct smtp_dkim	*d = s->dkim_sign;

	if (d == NULL)
		return;
	evtimer_del(&d->timer);
	free(d->sels);
	free(d);
	s->dkim_sign = NULL;
}

/* Add text to the log field (truncated with "..." if need be). */
static void
smtp_dkim_log(struct smtp_session *s, const char *text)
{
	size_t	 len = strlen(s->dkim_log);

	if (strlcat(s->dkim_log, text, sizeof(s->dkim_log)) >=
	    sizeof(s->dkim_log) && len + 4 <= sizeof(s->dkim_log))
		(void)strlcpy(s->dkim_log + len, "...",
		    sizeof(s->dkim_log) - len);
}

/*
 * End of DATA: 0 if nothing is to be signed (the caller commits), 1 if
 * the session is now waiting for the signer or was answered (failure).
 */
int
smtp_dkim_sign(struct smtp_session *s)
{
	struct smtp_dkim	*d;
	const char		*from;
	size_t			 i, n = 0;

	if (!(s->dkim_flags & DKIM_MSG_SIGN))
		return (0);
	if (s->dkim == NULL) {
		/* out of memory while hashing: try again later */
		smtp_dkim_fail(s, "out of memory");
		return (1);
	}
	if ((from = dkim_msg_from_domain(s->dkim)) == NULL)
		return (0);
	for (i = 0; i < env->ndkim; i++)
		if (strcmp(env->dkim[i].domain, from) == 0)
			n++;
	if (n == 0)
		return (0);
	d = xcalloc(1, sizeof(*d));
	d->sels = xreallocarray(NULL, n, sizeof(*d->sels));
	for (i = 0; i < env->ndkim; i++)
		if (strcmp(env->dkim[i].domain, from) == 0)
			(void)strlcpy(d->sels[d->nsel++],
			    env->dkim[i].selector, sizeof(d->sels[0]));
	(void)strlcpy(d->domain, from, sizeof(d->domain));
	d->now = time(NULL);
	evtimer_set(&d->timer, smtp_dkim_timeout, s);
	s->dkim_sign = d;
	if (smtp_dkim_ask(s) == -1) {
		/* the header cannot be signed: commit it as it is */
		smtp_dkim_log(s, "error:header");
		smtp_dkim_free(s);
		return (0);
	}
	return (1);
}

/* Ask the signer for the current selector: 0, or -1 (cannot sign). */
static int
smtp_dkim_ask(struct smtp_session *s)
{
	struct smtp_dkim	*d = s->dkim_sign;
	struct signer_dkim_req	 req;
	struct timeval		 tv = { SMTP_DKIM_TIMEOUT, 0 };
	struct peer		*signer;
	const char		*sel = d->sels[d->cur];

	if (dkim_msg_sign(s->dkim, d->domain, sel, DKIM_ALG_RSA_SHA256,
	    d->now, &d->rsa) == -1 || dkim_msg_sign(s->dkim, d->domain, sel,
	    DKIM_ALG_ED25519_SHA256, d->now, &d->ed25519) == -1)
		return (-1);
	if ((signer = child_peer(PROC_SIGNER)) == NULL)
		return (-1);
	memset(&req, 0, sizeof(req));
	(void)strlcpy(req.domain, d->domain, sizeof(req.domain));
	(void)strlcpy(req.selector, sel, sizeof(req.selector));
	memcpy(req.rsa, d->rsa.hhash, sizeof(req.rsa));
	memcpy(req.ed25519, d->ed25519.hhash, sizeof(req.ed25519));
	req.id = smtp_session_wait(s, W_SIGN);
	peer_compose(signer, IMSG_SIGNER_DKIM_SIGN, 0, 0, -1, &req,
	    sizeof(req));
	evtimer_add(&d->timer, &tv);
	return (0);
}

/* Signing failed: 451, the message is dropped (the client retries). */
static void
smtp_dkim_fail(struct smtp_session *s, const char *why)
{
	log_warnx("%016llx smtp dkim signing failed msgid=%08x: %s",
	    (unsigned long long)s->id, s->msgid, why);
	smtp_stats.rejected++;
	(void)strlcpy(s->cmdtext, s->flags & SF_BDAT ? "BDAT LAST" : "DATA",
	    sizeof(s->cmdtext));
	smtp_session_fail(s, "451 4.7.0 Cannot sign the message now, try "
	    "again later");
	smtp_session_txn_reset(s, 1);
}

static void
smtp_dkim_timeout(int fd, short ev, void *arg)
{
	struct smtp_session	*s = arg;

	s->wait = W_NONE;	/* a late answer is dropped */
	if (!(s->flags & SF_DEAD))
		smtp_dkim_fail(s, "no answer from the signer");
	smtp_session_resume(s);
}

/* IMSG_SIGNER_DKIM_RESULT: the next selector, or the commit. */
void
smtp_dkim_imsg_result(struct peer *p, struct imsg *imsg)
{
	struct signer_dkim_res	 res;
	struct smtp_session	*s;
	struct smtp_dkim	*d;
	struct dkim_sign	*ds;
	char			 why[64];

	imsg_payload(imsg, &res, sizeof(res));
	if ((s = smtp_session_find(res.id, W_SIGN)) == NULL ||
	    (d = s->dkim_sign) == NULL) {
		explicit_bzero(&res, sizeof(res));
		return;			/* after its timeout */
	}
	evtimer_del(&d->timer);
	s->wait = W_NONE;
	if (s->flags & SF_DEAD) {
		smtp_session_resume(s);	/* frees it, rolls back */
		return;
	}
	if (s->flags & SF_CLOSING) {
		/* 421 (timeout) went out meanwhile: the client retries */
		smtp_session_txn_reset(s, 1);
		smtp_session_resume(s);
		return;
	}
	if (res.status != KEYPROXY_OK) {
		(void)snprintf(why, sizeof(why), "selector %s: %s",
		    d->sels[d->cur], res.status == KEYPROXY_ENOKEY ?
		    "the signer has no such key" : "the signer failed");
		smtp_dkim_fail(s, why);
		smtp_session_resume(s);
		return;
	}
	ds = res.alg == DKIM_ALG_RSA_SHA256 ? &d->rsa : &d->ed25519;
	smtp_dkim_log(s, s->dkim_log[0] == '\0' ? "signed:" : ",");
	if (dkim_sign_finish(ds, res.sig, res.len) == -1 ||
	    smtp_session_prefix_add(s, ds->field, ds->len) == -1) {
		/* no room left (MSG_PREFIX_MAX): the others still sign */
		log_warnx("%016llx smtp dkim msgid=%08x selector %s: the "
		    "field does not fit", (unsigned long long)s->id,
		    s->msgid, d->sels[d->cur]);
		smtp_dkim_log(s, "error:");
	}
	smtp_dkim_log(s, d->sels[d->cur]);
	if (++d->cur < d->nsel && smtp_dkim_ask(s) == 0)
		return;
	if (d->cur < d->nsel)
		smtp_dkim_log(s, ",error:header");
	smtp_dkim_free(s);
	smtp_session_commit(s);
}
