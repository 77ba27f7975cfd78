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
 * mda_expand.c -- %{...} format expansion for delivery paths and commands.
 *
 * SECURITY: the values come from the envelope, i.e. from SMTP clients.
 * Everything outside a small allowlist of bytes is replaced by ':' before
 * it reaches a command line or a path (see mda_expand.h); this is what
 * keeps "rcpt.user = $(id)" from reaching /bin/sh as shell syntax.  The
 * semantics of slices and modifiers follow OpenSMTPD's mda_variables.c.
 */

#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpd.h"
#include "mda_expand.h"

#define MDA_TOKEN_MAX	128
#define MDA_VALUE_MAX	PATH_MAX
#define MDA_SLICE_MAX	MDA_VALUE_MAX
#define MDA_CHECK_HOME	"/home/x"	/* check mode (no deliver): ~ */

struct mda_slice {
	long long	 beg;
	long long	 end;
};

static int	mda_expand_token(char *, size_t, size_t *, const char *,
		    const struct deliver *, int);
static int	mda_expand_parse(char *, struct mda_slice *, char **);
static int	mda_expand_value(const char *, const struct deliver *, char *,
		    size_t, int *);
static void	mda_expand_addr(const struct mailaddr *, char *, size_t,
		    const char *);
static int	mda_expand_mods(char *, char *, int *);
static void	mda_expand_strip(char *);
static void	mda_expand_sanitise(char *);
static int	mda_expand_slice(const char *, const struct mda_slice *,
		    size_t *, size_t *);
static int	mda_expand_put(char *, size_t, size_t *, const char *,
		    size_t);
static int	mda_uses_home(const char *);

int
mda_expand(char *buf, size_t len, const char *template,
    const struct deliver *d, int for_command)
{
	char		 token[MDA_TOKEN_MAX];
	const char	*p = template, *end, *home;
	size_t		 o = 0, tl;

	if (len == 0)
		return (-1);
	buf[0] = '\0';
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		home = d != NULL ? d->home : MDA_CHECK_HOME;
		if (home[0] != '/' ||
		    mda_expand_put(buf, len, &o, home, strlen(home)) == -1)
			return (-1);
		p++;
	}
	while (*p != '\0') {
		if (p[0] == '%' && p[1] == '%') {
			if (mda_expand_put(buf, len, &o, "%", 1) == -1)
				return (-1);
			p += 2;
			continue;
		}
		if (p[0] != '%' || p[1] != '{') {
			if (mda_expand_put(buf, len, &o, p, 1) == -1)
				return (-1);
			p++;
			continue;
		}
		p += 2;
		if ((end = strchr(p, '}')) == NULL)
			return (-1);
		tl = (size_t)(end - p);
		if (tl == 0 || tl >= sizeof(token))
			return (-1);
		memcpy(token, p, tl);
		token[tl] = '\0';
		if (mda_expand_token(buf, len, &o, token, d, for_command) == -1)
			return (-1);
		p = end + 1;
	}
	return (0);
}

/* Expand one "name[slice]:mods" token, appending to buf at *o. */
static int
mda_expand_token(char *buf, size_t len, size_t *o, const char *token,
    const struct deliver *d, int for_command)
{
	static const struct deliver	 check;	/* check mode: empty values */
	char			 name[MDA_TOKEN_MAX], value[MDA_VALUE_MAX];
	char			*mods;
	struct mda_slice	 sl;
	size_t			 beg, n;
	int			 sanitise, raw = 0;

	if (strlcpy(name, token, sizeof(name)) >= sizeof(name))
		return (-1);
	if (mda_expand_parse(name, &sl, &mods) == -1)
		return (-1);
	if (mda_expand_value(name, d != NULL ? d : &check, value,
	    sizeof(value), &sanitise) == -1)
		return (-1);
	if (mods != NULL && mda_expand_mods(mods, value, &raw) == -1)
		return (-1);
	if (raw && for_command)
		return (-1);
	if (d == NULL)		/* syntax checked; values are not known */
		return (mda_expand_put(buf, len, o, "x", 1));
	if (!raw && sanitise)
		mda_expand_sanitise(value);
	if (mda_expand_slice(value, &sl, &beg, &n) == -1)
		return (-1);
	if (!for_command && sanitise && ((n == 1 && value[beg] == '.') ||
	    (n == 2 && value[beg] == '.' && value[beg + 1] == '.')))
		return (-1);
	return (mda_expand_put(buf, len, o, value + beg, n));
}

/*
 * Split "name[x:y]:mods" in place: name stays in tok, the slice goes to
 * sl, *mods points to the modifier list or is NULL.
 */
