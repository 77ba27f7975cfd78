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
 * resolver.h -- the asynchronous resolver every process and tool shares:
 * libunbound in event mode on the caller's libevent base (no thread, no
 * helper process).  lka uses it through lka/lka_dns.c (its config), and
 * smtpctl (spf, dkim, dmarc, dns) through the same code, so that a check
 * run by hand gives what the daemon would.
 *
 * resolver_query() starts one lookup whose answer always comes later,
 * from the event loop, never from inside resolver_query():
 *
 *	RESOLVER_OK		NOERROR: pkt/len is the answer (maybe no
 *				record of the type: NODATA), read it with
 *				common/dns.h; secure: DNSSEC validated
 *	RESOLVER_NXDOMAIN	the name does not exist
 *	RESOLVER_TEMPFAIL	SERVFAIL, a bogus DNSSEC answer, another
 *				rcode, a malformed answer, or no answer in
 *				the timeout
 * The packet is only valid during the callback.  A callback may start
 * new lookups.
 */

#ifndef CARTERO_RESOLVER_H
#define CARTERO_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#define RESOLVER_TIMEOUT	15	/* seconds per lookup, by default */
#define RESOLVER_ROOT_KEY	"/usr/share/dns/root.key"  /* dns-root-data */
#define RESOLVER_RESOLV_CONF	"/etc/resolv.conf"
#define RESOLVER_UPSTREAM_MAX	8

#define RESOLVER_OK		0
#define RESOLVER_NXDOMAIN	1
#define RESOLVER_TEMPFAIL	2

typedef void	(*resolver_cb)(void *arg, int status, const uint8_t *pkt,
		    size_t len, int secure);

/*
 * The function a check (spf.h, dkim.h, dmarc.h) starts its lookups with:
 * resolver_query itself, or a fake one in unit tests.
 */
typedef void	(*resolver_query_fn)(const char *name, uint16_t type,
		    resolver_cb, void *arg);

struct resolver_conf {
	/* "ADDR" or "ADDR@PORT"; none: /etc/resolv.conf's nameservers */
	char		 upstream[RESOLVER_UPSTREAM_MAX][64];
	int		 nupstream;
	int		 dnssec;	/* validate with RESOLVER_ROOT_KEY */
	unsigned int	 timeout;	/* seconds; 0: RESOLVER_TIMEOUT */
};

/*
 * Before the sandbox, on the current event base (event_init()'s): reads
 * resolv.conf and the trust anchor.  0, or -1 with a message in errstr
 * (the daemon makes that fatal, smtpctl prints it).
 */
int	resolver_init(const struct resolver_conf *, char *errstr, size_t);
void	resolver_query(const char *, uint16_t, resolver_cb, void *);
/* Lookups started and not answered yet (tests, and smtpctl's loop). */
size_t	resolver_pending(void);

#endif /* CARTERO_RESOLVER_H */
