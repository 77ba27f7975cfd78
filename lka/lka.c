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
 * lka.c -- the lookup agent process.
 *
 * SECURITY: lka is not chrooted: it loads the file tables, reads alias
 * :include: files and asks getpwnam(3).  After loading the tables (as
 * root) it drops to SMTPD_USER_LKA, confines the filesystem with
 * Landlock to read-only /etc, the directories of the file tables and of
 * the :include: files named in them, and applies SANDBOX_LKA.  It never
 * reads home directories: ~/.forward is opened by the parent, after its
 * ownership checks, and passed as a descriptor.  Reloads and :include:
 * files are read as SMTPD_USER_LKA: they must be readable by it, and
 * under a directory known at start-up (Landlock cannot be widened);
 * otherwise a reload fails and the previous tables stay.
 *
 * Requests: smtp (IMSG_SMTP_EXPAND_RCPT) and queue (bounces,
 * IMSG_QUEUE_EXPAND_BOUNCE).  Envelopes go to the queue, never back to
 * smtp, so a compromised smtp cannot invent deliveries.  Failures go to
 * the requester as IMSG_LKA_RCPT_FAIL.  msgid 0 from smtp is VRFY: no
 * envelope, the answer (ST_OK and a 250, or the failure) is an
 * IMSG_LKA_VRFY_RESULT.
 *
 * Inbound mail authentication for smtp (SPF, DKIM, DMARC and the
 * Authentication-Results field): lka_mailauth.c.
 *
 * For the mta (smtp): routes of relay actions (IMSG_MTA_ROUTE, looked up
 * by lka_route.c with the resolver of lka_dns.c, libunbound on this
 * process's event loop; set up before the sandbox, see lka_dns.c) and
 * relay credentials (IMSG_MTA_CREDS, lka_creds.c).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"
#include "lka_dns.h"

#define LKA_LANDLOCK_MAX	64

struct lka_req {
	TAILQ_ENTRY(lka_req)	 entry;
	struct expand_session	*sess;
	enum proc_id		 from;		/* PROC_SMTP or PROC_QUEUE */
};

struct lka_fwd {
	TAILQ_ENTRY(lka_fwd)	 entry;
	uint64_t		 token;
	struct lka_req		*req;
};

static void	lka_configured(void);
static void	lka_reload(void *);
static void	lka_landlock(void);
static int	lka_landlock_add(char **, size_t *, const char *);
static void	lka_imsg_expand_rcpt(struct peer *, struct imsg *);
static void	lka_imsg_expand_bounce(struct peer *, struct imsg *);
static void	lka_imsg_forward(struct peer *, struct imsg *);
static void	lka_imsg_check_sender(struct peer *, struct imsg *);
static int	lka_senders_served(const char *);
static void	lka_imsg_smtp_auth(struct peer *, struct imsg *);
static void	lka_imsg_mta_route(struct peer *, struct imsg *);
static void	lka_route_done(void *, const struct mta_route *);
static void	lka_imsg_mta_creds(struct peer *, struct imsg *);
static void	lka_expand_start(struct imsg *, enum proc_id);
static void	lka_expand_done(struct lka_req *);
static void	lka_reply(struct lka_req *, uint32_t, int, const char *,
		    uint32_t);
static int	lka_getpwnam(void *, const char *);
static int	lka_userinfo(void *, const char *, uid_t *, char *, size_t);
static int	lka_nomailbox(void *, const char *);
static void	lka_forward(void *, uint64_t, const char *);
static int	lka_forward_read(int, char **, size_t *);
static struct peer *lka_peer(enum proc_id);

static struct table_set		*lka_tables;
static TAILQ_HEAD(, lka_fwd)	 lka_fwds = TAILQ_HEAD_INITIALIZER(lka_fwds);

static const struct expand_ops	 lka_expand_ops = {
	.getpwnam = lka_getpwnam,
	.userinfo = lka_userinfo,
	.forward = lka_forward,
	.nomailbox = lka_nomailbox,
};

static const struct imsg_handler lka_smtp_handlers[] = {
	{ IMSG_SMTP_EXPAND_RCPT,	lka_imsg_expand_rcpt },
	{ IMSG_SMTP_CHECK_SENDER,	lka_imsg_check_sender },
	{ IMSG_SMTP_AUTH,		lka_imsg_smtp_auth },
	{ IMSG_MTA_ROUTE,		lka_imsg_mta_route },
	{ IMSG_MTA_CREDS,		lka_imsg_mta_creds },
	{ IMSG_SMTP_SPF_CHECK,		lka_mailauth_imsg_spf },
	{ IMSG_SMTP_DKIM_SIG,		lka_mailauth_imsg_sig },
	{ IMSG_SMTP_MAILAUTH,		lka_mailauth_imsg_verdict },
	{ IMSG_SMTP_MAILAUTH_CANCEL,	lka_mailauth_imsg_cancel },
};

static const struct imsg_handler lka_queue_handlers[] = {
	{ IMSG_QUEUE_EXPAND_BOUNCE,	lka_imsg_expand_bounce },
};

static const struct imsg_handler lka_parent_handlers[] = {
	{ IMSG_PARENT_FORWARD,		lka_imsg_forward },
	{ IMSG_PARENT_AUTH_RESULT,	lka_imsg_auth_result },
};

static const struct proc_handlers lka_peers[] = {
	PROC_HANDLERS(PROC_SMTP, lka_smtp_handlers),
	PROC_HANDLERS(PROC_QUEUE, lka_queue_handlers),
	PROC_HANDLERS(PROC_PARENT, lka_parent_handlers),
};

void
lka_main(void)
{
	static const struct proc_child	 ops = {
		.id = PROC_LKA,
		.configured = lka_configured,
		.reload = lka_reload,
		.peers = lka_peers,
		.npeers = nitems(lka_peers),
	};

	child_run(&ops);
}

/* Still root: load the tables, then drop privileges and confine. */
static void
lka_configured(void)
{
	char	 err[ERRLINE_MAX * 2];

	lka_tables = table_set_new();
	if (table_set_load(lka_tables, env, err, sizeof(err)) == -1)
		fatalx("%s", err);
	/* load the NSS modules before Landlock hides /usr/lib */
	(void)getpwnam("root");
	account_init(LOGIN_DEFS);
	lka_auth_init();
	/* resolv.conf, the trust anchor: before Landlock and seccomp */
	lka_dns_init(env, 0);
	/* the public suffix list (/usr/share), libcrypto: likewise */
	lka_mailauth_init();
	privsep_drop(SMTPD_USER_LKA, NULL);
	lka_landlock();
	smtpd_sandbox(SANDBOX_LKA);
}

static int
lka_landlock_add(char **paths, size_t *n, const char *file)
{
	char	 buf[PATH_MAX];
	char	*dir;
	size_t	 i;

	if (strlcpy(buf, file, sizeof(buf)) >= sizeof(buf))
		return (-1);
	dir = dirname(buf);
	for (i = 0; i < *n; i++)
		if (strcmp(paths[i], dir) == 0)
			return (0);
	if (*n + 1 >= LKA_LANDLOCK_MAX) {
		log_warnx("landlock: too many directories, %s not added", dir);
		return (-1);
	}
	paths[(*n)++] = xstrdup(dir);
	paths[*n] = NULL;
	return (0);
}

/* Read-only: /etc, the file tables' directories, :include: dirs. */
static void
lka_landlock(void)
{
	char			*ro[LKA_LANDLOCK_MAX];
	const char		*rw[] = { NULL };
	const struct table	*t;
	const struct table_db	*db;
	const char		*val, *cursor;
	char			 item[ARG_MAX_CONF];
	struct alias_item	 it;
	size_t			 n = 0, i;

	ro[n++] = xstrdup("/etc");
	ro[n] = NULL;
	TAILQ_FOREACH(t, &env->tables, entry) {
		if (t->backend == TABLE_FILE)
			(void)lka_landlock_add(ro, &n, t->path);
		if ((db = table_set_find(lka_tables, t->name)) == NULL ||
		    !table_db_is_map(db))
			continue;
		/* :include: files named in alias tables */
		for (i = 0; table_db_entry(db, i, NULL, &val) == 1; i++) {
			cursor = val;
			while (alias_next(&cursor, item, sizeof(item)) == 1)
				if (alias_parse(&it, item) == 0 &&
				    it.type == ALIAS_INCLUDE)
					(void)lka_landlock_add(ro, &n,
					    it.value);
		}
	}
	sandbox_landlock((const char *const *)ro, rw);
	for (i = 0; i < n; i++)
		free(ro[i]);
}

/* Reload: all tables or none; a broken table keeps the old set. */
static void
lka_reload(void *old)
{
	struct table_set	*set;
	char			 err[ERRLINE_MAX * 2];

	set = table_set_new();
	if (table_set_load(set, env, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		log_warnx("tables not reloaded, keeping the previous ones");
		table_set_free(set);
		return;
	}
	table_set_free(lka_tables);
	lka_tables = set;
	lka_auth_reload();
	lka_dns_reload(old, env);
	log_info("tables reloaded");
}

static struct peer *
lka_peer(enum proc_id id)
{
	struct peer	*p;

	if ((p = child_peer(id)) == NULL)
		fatalx("no channel to %s", proc_name(id));
	return (p);
}

static void
lka_imsg_expand_rcpt(struct peer *p, struct imsg *imsg)
{
	lka_expand_start(imsg, PROC_SMTP);
}

static void
lka_imsg_smtp_auth(struct peer *p, struct imsg *imsg)
{
	lka_imsg_auth(p, imsg, lka_tables);
}

static void
lka_imsg_expand_bounce(struct peer *p, struct imsg *imsg)
{
	lka_expand_start(imsg, PROC_QUEUE);
}

/* IMSG_MTA_ROUTE: answered when the lookups are done. */
static void
lka_imsg_mta_route(struct peer *p, struct imsg *imsg)
{
	struct mta_route_req	 req;

	imsg_payload(imsg, &req, sizeof(req));
	lka_route_lookup(req.reqid, req.action, req.domain, env, lka_tables,
	    lka_route_done, NULL);
}

static void
lka_route_done(void *arg, const struct mta_route *rep)
{
	peer_compose(lka_peer(PROC_SMTP), IMSG_LKA_ROUTE, 0, 0, -1, rep,
	    sizeof(*rep));
}

static void
lka_imsg_mta_creds(struct peer *p, struct imsg *imsg)
{
	lka_imsg_creds(p, imsg, env, lka_tables);
}

/* Is table the senders table of some listener? */
static int
lka_senders_served(const char *table)
{
	const struct listener	*l;

	TAILQ_FOREACH(l, &env->listeners, entry)
		if (l->senders[0] != '\0' && strcmp(l->senders, table) == 0)
			return (1);
	return (0);
}

/* senders <table>: the MAIL FROM of an authenticated user. */
static void
lka_imsg_check_sender(struct peer *p, struct imsg *imsg)
{
	struct sender_req	 req;
	struct sender_reply	 rep;
	char			 addr[MAILADDR_MAX + 2], esc[MAILADDR_MAX * 4];
	char			 user[AUTH_USER_MAX * 4];
	int			 r;

	imsg_payload(imsg, &req, sizeof(req));
	if (!lka_senders_served(req.table)) {
		/* smtp names only its listeners' tables: a bug, or worse */
		log_warnx("lka: sender check against table <%s>, which no "
		    "listener uses for senders: refused", req.table);
		r = -1;
	} else
		r = ruleset_sender(lka_tables, req.table, req.authuser,
		    &req.sender);
	memset(&rep, 0, sizeof(rep));
	rep.reqid = req.reqid;
	rep.status = r == 1 ? ST_OK : r == 0 ? ST_PERMFAIL : ST_TEMPFAIL;
	expand_mailaddr_text(&req.sender, addr, sizeof(addr));
	(void)log_escape(esc, sizeof(esc), addr, strlen(addr));
	(void)log_escape(user, sizeof(user), req.authuser,
	    strlen(req.authuser));
	log_info("%016llx lka sender auth=%s from=<%s> table=%s result=%s",
	    (unsigned long long)req.reqid, user, esc, req.table,
	    r == 1 ? "ok" : r == 0 ? "refused" : "tempfail");
	peer_compose(lka_peer(PROC_SMTP), IMSG_LKA_SENDER_RESULT, 0, 0, -1,
	    &rep, sizeof(rep));
}

static void
lka_expand_start(struct imsg *imsg, enum proc_id from)
{
	struct expand_req	 req;
	struct lka_req		*lr;

	imsg_payload(imsg, &req, sizeof(req));
	if (from == PROC_QUEUE)
		req.flags |= EF_BOUNCE | EF_LOCAL;
	lr = xcalloc(1, sizeof(*lr));
	lr->from = from;
	lr->sess = expand_new(&req, from == PROC_QUEUE, &lka_expand_ops, lr);
	if (expand_run(lr->sess, env, lka_tables) == EXPAND_DONE)
		lka_expand_done(lr);
}

/* IMSG_LKA_RCPT_FAIL or IMSG_LKA_VRFY_RESULT to the requester. */
static void
lka_reply(struct lka_req *lr, uint32_t type, int status, const char *text,
    uint32_t count)
{
	const struct expand_req	*req = expand_request(lr->sess);
	struct rcpt_reply	 rep;

	memset(&rep, 0, sizeof(rep));
	rep.reqid = req->reqid;
	rep.msgid = req->msgid;
	rep.status = status;
	rep.count = count;
	(void)strlcpy(rep.text, text, sizeof(rep.text));
	peer_compose(lka_peer(lr->from), type, 0, 0, -1, &rep, sizeof(rep));
}

/* Send the outcome, log it, free the request. */
static void
lka_expand_done(struct lka_req *lr)
{
	const struct expand_req	*req = expand_request(lr->sess);
	const struct envelope	*evps;
	struct envelope_msg	 msg;
	struct rcpt_reply	 rep;
	char			 addr[MAILADDR_MAX + 2], esc[MAILADDR_MAX * 4];
	char			 text[ERRLINE_MAX], user[AUTH_USER_MAX * 4];
	size_t			 i, n;
	int			 status = expand_status(lr->sess);

	evps = expand_envelopes(lr->sess, &n);
	expand_mailaddr_text(&req->rcpt, addr, sizeof(addr));
	(void)log_escape(esc, sizeof(esc), addr, strlen(addr));
	(void)log_escape(user, sizeof(user), req->authuser,
	    strlen(req->authuser));
	log_info("%016llx lka expand rcpt=<%s> address=%s%s%s action=%s "
	    "result=%s nenv=%zu", (unsigned long long)req->reqid, esc,
	    req->src[0] != '\0' ? req->src : "local",
	    user[0] != '\0' ? " auth=" : "", user,
	    expand_action(lr->sess), status == ST_OK ? "ok" :
	    status == ST_TEMPFAIL ? "tempfail" : "reject", n);
	if (lr->from == PROC_SMTP && req->msgid == 0) {
		/* VRFY: no envelope, only the verdict */
		if (status == ST_OK) {
			(void)snprintf(text, sizeof(text), "250 2.1.5 <%s>",
			    addr);
			lka_reply(lr, IMSG_LKA_VRFY_RESULT, ST_OK, text,
			    (uint32_t)n);
		} else
			lka_reply(lr, IMSG_LKA_VRFY_RESULT, status,
			    expand_text(lr->sess), 0);
	} else if (status != ST_OK)
		lka_reply(lr, IMSG_LKA_RCPT_FAIL, status,
		    expand_text(lr->sess), 0);
	else {
		for (i = 0; i < n; i++) {
			memset(&msg, 0, sizeof(msg));
			msg.reqid = req->reqid;
			msg.evp = evps[i];
			peer_compose(lka_peer(PROC_QUEUE), IMSG_LKA_ENVELOPE,
			    0, 0, -1, &msg, sizeof(msg));
		}
		memset(&rep, 0, sizeof(rep));
		rep.reqid = req->reqid;
		rep.msgid = req->msgid;
		rep.status = ST_OK;
		rep.count = (uint32_t)n;
		peer_compose(lka_peer(PROC_QUEUE), IMSG_LKA_EXPAND_DONE, 0, 0,
		    -1, &rep, sizeof(rep));
	}
	expand_free(lr->sess);
	free(lr);
}

/* expand_ops: the default userbase. */
static int
lka_getpwnam(void *arg, const char *user)
{
	return (table_getpwnam(user));
}

/* expand_ops: the user the parent will deliver as. */
static int
lka_userinfo(void *arg, const char *user, uid_t *uid, char *home,
    size_t homelen)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		return (table_getpwnam(user) == -1 ? -1 : 0);
	*uid = pw->pw_uid;
	(void)strlcpy(home, pw->pw_dir, homelen);
	return (1);
}

/* expand_ops: the daemon's own and system accounts get no mail. */
static int
lka_nomailbox(void *arg, const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL)
		return (0);	/* userinfo() said what it is */
	return (account_no_mailbox(pw));
}

