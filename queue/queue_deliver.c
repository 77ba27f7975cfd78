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
 * queue_deliver.c -- deliveries, their results, and bounces.
 *
 * A timer fires when the scheduler's next envelope is due; each due
 * envelope goes, with the message open read-only, to the smtp process's
 * mta as IMSG_QUEUE_MTA_DELIVER when its action relays, else to the parent
 * as IMSG_QUEUE_DELIVER (local delivery agents).  The result comes back as
 * IMSG_MTA_DELIVERY_RESULT or IMSG_PARENT_DELIVERY_RESULT and is logged in
 * one line (with where a relayed envelope went and over which TLS).  Envelopes that fail for good are collected during
 * an event-loop round; then one bounce per original message is written
 * into queue/<msgid>.msg, lka expands its recipient (the original sender),
 * and it is committed like any message.  Only once the bounce is durable
 * are the failed envelopes removed.
 *
 * Nothing accepted is dropped.  A bounce goes to postmaster (of our
 * hostname, through the rules and aliases like any recipient) when the
 * sender cannot receive it: sender <>, the failed message is itself a
 * bounce (a double bounce), or the sender does not expand.  A bounce to
 * postmaster (EF_POSTMASTER) is never bounced: when it fails, or when
 * postmaster does not expand, the envelope is held (EF_HELD, persisted)
 * with its reason, one log line, until smtpctl schedule releases it.
 *
 * Delay notices (RFC 3464, Action: delayed) ride the same path: when an
 * envelope that is still being retried has been queued longer than the
 * next "bounce warn-interval" delay (scheduler_warn_level()), it joins
 * the round's notices; one notice per original message is built and
 * committed like a bounce, and once it is durable the envelopes' warned
 * count is rewritten, so that a restart does not send it again.  The
 * envelopes stay queued.  A notice goes to the sender only: never to <>,
 * never for a bounce, never to postmaster; if the sender does not expand
 * it is dropped, with a log line.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "queue.h"
#include "smtpd.h"
#include "util.h"

#define QUEUE_READ_ERROR	"451 4.3.0 Queue read error"
#define QUEUE_BOUNCE_TEMP_MAX	5	/* then as a permanent failure */

struct qbounce {
	uint32_t	 msgid;		/* of the bounce */
	uint32_t	 origmsgid;
	uint64_t	*evpids;	/* failed envelopes of origmsgid */
	size_t		 nevp;
	uint64_t	 size;
	int		 postmaster;	/* to postmaster, not the sender */
	int		 notice;	/* a delay notice: envelopes stay */
	uint32_t	*levels;	/* notice: warned count of each */
	char		 why[ERRLINE_MAX];	/* why not to the sender */
};

static struct event	 queue_deliver_ev;
static struct event	 queue_bounce_ev;
static int		 queue_bounce_armed;
static uint64_t		*queue_bounce_todo;
static size_t		 queue_bounce_ntodo;
static struct event	 queue_warn_ev;
static int		 queue_warn_armed;
static uint64_t		*queue_warn_todo;
static size_t		 queue_warn_ntodo;

static void	queue_deliver_run(int, short, void *);
static void	queue_deliver_one(struct qenv *, time_t);
static void	queue_deliver_apply(struct qenv *,
		    const struct delivery_result *, time_t);
static void	queue_deliver_log(const struct qenv *, int,
		    const struct delivery_result *, time_t);
static void	queue_deliver_tempfail(struct qenv *, const char *, time_t);
static void	queue_deliver_bounce_add(struct qenv *);
static void	queue_deliver_bymsg(uint64_t *, size_t,
		    int (*)(struct qenv *),
		    void (*)(struct qenv **, size_t, time_t));
static int	queue_deliver_bounce_take(struct qenv *);
static void	queue_deliver_bounce_group(struct qenv **, size_t, time_t);
static void	queue_deliver_bounce_round(int, short, void *);
static void	queue_deliver_bounce_make(struct qenv **, size_t, time_t,
		    const char *);
