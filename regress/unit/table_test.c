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
 * table_test.c -- unit tests for lka/table.c, lka/table_file.c and
 * lka/alias.c: file parsing (lists, maps, aliases(5) continuations,
 * errors with file:line), lookups of every kind, built-in tables.
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
#include <unistd.h>

#include "smtpd.h"
#include "lka.h"

static struct table_db	*parse(const char *, char *, size_t);
static struct table_db	*parse_ok(const char *);
static void		 sa4(struct sockaddr_storage *, const char *);
static void		 sa6(struct sockaddr_storage *, const char *);
static void		 maddr(struct mailaddr *, const char *, const char *);
static const char	*get(const struct table_db *, const char *);

/* Parse text as the file "t.txt"; NULL on error (message in err). */
static struct table_db *
parse(const char *text, char *err, size_t errsz)
{
	struct table_db	*db;
	FILE		*fp;
	int		 r;

	fp = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	ATF_REQUIRE(fp != NULL);
	db = table_db_new("t");
	err[0] = '\0';
	r = table_file_parse(db, fp, "t.txt", err, errsz);
	fclose(fp);
	if (r == -1) {
		ATF_CHECK(err[0] != '\0');
		table_db_free(db);
		return (NULL);
	}
	return (db);
}

static struct table_db *
parse_ok(const char *text)
{
	struct table_db	*db;
	char		 err[256];

	db = parse(text, err, sizeof(err));
	if (db == NULL)
		atf_tc_fail("unexpected parse error: %s", err);
	return (db);
}

static void
sa4(struct sockaddr_storage *ss, const char *a)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	ATF_REQUIRE(inet_pton(AF_INET, a, &sin->sin_addr) == 1);
}

static void
sa6(struct sockaddr_storage *ss, const char *a)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	ATF_REQUIRE(inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1);
}

static void
maddr(struct mailaddr *ma, const char *user, const char *domain)
{
	memset(ma, 0, sizeof(*ma));
	strlcpy(ma->user, user, sizeof(ma->user));
	strlcpy(ma->domain, domain, sizeof(ma->domain));
}

static const char *
get(const struct table_db *db, const char *key)
{
	const char	*v;

	if (table_get(db, key, &v) != 1)
		return (NULL);
	return (v);
}

ATF_TC_WITHOUT_HEAD(file_list);
ATF_TC_BODY(file_list, tc)
{
	struct table_db	*db;

	db = parse_ok("# domains\n\nexample.org\n  Example.NET  \n"
	    "*.example.com\n\t# indented comment\nexample.org\n");
	ATF_CHECK(!table_db_is_map(db));
	ATF_CHECK_EQ(table_db_count(db), 3);	/* duplicate dropped */
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "example.net", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "EXAMPLE.ORG", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "example.edu", NULL), 0);
	table_db_free(db);
}

ATF_TC_WITHOUT_HEAD(file_list_forced);
ATF_TC_BODY(file_list_forced, tc)
{
	struct table_db	*db;

	db = parse_ok("# @list\nhello world\nkey: value\n");
	ATF_CHECK(!table_db_is_map(db));
	ATF_CHECK_EQ(table_db_count(db), 2);
	ATF_CHECK_STREQ(get(db, "hello world"), "hello world");
	ATF_CHECK(get(db, "key: value") != NULL);
	ATF_CHECK(get(db, "hello") == NULL);
	table_db_free(db);
}

