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
 * dkim_test.c -- unit tests for common/dkim_*.c: the canonicalisation
 * example of RFC 6376 3.4.6 and body edge cases (fed whole, one byte at
 * a time, with bare LF), the tag-list parser, DKIM-Signature and key
 * record parsers (case tables), the From domain, the RFC 8463 Appendix
 * A message (both signatures, with the keys the RFC publishes), the RFC
 * 6376 Appendix A message (see rfc6376_example), sign-then-verify for
 * both key types, tampered body and header, l= with text appended,
 * x= expired, a revoked key, a small RSA key, rsa-sha1, and
 * dkim_verify_start() with a fake resolver (answers, NXDOMAIN,
 * TEMPFAIL, nothing to look up, cancel with lookups in flight).
 */

#include <sys/types.h>
#include <sys/time.h>

#include <atf-c.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "dkim.h"
#include "dkim_local.h"
#include "dns.h"
#include "sasl.h"

#define NOW	1528637909	/* RFC 8463's t= */

static void	 hash_of(const void *, size_t, uint8_t *);
static void	 body_hash(enum dkim_canon, int64_t, const char *, size_t,
		    size_t, uint8_t *, uint64_t *);
static struct dkim_msg *msg_feed(const char *, size_t, size_t, int);
static void	 verify_one(const char *, size_t, size_t, size_t,
		    const char *, time_t, struct dkim_verdict *);
static EVP_PKEY	*keygen(int, int);
static char	*sign_msg(const char *, EVP_PKEY *, const char *,
		    const char *);
static char	*sign_tags(const char *, EVP_PKEY *, enum dkim_alg,
		    enum dkim_canon, int64_t, const char *);
static char	*key_txt(EVP_PKEY *);
static char	*lf_only(const char *);

static void
hash_of(const void *p, size_t n, uint8_t *out)
{
	unsigned int	 len = 0;

	ATF_REQUIRE(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1);
	ATF_REQUIRE_EQ(len, DKIM_HASH_LEN);
}

/* The body through dkim_body, in pieces of chunk bytes (0: whole). */
static void
body_hash(enum dkim_canon canon, int64_t l, const char *s, size_t n,
    size_t chunk, uint8_t *out, uint64_t *total)
{
	struct dkim_body	*b;
	size_t			 i, k;

	ATF_REQUIRE((b = malloc(sizeof(*b))) != NULL);
	ATF_REQUIRE(dkim_body_init(b, canon, l) == 0);
	if (chunk == 0)
		chunk = n;
	for (i = 0; i < n; i += k) {
		k = n - i < chunk ? n - i : chunk;
		dkim_body_update(b, s + i, k);
	}
	ATF_REQUIRE(dkim_body_final(b) == 0);
	memcpy(out, b->hash, DKIM_HASH_LEN);
	if (total != NULL)
		*total = b->total;
	dkim_body_free(b);
	free(b);
}

static struct dkim_msg *
msg_feed(const char *s, size_t n, size_t chunk, int flags)
{
	struct dkim_msg	*m;
	size_t		 i, k;

	ATF_REQUIRE((m = dkim_msg_new(flags)) != NULL);
	if (chunk == 0)
		chunk = n > 0 ? n : 1;
	for (i = 0; i < n; i += k) {
		k = n - i < chunk ? n - i : chunk;
		ATF_REQUIRE(dkim_msg_feed(m, s + i, k) == 0);
	}
	ATF_REQUIRE(dkim_msg_end(m) == 0);
	return (m);
}

/* Signature idx of the message checked with the key record txt. */
static void
verify_one(const char *s, size_t n, size_t chunk, size_t idx,
    const char *txt, time_t now, struct dkim_verdict *vd)
{
	struct dkim_msg			*m;
	const struct dkim_sigcheck	*sc;

	m = msg_feed(s, n, chunk, DKIM_MSG_VERIFY);
	ATF_REQUIRE(idx < dkim_msg_nsig(m));
	ATF_REQUIRE((sc = dkim_msg_sigcheck(m, idx)) != NULL);
	dkim_sigcheck_key(sc, RESOLVER_OK, txt, txt ? strlen(txt) : 0, now,
	    vd);
	dkim_msg_free(m);
}

static EVP_PKEY *
keygen(int type, int bits)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*k = NULL;

	ATF_REQUIRE((ctx = EVP_PKEY_CTX_new_id(type, NULL)) != NULL);
	ATF_REQUIRE(EVP_PKEY_keygen_init(ctx) == 1);
	if (type == EVP_PKEY_RSA)
		ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1);
	ATF_REQUIRE(EVP_PKEY_keygen(ctx, &k) == 1);
	EVP_PKEY_CTX_free(ctx);
	return (k);
}

static char *
key_txt(EVP_PKEY *k)
{
	char	*txt;

	ATF_REQUIRE((txt = malloc(2048)) != NULL);
	ATF_REQUIRE(dkim_key_txt(k, txt, 2048) == 0);
	return (txt);
}

/* msg signed by us (dkim_msg_sign): the field, then msg. */
static char *
sign_msg(const char *msg, EVP_PKEY *k, const char *d, const char *s)
{
	struct dkim_msg		*m;
	struct dkim_sign	 ds;
	uint8_t			 sig[DKIM_B_MAX];
	size_t			 siglen, len;
	char			*out;

	m = msg_feed(msg, strlen(msg), 0, DKIM_MSG_SIGN);
	ATF_REQUIRE(dkim_msg_sign(m, d, s, dkim_key_alg(k), NOW, &ds) == 0);
	ATF_REQUIRE(dkim_key_sign(k, ds.alg, ds.hhash, sig, &siglen) == 0);
	ATF_REQUIRE(dkim_sign_finish(&ds, sig, siglen) == 0);
	ATF_REQUIRE_EQ(strlen(ds.field), ds.len);
	len = ds.len + strlen(msg) + 1;
	ATF_REQUIRE((out = malloc(len)) != NULL);
	(void)snprintf(out, len, "%s%s", ds.field, msg);
	dkim_msg_free(m);
	return (out);
}

/*
 * msg signed with the tags given (without bh= and b=), the body hashed
 * with bcanon and l: the header hash comes from dkim_msg on the message
 * with a dummy b=, which does not count in it.
 */
static char *
sign_tags(const char *msg, EVP_PKEY *k, enum dkim_alg alg,
    enum dkim_canon bcanon, int64_t l, const char *tags)
{
	struct dkim_msg			*m;
	const struct dkim_sigcheck	*sc;
	const char			*body;
	uint8_t				 bh[DKIM_HASH_LEN], sig[DKIM_B_MAX];
	char				 bh64[64], b64[DKIM_B_MAX * 2];
	char				*field, *tmp, *out;
	size_t				 siglen;

	ATF_REQUIRE((body = strstr(msg, "\r\n\r\n")) != NULL);
	body += 4;
	body_hash(bcanon, l, body, strlen(body), 0, bh, NULL);
	ATF_REQUIRE(sasl_b64_encode(bh, sizeof(bh), bh64, sizeof(bh64)) > 0);
	ATF_REQUIRE(asprintf(&field, "DKIM-Signature: %s; bh=%s;\r\n b=",
	    tags, bh64) != -1);
	ATF_REQUIRE(asprintf(&tmp, "%sAAAA\r\n%s", field, msg) != -1);
	m = msg_feed(tmp, strlen(tmp), 0, DKIM_MSG_VERIFY);
	ATF_REQUIRE((sc = dkim_msg_sigcheck(m, 0)) != NULL);
	ATF_REQUIRE_MSG(sc->parsed, "%s", sc->perror);
	if (alg == DKIM_ALG_RSA_SHA1)
		alg = DKIM_ALG_RSA_SHA256;	/* rsa-sha1: never checked */
	ATF_REQUIRE(dkim_key_sign(k, alg, sc->hhash, sig, &siglen) == 0);
	ATF_REQUIRE(sasl_b64_encode(sig, siglen, b64, sizeof(b64)) > 0);
	ATF_REQUIRE(asprintf(&out, "%s%s\r\n%s", field, b64, msg) != -1);
	dkim_msg_free(m);
	free(tmp);
	free(field);
	return (out);
}

