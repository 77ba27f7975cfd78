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
 * Delivery agents: long-lived processes running as the recipient, one
 * per (uid, kind), re-executed as "smtpd -x agent KIND" so that they
 * inherit nothing from the parent's memory.  Relay deliveries are not
 * the recipient's: the relay agent runs as SMTPD_USER_RELAY, whatever
 * the envelope says.  The parent resolves the
 * action and the user from its own configuration; the envelope only names
 * them.  An agent idle for AGENT_IDLE_TIMEOUT seconds, or that has served
 * AGENT_MAX_DELIVERIES (both in smtpd.h, shared with the agent), is told
 * to go by closing its channel.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <event.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "smtpd.h"
#include "parent.h"
#include "util.h"

#define AGENT_PENDING	32		/* deliveries queued per agent */
#define AGENT_PER_KEY	4		/* agents per (uid, kind) */
#ifndef AGENT_DEADLINE
#define AGENT_DEADLINE	600		/* seconds without a result */
#endif
#define AGENT_DEADLINE_TICK	30	/* seconds between deadline checks */

struct agent {
	TAILQ_ENTRY(agent)	 entry;
	uid_t			 uid;
	gid_t			 gid;
	char			 kind[16];
	pid_t			 pid;
	struct peer		 peer;
	struct event		 idle;
	size_t			 pending;
	size_t			 served;
	time_t			 progress;	/* busy since or last result */
	int			 closed;
};

struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint64_t		 evpid;
	struct agent		*agent;
};

static TAILQ_HEAD(, agent)	agents = TAILQ_HEAD_INITIALIZER(agents);
static TAILQ_HEAD(, pending)	pendings = TAILQ_HEAD_INITIALIZER(pendings);
static struct peer		*queue_peer;
static struct event		 deadline_ev;
static int			 deadline_armed;
static int			 agents_stopping;

