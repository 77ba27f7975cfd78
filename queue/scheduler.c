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
 * scheduler.c -- the queue's state in RAM: messages, envelopes, and which
 * envelope is due when.  No I/O, no clock: callers pass "now", so that the
 * whole policy (backoff, expiry, in-flight cap, pause) is unit-testable.
 *
 * Envelopes waiting for their next try sit in a red-black tree keyed by
 * (nexttry, evpid), one tree per class (local agents, mta: see
 * scheduler_set_classify()) so that either can be paused alone; all
 * envelopes are also indexed by evpid, and grouped under their message.
 * At most inflight_max (SCHED_INFLIGHT_MAX) deliveries are out at once.
 *
 * Delay notices: scheduler_warn_level() says whether an envelope still
 * being retried has been queued long enough for the next notice.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "queue.h"
#include "smtpd.h"
#include "util.h"

static void	scheduler_enqueue(struct scheduler *, struct qenv *, time_t);
static struct qenv *scheduler_first(struct scheduler *);

RB_GENERATE(qenv_ids, qenv, id_entry, scheduler_cmp_id);
RB_GENERATE(qenv_due, qenv, due_entry, scheduler_cmp_due);
RB_GENERATE(qmsg_tree, qmsg, entry, scheduler_cmp_msg);

int
scheduler_cmp_id(struct qenv *a, struct qenv *b)
{
	if (a->evp.id < b->evp.id)
		return (-1);
	return (a->evp.id > b->evp.id);
}

int
scheduler_cmp_due(struct qenv *a, struct qenv *b)
{
	if (a->evp.nexttry < b->evp.nexttry)
		return (-1);
	if (a->evp.nexttry > b->evp.nexttry)
		return (1);
	return (scheduler_cmp_id(a, b));
}

int
scheduler_cmp_msg(struct qmsg *a, struct qmsg *b)
{
	if (a->msgid < b->msgid)
		return (-1);
	return (a->msgid > b->msgid);
}

void
scheduler_init(struct scheduler *s, time_t retry_min, time_t retry_max)
{
	size_t	 i;

	memset(s, 0, sizeof(*s));
	RB_INIT(&s->ids);
	for (i = 0; i < SCHED_NCLASS; i++)
		RB_INIT(&s->due[i]);
	RB_INIT(&s->msgs);
	TAILQ_INIT(&s->dirty);
	s->inflight_max = SCHED_INFLIGHT_MAX;
	scheduler_set_retry(s, retry_min, retry_max);
}

void
scheduler_set_retry(struct scheduler *s, time_t retry_min, time_t retry_max)
{
	s->retry_min = retry_min > 0 ? retry_min : DEFAULT_RETRY_MIN;
	s->retry_max = retry_max >= s->retry_min ? retry_max : s->retry_min;
}

struct qmsg *
scheduler_msg_new(struct scheduler *s, uint32_t msgid)
{
	struct qmsg	*m;

	m = xcalloc(1, sizeof(*m));
	m->msgid = msgid;
	TAILQ_INIT(&m->envs);
	if (RB_INSERT(qmsg_tree, &s->msgs, m) != NULL)
		fatalx("scheduler: message %08x exists", msgid);
	return (m);
}

struct qmsg *
scheduler_msg_find(struct scheduler *s, uint32_t msgid)
{
	struct qmsg	 key;

	key.msgid = msgid;
	return (RB_FIND(qmsg_tree, &s->msgs, &key));
}

void
scheduler_msg_free(struct scheduler *s, struct qmsg *m)
{
	if (m->count != 0 || !TAILQ_EMPTY(&m->envs))
		fatalx("scheduler: freeing message %08x with envelopes",
		    m->msgid);
	scheduler_msg_clean(s, m);
	RB_REMOVE(qmsg_tree, &s->msgs, m);
	free(m);
}

