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
 * Offline spool pickup.  When smtpd is down or cannot take a message,
 * sendmail leaves it in <spool>/offline (mode 1733: anyone may drop,
 * nobody may list).  The parent scans that directory at start-up, on
 * reload and every OFFLINE_RESCAN seconds, and re-injects each file as
 * its owner, so that the sender is the user who wrote it, exactly as if
 * smtpd had taken it at once.
 *
 * SECURITY: everything in offline/ is a user's.  Names are escaped in
 * every log line.  The parent opens the file itself (no link, no FIFO,
 * one link, owner checked) and hands it as fd 0 to "smtpd -x pickup"
 * (smtpd/pickup.c), with fds 1 and 2 on a pipe whose lines the parent
 * logs escaped, and nothing else: no daemon stderr, no stray fd.  The
 * child drops to the owner before exec; the binary is mode 0711, so the
 * kernel makes it non-dumpable (the owner cannot ptrace it), and it runs
 * under seccomp.  The owner can still stop or slow it: at most one pickup
 * per owner runs at a time, up to OFFLINE_PARALLEL in all, each killed
 * after OFFLINE_TIMEOUT, so one user's stuck pickup holds back only that
 * user's other files.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "smtpd.h"
#include "parent.h"
#include "util.h"

#define OFFLINE_MAX		10000	/* files waiting at once */
#define OFFLINE_TIMEOUT		60	/* seconds for one pickup */
#define OFFLINE_RESCAN		60	/* seconds between scans */
#define OFFLINE_PARALLEL	8	/* pickups at once, one per owner */
#define OFFLINE_LOG_LINES	8	/* a pickup's stderr lines logged */
#define OFFLINE_NAME_ESC	(NAME_MAX * 4 + 1)

struct offline_file {
	TAILQ_ENTRY(offline_file) entry;
	char		 name[NAME_MAX + 1];
	char		 esc[OFFLINE_NAME_ESC];	/* for log lines */
	uid_t		 uid;
	dev_t		 dev;
	ino_t		 ino;
	pid_t		 pid;			/* -1: waiting */
	int		 out;			/* its stderr, or -1 */
	int		 nlines;
	int		 killed;		/* timed out */
	size_t		 len;
	char		 buf[512];
	struct event	 ev_out;
	struct event	 ev_timeout;
};

TAILQ_HEAD(offline_list, offline_file);

static struct offline_list	 offline_wait =
    TAILQ_HEAD_INITIALIZER(offline_wait);
static struct offline_list	 offline_run =
    TAILQ_HEAD_INITIALIZER(offline_run);
static size_t			 offline_nwait, offline_nrun;
static ino_t			*offline_refused;	/* until reload */
static size_t			 offline_nrefused;
static struct event		 offline_ev;

static void	offline_scan(int, short, void *);
static void	offline_add(const char *, const char *);
static int	offline_known(const char *, ino_t);
static void	offline_next(void);
static int	offline_spawn(struct offline_file *);
static void	offline_child(struct offline_file *, int, int)
		    __attribute__((__noreturn__));
static void	offline_output(int, short, void *);
static void	offline_line(struct offline_file *, const char *, size_t);
static void	offline_timeout(int, short, void *);
static void	offline_done(struct offline_file *, int);
static void	offline_free(struct offline_file *);

void
parent_offline_start(void)
{
	struct timeval	tv = { 1, 0 };

	evtimer_set(&offline_ev, offline_scan, NULL);
	evtimer_add(&offline_ev, &tv);
}

/* Reload: files refused before are tried again, and at once. */
void
parent_offline_rescan(void)
{
	struct timeval	tv = { 0, 0 };

	free(offline_refused);
	offline_refused = NULL;
	offline_nrefused = 0;
	evtimer_add(&offline_ev, &tv);
}

static void
offline_scan(int fd, short ev, void *arg)
{
	struct timeval	 tv = { OFFLINE_RESCAN, 0 };
	struct dirent	*de;
	DIR		*dir;
	char		 path[PATH_MAX];
	size_t		 before = offline_nwait;

	evtimer_add(&offline_ev, &tv);
	if (snprintf(path, sizeof(path), "%s%s", env->spooldir,
	    PATH_OFFLINE) >= (int)sizeof(path))
		return;
	if ((dir = opendir(path)) == NULL) {
		log_warn("offline: opendir %s", path);
		return;
	}
	while ((de = readdir(dir)) != NULL && offline_nwait < OFFLINE_MAX)
		if (de->d_name[0] != '.')
			offline_add(path, de->d_name);
	closedir(dir);
	if (offline_nwait > before)
		log_info("offline: %zu message(s) to enqueue",
		    offline_nwait - before);
	offline_next();
}