static void	agent_result(uint64_t, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static struct deliver *agent_policy(const struct envelope *, const char **,
		    int *, char *, size_t);
static void	agent_send(const struct deliver *, const char *, int);
static struct deliver *agent_request(const struct envelope *,
		    const struct action *, const struct passwd *);
static struct agent *agent_get(struct passwd *, const char *);
static struct agent *agent_spawn(struct passwd *, const char *);
static void	agent_close(struct agent *);
static void	agent_closed(struct peer *);
static void	agent_idle(int, short, void *);
static void	agent_deadline(int, short, void *);
static void	agent_imsg_result(struct peer *, struct imsg *);

/* The agent runs as the user: it gets none of root's environment. */
static char *const agent_envp[] = {
	"PATH=/usr/bin:/bin",
	NULL
};

static const struct imsg_handler agent_handlers[] = {
	{ IMSG_AGENT_RESULT,	agent_imsg_result },
};

void
parent_agent_deliver(struct peer *queue, struct envelope *evp, int fd)
{
	struct deliver	*d;
	const char	*kind;
	char		 err[ERRLINE_MAX];
	int		 st;

	queue_peer = queue;

	if ((d = agent_policy(evp, &kind, &st, err, sizeof(err))) == NULL) {
		close(fd);
		agent_result(evp->id, st, "%s", err);
		return;
	}
	agent_send(d, kind, fd);
	free(d);
}

/*
 * Policy: whether evp may be delivered, as whom and by which kind of
 * agent, from the parent's own configuration and password database.
 * The request for the agent, or NULL with the status and the reply for
 * the queue in *st and err.
 */
static struct deliver *
agent_policy(const struct envelope *evp, const char **kind, int *st,
    char *err, size_t errlen)
{
	struct deliver	*d;
	struct action	*a;
	struct passwd	*pw, rootpw;
	const char	*user;

	*st = ST_PERMFAIL;
	if ((a = config_action(env, evp->action)) == NULL) {
		*st = ST_TEMPFAIL;
		(void)snprintf(err, errlen, "451 4.3.0 action \"%s\" is not "
		    "in the configuration", evp->action);
		return (NULL);
	}
	user = (evp->dtype == DT_MAILBOX && a->user[0]) ? a->user : evp->user;
	if (a->method == A_RELAY)
		user = SMTPD_USER_RELAY;
	if ((*kind = delivery_agent_kind(evp->dtype, a->method)) == NULL ||
	    user[0] == '\0' || (a->method == A_RELAY &&
	    evp->dtype != DT_MAILBOX)) {
		(void)snprintf(err, errlen, "550 5.3.0 action \"%s\" cannot "
		    "deliver to a mailbox", evp->action);
		return (NULL);
	}
	if ((pw = getpwnam(user)) == NULL) {
		if (a->method == A_RELAY)
			*st = ST_TEMPFAIL;
		(void)snprintf(err, errlen, "%s user %s unknown",
		    *st == ST_TEMPFAIL ? "451 4.3.0" : "550 5.1.1", user);
		return (NULL);
	}
	if (a->method != A_RELAY && strncmp(pw->pw_name, SMTPD_USER_PREFIX,
	    strlen(SMTPD_USER_PREFIX)) == 0) {
		(void)snprintf(err, errlen, "550 5.7.1 delivery to the mail "
		    "server's own account %s refused", pw->pw_name);
		return (NULL);
	}
	d = agent_request(evp, a, pw);
	/* never as root: see parent_agent_root.c (sets d->uid, d->gid) */
	if (pw->pw_uid == 0 && (*st = parent_agent_root(d, &rootpw, kind,
	    err, errlen)) != ST_OK) {
		free(d);
		return (NULL);
	}
	return (d);
}

/* Send: hand the request and the message fd to an agent for d->uid. */
static void
agent_send(const struct deliver *d, const char *kind, int fd)
{
	struct passwd	 pw;
	struct agent	*ag;
	struct pending	*pd;

	memset(&pw, 0, sizeof(pw));
	pw.pw_name = (char *)(uintptr_t)d->username;
	pw.pw_uid = d->uid;
	pw.pw_gid = d->gid;
	if ((ag = agent_get(&pw, kind)) == NULL) {
		close(fd);
		agent_result(d->evp.id, ST_TEMPFAIL, "451 4.3.0 too many "
		    "deliveries in progress for %s, or no agent could start",
		    d->username);
		return;
	}
	peer_compose(&ag->peer, IMSG_AGENT_DELIVER, 0, 0, fd, d, sizeof(*d));
	pd = xcalloc(1, sizeof(*pd));
	pd->evpid = d->evp.id;
	pd->agent = ag;
	TAILQ_INSERT_TAIL(&pendings, pd, entry);
	if (ag->pending++ == 0)
		ag->progress = monotonic_ms() / 1000;
	ag->served++;
	evtimer_del(&ag->idle);
	if (!deadline_armed) {
		struct timeval	tv = { AGENT_DEADLINE_TICK, 0 };

		evtimer_set(&deadline_ev, agent_deadline, NULL);
		evtimer_add(&deadline_ev, &tv);
		deadline_armed = 1;
	}
}

/* What the agent is told: the envelope, the action, the user. */
static struct deliver *
agent_request(const struct envelope *evp, const struct action *a,
    const struct passwd *pw)
{
	struct deliver	*d;

	d = xcalloc(1, sizeof(*d));
	d->evp = *evp;
	d->method = a->method;
	strlcpy(d->arg, a->arg, sizeof(d->arg));
	d->relay = a->relay.host;
	d->relay.port = relayhost_port(&a->relay.host);
	strlcpy(d->helo, env->hostname, sizeof(d->helo));
	d->aflags = a->flags;
	strlcpy(d->username, pw->pw_name, sizeof(d->username));
	d->uid = pw->pw_uid;
	d->gid = pw->pw_gid;
	strlcpy(d->home, pw->pw_dir, sizeof(d->home));
	strlcpy(d->shell, pw->pw_shell, sizeof(d->shell));
	return (d);
}

/*
 * An agent runs as the user, who can stop it: an agent that is busy but
 * has not answered for AGENT_DEADLINE seconds (more than its own command
 * and LMTP timeouts) is killed, and what it had is retried.
 */
static void
agent_deadline(int fd, short ev, void *arg)
{
	struct timeval	 tv = { AGENT_DEADLINE_TICK, 0 };
	struct agent	*ag;
	time_t		 now = monotonic_ms() / 1000;

	deadline_armed = 0;
	TAILQ_FOREACH(ag, &agents, entry) {
		if (ag->closed || ag->pending == 0 ||
		    now - ag->progress < AGENT_DEADLINE)
			continue;
		log_warnx("agent %s for uid %ld (pid %ld): no answer in %d "
		    "seconds with %zu deliveries waiting, killing it",
		    ag->kind, (long)ag->uid, (long)ag->pid, AGENT_DEADLINE,
		    ag->pending);
		agent_close(ag);	/* kills it, retries its deliveries */
	}
	if (!TAILQ_EMPTY(&pendings)) {
		evtimer_add(&deadline_ev, &tv);
		deadline_armed = 1;
	}
}

static void
agent_result(uint64_t evpid, int status, const char *fmt, ...)
{
	struct delivery_result	r;
	va_list			ap;

	memset(&r, 0, sizeof(r));
	r.evpid = evpid;
	r.status = status;
	va_start(ap, fmt);
	vsnprintf(r.errorline, sizeof(r.errorline), fmt, ap);
	va_end(ap);
	if (queue_peer)
		peer_compose(queue_peer, IMSG_PARENT_DELIVERY_RESULT, 0, 0,
		    -1, &r, sizeof(r));
}

static struct agent *
agent_get(struct passwd *pw, const char *kind)
{
	struct agent	*ag, *best = NULL;
	int		 n = 0;

	TAILQ_FOREACH(ag, &agents, entry) {
		if (ag->closed || ag->uid != pw->pw_uid ||
		    ag->gid != pw->pw_gid || strcmp(ag->kind, kind) != 0 ||
		    ag->served >= AGENT_MAX_DELIVERIES)
			continue;
		n++;
		if (best == NULL || ag->pending < best->pending)
			best = ag;
	}
	if (best && (best->pending < AGENT_PENDING / 4 || n >= AGENT_PER_KEY))
		return (best->pending < AGENT_PENDING ? best : NULL);
	return (agent_spawn(pw, kind));
}

static struct agent *
agent_spawn(struct passwd *pw, const char *kind)
{
	struct agent	*ag;
	struct group	*gr;
	gid_t		 groups[2];
	char		*argv[8];
	int		 sp[2], ngroups = 1, argc = 0;
	pid_t		 pid;

	groups[0] = pw->pw_gid;
	if (strcmp(kind, "mbox") == 0 && (gr = getgrnam("mail")) != NULL)
		groups[ngroups++] = gr->gr_gid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("socketpair");
		return (NULL);
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		close(sp[0]);
		close(sp[1]);
		return (NULL);
	case 0:
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_IGN);
		privsep_drop_ids(pw->pw_uid, pw->pw_gid, groups, ngroups,
		    NULL);
		if (dup2(sp[1], 3) == -1)
			_exit(1);
		closefrom(4);
		argv[argc++] = "smtpd";
		argv[argc++] = "-x";
		argv[argc++] = "agent";
		if (parent_opts->debug)
			argv[argc++] = "-d";
		if (log_getverbose())
			argv[argc++] = "-v";
		argv[argc++] = (char *)kind;
		argv[argc] = NULL;
		execve(parent_self_exe(), argv, agent_envp);
		_exit(1);
	}
	close(sp[1]);
	ag = xcalloc(1, sizeof(*ag));
	ag->uid = pw->pw_uid;
	ag->gid = pw->pw_gid;
	strlcpy(ag->kind, kind, sizeof(ag->kind));
	ag->pid = pid;
	peer_init(&ag->peer, PROC_AGENT, sp[0], agent_handlers,
	    nitems(agent_handlers), agent_closed);
	ag->peer.arg = ag;
	evtimer_set(&ag->idle, agent_idle, ag);
	TAILQ_INSERT_TAIL(&agents, ag, entry);
	log_debug("agent %s started for uid %ld (pid %ld)", kind,
	    (long)pw->pw_uid, (long)pid);
	return (ag);
}

