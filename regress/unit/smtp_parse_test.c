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
 * smtp_parse_test.c -- unit tests for smtp/smtp_parse.c: the line
 * assembler, the command parser, ESMTP parameters and the DATA decoder.
 * Every table is also fed one byte at a time.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_parse.h"

/* ---- line assembler ---- */

struct line_out {
	int	 kind;		/* LINE_OK or LINE_TOOLONG */
	char	 text[64];
	int	 nul;
};

/* Run the assembler over in[0, len) fed step bytes at a time. */
static size_t
run_lines(const char *in, size_t len, size_t step, size_t max,
    struct line_out *out, size_t nout)
{
	struct smtp_line	 l;
	char			 buf[1024];
	size_t			 have = 0, fed = 0, n = 0, k;
	size_t			 used, linelen;
	int			 r;

	smtp_line_init(&l, max);
	while (fed < len) {
		k = len - fed < step ? len - fed : step;
		ATF_REQUIRE(have + k <= sizeof(buf));
		memcpy(buf + have, in + fed, k);
		have += k;
		fed += k;
		for (;;) {
			r = smtp_line_next(&l, buf, have, &used, &linelen);
			ATF_REQUIRE(used <= have);
			if (r != LINE_NONE) {
				ATF_REQUIRE(n < nout);
				out[n].kind = r;
				out[n].nul = l.nul;
				ATF_REQUIRE(linelen < sizeof(out[n].text));
				memcpy(out[n].text, buf, linelen);
				out[n].text[linelen] = '\0';
				n++;
			}
			memmove(buf, buf + used, have - used);
			have -= used;
			if (r == LINE_NONE && used == 0)
				break;
		}
	}
	return (n);
}

ATF_TC_WITHOUT_HEAD(line_basic);
ATF_TC_BODY(line_basic, tc)
{
	static const char	 in[] = "EHLO a\r\nNOOP\nQUIT\r\npartial";
	struct line_out		 out[8];
	size_t			 step, n;

	for (step = 1; step <= sizeof(in); step++) {
		n = run_lines(in, sizeof(in) - 1, step, 20, out, 8);
		ATF_REQUIRE_EQ_MSG(n, 3, "step %zu", step);
		ATF_CHECK_EQ(out[0].kind, LINE_OK);
		ATF_CHECK_STREQ(out[0].text, "EHLO a");
		ATF_CHECK_STREQ(out[1].text, "NOOP");
		ATF_CHECK_STREQ(out[2].text, "QUIT");
	}
}

ATF_TC_WITHOUT_HEAD(line_toolong);
ATF_TC_BODY(line_toolong, tc)
{
	/* max 10: exactly 10 is fine, 11 is too long (reported once) */
	static const char	 in[] = "0123456789\r\n"
	    "0123456789A\r\nNOOP\r\n0123456789AB\nNOOP\r\n"
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\nQUIT\r\n";
	struct line_out		 out[8];
	size_t			 step, n;

	for (step = 1; step <= sizeof(in); step++) {
		n = run_lines(in, sizeof(in) - 1, step, 10, out, 8);
		ATF_REQUIRE_EQ_MSG(n, 7, "step %zu: %zu lines", step, n);
		ATF_CHECK_EQ(out[0].kind, LINE_OK);
		ATF_CHECK_STREQ(out[0].text, "0123456789");
		ATF_CHECK_EQ(out[1].kind, LINE_TOOLONG);
		ATF_CHECK_EQ(out[2].kind, LINE_OK);
		ATF_CHECK_STREQ(out[2].text, "NOOP");
		ATF_CHECK_EQ(out[3].kind, LINE_TOOLONG);
		ATF_CHECK_EQ(out[4].kind, LINE_OK);
		ATF_CHECK_STREQ(out[4].text, "NOOP");
		ATF_CHECK_EQ(out[5].kind, LINE_TOOLONG);
		ATF_CHECK_EQ(out[6].kind, LINE_OK);
		ATF_CHECK_STREQ(out[6].text, "QUIT");
	}
}