/* expand_ops: ask the parent for ~user/.forward. */
static void
lka_forward(void *arg, uint64_t token, const char *user)
{
	struct lka_req		*lr = arg;
	struct lka_fwd		*f;
	struct forward_req	 fr;

	memset(&fr, 0, sizeof(fr));
	fr.reqid = token;
	if (strlcpy(fr.user, user, sizeof(fr.user)) >= sizeof(fr.user))
		fatalx("lka_forward: user name too long");
	f = xcalloc(1, sizeof(*f));
	f->token = token;
	f->req = lr;
	TAILQ_INSERT_TAIL(&lka_fwds, f, entry);
	peer_compose(lka_peer(PROC_PARENT), IMSG_LKA_OPEN_FORWARD, 0, 0, -1,
	    &fr, sizeof(fr));
}

/* Read a .forward descriptor (regular file checked by the parent). */
static int
lka_forward_read(int fd, char **bufp, size_t *lenp)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;

	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		log_warnx("forward: not a regular file");
		return (-1);
	}
	if (sb.st_size > EXPAND_FILE_MAX) {
		log_warnx("forward: file larger than %ld bytes",
		    EXPAND_FILE_MAX);
		return (-1);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	if ((n = read_full(fd, buf, (size_t)sb.st_size)) == -1) {
		log_warn("forward: read");
		free(buf);
		return (-1);
	}
	buf[n] = '\0';
	*bufp = buf;
	*lenp = (size_t)n;
	return (0);
}

