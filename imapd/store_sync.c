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
 * store_sync.c -- a connection's view of a folder (struct mbox): opening
 * it, mbox_sync() (the index brought in line with the files, then merged
 * into the view: EXPUNGEs in sending order, flag changes, new messages,
 * \Recent claimed by the first read-write view), and the accessors.
 * Message sequence numbers change only here.
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
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "store_int.h"

struct merge {
	struct mrec	*recs;
	uint32_t	 count, nrecent;
};

static int	 mbox_merge(struct mbox *, struct mbox_changes *);
static int	 mbox_merge_flags(struct mbox *, struct mbox_changes *);
static void	 merge_one(struct mbox *, struct merge *, uint32_t *,
		    const struct idx_rec *, struct mbox_changes *);
static void	 changes_add(uint32_t **, size_t *, uint32_t);
static void	 expunged_add(struct mbox_changes *, uint32_t, uint32_t);
static void	 mbox_keywords_sync(struct mbox *, struct mbox_changes *);
static void	 mbox_unmap_all(struct mbox *);

struct mbox *
mbox_open(struct mstore *ms, const char *name, int readonly,
    const char **err)
{
	struct mbox		*mb;
	struct mbox_changes	 ch;
	int			 dirfd;

	if ((dirfd = folder_open_dir(ms, name)) == -1) {
		*err = "[NONEXISTENT] No such mailbox";
		return (NULL);
	}
	mb = xcalloc(1, sizeof(*mb));
	mb->ms = ms;
	mb->name = xstrdup(strcasecmp(name, "INBOX") == 0 ? "INBOX" : name);
	mb->readonly = readonly;
	mb->cfd = -1;
	mb->ifd = -1;
	mb->special = folder_special(ms, mb->name);
	if (idx_open(&mb->idx, ms, dirfd) == -1) {
		(void)close(dirfd);
		free(mb->name);
		free(mb);
		*err = "[SERVERBUG] Cannot open the index";
		return (NULL);
	}
	(void)kw_read(dirfd, mb->kw, &mb->nkw, &mb->kw_mtime);
	if (mbox_sync(mb, &ch) == -1) {
		mbox_close(mb);
		*err = "[SERVERBUG] Cannot read the index";
		return (NULL);
	}
	mbox_changes_free(&ch);
	return (mb);
}

void
mbox_close(struct mbox *mb)
{
	int	 dirfd;

	if (mb == NULL)
		return;
	mbox_unmap_all(mb);
	free(mb->maps);
	cache_close(mb);
	notify_close(mb);
	dirfd = mb->idx.dirfd;
	idx_close(&mb->idx);
	if (dirfd != -1)
		(void)close(dirfd);
	kw_free(mb->kw, &mb->nkw);
	free(mb->recs);
	free(mb->name);
	free(mb);
}

const char *
mbox_name(struct mbox *mb)
{
	return (mb->name);
}

int
mbox_readonly(struct mbox *mb)
{
	return (mb->readonly);
}

unsigned int
mbox_special(struct mbox *mb)
{
	return (mb->special);
}

uint32_t
mbox_count(struct mbox *mb)
{
	return (mb->count);
}

uint32_t
mbox_recent(struct mbox *mb)
{
	return (mb->nrecent);
}

uint32_t
mbox_uidvalidity(struct mbox *mb)
{
	return (mb->uidvalidity);
}

uint32_t
mbox_uidnext(struct mbox *mb)
{
	return (mb->uidnext);
}

uint64_t
mbox_highestmodseq(struct mbox *mb)
{
	return (mb->hms);
}

const struct mrec *
mbox_rec(struct mbox *mb, uint32_t seq)
{
	if (seq == 0 || seq > mb->count)
		return (NULL);
	return (&mb->recs[seq - 1]);
}

