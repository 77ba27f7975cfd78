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
 * sandbox.c -- privilege dropping, Landlock and seccomp confinement.
 *
 * SECURITY
 *	privsep_drop() and privsep_drop_ids() are the only places where a
 *	process gives up root.  They chroot first (while still root), then
 *	drop supplementary groups, gid and uid, and then check that it
 *	worked: setuid(0) must fail.  Any failure is fatal.
 *
 *	sandbox_landlock() limits the filesystem to a few trees, read-only
 *	or read-write.  sandbox_apply() installs a seccomp allowlist built
 *	from groups named after OpenBSD pledge(2) promises.  The profiles
 *	(which promises each process gets) are the daemon's, passed in as
 *	data (struct sandbox_profile); the syscalls of each promise, with
 *	the callers that need them, are listed here.  Anything not
 *	listed kills the whole process with SIGSYS; a few calls that libc
 *	probes harmlessly fail with an errno instead (sandbox_soft[]).
 *
 * Callers must, before sandbox_apply():
 *	- call tzset() (log_init() does): localtime(3) would otherwise
 *	  open /etc/localtime, which profiles without rpath cannot;
 *	- openlog(3) with LOG_NDELAY (log_init() does), so that syslog(3)
 *	  does not have to find /dev/log later; reconnecting is allowed;
 *	- look up users and groups they need (getpwnam(3)) if the profile
 *	  has no getpw group, and do all DNS, TLS and libevent set-up;
 *	- call sandbox_landlock() first: the landlock syscalls are not in
 *	  any profile.  Landlock binds only the calling thread: start
 *	  threads (libunbound) after it, but sandbox_apply() synchronises
 *	  the seccomp filter to every thread (TSYNC).
 *	No profile may fork or exec, except one with SB_NOFILTER, which
 *	gets no seccomp filter at all (see sandbox_apply()).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* O_TMPFILE, si_syscall */
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* common/sandbox_san.c: what a sanitizer build needs (else nothing) */
void	sandbox_san_extra(scmp_filter_ctx);

/* Debian 12's <linux/landlock.h> knows ABI <= 2; the kernel may know more. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)	/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset	444
#define __NR_landlock_add_rule		445
#define __NR_landlock_restrict_self	446
#endif

/* Rights that only make sense on a directory. */
#define SB_LL_DIRONLY	(LANDLOCK_ACCESS_FS_READ_DIR |			\
			 LANDLOCK_ACCESS_FS_REMOVE_DIR |		\
			 LANDLOCK_ACCESS_FS_REMOVE_FILE |		\
			 LANDLOCK_ACCESS_FS_MAKE_CHAR |			\
			 LANDLOCK_ACCESS_FS_MAKE_DIR |			\
			 LANDLOCK_ACCESS_FS_MAKE_REG |			\
			 LANDLOCK_ACCESS_FS_MAKE_SOCK |			\
			 LANDLOCK_ACCESS_FS_MAKE_FIFO |			\
			 LANDLOCK_ACCESS_FS_MAKE_BLOCK |		\
			 LANDLOCK_ACCESS_FS_MAKE_SYM |			\
			 LANDLOCK_ACCESS_FS_REFER)
/* ro: read and execute (AGENT_MDA runs binaries from a ro tree). */
#define SB_LL_RO	(LANDLOCK_ACCESS_FS_EXECUTE |			\
			 LANDLOCK_ACCESS_FS_READ_FILE |			\
			 LANDLOCK_ACCESS_FS_READ_DIR)
/* rw: no execute (W^X), no devices, fifos, sockets or symlinks. */
#define SB_LL_RW	(LANDLOCK_ACCESS_FS_READ_FILE |			\
			 LANDLOCK_ACCESS_FS_READ_DIR |			\
			 LANDLOCK_ACCESS_FS_WRITE_FILE |		\
			 LANDLOCK_ACCESS_FS_REMOVE_DIR |		\
			 LANDLOCK_ACCESS_FS_REMOVE_FILE |		\
			 LANDLOCK_ACCESS_FS_MAKE_DIR |			\
			 LANDLOCK_ACCESS_FS_MAKE_REG |			\
			 LANDLOCK_ACCESS_FS_REFER |			\
			 LANDLOCK_ACCESS_FS_TRUNCATE |			\
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Our own copies: the header's may be older or newer than the kernel. */
struct sandbox_ll_ruleset {
	uint64_t	 handled_access_fs;
};

