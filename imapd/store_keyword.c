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
 * store_keyword.c -- a folder's keywords, in Dovecot's dovecot-keywords
 * file ("N name" per line, N the letter 'a' + N of the Maildir file
 * names).  New keywords are appended under an exclusive flock of the
 * file, after reading it again, so two sessions never give one letter
 * two names.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "store_int.h"

static int	 kw_parse(int, char **, size_t *);
static int	 kw_name_ok(const char *);

void
kw_free(char **kw, size_t *nkw)
{
	size_t	 i;

	for (i = 0; i < MF_KEYWORDS_MAX; i++) {
		free(kw[i]);
		kw[i] = NULL;
	}
	*nkw = 0;
}

/* Read the file on fd into kw[]; holes get a placeholder name. */
static int
kw_parse(int fd, char **kw, size_t *nkw)
{
	struct stat	 st;
	char		*b, *line, *next, *sp, *end;
	unsigned long	 n;
	size_t		 i;

	kw_free(kw, nkw);
	if (fstat(fd, &st) == -1 || st.st_size > 65536)
		return (-1);
	b = xmalloc((size_t)st.st_size + 1);
	if (pread(fd, b, (size_t)st.st_size, 0) != st.st_size) {
		free(b);
		return (-1);
	}
	b[st.st_size] = '\0';
	for (line = b; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		n = strtoul(line, &end, 10);
		if (*end != '\0' || end == line || n >= MF_KEYWORDS_MAX ||
		    !kw_name_ok(sp + 1) || kw[n] != NULL)
			continue;
		kw[n] = xstrdup(sp + 1);
		if (n + 1 > *nkw)
			*nkw = n + 1;
	}
	free(b);
	for (i = 0; i < *nkw; i++)
		if (kw[i] == NULL)
			(void)xasprintf(&kw[i], "$Keyword%zu", i);
	return (0);
}

static int
kw_name_ok(const char *s)
{
	const char	*p;

	if (*s == '\0' || *s == '\\' || strlen(s) > 128)
		return (0);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("(){%*\"\\]", *p) != NULL)
			return (0);
	return (1);
}

/* The keywords of the folder at dirfd; *mtime is the file's. */
int
kw_read(int dirfd, char **kw, size_t *nkw, struct timespec *mtime)
{
	struct stat	 st;
	int		 fd, r;

	if ((fd = openat(dirfd, KW_FILE, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		kw_free(kw, nkw);
		if (mtime != NULL)
			memset(mtime, 0, sizeof(*mtime));
		return (errno == ENOENT ? 0 : -1);
	}
	r = kw_parse(fd, kw, nkw);
	if (mtime != NULL && fstat(fd, &st) == 0)
		*mtime = st.st_mtim;
	(void)close(fd);
	return (r);
}

/*
 * The index k of keyword name in the folder at dirfd, adding it when
 * create and a letter is free; -1 if not.  kw/nkw are refreshed.
 */
int
kw_index(int dirfd, char **kw, size_t *nkw, const char *name, int create)
{
	char	 line[160];
	size_t	 i;
	int	 fd, k = -1, n;

	for (i = 0; i < *nkw; i++)
		if (strcasecmp(kw[i], name) == 0)
			return ((int)i);
	if (!create || !kw_name_ok(name))
		return (-1);
	if ((fd = openat(dirfd, KW_FILE, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return (-1);
	if (flock(fd, LOCK_EX) == 0 && kw_parse(fd, kw, nkw) == 0) {
		for (i = 0; i < *nkw && k == -1; i++)
			if (strcasecmp(kw[i], name) == 0)
				k = (int)i;
		if (k == -1 && *nkw < MF_KEYWORDS_MAX) {
			n = snprintf(line, sizeof(line), "%zu %s\n", *nkw,
			    name);
			if (n > 0 && (size_t)n < sizeof(line) && lseek(fd, 0,
			    SEEK_END) != -1 && write_full(fd, line,
			    (size_t)n) != -1) {
				k = (int)*nkw;
				kw[(*nkw)++] = xstrdup(name);
			}
		}
	}
	(void)close(fd);
	return (k);
}