static void
lka_imsg_forward(struct peer *p, struct imsg *imsg)
{
	struct forward_reply	 rep;
	struct lka_fwd		*f;
	struct lka_req		*lr;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 fd, status;

	imsg_payload(imsg, &rep, sizeof(rep));
	fd = imsg_get_fd(imsg);
	TAILQ_FOREACH(f, &lka_fwds, entry)
		if (f->token == rep.reqid)
			break;
	if (f == NULL)
		fatalx("IMSG_PARENT_FORWARD: unknown request %llu",
		    (unsigned long long)rep.reqid);
	if (rep.status == ST_OK && fd == -1)
		fatalx("IMSG_PARENT_FORWARD: ST_OK without a descriptor");
	TAILQ_REMOVE(&lka_fwds, f, entry);
	lr = f->req;
	free(f);
	status = rep.status == ST_OK ? ST_OK : rep.status == ST_TEMPFAIL ?
	    ST_TEMPFAIL : ST_PERMFAIL;
	if (fd != -1) {
		if (status == ST_OK && lka_forward_read(fd, &buf, &len) == -1)
			status = ST_TEMPFAIL;
		close(fd);
	}
	if (expand_forward_done(lr->sess, env, lka_tables, rep.reqid, status,
	    buf, len) == EXPAND_DONE)
		lka_expand_done(lr);
	free(buf);
}
