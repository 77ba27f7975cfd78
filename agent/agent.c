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
 * agent.c -- the local delivery agent process: smtpd -x agent METHOD.
 *
 * SECURITY: the parent forks, drops to the recipient's uid/gid (plus
 * group mail for mbox) and executes us with its channel on fd 3; we
 * refuse to run as root (root's mail is appended by an mbox agent running
 * as nobody with group mail: smtpd/parent_agent_root.c).  We then apply SANDBOX_AGENT (seccomp: files,
 * sockets, no fork/exec), or SANDBOX_AGENT_MDA (no filter, only
 * NO_NEW_PRIVS) for "mda", which runs the user's commands.  Requests
 * come only from the parent (checked by common/proc.c against
 * imsg_rules.c); char arrays in them are checked for NUL termination and
 * a request for another uid is fatal.  The message is untrusted data:
 * no content can make a delivery function fail other than by reporting.
 *
 * Each IMSG_AGENT_DELIVER (struct deliver + message fd) is answered with
 * IMSG_AGENT_RESULT.  Maildir deliveries arriving in one burst are
 * written and renamed one by one, then each new/ directory is fsynced
 * once and all of them answered.  We exit when the parent closes the
 * channel (idle for AGENT_IDLE_TIMEOUT, or AGENT_MAX_DELIVERIES served)
 * or goes away; by ourselves only after 2 * AGENT_IDLE_TIMEOUT without
 * work, or once the last of AGENT_MAX_DELIVERIES is answered.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/queue.h>

#include <errno.h>
#include <event.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "smtpd.h"
#include "util.h"
#include "agent.h"

struct agent_staged {
	TAILQ_ENTRY(agent_staged)	 entry;
	uint64_t			 evpid;
	char				 user[USER_MAX];
	char				 newdir[PATH_MAX];
	struct agent_report		 rep;
};

static const struct agent_kind {
	const char		*name;
	enum smtpd_sandbox	 profile;
} agent_kinds[] = {
	{ "mbox",	SANDBOX_AGENT },
	{ "maildir",	SANDBOX_AGENT },
	{ "lmtp",	SANDBOX_AGENT },
	{ "file",	SANDBOX_AGENT },
	{ "mda",	SANDBOX_AGENT_MDA },
	{ "pipe",	SANDBOX_AGENT_MDA },
};

static void	agent_imsg_deliver(struct peer *, struct imsg *);
static void	agent_imsg_verbose(struct peer *, struct imsg *);
static void	agent_imsg_sandbox_test(struct peer *, struct imsg *);
static void	agent_check(const struct deliver *);
static const char *agent_method(const struct deliver *);
static int	agent_run(const struct deliver *, int, struct agent_report *,
		    char *, size_t);
static void	agent_answer(uint64_t, const char *, const char *,
		    const struct agent_report *);
static void	agent_flush(int, short, void *);
static void	agent_idle(int, short, void *);
static void	agent_activity(void);
static void	agent_parent_closed(struct peer *);

static const struct imsg_handler agent_handlers[] = {
	{ IMSG_CTL_VERBOSE,		agent_imsg_verbose },
	{ IMSG_CTL_SANDBOX_TEST,	agent_imsg_sandbox_test },
	{ IMSG_AGENT_DELIVER,		agent_imsg_deliver },
};

static struct peer		 agent_parent;
static struct event		 agent_idle_ev;
static struct event		 agent_flush_ev;
static const struct agent_kind	*agent_self;
static unsigned int		 agent_served;
static uid_t			 agent_uid;	/* getuid(), once */
static TAILQ_HEAD(agent_stagedq, agent_staged) agent_stagedq =
    TAILQ_HEAD_INITIALIZER(agent_stagedq);

