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
 * sasl_test.c -- unit tests for common/sasl.c: base64 against the RFC
 * 4648 vectors and bad inputs (alphabet, padding, spare bits, bounds),
 * PLAIN messages (RFC 4616) and the PLAIN and LOGIN exchanges as smtpd
 * and imapd drive them.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

static const struct {
	const char	*plain;
	const char	*b64;
} vectors[] = {		/* RFC 4648 section 10 */
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

/* bad base64; the length, when not strlen() (an embedded NUL) */
static const struct {
	const char	*s;
	size_t		 len;
} bad_b64[] = {
	{ "Zg", 0 },		/* not a multiple of 4 */
	{ "Zg=", 0 },
	{ "Zm9vY", 0 },
	{ "Zh==", 0 },		/* spare bits set */
	{ "Zm9=", 0 },
	{ "Z===", 0 },		/* too much padding */
	{ "====", 0 },
	{ "=Zg=", 0 },		/* padding not at the end */
	{ "Zg==Zg==", 0 },
	{ "Zm9vYg=a", 0 },
	{ "Zm9v\n", 0 },	/* no whitespace, no line breaks */
	{ "Zm 9v", 0 },
	{ " Zm9v", 0 },
	{ "Zm9v\r\n", 0 },
	{ "Zm-_", 0 },		/* the URL alphabet is not ours */
	{ "Zm9v*AAA", 0 },
	{ "Zm\x80v", 0 },
	{ "Zm9v\0AAA", 8 },
};

/* base64 of "\0alice\0secret" */
#define ALICE_B64	"AGFsaWNlAHNlY3JldA=="

static void
b64(const void *in, size_t len, char *out, size_t size)
{
	ATF_REQUIRE(sasl_b64_encode(in, len, out, size) >= 0);
}

ATF_TC_WITHOUT_HEAD(b64_vectors);
ATF_TC_BODY(b64_vectors, tc)
{
	unsigned char	 out[16];
	char		 enc[16];
	size_t		 i, n;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		ATF_CHECK_EQ(sasl_b64_encode((const void *)vectors[i].plain,
		    strlen(vectors[i].plain), enc, sizeof(enc)),
		    (int)strlen(vectors[i].b64));
		ATF_CHECK_STREQ(enc, vectors[i].b64);
		ATF_CHECK_EQ(sasl_b64_decode(vectors[i].b64,
		    strlen(vectors[i].b64), out, sizeof(out), &n), 0);
		ATF_CHECK_EQ(n, strlen(vectors[i].plain));
		ATF_CHECK(memcmp(out, vectors[i].plain, n) == 0);
	}
	/* every byte value survives a round trip */
	{
		unsigned char	 all[256], back[256];
		char		 e[400];

		for (i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		b64(all, sizeof(all), e, sizeof(e));
		ATF_CHECK_EQ(sasl_b64_decode(e, strlen(e), back, sizeof(back),
		    &n), 0);
		ATF_CHECK_EQ(n, 256);
		ATF_CHECK(memcmp(all, back, 256) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(b64_bad);
ATF_TC_BODY(b64_bad, tc)
{
	unsigned char	 out[64];
	char		 enc[8];
	size_t		 i, n, len;

	for (i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++) {
		len = bad_b64[i].len ? bad_b64[i].len : strlen(bad_b64[i].s);
		ATF_CHECK_MSG(sasl_b64_decode(bad_b64[i].s, len, out,
		    sizeof(out), &n) == -1, "accepted \"%s\"", bad_b64[i].s);
		ATF_CHECK_EQ(n, 0);
	}
	/* bounded output: 6 bytes do not fit in 5 */
	ATF_CHECK_EQ(sasl_b64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
	ATF_CHECK_EQ(sasl_b64_decode("Zm9vYmFy", 8, out, 6, &n), 0);
	ATF_CHECK_EQ(sasl_b64_decode("Zm9vYg==", 8, out, 4, &n), 0);
	ATF_CHECK_EQ(sasl_b64_decode("Zm9vYg==", 8, out, 3, &n), -1);
	/* encoding needs room for its NUL */
	ATF_CHECK_EQ(sasl_b64_encode((const void *)"foo", 3, enc, 4), -1);
	ATF_CHECK_EQ(sasl_b64_encode((const void *)"foo", 3, enc, 5), 4);
}

ATF_TC_WITHOUT_HEAD(plain_parse);
ATF_TC_BODY(plain_parse, tc)
{
	static const struct {
		const char	*msg;
		size_t		 len;
		int		 ok;
		const char	*user;
	} cases[] = {
		{ "\0alice\0secret", 13, 1, "alice" },
		{ "alice\0alice\0secret", 18, 1, "alice" },
		{ "bob\0alice\0secret", 16, 0, NULL },	/* other authzid */
		{ "alic\0alice\0secret", 17, 0, NULL },
		{ "\0\0secret", 8, 0, NULL },		/* empty user */
		{ "\0alice\0", 7, 0, NULL },		/* empty password */
		{ "alice\0secret", 12, 0, NULL },	/* one NUL */
		{ "alicesecret", 11, 0, NULL },
		{ "", 0, 0, NULL },
		{ "\0alice\0sec\0ret", 14, 0, NULL },	/* NUL in password */
	};
	char	 user[SASL_USER_MAX + 1], pass[SASL_PASS_MAX + 1];
	unsigned char	 msg[SASL_MSG_MAX + 16];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ATF_CHECK_MSG((sasl_plain_parse((const void *)cases[i].msg,
		    cases[i].len, user, sizeof(user), pass, sizeof(pass)) ==
		    0) == cases[i].ok, "case %zu", i);
		if (cases[i].ok) {
			ATF_CHECK_STREQ(user, cases[i].user);
			ATF_CHECK_STREQ(pass, "secret");
		} else
			ATF_CHECK(user[0] == '\0' && pass[0] == '\0');
	}
	/* bounds: user 255 and password 1024 bytes, not one more */
	msg[0] = '\0';
	memset(msg + 1, 'u', SASL_USER_MAX);
	msg[1 + SASL_USER_MAX] = '\0';
	memset(msg + 2 + SASL_USER_MAX, 'p', SASL_PASS_MAX);
	ATF_CHECK_EQ(sasl_plain_parse(msg, 2 + SASL_USER_MAX + SASL_PASS_MAX,
	    user, sizeof(user), pass, sizeof(pass)), 0);
	ATF_CHECK_EQ(strlen(user), SASL_USER_MAX);
	ATF_CHECK_EQ(strlen(pass), SASL_PASS_MAX);
	memset(msg + 2 + SASL_USER_MAX, 'p', SASL_PASS_MAX + 1);
	ATF_CHECK_EQ(sasl_plain_parse(msg, 3 + SASL_USER_MAX + SASL_PASS_MAX,
	    user, sizeof(user), pass, sizeof(pass)), -1);
	memset(msg + 1, 'u', SASL_USER_MAX + 1);
	msg[2 + SASL_USER_MAX] = '\0';
	msg[3 + SASL_USER_MAX] = 'p';
	ATF_CHECK_EQ(sasl_plain_parse(msg, 4 + SASL_USER_MAX,
	    user, sizeof(user), pass, sizeof(pass)), -1);
}

ATF_TC_WITHOUT_HEAD(plain_exchange);
ATF_TC_BODY(plain_exchange, tc)
{
	struct sasl	 sa;
	char		 big[SASL_B64_MAX + 8];

	ATF_CHECK_EQ(sasl_mech_parse("plain"), SASL_MECH_PLAIN);
	ATF_CHECK_EQ(sasl_mech_parse("LOGIN"), SASL_MECH_LOGIN);
	ATF_CHECK_EQ(sasl_mech_parse("CRAM-MD5"), SASL_MECH_NONE);
	ATF_CHECK_EQ(sasl_mech_parse(""), SASL_MECH_NONE);

	/* initial response */
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN, ALICE_B64), SASL_DONE);
	ATF_CHECK_STREQ(sa.user, "alice");
	ATF_CHECK_STREQ(sa.pass, "secret");
	sasl_clear(&sa);
	ATF_CHECK(sa.user[0] == '\0' && sa.pass[0] == '\0');

	/* "334 " then the message */
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN, NULL), SASL_CONTINUE);
	ATF_CHECK_STREQ(sa.challenge, "");
	ATF_CHECK_EQ(sasl_step(&sa, ALICE_B64, strlen(ALICE_B64)), SASL_DONE);
	ATF_CHECK_STREQ(sa.user, "alice");

	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN, NULL), SASL_CONTINUE);
	ATF_CHECK_EQ(sasl_step(&sa, "*", 1), SASL_CANCEL);
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN, NULL), SASL_CONTINUE);
	ATF_CHECK_EQ(sasl_step(&sa, "AGFsaWNlAHNlY3JldA=", 19), SASL_BAD_B64);
	ATF_CHECK(sa.user[0] == '\0' && sa.pass[0] == '\0');
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN, "="), SASL_BAD_MSG);
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN, "*"), SASL_BAD_B64);
	/* "bob\0alice\0secret": authzid is not the authcid */
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN,
	    "Ym9iAGFsaWNlAHNlY3JldA=="), SASL_BAD_MSG);
	/* longer than any credentials we take */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_PLAIN, big), SASL_BAD_MSG);
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_NONE, NULL), SASL_BAD_MSG);
}

