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
 * auth.c -- who may log in, and whose mailbox that is; in the parent,
 * which alone may read /etc/shadow and the credentials table.
 *
 * With "auth <table>" the table is smtpd's credentials table: a file:
 * table of "user:hash" or "user hash" lines ("# comment" lines), the
 * hashes made by "smtpctl encrypt" and checked by common/pwcheck.c (the
 * same cache as smtpd's AUTH).  Without it, system users: the passwd and
 * shadow entries, as smtpd's AUTH checks them; root never logs in.
 *
 * The mailbox: with "userbase <table> user OWNER maildir PATH", a user
 * must be a key of that table; its mailbox is PATH with %{user} replaced,
 * owned by OWNER.  Otherwise it is the system user's, "~/" meaning its
 * home.  A user name that could climb out of a directory ("/", a leading
 * ".") never gets this far.
 *
 * SECURITY: the password is never logged and never stored here; the
 * caller wipes its copy.  An unknown user costs the time of a real check
 * (pwcheck_dummy()), so that timing does not tell which users exist.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pwcheck.h"
#include "util.h"
#include "imapd.h"

#define TABLE_LINE_MAX	4096

static struct pwcheck_cache	*auth_cache;

static int	 table_lookup(const struct imapd_table *, const char *,
		    char *, size_t);
static int	 valid_user(const char *);

/*
 * The value of key in a file: table: 1 (found, in val), 0 (not there) or
 * -1 (cannot read it, logged).
 */
static int
table_lookup(const struct imapd_table *t, const char *key, char *val,
    size_t valsize)
{
	FILE	*f;
	char	 line[TABLE_LINE_MAX], *p, *k, *v, *end;
	size_t	 klen = strlen(key);
	int	 found = 0;

	if ((f = fopen(t->path, "re")) == NULL) {
		log_warn("table \"%s\": %s", t->name, t->path);
		return (-1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((end = strchr(line, '\n')) != NULL)
			*end = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '#' || *p == '\0')
			continue;
		k = p;
		while (*p != '\0' && *p != ':' && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - k) != klen || strncmp(k, key, klen) != 0)
			continue;
		if (*p == ':')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
		v = p;
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\r'))
			*--end = '\0';
		if (strlcpy(val, v, valsize) < valsize)
			found = 1;
		break;
	}
	explicit_bzero(line, sizeof(line));
	(void)fclose(f);
	return (found);
}

/* A name that is safe in a path and in the logs. */
static int
valid_user(const char *user)
{
	const unsigned char	*p;

	if (user[0] == '\0' || user[0] == '.' || user[0] == '-' ||
	    strlen(user) > LOGIN_USER_MAX)
		return (0);
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (!isalnum(*p) && strchr("._-+@", *p) == NULL)
			return (0);
	return (1);
}

/* Is user a user of this configuration (for the userbase table)? */
int
auth_user_exists(const struct imapd_config *cfg, const char *user)
{
	const struct imapd_table	*t;
	char				 val[PWCHECK_HASH_MAX];

	if (!valid_user(user))
		return (0);
	if (cfg->userbase[0] == '\0')
		return (getpwnam(user) != NULL);
	if ((t = imapd_table_find(cfg, cfg->userbase)) == NULL)
		return (0);
	return (table_lookup(t, user, val, sizeof(val)) == 1);
}

/*
 * Check user's password: AUTH_OK (canon: the user name to use),
 * AUTH_FAIL or AUTH_TEMPFAIL, *reason for the log.
 */
