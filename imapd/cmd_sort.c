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
 * cmd_sort.c -- SORT and THREAD (RFC 5256), DISPLAYFROM and DISPLAYTO
 * (RFC 5957), ESORT (RFC 5267).  The messages are chosen by search_run();
 * their sort keys (sent date, base subject, the first addresses,
 * Message-ID, References) are computed once from the header and kept in
 * the folder's cache (CF_SORT) as lines:
 *
 *	date\nSUBJECT\nFROM\nTO\nCC\ndisplayfrom\ndisplayto\nreply\n
 *	message-id\nreferences\n
 *
 * date is the sent date in UTC seconds, -1 when there is none.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "mime.h"
#include "cmd_msg.h"

enum {
	SF_DATE, SF_SUBJECT, SF_FROM, SF_TO, SF_CC, SF_DFROM, SF_DTO,
	SF_REPLY, SF_MSGID, SF_REFS, SF_COUNT
};

struct sort_ent {
	uint32_t		 seq;
	uint32_t		 uid;
	uint64_t		 size;
	time_t			 arrival;
	time_t			 date;	/* sent, else arrival */
	char			*mem;	/* the keys, NUL-separated */
	const char		*f[SF_COUNT];
};

/* the criteria, for sort_cmp() */
static const struct sort_crit	*sort_crits;
static size_t			 sort_ncrits;

static int	 sort_args(struct imap_conn *, size_t, struct search_prog *,
		    struct imap_arg **, const char **);
static int	 sort_select(struct imap_conn *, size_t,
		    struct search_prog *, struct sort_ent **, size_t *,
		    const char **);
static void	 sort_ent_fill(struct imap_conn *, struct sort_ent *,
		    const char *, size_t);
static void	 sort_keys_make(struct imap_conn *, uint32_t, struct buf *);
static void	 sort_msgid(struct buf *, const char *, size_t);
static void	 sort_field(struct buf *, const char *, size_t);
static int	 sort_cmp(const void *, const void *);
static void	 sort_free(struct sort_ent *, size_t);

void
cmd_sort(struct imap_conn *conn)
{
	struct sort_crit	 crit[SORT_CRIT_MAX];
	struct search_prog	 prog;
	struct sort_ent		*e = NULL;
	struct imap_arg		*cargs = conn->cmd.args;
	const char		*err = "Invalid SORT";
	uint32_t		*ids;
	uint64_t		 maxmod = 0;
	size_t			 n = 0, nc = SORT_CRIT_MAX, i, off = 0;

	memset(&prog, 0, sizeof(prog));
	if (conn->cmd.nargs >= 2 && cargs[0].type == IMAP_ARG_ATOM &&
	    strcasecmp(cargs[0].s, "RETURN") == 0)
		off = 2;
	if (conn->cmd.nargs < off + 3 ||
	    imap_sort_parse(&cargs[off], crit, &nc, &err) == -1) {
		conn_tagged(conn, "BAD", "%s", err);
		return;
	}
	if (sort_select(conn, off + 1, &prog, &e, &n, &err) == -1) {
		search_prog_free(&prog);
		return;
	}
	sort_crits = crit;
	sort_ncrits = nc;
	qsort(e, n, sizeof(*e), sort_cmp);
	ids = xreallocarray(NULL, n ? n : 1, sizeof(*ids));
	for (i = 0; i < n; i++) {
		ids[i] = conn->cmd.uid ? e[i].uid : e[i].seq;
		if (prog.has_modseq &&
		    mbox_rec(conn->mbox, e[i].seq)->modseq > maxmod)
			maxmod = mbox_rec(conn->mbox, e[i].seq)->modseq;
	}
	if (prog.esearch)
		esearch_reply(conn, prog.ret, ids, n, maxmod, 1);
	else {
		buf_reset(&conn->out);
		buf_adds(&conn->out, "* SORT");
		for (i = 0; i < n; i++) {
			buf_addc(&conn->out, ' ');
			buf_addu64(&conn->out, ids[i]);
		}
		if (maxmod > 0)
			buf_addf(&conn->out, " (MODSEQ %llu)",
			    (unsigned long long)maxmod);
		buf_adds(&conn->out, "\r\n");
		conn_write_buf(conn, &conn->out);
	}
	conn_tagged(conn, "OK", "%s completed", conn->cmd.uid ? "UID SORT" :
	    "SORT");
	free(ids);
	sort_free(e, n);
	search_prog_free(&prog);
}