uint32_t
mbox_seq_of_uid(struct mbox *mb, uint32_t uid)
{
	uint32_t	 lo = 0, hi = mb->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (mb->recs[mid].uid == uid)
			return (mid + 1);
		if (mb->recs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (0);
}

uint32_t
mbox_first_unseen(struct mbox *mb)
{
	uint32_t	 i;

	for (i = 0; i < mb->count; i++)
		if (!(mb->recs[i].flags & MF_SEEN))
			return (i + 1);
	return (0);
}

size_t
mbox_keywords(struct mbox *mb, const char *const **names)
{
	*names = (const char *const *)mb->kw;
	return (mb->nkw);
}

int
mbox_keyword(struct mbox *mb, const char *name, int create)
{
	return (kw_index(mb->idx.dirfd, mb->kw, &mb->nkw, name, create));
}

void
mbox_changes_free(struct mbox_changes *ch)
{
	free(ch->expunged);
	free(ch->expunged_uids);
	free(ch->flagged);
	memset(ch, 0, sizeof(*ch));
}

static void
changes_add(uint32_t **v, size_t *n, uint32_t x)
{
	/* grow in powers of two */
	if ((*n & (*n - 1)) == 0)
		*v = xreallocarray(*v, *n ? *n * 2 : 1, sizeof(**v));
	(*v)[(*n)++] = x;
}

static void
expunged_add(struct mbox_changes *ch, uint32_t seq, uint32_t uid)
{
	size_t	 n = ch->nexpunged;

	changes_add(&ch->expunged_uids, &n, uid);
	changes_add(&ch->expunged, &ch->nexpunged, seq);
}

int
mbox_sync(struct mbox *mb, struct mbox_changes *ch)
{
	struct idx	*ix = &mb->idx;
	int		 r = 0;

	memset(ch, 0, sizeof(*ch));
	mbox_unmap_all(mb);
	if (idx_lock_synced(ix) == -1)
		return (-1);
	if (!mb->readonly && ix->hdr.recent_uid < ix->hdr.uidnext &&
	    ix->locked != LOCK_EX) {
		/* new mail to claim as \Recent: exclusive */
		idx_unlock(ix);
		if (idx_lock(ix, LOCK_EX) == -1 || idx_sync(ix) == -1) {
			idx_unlock(ix);
			return (-1);
		}
	}
	if (ix->ino != mb->seen_ino || ix->nslot != mb->seen_nslot ||
	    ix->hdr.uidnext != mb->uidnext ||
	    ix->hdr.uidvalidity != mb->uidvalidity)
		r = mbox_merge(mb, ch);
	else if (ix->hdr.highestmodseq != mb->hms &&
	    mbox_merge_flags(mb, ch) == -1)
		r = mbox_merge(mb, ch);
	if (r == 0 && !mb->readonly && ix->locked == LOCK_EX &&
	    ix->hdr.recent_uid < ix->hdr.uidnext) {
		/* the view has seen every UID below uidnext */
		ix->hdr.recent_uid = ix->hdr.uidnext;
		(void)idx_write_hdr(ix);
	}
	idx_unlock(ix);
	mbox_keywords_sync(mb, ch);
	ch->exists = mb->count;
	ch->recent = mb->nrecent;
	if (ch->nexpunged > 0 || ch->new_messages)
		cache_reset(mb);
	return (r);
}

/* One live record against the view (both in UID order). */
static void
merge_one(struct mbox *mb, struct merge *m, uint32_t *i,
    const struct idx_rec *r, struct mbox_changes *ch)
{
	struct mrec	*v, *n;
	uint32_t	 lastuid;

	while (*i < mb->count && mb->recs[*i].uid < r->uid) {
		expunged_add(ch, *i + 1, mb->recs[*i].uid);
		(*i)++;
	}
	lastuid = mb->count ? mb->recs[mb->count - 1].uid : 0;
	n = &m->recs[m->count];
	if (*i < mb->count && mb->recs[*i].uid == r->uid) {
		v = &mb->recs[(*i)++];
		*n = *v;
		if (v->modseq != r->modseq ||
		    (v->flags & ~MF_RECENT) != r->flags) {
			n->flags = r->flags | (v->flags & MF_RECENT);
			n->modseq = r->modseq;
			changes_add(&ch->flagged, &ch->nflagged, m->count + 1);
		}
	} else if (r->uid > lastuid && *i == mb->count) {
		n->uid = r->uid;
		n->flags = r->flags;
		n->modseq = r->modseq;
		n->size = r->size;
		n->internaldate = (time_t)r->internaldate;
		n->savedate = (time_t)r->savedate;
		if (r->uid >= mb->idx.hdr.recent_uid)
			n->flags |= MF_RECENT;
		ch->new_messages = 1;
	} else
		return;		/* not a UID this view may show */
	if (n->flags & MF_RECENT)
		m->nrecent++;
	m->count++;
}

/*
 * Only modseqs moved (no slot added, same file): the records above the
 * view's modseq are flag changes, or expunges (-1: a full merge).
 */
static int
mbox_merge_flags(struct mbox *mb, struct mbox_changes *ch)
{
	struct idx		*ix = &mb->idx;
	const struct idx_rec	*r;
	struct mrec		*v;
	uint32_t		 seq;
	size_t			 s;

	for (s = 0; s < ix->nslot; s++) {
		r = idx_slot(ix, s);
		if (r->modseq > mb->hms && (!idx_rec_valid(r) ||
		    r->state != IR_LIVE))
			return (-1);
	}
	for (s = 0; s < ix->nslot; s++) {
		r = idx_slot(ix, s);
		if (r->modseq <= mb->hms)
			continue;
		if ((seq = mbox_seq_of_uid(mb, r->uid)) == 0)
			continue;
		v = &mb->recs[seq - 1];
		if (v->modseq == r->modseq && (v->flags & ~MF_RECENT) ==
		    r->flags)
			continue;	/* our own change */
		v->flags = r->flags | (v->flags & MF_RECENT);
		v->modseq = r->modseq;
		changes_add(&ch->flagged, &ch->nflagged, seq);
	}
	mb->hms = ix->hdr.highestmodseq;
	return (0);
}

/* The index's live records merged into the view. */
static int
mbox_merge(struct mbox *mb, struct mbox_changes *ch)
{
	struct idx		*ix = &mb->idx;
	const struct idx_rec	*r;
	struct merge		 m;
	uint32_t		 i = 0, last = 0, k, t;
	size_t			 s;

	if (mb->uidvalidity != 0 && mb->uidvalidity != ix->hdr.uidvalidity)
		mb->count = 0;	/* the index was rebuilt: start over */
	memset(&m, 0, sizeof(m));
	m.recs = xreallocarray(NULL, ix->nslot + 1, sizeof(*m.recs));
	for (s = 0; s < ix->nslot; s++) {
		r = idx_slot(ix, s);
		if (!idx_rec_valid(r) || r->uid <= last)
			continue;
		last = r->uid;
		if (r->state == IR_LIVE)
			merge_one(mb, &m, &i, r, ch);
	}
	for (; i < mb->count; i++) {
		expunged_add(ch, i + 1, mb->recs[i].uid);
	}
	/* EXPUNGE from the highest seq down: none shifts another */
	for (k = 0; k < ch->nexpunged / 2; k++) {
		t = ch->expunged[k];
		ch->expunged[k] = ch->expunged[ch->nexpunged - 1 - k];
		ch->expunged[ch->nexpunged - 1 - k] = t;
		t = ch->expunged_uids[k];
		ch->expunged_uids[k] = ch->expunged_uids[ch->nexpunged - 1 - k];
		ch->expunged_uids[ch->nexpunged - 1 - k] = t;
	}
	free(mb->recs);
	mb->recs = m.recs;
	mb->count = m.count;
	mb->nrecent = m.nrecent;
	mb->uidvalidity = ix->hdr.uidvalidity;
	mb->uidnext = ix->hdr.uidnext;
	mb->hms = ix->hdr.highestmodseq;
	mb->seen_ino = ix->ino;
	mb->seen_nslot = ix->nslot;
	return (0);
}

static void
mbox_keywords_sync(struct mbox *mb, struct mbox_changes *ch)
{
	struct stat	 st;
	struct timespec	 ts = { 0, 0 };
	size_t		 old = mb->nkw;

	if (fstatat(mb->idx.dirfd, KW_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0)
		ts = st.st_mtim;
	if (ts.tv_sec == mb->kw_mtime.tv_sec &&
	    ts.tv_nsec == mb->kw_mtime.tv_nsec)
		return;
	(void)kw_read(mb->idx.dirfd, mb->kw, &mb->nkw, &mb->kw_mtime);
	if (mb->nkw != old)
		ch->keywords_changed = 1;
}

static void
mbox_unmap_all(struct mbox *mb)
{
	size_t	 i;

	for (i = 0; i < mb->nmaps; i++)
		(void)munmap(mb->maps[i].p, mb->maps[i].len);
	mb->nmaps = 0;
}
