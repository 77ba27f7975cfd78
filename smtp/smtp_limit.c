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
 * smtp_limit.c -- who may open a session.
 *
 * SECURITY: local submission must always get through.  The enqueue
 * socket (sendmail, cron, mail(1)) has its own slots
 * (max-sessions-local), so that TCP clients holding every one of
 * max-sessions cannot lock it out; and no single TCP client address
 * may hold more than max-sessions-per-address of them (loopback
 * included: a local user can connect to 127.0.0.1 as easily as anyone).
 * IPv4-mapped IPv6 addresses count as the IPv4 address.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"

struct smtp_client {
	RB_ENTRY(smtp_client)	 entry;
	uint8_t			 addr[16];	/* v4 in the first 4 */
	int			 family;
	size_t			 n;
};

RB_HEAD(smtp_clients, smtp_client);

static struct smtp_clients	 smtp_clients =
    RB_INITIALIZER(&smtp_clients);
static size_t			 smtp_active_tcp, smtp_active_local;

int		smtp_client_cmp(struct smtp_client *, struct smtp_client *);
static int	smtp_client_key(const struct sockaddr_storage *,
		    struct smtp_client *);

RB_PROTOTYPE(smtp_clients, smtp_client, entry, smtp_client_cmp);
RB_GENERATE(smtp_clients, smtp_client, entry, smtp_client_cmp)

int
smtp_client_cmp(struct smtp_client *a, struct smtp_client *b)
{
	if (a->family != b->family)
		return (a->family < b->family ? -1 : 1);
	return (memcmp(a->addr, b->addr, sizeof(a->addr)));
}

/*
 * The address of a TCP client as a key: the family, and in addr (16
 * bytes, zeroed by the caller) an IPv4 address (a v4-mapped IPv6 one
 * included) in the first 4 bytes, or the first v6bytes of an IPv6
 * address.  -1, nothing set, if ss is not an IP address.
 */
int
smtp_client_addr(const struct sockaddr_storage *ss, size_t v6bytes,
    int *family, uint8_t *addr)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		*family = AF_INET;
		memcpy(addr, &sin->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		*family = AF_INET;
		memcpy(addr, &sin6->sin6_addr.s6_addr[12], 4);
	} else if (ss->ss_family == AF_INET6) {
		*family = AF_INET6;
		memcpy(addr, &sin6->sin6_addr, v6bytes < 16 ? v6bytes : 16);
	} else
		return (-1);
	return (0);
}

/* The counting key of a TCP client; -1 if it has no address. */
static int
smtp_client_key(const struct sockaddr_storage *ss, struct smtp_client *k)
{
	memset(k, 0, sizeof(*k));
	return (smtp_client_addr(ss, sizeof(k->addr), &k->family, k->addr));
}

/*
 * May a new connection from ss (AF_UNIX: the enqueue socket) start a
 * session?  NULL and counted if so, else the 421 reply to send (the
 * refusal is logged here).
 */
const char *
smtp_limit_admit(const struct sockaddr_storage *ss)
{
	struct smtp_client	 key, *c;

	if (ss->ss_family == AF_UNIX) {
		if (smtp_active_local >= env->max_sessions_local) {
			log_warnx("smtp refused address=local "
			    "reason=max-sessions-local limit=%zu",
			    env->max_sessions_local);
			return ("421 4.3.2 Too many local sessions, try "
			    "again later\r\n");
		}
		smtp_active_local++;
		return (NULL);
	}
	if (smtp_active_tcp >= env->max_sessions) {
		log_warnx("smtp refused address=%s reason=max-sessions "
		    "limit=%zu", log_sockaddr((const void *)ss),
		    env->max_sessions);
		return ("421 4.3.2 Too many sessions, try again later\r\n");
	}
	c = NULL;
	if (smtp_client_key(ss, &key) == 0 &&
	    (c = RB_FIND(smtp_clients, &smtp_clients, &key)) == NULL) {
		c = xcalloc(1, sizeof(*c));
		*c = key;
		RB_INSERT(smtp_clients, &smtp_clients, c);
	}
	if (c != NULL && c->n >= env->max_sessions_addr) {
		log_warnx("smtp refused address=%s "
		    "reason=max-sessions-per-address limit=%zu",
		    log_sockaddr((const void *)ss), env->max_sessions_addr);
		return ("421 4.7.0 Too many sessions from your address, try "
		    "again later\r\n");
	}
	if (c != NULL)
		c->n++;
	smtp_active_tcp++;
	return (NULL);
}

/* A session admitted by smtp_limit_admit() has ended. */
void
smtp_limit_release(const struct sockaddr_storage *ss)
{
	struct smtp_client	 key, *c;

	if (ss->ss_family == AF_UNIX) {
		if (smtp_active_local == 0)
			fatalx("smtp_limit_release: no local session");
		smtp_active_local--;
		return;
	}
	if (smtp_active_tcp == 0)
		fatalx("smtp_limit_release: no TCP session");
	smtp_active_tcp--;
	if (smtp_client_key(ss, &key) == -1)
		return;
	if ((c = RB_FIND(smtp_clients, &smtp_clients, &key)) == NULL ||
	    c->n == 0)
		fatalx("smtp_limit_release: client not counted");
	if (--c->n == 0) {
		RB_REMOVE(smtp_clients, &smtp_clients, c);
		free(c);
	}
}
