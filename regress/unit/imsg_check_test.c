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
 * imsg_check_test.c -- unit tests for smtpd/imsg_check.c (the payload
 * validators), smtpd/envelope_check.c and their wiring into the rules
 * of smtpd/imsg_rules.c: each validator gets a good payload and bad ones
 * (an unterminated string in every field, a bad enum or status, a wrong
 * length), and a peer using the real rules refuses a bad payload before
 * its handler runs.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <event.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "keyproxy.h"
#include "signer.h"
#include "log.h"
#include "proc.h"
#include "smtpd.h"
#include "imsg_check.h"

/* A char array of a payload struct, by offset and size. */
struct field {
	const char	*name;
	size_t		 off;
	size_t		 size;
};

#define FLD(type, m) \
	{ #m, offsetof(type, m), sizeof(((type *)0)->m) }

static const struct field envelope_fields[] = {
	FLD(struct envelope, tag),
	FLD(struct envelope, helo),
	FLD(struct envelope, hostname),
	FLD(struct envelope, src),
	FLD(struct envelope, sender.user),
	FLD(struct envelope, sender.domain),
	FLD(struct envelope, rcpt.user),
	FLD(struct envelope, rcpt.domain),
	FLD(struct envelope, dest.user),
	FLD(struct envelope, dest.domain),
	FLD(struct envelope, action),
	FLD(struct envelope, user),
	FLD(struct envelope, arg),
	FLD(struct envelope, errorline),
};

static const struct field expand_fields[] = {
	FLD(struct expand_req, tag),
	FLD(struct expand_req, helo),
	FLD(struct expand_req, hostname),
	FLD(struct expand_req, src),
	FLD(struct expand_req, sender.user),
	FLD(struct expand_req, sender.domain),
	FLD(struct expand_req, rcpt.user),
	FLD(struct expand_req, rcpt.domain),
	FLD(struct expand_req, authuser),
};

static const struct field sender_fields[] = {
	FLD(struct sender_req, table),
	FLD(struct sender_req, authuser),
	FLD(struct sender_req, sender.user),
	FLD(struct sender_req, sender.domain),
};

static const struct field deliver_fields[] = {
	FLD(struct deliver, arg),
	FLD(struct deliver, username),
	FLD(struct deliver, home),
	FLD(struct deliver, shell),
	FLD(struct deliver, mailbox),
};

static const struct field auth_fields[] = {
	FLD(struct auth_req, table),
	FLD(struct auth_req, user),
	FLD(struct auth_req, password),
};

static int	 pauses, closes;

static void	fill_envelope(struct envelope *);
static void	fill_deliver(struct deliver *);
static void	each_unterminated(int (*)(const void *, size_t), void *,
		    size_t, size_t, const struct field *, size_t);

static void
fill_envelope(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
	e->id = 0x1234abcd00000042ULL;
	(void)strlcpy(e->tag, "inbound", sizeof(e->tag));
	(void)strlcpy(e->helo, "client.example.org", sizeof(e->helo));
	(void)strlcpy(e->sender.user, "alice", sizeof(e->sender.user));
	(void)strlcpy(e->dest.user, "bob", sizeof(e->dest.user));
	(void)strlcpy(e->action, "local", sizeof(e->action));
	(void)strlcpy(e->user, "bob", sizeof(e->user));
	e->dtype = DT_MAILBOX;
}

static void
fill_deliver(struct deliver *d)
{
	memset(d, 0, sizeof(*d));
	fill_envelope(&d->evp);
	d->method = A_MAILDIR;
	(void)strlcpy(d->username, "bob", sizeof(d->username));
	(void)strlcpy(d->home, "/home/bob", sizeof(d->home));
	d->uid = d->gid = 1000;
}

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
	free(copy);
}

ATF_TC_WITHOUT_HEAD(text);
ATF_TC_BODY(text, tc)
{
	ATF_CHECK_EQ(imsg_check_text("abc", 4), 0);
	ATF_CHECK_EQ(imsg_check_text("", 1), 0);
	ATF_CHECK_EQ(imsg_check_text("abc", 3), -1);	/* unterminated */
	ATF_CHECK_EQ(imsg_check_text("a\0b", 4), -1);	/* two strings */
	ATF_CHECK_EQ(imsg_check_text("", 0), -1);
	ATF_CHECK_EQ(imsg_check_text(NULL, 0), -1);
}

