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
 * sessproc.c -- the session process of one user: it runs as the owner
 * of that user's mailbox, can reach that Maildir only (Landlock), under
 * seccomp, and serves every authenticated connection of the user
 * (session.c) that the parent hands it, TLS already stripped by the login
 * process.
 *
 * SECURITY: the parent starts it as root with the user's name (imapd -x
 * session -u USER) once the credentials were checked; it finds the
 * mailbox and its owner from the configuration (auth.c), drops to the
 * owner's uid, gid and groups, creates the Maildir if needed, then
 * confines itself to it: Landlock read-write on the Maildir and nothing
 * else, seccomp without exec, sockets or accept.  It never exits when
 * its last connection closes: it tells the parent, which closes the
 * channel when no new connection is on its way (the process exits then).
 */

#include <sys/types.h>
#include <sys/prctl.h>

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "sandbox.h"
#include "session.h"
#include "util.h"
#include "imapd.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define SESS_GROUPS_MAX	64

static void	sess_configured(void);
static void	sess_ready(void);
static void	sess_empty(void);
static void	sess_imsg_conn(struct peer *, struct imsg *);
static void	sess_imsg_kick(struct peer *, struct imsg *);

static const struct imsg_handler sess_parent_handlers[] = {
	{ IMSG_SESSION_CONN,		sess_imsg_conn },
	{ IMSG_SESSION_KICK,		sess_imsg_kick },
};

static const struct proc_handlers sess_peers[] = {
	PROC_HANDLERS(PROC_PARENT, sess_parent_handlers),
};

static const struct proc_child sess_ops = {
	.id = PROC_SESSION,
	.configured = sess_configured,
	.ready = sess_ready,
	.peers = sess_peers,
	.npeers = nitems(sess_peers),
};

/* the store: read, write, create, flags in names, locks, inotify */
static const struct sandbox_profile sess_sandbox = { "session",
	SB_STDIO | SB_RPATH | SB_WPATH | SB_CPATH | SB_FATTR | SB_FLOCK |
	SB_WATCH };

static char			 sess_user[LOGIN_USER_MAX + 1];
static struct mailbox_owner	 sess_mbox;
static uint64_t			 sess_nconns;

void
sessproc_main(const char *user)
{
	if (strlcpy(sess_user, user, sizeof(sess_user)) >= sizeof(sess_user))
		fatalx("session: user name too long");
	imapd_child_run(&sess_ops);
}

static void
sess_configured(void)
{
	const char	*why, *rw[2];
	gid_t		 groups[SESS_GROUPS_MAX];
	int		 ngroups = SESS_GROUPS_MAX;

	if (auth_mailbox(env, sess_user, &sess_mbox, &why) == -1)
		fatalx("session %s: %s", sess_user, why);
	if (getgrouplist(sess_mbox.owner, sess_mbox.gid, groups,
	    &ngroups) == -1)
		fatalx("session %s: too many groups", sess_user);
	setproctitle("session %s", sess_user);
	privsep_drop_ids(sess_mbox.uid, sess_mbox.gid, groups, ngroups,
	    NULL);
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("session: prctl(PR_SET_DUMPABLE)");
	/* as the owner: the Maildir is the owner's */
	if (mkdir_p(sess_mbox.maildir, 0700) == -1)
		fatal("session %s: %s", sess_user, sess_mbox.maildir);
	rw[0] = sess_mbox.maildir;
	rw[1] = NULL;
	sandbox_landlock(NULL, rw);
	sandbox_apply(&sess_sandbox);
}

static void
sess_ready(void)
{
	struct session_params	 sp;

	memset(&sp, 0, sizeof(sp));
	sp.root = sess_mbox.maildir;
	sp.user = sess_user;
	sp.max_append = env->append_size;
	sp.idle_timeout = (int)env->idle_timeout;
	sp.quota_bytes = env->quota;
	sp.hostname = env->hostname;
	if (session_init(&sp) == -1)
		fatalx("session %s: cannot open the store at %s", sess_user,
		    sess_mbox.maildir);
	log_debug("session %s: ready, uid %u, maildir %s", sess_user,
	    (unsigned)sess_mbox.uid, sess_mbox.maildir);
}

/* The last connection went: say how many came, the parent decides. */
static void
sess_empty(void)
{
	peer_compose(child_peer(PROC_PARENT), IMSG_SESSION_EMPTY, 0, 0, -1,
	    &sess_nconns, sizeof(sess_nconns));
}

static void
sess_imsg_conn(struct peer *p, struct imsg *imsg)
{
	struct conn_start	 cs;
	int			 fd;

	imsg_payload(imsg, &cs, sizeof(cs));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("session: IMSG_SESSION_CONN without a socket");
	if (strcmp(cs.user, sess_user) != 0)
		fatalx("session %s: a connection of %s", sess_user, cs.user);
	sess_nconns++;
	session_on_empty(sess_empty);
	session_conn_start(fd, &cs);
}

static void
sess_imsg_kick(struct peer *p, struct imsg *imsg)
{
	session_kick("Administrator closed the session");
}
