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
 * dkim_crypto.c -- the public-key operations of DKIM on libcrypto:
 * signing a header hash with a private key (RSA PKCS#1 v1.5 over the
 * SHA-256 DigestInfo, RFC 6376 3.3.1; Ed25519 PureEdDSA over the 32
 * bytes of the hash as the message, RFC 8463 3), the TXT record that
 * publishes a key, and the check of a signature with the key of a
 * parsed key record.
 *
 * SECURITY: the key record comes from the DNS: its DER is decoded by
 * libcrypto from a length-checked buffer, only RSA (rsaEncryption) keys
 * of DKIM_RSA_MIN_BITS to DKIM_RSA_MAX_BITS and raw 32-byte Ed25519 keys
 * are used; a signature longer than the modulus is refused before
 * libcrypto sees it.  Private keys are only used, never copied or
 * printed.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dkim.h"
#include "dkim_local.h"
#include "sasl.h"

#define ED25519_KEY_LEN		32
#define ED25519_SIG_LEN		64

static int	dkim_sign_rsa(EVP_PKEY *, const uint8_t *, uint8_t *,
		    size_t *);
static int	dkim_sign_ed25519(EVP_PKEY *, const uint8_t *, uint8_t *,
		    size_t *);
static EVP_PKEY	*dkim_rsa_pubkey(const uint8_t *, size_t);
static EVP_PKEY	*dkim_pubkey_rsa(const struct dkim_key *, const char **);
static int	dkim_verify_rsa(EVP_PKEY *, const uint8_t *, const uint8_t *,
		    size_t);
static int	dkim_verify_ed25519(EVP_PKEY *, const uint8_t *,
		    const uint8_t *, size_t);

enum dkim_alg
dkim_key_alg(EVP_PKEY *key)
{
	if (key == NULL)
		return (DKIM_ALG_NONE);
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return (DKIM_ALG_RSA_SHA256);
	case EVP_PKEY_ED25519:
		return (DKIM_ALG_ED25519_SHA256);
	default:
		return (DKIM_ALG_NONE);
	}
}

static int
dkim_sign_rsa(EVP_PKEY *key, const uint8_t *hash, uint8_t *sig,
    size_t *siglen)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 len = DKIM_B_MAX;
	int		 ret = -1;

	if (EVP_PKEY_get_size(key) <= 0 ||
	    (size_t)EVP_PKEY_get_size(key) > DKIM_B_MAX)
		return (-1);
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL)
		return (-1);
	if (EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_sign(ctx, sig, &len, hash, DKIM_HASH_LEN) <= 0)
		goto done;
	*siglen = len;
	ret = 0;
 done:
	EVP_PKEY_CTX_free(ctx);
	return (ret);
}

static int
dkim_sign_ed25519(EVP_PKEY *key, const uint8_t *hash, uint8_t *sig,
    size_t *siglen)
{
	EVP_MD_CTX	*md;
	size_t		 len = DKIM_B_MAX;
	int		 ret = -1;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, key) <= 0 ||
	    EVP_DigestSign(md, sig, &len, hash, DKIM_HASH_LEN) <= 0 ||
	    len != ED25519_SIG_LEN)
		goto done;
	*siglen = len;
	ret = 0;
 done:
	EVP_MD_CTX_free(md);
	return (ret);
}

int
dkim_key_sign(EVP_PKEY *key, enum dkim_alg alg, const uint8_t *hash,
    uint8_t *sig, size_t *siglen)
{
	*siglen = 0;
	if (dkim_key_alg(key) != alg)
		return (-1);
	switch (alg) {
	case DKIM_ALG_RSA_SHA256:
		return (dkim_sign_rsa(key, hash, sig, siglen));
	case DKIM_ALG_ED25519_SHA256:
		return (dkim_sign_ed25519(key, hash, sig, siglen));
	default:
		return (-1);
	}
}

int
dkim_key_txt(EVP_PKEY *key, char *buf, size_t size)
{
	uint8_t		 raw[DKIM_B_MAX * 2], *p = raw;
	size_t		 rawlen = ED25519_KEY_LEN;
	const char	*k;
	int		 len, n;

	switch (dkim_key_alg(key)) {
	case DKIM_ALG_RSA_SHA256:
		k = "rsa";
		len = i2d_PUBKEY(key, NULL);
		if (len <= 0 || (size_t)len > sizeof(raw))
			return (-1);
		if (i2d_PUBKEY(key, &p) != len)
			return (-1);
		rawlen = (size_t)len;
		break;
	case DKIM_ALG_ED25519_SHA256:
		k = "ed25519";
		if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) <= 0 ||
		    rawlen != ED25519_KEY_LEN)
			return (-1);
		break;
	default:
		return (-1);
	}
	n = snprintf(buf, size, "v=DKIM1; k=%s; p=", k);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	if (sasl_b64_encode(raw, rawlen, buf + n, size - (size_t)n) == -1)
		return (-1);
	return (0);
}

