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
 * session_sync.c -- what the client is told about its selected folder:
 * the untagged updates after a command and in IDLE (EXPUNGE or VANISHED,
 * EXISTS, RECENT, FETCH FLAGS), flag lists, and sequence sets resolved
 * into the view's sequence numbers.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "session_priv.h"

static const uint64_t	sync_sysflags[] = {
	MF_ANSWERED, MF_FLAGGED, MF_DELETED, MF_SEEN, MF_DRAFT,
};

void
conn_sync(struct imap_conn *c, int allow_expunge)
{
	struct mbox_changes	 ch;

	/*
	 * Without EXPUNGE allowed the view stays as it is: mbox_sync()
	 * would renumber it.  The next command that allows it tells all.
	 */
	if (c->mbox == NULL || !allow_expunge)
		return;
	memset(&ch, 0, sizeof(ch));
	if (mbox_sync(c->mbox, &ch) == -1) {
		log_warnx("imap sync user=%s folder=%s failed", c->user,
		    mbox_name(c->mbox));
		mbox_changes_free(&ch);
		return;
	}
	conn_send_changes(c, &ch);
	mbox_changes_free(&ch);
}

static int
sync_uid_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

void
conn_send_changes(struct imap_conn *c, const struct mbox_changes *ch)
{
	struct buf	 b;
	uint32_t	*uids;
	size_t		 i;

	if (ch->nexpunged > 0 && (c->enabled & ENA_QRESYNC)) {
		/* ascending, so that the set is compact */
		uids = xreallocarray(NULL, ch->nexpunged, sizeof(*uids));
		memcpy(uids, ch->expunged_uids, ch->nexpunged *
		    sizeof(*uids));
		qsort(uids, ch->nexpunged, sizeof(*uids), sync_uid_cmp);
		buf_init(&b);
		seqset_from_list(&b, uids, ch->nexpunged);
		conn_untagged(c, "VANISHED %s", b.s);
		buf_free(&b);
		free(uids);
	} else
		for (i = 0; i < ch->nexpunged; i++)
			conn_untagged(c, "%u EXPUNGE", ch->expunged[i]);
	if (ch->keywords_changed)
		conn_send_flag_lists(c);
	if (ch->new_messages) {
		conn_untagged(c, "%u EXISTS", ch->exists);
		if (!(c->enabled & ENA_IMAP4REV2))
			conn_untagged(c, "%u RECENT", ch->recent);
	}
	for (i = 0; i < ch->nflagged; i++)
		if (ch->flagged[i] >= 1 &&
		    ch->flagged[i] <= mbox_count(c->mbox))
			conn_send_flags(c, ch->flagged[i],
			    (c->enabled & ENA_QRESYNC) != 0, c->condstore);
}

void
conn_flags_text(struct imap_conn *c, uint64_t flags, struct buf *b)
{
	const char *const	*kw = NULL;
	size_t			 nkw = 0, i, n = 0;

	for (i = 0; i < sizeof(sync_sysflags) / sizeof(sync_sysflags[0]); i++)
		if (flags & sync_sysflags[i]) {
			if (n++ > 0)
				buf_addc(b, ' ');
			buf_adds(b, imap_sysflag_name(sync_sysflags[i]));
		}
	if ((flags & MF_RECENT) && !(c->enabled & ENA_IMAP4REV2)) {
		if (n++ > 0)
			buf_addc(b, ' ');
		buf_adds(b, "\\Recent");
	}
	if (!(flags & MF_KEYWORD_MASK) || c->mbox == NULL)
		return;
	nkw = mbox_keywords(c->mbox, &kw);
	for (i = 0; i < nkw && i < MF_KEYWORDS_MAX; i++)
		if (flags & MF_KEYWORD(i)) {
			if (n++ > 0)
				buf_addc(b, ' ');
			buf_adds(b, kw[i]);
		}
}

void
conn_send_flags(struct imap_conn *c, uint32_t seq, int uid, int modseq)
{
	const struct mrec	*r;
	struct buf		 b;

	if (c->mbox == NULL || (r = mbox_rec(c->mbox, seq)) == NULL)
		return;
	buf_init(&b);
	buf_addf(&b, "* %u FETCH (", seq);
	if (uid)
		buf_addf(&b, "UID %u ", r->uid);
	buf_adds(&b, "FLAGS (");
	conn_flags_text(c, r->flags, &b);
	buf_addc(&b, ')');
	if (modseq)
		buf_addf(&b, " MODSEQ (%llu)", (unsigned long long)r->modseq);
	buf_add(&b, ")\r\n", 3);
	conn_write_buf(c, &b);
	buf_free(&b);
}

