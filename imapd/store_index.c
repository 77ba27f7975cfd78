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
 * store_index.c -- a folder's cartero.index (layout in store_int.h):
 * opening and locking it (flock: exclusive for writers, shared for
 * readers; a file replaced by compaction is reopened), mapping it,
 * writing records and the header in the crash-safe order, and
 * reconciling it with the files: deliveries in new/ are moved to cur/
 * and given UIDs; cur/ is rescanned only when its mtime is not the one
 * the header recorded (or a writer died half-way, hdr.busy).
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
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

#define HDRSZ		sizeof(struct idx_hdr)
#define RECSZ		sizeof(struct idx_rec)
#define SLOT_OFF(i)	((off_t)(HDRSZ + (i) * RECSZ))
#define LOCK_TRIES	16

/* a file found in new/ or cur/ that the index does not know yet */
struct found {
	char		 key[IDX_KEYLEN];
	uint64_t	 flags;
	uint64_t	 size;
	time_t		 mtime;
};

struct foundv {
	struct found	*v;
	size_t		 n, cap;
};

static uint32_t	 rec_cksum(const struct idx_rec *);
static int	 idx_reopen(struct idx *);
static int	 idx_init_hdr(struct idx *, int keep);
static int	 idx_map(struct idx *, size_t);
static void	 idx_scan(struct idx *);
static int	 idx_begin(struct idx *);
static int	 idx_pickup(struct idx *, struct foundv *);
static int	 idx_rescan(struct idx *, struct foundv *);
static int	 idx_add_found(struct idx *, struct foundv *);
static int	 found_add(struct foundv *, const char *, uint64_t, int,
		    const char *, const char *);
static int	 found_cmp(const void *, const void *);
static uint32_t	 key_hash(const char *);

/* A cheap mix of the numbers and the key's first bytes (not a MAC). */
static uint32_t
rec_cksum(const struct idx_rec *r)
{
	uint64_t	 h, k;

	memcpy(&k, r->key, sizeof(k));
	h = 0x9e3779b97f4a7c15ULL ^ r->uid;
	h = (h ^ r->state) * 0xff51afd7ed558ccdULL;
	h = (h ^ r->flags) * 0xc4ceb9fe1a85ec53ULL;
	h = (h ^ r->modseq) * 0xff51afd7ed558ccdULL;
	h = (h ^ r->size) * 0xc4ceb9fe1a85ec53ULL;
	h = (h ^ (uint64_t)r->internaldate) * 0xff51afd7ed558ccdULL;
	h = (h ^ (uint64_t)r->savedate) * 0xc4ceb9fe1a85ec53ULL;
	h = (h ^ k) * 0xff51afd7ed558ccdULL;
	return ((uint32_t)(h ^ (h >> 32)));
}

int
idx_rec_valid(const struct idx_rec *r)
{
	if (r->uid == 0 || (r->state != IR_LIVE && r->state != IR_EXPUNGED))
		return (0);
	/*
	 * Only the record's first cache line: the key's end is checked
	 * where the key is used as a string (idx_key_ok()).
	 */
	if (r->key[0] == '\0')
		return (0);
	return (rec_cksum(r) == r->cksum);
}

/* The key is NUL-terminated (keys are written NUL-padded). */
int
idx_key_ok(const struct idx_rec *r)
{
	return (r->key[IDX_KEYLEN - 1] == '\0');
}

