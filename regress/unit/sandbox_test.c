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
 * sandbox_test.c -- every profile allows what its process does, and a
 * forbidden syscall ends it with SIGSYS; privsep_drop(); Landlock.
 *
 * Each case forks: a seccomp filter cannot be removed.  The child reports
 * the first failed check on stderr and exits 1; the parent checks how it
 * ended.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netdb.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_profiles.h"

/* In the child: report and exit 1 on failure. */
#define CHK(e)	do {							\
	if (!(e))							\
		child_fail(__LINE__, #e);				\
} while (0)

struct env {
	int		 status_fd;	/* /proc/self/status, opened early */
	int		 unix_lfd;	/* listening AF_UNIX socket */
	int		 inet_lfd;	/* listening 127.0.0.1 socket */
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	char		 dir[PATH_MAX];	/* scratch directory */
	int		 rpath;		/* profile may open files */
};

static void	child_fail(int, const char *) __attribute__((__noreturn__));
static void	path_join(char *, const char *, const char *);
static void	env_init(struct env *, int);
static int	run(void (*)(struct env *, enum smtpd_sandbox),
		    enum smtpd_sandbox, int, int *);
static void	expect_exit(int, int);
static void	expect_sigsys(int);
static void	child_prepare(struct env *, enum smtpd_sandbox);
static void	check_status(struct env *, const char *);
static void	ops_stdio(struct env *);
static void	ops_libevent(void);
static void	ops_unix(struct env *);
static void	ops_inet(struct env *);
static void	ops_client(struct env *);
static void	ops_files(struct env *);
static void	ops_pickup(struct env *);
static void	ops_mta(struct env *);
static void	ops_getpw(void);
static void	ops_rpath(void);
static void	do_allowed(struct env *, enum smtpd_sandbox);
static void	do_violate(struct env *, enum smtpd_sandbox);
static void	do_write_ro(struct env *, enum smtpd_sandbox);
static void	do_fork(struct env *, enum smtpd_sandbox);
static void	do_open(struct env *, enum smtpd_sandbox);
static void	do_mda(struct env *, enum smtpd_sandbox);
static void	on_usr1(int);
static void	on_event(evutil_socket_t, short, void *);

static volatile sig_atomic_t	got_usr1;

static void
child_fail(int line, const char *expr)
{
	char	 buf[512];
	int	 n;

	n = snprintf(buf, sizeof(buf), "child: line %d: check failed: %s "
	    "(errno: %s)\n", line, expr, strerror(errno));
	if (n > 0 && write(STDERR_FILENO, buf, (size_t)n) == -1)
		_exit(3);
	_exit(1);
}

/* buf has PATH_MAX bytes. */
static void
path_join(char *buf, const char *dir, const char *name)
{
	int	 n;

	n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX)
		abort();
}

