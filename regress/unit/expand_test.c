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
 * expand_test.c -- unit tests for lka/expand.c: aliases chains, loops,
 * includes, pipes and files gated by the action's flags, sub-addressing,
 * virtual tables, ~/.forward answers, de-duplication, unknown users.
 * The userbase and the .forward source are stubs (struct expand_ops).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"
#include "lka.h"

#define MSGID	0x12345678U

struct fwd {
	uint64_t	 token;
	char		 user[USER_MAX];
};

static struct smtpd_config	*conf;
static struct table_set		*tables;
static struct fwd		 fwds[32];
static size_t			 nfwd;
static const char		*authuser = "";	/* start(): EF_AUTH */

static int	fake_getpwnam(void *, const char *);
static void	fake_forward(void *, uint64_t, const char *);
static void	setup(const char *, const char *);
static void	teardown(void);
static struct expand_session *start(const struct expand_ops *,
		    const char *, uint32_t, const char *, int *);
static struct expand_session *run(const char *);
static const struct envelope *find(struct expand_session *,
		    enum delivery_type, const char *, const char *);
static size_t	count(struct expand_session *);
static int	answer(struct expand_session *, const char *, int,
		    const char *);

static int	fake_userinfo(void *, const char *, uid_t *, char *, size_t);
static int	fake_nomailbox(void *, const char *);

static const struct expand_ops	ops_nofwd = { fake_getpwnam, NULL, NULL,
				    NULL };
static const struct expand_ops	ops_info = { fake_getpwnam, fake_forward,
				    fake_userinfo, fake_nomailbox };
static const struct expand_ops	ops_fwd = { fake_getpwnam, fake_forward,
				    NULL, NULL };

static const char *test_config =
	"hostname \"mx.example.org\"\n"
	"queue ttl 2d\n"
	"table aliases file:%s/aliases\n"
	"table virtuals { \"info@virtual.test\" = \"bob, alice\", "
	    "\"sales@virtual.test\" = \"carol\", "
	    "\"@virtual.test\" = \"vmail\", "
	    "\"ext@virtual.test\" = \"carol@remote.example\" }\n"
	"action \"local\" mbox alias <aliases> allow pipe allow file "
	    "allow include\n"
	"action \"strict\" mbox alias <aliases>\n"
	"action \"virt\" maildir virtual <virtuals>\n"
	"action \"relay\" lmtp \"mx2.example.net:25\"\n"
	"action \"fwd\" forward-only alias <aliases>\n"
	"action \"exp\" expand-only alias <aliases> allow pipe\n"
	"match from any for domain \"strict.test\" action \"strict\"\n"
	"match from any for domain \"virtual.test\" action \"virt\"\n"
	"match from any for domain \"fwd.test\" action \"fwd\"\n"
	"match from any for domain \"exp.test\" action \"exp\"\n"
	"match from any for domain \"blocked.test\" reject\n"
	"match from any for local action \"local\"\n"
	"match from local for any action \"relay\"\n";

static int
fake_getpwnam(void *arg, const char *user)
{
	static const char	*users[] = { "root", "bob", "alice", "carol",
				    "dave", "eve", "vmail" };
	size_t			 i;

	if (strcmp(user, "tempuser") == 0)
		return (-1);
	for (i = 0; i < nitems(users); i++)
		if (strcmp(users[i], user) == 0)
			return (1);
	return (0);
}

/* root is uid 0, dave has Debian's "no home", tempuser fails. */
static int
fake_userinfo(void *arg, const char *user, uid_t *uid, char *home,
    size_t len)
{
	int	 r;

	if ((r = fake_getpwnam(arg, user)) != 1)
		return (r);
	*uid = strcmp(user, "root") == 0 ? 0 : 1000 + (uid_t)strlen(user);
	if (strcmp(user, "dave") == 0)
		strlcpy(home, "/nonexistent", len);
	else
		snprintf(home, len, "/home/%s", user);
	return (1);
}

/* eve plays a system account (lka/account.c). */
static int
fake_nomailbox(void *arg, const char *user)
{
	return (strcmp(user, "eve") == 0);
}

static void
fake_forward(void *arg, uint64_t token, const char *user)
{
	ATF_REQUIRE(nfwd < nitems(fwds));
	fwds[nfwd].token = token;
	strlcpy(fwds[nfwd].user, user, sizeof(fwds[nfwd].user));
	nfwd++;
}

/* Write the aliases file (and include.lst), parse the config. */
static void
setup(const char *aliases, const char *config)
{
	char	 cwd[PATH_MAX], err[512], *text;
	FILE	*fp;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE((fp = fopen("aliases", "w")) != NULL);
	fputs(aliases, fp);
	fclose(fp);
	ATF_REQUIRE((fp = fopen("include.lst", "w")) != NULL);
	fputs("# a mailing list\ncarol\n\nbob, alice\n", fp);
	fclose(fp);
	ATF_REQUIRE(asprintf(&text, config ? config : test_config, cwd) > 0);
	conf = parse_config_buffer(text, strlen(text));
	free(text);
	ATF_REQUIRE_MSG(conf != NULL, "config does not parse");
	tables = table_set_new();
	ATF_REQUIRE_MSG(table_set_load(tables, conf, err, sizeof(err)) == 0,
	    "%s", err);
	nfwd = 0;
}

