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
 * lex.c -- the configuration lexer of smtpd.conf(5) and imapd.conf(5).
 *
 * The OpenBSD daemon template: a file stack for include, macros
 * (name = "value", $name, -D name=value), a hand-written lexer and a sorted
 * keyword table searched with bsearch(3).  What belongs to a grammar (its
 * keywords, token numbers and syntax-error hints) comes in with
 * lex_begin(): smtpd's is in smtpd/parse_syntax.c, imapd's in
 * imapd/parse.y.  It lives in common/ and includes no daemon header: each
 * grammar's yylex() calls lex_next() and copies lexval into its yylval.
 *
 * Problems are collected, not printed at once: diags_flush() reports them
 * on stderr as "file:line: message", all of them (up to MAX_ERRORS), or in
 * the log for a configuration read from a buffer.  A syntax error names the
 * offending token and what was expected (the grammar's yyerror()), from
 * the tokens of the statement read so far (ps->hist).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "lex.h"

#define MAX_ERRORS	20
#define MAX_INCLUDE	16
#define MAX_TOKLEN	8192
#define LEX_FILE_MAX	(16L * 1024 * 1024)	/* bytes per file */
#define START_EXPAND	0x100	/* unget markers around a macro value */
#define DONE_EXPAND	0x101

struct file {
	TAILQ_ENTRY(file)	 entry;
	const char		*buf;		/* the whole file, in the arena */
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

struct arena {
	struct arena		*next;
	max_align_t		 data[];
};

static struct lex_state	*ps;
struct lex_val		 lexval;
static const struct lex_grammar *gr;
static struct file	*file, *topfile;
static TAILQ_HEAD(, sym) symhead = TAILQ_HEAD_INITIALIZER(symhead);

static void	 diag_vadd(const char *, int, int, const char *, va_list)
		    __attribute__((__format__(printf, 4, 0)));
static void	 diag_add(int, int, const char *, va_list)
		    __attribute__((__format__(printf, 3, 0)));
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
static struct sym *symfind(const char *);
static void	 symclear(void);


/*
 * Memory and diagnostics.
 */

void *
palloc(size_t size)
{
	struct arena	*a;

	a = xcalloc(1, sizeof(*a) + size);
	a->next = ps->arena;
	ps->arena = a;
	return (a->data);
}

char *
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

void
perr(int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_add(0, line, fmt, ap);
	va_end(ap);
}

void
perr_at(const char *fname, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(fname, line, 0, fmt, ap);
	va_end(ap);
}

void
pwarn_at(const char *fname, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(fname, line, 1, fmt, ap);
	va_end(ap);
}

/* "line N" in the file being read, "FILE:N" in another one. */
const char *
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

void
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

/*
 * Files and the lexer.
 */

/*
 * Only a regular file of at most LEX_FILE_MAX bytes is read, whole, into
 * the parse arena: /dev/zero would never end, a FIFO would block the
 * parent (also during a SIGHUP reload), a directory would read as empty.
 * O_NONBLOCK keeps the open of a FIFO from waiting for a writer.
 */
static struct file *
pushfile(const char *name, int line)
{
	struct file	*nf;
	struct stat	 sb;
	const char	*why = NULL;
	char		*buf = NULL;
	ssize_t		 n = 0;
	size_t		 depth = 0;
	int		 fd;

	TAILQ_FOREACH(nf, &ps->files, entry)
		depth++;
	if (depth >= MAX_INCLUDE) {
		perr(line, "include nesting too deep (more than %d levels)",
		    MAX_INCLUDE);
		return (NULL);
	}
	if ((fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		why = strerror(errno);
	else if (fstat(fd, &sb) == -1)
		why = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if (sb.st_size > LEX_FILE_MAX)
		why = "larger than 16 MiB";
	else {
		buf = palloc((size_t)sb.st_size + 1);
		if ((n = read_full(fd, buf, (size_t)sb.st_size)) == -1)
			why = strerror(errno);
	}
	if (fd != -1)
		close(fd);
	if (why != NULL) {
		if (depth == 0)
			fprintf(stderr, "%s: %s\n", name, why);
		else
			perr(line, "cannot open \"%s\": %s", name, why);
		return (NULL);
	}
	nf = palloc(sizeof(*nf));
	nf->buf = buf;
	nf->len = (size_t)n;
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
	free(f->ungetbuf);
	f->ungetbuf = NULL;	/* f itself is in the arena */
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
	return (gr->t_error);
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
	return (strcmp(k, ((const struct lex_keyword *)e)->name));
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
	const struct lex_keyword *kw;
	char			 buf[MAX_TOKLEN];
	size_t			 n = 0;

	do {
		if (n >= sizeof(buf) - 1) {
			perr(lexval.lineno, "word too long (at most %zu "
			    "characters)", sizeof(buf) - 1);
			return (findeol());
		}
		buf[n++] = (char)c;
	} while (isword(c = lgetc(0)));
	lungetc(c);
	buf[n] = '\0';
	kw = bsearch(buf, gr->keywords, gr->nkeywords,
	    sizeof(gr->keywords[0]), kwcmp);
	if (kw != NULL) {
		hist_push(kw->token, buf);
		return (kw->token);
	}
	lexval.string = pstrdup(buf);
	hist_push(gr->t_string, buf);
	return (gr->t_string);
}

static int
lex_quoted(int quotec)
{
	char	 buf[MAX_TOKLEN];
	size_t	 n = 0;
	int	 c, next;

	for (;;) {
		if ((c = lgetc(quotec)) == EOF || c == '\n') {
			perr(lexval.lineno, "unterminated quoted string");
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
			perr(lexval.lineno, "invalid character 0x%02x in "
			    "quoted string", (unsigned)c);
			return (findeol());
		}
		if (n >= sizeof(buf) - 1) {
			perr(lexval.lineno, "quoted string too long (at most "
			    "%zu characters)", sizeof(buf) - 1);
			return (findeol());
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	lexval.string = pstrdup(buf);
	hist_push(gr->t_string, buf);
	return (gr->t_string);
}

/* <name>: a table reference; names are letters, digits, "_-.". */
static int
lex_tableref(void)
{
	char	 buf[MAX_TOKLEN];
	size_t	 n = 0, max;
	int	 c;

	max = (gr->name_max < sizeof(buf) ? gr->name_max : sizeof(buf)) - 1;
	while (isascii(c = lgetc(0)) && (isalnum(c) || c == '_' ||
	    c == '-' || c == '.')) {
		if (n >= max) {
			perr(lexval.lineno, "table name too long (at most "
			    "%zu characters)", max);
			return (findeol());
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	if (c != '>' || n == 0) {
		lungetc(c);
		perr(lexval.lineno, "invalid table reference: expected "
		    "<name>");
		return (findeol());
	}
	lexval.string = pstrdup(buf);
	hist_push(gr->t_tableref, buf);
	return (gr->t_tableref);
}

/* After "$": push the macro's value back; 0 when expanded. */
static int
lex_macro(void)
{
	struct diag	*d;
	struct sym	*sym;
	char		 buf[MAX_TOKLEN];
	const char	*p;
	size_t		 n = 0;
	int		 c;

	while (isascii(c = lgetc(0)) && (isalnum(c) || c == '_')) {
		if (n >= gr->name_max - 1 || n >= sizeof(buf) - 1) {
			perr(lexval.lineno, "macro name too long");
			return (findeol());
		}
		buf[n++] = (char)c;
	}
	lungetc(c);
	buf[n] = '\0';
	if (n == 0) {
		perr(lexval.lineno, "expected a macro name after \"$\"");
		return (findeol());
	}
	if ((sym = symfind(buf)) == NULL) {
		/* unknown, or defined later: decided at the end */
		perr(lexval.lineno, "unknown macro");
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
lex_next(void)
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
	lexval.lineno = file->lineno;
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
			perr(lexval.lineno, "unexpected character \"%c\"", c);
		else
			perr(lexval.lineno, "unexpected character 0x%02x",
			    (unsigned)c);
		return (findeol());
	}
	hist_push(c, NULL);
	return (c);
}

/*
 * Tokens by name, for the grammar's syntax errors.
 */

const char *
lex_tokname(int type)
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
	}
	if (type == gr->t_string || type == gr->t_tableref ||
	    type == gr->t_error)
		return (NULL);
	for (k = 0; k < gr->nkeywords; k++)
		if (gr->keywords[k].token == type) {
			(void)snprintf(b, HIST_TEXT + 8, "\"%s\"",
			    gr->keywords[k].name);
			return (b);
		}
	(void)snprintf(b, HIST_TEXT + 8, "\"%c\"", type);
	return (b);
}

const char *
lex_tokdesc(const struct tok *t)
{
	static char	 buf[2][HIST_TEXT + 16];
	static int	 i;
	const char	*name;
	char		*b = buf[i++ % 2];
	int		 more;

	if ((name = lex_tokname(t->type)) != NULL)
		return (name);
	more = strlen(t->text) > 40;
	(void)snprintf(b, HIST_TEXT + 16,
	    t->type == gr->t_tableref ? "<%.40s%s>" : "\"%.40s%s\"",
	    t->text, more ? "..." : "");
	return (b);
}

/* Is the next token "=" (a keyword used as a macro name)? */
int
lex_peek_equal(void)
{
	int	 c, eq;

	while ((c = igetc()) == ' ' || c == '\t')
		;
	eq = c == '=';
	lungetc(c);
	return (eq);
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
int
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
		sym->line = lexval.lineno;
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
 * The file stack, for the grammar.
 */

void
lex_begin(struct lex_state *p, const struct lex_grammar *g)
{
	TAILQ_INIT(&p->diags);
	TAILQ_INIT(&p->files);
	ps = p;
	gr = g;
	symclear();
}

/* The parse under way, for the grammar's syntax errors. */
struct lex_state *
lex_parse(void)
{
	return (ps);
}

void
lex_end(void)
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
	gr = NULL;
}

/* The file given to parse_config(): -1 (reported) if it cannot be read. */
int
lex_open(const char *path)
{
	if ((file = pushfile(path, 0)) == NULL)
		return (-1);
	topfile = file;
	return (0);
}

void
lex_open_buffer(const char *buf, size_t len)
{
	file = topfile = pushbuffer(buf, len);
}

/* The name of the file being read, for the definitions and diagnostics. */
const char *
lex_filename(void)
{
	return (file->name);
}

void
lex_include(const char *path, int line)
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
