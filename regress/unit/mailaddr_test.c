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
 * mailaddr_test.c -- unit tests for smtpd/mailaddr.c.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "smtpd.h"

static const struct addr_case {
	const char	*in;
	int		 utf8;
	int		 result;
	const char	*user;
	const char	*domain;
} addr_cases[] = {
	{ "bob@example.org", 0, 0, "bob", "example.org" },
	{ "<bob@example.org>", 0, 0, "bob", "example.org" },
	{ "Bob.Smith@Example.ORG", 0, 0, "Bob.Smith", "example.org" },
	{ "", 0, 0, "", "" },
	{ "<>", 0, 0, "", "" },
	{ "postmaster", 0, 0, "postmaster", "" },
	{ "\"john doe\"@example.org", 0, 0, "\"john doe\"", "example.org" },
	{ "\"a@b\"@example.org", 0, 0, "\"a@b\"", "example.org" },
	{ "\"a\\\"b\"@example.org", 0, 0, "\"a\\\"b\"", "example.org" },
	{ "\"unterminated@example.org", 0, -1, NULL, NULL },
	{ "@r1.example,@r2.example:bob@example.org", 0, 0, "bob",
	    "example.org" },
	{ "@r1.example:", 0, -1, NULL, NULL },
	{ "@example.org", 0, -1, NULL, NULL },
	{ "bob@", 0, -1, NULL, NULL },
	{ "bob@example.org.", 0, -1, NULL, NULL },
	{ "bob.@example.org", 0, -1, NULL, NULL },
	{ ".bob@example.org", 0, -1, NULL, NULL },
	{ "b..ob@example.org", 0, -1, NULL, NULL },
	{ "bob@exa..mple.org", 0, -1, NULL, NULL },
	{ "bob@-example.org", 0, -1, NULL, NULL },
	{ "bob smith@example.org", 0, -1, NULL, NULL },
	{ "bob@[1.2.3.4]", 0, 0, "bob", "[1.2.3.4]" },
	{ "bob@[IPv6:::1]", 0, 0, "bob", "[ipv6:::1]" },
	{ "bob@[1.2.3.999]", 0, -1, NULL, NULL },
	{ "bob@[example.org]", 0, -1, NULL, NULL },
	{ "j\xc3\xb6rg@example.org", 0, -1, NULL, NULL },
	{ "j\xc3\xb6rg@example.org", 1, 0, "j\xc3\xb6rg", "example.org" },
	{ "bob@b\xc3\xbc" "cher.example", 0, -1, NULL, NULL },
	{ "bob@b\xc3\xbc" "cher.example", 1, 0, "bob",
	    "b\xc3\xbc" "cher.example" },
	{ "a@b@c.example", 0, -1, NULL, NULL },
};

/* UTF-8 well-formedness (RFC 3629), C1 controls refused. */
static const struct utf8_case {
	const char	*in;
	int		 valid;
} utf8_cases[] = {
	{ "plain", 1 },
	{ "j\xc3\xb6rg", 1 },				/* U+00F6 */
	{ "\xe2\x82\xac", 1 },				/* U+20AC */
	{ "\xf0\x9f\x93\xa7", 1 },			/* U+1F4E7 */
	{ "\xf4\x8f\xbf\xbf", 1 },			/* U+10FFFF */
	{ "\xc2\xa0", 1 },				/* U+00A0 */
	{ "\xc0\xaf", 0 },				/* overlong '/' */
	{ "\xc1\xbf", 0 },				/* overlong */
	{ "\xe0\x80\xaf", 0 },				/* overlong */
	{ "\xf0\x80\x80\xaf", 0 },			/* overlong */
	{ "\xed\xa0\x80", 0 },				/* U+D800 */
	{ "\xed\xbf\xbf", 0 },				/* U+DFFF */
	{ "\xf4\x90\x80\x80", 0 },			/* U+110000 */
	{ "\xf8\x88\x80\x80\x80", 0 },		/* 5 bytes */
	{ "\xff", 0 },
	{ "\x80", 0 },					/* lone continuation */
	{ "a\xc3", 0 },					/* truncated */
	{ "\xe2\x82", 0 },				/* truncated */
	{ "\xe2\x82x", 0 },				/* bad continuation */
	{ "\xc2\x80", 0 },				/* U+0080, C1 */
	{ "\xc2\x9f", 0 },				/* U+009F, C1 */
};