static void
teardown(void)
{
	table_set_free(tables);
	config_free(conf);
}

/* Start an expansion from a remote client (or flags/src given). */
static struct expand_session *
start(const struct expand_ops *ops, const char *rcpt, uint32_t flags,
    const char *src, int *done)
{
	struct expand_req	 req;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&req.ss;
	struct expand_session	*sess;

	memset(&req, 0, sizeof(req));
	req.reqid = 0xabcdef;
	req.msgid = MSGID;
	req.flags = flags;
	strlcpy(req.tag, "mx", sizeof(req.tag));
	strlcpy(req.helo, "client.remote.example", sizeof(req.helo));
	strlcpy(req.src, src, sizeof(req.src));
	strlcpy(req.authuser, authuser, sizeof(req.authuser));
	sin->sin_family = AF_INET;
	ATF_REQUIRE(inet_pton(AF_INET, src, &sin->sin_addr) == 1);
	strlcpy(req.sender.user, "sender", sizeof(req.sender.user));
	strlcpy(req.sender.domain, "remote.example",
	    sizeof(req.sender.domain));
	if (*rcpt != '\0')
		ATF_REQUIRE(alias_mailaddr(&req.rcpt, rcpt) == 0);
	sess = expand_new(&req, 0, ops, NULL);
	*done = expand_run(sess, conf, tables);
	return (sess);
}

/* Start and require completion without .forward. */
static struct expand_session *
run(const char *rcpt)
{
	struct expand_session	*sess;
	int			 done;

	sess = start(&ops_nofwd, rcpt, 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_DONE);
	return (sess);
}

/* The envelope for (dtype, user, dest "u@d" or arg), or NULL. */
static const struct envelope *
find(struct expand_session *sess, enum delivery_type dtype,
    const char *user, const char *what)
{
	const struct envelope	*evps;
	char			 dest[MAILADDR_MAX + 2];
	size_t			 i, n;

	evps = expand_envelopes(sess, &n);
	for (i = 0; i < n; i++) {
		if (evps[i].dtype != dtype || strcmp(evps[i].user, user) != 0)
			continue;
		expand_mailaddr_text(&evps[i].dest, dest, sizeof(dest));
		if (strcmp(dtype == DT_MAILBOX ? dest : evps[i].arg,
		    what) == 0)
			return (&evps[i]);
	}
	return (NULL);
}

static size_t
count(struct expand_session *sess)
{
	size_t	 n;

	(void)expand_envelopes(sess, &n);
	return (n);
}

/* Answer the pending .forward of user; returns expand's verdict. */
static int
answer(struct expand_session *sess, const char *user, int status,
    const char *content)
{
	uint64_t	 token;
	size_t		 i;

	for (i = 0; i < nfwd; i++) {
		if (strcmp(fwds[i].user, user) != 0 || fwds[i].token == 0)
			continue;
		token = fwds[i].token;
		fwds[i].token = 0;
		return (expand_forward_done(sess, conf, tables, token, status,
		    content, content ? strlen(content) : 0));
	}
	atf_tc_fail("no .forward request for %s", user);
}

