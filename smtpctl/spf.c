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
 * spf.c -- smtpctl spf check [-f smtpd.conf] [--helo] IP HELO [SENDER]:
 * SPF check_host() (common/spf.c, the code lka runs) through the
 * resolver smtpd.conf configures, as spfquery does by hand.  Prints
 *
 *	spf=RESULT smtp.mailfrom=SENDER		(smtp.helo=HELO with --helo)
 *	mechanism: the term that decided, or "(default)"
 *	explanation: the domain's exp= text	(on fail, when it has one)
 *	reason: why				(temperror, permerror, none)
 *	lookups: N				(terms that queried the DNS)
 *
 * Exit 0 for any SPF result, 1 if the check could not run, 2 for a
 * usage error.
 *
 * SECURITY: what is printed comes from the DNS: control characters are
 * printed as '?'.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "ctl_resolver.h"
#include "resolver.h"
#include "spf.h"
#include "smtpctl.h"

static int	 spf_done;
static struct spf_outcome spf_out;

static void	spf_usage(void);
static void	spf_checked(void *, const struct spf_outcome *);
static void	spf_print(const char *, const char *);

static void
spf_usage(void)
{
	fprintf(stderr, "usage: smtpctl spf check [-f file] [--helo] IP "
	    "HELO [SENDER]\n");
}

static void
spf_checked(void *arg, const struct spf_outcome *out)
{
	spf_out = *out;
	spf_done = 1;
}

/* "label: text" with control characters made visible. */
static void
spf_print(const char *label, const char *s)
{
	printf("%s", label);
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f ?
		    '?' : *s);
	putchar('\n');
}

int
smtpctl_spf(int argc, char **argv)
{
	struct smtpd_config	*conf;
	struct spf		*spf;
	const char		*file = NULL, *ip, *helo, *sender;
	unsigned char		 addr[16];
	int			 i = 1, identity = SPF_ID_MAILFROM;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		spf_usage();
		return (2);
	}
	argc -= 2;
	argv += 2;
	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strcmp(argv[i], "--helo") == 0)
			identity = SPF_ID_HELO;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			spf_usage();
			return (2);
		}
	}
	argc -= i;
	argv += i;
	if (argc < 2 || argc > 3 || (identity == SPF_ID_MAILFROM &&
	    argc != 3)) {
		spf_usage();
		return (2);
	}
	ip = argv[0];
	helo = argv[1];
	sender = argc == 3 ? argv[2] : "";
	if (inet_pton(AF_INET, ip, addr) != 1 &&
	    inet_pton(AF_INET6, ip, addr) != 1) {
		fprintf(stderr, "smtpctl: spf: %s: not an IP address\n", ip);
		return (2);
	}
	if (strlen(helo) >= SPF_DOMAIN_MAX ||
	    strlen(sender) >= SPF_DOMAIN_MAX + 64) {
		fprintf(stderr, "smtpctl: spf: HELO or SENDER too long\n");
		return (2);
	}
	conf = ctl_resolver_setup(file);
	if ((spf = spf_check(resolver_query, ip, helo, sender, identity,
	    conf->hostname, spf_checked, NULL)) == NULL) {
		fprintf(stderr, "smtpctl: spf: out of memory\n");
		return (1);
	}
	ctl_resolver_wait(&spf_done);
	if (!spf_done) {
		spf_cancel(spf);
		fprintf(stderr, "smtpctl: spf: the check did not finish\n");
		return (1);
	}
	printf("spf=%s smtp.%s=", spf_result_name(spf_out.result),
	    identity == SPF_ID_HELO ? "helo" : "mailfrom");
	spf_print("", identity == SPF_ID_HELO ? helo : spf_out.sender);
	spf_print("mechanism: ", spf_out.mechanism[0] != '\0' ?
	    spf_out.mechanism : "(default)");
	if (spf_out.result == SPF_FAIL && spf_out.explanation[0] != '\0')
		spf_print("explanation: ", spf_out.explanation);
	if (spf_out.reason[0] != '\0')
		spf_print("reason: ", spf_out.reason);
	printf("lookups: %u\n", spf_out.lookups);
	return (0);
}