ATF_TC_WITHOUT_HEAD(file_list_ipv6);
ATF_TC_BODY(file_list_ipv6, tc)
{
	struct table_db		*db;
	struct sockaddr_storage	 ss;

	db = parse_ok("::1\n2001:db8::/32\n192.0.2.0/24\n10.1.2.3\n");
	ATF_CHECK(!table_db_is_map(db));
	ATF_CHECK_EQ(table_db_count(db), 4);
	sa6(&ss, "2001:db8:1::5");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa6(&ss, "2001:db9::5");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	sa6(&ss, "::1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa4(&ss, "192.0.2.77");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa4(&ss, "192.0.3.1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	sa4(&ss, "10.1.2.3");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa4(&ss, "10.1.2.4");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	/* IPv4-mapped IPv6 is looked up as IPv4 */
	sa6(&ss, "::ffff:192.0.2.1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	ATF_CHECK_EQ(table_lookup(db, K_NETADDR, "192.0.2.9", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_NETADDR, "not an address", NULL), 0);
	table_db_free(db);
}

ATF_TC_WITHOUT_HEAD(file_map);
ATF_TC_BODY(file_map, tc)
{
	struct table_db	*db;

	db = parse_ok("# a map\nalpha one\nBeta:two\ngamma :  three four\n"
	    "delta:\tfive\n");
	ATF_CHECK(table_db_is_map(db));
	ATF_CHECK_EQ(table_db_count(db), 4);
	ATF_CHECK_STREQ(get(db, "alpha"), "one");
	ATF_CHECK_STREQ(get(db, "beta"), "two");	/* keys lowercased */
	ATF_CHECK_STREQ(get(db, "BETA"), "two");
	ATF_CHECK_STREQ(get(db, "gamma"), "three four");
	ATF_CHECK_STREQ(get(db, "delta"), "five");
	ATF_CHECK(get(db, "epsilon") == NULL);
	table_db_free(db);
}

ATF_TC_WITHOUT_HEAD(file_aliases);
ATF_TC_BODY(file_aliases, tc)
{
	struct table_db		*db;
	struct alias_item	 it;
	const char		*v, *cur;
	char			 item[256];
	int			 n = 0;

	db = parse_ok(
	    "# /etc/aliases\n"
	    "postmaster: root\n"
	    "staff: alice,\n"
	    "\tbob,\n"
	    "   \"|/usr/bin/filter -x, -y\"\n"
	    "\n"
	    "# comment between entries\n"
	    "archive: /var/mail/archive, :include:/etc/mail/list\n"
	    "root: \\root, ops@example.org\n");
	ATF_REQUIRE((v = get(db, "staff")) != NULL);
	cur = v;
	while (alias_next(&cur, item, sizeof(item)) == 1) {
		ATF_REQUIRE(alias_parse(&it, item) == 0);
		switch (n++) {
		case 0:
			ATF_CHECK_EQ(it.type, ALIAS_USERNAME);
			ATF_CHECK_STREQ(it.value, "alice");
			break;
		case 1:
			ATF_CHECK_EQ(it.type, ALIAS_USERNAME);
			ATF_CHECK_STREQ(it.value, "bob");
			break;
		case 2:
			ATF_CHECK_EQ(it.type, ALIAS_PIPE);
			ATF_CHECK_STREQ(it.value, "/usr/bin/filter -x, -y");
			break;
		}
	}
	ATF_CHECK_EQ(n, 3);
	ATF_REQUIRE((v = get(db, "archive")) != NULL);
	cur = v;
	ATF_REQUIRE(alias_next(&cur, item, sizeof(item)) == 1);
	ATF_REQUIRE(alias_parse(&it, item) == 0);
	ATF_CHECK_EQ(it.type, ALIAS_FILE);
	ATF_CHECK_STREQ(it.value, "/var/mail/archive");
	ATF_REQUIRE(alias_next(&cur, item, sizeof(item)) == 1);
	ATF_REQUIRE(alias_parse(&it, item) == 0);
	ATF_CHECK_EQ(it.type, ALIAS_INCLUDE);
	ATF_CHECK_STREQ(it.value, "/etc/mail/list");
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), 0);
	ATF_REQUIRE((v = get(db, "root")) != NULL);
	cur = v;
	ATF_REQUIRE(alias_next(&cur, item, sizeof(item)) == 1);
	ATF_REQUIRE(alias_parse(&it, item) == 0);
	ATF_CHECK_EQ(it.type, ALIAS_USERNAME);
	ATF_CHECK(it.escaped);
	ATF_REQUIRE(alias_next(&cur, item, sizeof(item)) == 1);
	ATF_REQUIRE(alias_parse(&it, item) == 0);
	ATF_CHECK_EQ(it.type, ALIAS_ADDRESS);
	ATF_CHECK_STREQ(it.addr.user, "ops");
	ATF_CHECK_STREQ(it.addr.domain, "example.org");
	table_db_free(db);
}