struct sandbox_ll_beneath {
	uint64_t	 allowed_access;
	int32_t		 parent_fd;
} __attribute__((__packed__));

/*
 * Syscall groups, named after pledge(2) promises.  Sorted, one call a
 * line, each with its caller.  Calls that need an argument filter
 * (socket, open, openat, ioctl, mprotect, tgkill) are not listed here
 * but added by sandbox_args(): an unconditional rule in libseccomp
 * overrides every conditional one for the same call.
 */
static const char *const sandbox_stdio[] = {
	"brk",			/* malloc */
	"clock_getres",		/* libevent */
	"clock_gettime",	/* time, libevent (vDSO fallback) */
	"clock_nanosleep",	/* nanosleep, usleep */
	"close",
	"connect",		/* syslog(3) reconnect to /dev/log */
	"dup",
	"dup2",
	"dup3",
	"epoll_create1",	/* libevent epoll backend */
	"epoll_ctl",		/* libevent */
	"epoll_pwait",		/* libevent, glibc epoll_wait */
	"epoll_wait",		/* libevent */
	"exit",			/* thread exit */
	"exit_group",		/* exit, _exit */
	"fcntl",		/* O_NONBLOCK, FD_CLOEXEC, F_SETLK */
	"fstat",		/* stdio buffering */
	"futex",		/* locks in stdio, malloc, syslog */
	"getegid",
	"geteuid",
	"getgid",
	"getpid",		/* syslog(3), imsg */
	"getppid",		/* parent-death checks */
	"getrandom",		/* arc4random, OpenSSL, malloc */
	"getrlimit",		/* getdtablesize, imsg */
	"getsockopt",		/* SO_ERROR, SO_PEERCRED */
	"gettid",		/* raise, abort */
	"gettimeofday",		/* libevent (vDSO fallback) */
	"getuid",
	"lseek",
	"madvise",		/* free */
	"mmap",			/* malloc, dlopen (NSS) */
	"mremap",		/* realloc */
	"munmap",		/* free */
	"nanosleep",
	"newfstatat",		/* fstat(3) in glibc >= 2.33; localtime */
	"pipe2",		/* libevent signal pipe */
	"poll",
	"ppoll",
	"pread64",
	"prlimit64",		/* getrlimit */
	"pselect6",		/* select */
	"pwrite64",
	"read",
	"readv",		/* imsg, stdio */
	"recvfrom",		/* recv */
	"recvmsg",		/* imsg, recvfd */
	"restart_syscall",	/* kernel */
	"rseq",			/* glibc thread start */
	"rt_sigaction",		/* libevent signals, abort */
	"rt_sigprocmask",	/* abort, raise */
	"rt_sigreturn",		/* signal handlers */
	"sched_getaffinity",	/* get_nprocs, malloc arenas */
	"sched_yield",
	"select",
	"sendmsg",		/* imsg, sendfd */
	"sendto",		/* syslog(3), send */
	"set_robust_list",	/* glibc thread start */
	"setsockopt",		/* SO_SNDBUF, TCP_NODELAY */
	"shutdown",
	"sigaltstack",
	"statx",		/* stat in newer glibc */
	"sysinfo",		/* qsort, sysconf(_SC_PHYS_PAGES) */
	"time",
	"uname",		/* OpenSSL, gethostname */
	"write",		/* stderr, imsg */
	"writev",		/* imsg, stdio */
	NULL
};

static const char *const sandbox_rpath[] = {
	"access",
	"faccessat",
	"faccessat2",
	"fstatfs",		/* opendir */
	"getcwd",
	"getdents64",		/* readdir */
	"lstat",
	"readlink",
	"readlinkat",
	"stat",
	"statfs",		/* statvfs: queue min-free (queue_space.c) */
	NULL
};

static const char *const sandbox_wpath[] = {
	"copy_file_range",	/* queue: a message behind its prefix */
	"fallocate",		/* posix_fallocate of queue files */
	"fdatasync",
	"fsync",		/* queue commit, mbox/maildir delivery */
	"ftruncate",		/* mbox rollback */
	"sync_file_range",
	"syncfs",
	NULL
};

