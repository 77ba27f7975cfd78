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
 * pwcheck.c -- crypt(3) password checks with a cache of recent successes.
 *
 * SECURITY: passwords pass through here and nowhere else is their hash
 * computed.  Every buffer that held a password or its crypt() state is
 * wiped (explicit_bzero) before it is released.  The cache is keyed by an
 * HMAC under a per-process random key, so it stores no password and no
 * unkeyed digest of one; its values are hash strings from the table,
 * which the process had anyway.  Its size is bounded: past
 * PWCHECK_CACHE_MAX entries the oldest is dropped.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pwcheck.h"

#define PWCHECK_MAC_LEN		32	/* SHA-256 */
#define PWCHECK_KEY_LEN		32
#define PWCHECK_INPUT_MAX	2048	/* user NUL password, cached */

struct pwcheck_entry {
	RB_ENTRY(pwcheck_entry)		 node;
	TAILQ_ENTRY(pwcheck_entry)	 age;
	unsigned char			 mac[PWCHECK_MAC_LEN];
	char				*hash;
	time_t				 when;
};

RB_HEAD(pwcheck_tree, pwcheck_entry);

struct pwcheck_cache {
	struct pwcheck_tree		 tree;
	TAILQ_HEAD(, pwcheck_entry)	 fifo;	/* oldest first */
	size_t				 count;
	size_t				 max;
	time_t				 ttl;
	unsigned char			 key[PWCHECK_KEY_LEN];
	size_t				 ncrypt;
	size_t				 nhits;
};

int		pwcheck_entry_cmp(struct pwcheck_entry *,
		    struct pwcheck_entry *);
static int	pwcheck_mac(const struct pwcheck_cache *, const char *,
		    const char *, unsigned char *);
static void	pwcheck_remove(struct pwcheck_cache *,
		    struct pwcheck_entry *);
static void	pwcheck_forget(struct pwcheck_cache *,
		    struct pwcheck_entry *);
static void	pwcheck_expire(struct pwcheck_cache *, time_t);
static void	pwcheck_insert(struct pwcheck_cache *, const unsigned char *,
		    const char *, time_t);
static int	pwcheck_crypt(const char *, const char *);
static int	pwcheck_streq(const char *, const char *);

RB_PROTOTYPE(pwcheck_tree, pwcheck_entry, node, pwcheck_entry_cmp);
RB_GENERATE(pwcheck_tree, pwcheck_entry, node, pwcheck_entry_cmp)

static const char *const pwcheck_prefixes[] = {
	"$y$",		/* yescrypt, Debian's default */
	"$gy$",		/* gost-yescrypt */
	"$7$",		/* scrypt */
	"$2b$",		/* bcrypt */
	"$2y$",
	"$2a$",
	"$6$",		/* sha512-crypt */
	"$5$",		/* sha256-crypt */
};

int
pwcheck_entry_cmp(struct pwcheck_entry *a, struct pwcheck_entry *b)
{
	return (memcmp(a->mac, b->mac, sizeof(a->mac)));
}

int
pwcheck_hash_ok(const char *hash)
{
	size_t	 i, len;

	if (hash == NULL)
		return (0);
	len = strlen(hash);
	if (len >= PWCHECK_HASH_MAX)
		return (0);
	for (i = 0; i < sizeof(pwcheck_prefixes) / sizeof(*pwcheck_prefixes);
	    i++)
		if (strncmp(hash, pwcheck_prefixes[i],
		    strlen(pwcheck_prefixes[i])) == 0 &&
		    len > strlen(pwcheck_prefixes[i]))
			return (1);
	return (0);
}

/* Equal strings, in time that depends on their lengths only. */
static int
pwcheck_streq(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la != lb)
		return (0);
	return (CRYPTO_memcmp(a, b, la) == 0);
}

struct pwcheck_cache *
pwcheck_cache_new(size_t max, time_t ttl)
{
	struct pwcheck_cache	*c;
	unsigned char		 mac[PWCHECK_MAC_LEN];

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	RB_INIT(&c->tree);
	TAILQ_INIT(&c->fifo);
	c->max = max ? max : PWCHECK_CACHE_MAX;
	c->ttl = ttl ? ttl : PWCHECK_CACHE_TTL;
	arc4random_buf(c->key, sizeof(c->key));
	/* load libcrypto's digest now, before any sandbox */
	if (pwcheck_mac(c, "", "", mac) == -1) {
		pwcheck_cache_free(c);
		return (NULL);
	}
	return (c);
}

