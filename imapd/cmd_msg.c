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
 * cmd_msg.c -- helpers of the message commands (cmd_msg.h).
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "cmd_msg.h"

int
msg_arg_seqs(struct imap_conn *conn, const struct imap_arg *arg, int uid,
    uint32_t **seqs, size_t *n, const char **err)
{
	struct seqset	 set;
	int		 rv;

	*seqs = NULL;
	*n = 0;
	if (arg->type != IMAP_ARG_ATOM) {
		*err = "Invalid sequence set";
		return (-1);
	}
	memset(&set, 0, sizeof(set));
	if (imap_seqset_parse(arg->s, &set, err) == -1) {
		seqset_free(&set);
		return (-1);
	}
	rv = conn_set_seqs(conn, &set, uid, seqs, n, err);
	seqset_free(&set);
	return (rv);
}

size_t
msg_hdr_len(const char *msg, size_t len)
{
	const char	*p, *end = msg + len;

	/* an empty header: the message starts with its blank line */
	if (len > 0 && msg[0] == '\n')
		return (1);
	if (len > 1 && msg[0] == '\r' && msg[1] == '\n')
		return (2);
	for (p = msg; p < end; p++) {
		p = memchr(p, '\n', end - p);
		if (p == NULL)
			break;
		if (p + 1 < end && p[1] == '\n')
			return (p + 2 - msg);
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return (p + 3 - msg);
	}
	return (len);
}

const char *
msg_header(struct imap_conn *conn, uint32_t seq, size_t *len)
{
	static struct buf	 copy;
	const char		*s, *msg;
	size_t			 msglen, hlen;

	s = mbox_cache_get(conn->mbox, seq, CF_HDR, len);
	if (s != NULL)
		return (s);
	if (mbox_map(conn->mbox, seq, &msg, &msglen) == -1)
		return (NULL);
	hlen = msg_hdr_len(msg, msglen);
	mbox_cache_put(conn->mbox, seq, CF_HDR, msg, hlen);
	s = mbox_cache_get(conn->mbox, seq, CF_HDR, len);
	if (s == NULL) {
		/* not cached (no room?): a copy, valid until the next */
		buf_reset(&copy);
		buf_add(&copy, msg, hlen);
		s = copy.s != NULL ? copy.s : "";
		*len = hlen;
	}
	mbox_unmap(conn->mbox, seq);
	return (s);
}

void
msg_list_text(struct buf *b, const uint32_t *v, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j - 1] != UINT32_MAX &&
		    v[j] == v[j - 1] + 1; j++)
			;
		if (i > 0)
			buf_addc(b, ',');
		buf_addu64(b, v[i]);
		if (j - i > 1) {
			buf_addc(b, ':');
			buf_addu64(b, v[j - 1]);
		}
	}
}

void
msg_flags_text(struct buf *b, uint64_t flags, const char *const *kw,
    size_t nkw)
{
	static const struct {
		uint64_t	 f;
		const char	*s;
	} sys[] = {
		{ MF_SEEN, "\\Seen" }, { MF_ANSWERED, "\\Answered" },
		{ MF_FLAGGED, "\\Flagged" }, { MF_DELETED, "\\Deleted" },
		{ MF_DRAFT, "\\Draft" }, { MF_RECENT, "\\Recent" },
	};
	size_t	 i;
	int	 first = 1;

	buf_addc(b, '(');
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		if ((flags & sys[i].f) == 0)
			continue;
		if (!first)
			buf_addc(b, ' ');
		buf_adds(b, sys[i].s);
		first = 0;
	}
	for (i = 0; i < nkw && i < MF_KEYWORDS_MAX; i++) {
		if ((flags & MF_KEYWORD(i)) == 0 || kw[i] == NULL)
			continue;
		if (!first)
			buf_addc(b, ' ');
		buf_adds(b, kw[i]);
		first = 0;
	}
	buf_addc(b, ')');
}

uint32_t *
msg_uids(struct imap_conn *conn, const uint32_t *seqs, size_t n)
{
	uint32_t	*u;
	size_t		 i;

	u = xreallocarray(NULL, n ? n : 1, sizeof(*u));
	for (i = 0; i < n; i++)
		u[i] = mbox_rec(conn->mbox, seqs[i])->uid;
	return (u);
}
