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
 * scheduler_test.c -- unit tests for queue/scheduler.c: backoff, expiry
 * and the bounce decision, the in-flight cap, pause (of local and relay
 * deliveries apart), schedule/remove of envelopes in flight and in
 * backoff, and when delay notices are due.  Pure logic: "now" is passed
 * in.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "smtpd.h"

#define T0	1700000000

static struct qenv *add(struct scheduler *, struct qmsg *, uint32_t,
		    time_t);
static enum sched_class by_action(const struct envelope *);

/* The test's classifier: action "out" relays, the others are local. */
static enum sched_class
by_action(const struct envelope *e)
{
	return (strcmp(e->action, "out") == 0 ? SCHED_MTA : SCHED_MDA);
}

static struct qenv *
add(struct scheduler *s, struct qmsg *m, uint32_t low, time_t nexttry)
{
	struct envelope	 e;
	struct qenv	*q;

	memset(&e, 0, sizeof(e));
	e.id = (uint64_t)m->msgid << 32 | low;
	strlcpy(e.sender.user, "alice", sizeof(e.sender.user));
	strlcpy(e.sender.domain, "example.org", sizeof(e.sender.domain));
	strlcpy(e.dest.user, "bob", sizeof(e.dest.user));
	e.ctime = T0;
	e.expire = T0 + 4 * 24 * 3600;
	e.nexttry = nexttry;
	q = scheduler_add(s, m, &e);
	ATF_REQUIRE(q != NULL);
	return (q);
}

ATF_TC_WITHOUT_HEAD(backoff_sequence);
ATF_TC_BODY(backoff_sequence, tc)
{
	static const time_t	 want[] = {
		0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600
	};
	struct scheduler	 s;
	uint32_t		 i;

	scheduler_init(&s, 30, 3600);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ATF_CHECK_EQ_MSG(scheduler_backoff(&s, i), want[i],
		    "retry %u: %lld", i, (long long)scheduler_backoff(&s, i));
	ATF_CHECK_EQ(scheduler_backoff(&s, UINT32_MAX), 3600);
	/* Nonsense configuration is clamped: max below min. */
	scheduler_init(&s, 60, 10);
	ATF_CHECK_EQ(scheduler_backoff(&s, 5), 60);
}

/* Temporary failures walk the backoff until expiry, then bounce. */
ATF_TC_WITHOUT_HEAD(tempfail_then_expire);
ATF_TC_BODY(tempfail_then_expire, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;
	time_t			 now = T0, when;
	int			 i;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x11);
	q = add(&s, m, 1, T0);
	q->evp.expire = T0 + 500;
	/* retries at +30, +60, +120, +240, then clamped to expire */
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE(scheduler_next(&s, now) == q);
		ATF_CHECK_EQ(scheduler_result(&s, q, ST_TEMPFAIL,
		    "421 4.4.2 try later", now), SCHED_RETRY);
		ATF_CHECK_EQ(q->evp.retry, (uint32_t)i + 1);
		ATF_CHECK_EQ(q->evp.lasttry, now);
		ATF_CHECK_EQ(q->evp.nexttry, now + (30 << i));
		ATF_CHECK(scheduler_next(&s, q->evp.nexttry - 1) == NULL);
		ATF_REQUIRE(scheduler_next_time(&s, &when));
		ATF_CHECK_EQ(when, q->evp.nexttry);
		now = q->evp.nexttry;
	}
	ATF_CHECK_EQ(now, T0 + 30 + 60 + 120 + 240);
	ATF_REQUIRE(scheduler_next(&s, now) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_TEMPFAIL, "x", now),
	    SCHED_RETRY);
	ATF_CHECK_EQ(q->evp.nexttry, T0 + 500);	/* not +480 */
	ATF_REQUIRE(scheduler_next(&s, T0 + 500) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_TEMPFAIL,
	    "452 4.2.2 Mailbox full", T0 + 500), SCHED_BOUNCE);
	ATF_CHECK_EQ(q->state, QENV_BOUNCING);
	ATF_CHECK_STREQ(q->evp.errorline, "452 4.2.2 Mailbox full");
	ATF_CHECK(!scheduler_next_time(&s, &when));
}

