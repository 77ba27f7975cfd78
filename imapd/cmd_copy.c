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
 * cmd_copy.c -- COPY, MOVE (RFC 6851) and their UID forms, with COPYUID
 * (RFC 4315 UIDPLUS).  A MOVE is the copies, then an expunge of the
 * source messages whatever their flags; its COPYUID goes in an untagged
 * OK ahead of the EXPUNGE (or VANISHED with QRESYNC) lines.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "cmd_msg.h"

static int	 copy_dest(struct imap_conn *, const struct imap_arg *,
		    struct buf *);
static void	 copy_expunge(struct imap_conn *, const uint32_t *, size_t);

void
cmd_copy(struct imap_conn *conn)
{
	struct imap_cmd	*cmd = &conn->cmd;
	struct buf	 dest, codes;
	const char	*err = NULL, *what;
	uint32_t	*seqs = NULL, *src = NULL, *dst = NULL, uv = 0;
	size_t		 n = 0, i, nd = 0;
	int		 move = strcmp(cmd->name, "MOVE") == 0;

	what = move ? (cmd->uid ? "UID MOVE" : "MOVE") :
	    (cmd->uid ? "UID COPY" : "COPY");
	buf_init(&dest);
	buf_init(&codes);
	/* "NIL" is a folder name like any other here */
	if (cmd->nargs != 2 || (!imap_arg_astring(&cmd->args[1]) &&
	    cmd->args[1].type != IMAP_ARG_NIL)) {
		conn_tagged(conn, "BAD", "%s needs a sequence set and a "
		    "folder", what);
		goto done;
	}
	if (msg_arg_seqs(conn, &cmd->args[0], cmd->uid, &seqs, &n,
	    &err) == -1) {
		conn_tagged(conn, "BAD", "%s", err);
		goto done;
	}
	if (copy_dest(conn, &cmd->args[1], &dest) == -1)
		goto done;
	if (move && (conn->readonly || mbox_readonly(conn->mbox))) {
		conn_tagged(conn, "NO", "[READ-ONLY] The folder is read-only");
		goto done;
	}
	if (n == 0) {
		conn_tagged(conn, "OK", "%s completed, nothing to do", what);
		goto done;
	}
	src = msg_uids(conn, seqs, n);
	dst = xreallocarray(NULL, n, sizeof(*dst));
	for (i = 0; i < n; i++, nd++) {
		err = NULL;
		if (mbox_copy(conn->mbox, seqs[i], conn->store, dest.s, &uv,
		    &dst[i], &err) == -1)
			break;
	}
	if (nd < n) {
		conn_tagged(conn, "NO", "%s", err != NULL ? err :
		    "[EXPUNGEISSUED] A message no longer exists");
		goto done;
	}
	buf_addf(&codes, "COPYUID %u ", uv);
	msg_list_text(&codes, src, n);
	buf_addc(&codes, ' ');
	msg_list_text(&codes, dst, n);
	if (move) {
		conn_untagged(conn, "OK [%s] Moved", codes.s);
		copy_expunge(conn, src, n);
		conn_tagged(conn, "OK", "%s completed", what);
	} else
		conn_tagged(conn, "OK", "[%s] %s completed", codes.s, what);
 done:
	free(seqs);
	free(src);
	free(dst);
	buf_free(&dest);
	buf_free(&codes);
}

/* the destination's UTF-8 name; answers the client itself on error */
static int
copy_dest(struct imap_conn *conn, const struct imap_arg *a, struct buf *b)
{
	if (conn->enabled & (ENA_UTF8 | ENA_IMAP4REV2)) {
		if (!imap_utf8_valid(a->s, a->len) ||
		    memchr(a->s, '\0', a->len) != NULL) {
			conn_tagged(conn, "BAD", "Invalid folder name");
			return (-1);
		}
		buf_add(b, a->s, a->len);
	} else if (imap_mutf7_to_utf8(a->s, b) == -1) {
		conn_tagged(conn, "BAD", "Invalid folder name");
		return (-1);
	}
	if (b->s == NULL)
		buf_adds(b, "");
	if (!mstore_exists(conn->store, b->s)) {
		conn_tagged(conn, "NO", "[TRYCREATE] No such folder");
		return (-1);
	}
	return (0);
}

/* MOVE's expunge of the source messages and its untagged lines */
static void
copy_expunge(struct imap_conn *conn, const uint32_t *uids, size_t n)
{
	struct mbox_changes	 ch;
	struct seqset		 set;
	struct buf		 b;
	size_t			 i;

	memset(&ch, 0, sizeof(ch));
	memset(&set, 0, sizeof(set));
	set.r = xreallocarray(NULL, n, sizeof(*set.r));
	for (i = 0; i < n; i++)
		set.r[i].lo = set.r[i].hi = uids[i];
	set.n = n;
	if (mbox_expunge(conn->mbox, &set, 1, &ch) == -1)
		log_warnx("%s: MOVE: expunge in %s failed", conn->user,
		    mbox_name(conn->mbox));
	free(set.r);
	conn->n_expunged += ch.nexpunged;
	if (ch.nexpunged > 0 && (conn->enabled & ENA_QRESYNC)) {
		buf_init(&b);
		msg_list_text(&b, ch.expunged_uids, ch.nexpunged);
		conn_untagged(conn, "VANISHED %s", b.s);
		buf_free(&b);
	} else
		for (i = 0; i < ch.nexpunged; i++)
			conn_untagged(conn, "%u EXPUNGE", ch.expunged[i]);
	if (ch.new_messages)
		conn_untagged(conn, "%u EXISTS", ch.exists);
	mbox_changes_free(&ch);
}