static const char *const sandbox_cpath[] = {
	"link",			/* maildir tmp -> new */
	"linkat",
	"mkdir",		/* queue buckets, maildir */
	"mkdirat",
	"rename",		/* queue commit */
	"renameat",
	"renameat2",
	"rmdir",
	"umask",
	"unlink",
	"unlinkat",
	NULL
};

static const char *const sandbox_fattr[] = {
	"chmod",
	"fchmod",		/* queue files, mbox */
	"fchmodat",
	"fchown",		/* agent: mbox owned by the user */
	"utimensat",		/* futimens, maildir/mbox times */
	NULL
};

static const char *const sandbox_flock[] = {
	"flock",		/* mbox locking (fcntl is in stdio) */
	NULL
};

static const char *const sandbox_net[] = {	/* inet and unix */
	"connect",
	"getpeername",		/* client address */
	"getsockname",		/* local address */
	"getsockopt",
	"recvfrom",
	"recvmsg",
	"sendmmsg",		/* glibc resolver (LMTP to a host name) */
	"sendmsg",
	"sendto",
	"setsockopt",
	"shutdown",
	NULL
};

static const char *const sandbox_accept[] = {
	"accept",
	"accept4",		/* listeners bound by the parent */
	NULL
};

static const char *const sandbox_getpw[] = {	/* NSS files + systemd */
	"close",
	"connect",		/* nscd, systemd userdb varlink socket */
	"fstat",
	"lseek",
	"mmap",
	"newfstatat",
	"read",
	NULL
};

static const char *const sandbox_watch[] = {	/* imapd's store: IDLE */
	"inotify_add_watch",
	"inotify_init1",
	"inotify_rm_watch",
	NULL
};

static const char *const sandbox_dns[] = {
	"bind",			/* libunbound: random source port */
	NULL
};

/* Harmless probes: fail softly instead of killing. */
static const struct sandbox_soft {
	const char	*name;
	int		 error;
} sandbox_soft[] = {
	{ "clone3",	ENOSYS },	/* pthread_create, fork: glibc probe */
	{ "prctl",	EPERM },	/* libraries probing features */
	{ NULL,		0 }
};

/* SB_ARG_*: the argument-filtered rules a group needs. */
#define SB_ARG_SOCK_UNIX	0x01
#define SB_ARG_SOCK_INET	0x02
#define SB_ARG_OPEN_RO		0x04
#define SB_ARG_OPEN_RW		0x08

static const struct sandbox_group {
	unsigned int		 flag;
	const char *const	*calls;
	unsigned int		 args;
} sandbox_groups[] = {
	{ SB_STDIO,	sandbox_stdio,	SB_ARG_SOCK_UNIX },
	{ SB_RPATH,	sandbox_rpath,	SB_ARG_OPEN_RO },
	{ SB_WPATH,	sandbox_wpath,	SB_ARG_OPEN_RW },
	{ SB_CPATH,	sandbox_cpath,	SB_ARG_OPEN_RW },
	{ SB_FATTR,	sandbox_fattr,	0 },
	{ SB_FLOCK,	sandbox_flock,	0 },
	{ SB_INET,	sandbox_net,	SB_ARG_SOCK_INET },
	{ SB_UNIX,	sandbox_net,	SB_ARG_SOCK_UNIX },
	{ SB_ACCEPT,	sandbox_accept,	0 },
	{ SB_GETPW,	sandbox_getpw,	SB_ARG_SOCK_UNIX | SB_ARG_OPEN_RO },
	{ SB_DNS,	sandbox_dns,	0 },
	{ SB_WATCH,	sandbox_watch,	0 },
	{ 0,		NULL,		0 }
};

#define SB_MAXNR	512	/* above every x86_64/aarch64 syscall */

int			 sandbox_debug;

static const char	*sandbox_names[SB_MAXNR];	/* debug only */
static const char	*sandbox_procname = "?";
static int		 sandbox_applied;	/* sandbox_apply() has run */
static int		 sandbox_rootless;	/* no uid 0 when it did */

