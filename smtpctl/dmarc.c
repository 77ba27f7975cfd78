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
 * dmarc.c -- smtpctl dmarc check [-f smtpd.conf] [-i IP -h HELO
 * [-s SENDER]] < message: what lka decides on a message, by hand.  The
 * message is hashed (common/dkim_msg.c), its signatures verified
 * (dkim_verify), SPF checked for the MAIL FROM identity (and the HELO
 * identity) when -i gives the client's address, then DMARC judged
 * (common/dmarc.c, with Debian's public suffix list), all through the
 * resolver smtpd.conf configures.  Prints the Authentication-Results
 * field lka would add (authserv-id: smtpd.conf's, else its hostname) and
 * a last line
 *
 *	verdict: accept | quarantine | reject
 *
 * the DMARC disposition (after pct=).  Exit 0 whatever the verdict, 1 if
 * the checks could not run, 2 for a usage error.
 *
 * SECURITY: the message is read from stdin as the invoking user, hashed
 * as it streams (only its header section is kept, DKIM_HEADER_MAX);
 * every value printed went through authres_format(), which quotes and
 * neutralises control characters.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smtpd.h"
#include "authres.h"
#include "ctl_resolver.h"
#include "dkim.h"
#include "dmarc.h"
#include "resolver.h"
#include "spf.h"
#include "smtpctl.h"

struct dmarc_ctl {
	int			 pending;	/* checks not finished */
	struct spf_outcome	 spf;
	struct spf_outcome	 helo;
	struct dkim_verdict	 dkim[DKIM_SIG_MAX];
	size_t			 ndkim;
	struct dmarc_outcome	 dmarc;
	int			 done;
};

static struct dmarc_ctl	 ctl;

static int	 dmarc_usage(void);
static int	 dmarc_read(struct dkim_msg *);
static void	 spf_done(void *, const struct spf_outcome *);
static void	 dkim_done(void *, const struct dkim_verdict *, size_t);
static void	 dmarc_done(void *, const struct dmarc_outcome *);
static void	 dmarc_wait(void);

static int
dmarc_usage(void)
{
	fprintf(stderr, "usage: smtpctl dmarc check [-f file] "
	    "[-i IP -h HELO [-s SENDER]] < message\n");
	return (2);
}

/* The message from stdin into the hashes. */
static int
dmarc_read(struct dkim_msg *m)
{
	char	 buf[16384];
	ssize_t	 n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			perror("smtpctl: dmarc: stdin");
			return (-1);
		}
		if (dkim_msg_feed(m, buf, (size_t)n) == -1) {
			fprintf(stderr, "smtpctl: dmarc: out of memory\n");
			return (-1);
		}
	}
	if (dkim_msg_end(m) == -1) {
		fprintf(stderr, "smtpctl: dmarc: out of memory\n");
		return (-1);
	}
	return (0);
}

static void
spf_done(void *arg, const struct spf_outcome *o)
{
	*(struct spf_outcome *)arg = *o;
	if (--ctl.pending == 0)
		ctl.done = 1;
}

static void
dkim_done(void *arg, const struct dkim_verdict *v, size_t n)
{
	if (n > DKIM_SIG_MAX)
		n = DKIM_SIG_MAX;
	if (n > 0)
		memcpy(ctl.dkim, v, n * sizeof(*v));
	ctl.ndkim = n;
	if (--ctl.pending == 0)
		ctl.done = 1;
}

static void
dmarc_done(void *arg, const struct dmarc_outcome *o)
{
	ctl.dmarc = *o;
	ctl.done = 1;
}

/* Until ctl.done: zero-timeout timers first, then the lookups. */
static void
dmarc_wait(void)
{
	int	 i;

	for (i = 0; i < 10 && !ctl.done && resolver_pending() == 0; i++)
		(void)event_loop(EVLOOP_NONBLOCK);
	ctl_resolver_wait(&ctl.done);
}

