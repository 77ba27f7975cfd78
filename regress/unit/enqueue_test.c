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
 * enqueue_test.c -- unit tests for sendmail's message handling
 * (smtpctl/enqueue_msg.c) and newaliases' checker (smtpctl/aliases.c).
 *
 * smtpctl's sources are not in libcartero.a, so the modules under test
 * are compiled into this program directly.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smtpctl/enqueue_msg.c"
#include "smtpctl/aliases.c"

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct conv_case {
	const char	*in;
	const char	*out;
	int		 done;		/* a lone dot ended the input */
};

/* Run a case whole, then one byte at a time; both must agree. */
static void
conv_check(int flags, const struct conv_case *t)
{
	struct enq_conv	 c;
	struct enqbuf	 out;
	size_t		 len = strlen(t->in), i, used;
	int		 pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&out, 0, sizeof(out));
		enqbuf_add(&out, "", 0);
		enq_conv_init(&c, flags);
		if (pass == 0)
			used = enq_conv_feed(&c, t->in, len, &out);
		else {
			for (i = used = 0; i < len && !enq_conv_done(&c); i++)
				used += enq_conv_feed(&c, t->in + i, 1, &out);
		}
		if (!enq_conv_done(&c))
			ATF_CHECK_EQ_MSG(used, len, "input %s: used %zu of %zu",
			    t->in, used, len);
		enq_conv_finish(&c, &out);
		ATF_CHECK_STREQ_MSG(out.buf, t->out, "input \"%s\" (pass %d)",
		    t->in, pass);
		ATF_CHECK_EQ_MSG(enq_conv_done(&c), t->done,
		    "input \"%s\" (pass %d): done %d", t->in, pass,
		    enq_conv_done(&c));
		enqbuf_free(&out);
	}
}

ATF_TC_WITHOUT_HEAD(conv_crlf_stuff);
ATF_TC_BODY(conv_crlf_stuff, tc)
{
	static const struct conv_case cases[] = {
		{ "", "", 0 },
		{ "a\nb\n", "a\r\nb\r\n", 0 },
		{ "a\r\nb", "a\r\nb\r\n", 0 },
		{ "a\rb\n", "a\r\nb\r\n", 0 },		/* bare CR */
		{ "a\r\r\nb\n", "a\r\n\r\nb\r\n", 0 },
		{ "\n\n", "\r\n\r\n", 0 },
		{ ".\n", "..\r\n", 0 },
		{ ".", "..\r\n", 0 },
		{ "..x\n", "...x\r\n", 0 },
		{ "x\n.y\n", "x\r\n..y\r\n", 0 },
		{ "a.\n", "a.\r\n", 0 },
		{ "\r\n.\r\n", "\r\n..\r\n", 0 },
		{ "x\n.\n.\n", "x\r\n..\r\n..\r\n", 0 },
		{ "caf\xc3\xa9\n", "caf\xc3\xa9\r\n", 0 },
	};
	size_t	 i;

	for (i = 0; i < nitems(cases); i++)
		conv_check(CONV_CRLF | CONV_STUFF, &cases[i]);
}

ATF_TC_WITHOUT_HEAD(conv_lonedot);
ATF_TC_BODY(conv_lonedot, tc)
{
	static const struct conv_case dots[] = {	/* no -i */
		{ "a\n.\nb\n", "a\n", 1 },
		{ "a\n.\r\nb\n", "a\n", 1 },
		{ "a\n.\rb\n", "a\n", 1 },
		{ ".\n", "", 1 },
		{ "a\n.", "a\n", 1 },
		{ "a\n..\nb\n", "a\n..\nb\n", 0 },
		{ "a\n. \nb\n", "a\n. \nb\n", 0 },
		{ "a\nx.\n", "a\nx.\n", 0 },
		{ "a\n.x", "a\n.x\n", 0 },
		{ "a\r\nb\r\n", "a\nb\n", 0 },
	};
	static const struct conv_case idots[] = {	/* -i */
		{ "a\n.\nb\n", "a\n.\nb\n", 0 },
		{ "a\n.\r\nb\n", "a\n.\nb\n", 0 },
		{ ".\n", ".\n", 0 },
		{ "a\n.", "a\n.\n", 0 },
		{ "a\n..\n", "a\n..\n", 0 },
	};
	size_t	 i;

	for (i = 0; i < nitems(dots); i++)
		conv_check(CONV_LONEDOT, &dots[i]);
	for (i = 0; i < nitems(idots); i++)
		conv_check(0, &idots[i]);
}

