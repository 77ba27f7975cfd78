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
 * dmarc_test.c -- unit tests for common/dmarc.c, issue 16 acceptance 4:
 * a table of alignment and policy cases (relaxed and strict SPF and DKIM
 * alignment, subdomains, the organisational domain's record and sp=,
 * pct= with fixed draws, p=none/quarantine/reject, no record, malformed
 * and duplicate records, temperror, no From domain, several DKIM
 * signatures), each run through dmarc_check() against a fake resolver
 * that serves TXT records from memory as real answer packets (from the
 * libevent loop, as resolver.h promises), and each with the whole
 * Authentication-Results field authres_format() must write.  Then the
 * record parser alone (tags, bounds, errors), and dmarc_cancel() with a
 * lookup in flight and with none.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <atf-c.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "dmarc.h"
#include "dns.h"

#define ZONE_MAX	4
#define NDKIM_MAX	3

struct dcase {
	const char	*name;
	/* "owner=txt" (a '|' splits character-strings), "owner=!TEMPFAIL" */
	const char	*zone[ZONE_MAX];
	const char	*from;
	enum spf_result	 spf;
	const char	*mailfrom;
	/* "result:d" or "result:d:reason" */
	const char	*dkim[NDKIM_MAX];
	unsigned int	 draw;
	int		 nquery;	/* lookups expected */
	const char	*ar;		/* the whole field */
};

struct pending {
	struct event	 ev;
	resolver_cb	 cb;
	void		*arg;
	int		 status;
	uint8_t		 pkt[2048];
	size_t		 len;
};

static const struct dcase	*cur;
static int			 nqueries;
static int			 ncalls;
static int			 in_check;
static unsigned int		 the_draw;
static struct dmarc_outcome	 got;

static unsigned int	 fixed_draw(void);
static void		 put(struct pending *, const void *, size_t);
static void		 put16(struct pending *, unsigned int);
static void		 putname(struct pending *, const char *);
static void		 fake_query(const char *, uint16_t, resolver_cb,
			    void *);
static void		 fake_answer(int, short, void *);
static void		 done_cb(void *, const struct dmarc_outcome *);
static void		 run_case(const struct dcase *);

static unsigned int
fixed_draw(void)
{
	return (the_draw);
}

static void
put(struct pending *p, const void *d, size_t n)
{
	ATF_REQUIRE(p->len + n <= sizeof(p->pkt));
	memcpy(p->pkt + p->len, d, n);
	p->len += n;
}

static void
put16(struct pending *p, unsigned int v)
{
	uint8_t	 b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 2);
}

static void
putname(struct pending *p, const char *name)
{
	const char	*dot;
	uint8_t		 l;

	while (*name != '\0') {
		dot = strchr(name, '.');
		l = (uint8_t)(dot ? (size_t)(dot - name) : strlen(name));
		put(p, &l, 1);
		put(p, name, l);
		name += l;
		if (*name == '.')
			name++;
	}
	put(p, "", 1);
}

/* The zone of the current case, as a real answer, from the loop. */
static void
fake_query(const char *name, uint16_t type, resolver_cb cb, void *arg)
{
	struct pending	*p;
	struct timeval	 tv = { 0, 0 };
	const char	*z, *eq, *s, *bar;
	size_t		 i, ownlen, rdpos, slen, nan = 0, anpos;
	uint8_t		 l;
	int		 exists = 0;

	nqueries++;
	ATF_REQUIRE(type == DNS_T_TXT);
	ATF_REQUIRE((p = calloc(1, sizeof(*p))) != NULL);
	p->cb = cb;
	p->arg = arg;
	p->status = RESOLVER_OK;
	put16(p, 0x1234);
	put16(p, 0x8180);
	put16(p, 1);
	anpos = p->len;
	put16(p, 0);
	put16(p, 0);
	put16(p, 0);
	putname(p, name);
	put16(p, DNS_T_TXT);
	put16(p, DNS_C_IN);
	for (i = 0; i < ZONE_MAX && (z = cur->zone[i]) != NULL; i++) {
		eq = strchr(z, '=');
		ATF_REQUIRE(eq != NULL);
		ownlen = (size_t)(eq - z);
		if (strlen(name) != ownlen || strncasecmp(name, z, ownlen))
			continue;
		exists = 1;
		if (strcmp(eq + 1, "!TEMPFAIL") == 0) {
			p->status = RESOLVER_TEMPFAIL;
			break;
		}
		if (strcmp(eq + 1, "!NODATA") == 0)
			continue;
		put16(p, 0xc00c);
		put16(p, DNS_T_TXT);
		put16(p, DNS_C_IN);
		put16(p, 0);
		put16(p, 300);
		rdpos = p->len;
		put16(p, 0);
		for (s = eq + 1;; s = bar + 1) {
			bar = strchr(s, '|');
			slen = bar ? (size_t)(bar - s) : strlen(s);
			ATF_REQUIRE(slen < 256);
			l = (uint8_t)slen;
			put(p, &l, 1);
			put(p, s, slen);
			if (bar == NULL)
				break;
		}
		p->pkt[rdpos] = (uint8_t)((p->len - rdpos - 2) >> 8);
		p->pkt[rdpos + 1] = (uint8_t)(p->len - rdpos - 2);
		nan++;
	}
	p->pkt[anpos] = (uint8_t)(nan >> 8);
	p->pkt[anpos + 1] = (uint8_t)nan;
	if (!exists && p->status == RESOLVER_OK) {
		p->status = RESOLVER_NXDOMAIN;
		p->pkt[3] = 0x83;
	}
	evtimer_set(&p->ev, fake_answer, p);
	ATF_REQUIRE(evtimer_add(&p->ev, &tv) == 0);
}

