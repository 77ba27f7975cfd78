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
 * authres_test.c -- unit tests for common/authres.c: authres_is_ours()
 * (name case, white space and comments before the authserv-id, a
 * quoted authserv-id, the id's end at ';' or CFWS, prefixes and other
 * fields that must not match, exactly len octets read); and the field
 * authres_format() writes (the HELO clause, SPF errors, header.i,
 * test keys, values that must be quoted, comments that must be escaped,
 * control characters that must not get through, lines within 78
 * columns, CRLF ends, -1 when the buffer is too small).
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

static void	 check_lines(const char *);

struct ours_case {
	const char	*field;
	int		 ours;
};

ATF_TC_WITHOUT_HEAD(is_ours);
ATF_TC_BODY(is_ours, tc)
{
	static const struct ours_case c[] = {
		{ "Authentication-Results: mx.test.org; spf=pass", 1 },
		{ "authentication-results: MX.Test.ORG; none", 1 },
		{ "AUTHENTICATION-RESULTS:mx.test.org;dkim=pass", 1 },
		{ "Authentication-Results : mx.test.org; none", 1 },
		{ "Authentication-Results: mx.test.org", 1 },
		{ "Authentication-Results: mx.test.org\r\n", 1 },
		{ "Authentication-Results:\r\n\tmx.test.org;\r\n\tspf=pass"
		    "\r\n", 1 },
		{ "Authentication-Results: (a comment) mx.test.org; none", 1 },
		{ "Authentication-Results: (nested (comment) \\) here)"
		    " mx.test.org; none", 1 },
		{ "Authentication-Results: mx.test.org (comment); none", 1 },
		{ "Authentication-Results: mx.test.org 1; none", 1 },
		{ "Authentication-Results: \"mx.test.org\"; none", 1 },
		{ "Authentication-Results: \"mx.te\\st.org\"; none", 1 },
		/* not ours */
		{ "Authentication-Results: mx.test.org.evil; none", 0 },
		{ "Authentication-Results: evil.mx.test.org; none", 0 },
		{ "Authentication-Results: mx.test.or; none", 0 },
		{ "Authentication-Results: mx.test.orgx; none", 0 },
		{ "Authentication-Results: other.org; spf=pass"
		    " smtp.mailfrom=mx.test.org", 0 },
		{ "Authentication-Results: ; mx.test.org", 0 },
		{ "Authentication-Results: (mx.test.org) other; none", 0 },
		{ "Authentication-Results: (unclosed mx.test.org", 0 },
		{ "Authentication-Results: \"mx.test.org", 0 },
		{ "Authentication-Results-Foo: mx.test.org; none", 0 },
		{ "X-Authentication-Results: mx.test.org; none", 0 },
		{ "ARC-Authentication-Results: i=1; mx.test.org; none", 0 },
		{ "Authentication-Results mx.test.org; none", 0 },
		{ "Authentication-Results: ", 0 },
		{ "Authentication-Results:", 0 },
		{ "Authentication-Result: mx.test.org", 0 },
		{ "", 0 },
	};
	static const char deep[] = "Authentication-Results: "
	    "((((((((((((((((((((x))))))))))))))))))) mx.test.org; none";
	static const char nul[] = "Authentication-Results: mx.test\0.org";
	size_t	 i;
	char	*copy;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		/* an exact-size copy: ASan sees any read past len */
		copy = malloc(strlen(c[i].field) + 1);
		ATF_REQUIRE(copy != NULL);
		memcpy(copy, c[i].field, strlen(c[i].field));
		ATF_CHECK_EQ_MSG(authres_is_ours(copy, strlen(c[i].field),
		    "mx.test.org"), c[i].ours, "%s", c[i].field);
		free(copy);
	}
	ATF_CHECK(authres_is_ours(c[0].field, strlen(c[0].field), "") == 0);
	ATF_CHECK(authres_is_ours(c[0].field, strlen(c[0].field),
	    "mx") == 0);
	/* len, not the NUL, says where it ends */
	ATF_CHECK(authres_is_ours(c[0].field, 30, "mx.test.org") == 0);
	ATF_CHECK(authres_is_ours(c[0].field, 35, "mx.test.org") == 1);
	ATF_CHECK(authres_is_ours(nul, sizeof(nul) - 1, "mx.test.org") == 0);
	/* comments nested too deep are refused */
	ATF_CHECK(authres_is_ours(deep, strlen(deep), "mx.test.org") == 0);
}

