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
 * cmd_fetch.c -- FETCH and UID FETCH (RFC 9051 6.4.5), BINARY (RFC 3516),
 * CHANGEDSINCE and VANISHED (RFC 7162).
 *
 * ENVELOPE, BODY and BODYSTRUCTURE come from the folder's cache when it
 * has them; a message is mapped only when an item needs its bytes.  The
 * reply is built a message at a time into a small buffer that is handed
 * to the connection every 64 KB; when the connection's output queue is
 * over CONN_OUT_HIWAT the command suspends itself (conn->resume) and
 * goes on when the queue drains, so FETCH 1:* BODY[] never holds the
 * folder in memory.  Big literals go from the mapping to the connection
 * without a copy into the buffer.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "mime.h"
#include "cmd_msg.h"

#define FETCH_FLUSH	(64 * 1024)	/* hand the buffer over above */
#define FETCH_DIRECT	(32 * 1024)	/* literals written directly */

enum { GEN_ENVELOPE, GEN_BODY, GEN_BODYSTRUCTURE, GEN_COUNT };

struct fetch_run {
	struct fetch_spec	 spec;
	uint32_t		*seqs;
	size_t			 n, i;
	int			 want_uid, want_modseq, want_flags;
	int			 want_gen[GEN_COUNT];
	int			 need_msg;	/* items need the bytes */
	int			 need_parse;	/* and the part tree */
	int			 sets_seen;
	int			 gone;		/* [EXPUNGEISSUED] */
	int			 badcte;	/* [UNKNOWN-CTE] */
	const char *const	*kw;
	size_t			 nkw;
	struct buf		 out;
	struct buf		 tmp;
	struct buf		 gen[GEN_COUNT];
	struct buf		*dec;		/* BINARY: per item */
};

/* one message being answered */
struct fetch_msg {
	uint32_t		 seq;
	const struct mrec	*rec;
	const char		*msg;
	size_t			 len;
	int			 mapped;
	struct mime_part	*root;
	const char		*gen[GEN_COUNT];
	size_t			 genlen[GEN_COUNT];
	int			 genmiss[GEN_COUNT];
	int			 set_seen;
};

static const enum cache_field gen_cf[GEN_COUNT] = {
	CF_ENVELOPE, CF_BODY, CF_BODYSTRUCTURE
};

static int	 fetch_setup(struct imap_conn *, struct fetch_run *,
		    const char **);
static void	 fetch_vanished(struct imap_conn *);
static void	 fetch_loop(struct imap_conn *, struct fetch_run *);
static void	 fetch_resume(struct imap_conn *);
static void	 fetch_finish(struct imap_conn *, struct fetch_run *);
static void	 fetch_free(struct fetch_run *);
static void	 fetch_one(struct imap_conn *, struct fetch_run *, uint32_t);
static int	 fetch_prepare(struct imap_conn *, struct fetch_run *,
		    struct fetch_msg *);
static void	 fetch_done(struct imap_conn *, struct fetch_run *,
		    struct fetch_msg *);
static void	 fetch_item(struct imap_conn *, struct fetch_run *,
		    struct fetch_msg *, size_t);
static void	 fetch_section(struct imap_conn *, struct fetch_run *,
		    struct fetch_msg *, const struct fetch_att *);
static void	 fetch_literal(struct imap_conn *, struct fetch_run *,
		    const struct fetch_att *, const char *, size_t, int);
static void	 fetch_flush(struct imap_conn *, struct fetch_run *);
static const struct mime_part *fetch_part(const struct mime_part *,
		    const struct imap_section *);

void
cmd_fetch(struct imap_conn *conn)
{
	struct fetch_run	*fr;
	const char		*err = NULL;
	int			 rv;

	fr = xcalloc(1, sizeof(*fr));
	if ((rv = fetch_setup(conn, fr, &err)) != 0) {
		conn_tagged(conn, rv == -1 ? "BAD" : "NO", "%s", err);
		fetch_free(fr);
		return;
	}
	if (fr->spec.vanished)
		fetch_vanished(conn);
	fetch_loop(conn, fr);
}

