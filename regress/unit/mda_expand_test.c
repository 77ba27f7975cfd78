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
 * mda_expand_test.c -- unit tests for agent/mda_expand.c
 */

#include <sys/types.h>

#include <atf-c.h>
#include <string.h>

#include "smtpd.h"
#include "mda_expand.h"

struct expand_case {
	const char	*tmpl;
	int		 for_command;
	const char	*want;		/* NULL: must fail */
};

static void	fixture(struct deliver *);
static void	run_table(const struct deliver *, const struct expand_case *,
		    size_t);
static void	set_addr(struct mailaddr *, const char *, const char *);

static void
set_addr(struct mailaddr *a, const char *user, const char *domain)
{
	strlcpy(a->user, user, sizeof(a->user));
	strlcpy(a->domain, domain, sizeof(a->domain));
}

static void
fixture(struct deliver *d)
{
	memset(d, 0, sizeof(*d));
	set_addr(&d->evp.sender, "Alice.Smith", "Example.ORG");
	set_addr(&d->evp.rcpt, "bob+lists", "example.net");
	set_addr(&d->evp.dest, "bob", "example.net");
	strlcpy(d->username, "bob", sizeof(d->username));
	strlcpy(d->home, "/home/bob", sizeof(d->home));
	d->uid = 1000;
	d->gid = 1000;
}

static void
run_table(const struct deliver *d, const struct expand_case *c, size_t n)
{
	char	 buf[1024];
	size_t	 i;
	int	 r;

	for (i = 0; i < n; i++) {
		memset(buf, 'X', sizeof(buf));
		r = mda_expand(buf, sizeof(buf), c[i].tmpl, d,
		    c[i].for_command);
		if (c[i].want == NULL) {
			ATF_CHECK_MSG(r == -1, "\"%s\" (cmd %d): expanded to "
			    "\"%s\", expected failure", c[i].tmpl,
			    c[i].for_command, buf);
			continue;
		}
		ATF_CHECK_MSG(r == 0, "\"%s\" (cmd %d): failed", c[i].tmpl,
		    c[i].for_command);
		if (r == 0)
			ATF_CHECK_MSG(strcmp(buf, c[i].want) == 0,
			    "\"%s\" (cmd %d): got \"%s\", want \"%s\"",
			    c[i].tmpl, c[i].for_command, buf, c[i].want);
	}
}

ATF_TC_WITHOUT_HEAD(variables);
ATF_TC_BODY(variables, tc)
{
	static const struct expand_case cases[] = {
		{ "%{sender}", 1, "Alice.Smith@Example.ORG" },
		{ "%{sender.user}", 1, "Alice.Smith" },
		{ "%{sender.domain}", 1, "Example.ORG" },
		{ "%{rcpt}", 1, "bob+lists@example.net" },
		{ "%{rcpt.user}", 1, "bob+lists" },
		{ "%{rcpt.domain}", 1, "example.net" },
		{ "%{dest}", 1, "bob@example.net" },
		{ "%{dest.user}", 0, "bob" },
		{ "%{dest.domain}", 0, "example.net" },
		{ "%{user.username}", 0, "bob" },
		{ "%{user.directory}", 0, "/home/bob" },
		{ "%{mbox.from}", 1, "Alice.Smith@Example.ORG" },
		{ "%{RCPT.USER}", 1, "bob+lists" },
		{ "/var/vmail/%{dest.domain}/%{dest.user}", 0,
		    "/var/vmail/example.net/bob" },
		{ "~/Maildir", 0, "/home/bob/Maildir" },
		{ "~", 0, "/home/bob" },
		{ "a~/b", 0, "a~/b" },
		{ "~bob/x", 0, "~bob/x" },
		{ "plain text", 1, "plain text" },
		{ "", 0, "" },
		{ "100%", 1, "100%" },
		{ "%%{rcpt}", 1, "%{rcpt}" },
		{ "%{rcpt}%{dest}", 1, "bob+lists@example.netbob@example.net" },
		{ "%{nope}", 1, NULL },
		{ "%{sender.nope}", 1, NULL },
		{ "%{rcpt", 1, NULL },
		{ "%{}", 1, NULL },
		{ "%{mda}", 1, NULL },
	};
	struct deliver	 d;

	fixture(&d);
	run_table(&d, cases, nitems(cases));
}

