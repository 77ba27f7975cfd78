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
 * cmd_search.c -- SEARCH and UID SEARCH (RFC 9051 6.4.4), ESEARCH
 * (RFC 4731), SEARCHRES (RFC 5182), MODSEQ (RFC 7162), WITHIN (RFC 5032).
 *
 * search_run() evaluates a program message by message; SORT and THREAD
 * use it too.  In an AND the cheap keys (flags, UIDs, sizes, dates: the
 * index record) are tried before those that read headers (from the
 * cache) and those last that read the message (mapped and parsed only
 * then), so a key that fails early spares the expensive ones.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "mime.h"
#include "cmd_msg.h"

#define DAY	86400

enum { COST_INDEX, COST_HEADER, COST_BODY };

struct search_ctx {
	struct imap_conn	*conn;
	uint32_t		 seq;
	uint32_t		 count;
	uint32_t		 maxuid;
	const struct mrec	*rec;
	time_t			 now;
	const char		*hdr;		/* NULL: not read yet */
	size_t			 hdrlen;
	const char		*msg;
	size_t			 len;
	int			 mapped;	/* 1 mapped, -1 file gone */
	struct mime_part	*root;
	struct buf		 tmp;
};

static int	 search_key_cost(const struct search_key *);
static int	 search_eval(struct search_ctx *, const struct search_key *);
static int	 search_and(struct search_ctx *, const struct search_key *);
static int	 search_index(struct search_ctx *, const struct search_key *);
static int	 search_header(struct search_ctx *,
		    const struct search_key *);
static int	 search_body(struct search_ctx *, const struct search_key *);
static int	 search_saved(struct imap_conn *, uint32_t);
static time_t	 search_day(time_t);
static void	 search_release(struct search_ctx *);
static void	 search_reply(struct imap_conn *, struct search_prog *,
		    const uint32_t *, size_t);

int
search_run(struct imap_conn *conn, struct search_prog *prog,
    uint32_t **seqs, size_t *n, const char **err)
{
	struct search_ctx	 ctx;
	uint32_t		*v, seq;
	size_t			 nv = 0;

	(void)err;
	if (prog->has_modseq)
		conn->condstore = 1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conn = conn;
	ctx.count = mbox_count(conn->mbox);
	ctx.maxuid = ctx.count ? mbox_rec(conn->mbox, ctx.count)->uid : 0;
	ctx.now = time(NULL);
	v = xreallocarray(NULL, ctx.count ? ctx.count : 1, sizeof(*v));
	for (seq = 1; seq <= ctx.count; seq++) {
		ctx.seq = seq;
		ctx.rec = mbox_rec(conn->mbox, seq);
		if (search_eval(&ctx, &prog->root))
			v[nv++] = seq;
		search_release(&ctx);
	}
	buf_free(&ctx.tmp);
	*seqs = v;
	*n = nv;
	return (0);
}

void
cmd_search(struct imap_conn *conn)
{
	struct search_prog	 prog;
	const char		*err = NULL;
	uint32_t		*seqs = NULL;
	size_t			 n = 0;

	memset(&prog, 0, sizeof(prog));
	if (imap_search_parse(conn->cmd.args, conn->cmd.nargs, &prog,
	    &err) == -1) {
		if (err != NULL && strncmp(err, "[BADCHARSET", 11) == 0)
			conn_tagged(conn, "NO", "%s", err);
		else
			conn_tagged(conn, "BAD", "%s", err != NULL ? err :
			    "Invalid SEARCH");
		search_prog_free(&prog);
		return;
	}
	if (search_run(conn, &prog, &seqs, &n, &err) == -1) {
		if (prog.ret & SR_SAVE)
			search_save(conn, NULL, 0, 0);
		conn_tagged(conn, "NO", "%s", err);
	} else {
		search_reply(conn, &prog, seqs, n);
		conn_tagged(conn, "OK", "%s completed",
		    conn->cmd.uid ? "UID SEARCH" : "SEARCH");
	}
	free(seqs);
	search_prog_free(&prog);
}

static void
search_reply(struct imap_conn *conn, struct search_prog *prog,
    const uint32_t *seqs, size_t n)
{
	uint32_t	*ids = NULL;
	uint64_t	 maxmod = 0;
	size_t		 i;

	if (prog->ret & SR_SAVE)
		search_save(conn, seqs, n, prog->ret);
	if (prog->has_modseq)
		for (i = 0; i < n; i++)
			if (mbox_rec(conn->mbox, seqs[i])->modseq > maxmod)
				maxmod = mbox_rec(conn->mbox, seqs[i])->modseq;
	ids = conn->cmd.uid ? msg_uids(conn, seqs, n) : NULL;
	if (prog->esearch || (conn->enabled & ENA_IMAP4REV2))
		esearch_reply(conn, prog->esearch ? prog->ret : SR_ALL,
		    ids != NULL ? ids : seqs, n, maxmod, 0);
	else {
		buf_reset(&conn->out);
		buf_adds(&conn->out, "* SEARCH");
		for (i = 0; i < n; i++) {
			buf_addc(&conn->out, ' ');
			buf_addu64(&conn->out, ids != NULL ? ids[i] : seqs[i]);
		}
		if (maxmod > 0)
			buf_addf(&conn->out, " (MODSEQ %llu)",
			    (unsigned long long)maxmod);
		buf_adds(&conn->out, "\r\n");
		conn_write_buf(conn, &conn->out);
	}
	free(ids);
}

