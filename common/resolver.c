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
 * resolver.c -- the shared asynchronous resolver (see resolver.h), used
 * by lka (through lka/lka_dns.c) and by smtpctl's mail-authentication
 * tools (through smtpctl/ctl_resolver.c).
 *
 * libunbound runs in event mode: ub_ctx_create_event() on the event base
 * of the caller's loop, ub_resolve_event() per lookup.  Its sockets are
 * events of our base; there is no thread and no helper process (the
 * default async mode of libunbound forks one, which the sandbox
 * forbids).  Debian 12's libunbound 1.17 is built against the same
 * libevent 2.1 as we are, which event mode requires.
 *
 * SECURITY: everything that reads a file happens in resolver_init(),
 * before the caller drops privileges and applies its sandbox:
 * resolv.conf, the root trust anchor, and the context's finalisation (a
 * first lookup of "localhost", answered from libunbound's local data).
 * After that, libunbound only opens UDP and TCP sockets to the
 * resolvers.  /etc/hosts is not read: names are looked up in the DNS
 * only, as Postfix does.  Answers are read by dns.c, which trusts no
 * length in them; a name too long for the DNS is never sent.
 *
 * Each lookup has its own timer: its callback always comes from the
 * event loop, never from inside resolver_query() (libunbound answers
 * local data before ub_resolve_event() returns) nor from inside
 * libunbound's own callback, so a caller may start new lookups from
 * its callback.  A lookup that times out is answered RESOLVER_TEMPFAIL
 * and its state kept until libunbound gives it up (ub_cancel() is not
 * usable in event mode), then freed.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <errno.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unbound.h>
#include <unbound-event.h>

#include "dns.h"
#include "log.h"
#include "util.h"
#include "resolver.h"

#define RESOLVER_NAME_MAX	256	/* 253 characters and a final dot */

enum resolver_state {
	Q_PENDING,		/* libunbound is working on it */
	Q_DONE,			/* answered, delivery scheduled */
	Q_ABANDONED,		/* timed out, answered TEMPFAIL */
};

struct resolver_q {
	struct event		 ev;		/* timeout, then delivery */
	enum resolver_state	 state;
	resolver_cb		 cb;
	void			*arg;
	int			 status;	/* RESOLVER_* */
	int			 secure;
	uint8_t			*pkt;
	size_t			 len;
	uint16_t		 type;
	char			 name[RESOLVER_NAME_MAX];
};

static struct ub_ctx	*resolver_ctx;
static unsigned int	 resolver_timeout = RESOLVER_TIMEOUT;
static size_t		 resolver_npending;

static struct event_base *resolver_base(void);
static int	resolver_option(const char *, const char *, char *, size_t);
static int	resolver_upstreams(const struct resolver_conf *, char *,
		    size_t);
static int	resolver_anchor(char *, size_t);
static void	resolver_ub(void *, int, void *, int, int, char *, int);
static int	resolver_status(int, const void *, int, int, const char *,
		    const struct resolver_q *);
static void	resolver_later(struct resolver_q *, int);
static void	resolver_timer(int, short, void *);
static void	resolver_warm(void *, int, const uint8_t *, size_t, int);

/* The base event_init() made: an event set with event_set() is on it. */
static struct event_base *
resolver_base(void)
{
	struct event	 ev;

	evtimer_set(&ev, resolver_timer, NULL);
	return (event_get_base(&ev));
}

static int
resolver_option(const char *opt, const char *val, char *err, size_t errlen)
{
	int	 r;

	if ((r = ub_ctx_set_option(resolver_ctx, opt, val)) != 0) {
		(void)snprintf(err, errlen, "resolver: option %s %s: %s", opt,
		    val, ub_strerror(r));
		return (-1);
	}
	return (0);
}

