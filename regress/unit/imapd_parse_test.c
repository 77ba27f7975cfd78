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
 * imapd_parse_test.c -- unit tests for imapd's command reader and parser
 * (imap_read.c, imap_parse.c, imap_types.c, imap_fetch_items.c,
 * imap_search.c, imap_utf7.c).  Every command of the tables goes through
 * the reader whole and one byte at a time, then through imap_parse_cmd()
 * and the typed parser its command uses; the result is printed in a
 * compact form and compared with the table.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap_parse.h"

#define MAX_LIT		(1024 * 1024)
#define MAX_CMD		(2 * 1024 * 1024)

/* ---- the reader, driven in chunks ---- */

/*
 * Feed in[0, len) step bytes at a time.  ev gets one letter a result:
 * C command, + continue, T toobig (then L if a literal was too big);
 * out gets each command (or "T:tag") followed by "\n--\n".
 */
static void
run_reader(struct imap_reader *r, const char *in, size_t len, size_t step,
    char *ev, size_t evlen, struct buf *out)
{
	size_t		 fed = 0, k, used, nev = 0, rounds = 0;
	enum imap_rd	 res;

	ev[0] = '\0';
	while (fed < len) {
		ATF_REQUIRE(++rounds < 10 * len + 10);
		k = len - fed < step ? len - fed : step;
		res = imap_reader_feed(r, in + fed, k, &used);
		ATF_REQUIRE(used <= k);
		fed += used;
		if (res == IMAP_RD_MORE) {
			ATF_REQUIRE_EQ(used, k);
			continue;
		}
		ATF_REQUIRE(nev + 3 < evlen);
		if (res == IMAP_RD_CONTINUE) {
			ev[nev++] = '+';
		} else if (res == IMAP_RD_COMMAND) {
			ev[nev++] = 'C';
			buf_add(out, r->cmd.s, r->cmd.len);
			buf_adds(out, "\n--\n");
			imap_reader_reset(r);
		} else {
			ev[nev++] = 'T';
			if (r->toobig_literal)
				ev[nev++] = 'L';
			buf_addf(out, "T:%s\n--\n", r->tag);
			imap_reader_reset(r);
		}
		ev[nev] = '\0';
	}
}

static void
reader_case(const char *in, size_t len, int lminus, size_t maxlit,
    const char *wantev, const char *wantout)
{
	struct imap_reader	 r;
	struct buf		 out;
	char			 ev[64];
	size_t			 steps[] = { 1, 2, 3, 7, 64, 100000000 };
	size_t			 i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		imap_reader_init(&r, maxlit, MAX_CMD);
		r.literal_minus = lminus;
		buf_init(&out);
		run_reader(&r, in, len, steps[i], ev, sizeof(ev), &out);
		ATF_CHECK_STREQ_MSG(ev, wantev, "step %zu", steps[i]);
		if (wantout != NULL)
			ATF_CHECK_MSG(out.len == strlen(wantout) &&
			    memcmp(out.s, wantout, out.len) == 0,
			    "step %zu: %.*s", steps[i], (int)out.len, out.s);
		buf_free(&out);
		imap_reader_free(&r);
	}
}

#define RCASE(in, lm, ml, ev, out) \
	reader_case(in, sizeof(in) - 1, lm, ml, ev, out)

ATF_TC_WITHOUT_HEAD(reader_lines);
ATF_TC_BODY(reader_lines, tc)
{
	RCASE("a NOOP\r\nb CAPABILITY\r\nc LOGOUT\n", 0, MAX_LIT, "CCC",
	    "a NOOP\r\n\n--\nb CAPABILITY\r\n\n--\nc LOGOUT\n\n--\n");
	RCASE("a NOOP\r\npartial", 0, MAX_LIT, "C", "a NOOP\r\n\n--\n");
	/* braces that are no literal: a quoted "{", a '}' alone */
	RCASE("a SEARCH SUBJECT \"x{\"\r\nb X }\r\n", 0, MAX_LIT, "CC",
	    NULL);
}

ATF_TC_WITHOUT_HEAD(reader_literals);
ATF_TC_BODY(reader_literals, tc)
{
	/* synchronizing: "+" asked before each literal */
	RCASE("a LOGIN {3}\r\nfoo {3}\r\nbar\r\n", 0, MAX_LIT, "++C",
	    "a LOGIN {3}\r\nfoo {3}\r\nbar\r\n\n--\n");
	/* LITERAL+: no "+" */
	RCASE("a LOGIN {3+}\r\nfoo {3+}\r\nbar\r\nb NOOP\r\n", 0, MAX_LIT,
	    "CC", "a LOGIN {3+}\r\nfoo {3+}\r\nbar\r\n\n--\nb NOOP\r\n\n--\n");
	/* a literal holding CRLF and "{5}" is data, not a line */
	RCASE("a APPEND x {9+}\r\n{5}\r\n\r\nab\r\n", 0, MAX_LIT, "C",
	    "a APPEND x {9+}\r\n{5}\r\n\r\nab\r\n\n--\n");
	/* literal8 */
	RCASE("a APPEND x ~{3}\r\na\0b\r\n", 0, MAX_LIT, "+C", NULL);
	/* empty literal */
	RCASE("a LOGIN {0}\r\n {0+}\r\n\r\n", 0, MAX_LIT, "+C", NULL);
}

ATF_TC_WITHOUT_HEAD(reader_literal_minus);
ATF_TC_BODY(reader_literal_minus, tc)
{
	struct buf	 in, want;

	/* 4096 is allowed, 4097 refused (skipped, then TOOBIG) */
	buf_init(&in);
	buf_init(&want);
	buf_adds(&in, "a1 APPEND INBOX {4096+}\r\n");
	buf_reserve(&in, 4096);
	memset(in.s + in.len, 'x', 4096);
	in.len += 4096;
	buf_adds(&in, "\r\n");
	buf_add(&want, in.s, in.len);
	buf_adds(&want, "\n--\nT:a2\n--\nb NOOP\r\n\n--\n");
	buf_adds(&in, "a2 APPEND INBOX {4097+}\r\n");
	buf_reserve(&in, 4097);
	memset(in.s + in.len, 'y', 4097);
	in.len += 4097;
	buf_adds(&in, " {2+}\r\nzz\r\nb NOOP\r\n");
	reader_case(in.s, in.len, 1, MAX_LIT, "CTLC", want.s);
	/* without LITERAL- the same is fine */
	reader_case(in.s, in.len, 0, MAX_LIT, "CCC", NULL);
	/* a synchronizing literal over 4096 is fine with LITERAL- */
	RCASE("a APPEND x {5000}\r\n", 1, MAX_LIT, "+", NULL);
	buf_free(&in);
	buf_free(&want);
}

