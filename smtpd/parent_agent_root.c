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
 * parent_agent_root.c -- deliveries for root (uid 0) with no alias.
 *
 * SECURITY: nothing is ever delivered as root.  Root's mail goes to an
 * mbox (the mbox action's path when it does not depend on root's home,
 * otherwise SMTPD_MAILDIR/root: see mda_root_mbox()), whatever the
 * action's method: a Maildir in /root or a command would need root.  The
 * parent (root) only makes sure the mailbox exists as a regular file
 * with one link, owned by root, group mail, mode 0660 (Debian's mailbox
 * modes); the append is done by an ordinary mbox agent (SANDBOX_AGENT,
 * non-dumpable, no_new_privs) running as SMTPD_USER_NOBODY with group
 * mail, which can write that file and make the dotlock in the spool but
 * owns nothing.  LMTP only talks to a socket: its agent runs as nobody.
 * Commands and files as root are refused (lka already runs those from
 * root's .forward as nobody).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "parent.h"
#include "mda_expand.h"

static int	root_mbox_prepare(const char *, gid_t);

/*
 * d is filled for uid 0.  On ST_OK, d is rewritten for its agent, *apw
 * names the agent's uid and gid and *kind its kind; otherwise err says
 * why.
 */
int
parent_agent_root(struct deliver *d, struct passwd *apw, const char **kind,
    char *err, size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;

	if (d->evp.dtype != DT_MAILBOX) {
		(void)snprintf(err, errlen, "550 5.7.1 delivery to a command "
		    "or a file as root refused");
		return (ST_PERMFAIL);
	}
	if ((pw = getpwnam(SMTPD_USER_NOBODY)) == NULL || pw->pw_uid == 0 ||
	    (gr = getgrnam("mail")) == NULL) {
		(void)snprintf(err, errlen, "451 4.3.0 no user %s or no group "
		    "mail to deliver root's mail", SMTPD_USER_NOBODY);
		return (ST_TEMPFAIL);
	}
	memset(apw, 0, sizeof(*apw));
	apw->pw_name = d->username;
	apw->pw_uid = pw->pw_uid;
	apw->pw_gid = pw->pw_gid;
	d->uid = pw->pw_uid;
	d->gid = pw->pw_gid;
	if (d->method == A_LMTP) {
		*kind = "lmtp";
		return (ST_OK);
	}
	if (mda_root_mbox(d->mailbox, sizeof(d->mailbox), d->method, d->arg,
	    d) == -1) {
		(void)snprintf(err, errlen, "550 5.3.5 root's mailbox path is "
		    "too long");
		return (ST_PERMFAIL);
	}
	if (root_mbox_prepare(d->mailbox, gr->gr_gid) == -1) {
		(void)snprintf(err, errlen, "451 4.3.0 root's mailbox cannot "
		    "be made ready (see the log)");
		return (ST_TEMPFAIL);
	}
	apw->pw_gid = d->gid = gr->gr_gid;
	d->method = A_MBOX;
	d->root_mbox = 1;
	*kind = "mbox";
	return (ST_OK);
}

/* Create path if missing; it must end up root:mail 0660, one link. */
static int
root_mbox_prepare(const char *path, gid_t mailgid)
{
	struct stat	 sb;
	int		 fd, ret = -1;

	fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		log_warn("root's mailbox: open %s", path);
		return (-1);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_nlink != 1 || sb.st_uid != 0)
		log_warnx("root's mailbox %s: not a regular file with one "
		    "link owned by root, not delivering", path);
	else if (sb.st_gid != mailgid && fchown(fd, 0, mailgid) == -1)
		log_warn("root's mailbox: fchown %s", path);
	else if ((sb.st_mode & 07777) != 0660 && fchmod(fd, 0660) == -1)
		log_warn("root's mailbox: fchmod %s", path);
	else
		ret = 0;
	close(fd);
	return (ret);
}
