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
 * queue_ctl.c -- smtpctl requests relayed by control: show queue, show
 * stats, schedule, remove, pause and resume.  Every answer carries the
 * request's peerid (the control client id).
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "proc.h"
#include "queue.h"
#include "smtpd.h"

#define CTL_LINE_MAX	4096	/* IMSG_CTL_LINE bound, imsg_rules */

static void	queue_ctl_reply(struct peer *, uint32_t, const char *);
static void	queue_ctl_line(struct peer *, uint32_t, const char *);
static void	queue_ctl_field(char *, size_t, const char *);
static void	queue_ctl_addr(char *, size_t, const struct mailaddr *);
static void	queue_ctl_route(char *, size_t, const struct envelope *);
static void	queue_ctl_show_one(struct peer *, uint32_t,
		    const struct qenv *, int64_t);
static int	queue_ctl_target(struct imsg *, const char **);
static void	queue_ctl_pause(struct peer *, struct imsg *, int);

static void
queue_ctl_reply(struct peer *p, uint32_t peerid, const char *fail)
{
	if (fail != NULL)
		peer_compose(p, IMSG_CTL_FAIL, peerid, 0, -1, fail,
		    strlen(fail) + 1);
	else
		peer_compose(p, IMSG_CTL_OK, peerid, 0, -1, NULL, 0);
}

static void
queue_ctl_line(struct peer *p, uint32_t peerid, const char *line)
{
	peer_compose(p, IMSG_CTL_LINE, peerid, 0, -1, line, strlen(line) + 1);
}

/* Escaped for a terminal, and '|' (the separator) as \x7c. */
static void
queue_ctl_field(char *out, size_t size, const char *s)
{
	char	 tmp[1024];
	size_t	 i, o = 0;

	(void)log_escape(tmp, sizeof(tmp), s, strlen(s));
	for (i = 0; tmp[i] != '\0' && o + 5 < size; i++) {
		if (tmp[i] == '|') {
			memcpy(out + o, "\\x7c", 4);
			o += 4;
		} else
			out[o++] = tmp[i];
	}
	out[o] = '\0';
}

static void
queue_ctl_addr(char *out, size_t size, const struct mailaddr *ma)
{
	char	 addr[MAILADDR_MAX + 1];

	if (bounce_addr(ma, addr, sizeof(addr)) == -1)
		addr[0] = '\0';
	queue_ctl_field(out, size, addr);
}

/*
 * Where the envelope goes, for a human: "relay host HOST:PORT" or "MX of
 * DOMAIN" for a relay action, else the action and the user it delivers
 * as ("action NAME, user USER"; a file or a command instead of the user
 * for an alias or .forward delivery).  Not escaped.
 */
static void
queue_ctl_route(char *out, size_t size, const struct envelope *e)
{
	const struct action	*a = config_action(env, e->action);
	const struct relayhost	*rh;

	if (a != NULL && a->method == A_RELAY && e->dtype == DT_MAILBOX) {
		rh = &a->relay.host;
		if (rh->host[0] == '\0')
			(void)snprintf(out, size, "MX of %s", e->dest.domain);
		else if (strchr(rh->host, ':') != NULL)
			(void)snprintf(out, size, "relay host [%s]:%u",
			    rh->host, (unsigned int)relayhost_port(rh));
		else
			(void)snprintf(out, size, "relay host %s:%u",
			    rh->host, (unsigned int)relayhost_port(rh));
		return;
	}
	switch (e->dtype) {
	case DT_FILE:
		(void)snprintf(out, size, "action %s, file %s", e->action,
		    e->arg);
		break;
	case DT_PIPE:
		(void)snprintf(out, size, "action %s, command %s", e->action,
		    e->arg);
		break;
	default:
		(void)snprintf(out, size, "action %s, user %s", e->action,
		    e->user);
		break;
	}
}

