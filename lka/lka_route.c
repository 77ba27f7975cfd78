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
 * lka_route.c -- where the mail of a relay action goes (IMSG_MTA_ROUTE).
 *
 * The mta in smtp asks for (action, domain); the answer (struct
 * mta_route, see smtpd.h) is the list of addresses to try, in order:
 *	1. the relay host the action's "domain <table>" names for the
 *	   domain (the value is a relay URL), else
 *	2. the action's "host URL", else
 *	3. the domain's MX hosts (RFC 5321 5.1): a domain that is a CNAME
 *	   is followed; no MX is an implicit MX (the domain's own
 *	   addresses); a null MX (RFC 7505: a single MX ".") refuses mail
 *	   at once; an MX that names an address ("192.0.2.1") or a name
 *	   that is no host name is skipped, one that is a CNAME is followed
 *	   by the address lookup.  Preferences ascending, random among
 *	   equal ones; with "backup", only MXes strictly better than our
 *	   own name's (a loop if we are the best).
 * A host name (relay or MX) becomes its AAAA then its A addresses, at
 * most MTA_ROUTE_MAX addresses in all, each with the port of the relay
 * URL (or its scheme's default).
 *
 * The ordering, the backup filter and the reading of answers are pure
 * functions (lka_route_order(), lka_route_mx(), lka_route_addrs(),
 * regress/unit/route_test.c); lka_route_lookup() drives the lookups
 * through lka_dns.c and calls back once with the answer.
 *
 * SECURITY: the domain comes from a recipient address and the answers
 * from the network: names in answers are kept only if they are host
 * names that fit HOST_MAX; every count is bounded (MX records kept,
 * CNAME hops, addresses).  A malformed answer is a temporary failure.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"
#include "lka_dns.h"

#define LKA_ROUTE_CNAME_MAX	8	/* CNAME hops followed */

/* One host of the route being resolved: its AAAA and A lookups. */
struct lka_route_host {
	struct lka_mx		 mx;
	struct lka_route	*route;
	int			 status[2];	/* LKA_DNS_*, [0] AAAA, [1] A */
	struct sockaddr_storage	 ss[2][MTA_ROUTE_MAX];
	size_t			 nss[2];
};

struct lka_route_lk {
	struct lka_route_host	*host;
	int			 fam;		/* 0 AAAA, 1 A */
};

struct lka_route {
	struct mta_route	 rep;
	char			 domain[DOMAIN_MAX];
	char			 action[NAME_MAX_CONF];
	char			 backup[HOST_MAX];	/* "" = no backup */
	in_port_t		 port;
	int			 relayhost;	/* a relay host, not MXes */
	int			 secure;	/* every answer so far */
	size_t			 pending;
	struct lka_route_host	*hosts;
	struct lka_route_lk	*lks;
	size_t			 nhosts;
	lka_route_done_cb	 done;
	void			*arg;
};

static int	lka_route_cmp(const void *, const void *);
static int	lka_route_chain(const uint8_t *, size_t, const char *,
		    char *, size_t);
static int	lka_route_literal(const char *, struct sockaddr_storage *);
static int	lka_route_domain_literal(const char *,
		    struct sockaddr_storage *);
static void	lka_route_address(struct lka_route *, const char *,
		    struct sockaddr_storage *);
static int	lka_route_target(struct lka_route *,
		    const struct relay_opts *, const char *,
		    const struct table_set *);
static void	lka_route_fail(struct lka_route *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
static void	lka_route_end(struct lka_route *);
static void	lka_route_mx_cb(void *, int, const uint8_t *, size_t, int);
static void	lka_route_hosts(struct lka_route *, const struct lka_mx *,
		    size_t);
static void	lka_route_addr_cb(void *, int, const uint8_t *, size_t, int);
static void	lka_route_finish(struct lka_route *);

/*
 * Pure parts.
 */

static int
lka_route_cmp(const void *a, const void *b)
{
	const struct lka_mx	*x = a, *y = b;

	return (x->pref < y->pref ? -1 : x->pref > y->pref);
}

/*
 * Sort mx[0, n) by preference, shuffle each run of equal preferences
 * with rnd(k) (uniform in [0, k)); with backup (our name), keep only the
 * MXes strictly better than backup's best preference.  The number kept,
 * or -1 if backup is (one of) the best MX: delivering would loop.
 */
int
lka_route_order(struct lka_mx *mx, size_t n, const char *backup,
    uint32_t (*rnd)(uint32_t))
{
	struct lka_mx	 tmp;
	size_t		 i, j, k, start;
	int		 ours = -1;

	qsort(mx, n, sizeof(*mx), lka_route_cmp);
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && mx[i].pref == mx[start].pref; i++)
			;
		for (k = i - start; k > 1; k--) {	/* Fisher-Yates */
			j = rnd((uint32_t)k);
			tmp = mx[start + k - 1];
			mx[start + k - 1] = mx[start + j];
			mx[start + j] = tmp;
		}
	}
	if (backup == NULL || *backup == '\0')
		return ((int)n);
	for (i = 0; i < n; i++)
		if (dns_name_equal(mx[i].name, backup)) {
			ours = mx[i].pref;
			break;
		}
	if (ours == -1)
		return ((int)n);	/* not an MX of the domain: all */
	for (i = 0; i < n && mx[i].pref < ours; i++)
		;
	return (i == 0 ? -1 : (int)i);
}