ATF_TC_WITHOUT_HEAD(bounce_decision);
ATF_TC_BODY(bounce_decision, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x22);

	q = add(&s, m, 1, T0);
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_OK, "", T0), SCHED_DONE);
	scheduler_delete(&s, q);

	q = add(&s, m, 2, T0);
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_PERMFAIL, "550 5.1.1 no",
	    T0), SCHED_BOUNCE);
	scheduler_delete(&s, q);

	q = add(&s, m, 3, T0);
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_LOOP, "loop", T0),
	    SCHED_BOUNCE);
	scheduler_delete(&s, q);

	/* Sender <> and bounces bounce too (to postmaster: queue) ... */
	q = add(&s, m, 4, T0);
	memset(&q->evp.sender, 0, sizeof(q->evp.sender));
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_PERMFAIL, "550", T0),
	    SCHED_BOUNCE);
	scheduler_delete(&s, q);

	q = add(&s, m, 5, T0);
	q->evp.flags |= EF_BOUNCE;
	q->evp.expire = T0;
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_TEMPFAIL, "451", T0),
	    SCHED_BOUNCE);
	scheduler_delete(&s, q);

	/* ... but a failed bounce to postmaster is held, never dropped. */
	q = add(&s, m, 6, T0);
	q->evp.flags |= EF_BOUNCE | EF_POSTMASTER;
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_PERMFAIL, "550", T0),
	    SCHED_HOLD);
	scheduler_delete(&s, q);

	ATF_CHECK_EQ(s.nenv, 0);
	ATF_CHECK_EQ(m->count, 0);
	ATF_CHECK_EQ(s.inflight, 0);
	scheduler_msg_free(&s, m);
	ATF_CHECK(scheduler_msg_find(&s, 0x22) == NULL);
}

ATF_TC_WITHOUT_HEAD(inflight_cap_and_order);
ATF_TC_BODY(inflight_cap_and_order, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q, *first;
	time_t			 when, prev = 0;
	uint32_t		 i;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x33);
	for (i = 1; i <= 150; i++)
		(void)add(&s, m, i, T0 + (time_t)(i % 7));
	ATF_CHECK_EQ(s.nenv, 150);
	for (i = 0; i < SCHED_INFLIGHT_MAX; i++) {
		q = scheduler_next(&s, T0 + 10);
		ATF_REQUIRE_MSG(q != NULL, "only %u out", i);
		ATF_CHECK(q->evp.nexttry >= prev);	/* due order */
		prev = q->evp.nexttry;
		if (i == 0)
			first = q;
	}
	ATF_CHECK_EQ(s.inflight, SCHED_INFLIGHT_MAX);
	ATF_CHECK(scheduler_next(&s, T0 + 10) == NULL);
	ATF_CHECK(!scheduler_next_time(&s, &when));
	/* One result frees one slot. */
	ATF_CHECK_EQ(scheduler_result(&s, first, ST_OK, "", T0 + 10),
	    SCHED_DONE);
	scheduler_delete(&s, first);
	ATF_CHECK_EQ(s.inflight, SCHED_INFLIGHT_MAX - 1);
	ATF_CHECK(scheduler_next_time(&s, &when));
	ATF_CHECK(scheduler_next(&s, T0 + 10) != NULL);
	ATF_CHECK(scheduler_next(&s, T0 + 10) == NULL);
}

ATF_TC_WITHOUT_HEAD(pause_resume);
ATF_TC_BODY(pause_resume, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;
	time_t			 when;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x44);
	q = add(&s, m, 1, T0);
	scheduler_pause(&s, SCHED_PAUSE_ALL, 1);
	ATF_CHECK(scheduler_next(&s, T0) == NULL);
	ATF_CHECK(!scheduler_next_time(&s, &when));
	ATF_CHECK_STREQ(scheduler_state_name(&s, q), "paused");
	scheduler_pause(&s, SCHED_PAUSE_ALL, 0);
	ATF_CHECK_STREQ(scheduler_state_name(&s, q), "pending");
	ATF_CHECK(scheduler_next(&s, T0) == q);
	ATF_CHECK_STREQ(scheduler_state_name(&s, q), "inflight");
}

/*
 * pause mta holds the relay envelopes back and lets the local ones go
 * out, pause mda the reverse; the class is asked again at each enqueue.
 */