/* Every line ends in CRLF, is at most 78 columns, continues with WSP. */
static void
check_lines(const char *f)
{
	const char	*p = f, *e;
	size_t		 col;
	int		 first = 1;

	while (*p != '\0') {
		e = strstr(p, "\r\n");
		ATF_REQUIRE_MSG(e != NULL, "no CRLF: %s", p);
		ATF_CHECK_MSG(memchr(p, '\r', (size_t)(e - p)) == NULL &&
		    memchr(p, '\n', (size_t)(e - p)) == NULL, "bare CR/LF");
		if (!first)
			ATF_CHECK_MSG(*p == '\t' || *p == ' ',
			    "continuation without WSP: %s", p);
		for (col = 0; p < e; p++)
			col += *p == '\t' ? 8 - col % 8 : 1;
		ATF_CHECK_MSG(col <= 78, "line of %zu columns", col);
		p = e + 2;
		first = 0;
	}
}

ATF_TC_WITHOUT_HEAD(format);
ATF_TC_BODY(format, tc)
{
	struct spf_outcome	 spf, helo;
	struct dkim_verdict	 dv[2];
	struct dmarc_outcome	 dm;
	struct authres		 ar;
	char			 buf[AUTHRES_FIELD_MAX];
	int			 len;

	memset(&spf, 0, sizeof(spf));
	memset(&helo, 0, sizeof(helo));
	memset(dv, 0, sizeof(dv));
	memset(&dm, 0, sizeof(dm));

	/* the null sender: postmaster@helo; an SPF error with its reason */
	spf.result = SPF_PERMERROR;
	(void)strlcpy(spf.domain, "mx.sender.net", sizeof(spf.domain));
	(void)strlcpy(spf.reason, "too many DNS lookups (11)",
	    sizeof(spf.reason));
	helo.result = SPF_PASS;
	helo.identity = SPF_ID_HELO;
	(void)strlcpy(helo.domain, "mx.sender.net", sizeof(helo.domain));
	dv[0].result = DKIM_PASS;
	dv[0].alg = DKIM_ALG_ED25519_SHA256;
	(void)strlcpy(dv[0].d, "sender.net", sizeof(dv[0].d));
	(void)strlcpy(dv[0].s, "ed", sizeof(dv[0].s));
	(void)strlcpy(dv[0].i, "list@lists.sender.net", sizeof(dv[0].i));
	(void)strlcpy(dv[0].b8, "ab/+cd=e", sizeof(dv[0].b8));
	dv[0].testing = 1;
	dv[1].result = DKIM_PERMERROR;
	(void)strlcpy(dv[1].reason, "no d= tag", sizeof(dv[1].reason));
	dm.result = DMARC_PASS;
	dm.policy = DMARC_P_REJECT;
	dm.disposition = DMARC_P_NONE;
	(void)strlcpy(dm.domain, "sender.net", sizeof(dm.domain));

	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = "mx.test.org";
	ar.spf = &spf;
	ar.spf_helo = &helo;
	ar.dkim = dv;
	ar.ndkim = 2;
	ar.dmarc = &dm;
	len = authres_format(&ar, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf,
	    "Authentication-Results: mx.test.org;\r\n"
	    "\tspf=permerror (too many DNS lookups \\(11\\))\r\n"
	    "\t    smtp.mailfrom=postmaster@mx.sender.net;\r\n"
	    "\tspf=pass smtp.helo=mx.sender.net;\r\n"
	    "\tdkim=pass (test key) header.d=sender.net header.s=ed\r\n"
	    "\t    header.a=ed25519-sha256 header.b=\"ab/+cd=e\"\r\n"
	    "\t    header.i=list@lists.sender.net;\r\n"
	    "\tdkim=permerror (no d= tag);\r\n"
	    "\tdmarc=pass (p=reject dis=none) header.from=sender.net\r\n");
	ATF_CHECK_EQ(len, (int)strlen(buf));
	check_lines(buf);
	/* the same, one octet short of room, and exactly enough */
	ATF_CHECK_EQ(authres_format(&ar, buf, (size_t)len), -1);
	ATF_CHECK_STREQ(buf, "");
	ATF_CHECK_EQ(authres_format(&ar, buf, (size_t)len + 1), len);
	ATF_CHECK_EQ(authres_format(&ar, buf, 1), -1);
	ATF_CHECK_EQ(authres_format(&ar, buf, 0), -1);
}