static int	queue_deliver_bounce_write(struct qenv **, size_t,
		    const struct qbounce *, int, time_t, uint64_t *);
static void	queue_deliver_bounce_retry(struct qenv **, size_t, time_t);
static void	queue_deliver_bounce_expand(const struct qbounce *,
		    const struct envelope *);
static void	queue_deliver_postmaster(struct mailaddr *);
static void	queue_deliver_hold(struct qenv *, const char *);
static int	queue_deliver_cmp64(const void *, const void *);
static enum sched_class queue_deliver_class(const struct envelope *);
static void	queue_deliver_warn_check(struct qenv *, time_t);
static int	queue_deliver_warn_take(struct qenv *);
static void	queue_deliver_warn_round(int, short, void *);
static void	queue_deliver_warn_make(struct qenv **, size_t, time_t);
static void	queue_deliver_warn_done(struct qbounce *, int, int,
		    const char *);

void
queue_deliver_init(void)
{
	evtimer_set(&queue_deliver_ev, queue_deliver_run, NULL);
	evtimer_set(&queue_bounce_ev, queue_deliver_bounce_round, NULL);
	evtimer_set(&queue_warn_ev, queue_deliver_warn_round, NULL);
	scheduler_set_classify(&queue_sched, queue_deliver_class);
}

/* The mta delivers the envelopes of a relay action; agents the rest. */
static enum sched_class
queue_deliver_class(const struct envelope *e)
{
	struct action	*a;

	if (e->dtype != DT_MAILBOX)
		return (SCHED_MDA);
	a = config_action(env, e->action);
	return (a != NULL && a->method == A_RELAY ? SCHED_MTA : SCHED_MDA);
}

/* Arm the timer for the next due envelope, if any can go out. */
void
queue_deliver_kick(void)
{
	struct timeval	 tv = { 0, 0 };
	time_t		 when, now = time(NULL);

	evtimer_del(&queue_deliver_ev);
	if (!scheduler_next_time(&queue_sched, &when))
		return;
	if (when > now)
		tv.tv_sec = when - now;
	evtimer_add(&queue_deliver_ev, &tv);
}

static void
queue_deliver_run(int fd, short event, void *arg)
{
	struct qenv	*q;
	time_t		 now = time(NULL);

	while ((q = scheduler_next(&queue_sched, now)) != NULL) {
		if (q->flags & QENV_F_BOUNCE) {
			scheduler_bouncing(&queue_sched, q);
			queue_deliver_bounce_add(q);
			continue;
		}
		queue_deliver_one(q, now);
	}
	queue_deliver_kick();
}

/*
 * One due envelope: relayed mail to the mta (smtp process), the rest to
 * the parent.  An action gone from the configuration (reload) goes to the
 * parent, which fails it with the reason.
 */
static void
queue_deliver_one(struct qenv *q, time_t now)
{
	const struct action	*a;
	struct envelope		 evp;
	struct peer		*p;
	uint32_t		 type = IMSG_QUEUE_DELIVER;
	int			 fd, proc = PROC_PARENT;

	a = config_action(env, q->evp.action);
	if (a != NULL && a->method == A_RELAY) {
		type = IMSG_QUEUE_MTA_DELIVER;
		proc = PROC_SMTP;
	}
	if ((p = child_peer(proc)) == NULL)
		fatalx("queue: no link to %s", proc_name(proc));
	if ((fd = queue_fs_open(evpid_to_msgid(q->evp.id))) == -1) {
		log_warn("%016llx queue: cannot open message",
		    (unsigned long long)q->evp.id);
		queue_deliver_tempfail(q, QUEUE_READ_ERROR, now);
		return;
	}
	log_debug("%016llx queue deliver%s", (unsigned long long)q->evp.id,
	    proc == PROC_SMTP ? " (mta)" : "");
	evp = q->evp;
	if ((q->flags & QENV_F_FORCED) && proc == PROC_SMTP)
		evp.flags |= EF_FORCED;
	q->flags &= ~QENV_F_FORCED;
	peer_compose(p, type, 0, 0, fd, &evp, sizeof(evp));
}