/* 0, or -1 (BAD) / -2 (NO) with *err */
static int
fetch_setup(struct imap_conn *conn, struct fetch_run *fr, const char **err)
{
	struct imap_cmd		*cmd = &conn->cmd;
	struct fetch_att	*a;
	size_t			 i;

	if (cmd->nargs < 2) {
		*err = "FETCH needs a sequence set and items";
		return (-1);
	}
	if (imap_fetch_parse(cmd->args + 1, cmd->nargs - 1, &fr->spec,
	    err) == -1)
		return (-1);
	if (fr->spec.vanished && (!cmd->uid ||
	    !(conn->enabled & ENA_QRESYNC) || !fr->spec.changedsince_set)) {
		*err = "VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE";
		return (-1);
	}
	if (msg_arg_seqs(conn, &cmd->args[0], cmd->uid, &fr->seqs, &fr->n,
	    err) == -1)
		return (-1);
	fr->want_uid = cmd->uid;
	fr->want_modseq = fr->spec.changedsince_set;
	fr->dec = xcalloc(fr->spec.n ? fr->spec.n : 1, sizeof(*fr->dec));
	for (i = 0; i < fr->spec.n; i++) {
		a = &fr->spec.atts[i];
		switch (a->kind) {
		case FA_UID:
			fr->want_uid = 1;
			break;
		case FA_MODSEQ:
			fr->want_modseq = 1;
			break;
		case FA_FLAGS:
			fr->want_flags = 1;
			break;
		case FA_ENVELOPE:
			fr->want_gen[GEN_ENVELOPE] = 1;
			break;
		case FA_BODY:
			fr->want_gen[GEN_BODY] = 1;
			break;
		case FA_BODYSTRUCTURE:
			fr->want_gen[GEN_BODYSTRUCTURE] = 1;
			break;
		case FA_BODY_SECTION:
		case FA_BINARY:
		case FA_RFC822:
		case FA_RFC822_TEXT:
			if (!a->peek)
				fr->sets_seen = 1;
			fr->need_msg = fr->need_parse = 1;
			break;
		case FA_BINARY_SIZE:
		case FA_RFC822_HEADER:
			fr->need_msg = fr->need_parse = 1;
			break;
		default:
			break;
		}
	}
	if (fr->want_modseq)
		conn->condstore = 1;
	/* CONDSTORE on: flags go with their modseq (as Dovecot does) */
	if (fr->want_flags && conn->condstore)
		fr->want_modseq = 1;
	if (conn->readonly || mbox_readonly(conn->mbox))
		fr->sets_seen = 0;
	fr->nkw = mbox_keywords(conn->mbox, &fr->kw);
	return (0);
}

/*
 * VANISHED (EARLIER): the UIDs of the set, below UIDNEXT, that are not
 * in the folder.  Expunged UIDs are not remembered, so UIDs that never
 * existed are included, as RFC 7162 3.2.6 allows.
 */
static void
fetch_vanished(struct imap_conn *conn)
{
	struct seqset	 set;
	struct buf	 b;
	const char	*err;
	uint32_t	 count, maxuid, lo, hi, u, e, seq, l, h;
	size_t		 i, nr = 0;

	memset(&set, 0, sizeof(set));
	if (imap_seqset_parse(conn->cmd.args[0].s, &set, &err) == -1 ||
	    set.saved) {
		seqset_free(&set);
		return;
	}
	buf_init(&b);
	count = mbox_count(conn->mbox);
	maxuid = mbox_uidnext(conn->mbox) - 1;
	for (i = 0; i < set.n; i++) {
		lo = set.r[i].lo == IMAP_SEQ_STAR ? maxuid : set.r[i].lo;
		hi = set.r[i].hi == IMAP_SEQ_STAR ? maxuid : set.r[i].hi;
		if (lo > hi) {
			u = lo;
			lo = hi;
			hi = u;
		}
		if (hi > maxuid)
			hi = maxuid;
		if (lo == 0)
			lo = 1;
		if (lo > hi)
			continue;
		/* the first message with a UID >= lo */
		for (l = 1, h = count + 1; l < h; ) {
			seq = l + (h - l) / 2;
			if (mbox_rec(conn->mbox, seq)->uid < lo)
				l = seq + 1;
			else
				h = seq;
		}
		for (u = lo, seq = l; u <= hi; seq++) {
			e = seq <= count ? mbox_rec(conn->mbox, seq)->uid :
			    UINT32_MAX;
			if (e > u) {
				buf_adds(&b, nr++ ? "," : "");
				buf_addu64(&b, u);
				if ((e > hi ? hi : e - 1) != u) {
					buf_addc(&b, ':');
					buf_addu64(&b, e > hi ? hi : e - 1);
				}
			}
			if (e >= hi)
				break;
			u = e + 1;
		}
	}
	if (nr > 0)
		conn_untagged(conn, "VANISHED (EARLIER) %s", b.s);
	buf_free(&b);
	seqset_free(&set);
}

