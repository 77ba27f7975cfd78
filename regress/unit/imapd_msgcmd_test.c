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
 * imapd_msgcmd_test.c -- the message commands (cmd_fetch.c, cmd_store.c,
 * cmd_search.c, cmd_sort.c, cmd_copy.c) against an in-memory folder: the
 * store (store.h) and the connection side of session.h are replaced by
 * the fakes below, the parser and the MIME code are the real ones.  The
 * replies are compared byte for byte.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "mime.h"
#include "cmd_msg.h"

/* ---- the fake folder ---- */

#define FM_MAX	64

struct mbox {
	int	 dummy;
};

struct fmsg {
	struct mrec	 rec;
	const char	*data;
	int		 gone;
	char		*cache[CF_COUNT];
	size_t		 clen[CF_COUNT];
};

static struct mbox	 fake_mbox;
static struct fmsg	 fm[FM_MAX];
static uint32_t		 fn;
static uint32_t		 f_uidnext;
static uint64_t		 f_modseq;
static const char	*f_kw[MF_KEYWORDS_MAX];
static size_t		 f_nkw;
static uint32_t		 f_destuid;
static int		 n_setflags, n_cacheput, n_maps, n_unmaps;
static size_t		 f_queued;
static struct buf	 out;
static struct imap_conn	 conn;

static const char msg1[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.org\r\n"
    "Subject: Hello\r\n"
    "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "\r\n"
    "Hello Bob\r\n"
    "Second line\r\n";

static const char msg2[] =
    "From: Bob <bob@example.org>\n"
    "To: alice@example.org\n"
    "Subject: Re: Hello\n"
    "Date: Tue, 8 Dec 2026 10:00:00 +0000\n"
    "Message-ID: <2@example.org>\n"
    "In-Reply-To: <1@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\n"
    "\n"
    "--XX\n"
    "Content-Type: text/plain\n"
    "\n"
    "See attached\n"
    "--XX\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAECAw==\n"
    "--XX--\n";

static const char msg3[] =
    "From: Carol <carol@example.org>\r\n"
    "To: dave@example.org\r\n"
    "Cc: alice@example.org\r\n"
    "Subject: Other\r\n"
    "Date: Sun, 6 Dec 2026 10:00:00 +0000\r\n"
    "Message-ID: <3@example.org>\r\n"
    "\r\n"
    "Hi\r\n";

static uint64_t
crlf_size(const char *s)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; s[i] != '\0'; i++, n++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			n++;
	return (n);
}

static void
fake_add(uint32_t uid, uint64_t flags, const char *data, time_t date)
{
	struct fmsg	*m = &fm[fn++];

	memset(m, 0, sizeof(*m));
	m->rec.uid = uid;
	m->rec.flags = flags;
	m->rec.modseq = ++f_modseq;
	m->rec.size = crlf_size(data);
	m->rec.internaldate = date;
	m->data = data;
	f_uidnext = uid + 1;
}

static void
fake_reset(void)
{
	uint32_t	 i;
	int		 k;

	for (i = 0; i < fn; i++)
		for (k = 0; k < CF_COUNT; k++)
			free(fm[i].cache[k]);
	fn = 0;
	f_modseq = 0;
	f_nkw = 1;
	f_kw[0] = "$Label1";
	n_setflags = n_cacheput = n_maps = n_unmaps = 0;
	f_queued = 0;
	f_destuid = 0;
	buf_free(&out);
	imap_cmd_free(&conn.cmd);
	free(conn.saved);
	memset(&conn, 0, sizeof(conn));
	conn.mbox = &fake_mbox;
	conn.state = CS_SELECTED;
	(void)strlcpy(conn.user, "tester", sizeof(conn.user));
	fake_add(10, MF_SEEN, msg1, 86400 * 3 + 3600);
	fake_add(20, MF_KEYWORD(0), msg2, 86400 * 5);
}

/* run a command line ("A1 FETCH 1 FLAGS"), return what was sent */
static const char *
run(const char *line)
{
	struct buf	 l;
	const char	*err = NULL;

	buf_reset(&out);
	buf_init(&l);
	buf_adds(&l, line);
	buf_adds(&l, "\r\n");
	imap_cmd_free(&conn.cmd);
	memset(&conn.cmd, 0, sizeof(conn.cmd));
	if (imap_parse_cmd(l.s, l.len, &conn.cmd, &err) == -1)
		atf_tc_fail("parse %s: %s", line, err);
	buf_free(&l);
	if (strcmp(conn.cmd.name, "FETCH") == 0)
		cmd_fetch(&conn);
	else if (strcmp(conn.cmd.name, "STORE") == 0)
		cmd_store(&conn);
	else if (strcmp(conn.cmd.name, "SEARCH") == 0)
		cmd_search(&conn);
	else if (strcmp(conn.cmd.name, "SORT") == 0)
		cmd_sort(&conn);
	else if (strcmp(conn.cmd.name, "THREAD") == 0)
		cmd_thread(&conn);
	else if (strcmp(conn.cmd.name, "COPY") == 0 ||
	    strcmp(conn.cmd.name, "MOVE") == 0)
		cmd_copy(&conn);
	else
		atf_tc_fail("no handler for %s", conn.cmd.name);
	return (out.s != NULL ? out.s : "");
}