/* A failure of the queue's own, before the envelope left. */
static void
queue_deliver_tempfail(struct qenv *q, const char *why, time_t now)
{
	struct delivery_result	 dr;

	memset(&dr, 0, sizeof(dr));
	dr.evpid = q->evp.id;
	dr.status = ST_TEMPFAIL;
	(void)strlcpy(dr.errorline, why, sizeof(dr.errorline));
	queue_deliver_apply(q, &dr, now);
}

/* IMSG_PARENT_DELIVERY_RESULT (agents) and IMSG_MTA_DELIVERY_RESULT */
void
queue_deliver_imsg_result(struct peer *p, struct imsg *imsg)
{
	struct delivery_result	 dr;
	struct qenv		*q;

	imsg_payload(imsg, &dr, sizeof(dr));
	q = scheduler_find(&queue_sched, dr.evpid);
	if (q == NULL || q->state != QENV_INFLIGHT) {
		log_warnx("%016llx queue: result for an envelope not in "
		    "flight", (unsigned long long)dr.evpid);
		return;
	}
	queue_deliver_apply(q, &dr, time(NULL));
	queue_deliver_kick();
}

static void
queue_deliver_apply(struct qenv *q, const struct delivery_result *dr,
    time_t now)
{
	enum sched_action	 a;
	int			 status = dr->status;

	a = scheduler_result(&queue_sched, q, status, dr->errorline, now);
	queue_deliver_log(q, status, dr, now);
	switch (a) {
	case SCHED_DONE:
		queue_stats.delivered++;
		queue_envelope_remove(q);
		break;
	case SCHED_RETRY:
		queue_stats.tempfail++;
		scheduler_msg_dirty(&queue_sched, q->msg);
		queue_round_schedule();
		queue_deliver_warn_check(q, now);
		break;
	case SCHED_BOUNCE:
		if (status == ST_TEMPFAIL)
			queue_stats.tempfail++;
		queue_deliver_bounce_add(q);
		break;
	case SCHED_HOLD:
		queue_deliver_hold(q, "postmaster cannot receive it");
		break;
	case SCHED_REMOVE:
		log_info("%016llx queue envelope removed by the administrator",
		    (unsigned long long)q->evp.id);
		queue_envelope_remove(q);
		break;
	}
}

/*
 * One line per delivery attempt; relayed ones also say where the mail
 * went and over what TLS (" relay=\"mx.example.org [192.0.2.1]:25\"
 * tls=TLSv1.3:CIPHER:verified", tls=none in plaintext).
 */
static void
queue_deliver_log(const struct qenv *q, int status,
    const struct delivery_result *dr, time_t now)
{
	const struct envelope	*e = &q->evp;
	char			 from[MAILADDR_MAX + 1], rcpt[MAILADDR_MAX + 1];
	char			 to[MAILADDR_MAX + 1];
	char			 efrom[1024], eto[1024], ercpt[1024];
	char			 eact[256], estat[1024], erelay[1024];
	char			 etls[512], where[1600] = "";
	const char		*res;

	res = status == ST_OK ? "Ok" : status == ST_TEMPFAIL ? "TempFail" :
	    "PermFail";
	(void)bounce_addr(&e->sender, from, sizeof(from));
	(void)bounce_addr(&e->dest, to, sizeof(to));
	(void)bounce_addr(&e->rcpt, rcpt, sizeof(rcpt));
	(void)log_escape(efrom, sizeof(efrom), from, strlen(from));
	(void)log_escape(eto, sizeof(eto), to, strlen(to));
	(void)log_escape(ercpt, sizeof(ercpt), rcpt, strlen(rcpt));
	(void)log_escape(eact, sizeof(eact), e->action, strlen(e->action));
	(void)log_escape(estat, sizeof(estat), e->errorline,
	    strlen(e->errorline));
	if (dr->relay[0] != '\0') {
		(void)log_escape(erelay, sizeof(erelay), dr->relay,
		    strlen(dr->relay));
		(void)log_escape(etls, sizeof(etls), dr->tls,
		    strlen(dr->tls));
		(void)snprintf(where, sizeof(where), " relay=\"%s\" tls=%s",
		    erelay, etls[0] != '\0' ? etls : "none");
	}
	log_info("%016llx queue delivery evpid=%016llx from=<%s> to=<%s> "
	    "rcpt=<%s> action=%s result=%s delay=%llds attempts=%u%s "
	    "stat=\"%s\"", (unsigned long long)e->id,
	    (unsigned long long)e->id, efrom, eto, ercpt, eact, res,
	    (long long)(now - e->ctime), e->retry, where, estat);
}

