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
 * util.c -- small helpers shared by every cartero process.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* vasprintf */
#endif

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define TIME_T_MAX \
	((time_t)(((uint64_t)1 << (sizeof(time_t) * 8 - 1)) - 1))

static int	parse_unit_number(const char *, uint64_t *, char *);
static int	fsync_path(const char *);
static int	valid_label(const char *, size_t);
static int	valid_atext(unsigned char);
static int	valid_quoted(const char *, size_t);

void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		fatal("malloc");
	return (p);
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		fatal("calloc");
	return (p);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = reallocarray(ptr, nmemb, size)) == NULL)
		fatal("reallocarray");
	return (p);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return (p);
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n == -1)
		fatal("vasprintf");
	return (n);
}

static int
fsync_path(const char *path)
{
	int	 fd, r, saved_errno;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	r = fsync(fd);
	saved_errno = errno;
	close(fd);
	errno = saved_errno;
	return (r == -1 ? -1 : 0);
}

int
fsync_dir(const char *path)
{
	return (fsync_path(path));
}

/* fsync(2) the directory holding filepath, so that a rename is durable. */
int
fsync_dirfd_of(const char *filepath)
{
	char		 dir[PATH_MAX];
	char		*slash;

	if (strlcpy(dir, filepath, sizeof(dir)) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		return (fsync_path("."));
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return (fsync_path(dir));
}

/* Write all of buf; retries EINTR and short writes.  Returns len or -1. */
ssize_t
write_full(int fd, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	size_t			 off = 0;
	ssize_t			 n;

	if (len > SSIZE_MAX) {
		errno = EINVAL;
		return (-1);
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		off += (size_t)n;
	}
	return ((ssize_t)off);
}

/* Read until len bytes or EOF; returns the count (short at EOF) or -1. */
ssize_t
read_full(int fd, void *buf, size_t len)
{
	unsigned char	*p = buf;
	size_t		 off = 0;
	ssize_t		 n;

	if (len > SSIZE_MAX) {
		errno = EINVAL;
		return (-1);
	}
	while (off < len) {
		n = read(fd, p + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	return ((ssize_t)off);
}

/* mkdir -p: create missing components with mode; existing dirs are fine. */
int
mkdir_p(const char *path, mode_t mode)
{
	char		 buf[PATH_MAX];
	struct stat	 sb;
	char		*p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (buf[0] == '\0') {
		errno = ENOENT;
		return (-1);
	}
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char	 save = *p;

			*p = '\0';
			if (mkdir(buf, mode) == -1) {
				if (errno != EEXIST)
					return (-1);
				if (stat(buf, &sb) == -1)
					return (-1);
				if (!S_ISDIR(sb.st_mode)) {
					errno = ENOTDIR;
					return (-1);
				}
			}
			*p = save;
		}
		if (*p == '\0')
			break;
	}
	return (0);
}

int
fd_set_nonblock(int fd)
{
	int	 flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	if (flags & O_NONBLOCK)
		return (0);
	return (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ? -1 : 0);
}

int
fd_set_cloexec(int fd)
{
	int	 flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1)
		return (-1);
	if (flags & FD_CLOEXEC)
		return (0);
	return (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1 ? -1 : 0);
}

uint64_t
monotonic_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* "4d", "4h", "5m", "30s": the largest unit dividing d; static buffer. */
const char *
duration_to_text(time_t d)
{
	static char	 buf[32];

	if (d > 0 && d % 86400 == 0)
		(void)snprintf(buf, sizeof(buf), "%lldd", (long long)d / 86400);
	else if (d > 0 && d % 3600 == 0)
		(void)snprintf(buf, sizeof(buf), "%lldh", (long long)d / 3600);
	else if (d > 0 && d % 60 == 0)
		(void)snprintf(buf, sizeof(buf), "%lldm", (long long)d / 60);
	else
		(void)snprintf(buf, sizeof(buf), "%llds", (long long)d);
	return (buf);
}