static void
fetch_loop(struct imap_conn *conn, struct fetch_run *fr)
{
	while (fr->i < fr->n) {
		fetch_one(conn, fr, fr->seqs[fr->i++]);
		if (fr->out.len >= FETCH_FLUSH)
			fetch_flush(conn, fr);
		if (fr->i < fr->n && conn_queued(conn) >= CONN_OUT_HIWAT) {
			fetch_flush(conn, fr);
			conn->resume = fetch_resume;
			conn->resume_arg = fr;
			return;
		}
	}
	fetch_flush(conn, fr);
	conn->resume = NULL;
	conn->resume_arg = NULL;
	fetch_finish(conn, fr);
}

/*
 * Called again once the queue drained.  A connection that goes away in
 * the middle (state CS_LOGOUT when the session frees it) gets the run
 * freed and no more output.
 */
static void
fetch_resume(struct imap_conn *conn)
{
	struct fetch_run	*fr = conn->resume_arg;

	if (conn->state == CS_LOGOUT) {
		conn->resume = NULL;
		conn->resume_arg = NULL;
		fetch_free(fr);
		return;
	}
	fetch_loop(conn, fr);
}

static void
fetch_finish(struct imap_conn *conn, struct fetch_run *fr)
{
	if (fr->badcte)
		conn_tagged(conn, "NO", "[UNKNOWN-CTE] Can't decode a part "
		    "with its Content-Transfer-Encoding");
	else if (fr->gone)
		conn_tagged(conn, "NO", "[EXPUNGEISSUED] Some of the "
		    "requested messages no longer exist");
	else
		conn_tagged(conn, "OK", "%s completed",
		    conn->cmd.uid ? "UID FETCH" : "FETCH");
	fetch_free(fr);
}

static void
fetch_free(struct fetch_run *fr)
{
	size_t	 i;

	if (fr->dec != NULL)
		for (i = 0; i < fr->spec.n; i++)
			buf_free(&fr->dec[i]);
	free(fr->dec);
	for (i = 0; i < GEN_COUNT; i++)
		buf_free(&fr->gen[i]);
	fetch_spec_free(&fr->spec);
	free(fr->seqs);
	buf_free(&fr->out);
	buf_free(&fr->tmp);
	free(fr);
}

static void
fetch_flush(struct imap_conn *conn, struct fetch_run *fr)
{
	if (fr->out.len > 0) {
		conn_write(conn, fr->out.s, fr->out.len);
		buf_reset(&fr->out);
	}
}

static void
fetch_one(struct imap_conn *conn, struct fetch_run *fr, uint32_t seq)
{
	struct fetch_msg	 m;
	size_t			 i;
	int			 first = 1;

	memset(&m, 0, sizeof(m));
	m.seq = seq;
	m.rec = mbox_rec(conn->mbox, seq);
	if (fr->spec.changedsince_set &&
	    m.rec->modseq <= fr->spec.changedsince)
		return;
	if (fetch_prepare(conn, fr, &m) == -1) {
		fetch_done(conn, fr, &m);
		return;
	}
	buf_adds(&fr->out, "* ");
	buf_addu64(&fr->out, seq);
	buf_adds(&fr->out, " FETCH (");
	if (fr->want_uid) {
		buf_adds(&fr->out, "UID ");
		buf_addu64(&fr->out, m.rec->uid);
		first = 0;
	}
	for (i = 0; i < fr->spec.n; i++) {
		if (fr->spec.atts[i].kind == FA_UID ||
		    fr->spec.atts[i].kind == FA_MODSEQ)
			continue;
		if (!first)
			buf_addc(&fr->out, ' ');
		first = 0;
		fetch_item(conn, fr, &m, i);
	}
	if (m.set_seen && !fr->want_flags) {
		buf_adds(&fr->out, first ? "FLAGS " : " FLAGS ");
		msg_flags_text(&fr->out, m.rec->flags, fr->kw, fr->nkw);
		first = 0;
	}
	if (fr->want_modseq || (m.set_seen && conn->condstore)) {
		buf_adds(&fr->out, first ? "MODSEQ (" : " MODSEQ (");
		buf_addu64(&fr->out, m.rec->modseq);
		buf_addc(&fr->out, ')');
	}
	buf_adds(&fr->out, ")\r\n");
	fetch_done(conn, fr, &m);
}

/*
 * Before any byte of the reply: \Seen, the cached strings, the mapping,
 * the part tree, BINARY decoding.  -1 to skip the message.
 */