/* "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)]" */
void
conn_send_flag_lists(struct imap_conn *c)
{
	const char *const	*kw = NULL;
	struct buf		 b;
	size_t			 nkw, i;

	buf_init(&b);
	buf_adds(&b, "\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	nkw = mbox_keywords(c->mbox, &kw);
	for (i = 0; i < nkw; i++) {
		buf_addc(&b, ' ');
		buf_adds(&b, kw[i]);
	}
	conn_untagged(c, "FLAGS (%s)", b.s);
	if (c->readonly)
		conn_untagged(c, "OK [PERMANENTFLAGS ()] Read-only folder");
	else
		conn_untagged(c, "OK [PERMANENTFLAGS (%s%s)] Flags permitted",
		    b.s, nkw < MF_KEYWORDS_MAX ? " \\*" : "");
	buf_free(&b);
}

/* the first seq whose UID is >= uid (count + 1 if none) */
static uint32_t
sync_seq_at_or_after(struct mbox *m, uint32_t uid)
{
	uint32_t	 lo = 1, hi = mbox_count(m) + 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (mbox_rec(m, mid)->uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static void
sync_mark(uint8_t *mark, uint32_t count, uint32_t lo, uint32_t hi)
{
	uint32_t	 s;

	if (lo == 0)
		lo = 1;
	for (s = lo; s <= hi && s <= count; s++)
		mark[s - 1] = 1;
}

static int
sync_mark_set(struct imap_conn *c, const struct seqset *set, int uid,
    uint8_t *mark, const char **err)
{
	uint32_t	 count = mbox_count(c->mbox), lo, hi, t, star;
	size_t		 i;

	star = count == 0 ? 0 : uid ? mbox_rec(c->mbox, count)->uid : count;
	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_SEQ_STAR ? star : set->r[i].lo;
		hi = set->r[i].hi == IMAP_SEQ_STAR ? star : set->r[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (uid) {
			/* n:* past the last UID names the last (9051
			 * 6.4.9): the swap above did it */
			if (count == 0 || hi == 0)
				continue;
			lo = sync_seq_at_or_after(c->mbox, lo);
			hi = sync_seq_at_or_after(c->mbox, hi == UINT32_MAX ?
			    hi : hi + 1) - 1;
			if (lo <= hi)
				sync_mark(mark, count, lo, hi);
			continue;
		}
		if (lo == 0 || hi > count) {
			*err = count == 0 ? "No messages in the folder" :
			    "Invalid message sequence number";
			return (-1);
		}
		sync_mark(mark, count, lo, hi);
	}
	return (0);
}

int
conn_set_seqs(struct imap_conn *c, const struct seqset *set, int uid,
    uint32_t **seqsp, size_t *np, const char **err)
{
	uint8_t		*mark;
	uint32_t	*seqs, count, s;
	size_t		 i, n = 0;

	*seqsp = NULL;
	*np = 0;
	if (c->mbox == NULL) {
		*err = "No mailbox selected";
		return (-1);
	}
	count = mbox_count(c->mbox);
	if (count == 0 && !set->saved && !uid) {
		*err = "No messages in the folder";
		return (-1);
	}
	mark = xcalloc(count + 1, 1);
	if (set->saved) {
		for (i = 0; i < c->nsaved; i++)
			if ((s = mbox_seq_of_uid(c->mbox, c->saved[i])) != 0)
				mark[s - 1] = 1;
	} else if (sync_mark_set(c, set, uid, mark, err) == -1) {
		free(mark);
		return (-1);
	}
	for (s = 0; s < count; s++)
		n += mark[s];
	seqs = xreallocarray(NULL, n + 1, sizeof(*seqs));
	for (s = 0, i = 0; s < count; s++)
		if (mark[s])
			seqs[i++] = s + 1;
	free(mark);
	*seqsp = seqs;
	*np = n;
	return (0);
}
