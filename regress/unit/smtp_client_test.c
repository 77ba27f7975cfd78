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
 * smtp_client_test.c -- unit tests for common/smtp_client.c: the reply
 * parser and the EHLO reader as case tables, each case fed whole and
 * one byte at a time with the same outcome required; the command
 * formatter; the blocking client of smtp_client_io.c on a socketpair.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp_client.h"

/* ---- reply parser ---- */

/*
 * A transcript and what the parser makes of it: one line per complete
 * reply, "CODE [ENHANCED] text|text|...", then "MORE" (input ended
 * inside a reply), "DONE" (it ended on a reply's end) or "ERROR: why".
 */
struct reply_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;
};

static const struct reply_case reply_cases[] = {
	{ "single", "250 ok\r\n", 0, "250 [] ok\nDONE" },
	{ "code only", "250\r\n", 0, "250 [] \nDONE" },
	{ "empty text", "250 \r\n", 0, "250 [] \nDONE" },
	{ "multi-line", "250-mx.example.net Hello\r\n250-PIPELINING\r\n"
	  "250 SIZE 1000\r\n", 0,
	  "250 [] mx.example.net Hello|PIPELINING|SIZE 1000\nDONE" },
	{ "dash then bare code", "250-a\r\n250\r\n", 0, "250 [] a|\nDONE" },
	{ "mixed codes", "250-a\r\n251 b\r\n", 0,
	  "ERROR: reply code differs between lines" },
	{ "mixed class", "250-a\r\n550 b\r\n", 0,
	  "ERROR: reply code differs between lines" },
	{ "4xx", "451 4.3.0 try later\r\n", 0,
	  "451 [4.3.0] try later\nDONE" },
	{ "421", "421 mx.example.net closing\r\n", 0,
	  "421 [] mx.example.net closing\nDONE" },
	{ "5xx multi enhanced", "550-5.1.1 no such\r\n550 5.1.1 user\r\n",
	  0, "550 [5.1.1] no such|user\nDONE" },
	{ "enhanced 3 digits", "550 5.123.456 x\r\n", 0,
	  "550 [5.123.456] x\nDONE" },
	{ "enhanced only", "250 2.0.0\r\n", 0, "250 [2.0.0] \nDONE" },
	{ "enhanced other class", "250 5.1.1 odd\r\n", 0,
	  "250 [] 5.1.1 odd\nDONE" },
	{ "enhanced too short", "250 2.1 ok\r\n", 0, "250 [] 2.1 ok\nDONE" },
	{ "enhanced glued", "250 2.1.0ok\r\n", 0,
	  "250 [] 2.1.0ok\nDONE" },
	{ "enhanced 4 digits", "250 2.1000.0 x\r\n", 0,
	  "250 [] 2.1000.0 x\nDONE" },
	{ "enhanced empty part", "250 2..0 x\r\n", 0,
	  "250 [] 2..0 x\nDONE" },
	{ "enhanced first line only", "250-ok\r\n250 2.0.0 x\r\n", 0,
	  "250 [] ok|2.0.0 x\nDONE" },
	{ "non-digit", "2x0 ok\r\n", 0,
	  "ERROR: reply code is not three digits" },
	{ "letters", "abc\r\n", 0, "ERROR: reply code is not three digits" },
	{ "short", "25\r\n", 0, "ERROR: reply code is not three digits" },
	{ "empty line", "\r\n", 0, "ERROR: reply code is not three digits" },
	{ "1yz", "199 x\r\n", 0, "ERROR: reply code out of range" },
	{ "6yz", "600 x\r\n", 0, "ERROR: reply code out of range" },
	{ "0yz", "099 x\r\n", 0, "ERROR: reply code out of range" },
	{ "no separator", "250ok\r\n", 0,
	  "ERROR: no space or dash after the reply code" },
	{ "tab separator", "250\tok\r\n", 0,
	  "ERROR: no space or dash after the reply code" },
	{ "LF only", "250-a\n250 b\n", 0, "250 [] a|b\nDONE" },
	{ "CRLF and LF", "250-a\r\n250-b\n250 c\r\n", 0,
	  "250 [] a|b|c\nDONE" },
	{ "bare CR", "250 a\rb\r\n", 0, "ERROR: CR or NUL in a reply line" },
	{ "CR CR LF", "250 a\r\r\n", 0, "ERROR: CR or NUL in a reply line" },
	{ "NUL", "250 a\0b\r\n", 10, "ERROR: CR or NUL in a reply line" },
	{ "pipelined", "250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n", 0,
	  "250 [2.1.0] ok\n250 [2.1.5] ok\n354 [] go ahead\nDONE" },
	{ "then partial", "220 hi\r\n250-x\r\n250 y", 0,
	  "220 [] hi\nMORE" },
	{ "partial line", "250 o", 0, "MORE" },
	{ "nothing", "", 0, "MORE" },
	{ "after an error", "250 ok\r\n2x0\r\n250 ok\r\n", 0,
	  "250 [] ok\nERROR: reply code is not three digits" },
	{ "8-bit text", "550 caf\xc3\xa9\r\n", 0, "550 [] caf\xc3\xa9\nDONE" },
};