ATF_TC_WITHOUT_HEAD(pause_by_class);
ATF_TC_BODY(pause_by_class, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*loc, *rel;
	time_t			 when;

	scheduler_init(&s, 30, 3600);
	scheduler_set_classify(&s, by_action);
	m = scheduler_msg_new(&s, 0x45);
	/* the relay envelope is due first */
	rel = add(&s, m, 1, T0);
	strlcpy(rel->evp.action, "out", sizeof(rel->evp.action));
	scheduler_reschedule(&s, rel, T0);	/* classified again */
	loc = add(&s, m, 2, T0 + 5);
	ATF_CHECK_EQ(rel->class, SCHED_MTA);
	ATF_CHECK_EQ(loc->class, SCHED_MDA);

	scheduler_pause(&s, SCHED_PAUSE_MTA, 1);
	ATF_CHECK_STREQ(scheduler_state_name(&s, rel), "paused");
	ATF_CHECK_STREQ(scheduler_state_name(&s, loc), "pending");
	ATF_REQUIRE(scheduler_next_time(&s, &when));
	ATF_CHECK_EQ(when, T0 + 5);		/* not the paused one's */
	ATF_CHECK(scheduler_next(&s, T0 + 10) == loc);
	ATF_CHECK(scheduler_next(&s, T0 + 10) == NULL);
	ATF_CHECK_EQ(scheduler_result(&s, loc, ST_TEMPFAIL, "451", T0 + 10),
	    SCHED_RETRY);

	/* pause mda as well: nothing goes out; resume mta: rel goes */
	scheduler_pause(&s, SCHED_PAUSE_MDA, 1);
	ATF_CHECK(!scheduler_next_time(&s, &when));
	ATF_CHECK_STREQ(scheduler_state_name(&s, loc), "paused");
	scheduler_pause(&s, SCHED_PAUSE_MTA, 0);
	ATF_CHECK_STREQ(scheduler_state_name(&s, rel), "pending");
	ATF_CHECK(scheduler_next(&s, T0 + 100) == rel);
	ATF_CHECK(scheduler_next(&s, T0 + 100) == NULL);
	scheduler_pause(&s, SCHED_PAUSE_ALL, 0);
	ATF_CHECK(scheduler_next(&s, T0 + 100) == loc);
	ATF_CHECK_EQ(s.paused, 0);
}

/*
 * smtpctl schedule of an envelope waiting in backoff: due at once, and
 * the failed try that follows doubles the delay as before.
 */
ATF_TC_WITHOUT_HEAD(schedule_in_backoff);
ATF_TC_BODY(schedule_in_backoff, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;
	time_t			 now = T0;
	int			 i;

	scheduler_init(&s, 30, 3600);
	scheduler_set_classify(&s, by_action);
	m = scheduler_msg_new(&s, 0x47);
	q = add(&s, m, 1, T0);
	strlcpy(q->evp.action, "out", sizeof(q->evp.action));
	for (i = 0; i < 5; i++) {
		ATF_REQUIRE(scheduler_next(&s, now) == q);
		ATF_REQUIRE_EQ(scheduler_result(&s, q, ST_TEMPFAIL,
		    "451 4.4.1 cannot connect", now), SCHED_RETRY);
		now = q->evp.nexttry;
	}
	/* waiting 480 s: schedule it 1 s after its last try */
	now = q->evp.lasttry + 1;
	ATF_CHECK_EQ(q->evp.nexttry, now - 1 + 480);
	ATF_CHECK(scheduler_next(&s, now) == NULL);
	scheduler_reschedule(&s, q, now);
	ATF_CHECK_EQ(q->evp.nexttry, now);
	ATF_REQUIRE(scheduler_next(&s, now) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_TEMPFAIL, "451", now),
	    SCHED_RETRY);
	ATF_CHECK_EQ(q->evp.retry, 6);
	ATF_CHECK_EQ(q->evp.nexttry, now + 960);
	/* and a success after a schedule ends it */
	scheduler_reschedule(&s, q, now + 1);
	ATF_REQUIRE(scheduler_next(&s, now + 1) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_OK, "", now + 1), SCHED_DONE);
}

/*
 * Delay notices: one per bounce warn-interval delay passed, counted in
 * evp.warned; never for a bounce, the sender <>, or an expired envelope.
 */
