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
 * imsg_check_mailauth_test.c -- the validators of the mail
 * authentication imsgs between smtp and lka (smtpd/imsg_check_mailauth.c):
 * a good payload of each passes; each string filled to its end without a
 * NUL, each enum or count out of range, a wrong size, does not.  And the
 * rule table names them, smtp -> lka and lka -> smtp only.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imsg.h"
#include "proc.h"
#include "smtpd.h"
#include "mailauth.h"

struct field {
	const char	*name;
	size_t		 off;
	size_t		 size;
};

#define FLD(type, m) \
	{ #m, offsetof(type, m), sizeof(((type *)0)->m) }

static const struct field spf_req_fields[] = {
	FLD(struct mailauth_spf_req, ip),
	FLD(struct mailauth_spf_req, helo),
	FLD(struct mailauth_spf_req, sender),
};

static const struct field outcome_fields[] = {
	FLD(struct spf_outcome, domain),
	FLD(struct spf_outcome, sender),
	FLD(struct spf_outcome, mechanism),
	FLD(struct spf_outcome, explanation),
	FLD(struct spf_outcome, reason),
};

static const struct field sig_fields[] = {
	FLD(struct dkim_sigcheck, perror),
	FLD(struct dkim_sigcheck, d),
	FLD(struct dkim_sigcheck, s),
	FLD(struct dkim_sigcheck, i),
	FLD(struct dkim_sigcheck, b8),
};

static const struct field reply_fields[] = {
	FLD(struct mailauth_reply, domain),
	FLD(struct mailauth_reply, results),
	FLD(struct mailauth_reply, authres),
};

static void	each_unterminated(int (*)(const void *, size_t), void *,
		    size_t, size_t, const struct field *, size_t);
static void	fill_outcome(struct spf_outcome *, int);

/*
 * buf (len bytes, base of the fields at off) passes fn; with any one
 * field filled to its last byte without a NUL, it does not.
 */
static void
each_unterminated(int (*fn)(const void *, size_t), void *buf, size_t len,
    size_t off, const struct field *f, size_t n)
{
	char	*copy, *p;
	size_t	 i;

	ATF_REQUIRE_EQ(fn(buf, len), 0);
	copy = malloc(len);
	ATF_REQUIRE(copy != NULL);
	for (i = 0; i < n; i++) {
		memcpy(copy, buf, len);
		p = copy + off + f[i].off;
		memset(p, 'x', f[i].size);
		ATF_CHECK_MSG(fn(copy, len) == -1, "%s unterminated accepted",
		    f[i].name);
		p[f[i].size - 1] = '\0';
		ATF_CHECK_MSG(fn(copy, len) == 0, "%s full length refused",
		    f[i].name);
	}
	ATF_CHECK_EQ(fn(buf, len - 1), -1);
	free(copy);
}

static void
fill_outcome(struct spf_outcome *o, int identity)
{
	memset(o, 0, sizeof(*o));
	o->result = SPF_FAIL;
	o->identity = identity;
	(void)strlcpy(o->domain, "example.com", sizeof(o->domain));
	(void)strlcpy(o->sender, "a@example.com", sizeof(o->sender));
	(void)strlcpy(o->mechanism, "-all", sizeof(o->mechanism));
}

ATF_TC_WITHOUT_HEAD(spf);
ATF_TC_BODY(spf, tc)
{
	struct mailauth_spf_req		 q;
	struct mailauth_spf_reply	 r;

	memset(&q, 0, sizeof(q));
	(void)strlcpy(q.ip, "192.0.2.1", sizeof(q.ip));
	(void)strlcpy(q.helo, "mx.example.com", sizeof(q.helo));
	each_unterminated(imsg_check_spf_req, &q, sizeof(q), 0,
	    spf_req_fields, nitems(spf_req_fields));
	q.ip[0] = '\0';
	ATF_CHECK_EQ(imsg_check_spf_req(&q, sizeof(q)), -1);

	memset(&r, 0, sizeof(r));
	r.status = ST_OK;
	fill_outcome(&r.mailfrom, SPF_ID_MAILFROM);
	fill_outcome(&r.helo, SPF_ID_HELO);
	each_unterminated(imsg_check_spf_reply, &r, sizeof(r),
	    offsetof(struct mailauth_spf_reply, mailfrom), outcome_fields,
	    nitems(outcome_fields));
	each_unterminated(imsg_check_spf_reply, &r, sizeof(r),
	    offsetof(struct mailauth_spf_reply, helo), outcome_fields,
	    nitems(outcome_fields));
	r.status = ST_TEMPFAIL;
	ATF_CHECK_EQ(imsg_check_spf_reply(&r, sizeof(r)), 0);
	r.status = ST_PERMFAIL;
	ATF_CHECK_EQ(imsg_check_spf_reply(&r, sizeof(r)), -1);
	r.status = ST_OK;
	r.mailfrom.result = SPF_PERMERROR + 1;
	ATF_CHECK_EQ(imsg_check_spf_reply(&r, sizeof(r)), -1);
	r.mailfrom.result = -1;
	ATF_CHECK_EQ(imsg_check_spf_reply(&r, sizeof(r)), -1);
	r.mailfrom.result = SPF_NONE;
	r.helo.identity = 2;
	ATF_CHECK_EQ(imsg_check_spf_reply(&r, sizeof(r)), -1);
}

ATF_TC_WITHOUT_HEAD(sig);
ATF_TC_BODY(sig, tc)
{
	struct mailauth_sig	*m;

	/* big: not on the stack twice */
	m = calloc(1, sizeof(*m));
	ATF_REQUIRE(m != NULL);
	m->index = DKIM_SIG_MAX - 1;
	m->sc.parsed = 1;
	m->sc.alg = DKIM_ALG_ED25519_SHA256;
	m->sc.hcanon = DKIM_CANON_RELAXED;
	m->sc.blen = DKIM_B_MAX;
	(void)strlcpy(m->sc.d, "example.com", sizeof(m->sc.d));
	each_unterminated(imsg_check_dkim_sig, m, sizeof(*m),
	    offsetof(struct mailauth_sig, sc), sig_fields,
	    nitems(sig_fields));
	m->index = DKIM_SIG_MAX;
	ATF_CHECK_EQ(imsg_check_dkim_sig(m, sizeof(*m)), -1);
	m->index = 0;
	m->sc.blen = DKIM_B_MAX + 1;
	ATF_CHECK_EQ(imsg_check_dkim_sig(m, sizeof(*m)), -1);
	m->sc.blen = 0;
	m->sc.alg = DKIM_ALG_RSA_SHA1 + 1;
	ATF_CHECK_EQ(imsg_check_dkim_sig(m, sizeof(*m)), -1);
	m->sc.alg = DKIM_ALG_NONE;
	m->sc.bcanon = DKIM_CANON_RELAXED + 1;
	ATF_CHECK_EQ(imsg_check_dkim_sig(m, sizeof(*m)), -1);
	m->sc.bcanon = DKIM_CANON_SIMPLE;
	ATF_CHECK_EQ(imsg_check_dkim_sig(m, sizeof(*m)), 0);
	free(m);
}

ATF_TC_WITHOUT_HEAD(verdict);
ATF_TC_BODY(verdict, tc)
{
	struct mailauth_req	*q;
	struct mailauth_reply	*r;
	struct mailauth_cancel	 c;

	q = calloc(1, sizeof(*q));
	r = calloc(1, sizeof(*r));
	ATF_REQUIRE(q != NULL && r != NULL);
	q->flags = MA_SPF | MA_SPF_HELO | MA_POLICY;
	q->nsig = DKIM_SIG_MAX;
	(void)strlcpy(q->from_domain, "example.com", sizeof(q->from_domain));
	fill_outcome(&q->spf, SPF_ID_MAILFROM);
	fill_outcome(&q->spf_helo, SPF_ID_HELO);
	ATF_CHECK_EQ(imsg_check_mailauth_req(q, sizeof(*q)), 0);
	each_unterminated(imsg_check_mailauth_req, q, sizeof(*q),
	    offsetof(struct mailauth_req, spf), outcome_fields,
	    nitems(outcome_fields));
	q->nsig = DKIM_SIG_MAX + 1;
	ATF_CHECK_EQ(imsg_check_mailauth_req(q, sizeof(*q)), -1);
	q->nsig = 0;
	q->flags = 0x80;
	ATF_CHECK_EQ(imsg_check_mailauth_req(q, sizeof(*q)), -1);
	q->flags = 0;
	memset(q->from_domain, 'x', sizeof(q->from_domain));
	ATF_CHECK_EQ(imsg_check_mailauth_req(q, sizeof(*q)), -1);

	r->status = ST_OK;
	r->disposition = DMARC_P_QUARANTINE;
	(void)strlcpy(r->authres, "Authentication-Results: x; none\r\n",
	    sizeof(r->authres));
	each_unterminated(imsg_check_mailauth_reply, r, sizeof(*r), 0,
	    reply_fields, nitems(reply_fields));
	r->disposition = DMARC_P_UNSET;
	ATF_CHECK_EQ(imsg_check_mailauth_reply(r, sizeof(*r)), -1);
	r->disposition = DMARC_P_REJECT + 1;
	ATF_CHECK_EQ(imsg_check_mailauth_reply(r, sizeof(*r)), -1);
	r->disposition = DMARC_P_NONE;
	/* a verdict has its field; none (ST_TEMPFAIL) needs none */
	r->authres[0] = '\0';
	ATF_CHECK_EQ(imsg_check_mailauth_reply(r, sizeof(*r)), -1);
	r->status = ST_TEMPFAIL;
	ATF_CHECK_EQ(imsg_check_mailauth_reply(r, sizeof(*r)), 0);
	r->status = ST_LOOP;
	ATF_CHECK_EQ(imsg_check_mailauth_reply(r, sizeof(*r)), -1);

	memset(&c, 0, sizeof(c));
	ATF_CHECK_EQ(imsg_check_mailauth_cancel(&c, sizeof(c)), 0);
	ATF_CHECK_EQ(imsg_check_mailauth_cancel(&c, sizeof(c) - 1), -1);
	free(q);
	free(r);
}

/* Who may send them: smtp asks, lka answers, nobody else. */
ATF_TC_WITHOUT_HEAD(rules);
ATF_TC_BODY(rules, tc)
{
	static const struct {
		uint32_t	 type;
		int		 from, to;
	} want[] = {
		{ IMSG_SMTP_SPF_CHECK, PROC_SMTP, PROC_LKA },
		{ IMSG_LKA_SPF_RESULT, PROC_LKA, PROC_SMTP },
		{ IMSG_SMTP_DKIM_SIG, PROC_SMTP, PROC_LKA },
		{ IMSG_SMTP_MAILAUTH, PROC_SMTP, PROC_LKA },
		{ IMSG_LKA_MAILAUTH_RESULT, PROC_LKA, PROC_SMTP },
		{ IMSG_SMTP_MAILAUTH_CANCEL, PROC_SMTP, PROC_LKA },
	};
	const struct imsg_rule	*r;
	size_t			 i, j;

	for (i = 0; i < nitems(want); i++) {
		for (j = 0; j < imsg_rules_count; j++)
			if (imsg_rules[j].type == want[i].type)
				break;
		ATF_REQUIRE_MSG(j < imsg_rules_count, "type %u has no rule",
		    want[i].type);
		r = &imsg_rules[j];
		ATF_CHECK_EQ(r->from, 1U << want[i].from);
		ATF_CHECK_EQ(r->to, 1U << want[i].to);
		ATF_CHECK(r->check != NULL);
		ATF_CHECK_EQ(r->fd, PROC_FD_NONE);
		ATF_CHECK(r->maxlen <= MAX_IMSGSIZE - IMSG_HEADER_SIZE);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, spf);
	ATF_TP_ADD_TC(tp, sig);
	ATF_TP_ADD_TC(tp, verdict);
	ATF_TP_ADD_TC(tp, rules);
	return (atf_no_error());
}