ATF_TC_WITHOUT_HEAD(login_exchange);
ATF_TC_BODY(login_exchange, tc)
{
	struct sasl	 sa;
	char		 u[16], p[16];

	b64("alice", 5, u, sizeof(u));
	b64("secret", 6, p, sizeof(p));
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, NULL), SASL_CONTINUE);
	ATF_CHECK_STREQ(sa.challenge, "VXNlcm5hbWU6");	/* Username: */
	ATF_CHECK_EQ(sasl_step(&sa, u, strlen(u)), SASL_CONTINUE);
	ATF_CHECK_STREQ(sa.challenge, "UGFzc3dvcmQ6");	/* Password: */
	ATF_CHECK_EQ(sasl_step(&sa, p, strlen(p)), SASL_DONE);
	ATF_CHECK_STREQ(sa.user, "alice");
	ATF_CHECK_STREQ(sa.pass, "secret");

	/* the user as initial response */
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, u), SASL_CONTINUE);
	ATF_CHECK_STREQ(sa.challenge, "UGFzc3dvcmQ6");
	ATF_CHECK_EQ(sasl_step(&sa, p, strlen(p)), SASL_DONE);
	ATF_CHECK_STREQ(sa.user, "alice");

	/* cancel at either step, bad base64, empty answers */
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, NULL), SASL_CONTINUE);
	ATF_CHECK_EQ(sasl_step(&sa, "*", 1), SASL_CANCEL);
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, u), SASL_CONTINUE);
	ATF_CHECK_EQ(sasl_step(&sa, "*", 1), SASL_CANCEL);
	ATF_CHECK(sa.user[0] == '\0');
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, NULL), SASL_CONTINUE);
	ATF_CHECK_EQ(sasl_step(&sa, "YWxpY2U", 7), SASL_BAD_B64);
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, NULL), SASL_CONTINUE);
	ATF_CHECK_EQ(sasl_step(&sa, "=", 1), SASL_BAD_MSG);
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, u), SASL_CONTINUE);
	ATF_CHECK_EQ(sasl_step(&sa, "", 0), SASL_BAD_MSG);
	/* a NUL inside the user name */
	b64("al\0ce", 5, u, sizeof(u));
	ATF_CHECK_EQ(sasl_start(&sa, SASL_MECH_LOGIN, u), SASL_BAD_MSG);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, b64_vectors);
	ATF_TP_ADD_TC(tp, b64_bad);
	ATF_TP_ADD_TC(tp, plain_parse);
	ATF_TP_ADD_TC(tp, plain_exchange);
	ATF_TP_ADD_TC(tp, login_exchange);
	return (atf_no_error());
}