static void
expect(const char *line, const char *want)
{
	const char	*got = run(line);

	if (strcmp(got, want) != 0)
		atf_tc_fail("%s:\n got: [%s]\nwant: [%s]", line, got, want);
}

static void
expect_prefix(const char *line, const char *want)
{
	const char	*got = run(line);

	if (strncmp(got, want, strlen(want)) != 0)
		atf_tc_fail("%s:\n got: [%s]\nwant: [%s...]", line, got,
		    want);
}

/* ---- store.h, as the handlers use it ---- */

uint32_t
mbox_count(struct mbox *mb)
{
	return (fn);
}

const struct mrec *
mbox_rec(struct mbox *mb, uint32_t seq)
{
	ATF_REQUIRE(seq >= 1 && seq <= fn);
	return (&fm[seq - 1].rec);
}

int
mbox_readonly(struct mbox *mb)
{
	return (0);
}

const char *
mbox_name(struct mbox *mb)
{
	return ("INBOX");
}

uint32_t
mbox_uidnext(struct mbox *mb)
{
	return (f_uidnext);
}

uint32_t
mbox_seq_of_uid(struct mbox *mb, uint32_t uid)
{
	uint32_t	 i;

	for (i = 0; i < fn; i++)
		if (fm[i].rec.uid == uid)
			return (i + 1);
	return (0);
}

size_t
mbox_keywords(struct mbox *mb, const char *const **kw)
{
	*kw = f_kw;
	return (f_nkw);
}

int
mbox_keyword(struct mbox *mb, const char *name, int create)
{
	size_t	 i;

	for (i = 0; i < f_nkw; i++)
		if (strcasecmp(f_kw[i], name) == 0)
			return ((int)i);
	if (!create || f_nkw >= 3)
		return (-1);
	f_kw[f_nkw] = strdup(name);	/* leaks: a test's lifetime */
	return ((int)f_nkw++);
}

int
mbox_map(struct mbox *mb, uint32_t seq, const char **p, size_t *len)
{
	ATF_REQUIRE(seq >= 1 && seq <= fn);
	if (fm[seq - 1].gone)
		return (-1);
	n_maps++;
	*p = fm[seq - 1].data;
	*len = strlen(fm[seq - 1].data);
	return (0);
}

void
mbox_unmap(struct mbox *mb, uint32_t seq)
{
	n_unmaps++;
}

const char *
mbox_cache_get(struct mbox *mb, uint32_t seq, enum cache_field f,
    size_t *len)
{
	ATF_REQUIRE(seq >= 1 && seq <= fn);
	*len = fm[seq - 1].clen[f];
	return (fm[seq - 1].cache[f]);
}

void
mbox_cache_put(struct mbox *mb, uint32_t seq, enum cache_field f,
    const char *s, size_t len)
{
	struct fmsg	*m = &fm[seq - 1];

	n_cacheput++;
	free(m->cache[f]);
	m->cache[f] = malloc(len + 1);
	ATF_REQUIRE(m->cache[f] != NULL);
	memcpy(m->cache[f], s, len);
	m->cache[f][len] = '\0';
	m->clen[f] = len;
}

int
mbox_set_flags(struct mbox *mb, uint32_t seq, uint64_t flags)
{
	struct fmsg	*m = &fm[seq - 1];

	if (m->gone)
		return (-1);
	n_setflags++;
	m->rec.flags = (flags & (MF_SYSTEM | MF_KEYWORD_MASK)) |
	    (m->rec.flags & MF_RECENT);
	m->rec.modseq = ++f_modseq;
	return (0);
}

int
mstore_exists(struct mstore *st, const char *name)
{
	return (strcasecmp(name, "INBOX") == 0 || strcmp(name, "Trash") == 0);
}

int
mbox_copy(struct mbox *mb, uint32_t seq, struct mstore *st,
    const char *dest, uint32_t *uidvalidity, uint32_t *uid,
    const char **err)
{
	ATF_REQUIRE(seq >= 1 && seq <= fn);
	ATF_REQUIRE_STREQ(dest, "Trash");
	if (fm[seq - 1].gone) {
		*err = "[EXPUNGEISSUED] gone";
		return (-1);
	}
	*uidvalidity = 77;
	*uid = ++f_destuid;
	return (0);
}

int
mbox_expunge(struct mbox *mb, const struct seqset *uids, int force,
    struct mbox_changes *ch)
{
	uint32_t	 i, maxuid = fn ? fm[fn - 1].rec.uid : 0;

	memset(ch, 0, sizeof(*ch));
	ch->expunged = calloc(fn + 1, sizeof(uint32_t));
	ch->expunged_uids = calloc(fn + 1, sizeof(uint32_t));
	ATF_REQUIRE(ch->expunged != NULL && ch->expunged_uids != NULL);
	for (i = 0; i < fn; ) {
		if ((uids == NULL || seqset_contains(uids, fm[i].rec.uid,
		    maxuid)) && (force || (fm[i].rec.flags & MF_DELETED))) {
			ch->expunged[ch->nexpunged] = i + 1;
			ch->expunged_uids[ch->nexpunged++] = fm[i].rec.uid;
			memmove(&fm[i], &fm[i + 1], (fn - i - 1) *
			    sizeof(fm[0]));
			fn--;
		} else
			i++;
	}
	ch->exists = fn;
	return (0);
}