/* Case table: bad files and the file:line of the message. */
ATF_TC_WITHOUT_HEAD(file_errors);
ATF_TC_BODY(file_errors, tc)
{
	static const struct {
		const char	*text;
		size_t		 len;		/* 0: strlen */
		const char	*err;
	} cases[] = {
		{ "a b\nc\n", 0, "t.txt:2: list entry in a map table" },
		{ "a\nb c\n", 0, "t.txt:2: map entry in a list table" },
		{ "a: x\n\nb:\n", 0, "t.txt:3: missing value" },
		{ "a: x\nb: y\nA: z\n", 0, "t.txt:3: duplicate key \"a\" "
		    "(first on line 1)" },
		{ "a\n# @list\n", 0, "t.txt:2: \"# @list\" after the first "
		    "entry" },
		{ ": x\n", 0, "t.txt:1: empty key" },
		{ "ok\nbad\0line\n", sizeof("ok\nbad\0line\n") - 1,
		    "t.txt:2: NUL byte" },
	};
	struct table_db	*db;
	char		 err[256];
	size_t		 i, len;
	FILE		*fp;

	for (i = 0; i < nitems(cases); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		fp = fmemopen((void *)(uintptr_t)cases[i].text, len, "r");
		ATF_REQUIRE(fp != NULL);
		db = table_db_new("t");
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(table_file_parse(db, fp, "t.txt", err,
		    sizeof(err)), -1, "case %zu", i);
		ATF_CHECK_STREQ_MSG(err, cases[i].err, "case %zu", i);
		table_db_free(db);
		fclose(fp);
	}
}

ATF_TC_WITHOUT_HEAD(file_load);
ATF_TC_BODY(file_load, tc)
{
	struct table_db	*db;
	char		 err[256];
	FILE		*fp;

	ATF_REQUIRE((fp = fopen("aliases", "w")) != NULL);
	fputs("root: bob\nbad\n", fp);
	fclose(fp);
	ATF_CHECK(table_file_load("a", "aliases", err, sizeof(err)) == NULL);
	ATF_CHECK_STREQ(err, "aliases:2: list entry in a map table");
	ATF_CHECK(table_file_load("a", "missing", err, sizeof(err)) == NULL);
	ATF_CHECK(strncmp(err, "missing:0: ", 11) == 0);
	ATF_REQUIRE((fp = fopen("aliases", "w")) != NULL);
	fputs("root: bob\n", fp);
	fclose(fp);
	db = table_file_load("a", "aliases", err, sizeof(err));
	ATF_REQUIRE(db != NULL);
	ATF_CHECK_STREQ(get(db, "root"), "bob");
	/* we run as root in the tests: root-owned means nobody */
	if (getuid() == 0)
		ATF_CHECK_STREQ(table_db_owner(db), SMTPD_USER_NOBODY);
	table_db_free(db);
}

ATF_TC_WITHOUT_HEAD(lookup_domain);
ATF_TC_BODY(lookup_domain, tc)
{
	struct table_db	*db;

	db = parse_ok("example.org\n*.example.net\n");
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "Example.Org", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "www.example.org", NULL), 0);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "a.example.net", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "a.b.EXAMPLE.net", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "example.net", NULL), 0);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "badexample.net", NULL), 0);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "", NULL), 0);
	table_db_free(db);

	ATF_CHECK(table_literal_domain("example.org", "EXAMPLE.org"));
	ATF_CHECK(!table_literal_domain("example.org", "a.example.org"));
	ATF_CHECK(table_literal_domain("*.example.org", "a.example.org"));
	ATF_CHECK(!table_literal_domain("*.example.org", "example.org"));
	ATF_CHECK(!table_literal_domain("*.example.org", "xexample.org"));
	ATF_CHECK(!table_literal_domain("example.org", ""));
}

