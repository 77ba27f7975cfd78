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
 * ruleset_test.c -- unit tests for lka/ruleset.c: rules come from config
 * text (parse_config_buffer), tables from table_set_load().
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "lka.h"

static struct smtpd_config	*conf;
static struct table_set		*tables;
static const char		*authuser = "";	/* EF_AUTH: the user */

static void		 load(const char *);
static void		 unload(void);
static const char	*match(uint32_t, const char *, const char *,
			    const char *, const char *);

#define PREAMBLE \
	"hostname \"mx.example.org\"\n" \
	"table doms { \"example.org\", \"*.example.net\" }\n" \
	"table nets { \"192.0.2.0/24\", \"2001:db8::/32\" }\n" \
	"table \"senders\" { \"boss@partner.org\", \"@friends.org\" }\n" \
	"table rcpts { \"sales@example.com\" }\n" \
	"action \"a\" mbox\n" \
	"action \"b\" maildir\n" \
	"action \"c\" mbox\n"

static void
load(const char *text)
{
	char	 err[256];

	conf = parse_config_buffer(text, strlen(text));
	ATF_REQUIRE_MSG(conf != NULL, "config does not parse");
	tables = table_set_new();
	ATF_REQUIRE_MSG(table_set_load(tables, conf, err, sizeof(err)) == 0,
	    "%s", err);
}

static void
unload(void)
{
	table_set_free(tables);
	config_free(conf);
	tables = NULL;
	conf = NULL;
}

/*
 * src: an address, or "unix".  sender, rcpt: "user@domain" or "".
 * Returns the action name, "reject", "none" (no rule) or "error".
 */
static const char *
match(uint32_t flags, const char *tag, const char *src, const char *sender,
    const char *rcpt)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct mailaddr		 s, r;
	struct rule_ctx		 ctx;
	const struct rule	*rule;
	int			 m;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(src, "unix") == 0)
		ss.ss_family = AF_UNIX;
	else if (inet_pton(AF_INET, src, &sin->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, src, &sin6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		atf_tc_fail("bad address %s", src);
	memset(&s, 0, sizeof(s));
	if (*sender != '\0')
		ATF_REQUIRE(alias_mailaddr(&s, sender) == 0);
	ATF_REQUIRE(alias_mailaddr(&r, rcpt) == 0);
	ctx.flags = flags;
	ctx.tag = tag;
	ctx.authuser = authuser;
	ctx.ss = &ss;
	ctx.sender = &s;
	ctx.rcpt = &r;
	m = ruleset_match(conf, tables, &ctx, &rule);
	if (m == -1)
		return ("error");
	if (m == 0) {
		ATF_CHECK(rule == NULL);
		return ("none");
	}
	return (rule->reject ? "reject" : rule->action);
}

ATF_TC_WITHOUT_HEAD(first_match_wins);
ATF_TC_BODY(first_match_wins, tc)
{
	load(PREAMBLE
	    "match from any for domain \"example.org\" action \"a\"\n"
	    "match from any for any action \"b\"\n"
	    "match from any for domain \"example.org\" action \"c\"\n");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "x@y.org",
	    "u@example.org"), "a");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "x@y.org",
	    "u@other.org"), "b");
	unload();
}

ATF_TC_WITHOUT_HEAD(no_match);
ATF_TC_BODY(no_match, tc)
{
	load(PREAMBLE "match from local for local action \"a\"\n");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "root@localhost"),
	    "none");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "root@gmail.com"),
	    "none");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "",
	    "root@mx.example.org"), "a");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "root"), "a");
	unload();
}

ATF_TC_WITHOUT_HEAD(from_conditions);
ATF_TC_BODY(from_conditions, tc)
{
	load(PREAMBLE
	    "match from socket for any action \"a\"\n"
	    "match from local for any action \"b\"\n"
	    "match from src <nets> for any action \"c\"\n"
	    "match from src \"203.0.113.0/25\" for any action \"a\"\n"
	    "match from mail-from <senders> for any action \"b\"\n"
	    "match from mail-from \"vip@example.com\" for any action \"c\"\n"
	    "match from any for any reject\n");
	ATF_CHECK_STREQ(match(EF_LOCAL | EF_SOCKET, "", "unix", "", "u@x.org"),
	    "a");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "u@x.org"), "b");
	ATF_CHECK_STREQ(match(0, "", "192.0.2.9", "", "u@x.org"), "c");
	ATF_CHECK_STREQ(match(0, "", "2001:db8::9", "", "u@x.org"), "c");
	ATF_CHECK_STREQ(match(0, "", "203.0.113.5", "", "u@x.org"), "a");
	ATF_CHECK_STREQ(match(0, "", "203.0.113.200", "", "u@x.org"),
	    "reject");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "boss@partner.org",
	    "u@x.org"), "b");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "anyone@friends.org",
	    "u@x.org"), "b");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "clerk@partner.org",
	    "u@x.org"), "reject");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "VIP@example.com",
	    "u@x.org"), "c");
	/* the null sender matches no mail-from */
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@x.org"),
	    "reject");
	unload();
}

