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
 * sandbox_san.c -- what the ASan/UBSan runtime needs inside the sandbox
 * (make check-asan).  Compiled to nothing but an empty
 * sandbox_san_extra() unless the build has a sanitizer.
 *
 * A sanitized process gets, before main():
 *   - its report file opened, while the file system is still in view:
 *     SANDBOX_SAN_LOGDIR/<name>.<pid>, given at build time (check-asan
 *     passes -DSANDBOX_SAN_LOGDIR), so that a report from a chrooted or
 *     environment-less child (agents get a clean environment) lands where
 *     .ci/asan.sh looks;
 *   - /proc/self/maps cached (__sanitizer_sandbox_on_notify): the chroot
 *     hides /proc when a report wants the module list.  Reading one's own
 *     maps needs no dumpable flag, so the unreadable (0711) binary and the
 *     non-dumpable agents are no obstacle: ASan starts in every process;
 *   - default options: no leak check (LeakSanitizer ptrace()s the process
 *     at exit, which no profile allows), stop at the first error, no
 *     symbolizer (it would stat() and fork llvm-symbolizer: .ci/asan.sh
 *     symbolizes the reports afterwards).
 * and every seccomp profile gets the rules of san_syscalls[] below
 * (sandbox_san_extra(), called by sandbox_build()); .ci/asan.sh prints
 * them when check-asan starts.
 */

#include <sys/types.h>

#include <seccomp.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SAN	1
#endif
#endif

#ifdef SANDBOX_SAN
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "log.h"
#endif

void		 sandbox_san_extra(scmp_filter_ctx);

#ifdef SANDBOX_SAN
const char	*__asan_default_options(void);
const char	*__ubsan_default_options(void);
static void	 sandbox_san_init(void) __attribute__((constructor));

#define SANDBOX_SAN_FD	64	/* the report file: lowest descriptor */

/*
 * name, errno (0: allowed), why: one line each (.ci/asan.sh prints them).
 * Found by running a sandboxed process into a heap overflow with the
 * profile trapping (sandbox_debug) until the report came out whole.
 */
static const struct {
	const char	*name;
	int		 error;
	const char	*why;
} san_syscalls[] = {
	{ "open",	EACCES,	"report: /proc/self/maps, cached instead" },
	{ NULL,		0,	NULL }
};

const char *
__asan_default_options(void)
{
	return ("detect_leaks=0:halt_on_error=1:abort_on_error=0:symbolize=0");
}

const char *
__ubsan_default_options(void)
{
	return ("halt_on_error=1:print_stacktrace=1:symbolize=0");
}

static void
sandbox_san_init(void)
{
	__sanitizer_sandbox_arguments	 args;
#ifdef SANDBOX_SAN_LOGDIR
	extern char			*__progname;
	char				 path[4096];
	int				 fd, hi, n;

	n = snprintf(path, sizeof(path), "%s/%s.%ld", SANDBOX_SAN_LOGDIR,
	    __progname, (long)getpid());
	if (n > 0 && (size_t)n < sizeof(path) && (fd = open(path,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) != -1) {
		/* out of the way of the descriptors a process expects */
		if ((hi = fcntl(fd, F_DUPFD_CLOEXEC, SANDBOX_SAN_FD)) != -1) {
			close(fd);
			fd = hi;
		}
		__sanitizer_set_report_fd((void *)(intptr_t)fd);
	}
#endif
	memset(&args, 0, sizeof(args));
	args.coverage_fd = -1;
	__sanitizer_sandbox_on_notify(&args);
}

void
sandbox_san_extra(scmp_filter_ctx ctx)
{
	int	 i, nr;

	for (i = 0; san_syscalls[i].name != NULL; i++)
		if ((nr = seccomp_syscall_resolve_name(
		    san_syscalls[i].name)) >= 0 &&
		    seccomp_rule_add(ctx, san_syscalls[i].error == 0 ?
		    SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(san_syscalls[i].error),
		    nr, 0) < 0)
			fatalx("sandbox: cannot allow %s for the sanitizer",
			    san_syscalls[i].name);
}
#else
void
sandbox_san_extra(scmp_filter_ctx ctx)
{
}
#endif /* SANDBOX_SAN */