/*
 * "* ESEARCH (TAG "t") [UID] MIN MAX COUNT ALL [MODSEQ]" (RFC 4731 and,
 * sorted, RFC 5267): ids in result order; nothing for SAVE alone.
 */
void
esearch_reply(struct imap_conn *conn, unsigned int ret, const uint32_t *ids,
    size_t n, uint64_t maxmod, int sorted)
{
	uint32_t	 lo = 0, hi = 0;
	size_t		 i;

	if (ret == SR_SAVE)
		return;
	if ((ret & ~SR_SAVE) == 0)
		ret |= SR_ALL;
	for (i = 0; i < n; i++) {
		if (i == 0 || ids[i] < lo)
			lo = ids[i];
		if (i == 0 || ids[i] > hi)
			hi = ids[i];
	}
	if (sorted && n > 0) {
		lo = ids[0];
		hi = ids[n - 1];
	}
	buf_reset(&conn->out);
	buf_addf(&conn->out, "* ESEARCH (TAG \"%s\")%s", conn->cmd.tag,
	    conn->cmd.uid ? " UID" : "");
	if ((ret & SR_MIN) && n > 0)
		buf_addf(&conn->out, " MIN %u", lo);
	if ((ret & SR_MAX) && n > 0)
		buf_addf(&conn->out, " MAX %u", hi);
	if (ret & SR_COUNT)
		buf_addf(&conn->out, " COUNT %zu", n);
	if ((ret & SR_ALL) && n > 0) {
		buf_adds(&conn->out, " ALL ");
		msg_list_text(&conn->out, ids, n);
	}
	if (maxmod > 0 && n > 0)
		buf_addf(&conn->out, " MODSEQ %llu",
		    (unsigned long long)maxmod);
	buf_adds(&conn->out, "\r\n");
	conn_write_buf(conn, &conn->out);
}

/*
 * SEARCHRES: keep the result's UIDs for "$" (only the lowest and highest
 * when SAVE comes with MIN or MAX and without ALL or COUNT, RFC 5182).
 */
void
search_save(struct imap_conn *conn, const uint32_t *seqs, size_t n,
    unsigned int ret)
{
	uint32_t	*u;
	size_t		 nu = 0;

	free(conn->saved);
	conn->saved = NULL;
	conn->nsaved = 0;
	u = msg_uids(conn, seqs, n);
	if ((ret & (SR_MIN | SR_MAX)) && !(ret & (SR_ALL | SR_COUNT)) &&
	    n > 0) {
		if (ret & SR_MIN)
			u[nu++] = mbox_rec(conn->mbox, seqs[0])->uid;
		if ((ret & SR_MAX) && (nu == 0 || n > 1))
			u[nu++] = mbox_rec(conn->mbox, seqs[n - 1])->uid;
	} else
		nu = n;
	conn->saved = u;
	conn->nsaved = nu;
}

static int
search_key_cost(const struct search_key *k)
{
	size_t	 i;
	int	 c, max = COST_INDEX;

	switch (k->op) {
	case SK_AND:
	case SK_OR:
	case SK_NOT:
		for (i = 0; i < k->nkids; i++)
			if ((c = search_key_cost(&k->kids[i])) > max)
				max = c;
		return (max);
	case SK_SENTBEFORE:
	case SK_SENTON:
	case SK_SENTSINCE:
	case SK_HEADER:
		return (COST_HEADER);
	case SK_BODY:
	case SK_TEXT:
		return (COST_BODY);
	default:
		return (COST_INDEX);
	}
}

static int
search_eval(struct search_ctx *ctx, const struct search_key *k)
{
	switch (k->op) {
	case SK_AND:
		return (search_and(ctx, k));
	case SK_OR:
		return (k->nkids == 2 && (search_eval(ctx, &k->kids[0]) ||
		    search_eval(ctx, &k->kids[1])));
	case SK_NOT:
		return (k->nkids == 1 && !search_eval(ctx, &k->kids[0]));
	case SK_SENTBEFORE:
	case SK_SENTON:
	case SK_SENTSINCE:
	case SK_HEADER:
		return (search_header(ctx, k));
	case SK_BODY:
	case SK_TEXT:
		return (search_body(ctx, k));
	default:
		return (search_index(ctx, k));
	}
}

/* all of the kids, the cheaper first */
static int
search_and(struct search_ctx *ctx, const struct search_key *k)
{
	size_t	 i;
	int	 cost, pass;

	for (pass = COST_INDEX; pass <= COST_BODY; pass++)
		for (i = 0; i < k->nkids; i++) {
			cost = search_key_cost(&k->kids[i]);
			if (cost == pass && !search_eval(ctx, &k->kids[i]))
				return (0);
		}
	return (1);
}