ATF_TC_WITHOUT_HEAD(reader_toobig);
ATF_TC_BODY(reader_toobig, tc)
{
	struct buf	 in;
	size_t		 i;

	/* a literal over max_literal: synchronizing refused at once */
	RCASE("t1 APPEND INBOX {101}\r\nt2 NOOP\r\n", 0, 100, "TLC",
	    "T:t1\n--\nt2 NOOP\r\n\n--\n");
	RCASE("t1 APPEND INBOX {100}\r\n", 0, 100, "+", NULL);
	/* non-synchronizing: skipped, with the lines and literals after */
	RCASE("t1 APPEND INBOX {101+}\r\n"
	    "0123456789012345678901234567890123456789012345678901234567890"
	    "1234567890123456789012345678901234567890 {3+}\r\nabc\r\n"
	    "t2 NOOP\r\n", 0, 100, "TLC", "T:t1\n--\nt2 NOOP\r\n\n--\n");
	/* a line over IMAP_LINE_MAX, the tag kept, the next one read */
	buf_init(&in);
	buf_adds(&in, "long1 SEARCH SUBJECT ");
	for (i = 0; i < IMAP_LINE_MAX; i++)
		buf_addc(&in, (char)('a' + i % 26));
	buf_adds(&in, " {3}\r\nok2 NOOP\r\n");
	reader_case(in.s, in.len, 0, MAX_LIT, "TC",
	    "T:long1\n--\nok2 NOOP\r\n\n--\n");
	/* a line of exactly IMAP_LINE_MAX with its CRLF is fine */
	buf_reset(&in);
	buf_adds(&in, "x SEARCH TEXT ");
	while (in.len < IMAP_LINE_MAX - 2)
		buf_addc(&in, 'q');
	buf_adds(&in, "\r\n");
	reader_case(in.s, in.len, 0, MAX_LIT, "C", NULL);
	/* no tag in an over-long line without a space */
	buf_reset(&in);
	for (i = 0; i < IMAP_LINE_MAX + 10; i++)
		buf_addc(&in, 'z');
	buf_adds(&in, "\r\n");
	reader_case(in.s, in.len, 0, MAX_LIT, "T", "T:\n--\n");
	buf_free(&in);
}

ATF_TC_WITHOUT_HEAD(reader_max_command);
ATF_TC_BODY(reader_max_command, tc)
{
	struct imap_reader	 r;
	struct buf		 out;
	char			 ev[16];
	static const char	 in[] = "m1 APPEND x {30+}\r\n"
	    "012345678901234567890123456789 {30+}\r\n"
	    "012345678901234567890123456789\r\nm2 NOOP\r\n";

	imap_reader_init(&r, 1000, 60);
	buf_init(&out);
	run_reader(&r, in, sizeof(in) - 1, 1, ev, sizeof(ev), &out);
	ATF_CHECK_STREQ(ev, "TLC");
	ATF_CHECK_STREQ(out.s, "T:m1\n--\nm2 NOOP\r\n\n--\n");
	buf_free(&out);
	imap_reader_free(&r);
}

/* ---- printing what the parsers made ---- */

static void
dump_args(struct buf *b, const struct imap_arg *a, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ' ');
		switch (a[i].type) {
		case IMAP_ARG_ATOM:
			buf_adds(b, a[i].s);
			break;
		case IMAP_ARG_NIL:
			buf_adds(b, "NIL");
			break;
		case IMAP_ARG_STRING:
			buf_addf(b, "\"%s\"", a[i].s);
			break;
		case IMAP_ARG_LITERAL:
			buf_addf(b, "%s{%zu}", a[i].literal8 ? "~" : "",
			    a[i].len);
			for (j = 0; j < a[i].len; j++)
				buf_addc(b, a[i].s[j] == '\0' ? '@' :
				    a[i].s[j]);
			break;
		case IMAP_ARG_LIST:
			buf_addc(b, '(');
			dump_args(b, a[i].list, a[i].nlist);
			buf_addc(b, ')');
			break;
		}
	}
}

static void
dump_set(struct buf *b, const struct seqset *s)
{
	size_t	 i;

	if (s->saved)
		buf_addc(b, '$');
	for (i = 0; i < s->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		if (s->r[i].lo == IMAP_SEQ_STAR)
			buf_addc(b, '*');
		else
			buf_addu64(b, s->r[i].lo);
		if (s->r[i].hi == s->r[i].lo)
			continue;
		buf_addc(b, ':');
		if (s->r[i].hi == IMAP_SEQ_STAR)
			buf_addc(b, '*');
		else
			buf_addu64(b, s->r[i].hi);
	}
}

static void
dump_key(struct buf *b, const struct search_key *k)
{
	static const char *const names[] = {
		"ALL", "AND", "OR", "NOT", "SEQ", "UID", "FLAG", "UNFLAG",
		"NEW", "OLD", "KW", "UNKW", "BEFORE", "ON", "SINCE",
		"SENTBEFORE", "SENTON", "SENTSINCE", "LARGER", "SMALLER",
		"HDR", "BODY", "TEXT", "MODSEQ", "OLDER", "YOUNGER",
	};
	size_t	 i;

	buf_adds(b, names[k->op]);
	switch (k->op) {
	case SK_AND:
	case SK_OR:
	case SK_NOT:
		buf_addc(b, '(');
		for (i = 0; i < k->nkids; i++) {
			if (i > 0)
				buf_addc(b, ' ');
			dump_key(b, &k->kids[i]);
		}
		buf_addc(b, ')');
		break;
	case SK_SEQSET:
	case SK_UIDSET:
		buf_addc(b, ':');
		dump_set(b, &k->set);
		break;
	case SK_FLAG:
	case SK_UNFLAG:
		buf_addf(b, ":%llx", (unsigned long long)k->flags);
		break;
	case SK_KEYWORD:
	case SK_UNKEYWORD:
	case SK_BODY:
	case SK_TEXT:
		buf_addf(b, ":%s", k->str);
		break;
	case SK_HEADER:
		buf_addf(b, ":%s=%s", k->field, k->str);
		break;
	case SK_BEFORE:
	case SK_ON:
	case SK_SINCE:
	case SK_SENTBEFORE:
	case SK_SENTON:
	case SK_SENTSINCE:
		buf_addf(b, ":%lld", (long long)k->date);
		break;
	case SK_LARGER:
	case SK_SMALLER:
	case SK_MODSEQ:
	case SK_OLDER:
	case SK_YOUNGER:
		buf_addf(b, ":%llu", (unsigned long long)k->num);
		break;
	default:
		break;
	}
}

static int
dump_search(struct buf *b, const struct imap_arg *a, size_t n)
{
	struct search_prog	 p;
	const char		*err;

	if (imap_search_parse(a, n, &p, &err) == -1) {
		ATF_CHECK(err != NULL);
		if (err != NULL && strncmp(err, "[BADCHARSET", 11) == 0)
			buf_adds(b, "BADCHARSET ");
		return -1;
	}
	if (p.esearch)
		buf_addf(b, "RETURN:%x ", p.ret);
	if (p.has_modseq)
		buf_adds(b, "M ");
	dump_key(b, &p.root);
	search_prog_free(&p);
	return 0;
}

