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
 * keyproxy.h -- private-key operations done by another process (the
 * signer), for any daemon that serves TLS with libtls.
 *
 * A process that must not hold its TLS private keys configures libtls
 * with the certificate chain alone (tls_config_use_fake_private_key()).
 * keyproxy_init() installs RSA and EC_KEY default methods whose private
 * operations (RSA priv_enc/priv_dec, ECDSA sign) are sent to the signer
 * over an imsg channel and waited for synchronously.  The key is named
 * by its fingerprint: the SHA-256 of the DER SubjectPublicKeyInfo of the
 * public key (EC points uncompressed), computed here from the key libtls
 * took out of the certificate, and by the signer from the private key.
 *
 * Debian 12 (libretls 3.7 on OpenSSL 3.0), checked: X509_get_pubkey()
 * decodes a certificate's key through the legacy RSA/EC_KEY code first,
 * and RSA_new()/EC_KEY_new() take the default method, so a key parsed
 * after keyproxy_init() uses ours; OpenSSL 3 sees a non-default method
 * ("foreign" key) and runs the TLS signature through that method, RSA
 * (TLS 1.2 and 1.3, PSS padding done by libssl, then priv_enc with no
 * padding; RSA key exchange: priv_dec) and ECDSA P-256 alike.  The
 * public-key hash libretls stores as ex_data is not there (NULL): it is
 * not used.
 *
 * What the daemon must do, in this order:
 *	1. keyproxy_init(), once, before the first tls_configure() of a
 *	   server configuration (before any certificate is parsed into the
 *	   tls_config: the methods apply to keys created afterwards).  It
 *	   may come before the signer link exists.
 *	2. keyproxy_tls_config() on each server tls_config, before its
 *	   keypairs (certificate only, key NULL) are added.
 *	3. keyproxy_set_signer() with the peer of the signer once the link
 *	   is up (IMSG_SETUP_PEER done, e.g. in the ready() callback);
 *	   until then every private-key operation fails (a failed
 *	   handshake, nothing worse).
 *	4. list keyproxy_imsg_result() as the handler of the result type
 *	   in the handler table for the signer peer: a reply that comes
 *	   after its request timed out lands there and is dropped.
 *
 * SECURITY: the calling process can ask the signer for any operation
 * with any key it knows the certificate of, as often as it likes (the
 * signer is a private-key oracle for it); what it cannot do is take the
 * key away.  A request the signer refuses, or no answer within the
 * timeout, fails that operation and so that handshake only.  Waiting
 * blocks the process (the signer answers in about a millisecond).  Keys
 * that carry their private part (not from a fake-key certificate) are
 * used in this process as usual.
 */

#ifndef CARTERO_KEYPROXY_H
#define CARTERO_KEYPROXY_H

#include <stddef.h>
#include <stdint.h>

#define KEYPROXY_FP_LEN		32	/* SHA-256 */
#define KEYPROXY_DATA_MAX	1024	/* RSA-8192; a DER ECDSA signature */
#define KEYPROXY_TIMEOUT_MS	2000	/* default wait for the signer */

/* Operations (struct keyproxy_req.op). */
#define KEYPROXY_RSA_PRIVENC	1	/* RSA_private_encrypt: signatures */
#define KEYPROXY_RSA_PRIVDEC	2	/* RSA_private_decrypt: RSA kex */
#define KEYPROXY_ECDSA_SIGN	3	/* data: digest; result: DER sig */

/* Status (struct keyproxy_res.status). */
#define KEYPROXY_OK		0
#define KEYPROXY_ENOKEY		1	/* no key with that fingerprint */
#define KEYPROXY_EINVAL		2	/* op, padding or length refused */
#define KEYPROXY_EFAIL		3	/* the operation failed */

/*
 * The request and its reply; the imsg peerid is the request id, echoed
 * in the reply.  padding is OpenSSL's RSA_*_PADDING (RSA only).
 */
struct keyproxy_req {
	uint8_t		 fp[KEYPROXY_FP_LEN];
	uint32_t	 op;
	int32_t		 padding;
	uint32_t	 len;
	uint8_t		 data[KEYPROXY_DATA_MAX];
};

struct keyproxy_res {
	int32_t		 status;
	uint32_t	 len;
	uint8_t		 data[KEYPROXY_DATA_MAX];
};

struct peer;
struct imsg;
struct tls_config;
struct rsa_st;
struct ec_key_st;

/* What the signer's validator and the proxy both require of a message. */
int	keyproxy_req_valid(const struct keyproxy_req *);
int	keyproxy_res_valid(const struct keyproxy_res *);

int	keyproxy_init(uint32_t req_type, uint32_t res_type, int timeout_ms);
void	keyproxy_set_signer(struct peer *);
int	keyproxy_tls_config(struct tls_config *);
void	keyproxy_imsg_result(struct peer *, struct imsg *);

/* Counters, for "show stats" and the tests. */
struct keyproxy_stats {
	uint64_t	 requests;
	uint64_t	 failed;	/* refused, no answer or no signer */
	uint64_t	 timeouts;
	uint64_t	 late;		/* replies after their timeout */
};
void	keyproxy_get_stats(struct keyproxy_stats *);

/* The fingerprint of a public key, as the signer computes it: 0 or -1. */
int	keyproxy_fp_rsa(const struct rsa_st *, uint8_t *);
int	keyproxy_fp_ec(struct ec_key_st *, uint8_t *);

#endif /* CARTERO_KEYPROXY_H */
