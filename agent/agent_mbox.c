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
 * agent_mbox.c -- delivery to an mbox (/var/mail/USER or a file).
 *
 * SECURITY: runs as the recipient (with supplementary group mail, so that
 * the dotlock can be made in /var/mail, like mail.local).  The mailbox is
 * opened with O_NOFOLLOW and must be a regular file with one link owned by
 * us: a symlink or hard link planted in /var/mail cannot redirect the
 * append.  The lock is a dotlock (<path>.lock, for mutt, bsd-mailx and
 * procmail) plus an fcntl write lock.  A failed append is truncated back
 * to the original size, so a reader never sees half a message.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "util.h"
#include "agent.h"
#include "mda_expand.h"

int			 agent_lock_wait = AGENT_LOCK_WAIT;

static int		 mail_gid_known;
static gid_t		 mail_gid;

static void	agent_mbox_sleep(uint64_t *);
static int	agent_mbox_dotlock(const char *);
static int	agent_mbox_open(const char *, int, struct agent_report *);
static int	agent_mbox_open_root(const char *, struct agent_report *);
static int	agent_mbox_fcntl(int);
static int	agent_mbox_write(int, const char *, const struct deliver *,
		    int, struct agent_report *);

/* Look up group mail while getgrnam() is still allowed. */
void
agent_mbox_init(void)
{
	struct group	*gr;

	if (mail_gid_known)
		return;
	mail_gid_known = 1;
	if ((gr = getgrnam("mail")) != NULL)
		mail_gid = gr->gr_gid;
	else
		mail_gid = (gid_t)-1;
}

int
agent_mbox_deliver(const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	char		 path[PATH_MAX];
	const char	*why;

	agent_report_init(rep);
	if (d->root_mbox) {
		if (strlcpy(path, d->mailbox, sizeof(path)) >= sizeof(path) ||
		    !agent_path_safe(path))
			return (agent_report_set(rep, ST_PERMFAIL,
			    "550 5.3.5 bad mailbox path for root"));
		return (agent_mbox_append(path, MBOX_ROOT, d, msgfd, rep));
	}
	if (d->mailbox[0] != '\0') {		/* given by the caller */
		if (strlcpy(path, d->mailbox, sizeof(path)) >= sizeof(path) ||
		    !agent_path_safe(path))
			return (agent_report_set(rep, ST_PERMFAIL,
			    "550 5.3.5 bad mailbox path"));
	} else if (mda_mailbox_path(path, sizeof(path), A_MBOX, d->arg, d,
	    &why) == -1)
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.5 mailbox path %s", why));
	return (agent_mbox_append(path, MBOX_SPOOL, d, msgfd, rep));
}

/*
 * Append one message in mbox format to path.  spool: MBOX_SPOOL, a
 * system mailbox (dotlock, owned by us, created USER:mail 0660);
 * MBOX_ROOT, root's (dotlock, made root:mail by the parent, never
 * created here); 0, a file named by an alias (fcntl lock only, created
 * 0600).
 */
int
agent_mbox_append(const char *path, int spool, const struct deliver *d,
    int msgfd, struct agent_report *rep)
{
	char	 lockpath[PATH_MAX];
	int	 fd = -1, locked = 0;

	agent_report_init(rep);
	(void)strlcpy(rep->path, path, sizeof(rep->path));
	if (spool) {
		if (snprintf(lockpath, sizeof(lockpath), "%s.lock", path) >=
		    (int)sizeof(lockpath))
			return (agent_report_set(rep, ST_PERMFAIL,
			    "550 5.3.5 mailbox path too long"));
		if (agent_mbox_dotlock(lockpath) == -1) {
			log_warn("%016llx agent mbox %s: dotlock",
			    (unsigned long long)d->evp.id, lockpath);
			return (agent_report_set(rep, ST_TEMPFAIL,
			    "451 4.2.0 cannot lock mailbox"));
		}
		locked = 1;
	}
	if ((fd = agent_mbox_open(path, spool, rep)) != -1) {
		if (agent_mbox_fcntl(fd) == -1) {
			log_warn("%016llx agent mbox %s: fcntl lock",
			    (unsigned long long)d->evp.id, path);
			agent_report_set(rep, ST_TEMPFAIL,
			    "451 4.2.0 cannot lock mailbox");
		} else
			(void)agent_mbox_write(fd, path, d, msgfd, rep);
		close(fd);		/* releases the fcntl lock */
	}
	if (locked && unlink(lockpath) == -1)
		log_warn("agent mbox: unlink %s", lockpath);
	return (rep->status);
}

