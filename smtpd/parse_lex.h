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
 * (parse.y) and its syntax errors (parse_syntax.c) share, on the lexer of
 * common/lex.h.  Include it after smtpd.h.
 */

#ifndef PARSE_LEX_H
#define PARSE_LEX_H

#include <sys/queue.h>

#include <stddef.h>

#include "lex.h"
/* token numbers: byacc -d writes them next to build/parse.c */
#include "parse.h"

struct action;
struct def;
struct listener;
struct ref;
struct rule;
struct rule_cond;
struct smtpd_config;
struct tval;

/* The global options, each settable once. */
enum gopt {
	G_HOSTNAME, G_RUNDIR, G_QPATH, G_QTTL, G_RETRY_MIN, G_RETRY_MAX,
	G_MAXMSG, G_TIMEOUT, G_VRFY, G_MAXRCPT, G_MAXMAILS, G_MAXCMDS,
	G_MAXERRORS, G_MAXSESSIONS, G_MAXLINE,
	G_MINFREE, G_MINFREE_INODES,
	G_MAXSESSLOCAL, G_MAXSESSADDR,
	G_BOUNCE_WARN, G_DNSSEC, G_MTA_MAXCONN, G_MTA_MAXCONNHOST,
	G_MTA_MAXMSGSCONN, G_AUTHSERVID,
	G_COUNT
};

struct parse {
	struct lex_state	 lx;		/* first: lex_parse() */
	struct smtpd_config	*cfg;
	struct def		*defs, **defs_tail;
	struct ref		*refs, **refs_tail;
	int			 seen[G_COUNT];
	const char		*seen_file[G_COUNT];
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
int		 yylex(void);
void		 yyerror(const char *);
void		 parse_broken_def(int, const char *, int);

/* parse_syntax.c: smtpd.conf's keywords; yyerror() */
extern const struct lex_grammar	parse_grammar;

#endif /* PARSE_LEX_H */
