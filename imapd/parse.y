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
 * parse.y -- the imapd.conf(5) parser, on the lexer smtpd.conf(5) uses
 * (common/lex.c): macros, include, "file:line: message" diagnostics, all
 * of them before failing.
 *
 * imapd_parse_config() reads a file; imapd_parse_buffer() reads the text
 * imapd_config_text() makes, which the parent hands to its children (no
 * include; table files are not checked: a chrooted child cannot see
 * them).
 */

%{
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lex.h"
#include "log.h"
#include "util.h"
#include "imapd.h"

struct parse {
	struct lex_state	 lx;		/* first: lex_parse() */
	struct imapd_config	*cfg;
	int			 seen_auth, seen_maildir, seen_userbase;
	int			 seen_hostname, seen_login, seen_quota;
	int			 seen_idle, seen_append, seen_cuser, seen_caddr;
	int			 seen_rundir;
	const char		*auth_file;
	int			 auth_line;
	const char		*ub_file;
	int			 ub_line;
};

typedef struct {
	union {
		char			*string;
		struct imapd_listener	*listener;
	} v;
	int lineno;
} YYSTYPE;
#define YYSTYPE_IS_DECLARED 1

static struct parse	*ps;

int		 yylex(void);
void		 yyerror(const char *);
int		 yyparse(void);

static int	 once(int *, const char *, int);
static void	 add_pki(const char *, const char *, const char *, int);
static void	 add_table(const char *, const char *, int);
static int	 valid_name(const char *);
static void	 listen_port(struct imapd_listener *, const char *, int);
static void	 listen_flag(struct imapd_listener *, unsigned int,
		    const char *, int);
static void	 listen_pki(struct imapd_listener *, const char *, int);
static void	 add_listener(const char *, struct imapd_listener *, int);
static void	 set_auth(const char *, int);
static void	 set_maildir(char *, size_t, const char *, int, int);
static void	 set_userbase(const char *, const char *, const char *, int);
static void	 set_count(int *, size_t *, const char *, const char *, int);
static void	 set_idle(const char *, int);
static void	 set_size(int *, const char *, const char *, int, uint64_t *,
		    size_t *);
static void	 set_hostname(const char *, int);
static void	 set_login(enum login_plain, int);
static void	 check_config(void);
%}

%token	ALLOW APPENDSIZE AUTH CERT CONNECTIONS DENY HOSTNAME IDLETIMEOUT
%token	IMAPS INCLUDE KEY LIMIT LISTEN LOGIN LOOPBACK MAILDIR ON PERADDRESS
%token	PERUSER PKI PLAINTEXT PORT QUOTA RUNDIR TABLE TLS TLSREQUIRE USER
%token	USERBASE
%token	ERROR
%token	<v.string>	STRING TABLEREF
%type	<v.listener>	listenopts

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include
		| grammar varset '\n'
		| grammar stmt '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE STRING		{ lex_include($2, $<lineno>1); }
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

stmt		: PKI STRING CERT STRING KEY STRING {
			add_pki($2, $4, $6, $<lineno>1);
		}
		| PKI STRING CERT STRING	{
			add_pki($2, $4, NULL, $<lineno>1);
		}
		| PKI STRING KEY STRING		{
			add_pki($2, NULL, $4, $<lineno>1);
		}
		| TABLE STRING STRING		{
			add_table($2, $3, $<lineno>1);
		}
		| LISTEN ON STRING listenopts	{
			add_listener($3, $4, $<lineno>1);
		}
		| AUTH TABLEREF			{ set_auth($2, $<lineno>1); }
		| MAILDIR STRING		{
			if (!once(&ps->seen_maildir, "maildir", $<lineno>1))
				set_maildir(ps->cfg->maildir,
				    sizeof(ps->cfg->maildir), $2, 1,
				    $<lineno>1);
		}
		| USERBASE TABLEREF USER STRING MAILDIR STRING {
			set_userbase($2, $4, $6, $<lineno>1);
		}
		| LIMIT limits
		| QUOTA STRING			{
			set_size(&ps->seen_quota, "quota", $2, $<lineno>1,
			    &ps->cfg->quota, NULL);
		}
		| HOSTNAME STRING		{ set_hostname($2, $<lineno>1); }
		| RUNDIR STRING			{
			if (once(&ps->seen_rundir, "rundir", $<lineno>1))
				;
			else if ($2[0] != '/' || strlen($2) >= 80)
				perr($<lineno>1, "rundir \"%s\": expected an "
				    "absolute path of at most 79 characters",
				    $2);
			else
				(void)strlcpy(ps->cfg->rundir, $2,
				    sizeof(ps->cfg->rundir));
		}
		| LOGIN PLAINTEXT LOOPBACK	{
			set_login(LOGIN_PLAIN_LOOPBACK, $<lineno>1);
		}
		| LOGIN PLAINTEXT ALLOW		{
			set_login(LOGIN_PLAIN_ALLOW, $<lineno>1);
		}
		| LOGIN PLAINTEXT DENY		{
			set_login(LOGIN_PLAIN_DENY, $<lineno>1);
		}
		;