/* The DER of p=: a SubjectPublicKeyInfo, or a bare RSAPublicKey. */
static EVP_PKEY *
dkim_rsa_pubkey(const uint8_t *der, size_t len)
{
	const unsigned char	*p;
	EVP_PKEY		*key;

	p = der;
	if ((key = d2i_PUBKEY(NULL, &p, (long)len)) != NULL) {
		if (p == der + len)
			return (key);
		EVP_PKEY_free(key);
		return (NULL);
	}
	p = der;
	if ((key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len)) != NULL) {
		if (p == der + len)
			return (key);
		EVP_PKEY_free(key);
	}
	return (NULL);
}

/* An RSA key of an acceptable size, or NULL and *err. */
static EVP_PKEY *
dkim_pubkey_rsa(const struct dkim_key *k, const char **err)
{
	EVP_PKEY	*key;
	int		 bits;

	if (k->plen == 0 || k->plen > sizeof(k->p) ||
	    (key = dkim_rsa_pubkey(k->p, k->plen)) == NULL) {
		*err = "bad RSA key";
		return (NULL);
	}
	bits = EVP_PKEY_get_bits(key);
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		*err = "not an RSA key";
	else if (bits < DKIM_RSA_MIN_BITS)
		*err = "RSA key too small";
	else if (bits > DKIM_RSA_MAX_BITS)
		*err = "RSA key too large";
	else
		return (key);
	EVP_PKEY_free(key);
	return (NULL);
}

EVP_PKEY *
dkim_crypto_pubkey(const struct dkim_key *k, enum dkim_alg alg,
    const char **err)
{
	EVP_PKEY	*key;

	switch (alg) {
	case DKIM_ALG_RSA_SHA256:
		if (k->ed25519) {
			*err = "key type does not match a=";
			return (NULL);
		}
		return (dkim_pubkey_rsa(k, err));
	case DKIM_ALG_ED25519_SHA256:
		if (!k->ed25519) {
			*err = "key type does not match a=";
			return (NULL);
		}
		if (k->plen != ED25519_KEY_LEN || (key =
		    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k->p,
		    k->plen)) == NULL) {
			*err = "bad Ed25519 key";
			return (NULL);
		}
		return (key);
	default:
		*err = "unsupported algorithm";
		return (NULL);
	}
}

static int
dkim_verify_rsa(EVP_PKEY *key, const uint8_t *hash, const uint8_t *sig,
    size_t siglen)
{
	EVP_PKEY_CTX	*ctx;
	int		 ret = 0;

	if (siglen == 0 || EVP_PKEY_get_size(key) <= 0 ||
	    siglen > (size_t)EVP_PKEY_get_size(key))
		return (0);
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL)
		return (-1);
	if (EVP_PKEY_verify_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0)
		ret = -1;
	else if (EVP_PKEY_verify(ctx, sig, siglen, hash, DKIM_HASH_LEN) == 1)
		ret = 1;
	EVP_PKEY_CTX_free(ctx);
	return (ret);
}

static int
dkim_verify_ed25519(EVP_PKEY *key, const uint8_t *hash, const uint8_t *sig,
    size_t siglen)
{
	EVP_MD_CTX	*md;
	int		 ret = 0;

	if (siglen != ED25519_SIG_LEN)
		return (0);
	if ((md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) <= 0)
		ret = -1;
	else if (EVP_DigestVerify(md, sig, siglen, hash, DKIM_HASH_LEN) == 1)
		ret = 1;
	EVP_MD_CTX_free(md);
	return (ret);
}

int
dkim_crypto_verify(EVP_PKEY *key, const uint8_t *hash, const uint8_t *sig,
    size_t siglen)
{
	switch (dkim_key_alg(key)) {
	case DKIM_ALG_RSA_SHA256:
		return (dkim_verify_rsa(key, hash, sig, siglen));
	case DKIM_ALG_ED25519_SHA256:
		return (dkim_verify_ed25519(key, hash, sig, siglen));
	default:
		return (-1);
	}
}