ATF_TC_WITHOUT_HEAD(line_nul);
ATF_TC_BODY(line_nul, tc)
{
	static const char	 in[] = "NO\0OP\r\nNOOP\r\n";
	struct line_out		 out[4];
	size_t			 step, n;

	for (step = 1; step <= sizeof(in); step++) {
		n = run_lines(in, sizeof(in) - 1, step, 100, out, 4);
		ATF_REQUIRE_EQ(n, 2);
		ATF_CHECK_EQ(out[0].kind, LINE_OK);
		ATF_CHECK_EQ(out[0].nul, 1);
		ATF_CHECK_EQ(out[1].nul, 0);
	}
}

/* ---- command parser ---- */

static const struct cmd_case {
	const char	*line;
	int		 result;
	enum smtp_verb	 verb;
	const char	*arg;		/* or path for MAIL/RCPT */
	const char	*params;
} cmd_cases[] = {
	{ "EHLO mx.example.org", CMD_OK, V_EHLO, "mx.example.org", "" },
	{ "ehlo [127.0.0.1]", CMD_OK, V_EHLO, "[127.0.0.1]", "" },
	{ "HeLo x  ", CMD_OK, V_HELO, "x", "" },
	{ "EHLO", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO a b", CMD_SYNTAX, V_EHLO, NULL, NULL },
	/* HELO/EHLO: lenient domains and literals, nothing header-like */
	{ "EHLO mx.example.org.", CMD_OK, V_EHLO, "mx.example.org.", "" },
	{ "EHLO my_host-1.lan", CMD_OK, V_EHLO, "my_host-1.lan", "" },
	{ "HELO 192.0.2.1", CMD_OK, V_HELO, "192.0.2.1", "" },
	{ "EHLO [IPv6:2001:db8::1]", CMD_OK, V_EHLO, "[IPv6:2001:db8::1]",
	    "" },
	{ "EHLO a(b)", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO a;b", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO \"a\"", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO a\tb", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO a\x7f", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO h\xc3\xa9.example", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO a\\b", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO <a>", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO a@b", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO a,b", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO ::1", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO [1.2.3.4", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO []", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO [1.2.3.4]x", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO [a_b]", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "EHLO [1.2.3.4)]", CMD_SYNTAX, V_EHLO, NULL, NULL },
	{ "MAIL FROM:<a@b.c>", CMD_OK, V_MAIL, "a@b.c", "" },
	{ "mail from: <a@b.c>", CMD_OK, V_MAIL, "a@b.c", "" },
	{ "MAIL FROM:<>", CMD_OK, V_MAIL, "", "" },
	{ "MAIL FROM:<a@b.c> SIZE=10 BODY=8BITMIME", CMD_OK, V_MAIL,
	    "a@b.c", "SIZE=10 BODY=8BITMIME" },
	{ "MAIL FROM:<\"a>b\"@c.d>", CMD_OK, V_MAIL, "\"a>b\"@c.d", "" },
	{ "MAIL FROM:a@b.c", CMD_SYNTAX, V_MAIL, NULL, NULL },
	{ "MAIL FROM:<a@b.c", CMD_SYNTAX, V_MAIL, NULL, NULL },
	{ "MAIL FROM:<a@b.c>x", CMD_SYNTAX, V_MAIL, NULL, NULL },
	{ "MAIL TO:<a@b.c>", CMD_SYNTAX, V_MAIL, NULL, NULL },
	{ "MAIL FROM :<a@b.c>", CMD_SYNTAX, V_MAIL, NULL, NULL },
	{ "MAIL", CMD_SYNTAX, V_MAIL, NULL, NULL },
	{ "RCPT TO:<postmaster>", CMD_OK, V_RCPT, "postmaster", "" },
	{ "rcpt to:<@r1,@r2:u@d.e> NOTIFY=NEVER", CMD_OK, V_RCPT,
	    "@r1,@r2:u@d.e", "NOTIFY=NEVER" },
	{ "RCPT TO:<a<b@c>", CMD_SYNTAX, V_RCPT, NULL, NULL },
	{ "DATA", CMD_OK, V_DATA, "", "" },
	{ "data x", CMD_SYNTAX, V_DATA, NULL, NULL },
	{ "RSET", CMD_OK, V_RSET, "", "" },
	{ "QUIT", CMD_OK, V_QUIT, "", "" },
	{ "NOOP anything", CMD_OK, V_NOOP, "anything", "" },
	{ "HELP", CMD_OK, V_HELP, "", "" },
	{ "VRFY bob", CMD_OK, V_VRFY, "bob", "" },
	{ "VRFY", CMD_SYNTAX, V_VRFY, NULL, NULL },
	{ "EXPN list", CMD_OK, V_EXPN, "list", "" },
	{ "BDAT 100", CMD_OK, V_BDAT, "100", "" },
	{ "BDAT 0 LAST", CMD_OK, V_BDAT, "0", "" },
	{ "BDAT x", CMD_SYNTAX, V_BDAT, NULL, NULL },
	{ "BDAT 10 FIRST", CMD_SYNTAX, V_BDAT, NULL, NULL },
	{ "BDAT -1", CMD_SYNTAX, V_BDAT, NULL, NULL },
	{ "BDAT 99999999999999999999", CMD_SYNTAX, V_BDAT, NULL, NULL },
	{ "STARTTLS", CMD_OK, V_STARTTLS, "", "" },
	{ "starttls", CMD_OK, V_STARTTLS, "", "" },
	{ "STARTTLS now", CMD_SYNTAX, V_STARTTLS, NULL, NULL },
	{ "GET / HTTP/1.0", CMD_UNKNOWN, V_NONE, NULL, NULL },
	{ "", CMD_UNKNOWN, V_NONE, NULL, NULL },
	{ "MAIL:FROM", CMD_UNKNOWN, V_NONE, NULL, NULL },
	{ "NOOP \x01", CMD_SYNTAX, V_NOOP, NULL, NULL },
	{ "HELO a\rb", CMD_SYNTAX, V_HELO, NULL, NULL },
};

ATF_TC_WITHOUT_HEAD(command_table);
ATF_TC_BODY(command_table, tc)
{
	struct smtp_cmd	 cmd;
	char		 buf[256];
	size_t		 i, len;
	int		 r;

	for (i = 0; i < sizeof(cmd_cases) / sizeof(cmd_cases[0]); i++) {
		len = strlen(cmd_cases[i].line);
		memcpy(buf, cmd_cases[i].line, len);
		buf[len] = '\r';
		r = smtp_parse_command(buf, len, &cmd);
		ATF_CHECK_EQ_MSG(r, cmd_cases[i].result, "\"%s\": %d",
		    cmd_cases[i].line, r);
		if (r != CMD_OK || cmd_cases[i].arg == NULL)
			continue;
		ATF_CHECK_EQ_MSG(cmd.verb, cmd_cases[i].verb, "%s",
		    cmd_cases[i].line);
		if (cmd.verb == V_MAIL || cmd.verb == V_RCPT) {
			ATF_CHECK_STREQ(cmd.path, cmd_cases[i].arg);
			ATF_CHECK_STREQ(cmd.params, cmd_cases[i].params);
		} else if (cmd.verb != V_BDAT)
			ATF_CHECK_STREQ(cmd.arg, cmd_cases[i].arg);
	}
}

ATF_TC_WITHOUT_HEAD(command_nul_bdat);
ATF_TC_BODY(command_nul_bdat, tc)
{
	struct smtp_cmd	 cmd;
	char		 buf[32];

	memcpy(buf, "NOOP\0x\r", 7);
	ATF_CHECK_EQ(smtp_parse_command(buf, 6, &cmd), CMD_NUL);
	memcpy(buf, "bdat 4096 last\r", 15);
	ATF_REQUIRE_EQ(smtp_parse_command(buf, 14, &cmd), CMD_OK);
	ATF_CHECK_EQ(cmd.verb, V_BDAT);
	ATF_CHECK_EQ(cmd.bdat_size, 4096);
	ATF_CHECK_EQ(cmd.bdat_last, 1);
	memcpy(buf, "BDAT 7\r", 7);
	ATF_REQUIRE_EQ(smtp_parse_command(buf, 6, &cmd), CMD_OK);
	ATF_CHECK_EQ(cmd.bdat_size, 7);
	ATF_CHECK_EQ(cmd.bdat_last, 0);
}

/* Commands arriving one byte at a time through the assembler. */
ATF_TC_WITHOUT_HEAD(command_bytewise);
ATF_TC_BODY(command_bytewise, tc)
{
	static const char	 in[] = "EHLO x\r\n"
	    "MAIL FROM:<a@b.c> SIZE=5\r\n"
	    "RCPT TO:<d@e.f>\r\nDATA\r\n";
	static const enum smtp_verb verbs[] = { V_EHLO, V_MAIL, V_RCPT,
	    V_DATA };
	struct line_out		 out[8];
	struct smtp_cmd		 cmd;
	size_t			 n, i;

	n = run_lines(in, sizeof(in) - 1, 1, 512, out, 8);
	ATF_REQUIRE_EQ(n, 4);
	for (i = 0; i < n; i++) {
		ATF_REQUIRE_EQ(smtp_parse_command(out[i].text,
		    strlen(out[i].text), &cmd), CMD_OK);
		ATF_CHECK_EQ(cmd.verb, verbs[i]);
	}
}

/* ---- ESMTP parameters ---- */

static const struct param_case {
	const char	*params;
	int		 result;
	uint64_t	 size;
	int		 body;
	int		 utf8;
} param_cases[] = {
	{ "", PARAM_OK, 0, BODY_NONE, 0 },
	{ "SIZE=1000", PARAM_OK, 1000, BODY_NONE, 0 },
	{ "size=0 body=7bit", PARAM_OK, 0, BODY_7BIT, 0 },
	{ "BODY=8BITMIME SMTPUTF8", PARAM_OK, 0, BODY_8BITMIME, 1 },
	{ "SIZE=99999999999999999999999", PARAM_OK, UINT64_MAX, 0, 0 },
	{ "SIZE=", PARAM_SYNTAX, 0, 0, 0 },
	{ "SIZE=12a", PARAM_SYNTAX, 0, 0, 0 },
	{ "SIZE", PARAM_SYNTAX, 0, 0, 0 },
	{ "SIZE=1 SIZE=2", PARAM_SYNTAX, 0, 0, 0 },
	{ "BODY=BINARYMIME", PARAM_SYNTAX, 0, 0, 0 },
	{ "SMTPUTF8=yes", PARAM_SYNTAX, 0, 0, 0 },
	{ "AUTH=<>", PARAM_OK, 0, BODY_NONE, 0 },
	{ "SIZE=10 AUTH=alice+40example.org", PARAM_OK, 10, BODY_NONE, 0 },
	{ "AUTH", PARAM_SYNTAX, 0, 0, 0 },
	{ "AUTH=<> AUTH=<>", PARAM_SYNTAX, 0, 0, 0 },
	{ "RET=HDRS", PARAM_UNKNOWN, 0, 0, 0 },
	{ "-X=1", PARAM_SYNTAX, 0, 0, 0 },
	{ "X=a=b", PARAM_SYNTAX, 0, 0, 0 },
};

ATF_TC_WITHOUT_HEAD(params_table);
ATF_TC_BODY(params_table, tc)
{
	struct smtp_mailparams	 mp;
	char			 buf[128];
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(param_cases) / sizeof(param_cases[0]); i++) {
		(void)strlcpy(buf, param_cases[i].params, sizeof(buf));
		r = smtp_parse_mail_params(buf, &mp);
		ATF_CHECK_EQ_MSG(r, param_cases[i].result, "\"%s\": %d",
		    param_cases[i].params, r);
		if (r != PARAM_OK)
			continue;
		ATF_CHECK_EQ(mp.size, param_cases[i].size);
		ATF_CHECK_EQ(mp.body, param_cases[i].body);
		ATF_CHECK_EQ(mp.smtputf8, param_cases[i].utf8);
	}
	(void)strlcpy(buf, "", sizeof(buf));
	ATF_CHECK_EQ(smtp_parse_rcpt_params(buf), PARAM_OK);
	(void)strlcpy(buf, "NOTIFY=NEVER", sizeof(buf));
	ATF_CHECK_EQ(smtp_parse_rcpt_params(buf), PARAM_UNKNOWN);
	(void)strlcpy(buf, "=x", sizeof(buf));
	ATF_CHECK_EQ(smtp_parse_rcpt_params(buf), PARAM_SYNTAX);
}

/* ---- DATA decoder ---- */

struct data_result {
	char		 out[512];
	size_t		 outlen;
	size_t		 consumed;
	int		 done;
	int		 flags;
	size_t		 hops;
};

static void
run_data(const char *in, size_t len, size_t step, int raw,
    struct data_result *res)
{
	struct smtp_data_dec	 d;
	char			 tmp[64];
	size_t			 fed = 0, k, n, o;

	memset(res, 0, sizeof(*res));
	smtp_data_init(&d, 20, raw);
	while (fed < len && !d.done) {
		k = len - fed < step ? len - fed : step;
		n = smtp_data_decode(&d, in + fed, k, tmp, sizeof(tmp), &o);
		ATF_REQUIRE(n <= k);
		ATF_REQUIRE(res->outlen + o <= sizeof(res->out));
		memcpy(res->out + res->outlen, tmp, o);
		res->outlen += o;
		fed += n;
		if (n < k && !d.done)
			continue;	/* out was full: feed the rest */
	}
	if (raw) {
		o = smtp_data_end(&d, tmp, sizeof(tmp));
		memcpy(res->out + res->outlen, tmp, o);
		res->outlen += o;
	}
	res->consumed = fed;
	res->done = d.done;
	res->flags = d.flags;
	res->hops = d.hops;
	ATF_REQUIRE_EQ(d.size, res->outlen);
}

static const struct data_case {
	const char	*in;
	int		 done;
	const char	*out;		/* decoded, if done */
	int		 flags;
	size_t		 rest;		/* bytes after the end */
	size_t		 hops;
} data_cases[] = {
	{ "a\r\n.\r\n", 1, "a\r\n", 0, 0, 0 },
	{ ".\r\n", 1, "", 0, 0, 0 },
	{ "a\r\n.\r\nMAIL", 1, "a\r\n", 0, 4, 0 },
	{ "..x\r\n.\r\n", 1, ".x\r\n", 0, 0, 0 },
	{ "a\r\n..\r\n.\r\n", 1, "a\r\n.\r\n", 0, 0, 0 },
	{ ".a\r\n.\r\n", 1, "a\r\n", 0, 0, 0 },
	/* smuggling attempts: none of these ends DATA */
	{ "a\n.\nb", 0, NULL, DATA_F_BARE, 0, 0 },
	{ "a\r\n.\nb", 0, NULL, DATA_F_BARE, 0, 0 },
	{ "a\n.\r\nb", 0, NULL, DATA_F_BARE, 0, 0 },
	{ "a\r.\r\nb", 0, NULL, DATA_F_BARE, 0, 0 },
	{ "a\r\n.\rb", 0, NULL, DATA_F_BARE, 0, 0 },
	/* ... but the real end after them is found and flagged */
	{ "a\n.\nb\r\n.\r\n", 1, NULL, DATA_F_BARE, 0, 0 },
	{ "a\r.\r\nb\r\n.\r\n", 1, NULL, DATA_F_BARE, 0, 0 },
	{ "a\rb\r\n.\r\n", 1, NULL, DATA_F_BARE, 0, 0 },
	{ "a\0b\r\n.\r\n", 1, NULL, DATA_F_NUL, 0, 0 },
	{ "0123456789012345678901\r\n.\r\n", 1, NULL, DATA_F_LONG, 0, 0 },
	{ "01234567890123456789\r\n.\r\n", 1, "01234567890123456789\r\n",
	    0, 0, 0 },
	/* Received: headers counted in the header section only */
	{ "Received: a\r\nreceived:b\r\n\tc\r\nX: y\r\n\r\n"
	    "Received: body\r\n.\r\n", 1, NULL, 0, 0, 2 },
	{ "X-Received: a\r\nReceived a\r\n.\r\n", 1, NULL, 0, 0, 0 },
};

ATF_TC_WITHOUT_HEAD(data_table);
ATF_TC_BODY(data_table, tc)
{
	struct data_result	 res;
	const struct data_case	*c;
	size_t			 i, len, step;

	for (i = 0; i < sizeof(data_cases) / sizeof(data_cases[0]); i++) {
		c = &data_cases[i];
		len = strlen(c->in);
		if (c->flags & DATA_F_NUL)
			len = strlen(c->in) + 1 + strlen(c->in +
			    strlen(c->in) + 1);
		for (step = 1; step <= len; step++) {
			run_data(c->in, len, step, 0, &res);
			ATF_CHECK_EQ_MSG(res.done, c->done, "case %zu step "
			    "%zu", i, step);
			ATF_CHECK_EQ_MSG(res.flags, c->flags, "case %zu step "
			    "%zu: flags %x", i, step, res.flags);
			ATF_CHECK_EQ_MSG(res.hops, c->hops, "case %zu", i);
			if (!c->done)
				continue;
			ATF_CHECK_EQ_MSG(len - res.consumed, c->rest,
			    "case %zu step %zu", i, step);
			if (c->out != NULL) {
				ATF_CHECK_EQ_MSG(res.outlen, strlen(c->out),
				    "case %zu", i);
				ATF_CHECK_MSG(memcmp(res.out, c->out,
				    res.outlen) == 0, "case %zu", i);
			}
		}
	}
}

ATF_TC_WITHOUT_HEAD(data_raw);
ATF_TC_BODY(data_raw, tc)
{
	struct data_result	 res;
	size_t			 step;

	for (step = 1; step < 16; step++) {
		/* BDAT: dots are data, no terminator */
		run_data("a\r\n.\r\n..b\r\n", 11, step, 1, &res);
		ATF_CHECK_EQ(res.done, 0);
		ATF_CHECK_EQ(res.flags, 0);
		ATF_REQUIRE_EQ(res.outlen, 11);
		ATF_CHECK(memcmp(res.out, "a\r\n.\r\n..b\r\n", 11) == 0);
		/* a last line without CRLF gets one */
		run_data("abc", 3, step, 1, &res);
		ATF_REQUIRE_EQ(res.outlen, 5);
		ATF_CHECK(memcmp(res.out, "abc\r\n", 5) == 0);
		/* a trailing CR is bare */
		run_data("abc\r", 4, step, 1, &res);
		ATF_CHECK_EQ(res.flags, DATA_F_BARE);
		run_data("a\nb\r\n", 5, step, 1, &res);
		ATF_CHECK_EQ(res.flags, DATA_F_BARE);
	}
}

/* A small output buffer makes the decoder stop early, losing nothing. */
ATF_TC_WITHOUT_HEAD(data_small_out);
ATF_TC_BODY(data_small_out, tc)
{
	static const char	 in[] = "line one\r\nline two\r\n.\r\n";
	struct smtp_data_dec	 d;
	char			 out[64], tmp[DATA_DEC_SLACK];
	size_t			 fed = 0, olen = 0, n, o;

	smtp_data_init(&d, 100, 0);
	while (!d.done) {
		ATF_REQUIRE(fed < sizeof(in) - 1);
		n = smtp_data_decode(&d, in + fed, sizeof(in) - 1 - fed, tmp,
		    sizeof(tmp), &o);
		ATF_REQUIRE(n > 0);
		memcpy(out + olen, tmp, o);
		olen += o;
		fed += n;
	}
	ATF_CHECK_EQ(fed, sizeof(in) - 1);
	ATF_REQUIRE_EQ(olen, 20);
	ATF_CHECK(memcmp(out, "line one\r\nline two\r\n", 20) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, line_basic);
	ATF_TP_ADD_TC(tp, line_toolong);
	ATF_TP_ADD_TC(tp, line_nul);
	ATF_TP_ADD_TC(tp, command_table);
	ATF_TP_ADD_TC(tp, command_nul_bdat);
	ATF_TP_ADD_TC(tp, command_bytewise);
	ATF_TP_ADD_TC(tp, params_table);
	ATF_TP_ADD_TC(tp, data_table);
	ATF_TP_ADD_TC(tp, data_raw);
	ATF_TP_ADD_TC(tp, data_small_out);
	return (atf_no_error());
}