void
mbox_changes_free(struct mbox_changes *ch)
{
	free(ch->expunged);
	free(ch->expunged_uids);
	free(ch->flagged);
	memset(ch, 0, sizeof(*ch));
}

/* ---- session.h, the connection side ---- */

void
conn_untagged(struct imap_conn *c, const char *fmt, ...)
{
	va_list	 ap;

	buf_adds(&out, "* ");
	va_start(ap, fmt);
	buf_vaddf(&out, fmt, ap);
	va_end(ap);
	buf_adds(&out, "\r\n");
}

void
conn_tagged(struct imap_conn *c, const char *status, const char *fmt, ...)
{
	va_list	 ap;

	buf_addf(&out, "%s %s ", c->cmd.tag, status);
	va_start(ap, fmt);
	buf_vaddf(&out, fmt, ap);
	va_end(ap);
	buf_adds(&out, "\r\n");
}

void
conn_write(struct imap_conn *c, const char *s, size_t len)
{
	buf_add(&out, s, len);
}

void
conn_write_buf(struct imap_conn *c, struct buf *b)
{
	buf_add(&out, b->s, b->len);
	buf_reset(b);
}

size_t
conn_queued(struct imap_conn *c)
{
	return (f_queued);
}

int
conn_set_seqs(struct imap_conn *c, const struct seqset *set, int uid,
    uint32_t **seqs, size_t *n, const char **err)
{
	uint32_t	 lo, hi, i, star;
	size_t		 k;

	*seqs = calloc(fn + 1, sizeof(**seqs));
	ATF_REQUIRE(*seqs != NULL);
	*n = 0;
	if (set->saved) {
		for (k = 0; k < c->nsaved; k++)
			if ((i = mbox_seq_of_uid(c->mbox, c->saved[k])) != 0)
				(*seqs)[(*n)++] = i;
		return (0);
	}
	star = uid ? (fn ? fm[fn - 1].rec.uid : 0) : fn;
	if (!uid) {
		seqset_bounds(set, star, &lo, &hi);
		if (lo == 0 || hi > fn) {
			*err = "Invalid message sequence number";
			return (-1);
		}
	}
	for (i = 1; i <= fn; i++)
		if (seqset_contains(set, uid ? fm[i - 1].rec.uid : i, star))
			(*seqs)[(*n)++] = i;
	return (0);
}

void
conn_send_flags(struct imap_conn *c, uint32_t seq, int uid, int modseq)
{
	const struct mrec	*r = mbox_rec(c->mbox, seq);

	buf_addf(&out, "* %u FETCH (", seq);
	if (uid)
		buf_addf(&out, "UID %u ", r->uid);
	buf_adds(&out, "FLAGS ");
	msg_flags_text(&out, r->flags, f_kw, f_nkw);
	if (modseq)
		buf_addf(&out, " MODSEQ (%llu)", (unsigned long long)r->modseq);
	buf_adds(&out, ")\r\n");
}

/* ---- FETCH ---- */

ATF_TC_WITHOUT_HEAD(fetch_simple);
ATF_TC_BODY(fetch_simple, tc)
{
	fake_reset();
	/* UID goes first */
	expect("A1 FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)",
	    "* 1 FETCH (UID 10 FLAGS (\\Seen) RFC822.SIZE 163 "
	    "INTERNALDATE \"04-Jan-1970 01:00:00 +0000\")\r\n"
	    "* 2 FETCH (UID 20 FLAGS ($Label1) RFC822.SIZE 385 "
	    "INTERNALDATE \"06-Jan-1970 00:00:00 +0000\")\r\n"
	    "A1 OK FETCH completed\r\n");
	/* UID FETCH: UID first although not asked for */
	expect("A2 UID FETCH 20 FLAGS",
	    "* 2 FETCH (UID 20 FLAGS ($Label1))\r\n"
	    "A2 OK UID FETCH completed\r\n");
	/* no message read for index items */
	ATF_CHECK_EQ(n_maps, 0);
	expect("A3 FETCH 3 FLAGS",
	    "A3 BAD Invalid message sequence number\r\n");
	expect_prefix("A4 FETCH 1 (FLAGS BOGUS)", "A4 BAD ");
	expect_prefix("A5 FETCH 1:* (FLAGS) (VANISHED)", "A5 BAD ");
}

