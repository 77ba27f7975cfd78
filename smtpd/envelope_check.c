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
 * envelope_check.c -- what a well-formed struct envelope is, and which
 * delivery agent delivers one.
 *
 * The envelope is declared in smtpd.h and travels between lka, the queue,
 * the parent and the agents.  Every copy received from a peer is checked
 * here through the imsg validators (smtpd/imsg_check.c); the queue's text
 * codec (queue/envelope.c) checks what it loads from disk the same way.
 */

#include <sys/types.h>

#include <stddef.h>
#include <string.h>

#include "proc.h"
#include "smtpd.h"

static int	mailaddr_split_ok(const struct mailaddr *);

/*
 * The queue stores an address as user@domain and splits it at the last
 * '@' when it loads it: a domain with an '@' would come back different
 * (and too long for its array).  The parser never makes one.
 */
static int
mailaddr_split_ok(const struct mailaddr *ma)
{
	return (strchr(ma->domain, '@') == NULL);
}

int
envelope_strings_ok(const struct envelope *e)
{
	return (str_terminated(e->tag, sizeof(e->tag)) &&
	    str_terminated(e->helo, sizeof(e->helo)) &&
	    str_terminated(e->hostname, sizeof(e->hostname)) &&
	    str_terminated(e->src, sizeof(e->src)) &&
	    str_terminated(e->sender.user, sizeof(e->sender.user)) &&
	    str_terminated(e->sender.domain, sizeof(e->sender.domain)) &&
	    str_terminated(e->rcpt.user, sizeof(e->rcpt.user)) &&
	    str_terminated(e->rcpt.domain, sizeof(e->rcpt.domain)) &&
	    str_terminated(e->dest.user, sizeof(e->dest.user)) &&
	    str_terminated(e->dest.domain, sizeof(e->dest.domain)) &&
	    str_terminated(e->action, sizeof(e->action)) &&
	    str_terminated(e->user, sizeof(e->user)) &&
	    str_terminated(e->arg, sizeof(e->arg)) &&
	    str_terminated(e->errorline, sizeof(e->errorline)));
}

int
envelope_ok(const struct envelope *e)
{
	switch (e->dtype) {
	case DT_MAILBOX:
	case DT_FILE:
	case DT_PIPE:
		return (envelope_strings_ok(e) &&
		    mailaddr_split_ok(&e->sender) &&
		    mailaddr_split_ok(&e->rcpt) &&
		    mailaddr_split_ok(&e->dest));
	default:
		return (0);
	}
}

const char *
delivery_agent_kind(enum delivery_type dtype, enum action_method method)
{
	if (dtype == DT_FILE)
		return ("file");
	if (dtype == DT_PIPE)
		return ("mda");
	switch (method) {
	case A_MBOX:
		return ("mbox");
	case A_MAILDIR:
		return ("maildir");
	case A_LMTP:
		return ("lmtp");
	case A_MDA:
		return ("mda");
	default:		/* A_RELAY: the smtp process's mta */
		return (NULL);
	}
}
