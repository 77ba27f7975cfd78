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
 * imap_parse.c -- an IMAP command (as the reader returned it) into tag,
 * name and a tree of arguments (imap_parse.h).  Everything the tree holds
 * lives in one arena freed by imap_cmd_free().  Lists nest at most
 * IMAP_PARSE_DEPTH deep; every read is bounded by the command's end.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "imap_parse.h"

#define ARENA_CHUNK	4096
#define IMAP_PARSE_DEPTH 32	/* lists in lists */

struct arena {
	struct arena	*next;
	size_t		 used;
	size_t		 cap;
	/* the memory follows, max_align_t aligned */
	max_align_t	 data[];
};

struct pctx {
	const char	*p;
	const char	*end;
	struct imap_cmd	*cmd;
	const char	*err;
};

static void	*arena_alloc(struct imap_cmd *, size_t);
static char	*arena_str(struct imap_cmd *, const char *, size_t);
static int	 parse_fail(struct pctx *, const char *);
static int	 parse_eol(struct pctx *);
static int	 parse_tag(struct pctx *);
static int	 parse_name(struct pctx *, char *);
static int	 parse_quoted(struct pctx *, struct imap_arg *);
static int	 parse_literal(struct pctx *, struct imap_arg *);
static int	 parse_section(struct pctx *);
static int	 parse_atom(struct pctx *, struct imap_arg *);
static int	 parse_arg(struct pctx *, struct imap_arg *, int);
static int	 parse_sep(struct pctx *, size_t, int);
static int	 parse_args(struct pctx *, struct imap_arg **, size_t *, int);

static void *
arena_alloc(struct imap_cmd *cmd, size_t n)
{
	struct arena	*a = cmd->mem;
	size_t		 cap;
	void		*p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (a == NULL || a->cap - a->used < n) {
		cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		a = xmalloc(sizeof(*a) + cap);
		a->next = cmd->mem;
		a->used = 0;
		a->cap = cap;
		cmd->mem = a;
	}
	p = (char *)a->data + a->used;
	a->used += n;
	return p;
}