/* from auth [<table>|user], and the transaction condition [!]auth. */
ATF_TC_WITHOUT_HEAD(auth_conditions);
ATF_TC_BODY(auth_conditions, tc)
{
	load(PREAMBLE
	    "table users { alice, bob }\n"
	    "match from auth alice for any action \"a\"\n"
	    "match from auth <users> for any action \"b\"\n"
	    "match auth from any for domain \"example.org\" action \"c\"\n"
	    "match from any !auth for domain \"example.net\" action \"a\"\n"
	    "match from auth for any action \"c\"\n"
	    "match from any for any reject\n");
	authuser = "";
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@x.org"),
	    "reject");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@example.org"),
	    "reject");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@example.net"),
	    "a");
	/* EF_AUTH without a user, or a user without EF_AUTH: not auth */
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "", "u@x.org"),
	    "reject");
	authuser = "alice";
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@x.org"),
	    "reject");
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "", "u@x.org"),
	    "a");
	authuser = "bob";
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "", "u@x.org"),
	    "b");
	authuser = "carol";
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "",
	    "u@example.org"), "c");
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "", "u@x.org"),
	    "c");
	/* "!auth": only the unauthenticated */
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "",
	    "u@example.net"), "c");
	/* user names compare without case, as table keys do */
	authuser = "Alice";
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "", "u@x.org"),
	    "a");
	authuser = "";
	unload();
}

/* The origins a relay rule trusts: local, a source network, auth. */
ATF_TC_WITHOUT_HEAD(relay_origins);
ATF_TC_BODY(relay_origins, tc)
{
	load(PREAMBLE
	    "action \"out\" relay host smtp://192.0.2.25\n"
	    "match from any for domain \"example.org\" action \"a\"\n"
	    "match from local for any action \"out\"\n"
	    "match from src <nets> for any action \"out\"\n"
	    "match auth from any for any action \"out\"\n");
	/* a stranger: our domain only, no rule for the rest */
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@example.org"),
	    "a");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@gmail.com"),
	    "none");
	ATF_CHECK_STREQ(match(0, "", "2001:db9::1", "", "u@gmail.com"),
	    "none");
	/* local, listed networks, authenticated users relay */
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "u@gmail.com"),
	    "out");
	ATF_CHECK_STREQ(match(EF_LOCAL | EF_SOCKET, "", "unix", "",
	    "u@gmail.com"), "out");
	ATF_CHECK_STREQ(match(0, "", "192.0.2.77", "", "u@gmail.com"), "out");
	ATF_CHECK_STREQ(match(0, "", "2001:db8::77", "", "u@gmail.com"),
	    "out");
	authuser = "alice";
	ATF_CHECK_STREQ(match(EF_AUTH, "", "198.51.100.1", "",
	    "u@gmail.com"), "out");
	authuser = "";
	ATF_REQUIRE(ruleset_action(conf, "out") != NULL);
	ATF_CHECK_EQ(ruleset_action(conf, "out")->method, A_RELAY);
	unload();
}

/* senders <table>: the MAIL FROM addresses an AUTH user may give. */
ATF_TC_WITHOUT_HEAD(senders);
ATF_TC_BODY(senders, tc)
{
	static const struct {
		const char	*table, *user, *sender;
		int		 want;
	} cases[] = {
		{ "snd", "alice", "alice@example.com", 1 },
		{ "snd", "alice", "ALICE@Example.COM", 1 },
		{ "snd", "alice", "sales@example.org", 1 },
		{ "snd", "alice", "bob@example.com", 0 },
		{ "snd", "alice", "alice@sub.example.org", 0 },
		{ "snd", "alice", "alice@example.com.evil", 0 },
		{ "snd", "bob", "bob@example.com", 1 },
		{ "snd", "bob", "alice@example.com", 0 },
		{ "snd", "carol", "carol@example.com", 0 },
		{ "snd", "", "alice@example.com", 0 },
		/* entries without '@' are ignored */
		{ "snd", "eve", "eve@example.com", 0 },
		/* the null sender is always allowed */
		{ "snd", "carol", "", 1 },
		/* a list is not a senders table */
		{ "doms", "example.org", "x@example.org", 0 },
		{ "nope", "alice", "alice@example.com", -1 },
	};
	struct mailaddr	 ma;
	size_t		 i;

	load(PREAMBLE
	    "table \"snd\" { alice = \"alice@example.com, @example.org\", "
	    "bob = \"bob@example.com\", eve = \"eve\" }\n");
	for (i = 0; i < nitems(cases); i++) {
		memset(&ma, 0, sizeof(ma));
		if (*cases[i].sender != '\0')
			ATF_REQUIRE(alias_mailaddr(&ma, cases[i].sender) == 0);
		ATF_CHECK_EQ_MSG(ruleset_sender(tables, cases[i].table,
		    cases[i].user, &ma), cases[i].want, "%s %s %s",
		    cases[i].table, cases[i].user, cases[i].sender);
	}
	unload();
}

