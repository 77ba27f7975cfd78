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
 * cmd_store.c -- STORE and UID STORE (RFC 9051 6.4.6) with UNCHANGEDSINCE
 * (RFC 7162 3.1.3).  A message's file is renamed only when its flags
 * really change: a STORE +FLAGS (\Seen) of seen messages touches nothing
 * on disk and gives no new modseq.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "cmd_msg.h"

struct store_req {
	struct store_spec	 spec;
	uint64_t		 flags;	/* MF_* and keyword bits */
};

static int	 store_parse(struct imap_conn *, struct store_req *,
		    const char **);
static int	 store_one(struct imap_conn *, const struct store_req *,
		    uint32_t, int *);
static void	 store_silent_modseq(struct imap_conn *, uint32_t);

void
cmd_store(struct imap_conn *conn)
{
	struct store_req	 req;
	struct buf		 mod;
	const char		*err = NULL;
	uint32_t		*seqs = NULL, id;
	size_t			 n, i, nmod = 0;
	int			 rv, gone = 0, changed;

	memset(&req, 0, sizeof(req));
	if ((rv = store_parse(conn, &req, &err)) != 0 ||
	    msg_arg_seqs(conn, &conn->cmd.args[0], conn->cmd.uid, &seqs, &n,
	    &err) == -1) {
		conn_tagged(conn, rv == -2 ? "NO" : "BAD", "%s", err);
		free(seqs);
		return;
	}
	if (conn->readonly || mbox_readonly(conn->mbox)) {
		conn_tagged(conn, "NO", "[READ-ONLY] The folder is read-only");
		free(seqs);
		return;
	}
	buf_init(&mod);
	for (i = 0; i < n; i++) {
		rv = store_one(conn, &req, seqs[i], &changed);
		if (rv == -1) {
			gone = 1;
			continue;
		}
		if (rv == 1) {
			id = conn->cmd.uid ?
			    mbox_rec(conn->mbox, seqs[i])->uid : seqs[i];
			buf_adds(&mod, nmod++ ? "," : "");
			buf_addu64(&mod, id);
			continue;
		}
		if (!req.spec.silent)
			conn_send_flags(conn, seqs[i], conn->cmd.uid,
			    conn->condstore);
		else if (changed && conn->condstore)
			store_silent_modseq(conn, seqs[i]);
	}
	if (nmod > 0)
		conn_tagged(conn, "OK", "[MODIFIED %s] Conditional STORE "
		    "failed", mod.s);
	else if (gone)
		conn_tagged(conn, "NO", "[EXPUNGEISSUED] Some of the "
		    "messages no longer exist");
	else
		conn_tagged(conn, "OK", "%s completed",
		    conn->cmd.uid ? "UID STORE" : "STORE");
	buf_free(&mod);
	free(seqs);
}

/* 0, or -1 (BAD) / -2 (NO) with *err */
static int
store_parse(struct imap_conn *conn, struct store_req *req, const char **err)
{
	struct store_spec	*sp = &req->spec;
	size_t			 i;
	int			 k;

	if (conn->cmd.nargs < 3) {
		*err = "STORE needs a sequence set, an item and flags";
		return (-1);
	}
	if (imap_store_parse(conn->cmd.args + 1, conn->cmd.nargs - 1, sp,
	    err) == -1)
		return (-1);
	if (sp->unchangedsince_set)
		conn->condstore = 1;
	req->flags = sp->sys & MF_SYSTEM;
	for (i = 0; i < sp->nkw; i++) {
		k = mbox_keyword(conn->mbox, sp->kw[i], sp->op != STORE_REMOVE);
		if (k >= 0 && k < MF_KEYWORDS_MAX)
			req->flags |= MF_KEYWORD(k);
		else if (sp->op != STORE_REMOVE) {
			*err = "[LIMIT] Too many keywords in this folder";
			return (-2);
		}
	}
	return (0);
}

/*
 * One message: 0 done (*changed if its flags changed), 1 not done for
 * UNCHANGEDSINCE, -1 its file is gone.
 */
static int
store_one(struct imap_conn *conn, const struct store_req *req,
    uint32_t seq, int *changed)
{
	const struct mrec	*rec = mbox_rec(conn->mbox, seq);
	uint64_t		 old, new;

	*changed = 0;
	if (req->spec.unchangedsince_set &&
	    rec->modseq > req->spec.unchangedsince)
		return (1);
	old = rec->flags & (MF_SYSTEM | MF_KEYWORD_MASK);
	switch (req->spec.op) {
	case STORE_SET:
		new = req->flags;
		break;
	case STORE_ADD:
		new = old | req->flags;
		break;
	default:
		new = old & ~req->flags;
		break;
	}
	if (new == old)
		return (0);
	if (mbox_set_flags(conn->mbox, seq, new) == -1)
		return (-1);
	if ((new & MF_DELETED) && !(old & MF_DELETED))
		conn->n_deleted++;
	*changed = 1;
	return (0);
}

/* .SILENT with CONDSTORE: the new modseq all the same (RFC 7162 3.1.3) */
static void
store_silent_modseq(struct imap_conn *conn, uint32_t seq)
{
	const struct mrec	*rec = mbox_rec(conn->mbox, seq);

	if (conn->cmd.uid)
		conn_untagged(conn, "%u FETCH (UID %u MODSEQ (%llu))", seq,
		    rec->uid, (unsigned long long)rec->modseq);
	else
		conn_untagged(conn, "%u FETCH (MODSEQ (%llu))", seq,
		    (unsigned long long)rec->modseq);
}