static int
dump_fetch(struct buf *b, const struct imap_arg *a, size_t n)
{
	struct fetch_spec	 fs;
	const char		*err;
	size_t			 i, j;

	if (imap_fetch_parse(a, n, &fs, &err) == -1)
		return -1;
	for (i = 0; i < fs.n; i++) {
		const struct fetch_att *f = &fs.atts[i];

		if (i > 0)
			buf_addc(b, ' ');
		buf_addf(b, "%d:%s", f->kind, f->label);
		if (f->peek)
			buf_adds(b, ":P");
		if (f->partial_off >= 0)
			buf_addf(b, ":%lld.%u", (long long)f->partial_off,
			    f->partial_len);
		if (f->section.npart > 0 || f->section.spec != SEC_NONE) {
			buf_addf(b, ":s%d", f->section.spec);
			for (j = 0; j < f->section.npart; j++)
				buf_addf(b, ".%u", f->section.part[j]);
			for (j = 0; j < f->section.nfields; j++)
				buf_addf(b, "/%s", f->section.fields[j]);
		}
	}
	if (fs.changedsince_set)
		buf_addf(b, " CS=%llu", (unsigned long long)fs.changedsince);
	if (fs.vanished)
		buf_adds(b, " V");
	fetch_spec_free(&fs);
	return 0;
}

static int
dump_store(struct buf *b, const struct imap_arg *a, size_t n)
{
	struct store_spec	 st;
	const char		*err;
	size_t			 i;

	if (imap_store_parse(a, n, &st, &err) == -1)
		return -1;
	buf_addf(b, "op%d%s sys%llx", st.op, st.silent ? " S" : "",
	    (unsigned long long)st.sys);
	for (i = 0; i < st.nkw; i++)
		buf_addf(b, " %s", st.kw[i]);
	if (st.unchangedsince_set)
		buf_addf(b, " U=%llu", (unsigned long long)st.unchangedsince);
	return 0;
}

static int
dump_sort(struct buf *b, const struct imap_arg *a, size_t n)
{
	struct sort_crit	 crit[SORT_CRIT_MAX];
	const char		*err;
	unsigned int		 ret;
	size_t			 nc, i;

	if (n >= 2 && a[0].type == IMAP_ARG_ATOM &&
	    strcasecmp(a[0].s, "RETURN") == 0) {
		if (imap_return_parse(&a[1], &ret, &err) == -1)
			return -1;
		buf_addf(b, "RETURN:%x ", ret);
		a += 2;
		n -= 2;
	}
	if (n < 3 || imap_sort_parse(&a[0], crit, &nc, &err) == -1 ||
	    !imap_arg_astring(&a[1]))
		return -1;
	for (i = 0; i < nc; i++)
		buf_addf(b, "%s%d ", crit[i].reverse ? "-" : "", crit[i].key);
	return dump_search(b, a + 2, n - 2);
}

static int
dump_typed(struct buf *b, const struct imap_cmd *c)
{
	struct seqset		 set;
	const char		*err, *kw[8];
	uint64_t		 sys;
	enum thread_alg		 alg;
	time_t			 t;
	size_t			 nkw = 8, i = 1;

	if (strcmp(c->name, "FETCH") == 0 || strcmp(c->name, "STORE") == 0 ||
	    strcmp(c->name, "COPY") == 0 || strcmp(c->name, "MOVE") == 0) {
		if (c->nargs < 2 || c->args[0].type != IMAP_ARG_ATOM ||
		    imap_seqset_parse(c->args[0].s, &set, &err) == -1)
			return -1;
		dump_set(b, &set);
		buf_addc(b, ' ');
		seqset_free(&set);
		if (c->name[0] == 'F')
			return dump_fetch(b, c->args + 1, c->nargs - 1);
		if (c->name[0] == 'S')
			return dump_store(b, c->args + 1, c->nargs - 1);
		return c->nargs == 2 && imap_arg_astring(&c->args[1]) ? 0 : -1;
	}
	if (strcmp(c->name, "SEARCH") == 0)
		return dump_search(b, c->args, c->nargs);
	if (strcmp(c->name, "SORT") == 0)
		return dump_sort(b, c->args, c->nargs);
	if (strcmp(c->name, "THREAD") == 0) {
		if (c->nargs < 3 || imap_thread_parse(&c->args[0], &alg,
		    &err) == -1)
			return -1;
		buf_addf(b, "alg%d ", alg);
		return dump_search(b, c->args + 2, c->nargs - 2);
	}
	if (strcmp(c->name, "APPEND") == 0) {
		if (c->nargs < 2 || !imap_arg_astring(&c->args[0]))
			return -1;
		if (c->args[i].type == IMAP_ARG_LIST) {
			if (imap_flags_parse(&c->args[i], &sys, kw, &nkw,
			    &err) == -1)
				return -1;
			buf_addf(b, "sys%llx kw%zu ", (unsigned long long)sys,
			    nkw);
			i++;
		}
		if (i < c->nargs && c->args[i].type == IMAP_ARG_STRING) {
			if (imap_datetime_parse(c->args[i].s, &t) == -1)
				return -1;
			buf_addf(b, "t%lld ", (long long)t);
			i++;
		}
		if (i + 1 != c->nargs || c->args[i].type != IMAP_ARG_LITERAL)
			return -1;
		buf_addf(b, "len%zu", c->args[i].len);
		return 0;
	}
	dump_args(b, c->args, c->nargs);
	return 0;
}

/*
 * One command through the reader (whole and byte by byte), the parser
 * and the typed parser; its print, "ERR" or "BAD" (imap_parse_cmd).
 */
static void
parse_case(const char *in, size_t len, const char *want)
{
	struct imap_reader	 r;
	struct imap_cmd		 c;
	struct buf		 out, got;
	const char		*err;
	char			 ev[64];
	size_t			 step;
	int			 pass, badcs;

	for (pass = 0; pass < 2; pass++) {
		step = pass == 0 ? len : 1;
		imap_reader_init(&r, MAX_LIT, MAX_CMD);
		buf_init(&out);
		buf_init(&got);
		run_reader(&r, in, len, step, ev, sizeof(ev), &out);
		ATF_REQUIRE_MSG(strchr(ev, 'C') != NULL &&
		    strchr(ev, 'C')[1] == '\0', "%s: events %s", in, ev);
		ATF_REQUIRE(out.len == len + 4 &&
		    memcmp(out.s, in, len) == 0);
		if (imap_parse_cmd(out.s, len, &c, &err) == -1) {
			ATF_CHECK(err != NULL && *err != '\0');
			buf_addf(&got, "BAD %s", c.tag);
		} else {
			buf_addf(&got, "%s %s%s ", c.tag, c.uid ? "UID " : "",
			    c.name);
			if (dump_typed(&got, &c) == -1) {
				badcs = strstr(got.s, "BADCHARSET") != NULL;
				buf_reset(&got);
				buf_addf(&got, "%sERR %s", badcs ?
				    "BADCHARSET " : "", c.tag);
			}
		}
		imap_cmd_free(&c);
		ATF_CHECK_STREQ_MSG(got.s, want, "%s (step %zu)", in, step);
		buf_free(&got);
		buf_free(&out);
		imap_reader_free(&r);
	}
}

