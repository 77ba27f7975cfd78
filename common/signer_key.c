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
 * signer_key.c -- the signer's private keys and the operations done with
 * them.
 *
 * Keys arrive as open PEM files (the parent opened them as root) and are
 * stored by fingerprint (keyproxy.h: SHA-256 of the public key's DER
 * SubjectPublicKeyInfo).  Each (re)configuration is a generation: the
 * keys loaded before it are committed together, and the previous
 * generation stays usable until the next commit, so that a handshake
 * started before a reload completes with the key it began with.  A key
 * that did not change keeps its place and moves to the new generation.
 *
 * SECURITY: the PEM bytes are zeroed once parsed; encrypted keys are
 * refused (no passphrase prompt: there is no terminal); only RSA of
 * 2048 to 8192 bits and ECDSA on P-256, P-384 and P-521 are kept.  A
 * request for an unknown key, an operation that does not suit the key or
 * a bad length is refused with a status, never fatal, and never logged
 * (counted): it comes once per handshake.
 */

#define OPENSSL_SUPPRESS_DEPRECATED	/* RSA, EC_KEY: what the proxy uses */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "keyproxy.h"
#include "log.h"
#include "util.h"
#include "signer.h"

#define SIGNER_NAME_MAX		256

struct signer_key {
	TAILQ_ENTRY(signer_key)	 entry;
	uint8_t			 fp[KEYPROXY_FP_LEN];
	uint64_t		 gen;
	char			 name[SIGNER_NAME_MAX];
	RSA			*rsa;	/* one of the two */
	EC_KEY			*ec;
};

static TAILQ_HEAD(, signer_key)	 signer_keys =
    TAILQ_HEAD_INITIALIZER(signer_keys);
static uint64_t			 signer_gen = 1;	/* being loaded */
static struct signer_stats	 signer_stats;

static int	signer_nopass(char *, int, int, void *);
static struct signer_key *signer_key_new(const char *, EVP_PKEY *);
static struct signer_key *signer_key_find(const uint8_t *);
static void	signer_key_free(struct signer_key *);
static int	signer_rsa(const struct signer_key *,
		    const struct keyproxy_req *, struct keyproxy_res *);
static int	signer_ecdsa(const struct signer_key *,
		    const struct keyproxy_req *, struct keyproxy_res *);

/*
 * Everything OpenSSL would open or probe lazily (its configuration file,
 * the random source) is done now, while files can still be opened.
 */
void
signer_key_init(void)
{
	unsigned char	 b[16];

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
	    OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS,
	    NULL) != 1 || RAND_bytes(b, sizeof(b)) != 1)
		fatalx("signer: OpenSSL initialisation failed");
	explicit_bzero(b, sizeof(b));
}

/* A passphrase callback that has none: encrypted keys do not load. */
static int
signer_nopass(char *buf, int size, int rwflag, void *u)
{
	return (-1);
}

/*
 * The private key in the PEM file fd (not closed), for name (logs):
 * NULL (logged) if there is none, it is encrypted or too large.  The
 * bytes read are zeroed.
 */
EVP_PKEY *
signer_key_parse(const char *name, int fd)
{
	struct stat	 sb;
	EVP_PKEY	*pkey = NULL;
	BIO		*bio;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;

	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > SIGNER_KEY_FILE_MAX) {
		log_warnx("signer: %s: the key is not a regular file of "
		    "at most %d KB", name, SIGNER_KEY_FILE_MAX / 1024);
		return (NULL);
	}
	buf = xmalloc(SIGNER_KEY_FILE_MAX);
	while (len < SIGNER_KEY_FILE_MAX && (n = read(fd, buf + len,
	    SIGNER_KEY_FILE_MAX - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("signer: %s: reading the key", name);
			len = 0;
			break;
		}
		len += (size_t)n;
	}
	if (len > 0 && (bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, signer_nopass,
		    NULL);
		BIO_free(bio);
		if (pkey == NULL)
			log_warnx("signer: %s: no private key in the file "
			    "(PEM, unencrypted)", name);
	}
	explicit_bzero(buf, SIGNER_KEY_FILE_MAX);
	free(buf);
	ERR_clear_error();
	return (pkey);
}