/* Follow the CNAMEs from name in the answer: the final owner name. */
static int
lka_route_chain(const uint8_t *pkt, size_t len, const char *name, char *out,
    size_t outsize)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	int		 hop, r, moved;

	if (strlcpy(out, name, outsize) >= outsize)
		return (-1);
	for (hop = 0; hop <= LKA_ROUTE_CNAME_MAX; hop++) {
		if (dns_msg_init(&msg, pkt, len) == -1)
			return (-1);
		moved = 0;
		while ((r = dns_msg_next(&msg, &rr)) == 1)
			if (rr.type == DNS_T_CNAME && rr.class == DNS_C_IN &&
			    dns_name_equal(rr.name, out)) {
				if (strlcpy(out, rr.u.target, outsize) >=
				    outsize)
					return (-1);
				moved = 1;
				break;
			}
		if (r == -1)
			return (-1);
		if (!moved)
			return (0);
	}
	return (-1);	/* too long a chain, or a loop */
}

/*
 * The MX records of name in an answer, CNAMEs followed, into mx[0, max):
 * their number (0: none, an implicit MX), -1 if the answer is
 * malformed, -2 for a null MX (RFC 7505), -3 if there are MXes and none
 * is usable (RFC 5321 5.1: an error, not an implicit MX).  Exchanges
 * that are no host name (an address, "_x", too long) are skipped with a
 * warning; a "." among other MXes is ignored.
 */
int
lka_route_mx(const uint8_t *pkt, size_t len, const char *name,
    struct lka_mx *mx, size_t max)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	struct in6_addr	 a6;
	char		 owner[DNS_NAMETEXT_MAX], esc[HOST_MAX * 4];
	size_t		 n = 0, nnull = 0, nall = 0;
	int		 r;

	if (lka_route_chain(pkt, len, name, owner, sizeof(owner)) == -1 ||
	    dns_msg_init(&msg, pkt, len) == -1)
		return (-1);
	while ((r = dns_msg_next(&msg, &rr)) == 1) {
		if (rr.type != DNS_T_MX || rr.class != DNS_C_IN ||
		    !dns_name_equal(rr.name, owner))
			continue;
		nall++;
		if (strcmp(rr.u.mx.exchange, ".") == 0) {
			nnull++;
			continue;
		}
		if (strlen(rr.u.mx.exchange) >= HOST_MAX ||
		    !valid_domain_part(rr.u.mx.exchange) ||
		    inet_pton(AF_INET, rr.u.mx.exchange, &a6) == 1) {
			(void)log_escape(esc, sizeof(esc), rr.u.mx.exchange,
			    strlen(rr.u.mx.exchange));
			log_warnx("route: %s: MX \"%s\" is not a host name, "
			    "skipped", name, esc);
			continue;
		}
		if (n == max)
			continue;
		mx[n].pref = rr.u.mx.pref;
		(void)strlcpy(mx[n].name, rr.u.mx.exchange,
		    sizeof(mx[n].name));
		n++;
	}
	if (r == -1)
		return (-1);
	if (nnull > 0 && nnull == nall)
		return (-2);
	if (n == 0 && nall > nnull)
		return (-3);	/* MXes, none usable: not an implicit MX */
	return ((int)n);
}

/*
 * The addresses (type DNS_T_A or DNS_T_AAAA) of name in an answer,
 * CNAMEs followed, into ss[0, max) with port (host order): their
 * number, or -1 if the answer is malformed.
 */