ATF_TC_WITHOUT_HEAD(fetch_sections);
ATF_TC_BODY(fetch_sections, tc)
{
	fake_reset();
	expect("A1 FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)] "
	    "BODY.PEEK[TEXT]<0.5>)",
	    "* 1 FETCH (BODY[HEADER.FIELDS (Subject)] {18}\r\n"
	    "Subject: Hello\r\n\r\n BODY[TEXT]<0> {5}\r\nHello)\r\n"
	    "A1 OK FETCH completed\r\n");
	expect("A2 FETCH 1 BODY.PEEK[]<150.100>",
	    "* 1 FETCH (BODY[]<150> {13}\r\nSecond line\r\n)\r\n"
	    "A2 OK FETCH completed\r\n");
	expect("A3 FETCH 1 BODY.PEEK[]<500.10>",
	    "* 1 FETCH (BODY[]<500> {0}\r\n)\r\n"
	    "A3 OK FETCH completed\r\n");
	/* the LF message's parts come out with CRLF */
	expect("A4 FETCH 2 (BODY.PEEK[1] BODY.PEEK[1.MIME])",
	    "* 2 FETCH (BODY[1] {12}\r\nSee attached "
	    "BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n"
	    "A4 OK FETCH completed\r\n");
	expect("A5 FETCH 2 RFC822.HEADER",
	    "* 2 FETCH (RFC822.HEADER {236}\r\n"
	    "From: Bob <bob@example.org>\r\n"
	    "To: alice@example.org\r\n"
	    "Subject: Re: Hello\r\n"
	    "Date: Tue, 8 Dec 2026 10:00:00 +0000\r\n"
	    "Message-ID: <2@example.org>\r\n"
	    "In-Reply-To: <1@example.org>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n)\r\n"
	    "A5 OK FETCH completed\r\n");
	ATF_CHECK_EQ(n_setflags, 0);
	ATF_CHECK_EQ(n_maps, n_unmaps);
}

ATF_TC_WITHOUT_HEAD(fetch_seen);
ATF_TC_BODY(fetch_seen, tc)
{
	fake_reset();
	conn.readonly = 1;
	expect("A0 FETCH 2 BODY[1]",
	    "* 2 FETCH (BODY[1] {12}\r\nSee attached)\r\n"
	    "A0 OK FETCH completed\r\n");
	ATF_CHECK_EQ(n_setflags, 0);
	conn.readonly = 0;
	expect("A1 FETCH 2 BODY[1]",
	    "* 2 FETCH (BODY[1] {12}\r\nSee attached "
	    "FLAGS (\\Seen $Label1))\r\n"
	    "A1 OK FETCH completed\r\n");
	ATF_CHECK_EQ(n_setflags, 1);
	/* seen already: no second rename, no FLAGS */
	expect("A2 FETCH 2 (FLAGS BODY[1])",
	    "* 2 FETCH (FLAGS (\\Seen $Label1) BODY[1] {12}\r\n"
	    "See attached)\r\n"
	    "A2 OK FETCH completed\r\n");
	ATF_CHECK_EQ(n_setflags, 1);
	/* CONDSTORE: the new modseq goes with it */
	fm[1].rec.flags &= ~MF_SEEN;
	conn.condstore = 1;
	run("A3 FETCH 2 RFC822.TEXT");
	ATF_CHECK_MSG(strstr(out.s, "* 2 FETCH (RFC822.TEXT {") == out.s &&
	    strstr(out.s, "\r\n--XX--\r\n FLAGS (\\Seen $Label1) "
	    "MODSEQ (4))\r\nA3 OK FETCH completed\r\n") != NULL,
	    "%s", out.s);
	ATF_CHECK_EQ(n_setflags, 2);
}

ATF_TC_WITHOUT_HEAD(fetch_binary);
ATF_TC_BODY(fetch_binary, tc)
{
	static const char want[] = "* 2 FETCH (UID 20 BINARY[2] ~{4}\r\n"
	    "\0\1\2\3 BINARY.SIZE[2] 4 BINARY[1]<4> {4}\r\natta)\r\n"
	    "A1 OK UID FETCH completed\r\n";

	fake_reset();
	run("A1 UID FETCH 20 (BINARY.PEEK[2] BINARY.SIZE[2] "
	    "BINARY.PEEK[1]<4.4>)");
	ATF_REQUIRE_EQ(out.len, sizeof(want) - 1);
	ATF_CHECK(memcmp(out.s, want, out.len) == 0);
	ATF_CHECK_EQ(n_setflags, 0);
}

ATF_TC_WITHOUT_HEAD(fetch_cache);
ATF_TC_BODY(fetch_cache, tc)
{
	char	*first;

	fake_reset();
	run("A1 FETCH 1:2 (ENVELOPE BODYSTRUCTURE BODY)");
	ATF_CHECK_EQ(n_cacheput, 6);
	ATF_CHECK_EQ(n_maps, 2);
	ATF_CHECK(strstr(out.s, "* 1 FETCH (ENVELOPE (\"Mon, 7 Dec 2026 "
	    "10:00:00 +0000\" \"Hello\" ((\"Alice\" NIL \"alice\" "
	    "\"example.org\")) ") == out.s);
	ATF_CHECK(strstr(out.s, " BODYSTRUCTURE (\"TEXT\" \"PLAIN\" ") !=
	    NULL || strstr(out.s, " BODYSTRUCTURE (\"text\" \"plain\" ") !=
	    NULL);
	ATF_CHECK(strstr(out.s, "\"MIXED\" (\"BOUNDARY\" \"XX\")") != NULL ||
	    strstr(out.s, "\"mixed\" (\"boundary\" \"XX\")") != NULL);
	first = strdup(out.s);
	ATF_REQUIRE(first != NULL);
	/* the second time from the cache alone */
	run("A1 FETCH 1:2 (ENVELOPE BODYSTRUCTURE BODY)");
	ATF_CHECK_EQ(n_cacheput, 6);
	ATF_CHECK_EQ(n_maps, 2);
	ATF_CHECK_STREQ(out.s, first);
	free(first);
}