/* "resolver ADDR[@PORT]" lines, or the system's resolv.conf. */
static int
resolver_upstreams(const struct resolver_conf *conf, char *err,
    size_t errlen)
{
	int	 i, r;

	if (conf->nupstream < 0 || conf->nupstream > RESOLVER_UPSTREAM_MAX) {
		(void)snprintf(err, errlen, "resolver: %d upstream resolvers "
		    "(at most %d)", conf->nupstream, RESOLVER_UPSTREAM_MAX);
		return (-1);
	}
	for (i = 0; i < conf->nupstream; i++) {
		if (memchr(conf->upstream[i], '\0',
		    sizeof(conf->upstream[i])) == NULL) {
			(void)snprintf(err, errlen, "resolver: upstream %d "
			    "is not a string", i);
			return (-1);
		}
		if ((r = ub_ctx_set_fwd(resolver_ctx,
		    conf->upstream[i])) != 0) {
			(void)snprintf(err, errlen, "resolver %s: %s",
			    conf->upstream[i], ub_strerror(r));
			return (-1);
		}
	}
	if (conf->nupstream > 0)
		return (0);
	if ((r = ub_ctx_resolvconf(resolver_ctx, RESOLVER_RESOLV_CONF)) != 0)
		log_warnx("resolver: %s: %s: asking the root servers directly",
		    RESOLVER_RESOLV_CONF, ub_strerror(r));
	return (0);
}

/* "resolver dnssec": the root trust anchor of dns-root-data. */
static int
resolver_anchor(char *err, size_t errlen)
{
	int	 r;

	if (access(RESOLVER_ROOT_KEY, R_OK) == -1) {
		log_warnx("resolver dnssec: %s: %s: answers are NOT validated "
		    "(install the package dns-root-data)", RESOLVER_ROOT_KEY,
		    strerror(errno));
		return (0);
	}
	if ((r = ub_ctx_add_ta_file(resolver_ctx, RESOLVER_ROOT_KEY)) != 0) {
		(void)snprintf(err, errlen, "resolver dnssec: %s: %s",
		    RESOLVER_ROOT_KEY, ub_strerror(r));
		return (-1);
	}
	/* ".test" is never in the DNS: a test zone need not be signed */
	if (resolver_option("domain-insecure:", "test", err, errlen) == -1)
		return (-1);
	log_debug("resolver: DNSSEC validation with %s", RESOLVER_ROOT_KEY);
	return (0);
}

int
resolver_init(const struct resolver_conf *conf, char *err, size_t errlen)
{
	if (resolver_ctx != NULL) {
		(void)snprintf(err, errlen, "resolver_init: called twice");
		return (-1);
	}
	if ((resolver_ctx = ub_ctx_create_event(resolver_base())) == NULL) {
		(void)snprintf(err, errlen, "resolver: libunbound cannot use "
		    "our event base");
		return (-1);
	}
	if (conf->timeout > 0)
		resolver_timeout = conf->timeout;
	/* loopback resolvers (systemd-resolved, a local unbound, tests) */
	if (resolver_option("do-not-query-localhost:", "no", err,
	    errlen) == -1)
		goto fail;
	/* RFC 6761 ".test" is a built-in empty zone: let it through */
	if (resolver_option("local-zone:", "test. transparent", err,
	    errlen) == -1)
		goto fail;
	if (resolver_upstreams(conf, err, errlen) == -1)
		goto fail;
	if (conf->dnssec && resolver_anchor(err, errlen) == -1)
		goto fail;
	/* finalise the context now, while files can be read */
	resolver_query("localhost", DNS_T_A, resolver_warm, NULL);
	return (0);
 fail:
	ub_ctx_delete(resolver_ctx);
	resolver_ctx = NULL;
	resolver_timeout = RESOLVER_TIMEOUT;
	return (-1);
}

/* The answer of the warm-up lookup: only whether it worked. */
static void
resolver_warm(void *arg, int status, const uint8_t *pkt, size_t len,
    int secure)
{
	if (status != RESOLVER_OK)
		log_warnx("resolver: the local lookup of \"localhost\" "
		    "failed at start-up");
}

size_t
resolver_pending(void)
{
	return (resolver_npending);
}