/* q failed for good: bounce it with the others failing this round. */
static void
queue_deliver_bounce_add(struct qenv *q)
{
	struct timeval	 tv = { 0, 0 };

	queue_bounce_todo = xreallocarray(queue_bounce_todo,
	    queue_bounce_ntodo + 1, sizeof(*queue_bounce_todo));
	queue_bounce_todo[queue_bounce_ntodo++] = q->evp.id;
	if (!queue_bounce_armed) {
		queue_bounce_armed = 1;
		evtimer_add(&queue_bounce_ev, &tv);
	}
}

static int
queue_deliver_cmp64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * The envelopes of todo that take() keeps, in groups of one original
 * message (evpids sort by msgid first), each group handed to make().
 * todo is freed.
 */
static void
queue_deliver_bymsg(uint64_t *todo, size_t ntodo, int (*take)(struct qenv *),
    void (*make)(struct qenv **, size_t, time_t))
{
	struct qenv	**v, *q;
	size_t		  i, n = 0;
	time_t		  now = time(NULL);

	qsort(todo, ntodo, sizeof(*todo), queue_deliver_cmp64);
	v = xreallocarray(NULL, ntodo, sizeof(*v));
	for (i = 0; i < ntodo; i++) {
		q = scheduler_find(&queue_sched, todo[i]);
		if (q == NULL || !take(q))
			continue;
		if (n > 0 && v[0]->msg != q->msg) {
			make(v, n, now);
			n = 0;
		}
		v[n++] = q;
	}
	if (n > 0)
		make(v, n, now);
	free(v);
	free(todo);
}

/* Still bouncing (an envelope removed meanwhile goes now). */
static int
queue_deliver_bounce_take(struct qenv *q)
{
	if (q->state != QENV_BOUNCING)
		return (0);
	if (q->flags & QENV_F_REMOVE) {
		queue_envelope_remove(q);
		return (0);
	}
	return (1);
}

static void
queue_deliver_bounce_group(struct qenv **v, size_t n, time_t now)
{
	queue_deliver_bounce_make(v, n, now, NULL);
}

/* One bounce per original message. */
static void
queue_deliver_bounce_round(int fd, short event, void *arg)
{
	uint64_t	*todo = queue_bounce_todo;
	size_t		 ntodo = queue_bounce_ntodo;

	queue_bounce_armed = 0;
	queue_bounce_todo = NULL;
	queue_bounce_ntodo = 0;
	if (ntodo == 0)
		return;
	queue_deliver_bymsg(todo, ntodo, queue_deliver_bounce_take,
	    queue_deliver_bounce_group);
	queue_deliver_kick();
}

static void
queue_deliver_bounce_retry(struct qenv **v, size_t n, time_t now)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		scheduler_bounce_retry(&queue_sched, v[i],
		    now + queue_sched.retry_min);
}

