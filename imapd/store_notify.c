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
 * store_notify.c -- change notification for IDLE: an inotify descriptor
 * watching the folder's new/ and cur/ (deliveries, other programs) and
 * its directory (the index, rewritten by other sessions, renamed over
 * by compaction).  Readable means "call mbox_sync()", nothing more.
 */

#include <sys/types.h>
#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "store_int.h"

#define WATCH_DIR	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
			    IN_MOVED_TO | IN_ATTRIB)

int
mbox_notify_fd(struct mbox *mb)
{
	static const char *const sub[] = { "new", "cur", "" };
	char		 dir[NAME_MAX + 1], path[PATH_MAX];
	size_t		 i;
	uint32_t	 mask;

	if (mb->ifd != -1)
		return (mb->ifd);
	if (folder_dir(mb->name, dir, sizeof(dir)) == -1)
		return (-1);
	if ((mb->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return (-1);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s/%s", mb->ms->root, dir,
		    sub[i]) >= (int)sizeof(path))
			goto fail;
		/* the folder itself: the index written or renamed over */
		mask = sub[i][0] == '\0' ? (IN_MODIFY | IN_MOVED_TO) :
		    WATCH_DIR;
		if (inotify_add_watch(mb->ifd, path, mask | IN_ONLYDIR) == -1)
			goto fail;
	}
	return (mb->ifd);
fail:
	log_warn("imapd store: inotify %s", path);
	notify_close(mb);
	return (-1);
}

void
mbox_notify_drain(struct mbox *mb)
{
	char	 b[4096];
	int	 i;

	if (mb->ifd == -1)
		return;
	for (i = 0; i < 64; i++)
		if (read(mb->ifd, b, sizeof(b)) <= 0)
			break;
}

void
notify_close(struct mbox *mb)
{
	if (mb->ifd != -1)
		(void)close(mb->ifd);
	mb->ifd = -1;
}