ATF_TC_WITHOUT_HEAD(local_user);
ATF_TC_BODY(local_user, tc)
{
	struct expand_session	*sess;
	const struct envelope	*e;

	setup("", NULL);
	sess = run("Bob@MX.example.org");
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK_STREQ(expand_action(sess), "local");
	ATF_REQUIRE_EQ(count(sess), 1);
	e = find(sess, DT_MAILBOX, "bob", "Bob@mx.example.org");
	ATF_REQUIRE(e != NULL);
	ATF_CHECK_EQ(evpid_to_msgid(e->id), MSGID);
	ATF_CHECK((uint32_t)e->id != 0);
	ATF_CHECK_STREQ(e->action, "local");
	ATF_CHECK_STREQ(e->rcpt.user, "Bob");
	ATF_CHECK_STREQ(e->sender.user, "sender");
	ATF_CHECK_STREQ(e->helo, "client.remote.example");
	ATF_CHECK_STREQ(e->tag, "mx");
	ATF_CHECK_STREQ(e->src, "198.51.100.7");
	ATF_CHECK(e->ctime != 0);
	ATF_CHECK_EQ(e->expire - e->ctime, 2 * 86400);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(unknown_user);
ATF_TC_BODY(unknown_user, tc)
{
	struct expand_session	*sess;

	setup("staff: bob, ghost\n", NULL);
	sess = run("ghost@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "550 5.1.1 <ghost@localhost>: "
	    "Recipient address rejected: User unknown in local recipient "
	    "table");
	ATF_CHECK_EQ(count(sess), 0);
	expand_free(sess);
	/* one unknown member fails the alias */
	sess = run("staff@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK(strstr(expand_text(sess), "<staff@localhost>") != NULL);
	expand_free(sess);
	/* a userbase error is temporary */
	sess = run("tempuser@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_TEMPFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "451 4.3.0 <tempuser@localhost>: "
	    "Temporary lookup failure");
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(alias_chain);
ATF_TC_BODY(alias_chain, tc)
{
	struct expand_session	*sess;

	setup("postmaster: root\nroot: bob,\n  alice, ops\n"
	    "ops: carol@remote.example\n", NULL);
	sess = run("Postmaster@localhost");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_EQ(count(sess), 3);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@localhost") != NULL);
	ATF_CHECK(find(sess, DT_MAILBOX, "alice", "alice@localhost") != NULL);
	/* the address goes through the rules again, as from local */
	ATF_CHECK(find(sess, DT_MAILBOX, "carol",
	    "carol@remote.example") != NULL);
	ATF_CHECK_STREQ(find(sess, DT_MAILBOX, "carol",
	    "carol@remote.example")->action, "relay");
	ATF_CHECK_STREQ(find(sess, DT_MAILBOX, "bob", "bob@localhost")->action,
	    "local");
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(alias_rules);
ATF_TC_BODY(alias_rules, tc)
{
	struct expand_session	*sess;

	setup("spam: x@blocked.test\n", NULL);
	sess = run("spam@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess),
	    "550 5.7.1 Delivery not authorized, message refused");
	expand_free(sess);
	/* a remote client may not relay */
	sess = run("carol@remote.example");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess),
	    "550 5.7.1 <carol@remote.example>: Relaying denied");
	ATF_CHECK_STREQ(expand_action(sess), "-");
	expand_free(sess);
	teardown();
}

/*
 * A relay action makes the address final: one envelope delivered by the
 * relay agent as SMTPD_USER_RELAY to the address as given, no userbase,
 * no alias.  No rule for a foreign domain: "Relaying denied".
 */
ATF_TC_WITHOUT_HEAD(relay_action);
ATF_TC_BODY(relay_action, tc)
{
	struct expand_session	*sess;
	const struct envelope	*evp;
	int			 done;

	setup("", "hostname \"mx.example.org\"\n"
	    "table aliases file:%s/aliases\n"
	    "action \"local\" mbox alias <aliases>\n"
	    "action \"out\" relay host smtp://192.0.2.25:2525\n"
	    "match from any for local action \"local\"\n"
	    "match from src 192.0.2.0/24 for any action \"out\"\n"
	    "match auth from any for any action \"out\"\n");
	sess = start(&ops_info, "Someone+x@Gmail.COM", 0, "192.0.2.9", &done);
	ATF_REQUIRE_EQ(done, EXPAND_DONE);
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_REQUIRE_EQ(count(sess), 1);
	evp = find(sess, DT_MAILBOX, SMTPD_USER_RELAY, "Someone+x@gmail.com");
	ATF_REQUIRE(evp != NULL);
	ATF_CHECK_STREQ(evp->action, "out");
	ATF_CHECK(!(evp->flags & EF_AUTH));
	expand_free(sess);

	sess = run("someone@gmail.com");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess),
	    "550 5.7.1 <someone@gmail.com>: Relaying denied");
	expand_free(sess);

	authuser = "alice";
	sess = start(&ops_info, "someone@gmail.com", EF_AUTH, "198.51.100.7",
	    &done);
	authuser = "";
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	evp = find(sess, DT_MAILBOX, SMTPD_USER_RELAY, "someone@gmail.com");
	ATF_REQUIRE(evp != NULL);
	ATF_CHECK(evp->flags & EF_AUTH);
	expand_free(sess);

	/* our own domain is not relayed, even for a trusted network */
	sess = start(&ops_nofwd, "bob@mx.example.org", 0, "192.0.2.9", &done);
	ATF_CHECK_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@mx.example.org") != NULL);
	expand_free(sess);
	teardown();
}

/*
 * "relay recipients <table>" (a gateway): a recipient not in the table
 * is refused at RCPT; keys as for "for rcpt-to <table>" ("user@domain",
 * "@domain", "user"), a "+subaddress" dropped if the address as given is
 * not found.  An alias target is not checked (the client did not give
 * it), and a missing table is a temporary failure.
 */