void
agent_main(int argc, char **argv)
{
	size_t	 i;

	if ((agent_uid = getuid()) == 0 || geteuid() == 0)
		fatalx("agent: refusing to deliver as root");
	/*
	 * We run as the user, who may ptrace their own processes: not this
	 * one, which holds the mail group (mbox) and the parent's channel.
	 */
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("agent: prctl(PR_SET_DUMPABLE)");
	if (argc != 1)
		fatalx("agent: usage: smtpd -x agent "
		    "mbox|maildir|lmtp|mda|file");
	for (i = 0; i < nitems(agent_kinds); i++)
		if (strcmp(argv[0], agent_kinds[i].name) == 0)
			agent_self = &agent_kinds[i];
	if (agent_self == NULL)
		fatalx("agent: unknown method %s", argv[0]);

	proc_self = PROC_AGENT;
	log_procinit("agent");
	tzset();
	(void)signal(SIGPIPE, SIG_IGN);
	agent_mbox_init();		/* getgrnam("mail") */
	agent_mda_init();		/* SIGTERM ends a running command */

	event_init();
	peer_init(&agent_parent, PROC_PARENT, 3, agent_handlers,
	    nitems(agent_handlers), agent_parent_closed);
	evtimer_set(&agent_idle_ev, agent_idle, NULL);
	evtimer_set(&agent_flush_ev, agent_flush, NULL);
	agent_activity();
	smtpd_sandbox(agent_self->profile);
	log_debug("agent %s ready (uid %ld)", agent_self->name,
	    (long)getuid());
	event_dispatch();
	agent_lmtp_close();
	exit(0);
}

static void
agent_imsg_verbose(struct peer *p, struct imsg *imsg)
{
	int	 v;

	imsg_payload(imsg, &v, sizeof(v));
	log_setverbose(v);
}

static void
agent_imsg_sandbox_test(struct peer *p, struct imsg *imsg)
{
	sandbox_violate();
}

static void
agent_imsg_deliver(struct peer *p, struct imsg *imsg)
{
	struct deliver		*d;
	struct agent_staged	*st;
	int			 fd;

	d = xmalloc(sizeof(*d));
	imsg_payload(imsg, d, sizeof(*d));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("agent: IMSG_AGENT_DELIVER without a message fd");
	agent_check(d);
	agent_served++;
	st = xcalloc(1, sizeof(*st));
	st->evpid = d->evp.id;
	(void)strlcpy(st->user, d->username, sizeof(st->user));
	if (agent_run(d, fd, &st->rep, st->newdir, sizeof(st->newdir)) ==
	    ST_OK && st->newdir[0] != '\0') {
		TAILQ_INSERT_TAIL(&agent_stagedq, st, entry);
		if (!evtimer_pending(&agent_flush_ev, NULL)) {
			struct timeval	 now = { 0, 0 };

			evtimer_add(&agent_flush_ev, &now);
		}
	} else {
		agent_answer(st->evpid, agent_method(d), st->user, &st->rep);
		free(st);
	}
	close(fd);
	free(d);
	agent_activity();
}

/*
 * The parent is trusted, but a request this agent may not serve is a bug:
 * stop.  (Its shape was checked before: imsg_check_deliver.)
 */
static void
agent_check(const struct deliver *d)
{
	const struct envelope	*e = &d->evp;

	if (d->uid != agent_uid || d->uid == 0)
		fatalx("agent: delivery for uid %ld in the agent of uid %ld",
		    (long)d->uid, (long)agent_uid);
	if ((e->dtype == DT_PIPE ||
	    (e->dtype == DT_MAILBOX && d->method == A_MDA)) &&
	    agent_self->profile != SANDBOX_AGENT_MDA)
		fatalx("agent: %s agent asked to run a command",
		    agent_self->name);
	/* relayed mail is the smtp process's (mta), never an agent's */
	if (d->method == A_RELAY)
		fatalx("agent: %s agent asked for a %s delivery",
		    agent_self->name, agent_method(d));
}

/* For the log: what delivered (a pipe is run by the mda agent). */
static const char *
agent_method(const struct deliver *d)
{
	const char	*k;

	if (d->evp.dtype == DT_PIPE)
		return ("pipe");
	k = delivery_agent_kind(d->evp.dtype, d->method);
	return (k != NULL ? k : "none");
}

/*
 * Deliver; a Maildir delivery is only staged: newdir is then set and
 * must be synced before the answer.
 */
