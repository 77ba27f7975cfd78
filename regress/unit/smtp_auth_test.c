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
 * smtp_auth_test.c -- unit tests for the smtp side of AUTH: the AUTH
 * argument parser and the text logged for an AUTH line (never the
 * credentials, whatever the line holds), and smtp/smtp_auth_limit.c
 * (delays, refusal after AUTH_FAIL_MAX failures, expiry, the key of a
 * client, the bound on the table).  No clock: time is passed in.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "smtpd.h"
#include "smtp_session.h"
#include "smtp_auth.h"

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

ATF_TC_WITHOUT_HEAD(parse_auth);
ATF_TC_BODY(parse_auth, tc)
{
	static const struct {
		const char	*arg;
		int		 r;
		const char	*mech;
		const char	*initial;
	} cases[] = {
		{ "PLAIN", CMD_OK, "PLAIN", NULL },
		{ "PLAIN AGFAYg==", CMD_OK, "PLAIN", "AGFAYg==" },
		{ "LOGIN  YWxpY2U=", CMD_OK, "LOGIN", "YWxpY2U=" },
		{ "PLAIN =", CMD_OK, "PLAIN", "=" },
		{ "PLAIN\tx", CMD_OK, "PLAIN", "x" },
		{ "PLAIN a b", CMD_SYNTAX, NULL, NULL },
		{ "", CMD_SYNTAX, NULL, NULL },
		{ " PLAIN", CMD_SYNTAX, NULL, NULL },
	};
	char	 buf[64], *mech, *initial;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)strlcpy(buf, cases[i].arg, sizeof(buf));
		ATF_CHECK_EQ_MSG(smtp_parse_auth(buf, &mech, &initial),
		    cases[i].r, "\"%s\"", cases[i].arg);
		if (cases[i].r != CMD_OK)
			continue;
		ATF_CHECK_STREQ(mech, cases[i].mech);
		if (cases[i].initial == NULL)
			ATF_CHECK(initial == NULL);
		else
			ATF_CHECK_STREQ(initial, cases[i].initial);
	}
}

ATF_TC_WITHOUT_HEAD(cmdtext);
ATF_TC_BODY(cmdtext, tc)
{
	static const struct {
		const char	*line;
		size_t		 len;
		int		 isauth;
		const char	*text;
	} cases[] = {
		{ "AUTH PLAIN AGFsaWNlAHNlY3JldA==", 0, 1, "AUTH PLAIN" },
		{ "auth login YWxpY2U=", 0, 1, "AUTH LOGIN" },
		{ "AUTH PLAIN", 0, 1, "AUTH PLAIN" },
		{ "AUTH", 0, 1, "AUTH" },
		{ "AUTH    ", 0, 1, "AUTH" },
		{ "AUTH  CRAM-MD5 x", 0, 1, "AUTH CRAM-MD5" },
		{ "AUTH\tPLAIN secret", 0, 1, "AUTH" },
		{ "AUTH\0PLAIN secret", 17, 1, "AUTH" },
		{ "AUTH s3cr=t! x", 0, 1, "AUTH" },
		{ "AUTH AVERYLONGMECHANISMNAMEXXXXXX x", 0, 1, "AUTH" },
		{ "AUTHX PLAIN", 0, 0, NULL },
		{ "AUT", 0, 0, NULL },
		{ "MAIL FROM:<a@b>", 0, 0, NULL },
		{ "", 0, 0, NULL },
	};
	char	 text[128];
	size_t	 i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].line);
		(void)strlcpy(text, "unchanged", sizeof(text));
		ATF_CHECK_EQ_MSG(smtp_parse_auth_cmdtext(text, sizeof(text),
		    cases[i].line, len), cases[i].isauth, "case %zu", i);
		if (cases[i].isauth)
			ATF_CHECK_STREQ_MSG(text, cases[i].text, "case %zu", i);
		else
			ATF_CHECK_STREQ(text, "unchanged");
	}
	/* a short buffer: the verb only */
	ATF_CHECK_EQ(smtp_parse_auth_cmdtext(text, 8, "AUTH PLAIN x", 12), 1);
	ATF_CHECK_STREQ(text, "AUTH");
}