limits		: limit
		| limits limit
		;

limit		: CONNECTIONS connlimits
		| IDLETIMEOUT STRING		{ set_idle($2, $<lineno>1); }
		| APPENDSIZE STRING		{
			set_size(&ps->seen_append, "append-size", $2,
			    $<lineno>1, NULL, &ps->cfg->append_size);
		}
		;

connlimits	: connlimit
		| connlimits connlimit
		;

connlimit	: PERUSER STRING		{
			set_count(&ps->seen_cuser, &ps->cfg->max_conn_user,
			    "per-user", $2, $<lineno>1);
		}
		| PERADDRESS STRING		{
			set_count(&ps->seen_caddr, &ps->cfg->max_conn_addr,
			    "per-address", $2, $<lineno>1);
		}
		;

listenopts	: /* empty */			{
			$$ = palloc(sizeof(*$$));
		}
		| listenopts PORT STRING	{
			listen_port($1, $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts TLS		{
			listen_flag($1, IL_TLS, "tls", $<lineno>2);
			$$ = $1;
		}
		| listenopts TLSREQUIRE		{
			listen_flag($1, IL_TLS | IL_TLS_REQUIRE,
			    "tls-require", $<lineno>2);
			$$ = $1;
		}
		| listenopts IMAPS		{
			listen_flag($1, IL_IMAPS, "imaps", $<lineno>2);
			$$ = $1;
		}
		| listenopts PKI STRING		{
			listen_pki($1, $3, $<lineno>2);
			$$ = $1;
		}
		;

%%

/* Sorted: bsearch(3). */
static const struct lex_keyword keywords[] = {
	{ "allow",		ALLOW },
	{ "append-size",	APPENDSIZE },
	{ "auth",		AUTH },
	{ "cert",		CERT },
	{ "connections",	CONNECTIONS },
	{ "deny",		DENY },
	{ "hostname",		HOSTNAME },
	{ "idle-timeout",	IDLETIMEOUT },
	{ "imaps",		IMAPS },
	{ "include",		INCLUDE },
	{ "key",		KEY },
	{ "limit",		LIMIT },
	{ "listen",		LISTEN },
	{ "login",		LOGIN },
	{ "loopback",		LOOPBACK },
	{ "maildir",		MAILDIR },
	{ "on",			ON },
	{ "per-address",	PERADDRESS },
	{ "per-user",		PERUSER },
	{ "pki",		PKI },
	{ "plaintext",		PLAINTEXT },
	{ "port",		PORT },
	{ "quota",		QUOTA },
	{ "rundir",		RUNDIR },
	{ "table",		TABLE },
	{ "tls",		TLS },
	{ "tls-require",	TLSREQUIRE },
	{ "user",		USER },
	{ "userbase",		USERBASE },
};

static const struct lex_grammar grammar = {
	.keywords = keywords,
	.nkeywords = sizeof(keywords) / sizeof(keywords[0]),
	.t_string = STRING,
	.t_tableref = TABLEREF,
	.t_error = ERROR,
	.name_max = IMAPD_NAME_MAX,
};

int
yylex(void)
{
	int	 tok;

	tok = lex_next();
	yylval.v.string = lexval.string;
	yylval.lineno = lexval.lineno;
	return (tok);
}

void
yyerror(const char *msg)
{
	struct lex_state	*lx = lex_parse();
	const struct tok	*bad;

	if (lx->lexerr || lx->stop)
		return;
	lx->lexerr = 1;
	lx->depth = 0;
	if (lx->nhist == 0) {
		perr(yylval.lineno, "%s", msg);
		return;
	}
	bad = &lx->hist[lx->nhist - 1];
	/* a word that is no keyword, not followed by "=" */
	if (lx->nhist == 1 || lex_tokname(lx->hist[0].type) == NULL) {
		bad = &lx->hist[0];
		perr(yylval.lineno, "%s: unknown directive %s: expected "
		    "\"auth\", \"hostname\", \"include\", \"limit\", "
		    "\"listen\", \"login\", \"maildir\", \"pki\", \"quota\", "
		    "\"rundir\", \"table\", \"userbase\" or a macro "
		    "definition", msg,
		    lex_tokdesc(bad));
		return;
	}
	perr(yylval.lineno, "%s: unexpected %s after %s", msg,
	    lex_tokdesc(bad), lex_tokdesc(&lx->hist[lx->nhist - 2]));
}

/*
 * Statements.
 */

static int
once(int *seen, const char *what, int line)
{
	if (*seen) {
		perr(line, "\"%s\" given twice (first at line %d)", what,
		    *seen);
		return (1);
	}
	*seen = line;
	return (0);
}

static int
valid_name(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!isascii((unsigned char)*p) ||
		    (!isalnum((unsigned char)*p) && strchr("_-.", *p) == NULL))
			return (0);
	return (p != s && p - s < IMAPD_NAME_MAX);
}

struct imapd_pki *
imapd_pki_find(const struct imapd_config *cfg, const char *name)
{
	struct imapd_pki	*p;

	TAILQ_FOREACH(p, &cfg->pkis, entry)
		if (strcmp(p->name, name) == 0)
			return (p);
	return (NULL);
}

struct imapd_table *
imapd_table_find(const struct imapd_config *cfg, const char *name)
{
	struct imapd_table	*t;

	TAILQ_FOREACH(t, &cfg->tables, entry)
		if (strcmp(t->name, name) == 0)
			return (t);
	return (NULL);
}

static int
pki_file(const char *name, const char *what, const char *path, int line)
{
	if (*path != '/') {
		perr(line, "pki \"%s\": %s file \"%s\" must be an absolute "
		    "path", name, what, path);
		return (-1);
	}
	if (strlen(path) >= PATH_MAX) {
		perr(line, "pki \"%s\": path too long", name);
		return (-1);
	}
	return (0);
}

static void
add_pki(const char *name, const char *cert, const char *key, int line)
{
	struct imapd_pki	*p;

	if (!valid_name(name)) {
		perr(line, "invalid pki name \"%s\": use up to %d letters, "
		    "digits, \"_\", \"-\" and \".\"", name,
		    IMAPD_NAME_MAX - 1);
		return;
	}
	if ((cert != NULL && pki_file(name, "cert", cert, line) == -1) ||
	    (key != NULL && pki_file(name, "key", key, line) == -1))
		return;
	if ((p = imapd_pki_find(ps->cfg, name)) == NULL) {
		p = xcalloc(1, sizeof(*p));
		(void)strlcpy(p->name, name, sizeof(p->name));
		p->line = line;
		TAILQ_INSERT_TAIL(&ps->cfg->pkis, p, entry);
	}
	if (cert != NULL) {
		if (p->cert[0] != '\0')
			perr(line, "pki \"%s\": cert given twice", name);
		else
			(void)strlcpy(p->cert, cert, sizeof(p->cert));
	}
	if (key != NULL) {
		if (p->key[0] != '\0')
			perr(line, "pki \"%s\": key given twice", name);
		else
			(void)strlcpy(p->key, key, sizeof(p->key));
	}
}

static void
add_table(const char *name, const char *path, int line)
{
	struct imapd_table	*t;
	struct stat		 sb;
	const char		*p;

	if (!valid_name(name)) {
		perr(line, "invalid table name \"%s\": use up to %d letters, "
		    "digits, \"_\", \"-\" and \".\"", name,
		    IMAPD_NAME_MAX - 1);
		return;
	}
	if ((t = imapd_table_find(ps->cfg, name)) != NULL) {
		perr(line, "table \"%s\" is already defined at line %d",
		    name, t->line);
		return;
	}
	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	else {
		for (p = path; isalpha((unsigned char)*p); p++)
			;
		if (*p == ':' && p != path) {
			perr(line, "table \"%s\": unsupported backend "
			    "\"%.*s\": use file:", name, (int)(p - path),
			    path);
			return;
		}
	}
	if (path[0] != '/') {
		perr(line, "table \"%s\": \"%s\" is not an absolute path",
		    name, path);
		return;
	}
	if (strlen(path) >= PATH_MAX) {
		perr(line, "table \"%s\": path too long", name);
		return;
	}
	if (!ps->lx.buffer && stat(path, &sb) == -1) {
		perr(line, "table \"%s\": cannot open \"%s\": %s", name, path,
		    strerror(errno));
		return;
	}
	if (!ps->lx.buffer && !S_ISREG(sb.st_mode)) {
		perr(line, "table \"%s\": \"%s\" is not a regular file", name,
		    path);
		return;
	}
	t = xcalloc(1, sizeof(*t));
	(void)strlcpy(t->name, name, sizeof(t->name));
	(void)strlcpy(t->path, path, sizeof(t->path));
	t->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->tables, t, entry);
}

