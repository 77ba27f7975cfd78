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
 * route_lookup.c -- a test helper (build/route_lookup, run by
 * regress/integration/dns_test.sh): lka's resolver (lka_dns.c) and route
 * lookup (lka_route.c) on an event loop, as lka runs them, with a
 * configuration built from the command line, and the answer printed.
 *
 *	route_lookup [-BSs] [-b backup] [-d domaintable] [-H url] [-h name]
 *	    [-n runs] [-r resolver]... [-t timeout] domain
 *
 *	-r ADDR[@PORT]	a "resolver" line (up to RESOLVER_MAX)
 *	-B, -b NAME	"backup" (-b: "backup NAME"), our name from -h
 *	-H URL		"host URL"
 *	-d FILE		"domain <FILE>" (a file table of relay URLs)
 *	-n N		N lookups, one after the other
 *	-s		"resolver dnssec"
 *	-t S		seconds per DNS lookup
 *	-S		after the set-up, confine the process as lka is
 *			(Landlock: /etc read-only; seccomp: SANDBOX_LKA,
 *			a forbidden call named on stderr): the lookups
 *			must work inside lka's sandbox
 * Output, per lookup:
 *	status=ok|tempfail|permfail relay=HOST|mx port=P n=N text=...
 *	host pref=P name=NAME addr=ADDR port=P	(one per address)
 *	order NAME,NAME,...			(the hosts, in order)
 * Exit status 0 when every lookup was answered.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"
#include "lka_dns.h"

static void	usage(void) __attribute__((__noreturn__));
static void	done(void *, const struct mta_route *);
static void	print_route(const struct mta_route *);

static int	answered;

static void
usage(void)
{
	fprintf(stderr, "usage: route_lookup [-BSs] [-b backup] [-d table] "
	    "[-H url] [-h name] [-n runs] [-r resolver] [-t timeout] "
	    "domain\n");
	exit(2);
}

static void
print_route(const struct mta_route *r)
{
	char		 addr[INET6_ADDRSTRLEN], order[MTA_ROUTE_MAX * HOST_MAX];
	const void	*a;
	uint32_t	 i;
	in_port_t	 port;

	printf("status=%s relay=%s port=%u n=%u dnssec=%s text=%s\n",
	    r->status == ST_OK ? "ok" : r->status == ST_TEMPFAIL ?
	    "tempfail" : "permfail", r->relay.host[0] != '\0' ?
	    r->relay.host : "mx", (unsigned)r->relay.port, (unsigned)r->n,
	    r->dnssec ? "yes" : "no", r->text);
	order[0] = '\0';
	for (i = 0; i < r->n; i++) {
		if (r->hosts[i].ss.ss_family == AF_INET) {
			a = &((const struct sockaddr_in *)
			    &r->hosts[i].ss)->sin_addr;
			port = ((const struct sockaddr_in *)
			    &r->hosts[i].ss)->sin_port;
		} else {
			a = &((const struct sockaddr_in6 *)
			    &r->hosts[i].ss)->sin6_addr;
			port = ((const struct sockaddr_in6 *)
			    &r->hosts[i].ss)->sin6_port;
		}
		if (inet_ntop(r->hosts[i].ss.ss_family, a, addr,
		    sizeof(addr)) == NULL)
			err(1, "inet_ntop");
		printf("host pref=%d name=%s addr=%s port=%u\n",
		    r->hosts[i].pref, r->hosts[i].name, addr,
		    (unsigned)ntohs(port));
		if (i > 0 && strcmp(r->hosts[i].name,
		    r->hosts[i - 1].name) == 0)
			continue;
		if (order[0] != '\0')
			(void)strlcat(order, ",", sizeof(order));
		(void)strlcat(order, r->hosts[i].name, sizeof(order));
	}
	printf("order %s\n", order);
	fflush(stdout);
}

static void
done(void *arg, const struct mta_route *r)
{
	print_route(r);
	answered++;
	event_loopbreak();
}

int
main(int argc, char **argv)
{
	static struct smtpd_config	 conf;
	struct action			*a;
	struct table			*t;
	struct table_set		*set;
	const char			*errstr, *why;
	char				 errbuf[512];
	long long			 runs = 1, timeout = 0;
	int				 ch, i, confine = 0;
	const char			*ro[] = { "/etc", NULL };
	const char			*rw[] = { NULL };

	log_init(1, 0);
	TAILQ_INIT(&conf.tables);
	TAILQ_INIT(&conf.pkis);
	TAILQ_INIT(&conf.cas);
	TAILQ_INIT(&conf.listeners);
	TAILQ_INIT(&conf.actions);
	TAILQ_INIT(&conf.rules);
	(void)strlcpy(conf.hostname, "mx.cartero.test", sizeof(conf.hostname));
	a = xcalloc(1, sizeof(*a));
	(void)strlcpy(a->name, "out", sizeof(a->name));
	a->method = A_RELAY;
	TAILQ_INSERT_TAIL(&conf.actions, a, entry);

	while ((ch = getopt(argc, argv, "Bb:d:H:h:n:r:Sst:")) != -1) {
		switch (ch) {
		case 'B':
			a->relay.flags |= RO_BACKUP;
			break;
		case 'b':
			a->relay.flags |= RO_BACKUP;
			(void)strlcpy(a->relay.backup, optarg,
			    sizeof(a->relay.backup));
			break;
		case 'd':
			t = xcalloc(1, sizeof(*t));
			(void)strlcpy(t->name, "domains", sizeof(t->name));
			t->backend = TABLE_FILE;
			(void)strlcpy(t->path, optarg, sizeof(t->path));
			TAILQ_INSERT_TAIL(&conf.tables, t, entry);
			(void)strlcpy(a->relay.domain, "domains",
			    sizeof(a->relay.domain));
			break;
		case 'H':
			if (relayhost_parse(&a->relay.host, optarg, &why) == -1)
				errx(2, "-H %s: %s", optarg, why);
			break;
		case 'h':
			(void)strlcpy(conf.hostname, optarg,
			    sizeof(conf.hostname));
			break;
		case 'n':
			runs = strtonum(optarg, 1, 1000, &errstr);
			if (errstr != NULL)
				errx(2, "-n %s: %s", optarg, errstr);
			break;
		case 'r':
			if (conf.nresolvers == RESOLVER_MAX)
				errx(2, "too many -r");
			(void)strlcpy(conf.resolvers[conf.nresolvers++],
			    optarg, ADDRTEXT_MAX);
			break;
		case 'S':
			confine = 1;
			break;
		case 's':
			conf.dnssec = 1;
			break;
		case 't':
			timeout = strtonum(optarg, 1, 60, &errstr);
			if (errstr != NULL)
				errx(2, "-t %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();

	set = table_set_new();
	if (table_set_load(set, &conf, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	event_init();
	lka_dns_init(&conf, (unsigned int)timeout);
	if (confine) {
		sandbox_debug = 1;
		sandbox_landlock(ro, rw);
		smtpd_sandbox(SANDBOX_LKA);
	}
	for (i = 0; i < runs; i++) {
		lka_route_lookup((uint64_t)i + 1, "out", argv[0], &conf, set,
		    done, NULL);
		if (answered == i)
			event_dispatch();
	}
	table_set_free(set);
	return (answered == runs ? 0 : 1);
}