static int
mda_expand_parse(char *tok, struct mda_slice *sl, char **mods)
{
	char		*lb, *rb, *sep;
	const char	*errstr = NULL;

	sl->beg = 0;
	sl->end = MDA_SLICE_MAX;
	*mods = NULL;
	if ((lb = strchr(tok, '[')) == NULL) {
		if ((*mods = strchr(tok, ':')) != NULL)
			*(*mods)++ = '\0';
		return (0);
	}
	if ((rb = strchr(lb, ']')) == NULL || rb - lb <= 1)
		return (-1);
	*lb = *rb = '\0';
	if (rb[1] == ':')
		*mods = rb + 2;
	else if (rb[1] != '\0')
		return (-1);
	if ((sep = strchr(lb + 1, ':')) == NULL) {
		sl->beg = sl->end = strtonum(lb + 1, -MDA_SLICE_MAX,
		    MDA_SLICE_MAX, &errstr);
		return (errstr == NULL ? 0 : -1);
	}
	*sep++ = '\0';
	if (lb[1] != '\0')
		sl->beg = strtonum(lb + 1, -MDA_SLICE_MAX, MDA_SLICE_MAX,
		    &errstr);
	if (errstr == NULL && *sep != '\0')
		sl->end = strtonum(sep, -MDA_SLICE_MAX, MDA_SLICE_MAX,
		    &errstr);
	return (errstr == NULL ? 0 : -1);
}

static int
mda_expand_value(const char *name, const struct deliver *d, char *out,
    size_t outlen, int *sanitise)
{
	const struct envelope	*e = &d->evp;
	const char		*s = NULL;

	*sanitise = 1;
	out[0] = '\0';
	if (strcasecmp(name, "sender") == 0)
		mda_expand_addr(&e->sender, out, outlen, "");
	else if (strcasecmp(name, "mbox.from") == 0)
		mda_expand_addr(&e->sender, out, outlen, "MAILER-DAEMON");
	else if (strcasecmp(name, "rcpt") == 0)
		mda_expand_addr(&e->rcpt, out, outlen, "");
	else if (strcasecmp(name, "dest") == 0)
		mda_expand_addr(&e->dest, out, outlen, "");
	else if (strcasecmp(name, "sender.user") == 0)
		s = e->sender.user;
	else if (strcasecmp(name, "sender.domain") == 0)
		s = e->sender.domain;
	else if (strcasecmp(name, "rcpt.user") == 0)
		s = e->rcpt.user;
	else if (strcasecmp(name, "rcpt.domain") == 0)
		s = e->rcpt.domain;
	else if (strcasecmp(name, "dest.user") == 0)
		s = e->dest.user;
	else if (strcasecmp(name, "dest.domain") == 0)
		s = e->dest.domain;
	else if (strcasecmp(name, "user.username") == 0)
		s = d->username;
	else if (strcasecmp(name, "user.directory") == 0) {
		s = d->home;
		*sanitise = 0;
	} else
		return (-1);
	if (s != NULL && strlcpy(out, s, outlen) >= outlen)
		return (-1);
	return (0);
}

/* user@domain, user alone without a domain, empty for <>. */
static void
mda_expand_addr(const struct mailaddr *a, char *out, size_t outlen,
    const char *empty)
{
	if (a->user[0] == '\0' && a->domain[0] == '\0')
		(void)strlcpy(out, empty, outlen);
	else if (a->domain[0] == '\0')
		(void)strlcpy(out, a->user, outlen);
	else
		(void)snprintf(out, outlen, "%s@%s", a->user, a->domain);
}

