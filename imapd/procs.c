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
 * procs.c -- imapd's processes and the rule table of the messages between
 * them (common/proc.c checks every message against it before a handler
 * runs: sender, receiver, size, descriptor, then the validator here).
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imsg.h"
#include "keyproxy.h"
#include "proc.h"
#include "session.h"
#include "imapd.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define P(x)		(1U << PROC_##x)
#define CHILDREN	(P(SIGNER) | P(LOGIN) | P(SESSION))
#define FIX(s)		sizeof(s), sizeof(s)
#define NONE		0, 0
#define TEXT(n)		1, (n)
#define CONF_CHUNK	8192
#define R(t, f, to, lens, fd, check) \
	{ t, f, to, lens, fd, #t, check }

static int	check_pki(const void *, size_t);
static int	check_auth(const void *, size_t);
static int	check_result(const void *, size_t);
static int	check_conn_start(const void *, size_t);
static int	check_keyreq(const void *, size_t);
static int	check_keyres(const void *, size_t);

static const struct privsep_proc imapd_procs[] = {
	{ PROC_PARENT,	"parent",	0 },
	{ PROC_SIGNER,	"signer",	0 },
	{ PROC_LOGIN,	"login",	0 },
	/* runs as an ordinary user: a bad message closes it */
	{ PROC_SESSION,	"session",	PROC_F_UNTRUSTED },
};

static const struct imsg_rule imapd_rules[] = {
	R(IMSG_CONF_DATA, P(PARENT), CHILDREN, TEXT(CONF_CHUNK),
	    PROC_FD_NONE, NULL),
	R(IMSG_CONF_END, P(PARENT), CHILDREN, FIX(struct proc_conf_end),
	    PROC_FD_NONE, NULL),
	R(IMSG_CONF_LISTENER, P(PARENT), P(LOGIN), FIX(uint32_t),
	    PROC_FD_REQUIRED, NULL),
	R(IMSG_SETUP_PEER, P(PARENT), P(SIGNER) | P(LOGIN), FIX(uint32_t),
	    PROC_FD_REQUIRED, NULL),
	R(IMSG_SETUP_DONE, P(PARENT), CHILDREN, NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_VERBOSE, P(PARENT), CHILDREN, FIX(int), PROC_FD_NONE,
	    NULL),
	R(IMSG_CTL_SANDBOX_TEST, P(PARENT), CHILDREN, NONE, PROC_FD_NONE,
	    NULL),

	R(IMSG_SIGNER_REQUEST, P(LOGIN), P(SIGNER),
	    FIX(struct keyproxy_req), PROC_FD_NONE, check_keyreq),
	R(IMSG_SIGNER_RESULT, P(SIGNER), P(LOGIN),
	    FIX(struct keyproxy_res), PROC_FD_NONE, check_keyres),
	R(IMSG_CONF_PKI_KEY, P(PARENT), P(SIGNER), FIX(struct pki_msg),
	    PROC_FD_REQUIRED, check_pki),
	R(IMSG_CONF_PKI_CERT, P(PARENT), P(LOGIN), FIX(struct pki_msg),
	    PROC_FD_REQUIRED, check_pki),
	R(IMSG_LOGIN_AUTH, P(LOGIN), P(PARENT), FIX(struct login_auth),
	    PROC_FD_NONE, check_auth),
	R(IMSG_LOGIN_AUTH_RESULT, P(PARENT), P(LOGIN),
	    FIX(struct login_result), PROC_FD_OPTIONAL, check_result),
	R(IMSG_LOGIN_CLOSED, P(LOGIN), P(PARENT), FIX(uint64_t),
	    PROC_FD_NONE, NULL),
	R(IMSG_LOGIN_KICK, P(PARENT), P(LOGIN), FIX(uint64_t),
	    PROC_FD_NONE, NULL),
	R(IMSG_SESSION_CONN, P(PARENT), P(SESSION), FIX(struct conn_start),
	    PROC_FD_REQUIRED, check_conn_start),
	R(IMSG_SESSION_KICK, P(PARENT), P(SESSION), NONE, PROC_FD_NONE,
	    NULL),
	R(IMSG_SESSION_EMPTY, P(SESSION), P(PARENT), FIX(uint64_t),
	    PROC_FD_NONE, NULL),
};

_Static_assert(PROC_COUNT <= PROC_MAX, "too many processes");

void
imapd_proc_setup(void)
{
	proc_setup(imapd_procs, nitems(imapd_procs), imapd_rules,
	    nitems(imapd_rules));
}

static int
check_pki(const void *data, size_t len)
{
	const struct pki_msg	*m = data;

	return (str_terminated(m->name, sizeof(m->name)) ? 0 : -1);
}

static int
check_auth(const void *data, size_t len)
{
	const struct login_auth	*a = data;

	return (str_terminated(a->user, sizeof(a->user)) &&
	    str_terminated(a->pass, sizeof(a->pass)) &&
	    str_terminated(a->addr, sizeof(a->addr)) &&
	    str_terminated(a->tls, sizeof(a->tls)) &&
	    str_terminated(a->mech, sizeof(a->mech)) &&
	    str_terminated(a->tag, sizeof(a->tag)) ? 0 : -1);
}

static int
check_result(const void *data, size_t len)
{
	const struct login_result *r = data;

	return (str_terminated(r->user, sizeof(r->user)) &&
	    r->status >= AUTH_OK && r->status <= AUTH_LIMIT ? 0 : -1);
}

static int
check_conn_start(const void *data, size_t len)
{
	const struct conn_start	*c = data;

	return (str_terminated(c->tag, sizeof(c->tag)) &&
	    str_terminated(c->user, sizeof(c->user)) &&
	    str_terminated(c->peer, sizeof(c->peer)) &&
	    str_terminated(c->tls, sizeof(c->tls)) ? 0 : -1);
}

static int
check_keyreq(const void *data, size_t len)
{
	return (keyproxy_req_valid(data) ? 0 : -1);
}

static int
check_keyres(const void *data, size_t len)
{
	return (keyproxy_res_valid(data) ? 0 : -1);
}