struct pcase {
	const char	*in;
	const char	*want;
};

static void
parse_table(const struct pcase *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		parse_case(t[i].in, strlen(t[i].in), t[i].want);
}

#define PTABLE(t)	parse_table(t, sizeof(t) / sizeof(t[0]))

ATF_TC_WITHOUT_HEAD(parse_commands);
ATF_TC_BODY(parse_commands, tc)
{
	static const struct pcase t[] = {
		{ "a001 NOOP\r\n", "a001 NOOP " },
		{ "a capability\n", "a CAPABILITY " },
		{ "x NOOP \r\n", "x NOOP " },
		{ "A1 LOGIN fred \"pass \\\"w\\\\rd\"\r\n",
		    "A1 LOGIN fred \"pass \"w\\rd\"" },
		{ "t SELECT \"INBOX\" (CONDSTORE)\r\n",
		    "t SELECT \"INBOX\" (CONDSTORE)" },
		{ "t LIST \"\" %\r\n", "t LIST \"\" %" },
		{ "t LIST (SUBSCRIBED) \"\" (INBOX \"Sent\") RETURN "
		    "(CHILDREN STATUS (MESSAGES UNSEEN))\r\n",
		    "t LIST (SUBSCRIBED) \"\" (INBOX \"Sent\") RETURN "
		    "(CHILDREN STATUS (MESSAGES UNSEEN))" },
		{ "t STATUS [Gmail]/Sent (UIDNEXT)\r\n",
		    "t STATUS [Gmail]/Sent (UIDNEXT)" },
		{ "t ID (\"name\" \"mutt\" \"os\" NIL)\r\n",
		    "t ID (\"name\" \"mutt\" \"os\" NIL)" },
		{ "t ID nil\r\n", "t ID NIL" },
		{ "t ENABLE CONDSTORE IMAP4rev2\r\n",
		    "t ENABLE CONDSTORE IMAP4rev2" },
		{ "t AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0\r\n",
		    "t AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0" },
		{ "t CREATE \"\"\r\n", "t CREATE \"\"" },
		{ "t X ()\r\n", "t X ()" },
		{ "t X ((a) (b (c)))\r\n", "t X ((a) (b (c)))" },
		{ "t UID COPY 1:3 Trash\r\n", "t UID COPY 1:3 " },
		{ "t uid move 4,7:* \"Junk\"\r\n", "t UID MOVE 4,7:* " },
		{ "t MOVE 1 {4+}\r\nJunk\r\n", "t MOVE 1 " },
		{ "t APPEND INBOX {5}\r\nhello\r\n", "t APPEND len5" },
		{ "t APPEND Drafts () {2}\r\nab\r\n",
		    "t APPEND sys0 kw0 len2" },
		{ "t IDLE\r\n", "t IDLE " },
		{ "t UID EXPUNGE 3:5\r\n", "t UID EXPUNGE 3:5" },
	};

	static const char	 nul1[] = "A2 LOGIN {4}\r\nfr d {3+}\r\n"
	    "p\0w\r\n";
	static const char	 nul2[] = "t APPEND INBOX (\\Seen $Forwarded) "
	    "\" 1-Feb-1994 21:05:09 +0100\" ~{3+}\r\na\0b\r\n";
	static const char	 nul3[] = "a NOOP\0\r\n";

	PTABLE(t);
	/* NULs: in literals fine, elsewhere not */
	parse_case(nul1, sizeof(nul1) - 1, "A2 LOGIN {4}fr d {3}p@w");
	parse_case(nul2, sizeof(nul2) - 1, "t APPEND sys1 kw1 t760133109 "
	    "len3");
	parse_case(nul3, sizeof(nul3) - 1, "BAD a");
}

