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
 * imapd_parse_fuzz.c -- libFuzzer target: imapd's command reader and
 * parsers.  The input is a client's byte stream: the first byte picks
 * the chunk size, the literal limit and LITERAL-; the reader cuts the
 * rest into commands, each goes (in a buffer of exactly its size) to
 * imap_parse_cmd() and every argument list and argument to each typed
 * parser: sequence sets, FETCH, STORE, SEARCH, SORT, THREAD, RETURN,
 * flags, dates, modified UTF-7.  Invariants that must hold abort().
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_arg(const struct imap_arg *);
static void	fuzz_args(const struct imap_arg *, size_t);
static void	fuzz_command(const char *, size_t);

static void
fuzz_arg(const struct imap_arg *a)
{
	struct seqset	 set;
	struct buf	 b, b2, b3;
	const char	*err, *kw[4];
	char		 text[40];
	uint64_t	 sys;
	uint32_t	 lo, hi, v[3];
	time_t		 t, t2;
	size_t		 nkw = 4;
	unsigned int	 ret;
	enum thread_alg	 alg;
	struct sort_crit crit[SORT_CRIT_MAX];
	size_t		 ncrit;

	(void)imap_arg_astring(a);
	(void)imap_arg_nstring(a);
	(void)imap_flags_parse(a, &sys, kw, &nkw, &err);
	if (nkw > 4)
		abort();
	(void)imap_return_parse(a, &ret, &err);
	(void)imap_thread_parse(a, &alg, &err);
	if (imap_sort_parse(a, crit, &ncrit, &err) == 0 &&
	    (ncrit == 0 || ncrit > SORT_CRIT_MAX))
		abort();
	if (a->type == IMAP_ARG_LIST) {
		fuzz_args(a->list, a->nlist);
		return;
	}
	if (a->s == NULL || a->s[a->len] != '\0')
		abort();
	if (imap_seqset_parse(a->s, &set, &err) == 0) {
		if (!set.saved && set.n == 0)
			abort();
		seqset_bounds(&set, 100, &lo, &hi);
		if (!set.saved && (lo > hi || !seqset_contains(&set, lo, 100)
		    || !seqset_contains(&set, hi, 100)))
			abort();
		seqset_free(&set);
	}
	if (imap_date_parse(a->s, &t) == -1)
		t = 0;
	if (imap_datetime_parse(a->s, &t) == 0) {
		imap_datetime_fmt(t, text, sizeof(text));
		if (t >= 0 && t < 253402300800LL &&
		    (imap_datetime_parse(text, &t2) == -1 || t2 != t))
			abort();
	}
	buf_init(&b);
	buf_init(&b2);
	buf_init(&b3);
	if (imap_mutf7_to_utf8(a->s, &b) == 0 && strlen(b.s) == b.len) {
		/* what was decoded survives encoding and decoding */
		imap_utf8_to_mutf7(b.s, &b2);
		buf_reset(&b3);
		if (imap_mutf7_to_utf8(b2.s, &b3) == -1 ||
		    strcmp(b3.s, b.s) != 0)
			abort();
	}
	buf_reset(&b);
	buf_reset(&b2);
	if (imap_utf8_valid(a->s, a->len) && strlen(a->s) == a->len) {
		imap_utf8_to_mutf7(a->s, &b);
		if (imap_mutf7_to_utf8(b.s, &b2) == -1 ||
		    strcmp(b2.s, a->s) != 0)
			abort();
	}
	buf_reset(&b);
	v[0] = (uint32_t)a->len % 1000 + 1;
	v[1] = v[0] + 1;
	v[2] = v[0] * 7;
	seqset_from_list(&b, v, 3);
	if (imap_seqset_parse(b.s, &set, &err) == -1)
		abort();
	seqset_free(&set);
	buf_free(&b);
	buf_free(&b2);
	buf_free(&b3);
}

/* every suffix of an argument list to the list parsers */
static void
fuzz_args(const struct imap_arg *a, size_t n)
{
	struct fetch_spec	 fs;
	struct search_prog	 sp;
	struct store_spec	 st;
	const char		*err;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (imap_fetch_parse(a + i, n - i, &fs, &err) == 0) {
			if (fs.n == 0)
				abort();
			fetch_spec_free(&fs);
		}
		if (imap_search_parse(a + i, n - i, &sp, &err) == 0) {
			if (sp.root.op != SK_AND || sp.root.nkids == 0)
				abort();
			search_prog_free(&sp);
		} else if (err == NULL)
			abort();
		if (imap_store_parse(a + i, n - i, &st, &err) == 0 &&
		    st.nkw > MF_KEYWORDS_MAX)
			abort();
		fuzz_arg(&a[i]);
	}
}

static void
fuzz_command(const char *s, size_t len)
{
	struct imap_cmd	 cmd;
	const char	*err;
	char		*copy;

	if ((copy = malloc(len + 1)) == NULL)
		abort();
	memcpy(copy, s, len);
	if (imap_parse_cmd(copy, len, &cmd, &err) == 0) {
		if (cmd.name[0] == '\0' || cmd.tag[0] == '\0')
			abort();
		fuzz_args(cmd.args, cmd.nargs);
	} else if (err == NULL || cmd.tag[0] == '\0')
		abort();
	imap_cmd_free(&cmd);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_reader	 r;
	enum imap_rd		 res;
	size_t			 step, used, off;
	unsigned int		 rounds = 0;

	if (size < 1)
		return 0;
	step = (data[0] & 0x0f) == 0 ? size : (data[0] & 0x0f);
	imap_reader_init(&r, (data[0] & 0x10) ? 64 : 1024 * 1024,
	    (data[0] & 0x20) ? 512 : 4 * 1024 * 1024);
	r.literal_minus = (data[0] & 0x40) != 0;
	data++;
	size--;
	for (off = 0; off < size; off += used) {
		if (++rounds > 4 * size + 16)
			abort();
		res = imap_reader_feed(&r, (const char *)data + off,
		    size - off < step ? size - off : step, &used);
		if (used > step)
			abort();
		if (res == IMAP_RD_COMMAND) {
			if (r.cmd.len > r.max_command)
				abort();
			fuzz_command(r.cmd.s, r.cmd.len);
			imap_reader_reset(&r);
		} else if (res == IMAP_RD_TOOBIG) {
			if (strlen(r.tag) > IMAP_TAG_MAX)
				abort();
			imap_reader_reset(&r);
		}
	}
	/* what is left, as a command of its own */
	if (r.cmd.len > 0 && r.state == 0 && !r.skipping)
		fuzz_command(r.cmd.s, r.cmd.len);
	imap_reader_free(&r);
	return 0;
}
