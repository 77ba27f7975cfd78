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
 * queue.c -- the queue process: messages being received, the group commit
 * and the start-up load.  Deliveries and bounces are in queue_deliver.c,
 * smtpctl requests in queue_ctl.c, the store in queue_fs.c.
 *
 * SECURITY: runs as SMTPD_USER_QUEUE, chrooted into the spool, under
 * SANDBOX_QUEUE (no sockets but the inherited channels, no exec).  It
 * holds every accepted message.  smtp can only create, fill (through the
 * fd it is given), commit or roll back its own incoming file; envelopes
 * come from lka alone, so a compromised smtp cannot invent a delivery.
 *
 * Durability: MESSAGE_COMMITTED with ST_OK is sent only after the message
 * and its envelope file are on disk (syncfs), the envelope file renamed
 * into queue/ and queue/ fsync'ed.  Commits are batched: the first one
 * arms a zero-timeout event, and the round it runs stages the envelope
 * files of every pending message, syncs all data once, puts the files in
 * place, fsyncs queue/ once and answers them all.  Envelope rewrites
 * (retries, removals) ride the same round.
 * Which message ids exist is known in RAM (pending and scheduled
 * messages; start-up loads or removes every file of queue/), so that
 * allocating one costs no lookup on disk.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <event.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "queue.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "smtpd.h"
#include "util.h"

/* An envelope of a message being received, by the request that made it. */
struct qpenv {
	uint64_t		 reqid;
	int			 confirmed;	/* EXPAND_DONE seen */
	struct envelope		 evp;
};

struct qpending {
	RB_ENTRY(qpending)	 entry;
	TAILQ_ENTRY(qpending)	 commit_entry;
	uint32_t		 msgid;
	int			 committing;
	uint64_t		 reqid;		/* of the COMMIT */
	uint64_t		 size;
	struct qpenv		*envs;
	size_t			 nenv;
	int			 overflow;
	struct qbounce		*bounce;	/* NULL: from smtp */
	uint32_t		 spare;		/* staged .env (round) */
	/* COMMIT_PREFIX: header text to put before the message, flags */
	char			*prefix;	/* NULL: none (no cost) */
	size_t			 prefixlen;
	uint32_t		 cflags;	/* COMMIT_FLAGS for each env */
};

RB_HEAD(qpending_tree, qpending);
TAILQ_HEAD(qpending_list, qpending);
RB_PROTOTYPE(qpending_tree, qpending, entry, queue_pending_cmp);

struct scheduler		 queue_sched;
struct queue_stats		 queue_stats;

static struct qpending_tree	 queue_pending =
    RB_INITIALIZER(&queue_pending);
static struct qpending_list	 queue_commits =
    TAILQ_HEAD_INITIALIZER(queue_commits);
static struct event		 queue_round_ev;
static int			 queue_round_armed;	/* QROUND_* */

#define QROUND_IDLE		0
#define QROUND_NOW		1	/* this event-loop round */
#define QROUND_LATER		2	/* retrying failed rewrites */

int		 queue_pending_cmp(struct qpending *, struct qpending *);
static void	 queue_configured(void);
static void	 queue_ready(void);
static void	 queue_reload(void *);
static void	 queue_load_cb(void *, uint32_t, struct envelope *, size_t);
static struct qpending *queue_pending_new(uint32_t);
static struct qpending *queue_pending_find(uint32_t);
static void	 queue_pending_free(struct qpending *);
static void	 queue_reply(uint32_t, uint64_t, uint32_t, int,
		    const char *);
static void	 queue_commit_add(struct qpending *);
static void	 queue_commit_fail(struct qpending *, int, const char *);
static void	 queue_commit_done(struct qpending *, time_t);
static int	 queue_commit_stage(struct qpending *);
struct qrewrite;
static ssize_t	 queue_round_rewrite_stage(struct qrewrite **, int *);
static int	 queue_round_rewrite_install(struct qrewrite *, size_t, int);
static void	 queue_round(int, short, void *);
static void	 queue_imsg_create(struct peer *, struct imsg *);
static void	 queue_imsg_commit(struct peer *, struct imsg *);
static void	 queue_imsg_rollback(struct peer *, struct imsg *);
static void	 queue_imsg_envelope(struct peer *, struct imsg *);
static void	 queue_imsg_expand_done(struct peer *, struct imsg *);
static void	 queue_imsg_rcpt_fail(struct peer *, struct imsg *);