/* Run the parser over in[0, len) fed step bytes at a time. */
static void
reply_run(const char *in, size_t len, size_t step, char *out, size_t outsz)
{
	struct smtp_reply	*r;
	char			 line[SMTP_REPLY_MAX + 64];
	size_t			 off = 0, k, used, i;
	int			 st = SMTP_REPLY_MORE;

	ATF_REQUIRE((r = malloc(sizeof(*r))) != NULL);
	smtp_reply_init(r);
	out[0] = '\0';
	while (off < len && st != SMTP_REPLY_ERROR) {
		k = len - off < step ? len - off : step;
		st = smtp_reply_feed(r, in + off, k, &used);
		ATF_REQUIRE(used <= k);
		ATF_REQUIRE(st == SMTP_REPLY_DONE || st == SMTP_REPLY_ERROR ||
		    used == k);
		off += used;
		if (st != SMTP_REPLY_DONE)
			continue;
		(void)snprintf(line, sizeof(line), "%d [%s] ", r->code,
		    r->enhanced);
		for (i = 0; i < r->nlines; i++) {
			if (i > 0)
				(void)strlcat(line, "|", sizeof(line));
			(void)strlcat(line, smtp_reply_text(r, i),
			    sizeof(line));
		}
		(void)strlcat(line, "\n", sizeof(line));
		ATF_REQUIRE(strlcat(out, line, outsz) < outsz);
	}
	if (st == SMTP_REPLY_ERROR) {
		ATF_REQUIRE(r->error != NULL);
		(void)snprintf(line, sizeof(line), "ERROR: %s", r->error);
	} else
		(void)strlcpy(line, st == SMTP_REPLY_DONE ? "DONE" : "MORE",
		    sizeof(line));
	ATF_REQUIRE(strlcat(out, line, outsz) < outsz);
	free(r);
}

/* Whole and one byte at a time: both must give want. */
static void
reply_check(const char *name, const char *in, size_t len, const char *want)
{
	char	 whole[4096], bytes[4096];

	reply_run(in, len, len > 0 ? len : 1, whole, sizeof(whole));
	reply_run(in, len, 1, bytes, sizeof(bytes));
	ATF_CHECK_STREQ_MSG(whole, want, "%s (whole)", name);
	ATF_CHECK_STREQ_MSG(bytes, want, "%s (byte by byte)", name);
}

ATF_TC_WITHOUT_HEAD(reply_table);
ATF_TC_BODY(reply_table, tc)
{
	const struct reply_case	*c;
	size_t			 i;

	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		c = &reply_cases[i];
		reply_check(c->name, c->in, c->len ? c->len : strlen(c->in),
		    c->want);
	}
}

