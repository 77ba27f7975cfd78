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
 * imsg_check.c -- payload validators, one per payload struct.
 *
 * SECURITY: the size bounds of smtpd/imsg_rules.c only say that a payload
 * has the length of its struct.  These say that its strings end inside
 * their arrays, that its enums hold one of their values and that its
 * status codes are ST_* codes the message may carry.  common/proc.c runs
 * them on every message received, before any handler: a failure is fatal
 * for a trusted sender and closes an untrusted one (smtpctl, an agent).
 * Handlers check what depends on their state or on policy (is this
 * envelope ours, may this uid do it), never the shape of the payload.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keyproxy.h"
#include "signer.h"
#include "proc.h"
#include "smtpd.h"
#include "imsg_check.h"

static int	status_ok(int);
static int	rcpt_reply_ok(const void *, size_t);
static int	mailaddr_ok(const struct mailaddr *);

#define STR_OK(a)	str_terminated((a), sizeof(a))

static int
status_ok(int status)
{
	switch (status) {
	case ST_OK:
	case ST_TEMPFAIL:
	case ST_PERMFAIL:
	case ST_LOOP:
		return (1);
	default:
		return (0);
	}
}

static int
mailaddr_ok(const struct mailaddr *ma)
{
	return (STR_OK(ma->user) && STR_OK(ma->domain));
}

/* A payload that is exactly one C string: its only NUL is its last byte. */
int
imsg_check_text(const void *data, size_t len)
{
	if (len == 0 || data == NULL)
		return (-1);
	return (memchr(data, '\0', len) == (const char *)data + len - 1 ?
	    0 : -1);
}

int
imsg_check_msg_reply(const void *data, size_t len)
{
	const struct msg_reply	*m = data;

	if (len != sizeof(*m) || !status_ok(m->status) || !STR_OK(m->text))
		return (-1);
	return (0);
}

static int
rcpt_reply_ok(const void *data, size_t len)
{
	const struct rcpt_reply	*r = data;

	return (len == sizeof(*r) && status_ok(r->status) && STR_OK(r->text));
}

/* The recipient's envelopes are made (lka) or held (queue). */
int
imsg_check_rcpt_ok(const void *data, size_t len)
{
	const struct rcpt_reply	*r = data;

	if (!rcpt_reply_ok(data, len) || r->status != ST_OK)
		return (-1);
	return (0);
}

/* A refused recipient: never ST_OK. */
int
imsg_check_rcpt_fail(const void *data, size_t len)
{
	const struct rcpt_reply	*r = data;

	if (!rcpt_reply_ok(data, len) || r->status == ST_OK)
		return (-1);
	return (0);
}

/* VRFY's verdict: no message, any status (ST_OK: the user exists). */
int
imsg_check_vrfy_result(const void *data, size_t len)
{
	const struct rcpt_reply	*r = data;

	if (!rcpt_reply_ok(data, len) || r->msgid != 0)
		return (-1);
	return (0);
}

int
imsg_check_expand_req(const void *data, size_t len)
{
	const struct expand_req	*r = data;

	if (len != sizeof(*r))
		return (-1);
	if (!STR_OK(r->tag) || !STR_OK(r->helo) || !STR_OK(r->hostname) ||
	    !STR_OK(r->src) || !mailaddr_ok(&r->sender) ||
	    !mailaddr_ok(&r->rcpt) || !STR_OK(r->authuser))
		return (-1);
	/* EF_AUTH and a user go together */
	if (((r->flags & EF_AUTH) != 0) != (r->authuser[0] != '\0'))
		return (-1);
	switch (r->ss.ss_family) {
	case AF_INET:
	case AF_INET6:
	case AF_UNIX:
		return (0);
	default:
		return (-1);
	}
}

/* senders <table>: an authenticated user and the MAIL FROM address. */
int
imsg_check_sender_req(const void *data, size_t len)
{
	const struct sender_req	*r = data;

	if (len != sizeof(*r) || !STR_OK(r->table) || !STR_OK(r->authuser) ||
	    r->table[0] == '\0' || r->authuser[0] == '\0' ||
	    !mailaddr_ok(&r->sender))
		return (-1);
	return (0);
}

int
imsg_check_sender_reply(const void *data, size_t len)
{
	const struct sender_reply	*r = data;

	if (len != sizeof(*r) || (r->status != ST_OK &&
	    r->status != ST_PERMFAIL && r->status != ST_TEMPFAIL))
		return (-1);
	return (0);
}

int
imsg_check_envelope(const void *data, size_t len)
{
	if (len != sizeof(struct envelope) || !envelope_ok(data))
		return (-1);
	return (0);
}

int
imsg_check_envelope_msg(const void *data, size_t len)
{
	const struct envelope_msg	*m = data;

	if (len != sizeof(*m) || !envelope_ok(&m->evp))
		return (-1);
	return (0);
}