/* The message's envelope file must be rewritten. */
void
scheduler_msg_dirty(struct scheduler *s, struct qmsg *m)
{
	if (m->dirty)
		return;
	m->dirty = 1;
	TAILQ_INSERT_TAIL(&s->dirty, m, dirty_entry);
}

void
scheduler_msg_clean(struct scheduler *s, struct qmsg *m)
{
	if (!m->dirty)
		return;
	m->dirty = 0;
	TAILQ_REMOVE(&s->dirty, m, dirty_entry);
}

/*
 * Who delivers envelopes (SCHED_MTA for a relay action): asked each time
 * an envelope becomes pending, so that a reload that changes an action
 * applies to the next try.
 */
void
scheduler_set_classify(struct scheduler *s, sched_classify_fn fn)
{
	s->classify = fn;
}

static void
scheduler_enqueue(struct scheduler *s, struct qenv *q, time_t when)
{
	q->evp.nexttry = when;
	q->state = QENV_PENDING;
	q->class = s->classify != NULL ? s->classify(&q->evp) : SCHED_MDA;
	if ((unsigned int)q->class >= SCHED_NCLASS)
		fatalx("scheduler: bad class %d", (int)q->class);
	if (RB_INSERT(qenv_due, &s->due[q->class], q) != NULL)
		fatalx("scheduler: %016llx due twice",
		    (unsigned long long)q->evp.id);
}

/* Add an envelope of m, pending at evp->nexttry.  NULL if the id exists. */
struct qenv *
scheduler_add(struct scheduler *s, struct qmsg *m, const struct envelope *evp)
{
	struct qenv	*q;

	if (evpid_to_msgid(evp->id) != m->msgid)
		fatalx("scheduler: %016llx is not in message %08x",
		    (unsigned long long)evp->id, m->msgid);
	q = xcalloc(1, sizeof(*q));
	q->evp = *evp;
	q->msg = m;
	if (RB_INSERT(qenv_ids, &s->ids, q) != NULL) {
		free(q);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&m->envs, q, msg_entry);
	m->count++;
	s->nenv++;
	if (evp->flags & EF_HELD)
		q->state = QENV_HELD;	/* until the administrator says */
	else
		scheduler_enqueue(s, q, evp->nexttry);
	return (q);
}

struct qenv *
scheduler_find(struct scheduler *s, uint64_t evpid)
{
	struct qenv	 key;

	key.evp.id = evpid;
	return (RB_FIND(qenv_ids, &s->ids, &key));
}

/* Forget q; its message stays (the caller frees it when count is 0). */
void
scheduler_delete(struct scheduler *s, struct qenv *q)
{
	if (q->state == QENV_PENDING)
		RB_REMOVE(qenv_due, &s->due[q->class], q);
	else if (q->state == QENV_INFLIGHT)
		s->inflight--;
	RB_REMOVE(qenv_ids, &s->ids, q);
	TAILQ_REMOVE(&q->msg->envs, q, msg_entry);
	q->msg->count--;
	s->nenv--;
	free(q);
}

/* The earliest pending envelope of the classes not paused, or NULL. */
static struct qenv *
scheduler_first(struct scheduler *s)
{
	struct qenv	*q, *best = NULL;
	size_t		 i;

	if (s->inflight >= s->inflight_max)
		return (NULL);
	for (i = 0; i < SCHED_NCLASS; i++) {
		if (s->paused & (1 << i))
			continue;
		q = RB_MIN(qenv_due, &s->due[i]);
		if (q != NULL && (best == NULL ||
		    scheduler_cmp_due(q, best) < 0))
			best = q;
	}
	return (best);
}

/*
 * The next envelope to deliver now, marked in flight; NULL if none is due
 * (in a class not paused) or the in-flight cap is reached.  An envelope
 * flagged QENV_F_BOUNCE comes out too: the caller makes its bounce (and
 * calls scheduler_bouncing()) instead of delivering it.
 */