ATF_TC_WITHOUT_HEAD(limit_delays);
ATF_TC_BODY(limit_delays, tc)
{
	struct sockaddr_storage	 a = addr("192.0.2.1");
	unsigned int		 want[] = { 1, 2, 4, 4, 4 };
	size_t			 i;

	smtp_auth_limit_clear();
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ATF_CHECK(!smtp_auth_limit_refused(&a, 0, 100));
		ATF_CHECK_EQ(smtp_auth_limit_failure(&a, 0, 100), want[i]);
	}
	for (; i < AUTH_FAIL_MAX; i++) {
		ATF_CHECK(!smtp_auth_limit_refused(&a, 0, 100 + i));
		ATF_CHECK(smtp_auth_limit_failure(&a, 0, 100 + i) <=
		    AUTH_DELAY_MAX);
	}
	/* refused until AUTH_FAIL_WINDOW after the last failure */
	ATF_CHECK(smtp_auth_limit_refused(&a, 0, 100 + i));
	ATF_CHECK(smtp_auth_limit_refused(&a, 0, 100 + i - 1 +
	    AUTH_FAIL_WINDOW));
	ATF_CHECK(!smtp_auth_limit_refused(&a, 0, 100 + i + AUTH_FAIL_WINDOW));
	/* and the count starts again */
	ATF_CHECK_EQ(smtp_auth_limit_failure(&a, 0, 2000), 1);
	ATF_CHECK_EQ(smtp_auth_limit_count(), 1);
	smtp_auth_limit_clear();
	ATF_CHECK_EQ(smtp_auth_limit_count(), 0);
}

ATF_TC_WITHOUT_HEAD(limit_keys);
ATF_TC_BODY(limit_keys, tc)
{
	struct sockaddr_storage	 v4 = addr("192.0.2.1"), v4b = addr("192.0.2.2");
	struct sockaddr_storage	 mapped = addr("::ffff:192.0.2.1");
	struct sockaddr_storage	 v6 = addr("2001:db8:1:2::1");
	struct sockaddr_storage	 v6same = addr("2001:db8:1:2:ffff::9");
	struct sockaddr_storage	 v6other = addr("2001:db8:1:3::1");
	struct sockaddr_storage	 local = addr(NULL);
	int			 i;

	smtp_auth_limit_clear();
	for (i = 0; i < AUTH_FAIL_MAX; i++) {
		(void)smtp_auth_limit_failure(&v4, 0, 10);
		(void)smtp_auth_limit_failure(&v6, 0, 10);
		(void)smtp_auth_limit_failure(&local, 1000, 10);
	}
	ATF_CHECK(smtp_auth_limit_refused(&v4, 0, 11));
	ATF_CHECK(smtp_auth_limit_refused(&mapped, 0, 11));
	ATF_CHECK(!smtp_auth_limit_refused(&v4b, 0, 11));
	/* IPv6: the /64 */
	ATF_CHECK(smtp_auth_limit_refused(&v6same, 0, 11));
	ATF_CHECK(!smtp_auth_limit_refused(&v6other, 0, 11));
	/* the local socket: by uid */
	ATF_CHECK(smtp_auth_limit_refused(&local, 1000, 11));
	ATF_CHECK(!smtp_auth_limit_refused(&local, 1001, 11));
	ATF_CHECK_EQ(smtp_auth_limit_count(), 3);
	smtp_auth_limit_clear();
}

ATF_TC_WITHOUT_HEAD(limit_bounded);
ATF_TC_BODY(limit_bounded, tc)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	uint32_t		 i;

	smtp_auth_limit_clear();
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_INET;
	for (i = 0; i < AUTH_FAIL_TABLE_MAX + 100; i++) {
		sin->sin_addr.s_addr = htonl(0x0a000000 + i);
		(void)smtp_auth_limit_failure(&ss, 0, 5);
		ATF_REQUIRE(smtp_auth_limit_count() <= AUTH_FAIL_TABLE_MAX);
	}
	ATF_CHECK_EQ(smtp_auth_limit_count(), AUTH_FAIL_TABLE_MAX);
	smtp_auth_limit_clear();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_auth);
	ATF_TP_ADD_TC(tp, cmdtext);
	ATF_TP_ADD_TC(tp, limit_delays);
	ATF_TP_ADD_TC(tp, limit_keys);
	ATF_TP_ADD_TC(tp, limit_bounded);
	return (atf_no_error());
}