/* Write the bounce text into queue/<msgid>.msg through out; closes out. */
static int
queue_deliver_bounce_write(struct qenv **v, size_t n, const struct qbounce *b,
    int out, time_t now, uint64_t *sizep)
{
	const struct envelope	**evps;
	struct bounce_info	  bi;
	struct mailaddr		  pm;
	char			  to[MAILADDR_MAX + 1], notice[2048];
	char			  from[MAILADDR_MAX + 1];
	uint32_t		  msgid = b->msgid;
	char			 *hdr, *text;
	size_t			  len, i;
	ssize_t			  hl = 0;
	int			  fd, r = 0;

	hdr = xmalloc(BOUNCE_HEADERS_MAX);
	if ((fd = queue_fs_open(v[0]->msg->msgid)) != -1) {
		if ((hl = read_full(fd, hdr, BOUNCE_HEADERS_MAX)) == -1)
			hl = 0;
		(void)close(fd);
	}
	evps = xreallocarray(NULL, n, sizeof(*evps));
	for (i = 0; i < n; i++)
		evps[i] = &v[i]->evp;
	memset(&bi, 0, sizeof(bi));
	bi.hostname = env->hostname;
	bi.now = now;
	bi.msgid = msgid;
	bi.nonce = rand_u32();
	bi.evps = evps;
	bi.nevp = n;
	bi.headers = hdr;
	bi.hlen = (size_t)hl;
	bi.delayed = b->notice;
	if (b->postmaster) {
		queue_deliver_postmaster(&pm);
		if (bounce_addr(&pm, to, sizeof(to)) == 0)
			bi.to = to;
		if (bounce_addr(&v[0]->evp.sender, from, sizeof(from)) == -1)
			(void)strlcpy(from, "(address too long)", sizeof(from));
		if (b->why[0] != '\0')
			(void)snprintf(notice, sizeof(notice), "This report "
			    "could not be sent to the sender <%s>: %s.",
			    from, b->why);
		else
			(void)snprintf(notice, sizeof(notice), "The failed "
			    "message is a bounce or has no sender (<%s>): "
			    "only the postmaster can be told.", from);
		bi.notice = notice;
	}
	text = bounce_build(&bi, &len);
	free(evps);
	free(hdr);

	if (write_full(out, text, len) == -1) {
		log_warn("%08x queue: cannot write bounce", msgid);
		r = -1;
	}
	if (close(out) == -1 && r == 0) {
		log_warn("%08x queue: cannot write bounce", msgid);
		r = -1;
	}
	free(text);
	*sizep = len;
	return (r);
}

/*
 * One bounce for the failed envelopes v of one message: to the sender, or
 * to postmaster when the sender cannot receive it (sender <>, a failed
 * bounce) or did not expand (why: the reason, for postmaster).
 */
static void
queue_deliver_bounce_make(struct qenv **v, size_t n, time_t now,
    const char *why)
{
	const struct envelope	*e = &v[0]->evp;
	struct qbounce		*b;
	uint32_t		 msgid;
	uint64_t		 size;
	size_t			 i;
	int			 fd;

	if ((fd = queue_msgid_alloc(&msgid)) == -1) {
		queue_deliver_bounce_retry(v, n, now);
		return;
	}
	b = xcalloc(1, sizeof(*b));
	b->msgid = msgid;
	b->postmaster = why != NULL || (e->flags & EF_BOUNCE) ||
	    (e->sender.user[0] == '\0' && e->sender.domain[0] == '\0');
	if (why != NULL)
		(void)strlcpy(b->why, why, sizeof(b->why));
	if (queue_deliver_bounce_write(v, n, b, fd, now, &size) == -1) {
		free(b);
		queue_fs_discard(msgid);
		queue_deliver_bounce_retry(v, n, now);
		return;
	}
	b->origmsgid = v[0]->msg->msgid;
	b->size = size;
	b->nevp = n;
	b->evpids = xreallocarray(NULL, n, sizeof(*b->evpids));
	for (i = 0; i < n; i++)
		b->evpids[i] = v[i]->evp.id;
	queue_pending_bounce(msgid, b);
	queue_deliver_bounce_expand(b, &v[0]->evp);
}