ATF_TC_WITHOUT_HEAD(modifiers);
ATF_TC_BODY(modifiers, tc)
{
	static const struct expand_case cases[] = {
		{ "%{sender:lowercase}", 1, "alice.smith@example.org" },
		{ "%{sender.domain:uppercase}", 1, "EXAMPLE.ORG" },
		{ "%{rcpt:strip}", 1, "bob@example.net" },
		{ "%{rcpt.user:strip}", 1, "bob" },
		{ "%{dest.user:strip}", 1, "bob" },
		{ "%{rcpt.user:strip|uppercase}", 1, "BOB" },
		{ "%{sender:uppercase:lowercase}", 1,
		    "alice.smith@example.org" },
		{ "%{rcpt:raw}", 0, "bob+lists@example.net" },
		{ "%{rcpt:raw}", 1, NULL },
		{ "%{rcpt:bogus}", 1, NULL },
		{ "%{rcpt:}", 1, NULL },
	};
	struct deliver	 d;

	fixture(&d);
	run_table(&d, cases, nitems(cases));
}

ATF_TC_WITHOUT_HEAD(slices);
ATF_TC_BODY(slices, tc)
{
	static const struct expand_case cases[] = {
		{ "%{rcpt.user[0]}", 1, "b" },
		{ "%{rcpt.user[1]}", 1, "o" },
		{ "%{rcpt.user[0:2]}", 1, "bob" },
		{ "%{rcpt.user[:2]}", 1, "bob" },
		{ "%{rcpt.user[4:]}", 1, "lists" },
		{ "%{rcpt.user[-5:]}", 1, "lists" },
		{ "%{rcpt.user[-1]}", 1, "s" },
		{ "%{rcpt.user[-100:1]}", 1, "bo" },
		{ "%{rcpt.user[2:100]}", 1, "b+lists" },
		{ "%{rcpt.user[0:-7]}", 1, "bob" },
		{ "%{rcpt.user[0:2]:uppercase}", 1, "BOB" },
		{ "/m/%{dest.user[0]}/%{dest.user}", 0, "/m/b/bob" },
		{ "%{rcpt.user[9]}", 1, NULL },
		{ "%{rcpt.user[3:1]}", 1, NULL },
		{ "%{rcpt.user[0:-100]}", 1, NULL },
		{ "%{rcpt.user[]}", 1, NULL },
		{ "%{rcpt.user[x]}", 1, NULL },
		{ "%{rcpt.user[1:y]}", 1, NULL },
		{ "%{rcpt.user[0]x}", 1, NULL },
		{ "%{rcpt.user]0[}", 1, NULL },
	};
	struct deliver	 d;

	fixture(&d);
	run_table(&d, cases, nitems(cases));
}

ATF_TC_WITHOUT_HEAD(empty_sender);
ATF_TC_BODY(empty_sender, tc)
{
	static const struct expand_case cases[] = {
		{ "%{sender}", 1, "" },
		{ "[%{sender.user}]", 1, "[]" },
		{ "%{mbox.from}", 1, "MAILER-DAEMON" },
		{ "%{sender[0]}", 1, "" },
	};
	struct deliver	 d;

	fixture(&d);
	set_addr(&d.evp.sender, "", "");
	run_table(&d, cases, nitems(cases));
}

