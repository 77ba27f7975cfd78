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
 * agent_maildir.c -- delivery into a Maildir (tmp/ -> fsync -> new/).
 *
 * SECURITY: runs as the recipient; the path is the action's template
 * (default "~/Maildir", relative ones under the home directory) expanded
 * with client values neutralised by mda_mailbox_path(), which also
 * refuses "." and ".." components.  Files are created
 * O_EXCL|O_NOFOLLOW, mode 0600; missing directories 0700.
 *
 * Durability: the file is fsynced in tmp/ and renamed into new/; the
 * result is only reported once new/ itself has been fsynced.  agent.c
 * stages a burst of deliveries and syncs each new/ directory once.
 * The directories are checked (and made) once per root, not per
 * delivery; if they went away, the failing open makes them again.
 *
 * Quarantine (EF_QUARANTINE: the sender's DMARC policy said so, see
 * smtp/smtp_mailauth.c): the message goes into the Maildir++ folder
 * ".Junk" of the maildir (imapd's "Junk", \Junk), made when missing
 * with the maildir's own mode and a "maildirfolder" file, as Maildir++
 * folders are.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "util.h"
#include "agent.h"
#include "mda_expand.h"

static unsigned int	 maildir_counter;
static long		 maildir_pid;
static char		 maildir_root_ok[PATH_MAX];	/* mkdirs done */

static const char	*agent_maildir_hostname(void);
static int		 agent_maildir_mkdirs(const char *);
static int		 agent_maildir_mkdirs_mode(const char *, mode_t);
static int		 agent_maildir_junk(char *, size_t);
static int		 agent_maildir_write(const char *,
			    const struct deliver *, int, off_t *);

/* Stage and sync one delivery. */
int
agent_maildir_deliver(const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	char	 newdir[PATH_MAX];

	if (agent_maildir_stage(d, msgfd, rep, newdir, sizeof(newdir)) !=
	    ST_OK)
		return (rep->status);
	if (agent_maildir_sync(newdir) == -1) {
		agent_report_errno(rep, errno, "maildir fsync");
		(void)unlink(rep->path);
	}
	return (rep->status);
}

/*
 * Write the message into tmp/, fsync it and rename it into new/.  On
 * ST_OK, rep->path is the file in new/ and newdir the directory that
 * still needs agent_maildir_sync() before the delivery is reported.
 */
int
agent_maildir_stage(const struct deliver *d, int msgfd,
    struct agent_report *rep, char *newdir, size_t newdirlen)
{
	char		 root[PATH_MAX], tmp[PATH_MAX], name[NAME_MAX];
	struct stat	 sb;
	const char	*why;
	int		 r;

	agent_report_init(rep);
	if (mda_mailbox_path(root, sizeof(root), A_MAILDIR, d->arg, d,
	    &why) == -1)
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.5 maildir path %s", why));
	if ((d->evp.flags & EF_QUARANTINE) &&
	    agent_maildir_junk(root, sizeof(root)) == -1) {
		log_warn("%016llx agent maildir %s: junk folder",
		    (unsigned long long)d->evp.id, root);
		return (agent_report_errno(rep, errno, "maildir junk folder"));
	}
	if (strcmp(root, maildir_root_ok) != 0 &&
	    agent_maildir_mkdirs(root) == -1) {
		log_warn("%016llx agent maildir %s: mkdir",
		    (unsigned long long)d->evp.id, root);
		return (agent_report_errno(rep, errno, "maildir"));
	}
	(void)strlcpy(maildir_root_ok, root, sizeof(maildir_root_ok));
	if (maildir_pid == 0)
		maildir_pid = (long)getpid();
	/*
	 * The name is derived from the envelope, not from the clock: if the
	 * queue dies after we delivered but before it recorded the result,
	 * the retry finds the file already in new/ and does not deliver a
	 * second copy.  tmp/ names carry our pid and a counter.
	 */
	if (snprintf(name, sizeof(name), "%lld.E%016llx.%s",
	    (long long)d->evp.ctime, (unsigned long long)d->evp.id,
	    agent_maildir_hostname()) >= (int)sizeof(name) ||
	    snprintf(tmp, sizeof(tmp), "%s/tmp/%s.P%ldQ%u", root, name,
	    maildir_pid, ++maildir_counter) >= (int)sizeof(tmp) ||
	    snprintf(rep->path, sizeof(rep->path), "%s/new/%s", root, name) >=
	    (int)sizeof(rep->path) ||
	    snprintf(newdir, newdirlen, "%s/new", root) >= (int)newdirlen)
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.5 maildir path too long"));
	if (lstat(rep->path, &sb) == 0) {
		log_info("%016llx agent maildir: %s already delivered",
		    (unsigned long long)d->evp.id, rep->path);
		rep->size = sb.st_size;
		return (agent_report_set(rep, ST_OK,
		    "250 2.0.0 already delivered"));
	}
	r = agent_maildir_write(tmp, d, msgfd, &rep->size);
	if (r == -1 && errno == ENOENT) {
		/* the directories went away since we last made them */
		maildir_root_ok[0] = '\0';
		if (agent_maildir_mkdirs(root) == 0)
			r = agent_maildir_write(tmp, d, msgfd, &rep->size);
	}
	if (r == -1) {
		log_warn("%016llx agent maildir %s",
		    (unsigned long long)d->evp.id, tmp);
		return (agent_report_errno(rep, errno, "maildir"));
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, rep->path,
	    RENAME_NOREPLACE) == -1 && (errno != EINVAL ||
	    rename(tmp, rep->path) == -1)) {
		if (errno == EEXIST) {
			(void)unlink(tmp);
			return (agent_report_set(rep, ST_OK,
			    "250 2.0.0 already delivered"));
		}
		log_warn("%016llx agent maildir: rename %s",
		    (unsigned long long)d->evp.id, tmp);
		agent_report_errno(rep, errno, "maildir rename");
		(void)unlink(tmp);
		maildir_root_ok[0] = '\0';
		return (rep->status);
	}
	return (agent_report_set(rep, ST_OK, "250 2.0.0 delivered"));
}

