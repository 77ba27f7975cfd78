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
 * dns_local.h -- smtpctl dns: what dns.c (the records this server needs,
 * printed) and dns_check.c (--check: each looked up and judged) share.
 */

#ifndef SMTPCTL_DNS_LOCAL_H
#define SMTPCTL_DNS_LOCAL_H

#include <stddef.h>

#define DNSC_MX_PREF		10
#define DNSC_ADDR_MAX		16	/* addresses of the host kept */
#define DNSC_KEY_TXT_MAX	4096	/* "v=DKIM1; k=rsa; p=..." */
#define DNSC_ADDRTEXT_MAX	46	/* INET6_ADDRSTRLEN */

struct smtpd_config;

/* One dkim statement of the configuration for the domain. */
struct dnsc_key {
	const char	*selector;
	const char	*keyfile;
	char		 owner[512];	/* selector._domainkey.domain */
	char		 txt[DNSC_KEY_TXT_MAX];	/* "" : unreadable */
	char		 err[256];	/* why txt is "" */
};

struct dnsc {
	const struct smtpd_config *cfg;
	const char	*domain;
	const char	*host;		/* the configuration's hostname */
	struct dnsc_key	*keys;
	size_t		 nkeys;
};

/* dns.c */
int	dnsc_keys(struct dnsc *);
void	dnsc_safe(char *, size_t, const char *, size_t);
int	dnsc_reverse(const char *, char *, size_t);

/* dns_check.c: --check; the exit status (0, 1 or 2) */
int	dnsc_check(struct dnsc *);

#endif /* SMTPCTL_DNS_LOCAL_H */