ATF_TC_WITHOUT_HEAD(replies);
ATF_TC_BODY(replies, tc)
{
	struct msg_reply	 m;
	struct rcpt_reply	 r;
	struct delivery_result	 d;
	struct forward_reply	 f;

	memset(&m, 0, sizeof(m));
	(void)strlcpy(m.text, "451 4.3.0 try again", sizeof(m.text));
	m.status = ST_TEMPFAIL;
	ATF_CHECK_EQ(imsg_check_msg_reply(&m, sizeof(m)), 0);
	ATF_CHECK_EQ(imsg_check_msg_reply(&m, sizeof(m) - 1), -1);
	m.status = ST_LOOP + 1;
	ATF_CHECK_EQ(imsg_check_msg_reply(&m, sizeof(m)), -1);
	m.status = -1;
	ATF_CHECK_EQ(imsg_check_msg_reply(&m, sizeof(m)), -1);
	m.status = ST_OK;
	memset(m.text, 'x', sizeof(m.text));
	ATF_CHECK_EQ(imsg_check_msg_reply(&m, sizeof(m)), -1);

	/* RCPT_OK and EXPAND_DONE: ST_OK; RCPT_FAIL: never ST_OK */
	memset(&r, 0, sizeof(r));
	r.msgid = 7;
	ATF_CHECK_EQ(imsg_check_rcpt_ok(&r, sizeof(r)), 0);
	ATF_CHECK_EQ(imsg_check_rcpt_fail(&r, sizeof(r)), -1);
	r.status = ST_PERMFAIL;
	(void)strlcpy(r.text, "550 5.1.1 no", sizeof(r.text));
	ATF_CHECK_EQ(imsg_check_rcpt_ok(&r, sizeof(r)), -1);
	ATF_CHECK_EQ(imsg_check_rcpt_fail(&r, sizeof(r)), 0);
	r.status = 42;
	ATF_CHECK_EQ(imsg_check_rcpt_fail(&r, sizeof(r)), -1);
	r.status = ST_LOOP;
	memset(r.text, 'x', sizeof(r.text));
	ATF_CHECK_EQ(imsg_check_rcpt_fail(&r, sizeof(r)), -1);
	ATF_CHECK_EQ(imsg_check_rcpt_fail(&r, 0), -1);

	/* VRFY: no message, any status */
	memset(&r, 0, sizeof(r));
	ATF_CHECK_EQ(imsg_check_vrfy_result(&r, sizeof(r)), 0);
	r.status = ST_PERMFAIL;
	ATF_CHECK_EQ(imsg_check_vrfy_result(&r, sizeof(r)), 0);
	r.msgid = 1;
	ATF_CHECK_EQ(imsg_check_vrfy_result(&r, sizeof(r)), -1);
	r.msgid = 0;
	r.status = 4;
	ATF_CHECK_EQ(imsg_check_vrfy_result(&r, sizeof(r)), -1);

	memset(&d, 0, sizeof(d));
	d.status = ST_PERMFAIL;
	ATF_CHECK_EQ(imsg_check_delivery_result(&d, sizeof(d)), 0);
	d.status = 9;
	ATF_CHECK_EQ(imsg_check_delivery_result(&d, sizeof(d)), -1);
	d.status = ST_OK;
	memset(d.errorline, 'x', sizeof(d.errorline));
	ATF_CHECK_EQ(imsg_check_delivery_result(&d, sizeof(d)), -1);

	memset(&f, 0, sizeof(f));
	ATF_CHECK_EQ(imsg_check_forward_reply(&f, sizeof(f)), 0);
	f.status = -3;
	ATF_CHECK_EQ(imsg_check_forward_reply(&f, sizeof(f)), -1);
}

