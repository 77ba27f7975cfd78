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
 * lex.h -- the configuration lexer shared by smtpd.conf(5) and
 * imapd.conf(5) (lex.c): include files, macros, the keyword table of a
 * grammar, diagnostics as "file:line: message", the parse arena.
 *
 * A grammar embeds struct lex_state first in its own parse state, gives
 * its keywords and token numbers with lex_begin(), and defines
 *	int yylex(void) { int t = lex_next(); yylval.v.string =
 *	    lexval.string; yylval.lineno = lexval.lineno; return (t); }
 */

#ifndef LEX_H
#define LEX_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>

#define HIST_MAX	64	/* tokens of the statement, for the hints */
#define HIST_TEXT	48

struct arena;
struct diag;
struct file;

struct tok {
	int			 type;
	char			 text[HIST_TEXT];
};

/* What a grammar gives the lexer. */
struct lex_keyword {
	const char	*name;
	int		 token;
};

struct lex_grammar {
	const struct lex_keyword *keywords;	/* sorted by name */
	size_t			 nkeywords;
	int			 t_string;	/* token numbers */
	int			 t_tableref;
	int			 t_error;
	size_t			 name_max;	/* table, macro names + NUL */
};

/* The lexer's part of a parse (first in the grammar's own state). */
struct lex_state {
	int			 buffer;	/* read from a buffer */
	int			 verbose;
	int			 errors;
	int			 stop;		/* too many errors */
	int			 lexerr;	/* reported; mute yyerror */
	int			 depth;		/* inside { } */
	int			 depth_line;
	int			 expanding;
	struct arena		*arena;
	TAILQ_HEAD(diaglist, diag) diags;
	TAILQ_HEAD(filelist, file) files;
	struct tok		 hist[HIST_MAX];
	size_t			 nhist;
	int			 hist_reset;
};

/* The value of the last token: a string (STRING, TABLEREF), its line. */
struct lex_val {
	char		*string;
	int		 lineno;
};
extern struct lex_val	 lexval;

void		 lex_begin(struct lex_state *, const struct lex_grammar *);
struct lex_state *lex_parse(void);
int		 lex_next(void);
const char	*lex_tokname(int);
const char	*lex_tokdesc(const struct tok *);
int		 lex_peek_equal(void);
void		 lex_end(void);
int		 lex_open(const char *);
void		 lex_open_buffer(const char *, size_t);
void		 lex_include(const char *, int);
const char	*lex_filename(void);
void		*palloc(size_t);
char		*pstrdup(const char *);
void		 perr(int, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
void		 perr_at(const char *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
void		 pwarn_at(const char *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
const char	*loc(const char *, int);
void		 diags_flush(void);
int		 symset(const char *, const char *, int);
int		 cmdline_symset(const char *);	/* -D name=value */

#endif /* LEX_H */