static void
fake_answer(int fd, short ev, void *arg)
{
	struct pending	*p = arg;

	if (p->status == RESOLVER_TEMPFAIL)
		p->cb(p->arg, p->status, NULL, 0, 0);
	else
		p->cb(p->arg, p->status, p->pkt, p->len, 0);
	free(p);
}

static void
done_cb(void *arg, const struct dmarc_outcome *o)
{
	ATF_CHECK_MSG(!in_check, "%s: done() inside dmarc_check()",
	    cur->name);
	ncalls++;
	got = *o;
}

static void
run_case(const struct dcase *c)
{
	struct dmarc_input	 in;
	struct spf_outcome	 spf;
	struct dkim_verdict	 dv[NDKIM_MAX];
	struct authres		 ar;
	struct dmarc		*d;
	char			 buf[AUTHRES_FIELD_MAX], spec[256], *res, *dd;
	char			*reason;
	const char		*at;
	size_t			 i, n = 0;
	int			 len;

	cur = c;
	nqueries = ncalls = 0;
	the_draw = c->draw;
	memset(&in, 0, sizeof(in));
	memset(&spf, 0, sizeof(spf));
	memset(dv, 0, sizeof(dv));
	if (strcmp(c->from, "!") == 0)
		in.from_unusable = 1;
	else
		(void)strlcpy(in.from_domain, c->from, sizeof(in.from_domain));

	spf.result = c->spf;
	spf.identity = SPF_ID_MAILFROM;
	(void)strlcpy(spf.sender, c->mailfrom, sizeof(spf.sender));
	at = strchr(c->mailfrom, '@');
	ATF_REQUIRE(at != NULL);
	(void)strlcpy(spf.domain, at + 1, sizeof(spf.domain));
	if (c->spf == SPF_FAIL || c->spf == SPF_SOFTFAIL)
		(void)strlcpy(spf.mechanism, "-all", sizeof(spf.mechanism));
	in.spf = c->spf;
	(void)strlcpy(in.spf_domain, spf.domain, sizeof(in.spf_domain));

	for (i = 0; i < NDKIM_MAX && c->dkim[i] != NULL; i++, n++) {
		(void)strlcpy(spec, c->dkim[i], sizeof(spec));
		res = spec;
		dd = strchr(res, ':');
		ATF_REQUIRE(dd != NULL);
		*dd++ = '\0';
		if ((reason = strchr(dd, ':')) != NULL)
			*reason++ = '\0';
		if (strcmp(res, "pass") == 0)
			dv[i].result = DKIM_PASS;
		else if (strcmp(res, "fail") == 0)
			dv[i].result = DKIM_FAIL;
		else if (strcmp(res, "permerror") == 0)
			dv[i].result = DKIM_PERMERROR;
		else
			atf_tc_fail("%s: dkim result %s", c->name, res);
		dv[i].alg = DKIM_ALG_RSA_SHA256;
		(void)strlcpy(dv[i].d, dd, sizeof(dv[i].d));
		(void)strlcpy(dv[i].s, "sel", sizeof(dv[i].s));
		(void)snprintf(dv[i].i, sizeof(dv[i].i), "@%s", dd);
		(void)strlcpy(dv[i].b8, "AbCdEfGh", sizeof(dv[i].b8));
		if (reason != NULL)
			(void)strlcpy(dv[i].reason, reason,
			    sizeof(dv[i].reason));
		in.dkim[i].result = dv[i].result;
		(void)strlcpy(in.dkim[i].d, dd, sizeof(in.dkim[i].d));
	}
	in.ndkim = n;

	in_check = 1;
	d = dmarc_check(fake_query, &in, done_cb, NULL);
	in_check = 0;
	ATF_REQUIRE(d != NULL);
	ATF_CHECK_EQ_MSG(ncalls, 0, "%s: called early", c->name);
	(void)event_dispatch();
	ATF_CHECK_EQ_MSG(ncalls, 1, "%s: done() %d times", c->name, ncalls);
	ATF_CHECK_EQ_MSG(nqueries, c->nquery, "%s: %d lookups, want %d",
	    c->name, nqueries, c->nquery);

	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = "mx.test.org";
	ar.spf = &spf;
	ar.dkim = dv;
	ar.ndkim = n;
	ar.dmarc = &got;
	len = authres_format(&ar, buf, sizeof(buf));
	ATF_CHECK_MSG(len > 0 && (size_t)len == strlen(buf),
	    "%s: authres_format %d", c->name, len);
	ATF_CHECK_MSG(strcmp(buf, c->ar) == 0,
	    "%s:\n got: %s\nwant: %s", c->name, buf, c->ar);
	/* what dmarc-policy applies: refused, never let through as none */
	if (in.from_unusable)
		ATF_CHECK_EQ_MSG(got.disposition, DMARC_P_REJECT,
		    "%s: disposition %d", c->name, got.disposition);
}