ATF_TC_WITHOUT_HEAD(requests);
ATF_TC_BODY(requests, tc)
{
	struct expand_req	 e;
	struct forward_req	 f;
	struct ctl_what		 w;
	struct pki_msg		 pm;

	memset(&e, 0, sizeof(e));
	e.ss.ss_family = AF_INET;
	/* all but authuser (last): without EF_AUTH it must be empty */
	each_unterminated(imsg_check_expand_req, &e, sizeof(e), 0,
	    expand_fields, nitems(expand_fields) - 1);
	e.ss.ss_family = AF_UNIX;
	ATF_CHECK_EQ(imsg_check_expand_req(&e, sizeof(e)), 0);
	e.ss.ss_family = AF_INET6;
	ATF_CHECK_EQ(imsg_check_expand_req(&e, sizeof(e)), 0);
	e.ss.ss_family = AF_UNSPEC;
	ATF_CHECK_EQ(imsg_check_expand_req(&e, sizeof(e)), -1);
	e.ss.ss_family = AF_NETLINK;
	ATF_CHECK_EQ(imsg_check_expand_req(&e, sizeof(e)), -1);
	/* EF_AUTH and the user name go together */
	e.ss.ss_family = AF_INET;
	e.flags = EF_AUTH;
	ATF_CHECK_EQ(imsg_check_expand_req(&e, sizeof(e)), -1);
	(void)strlcpy(e.authuser, "alice", sizeof(e.authuser));
	ATF_CHECK_EQ(imsg_check_expand_req(&e, sizeof(e)), 0);
	e.flags = 0;
	ATF_CHECK_EQ(imsg_check_expand_req(&e, sizeof(e)), -1);
	e.flags = EF_AUTH;
	each_unterminated(imsg_check_expand_req, &e, sizeof(e), 0,
	    expand_fields, nitems(expand_fields));

	memset(&f, 0, sizeof(f));
	(void)strlcpy(f.user, "bob", sizeof(f.user));
	ATF_CHECK_EQ(imsg_check_forward_req(&f, sizeof(f)), 0);
	memset(f.user, 'b', sizeof(f.user));
	ATF_CHECK_EQ(imsg_check_forward_req(&f, sizeof(f)), -1);

	memset(&w, 0, sizeof(w));
	(void)strlcpy(w.what, "smtp", sizeof(w.what));
	ATF_CHECK_EQ(imsg_check_ctl_what(&w, sizeof(w)), 0);
	ATF_CHECK_EQ(imsg_check_ctl_what(&w, sizeof(w) + 1), -1);
	memset(w.what, 'a', sizeof(w.what));
	ATF_CHECK_EQ(imsg_check_ctl_what(&w, sizeof(w)), -1);

	memset(&pm, 0, sizeof(pm));
	ATF_CHECK_EQ(imsg_check_pki_msg(&pm, sizeof(pm)), -1);	/* empty */
	(void)strlcpy(pm.name, "mx.example.com", sizeof(pm.name));
	ATF_CHECK_EQ(imsg_check_pki_msg(&pm, sizeof(pm)), 0);
	memset(pm.name, 'm', sizeof(pm.name));
	ATF_CHECK_EQ(imsg_check_pki_msg(&pm, sizeof(pm)), -1);
}

/* senders <table>: smtp's question and lka's answer. */
ATF_TC_WITHOUT_HEAD(sender);
ATF_TC_BODY(sender, tc)
{
	struct sender_req	 q;
	struct sender_reply	 r;

	memset(&q, 0, sizeof(q));
	(void)strlcpy(q.table, "senders", sizeof(q.table));
	(void)strlcpy(q.authuser, "alice", sizeof(q.authuser));
	(void)strlcpy(q.sender.user, "alice", sizeof(q.sender.user));
	(void)strlcpy(q.sender.domain, "example.com",
	    sizeof(q.sender.domain));
	each_unterminated(imsg_check_sender_req, &q, sizeof(q), 0,
	    sender_fields, nitems(sender_fields));
	ATF_CHECK_EQ(imsg_check_sender_req(&q, sizeof(q) - 1), -1);
	q.authuser[0] = '\0';
	ATF_CHECK_EQ(imsg_check_sender_req(&q, sizeof(q)), -1);
	(void)strlcpy(q.authuser, "alice", sizeof(q.authuser));
	q.table[0] = '\0';
	ATF_CHECK_EQ(imsg_check_sender_req(&q, sizeof(q)), -1);

	memset(&r, 0, sizeof(r));
	r.status = ST_OK;
	ATF_CHECK_EQ(imsg_check_sender_reply(&r, sizeof(r)), 0);
	r.status = ST_PERMFAIL;
	ATF_CHECK_EQ(imsg_check_sender_reply(&r, sizeof(r)), 0);
	r.status = ST_TEMPFAIL;
	ATF_CHECK_EQ(imsg_check_sender_reply(&r, sizeof(r)), 0);
	r.status = ST_LOOP;
	ATF_CHECK_EQ(imsg_check_sender_reply(&r, sizeof(r)), -1);
	r.status = 42;
	ATF_CHECK_EQ(imsg_check_sender_reply(&r, sizeof(r)), -1);
	ATF_CHECK_EQ(imsg_check_sender_reply(&r, sizeof(r) + 1), -1);
}