/* n lines "250-xxx" of width octets each (CRLF included), last "250 ". */
static char *
lines(size_t n, size_t width, const char *eol)
{
	char	*buf, *p;
	size_t	 i, el = strlen(eol);

	ATF_REQUIRE(width >= 4 + el);
	ATF_REQUIRE((buf = malloc(n * width + 1)) != NULL);
	for (i = 0, p = buf; i < n; i++, p += width) {
		memcpy(p, i + 1 < n ? "250-" : "250 ", 4);
		memset(p + 4, 'x', width - 4 - el);
		memcpy(p + width - el, eol, el);
	}
	*p = '\0';
	return (buf);
}

ATF_TC_WITHOUT_HEAD(reply_limits);
ATF_TC_BODY(reply_limits, tc)
{
	char	*in, want[SMTP_REPLY_LINE_MAX + 64];
	size_t	 i;

	/* a line of exactly SMTP_REPLY_LINE_MAX with its CRLF is fine */
	in = lines(1, SMTP_REPLY_LINE_MAX, "\r\n");
	(void)snprintf(want, sizeof(want), "250 [] %.*s\nDONE",
	    SMTP_REPLY_LINE_MAX - 6, in + 4);
	reply_check("longest line", in, strlen(in), want);
	free(in);
	in = lines(1, SMTP_REPLY_LINE_MAX + 1, "\r\n");
	reply_check("line too long", in, strlen(in),
	    "ERROR: reply line too long");
	free(in);
	/* with a bare LF the same text length is the limit */
	in = lines(1, SMTP_REPLY_LINE_MAX - 1, "\n");
	reply_check("longest LF line", in, strlen(in), want);
	free(in);
	in = lines(1, SMTP_REPLY_LINE_MAX, "\n");
	reply_check("LF line too long", in, strlen(in),
	    "ERROR: reply line too long");
	free(in);
	/* no end of line at all: refused without waiting for one */
	in = lines(1, SMTP_REPLY_LINE_MAX * 3, "");
	reply_check("endless line", in, strlen(in),
	    "ERROR: reply line too long");
	free(in);

	(void)strlcpy(want, "250 [] xx", sizeof(want));
	for (i = 1; i < SMTP_REPLY_LINES_MAX; i++)
		(void)strlcat(want, "|xx", sizeof(want));
	(void)strlcat(want, "\nDONE", sizeof(want));
	in = lines(SMTP_REPLY_LINES_MAX, 8, "\r\n");
	reply_check("most lines", in, strlen(in), want);
	free(in);
	in = lines(SMTP_REPLY_LINES_MAX + 1, 8, "\r\n");
	reply_check("too many lines", in, strlen(in),
	    "ERROR: too many reply lines");
	free(in);
	in = lines(SMTP_REPLY_LINES_MAX, SMTP_REPLY_MAX / 32, "\r\n");
	reply_check("reply too long", in, strlen(in),
	    "ERROR: reply too long");
	free(in);
}

/*
 * Bare-LF lines take one byte more in buf than on the wire (their NUL
 * replaces no CR): a reply that fills buf exactly, then one more byte,
 * must be refused without writing past buf (found in review).
 */
ATF_TC_WITHOUT_HEAD(reply_full_buffer);
ATF_TC_BODY(reply_full_buffer, tc)
{
	struct {
		struct smtp_reply	 r;
		char			 canary[16];
	} *w;
	char	*in, *p;
	size_t	 i, used, len, off;
	int	 bytewise, st;

	ATF_REQUIRE((in = malloc(8 * 1023 + 16)) != NULL);
	p = in;
	for (i = 0; i < 8; i++) {
		memcpy(p, "250-", 4);
		memset(p + 4, 'a', 1018);
		p[1022] = '\n';
		p += 1023;
	}
	memcpy(p, "250-abc\nx", 9);
	len = (size_t)(p + 9 - in);
	ATF_REQUIRE((w = malloc(sizeof(*w))) != NULL);
	for (bytewise = 0; bytewise < 2; bytewise++) {
		memset(w->canary, 'Z', sizeof(w->canary));
		smtp_reply_init(&w->r);
		st = SMTP_REPLY_MORE;
		for (off = 0; off < len && st == SMTP_REPLY_MORE;
		    off += used)
			st = smtp_reply_feed(&w->r, in + off,
			    bytewise ? 1 : len - off, &used);
		ATF_CHECK_EQ(st, SMTP_REPLY_ERROR);
		ATF_CHECK_STREQ(w->r.error, "reply too long");
		for (i = 0; i < sizeof(w->canary); i++)
			ATF_CHECK_MSG(w->canary[i] == 'Z',
			    "byte %zu past the reply written", i);
	}
	free(w);
	free(in);
}