/* Ask lka who the original sender is (rules, aliases): reqid = msgid. */
static void
queue_deliver_bounce_expand(const struct qbounce *b,
    const struct envelope *orig)
{
	struct expand_req	 er;
	struct peer		*p;

	if ((p = child_peer(PROC_LKA)) == NULL)
		fatalx("queue: no lka peer");
	memset(&er, 0, sizeof(er));
	er.reqid = b->msgid;
	er.msgid = b->msgid;
	er.flags = EF_LOCAL | EF_BOUNCE;
	(void)strlcpy(er.helo, env->hostname, sizeof(er.helo));
	(void)strlcpy(er.hostname, env->hostname, sizeof(er.hostname));
	(void)strlcpy(er.src, "local", sizeof(er.src));
	er.ss.ss_family = AF_UNIX;
	if (b->postmaster)
		queue_deliver_postmaster(&er.rcpt);
	else
		er.rcpt = orig->sender;
	peer_compose(p, IMSG_QUEUE_EXPAND_BOUNCE, 0, 0, -1, &er, sizeof(er));
}

/* postmaster@<our hostname> */
static void
queue_deliver_postmaster(struct mailaddr *ma)
{
	memset(ma, 0, sizeof(*ma));
	(void)strlcpy(ma->user, "postmaster", sizeof(ma->user));
	(void)strlcpy(ma->domain, env->hostname, sizeof(ma->domain));
}

uint64_t
queue_deliver_bounce_size(const struct qbounce *b)
{
	return (b->size);
}

/* EF_* for the envelopes of bounce b. */
uint32_t
queue_deliver_bounce_flags(const struct qbounce *b)
{
	return (EF_BOUNCE | (b->postmaster ? EF_POSTMASTER : 0));
}

/*
 * q failed for good and no one can be told (QENV_BOUNCING): keep it,
 * held, with the reason in its errorline and one log line.
 */
static void
queue_deliver_hold(struct qenv *q, const char *why)
{
	struct envelope	*e = &q->evp;
	char		 reason[ERRLINE_MAX * 4], from[MAILADDR_MAX + 1];
	char		 to[MAILADDR_MAX + 1], efrom[1024], eto[1024];
	char		 estat[1024];

	(void)snprintf(reason, sizeof(reason), "held: %s; last error: %s",
	    why, e->errorline[0] ? e->errorline : "none");
	(void)strlcpy(e->errorline, reason, sizeof(e->errorline));
	scheduler_hold(&queue_sched, q);
	(void)bounce_addr(&e->sender, from, sizeof(from));
	(void)bounce_addr(&e->dest, to, sizeof(to));
	(void)log_escape(efrom, sizeof(efrom), from, strlen(from));
	(void)log_escape(eto, sizeof(eto), to, strlen(to));
	(void)log_escape(estat, sizeof(estat), e->errorline,
	    strlen(e->errorline));
	log_warnx("%016llx queue held evpid=%016llx from=<%s> to=<%s> "
	    "stat=\"%s\"", (unsigned long long)e->id,
	    (unsigned long long)e->id, efrom, eto, estat);
	queue_stats.held++;
	scheduler_msg_dirty(&queue_sched, q->msg);
	queue_round_schedule();
}

/* The bounce is durable (ok) or could not be committed (retry later). */
void
queue_deliver_bounce_committed(struct qbounce *b, int ok, struct qmsg *m)
{
	struct qenv	*q;
	time_t		 now = time(NULL);
	size_t		 i;

	if (b->notice) {
		queue_deliver_warn_done(b, ok, ok ? ST_OK : ST_TEMPFAIL,
		    "not committed");
		return;
	}
	for (i = 0; i < b->nevp; i++) {
		q = scheduler_find(&queue_sched, b->evpids[i]);
		if (q == NULL || q->state != QENV_BOUNCING)
			continue;
		if (ok) {
			log_info("%016llx queue bounce evpid=%016llx "
			    "bounce=%08x", (unsigned long long)q->evp.id,
			    (unsigned long long)q->evp.id, b->msgid);
			queue_stats.bounced++;
			queue_envelope_remove(q);
		} else if (q->flags & QENV_F_REMOVE)
			queue_envelope_remove(q);
		else
			queue_deliver_bounce_retry(&q, 1, now);
	}
	if (!ok)
		log_warnx("%08x queue bounce for %08x not committed, will "
		    "retry", b->msgid, b->origmsgid);
	free(b->evpids);
	free(b);
	queue_deliver_kick();
}

