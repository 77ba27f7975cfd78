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
 * A profile is the daemon's data: a name (for the logs) and a set of
 * promises, groups of system calls named after OpenBSD pledge(2)'s.  See
 * the SECURITY note at the top of sandbox.c for what each promise allows
 * and what callers must do before applying a profile.
 */

#ifndef CARTERO_SANDBOX_H
#define CARTERO_SANDBOX_H

#include <sys/types.h>

/* Promises. */
#define SB_STDIO	0x0001	/* memory, time, I/O on open descriptors */
#define SB_RPATH	0x0002	/* read files, stat, readdir */
#define SB_WPATH	0x0004	/* write files, fsync, truncate */
#define SB_CPATH	0x0008	/* create, rename, link, unlink */
#define SB_FATTR	0x0010	/* chmod, fchown, utimes */
#define SB_FLOCK	0x0020	/* flock */
#define SB_INET		0x0040	/* inet sockets */
#define SB_UNIX		0x0080	/* unix sockets */
#define SB_ACCEPT	0x0100	/* accept on inherited listeners */
#define SB_GETPW	0x0200	/* NSS user lookups */
#define SB_DNS		0x0400	/* resolver (libunbound) */
#define SB_WATCH	0x0800	/* inotify: changes of watched files */
#define SB_NOFILTER	0x8000	/* no seccomp at all: runs others' programs */

struct sandbox_profile {
	const char	*name;		/* for the logs */
	unsigned int	 promises;	/* SB_* */
};

/* Set by the daemon at -vv: trap instead of kill and name the syscall. */
extern int	sandbox_debug;

void	privsep_drop(const char *, const char *);
int	sandbox_confined(void);
void	privsep_drop_ids(uid_t, gid_t, const gid_t *, int, const char *);
void	sandbox_landlock(const char *const *, const char *const *);
int	sandbox_landlock_abi(void);
void	sandbox_apply(const struct sandbox_profile *);
void	sandbox_violate(void);

#endif /* CARTERO_SANDBOX_H */
