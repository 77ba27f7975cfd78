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
 * smtp_auth.c -- AUTH PLAIN and LOGIN (RFC 4954) in SMTP server sessions.
 *
 * A listener with "auth" or "auth-optional" offers AUTH once TLS is up
 * (or on the local socket).  The exchange (common/sasl.c) ends with a
 * user and password, which go to lka (IMSG_SMTP_AUTH) and, for system
 * users, on to the parent; the session waits for the verdict, and after
 * a failure waits again for a delay that grows with the client's recent
 * failures (smtp_auth_limit.c) before it answers 535.  Nothing else is
 * read from the client meanwhile.
 *
 * SECURITY: credentials come in on the command line (initial response)
 * or on continuation lines.  Neither is ever logged: the command text is
 * "AUTH <mechanism>" (smtp_parse_auth_cmdtext()), continuation lines are
 * not commands; the line is wiped in the io buffer once handled
 * (smtp_auth_secret()), the exchange state by sasl_clear(), and the
 * request by explicit_bzero() once sent.  One log line per outcome, with
 * the client address for fail2ban: authenticated, auth-failed,
 * auth-tempfail, auth-refused.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "log.h"
#include "sasl.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"
#include "smtp_auth.h"

_Static_assert(AUTH_USER_MAX == SASL_USER_MAX + 1, "AUTH_USER_MAX");
_Static_assert(AUTH_PASS_MAX == SASL_PASS_MAX + 1, "AUTH_PASS_MAX");
_Static_assert(sizeof(((struct smtp_session *)0)->authuser) ==
    AUTH_USER_MAX, "authuser");

struct smtp_auth {
	char		 table[NAME_MAX_CONF];	/* "" = system users */
	struct sasl	 sasl;
	int		 active;	/* 334 sent: the next line is ours */
	unsigned int	 nfail;		/* failures in this session */
	enum sasl_mech	 mech;
	char		 user[AUTH_USER_MAX];	/* being checked */
	struct event	 delay_ev;
	int		 delay_set;
};

static void	smtp_auth_step(struct smtp_session *, enum sasl_result);
static void	smtp_auth_check(struct smtp_session *);
static void	smtp_auth_failed(struct smtp_session *);
static void	smtp_auth_delayed(int, short, void *);
static void	smtp_auth_log(const struct smtp_session *, const char *);
static const char *smtp_auth_refusal(const struct smtp_session *);

/* At accept: only listeners with AUTH get the state. */
void
smtp_auth_init(struct smtp_session *s, const struct listener *l)
{
	if (!(l->flags & (LF_AUTH | LF_AUTH_OPTIONAL)))
		return;
	s->auth = xcalloc(1, sizeof(*s->auth));
	(void)strlcpy(s->auth->table, l->authtable, sizeof(s->auth->table));
}

void
smtp_auth_free(struct smtp_session *s)
{
	if (s->auth == NULL)
		return;
	if (s->auth->delay_set)
		evtimer_del(&s->auth->delay_ev);
	explicit_bzero(s->auth, sizeof(*s->auth));
	free(s->auth);
	s->auth = NULL;
	explicit_bzero(s->authuser, sizeof(s->authuser));
}

void
smtp_auth_reset(struct smtp_session *s)
{
	s->flags &= ~SF_AUTH;
	explicit_bzero(s->authuser, sizeof(s->authuser));
	smtp_auth_abort(s);
}

void
smtp_auth_abort(struct smtp_session *s)
{
	if (s->auth == NULL)
		return;
	sasl_clear(&s->auth->sasl);
	s->auth->active = 0;
}

int
smtp_auth_offered(const struct smtp_session *s)
{
	return (s->auth != NULL && (s->flags & (SF_TLS | SF_SOCKET)));
}

const char *
smtp_auth_mail_refusal(const struct smtp_session *s)
{
	if ((s->lflags & LF_AUTH) && !(s->flags & SF_AUTH))
		return ("530 5.7.0 Authentication required");
	return (NULL);
}

/* Why AUTH cannot start now; NULL if it can. */
static const char *
smtp_auth_refusal(const struct smtp_session *s)
{
	if (s->auth == NULL)
		return ("503 5.5.1 AUTH not available on this listener");
	if (!(s->flags & (SF_TLS | SF_SOCKET)))
		return ("530 5.7.0 Must issue a STARTTLS command first");
	if (!(s->flags & SF_ESMTP))
		return ("503 5.5.1 Send EHLO first");
	if (s->flags & SF_AUTH)
		return ("503 5.5.1 Already authenticated");
	if (s->msgid != 0)
		return ("503 5.5.1 AUTH not allowed during a mail "
		    "transaction");
	return (NULL);
}

void
smtp_cmd_auth(struct smtp_session *s, struct smtp_cmd *cmd)
{
	const char	*why;
	char		*mech, *initial;
	enum sasl_mech	 m;

	if ((why = smtp_auth_refusal(s)) != NULL) {
		smtp_session_fail(s, "%s", why);
		return;
	}
	if (smtp_auth_limit_refused(&s->ss, s->peeruid,
	    (time_t)(monotonic_ms() / 1000))) {
		log_warnx("%016llx smtp auth-refused address=%s "
		    "reason=too-many-failures", (unsigned long long)s->id,
		    s->src);
		smtp_session_reply(s, "421 4.7.0 %s Too many authentication "
		    "failures, try again later", s->myname);
		smtp_session_close(s, "auth-refused");
		return;
	}
	if (smtp_parse_auth(cmd->arg, &mech, &initial) != CMD_OK) {
		smtp_session_fail(s, "501 5.5.4 Syntax: AUTH mechanism "
		    "[initial-response]");
		return;
	}
	if ((m = sasl_mech_parse(mech)) == SASL_MECH_NONE) {
		smtp_session_fail(s, "504 5.5.4 Unrecognized authentication "
		    "mechanism");
		return;
	}
	s->auth->mech = m;
	smtp_auth_step(s, sasl_start(&s->auth->sasl, m, initial));
}