/* Client-supplied values never carry shell syntax or a path. */
ATF_TC_WITHOUT_HEAD(injection);
ATF_TC_BODY(injection, tc)
{
	static const struct {
		const char	*user;
		const char	*want;
	} evil[] = {
		{ "x;rm -rf /", "x:rm:-rf::" },
		{ "$(id)", "::id:" },
		{ "`id`", ":id:" },
		{ "a'b\"c", "a:b:c" },
		{ "a|b&c>d<e", "a:b:c:d:e" },
		{ "a\nb\rc\td", "a:b:c:d" },
		{ "../../etc/passwd", "..:..:etc:passwd" },
		{ "~root", ":root" },
		{ "a\\b*c?d[e]f{g}h", "a:b:c:d:e:f:g:h" },
		{ "jos\xc3\xa9", "jos::" },
		{ "ok.user+tag=1-2_3@x", "ok.user+tag=1-2_3@x" },
	};
	struct deliver	 d;
	char		 buf[1024], want[1024];
	const char	*p;
	size_t		 i;

	fixture(&d);
	for (i = 0; i < nitems(evil); i++) {
		strlcpy(d.evp.rcpt.user, evil[i].user,
		    sizeof(d.evp.rcpt.user));
		ATF_REQUIRE(mda_expand(buf, sizeof(buf),
		    "/usr/bin/deliver %{rcpt.user}", &d, 1) == 0);
		snprintf(want, sizeof(want), "/usr/bin/deliver %s",
		    evil[i].want);
		ATF_CHECK_MSG(strcmp(buf, want) == 0, "%s -> \"%s\"",
		    evil[i].user, buf);
		for (p = buf + strlen("/usr/bin/deliver "); *p; p++)
			ATF_CHECK_MSG(strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._+=-:", *p)
			    != NULL, "%s: byte 0x%02x", evil[i].user,
			    (unsigned char)*p);
		/* in a path: no '/' from the value */
		ATF_REQUIRE(mda_expand(buf, sizeof(buf), "/var/vmail/%{rcpt}",
		    &d, 0) == 0);
		ATF_CHECK(strchr(buf + strlen("/var/vmail/"), '/') == NULL);
		/* raw is refused for commands */
		ATF_CHECK(mda_expand(buf, sizeof(buf), "x %{rcpt.user:raw}",
		    &d, 1) == -1);
	}

	/* every other variable is neutralised the same way */
	strlcpy(d.evp.sender.user, "$(id)", sizeof(d.evp.sender.user));
	strlcpy(d.evp.sender.domain, "`id`", sizeof(d.evp.sender.domain));
	strlcpy(d.evp.dest.user, "a;b", sizeof(d.evp.dest.user));
	ATF_REQUIRE(mda_expand(buf, sizeof(buf),
	    "%{sender} %{mbox.from} %{sender.user} %{sender.domain} %{dest}",
	    &d, 1) == 0);
	ATF_CHECK_STREQ(buf,
	    "::id:@:id: ::id:@:id: ::id: :id: a:b@example.net");

	/* "." and ".." are refused as path components, fine in commands */
	strlcpy(d.evp.dest.user, "..", sizeof(d.evp.dest.user));
	ATF_CHECK(mda_expand(buf, sizeof(buf), "/var/vmail/%{dest.user}",
	    &d, 0) == -1);
	ATF_CHECK(mda_expand(buf, sizeof(buf), "echo %{dest.user}", &d, 1)
	    == 0);
	strlcpy(d.evp.dest.user, ".x", sizeof(d.evp.dest.user));
	ATF_CHECK(mda_expand(buf, sizeof(buf), "/v/%{dest.user[0]}", &d, 0)
	    == -1);
	ATF_CHECK(mda_expand(buf, sizeof(buf), "/v/%{dest.user}", &d, 0)
	    == 0);
}

