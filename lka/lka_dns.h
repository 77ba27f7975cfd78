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
 * lka_dns.h -- lka's resolver: common/resolver.c (libunbound in event
 * mode on lka's own libevent base) configured from smtpd.conf's
 * "resolver" statements.  lka_dns_init() sets it up before the sandbox;
 * lka_dns_query() starts one lookup whose answer always comes later,
 * from the event loop, through the callback:
 *
 *	LKA_DNS_OK		NOERROR: pkt/len is the answer (maybe no
 *				record of the type: NODATA), read it with
 *				common/dns.h; secure: DNSSEC validated
 *	LKA_DNS_NXDOMAIN	the name does not exist
 *	LKA_DNS_TEMPFAIL	SERVFAIL, a bogus DNSSEC answer, another
 *				rcode, a malformed answer, or no answer in
 *				the timeout
 * The packet is only valid during the callback.  These are resolver.h's
 * values under lka's names.
 */

#ifndef LKA_DNS_H
#define LKA_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "resolver.h"
#include "smtpd.h"

#define LKA_DNS_TIMEOUT		RESOLVER_TIMEOUT	/* seconds */
#define LKA_DNS_ROOT_KEY	RESOLVER_ROOT_KEY
#define LKA_DNS_RESOLV_CONF	RESOLVER_RESOLV_CONF

#define LKA_DNS_OK		RESOLVER_OK
#define LKA_DNS_NXDOMAIN	RESOLVER_NXDOMAIN
#define LKA_DNS_TEMPFAIL	RESOLVER_TEMPFAIL

typedef resolver_cb	lka_dns_cb;

/*
 * Before the sandbox, on the current event base (event_init()'s):
 * conf's resolvers (none: /etc/resolv.conf) and dnssec, timeout seconds
 * per lookup (0: LKA_DNS_TIMEOUT).  Fatal if libunbound cannot start.
 */
void	lka_dns_init(const struct smtpd_config *, unsigned int);
/* A reload cannot change the resolver (files are out of reach): warn. */
void	lka_dns_reload(const struct smtpd_config *,
	    const struct smtpd_config *);
void	lka_dns_query(const char *, uint16_t, lka_dns_cb, void *);
/* Lookups started and not answered yet (tests). */
size_t	lka_dns_pending(void);

#endif /* LKA_DNS_H */