/*
 * A server that stops reading: a write on a blocking socket gives up
 * after the client's timeout instead of hanging (sendmail used to spool
 * offline after its timeout; found in review).
 */
ATF_TC_WITHOUT_HEAD(write_timeout);
ATF_TC_BODY(write_timeout, tc)
{
	struct smtp_client	 c;
	static char		 big[1 << 22];
	pid_t			 pid;
	int			 sv[2], st, r;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		alarm(10);		/* a hang ends here, killed */
		close(sv[1]);
		smtp_client_init(&c, sv[0], 1);
		r = smtp_client_write(&c, big, sizeof(big));
		_exit(r == -1 && errno == ETIMEDOUT ? 0 : 1);
	}
	close(sv[0]);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "status %d (killed by signal %d)", st,
	    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(reply_lines);
ATF_TC_BODY(reply_lines, tc)
{
	static const char	 in[] = "250-2.1.0 a\r\n250 2.1.0 b\r\n250 ok\r\n";
	struct smtp_reply	 r;
	size_t			 used, off;

	smtp_reply_init(&r);
	ATF_REQUIRE_EQ(smtp_reply_feed(&r, in, sizeof(in) - 1, &used),
	    SMTP_REPLY_DONE);
	ATF_CHECK_EQ(used, 26);
	ATF_CHECK_EQ(r.nlines, 2);
	ATF_CHECK_STREQ(smtp_reply_line(&r, 0), "250-2.1.0 a");
	ATF_CHECK_STREQ(smtp_reply_line(&r, 1), "250 2.1.0 b");
	ATF_CHECK(smtp_reply_line(&r, 2) == NULL);
	ATF_CHECK_STREQ(smtp_reply_text(&r, 1), "b");
	/* feeding on starts the next reply */
	off = used;
	ATF_REQUIRE_EQ(smtp_reply_feed(&r, in + off, sizeof(in) - 1 - off,
	    &used), SMTP_REPLY_DONE);
	ATF_CHECK_EQ(r.nlines, 1);
	ATF_CHECK_STREQ(r.enhanced, "");
	ATF_CHECK_STREQ(smtp_reply_line(&r, 0), "250 ok");
	/* an error is sticky: nothing more is taken */
	ATF_REQUIRE_EQ(smtp_reply_feed(&r, "x\r\n", 3, &used),
	    SMTP_REPLY_ERROR);
	ATF_CHECK_EQ(smtp_reply_feed(&r, "250 ok\r\n", 8, &used),
	    SMTP_REPLY_ERROR);
	ATF_CHECK_EQ(used, 0);
}

/* ---- EHLO ---- */

struct ehlo_case {
	const char	*name;
	const char	*in;
	int		 ret;
	unsigned int	 ext;
	size_t		 size;
	const char	*auth;
};

