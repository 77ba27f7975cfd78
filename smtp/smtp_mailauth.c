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
 * smtp_mailauth.c -- inbound mail authentication, smtp's side (issue 16;
 * the protocol with lka is in smtpd/mailauth.h, lka's side in
 * lka/lka_mailauth.c).
 *
 * A session is checked when its listener has mail-auth (or dmarc-policy
 * or spf-reject, which imply it) and it is neither authenticated (AUTH)
 * nor on the enqueue socket.  Loopback TCP clients are checked like any
 * other: the address is what SPF judges.
 *
 *   MAIL FROM	lka checks SPF for the MAIL FROM and HELO identities
 *		(W_SPF).  With spf-reject, a MAIL FROM "fail" is refused
 *		with 550 5.7.23 (RFC 7372) and the domain's explanation,
 *		a "temperror" with 451 4.7.24 (RFC 7208 8.6: try later);
 *		permerror, softfail, neutral and a failing HELO identity
 *		are only reported.  Otherwise the outcomes are kept.
 *   DATA/BDAT	smtp_body.c removes the Authentication-Results fields
 *		claiming our authserv-id and hashes what it writes for
 *		DKIM (smtp_body_mailauth()).
 *   end of data lka verifies the signatures, judges DMARC and formats
 *		the Authentication-Results field (W_MAILAUTH); the client
 *		waits for its reply meanwhile.  With dmarc-policy, a
 *		disposition "reject" refuses the message (550 5.7.1,
 *		nothing committed), "quarantine" commits it tagged
 *		EF_QUARANTINE (maildir: into .Junk); every other message
 *		is committed with the field prepended.
 *
 * Our authserv-id is "authserv-id" of smtpd.conf, else the hostname.
 *
 * SECURITY: runs in the smtp process (see smtp.c).  The SPF explanation
 * and the From domain in the replies come from the network: only
 * printable ASCII of them reaches a reply, bounded.  A client that goes
 * away (EOF) while lka works gets its check cancelled: lka answers at
 * once (451, the message rolled back, never committed); a session whose
 * connection is gone is kept (SF_DEAD) until that answer.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "mailauth.h"
#include "smtp_session.h"

#define MA_REPLY_TEXT_MAX	160	/* network text in a reply */

struct smtp_mailauth {
	int			 helo_checked;
	struct spf_outcome	 spf;		/* MAIL FROM identity */
	struct spf_outcome	 spf_helo;	/* helo_checked */
	size_t			 nsig;		/* sent to lka */
	int			 judged;	/* lka's verdict applied */
	uint64_t		 cancelled;	/* request cancelled */
	char			 results[MAILAUTH_LOG_MAX];
	const char		*action;	/* dmarc-action, or NULL */
};

static void	smtp_mailauth_text(char *, size_t, const char *);
static void	smtp_mailauth_spf_refuse(struct smtp_session *, int);
static struct smtp_session *smtp_mailauth_answered(uint64_t,
		    enum smtp_wait);
static int	smtp_mailauth_verdict(struct smtp_session *);

/* Is this session's mail checked? */
int
smtp_mailauth_wanted(const struct smtp_session *s)
{
	return ((s->lflags & (LF_MAILAUTH | LF_DMARC_POLICY |
	    LF_SPF_REJECT)) != 0 && (s->flags & (SF_AUTH | SF_SOCKET)) == 0);
}

/* The authserv-id of our Authentication-Results fields. */
const char *
smtp_mailauth_id(void)
{
	return (env->authserv_id[0] != '\0' ? env->authserv_id :
	    env->hostname);
}

/* Printable ASCII of network text t, bounded, for a reply or a log. */
static void
smtp_mailauth_text(char *buf, size_t len, const char *t)
{
	size_t	 o = 0;

	for (; *t != '\0' && o + 1 < len && o < MA_REPLY_TEXT_MAX; t++)
		if ((unsigned char)*t >= 0x20 && (unsigned char)*t < 0x7f)
			buf[o++] = *t;
	buf[o] = '\0';
}

