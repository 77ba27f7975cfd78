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
 * imapd_thread_test.c -- unit tests for imapd/thread.c: THREAD=
 * ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256) on small message sets
 * whose threads are worked out by hand: reference chains, dummies for
 * missing parents (pruned when alone), subject merging, reference
 * loops, duplicate Message-IDs, date ties broken by mailbox order.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

static void
check(const char *what, const struct buf *b, const char *want)
{
	if (b->len != strlen(want) ||
	    (b->len > 0 && memcmp(b->s, want, b->len) != 0))
		atf_tc_fail("%s: got [%.*s] want [%s]", what, (int)b->len,
		    b->s == NULL ? "" : b->s, want);
}

static void
refs(const struct thread_msg *m, size_t n, const char *want)
{
	struct buf	 b;

	buf_init(&b);
	thread_references(m, n, &b);
	check("REFERENCES", &b, want);
	buf_free(&b);
}

static void
ordered(const struct thread_msg *m, size_t n, const char *want)
{
	struct buf	 b;

	buf_init(&b);
	thread_orderedsubject(m, n, &b);
	check("ORDEREDSUBJECT", &b, want);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(orderedsubject);
ATF_TC_BODY(orderedsubject, tc)
{
	static const struct thread_msg m[] = {
		{ 1, 100, NULL, NULL, "A", 0 },
		{ 2, 50, NULL, NULL, "B", 0 },
		{ 3, 300, NULL, NULL, "A", 1 },
		{ 4, 200, NULL, NULL, "A", 1 },
		{ 5, 60, NULL, NULL, "C", 0 },
		{ 6, 60, NULL, NULL, "C", 1 },
	};

	/* threads by their first date; one child: a chain; more: siblings */
	ordered(m, 6, "(2)(5 6)(1 (4)(3))");
	ordered(m, 1, "(1)");
	ordered(m, 0, "");
}

static const struct thread_msg ref_msgs[] = {
	{ 1, 1, "a@x", NULL, "HELLO", 0 },
	{ 2, 2, "b@x", "<a@x>", "HELLO", 1 },
	{ 3, 3, "c@x", "<a@x> <b@x>", "HELLO", 1 },
	{ 4, 4, "d@x", "<a@x>", "HELLO", 1 },
	{ 5, 5, "e@x", NULL, "OTHER", 0 },
	{ 6, 6, "f@x", "<zz@x>", "X", 1 },
	{ 7, 7, "g@x", "<zz@x>", "X", 1 },
	{ 8, 8, "h@x", NULL, "HELLO", 1 },
	{ 9, 9, "i@x", NULL, "OTHER", 0 },
};

ATF_TC_WITHOUT_HEAD(references);
ATF_TC_BODY(references, tc)
{
	/* chains and siblings; a missing parent is a dummy of two */
	refs(ref_msgs, 7, "(1 (2 3)(4))(5)((6)(7))");
	/* a Re: with no references joins the thread of its subject; two
	 * non-replies of one subject go under a dummy */
	refs(ref_msgs, 9, "(1 (2 3)(4)(8))((5)(9))((6)(7))");
	/* a dummy with one child is replaced by it */
	refs(ref_msgs + 5, 1, "(6)");
	refs(ref_msgs, 0, "");
}

ATF_TC_WITHOUT_HEAD(references_order);
ATF_TC_BODY(references_order, tc)
{
	static const struct thread_msg m[] = {
		{ 10, 500, "p@x", NULL, "P", 0 },
		{ 11, 100, "q@x", "<p@x>", "P", 1 },
		{ 12, 100, "r@x", "<p@x>", "P", 1 },
		{ 13, 50, "s@x", NULL, "S", 0 },
		{ 14, -1, "t@x", NULL, "T", 0 },
	};

	/* children by date, a tie by mailbox order; roots by date */
	refs(m, 5, "(13)(10 (11)(12))(14)");
}

ATF_TC_WITHOUT_HEAD(references_loops);
ATF_TC_BODY(references_loops, tc)
{
	static const struct thread_msg m[] = {
		{ 1, 1, "j@x", "<k@x>", "J", 0 },
		{ 2, 2, "k@x", "<j@x>", "K", 0 },
		{ 3, 3, "l@x", "<l@x>", "L", 0 },
		{ 4, 4, "l@x", "<l@x>", "M", 0 },
		{ 5, 5, NULL, "<nope", "N", 0 },
	};

	/* j's parent is k; k referring back to j is ignored; l refers to
	 * itself; a second l is a message of its own */
	refs(m, 5, "(2 1)(3 4)(5)");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, orderedsubject);
	ATF_TP_ADD_TC(tp, references);
	ATF_TP_ADD_TC(tp, references_order);
	ATF_TP_ADD_TC(tp, references_loops);
	return (atf_no_error());
}
