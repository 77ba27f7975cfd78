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
 * dns_check.c -- smtpctl dns --check: every record dns.c prints, looked
 * up through the configured resolver (ctl_resolver.h) and judged, one
 * line each: OK, MISSING, WRONG (with what was found) or ERROR (the
 * lookup failed).
 *
 *	MX	the domain's MX set includes the hostname
 *	A/AAAA	the hostname has addresses (each printed)
 *	PTR	each of those addresses points back to the hostname (so the
 *		name is forward-confirmed: it came from the hostname's A/AAAA)
 *	SPF	exactly one v=spf1 record, and check_host() (spf.h, the
 *		daemon's code) gives "pass" for each of those addresses
 *	DKIM	per dkim statement for the domain: one key record that
 *		dkim_key_parse() (the verifier's parser) accepts, whose k=
 *		and p= are our key's, h= and s= allowing us
 *	DMARC	exactly one v=DMARC1 record that dmarc_record_parse()
 *		(dmarc.h, the daemon's parser) accepts; p=none is noted
 *
 * Two rounds of lookups: first MX, A, AAAA and the TXT records; then,
 * with the addresses, PTR and SPF.  Exit status: 2 if a lookup failed, 1
 * if something is missing or wrong, 0 when all is correct.
 *
 * SECURITY: every answer is read with common/dns.c (lengths checked); at
 * most DNSC_RR_MAX records kept per answer and DNSC_ADDR_MAX addresses;
 * text from the DNS is printed through dnsc_safe().
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim.h"
#include "dmarc.h"
#include "dns.h"
#include "resolver.h"
#include "spf.h"
#include "ctl_resolver.h"
#include "smtpctl.h"
#include "dns_local.h"

#define DNSC_RR_MAX		32	/* records kept per answer */
#define DNSC_TXT_MAX		65536	/* a TXT record, joined */
#define DNSC_FOUND_MAX		1024	/* "(found: ...)" */

enum dnsc_st {
	CHK_OK,
	CHK_MISSING,
	CHK_WRONG,
	CHK_ERROR,
};

/* One lookup's answer: the records of the type asked, as text. */
struct dnsc_ans {
	int		 status;	/* RESOLVER_* */
	int		 malformed;
	char		*rr[DNSC_RR_MAX];
	size_t		 nrr;
};

struct dnsc_chk;

struct dnsc_spf {
	struct dnsc_chk	*c;
	struct spf_outcome out;
	int		 done;
};

struct dnsc_chk {
	struct dnsc	*d;
	size_t		 outstanding;
	int		 round;
	int		 done;
	struct dnsc_ans	 mx, a, aaaa, spf, dmarc;
	struct dnsc_ans	*dkim;		/* one per d->keys */
	char		 addr[DNSC_ADDR_MAX][DNSC_ADDRTEXT_MAX];
	size_t		 naddr;
	struct dnsc_ans	 ptr[DNSC_ADDR_MAX];
	struct dnsc_spf	 spfres[DNSC_ADDR_MAX];
	int		 nbad, nerror;
};

struct dnsc_q {
	struct dnsc_chk	*c;
	struct dnsc_ans	*ans;
	uint16_t	 type;
};

static void	chk_ask(struct dnsc_chk *, struct dnsc_ans *, const char *,
		    uint16_t);
static void	chk_answer(void *, int, const uint8_t *, size_t, int);
static int	chk_rr_text(const struct dns_rr *, char *, size_t);
static void	chk_finished_one(struct dnsc_chk *);
static void	chk_round2(struct dnsc_chk *);
static void	chk_spf_done(void *, const struct spf_outcome *);
static void	chk_line(struct dnsc_chk *, enum dnsc_st, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	chk_found(const struct dnsc_ans *, const char *, char *,
		    size_t);
static int	is_spf(const char *);
static int	is_dmarc(const char *);
static void	key_short(const char *, char *, size_t);
static const char *dkim_key_judge(const char *, const char *, int *);
static void	ans_free(struct dnsc_ans *);
static void	report_mx(struct dnsc_chk *);
static void	report_addr(struct dnsc_chk *);
static void	report_ptr(struct dnsc_chk *);
static void	report_spf(struct dnsc_chk *);
static void	report_dkim(struct dnsc_chk *);
static void	report_dmarc(struct dnsc_chk *);

static const char *const st_name[] = { "OK", "MISSING", "WRONG", "ERROR" };

static void
chk_ask(struct dnsc_chk *c, struct dnsc_ans *ans, const char *name,
    uint16_t type)
{
	struct dnsc_q	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		ans->status = RESOLVER_TEMPFAIL;
		return;
	}
	q->c = c;
	q->ans = ans;
	q->type = type;
	c->outstanding++;
	resolver_query(name, type, chk_answer, q);
}

/* The text of a record of the type asked: "pref name", address, name. */
static int
chk_rr_text(const struct dns_rr *rr, char *buf, size_t size)
{
	int	 n;

	switch (rr->type) {
	case DNS_T_MX:
		n = snprintf(buf, size, "%u %s", (unsigned)rr->u.mx.pref,
		    rr->u.mx.exchange);
		return (n < 0 || (size_t)n >= size ? -1 : 0);
	case DNS_T_A:
		return (inet_ntop(AF_INET, &rr->u.a, buf, size) == NULL ?
		    -1 : 0);
	case DNS_T_AAAA:
		return (inet_ntop(AF_INET6, &rr->u.aaaa, buf, size) == NULL ?
		    -1 : 0);
	case DNS_T_PTR:
		return (strlcpy(buf, rr->u.target, size) >= size ? -1 : 0);
	case DNS_T_TXT:
		return (dns_txt_join(rr, buf, size) == -1 ? -1 : 0);
	default:
		return (-1);
	}
}

static void
chk_answer(void *arg, int status, const uint8_t *pkt, size_t len,
    int secure)
{
	struct dnsc_q	*q = arg;
	struct dnsc_ans	*ans = q->ans;
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	char		*buf;
	int		 r;

	ans->status = status;
	if (status == RESOLVER_OK &&
	    (buf = malloc(DNSC_TXT_MAX)) != NULL) {
		if (dns_msg_init(&msg, pkt, len) == -1)
			ans->malformed = 1;
		while (!ans->malformed && ans->nrr < DNSC_RR_MAX &&
		    (r = dns_msg_next(&msg, &rr)) != 0) {
			if (r == -1) {
				ans->malformed = 1;
				break;
			}
			if (rr.type != q->type || rr.class != DNS_C_IN)
				continue;
			if (chk_rr_text(&rr, buf, DNSC_TXT_MAX) == -1 ||
			    (ans->rr[ans->nrr] = strdup(buf)) == NULL) {
				ans->malformed = 1;
				break;
			}
			ans->nrr++;
		}
		free(buf);
	} else if (status == RESOLVER_OK)
		ans->malformed = 1;
	if (ans->malformed)
		ans->status = RESOLVER_TEMPFAIL;
	chk_finished_one(q->c);
	free(q);
}

static void
chk_finished_one(struct dnsc_chk *c)
{
	if (--c->outstanding > 0)
		return;
	if (c->round == 1)
		chk_round2(c);
	else
		c->done = 1;
}

static void
chk_spf_done(void *arg, const struct spf_outcome *out)
{
	struct dnsc_spf	*s = arg;

	s->out = *out;
	s->done = 1;
	chk_finished_one(s->c);
}

/* Round two: the addresses of the hostname, their PTR, and SPF. */
static void
chk_round2(struct dnsc_chk *c)
{
	char		 rev[128], sender[300];
	size_t		 i, j, nspf = 0;

	c->round = 2;
	for (i = 0; i < c->a.nrr && c->naddr < DNSC_ADDR_MAX; i++)
		(void)strlcpy(c->addr[c->naddr++], c->a.rr[i],
		    sizeof(c->addr[0]));
	for (i = 0; i < c->aaaa.nrr && c->naddr < DNSC_ADDR_MAX; i++)
		(void)strlcpy(c->addr[c->naddr++], c->aaaa.rr[i],
		    sizeof(c->addr[0]));
	for (j = 0; j < c->spf.nrr; j++)
		nspf += is_spf(c->spf.rr[j]);
	/* one count for the whole round, so that it cannot end early */
	c->outstanding++;
	for (i = 0; i < c->naddr; i++) {
		if (dnsc_reverse(c->addr[i], rev, sizeof(rev)) == 0)
			chk_ask(c, &c->ptr[i], rev, DNS_T_PTR);
		else
			c->ptr[i].status = RESOLVER_TEMPFAIL;
		if (c->spf.status != RESOLVER_OK || nspf != 1)
			continue;
		(void)snprintf(sender, sizeof(sender), "postmaster@%s",
		    c->d->domain);
		c->outstanding++;
		c->spfres[i].c = c;
		if (spf_check(resolver_query, c->addr[i], c->d->host, sender,
		    SPF_ID_MAILFROM, c->d->host, chk_spf_done,
		    &c->spfres[i]) == NULL) {
			c->outstanding--;
			c->spfres[i].out.result = SPF_TEMPERROR;
			(void)strlcpy(c->spfres[i].out.reason, "out of memory",
			    sizeof(c->spfres[i].out.reason));
			c->spfres[i].done = 1;
		}
	}
	chk_finished_one(c);
}

static void
chk_line(struct dnsc_chk *c, enum dnsc_st st, const char *fmt, ...)
{
	va_list	 ap;

	if (st == CHK_ERROR)
		c->nerror++;
	else if (st != CHK_OK)
		c->nbad++;
	printf("%-8s", st_name[st]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The records found, printable, each through fmt ("%s", "\"%s\""). */
static void
chk_found(const struct dnsc_ans *ans, const char *quote, char *out,
    size_t size)
{
	char	 safe[DNSC_FOUND_MAX];
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < ans->nrr; i++) {
		dnsc_safe(safe, sizeof(safe), ans->rr[i], strlen(ans->rr[i]));
		if (i > 0)
			(void)strlcat(out, ", ", size);
		(void)strlcat(out, quote, size);
		(void)strlcat(out, safe, size);
		(void)strlcat(out, quote, size);
	}
}

/* "v=spf1" followed by a space or the end (RFC 7208 4.5). */
static int
is_spf(const char *txt)
{
	size_t	 len = strnlen(txt, 7);

	return (len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (len == 6 || txt[6] == ' '));
}

/* The first tag "v=DMARC1" (RFC 7489 6.6.3: others are discarded). */
static int
is_dmarc(const char *txt)
{
	size_t	 n;

	if (strncmp(txt, "v", 1) != 0)
		return (0);
	n = 1 + strspn(txt + 1, " \t");
	if (txt[n] != '=')
		return (0);
	n += 1 + strspn(txt + n + 1, " \t");
	return (strncmp(txt + n, "DMARC1", 6) == 0 &&
	    (txt[n + 6] == '\0' || txt[n + 6] == ';' || txt[n + 6] == ' ' ||
	    txt[n + 6] == '\t'));
}

/* "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG..." : the key cut short. */
static void
key_short(const char *txt, char *out, size_t size)
{
	char		 safe[DNSC_FOUND_MAX - 4];
	const char	*p;
	size_t		 len;

	len = strlen(txt);
	if ((p = strstr(txt, "p=")) != NULL && strlen(p) > 2 + 20)
		len = (size_t)(p - txt) + 2 + 20;
	dnsc_safe(safe, sizeof(safe), txt, len);
	(void)snprintf(out, size, "%s%s", safe, len < strlen(txt) ? "..." :
	    "");
}

static void
ans_free(struct dnsc_ans *ans)
{
	size_t	 i;

	for (i = 0; i < ans->nrr; i++)
		free(ans->rr[i]);
	ans->nrr = 0;
}

static void
report_mx(struct dnsc_chk *c)
{
	const char	*dom = c->d->domain, *host = c->d->host, *x;
	char		 found[DNSC_FOUND_MAX], safe[DNSC_FOUND_MAX];
	size_t		 i;

	if (c->mx.status == RESOLVER_TEMPFAIL) {
		chk_line(c, CHK_ERROR, "%s. IN MX %d %s. (lookup failed)", dom,
		    DNSC_MX_PREF, host);
		return;
	}
	for (i = 0; i < c->mx.nrr; i++) {
		if ((x = strchr(c->mx.rr[i], ' ')) != NULL &&
		    dns_name_equal(x + 1, host)) {
			dnsc_safe(safe, sizeof(safe), c->mx.rr[i],
			    strlen(c->mx.rr[i]));
			chk_line(c, CHK_OK, "%s. IN MX %s.", dom, safe);
			return;
		}
	}
	if (c->mx.nrr == 0) {
		chk_line(c, CHK_MISSING, "%s. IN MX %d %s.", dom, DNSC_MX_PREF,
		    host);
		return;
	}
	chk_found(&c->mx, "", found, sizeof(found));
	chk_line(c, CHK_WRONG, "%s. IN MX %d %s. (found: %s)", dom,
	    DNSC_MX_PREF, host, found);
}

static void
report_addr(struct dnsc_chk *c)
{
	const char	*host = c->d->host;
	size_t		 i;

	if (c->naddr == 0 && (c->a.status == RESOLVER_TEMPFAIL ||
	    c->aaaa.status == RESOLVER_TEMPFAIL)) {
		chk_line(c, CHK_ERROR, "%s. IN A/AAAA (lookup failed)", host);
		return;
	}
	if (c->naddr == 0) {
		chk_line(c, CHK_MISSING, "%s. IN A/AAAA <this server's "
		    "address>", host);
		return;
	}
	for (i = 0; i < c->naddr; i++)
		chk_line(c, CHK_OK, "%s. IN %s %s", host,
		    strchr(c->addr[i], ':') != NULL ? "AAAA" : "A",
		    c->addr[i]);
}

static void
report_ptr(struct dnsc_chk *c)
{
	const char	*host = c->d->host;
	char		 rev[128], found[DNSC_FOUND_MAX];
	size_t		 i, j;

	if (c->naddr == 0) {
		chk_line(c, CHK_MISSING, "PTR %s. (%s has no address)", host,
		    host);
		return;
	}
	for (i = 0; i < c->naddr; i++) {
		if (dnsc_reverse(c->addr[i], rev, sizeof(rev)) == -1)
			(void)strlcpy(rev, c->addr[i], sizeof(rev));
		if (c->ptr[i].status == RESOLVER_TEMPFAIL) {
			chk_line(c, CHK_ERROR, "%s. IN PTR %s. (lookup failed)",
			    rev, host);
			continue;
		}
		for (j = 0; j < c->ptr[i].nrr; j++)
			if (dns_name_equal(c->ptr[i].rr[j], host))
				break;
		if (j < c->ptr[i].nrr)
			chk_line(c, CHK_OK, "%s. IN PTR %s.", rev, host);
		else if (c->ptr[i].nrr == 0)
			chk_line(c, CHK_MISSING, "%s. IN PTR %s.", rev, host);
		else {
			chk_found(&c->ptr[i], "", found, sizeof(found));
			chk_line(c, CHK_WRONG, "%s. IN PTR %s. (found: %s)",
			    rev, host, found);
		}
	}
}

static void
report_spf(struct dnsc_chk *c)
{
	const char	*dom = c->d->domain, *rec = NULL;
	const struct spf_outcome *o;
	char		 found[DNSC_FOUND_MAX], safe[DNSC_FOUND_MAX];
	char		 why[256], addrs[DNSC_FOUND_MAX];
	size_t		 i, n = 0;

	if (c->spf.status == RESOLVER_TEMPFAIL) {
		chk_line(c, CHK_ERROR, "%s. IN TXT \"v=spf1 mx -all\" (lookup "
		    "failed)", dom);
		return;
	}
	for (i = 0; i < c->spf.nrr; i++)
		if (is_spf(c->spf.rr[i])) {
			rec = c->spf.rr[i];
			n++;
		}
	if (n == 0) {
		chk_line(c, CHK_MISSING, "%s. IN TXT \"v=spf1 mx -all\"", dom);
		return;
	}
	if (n > 1) {
		chk_found(&c->spf, "\"", found, sizeof(found));
		chk_line(c, CHK_WRONG, "%s. IN TXT \"v=spf1 mx -all\" (found: "
		    "%zu SPF records, there must be one: %s)", dom, n, found);
		return;
	}
	dnsc_safe(safe, sizeof(safe), rec, strlen(rec));
	if (c->naddr == 0) {
		if (spf_record_check(rec, strlen(rec), why,
		    sizeof(why)) == -1)
			chk_line(c, CHK_WRONG, "%s. IN TXT \"v=spf1 mx -all\" "
			    "(found: \"%s\": %s)", dom, safe, why);
		else
			chk_line(c, CHK_OK, "%s. IN TXT \"%s\" (not evaluated: "
			    "%s has no address)", dom, safe, c->d->host);
		return;
	}
	addrs[0] = '\0';
	for (i = 0; i < c->naddr; i++) {
		o = &c->spfres[i].out;
		if (c->spfres[i].done && o->result == SPF_PASS) {
			if (addrs[0] != '\0')
				(void)strlcat(addrs, ", ", sizeof(addrs));
			(void)strlcat(addrs, c->addr[i], sizeof(addrs));
			continue;
		}
		dnsc_safe(why, sizeof(why), o->reason, strlen(o->reason));
		chk_line(c, o->result == SPF_TEMPERROR ? CHK_ERROR : CHK_WRONG,
		    "%s. IN TXT \"v=spf1 mx -all\" (found: \"%s\": %s for "
		    "%s%s%s)", dom, safe, spf_result_name(o->result),
		    c->addr[i], why[0] != '\0' ? ": " : "", why);
		return;
	}
	chk_line(c, CHK_OK, "%s. IN TXT \"%s\" (pass for %s)", dom, safe,
	    addrs);
}

/*
 * What is wrong with the published key record, as a verifier reads it
 * (dkim_key_parse(), the daemon's parser), or NULL when it is ours.
 */
static const char *
dkim_key_judge(const char *ours, const char *pub, int *testing)
{
	struct dkim_key	 a, b;
	const char	*err = NULL;

	if (dkim_key_parse(&a, ours, strlen(ours), &err) == -1)
		return ("our own key record does not parse");
	if (dkim_key_parse(&b, pub, strlen(pub), &err) == -1)
		return (err != NULL ? err : "does not parse");
	*testing = b.testing;
	if (b.revoked)
		return ("revoked (empty p=)");
	if (a.ed25519 != b.ed25519)
		return (a.ed25519 ? "k= is not ed25519" : "k= is not rsa");
	if (a.plen != b.plen || memcmp(a.p, b.p, a.plen) != 0)
		return ("another key");
	if (!b.sha256_ok)
		return ("h= excludes sha256");
	if (!b.email_ok)
		return ("s= excludes email");
	return (NULL);
}

static void
report_dkim(struct dnsc_chk *c)
{
	struct dnsc_key	*k;
	struct dnsc_ans	*ans;
	char		 ours[DNSC_FOUND_MAX], found[DNSC_FOUND_MAX];
	char		 err[DNSC_FOUND_MAX];
	const char	*why;
	size_t		 i;
	int		 testing;

	if (c->d->nkeys == 0) {
		chk_line(c, CHK_MISSING, "DKIM: no \"dkim %s selector ... key "
		    "...\" in the configuration (see smtpctl dkim keygen)",
		    c->d->domain);
		return;
	}
	for (i = 0; i < c->d->nkeys; i++) {
		k = &c->d->keys[i];
		ans = &c->dkim[i];
		if (k->txt[0] == '\0') {
			dnsc_safe(err, sizeof(err), k->err, strlen(k->err));
			chk_line(c, CHK_ERROR, "%s. IN TXT (the key: %s)",
			    k->owner, err);
			continue;
		}
		key_short(k->txt, ours, sizeof(ours));
		if (ans->status == RESOLVER_TEMPFAIL) {
			chk_line(c, CHK_ERROR, "%s. IN TXT \"%s\" (lookup "
			    "failed)", k->owner, ours);
			continue;
		}
		if (ans->nrr == 0) {
			chk_line(c, CHK_MISSING, "%s. IN TXT \"%s\"", k->owner,
			    ours);
			continue;
		}
		if (ans->nrr > 1) {
			chk_line(c, CHK_WRONG, "%s. IN TXT \"%s\" (found: %zu "
			    "records, there must be one)", k->owner, ours,
			    ans->nrr);
			continue;
		}
		key_short(ans->rr[0], found, sizeof(found));
		testing = 0;
		if ((why = dkim_key_judge(k->txt, ans->rr[0],
		    &testing)) != NULL) {
			chk_line(c, CHK_WRONG, "%s. IN TXT \"%s\" (found: "
			    "\"%s\": %s)", k->owner, ours, found, why);
			continue;
		}
		if (testing) {
			chk_line(c, CHK_OK, "%s. IN TXT \"%s\" (warning: "
			    "t=y, testing)", k->owner, found);
			continue;
		}
		chk_line(c, CHK_OK, "%s. IN TXT \"%s\"", k->owner, found);
	}
}

static void
report_dmarc(struct dnsc_chk *c)
{
	const char	*dom = c->d->domain, *rec = NULL;
	char		 want[DNSC_FOUND_MAX], found[DNSC_FOUND_MAX];
	char		 safe[DNSC_FOUND_MAX];
	struct dmarc_record r;
	const char	*err = NULL;
	size_t		 i, n = 0;

	(void)snprintf(want, sizeof(want), "_dmarc.%s. IN TXT \"v=DMARC1; "
	    "p=quarantine; rua=mailto:postmaster@%s\"", dom, dom);
	if (c->dmarc.status == RESOLVER_TEMPFAIL) {
		chk_line(c, CHK_ERROR, "%s (lookup failed)", want);
		return;
	}
	for (i = 0; i < c->dmarc.nrr; i++)
		if (is_dmarc(c->dmarc.rr[i])) {
			rec = c->dmarc.rr[i];
			n++;
		}
	if (n == 0) {
		chk_line(c, CHK_MISSING, "%s", want);
		return;
	}
	if (n > 1) {
		chk_found(&c->dmarc, "\"", found, sizeof(found));
		chk_line(c, CHK_WRONG, "%s (found: %zu DMARC records, there "
		    "must be one: %s)", want, n, found);
		return;
	}
	dnsc_safe(safe, sizeof(safe), rec, strlen(rec));
	if (dmarc_record_parse(&r, rec, strlen(rec), &err) == -1) {
		chk_line(c, CHK_WRONG, "%s (found: \"%s\": %s)", want, safe,
		    err != NULL ? err : "does not parse");
		return;
	}
	if (r.p == DMARC_P_NONE)
		chk_line(c, CHK_OK, "_dmarc.%s. IN TXT \"%s\" (warning: p=none "
		    "only monitors; use quarantine or reject once the reports "
		    "are clean)", dom, safe);
	else
		chk_line(c, CHK_OK, "_dmarc.%s. IN TXT \"%s\"", dom, safe);
}

int
dnsc_check(struct dnsc *d)
{
	struct dnsc_chk	 c;
	char		 name[600];
	size_t		 i;

	memset(&c, 0, sizeof(c));
	c.d = d;
	if ((c.dkim = calloc(d->nkeys + 1, sizeof(*c.dkim))) == NULL) {
		fprintf(stderr, "smtpctl: out of memory\n");
		return (2);
	}
	c.round = 1;
	c.outstanding = 1;	/* until every lookup of round 1 started */
	chk_ask(&c, &c.mx, d->domain, DNS_T_MX);
	chk_ask(&c, &c.a, d->host, DNS_T_A);
	chk_ask(&c, &c.aaaa, d->host, DNS_T_AAAA);
	chk_ask(&c, &c.spf, d->domain, DNS_T_TXT);
	(void)snprintf(name, sizeof(name), "_dmarc.%s", d->domain);
	chk_ask(&c, &c.dmarc, name, DNS_T_TXT);
	for (i = 0; i < d->nkeys; i++)
		if (d->keys[i].txt[0] != '\0')
			chk_ask(&c, &c.dkim[i], d->keys[i].owner, DNS_T_TXT);
	chk_finished_one(&c);
	ctl_resolver_wait(&c.done);
	if (!c.done) {
		fprintf(stderr, "smtpctl: the lookups did not finish\n");
		return (2);
	}

	printf("; %s through %s\n", d->domain, d->host);
	report_mx(&c);
	report_addr(&c);
	report_ptr(&c);
	report_spf(&c);
	report_dkim(&c);
	report_dmarc(&c);
	printf("; MTA-STS and TLS-RPT: not checked yet\n");

	ans_free(&c.mx);
	ans_free(&c.a);
	ans_free(&c.aaaa);
	ans_free(&c.spf);
	ans_free(&c.dmarc);
	for (i = 0; i < d->nkeys; i++)
		ans_free(&c.dkim[i]);
	for (i = 0; i < c.naddr; i++)
		ans_free(&c.ptr[i]);
	free(c.dkim);
	if (c.nerror > 0)
		return (2);
	return (c.nbad > 0 ? 1 : 0);
}
