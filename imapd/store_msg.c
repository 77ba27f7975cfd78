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
 * store_msg.c -- what a view does to its messages: STORE (the file is
 * renamed to carry the new flags, the record gets a new modseq),
 * EXPUNGE (the file is unlinked first, then its record becomes a
 * tombstone: a crash in between is reconciled by the next rescan, since
 * the unlink changed cur/'s mtime), COPY (a hard link when possible)
 * and the read-only mapping of a message's bytes.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "store_int.h"

static int	 msg_path(struct idx *, const struct idx_rec *, char *,
		    size_t);
static int	 uid_in(const struct seqset *, uint32_t, uint32_t);
static int	 copy_file(int, const char *, int, const char *);
static uint64_t	 copy_keywords(struct mbox *, int, uint64_t);

/* "cur/name" of a record's file, looked for when its flags moved. */
static int
msg_path(struct idx *ix, const struct idx_rec *r, char *path, size_t len)
{
	char		 name[NAME_MAX + 1];
	struct stat	 st;

	if (msg_file_name(name, sizeof(name), r->key, r->flags) == -1 ||
	    snprintf(path, len, "cur/%s", name) >= (int)len)
		return (-1);
	if (fstatat(ix->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return (0);
	if (msg_find_key(ix->dirfd, r->key, name, sizeof(name)) == -1 ||
	    snprintf(path, len, "cur/%s", name) >= (int)len)
		return (-1);
	return (0);
}

/* After our own changes to cur/: the index agrees with it again. */
static int
msg_done(struct idx *ix)
{
	struct timespec	 ts;

	if (idx_stat_cur(ix, &ts) == 0)
		idx_set_cur(ix, &ts);
	return (idx_write_hdr(ix));
}

int
mbox_set_flags(struct mbox *mb, uint32_t seq, uint64_t flags)
{
	struct idx		*ix = &mb->idx;
	const struct idx_rec	*r;
	struct idx_rec		 rec;
	struct mrec		*v;
	char			 from[PATH_MAX], name[NAME_MAX + 1];
	char			 to[PATH_MAX];
	size_t			 slot;
	int			 ret = -1;

	if (seq == 0 || seq > mb->count)
		return (-1);
	v = &mb->recs[seq - 1];
	flags &= MF_SYSTEM | MF_KEYWORD_MASK;
	if (idx_lock(ix, LOCK_EX) == -1)
		return (-1);
	if (idx_sync(ix) == 0 && (r = idx_find(ix, v->uid, &slot)) != NULL) {
		rec = *r;
		if (rec.flags == flags)
			ret = 0;
		else if (msg_path(ix, &rec, from, sizeof(from)) == 0 &&
		    msg_file_name(name, sizeof(name), rec.key, flags) == 0 &&
		    snprintf(to, sizeof(to), "cur/%s", name) <
		    (int)sizeof(to) &&
		    renameat(ix->dirfd, from, ix->dirfd, to) == 0) {
			rec.flags = flags;
			rec.modseq = ix->hdr.highestmodseq + 1;
			if (idx_put(ix, slot, &rec) == 0 && msg_done(ix) == 0)
				ret = 0;
		}
		if (ret == 0) {
			v->flags = rec.flags | (v->flags & MF_RECENT);
			v->modseq = rec.modseq;
		}
	}
	idx_unlock(ix);
	return (ret);
}

static int
uid_in(const struct seqset *set, uint32_t uid, uint32_t star)
{
	uint32_t	 lo, hi, t;
	size_t		 i;

	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_SEQ_STAR ? star : set->r[i].lo;
		hi = set->r[i].hi == IMAP_SEQ_STAR ? star : set->r[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (uid >= lo && uid <= hi)
			return (1);
	}
	return (0);
}

int
mbox_expunge(struct mbox *mb, const struct seqset *uids, int force,
    struct mbox_changes *ch)
{
	struct idx		*ix = &mb->idx;
	const struct idx_rec	*r;
	struct idx_rec		 rec;
	char			 path[PATH_MAX];
	uint32_t		 i, star;
	size_t			 slot;
	int			 changed = 0;

	memset(ch, 0, sizeof(*ch));
	if (mb->readonly)
		return (-1);
	star = mb->count ? mb->recs[mb->count - 1].uid : 0;
	if (idx_lock(ix, LOCK_EX) == -1)
		return (-1);
	if (idx_sync(ix) == -1) {
		idx_unlock(ix);
		return (-1);
	}
	for (i = 0; i < mb->count; i++) {
		if (uids != NULL && !uid_in(uids, mb->recs[i].uid, star))
			continue;
		if ((r = idx_find(ix, mb->recs[i].uid, &slot)) == NULL)
			continue;
		if (!force && !(r->flags & MF_DELETED))
			continue;
		rec = *r;
		if (msg_path(ix, &rec, path, sizeof(path)) == 0 &&
		    unlinkat(ix->dirfd, path, 0) == -1 && errno != ENOENT)
			continue;
		rec.state = IR_EXPUNGED;
		rec.modseq = ix->hdr.highestmodseq + 1;
		if (idx_put(ix, slot, &rec) == 0) {
			ix->ndead++;
			changed = 1;
		}
	}
	if (changed && msg_done(ix) == 0)
		(void)idx_maybe_compact(ix);
	idx_unlock(ix);
	return (mbox_sync(mb, ch));
}

/* Copy a file's bytes (no hard link possible), fsync'd. */
static int
copy_file(int sfd, const char *spath, int dfd, const char *dpath)
{
	char	 b[65536];
	ssize_t	 n;
	int	 in, out, r = -1;

	if ((in = openat(sfd, spath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return (-1);
	out = openat(dfd, dpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (out != -1) {
		while ((n = read(in, b, sizeof(b))) > 0)
			if (write_full(out, b, (size_t)n) == -1)
				break;
		if (n == 0 && fsync(out) == 0)
			r = 0;
		(void)close(out);
		if (r == -1)
			(void)unlinkat(dfd, dpath, 0);
	}
	(void)close(in);
	return (r);
}

/* The keyword bits of flags, renumbered for the folder at dirfd. */
static uint64_t
copy_keywords(struct mbox *mb, int dirfd, uint64_t flags)
{
	char		*kw[MF_KEYWORDS_MAX] = { NULL };
	size_t		 nkw = 0, k;
	uint64_t	 out = flags & MF_SYSTEM;
	int		 d;

	if (!(flags & MF_KEYWORD_MASK))
		return (out);
	(void)kw_read(dirfd, kw, &nkw, NULL);
	for (k = 0; k < mb->nkw; k++)
		if ((flags & MF_KEYWORD(k)) &&
		    (d = kw_index(dirfd, kw, &nkw, mb->kw[k], 1)) >= 0)
			out |= MF_KEYWORD(d);
	kw_free(kw, &nkw);
	return (out);
}

int
mbox_copy(struct mbox *mb, uint32_t seq, struct mstore *ms,
    const char *dest, uint32_t *uidvalidity, uint32_t *uid,
    const char **err)
{
	struct idx		 dix;
	const struct idx_rec	*r;
	struct idx_rec		 rec;
	struct stat		 st;
	char			 src[PATH_MAX], key[IDX_KEYLEN], tmp[PATH_MAX];
	size_t			 slot;
	int			 dirfd, ok = 0, ret = -1;

	*err = "[EXPUNGEISSUED] Message was expunged";
	if (seq == 0 || seq > mb->count || idx_lock(&mb->idx, LOCK_SH) == -1)
		return (-1);
	if ((r = idx_find(&mb->idx, mb->recs[seq - 1].uid, &slot)) != NULL) {
		rec = *r;
		ok = msg_path(&mb->idx, &rec, src, sizeof(src)) == 0 &&
		    fstatat(mb->idx.dirfd, src, &st, AT_SYMLINK_NOFOLLOW) == 0;
	}
	idx_unlock(&mb->idx);
	if (!ok)
		return (-1);
	if ((dirfd = folder_open_dir(ms, dest)) == -1) {
		*err = "[TRYCREATE] No such mailbox";
		return (-1);
	}
	*err = "[SERVERBUG] Cannot copy the message";
	rec.flags = copy_keywords(mb, dirfd, rec.flags);
	if (msg_new_key(key, sizeof(key), (size_t)st.st_size, rec.size) ==
	    -1 || snprintf(tmp, sizeof(tmp), "tmp/%s", key) >=
	    (int)sizeof(tmp) ||
	    (linkat(mb->idx.dirfd, src, dirfd, tmp, 0) == -1 &&
	    copy_file(mb->idx.dirfd, src, dirfd, tmp) == -1)) {
		(void)close(dirfd);
		return (-1);
	}
	if (idx_open(&dix, ms, dirfd) == 0) {
		if (idx_lock(&dix, LOCK_EX) == 0 && idx_sync(&dix) == 0 &&
		    store_commit(&dix, tmp, key, rec.flags, rec.size,
		    (time_t)rec.internaldate, uid) == 0) {
			*uidvalidity = dix.hdr.uidvalidity;
			ret = 0;
		}
		idx_close(&dix);
	}
	if (ret == -1)
		(void)unlinkat(dirfd, tmp, 0);
	(void)close(dirfd);
	return (ret);
}

int
mbox_map(struct mbox *mb, uint32_t seq, const char **p, size_t *len)
{
	const struct idx_rec	*r;
	struct idx_rec		 rec;
	struct stat		 st;
	char			 path[PATH_MAX];
	size_t			 slot;
	void			*m;
	int			 fd;

	if (seq == 0 || seq > mb->count ||
	    (r = idx_find(&mb->idx, mb->recs[seq - 1].uid, &slot)) == NULL)
		return (-1);
	rec = *r;
	if (msg_path(&mb->idx, &rec, path, sizeof(path)) == -1 ||
	    (fd = openat(mb->idx.dirfd, path, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1) {
		(void)close(fd);
		return (-1);
	}
	if (st.st_size == 0) {
		(void)close(fd);
		*p = "";
		*len = 0;
		return (0);
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	(void)close(fd);
	if (m == MAP_FAILED)
		return (-1);
	mb->maps = xreallocarray(mb->maps, mb->nmaps + 1, sizeof(*mb->maps));
	mb->maps[mb->nmaps].seq = seq;
	mb->maps[mb->nmaps].p = m;
	mb->maps[mb->nmaps].len = (size_t)st.st_size;
	mb->nmaps++;
	*p = m;
	*len = (size_t)st.st_size;
	return (0);
}

void
mbox_unmap(struct mbox *mb, uint32_t seq)
{
	size_t	 i;

	for (i = 0; i < mb->nmaps; i++)
		if (mb->maps[i].seq == seq) {
			(void)munmap(mb->maps[i].p, mb->maps[i].len);
			mb->maps[i] = mb->maps[--mb->nmaps];
			return;
		}
}