static int
fetch_prepare(struct imap_conn *conn, struct fetch_run *fr,
    struct fetch_msg *m)
{
	const struct fetch_att	*a;
	const struct mime_part	*p;
	int			 k, need = fr->need_msg, ext;
	size_t			 i;

	for (k = 0; k < GEN_COUNT; k++) {
		if (!fr->want_gen[k])
			continue;
		m->gen[k] = mbox_cache_get(conn->mbox, m->seq, gen_cf[k],
		    &m->genlen[k]);
		if (m->gen[k] == NULL)
			m->genmiss[k] = need = 1;
	}
	if (need) {
		if (mbox_map(conn->mbox, m->seq, &m->msg, &m->len) == -1) {
			fr->gone = 1;
			return (-1);
		}
		m->mapped = 1;
	}
	if (fr->need_parse || m->genmiss[GEN_BODY] ||
	    m->genmiss[GEN_BODYSTRUCTURE])
		m->root = mime_parse(m->msg, m->len);
	for (k = 0; k < GEN_COUNT; k++) {
		if (!m->genmiss[k])
			continue;
		buf_reset(&fr->gen[k]);
		/* cached strings never hold 8-bit bytes in quoted strings */
		if (k == GEN_ENVELOPE)
			mime_envelope(m->msg, msg_hdr_len(m->msg, m->len),
			    &fr->gen[k], 0);
		else {
			ext = k == GEN_BODYSTRUCTURE;
			mime_bodystructure(m->msg, m->root, ext, &fr->gen[k],
			    0);
		}
		m->gen[k] = fr->gen[k].s != NULL ? fr->gen[k].s : "NIL";
		m->genlen[k] = fr->gen[k].s != NULL ? fr->gen[k].len : 3;
	}
	for (i = 0; i < fr->spec.n; i++) {
		a = &fr->spec.atts[i];
		if (a->kind != FA_BINARY && a->kind != FA_BINARY_SIZE)
			continue;
		buf_reset(&fr->dec[i]);
		if ((p = fetch_part(m->root, &a->section)) != NULL &&
		    mime_decode(m->msg, p, &fr->dec[i]) == -1) {
			fr->badcte = 1;
			return (-1);
		}
	}
	if (fr->sets_seen && !(m->rec->flags & MF_SEEN)) {
		if (mbox_set_flags(conn->mbox, m->seq,
		    (m->rec->flags & ~MF_RECENT) | MF_SEEN) == -1) {
			fr->gone = 1;
			return (-1);
		}
		m->rec = mbox_rec(conn->mbox, m->seq);
		m->set_seen = 1;
	}
	return (0);
}

/* after the reply: fill the cache, let the message go */
static void
fetch_done(struct imap_conn *conn, struct fetch_run *fr,
    struct fetch_msg *m)
{
	int	 k;

	for (k = 0; k < GEN_COUNT; k++)
		if (m->genmiss[k] && fr->gen[k].s != NULL)
			mbox_cache_put(conn->mbox, m->seq, gen_cf[k],
			    fr->gen[k].s, fr->gen[k].len);
	if (m->root != NULL)
		mime_free(m->root);
	if (m->mapped)
		mbox_unmap(conn->mbox, m->seq);
}

static void
fetch_item(struct imap_conn *conn, struct fetch_run *fr,
    struct fetch_msg *m, size_t i)
{
	const struct fetch_att	*a = &fr->spec.atts[i];
	char			 date[64];
	struct buf		*o = &fr->out;

	switch (a->kind) {
	case FA_FLAGS:
		buf_adds(o, "FLAGS ");
		msg_flags_text(o, m->rec->flags, fr->kw, fr->nkw);
		break;
	case FA_INTERNALDATE:
	case FA_SAVEDATE:
		imap_datetime_fmt(a->kind == FA_SAVEDATE ?
		    m->rec->savedate : m->rec->internaldate, date,
		    sizeof(date));
		buf_addf(o, "%s \"%s\"", a->kind == FA_SAVEDATE ?
		    "SAVEDATE" : "INTERNALDATE", date);
		break;
	case FA_RFC822_SIZE:
		buf_adds(o, "RFC822.SIZE ");
		buf_addu64(o, m->rec->size);
		break;
	case FA_ENVELOPE:
		buf_adds(o, "ENVELOPE ");
		buf_add(o, m->gen[GEN_ENVELOPE], m->genlen[GEN_ENVELOPE]);
		break;
	case FA_BODY:
		buf_adds(o, "BODY ");
		buf_add(o, m->gen[GEN_BODY], m->genlen[GEN_BODY]);
		break;
	case FA_BODYSTRUCTURE:
		buf_adds(o, "BODYSTRUCTURE ");
		buf_add(o, m->gen[GEN_BODYSTRUCTURE],
		    m->genlen[GEN_BODYSTRUCTURE]);
		break;
	case FA_BINARY:
		fetch_literal(conn, fr, a, fr->dec[i].s, fr->dec[i].len, 1);
		break;
	case FA_BINARY_SIZE:
		buf_adds(o, a->label[0] != '\0' ? a->label : "BINARY.SIZE[]");
		buf_addc(o, ' ');
		buf_addu64(o, fr->dec[i].len);
		break;
	case FA_EMAILID:
		buf_adds(o, "EMAILID NIL");
		break;
	case FA_THREADID:
		buf_adds(o, "THREADID NIL");
		break;
	default:
		fetch_section(conn, fr, m, a);
		break;
	}
}