ATF_TC_WITHOUT_HEAD(warn_level);
ATF_TC_BODY(warn_level, tc)
{
	static const time_t	 warn[BOUNCE_WARN_MAX] = { 4 * 3600, 86400 };
	static const time_t	 none[BOUNCE_WARN_MAX] = { 0 };
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;
	struct envelope		*e;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x48);
	q = add(&s, m, 1, T0);
	e = &q->evp;
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e, T0), 0);
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 4 * 3600 - 1), 0);
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 4 * 3600), 1);
	e->warned = 1;				/* sent */
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 5 * 3600), 0);			/* only one per delay */
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 86400), 2);
	e->warned = 2;
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 3 * 86400), 0);		/* the list is done */
	/* both delays passed at once (a long outage): one notice, 2 */
	e->warned = 0;
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 2 * 86400), 2);
	/* no setting: no notice */
	ATF_CHECK_EQ(scheduler_warn_level(none, BOUNCE_WARN_MAX, e,
	    T0 + 2 * 86400), 0);
	/* expired: a bounce comes instead */
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    e->expire), 0);
	/* never for a bounce, to postmaster or not, nor to <> */
	e->flags |= EF_BOUNCE;
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 86400), 0);
	e->flags = EF_POSTMASTER;
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 86400), 0);
	e->flags = 0;
	memset(&e->sender, 0, sizeof(e->sender));
	ATF_CHECK_EQ(scheduler_warn_level(warn, BOUNCE_WARN_MAX, e,
	    T0 + 86400), 0);
}

/* smtpctl ids: 0 = all, msgid, evpid; in-flight envelopes stay put. */
ATF_TC_WITHOUT_HEAD(match_schedule_remove);
ATF_TC_BODY(match_schedule_remove, tc)
{
	struct scheduler	 s;
	struct qmsg		*m1, *m2;
	struct qenv		*a, *b, *c, **v;
	size_t			 n, i;

	scheduler_init(&s, 30, 3600);
	m1 = scheduler_msg_new(&s, 0x55);
	m2 = scheduler_msg_new(&s, 0x66);
	a = add(&s, m1, 1, T0 + 1000);
	b = add(&s, m1, 2, T0);
	c = add(&s, m2, 3, T0 + 2000);

	ATF_CHECK_EQ(scheduler_match(&s, 0, &v), 3);
	free(v);
	ATF_CHECK_EQ(scheduler_match(&s, 0x55, &v), 2);
	free(v);
	ATF_CHECK_EQ(scheduler_match(&s, c->evp.id, &v), 1);
	ATF_CHECK(v[0] == c);
	free(v);
	ATF_CHECK_EQ(scheduler_match(&s, 0x77, &v), 0);
	ATF_CHECK(v == NULL);
	ATF_CHECK_EQ(scheduler_match(&s, 0x5500000009ULL, &v), 0);

	/* b goes out; "schedule all" makes a and c due, b stays in flight */
	ATF_REQUIRE(scheduler_next(&s, T0) == b);
	n = scheduler_match(&s, 0, &v);
	for (i = 0; i < n; i++)
		scheduler_reschedule(&s, v[i], T0 + 5);
	free(v);
	ATF_CHECK_EQ(b->state, QENV_INFLIGHT);
	ATF_CHECK_EQ(a->evp.nexttry, T0 + 5);
	ATF_CHECK_EQ(c->evp.nexttry, T0 + 5);
	ATF_CHECK(scheduler_next(&s, T0 + 5) != NULL);
	ATF_CHECK(scheduler_next(&s, T0 + 5) != NULL);
	ATF_CHECK_EQ(s.inflight, 3);

	/* remove of an in-flight envelope: marked, removed on its result */
	b->flags |= QENV_F_REMOVE;
	ATF_CHECK_EQ(scheduler_result(&s, b, ST_TEMPFAIL, "451", T0 + 6),
	    SCHED_REMOVE);
	scheduler_delete(&s, b);
	ATF_CHECK(scheduler_find(&s, (uint64_t)0x55 << 32 | 2) == NULL);
	ATF_CHECK_EQ(m1->count, 1);
	/* deleting an in-flight envelope releases its slot */
	scheduler_delete(&s, a);
	scheduler_delete(&s, c);
	ATF_CHECK_EQ(s.inflight, 0);
	ATF_CHECK_EQ(s.nenv, 0);
}