void
cmd_thread(struct imap_conn *conn)
{
	struct search_prog	 prog;
	struct sort_ent		*e = NULL;
	struct thread_msg	*tm;
	struct imap_arg		*a = conn->cmd.args;
	struct buf		 out;
	const char		*err;
	size_t			 n = 0, i;
	enum thread_alg		 alg;

	memset(&prog, 0, sizeof(prog));
	if (conn->cmd.nargs < 3) {
		conn_tagged(conn, "BAD", "THREAD needs an algorithm, a "
		    "charset and search keys");
		return;
	}
	if (imap_thread_parse(&a[0], &alg, &err) == -1) {
		conn_tagged(conn, "BAD", "%s", err);
		return;
	}
	if (sort_select(conn, 1, &prog, &e, &n, &err) == -1) {
		search_prog_free(&prog);
		return;
	}
	tm = xcalloc(n ? n : 1, sizeof(*tm));
	for (i = 0; i < n; i++) {
		tm[i].id = conn->cmd.uid ? e[i].uid : e[i].seq;
		tm[i].date = e[i].date;
		tm[i].msgid = e[i].f[SF_MSGID][0] ? e[i].f[SF_MSGID] : NULL;
		tm[i].refs = e[i].f[SF_REFS][0] ? e[i].f[SF_REFS] : NULL;
		tm[i].subject = e[i].f[SF_SUBJECT];
		tm[i].is_reply = e[i].f[SF_REPLY][0] == '1';
	}
	buf_init(&out);
	if (alg == THREAD_REFERENCES)
		thread_references(tm, n, &out);
	else
		thread_orderedsubject(tm, n, &out);
	conn_untagged(conn, "THREAD%s%s", out.len ? " " : "",
	    out.len ? out.s : "");
	conn_tagged(conn, "OK", "%s completed", conn->cmd.uid ?
	    "UID THREAD" : "THREAD");
	buf_free(&out);
	free(tm);
	sort_free(e, n);
	search_prog_free(&prog);
}

/*
 * From args[at] on: the charset, then the search keys (with the RETURN
 * options of ESORT ahead of them when args[0] is RETURN).  Answers the
 * client itself on error (-1).
 */
static int
sort_args(struct imap_conn *conn, size_t at, struct search_prog *prog,
    struct imap_arg **tmp, const char **err)
{
	struct imap_arg	*a = conn->cmd.args, *v;
	size_t		 n = conn->cmd.nargs, nv;
	const char	*cs;

	*tmp = NULL;
	if (at >= n || !imap_arg_astring(&a[at])) {
		conn_tagged(conn, "BAD", "Missing charset");
		return (-1);
	}
	cs = a[at].s;
	if (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "US-ASCII") != 0) {
		conn_tagged(conn, "NO", "[BADCHARSET (US-ASCII UTF-8)] "
		    "Unsupported charset");
		return (-1);
	}
	if (at + 1 >= n) {
		conn_tagged(conn, "BAD", "Missing search keys");
		return (-1);
	}
	nv = n - at - 1;
	if (at == 3) {
		/* RETURN (opts) (criteria) charset keys */
		nv += 2;
		v = xreallocarray(NULL, nv, sizeof(*v));
		v[0] = a[0];
		v[1] = a[1];
		memcpy(v + 2, a + at + 1, (n - at - 1) * sizeof(*v));
		*tmp = v;
	} else
		v = a + at + 1;
	if (imap_search_parse(v, nv, prog, err) == -1) {
		if (*err != NULL && strncmp(*err, "[BADCHARSET", 11) == 0)
			conn_tagged(conn, "NO", "%s", *err);
		else
			conn_tagged(conn, "BAD", "%s", *err != NULL ? *err :
			    "Invalid search keys");
		return (-1);
	}
	return (0);
}

/* the messages the keys from args[at] select, with their sort keys */
static int
sort_select(struct imap_conn *conn, size_t at, struct search_prog *prog,
    struct sort_ent **ents, size_t *nents, const char **err)
{
	struct imap_arg		*tmp;
	struct sort_ent		*e;
	struct buf		 kb;
	const char		*s;
	uint32_t		*seqs = NULL;
	size_t			 n = 0, i, len;

	*err = NULL;
	if (sort_args(conn, at, prog, &tmp, err) == -1) {
		free(tmp);
		return (-1);
	}
	free(tmp);
	if (search_run(conn, prog, &seqs, &n, err) == -1) {
		conn_tagged(conn, "NO", "%s", *err);
		free(seqs);
		return (-1);
	}
	e = xcalloc(n ? n : 1, sizeof(*e));
	buf_init(&kb);
	for (i = 0; i < n; i++) {
		e[i].seq = seqs[i];
		s = mbox_cache_get(conn->mbox, seqs[i], CF_SORT, &len);
		if (s == NULL) {
			buf_reset(&kb);
			sort_keys_make(conn, seqs[i], &kb);
			mbox_cache_put(conn->mbox, seqs[i], CF_SORT, kb.s,
			    kb.len);
			s = kb.s;
			len = kb.len;
		}
		sort_ent_fill(conn, &e[i], s, len);
	}
	buf_free(&kb);
	free(seqs);
	*ents = e;
	*nents = n;
	return (0);
}