int
lka_route_addrs(const uint8_t *pkt, size_t len, const char *name,
    uint16_t type, in_port_t port, struct sockaddr_storage *ss, size_t max)
{
	struct dns_msg		 msg;
	struct dns_rr		 rr;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 owner[DNS_NAMETEXT_MAX];
	size_t			 n = 0;
	int			 r;

	if (lka_route_chain(pkt, len, name, owner, sizeof(owner)) == -1 ||
	    dns_msg_init(&msg, pkt, len) == -1)
		return (-1);
	while ((r = dns_msg_next(&msg, &rr)) == 1) {
		if (rr.type != type || rr.class != DNS_C_IN ||
		    !dns_name_equal(rr.name, owner) || n == max)
			continue;
		memset(&ss[n], 0, sizeof(ss[n]));
		if (type == DNS_T_A) {
			sin = (struct sockaddr_in *)&ss[n];
			sin->sin_family = AF_INET;
			sin->sin_port = htons(port);
			sin->sin_addr = rr.u.a;
		} else {
			sin6 = (struct sockaddr_in6 *)&ss[n];
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(port);
			sin6->sin6_addr = rr.u.aaaa;
		}
		n++;
	}
	return (r == -1 ? -1 : (int)n);
}

/* Append n addresses of one host to the answer, up to MTA_ROUTE_MAX. */
void
lka_route_add(struct mta_route *rep, int pref, const char *name,
    const struct sockaddr_storage *ss, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && rep->n < MTA_ROUTE_MAX; i++) {
		rep->hosts[rep->n].pref = pref;
		(void)strlcpy(rep->hosts[rep->n].name, name,
		    sizeof(rep->hosts[rep->n].name));
		rep->hosts[rep->n].ss = ss[i];
		rep->n++;
	}
}

/* "192.0.2.1", "2001:db8::1" (a relay host): 1 and *ss, or 0. */
static int
lka_route_literal(const char *host, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return (1);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return (1);
	}
	return (0);
}

/* "[192.0.2.1]", "[IPv6:2001:db8::1]" (RFC 5321 4.1.3): 1, 0, -1. */
static int
lka_route_domain_literal(const char *domain, struct sockaddr_storage *ss)
{
	char	 buf[DOMAIN_MAX];
	size_t	 len = strlen(domain);

	if (len < 2 || domain[0] != '[' || domain[len - 1] != ']')
		return (0);
	if (len - 2 >= sizeof(buf))
		return (-1);
	memcpy(buf, domain + 1, len - 2);
	buf[len - 2] = '\0';
	if (strncasecmp(buf, "IPv6:", 5) == 0) {
		if (!lka_route_literal(buf + 5, ss) ||
		    ss->ss_family != AF_INET6)
			return (-1);
		return (1);
	}
	if (!lka_route_literal(buf, ss) || ss->ss_family != AF_INET)
		return (-1);
	return (1);
}

/*
 * Lookups.
 */

