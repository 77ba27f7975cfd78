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
 * relay.c -- who may relay, and where a relay action sends its mail.
 *
 * The relay target of "action NAME relay host SCHEME://[LABEL@]HOST[:PORT]"
 * is parsed and printed here and nowhere else (struct relayhost travels
 * in the action and in lka's route answers).
 *
 * SECURITY: the open-relay rule.  A match rule whose action relays must
 * restrict either where the mail goes ("for domain", "for local") or who
 * sends it (a trusted origin: "from local", "from socket", "from auth",
 * "from src" with networks narrower than the whole Internet, or the
 * transaction condition "auth").  Anything else relays for anyone and is
 * refused by the parser unless the rule says "unsafe-open-relay".
 * relay_rule_open() judges the rule's shape; the parser checks the
 * networks of a "from src <table>" with relay_net_wide().
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"

/*
 * A network this wide counts as "anyone": shorter than /8 in IPv4 (the
 * largest private network, 10.0.0.0/8, is fine), shorter than /7 in IPv6
 * (fc00::/7, the unique local addresses, is fine; 2000::/3 is the whole
 * global Internet), or an IPv6 network that holds every IPv4-mapped
 * address (::ffff:0:0/96 and wider).
 */
#define RELAY_V4_PLEN_MIN	8
#define RELAY_V6_PLEN_MIN	7

static const char	*relay_origin_open(const struct rule *,
			    const char *(*)(const char *));

static const struct {
	const char		*scheme;	/* with "://" */
	enum relay_proto	 proto;
} relay_schemes[] = {
	{ "smtp://",		RP_SMTP },
	{ "smtp+tls://",	RP_SMTP_TLS },
	{ "smtp+notls://",	RP_SMTP_NOTLS },
	{ "smtps://",		RP_SMTPS },
	{ "lmtp://",		RP_LMTP },
};

#define RELAY_NSCHEMES	(sizeof(relay_schemes) / sizeof(relay_schemes[0]))

/*
 * "SCHEME://[LABEL@]HOST[:PORT]" (SCHEME one of relay_schemes; no
 * scheme: smtp://): 0, or -1 and *why.  HOST is a host name, an IPv4
 * address or an IPv6 address in brackets; it is kept lowercased.  LABEL
 * names the credentials in the action's auth table.
 */
int
relayhost_parse(struct relayhost *rh, const char *url, const char **why)
{
	char		 buf[HOST_MAX + NAME_MAX_CONF + 16], *host, *port, *end;
	char		*at;
	unsigned char	 a6[sizeof(struct in6_addr)];
	const char	*errstr, *rest = url;
	size_t		 i, n;

	memset(rh, 0, sizeof(*rh));
	rh->proto = RP_SMTP;
	if (strstr(url, "://") != NULL) {
		for (i = 0; i < RELAY_NSCHEMES; i++) {
			n = strlen(relay_schemes[i].scheme);
			if (strncasecmp(url, relay_schemes[i].scheme, n) == 0)
				break;
		}
		if (i == RELAY_NSCHEMES) {
			*why = "unknown scheme: expected smtp://, "
			    "smtp+tls://, smtp+notls://, smtps:// or lmtp://";
			return (-1);
		}
		rh->proto = relay_schemes[i].proto;
		rest = url + n;
	}
	if (strlcpy(buf, rest, sizeof(buf)) >= sizeof(buf)) {
		*why = "host name too long";
		return (-1);
	}
	host = buf;
	if ((at = strrchr(host, '@')) != NULL) {
		*at = '\0';
		if (host[0] == '\0' || strlen(host) >= sizeof(rh->label)) {
			*why = "invalid label before \"@\"";
			return (-1);
		}
		for (i = 0; host[i] != '\0'; i++)
			if (!isalnum((unsigned char)host[i]) &&
			    strchr("-_.", host[i]) == NULL) {
				*why = "invalid label before \"@\": letters, "
				    "digits, \"-\", \"_\" and \".\" only";
				return (-1);
			}
		(void)strlcpy(rh->label, host, sizeof(rh->label));
		host = at + 1;
	}
	if (strchr(host, '/') != NULL) {
		*why = "expected SCHEME://[LABEL@]HOST[:PORT] (no path)";
		return (-1);
	}
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL) {
			*why = "unterminated \"[\" in the host";
			return (-1);
		}
		*end = '\0';
		host++;
		port = end[1] == ':' ? end + 2 : NULL;
		if (end[1] != '\0' && end[1] != ':') {
			*why = "expected \":PORT\" after \"]\"";
			return (-1);
		}
		if (inet_pton(AF_INET6, host, a6) != 1) {
			*why = "invalid IPv6 address in brackets";
			return (-1);
		}
	} else {
		if ((port = strchr(host, ':')) != NULL)
			*port++ = '\0';
		if (!valid_domain_part(lowercase(host))) {
			*why = "invalid host name";
			return (-1);
		}
	}
	if (port != NULL) {
		rh->port = (in_port_t)strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL) {
			*why = "invalid port: expected 1 to 65535";
			return (-1);
		}
	}
	if (rh->proto == RP_LMTP && rh->port == 0) {
		*why = "lmtp:// needs a port (lmtp://HOST:PORT)";
		return (-1);
	}
	if (strlcpy(rh->host, lowercase(host), sizeof(rh->host)) >=
	    sizeof(rh->host)) {
		*why = "host name too long";
		return (-1);
	}
	return (0);
}