/* Answer q with status from the event loop, as soon as it runs. */
static void
resolver_later(struct resolver_q *q, int status)
{
	struct timeval	 tv;

	q->state = Q_DONE;
	q->status = status;
	evtimer_del(&q->ev);
	timerclear(&tv);
	evtimer_add(&q->ev, &tv);
}

void
resolver_query(const char *name, uint16_t type, resolver_cb cb, void *arg)
{
	struct resolver_q	*q;
	struct timeval		 tv;
	int			 r;

	q = xcalloc(1, sizeof(*q));
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	q->state = Q_PENDING;
	resolver_npending++;
	evtimer_set(&q->ev, resolver_timer, q);
	if (resolver_ctx == NULL) {
		log_warnx("resolver: %s type %u: no resolver (not started)",
		    name, (unsigned)type);
		resolver_later(q, RESOLVER_TEMPFAIL);
		return;
	}
	if (strlcpy(q->name, name, sizeof(q->name)) >= sizeof(q->name)) {
		/* no such name can exist in the DNS */
		resolver_later(q, RESOLVER_NXDOMAIN);
		return;
	}
	tv.tv_sec = resolver_timeout;
	tv.tv_usec = 0;
	evtimer_add(&q->ev, &tv);
	/* may call resolver_ub() at once (local data) */
	r = ub_resolve_event(resolver_ctx, q->name, type, DNS_C_IN, q,
	    resolver_ub, NULL);
	if (r != 0 && q->state == Q_PENDING) {
		log_warnx("resolver: %s type %u: %s", q->name, (unsigned)type,
		    ub_strerror(r));
		resolver_later(q, RESOLVER_TEMPFAIL);
	}
}

/* What an answer means; pkt is only read when rcode is 0. */
static int
resolver_status(int rcode, const void *pkt, int len, int sec,
    const char *why, const struct resolver_q *q)
{
	struct dns_msg	 msg;

	if (sec == 1) {		/* bogus */
		log_warnx("resolver: %s type %u: DNSSEC validation failed: %s",
		    q->name, (unsigned)q->type, why != NULL ? why : "bogus");
		return (RESOLVER_TEMPFAIL);
	}
	if (rcode == DNS_R_NXDOMAIN)
		return (RESOLVER_NXDOMAIN);
	if (rcode != 0)
		return (RESOLVER_TEMPFAIL);
	if (pkt == NULL || len <= 0 ||
	    dns_msg_init(&msg, pkt, (size_t)len) == -1) {
		log_warnx("resolver: %s type %u: malformed answer", q->name,
		    (unsigned)q->type);
		return (RESOLVER_TEMPFAIL);
	}
	switch (msg.rcode) {
	case DNS_R_NOERROR:
		return (RESOLVER_OK);
	case DNS_R_NXDOMAIN:
		return (RESOLVER_NXDOMAIN);
	default:
		return (RESOLVER_TEMPFAIL);
	}
}

/* libunbound's callback: keep the answer, deliver it from our timer. */
static void
resolver_ub(void *arg, int rcode, void *pkt, int len, int sec, char *why,
    int ratelimited)
{
	struct resolver_q	*q = arg;
	int			 status;

	if (q->state == Q_ABANDONED) {
		free(q);
		return;
	}
	status = resolver_status(rcode, pkt, len, sec, why, q);
	q->secure = sec == 2;
	if (status == RESOLVER_OK) {
		q->pkt = xmalloc((size_t)len);
		memcpy(q->pkt, pkt, (size_t)len);
		q->len = (size_t)len;
	}
	resolver_later(q, status);
}

static void
resolver_timer(int fd, short ev, void *arg)
{
	struct resolver_q	*q = arg;

	resolver_npending--;
	if (q->state == Q_PENDING) {
		log_warnx("resolver: %s type %u: no answer in %us", q->name,
		    (unsigned)q->type, resolver_timeout);
		q->state = Q_ABANDONED;	/* freed by resolver_ub() */
		q->cb(q->arg, RESOLVER_TEMPFAIL, NULL, 0, 0);
		return;
	}
	q->cb(q->arg, q->status, q->pkt, q->len, q->secure);
	free(q->pkt);
	free(q);
}
