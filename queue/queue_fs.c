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
 * queue_fs.c -- the on-disk queue.  Every path is relative to a base
 * directory: "" once the queue is chrooted into the spool, a temporary
 * directory in the unit tests.
 *
 * Commit protocol for the messages M of one round (queue.c queue_round):
 *
 *	create:  queue/M.msg is made (smtp writes it through its fd)
 *	check:   its size is the one smtp announced
 *	prefix:  (only when smtp's commit carries one) incoming/M.pfx gets
 *		 the prefix, then a copy of queue/M.msg, and is renamed
 *		 over queue/M.msg (queue_fs_msg_prefix)
 *	stage:   the envelopes are written into a spare file
 *	data:    one syncfs(2) for every message and staged file
 *	install: each spare is renamed to queue/M.env
 *	sync:    fsync queue/
 *
 * A .msg without .env was never acknowledged and is removed at start-up,
 * so the message is created in place.  The prefix (header fields smtp
 * adds at the end of DATA: DKIM-Signature, Authentication-Results) is
 * put in before the round's syncfs, so that the data sync covers the new
 * file and the fsync of queue/ its rename together with the .env's:
 * durability is unchanged, and a crash before the .env leaves a .msg
 * (prefixed or not) that was never acknowledged and an incoming/ file,
 * both removed at start-up.  The size check is made on smtp's file,
 * before the prefix: the announced size is what smtp wrote.
 *
 * Cost: a message without prefix costs nothing more (no copy, no extra
 * file, the plain COMMIT imsg).  One with a prefix is copied once, in
 * the kernel (copy_file_range(2): page cache to page cache on ext4, a
 * reflink on XFS or btrfs), and its data is synced once as before, by
 * the round's syncfs; the copy is of a file just written, usually still
 * cached.  Prepending in place is impossible, and writing the fields at
 * the end of DATA, before the data, would need smtp to hold the whole
 * message back.
 *
 * The .env appears by a rename of a complete, synced file, so it is
 * whole or absent; a rewrite exchanges the new file with the old one
 * (RENAME_EXCHANGE), so there is always exactly one .env.  Deleting
 * moves the .env away first for the same reason.  A .env without its
 * .msg, or one that does not parse, can only come from damage: both
 * files go to corrupt/ with a log line, never silently.
 *
 * Spares: ext4 without a journal skips inodes freed in the last minutes
 * when it allocates one, scanning them one by one, so that creating and
 * unlinking files per message grows slower under load.  Envelope files
 * of delivered messages are therefore not unlinked but renamed to
 * incoming/spare.N and reused (truncated when taken), and only after the
 * next fsync of queue/, so that after a crash no name in queue/ can point
 * at a reused inode.  Message files are unlinked, never reused: their
 * descriptors leave this process (smtp writes them, agents read them) and
 * a descriptor someone kept must not reach a later message.  incoming/ is
 * emptied at start-up.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
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
#include "queue.h"
#include "smtpd.h"
#include "util.h"

#define QFS_ENV_MAXSIZE		(64UL * 1024 * 1024)
#define QFS_SPARE_MAX		4096	/* per pool */

enum qfs_kind { QFS_MSG, QFS_ENV, QFS_TMP };

struct qfs_entry {
	uint32_t	 msgid;
	unsigned int	 have;		/* 1 << enum qfs_kind */
};

struct qfs_pool {
	uint32_t	 spare[QFS_SPARE_MAX];	/* incoming/spare.N */
	size_t		 n;
};

static char		 qfs_base[PATH_MAX];
static int		 qfs_queuefd = -1;	/* queue/, for fsync */
static uint32_t		 qfs_spare_seq;
static struct qfs_pool	 qfs_pool_env;
/*
 * Envelope files freed this round: reusable only once queue/ is synced,
 * so that after a crash no queue/ name can still point at an inode that
 * was reused.  Message files are never reused: their descriptors leave
 * the queue (smtp writes, agents read), and a kept descriptor must not
 * reach a later message.
 */
static struct qfs_pool	 qfs_hold_env;

static void	qfs_warn(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
static int	qfs_path(char *, const char *, uint32_t, const char *);
static int	qfs_dirpath(char *, const char *);
static int	qfs_sparepath(char *, uint32_t);
static int	qfs_unlink(const char *, uint32_t, const char *);
static int	qfs_spare_take(struct qfs_pool *, uint32_t *);
static void	qfs_spare_put(struct qfs_pool *, uint32_t, const char *);
static void	qfs_retire(const char *);
static int	qfs_write_envs(int, const struct envelope *const *, size_t);
static char	*qfs_read_file(const char *, size_t *);
static int	qfs_parse_envs(uint32_t, const char *, size_t,
		    struct envelope **, size_t *, const char **);
static void	qfs_quarantine(uint32_t, const char *);
static int	qfs_name_parse(const char *, uint32_t *, enum qfs_kind *);
static int	qfs_entry_cmp(const void *, const void *);
static struct qfs_entry *qfs_scan(size_t *);
static void	qfs_load_one(struct qfs_entry *, queue_fs_load_cb, void *,
		    struct queue_fs_loadstats *);
static void	qfs_clear_incoming(void);

void
queue_fs_init(const char *base)
{
	if (strlcpy(qfs_base, base, sizeof(qfs_base)) >= sizeof(qfs_base))
		fatalx("queue_fs_init: base path too long");
	if (qfs_queuefd != -1)
		(void)close(qfs_queuefd);
	qfs_queuefd = -1;
	qfs_pool_env.n = qfs_hold_env.n = 0;
}

const char *
queue_fs_base(void)
{
	return (qfs_base);
}

/*
 * log_warn() for a failed write to the spool, keeping errno: a full or
 * failing disk (ENOSPC, EDQUOT, EIO) is logged rate-limited
 * (queue_space_error), so that retries do not flood the log.
 */
static void
qfs_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 what[PATH_MAX + 64];
	int	 saved = errno;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	queue_space_error(saved, what);
	errno = saved;
}

/* buf is PATH_MAX bytes: base + dir + "/" + %08x + suffix. */
static int
qfs_path(char *buf, const char *dir, uint32_t msgid, const char *suffix)
{
	int	 n;

	n = snprintf(buf, PATH_MAX, "%s%s/%08x%s", qfs_base, dir, msgid,
	    suffix);
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

static int
qfs_dirpath(char *buf, const char *dir)
{
	int	 n;

	n = snprintf(buf, PATH_MAX, "%s%s", qfs_base, dir);
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

static int
qfs_sparepath(char *buf, uint32_t n)
{
	int	 r;

	r = snprintf(buf, PATH_MAX, "%s%s/spare.%u", qfs_base, PATH_INCOMING,
	    n);
	if (r < 0 || r >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

static int
qfs_unlink(const char *dir, uint32_t msgid, const char *suffix)
{
	char	 path[PATH_MAX];

	if (qfs_path(path, dir, msgid, suffix) == -1)
		return (-1);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("unlink %s", path);
		return (-1);
	}
	return (0);
}

/* Create the spool subdirectories (mode 0700, owned by uid:gid). */
int
queue_fs_mkdirs(uid_t uid, gid_t gid)
{
	static const char *const dirs[] = {
		PATH_INCOMING, PATH_QUEUE, PATH_CORRUPT
	};
	char		 path[PATH_MAX];
	size_t		 i;

	if (qfs_base[0] != '\0' && mkdir_p(qfs_base, 0711) == -1) {
		log_warn("mkdir %s", qfs_base);
		return (-1);
	}
	for (i = 0; i < nitems(dirs); i++) {
		if (qfs_dirpath(path, dirs[i]) == -1)
			return (-1);
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			log_warn("mkdir %s", path);
			return (-1);
		}
		if (chown(path, uid, gid) == -1 || chmod(path, 0700) == -1) {
			log_warn("chown %s", path);
			return (-1);
		}
	}
	return (0);
}

/*
 * An empty file open for writing, as incoming/spare.N: a spare of pool p
 * truncated, or a new one.  Returns the fd, or -1 with errno.
 */
static int
qfs_spare_take(struct qfs_pool *p, uint32_t *np)
{
	char	 path[PATH_MAX];
	int	 fd;

	while (p->n > 0) {
		*np = p->spare[--p->n];
		if (qfs_sparepath(path, *np) == -1)
			return (-1);
		fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
		if (fd != -1)
			return (fd);
		qfs_warn("open %s", path);
	}
	for (;;) {
		*np = ++qfs_spare_seq;
		if (qfs_sparepath(path, *np) == -1)
			return (-1);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			return (fd);
	}
}

/* incoming/spare.N is free again: keep it, or unlink it if p is full. */
static void
qfs_spare_put(struct qfs_pool *p, uint32_t n, const char *path)
{
	if (p->n < QFS_SPARE_MAX) {
		p->spare[p->n++] = n;
		return;
	}
	if (unlink(path) == -1)
		log_warn("unlink %s", path);
}

/*
 * Move the envelope file at path (relative to the base) to the spares
 * held until the next sync of queue/.
 */
static void
qfs_retire(const char *path)
{
	struct qfs_pool	*p = &qfs_hold_env;
	char		 spare[PATH_MAX];
	uint32_t	 n;

	if (p->n >= QFS_SPARE_MAX) {
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("unlink %s", path);
		return;
	}
	n = ++qfs_spare_seq;
	if (qfs_sparepath(spare, n) == -1)
		return;
	if (renameat2(AT_FDCWD, path, AT_FDCWD, spare, RENAME_NOREPLACE) ==
	    -1) {
		if (errno != ENOENT && unlink(path) == -1 && errno != ENOENT)
			log_warn("unlink %s", path);
		return;
	}
	p->spare[p->n++] = n;
}

/*
 * New queue/<msgid>.msg, open for writing.  -1 with errno (EEXIST if it
 * exists).  Not acknowledged while there is no .env beside it.
 */
int
queue_fs_create(uint32_t msgid)
{
	char	path[PATH_MAX];

	if (qfs_path(path, PATH_QUEUE, msgid, ".msg") == -1)
		return (-1);
	return (open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600));
}

/* Forget an uncommitted message. */
void
queue_fs_discard(uint32_t msgid)
{
	char	 path[PATH_MAX];

	if (qfs_path(path, PATH_QUEUE, msgid, ".msg") == 0 &&
	    unlink(path) == -1 && errno != ENOENT)
		log_warn("unlink %s", path);
}

static int
qfs_write_envs(int fd, const struct envelope *const *evps, size_t n)
{
	char	*buf;
	size_t	 i;
	int	 len, r = 0;

	buf = xmalloc(ENVELOPE_DUMP_MAX);
	for (i = 0; i < n && r == 0; i++) {
		if ((len = envelope_dump(evps[i], buf,
		    ENVELOPE_DUMP_MAX)) == -1) {
			log_warnx("envelope %016llx cannot be written",
			    (unsigned long long)evps[i]->id);
			errno = EINVAL;
			r = -1;
		} else if (write_full(fd, buf, (size_t)len) == -1)
			r = -1;
	}
	free(buf);
	return (r);
}

/*
 * Group commit in two steps, for a whole round of messages:
 *	queue_fs_msg_check() and queue_fs_env_stage() for each (no sync),
 *	queue_fs_data_sync(): one syncfs(2) makes every message and staged
 *	    envelope file durable at once,
 *	queue_fs_env_install() for each (rename into queue/),
 *	queue_fs_sync(): fsync queue/.
 * An .env only appears once its content is on disk, as before, with two
 * flushes per round instead of two per message.
 */
int
queue_fs_env_stage(uint32_t msgid, const struct envelope *const *evps,
    size_t n, uint32_t *spare)
{
	char	 path[PATH_MAX];
	int	 fd, r, saved;

	if ((fd = qfs_spare_take(&qfs_pool_env, spare)) == -1 ||
	    qfs_sparepath(path, *spare) == -1) {
		qfs_warn("%08x: spare envelope file", msgid);
		saved = errno;
		if (fd != -1)
			(void)close(fd);
		errno = saved;
		return (-1);
	}
	/* close it on a failed write too: a full disk must not leak fds */
	r = qfs_write_envs(fd, evps, n);
	saved = errno;
	if (close(fd) == -1 && r == 0) {
		r = -1;
		saved = errno;
	}
	if (r == -1) {
		errno = saved;
		qfs_warn("write %s", path);
		qfs_spare_put(&qfs_pool_env, *spare, path);
		errno = saved;
		return (-1);
	}
	return (0);
}

/* A staged file that will not be installed. */
void
queue_fs_env_unstage(uint32_t spare)
{
	char	path[PATH_MAX];

	if (qfs_sparepath(path, spare) == 0)
		qfs_spare_put(&qfs_pool_env, spare, path);
}

/*
 * Put a staged (and synced) file in place as queue/<msgid>.env: a new one
 * (replace == 0, which must not exist), or atomically instead of the old
 * one (replace == 1), which becomes a spare after the next sync.  The
 * directory is not synced (queue_fs_sync).  -1, logged.
 */
int
queue_fs_env_install(uint32_t msgid, uint32_t sn, int replace)
{
	char	path[PATH_MAX], spare[PATH_MAX];
	int	r;

	if (qfs_path(path, PATH_QUEUE, msgid, ".env") == -1 ||
	    qfs_sparepath(spare, sn) == -1)
		return (-1);
	if (!replace)
		r = renameat2(AT_FDCWD, spare, AT_FDCWD, path,
		    RENAME_NOREPLACE);
	else if ((r = renameat2(AT_FDCWD, spare, AT_FDCWD, path,
	    RENAME_EXCHANGE)) == 0) {
		/* the old envelopes are now a spare, after the sync */
		qfs_spare_put(&qfs_hold_env, sn, spare);
		return (0);
	} else if (errno == EINVAL || errno == ENOENT)
		r = rename(spare, path);	/* no exchange here */
	if (r == -1) {
		qfs_warn("rename %s", spare);
		r = errno;
		qfs_spare_put(&qfs_pool_env, sn, spare);
		errno = r;
		return (-1);
	}
	return (0);
}

/* The message's size is what its writer announced.  -1, logged. */
int
queue_fs_msg_check(uint32_t msgid, uint64_t size)
{
	char		 path[PATH_MAX];
	struct stat	 sb;

	if (qfs_path(path, PATH_QUEUE, msgid, ".msg") == -1)
		return (-1);
	if (lstat(path, &sb) == -1) {
		log_warn("stat %s", path);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != size) {
		log_warnx("%08x: message size %lld, expected %llu", msgid,
		    (long long)sb.st_size, (unsigned long long)size);
		return (-1);
	}
	return (0);
}

/* Copy fd in to fd out from their offsets to the end of in: 0 or -1. */
static int
qfs_copy(int in, int out)
{
	char	*buf;
	ssize_t	 n;
	int	 r = 0;

	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, 1024 * 1024, 0);
		if (n == 0)
			return (0);
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != ENOSYS && errno != EXDEV && errno != EINVAL &&
		    errno != EOPNOTSUPP)
			return (-1);
		break;			/* no in-kernel copy here */
	}
	buf = xmalloc(64 * 1024);
	for (;;) {
		if ((n = read(in, buf, 64 * 1024)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n == 0 ? 0 : -1;
			break;
		}
		if (write_full(out, buf, (size_t)n) == -1) {
			r = -1;
			break;
		}
	}
	free(buf);
	return (r);
}