/*
 * lka could not expand the bounce's recipient (why): send it to
 * postmaster instead, or, if that was postmaster, hold the envelopes.
 * A temporary failure (status ST_TEMPFAIL) is retried first, a few times.
 */
void
queue_deliver_bounce_failed(struct qbounce *b, int status, const char *why)
{
	struct qenv	**v, *q;
	char		  from[MAILADDR_MAX + 1], efrom[1024], ewhy[1024];
	char		  hold[ERRLINE_MAX * 3];
	size_t		  i, n = 0;

	if (b->notice) {
		queue_deliver_warn_done(b, 0, status, why);
		return;
	}
	v = xreallocarray(NULL, b->nevp, sizeof(*v));
	for (i = 0; i < b->nevp; i++) {
		q = scheduler_find(&queue_sched, b->evpids[i]);
		if (q == NULL || q->state != QENV_BOUNCING)
			continue;
		if (q->flags & QENV_F_REMOVE)
			queue_envelope_remove(q);
		else
			v[n++] = q;
	}
	(void)log_escape(ewhy, sizeof(ewhy), why, strlen(why));
	if (n > 0 && status == ST_TEMPFAIL &&
	    v[0]->btemp < QUEUE_BOUNCE_TEMP_MAX) {
		log_warnx("%08x queue bounce expansion failed msgid=%08x "
		    "stat=\"%s\", will retry", b->origmsgid, b->origmsgid,
		    ewhy);
		for (i = 0; i < n; i++)
			v[i]->btemp++;
		queue_deliver_bounce_retry(v, n, time(NULL));
	} else if (n > 0 && !b->postmaster) {
		(void)bounce_addr(&v[0]->evp.sender, from, sizeof(from));
		(void)log_escape(efrom, sizeof(efrom), from, strlen(from));
		log_warnx("%08x queue bounce undeliverable msgid=%08x "
		    "to=<%s> stat=\"%s\", sending it to postmaster",
		    b->origmsgid, b->origmsgid, efrom, ewhy);
		queue_deliver_bounce_make(v, n, time(NULL), why);
	} else if (n > 0) {
		if (b->why[0] != '\0')
			(void)snprintf(hold, sizeof(hold), "bounce "
			    "undeliverable (sender: %s; postmaster: %s)",
			    b->why, why);
		else
			(void)snprintf(hold, sizeof(hold), "bounce to "
			    "postmaster undeliverable (%s)", why);
		for (i = 0; i < n; i++)
			queue_deliver_hold(v[i], hold);
	}
	free(v);
	free(b->evpids);
	free(b);
	queue_deliver_kick();
}

/*
 * q was just rescheduled after a temporary failure: if a delay notice is
 * due, it joins this round's notices (QENV_F_WARNING until it is done).
 */
static void
queue_deliver_warn_check(struct qenv *q, time_t now)
{
	struct timeval	 tv = { 0, 0 };

	if ((q->flags & QENV_F_WARNING) ||
	    scheduler_warn_level(env->bounce_warn, BOUNCE_WARN_MAX, &q->evp,
	    now) == 0)
		return;
	q->flags |= QENV_F_WARNING;
	queue_warn_todo = xreallocarray(queue_warn_todo,
	    queue_warn_ntodo + 1, sizeof(*queue_warn_todo));
	queue_warn_todo[queue_warn_ntodo++] = q->evp.id;
	if (!queue_warn_armed) {
		queue_warn_armed = 1;
		evtimer_add(&queue_warn_ev, &tv);
	}
}