static void
listen_port(struct imapd_listener *l, const char *s, int line)
{
	const char	*errstr;

	if (l->port != 0) {
		perr(line, "\"port\" given twice");
		return;
	}
	if (strcmp(s, "imap") == 0)
		l->port = IMAPD_PORT;
	else if (strcmp(s, "imaps") == 0)
		l->port = IMAPD_PORT_IMAPS;
	else {
		l->port = (in_port_t)strtonum(s, 1, 65535, &errstr);
		if (errstr != NULL)
			perr(line, "invalid port \"%s\": expected 1 to 65535, "
			    "\"imap\" or \"imaps\"", s);
	}
}

static void
listen_flag(struct imapd_listener *l, unsigned int flag, const char *what,
    int line)
{
	if (l->flags & (IL_TLS | IL_IMAPS)) {
		perr(line, "\"%s\": only one of \"tls\", \"tls-require\" and "
		    "\"imaps\" may be given", what);
		return;
	}
	l->flags |= flag;
}

static void
listen_pki(struct imapd_listener *l, const char *name, int line)
{
	if (l->pki[0] != '\0') {
		perr(line, "\"pki\" given twice");
		return;
	}
	if (strlcpy(l->pki, name, sizeof(l->pki)) >= sizeof(l->pki))
		perr(line, "pki name \"%s\" too long", name);
}