static const struct ehlo_case ehlo_cases[] = {
	{ "typical", "250-mx.example.net Hello [127.0.0.1]\r\n"
	  "250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n"
	  "250-smtputf8\r\n250-STARTTLS\r\n250-AUTH PLAIN login\r\n"
	  "250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250 DSN\r\n", 0,
	  SMTP_EXT_PIPELINING | SMTP_EXT_SIZE | SMTP_EXT_8BITMIME |
	  SMTP_EXT_SMTPUTF8 | SMTP_EXT_STARTTLS | SMTP_EXT_AUTH |
	  SMTP_EXT_ENHANCEDSTATUSCODES | SMTP_EXT_CHUNKING | SMTP_EXT_DSN,
	  35882577, "PLAIN LOGIN" },
	{ "name only", "250 mx.example.net\r\n", 0, 0, 0, "" },
	{ "first line is no keyword", "250-PIPELINING\r\n250 x\r\n", 0,
	  0, 0, "" },
	{ "near misses", "250-mx\r\n250-SIZEX\r\n250-8BITMIME2\r\n"
	  "250-PIPELINING-\r\n250-START TLS\r\n250 \r\n", 0, 0, 0, "" },
	{ "SIZE without a number", "250-mx\r\n250-SIZE\r\n250 SIZE abc\r\n",
	  0, SMTP_EXT_SIZE, 0, "" },
	{ "SIZE negative", "250-mx\r\n250 SIZE -1\r\n", 0, SMTP_EXT_SIZE, 0,
	  "" },
	{ "SIZE huge", "250-mx\r\n250 SIZE 99999999999999999999999\r\n", 0,
	  SMTP_EXT_SIZE, 0, "" },
	{ "SIZE=", "250-mx\r\n250 SIZE=100\r\n", 0, 0, 0, "" },
	{ "old AUTH=", "250-mx\r\n250-AUTH=plain\r\n250 AUTH LOGIN\r\n", 0,
	  SMTP_EXT_AUTH, 0, "PLAIN" },
	{ "AUTH odd mechanism", "250-mx\r\n250 AUTH PL/AIN\r\n", 0,
	  SMTP_EXT_AUTH, 0, "" },
	{ "AUTH too long", "250-mx\r\n250 AUTH "
	  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "\r\n", 0, SMTP_EXT_AUTH, 0, "" },
	{ "enhanced codes in lines", "250-2.0.0 mx\r\n250 2.0.0 8BITMIME\r\n",
	  0, SMTP_EXT_8BITMIME, 0, "" },
	{ "refused", "502 5.5.1 no EHLO\r\n", -1, 0, 0, "" },
	{ "not 250", "251 mx\r\n", -1, 0, 0, "" },
};

static void
ehlo_run(const struct ehlo_case *c, size_t step)
{
	struct smtp_reply	 r;
	struct smtp_ehlo	 e;
	size_t			 off, len = strlen(c->in), k, used;
	int			 st = SMTP_REPLY_MORE;

	smtp_reply_init(&r);
	for (off = 0; off < len; off += used) {
		k = len - off < step ? len - off : step;
		st = smtp_reply_feed(&r, c->in + off, k, &used);
		ATF_REQUIRE_MSG(st != SMTP_REPLY_ERROR, "%s: %s", c->name,
		    r.error);
	}
	ATF_REQUIRE_EQ_MSG(st, SMTP_REPLY_DONE, "%s", c->name);
	ATF_CHECK_EQ_MSG(smtp_ehlo_parse(&r, &e), c->ret, "%s", c->name);
	ATF_CHECK_EQ_MSG(e.ext, c->ext, "%s (step %zu): %#x", c->name, step,
	    e.ext);
	ATF_CHECK_EQ_MSG(e.size, c->size, "%s", c->name);
	ATF_CHECK_STREQ_MSG(e.auth, c->auth, "%s", c->name);
}

ATF_TC_WITHOUT_HEAD(ehlo_table);
ATF_TC_BODY(ehlo_table, tc)
{
	size_t	 i;

	for (i = 0; i < sizeof(ehlo_cases) / sizeof(ehlo_cases[0]); i++) {
		ehlo_run(&ehlo_cases[i], strlen(ehlo_cases[i].in));
		ehlo_run(&ehlo_cases[i], 1);
	}
}

/* ---- command formatter ---- */

