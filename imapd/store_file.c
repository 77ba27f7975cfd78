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
 * store_file.c -- Maildir file names and sizes: the key (the base name
 * the index keeps) and the flags of a name ("key:2,DFRSTab"), new unique
 * names, RFC822.SIZE (CRLF line ends: a Maildir file has bare LFs, each
 * counts one more; ",W=NNN" in a name gives it without reading), and the
 * store-wide UIDVALIDITY counter.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "store_int.h"

static const struct {
	char		 c;
	uint64_t	 f;
} flagmap[] = {		/* in the ASCII order names must use */
	{ 'D', MF_DRAFT },
	{ 'F', MF_FLAGGED },
	{ 'R', MF_ANSWERED },
	{ 'S', MF_SEEN },
	{ 'T', MF_DELETED },
};

/*
 * The flags of a Maildir name and its key (the part before ":2,").
 * *ok is 0 when the key cannot be indexed (too long, empty).
 */
uint64_t
msg_flags_of_name(const char *name, char *key, size_t keylen, int *ok)
{
	const char	*colon, *p;
	uint64_t	 flags = 0;
	size_t		 n, i;

	colon = strchr(name, ':');
	n = colon ? (size_t)(colon - name) : strlen(name);
	*ok = n > 0 && n < keylen;
	if (keylen > 0) {
		if (n >= keylen)
			n = keylen - 1;
		memcpy(key, name, n);
		key[n] = '\0';
	}
	if (colon == NULL || strncmp(colon, ":2,", 3) != 0)
		return (0);
	for (p = colon + 3; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z') {
			flags |= MF_KEYWORD(*p - 'a');
			continue;
		}
		for (i = 0; i < sizeof(flagmap) / sizeof(flagmap[0]); i++)
			if (flagmap[i].c == *p)
				flags |= flagmap[i].f;
	}
	return (flags);
}

/* "key:2,<flags>" */
int
msg_file_name(char *out, size_t outlen, const char *key, uint64_t flags)
{
	char	 fl[64];
	size_t	 n = 0, i;
	int	 k;

	for (i = 0; i < sizeof(flagmap) / sizeof(flagmap[0]); i++)
		if (flags & flagmap[i].f)
			fl[n++] = flagmap[i].c;
	for (k = 0; k < MF_KEYWORDS_MAX; k++)
		if (flags & MF_KEYWORD(k))
			fl[n++] = (char)('a' + k);
	fl[n] = '\0';
	if (snprintf(out, outlen, "%.*s:2,%s", IDX_KEYLEN - 1, key, fl) >=
	    (int)outlen) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/*
 * A new unique key: time.MusecPpidQn.host[,S=lf,W=crlf].  The host part
 * is cut so the key fits an index record.
 */
int
msg_new_key(char *out, size_t outlen, size_t lfsize, uint64_t crlfsize)
{
	static unsigned int	 counter;
	struct timeval		 tv;
	char			 host[HOST_NAME_MAX + 1], sizes[48];
	size_t			 i;

	if (gethostname(host, sizeof(host)) == -1)
		(void)strlcpy(host, "localhost", sizeof(host));
	host[12] = '\0';
	for (i = 0; host[i] != '\0'; i++)
		if (host[i] == '/' || host[i] == ':' || host[i] == ',' ||
		    (unsigned char)host[i] < 0x21 ||
		    (unsigned char)host[i] > 0x7e)
			host[i] = '_';
	sizes[0] = '\0';
	if (crlfsize > 0)
		(void)snprintf(sizes, sizeof(sizes), ",S=%zu,W=%llu", lfsize,
		    (unsigned long long)crlfsize);
	(void)gettimeofday(&tv, NULL);
	if (snprintf(out, outlen, "%lld.M%06ldP%ldQ%u.%s%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    ++counter, host, sizes) >= (int)outlen &&
	    snprintf(out, outlen, "%lld.M%06ldP%ldQ%u.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    counter, host) >= (int)outlen) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/* RFC822.SIZE of bytes with bare LFs: one more per LF not after a CR. */
uint64_t
msg_crlf_size(const char *p, size_t len)
{
	const char	*q, *end = p + len;
	uint64_t	 n = len;

	for (q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))) !=
	    NULL; q++)
		if (q == p || q[-1] != '\r')
			n++;
	return (n);
}

/* ",W=NNN" in a key */
static int
key_wsize(const char *key, uint64_t *size)
{
	const char	*p;
	char		*end;
	unsigned long long v;

	if ((p = strstr(key, ",W=")) == NULL || p[3] < '0' || p[3] > '9')
		return (-1);
	errno = 0;
	v = strtoull(p + 3, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != ','))
		return (-1);
	*size = v;
	return (0);
}

/* RFC822.SIZE of the file at path (under dirfd), counted once. */
int
msg_rfc822_size(int dirfd, const char *path, const char *key,
    uint64_t *size)
{
	char		 b[65536];
	ssize_t		 n, i;
	uint64_t	 total = 0;
	int		 fd, prevcr = 0;

	if (key_wsize(key, size) == 0)
		return (0);
	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return (-1);
	while ((n = read(fd, b, sizeof(b))) > 0) {
		total += (uint64_t)n;
		for (i = 0; i < n; i++) {
			if (b[i] == '\n' && !prevcr)
				total++;
			prevcr = b[i] == '\r';
		}
	}
	(void)close(fd);
	if (n == -1)
		return (-1);
	*size = total;
	return (0);
}

/* The name in cur/ with this key (its flags changed behind our back). */
int
msg_find_key(int dirfd, const char *key, char *out, size_t outlen)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = strnlen(key, IDX_KEYLEN - 1);
	int		 fd, r = -1;

	if ((fd = openat(dirfd, "cur", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, key, n) == 0 &&
		    (de->d_name[n] == '\0' || de->d_name[n] == ':')) {
			if (strlcpy(out, de->d_name, outlen) < outlen)
				r = 0;
			break;
		}
	(void)closedir(d);
	return (r);
}

/*
 * A UIDVALIDITY never given before in this store: the time, or one more
 * than the last one when that is not later (root/cartero.uidvalidity).
 */
uint32_t
store_new_uidvalidity(struct mstore *ms)
{
	char		 b[32];
	ssize_t		 n;
	uint32_t	 last = 0, v = (uint32_t)time(NULL);
	int		 fd;

	fd = openat(ms->rootfd, UIDV_FILE, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		if (fd != -1)
			(void)close(fd);
		return (v);
	}
	if ((n = pread(fd, b, sizeof(b) - 1, 0)) > 0) {
		b[n] = '\0';
		last = (uint32_t)strtoul(b, NULL, 10);
	}
	if (v <= last)
		v = last + 1;
	if (v == 0)
		v = 1;
	n = snprintf(b, sizeof(b), "%u\n", v);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, b, (size_t)n, 0) != n)
		log_warn("imapd store: %s/%s", ms->root, UIDV_FILE);
	(void)close(fd);
	return (v);
}