/* "smtp+tls://label@host:port", brackets around an IPv6 address: 0, -1. */
int
relayhost_text(const struct relayhost *rh, char *buf, size_t len)
{
	const char	*scheme = "smtp://";
	char		 port[8] = "";
	size_t		 i;
	int		 n;

	for (i = 0; i < RELAY_NSCHEMES; i++)
		if (relay_schemes[i].proto == rh->proto)
			scheme = relay_schemes[i].scheme;
	if (rh->port != 0)
		(void)snprintf(port, sizeof(port), ":%u", (unsigned)rh->port);
	n = snprintf(buf, len, "%s%s%s%s%s%s%s", scheme, rh->label,
	    rh->label[0] ? "@" : "", strchr(rh->host, ':') ? "[" : "",
	    rh->host, strchr(rh->host, ':') ? "]" : "", port);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/* The port to connect to: the URL's, or its scheme's default. */
in_port_t
relayhost_port(const struct relayhost *rh)
{
	if (rh->port != 0)
		return (rh->port);
	switch (rh->proto) {
	case RP_SMTPS:
		return (RELAY_SMTPS_PORT);
	case RP_LMTP:
		return (RELAY_LMTP_PORT);
	default:
		return (RELAY_DEFAULT_PORT);
	}
}

/*
 * 1 if the network "addr[/plen]" is so wide that "from src" with it
 * means anyone (see RELAY_V4_PLEN_MIN), 0 if not, -1 if it is no
 * network at all.
 */
int
relay_net_wide(const char *net)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned char	 a[sizeof(struct in6_addr)];
	const char	*errstr;
	long long	 plen;
	int		 v6, i;

	if (strlcpy(buf, net, sizeof(buf)) >= sizeof(buf))
		return (-1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		v6 = 0;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		v6 = 1;
	else
		return (-1);
	plen = v6 ? 128 : 32;
	if (slash != NULL) {
		plen = strtonum(slash, 0, plen, &errstr);
		if (errstr != NULL)
			return (-1);
	}
	if (!v6)
		return (plen < RELAY_V4_PLEN_MIN);
	if (plen < RELAY_V6_PLEN_MIN)
		return (1);
	if (plen > 96)
		return (0);
	/* does it hold ::ffff:0:0/96, all of IPv4? */
	for (i = 0; i < plen; i++)
		if (((a[i / 8] ^ mapped[i / 8]) >> (7 - i % 8)) & 1)
			return (0);
	return (1);
}

/* NULL if the origin is trusted, else what it is. */
static const char *
relay_origin_open(const struct rule *r, const char *(*srctable)(const char *))
{
	const struct rule_cond	*c = &r->from;

	if (r->auth.kind == C_AUTH && !r->auth.neg)
		return (NULL);
	if (c->neg)
		return ("\"!from\", a negated origin");
	switch (c->kind) {
	case C_NONE:
	case C_LOCAL:
	case C_SOCKET:
	case C_AUTH:
		return (NULL);
	case C_SRC:
		if (c->table[0] != '\0')
			return (srctable != NULL ? srctable(c->table) : NULL);
		if (relay_net_wide(c->value) != 0)
			return ("\"from src\" with a network that holds "
			    "the whole Internet");
		return (NULL);
	case C_MAILFROM:
		return ("\"from mail-from\", a sender address anyone can "
		    "give");
	default:
		return ("\"from any\"");
	}
}

/*
 * Why rule r relays for anyone: NULL if its destination is restricted
 * ("for domain", "for local") or its origin trusted.  r's action must be
 * a relay.  srctable(name) judges the networks of "from src <name>" the
 * same way (NULL: trusted); without it such a table is trusted.
 */
const char *
relay_rule_open(const struct rule *r, const char *(*srctable)(const char *))
{
	if (!r->dest.neg && (r->dest.kind == C_DOMAIN ||
	    r->dest.kind == C_LOCAL || r->dest.kind == C_NONE))
		return (NULL);
	return (relay_origin_open(r, srctable));
}

/* At start and reload: say which rules are open relays on purpose. */
void
relay_warn_open(const struct smtpd_config *cfg)
{
	const struct rule	*r;
	const struct action	*a;
	const char		*why;

	TAILQ_FOREACH(r, &cfg->rules, entry) {
		if (!r->unsafe_open || r->reject ||
		    (a = config_action(cfg, r->action)) == NULL ||
		    a->method != A_RELAY)
			continue;
		if ((why = relay_rule_open(r, NULL)) == NULL)
			why = "unsafe-open-relay";
		log_warnx("warning: the match rule at line %d relays mail "
		    "from anyone to anywhere (%s): an open relay, as "
		    "\"unsafe-open-relay\" asks", r->line, why);
	}
}
