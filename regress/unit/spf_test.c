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
 * spf_test.c -- unit tests for common/spf*.c: the record parser (valid
 * and invalid records of RFC 7208 section 12's grammar), the macro
 * examples of section 7.4 exactly, and check_host() against a fake
 * resolver_query_fn that serves in-memory zones as real DNS answer
 * packets from the libevent loop: each mechanism, include and redirect,
 * exp, the lookup, void and MX limits, %{p} and ptr, IPv6 and IPv4-
 * mapped clients, temperror, and spf_cancel() with a lookup in flight.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <atf-c.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "resolver.h"
#include "spf.h"
#include "spf_int.h"

/* The zone: name, type, data ("10 mx.host" for MX); type 0 = SERVFAIL. */
struct zrr {
	const char	*name;
	uint16_t	 type;
	const char	*data;
};

static const struct zrr	*zone;
static int		 nqueries;
static int		 npending;
static char		 lastq[512];

struct fakeq {
	struct event	 ev;
	resolver_cb	 cb;
	void		*arg;
	int		 status;
	uint8_t		 pkt[8192];
	size_t		 len;
};

struct pkt {
	uint8_t	*b;
	size_t	 n;
	size_t	 size;
};

static void
put(struct pkt *p, const void *d, size_t n)
{
	ATF_REQUIRE(p->n + n <= p->size);
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
put8(struct pkt *p, unsigned v)
{
	uint8_t	c = (uint8_t)v;

	put(p, &c, 1);
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void
putname(struct pkt *p, const char *name)
{
	const char	*dot;
	size_t		 n;

	while (*name != '\0') {
		dot = strchr(name, '.');
		n = dot != NULL ? (size_t)(dot - name) : strlen(name);
		ATF_REQUIRE(n > 0 && n < 64);
		put8(p, (unsigned)n);
		put(p, name, n);
		name += n;
		if (*name == '.')
			name++;
	}
	put8(p, 0);
}

static void
putrr(struct pkt *p, const struct zrr *z)
{
	size_t		 at, n, len;
	uint8_t		 a[16];
	const char	*s;
	char		 host[256];
	unsigned	 pref;

	putname(p, z->name);
	put16(p, z->type);
	put16(p, DNS_C_IN);
	put16(p, 0);
	put16(p, 300);
	at = p->n;
	put16(p, 0);
	switch (z->type) {
	case DNS_T_A:
		ATF_REQUIRE(inet_pton(AF_INET, z->data, a) == 1);
		put(p, a, 4);
		break;
	case DNS_T_AAAA:
		ATF_REQUIRE(inet_pton(AF_INET6, z->data, a) == 1);
		put(p, a, 16);
		break;
	case DNS_T_MX:
		ATF_REQUIRE(sscanf(z->data, "%u %255s", &pref, host) == 2);
		put16(p, pref);
		putname(p, strcmp(host, ".") == 0 ? "" : host);
		break;
	case DNS_T_PTR:
	case DNS_T_CNAME:
		putname(p, z->data);
		break;
	case DNS_T_TXT:
		/* strings of at most 255 octets */
		s = z->data;
		len = strlen(s);
		do {
			n = len > 255 ? 255 : len;
			put8(p, (unsigned)n);
			put(p, s, n);
			s += n;
			len -= n;
		} while (len > 0);
		break;
	default:
		atf_tc_fail("zone type %u", z->type);
	}
	n = p->n - at - 2;
	p->b[at] = (uint8_t)(n >> 8);
	p->b[at + 1] = (uint8_t)n;
}

static void
fake_fire(int fd, short ev, void *arg)
{
	struct fakeq	*q = arg;

	npending--;
	q->cb(q->arg, q->status, q->status == RESOLVER_OK ? q->pkt : NULL,
	    q->status == RESOLVER_OK ? q->len : 0, 0);
	free(q);
}

static void
fake_query(const char *name, uint16_t type, resolver_cb cb, void *arg)
{
	struct fakeq	*q;
	struct pkt	 p;
	struct timeval	 tv = { 0, 0 };
	size_t		 i, an = 0;
	int		 exists = 0, fail = 0;

	nqueries++;
	(void)snprintf(lastq, sizeof(lastq), "%s/%u", name, type);
	ATF_REQUIRE((q = calloc(1, sizeof(*q))) != NULL);
	q->cb = cb;
	q->arg = arg;
	for (i = 0; zone[i].name != NULL; i++) {
		if (!dns_name_equal(zone[i].name, name))
			continue;
		exists = 1;
		if (zone[i].type == 0)
			fail = 1;
		else if (zone[i].type == type)
			an++;
	}
	p.b = q->pkt;
	p.n = 0;
	p.size = sizeof(q->pkt);
	put16(&p, 0x1234);
	put16(&p, 0x8180 | (exists ? 0 : DNS_R_NXDOMAIN));
	put16(&p, 1);
	put16(&p, (unsigned)an);
	put16(&p, 0);
	put16(&p, 0);
	putname(&p, name);
	put16(&p, type);
	put16(&p, DNS_C_IN);
	for (i = 0; zone[i].name != NULL; i++)
		if (dns_name_equal(zone[i].name, name) &&
		    zone[i].type == type)
			putrr(&p, &zone[i]);
	q->len = p.n;
	q->status = fail ? RESOLVER_TEMPFAIL : exists ? RESOLVER_OK :
	    RESOLVER_NXDOMAIN;
	evtimer_set(&q->ev, fake_fire, q);
	evtimer_add(&q->ev, &tv);
	npending++;
}

static struct spf_outcome	outcome;
static int			ndone;

static void
checked(void *arg, const struct spf_outcome *out)
{
	outcome = *out;
	ndone++;
}

static void
loop_init(void)
{
	static int	inited;

	if (!inited) {
		(void)event_init();
		inited = 1;
	}
}

/* check_host() on the zone: the outcome. */
static const struct spf_outcome *
check(const struct zrr *z, const char *ip, const char *helo,
    const char *sender, int identity)
{
	struct spf	*spf;
	int		 n;

	loop_init();
	zone = z;
	ndone = 0;
	nqueries = 0;
	memset(&outcome, 0, sizeof(outcome));
	spf = spf_check(fake_query, ip, helo, sender, identity,
	    "mx.receiver.example", checked, NULL);
	ATF_REQUIRE(spf != NULL);
	ATF_REQUIRE_EQ_MSG(ndone, 0, "done() from inside spf_check()");
	for (n = 0; n < 1000 && ndone == 0; n++)
		(void)event_loop(EVLOOP_ONCE);
	ATF_REQUIRE_EQ_MSG(ndone, 1, "done() not called once");
	ATF_REQUIRE_EQ(npending, 0);
	return (&outcome);
}

#define EXPECT(z, ip, sender, res) do {					\
	const struct spf_outcome *o_ = check((z), (ip), "helo.example",	\
	    (sender), SPF_ID_MAILFROM);					\
	ATF_CHECK_MSG(o_->result == (res), "%s %s: %s, expected %s "	\
	    "(mech \"%s\", reason \"%s\")", (ip), (sender),		\
	    spf_result_name(o_->result), spf_result_name(res),		\
	    o_->mechanism, o_->reason);					\
} while (0)

/*
 * The parser.
 */

ATF_TC_WITHOUT_HEAD(parse_valid);
ATF_TC_BODY(parse_valid, tc)
{
	static const char *ok[] = {
		"v=spf1",
		"v=spf1 ",
		"V=SPF1 -ALL",
		"v=spf1 +all",
		"v=spf1 a mx ptr -all",
		"v=spf1 a:example.com mx:example.com/24 ptr:example.com",
		"v=spf1 a/24 a//64 a/24//64 mx/0 mx//0 a:foo.example//128",
		"v=spf1 ip4:192.0.2.0/24 ip4:10.0.0.1 ip4:0.0.0.0/0",
		"v=spf1 ip6:2001:db8::/32 ip6:::1 ip6:::ffff:1.2.3.4/128",
		"v=spf1 include:_spf.example.com ~all",
		"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
		"v=spf1 redirect=_spf.example.com",
		"v=spf1 -all exp=explain._spf.%{d}",
		"v=spf1 foo=bar moo.cow-far_out=man:dog/cat ?all",
		"v=spf1 unknown-mod=%{l}%%%_%- -all",
		"v=spf1 a:museum.example. -all",
		"v=spf1 a:%{d} mx:%{d}. a:x.co-m",
		"v=spf1   a    mx   ",
		"v=spf1 exists:%{i}.%{h}.%{o}.%{v}.%{p}.%{s}",
	};
	char	 err[128];
	size_t	 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ATF_CHECK_MSG(spf_record_check(ok[i], strlen(ok[i]), err,
		    sizeof(err)) == 0, "\"%s\": %s", ok[i], err);
}

ATF_TC_WITHOUT_HEAD(parse_invalid);
ATF_TC_BODY(parse_invalid, tc)
{
	static const char *bad[] = {
		"v=spf10",
		"v=spf1x a",
		"spf1 a",
		"v=spf1 foo",			/* unknown mechanism */
		"v=spf1 foo:bar",
		"v=spf1 a:",			/* empty domain-spec */
		"v=spf1 include",
		"v=spf1 include:",
		"v=spf1 exists",
		"v=spf1 all:foo",
		"v=spf1 -all/24",
		"v=spf1 a/33",			/* ip4 cidr over 32 */
		"v=spf1 a//129",
		"v=spf1 a/024",			/* leading zero */
		"v=spf1 a/",
		"v=spf1 a//",
		"v=spf1 a/24/64",
		"v=spf1 ip4:192.0.2.0/33",
		"v=spf1 ip4:192.0.2.1//32",
		"v=spf1 ip4:192.0.2",
		"v=spf1 ip4:192.0.2.256",
		"v=spf1 ip4:192.0.2.01",
		"v=spf1 ip4:1.2.3.4:8080",
		"v=spf1 ip4:",
		"v=spf1 ip4",
		"v=spf1 ip6:2001:db8::/129",
		"v=spf1 ip6:1.2.3.4",
		"v=spf1 ip6:2001:db8::1//64",
		"v=spf1 mx:example.com:8080",
		"v=spf1 a:111.222.33.44",	/* numeric top label */
		"v=spf1 a:museum",		/* no dot */
		"v=spf1 a:example.-com",
		"v=spf1 redirect=a.example redirect=b.example",
		"v=spf1 exp=a.example exp=b.example",
		"v=spf1 redirect=",
		"v=spf1 exp=",
		"v=spf1 -redirect=a.example",
		"v=spf1 =foo",
		"v=spf1 exists:%{x}.example.com",	/* bad letter */
		"v=spf1 exists:%{d0}.example.com",	/* zero digits */
		"v=spf1 exists:%{d.example.com",	/* unclosed */
		"v=spf1 exists:%{d}%.example.com",	/* lone % */
		"v=spf1 exists:%{c}.example.com",	/* c only in exp */
		"v=spf1 exists:%{r}.example.com",
		"v=spf1 exists:%{t}.example.com",
		"v=spf1 foo=%x",
		"v=spf1 foo=%",
		"v=spf1 a\tmx",			/* only SP separates */
		"v=spf1 a:ex\xc3\xa9.com",
		"v=spf1 ++all",
	};
	char	 err[128];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ATF_CHECK_MSG(spf_record_check(bad[i], strlen(bad[i]), err,
		    sizeof(err)) == -1, "accepted \"%s\"", bad[i]);
		ATF_CHECK_MSG(err[0] != '\0', "no reason for \"%s\"", bad[i]);
	}
}

ATF_TC_WITHOUT_HEAD(parse_bounds);
ATF_TC_BODY(parse_bounds, tc)
{
	char	*big;
	char	 err[128];
	size_t	 n;
	struct spf_record rec;

	/* SPF_RECORD_MAX octets of terms parse; one more does not */
	ATF_REQUIRE((big = malloc(SPF_RECORD_MAX + 2)) != NULL);
	memcpy(big, "v=spf1", 6);
	for (n = 6; n + 2 <= SPF_RECORD_MAX; n += 2)
		memcpy(big + n, " a", 2);
	while (n < SPF_RECORD_MAX)
		big[n++] = ' ';
	big[n] = '\0';
	ATF_REQUIRE_EQ(spf_record_parse(big, n, &rec, err, sizeof(err)), 0);
	ATF_CHECK_EQ(rec.nterms, (SPF_RECORD_MAX - 6) / 2);
	spf_record_free(&rec);
	big[n] = ' ';
	big[n + 1] = '\0';
	ATF_CHECK_EQ(spf_record_check(big, n + 1, err, sizeof(err)), -1);
	/* a NUL inside the record */
	ATF_CHECK_EQ(spf_record_check("v=spf1 a\0mx", 11, err, sizeof(err)),
	    -1);
	free(big);
}

/*
 * Macros: RFC 7208 7.4, sender strong-bad@email.example.com, IPv4
 * 192.0.2.3, IPv6 2001:db8::cb01.
 */

static void
env74(struct spf_macro_env *env, const char *ip)
{
	memset(env, 0, sizeof(*env));
	env->sender = "strong-bad@email.example.com";
	env->local = "strong-bad";
	env->sdomain = "email.example.com";
	env->domain = "email.example.com";
	env->helo = "mx.example.org";
	env->receiver = "receiver.example.net";
	env->ptr = "unknown";
	if (inet_pton(AF_INET, ip, env->addr) == 1)
		env->af = AF_INET;
	else {
		ATF_REQUIRE(inet_pton(AF_INET6, ip, env->addr) == 1);
		env->af = AF_INET6;
	}
	env->now = 1234567890;
}

static void
xcheck(const struct spf_macro_env *env, int mode, const char *in,
    const char *want)
{
	char	 out[SPF_XBUF_MAX], err[128];
	int	 n;

	n = spf_macro_expand(in, strlen(in), env, mode, out, sizeof(out),
	    err, sizeof(err));
	ATF_CHECK_MSG(n >= 0 && strcmp(out, want) == 0,
	    "%s -> \"%s\" (%s), expected \"%s\"", in, n >= 0 ? out : "",
	    n >= 0 ? "" : err, want);
}

ATF_TC_WITHOUT_HEAD(macro_rfc7208_74);
ATF_TC_BODY(macro_rfc7208_74, tc)
{
	struct spf_macro_env	 env;

	env74(&env, "192.0.2.3");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{s}",
	    "strong-bad@email.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{o}", "email.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{d}", "email.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{d4}", "email.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{d3}", "email.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{d2}", "example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{d1}", "com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{dr}", "com.example.email");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{d2r}", "example.email");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{l}", "strong-bad");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{l-}", "strong.bad");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{lr}", "strong-bad");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{lr-}", "bad.strong");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{l1r-}", "strong");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{ir}.%{v}._spf.%{d2}",
	    "3.2.0.192.in-addr._spf.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{lr-}.lp._spf.%{d2}",
	    "bad.strong.lp._spf.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{d2}.trusted-domains.example.net",
	    "example.com.trusted-domains.example.net");
	env74(&env, "2001:db8::cb01");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{ir}.%{v}._spf.%{d2}",
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6._spf.example.com");
}

