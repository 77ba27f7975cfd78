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
 * lka_dns.c -- lka's asynchronous resolver (see lka_dns.h).
 *
 * libunbound runs in event mode: ub_ctx_create_event() on the event base
 * of lka's loop, ub_resolve_event() per lookup.  Its sockets are events
 * of our base; there is no thread and no helper process (the default
 * async mode of libunbound forks one, which the sandbox forbids).
 * Debian 12's libunbound 1.17 is built against the same libevent 2.1 as
 * we are, which event mode requires.
 *
 * SECURITY: everything that reads a file happens in lka_dns_init(),
 * before privileges are dropped and the sandbox applied: resolv.conf,
 * the root trust anchor, and the context's finalisation (a first lookup
 * of "localhost", answered from libunbound's local data).  After that,
 * libunbound only opens UDP and TCP sockets to the resolvers (the lka
 * profile's inet and dns promises).  /etc/hosts is not read: MX and
 * relay hosts are looked up in the DNS only, as Postfix does.
 * Answers are read by common/dns.c, which trusts no length in them.
 *
 * Each lookup has its own timer: its callback always comes from the
 * event loop, never from inside lka_dns_query() (libunbound answers
 * local data before ub_resolve_event() returns) nor from inside
 * libunbound's own callback, so a caller may start new lookups from
 * its callback.  A lookup that times out is answered LKA_DNS_TEMPFAIL
 * and its state kept until libunbound gives it up (ub_cancel() is not
 * usable in event mode), then freed.
 */

#include <sys/types.h>

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unbound.h>
#include <unbound-event.h>

#include "dns.h"
#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "lka_dns.h"

enum lka_dns_state {
	Q_PENDING,		/* libunbound is working on it */
	Q_DONE,			/* answered, delivery scheduled */
	Q_ABANDONED,		/* timed out, answered TEMPFAIL */
};

struct lka_dns_q {
	struct event		 ev;		/* timeout, then delivery */
	enum lka_dns_state	 state;
	lka_dns_cb		 cb;
	void			*arg;
	int			 status;	/* LKA_DNS_* */
	int			 secure;
	uint8_t			*pkt;
	size_t			 len;
	uint16_t		 type;
	char			 name[HOST_MAX];
};

static struct ub_ctx	*lka_dns_ctx;
static unsigned int	 lka_dns_timeout = LKA_DNS_TIMEOUT;
static size_t		 lka_dns_npending;

static struct event_base *lka_dns_base(void);
static void	lka_dns_option(const char *, const char *);
static void	lka_dns_upstreams(const struct smtpd_config *);
static void	lka_dns_anchor(void);
static void	lka_dns_ub(void *, int, void *, int, int, char *, int);
static int	lka_dns_status(int, const void *, int, int, const char *,
		    const struct lka_dns_q *);
static void	lka_dns_timer(int, short, void *);
static void	lka_dns_warm(void *, int, const uint8_t *, size_t, int);

/* The base event_init() made: an event set with event_set() is on it. */
static struct event_base *
lka_dns_base(void)
{
	struct event	 ev;

	evtimer_set(&ev, lka_dns_timer, NULL);
	return (event_get_base(&ev));
}

static void
lka_dns_option(const char *opt, const char *val)
{
	int	 r;

	if ((r = ub_ctx_set_option(lka_dns_ctx, opt, val)) != 0)
		fatalx("resolver: option %s %s: %s", opt, val, ub_strerror(r));
}

/* "resolver ADDR[@PORT]" lines, or the system's resolv.conf. */
static void
lka_dns_upstreams(const struct smtpd_config *conf)
{
	size_t	 i;
	int	 r;

	for (i = 0; i < conf->nresolvers && i < RESOLVER_MAX; i++)
		if ((r = ub_ctx_set_fwd(lka_dns_ctx, conf->resolvers[i])) != 0)
			fatalx("resolver %s: %s", conf->resolvers[i],
			    ub_strerror(r));
	if (conf->nresolvers > 0)
		return;
	if ((r = ub_ctx_resolvconf(lka_dns_ctx, LKA_DNS_RESOLV_CONF)) != 0)
		log_warnx("resolver: %s: %s: asking the root servers directly",
		    LKA_DNS_RESOLV_CONF, ub_strerror(r));
}

/* "resolver dnssec": the root trust anchor of dns-root-data. */
static void
lka_dns_anchor(void)
{
	int	 r;

	if (access(LKA_DNS_ROOT_KEY, R_OK) == -1) {
		log_warnx("resolver dnssec: %s: %s: answers are NOT validated "
		    "(install the package dns-root-data)", LKA_DNS_ROOT_KEY,
		    strerror(errno));
		return;
	}
	if ((r = ub_ctx_add_ta_file(lka_dns_ctx, LKA_DNS_ROOT_KEY)) != 0)
		fatalx("resolver dnssec: %s: %s", LKA_DNS_ROOT_KEY,
		    ub_strerror(r));
	/* ".test" is never in the DNS: a test zone need not be signed */
	lka_dns_option("domain-insecure:", "test");
	log_debug("resolver: DNSSEC validation with %s", LKA_DNS_ROOT_KEY);
}

void
lka_dns_init(const struct smtpd_config *conf, unsigned int timeout)
{
	if (lka_dns_ctx != NULL)
		fatalx("lka_dns_init: called twice");
	if (timeout > 0)
		lka_dns_timeout = timeout;
	if ((lka_dns_ctx = ub_ctx_create_event(lka_dns_base())) == NULL)
		fatalx("resolver: libunbound cannot use our event base");
	/* loopback resolvers (systemd-resolved, a local unbound, tests) */
	lka_dns_option("do-not-query-localhost:", "no");
	/* RFC 6761 ".test" is a built-in empty zone: let it through */
	lka_dns_option("local-zone:", "test. transparent");
	lka_dns_upstreams(conf);
	if (conf->dnssec)
		lka_dns_anchor();
	/* finalise the context now, while files can be read */
	lka_dns_query("localhost", DNS_T_A, lka_dns_warm, NULL);
}

/* The answer of the warm-up lookup: only whether it worked. */
static void
lka_dns_warm(void *arg, int status, const uint8_t *pkt, size_t len,
    int secure)
{
	if (status != LKA_DNS_OK)
		log_warnx("resolver: the local lookup of \"localhost\" "
		    "failed at start-up");
}

void
lka_dns_reload(const struct smtpd_config *old, const struct smtpd_config *new)
{
	size_t	 i;
	int	 same;

	same = old->nresolvers == new->nresolvers &&
	    !old->dnssec == !new->dnssec;
	for (i = 0; same && i < new->nresolvers && i < RESOLVER_MAX; i++)
		same = strcmp(old->resolvers[i], new->resolvers[i]) == 0;
	if (!same)
		log_warnx("resolver settings changed: they take effect when "
		    "smtpd is restarted");
}

size_t
lka_dns_pending(void)
{
	return (lka_dns_npending);
}

void
lka_dns_query(const char *name, uint16_t type, lka_dns_cb cb, void *arg)
{
	struct lka_dns_q	*q;
	struct timeval		 tv;
	int			 r;

	if (lka_dns_ctx == NULL)
		fatalx("lka_dns_query: no resolver");
	q = xcalloc(1, sizeof(*q));
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	q->state = Q_PENDING;
	(void)strlcpy(q->name, name, sizeof(q->name));
	lka_dns_npending++;
	evtimer_set(&q->ev, lka_dns_timer, q);
	tv.tv_sec = lka_dns_timeout;
	tv.tv_usec = 0;
	evtimer_add(&q->ev, &tv);
	/* may call lka_dns_ub() at once (local data) */
	r = ub_resolve_event(lka_dns_ctx, name, type, DNS_C_IN, q, lka_dns_ub,
	    NULL);
	if (r != 0 && q->state == Q_PENDING) {
		log_warnx("resolver: %s type %u: %s", name, (unsigned)type,
		    ub_strerror(r));
		q->state = Q_DONE;
		q->status = LKA_DNS_TEMPFAIL;
		evtimer_del(&q->ev);
		timerclear(&tv);
		evtimer_add(&q->ev, &tv);
	}
}

/* What an answer means; pkt is only read when rcode is 0. */
static int
lka_dns_status(int rcode, const void *pkt, int len, int sec,
    const char *why, const struct lka_dns_q *q)
{
	struct dns_msg	 msg;

	if (sec == 1) {		/* bogus */
		log_warnx("resolver: %s type %u: DNSSEC validation failed: %s",
		    q->name, (unsigned)q->type, why != NULL ? why : "bogus");
		return (LKA_DNS_TEMPFAIL);
	}
	if (rcode == DNS_R_NXDOMAIN)
		return (LKA_DNS_NXDOMAIN);
	if (rcode != 0)
		return (LKA_DNS_TEMPFAIL);
	if (pkt == NULL || len <= 0 ||
	    dns_msg_init(&msg, pkt, (size_t)len) == -1) {
		log_warnx("resolver: %s type %u: malformed answer", q->name,
		    (unsigned)q->type);
		return (LKA_DNS_TEMPFAIL);
	}
	switch (msg.rcode) {
	case DNS_R_NOERROR:
		return (LKA_DNS_OK);
	case DNS_R_NXDOMAIN:
		return (LKA_DNS_NXDOMAIN);
	default:
		return (LKA_DNS_TEMPFAIL);
	}
}

/* libunbound's callback: keep the answer, deliver it from our timer. */
static void
lka_dns_ub(void *arg, int rcode, void *pkt, int len, int sec, char *why,
    int ratelimited)
{
	struct lka_dns_q	*q = arg;
	struct timeval		 tv;

	if (q->state == Q_ABANDONED) {
		free(q);
		return;
	}
	q->status = lka_dns_status(rcode, pkt, len, sec, why, q);
	q->secure = sec == 2;
	if (q->status == LKA_DNS_OK) {
		q->pkt = xmalloc((size_t)len);
		memcpy(q->pkt, pkt, (size_t)len);
		q->len = (size_t)len;
	}
	q->state = Q_DONE;
	evtimer_del(&q->ev);
	timerclear(&tv);
	evtimer_add(&q->ev, &tv);
}

static void
lka_dns_timer(int fd, short ev, void *arg)
{
	struct lka_dns_q	*q = arg;

	lka_dns_npending--;
	if (q->state == Q_PENDING) {
		log_warnx("resolver: %s type %u: no answer in %us", q->name,
		    (unsigned)q->type, lka_dns_timeout);
		q->state = Q_ABANDONED;	/* freed by lka_dns_ub() */
		q->cb(q->arg, LKA_DNS_TEMPFAIL, NULL, 0, 0);
		return;
	}
	q->cb(q->arg, q->status, q->pkt, q->len, q->secure);
	free(q->pkt);
	free(q);
}