/* MAIL accepted so far: ask lka for SPF before the queue's message. */
void
smtp_mailauth_mail(struct smtp_session *s)
{
	struct mailauth_spf_req	 req;
	const char		*ip = s->src;

	smtp_mailauth_free(s);
	s->ma = xcalloc(1, sizeof(*s->ma));
	/* smtp_body.c hashes the message for us (s->dkim) */
	s->dkim_flags |= DKIM_MSG_VERIFY;
	memset(&req, 0, sizeof(req));
	/* an IPv4-mapped client is an IPv4 client (RFC 7208 5) */
	if (strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip, '.') != NULL)
		ip += 7;
	(void)strlcpy(req.ip, ip, sizeof(req.ip));
	(void)strlcpy(req.helo, s->helo, sizeof(req.helo));
	if (mailaddr_text(&s->sender, req.sender, sizeof(req.sender)) == -1)
		fatalx("smtp_mailauth_mail: sender too long");
	req.reqid = smtp_session_reqid(s, W_SPF);
	smtp_send_lka(IMSG_SMTP_SPF_CHECK, &req, sizeof(req));
}

/* The session an answer of lka is for, no longer waiting. */
static struct smtp_session *
smtp_mailauth_answered(uint64_t reqid, enum smtp_wait want)
{
	struct smtp_session	*s;

	if ((s = smtp_session_lookup(reqid)) == NULL) {
		log_warnx("smtp: mail-auth answer for no session");
		return (NULL);
	}
	if (s->wait != want || s->ma == NULL)
		fatalx("smtp: mail-auth answer out of sequence");
	s->wait = W_NONE;
	return (s);
}

/* spf-reject: MAIL FROM refused (fail: 550, temperror: 451). */
static void
smtp_mailauth_spf_refuse(struct smtp_session *s, int fail)
{
	struct smtp_mailauth	*ma = s->ma;
	char			 from[MAILADDR_MAX], efrom[MAILADDR_MAX * 2];
	char			 ehelo[HOST_MAX * 2], text[MA_REPLY_TEXT_MAX + 1];
	char			 dom[MA_REPLY_TEXT_MAX + 1];

	if (mailaddr_text(&s->sender, from, sizeof(from)) == -1)
		from[0] = '\0';
	(void)log_escape(efrom, sizeof(efrom), from, strlen(from));
	(void)log_escape(ehelo, sizeof(ehelo), s->helo, strlen(s->helo));
	log_info("%016llx smtp spf-reject address=%s helo=%s from=<%s> "
	    "spf=%s spf-helo=%s", (unsigned long long)s->id, s->src, ehelo,
	    efrom, spf_result_name(ma->spf.result), ma->helo_checked ?
	    spf_result_name(ma->spf_helo.result) : "none");
	smtp_mailauth_text(dom, sizeof(dom), ma->spf.domain);
	if (!fail) {
		smtp_mailauth_text(text, sizeof(text), ma->spf.reason);
		smtp_session_fail(s, "451 4.7.24 SPF temporary error for %s%s%s",
		    dom, text[0] != '\0' ? ": " : "", text);
	} else if (ma->spf.explanation[0] != '\0') {
		smtp_mailauth_text(text, sizeof(text), ma->spf.explanation);
		smtp_session_fail(s, "550 5.7.23 SPF validation failed: %s",
		    text);
	} else
		smtp_session_fail(s, "550 5.7.23 SPF validation failed: %s "
		    "does not designate %s as permitted sender", dom, s->src);
	memset(&s->sender, 0, sizeof(s->sender));
	memset(&s->mp, 0, sizeof(s->mp));
	smtp_mailauth_free(s);
}

