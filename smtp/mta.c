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
 * mta.c -- relayed delivery in the smtp process: envelopes from the queue
 * (IMSG_QUEUE_MTA_DELIVER), grouped into tasks per message and
 * destination, the destinations' routes from lka, the connection pool,
 * and one answer per envelope (IMSG_MTA_DELIVERY_RESULT).  The SMTP
 * dialogue is mta_session.c's.
 *
 * SECURITY: runs in the network-facing smtp process (chroot, its own
 * user, SANDBOX_SMTP: inet sockets it opens itself).  It holds the
 * message files the queue hands it, read-only, and asks lka for routes
 * and, per connection, for credentials, which mta_session.c wipes once
 * sent.  An envelope's answer only ever concerns that envelope: the queue
 * checks that it is in flight.  Every envelope taken is answered exactly
 * once, whatever happens to its connection (mta_answer() marks it).
 *
 * Envelopes that arrive together (one imsg batch: the queue sends a
 * message's due envelopes in one round) join one task when they share
 * the message, the action and the domain (or the fixed relay host): a
 * destination is run from a zero timer, after the batch, not at each
 * envelope.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <tls.h>
#include <unistd.h>

#include "imsg.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"
#include "mta.h"

/* The system's CA bundle (ca-certificates), read before the chroot. */
#define MTA_CA_FILE	"/etc/ssl/certs/ca-certificates.crt"

static TAILQ_HEAD(, mta_dest)	mta_dests = TAILQ_HEAD_INITIALIZER(mta_dests);
static uint64_t			mta_dest_ids;
static struct event		mta_run_ev;
static int			mta_run_armed;
static struct event		mta_gc_ev;
static struct tls_config	*mta_tls_verify;
static struct tls_config	*mta_tls_noverify;
static uint8_t			*mta_ca;	/* the CA bundle, kept */
static size_t			 mta_calen;

/* Configurations with a client certificate ("relay ... pki NAME"). */
struct mta_tlscfg {
	TAILQ_ENTRY(mta_tlscfg)	 entry;
	int			 verify;
	char			 pki[HOST_MAX];
	struct tls_config	*cfg;		/* NULL: no such certificate */
};
static TAILQ_HEAD(, mta_tlscfg)	mta_tlscfgs =
    TAILQ_HEAD_INITIALIZER(mta_tlscfgs);
size_t				mta_nconn;
/* tasks hold a message fd each: at most half of what the process may open */
static size_t			mta_ntasks;
static size_t			mta_ntasks_max;

static struct mta_dest	*mta_dest_get(const struct action *,
			    const struct envelope *);
static struct mta_dest	*mta_dest_find_id(uint64_t);
static void		 mta_dest_run(struct mta_dest *);
static void		 mta_dest_lookup(struct mta_dest *);
static void		 mta_dest_open(struct mta_dest *);
static void		 mta_run(int, short, void *);
static void		 mta_gc(int, short, void *);
static void		 mta_gc_arm(void);
static void		 mta_deliver_refuse(const struct envelope *, int,
			    const char *);
static struct tls_config *mta_tls_new(uint8_t *, size_t, int);

void
mta_init(void)
{
	struct rlimit	 rl;

	mta_ntasks_max = MTA_TASKS_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 2 < mta_ntasks_max)
		mta_ntasks_max = rl.rlim_cur / 2;
	evtimer_set(&mta_run_ev, mta_run, NULL);
	evtimer_set(&mta_gc_ev, mta_gc, NULL);
	mta_gc_arm();
}

/*
 * Before the chroot: the CA bundle into memory and the two client
 * configurations (verifying against it; not verifying, for "tls
 * no-verify" and opportunistic STARTTLS).  Without the bundle, "tls
 * verify" cannot succeed: its handshakes fail and the mail waits.
 */
void
mta_configured(void)
{
	if ((mta_ca = tls_load_file(MTA_CA_FILE, &mta_calen, NULL)) == NULL)
		log_warnx("mta: cannot read %s: relays with \"tls verify\" "
		    "will fail", MTA_CA_FILE);
	mta_tls_verify = mta_tls_new(mta_ca, mta_calen, 1);
	mta_tls_noverify = mta_tls_new(NULL, 0, 0);
}

/*
 * New certificates may have come with a reload: client configurations
 * are made again when next needed (the TLS contexts of running sessions
 * hold a reference to theirs).
 */
void
mta_reload(void)
{
	struct mta_tlscfg	*c;

	while ((c = TAILQ_FIRST(&mta_tlscfgs)) != NULL) {
		TAILQ_REMOVE(&mta_tlscfgs, c, entry);
		tls_config_free(c->cfg);
		free(c);
	}
}

