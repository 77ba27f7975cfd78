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
 * lex_test.c -- the configuration lexer (common/lex.c) with a
 * made-up grammar: its keywords, token numbers and name limit come from
 * the struct lex_grammar given to lex_begin(), none from smtpd.conf's.
 * A case table: input, the tokens and string values it must give.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lex.h"

#define T_STRING	1001
#define T_TABLEREF	1002
#define T_ERROR		1003
#define T_FETCH		1010
#define T_MAILBOX	1011
#define T_ZONE		1012

static const struct lex_keyword toy_keywords[] = {	/* sorted */
	{ "fetch",	T_FETCH },
	{ "mailbox",	T_MAILBOX },
	{ "zone",	T_ZONE },
};

static const struct lex_grammar toy = {
	.keywords = toy_keywords,
	.nkeywords = sizeof(toy_keywords) / sizeof(toy_keywords[0]),
	.t_string = T_STRING,
	.t_tableref = T_TABLEREF,
	.t_error = T_ERROR,
	.name_max = 8,
};

#define MAXTOK	16

struct lcase {
	const char	*in;
	int		 tok[MAXTOK];	/* ends with 0 (EOF) */
	const char	*str[MAXTOK];	/* string value, or NULL */
	int		 errors;
};

static const struct lcase cases[] = {
	{ "fetch mailbox zone\n",
	    { T_FETCH, T_MAILBOX, T_ZONE, '\n', 0 }, { NULL }, 0 },
	{ "fetch inbox \"a b\"\n",
	    { T_FETCH, T_STRING, T_STRING, '\n', 0 },
	    { NULL, "inbox", "a b" }, 0 },
	/* smtpd.conf's keywords mean nothing here */
	{ "listen on action\n",
	    { T_STRING, T_STRING, T_STRING, '\n', 0 },
	    { "listen", "on", "action" }, 0 },
	{ "zone <abc> { x }\n",
	    { T_ZONE, T_TABLEREF, '{', T_STRING, '}', '\n', 0 },
	    { NULL, "abc", NULL, "x" }, 0 },
	{ "m = \"inbox\"\n",
	    { T_STRING, '=', T_STRING, '\n', 0 },
	    { "m", NULL, "inbox" }, 0 },
	/* $m: set by the test as the grammar would */
	{ "fetch $m\n", { T_FETCH, T_STRING, '\n', 0 }, { NULL, "imap" }, 0 },
	{ "fetch $nope\n", { T_FETCH, T_ERROR }, { NULL }, 1 },
	/* the grammar's name limit: 7 characters */
	{ "zone <abcdefg>\n",
	    { T_ZONE, T_TABLEREF, '\n', 0 }, { NULL, "abcdefg" }, 0 },
	{ "zone <abcdefgh>\n", { T_ZONE, T_ERROR }, { NULL }, 1 },
};

/* yylex() through the whole case, or up to the first error. */
static void
run_case(size_t i, const struct lcase *c)
{
	struct lex_state p;
	size_t		 k;
	int		 tok;

	memset(&p, 0, sizeof(p));
	lex_begin(&p, &toy);
	lex_open_buffer(c->in, strlen(c->in));
	ATF_REQUIRE(symset("m", "imap", 0) == 0);
	for (k = 0; k < MAXTOK; k++) {
		tok = lex_next();
		if (c->errors && k > 0 && c->tok[k] == 0)
			break;
		/* end of line, then end of file */
		if (tok == '\n' && k > 0 && c->tok[k - 1] == '\n')
			tok = lex_next();
		ATF_CHECK_MSG(tok == c->tok[k], "case %zu token %zu: %d, "
		    "want %d", i, k, tok, c->tok[k]);
		if (tok == c->tok[k] && c->str[k] != NULL)
			ATF_CHECK_MSG(strcmp(lexval.string, c->str[k]) == 0,
			    "case %zu token %zu: \"%s\"", i, k,
			    lexval.string);
		if (tok == 0 || tok != c->tok[k])
			break;
	}
	ATF_CHECK_MSG((p.errors > 0) == (c->errors > 0),
	    "case %zu: %d errors", i, p.errors);
	lex_end();
}

ATF_TC_WITHOUT_HEAD(toy_grammar);
ATF_TC_BODY(toy_grammar, tc)
{
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, &cases[i]);
}

/* Token names for a syntax error come from the grammar's table. */
ATF_TC_WITHOUT_HEAD(toy_names);
ATF_TC_BODY(toy_names, tc)
{
	struct lex_state p;
	struct tok	 t = { T_TABLEREF, "abc" };

	memset(&p, 0, sizeof(p));
	lex_begin(&p, &toy);
	ATF_CHECK_STREQ(lex_tokname(T_MAILBOX), "\"mailbox\"");
	ATF_CHECK(lex_tokname(T_STRING) == NULL);
	ATF_CHECK_STREQ(lex_tokname(0), "end of file");
	ATF_CHECK_STREQ(lex_tokdesc(&t), "<abc>");
	lex_end();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, toy_grammar);
	ATF_TP_ADD_TC(tp, toy_names);
	return (atf_no_error());
}