/* The lone dot stops reading: what follows is not consumed. */
ATF_TC_WITHOUT_HEAD(conv_lonedot_stops);
ATF_TC_BODY(conv_lonedot_stops, tc)
{
	struct enq_conv	 c;
	struct enqbuf	 out;
	const char	*in = "x\n.\nafter\n";

	memset(&out, 0, sizeof(out));
	enq_conv_init(&c, CONV_LONEDOT);
	ATF_CHECK_EQ(enq_conv_feed(&c, in, strlen(in), &out), 4);
	ATF_CHECK(enq_conv_done(&c));
	ATF_CHECK_EQ(enq_conv_feed(&c, "more\n", 5, &out), 0);
	ATF_CHECK_STREQ(out.buf, "x\n");
	enqbuf_free(&out);
}

ATF_TC_WITHOUT_HEAD(header_block);
ATF_TC_BODY(header_block, tc)
{
	static const struct {
		const char	*msg;
		size_t		 hlen;
		size_t		 bodyoff;
	} cases[] = {
		{ "Subject: x\nTo: a\n\nbody\n", 17, 18 },
		{ "Subject: x\n folded\n\tmore\n\nb\n", 25, 26 },
		{ "no header here\n", 0, 0 },
		{ "Subject: s\nthis is body\n", 11, 11 },
		{ "Subject : obsolete\n\n", 19, 20 },
		{ " leading blank: x\n", 0, 0 },
		{ "\nbody\n", 0, 1 },
		{ "", 0, 0 },
		{ "X-A: 1\nX-B: 2\n", 14, 14 },
		{ ":nameless\n\n", 0, 0 },
	};
	size_t	 i, hlen, off;

	for (i = 0; i < nitems(cases); i++) {
		off = 999;
		hlen = enq_header_block(cases[i].msg, strlen(cases[i].msg),
		    &off);
		ATF_CHECK_EQ_MSG(hlen, cases[i].hlen, "case %zu: hlen %zu",
		    i, hlen);
		ATF_CHECK_EQ_MSG(off, cases[i].bodyoff, "case %zu: off %zu",
		    i, off);
	}
}

ATF_TC_WITHOUT_HEAD(header_has);
ATF_TC_BODY(header_has, tc)
{
	const char	*h = "Subject: hi\nMessage-Id: <x@y>\n"
			    "X-Long: a\n from: not a field\n";
	size_t		 len = strlen(h);

	ATF_CHECK(enq_header_has(h, len, "message-id"));
	ATF_CHECK(enq_header_has(h, len, "SUBJECT"));
	ATF_CHECK(enq_header_has(h, len, "x-long"));
	ATF_CHECK(!enq_header_has(h, len, "from"));
	ATF_CHECK(!enq_header_has(h, len, "subj"));
	ATF_CHECK(!enq_header_has(h, len, "date"));
}

/* Parse value; the recipients joined by "," must be want. */
static void
addr_check(const char *value, const char *want, int wantret)
{
	struct enq_rcpts	 r;
	struct enqbuf		 got;
	size_t			 i;
	int			 ret;

	memset(&r, 0, sizeof(r));
	memset(&got, 0, sizeof(got));
	enqbuf_add(&got, "", 0);
	ret = enq_addrlist_parse(value, strlen(value), "host.test", &r);
	for (i = 0; i < r.n; i++) {
		if (i > 0)
			enqbuf_add(&got, ",", 1);
		enqbuf_addstr(&got, r.v[i]);
	}
	ATF_CHECK_STREQ_MSG(got.buf, want, "value \"%s\"", value);
	ATF_CHECK_EQ_MSG(ret, wantret, "value \"%s\": ret %d", value, ret);
	enq_rcpts_free(&r);
	enqbuf_free(&got);
}

