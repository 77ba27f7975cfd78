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
 * store.c -- a user's store: opening it (the root and its default
 * folders with their SPECIAL-USE attributes), STATUS and QUOTA figures
 * from the indexes, and APPEND (tmp/, fsync, cur/, then the record).
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

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
	const char	*name;
	unsigned int	 su;
} defaults[] = {
	{ "Sent", SU_SENT },
	{ "Drafts", SU_DRAFTS },
	{ "Trash", SU_TRASH },
	{ "Junk", SU_JUNK },
	{ "Archive", SU_ARCHIVE },
};

static int	 store_defaults(struct mstore *);
static int	 store_write_tmp(int, const char *, const char *, size_t,
		    time_t);
static int	 store_index_status(struct idx *, struct mbox_status *);

struct mstore *
mstore_open(const char *root, const char **err)
{
	struct mstore	*ms;
	static const char *const sub[] = { "cur", "new", "tmp" };
	size_t		 i;

	if (mkdir_p(root, 0700) == -1 && errno != EEXIST) {
		*err = "[SERVERBUG] Cannot create the mail store";
		return (NULL);
	}
	ms = xcalloc(1, sizeof(*ms));
	ms->root = xstrdup(root);
	ms->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ms->rootfd == -1) {
		*err = "[SERVERBUG] Cannot open the mail store";
		mstore_close(ms);
		return (NULL);
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (mkdirat(ms->rootfd, sub[i], 0700) == -1 &&
		    errno != EEXIST) {
			*err = "[SERVERBUG] Cannot create INBOX";
			mstore_close(ms);
			return (NULL);
		}
	if (store_defaults(ms) == -1) {
		*err = "[SERVERBUG] Cannot create the default folders";
		mstore_close(ms);
		return (NULL);
	}
	return (ms);
}

/* The first time: Sent, Drafts... and the SPECIAL-USE file. */
static int
store_defaults(struct mstore *ms)
{
	const char	*err;
	size_t		 i;
	int		 fd;

	if (faccessat(ms->rootfd, SU_FILE, F_OK, 0) == 0)
		return (0);
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (!mstore_exists(ms, defaults[i].name)) {
			if (mstore_create(ms, defaults[i].name,
			    defaults[i].su, &err) == -1)
				return (-1);
		} else if (folder_special_add(ms, defaults[i].name,
		    defaults[i].su) == -1)
			return (-1);
		(void)mstore_subscribe(ms, defaults[i].name, 1, &err);
	}
	(void)mstore_subscribe(ms, "INBOX", 1, &err);
	/* the file exists even if each folder had been there already */
	fd = openat(ms->rootfd, SU_FILE, O_WRONLY | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1)
		return (-1);
	(void)close(fd);
	return (0);
}

void
mstore_close(struct mstore *ms)
{
	if (ms == NULL)
		return;
	if (ms->rootfd != -1)
		(void)close(ms->rootfd);
	free(ms->root);
	free(ms);
}

const char *
mstore_root(struct mstore *ms)
{
	return (ms->root);
}

/* Counts of the index (locked). */
static int
store_index_status(struct idx *ix, struct mbox_status *st)
{
	const struct idx_rec	*r;
	size_t			 i;
	uint32_t		 last = 0;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < ix->nslot; i++) {
		r = idx_slot(ix, i);
		if (!idx_rec_valid(r) || r->uid <= last)
			continue;
		last = r->uid;
		if (r->state != IR_LIVE)
			continue;
		st->messages++;
		if (!(r->flags & MF_SEEN))
			st->unseen++;
		if (r->flags & MF_DELETED)
			st->deleted++;
		if (r->uid >= ix->hdr.recent_uid)
			st->recent++;
		st->size += r->size;
	}
	st->uidnext = ix->hdr.uidnext;
	st->uidvalidity = ix->hdr.uidvalidity;
	st->highestmodseq = ix->hdr.highestmodseq;
	return (0);
}

/* Lock the index, exclusively and synced when the files changed. */
int
idx_lock_synced(struct idx *ix)
{
	if (idx_lock(ix, LOCK_SH) == -1)
		return (-1);
	if (ix->locked == LOCK_EX || idx_new_pending(ix) ||
	    idx_cur_changed(ix)) {
		idx_unlock(ix);
		if (idx_lock(ix, LOCK_EX) == -1 || idx_sync(ix) == -1) {
			idx_unlock(ix);
			return (-1);
		}
	}
	return (0);
}

int
mstore_status(struct mstore *ms, const char *name, struct mbox_status *st,
    const char **err)
{
	struct idx	 ix;
	int		 dirfd, r;

	if ((dirfd = folder_open_dir(ms, name)) == -1) {
		*err = "[NONEXISTENT] No such mailbox";
		return (-1);
	}
	if (idx_open(&ix, ms, dirfd) == -1) {
		(void)close(dirfd);
		*err = "[SERVERBUG] Cannot open the index";
		return (-1);
	}
	r = idx_lock_synced(&ix);
	if (r == 0)
		r = store_index_status(&ix, st);
	else
		*err = "[SERVERBUG] Cannot read the index";
	idx_close(&ix);
	(void)close(dirfd);
	return (r);
}