ATF_TC_WITHOUT_HEAD(macro_more);
ATF_TC_BODY(macro_more, tc)
{
	struct spf_macro_env	 env;
	char			 out[SPF_XBUF_MAX], err[128], in[600];
	int			 n;

	env74(&env, "192.0.2.3");
	/* literals */
	xcheck(&env, SPF_MACRO_EXP, "%%%_%-", "% %20");
	/* upper case: URL-escaped */
	env.local = "a b/c";
	xcheck(&env, SPF_MACRO_EXP, "%{L}", "a%20b%2Fc");
	xcheck(&env, SPF_MACRO_EXP, "%{S}", "strong-bad%40email.example.com");
	env.local = "strong-bad";
	/* exp-only letters */
	xcheck(&env, SPF_MACRO_EXP, "%{c} %{r} %{t}",
	    "192.0.2.3 receiver.example.net 1234567890");
	env74(&env, "2001:db8::cb01");
	xcheck(&env, SPF_MACRO_EXP, "%{c} %{v} %{h}",
	    "2001:db8::cb01 ip6 mx.example.org");
	/* delimiters, several at once, and numbers past the parts */
	env.local = "a.b-c+d,e/f_g=h";
	xcheck(&env, SPF_MACRO_DOMAIN, "%{l.-+,/_=}", "a.b.c.d.e.f.g.h");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{l2r-+}", "c.a.b");
	xcheck(&env, SPF_MACRO_DOMAIN, "%{l99999999999}",
	    "a.b-c+d,e/f_g=h");
	/* p when there is no validated name */
	xcheck(&env, SPF_MACRO_DOMAIN, "%{p}.x.example", "unknown.x.example");
	/* not in a domain-spec: c r t */
	ATF_CHECK_EQ(spf_macro_expand("%{c}", 4, &env, SPF_MACRO_DOMAIN,
	    out, sizeof(out), err, sizeof(err)), -1);
	/* 7.3: a name over 253 octets loses leading labels */
	env.local = "l123456789.l123456789.l123456789.l123456789.l123456789"
	    ".l123456789.l123456789.l123456789.l123456789.l123456789";
	(void)snprintf(in, sizeof(in), "%%{l}.%%{l}.%%{l}.%%{l}.%%{l}.%s",
	    "example.com");
	n = spf_macro_expand(in, strlen(in), &env, SPF_MACRO_DOMAIN, out,
	    sizeof(out), err, sizeof(err));
	ATF_REQUIRE(n > 0);
	ATF_CHECK(n <= 253);
	ATF_CHECK((size_t)n == strlen(out));
	ATF_CHECK(strncmp(out, "l123456789.", 11) == 0);
	ATF_CHECK(strcmp(out + n - 12, ".example.com") == 0);
	/* an expansion bigger than any buffer: an error, not an overflow */
	ATF_CHECK_EQ(spf_macro_expand(in, strlen(in), &env, SPF_MACRO_DOMAIN,
	    out, 64, err, sizeof(err)), -1);
	/* explanation: cut at the buffer */
	n = spf_macro_expand(in, strlen(in), &env, SPF_MACRO_EXP, out, 64,
	    err, sizeof(err));
	ATF_CHECK_EQ(n, 63);
	ATF_CHECK_EQ(strlen(out), 63);
}

