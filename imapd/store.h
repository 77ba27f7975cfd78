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
 * store.h -- a user's mail on disk: Maildir++ folders, the per-folder
 * index (UIDs, flags, modseqs, sizes, dates) and cache (ENVELOPE,
 * BODYSTRUCTURE...), change notification for IDLE.  Runs in the session
 * process, as the mailbox owner, inside its Landlock domain: every path
 * is under the store's root.
 *
 * On disk (root = ~/Maildir):
 *	root/{cur,new,tmp}		INBOX
 *	root/.Sent/{cur,new,tmp}	folder "Sent"; "a/b" is ".a.b"
 *					(Maildir++, '/' shown, '.' stored)
 *	<folder>/cartero.index		header + one fixed record per message
 *	<folder>/cartero.cache		append-only cached strings
 *	<folder>/dovecot-keywords	keyword letter -> name (Dovecot's)
 *	root/subscriptions		one folder name per line
 *	root/cartero.special-use	folder name -> \Sent, \Trash...
 *
 * Truth: the files are the truth for which messages exist and for their
 * flags (":2,FRS" in the name); the index is the truth for UIDs,
 * UIDVALIDITY, UIDNEXT and modseqs.  The index is changed under an
 * exclusive flock on the folder's index (readers take it shared) and
 * written so that a kill -9 at any point leaves one that opens: records
 * are fixed-size, appended or rewritten in place, and the header's
 * counters are written last; anything the index does not know (a file
 * linked into cur/ before its record was written, a record whose file
 * was unlinked) is reconciled on the next sync.  New deliveries (new/)
 * are picked up incrementally; cur/ is rescanned only when its mtime is
 * not the one the index recorded (another program changed it).
 *
 * Each connection has its own view of a selected folder (struct mbox):
 * message sequence numbers change only at mbox_sync(), which the session
 * calls when it may tell the client (after a command, in IDLE).
 */

#ifndef IMAPD_STORE_H
#define IMAPD_STORE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "imap.h"

/* SPECIAL-USE (RFC 6154) attributes of a folder */
#define SU_SENT		0x01
#define SU_DRAFTS	0x02
#define SU_TRASH	0x04
#define SU_JUNK		0x08
#define SU_ARCHIVE	0x10
#define SU_ALL		0x20	/* not used by default */

/* folder attributes for LIST */
#define FA_NOSELECT	0x01
#define FA_HASCHILDREN	0x02
#define FA_HASNOCHILDREN 0x04
#define FA_SUBSCRIBED	0x08
#define FA_NONEXISTENT	0x10	/* subscribed but gone */

struct folder_info {
	char		*name;		/* UTF-8, '/' separated; "INBOX" */
	unsigned int	 attrs;		/* FA_* */
	unsigned int	 special;	/* SU_* */
};

struct mbox_status {
	uint32_t	 messages, recent, unseen, deleted;
	uint32_t	 uidnext, uidvalidity;
	uint64_t	 highestmodseq;
	uint64_t	 size;		/* RFC 8438 STATUS SIZE */
};

struct mstore;

/*
 * Open the store at root (created with its default folders if missing:
 * INBOX, and Sent, Drafts, Trash, Junk, Archive with their SPECIAL-USE
 * attributes).  NULL with *err set.
 */
struct mstore	*mstore_open(const char *root, const char **err);
void		 mstore_close(struct mstore *);
const char	*mstore_root(struct mstore *);

/* All folders (INBOX first); the caller frees with folder_list_free(). */
int		 mstore_list(struct mstore *, struct folder_info **, size_t *);
void		 folder_list_free(struct folder_info *, size_t);
/* 1 if the folder exists (INBOX in any case) */
int		 mstore_exists(struct mstore *, const char *);
/* 0, or -1 with *err ("[ALREADYEXISTS] ...", "[NONEXISTENT] ..." etc.) */
int		 mstore_create(struct mstore *, const char *, unsigned int su,
		    const char **err);
int		 mstore_delete(struct mstore *, const char *, const char **err);
int		 mstore_rename(struct mstore *, const char *, const char *,
		    const char **err);
int		 mstore_subscribe(struct mstore *, const char *, int on,
		    const char **err);
/* STATUS without opening a view (reads the index, syncs new/) */
int		 mstore_status(struct mstore *, const char *,
		    struct mbox_status *, const char **err);
/* QUOTA: bytes and messages in all folders (from the indexes) */
int		 mstore_usage(struct mstore *, uint64_t *bytes, uint64_t *msgs);

/*
 * APPEND: a new message in folder name with flags and INTERNALDATE
 * (0: now): tmp/ then cur/, fsync'd, then its index record.  Sets the
 * folder's UIDVALIDITY and the new UID (UIDPLUS).
 */
int		 mstore_append(struct mstore *, const char *name,
		    const char *data, size_t len, uint64_t flags,
		    const char *const *keywords, size_t nkeywords,
		    time_t internaldate, uint32_t *uidvalidity, uint32_t *uid,
		    const char **err);

/* A connection's view of an open folder. */
struct mrec {
	uint32_t	 uid;
	uint64_t	 flags;		/* MF_*, MF_RECENT for this view */
	uint64_t	 modseq;
	uint64_t	 size;		/* RFC822.SIZE (CRLF) */
	time_t		 internaldate;
	time_t		 savedate;
};

struct mbox;

/* Changes mbox_sync() found since the view's last sync. */
struct mbox_changes {
	uint32_t	*expunged;	/* sequence numbers in the order to
					 * send EXPUNGE (each already takes
					 * the previous ones into account) */
	uint32_t	*expunged_uids;	/* the same messages' UIDs (VANISHED) */
	size_t		 nexpunged;
	uint32_t	*flagged;	/* seqs (after expunges) whose flags
					 * or modseq changed */
	size_t		 nflagged;
	uint32_t	 exists;	/* count after the sync */
	uint32_t	 recent;
	int		 new_messages;	/* exists grew */
	int		 keywords_changed;	/* send FLAGS again */
};

struct mbox	*mbox_open(struct mstore *, const char *name, int readonly,
		    const char **err);
void		 mbox_close(struct mbox *);
const char	*mbox_name(struct mbox *);
int		 mbox_readonly(struct mbox *);
unsigned int	 mbox_special(struct mbox *);
uint32_t	 mbox_count(struct mbox *);
uint32_t	 mbox_recent(struct mbox *);
uint32_t	 mbox_uidvalidity(struct mbox *);
uint32_t	 mbox_uidnext(struct mbox *);
uint64_t	 mbox_highestmodseq(struct mbox *);
/* record of message seq (1-based, <= mbox_count) */
const struct mrec *mbox_rec(struct mbox *, uint32_t seq);
/* seq of uid, 0 if not in the view (binary search) */
uint32_t	 mbox_seq_of_uid(struct mbox *, uint32_t uid);
/* the first unseen message's seq, 0 if none */
uint32_t	 mbox_first_unseen(struct mbox *);

/* Pick up new deliveries and other sessions' changes; see above. */
int		 mbox_sync(struct mbox *, struct mbox_changes *);
void		 mbox_changes_free(struct mbox_changes *);
/*
 * A descriptor that becomes readable when the folder may have changed
 * (inotify on new/, cur/ and the index), and its drain; -1 if none.
 */
int		 mbox_notify_fd(struct mbox *);
void		 mbox_notify_drain(struct mbox *);

/* Keywords: the folder's names, in index order (k of MF_KEYWORD(k)). */
size_t		 mbox_keywords(struct mbox *, const char *const **);
/* k of name, creating it if create and there is room; -1 if not */
int		 mbox_keyword(struct mbox *, const char *, int create);

/*
 * The message's bytes, mapped read-only (valid until mbox_unmap() or the
 * next mbox_sync()).  -1 if its file is gone (expunged by another
 * program): the session answers NO for it ([EXPUNGEISSUED]).
 */
int		 mbox_map(struct mbox *, uint32_t seq, const char **,
		    size_t *);
void		 mbox_unmap(struct mbox *, uint32_t seq);

/*
 * Cached strings of a message, filled by the session on first use:
 * NULL if not cached.  Valid until the next mbox_sync().
 */
enum cache_field {
	CF_ENVELOPE,		/* the ENVELOPE list */
	CF_BODY,		/* BODY (non-extensible) */
	CF_BODYSTRUCTURE,
	CF_SORT,		/* SORT/THREAD keys, the session's format */
	CF_HDR,			/* the header block, for SEARCH HEADER */
	CF_COUNT
};
const char	*mbox_cache_get(struct mbox *, uint32_t seq, enum cache_field,
		    size_t *len);
void		 mbox_cache_put(struct mbox *, uint32_t seq, enum cache_field,
		    const char *, size_t);

/*
 * Set message seq's flags (MF_SYSTEM and keyword bits; MF_RECENT is
 * ignored): renames its file, gives it a new modseq.  0, or -1 if its
 * file is gone.
 */
int		 mbox_set_flags(struct mbox *, uint32_t seq, uint64_t flags);

/*
 * EXPUNGE: remove the messages flagged \Deleted, all of them or only
 * those whose UID is in uids (UID EXPUNGE); with force, those in uids
 * whatever their flags (MOVE).  changes tells which, as mbox_sync does
 * (the session sends EXPUNGE/VANISHED from it).
 */
int		 mbox_expunge(struct mbox *, const struct seqset *uids,
		    int force, struct mbox_changes *);

/*
 * COPY/MOVE one message into another folder (hard link when possible):
 * sets the new UID and the destination's UIDVALIDITY.  A MOVE is the
 * copies, then mbox_expunge() of their UIDs with force.
 */
int		 mbox_copy(struct mbox *, uint32_t seq, struct mstore *,
		    const char *dest, uint32_t *uidvalidity, uint32_t *uid,
		    const char **err);

#endif /* IMAPD_STORE_H */
