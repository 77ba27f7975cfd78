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
 * aliases.c -- newaliases(1): check the syntax of an aliases(5) file.
 *
 * smtpd reads the file itself (a "table aliases file:/etc/aliases"), so
 * there is no database to build: newaliases only tells the administrator
 * about mistakes before a reload makes them matter.
 *
 *	name: target[, target ...]	# comment lines start with "#"
 *	    more-targets		# continuation: leading blank
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpctl.h"
#include "util.h"

struct aliases_ctx {
	const char	*path;
	size_t		 lineno;	/* first line of the entry */
	char		**names;
	size_t		 nnames;
	int		 errors;
};

static void	aliases_error(struct aliases_ctx *, const char *);
static void	aliases_entry(struct aliases_ctx *, char *);
static int	aliases_targets(struct aliases_ctx *, char *);
static int	aliases_namecmp(const void *, const void *);
static void	aliases_dups(struct aliases_ctx *);

static void
aliases_error(struct aliases_ctx *a, const char *msg)
{
	fprintf(stderr, "newaliases: %s:%zu: %s\n", a->path, a->lineno, msg);
	a->errors++;
}

/* The comma-separated targets, quotes respected; 0 if all are usable. */
static int
aliases_targets(struct aliases_ctx *a, char *s)
{
	char	*p, *start;
	int	 inq = 0, n = 0;

	for (p = start = s;; p++) {
		if (*p == '"')
			inq = !inq;
		else if (*p == '\\' && inq && p[1] != '\0')
			p++;
		else if ((*p == ',' && !inq) || *p == '\0') {
			while (start < p && isspace((unsigned char)*start))
				start++;
			if (start == p) {
				aliases_error(a, "empty target");
				return (-1);
			}
			n++;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	if (inq) {
		aliases_error(a, "unterminated quote");
		return (-1);
	}
	return (n > 0 ? 0 : -1);
}

/* One logical entry (continuation lines already joined). */
static void
aliases_entry(struct aliases_ctx *a, char *line)
{
	char	*colon, *name, *end;

	if ((colon = strchr(line, ':')) == NULL) {
		aliases_error(a, "missing ':' after the alias name");
		return;
	}
	*colon = '\0';
	name = line;
	for (end = colon; end > name && isspace((unsigned char)end[-1]);
	    end--)
		end[-1] = '\0';
	if (*name == '\0') {
		aliases_error(a, "empty alias name");
		return;
	}
	if (strpbrk(name, " \t\"") != NULL) {
		aliases_error(a, "blank or quote in the alias name");
		return;
	}
	if (aliases_targets(a, colon + 1) == -1)
		return;
	a->names = xreallocarray(a->names, a->nnames + 1, sizeof(char *));
	a->names[a->nnames++] = xstrdup(name);
}

static int
aliases_namecmp(const void *x, const void *y)
{
	return (strcasecmp(*(char *const *)x, *(char *const *)y));
}

static void
aliases_dups(struct aliases_ctx *a)
{
	size_t	 i;

	if (a->nnames < 2)
		return;
	qsort(a->names, a->nnames, sizeof(char *), aliases_namecmp);
	for (i = 1; i < a->nnames; i++)
		if (strcasecmp(a->names[i - 1], a->names[i]) == 0)
			fprintf(stderr, "newaliases: %s: warning: alias %s "
			    "defined more than once\n", a->path, a->names[i]);
}

/* Check path; *count gets the number of aliases.  -1 on any error. */
int
aliases_check(const char *path, size_t *count)
{
	struct aliases_ctx	 a;
	struct enqbuf		 entry;
	FILE			*fp;
	char			*line = NULL;
	size_t			 sz = 0, lineno = 0, i;

	memset(&a, 0, sizeof(a));
	memset(&entry, 0, sizeof(entry));
	a.path = path;
	if ((fp = fopen(path, "re")) == NULL) {
		fprintf(stderr, "newaliases: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	while (getline(&line, &sz, fp) != -1) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			if (entry.len == 0) {
				a.lineno = lineno;
				aliases_error(&a, "continuation line without "
				    "an alias");
				continue;
			}
			enqbuf_addstr(&entry, line);
			continue;
		}
		if (entry.len > 0)
			aliases_entry(&a, entry.buf);
		enqbuf_reset(&entry);
		enqbuf_addstr(&entry, line);
		a.lineno = lineno;
	}
	if (ferror(fp)) {
		fprintf(stderr, "newaliases: %s: %s\n", path, strerror(errno));
		a.errors++;
	}
	if (entry.len > 0)
		aliases_entry(&a, entry.buf);
	fclose(fp);
	free(line);
	enqbuf_free(&entry);
	aliases_dups(&a);
	*count = a.nnames;
	for (i = 0; i < a.nnames; i++)
		free(a.names[i]);
	free(a.names);
	return (a.errors ? -1 : 0);
}