/* A copy with every CRLF turned into a bare LF. */
static char *
lf_only(const char *s)
{
	char	*out, *p;

	ATF_REQUIRE((out = strdup(s)) != NULL);
	for (p = out; *s != '\0'; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*p++ = *s;
	*p = '\0';
	return (out);
}

/* --- canonicalisation ---------------------------------------------------- */

/* RFC 6376 3.4.6 */
static const char ex_body[] =
    " C \r\nD \t E\r\n\r\n\r\n";
static const char ex_h1[] = "A: X\r\n";
static const char ex_h2[] = "B : Y\t\r\n\tZ  \r\n";

ATF_TC_WITHOUT_HEAD(canon_rfc6376_example);
ATF_TC_BODY(canon_rfc6376_example, tc)
{
	static const char relaxed_h[] = "a:X\r\nb:Y Z\r\n";
	static const char relaxed_b[] = " C\r\nD E\r\n";
	static const char simple_b[] = " C \r\nD \t E\r\n";
	uint8_t		 want[DKIM_HASH_LEN], got[DKIM_HASH_LEN];
	EVP_MD_CTX	*md;
	unsigned int	 len;
	char		*lf;
	size_t		 chunk;

	/* headers */
	ATF_REQUIRE((md = EVP_MD_CTX_new()) != NULL);
	ATF_REQUIRE(EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1);
	ATF_REQUIRE(dkim_canon_header(md, DKIM_CANON_RELAXED, ex_h1,
	    strlen(ex_h1), 1) == 0);
	ATF_REQUIRE(dkim_canon_header(md, DKIM_CANON_RELAXED, ex_h2,
	    strlen(ex_h2), 1) == 0);
	ATF_REQUIRE(EVP_DigestFinal_ex(md, got, &len) == 1);
	hash_of(relaxed_h, strlen(relaxed_h), want);
	ATF_CHECK(memcmp(want, got, sizeof(want)) == 0);
	ATF_REQUIRE(EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1);
	ATF_REQUIRE(dkim_canon_header(md, DKIM_CANON_SIMPLE, ex_h2,
	    strlen(ex_h2), 1) == 0);
	ATF_REQUIRE(EVP_DigestFinal_ex(md, got, &len) == 1);
	hash_of(ex_h2, strlen(ex_h2), want);
	ATF_CHECK(memcmp(want, got, sizeof(want)) == 0);
	/* without the CRLF (the signature field) */
	ATF_REQUIRE(EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1);
	ATF_REQUIRE(dkim_canon_header(md, DKIM_CANON_RELAXED, ex_h2,
	    strlen(ex_h2), 0) == 0);
	ATF_REQUIRE(EVP_DigestFinal_ex(md, got, &len) == 1);
	hash_of("b:Y Z", 5, want);
	ATF_CHECK(memcmp(want, got, sizeof(want)) == 0);
	EVP_MD_CTX_free(md);

	/* the body: whole, by 1, 2, 3 bytes, and with bare LF */
	lf = lf_only(ex_body);
	for (chunk = 0; chunk < 4; chunk++) {
		hash_of(relaxed_b, strlen(relaxed_b), want);
		body_hash(DKIM_CANON_RELAXED, -1, ex_body, strlen(ex_body),
		    chunk, got, NULL);
		ATF_CHECK_MSG(memcmp(want, got, sizeof(want)) == 0,
		    "relaxed chunk %zu", chunk);
		body_hash(DKIM_CANON_RELAXED, -1, lf, strlen(lf), chunk, got,
		    NULL);
		ATF_CHECK_MSG(memcmp(want, got, sizeof(want)) == 0,
		    "relaxed LF chunk %zu", chunk);
		hash_of(simple_b, strlen(simple_b), want);
		body_hash(DKIM_CANON_SIMPLE, -1, ex_body, strlen(ex_body),
		    chunk, got, NULL);
		ATF_CHECK_MSG(memcmp(want, got, sizeof(want)) == 0,
		    "simple chunk %zu", chunk);
		body_hash(DKIM_CANON_SIMPLE, -1, lf, strlen(lf), chunk, got,
		    NULL);
		ATF_CHECK_MSG(memcmp(want, got, sizeof(want)) == 0,
		    "simple LF chunk %zu", chunk);
	}
	free(lf);
}

ATF_TC_WITHOUT_HEAD(canon_body_edges);
ATF_TC_BODY(canon_body_edges, tc)
{
	static const struct {
		enum dkim_canon	 c;
		const char	*in;
		const char	*out;
	} cases[] = {
		{ DKIM_CANON_SIMPLE, "", "\r\n" },
		{ DKIM_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n" },
		{ DKIM_CANON_SIMPLE, "a", "a\r\n" },
		{ DKIM_CANON_SIMPLE, "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n" },
		{ DKIM_CANON_SIMPLE, "a \r\n \r\n", "a \r\n \r\n" },
		{ DKIM_CANON_SIMPLE, "a\rb\r\n", "a\rb\r\n" },
		{ DKIM_CANON_SIMPLE, "a\r", "a\r\r\n" },
		{ DKIM_CANON_SIMPLE, "a\r\r\n", "a\r\r\n" },
		{ DKIM_CANON_RELAXED, "", "" },
		{ DKIM_CANON_RELAXED, "\r\n\r\n", "" },
		{ DKIM_CANON_RELAXED, " \t\r\n  \r\n", "" },
		{ DKIM_CANON_RELAXED, "a", "a\r\n" },
		{ DKIM_CANON_RELAXED, "a  b\t\tc  \r\n", "a b c\r\n" },
		{ DKIM_CANON_RELAXED, "  a\r\n \r\nb\r\n \r\n",
		    " a\r\n\r\nb\r\n" },
		{ DKIM_CANON_RELAXED, "a\rb \r", "a\rb \r\r\n" },
		{ DKIM_CANON_RELAXED, "a \r\r\n", "a \r\r\n" },
	};
	uint8_t		 want[DKIM_HASH_LEN], got[DKIM_HASH_LEN];
	uint64_t	 total;
	size_t		 i, chunk;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hash_of(cases[i].out, strlen(cases[i].out), want);
		for (chunk = 0; chunk < 3; chunk++) {
			body_hash(cases[i].c, -1, cases[i].in,
			    strlen(cases[i].in), chunk, got, &total);
			ATF_CHECK_MSG(memcmp(want, got, sizeof(want)) == 0,
			    "case %zu chunk %zu", i, chunk);
			ATF_CHECK_EQ(total, strlen(cases[i].out));
		}
	}
	/* l=: the first l canonical bytes, total counts them all */
	hash_of("a b\r\n", 5, want);
	body_hash(DKIM_CANON_RELAXED, 5, "a  b\r\nmore\r\n", 12, 1, got,
	    &total);
	ATF_CHECK(memcmp(want, got, sizeof(want)) == 0);
	ATF_CHECK_EQ(total, 11);
	hash_of("", 0, want);
	body_hash(DKIM_CANON_SIMPLE, 0, "x\r\n", 3, 0, got, &total);
	ATF_CHECK(memcmp(want, got, sizeof(want)) == 0);
	ATF_CHECK_EQ(total, 3);
}


/*
 * The reference: the body cut into lines (CRLF or a bare LF ends one),
 * each canonicalised on its own, trailing empty lines dropped, written
 * byte by byte.  Returns the length written to out.
 */
static size_t
ref_body(enum dkim_canon c, const char *in, size_t n, char *out)
{
	size_t	 i = 0, start, end, k, len = 0, line, keep = 0;
	int	 wsp;

	while (i < n) {
		start = i;
		while (i < n && in[i] != '\n')
			i++;
		end = i;
		if (i < n) {
			i++;	/* the LF */
			if (end > start && in[end - 1] == '\r')
				end--;
		}
		line = len;
		if (c == DKIM_CANON_SIMPLE) {
			memcpy(out + len, in + start, end - start);
			len += end - start;
		} else {
			wsp = 0;
			for (k = start; k < end; k++) {
				if (in[k] == ' ' || in[k] == '\t') {
					wsp = 1;
					continue;
				}
				if (wsp)	/* leading WSP too: one SP */
					out[len++] = ' ';
				wsp = 0;
				out[len++] = in[k];
			}
		}
		out[len++] = '\r';
		out[len++] = '\n';
		if (len - line > 2)	/* not empty: what is before stays */
			keep = len;
	}
	len = keep;		/* trailing empty lines dropped */
	if (c == DKIM_CANON_SIMPLE && len == 0) {
		out[len++] = '\r';
		out[len++] = '\n';
	}
	return (len);
}

ATF_TC_WITHOUT_HEAD(canon_body_random);
ATF_TC_BODY(canon_body_random, tc)
{
	static const char alpha[] = "ab \t\r\n";
	char		 in[64], ref[256];
	uint8_t		 want[DKIM_HASH_LEN], got[DKIM_HASH_LEN];
	uint64_t	 total;
	size_t		 i, j, n, len, chunk;
	int64_t		 l;
	int		 c;

	srandom(16);
	for (i = 0; i < 20000; i++) {
		n = (size_t)random() % sizeof(in);
		for (j = 0; j < n; j++)
			in[j] = alpha[random() % (sizeof(alpha) - 1)];
		c = (int)(random() % 2);
		chunk = (size_t)random() % 5;
		len = ref_body(c, in, n, ref);
		l = random() % 3 == 0 ? random() % 40 : -1;
		hash_of(ref, l >= 0 && (size_t)l < len ? (size_t)l : len,
		    want);
		body_hash(c, l, in, n, chunk, got, &total);
		ATF_REQUIRE_MSG(memcmp(want, got, sizeof(want)) == 0 &&
		    total == len, "case %zu: canon %d chunk %zu l %lld "
		    "len %zu total %llu", i, c, chunk, (long long)l, len,
		    (unsigned long long)total);
	}
}

/* --- parsers ------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(tag_list);
ATF_TC_BODY(tag_list, tc)
{
	static const struct {
		const char	*in;
		int		 n;	/* -1: error */
	} cases[] = {
		{ "", 0 },
		{ "a=1", 1 },
		{ "a=1;", 1 },
		{ " a = 1 ; b= 2 3 ;", 2 },
		{ "a=\r\n\t1;\r\n b=;", 2 },
		{ "a=1;;b=2", 2 },
		{ "a=1; a=2", -1 },		/* duplicate */
		{ "a", -1 },
		{ "a 1=2", -1 },
		{ "=1", -1 },
		{ "1a=1", -1 },
		{ "a_b9=x", 1 },
		{ "a=\x01", -1 },
		{ "a=\xc3\xa9", -1 },
		{ "a=x=y", 1 },
	};
	struct dkim_tag	 tags[DKIM_TAG_MAX];
	const char	*err;
	size_t		 i;
	char		 many[DKIM_TAG_MAX * 8 + 16];
	size_t		 n = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ATF_CHECK_EQ_MSG(dkim_tag_list(cases[i].in,
		    strlen(cases[i].in), tags, DKIM_TAG_MAX, &err),
		    cases[i].n, "case %zu", i);
	ATF_REQUIRE_EQ(dkim_tag_list(" a = 1 ; b= 2 3 ;", 17, tags,
	    DKIM_TAG_MAX, &err), 2);
	ATF_CHECK(tags[1].vallen == 3 && memcmp(tags[1].val, "2 3", 3) == 0);
	ATF_CHECK(tags[0].vallen == 1 && tags[0].val[0] == '1');
	/* one tag too many */
	for (i = 0; i <= DKIM_TAG_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "t%zu=1;", i);
	ATF_CHECK_EQ(dkim_tag_list(many, n, tags, DKIM_TAG_MAX, &err), -1);
	ATF_CHECK_STREQ(err, "too many tags");
}