static void
agent_arm_idle(struct agent *ag)
{
	struct timeval	tv = { AGENT_IDLE_TIMEOUT, 0 };

	if (ag->closed)
		return;
	if (ag->served >= AGENT_MAX_DELIVERIES) {
		agent_close(ag);
		return;
	}
	evtimer_add(&ag->idle, &tv);
}

static void
agent_imsg_result(struct peer *p, struct imsg *imsg)
{
	struct delivery_result	 r;
	struct agent		*ag = p->arg;
	struct pending		*pd;

	imsg_payload(imsg, &r, sizeof(r));
	TAILQ_FOREACH(pd, &pendings, entry)
		if (pd->agent == ag && pd->evpid == r.evpid)
			break;
	if (pd == NULL) {
		/* an agent runs as an ordinary user: do not trust it */
		log_warnx("agent pid %ld: result for unknown envelope "
		    "%016llx, closing it", (long)ag->pid,
		    (unsigned long long)r.evpid);
		agent_close(ag);
		return;
	}
	TAILQ_REMOVE(&pendings, pd, entry);
	free(pd);
	ag->progress = monotonic_ms() / 1000;
	if (r.status != ST_OK && r.status != ST_TEMPFAIL &&
	    r.status != ST_PERMFAIL && r.status != ST_LOOP)
		r.status = ST_TEMPFAIL;
	if (queue_peer)
		peer_compose(queue_peer, IMSG_PARENT_DELIVERY_RESULT, 0, 0,
		    -1, &r, sizeof(r));
	if (--ag->pending == 0)
		agent_arm_idle(ag);
}

