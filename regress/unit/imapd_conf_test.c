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
 * imapd_conf_test.c -- imapd.conf(5): what the grammar accepts (and the
 * configuration it builds, printed back by imapd_config_text() and parsed
 * again), what it refuses, with "file:line: message" on stderr.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imapd.h"

static char	errbuf[8192];

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	ATF_REQUIRE((f = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, f) >= 0);
	ATF_REQUIRE(fclose(f) == 0);
}

/* Parse text as "t.conf"; what went to stderr lands in errbuf. */
static struct imapd_config *
parse(const char *text)
{
	struct imapd_config	*cfg;
	ssize_t			 n;
	int			 fd, saved;

	write_file("t.conf", text);
	ATF_REQUIRE((fd = open("err.txt", O_RDWR | O_CREAT | O_TRUNC,
	    0600)) != -1);
	fflush(stderr);
	ATF_REQUIRE((saved = dup(2)) != -1);
	ATF_REQUIRE(dup2(fd, 2) != -1);
	cfg = imapd_parse_config("t.conf", 0);
	fflush(stderr);
	ATF_REQUIRE(dup2(saved, 2) != -1);
	close(saved);
	ATF_REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	n = read(fd, errbuf, sizeof(errbuf) - 1);
	ATF_REQUIRE(n >= 0);
	errbuf[n] = '\0';
	close(fd);
	return (cfg);
}

static void
refused(const char *text, const char *want)
{
	struct imapd_config	*cfg;

	cfg = parse(text);
	ATF_CHECK_MSG(cfg == NULL, "accepted: %s", text);
	ATF_CHECK_MSG(strstr(errbuf, want) != NULL,
	    "config:\n%s\nwant \"%s\" in:\n%s", text, want, errbuf);
	imapd_config_free(cfg);
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	struct imapd_config	*cfg;

	cfg = parse("listen on 127.0.0.1\n");
	ATF_REQUIRE_MSG(cfg != NULL, "%s", errbuf);
	ATF_CHECK_STREQ(errbuf, "");
	ATF_CHECK_STREQ(cfg->maildir, "~/Maildir");
	ATF_CHECK_EQ(cfg->idle_timeout, 30 * 60);
	ATF_CHECK_EQ(cfg->append_size, 50 * 1024 * 1024);
	ATF_CHECK_EQ(cfg->quota, 0);
	ATF_CHECK_EQ(cfg->login_plain, LOGIN_PLAIN_LOOPBACK);
	ATF_CHECK_STREQ(cfg->auth, "");
	ATF_CHECK(cfg->hostname[0] != '\0');
	ATF_REQUIRE(TAILQ_FIRST(&cfg->listeners) != NULL);
	ATF_CHECK_EQ(TAILQ_FIRST(&cfg->listeners)->port, 143);
	ATF_CHECK_EQ(TAILQ_FIRST(&cfg->listeners)->flags, 0);
	imapd_config_free(cfg);
}

static const char full[] =
    "# a full configuration\n"
    "dir = \"/tmp\"\n"
    "pki mail cert \"/etc/ssl/mail.crt\" key \"/etc/ssl/mail.key\"\n"
    "pki other cert \"/c.pem\"\n"
    "pki other key \"/k.pem\"\n"
    "table creds file:/etc/passwd\n"
    "table users \"file:TABLE\"\n"
    "listen on lo tls pki mail\n"
    "listen on 127.0.0.1 port 993 imaps pki other\n"
    "listen on ::1 port 1143 tls-require pki mail\n"
    "auth <creds>\n"
    "userbase <users> user vmail maildir \"/var/vmail/%{user}\"\n"
    "limit connections per-user 20 per-address 10\n"
    "limit idle-timeout 45m append-size 10M\n"
    "quota 1G\n"
    "hostname Mail.Example.ORG\n"
    "login plaintext deny\n";

