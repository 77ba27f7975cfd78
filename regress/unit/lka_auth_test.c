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
 * lka_auth_test.c -- unit tests for lka/lka_auth.c: a credentials file
 * ("user:hash" and "user hash" lines, comments, blank lines) checked
 * with each hash kind, a wrong password, an unknown user, a refused
 * hash; the cache spares crypt() on a repeated success and drops an
 * entry whose hash changed in the table.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pwcheck.h"
#include "smtpd.h"
#include "lka.h"

static void	 hash_of(const char *, unsigned long, const char *, char *,
		    size_t);
static struct table_db *load(const char *);

static void
hash_of(const char *prefix, unsigned long count, const char *pw, char *buf,
    size_t size)
{
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	 cd;

	ATF_REQUIRE(crypt_gensalt_rn(prefix, count, NULL, 0, salt,
	    sizeof(salt)) != NULL);
	memset(&cd, 0, sizeof(cd));
	ATF_REQUIRE(crypt_rn(pw, salt, &cd, sizeof(cd)) != NULL);
	ATF_REQUIRE(strlcpy(buf, cd.output, size) < size);
}

static struct table_db *
load(const char *text)
{
	struct table_db	*db;
	char		 err[512];
	FILE		*fp;

	ATF_REQUIRE((fp = fopen("creds", "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
	db = table_file_load("creds", "creds", err, sizeof(err));
	ATF_REQUIRE_MSG(db != NULL, "%s", err);
	return (db);
}

ATF_TC_WITHOUT_HEAD(table_kinds);
ATF_TC_BODY(table_kinds, tc)
{
	char		 y[256], b[256], s6[256], s5[256], des[64], *text;
	struct table_db	*db;

	log_init(1, 0);
	hash_of("$y$", 0, "pw-y", y, sizeof(y));
	hash_of("$2b$", 5, "pw-b", b, sizeof(b));
	hash_of("$6$", 1000, "pw-6", s6, sizeof(s6));
	hash_of("$5$", 1000, "pw-5", s5, sizeof(s5));
	hash_of("", 0, "pw-d", des, sizeof(des));
	ATF_REQUIRE(asprintf(&text, "# credentials\n\nyes:%s\nbf %s\n"
	    "  # indented comment\nsha512: %s\nsha256:%s\nold:%s\n"
	    "locked:!%s\nempty:*\n", y, b, s6, s5, des, y) != -1);
	db = load(text);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "yes", "pw-y", 1), ST_OK);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "bf", "pw-b", 1), ST_OK);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "sha512", "pw-6", 1), ST_OK);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "sha256", "pw-5", 1), ST_OK);
	/* wrong passwords, someone else's, unknown users */
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "yes", "pw-b", 1),
	    ST_PERMFAIL);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "bf", "pw-y", 1), ST_PERMFAIL);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "sha512", "PW-6", 1),
	    ST_PERMFAIL);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "nobody", "pw-y", 1),
	    ST_PERMFAIL);
	/* table keys are case-insensitive, as for every table */
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "YES", "pw-y", 1), ST_OK);
	/* DES, locked and "*" entries never match */
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "old", "pw-d", 1),
	    ST_PERMFAIL);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "locked", "pw-y", 1),
	    ST_PERMFAIL);
	ATF_CHECK_EQ(lka_auth_check(db, NULL, "empty", "", 1), ST_PERMFAIL);
	/* no table (it failed to load): try again later */
	ATF_CHECK_EQ(lka_auth_check(NULL, NULL, "yes", "pw-y", 1),
	    ST_TEMPFAIL);
	table_db_free(db);
	free(text);
}

ATF_TC_WITHOUT_HEAD(cache);
ATF_TC_BODY(cache, tc)
{
	struct pwcheck_cache	*c;
	struct table_db		*db;
	char			 h1[256], h2[256], *text;
	size_t			 ncrypt, nhits;

	log_init(1, 0);
	ATF_REQUIRE((c = pwcheck_cache_new(0, 0)) != NULL);
	hash_of("$y$", 0, "first", h1, sizeof(h1));
	ATF_REQUIRE(asprintf(&text, "alice:%s\n", h1) != -1);
	db = load(text);
	free(text);
	/* a client that authenticates for every message: one crypt() */
	ATF_CHECK_EQ(lka_auth_check(db, c, "alice", "first", 10), ST_OK);
	ATF_CHECK_EQ(lka_auth_check(db, c, "alice", "first", 11), ST_OK);
	ATF_CHECK_EQ(lka_auth_check(db, c, "alice", "first", 12), ST_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 1);
	ATF_CHECK_EQ(nhits, 2);
	/* a wrong password is checked, not answered from the cache */
	ATF_CHECK_EQ(lka_auth_check(db, c, "alice", "second", 12),
	    ST_PERMFAIL);
	table_db_free(db);

	/* the password changes in the table: the old one stops working */
	hash_of("$y$", 0, "second", h2, sizeof(h2));
	ATF_REQUIRE(asprintf(&text, "alice:%s\n", h2) != -1);
	db = load(text);
	free(text);
	ATF_CHECK_EQ(lka_auth_check(db, c, "alice", "first", 13),
	    ST_PERMFAIL);
	ATF_CHECK_EQ(lka_auth_check(db, c, "alice", "second", 13), ST_OK);
	ATF_CHECK_EQ(lka_auth_check(db, c, "alice", "second", 14), ST_OK);
	pwcheck_cache_stats(c, &ncrypt, &nhits);
	ATF_CHECK_EQ(ncrypt, 4);
	ATF_CHECK_EQ(nhits, 3);
	table_db_free(db);
	pwcheck_cache_free(c);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, table_kinds);
	ATF_TP_ADD_TC(tp, cache);
	return (atf_no_error());
}
