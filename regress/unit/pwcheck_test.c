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
 * pwcheck_test.c -- unit tests for common/pwcheck.c: each accepted hash
 * method (yescrypt, bcrypt, sha512-crypt, sha256-crypt) with the right
 * and a wrong password, the refused ones (DES, MD5, empty, locked), and
 * the cache: a hit costs no crypt(), a changed hash is checked again,
 * failures are not kept, entries expire, the size is bounded.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include "pwcheck.h"

static void	make_hash(const char *, unsigned long, const char *, char *,
		    size_t);

/* A hash of password by the method of prefix (count 0: its default). */
static void
make_hash(const char *prefix, unsigned long count, const char *password,
    char *buf, size_t size)
{
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	 cd;
	const char		*out;

	ATF_REQUIRE(crypt_gensalt_rn(prefix, count, NULL, 0, salt,
	    sizeof(salt)) != NULL);
	memset(&cd, 0, sizeof(cd));
	ATF_REQUIRE((out = crypt_rn(password, salt, &cd, sizeof(cd))) != NULL);
	ATF_REQUIRE(strlcpy(buf, out, size) < size);
}

ATF_TC_WITHOUT_HEAD(methods);
ATF_TC_BODY(methods, tc)
{
	static const struct {
		const char	*prefix;
		unsigned long	 count;
	} ok[] = {
		{ "$y$", 0 },
		{ "$2b$", 5 },
		{ "$6$", 1000 },
		{ "$5$", 1000 },
	};
	char	 h[PWCHECK_HASH_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		make_hash(ok[i].prefix, ok[i].count, "s3cret pass", h,
		    sizeof(h));
		ATF_CHECK_MSG(pwcheck_hash_ok(h), "%s refused", h);
		ATF_CHECK_EQ(pwcheck_verify(NULL, "alice", "s3cret pass", h,
		    1), PWCHECK_OK);
		ATF_CHECK_EQ(pwcheck_verify(NULL, "alice", "s3cret pasS", h,
		    1), PWCHECK_FAIL);
		ATF_CHECK_EQ(pwcheck_verify(NULL, "alice", "", h, 1),
		    PWCHECK_FAIL);
	}
	/* the default method of pwcheck_hash_new() is yescrypt */
	ATF_REQUIRE_EQ(pwcheck_hash_new("pw", h, sizeof(h)), 0);
	ATF_CHECK(strncmp(h, "$y$", 3) == 0);
	ATF_CHECK_EQ(pwcheck_verify(NULL, "bob", "pw", h, 1), PWCHECK_OK);
	ATF_CHECK_EQ(pwcheck_hash_new("pw", h, 10), -1);
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	char	 h[PWCHECK_HASH_MAX], locked[PWCHECK_HASH_MAX + 1];

	/* DES and MD5 hashes of "secret" match, and are still refused */
	make_hash("", 0, "secret", h, sizeof(h));		/* DES */
	ATF_CHECK(!pwcheck_hash_ok(h));
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", h, 1),
	    PWCHECK_BADHASH);
	make_hash("$1$", 0, "secret", h, sizeof(h));		/* MD5 */
	ATF_CHECK(!pwcheck_hash_ok(h));
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", h, 1),
	    PWCHECK_BADHASH);
	make_hash("$y$", 0, "secret", h, sizeof(h));
	(void)strlcpy(locked, "!", sizeof(locked));
	(void)strlcat(locked, h, sizeof(locked));
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", locked, 1),
	    PWCHECK_BADHASH);
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", "", 1),
	    PWCHECK_BADHASH);
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", "*", 1),
	    PWCHECK_BADHASH);
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", "!", 1),
	    PWCHECK_BADHASH);
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", "$y$", 1),
	    PWCHECK_BADHASH);
	/* a well-prefixed hash that crypt() rejects is no match */
	ATF_CHECK_EQ(pwcheck_verify(NULL, "a", "secret", "$6$bad$salt$x", 1),
	    PWCHECK_FAIL);
}