ATF_TC_WITHOUT_HEAD(cmd_format);
ATF_TC_BODY(cmd_format, tc)
{
	char	 buf[SMTP_CMD_MAX + 1], arg[SMTP_CMD_MAX + 1];
	size_t	 n;

	ATF_CHECK_EQ(smtp_cmd_format(buf, sizeof(buf), "MAIL FROM:<%s>",
	    "a@b"), 17);
	ATF_CHECK_STREQ(buf, "MAIL FROM:<a@b>\r\n");
	ATF_CHECK_EQ(smtp_cmd_format(buf, sizeof(buf), "QUIT"), 6);
	ATF_CHECK_STREQ(buf, "QUIT\r\n");

	/* longest: 512 octets with the CRLF ("RCPT TO:<" ">" is 10) */
	n = SMTP_CMD_MAX - 2 - 10;
	memset(arg, 'a', n);
	arg[n] = '\0';
	ATF_CHECK_EQ(smtp_cmd_format(buf, sizeof(buf), "RCPT TO:<%s>", arg),
	    SMTP_CMD_MAX);
	ATF_CHECK_EQ(strlen(buf), SMTP_CMD_MAX);
	ATF_CHECK(strcmp(buf + SMTP_CMD_MAX - 3, ">\r\n") == 0);
	arg[n] = 'a';
	arg[n + 1] = '\0';
	errno = 0;
	ATF_CHECK_EQ(smtp_cmd_format(buf, sizeof(buf), "RCPT TO:<%s>", arg),
	    -1);
	ATF_CHECK_EQ(errno, EMSGSIZE);
	ATF_CHECK_STREQ(buf, "");
	/* a buffer smaller than the command */
	ATF_CHECK_EQ(smtp_cmd_format(buf, 8, "RCPT TO:<%s>", "a@b"), -1);
	ATF_CHECK_EQ(errno, EMSGSIZE);
	ATF_CHECK_EQ(smtp_cmd_format(buf, 2, "QUIT"), -1);
}

ATF_TC_WITHOUT_HEAD(cmd_injection);
ATF_TC_BODY(cmd_injection, tc)
{
	static const char *const bad[] = {
		"a@b>\r\nRCPT TO:<evil@example.net", "a@b\nDATA", "a@b\rx",
		"\r\n", "\n", "a@b\r",
	};
	char	 buf[SMTP_CMD_MAX + 1];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ATF_CHECK_EQ_MSG(smtp_cmd_format(buf, sizeof(buf),
		    "RCPT TO:<%s>", bad[i]), -1, "case %zu", i);
		ATF_CHECK_EQ(errno, EINVAL);
		ATF_CHECK_STREQ(buf, "");
	}
	ATF_CHECK_EQ(smtp_cmd_format(buf, sizeof(buf), "X%cY", '\0'), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK_EQ(smtp_cmd_format(buf, sizeof(buf), "%s", ""), -1);
	ATF_CHECK_EQ(errno, EINVAL);
}

/* ---- blocking client ---- */

static int
client_cmd(struct smtp_client *c, const char *fmt, ...)
{
	va_list	 ap;
	int	 ret;

	va_start(ap, fmt);
	ret = smtp_client_vcmd(c, fmt, ap);
	va_end(ap);
	return (ret);
}