int
auth_check(const struct imapd_config *cfg, const char *user,
    const char *pass, char *canon, size_t canonsize, const char **reason)
{
	const struct imapd_table	*t;
	struct passwd			*pw;
	struct spwd			*sp;
	char				 hash[PWCHECK_HASH_MAX];
	const char			*h = NULL;
	long				 today;
	int				 r;

	*reason = "";
	if (auth_cache == NULL &&
	    (auth_cache = pwcheck_cache_new(0, 0)) == NULL) {
		*reason = "no memory";
		return (AUTH_TEMPFAIL);
	}
	if (!valid_user(user)) {
		pwcheck_dummy(pass);
		*reason = "invalid user name";
		return (AUTH_FAIL);
	}
	if (cfg->auth[0] != '\0') {
		if ((t = imapd_table_find(cfg, cfg->auth)) == NULL) {
			*reason = "no credentials table";
			return (AUTH_TEMPFAIL);
		}
		if ((r = table_lookup(t, user, hash, sizeof(hash))) == -1) {
			*reason = "cannot read the credentials table";
			return (AUTH_TEMPFAIL);
		}
		if (r == 1)
			h = hash;
	} else {
		errno = 0;
		if ((pw = getpwnam(user)) == NULL && errno != 0 &&
		    errno != ENOENT) {
			*reason = "user database unavailable";
			return (AUTH_TEMPFAIL);
		}
		if (pw != NULL && pw->pw_uid == 0) {
			pwcheck_dummy(pass);
			*reason = "root may not log in";
			return (AUTH_FAIL);
		}
		if (pw != NULL) {
			h = pw->pw_passwd;
			if ((sp = getspnam(user)) != NULL) {
				today = (long)(time(NULL) / (24 * 3600));
				if (sp->sp_expire > 0 &&
				    today >= sp->sp_expire) {
					endspent();
					*reason = "account expired";
					return (AUTH_FAIL);
				}
				if (strlcpy(hash, sp->sp_pwdp, sizeof(hash)) <
				    sizeof(hash))
					h = hash;
			}
			endspent();
		}
	}
	if (h == NULL) {
		pwcheck_dummy(pass);
		*reason = "unknown user";
		return (AUTH_FAIL);
	}
	r = pwcheck_verify(auth_cache, user, pass, h,
	    (time_t)(monotonic_ms() / 1000));
	explicit_bzero(hash, sizeof(hash));
	switch (r) {
	case PWCHECK_OK:
		break;
	case PWCHECK_ERROR:
		*reason = "password check failed";
		return (AUTH_TEMPFAIL);
	case PWCHECK_BADHASH:
		*reason = "unusable password hash";
		return (AUTH_FAIL);
	default:
		*reason = "wrong password";
		return (AUTH_FAIL);
	}
	if (cfg->userbase[0] != '\0' && !auth_user_exists(cfg, user)) {
		*reason = "not in the userbase";
		return (AUTH_FAIL);
	}
	if (strlcpy(canon, user, canonsize) >= canonsize) {
		*reason = "user name too long";
		return (AUTH_FAIL);
	}
	return (AUTH_OK);
}

/* dst: src with "%{user}" replaced by user; 0 or -1 (too long). */
static int
expand_user(char *dst, size_t size, const char *src, const char *user)
{
	const char	*at;
	size_t		 len = 0;
	int		 n;

	dst[0] = '\0';
	while ((at = strstr(src, "%{user}")) != NULL) {
		n = snprintf(dst + len, size - len, "%.*s%s", (int)(at - src),
		    src, user);
		if (n < 0 || (size_t)n >= size - len)
			return (-1);
		len += (size_t)n;
		src = at + 7;
	}
	if (strlcat(dst, src, size) >= size)
		return (-1);
	return (0);
}

int
auth_mailbox(const struct imapd_config *cfg, const char *user,
    struct mailbox_owner *mo, const char **why)
{
	struct passwd	*pw;
	char		 path[PATH_MAX];
	const char	*owner;
	int		 n;

	memset(mo, 0, sizeof(*mo));
	if (!valid_user(user)) {
		*why = "invalid user name";
		return (-1);
	}
	owner = cfg->userbase[0] != '\0' ? cfg->vuser : user;
	if ((pw = getpwnam(owner)) == NULL) {
		*why = "no such system user";
		return (-1);
	}
	if (pw->pw_uid == 0) {
		*why = "the mailbox would belong to root";
		return (-1);
	}
	mo->uid = pw->pw_uid;
	mo->gid = pw->pw_gid;
	if (strlcpy(mo->owner, owner, sizeof(mo->owner)) >=
	    sizeof(mo->owner)) {
		*why = "owner name too long";
		return (-1);
	}
	if (cfg->userbase[0] != '\0') {
		if (expand_user(mo->maildir, sizeof(mo->maildir),
		    cfg->vmaildir, user) == -1) {
			*why = "maildir path too long";
			return (-1);
		}
		return (0);
	}
	if (expand_user(path, sizeof(path), cfg->maildir, user) == -1) {
		*why = "maildir path too long";
		return (-1);
	}
	if (path[0] == '~') {
		n = snprintf(mo->maildir, sizeof(mo->maildir), "%s%s",
		    pw->pw_dir, path + 1);
		if (n < 0 || (size_t)n >= sizeof(mo->maildir)) {
			*why = "maildir path too long";
			return (-1);
		}
	} else
		(void)strlcpy(mo->maildir, path, sizeof(mo->maildir));
	return (0);
}