ATF_TC_WITHOUT_HEAD(hostile_values);
ATF_TC_BODY(hostile_values, tc)
{
	struct spf_outcome	 spf;
	struct dkim_verdict	 dv;
	struct dmarc_outcome	 dm;
	struct authres		 ar;
	char			 buf[AUTHRES_FIELD_MAX];
	int			 len;

	memset(&spf, 0, sizeof(spf));
	memset(&dv, 0, sizeof(dv));
	memset(&dm, 0, sizeof(dm));
	/* a sender that is no dot-atom, with a CRLF and a header */
	spf.result = SPF_FAIL;
	(void)strlcpy(spf.sender, "\"a b\\\"\r\nX-Evil: 1\"@sender.net",
	    sizeof(spf.sender));
	(void)strlcpy(spf.domain, "sender.net", sizeof(spf.domain));
	(void)strlcpy(spf.explanation,
	    "see (http://x) \\ now\r\nX-Evil: 2", sizeof(spf.explanation));
	dv.result = DKIM_FAIL;
	dv.alg = DKIM_ALG_RSA_SHA256;
	(void)strlcpy(dv.d, "sender.net;x=y", sizeof(dv.d));
	(void)strlcpy(dv.s, "s\r\nX-Evil: 3", sizeof(dv.s));
	(void)strlcpy(dv.reason, "bad)\r\n X-Evil: 4 (", sizeof(dv.reason));
	dm.result = DMARC_FAIL;
	dm.policy = DMARC_P_QUARANTINE;
	dm.disposition = DMARC_P_QUARANTINE;
	(void)strlcpy(dm.domain, "sender.net", sizeof(dm.domain));

	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = "mx.test.org";
	ar.spf = &spf;
	ar.dkim = &dv;
	ar.ndkim = 1;
	ar.dmarc = &dm;
	len = authres_format(&ar, buf, sizeof(buf));
	ATF_REQUIRE(len > 0);
	check_lines(buf);
	ATF_CHECK(strstr(buf, "\r\nX-Evil") == NULL);
	ATF_CHECK_STREQ(buf,
	    "Authentication-Results: mx.test.org;\r\n"
	    "\tspf=fail (see \\(http://x\\) \\\\ now X-Evil: 2)\r\n"
	    "\t    smtp.mailfrom=\"\\\"a b\\\\\\\"??X-Evil: 1\\\"@sender.net\";"
	    "\r\n"
	    "\tdkim=fail (bad\\) X-Evil: 4 \\() header.d=\"sender.net;x=y\""
	    "\r\n"
	    "\t    header.s=\"s??X-Evil: 3\" header.a=rsa-sha256;\r\n"
	    "\tdmarc=fail (p=quarantine dis=quarantine) header.from=sender.net"
	    "\r\n");
	/* no SPF, no DKIM: dkim=none; the id quoted if it must be */
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = "my host";
	len = authres_format(&ar, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf,
	    "Authentication-Results: \"my host\";\r\n\tdkim=none\r\n");
	ATF_CHECK(authres_is_ours(buf, (size_t)len, "my host") == 1);
}

ATF_TC_WITHOUT_HEAD(many_signatures);
ATF_TC_BODY(many_signatures, tc)
{
	struct dkim_verdict	 dv[DKIM_SIG_MAX];
	struct authres		 ar;
	char			 buf[AUTHRES_FIELD_MAX];
	size_t			 i;
	int			 len;

	memset(dv, 0, sizeof(dv));
	for (i = 0; i < DKIM_SIG_MAX; i++) {
		dv[i].result = DKIM_FAIL;
		dv[i].alg = DKIM_ALG_RSA_SHA256;
		memset(dv[i].d, 'd', sizeof(dv[i].d) - 1);
		memset(dv[i].s, 's', sizeof(dv[i].s) - 1);
		memset(dv[i].i, 'i', sizeof(dv[i].i) - 1);
		memset(dv[i].reason, 'r', sizeof(dv[i].reason) - 1);
		(void)strlcpy(dv[i].b8, "AAAAAAAA", sizeof(dv[i].b8));
	}
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = "mx.test.org";
	ar.dkim = dv;
	ar.ndkim = DKIM_SIG_MAX;
	/* over AUTHRES_FIELD_MAX: refused, whatever the buffer */
	ATF_CHECK_EQ(authres_format(&ar, buf, sizeof(buf)), -1);
	ar.ndkim = 1;
	len = authres_format(&ar, buf, sizeof(buf));
	ATF_CHECK(len > 0 && len <= AUTHRES_FIELD_MAX);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, is_ours);
	ATF_TP_ADD_TC(tp, format);
	ATF_TP_ADD_TC(tp, hostile_values);
	ATF_TP_ADD_TC(tp, many_signatures);
	return (atf_no_error());
}