/* an entry from its key lines (s, len: a cached string or a new one) */
static void
sort_ent_fill(struct imap_conn *conn, struct sort_ent *e, const char *s,
    size_t len)
{
	const struct mrec	*rec = mbox_rec(conn->mbox, e->seq);
	char			*p, *end, *nl;
	long long		 d;
	size_t			 k;

	e->uid = rec->uid;
	e->size = rec->size;
	e->arrival = rec->internaldate;
	e->mem = xmalloc(len + 1);
	if (len > 0)
		memcpy(e->mem, s, len);
	e->mem[len] = '\0';
	p = e->mem;
	end = e->mem + len;
	for (k = 0; k < SF_COUNT; k++) {
		e->f[k] = p;
		if ((nl = memchr(p, '\n', end - p)) == NULL) {
			/* a short record: the rest are empty */
			e->f[k] = end;
			p = end;
			continue;
		}
		*nl = '\0';
		p = nl + 1;
	}
	d = strtoll(e->f[SF_DATE], NULL, 10);
	e->date = (d == -1 || e->f[SF_DATE][0] == '\0') ? e->arrival :
	    (time_t)d;
}

/* the key lines of message seq, from its header */
static void
sort_keys_make(struct imap_conn *conn, uint32_t seq, struct buf *kb)
{
	static const char *const addr[] = { "From", "To", "Cc" };
	struct buf		 v, d;
	const char		*hdr;
	size_t			 hlen, i;
	time_t			 t = -1;
	int			 reply;

	buf_init(&v);
	buf_init(&d);
	if ((hdr = msg_header(conn, seq, &hlen)) == NULL) {
		hdr = "";
		hlen = 0;
	}
	if (mime_header_get(hdr, hlen, "Date", &v) && v.s != NULL)
		t = mime_date_parse(v.s, v.len);
	buf_addf(kb, "%lld\n", (long long)t);
	buf_reset(&v);
	(void)mime_header_get(hdr, hlen, "Subject", &v);
	reply = mime_base_subject(v.s != NULL ? v.s : "", v.len, &d);
	sort_field(kb, d.s, d.len);
	for (i = 0; i < 5; i++) {
		buf_reset(&v);
		buf_reset(&d);
		if (mime_header_get(hdr, hlen, addr[i % 3], &v) && v.s)
			mime_addr_sortkey(v.s, v.len, i >= 3, &d);
		sort_field(kb, d.s, d.len);
	}
	buf_adds(kb, reply ? "1\n" : "0\n");
	buf_reset(&v);
	(void)mime_header_get(hdr, hlen, "Message-ID", &v);
	sort_msgid(kb, v.s, v.len);
	buf_reset(&v);
	if (!mime_header_get(hdr, hlen, "References", &v) || v.len == 0) {
		buf_reset(&v);
		(void)mime_header_get(hdr, hlen, "In-Reply-To", &v);
	}
	sort_field(kb, v.s, v.len);
	buf_free(&v);
	buf_free(&d);
}

/* the Message-ID line: what is between < and >, else the value */
static void
sort_msgid(struct buf *kb, const char *s, size_t len)
{
	const char	*lt, *gt;

	if (s != NULL && (lt = memchr(s, '<', len)) != NULL &&
	    (gt = memchr(lt, '>', s + len - lt)) != NULL) {
		s = lt + 1;
		len = gt - s;
	}
	sort_field(kb, s, len);
}

/* one key line: no CR, LF, NUL or tab */
static void
sort_field(struct buf *kb, const char *s, size_t len)
{
	size_t	 i;
	char	 c;

	for (i = 0; s != NULL && i < len; i++) {
		c = s[i];
		if (c == '\r' || c == '\n' || c == '\0' || c == '\t')
			c = ' ';
		buf_addc(kb, c);
	}
	buf_addc(kb, '\n');
}

static int
sort_cmp(const void *a, const void *b)
{
	const struct sort_ent	*x = a, *y = b;
	size_t			 i;
	int			 c, f;

	for (i = 0; i < sort_ncrits; i++) {
		switch (sort_crits[i].key) {
		case SORT_ARRIVAL:
			c = (x->arrival > y->arrival) -
			    (x->arrival < y->arrival);
			break;
		case SORT_DATE:
			c = (x->date > y->date) - (x->date < y->date);
			break;
		case SORT_SIZE:
			c = (x->size > y->size) - (x->size < y->size);
			break;
		default:
			f = sort_crits[i].key == SORT_SUBJECT ? SF_SUBJECT :
			    sort_crits[i].key == SORT_FROM ? SF_FROM :
			    sort_crits[i].key == SORT_TO ? SF_TO :
			    sort_crits[i].key == SORT_CC ? SF_CC :
			    sort_crits[i].key == SORT_DISPLAYFROM ? SF_DFROM :
			    SF_DTO;
			c = strcasecmp(x->f[f], y->f[f]);
			break;
		}
		if (c != 0)
			return (sort_crits[i].reverse ? -c : c);
	}
	/* RFC 5256: ties in sequence order, whatever REVERSE says */
	return ((x->seq > y->seq) - (x->seq < y->seq));
}

static void
sort_free(struct sort_ent *e, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(e[i].mem);
	free(e);
}