static void	privsep_setids(uid_t, gid_t, const gid_t *, int,
		    const char *);
static void	privsep_verify(uid_t, gid_t);
static void	sandbox_nnp(void);
static int	sandbox_ll_add(int, const char *, uint64_t);
static scmp_filter_ctx sandbox_build(unsigned int);
static void	sandbox_load(scmp_filter_ctx);
static void	sandbox_collect(unsigned int, unsigned char *, unsigned int *);
static void	sandbox_rule(scmp_filter_ctx, uint32_t, int, unsigned int,
		    const struct scmp_arg_cmp *);
static void	sandbox_only(scmp_filter_ctx, int, unsigned int, uint32_t,
		    const uint64_t *, size_t);
static void	sandbox_args(scmp_filter_ctx, unsigned int);
static void	sandbox_open(scmp_filter_ctx, int, unsigned int, int);
static void	sandbox_trap_init(void);
static void	sandbox_sigsys(int, siginfo_t *, void *);
static size_t	sandbox_cat(char *, size_t, size_t, const char *);

/*
 * Privilege dropping.
 */

void
privsep_drop(const char *user, const char *chrootdir)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	if ((pw = getpwnam(user)) == NULL)
		fatalx("privsep_drop: unknown user %s", user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	endpwent();
	privsep_setids(uid, gid, &gid, 1, chrootdir);
}

void
privsep_drop_ids(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
    const char *chrootdir)
{
	if (uid == 0)
		fatalx("privsep_drop_ids: refusing to run as uid 0");
	if (ngroups < 0 || ngroups > NGROUPS_MAX ||
	    (ngroups > 0 && groups == NULL))
		fatalx("privsep_drop_ids: bad group list (%d)", ngroups);
	if (ngroups == 0)
		privsep_setids(uid, gid, &gid, 1, chrootdir);
	else
		privsep_setids(uid, gid, groups, ngroups, chrootdir);
}

static void
privsep_setids(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
    const char *chrootdir)
{
	if (geteuid() != 0)
		fatalx("privsep: must be called as root");
	if (chrootdir != NULL) {
		if (chroot(chrootdir) == -1)
			fatal("privsep: chroot %s", chrootdir);
		if (chdir("/") == -1)
			fatal("privsep: chdir /");
	}
	if (setgroups((size_t)ngroups, groups) == -1)
		fatal("privsep: setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("privsep: setresgid %u", (unsigned int)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("privsep: setresuid %u", (unsigned int)uid);
	privsep_verify(uid, gid);
}

/* Dovecot's lesson: do not trust the calls above, check the result. */
static void
privsep_verify(uid_t uid, gid_t gid)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	if (setuid(0) != -1)
		fatalx("privsep: setuid(0) succeeded after dropping to %u",
		    (unsigned int)uid);
	if (gid != 0 && setgid(0) != -1)
		fatalx("privsep: setgid(0) succeeded after dropping to %u",
		    (unsigned int)gid);
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		fatal("privsep: getresuid");
	if (ru != uid || eu != uid || su != uid ||
	    getuid() != uid || geteuid() != uid)
		fatalx("privsep: uid is %u/%u/%u, want %u", (unsigned int)ru,
		    (unsigned int)eu, (unsigned int)su, (unsigned int)uid);
	if (rg != gid || eg != gid || sg != gid)
		fatalx("privsep: gid is %u/%u/%u, want %u", (unsigned int)rg,
		    (unsigned int)eg, (unsigned int)sg, (unsigned int)gid);
}

static void
sandbox_nnp(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
}

/*
 * Landlock.
 */

int
sandbox_landlock_abi(void)
{
	long	 abi;

	abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return (0);		/* ENOSYS, or EOPNOTSUPP: disabled */
	return ((int)abi);
}

/* 0 if added or skipped because the path does not exist. */
static int
sandbox_ll_add(int ruleset, const char *path, uint64_t rights)
{
	struct sandbox_ll_beneath	 pb;
	struct stat			 st;
	int				 fd, saved_errno;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			log_debug("landlock: %s does not exist, skipped",
			    path);
			return (0);
		}
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
		return (-1);
	}
	if (!S_ISDIR(st.st_mode))
		rights &= ~SB_LL_DIRONLY;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	if (syscall(__NR_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1) {
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
		return (-1);
	}
	close(fd);
	return (0);
}