static void
add_listener(const char *on, struct imapd_listener *opts, int line)
{
	struct imapd_listener	*l;

	if (*on == '\0' || strlen(on) >= sizeof(l->on)) {
		perr(line, "invalid interface or address \"%s\"", on);
		return;
	}
	if ((opts->flags & (IL_TLS | IL_IMAPS)) && opts->pki[0] == '\0') {
		perr(line, "listen on %s: %s needs \"pki NAME\"", on,
		    opts->flags & IL_IMAPS ? "\"imaps\"" : "\"tls\"");
		return;
	}
	if (opts->pki[0] != '\0' && !(opts->flags & (IL_TLS | IL_IMAPS))) {
		perr(line, "listen on %s: \"pki\" without \"tls\", "
		    "\"tls-require\" or \"imaps\"", on);
		return;
	}
	l = xcalloc(1, sizeof(*l));
	(void)strlcpy(l->on, on, sizeof(l->on));
	l->flags = opts->flags;
	(void)strlcpy(l->pki, opts->pki, sizeof(l->pki));
	l->port = opts->port != 0 ? opts->port :
	    (opts->flags & IL_IMAPS) ? IMAPD_PORT_IMAPS : IMAPD_PORT;
	l->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->listeners, l, entry);
}

static void
set_auth(const char *table, int line)
{
	if (once(&ps->seen_auth, "auth", line))
		return;
	(void)strlcpy(ps->cfg->auth, table, sizeof(ps->cfg->auth));
	ps->auth_file = lex_filename();
	ps->auth_line = line;
}

/* "~/..." (system users: relative to home) or an absolute path. */
static void
set_maildir(char *dst, size_t size, const char *s, int tilde, int line)
{
	if (!(s[0] == '/' || (tilde && s[0] == '~' && s[1] == '/'))) {
		perr(line, "maildir \"%s\": expected an absolute path%s", s,
		    tilde ? " or one starting with \"~/\"" : "");
		return;
	}
	if (strstr(s, "/../") != NULL || (strlen(s) >= 3 &&
	    strcmp(s + strlen(s) - 3, "/..") == 0)) {
		perr(line, "maildir \"%s\": \"..\" is not allowed", s);
		return;
	}
	if (strlcpy(dst, s, size) >= size)
		perr(line, "maildir \"%s\": path too long", s);
}