ATF_TC_WITHOUT_HEAD(fetch_stream);
ATF_TC_BODY(fetch_stream, tc)
{
	size_t	 i, lines, rounds = 0;
	char	*p;

	fake_reset();
	for (i = 2; i < 40; i++)
		fake_add(30 + i, 0, msg1, 0);
	f_queued = CONN_OUT_HIWAT;
	run("A1 FETCH 1:* BODY.PEEK[]");
	ATF_REQUIRE(conn.resume != NULL);
	/* one message at a time while the queue is full */
	while (conn.resume != NULL && rounds < 100) {
		if (++rounds == 10)
			f_queued = 0;
		conn.resume(&conn);
	}
	ATF_CHECK(conn.resume == NULL);
	ATF_CHECK_EQ(rounds, 10);
	for (lines = 0, p = out.s; (p = strstr(p, " FETCH (BODY[] {")) !=
	    NULL; p++)
		lines++;
	ATF_CHECK_EQ(lines, 40);
	ATF_CHECK(strstr(out.s, "* 40 FETCH (BODY[] {163}\r\n") != NULL);
	ATF_CHECK(strstr(out.s, "A1 OK FETCH completed\r\n") ==
	    out.s + out.len - 23);
	ATF_CHECK_EQ(n_maps, n_unmaps);

	/* the connection goes away in the middle: the run is dropped */
	f_queued = CONN_OUT_HIWAT;
	run("A2 FETCH 1:* BODY.PEEK[]");
	ATF_REQUIRE(conn.resume != NULL);
	buf_reset(&out);
	conn.state = CS_LOGOUT;
	conn.resume(&conn);
	ATF_CHECK(conn.resume == NULL && conn.resume_arg == NULL);
	ATF_CHECK_EQ(out.len, 0);
	ATF_CHECK_EQ(n_maps, n_unmaps);
}

ATF_TC_WITHOUT_HEAD(fetch_gone);
ATF_TC_BODY(fetch_gone, tc)
{
	fake_reset();
	fm[0].gone = 1;
	expect("A1 FETCH 1:2 (UID RFC822.SIZE BODY.PEEK[1])",
	    "* 2 FETCH (UID 20 RFC822.SIZE 385 BODY[1] {12}\r\n"
	    "See attached)\r\n"
	    "A1 NO [EXPUNGEISSUED] Some of the requested messages no "
	    "longer exist\r\n");
	/* index items need no file */
	expect("A2 FETCH 1 (UID FLAGS)",
	    "* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n"
	    "A2 OK FETCH completed\r\n");
}

ATF_TC_WITHOUT_HEAD(fetch_condstore);
ATF_TC_BODY(fetch_condstore, tc)
{
	fake_reset();
	expect("A1 FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
	    "* 2 FETCH (FLAGS ($Label1) MODSEQ (2))\r\n"
	    "A1 OK FETCH completed\r\n");
	ATF_CHECK(conn.condstore);
	expect("A2 FETCH 1 (MODSEQ)",
	    "* 1 FETCH (MODSEQ (1))\r\nA2 OK FETCH completed\r\n");
	/* CONDSTORE on: FLAGS come with MODSEQ */
	expect("A2 FETCH 1 (FLAGS)",
	    "* 1 FETCH (FLAGS (\\Seen) MODSEQ (1))\r\n"
	    "A2 OK FETCH completed\r\n");
	conn.enabled |= ENA_QRESYNC;
	expect("A3 UID FETCH 1:30 FLAGS (CHANGEDSINCE 1 VANISHED)",
	    "* VANISHED (EARLIER) 1:9,11:19\r\n"
	    "* 2 FETCH (UID 20 FLAGS ($Label1) MODSEQ (2))\r\n"
	    "A3 OK UID FETCH completed\r\n");
	expect("A4 UID FETCH 10:20 FLAGS (CHANGEDSINCE 5 VANISHED)",
	    "* VANISHED (EARLIER) 11:19\r\n"
	    "A4 OK UID FETCH completed\r\n");
	expect("A5 UID FETCH 10,20 FLAGS (CHANGEDSINCE 5 VANISHED)",
	    "A5 OK UID FETCH completed\r\n");
}

/* ---- STORE ---- */

