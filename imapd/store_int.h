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
 * store_int.h -- what the store_*.c files share and nobody else sees: the
 * on-disk layout of cartero.index and cartero.cache, the index handle,
 * the folder view (struct mbox) and the store (struct mstore).
 *
 * cartero.index: one struct idx_hdr, then struct idx_rec slots in
 * ascending UID order.  A slot is appended for each new message and
 * rewritten in place when its flags change or it is expunged (state
 * IR_EXPUNGED: a tombstone, dropped when the index is compacted into a
 * new file renamed over the old one).  The header is written after the
 * records it counts, so a reader trusts the file size, not hdr.nrec, and
 * takes uidnext and highestmodseq as the maximum of the header's and the
 * records'.  A trailing partial slot (a crash mid-append) is ignored and
 * cut off by the next writer.
 */

#ifndef IMAPD_STORE_INT_H
#define IMAPD_STORE_INT_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define IDX_FILE	"cartero.index"
#define CACHE_FILE	"cartero.cache"
#define KW_FILE		"dovecot-keywords"
#define SUBS_FILE	"subscriptions"
#define SU_FILE		"cartero.special-use"
#define UIDV_FILE	"cartero.uidvalidity"

#define IDX_MAGIC	"CRTIDX1\n"
#define IDX_KEYLEN	76		/* key bytes, NUL included */
#define IDX_COMPACT_MIN	1024		/* tombstones before compaction */

struct idx_hdr {
	char		 magic[8];
	uint32_t	 uidvalidity;
	uint32_t	 uidnext;
	uint64_t	 highestmodseq;
	int64_t		 cur_sec;	/* cur/'s mtime the index agrees with */
	int64_t		 cur_nsec;
	uint32_t	 nrec;		/* slots, written last */
	uint32_t	 recent_uid;	/* first UID no session saw yet */
	uint32_t	 busy;		/* a writer is between its first
					 * record write and the header */
	uint32_t	 ndead;		/* tombstones */
	uint8_t		 pad[8];
};

#define IR_LIVE		1
#define IR_EXPUNGED	2

struct idx_rec {
	uint32_t	 uid;
	uint32_t	 state;		/* IR_* */
	uint64_t	 flags;		/* MF_SYSTEM | keyword bits */
	uint64_t	 modseq;
	uint64_t	 size;		/* RFC822.SIZE */
	int64_t		 internaldate;
	int64_t		 savedate;
	uint32_t	 cksum;
	char		 key[IDX_KEYLEN];	/* file name before ":2," */
};

_Static_assert(sizeof(struct idx_hdr) == 64, "index header size");
_Static_assert(sizeof(struct idx_rec) == 128, "index record size");

/* A folder's open index: the file, its mapping and effective header. */
struct idx {
	struct mstore	*ms;
	int		 dirfd;		/* the folder's directory */
	int		 fd;		/* cartero.index */
	int		 locked;	/* LOCK_SH, LOCK_EX or 0 */
	ino_t		 ino;
	const char	*map;
	size_t		 maplen;
	size_t		 nslot;		/* whole slots in the file */
	size_t		 ndead;		/* tombstones among them */
	struct idx_hdr	 raw;		/* the file's header at the last load */
	struct idx_hdr	 hdr;		/* effective (max of file and slots) */
};

struct mstore {
	char		*root;
	int		 rootfd;
};

/* cached strings of one message */
struct cache_ent {
	const char	*p[CF_COUNT];
	uint32_t	 len[CF_COUNT];
};

struct mbox_map {
	uint32_t	 seq;
	void		*p;
	size_t		 len;
};

struct mbox {
	struct mstore	*ms;
	char		*name;
	int		 readonly;
	unsigned int	 special;
	struct idx	 idx;
	struct mrec	*recs;
	uint32_t	 count, cap, nrecent;
	uint32_t	 uidvalidity, uidnext;
	uint64_t	 hms;		/* highestmodseq of the view */
	ino_t		 seen_ino;	/* index file the view last read */
	size_t		 seen_nslot;
	/* keywords */
	char		*kw[MF_KEYWORDS_MAX];
	size_t		 nkw;
	struct timespec	 kw_mtime;
	/* cache */
	int		 cfd;
	const char	*cmap;
	size_t		 cmaplen;
	struct cache_ent *cent;		/* [count], NULL until used */
	char		**cput;		/* strings put since the last sync */
	size_t		 ncput;
	/* maps handed out */
	struct mbox_map	*maps;
	size_t		 nmaps;
	/* notification */
	int		 ifd;
};

/* store_index.c */
int	 idx_open(struct idx *, struct mstore *, int dirfd);
void	 idx_close(struct idx *);
int	 idx_lock(struct idx *, int op);
void	 idx_unlock(struct idx *);
int	 idx_load(struct idx *);
const struct idx_rec *idx_slot(struct idx *, size_t);
int	 idx_rec_valid(const struct idx_rec *);
int	 idx_key_ok(const struct idx_rec *);
const struct idx_rec *idx_find(struct idx *, uint32_t uid, size_t *slot);
int	 idx_put(struct idx *, size_t slot, struct idx_rec *);
int	 idx_append(struct idx *, struct idx_rec *);
int	 idx_write_hdr(struct idx *);
int	 idx_stat_cur(struct idx *, struct timespec *);
void	 idx_set_cur(struct idx *, const struct timespec *);
int	 idx_cur_changed(struct idx *);
int	 idx_sync(struct idx *);
int	 idx_new_pending(struct idx *);
int	 idx_compact(struct idx *);
int	 idx_maybe_compact(struct idx *);
int	 idx_lock_synced(struct idx *);
int	 store_commit(struct idx *, const char *tmp, const char *key,
	    uint64_t flags, uint64_t size, time_t idate, uint32_t *uid);

/* store_file.c: Maildir file names, sizes */
uint64_t msg_flags_of_name(const char *, char *key, size_t keylen,
	    int *ok);
int	 msg_file_name(char *, size_t, const char *key, uint64_t flags);
int	 msg_new_key(char *, size_t, size_t lfsize, uint64_t crlfsize);
int	 msg_rfc822_size(int dirfd, const char *path, const char *key,
	    uint64_t *);
uint64_t msg_crlf_size(const char *, size_t);
int	 msg_find_key(int dirfd, const char *key, char *, size_t);
uint32_t store_new_uidvalidity(struct mstore *);

/* store_folder.c */
int	 folder_dir(const char *name, char *, size_t);
int	 folder_open_dir(struct mstore *, const char *name);
unsigned int folder_special(struct mstore *, const char *name);
int	 folder_special_add(struct mstore *, const char *name, unsigned int);

/* store_cache.c */
void	 cache_close(struct mbox *);
void	 cache_reset(struct mbox *);

/* store_notify.c */
void	 notify_close(struct mbox *);

/* store_keyword.c */
void	 kw_free(char **, size_t *);
int	 kw_read(int dirfd, char **, size_t *, struct timespec *);
int	 kw_index(int dirfd, char **, size_t *, const char *, int create);

#endif /* IMAPD_STORE_INT_H */