static void
set_userbase(const char *table, const char *user, const char *dir,
    int line)
{
	const char	*p;

	if (once(&ps->seen_userbase, "userbase", line))
		return;
	(void)strlcpy(ps->cfg->userbase, table, sizeof(ps->cfg->userbase));
	ps->ub_file = lex_filename();
	ps->ub_line = line;
	if (*user == '\0' || strlcpy(ps->cfg->vuser, user,
	    sizeof(ps->cfg->vuser)) >= sizeof(ps->cfg->vuser)) {
		perr(line, "userbase: invalid user \"%s\"", user);
		return;
	}
	if (strcmp(user, "root") == 0) {
		perr(line, "userbase: the mailboxes may not belong to root");
		return;
	}
	if ((p = strstr(dir, "%{user}")) == NULL) {
		perr(line, "userbase: maildir \"%s\" must contain %%{user}",
		    dir);
		return;
	}
	set_maildir(ps->cfg->vmaildir, sizeof(ps->cfg->vmaildir), dir, 0,
	    line);
}

static void
set_count(int *seen, size_t *dst, const char *what, const char *s, int line)
{
	const char	*errstr;
	long long	 v;

	if (once(seen, what, line))
		return;
	v = strtonum(s, 1, 100000, &errstr);
	if (errstr != NULL)
		perr(line, "invalid value \"%s\" for \"%s\": expected a "
		    "number from 1 to 100000", s, what);
	else
		*dst = (size_t)v;
}

static void
set_idle(const char *s, int line)
{
	time_t	 t;

	if (once(&ps->seen_idle, "idle-timeout", line))
		return;
	if (text_to_duration(s, &t) == -1 || t <= 0)
		perr(line, "invalid duration \"%s\" for \"idle-timeout\": "
		    "expected a number with an optional s, m, h or d suffix",
		    s);
	else if (t < 60)
		perr(line, "idle-timeout %s is too short: at least 1m", s);
	else
		ps->cfg->idle_timeout = t;
}

static void
set_size(int *seen, const char *what, const char *s, int line,
    uint64_t *d64, size_t *dsz)
{
	size_t	 v;

	if (once(seen, what, line))
		return;
	if (text_to_size(s, &v) == -1 || v == 0) {
		perr(line, "invalid size \"%s\" for \"%s\": expected a number "
		    "with an optional K, M or G suffix", s, what);
		return;
	}
	if (dsz != NULL && v > (size_t)UINT32_MAX) {
		perr(line, "%s \"%s\" is too large (at most 4G)", what, s);
		return;
	}
	if (d64 != NULL)
		*d64 = v;
	else
		*dsz = v;
}

static void
set_hostname(const char *s, int line)
{
	char	 buf[IMAPD_HOST_MAX];

	if (once(&ps->seen_hostname, "hostname", line))
		return;
	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf) ||
	    !valid_domain_part(lowercase(buf))) {
		perr(line, "invalid hostname \"%s\"", s);
		return;
	}
	(void)strlcpy(ps->cfg->hostname, buf, sizeof(ps->cfg->hostname));
}

static void
set_login(enum login_plain lp, int line)
{
	if (once(&ps->seen_login, "login plaintext", line))
		return;
	ps->cfg->login_plain = lp;
}