static int
agent_run(const struct deliver *d, int fd, struct agent_report *rep,
    char *newdir, size_t newdirlen)
{
	newdir[0] = '\0';
	if (d->evp.dtype == DT_FILE)
		return (agent_file_deliver(d, fd, rep));
	if (d->evp.dtype == DT_PIPE)
		return (agent_mda_deliver(d, fd, rep));
	switch (d->method) {
	case A_MBOX:
		return (agent_mbox_deliver(d, fd, rep));
	case A_MAILDIR:
		if (agent_maildir_stage(d, fd, rep, newdir, newdirlen) !=
		    ST_OK)
			newdir[0] = '\0';
		return (rep->status);
	case A_LMTP:
		return (agent_lmtp_deliver(d, fd, rep));
	case A_MDA:
		return (agent_mda_deliver(d, fd, rep));
	default:
		agent_report_init(rep);
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.0 action cannot deliver locally"));
	}
}

/* Sync each new/ directory of the burst once, then answer. */
static void
agent_flush(int fd, short ev, void *arg)
{
	struct agent_staged	*st, *next;
	char			 dir[PATH_MAX];
	int			 r, saved_errno;

	while ((st = TAILQ_FIRST(&agent_stagedq)) != NULL) {
		(void)strlcpy(dir, st->newdir, sizeof(dir));
		r = agent_maildir_sync(dir);
		saved_errno = errno;
		if (r == -1)
			log_warn("agent maildir: fsync %s", dir);
		for (; st != NULL; st = next) {
			next = TAILQ_NEXT(st, entry);
			if (strcmp(st->newdir, dir) != 0)
				continue;
			TAILQ_REMOVE(&agent_stagedq, st, entry);
			if (r == -1) {
				(void)unlink(st->rep.path);
				agent_report_errno(&st->rep, saved_errno,
				    "maildir fsync");
			}
			agent_answer(st->evpid, "maildir", st->user, &st->rep);
			free(st);
		}
	}
	agent_activity();
}

static void
agent_answer(uint64_t evpid, const char *method, const char *user,
    const struct agent_report *rep)
{
	struct delivery_result	 r;
	char			 path[PATH_MAX], err[ERRLINE_MAX];

	(void)log_escape(path, sizeof(path), rep->path, strlen(rep->path));
	if (rep->status == ST_OK)
		log_info("%016llx agent delivered method=%s user=%s path=%s "
		    "size=%lld", (unsigned long long)evpid, method, user,
		    path, (long long)rep->size);
	else {
		(void)log_escape(err, sizeof(err), rep->errorline,
		    strlen(rep->errorline));
		log_info("%016llx agent failed method=%s user=%s path=%s "
		    "status=%s error=\"%s\"", (unsigned long long)evpid,
		    method, user, path, rep->status == ST_PERMFAIL ?
		    "permfail" : "tempfail", err);
	}
	memset(&r, 0, sizeof(r));
	r.evpid = evpid;
	r.status = rep->status;
	(void)strlcpy(r.errorline, rep->errorline, sizeof(r.errorline));
	peer_compose(&agent_parent, IMSG_AGENT_RESULT, 0, 0, -1, &r,
	    sizeof(r));
}

/* Re-arm the idle timer; leave once the last delivery is answered. */
static void
agent_activity(void)
{
	struct timeval	 tv = { 2 * AGENT_IDLE_TIMEOUT, 0 };

	if (agent_served >= AGENT_MAX_DELIVERIES &&
	    TAILQ_EMPTY(&agent_stagedq)) {
		log_debug("agent: %u deliveries, exiting", agent_served);
		tv.tv_sec = 0;
	}
	evtimer_del(&agent_idle_ev);
	evtimer_add(&agent_idle_ev, &tv);
}

static void
agent_idle(int fd, short ev, void *arg)
{
	if (!TAILQ_EMPTY(&agent_stagedq)) {
		agent_activity();
		return;
	}
	peer_flush_blocking(&agent_parent);
	agent_lmtp_close();
	exit(0);
}

static void
agent_parent_closed(struct peer *p)
{
	agent_lmtp_close();
	exit(0);
}
