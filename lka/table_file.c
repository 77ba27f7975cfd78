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
 * table_file.c -- file: tables.
 *
 * Syntax, one entry per line:
 *
 *	# comment			(only as the first non-blank character)
 *	# @list				forces list mode (before any entry)
 *	value				list entry
 *	key value			map entry
 *	key: value			map entry (aliases(5))
 *	    more, values		continuation of the previous map entry
 *
 * The first entry decides list or map; mixing is an error.  An IPv6
 * address or block ("::1", "2001:db8::/32") is one token: its colons are
 * not separators.  Errors read "path:line: message".
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"

#define MODE_AUTO	0
#define MODE_LIST	1
#define MODE_MAP	2

struct table_file_state {
	struct table_db	*db;
	const char	*path;
	int		 mode;
	int		 forced;	/* "# @list" */
	int		 nentries;
	char		*key;		/* pending map entry */
	char		*value;
	int		 line;
	char		*err;
	size_t		 errsz;
};

static int	table_file_line(struct table_file_state *, char *, int);
static int	table_file_flush(struct table_file_state *);
static int	table_file_split(char *, char **, char **);
static int	table_file_is_net6(const char *, size_t);
static char	*table_file_trim(char *);
static void	table_file_owner(struct table_db *, uid_t);

static char *
table_file_trim(char *s)
{
	size_t	 len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return (s);
}

/* Is the token at s (len bytes) an IPv6 address or block? */
static int
table_file_is_net6(const char *s, size_t len)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	struct in6_addr	 in6;
	char		*slash;

	if (len == 0 || len >= sizeof(buf))
		return (0);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	return (inet_pton(AF_INET6, buf, &in6) == 1);
}

/*
 * Split a trimmed line into key and value (NULL for a list entry).
 * Returns 0, or -1 for "key:" without a value.
 */
static int
table_file_split(char *s, char **key, char **value)
{
	size_t	 tok, sep;

	*key = s;
	*value = NULL;
	tok = strcspn(s, " \t");
	if (table_file_is_net6(s, tok))
		sep = tok;
	else
		sep = strcspn(s, " \t:");
	if (s[sep] == '\0')
		return (0);
	if (s[sep] == ':') {
		s[sep++] = '\0';
		*value = table_file_trim(s + sep);
		return (**value == '\0' ? -1 : 0);
	}
	s[sep++] = '\0';
	s += sep;
	while (isspace((unsigned char)*s))
		s++;
	/* "key : value" */
	if (*s == ':' && (s[1] == '\0' || isspace((unsigned char)s[1])))
		s++;
	*value = table_file_trim(s);
	return (**value == '\0' ? -1 : 0);
}

/* Add the pending map entry. */
static int
table_file_flush(struct table_file_state *st)
{
	int	 r = 0;

	if (st->key != NULL)
		r = table_db_add(st->db, st->key, st->value, st->line,
		    st->err, st->errsz);
	free(st->key);
	free(st->value);
	st->key = st->value = NULL;
	return (r);
}

static int
table_file_line(struct table_file_state *st, char *buf, int lineno)
{
	char	*p, *key, *value, *joined;
	int	 type;

	p = table_file_trim(buf);
	if (*p == '#') {
		if (strcmp(p, "# @list") != 0)
			return (0);
		if (st->nentries > 0) {
			(void)snprintf(st->err, st->errsz,
			    "%s:%d: \"# @list\" after the first entry",
			    st->path, lineno);
			return (-1);
		}
		st->mode = MODE_LIST;
		st->forced = 1;
		return (0);
	}
	if (*p == '\0')
		return (0);
	if (p != buf && st->mode == MODE_MAP && st->key != NULL) {
		xasprintf(&joined, "%s, %s", st->value, p);
		free(st->value);
		st->value = joined;
		return (0);
	}
	st->nentries++;
	if (st->forced)
		return (table_db_add(st->db, p, NULL, lineno, st->err,
		    st->errsz));
	if (table_file_split(p, &key, &value) == -1) {
		(void)snprintf(st->err, st->errsz, "%s:%d: missing value",
		    st->path, lineno);
		return (-1);
	}
	type = value == NULL ? MODE_LIST : MODE_MAP;
	if (st->mode == MODE_AUTO)
		st->mode = type;
	else if (st->mode != type) {
		(void)snprintf(st->err, st->errsz, "%s:%d: %s entry in a %s "
		    "table", st->path, lineno, type == MODE_MAP ? "map" :
		    "list", st->mode == MODE_MAP ? "map" : "list");
		return (-1);
	}
	if (value == NULL)
		return (table_db_add(st->db, key, NULL, lineno, st->err,
		    st->errsz));
	if (table_file_flush(st) == -1)
		return (-1);
	st->key = xstrdup(key);
	st->value = xstrdup(value);
	st->line = lineno;
	return (0);
}

int
table_file_parse(struct table_db *db, FILE *fp, const char *path,
    char *err, size_t errsz)
{
	struct table_file_state	 st;
	char			*buf = NULL;
	size_t			 cap = 0, total = 0;
	ssize_t			 len;
	int			 lineno = 0, r = 0;

	memset(&st, 0, sizeof(st));
	st.db = db;
	st.path = path;
	st.err = err;
	st.errsz = errsz;
	table_db_set_source(db, path);
	while (r == 0 && (len = getline(&buf, &cap, fp)) != -1) {
		lineno++;
		total += (size_t)len;
		if (total > TABLE_FILE_MAX) {
			(void)snprintf(err, errsz, "%s:%d: file too large",
			    path, lineno);
			r = -1;
		} else if (strlen(buf) != (size_t)len) {
			(void)snprintf(err, errsz, "%s:%d: NUL byte",
			    path, lineno);
			r = -1;
		} else
			r = table_file_line(&st, buf, lineno);
	}
	if (r == 0 && ferror(fp)) {
		(void)snprintf(err, errsz, "%s:%d: %s", path, lineno + 1,
		    strerror(errno));
		r = -1;
	}
	if (r == 0)
		r = table_file_flush(&st);
	free(st.key);
	free(st.value);
	free(buf);
	if (r == 0)
		r = table_db_finish(db, err, errsz);
	return (r);
}

/* Pipes and files of a root-owned table run as nobody. */
static void
table_file_owner(struct table_db *db, uid_t uid)
{
	struct passwd	*pw;

	if (uid == 0 || (pw = getpwuid(uid)) == NULL) {
		table_db_set_owner(db, SMTPD_USER_NOBODY);
		return;
	}
	table_db_set_owner(db, pw->pw_name);
}

struct table_db *
table_file_load(const char *name, const char *path, char *err,
    size_t errsz)
{
	struct table_db	*db;
	struct stat	 sb;
	FILE		*fp;

	if ((fp = fopen(path, "re")) == NULL) {
		(void)snprintf(err, errsz, "%s:0: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fileno(fp), &sb) == -1 || !S_ISREG(sb.st_mode)) {
		(void)snprintf(err, errsz, "%s:0: not a regular file", path);
		fclose(fp);
		return (NULL);
	}
	db = table_db_new(name);
	table_file_owner(db, sb.st_uid);
	if (table_file_parse(db, fp, path, err, errsz) == -1) {
		table_db_free(db);
		db = NULL;
	}
	fclose(fp);
	return (db);
}