int
mstore_usage(struct mstore *ms, uint64_t *bytes, uint64_t *msgs)
{
	struct folder_info	*v;
	struct mbox_status	 st;
	struct idx		 ix;
	size_t			 n, i;
	int			 dirfd;

	*bytes = *msgs = 0;
	if (mstore_list(ms, &v, &n) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i].attrs & FA_NOSELECT)
			continue;
		if ((dirfd = folder_open_dir(ms, v[i].name)) == -1)
			continue;
		if (idx_open(&ix, ms, dirfd) == 0) {
			if (idx_lock(&ix, LOCK_SH) == 0 &&
			    store_index_status(&ix, &st) == 0) {
				*bytes += st.size;
				*msgs += st.messages;
			}
			idx_close(&ix);
		}
		(void)close(dirfd);
	}
	folder_list_free(v, n);
	return (0);
}

/* tmp/name: the message with LF line ends, its date, fsync'd. */
static int
store_write_tmp(int dirfd, const char *path, const char *data, size_t len,
    time_t idate)
{
	struct buf	 b;
	struct timespec	 ts[2];
	size_t		 i, start;
	int		 fd, r = -1;

	buf_init(&b);
	buf_reserve(&b, len);
	for (i = start = 0; i + 1 < len; i++)
		if (data[i] == '\r' && data[i + 1] == '\n') {
			buf_add(&b, data + start, i - start);
			start = i + 1;
		}
	buf_add(&b, data + start, len - start);
	fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd != -1) {
		ts[0].tv_sec = ts[1].tv_sec = idate;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (write_full(fd, b.s ? b.s : "", b.len) != -1 &&
		    futimens(fd, ts) == 0 && fsync(fd) == 0)
			r = 0;
		(void)close(fd);
		if (r == -1)
			(void)unlinkat(dirfd, path, 0);
	}
	buf_free(&b);
	return (r);
}

/* LF-size of the data once CRLF became LF */
static size_t
lf_size(const char *data, size_t len)
{
	const char	*q, *end = data + len;
	size_t		 n = len;

	for (q = data; q < end && (q = memchr(q, '\r', (size_t)(end - q))) !=
	    NULL; q++)
		if (q + 1 < end && q[1] == '\n')
			n--;
	return (n);
}

/* Link tmp/key into cur/ and give it a record (index locked EX). */
int
store_commit(struct idx *ix, const char *tmp, const char *key,
    uint64_t flags, uint64_t size, time_t idate, uint32_t *uid)
{
	struct idx_rec	 rec;
	struct timespec	 ts;
	char		 fname[NAME_MAX + 1], dst[PATH_MAX];
	int		 fd;

	if (ix->hdr.uidnext == UINT32_MAX ||
	    msg_file_name(fname, sizeof(fname), key, flags) == -1 ||
	    snprintf(dst, sizeof(dst), "cur/%s", fname) >= (int)sizeof(dst) ||
	    renameat2(ix->dirfd, tmp, ix->dirfd, dst, RENAME_NOREPLACE) == -1)
		return (-1);
	if ((fd = openat(ix->dirfd, "cur", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		(void)close(fd);
	}
	memset(&rec, 0, sizeof(rec));
	rec.uid = ix->hdr.uidnext;
	rec.state = IR_LIVE;
	rec.flags = flags;
	rec.modseq = ix->hdr.highestmodseq + 1;
	rec.size = size;
	rec.internaldate = idate;
	rec.savedate = time(NULL);
	(void)strlcpy(rec.key, key, sizeof(rec.key));
	if (idx_append(ix, &rec) == -1)
		return (-1);
	if (idx_stat_cur(ix, &ts) == 0)
		idx_set_cur(ix, &ts);
	if (idx_write_hdr(ix) == -1)
		return (-1);
	*uid = rec.uid;
	return (0);
}

int
mstore_append(struct mstore *ms, const char *name, const char *data,
    size_t len, uint64_t flags, const char *const *keywords,
    size_t nkeywords, time_t internaldate, uint32_t *uidvalidity,
    uint32_t *uid, const char **err)
{
	struct idx	 ix;
	char		*kw[MF_KEYWORDS_MAX] = { NULL };
	char		 key[IDX_KEYLEN], tmp[PATH_MAX];
	uint64_t	 size;
	size_t		 nkw = 0, i;
	int		 dirfd, k, r = -1;

	if ((dirfd = folder_open_dir(ms, name)) == -1) {
		*err = "[TRYCREATE] No such mailbox";
		return (-1);
	}
	flags &= MF_SYSTEM;
	(void)kw_read(dirfd, kw, &nkw, NULL);
	for (i = 0; i < nkeywords; i++)
		if ((k = kw_index(dirfd, kw, &nkw, keywords[i], 1)) >= 0)
			flags |= MF_KEYWORD(k);
	kw_free(kw, &nkw);
	if (internaldate == 0)
		internaldate = time(NULL);
	size = msg_crlf_size(data, len);
	*err = "[SERVERBUG] Cannot store the message";
	if (msg_new_key(key, sizeof(key), lf_size(data, len), size) == -1 ||
	    snprintf(tmp, sizeof(tmp), "tmp/%s", key) >= (int)sizeof(tmp) ||
	    store_write_tmp(dirfd, tmp, data, len, internaldate) == -1) {
		(void)close(dirfd);
		return (-1);
	}
	if (idx_open(&ix, ms, dirfd) == 0) {
		if (idx_lock(&ix, LOCK_EX) == 0 && idx_sync(&ix) == 0 &&
		    store_commit(&ix, tmp, key, flags, size, internaldate,
		    uid) == 0) {
			*uidvalidity = ix.hdr.uidvalidity;
			r = 0;
		}
		idx_close(&ix);
	}
	if (r == -1)
		(void)unlinkat(dirfd, tmp, 0);
	(void)close(dirfd);
	return (r);
}