static int
search_index(struct search_ctx *ctx, const struct search_key *k)
{
	const struct mrec	*r = ctx->rec;
	int			 kw;

	switch (k->op) {
	case SK_ALL:
		return (1);
	case SK_SEQSET:
		if (k->set.saved)
			return (search_saved(ctx->conn, r->uid));
		return (seqset_contains(&k->set, ctx->seq, ctx->count));
	case SK_UIDSET:
		if (k->set.saved)
			return (search_saved(ctx->conn, r->uid));
		return (seqset_contains(&k->set, r->uid, ctx->maxuid));
	case SK_FLAG:
		return ((r->flags & k->flags) == k->flags);
	case SK_UNFLAG:
		return ((r->flags & k->flags) == 0);
	case SK_NEW:
		return ((r->flags & (MF_RECENT | MF_SEEN)) == MF_RECENT);
	case SK_OLD:
		return ((r->flags & MF_RECENT) == 0);
	case SK_KEYWORD:
	case SK_UNKEYWORD:
		kw = k->str != NULL ?
		    mbox_keyword(ctx->conn->mbox, k->str, 0) : -1;
		if (kw >= 0 && kw < MF_KEYWORDS_MAX &&
		    (r->flags & MF_KEYWORD(kw)))
			return (k->op == SK_KEYWORD);
		return (k->op == SK_UNKEYWORD);
	case SK_BEFORE:
		return (search_day(r->internaldate) < k->date);
	case SK_ON:
		return (search_day(r->internaldate) == k->date);
	case SK_SINCE:
		return (search_day(r->internaldate) >= k->date);
	case SK_LARGER:
		return (r->size > k->num);
	case SK_SMALLER:
		return (r->size < k->num);
	case SK_MODSEQ:
		return (r->modseq >= k->num);
	case SK_OLDER:
		return (ctx->now - r->internaldate > (time_t)k->num);
	case SK_YOUNGER:
		return (ctx->now - r->internaldate <= (time_t)k->num);
	default:
		return (0);
	}
}

static int
search_header(struct search_ctx *ctx, const struct search_key *k)
{
	time_t	 t;

	if (ctx->hdr == NULL) {
		ctx->hdr = msg_header(ctx->conn, ctx->seq, &ctx->hdrlen);
		if (ctx->hdr == NULL) {
			/* the file is gone: it matches nothing */
			ctx->hdr = "";
			ctx->hdrlen = 0;
			ctx->mapped = -1;
		}
	}
	if (ctx->mapped == -1)
		return (0);
	if (k->op == SK_HEADER) {
		if (k->field == NULL)
			return (0);
		if (k->str == NULL || k->strlen == 0) {
			buf_reset(&ctx->tmp);
			return (mime_header_get(ctx->hdr, ctx->hdrlen,
			    k->field, &ctx->tmp));
		}
		return (mime_search_header(ctx->hdr, ctx->hdrlen, k->field,
		    k->str, k->strlen));
	}
	buf_reset(&ctx->tmp);
	t = -1;
	if (mime_header_get(ctx->hdr, ctx->hdrlen, "Date", &ctx->tmp) &&
	    ctx->tmp.s != NULL)
		t = mime_date_parse(ctx->tmp.s, ctx->tmp.len);
	if (t == -1)
		t = ctx->rec->internaldate;
	t = search_day(t);
	if (k->op == SK_SENTBEFORE)
		return (t < k->date);
	if (k->op == SK_SENTON)
		return (t == k->date);
	return (t >= k->date);
}

static int
search_body(struct search_ctx *ctx, const struct search_key *k)
{
	if (ctx->mapped == 0) {
		if (mbox_map(ctx->conn->mbox, ctx->seq, &ctx->msg,
		    &ctx->len) == -1) {
			ctx->mapped = -1;
			return (0);
		}
		ctx->mapped = 1;
		ctx->root = mime_parse(ctx->msg, ctx->len);
	}
	if (ctx->mapped == -1 || k->str == NULL)
		return (0);
	return (mime_search_text(ctx->msg, ctx->len, ctx->root, k->str,
	    k->strlen, k->op == SK_BODY));
}

/* is uid in the saved result (ascending)? */
static int
search_saved(struct imap_conn *conn, uint32_t uid)
{
	size_t	 lo = 0, hi = conn->nsaved, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (conn->saved[mid] == uid)
			return (1);
		if (conn->saved[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (0);
}

static time_t
search_day(time_t t)
{
	time_t	 r = t % DAY;

	if (r < 0)
		r += DAY;
	return (t - r);
}

static void
search_release(struct search_ctx *ctx)
{
	if (ctx->root != NULL)
		mime_free(ctx->root);
	if (ctx->mapped == 1)
		mbox_unmap(ctx->conn->mbox, ctx->seq);
	ctx->root = NULL;
	ctx->mapped = 0;
	ctx->hdr = NULL;
	ctx->hdrlen = 0;
	ctx->msg = NULL;
	ctx->len = 0;
}