RB_GENERATE(qpending_tree, qpending, entry, queue_pending_cmp);

static const struct imsg_handler queue_smtp_handlers[] = {
	{ IMSG_SMTP_MESSAGE_CREATE,	queue_imsg_create },
	{ IMSG_SMTP_MESSAGE_COMMIT,	queue_imsg_commit },
	{ IMSG_SMTP_MESSAGE_COMMIT_PREFIX, queue_imsg_commit },
	{ IMSG_SMTP_MESSAGE_ROLLBACK,	queue_imsg_rollback },
	{ IMSG_MTA_DELIVERY_RESULT,	queue_deliver_imsg_result },
};

static const struct imsg_handler queue_lka_handlers[] = {
	{ IMSG_LKA_ENVELOPE,		queue_imsg_envelope },
	{ IMSG_LKA_EXPAND_DONE,		queue_imsg_expand_done },
	{ IMSG_LKA_RCPT_FAIL,		queue_imsg_rcpt_fail },
};

static const struct imsg_handler queue_parent_handlers[] = {
	{ IMSG_PARENT_DELIVERY_RESULT,	queue_deliver_imsg_result },
};

static const struct imsg_handler queue_control_handlers[] = {
	{ IMSG_CTL_SHOW_QUEUE,		queue_ctl_imsg_show_queue },
	{ IMSG_CTL_SHOW_STATS,		queue_ctl_imsg_show_stats },
	{ IMSG_CTL_SCHEDULE,		queue_ctl_imsg_schedule },
	{ IMSG_CTL_REMOVE,		queue_ctl_imsg_remove },
	{ IMSG_CTL_PAUSE,		queue_ctl_imsg_pause },
	{ IMSG_CTL_RESUME,		queue_ctl_imsg_resume },
};

static const struct proc_handlers queue_peers[] = {
	PROC_HANDLERS(PROC_SMTP, queue_smtp_handlers),
	PROC_HANDLERS(PROC_LKA, queue_lka_handlers),
	PROC_HANDLERS(PROC_PARENT, queue_parent_handlers),
	PROC_HANDLERS(PROC_CONTROL, queue_control_handlers),
};

void
queue_main(void)
{
	static const struct proc_child ops = {
		.id = PROC_QUEUE,
		.configured = queue_configured,
		.ready = queue_ready,
		.reload = queue_reload,
		.peers = queue_peers,
		.npeers = nitems(queue_peers),
	};

	child_run(&ops);
}

int
queue_pending_cmp(struct qpending *a, struct qpending *b)
{
	if (a->msgid < b->msgid)
		return (-1);
	return (a->msgid > b->msgid);
}

/* Still root: make the spool directories, chroot into it, confine. */
static void
queue_configured(void)
{
	struct passwd	*pw;

	if ((pw = getpwnam(SMTPD_USER_QUEUE)) == NULL)
		fatalx("unknown user %s", SMTPD_USER_QUEUE);
	queue_fs_init(env->spooldir);
	if (queue_fs_mkdirs(pw->pw_uid, pw->pw_gid) == -1)
		fatalx("cannot set up the spool %s", env->spooldir);
	privsep_drop(SMTPD_USER_QUEUE, env->spooldir);
	queue_fs_init("");
	smtpd_sandbox(SANDBOX_QUEUE);

	scheduler_init(&queue_sched, env->retry_min, env->retry_max);
	evtimer_set(&queue_round_ev, queue_round, NULL);
	queue_deliver_init();
}

static void
queue_ready(void)
{
	struct queue_fs_loadstats	 st;

	if (queue_fs_load(queue_load_cb, NULL, &st) == -1)
		fatalx("cannot read the queue");
	queue_stats.corrupt += st.corrupt;
	log_info("queue loaded: messages=%zu envelopes=%zu removed=%zu "
	    "corrupt=%zu", st.messages, st.envelopes, st.removed, st.corrupt);
	queue_deliver_kick();
}

static void
queue_reload(void *old)
{
	scheduler_set_retry(&queue_sched, env->retry_min, env->retry_max);
}