ATF_TC_WITHOUT_HEAD(store_flags);
ATF_TC_BODY(store_flags, tc)
{
	fake_reset();
	expect("A1 STORE 1:2 +FLAGS (\\Flagged)",
	    "* 1 FETCH (FLAGS (\\Seen \\Flagged))\r\n"
	    "* 2 FETCH (FLAGS (\\Flagged $Label1))\r\n"
	    "A1 OK STORE completed\r\n");
	ATF_CHECK_EQ(n_setflags, 2);
	/* nothing changes: nothing renamed, the flags told all the same */
	expect("A2 UID STORE 10:20 +FLAGS (\\Flagged)",
	    "* 1 FETCH (UID 10 FLAGS (\\Seen \\Flagged))\r\n"
	    "* 2 FETCH (UID 20 FLAGS (\\Flagged $Label1))\r\n"
	    "A2 OK UID STORE completed\r\n");
	ATF_CHECK_EQ(n_setflags, 2);
	expect("A3 STORE 2 -FLAGS.SILENT ($label1 \\Flagged)",
	    "A3 OK STORE completed\r\n");
	ATF_CHECK_EQ(fm[1].rec.flags, 0);
	expect("A4 STORE 1 FLAGS \\Answered $Work",
	    "* 1 FETCH (FLAGS (\\Answered $Work))\r\n"
	    "A4 OK STORE completed\r\n");
	ATF_CHECK_EQ(fm[0].rec.flags, MF_ANSWERED | MF_KEYWORD(1));
	ATF_CHECK_EQ(n_setflags, 4);
	/* the fake has room for 3 keywords */
	expect("A5 STORE 1 +FLAGS (k3 k4)",
	    "A5 NO [LIMIT] Too many keywords in this folder\r\n");
	expect_prefix("A6 STORE 1 +FLAGS (\\Recent)", "A6 BAD ");
	expect_prefix("A7 STORE 1 FLAG (\\Seen)", "A7 BAD ");
	conn.readonly = 1;
	expect("A8 STORE 1 +FLAGS (\\Deleted)",
	    "A8 NO [READ-ONLY] The folder is read-only\r\n");
	ATF_CHECK_EQ(n_setflags, 4);
}

ATF_TC_WITHOUT_HEAD(store_unchangedsince);
ATF_TC_BODY(store_unchangedsince, tc)
{
	fake_reset();
	/* modseqs 1 and 2: only message 1 may change */
	expect("A1 UID STORE 10:20 (UNCHANGEDSINCE 1) +FLAGS (\\Deleted)",
	    "* 1 FETCH (UID 10 FLAGS (\\Seen \\Deleted) MODSEQ (3))\r\n"
	    "A1 OK [MODIFIED 20] Conditional STORE failed\r\n");
	ATF_CHECK(conn.condstore);
	ATF_CHECK_EQ(conn.n_deleted, 1);
	expect("A2 STORE 1:2 (UNCHANGEDSINCE 0) FLAGS.SILENT ()",
	    "A2 OK [MODIFIED 1,2] Conditional STORE failed\r\n");
	/* .SILENT under CONDSTORE still tells the new modseq */
	expect("A3 STORE 2 +FLAGS.SILENT (\\Draft)",
	    "* 2 FETCH (MODSEQ (4))\r\nA3 OK STORE completed\r\n");
	fm[0].gone = 1;
	expect("A4 STORE 1:2 +FLAGS (\\Answered)",
	    "* 2 FETCH (FLAGS (\\Answered \\Draft $Label1) MODSEQ (5))\r\n"
	    "A4 NO [EXPUNGEISSUED] Some of the messages no longer "
	    "exist\r\n");
}

/* ---- SEARCH ---- */

static const struct search_case {
	const char	*cmd;
	const char	*want;		/* the untagged line */
} search_cases[] = {
	{ "SEARCH ALL", "* SEARCH 1 2" },
	{ "SEARCH SEEN", "* SEARCH 1" },
	{ "SEARCH UNSEEN", "* SEARCH 2" },
	{ "SEARCH KEYWORD $label1", "* SEARCH 2" },
	{ "SEARCH UNKEYWORD $Label1", "* SEARCH 1" },
	{ "SEARCH KEYWORD nosuch", "* SEARCH" },
	{ "SEARCH FROM alice", "* SEARCH 1" },
	{ "SEARCH FROM \"BOB@\"", "* SEARCH 2" },
	{ "SEARCH SUBJECT re", "* SEARCH 2" },
	{ "SEARCH HEADER In-Reply-To \"\"", "* SEARCH 2" },
	{ "SEARCH HEADER Message-ID 1@example", "* SEARCH 1" },
	{ "SEARCH BODY attached", "* SEARCH 2" },
	{ "SEARCH BODY alice", "* SEARCH" },
	{ "SEARCH TEXT alice", "* SEARCH 1 2" },
	{ "SEARCH SINCE 5-Jan-1970", "* SEARCH 2" },
	{ "SEARCH BEFORE 5-Jan-1970", "* SEARCH 1" },
	{ "SEARCH ON 4-Jan-1970", "* SEARCH 1" },
	{ "SEARCH SENTON 8-Dec-2026", "* SEARCH 2" },
	{ "SEARCH SENTBEFORE 8-Dec-2026", "* SEARCH 1" },
	{ "SEARCH SENTSINCE 7-Dec-2026", "* SEARCH 1 2" },
	{ "SEARCH LARGER 200", "* SEARCH 2" },
	{ "SEARCH SMALLER 200", "* SEARCH 1" },
	{ "SEARCH OR SEEN KEYWORD $Label1", "* SEARCH 1 2" },
	{ "SEARCH NOT SEEN", "* SEARCH 2" },
	{ "SEARCH SEEN UNSEEN", "* SEARCH" },
	{ "SEARCH (OR FROM bob FROM alice) NOT 1", "* SEARCH 2" },
	{ "SEARCH UID 20", "* SEARCH 2" },
	{ "SEARCH 2:*", "* SEARCH 2" },
	{ "UID SEARCH 1", "* SEARCH 10" },
	{ "UID SEARCH TEXT hello", "* SEARCH 10 20" },
	{ "SEARCH MODSEQ 2", "* SEARCH 2 (MODSEQ 2)" },
	{ "SEARCH CHARSET UTF-8 SUBJECT hello", "* SEARCH 1 2" },
	{ "SEARCH RETURN (MIN MAX COUNT) ALL",
	    "* ESEARCH (TAG \"A\") MIN 1 MAX 2 COUNT 2" },
	{ "UID SEARCH RETURN () ALL", "* ESEARCH (TAG \"A\") UID ALL 10,20" },
	{ "SEARCH RETURN (COUNT) DELETED", "* ESEARCH (TAG \"A\") COUNT 0" },
	{ "SEARCH RETURN (ALL) 1:2", "* ESEARCH (TAG \"A\") ALL 1:2" },
};