/* the signer's messages: a pki name; a bounded request; a result */
ATF_TC_WITHOUT_HEAD(signer);
ATF_TC_BODY(signer, tc)
{
	struct pki_msg		 m;
	struct keyproxy_req	 q;
	struct keyproxy_res	 r;

	memset(&m, 0, sizeof(m));
	ATF_CHECK_EQ(imsg_check_pki_key(&m, sizeof(m)), -1);	/* empty */
	(void)strlcpy(m.name, "mx.example.org", sizeof(m.name));
	ATF_CHECK_EQ(imsg_check_pki_key(&m, sizeof(m)), 0);
	ATF_CHECK_EQ(imsg_check_pki_key(&m, sizeof(m) - 1), -1);
	memset(m.name, 'x', sizeof(m.name));
	ATF_CHECK_EQ(imsg_check_pki_key(&m, sizeof(m)), -1);

	memset(&q, 0, sizeof(q));
	q.op = KEYPROXY_RSA_PRIVENC;
	q.len = 256;
	ATF_CHECK_EQ(imsg_check_signer_req(&q, sizeof(q)), 0);
	ATF_CHECK_EQ(imsg_check_signer_req(&q, sizeof(q) - 1), -1);
	q.op = KEYPROXY_ECDSA_SIGN;
	q.len = KEYPROXY_DATA_MAX;
	ATF_CHECK_EQ(imsg_check_signer_req(&q, sizeof(q)), 0);
	q.len = KEYPROXY_DATA_MAX + 1;
	ATF_CHECK_EQ(imsg_check_signer_req(&q, sizeof(q)), -1);
	q.len = 0;
	ATF_CHECK_EQ(imsg_check_signer_req(&q, sizeof(q)), -1);
	q.len = 32;
	q.op = 0;
	ATF_CHECK_EQ(imsg_check_signer_req(&q, sizeof(q)), -1);
	q.op = KEYPROXY_ECDSA_SIGN + 1;
	ATF_CHECK_EQ(imsg_check_signer_req(&q, sizeof(q)), -1);

	memset(&r, 0, sizeof(r));
	r.len = 256;
	ATF_CHECK_EQ(imsg_check_signer_res(&r, sizeof(r)), 0);
	ATF_CHECK_EQ(imsg_check_signer_res(&r, sizeof(r) + 1), -1);
	r.len = 0;			/* success with nothing */
	ATF_CHECK_EQ(imsg_check_signer_res(&r, sizeof(r)), -1);
	r.status = KEYPROXY_ENOKEY;
	ATF_CHECK_EQ(imsg_check_signer_res(&r, sizeof(r)), 0);
	r.len = 1;			/* an error with data */
	ATF_CHECK_EQ(imsg_check_signer_res(&r, sizeof(r)), -1);
	r.len = 0;
	r.status = KEYPROXY_EFAIL + 1;
	ATF_CHECK_EQ(imsg_check_signer_res(&r, sizeof(r)), -1);
	r.status = KEYPROXY_OK;
	r.len = KEYPROXY_DATA_MAX + 1;
	ATF_CHECK_EQ(imsg_check_signer_res(&r, sizeof(r)), -1);
	/* the rules carry them */
	smtpd_proc_setup();
	q.op = KEYPROXY_ECDSA_SIGN;
	ATF_CHECK_EQ(imsg_check_payload(IMSG_SIGNER_REQUEST, &q,
	    sizeof(q)), 0);
	ATF_CHECK_EQ(imsg_check_payload(IMSG_SIGNER_RESULT, &r, sizeof(r)),
	    -1);
}

ATF_TC_WITHOUT_HEAD(envelopes);
ATF_TC_BODY(envelopes, tc)
{
	struct envelope		 e;
	struct envelope_msg	 m;

	fill_envelope(&e);
	ATF_CHECK(envelope_ok(&e));
	ATF_CHECK(envelope_strings_ok(&e));
	each_unterminated(imsg_check_envelope, &e, sizeof(e), 0,
	    envelope_fields, nitems(envelope_fields));
	e.dtype = DT_PIPE;
	ATF_CHECK_EQ(imsg_check_envelope(&e, sizeof(e)), 0);
	e.dtype = (enum delivery_type)3;
	ATF_CHECK_EQ(imsg_check_envelope(&e, sizeof(e)), -1);
	ATF_CHECK(!envelope_ok(&e));
	ATF_CHECK(envelope_strings_ok(&e));
	e.dtype = (enum delivery_type)-1;
	ATF_CHECK_EQ(imsg_check_envelope(&e, sizeof(e)), -1);
	e.dtype = DT_FILE;
	ATF_CHECK_EQ(imsg_check_envelope(&e, sizeof(e) - 8), -1);
	/* an '@' in a domain: the queue could not load it back (fuzzing) */
	(void)strlcpy(e.dest.domain, "a@b.example", sizeof(e.dest.domain));
	ATF_CHECK_EQ(imsg_check_envelope(&e, sizeof(e)), -1);
	ATF_CHECK(!envelope_ok(&e));
	(void)strlcpy(e.dest.domain, "b.example", sizeof(e.dest.domain));
	(void)strlcpy(e.sender.domain, "@", sizeof(e.sender.domain));
	ATF_CHECK_EQ(imsg_check_envelope(&e, sizeof(e)), -1);
	(void)strlcpy(e.sender.domain, "a.example", sizeof(e.sender.domain));
	ATF_CHECK_EQ(imsg_check_envelope(&e, sizeof(e)), 0);

	memset(&m, 0, sizeof(m));
	fill_envelope(&m.evp);
	each_unterminated(imsg_check_envelope_msg, &m, sizeof(m),
	    offsetof(struct envelope_msg, evp), envelope_fields,
	    nitems(envelope_fields));
	m.evp.dtype = (enum delivery_type)7;
	ATF_CHECK_EQ(imsg_check_envelope_msg(&m, sizeof(m)), -1);
}

