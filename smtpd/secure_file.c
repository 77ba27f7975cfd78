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
 * secure_file.c -- the rules a file must follow before its lines may run
 * commands or write files as someone: ~/.forward (opened by the parent,
 * smtpd/parent_forward.c) and alias :include: files (read by lka,
 * lka/expand.c).  As in sendmail and OpenSMTPD: a regular file with one
 * link (no hard link to a file of someone else), not writable by its
 * group or by others, owned by the expected user or root, in a directory
 * owned by root, that user or the file's owner and not writable by its
 * group or by others unless sticky (else someone could rename a file of
 * the owner's, say the mbox that holds their mail, over it).  The file is
 * opened relative to the directory checked, with O_NOFOLLOW |
 * O_NONBLOCK, so that what is checked is what is read and a symbolic
 * link or a FIFO never gets further.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"

static const char	*secure_dir_check(int, const struct stat *, uid_t);

/*
 * NULL if the open file fd may be trusted, otherwise why not (for the
 * caller's log line).  owner is the only uid besides root that may own
 * it, or SECURE_FILE_ANY_OWNER (an :include: file runs as its owner).
 */
const char *
secure_file_check(int fd, uid_t owner)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == -1)
		return ("cannot be examined");
	if (!S_ISREG(sb.st_mode))
		return ("is not a regular file");
	if (sb.st_nlink != 1)
		return ("has more than one link");
	if (owner != SECURE_FILE_ANY_OWNER && sb.st_uid != owner &&
	    sb.st_uid != 0)
		return ("is owned by another user");
	if (sb.st_mode & (S_IWGRP | S_IWOTH))
		return ("is writable by its group or by others");
	return (NULL);
}

/* The directory dfd of a file (stat fsb) that passed the checks above. */
static const char *
secure_dir_check(int dfd, const struct stat *fsb, uid_t owner)
{
	struct stat	 sb;

	if (fstat(dfd, &sb) == -1)
		return ("cannot be examined");
	if (sb.st_uid != 0 && sb.st_uid != fsb->st_uid &&
	    (owner == SECURE_FILE_ANY_OWNER || sb.st_uid != owner))
		return ("is in a directory owned by another user");
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX))
		return ("is in a directory writable by its group or by "
		    "others");
	return (NULL);
}

/*
 * Open path for reading if it and its directory pass the rules.  -1 with
 * *why NULL and errno set if it cannot be opened (ENOENT, ELOOP for a
 * symbolic link...), -1 with *why set if it is refused.
 */
int
secure_file_open(const char *path, uid_t owner, const char **why)
{
	struct stat	 sb;
	const char	*base, *slash;
	char		 dir[PATH_MAX];
	size_t		 dlen;
	int		 dfd, fd, saved;

	*why = NULL;
	if ((slash = strrchr(path, '/')) == NULL) {
		(void)strlcpy(dir, ".", sizeof(dir));
		base = path;
	} else {
		dlen = slash == path ? 1 : (size_t)(slash - path);
		if (dlen >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
		base = slash + 1;
	}
	if (*base == '\0') {
		errno = EISDIR;
		return (-1);
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		saved = errno;
		close(dfd);
		errno = saved;
		return (-1);
	}
	if ((*why = secure_file_check(fd, owner)) == NULL) {
		if (fstat(fd, &sb) == -1)
			*why = "cannot be examined";
		else
			*why = secure_dir_check(dfd, &sb, owner);
	}
	close(dfd);
	if (*why != NULL) {
		close(fd);
		return (-1);
	}
	return (fd);
}