int
imsg_check_forward_req(const void *data, size_t len)
{
	const struct forward_req	*r = data;

	if (len != sizeof(*r) || !STR_OK(r->user))
		return (-1);
	return (0);
}

int
imsg_check_forward_reply(const void *data, size_t len)
{
	const struct forward_reply	*r = data;

	if (len != sizeof(*r) || !status_ok(r->status))
		return (-1);
	return (0);
}

/* An envelope, and an action method that names a delivery agent. */
int
imsg_check_deliver(const void *data, size_t len)
{
	const struct deliver	*d = data;

	if (len != sizeof(*d) || !envelope_ok(&d->evp))
		return (-1);
	if (!STR_OK(d->arg) || !STR_OK(d->username) || !STR_OK(d->home) ||
	    !STR_OK(d->shell) || !STR_OK(d->mailbox))
		return (-1);
	switch (d->method) {
	case A_MBOX:
	case A_MAILDIR:
	case A_LMTP:
	case A_MDA:
	case A_EXPAND_ONLY:
	case A_FORWARD_ONLY:
	case A_RELAY:		/* no agent kind: refused below */
		break;
	default:
		return (-1);
	}
	if (delivery_agent_kind(d->evp.dtype, d->method) == NULL)
		return (-1);
	return (0);
}

int
imsg_check_delivery_result(const void *data, size_t len)
{
	const struct delivery_result	*r = data;

	if (len != sizeof(*r) || !status_ok(r->status) ||
	    !STR_OK(r->errorline) || !STR_OK(r->relay) || !STR_OK(r->tls))
		return (-1);
	return (0);
}

/* relay_proto and the strings of a relayhost */
static int
relayhost_ok(const struct relayhost *rh)
{
	switch (rh->proto) {
	case RP_SMTP:
	case RP_SMTP_TLS:
	case RP_SMTP_NOTLS:
	case RP_SMTPS:
	case RP_LMTP:
		break;
	default:
		return (0);
	}
	return (STR_OK(rh->host) && STR_OK(rh->label));
}

int
imsg_check_mta_route_req(const void *data, size_t len)
{
	const struct mta_route_req	*r = data;

	if (len != sizeof(*r) || !STR_OK(r->action) || !STR_OK(r->domain) ||
	    r->action[0] == '\0' || r->domain[0] == '\0')
		return (-1);
	return (0);
}

/* ST_OK with 1 to MTA_ROUTE_MAX AF_INET/AF_INET6 addresses, else none */
int
imsg_check_mta_route(const void *data, size_t len)
{
	const struct mta_route	*r = data;
	uint32_t		 i;

	if (len != sizeof(*r) || !STR_OK(r->text) || !relayhost_ok(&r->relay))
		return (-1);
	switch (r->status) {
	case ST_OK:
		if (r->n < 1 || r->n > MTA_ROUTE_MAX)
			return (-1);
		break;
	case ST_TEMPFAIL:
	case ST_PERMFAIL:
		if (r->n != 0)
			return (-1);
		break;
	default:
		return (-1);
	}
	for (i = 0; i < r->n; i++) {
		if (!STR_OK(r->hosts[i].name) || r->hosts[i].pref < 0 ||
		    r->hosts[i].pref > 65535)
			return (-1);
		if (r->hosts[i].ss.ss_family != AF_INET &&
		    r->hosts[i].ss.ss_family != AF_INET6)
			return (-1);
	}
	return (0);
}

int
imsg_check_mta_creds_req(const void *data, size_t len)
{
	const struct mta_creds_req	*r = data;

	if (len != sizeof(*r) || !STR_OK(r->table) || !STR_OK(r->label) ||
	    r->table[0] == '\0')
		return (-1);
	return (0);
}

int
imsg_check_mta_creds(const void *data, size_t len)
{
	const struct mta_creds	*r = data;

	if (len != sizeof(*r) || !STR_OK(r->user) || !STR_OK(r->password))
		return (-1);
	if (r->status != ST_OK && r->status != ST_TEMPFAIL &&
	    r->status != ST_PERMFAIL)
		return (-1);
	return (0);
}

int
imsg_check_ctl_what(const void *data, size_t len)
{
	const struct ctl_what	*w = data;

	if (len != sizeof(*w) || !STR_OK(w->what))
		return (-1);
	return (0);
}

/* IMSG_CONF_PKI_KEY: a pki name, never empty */
int
imsg_check_pki_key(const void *data, size_t len)
{
	const struct pki_msg	*m = data;

	if (len != sizeof(*m) || !STR_OK(m->name) || m->name[0] == '\0')
		return (-1);
	return (0);
}

/*
 * smtp -> signer: a known operation on 1 to KEYPROXY_DATA_MAX bytes.
 * Whether the key exists and suits the operation is the signer's answer.
 */
