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
 * psl_test.c -- unit tests for common/psl.c: the organisational domain
 * (RFC 7489 3.2) with Debian's real public suffix list (rules, wildcard
 * and exception rules, IDN rules in UTF-8 and punycode, a suffix
 * itself), with a small list of our own (every rule kind, comments,
 * white space), without a list (the default rule "*"), and names that
 * are not names (empty labels, too long, too small a buffer).
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc.h"

struct org_case {
	const char	*name;
	const char	*org;		/* NULL: -1 */
};

static void	 check_cases(const struct org_case *, size_t);
static void	 write_list(const char *, const char *);

static void
check_cases(const struct org_case *c, size_t n)
{
	char	 out[DMARC_DOMAIN_MAX];
	size_t	 i;
	int	 rv;

	for (i = 0; i < n; i++) {
		memset(out, 'x', sizeof(out));
		rv = psl_org_domain(c[i].name, out, sizeof(out));
		if (c[i].org == NULL) {
			ATF_CHECK_MSG(rv == -1, "%s: %d \"%s\", want -1",
			    c[i].name, rv, rv == 0 ? out : "");
			continue;
		}
		ATF_CHECK_MSG(rv == 0 && strcmp(out, c[i].org) == 0,
		    "%s: %d \"%s\", want \"%s\"", c[i].name, rv,
		    rv == 0 ? out : "", c[i].org);
	}
}

static void
write_list(const char *path, const char *text)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
}