/* A bounce that could not be made comes back due, flagged. */
ATF_TC_WITHOUT_HEAD(bounce_retry);
ATF_TC_BODY(bounce_retry, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x88);
	q = add(&s, m, 1, T0);
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_REQUIRE(scheduler_result(&s, q, ST_PERMFAIL, "550", T0) ==
	    SCHED_BOUNCE);
	scheduler_bounce_retry(&s, q, T0 + 30);
	ATF_CHECK(q->flags & QENV_F_BOUNCE);
	ATF_CHECK(scheduler_next(&s, T0 + 29) == NULL);
	ATF_REQUIRE(scheduler_next(&s, T0 + 30) == q);
	scheduler_bouncing(&s, q);
	ATF_CHECK_EQ(q->state, QENV_BOUNCING);
	ATF_CHECK(!(q->flags & QENV_F_BOUNCE));
	ATF_CHECK_EQ(s.inflight, 0);
}

/* Duplicate ids are refused; a freed message leaves the dirty list. */
ATF_TC_WITHOUT_HEAD(dirty_list);
ATF_TC_BODY(dirty_list, tc)
{
	struct envelope		 dup;
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x99);
	q = add(&s, m, 1, T0);
	dup = q->evp;				/* same evpid: refused */
	ATF_CHECK(scheduler_add(&s, m, &dup) == NULL);
	ATF_CHECK_EQ(m->count, 1);
	scheduler_msg_dirty(&s, m);
	scheduler_msg_dirty(&s, m);
	ATF_CHECK(TAILQ_FIRST(&s.dirty) == m);
	ATF_CHECK(TAILQ_NEXT(m, dirty_entry) == NULL);
	scheduler_delete(&s, q);
	scheduler_msg_free(&s, m);	/* also leaves the dirty list */
	ATF_CHECK(TAILQ_EMPTY(&s.dirty));
}

/* A held envelope is never due, survives a reload, and is released. */
ATF_TC_WITHOUT_HEAD(hold_release);
ATF_TC_BODY(hold_release, tc)
{
	struct scheduler	 s;
	struct qmsg		*m;
	struct qenv		*q;
	struct envelope		 evp;
	time_t			 when;

	scheduler_init(&s, 30, 3600);
	m = scheduler_msg_new(&s, 0x33);
	q = add(&s, m, 1, T0);
	q->evp.flags |= EF_BOUNCE | EF_POSTMASTER;
	ATF_REQUIRE(scheduler_next(&s, T0) == q);
	ATF_REQUIRE_EQ(scheduler_result(&s, q, ST_PERMFAIL, "550", T0),
	    SCHED_HOLD);
	scheduler_hold(&s, q);
	ATF_CHECK_EQ(q->state, QENV_HELD);
	ATF_CHECK(q->evp.flags & EF_HELD);
	ATF_CHECK_STREQ(scheduler_state_name(&s, q), "held");
	ATF_CHECK(scheduler_next(&s, T0 + 100000) == NULL);
	ATF_CHECK(!scheduler_next_time(&s, &when));

	/* as loaded from its envelope file after a restart */
	evp = q->evp;
	scheduler_delete(&s, q);
	q = scheduler_add(&s, m, &evp);
	ATF_REQUIRE(q != NULL);
	ATF_CHECK_EQ(q->state, QENV_HELD);
	ATF_CHECK(scheduler_next(&s, T0 + 100000) == NULL);

	/* smtpctl schedule */
	ATF_CHECK(scheduler_release(&s, q, T0 + 10, T0 + 9000000));
	ATF_CHECK(!(q->evp.flags & EF_HELD));
	ATF_CHECK_EQ(q->evp.expire, T0 + 9000000);
	ATF_CHECK(!scheduler_release(&s, q, T0 + 10, T0 + 1000));
	ATF_CHECK(scheduler_next(&s, T0 + 10) == q);
	ATF_CHECK_EQ(scheduler_result(&s, q, ST_OK, "", T0 + 10),
	    SCHED_DONE);
	scheduler_delete(&s, q);
	scheduler_msg_free(&s, m);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, backoff_sequence);
	ATF_TP_ADD_TC(tp, tempfail_then_expire);
	ATF_TP_ADD_TC(tp, bounce_decision);
	ATF_TP_ADD_TC(tp, hold_release);
	ATF_TP_ADD_TC(tp, inflight_cap_and_order);
	ATF_TP_ADD_TC(tp, pause_resume);
	ATF_TP_ADD_TC(tp, pause_by_class);
	ATF_TP_ADD_TC(tp, schedule_in_backoff);
	ATF_TP_ADD_TC(tp, warn_level);
	ATF_TP_ADD_TC(tp, match_schedule_remove);
	ATF_TP_ADD_TC(tp, bounce_retry);
	ATF_TP_ADD_TC(tp, dirty_list);
	return (atf_no_error());
}