void
sandbox_landlock(const char *const *ro_paths, const char *const *rw_paths)
{
	static int			 warned;
	struct sandbox_ll_ruleset	 attr;
	uint64_t			 handled;
	int				 abi, ruleset, i;

	sandbox_nnp();
	if ((abi = sandbox_landlock_abi()) <= 0) {
		if (!warned)
			log_info("landlock not available; "
			    "filesystem not confined");
		warned = 1;
		return;
	}

	/* Every right this ABI knows: what is not granted is denied. */
	handled = LANDLOCK_ACCESS_FS_MAKE_SYM << 1;
	handled -= 1;				/* ABI 1: bits 0-12 */
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		handled |= LANDLOCK_ACCESS_FS_IOCTL_DEV;

	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled;
	ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr,
	    sizeof(attr), 0);
	if (ruleset == -1)
		fatal("landlock_create_ruleset");

	for (i = 0; ro_paths != NULL && ro_paths[i] != NULL; i++)
		if (sandbox_ll_add(ruleset, ro_paths[i],
		    SB_LL_RO & handled) == -1)
			fatal("landlock: %s", ro_paths[i]);
	for (i = 0; rw_paths != NULL && rw_paths[i] != NULL; i++)
		if (sandbox_ll_add(ruleset, rw_paths[i],
		    SB_LL_RW & handled) == -1)
			fatal("landlock: %s", rw_paths[i]);

	if (syscall(__NR_landlock_restrict_self, ruleset, 0) == -1)
		fatal("landlock_restrict_self");
	close(ruleset);
	log_debug("landlock: ABI %d, filesystem confined", abi);
}

/*
 * seccomp.
 */

void
sandbox_apply(const struct sandbox_profile *profile)
{
	scmp_filter_ctx		 ctx;
	uid_t			 ru, eu, su;

	if (profile == NULL || profile->name == NULL)
		fatalx("sandbox_apply: no profile");
	sandbox_procname = profile->name;
	sandbox_nnp();
	/* getresuid() may be outside the profile: look now */
	sandbox_rootless = getresuid(&ru, &eu, &su) == 0 && ru != 0 &&
	    eu != 0 && su != 0;

	/*
	 * A process that runs other people's programs (which inherit any
	 * seccomp filter) gets none: no allowlist can cover what they
	 * legitimately do.  It keeps NO_NEW_PRIVS (no setuid binaries) and
	 * whatever Landlock the caller set; that is its sandbox.
	 */
	if (profile->promises & SB_NOFILTER) {
		log_debug("sandbox: %s: no_new_privs only", sandbox_procname);
		sandbox_applied = 1;
		return;
	}

	ctx = sandbox_build(profile->promises);
	sandbox_load(ctx);
	sandbox_applied = 1;
}

/*
 * 1 once sandbox_apply() has run in a process none of whose uids was 0
 * then (with no_new_privs and the filter, none can become 0 later).
 */
int
sandbox_confined(void)
{
	return (sandbox_applied && sandbox_rootless);
}

/* The seccomp filter of a set of promises (SB_*), ready to load. */
static scmp_filter_ctx
sandbox_build(unsigned int groups)
{
	const struct sandbox_soft	*s;
	scmp_filter_ctx			 ctx;
	unsigned char			 allow[SB_MAXNR];
	unsigned int			 args;
	uint32_t			 def;
	int				 nr, r;

	def = SCMP_ACT_KILL_PROCESS;
	if (sandbox_debug) {
		sandbox_trap_init();
		def = SCMP_ACT_TRAP;
	}
	if ((ctx = seccomp_init(def)) == NULL)
		fatalx("seccomp_init failed");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
		fatalx("seccomp_attr_set: %s", strerror(-r));

	sandbox_collect(groups, allow, &args);
	for (nr = 0; nr < SB_MAXNR; nr++)
		if (allow[nr])
			sandbox_rule(ctx, SCMP_ACT_ALLOW, nr, 0, NULL);
	for (s = sandbox_soft; s->name != NULL; s++)
		if ((nr = seccomp_syscall_resolve_name(s->name)) >= 0)
			sandbox_rule(ctx, SCMP_ACT_ERRNO(s->error), nr, 0,
			    NULL);
	sandbox_args(ctx, args);
	sandbox_san_extra(ctx);
	return (ctx);
}