ATF_TC_WITHOUT_HEAD(search_keys);
ATF_TC_BODY(search_keys, tc)
{
	char		 want[256], line[256];
	size_t		 i;
	int		 bad = 0;

	fake_reset();
	for (i = 0; i < sizeof(search_cases) / sizeof(search_cases[0]); i++) {
		(void)snprintf(line, sizeof(line), "A %s", search_cases[i].cmd);
		(void)snprintf(want, sizeof(want),
		    "%s\r\nA OK %s completed\r\n",
		    search_cases[i].want, strncmp(line, "A UID", 5) == 0 ?
		    "UID SEARCH" : "SEARCH");
		if (strcmp(run(line), want) != 0) {
			fprintf(stderr, "%s: got [%s]\n", line, out.s);
			bad++;
		}
	}
	ATF_CHECK_EQ(bad, 0);
	expect_prefix("A SEARCH CHARSET KOI8-R ALL", "A NO [BADCHARSET");
	expect_prefix("A SEARCH FOO", "A BAD ");
}

ATF_TC_WITHOUT_HEAD(search_save);
ATF_TC_BODY(search_save, tc)
{
	fake_reset();
	/* SAVE alone: no ESEARCH */
	expect("A1 SEARCH RETURN (SAVE) UNSEEN",
	    "A1 OK SEARCH completed\r\n");
	ATF_CHECK_EQ(conn.nsaved, 1);
	expect("A2 FETCH $ (UID)",
	    "* 2 FETCH (UID 20)\r\nA2 OK FETCH completed\r\n");
	expect("A3 SEARCH $", "* SEARCH 2\r\nA3 OK SEARCH completed\r\n");
	expect("A4 SEARCH NOT UID $",
	    "* SEARCH 1\r\nA4 OK SEARCH completed\r\n");
	expect("A5 SEARCH RETURN (SAVE MIN COUNT) ALL",
	    "* ESEARCH (TAG \"A5\") MIN 1 COUNT 2\r\n"
	    "A5 OK SEARCH completed\r\n");
	ATF_CHECK_EQ(conn.nsaved, 2);
	/* SAVE with MIN only keeps the lowest */
	expect("A6 SEARCH RETURN (SAVE MIN) ALL",
	    "* ESEARCH (TAG \"A6\") MIN 1\r\nA6 OK SEARCH completed\r\n");
	ATF_REQUIRE_EQ(conn.nsaved, 1);
	ATF_CHECK_EQ(conn.saved[0], 10);
	/* IMAP4rev2: ESEARCH always */
	conn.enabled |= ENA_IMAP4REV2;
	expect("A7 SEARCH ALL",
	    "* ESEARCH (TAG \"A7\") ALL 1:2\r\nA7 OK SEARCH completed\r\n");
}

/* ---- SORT, THREAD ---- */

static const struct search_case sort_cases[] = {
	{ "SORT (ARRIVAL) UTF-8 ALL", "* SORT 3 1 2" },
	{ "SORT (REVERSE ARRIVAL) UTF-8 ALL", "* SORT 2 1 3" },
	{ "SORT (DATE) UTF-8 ALL", "* SORT 3 1 2" },
	{ "SORT (REVERSE DATE) US-ASCII ALL", "* SORT 2 1 3" },
	{ "SORT (SUBJECT) UTF-8 ALL", "* SORT 1 2 3" },
	{ "SORT (REVERSE SUBJECT) UTF-8 ALL", "* SORT 3 1 2" },
	{ "SORT (FROM) UTF-8 ALL", "* SORT 1 2 3" },
	{ "SORT (REVERSE FROM) UTF-8 ALL", "* SORT 3 2 1" },
	{ "SORT (TO) UTF-8 ALL", "* SORT 2 1 3" },
	{ "SORT (CC) UTF-8 ALL", "* SORT 1 2 3" },
	{ "SORT (REVERSE CC) UTF-8 ALL", "* SORT 3 1 2" },
	{ "SORT (SIZE) UTF-8 ALL", "* SORT 1 3 2" },
	{ "SORT (DISPLAYFROM) UTF-8 ALL", "* SORT 1 2 3" },
	{ "SORT (DISPLAYTO) UTF-8 ALL", "* SORT 2 1 3" },
	{ "SORT (SUBJECT REVERSE DATE) UTF-8 ALL", "* SORT 2 1 3" },
	{ "SORT (SUBJECT) UTF-8 NOT FROM carol", "* SORT 1 2" },
	{ "UID SORT (DATE) UTF-8 ALL", "* SORT 30 10 20" },
	{ "UID SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL",
	    "* ESEARCH (TAG \"A\") UID MIN 30 MAX 20 COUNT 3" },
	{ "SORT RETURN (ALL) (REVERSE DATE) UTF-8 ALL",
	    "* ESEARCH (TAG \"A\") ALL 2,1,3" },
	{ "THREAD REFERENCES UTF-8 ALL", "* THREAD (3)(1 2)" },
	{ "THREAD ORDEREDSUBJECT UTF-8 ALL", "* THREAD (3)(1 2)" },
	{ "UID THREAD REFERENCES UTF-8 FROM nobody", "* THREAD" },
};