/*
 * Put prefix (len bytes: whole header fields, CRLF lines) before the
 * size bytes of queue/<msgid>.msg: incoming/<msgid>.pfx is written with
 * the prefix and a copy of the message, then renamed over the .msg.
 * Nothing is synced here (the round's syncfs and fsync of queue/ do
 * it).  -1 with errno, logged; the .msg is then as it was.
 */
int
queue_fs_msg_prefix(uint32_t msgid, uint64_t size, const char *prefix,
    size_t len)
{
	char		 path[PATH_MAX], tmp[PATH_MAX];
	struct stat	 sb;
	int		 in = -1, out = -1, saved;

	if (qfs_path(path, PATH_QUEUE, msgid, ".msg") == -1 ||
	    qfs_path(tmp, PATH_INCOMING, msgid, ".pfx") == -1)
		return (-1);
	if ((in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_warn("open %s", path);
		return (-1);
	}
	if (unlink(tmp) == -1 && errno != ENOENT)
		goto fail;
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		goto fail;
	if (write_full(out, prefix, len) == -1 || qfs_copy(in, out) == -1)
		goto fail;
	/* what was copied is what was checked: nothing changed it since */
	if (fstat(out, &sb) == -1)
		goto fail;
	if ((uint64_t)sb.st_size != size + (uint64_t)len) {
		log_warnx("%08x: prefixed message size %lld, expected %llu",
		    msgid, (long long)sb.st_size,
		    (unsigned long long)size + (unsigned long long)len);
		errno = EIO;
		goto fail;
	}
	if (close(out) == -1) {
		out = -1;
		goto fail;
	}
	out = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	(void)close(in);
	return (0);
 fail:
	saved = errno;
	qfs_warn("%08x: prefix %s", msgid, tmp);
	if (out != -1)
		(void)close(out);
	(void)close(in);
	(void)unlink(tmp);
	errno = saved;
	return (-1);
}

/* Size of queue/<msgid>.msg, or -1 (for smtpctl show queue). */
int64_t
queue_fs_msg_size(uint32_t msgid)
{
	char		 path[PATH_MAX];
	struct stat	 sb;

	if (qfs_path(path, PATH_QUEUE, msgid, ".msg") == -1 ||
	    lstat(path, &sb) == -1)
		return (-1);
	return ((int64_t)sb.st_size);
}

static int
qfs_queuefd_open(void)
{
	char	path[PATH_MAX];

	if (qfs_queuefd != -1)
		return (0);
	if (qfs_dirpath(path, PATH_QUEUE) == -1 ||
	    (qfs_queuefd = open(path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		log_warn("open %s%s", qfs_base, PATH_QUEUE);
		return (-1);
	}
	return (0);
}

/* Everything written so far on the spool's filesystem, to disk. */
int
queue_fs_data_sync(void)
{
	if (qfs_queuefd_open() == -1)
		return (-1);
	if (syncfs(qfs_queuefd) == -1) {
		qfs_warn("syncfs %s", qfs_base);
		return (-1);
	}
	return (0);
}

/* Undo a failed commit: no file of msgid may stay behind. */
void
queue_fs_abort(uint32_t msgid)
{
	(void)qfs_unlink(PATH_QUEUE, msgid, ".env");
	(void)qfs_unlink(PATH_QUEUE, msgid, ".msg");
}

/* Make the renames of this round durable: fsync queue/. */
int
queue_fs_sync(void)
{
	char	 path[PATH_MAX];

	if (qfs_queuefd_open() == -1)
		return (-1);
	if (fsync(qfs_queuefd) == -1) {
		qfs_warn("fsync %s%s", qfs_base, PATH_QUEUE);
		return (-1);
	}
	/* what was freed before this sync may now be reused */
	while (qfs_hold_env.n > 0) {
		uint32_t	n = qfs_hold_env.spare[--qfs_hold_env.n];

		if (qfs_sparepath(path, n) == 0)
			qfs_spare_put(&qfs_pool_env, n, path);
	}
	return (0);
}

/* All envelopes of msgid are gone: .env first, then .msg, to spares. */
void
queue_fs_delete(uint32_t msgid)
{
	char	 path[PATH_MAX];

	if (qfs_path(path, PATH_QUEUE, msgid, ".env") == 0)
		qfs_retire(path);
	if (qfs_path(path, PATH_QUEUE, msgid, ".msg") == 0 &&
	    unlink(path) == -1 && errno != ENOENT)
		log_warn("unlink %s", path);
}

int
queue_fs_open(uint32_t msgid)
{
	char	 path[PATH_MAX];

	if (qfs_path(path, PATH_QUEUE, msgid, ".msg") == -1)
		return (-1);
	return (open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
}

static char *
qfs_read_file(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return (NULL);
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > QFS_ENV_MAXSIZE) {
		(void)close(fd);
		errno = EFBIG;
		return (NULL);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	n = read_full(fd, buf, (size_t)sb.st_size);
	(void)close(fd);
	if (n != (ssize_t)sb.st_size) {
		free(buf);
		errno = EIO;
		return (NULL);
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return (buf);
}

/* Every envelope in buf; they must belong to msgid and be distinct. */
static int
qfs_parse_envs(uint32_t msgid, const char *buf, size_t len,
    struct envelope **out, size_t *nout, const char **reason)
{
	static char	 why[160];
	struct envelope	*v = NULL;
	size_t		 n = 0, off = 0, used, i;

	while (off < len) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		if (envelope_load_next(&v[n], buf + off, len - off,
		    &used) == -1) {
			(void)snprintf(why, sizeof(why), "envelope %zu: %s",
			    n + 1, envelope_errstr());
			goto bad;
		}
		off += used;
		if (evpid_to_msgid(v[n].id) != msgid) {
			(void)snprintf(why, sizeof(why),
			    "envelope %zu: id %016llx not in this message",
			    n + 1, (unsigned long long)v[n].id);
			goto bad;
		}
		for (i = 0; i < n; i++)
			if (v[i].id == v[n].id) {
				(void)snprintf(why, sizeof(why),
				    "envelope %zu: duplicate id", n + 1);
				goto bad;
			}
		n++;
	}
	if (n == 0) {
		(void)snprintf(why, sizeof(why), "no envelope");
		goto bad;
	}
	*out = v;
	*nout = n;
	return (0);
bad:
	free(v);
	*reason = why;
	return (-1);
}

/* Move whatever exists of msgid's .env and .msg to corrupt/. */
static void
qfs_quarantine(uint32_t msgid, const char *reason)
{
	static const char *const sfx[] = { ".env", ".msg" };
	char		 from[PATH_MAX], to[PATH_MAX], tsfx[48];
	size_t		 i;

	log_warnx("%08x: queue/%08x.env: %s: moved to corrupt/", msgid,
	    msgid, reason);
	for (i = 0; i < nitems(sfx); i++) {
		(void)snprintf(tsfx, sizeof(tsfx), ".%lld%s",
		    (long long)time(NULL), sfx[i]);
		if (qfs_path(from, PATH_QUEUE, msgid, sfx[i]) == -1 ||
		    qfs_path(to, PATH_CORRUPT, msgid, tsfx) == -1)
			continue;
		if (rename(from, to) == -1 && errno != ENOENT)
			log_warn("rename %s", from);
	}
}

static int
qfs_name_parse(const char *name, uint32_t *msgid, enum qfs_kind *kind)
{
	char		 hex[9];
	const char	*sfx;
	char		*end;
	unsigned long	 v;

	if (strlen(name) < 12 || strspn(name, "0123456789abcdef") != 8)
		return (-1);
	memcpy(hex, name, 8);
	hex[8] = '\0';
	v = strtoul(hex, &end, 16);
	if (*end != '\0' || v == 0)
		return (-1);
	sfx = name + 8;
	if (strcmp(sfx, ".msg") == 0)
		*kind = QFS_MSG;
	else if (strcmp(sfx, ".env") == 0)
		*kind = QFS_ENV;
	else if (strcmp(sfx, ".env.tmp") == 0)
		*kind = QFS_TMP;
	else
		return (-1);
	*msgid = (uint32_t)v;
	return (0);
}

static int
qfs_entry_cmp(const void *a, const void *b)
{
	const struct qfs_entry	*ea = a, *eb = b;

	if (ea->msgid < eb->msgid)
		return (-1);
	return (ea->msgid > eb->msgid);
}

/* The files of queue/, grouped by msgid and sorted; NULL on error. */
static struct qfs_entry *
qfs_scan(size_t *np)
{
	char			 path[PATH_MAX];
	struct qfs_entry	*v = NULL;
	struct dirent		*de;
	DIR			*d;
	size_t			 n = 0, i, j;
	uint32_t		 msgid;
	enum qfs_kind		 kind;

	if (qfs_dirpath(path, PATH_QUEUE) == -1 ||
	    (d = opendir(path)) == NULL) {
		log_warn("opendir %s%s", qfs_base, PATH_QUEUE);
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (qfs_name_parse(de->d_name, &msgid, &kind) == -1) {
			log_warnx("%s/%s: unexpected file name, left alone",
			    path, de->d_name);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].msgid = msgid;
		v[n++].have = 1U << kind;
	}
	(void)closedir(d);
	if (n == 0) {
		*np = 0;
		return (v == NULL ? xcalloc(1, sizeof(*v)) : v);
	}
	qsort(v, n, sizeof(*v), qfs_entry_cmp);
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && v[j - 1].msgid == v[i].msgid)
			v[j - 1].have |= v[i].have;
		else
			v[j++] = v[i];
	}
	*np = j;
	return (v);
}

static void
qfs_load_one(struct qfs_entry *e, queue_fs_load_cb cb, void *arg,
    struct queue_fs_loadstats *st)
{
	char		 path[PATH_MAX];
	const char	*reason;
	struct envelope	*evps;
	char		*buf;
	size_t		 len, n;

	if (e->have & (1U << QFS_TMP))
		(void)qfs_unlink(PATH_QUEUE, e->msgid, ".env.tmp");
	if (!(e->have & (1U << QFS_ENV))) {
		if (e->have & (1U << QFS_MSG)) {
			log_info("%08x: message never acknowledged, removed",
			    e->msgid);
			(void)qfs_unlink(PATH_QUEUE, e->msgid, ".msg");
			st->removed++;
		}
		return;
	}
	if (!(e->have & (1U << QFS_MSG))) {
		qfs_quarantine(e->msgid, "message file missing");
		st->corrupt++;
		return;
	}
	if (qfs_path(path, PATH_QUEUE, e->msgid, ".env") == -1 ||
	    (buf = qfs_read_file(path, &len)) == NULL) {
		qfs_quarantine(e->msgid, strerror(errno));
		st->corrupt++;
		return;
	}
	if (qfs_parse_envs(e->msgid, buf, len, &evps, &n, &reason) == -1) {
		free(buf);
		qfs_quarantine(e->msgid, reason);
		st->corrupt++;
		return;
	}
	free(buf);
	st->messages++;
	st->envelopes += n;
	cb(arg, e->msgid, evps, n);
	free(evps);
}

static void
qfs_clear_incoming(void)
{
	char		 dir[PATH_MAX], path[PATH_MAX];
	struct dirent	*de;
	DIR		*d;
	int		 n;

	qfs_pool_env.n = qfs_hold_env.n = 0;
	if (qfs_dirpath(dir, PATH_INCOMING) == -1 ||
	    (d = opendir(dir)) == NULL) {
		log_warn("opendir %s%s", qfs_base, PATH_INCOMING);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (unlink(path) == -1)
			log_warn("unlink %s", path);
		else
			log_debug("removed unfinished %s", path);
	}
	(void)closedir(d);
}

/*
 * Start-up: walk queue/, hand every valid message to cb (msgid, its
 * envelopes), remove what was never acknowledged, quarantine the damaged,
 * and clear incoming/.  Returns -1 if queue/ cannot be read.
 */
int
queue_fs_load(queue_fs_load_cb cb, void *arg, struct queue_fs_loadstats *st)
{
	struct qfs_entry	*v;
	size_t			 n, i;

	memset(st, 0, sizeof(*st));
	if ((v = qfs_scan(&n)) == NULL)
		return (-1);
	for (i = 0; i < n; i++)
		qfs_load_one(&v[i], cb, arg, st);
	free(v);
	qfs_clear_incoming();
	return (0);
}