int
agent_maildir_sync(const char *newdir)
{
	return (fsync_dir(newdir));
}

/* Create, fill and fsync tmp/NAME; removed again on any failure. */
static int
agent_maildir_write(const char *tmp, const struct deliver *d, int msgfd,
    off_t *size)
{
	char	 hdr[2 * MAILADDR_MAX + 64];
	int	 fd, saved_errno;

	if (agent_headers(hdr, sizeof(hdr), d) == -1) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return (-1);
	if (agent_copy(msgfd, fd, 0, hdr, size) == -1 || fsync(fd) == -1) {
		saved_errno = errno;
		close(fd);
		(void)unlink(tmp);
		errno = saved_errno;
		return (-1);
	}
	if (close(fd) == -1) {
		saved_errno = errno;
		(void)unlink(tmp);
		errno = saved_errno;
		return (-1);
	}
	return (0);
}

/* root, root/tmp, root/new, root/cur; 0700 when created. */
static int
agent_maildir_mkdirs(const char *root)
{
	return (agent_maildir_mkdirs_mode(root, 0700));
}

/* root/tmp, root/new, root/cur (root too if missing) with mode. */
static int
agent_maildir_mkdirs_mode(const char *root, mode_t mode)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	char		 path[PATH_MAX];
	struct stat	 sb;
	size_t		 i;

	for (i = 0; i < nitems(sub); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", root, sub[i]) >=
		    (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			continue;
		if (mkdir_p(path, mode) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The Maildir++ folder ".Junk" of the maildir root: made (the maildir
 * first, as for any delivery), with the maildir's mode and its
 * "maildirfolder" file, when missing.  root becomes the folder's path.
 * 0, or -1 and errno.
 */
static int
agent_maildir_junk(char *root, size_t len)
{
	static const char *const sub[] = { "", "/tmp", "/new", "/cur" };
	char		 junk[PATH_MAX], path[PATH_MAX];
	struct stat	 sb;
	mode_t		 mode;
	size_t		 i;
	int		 fd, created = 0;

	if (snprintf(junk, sizeof(junk), "%s/.Junk", root) >=
	    (int)sizeof(junk) || snprintf(path, sizeof(path),
	    "%s/maildirfolder", junk) >= (int)sizeof(path) ||
	    strlen(junk) >= len) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (lstat(path, &sb) == 0) {
		(void)strlcpy(root, junk, len);
		return (0);
	}
	if (agent_maildir_mkdirs(root) == -1 || stat(root, &sb) == -1)
		return (-1);
	mode = sb.st_mode & 0777;
	if (mkdir(junk, mode) == 0)
		created = 1;
	else if (errno != EEXIST)
		return (-1);
	if (lstat(junk, &sb) == -1)
		return (-1);
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return (-1);
	}
	(void)strlcpy(maildir_root_ok, "", sizeof(maildir_root_ok));
	if (agent_maildir_mkdirs_mode(junk, mode) == -1)
		return (-1);
	/* made by us: the maildir's mode, whatever our umask */
	for (i = 0; created && i < nitems(sub); i++) {
		if (snprintf(path, sizeof(path), "%s%s", junk, sub[i]) >=
		    (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		if (chmod(path, mode) == -1)
			return (-1);
	}
	if (snprintf(path, sizeof(path), "%s/maildirfolder", junk) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    mode & 0666);
	if (fd == -1)
		return (-1);
	(void)close(fd);
	/*
	 * The new entries durable before the first delivery into them is
	 * reported (new/ itself is synced after each delivery): .Junk in
	 * the maildir, tmp/new/cur/maildirfolder in .Junk.
	 */
	if (created && (fsync_dir(root) == -1 || fsync_dir(junk) == -1))
		return (-1);
	(void)strlcpy(root, junk, len);
	return (0);
}

/* gethostname() with '/' and ':' escaped as the Maildir spec says. */
static const char *
agent_maildir_hostname(void)
{
	static char	 esc[HOST_MAX];
	char		 host[HOST_MAX];
	const char	*p;
	size_t		 o = 0;

	if (esc[0] != '\0')
		return (esc);
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	for (p = host; *p != '\0' && o + 5 < sizeof(esc); p++) {
		if (*p == '/' || *p == ':') {
			(void)snprintf(esc + o, sizeof(esc) - o, "\\%03o",
			    (unsigned char)*p);
			o += 4;
		} else
			esc[o++] = *p;
	}
	esc[o] = '\0';
	return (esc);
}