/* A name found in offline/: wait for a pickup unless known already. */
static void
offline_add(const char *dir, const char *name)
{
	struct offline_file	*f;
	struct stat		 sb;
	char			 path[PATH_MAX], esc[OFFLINE_NAME_ESC];

	(void)log_escape(esc, sizeof(esc), name, strlen(name));
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || lstat(path, &sb) == -1) {
		log_warnx("offline: file=\"%s\" cannot be read, skipped",
		    esc);
		return;
	}
	if (offline_known(name, sb.st_ino))
		return;
	if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1) {
		log_warnx("offline: file=\"%s\" uid=%u not a regular file "
		    "with one link, skipped", esc, (unsigned int)sb.st_uid);
		return;
	}
	f = xcalloc(1, sizeof(*f));
	(void)strlcpy(f->name, name, sizeof(f->name));
	(void)strlcpy(f->esc, esc, sizeof(f->esc));
	f->uid = sb.st_uid;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->pid = -1;
	f->out = -1;
	TAILQ_INSERT_TAIL(&offline_wait, f, entry);
	offline_nwait++;
}

/* Waiting, running, or refused since the last reload. */
static int
offline_known(const char *name, ino_t ino)
{
	struct offline_file	*f;
	size_t			 i;

	TAILQ_FOREACH(f, &offline_wait, entry)
		if (strcmp(f->name, name) == 0)
			return (1);
	TAILQ_FOREACH(f, &offline_run, entry)
		if (strcmp(f->name, name) == 0)
			return (1);
	for (i = 0; i < offline_nrefused; i++)
		if (offline_refused[i] == ino)
			return (1);
	return (0);
}

/* Start what may start: one pickup per owner, OFFLINE_PARALLEL in all. */
static void
offline_next(void)
{
	struct offline_file	*f, *next, *r;
	int			 busy;

	for (f = TAILQ_FIRST(&offline_wait); f != NULL &&
	    offline_nrun < OFFLINE_PARALLEL; f = next) {
		next = TAILQ_NEXT(f, entry);
		busy = 0;
		TAILQ_FOREACH(r, &offline_run, entry)
			if (r->uid == f->uid)
				busy = 1;
		if (busy)
			continue;
		TAILQ_REMOVE(&offline_wait, f, entry);
		offline_nwait--;
		if (offline_spawn(f) == -1) {
			offline_free(f);
			continue;
		}
		TAILQ_INSERT_TAIL(&offline_run, f, entry);
		offline_nrun++;
	}
}

/* Open and check the file, fork the pickup: 0, or -1 (logged). */
static int
offline_spawn(struct offline_file *f)
{
	struct timeval	 tv = { OFFLINE_TIMEOUT, 0 };
	struct stat	 sb;
	char		 path[PATH_MAX];
	int		 fd, p[2];

	if (snprintf(path, sizeof(path), "%s%s/%s", env->spooldir,
	    PATH_OFFLINE, f->name) >= (int)sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1)
		return (-1);		/* gone meanwhile */
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_nlink != 1 || sb.st_uid != f->uid || sb.st_ino != f->ino ||
	    sb.st_dev != f->dev) {
		log_warnx("offline: file=\"%s\" changed, skipped", f->esc);
		close(fd);
		return (-1);
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("offline: pipe");
		close(fd);
		return (-1);
	}
	switch ((f->pid = fork())) {
	case -1:
		log_warn("offline: fork");
		close(fd);
		close(p[0]);
		close(p[1]);
		return (-1);
	case 0:
		offline_child(f, fd, p[1]);
	}
	close(fd);
	close(p[1]);
	f->out = p[0];
	(void)fd_set_nonblock(f->out);
	event_set(&f->ev_out, f->out, EV_READ | EV_PERSIST, offline_output,
	    f);
	event_add(&f->ev_out, NULL);
	evtimer_set(&f->ev_timeout, offline_timeout, f);
	evtimer_add(&f->ev_timeout, &tv);
	log_debug("offline: file=\"%s\" uid=%u pickup pid %ld", f->esc,
	    (unsigned int)f->uid, (long)f->pid);
	return (0);
}

/*
 * In the child: fd 0 the file, fds 1 and 2 the pipe, nothing else; the
 * owner's ids; then "smtpd -x pickup [-d] [-v] SOCKET".
 */
static void
offline_child(struct offline_file *f, int fd, int out)
{
	static char	*const envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct passwd	*pw;
	char		*argv[8], sock[PATH_MAX];
	gid_t		 gid;
	int		 argc = 0;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	(void)setsid();
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(EX_OSERR);
	closefrom(STDERR_FILENO + 1);
	if (snprintf(sock, sizeof(sock), "%s/%s", env->rundir,
	    SMTPD_ENQUEUE_SOCK) >= (int)sizeof(sock))
		_exit(EX_SOFTWARE);
	gid = (pw = getpwuid(f->uid)) != NULL ? pw->pw_gid : (gid_t)-1;
	if (f->uid == 0) {
		/* root's own mail (cron): root, without groups */
		if (setgroups(0, NULL) == -1)
			_exit(EX_OSERR);
	} else if (pw == NULL)
		_exit(EX_NOUSER);
	else
		privsep_drop_ids(f->uid, gid, NULL, 0, NULL);
	argv[argc++] = "smtpd";
	argv[argc++] = "-x";
	argv[argc++] = "pickup";
	if (parent_opts->debug)
		argv[argc++] = "-d";
	argv[argc++] = sock;
	argv[argc] = NULL;
	execve(parent_self_exe(), argv, envp);
	_exit(EX_OSERR);
}