#define AR	"Authentication-Results: mx.test.org;\r\n\t"
#define FOLD	"\r\n\t    "
#define NEXT	";\r\n\t"
#define END	"\r\n"
#define DKIM_PASS_EX "dkim=pass header.d=example.com header.s=sel" \
		" header.a=rsa-sha256" FOLD "header.b=AbCdEfGh"

static const struct dcase cases[] = {
	/* --- SPF alignment -------------------------------------------- */
	{ "spf relaxed: subdomain of MAIL FROM aligns",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "example.com", SPF_PASS, "alice@mail.example.com", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=alice@mail.example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=pass (p=reject dis=none) header.from=example.com" END },
	{ "spf strict: subdomain does not align",
	    { "_dmarc.example.com=v=DMARC1; p=reject; aspf=s" },
	    "example.com", SPF_PASS, "alice@mail.example.com", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=alice@mail.example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "spf strict: same domain aligns",
	    { "_dmarc.example.com=v=DMARC1; p=reject; aspf=s" },
	    "example.com", SPF_PASS, "alice@Example.COM", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=alice@Example.COM" NEXT
	    "dkim=none" NEXT
	    "dmarc=pass (p=reject dis=none) header.from=example.com" END },
	{ "spf fail in the From domain: not aligned",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "example.com", SPF_FAIL, "bob@example.com", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=bob@example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "spf pass of another domain",
	    { "_dmarc.example.com=v=DMARC1; p=quarantine" },
	    "example.com", SPF_PASS, "bounce@other.net", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=bounce@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=quarantine dis=quarantine) header.from=example.com"
	    END },
	{ "spf relaxed across a two-label public suffix",
	    { "_dmarc.example.co.uk=v=DMARC1; p=reject" },
	    "example.co.uk", SPF_PASS, "a@other.co.uk", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=a@other.co.uk" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.co.uk"
	    END },
	/* --- DKIM alignment ------------------------------------------- */
	{ "dkim relaxed: d= a subdomain aligns",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "example.com", SPF_NONE, "x@other.net",
	    { "pass:mail.example.com" }, 0, 1,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    "dkim=pass header.d=mail.example.com header.s=sel"
	    " header.a=rsa-sha256" FOLD "header.b=AbCdEfGh" NEXT
	    "dmarc=pass (p=reject dis=none) header.from=example.com" END },
	{ "dkim strict: d= a subdomain does not align",
	    { "_dmarc.example.com=v=DMARC1; p=reject; adkim=s" },
	    "example.com", SPF_NONE, "x@other.net",
	    { "pass:mail.example.com" }, 0, 1,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    "dkim=pass header.d=mail.example.com header.s=sel"
	    " header.a=rsa-sha256" FOLD "header.b=AbCdEfGh" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "dkim strict: same d= aligns",
	    { "_dmarc.example.com=v=DMARC1; p=reject; adkim=s" },
	    "example.com", SPF_NONE, "x@other.net", { "pass:example.com" },
	    0, 1,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    DKIM_PASS_EX NEXT
	    "dmarc=pass (p=reject dis=none) header.from=example.com" END },
	{ "dkim fail of the From domain does not align",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "example.com", SPF_NONE, "x@other.net",
	    { "fail:example.com:body hash mismatch" }, 0, 1,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    "dkim=fail (body hash mismatch) header.d=example.com header.s=sel"
	    FOLD "header.a=rsa-sha256 header.b=AbCdEfGh" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "several signatures, one aligned",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "example.com", SPF_SOFTFAIL, "x@example.com",
	    { "fail:example.com:signature did not verify", "pass:other.net",
	    "pass:mail.example.com" }, 0, 1,
	    AR "spf=softfail (matched -all) smtp.mailfrom=x@example.com" NEXT
	    "dkim=fail (signature did not verify) header.d=example.com"
	    " header.s=sel" FOLD "header.a=rsa-sha256 header.b=AbCdEfGh" NEXT
	    "dkim=pass header.d=other.net header.s=sel header.a=rsa-sha256"
	    FOLD "header.b=AbCdEfGh" NEXT
	    "dkim=pass header.d=mail.example.com header.s=sel"
	    " header.a=rsa-sha256" FOLD "header.b=AbCdEfGh" NEXT
	    "dmarc=pass (p=reject dis=none) header.from=example.com" END },
	{ "several signatures, none aligned",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "example.com", SPF_PASS, "x@other.net",
	    { "pass:other.net", "permerror:example.com:no key" }, 0, 1,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=pass header.d=other.net header.s=sel header.a=rsa-sha256"
	    FOLD "header.b=AbCdEfGh" NEXT
	    "dkim=permerror (no key) header.d=example.com header.s=sel"
	    FOLD "header.a=rsa-sha256 header.b=AbCdEfGh" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	/* --- subdomains, the organisational domain, sp= ---------------- */
	{ "subdomain: org record, sp= applies",
	    { "_dmarc.example.org=v=DMARC1; p=reject; sp=quarantine" },
	    "news.example.org", SPF_PASS, "x@other.net", { NULL }, 0, 2,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=quarantine dis=quarantine)"
	    " header.from=news.example.org" END },
	{ "subdomain: org record, sp= applies on pass too",
	    { "_dmarc.example.org=v=DMARC1; p=reject; sp=quarantine" },
	    "news.example.org", SPF_NONE, "x@other.net",
	    { "pass:example.org" }, 0, 2,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    "dkim=pass header.d=example.org header.s=sel header.a=rsa-sha256"
	    FOLD "header.b=AbCdEfGh" NEXT
	    "dmarc=pass (p=quarantine dis=none) header.from=news.example.org"
	    END },
	{ "subdomain with its own record: p=, not sp=",
	    { "_dmarc.news.example.org=v=DMARC1; p=none; sp=reject",
	    "_dmarc.example.org=v=DMARC1; p=reject" },
	    "news.example.org", SPF_PASS, "x@other.net", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=none dis=none) header.from=news.example.org" END },
	{ "org domain itself: p=, not sp=",
	    { "_dmarc.example.org=v=DMARC1; p=reject; sp=none" },
	    "example.org", SPF_PASS, "x@other.net", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.org" END },
	{ "deep subdomain, org record without sp=",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "a.b.example.com", SPF_NONE, "x@other.net",
	    { "pass:example.com" }, 0, 2,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    DKIM_PASS_EX NEXT
	    "dmarc=pass (p=reject dis=none) header.from=a.b.example.com" END },
	{ "subdomain with NODATA, org record",
	    { "_dmarc.www.example.com=!NODATA",
	    "_dmarc.example.com=v=DMARC1; p=quarantine" },
	    "WWW.Example.Com.", SPF_PASS, "x@other.net", { NULL }, 0, 2,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=quarantine dis=quarantine)"
	    " header.from=www.example.com" END },
	{ "two-label suffix: d= of another registrant",
	    { "_dmarc.example.co.uk=v=DMARC1; p=quarantine" },
	    "mail.example.co.uk", SPF_NONE, "x@other.net",
	    { "pass:other.co.uk" }, 0, 2,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    "dkim=pass header.d=other.co.uk header.s=sel header.a=rsa-sha256"
	    FOLD "header.b=AbCdEfGh" NEXT
	    "dmarc=fail (p=quarantine dis=quarantine)"
	    FOLD "header.from=mail.example.co.uk" END },
	/* --- pct= ---------------------------------------------------- */
	{ "pct=0: never applied, reject becomes quarantine",
	    { "_dmarc.example.com=v=DMARC1; p=reject; pct=0" },
	    "example.com", SPF_PASS, "x@other.net", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=quarantine) header.from=example.com"
	    END },
	{ "pct=100: always applied",
	    { "_dmarc.example.com=v=DMARC1; p=reject; pct=100" },
	    "example.com", SPF_PASS, "x@other.net", { NULL }, 99, 1,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "pct=50, draw 49: applied",
	    { "_dmarc.example.com=v=DMARC1; p=reject; pct=50" },
	    "example.com", SPF_PASS, "x@other.net", { NULL }, 49, 1,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "pct=50, draw 50: quarantine becomes none",
	    { "_dmarc.example.com=v=DMARC1; p=quarantine; pct=50" },
	    "example.com", SPF_PASS, "x@other.net", { NULL }, 50, 1,
	    AR "spf=pass smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=quarantine dis=none) header.from=example.com" END },
	{ "pct=50, draw 50, but pass",
	    { "_dmarc.example.com=v=DMARC1; p=reject; pct=50" },
	    "example.com", SPF_PASS, "x@example.com", { NULL }, 50, 1,
	    AR "spf=pass smtp.mailfrom=x@example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=pass (p=reject dis=none) header.from=example.com" END },
	/* --- p= ------------------------------------------------------ */
	{ "p=none",
	    { "_dmarc.example.com=v=DMARC1; p=none" },
	    "example.com", SPF_FAIL, "x@example.com", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=none dis=none) header.from=example.com" END },
	{ "p=quarantine",
	    { "_dmarc.example.com=v=DMARC1;p=quarantine" },
	    "example.com", SPF_FAIL, "x@example.com", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=quarantine dis=quarantine) header.from=example.com"
	    END },
	{ "p=reject, split in two strings, unknown tag",
	    { "_dmarc.example.com=v=DMARC1; p=rej|ect; foo=bar; "
	    "rua=mailto:d@example.com" },
	    "example.com", SPF_FAIL, "x@example.com", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "no p= but a valid rua=: as p=none",
	    { "_dmarc.example.com=v=DMARC1; rua=mailto:d@example.com" },
	    "example.com", SPF_FAIL, "x@example.com", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@example.com" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=none dis=none) header.from=example.com" END },
	/* --- no policy ---------------------------------------------- */
	{ "no record (NXDOMAIN), From is the org domain: one lookup",
	    { NULL },
	    "nodmarc.net", SPF_PASS, "x@nodmarc.net", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=x@nodmarc.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=none header.from=nodmarc.net" END },
	{ "no record at the subdomain nor the org domain",
	    { "_dmarc.nodmarc.net=v=spf1 -all" },
	    "a.nodmarc.net", SPF_PASS, "x@nodmarc.net", { NULL }, 0, 2,
	    AR "spf=pass smtp.mailfrom=x@nodmarc.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=none header.from=a.nodmarc.net" END },
	{ "v=dmarc1 in lower case is not a DMARC record",
	    { "_dmarc.lower.net=v=dmarc1; p=reject" },
	    "lower.net", SPF_FAIL, "x@lower.net", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@lower.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=none header.from=lower.net" END },
	{ "malformed record: permerror, no policy",
	    { "_dmarc.bad.net=v=DMARC1; p=bogus" },
	    "bad.net", SPF_FAIL, "x@bad.net", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@bad.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=permerror (malformed DMARC record: bad p)"
	    " header.from=bad.net" END },
	{ "malformed record at the subdomain: no fallback",
	    { "_dmarc.a.bad.net=v=DMARC1; p=reject; pct",
	    "_dmarc.bad.net=v=DMARC1; p=reject" },
	    "a.bad.net", SPF_FAIL, "x@bad.net", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@bad.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=permerror (malformed DMARC record: tag without '=')"
	    FOLD "header.from=a.bad.net" END },
	{ "a bad pct= is ignored: 100",
	    { "_dmarc.example.com=v=DMARC1; p=reject; pct=200" },
	    "example.com", SPF_NONE, "x@other.net", { NULL }, 99, 1,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=example.com" END },
	{ "a bad adkim= is ignored: relaxed",
	    { "_dmarc.example.com=v=DMARC1; p=reject; adkim=x" },
	    "example.com", SPF_NONE, "x@other.net",
	    { "pass:mail.example.com" }, 99, 1,
	    AR "spf=none smtp.mailfrom=x@other.net" NEXT
	    "dkim=pass header.d=mail.example.com header.s=sel"
	    " header.a=rsa-sha256" FOLD "header.b=AbCdEfGh" NEXT
	    "dmarc=pass (p=reject dis=none) header.from=example.com" END },
	{ "two DMARC records: none",
	    { "_dmarc.two.net=v=DMARC1; p=reject",
	    "_dmarc.two.net=v=DMARC1; p=none" },
	    "two.net", SPF_FAIL, "x@two.net", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@two.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=none (multiple DMARC records) header.from=two.net" END },
	{ "one DMARC record among other TXT records",
	    { "_dmarc.mixed.net=v=spf1 -all",
	    "_dmarc.mixed.net=v=DMARC1; p=reject",
	    "_dmarc.mixed.net=hello" },
	    "mixed.net", SPF_FAIL, "x@mixed.net", { NULL }, 0, 1,
	    AR "spf=fail (matched -all) smtp.mailfrom=x@mixed.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=fail (p=reject dis=reject) header.from=mixed.net" END },
	{ "temperror at the From domain",
	    { "_dmarc.temp.net=!TEMPFAIL" },
	    "temp.net", SPF_PASS, "x@temp.net", { NULL }, 0, 1,
	    AR "spf=pass smtp.mailfrom=x@temp.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=temperror (DNS lookup of _dmarc.temp.net failed)"
	    FOLD "header.from=temp.net" END },
	{ "temperror at the org domain",
	    { "_dmarc.temp2.net=!TEMPFAIL" },
	    "a.temp2.net", SPF_PASS, "x@temp2.net", { NULL }, 0, 2,
	    AR "spf=pass smtp.mailfrom=x@temp2.net" NEXT
	    "dkim=none" NEXT
	    "dmarc=temperror (DNS lookup of _dmarc.temp2.net failed)"
	    FOLD "header.from=a.temp2.net" END },
	{ "no From domain: no lookup",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "", SPF_PASS, "x@example.com", { "pass:example.com" }, 0, 0,
	    AR "spf=pass smtp.mailfrom=x@example.com" NEXT
	    DKIM_PASS_EX NEXT
	    "dmarc=none (no From domain)" END },
	/* "!": From there, no single domain (two From fields...) */
	{ "From without a single domain: permerror, no lookup",
	    { "_dmarc.example.com=v=DMARC1; p=reject" },
	    "!", SPF_PASS, "x@example.com", { "pass:example.com" }, 0, 0,
	    AR "spf=pass smtp.mailfrom=x@example.com" NEXT
	    DKIM_PASS_EX NEXT
	    "dmarc=permerror (no single From domain)" END },
};

ATF_TC_WITHOUT_HEAD(table);
ATF_TC_BODY(table, tc)
{
	size_t	 i;

	ATF_REQUIRE(psl_load(DMARC_PSL_PATH) == 0);
	(void)event_init();
	dmarc_set_draw(fixed_draw);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

struct pcase {
	const char		*txt;
	enum dmarc_policy	 p, sp;
	int			 pct, adkim, aspf;
	const char		*rua;
};

ATF_TC_WITHOUT_HEAD(record_parse);
ATF_TC_BODY(record_parse, tc)
{
	static const struct pcase pc[] = {
		{ "v=DMARC1; p=none", DMARC_P_NONE, 0, 100, 0, 0, "" },
		{ "v=DMARC1;p=reject;", DMARC_P_REJECT, 0, 100, 0, 0, "" },
		{ " v = DMARC1 ; p = Quarantine ; sp = REJECT ; pct = 7 ",
		    DMARC_P_QUARANTINE, DMARC_P_REJECT, 7, 0, 0, "" },
		{ "v=DMARC1; p=reject; adkim=s; aspf=r; fo=0:1:d:s; rf=afrf;"
		    " ri=86400; ruf=mailto:f@x.org",
		    DMARC_P_REJECT, 0, 100, 1, 0, "" },
		{ "v=DMARC1; p=none; rua=mailto:a@x.org!10m,"
		    " https://r.x.org/d", DMARC_P_NONE, 0, 100, 0, 0,
		    "mailto:a@x.org!10m, https://r.x.org/d" },
		{ "v=DMARC1; p=none; future=x; X_y=z", DMARC_P_NONE, 0,
		    100, 0, 0, "" },
		{ "v=DMARC1; p=none;; ;", DMARC_P_NONE, 0, 100, 0, 0, "" },
		{ "v=DMARC1; p=bogus; rua=mailto:a@x.org", DMARC_P_NONE, 0,
		    100, 0, 0, "mailto:a@x.org" },
		{ "v=DMARC1; p=reject; sp=bogus; rua=mailto:a@x.org",
		    DMARC_P_NONE, 0, 100, 0, 0, "mailto:a@x.org" },
		{ "v=DMARC1; pct=0; p=reject", DMARC_P_REJECT, 0, 0, 0, 0,
		    "" },
	};
	/* values in error: ignored, the defaults kept (6.3) */
	static const char *const ignored[] = {
		"v=DMARC1; p=reject; pct=101",
		"v=DMARC1; p=reject; pct=-1",
		"v=DMARC1; p=reject; pct=",
		"v=DMARC1; p=reject; pct=99999999999999999999",
		"v=DMARC1; p=reject; adkim=x",
		"v=DMARC1; p=reject; aspf=",
		"v=DMARC1; p=reject; fo=2",
		"v=DMARC1; p=reject; fo=0::1",
		"v=DMARC1; p=reject; ri=1x",
		"v=DMARC1; p=reject; ri=4294967296",
		"v=DMARC1; p=reject; rua=",
		"v=DMARC1; p=reject; rua=a@x.org",
		"v=DMARC1; p=reject; rua=mailto:a@x.org!",
		"v=DMARC1; p=reject; rua=mailto:a@x.org!10q",
		"v=DMARC1; p=reject; rua=mailto:a@x.org,",
		"v=DMARC1; p=reject; rf=:",
		"v=DMARC1; p=reject; ruf=x; adkim=strict; aspf=1",
	};
	static const char *const bad[] = {
		"v=DMARC1; p=reject; pct",
		"v=DMARC1; p=reject; pct=5; pct=6",
		"v=DMARC1; p=reject; rua=mailto:a@x.org; rua=mailto:b@x.org",
		"v=DMARC1; p=bogus; rua=a@x.org",
		"",
		"   ",
		"p=reject; v=DMARC1",
		"v=DMARC2; p=reject",
		"v=dmarc1; p=reject",
		"v=DMARC1",
		"v=DMARC1; p=bogus",
		"v=DMARC1; p=reject; sp=bogus",
		"v=DMARC1; p=none; p=reject",
		"v=DMARC1; v=DMARC1; p=reject",
		"v=DMARC1; p=reject; =x",
		"v=DMARC1; p=reject; 1a=x",
		"v=DMARC1; p=reject; X-y=z",
		"v=DMARC1; p=reject; noequal",
		"v=DMARC1; p=re\x01ject",
		"v=DMARC1; p=r\xc3\xa9ject",
	};
	struct dmarc_record	 r;
	const char		*err;
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
		err = NULL;
		rv = dmarc_record_parse(&r, pc[i].txt, strlen(pc[i].txt),
		    &err);
		ATF_CHECK_MSG(rv == 0, "\"%s\": %s", pc[i].txt, err);
		if (rv != 0)
			continue;
		ATF_CHECK_MSG(r.p == pc[i].p && r.sp == pc[i].sp &&
		    r.pct == pc[i].pct && r.adkim_strict == pc[i].adkim &&
		    r.aspf_strict == pc[i].aspf &&
		    strcmp(r.rua, pc[i].rua) == 0,
		    "\"%s\": p %d sp %d pct %d adkim %d aspf %d rua \"%s\"",
		    pc[i].txt, r.p, r.sp, r.pct, r.adkim_strict,
		    r.aspf_strict, r.rua);
	}
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		err = NULL;
		rv = dmarc_record_parse(&r, ignored[i], strlen(ignored[i]),
		    &err);
		ATF_CHECK_MSG(rv == 0 && r.p == DMARC_P_REJECT &&
		    r.sp == DMARC_P_UNSET && r.pct == 100 &&
		    r.adkim_strict == 0 && r.aspf_strict == 0 &&
		    r.rua[0] == '\0', "\"%s\": %d %s", ignored[i], rv, err);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		rv = dmarc_record_parse(&r, bad[i], strlen(bad[i]), &err);
		ATF_CHECK_MSG(rv == -1 && err != NULL, "\"%s\": accepted",
		    bad[i]);
	}
	/* a NUL inside, and exactly len octets read */
	ATF_CHECK(dmarc_record_parse(&r, "v=DMARC1; p=none\0x", 18,
	    &err) == -1);
	ATF_CHECK(dmarc_record_parse(&r, "v=DMARC1; p=nonexyz", 16,
	    &err) == 0 && r.p == DMARC_P_NONE);
}

ATF_TC_WITHOUT_HEAD(rua_bounded);
ATF_TC_BODY(rua_bounded, tc)
{
	char			 txt[2048];
	struct dmarc_record	 r;
	const char		*err;
	size_t			 n;
	int			 i;

	n = (size_t)snprintf(txt, sizeof(txt), "v=DMARC1; p=none; rua=");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(txt + n, sizeof(txt) - n,
		    "%smailto:report%02d@example.com", i ? "," : "", i);
	ATF_REQUIRE(n < sizeof(txt));
	ATF_REQUIRE(dmarc_record_parse(&r, txt, n, &err) == 0);
	ATF_CHECK(strlen(r.rua) < sizeof(r.rua));
	ATF_CHECK(strncmp(r.rua, "mailto:report00@example.com,", 28) == 0);
	/* cut after a whole URI */
	n = strlen(r.rua);
	ATF_CHECK(n > 400 && strcmp(r.rua + n - 12, "@example.com") == 0);
}

static void
never_cb(void *arg, const struct dmarc_outcome *o)
{
	atf_tc_fail("done() after dmarc_cancel()");
}

ATF_TC_WITHOUT_HEAD(cancel);
ATF_TC_BODY(cancel, tc)
{
	static const struct dcase c = {
		"cancel", { "_dmarc.example.com=v=DMARC1; p=reject" },
		"example.com", SPF_NONE, "x@x", { NULL }, 0, 1, ""
	};
	struct dmarc_input	 in;
	struct dmarc		*d;

	ATF_REQUIRE(psl_load(DMARC_PSL_PATH) == 0);
	(void)event_init();
	cur = &c;
	nqueries = 0;
	memset(&in, 0, sizeof(in));
	/* a lookup in flight: the answer comes, and is dropped */
	(void)strlcpy(in.from_domain, "a.example.com", sizeof(in.from_domain));
	ATF_REQUIRE((d = dmarc_check(fake_query, &in, never_cb, NULL)) !=
	    NULL);
	ATF_CHECK_EQ(nqueries, 1);
	dmarc_cancel(d);
	(void)event_dispatch();
	ATF_CHECK_EQ(nqueries, 1);	/* no second lookup after cancel */
	/* nothing to look up: the timer is removed */
	in.from_domain[0] = '\0';
	ATF_REQUIRE((d = dmarc_check(fake_query, &in, never_cb, NULL)) !=
	    NULL);
	dmarc_cancel(d);
	(void)event_dispatch();
	ATF_CHECK_EQ(nqueries, 1);
	dmarc_cancel(NULL);
}

ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	ATF_CHECK_STREQ(dmarc_result_name(DMARC_NONE), "none");
	ATF_CHECK_STREQ(dmarc_result_name(DMARC_PASS), "pass");
	ATF_CHECK_STREQ(dmarc_result_name(DMARC_FAIL), "fail");
	ATF_CHECK_STREQ(dmarc_result_name(DMARC_TEMPERROR), "temperror");
	ATF_CHECK_STREQ(dmarc_result_name(DMARC_PERMERROR), "permerror");
	ATF_CHECK_STREQ(dmarc_policy_name(DMARC_P_NONE), "none");
	ATF_CHECK_STREQ(dmarc_policy_name(DMARC_P_QUARANTINE), "quarantine");
	ATF_CHECK_STREQ(dmarc_policy_name(DMARC_P_REJECT), "reject");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, table);
	ATF_TP_ADD_TC(tp, record_parse);
	ATF_TP_ADD_TC(tp, rua_bounded);
	ATF_TP_ADD_TC(tp, cancel);
	ATF_TP_ADD_TC(tp, names);
	return (atf_no_error());
}
