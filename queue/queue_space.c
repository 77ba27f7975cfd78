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
 * queue_space.c -- a full spool never half-accepts.
 *
 * New mail is refused with 452 4.3.1 (RFC 5321 4.5.3.1.10, RFC 3463)
 * while the spool's filesystem has less free space or fewer free inodes
 * than "queue min-free" / "queue min-free-inodes": the reserve is what
 * retries, bounces and envelope rewrites of mail already accepted need.
 * The check (statvfs(3), that is statfs(2), allowed by SANDBOX_QUEUE) runs
 * on every new message and again at its commit, so that service resumes
 * by itself as soon as space returns.  One log line when the spool goes
 * below a threshold, one when it is back.
 *
 * A write or sync that fails anyway with ENOSPC, EDQUOT or EIO (the
 * message data smtp writes, the envelope file, syncfs, the rename, the
 * fsync of queue/) fails only the transaction under way, with 452 4.3.1;
 * committed messages are never touched by a failed commit.  Those errors
 * are logged at most once per QSPACE_LOG_INTERVAL, with how many were
 * not, so that a full disk does not also flood the log.
 */

#include <sys/types.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "queue.h"
#include "smtpd.h"
#include "util.h"

#define QSPACE_LOG_INTERVAL	60000	/* ms between disk error lines */

static int		 qspace_low;		/* below a threshold */
static uint64_t		 qspace_lastlog;	/* monotonic ms */
static uint64_t		 qspace_suppressed;

static uint64_t	qspace_need(const struct minfree *, uint64_t);

/* The threshold in units: absolute, or a percentage of total. */
static uint64_t
qspace_need(const struct minfree *mf, uint64_t total)
{
	if (!mf->percent)
		return (mf->value);
	return (total / 100 * mf->value + total % 100 * mf->value / 100);
}

/*
 * 0 if the spool has room for new mail, -1 if it is below a threshold
 * (or cannot be checked: then the write itself will tell).
 */
int
queue_space_check(void)
{
	struct statvfs	 sv;
	char		 path[PATH_MAX];
	uint64_t	 bytes, need, inodes, ineed;
	int		 low;

	(void)snprintf(path, sizeof(path), "%s%s", queue_fs_base(),
	    PATH_QUEUE);
	if (statvfs(path, &sv) == -1) {
		queue_space_error(errno, "statvfs");
		return (0);
	}
	bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	need = qspace_need(&env->queue_minfree,
	    (uint64_t)sv.f_blocks * sv.f_frsize);
	inodes = (uint64_t)sv.f_favail;
	/* f_files is 0 where inodes are not counted (e.g. btrfs) */
	ineed = sv.f_files == 0 ? 0 : qspace_need(&env->queue_minfree_inodes,
	    (uint64_t)sv.f_files);
	low = bytes < need || inodes < ineed;
	if (low && !qspace_low)
		log_warnx("queue: spool below its free space threshold, new "
		    "mail refused (452 4.3.1): free=%lluK min-free=%lluK "
		    "inodes=%llu min-free-inodes=%llu",
		    (unsigned long long)(bytes / 1024),
		    (unsigned long long)(need / 1024),
		    (unsigned long long)inodes, (unsigned long long)ineed);
	else if (!low && qspace_low)
		log_info("queue: spool above its free space threshold again, "
		    "new mail accepted: free=%lluK inodes=%llu",
		    (unsigned long long)(bytes / 1024),
		    (unsigned long long)inodes);
	qspace_low = low;
	return (low ? -1 : 0);
}

/* 1 if the last check found the spool below a threshold. */
int
queue_space_low(void)
{
	return (qspace_low);
}

/* 1 if err means the storage is full or failing. */
int
queue_space_errno(int err)
{
	return (err == ENOSPC || err == EDQUOT || err == EIO);
}

/* The reply for a transaction that failed with err. */
const char *
queue_space_reply(int err)
{
	return (queue_space_errno(err) ? QUEUE_NO_SPACE : QUEUE_WRITE_ERROR);
}

/*
 * A write to the spool failed with err while doing what: log it, at most
 * one line per QSPACE_LOG_INTERVAL for storage errors.
 */
void
queue_space_error(int err, const char *what)
{
	uint64_t	 now = monotonic_ms();

	if (!queue_space_errno(err)) {
		log_warnx("queue: %s: %s", what, strerror(err));
		return;
	}
	if (qspace_lastlog != 0 && now - qspace_lastlog < QSPACE_LOG_INTERVAL) {
		qspace_suppressed++;
		return;
	}
	if (qspace_suppressed > 0)
		log_warnx("queue: spool write error: %s: %s (and %llu more "
		    "not logged)", what, strerror(err),
		    (unsigned long long)qspace_suppressed);
	else
		log_warnx("queue: spool write error: %s: %s", what,
		    strerror(err));
	qspace_lastlog = now;
	qspace_suppressed = 0;
}