static void
on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Sockets and a scratch directory, made by the parent before forking. */
static void
env_init(struct env *e, int sockets)
{
	socklen_t	 len;
	char		 tmpl[] = "sbtest.XXXXXX";

	memset(e, 0, sizeof(*e));
	e->status_fd = e->unix_lfd = e->inet_lfd = -1;
	ATF_REQUIRE(mkdtemp(tmpl) != NULL);
	ATF_REQUIRE(realpath(tmpl, e->dir) != NULL);
	if (!sockets)
		return;

	e->sun.sun_family = AF_UNIX;
	ATF_REQUIRE((size_t)snprintf(e->sun.sun_path, sizeof(e->sun.sun_path),
	    "%s/ctl.sock", e->dir) < sizeof(e->sun.sun_path));
	ATF_REQUIRE((e->unix_lfd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	ATF_REQUIRE(bind(e->unix_lfd, (struct sockaddr *)&e->sun,
	    sizeof(e->sun)) == 0);
	ATF_REQUIRE(listen(e->unix_lfd, 5) == 0);

	e->sin.sin_family = AF_INET;
	e->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ATF_REQUIRE((e->inet_lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	ATF_REQUIRE(bind(e->inet_lfd, (struct sockaddr *)&e->sin,
	    sizeof(e->sin)) == 0);
	ATF_REQUIRE(listen(e->inet_lfd, 5) == 0);
	len = sizeof(e->sin);
	ATF_REQUIRE(getsockname(e->inet_lfd, (struct sockaddr *)&e->sin,
	    &len) == 0);
}

/* Fork, run fn in the child, return its wait status. */
static int
run(void (*fn)(struct env *, enum smtpd_sandbox), enum smtpd_sandbox p,
    int sockets, int *errfd)
{
	struct env	 e;
	pid_t		 pid;
	int		 status, fds[2];

	env_init(&e, sockets);
	if (errfd != NULL)
		ATF_REQUIRE(pipe(fds) == 0);
	fflush(stdout);
	fflush(stderr);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		if (errfd != NULL) {
			dup2(fds[1], STDERR_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		fn(&e, p);
		_exit(0);
	}
	if (errfd != NULL) {
		close(fds[1]);
		*errfd = fds[0];
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	if (e.unix_lfd != -1)
		close(e.unix_lfd);
	if (e.inet_lfd != -1)
		close(e.inet_lfd);
	return (status);
}

static void
expect_exit(int status, int code)
{
	if (WIFSIGNALED(status))
		atf_tc_fail("child killed by signal %d%s", WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (forbidden syscall; "
		    "rerun under strace -f)" : "");
	ATF_REQUIRE_MSG(WIFEXITED(status), "child status %#x", status);
	ATF_REQUIRE_MSG(WEXITSTATUS(status) == code,
	    "child exited %d, want %d", WEXITSTATUS(status), code);
}

static void
expect_sigsys(int status)
{
	ATF_REQUIRE_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "want SIGSYS, got %s %d",
	    WIFSIGNALED(status) ? "signal" : "exit",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* What the daemon does before sandbox_apply(): see sandbox.c. */
static void
child_prepare(struct env *e, enum smtpd_sandbox p)
{
	tzset();
	openlog("sandbox_test", LOG_PID | LOG_NDELAY, LOG_MAIL);
	CHK((e->status_fd = open("/proc/self/status",
	    O_RDONLY | O_CLOEXEC)) != -1);
	e->rpath = (p == SANDBOX_LKA || p == SANDBOX_QUEUE ||
	    p == SANDBOX_AGENT);
}

static void
check_status(struct env *e, const char *want)
{
	char	 buf[4096];
	ssize_t	 n;
	int	 fd;

	fd = e->status_fd;
	if (e->rpath)		/* a fresh open proves rpath works too */
		CHK((fd = open("/proc/self/status", O_RDONLY)) != -1);
	CHK(lseek(fd, 0, SEEK_SET) == 0);
	CHK((n = read(fd, buf, sizeof(buf) - 1)) > 0);
	buf[n] = '\0';
	if (strstr(buf, want) == NULL)
		child_fail(__LINE__, want);
	if (fd != e->status_fd)
		close(fd);
}

/* malloc, stdio, syslog, time, pipes, poll, signals, soft denials. */
static void
ops_stdio(struct env *e)
{
	struct pollfd	 pfd;
	struct timespec	 ts;
	struct sigaction sa;
	time_t		 t;
	char		*big, *p, buf[64];
	int		 fds[2], n;
	void		*page;

	check_status(e, "Seccomp:\t2");
	CHK(getpid() > 0 && getuid() == geteuid() && getppid() > 0);
	CHK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	CHK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
	t = time(NULL);
	CHK(localtime(&t) != NULL);
	CHK(strftime(buf, sizeof(buf), "%a, %d %b %Y %T %z",
	    localtime(&t)) > 0);

	CHK((big = malloc(16 << 20)) != NULL);	/* mmap */
	memset(big, 'x', 16 << 20);
	CHK((p = realloc(big, 32 << 20)) != NULL);	/* mremap */
	free(p);
	CHK((p = calloc(1000, 100)) != NULL);	/* brk */
	free(p);

	fprintf(stderr, "child: stdio works (%s)\n", strerror(ENOENT));
	syslog(LOG_MAIL | LOG_INFO, "sandbox_test: syslog works");

	CHK(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
	CHK(write(fds[1], "ping", 4) == 4);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	CHK(poll(&pfd, 1, 1000) == 1);
	CHK(ioctl(fds[0], FIONREAD, &n) == 0 && n == 4);
	CHK(read(fds[0], buf, sizeof(buf)) == 4);
	CHK(fcntl(fds[0], F_GETFL) != -1);
	CHK(dup2(fds[0], 100) == 100);
	close(100);
	close(fds[0]);
	close(fds[1]);

	/* raise(3) is tgkill to ourselves. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	CHK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHK(raise(SIGUSR1) == 0 && got_usr1);

	/* Soft denials: an errno, not SIGSYS. */
	errno = 0;
	CHK(ioctl(STDIN_FILENO, FIONBIO, &n) == -1 && errno == ENOTTY);
	(void)isatty(STDIN_FILENO);			/* TCGETS */
	CHK(socket(AF_NETLINK, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT);
	CHK(socket(AF_PACKET, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT);
	CHK(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS);
	CHK((page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED);
	CHK(mprotect(page, 4096, PROT_READ) == 0);
	CHK(mprotect(page, 4096, PROT_READ | PROT_EXEC) == -1 &&
	    errno == EACCES);
	CHK(munmap(page, 4096) == 0);
	ops_libevent();
}

/* libevent's epoll backend, with a signal event (its internal pipe). */
static void
ops_libevent(void)
{
	struct event_base	*base;
	struct event		*ev, *sig;
	int			 fds[2];

	CHK((base = event_base_new()) != NULL);
	CHK(strcmp(event_base_get_method(base), "epoll") == 0);
	CHK(pipe2(fds, O_NONBLOCK) == 0);
	CHK((ev = event_new(base, fds[0], EV_READ, on_event, NULL)) != NULL);
	CHK((sig = evsignal_new(base, SIGUSR2, on_event, NULL)) != NULL);
	CHK(event_add(ev, NULL) == 0 && event_add(sig, NULL) == 0);
	CHK(write(fds[1], "x", 1) == 1);
	CHK(event_base_loop(base, EVLOOP_ONCE) == 0);
	event_free(sig);
	event_free(ev);
	event_base_free(base);
	close(fds[0]);
	close(fds[1]);
}

/* imsg-style: accept, SO_PEERCRED, pass a descriptor. */
static void
ops_unix(struct env *e)
{
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	struct ucred	 cred;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	socklen_t	 len;
	char		 c = 'x';
	int		 s, a, fd;

	CHK((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1);
	CHK(connect(s, (struct sockaddr *)&e->sun, sizeof(e->sun)) == 0);
	CHK((a = accept4(e->unix_lfd, NULL, NULL, SOCK_NONBLOCK)) != -1);
	len = sizeof(cred);
	CHK(getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0);
	CHK(cred.pid == getpid());

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	fd = e->status_fd;
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	CHK(sendmsg(s, &msg, 0) == 1);

	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	CHK(recvmsg(a, &msg, 0) == 1);
	cm = CMSG_FIRSTHDR(&msg);
	CHK(cm != NULL && cm->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	CHK(fd != e->status_fd && fcntl(fd, F_GETFD) != -1);
	close(fd);
	CHK(shutdown(s, SHUT_RDWR) == 0);
	close(a);
	close(s);
}

/* SMTP session / LMTP client on loopback. */
static void
ops_inet(struct env *e)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 buf[16];
	int			 s, a, one = 1;

	CHK((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1);
	CHK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	CHK(connect(s, (struct sockaddr *)&e->sin, sizeof(e->sin)) == 0);
	len = sizeof(ss);
	CHK((a = accept4(e->inet_lfd, (struct sockaddr *)&ss, &len,
	    SOCK_CLOEXEC)) != -1);
	len = sizeof(ss);
	CHK(getpeername(a, (struct sockaddr *)&ss, &len) == 0);
	len = sizeof(ss);
	CHK(getsockname(a, (struct sockaddr *)&ss, &len) == 0);
	CHK(send(a, "220 hi\r\n", 8, 0) == 8);
	CHK(recv(s, buf, sizeof(buf), 0) == 8);
	CHK(shutdown(s, SHUT_WR) == 0);
	close(a);
	close(s);
	/* IPv6 may be absent: an errno is fine, SIGSYS is not. */
	if ((s = socket(AF_INET6, SOCK_STREAM, 0)) != -1)
		close(s);
}

/* LMTP, DNS, nscd: clients only (no accept). */
static void
ops_client(struct env *e)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 s;

	CHK((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1);
	CHK(connect(s, (struct sockaddr *)&e->sin, sizeof(e->sin)) == 0);
	len = sizeof(ss);
	CHK(getsockname(s, (struct sockaddr *)&ss, &len) == 0);
	CHK(send(s, "LHLO x\r\n", 8, 0) == 8);
	CHK(shutdown(s, SHUT_WR) == 0);
	close(s);
	CHK((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1);
	CHK(sendto(s, "q", 1, 0, (struct sockaddr *)&e->sin,
	    sizeof(e->sin)) == 1);
	close(s);
	CHK((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1);
	CHK(connect(s, (struct sockaddr *)&e->sun, sizeof(e->sun)) == 0);
	CHK(write(s, "x", 1) == 1);
	close(s);
}

/*
 * The smtp process's mta: a non-blocking TCP connection of its own, with
 * TCP_NODELAY and a source address (bind), completion read with SO_ERROR;
 * IPv6 sockets too; other families are refused softly.
 */
static void
ops_mta(struct env *e)
{
	struct sockaddr_in	 src;
	struct pollfd		 pfd;
	socklen_t		 len;
	int			 s, one = 1, err = -1;

	CHK((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) != -1);
	CHK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHK(bind(s, (struct sockaddr *)&src, sizeof(src)) == 0);
	CHK(connect(s, (struct sockaddr *)&e->sin, sizeof(e->sin)) == 0 ||
	    errno == EINPROGRESS);
	pfd.fd = s;
	pfd.events = POLLOUT;
	CHK(poll(&pfd, 1, 5000) == 1);
	len = sizeof(err);
	CHK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0);
	close(s);
	CHK((s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1 ||
	    errno == EAFNOSUPPORT);
	if (s != -1)
		close(s);
	CHK(socket(AF_PACKET, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT);
}

/* The offline pickup: an SMTP client on a unix socket, through stdio. */
static void
ops_pickup(struct env *e)
{
	struct timeval	 tv = { 5, 0 };
	FILE		*fp;
	int		 s;

	CHK((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1);
	CHK(connect(s, (struct sockaddr *)&e->sun, sizeof(e->sun)) == 0);
	CHK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHK((fp = fdopen(s, "r")) != NULL);
	CHK(write(s, "EHLO x\r\n", 8) == 8);
	CHK(fclose(fp) == 0);
}

/* Queue-style file handling in the scratch directory. */
static void
ops_files(struct env *e)
{
	struct dirent	*de;
	DIR		*d;
	char		 a[PATH_MAX], b[PATH_MAX], sub[PATH_MAX];
	int		 fd, dfd, n = 0;

	path_join(sub, e->dir, "bucket");
	path_join(a, e->dir, "incoming.1");
	path_join(b, e->dir, "bucket/msg.1");
	umask(077);
	CHK(mkdir(sub, 0700) == 0);
	CHK((fd = open(a, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
	    0600)) != -1);
	CHK(flock(fd, LOCK_EX) == 0);
	CHK(write(fd, "From: a@b\r\n\r\nhi\r\n", 17) == 17);
	CHK(ftruncate(fd, 13) == 0);
	CHK(fchmod(fd, 0640) == 0);
	CHK(fchown(fd, getuid(), getgid()) == 0);
	CHK(futimens(fd, NULL) == 0);
	CHK(fsync(fd) == 0 && fdatasync(fd) == 0);
	CHK(close(fd) == 0);
	CHK(rename(a, b) == 0);
	CHK((dfd = open(sub, O_RDONLY | O_DIRECTORY)) != -1);
	CHK(fsync(dfd) == 0);
	close(dfd);
	CHK(link(b, a) == 0 && unlink(a) == 0);
	CHK((d = opendir(sub)) != NULL);
	while ((de = readdir(d)) != NULL)
		n++;
	closedir(d);
	CHK(n == 3);
	CHK((fd = open(b, O_RDWR | O_APPEND)) != -1);
	CHK(write(fd, "x", 1) == 1);
	close(fd);
	CHK(unlink(b) == 0);
	CHK(rmdir(sub) == 0);
}

/* NSS files and, for unknown names, libnss_systemd (dlopen, varlink). */
static void
ops_getpw(void)
{
	CHK(getpwnam("root") != NULL);
	CHK(getpwuid(0) != NULL);
	CHK(getgrnam("root") != NULL);
	errno = 0;
	CHK(getpwnam("no-such-user-cartero") == NULL);
}

static void
ops_rpath(void)
{
	struct stat	 st;
	FILE		*fp;
	char		 line[256], cwd[PATH_MAX];

	CHK((fp = fopen("/etc/hosts", "r")) != NULL);
	while (fgets(line, sizeof(line), fp) != NULL)
		;
	fclose(fp);
	CHK(stat("/etc/passwd", &st) == 0);
	CHK(access("/etc/passwd", R_OK) == 0);
	CHK(getcwd(cwd, sizeof(cwd)) != NULL);
}

static void
do_allowed(struct env *e, enum smtpd_sandbox p)
{
	child_prepare(e, p);
	smtpd_sandbox(p);
	ops_stdio(e);
	switch (p) {
	case SANDBOX_CONTROL:
		ops_unix(e);
		break;
	case SANDBOX_LKA:
		ops_rpath();
		ops_getpw();
		ops_client(e);
		break;
	case SANDBOX_QUEUE:
		ops_rpath();
		ops_files(e);
		break;
	case SANDBOX_SMTP:
		ops_inet(e);
		ops_unix(e);
		ops_mta(e);
		break;
	case SANDBOX_AGENT:
		ops_rpath();
		ops_files(e);
		ops_getpw();
		ops_client(e);
		break;
	case SANDBOX_PICKUP:
		ops_pickup(e);
		break;
	default:
		child_fail(__LINE__, "profile");
	}
	_exit(0);
}

static void
do_violate(struct env *e, enum smtpd_sandbox p)
{
	child_prepare(e, p);
	smtpd_sandbox(p);
	sandbox_violate();
	_exit(0);
}

static void
do_write_ro(struct env *e, enum smtpd_sandbox p)
{
	char	 path[PATH_MAX];

	child_prepare(e, p);
	smtpd_sandbox(p);
	path_join(path, e->dir, "new");
	(void)open(path, O_WRONLY | O_CREAT, 0600);
	_exit(0);
}

static void
do_open(struct env *e, enum smtpd_sandbox p)
{
	child_prepare(e, p);
	smtpd_sandbox(p);
	(void)open("/etc/hostname", O_RDONLY);
	_exit(0);
}

static void
do_fork(struct env *e, enum smtpd_sandbox p)
{
	pid_t	 pid;

	child_prepare(e, p);
	smtpd_sandbox(p);
	if ((pid = fork()) == 0)
		_exit(0);
	_exit(pid == -1 ? 2 : 0);
}

static void
do_mda(struct env *e, enum smtpd_sandbox p)
{
	pid_t	 pid;
	int	 status;

	child_prepare(e, p);
	smtpd_sandbox(p);
	e->rpath = 1;
	check_status(e, "NoNewPrivs:\t1");
	check_status(e, "Seccomp:\t0");
	CHK((pid = fork()) != -1);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(127);
	}
	CHK(waitpid(pid, &status, 0) == pid);
	CHK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	sandbox_violate();		/* no filter: returns */
	_exit(0);
}

#define PROFILE_TCS(name, prof, sockets)				\
ATF_TC_WITHOUT_HEAD(name ## _allowed);					\
ATF_TC_BODY(name ## _allowed, tc)					\
{									\
	expect_exit(run(do_allowed, prof, sockets, NULL), 0);		\
}									\
ATF_TC_WITHOUT_HEAD(name ## _violate);					\
ATF_TC_BODY(name ## _violate, tc)					\
{									\
	expect_sigsys(run(do_violate, prof, 0, NULL));			\
}									\
ATF_TC_WITHOUT_HEAD(name ## _fork);					\
ATF_TC_BODY(name ## _fork, tc)						\
{									\
	expect_sigsys(run(do_fork, prof, 0, NULL));			\
}

PROFILE_TCS(control, SANDBOX_CONTROL, 1)
PROFILE_TCS(lka, SANDBOX_LKA, 1)
PROFILE_TCS(queue, SANDBOX_QUEUE, 0)
PROFILE_TCS(smtp, SANDBOX_SMTP, 1)
PROFILE_TCS(agent, SANDBOX_AGENT, 1)
PROFILE_TCS(pickup, SANDBOX_PICKUP, 1)

/* rpath without wpath: opening for writing is fatal. */
ATF_TC_WITHOUT_HEAD(lka_write);
ATF_TC_BODY(lka_write, tc)
{
	expect_sigsys(run(do_write_ro, SANDBOX_LKA, 0, NULL));
}

/* No rpath at all: any open is fatal. */
ATF_TC_WITHOUT_HEAD(smtp_open);
ATF_TC_BODY(smtp_open, tc)
{
	expect_sigsys(run(do_open, SANDBOX_SMTP, 0, NULL));
	expect_sigsys(run(do_open, SANDBOX_CONTROL, 0, NULL));
	expect_sigsys(run(do_open, SANDBOX_PICKUP, 0, NULL));
}

ATF_TC_WITHOUT_HEAD(agent_mda);
ATF_TC_BODY(agent_mda, tc)
{
	expect_exit(run(do_mda, SANDBOX_AGENT_MDA, 0, NULL), 0);
}

/* -vv: the syscall is named on stderr, and the process still dies. */
ATF_TC_WITHOUT_HEAD(debug_trap);
ATF_TC_BODY(debug_trap, tc)
{
	char	 buf[512];
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd, status;

	sandbox_debug = 1;
	status = run(do_violate, SANDBOX_QUEUE, 0, &fd);
	sandbox_debug = 0;
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	expect_sigsys(status);
	ATF_REQUIRE_MSG(strstr(buf, "sandbox: queue killed by forbidden "
	    "syscall ptrace (nr ") != NULL, "stderr: %s", buf);
}

static void
do_privsep(struct env *e, enum smtpd_sandbox p)
{
	struct passwd	*pw;
	char		 cwd[PATH_MAX];
	uid_t		 uid;

	(void)p;
	CHK((pw = getpwnam("nobody")) != NULL);
	uid = pw->pw_uid;
	privsep_drop("nobody", e->dir);
	CHK(getuid() == uid && geteuid() == uid);
	CHK(setuid(0) == -1);
	CHK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0);
	CHK(access("/etc/passwd", F_OK) == -1);	/* empty chroot */
	_exit(0);
}

static void
do_privsep_ids(struct env *e, enum smtpd_sandbox p)
{
	gid_t	 groups[2] = { 65534, 100 }, got[8];

	(void)e;
	(void)p;
	privsep_drop_ids(65534, 65534, groups, 2, NULL);
	CHK(getuid() == 65534 && getegid() == 65534);
	CHK(getgroups(8, got) == 2);		/* the kernel sorts them */
	CHK((got[0] == 100 && got[1] == 65534) ||
	    (got[0] == 65534 && got[1] == 100));
	CHK(setuid(0) == -1 && setgid(0) == -1);
	_exit(0);
}

static void
do_privsep_root(struct env *e, enum smtpd_sandbox p)
{
	(void)e;
	(void)p;
	privsep_drop_ids(0, 0, NULL, 0, NULL);
	_exit(0);
}

static void
do_privsep_unknown(struct env *e, enum smtpd_sandbox p)
{
	(void)e;
	(void)p;
	privsep_drop("no-such-user-cartero", NULL);
	_exit(0);
}

ATF_TC_WITHOUT_HEAD(privsep_drop_chroot);
ATF_TC_BODY(privsep_drop_chroot, tc)
{
	if (geteuid() != 0)
		atf_tc_skip("privsep_drop needs root");
	expect_exit(run(do_privsep, 0, 0, NULL), 0);
}

ATF_TC_WITHOUT_HEAD(privsep_drop_ids_groups);
ATF_TC_BODY(privsep_drop_ids_groups, tc)
{
	if (geteuid() != 0)
		atf_tc_skip("privsep_drop_ids needs root");
	expect_exit(run(do_privsep_ids, 0, 0, NULL), 0);
	expect_exit(run(do_privsep_root, 0, 0, NULL), 1);
	expect_exit(run(do_privsep_unknown, 0, 0, NULL), 1);
}

static void
do_landlock(struct env *e, enum smtpd_sandbox p)
{
	char		 x[PATH_MAX], y[PATH_MAX], path[PATH_MAX];
	char		 path2[PATH_MAX], buf[8];
	const char	*ro[3], *rw[2];
	int		 fd;

	path_join(x, e->dir, "x");
	path_join(y, e->dir, "y");
	ro[0] = x;
	ro[1] = "/nonexistent/cartero";		/* skipped */
	ro[2] = NULL;
	rw[0] = y;
	rw[1] = NULL;
	sandbox_landlock(ro, rw);
	if (p != SANDBOX_AGENT_MDA)
		smtpd_sandbox(p);

	path_join(path, x, "file");
	CHK((fd = open(path, O_RDONLY)) != -1);
	CHK(read(fd, buf, sizeof(buf)) == 2);
	close(fd);
	CHK(open(path, O_WRONLY) == -1 && errno == EACCES);
	path_join(path, x, "new");
	CHK(open(path, O_WRONLY | O_CREAT, 0600) == -1 && errno == EACCES);

	path_join(path, y, "new");
	CHK((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	CHK(write(fd, "hi", 2) == 2 && ftruncate(fd, 1) == 0);
	close(fd);
	path_join(path2, y, "sub");
	CHK(mkdir(path2, 0700) == 0);
	path_join(path2, y, "sub/moved");
	CHK(rename(path, path2) == 0);			/* refer */
	CHK(unlink(path2) == 0);
	path_join(path2, y, "sub");
	CHK(rmdir(path2) == 0);

	CHK(open("/etc/hostname", O_RDONLY) == -1 && errno == EACCES);
	_exit(0);
}

static void
landlock_setup(void)
{
	if (sandbox_landlock_abi() <= 0)
		atf_tc_skip("landlock not available");
}

ATF_TC_WITHOUT_HEAD(landlock_paths);
ATF_TC_BODY(landlock_paths, tc)
{
	struct env	 e;
	char		 path[PATH_MAX];
	FILE		*fp;
	pid_t		 pid;
	int		 status;

	landlock_setup();
	env_init(&e, 0);
	path_join(path, e.dir, "x");
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	path_join(path, e.dir, "y");
	ATF_REQUIRE(mkdir(path, 0755) == 0);
	path_join(path, e.dir, "x/file");
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	fputs("ro", fp);
	fclose(fp);

	/* Landlock alone, then with the queue's seccomp filter on top. */
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		do_landlock(&e, SANDBOX_AGENT_MDA);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	expect_exit(status, 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		do_landlock(&e, SANDBOX_QUEUE);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	expect_exit(status, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, control_allowed);
	ATF_TP_ADD_TC(tp, control_violate);
	ATF_TP_ADD_TC(tp, control_fork);
	ATF_TP_ADD_TC(tp, lka_allowed);
	ATF_TP_ADD_TC(tp, lka_violate);
	ATF_TP_ADD_TC(tp, lka_fork);
	ATF_TP_ADD_TC(tp, lka_write);
	ATF_TP_ADD_TC(tp, queue_allowed);
	ATF_TP_ADD_TC(tp, queue_violate);
	ATF_TP_ADD_TC(tp, queue_fork);
	ATF_TP_ADD_TC(tp, smtp_allowed);
	ATF_TP_ADD_TC(tp, smtp_violate);
	ATF_TP_ADD_TC(tp, smtp_fork);
	ATF_TP_ADD_TC(tp, smtp_open);
	ATF_TP_ADD_TC(tp, agent_allowed);
	ATF_TP_ADD_TC(tp, agent_violate);
	ATF_TP_ADD_TC(tp, agent_fork);
	ATF_TP_ADD_TC(tp, agent_mda);
	ATF_TP_ADD_TC(tp, pickup_allowed);
	ATF_TP_ADD_TC(tp, pickup_violate);
	ATF_TP_ADD_TC(tp, pickup_fork);
	ATF_TP_ADD_TC(tp, debug_trap);
	ATF_TP_ADD_TC(tp, privsep_drop_chroot);
	ATF_TP_ADD_TC(tp, privsep_drop_ids_groups);
	ATF_TP_ADD_TC(tp, landlock_paths);
	return (atf_no_error());
}