/* The pickup's stderr: a few lines, escaped, then nothing more. */
static void
offline_output(int fd, short ev, void *arg)
{
	struct offline_file	*f = arg;
	ssize_t			 n;
	char			*nl;

	n = read(fd, f->buf + f->len, sizeof(f->buf) - f->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (f->len)
			offline_line(f, f->buf, f->len);
		event_del(&f->ev_out);
		close(f->out);
		f->out = -1;
		f->len = 0;
		return;
	}
	f->len += (size_t)n;
	while ((nl = memchr(f->buf, '\n', f->len)) != NULL) {
		offline_line(f, f->buf, (size_t)(nl - f->buf));
		f->len -= (size_t)(nl - f->buf) + 1;
		memmove(f->buf, nl + 1, f->len);
	}
	if (f->len == sizeof(f->buf)) {		/* overlong: cut */
		offline_line(f, f->buf, f->len);
		f->len = 0;
	}
}

static void
offline_line(struct offline_file *f, const char *line, size_t len)
{
	char	 esc[sizeof(f->buf) * 4 + 1];

	if (f->nlines++ >= OFFLINE_LOG_LINES)
		return;
	(void)log_escape(esc, sizeof(esc), line, len);
	log_warnx("offline: file=\"%s\" uid=%u pickup: %s", f->esc,
	    (unsigned int)f->uid, esc);
}

static void
offline_timeout(int fd, short ev, void *arg)
{
	struct offline_file	*f = arg;

	log_warnx("offline: file=\"%s\" uid=%u not enqueued in %d seconds, "
	    "killed, left in place", f->esc, (unsigned int)f->uid,
	    OFFLINE_TIMEOUT);
	f->killed = 1;
	(void)kill(f->pid, SIGKILL);
}

/* Stopping: a pickup in flight is killed, its file stays for next time. */
void
parent_offline_shutdown(void)
{
	struct offline_file	*f;

	TAILQ_FOREACH(f, &offline_run, entry)
		(void)kill(f->pid, SIGKILL);
}

int
parent_offline_reap(pid_t pid, int status)
{
	struct offline_file	*f;
	int			 i;

	TAILQ_FOREACH(f, &offline_run, entry)
		if (f->pid == pid)
			break;
	if (f == NULL)
		return (0);
	TAILQ_REMOVE(&offline_run, f, entry);
	offline_nrun--;
	for (i = 0; f->out != -1 && i < 64; i++)	/* what is left */
		offline_output(f->out, EV_READ, f);
	offline_done(f, status);
	offline_next();		/* f is off the lists already */
	offline_free(f);
	return (1);
}

/* Enqueued: remove the file (if it is still the one we gave). */
static void
offline_done(struct offline_file *f, int status)
{
	struct stat	 sb;
	char		 path[PATH_MAX];

	if (f->killed)
		return;		/* logged; tried at the next scan */
	if (WIFEXITED(status) && WEXITSTATUS(status) == EX_TEMPFAIL) {
		log_info("offline: file=\"%s\" uid=%u not enqueued now, "
		    "retried later", f->esc, (unsigned int)f->uid);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("offline: file=\"%s\" uid=%u not enqueued "
		    "(%s %d), left in place until a reload", f->esc,
		    (unsigned int)f->uid, WIFEXITED(status) ? "exit" :
		    "signal", WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
		if (offline_nrefused < OFFLINE_MAX) {
			offline_refused = xreallocarray(offline_refused,
			    offline_nrefused + 1, sizeof(ino_t));
			offline_refused[offline_nrefused++] = f->ino;
		}
		return;
	}
	if (snprintf(path, sizeof(path), "%s%s/%s", env->spooldir,
	    PATH_OFFLINE, f->name) < (int)sizeof(path) &&
	    lstat(path, &sb) == 0 && sb.st_ino == f->ino &&
	    sb.st_dev == f->dev && unlink(path) == -1)
		log_warn("offline: unlink file=\"%s\"", f->esc);
	log_info("offline: file=\"%s\" uid=%u enqueued", f->esc,
	    (unsigned int)f->uid);
}

static void
offline_free(struct offline_file *f)
{
	if (f->out != -1) {
		event_del(&f->ev_out);
		close(f->out);
	}
	if (f->pid != -1)
		evtimer_del(&f->ev_timeout);
	free(f);
}