static char *
arena_str(struct imap_cmd *cmd, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX)
		fatalx("arena_str: overflow");
	p = arena_alloc(cmd, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
imap_cmd_free(struct imap_cmd *cmd)
{
	struct arena	*a, *next;

	for (a = cmd->mem; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	cmd->mem = NULL;
	cmd->args = NULL;
	cmd->nargs = 0;
}

static int
parse_fail(struct pctx *c, const char *err)
{
	if (c->err == NULL)
		c->err = err;
	return -1;
}

/* at the end of the command: CRLF (or a bare LF) and nothing more */
static int
parse_eol(struct pctx *c)
{
	const char	*p = c->p;

	if (p < c->end && *p == '\r')
		p++;
	return p < c->end && *p == '\n' && p + 1 == c->end;
}

static int
imap_tag_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("(){%*\"\\+", ch) == NULL;
}

static int
imap_atom_char(unsigned char ch)
{
	/* list-wildcards (% *) are kept: LIST patterns and "1:*" */
	return ch > 0x20 && ch < 0x7f && strchr("(){\"\\[", ch) == NULL;
}

static int
parse_tag(struct pctx *c)
{
	const char	*s = c->p;
	size_t		 len;

	while (c->p < c->end && imap_tag_char((unsigned char)*c->p))
		c->p++;
	len = (size_t)(c->p - s);
	if (len == 0)
		return parse_fail(c, "missing tag");
	if (len > IMAP_TAG_MAX)
		return parse_fail(c, "tag too long");
	if (c->p >= c->end || (*c->p != ' ' && *c->p != '\r' &&
	    *c->p != '\n'))
		return parse_fail(c, "invalid tag");
	memcpy(c->cmd->tag, s, len);
	c->cmd->tag[len] = '\0';
	if (*c->p != ' ')
		return parse_fail(c, "missing command");
	c->p++;
	return 0;
}

static int
parse_name(struct pctx *c, char *name)
{
	size_t	 len = 0;

	while (c->p < c->end && (isalnum((unsigned char)*c->p) ||
	    *c->p == '-' || *c->p == '_')) {
		if (len == IMAP_CMD_NAME_MAX)
			return parse_fail(c, "command name too long");
		name[len++] = (char)toupper((unsigned char)*c->p);
		c->p++;
	}
	name[len] = '\0';
	if (len == 0)
		return parse_fail(c, "missing command");
	if (c->p < c->end && *c->p != ' ' && *c->p != '\r' && *c->p != '\n')
		return parse_fail(c, "bad command name");
	return 0;
}

static int
parse_quoted(struct pctx *c, struct imap_arg *a)
{
	const char	*s;
	char		*out;
	size_t		 n = 0;

	s = ++c->p;
	/* first pass: find the end and check */
	for (; c->p < c->end && *c->p != '"'; c->p++) {
		if (*c->p == '\r' || *c->p == '\n' || *c->p == '\0')
			return parse_fail(c, "bad character in quoted string");
		if (*c->p == '\\') {
			c->p++;
			if (c->p >= c->end || (*c->p != '\\' && *c->p != '"'))
				return parse_fail(c,
				    "bad escape in quoted string");
		}
		n++;
	}
	if (c->p >= c->end)
		return parse_fail(c, "unterminated quoted string");
	out = arena_alloc(c->cmd, n + 1);
	a->s = out;
	a->len = n;
	for (n = 0; s < c->p; s++) {
		if (*s == '\\')
			s++;
		out[n++] = *s;
	}
	out[n] = '\0';
	c->p++;		/* closing quote */
	a->type = IMAP_ARG_STRING;
	return 0;
}

static int
parse_literal(struct pctx *c, struct imap_arg *a)
{
	uint64_t	 n = 0;
	size_t		 digits = 0;

	if (*c->p == '~') {
		a->literal8 = 1;
		c->p++;
	}
	if (c->p >= c->end || *c->p != '{')
		return parse_fail(c, "bad literal");
	c->p++;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (++digits > 19)
			return parse_fail(c, "literal too big");
		n = n * 10 + (uint64_t)(*c->p++ - '0');
	}
	if (digits == 0)
		return parse_fail(c, "bad literal size");
	if (c->p < c->end && *c->p == '+')
		c->p++;
	if (c->p >= c->end || *c->p != '}')
		return parse_fail(c, "bad literal");
	c->p++;
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	if (c->p >= c->end || *c->p != '\n')
		return parse_fail(c, "literal not at the end of a line");
	c->p++;
	if (n > (uint64_t)(c->end - c->p))
		return parse_fail(c, "literal truncated");
	a->type = IMAP_ARG_LITERAL;
	a->s = arena_str(c->cmd, c->p, (size_t)n);
	a->len = (size_t)n;
	c->p += n;
	return 0;
}

/* skip a "[...]" section in an atom: SP, lists and quoted strings allowed */
static int
parse_section(struct pctx *c)
{
	int	 inq = 0;

	for (c->p++; c->p < c->end; c->p++) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '\r' || ch == '\n' || ch == '\0' || ch >= 0x80)
			return parse_fail(c, "bad character in section");
		if (inq) {
			if (ch == '\\') {
				if (c->p + 1 >= c->end)
					break;
				c->p++;
			} else if (ch == '"')
				inq = 0;
			continue;
		}
		if (ch == '"')
			inq = 1;
		else if (ch == '{' || ch == '[')
			return parse_fail(c, "bad character in section");
		else if (ch == ']') {
			c->p++;
			return 0;
		}
	}
	return parse_fail(c, "unterminated section");
}

