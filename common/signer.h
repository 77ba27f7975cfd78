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

/* OpenSSL set-up that must happen before the sandbox. */
void	signer_key_init(void);
/* Read a PEM private key from fd (closed) for pki name: 0 or -1, logged. */
int	signer_key_load(const char *name, int fd);
/* The keys loaded since the last commit become current (see .c). */
void	signer_key_commit(void);
void	signer_key_op(const struct keyproxy_req *, struct keyproxy_res *);
void	signer_key_stats(struct signer_stats *);
void	signer_key_clear(void);

#endif /* SIGNER_H */