ATF_TC_WITHOUT_HEAD(parse_seqset);
ATF_TC_BODY(parse_seqset, tc)
{
	static const struct pcase t[] = {
		{ "a COPY 1 x\r\n", "a COPY 1 " },
		{ "a COPY 1:5 x\r\n", "a COPY 1:5 " },
		{ "a COPY 5:1 x\r\n", "a COPY 5:1 " },
		{ "a COPY * x\r\n", "a COPY * " },
		{ "a COPY 1,3:*,*:9,12 x\r\n", "a COPY 1,3:*,*:9,12 " },
		{ "a COPY $ x\r\n", "a COPY $ " },
		{ "a COPY 4294967295 x\r\n", "a COPY * " },
		{ "a COPY 007 x\r\n", "a COPY 7 " },
		{ "a COPY 0 x\r\n", "ERR a" },
		{ "a COPY 1:0 x\r\n", "ERR a" },
		{ "a COPY 4294967296 x\r\n", "ERR a" },
		{ "a COPY 99999999999999999999 x\r\n", "ERR a" },
		{ "a COPY 1, x\r\n", "ERR a" },
		{ "a COPY ,1 x\r\n", "ERR a" },
		{ "a COPY 1:: x\r\n", "ERR a" },
		{ "a COPY 1:2:3 x\r\n", "ERR a" },
		{ "a COPY $,1 x\r\n", "ERR a" },
		{ "a COPY -1 x\r\n", "ERR a" },
		{ "a COPY 1.5 x\r\n", "ERR a" },
	};
	struct seqset	 s;
	struct buf	 b;
	const char	*err;
	uint32_t	 lo, hi;
	static const uint32_t list[] = { 1, 2, 3, 7, 9, 10, 4294967294,
	    4294967295 };

	PTABLE(t);
	ATF_REQUIRE(imap_seqset_parse("2,5:3,10:*", &s, &err) == 0);
	ATF_CHECK(!seqset_contains(&s, 1, 20));
	ATF_CHECK(seqset_contains(&s, 2, 20));
	ATF_CHECK(seqset_contains(&s, 4, 20));
	ATF_CHECK(!seqset_contains(&s, 6, 20));
	ATF_CHECK(seqset_contains(&s, 20, 20));
	ATF_CHECK(!seqset_contains(&s, 21, 20));
	/* 10:* with * 8 is 8:10 */
	ATF_CHECK(seqset_contains(&s, 10, 8));
	seqset_bounds(&s, 20, &lo, &hi);
	ATF_CHECK_EQ(lo, 2);
	ATF_CHECK_EQ(hi, 20);
	seqset_free(&s);
	ATF_CHECK(s.r == NULL && s.n == 0);
	buf_init(&b);
	seqset_from_list(&b, list, sizeof(list) / sizeof(list[0]));
	ATF_CHECK_STREQ(b.s, "1:3,7,9:10,4294967294:4294967295");
	buf_reset(&b);
	seqset_from_list(&b, list, 1);
	ATF_CHECK_STREQ(b.s, "1");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(parse_search);
ATF_TC_BODY(parse_search, tc)
{
	static const struct pcase t[] = {
		{ "a SEARCH ALL\r\n", "a SEARCH AND(ALL)" },
		{ "a UID SEARCH 1:* UNSEEN\r\n",
		    "a UID SEARCH AND(SEQ:1:* UNFLAG:1)" },
		{ "a SEARCH ANSWERED DELETED DRAFT FLAGGED RECENT SEEN\r\n",
		    "a SEARCH AND(FLAG:2 FLAG:8 FLAG:10 FLAG:4 FLAG:20 "
		    "FLAG:1)" },
		{ "a SEARCH UNANSWERED UNDELETED UNDRAFT UNFLAGGED NEW OLD\r\n",
		    "a SEARCH AND(UNFLAG:2 UNFLAG:8 UNFLAG:10 UNFLAG:4 NEW "
		    "OLD)" },
		{ "a SEARCH FROM fred TO \"a b\" CC c BCC d SUBJECT {3}\r\n"
		    "x y\r\n", "a SEARCH AND(HDR:From=fred HDR:To=a b "
		    "HDR:Cc=c HDR:Bcc=d HDR:Subject=x y)" },
		{ "a SEARCH HEADER List-Id \"\" BODY hi TEXT \"\xc3\xa9t\xc3"
		    "\xa9\"\r\n", "a SEARCH AND(HDR:List-Id= BODY:hi "
		    "TEXT:\xc3\xa9t\xc3\xa9)" },
		{ "a SEARCH KEYWORD $Junk UNKEYWORD foo\r\n",
		    "a SEARCH AND(KW:$Junk UNKW:foo)" },
		{ "a SEARCH BEFORE 1-Feb-1994 ON \"01-feb-1994\" SINCE "
		    "29-Feb-2000\r\n", "a SEARCH AND(BEFORE:760060800 "
		    "ON:760060800 SINCE:951782400)" },
		{ "a SEARCH SENTBEFORE 1-Jan-1970 SENTON 31-Dec-2025 "
		    "SENTSINCE 2-Mar-2026\r\n", "a SEARCH AND(SENTBEFORE:0 "
		    "SENTON:1767139200 SENTSINCE:1772409600)" },
		{ "a SEARCH LARGER 100 SMALLER 9223372036854775807\r\n",
		    "a SEARCH AND(LARGER:100 SMALLER:9223372036854775807)" },
		{ "a SEARCH NOT DELETED OR SEEN (FLAGGED TO x)\r\n",
		    "a SEARCH AND(NOT(FLAG:8) OR(FLAG:1 AND(FLAG:4 "
		    "HDR:To=x)))" },
		{ "a SEARCH OR OR 1 2 NOT NOT 3\r\n",
		    "a SEARCH AND(OR(OR(SEQ:1 SEQ:2) NOT(NOT(SEQ:3))))" },
		{ "a SEARCH UID 5:9,$ \r\n", "ERR a" },
		{ "a SEARCH UID $\r\n", "a SEARCH AND(UID:$)" },
		{ "a SEARCH $\r\n", "a SEARCH AND(SEQ:$)" },
		{ "a SEARCH MODSEQ 620162338\r\n",
		    "a SEARCH M AND(MODSEQ:620162338)" },
		{ "a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n",
		    "a SEARCH M AND(MODSEQ:620162338)" },
		{ "a SEARCH CHARSET UTF-8 SUBJECT \xe2\x82\xac\r\n", "BAD a" },
		{ "a SEARCH CHARSET utf-8 SUBJECT \"\xe2\x82\xac\"\r\n",
		    "a SEARCH AND(HDR:Subject=\xe2\x82\xac)" },
		{ "a SEARCH CHARSET US-ASCII ALL\r\n", "a SEARCH AND(ALL)" },
		{ "a SEARCH CHARSET ISO-8859-1 ALL\r\n", "BADCHARSET ERR a" },
		{ "a SEARCH SUBJECT \"\xff\"\r\n", "BADCHARSET ERR a" },
		{ "a SEARCH RETURN (MIN MAX) UNSEEN\r\n",
		    "a SEARCH RETURN:3 AND(UNFLAG:1)" },
		{ "a SEARCH RETURN () ALL\r\n", "a SEARCH RETURN:4 AND(ALL)" },
		{ "a SEARCH RETURN (ALL COUNT SAVE) CHARSET UTF-8 ALL\r\n",
		    "a SEARCH RETURN:1c AND(ALL)" },
		{ "a SEARCH OLDER 3600 YOUNGER 60\r\n",
		    "a SEARCH AND(OLDER:3600 YOUNGER:60)" },
		{ "a SEARCH ((((SEEN))))\r\n",
		    "a SEARCH AND(AND(AND(AND(AND(FLAG:1)))))" },
	};

	PTABLE(t);
}

ATF_TC_WITHOUT_HEAD(parse_fetch);
ATF_TC_BODY(parse_fetch, tc)
{
	static const struct pcase t[] = {
		{ "a FETCH 1 FLAGS\r\n", "a FETCH 1 1:FLAGS" },
		{ "a FETCH 1:* ALL\r\n", "a FETCH 1:* 1:FLAGS 2:INTERNALDATE "
		    "3:RFC822.SIZE 4:ENVELOPE" },
		{ "a FETCH 1 fast\r\n", "a FETCH 1 1:FLAGS 2:INTERNALDATE "
		    "3:RFC822.SIZE" },
		{ "a FETCH 1 FULL\r\n", "a FETCH 1 1:FLAGS 2:INTERNALDATE "
		    "3:RFC822.SIZE 4:ENVELOPE 5:BODY" },
		{ "a UID FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE "
		    "BODY BODYSTRUCTURE MODSEQ)\r\n", "a UID FETCH 1 0:UID "
		    "1:FLAGS 2:INTERNALDATE 3:RFC822.SIZE 4:ENVELOPE 5:BODY "
		    "6:BODYSTRUCTURE 13:MODSEQ" },
		{ "a FETCH 2 (RFC822 RFC822.HEADER RFC822.TEXT)\r\n",
		    "a FETCH 2 10:RFC822 11:RFC822.HEADER:P:s1 "
		    "12:RFC822.TEXT:s4" },
		{ "a FETCH 1 BODY[]\r\n", "a FETCH 1 7:BODY[]" },
		{ "a FETCH 1 body.peek[]<0.2048>\r\n",
		    "a FETCH 1 7:BODY[]<0>:P:0.2048" },
		{ "a FETCH 1 (BODY[HEADER] BODY[TEXT] BODY[1.2.3] "
		    "BODY[2.MIME] BODY[1.HEADER])\r\n", "a FETCH 1 "
		    "7:BODY[HEADER]:s1 7:BODY[TEXT]:s4 7:BODY[1.2.3]:s0.1.2.3 "
		    "7:BODY[2.MIME]:s5.2 7:BODY[1.HEADER]:s1.1" },
		{ "a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From \"Subject\" "
		    "X-Y)]<10.20>)\r\n", "a FETCH 1 7:BODY[HEADER.FIELDS "
		    "(From Subject X-Y)]<10>:P:10.20:s2/From/Subject/X-Y" },
		{ "a FETCH 1 BODY.PEEK[3.header.fields.not (Received)]\r\n",
		    "a FETCH 1 7:BODY[3.HEADER.FIELDS.NOT (Received)]:P"
		    ":s3.3/Received" },
		{ "a FETCH 1 (BINARY[1] BINARY.PEEK[2.1]<5.6> "
		    "BINARY.SIZE[1] BINARY[])\r\n", "a FETCH 1 8:BINARY[1]"
		    ":s0.1 8:BINARY[2.1]<5>:P:5.6:s0.2.1 9:BINARY.SIZE[1]:P"
		    ":s0.1 8:BINARY[]" },
		{ "a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n",
		    "a UID FETCH 1:* 1:FLAGS CS=12345 V" },
		{ "a FETCH 1 FLAGS (CHANGEDSINCE 1)\r\n",
		    "a FETCH 1 1:FLAGS CS=1" },
		{ "a FETCH 1 (SAVEDATE EMAILID THREADID)\r\n",
		    "a FETCH 1 14:SAVEDATE 15:EMAILID 16:THREADID" },
		{ "a FETCH 1 BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER "
		    "SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE "
		    "CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES LIST-POST "
		    "X-LABEL)]\r\n", "a FETCH 1 7:BODY[HEADER.FIELDS (DATE "
		    "FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES "
		    "CONTENT-TYPE CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO "
		    "LINES LIST-POST X-LABEL)]:P:s2/DATE/FROM/SENDER/SUBJECT/"
		    "TO/CC/MESSAGE-ID/REFERENCES/CONTENT-TYPE/"
		    "CONTENT-DESCRIPTION/IN-REPLY-TO/REPLY-TO/LINES/LIST-POST/"
		    "X-LABEL" },
	};

	PTABLE(t);
}

ATF_TC_WITHOUT_HEAD(parse_store);
ATF_TC_BODY(parse_store, tc)
{
	static const struct pcase t[] = {
		{ "a STORE 1 FLAGS (\\Seen)\r\n", "a STORE 1 op0 sys1" },
		{ "a STORE 1:* +FLAGS.SILENT (\\Deleted \\flagged $Junk)\r\n",
		    "a STORE 1:* op1 S sysc $Junk" },
		{ "a UID STORE 5 -FLAGS \\Answered \\Draft foo\r\n",
		    "a UID STORE 5 op2 sys12 foo" },
		{ "a STORE 1 FLAGS ()\r\n", "a STORE 1 op0 sys0" },
		{ "a STORE 1 (UNCHANGEDSINCE 200) +FLAGS (a A b)\r\n",
		    "a STORE 1 op1 sys0 a b U=200" },
		{ "a STORE 1 +FLAGS (\\Recent)\r\n", "ERR a" },
		{ "a STORE 1 +FLAGS (\\Bogus)\r\n", "ERR a" },
		{ "a STORE 1 FLAG (\\Seen)\r\n", "ERR a" },
		{ "a STORE 1 +FLAGS.LOUD (\\Seen)\r\n", "ERR a" },
		{ "a STORE 1 +FLAGS\r\n", "ERR a" },
		{ "a STORE 1 +FLAGS (\\Seen) (x)\r\n", "ERR a" },
		{ "a STORE 1 +FLAGS (\"quoted\")\r\n", "ERR a" },
		{ "a STORE 1 +FLAGS (a]b)\r\n", "ERR a" },
		{ "a STORE 1 (UNCHANGEDSINCE) +FLAGS (x)\r\n", "ERR a" },
		{ "a STORE 1 (UNCHANGEDSINCE x) +FLAGS (x)\r\n", "ERR a" },
		{ "a STORE 1 (FOO 1) +FLAGS (x)\r\n", "ERR a" },
	};

	PTABLE(t);
}

ATF_TC_WITHOUT_HEAD(parse_sort_thread);
ATF_TC_BODY(parse_sort_thread, tc)
{
	static const struct pcase t[] = {
		{ "a SORT (ARRIVAL) UTF-8 ALL\r\n", "a SORT 0 AND(ALL)" },
		{ "a UID SORT (REVERSE DATE SUBJECT reverse size CC FROM TO "
		    "DISPLAYFROM DISPLAYTO) US-ASCII UNSEEN\r\n",
		    "a UID SORT -2 5 -4 1 3 6 7 8 AND(UNFLAG:1)" },
		{ "a SORT RETURN (MIN COUNT) (DATE) UTF-8 1:5\r\n",
		    "a SORT RETURN:9 2 AND(SEQ:1:5)" },
		{ "a SORT () UTF-8 ALL\r\n", "ERR a" },
		{ "a SORT (REVERSE) UTF-8 ALL\r\n", "ERR a" },
		{ "a SORT (REVERSE REVERSE DATE) UTF-8 ALL\r\n", "ERR a" },
		{ "a SORT (SENDER) UTF-8 ALL\r\n", "ERR a" },
		{ "a SORT (DATE) UTF-8\r\n", "ERR a" },
		{ "a SORT RETURN (BOGUS) (DATE) UTF-8 ALL\r\n", "ERR a" },
		{ "a SORT (A A A A A A A A A A A A A A A A A) UTF-8 ALL\r\n",
		    "ERR a" },
		{ "a THREAD ORDEREDSUBJECT UTF-8 ALL\r\n",
		    "a THREAD alg0 AND(ALL)" },
		{ "a UID THREAD references US-ASCII SINCE 1-Jan-2020\r\n",
		    "a UID THREAD alg1 AND(SINCE:1577836800)" },
		{ "a THREAD REFS UTF-8 ALL\r\n", "ERR a" },
	};

	PTABLE(t);
}

/* at least 40 commands each refused with BAD (parser) or ERR (typed) */
ATF_TC_WITHOUT_HEAD(parse_malformed);
ATF_TC_BODY(parse_malformed, tc)
{
	static const struct pcase t[] = {
		{ "\r\n", "BAD *" },
		{ " NOOP\r\n", "BAD *" },
		{ "a\r\n", "BAD a" },
		{ "a \r\n", "BAD a" },
		{ "+tag NOOP\r\n", "BAD *" },
		{ "ta{g NOOP\r\n", "BAD *" },
		{ "a  NOOP\r\n", "BAD a" },
		{ "a NO(OP\r\n", "BAD a" },
		{ "a UID\r\n", "BAD a" },
		{ "a UID \r\n", "BAD a" },
		{ "a LOGIN \"unterminated\r\n", "BAD a" },
		{ "a LOGIN \"bad \\n escape\"\r\n", "BAD a" },
		{ "a LOGIN \"x\"y\r\n", "BAD a" },
		{ "a LOGIN x  y\r\n", "BAD a" },
		{ "a X (a b\r\n", "BAD a" },
		{ "a X (a b))\r\n", "BAD a" },
		{ "a X ( a)\r\n", "BAD a" },
		{ "a X )\r\n", "BAD a" },
		{ "a X {3}x\r\n", "BAD a" },
		{ "a X {}\r\n", "BAD a" },
		{ "a X {+}\r\n", "BAD a" },
		{ "a X ~x\r\n", "BAD a" },
		{ "a X \xc3\xa9\r\n", "BAD a" },
		{ "a X \\\r\n", "BAD a" },
		{ "a X a\\b\r\n", "BAD a" },
		{ "a X BODY[\r\n", "BAD a" },
		{ "a X BODY[HEADER\r\n", "BAD a" },
		{ "a X ((((((((((((((((((((((((((((((((((a))))))))))))))))))"
		    "))))))))))))))))\r\n", "BAD a" },
		{ "a FETCH\r\n", "ERR a" },
		{ "a FETCH 1\r\n", "ERR a" },
		{ "a FETCH 0 FLAGS\r\n", "ERR a" },
		{ "a FETCH 1 FLAG\r\n", "ERR a" },
		{ "a FETCH 1 ()\r\n", "ERR a" },
		{ "a FETCH 1 (ALL)\r\n", "ERR a" },
		{ "a FETCH 1 (FLAGS (UID))\r\n", "ERR a" },
		{ "a FETCH 1 \"FLAGS\"\r\n", "ERR a" },
		{ "a FETCH 1 BODY[0]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[1.]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[.1]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[1HEADER]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[MIME]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[HEADERS]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[HEADER.FIELDS]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[HEADER.FIELDS ()]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[HEADER.FIELDS (a:b)]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[HEADER.FIELDS (a  b)]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[4294967296]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1."
		    "1.1.1.1.1.1.1.1.1.1.1]\r\n", "ERR a" },
		{ "a FETCH 1 BODY[]<0>\r\n", "ERR a" },
		{ "a FETCH 1 BODY[]<0.0>\r\n", "ERR a" },
		{ "a FETCH 1 BODY[]<1.2>x\r\n", "ERR a" },
		{ "a FETCH 1 BODY[]<.2>\r\n", "ERR a" },
		{ "a FETCH 1 BODY[]<4294967296.1>\r\n", "ERR a" },
		{ "a FETCH 1 BINARY[HEADER]\r\n", "ERR a" },
		{ "a FETCH 1 BINARY[1.MIME]\r\n", "ERR a" },
		{ "a FETCH 1 BINARY.SIZE[1]<0.1>\r\n", "ERR a" },
		{ "a FETCH 1 FLAGS (VANISHED)\r\n", "ERR a" },
		{ "a FETCH 1 FLAGS (CHANGEDSINCE)\r\n", "ERR a" },
		{ "a FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)\r\n",
		    "ERR a" },
		{ "a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)\r\n",
		    "ERR a" },
		{ "a FETCH 1 FLAGS ()\r\n", "ERR a" },
		{ "a FETCH 1 FLAGS (X) Y\r\n", "ERR a" },
		{ "a SEARCH\r\n", "ERR a" },
		{ "a SEARCH BOGUS\r\n", "ERR a" },
		{ "a SEARCH FROM\r\n", "ERR a" },
		{ "a SEARCH NOT\r\n", "ERR a" },
		{ "a SEARCH OR SEEN\r\n", "ERR a" },
		{ "a SEARCH ()\r\n", "ERR a" },
		{ "a SEARCH BEFORE 32-Jan-2020\r\n", "ERR a" },
		{ "a SEARCH BEFORE 29-Feb-2021\r\n", "ERR a" },
		{ "a SEARCH SINCE 1-Foo-2020\r\n", "ERR a" },
		{ "a SEARCH SINCE 1-Jan-20\r\n", "ERR a" },
		{ "a SEARCH LARGER x\r\n", "ERR a" },
		{ "a SEARCH LARGER 9223372036854775808\r\n", "ERR a" },
		{ "a SEARCH YOUNGER 0\r\n", "ERR a" },
		{ "a SEARCH KEYWORD (x)\r\n", "ERR a" },
		{ "a SEARCH KEYWORD \\Seen\r\n", "ERR a" },
		{ "a SEARCH HEADER \"\" x\r\n", "ERR a" },
		{ "a SEARCH HEADER a:b x\r\n", "ERR a" },
		{ "a SEARCH UID\r\n", "ERR a" },
		{ "a SEARCH UID 0\r\n", "ERR a" },
		{ "a SEARCH MODSEQ\r\n", "ERR a" },
		{ "a SEARCH MODSEQ \"/flags/x\" bogus 5\r\n", "ERR a" },
		{ "a SEARCH CHARSET\r\n", "ERR a" },
		{ "a SEARCH RETURN\r\n", "ERR a" },
		{ "a SEARCH RETURN (MIN)\r\n", "ERR a" },
		{ "a SEARCH RETURN MIN ALL\r\n", "ERR a" },
		{ "a SEARCH NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT "
		    "NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT "
		    "NOT NOT NOT NOT NOT NOT NOT NOT ALL\r\n", "ERR a" },
		{ "a STORE 0 +FLAGS (\\Seen)\r\n", "ERR a" },
		{ "a COPY 1\r\n", "ERR a" },
		{ "a COPY 1 (x)\r\n", "ERR a" },
		{ "a APPEND INBOX\r\n", "ERR a" },
		{ "a APPEND INBOX (\\Recent) {1}\r\nx\r\n", "ERR a" },
		{ "a APPEND INBOX \"1-Feb-1994 25:00:00 +0000\" {1}\r\nx\r\n",
		    "ERR a" },
		{ "a APPEND INBOX \"1-Feb-1994 21:05:09 0100\" {1}\r\nx\r\n",
		    "ERR a" },
		{ "a APPEND INBOX \"1-Feb-1994\" {1}\r\nx\r\n", "ERR a" },
	};

	ATF_REQUIRE(sizeof(t) / sizeof(t[0]) >= 40);
	PTABLE(t);
}

ATF_TC_WITHOUT_HEAD(parse_literal_truncated);
ATF_TC_BODY(parse_literal_truncated, tc)
{
	static const char	 in[] = "a LOGIN {10}\r\nabc";
	struct imap_cmd		 c;
	const char		*err;

	/* a command cut inside a literal is refused, never over-read */
	ATF_CHECK_EQ(imap_parse_cmd(in, sizeof(in) - 1, &c, &err), -1);
	ATF_CHECK_STREQ(c.tag, "a");
	imap_cmd_free(&c);
	ATF_CHECK_EQ(imap_parse_cmd(in, 9, &c, &err), -1);
	imap_cmd_free(&c);
	ATF_CHECK_EQ(imap_parse_cmd("a NOOP", 6, &c, &err), -1);
	imap_cmd_free(&c);
}

ATF_TC_WITHOUT_HEAD(dates);
ATF_TC_BODY(dates, tc)
{
	char	 buf[32];
	time_t	 t;

	ATF_CHECK(imap_date_parse("1-Feb-1994", &t) == 0 && t == 760060800);
	ATF_CHECK(imap_date_parse("01-FEB-1994", &t) == 0 && t == 760060800);
	ATF_CHECK(imap_date_parse("29-Feb-2024", &t) == 0);
	ATF_CHECK(imap_date_parse("29-Feb-1900", &t) == -1);
	ATF_CHECK(imap_date_parse("31-Apr-2024", &t) == -1);
	ATF_CHECK(imap_date_parse("0-Jan-2024", &t) == -1);
	ATF_CHECK(imap_date_parse("1-Jan-2024 ", &t) == -1);
	ATF_CHECK(imap_date_parse("", &t) == -1);
	ATF_CHECK(imap_datetime_parse("01-Feb-1994 21:05:09 +0100", &t) == 0);
	ATF_CHECK_EQ(t, 760060800 + 20 * 3600 + 5 * 60 + 9);
	ATF_CHECK(imap_datetime_parse(" 1-Feb-1994 21:05:09 -0230", &t) == 0);
	ATF_CHECK_EQ(t, 760060800 + 23 * 3600 + 35 * 60 + 9);
	ATF_CHECK(imap_datetime_parse("01-Feb-1994 21:05:09", &t) == -1);
	ATF_CHECK(imap_datetime_parse("01-Feb-1994 21:5:09 +0000", &t) == -1);
	ATF_CHECK(imap_datetime_parse("01-Feb-1994 21:05:09 +0060", &t) == -1);
	imap_datetime_fmt(760060800 + 20 * 3600 + 5 * 60 + 9, buf,
	    sizeof(buf));
	ATF_CHECK_STREQ(buf, "01-Feb-1994 20:05:09 +0000");
	ATF_CHECK(imap_datetime_parse(buf, &t) == 0 &&
	    t == 760060800 + 20 * 3600 + 5 * 60 + 9);
}

ATF_TC_WITHOUT_HEAD(flags);
ATF_TC_BODY(flags, tc)
{
	struct imap_cmd	 c;
	const char	*err, *kw[2];
	uint64_t	 sys;
	size_t		 nkw;
	static const char in[] =
	    "a X (\\Seen \\ANSWERED \\Flagged \\Deleted \\Draft k1 K1 k2) "
	    "(a b c) \\Seen\r\n";

	ATF_REQUIRE(imap_parse_cmd(in, sizeof(in) - 1, &c, &err) == 0);
	nkw = 2;
	ATF_CHECK(imap_flags_parse(&c.args[0], &sys, kw, &nkw, &err) == 0);
	ATF_CHECK_EQ(sys, MF_SYSTEM);
	ATF_CHECK_EQ(nkw, 2);
	ATF_CHECK_STREQ(kw[0], "k1");
	ATF_CHECK_STREQ(kw[1], "k2");
	nkw = 2;
	ATF_CHECK(imap_flags_parse(&c.args[1], &sys, kw, &nkw, &err) == -1);
	nkw = 2;
	ATF_CHECK(imap_flags_parse(&c.args[2], &sys, kw, &nkw, &err) == 0);
	ATF_CHECK_EQ(sys, MF_SEEN);
	imap_cmd_free(&c);
	ATF_CHECK_STREQ(imap_sysflag_name(MF_DELETED), "\\Deleted");
	ATF_CHECK_STREQ(imap_sysflag_name(MF_RECENT), "\\Recent");
	ATF_CHECK(imap_sysflag_name(MF_SEEN | MF_DRAFT) == NULL);
}

ATF_TC_WITHOUT_HEAD(mutf7);
ATF_TC_BODY(mutf7, tc)
{
	static const struct {
		const char	*utf7;
		const char	*utf8;
	} t[] = {
		{ "INBOX", "INBOX" },
		{ "A&-B", "A&B" },
		{ "&ZeVnLIqe-", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
		{ "Entw&APw-rfe", "Entw\xc3\xbc" "rfe" },
		{ "&2D3eAA-", "\xf0\x9f\x98\x80" },
		{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
		    "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
		    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
		{ "", "" },
	};
	static const char *const bad[] = {
		"&", "&Jjo", "&Jjo!-", "&AGE-", "&2D0-", "&3gA-", "\xc3\xa9",
		"a\tb", "&U,BTF2-",
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		ATF_CHECK_MSG(imap_mutf7_to_utf8(t[i].utf7, &b) == 0, "%s",
		    t[i].utf7);
		ATF_CHECK_STREQ(b.s, t[i].utf8);
		buf_reset(&b);
		imap_utf8_to_mutf7(t[i].utf8, &b);
		ATF_CHECK_STREQ(b.s, t[i].utf7);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		ATF_CHECK_MSG(imap_mutf7_to_utf8(bad[i], &b) == -1, "%s",
		    bad[i]);
	}
	buf_free(&b);
	ATF_CHECK(imap_utf8_valid("\xc3\xa9t\xc3\xa9", 5));
	ATF_CHECK(!imap_utf8_valid("\xc3", 1));
	ATF_CHECK(!imap_utf8_valid("\xc0\xaf", 2));
	ATF_CHECK(!imap_utf8_valid("\xed\xa0\x80", 3));
	ATF_CHECK(!imap_utf8_valid("\xf4\x90\x80\x80", 4));
	ATF_CHECK(imap_utf8_valid("\xf4\x8f\xbf\xbf", 4));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, reader_lines);
	ATF_TP_ADD_TC(tp, reader_literals);
	ATF_TP_ADD_TC(tp, reader_literal_minus);
	ATF_TP_ADD_TC(tp, reader_toobig);
	ATF_TP_ADD_TC(tp, reader_max_command);
	ATF_TP_ADD_TC(tp, parse_commands);
	ATF_TP_ADD_TC(tp, parse_seqset);
	ATF_TP_ADD_TC(tp, parse_search);
	ATF_TP_ADD_TC(tp, parse_fetch);
	ATF_TP_ADD_TC(tp, parse_store);
	ATF_TP_ADD_TC(tp, parse_sort_thread);
	ATF_TP_ADD_TC(tp, parse_malformed);
	ATF_TP_ADD_TC(tp, parse_literal_truncated);
	ATF_TP_ADD_TC(tp, dates);
	ATF_TP_ADD_TC(tp, flags);
	ATF_TP_ADD_TC(tp, mutf7);
	return atf_no_error();
}
