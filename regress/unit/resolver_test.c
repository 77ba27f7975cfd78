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
 * resolver_test.c -- unit tests for common/resolver.c without a DNS
 * server: its configuration errors (returned, not fatal), a lookup
 * before resolver_init() (TEMPFAIL), libunbound's local data
 * ("localhost"), a name too long for the DNS (NXDOMAIN, no query), an
 * upstream that never answers (TEMPFAIL after the timeout); every answer
 * comes from the event loop, never from inside resolver_query(), and
 * resolver_pending() counts the lookups in flight.  Each test case runs
 * in its own process (the resolver is process-wide).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <atf-c.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "resolver.h"

struct answer {
	int	 calls;
	int	 status;
	int	 has_localhost;		/* an A record 127.0.0.1 */
};

static int	in_query;		/* inside resolver_query() */

static void
cb(void *arg, int status, const uint8_t *pkt, size_t len, int secure)
{
	struct answer	*a = arg;
	struct dns_msg	 msg;
	struct dns_rr	 rr;

	ATF_REQUIRE_MSG(!in_query, "answered from inside resolver_query()");
	a->calls++;
	a->status = status;
	if (status != RESOLVER_OK)
		return;
	ATF_REQUIRE(pkt != NULL && len > 0);
	ATF_REQUIRE(dns_msg_init(&msg, pkt, len) == 0);
	while (dns_msg_next(&msg, &rr) == 1)
		if (rr.type == DNS_T_A &&
		    rr.u.a.s_addr == htonl(INADDR_LOOPBACK))
			a->has_localhost = 1;
}

static void
query(const char *name, uint16_t type, struct answer *a)
{
	in_query = 1;
	resolver_query(name, type, cb, a);
	in_query = 0;
}

/* The loop until no lookup is pending (each has a timer: bounded). */
static void
run(void)
{
	while (resolver_pending() > 0)
		ATF_REQUIRE(event_loop(EVLOOP_ONCE) == 0);
}

/* A UDP port on 127.0.0.1 that is bound and never read. */
static int
silent_port(int *fd)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);

	ATF_REQUIRE((*fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ATF_REQUIRE(bind(*fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ATF_REQUIRE(getsockname(*fd, (struct sockaddr *)&sin, &sl) == 0);
	return (ntohs(sin.sin_port));
}

static void
conf_silent(struct resolver_conf *rc, int *fd)
{
	memset(rc, 0, sizeof(*rc));
	(void)snprintf(rc->upstream[0], sizeof(rc->upstream[0]),
	    "127.0.0.1@%d", silent_port(fd));
	rc->nupstream = 1;
	rc->timeout = 1;
}

ATF_TC_WITHOUT_HEAD(before_init);
ATF_TC_BODY(before_init, tc)
{
	struct answer	 a;

	memset(&a, 0, sizeof(a));
	(void)event_init();
	query("example.test", DNS_T_A, &a);
	ATF_REQUIRE_EQ(a.calls, 0);
	ATF_REQUIRE_EQ(resolver_pending(), 1);
	run();
	ATF_REQUIRE_EQ(a.calls, 1);
	ATF_REQUIRE_EQ(a.status, RESOLVER_TEMPFAIL);
}

ATF_TC_WITHOUT_HEAD(conf_errors);
ATF_TC_BODY(conf_errors, tc)
{
	struct resolver_conf	 rc;
	char			 err[256];
	int			 fd;

	(void)event_init();
	memset(&rc, 0, sizeof(rc));
	rc.nupstream = RESOLVER_UPSTREAM_MAX + 1;
	err[0] = '\0';
	ATF_REQUIRE_EQ(resolver_init(&rc, err, sizeof(err)), -1);
	ATF_REQUIRE_MSG(strstr(err, "at most") != NULL, "%s", err);

	memset(&rc, 0, sizeof(rc));
	(void)strlcpy(rc.upstream[0], "not an address",
	    sizeof(rc.upstream[0]));
	rc.nupstream = 1;
	err[0] = '\0';
	ATF_REQUIRE_EQ(resolver_init(&rc, err, sizeof(err)), -1);
	ATF_REQUIRE_MSG(strstr(err, "not an address") != NULL, "%s", err);

	/* a failed start leaves nothing behind: a good one works */
	conf_silent(&rc, &fd);
	ATF_REQUIRE_EQ(resolver_init(&rc, err, sizeof(err)), 0);
	ATF_REQUIRE_EQ(resolver_init(&rc, err, sizeof(err)), -1);
	ATF_REQUIRE_MSG(strstr(err, "twice") != NULL, "%s", err);
	run();
	(void)close(fd);
}

ATF_TC_WITHOUT_HEAD(local_and_long);
ATF_TC_BODY(local_and_long, tc)
{
	struct resolver_conf	 rc;
	struct answer		 lo, nx, nx2;
	char			 err[256], name[400];
	int			 fd;

	memset(&lo, 0, sizeof(lo));
	memset(&nx, 0, sizeof(nx));
	memset(&nx2, 0, sizeof(nx2));
	(void)event_init();
	conf_silent(&rc, &fd);
	ATF_REQUIRE_MSG(resolver_init(&rc, err, sizeof(err)) == 0, "%s", err);
	ATF_REQUIRE_EQ(resolver_pending(), 1);	/* the warm-up */
	query("localhost", DNS_T_A, &lo);
	/* 256 and 399 characters: no such name in the DNS */
	memset(name, 'a', sizeof(name));
	name[256] = '\0';
	query(name, DNS_T_A, &nx);
	name[256] = 'a';
	name[sizeof(name) - 1] = '\0';
	query(name, DNS_T_TXT, &nx2);
	ATF_REQUIRE_EQ(resolver_pending(), 4);
	ATF_REQUIRE_EQ(lo.calls + nx.calls + nx2.calls, 0);
	run();
	ATF_REQUIRE_EQ(lo.calls, 1);
	ATF_REQUIRE_EQ(lo.status, RESOLVER_OK);
	ATF_REQUIRE(lo.has_localhost);
	ATF_REQUIRE_EQ(nx.calls, 1);
	ATF_REQUIRE_EQ(nx.status, RESOLVER_NXDOMAIN);
	ATF_REQUIRE_EQ(nx2.calls, 1);
	ATF_REQUIRE_EQ(nx2.status, RESOLVER_NXDOMAIN);
	(void)close(fd);
}

ATF_TC_WITHOUT_HEAD(timeout);
ATF_TC_BODY(timeout, tc)
{
	struct resolver_conf	 rc;
	struct answer		 a, b;
	char			 err[256];
	int			 fd;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	(void)event_init();
	conf_silent(&rc, &fd);
	ATF_REQUIRE_MSG(resolver_init(&rc, err, sizeof(err)) == 0, "%s", err);
	query("nothing.example.test", DNS_T_A, &a);
	query("nothing.example.test", DNS_T_MX, &b);
	run();
	ATF_REQUIRE_EQ(a.calls, 1);
	ATF_REQUIRE_EQ(a.status, RESOLVER_TEMPFAIL);
	ATF_REQUIRE_EQ(b.calls, 1);
	ATF_REQUIRE_EQ(b.status, RESOLVER_TEMPFAIL);
	(void)close(fd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, before_init);
	ATF_TP_ADD_TC(tp, conf_errors);
	ATF_TP_ADD_TC(tp, local_and_long);
	ATF_TP_ADD_TC(tp, timeout);
	return (atf_no_error());
}