static struct signer_key *
signer_key_new(const char *name, EVP_PKEY *pkey)
{
	struct signer_key	*k;
	int			 bits = EVP_PKEY_get_bits(pkey), nid;

	k = xcalloc(1, sizeof(*k));
	(void)strlcpy(k->name, name, sizeof(k->name));
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (bits < SIGNER_RSA_MIN_BITS || bits > SIGNER_RSA_MAX_BITS) {
			log_warnx("signer: pki %s: RSA keys of %d to %d bits "
			    "only (this one has %d)", name,
			    SIGNER_RSA_MIN_BITS, SIGNER_RSA_MAX_BITS, bits);
			break;
		}
		if ((k->rsa = EVP_PKEY_get1_RSA(pkey)) == NULL ||
		    keyproxy_fp_rsa(k->rsa, k->fp) == -1)
			break;
		return (k);
	case EVP_PKEY_EC:
		if ((k->ec = EVP_PKEY_get1_EC_KEY(pkey)) == NULL)
			break;
		nid = EC_GROUP_get_curve_name(EC_KEY_get0_group(k->ec));
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1 &&
		    nid != NID_secp521r1) {
			log_warnx("signer: pki %s: ECDSA keys on P-256, P-384 "
			    "or P-521 only", name);
			break;
		}
		if (keyproxy_fp_ec(k->ec, k->fp) == -1)
			break;
		return (k);
	default:
		log_warnx("signer: pki %s: %s keys cannot be used: RSA or "
		    "ECDSA (P-256) keys only", name,
		    OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		break;
	}
	signer_key_free(k);
	return (NULL);
}

