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
 * mailauth.h -- inbound mail authentication (issue 16) between smtp and
 * lka: the imsg payloads, and their validators (imsg_check_mailauth.c).
 *
 * For a session on a "mail-auth" listener that is neither authenticated
 * nor on the enqueue socket:
 *
 *   MAIL FROM	smtp -> lka	IMSG_SMTP_SPF_CHECK (address, HELO, sender)
 *		lka -> smtp	IMSG_LKA_SPF_RESULT: SPF of the MAIL FROM
 *				identity and of the HELO identity
 *   end of DATA smtp -> lka	IMSG_SMTP_DKIM_SIG, once per DKIM-Signature
 *				field (index 0..nsig-1, in order), hashed
 *				by smtp while it wrote the message file
 *		smtp -> lka	IMSG_SMTP_MAILAUTH: nsig, the From domain
 *				and the SPF outcomes kept since MAIL
 *		lka -> smtp	IMSG_LKA_MAILAUTH_RESULT: the finished
 *				Authentication-Results field, the DMARC
 *				disposition, the results for the log line
 *   session gone smtp -> lka	IMSG_SMTP_MAILAUTH_CANCEL (reqid): lka drops
 *				the work and answers at once, ST_TEMPFAIL
 *
 * Every request gets exactly one answer (smtp keeps a dead session until
 * it arrives); a cancel that crosses the answer is ignored.  lka keeps
 * nothing between MAIL and DATA: the SPF outcomes travel back with the
 * end of DATA.
 *
 * SECURITY: smtp faces the network and lka does not trust it further
 * than the validators below (strings terminated, enums in range, counts
 * bounded) and its own bounds (concurrent checks, signatures per
 * message).  What smtp could lie about (its SPF outcome, a signature's
 * hash) only concerns the message it writes itself.
 */

#ifndef MAILAUTH_H
#define MAILAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "authres.h"
#include "dkim.h"
#include "dmarc.h"
#include "spf.h"
#include "smtpd.h"

/* IMSG_SMTP_SPF_CHECK */
struct mailauth_spf_req {
	uint64_t		 reqid;
	char			 ip[ADDRTEXT_MAX];	/* client address */
	char			 helo[HOST_MAX];
	char			 sender[MAILADDR_MAX];	/* "" for <> */
};

/* IMSG_LKA_SPF_RESULT */
struct mailauth_spf_reply {
	uint64_t		 reqid;
	int			 status;	/* ST_OK; ST_TEMPFAIL: not done */
	int			 helo_checked;	/* HELO was a domain name */
	struct spf_outcome	 mailfrom;	/* SPF_ID_MAILFROM */
	struct spf_outcome	 helo;		/* SPF_ID_HELO */
};

/* IMSG_SMTP_DKIM_SIG */
struct mailauth_sig {
	uint64_t		 reqid;
	uint32_t		 index;		/* 0 .. DKIM_SIG_MAX - 1 */
	struct dkim_sigcheck	 sc;
};

/* IMSG_SMTP_MAILAUTH: mailauth_req.flags */
#define MA_SPF		0x01	/* spf is set (SPF was checked at MAIL) */
#define MA_SPF_HELO	0x02	/* spf_helo is set */
#define MA_POLICY	0x04	/* the listener follows DMARC (dmarc-policy) */
#define MA_FROM_BAD	0x08	/* From there, no single domain (dkim.h) */

struct mailauth_req {
	uint64_t		 reqid;
	uint32_t		 flags;		/* MA_* */
	uint32_t		 nsig;		/* IMSG_SMTP_DKIM_SIG sent */
	char			 from_domain[DMARC_DOMAIN_MAX];	/* "": none */
	struct spf_outcome	 spf;
	struct spf_outcome	 spf_helo;
};

#define MAILAUTH_LOG_MAX	256

/* IMSG_LKA_MAILAUTH_RESULT */
struct mailauth_reply {
	uint64_t		 reqid;
	int			 status;	/* ST_OK; ST_TEMPFAIL: not done */
	/*
	 * What DMARC asks for (after pct): DMARC_P_NONE, or (MA_POLICY
	 * only) DMARC_P_QUARANTINE or DMARC_P_REJECT.
	 */
	int			 disposition;
	char			 domain[DMARC_DOMAIN_MAX];	/* header.from */
	/* "spf=pass dkim=pass,fail dmarc=pass", for smtp's log line */
	char			 results[MAILAUTH_LOG_MAX];
	/* the whole field, folded, CRLF-terminated */
	char			 authres[AUTHRES_FIELD_MAX];
};

/* IMSG_SMTP_MAILAUTH_CANCEL */
struct mailauth_cancel {
	uint64_t		 reqid;
};

/* smtpd/imsg_check_mailauth.c */
int	imsg_check_spf_req(const void *, size_t);
int	imsg_check_spf_reply(const void *, size_t);
int	imsg_check_dkim_sig(const void *, size_t);
int	imsg_check_mailauth_req(const void *, size_t);
int	imsg_check_mailauth_reply(const void *, size_t);
int	imsg_check_mailauth_cancel(const void *, size_t);

#endif /* MAILAUTH_H */