static void
queue_load_cb(void *arg, uint32_t msgid, struct envelope *evps, size_t n)
{
	struct qmsg	*m;
	size_t		 i;

	m = scheduler_msg_new(&queue_sched, msgid);
	for (i = 0; i < n; i++)
		if (scheduler_add(&queue_sched, m, &evps[i]) == NULL)
			fatalx("%016llx loaded twice",
			    (unsigned long long)evps[i].id);
}

static struct qpending *
queue_pending_new(uint32_t msgid)
{
	struct qpending	*q;

	q = xcalloc(1, sizeof(*q));
	q->msgid = msgid;
	if (RB_INSERT(qpending_tree, &queue_pending, q) != NULL)
		fatalx("pending message %08x exists", msgid);
	return (q);
}

static struct qpending *
queue_pending_find(uint32_t msgid)
{
	struct qpending	 key;

	key.msgid = msgid;
	return (RB_FIND(qpending_tree, &queue_pending, &key));
}

static void
queue_pending_free(struct qpending *q)
{
	if (q->committing)
		TAILQ_REMOVE(&queue_commits, q, commit_entry);
	RB_REMOVE(qpending_tree, &queue_pending, q);
	free(q->envs);
	free(q->prefix);
	free(q);
}

/* A bounce written into queue/<msgid>.msg, waiting for lka's expansion. */
void
queue_pending_bounce(uint32_t msgid, struct qbounce *b)
{
	queue_pending_new(msgid)->bounce = b;
}

/*
 * A fresh msgid, unused in RAM (hence on disk), with queue/<msgid>.msg
 * created.
 * Returns the write fd, or -1 (logged) with errno set.
 */
int
queue_msgid_alloc(uint32_t *msgidp)
{
	char		 what[64];
	uint32_t	 msgid;
	int		 fd, tries, saved;

	for (tries = 0; tries < 100; tries++) {
		msgid = rand_u32();
		if (msgid == 0 || queue_pending_find(msgid) != NULL ||
		    scheduler_msg_find(&queue_sched, msgid) != NULL)
			continue;
		if ((fd = queue_fs_create(msgid)) == -1) {
			if (errno == EEXIST)
				continue;
			saved = errno;
			(void)snprintf(what, sizeof(what),
			    "create queue/%08x.msg", msgid);
			queue_space_error(saved, what);
			errno = saved;
			return (-1);
		}
		*msgidp = msgid;
		return (fd);
	}
	log_warnx("queue: no free message id");
	errno = EAGAIN;
	return (-1);
}

static void
queue_reply(uint32_t type, uint64_t reqid, uint32_t msgid, int status,
    const char *text)
{
	struct msg_reply	 r;
	struct peer		*p;

	if ((p = child_peer(PROC_SMTP)) == NULL)
		fatalx("queue: no smtp peer");
	memset(&r, 0, sizeof(r));
	r.reqid = reqid;
	r.msgid = msgid;
	r.status = status;
	(void)strlcpy(r.text, text, sizeof(r.text));
	peer_compose(p, type, 0, 0, -1, &r, sizeof(r));
}

static void
queue_imsg_create(struct peer *p, struct imsg *imsg)
{
	struct msg_req		 req;
	struct msg_reply	 r;
	uint32_t		 msgid;
	int			 fd;

	imsg_payload(imsg, &req, sizeof(req));
	memset(&r, 0, sizeof(r));
	r.reqid = req.reqid;
	/* below min-free: refuse before the client sends anything */
	if (queue_space_check() == -1 ||
	    (fd = queue_msgid_alloc(&msgid)) == -1) {
		r.status = ST_TEMPFAIL;
		(void)strlcpy(r.text, queue_space_low() ? QUEUE_NO_SPACE :
		    queue_space_reply(errno), sizeof(r.text));
		peer_compose(p, IMSG_QUEUE_MESSAGE_CREATED, 0, 0, -1, &r,
		    sizeof(r));
		return;
	}
	(void)queue_pending_new(msgid);
	r.msgid = msgid;
	r.status = ST_OK;
	peer_compose(p, IMSG_QUEUE_MESSAGE_CREATED, 0, 0, fd, &r, sizeof(r));
}

/*
 * COMMIT, or COMMIT_PREFIX: the same with header text to put before the
 * message and envelope flags (the rule table checked both, see struct
 * msg_commit), kept until the round stages the message.
 */