ATF_TC_WITHOUT_HEAD(debian_list);
ATF_TC_BODY(debian_list, tc)
{
	static const struct org_case cases[] = {
		{ "example.com", "example.com" },
		{ "a.b.example.com", "example.com" },
		{ "MAIL.Example.COM", "example.com" },
		{ "mail.example.com.", "example.com" },
		{ "example.co.uk", "example.co.uk" },
		{ "www.example.co.uk", "example.co.uk" },
		{ "co.uk", "co.uk" },		/* a suffix itself */
		{ "uk", "uk" },
		{ "com", "com" },
		/* *.ck and !www.ck */
		{ "www.ck", "www.ck" },
		{ "a.www.ck", "www.ck" },
		{ "foo.ck", "foo.ck" },		/* a suffix (*.ck) */
		{ "bar.foo.ck", "bar.foo.ck" },
		{ "x.bar.foo.ck", "bar.foo.ck" },
		/* *.kawasaki.jp and !city.kawasaki.jp */
		{ "a.b.kawasaki.jp", "a.b.kawasaki.jp" },
		{ "city.kawasaki.jp", "city.kawasaki.jp" },
		{ "www.city.kawasaki.jp", "city.kawasaki.jp" },
		{ "example.jp", "example.jp" },
		{ "a.example.tokyo.jp", "example.tokyo.jp" },
		/* the private section */
		{ "foo.blogspot.com", "foo.blogspot.com" },
		{ "a.foo.blogspot.com", "foo.blogspot.com" },
		/* IDN: UTF-8 and punycode of 公司.cn */
		{ "example.\xe5\x85\xac\xe5\x8f\xb8.cn",
		    "example.\xe5\x85\xac\xe5\x8f\xb8.cn" },
		{ "www.example.xn--55qx5d.cn", "example.xn--55qx5d.cn" },
		/* unlisted TLD: the default rule "*" */
		{ "a.b.example.invalidtld", "example.invalidtld" },
		{ "invalidtld", "invalidtld" },
		/* not names */
		{ "", NULL },
		{ ".", NULL },
		{ "a..example.com", NULL },
		{ ".example.com", NULL },
		{ "example.com..", NULL },
		{ "www.example.co.uk..", NULL },
		{ "..", NULL },
	};

	ATF_REQUIRE_MSG(psl_load(DMARC_PSL_PATH) == 0, "%s", DMARC_PSL_PATH);
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

ATF_TC_WITHOUT_HEAD(own_list);
ATF_TC_BODY(own_list, tc)
{
	static const struct org_case cases[] = {
		{ "x.y.test", "y.test" },
		{ "a.b.sub.test", "b.sub.test" },
		{ "b.sub.test", "b.sub.test" },
		{ "c.b.wild.test", "c.b.wild.test" },
		{ "d.c.b.wild.test", "d.c.b.wild.test" },
		{ "e.d.c.b.wild.test", "d.c.b.wild.test" },
		{ "b.wild.test", "wild.test" },
		{ "x.keep.b.wild.test", "keep.b.wild.test" },
		{ "keep.b.wild.test", "keep.b.wild.test" },
		{ "q.mixed.test", "q.mixed.test" },
		{ "r.q.mixed.test", "q.mixed.test" },
		{ "comment.test", "comment.test" },
		{ "a.comment.test", "comment.test" },
		{ "z.after.test", "z.after.test" },
	};
	char	 path[] = "psl_own.dat";

	write_list(path,
	    "// a comment\n"
	    "test\n"
	    "\n"
	    "sub.test  trailing words are ignored\n"
	    "*.b.wild.test\n"
	    "!keep.b.wild.test\n"
	    "  MIXED.Test\r\n"
	    "// comment.test\n"
	    "after.test.\n");
	ATF_REQUIRE(psl_load(path) == 0);
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	(void)unlink(path);
}

ATF_TC_WITHOUT_HEAD(no_list);
ATF_TC_BODY(no_list, tc)
{
	static const struct org_case cases[] = {
		{ "a.b.example.co.uk", "co.uk" },
		{ "example.com", "example.com" },
		{ "com", "com" },
	};
	char	 path[] = "psl_empty.dat";

	ATF_CHECK(psl_load("/nonexistent/psl.dat") == -1);
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	write_list(path, "// nothing\n\n");
	ATF_CHECK(psl_load(path) == -1);
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	(void)unlink(path);
}

ATF_TC_WITHOUT_HEAD(bounds);
ATF_TC_BODY(bounds, tc)
{
	char	 name[600], out[DMARC_DOMAIN_MAX], small[8];
	size_t	 i;

	ATF_REQUIRE(psl_load(DMARC_PSL_PATH) == 0);
	/* a label of 64 octets */
	memset(name, 'a', 64);
	(void)strlcpy(name + 64, ".example.com", sizeof(name) - 64);
	ATF_CHECK(psl_org_domain(name, out, sizeof(out)) == -1);
	/* of 63: fine */
	ATF_CHECK(psl_org_domain(name + 1, out, sizeof(out)) == 0);
	ATF_CHECK_STREQ(out, "example.com");
	/* 253 octets fine, 254 not */
	for (i = 0; i < 250; i += 2)
		memcpy(name + i, "a.", 2);
	memcpy(name + 250, "com", 4);
	ATF_REQUIRE(strlen(name) == 253);
	ATF_CHECK(psl_org_domain(name, out, sizeof(out)) == 0);
	ATF_CHECK_STREQ(out, "a.com");
	memmove(name + 1, name, 254);
	name[0] = 'b';
	ATF_CHECK(psl_org_domain(name, out, sizeof(out)) == -1);
	/* 600 octets, no NUL for 256 of them */
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ATF_CHECK(psl_org_domain(name, out, sizeof(out)) == -1);
	/* the caller's buffer too small */
	ATF_CHECK(psl_org_domain("www.example.com", small,
	    sizeof(small)) == -1);
	ATF_CHECK(psl_org_domain("www.ex.com", small, sizeof(small)) == 0);
	ATF_CHECK_STREQ(small, "ex.com");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, debian_list);
	ATF_TP_ADD_TC(tp, own_list);
	ATF_TP_ADD_TC(tp, no_list);
	ATF_TP_ADD_TC(tp, bounds);
	return (atf_no_error());
}