ATF_TC_WITHOUT_HEAD(deliver);
ATF_TC_BODY(deliver, tc)
{
	struct deliver	 d;

	fill_deliver(&d);
	each_unterminated(imsg_check_deliver, &d, sizeof(d), 0,
	    deliver_fields, nitems(deliver_fields));
	each_unterminated(imsg_check_deliver, &d, sizeof(d),
	    offsetof(struct deliver, evp), envelope_fields,
	    nitems(envelope_fields));
	d.method = (enum action_method)99;
	ATF_CHECK_EQ(imsg_check_deliver(&d, sizeof(d)), -1);
	d.method = (enum action_method)-1;
	ATF_CHECK_EQ(imsg_check_deliver(&d, sizeof(d)), -1);
	/* a mailbox needs a method that delivers; a pipe does not */
	d.method = A_EXPAND_ONLY;
	ATF_CHECK_EQ(imsg_check_deliver(&d, sizeof(d)), -1);
	d.evp.dtype = DT_PIPE;
	ATF_CHECK_EQ(imsg_check_deliver(&d, sizeof(d)), 0);
	d.evp.dtype = (enum delivery_type)5;
	d.method = A_MBOX;
	ATF_CHECK_EQ(imsg_check_deliver(&d, sizeof(d)), -1);
	/* relayed mail is the mta's: no agent is ever asked for it */
	fill_deliver(&d);
	d.method = A_RELAY;
	ATF_CHECK_EQ(imsg_check_deliver(&d, sizeof(d)), -1);
}

ATF_TC_WITHOUT_HEAD(agent_kind);
ATF_TC_BODY(agent_kind, tc)
{
	ATF_CHECK_STREQ(delivery_agent_kind(DT_MAILBOX, A_MBOX), "mbox");
	ATF_CHECK_STREQ(delivery_agent_kind(DT_MAILBOX, A_MAILDIR),
	    "maildir");
	ATF_CHECK_STREQ(delivery_agent_kind(DT_MAILBOX, A_LMTP), "lmtp");
	ATF_CHECK_STREQ(delivery_agent_kind(DT_MAILBOX, A_MDA), "mda");
	ATF_CHECK(delivery_agent_kind(DT_MAILBOX, A_EXPAND_ONLY) == NULL);
	ATF_CHECK(delivery_agent_kind(DT_MAILBOX, A_FORWARD_ONLY) == NULL);
	ATF_CHECK(delivery_agent_kind(DT_MAILBOX, A_RELAY) == NULL);
	ATF_CHECK_STREQ(delivery_agent_kind(DT_FILE, A_EXPAND_ONLY), "file");
	ATF_CHECK_STREQ(delivery_agent_kind(DT_PIPE, A_MAILDIR), "mda");
}

/*
 * The rules name the validators: every message with a string, an enum or
 * a status in its payload has one, and imsg_check_payload() applies the
 * bounds and the validator of a type as the peer layer does.
 */
