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
 * ctl_resolver.c -- the resolver of smtpctl's mail-authentication tools
 * (see ctl_resolver.h): smtpd.conf is parsed by the daemon's own parser
 * (parse.y, in libcartero) and its "resolver" and "resolver dnssec"
 * settings given to common/resolver.c, as lka_dns.c does.
 *
 * SECURITY: smtpctl runs as the invoking user; the configuration is only
 * read (parse errors are printed as file:line: message and exit 2).  No
 * secret is read here: the dkim statements' key files are the caller's
 * business.  A missing default configuration means the defaults (the
 * system's resolv.conf); a missing file named with -f is an error, so
 * that a typo is not silently checked against other resolvers.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"
#include "smtpd.h"
#include "ctl_resolver.h"

static struct smtpd_config	*ctl_resolver_config(const char *);

/* The parsed configuration, or the defaults; exits 2 on errors. */
static struct smtpd_config *
ctl_resolver_config(const char *path)
{
	struct smtpd_config	*cfg;
	struct stat		 sb;

	if (path == NULL && stat(SMTPD_CONFIG, &sb) == -1 &&
	    errno == ENOENT) {
		/* an empty configuration: the parser's defaults */
		if ((cfg = parse_config_buffer("", 0)) == NULL &&
		    (cfg = config_new()) == NULL) {
			fprintf(stderr, "smtpctl: out of memory\n");
			exit(2);
		}
		return (cfg);
	}
	if (path == NULL)
		path = SMTPD_CONFIG;
	if ((cfg = parse_config(path, 0)) == NULL) {
		fprintf(stderr, "smtpctl: %s: configuration not usable\n",
		    path);
		exit(2);
	}
	return (cfg);
}

struct smtpd_config *
ctl_resolver_setup(const char *path)
{
	struct smtpd_config	*cfg;
	struct resolver_conf	 rc;
	char			 err[512];
	size_t			 i;

	cfg = ctl_resolver_config(path);
	memset(&rc, 0, sizeof(rc));
	for (i = 0; i < cfg->nresolvers && i < RESOLVER_MAX &&
	    i < RESOLVER_UPSTREAM_MAX; i++) {
		if (strlcpy(rc.upstream[i], cfg->resolvers[i],
		    sizeof(rc.upstream[i])) >= sizeof(rc.upstream[i])) {
			fprintf(stderr, "smtpctl: resolver %s: too long\n",
			    cfg->resolvers[i]);
			exit(2);
		}
		rc.nupstream++;
	}
	rc.dnssec = cfg->dnssec;
	(void)event_init();
	if (resolver_init(&rc, err, sizeof(err)) == -1) {
		fprintf(stderr, "smtpctl: %s\n", err);
		exit(2);
	}
	return (cfg);
}

/*
 * Every pending lookup has a timer (resolver.c), so the loop ends within
 * a timeout of the last lookup started.  With no lookup pending, work
 * may still be due from zero-timeout timers (spf_check() starts that
 * way, resolver.c delivers answers that way): non-blocking passes run
 * it, and when CTL_IDLE_PASSES of them in a row start no lookup and do
 * not set *done, nothing else can happen (libunbound's own sockets may
 * stay registered: blocking on them would never end).
 */
#define CTL_IDLE_PASSES		64

void
ctl_resolver_wait(const int *done)
{
	int	 idle = 0;

	while (done == NULL || !*done) {
		if (resolver_pending() > 0) {
			idle = 0;
			if (event_loop(EVLOOP_ONCE) != 0)
				break;		/* no event left, or an error */
			continue;
		}
		if (idle++ >= CTL_IDLE_PASSES)
			break;
		if (event_loop(EVLOOP_NONBLOCK) != 0)
			break;
	}
}