static void
queue_imsg_commit(struct peer *p, struct imsg *imsg)
{
	struct msg_req		 req;
	struct msg_commit	 mc;
	struct qpending		*q;
	char			*prefix = NULL;
	size_t			 len;

	memset(&mc, 0, sizeof(mc));
	if (imsg_get_type(imsg) == IMSG_SMTP_MESSAGE_COMMIT_PREFIX) {
		len = imsg_get_len(imsg);
		prefix = xmalloc(len);
		imsg_payload(imsg, prefix, len);
		memcpy(&mc, prefix, sizeof(mc));
		memmove(prefix, prefix + sizeof(mc), mc.len);
		req = mc.req;
	} else
		imsg_payload(imsg, &req, sizeof(req));
	q = queue_pending_find(req.msgid);
	if (q != NULL && q->bounce == NULL && !q->committing) {
		free(q->prefix);
		q->prefix = mc.len > 0 ? prefix : NULL;
		q->prefixlen = mc.len;
		q->cflags = mc.flags;
		if (mc.len > 0)
			prefix = NULL;
	}
	free(prefix);
	if (q == NULL || q->bounce != NULL || q->committing) {
		log_warnx("queue: commit of unknown message %08x", req.msgid);
		queue_reply(IMSG_QUEUE_MESSAGE_COMMITTED, req.reqid,
		    req.msgid, ST_TEMPFAIL, QUEUE_WRITE_ERROR);
		return;
	}
	q->reqid = req.reqid;
	q->size = req.size;
	if (queue_space_check() == -1) {
		/* the reserve is for the mail already accepted */
		queue_fs_discard(q->msgid);
		queue_commit_fail(q, ST_TEMPFAIL, QUEUE_NO_SPACE);
		return;
	}
	queue_commit_add(q);
}

static void
queue_imsg_rollback(struct peer *p, struct imsg *imsg)
{
	struct msg_req		 req;
	struct qpending		*q;

	imsg_payload(imsg, &req, sizeof(req));
	/* A committed message is never rolled back: it was acknowledged. */
	q = queue_pending_find(req.msgid);
	if (q == NULL || q->bounce != NULL) {
		log_debug("queue: rollback of unknown message %08x",
		    req.msgid);
		return;
	}
	queue_fs_discard(q->msgid);
	queue_pending_free(q);
}

static void
queue_imsg_envelope(struct peer *p, struct imsg *imsg)
{
	struct envelope_msg	 em;
	struct envelope		*e = &em.evp;
	struct qpending		*q;
	uint32_t		 msgid;
	size_t			 i;
	time_t			 now = time(NULL);

	imsg_payload(imsg, &em, sizeof(em));
	msgid = evpid_to_msgid(e->id);
	if ((q = queue_pending_find(msgid)) == NULL || q->committing) {
		/* The session went away while lka was expanding. */
		log_debug("queue: envelope for gone message %08x", msgid);
		return;
	}
	if (q->nenv >= QUEUE_MAX_ENVELOPES) {
		q->overflow = 1;
		return;
	}
	/* The queue owns the ids and the scheduling fields. */
	for (;;) {
		for (i = 0; i < q->nenv; i++)
			if (q->envs[i].evp.id == e->id)
				break;
		if (i == q->nenv && (uint32_t)e->id != 0)
			break;
		e->id = evpid_make(msgid);
	}
	if (e->ctime <= 0 || e->ctime > now)
		e->ctime = now;
	if (e->expire <= e->ctime)
		e->expire = e->ctime + env->queue_ttl;
	e->lasttry = e->nexttry = 0;
	e->retry = 0;
	e->errorline[0] = '\0';
	/* only the queue marks its own bounces, and holds */
	e->flags &= ~(EF_BOUNCE | EF_POSTMASTER | EF_HELD);
	if (q->bounce != NULL) {
		e->flags |= queue_deliver_bounce_flags(q->bounce);
		memset(&e->sender, 0, sizeof(e->sender));
	}
	q->envs = xreallocarray(q->envs, q->nenv + 1, sizeof(*q->envs));
	q->envs[q->nenv].reqid = em.reqid;
	q->envs[q->nenv].confirmed = 0;
	q->envs[q->nenv++].evp = *e;
}