/* The one place a filter is loaded: no way back after this. */
static void
sandbox_load(scmp_filter_ctx ctx)
{
	int	 r;

	if ((r = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
	log_debug("sandbox: %s: seccomp filter loaded%s", sandbox_procname,
	    sandbox_debug ? " (trap)" : "");
}

/* Union of the groups' tables, by syscall number, and their SB_ARG_*. */
static void
sandbox_collect(unsigned int groups, unsigned char *allow,
    unsigned int *args)
{
	const struct sandbox_group	*g;
	const char *const		*c;
	int				 nr;

	memset(allow, 0, SB_MAXNR);
	*args = 0;
	for (g = sandbox_groups; g->calls != NULL; g++) {
		if ((groups & g->flag) == 0)
			continue;
		*args |= g->args;
		for (c = g->calls; *c != NULL; c++) {
			nr = seccomp_syscall_resolve_name(*c);
			if (nr == __NR_SCMP_ERROR)
				fatalx("sandbox: unknown syscall %s", *c);
			if (nr < 0)
				continue;	/* not on this arch */
			if (nr >= SB_MAXNR)
				fatalx("sandbox: syscall %s too large", *c);
			allow[nr] = 1;
		}
	}
}

static void
sandbox_rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int n,
    const struct scmp_arg_cmp *cmp)
{
	int	 r;

	if ((r = seccomp_rule_add_array(ctx, action, nr, n, cmp)) < 0)
		fatalx("seccomp_rule_add %d: %s", nr, strerror(-r));
}

/*
 * Allow call nr only if argument arg is one of ok[] (sorted, ascending);
 * other values get action soft.  libseccomp allows one comparison per
 * argument in a rule, so the complement is built from ranges and, for
 * small gaps, single values; a big gap falls to the default action.
 */
static void
sandbox_only(scmp_filter_ctx ctx, int nr, unsigned int arg, uint32_t soft,
    const uint64_t *ok, size_t nok)
{
	struct scmp_arg_cmp	 c;
	uint64_t		 v;
	size_t			 i;

	for (i = 0; i < nok; i++) {
		c = (struct scmp_arg_cmp){ arg, SCMP_CMP_EQ, ok[i], 0 };
		sandbox_rule(ctx, SCMP_ACT_ALLOW, nr, 1, &c);
	}
	if (nok == 0)
		return;
	c = (struct scmp_arg_cmp){ arg, SCMP_CMP_LT, ok[0], 0 };
	sandbox_rule(ctx, soft, nr, 1, &c);
	for (i = 0; i + 1 < nok; i++) {
		if (ok[i + 1] - ok[i] > 32)
			continue;
		for (v = ok[i] + 1; v < ok[i + 1]; v++) {
			c = (struct scmp_arg_cmp){ arg, SCMP_CMP_EQ, v, 0 };
			sandbox_rule(ctx, soft, nr, 1, &c);
		}
	}
	c = (struct scmp_arg_cmp){ arg, SCMP_CMP_GT, ok[nok - 1], 0 };
	sandbox_rule(ctx, soft, nr, 1, &c);
}

static void
sandbox_args(scmp_filter_ctx ctx, unsigned int args)
{
	struct scmp_arg_cmp	 c;
	uint64_t		 dom[3], ioc[2];
	size_t			 ndom = 0;
	int			 nr;

	/* isatty (stdio buffering), FIONREAD; anything else: ENOTTY. */
	ioc[0] = TCGETS;
	ioc[1] = FIONREAD;
	sandbox_only(ctx, SCMP_SYS(ioctl), 1, SCMP_ACT_ERRNO(ENOTTY), ioc, 2);

	/* W^X: no new executable mappings of existing memory. */
	c = (struct scmp_arg_cmp){ 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 };
	sandbox_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, &c);
	c.datum_b = PROT_EXEC;
	sandbox_rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(mprotect), 1, &c);

	/* raise(3) and abort(3): signals to this process only. */
	c = (struct scmp_arg_cmp){ 0, SCMP_CMP_EQ, (uint64_t)getpid(), 0 };
	sandbox_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, &c);

	/* socket(2) by domain (ascending); other domains: EAFNOSUPPORT. */
	if (args & SB_ARG_SOCK_UNIX)
		dom[ndom++] = AF_UNIX;
	if (args & SB_ARG_SOCK_INET) {
		dom[ndom++] = AF_INET;
		dom[ndom++] = AF_INET6;
	}
	sandbox_only(ctx, SCMP_SYS(socket), 0, SCMP_ACT_ERRNO(EAFNOSUPPORT),
	    dom, ndom);

	/* open(2), openat(2): read-only unless wpath or cpath. */
	if (args & (SB_ARG_OPEN_RO | SB_ARG_OPEN_RW)) {
		if ((nr = seccomp_syscall_resolve_name("open")) >= 0)
			sandbox_open(ctx, nr, 1, args & SB_ARG_OPEN_RW);
		sandbox_open(ctx, SCMP_SYS(openat), 2, args & SB_ARG_OPEN_RW);
	}
}