ATF_TC_WITHOUT_HEAD(client_socketpair);
ATF_TC_BODY(client_socketpair, tc)
{
	static const char	 srv[] = "220 hi\r\n250-a\r\n250 b\r\n221 bye\r\n";
	struct smtp_client	*c;
	char			 got[64];
	int			 sv[2];
	ssize_t			 n;

	ATF_REQUIRE((c = malloc(sizeof(*c))) != NULL);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	smtp_client_init(c, sv[0], 10);
	/* everything the server says arrives at once: kept for later */
	ATF_REQUIRE(write(sv[1], srv, sizeof(srv) - 1) ==
	    (ssize_t)sizeof(srv) - 1);
	ATF_CHECK_EQ(smtp_client_reply(c), 220);
	ATF_CHECK_EQ(client_cmd(c, "EHLO %s", "localhost"), 0);
	ATF_CHECK_EQ(smtp_client_reply(c), 250);
	ATF_CHECK_EQ(c->reply.nlines, 2);
	ATF_CHECK_EQ(client_cmd(c, "RCPT TO:<%s>", "x\r\nQUIT"), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK_EQ(client_cmd(c, "QUIT"), 0);
	ATF_CHECK_EQ(smtp_client_reply(c), 221);
	n = read(sv[1], got, sizeof(got) - 1);
	ATF_REQUIRE(n > 0);
	got[n] = '\0';
	ATF_CHECK_STREQ(got, "EHLO localhost\r\nQUIT\r\n");
	/* the server hangs up in the middle of a reply */
	ATF_REQUIRE(write(sv[1], "250-a\r\n", 7) == 7);
	close(sv[1]);
	errno = 0;
	ATF_CHECK_EQ(smtp_client_reply(c), -1);
	ATF_CHECK_EQ(errno, ECONNRESET);
	close(sv[0]);

	/* a garbled reply */
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	smtp_client_init(c, sv[0], 10);
	ATF_REQUIRE(write(sv[1], "250-a\r\n251 b\r\n", 14) == 14);
	ATF_CHECK_EQ(smtp_client_reply(c), -1);
	ATF_CHECK_EQ(errno, EPROTO);
	ATF_CHECK_STREQ(c->reply.error, "reply code differs between lines");
	close(sv[0]);
	close(sv[1]);
	free(c);
}

/* MAIL FROM parameters: only what the server offered. */
ATF_TC_WITHOUT_HEAD(mail_params);
ATF_TC_BODY(mail_params, tc)
{
	static const struct {
		unsigned int	 ext;
		int		 flags;
		const char	*want;
	} cases[] = {
		{ 0, 0, "" },
		{ 0, SMTP_MAIL_8BIT | SMTP_MAIL_UTF8, "" },
		{ SMTP_EXT_SIZE, 0, " SIZE=1234" },
		{ SMTP_EXT_SIZE | SMTP_EXT_8BITMIME, 0, " SIZE=1234" },
		{ SMTP_EXT_SIZE | SMTP_EXT_8BITMIME, SMTP_MAIL_8BIT,
		  " SIZE=1234 BODY=8BITMIME" },
		{ SMTP_EXT_8BITMIME, SMTP_MAIL_8BIT, " BODY=8BITMIME" },
		{ SMTP_EXT_SMTPUTF8, SMTP_MAIL_UTF8 | SMTP_MAIL_8BIT,
		  " SMTPUTF8" },
		{ SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_SMTPUTF8,
		  SMTP_MAIL_UTF8 | SMTP_MAIL_8BIT,
		  " SIZE=1234 BODY=8BITMIME SMTPUTF8" },
	};
	struct smtp_ehlo	 e;
	char			 buf[64];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.ext = cases[i].ext;
		ATF_CHECK_EQ(smtp_mail_params(buf, sizeof(buf), &e, 1234,
		    cases[i].flags), 0);
		ATF_CHECK_STREQ_MSG(buf, cases[i].want, "case %zu", i);
	}
	e.ext = SMTP_EXT_SIZE | SMTP_EXT_8BITMIME;
	ATF_CHECK_EQ(smtp_mail_params(buf, 8, &e, 1234, SMTP_MAIL_8BIT), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mail_params);
	ATF_TP_ADD_TC(tp, reply_table);
	ATF_TP_ADD_TC(tp, reply_limits);
	ATF_TP_ADD_TC(tp, reply_full_buffer);
	ATF_TP_ADD_TC(tp, write_timeout);
	ATF_TP_ADD_TC(tp, reply_lines);
	ATF_TP_ADD_TC(tp, ehlo_table);
	ATF_TP_ADD_TC(tp, cmd_format);
	ATF_TP_ADD_TC(tp, cmd_injection);
	ATF_TP_ADD_TC(tp, client_socketpair);
	return (atf_no_error());
}
