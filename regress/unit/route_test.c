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
 * route_test.c -- unit tests for the pure parts of lka/lka_route.c and
 * lka/lka_creds.c: MX ordering (preference, shuffling of equal ones,
 * both orders seen), the backup filter and the loop it detects; MX
 * records read from answers (CNAME followed, other owners ignored, an
 * address as exchange skipped, null MX alone or among others, no usable
 * MX, no MX, malformed); addresses with their port; the MTA_ROUTE_MAX
 * cap; credentials from a "label user:password" table.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "log.h"
#include "smtpd.h"
#include "lka.h"

struct pkt {
	uint8_t	 b[4096];
	size_t	 n;
};

static void	 put(struct pkt *, const void *, size_t);
static void	 put16(struct pkt *, unsigned);
static void	 putname(struct pkt *, const char *);
static void	 start(struct pkt *, const char *, unsigned, unsigned);
static void	 rr(struct pkt *, const char *, unsigned, const void *,
		    size_t);
static void	 mx(struct pkt *, const char *, unsigned, const char *);
static uint32_t	 rnd_zero(uint32_t);
static uint32_t	 rnd_last(uint32_t);
static void	 setmx(struct lka_mx *, int, const char *);

static void
put(struct pkt *p, const void *d, size_t n)
{
	ATF_REQUIRE(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
put16(struct pkt *p, unsigned v)
{
	uint8_t	 b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 2);
}

static void
putname(struct pkt *p, const char *name)
{
	const char	*dot;
	size_t		 n;
	uint8_t		 c;

	while (*name != '\0') {
		dot = strchr(name, '.');
		n = dot != NULL ? (size_t)(dot - name) : strlen(name);
		c = (uint8_t)n;
		put(p, &c, 1);
		put(p, name, n);
		name += n + (dot != NULL);
	}
	c = 0;
	put(p, &c, 1);
}

/* Header (an answers, rcode), question name/type. */
static void
start(struct pkt *p, const char *name, unsigned type, unsigned an)
{
	p->n = 0;
	put16(p, 1);
	put16(p, 0x8180);
	put16(p, 1);
	put16(p, an);
	put16(p, 0);
	put16(p, 0);
	putname(p, name);
	put16(p, type);
	put16(p, DNS_C_IN);
}

static void
rr(struct pkt *p, const char *owner, unsigned type, const void *rdata,
    size_t len)
{
	putname(p, owner);
	put16(p, type);
	put16(p, DNS_C_IN);
	put16(p, 0);
	put16(p, 300);
	put16(p, (unsigned)len);
	put(p, rdata, len);
}

static void
mx(struct pkt *p, const char *owner, unsigned pref, const char *exchange)
{
	struct pkt	 rd;

	rd.n = 0;
	put16(&rd, pref);
	putname(&rd, exchange);
	rr(p, owner, DNS_T_MX, rd.b, rd.n);
}

static uint32_t
rnd_zero(uint32_t n)
{
	return (0);
}

static uint32_t
rnd_last(uint32_t n)
{
	return (n - 1);
}

static void
setmx(struct lka_mx *m, int pref, const char *name)
{
	m->pref = pref;
	ATF_REQUIRE(strlcpy(m->name, name, sizeof(m->name)) <
	    sizeof(m->name));
}

ATF_TC_WITHOUT_HEAD(order_preference);
ATF_TC_BODY(order_preference, tc)
{
	struct lka_mx	 m[5];
	int		 seen_ab = 0, seen_ba = 0, i;

	setmx(&m[0], 30, "c");
	setmx(&m[1], 10, "a");
	setmx(&m[2], 20, "x");
	setmx(&m[3], 10, "b");
	setmx(&m[4], 0, "z");
	ATF_REQUIRE_EQ(lka_route_order(m, 5, NULL, rnd_zero), 5);
	ATF_CHECK_EQ(m[0].pref, 0);
	ATF_CHECK_EQ(m[1].pref, 10);
	ATF_CHECK_EQ(m[2].pref, 10);
	ATF_CHECK_EQ(m[3].pref, 20);
	ATF_CHECK_EQ(m[4].pref, 30);
	ATF_CHECK_STREQ(m[0].name, "z");
	ATF_CHECK_STREQ(m[3].name, "x");
	ATF_CHECK_STREQ(m[4].name, "c");
	ATF_CHECK(strcmp(m[1].name, m[2].name) != 0);

	/* the two shufflers give the two orders of a pair */
	setmx(&m[0], 10, "a");
	setmx(&m[1], 10, "b");
	ATF_REQUIRE_EQ(lka_route_order(m, 2, "", rnd_zero), 2);
	ATF_CHECK_STREQ(m[0].name, "b");
	setmx(&m[0], 10, "a");
	setmx(&m[1], 10, "b");
	ATF_REQUIRE_EQ(lka_route_order(m, 2, "", rnd_last), 2);
	ATF_CHECK_STREQ(m[0].name, "a");

	/* with the real one, both orders appear (p(fail) = 2^-199) */
	for (i = 0; i < 200 && !(seen_ab && seen_ba); i++) {
		setmx(&m[0], 10, "a");
		setmx(&m[1], 10, "b");
		setmx(&m[2], 5, "first");
		ATF_REQUIRE_EQ(lka_route_order(m, 3, NULL,
		    arc4random_uniform), 3);
		ATF_REQUIRE_STREQ(m[0].name, "first");
		if (strcmp(m[1].name, "a") == 0)
			seen_ab = 1;
		else
			seen_ba = 1;
	}
	ATF_CHECK(seen_ab && seen_ba);
	ATF_CHECK_EQ(lka_route_order(m, 0, NULL, rnd_zero), 0);
}

ATF_TC_WITHOUT_HEAD(order_backup);
ATF_TC_BODY(order_backup, tc)
{
	struct lka_mx	 m[4];

	/* we are 20: only the 10s are better */
	setmx(&m[0], 30, "far.example.org");
	setmx(&m[1], 20, "us.example.net");
	setmx(&m[2], 10, "mx1.example.org");
	setmx(&m[3], 10, "mx2.example.org");
	ATF_CHECK_EQ(lka_route_order(m, 4, "US.example.net.", rnd_zero), 2);
	ATF_CHECK_EQ(m[0].pref, 10);
	ATF_CHECK_EQ(m[1].pref, 10);

	/* equal to another's preference is not better */
	setmx(&m[0], 10, "us.example.net");
	setmx(&m[1], 10, "mx1.example.org");
	setmx(&m[2], 20, "mx2.example.org");
	ATF_CHECK_EQ(lka_route_order(m, 3, "us.example.net", rnd_zero), -1);

	/* the best: a loop */
	setmx(&m[0], 20, "mx1.example.org");
	setmx(&m[1], 5, "us.example.net");
	ATF_CHECK_EQ(lka_route_order(m, 2, "us.example.net", rnd_zero), -1);

	/* not an MX of the domain: all of them */
	setmx(&m[0], 20, "mx1.example.org");
	setmx(&m[1], 5, "mx2.example.org");
	ATF_CHECK_EQ(lka_route_order(m, 2, "us.example.net", rnd_zero), 2);
	ATF_CHECK_STREQ(m[0].name, "mx2.example.org");

	/* listed twice: its best preference counts */
	setmx(&m[0], 30, "us.example.net");
	setmx(&m[1], 15, "us.example.net");
	setmx(&m[2], 10, "mx1.example.org");
	setmx(&m[3], 20, "mx2.example.org");
	ATF_CHECK_EQ(lka_route_order(m, 4, "us.example.net", rnd_zero), 1);
	ATF_CHECK_STREQ(m[0].name, "mx1.example.org");
}

ATF_TC_WITHOUT_HEAD(mx_answers);
ATF_TC_BODY(mx_answers, tc)
{
	struct pkt	 p;
	struct lka_mx	 m[LKA_ROUTE_MX_MAX];
	char		 target[64];
	size_t		 i;

	log_init(1, 0);
	/* a CNAME, MXes of its target; an MX of another owner ignored */
	start(&p, "example.org", DNS_T_MX, 5);
	{
		struct pkt	 rd;

		rd.n = 0;
		putname(&rd, "mail.example.net");
		rr(&p, "Example.org", DNS_T_CNAME, rd.b, rd.n);
	}
	mx(&p, "mail.example.net", 20, "mx2.example.net");
	mx(&p, "mail.example.net", 10, "mx1.example.net");
	mx(&p, "other.example.net", 5, "evil.example.com");
	mx(&p, "mail.example.net", 30, "192.0.2.1");	/* skipped */
	ATF_REQUIRE_EQ(lka_route_mx(p.b, p.n, "example.org", m, nitems(m)),
	    2);
	ATF_CHECK_EQ(m[0].pref, 20);
	ATF_CHECK_STREQ(m[0].name, "mx2.example.net");
	ATF_CHECK_STREQ(m[1].name, "mx1.example.net");

	/* null MX alone; among others it is ignored */
	start(&p, "example.org", DNS_T_MX, 1);
	mx(&p, "example.org", 0, "");
	ATF_CHECK_EQ(lka_route_mx(p.b, p.n, "example.org", m, nitems(m)),
	    -2);
	start(&p, "example.org", DNS_T_MX, 2);
	mx(&p, "example.org", 0, "");
	mx(&p, "example.org", 10, "mx.example.org");
	ATF_CHECK_EQ(lka_route_mx(p.b, p.n, "example.org", m, nitems(m)),
	    1);
	ATF_CHECK_STREQ(m[0].name, "mx.example.org");

	/* MXes but none usable: not an implicit MX */
	start(&p, "example.org", DNS_T_MX, 2);
	mx(&p, "example.org", 10, "192.0.2.25");
	mx(&p, "example.org", 20, "_bad.example.org");
	ATF_CHECK_EQ(lka_route_mx(p.b, p.n, "example.org", m, nitems(m)),
	    -3);

	/* no MX at all (NODATA), or only other owners: implicit MX */
	start(&p, "example.org", DNS_T_MX, 0);
	ATF_CHECK_EQ(lka_route_mx(p.b, p.n, "example.org", m, nitems(m)),
	    0);

	/* more MXes than room: the first ones */
	start(&p, "example.org", DNS_T_MX, 70);
	for (i = 0; i < 70; i++) {
		(void)snprintf(target, sizeof(target), "mx%zu.example.org",
		    i);
		mx(&p, "example.org", (unsigned)i, target);
	}
	ATF_CHECK_EQ(lka_route_mx(p.b, p.n, "example.org", m, 4), 4);
	ATF_CHECK_STREQ(m[3].name, "mx3.example.org");

	/* malformed: an answer announced and missing; a CNAME loop */
	start(&p, "example.org", DNS_T_MX, 2);
	mx(&p, "example.org", 10, "mx.example.org");
	ATF_CHECK_EQ(lka_route_mx(p.b, p.n, "example.org", m, nitems(m)),
	    -1);
	start(&p, "a.example.org", DNS_T_MX, 2);
	{
		struct pkt	 rd;

		rd.n = 0;
		putname(&rd, "b.example.org");
		rr(&p, "a.example.org", DNS_T_CNAME, rd.b, rd.n);
		rd.n = 0;
		putname(&rd, "a.example.org");
		rr(&p, "b.example.org", DNS_T_CNAME, rd.b, rd.n);
	}
	ATF_CHECK_EQ(lka_route_mx(p.b, p.n, "a.example.org", m, nitems(m)),
	    -1);
	ATF_CHECK_EQ(lka_route_mx(p.b, 5, "example.org", m, nitems(m)), -1);
}

ATF_TC_WITHOUT_HEAD(addresses);
ATF_TC_BODY(addresses, tc)
{
	struct pkt		 p, rd;
	struct sockaddr_storage	 ss[MTA_ROUTE_MAX];
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss[0];
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss[0];
	struct in_addr		 a4;
	struct in6_addr		 a6;
	struct mta_route	 rep;
	char			 text[INET6_ADDRSTRLEN];
	size_t			 i;

	start(&p, "mx.example.org", DNS_T_A, 4);
	rd.n = 0;
	putname(&rd, "real.example.org");
	rr(&p, "mx.example.org", DNS_T_CNAME, rd.b, rd.n);
	ATF_REQUIRE(inet_pton(AF_INET, "192.0.2.7", &a4) == 1);
	rr(&p, "real.example.org", DNS_T_A, &a4, sizeof(a4));
	ATF_REQUIRE(inet_pton(AF_INET, "198.51.100.1", &a4) == 1);
	rr(&p, "elsewhere.example.org", DNS_T_A, &a4, sizeof(a4));
	ATF_REQUIRE(inet_pton(AF_INET6, "2001:db8::7", &a6) == 1);
	rr(&p, "real.example.org", DNS_T_AAAA, &a6, sizeof(a6));
	ATF_REQUIRE_EQ(lka_route_addrs(p.b, p.n, "mx.example.org", DNS_T_A,
	    587, ss, nitems(ss)), 1);
	ATF_CHECK_EQ(sin->sin_family, AF_INET);
	ATF_CHECK_EQ(ntohs(sin->sin_port), 587);
	ATF_CHECK(inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)) !=
	    NULL);
	ATF_CHECK_STREQ(text, "192.0.2.7");
	ATF_REQUIRE_EQ(lka_route_addrs(p.b, p.n, "mx.example.org",
	    DNS_T_AAAA, 25, ss, nitems(ss)), 1);
	ATF_CHECK_EQ(sin6->sin6_family, AF_INET6);
	ATF_CHECK_EQ(ntohs(sin6->sin6_port), 25);
	ATF_CHECK(inet_ntop(AF_INET6, &sin6->sin6_addr, text,
	    sizeof(text)) != NULL);
	ATF_CHECK_STREQ(text, "2001:db8::7");
	ATF_CHECK_EQ(lka_route_addrs(p.b, p.n - 1, "mx.example.org",
	    DNS_T_AAAA, 25, ss, nitems(ss)), -1);

	/* the answer holds at most MTA_ROUTE_MAX addresses */
	memset(&rep, 0, sizeof(rep));
	for (i = 0; i < 3; i++)
		lka_route_add(&rep, (int)i, "mx.example.org", ss, 7);
	ATF_CHECK_EQ(rep.n, MTA_ROUTE_MAX);
	ATF_CHECK_EQ(rep.hosts[MTA_ROUTE_MAX - 1].pref, 2);
	ATF_CHECK_STREQ(rep.hosts[0].name, "mx.example.org");
}

