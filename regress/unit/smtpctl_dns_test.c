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
 * smtpctl_dns_test.c -- unit tests for smtpctl dns and dkim keygen's
 * pieces that need no DNS: host name validation, TXT records in
 * zone-file form (strings of at most 255 bytes that join back to the
 * text), reverse names, printable output of DNS text, SPF and DMARC
 * record selection, and the judgement of a published DKIM key record.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "smtpctl/ctl_resolver.c"
#include "smtpctl/dns.c"
#include "smtpctl/dns_check.c"
#include "smtpctl/dns_zone.c"

/* The quoted strings of a zone-file TXT line, joined; each <= 255. */
static void
strings_join(const char *zone, char *out, size_t size, size_t *nstr)
{
	const char	*p = zone, *q;
	size_t		 o = 0;

	*nstr = 0;
	while ((p = strchr(p, '"')) != NULL) {
		q = strchr(p + 1, '"');
		ATF_REQUIRE(q != NULL);
		ATF_REQUIRE_MSG((size_t)(q - p - 1) <= 255, "string of %zu",
		    (size_t)(q - p - 1));
		ATF_REQUIRE(o + (size_t)(q - p - 1) < size);
		memcpy(out + o, p + 1, (size_t)(q - p - 1));
		o += (size_t)(q - p - 1);
		(*nstr)++;
		p = q + 1;
	}
	out[o] = '\0';
}

static char *
zone_of(const char *owner, const char *txt)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	ATF_REQUIRE((fp = open_memstream(&buf, &len)) != NULL);
	dns_zone_txt(fp, owner, txt);
	ATF_REQUIRE(fclose(fp) == 0);
	return (buf);
}