static int
queue_deliver_warn_take(struct qenv *q)
{
	return ((q->flags & QENV_F_WARNING) != 0);
}

/* One delay notice per original message. */
static void
queue_deliver_warn_round(int fd, short event, void *arg)
{
	uint64_t	*todo = queue_warn_todo;
	size_t		 ntodo = queue_warn_ntodo;

	queue_warn_armed = 0;
	queue_warn_todo = NULL;
	queue_warn_ntodo = 0;
	if (ntodo == 0)
		return;
	queue_deliver_bymsg(todo, ntodo, queue_deliver_warn_take,
	    queue_deliver_warn_make);
}

/*
 * Build the delay notice for the envelopes v of one message and hand it
 * to lka for the sender's expansion.  On a local error the notice is not
 * sent now; the next failed try asks again.
 */
static void
queue_deliver_warn_make(struct qenv **v, size_t n, time_t now)
{
	struct qbounce	*b;
	uint32_t	 msgid;
	uint64_t	 size;
	size_t		 i;
	int		 fd;

	b = xcalloc(1, sizeof(*b));
	b->notice = 1;
	if ((fd = queue_msgid_alloc(&msgid)) == -1)
		goto fail;
	b->msgid = msgid;
	if (queue_deliver_bounce_write(v, n, b, fd, now, &size) == -1) {
		queue_fs_discard(msgid);
		goto fail;
	}
	b->origmsgid = v[0]->msg->msgid;
	b->size = size;
	b->nevp = n;
	b->evpids = xreallocarray(NULL, n, sizeof(*b->evpids));
	b->levels = xreallocarray(NULL, n, sizeof(*b->levels));
	for (i = 0; i < n; i++) {
		b->evpids[i] = v[i]->evp.id;
		b->levels[i] = scheduler_warn_level(env->bounce_warn,
		    BOUNCE_WARN_MAX, &v[i]->evp, now);
	}
	queue_pending_bounce(msgid, b);
	queue_deliver_bounce_expand(b, &v[0]->evp);
	return;
fail:
	log_warnx("%08x queue delay notice not made, will retry",
	    v[0]->msg->msgid);
	for (i = 0; i < n; i++)
		v[i]->flags &= ~QENV_F_WARNING;
	free(b);
}

/*
 * The delay notice b is committed (ok), or failed with status (why).  A
 * notice that is durable, or that can never be sent (the sender does not
 * expand), counts as sent: the envelopes' warned count is rewritten.
 * After a temporary failure the next failed try asks again.
 */
static void
queue_deliver_warn_done(struct qbounce *b, int ok, int status,
    const char *why)
{
	struct qenv	*q;
	char		 ewhy[1024];
	size_t		 i;
	int		 sent = ok || status == ST_PERMFAIL;

	(void)log_escape(ewhy, sizeof(ewhy), why, strlen(why));
	if (!ok)
		log_warnx("%08x queue delay notice for %08x failed stat=\"%s\""
		    "%s", b->msgid, b->origmsgid, ewhy, sent ? ", dropped" :
		    ", will retry");
	for (i = 0; i < b->nevp; i++) {
		if ((q = scheduler_find(&queue_sched, b->evpids[i])) == NULL)
			continue;
		q->flags &= ~QENV_F_WARNING;
		if (!sent || b->levels[i] <= q->evp.warned)
			continue;
		q->evp.warned = b->levels[i];
		scheduler_msg_dirty(&queue_sched, q->msg);
		queue_round_schedule();
		if (ok)
			log_info("%016llx queue delay-notice evpid=%016llx "
			    "notice=%08x warned=%u",
			    (unsigned long long)q->evp.id,
			    (unsigned long long)q->evp.id, b->msgid,
			    q->evp.warned);
	}
	free(b->levels);
	free(b->evpids);
	free(b);
	queue_deliver_kick();
}