ATF_TC_WITHOUT_HEAD(cache);
ATF_TC_BODY(cache, tc)
{
	struct pwcheck_cache	*c;
	char			 h1[PWCHECK_HASH_MAX], h2[PWCHECK_HASH_MAX];
	size_t			 ncrypt, nhits;

	make_hash("$y$", 0, "pw1", h1, sizeof(h1));
	ATF_REQUIRE((c = pwcheck_cache_new(0, 0)) != NULL);

	/* the second success of the same pair costs no crypt() */
	ATF_CHECK_EQ(pwcheck_verify(c, "alice", "pw1", h1, 100), PWCHECK_OK);
	ATF_CHECK_EQ(pwcheck_verify(c, "alice", "pw1", h1, 101), PWCHECK_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 1);
	ATF_CHECK_EQ(nhits, 1);
	ATF_CHECK_EQ(pwcheck_cache_count(c), 1);

	/* failures are checked each time and not kept */
	ATF_CHECK_EQ(pwcheck_verify(c, "alice", "pw2", h1, 102),
	    PWCHECK_FAIL);
	ATF_CHECK_EQ(pwcheck_verify(c, "alice", "pw2", h1, 102),
	    PWCHECK_FAIL);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 3);
	ATF_CHECK_EQ(pwcheck_cache_count(c), 1);
	/* the same password for another user is another entry */
	ATF_CHECK_EQ(pwcheck_verify(c, "bob", "pw1", h1, 103), PWCHECK_OK);
	ATF_CHECK_EQ(pwcheck_cache_count(c), 2);

	/* the password changed: the old one no longer passes */
	make_hash("$y$", 0, "pw2", h2, sizeof(h2));
	ATF_CHECK_EQ(pwcheck_verify(c, "alice", "pw1", h2, 104),
	    PWCHECK_FAIL);
	ATF_CHECK_EQ(pwcheck_verify(c, "alice", "pw2", h2, 104), PWCHECK_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 6);
	ATF_CHECK_EQ(nhits, 1);
	/* a hash re-made for the same password is checked again */
	make_hash("$y$", 0, "pw1", h2, sizeof(h2));
	ATF_CHECK_EQ(pwcheck_verify(c, "bob", "pw1", h2, 105), PWCHECK_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 7);

	/* expiry after the ttl */
	ATF_CHECK_EQ(pwcheck_verify(c, "bob", "pw1", h2, 105 +
	    PWCHECK_CACHE_TTL - 1), PWCHECK_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 7);
	ATF_CHECK_EQ(pwcheck_verify(c, "bob", "pw1", h2, 105 +
	    PWCHECK_CACHE_TTL), PWCHECK_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 8);

	/* a reload forgets everything */
	pwcheck_cache_flush(c);
	ATF_CHECK_EQ(pwcheck_cache_count(c), 0);
	pwcheck_cache_free(c);
}

ATF_TC_WITHOUT_HEAD(cache_bounded);
ATF_TC_BODY(cache_bounded, tc)
{
	struct pwcheck_cache	*c;
	char			 h[PWCHECK_HASH_MAX], user[16];
	size_t			 i, ncrypt, nhits;

	make_hash("$5$", 1000, "pw", h, sizeof(h));
	ATF_REQUIRE((c = pwcheck_cache_new(3, 60)) != NULL);
	for (i = 0; i < 10; i++) {
		(void)snprintf(user, sizeof(user), "user%zu", i);
		ATF_CHECK_EQ(pwcheck_verify(c, user, "pw", h, 10), PWCHECK_OK);
		ATF_CHECK(pwcheck_cache_count(c) <= 3);
	}
	/* the newest are kept, the oldest went */
	ATF_CHECK_EQ(pwcheck_verify(c, "user9", "pw", h, 11), PWCHECK_OK);
	ATF_CHECK_EQ(pwcheck_verify(c, "user0", "pw", h, 11), PWCHECK_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 11);
	ATF_CHECK_EQ(nhits, 1);
	pwcheck_cache_free(c);
}

/* The unknown-user path does the work of a check and survives anything. */
ATF_TC_WITHOUT_HEAD(dummy);
ATF_TC_BODY(dummy, tc)
{
	pwcheck_dummy("");
	pwcheck_dummy("some password");
	pwcheck_dummy("some password");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, dummy);
	ATF_TP_ADD_TC(tp, methods);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, cache);
	ATF_TP_ADD_TC(tp, cache_bounded);
	return (atf_no_error());
}
