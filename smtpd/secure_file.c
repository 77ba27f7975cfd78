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
 * group or by others, owned by the expected user or root.  The caller
 * opens with O_NOFOLLOW | O_NONBLOCK so that a symbolic link or a FIFO
 * never gets this far.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include "smtpd.h"

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