ATF_TC_WITHOUT_HEAD(addrlist);
ATF_TC_BODY(addrlist, tc)
{
	addr_check("a@x", "a@x", 0);
	addr_check(" a@x ", "a@x", 0);
	addr_check("A B <a@x>, c@y", "a@x,c@y", 0);
	addr_check("\"Doe, John\" <j@x>", "j@x", 0);
	addr_check("\"Doe, John\" <j@x>,\"Roe; Jane\" <k@x>", "j@x,k@x", 0);
	addr_check("j@x (John, Doe)", "j@x", 0);
	addr_check("(a (nested, comment)) j@x", "j@x", 0);
	addr_check("John <j@x> (work)", "j@x", 0);
	addr_check("team: a@x, B <b@y>;, c@z", "a@x,b@y,c@z", 0);
	addr_check("undisclosed-recipients:;", "", 0);
	addr_check("bob", "bob@host.test", 0);
	addr_check("Bob <bob>", "bob@host.test", 0);
	addr_check("\"john doe\"@x", "\"john doe\"@x", 0);
	addr_check("\"a@b\"", "\"a@b\"@host.test", 0);
	addr_check("<@r1,@r2:a@x>", "a@x", 0);
	addr_check("a@x,\n b@y,\r\n\tc@z", "a@x,b@y,c@z", 0);
	addr_check("a@x, a@x, A <a@x>", "a@x", 0);
	addr_check("Jos\xc3\xa9 <jos\xc3\xa9@x>", "jos\xc3\xa9@x", 0);
	addr_check("a@x,,b@y", "a@x,b@y", 0);
	addr_check("<>", "", 0);
	addr_check("\"unterminated", "", -1);
	addr_check("a@x, <b@y", "a@x", -1);
	addr_check("a@x (open comment", "", -1);
	addr_check("a@", "", -1);
}

ATF_TC_WITHOUT_HEAD(rcpts_add);
ATF_TC_BODY(rcpts_add, tc)
{
	struct enq_rcpts	 r;

	memset(&r, 0, sizeof(r));
	ATF_CHECK_EQ(enq_rcpts_add(&r, "a@x", 3, "h"), 1);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "a@x", 3, "h"), 0);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "b", 1, "h"), 1);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "b@h", 3, "h"), 0);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "c", 1, NULL), 1);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "a\r\n@x", 5, "h"), -1);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "a b@x", 5, "h"), -1);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "a>@x", 4, "h"), -1);
	ATF_CHECK_EQ(enq_rcpts_add(&r, "", 0, "h"), -1);
	ATF_REQUIRE_EQ(r.n, 3);
	ATF_CHECK_STREQ(r.v[0], "a@x");
	ATF_CHECK_STREQ(r.v[1], "b@h");
	ATF_CHECK_STREQ(r.v[2], "c");
	enq_rcpts_free(&r);
	ATF_CHECK_EQ(r.n, 0);

	ATF_CHECK(enq_has_domain("a@x"));
	ATF_CHECK(!enq_has_domain("a"));
	ATF_CHECK(!enq_has_domain("\"a@b\""));
	ATF_CHECK(enq_has_domain("\"a@b\"@c"));
}

static const struct enq_hdrs test_hdrs = {
	"Al <al@h.test>", "Mon, 01 Jan 2024 00:00:00 +0000", "<id@h.test>",
	"h.test", 0
};

/* enq_prepare() of msg must give want and the recipients rcpts. */
static void
prepare_check(const char *msg, int tflag, const char *want,
    const char *rcpts)
{
	struct enq_hdrs		 h = test_hdrs;
	struct enq_rcpts	 r;
	struct enqbuf		 out, got;
	size_t			 i;

	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	memset(&got, 0, sizeof(got));
	enqbuf_add(&got, "", 0);
	h.tflag = tflag;
	ATF_CHECK_EQ(enq_prepare(msg, strlen(msg), &h, &r, &out), 0);
	ATF_CHECK_STREQ_MSG(out.buf, want, "message \"%s\"", msg);
	for (i = 0; i < r.n; i++) {
		if (i > 0)
			enqbuf_add(&got, ",", 1);
		enqbuf_addstr(&got, r.v[i]);
	}
	ATF_CHECK_STREQ_MSG(got.buf, rcpts, "message \"%s\"", msg);
	enq_rcpts_free(&r);
	enqbuf_free(&out);
	enqbuf_free(&got);
}

#define ADDED	"From: Al <al@h.test>\n" \
		"Date: Mon, 01 Jan 2024 00:00:00 +0000\n" \
		"Message-ID: <id@h.test>\n"