static void
sandbox_open(scmp_filter_ctx ctx, int nr, unsigned int flagarg, int rw)
{
	struct scmp_arg_cmp	 c;

	if (rw) {
		sandbox_rule(ctx, SCMP_ACT_ALLOW, nr, 0, NULL);
		return;
	}
	c = (struct scmp_arg_cmp){ flagarg, SCMP_CMP_MASKED_EQ,
	    O_ACCMODE | O_CREAT | O_TRUNC | (O_TMPFILE & ~O_DIRECTORY), 0 };
	sandbox_rule(ctx, SCMP_ACT_ALLOW, nr, 1, &c);
}

/*
 * Debug mode: SCMP_ACT_TRAP and a SIGSYS handler that names the call.
 * Names are resolved now: libseccomp is not async-signal-safe.
 */
static void
sandbox_trap_init(void)
{
	struct sigaction	 sa;
	int			 nr;

	for (nr = 0; nr < SB_MAXNR; nr++)
		if (sandbox_names[nr] == NULL)
			sandbox_names[nr] = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, nr);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sigaction SIGSYS");
}

static size_t
sandbox_cat(char *buf, size_t len, size_t size, const char *s)
{
	while (*s != '\0' && len + 1 < size)
		buf[len++] = *s++;
	buf[len] = '\0';
	return (len);
}

/* Async-signal-safe: write(2), sigaction(2), sigprocmask(2), raise(3). */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *uctx)
{
	struct sigaction	 sa;
	sigset_t		 set;
	char			 buf[256], num[16];
	const char		*name = "unknown";
	unsigned int		 n;
	size_t			 len = 0, i = sizeof(num) - 1;
	int			 nr;

	(void)sig;
	(void)uctx;
	nr = si->si_syscall;
	if (nr >= 0 && nr < SB_MAXNR && sandbox_names[nr] != NULL)
		name = sandbox_names[nr];
	n = (unsigned int)nr;
	num[i] = '\0';
	do {
		num[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0 && i > 0);

	len = sandbox_cat(buf, len, sizeof(buf), "sandbox: ");
	len = sandbox_cat(buf, len, sizeof(buf), sandbox_procname);
	len = sandbox_cat(buf, len, sizeof(buf),
	    " killed by forbidden syscall ");
	len = sandbox_cat(buf, len, sizeof(buf), name);
	len = sandbox_cat(buf, len, sizeof(buf), " (nr ");
	len = sandbox_cat(buf, len, sizeof(buf), num + i);
	len = sandbox_cat(buf, len, sizeof(buf), ")\n");
	if (write(STDERR_FILENO, buf, len) == -1) {
		/* nothing to be done: we are about to die anyway */
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGSYS, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(SIGSYS);
	_exit(128 + SIGSYS);	/* NOTREACHED */
}

/*
 * Test hook: a call no profile allows.  ptrace(PTRACE_PEEKDATA, -1)
 * fails with ESRCH when not filtered, so this returns harmlessly then.
 */
void
sandbox_violate(void)
{
	(void)syscall(SYS_ptrace, PTRACE_PEEKDATA, (pid_t)-1, NULL, NULL);
}
