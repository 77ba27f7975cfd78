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
 * signer_dkim.c -- the signer's DKIM keys, by domain and selector, and
 * the DKIM signatures made with them (dkim_key_sign(), dkim_crypto.c).
 *
 * Keys arrive as open PEM files (the parent opened and checked them as
 * root, parent_dkim.c) and are kept in generations like the TLS keys
 * (signer_key.c): the keys loaded before a configuration are committed
 * with it by signer_key_commit(), and the generation before stays until
 * the next one, so that a signature asked for before a reload is made.
 * A lookup takes the newest key of a domain and selector.
 *
 * SECURITY: the PEM bytes are zeroed once parsed; encrypted keys are
 * refused; only RSA of SIGNER_DKIM_RSA_MIN_BITS to _MAX_BITS and Ed25519
 * are kept.  smtp (the network-facing process) can ask for a signature
 * of any 32-byte hash with any key it names: it is a signing oracle for
 * the domains configured, which it is anyway (it signs what
 * authenticated users send); it can never read a key.  Requests are
 * never logged.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "dkim.h"
#include "keyproxy.h"
#include "log.h"
#include "util.h"
#include "signer.h"

struct signer_dkim {
	TAILQ_ENTRY(signer_dkim) entry;
	char			 domain[SIGNER_DKIM_NAME_MAX];
	char			 selector[SIGNER_DKIM_NAME_MAX];
	uint64_t		 gen;
	EVP_PKEY		*pkey;
	enum dkim_alg		 alg;
};

static TAILQ_HEAD(, signer_dkim)	 signer_dkims =
    TAILQ_HEAD_INITIALIZER(signer_dkims);

static struct signer_dkim *signer_dkim_find(const char *, const char *);

int
signer_dkim_load(const char *domain, const char *selector, int fd)
{
	struct signer_dkim	*k;
	EVP_PKEY		*pkey;
	char			 name[2 * SIGNER_DKIM_NAME_MAX + 32];
	enum dkim_alg		 alg;
	int			 bits;

	(void)snprintf(name, sizeof(name), "dkim %s selector %s", domain,
	    selector);
	pkey = signer_key_parse(name, fd);
	close(fd);
	if (pkey == NULL)
		return (-1);
	alg = dkim_key_alg(pkey);
	bits = EVP_PKEY_get_bits(pkey);
	if (alg == DKIM_ALG_NONE || (alg == DKIM_ALG_RSA_SHA256 &&
	    (bits < SIGNER_DKIM_RSA_MIN_BITS ||
	    bits > SIGNER_DKIM_RSA_MAX_BITS))) {
		log_warnx("signer: %s: not an RSA key of %d to %d bits or "
		    "an Ed25519 key", name, SIGNER_DKIM_RSA_MIN_BITS,
		    SIGNER_DKIM_RSA_MAX_BITS);
		EVP_PKEY_free(pkey);
		return (-1);
	}
	k = xcalloc(1, sizeof(*k));
	(void)strlcpy(k->domain, domain, sizeof(k->domain));
	(void)strlcpy(k->selector, selector, sizeof(k->selector));
	k->pkey = pkey;
	k->alg = alg;
	k->gen = signer_key_generation();
	/* newest first: the lookup takes the first match */
	TAILQ_INSERT_HEAD(&signer_dkims, k, entry);
	log_info("signer: %s: %s key loaded", name, dkim_alg_name(alg));
	return (0);
}

/* The generation cur is being committed: drop what is older than cur-1. */
void
signer_dkim_commit(uint64_t cur)
{
	struct signer_dkim	*k, *tmp;

	TAILQ_FOREACH_SAFE(k, &signer_dkims, entry, tmp) {
		if (k->gen + 1 >= cur)
			continue;
		TAILQ_REMOVE(&signer_dkims, k, entry);
		EVP_PKEY_free(k->pkey);
		freezero(k, sizeof(*k));
	}
}

void
signer_dkim_clear(void)
{
	struct signer_dkim	*k;

	while ((k = TAILQ_FIRST(&signer_dkims)) != NULL) {
		TAILQ_REMOVE(&signer_dkims, k, entry);
		EVP_PKEY_free(k->pkey);
		freezero(k, sizeof(*k));
	}
}

static struct signer_dkim *
signer_dkim_find(const char *domain, const char *selector)
{
	struct signer_dkim	*k;

	TAILQ_FOREACH(k, &signer_dkims, entry)
		if (strcmp(k->domain, domain) == 0 &&
		    strcmp(k->selector, selector) == 0)
			return (k);
	return (NULL);
}

/* One request: res has a status and, on success, alg and signature. */
void
signer_dkim_op(const struct signer_dkim_req *req,
    struct signer_dkim_res *res)
{
	const struct signer_dkim	*k;
	const uint8_t			*hash;
	size_t				 len = 0;

	memset(res, 0, sizeof(*res));
	res->id = req->id;
	if (!signer_dkim_req_valid(req)) {
		res->status = KEYPROXY_EINVAL;
		return;
	}
	if ((k = signer_dkim_find(req->domain, req->selector)) == NULL) {
		res->status = KEYPROXY_ENOKEY;
		return;
	}
	hash = k->alg == DKIM_ALG_RSA_SHA256 ? req->rsa : req->ed25519;
	if (dkim_key_sign(k->pkey, k->alg, hash, res->sig, &len) == -1 ||
	    len == 0 || len > sizeof(res->sig)) {
		ERR_clear_error();
		explicit_bzero(res->sig, sizeof(res->sig));
		res->status = KEYPROXY_EFAIL;
		return;
	}
	res->status = KEYPROXY_OK;
	res->alg = (uint32_t)k->alg;
	res->len = (uint32_t)len;
}