/* IMSG_LKA_SPF_RESULT: refuse MAIL (spf-reject), or go on to the queue. */
void
smtp_mailauth_spf_result(const struct mailauth_spf_reply *r)
{
	struct smtp_session	*s;
	struct smtp_mailauth	*ma;

	if ((s = smtp_mailauth_answered(r->reqid, W_SPF)) == NULL)
		return;
	if (s->flags & SF_DEAD) {
		smtp_session_resume(s);
		return;
	}
	if (r->status != ST_OK) {
		/* cancelled: the client went away (smtp_mailauth_cancel) */
		memset(&s->sender, 0, sizeof(s->sender));
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_mailauth_free(s);
		smtp_session_fail(s, "451 4.3.0 Temporary failure, try again "
		    "later");
		smtp_session_resume(s);
		return;
	}
	ma = s->ma;
	ma->spf = r->mailfrom;
	ma->spf_helo = r->helo;
	ma->helo_checked = r->helo_checked;
	if ((s->lflags & LF_SPF_REJECT) && (ma->spf.result == SPF_FAIL ||
	    ma->spf.result == SPF_TEMPERROR)) {
		smtp_mailauth_spf_refuse(s, ma->spf.result == SPF_FAIL);
		smtp_session_resume(s);
		return;
	}
	smtp_session_mail_create(s);
}

/* DATA or BDAT starts: our Authentication-Results go (smtp_body.c). */
int
smtp_mailauth_body_start(struct smtp_session *s)
{
	if (s->ma == NULL)
		return (0);
	smtp_body_mailauth(s, smtp_mailauth_id());
	return (0);
}

/*
 * A step of smtp_session_body_stored(): 1 when lka judges the message
 * (W_MAILAUTH; smtp_mailauth_result() goes on) or when it was refused
 * for now, 0 when there is nothing (more) to do here.
 */
int
smtp_mailauth_step(struct smtp_session *s)
{
	if (s->ma == NULL || s->ma->judged)
		return (0);
	if (smtp_mailauth_verdict(s) == 0)
		return (1);
	smtp_stats.rejected++;
	smtp_session_fail(s, "451 4.3.0 Temporary failure in mail "
	    "authentication, try again later");
	smtp_session_txn_reset(s, 1);
	return (1);
}

/*
 * The body is complete and acceptable: hand its signatures, From domain
 * and the SPF outcomes to lka (W_MAILAUTH).  -1 if the hashing failed
 * (out of memory): the message is refused for now.
 */
static int
smtp_mailauth_verdict(struct smtp_session *s)
{
	struct smtp_mailauth	*ma = s->ma;
	struct dkim_msg		*dm = s->dkim;
	struct mailauth_sig	 sig;
	struct mailauth_req	 req;
	const char		*from;
	size_t			 i, n;

	if (dm == NULL)
		return (-1);
	if ((n = dkim_msg_nsig(dm)) > DKIM_SIG_MAX)
		n = DKIM_SIG_MAX;
	memset(&req, 0, sizeof(req));
	req.reqid = smtp_session_reqid(s, W_MAILAUTH);
	for (i = 0; i < n; i++) {
		memset(&sig, 0, sizeof(sig));
		sig.reqid = req.reqid;
		sig.index = (uint32_t)i;
		sig.sc = *dkim_msg_sigcheck(dm, i);
		smtp_send_lka(IMSG_SMTP_DKIM_SIG, &sig, sizeof(sig));
	}
	req.nsig = (uint32_t)n;
	ma->nsig = n;
	req.flags = MA_SPF;
	if (ma->helo_checked)
		req.flags |= MA_SPF_HELO;
	if (s->lflags & LF_DMARC_POLICY)
		req.flags |= MA_POLICY;
	if (dkim_msg_from_unusable(dm))
		req.flags |= MA_FROM_BAD;
	if ((from = dkim_msg_from_domain(dm)) != NULL &&
	    strlcpy(req.from_domain, from, sizeof(req.from_domain)) >=
	    sizeof(req.from_domain))
		req.from_domain[0] = '\0';	/* no such domain */
	req.spf = ma->spf;
	req.spf_helo = ma->spf_helo;
	smtp_send_lka(IMSG_SMTP_MAILAUTH, &req, sizeof(req));
	return (0);
}