static int
parse_atom(struct pctx *c, struct imap_arg *a)
{
	const char	*s = c->p;

	if (c->p < c->end && *c->p == '\\') {
		/* a flag: "\Seen" */
		if (++c->p >= c->end || !imap_atom_char((unsigned char)*c->p))
			return parse_fail(c, "invalid flag");
	}
	while (c->p < c->end) {
		if (*c->p == '[') {
			if (parse_section(c) == -1)
				return -1;
		} else if (imap_atom_char((unsigned char)*c->p))
			c->p++;
		else
			break;
	}
	if (c->p == s)
		return parse_fail(c, "unexpected character");
	a->len = (size_t)(c->p - s);
	a->s = arena_str(c->cmd, s, a->len);
	if (a->len == 3 && strcasecmp(a->s, "NIL") == 0)
		a->type = IMAP_ARG_NIL;
	else
		a->type = IMAP_ARG_ATOM;
	return 0;
}

static int
parse_arg(struct pctx *c, struct imap_arg *a, int depth)
{
	memset(a, 0, sizeof(*a));
	switch (*c->p) {
	case '(':
		if (depth >= IMAP_PARSE_DEPTH)
			return parse_fail(c, "lists nested too deep");
		c->p++;
		a->type = IMAP_ARG_LIST;
		return parse_args(c, &a->list, &a->nlist, depth + 1);
	case '"':
		return parse_quoted(c, a);
	case '{':
	case '~':
		return parse_literal(c, a);
	default:
		return parse_atom(c, a);
	}
}

/*
 * Arguments up to the closing ')' (depth > 0) or to the end of the
 * command (depth 0): each top-level one follows a SP, list elements are
 * separated by one.
 */
static int
parse_sep(struct pctx *c, size_t n, int depth)
{
	if (depth > 0) {
		if (c->p < c->end && *c->p == ')') {
			c->p++;
			return 1;
		}
		if (n == 0)
			return 0;
	} else if (parse_eol(c))
		return 1;
	if (c->p >= c->end || *c->p != ' ')
		return parse_fail(c, depth > 0 ? "unterminated list" :
		    "bad argument separator");
	c->p++;
	if (depth == 0 && parse_eol(c))
		return 1;	/* a trailing SP is forgiven */
	if (c->p >= c->end)
		return parse_fail(c, "unterminated list");
	return 0;
}

static int
parse_args(struct pctx *c, struct imap_arg **out, size_t *nout, int depth)
{
	struct imap_arg	*v = NULL, *tmp = NULL;
	size_t		 n = 0, cap = 0;
	int		 r;

	while ((r = parse_sep(c, n, depth)) == 0) {
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		if (parse_arg(c, &v[n], depth) == -1) {
			free(v);
			return -1;
		}
		n++;
	}
	if (r == -1) {
		free(v);
		return -1;
	}
	if (n > 0) {
		tmp = arena_alloc(c->cmd, n * sizeof(*v));
		memcpy(tmp, v, n * sizeof(*v));
	}
	free(v);
	*out = tmp;
	*nout = n;
	return 0;
}

int
imap_parse_cmd(const char *s, size_t len, struct imap_cmd *cmd,
    const char **err)
{
	struct pctx	 c;

	memset(cmd, 0, sizeof(*cmd));
	cmd->tag[0] = '*';
	memset(&c, 0, sizeof(c));
	c.p = s;
	c.end = s + len;
	c.cmd = cmd;
	if (parse_tag(&c) == -1 || parse_name(&c, cmd->name) == -1)
		goto fail;
	if (strcmp(cmd->name, "UID") == 0) {
		if (c.p >= c.end || *c.p != ' ') {
			parse_fail(&c, "UID needs a command");
			goto fail;
		}
		c.p++;
		cmd->uid = 1;
		if (parse_name(&c, cmd->name) == -1)
			goto fail;
	}
	if (parse_args(&c, &cmd->args, &cmd->nargs, 0) == -1)
		goto fail;
	*err = NULL;
	return 0;
 fail:
	*err = c.err != NULL ? c.err : "syntax error";
	return -1;
}

int
imap_arg_astring(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_ATOM || a->type == IMAP_ARG_STRING ||
	    a->type == IMAP_ARG_LITERAL;
}

int
imap_arg_nstring(const struct imap_arg *a)
{
	return imap_arg_astring(a) || a->type == IMAP_ARG_NIL;
}
