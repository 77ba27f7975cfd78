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
 * signer_dkim_test.c -- the signer's DKIM key store (common/signer_dkim.c)
 * and the exchange smtp has with it, without a daemon: keys load by
 * domain and selector (RSA, Ed25519; others refused), a message hashed
 * as smtp hashes it is signed for both algorithms, the signer picks the
 * hash of its key, and the finished field verifies with our verifier
 * against the key's own TXT record; generations follow reloads; the
 * parent's key file check refuses group and other access.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <atf-c.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"
#include "keyproxy.h"
#include "signer.h"
#include "smtpd.h"
#include "parent.h"

#define MSG	"Received: from x by y; Sun, 6 Dec 2026 21:00:00 +0000\r\n" \
		"From: Alice <alice@example.org>\r\n" \
		"To: bob@example.net\r\n" \
		"Subject:  a   test\r\n" \
		"\r\n" \
		"Hello,  world \r\n\r\n\r\n"

static EVP_PKEY	*keys[4];

/* A key of type t ("rsa", "ed25519", "ec", "rsa768") in PEM file path. */
static EVP_PKEY *
mkkey(const char *t, const char *path)
{
	EVP_PKEY	*pk = NULL;
	FILE		*f;

	if (strcmp(t, "rsa") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(t, "rsa768") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)768);
	else if (strcmp(t, "ed25519") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ATF_REQUIRE(pk != NULL);
	ATF_REQUIRE((f = fopen(path, "w")) != NULL);
	ATF_REQUIRE(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
	    NULL) == 1);
	ATF_REQUIRE(fclose(f) == 0);
	ATF_REQUIRE(chmod(path, 0600) == 0);
	return (pk);
}

static int
load(const char *d, const char *s, const char *path)
{
	int	 fd;

	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	return (signer_dkim_load(d, s, fd));
}

static void
setup(void)
{
	signer_key_init();
	signer_dkim_clear();
	keys[0] = mkkey("rsa", "rsa.pem");
	keys[1] = mkkey("ed25519", "ed.pem");
	keys[2] = mkkey("ec", "ec.pem");
	keys[3] = mkkey("rsa768", "short.pem");
}

/*
 * Sign MSG for d/s as smtp does; the finished field in out; the
 * signer's status.
 */
static int
sign(const char *d, const char *s, char *out, size_t outsz, int *alg)
{
	struct dkim_msg		*m;
	struct dkim_sign	 rsa, ed;
	struct signer_dkim_req	 req;
	struct signer_dkim_res	 res;
	struct dkim_sign	*ds;
	time_t			 now = time(NULL);

	ATF_REQUIRE((m = dkim_msg_new(DKIM_MSG_SIGN)) != NULL);
	ATF_REQUIRE(dkim_msg_feed(m, MSG, strlen(MSG)) == 0);
	ATF_REQUIRE(dkim_msg_end(m) == 0);
	ATF_REQUIRE_STREQ(dkim_msg_from_domain(m), "example.org");
	ATF_REQUIRE(dkim_msg_sign(m, d, s, DKIM_ALG_RSA_SHA256, now,
	    &rsa) == 0);
	ATF_REQUIRE(dkim_msg_sign(m, d, s, DKIM_ALG_ED25519_SHA256, now,
	    &ed) == 0);
	dkim_msg_free(m);
	memset(&req, 0, sizeof(req));
	req.id = 42;
	strlcpy(req.domain, d, sizeof(req.domain));
	strlcpy(req.selector, s, sizeof(req.selector));
	memcpy(req.rsa, rsa.hhash, sizeof(req.rsa));
	memcpy(req.ed25519, ed.hhash, sizeof(req.ed25519));
	ATF_REQUIRE(signer_dkim_req_valid(&req));
	signer_dkim_op(&req, &res);
	ATF_CHECK(signer_dkim_res_valid(&res));
	ATF_CHECK_EQ(res.id, 42);
	if (res.status != KEYPROXY_OK)
		return (res.status);
	*alg = (int)res.alg;
	ds = res.alg == DKIM_ALG_RSA_SHA256 ? &rsa : &ed;
	ATF_REQUIRE(dkim_sign_finish(ds, res.sig, res.len) == 0);
	ATF_REQUIRE(ds->len < outsz);
	memcpy(out, ds->field, ds->len);
	out[ds->len] = '\0';
	return (res.status);
}

/* The field put before MSG verifies with the key's TXT record. */
static enum dkim_result
verify(const char *field, EVP_PKEY *pk)
{
	struct dkim_msg			*m;
	const struct dkim_sigcheck	*sc;
	struct dkim_verdict		 v;
	char				 txt[2048];

	ATF_REQUIRE(dkim_key_txt(pk, txt, sizeof(txt)) == 0);
	ATF_REQUIRE((m = dkim_msg_new(DKIM_MSG_VERIFY)) != NULL);
	ATF_REQUIRE(dkim_msg_feed(m, field, strlen(field)) == 0);
	ATF_REQUIRE(dkim_msg_feed(m, MSG, strlen(MSG)) == 0);
	ATF_REQUIRE(dkim_msg_end(m) == 0);
	ATF_REQUIRE_EQ(dkim_msg_nsig(m), 1);
	ATF_REQUIRE((sc = dkim_msg_sigcheck(m, 0)) != NULL);
	ATF_REQUIRE_MSG(sc->parsed, "%s", sc->perror);
	dkim_sigcheck_key(sc, RESOLVER_OK, txt, strlen(txt), time(NULL), &v);
	dkim_msg_free(m);
	return (v.result);
}