/*
 * check_host().
 */

static const struct zrr zone_basic[] = {
	{ "example.com", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 a mx -all" },
	{ "example.com", DNS_T_A, "198.51.100.10" },
	{ "example.com", DNS_T_AAAA, "2001:db8::10" },
	{ "example.com", DNS_T_MX, "10 mx1.example.com" },
	{ "example.com", DNS_T_MX, "20 mx2.example.com" },
	{ "mx1.example.com", DNS_T_A, "198.51.100.21" },
	{ "mx2.example.com", DNS_T_A, "198.51.100.22" },
	{ "mx2.example.com", DNS_T_AAAA, "2001:db8::22" },
	{ "soft.example", DNS_T_TXT, "v=spf1 ?ip4:10.0.0.1 ~all" },
	{ "soft.example", DNS_T_TXT, "some other text" },
	{ "two.example", DNS_T_TXT, "v=spf1 -all" },
	{ "two.example", DNS_T_TXT, "v=spf1 +all" },
	{ "nospf.example", DNS_T_TXT, "v=spf10 -all" },
	{ "empty.example", DNS_T_TXT, "v=spf1" },
	{ "bad.example", DNS_T_TXT, "v=spf1 ip4:1.2.3.4/33 +all" },
	{ "fail.example", 0, "" },
	{ "cidr.example", DNS_T_TXT,
	    "v=spf1 a:host.cidr.example/24//48 -all" },
	{ "host.cidr.example", DNS_T_A, "203.0.113.1" },
	{ "host.cidr.example", DNS_T_AAAA, "2001:db8:aaaa::1" },
	{ "ip6.example", DNS_T_TXT, "v=spf1 ip6:2001:db8:1::/48 -all" },
	{ "long.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 "
	    "ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 ip4:192.0.2.6 "
	    "ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 "
	    "ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 "
	    "ip4:192.0.2.15 ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 "
	    "ip4:192.0.2.19 ip4:192.0.2.20 ip4:192.0.2.21 -all" },
	{ NULL, 0, NULL }
};

ATF_TC_WITHOUT_HEAD(check_basic);
ATF_TC_BODY(check_basic, tc)
{
	const struct spf_outcome *o;

	EXPECT(zone_basic, "192.0.2.77", "u@example.com", SPF_PASS);
	ATF_CHECK_STREQ(outcome.mechanism, "ip4:192.0.2.0/24");
	ATF_CHECK_EQ(outcome.lookups, 0);
	EXPECT(zone_basic, "198.51.100.10", "u@example.com", SPF_PASS);
	ATF_CHECK_STREQ(outcome.mechanism, "a");
	EXPECT(zone_basic, "198.51.100.22", "u@example.com", SPF_PASS);
	ATF_CHECK_STREQ(outcome.mechanism, "mx");
	ATF_CHECK_EQ(outcome.lookups, 2);
	EXPECT(zone_basic, "2001:db8::22", "u@example.com", SPF_PASS);
	EXPECT(zone_basic, "2001:db8::10", "u@example.com", SPF_PASS);
	EXPECT(zone_basic, "::ffff:198.51.100.21", "u@example.com",
	    SPF_PASS);
	EXPECT(zone_basic, "203.0.113.9", "u@example.com", SPF_FAIL);
	ATF_CHECK_STREQ(outcome.mechanism, "-all");
	ATF_CHECK_STREQ(outcome.domain, "example.com");
	EXPECT(zone_basic, "10.0.0.1", "u@soft.example", SPF_NEUTRAL);
	EXPECT(zone_basic, "10.0.0.2", "u@soft.example", SPF_SOFTFAIL);
	EXPECT(zone_basic, "10.0.0.2", "u@two.example", SPF_PERMERROR);
	EXPECT(zone_basic, "10.0.0.2", "u@nospf.example", SPF_NONE);
	EXPECT(zone_basic, "10.0.0.2", "u@nxdomain.example", SPF_NONE);
	EXPECT(zone_basic, "10.0.0.2", "u@empty.example", SPF_NEUTRAL);
	ATF_CHECK_STREQ(outcome.mechanism, "");
	EXPECT(zone_basic, "10.0.0.2", "u@bad.example", SPF_PERMERROR);
	ATF_CHECK(outcome.reason[0] != '\0');
	EXPECT(zone_basic, "10.0.0.2", "u@fail.example", SPF_TEMPERROR);
	/* dual CIDR */
	EXPECT(zone_basic, "203.0.113.200", "u@cidr.example", SPF_PASS);
	EXPECT(zone_basic, "203.0.114.1", "u@cidr.example", SPF_FAIL);
	EXPECT(zone_basic, "2001:db8:aaaa:ffff::1", "u@cidr.example",
	    SPF_PASS);
	EXPECT(zone_basic, "2001:db8:aaab::1", "u@cidr.example", SPF_FAIL);
	EXPECT(zone_basic, "2001:db8:1:2::3", "u@ip6.example", SPF_PASS);
	EXPECT(zone_basic, "2001:db8:2::3", "u@ip6.example", SPF_FAIL);
	EXPECT(zone_basic, "192.0.2.21", "u@long.example", SPF_PASS);
	/* 4.3: malformed or single-label domain: none, no lookup */
	EXPECT(zone_basic, "10.0.0.2", "u@com", SPF_NONE);
	EXPECT(zone_basic, "10.0.0.2", "u@a..example.com", SPF_NONE);
	EXPECT(zone_basic, "10.0.0.2", "u@[192.0.2.1]", SPF_NONE);
	ATF_CHECK_EQ(nqueries, 0);
	/* null sender: postmaster@helo; the HELO identity */
	o = check(zone_basic, "192.0.2.1", "example.com", "",
	    SPF_ID_MAILFROM);
	ATF_CHECK_EQ(o->result, SPF_PASS);
	ATF_CHECK_STREQ(o->sender, "postmaster@example.com");
	o = check(zone_basic, "10.9.9.9", "example.com", "x@soft.example",
	    SPF_ID_HELO);
	ATF_CHECK_EQ(o->result, SPF_FAIL);
	ATF_CHECK_STREQ(o->domain, "example.com");
	/* no local part */
	o = check(zone_basic, "192.0.2.1", "h.example", "@example.com",
	    SPF_ID_MAILFROM);
	ATF_CHECK_STREQ(o->sender, "postmaster@example.com");
}

static const struct zrr zone_incl[] = {
	{ "a.example", DNS_T_TXT, "v=spf1 include:b.example -all" },
	{ "b.example", DNS_T_TXT, "v=spf1 ip4:10.0.0.1 ~ip4:10.0.0.2 "
	    "?ip4:10.0.0.3 -ip4:10.0.0.4" },
	{ "inone.example", DNS_T_TXT, "v=spf1 include:nospf.example +all" },
	{ "nospf.example", DNS_T_A, "10.0.0.1" },
	{ "itemp.example", DNS_T_TXT, "v=spf1 include:fail.example +all" },
	{ "fail.example", 0, "" },
	{ "iperm.example", DNS_T_TXT, "v=spf1 include:bad.example +all" },
	{ "bad.example", DNS_T_TXT, "v=spf1 bogus" },
	{ "r.example", DNS_T_TXT, "v=spf1 ip4:10.0.0.9 redirect=b.example" },
	{ "rall.example", DNS_T_TXT, "v=spf1 ?all redirect=b.example" },
	{ "rnone.example", DNS_T_TXT, "v=spf1 redirect=nospf.example" },
	{ "rnx.example", DNS_T_TXT, "v=spf1 redirect=nx.example" },
	{ "loop.example", DNS_T_TXT, "v=spf1 include:loop.example -all" },
	{ "rloop.example", DNS_T_TXT, "v=spf1 redirect=rloop.example" },
	{ "exp.example", DNS_T_TXT, "v=spf1 -all exp=e.%{d}" },
	{ "e.exp.example", DNS_T_TXT, "%{i} may not send for %{d} (%{l}, "
	    "%{o}, %{c})" },
	{ "rexp.example", DNS_T_TXT, "v=spf1 redirect=exp.example "
	    "exp=other.example" },
	{ "other.example", DNS_T_TXT, "other explanation" },
	{ "iexp.example", DNS_T_TXT, "v=spf1 include:exp.example -all" },
	{ "badexp.example", DNS_T_TXT, "v=spf1 -all exp=nx.example" },
	{ "twoexp.example", DNS_T_TXT, "v=spf1 -all exp=e2.example" },
	{ "e2.example", DNS_T_TXT, "one" },
	{ "e2.example", DNS_T_TXT, "two" },
	{ "synexp.example", DNS_T_TXT, "v=spf1 -all exp=e3.example" },
	{ "e3.example", DNS_T_TXT, "bad %{x} macro" },
	{ NULL, 0, NULL }
};

ATF_TC_WITHOUT_HEAD(check_include_redirect_exp);
ATF_TC_BODY(check_include_redirect_exp, tc)
{
	EXPECT(zone_incl, "10.0.0.1", "u@a.example", SPF_PASS);
	ATF_CHECK_STREQ(outcome.mechanism, "include:b.example");
	EXPECT(zone_incl, "10.0.0.2", "u@a.example", SPF_FAIL);
	EXPECT(zone_incl, "10.0.0.3", "u@a.example", SPF_FAIL);
	EXPECT(zone_incl, "10.0.0.4", "u@a.example", SPF_FAIL);
	EXPECT(zone_incl, "10.0.0.5", "u@a.example", SPF_FAIL);
	EXPECT(zone_incl, "10.0.0.5", "u@inone.example", SPF_PERMERROR);
	EXPECT(zone_incl, "10.0.0.5", "u@itemp.example", SPF_TEMPERROR);
	EXPECT(zone_incl, "10.0.0.5", "u@iperm.example", SPF_PERMERROR);
	EXPECT(zone_incl, "10.0.0.9", "u@r.example", SPF_PASS);
	EXPECT(zone_incl, "10.0.0.2", "u@r.example", SPF_SOFTFAIL);
	EXPECT(zone_incl, "10.0.0.7", "u@r.example", SPF_NEUTRAL);
	/* all wins over redirect */
	EXPECT(zone_incl, "10.0.0.1", "u@rall.example", SPF_NEUTRAL);
	EXPECT(zone_incl, "10.0.0.1", "u@rnone.example", SPF_PERMERROR);
	EXPECT(zone_incl, "10.0.0.1", "u@rnx.example", SPF_PERMERROR);
	/* loops end at the lookup limit */
	EXPECT(zone_incl, "10.0.0.1", "u@loop.example", SPF_PERMERROR);
	ATF_CHECK_EQ(outcome.lookups, SPF_LOOKUP_MAX);
	EXPECT(zone_incl, "10.0.0.1", "u@rloop.example", SPF_PERMERROR);
	ATF_CHECK_EQ(outcome.lookups, SPF_LOOKUP_MAX);
	/* exp */
	EXPECT(zone_incl, "10.0.0.1", "jo@exp.example", SPF_FAIL);
	ATF_CHECK_STREQ(outcome.explanation,
	    "10.0.0.1 may not send for exp.example (jo, exp.example, "
	    "10.0.0.1)");
	/* redirect: the target's exp, not ours */
	EXPECT(zone_incl, "10.0.0.1", "jo@rexp.example", SPF_FAIL);
	ATF_CHECK_STREQ(outcome.explanation,
	    "10.0.0.1 may not send for exp.example (jo, rexp.example, "
	    "10.0.0.1)");
	/* include: not the included record's */
	EXPECT(zone_incl, "10.0.0.1", "jo@iexp.example", SPF_FAIL);
	ATF_CHECK_STREQ(outcome.explanation, "");
	/* no usable explanation: still fail */
	EXPECT(zone_incl, "10.0.0.1", "jo@badexp.example", SPF_FAIL);
	ATF_CHECK_STREQ(outcome.explanation, "");
	EXPECT(zone_incl, "10.0.0.1", "jo@twoexp.example", SPF_FAIL);
	ATF_CHECK_STREQ(outcome.explanation, "");
	EXPECT(zone_incl, "10.0.0.1", "jo@synexp.example", SPF_FAIL);
	ATF_CHECK_STREQ(outcome.explanation, "");
}

static const struct zrr zone_limits[] = {
	/* 10 lookups exactly: fine; 11: permerror */
	{ "ten.example", DNS_T_TXT, "v=spf1 a:x1.example a:x2.example "
	    "a:x3.example a:x4.example a:x5.example a:x6.example "
	    "a:x7.example a:x8.example a:x9.example a:x10.example -all" },
	{ "eleven.example", DNS_T_TXT, "v=spf1 a:x1.example a:x2.example "
	    "a:x3.example a:x4.example a:x5.example a:x6.example "
	    "a:x7.example a:x8.example a:x9.example a:x10.example "
	    "a:x11.example -all" },
	/* ip4 and all do not count */
	{ "ipok.example", DNS_T_TXT, "v=spf1 a:x1.example a:x2.example "
	    "a:x3.example a:x4.example a:x5.example a:x6.example "
	    "a:x7.example a:x8.example a:x9.example a:x10.example "
	    "ip4:10.0.0.1 -all" },
	{ "x1.example", DNS_T_A, "192.0.2.1" },
	{ "x2.example", DNS_T_A, "192.0.2.2" },
	{ "x3.example", DNS_T_A, "192.0.2.3" },
	{ "x4.example", DNS_T_A, "192.0.2.4" },
	{ "x5.example", DNS_T_A, "192.0.2.5" },
	{ "x6.example", DNS_T_A, "192.0.2.6" },
	{ "x7.example", DNS_T_A, "192.0.2.7" },
	{ "x8.example", DNS_T_A, "192.0.2.8" },
	{ "x9.example", DNS_T_A, "192.0.2.9" },
	{ "x10.example", DNS_T_A, "192.0.2.10" },
	{ "x11.example", DNS_T_A, "192.0.2.11" },
	/* void lookups: 2 fine, the third is permerror */
	{ "void2.example", DNS_T_TXT, "v=spf1 a:nx1.example mx:x1.example "
	    "ip4:10.0.0.1 -all" },
	{ "void3.example", DNS_T_TXT, "v=spf1 a:nx1.example mx:x1.example "
	    "exists:nx3.example ip4:10.0.0.1 -all" },
	/* 11 MX names: permerror; 10: fine */
	{ "mx10.example", DNS_T_TXT, "v=spf1 mx -all" },
	{ "mx11.example", DNS_T_TXT, "v=spf1 mx -all" },
	{ "mx10.example", DNS_T_MX, "1 x1.example" },
	{ "mx10.example", DNS_T_MX, "2 x2.example" },
	{ "mx10.example", DNS_T_MX, "3 x3.example" },
	{ "mx10.example", DNS_T_MX, "4 x4.example" },
	{ "mx10.example", DNS_T_MX, "5 x5.example" },
	{ "mx10.example", DNS_T_MX, "6 x6.example" },
	{ "mx10.example", DNS_T_MX, "7 x7.example" },
	{ "mx10.example", DNS_T_MX, "8 x8.example" },
	{ "mx10.example", DNS_T_MX, "9 x9.example" },
	{ "mx10.example", DNS_T_MX, "10 x10.example" },
	{ "mx11.example", DNS_T_MX, "1 x1.example" },
	{ "mx11.example", DNS_T_MX, "2 x2.example" },
	{ "mx11.example", DNS_T_MX, "3 x3.example" },
	{ "mx11.example", DNS_T_MX, "4 x4.example" },
	{ "mx11.example", DNS_T_MX, "5 x5.example" },
	{ "mx11.example", DNS_T_MX, "6 x6.example" },
	{ "mx11.example", DNS_T_MX, "7 x7.example" },
	{ "mx11.example", DNS_T_MX, "8 x8.example" },
	{ "mx11.example", DNS_T_MX, "9 x9.example" },
	{ "mx11.example", DNS_T_MX, "10 x10.example" },
	{ "mx11.example", DNS_T_MX, "11 x11.example" },
	/* an MX host that fails: temperror */
	{ "mxtemp.example", DNS_T_TXT, "v=spf1 mx -all" },
	{ "mxtemp.example", DNS_T_MX, "1 fail.example" },
	{ "fail.example", 0, "" },
	{ NULL, 0, NULL }
};

ATF_TC_WITHOUT_HEAD(check_limits);
ATF_TC_BODY(check_limits, tc)
{
	EXPECT(zone_limits, "192.0.2.10", "u@ten.example", SPF_PASS);
	ATF_CHECK_EQ(outcome.lookups, 10);
	EXPECT(zone_limits, "10.0.0.99", "u@ten.example", SPF_FAIL);
	EXPECT(zone_limits, "192.0.2.10", "u@eleven.example", SPF_PASS);
	EXPECT(zone_limits, "192.0.2.11", "u@eleven.example",
	    SPF_PERMERROR);
	ATF_CHECK_EQ(outcome.lookups, 10);
	ATF_CHECK(strstr(outcome.reason, "lookups") != NULL);
	EXPECT(zone_limits, "10.0.0.1", "u@ipok.example", SPF_PASS);
	EXPECT(zone_limits, "10.0.0.1", "u@void2.example", SPF_PASS);
	ATF_CHECK_EQ(outcome.voids, 2);
	EXPECT(zone_limits, "10.0.0.1", "u@void3.example", SPF_PERMERROR);
	ATF_CHECK(strstr(outcome.reason, "void") != NULL);
	EXPECT(zone_limits, "192.0.2.10", "u@mx10.example", SPF_PASS);
	EXPECT(zone_limits, "192.0.2.99", "u@mx10.example", SPF_FAIL);
	EXPECT(zone_limits, "192.0.2.1", "u@mx11.example", SPF_PERMERROR);
	EXPECT(zone_limits, "192.0.2.1", "u@mxtemp.example",
	    SPF_TEMPERROR);
}

static const struct zrr zone_ptr[] = {
	{ "p.example", DNS_T_TXT, "v=spf1 ptr -all" },
	{ "pd.example", DNS_T_TXT, "v=spf1 ptr:other.example -all" },
	{ "pm.example", DNS_T_TXT, "v=spf1 exists:%{p}.ok.example -all" },
	{ "host.p.example.ok.example", DNS_T_A, "127.0.0.2" },
	{ "1.2.0.192.in-addr.arpa", DNS_T_PTR, "host.p.example" },
	{ "1.2.0.192.in-addr.arpa", DNS_T_PTR, "liar.p.example" },
	{ "host.p.example", DNS_T_A, "192.0.2.1" },
	{ "liar.p.example", DNS_T_A, "192.0.2.99" },
	{ "2.2.0.192.in-addr.arpa", DNS_T_PTR, "liar.p.example" },
	{ "3.2.0.192.in-addr.arpa", DNS_T_PTR, "mail.other.example" },
	{ "mail.other.example", DNS_T_A, "192.0.2.3" },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "ip6.arpa", DNS_T_PTR, "v6.p.example" },
	{ "v6.p.example", DNS_T_AAAA, "2001:db8::1" },
	/* 11 names, only the 11th validated: ignored (4.6.4) */
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n1.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n2.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n3.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n4.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n5.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n6.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n7.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n8.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n9.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n10.p.example" },
	{ "20.2.0.192.in-addr.arpa", DNS_T_PTR, "n11.p.example" },
	{ "n1.p.example", DNS_T_A, "192.0.2.99" },
	{ "n2.p.example", DNS_T_A, "192.0.2.99" },
	{ "n3.p.example", DNS_T_A, "192.0.2.99" },
	{ "n4.p.example", DNS_T_A, "192.0.2.99" },
	{ "n5.p.example", DNS_T_A, "192.0.2.99" },
	{ "n6.p.example", DNS_T_A, "192.0.2.99" },
	{ "n7.p.example", DNS_T_A, "192.0.2.99" },
	{ "n8.p.example", DNS_T_A, "192.0.2.99" },
	{ "n9.p.example", DNS_T_A, "192.0.2.99" },
	{ "n10.p.example", DNS_T_A, "192.0.2.99" },
	{ "n11.p.example", DNS_T_A, "192.0.2.20" },
	/* 10 names, the 10th validated */
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m1.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m2.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m3.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m4.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m5.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m6.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m7.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m8.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m9.p.example" },
	{ "21.2.0.192.in-addr.arpa", DNS_T_PTR, "m10.p.example" },
	{ "m1.p.example", DNS_T_A, "192.0.2.99" },
	{ "m2.p.example", DNS_T_A, "192.0.2.99" },
	{ "m3.p.example", DNS_T_A, "192.0.2.99" },
	{ "m4.p.example", DNS_T_A, "192.0.2.99" },
	{ "m5.p.example", DNS_T_A, "192.0.2.99" },
	{ "m6.p.example", DNS_T_A, "192.0.2.99" },
	{ "m7.p.example", DNS_T_A, "192.0.2.99" },
	{ "m8.p.example", DNS_T_A, "192.0.2.99" },
	{ "m9.p.example", DNS_T_A, "192.0.2.99" },
	{ "m10.p.example", DNS_T_A, "192.0.2.21" },
	{ NULL, 0, NULL }
};