ATF_TC_WITHOUT_HEAD(lookup_netaddr);
ATF_TC_BODY(lookup_netaddr, tc)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	struct table_db		*db;

	db = parse_ok("10.0.0.0/8\n172.16.0.0/12\n0.0.0.0/0\n");
	sa4(&ss, "8.8.8.8");	/* /0 matches everything v4 */
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa6(&ss, "2001:db8::1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	table_db_free(db);

	db = parse_ok("172.16.0.0/12\nfe80::/10\n");
	sa4(&ss, "172.31.255.255");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa4(&ss, "172.32.0.0");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	sa6(&ss, "febf::1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa6(&ss, "fec0::1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	memset(&ss, 0, sizeof(ss));
	sun->sun_family = AF_UNIX;	/* only <localhost> has the socket */
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	table_db_free(db);

	sa4(&ss, "192.0.2.200");
	ATF_CHECK(table_literal_netaddr("192.0.2.128/25",
	    (struct sockaddr *)&ss));
	ATF_CHECK(!table_literal_netaddr("192.0.2.0/25",
	    (struct sockaddr *)&ss));
	ATF_CHECK(table_literal_netaddr("192.0.2.200",
	    (struct sockaddr *)&ss));
	ATF_CHECK(!table_literal_netaddr("192.0.2.0/33",
	    (struct sockaddr *)&ss));
	ATF_CHECK(!table_literal_netaddr("::/0", (struct sockaddr *)&ss));
	sa6(&ss, "2001:db8::42");
	ATF_CHECK(table_literal_netaddr("2001:db8::/32",
	    (struct sockaddr *)&ss));
	ATF_CHECK(!table_literal_netaddr("2001:db9::/32",
	    (struct sockaddr *)&ss));
}

ATF_TC_WITHOUT_HEAD(lookup_mailaddr);
ATF_TC_BODY(lookup_mailaddr, tc)
{
	struct table_db	*db;
	struct mailaddr	 ma;

	db = parse_ok("# @list\nbob@example.org\n@example.net\nroot\n");
	maddr(&ma, "Bob", "Example.org");
	ATF_CHECK_EQ(table_match_mailaddr(db, &ma), 1);
	maddr(&ma, "alice", "example.org");
	ATF_CHECK_EQ(table_match_mailaddr(db, &ma), 0);
	maddr(&ma, "anyone", "example.net");
	ATF_CHECK_EQ(table_match_mailaddr(db, &ma), 1);
	maddr(&ma, "root", "elsewhere.org");
	ATF_CHECK_EQ(table_match_mailaddr(db, &ma), 1);
	maddr(&ma, "root", "");
	ATF_CHECK_EQ(table_match_mailaddr(db, &ma), 1);
	maddr(&ma, "", "");
	ATF_CHECK_EQ(table_match_mailaddr(db, &ma), 0);
	ATF_CHECK_EQ(table_lookup(db, K_MAILADDR, "x@example.net", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_MAILADDR, "x@example.com", NULL), 0);
	table_db_free(db);

	maddr(&ma, "Bob", "example.org");
	ATF_CHECK(table_literal_mailaddr("bob@example.org", &ma));
	ATF_CHECK(table_literal_mailaddr("@EXAMPLE.org", &ma));
	ATF_CHECK(table_literal_mailaddr("bob", &ma));
	ATF_CHECK(!table_literal_mailaddr("bo@example.org", &ma));
	ATF_CHECK(!table_literal_mailaddr("bob@example.net", &ma));
	ATF_CHECK(!table_literal_mailaddr("@example.net", &ma));
}

ATF_TC_WITHOUT_HEAD(alias_items);
ATF_TC_BODY(alias_items, tc)
{
	static const struct {
		const char	*item;
		int		 ok;
		enum alias_type	 type;
		const char	*value;
	} cases[] = {
		{ "Bob", 1, ALIAS_USERNAME, "bob" },
		{ "\\bob", 1, ALIAS_USERNAME, "bob" },
		{ "\"|cat > /dev/null\"", 1, ALIAS_PIPE, "cat > /dev/null" },
		{ "| cmd", 1, ALIAS_PIPE, "cmd" },
		{ "/var/log/mail", 1, ALIAS_FILE, "/var/log/mail" },
		{ ":INCLUDE: /etc/list", 1, ALIAS_INCLUDE, "/etc/list" },
		{ ":include:relative", 0, 0, NULL },
		{ "|", 0, 0, NULL },
		{ "a@b@", 0, 0, NULL },
		{ "user@-bad-.org", 0, 0, NULL },
		{ "two words", 0, 0, NULL },
		{ "ctl\001char", 0, 0, NULL },
		{ "\\bob@example.org", 0, 0, NULL },
		{ "<ops@Example.ORG>", 1, ALIAS_ADDRESS, NULL },
	};
	struct alias_item	 it;
	size_t			 i;

	for (i = 0; i < nitems(cases); i++) {
		ATF_CHECK_EQ_MSG(alias_parse(&it, cases[i].item) == 0,
		    cases[i].ok, "case %zu", i);
		if (!cases[i].ok)
			continue;
		ATF_CHECK_EQ_MSG(it.type, cases[i].type, "case %zu", i);
		if (cases[i].value != NULL)
			ATF_CHECK_STREQ_MSG(it.value, cases[i].value,
			    "case %zu", i);
	}
	ATF_REQUIRE(alias_parse(&it, "<ops@Example.ORG>") == 0);
	ATF_CHECK_STREQ(it.addr.user, "ops");
	ATF_CHECK_STREQ(it.addr.domain, "example.org");
}

ATF_TC_WITHOUT_HEAD(alias_lists);
ATF_TC_BODY(alias_lists, tc)
{
	const char	*cur;
	char		 item[16];

	cur = " a ,, b,\"c, d\" ,";
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), 1);
	ATF_CHECK_STREQ(item, "a");
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), 1);
	ATF_CHECK_STREQ(item, "b");
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), 1);
	ATF_CHECK_STREQ(item, "\"c, d\"");
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), 0);
	cur = "a, \"unbalanced";
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), 1);
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), -1);
	cur = "waytoolongforthebuffer";
	ATF_CHECK_EQ(alias_next(&cur, item, sizeof(item)), -1);
}

