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
 * agent_file.c -- alias and .forward "/path" deliveries (DT_FILE).
 *
 * SECURITY: runs as the envelope's user (the .forward owner, or the
 * unprivileged user for root-owned aliases), so the kernel decides which
 * files can be written.  The path must be absolute without "." or ".."
 * components; agent_mbox_append() refuses symlinks, hard links and
 * anything but a regular file.  "/dev/null" is accepted without opening.
 */

#include <sys/types.h>

#include <string.h>

#include "smtpd.h"
#include "agent.h"

int
agent_file_deliver(const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	const char	*path = d->evp.arg;

	agent_report_init(rep);
	if (!agent_path_safe(path))
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.5 bad file path in alias"));
	if (strcmp(path, "/dev/null") == 0) {
		(void)strlcpy(rep->path, path, sizeof(rep->path));
		return (agent_report_set(rep, ST_OK, "250 2.0.0 discarded"));
	}
	return (agent_mbox_append(path, 0, d, msgfd, rep));
}