#define SIG_OK	"v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; " \
		"bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; "

ATF_TC_WITHOUT_HEAD(sig_parse);
ATF_TC_BODY(sig_parse, tc)
{
	static const struct {
		const char	*in;
		int		 ok;
	} cases[] = {
		{ SIG_OK "b=AAAA", 1 },
		{ SIG_OK "b=AA\r\n AA; z=x|y; zz=unknown", 1 },
		{ SIG_OK "b=", 0 },
		{ SIG_OK "b=AAA", 0 },
		{ SIG_OK "b=A!AA", 0 },
		{ "v=2; a=rsa-sha256; d=example.com; s=sel; h=from; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    0 },
		{ "a=rsa-sha256; d=example.com; s=sel; h=from; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    0 },
		{ "v=1; a=rsa-md5; d=example.com; s=sel; h=from; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    0 },
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    0 },
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; "
		    "bh=AAAA; b=AAAA", 0 },
		{ SIG_OK "b=AAAA; i=joe@example.com", 1 },
		{ SIG_OK "b=AAAA; i=@mail.Example.COM", 1 },
		{ SIG_OK "b=AAAA; i=joe@badexample.com", 0 },
		{ SIG_OK "b=AAAA; i=joe@com", 0 },
		{ SIG_OK "b=AAAA; i=joe", 0 },
		{ SIG_OK "b=AAAA; t=100; x=200", 1 },
		{ SIG_OK "b=AAAA; t=200; x=100", 0 },
		{ SIG_OK "b=AAAA; t=200; x=200", 0 },	/* 3.5: x > t */
		{ SIG_OK "b=AAAA; t=-1", 0 },
		{ SIG_OK "b=AAAA; t=1234567890123456789", 0 },
		{ SIG_OK "b=AAAA; l=0", 1 },
		{ SIG_OK "b=AAAA; l=1x", 0 },
		{ SIG_OK "b=AAAA; c=relaxed", 1 },
		{ SIG_OK "b=AAAA; c=relaxed/fancy", 0 },
		{ SIG_OK "b=AAAA; q=dns/txt", 1 },
		{ SIG_OK "b=AAAA; q=http", 0 },
		{ SIG_OK "b=AAAA; b=AAAA", 0 },
		{ "v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=from; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    0 },
		{ "v=1; a=rsa-sha256; d=example..com; s=sel; h=from; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    0 },
		{ "v=1; a=rsa-sha256; d=example.com; s=a/b; h=from; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    0 },
	};
	struct dkim_sigcheck	 sc;
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = dkim_sig_parse(&sc, cases[i].in, strlen(cases[i].in));
		ATF_CHECK_MSG((r == 0) == cases[i].ok && sc.parsed ==
		    cases[i].ok, "case %zu: %s", i, sc.perror);
		if (!cases[i].ok)
			ATF_CHECK_MSG(sc.perror[0] != '\0', "case %zu", i);
	}

	/* the values */
	r = dkim_sig_parse(&sc, SIG_OK "b=AQID\r\n BAUG; c=relaxed; l=42; "
	    "t=100; x=200; d=Example.COM", strlen(SIG_OK "b=AQID\r\n BAUG; "
	    "c=relaxed; l=42; t=100; x=200; d=Example.COM"));
	ATF_CHECK_EQ(r, -1);	/* d= twice */
	r = dkim_sig_parse(&sc, "v=1; a=ed25519-sha256; d=Example.COM; "
	    "s=sel; h=from; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; "
	    "b=AQID\r\n BAUG; c=relaxed; l=42; t=100; x=200", strlen(
	    "v=1; a=ed25519-sha256; d=Example.COM; "
	    "s=sel; h=from; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; "
	    "b=AQID\r\n BAUG; c=relaxed; l=42; t=100; x=200"));
	ATF_REQUIRE_MSG(r == 0, "%s", sc.perror);
	ATF_CHECK_EQ(sc.alg, DKIM_ALG_ED25519_SHA256);
	ATF_CHECK_EQ(sc.hcanon, DKIM_CANON_RELAXED);
	ATF_CHECK_EQ(sc.bcanon, DKIM_CANON_SIMPLE);
	ATF_CHECK_STREQ(sc.d, "example.com");
	ATF_CHECK_STREQ(sc.s, "sel");
	ATF_CHECK_STREQ(sc.i, "@example.com");
	ATF_CHECK_EQ(sc.l, 42);
	ATF_CHECK_EQ(sc.t, 100);
	ATF_CHECK_EQ(sc.x, 200);
	ATF_CHECK_EQ(sc.blen, 6);
	ATF_CHECK(memcmp(sc.b, "\1\2\3\4\5\6", 6) == 0);
	ATF_CHECK_STREQ(sc.b8, "AQIDBAUG");
	/* defaults */
	r = dkim_sig_parse(&sc, SIG_OK "b=AAAA", strlen(SIG_OK "b=AAAA"));
	ATF_REQUIRE(r == 0);
	ATF_CHECK(sc.l == -1 && sc.t == -1 && sc.x == -1);
	ATF_CHECK(sc.hcanon == DKIM_CANON_SIMPLE &&
	    sc.bcanon == DKIM_CANON_SIMPLE);
	ATF_CHECK_STREQ(sc.b8, "AAAA");
}

#define KP(k, s)	dkim_key_parse((k), (s), strlen(s), &err)

ATF_TC_WITHOUT_HEAD(key_parse);
ATF_TC_BODY(key_parse, tc)
{
	static const struct {
		const char	*in;
		int		 ok;
	} cases[] = {
		{ "v=DKIM1; k=rsa; p=AAAA", 1 },
		{ "p=AAAA", 1 },
		{ "k=rsa; v=DKIM1; p=AAAA", 0 },
		{ "v=DKIM2; p=AAAA", 0 },
		{ "v=DKIM1; k=dsa; p=AAAA", 0 },
		{ "v=DKIM1; k=rsa", 0 },
		{ "v=DKIM1; p=A A\r\n AA; n=notes; foo=bar", 1 },
		{ "v=DKIM1; p=AAA", 0 },
		{ "v=DKIM1; p=", 1 },
		{ "v=DKIM1; p=AAAA; p=AAAA", 0 },
		{ "v=DKIM1;; p=AAAA;", 1 },
	};
	struct dkim_key	 k;
	const char	*err;
	size_t		 i;
	char		 big[2048];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ATF_CHECK_EQ_MSG(dkim_key_parse(&k, cases[i].in,
		    strlen(cases[i].in), &err) == 0, cases[i].ok,
		    "case %zu", i);
	ATF_REQUIRE(dkim_key_parse(&k, "p=AQID", 6, &err) == 0);
	ATF_CHECK(!k.ed25519 && !k.revoked && !k.testing && !k.strict &&
	    k.sha256_ok && k.email_ok && k.plen == 3);
	ATF_REQUIRE(KP(&k, "k=ed25519; t=y:s; h=sha1; s=tlsrpt; p=") == 0);
	ATF_CHECK(k.ed25519 && k.revoked && k.testing && k.strict &&
	    !k.sha256_ok && !k.email_ok);
	ATF_REQUIRE(KP(&k, "h=sha1 : sha256; s=email:*; t=y; p=AAAA") == 0);
	ATF_CHECK(k.sha256_ok && k.email_ok && k.testing && !k.strict);
	/* a p= larger than any key: refused before decoding */
	memcpy(big, "p=", 2);
	memset(big + 2, 'A', sizeof(big) - 2);
	ATF_CHECK_EQ(dkim_key_parse(&k, big, sizeof(big), &err), -1);
}

ATF_TC_WITHOUT_HEAD(from_domain);
ATF_TC_BODY(from_domain, tc)
{
	static const struct {
		const char	*hdr;
		const char	*domain;	/* NULL: none */
	} cases[] = {
		{ "From: joe@Example.COM\r\n", "example.com" },
		{ "From: Joe <joe@example.com>\r\n", "example.com" },
		{ "From: \"Joe, <x@evil.test>\" <joe@example.com>\r\n",
		    "example.com" },
		{ "From: (c <a@evil.test>) joe@example.com (more)\r\n",
		    "example.com" },
		{ "From: \"a@b\"@example.com\r\n", "example.com" },
		{ "from :\r\n Joe\r\n <joe@sub.example.com>\r\n",
		    "sub.example.com" },
		{ "From: joe@example.com.\r\n", "example.com" },
		{ "From: joe@example.com, ann@example.org\r\n", NULL },
		{ "From: friends: joe@example.com;\r\n", NULL },
		{ "From: <joe@example.com> <ann@example.org>\r\n", NULL },
		{ "From: joe@[192.0.2.1]\r\n", NULL },
		{ "From: joe\r\n", NULL },
		{ "From: @example.com\r\n", NULL },
		{ "From: \"joe@example.com\r\n", NULL },
		{ "From: (joe@example.com\r\n", NULL },
		{ "From: joe@exa mple.com\r\n", NULL },
		{ "From: <joe@example.com\r\n", NULL },
		{ "From: a@example.com\r\nFrom: b@example.com\r\n", NULL },
		{ "To: a@example.com\r\n", NULL },
		{ "From: joe@example..com\r\n", NULL },
	};
	struct dkim_msg	*m;
	const char	*d;
	char		*msg, *p;
	size_t		 i, len;
	int		 bad;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ATF_REQUIRE(asprintf(&msg, "%s\r\nbody\r\n", cases[i].hdr)
		    != -1);
		m = msg_feed(msg, strlen(msg), 0, DKIM_MSG_VERIFY);
		d = dkim_msg_from_domain(m);
		if (cases[i].domain == NULL)
			ATF_CHECK_MSG(d == NULL, "case %zu: %s", i, d);
		else
			ATF_CHECK_MSG(d != NULL &&
			    strcmp(d, cases[i].domain) == 0, "case %zu: %s",
			    i, d ? d : "(null)");
		/* a From without one domain is unusable, no From is not */
		bad = cases[i].domain == NULL &&
		    strncasecmp(cases[i].hdr, "from", 4) == 0;
		ATF_CHECK_EQ_MSG(dkim_msg_from_unusable(m), bad,
		    "case %zu: unusable %d", i, dkim_msg_from_unusable(m));
		dkim_msg_free(m);
		free(msg);
	}

	/*
	 * More header fields than are kept: the From a reader sees may be
	 * among those not read, so the From is unusable, not absent (a
	 * forger must not get "no DMARC" with 4097 short fields).
	 */
	len = 5000 * 5 + 64;
	ATF_REQUIRE((msg = malloc(len)) != NULL);
	p = msg;
	for (i = 0; i < 5000; i++) {
		memcpy(p, "X:a\r\n", 5);
		p += 5;
	}
	i = strlen("From: joe@example.com\r\n\r\nbody\r\n");
	memcpy(p, "From: joe@example.com\r\n\r\nbody\r\n", i);
	p += i;
	m = msg_feed(msg, (size_t)(p - msg), 0, DKIM_MSG_VERIFY);
	ATF_CHECK(dkim_msg_from_domain(m) == NULL);
	ATF_CHECK_EQ(dkim_msg_from_unusable(m), 1);
	dkim_msg_free(m);
	free(msg);
}

/* --- the RFC examples ---------------------------------------------------- */

/* RFC 8463 Appendix A.3, byte for byte (continuation lines: one SP) */
static const char rfc8463_msg[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

/* RFC 8463 A.2: the key records (the Ed25519 key is RFC 8032's test 1) */
static const char rfc8463_ed_txt[] =
    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char rfc8463_rsa_txt[] =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

ATF_TC_WITHOUT_HEAD(rfc8463_example);
ATF_TC_BODY(rfc8463_example, tc)
{
	struct dkim_verdict	 vd;
	struct dkim_msg		*m;
	const struct dkim_sigcheck *sc;
	size_t			 chunks[] = { 0, 1, 7, 64 }, i;
	char			*lf;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		verify_one(rfc8463_msg, strlen(rfc8463_msg), chunks[i], 0,
		    rfc8463_ed_txt, NOW, &vd);
		ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "ed25519 chunk %zu: %s",
		    chunks[i], vd.reason);
		verify_one(rfc8463_msg, strlen(rfc8463_msg), chunks[i], 1,
		    rfc8463_rsa_txt, NOW, &vd);
		ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "rsa chunk %zu: %s",
		    chunks[i], vd.reason);
	}
	ATF_CHECK_STREQ(vd.d, "football.example.com");
	ATF_CHECK_STREQ(vd.s, "test");
	ATF_CHECK_STREQ(vd.b8, "F45dVWDf");
	ATF_CHECK_EQ(vd.alg, DKIM_ALG_RSA_SHA256);

	/* stored with bare LF: the same */
	lf = lf_only(rfc8463_msg);
	verify_one(lf, strlen(lf), 3, 0, rfc8463_ed_txt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	free(lf);

	/* the keys the other way round */
	verify_one(rfc8463_msg, strlen(rfc8463_msg), 0, 0, rfc8463_rsa_txt,
	    NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);

	m = msg_feed(rfc8463_msg, strlen(rfc8463_msg), 0, DKIM_MSG_VERIFY);
	ATF_REQUIRE_EQ(dkim_msg_nsig(m), 2);
	ATF_REQUIRE((sc = dkim_msg_sigcheck(m, 0)) != NULL);
	ATF_CHECK(sc->parsed && sc->bh_ok && !sc->l_short);
	ATF_CHECK_EQ(sc->t, 1528637909);
	ATF_CHECK_STREQ(sc->i, "@football.example.com");
	ATF_CHECK(dkim_msg_sigcheck(m, 2) == NULL);
	ATF_CHECK_STREQ(dkim_msg_from_domain(m), "football.example.com");
	dkim_msg_free(m);
}

/*
 * RFC 6376 Appendix A.  As printed, the example has two known problems
 * (errata 3192 and 4926): the body has two spaces in "game.  Are",
 * while bh= was computed over one (simple canonicalisation keeps
 * spaces), and the header fields were re-indented for print.  So: the
 * printed body gives "body hash mismatch"; the corrected body has the
 * bh= of the example; and the whole message, with the corrected body
 * and the fields as the errata give them, verifies with the key of
 * A.3 (brisbane._domainkey.example.com).
 */
static const char rfc6376_hdr[] =
    "DKIM-Signature: v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
    "      4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
    "      KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
    "      4bmp/YzhwvcubU4=;\r\n"
    "Received: from client1.football.example.com  [192.0.2.1]\r\n"
    "      by submitserver.example.com with SUBMISSION;\r\n"
    "      Fri, 11 Jul 2003 21:01:54 -0700 (PDT)\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n";
static const char rfc6376_body_printed[] =
    "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
static const char rfc6376_body_fixed[] =
    "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";
static const char rfc6376_txt[] =
    "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3"
    "/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v"
    "/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToI"
    "MmPSPDdQPNUYckcQ2QIDAQAB";

ATF_TC_WITHOUT_HEAD(rfc6376_example);
ATF_TC_BODY(rfc6376_example, tc)
{
	struct dkim_verdict	 vd;
	uint8_t			 want[DKIM_HASH_LEN], got[DKIM_HASH_LEN];
	size_t			 n;
	char			*msg;

	ATF_REQUIRE(sasl_b64_decode(
	    "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", 44, want,
	    sizeof(want), &n) == 0 && n == DKIM_HASH_LEN);
	body_hash(DKIM_CANON_SIMPLE, -1, rfc6376_body_fixed,
	    strlen(rfc6376_body_fixed), 1, got, NULL);
	ATF_CHECK(memcmp(want, got, sizeof(want)) == 0);
	body_hash(DKIM_CANON_SIMPLE, -1, rfc6376_body_printed,
	    strlen(rfc6376_body_printed), 0, got, NULL);
	ATF_CHECK(memcmp(want, got, sizeof(want)) != 0);
	/* relaxed makes the two bodies one */
	body_hash(DKIM_CANON_RELAXED, -1, rfc6376_body_printed,
	    strlen(rfc6376_body_printed), 0, got, NULL);
	ATF_CHECK(memcmp(want, got, sizeof(want)) == 0);

	ATF_REQUIRE(asprintf(&msg, "%s%s", rfc6376_hdr,
	    rfc6376_body_printed) != -1);
	verify_one(msg, strlen(msg), 0, 0, rfc6376_txt, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_FAIL);
	ATF_CHECK_STREQ(vd.reason, "body hash mismatch");
	ATF_CHECK_STREQ(vd.i, "joe@football.example.com");
	free(msg);
	ATF_REQUIRE(asprintf(&msg, "%s%s", rfc6376_hdr,
	    rfc6376_body_fixed) != -1);
	verify_one(msg, strlen(msg), 0, 0, rfc6376_txt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	free(msg);
}

/* --- signing, and what must not verify ----------------------------------- */

static const char plain_msg[] =
    "From: Ann <ann@example.com>\r\n"
    "To: bob@example.org\r\n"
    "To: carol@example.org\r\n"
    "Subject: the  plan\r\n"
    "Date: Sun, 6 Dec 2026 21:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n"
    "X-Other: not signed\r\n"
    "\r\n"
    "Line one.\r\n"
    "Line  two. \r\n"
    "\r\n";

/* s with the first "from" replaced by to: a copy. */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char	*p;
	char		*out;

	ATF_REQUIRE((p = strstr(s, from)) != NULL);
	ATF_REQUIRE(asprintf(&out, "%.*s%s%s", (int)(p - s), s, to,
	    p + strlen(from)) != -1);
	return (out);
}

/* A copy without the folding (CRLF TAB) of our fields. */
static char *
unfold(const char *s)
{
	char	*out, *w;

	ATF_REQUIRE((out = strdup(s)) != NULL);
	for (w = out; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n' && s[2] == '\t') {
			s += 2;
			continue;
		}
		*w++ = *s;
	}
	*w = '\0';
	return (out);
}