ATF_TC_WITHOUT_HEAD(sign_both);
ATF_TC_BODY(sign_both, tc)
{
	char		 field[DKIM_FIELD_MAX];
	uint64_t	 g;
	int		 alg = 0;

	setup();
	ATF_REQUIRE(load("example.org", "rsa1", "rsa.pem") == 0);
	ATF_REQUIRE(load("example.org", "ed1", "ed.pem") == 0);
	g = signer_key_generation();
	signer_key_commit();
	signer_dkim_commit(g);

	ATF_REQUIRE_EQ(sign("example.org", "rsa1", field, sizeof(field),
	    &alg), KEYPROXY_OK);
	ATF_CHECK_EQ(alg, DKIM_ALG_RSA_SHA256);
	ATF_CHECK(strstr(field, "a=rsa-sha256") != NULL);
	ATF_CHECK_EQ(verify(field, keys[0]), DKIM_PASS);
	/* the wrong key: fail */
	ATF_CHECK_EQ(verify(field, keys[1]) == DKIM_PASS, 0);

	ATF_REQUIRE_EQ(sign("example.org", "ed1", field, sizeof(field),
	    &alg), KEYPROXY_OK);
	ATF_CHECK_EQ(alg, DKIM_ALG_ED25519_SHA256);
	ATF_CHECK(strstr(field, "a=ed25519-sha256") != NULL);
	ATF_CHECK_EQ(verify(field, keys[1]), DKIM_PASS);

	/* no such key */
	ATF_CHECK_EQ(sign("example.org", "nope", field, sizeof(field),
	    &alg), KEYPROXY_ENOKEY);
	ATF_CHECK_EQ(sign("example.net", "rsa1", field, sizeof(field),
	    &alg), KEYPROXY_ENOKEY);
	signer_dkim_clear();
	signer_key_clear();
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	char	 field[DKIM_FIELD_MAX];
	int	 alg, fd;

	setup();
	ATF_CHECK_EQ(load("example.org", "ec", "ec.pem"), -1);
	ATF_CHECK_EQ(load("example.org", "short", "short.pem"), -1);
	ATF_CHECK_EQ(sign("example.org", "ec", field, sizeof(field), &alg),
	    KEYPROXY_ENOKEY);
	/* not a key at all */
	ATF_REQUIRE((fd = open("/dev/null", O_RDONLY)) != -1);
	ATF_CHECK_EQ(signer_dkim_load("example.org", "null", fd), -1);
	signer_dkim_clear();
}

/* A key stays one reload after it left the configuration; newest wins. */
ATF_TC_WITHOUT_HEAD(generations);
ATF_TC_BODY(generations, tc)
{
	char		 field[DKIM_FIELD_MAX];
	uint64_t	 g;
	int		 alg = 0;

	setup();
	ATF_REQUIRE(load("example.org", "s", "rsa.pem") == 0);
	g = signer_key_generation();
	signer_key_commit();
	signer_dkim_commit(g);
	/* reload: the same selector now with the Ed25519 key */
	ATF_REQUIRE(load("example.org", "s", "ed.pem") == 0);
	g = signer_key_generation();
	signer_key_commit();
	signer_dkim_commit(g);
	ATF_REQUIRE_EQ(sign("example.org", "s", field, sizeof(field), &alg),
	    KEYPROXY_OK);
	ATF_CHECK_EQ(alg, DKIM_ALG_ED25519_SHA256);
	/* two reloads without it: gone */
	g = signer_key_generation();
	signer_key_commit();
	signer_dkim_commit(g);
	ATF_CHECK_EQ(sign("example.org", "s", field, sizeof(field), &alg),
	    KEYPROXY_OK);
	g = signer_key_generation();
	signer_key_commit();
	signer_dkim_commit(g);
	ATF_CHECK_EQ(sign("example.org", "s", field, sizeof(field), &alg),
	    KEYPROXY_ENOKEY);
	signer_dkim_clear();
	signer_key_clear();
}

/* parent_dkim.c: no access for the group or others, root's file. */
ATF_TC_WITHOUT_HEAD(key_file_check);
ATF_TC_BODY(key_file_check, tc)
{
	const char	*why;
	int		 fd;

	if (geteuid() != 0)
		atf_tc_skip("needs root (the key file must be root's)");
	(void)mkkey("ed25519", "k.pem");
	ATF_REQUIRE((fd = open("k.pem", O_RDONLY)) != -1);
	ATF_CHECK(parent_dkim_key_check(fd) == NULL);
	ATF_REQUIRE(fchmod(fd, 0640) == 0);
	ATF_REQUIRE((why = parent_dkim_key_check(fd)) != NULL);
	ATF_CHECK(strstr(why, "group or others") != NULL);
	ATF_REQUIRE(fchmod(fd, 0604) == 0);
	ATF_CHECK(parent_dkim_key_check(fd) != NULL);
	ATF_REQUIRE(fchmod(fd, 0400) == 0);
	ATF_CHECK(parent_dkim_key_check(fd) == NULL);
	ATF_REQUIRE(fchown(fd, 1, 0) == 0);
	ATF_REQUIRE((why = parent_dkim_key_check(fd)) != NULL);
	ATF_CHECK(strstr(why, "root") != NULL);
	close(fd);
	ATF_REQUIRE((fd = open(".", O_RDONLY)) != -1);
	ATF_CHECK(parent_dkim_key_check(fd) != NULL);
	close(fd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sign_both);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, generations);
	ATF_TP_ADD_TC(tp, key_file_check);
	return (atf_no_error());
}
