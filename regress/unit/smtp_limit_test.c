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
 * smtp_limit_test.c -- unit tests for smtp/smtp_limit.c: local and TCP
 * sessions are counted apart, and one client address has a cap.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <string.h>

#include "smtpd.h"
#include "smtp_session.h"

static struct smtpd_config	cfg;

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (text == NULL)
		ss.ss_family = AF_UNIX;
	else if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		atf_tc_fail("bad address %s", text);
	return (ss);
}

static void
limits(size_t tcp, size_t local, size_t peraddr)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_sessions = tcp;
	cfg.max_sessions_local = local;
	cfg.max_sessions_addr = peraddr;
	env = &cfg;
}

/* TCP clients holding every slot do not take the local ones. */
ATF_TC_WITHOUT_HEAD(local_apart);
ATF_TC_BODY(local_apart, tc)
{
	struct sockaddr_storage	 a = addr("192.0.2.1");
	struct sockaddr_storage	 b = addr("192.0.2.2");
	struct sockaddr_storage	 l = addr(NULL);

	limits(2, 1, 10);
	ATF_CHECK(smtp_limit_admit(&a) == NULL);
	ATF_CHECK(smtp_limit_admit(&b) == NULL);
	ATF_CHECK_MATCH("^421 4\\.3\\.2 ", smtp_limit_admit(&a));
	ATF_CHECK(smtp_limit_admit(&l) == NULL);	/* TCP is full */
	ATF_CHECK_MATCH("^421 4\\.3\\.2 ", smtp_limit_admit(&l));
	smtp_limit_release(&l);
	ATF_CHECK(smtp_limit_admit(&l) == NULL);
	smtp_limit_release(&l);
	smtp_limit_release(&a);
	ATF_CHECK(smtp_limit_admit(&a) == NULL);
	smtp_limit_release(&a);
	smtp_limit_release(&b);
}

/* One address has a cap; another, and a freed slot, get in. */
ATF_TC_WITHOUT_HEAD(per_address);
ATF_TC_BODY(per_address, tc)
{
	struct sockaddr_storage	 a = addr("127.0.0.1");
	struct sockaddr_storage	 b = addr("127.0.0.2");
	struct sockaddr_storage	 m = addr("::ffff:127.0.0.1");
	struct sockaddr_storage	 v6 = addr("2001:db8::1");
	int			 i;

	limits(100, 1, 3);
	for (i = 0; i < 3; i++)
		ATF_CHECK(smtp_limit_admit(i == 1 ? &m : &a) == NULL);
	/* v4-mapped counts as the IPv4 address */
	ATF_CHECK_MATCH("^421 4\\.7\\.0 ", smtp_limit_admit(&a));
	ATF_CHECK_MATCH("^421 4\\.7\\.0 ", smtp_limit_admit(&m));
	ATF_CHECK(smtp_limit_admit(&b) == NULL);
	ATF_CHECK(smtp_limit_admit(&v6) == NULL);
	smtp_limit_release(&m);
	ATF_CHECK(smtp_limit_admit(&a) == NULL);
	for (i = 0; i < 3; i++)
		smtp_limit_release(&a);
	smtp_limit_release(&b);
	smtp_limit_release(&v6);
	/* all released: the counts start again from zero */
	for (i = 0; i < 3; i++)
		ATF_CHECK(smtp_limit_admit(&a) == NULL);
	ATF_CHECK_MATCH("^421 4\\.7\\.0 ", smtp_limit_admit(&a));
	for (i = 0; i < 3; i++)
		smtp_limit_release(&a);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, local_apart);
	ATF_TP_ADD_TC(tp, per_address);
	return (atf_no_error());
}
