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
 * keyproxy.c -- private-key operations sent to the signer process.  See
 * keyproxy.h for the mechanism, what was checked on Debian 12 and the
 * calls a daemon must make.
 *
 * SECURITY: nothing here holds a private key.  Replies are bounded by
 * the rule table (size) and keyproxy_res_valid() (length within the
 * payload) before they are read, and a result is copied out only if it
 * has the length OpenSSL expects of that operation.
 */

#define OPENSSL_SUPPRESS_DEPRECATED	/* RSA_METHOD, EC_KEY_METHOD */

#include <sys/types.h>

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <tls.h>

#include "imsg.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"

/*
 * Exported by Debian's libtls but not declared in its tls.h.  It returns
 * nothing (libretls 3.7: it sets two flags and returns whatever is in
 * rax), unlike LibreSSL's int: declaring it int reads garbage.
 */
void	tls_config_use_fake_private_key(struct tls_config *);

typedef int (*kp_ec_sign_fn)(int, const unsigned char *, int,
    unsigned char *, unsigned int *, const BIGNUM *, const BIGNUM *,
    EC_KEY *);
typedef ECDSA_SIG *(*kp_ec_sign_sig_fn)(const unsigned char *, int,
    const BIGNUM *, const BIGNUM *, EC_KEY *);

static struct peer		*kp_signer;
static uint32_t			 kp_req_type, kp_res_type;
static int			 kp_timeout = KEYPROXY_TIMEOUT_MS;
static uint32_t			 kp_id;
static struct keyproxy_stats	 kp_stats;
static RSA_METHOD		*kp_rsa_method;
static EC_KEY_METHOD		*kp_ec_method;

static int	kp_call(uint32_t, const uint8_t *, int, const void *, size_t,
		    struct keyproxy_res *);
static int	kp_rsa_op(uint32_t, int, const unsigned char *,
		    unsigned char *, RSA *, int);
static int	kp_rsa_priv_enc(int, const unsigned char *, unsigned char *,
		    RSA *, int);
static int	kp_rsa_priv_dec(int, const unsigned char *, unsigned char *,
		    RSA *, int);
static ECDSA_SIG *kp_ecdsa_sign_sig(const unsigned char *, int,
		    const BIGNUM *, const BIGNUM *, EC_KEY *);
static int	kp_fp_der(unsigned char *, int, uint8_t *);