static void
queue_imsg_expand_done(struct peer *p, struct imsg *imsg)
{
	struct rcpt_reply	 rr;
	struct qpending		*q;
	struct peer		*smtp;
	uint32_t		 n = 0;
	size_t			 i;

	imsg_payload(imsg, &rr, sizeof(rr));
	if ((q = queue_pending_find(rr.msgid)) == NULL || q->committing) {
		log_debug("queue: expansion for gone message %08x",
		    rr.msgid);
		return;
	}
	for (i = 0; i < q->nenv; i++)
		if (q->envs[i].reqid == rr.reqid && !q->envs[i].confirmed) {
			q->envs[i].confirmed = 1;
			n++;
		}
	if (n != rr.count && !q->overflow)
		log_warnx("queue: %08x: lka announced %u envelopes, got %u",
		    q->msgid, rr.count, n);
	if (q->bounce != NULL) {
		q->size = queue_deliver_bounce_size(q->bounce);
		queue_commit_add(q);
		return;
	}
	if ((smtp = child_peer(PROC_SMTP)) == NULL)
		fatalx("queue: no smtp peer");
	rr.status = ST_OK;
	rr.count = n;
	peer_compose(smtp, IMSG_QUEUE_RCPT_OK, 0, 0, -1, &rr, sizeof(rr));
}

/* Only for our bounces: the sender of the failed message is unknown. */
static void
queue_imsg_rcpt_fail(struct peer *p, struct imsg *imsg)
{
	struct rcpt_reply	 rr;
	struct qpending		*q;
	struct qbounce		*b;

	imsg_payload(imsg, &rr, sizeof(rr));
	q = queue_pending_find(rr.msgid);
	if (q == NULL || q->bounce == NULL || q->committing) {
		log_warnx("queue: recipient failure for message %08x, "
		    "not a bounce", rr.msgid);
		return;
	}
	b = q->bounce;
	queue_fs_discard(q->msgid);
	queue_pending_free(q);
	queue_deliver_bounce_failed(b, rr.status, rr.text);
}

static int
queue_envelope_sees_rcpt(const struct envelope *e)
{
	struct action	*a;

	if (e->dtype == DT_PIPE)
		return (1);
	if (e->dtype == DT_FILE)
		return (0);
	a = config_action(env, e->action);
	return (a == NULL || (a->method != A_MBOX && a->method != A_MAILDIR));
}

/*
 * The same final delivery twice in one message (RCPT TO repeated, or two
 * aliases reaching one user) is delivered once.
 */
static int
queue_envelope_dup(const struct qpenv *envs, size_t n,
    const struct envelope *e)
{
	const struct envelope	*o;
	size_t			 i;

	for (i = 0; i < n; i++) {
		o = &envs[i].evp;
		if (o->dtype != e->dtype ||
		    strcmp(o->action, e->action) != 0 ||
		    strcmp(o->user, e->user) != 0 ||
		    strcmp(o->arg, e->arg) != 0)
			continue;
		if (strcasecmp(o->dest.user, e->dest.user) != 0 ||
		    strcasecmp(o->dest.domain, e->dest.domain) != 0)
			continue;
		/*
		 * A file or mailbox only sees the destination; a command
		 * or an LMTP server also sees the recipient as given.
		 */
		if (queue_envelope_sees_rcpt(e) &&
		    (strcasecmp(o->rcpt.user, e->rcpt.user) != 0 ||
		    strcasecmp(o->rcpt.domain, e->rcpt.domain) != 0))
			continue;
		return (1);
	}
	return (0);
}

/* Queue q for this round's group commit, unless it cannot succeed. */
static void
queue_commit_add(struct qpending *q)
{
	struct qbounce	*b;
	size_t		 i, n = 0;

	for (i = 0; i < q->nenv; i++)
		if (q->envs[i].confirmed &&
		    !queue_envelope_dup(q->envs, n, &q->envs[i].evp))
			q->envs[n++] = q->envs[i];
	q->nenv = n;
	if (q->bounce != NULL && (q->overflow || q->nenv == 0)) {
		b = q->bounce;
		queue_fs_discard(q->msgid);
		queue_pending_free(q);
		queue_deliver_bounce_failed(b, ST_PERMFAIL,
		    "sender expands to nothing");
		return;
	}
	if (q->overflow) {
		queue_fs_discard(q->msgid);
		queue_commit_fail(q, ST_PERMFAIL,
		    "552 5.5.3 Too many recipients");
		return;
	}
	if (q->nenv == 0) {
		queue_fs_discard(q->msgid);
		queue_commit_fail(q, ST_PERMFAIL,
		    "554 5.5.1 No valid recipients");
		return;
	}
	q->committing = 1;
	TAILQ_INSERT_TAIL(&queue_commits, q, commit_entry);
	queue_round_schedule();
}

