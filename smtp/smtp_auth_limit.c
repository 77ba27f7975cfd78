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
 * smtp_auth_limit.c -- AUTH failures per client: the delay before a
 * failure is answered, and the refusal of a client that keeps failing.
 *
 * SECURITY: the table is bounded (AUTH_FAIL_TABLE_MAX entries, the
 * least recently failing client is forgotten first), so that clients
 * from many addresses cannot exhaust memory; each refusal is logged by
 * the caller, with address=, for fail2ban.  IPv6 clients are counted by
 * their /64 (one host usually has a whole /64), IPv4-mapped addresses as
 * IPv4, and local socket clients by uid: one local user's failures do not
 * lock out the others.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"
#include "smtp_auth.h"

struct smtp_authfail {
	RB_ENTRY(smtp_authfail)		 node;
	TAILQ_ENTRY(smtp_authfail)	 lru;	/* least recent first */
	int				 family;
	uint8_t				 addr[16];
	unsigned int			 count;	/* failures in the run */
	time_t				 last;
};

RB_HEAD(smtp_authfails, smtp_authfail);

static struct smtp_authfails	 authfails = RB_INITIALIZER(&authfails);
static TAILQ_HEAD(, smtp_authfail) authfail_lru =
    TAILQ_HEAD_INITIALIZER(authfail_lru);
static size_t			 authfail_count;

int		smtp_authfail_cmp(struct smtp_authfail *,
		    struct smtp_authfail *);
static void	smtp_authfail_key(const struct sockaddr_storage *, uint32_t,
		    struct smtp_authfail *);
static struct smtp_authfail *smtp_authfail_find(
		    const struct sockaddr_storage *, uint32_t, time_t);
static void	smtp_authfail_remove(struct smtp_authfail *);
static void	smtp_authfail_forget(struct smtp_authfail *);

RB_PROTOTYPE(smtp_authfails, smtp_authfail, node, smtp_authfail_cmp);
RB_GENERATE(smtp_authfails, smtp_authfail, node, smtp_authfail_cmp)

int
smtp_authfail_cmp(struct smtp_authfail *a, struct smtp_authfail *b)
{
	if (a->family != b->family)
		return (a->family < b->family ? -1 : 1);
	return (memcmp(a->addr, b->addr, sizeof(a->addr)));
}

/* IP clients by address (IPv6 by /64), socket clients by uid. */
static void
smtp_authfail_key(const struct sockaddr_storage *ss, uint32_t uid,
    struct smtp_authfail *k)
{
	memset(k, 0, sizeof(*k));
	k->family = ss->ss_family;
	if (smtp_client_addr(ss, 8, &k->family, k->addr) == -1 &&
	    ss->ss_family == AF_UNIX)
		memcpy(k->addr, &uid, sizeof(uid));
}

static void
smtp_authfail_remove(struct smtp_authfail *f)
{
	TAILQ_REMOVE(&authfail_lru, f, lru);
	smtp_authfail_forget(f);
}

/* Free f, already off the lru list. */
static void
smtp_authfail_forget(struct smtp_authfail *f)
{
	RB_REMOVE(smtp_authfails, &authfails, f);
	authfail_count--;
	free(f);
}

/* The client's entry, forgotten if its run of failures is over. */
static struct smtp_authfail *
smtp_authfail_find(const struct sockaddr_storage *ss, uint32_t uid,
    time_t now)
{
	struct smtp_authfail	 key, *f;

	smtp_authfail_key(ss, uid, &key);
	if ((f = RB_FIND(smtp_authfails, &authfails, &key)) == NULL)
		return (NULL);
	if (now - f->last > AUTH_FAIL_WINDOW || now < f->last) {
		smtp_authfail_remove(f);
		return (NULL);
	}
	return (f);
}

int
smtp_auth_limit_refused(const struct sockaddr_storage *ss, uint32_t uid,
    time_t now)
{
	struct smtp_authfail	*f;

	f = smtp_authfail_find(ss, uid, now);
	return (f != NULL && f->count >= AUTH_FAIL_MAX);
}

unsigned int
smtp_auth_limit_failure(const struct sockaddr_storage *ss, uint32_t uid,
    time_t now)
{
	struct smtp_authfail	*f, *old;
	unsigned int		 delay, i;

	if ((f = smtp_authfail_find(ss, uid, now)) == NULL) {
		while (authfail_count >= AUTH_FAIL_TABLE_MAX &&
		    (old = TAILQ_FIRST(&authfail_lru)) != NULL) {
			TAILQ_REMOVE(&authfail_lru, old, lru);
			smtp_authfail_forget(old);
		}
		f = xcalloc(1, sizeof(*f));
		smtp_authfail_key(ss, uid, f);
		RB_INSERT(smtp_authfails, &authfails, f);
		authfail_count++;
	} else
		TAILQ_REMOVE(&authfail_lru, f, lru);
	TAILQ_INSERT_TAIL(&authfail_lru, f, lru);
	f->last = now;
	if (f->count < AUTH_FAIL_MAX)
		f->count++;
	/* 1, 2, 4... seconds, at most AUTH_DELAY_MAX */
	delay = AUTH_DELAY_MIN;
	for (i = 1; i < f->count && delay < AUTH_DELAY_MAX; i++)
		delay *= 2;
	return (delay > AUTH_DELAY_MAX ? AUTH_DELAY_MAX : delay);
}

size_t
smtp_auth_limit_count(void)
{
	return (authfail_count);
}

void
smtp_auth_limit_clear(void)
{
	struct smtp_authfail	*f;

	while ((f = TAILQ_FIRST(&authfail_lru)) != NULL) {
		TAILQ_REMOVE(&authfail_lru, f, lru);
		smtp_authfail_forget(f);
	}
}