ATF_TC_WITHOUT_HEAD(check_ptr);
ATF_TC_BODY(check_ptr, tc)
{
	EXPECT(zone_ptr, "192.0.2.1", "u@p.example", SPF_PASS);
	/* a name that does not resolve back is not validated */
	EXPECT(zone_ptr, "192.0.2.2", "u@p.example", SPF_FAIL);
	/* no PTR at all */
	EXPECT(zone_ptr, "192.0.2.9", "u@p.example", SPF_FAIL);
	ATF_CHECK_EQ(outcome.voids, 1);
	EXPECT(zone_ptr, "192.0.2.3", "u@pd.example", SPF_PASS);
	EXPECT(zone_ptr, "192.0.2.1", "u@pd.example", SPF_FAIL);
	EXPECT(zone_ptr, "2001:db8::1", "u@p.example", SPF_PASS);
	/* %{p}: the validated name under the domain first */
	EXPECT(zone_ptr, "192.0.2.1", "u@pm.example", SPF_PASS);
	EXPECT(zone_ptr, "192.0.2.2", "u@pm.example", SPF_FAIL);
	/* at most 10 PTR names are looked at, in the answer's order */
	EXPECT(zone_ptr, "192.0.2.20", "u@p.example", SPF_FAIL);
	ATF_CHECK_EQ(nqueries, 1 + 1 + 10);	/* TXT, PTR, 10 A */
	EXPECT(zone_ptr, "192.0.2.21", "u@p.example", SPF_PASS);
}