/* IMSG_LKA_MAILAUTH_RESULT: refuse, or commit with the field. */
void
smtp_mailauth_result(const struct mailauth_reply *r)
{
	struct smtp_session	*s;
	struct smtp_mailauth	*ma;
	char			 dom[MA_REPLY_TEXT_MAX + 1];
	char			 from[MAILADDR_MAX], efrom[MAILADDR_MAX * 2];

	if ((s = smtp_mailauth_answered(r->reqid, W_MAILAUTH)) == NULL)
		return;
	if (s->flags & SF_DEAD) {
		smtp_session_resume(s);
		return;
	}
	ma = s->ma;
	(void)strlcpy(s->cmdtext, s->flags & SF_BDAT ? "BDAT LAST" : "DATA",
	    sizeof(s->cmdtext));
	if (s->flags & SF_CLOSING) {
		/* 421 (timeout) went out meanwhile: the client retries */
		smtp_session_txn_reset(s, 1);
		smtp_session_resume(s);
		return;
	}
	if (r->status != ST_OK) {
		smtp_stats.rejected++;
		smtp_session_fail(s, "451 4.7.0 Temporary failure in mail "
		    "authentication, try again later");
		smtp_session_txn_reset(s, 1);
		smtp_session_resume(s);
		return;
	}
	(void)strlcpy(ma->results, r->results, sizeof(ma->results));
	if ((s->lflags & LF_DMARC_POLICY) &&
	    r->disposition == DMARC_P_REJECT) {
		ma->action = "reject";
		smtp_mailauth_text(dom, sizeof(dom), r->domain);
		if (mailaddr_text(&s->sender, from, sizeof(from)) == -1)
			from[0] = '\0';
		(void)log_escape(efrom, sizeof(efrom), from, strlen(from));
		log_info("%016llx smtp message-rejected msgid=%08x "
		    "address=%s from=<%s>%s", (unsigned long long)s->id,
		    s->msgid, s->src, efrom, smtp_mailauth_log(s));
		smtp_stats.rejected++;
		if (dom[0] == '\0')
			smtp_session_fail(s, "550 5.7.1 Message rejected: no "
			    "single From domain for DMARC (RFC 7489 6.6.1)");
		else
			smtp_session_fail(s, "550 5.7.1 Message rejected by "
			    "the DMARC policy of %s", dom);
		smtp_session_txn_reset(s, 1);
		smtp_session_resume(s);
		return;
	}
	if ((s->lflags & LF_DMARC_POLICY) &&
	    r->disposition == DMARC_P_QUARANTINE) {
		ma->action = "quarantine";
		smtp_session_set_quarantine(s);
	}
	if (smtp_session_prefix_add(s, r->authres, strlen(r->authres)) == -1)
		log_warnx("%016llx smtp mail-auth: Authentication-Results "
		    "refused by the prefix check, not added",
		    (unsigned long long)s->id);
	ma->judged = 1;
	smtp_session_body_stored(s);
}

/*
 * The client went (EOF, or the connection is gone) while lka works: lka
 * answers at once, ST_TEMPFAIL; the message is not committed.  Once
 * per request.
 */
void
smtp_mailauth_cancel(struct smtp_session *s)
{
	struct mailauth_cancel	 c;

	if ((s->wait != W_SPF && s->wait != W_MAILAUTH) || s->ma == NULL ||
	    s->ma->cancelled == s->reqid)
		return;
	s->ma->cancelled = s->reqid;
	memset(&c, 0, sizeof(c));
	c.reqid = s->reqid;
	smtp_send_lka(IMSG_SMTP_MAILAUTH_CANCEL, &c, sizeof(c));
}

/* Not (or no longer) checked: no state, no DKIM hashing for us. */
void
smtp_mailauth_free(struct smtp_session *s)
{
	free(s->ma);
	s->ma = NULL;
	s->dkim_flags &= ~DKIM_MSG_VERIFY;
}

/*
 * The results for the message's log line, " spf=... dkim=... dmarc=..."
 * (and " dmarc-action=..." when the policy was applied); "" for a
 * session that is not checked.
 */
const char *
smtp_mailauth_log(const struct smtp_session *s)
{
	static char	 buf[MAILAUTH_LOG_MAX + 64];

	if (s->ma == NULL || s->ma->results[0] == '\0')
		return ("");
	(void)snprintf(buf, sizeof(buf), " %s%s%s", s->ma->results,
	    s->ma->action != NULL ? " dmarc-action=" : "",
	    s->ma->action != NULL ? s->ma->action : "");
	return (buf);
}