ATF_TC_WITHOUT_HEAD(for_conditions);
ATF_TC_BODY(for_conditions, tc)
{
	load(PREAMBLE
	    "match from any for local action \"a\"\n"
	    "match from any for domain <doms> action \"b\"\n"
	    "match from any for domain \"*.example.com\" action \"c\"\n"
	    "match from any for rcpt-to <rcpts> action \"a\"\n"
	    "match from any for rcpt-to \"ceo@example.edu\" action \"b\"\n"
	    "match from any for any reject\n");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@localhost"), "a");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@MX.example.org"),
	    "a");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@Example.ORG"),
	    "b");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@a.example.net"),
	    "b");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@example.net"),
	    "reject");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@www.example.com"),
	    "c");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "sales@example.com"),
	    "a");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "ceo@example.edu"),
	    "b");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "cfo@example.edu"),
	    "reject");
	unload();
}

ATF_TC_WITHOUT_HEAD(negation);
ATF_TC_BODY(negation, tc)
{
	load(PREAMBLE
	    "match ! from src <nets> for domain <doms> action \"a\"\n"
	    "match from src <nets> ! for domain <doms> action \"b\"\n"
	    "match ! from local ! for local action \"c\"\n"
	    "match from any for any reject\n");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@example.org"),
	    "a");
	ATF_CHECK_STREQ(match(0, "", "192.0.2.1", "", "u@elsewhere.org"),
	    "b");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@elsewhere.org"),
	    "c");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "",
	    "u@elsewhere.org"), "reject");
	ATF_CHECK_STREQ(match(0, "", "192.0.2.1", "", "u@example.org"),
	    "c");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "192.0.2.1", "", "u@example.org"),
	    "reject");
	unload();
}

ATF_TC_WITHOUT_HEAD(tags);
ATF_TC_BODY(tags, tc)
{
	load(PREAMBLE
	    "match tag \"mx\" from any for any action \"a\"\n"
	    "match ! tag \"submission\" from any for any action \"b\"\n"
	    "match from any for any action \"c\"\n");
	ATF_CHECK_STREQ(match(0, "mx", "198.51.100.1", "", "u@x.org"), "a");
	ATF_CHECK_STREQ(match(0, "MX", "198.51.100.1", "", "u@x.org"), "b");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@x.org"), "b");
	ATF_CHECK_STREQ(match(0, "submission", "198.51.100.1", "", "u@x.org"),
	    "c");
	unload();
}

/* A rule without from/for means "from local for local". */
ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	struct rule	*r;

	load(PREAMBLE "match action \"a\"\n");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "u@localhost"),
	    "a");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@localhost"),
	    "none");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "u@x.org"),
	    "none");
	/* the same with conditions left unset (C_NONE) */
	r = TAILQ_FIRST(&conf->rules);
	ATF_REQUIRE(r != NULL);
	r->from.kind = C_NONE;
	r->dest.kind = C_NONE;
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "u@localhost"),
	    "a");
	ATF_CHECK_STREQ(match(0, "", "198.51.100.1", "", "u@localhost"),
	    "none");
	ATF_CHECK_STREQ(match(EF_LOCAL, "", "127.0.0.1", "", "u@x.org"),
	    "none");
	unload();
}

/* A missing table is a temporary error, even behind a negation. */
ATF_TC_WITHOUT_HEAD(table_error);
ATF_TC_BODY(table_error, tc)
{
	struct rule	*r;

	load(PREAMBLE
	    "match from src <nets> for any action \"a\"\n"
	    "match from any for any action \"b\"\n");
	r = TAILQ_FIRST(&conf->rules);
	ATF_REQUIRE(r != NULL);
	strlcpy(r->from.table, "vanished", sizeof(r->from.table));
	ATF_CHECK_STREQ(match(0, "", "192.0.2.1", "", "u@x.org"), "error");
	r->from.neg = 1;
	ATF_CHECK_STREQ(match(0, "", "192.0.2.1", "", "u@x.org"), "error");
	unload();
}

ATF_TC_WITHOUT_HEAD(action_lookup);
ATF_TC_BODY(action_lookup, tc)
{
	const struct action	*a;

	load(PREAMBLE "match from any for any action \"b\"\n");
	ATF_REQUIRE((a = ruleset_action(conf, "b")) != NULL);
	ATF_CHECK_EQ(a->method, A_MAILDIR);
	ATF_CHECK(ruleset_action(conf, "zz") == NULL);
	ATF_CHECK_EQ(ruleset_local_domain(tables, ""), 1);
	ATF_CHECK_EQ(ruleset_local_domain(tables, "mx.example.org"), 1);
	ATF_CHECK_EQ(ruleset_local_domain(tables, "example.org"), 0);
	unload();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, auth_conditions);
	ATF_TP_ADD_TC(tp, relay_origins);
	ATF_TP_ADD_TC(tp, senders);
	ATF_TP_ADD_TC(tp, first_match_wins);
	ATF_TP_ADD_TC(tp, no_match);
	ATF_TP_ADD_TC(tp, from_conditions);
	ATF_TP_ADD_TC(tp, for_conditions);
	ATF_TP_ADD_TC(tp, negation);
	ATF_TP_ADD_TC(tp, tags);
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, table_error);
	ATF_TP_ADD_TC(tp, action_lookup);
	return (atf_no_error());
}