void
pwcheck_cache_free(struct pwcheck_cache *c)
{
	if (c == NULL)
		return;
	pwcheck_cache_flush(c);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

void
pwcheck_cache_flush(struct pwcheck_cache *c)
{
	struct pwcheck_entry	*e;

	while ((e = TAILQ_FIRST(&c->fifo)) != NULL) {
		TAILQ_REMOVE(&c->fifo, e, age);
		pwcheck_forget(c, e);
	}
}

size_t
pwcheck_cache_count(const struct pwcheck_cache *c)
{
	return (c->count);
}

void
pwcheck_cache_stats(const struct pwcheck_cache *c, size_t *ncrypt,
    size_t *nhits)
{
	*ncrypt = c->ncrypt;
	*nhits = c->nhits;
}

/* HMAC-SHA256(key, user NUL password): 0, or -1 if too long to cache. */
static int
pwcheck_mac(const struct pwcheck_cache *c, const char *user,
    const char *password, unsigned char *mac)
{
	unsigned char	 buf[PWCHECK_INPUT_MAX];
	size_t		 ul = strlen(user), pl = strlen(password);
	unsigned int	 maclen = 0;
	int		 r = 0;

	if (ul + 1 + pl > sizeof(buf))
		return (-1);
	memcpy(buf, user, ul);
	buf[ul] = '\0';
	memcpy(buf + ul + 1, password, pl);
	if (HMAC(EVP_sha256(), c->key, sizeof(c->key), buf, ul + 1 + pl,
	    mac, &maclen) == NULL || maclen != PWCHECK_MAC_LEN)
		r = -1;
	explicit_bzero(buf, sizeof(buf));
	return (r);
}

static void
pwcheck_remove(struct pwcheck_cache *c, struct pwcheck_entry *e)
{
	TAILQ_REMOVE(&c->fifo, e, age);
	pwcheck_forget(c, e);
}

/* Free e, already off the fifo. */
static void
pwcheck_forget(struct pwcheck_cache *c, struct pwcheck_entry *e)
{
	RB_REMOVE(pwcheck_tree, &c->tree, e);
	c->count--;
	explicit_bzero(e->hash, strlen(e->hash));
	free(e->hash);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

/* Drop what is older than the ttl (the fifo is in insertion order). */
static void
pwcheck_expire(struct pwcheck_cache *c, time_t now)
{
	struct pwcheck_entry	*e;

	while ((e = TAILQ_FIRST(&c->fifo)) != NULL) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): the new first */
		if (now - e->when < c->ttl && now >= e->when)
			break;
		TAILQ_REMOVE(&c->fifo, e, age);
		pwcheck_forget(c, e);
	}
}

static void
pwcheck_insert(struct pwcheck_cache *c, const unsigned char *mac,
    const char *hash, time_t now)
{
	struct pwcheck_entry	*e, *old;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	if ((e->hash = strdup(hash)) == NULL) {
		free(e);
		return;
	}
	memcpy(e->mac, mac, sizeof(e->mac));
	e->when = now;
	while (c->count >= c->max && (old = TAILQ_FIRST(&c->fifo)) != NULL) {
		TAILQ_REMOVE(&c->fifo, old, age);
		pwcheck_forget(c, old);
	}
	if (RB_INSERT(pwcheck_tree, &c->tree, e) != NULL) {
		/* cannot happen: the caller removed any entry of this mac */
		free(e->hash);
		free(e);
		return;
	}
	TAILQ_INSERT_TAIL(&c->fifo, e, age);
	c->count++;
}

/* crypt() password with hash as setting: PWCHECK_OK/FAIL/ERROR. */
static int
pwcheck_crypt(const char *password, const char *hash)
{
	struct crypt_data	*cd;
	const char		*out;
	int			 r;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return (PWCHECK_ERROR);
	out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	if (out == NULL)
		r = errno == ENOMEM ? PWCHECK_ERROR : PWCHECK_FAIL;
	else
		r = pwcheck_streq(out, hash) ? PWCHECK_OK : PWCHECK_FAIL;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return (r);
}

int
pwcheck_verify(struct pwcheck_cache *c, const char *user,
    const char *password, const char *hash, time_t now)
{
	struct pwcheck_entry	 key, *e = NULL;
	int			 cacheable = 0, r;

	if (!pwcheck_hash_ok(hash))
		return (PWCHECK_BADHASH);
	if (*password == '\0')
		return (PWCHECK_FAIL);
	if (c != NULL) {
		pwcheck_expire(c, now);
		cacheable = pwcheck_mac(c, user, password, key.mac) == 0;
		if (cacheable)
			e = RB_FIND(pwcheck_tree, &c->tree, &key);
	}
	if (e != NULL) {
		if (pwcheck_streq(e->hash, hash)) {
			c->nhits++;
			explicit_bzero(&key, sizeof(key));
			return (PWCHECK_OK);
		}
		/* the user's hash changed since: check again */
		pwcheck_remove(c, e);
	}
	if (c != NULL)
		c->ncrypt++;
	r = pwcheck_crypt(password, hash);
	if (r == PWCHECK_OK && cacheable)
		pwcheck_insert(c, key.mac, hash, now);
	explicit_bzero(&key, sizeof(key));
	return (r);
}

/*
 * The work of a real check for a user who does not exist (or may not log
 * in): the time of the answer does not tell which users exist.
 */
void
pwcheck_dummy(const char *password)
{
	static char	 setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (setting[0] == '\0' && crypt_gensalt_rn(NULL, 0, NULL, 0,
	    setting, sizeof(setting)) == NULL) {
		setting[0] = '\0';
		return;
	}
	(void)pwcheck_crypt(*password != '\0' ? password : "-", setting);
}

int
pwcheck_hash_new(const char *password, char *buf, size_t size)
{
	struct crypt_data	*cd;
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*out;
	int			 r = -1;

	if (crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return (-1);
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return (-1);
	out = crypt_rn(password, salt, cd, (int)sizeof(*cd));
	if (out != NULL && pwcheck_hash_ok(out) &&
	    strlcpy(buf, out, size) < size)
		r = 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return (r);
}