/* Modifiers separated by '|' (OpenSMTPD) or ':'; unknown ones fail. */
static int
mda_expand_mods(char *mods, char *value, int *raw)
{
	char	*m, *p;

	while ((m = strsep(&mods, "|:")) != NULL) {
		if (strcasecmp(m, "lowercase") == 0) {
			for (p = value; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
		} else if (strcasecmp(m, "uppercase") == 0) {
			for (p = value; *p != '\0'; p++)
				*p = (char)toupper((unsigned char)*p);
		} else if (strcasecmp(m, "strip") == 0)
			mda_expand_strip(value);
		else if (strcasecmp(m, "raw") == 0)
			*raw = 1;
		else
			return (-1);
	}
	return (0);
}

/* "bob+lists@example.org" -> "bob@example.org", "bob+lists" -> "bob". */
static void
mda_expand_strip(char *value)
{
	char	*tag, *at;

	if ((tag = strchr(value, '+')) == NULL)
		return;
	if ((at = strchr(tag, '@')) != NULL)
		memmove(tag, at, strlen(at) + 1);
	else
		*tag = '\0';
}

static void
mda_expand_sanitise(char *value)
{
	unsigned char	*p;

	for (p = (unsigned char *)value; *p != '\0'; p++) {
		if (isascii(*p) && isalnum(*p))
			continue;
		if (strchr("@._+=-", *p) != NULL)
			continue;
		*p = ':';
	}
}

/* Resolve a slice against value: start offset and length. */
static int
mda_expand_slice(const char *value, const struct mda_slice *sl,
    size_t *off, size_t *n)
{
	long long	 len = (long long)strlen(value);
	long long	 beg = sl->beg, end = sl->end;

	*off = *n = 0;
	if (len == 0)
		return (0);
	if (beg >= len)
		return (-1);
	if (beg < 0 && (beg += len) < 0)
		beg = 0;
	if (end >= len)
		end = len - 1;
	if (end < 0 && (end += len) < 0)
		return (-1);
	if (beg > end)
		return (-1);
	*off = (size_t)beg;
	*n = (size_t)(end - beg + 1);
	return (0);
}

static int
mda_expand_put(char *buf, size_t len, size_t *o, const char *s, size_t n)
{
	if (n >= len - *o)
		return (-1);
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = '\0';
	return (0);
}

/*
 * The mailbox of a delivery: the action's template (tmpl, "" for the
 * method's default) expanded for d (NULL: check the template alone).  A
 * result that does not begin with '/' is relative to the home directory,
 * which then, like "~" or %{user.directory}, must be a real one.
 */
int
mda_mailbox_path(char *buf, size_t len, enum action_method method,
    const char *tmpl, const struct deliver *d, const char **why)
{
	char		 rel[PATH_MAX];
	const char	*home = d != NULL ? d->home : MDA_CHECK_HOME;
	int		 n;

	if (tmpl[0] == '\0')
		tmpl = method == A_MAILDIR ? MDA_MAILDIR_DEFAULT :
		    MDA_MBOX_DEFAULT;
	if (tmpl[0] == '~' && tmpl[1] != '/' && tmpl[1] != '\0') {
		*why = "starts with \"~user\", which is not supported (\"~/\" "
		    "or a relative path is the user's home)";
		return (-1);
	}
	if (mda_uses_home(tmpl) && !mda_home_ok(home)) {
		*why = "needs a home directory, and the user has none";
		return (-1);
	}
	if (mda_expand(rel, sizeof(rel), tmpl, d, 0) == -1 || rel[0] == '\0') {
		*why = d != NULL ? "cannot be expanded for this user" :
		    "cannot be expanded (unknown %{...} variable or modifier, "
		    "bad slice, or empty)";
		return (-1);
	}
	if (rel[0] == '/')
		n = snprintf(buf, len, "%s", rel);
	else
		n = snprintf(buf, len, "%s/%s", home, rel);
	if (n < 0 || (size_t)n >= len) {
		*why = "is too long";
		return (-1);
	}
	if (!mda_path_ok(buf)) {
		*why = "has a \".\" or \"..\" component";
		return (-1);
	}
	return (0);
}

/*
 * Root's mailbox (delivered to by an unprivileged agent, never as root):
 * the mbox action's path when it does not depend on the home directory,
 * otherwise the system mailbox.
 */
int
mda_root_mbox(char *buf, size_t len, enum action_method method,
    const char *tmpl, const struct deliver *d)
{
	const char	*why;
	int		 n;

	if (method == A_MBOX && tmpl[0] != '\0' && !mda_uses_home(tmpl) &&
	    mda_mailbox_path(buf, len, method, tmpl, d, &why) == 0)
		return (0);
	n = snprintf(buf, len, "%s/%s", SMTPD_MAILDIR, d->username);
	if (n < 0 || (size_t)n >= len || !mda_path_ok(buf))
		return (-1);
	return (0);
}

/* A home directory a mailbox can be in ("/" and Debian's none are not). */
int
mda_home_ok(const char *home)
{
	return (home[0] == '/' && home[1] != '\0' &&
	    strcmp(home, "/nonexistent") != 0);
}

/* Absolute, and no "." or ".." component. */
int
mda_path_ok(const char *path)
{
	const char	*p, *e;
	size_t		 n;

	if (path[0] != '/')
		return (0);
	for (p = path; *p != '\0'; p = e) {
		while (*p == '/')
			p++;
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return (0);
	}
	return (1);
}

/* Relative (to the home directory), "~..." or with %{user.directory}. */
static int
mda_uses_home(const char *tmpl)
{
	return (tmpl[0] != '/' || strcasestr(tmpl, "%{user.directory") !=
	    NULL);
}