/*
 * One line per envelope, fields separated by '|', every string escaped
 * (queue_ctl_field); smtpctl prints it as is (-p) or as a table:
 * evpid|msgid|sender|rcpt|dest|action|state|ctime|expire|retry|nexttry|
 * errorline|size (of the message; -1 if unknown)|route (queue_ctl_route).
 * New fields go at the end: scripts count them from the start.
 */
static void
queue_ctl_show_one(struct peer *p, uint32_t peerid, const struct qenv *q,
    int64_t size)
{
	const struct envelope	*e = &q->evp;
	char			 line[CTL_LINE_MAX];
	char			 from[600], rcpt[600], dest[600];
	char			 act[200], err[1000], rtext[ARG_MAX_CONF + 128];
	char			 route[600];

	queue_ctl_addr(from, sizeof(from), &e->sender);
	queue_ctl_addr(rcpt, sizeof(rcpt), &e->rcpt);
	queue_ctl_addr(dest, sizeof(dest), &e->dest);
	queue_ctl_field(act, sizeof(act), e->action);
	queue_ctl_field(err, sizeof(err), e->errorline);
	queue_ctl_route(rtext, sizeof(rtext), e);
	queue_ctl_field(route, sizeof(route), rtext);
	(void)snprintf(line, sizeof(line),
	    "%016llx|%08x|%s|%s|%s|%s|%s|%lld|%lld|%u|%lld|%s|%lld|%s",
	    (unsigned long long)e->id, evpid_to_msgid(e->id), from, rcpt,
	    dest, act, scheduler_state_name(&queue_sched, q),
	    (long long)e->ctime, (long long)e->expire, e->retry,
	    (long long)e->nexttry, err, (long long)size, route);
	queue_ctl_line(p, peerid, line);
}

void
queue_ctl_imsg_show_queue(struct peer *p, struct imsg *imsg)
{
	struct qmsg	*m;
	struct qenv	*q;
	uint32_t	 peerid = imsg_get_id(imsg);
	int64_t		 size;

	RB_FOREACH(m, qmsg_tree, &queue_sched.msgs) {
		size = queue_fs_msg_size(m->msgid);
		TAILQ_FOREACH(q, &m->envs, msg_entry)
			queue_ctl_show_one(p, peerid, q, size);
	}
	peer_compose(p, IMSG_CTL_END, peerid, 0, -1, NULL, 0);
}

void
queue_ctl_imsg_show_stats(struct peer *p, struct imsg *imsg)
{
	uint32_t	 peerid = imsg_get_id(imsg);
	char		 line[128];

	(void)snprintf(line, sizeof(line), "queue.envelopes=%zu",
	    queue_sched.nenv);
	queue_ctl_line(p, peerid, line);
	(void)snprintf(line, sizeof(line), "queue.inflight=%zu",
	    queue_sched.inflight);
	queue_ctl_line(p, peerid, line);
	(void)snprintf(line, sizeof(line), "queue.delivered=%llu",
	    (unsigned long long)queue_stats.delivered);
	queue_ctl_line(p, peerid, line);
	(void)snprintf(line, sizeof(line), "queue.tempfail=%llu",
	    (unsigned long long)queue_stats.tempfail);
	queue_ctl_line(p, peerid, line);
	(void)snprintf(line, sizeof(line), "queue.bounced=%llu",
	    (unsigned long long)queue_stats.bounced);
	queue_ctl_line(p, peerid, line);
	(void)snprintf(line, sizeof(line), "queue.corrupt=%llu",
	    (unsigned long long)queue_stats.corrupt);
	queue_ctl_line(p, peerid, line);
	(void)snprintf(line, sizeof(line), "queue.held=%llu",
	    (unsigned long long)queue_stats.held);
	queue_ctl_line(p, peerid, line);
	peer_compose(p, IMSG_CTL_END, peerid, 0, -1, NULL, 0);
}