ATF_TC_WITHOUT_HEAD(name_valid);
ATF_TC_BODY(name_valid, tc)
{
	static const char *const good[] = { "example.test", "a", "s2026",
	    "a-b.c-d.e", "xn--bcher-kva.example", "2026.example" };
	static const char *const bad[] = { "", "-a", "a-", "a..b", ".a",
	    "a.", "a/b", "../etc", "a_b", "a b", "caf\xc3\xa9.example",
	    "a.-b", "a-.b" };
	char	 name[300];
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ATF_CHECK_MSG(dns_name_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(!dns_name_valid(bad[i]), "%s", bad[i]);
	/* a label of 63 is fine, 64 is not */
	memset(name, 'a', 64);
	name[63] = '\0';
	ATF_CHECK(dns_name_valid(name));
	name[63] = 'a';
	name[64] = '\0';
	ATF_CHECK(!dns_name_valid(name));
	/* 253 characters in all, not 255 */
	for (i = 0; i < 254; i++)
		name[i] = i % 2 == 1 ? '.' : 'a';
	name[253] = '\0';
	ATF_CHECK(dns_name_valid(name));
	name[253] = '.';
	name[254] = 'a';
	name[255] = '\0';
	ATF_CHECK(!dns_name_valid(name));
}

ATF_TC_WITHOUT_HEAD(zone_txt);
ATF_TC_BODY(zone_txt, tc)
{
	char	 txt[1200], joined[1300];
	char	*z;
	size_t	 i, n;

	z = zone_of("example.test", "v=spf1 mx -all");
	ATF_CHECK_STREQ(z, "example.test.\tIN TXT\t\"v=spf1 mx -all\"\n");
	free(z);

	/* a DKIM RSA-2048 record: the tags, then p= in pieces */
	(void)strlcpy(txt, "v=DKIM1; k=rsa; p=", sizeof(txt));
	for (i = strlen(txt); i < 410; i++)
		txt[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 26];
	txt[410] = '\0';
	z = zone_of("s1._domainkey.example.test", txt);
	ATF_CHECK_MSG(strncmp(z, "s1._domainkey.example.test.\tIN TXT\t( "
	    "\"v=DKIM1; k=rsa; \"\n\t\"p=", 59) == 0, "%s", z);
	ATF_CHECK(z[strlen(z) - 2] == ')');
	strings_join(z, joined, sizeof(joined), &n);
	ATF_CHECK_STREQ(joined, txt);
	ATF_CHECK_EQ(n, 3);
	free(z);

	/* no p=: cut every 255 bytes; a quote and a backslash escaped */
	memset(txt, 'x', 1000);
	txt[1000] = '\0';
	z = zone_of("long.test", txt);
	strings_join(z, joined, sizeof(joined), &n);
	ATF_CHECK_STREQ(joined, txt);
	ATF_CHECK_EQ(n, 4);
	free(z);
	z = zone_of("q.test", "a\"b\\c");
	ATF_CHECK_STREQ(z, "q.test.\tIN TXT\t\"a\\\"b\\\\c\"\n");
	free(z);
}

ATF_TC_WITHOUT_HEAD(reverse);
ATF_TC_BODY(reverse, tc)
{
	char	 rev[128];

	ATF_REQUIRE(dnsc_reverse("198.18.0.25", rev, sizeof(rev)) == 0);
	ATF_CHECK_STREQ(rev, "25.0.18.198.in-addr.arpa");
	ATF_REQUIRE(dnsc_reverse("2001:db8::567:89ab", rev,
	    sizeof(rev)) == 0);
	ATF_CHECK_STREQ(rev, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.8.b.d.0.1.0.0.2.ip6.arpa");
	ATF_CHECK(dnsc_reverse("mx.example.test", rev, sizeof(rev)) == -1);
	ATF_CHECK(dnsc_reverse("1.2.3.4", rev, 10) == -1);
	ATF_CHECK(dnsc_reverse("::1", rev, 40) == -1);
}

ATF_TC_WITHOUT_HEAD(safe);
ATF_TC_BODY(safe, tc)
{
	char	 out[16];

	dnsc_safe(out, sizeof(out), "a\x1b[2Jb\n\xff", 8);
	ATF_CHECK_STREQ(out, "a\\027[2Jb\\010");
	/* cut to fit, never half an escape */
	dnsc_safe(out, 6, "ab\x01" "cd", 5);
	ATF_CHECK_STREQ(out, "ab");
	dnsc_safe(out, sizeof(out), "x\0y", 3);
	ATF_CHECK_STREQ(out, "x\\000y");
}

ATF_TC_WITHOUT_HEAD(select_records);
ATF_TC_BODY(select_records, tc)
{
	ATF_CHECK(is_spf("v=spf1"));
	ATF_CHECK(is_spf("v=spf1 mx -all"));
	ATF_CHECK(is_spf("V=SPF1 -all"));
	ATF_CHECK(!is_spf("v=spf10 -all"));
	ATF_CHECK(!is_spf("spf1"));
	ATF_CHECK(!is_spf(" v=spf1"));
	ATF_CHECK(is_dmarc("v=DMARC1; p=none"));
	ATF_CHECK(is_dmarc("v = DMARC1;p=none"));
	ATF_CHECK(is_dmarc("v=DMARC1"));
	ATF_CHECK(!is_dmarc("v=DMARC10; p=none"));
	ATF_CHECK(!is_dmarc("p=none; v=DMARC1"));
	ATF_CHECK(!is_dmarc("v=spf1 -all"));
}

ATF_TC_WITHOUT_HEAD(key_judge);
ATF_TC_BODY(key_judge, tc)
{
	EVP_PKEY	*k1, *k2;
	char		 t1[DNSC_KEY_TXT_MAX], t2[DNSC_KEY_TXT_MAX];
	char		 pub[DNSC_KEY_TXT_MAX * 2], shortk[DNSC_FOUND_MAX];
	const char	*p;
	int		 testing;

	ATF_REQUIRE((k1 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	ATF_REQUIRE((k2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	ATF_REQUIRE(dkim_key_txt(k1, t1, sizeof(t1)) == 0);
	ATF_REQUIRE(dkim_key_txt(k2, t2, sizeof(t2)) == 0);
	ATF_REQUIRE((p = strstr(t1, "p=")) != NULL);

	testing = 1;
	ATF_CHECK(dkim_key_judge(t1, t1, &testing) == NULL);
	ATF_CHECK(!testing);
	ATF_CHECK_STREQ(dkim_key_judge(t1, t2, &testing), "another key");
	/* folded, other tags, testing */
	(void)snprintf(pub, sizeof(pub), "v=DKIM1; t=y; k = ed25519 ;\r\n "
	    "n=notes; %s", p);
	ATF_CHECK(dkim_key_judge(t1, pub, &testing) == NULL);
	ATF_CHECK(testing);
	(void)snprintf(pub, sizeof(pub), "v=DKIM1; k=rsa; %s", p);
	ATF_CHECK_STREQ(dkim_key_judge(t1, pub, &testing),
	    "k= is not ed25519");
	(void)snprintf(pub, sizeof(pub), "v=DKIM1; k=ed25519; h=sha1; %s", p);
	ATF_CHECK_STREQ(dkim_key_judge(t1, pub, &testing),
	    "h= excludes sha256");
	ATF_CHECK_STREQ(dkim_key_judge(t1, "v=DKIM1; k=ed25519; p=",
	    &testing), "revoked (empty p=)");
	ATF_CHECK(dkim_key_judge(t1, "v=DKIM1; k=ed25519", &testing) != NULL);
	ATF_CHECK(dkim_key_judge(t1, "k=ed25519; v=DKIM1; p=AAAA",
	    &testing) != NULL);

	key_short(t1, shortk, sizeof(shortk));
	ATF_CHECK(strncmp(shortk, "v=DKIM1; k=ed25519; p=", 22) == 0);
	ATF_CHECK_EQ(strlen(shortk), 22 + 20 + 3);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, name_valid);
	ATF_TP_ADD_TC(tp, zone_txt);
	ATF_TP_ADD_TC(tp, reverse);
	ATF_TP_ADD_TC(tp, safe);
	ATF_TP_ADD_TC(tp, select_records);
	ATF_TP_ADD_TC(tp, key_judge);
	return (atf_no_error());
}
