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
 * Who may send which imsg to whom, with its size bounds, whether an fd
 * travels with it and the validator of its payload (smtpd/imsg_check.c).
 * common/proc.c checks every message against this table before any
 * handler runs; a violation from a trusted peer is fatal, one from an
 * smtpctl client closes that client.  Keep it in enum order.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <event.h>
#include <stdint.h>

#include "imsg.h"
#include "keyproxy.h"
#include "signer.h"
#include "proc.h"
#include "smtpd.h"
#include "imsg_check.h"
#include "mailauth.h"

#define P(x)		(1U << PROC_##x)
#define CHILDREN	(P(CONTROL) | P(LKA) | P(QUEUE) | P(SMTP) | P(SIGNER))
#define FIX(s)		sizeof(s), sizeof(s)
#define NONE		0, 0
#define TEXT(n)		1, (n)
#define COMMIT_LENS	sizeof(struct msg_commit), \
			sizeof(struct msg_commit) + MSG_PREFIX_MAX

/* check: a validator of smtpd/imsg_check.c, or NULL if the size says all */
#define R(t, f, to, lens, fd, check) \
	{ t, f, to, lens, fd, #t, check }

const struct imsg_rule imsg_rules[] = {
	/* the bootstrap: common/proc_child.c checks them against its state */
	R(IMSG_CONF_DATA, P(PARENT), CHILDREN, TEXT(CONF_CHUNK),
	    PROC_FD_NONE, NULL),
	R(IMSG_CONF_END, P(PARENT), CHILDREN, FIX(struct proc_conf_end),
	    PROC_FD_NONE, NULL),
	R(IMSG_CONF_LISTENER, P(PARENT), P(SMTP) | P(CONTROL),
	    FIX(uint32_t), PROC_FD_REQUIRED, NULL),
	R(IMSG_SETUP_PEER, P(PARENT), CHILDREN, FIX(uint32_t),
	    PROC_FD_REQUIRED, NULL),
	R(IMSG_SETUP_DONE, P(PARENT), CHILDREN, NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_VERBOSE, P(PARENT), CHILDREN | P(AGENT), FIX(int),
	    PROC_FD_NONE, NULL),
	R(IMSG_CTL_SANDBOX_TEST, P(PARENT), CHILDREN | P(AGENT), NONE,
	    PROC_FD_NONE, NULL),

	R(IMSG_CONF_PKI_CERT, P(PARENT), P(SMTP), FIX(struct pki_msg),
	    PROC_FD_REQUIRED, imsg_check_pki_msg),
	R(IMSG_CONF_CA, P(PARENT), P(SMTP), FIX(struct pki_msg),
	    PROC_FD_REQUIRED, imsg_check_pki_msg),

	R(IMSG_SMTP_MESSAGE_CREATE, P(SMTP), P(QUEUE), FIX(struct msg_req),
	    PROC_FD_NONE, NULL),
	R(IMSG_QUEUE_MESSAGE_CREATED, P(QUEUE), P(SMTP),
	    FIX(struct msg_reply), PROC_FD_OPTIONAL, imsg_check_msg_reply),
	R(IMSG_SMTP_MESSAGE_COMMIT, P(SMTP), P(QUEUE), FIX(struct msg_req),
	    PROC_FD_NONE, NULL),
	R(IMSG_QUEUE_MESSAGE_COMMITTED, P(QUEUE), P(SMTP),
	    FIX(struct msg_reply), PROC_FD_NONE, imsg_check_msg_reply),
	R(IMSG_SMTP_MESSAGE_ROLLBACK, P(SMTP), P(QUEUE), FIX(struct msg_req),
	    PROC_FD_NONE, NULL),
	R(IMSG_QUEUE_RCPT_OK, P(QUEUE), P(SMTP), FIX(struct rcpt_reply),
	    PROC_FD_NONE, imsg_check_rcpt_ok),

	R(IMSG_SMTP_EXPAND_RCPT, P(SMTP), P(LKA), FIX(struct expand_req),
	    PROC_FD_NONE, imsg_check_expand_req),
	R(IMSG_QUEUE_EXPAND_BOUNCE, P(QUEUE), P(LKA), FIX(struct expand_req),
	    PROC_FD_NONE, imsg_check_expand_req),
	R(IMSG_LKA_ENVELOPE, P(LKA), P(QUEUE), FIX(struct envelope_msg),
	    PROC_FD_NONE, imsg_check_envelope_msg),
	R(IMSG_LKA_EXPAND_DONE, P(LKA), P(QUEUE), FIX(struct rcpt_reply),
	    PROC_FD_NONE, imsg_check_rcpt_ok),
	R(IMSG_LKA_RCPT_FAIL, P(LKA), P(SMTP) | P(QUEUE),
	    FIX(struct rcpt_reply), PROC_FD_NONE, imsg_check_rcpt_fail),
	R(IMSG_LKA_VRFY_RESULT, P(LKA), P(SMTP), FIX(struct rcpt_reply),
	    PROC_FD_NONE, imsg_check_vrfy_result),

	R(IMSG_SMTP_CHECK_SENDER, P(SMTP), P(LKA), FIX(struct sender_req),
	    PROC_FD_NONE, imsg_check_sender_req),
	R(IMSG_LKA_SENDER_RESULT, P(LKA), P(SMTP), FIX(struct sender_reply),
	    PROC_FD_NONE, imsg_check_sender_reply),

	R(IMSG_LKA_OPEN_FORWARD, P(LKA), P(PARENT), FIX(struct forward_req),
	    PROC_FD_NONE, imsg_check_forward_req),
	R(IMSG_PARENT_FORWARD, P(PARENT), P(LKA), FIX(struct forward_reply),
	    PROC_FD_OPTIONAL, imsg_check_forward_reply),

	R(IMSG_SMTP_AUTH, P(SMTP), P(LKA), FIX(struct auth_req),
	    PROC_FD_NONE, imsg_check_auth_req),
	R(IMSG_LKA_AUTH_RESULT, P(LKA), P(SMTP), FIX(struct auth_result),
	    PROC_FD_NONE, imsg_check_auth_result),
	R(IMSG_LKA_AUTH_SYSTEM, P(LKA), P(PARENT), FIX(struct auth_req),
	    PROC_FD_NONE, imsg_check_auth_system),
	R(IMSG_PARENT_AUTH_RESULT, P(PARENT), P(LKA),
	    FIX(struct auth_result), PROC_FD_NONE, imsg_check_auth_result),

	R(IMSG_QUEUE_DELIVER, P(QUEUE), P(PARENT), FIX(struct envelope),
	    PROC_FD_REQUIRED, imsg_check_envelope),
	R(IMSG_PARENT_DELIVERY_RESULT, P(PARENT), P(QUEUE),
	    FIX(struct delivery_result), PROC_FD_NONE,
	    imsg_check_delivery_result),
	R(IMSG_AGENT_DELIVER, P(PARENT), P(AGENT), FIX(struct deliver),
	    PROC_FD_REQUIRED, imsg_check_deliver),
	R(IMSG_AGENT_RESULT, P(AGENT), P(PARENT),
	    FIX(struct delivery_result), PROC_FD_NONE,
	    imsg_check_delivery_result),

	/* relayed delivery: the mta in smtp, its routes from lka */
	/* fd optional: smtp out of descriptors tempfails, not dies */
	R(IMSG_QUEUE_MTA_DELIVER, P(QUEUE), P(SMTP), FIX(struct envelope),
	    PROC_FD_OPTIONAL, imsg_check_envelope),
	R(IMSG_MTA_DELIVERY_RESULT, P(SMTP), P(QUEUE),
	    FIX(struct delivery_result), PROC_FD_NONE,
	    imsg_check_delivery_result),
	R(IMSG_MTA_ROUTE, P(SMTP), P(LKA), FIX(struct mta_route_req),
	    PROC_FD_NONE, imsg_check_mta_route_req),
	R(IMSG_LKA_ROUTE, P(LKA), P(SMTP), FIX(struct mta_route),
	    PROC_FD_NONE, imsg_check_mta_route),
	R(IMSG_MTA_CREDS, P(SMTP), P(LKA), FIX(struct mta_creds_req),
	    PROC_FD_NONE, imsg_check_mta_creds_req),
	R(IMSG_LKA_CREDS, P(LKA), P(SMTP), FIX(struct mta_creds),
	    PROC_FD_NONE, imsg_check_mta_creds),

	/* from smtpctl: the values (ids, names, levels) are control's */
	R(IMSG_CTL_SHOW_QUEUE, P(CLIENT) | P(CONTROL), P(CONTROL) | P(QUEUE),
	    NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_SHOW_STATS, P(CLIENT) | P(CONTROL),
	    P(CONTROL) | P(QUEUE) | P(SMTP), NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_SCHEDULE, P(CLIENT) | P(CONTROL), P(CONTROL) | P(QUEUE),
	    FIX(struct ctl_id), PROC_FD_NONE, NULL),
	R(IMSG_CTL_REMOVE, P(CLIENT) | P(CONTROL), P(CONTROL) | P(QUEUE),
	    FIX(struct ctl_id), PROC_FD_NONE, NULL),
	R(IMSG_CTL_PAUSE, P(CLIENT) | P(CONTROL),
	    P(CONTROL) | P(QUEUE) | P(SMTP), FIX(struct ctl_what),
	    PROC_FD_NONE, imsg_check_ctl_what),
	R(IMSG_CTL_RESUME, P(CLIENT) | P(CONTROL),
	    P(CONTROL) | P(QUEUE) | P(SMTP), FIX(struct ctl_what),
	    PROC_FD_NONE, imsg_check_ctl_what),
	R(IMSG_CTL_LOG_VERBOSE, P(CLIENT) | P(CONTROL),
	    P(CONTROL) | P(PARENT), FIX(int), PROC_FD_NONE, NULL),
	R(IMSG_CTL_RELOAD, P(CLIENT) | P(CONTROL), P(CONTROL) | P(PARENT),
	    NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_STOP, P(CLIENT) | P(CONTROL), P(CONTROL) | P(PARENT),
	    NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_SANDBOX, P(CLIENT) | P(CONTROL), P(CONTROL) | P(PARENT),
	    FIX(struct ctl_what), PROC_FD_NONE, imsg_check_ctl_what),
	R(IMSG_CTL_LINE, P(CONTROL) | P(QUEUE) | P(SMTP) | P(PARENT),
	    P(CONTROL) | P(CLIENT), TEXT(4096), PROC_FD_NONE,
	    imsg_check_text),
	R(IMSG_CTL_OK, P(CONTROL) | P(QUEUE) | P(SMTP) | P(PARENT),
	    P(CONTROL) | P(CLIENT), NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_FAIL, P(CONTROL) | P(QUEUE) | P(SMTP) | P(PARENT),
	    P(CONTROL) | P(CLIENT), TEXT(ERRLINE_MAX), PROC_FD_NONE,
	    imsg_check_text),
	R(IMSG_CTL_END, P(CONTROL) | P(QUEUE) | P(SMTP) | P(PARENT),
	    P(CONTROL) | P(CLIENT), NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_SHOW_HOSTS, P(CLIENT) | P(CONTROL), P(CONTROL) | P(SMTP),
	    NONE, PROC_FD_NONE, NULL),
	R(IMSG_CTL_SHOW_ROUTES, P(CLIENT) | P(CONTROL), P(CONTROL) | P(SMTP),
	    NONE, PROC_FD_NONE, NULL),

	/* keys to the signer, private-key operations for smtp */
	R(IMSG_CONF_PKI_KEY, P(PARENT), P(SIGNER), FIX(struct pki_msg),
	    PROC_FD_REQUIRED, imsg_check_pki_key),
	R(IMSG_SIGNER_REQUEST, P(SMTP), P(SIGNER), FIX(struct keyproxy_req),
	    PROC_FD_NONE, imsg_check_signer_req),
	R(IMSG_SIGNER_RESULT, P(SIGNER), P(SMTP), FIX(struct keyproxy_res),
	    PROC_FD_NONE, imsg_check_signer_res),

	/* mail authentication: prefixed commits, DKIM keys and signing */
	R(IMSG_SMTP_MESSAGE_COMMIT_PREFIX, P(SMTP), P(QUEUE), COMMIT_LENS,
	    PROC_FD_NONE, imsg_check_msg_commit),
	R(IMSG_CONF_DKIM_KEY, P(PARENT), P(SIGNER),
	    FIX(struct signer_dkim_msg), PROC_FD_REQUIRED,
	    imsg_check_dkim_key),
	R(IMSG_SIGNER_DKIM_SIGN, P(SMTP), P(SIGNER),
	    FIX(struct signer_dkim_req), PROC_FD_NONE, imsg_check_dkim_req),
	R(IMSG_SIGNER_DKIM_RESULT, P(SIGNER), P(SMTP),
	    FIX(struct signer_dkim_res), PROC_FD_NONE, imsg_check_dkim_res),

	/* inbound mail authentication (smtpd/mailauth.h) */
	R(IMSG_SMTP_SPF_CHECK, P(SMTP), P(LKA),
	    FIX(struct mailauth_spf_req), PROC_FD_NONE, imsg_check_spf_req),
	R(IMSG_LKA_SPF_RESULT, P(LKA), P(SMTP),
	    FIX(struct mailauth_spf_reply), PROC_FD_NONE,
	    imsg_check_spf_reply),
	R(IMSG_SMTP_DKIM_SIG, P(SMTP), P(LKA), FIX(struct mailauth_sig),
	    PROC_FD_NONE, imsg_check_dkim_sig),
	R(IMSG_SMTP_MAILAUTH, P(SMTP), P(LKA), FIX(struct mailauth_req),
	    PROC_FD_NONE, imsg_check_mailauth_req),
	R(IMSG_LKA_MAILAUTH_RESULT, P(LKA), P(SMTP),
	    FIX(struct mailauth_reply), PROC_FD_NONE,
	    imsg_check_mailauth_reply),
	R(IMSG_SMTP_MAILAUTH_CANCEL, P(SMTP), P(LKA),
	    FIX(struct mailauth_cancel), PROC_FD_NONE,
	    imsg_check_mailauth_cancel),
};

const size_t imsg_rules_count = sizeof(imsg_rules) / sizeof(imsg_rules[0]);

/* Every fixed payload must fit in one imsg. */
_Static_assert(sizeof(struct mta_route) <= MAX_IMSGSIZE - IMSG_HEADER_SIZE,
    "struct mta_route too large for an imsg");
_Static_assert(sizeof(struct deliver) <= MAX_IMSGSIZE - IMSG_HEADER_SIZE,
    "struct deliver too large for an imsg");
_Static_assert(sizeof(struct envelope_msg) <=
    MAX_IMSGSIZE - IMSG_HEADER_SIZE, "struct envelope_msg too large");
_Static_assert(sizeof(struct expand_req) <= MAX_IMSGSIZE - IMSG_HEADER_SIZE,
    "struct expand_req too large");
_Static_assert(sizeof(struct msg_commit) + MSG_PREFIX_MAX <=
    MAX_IMSGSIZE - IMSG_HEADER_SIZE, "struct msg_commit + prefix too large");
_Static_assert(sizeof(struct signer_dkim_res) <=
    MAX_IMSGSIZE - IMSG_HEADER_SIZE, "struct signer_dkim_res too large");
_Static_assert(sizeof(struct keyproxy_req) <= MAX_IMSGSIZE - IMSG_HEADER_SIZE,
    "struct keyproxy_req too large");
_Static_assert(sizeof(struct mailauth_sig) <= MAX_IMSGSIZE - IMSG_HEADER_SIZE,
    "struct mailauth_sig too large");
_Static_assert(sizeof(struct mailauth_req) <= MAX_IMSGSIZE - IMSG_HEADER_SIZE,
    "struct mailauth_req too large");
_Static_assert(sizeof(struct mailauth_spf_reply) <=
    MAX_IMSGSIZE - IMSG_HEADER_SIZE, "struct mailauth_spf_reply too large");
_Static_assert(sizeof(struct mailauth_reply) <=
    MAX_IMSGSIZE - IMSG_HEADER_SIZE, "struct mailauth_reply too large");
