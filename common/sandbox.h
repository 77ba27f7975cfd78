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
 * sandbox.h -- privilege dropping, Landlock and seccomp confinement.
 *
 * Order of calls in a process (all as root, single-threaded where noted):
 *
 *	tzset(); openlog(..., LOG_NDELAY, ...);	(log_init() does both)
 *	getpwnam(), TLS/DNS/libevent set-up	(anything that reads config)
 *	privsep_drop(user, chrootdir);
 *	sandbox_landlock(ro, rw);		(before any thread is started)
 *	sandbox_apply(profile);			(last; no way back)
 *
 * See the SECURITY note at the top of sandbox.c for what each profile
 * allows and what callers must do before applying it.
 */

#ifndef CARTERO_SANDBOX_H
#define CARTERO_SANDBOX_H

#include <sys/types.h>

enum sandbox_profile {
	SANDBOX_CONTROL,
	SANDBOX_LKA,
	SANDBOX_QUEUE,
	SANDBOX_SMTP,
	SANDBOX_AGENT,
	SANDBOX_AGENT_MDA,
	SANDBOX_PICKUP		/* offline pickup: stdio only */
};

/* Set by the daemon at -vv: trap instead of kill and name the syscall. */
extern int	sandbox_debug;

void	privsep_drop(const char *, const char *);
void	privsep_drop_ids(uid_t, gid_t, const gid_t *, int, const char *);
void	sandbox_landlock(const char *const *, const char *const *);
int	sandbox_landlock_abi(void);
void	sandbox_apply(enum sandbox_profile);
void	sandbox_violate(void);

#endif /* CARTERO_SANDBOX_H */