ATF_TC_WITHOUT_HEAD(utf8_table);
ATF_TC_BODY(utf8_table, tc)
{
	struct mailaddr	 ma;
	char		 addr[64];
	size_t		 i;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		ATF_CHECK_EQ_MSG(mailaddr_utf8_valid(utf8_cases[i].in),
		    utf8_cases[i].valid, "case %zu", i);
		/* in the local part and in the domain */
		(void)snprintf(addr, sizeof(addr), "%s@example.org",
		    utf8_cases[i].in);
		ATF_CHECK_EQ_MSG(mailaddr_parse(&ma, addr, 1),
		    utf8_cases[i].valid ? 0 : -1, "local part, case %zu", i);
		(void)snprintf(addr, sizeof(addr), "bob@x%s.example",
		    utf8_cases[i].in);
		ATF_CHECK_EQ_MSG(mailaddr_parse(&ma, addr, 1),
		    utf8_cases[i].valid ? 0 : -1, "domain, case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(parse_table);
ATF_TC_BODY(parse_table, tc)
{
	struct mailaddr	 ma;
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		r = mailaddr_parse(&ma, addr_cases[i].in, addr_cases[i].utf8);
		ATF_CHECK_EQ_MSG(r, addr_cases[i].result, "\"%s\" utf8=%d: %d",
		    addr_cases[i].in, addr_cases[i].utf8, r);
		if (r != 0 || addr_cases[i].user == NULL)
			continue;
		ATF_CHECK_STREQ(ma.user, addr_cases[i].user);
		ATF_CHECK_STREQ(ma.domain, addr_cases[i].domain);
	}
}

ATF_TC_WITHOUT_HEAD(too_long);
ATF_TC_BODY(too_long, tc)
{
	struct mailaddr	 ma;
	char		 buf[600];

	/* local part: 64 octets is the limit */
	memset(buf, 'a', 64);
	(void)strlcpy(buf + 64, "@example.org", sizeof(buf) - 64);
	ATF_CHECK_EQ(mailaddr_parse(&ma, buf, 0), 0);
	memset(buf, 'a', 65);
	(void)strlcpy(buf + 65, "@example.org", sizeof(buf) - 65);
	ATF_CHECK_EQ(mailaddr_parse(&ma, buf, 0), -1);

	/* a path is at most 256 octets with its brackets */
	memset(buf, 'b', sizeof(buf));
	buf[0] = 'x';
	buf[1] = '@';
	buf[2 + 60] = '.';
	buf[2 + 121] = '.';
	buf[2 + 182] = '.';
	buf[254] = '\0';
	ATF_CHECK_EQ(mailaddr_parse(&ma, buf, 0), 0);
	buf[254] = 'c';
	buf[255] = '\0';
	ATF_CHECK_EQ(mailaddr_parse(&ma, buf, 0), -1);
	memset(buf, 'c', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	ATF_CHECK_EQ(mailaddr_parse(&ma, buf, 0), -1);
}

ATF_TC_WITHOUT_HEAD(text);
ATF_TC_BODY(text, tc)
{
	struct mailaddr	 ma;
	char		 buf[MAILADDR_MAX];

	ATF_REQUIRE_EQ(mailaddr_parse(&ma, "<Bob@EXAMPLE.org>", 0), 0);
	ATF_REQUIRE_EQ(mailaddr_text(&ma, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "Bob@example.org");
	ATF_CHECK_EQ(mailaddr_text(&ma, buf, 5), -1);
	ATF_REQUIRE_EQ(mailaddr_parse(&ma, "postmaster", 0), 0);
	ATF_REQUIRE_EQ(mailaddr_text(&ma, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "postmaster");
	ATF_REQUIRE_EQ(mailaddr_parse(&ma, "<>", 0), 0);
	ATF_REQUIRE_EQ(mailaddr_text(&ma, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_table);
	ATF_TP_ADD_TC(tp, utf8_table);
	ATF_TP_ADD_TC(tp, too_long);
	ATF_TP_ADD_TC(tp, text);
	return (atf_no_error());
}