ATF_TC_WITHOUT_HEAD(relay_recipients);
ATF_TC_BODY(relay_recipients, tc)
{
	struct expand_session	*sess;
	static const char	*ok[] = { "alice@students.test",
	    "Alice+tag@Students.TEST", "anyone@open.test", "bob@students.test",
	    NULL };
	size_t			 i;

	setup("team: unknown@students.test\n", "hostname \"mx.example.org\"\n"
	    "table aliases file:%s/aliases\n"
	    "table valid { \"alice@students.test\", \"@open.test\", "
	    "\"bob\" }\n"
	    "action \"local\" mbox alias <aliases>\n"
	    "action \"gw\" relay recipients <valid>\n"
	    "match from any for local action \"local\"\n"
	    "match from any for domain \"students.test\" action \"gw\"\n"
	    "match from any for domain \"open.test\" action \"gw\"\n");
	for (i = 0; ok[i] != NULL; i++) {
		sess = run(ok[i]);
		ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s: %s", ok[i],
		    expand_text(sess));
		ATF_CHECK_EQ_MSG(count(sess), 1, "%s", ok[i]);
		expand_free(sess);
	}
	sess = run("nobody@students.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "550 5.1.1 <nobody@students.test>: "
	    "Recipient address rejected: user unknown");
	ATF_CHECK_EQ(count(sess), 0);
	expand_free(sess);
	sess = run("alice@elsewhere.students.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	expand_free(sess);

	/* an alias target is the server's business, not the client's */
	sess = run("team@mx.example.org");
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	ATF_CHECK(find(sess, DT_MAILBOX, SMTPD_USER_RELAY,
	    "unknown@students.test") != NULL);
	expand_free(sess);
	teardown();

	/* the table gone (a reload that failed half-way): tempfail */
	setup("", "hostname \"mx.example.org\"\n"
	    "table aliases file:%s/aliases\n"
	    "table valid { \"alice@students.test\" }\n"
	    "action \"gw\" relay recipients <valid>\n"
	    "match from any for domain \"students.test\" action \"gw\"\n");
	table_set_free(tables);
	tables = table_set_new();
	sess = run("alice@students.test");
	ATF_CHECK_EQ(expand_status(sess), ST_TEMPFAIL);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(no_rule_local);
ATF_TC_BODY(no_rule_local, tc)
{
	struct expand_session	*sess;

	setup("", "hostname \"mx.example.org\"\n"
	    "table aliases file:%s/aliases\n"
	    "action \"local\" mbox alias <aliases>\n"
	    "match from local for local action \"local\"\n");
	sess = run("bob@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "550 5.7.1 <bob@localhost>: "
	    "Recipient address rejected: Access denied");
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(loops);
ATF_TC_BODY(loops, tc)
{
	struct expand_session	*sess;
	char			 aliases[4096];
	size_t			 i;

	setup("a: b\nb: c, bob\nc: a@localhost\n", NULL);
	sess = run("a@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess),
	    "550 5.4.6 <a@localhost>: alias/forward loop");
	expand_free(sess);
	teardown();

	/* a chain deeper than EXPAND_DEPTH_MAX */
	aliases[0] = '\0';
	for (i = 0; i < EXPAND_DEPTH_MAX + 5; i++) {
		char	 line[64];

		snprintf(line, sizeof(line), "l%zu: l%zu\n", i, i + 1);
		strlcat(aliases, line, sizeof(aliases));
	}
	setup(aliases, NULL);
	sess = run("l0@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK(strstr(expand_text(sess), "550 5.4.6") == expand_text(sess));
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(too_many);
ATF_TC_BODY(too_many, tc)
{
	struct expand_session	*sess;
	char			*aliases;
	size_t			 i, len = 32 * (EXPAND_NODES_MAX + 10);

	aliases = calloc(1, len);
	ATF_REQUIRE(aliases != NULL);
	strlcat(aliases, "big: u0", len);
	for (i = 1; i < EXPAND_NODES_MAX + 5; i++) {
		char	 item[32];

		snprintf(item, sizeof(item), ", u%zu", i);
		strlcat(aliases, item, len);
	}
	strlcat(aliases, "\n", len);
	setup(aliases, NULL);
	free(aliases);
	sess = run("big@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK(strncmp(expand_text(sess), "550 5.5.3 ", 10) == 0);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(self_and_dedup);
ATF_TC_BODY(self_and_dedup, tc)
{
	struct expand_session	*sess;

	setup("dave: dave, eve\nteam: bob, BOB, alice, list2, "
	    "bob@localhost\nlist2: alice, bob\n", NULL);
	sess = run("dave@localhost");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_EQ(count(sess), 2);
	ATF_CHECK(find(sess, DT_MAILBOX, "dave", "dave@localhost") != NULL);
	ATF_CHECK(find(sess, DT_MAILBOX, "eve", "eve@localhost") != NULL);
	expand_free(sess);
	sess = run("team@localhost");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_EQ(count(sess), 2);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@localhost") != NULL);
	ATF_CHECK(find(sess, DT_MAILBOX, "alice", "alice@localhost") != NULL);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(subaddress);
ATF_TC_BODY(subaddress, tc)
{
	struct expand_session	*sess;

	setup("alice: carol\nalice+keep: dave\n", NULL);
	sess = run("bob+news@localhost");
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob+news@localhost") != NULL);
	expand_free(sess);
	sess = run("alice+x@localhost");	/* falls back to "alice" */
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_MAILBOX, "carol", "carol@localhost") != NULL);
	ATF_CHECK_EQ(count(sess), 1);
	expand_free(sess);
	sess = run("alice+keep@localhost");	/* the full name first */
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_MAILBOX, "dave", "dave@localhost") != NULL);
	ATF_CHECK_EQ(count(sess), 1);
	expand_free(sess);
	sess = run("ghost+x@localhost");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(pipes_files);
ATF_TC_BODY(pipes_files, tc)
{
	struct expand_session	*sess;
	const struct envelope	*e;

	setup("prog: \"|/usr/bin/prog -a, -b\", bob\n"
	    "archive: /var/mail/archive\n", NULL);
	sess = run("prog@localhost");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_EQ(count(sess), 2);
	/* root-owned alias file: the command runs as nobody */
	e = find(sess, DT_PIPE, SMTPD_USER_NOBODY, "/usr/bin/prog -a, -b");
	ATF_REQUIRE(e != NULL);
	ATF_CHECK_STREQ(e->dest.user, "prog");
	expand_free(sess);
	sess = run("archive@localhost");
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_FILE, SMTPD_USER_NOBODY,
	    "/var/mail/archive") != NULL);
	expand_free(sess);
	/* the same aliases under an action without "allow" */
	sess = run("prog@strict.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "550 5.7.1 <prog@strict.test>: "
	    "delivery to a command not allowed");
	ATF_CHECK_EQ(count(sess), 0);
	expand_free(sess);
	sess = run("archive@strict.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "550 5.7.1 <archive@strict.test>: "
	    "delivery to a file not allowed");
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(includes);
ATF_TC_BODY(includes, tc)
{
	struct expand_session	*sess;
	char			 cwd[PATH_MAX], aliases[PATH_MAX * 2 + 64];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE((size_t)snprintf(aliases, sizeof(aliases),
	    "list: :include:%s/include.lst\n"
	    "gone: :include:%s/missing.lst\n", cwd, cwd) < sizeof(aliases));
	setup(aliases, NULL);
	sess = run("list@localhost");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_EQ(count(sess), 3);
	ATF_CHECK(find(sess, DT_MAILBOX, "carol", "carol@localhost") != NULL);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@localhost") != NULL);
	ATF_CHECK(find(sess, DT_MAILBOX, "alice", "alice@localhost") != NULL);
	expand_free(sess);
	sess = run("gone@localhost");	/* unreadable: try again later */
	ATF_CHECK_EQ(expand_status(sess), ST_TEMPFAIL);
	expand_free(sess);
	sess = run("list@strict.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "550 5.7.1 <list@strict.test>: "
	    "include files not allowed");
	expand_free(sess);
	teardown();
}

/*
 * An :include: file's entries run as its owner: like a .forward it must
 * be a regular file with one link, writable only by its owner, and not a
 * symbolic link; otherwise the recipient is tempfailed.
 */
ATF_TC_WITHOUT_HEAD(include_insecure);
ATF_TC_BODY(include_insecure, tc)
{
	struct expand_session	*sess;
	char			 cwd[PATH_MAX], aliases[PATH_MAX * 2 + 64];
	static const mode_t	 bad_modes[] = { 0664, 0646, 0666 };
	static const mode_t	 bad_dirs[] = { 0775, 0757, 0777 };
	struct stat		 sb;
	size_t			 i;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE((size_t)snprintf(aliases, sizeof(aliases),
	    "list: :include:%s/include.lst\n"
	    "link: :include:%s/link.lst\n", cwd, cwd) < sizeof(aliases));
	setup(aliases, NULL);
	for (i = 0; i < nitems(bad_modes); i++) {
		ATF_REQUIRE(chmod("include.lst", bad_modes[i]) == 0);
		sess = run("list@localhost");
		ATF_CHECK_EQ_MSG(expand_status(sess), ST_TEMPFAIL,
		    "mode %o accepted", (unsigned)bad_modes[i]);
		ATF_CHECK_EQ(count(sess), 0);
		expand_free(sess);
	}
	ATF_REQUIRE(chmod("include.lst", 0644) == 0);
	sess = run("list@localhost");
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	expand_free(sess);

	ATF_REQUIRE(symlink("include.lst", "link.lst") == 0);
	sess = run("link@localhost");
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_TEMPFAIL, "symlink accepted");
	expand_free(sess);
	ATF_REQUIRE(unlink("link.lst") == 0);

	ATF_REQUIRE(link("include.lst", "link.lst") == 0);
	sess = run("list@localhost");
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_TEMPFAIL,
	    "hard link accepted");
	expand_free(sess);
	ATF_REQUIRE(unlink("link.lst") == 0);

	ATF_REQUIRE(mkfifo("link.lst", 0644) == 0);
	sess = run("link@localhost");	/* must not block */
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_TEMPFAIL, "FIFO accepted");
	expand_free(sess);

	/*
	 * Its directory: others who may write there may rename a file of
	 * the owner's over it (found in review).  Sticky is fine.
	 */
	ATF_REQUIRE(stat(".", &sb) == 0);
	for (i = 0; i < nitems(bad_dirs); i++) {
		ATF_REQUIRE(chmod(".", bad_dirs[i]) == 0);
		sess = run("list@localhost");
		ATF_CHECK_EQ_MSG(expand_status(sess), ST_TEMPFAIL,
		    "directory mode %o accepted", (unsigned)bad_dirs[i]);
		expand_free(sess);
	}
	ATF_REQUIRE(chmod(".", 01777) == 0);
	sess = run("list@localhost");
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "sticky: %s",
	    expand_text(sess));
	expand_free(sess);
	ATF_REQUIRE(chmod(".", sb.st_mode & 07777) == 0);
	/* a directory of someone else's: not root, not the file's owner */
	ATF_REQUIRE(chown(".", 65534, (gid_t)-1) == 0);
	sess = run("list@localhost");
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_TEMPFAIL,
	    "directory of another user accepted");
	expand_free(sess);
	ATF_REQUIRE(chown(".", sb.st_uid, (gid_t)-1) == 0);
	sess = run("list@localhost");
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(virtual);
ATF_TC_BODY(virtual, tc)
{
	struct expand_session	*sess;

	setup("", NULL);
	sess = run("info@virtual.test");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_STREQ(expand_action(sess), "virt");
	ATF_CHECK_EQ(count(sess), 2);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@virtual.test") != NULL);
	ATF_CHECK(find(sess, DT_MAILBOX, "alice", "alice@virtual.test") !=
	    NULL);
	expand_free(sess);
	sess = run("sales+q3@virtual.test");	/* then sales@virtual.test */
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_MAILBOX, "carol", "carol@virtual.test") !=
	    NULL);
	expand_free(sess);
	sess = run("random@virtual.test");	/* the @domain catch-all */
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_MAILBOX, "vmail", "vmail@virtual.test") !=
	    NULL);
	expand_free(sess);
	/* an address value is matched again, as from local: "relay" */
	sess = run("ext@virtual.test");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_REQUIRE(find(sess, DT_MAILBOX, "carol",
	    "carol@remote.example") != NULL);
	ATF_CHECK_STREQ(find(sess, DT_MAILBOX, "carol",
	    "carol@remote.example")->action, "relay");
	expand_free(sess);
	sess = run("nobody@elsewhere.test");	/* no rule for a stranger */
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(forward);
ATF_TC_BODY(forward, tc)
{
	struct expand_session	*sess;
	const struct envelope	*e;
	int			 done;

	setup("", NULL);
	sess = start(&ops_fwd, "carol@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	ATF_REQUIRE_EQ(nfwd, 1);
	ATF_CHECK_STREQ(fwds[0].user, "carol");
	done = answer(sess, "carol", ST_OK, "# my forward\n"
	    "carol, \\bob\n\"|/usr/bin/vacation carol\"\n"
	    ":include:/etc/passwd\n");
	ATF_REQUIRE_EQ_MSG(done, EXPAND_DONE, "waiting for %zu", nfwd);
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_EQ(nfwd, 1);	/* "carol" and "\bob": no more requests */
	ATF_CHECK_EQ(count(sess), 3);
	ATF_CHECK(find(sess, DT_MAILBOX, "carol", "carol@localhost") != NULL);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@localhost") != NULL);
	/* a .forward pipe runs as its user */
	e = find(sess, DT_PIPE, "carol", "/usr/bin/vacation carol");
	ATF_CHECK(e != NULL);
	expand_free(sess);

	/* no .forward: the mailbox; a chain waits for every answer */
	nfwd = 0;
	sess = start(&ops_fwd, "alice@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	done = answer(sess, "alice", ST_OK, "bob\ndave\n");
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	ATF_CHECK_EQ(nfwd, 3);
	ATF_CHECK_EQ(answer(sess, "bob", ST_PERMFAIL, NULL), EXPAND_PENDING);
	ATF_CHECK_EQ(answer(sess, "dave", ST_PERMFAIL, NULL), EXPAND_DONE);
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	ATF_CHECK_EQ(count(sess), 2);
	ATF_CHECK(find(sess, DT_MAILBOX, "alice", "alice@localhost") == NULL);
	expand_free(sess);

	/* a .forward error is temporary */
	nfwd = 0;
	sess = start(&ops_fwd, "eve@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	ATF_CHECK_EQ(answer(sess, "eve", ST_TEMPFAIL, NULL), EXPAND_DONE);
	ATF_CHECK_EQ(expand_status(sess), ST_TEMPFAIL);
	ATF_CHECK_EQ(count(sess), 0);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(forward_untrusted);
ATF_TC_BODY(forward_untrusted, tc)
{
	struct expand_session	*sess;
	char			 junk[512];
	int			 done;
	size_t			 i;

	setup("", "hostname \"mx.example.org\"\n"
	    "table aliases file:%s/aliases\n"
	    "action \"strict\" mbox alias <aliases>\n"
	    "match from any for local action \"strict\"\n");
	/* a pipe in .forward needs the same "allow pipe" */
	sess = start(&ops_fwd, "bob@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	ATF_CHECK_EQ(answer(sess, "bob", ST_OK, "|/bin/sh -c evil\n"),
	    EXPAND_DONE);
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK(strstr(expand_text(sess), "command not allowed") != NULL);
	expand_free(sess);
	/* garbage: binary, unbalanced quotes, huge lines -> mailbox */
	for (i = 0; i < sizeof(junk) - 1; i++)
		junk[i] = (char)(1 + (i * 37) % 255);
	junk[sizeof(junk) - 1] = '\0';
	nfwd = 0;
	sess = start(&ops_fwd, "bob@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	ATF_CHECK_EQ(expand_forward_done(sess, conf, tables, fwds[0].token,
	    ST_OK, junk, sizeof(junk) - 1), EXPAND_DONE);
	ATF_CHECK_EQ(expand_status(sess), ST_OK);
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@localhost") != NULL);
	expand_free(sess);
	nfwd = 0;
	sess = start(&ops_fwd, "bob@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	ATF_CHECK_EQ(expand_forward_done(sess, conf, tables, fwds[0].token,
	    ST_OK, "\"unbalanced, x\0y", 16), EXPAND_DONE);
	ATF_CHECK_EQ(expand_status(sess), ST_OK);
	ATF_CHECK_EQ(count(sess), 1);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(forward_only);
ATF_TC_BODY(forward_only, tc)
{
	struct expand_session	*sess;

	setup("fwdx: carol@remote.example\nfwdy: bob\n"
	    "fwdz: \"|/bin/true\"\n", NULL);
	sess = run("fwdx@fwd.test");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK_STREQ(expand_action(sess), "fwd");
	ATF_CHECK(find(sess, DT_MAILBOX, "carol", "carol@remote.example") !=
	    NULL);
	expand_free(sess);
	sess = run("fwdy@fwd.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK(strstr(expand_text(sess), "only forwarding") != NULL);
	expand_free(sess);
	sess = run("fwdz@fwd.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	expand_free(sess);
	sess = run("bob@fwd.test");	/* no alias, no .forward */
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(expand_only);
ATF_TC_BODY(expand_only, tc)
{
	struct expand_session	*sess;

	setup("expx: \"|/usr/bin/handler\"\nexpy: bob\n", NULL);
	sess = run("expx@exp.test");
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK(find(sess, DT_PIPE, SMTPD_USER_NOBODY, "/usr/bin/handler") !=
	    NULL);
	expand_free(sess);
	sess = run("bob@exp.test");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK(strstr(expand_text(sess), "no alias or forward") != NULL);
	expand_free(sess);
	sess = run("expy@exp.test");	/* bob has no .forward either */
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(bad_requests);
ATF_TC_BODY(bad_requests, tc)
{
	struct expand_session	*sess;
	struct expand_req	 req;

	setup("", NULL);
	sess = run("");
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK(strncmp(expand_text(sess), "550 5.1.3 ", 10) == 0);
	expand_free(sess);
	/* unterminated fields, control characters: no crash, escaped */
	memset(&req, 'A', sizeof(req));
	req.ss.ss_family = AF_INET6;
	req.rcpt.user[0] = '\n';
	req.msgid = 0;
	sess = expand_new(&req, 0, &ops_nofwd, NULL);
	ATF_CHECK_EQ(expand_run(sess, conf, tables), EXPAND_DONE);
	ATF_CHECK(expand_status(sess) != ST_OK);
	ATF_CHECK(strchr(expand_text(sess), '\n') == NULL);
	expand_free(sess);
	teardown();
}

ATF_TC_WITHOUT_HEAD(vrfy);
ATF_TC_BODY(vrfy, tc)
{
	struct expand_session	*sess;
	struct expand_req	 req;
	const struct envelope	*evps;
	size_t			 n;

	setup("", NULL);
	memset(&req, 0, sizeof(req));
	req.ss.ss_family = AF_UNIX;
	req.flags = EF_LOCAL | EF_SOCKET;
	strlcpy(req.rcpt.user, "bob", sizeof(req.rcpt.user));
	/* msgid 0 (VRFY): envelopes without an id; bounces: internal */
	sess = expand_new(&req, 1, &ops_nofwd, NULL);
	ATF_REQUIRE_EQ(expand_run(sess, conf, tables), EXPAND_DONE);
	ATF_REQUIRE_EQ(expand_status(sess), ST_OK);
	evps = expand_envelopes(sess, &n);
	ATF_REQUIRE_EQ(n, 1);
	ATF_CHECK_EQ(evps[0].id, 0);
	ATF_CHECK_STREQ(evps[0].dest.domain, "mx.example.org");
	expand_free(sess);
	teardown();
}

/*
 * What the delivery would refuse for one user is refused at
 * RCPT; root's .forward commands never run as root.
 */
ATF_TC_WITHOUT_HEAD(rcpt_mailbox_check);
ATF_TC_BODY(rcpt_mailbox_check, tc)
{
	struct expand_session	*sess;
	int			 done;

	setup("", "hostname \"mx.example.org\"\n"
	    "action \"md\" maildir \"Maildir/\" allow pipe\n"
	    "action \"box\" mbox \"/var/mail/%{user.username}\"\n"
	    "action \"p\" mda \"/usr/bin/prog %{dest.user[4:]}\"\n"
	    "match from any for domain \"box.test\" action \"box\"\n"
	    "match from any for domain \"mda.test\" action \"p\"\n"
	    "match from any for local action \"md\"\n");
	/* bob has a home: accepted */
	sess = start(&ops_info, "bob@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(answer(sess, "bob", ST_PERMFAIL, NULL), EXPAND_DONE);
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	ATF_CHECK_EQ(count(sess), 1);
	expand_free(sess);
	/* dave has none: his Maildir cannot be, 550 now, not a bounce */
	sess = start(&ops_info, "dave@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(answer(sess, "dave", ST_PERMFAIL, NULL), EXPAND_DONE);
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_MATCH("^550 5\\.3\\.5 <dave@localhost>: .*maildir path",
	    expand_text(sess));
	ATF_CHECK_EQ(count(sess), 0);
	expand_free(sess);
	/* an mbox path that does not need a home works for him */
	sess = start(&ops_info, "dave@box.test", 0, "198.51.100.7", &done);
	if (done == EXPAND_PENDING)
		done = answer(sess, "dave", ST_PERMFAIL, NULL);
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	expand_free(sess);
	/* an mda command that cannot be expanded for bob only */
	sess = start(&ops_info, "alice@mda.test", 0, "198.51.100.7", &done);
	if (done == EXPAND_PENDING)
		done = answer(sess, "alice", ST_PERMFAIL, NULL);
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	expand_free(sess);
	sess = start(&ops_info, "bob@mda.test", 0, "198.51.100.7", &done);
	if (done == EXPAND_PENDING)
		done = answer(sess, "bob", ST_PERMFAIL, NULL);
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_MATCH("^550 5\\.3\\.5 .*command cannot be expanded",
	    expand_text(sess));
	expand_free(sess);
	/* root's .forward command runs as nobody */
	nfwd = 0;
	sess = start(&ops_info, "root@localhost", 0, "198.51.100.7", &done);
	ATF_REQUIRE_EQ(done, EXPAND_PENDING);
	ATF_REQUIRE_EQ(answer(sess, "root", ST_OK, "\"|/usr/bin/prog\"\n"),
	    EXPAND_DONE);
	ATF_REQUIRE_EQ_MSG(expand_status(sess), ST_OK, "%s",
	    expand_text(sess));
	ATF_CHECK(find(sess, DT_PIPE, SMTPD_USER_NOBODY, "/usr/bin/prog") !=
	    NULL);
	ATF_CHECK(find(sess, DT_PIPE, "root", "/usr/bin/prog") == NULL);
	expand_free(sess);
	teardown();
}

/*
 * A system account gets no mail in its own mailbox: 550 5.1.1 at RCPT,
 * not a bounce; an alias still routes it, and an action's fixed user is
 * not the recipient's mailbox.
 */
ATF_TC_WITHOUT_HEAD(rcpt_system_account);
ATF_TC_BODY(rcpt_system_account, tc)
{
	struct expand_session	*sess;
	int			 done;

	setup("eve: bob\n", "hostname \"mx.example.org\"\n"
	    "table aliases file:%s/aliases\n"
	    "action \"md\" maildir \"Maildir/\" alias <aliases>\n"
	    "action \"plain\" maildir \"Maildir/\"\n"
	    "action \"fixed\" maildir \"/srv/mail/\" user eve\n"
	    "match from any for domain \"plain.test\" action \"plain\"\n"
	    "match from any for domain \"fixed.test\" action \"fixed\"\n"
	    "match from any for local action \"md\"\n");
	sess = start(&ops_info, "eve@plain.test", 0, "198.51.100.7", &done);
	if (done == EXPAND_PENDING)
		done = answer(sess, "eve", ST_PERMFAIL, NULL);
	ATF_CHECK_EQ(expand_status(sess), ST_PERMFAIL);
	ATF_CHECK_STREQ(expand_text(sess), "550 5.1.1 <eve@plain.test>: "
	    "Recipient address rejected: eve is a system account without a "
	    "mailbox");
	ATF_CHECK_EQ(count(sess), 0);
	expand_free(sess);
	/* the alias goes first: eve's mail goes to bob */
	sess = start(&ops_info, "eve@localhost", 0, "198.51.100.7", &done);
	if (done == EXPAND_PENDING)
		done = answer(sess, "bob", ST_PERMFAIL, NULL);
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	ATF_CHECK(find(sess, DT_MAILBOX, "bob", "bob@localhost") != NULL);
	expand_free(sess);
	/* delivering as eve for someone else is the action's choice */
	sess = start(&ops_info, "bob@fixed.test", 0, "198.51.100.7", &done);
	if (done == EXPAND_PENDING)
		done = answer(sess, "bob", ST_PERMFAIL, NULL);
	ATF_CHECK_EQ_MSG(expand_status(sess), ST_OK, "%s", expand_text(sess));
	expand_free(sess);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, relay_action);
	ATF_TP_ADD_TC(tp, relay_recipients);
	ATF_TP_ADD_TC(tp, local_user);
	ATF_TP_ADD_TC(tp, unknown_user);
	ATF_TP_ADD_TC(tp, alias_chain);
	ATF_TP_ADD_TC(tp, alias_rules);
	ATF_TP_ADD_TC(tp, no_rule_local);
	ATF_TP_ADD_TC(tp, loops);
	ATF_TP_ADD_TC(tp, too_many);
	ATF_TP_ADD_TC(tp, self_and_dedup);
	ATF_TP_ADD_TC(tp, subaddress);
	ATF_TP_ADD_TC(tp, pipes_files);
	ATF_TP_ADD_TC(tp, includes);
	ATF_TP_ADD_TC(tp, include_insecure);
	ATF_TP_ADD_TC(tp, virtual);
	ATF_TP_ADD_TC(tp, forward);
	ATF_TP_ADD_TC(tp, forward_untrusted);
	ATF_TP_ADD_TC(tp, forward_only);
	ATF_TP_ADD_TC(tp, expand_only);
	ATF_TP_ADD_TC(tp, bad_requests);
	ATF_TP_ADD_TC(tp, vrfy);
	ATF_TP_ADD_TC(tp, rcpt_mailbox_check);
	ATF_TP_ADD_TC(tp, rcpt_system_account);
	return (atf_no_error());
}
