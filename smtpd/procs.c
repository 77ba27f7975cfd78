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
 * procs.c -- smtpd's processes, for common/proc.c.
 *
 * The ids are enum proc_id (smtpd.h); the names are those of "smtpd -x
 * NAME" and of smtpctl's sandbox-test argument.  Delivery agents run as
 * the recipient, who may ptrace or kill them, and smtpctl clients are
 * anyone allowed on the control socket: a bad message from either only
 * closes its channel.
 */
#include <sys/types.h>

#include <stddef.h>

#include "proc.h"
#include "smtpd.h"

static const struct privsep_proc smtpd_procs[] = {
	{ PROC_PARENT,	"parent",	0 },
	{ PROC_CONTROL,	"control",	0 },
	{ PROC_LKA,	"lka",		0 },
	{ PROC_QUEUE,	"queue",	0 },
	{ PROC_SMTP,	"smtp",		0 },
	{ PROC_SIGNER,	"signer",	0 },
	{ PROC_AGENT,	"agent",	PROC_F_UNTRUSTED },
	{ PROC_CLIENT,	"client",	PROC_F_UNTRUSTED },
};

_Static_assert(PROC_COUNT <= PROC_MAX, "too many processes");
_Static_assert(PROC_COUNT <= 32, "PROC_BIT() masks are 32 bits");

void
smtpd_proc_setup(void)
{
	proc_setup(smtpd_procs, nitems(smtpd_procs), imsg_rules,
	    imsg_rules_count);
}