ATF_TC_WITHOUT_HEAD(builtins);
ATF_TC_BODY(builtins, tc)
{
	struct smtpd_config	 conf;
	struct table		 st;
	struct table_set	*set;
	struct table_db		*db;
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	char			*keys[] = { "k1", "k2" }, *vals[] = { "v1", "v2" };
	char			 err[256];

	memset(&conf, 0, sizeof(conf));
	strlcpy(conf.hostname, "mx.example.org", sizeof(conf.hostname));
	TAILQ_INIT(&conf.tables);
	memset(&st, 0, sizeof(st));
	strlcpy(st.name, "static", sizeof(st.name));
	st.backend = TABLE_STATIC;
	st.is_map = 1;
	st.keys = keys;
	st.values = vals;
	st.count = 2;
	TAILQ_INSERT_TAIL(&conf.tables, &st, entry);
	set = table_set_new();
	ATF_REQUIRE_MSG(table_set_load(set, &conf, err, sizeof(err)) == 0,
	    "%s", err);

	ATF_REQUIRE((db = table_set_find(set, "static")) != NULL);
	ATF_CHECK_STREQ(get(db, "k2"), "v2");

	ATF_REQUIRE((db = table_set_find(set, TABLE_LOCALHOST)) != NULL);
	sa4(&ss, "127.1.2.3");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	sa4(&ss, "128.0.0.1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 0);
	sa6(&ss, "::1");
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);
	memset(&ss, 0, sizeof(ss));
	sun->sun_family = AF_UNIX;
	ATF_CHECK_EQ(table_match_netaddr(db, (struct sockaddr *)&ss), 1);

	ATF_REQUIRE((db = table_set_find(set, TABLE_LOCALNAMES)) != NULL);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "MX.example.org", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "localhost", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "[127.0.0.1]", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_DOMAIN, "example.org", NULL), 0);

	ATF_REQUIRE((db = table_set_find(set, TABLE_GETPWNAM)) != NULL);
	ATF_CHECK_EQ(table_lookup(db, K_USERINFO, "root", NULL), 1);
	ATF_CHECK_EQ(table_lookup(db, K_USERINFO, "no-such-user-xyzzy",
	    NULL), 0);
	table_set_free(set);
}

/* A broken file table makes the whole load fail with file:line. */
ATF_TC_WITHOUT_HEAD(set_load_error);
ATF_TC_BODY(set_load_error, tc)
{
	struct smtpd_config	 conf;
	struct table		 ft;
	struct table_set	*set;
	char			 err[256], path[PATH_MAX];
	FILE			*fp;

	ATF_REQUIRE(getcwd(path, sizeof(path)) != NULL);
	strlcat(path, "/broken", sizeof(path));
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	fputs("a: b\nc: d\nc: e\n", fp);
	fclose(fp);
	memset(&conf, 0, sizeof(conf));
	TAILQ_INIT(&conf.tables);
	memset(&ft, 0, sizeof(ft));
	strlcpy(ft.name, "broken", sizeof(ft.name));
	ft.backend = TABLE_FILE;
	strlcpy(ft.path, path, sizeof(ft.path));
	TAILQ_INSERT_TAIL(&conf.tables, &ft, entry);
	set = table_set_new();
	ATF_CHECK_EQ(table_set_load(set, &conf, err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "/broken:3: duplicate key \"c\"") != NULL);
	table_set_free(set);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, file_list);
	ATF_TP_ADD_TC(tp, file_list_forced);
	ATF_TP_ADD_TC(tp, file_list_ipv6);
	ATF_TP_ADD_TC(tp, file_map);
	ATF_TP_ADD_TC(tp, file_aliases);
	ATF_TP_ADD_TC(tp, file_errors);
	ATF_TP_ADD_TC(tp, file_load);
	ATF_TP_ADD_TC(tp, lookup_domain);
	ATF_TP_ADD_TC(tp, lookup_netaddr);
	ATF_TP_ADD_TC(tp, lookup_mailaddr);
	ATF_TP_ADD_TC(tp, alias_items);
	ATF_TP_ADD_TC(tp, alias_lists);
	ATF_TP_ADD_TC(tp, builtins);
	ATF_TP_ADD_TC(tp, set_load_error);
	return (atf_no_error());
}