/* BODY[section]<partial>, RFC822, RFC822.HEADER, RFC822.TEXT */
static void
fetch_section(struct imap_conn *conn, struct fetch_run *fr,
    struct fetch_msg *m, const struct fetch_att *a)
{
	struct imap_section	 whole;
	const struct imap_section *sec = &a->section;
	const char		*label = a->label;
	size_t			 off, len;

	memset(&whole, 0, sizeof(whole));
	switch (a->kind) {
	case FA_RFC822:
		sec = &whole;
		label = "RFC822";
		break;
	case FA_RFC822_HEADER:
		whole.spec = SEC_HEADER;
		sec = &whole;
		label = "RFC822.HEADER";
		break;
	case FA_RFC822_TEXT:
		whole.spec = SEC_TEXT;
		sec = &whole;
		label = "RFC822.TEXT";
		break;
	default:
		if (label[0] == '\0')
			label = "BODY[]";
		break;
	}
	buf_reset(&fr->tmp);
	if (sec->npart == 0 && sec->spec == SEC_NONE &&
	    m->rec->size == m->len) {
		/* the whole message, stored with CRLF already */
		off = 0;
		len = m->len;
	} else if (mime_section(m->msg, m->len, m->root, sec, &off, &len,
	    &fr->tmp) == -1) {
		off = 0;
		len = 0;
	}
	buf_adds(&fr->out, label);
	buf_addc(&fr->out, ' ');
	if (off == (size_t)-1)
		fetch_literal(conn, fr, a, fr->tmp.s, fr->tmp.len, 0);
	else
		fetch_literal(conn, fr, a, m->msg + off, len, 0);
}

/*
 * The partial of data as a literal (binary: literal8 "~{n}" when it
 * holds a NUL), its label written already but for BINARY.
 */
static void
fetch_literal(struct imap_conn *conn, struct fetch_run *fr,
    const struct fetch_att *a, const char *data, size_t len, int binary)
{
	uint64_t	 off;

	if (binary) {
		buf_adds(&fr->out, a->label[0] != '\0' ? a->label :
		    "BINARY[]");
		buf_addc(&fr->out, ' ');
	}
	if (data == NULL)
		len = 0;
	if (a->partial_off >= 0) {
		off = (uint64_t)a->partial_off;
		if (off > len)
			off = len;
		data += off;
		len -= off;
		if (len > a->partial_len)
			len = a->partial_len;
	}
	if (binary && len > 0 && memchr(data, '\0', len) != NULL)
		buf_addc(&fr->out, '~');
	buf_addc(&fr->out, '{');
	buf_addu64(&fr->out, len);
	buf_adds(&fr->out, "}\r\n");
	conn->n_fetched_bytes += len;
	if (len >= FETCH_DIRECT) {
		fetch_flush(conn, fr);
		conn_write(conn, data, len);
	} else if (len > 0)
		buf_add(&fr->out, data, len);
}

/*
 * The part a section path names (BINARY): part 1 of a single-part body
 * is the body; a message/rfc822 part's numbers go into its message.
 */
static const struct mime_part *
fetch_part(const struct mime_part *root, const struct imap_section *sec)
{
	const struct mime_part	*p = root, *c;
	size_t			 i;
	uint32_t		 k;

	for (i = 0; p != NULL && i < sec->npart; i++) {
		if (i > 0 && p->message != NULL)
			p = p->message;
		if (p->children != NULL) {
			for (c = p->children, k = 1; c != NULL &&
			    k < sec->part[i]; k++)
				c = c->next;
			p = c;
		} else if (sec->part[i] != 1)
			p = NULL;
	}
	return (p);
}