ATF_TC_WITHOUT_HEAD(prepare);
ATF_TC_BODY(prepare, tc)
{
	/* nothing but a body: every header added, then a separator */
	prepare_check("hello\n", 0, ADDED "\nhello\n", "");
	prepare_check("", 0, ADDED "\n", "");
	/* headers kept in order, missing ones appended */
	prepare_check("Subject: s\n\nbody\n", 0,
	    "Subject: s\n" ADDED "\nbody\n", "");
	/* present ones (any case) are not added twice */
	prepare_check("FROM: me@x\ndate: d\nMessage-Id: <m@x>\n\nb\n", 0,
	    "FROM: me@x\ndate: d\nMessage-Id: <m@x>\n\nb\n", "");
	/* no separator before the body: one is inserted */
	prepare_check("Subject: s\nthis is body\n", 0,
	    "Subject: s\n" ADDED "\nthis is body\n", "");
	/* mbox "From " line dropped */
	prepare_check("From al Mon Jan  1 00:00:00 2024\nSubject: s\n\nb\n", 0,
	    "Subject: s\n" ADDED "\nb\n", "");
	/* Bcc: always removed; recipients only with -t */
	prepare_check("To: a@x\nBcc: secret@x\nSubject: s\n\nb\n", 0,
	    "To: a@x\nSubject: s\n" ADDED "\nb\n", "");
	prepare_check("To: A <a@x>,\n  b@y\nCc: grp: c@z, d;\n"
	    "Bcc: secret@x,\n\thidden@x\nSubject: s\n\nTo: not@header\n", 1,
	    "To: A <a@x>,\n  b@y\nCc: grp: c@z, d;\nSubject: s\n" ADDED
	    "\nTo: not@header\n", "a@x,b@y,c@z,d@h.test,secret@x,hidden@x");
	/* a "." line in the body stays as it is: stuffing comes later */
	prepare_check("Subject: s\n\n.\n..\n", 0,
	    "Subject: s\n" ADDED "\n.\n..\n", "");
}

ATF_TC_WITHOUT_HEAD(from_value);
ATF_TC_BODY(from_value, tc)
{
	static const struct {
		const char	*name;
		const char	*want;
	} cases[] = {
		{ NULL, "u@h" },
		{ "", "u@h" },
		{ "John Doe", "John Doe <u@h>" },
		{ "Doe, John", "\"Doe, John\" <u@h>" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\" <u@h>" },
		{ "evil\r\nBcc: x", "\"evilBcc: x\" <u@h>" },
		{ "Jos\xc3\xa9", "\"Jos\xc3\xa9\" <u@h>" },
	};
	struct enqbuf	 out;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		memset(&out, 0, sizeof(out));
		enq_from_value(cases[i].name, "u@h", &out);
		ATF_CHECK_STREQ(out.buf, cases[i].want);
		enqbuf_free(&out);
	}
}