int
keyproxy_init(uint32_t req_type, uint32_t res_type, int timeout_ms)
{
	kp_ec_sign_fn	 sign;

	kp_req_type = req_type;
	kp_res_type = res_type;
	kp_timeout = timeout_ms > 0 ? timeout_ms : KEYPROXY_TIMEOUT_MS;
	if (kp_rsa_method != NULL)
		return (0);
	if ((kp_rsa_method = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
	    RSA_meth_set1_name(kp_rsa_method, "cartero keyproxy") == 0 ||
	    RSA_meth_set_priv_enc(kp_rsa_method, kp_rsa_priv_enc) == 0 ||
	    RSA_meth_set_priv_dec(kp_rsa_method, kp_rsa_priv_dec) == 0)
		return (-1);
	if ((kp_ec_method = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL)
		return (-1);
	/* ECDSA_sign() -> the default sign -> ECDSA_do_sign_ex() -> ours */
	EC_KEY_METHOD_get_sign(kp_ec_method, &sign, NULL, NULL);
	EC_KEY_METHOD_set_sign(kp_ec_method, sign, NULL, kp_ecdsa_sign_sig);
	RSA_set_default_method(kp_rsa_method);
	EC_KEY_set_default_method(kp_ec_method);
	return (0);
}

void
keyproxy_set_signer(struct peer *p)
{
	kp_signer = p;
}

int
keyproxy_tls_config(struct tls_config *cfg)
{
	if (kp_rsa_method == NULL || cfg == NULL)
		return (-1);	/* keyproxy_init() first */
	tls_config_use_fake_private_key(cfg);
	return (0);
}

/* A reply to a request that gave up waiting: dropped. */
void
keyproxy_imsg_result(struct peer *p, struct imsg *imsg)
{
	kp_stats.late++;
}

void
keyproxy_get_stats(struct keyproxy_stats *st)
{
	*st = kp_stats;
}

int
keyproxy_req_valid(const struct keyproxy_req *req)
{
	if (req->len == 0 || req->len > sizeof(req->data))
		return (0);
	switch (req->op) {
	case KEYPROXY_RSA_PRIVENC:
	case KEYPROXY_RSA_PRIVDEC:
	case KEYPROXY_ECDSA_SIGN:
		return (1);
	}
	return (0);
}

int
keyproxy_res_valid(const struct keyproxy_res *res)
{
	if (res->len > sizeof(res->data))
		return (0);
	switch (res->status) {
	case KEYPROXY_OK:
		return (res->len > 0);
	case KEYPROXY_ENOKEY:
	case KEYPROXY_EINVAL:
	case KEYPROXY_EFAIL:
		return (res->len == 0);
	}
	return (0);
}

/*
 * One operation: 0 with *res filled by a successful reply, -1 if there
 * is no signer, no answer in time or a refusal.
 */
static int
kp_call(uint32_t op, const uint8_t *fp, int padding, const void *data,
    size_t len, struct keyproxy_res *res)
{
	struct keyproxy_req	 req;
	struct imsg		 imsg;
	int			 r;

	kp_stats.requests++;
	if (kp_signer == NULL || len == 0 || len > sizeof(req.data)) {
		kp_stats.failed++;
		return (-1);
	}
	memset(&req, 0, sizeof(req));
	memcpy(req.fp, fp, sizeof(req.fp));
	req.op = op;
	req.padding = padding;
	req.len = (uint32_t)len;
	memcpy(req.data, data, len);
	r = peer_call(kp_signer, kp_req_type, ++kp_id, &req, sizeof(req),
	    kp_res_type, &imsg, kp_timeout);
	if (r != 1) {
		if (r == 0) {
			kp_stats.timeouts++;
			log_warnx("keyproxy: no answer from the signer in "
			    "%d ms", kp_timeout);
		}
		kp_stats.failed++;
		return (-1);
	}
	r = imsg_get_data(&imsg, res, sizeof(*res));
	imsg_free(&imsg);
	if (r == -1 || !keyproxy_res_valid(res) ||
	    res->status != KEYPROXY_OK) {
		kp_stats.failed++;
		return (-1);
	}
	return (0);
}

static int
kp_rsa_op(uint32_t op, int flen, const unsigned char *from,
    unsigned char *to, RSA *rsa, int padding)
{
	struct keyproxy_res	 res;
	uint8_t			 fp[KEYPROXY_FP_LEN];
	int			 size = RSA_size(rsa), n;

	if (flen <= 0 || size <= 0 || keyproxy_fp_rsa(rsa, fp) == -1 ||
	    kp_call(op, fp, padding, from, (size_t)flen, &res) == -1)
		return (-1);
	/* a signature is the modulus' size; a decryption at most that */
	if ((op == KEYPROXY_RSA_PRIVENC && res.len != (uint32_t)size) ||
	    res.len > (uint32_t)size)
		return (-1);
	memcpy(to, res.data, res.len);
	n = (int)res.len;
	explicit_bzero(&res, sizeof(res));	/* a decrypted secret */
	return (n);
}

static int
kp_rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	const BIGNUM	*d = NULL;

	RSA_get0_key(rsa, NULL, NULL, &d);
	if (d != NULL)		/* a real key: ours to use */
		return (RSA_meth_get_priv_enc(RSA_PKCS1_OpenSSL())(flen, from,
		    to, rsa, padding));
	return (kp_rsa_op(KEYPROXY_RSA_PRIVENC, flen, from, to, rsa,
	    padding));
}

static int
kp_rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	const BIGNUM	*d = NULL;

	RSA_get0_key(rsa, NULL, NULL, &d);
	if (d != NULL)
		return (RSA_meth_get_priv_dec(RSA_PKCS1_OpenSSL())(flen, from,
		    to, rsa, padding));
	return (kp_rsa_op(KEYPROXY_RSA_PRIVDEC, flen, from, to, rsa,
	    padding));
}

static ECDSA_SIG *
kp_ecdsa_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey)
{
	struct keyproxy_res	 res;
	const unsigned char	*p;
	ECDSA_SIG		*sig;
	uint8_t			 fp[KEYPROXY_FP_LEN];
	kp_ec_sign_sig_fn	 sign_sig;

	if (EC_KEY_get0_private_key(eckey) != NULL) {	/* a real key */
		EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), NULL, NULL,
		    &sign_sig);
		return (sign_sig(dgst, dlen, kinv, r, eckey));
	}
	if (dlen <= 0 || keyproxy_fp_ec(eckey, fp) == -1 ||
	    kp_call(KEYPROXY_ECDSA_SIGN, fp, 0, dgst, (size_t)dlen,
	    &res) == -1)
		return (NULL);
	p = res.data;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, res.len)) == NULL ||
	    p != res.data + res.len) {
		ECDSA_SIG_free(sig);
		return (NULL);
	}
	return (sig);
}

static int
kp_fp_der(unsigned char *der, int len, uint8_t *fp)
{
	unsigned int	 n = 0;
	int		 r = -1;

	if (len > 0 && EVP_Digest(der, (size_t)len, fp, &n, EVP_sha256(),
	    NULL) == 1 && n == KEYPROXY_FP_LEN)
		r = 0;
	OPENSSL_free(der);
	return (r);
}

int
keyproxy_fp_rsa(const struct rsa_st *rsa, uint8_t *fp)
{
	unsigned char	*der = NULL;
	int		 len;

	if ((len = i2d_RSA_PUBKEY((RSA *)(uintptr_t)rsa, &der)) <= 0)
		return (-1);
	return (kp_fp_der(der, len, fp));
}

/* The point is encoded uncompressed, as certificates carry it. */
int
keyproxy_fp_ec(struct ec_key_st *ec, uint8_t *fp)
{
	unsigned char	*der = NULL;
	int		 len;

	if (EC_KEY_get_conv_form(ec) != POINT_CONVERSION_UNCOMPRESSED)
		EC_KEY_set_conv_form(ec, POINT_CONVERSION_UNCOMPRESSED);
	if ((len = i2d_EC_PUBKEY(ec, &der)) <= 0)
		return (-1);
	return (kp_fp_der(der, len, fp));
}