/* Tell the requester; the files are already gone.  Frees q. */
static void
queue_commit_fail(struct qpending *q, int status, const char *text)
{
	struct qbounce	*b = q->bounce;
	uint32_t	 msgid = q->msgid;
	uint64_t	 reqid = q->reqid;

	queue_pending_free(q);
	if (b != NULL) {
		queue_deliver_bounce_committed(b, 0, NULL);
		return;
	}
	log_warnx("%08x queue commit failed: %s", msgid, text);
	queue_reply(IMSG_QUEUE_MESSAGE_COMMITTED, reqid, msgid, status, text);
}

/* Durable: hand the envelopes to the scheduler and answer.  Frees q. */
static void
queue_commit_done(struct qpending *q, time_t now)
{
	struct qbounce	*b = q->bounce;
	struct qmsg	*m;
	char		 text[ERRLINE_MAX];
	size_t		 i;

	m = scheduler_msg_new(&queue_sched, q->msgid);
	for (i = 0; i < q->nenv; i++) {
		q->envs[i].evp.nexttry = now;
		if (scheduler_add(&queue_sched, m, &q->envs[i].evp) == NULL)
			fatalx("%016llx committed twice",
			    (unsigned long long)q->envs[i].evp.id);
	}
	log_debug("%08x queue commit envelopes=%zu size=%llu", q->msgid,
	    q->nenv, (unsigned long long)q->size);
	if (b != NULL) {
		queue_pending_free(q);
		queue_deliver_bounce_committed(b, 1, m);
		return;
	}
	(void)snprintf(text, sizeof(text), "250 2.0.0 Ok: queued as %08x",
	    q->msgid);
	queue_reply(IMSG_QUEUE_MESSAGE_COMMITTED, q->reqid, q->msgid, ST_OK,
	    text);
	queue_pending_free(q);
}

static int
queue_commit_stage(struct qpending *q)
{
	const struct envelope	**v;
	size_t			  i;
	int			  r;

	if (queue_fs_msg_check(q->msgid, q->size) == -1)
		return (-1);
	/* smtp's size was checked: now its header text goes on top */
	if (q->prefix != NULL && queue_fs_msg_prefix(q->msgid, q->size,
	    q->prefix, q->prefixlen) == -1)
		return (-1);
	if (q->prefix != NULL)
		q->size += q->prefixlen;
	v = xreallocarray(NULL, q->nenv, sizeof(*v));
	for (i = 0; i < q->nenv; i++) {
		q->envs[i].evp.flags |= q->cflags;
		v[i] = &q->envs[i].evp;
	}
	r = queue_fs_env_stage(q->msgid, v, q->nenv, &q->spare);
	free(v);
	return (r);
}

struct qrewrite {
	struct qmsg	*m;
	uint32_t	 spare;
};

/* Stage the dirty envelope files; their count (*err: some failed). */
static ssize_t
queue_round_rewrite_stage(struct qrewrite **out, int *err)
{
	const struct envelope	**v = NULL;
	struct qrewrite		 *rw = NULL;
	struct qmsg		 *m;
	struct qenv		 *e;
	TAILQ_HEAD(, qmsg)	  failed = TAILQ_HEAD_INITIALIZER(failed);
	size_t			  n, nrw = 0;

	while ((m = TAILQ_FIRST(&queue_sched.dirty)) != NULL) {
		scheduler_msg_clean(&queue_sched, m);
		v = xreallocarray(v, m->count, sizeof(*v));
		n = 0;
		TAILQ_FOREACH(e, &m->envs, msg_entry)
			v[n++] = &e->evp;
		rw = xreallocarray(rw, nrw + 1, sizeof(*rw));
		if (queue_fs_env_stage(m->msgid, v, n, &rw[nrw].spare) ==
		    -1) {
			TAILQ_INSERT_TAIL(&failed, m, dirty_entry);
			continue;
		}
		rw[nrw++].m = m;
	}
	free(v);
	while ((m = TAILQ_FIRST(&failed)) != NULL) {
		TAILQ_REMOVE(&failed, m, dirty_entry);
		scheduler_msg_dirty(&queue_sched, m);
		*err = 1;
	}
	*out = rw;
	return ((ssize_t)nrw);
}