/* A route of one address, no lookup: a relay host or domain literal. */
static void
lka_route_address(struct lka_route *r, const char *name,
    struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(r->port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(r->port);
	r->rep.status = ST_OK;
	r->secure = 0;
	lka_route_add(&r->rep, 0, name, ss, 1);
	lka_route_end(r);
}

static void
lka_route_fail(struct lka_route *r, int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(r->rep.text, sizeof(r->rep.text), fmt, ap);
	va_end(ap);
	r->rep.status = status;
	r->rep.n = 0;
	lka_route_end(r);
}

/* Answer, log, free. */
static void
lka_route_end(struct lka_route *r)
{
	char	 text[ERRLINE_MAX * 4];

	r->rep.dnssec = r->rep.status == ST_OK && r->secure;
	(void)log_escape(text, sizeof(text), r->rep.text,
	    strlen(r->rep.text));
	log_info("%016llx lka route domain=%s action=%s relay=%s result=%s "
	    "addresses=%u dnssec=%s%s%s%s", (unsigned long long)r->rep.reqid,
	    r->domain, r->action, r->rep.relay.host[0] != '\0' ?
	    r->rep.relay.host : "mx", r->rep.status == ST_OK ? "ok" :
	    r->rep.status == ST_TEMPFAIL ? "tempfail" : "permfail",
	    (unsigned)r->rep.n, r->rep.dnssec ? "yes" : "no",
	    text[0] != '\0' ? " error=\"" : "", text,
	    text[0] != '\0' ? "\"" : "");
	r->done(r->arg, &r->rep);
	free(r->hosts);
	free(r->lks);
	free(r);
}

/*
 * The relay host of the route: the "domain <table>" entry for the
 * domain (exact, then "*.parent" patterns), else the action's host.
 * 0, or -1 when the answer has been sent (a failure).
 */
static int
lka_route_target(struct lka_route *r, const struct relay_opts *ro,
    const char *hostname, const struct table_set *tables)
{
	const struct table_db	*db;
	const char		*val = NULL, *p, *why;
	char			 key[DOMAIN_MAX + 2];
	int			 found = 0;

	r->rep.relay = ro->host;
	if (ro->domain[0] != '\0') {
		if ((db = table_set_find(tables, ro->domain)) == NULL) {
			lka_route_fail(r, ST_TEMPFAIL, "451 4.3.0 table <%s> "
			    "is missing", ro->domain);
			return (-1);
		}
		found = table_get(db, r->domain, &val);
		for (p = strchr(r->domain, '.'); found == 0 && p != NULL;
		    p = strchr(p + 1, '.'))
			if ((size_t)snprintf(key, sizeof(key), "*%s", p) <
			    sizeof(key))
				found = table_get(db, key, &val);
		if (found == -1) {
			lka_route_fail(r, ST_TEMPFAIL, "451 4.3.0 lookup of %s "
			    "in table <%s> failed", r->domain, ro->domain);
			return (-1);
		}
	}
	if (found == 1) {
		if (val == NULL || relayhost_parse(&r->rep.relay, val,
		    &why) == -1) {
			log_warnx("route: table <%s>: %s: bad relay URL: %s",
			    ro->domain, r->domain, val == NULL ? "no value" :
			    why);
			lka_route_fail(r, ST_TEMPFAIL, "451 4.3.5 the relay "
			    "for %s in table <%s> is not a valid URL",
			    r->domain, ro->domain);
			return (-1);
		}
	}
	r->relayhost = r->rep.relay.host[0] != '\0';
	r->port = relayhost_port(&r->rep.relay);
	r->rep.relay.port = r->port;
	if (!r->relayhost && (ro->flags & RO_BACKUP))
		(void)strlcpy(r->backup, ro->backup[0] != '\0' ? ro->backup :
		    hostname, sizeof(r->backup));
	return (0);
}

/*
 * Find the route of domain under the relay action named action.  done
 * is called once, maybe before this returns, with the answer (reqid
 * set).
 */
void
lka_route_lookup(uint64_t reqid, const char *action, const char *domain,
    const struct smtpd_config *conf, const struct table_set *tables,
    lka_route_done_cb done, void *arg)
{
	struct lka_route		*r;
	const struct action		*a;
	struct sockaddr_storage		 ss;
	struct lka_mx			 mx;

	r = xcalloc(1, sizeof(*r));
	r->rep.reqid = reqid;
	r->done = done;
	r->arg = arg;
	r->secure = 1;
	(void)strlcpy(r->domain, domain, sizeof(r->domain));
	lowercase(r->domain);
	(void)strlcpy(r->action, action, sizeof(r->action));
	if ((a = ruleset_action(conf, action)) == NULL ||
	    a->method != A_RELAY) {
		log_warnx("route: action \"%s\" is %s", action, a == NULL ?
		    "gone" : "not a relay");
		lka_route_fail(r, ST_TEMPFAIL, "451 4.3.0 action %s is not "
		    "a relay action", action);
		return;
	}
	if (lka_route_target(r, &a->relay, conf->hostname, tables) == -1)
		return;
	if (r->relayhost && lka_route_literal(r->rep.relay.host, &ss)) {
		lka_route_address(r, r->rep.relay.host, &ss);
		return;
	}
	if (r->relayhost) {
		memset(&mx, 0, sizeof(mx));
		(void)strlcpy(mx.name, r->rep.relay.host, sizeof(mx.name));
		lka_route_hosts(r, &mx, 1);
		return;
	}
	switch (lka_route_domain_literal(r->domain, &ss)) {
	case 1:
		lka_route_address(r, r->domain, &ss);
		return;
	case -1:
		lka_route_fail(r, ST_PERMFAIL, "550 5.1.2 %s: not a valid "
		    "address literal", r->domain);
		return;
	default:
		break;
	}
	if (!valid_domain_part(r->domain)) {
		lka_route_fail(r, ST_PERMFAIL, "550 5.1.2 %s: not a domain "
		    "that can be looked up", r->domain);
		return;
	}
	lka_dns_query(r->domain, DNS_T_MX, lka_route_mx_cb, r);
}

/* The MX answer: the hosts to resolve, or the verdict. */
static void
lka_route_mx_cb(void *arg, int status, const uint8_t *pkt, size_t len,
    int secure)
{
	struct lka_route	*r = arg;
	struct lka_mx		 mx[LKA_ROUTE_MX_MAX];
	int			 n;

	r->secure = r->secure && secure;
	if (status == LKA_DNS_NXDOMAIN) {
		lka_route_fail(r, ST_PERMFAIL, "550 5.1.2 %s: domain does not "
		    "exist (NXDOMAIN)", r->domain);
		return;
	}
	if (status != LKA_DNS_OK ||
	    (n = lka_route_mx(pkt, len, r->domain, mx, nitems(mx))) == -1) {
		lka_route_fail(r, ST_TEMPFAIL, "451 4.4.3 %s: MX lookup "
		    "failed, will retry", r->domain);
		return;
	}
	if (n == -2) {
		lka_route_fail(r, ST_PERMFAIL, "556 5.1.10 %s: domain does "
		    "not accept mail (null MX)", r->domain);
		return;
	}
	if (n == -3) {
		lka_route_fail(r, ST_PERMFAIL, "550 5.4.4 %s: none of its MX "
		    "records names a usable host", r->domain);
		return;
	}
	if (n == 0) {		/* implicit MX */
		mx[0].pref = 0;
		(void)strlcpy(mx[0].name, r->domain, sizeof(mx[0].name));
		n = 1;
	}
	if ((n = lka_route_order(mx, (size_t)n, r->backup,
	    arc4random_uniform)) == -1) {
		lka_route_fail(r, ST_PERMFAIL, "550 5.4.6 %s: mail loop: we "
		    "(%s) are its best MX and relay as its backup", r->domain,
		    r->backup);
		return;
	}
	/* each host gives at least one address: no need for more hosts */
	lka_route_hosts(r, mx, (size_t)n < MTA_ROUTE_MAX ? (size_t)n :
	    MTA_ROUTE_MAX);
}

/* AAAA and A lookups of every host, all at once. */
static void
lka_route_hosts(struct lka_route *r, const struct lka_mx *mx, size_t n)
{
	size_t	 i;
	int	 f;

	r->hosts = xcalloc(n, sizeof(*r->hosts));
	r->lks = xcalloc(n * 2, sizeof(*r->lks));
	r->nhosts = n;
	r->pending = n * 2;
	for (i = 0; i < n; i++) {
		r->hosts[i].mx = mx[i];
		r->hosts[i].route = r;
		for (f = 0; f < 2; f++) {
			r->lks[i * 2 + f].host = &r->hosts[i];
			r->lks[i * 2 + f].fam = f;
		}
	}
	for (i = 0; i < n; i++)
		for (f = 0; f < 2; f++)
			lka_dns_query(mx[i].name, f == 0 ? DNS_T_AAAA :
			    DNS_T_A, lka_route_addr_cb, &r->lks[i * 2 + f]);
}

static void
lka_route_addr_cb(void *arg, int status, const uint8_t *pkt, size_t len,
    int secure)
{
	struct lka_route_lk	*lk = arg;
	struct lka_route_host	*h = lk->host;
	struct lka_route	*r = h->route;
	int			 n;

	h->status[lk->fam] = status;
	if (status == LKA_DNS_OK) {
		n = lka_route_addrs(pkt, len, h->mx.name, lk->fam == 0 ?
		    DNS_T_AAAA : DNS_T_A, r->port, h->ss[lk->fam],
		    MTA_ROUTE_MAX);
		if (n == -1)
			h->status[lk->fam] = LKA_DNS_TEMPFAIL;
		else {
			h->nss[lk->fam] = (size_t)n;
			if (n > 0)
				r->secure = r->secure && secure;
		}
	}
	if (--r->pending == 0)
		lka_route_finish(r);
}

/* Every address lookup is in: the answer. */
static void
lka_route_finish(struct lka_route *r)
{
	struct lka_route_host	*h;
	size_t			 i;
	int			 temp = 0;

	for (i = 0; i < r->nhosts; i++) {
		h = &r->hosts[i];
		lka_route_add(&r->rep, h->mx.pref, h->mx.name, h->ss[0],
		    h->nss[0]);
		lka_route_add(&r->rep, h->mx.pref, h->mx.name, h->ss[1],
		    h->nss[1]);
		if (h->status[0] == LKA_DNS_TEMPFAIL ||
		    h->status[1] == LKA_DNS_TEMPFAIL)
			temp = 1;
	}
	if (r->rep.n > 0) {
		r->rep.status = ST_OK;
		lka_route_end(r);
	} else if (r->relayhost)
		/* the administrator's relay host: wait for it to be fixed */
		lka_route_fail(r, ST_TEMPFAIL, "451 4.4.4 relay host %s: %s",
		    r->rep.relay.host, temp ? "lookup failed, will retry" :
		    "no address");
	else if (temp)
		lka_route_fail(r, ST_TEMPFAIL, "451 4.4.3 %s: address lookup "
		    "of its mail hosts failed, will retry", r->domain);
	else
		lka_route_fail(r, ST_PERMFAIL, "550 5.4.4 %s: no address for "
		    "its mail hosts", r->domain);
}
