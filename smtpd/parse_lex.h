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
 * parse_lex.h -- private to the smtpd.conf(5) parser: what the grammar
 * (parse.y) and parse_lex.c (lexer, include files, macros, diagnostics and
 * the syntax error hints) share.  Include it after smtpd.h.
 */

#ifndef PARSE_LEX_H
#define PARSE_LEX_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>

/* token numbers: byacc -d writes them next to build/parse.c */
#include "parse.h"

#define HIST_MAX	64	/* tokens of the statement, for the hints */
#define HIST_TEXT	48

struct action;
struct arena;
struct def;
struct diag;
struct file;
struct listener;
struct ref;
struct rule;
struct rule_cond;
struct smtpd_config;
struct tval;

struct tok {
	int			 type;
	char			 text[HIST_TEXT];
};

/* What a grammar gives the lexer (smtpd's: parse_syntax.c). */
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

/* The global options, each settable once. */
enum gopt {
	G_HOSTNAME, G_RUNDIR, G_QPATH, G_QTTL, G_RETRY_MIN, G_RETRY_MAX,
	G_MAXMSG, G_TIMEOUT, G_VRFY, G_MAXRCPT, G_MAXMAILS, G_MAXCMDS,
	G_MAXERRORS, G_MAXSESSIONS, G_MAXLINE,
	G_MINFREE, G_MINFREE_INODES,
	G_MAXSESSLOCAL, G_MAXSESSADDR,
	G_BOUNCE_WARN, G_DNSSEC, G_MTA_MAXCONN, G_MTA_MAXCONNHOST,
	G_MTA_MAXMSGSCONN,
	G_COUNT
};

struct parse {
	struct smtpd_config	*cfg;
	int			 buffer;	/* parse_config_buffer() */
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
	struct def		*defs, **defs_tail;
	struct ref		*refs, **refs_tail;
	int			 seen[G_COUNT];
	const char		*seen_file[G_COUNT];
	struct tok		 hist[HIST_MAX];
	size_t			 nhist;
	int			 hist_reset;
};

typedef struct {
	union {
		char			*string;
		int			 number;
		struct listener		*listener;
		struct action		*action;
		struct rule		*rule;
		struct rule_cond	*cond;
		struct tval		*tval;
	} v;
	int lineno;
} YYSTYPE;
#define YYSTYPE_IS_DECLARED 1

extern YYSTYPE	 yylval;

/* parse.y */
int		 yyparse(void);
void		 parse_broken_def(int, const char *, int);

/* parse_syntax.c: smtpd.conf's keywords; yyerror() */
extern const struct lex_grammar	parse_grammar;

/* parse_lex.c */
void		 lex_begin(struct parse *, const struct lex_grammar *);
struct parse	*lex_parse(void);
const char	*lex_tokname(int);
const char	*lex_tokdesc(const struct tok *);
int		 lex_peek_equal(void);
void		 lex_end(void);
int		 lex_open(const char *);
void		 lex_open_buffer(const char *, size_t);
void		 lex_include(const char *, int);
const char	*lex_filename(void);
int		 yylex(void);
void		 yyerror(const char *);
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

#endif /* PARSE_LEX_H */