/*
 * Decimal digits, then at most one unit character.  No sign, no blanks.
 * *unit is '\0' when there is none.
 */
static int
parse_unit_number(const char *s, uint64_t *val, char *unit)
{
	uint64_t	 v = 0;
	const char	*p;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return (-1);
	}
	for (p = s; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			errno = ERANGE;
			return (-1);
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*unit = *p;
	if (*p != '\0' && p[1] != '\0') {
		errno = EINVAL;
		return (-1);
	}
	*val = v;
	return (0);
}

/* "30s", "5m", "4h", "4d" or plain seconds. */
int
text_to_duration(const char *s, time_t *out)
{
	uint64_t	 v, mult;
	char		 unit;

	if (parse_unit_number(s, &v, &unit) == -1)
		return (-1);
	switch (unit) {
	case '\0':
	case 's':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		errno = EINVAL;
		return (-1);
	}
	if (v > (uint64_t)TIME_T_MAX / mult) {
		errno = ERANGE;
		return (-1);
	}
	*out = (time_t)(v * mult);
	return (0);
}

/* "512K", "35M", "1G" (either case, powers of 1024) or plain bytes. */
int
text_to_size(const char *s, size_t *out)
{
	uint64_t	 v, mult;
	char		 unit;

	if (parse_unit_number(s, &v, &unit) == -1)
		return (-1);
	switch (unit) {
	case '\0':
	case 'b':
	case 'B':
		mult = 1;
		break;
	case 'k':
	case 'K':
		mult = 1024;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		errno = EINVAL;
		return (-1);
	}
	if (v > (uint64_t)SIZE_MAX / mult) {
		errno = ERANGE;
		return (-1);
	}
	*out = (size_t)(v * mult);
	return (0);
}

char *
lowercase(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (s);
}

/* RFC 5321 sub-domain, with UTF-8 octets allowed as letters. */
static int
valid_label(const char *l, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	if (len == 0 || l[0] == '-' || l[len - 1] == '-')
		return (0);
	for (i = 0; i < len; i++) {
		c = (unsigned char)l[i];
		if (!isalnum(c) && c != '-' && c < 0x80)
			return (0);
	}
	return (1);
}

int
valid_domain_part(const char *s)
{
	const char	*p, *dot;
	size_t		 len;

	len = strlen(s);
	if (len == 0 || len > 255)
		return (0);
	for (p = s; ; p = dot + 1) {
		if ((dot = strchr(p, '.')) == NULL)
			return (valid_label(p, strlen(p)));
		if (!valid_label(p, (size_t)(dot - p)))
			return (0);
	}
}

static int
valid_atext(unsigned char c)
{
	if (isalnum(c) || c >= 0x80)
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5321 Quoted-string: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE */
static int
valid_quoted(const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return (0);
	for (i = 1; i < len - 1; i++) {
		c = (unsigned char)s[i];
		if (c == '\\') {
			if (i + 1 >= len - 1)
				return (0);
			c = (unsigned char)s[++i];
			if (c < 32 || c == 127)
				return (0);
			continue;
		}
		if (c == '"' || c < 32 || c == 127)
			return (0);
	}
	return (1);
}

/* RFC 5321 Dot-string or Quoted-string, UTF-8 allowed, <= 64 octets. */
int
valid_local_part(const char *s)
{
	size_t		 i, len;
	unsigned char	 c;

	len = strlen(s);
	if (len == 0 || len > 64)
		return (0);
	if (s[0] == '"')
		return (valid_quoted(s, len));
	if (s[0] == '.' || s[len - 1] == '.')
		return (0);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i + 1] == '.')
				return (0);
			continue;
		}
		if (!valid_atext(c))
			return (0);
	}
	return (1);
}

uint32_t
rand_u32(void)
{
	return (arc4random());
}

/* Envelope id: message id in the high half, nonzero random low half. */
uint64_t
evpid_make(uint32_t msgid)
{
	uint32_t	 r;

	while ((r = arc4random()) == 0)
		;
	return (((uint64_t)msgid << 32) | r);
}