/* What can only be checked with the whole file read. */
static void
check_config(void)
{
	struct imapd_config	*cfg = ps->cfg;
	struct imapd_listener	*l;
	struct imapd_listener	*m;
	struct imapd_pki	*p;

	TAILQ_FOREACH(p, &cfg->pkis, entry) {
		if (p->cert[0] == '\0')
			perr(p->line, "pki \"%s\": no cert", p->name);
		if (p->key[0] == '\0')
			perr(p->line, "pki \"%s\": no key", p->name);
	}
	TAILQ_FOREACH(l, &cfg->listeners, entry) {
		if (l->pki[0] != '\0' && imapd_pki_find(cfg, l->pki) == NULL)
			perr(l->line, "listen on %s: pki \"%s\" is not "
			    "defined", l->on, l->pki);
		for (m = TAILQ_NEXT(l, entry); m != NULL;
		    m = TAILQ_NEXT(m, entry))
			if (strcmp(l->on, m->on) == 0 && l->port == m->port)
				perr(m->line, "listen on %s port %u: already "
				    "given at line %d", m->on,
				    (unsigned)m->port, l->line);
	}
	if (cfg->auth[0] != '\0' && imapd_table_find(cfg, cfg->auth) == NULL)
		perr_at(ps->auth_file, ps->auth_line, "auth: table \"%s\" is "
		    "not defined", cfg->auth);
	if (cfg->userbase[0] != '\0' &&
	    imapd_table_find(cfg, cfg->userbase) == NULL)
		perr_at(ps->ub_file, ps->ub_line, "userbase: table \"%s\" is "
		    "not defined", cfg->userbase);
	if (cfg->userbase[0] != '\0' && ps->seen_maildir)
		perr(ps->seen_maildir, "\"maildir\" and \"userbase\" exclude "
		    "each other: userbase gives the maildir");
	if (cfg->userbase[0] != '\0' && cfg->auth[0] == '\0')
		perr_at(ps->ub_file, ps->ub_line, "userbase needs "
		    "\"auth <table>\": virtual users have no system "
		    "password");
}

/*
 * The configuration.
 */

static struct imapd_config *
config_new(void)
{
	struct imapd_config	*cfg;

	cfg = xcalloc(1, sizeof(*cfg));
	TAILQ_INIT(&cfg->pkis);
	TAILQ_INIT(&cfg->tables);
	TAILQ_INIT(&cfg->listeners);
	(void)strlcpy(cfg->maildir, "~/Maildir", sizeof(cfg->maildir));
	cfg->idle_timeout = 30 * 60;
	cfg->append_size = 50 * 1024 * 1024;
	cfg->login_plain = LOGIN_PLAIN_LOOPBACK;
	(void)strlcpy(cfg->rundir, IMAPD_RUNDIR, sizeof(cfg->rundir));
	return (cfg);
}

static void
config_defaults(struct imapd_config *cfg)
{
	char	 host[IMAPD_HOST_MAX];

	if (cfg->hostname[0] == '\0') {
		if (gethostname(host, sizeof(host)) == -1)
			(void)strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		(void)strlcpy(cfg->hostname, lowercase(host),
		    sizeof(cfg->hostname));
	}
}

void
imapd_config_free(struct imapd_config *cfg)
{
	struct imapd_pki	*p;
	struct imapd_table	*t;
	struct imapd_listener	*l;

	if (cfg == NULL)
		return;
	while ((p = TAILQ_FIRST(&cfg->pkis)) != NULL) {
		TAILQ_REMOVE(&cfg->pkis, p, entry);
		free(p);
	}
	while ((t = TAILQ_FIRST(&cfg->tables)) != NULL) {
		TAILQ_REMOVE(&cfg->tables, t, entry);
		free(t);
	}
	while ((l = TAILQ_FIRST(&cfg->listeners)) != NULL) {
		TAILQ_REMOVE(&cfg->listeners, l, entry);
		free(l);
	}
	free(cfg);
}

static const char *
size_text(uint64_t v, char *buf, size_t size)
{
	if (v % (1024 * 1024 * 1024) == 0)
		(void)snprintf(buf, size, "%lluG",
		    (unsigned long long)(v / (1024 * 1024 * 1024)));
	else if (v % (1024 * 1024) == 0)
		(void)snprintf(buf, size, "%lluM",
		    (unsigned long long)(v / (1024 * 1024)));
	else if (v % 1024 == 0)
		(void)snprintf(buf, size, "%lluK",
		    (unsigned long long)(v / 1024));
	else
		(void)snprintf(buf, size, "%llu", (unsigned long long)v);
	return (buf);
}

static void
text_add(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("vsnprintf");
		if ((size_t)n < *cap - *len)
			break;
		*buf = xreallocarray(*buf, 2, *cap + (size_t)n);
		*cap = 2 * (*cap + (size_t)n);
	}
	*len += (size_t)n;
}

/*
 * The configuration as imapd.conf text (imapd -n, and what the parent
 * sends its children): every default written out.
 */