int
idx_open(struct idx *ix, struct mstore *ms, int dirfd)
{
	struct stat	 st;

	memset(ix, 0, sizeof(*ix));
	ix->ms = ms;
	ix->dirfd = dirfd;
	ix->fd = openat(dirfd, IDX_FILE, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (ix->fd == -1)
		return (-1);
	if (fstat(ix->fd, &st) == -1) {
		(void)close(ix->fd);
		ix->fd = -1;
		return (-1);
	}
	ix->ino = st.st_ino;
	return (0);
}

void
idx_close(struct idx *ix)
{
	if (ix->map != NULL)
		(void)munmap((void *)ix->map, ix->maplen);
	ix->map = NULL;
	ix->maplen = 0;
	if (ix->fd != -1)
		(void)close(ix->fd);	/* drops the lock too */
	ix->fd = -1;
	ix->locked = 0;
}

/* The path names another file (compaction renamed a new one over it). */
static int
idx_reopen(struct idx *ix)
{
	struct mstore	*ms = ix->ms;
	int		 dirfd = ix->dirfd;

	idx_close(ix);
	return (idx_open(ix, ms, dirfd));
}

/*
 * Lock the index (LOCK_SH or LOCK_EX) and load it.  A shared lock is
 * turned into an exclusive one when the file needs repair (no header,
 * a writer died in the middle).
 */
int
idx_lock(struct idx *ix, int op)
{
	struct stat	 st;
	int		 i, r;

	for (i = 0; i < LOCK_TRIES; i++) {
		if (flock(ix->fd, op) == -1)
			return (-1);
		ix->locked = op;
		if (fstatat(ix->dirfd, IDX_FILE, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && st.st_ino == ix->ino) {
			if ((r = idx_load(ix)) == 0)
				return (0);
			if (r == -1)
				break;
			op = LOCK_EX;	/* needs repair */
			idx_unlock(ix);
			continue;
		}
		if (idx_reopen(ix) == -1)
			return (-1);
	}
	idx_unlock(ix);
	errno = EAGAIN;
	return (-1);
}

void
idx_unlock(struct idx *ix)
{
	if (ix->locked && ix->fd != -1)
		(void)flock(ix->fd, LOCK_UN);
	ix->locked = 0;
}

/* A fresh header; keep: the slots stay (a damaged header). */
static int
idx_init_hdr(struct idx *ix, int keep)
{
	struct idx_hdr	 h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, IDX_MAGIC, sizeof(h.magic));
	h.uidvalidity = store_new_uidvalidity(ix->ms);
	h.uidnext = 1;
	h.highestmodseq = 1;
	h.recent_uid = 1;
	h.cur_sec = -1;		/* rescan cur/ */
	if (!keep && ftruncate(ix->fd, 0) == -1)
		return (-1);
	if (pwrite(ix->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return (-1);
	return (0);
}

static int
idx_map(struct idx *ix, size_t size)
{
	void	*p;

	if (ix->map != NULL && ix->maplen == size)
		return (0);
	if (ix->map != NULL)
		(void)munmap((void *)ix->map, ix->maplen);
	ix->map = NULL;
	ix->maplen = 0;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, ix->fd, 0);
	if (p == MAP_FAILED)
		return (-1);
	ix->map = p;
	ix->maplen = size;
	return (0);
}

/*
 * Read the header and map the slots.  0, -1 on error, 1 when repair
 * needs the exclusive lock we do not hold.
 */
int
idx_load(struct idx *ix)
{
	struct stat	 st;
	struct idx_hdr	 h;

	if (fstat(ix->fd, &st) == -1)
		return (-1);
	if ((size_t)st.st_size < HDRSZ || pread(ix->fd, &h, sizeof(h), 0) !=
	    (ssize_t)sizeof(h) || memcmp(h.magic, IDX_MAGIC, 8) != 0) {
		if (ix->locked != LOCK_EX)
			return (1);
		if (st.st_size > 0)
			log_warnx("imapd store: %s/%s damaged, new UIDVALIDITY",
			    ix->ms->root, IDX_FILE);
		if (idx_init_hdr(ix, (size_t)st.st_size >= HDRSZ) == -1)
			return (-1);
		return (idx_load(ix));
	}
	if (h.busy && ix->locked != LOCK_EX)
		return (1);
	if (ix->map != NULL && memcmp(&h, &ix->raw, sizeof(h)) == 0 &&
	    (size_t)st.st_size == ix->maplen)
		return (0);	/* nothing changed */
	ix->raw = h;
	ix->nslot = ((size_t)st.st_size - HDRSZ) / RECSZ;
	if (idx_map(ix, HDRSZ + ix->nslot * RECSZ) == -1)
		return (-1);
	ix->hdr = h;
	if (h.busy || h.nrec != ix->nslot || h.ndead > h.nrec)
		idx_scan(ix);	/* a writer died: trust the slots */
	else
		ix->ndead = h.ndead;
	if (h.busy) {
		/* the last writer died: the files decide */
		ix->hdr.cur_sec = -1;
	}
	return (0);
}

/* Effective counters: the maximum of the header's and the slots'. */
static void
idx_scan(struct idx *ix)
{
	const struct idx_rec	*r;
	uint32_t		 last = 0;
	size_t			 i;

	ix->ndead = 0;
	for (i = 0; i < ix->nslot; i++) {
		r = idx_slot(ix, i);
		if (!idx_rec_valid(r) || r->uid <= last) {
			ix->ndead++;
			continue;
		}
		last = r->uid;
		if (r->state != IR_LIVE)
			ix->ndead++;
		if (r->modseq > ix->hdr.highestmodseq)
			ix->hdr.highestmodseq = r->modseq;
	}
	if (last >= ix->hdr.uidnext)
		ix->hdr.uidnext = last + 1;
	if (ix->hdr.uidnext == 0)
		ix->hdr.uidnext = UINT32_MAX;	/* exhausted */
}

const struct idx_rec *
idx_slot(struct idx *ix, size_t i)
{
	if (i >= ix->nslot)
		return (NULL);
	if (SLOT_OFF(i + 1) > (off_t)ix->maplen &&
	    idx_map(ix, HDRSZ + ix->nslot * RECSZ) == -1)
		fatal("imapd store: mmap index");
	return ((const struct idx_rec *)(ix->map + SLOT_OFF(i)));
}

/* The live record of uid (binary search, then a linear fallback). */
const struct idx_rec *
idx_find(struct idx *ix, uint32_t uid, size_t *slot)
{
	const struct idx_rec	*r;
	size_t			 lo = 0, hi = ix->nslot, mid, i;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = idx_slot(ix, mid);
		if (r->uid == uid) {
			if (!idx_rec_valid(r))
				break;
			*slot = mid;
			return (r->state == IR_LIVE ? r : NULL);
		}
		if (r->uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ix->ndead == 0)
		return (NULL);
	for (i = 0; i < ix->nslot; i++) {
		r = idx_slot(ix, i);
		if (r->uid == uid && idx_rec_valid(r) && r->state == IR_LIVE) {
			*slot = i;
			return (r);
		}
	}
	return (NULL);
}

/* Before the first record write: mark the header busy. */
static int
idx_begin(struct idx *ix)
{
	if (ix->hdr.busy)
		return (0);
	ix->hdr.busy = 1;
	if (pwrite(ix->fd, &ix->hdr, HDRSZ, 0) != (ssize_t)HDRSZ)
		return (-1);
	return (0);
}

int
idx_put(struct idx *ix, size_t slot, struct idx_rec *r)
{
	if (ix->locked != LOCK_EX || slot >= ix->nslot || idx_begin(ix) == -1)
		return (-1);
	r->cksum = rec_cksum(r);
	if (pwrite(ix->fd, r, RECSZ, SLOT_OFF(slot)) != (ssize_t)RECSZ)
		return (-1);
	if (r->modseq > ix->hdr.highestmodseq)
		ix->hdr.highestmodseq = r->modseq;
	return (0);
}

/* Append r (its uid must be above every other). */
int
idx_append(struct idx *ix, struct idx_rec *r)
{
	if (ix->locked != LOCK_EX || idx_begin(ix) == -1)
		return (-1);
	r->cksum = rec_cksum(r);
	if (pwrite(ix->fd, r, RECSZ, SLOT_OFF(ix->nslot)) != (ssize_t)RECSZ)
		return (-1);
	ix->nslot++;
	if (r->uid >= ix->hdr.uidnext)
		ix->hdr.uidnext = r->uid + 1;
	if (r->modseq > ix->hdr.highestmodseq)
		ix->hdr.highestmodseq = r->modseq;
	return (0);
}

/* The header, last: the counters, cur/'s mtime, not busy. */
int
idx_write_hdr(struct idx *ix)
{
	struct stat	 st;

	if (ix->locked != LOCK_EX)
		return (-1);
	ix->hdr.nrec = (uint32_t)ix->nslot;
	ix->hdr.ndead = (uint32_t)ix->ndead;
	ix->hdr.busy = 0;
	if (fstat(ix->fd, &st) == 0 &&
	    (size_t)st.st_size > HDRSZ + ix->nslot * RECSZ &&
	    ftruncate(ix->fd, (off_t)SLOT_OFF(ix->nslot)) == -1)
		return (-1);
	if (pwrite(ix->fd, &ix->hdr, HDRSZ, 0) != (ssize_t)HDRSZ)
		return (-1);
	ix->raw = ix->hdr;
	if (idx_map(ix, HDRSZ + ix->nslot * RECSZ) == -1)
		return (-1);
	return (0);
}

int
idx_stat_cur(struct idx *ix, struct timespec *ts)
{
	struct stat	 st;

	if (fstatat(ix->dirfd, "cur", &st, 0) == -1)
		return (-1);
	*ts = st.st_mtim;
	return (0);
}

void
idx_set_cur(struct idx *ix, const struct timespec *ts)
{
	ix->hdr.cur_sec = ts->tv_sec;
	ix->hdr.cur_nsec = ts->tv_nsec;
}

/* 1 if cur/ changed behind the index's back */
int
idx_cur_changed(struct idx *ix)
{
	struct timespec	 ts;

	if (idx_stat_cur(ix, &ts) == -1)
		return (1);
	return (ts.tv_sec != ix->hdr.cur_sec || ts.tv_nsec != ix->hdr.cur_nsec);
}

/* 1 if new/ holds a delivery */
int
idx_new_pending(struct idx *ix)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd, found = 0;

	if ((fd = openat(ix->dirfd, "new", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (0);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (0);
	}
	while (!found && (de = readdir(d)) != NULL)
		found = de->d_name[0] != '.';
	(void)closedir(d);
	return (found);
}

/*
 * Bring the index in line with the files (exclusive lock held): move
 * new/ into cur/ with UIDs, rescan cur/ if it changed behind our back,
 * compact when tombstones dominate.
 */
int
idx_sync(struct idx *ix)
{
	struct foundv	 fv;
	struct timespec	 ts;
	int		 rescan, r = 0, dirty = 0;

	if (ix->locked != LOCK_EX)
		return (-1);
	memset(&fv, 0, sizeof(fv));
	rescan = idx_cur_changed(ix);
	if (idx_pickup(ix, &fv) == -1)
		r = -1;
	if (fv.n > 0) {
		dirty = 1;
		if (idx_add_found(ix, &fv) == -1)
			r = -1;
		fv.n = 0;
	}
	if (r == 0 && rescan && idx_rescan(ix, &fv) == -1)
		r = -1;
	if (r == 0 && fv.n > 0 && idx_add_found(ix, &fv) == -1)
		r = -1;
	free(fv.v);
	if (r == 0 && (rescan || dirty || ix->hdr.busy)) {
		if (idx_stat_cur(ix, &ts) == 0)
			idx_set_cur(ix, &ts);
		r = idx_write_hdr(ix);
	}
	if (r == 0)
		r = idx_maybe_compact(ix);
	return (r);
}

/* Compact when tombstones are many and outnumber the live records. */
int
idx_maybe_compact(struct idx *ix)
{
	if (ix->ndead > IDX_COMPACT_MIN && ix->ndead > ix->nslot - ix->ndead)
		return (idx_compact(ix));
	return (0);
}

static int
found_add(struct foundv *fv, const char *key, uint64_t flags, int dirfd,
    const char *dir, const char *name)
{
	struct found	*f;
	struct stat	 st;
	char		 path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return (-1);
	if (fv->n == fv->cap) {
		fv->cap = fv->cap ? fv->cap * 2 : 64;
		fv->v = xreallocarray(fv->v, fv->cap, sizeof(*fv->v));
	}
	f = &fv->v[fv->n];
	memset(f, 0, sizeof(*f));
	if (strlcpy(f->key, key, sizeof(f->key)) >= sizeof(f->key))
		return (-1);
	f->flags = flags;
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return (-1);
	f->mtime = st.st_mtim.tv_sec;
	if (msg_rfc822_size(dirfd, path, key, &f->size) == -1)
		return (-1);
	fv->n++;
	return (0);
}

/*
 * Give a file in dir/ a key we can index (and move it to cur/): its own
 * base name when it fits, else a new one.  0 with key set, -1 to skip.
 */
static int
idx_adopt(struct idx *ix, const char *dir, const char *name, char *key,
    size_t keylen, uint64_t *flags, int force)
{
	char		 from[PATH_MAX], to[PATH_MAX], fname[NAME_MAX + 1];
	struct stat	 st;
	int		 ok, tries;

	*flags = msg_flags_of_name(name, key, keylen, &ok);
	if (force)
		ok = 0;
	if (ok && strcmp(dir, "cur") == 0)
		return (0);
	if (snprintf(from, sizeof(from), "%s/%s", dir, name) >=
	    (int)sizeof(from))
		return (-1);
	for (tries = 0; tries < 8; tries++) {
		if (!ok || tries > 0) {
			if (fstatat(ix->dirfd, from, &st,
			    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
				return (-1);
			if (msg_new_key(key, keylen, (size_t)st.st_size,
			    0) == -1)
				return (-1);
		}
		if (msg_file_name(fname, sizeof(fname), key, *flags) == -1 ||
		    snprintf(to, sizeof(to), "cur/%s", fname) >=
		    (int)sizeof(to))
			return (-1);
		if (renameat2(ix->dirfd, from, ix->dirfd, to,
		    RENAME_NOREPLACE) == 0)
			return (0);
		if (errno != EEXIST)
			return (-1);
	}
	return (-1);
}

/* new/ -> cur/ (the records follow in idx_add_found) */
static int
idx_pickup(struct idx *ix, struct foundv *fv)
{
	DIR		*d;
	struct dirent	*de;
	char		 key[IDX_KEYLEN], fname[NAME_MAX + 1];
	uint64_t	 flags;
	int		 fd;

	if ((fd = openat(ix->dirfd, "new", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : -1);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (idx_adopt(ix, "new", de->d_name, key, sizeof(key),
		    &flags, 0) == -1)
			continue;
		if (msg_file_name(fname, sizeof(fname), key, flags) == -1 ||
		    found_add(fv, key, flags, ix->dirfd, "cur", fname) == -1)
			continue;
	}
	(void)closedir(d);
	return (0);
}

static uint32_t
key_hash(const char *s)
{
	uint32_t	 h = 2166136261U;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619U;
	return (h);
}

/* key -> slot (v >= 0) or found file (v < 0: -(index + 1)) */
struct keytab {
	ssize_t		*v;
	unsigned char	*used;
	size_t		 mask, count;
	unsigned char	*seen;		/* [nslot] */
};

static const char *
keytab_key(struct idx *ix, struct foundv *fv, ssize_t v)
{
	if (v >= 0)
		return (idx_slot(ix, (size_t)v)->key);
	return (fv->v[-v - 1].key);
}

static void
keytab_add(struct idx *ix, struct foundv *fv, struct keytab *kt, ssize_t v)
{
	struct keytab	 old;
	size_t		 h;

	if ((kt->count + 1) * 2 > kt->mask) {
		old = *kt;
		kt->mask = kt->mask * 2 + 1;
		kt->v = xcalloc(kt->mask + 1, sizeof(*kt->v));
		kt->used = xcalloc(kt->mask + 1, 1);
		kt->count = 0;
		for (h = 0; h <= old.mask; h++)
			if (old.used[h])
				keytab_add(ix, fv, kt, old.v[h]);
		free(old.v);
		free(old.used);
	}
	kt->count++;
	for (h = key_hash(keytab_key(ix, fv, v)) & kt->mask; kt->used[h];
	    h = (h + 1) & kt->mask)
		;
	kt->used[h] = 1;
	kt->v[h] = v;
}

static void
keytab_build(struct idx *ix, struct foundv *fv, struct keytab *kt,
    size_t files)
{
	const struct idx_rec	*r;
	size_t			 n = 16, i;

	while (n < (ix->nslot + files) * 2 + 16)
		n *= 2;
	kt->v = xcalloc(n, sizeof(*kt->v));
	kt->used = xcalloc(n, 1);
	kt->mask = n - 1;
	kt->count = 0;
	kt->seen = xcalloc(ix->nslot + 1, 1);
	for (i = 0; i < ix->nslot; i++) {
		r = idx_slot(ix, i);
		if (idx_rec_valid(r) && idx_key_ok(r) && r->state == IR_LIVE)
			keytab_add(ix, fv, kt, (ssize_t)i);
	}
}

/* 1 and *v if key is known */
static int
keytab_find(struct idx *ix, struct foundv *fv, struct keytab *kt,
    const char *key, ssize_t *v)
{
	size_t	 h;

	for (h = key_hash(key) & kt->mask; kt->used[h];
	    h = (h + 1) & kt->mask)
		if (strcmp(keytab_key(ix, fv, kt->v[h]), key) == 0) {
			*v = kt->v[h];
			return (1);
		}
	return (0);
}

/* One file of cur/ against the index: flags changed, or new. */
static void
idx_rescan_one(struct idx *ix, struct keytab *kt, struct foundv *fv,
    const char *name)
{
	struct idx_rec	 rec;
	char		 key[IDX_KEYLEN], fname[NAME_MAX + 1];
	uint64_t	 flags;
	ssize_t		 v;
	int		 ok, known;

	flags = msg_flags_of_name(name, key, sizeof(key), &ok);
	known = ok && keytab_find(ix, fv, kt, key, &v);
	if (known && v >= 0 && !kt->seen[v]) {
		kt->seen[v] = 1;
		rec = *idx_slot(ix, (size_t)v);
		if (rec.flags != flags) {
			rec.flags = flags;
			rec.modseq = ix->hdr.highestmodseq + 1;
			(void)idx_put(ix, (size_t)v, &rec);
		}
		return;
	}
	/* unknown, or a second file with a known key: give it a new one */
	if ((!ok || known) && idx_adopt(ix, "cur", name, key, sizeof(key),
	    &flags, 1) == -1)
		return;
	if (msg_file_name(fname, sizeof(fname), key, flags) == -1 ||
	    found_add(fv, key, flags, ix->dirfd, "cur", fname) == -1)
		return;
	keytab_add(ix, fv, kt, -(ssize_t)fv->n);
}

/* cur/ changed behind our back: flags, vanished files, new files. */
static int
idx_rescan(struct idx *ix, struct foundv *fv)
{
	struct keytab	 kt;
	struct idx_rec	 rec;
	DIR		*d;
	struct dirent	*de;
	size_t		 i;
	int		 fd;

	if ((fd = openat(ix->dirfd, "cur", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (-1);
	}
	keytab_build(ix, fv, &kt, 4096);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		idx_rescan_one(ix, &kt, fv, de->d_name);
	}
	(void)closedir(d);
	for (i = 0; i < ix->nslot; i++) {
		rec = *idx_slot(ix, i);
		if (kt.seen[i] || !idx_rec_valid(&rec) ||
		    rec.state != IR_LIVE)
			continue;
		rec.state = IR_EXPUNGED;
		rec.modseq = ix->hdr.highestmodseq + 1;
		if (idx_put(ix, i, &rec) == 0)
			ix->ndead++;
	}
	free(kt.v);
	free(kt.used);
	free(kt.seen);
	return (0);
}

static int
found_cmp(const void *a, const void *b)
{
	const struct found	*fa = a, *fb = b;

	if (fa->mtime != fb->mtime)
		return (fa->mtime < fb->mtime ? -1 : 1);
	return (strcmp(fa->key, fb->key));
}

/* Records for the files found, in delivery order, with new UIDs. */
static int
idx_add_found(struct idx *ix, struct foundv *fv)
{
	struct idx_rec	 rec;
	size_t		 i;
	time_t		 now = time(NULL);

	qsort(fv->v, fv->n, sizeof(*fv->v), found_cmp);
	for (i = 0; i < fv->n; i++) {
		if (ix->hdr.uidnext == UINT32_MAX)
			return (-1);
		memset(&rec, 0, sizeof(rec));
		rec.uid = ix->hdr.uidnext;
		rec.state = IR_LIVE;
		rec.flags = fv->v[i].flags;
		rec.modseq = ix->hdr.highestmodseq + 1;
		rec.size = fv->v[i].size;
		rec.internaldate = fv->v[i].mtime;
		rec.savedate = now;
		memcpy(rec.key, fv->v[i].key, sizeof(rec.key));
		if (idx_append(ix, &rec) == -1)
			return (-1);
	}
	return (0);
}

/* Rewrite the index without its tombstones (new file renamed over). */
int
idx_compact(struct idx *ix)
{
	const struct idx_rec	*r;
	struct idx_hdr		 h;
	struct stat		 st;
	struct buf		 b;
	size_t			 i, n = 0;
	int			 fd;

	buf_init(&b);
	(void)unlinkat(ix->dirfd, IDX_FILE ".new", 0);
	fd = openat(ix->dirfd, IDX_FILE ".new", O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1)
		goto fail;
	h = ix->hdr;
	buf_add(&b, &h, sizeof(h));
	for (i = 0; i < ix->nslot; i++) {
		r = idx_slot(ix, i);
		if (idx_rec_valid(r) && r->state == IR_LIVE) {
			buf_add(&b, r, RECSZ);
			n++;
		}
	}
	h.nrec = (uint32_t)n;
	h.ndead = 0;
	h.busy = 0;
	memcpy(b.s, &h, sizeof(h));
	if (write_full(fd, b.s, b.len) == -1 || fstat(fd, &st) == -1 ||
	    renameat(ix->dirfd, IDX_FILE ".new", ix->dirfd, IDX_FILE) == -1)
		goto fail;
	buf_free(&b);
	idx_close(ix);
	ix->fd = fd;
	ix->ino = st.st_ino;
	ix->locked = LOCK_EX;
	memset(&ix->raw, 0, sizeof(ix->raw));
	return (idx_load(ix));
fail:
	buf_free(&b);
	if (fd != -1) {
		(void)close(fd);
		(void)unlinkat(ix->dirfd, IDX_FILE ".new", 0);
	}
	return (-1);
}