int
smtp_auth_secret(const struct smtp_session *s, const char *line,
    size_t len)
{
	char	 text[8];

	if (s->auth != NULL && s->auth->active)
		return (1);
	return (smtp_parse_auth_cmdtext(text, sizeof(text), line, len));
}

int
smtp_auth_input(struct smtp_session *s, char *line, size_t len)
{
	if (s->auth == NULL || !s->auth->active)
		return (0);
	s->auth->active = 0;
	smtp_auth_step(s, sasl_step(&s->auth->sasl, line, len));
	return (1);
}

/* What the exchange says next. */
static void
smtp_auth_step(struct smtp_session *s, enum sasl_result r)
{
	struct smtp_auth	*a = s->auth;

	switch (r) {
	case SASL_CONTINUE:
		a->active = 1;
		smtp_session_reply(s, "334 %s", a->sasl.challenge);
		break;
	case SASL_DONE:
		smtp_auth_check(s);
		break;
	case SASL_BAD_B64:
		smtp_session_fail(s, "501 5.5.2 Invalid base64 data");
		break;
	case SASL_CANCEL:
		smtp_session_fail(s, "501 5.7.0 Authentication cancelled");
		break;
	case SASL_BAD_MSG:
		a->user[0] = '\0';
		smtp_auth_failed(s);
		break;
	}
}

/* Ask lka; the session waits for IMSG_LKA_AUTH_RESULT. */
static void
smtp_auth_check(struct smtp_session *s)
{
	struct smtp_auth	*a = s->auth;
	struct auth_req		 req;

	memset(&req, 0, sizeof(req));
	s->reqid = (s->id << 16) | ++s->reqctr;
	s->wait = W_AUTH;
	req.reqid = s->reqid;
	(void)strlcpy(req.table, a->table, sizeof(req.table));
	(void)strlcpy(req.user, a->sasl.user, sizeof(req.user));
	(void)strlcpy(req.password, a->sasl.pass, sizeof(req.password));
	(void)strlcpy(a->user, a->sasl.user, sizeof(a->user));
	sasl_clear(&a->sasl);
	smtp_send_lka(IMSG_SMTP_AUTH, &req, sizeof(req));
	explicit_bzero(&req, sizeof(req));
}

static void
smtp_auth_log(const struct smtp_session *s, const char *what)
{
	char	 esc[AUTH_USER_MAX * 4];

	(void)log_escape(esc, sizeof(esc), s->auth->user,
	    strlen(s->auth->user));
	log_info("%016llx smtp %s address=%s user=\"%s\" mechanism=%s",
	    (unsigned long long)s->id, what, s->src, esc,
	    sasl_mech_name(s->auth->mech));
}

/* Wrong credentials: log now, answer 535 after the delay. */
static void
smtp_auth_failed(struct smtp_session *s)
{
	struct smtp_auth	*a = s->auth;
	struct timeval		 tv;

	smtp_auth_log(s, "auth-failed");
	memset(&tv, 0, sizeof(tv));
	tv.tv_sec = smtp_auth_limit_failure(&s->ss, s->peeruid,
	    (time_t)(monotonic_ms() / 1000));
	s->reqid = (s->id << 16) | ++s->reqctr;
	s->wait = W_AUTH_DELAY;
	evtimer_set(&a->delay_ev, smtp_auth_delayed, s);
	evtimer_add(&a->delay_ev, &tv);
	a->delay_set = 1;
}

static void
smtp_auth_delayed(int fd, short ev, void *arg)
{
	struct smtp_session	*s = arg;
	struct smtp_auth	*a = s->auth;

	a->delay_set = 0;
	s->wait = W_NONE;
	explicit_bzero(a->user, sizeof(a->user));
	smtp_session_reply(s, "535 5.7.8 Authentication credentials "
	    "invalid");
	if (++a->nfail >= AUTH_FAIL_SESSION) {
		smtp_session_reply(s, "421 4.7.0 %s Too many authentication "
		    "failures, closing connection", s->myname);
		smtp_session_close(s, "auth-failures");
	}
	smtp_session_resume(s);
}

/* IMSG_LKA_AUTH_RESULT */
void
smtp_auth_result(const struct auth_result *r)
{
	struct smtp_session	*s;
	struct smtp_auth	*a;

	if ((s = smtp_session_lookup(r->reqid)) == NULL) {
		log_warnx("smtp: AUTH result for no session");
		return;
	}
	if (s->wait != W_AUTH || (a = s->auth) == NULL)
		fatalx("smtp: AUTH result out of sequence");
	if (r->status == ST_PERMFAIL) {
		smtp_auth_failed(s);	/* answered after the delay */
		return;
	}
	s->wait = W_NONE;
	if (r->status == ST_OK) {
		s->flags |= SF_AUTH;
		(void)strlcpy(s->authuser, a->user, sizeof(s->authuser));
		smtp_auth_log(s, "authenticated");
		smtp_session_reply(s, "235 2.7.0 Authentication successful");
	} else {
		smtp_auth_log(s, "auth-tempfail");
		smtp_session_reply(s, "454 4.7.0 Temporary authentication "
		    "failure");
	}
	explicit_bzero(a->user, sizeof(a->user));
	smtp_session_resume(s);
}