static struct tls_config *
mta_tls_new(uint8_t *ca, size_t calen, int verify)
{
	struct tls_config	*cfg;

	if ((cfg = tls_config_new()) == NULL)
		fatalx("mta: tls_config_new");
	if (verify) {
		if (ca != NULL && tls_config_set_ca_mem(cfg, ca, calen) == -1)
			log_warnx("mta: CA bundle: %s", tls_config_error(cfg));
	} else {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	return (cfg);
}

/*
 * The client configuration for verify and pki ("" for no certificate);
 * NULL if that pki has no certificate.  With a pki, the private key stays
 * in the signer: the configuration has a fake key (keyproxy).
 */
struct tls_config *
mta_tls_config(int verify, const char *pki)
{
	struct mta_tlscfg	*c;
	const uint8_t		*cert;
	size_t			 len;

	if (pki[0] == '\0')
		return (verify ? mta_tls_verify : mta_tls_noverify);
	TAILQ_FOREACH(c, &mta_tlscfgs, entry)
		if (c->verify == verify && strcmp(c->pki, pki) == 0)
			return (c->cfg);
	c = xcalloc(1, sizeof(*c));
	c->verify = verify;
	(void)strlcpy(c->pki, pki, sizeof(c->pki));
	TAILQ_INSERT_TAIL(&mta_tlscfgs, c, entry);
	c->cfg = mta_tls_new(mta_ca, mta_calen, verify);
	if (keyproxy_tls_config(c->cfg) == -1)
		fatalx("mta: keyproxy_init was not called");
	if (smtp_tls_cert(pki, &cert, &len) == -1 ||
	    tls_config_set_keypair_mem(c->cfg, cert, len, NULL, 0) == -1) {
		log_warnx("mta: pki \"%s\": no usable certificate: %s", pki,
		    tls_config_error(c->cfg) != NULL ?
		    tls_config_error(c->cfg) : "not loaded");
		tls_config_free(c->cfg);
		c->cfg = NULL;
	}
	return (c->cfg);
}

/* IMSG_QUEUE_MTA_DELIVER: struct envelope + the message, read-only. */
void
mta_imsg_deliver(struct peer *p, struct imsg *imsg)
{
	struct envelope		 evp;
	const struct action	*a;
	struct mta_dest		*d;
	struct mta_task		*t;
	struct mta_envelope	*me;
	struct stat		 sb;
	size_t			 i;
	int			 fd = imsg_get_fd(imsg);

	imsg_payload(imsg, &evp, sizeof(evp));
	if (fd == -1) {
		/* no descriptor left to receive it: try again later */
		log_warnx("%016llx mta: envelope without its message "
		    "(out of file descriptors?)", (unsigned long long)evp.id);
		mta_deliver_refuse(&evp, ST_TEMPFAIL, "451 4.3.0 mta: out of "
		    "resources, try again later");
		return;
	}
	a = config_action(env, evp.action);
	if (a == NULL || a->method != A_RELAY) {
		close(fd);
		mta_deliver_refuse(&evp, ST_TEMPFAIL, "451 4.3.0 mta: the "
		    "action is not a relay action (configuration reloaded?)");
		return;
	}
	d = mta_dest_get(a, &evp);
	if (evp.flags & EF_FORCED) {
		/* the administrator asked for a try now: no hold-down */
		for (i = 0; i < MTA_ROUTE_MAX; i++)
			d->hosts[i].down = 0;
		d->backoff = 0;
		evp.flags &= ~EF_FORCED;
	}
	/* a message's envelopes come one after the other: the last task */
	t = TAILQ_LAST(&d->tasks, mta_taskq);
	if (t != NULL && t->msgid == evpid_to_msgid(evp.id) &&
	    t->nenv < MTA_RCPT_MAX)
		close(fd);
	else if (mta_ntasks >= mta_ntasks_max) {
		close(fd);
		mta_deliver_refuse(&evp, ST_TEMPFAIL, "451 4.3.2 mta: too many "
		    "messages waiting for a connection, try again later");
		return;
	} else {
		t = xcalloc(1, sizeof(*t));
		t->dest = d;
		t->msgid = evpid_to_msgid(evp.id);
		t->fd = fd;
		t->size = fstat(fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
		t->sender = evp.sender;
		t->eflags = evp.flags & (EF_8BITMIME | EF_SMTPUTF8);
		TAILQ_INIT(&t->envs);
		TAILQ_INSERT_TAIL(&d->tasks, t, entry);
		d->ntasks++;
		mta_ntasks++;
	}
	me = xcalloc(1, sizeof(*me));
	me->evp = evp;
	TAILQ_INSERT_TAIL(&t->envs, me, entry);
	t->nenv++;
	mta_dest_kick(d);
}

static void
mta_deliver_refuse(const struct envelope *evp, int status, const char *why)
{
	struct mta_envelope	 me;

	memset(&me, 0, sizeof(me));
	me.evp = *evp;
	mta_answer(&me, status, why, "", "");
}

/*
 * The destination of an envelope: its action, and its domain unless the
 * action sends everything to one relay host ("domain <table>" choosing
 * the host by domain keeps the domain).
 */
static struct mta_dest *
mta_dest_get(const struct action *a, const struct envelope *evp)
{
	struct mta_dest	*d;
	const char	*dom = evp->dest.domain;

	if (a->relay.host.host[0] != '\0' && a->relay.domain[0] == '\0')
		dom = "";
	TAILQ_FOREACH(d, &mta_dests, entry)
		if (strcmp(d->action, a->name) == 0 &&
		    strcasecmp(d->domain, dom) == 0)
			return (d);
	d = xcalloc(1, sizeof(*d));
	d->id = ++mta_dest_ids;
	(void)strlcpy(d->action, a->name, sizeof(d->action));
	(void)strlcpy(d->domain, dom, sizeof(d->domain));
	(void)strlcpy(d->askdomain, evp->dest.domain, sizeof(d->askdomain));
	if (d->askdomain[0] == '\0')
		(void)strlcpy(d->askdomain, env->hostname,
		    sizeof(d->askdomain));
	d->state = MD_NEW;
	TAILQ_INIT(&d->tasks);
	TAILQ_INIT(&d->sessions);
	TAILQ_INSERT_TAIL(&mta_dests, d, entry);
	return (d);
}

static struct mta_dest *
mta_dest_find_id(uint64_t id)
{
	struct mta_dest	*d;

	TAILQ_FOREACH(d, &mta_dests, entry)
		if (d->id == id)
			return (d);
	return (NULL);
}

/* Run d after the current imsg batch. */
void
mta_dest_kick(struct mta_dest *d)
{
	struct timeval	 tv = { 0, 0 };

	d->kicked = 1;
	if (!mta_run_armed) {
		mta_run_armed = 1;
		evtimer_add(&mta_run_ev, &tv);
	}
}

static void
mta_run(int fd, short ev, void *arg)
{
	struct mta_dest	*d, *next;

	mta_run_armed = 0;
	TAILQ_FOREACH_SAFE(d, &mta_dests, entry, next) {
		if (!d->kicked)
			continue;
		d->kicked = 0;
		mta_dest_run(d);
	}
}

/* Hand d's waiting tasks to its route, its sessions or new ones. */
static void
mta_dest_run(struct mta_dest *d)
{
	time_t	 now = time(NULL);
	char	 why[ERRLINE_MAX + 32];

	if (d->ntasks == 0)
		return;
	if (d->state == MD_LOOKUP)
		return;
	if (d->state == MD_NEW || now >= d->expire) {
		mta_dest_lookup(d);
		return;
	}
	if (d->state == MD_FAIL) {
		mta_dest_fail(d, d->route.status, d->route.text);
		return;
	}
	if (now < d->backoff && d->nconn == 0) {
		(void)snprintf(why, sizeof(why), "%s", d->lasterr[0] != '\0' ?
		    d->lasterr : "451 4.4.1 destination unreachable");
		mta_dest_fail(d, ST_TEMPFAIL, why);
		return;
	}
	mta_dest_open(d);
}

/* Idle sessions take tasks; new ones open for the rest, within limits. */
static void
mta_dest_open(struct mta_dest *d)
{
	size_t	 opening;

	opening = mta_session_offer(d);
	while (d->ntasks > opening && d->nconn < env->mta_max_conn_route &&
	    mta_nconn < env->mta_max_conn) {
		if (mta_session_new(d) == NULL)
			break;
		opening++;
	}
}

static void
mta_dest_lookup(struct mta_dest *d)
{
	struct mta_route_req	 req;

	memset(&req, 0, sizeof(req));
	req.reqid = d->id;
	(void)strlcpy(req.action, d->action, sizeof(req.action));
	(void)strlcpy(req.domain, d->askdomain, sizeof(req.domain));
	d->state = MD_LOOKUP;
	smtp_send_lka(IMSG_MTA_ROUTE, &req, sizeof(req));
}

/* IMSG_LKA_ROUTE: where d's mail goes, or why it cannot. */
void
mta_imsg_route(struct peer *p, struct imsg *imsg)
{
	struct mta_route	 r;
	struct mta_dest		*d;
	int			 same;

	imsg_payload(imsg, &r, sizeof(r));
	if ((d = mta_dest_find_id(r.reqid)) == NULL || d->state != MD_LOOKUP)
		fatalx("mta: route for unknown request %llu",
		    (unsigned long long)r.reqid);
	same = d->route.n == r.n && memcmp(d->route.hosts, r.hosts,
	    r.n * sizeof(r.hosts[0])) == 0;
	d->route = r;
	if (!same)
		memset(d->hosts, 0, sizeof(d->hosts));
	d->state = r.status == ST_OK ? MD_OK : MD_FAIL;
	/* a temporary failure is asked again at the next try */
	d->expire = time(NULL) + (r.status == ST_TEMPFAIL ? 0 : MTA_ROUTE_TTL);
	if (r.status != ST_OK) {
		mta_dest_fail(d, r.status, r.text[0] != '\0' ? r.text :
		    "451 4.4.3 mta: no route to the destination");
		return;
	}
	mta_dest_run(d);
}

/* IMSG_LKA_CREDS: for the session that asked (reqid). */
void
mta_imsg_creds(struct peer *p, struct imsg *imsg)
{
	struct mta_creds	 c;

	imsg_payload(imsg, &c, sizeof(c));
	mta_session_creds(c.reqid, &c);
	explicit_bzero(&c, sizeof(c));
}

struct mta_task *
mta_dest_take(struct mta_dest *d)
{
	struct mta_task	*t;

	if ((t = TAILQ_FIRST(&d->tasks)) == NULL)
		return (NULL);
	TAILQ_REMOVE(&d->tasks, t, entry);
	d->ntasks--;
	t->taken = 1;
	return (t);
}

/* Every waiting task of d fails with why (status ST_*). */
void
mta_dest_fail(struct mta_dest *d, int status, const char *why)
{
	struct mta_task	*t;

	if (why != NULL && why[0] != '\0' && why != d->lasterr)
		(void)strlcpy(d->lasterr, why, sizeof(d->lasterr));
	while ((t = mta_dest_take(d)) != NULL) {
		mta_task_fail(t, status, why, "", "");
		mta_task_free(t);
	}
}

/*
 * A session of d is gone: its place may go to a task of d, or of any
 * destination that waits for the overall limit.
 */
void
mta_dest_session_gone(struct mta_dest *d)
{
	struct mta_dest	*o;

	d->nconn--;
	mta_nconn--;
	TAILQ_FOREACH(o, &mta_dests, entry)
		if (o->ntasks > 0)
			mta_dest_kick(o);
}

/*
 * The answer for one envelope: status, errorline, where it went
 * ("mx.example.org [192.0.2.1]:25", "" if nowhere) and the TLS used.
 */
void
mta_answer(struct mta_envelope *me, int status, const char *err,
    const char *relay, const char *tls)
{
	struct delivery_result	 dr;

	if (me->state == MR_DONE)
		fatalx("mta: envelope %016llx answered twice",
		    (unsigned long long)me->evp.id);
	me->state = MR_DONE;
	memset(&dr, 0, sizeof(dr));
	dr.evpid = me->evp.id;
	dr.status = status;
	(void)strlcpy(dr.errorline, err != NULL ? err : "",
	    sizeof(dr.errorline));
	(void)strlcpy(dr.relay, relay != NULL ? relay : "", sizeof(dr.relay));
	(void)strlcpy(dr.tls, tls != NULL ? tls : "", sizeof(dr.tls));
	smtp_send_queue(IMSG_MTA_DELIVERY_RESULT, &dr, sizeof(dr));
}

/* Every envelope of t not answered yet gets this answer. */
void
mta_task_fail(struct mta_task *t, int status, const char *err,
    const char *relay, const char *tls)
{
	struct mta_envelope	*me;

	TAILQ_FOREACH(me, &t->envs, entry)
		if (me->state != MR_DONE)
			mta_answer(me, status, err, relay, tls);
}

void
mta_task_free(struct mta_task *t)
{
	struct mta_envelope	*me;

	mta_task_fail(t, ST_TEMPFAIL, "451 4.3.0 mta: delivery abandoned",
	    "", "");
	while ((me = TAILQ_FIRST(&t->envs)) != NULL) {
		TAILQ_REMOVE(&t->envs, me, entry);
		free(me);
	}
	if (t->fd != -1)
		close(t->fd);
	free(t);
	mta_ntasks--;
}

/* Forget destinations with nothing to do whose route has expired. */
static void
mta_gc(int fd, short ev, void *arg)
{
	struct mta_dest	*d, *next;
	time_t		 now = time(NULL);

	TAILQ_FOREACH_SAFE(d, &mta_dests, entry, next) {
		if (d->ntasks > 0 || d->nconn > 0 || d->state == MD_LOOKUP ||
		    now < d->expire + MTA_ROUTE_TTL || now < d->backoff)
			continue;
		TAILQ_REMOVE(&mta_dests, d, entry);
		free(d);
	}
	mta_gc_arm();
}

static void
mta_gc_arm(void)
{
	struct timeval	 tv = { MTA_GC_INTERVAL, 0 };

	evtimer_add(&mta_gc_ev, &tv);
}

static void
mta_ctl_line(struct peer *p, uint32_t id, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
mta_ctl_line(struct peer *p, uint32_t id, const char *fmt, ...)
{
	char	 buf[2048];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	(void)peer_compose(p, IMSG_CTL_LINE, id, 0, -1, buf, (size_t)n + 1);
}

/* "in 12s" or "-" */
static const char *
mta_ctl_retry(time_t until, time_t now, char *buf, size_t len)
{
	if (until <= now)
		return ("-");
	(void)snprintf(buf, len, "%llds", (long long)(until - now));
	return (buf);
}

/*
 * show hosts: one line per address of every known route:
 * "HOST [ADDR]:PORT route=ACTION/DOMAIN conn=N sent=N retry=Ns|-
 * error=\"...\"".
 */
void
mta_imsg_show_hosts(struct peer *p, struct imsg *imsg)
{
	const struct mta_dest		*d;
	const struct mta_route_host	*h;
	const struct mta_hoststat	*hs;
	char				 err[ERRLINE_MAX * 4], rt[32];
	uint32_t			 id = imsg_get_id(imsg), i;
	time_t				 now = time(NULL);

	TAILQ_FOREACH(d, &mta_dests, entry) {
		if (d->state != MD_OK)
			continue;
		for (i = 0; i < d->route.n; i++) {
			h = &d->route.hosts[i];
			hs = &d->hosts[i];
			(void)log_escape(err, sizeof(err), hs->lasterr,
			    strlen(hs->lasterr));
			mta_ctl_line(p, id, "%s [%s] route=%s/%s conn=%llu "
			    "sent=%llu tls=%s retry=%s error=\"%s\"", h->name,
			    log_sockaddr((const struct sockaddr *)&h->ss),
			    d->action, d->domain[0] ? d->domain : "*",
			    (unsigned long long)hs->nconn,
			    (unsigned long long)hs->nsent,
			    hs->notls > now ? "off" : "auto",
			    mta_ctl_retry(hs->down, now, rt, sizeof(rt)), err);
		}
	}
	(void)peer_compose(p, IMSG_CTL_END, id, 0, -1, NULL, 0);
}

/*
 * show routes: one line per destination: "ACTION/DOMAIN relay=URL
 * state=ok|lookup|fail hosts=N conn=N tasks=N sent=N retry=Ns|-
 * error=\"...\"".
 */
void
mta_imsg_show_routes(struct peer *p, struct imsg *imsg)
{
	static const char *const states[] = { "new", "lookup", "ok", "fail" };
	const struct mta_dest	*d;
	char			 err[ERRLINE_MAX * 4], url[HOST_MAX + 64];
	char			 rt[32];
	uint32_t		 id = imsg_get_id(imsg);
	time_t			 now = time(NULL);

	TAILQ_FOREACH(d, &mta_dests, entry) {
		(void)log_escape(err, sizeof(err), d->lasterr,
		    strlen(d->lasterr));
		if (d->state == MD_NEW || d->state == MD_LOOKUP ||
		    d->route.relay.host[0] == '\0' ||
		    relayhost_text(&d->route.relay, url, sizeof(url)) == -1)
			(void)strlcpy(url, "mx", sizeof(url));
		mta_ctl_line(p, id, "%s/%s relay=%s state=%s hosts=%u conn=%zu "
		    "tasks=%zu sent=%llu retry=%s error=\"%s\"", d->action,
		    d->domain[0] ? d->domain : "*", url, states[d->state],
		    d->state == MD_OK ? d->route.n : 0, d->nconn, d->ntasks,
		    (unsigned long long)d->nsent,
		    mta_ctl_retry(d->backoff, now, rt, sizeof(rt)), err);
	}
	(void)peer_compose(p, IMSG_CTL_END, id, 0, -1, NULL, 0);
}