char *
imapd_config_text(const struct imapd_config *cfg, size_t *lenp)
{
	const struct imapd_pki		*p;
	const struct imapd_table	*t;
	const struct imapd_listener	*l;
	char				*b;
	char				 s1[32];
	size_t				 len = 0, cap = 1024;
	static const char		*lp[] = { "loopback", "allow", "deny" };

	b = xmalloc(cap);
	b[0] = '\0';
	text_add(&b, &len, &cap, "hostname \"%s\"\n", cfg->hostname);
	text_add(&b, &len, &cap, "rundir \"%s\"\n", cfg->rundir);
	TAILQ_FOREACH(p, &cfg->pkis, entry)
		text_add(&b, &len, &cap, "pki \"%s\" cert \"%s\" key \"%s\"\n",
		    p->name, p->cert, p->key);
	TAILQ_FOREACH(t, &cfg->tables, entry)
		text_add(&b, &len, &cap, "table \"%s\" \"file:%s\"\n",
		    t->name, t->path);
	TAILQ_FOREACH(l, &cfg->listeners, entry) {
		text_add(&b, &len, &cap, "listen on \"%s\" port %u", l->on,
		    (unsigned)l->port);
		if (l->flags & IL_IMAPS)
			text_add(&b, &len, &cap, " imaps");
		else if (l->flags & IL_TLS_REQUIRE)
			text_add(&b, &len, &cap, " tls-require");
		else if (l->flags & IL_TLS)
			text_add(&b, &len, &cap, " tls");
		if (l->pki[0] != '\0')
			text_add(&b, &len, &cap, " pki \"%s\"", l->pki);
		text_add(&b, &len, &cap, "\n");
	}
	if (cfg->auth[0] != '\0')
		text_add(&b, &len, &cap, "auth <%s>\n", cfg->auth);
	if (cfg->userbase[0] != '\0')
		text_add(&b, &len, &cap, "userbase <%s> user \"%s\" "
		    "maildir \"%s\"\n", cfg->userbase, cfg->vuser,
		    cfg->vmaildir);
	else
		text_add(&b, &len, &cap, "maildir \"%s\"\n", cfg->maildir);
	if (cfg->max_conn_user != 0 || cfg->max_conn_addr != 0) {
		text_add(&b, &len, &cap, "limit connections");
		if (cfg->max_conn_user != 0)
			text_add(&b, &len, &cap, " per-user %zu",
			    cfg->max_conn_user);
		if (cfg->max_conn_addr != 0)
			text_add(&b, &len, &cap, " per-address %zu",
			    cfg->max_conn_addr);
		text_add(&b, &len, &cap, "\n");
	}
	text_add(&b, &len, &cap, "limit idle-timeout %s\n",
	    duration_to_text(cfg->idle_timeout));
	text_add(&b, &len, &cap, "limit append-size %s\n",
	    size_text(cfg->append_size, s1, sizeof(s1)));
	if (cfg->quota != 0)
		text_add(&b, &len, &cap, "quota %s\n",
		    size_text(cfg->quota, s1, sizeof(s1)));
	text_add(&b, &len, &cap, "login plaintext %s\n",
	    lp[cfg->login_plain]);
	if (lenp != NULL)
		*lenp = len;
	return (b);
}

/*
 * Entry points.
 */

static struct imapd_config *
parse_run(struct parse *p)
{
	struct imapd_config	*cfg = p->cfg;

	(void)yyparse();
	if (!p->lx.stop) {
		check_config();
		config_defaults(cfg);
	}
	diags_flush();
	if (p->lx.errors != 0) {
		imapd_config_free(cfg);
		cfg = NULL;
	}
	lex_end();
	ps = NULL;
	return (cfg);
}

static void
parse_begin(struct parse *p, int buffer, int verbose)
{
	memset(p, 0, sizeof(*p));
	p->lx.buffer = buffer;
	p->lx.verbose = verbose;
	p->cfg = config_new();
	ps = p;
	lex_begin(&p->lx, &grammar);
}

struct imapd_config *
imapd_parse_config(const char *path, int verbose)
{
	struct parse	 p;

	parse_begin(&p, 0, verbose);
	if (lex_open(path) == -1) {
		lex_end();
		imapd_config_free(p.cfg);
		ps = NULL;
		return (NULL);
	}
	return (parse_run(&p));
}

struct imapd_config *
imapd_parse_buffer(const char *buf, size_t len)
{
	struct parse	 p;

	parse_begin(&p, 1, 0);
	lex_open_buffer(buf, len);
	return (parse_run(&p));
}

int
imapd_symset(const char *s)
{
	return (cmdline_symset(s));
}