struct qenv *
scheduler_next(struct scheduler *s, time_t now)
{
	struct qenv	*q;

	if ((q = scheduler_first(s)) == NULL || q->evp.nexttry > now)
		return (NULL);
	RB_REMOVE(qenv_due, &s->due[q->class], q);
	q->state = QENV_INFLIGHT;
	s->inflight++;
	return (q);
}

/* When the next envelope becomes due; 0 if nothing can go out. */
int
scheduler_next_time(struct scheduler *s, time_t *when)
{
	struct qenv	*q;

	if ((q = scheduler_first(s)) == NULL)
		return (0);
	*when = q->evp.nexttry;
	return (1);
}

/* Delay before attempt retry + 1: retry_min * 2^(retry - 1), capped. */
time_t
scheduler_backoff(const struct scheduler *s, uint32_t retry)
{
	time_t		 d = s->retry_min;
	uint32_t	 i;

	if (retry == 0)
		return (0);
	for (i = 1; i < retry && d < s->retry_max; i++)
		d *= 2;
	return (d < s->retry_max ? d : s->retry_max);
}

/*
 * Record the result of a delivery of q (which must be in flight) and say
 * what the caller must do.  SCHED_RETRY leaves q pending at its new
 * nexttry; SCHED_BOUNCE and SCHED_HOLD leave it QENV_BOUNCING (the caller
 * makes the bounce, or calls scheduler_hold()); for the other actions the
 * caller removes q.  Nothing accepted is dropped: a failed bounce, or a
 * failed message whose sender is <>, bounces to postmaster, and a failed
 * bounce to postmaster is held.
 */
enum sched_action
scheduler_result(struct scheduler *s, struct qenv *q, int status,
    const char *errorline, time_t now)
{
	time_t	 next;

	if (q->state != QENV_INFLIGHT)
		fatalx("scheduler: result for %016llx not in flight",
		    (unsigned long long)q->evp.id);
	s->inflight--;
	q->state = QENV_BOUNCING;	/* out of the due tree for now */
	q->evp.lasttry = now;
	q->evp.retry++;
	if (errorline != NULL)
		(void)strlcpy(q->evp.errorline, errorline,
		    sizeof(q->evp.errorline));
	if (q->flags & QENV_F_REMOVE)
		return (SCHED_REMOVE);
	if (status == ST_OK)
		return (SCHED_DONE);
	if (status != ST_PERMFAIL && status != ST_LOOP && now < q->evp.expire) {
		next = now + scheduler_backoff(s, q->evp.retry);
		if (next > q->evp.expire)
			next = q->evp.expire;
		scheduler_enqueue(s, q, next);
		return (SCHED_RETRY);
	}
	return ((q->evp.flags & EF_POSTMASTER) ? SCHED_HOLD : SCHED_BOUNCE);
}

/* Make a pending envelope due at when (smtpctl schedule). */
void
scheduler_reschedule(struct scheduler *s, struct qenv *q, time_t when)
{
	if (q->state != QENV_PENDING)
		return;
	RB_REMOVE(qenv_due, &s->due[q->class], q);
	scheduler_enqueue(s, q, when);
}

/* A QENV_F_BOUNCE envelope returned by scheduler_next(): bounce it now. */
void
scheduler_bouncing(struct scheduler *s, struct qenv *q)
{
	if (q->state != QENV_INFLIGHT)
		fatalx("scheduler_bouncing: bad state");
	s->inflight--;
	q->state = QENV_BOUNCING;
	q->flags &= ~QENV_F_BOUNCE;
}

/* The bounce of q could not be made: try again at when. */
void
scheduler_bounce_retry(struct scheduler *s, struct qenv *q, time_t when)
{
	if (q->state != QENV_BOUNCING)
		fatalx("scheduler_bounce_retry: bad state");
	q->flags |= QENV_F_BOUNCE;
	scheduler_enqueue(s, q, when);
}

