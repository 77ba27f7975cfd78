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
 * signer.h -- the key store of a key-holding process (smtpd's signer/signer.c,
 * imapd's signer): common/signer_key.c, which needs no daemon: a unit test
 * and both daemons link it.
 */

#ifndef SIGNER_H
#define SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "keyproxy.h"

#define SIGNER_KEY_FILE_MAX	(64 * 1024)	/* a PEM key is a few KB */
#define SIGNER_RSA_MIN_BITS	2048
#define SIGNER_RSA_MAX_BITS	(KEYPROXY_DATA_MAX * 8)

struct signer_stats {
	uint64_t	 keys;		/* held now, all generations */
	uint64_t	 ops;
	uint64_t	 refused;	/* unknown key or bad request */
	uint64_t	 failed;
};

/*
 * DKIM keys (smtpd's "dkim DOMAIN selector SELECTOR key FILE"), by
 * domain and selector.  The DKIM-Signature field names its algorithm
 * (a=) and is part of what b= signs, so smtp hashes the header for each
 * algorithm and the signer signs the hash of its key's algorithm,
 * saying which (enum dkim_alg of common/dkim.h).
 */
#define SIGNER_DKIM_NAME_MAX	256
#define SIGNER_DKIM_HASH_LEN	32	/* SHA-256 */
#define SIGNER_DKIM_SIG_MAX	1024	/* RSA-8192 */
#define SIGNER_DKIM_RSA_MIN_BITS 1024	/* RFC 8301; under 2048 warned */
#define SIGNER_DKIM_RSA_MAX_BITS 8192

/* parent -> signer (IMSG_CONF_DKIM_KEY, with the key file's fd) */
struct signer_dkim_msg {
	char		 domain[SIGNER_DKIM_NAME_MAX];
	char		 selector[SIGNER_DKIM_NAME_MAX];
};

/* smtp -> signer: sign for domain/selector; id is echoed */
struct signer_dkim_req {
	uint64_t	 id;
	char		 domain[SIGNER_DKIM_NAME_MAX];
	char		 selector[SIGNER_DKIM_NAME_MAX];
	uint8_t		 rsa[SIGNER_DKIM_HASH_LEN];	/* a=rsa-sha256 */
	uint8_t		 ed25519[SIGNER_DKIM_HASH_LEN];	/* a=ed25519-sha256 */
};

/* signer -> smtp: status KEYPROXY_*, and on KEYPROXY_OK alg and sig */
struct signer_dkim_res {
	uint64_t	 id;
	int32_t		 status;
	uint32_t	 alg;		/* enum dkim_alg */
	uint32_t	 len;
	uint8_t		 sig[SIGNER_DKIM_SIG_MAX];
};

int	signer_dkim_req_valid(const struct signer_dkim_req *);
int	signer_dkim_res_valid(const struct signer_dkim_res *);
/* A PEM private key (RSA or Ed25519) from fd (closed): 0 or -1, logged. */
int	signer_dkim_load(const char *domain, const char *selector, int fd);
void	signer_dkim_op(const struct signer_dkim_req *,
	    struct signer_dkim_res *);

/* OpenSSL set-up that must happen before the sandbox. */
void	signer_key_init(void);
/* Read a PEM private key from fd (closed) for pki name: 0 or -1, logged. */
int	signer_key_load(const char *name, int fd);
/* The keys loaded since the last commit become current (see .c). */
void	signer_key_commit(void);
void	signer_key_op(const struct keyproxy_req *, struct keyproxy_res *);
void	signer_key_stats(struct signer_stats *);
void	signer_key_clear(void);
struct evp_pkey_st;
struct evp_pkey_st *signer_key_parse(const char *, int);
uint64_t signer_key_generation(void);
/*
 * signer_dkim.c (only smtpd's signer links it: it needs dkim_crypto.c):
 * the DKIM keys follow the generations of signer_key_commit(); call
 * signer_dkim_commit(generation before the commit) with it.
 */
void	signer_dkim_commit(uint64_t);
void	signer_dkim_clear(void);

#endif /* SIGNER_H */