int
smtpctl_dmarc(int argc, char **argv)
{
	struct smtpd_config	*conf;
	struct dkim_msg		*m;
	struct dkim_sigcheck	*sc;
	struct dkim_verify	*dv;
	struct spf		*spf = NULL, *spfh = NULL;
	struct dmarc		*dm;
	struct dmarc_input	 in;
	struct authres		 ar;
	const char		*file = NULL, *ip = NULL, *helo = NULL;
	const char		*sender = "", *from, *verdict, *id;
	char			 field[AUTHRES_FIELD_MAX], *p;
	unsigned char		 addr[16];
	size_t			 i, n;
	int			 c;

	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return (dmarc_usage());
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt(argc, argv, "+f:i:h:s:")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'i':
			ip = optarg;
			break;
		case 'h':
			helo = optarg;
			break;
		case 's':
			sender = optarg != NULL ? optarg : "";
			break;
		default:
			return (dmarc_usage());
		}
	}
	if (optind != argc || (ip == NULL) != (helo == NULL))
		return (dmarc_usage());
	if (ip != NULL && inet_pton(AF_INET, ip, addr) != 1 &&
	    inet_pton(AF_INET6, ip, addr) != 1) {
		fprintf(stderr, "smtpctl: dmarc: %s: not an IP address\n", ip);
		return (2);
	}
	if ((helo != NULL && strlen(helo) >= SPF_DOMAIN_MAX) ||
	    strlen(sender) >= SPF_DOMAIN_MAX + 64) {
		fprintf(stderr, "smtpctl: dmarc: HELO or SENDER too long\n");
		return (2);
	}
	if (psl_load(DMARC_PSL_PATH) == -1)
		fprintf(stderr, "smtpctl: dmarc: %s: not loaded, every "
		    "organisational domain is the last two labels\n",
		    DMARC_PSL_PATH);
	conf = ctl_resolver_setup(file);
	id = conf->authserv_id[0] != '\0' ? conf->authserv_id :
	    conf->hostname;

	/* the message */
	if ((m = dkim_msg_new(DKIM_MSG_VERIFY)) == NULL) {
		fprintf(stderr, "smtpctl: dmarc: out of memory\n");
		return (1);
	}
	if (dmarc_read(m) == -1) {
		dkim_msg_free(m);
		return (1);
	}
	n = dkim_msg_nsig(m);
	if (n > DKIM_SIG_MAX)
		n = DKIM_SIG_MAX;
	if ((sc = calloc(n ? n : 1, sizeof(*sc))) == NULL) {
		fprintf(stderr, "smtpctl: dmarc: out of memory\n");
		dkim_msg_free(m);
		return (1);
	}
	for (i = 0; i < n; i++)
		sc[i] = *dkim_msg_sigcheck(m, i);
	memset(&in, 0, sizeof(in));
	if ((from = dkim_msg_from_domain(m)) != NULL)
		(void)strlcpy(in.from_domain, from, sizeof(in.from_domain));
	in.from_unusable = dkim_msg_from_unusable(m);
	dkim_msg_free(m);

	/* DKIM and SPF at once */
	ctl.pending = 1;
	if ((dv = dkim_verify_start(sc, n, resolver_query, time(NULL),
	    dkim_done, NULL)) == NULL) {
		fprintf(stderr, "smtpctl: dmarc: out of memory\n");
		free(sc);
		return (1);
	}
	free(sc);
	if (ip != NULL) {
		ctl.pending += 2;
		spf = spf_check(resolver_query, ip, helo, sender,
		    SPF_ID_MAILFROM, conf->hostname, spf_done, &ctl.spf);
		spfh = spf_check(resolver_query, ip, helo, "", SPF_ID_HELO,
		    conf->hostname, spf_done, &ctl.helo);
		if (spf == NULL || spfh == NULL) {
			fprintf(stderr, "smtpctl: dmarc: out of memory\n");
			return (1);
		}
	}
	dmarc_wait();
	if (!ctl.done) {
		dkim_verify_cancel(dv);
		if (spf != NULL)
			spf_cancel(spf);
		if (spfh != NULL)
			spf_cancel(spfh);
		fprintf(stderr, "smtpctl: dmarc: the checks did not finish\n");
		return (1);
	}

	/* DMARC */
	if (ip != NULL) {
		in.spf = ctl.spf.result;
		(void)strlcpy(in.spf_domain, ctl.spf.domain,
		    sizeof(in.spf_domain));
	}
	for (i = 0; i < ctl.ndkim && i < DKIM_SIG_MAX; i++) {
		in.dkim[i].result = ctl.dkim[i].result;
		(void)strlcpy(in.dkim[i].d, ctl.dkim[i].d,
		    sizeof(in.dkim[i].d));
	}
	in.ndkim = i;
	ctl.done = 0;
	if ((dm = dmarc_check(resolver_query, &in, dmarc_done, NULL)) ==
	    NULL) {
		fprintf(stderr, "smtpctl: dmarc: out of memory\n");
		return (1);
	}
	dmarc_wait();
	if (!ctl.done) {
		dmarc_cancel(dm);
		fprintf(stderr, "smtpctl: dmarc: the check did not finish\n");
		return (1);
	}

	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = id;
	ar.spf = ip != NULL ? &ctl.spf : NULL;
	ar.spf_helo = ip != NULL ? &ctl.helo : NULL;
	ar.dkim = ctl.dkim;
	ar.ndkim = ctl.ndkim;
	ar.dmarc = &ctl.dmarc;
	if (authres_format(&ar, field, sizeof(field)) == -1) {
		fprintf(stderr, "smtpctl: dmarc: Authentication-Results "
		    "too long\n");
		return (1);
	}
	/* CRLF as in the message; LF on the terminal */
	for (p = field; *p != '\0'; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			putchar(*p);
	switch (ctl.dmarc.disposition) {
	case DMARC_P_REJECT:
		verdict = "reject";
		break;
	case DMARC_P_QUARANTINE:
		verdict = "quarantine";
		break;
	default:
		verdict = "accept";
		break;
	}
	printf("verdict: %s\n", verdict);
	return (0);
}