/* After the data sync: install them (or give them back on failure). */
static int
queue_round_rewrite_install(struct qrewrite *rw, size_t nrw, int synced)
{
	size_t	i;
	int	r = 0;

	for (i = 0; i < nrw; i++) {
		if (synced && queue_fs_env_install(rw[i].m->msgid,
		    rw[i].spare, 1) == 0)
			continue;
		if (!synced)
			queue_fs_env_unstage(rw[i].spare);
		scheduler_msg_dirty(&queue_sched, rw[i].m);
		r = -1;
	}
	free(rw);
	return (r);
}

void
queue_round_schedule(void)
{
	struct timeval	 tv = { 0, 0 };

	if (queue_round_armed == QROUND_NOW)
		return;
	queue_round_armed = QROUND_NOW;
	evtimer_add(&queue_round_ev, &tv);
}

/*
 * One group commit: stage every envelope file of the round, one syncfs
 * for all data, install them, one fsync of queue/, then answer.
 */
static void
queue_round(int fd, short event, void *arg)
{
	struct qpending_list	 staged = TAILQ_HEAD_INITIALIZER(staged);
	struct qpending_list	 done = TAILQ_HEAD_INITIALIZER(done);
	struct qpending		*q;
	struct qrewrite		*rw = NULL;
	struct timeval		 tv = { 1, 0 };
	time_t			 now = time(NULL);
	ssize_t			 nrw;
	int			 rewrote = 0, synced = 0, sync = 0, rwerr = 0;
	int			 err = 0;

	queue_round_armed = QROUND_IDLE;
	while ((q = TAILQ_FIRST(&queue_commits)) != NULL) {
		TAILQ_REMOVE(&queue_commits, q, commit_entry);
		q->committing = 0;
		if (queue_commit_stage(q) == -1) {
			err = errno;
			queue_fs_abort(q->msgid);
			queue_commit_fail(q, ST_TEMPFAIL,
			    queue_space_reply(err));
			continue;
		}
		TAILQ_INSERT_TAIL(&staged, q, commit_entry);
	}
	nrw = queue_round_rewrite_stage(&rw, &rwerr);
	if (!TAILQ_EMPTY(&staged) || nrw > 0) {
		synced = queue_fs_data_sync() == 0;
		err = synced ? 0 : errno;
	}
	while ((q = TAILQ_FIRST(&staged)) != NULL) {
		TAILQ_REMOVE(&staged, q, commit_entry);
		if (!synced || queue_fs_env_install(q->msgid, q->spare,
		    0) == -1) {
			if (synced)
				err = errno;
			else
				queue_fs_env_unstage(q->spare);
			queue_fs_abort(q->msgid);
			queue_commit_fail(q, ST_TEMPFAIL,
			    queue_space_reply(err));
			continue;
		}
		TAILQ_INSERT_TAIL(&done, q, commit_entry);
	}
	if (nrw > 0)
		rewrote = 1;
	if (queue_round_rewrite_install(rw, (size_t)nrw, synced) == -1 ||
	    rwerr)
		rewrote = -1;
	if (!TAILQ_EMPTY(&done) || rewrote != 0) {
		sync = queue_fs_sync();
		err = sync == 0 ? 0 : errno;
	}
	while ((q = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, q, commit_entry);
		if (sync == -1) {
			queue_fs_abort(q->msgid);
			queue_commit_fail(q, ST_TEMPFAIL,
			    queue_space_reply(err));
		} else
			queue_commit_done(q, now);
	}
	if (rewrote == -1 && queue_round_armed == QROUND_IDLE) {
		/* Disk trouble: try the rewrites again in a second. */
		queue_round_armed = QROUND_LATER;
		evtimer_add(&queue_round_ev, &tv);
	}
	queue_deliver_kick();
}

/* Forget q; rewrite its message's envelope file, or delete the message. */
void
queue_envelope_remove(struct qenv *q)
{
	struct qmsg	*m = q->msg;

	scheduler_delete(&queue_sched, q);
	if (m->count == 0) {
		queue_fs_delete(m->msgid);
		scheduler_msg_free(&queue_sched, m);
		return;
	}
	scheduler_msg_dirty(&queue_sched, m);
	queue_round_schedule();
}