ATF_TC_WITHOUT_HEAD(date_value);
ATF_TC_BODY(date_value, tc)
{
	char	 buf[64];

	ATF_REQUIRE(setenv("TZ", "UTC", 1) == 0);
	tzset();
	enq_date_value(0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	enq_date_value(1709632800, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "Tue, 05 Mar 2024 10:00:00 +0000");
	ATF_REQUIRE(setenv("TZ", "CET-1", 1) == 0);
	tzset();
	enq_date_value(0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "Thu, 01 Jan 1970 01:00:00 +0100");
}

ATF_TC_WITHOUT_HEAD(argv_roundtrip);
ATF_TC_BODY(argv_roundtrip, tc)
{
	char		*in[] = { "-f", "<a b@x>", "--", "r\xc3\xa9@x",
			    "back\\slash", "", "tab\there", "\\e", "x" };
	struct enqbuf	 line;
	char		**out;
	int		 n, i;

	memset(&line, 0, sizeof(line));
	enq_argv_escape(in, nitems(in), &line);
	ATF_CHECK(strchr(line.buf, '\n') == NULL);
	ATF_CHECK(strchr(line.buf, '\t') == NULL);
	ATF_REQUIRE_EQ(enq_argv_parse(line.buf, line.len, &out, &n), 0);
	ATF_REQUIRE_EQ(n, (int)nitems(in));
	for (i = 0; i < n; i++)
		ATF_CHECK_STREQ(out[i], in[i]);
	enq_argv_free(out, n);
	enqbuf_free(&line);
}

ATF_TC_WITHOUT_HEAD(argv_malformed);
ATF_TC_BODY(argv_malformed, tc)
{
	static const char *bad[] = {
		"", "a  b", " a", "a ", "\\q", "\\x4", "\\x00", "\\xzz",
		"a\tb", "\\e\\e", "x\\",
	};
	char	**out;
	size_t	  i;
	int	  n;

	for (i = 0; i < nitems(bad); i++)
		ATF_CHECK_EQ_MSG(enq_argv_parse(bad[i], strlen(bad[i]), &out,
		    &n), -1, "line \"%s\" accepted", bad[i]);
}

/* Write an offline file, read it back: same envelope, same message. */
ATF_TC_WITHOUT_HEAD(offline_roundtrip);
ATF_TC_BODY(offline_roundtrip, tc)
{
	const char		*msg = "Subject: s\n\nline\n.\nX-Cartero: no\n";
	struct enq_rcpts	 r;
	struct enqbuf		 file, back;
	char			 path[] = "offline.XXXXXX", buf[4096];
	char			**av;
	size_t			 off;
	ssize_t			 n;
	int			 fd, ac;

	memset(&r, 0, sizeof(r));
	memset(&file, 0, sizeof(file));
	memset(&back, 0, sizeof(back));
	ATF_REQUIRE_EQ(enq_rcpts_add(&r, "bob@x", 5, NULL), 1);
	ATF_REQUIRE_EQ(enq_rcpts_add(&r, "\"o d\"@x", 7, NULL), 1);
	enq_offline_format("al@h", &r, msg, strlen(msg), &file);
	ATF_CHECK_EQ(strncmp(file.buf, OFFLINE_TAG, strlen(OFFLINE_TAG)), 0);

	ATF_REQUIRE((fd = mkstemp(path)) != -1);
	ATF_REQUIRE(write(fd, file.buf, file.len) == (ssize_t)file.len);
	ATF_REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		enqbuf_add(&back, buf, (size_t)n);
	close(fd);
	unlink(path);

	ATF_REQUIRE_EQ(enq_offline_parse(back.buf, back.len, &av, &ac, &off),
	    0);
	ATF_REQUIRE_EQ(ac, 5);
	ATF_CHECK_STREQ(av[0], "-f");
	ATF_CHECK_STREQ(av[1], "<al@h>");
	ATF_CHECK_STREQ(av[2], "--");
	ATF_CHECK_STREQ(av[3], "bob@x");
	ATF_CHECK_STREQ(av[4], "\"o d\"@x");
	ATF_CHECK_STREQ(back.buf + off, msg);
	enq_argv_free(av, ac);

	/* the null sender survives as "<>" */
	enqbuf_reset(&file);
	enq_offline_format("", &r, msg, strlen(msg), &file);
	ATF_REQUIRE_EQ(enq_offline_parse(file.buf, file.len, &av, &ac, &off),
	    0);
	ATF_CHECK_STREQ(av[1], "<>");
	enq_argv_free(av, ac);

	ATF_CHECK_EQ(enq_offline_parse("Subject: x\n\n", 12, &av, &ac, &off),
	    -1);
	ATF_CHECK_EQ(enq_offline_parse(OFFLINE_TAG "-f", 21, &av, &ac,
	    &off), -1);
	enq_rcpts_free(&r);
	enqbuf_free(&file);
	enqbuf_free(&back);
}

/* The offline pickup takes only the envelope enq_offline_format writes. */
ATF_TC_WITHOUT_HEAD(offline_envelope);
ATF_TC_BODY(offline_envelope, tc)
{
	static const struct {
		const char	*line;		/* escaped arguments */
		int		 ok;
		const char	*sender;
		size_t		 nrcpt;
	} cases[] = {
		{ "-f <al@h> -- bob@x", 1, "al@h", 1 },
		{ "-f <> -- bob@x \"o\\x20d\"@x", 1, "", 2 },
		{ "-f <al@h> -- bob@x bob@x", 1, "al@h", 1 },
		{ "-f <al@h> --", 0, NULL, 0 },		/* no rcpt */
		{ "-f al@h -- bob@x", 0, NULL, 0 },		/* no <> */
		{ "-f <a\\x20l@h> -- bob@x", 0, NULL, 0 },	/* blank */
		{ "-f <a<l@h> -- bob@x", 0, NULL, 0 },
		{ "-f <al@h> bob@x", 0, NULL, 0 },		/* no -- */
		{ "-S <al@h> -- bob@x", 0, NULL, 0 },	/* not -f */
		{ "-f <al@h> -- -t", 1, "al@h", 1 },		/* data */
		{ "-f <al@h> -- bob\\x0a@x", 0, NULL, 0 },	/* control */
		{ "-f <al@h> -- @x", 0, NULL, 0 },
	};
	struct enq_rcpts	 r;
	struct enqbuf		 sender;
	char			**av;
	size_t			 i;
	int			 ac, ret;

	for (i = 0; i < nitems(cases); i++) {
		memset(&r, 0, sizeof(r));
		memset(&sender, 0, sizeof(sender));
		ATF_REQUIRE_EQ_MSG(enq_argv_parse(cases[i].line,
		    strlen(cases[i].line), &av, &ac), 0, "%s", cases[i].line);
		ret = enq_offline_envelope(av, ac, &sender, &r);
		ATF_CHECK_EQ_MSG(ret, cases[i].ok ? 0 : -1, "%s",
		    cases[i].line);
		if (ret == 0 && cases[i].ok) {
			ATF_CHECK_STREQ_MSG(sender.buf ? sender.buf : "",
			    cases[i].sender, "%s", cases[i].line);
			ATF_CHECK_EQ_MSG(r.n, cases[i].nrcpt, "%s",
			    cases[i].line);
		}
		enq_argv_free(av, ac);
		enq_rcpts_free(&r);
		enqbuf_free(&sender);
	}
}

/* aliases_check() on a file written from text. */
static int
aliases_run(const char *text, size_t *count)
{
	char	 path[] = "aliases.XXXXXX";
	int	 fd, ret;

	ATF_REQUIRE((fd = mkstemp(path)) != -1);
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	*count = 999;
	ret = aliases_check(path, count);
	unlink(path);
	return (ret);
}

ATF_TC_WITHOUT_HEAD(aliases);
ATF_TC_BODY(aliases, tc)
{
	size_t	 n;

	ATF_CHECK_EQ(aliases_run("# comment\n\npostmaster: root\n"
	    "team: a, b,\n  c\nbin: \"|/usr/bin/x, y\"\n", &n), 0);
	ATF_CHECK_EQ(n, 3);
	ATF_CHECK_EQ(aliases_run("", &n), 0);
	ATF_CHECK_EQ(n, 0);
	ATF_CHECK_EQ(aliases_run("no colon here\n", &n), -1);
	ATF_CHECK_EQ(aliases_run("a: b,,c\n", &n), -1);
	ATF_CHECK_EQ(aliases_run("a:\n", &n), -1);
	ATF_CHECK_EQ(aliases_run("  cont: x\n", &n), -1);
	ATF_CHECK_EQ(aliases_run("a b: c\n", &n), -1);
	ATF_CHECK_EQ(aliases_run("a: \"unterminated\n", &n), -1);
	ATF_CHECK_EQ(aliases_check("/nonexistent/aliases", &n), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, conv_crlf_stuff);
	ATF_TP_ADD_TC(tp, conv_lonedot);
	ATF_TP_ADD_TC(tp, conv_lonedot_stops);
	ATF_TP_ADD_TC(tp, header_block);
	ATF_TP_ADD_TC(tp, header_has);
	ATF_TP_ADD_TC(tp, addrlist);
	ATF_TP_ADD_TC(tp, rcpts_add);
	ATF_TP_ADD_TC(tp, prepare);
	ATF_TP_ADD_TC(tp, from_value);
	ATF_TP_ADD_TC(tp, date_value);
	ATF_TP_ADD_TC(tp, argv_roundtrip);
	ATF_TP_ADD_TC(tp, argv_malformed);
	ATF_TP_ADD_TC(tp, offline_roundtrip);
	ATF_TP_ADD_TC(tp, offline_envelope);
	ATF_TP_ADD_TC(tp, aliases);
	return (atf_no_error());
}