ATF_TC_WITHOUT_HEAD(overflow);
ATF_TC_BODY(overflow, tc)
{
	struct deliver	 d;
	char		 buf[16], big[600];

	fixture(&d);
	ATF_CHECK(mda_expand(buf, sizeof(buf), "0123456789abcde", &d, 1)
	    == 0);
	ATF_CHECK_STREQ(buf, "0123456789abcde");
	ATF_CHECK(mda_expand(buf, sizeof(buf), "0123456789abcdef", &d, 1)
	    == -1);
	ATF_CHECK(mda_expand(buf, sizeof(buf), "0123456789%{dest}", &d, 1)
	    == -1);
	ATF_CHECK(mda_expand(buf, sizeof(buf), "~/0123456789", &d, 0) == -1);
	ATF_CHECK(mda_expand(buf, 0, "", &d, 1) == -1);
	ATF_CHECK(mda_expand(buf, 1, "", &d, 1) == 0);
	/* a token longer than the token buffer */
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '%';
	big[1] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	ATF_CHECK(mda_expand(buf, sizeof(buf), big, &d, 1) == -1);
	/* no home: "~/" cannot expand */
	d.home[0] = '\0';
	ATF_CHECK(mda_expand(buf, sizeof(buf), "~/x", &d, 0) == -1);
}

struct path_case {
	int		 method;
	const char	*tmpl;
	const char	*home;
	const char	*want;		/* NULL: must fail */
};

/* Relative paths are under the home directory. */
ATF_TC_WITHOUT_HEAD(mailbox_path);
ATF_TC_BODY(mailbox_path, tc)
{
	static const struct path_case	 c[] = {
		{ A_MAILDIR, "Maildir/", "/home/bob", "/home/bob/Maildir/" },
		{ A_MAILDIR, "Maildir", "/home/bob", "/home/bob/Maildir" },
		{ A_MAILDIR, "~/Maildir", "/home/bob", "/home/bob/Maildir" },
		{ A_MAILDIR, "", "/home/bob", "/home/bob/Maildir" },
		{ A_MAILDIR, "%{dest.user}/md", "/home/bob",
		  "/home/bob/bob/md" },
		{ A_MBOX, "mail/inbox", "/home/bob", "/home/bob/mail/inbox" },
		{ A_MBOX, "", "/nonexistent", "/var/mail/bob" },
		{ A_MBOX, "/var/mail/%{user.username}", "", "/var/mail/bob" },
		{ A_MAILDIR, "/srv/%{dest.domain}/%{dest.user}", "/nonexistent",
		  "/srv/example.net/bob" },
		/* no home: nothing that needs one */
		{ A_MAILDIR, "Maildir/", "/nonexistent", NULL },
		{ A_MAILDIR, "~/Maildir", "", NULL },
		{ A_MAILDIR, "Maildir/", "/", NULL },
		{ A_MAILDIR, "/srv/%{user.directory}/md", "/nonexistent",
		  NULL },
		{ A_MAILDIR, "Maildir", "relative/home", NULL },
		/* dot-dot, from the template or the home */
		{ A_MAILDIR, "../Maildir", "/home/bob", NULL },
		{ A_MBOX, "/var/mail/../x", "/home/bob", NULL },
		{ A_MAILDIR, "Maildir", "/home/../etc", NULL },
		{ A_MAILDIR, "/x/%{nope}", "/home/bob", NULL },
		{ A_MAILDIR, "~bob/Maildir", "/home/bob", NULL },
	};
	struct deliver	 d;
	char		 buf[PATH_MAX];
	const char	*why;
	size_t		 i;
	int		 r;

	for (i = 0; i < nitems(c); i++) {
		fixture(&d);
		strlcpy(d.home, c[i].home, sizeof(d.home));
		why = NULL;
		r = mda_mailbox_path(buf, sizeof(buf), c[i].method,
		    c[i].tmpl, &d, &why);
		if (c[i].want == NULL) {
			ATF_CHECK_MSG(r == -1 && why != NULL, "\"%s\" home "
			    "\"%s\": got \"%s\"", c[i].tmpl, c[i].home,
			    r == 0 ? buf : "");
			continue;
		}
		ATF_CHECK_MSG(r == 0 && strcmp(buf, c[i].want) == 0,
		    "\"%s\" home \"%s\": got %s, want \"%s\"", c[i].tmpl,
		    c[i].home, r == 0 ? buf : why, c[i].want);
	}

	/* too long for one user only */
	fixture(&d);
	memset(d.home, 'h', 1000);
	d.home[0] = '/';
	d.home[1000] = '\0';
	ATF_CHECK(mda_mailbox_path(buf, 1005, A_MAILDIR, "Maildir/", &d,
	    &why) == -1);
}

