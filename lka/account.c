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
 * account.c -- accounts that get no mail of their own.
 *
 * Refused at RCPT (550 5.1.1), before anything is queued, rather than
 * accepted and bounced (a delivery also made /var/mail/nobody):
 *
 *	- the daemon's own accounts, "_cartero-*";
 *	- system accounts that nobody logs into: a uid outside
 *	  [UID_MIN, UID_MAX] of /etc/login.defs (Debian: 1000 and 60000,
 *	  the defaults here too), so nobody (65534) is one, with a login
 *	  shell named "nologin" or "false" (daemon, www-data, nobody...).
 *
 * root is never one: its mail goes to /var/mail/root.  Aliases are
 * expanded first, so "nobody: root" in /etc/aliases still works; only a
 * delivery to the account's own mailbox is refused (not "|command" run
 * as nobody, nor an action's fixed "user").  Postfix and OpenSMTPD
 * deliver to such accounts; we prefer a clear refusal to mail nobody
 * reads.
 */
#include <sys/types.h>

#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "lka.h"

#define ACCOUNT_UID_MIN	1000
#define ACCOUNT_UID_MAX	60000

static uid_t	account_uid_min = ACCOUNT_UID_MIN;
static uid_t	account_uid_max = ACCOUNT_UID_MAX;

/* Read UID_MIN and UID_MAX from login.defs(5); keep the defaults else. */
void
account_init(const char *path)
{
	FILE		*fp;
	char		 line[256], key[32], val[32];
	const char	*errstr;
	long long	 v;

	account_uid_min = ACCOUNT_UID_MIN;
	account_uid_max = ACCOUNT_UID_MAX;
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%31s %31s", key, val) != 2)
			continue;
		v = strtonum(val, 0, (long long)UINT32_MAX - 1, &errstr);
		if (errstr != NULL)
			continue;
		if (strcmp(key, "UID_MIN") == 0)
			account_uid_min = (uid_t)v;
		else if (strcmp(key, "UID_MAX") == 0)
			account_uid_max = (uid_t)v;
	}
	fclose(fp);
}

/* 1 if pw gets no mail of its own (see above), else 0. */
int
account_no_mailbox(const struct passwd *pw)
{
	const char	*shell, *slash;

	if (strncmp(pw->pw_name, SMTPD_USER_PREFIX,
	    strlen(SMTPD_USER_PREFIX)) == 0)
		return (1);
	if (pw->pw_uid == 0 || (pw->pw_uid >= account_uid_min &&
	    pw->pw_uid <= account_uid_max))
		return (0);
	shell = pw->pw_shell != NULL ? pw->pw_shell : "";
	if ((slash = strrchr(shell, '/')) != NULL)
		shell = slash + 1;
	return (strcmp(shell, "nologin") == 0 || strcmp(shell, "false") == 0);
}