int
imsg_check_signer_req(const void *data, size_t len)
{
	if (len != sizeof(struct keyproxy_req) || !keyproxy_req_valid(data))
		return (-1);
	return (0);
}

/* signer -> smtp: a known status; data only with KEYPROXY_OK */
int
imsg_check_signer_res(const void *data, size_t len)
{
	if (len != sizeof(struct keyproxy_res) || !keyproxy_res_valid(data))
		return (-1);
	return (0);
}

int
imsg_check_payload(uint32_t type, const void *data, size_t len)
{
	const struct imsg_rule	*r;

	if ((r = imsg_rule_find(type)) == NULL ||
	    len < r->minlen || len > r->maxlen)
		return (-1);
	if (r->check != NULL && r->check(data, len) == -1)
		return (-1);
	return (0);
}

/*
 * Header fields to put before a message: whole CRLF lines, none empty
 * (that would end the header section), none with a NUL, a bare CR or
 * LF, and every line either a continuation (starting with SP or HT,
 * not the first) or "name:" with a name of printable ASCII.  1 if so.
 */
int
msg_prefix_valid(const char *p, size_t len)
{
	size_t		 i, start;
	int		 field;
	unsigned char	 c;

	if (len == 0 || len > MSG_PREFIX_MAX)
		return (0);
	for (start = 0; start < len; start = i + 2) {
		if (p[start] == ' ' || p[start] == '\t') {
			if (start == 0)
				return (0);
			field = 1;
		} else
			field = 0;
		for (i = start; i < len; i++) {
			c = (unsigned char)p[i];
			if (c == '\r')
				break;
			if (c == '\0' || c == '\n')
				return (0);
			if (!field && c == ':') {
				if (i == start)
					return (0);
				field = 1;
			} else if (!field && (c <= 32 || c >= 127))
				return (0);
		}
		if (!field || i + 1 >= len || p[i + 1] != '\n' || i == start)
			return (0);
	}
	return (1);
}

/* smtp -> queue: a commit with a prefix (its length as said) or flags */
int
imsg_check_msg_commit(const void *data, size_t len)
{
	const struct msg_commit	*m = data;

	if (len < sizeof(*m) || m->len != len - sizeof(*m) ||
	    m->len > MSG_PREFIX_MAX || (m->flags & ~COMMIT_FLAGS) != 0)
		return (-1);
	if (m->len > 0 && !msg_prefix_valid((const char *)data + sizeof(*m),
	    m->len))
		return (-1);
	return (0);
}

/* parent -> signer: the dkim key file of a domain and selector */
int
imsg_check_dkim_key(const void *data, size_t len)
{
	const struct signer_dkim_msg	*m = data;

	if (len != sizeof(*m) || !STR_OK(m->domain) || !STR_OK(m->selector) ||
	    m->domain[0] == '\0' || m->selector[0] == '\0')
		return (-1);
	return (0);
}

/* smtp -> signer: names, and which hashes are given */
int
imsg_check_dkim_req(const void *data, size_t len)
{
	if (len != sizeof(struct signer_dkim_req) ||
	    !signer_dkim_req_valid(data))
		return (-1);
	return (0);
}

/* signer -> smtp: a known status, a signature that fits */
int
imsg_check_dkim_res(const void *data, size_t len)
{
	if (len != sizeof(struct signer_dkim_res) ||
	    !signer_dkim_res_valid(data))
		return (-1);
	return (0);
}

/* IMSG_CONF_PKI_CERT, IMSG_CONF_CA: a name, never empty */
int
imsg_check_pki_msg(const void *data, size_t len)
{
	const struct pki_msg	*m = data;

	if (len != sizeof(*m) || !STR_OK(m->name) || m->name[0] == '\0')
		return (-1);
	return (0);
}

/* AUTH credentials: user and password non-empty and terminated. */
int
imsg_check_auth_req(const void *data, size_t len)
{
	const struct auth_req	*a = data;

	if (len != sizeof(*a) || !STR_OK(a->table) || !STR_OK(a->user) ||
	    !STR_OK(a->password) || a->user[0] == '\0' ||
	    a->password[0] == '\0')
		return (-1);
	return (0);
}

/* lka -> parent: system users only, so no table. */
int
imsg_check_auth_system(const void *data, size_t len)
{
	const struct auth_req	*a = data;

	if (imsg_check_auth_req(data, len) == -1 || a->table[0] != '\0')
		return (-1);
	return (0);
}

/* The verdict: ok, wrong credentials, or try again later. */
int
imsg_check_auth_result(const void *data, size_t len)
{
	const struct auth_result	*r = data;

	if (len != sizeof(*r) || (r->status != ST_OK &&
	    r->status != ST_PERMFAIL && r->status != ST_TEMPFAIL))
		return (-1);
	return (0);
}