static void
roundtrip(int type, int bits)
{
	struct dkim_verdict	 vd;
	struct dkim_msg		*m;
	const struct dkim_sigcheck *sc;
	EVP_PKEY		*k;
	char			*txt, *signed_msg, *bad, *lf, *unfolded;
	const char		*p, *e;
	size_t			 flen, off;

	k = keygen(type, bits);
	txt = key_txt(k);
	signed_msg = sign_msg(plain_msg, k, "example.com", "sel");

	/* the field we wrote */
	ATF_CHECK(strncmp(signed_msg, "DKIM-Signature: v=1; a=", 23) == 0);
	ATF_CHECK(strstr(signed_msg, "c=relaxed/relaxed;") != NULL);
	ATF_CHECK(strstr(signed_msg, "t=1528637909;") != NULL);
	ATF_CHECK(strstr(signed_msg, "h=from:reply-to") == NULL);
	unfolded = unfold(signed_msg);
	ATF_CHECK_MSG(strstr(unfolded, "h=from:from:subject:date:to:to:"
	    "message-id;") != NULL, "%s", unfolded);
	free(unfolded);
	ATF_CHECK(strstr(signed_msg, "x-other") == NULL);
	/* lines of at most 78 characters, continuations start with TAB */
	ATF_REQUIRE((p = strstr(signed_msg, "\r\nFrom: ")) != NULL);
	flen = (size_t)(p - signed_msg);
	for (off = 0; off < flen; off = (size_t)(e - signed_msg) + 2) {
		ATF_REQUIRE((e = strstr(signed_msg + off, "\r\n")) != NULL);
		ATF_CHECK((size_t)(e - signed_msg) - off <= 78);
		if (off > 0)
			ATF_CHECK_EQ(signed_msg[off], '\t');
	}

	verify_one(signed_msg, strlen(signed_msg), 0, 0, txt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	ATF_CHECK_STREQ(vd.d, "example.com");
	ATF_CHECK_STREQ(vd.s, "sel");
	ATF_CHECK_EQ(vd.alg, dkim_key_alg(k));
	lf = lf_only(signed_msg);
	verify_one(lf, strlen(lf), 1, 0, txt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "LF: %s", vd.reason);
	free(lf);

	/* whitespace changes relaxed/relaxed does not see */
	bad = replace(signed_msg, "Subject: the  plan", "Subject:  the plan ");
	verify_one(bad, strlen(bad), 0, 0, txt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	free(bad);

	/* tampered body */
	bad = replace(signed_msg, "Line one.", "Line 1.");
	verify_one(bad, strlen(bad), 0, 0, txt, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_FAIL);
	ATF_CHECK_STREQ(vd.reason, "body hash mismatch");
	free(bad);
	/* tampered header */
	bad = replace(signed_msg, "Subject: the  plan", "Subject: the plot");
	verify_one(bad, strlen(bad), 0, 0, txt, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_FAIL);
	ATF_CHECK_STREQ(vd.reason, "signature did not verify");
	free(bad);
	/* a second From added above: oversigning catches it */
	bad = replace(signed_msg, "From: Ann", "From: Eve <eve@evil.test>\r\n"
	    "From: Ann");
	verify_one(bad, strlen(bad), 0, 0, txt, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_FAIL);
	m = msg_feed(bad, strlen(bad), 0, DKIM_MSG_VERIFY);
	ATF_CHECK(dkim_msg_from_domain(m) == NULL);
	dkim_msg_free(m);
	free(bad);
	/* an unsigned field added: still fine */
	bad = replace(signed_msg, "From: Ann", "Received: by mx\r\nFrom: Ann");
	verify_one(bad, strlen(bad), 0, 0, txt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	free(bad);
	/* the signature itself altered */
	m = msg_feed(signed_msg, strlen(signed_msg), 0, DKIM_MSG_VERIFY);
	ATF_REQUIRE((sc = dkim_msg_sigcheck(m, 0)) != NULL);
	{
		struct dkim_sigcheck	 c = *sc;

		c.b[c.blen / 2] ^= 1;
		dkim_sigcheck_key(&c, RESOLVER_OK, txt, strlen(txt), NOW,
		    &vd);
		ATF_CHECK_EQ(vd.result, DKIM_FAIL);
		c = *sc;
		c.blen--;
		dkim_sigcheck_key(&c, RESOLVER_OK, txt, strlen(txt), NOW,
		    &vd);
		ATF_CHECK_EQ(vd.result, DKIM_FAIL);
		/* lookup results */
		dkim_sigcheck_key(sc, RESOLVER_TEMPFAIL, NULL, 0, NOW, &vd);
		ATF_CHECK_EQ(vd.result, DKIM_TEMPERROR);
		dkim_sigcheck_key(sc, RESOLVER_NXDOMAIN, NULL, 0, NOW, &vd);
		ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
		ATF_CHECK_STREQ(vd.reason, "no key");
	}
	dkim_msg_free(m);

	free(signed_msg);
	free(txt);
	EVP_PKEY_free(k);
}

ATF_TC_WITHOUT_HEAD(sign_verify_ed25519);
ATF_TC_BODY(sign_verify_ed25519, tc)
{
	roundtrip(EVP_PKEY_ED25519, 0);
}

ATF_TC_WITHOUT_HEAD(sign_verify_rsa);
ATF_TC_BODY(sign_verify_rsa, tc)
{
	roundtrip(EVP_PKEY_RSA, 2048);
}

ATF_TC_WITHOUT_HEAD(sign_errors);
ATF_TC_BODY(sign_errors, tc)
{
	struct dkim_msg		*m;
	struct dkim_sign	 ds;
	uint8_t			 sig[DKIM_B_MAX];
	char			*big;
	size_t			 n;

	m = msg_feed(plain_msg, strlen(plain_msg), 0, DKIM_MSG_SIGN);
	ATF_CHECK(dkim_msg_sign(m, "example.com", "sel",
	    DKIM_ALG_RSA_SHA1, NOW, &ds) == -1);
	ATF_CHECK(dkim_msg_sign(m, "exa;mple.com", "sel",
	    DKIM_ALG_RSA_SHA256, NOW, &ds) == -1);
	ATF_CHECK(dkim_msg_sign(m, "example.com", "",
	    DKIM_ALG_RSA_SHA256, NOW, &ds) == -1);
	ATF_REQUIRE(dkim_msg_sign(m, "example.com", "sel",
	    DKIM_ALG_RSA_SHA256, NOW, &ds) == 0);
	memset(sig, 0xa5, sizeof(sig));
	ATF_CHECK(dkim_sign_finish(&ds, sig, sizeof(sig) + 1) == -1);
	ATF_CHECK(dkim_sign_finish(&ds, sig, sizeof(sig)) == 0);
	dkim_msg_free(m);
	/* not fed for signing */
	m = msg_feed(plain_msg, strlen(plain_msg), 0, DKIM_MSG_VERIFY);
	ATF_CHECK(dkim_msg_sign(m, "example.com", "sel",
	    DKIM_ALG_RSA_SHA256, NOW, &ds) == -1);
	dkim_msg_free(m);
	/* a header section over DKIM_HEADER_MAX */
	n = DKIM_HEADER_MAX + 100;
	ATF_REQUIRE((big = malloc(n + 64)) != NULL);
	memcpy(big, "DKIM-Signature: " SIG_OK "b=AAAA\r\n", 16 +
	    strlen(SIG_OK "b=AAAA\r\n"));
	memset(big + 16 + strlen(SIG_OK "b=AAAA\r\n"), 'x',
	    n - 16 - strlen(SIG_OK "b=AAAA\r\n"));
	memcpy(big + n, "\r\n\r\nbody\r\n", 11);
	m = msg_feed(big, strlen(big), 4096, DKIM_MSG_SIGN | DKIM_MSG_VERIFY);
	ATF_CHECK(dkim_msg_sign(m, "example.com", "sel",
	    DKIM_ALG_RSA_SHA256, NOW, &ds) == -1);
	ATF_REQUIRE_EQ(dkim_msg_nsig(m), 1);
	ATF_CHECK(!dkim_msg_sigcheck(m, 0)->parsed);
	ATF_CHECK_STREQ(dkim_msg_sigcheck(m, 0)->perror, "header too large");
	dkim_msg_free(m);
	free(big);
}

#define TAGS	"v=1; d=example.com; s=sel; h=from:subject"

ATF_TC_WITHOUT_HEAD(verify_rules);
ATF_TC_BODY(verify_rules, tc)
{
	struct dkim_verdict	 vd;
	EVP_PKEY		*ed, *rsa, *small;
	char			*edtxt, *rsatxt, *smalltxt, *s, *more, *t;

	ed = keygen(EVP_PKEY_ED25519, 0);
	rsa = keygen(EVP_PKEY_RSA, 2048);
	small = keygen(EVP_PKEY_RSA, 768);
	edtxt = key_txt(ed);
	rsatxt = key_txt(rsa);
	smalltxt = key_txt(small);

	/* l=: pass as signed, policy with text appended */
	s = sign_tags(plain_msg, ed, DKIM_ALG_ED25519_SHA256,
	    DKIM_CANON_RELAXED, 11, TAGS "; a=ed25519-sha256; "
	    "c=relaxed/relaxed; l=11");
	verify_one(s, strlen(s), 0, 0, edtxt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_POLICY, "%s", vd.reason);
	ATF_REQUIRE(asprintf(&more, "%.*sLine one.\r\n", (int)(strstr(s,
	    "\r\n\r\n") - s + 4), s) != -1);
	verify_one(more, strlen(more), 0, 0, edtxt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	free(more);
	ATF_REQUIRE(asprintf(&more, "%s%s", s, "Appended by Eve.\r\n") != -1);
	verify_one(more, strlen(more), 0, 0, edtxt, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_POLICY);
	free(more);
	free(s);

	/* simple/simple with our signer's key: pass; x= */
	s = sign_tags(plain_msg, rsa, DKIM_ALG_RSA_SHA256, DKIM_CANON_SIMPLE,
	    -1, TAGS "; a=rsa-sha256; t=100; x=1000");
	verify_one(s, strlen(s), 1, 0, rsatxt, 1000, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	verify_one(s, strlen(s), 0, 0, rsatxt, 1001, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	ATF_CHECK_STREQ(vd.reason, "signature expired");
	/* revoked, wrong type, testing, h=, s=, t=s */
	verify_one(s, strlen(s), 0, 0, "v=DKIM1; k=rsa; p=", 500, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	ATF_CHECK_STREQ(vd.reason, "key revoked");
	verify_one(s, strlen(s), 0, 0, edtxt, 500, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	ATF_REQUIRE(asprintf(&t, "%s; t=y", rsatxt) != -1);
	verify_one(s, strlen(s), 0, 0, t, 500, &vd);
	ATF_CHECK(vd.result == DKIM_PASS && vd.testing);
	free(t);
	ATF_REQUIRE(asprintf(&t, "h=sha1; %s", rsatxt + 9) != -1);
	verify_one(s, strlen(s), 0, 0, t, 500, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	free(t);
	ATF_REQUIRE(asprintf(&t, "s=tlsrpt; %s", rsatxt + 9) != -1);
	verify_one(s, strlen(s), 0, 0, t, 500, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	free(t);
	ATF_REQUIRE(asprintf(&t, "t=s; %s", rsatxt + 9) != -1);
	verify_one(s, strlen(s), 0, 0, t, 500, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	free(t);
	verify_one(s, strlen(s), 0, 0, "v=DKIM1; k=rsa; p=AAAA", 500, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	verify_one(s, strlen(s), 0, 0, "garbage", 500, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	free(s);

	/* t=s and an i= in a subdomain */
	s = sign_tags(plain_msg, rsa, DKIM_ALG_RSA_SHA256, DKIM_CANON_SIMPLE,
	    -1, TAGS "; a=rsa-sha256; i=ann@mail.example.com");
	verify_one(s, strlen(s), 0, 0, rsatxt, NOW, &vd);
	ATF_CHECK_EQ_MSG(vd.result, DKIM_PASS, "%s", vd.reason);
	ATF_REQUIRE(asprintf(&t, "t=s; %s", rsatxt + 9) != -1);
	verify_one(s, strlen(s), 0, 0, t, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	free(t);
	free(s);

	/* a small RSA key */
	s = sign_tags(plain_msg, small, DKIM_ALG_RSA_SHA256,
	    DKIM_CANON_SIMPLE, -1, TAGS "; a=rsa-sha256");
	verify_one(s, strlen(s), 0, 0, smalltxt, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	ATF_CHECK_STREQ(vd.reason, "RSA key too small");
	free(s);

	/* rsa-sha1: refused whatever the key */
	s = sign_tags(plain_msg, rsa, DKIM_ALG_RSA_SHA1, DKIM_CANON_SIMPLE,
	    -1, TAGS "; a=rsa-sha1");
	verify_one(s, strlen(s), 0, 0, rsatxt, NOW, &vd);
	ATF_CHECK_EQ(vd.result, DKIM_PERMERROR);
	ATF_CHECK_STREQ(vd.reason, "rsa-sha1 refused");
	free(s);

	free(edtxt);
	free(rsatxt);
	free(smalltxt);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(small);
}

/* --- dkim_verify_start() with a fake resolver ---------------------------- */

struct fake_answer {
	char		 name[300];
	int		 status;
	const char	*txt[3];	/* TXT records, NULL-ended */
};

static struct fake_answer fake_zone[4];
static size_t	 fake_nzone;
static size_t	 fake_queries;
static int	 fake_inside;		/* in dkim_verify_start() */

struct fake_q {
	struct event	 ev;
	char		 name[300];
	resolver_cb	 cb;
	void		*arg;
};

static size_t
fake_packet(const struct fake_answer *a, uint8_t *p, size_t size)
{
	size_t		 n = 0, i, len, off;
	const char	*l, *dot;
	size_t		 ntxt = 0;

	for (i = 0; i < 3 && a->txt[i] != NULL; i++)
		ntxt++;
	ATF_REQUIRE(size > 512);
	memcpy(p, "\x12\x34\x81\x80\x00\x01", 6);
	p[6] = 0;
	p[7] = (uint8_t)ntxt;
	memset(p + 8, 0, 4);
	n = 12;
	for (l = a->name; *l != '\0'; l = *dot ? dot + 1 : dot) {
		dot = strchr(l, '.');
		if (dot == NULL)
			dot = l + strlen(l);
		p[n++] = (uint8_t)(dot - l);
		memcpy(p + n, l, (size_t)(dot - l));
		n += (size_t)(dot - l);
	}
	p[n++] = 0;
	memcpy(p + n, "\x00\x10\x00\x01", 4);
	n += 4;
	for (i = 0; i < ntxt; i++) {
		memcpy(p + n, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x3c", 10);
		n += 10;
		len = strlen(a->txt[i]);
		/* strings of at most 255 bytes */
		off = n;
		n += 2;
		for (l = a->txt[i]; len > 0; ) {
			size_t k = len > 255 ? 255 : len;

			ATF_REQUIRE(n + k + 1 < size);
			p[n++] = (uint8_t)k;
			memcpy(p + n, l, k);
			n += k;
			l += k;
			len -= k;
		}
		p[off] = (uint8_t)((n - off - 2) >> 8);
		p[off + 1] = (uint8_t)((n - off - 2) & 0xff);
	}
	return (n);
}

static void
fake_deliver(int fd, short ev, void *arg)
{
	struct fake_q	*q = arg;
	uint8_t		 pkt[4096];
	size_t		 i, n;

	for (i = 0; i < fake_nzone; i++)
		if (strcmp(fake_zone[i].name, q->name) == 0)
			break;
	if (i == fake_nzone)
		q->cb(q->arg, RESOLVER_NXDOMAIN, NULL, 0, 0);
	else if (fake_zone[i].status != RESOLVER_OK)
		q->cb(q->arg, fake_zone[i].status, NULL, 0, 0);
	else {
		n = fake_packet(&fake_zone[i], pkt, sizeof(pkt));
		q->cb(q->arg, RESOLVER_OK, pkt, n, 0);
	}
	free(q);
}

/* Answers later, from the event loop, as the resolver does. */
static void
fake_query(const char *name, uint16_t type, resolver_cb cb, void *arg)
{
	struct fake_q	*q;
	struct timeval	 tv = { 0, 1000 };

	ATF_REQUIRE_EQ(type, DNS_T_TXT);
	ATF_REQUIRE((q = calloc(1, sizeof(*q))) != NULL);
	(void)strlcpy(q->name, name, sizeof(q->name));
	q->cb = cb;
	q->arg = arg;
	fake_queries++;
	evtimer_set(&q->ev, fake_deliver, q);
	evtimer_add(&q->ev, &tv);
}

static struct dkim_verdict got_vd[DKIM_SIG_MAX];
static size_t	 got_n;
static int	 got_calls;

static void
verify_done_cb(void *arg, const struct dkim_verdict *vd, size_t n)
{
	ATF_REQUIRE(!fake_inside);
	ATF_REQUIRE(n <= DKIM_SIG_MAX);
	got_calls++;
	got_n = n;
	if (n > 0)
		memcpy(got_vd, vd, n * sizeof(*vd));
}

static void
run_verify(const struct dkim_sigcheck *sc, size_t n)
{
	struct dkim_verify	*v;

	got_calls = 0;
	got_n = 99;
	fake_queries = 0;
	fake_inside = 1;
	v = dkim_verify_start(sc, n, fake_query, NOW, verify_done_cb, NULL);
	fake_inside = 0;
	ATF_REQUIRE(v != NULL);
	ATF_CHECK_EQ(got_calls, 0);
	(void)event_dispatch();
	ATF_CHECK_EQ(got_calls, 1);
}

ATF_TC_WITHOUT_HEAD(verify_async);
ATF_TC_BODY(verify_async, tc)
{
	struct dkim_msg		*m;
	struct dkim_sigcheck	 sc[4];
	struct dkim_verify	*v;
	char			*msg;

	event_init();
	m = msg_feed(rfc8463_msg, strlen(rfc8463_msg), 0, DKIM_MSG_VERIFY);
	ATF_REQUIRE_EQ(dkim_msg_nsig(m), 2);
	sc[0] = *dkim_msg_sigcheck(m, 0);
	sc[1] = *dkim_msg_sigcheck(m, 1);
	dkim_msg_free(m);
	sc[2] = sc[0];
	sc[2].parsed = 0;
	(void)strlcpy(sc[2].perror, "bad v=", sizeof(sc[2].perror));

	/* both keys; the RSA record with a non-DKIM TXT first */
	memset(fake_zone, 0, sizeof(fake_zone));
	(void)strlcpy(fake_zone[0].name, "brisbane._domainkey."
	    "football.example.com", sizeof(fake_zone[0].name));
	fake_zone[0].txt[0] = rfc8463_ed_txt;
	(void)strlcpy(fake_zone[1].name, "test._domainkey."
	    "football.example.com", sizeof(fake_zone[1].name));
	fake_zone[1].txt[0] = "some=thing; v=spf1";
	fake_zone[1].txt[1] = rfc8463_rsa_txt;
	fake_nzone = 2;
	run_verify(sc, 3);
	ATF_REQUIRE_EQ(got_n, 3);
	ATF_CHECK_EQ(fake_queries, 2);
	ATF_CHECK_EQ_MSG(got_vd[0].result, DKIM_PASS, "%s", got_vd[0].reason);
	ATF_CHECK_EQ_MSG(got_vd[1].result, DKIM_PASS, "%s", got_vd[1].reason);
	ATF_CHECK_EQ(got_vd[2].result, DKIM_PERMERROR);
	ATF_CHECK_STREQ(got_vd[2].reason, "bad v=");

	/* no record, NXDOMAIN, TEMPFAIL */
	fake_zone[0].txt[0] = NULL;
	fake_zone[1].status = RESOLVER_TEMPFAIL;
	run_verify(sc, 2);
	ATF_REQUIRE_EQ(got_n, 2);
	ATF_CHECK_EQ(got_vd[0].result, DKIM_PERMERROR);
	ATF_CHECK_STREQ(got_vd[0].reason, "no key");
	ATF_CHECK_EQ(got_vd[1].result, DKIM_TEMPERROR);
	fake_nzone = 0;
	run_verify(sc, 1);
	ATF_CHECK_EQ(got_vd[0].result, DKIM_PERMERROR);

	/* nothing to look up: done() still from the loop */
	run_verify(sc, 0);
	ATF_CHECK_EQ(got_n, 0);
	run_verify(&sc[2], 1);
	ATF_CHECK_EQ(got_n, 1);
	ATF_CHECK_EQ(fake_queries, 0);

	/* cancelled with lookups in flight, and before the zero timeout */
	got_calls = 0;
	v = dkim_verify_start(sc, 2, fake_query, NOW, verify_done_cb, NULL);
	ATF_REQUIRE(v != NULL);
	dkim_verify_cancel(v);
	v = dkim_verify_start(sc, 0, fake_query, NOW, verify_done_cb, NULL);
	ATF_REQUIRE(v != NULL);
	dkim_verify_cancel(v);
	(void)event_dispatch();
	ATF_CHECK_EQ(got_calls, 0);

	/* a key name too long for the DNS */
	ATF_REQUIRE(asprintf(&msg, "%s", "x") != -1);
	memset(sc[0].s, 'a', 200);
	sc[0].s[200] = '\0';
	run_verify(sc, 1);
	ATF_CHECK_EQ(got_vd[0].result, DKIM_PERMERROR);
	free(msg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, canon_rfc6376_example);
	ATF_TP_ADD_TC(tp, canon_body_edges);
	ATF_TP_ADD_TC(tp, canon_body_random);
	ATF_TP_ADD_TC(tp, tag_list);
	ATF_TP_ADD_TC(tp, sig_parse);
	ATF_TP_ADD_TC(tp, key_parse);
	ATF_TP_ADD_TC(tp, from_domain);
	ATF_TP_ADD_TC(tp, rfc8463_example);
	ATF_TP_ADD_TC(tp, rfc6376_example);
	ATF_TP_ADD_TC(tp, sign_verify_ed25519);
	ATF_TP_ADD_TC(tp, sign_verify_rsa);
	ATF_TP_ADD_TC(tp, sign_errors);
	ATF_TP_ADD_TC(tp, verify_rules);
	ATF_TP_ADD_TC(tp, verify_async);
	return (atf_no_error());
}