int
signer_key_load(const char *name, int fd)
{
	struct signer_key	*k, *old;
	EVP_PKEY		*pkey;
	char			 hex[17], what[SIGNER_NAME_MAX + 8];
	size_t			 i;

	(void)snprintf(what, sizeof(what), "pki %s", name);
	pkey = signer_key_parse(what, fd);
	close(fd);
	if (pkey == NULL)
		return (-1);
	k = signer_key_new(name, pkey);
	EVP_PKEY_free(pkey);
	if (k == NULL)
		return (-1);
	for (i = 0; i < 8; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", k->fp[i]);
	if ((old = signer_key_find(k->fp)) != NULL) {
		old->gen = signer_gen;
		(void)strlcpy(old->name, name, sizeof(old->name));
		signer_key_free(k);
		log_debug("signer: pki %s: key %s unchanged", name, hex);
		return (0);
	}
	k->gen = signer_gen;
	TAILQ_INSERT_TAIL(&signer_keys, k, entry);
	signer_stats.keys++;
	log_info("signer: pki %s: %s key loaded, fingerprint %s...", name,
	    k->rsa != NULL ? "RSA" : "ECDSA", hex);
	return (0);
}

/* The generation of the keys being loaded (signer_dkim.c shares it). */
uint64_t
signer_key_generation(void)
{
	return (signer_gen);
}

/* The keys loaded so far are current; the generation before them stays. */
void
signer_key_commit(void)
{
	struct signer_key	*k, *tmp;
	uint64_t		 cur = signer_gen++;

	TAILQ_FOREACH_SAFE(k, &signer_keys, entry, tmp) {
		if (k->gen + 1 >= cur)
			continue;
		TAILQ_REMOVE(&signer_keys, k, entry);
		log_info("signer: pki %s: old key dropped", k->name);
		signer_key_free(k);
		signer_stats.keys--;
	}
}

void
signer_key_clear(void)
{
	struct signer_key	*k;

	while ((k = TAILQ_FIRST(&signer_keys)) != NULL) {
		TAILQ_REMOVE(&signer_keys, k, entry);
		signer_key_free(k);
	}
	signer_stats.keys = 0;
	signer_gen = 1;
}

static struct signer_key *
signer_key_find(const uint8_t *fp)
{
	struct signer_key	*k;

	TAILQ_FOREACH(k, &signer_keys, entry)
		if (memcmp(k->fp, fp, sizeof(k->fp)) == 0)
			return (k);
	return (NULL);
}

static void
signer_key_free(struct signer_key *k)
{
	RSA_free(k->rsa);
	EC_KEY_free(k->ec);
	freezero(k, sizeof(*k));
}

/* One request: res has a status and, on success, the result. */
void
signer_key_op(const struct keyproxy_req *req, struct keyproxy_res *res)
{
	const struct signer_key	*k;
	int			 r;

	memset(res, 0, sizeof(*res));
	if (!keyproxy_req_valid(req)) {
		res->status = KEYPROXY_EINVAL;
		signer_stats.refused++;
		return;
	}
	if ((k = signer_key_find(req->fp)) == NULL) {
		res->status = KEYPROXY_ENOKEY;
		signer_stats.refused++;
		return;
	}
	if (req->op == KEYPROXY_ECDSA_SIGN)
		r = k->ec != NULL ? signer_ecdsa(k, req, res) : -2;
	else
		r = k->rsa != NULL ? signer_rsa(k, req, res) : -2;
	ERR_clear_error();
	if (r == 0) {
		res->status = KEYPROXY_OK;
		signer_stats.ops++;
		return;
	}
	explicit_bzero(res, sizeof(*res));
	res->status = r == -2 ? KEYPROXY_EINVAL : KEYPROXY_EFAIL;
	if (r == -2)
		signer_stats.refused++;
	else
		signer_stats.failed++;
}

/* 0, -1 if the operation failed, -2 if the request does not suit. */
static int
signer_rsa(const struct signer_key *k, const struct keyproxy_req *req,
    struct keyproxy_res *res)
{
	int	 size = RSA_size(k->rsa), n;

	if (size <= 0 || size > (int)sizeof(res->data) ||
	    req->len > (uint32_t)size ||
	    (req->padding != RSA_PKCS1_PADDING &&
	    req->padding != RSA_NO_PADDING) ||
	    (req->padding == RSA_NO_PADDING && req->len != (uint32_t)size))
		return (-2);
	if (req->op == KEYPROXY_RSA_PRIVENC)
		n = RSA_private_encrypt((int)req->len, req->data, res->data,
		    k->rsa, req->padding);
	else
		n = RSA_private_decrypt((int)req->len, req->data, res->data,
		    k->rsa, req->padding);
	if (n <= 0 || n > size)
		return (-1);
	res->len = (uint32_t)n;
	return (0);
}

static int
signer_ecdsa(const struct signer_key *k, const struct keyproxy_req *req,
    struct keyproxy_res *res)
{
	ECDSA_SIG	*sig;
	unsigned char	*p = res->data;
	int		 n;

	if (req->len > EVP_MAX_MD_SIZE)
		return (-2);
	if ((sig = ECDSA_do_sign(req->data, (int)req->len, k->ec)) == NULL)
		return (-1);
	if (i2d_ECDSA_SIG(sig, NULL) > (int)sizeof(res->data)) {
		ECDSA_SIG_free(sig);
		return (-1);
	}
	n = i2d_ECDSA_SIG(sig, &p);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return (-1);
	res->len = (uint32_t)n;
	return (0);
}

/* Names terminated and not empty (what the signer looks up). */
int
signer_dkim_req_valid(const struct signer_dkim_req *r)
{
	return (memchr(r->domain, '\0', sizeof(r->domain)) != NULL &&
	    memchr(r->selector, '\0', sizeof(r->selector)) != NULL &&
	    r->domain[0] != '\0' && r->selector[0] != '\0');
}

/* A known status; on success a signature that fits and an algorithm. */
int
signer_dkim_res_valid(const struct signer_dkim_res *r)
{
	switch (r->status) {
	case KEYPROXY_OK:
		return (r->len > 0 && r->len <= sizeof(r->sig) &&
		    (r->alg == 1 || r->alg == 2));	/* RSA, Ed25519 */
	case KEYPROXY_ENOKEY:
	case KEYPROXY_EINVAL:
	case KEYPROXY_EFAIL:
		return (r->len == 0);
	}
	return (0);
}

void
signer_key_stats(struct signer_stats *st)
{
	*st = signer_stats;
}
