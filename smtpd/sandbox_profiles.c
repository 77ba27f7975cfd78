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
 * sandbox_profiles.c -- smtpd's seccomp profiles, as data for
 * common/sandbox.c.
 *
 * SECURITY: each process gets the fewest promises it needs; none may fork
 * or exec.  The MDA agent runs the recipient's own programs (procmail,
 * maildrop, "| cmd" in .forward) which inherit any seccomp filter: no
 * allowlist can cover what they legitimately do, and a filter that kills
 * them would only turn mail into bounces.  It runs as the user, with
 * NO_NEW_PRIVS (no setuid binaries) and whatever Landlock the caller set;
 * that is its sandbox (SB_NOFILTER).
 */

#include <sys/types.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_profiles.h"

const struct sandbox_profile smtpd_sandbox_profiles[SANDBOX_COUNT] = {
	[SANDBOX_CONTROL] = { "control",
	    SB_STDIO | SB_UNIX | SB_ACCEPT },
	/*
	 * lka: tables, getpwnam; inet and dns for the resolver
	 * (lka/lka_dns.c: libunbound's UDP and TCP sockets to the
	 * resolvers, bound to a random port; its files are read before)
	 */
	[SANDBOX_LKA] = { "lka",
	    SB_STDIO | SB_RPATH | SB_GETPW | SB_UNIX | SB_INET | SB_DNS },
	[SANDBOX_QUEUE] = { "queue",
	    SB_STDIO | SB_RPATH | SB_WPATH | SB_CPATH | SB_FATTR | SB_FLOCK },
	/*
	 * smtp: its listeners (accept), and the mta's own connections:
	 * socket(2) for AF_INET and AF_INET6 only (SB_INET's argument
	 * filter), connect, {get,set}sockopt (SO_ERROR, TCP_NODELAY),
	 * getsockname; bind(2) (SB_DNS's one call) for a relay's "src"
	 */
	[SANDBOX_SMTP] = { "smtp",
	    SB_STDIO | SB_INET | SB_UNIX | SB_ACCEPT | SB_DNS },
	/* the signer computes: keys arrive as open files, peers exist */
	[SANDBOX_SIGNER] = { "signer", SB_STDIO },
	[SANDBOX_AGENT] = { "agent",
	    SB_STDIO | SB_RPATH | SB_WPATH | SB_CPATH | SB_FATTR | SB_FLOCK |
	    SB_INET | SB_UNIX | SB_GETPW },
	[SANDBOX_AGENT_MDA] = { "agent-mda", SB_NOFILTER },
	/* offline pickup: its file and socket are open, it only talks */
	[SANDBOX_PICKUP] = { "pickup", SB_STDIO },
};

void
smtpd_sandbox(enum smtpd_sandbox p)
{
	if ((unsigned int)p >= SANDBOX_COUNT)
		fatalx("smtpd_sandbox: bad profile %d", (int)p);
	sandbox_apply(&smtpd_sandbox_profiles[p]);
}
