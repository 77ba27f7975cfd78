/*
 * parse.y -- the smtpd.conf(5) parser.
 *
 * The OpenBSD daemon template: a file stack for include, macros
 * (name = "value", $name, -D name=value), a hand-written lexer and a sorted
 * keyword table searched with bsearch(3).
 *
 * parse_config() reads a file and reports problems on stderr as
 * "file:line: message", all of them (up to MAX_ERRORS), before failing.
 * parse_config_buffer() reads the normalised text made by config_text(),
 * which the parent sends to every child: no include, and table files are
 * not checked (a chrooted child cannot see them).
 *
 * Every statement is built in parse-local memory (an arena freed when the
 * parse ends) by its own option rules, which pass the object under
 * construction up the parser stack: there is no "current object" global, a
 * syntax error leaks nothing, and only complete statements are copied into
 * the configuration.  References (tables, actions) are resolved once the
 * whole input has been read, so definitions may come in any order.
 */

%{
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"

#define MAX_ERRORS	20
#define MAX_INCLUDE	16
#define MAX_TOKLEN	8192
#define HIST_MAX	64
#define HIST_TEXT	48
#define START_EXPAND	0x100	/* unget markers around a macro value */
#define DONE_EXPAND	0x101

struct file {
	TAILQ_ENTRY(file)	 entry;
	FILE			*stream;	/* NULL: memory buffer */
	const char		*buf;
	size_t			 len;
	size_t			 off;
	const char		*name;		/* arena */
	int			 lineno;
	int			 eof_reached;
	int			*ungetbuf;
	size_t			 ungetpos;
	size_t			 ungetsize;
};

struct sym {
	TAILQ_ENTRY(sym)	 entry;
	char			*name;
	char			*val;
	int			 persist;	/* -D: survives reparses */
	int			 used;
	char			*file;
	int			 line;
};

struct diag {
	TAILQ_ENTRY(diag)	 entry;
	const char		*file;
	int			 line;
	int			 warning;
	char			*macro;		/* unknown macro: see the end */
	char			 msg[512];
};

enum def_kind { K_TABLE, K_ACTION };

struct def {
	struct def		*next;
	enum def_kind		 kind;
	const char		*name;
	const char		*file;
	int			 line;
	int			 broken;	/* had a syntax error */
};

struct ref {
	struct ref		*next;
	enum def_kind		 kind;
	const char		*name;
	const char		*what;		/* "alias", "from src"... */
	int			 need_map;
	const char		*file;
	int			 line;
};

struct tval {
	struct tval		*next;
	char			*key;		/* NULL in a list */
	char			*val;
	int			 line;
};

struct tok {
	int			 type;
	char			 text[HIST_TEXT];
};

struct arena {
	struct arena		*next;
	max_align_t		 data[];
};

/* The global options, each settable once. */
enum gopt {
	G_HOSTNAME, G_RUNDIR, G_QPATH, G_QTTL, G_RETRY_MIN, G_RETRY_MAX,
	G_MAXMSG, G_TIMEOUT, G_VRFY, G_MAXRCPT, G_MAXMAILS, G_MAXCMDS,
	G_MAXERRORS, G_MAXSESSIONS, G_MAXLINE, G_COUNT
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

static struct parse	*ps;
static struct file	*file, *topfile;
static TAILQ_HEAD(, sym) symhead = TAILQ_HEAD_INITIALIZER(symhead);

int		 yyparse(void);
int		 yylex(void);
void		 yyerror(const char *);

static void	*palloc(size_t);
static char	*pstrdup(const char *);
static void	 diag_vadd(const char *, int, int, const char *, va_list)
		    __attribute__((__format__(printf, 4, 0)));
static void	 diag_add(int, int, const char *, va_list)
		    __attribute__((__format__(printf, 3, 0)));
static void	 perr(int, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static void	 pwarn_at(const char *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
static void	 perr_at(const char *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
static const char *loc(const char *, int);
static int	 copy_str(char *, size_t, const char *, const char *, int);
static struct file *pushfile(const char *, int);
static struct file *pushbuffer(const char *, size_t);
static int	 popfile(void);
static void	 closefile(struct file *);
static int	 igetc(void);
static int	 lgetc(int);
static void	 lungetc(int);
static int	 findeol(void);
static int	 isword(int);
static int	 kwcmp(const void *, const void *);
static int	 lex_word(int);
static int	 lex_quoted(int);
static int	 lex_tableref(void);
static int	 lex_macro(void);
static void	 hist_push(int, const char *);
static const char *tokname(int);
static const char *tokdesc(const struct tok *);
static const char *hint(void);
static int	 peek_equal(void);
static const char *hint_listen(int, size_t);
static const char *hint_action(int, size_t);
static const char *hint_match(int, size_t);
static const char *hint_table(int, size_t);
static const char *hint_global(int, int, size_t);
static int	 symset(const char *, const char *, int);
static struct sym *symfind(const char *);
static void	 symclear(void);
static struct def *def_find(enum def_kind, const char *);
static int	 def_add(enum def_kind, const char *, int, int);
static void	 ref_add(enum def_kind, const char *, const char *, int, int);
static int	 gopt_seen(enum gopt, int);
static void	 set_limit(enum gopt, size_t *, const char *, size_t, size_t,
		    int);
static void	 set_duration(enum gopt, time_t *, const char *, int);
static void	 set_path(enum gopt, char *, size_t, const char *, int);
static void	 add_include(const char *, int);
static int	 valid_table_name(const char *);
static int	 table_check(const char *, struct tval *, size_t *, int *);
static int	 table_path(const char *, const char **, int);
static void	 add_table(const char *, const char *, struct tval *, int);
static void	 listen_port(struct listener *, const char *, int);
static void	 listen_str(char *, size_t, const char *, const char *, int);
static void	 add_listener(int, const char *, struct listener *, int);
static struct action *action_method(enum action_method, const char *, int);
static void	 action_table(struct action *, char *, size_t, const char *,
		    const char *, int);
static void	 action_user(struct action *, const char *, int);
static void	 action_allow(struct action *, uint32_t, const char *, int);
static void	 add_action(const char *, struct action *, int);
static struct rule_cond *cond_new(enum cond_kind, const char *, const char *,
		    int);
static void	 rule_cond(struct rule *, struct rule_cond *, int,
		    const char *, int);
static void	 rule_tag(struct rule *, int, const char *, int);
static int	 rule_catchall(const struct rule *);
static void	 add_rule(struct rule *, const char *, int);
static int	 valid_netaddr(const char *);
static void	 check_references(void);
static void	 check_rules(void);
static void	 default_hostname(char *, size_t);
static void	 config_defaults(struct smtpd_config *);
static void	 parse_begin(struct parse *, int, int);
static int	 parse_run(struct smtpd_config *);
static void	 diags_flush(void);
static void	 parse_end(void);
%}

%token	ACTION ALIAS ALLOW ANY DOMAIN EXPANDONLY FILE_ FOR FORWARDONLY FROM
%token	HOSTNAME INCLUDE LIMIT LISTEN LMTP LOCAL MAILDIR MAILFROM MATCH MAX
%token	MAXCMDS MAXERRORS MAXLINE MAXMAILS MAXMSGSIZE MAXRCPT MAXSESSIONS MBOX
%token	MDA MIN ON PATH PIPE PORT QUEUE RCPTTO REJECT RETRY RUNDIR SMTP SMTPS
%token	SOCKET SRC SUBMISSION TABLE TAG TIMEOUT TTL USER USERBASE VIRTUAL VRFY
%token	ERROR
%token	<v.string>	STRING TABLEREF
%type	<v.listener>	listenopts
%type	<v.action>	actionopts method
%type	<v.rule>	matchopts
%type	<v.cond>	fromcond forcond
%type	<v.number>	neg
%type	<v.tval>	tvals tval

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include
		| grammar varset '\n'
		| grammar table '\n'
		| grammar listen '\n'
		| grammar action '\n'
		| grammar match '\n'
		| grammar global '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE STRING		{ add_include($2, $<lineno>1); }
		;

varset		: STRING '=' STRING {
			const char *p;

			for (p = $1; *p != '\0'; p++)
				if (!isalnum((unsigned char)*p) && *p != '_')
					break;
			if (*p != '\0' || p == $1)
				perr($<lineno>1, "invalid macro name \"%s\": "
				    "use letters, digits and \"_\"", $1);
			else if (symset($1, $3, 0) == -1)
				fatal("symset");
		}
		;

table		: TABLE STRING STRING		{
			add_table($2, $3, NULL, $<lineno>1);
		}
		| TABLE STRING '{' tvals '}'	{
			add_table($2, NULL, $4, $<lineno>1);
		}
		| TABLE STRING '{' tvals ',' '}' {
			add_table($2, NULL, $4, $<lineno>1);
		}
		;

tvals		: tval				{ $$ = $1; }
		| tvals ',' tval		{
			struct tval *t;

			for (t = $1; t->next != NULL; t = t->next)
				;
			t->next = $3;
			$$ = $1;
		}
		;

tval		: STRING			{
			$$ = palloc(sizeof(*$$));
			$$->val = $1;
			$$->line = $<lineno>1;
		}
		| STRING '=' STRING		{
			$$ = palloc(sizeof(*$$));
			$$->key = $1;
			$$->val = $3;
			$$->line = $<lineno>1;
		}
		;

listen		: LISTEN ON STRING listenopts	{
			add_listener(L_INET, $3, $4, $<lineno>1);
		}
		| LISTEN ON SOCKET listenopts	{
			add_listener(L_SOCKET, NULL, $4, $<lineno>1);
		}
		;

listenopts	: /* empty */			{
			$$ = palloc(sizeof(*$$));
		}
		| listenopts PORT STRING	{
			listen_port($1, $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts PORT SMTP		{
			listen_port($1, "smtp", $<lineno>2);
			$$ = $1;
		}
		| listenopts PORT SUBMISSION	{
			listen_port($1, "submission", $<lineno>2);
			$$ = $1;
		}
		| listenopts PORT SMTPS		{
			listen_port($1, "smtps", $<lineno>2);
			$$ = $1;
		}
		| listenopts HOSTNAME STRING	{
			listen_str($1->hostname, sizeof($1->hostname),
			    "hostname", $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts TAG STRING		{
			listen_str($1->tag, sizeof($1->tag), "tag", $3,
			    $<lineno>2);
			$$ = $1;
		}
		;

action		: ACTION STRING actionopts	{
			add_action($2, $3, $<lineno>1);
		}
		;

method		: MBOX			{
			$$ = action_method(A_MBOX, NULL, $<lineno>1);
		}
		| MBOX STRING		{
			$$ = action_method(A_MBOX, $2, $<lineno>1);
		}
		| MAILDIR		{
			$$ = action_method(A_MAILDIR, NULL, $<lineno>1);
		}
		| MAILDIR STRING	{
			$$ = action_method(A_MAILDIR, $2, $<lineno>1);
		}
		| LMTP STRING		{
			$$ = action_method(A_LMTP, $2, $<lineno>1);
		}
		| LMTP STRING RCPTTO	{
			$$ = action_method(A_LMTP, $2, $<lineno>1);
			$$->flags |= AF_LMTP_RCPTTO;
		}
		| MDA STRING		{
			$$ = action_method(A_MDA, $2, $<lineno>1);
		}
		| EXPANDONLY		{
			$$ = action_method(A_EXPAND_ONLY, NULL, $<lineno>1);
		}
		| FORWARDONLY		{
			$$ = action_method(A_FORWARD_ONLY, NULL, $<lineno>1);
		}
		;

actionopts	: method			{ $$ = $1; }
		| actionopts ALIAS TABLEREF	{
			action_table($1, $1->alias, sizeof($1->alias),
			    "alias", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts VIRTUAL TABLEREF	{
			action_table($1, $1->virtual, sizeof($1->virtual),
			    "virtual", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts USERBASE TABLEREF	{
			action_table($1, $1->userbase, sizeof($1->userbase),
			    "userbase", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts USER STRING	{
			action_user($1, $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts ALLOW PIPE		{
			action_allow($1, AF_ALLOW_PIPE, "pipe", $<lineno>2);
			$$ = $1;
		}
		| actionopts ALLOW FILE_	{
			action_allow($1, AF_ALLOW_FILE, "file", $<lineno>2);
			$$ = $1;
		}
		| actionopts ALLOW INCLUDE	{
			action_allow($1, AF_ALLOW_INCLUDE, "include",
			    $<lineno>2);
			$$ = $1;
		}
		;

match		: MATCH matchopts ACTION STRING	{
			add_rule($2, $4, $<lineno>1);
		}
		| MATCH matchopts REJECT	{
			add_rule($2, NULL, $<lineno>1);
		}
		;

matchopts	: /* empty */			{
			$$ = palloc(sizeof(*$$));
		}
		| matchopts neg FROM fromcond	{
			rule_cond($1, $4, $2, "from", $<lineno>3);
			$$ = $1;
		}
		| matchopts neg FOR forcond	{
			rule_cond($1, $4, $2, "for", $<lineno>3);
			$$ = $1;
		}
		| matchopts neg TAG STRING	{
			rule_tag($1, $2, $4, $<lineno>3);
			$$ = $1;
		}
		;

neg		: /* empty */			{ $$ = 0; }
		| '!'				{ $$ = 1; }
		;

fromcond	: ANY		{ $$ = cond_new(C_ANY, NULL, NULL, 0); }
		| LOCAL		{ $$ = cond_new(C_LOCAL, NULL, NULL, 0); }
		| SOCKET	{ $$ = cond_new(C_SOCKET, NULL, NULL, 0); }
		| SRC TABLEREF	{
			$$ = cond_new(C_SRC, $2, NULL, $<lineno>1);
		}
		| SRC STRING	{
			$$ = cond_new(C_SRC, NULL, $2, $<lineno>1);
		}
		| MAILFROM TABLEREF {
			$$ = cond_new(C_MAILFROM, $2, NULL, $<lineno>1);
		}
		| MAILFROM STRING {
			$$ = cond_new(C_MAILFROM, NULL, $2, $<lineno>1);
		}
		;

forcond		: ANY		{ $$ = cond_new(C_ANY, NULL, NULL, 0); }
		| LOCAL		{ $$ = cond_new(C_LOCAL, NULL, NULL, 0); }
		| DOMAIN TABLEREF {
			$$ = cond_new(C_DOMAIN, $2, NULL, $<lineno>1);
		}
		| DOMAIN STRING	{
			$$ = cond_new(C_DOMAIN, NULL, $2, $<lineno>1);
		}
		| RCPTTO TABLEREF {
			$$ = cond_new(C_RCPTTO, $2, NULL, $<lineno>1);
		}
		| RCPTTO STRING	{
			$$ = cond_new(C_RCPTTO, NULL, $2, $<lineno>1);
		}
		;

global		: HOSTNAME STRING		{
			if (!gopt_seen(G_HOSTNAME, $<lineno>1)) {
				lowercase($2);
				if (!valid_domain_part($2))
					perr($<lineno>1, "invalid hostname "
					    "\"%s\"", $2);
				else
					copy_str(ps->cfg->hostname,
					    sizeof(ps->cfg->hostname), $2,
					    "hostname", $<lineno>1);
			}
		}
		| RUNDIR STRING			{
			set_path(G_RUNDIR, ps->cfg->rundir,
			    sizeof(ps->cfg->rundir), $2, $<lineno>1);
		}
		| QUEUE PATH STRING		{
			set_path(G_QPATH, ps->cfg->spooldir,
			    sizeof(ps->cfg->spooldir), $3, $<lineno>1);
		}
		| QUEUE TTL STRING		{
			set_duration(G_QTTL, &ps->cfg->queue_ttl, $3,
			    $<lineno>1);
		}
		| QUEUE RETRY retryopts
		| SMTP MAXMSGSIZE STRING	{
			size_t	 sz;

			if (gopt_seen(G_MAXMSG, $<lineno>1))
				;
			else if (text_to_size($3, &sz) == -1 || sz == 0)
				perr($<lineno>1, "invalid size \"%s\": "
				    "expected a number with an optional K, M "
				    "or G suffix", $3);
			else
				ps->cfg->max_message_size = sz;
		}
		| SMTP TIMEOUT STRING		{
			set_duration(G_TIMEOUT, &ps->cfg->timeout, $3,
			    $<lineno>1);
		}
		| SMTP VRFY			{
			if (!gopt_seen(G_VRFY, $<lineno>1))
				ps->cfg->vrfy = 1;
		}
		| SMTP LIMIT limits
		;

retryopts	: retryopt
		| retryopts retryopt
		;

retryopt	: MIN STRING	{
			set_duration(G_RETRY_MIN, &ps->cfg->retry_min, $2,
			    $<lineno>1);
		}
		| MAX STRING	{
			set_duration(G_RETRY_MAX, &ps->cfg->retry_max, $2,
			    $<lineno>1);
		}
		;

limits		: limit
		| limits limit
		;

limit		: MAXRCPT STRING	{
			set_limit(G_MAXRCPT, &ps->cfg->max_rcpt, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXMAILS STRING	{
			set_limit(G_MAXMAILS, &ps->cfg->max_mails, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXCMDS STRING	{
			set_limit(G_MAXCMDS, &ps->cfg->max_cmds, $2, 1,
			    100000000, $<lineno>1);
		}
		| MAXERRORS STRING	{
			set_limit(G_MAXERRORS, &ps->cfg->max_errors, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXSESSIONS STRING	{
			set_limit(G_MAXSESSIONS, &ps->cfg->max_sessions, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXLINE STRING	{
			set_limit(G_MAXLINE, &ps->cfg->max_line, $2, 1000,
			    1048576, $<lineno>1);
		}
		;

%%

struct keywords {
	const char	*k_name;
	int		 k_val;
};

/* Sorted: bsearch(3). */
static const struct keywords keywords[] = {
	{ "action",		ACTION },
	{ "alias",		ALIAS },
	{ "allow",		ALLOW },
	{ "any",		ANY },
	{ "domain",		DOMAIN },
	{ "expand-only",	EXPANDONLY },
	{ "file",		FILE_ },
	{ "for",		FOR },
	{ "forward-only",	FORWARDONLY },
	{ "from",		FROM },
	{ "hostname",		HOSTNAME },
	{ "include",		INCLUDE },
	{ "limit",		LIMIT },
	{ "listen",		LISTEN },
	{ "lmtp",		LMTP },
	{ "local",		LOCAL },
	{ "mail-from",		MAILFROM },
	{ "maildir",		MAILDIR },
	{ "match",		MATCH },
	{ "max",		MAX },
	{ "max-commands",	MAXCMDS },
	{ "max-errors",		MAXERRORS },
	{ "max-line-length",	MAXLINE },
	{ "max-mails",		MAXMAILS },
	{ "max-message-size",	MAXMSGSIZE },
	{ "max-rcpt",		MAXRCPT },
	{ "max-sessions",	MAXSESSIONS },
	{ "mbox",		MBOX },
	{ "mda",		MDA },
	{ "min",		MIN },
	{ "on",			ON },
	{ "path",		PATH },
	{ "pipe",		PIPE },
	{ "port",		PORT },
	{ "queue",		QUEUE },
	{ "rcpt-to",		RCPTTO },
	{ "reject",		REJECT },
	{ "retry",		RETRY },
	{ "rundir",		RUNDIR },
	{ "smtp",		SMTP },
	{ "smtps",		SMTPS },
	{ "socket",		SOCKET },
	{ "src",		SRC },
	{ "submission",		SUBMISSION },
	{ "table",		TABLE },
	{ "tag",		TAG },
	{ "timeout",		TIMEOUT },
	{ "ttl",		TTL },
	{ "user",		USER },
	{ "userbase",		USERBASE },
	{ "virtual",		VIRTUAL },
	{ "vrfy",		VRFY },
};


static const char *gopt_names[G_COUNT] = {
	"hostname", "rundir", "queue path", "queue ttl", "queue retry min",
	"queue retry max", "smtp max-message-size", "smtp timeout",
	"smtp vrfy", "smtp limit max-rcpt", "smtp limit max-mails",
	"smtp limit max-commands", "smtp limit max-errors",
	"smtp limit max-sessions", "smtp limit max-line-length",
};

/*
 * Memory and diagnostics.
 */

static void *
palloc(size_t size)
{
	struct arena	*a;

	a = xcalloc(1, sizeof(*a) + size);
	a->next = ps->arena;
	ps->arena = a;
	return (a->data);
}

static char *
pstrdup(const char *s)
{
	size_t	 len = strlen(s) + 1;

	return (memcpy(palloc(len), s, len));
}

static void
diag_vadd(const char *fname, int line, int warning, const char *fmt,
    va_list ap)
{
	struct diag	*d;

	if (!warning && ps->stop)
		return;
	d = palloc(sizeof(*d));
	d->file = fname;
	d->line = line;
	d->warning = warning;
	if (!warning && ++ps->errors > MAX_ERRORS) {
		ps->stop = 1;
		(void)strlcpy(d->msg, "too many errors, giving up",
		    sizeof(d->msg));
	} else
		(void)vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	TAILQ_INSERT_TAIL(&ps->diags, d, entry);
}

static void
diag_add(int warning, int line, const char *fmt, va_list ap)
{
	diag_vadd(file != NULL ? file->name : "?", line, warning, fmt, ap);
}

static void
perr(int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_add(0, line, fmt, ap);
	va_end(ap);
}

static void
perr_at(const char *fname, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(fname, line, 0, fmt, ap);
	va_end(ap);
}

static void
pwarn_at(const char *fname, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(fname, line, 1, fmt, ap);
	va_end(ap);
}

/* "line N" in the file being read, "FILE:N" in another one. */
static const char *
loc(const char *fname, int line)
{
	static char	 buf[PATH_MAX + 32];

	if (file != NULL && fname != NULL && strcmp(fname, file->name) == 0)
		(void)snprintf(buf, sizeof(buf), "line %d", line);
	else
		(void)snprintf(buf, sizeof(buf), "%s:%d",
		    fname != NULL ? fname : "?", line);
	return (buf);
}

static void
diags_flush(void)
{
	struct diag	*d;
	struct sym	*sym;
	char		 msg[sizeof(d->msg)];

	TAILQ_FOREACH(d, &ps->diags, entry) {
		/* the parent has shown the warnings already */
		if (ps->buffer && d->warning)
			continue;
		if (d->macro == NULL)
			(void)strlcpy(msg, d->msg, sizeof(msg));
		else if ((sym = symfind(d->macro)) != NULL &&
		    sym->file != NULL)
			(void)snprintf(msg, sizeof(msg), "macro \"%s\" is used "
			    "before its definition at %s:%d", d->macro,
			    sym->file, sym->line);
		else
			(void)snprintf(msg, sizeof(msg), "unknown macro "
			    "\"%s\"", d->macro);
		if (ps->buffer)
			log_warnx("configuration: line %d: %s%s", d->line,
			    d->warning ? "warning: " : "", msg);
		else
			fprintf(stderr, "%s:%d: %s%s\n", d->file, d->line,
			    d->warning ? "warning: " : "", msg);
	}
	if (!ps->buffer)
		fflush(stderr);
}

/* Copy a value into a fixed field: -1 (reported) if empty or too long. */
static int
copy_str(char *dst, size_t size, const char *src, const char *what,
    int line)
{
	if (*src == '\0') {
		perr(line, "%s must not be empty", what);
		return (-1);
	}
	if (strlcpy(dst, src, size) >= size) {
		perr(line, "%s too long (at most %zu characters)", what,
		    size - 1);
		dst[0] = '\0';
		return (-1);
	}
	return (0);
}

/*
 * Files and the lexer.
 */

static struct file *
pushfile(const char *name, int line)
{
	struct file	*nf;
	FILE		*fp;
	size_t		 depth = 0;

	TAILQ_FOREACH(nf, &ps->files, entry)
		depth++;
	if (depth >= MAX_INCLUDE) {
		perr(line, "include nesting too deep (more than %d levels)",
		    MAX_INCLUDE);
		return (NULL);
	}
	if ((fp = fopen(name, "r")) == NULL) {
		if (depth == 0)
			fprintf(stderr, "%s: %s\n", name, strerror(errno));
		else
			perr(line, "cannot open \"%s\": %s", name,
			    strerror(errno));
		return (NULL);
	}
	nf = palloc(sizeof(*nf));
	nf->stream = fp;
	nf->name = pstrdup(name);
	nf->lineno = 1;
	TAILQ_INSERT_TAIL(&ps->files, nf, entry);
	return (nf);
}

static struct file *
pushbuffer(const char *buf, size_t len)
{
	struct file	*nf;

	nf = palloc(sizeof(*nf));
	nf->buf = buf;
	nf->len = len;
	nf->name = "configuration";
	nf->lineno = 1;
	TAILQ_INSERT_TAIL(&ps->files, nf, entry);
	return (nf);
}

static void
closefile(struct file *f)
{
	TAILQ_REMOVE(&ps->files, f, entry);
	if (f->stream != NULL)
		fclose(f->stream);
	free(f->ungetbuf);
}

static int
popfile(void)
{
	struct file	*prev;

	if ((prev = TAILQ_PREV(file, filelist, entry)) == NULL)
		return (EOF);
	closefile(file);
	file = prev;
	return (0);
}

static int
igetc(void)
{
	int	 c;

	for (;;) {
		if (file->ungetpos > 0) {
			c = file->ungetbuf[--file->ungetpos];
			if (c == START_EXPAND)
				ps->expanding = 1;
			else if (c == DONE_EXPAND)
				ps->expanding = 0;
			else
				return (c);
			continue;
		}
		if (file->stream != NULL)
			return (getc(file->stream));
		if (file->off < file->len)
			return ((unsigned char)file->buf[file->off++]);
		return (EOF);
	}
}

static int
lgetc(int quotec)
{
	int	 c, next;

	if (quotec)
		return (igetc());
	while ((c = igetc()) == '\\') {
		next = igetc();
		if (next != '\n') {
			c = next;
			break;
		}
		file->lineno++;
	}
	if (c == EOF) {
		/* A last line without a newline still ends a statement. */
		if (!file->eof_reached) {
			file->eof_reached = 1;
			return ('\n');
		}
		while (c == EOF) {
			if (file == topfile || popfile() == EOF)
				return (EOF);
			c = igetc();
		}
	}
	return (c);
}

static void
lungetc(int c)
{
	if (c == EOF)
		return;
	if (file->ungetpos >= file->ungetsize) {
		file->ungetsize = file->ungetsize ? file->ungetsize * 2 : 64;
		file->ungetbuf = xreallocarray(file->ungetbuf,
		    file->ungetsize, sizeof(*file->ungetbuf));
	}
	file->ungetbuf[file->ungetpos++] = c;
}

/* Skip the rest of the line (leaving the newline) after a lexer error. */
static int
findeol(void)
{
	int	 c;

	ps->lexerr = 1;
	ps->depth = 0;
	while ((c = lgetc(0)) != '\n' && c != EOF)
		;
	lungetc(c);
	return (ERROR);
}

static int
isword(int c)
{
	if (c == EOF)
		return (0);
	if (c >= 0x80)
		return (1);
	if (isalnum(c))
		return (1);
	return (ispunct(c) && strchr("(){}<>!=#,\"'", c) == NULL);
}

static int
kwcmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct keywords *)e)->k_name));
}

static void
hist_push(int type, const char *text)
{
	struct tok	*t;

	if (ps->nhist == HIST_MAX) {
		/* keep the statement's first token for the hints */
		memmove(&ps->hist[1], &ps->hist[2],
		    (HIST_MAX - 2) * sizeof(ps->hist[0]));
		ps->nhist--;
	}
	t = &ps->hist[ps->nhist++];
	t->type = type;
	if (text != NULL)
		(void)strlcpy(t->text, text, sizeof(t->text));
	else
		t->text[0] = '\0';
}

static int
lex_word(int c)
{
	const struct keywords	*kw;
	char			 buf[MAX_TOKLEN];
	size_t			 n = 0;

	do {
		if (n >= sizeof(buf) - 1) {
			perr(yylval.lineno, "word too long (at most %zu "
			    "characters)", sizeof(buf) - 1);
			return (findeol());
		}
		buf[n++] = (char)c;
	} while (isword(c = lgetc(0)));
	lungetc(c);
	buf[n] = '\0';
	kw = bsearch(buf, keywords, nitems(keywords), sizeof(keywords[0]),
	    kwcmp);
	if (kw != NULL) {
		hist_push(kw->k_val, buf);
		return (kw->k_val);
	}
	yylval.v.string = pstrdup(buf);
	hist_push(STRING, buf);
	return (STRING);
}

static int
lex_quoted(int quotec)
{
	char	 buf[MAX_TOKLEN];
	size_t	 n = 0;
	int	 c, next;

	for (;;) {
		if ((c = lgetc(quotec)) == EOF || c == '\n') {
			perr(yylval.lineno, "unterminated quoted string");
			lungetc(c);
			return (findeol());
		}
		if (c == quotec)
			break;
		if (c == '\\') {
			next = lgetc(quotec);
			if (next == quotec || next == '\\')
				c = next;
			else if (next == '\n') {
				file->lineno++;
				continue;
			} else
				lungetc(next);
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			perr(yylval.lineno, "invalid character 0x%02x in "
			    "quoted string", (unsigned)c);
			return (findeol());
		}
		if (n >= sizeof(buf) - 1) {
			perr(yylval.lineno, "quoted string too long (at most "
			    "%zu characters)", sizeof(buf) - 1);
			return (findeol());
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	yylval.v.string = pstrdup(buf);
	hist_push(STRING, buf);
	return (STRING);
}

/* <name>: a table reference; names are letters, digits, "_-.". */
static int
lex_tableref(void)
{
	char	 buf[NAME_MAX_CONF];
	size_t	 n = 0;
	int	 c;

	while (isascii(c = lgetc(0)) && (isalnum(c) || c == '_' ||
	    c == '-' || c == '.')) {
		if (n >= sizeof(buf) - 1) {
			perr(yylval.lineno, "table name too long (at most "
			    "%zu characters)", sizeof(buf) - 1);
			return (findeol());
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	if (c != '>' || n == 0) {
		lungetc(c);
		perr(yylval.lineno, "invalid table reference: expected "
		    "<name>");
		return (findeol());
	}
	yylval.v.string = pstrdup(buf);
	hist_push(TABLEREF, buf);
	return (TABLEREF);
}

/* After "$": push the macro's value back; 0 when expanded. */
static int
lex_macro(void)
{
	struct diag	*d;
	struct sym	*sym;
	char		 buf[NAME_MAX_CONF];
	const char	*p;
	size_t		 n = 0;
	int		 c;

	while (isascii(c = lgetc(0)) && (isalnum(c) || c == '_')) {
		if (n >= sizeof(buf) - 1) {
			perr(yylval.lineno, "macro name too long");
			return (findeol());
		}
		buf[n++] = (char)c;
	}
	lungetc(c);
	buf[n] = '\0';
	if (n == 0) {
		perr(yylval.lineno, "expected a macro name after \"$\"");
		return (findeol());
	}
	if ((sym = symfind(buf)) == NULL) {
		/* unknown, or defined later: decided at the end */
		perr(yylval.lineno, "unknown macro");
		if ((d = TAILQ_LAST(&ps->diags, diaglist)) != NULL &&
		    !ps->stop)
			d->macro = pstrdup(buf);
		return (findeol());
	}
	sym->used = 1;
	lungetc(DONE_EXPAND);
	for (p = sym->val + strlen(sym->val); p > sym->val; p--)
		lungetc((unsigned char)p[-1]);
	lungetc(START_EXPAND);
	return (0);
}

int
yylex(void)
{
	int	 c, tok;

	if (ps->stop)
		return (0);
	if (ps->hist_reset) {
		ps->nhist = 0;
		ps->hist_reset = 0;
		ps->lexerr = 0;
	}
top:
	while ((c = lgetc(0)) == ' ' || c == '\t' ||
	    (c == '\n' && ps->depth > 0))
		if (c == '\n')
			file->lineno++;
	yylval.lineno = file->lineno;
	if (c == '#') {
		while ((c = lgetc(0)) != '\n' && c != EOF)
			;
		if (c == '\n' && ps->depth > 0) {
			file->lineno++;
			goto top;
		}
	}
	if (c == '$' && !ps->expanding) {
		if ((tok = lex_macro()) == 0)
			goto top;
		return (tok);
	}
	switch (c) {
	case '\n':
		file->lineno++;
		hist_push('\n', NULL);
		ps->hist_reset = 1;
		return ('\n');
	case EOF:
		if (ps->depth > 0) {
			perr(ps->depth_line, "unterminated \"{\"");
			ps->depth = 0;
			ps->lexerr = 1;
		}
		hist_push(0, NULL);
		return (0);
	case '"':
	case '\'':
		return (lex_quoted(c));
	case '<':
		return (lex_tableref());
	case '{':
		if (ps->depth++ == 0)
			ps->depth_line = file->lineno;
		break;
	case '}':
		if (ps->depth > 0)
			ps->depth--;
		break;
	case '=':
	case ',':
	case '!':
		break;
	default:
		if (isword(c))
			return (lex_word(c));
		if (isprint(c))
			perr(yylval.lineno, "unexpected character \"%c\"", c);
		else
			perr(yylval.lineno, "unexpected character 0x%02x",
			    (unsigned)c);
		return (findeol());
	}
	hist_push(c, NULL);
	return (c);
}

/*
 * Syntax errors: name the offending token and what was expected after the
 * previous one, from the tokens of the statement read so far.
 */

static const char *
tokname(int type)
{
	static char	 buf[4][HIST_TEXT + 8];
	static int	 i;
	size_t		 k;
	char		*b = buf[i++ % 4];

	switch (type) {
	case 0:
		return ("end of file");
	case '\n':
		return ("end of line");
	case STRING:
	case TABLEREF:
	case ERROR:
		return (NULL);
	}
	for (k = 0; k < nitems(keywords); k++)
		if (keywords[k].k_val == type) {
			(void)snprintf(b, HIST_TEXT + 8, "\"%s\"",
			    keywords[k].k_name);
			return (b);
		}
	(void)snprintf(b, HIST_TEXT + 8, "\"%c\"", type);
	return (b);
}

static const char *
tokdesc(const struct tok *t)
{
	static char	 buf[2][HIST_TEXT + 16];
	static int	 i;
	const char	*name;
	char		*b = buf[i++ % 2];
	int		 more;

	if ((name = tokname(t->type)) != NULL)
		return (name);
	more = strlen(t->text) > 40;
	(void)snprintf(b, HIST_TEXT + 16, t->type == TABLEREF ? "<%.40s%s>" :
	    "\"%.40s%s\"", t->text, more ? "..." : "");
	return (b);
}

static const char *
hint_table(int prev, size_t n)
{
	if (n == 2)
		return ("a table name");
	if (n == 3)
		return ("a file path or \"{\"");
	if (ps->hist[2].type != '{' || prev == '}')
		return ("end of line");
	switch (prev) {
	case '{':
	case '=':
		return ("a value");
	case ',':
		return ("a value or \"}\"");
	}
	if (ps->hist[n - 3].type == '=')
		return ("\",\" or \"}\"");
	return ("\",\", \"=\" or \"}\"");
}

static const char *
hint_listen(int prev, size_t n)
{
	switch (prev) {
	case LISTEN:
		return ("\"on\"");
	case ON:
		return ("an address, an interface, a host name or \"socket\"");
	case PORT:
		return ("a port number, \"smtp\", \"submission\" or "
		    "\"smtps\"");
	case HOSTNAME:
		return ("a host name");
	case TAG:
		return ("a tag name");
	}
	return ("\"port\", \"hostname\", \"tag\" or end of line");
}

static const char *
hint_action(int prev, size_t n)
{
	if (n == 2)
		return ("an action name");
	if (n == 3)
		return ("\"mbox\", \"maildir\", \"lmtp\", \"mda\", "
		    "\"expand-only\" or \"forward-only\"");
	switch (prev) {
	case LMTP:
		return ("a destination (host:port or socket path)");
	case MDA:
		return ("a command");
	case ALIAS:
	case VIRTUAL:
	case USERBASE:
		return ("a table name like <name>");
	case USER:
		return ("a user name");
	case ALLOW:
		return ("\"pipe\", \"file\" or \"include\"");
	}
	return ("\"alias\", \"virtual\", \"userbase\", \"user\", \"allow\" "
	    "or end of line");
}

static const char *
hint_match(int prev, size_t n)
{
	switch (prev) {
	case FROM:
		return ("\"any\", \"local\", \"socket\", \"src\" or "
		    "\"mail-from\"");
	case FOR:
		return ("\"any\", \"local\", \"domain\" or \"rcpt-to\"");
	case SRC:
		return ("a table name like <name> or an address");
	case MAILFROM:
	case RCPTTO:
		return ("a table name like <name> or a mail address");
	case DOMAIN:
		return ("a table name like <name> or a domain name");
	case TAG:
		return ("a tag name");
	case '!':
		return ("\"from\", \"for\" or \"tag\"");
	case ACTION:
		return ("an action name");
	case REJECT:
		return ("end of line");
	}
	if (n >= 3 && prev == STRING && ps->hist[n - 3].type == ACTION)
		return ("end of line");
	return ("\"from\", \"for\", \"tag\", \"action\" or \"reject\"");
}

static const char *
hint_global(int first, int prev, size_t n)
{
	int	 second = ps->hist[1].type;

	switch (first) {
	case HOSTNAME:
		return (prev == HOSTNAME ? "a host name" : "end of line");
	case RUNDIR:
		return (prev == RUNDIR ? "a directory" : "end of line");
	case INCLUDE:
		return (prev == INCLUDE ? "a file name" : "end of line");
	case QUEUE:
		switch (prev) {
		case QUEUE:
			return ("\"path\", \"ttl\" or \"retry\"");
		case PATH:
			return ("a directory");
		case TTL:
		case MIN:
		case MAX:
			return ("a duration like 30s, 5m, 4h or 4d");
		case RETRY:
			return ("\"min\" or \"max\"");
		}
		return (second == RETRY ? "\"min\", \"max\" or end of line" :
		    "end of line");
	case SMTP:
		switch (prev) {
		case SMTP:
			return ("\"max-message-size\", \"limit\", \"timeout\" "
			    "or \"vrfy\"");
		case MAXMSGSIZE:
			return ("a size like 35M");
		case TIMEOUT:
			return ("a duration like 5m");
		case LIMIT:
			return ("\"max-rcpt\", \"max-mails\", "
			    "\"max-commands\", \"max-errors\", "
			    "\"max-sessions\" or \"max-line-length\"");
		case MAXRCPT:
		case MAXMAILS:
		case MAXCMDS:
		case MAXERRORS:
		case MAXSESSIONS:
		case MAXLINE:
			return ("a number");
		}
		return (second == LIMIT ? "\"max-rcpt\", \"max-mails\", "
		    "\"max-commands\", \"max-errors\", \"max-sessions\", "
		    "\"max-line-length\" or end of line" : "end of line");
	}
	return (NULL);
}

/* What was expected after the previous token; NULL: unknown directive. */
static const char *
hint(void)
{
	size_t	 n = ps->nhist;
	int	 first = ps->hist[0].type, prev = ps->hist[n - 2].type;

	switch (first) {
	case TABLE:
		return (hint_table(prev, n));
	case LISTEN:
		return (hint_listen(prev, n));
	case ACTION:
		return (hint_action(prev, n));
	case MATCH:
		return (hint_match(prev, n));
	case STRING:
		if (n == 2)
			return (NULL);
		return (n == 3 && prev == '=' ? "a value" : "end of line");
	}
	return (hint_global(first, prev, n));
}

/* Is the next token "=" (a keyword used as a macro name)? */
static int
peek_equal(void)
{
	int	 c, eq;

	while ((c = igetc()) == ' ' || c == '\t')
		;
	eq = c == '=';
	lungetc(c);
	return (eq);
}

void
yyerror(const char *msg)
{
	const struct tok	*bad, *first;
	const char		*exp;

	if (ps->lexerr || ps->stop)
		return;
	ps->lexerr = 1;
	ps->depth = 0;
	if (ps->nhist == 0) {
		perr(yylval.lineno, "%s", msg);
		return;
	}
	bad = &ps->hist[ps->nhist - 1];
	first = &ps->hist[0];
	/* keep a broken definition from causing "undefined" errors */
	if ((first->type == TABLE || first->type == ACTION) &&
	    ps->nhist >= 3 && ps->hist[1].type == STRING)
		def_add(first->type == TABLE ? K_TABLE : K_ACTION,
		    ps->hist[1].text, yylval.lineno, 1);
	if (ps->nhist == 1 && tokname(first->type) != NULL &&
	    first->type > 0xff && peek_equal()) {
		perr(yylval.lineno, "%s: %s is a keyword, not a macro name",
		    msg, tokdesc(first));
		return;
	}
	if (ps->nhist == 1 || (exp = hint()) == NULL) {
		perr(yylval.lineno, "%s: unknown directive %s: expected "
		    "\"action\", \"hostname\", \"include\", \"listen\", "
		    "\"match\", \"queue\", \"rundir\", \"smtp\", \"table\" or "
		    "a macro definition", msg, tokdesc(first));
		return;
	}
	perr(yylval.lineno, "%s: expected %s after %s, got %s", msg, exp,
	    tokdesc(&ps->hist[ps->nhist - 2]), tokdesc(bad));
}

/*
 * Macros.
 */

static struct sym *
symfind(const char *name)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(name, sym->name) == 0)
			return (sym);
	return (NULL);
}

/* A -D macro (persist) is not overridden by the file. */
static int
symset(const char *name, const char *val, int persist)
{
	struct sym	*sym;

	if ((sym = symfind(name)) != NULL) {
		if (sym->persist && !persist)
			return (0);
		free(sym->val);
		sym->val = xstrdup(val);
		sym->persist = persist;
		return (0);
	}
	sym = xcalloc(1, sizeof(*sym));
	sym->name = xstrdup(name);
	sym->val = xstrdup(val);
	sym->persist = persist;
	if (!persist && file != NULL) {
		sym->file = xstrdup(file->name);
		sym->line = yylval.lineno;
	}
	TAILQ_INSERT_TAIL(&symhead, sym, entry);
	return (0);
}

static void
symclear(void)
{
	struct sym	*sym, *next;

	for (sym = TAILQ_FIRST(&symhead); sym != NULL; sym = next) {
		next = TAILQ_NEXT(sym, entry);
		if (sym->persist)
			continue;
		TAILQ_REMOVE(&symhead, sym, entry);
		free(sym->name);
		free(sym->val);
		free(sym->file);
		free(sym);
	}
}

int
cmdline_symset(const char *s)
{
	const char	*eq, *p;
	char		*name;
	int		 ret;

	if ((eq = strchr(s, '=')) == NULL || eq == s)
		return (-1);
	for (p = s; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return (-1);
	name = xmalloc((size_t)(eq - s) + 1);
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	ret = symset(name, eq + 1, 1);
	free(name);
	return (ret);
}

/*
 * Definitions and references, resolved at the end.
 */

static struct def *
def_find(enum def_kind kind, const char *name)
{
	struct def	*d;

	for (d = ps->defs; d != NULL; d = d->next)
		if (d->kind == kind && strcmp(d->name, name) == 0)
			return (d);
	return (NULL);
}

static int
def_add(enum def_kind kind, const char *name, int line, int broken)
{
	struct def	*d;

	if ((d = def_find(kind, name)) != NULL) {
		if (!broken && !d->broken)
			perr(line, "%s \"%s\" is already defined at %s",
			    kind == K_TABLE ? "table" : "action", name,
			    loc(d->file, d->line));
		return (-1);
	}
	d = palloc(sizeof(*d));
	d->kind = kind;
	d->name = pstrdup(name);
	d->file = file->name;
	d->line = line;
	d->broken = broken;
	*ps->defs_tail = d;
	ps->defs_tail = &d->next;
	return (0);
}

static void
ref_add(enum def_kind kind, const char *name, const char *what,
    int need_map, int line)
{
	struct ref	*r;

	r = palloc(sizeof(*r));
	r->kind = kind;
	r->name = pstrdup(name);
	r->what = what;
	r->need_map = need_map;
	r->file = file->name;
	r->line = line;
	*ps->refs_tail = r;
	ps->refs_tail = &r->next;
}

/*
 * Global options.
 */

static int
gopt_seen(enum gopt o, int line)
{
	if (ps->seen[o]) {
		perr(line, "\"%s\" given twice (first at %s)", gopt_names[o],
		    loc(ps->seen_file[o], ps->seen[o]));
		return (1);
	}
	ps->seen[o] = line;
	ps->seen_file[o] = file->name;
	return (0);
}

static void
set_limit(enum gopt o, size_t *dst, const char *s, size_t min, size_t max,
    int line)
{
	const char	*errstr;
	long long	 v;

	if (gopt_seen(o, line))
		return;
	v = strtonum(s, (long long)min, (long long)max, &errstr);
	if (errstr != NULL)
		perr(line, "invalid value \"%s\" for \"%s\": expected a "
		    "number from %zu to %zu", s, gopt_names[o], min, max);
	else
		*dst = (size_t)v;
}

static void
set_duration(enum gopt o, time_t *dst, const char *s, int line)
{
	time_t	 t;

	if (gopt_seen(o, line))
		return;
	if (text_to_duration(s, &t) == -1 || t <= 0)
		perr(line, "invalid duration \"%s\" for \"%s\": expected a "
		    "number with an optional s, m, h or d suffix", s,
		    gopt_names[o]);
	else
		*dst = t;
}

static void
set_path(enum gopt o, char *dst, size_t size, const char *s, int line)
{
	if (gopt_seen(o, line))
		return;
	if (s[0] != '/')
		perr(line, "%s \"%s\" is not an absolute path", gopt_names[o],
		    s);
	else
		(void)copy_str(dst, size, s, gopt_names[o], line);
}

/*
 * Statements.
 */

static void
add_include(const char *path, int line)
{
	char		 buf[PATH_MAX];
	const char	*slash;
	struct file	*nf;

	if (ps->buffer) {
		perr(line, "include is not allowed here");
		return;
	}
	/* a relative path is relative to the including file */
	if (path[0] != '/' && (slash = strrchr(file->name, '/')) != NULL) {
		if (snprintf(buf, sizeof(buf), "%.*s/%s",
		    (int)(slash - file->name), file->name, path) >=
		    (int)sizeof(buf)) {
			perr(line, "include path too long");
			return;
		}
		path = buf;
	}
	if ((nf = pushfile(path, line)) != NULL) {
		log_debug("%s:%d: including %s", file->name, line, path);
		file = nf;
	}
}

static int
valid_table_name(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!isascii((unsigned char)*p) ||
		    (!isalnum((unsigned char)*p) && strchr("_-.", *p) == NULL))
			return (0);
	return (p != s && p - s < NAME_MAX_CONF);
}

/* Check the values of an inline table: -1 (reported) if bad. */
static int
table_check(const char *name, struct tval *tv, size_t *count, int *is_map)
{
	struct tval	*v, *w;
	size_t		 nkeys = 0;

	*count = 0;
	for (v = tv; v != NULL; v = v->next) {
		(*count)++;
		if (v->key != NULL)
			nkeys++;
		if (v->val[0] == '\0' ||
		    (v->key != NULL && v->key[0] == '\0')) {
			perr(v->line, "table \"%s\": empty value", name);
			return (-1);
		}
	}
	if (nkeys != 0 && nkeys != *count) {
		perr(tv->line, "table \"%s\": cannot mix values and "
		    "key = value pairs", name);
		return (-1);
	}
	for (v = tv; nkeys && v != NULL; v = v->next)
		for (w = v->next; w != NULL; w = w->next)
			if (strcmp(v->key, w->key) == 0) {
				perr(w->line, "table \"%s\": duplicate key "
				    "\"%s\"", name, w->key);
				return (-1);
			}
	*is_map = nkeys != 0;
	return (0);
}

static int
table_path(const char *name, const char **pathp, int line)
{
	const char	*path = *pathp, *p;
	struct stat	 sb;

	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	else {
		for (p = path; isalpha((unsigned char)*p); p++)
			;
		if (*p == ':' && p != path) {
			perr(line, "table \"%s\": unsupported backend "
			    "\"%.*s\": use file: or { ... }", name,
			    (int)(p - path), path);
			return (-1);
		}
	}
	if (path[0] != '/') {
		perr(line, "table \"%s\": \"%s\" is not an absolute path",
		    name, path);
		return (-1);
	}
	if (strlen(path) >= ARG_MAX_CONF) {
		perr(line, "table \"%s\": path too long", name);
		return (-1);
	}
	if (!ps->buffer && stat(path, &sb) == -1) {
		perr(line, "table \"%s\": cannot open \"%s\": %s", name, path,
		    strerror(errno));
		return (-1);
	}
	if (!ps->buffer && !S_ISREG(sb.st_mode)) {
		perr(line, "table \"%s\": \"%s\" is not a regular file", name,
		    path);
		return (-1);
	}
	*pathp = path;
	return (0);
}

static void
add_table(const char *name, const char *path, struct tval *tv, int line)
{
	struct table	*t;
	struct tval	*v;
	size_t		 count = 0, i;
	int		 is_map = 0;

	if (!valid_table_name(name)) {
		perr(line, "invalid table name \"%s\": use up to %d letters, "
		    "digits, \"_\", \"-\" and \".\"", name, NAME_MAX_CONF - 1);
		return;
	}
	if (def_add(K_TABLE, name, line, 0) == -1)
		return;
	if (path != NULL && table_path(name, &path, line) == -1)
		return;
	if (path == NULL && table_check(name, tv, &count, &is_map) == -1)
		return;
	t = xcalloc(1, sizeof(*t));
	(void)strlcpy(t->name, name, sizeof(t->name));
	t->line = line;
	if (path != NULL) {
		t->backend = TABLE_FILE;
		(void)strlcpy(t->path, path, sizeof(t->path));
	} else {
		t->backend = TABLE_STATIC;
		t->is_map = is_map;
		t->count = count;
		t->keys = xcalloc(count, sizeof(char *));
		if (is_map)
			t->values = xcalloc(count, sizeof(char *));
		for (i = 0, v = tv; v != NULL; v = v->next, i++) {
			t->keys[i] = xstrdup(is_map ? v->key : v->val);
			if (is_map)
				t->values[i] = xstrdup(v->val);
		}
	}
	TAILQ_INSERT_TAIL(&ps->cfg->tables, t, entry);
}

static void
listen_port(struct listener *l, const char *s, int line)
{
	const char	*errstr;

	if (l->port != 0) {
		perr(line, "\"port\" given twice");
		return;
	}
	if (strcmp(s, "smtp") == 0)
		l->port = 25;
	else if (strcmp(s, "submission") == 0)
		l->port = 587;
	else if (strcmp(s, "smtps") == 0)
		l->port = 465;
	else {
		l->port = (in_port_t)strtonum(s, 1, 65535, &errstr);
		if (errstr != NULL)
			perr(line, "invalid port \"%s\": expected 1 to 65535, "
			    "\"smtp\", \"submission\" or \"smtps\"", s);
	}
}

static void
listen_str(char *dst, size_t size, const char *what, const char *s,
    int line)
{
	char	 buf[HOST_MAX];

	if (dst[0] != '\0') {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	if (strcmp(what, "hostname") == 0) {
		(void)strlcpy(buf, s, sizeof(buf));
		if (!valid_domain_part(lowercase(buf))) {
			perr(line, "invalid hostname \"%s\"", s);
			return;
		}
		s = buf;
	}
	(void)copy_str(dst, size, s, what, line);
}

static void
add_listener(int kind, const char *on, struct listener *l, int line)
{
	struct listener	*x;

	if (kind == L_SOCKET && l->port != 0) {
		perr(line, "listen on socket does not take a port");
		return;
	}
	if (kind == L_INET) {
		if (copy_str(l->on, sizeof(l->on), on, "listen address",
		    line) == -1)
			return;
		if (l->port == 0)
			l->port = 25;
	}
	TAILQ_FOREACH(x, &ps->cfg->listeners, entry) {
		if (x->kind != kind)
			continue;
		if (kind == L_SOCKET) {
			perr(line, "duplicate \"listen on socket\" (first at "
			    "line %d)", x->line);
			return;
		}
		if (strcmp(x->on, l->on) == 0 && x->port == l->port) {
			perr(line, "duplicate listener on \"%s\" port %d "
			    "(first at line %d)", l->on, l->port, x->line);
			return;
		}
	}
	x = xmalloc(sizeof(*x));
	*x = *l;
	x->kind = kind;
	x->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->listeners, x, entry);
}

static struct action *
action_method(enum action_method m, const char *arg, int line)
{
	static const char *what[] = {
		"mbox path", "maildir path", "lmtp destination",
		"mda command", "", ""
	};
	struct action	*a;

	a = palloc(sizeof(*a));
	a->method = m;
	if (arg != NULL)
		(void)copy_str(a->arg, sizeof(a->arg), arg, what[m], line);
	else if (m == A_MBOX)
		(void)strlcpy(a->arg, SMTPD_MAILDIR "/%{user.username}",
		    sizeof(a->arg));
	else if (m == A_MAILDIR)
		(void)strlcpy(a->arg, "~/Maildir", sizeof(a->arg));
	return (a);
}

static void
action_table(struct action *a, char *dst, size_t size, const char *what,
    const char *name, int line)
{
	if (dst[0] != '\0') {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	(void)strlcpy(dst, name, size);
	ref_add(K_TABLE, name, what, 1, line);
}

static void
action_user(struct action *a, const char *user, int line)
{
	if (a->user[0] != '\0') {
		perr(line, "\"user\" given twice");
		return;
	}
	(void)copy_str(a->user, sizeof(a->user), user, "user", line);
}

static void
action_allow(struct action *a, uint32_t flag, const char *what, int line)
{
	if (a->flags & flag)
		perr(line, "\"allow %s\" given twice", what);
	a->flags |= flag;
}

static void
add_action(const char *name, struct action *a, int line)
{
	struct action	*x;

	if (copy_str(a->name, sizeof(a->name), name, "action name",
	    line) == -1 || def_add(K_ACTION, name, line, 0) == -1)
		return;
	if (a->alias[0] != '\0' && a->virtual[0] != '\0')
		perr(line, "action \"%s\": \"alias\" and \"virtual\" are "
		    "mutually exclusive", name);
	if (a->method == A_MBOX && a->user[0] != '\0')
		perr(line, "action \"%s\": \"user\" cannot be used with mbox, "
		    "which delivers as the recipient", name);
	if ((a->method == A_EXPAND_ONLY || a->method == A_FORWARD_ONLY) &&
	    a->alias[0] == '\0' && a->virtual[0] == '\0')
		perr(line, "action \"%s\": %s needs \"alias\" or \"virtual\"",
		    name, a->method == A_EXPAND_ONLY ? "expand-only" :
		    "forward-only");
	x = xmalloc(sizeof(*x));
	*x = *a;
	x->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->actions, x, entry);
}

static int
valid_netaddr(const char *s)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	unsigned char	 addr[sizeof(struct in6_addr)];
	const char	*errstr;
	char		*slash;
	int		 af;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return (0);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		af = AF_INET6;
	else
		return (0);
	if (slash != NULL) {
		(void)strtonum(slash, 0, af == AF_INET ? 32 : 128, &errstr);
		if (errstr != NULL)
			return (0);
	}
	return (1);
}

static struct rule_cond *
cond_new(enum cond_kind kind, const char *table, const char *value,
    int line)
{
	static const char *what[] = {
		"", "", "", "", "from src", "from mail-from", "for domain",
		"for rcpt-to"
	};
	struct rule_cond	*c;
	char			 buf[HOST_MAX];

	c = palloc(sizeof(*c));
	c->kind = kind;
	if (table != NULL) {
		(void)strlcpy(c->table, table, sizeof(c->table));
		ref_add(K_TABLE, table, what[kind], 0, line);
	} else if (value != NULL) {
		if (kind == C_SRC && !valid_netaddr(value)) {
			perr(line, "invalid address \"%s\" after \"src\": "
			    "expected an IP address or network", value);
			return (c);
		}
		if (kind == C_DOMAIN) {
			(void)strlcpy(buf, value, sizeof(buf));
			value = lowercase(buf);
		}
		(void)copy_str(c->value, sizeof(c->value), value, what[kind],
		    line);
	}
	return (c);
}

static void
rule_cond(struct rule *r, struct rule_cond *c, int neg, const char *what,
    int line)
{
	struct rule_cond	*dst;

	dst = strcmp(what, "from") == 0 ? &r->from : &r->dest;
	if (dst->kind != C_NONE) {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	*dst = *c;
	dst->neg = neg;
}

static void
rule_tag(struct rule *r, int neg, const char *tag, int line)
{
	if (r->tag[0] != '\0') {
		perr(line, "\"tag\" given twice");
		return;
	}
	if (copy_str(r->tag, sizeof(r->tag), tag, "tag", line) == 0)
		r->tag_neg = neg;
}

static int
rule_catchall(const struct rule *r)
{
	return (r->from.kind == C_ANY && !r->from.neg &&
	    r->dest.kind == C_ANY && !r->dest.neg && r->tag[0] == '\0');
}

static void
add_rule(struct rule *r, const char *action, int line)
{
	struct rule	*x;

	if (r->from.kind == C_NONE)
		r->from.kind = C_LOCAL;
	if (r->dest.kind == C_NONE)
		r->dest.kind = C_LOCAL;
	if (action == NULL)
		r->reject = 1;
	else if (copy_str(r->action, sizeof(r->action), action,
	    "action name", line) == 0)
		ref_add(K_ACTION, action, "match", 0, line);
	TAILQ_FOREACH(x, &ps->cfg->rules, entry)
		if (rule_catchall(x)) {
			pwarn_at(file->name, line, "rule is unreachable: the "
			    "rule at line %d matches all mail", x->line);
			break;
		}
	x = xmalloc(sizeof(*x));
	*x = *r;
	x->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->rules, x, entry);
}

/*
 * End of input: references, defaults.
 */

static void
check_references(void)
{
	struct ref	*r;
	struct def	*d;
	struct table	*t;

	for (r = ps->refs; r != NULL; r = r->next) {
		if ((d = def_find(r->kind, r->name)) == NULL) {
			/* built in, provided by lka */
			if (r->kind == K_TABLE &&
			    (strcmp(r->name, "localhost") == 0 ||
			    strcmp(r->name, "localnames") == 0 ||
			    strcmp(r->name, "getpwnam") == 0))
				continue;
			if (r->kind == K_TABLE)
				perr_at(r->file, r->line, "undefined table "
				    "<%s>", r->name);
			else
				perr_at(r->file, r->line, "undefined action "
				    "\"%s\"", r->name);
			continue;
		}
		if (r->kind != K_TABLE || !r->need_map ||
		    (t = config_table(ps->cfg, r->name)) == NULL)
			continue;
		if (t->backend == TABLE_STATIC && !t->is_map)
			perr_at(r->file, r->line, "table <%s> is a list, but "
			    "\"%s\" needs key = value pairs", r->name,
			    r->what);
	}
	for (d = ps->defs; d != NULL; d = d->next) {
		if (d->kind != K_ACTION || d->broken)
			continue;
		for (r = ps->refs; r != NULL; r = r->next)
			if (r->kind == K_ACTION &&
			    strcmp(r->name, d->name) == 0)
				break;
		if (r == NULL)
			pwarn_at(d->file, d->line, "action \"%s\" is never "
			    "used", d->name);
	}
}

static void
check_rules(void)
{
	struct smtpd_config	*cfg = ps->cfg;
	enum gopt		 o;
	char			 min[32];

	if (cfg->retry_min <= cfg->retry_max)
		return;
	o = ps->seen[G_RETRY_MIN] > ps->seen[G_RETRY_MAX] ? G_RETRY_MIN :
	    G_RETRY_MAX;
	(void)strlcpy(min, duration_to_text(cfg->retry_min), sizeof(min));
	perr_at(ps->seen_file[o], ps->seen[o], "queue retry min %s is "
	    "greater than max %s", min, duration_to_text(cfg->retry_max));
}

static void
default_hostname(char *buf, size_t size)
{
	char	 line[HOST_MAX];
	FILE	*fp;

	buf[0] = '\0';
	if ((fp = fopen(SMTPD_MAILNAME, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL) {
			line[strcspn(line, " \t\r\n")] = '\0';
			if (valid_domain_part(lowercase(line)))
				(void)strlcpy(buf, line, size);
		}
		fclose(fp);
	}
	if (buf[0] == '\0' && gethostname(line, sizeof(line)) == 0) {
		line[sizeof(line) - 1] = '\0';
		(void)strlcpy(buf, lowercase(line), size);
	}
	if (buf[0] == '\0')
		(void)strlcpy(buf, "localhost", size);
}

static void
config_defaults(struct smtpd_config *cfg)
{
	struct listener	*l;
	uint32_t	 i = 0;

	if (cfg->hostname[0] == '\0')
		default_hostname(cfg->hostname, sizeof(cfg->hostname));
	TAILQ_FOREACH(l, &cfg->listeners, entry)
		if (l->kind == L_SOCKET)
			break;
	if (l == NULL) {
		l = xcalloc(1, sizeof(*l));
		l->kind = L_SOCKET;
		TAILQ_INSERT_TAIL(&cfg->listeners, l, entry);
	}
	TAILQ_FOREACH(l, &cfg->listeners, entry)
		l->index = i++;
}

/*
 * Entry points.
 */

static void
parse_begin(struct parse *p, int buffer, int verbose)
{
	memset(p, 0, sizeof(*p));
	TAILQ_INIT(&p->diags);
	TAILQ_INIT(&p->files);
	p->defs_tail = &p->defs;
	p->refs_tail = &p->refs;
	p->buffer = buffer;
	p->verbose = verbose;
	p->cfg = config_new();
	ps = p;
	symclear();
}

static void
parse_end(void)
{
	struct arena	*a;

	while (!TAILQ_EMPTY(&ps->files))
		closefile(TAILQ_FIRST(&ps->files));
	while ((a = ps->arena) != NULL) {
		ps->arena = a->next;
		free(a);
	}
	symclear();
	file = topfile = NULL;
	ps = NULL;
}

static int
parse_run(struct smtpd_config *cfg)
{
	(void)yyparse();
	if (!ps->stop && ps->errors == 0)
		check_rules();
	if (!ps->stop) {
		check_references();
		config_defaults(cfg);
	}
	diags_flush();
	return (ps->errors == 0 ? 0 : -1);
}

struct smtpd_config *
parse_config(const char *path, int verbose)
{
	struct parse		 p;
	struct smtpd_config	*cfg;

	parse_begin(&p, 0, verbose);
	cfg = p.cfg;
	if ((file = pushfile(path, 0)) == NULL) {
		parse_end();
		config_free(cfg);
		return (NULL);
	}
	topfile = file;
	if (parse_run(cfg) == -1) {
		config_free(cfg);
		cfg = NULL;
	}
	parse_end();
	return (cfg);
}

struct smtpd_config *
parse_config_buffer(const char *buf, size_t len)
{
	struct parse		 p;
	struct smtpd_config	*cfg;

	parse_begin(&p, 1, 0);
	cfg = p.cfg;
	file = topfile = pushbuffer(buf, len);
	if (parse_run(cfg) == -1) {
		config_free(cfg);
		cfg = NULL;
	}
	parse_end();
	return (cfg);
}