ATF_TC_WITHOUT_HEAD(rules);
ATF_TC_BODY(rules, tc)
{
	static const struct {
		uint32_t	 type;
		int		(*check)(const void *, size_t);
	} want[] = {
		{ IMSG_CONF_PKI_CERT,		imsg_check_pki_msg },
		{ IMSG_CONF_CA,			imsg_check_pki_msg },
		{ IMSG_QUEUE_MESSAGE_CREATED,	imsg_check_msg_reply },
		{ IMSG_QUEUE_MESSAGE_COMMITTED,	imsg_check_msg_reply },
		{ IMSG_QUEUE_RCPT_OK,		imsg_check_rcpt_ok },
		{ IMSG_SMTP_EXPAND_RCPT,	imsg_check_expand_req },
		{ IMSG_QUEUE_EXPAND_BOUNCE,	imsg_check_expand_req },
		{ IMSG_LKA_ENVELOPE,		imsg_check_envelope_msg },
		{ IMSG_LKA_EXPAND_DONE,		imsg_check_rcpt_ok },
		{ IMSG_LKA_RCPT_FAIL,		imsg_check_rcpt_fail },
		{ IMSG_LKA_VRFY_RESULT,		imsg_check_vrfy_result },
		{ IMSG_SMTP_CHECK_SENDER,	imsg_check_sender_req },
		{ IMSG_LKA_SENDER_RESULT,	imsg_check_sender_reply },
		{ IMSG_LKA_OPEN_FORWARD,	imsg_check_forward_req },
		{ IMSG_PARENT_FORWARD,		imsg_check_forward_reply },
		{ IMSG_SMTP_AUTH,		imsg_check_auth_req },
		{ IMSG_LKA_AUTH_RESULT,		imsg_check_auth_result },
		{ IMSG_LKA_AUTH_SYSTEM,		imsg_check_auth_system },
		{ IMSG_PARENT_AUTH_RESULT,	imsg_check_auth_result },
		{ IMSG_QUEUE_DELIVER,		imsg_check_envelope },
		{ IMSG_PARENT_DELIVERY_RESULT,	imsg_check_delivery_result },
		{ IMSG_AGENT_DELIVER,		imsg_check_deliver },
		{ IMSG_AGENT_RESULT,		imsg_check_delivery_result },
		{ IMSG_CTL_PAUSE,		imsg_check_ctl_what },
		{ IMSG_CTL_RESUME,		imsg_check_ctl_what },
		{ IMSG_CTL_SANDBOX,		imsg_check_ctl_what },
		{ IMSG_CTL_LINE,		imsg_check_text },
		{ IMSG_CTL_FAIL,		imsg_check_text },
		{ IMSG_SMTP_MESSAGE_COMMIT_PREFIX, imsg_check_msg_commit },
		{ IMSG_CONF_DKIM_KEY,		imsg_check_dkim_key },
		{ IMSG_SIGNER_DKIM_SIGN,	imsg_check_dkim_req },
		{ IMSG_SIGNER_DKIM_RESULT,	imsg_check_dkim_res },
	};
	const struct imsg_rule	*r;
	struct ctl_what		 w;
	size_t			 i;

	for (i = 0; i < nitems(want); i++) {
		r = imsg_rule_find(want[i].type);
		ATF_REQUIRE(r != NULL);
		ATF_CHECK_MSG(r->check == want[i].check, "%s: validator",
		    r->name);
	}
	/* every type of the enum has a rule */
	for (i = PROC_IMSG_NONE + 1; i < IMSG_TYPE_MAX; i++)
		ATF_CHECK_MSG(imsg_rule_find((uint32_t)i) != NULL,
		    "type %zu has no rule", i);

	memset(&w, 0, sizeof(w));
	ATF_CHECK_EQ(imsg_check_payload(IMSG_CTL_PAUSE, &w, sizeof(w)), 0);
	ATF_CHECK_EQ(imsg_check_payload(IMSG_CTL_PAUSE, &w, 4), -1);
	memset(w.what, 'a', sizeof(w.what));
	ATF_CHECK_EQ(imsg_check_payload(IMSG_CTL_PAUSE, &w, sizeof(w)), -1);
	ATF_CHECK_EQ(imsg_check_payload(IMSG_CTL_OK, NULL, 0), 0);
	ATF_CHECK_EQ(imsg_check_payload(IMSG_CTL_OK, "x", 1), -1);
	ATF_CHECK_EQ(imsg_check_payload(IMSG_CTL_LINE, "line", 5), 0);
	ATF_CHECK_EQ(imsg_check_payload(IMSG_CTL_LINE, "line", 4), -1);
	ATF_CHECK_EQ(imsg_check_payload(IMSG_TYPE_MAX + 1, NULL, 0), -1);
}

static void
h_pause(struct peer *p, struct imsg *imsg)
{
	pauses++;
}

static void
on_close(struct peer *p)
{
	closes++;
}

static const struct imsg_handler handlers[] = {
	{ IMSG_CTL_PAUSE,	h_pause },
	{ IMSG_LKA_OPEN_FORWARD, h_pause },
};

/*
 * A peer of id from, seen by proc_self, gets a good message then one with
 * an unterminated name; serve it until it is closed or 2 s pass.
 */
static void
send_good_bad(enum proc_id self, enum proc_id from, uint32_t type, size_t len,
    size_t off, size_t size)
{
	struct peer	 p;
	struct imsgbuf	 r;
	struct timeval	 tv = { 0, 10000 };
	char		 good[sizeof(struct deliver)], bad[sizeof(good)];
	int		 sv[2], i;

	ATF_REQUIRE(len <= sizeof(good));
	memset(good, 0, len);
	memcpy(bad, good, len);
	memset(bad + off, 'x', size);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	(void)event_init();
	log_init(1, 0);
	log_procinit("test");
	proc_self = self;
	pauses = closes = 0;
	peer_init(&p, from, sv[0], handlers, nitems(handlers), on_close);
	ATF_REQUIRE(imsgbuf_init(&r, sv[1]) == 0);
	ATF_REQUIRE(imsg_compose(&r, type, CTL_VERSION, 0, -1, good,
	    len) != -1);
	ATF_REQUIRE(imsg_compose(&r, type, CTL_VERSION, 0, -1, bad,
	    len) != -1);
	ATF_REQUIRE(imsgbuf_flush(&r) == 0);
	for (i = 0; i < 200 && closes == 0; i++) {
		event_loopexit(&tv);
		event_loop(EVLOOP_ONCE);
	}
}

