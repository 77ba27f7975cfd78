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
 * pwcheck.h -- check a password against a crypt(3) hash (libxcrypt), with
 * a cache of recent successes; for any daemon (smtpd's lka and parent,
 * imapd).
 *
 * Accepted hashes: yescrypt ($y$, $gy$), scrypt ($7$), bcrypt ($2b$,
 * $2y$, $2a$), sha512-crypt ($6$) and sha256-crypt ($5$).  DES, MD5 and
 * the other legacy methods, empty hashes and locked ones ("*", "!...")
 * never match.
 *
 * The cache keeps, for PWCHECK_CACHE_TTL seconds, HMAC-SHA256(key, user
 * NUL password) -> the hash that password matched, where the key is random
 * per process and never leaves it: a hit costs one HMAC instead of one
 * crypt() (yescrypt: ~20 ms), and the cache holds nothing a reader could
 * turn back into a password faster than the hash itself.  An entry is used
 * only while the hash it matched is still the user's hash, so a changed
 * password takes effect at once; failures are never cached.
 */

#ifndef CARTERO_PWCHECK_H
#define CARTERO_PWCHECK_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#define PWCHECK_CACHE_TTL	300	/* seconds a success is remembered */
#define PWCHECK_CACHE_MAX	4096	/* entries; the oldest goes first */
#define PWCHECK_HASH_MAX	512	/* longest hash string we keep */

#define PWCHECK_OK		0	/* the password matches */
#define PWCHECK_FAIL		1	/* it does not */
#define PWCHECK_BADHASH		2	/* the hash is refused: no match */
#define PWCHECK_ERROR		3	/* crypt failed: try again later */

struct pwcheck_cache;

/* 1 if hash is of an accepted method, 0 if not (see above). */
int	 pwcheck_hash_ok(const char *);

/*
 * A new cache of at most max entries kept ttl seconds (0: the defaults).
 * Makes its key now (call before a seccomp sandbox): NULL on failure.
 */
struct pwcheck_cache *pwcheck_cache_new(size_t, time_t);
void	 pwcheck_cache_free(struct pwcheck_cache *);
/* Forget every entry (configuration reload). */
void	 pwcheck_cache_flush(struct pwcheck_cache *);
size_t	 pwcheck_cache_count(const struct pwcheck_cache *);
/* crypt() calls made, cache hits (statistics, tests) */
void	 pwcheck_cache_stats(const struct pwcheck_cache *, size_t *,
	    size_t *);

/*
 * Check user's password against hash, at time now (monotonic seconds).
 * cache may be NULL.  PWCHECK_*; the comparison is in constant time.
 */
int	 pwcheck_verify(struct pwcheck_cache *, const char *, const char *,
	    const char *, time_t);

/* As long as a real check, for users who do not exist. */
void	 pwcheck_dummy(const char *);

/*
 * A new hash of password with libxcrypt's preferred method (yescrypt on
 * Debian 12) and a fresh salt into buf: 0, or -1.
 */
int	 pwcheck_hash_new(const char *, char *, size_t);

#endif /* CARTERO_PWCHECK_H */