ATF_TC_WITHOUT_HEAD(full);
ATF_TC_BODY(full, tc)
{
	struct imapd_config	*cfg, *again;
	struct imapd_listener	*l;
	char			 text[sizeof(full) + 64], *out, *out2;
	size_t			 len;
	char			*p;

	write_file("users", "alice x\n");
	/* the table path: an absolute one in the work directory */
	ATF_REQUIRE(getcwd(text, sizeof(text)) != NULL);
	ATF_REQUIRE(strlcat(text, "/users", sizeof(text)) < sizeof(text));
	p = malloc(sizeof(full) + strlen(text));
	ATF_REQUIRE(p != NULL);
	{
		const char	*at = strstr(full, "TABLE");

		ATF_REQUIRE(at != NULL);
		(void)snprintf(p, sizeof(full) + strlen(text), "%.*s%s%s",
		    (int)(at - full), full, text, at + 5);
	}
	cfg = parse(p);
	free(p);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", errbuf);
	ATF_CHECK_STREQ(cfg->hostname, "mail.example.org");
	ATF_CHECK_STREQ(cfg->auth, "creds");
	ATF_CHECK_STREQ(cfg->userbase, "users");
	ATF_CHECK_STREQ(cfg->vuser, "vmail");
	ATF_CHECK_STREQ(cfg->vmaildir, "/var/vmail/%{user}");
	ATF_CHECK_EQ(cfg->max_conn_user, 20);
	ATF_CHECK_EQ(cfg->max_conn_addr, 10);
	ATF_CHECK_EQ(cfg->idle_timeout, 45 * 60);
	ATF_CHECK_EQ(cfg->append_size, 10 * 1024 * 1024);
	ATF_CHECK_EQ(cfg->quota, 1024ULL * 1024 * 1024);
	ATF_CHECK_EQ(cfg->login_plain, LOGIN_PLAIN_DENY);
	ATF_CHECK_STREQ(imapd_pki_find(cfg, "other")->key, "/k.pem");
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_CHECK_STREQ(l->on, "lo");
	ATF_CHECK_EQ(l->port, 143);
	ATF_CHECK_EQ(l->flags, IL_TLS);
	l = TAILQ_NEXT(l, entry);
	ATF_CHECK_EQ(l->port, 993);
	ATF_CHECK_EQ(l->flags, IL_IMAPS);
	ATF_CHECK_STREQ(l->pki, "other");
	l = TAILQ_NEXT(l, entry);
	ATF_CHECK_STREQ(l->on, "::1");
	ATF_CHECK_EQ(l->flags, IL_TLS | IL_TLS_REQUIRE);

	/* printed back, it parses to the same text */
	out = imapd_config_text(cfg, &len);
	ATF_CHECK_EQ(strlen(out), len);
	again = imapd_parse_buffer(out, len);
	ATF_REQUIRE_MSG(again != NULL, "%s", out);
	out2 = imapd_config_text(again, NULL);
	ATF_CHECK_STREQ(out, out2);
	ATF_CHECK(strstr(out, "limit idle-timeout 45m\n") != NULL);
	ATF_CHECK(strstr(out, "quota 1G\n") != NULL);
	free(out);
	free(out2);
	imapd_config_free(again);
	imapd_config_free(cfg);
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	refused("listen on 127.0.0.1\nfrobnicate\n",
	    "t.conf:2: syntax error: unknown directive \"frobnicate\"");
	refused("\n\nlisten on 127.0.0.1 port 70000\n",
	    "t.conf:3: invalid port \"70000\"");
	refused("listen on lo tls\n", "t.conf:1: listen on lo: \"tls\" "
	    "needs \"pki NAME\"");
	refused("listen on lo imaps pki nope\n",
	    "t.conf:1: listen on lo: pki \"nope\" is not defined");
	refused("listen on lo tls tls-require pki x\n",
	    "t.conf:1: \"tls-require\": only one of");
	refused("pki x cert \"rel.crt\" key \"/k\"\n",
	    "t.conf:1: pki \"x\": cert file \"rel.crt\" must be an absolute "
	    "path");
	refused("pki x cert \"/c\"\n", "t.conf:1: pki \"x\": no key");
	refused("table t file:/nonexistent/x\n",
	    "t.conf:1: table \"t\": cannot open \"/nonexistent/x\"");
	refused("table t ldap:foo\n", "unsupported backend \"ldap\"");
	refused("table t file:/etc/passwd\ntable t file:/etc/passwd\n",
	    "t.conf:2: table \"t\" is already defined at line 1");
	refused("auth <nope>\n", "t.conf:1: auth: table \"nope\" is not "
	    "defined");
	refused("maildir \"Maildir\"\n", "t.conf:1: maildir \"Maildir\": "
	    "expected an absolute path");
	refused("maildir \"~/../x\"\n", "\"..\" is not allowed");
	refused("maildir \"~/M\"\nmaildir \"~/N\"\n",
	    "t.conf:2: \"maildir\" given twice (first at line 1)");
	refused("table u file:/etc/passwd\nauth <u>\n"
	    "userbase <u> user vmail maildir \"/var/vmail\"\n",
	    "t.conf:3: userbase: maildir \"/var/vmail\" must contain "
	    "%{user}");
	refused("table u file:/etc/passwd\n"
	    "userbase <u> user vmail maildir \"/v/%{user}\"\n",
	    "t.conf:2: userbase needs \"auth <table>\"");
	refused("table u file:/etc/passwd\nauth <u>\n"
	    "userbase <u> user root maildir \"/v/%{user}\"\n",
	    "t.conf:3: userbase: the mailboxes may not belong to root");
	refused("limit connections per-user 0\n",
	    "t.conf:1: invalid value \"0\" for \"per-user\"");
	refused("limit idle-timeout 10s\n",
	    "t.conf:1: idle-timeout 10s is too short");
	refused("limit idle-timeout soon\n",
	    "t.conf:1: invalid duration \"soon\"");
	refused("limit append-size 5Q\n", "t.conf:1: invalid size \"5Q\"");
	refused("quota 1G\nquota 2G\n", "t.conf:2: \"quota\" given twice");
	refused("login plaintext sometimes\n", "t.conf:1: syntax error");
	refused("hostname \"bad host\"\n",
	    "t.conf:1: invalid hostname \"bad host\"");
	refused("listen on lo\nlisten on lo port 143\n",
	    "t.conf:2: listen on lo port 143: already given at line 1");
	refused("listen on $nope\n", "t.conf:1: unknown macro \"nope\"");
	refused("include \"/nonexistent.conf\"\n", "nonexistent.conf");
	/* every error is reported, not only the first */
	refused("quota x\nlimit connections per-address y\n",
	    "t.conf:2: invalid value \"y\"");
}

/* -D name=value macros and include */
ATF_TC_WITHOUT_HEAD(macros);
ATF_TC_BODY(macros, tc)
{
	struct imapd_config	*cfg;

	write_file("inc.conf", "limit connections per-address $n\n");
	ATF_REQUIRE(imapd_symset("port=2143") == 0);
	ATF_CHECK(imapd_symset("bad name=1") == -1);
	cfg = parse("n = \"7\"\nlisten on lo port $port\n"
	    "include \"inc.conf\"\n");
	ATF_REQUIRE_MSG(cfg != NULL, "%s", errbuf);
	ATF_CHECK_EQ(TAILQ_FIRST(&cfg->listeners)->port, 2143);
	ATF_CHECK_EQ(cfg->max_conn_addr, 7);
	imapd_config_free(cfg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, full);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, macros);
	return (atf_no_error());
}