/* smtpctl's unterminated name closes it before control's handler. */
ATF_TC_WITHOUT_HEAD(peer_client);
ATF_TC_BODY(peer_client, tc)
{
	send_good_bad(PROC_CONTROL, PROC_CLIENT, IMSG_CTL_PAUSE,
	    sizeof(struct ctl_what), offsetof(struct ctl_what, what),
	    NAME_MAX_CONF);
	ATF_CHECK_EQ(pauses, 1);	/* the good one only */
	ATF_CHECK_EQ(closes, 1);
}

static void
child_trusted(void)
{
	/* lka asks the parent for an unterminated user's .forward */
	send_good_bad(PROC_PARENT, PROC_LKA, IMSG_LKA_OPEN_FORWARD,
	    sizeof(struct forward_req), offsetof(struct forward_req, user),
	    USER_MAX);
	_exit(pauses == 2 ? 2 : 0);	/* survived: the test fails */
}

/* From a trusted process, the same is fatal, still before the handler. */
ATF_TC_WITHOUT_HEAD(peer_trusted);
ATF_TC_BODY(peer_trusted, tc)
{
	pid_t	 pid;
	int	 st;

	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		alarm(5);
		child_trusted();
	}
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "status %d (2: handler ran, 0: survived)", st);
}

/* AUTH: strings terminated and non-empty, no table to the parent. */
ATF_TC_WITHOUT_HEAD(auth);
ATF_TC_BODY(auth, tc)
{
	struct auth_req		 a;
	struct auth_result	 r;

	memset(&a, 0, sizeof(a));
	a.reqid = 42;
	(void)strlcpy(a.table, "creds", sizeof(a.table));
	(void)strlcpy(a.user, "alice", sizeof(a.user));
	(void)strlcpy(a.password, "secret", sizeof(a.password));
	each_unterminated(imsg_check_auth_req, &a, sizeof(a), 0,
	    auth_fields, nitems(auth_fields));
	ATF_CHECK_EQ(imsg_check_auth_req(&a, sizeof(a) - 1), -1);
	/* the parent checks system users only */
	ATF_CHECK_EQ(imsg_check_auth_system(&a, sizeof(a)), -1);
	a.table[0] = '\0';
	ATF_CHECK_EQ(imsg_check_auth_req(&a, sizeof(a)), 0);
	ATF_CHECK_EQ(imsg_check_auth_system(&a, sizeof(a)), 0);
	memset(a.password, 'p', sizeof(a.password));
	ATF_CHECK_EQ(imsg_check_auth_system(&a, sizeof(a)), -1);
	(void)strlcpy(a.password, "secret", sizeof(a.password));
	a.user[0] = '\0';
	ATF_CHECK_EQ(imsg_check_auth_req(&a, sizeof(a)), -1);
	ATF_CHECK_EQ(imsg_check_auth_system(&a, sizeof(a)), -1);
	(void)strlcpy(a.user, "alice", sizeof(a.user));
	a.password[0] = '\0';
	ATF_CHECK_EQ(imsg_check_auth_req(&a, sizeof(a)), -1);

	memset(&r, 0, sizeof(r));
	r.status = ST_OK;
	ATF_CHECK_EQ(imsg_check_auth_result(&r, sizeof(r)), 0);
	r.status = ST_PERMFAIL;
	ATF_CHECK_EQ(imsg_check_auth_result(&r, sizeof(r)), 0);
	r.status = ST_TEMPFAIL;
	ATF_CHECK_EQ(imsg_check_auth_result(&r, sizeof(r)), 0);
	ATF_CHECK_EQ(imsg_check_auth_result(&r, sizeof(r) + 1), -1);
	r.status = ST_LOOP;
	ATF_CHECK_EQ(imsg_check_auth_result(&r, sizeof(r)), -1);
	r.status = -1;
	ATF_CHECK_EQ(imsg_check_auth_result(&r, sizeof(r)), -1);
}


