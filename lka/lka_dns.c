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
 * lka_dns.c -- lka's asynchronous resolver (see lka_dns.h): the shared
 * common/resolver.c, configured from smtpd.conf's "resolver" and
 * "resolver dnssec" statements.
 *
 * SECURITY: lka_dns_init() runs before privileges are dropped and the
 * sandbox applied (resolver_init() reads resolv.conf and the trust
 * anchor); see common/resolver.c.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "resolver.h"
#include "smtpd.h"
#include "lka_dns.h"

void
lka_dns_init(const struct smtpd_config *conf, unsigned int timeout)
{
	struct resolver_conf	 rc;
	char			 err[256];
	size_t			 i;

	memset(&rc, 0, sizeof(rc));
	for (i = 0; i < conf->nresolvers && i < RESOLVER_MAX; i++) {
		if ((size_t)rc.nupstream >= RESOLVER_UPSTREAM_MAX)
			fatalx("resolver: too many resolvers");
		if (strlcpy(rc.upstream[rc.nupstream], conf->resolvers[i],
		    sizeof(rc.upstream[0])) >= sizeof(rc.upstream[0]))
			fatalx("resolver %s: too long", conf->resolvers[i]);
		rc.nupstream++;
	}
	rc.dnssec = conf->dnssec;
	rc.timeout = timeout;
	if (resolver_init(&rc, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

void
lka_dns_reload(const struct smtpd_config *old, const struct smtpd_config *new)
{
	size_t	 i;
	int	 same;

	same = old->nresolvers == new->nresolvers &&
	    !old->dnssec == !new->dnssec;
	for (i = 0; same && i < new->nresolvers && i < RESOLVER_MAX; i++)
		same = strcmp(old->resolvers[i], new->resolvers[i]) == 0;
	if (!same)
		log_warnx("resolver settings changed: they take effect when "
		    "smtpd is restarted");
}

size_t
lka_dns_pending(void)
{
	return (resolver_pending());
}

void
lka_dns_query(const char *name, uint16_t type, lka_dns_cb cb, void *arg)
{
	resolver_query(name, type, cb, arg);
}
