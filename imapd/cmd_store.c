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

#define STORE_KW_MAX	64	/* keywords in one STORE */

enum store_op { ST_SET, ST_ADD, ST_DEL };

struct store_req {
	enum store_op	 op;
	int		 silent;
	int		 unchanged_set;
	uint64_t	 unchangedsince;
	uint64_t	 flags;		/* MF_* and keyword bits */
};

static int	 store_parse(struct imap_conn *, struct store_req *,
		    const char **);
static int	 store_flags(struct imap_conn *, const struct imap_arg *,
		    size_t, struct store_req *, const char **);
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
		if (!req.silent)
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
	struct imap_cmd		*cmd = &conn->cmd;
	const struct imap_arg	*a, *m;
	const char		*name;
	char			*end;
	size_t			 i = 1, len;

	if (cmd->nargs >= 2 && cmd->args[1].type == IMAP_ARG_LIST) {
		m = &cmd->args[1];
		if (m->nlist != 2 || m->list[0].type != IMAP_ARG_ATOM ||
		    strcasecmp(m->list[0].s, "UNCHANGEDSINCE") != 0 ||
		    m->list[1].type != IMAP_ARG_ATOM) {
			*err = "Unknown STORE modifier";
			return (-1);
		}
		req->unchangedsince = strtoull(m->list[1].s, &end, 10);
		if (m->list[1].s[0] < '0' || m->list[1].s[0] > '9' ||
		    *end != '\0') {
			*err = "Invalid UNCHANGEDSINCE";
			return (-1);
		}
		req->unchanged_set = 1;
		conn->condstore = 1;
		i = 2;
	}
	if (cmd->nargs < i + 2 || cmd->args[i].type != IMAP_ARG_ATOM) {
		*err = "STORE needs a sequence set, an item and flags";
		return (-1);
	}
	a = &cmd->args[i];
	name = a->s;
	req->op = ST_SET;
	if (*name == '+' || *name == '-') {
		req->op = *name == '+' ? ST_ADD : ST_DEL;
		name++;
	}
	len = strlen(name);
	if (len == 12 && strcasecmp(name, "FLAGS.SILENT") == 0)
		req->silent = 1;
	else if (strcasecmp(name, "FLAGS") != 0) {
		*err = "Unknown STORE item";
		return (-1);
	}
	return (store_flags(conn, cmd->args + i + 1, cmd->nargs - i - 1, req,
	    err));
}

/* the flags: one list, or flags separated by spaces */
static int
store_flags(struct imap_conn *conn, const struct imap_arg *args, size_t n,
    struct store_req *req, const char **err)
{
	const char	*kw[STORE_KW_MAX];
	uint64_t	 sys;
	size_t		 i, j, nkw;
	int		 k;

	if (n > 1 && args[0].type == IMAP_ARG_LIST) {
		*err = "Junk after the flag list";
		return (-1);
	}
	for (i = 0; i < n; i++) {
		nkw = STORE_KW_MAX;
		sys = 0;
		if (imap_flags_parse(&args[i], &sys, kw, &nkw, err) == -1)
			return (-1);
		req->flags |= sys & MF_SYSTEM;
		for (j = 0; j < nkw; j++) {
			k = mbox_keyword(conn->mbox, kw[j],
			    req->op != ST_DEL);
			if (k >= 0 && k < MF_KEYWORDS_MAX)
				req->flags |= MF_KEYWORD(k);
			else if (req->op != ST_DEL) {
				*err = "[LIMIT] Too many keywords in this "
				    "folder";
				return (-2);
			}
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
	if (req->unchanged_set && rec->modseq > req->unchangedsince)
		return (1);
	old = rec->flags & (MF_SYSTEM | MF_KEYWORD_MASK);
	switch (req->op) {
	case ST_SET:
		new = req->flags;
		break;
	case ST_ADD:
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