/*
 * Make the selected envelopes due now (in-flight ones are left alone);
 * held ones are released (the administrator fixed the problem) with a
 * full lifetime again.
 */
void
queue_ctl_imsg_schedule(struct peer *p, struct imsg *imsg)
{
	struct ctl_id	  cid;
	struct qenv	**v;
	size_t		  n, i;
	time_t		  now = time(NULL);

	imsg_payload(imsg, &cid, sizeof(cid));
	n = scheduler_match(&queue_sched, cid.id, &v);
	if (n == 0 && cid.id != 0) {
		queue_ctl_reply(p, imsg_get_id(imsg), "no such envelope");
		return;
	}
	for (i = 0; i < n; i++) {
		v[i]->flags |= QENV_F_FORCED;
		if (scheduler_release(&queue_sched, v[i], now,
		    now + env->queue_ttl)) {
			log_info("%016llx queue released by the administrator",
			    (unsigned long long)v[i]->evp.id);
			scheduler_msg_dirty(&queue_sched, v[i]->msg);
			queue_round_schedule();
		} else
			scheduler_reschedule(&queue_sched, v[i], now);
	}
	free(v);
	log_info("queue: %zu envelopes scheduled by the administrator", n);
	queue_ctl_reply(p, imsg_get_id(imsg), NULL);
	queue_deliver_kick();
}

/* Remove now, or when the delivery (or bounce) under way ends. */
void
queue_ctl_imsg_remove(struct peer *p, struct imsg *imsg)
{
	struct ctl_id	  cid;
	struct qenv	**v;
	size_t		  n, i;

	imsg_payload(imsg, &cid, sizeof(cid));
	n = scheduler_match(&queue_sched, cid.id, &v);
	if (n == 0 && cid.id != 0) {
		queue_ctl_reply(p, imsg_get_id(imsg), "no such envelope");
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i]->state != QENV_PENDING &&
		    v[i]->state != QENV_HELD) {
			v[i]->flags |= QENV_F_REMOVE;
			continue;
		}
		log_info("%016llx queue envelope removed by the "
		    "administrator", (unsigned long long)v[i]->evp.id);
		queue_envelope_remove(v[i]);
	}
	free(v);
	queue_ctl_reply(p, imsg_get_id(imsg), NULL);
	queue_deliver_kick();
}

/*
 * The classes a pause/resume target stands for (SCHED_PAUSE_*): "mda"
 * local deliveries, "mta" relay deliveries, "all" both; 0 for another
 * target.  *what: its name for the log.
 */
static int
queue_ctl_target(struct imsg *imsg, const char **what)
{
	struct ctl_what	 w;

	imsg_payload(imsg, &w, sizeof(w));
	if (strcmp(w.what, "mda") == 0) {
		*what = "local";
		return (SCHED_PAUSE_MDA);
	}
	if (strcmp(w.what, "mta") == 0) {
		*what = "relay";
		return (SCHED_PAUSE_MTA);
	}
	if (strcmp(w.what, "all") == 0) {
		*what = "all";
		return (SCHED_PAUSE_ALL);
	}
	return (0);
}

static void
queue_ctl_pause(struct peer *p, struct imsg *imsg, int paused)
{
	const char	*what;
	int		 classes;

	if ((classes = queue_ctl_target(imsg, &what)) == 0) {
		queue_ctl_reply(p, imsg_get_id(imsg), "unknown target");
		return;
	}
	scheduler_pause(&queue_sched, classes, paused);
	log_info("queue: %s deliveries %s", what, paused ? "paused" :
	    "resumed");
	queue_ctl_reply(p, imsg_get_id(imsg), NULL);
	queue_deliver_kick();
}

void
queue_ctl_imsg_pause(struct peer *p, struct imsg *imsg)
{
	queue_ctl_pause(p, imsg, 1);
}

void
queue_ctl_imsg_resume(struct peer *p, struct imsg *imsg)
{
	queue_ctl_pause(p, imsg, 0);
}
