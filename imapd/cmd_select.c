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
 * cmd_select.c -- SELECT and EXAMINE, with the CONDSTORE and QRESYNC
 * parameters (RFC 7162): the folder's counts and codes, then for QRESYNC
 * the UIDs the client knew that are gone (VANISHED (EARLIER)) and the
 * flags changed since its modseq.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "session_priv.h"

struct sel_params {
	int		 condstore;
	int		 qresync;
	uint32_t	 uidvalidity;
	uint64_t	 modseq;
	struct seqset	 known;		/* n == 0: 1:* */
};

static int
sel_num(const struct imap_arg *a, uint64_t max, uint64_t *v)
{
	const char	*p;
	char		*end;

	if (a->type != IMAP_ARG_ATOM)
		return (-1);
	for (p = a->s; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return (-1);
	errno = 0;
	*v = strtoull(a->s, &end, 10);
	if (a->s[0] == '\0' || *end != '\0' || errno != 0 || *v > max)
		return (-1);
	return (0);
}

/* QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]]) */
static int
sel_qresync(const struct imap_arg *a, struct sel_params *sp,
    const char **err)
{
	uint64_t	 v;

	*err = "QRESYNC (uidvalidity modseq [known-uids])";
	if (a->type != IMAP_ARG_LIST || a->nlist < 2 || a->nlist > 4)
		return (-1);
	if (sel_num(&a->list[0], UINT32_MAX, &v) == -1 || v == 0)
		return (-1);
	sp->uidvalidity = (uint32_t)v;
	if (sel_num(&a->list[1], INT64_MAX, &sp->modseq) == -1)
		return (-1);
	if (a->nlist >= 3) {
		if (a->list[2].type != IMAP_ARG_ATOM ||
		    imap_seqset_parse(a->list[2].s, &sp->known, err) == -1)
			return (-1);
		if (sp->known.saved) {
			*err = "$ is not a UID set here";
			return (-1);
		}
	}
	/* the sequence match data only narrows what we send: ignored */
	if (a->nlist == 4 && a->list[3].type != IMAP_ARG_LIST)
		return (-1);
	sp->qresync = 1;
	return (0);
}

static int
sel_params(struct imap_conn *c, const struct imap_arg *a,
    struct sel_params *sp, const char **err)
{
	size_t	 i;

	if (a->type != IMAP_ARG_LIST) {
		*err = "SELECT parameters are a list";
		return (-1);
	}
	for (i = 0; i < a->nlist; i++) {
		if (a->list[i].type != IMAP_ARG_ATOM) {
			*err = "Bad SELECT parameter";
			return (-1);
		}
		if (strcasecmp(a->list[i].s, "CONDSTORE") == 0)
			sp->condstore = 1;
		else if (strcasecmp(a->list[i].s, "QRESYNC") == 0 &&
		    i + 1 < a->nlist && !sp->qresync) {
			if (!(c->enabled & ENA_QRESYNC)) {
				*err = "QRESYNC is not enabled";
				return (-1);
			}
			if (sel_qresync(&a->list[++i], sp, err) == -1)
				return (-1);
		} else {
			*err = "Unknown SELECT parameter";
			return (-1);
		}
	}
	return (0);
}

static int
sel_range_cmp(const void *a, const void *b)
{
	const struct seqrange	*x = a, *y = b;

	return (x->lo < y->lo ? -1 : x->lo > y->lo);
}

static void
sel_emit(struct buf *b, uint64_t lo, uint64_t hi)
{
	if (b->len > 0)
		buf_addc(b, ',');
	buf_addu64(b, lo);
	if (hi > lo) {
		buf_addc(b, ':');
		buf_addu64(b, hi);
	}
}

/*
 * The UIDs in the known set (all below UIDNEXT without one) that are not
 * in the folder: gone since, or never seen by this server.  RFC 7162
 * allows the latter; we keep no record of expunged UIDs.
 */
static void
sel_vanished(struct imap_conn *c, const struct seqset *known,
    struct buf *out)
{
	struct seqrange	*r;
	uint32_t	 top = mbox_uidnext(c->mbox) - 1, count, p = 1, uid, t;
	uint64_t	 cur, lo, hi;
	size_t		 n, i, m = 0;

	if (top == 0)
		return;
	n = known->n > 0 ? known->n : 1;
	r = xreallocarray(NULL, n, sizeof(*r));
	for (i = 0; i < n; i++) {
		r[i].lo = known->n ? known->r[i].lo : 1;
		r[i].hi = known->n ? known->r[i].hi : top;
		if (r[i].lo == IMAP_SEQ_STAR)
			r[i].lo = top;
		if (r[i].hi == IMAP_SEQ_STAR)
			r[i].hi = top;
		if (r[i].lo > r[i].hi) {
			t = r[i].lo;
			r[i].lo = r[i].hi;
			r[i].hi = t;
		}
		if (r[i].hi > top)
			r[i].hi = top;
		if (r[i].lo == 0)
			r[i].lo = 1;
		if (r[i].lo <= r[i].hi)
			r[m++] = r[i];
	}
	qsort(r, m, sizeof(*r), sel_range_cmp);
	count = mbox_count(c->mbox);
	for (i = 0; i < m; i++) {
		lo = r[i].lo;
		hi = r[i].hi;
		/* merge the overlapping ranges that follow */
		while (i + 1 < m && r[i + 1].lo <= hi + 1) {
			if (r[i + 1].hi > hi)
				hi = r[i + 1].hi;
			i++;
		}
		for (cur = lo; cur <= hi; ) {
			while (p <= count && mbox_rec(c->mbox, p)->uid < cur)
				p++;
			uid = p <= count ? mbox_rec(c->mbox, p)->uid : 0;
			if (p > count || uid > hi) {
				sel_emit(out, cur, hi);
				break;
			}
			if (uid > cur)
				sel_emit(out, cur, uid - 1);
			cur = (uint64_t)uid + 1;
		}
	}
	free(r);
}

static void
sel_qresync_reply(struct imap_conn *c, const struct sel_params *sp)
{
	struct buf	 b;
	uint32_t	 count, seq, top;

	if (sp->uidvalidity != mbox_uidvalidity(c->mbox))
		return;
	buf_init(&b);
	sel_vanished(c, &sp->known, &b);
	if (b.len > 0)
		conn_untagged(c, "VANISHED (EARLIER) %s", b.s);
	buf_free(&b);
	count = mbox_count(c->mbox);
	top = mbox_uidnext(c->mbox) - 1;
	for (seq = 1; seq <= count; seq++) {
		const struct mrec	*r = mbox_rec(c->mbox, seq);

		if (r->modseq <= sp->modseq)
			continue;
		if (sp->known.n > 0 &&
		    !seqset_contains(&sp->known, r->uid, top))
			continue;
		conn_send_flags(c, seq, 1, 1);
	}
}

static void
sel_reply(struct imap_conn *c, const struct sel_params *sp)
{
	uint32_t	 unseen;

	conn_send_flag_lists(c);
	conn_untagged(c, "%u EXISTS", mbox_count(c->mbox));
	if (!(c->enabled & ENA_IMAP4REV2)) {
		conn_untagged(c, "%u RECENT", mbox_recent(c->mbox));
		if ((unseen = mbox_first_unseen(c->mbox)) != 0)
			conn_untagged(c, "OK [UNSEEN %u] First unseen", unseen);
	}
	conn_untagged(c, "OK [UIDVALIDITY %u] UIDs valid",
	    mbox_uidvalidity(c->mbox));
	conn_untagged(c, "OK [UIDNEXT %u] Predicted next UID",
	    mbox_uidnext(c->mbox));
	conn_untagged(c, "OK [HIGHESTMODSEQ %llu] Highest",
	    (unsigned long long)mbox_highestmodseq(c->mbox));
	if (sp->qresync)
		sel_qresync_reply(c, sp);
}

void
cmd_select(struct imap_conn *c)
{
	struct sel_params	 sp;
	struct buf		 name;
	const char		*err = NULL;
	int			 examine;

	examine = strcmp(c->cmd.name, "EXAMINE") == 0;
	memset(&sp, 0, sizeof(sp));
	buf_init(&name);
	if (c->cmd.nargs < 1 || c->cmd.nargs > 2 ||
	    conn_mbox_name(c, &c->cmd.args[0], &name, &err) == -1 ||
	    (c->cmd.nargs == 2 &&
	    sel_params(c, &c->cmd.args[1], &sp, &err) == -1)) {
		conn_tagged(c, "BAD", "%s", err ? err : "SELECT name");
		goto done;
	}
	if (c->mbox != NULL) {
		conn_unselect(c);
		conn_untagged(c, "OK [CLOSED] Previous folder closed");
	}
	if ((c->mbox = mbox_open(c->store, name.s, examine, &err)) == NULL) {
		conn_tagged(c, "NO", "%s", err ? err :
		    "[NONEXISTENT] No such folder");
		goto done;
	}
	c->state = CS_SELECTED;
	c->readonly = examine || mbox_readonly(c->mbox);
	if (sp.condstore || sp.qresync)
		c->condstore = 1;
	sel_reply(c, &sp);
	conn_tagged(c, "OK", "[%s] %s completed", c->readonly ? "READ-ONLY" :
	    "READ-WRITE", c->cmd.name);
 done:
	if (sp.known.r != NULL)
		seqset_free(&sp.known);
	buf_free(&name);
}
