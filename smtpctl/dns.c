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
 * dns.c -- smtpctl dns [-f file] [--check] domain: the DNS records a
 * domain needs for mail through this server, in zone-file form: MX (the
 * configuration's hostname), A/AAAA of the hostname (this host's global
 * addresses, from getifaddrs), the PTR to ask the address's owner for,
 * SPF, one DKIM key record per "dkim DOMAIN selector S key PATH"
 * statement (the public key derived from the private key file), DMARC;
 * MTA-STS and TLS-RPT as comments for now.  With --check, each is looked
 * up through the configured resolver and judged (dns_check.c).
 *
 * SECURITY: reads smtpd.conf and the DKIM private keys (root's files:
 * run as root to include the DKIM records); nothing of a key but its
 * public part is printed.  Text from the DNS is printed through
 * dnsc_safe() (no control character reaches the terminal).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"
#include "smtpd.h"
#include "ctl_resolver.h"
#include "smtpctl.h"
#include "dns_local.h"

static void	dns_usage(void);
static int	dns_nopass(char *, int, int, void *);
static int	dns_key_txt(struct dnsc_key *);
static int	dns_global(const struct sockaddr *);
static void	dns_print(struct dnsc *);

static void
dns_usage(void)
{
	fprintf(stderr, "usage: smtpctl dns [-f file] [--check] domain\n");
}

/* Encrypted keys are refused, as smtpd refuses them. */
static int
dns_nopass(char *buf, int size, int rwflag, void *arg)
{
	return (0);
}

/* The TXT record of a dkim statement's key, or "" and the reason. */
static int
dns_key_txt(struct dnsc_key *k)
{
	EVP_PKEY	*pkey;
	FILE		*fp;

	if ((fp = fopen(k->keyfile, "r")) == NULL) {
		(void)snprintf(k->err, sizeof(k->err), "%s: %s", k->keyfile,
		    strerror(errno));
		return (-1);
	}
	pkey = PEM_read_PrivateKey(fp, NULL, dns_nopass, NULL);
	(void)fclose(fp);
	if (pkey == NULL) {
		(void)snprintf(k->err, sizeof(k->err), "%s: not a private "
		    "key in PEM (or encrypted)", k->keyfile);
		return (-1);
	}
	if (dkim_key_txt(pkey, k->txt, sizeof(k->txt)) == -1) {
		(void)snprintf(k->err, sizeof(k->err), "%s: not an RSA or "
		    "Ed25519 key", k->keyfile);
		k->txt[0] = '\0';
		EVP_PKEY_free(pkey);
		return (-1);
	}
	EVP_PKEY_free(pkey);
	return (0);
}

/* The dkim statements of the configuration for d->domain. */
int
dnsc_keys(struct dnsc *d)
{
	const struct dkim_conf	*dc;
	struct dnsc_key		*k;
	size_t			 i;

	d->nkeys = 0;
	if ((d->keys = calloc(DKIM_CONF_MAX, sizeof(*d->keys))) == NULL)
		return (-1);
	for (i = 0; i < d->cfg->ndkim && i < DKIM_CONF_MAX; i++) {
		dc = &d->cfg->dkim[i];
		if (strcasecmp(dc->domain, d->domain) != 0)
			continue;
		k = &d->keys[d->nkeys++];
		k->selector = dc->selector;
		k->keyfile = dc->keyfile;
		(void)snprintf(k->owner, sizeof(k->owner), "%s._domainkey.%s",
		    dc->selector, d->domain);
		(void)dns_key_txt(k);
	}
	return (0);
}

/* s[0, len) printable: a control or 8-bit byte as \DDD, cut to fit. */
void
dnsc_safe(char *out, size_t size, const char *s, size_t len)
{
	size_t	 i, o = 0;
	int	 n;

	if (size == 0)
		return;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f) {
			if (o + 1 >= size)
				break;
			out[o++] = s[i];
			continue;
		}
		if (o + 4 >= size)
			break;
		n = snprintf(out + o, size - o, "\\%03u",
		    (unsigned)(unsigned char)s[i]);
		if (n != 4)
			break;
		o += 4;
	}
	out[o] = '\0';
}

/* The reverse name of an address: in-addr.arpa or ip6.arpa. */
int
dnsc_reverse(const char *addr, char *out, size_t size)
{
	struct in_addr	 in4;
	struct in6_addr	 in6;
	const uint8_t	*b;
	size_t		 o = 0;
	int		 i, n;

	if (inet_pton(AF_INET, addr, &in4) == 1) {
		b = (const uint8_t *)&in4;
		n = snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa",
		    b[3], b[2], b[1], b[0]);
		return (n < 0 || (size_t)n >= size ? -1 : 0);
	}
	if (inet_pton(AF_INET6, addr, &in6) != 1)
		return (-1);
	b = in6.s6_addr;
	for (i = 15; i >= 0; i--) {
		n = snprintf(out + o, size - o, "%x.%x.", b[i] & 0xf,
		    b[i] >> 4);
		if (n < 0 || (size_t)n >= size - o)
			return (-1);
		o += (size_t)n;
	}
	n = snprintf(out + o, size - o, "ip6.arpa");
	return (n < 0 || (size_t)n >= size - o ? -1 : 0);
}

