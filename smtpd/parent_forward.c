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
 * ~/.forward is opened by the parent (lka cannot read home directories)
 * and passed to lka as a descriptor.  It must pass secure_file_check()
 * (smtpd/secure_file.c: regular, one link, owned by the user or root, not
 * writable by group or others), as in sendmail and OpenSMTPD; otherwise
 * it is ignored with a log line and mail goes to the mailbox.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "parent.h"

int
parent_forward_open(const char *user, int *status)
{
	struct passwd	*pw;
	const char	*why;
	char		 path[PATH_MAX];
	int		 fd;

	*status = ST_PERMFAIL;		/* no .forward */
	if ((pw = getpwnam(user)) == NULL)
		return (-1);
	if (snprintf(path, sizeof(path), "%s/.forward", pw->pw_dir) >=
	    (int)sizeof(path))
		return (-1);
	if ((fd = secure_file_open(path, pw->pw_uid, &why)) == -1 &&
	    why != NULL) {
		log_warnx("%s: %s, ignored (it must be a regular file with "
		    "one link, owned by %s or root, writable only by its "
		    "owner, in a directory no one else may write to)", path,
		    why, user);
		return (-1);
	}
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return (-1);
		if (errno == ELOOP) {
			log_warnx("%s: is a symbolic link, ignored", path);
			return (-1);
		}
		log_warn("open %s", path);
		*status = ST_TEMPFAIL;
		return (-1);
	}
	*status = ST_OK;
	return (fd);
}