ATF_TC_WITHOUT_HEAD(sort_thread);
ATF_TC_BODY(sort_thread, tc)
{
	char		 want[256], line[256], name[32];
	size_t		 i;
	int		 bad = 0;

	fake_reset();
	fake_add(30, 0, msg3, 86400);
	for (i = 0; i < sizeof(sort_cases) / sizeof(sort_cases[0]); i++) {
		(void)snprintf(line, sizeof(line), "A %s", sort_cases[i].cmd);
		(void)snprintf(name, sizeof(name), "%s%s",
		    strncmp(line, "A UID", 5) == 0 ? "UID " : "",
		    strstr(line, "THREAD") != NULL ? "THREAD" : "SORT");
		(void)snprintf(want, sizeof(want),
		    "%s\r\nA OK %s completed\r\n", sort_cases[i].want, name);
		if (strcmp(run(line), want) != 0) {
			fprintf(stderr, "%s: got [%s]\n", line, out.s);
			bad++;
		}
	}
	ATF_CHECK_EQ(bad, 0);
	/* the keys were computed once per message, then cached */
	ATF_CHECK_EQ(n_cacheput, 3 + 3);
	expect_prefix("A SORT (DATE) KOI8-R ALL", "A NO [BADCHARSET");
	expect_prefix("A SORT (NAME) UTF-8 ALL", "A BAD ");
	expect_prefix("A THREAD FOO UTF-8 ALL", "A BAD ");
}

/* ---- COPY, MOVE ---- */

ATF_TC_WITHOUT_HEAD(copy_move);
ATF_TC_BODY(copy_move, tc)
{
	fake_reset();
	expect("A1 COPY 1:2 Trash",
	    "A1 OK [COPYUID 77 10,20 1:2] COPY completed\r\n");
	ATF_CHECK_EQ(fn, 2);
	expect("A2 COPY 1 Nope", "A2 NO [TRYCREATE] No such folder\r\n");
	expect_prefix("A3 COPY 5 Trash", "A3 BAD ");
	expect("A4 MOVE 1 Trash",
	    "* OK [COPYUID 77 10 3] Moved\r\n* 1 EXPUNGE\r\n"
	    "A4 OK MOVE completed\r\n");
	ATF_REQUIRE_EQ(fn, 1);
	ATF_CHECK_EQ(fm[0].rec.uid, 20);
	ATF_CHECK_EQ(conn.n_expunged, 1);
	conn.enabled |= ENA_QRESYNC;
	expect("A5 UID MOVE 20 Trash",
	    "* OK [COPYUID 77 20 4] Moved\r\n* VANISHED 20\r\n"
	    "A5 OK UID MOVE completed\r\n");
	ATF_CHECK_EQ(fn, 0);
	expect("A6 UID COPY 1:* Trash",
	    "A6 OK UID COPY completed, nothing to do\r\n");
}

ATF_TC_WITHOUT_HEAD(copy_move_readonly);
ATF_TC_BODY(copy_move_readonly, tc)
{
	fake_reset();
	conn.readonly = 1;
	expect("A1 MOVE 1 Trash",
	    "A1 NO [READ-ONLY] The folder is read-only\r\n");
	ATF_CHECK_EQ(fn, 2);
	/* COPY from a read-only folder is fine */
	expect("A2 COPY 2 trash", "A2 NO [TRYCREATE] No such folder\r\n");
	expect("A3 COPY 2 Trash",
	    "A3 OK [COPYUID 77 20 1] COPY completed\r\n");
	fm[1].gone = 1;
	expect("A4 COPY 2 Trash", "A4 NO [EXPUNGEISSUED] gone\r\n");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, fetch_simple);
	ATF_TP_ADD_TC(tp, fetch_sections);
	ATF_TP_ADD_TC(tp, fetch_seen);
	ATF_TP_ADD_TC(tp, fetch_binary);
	ATF_TP_ADD_TC(tp, fetch_cache);
	ATF_TP_ADD_TC(tp, fetch_stream);
	ATF_TP_ADD_TC(tp, fetch_gone);
	ATF_TP_ADD_TC(tp, fetch_condstore);
	ATF_TP_ADD_TC(tp, store_flags);
	ATF_TP_ADD_TC(tp, store_unchangedsince);
	ATF_TP_ADD_TC(tp, search_keys);
	ATF_TP_ADD_TC(tp, search_save);
	ATF_TP_ADD_TC(tp, sort_thread);
	ATF_TP_ADD_TC(tp, copy_move);
	ATF_TP_ADD_TC(tp, copy_move_readonly);
	return (atf_no_error());
}