/* An address others can reach: not loopback, link-local or private. */
static int
dns_global(const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;
	uint32_t			 a;

	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)sa;
		a = ntohl(s4->sin_addr.s_addr);
		return (!((a >> 24) == 0 || (a >> 24) == 127 ||
		    (a >> 24) == 10 || (a >> 20) == 0xac1 ||
		    (a >> 16) == 0xc0a8 || (a >> 16) == 0xa9fe ||
		    (a >> 22) == (100 << 2 | 1)));
	}
	if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)sa;
		return (!(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		    IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) ||
		    IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) ||
		    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) ||
		    (s6->sin6_addr.s6_addr[0] & 0xfe) == 0xfc));
	}
	return (0);
}

/* The records, in zone-file form. */
static void
dns_print(struct dnsc *d)
{
	struct ifaddrs	*ifa, *i;
	char		 addr[DNSC_ADDRTEXT_MAX], rev[128];
	const void	*src;
	size_t		 k, naddr = 0;

	printf("; DNS records for mail of %s through %s\n", d->domain,
	    d->host);
	printf("%s.\tIN MX\t%d %s.\n", d->domain, DNSC_MX_PREF, d->host);

	if (getifaddrs(&ifa) == -1)
		ifa = NULL;
	for (i = ifa; i != NULL && naddr < DNSC_ADDR_MAX; i = i->ifa_next) {
		if (i->ifa_addr == NULL || !dns_global(i->ifa_addr))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			src = &((struct sockaddr_in *)
			    (void *)i->ifa_addr)->sin_addr;
		else
			src = &((struct sockaddr_in6 *)
			    (void *)i->ifa_addr)->sin6_addr;
		if (inet_ntop(i->ifa_addr->sa_family, src, addr,
		    sizeof(addr)) == NULL)
			continue;
		printf("%s.\tIN %s\t%s\n", d->host,
		    i->ifa_addr->sa_family == AF_INET ? "A" : "AAAA", addr);
		if (dnsc_reverse(addr, rev, sizeof(rev)) == 0)
			printf("; reverse (the address's owner, e.g. your "
			    "provider, sets it):\n;   %s.\tIN PTR\t%s.\n", rev,
			    d->host);
		naddr++;
	}
	if (ifa != NULL)
		freeifaddrs(ifa);
	if (naddr == 0) {
		printf("; no global address on this host (behind NAT?): "
		    "publish the public ones\n");
		printf(";   %s.\tIN A\t<this server's public IPv4 address>\n",
		    d->host);
		printf(";   %s.\tIN AAAA\t<its public IPv6 address>\n",
		    d->host);
		printf("; and ask the address's owner for the reverse: "
		    "PTR %s.\n", d->host);
	}

	printf("%s.\tIN TXT\t\"v=spf1 mx -all\"\n", d->domain);

	for (k = 0; k < d->nkeys; k++) {
		if (d->keys[k].txt[0] == '\0') {
			printf("; %s: %s\n", d->keys[k].owner,
			    d->keys[k].err);
			continue;
		}
		dns_zone_txt(stdout, d->keys[k].owner, d->keys[k].txt);
	}
	if (d->nkeys == 0)
		printf("; no dkim key for %s in the configuration: make one "
		    "with smtpctl dkim keygen %s SELECTOR\n", d->domain,
		    d->domain);

	printf("_dmarc.%s.\tIN TXT\t\"v=DMARC1; p=quarantine; "
	    "rua=mailto:postmaster@%s\"\n", d->domain, d->domain);
	printf("; MTA-STS (_mta-sts.%s TXT and its policy file) and TLS-RPT "
	    "(_smtp._tls.%s TXT): later\n", d->domain, d->domain);
}

int
smtpctl_dns(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "check",	no_argument,	NULL,	'c' },
		{ NULL,		0,		NULL,	0 }
	};
	struct dnsc	 d;
	const char	*conf = NULL;
	char		 domain[256];
	size_t		 len;
	int		 c, check = 0, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "cf:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = 1;
			break;
		case 'f':
			conf = optarg;
			break;
		default:
			dns_usage();
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1) {
		dns_usage();
		return (2);
	}
	/* "example.org." is example.org */
	len = strlcpy(domain, argv[0], sizeof(domain));
	if (len < sizeof(domain) && len > 1 && domain[len - 1] == '.')
		domain[len - 1] = '\0';
	if (len >= sizeof(domain) || !dns_name_valid(domain)) {
		fprintf(stderr, "smtpctl: %s: not a domain name\n", argv[0]);
		return (2);
	}
	memset(&d, 0, sizeof(d));
	d.domain = domain;
	d.cfg = ctl_resolver_setup(conf);
	d.host = d.cfg->hostname;
	if (dnsc_keys(&d) == -1) {
		fprintf(stderr, "smtpctl: out of memory\n");
		return (2);
	}
	if (check)
		ret = dnsc_check(&d);
	else {
		dns_print(&d);
		ret = 0;
	}
	if (fflush(stdout) != 0)
		ret = 2;
	free(d.keys);
	return (ret);
}