/* spf_cancel() before the first step and with a lookup in flight. */
ATF_TC_WITHOUT_HEAD(cancel);
ATF_TC_BODY(cancel, tc)
{
	struct spf	*spf;
	int		 n;

	loop_init();
	zone = zone_basic;
	ndone = 0;
	spf = spf_check(fake_query, "192.0.2.1", "h.example",
	    "u@example.com", SPF_ID_MAILFROM, NULL, checked, NULL);
	ATF_REQUIRE(spf != NULL);
	spf_cancel(spf);
	for (n = 0; n < 10; n++)
		(void)event_loop(EVLOOP_NONBLOCK);
	ATF_CHECK_EQ(ndone, 0);

	nqueries = 0;
	spf = spf_check(fake_query, "10.9.9.9", "h.example",
	    "u@example.com", SPF_ID_MAILFROM, NULL, checked, NULL);
	ATF_REQUIRE(spf != NULL);
	for (n = 0; n < 100 && nqueries < 2; n++)
		(void)event_loop(EVLOOP_ONCE);
	ATF_REQUIRE(nqueries >= 2);
	ATF_REQUIRE(npending == 1);
	spf_cancel(spf);
	for (n = 0; n < 100 && npending > 0; n++)
		(void)event_loop(EVLOOP_ONCE);
	ATF_CHECK_EQ(npending, 0);
	ATF_CHECK_EQ(ndone, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_valid);
	ATF_TP_ADD_TC(tp, parse_invalid);
	ATF_TP_ADD_TC(tp, parse_bounds);
	ATF_TP_ADD_TC(tp, macro_rfc7208_74);
	ATF_TP_ADD_TC(tp, macro_more);
	ATF_TP_ADD_TC(tp, check_basic);
	ATF_TP_ADD_TC(tp, check_include_redirect_exp);
	ATF_TP_ADD_TC(tp, check_limits);
	ATF_TP_ADD_TC(tp, check_ptr);
	ATF_TP_ADD_TC(tp, cancel);
	return (atf_no_error());
}