/* Fail what the agent still had and stop using it. */
static void
agent_close(struct agent *ag)
{
	struct pending	*pd, *tmp;

	if (ag->closed)
		return;
	ag->closed = 1;
	evtimer_del(&ag->idle);
	/*
	 * What it still had is retried: it must not deliver it too.  When
	 * the daemon stops, parent_agent_shutdown() has sent SIGTERM, which
	 * lets an mda agent kill its command's process group first.
	 */
	if (ag->pending > 0 && !agents_stopping)
		kill(ag->pid, SIGKILL);
	TAILQ_FOREACH_SAFE(pd, &pendings, entry, tmp) {
		if (pd->agent != ag)
			continue;
		TAILQ_REMOVE(&pendings, pd, entry);
		agent_result(pd->evpid, ST_TEMPFAIL,
		    "451 4.3.0 delivery agent exited unexpectedly");
		free(pd);
	}
	ag->pending = 0;
	peer_close(&ag->peer);
}

static void
agent_closed(struct peer *p)
{
	agent_close(p->arg);
}

static void
agent_idle(int fd, short ev, void *arg)
{
	struct agent	*ag = arg;

	if (ag->pending == 0)
		agent_close(ag);
}

int
parent_agent_reap(pid_t pid, int status)
{
	struct agent	*ag;

	TAILQ_FOREACH(ag, &agents, entry)
		if (ag->pid == pid)
			break;
	if (ag == NULL)
		return (0);
	if (agents_stopping && (WIFEXITED(status) ||
	    WTERMSIG(status) == SIGTERM))
		;	/* asked to go */
	else if (WIFSIGNALED(status))
		log_warnx("agent %s for uid %ld (pid %ld) killed by SIG%s",
		    ag->kind, (long)ag->uid, (long)pid,
		    sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	else if (WEXITSTATUS(status) != 0)
		log_warnx("agent %s for uid %ld (pid %ld) exited with "
		    "status %d", ag->kind, (long)ag->uid, (long)pid,
		    WEXITSTATUS(status));
	agent_close(ag);
	TAILQ_REMOVE(&agents, ag, entry);
	free(ag);
	return (1);
}

void
parent_agent_broadcast(uint32_t type, const void *data, size_t len)
{
	struct agent	*ag;

	TAILQ_FOREACH(ag, &agents, entry)
		if (!ag->closed)
			peer_compose(&ag->peer, type, 0, 0, -1, data, len);
}

/*
 * The daemon stops: SIGTERM to every agent, and SIGCONT, since a stopped
 * agent (its user can stop it) would not act on SIGTERM.  An mda agent
 * kills its running command's process group and exits.  parent_shutdown()
 * reaps them with parent_agent_reap() within its bounded wait, then
 * parent_agent_kill() ends what is left.
 */
void
parent_agent_shutdown(void)
{
	struct agent	*ag;

	agents_stopping = 1;
	TAILQ_FOREACH(ag, &agents, entry) {
		(void)kill(ag->pid, SIGTERM);
		(void)kill(ag->pid, SIGCONT);
		agent_close(ag);
	}
}

/* Agents not yet reaped. */
size_t
parent_agent_count(void)
{
	struct agent	*ag;
	size_t		 n = 0;

	TAILQ_FOREACH(ag, &agents, entry)
		n++;
	return (n);
}

/* End of the stop: SIGKILL and reap the agents that did not go. */
void
parent_agent_kill(void)
{
	struct agent	*ag;
	int		 status;

	while ((ag = TAILQ_FIRST(&agents)) != NULL) {
		log_warnx("agent %s for uid %ld (pid %ld) did not stop, "
		    "killing it", ag->kind, (long)ag->uid, (long)ag->pid);
		(void)kill(ag->pid, SIGKILL);
		while (waitpid(ag->pid, &status, 0) == -1 && errno == EINTR)
			;
		TAILQ_REMOVE(&agents, ag, entry);
		free(ag);
	}
}
