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
 * account_test.c -- which accounts get no mail of their own
 * (lka/account.c): the daemon's own, and system accounts that cannot log
 * in, with UID_MIN/UID_MAX from login.defs(5).
 */
#include <sys/types.h>

#include <atf-c.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "smtpd.h"
#include "lka.h"

static const struct account_case {
	const char	*name;
	uid_t		 uid;
	const char	*shell;
	int		 nomailbox;
} account_cases[] = {
	{ "root", 0, "/bin/bash", 0 },
	{ "root", 0, "/usr/sbin/nologin", 0 },
	{ "_cartero-lka", 104, "/usr/sbin/nologin", 1 },
	{ "_cartero-smtp", 2000, "/bin/sh", 1 },
	{ "nobody", 65534, "/usr/sbin/nologin", 1 },
	{ "daemon", 1, "/usr/sbin/nologin", 1 },
	{ "www-data", 33, "/usr/sbin/nologin", 1 },
	{ "sync", 4, "/bin/sync", 0 },
	{ "svc", 120, "/bin/false", 1 },
	{ "svc", 120, "/sbin/nologin", 1 },
	{ "svc", 120, "/bin/sh", 0 },		/* a system user who logs in */
	{ "alice", 1000, "/usr/sbin/nologin", 0 },	/* a person: mail */
	{ "alice", 1000, "/bin/bash", 0 },
	{ "big", 60000, "/bin/false", 0 },
	{ "big", 60001, "/bin/false", 1 },
};

static void
check_cases(void)
{
	struct passwd	 pw;
	size_t		 i;

	for (i = 0; i < sizeof(account_cases) / sizeof(account_cases[0]);
	    i++) {
		memset(&pw, 0, sizeof(pw));
		pw.pw_name = (char *)(uintptr_t)account_cases[i].name;
		pw.pw_uid = account_cases[i].uid;
		pw.pw_shell = (char *)(uintptr_t)account_cases[i].shell;
		ATF_CHECK_EQ_MSG(account_no_mailbox(&pw),
		    account_cases[i].nomailbox, "%s uid %u %s",
		    account_cases[i].name, (unsigned)account_cases[i].uid,
		    account_cases[i].shell);
	}
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	account_init("/nonexistent/login.defs");
	check_cases();
}

ATF_TC_WITHOUT_HEAD(login_defs);
ATF_TC_BODY(login_defs, tc)
{
	struct passwd	 pw;
	FILE		*fp;

	ATF_REQUIRE((fp = fopen("login.defs", "w")) != NULL);
	fputs("# comment\nUID_MIN\t\t\t 500\nUID_MAX bogus\n"
	    "UID_MAX\t\t 30000\nMAIL_DIR /var/mail\n", fp);
	fclose(fp);
	account_init("login.defs");
	memset(&pw, 0, sizeof(pw));
	pw.pw_name = "svc";
	pw.pw_shell = "/usr/sbin/nologin";
	pw.pw_uid = 499;
	ATF_CHECK_EQ(account_no_mailbox(&pw), 1);
	pw.pw_uid = 500;
	ATF_CHECK_EQ(account_no_mailbox(&pw), 0);
	pw.pw_uid = 30000;
	ATF_CHECK_EQ(account_no_mailbox(&pw), 0);
	pw.pw_uid = 30001;
	ATF_CHECK_EQ(account_no_mailbox(&pw), 1);
	account_init("/nonexistent/login.defs");	/* back to defaults */
	check_cases();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, login_defs);
	return (atf_no_error());
}