/* The configuration's check: the template alone (deliver NULL). */
ATF_TC_WITHOUT_HEAD(mailbox_check);
ATF_TC_BODY(mailbox_check, tc)
{
	char		 buf[PATH_MAX];
	const char	*why;

	ATF_CHECK(mda_mailbox_path(buf, sizeof(buf), A_MAILDIR, "Maildir/",
	    NULL, &why) == 0);
	ATF_CHECK(mda_mailbox_path(buf, sizeof(buf), A_MAILDIR,
	    "/srv/%{rcpt.user[20:]:lowercase}", NULL, &why) == 0);
	ATF_CHECK(mda_mailbox_path(buf, sizeof(buf), A_MBOX,
	    "/var/mail/%{user.name}", NULL, &why) == -1);
	ATF_CHECK(mda_mailbox_path(buf, sizeof(buf), A_MBOX,
	    "/var/mail/%{rcpt:bogus}", NULL, &why) == -1);
	ATF_CHECK(mda_mailbox_path(buf, sizeof(buf), A_MBOX,
	    "/var/mail/%{rcpt[x]}", NULL, &why) == -1);
	ATF_CHECK(mda_mailbox_path(buf, sizeof(buf), A_MAILDIR,
	    "/srv/./%{rcpt}", NULL, &why) == -1);
	ATF_CHECK(mda_expand(buf, sizeof(buf), "/bin/x %{rcpt:raw}", NULL,
	    1) == -1);
	ATF_CHECK(mda_expand(buf, sizeof(buf), "/bin/x %{rcpt}", NULL, 1) ==
	    0);
}

/* Root's mail: an mbox, never in root's home (nothing runs as root). */
ATF_TC_WITHOUT_HEAD(root_mbox);
ATF_TC_BODY(root_mbox, tc)
{
	struct deliver	 d;
	char		 buf[PATH_MAX];

	fixture(&d);
	strlcpy(d.username, "root", sizeof(d.username));
	strlcpy(d.home, "/root", sizeof(d.home));
	ATF_CHECK(mda_root_mbox(buf, sizeof(buf), A_MBOX,
	    "/srv/mail/%{user.username}", &d) == 0);
	ATF_CHECK_STREQ(buf, "/srv/mail/root");
	ATF_CHECK(mda_root_mbox(buf, sizeof(buf), A_MBOX, "~/mbox", &d) == 0);
	ATF_CHECK_STREQ(buf, "/var/mail/root");
	ATF_CHECK(mda_root_mbox(buf, sizeof(buf), A_MAILDIR, "~/Maildir",
	    &d) == 0);
	ATF_CHECK_STREQ(buf, "/var/mail/root");
	ATF_CHECK(mda_root_mbox(buf, sizeof(buf), A_MAILDIR,
	    "/srv/%{user.username}", &d) == 0);
	ATF_CHECK_STREQ(buf, "/var/mail/root");
	ATF_CHECK(mda_root_mbox(buf, sizeof(buf), A_MDA, "/bin/procmail",
	    &d) == 0);
	ATF_CHECK_STREQ(buf, "/var/mail/root");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, variables);
	ATF_TP_ADD_TC(tp, modifiers);
	ATF_TP_ADD_TC(tp, slices);
	ATF_TP_ADD_TC(tp, empty_sender);
	ATF_TP_ADD_TC(tp, injection);
	ATF_TP_ADD_TC(tp, overflow);
	ATF_TP_ADD_TC(tp, mailbox_path);
	ATF_TP_ADD_TC(tp, mailbox_check);
	ATF_TP_ADD_TC(tp, root_mbox);
	return (atf_no_error());
}