/* q (failed for good, QENV_BOUNCING) can be told to no one: hold it. */
void
scheduler_hold(struct scheduler *s, struct qenv *q)
{
	if (q->state != QENV_BOUNCING)
		fatalx("scheduler_hold: bad state");
	q->state = QENV_HELD;
	q->flags &= ~QENV_F_BOUNCE;
	q->evp.flags |= EF_HELD;
}

/*
 * The administrator released a held envelope (smtpctl schedule): due at
 * now again, with at least expire to live.  0 if q was not held.
 */
int
scheduler_release(struct scheduler *s, struct qenv *q, time_t now,
    time_t expire)
{
	if (q->state != QENV_HELD)
		return (0);
	q->evp.flags &= ~EF_HELD;
	if (q->evp.expire < expire)
		q->evp.expire = expire;
	scheduler_enqueue(s, q, now);
	return (1);
}

/*
 * Envelopes selected by an smtpctl id: 0 = all, below 2^32 a msgid (all
 * its envelopes), else one evpid.  Returns the count and an allocated
 * array in *out (NULL when empty) that stays valid while the caller
 * deletes its elements one by one.
 */
size_t
scheduler_match(struct scheduler *s, uint64_t id, struct qenv ***out)
{
	struct qenv	**v = NULL, *q;
	struct qmsg	*m;
	size_t		 n = 0;

	*out = NULL;
	if (id == 0) {
		if (s->nenv == 0)
			return (0);
		v = xreallocarray(NULL, s->nenv, sizeof(*v));
		RB_FOREACH(q, qenv_ids, &s->ids)
			v[n++] = q;
	} else if (id <= UINT32_MAX) {
		if ((m = scheduler_msg_find(s, (uint32_t)id)) == NULL ||
		    m->count == 0)
			return (0);
		v = xreallocarray(NULL, m->count, sizeof(*v));
		TAILQ_FOREACH(q, &m->envs, msg_entry)
			v[n++] = q;
	} else {
		if ((q = scheduler_find(s, id)) == NULL)
			return (0);
		v = xreallocarray(NULL, 1, sizeof(*v));
		v[n++] = q;
	}
	*out = v;
	return (n);
}

/* Pause (paused 1) or resume the classes in what (SCHED_PAUSE_*). */
void
scheduler_pause(struct scheduler *s, int what, int paused)
{
	if (paused)
		s->paused |= what & SCHED_PAUSE_ALL;
	else
		s->paused &= ~what;
}

const char *
scheduler_state_name(const struct scheduler *s, const struct qenv *q)
{
	if (q->state == QENV_INFLIGHT)
		return ("inflight");
	if (q->state == QENV_HELD)
		return ("held");
	if (q->state == QENV_PENDING && (s->paused & (1 << q->class)))
		return ("paused");
	return ("pending");
}

/*
 * Delay notices.  warn holds up to n delays after the arrival (ascending;
 * a 0 ends the list: bounce warn-interval).  An envelope that is still
 * being retried at now gets notice number k (1-based) once its age has
 * passed warn[k - 1]; e->warned counts the notices already sent.  Returns
 * the new count if a notice is due now (only one, even if several delays
 * passed meanwhile), else 0.  Never for a bounce (EF_BOUNCE, which covers
 * those to postmaster) nor for the sender <>, which cannot receive one.
 */
uint32_t
scheduler_warn_level(const time_t *warn, size_t n, const struct envelope *e,
    time_t now)
{
	uint32_t	 level = 0;
	size_t		 i;

	if ((e->flags & (EF_BOUNCE | EF_POSTMASTER)) ||
	    (e->sender.user[0] == '\0' && e->sender.domain[0] == '\0') ||
	    now >= e->expire || now < e->ctime)
		return (0);
	for (i = 0; i < n && warn[i] > 0; i++)
		if (now - e->ctime >= warn[i])
			level = (uint32_t)i + 1;
	return (level > e->warned ? level : 0);
}