/* A commit's prefix: whole header fields only, its length as said. */
ATF_TC_WITHOUT_HEAD(commit_prefix);
ATF_TC_BODY(commit_prefix, tc)
{
	static const char *const good[] = {
		"A: b\r\n",
		"DKIM-Signature: v=1;\r\n\tb=x\r\n",
		"X:\r\nAuthentication-Results: mx; none\r\n",
	};
	static const char *const bad[] = {
		"",			/* nothing */
		"A: b",			/* no CRLF */
		"A: b\n",		/* bare LF */
		"A: b\rc\r\n",		/* bare CR */
		"\r\n",			/* the empty line: a body */
		"A: b\r\n\r\nbody\r\n",
		" A: b\r\n",		/* a continuation first */
		"A b\r\n",		/* no colon */
		": b\r\n",		/* no name */
		"A\x01: b\r\n",
	};
	struct signer_dkim_req	 rq;
	struct signer_dkim_res	 rs;
	char			 buf[sizeof(struct msg_commit) + 64];
	struct msg_commit	 mc;
	size_t			 i, n;

	for (i = 0; i < nitems(good); i++)
		ATF_CHECK_MSG(msg_prefix_valid(good[i], strlen(good[i])),
		    "refused: %s", good[i]);
	for (i = 0; i < nitems(bad); i++)
		ATF_CHECK_MSG(!msg_prefix_valid(bad[i], strlen(bad[i])),
		    "accepted: %s", bad[i]);
	ATF_CHECK(!msg_prefix_valid("A: \0\r\n", 6));

	memset(&mc, 0, sizeof(mc));
	n = strlen(good[1]);
	mc.len = (uint32_t)n;
	memcpy(buf, &mc, sizeof(mc));
	memcpy(buf + sizeof(mc), good[1], n);
	ATF_CHECK_EQ(imsg_check_msg_commit(buf, sizeof(mc) + n), 0);
	ATF_CHECK_EQ(imsg_check_msg_commit(buf, sizeof(mc) + n - 1), -1);
	mc.flags = EF_QUARANTINE;
	memcpy(buf, &mc, sizeof(mc));
	ATF_CHECK_EQ(imsg_check_msg_commit(buf, sizeof(mc) + n), 0);
	mc.flags = EF_LOCAL;		/* not a commit's to set */
	memcpy(buf, &mc, sizeof(mc));
	ATF_CHECK_EQ(imsg_check_msg_commit(buf, sizeof(mc) + n), -1);
	/* flags alone */
	mc.flags = EF_QUARANTINE;
	mc.len = 0;
	memcpy(buf, &mc, sizeof(mc));
	ATF_CHECK_EQ(imsg_check_msg_commit(buf, sizeof(mc)), 0);
	/* a prefix that is no header field */
	mc.len = 4;
	memcpy(buf, &mc, sizeof(mc));
	memcpy(buf + sizeof(mc), "\r\nX\n", 4);
	ATF_CHECK_EQ(imsg_check_msg_commit(buf, sizeof(mc) + 4), -1);

	/* DKIM requests and results */
	memset(&rq, 0, sizeof(rq));
	strlcpy(rq.domain, "example.org", sizeof(rq.domain));
	strlcpy(rq.selector, "s1", sizeof(rq.selector));
	ATF_CHECK_EQ(imsg_check_dkim_req(&rq, sizeof(rq)), 0);
	memset(rq.selector, 'a', sizeof(rq.selector));
	ATF_CHECK_EQ(imsg_check_dkim_req(&rq, sizeof(rq)), -1);
	rq.selector[0] = '\0';
	ATF_CHECK_EQ(imsg_check_dkim_req(&rq, sizeof(rq)), -1);
	memset(&rs, 0, sizeof(rs));
	rs.status = KEYPROXY_OK;
	rs.alg = 2;
	rs.len = 64;
	ATF_CHECK_EQ(imsg_check_dkim_res(&rs, sizeof(rs)), 0);
	rs.len = sizeof(rs.sig) + 1;
	ATF_CHECK_EQ(imsg_check_dkim_res(&rs, sizeof(rs)), -1);
	rs.len = 64;
	rs.alg = 3;			/* rsa-sha1: never */
	ATF_CHECK_EQ(imsg_check_dkim_res(&rs, sizeof(rs)), -1);
	rs.status = KEYPROXY_ENOKEY;
	rs.alg = 0;
	rs.len = 0;
	ATF_CHECK_EQ(imsg_check_dkim_res(&rs, sizeof(rs)), 0);
	rs.status = 99;
	ATF_CHECK_EQ(imsg_check_dkim_res(&rs, sizeof(rs)), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sender);
	smtpd_proc_setup();	/* the rule table, as smtpd's main() */
	ATF_TP_ADD_TC(tp, text);
	ATF_TP_ADD_TC(tp, replies);
	ATF_TP_ADD_TC(tp, requests);
	ATF_TP_ADD_TC(tp, signer);
	ATF_TP_ADD_TC(tp, commit_prefix);
	ATF_TP_ADD_TC(tp, envelopes);
	ATF_TP_ADD_TC(tp, deliver);
	ATF_TP_ADD_TC(tp, agent_kind);
	ATF_TP_ADD_TC(tp, rules);
	ATF_TP_ADD_TC(tp, peer_client);
	ATF_TP_ADD_TC(tp, peer_trusted);
	ATF_TP_ADD_TC(tp, auth);
	return (atf_no_error());
}