ATF_TC_WITHOUT_HEAD(credentials);
ATF_TC_BODY(credentials, tc)
{
	struct table_db		*db;
	struct mta_creds	 c;
	char			 err[512], line[AUTH_PASS_MAX + 64];
	FILE			*fp;
	size_t			 i;

	ATF_REQUIRE((fp = fopen("creds", "w")) != NULL);
	fputs("# relay credentials\n", fp);
	fputs("smarthost alice@example.org:s3cr:et pass\n", fp);
	fputs("nocolon alice\n", fp);
	fputs("nouser :password\n", fp);
	(void)snprintf(line, sizeof(line), "long u:");
	for (i = strlen(line); i < AUTH_PASS_MAX + 8; i++)
		line[i] = 'x';
	line[i] = '\0';
	fprintf(fp, "%s\n", line);
	ATF_REQUIRE(fclose(fp) == 0);
	db = table_file_load("creds", "creds", err, sizeof(err));
	ATF_REQUIRE_MSG(db != NULL, "%s", err);

	ATF_CHECK_EQ(lka_creds_get(db, "smarthost", &c), ST_OK);
	ATF_CHECK_STREQ(c.user, "alice@example.org");
	ATF_CHECK_STREQ(c.password, "s3cr:et pass");
	ATF_CHECK_EQ(lka_creds_get(db, "SmartHost", &c), ST_OK);
	ATF_CHECK_EQ(lka_creds_get(db, "unknown", &c), ST_PERMFAIL);
	ATF_CHECK_STREQ(c.password, "");
	ATF_CHECK_EQ(lka_creds_get(db, "nocolon", &c), ST_PERMFAIL);
	ATF_CHECK_EQ(lka_creds_get(db, "nouser", &c), ST_PERMFAIL);
	ATF_CHECK_EQ(lka_creds_get(db, "long", &c), ST_PERMFAIL);
	ATF_CHECK_STREQ(c.password, "");
	ATF_CHECK_EQ(lka_creds_get(db, "", &c), ST_PERMFAIL);
	ATF_CHECK_EQ(lka_creds_get(NULL, "smarthost", &c), ST_TEMPFAIL);
	table_db_free(db);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, order_preference);
	ATF_TP_ADD_TC(tp, order_backup);
	ATF_TP_ADD_TC(tp, mx_answers);
	ATF_TP_ADD_TC(tp, addresses);
	ATF_TP_ADD_TC(tp, credentials);
	return (atf_no_error());
}