static int
agent_mbox_write(int fd, const char *path, const struct deliver *d,
    int msgfd, struct agent_report *rep)
{
	char		 prefix[2 * MAILADDR_MAX + 256];
	struct stat	 sb;
	off_t		 n;
	size_t		 fl;
	int		 saved_errno;

	if (fstat(fd, &sb) == -1)
		return (agent_report_errno(rep, errno, "mbox fstat"));
	if (agent_mbox_fromline(prefix, sizeof(prefix), d, time(NULL)) == -1)
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.0 sender too long"));
	fl = strlen(prefix);
	if (agent_headers(prefix + fl, sizeof(prefix) - fl, d) == -1)
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.0 address too long"));
	if (agent_copy(msgfd, fd, AX_FROMQUOTE, prefix, &n) == -1 ||
	    write_full(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		saved_errno = errno;
		log_warn("%016llx agent mbox %s: append",
		    (unsigned long long)d->evp.id, path);
		if (ftruncate(fd, sb.st_size) == -1 || fsync(fd) == -1)
			log_warn("%016llx agent mbox %s: truncate to %lld",
			    (unsigned long long)d->evp.id, path,
			    (long long)sb.st_size);
		return (agent_report_errno(rep, saved_errno, "mbox"));
	}
	rep->size = n + 1;
	return (agent_report_set(rep, ST_OK, "250 2.0.0 delivered"));
}

/* "From sender Thu Jan  1 00:00:00 1970\n" (asctime style, local time). */
int
agent_mbox_fromline(char *buf, size_t len, const struct deliver *d,
    time_t t)
{
	char		 sender[MAILADDR_MAX], date[64];
	struct tm	*tm;
	char		*p;
	int		 n;

	agent_addr_text(&d->evp.sender, sender, sizeof(sender));
	if (sender[0] == '\0')
		(void)strlcpy(sender, "MAILER-DAEMON", sizeof(sender));
	for (p = sender; *p != '\0'; p++)
		if (*p == ' ' || *p == '\t')
			*p = '_';
	if ((tm = localtime(&t)) == NULL ||
	    strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", tm) == 0)
		(void)strlcpy(date, "Thu Jan  1 00:00:00 1970", sizeof(date));
	n = snprintf(buf, len, "From %s %s\n", sender, date);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (0);
}

static void
agent_mbox_sleep(uint64_t *delay_ms)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)(*delay_ms / 1000);
	ts.tv_nsec = (long)(*delay_ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
	if ((*delay_ms *= 2) > 1000)
		*delay_ms = 1000;
}

/* Create path exclusively; wait up to agent_lock_wait; break stale ones. */
static int
agent_mbox_dotlock(const char *lockpath)
{
	struct stat	 sb;
	char		 pid[32];
	uint64_t	 deadline, delay = 10;
	int		 fd;

	deadline = monotonic_ms() + (uint64_t)agent_lock_wait * 1000;
	for (;;) {
		fd = open(lockpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1) {
			(void)snprintf(pid, sizeof(pid), "%ld\n",
			    (long)getpid());
			(void)write_full(fd, pid, strlen(pid));
			close(fd);
			return (0);
		}
		if (errno != EEXIST)
			return (-1);
		if (lstat(lockpath, &sb) == 0 &&
		    time(NULL) - sb.st_mtime > AGENT_LOCK_STALE) {
			log_warnx("agent mbox: removing stale lock %s",
			    lockpath);
			if (unlink(lockpath) == 0 || errno == ENOENT)
				continue;
		}
		if (monotonic_ms() >= deadline) {
			errno = EWOULDBLOCK;
			return (-1);
		}
		agent_mbox_sleep(&delay);
	}
}

static int
agent_mbox_fcntl(int fd)
{
	struct flock	 fl;
	uint64_t	 deadline, delay = 10;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	deadline = monotonic_ms() + (uint64_t)agent_lock_wait * 1000;
	while (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return (-1);
		if (monotonic_ms() >= deadline)
			return (-1);
		agent_mbox_sleep(&delay);
	}
	return (0);
}

/*
 * Open for append, creating if missing.  Refuses anything but a regular
 * file with a single link (and, for a spool mailbox, owned by us).
 */
static int
agent_mbox_open(const char *path, int spool, struct agent_report *rep)
{
	struct stat	 sb;
	int		 fd, created = 1;

	if (spool == MBOX_ROOT)
		return (agent_mbox_open_root(path, rep));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST) {
		created = 0;
		fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
	}
	if (fd == -1) {
		log_warn("agent mbox: open %s", path);
		agent_report_errno(rep, errno, "cannot open mailbox");
		return (-1);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_nlink != 1 || (spool && sb.st_uid != geteuid())) {
		log_warnx("agent mbox: %s: not a regular file with one link%s",
		    path, spool ? " owned by the user" : "");
		agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.3.0 mailbox is unsafe, delivery refused");
		close(fd);
		return (-1);
	}
	if (created && spool) {
		agent_mbox_init();
		if (mail_gid != (gid_t)-1 && fchown(fd, (uid_t)-1,
		    mail_gid) == 0)
			(void)fchmod(fd, 0660);
	}
	return (fd);
}

/*
 * Root's mailbox: the parent made it (root:mail, 0660); we run as nobody
 * with group mail and only append to it, never create it.
 */
static int
agent_mbox_open_root(const char *path, struct agent_report *rep)
{
	struct stat	 sb;
	int		 fd;

	agent_mbox_init();
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd == -1) {
		log_warn("agent mbox: open %s", path);
		agent_report_errno(rep, errno, "cannot open mailbox");
		return (-1);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_nlink != 1 || sb.st_uid != 0 || sb.st_gid != mail_gid) {
		log_warnx("agent mbox: %s: not a regular file with one link "
		    "owned by root:mail", path);
		agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.3.0 mailbox is unsafe, delivery refused");
		close(fd);
		return (-1);
	}
	return (fd);
}
