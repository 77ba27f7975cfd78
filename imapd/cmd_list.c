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
 * cmd_list.c -- LIST and LSUB: patterns with '*' and '%' on the '/'
 * hierarchy, LIST-EXTENDED (RFC 5258: selection SUBSCRIBED, REMOTE,
 * RECURSIVEMATCH, SPECIAL-USE; return SUBSCRIBED, CHILDREN,
 * SPECIAL-USE), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154).  The
 * child and special-use attributes are always sent: every client wants
 * them and they cost nothing here.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "session_priv.h"

#define LS_SEL_SUBSCRIBED	0x01
#define LS_SEL_RECURSIVE	0x02
#define LS_SEL_SPECIAL		0x04
#define LS_RET_SUBSCRIBED	0x10
#define LS_RET_STATUS		0x20
#define LS_LSUB			0x40

#define LS_PATTERNS_MAX		32
#define LS_PATTERN_LEN_MAX	1024

struct list_req {
	unsigned int	 opts;
	unsigned int	 status_items;
	struct buf	 pat[LS_PATTERNS_MAX];
	size_t		 npat;
	int		 empty_pattern;	/* LIST "" "" */
};

static const struct {
	const char	*name;
	unsigned int	 su;
} ls_special[] = {
	{ "\\All",	SU_ALL },
	{ "\\Archive",	SU_ARCHIVE },
	{ "\\Drafts",	SU_DRAFTS },
	{ "\\Junk",	SU_JUNK },
	{ "\\Sent",	SU_SENT },
	{ "\\Trash",	SU_TRASH },
};

/*
 * Does name match the pattern?  '*' matches anything, '%' anything but
 * '/'.  Dynamic programming over (pattern, name) prefixes: no
 * backtracking blow-up on "*a*a*a*b".
 */
static int
ls_match(const char *pat, const char *name)
{
	size_t	 pl = strlen(pat), nl = strlen(name), i, j;
	uint8_t	*prev, *cur, *t;
	int	 r;

	prev = xcalloc(nl + 1, 1);
	cur = xcalloc(nl + 1, 1);
	prev[0] = 1;
	for (i = 1; i <= pl; i++) {
		char	 p = pat[i - 1];

		cur[0] = (p == '*' || p == '%') && prev[0];
		for (j = 1; j <= nl; j++) {
			if (p == '*')
				cur[j] = prev[j] || cur[j - 1];
			else if (p == '%')
				cur[j] = prev[j] ||
				    (cur[j - 1] && name[j - 1] != '/');
			else
				cur[j] = prev[j - 1] && p == name[j - 1];
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	r = prev[nl];
	free(prev);
	free(cur);
	return (r);
}

static int
ls_match_any(const struct list_req *lr, const char *name)
{
	size_t	 i;

	for (i = 0; i < lr->npat; i++)
		if (ls_match(lr->pat[i].s, name))
			return (1);
	return (0);
}

/* reference + pattern, decoded, "inbox" prefix made "INBOX" */
static int
ls_pattern(struct imap_conn *c, const struct imap_arg *ref,
    const struct imap_arg *pat, struct buf *out, const char **err)
{
	const struct imap_arg	*a[2] = { ref, pat };
	size_t			 i;

	buf_reset(out);
	buf_add(out, "", 0);
	for (i = 0; i < 2; i++) {
		if (!imap_arg_astring(a[i]) || a[i]->len > LS_PATTERN_LEN_MAX ||
		    memchr(a[i]->s, '\0', a[i]->len) != NULL) {
			*err = "Bad reference or pattern";
			return (-1);
		}
		if (conn_utf8(c)) {
			if (!imap_utf8_valid(a[i]->s, a[i]->len)) {
				*err = "Pattern is not UTF-8";
				return (-1);
			}
			buf_add(out, a[i]->s, a[i]->len);
		} else if (imap_mutf7_to_utf8(a[i]->s, out) == -1) {
			*err = "Pattern is not modified UTF-7";
			return (-1);
		}
	}
	if (strncasecmp(out->s, "INBOX", 5) == 0)
		memcpy(out->s, "INBOX", 5);
	return (0);
}

static int
ls_selection(const struct imap_arg *a, struct list_req *lr,
    const char **err)
{
	size_t	 i;

	for (i = 0; i < a->nlist; i++) {
		const char	*s = a->list[i].s;

		if (a->list[i].type != IMAP_ARG_ATOM)
			goto bad;
		if (strcasecmp(s, "SUBSCRIBED") == 0)
			lr->opts |= LS_SEL_SUBSCRIBED | LS_RET_SUBSCRIBED;
		else if (strcasecmp(s, "RECURSIVEMATCH") == 0)
			lr->opts |= LS_SEL_RECURSIVE;
		else if (strcasecmp(s, "SPECIAL-USE") == 0)
			lr->opts |= LS_SEL_SPECIAL;
		else if (strcasecmp(s, "REMOTE") != 0)
			goto bad;
	}
	if ((lr->opts & LS_SEL_RECURSIVE) && !(lr->opts & LS_SEL_SUBSCRIBED)) {
		*err = "RECURSIVEMATCH needs another selection option";
		return (-1);
	}
	return (0);
 bad:
	*err = "Unknown LIST selection option";
	return (-1);
}

static int
ls_return(const struct imap_arg *a, struct list_req *lr, const char **err)
{
	size_t	 i;

	if (a->type != IMAP_ARG_LIST) {
		*err = "RETURN takes a list";
		return (-1);
	}
	for (i = 0; i < a->nlist; i++) {
		const char	*s = a->list[i].s;

		if (a->list[i].type != IMAP_ARG_ATOM)
			goto bad;
		if (strcasecmp(s, "SUBSCRIBED") == 0)
			lr->opts |= LS_RET_SUBSCRIBED;
		else if (strcasecmp(s, "STATUS") == 0 && i + 1 < a->nlist) {
			lr->opts |= LS_RET_STATUS;
			if (conn_status_items(&a->list[++i],
			    &lr->status_items, err) == -1)
				return (-1);
		} else if (strcasecmp(s, "CHILDREN") != 0 &&
		    strcasecmp(s, "SPECIAL-USE") != 0)
			goto bad;
	}
	return (0);
 bad:
	*err = "Unknown LIST return option";
	return (-1);
}

/* Split LIST's or LSUB's arguments into lr. */
static int
ls_args(struct imap_conn *c, struct list_req *lr, const char **err)
{
	const struct imap_arg	*a = c->cmd.args, *ref, *pats;
	size_t			 n = c->cmd.nargs, i = 0, j;

	*err = "LIST [(selection)] reference pattern [RETURN (options)]";
	if (strcmp(c->cmd.name, "LSUB") == 0) {
		if (n != 2)
			return (-1);
		lr->opts |= LS_LSUB | LS_SEL_SUBSCRIBED;
	} else if (n > 0 && a[0].type == IMAP_ARG_LIST) {
		if (ls_selection(&a[0], lr, err) == -1)
			return (-1);
		i = 1;
	}
	if (n < i + 2)
		return (-1);
	ref = &a[i];
	pats = &a[i + 1];
	i += 2;
	if (i < n) {
		if (i + 2 != n || a[i].type != IMAP_ARG_ATOM ||
		    strcasecmp(a[i].s, "RETURN") != 0)
			return (-1);
		if (ls_return(&a[i + 1], lr, err) == -1)
			return (-1);
	}
	if (pats->type == IMAP_ARG_LIST) {
		if (pats->nlist == 0 || pats->nlist > LS_PATTERNS_MAX ||
		    (lr->opts & LS_LSUB))
			return (-1);
		for (j = 0; j < pats->nlist; j++)
			if (ls_pattern(c, ref, &pats->list[j], &lr->pat[j],
			    err) == -1)
				return (-1);
		lr->npat = pats->nlist;
	} else {
		if (ls_pattern(c, ref, pats, &lr->pat[0], err) == -1)
			return (-1);
		lr->npat = 1;
		lr->empty_pattern = pats->len == 0;
	}
	return (0);
}

/* A subscribed folder below f that the patterns do not name itself. */
static int
ls_childinfo(const struct list_req *lr, const struct folder_info *fi,
    size_t n, const char *name)
{
	size_t	 i, len = strlen(name);

	for (i = 0; i < n; i++)
		if ((fi[i].attrs & FA_SUBSCRIBED) &&
		    strncmp(fi[i].name, name, len) == 0 &&
		    fi[i].name[len] == '/' && !ls_match_any(lr, fi[i].name))
			return (1);
	return (0);
}

static void
ls_attrs(struct imap_conn *c, const struct list_req *lr,
    const struct folder_info *f, struct buf *b)
{
	size_t	 i, start = b->len;

#define ATTR(s)	do {				\
	if (b->len > start)			\
		buf_addc(b, ' ');		\
	buf_adds(b, (s));			\
} while (0)
	if (f->attrs & FA_NONEXISTENT)
		ATTR("\\NonExistent");
	else if (f->attrs & FA_NOSELECT)
		ATTR("\\Noselect");
	if (!(f->attrs & FA_NONEXISTENT) && !(lr->opts & LS_LSUB)) {
		if (f->attrs & FA_HASCHILDREN)
			ATTR("\\HasChildren");
		else if (f->attrs & FA_HASNOCHILDREN)
			ATTR("\\HasNoChildren");
	}
	if ((f->attrs & FA_SUBSCRIBED) && (lr->opts & LS_RET_SUBSCRIBED) &&
	    !(lr->opts & LS_LSUB))
		ATTR("\\Subscribed");
	for (i = 0; i < sizeof(ls_special) / sizeof(ls_special[0]); i++)
		if (f->special & ls_special[i].su)
			ATTR(ls_special[i].name);
#undef ATTR
}

static void
ls_one(struct imap_conn *c, const struct list_req *lr,
    const struct folder_info *f, int childinfo)
{
	struct mbox_status	 st;
	struct buf		 b;
	const char		*err = NULL;

	buf_init(&b);
	buf_adds(&b, (lr->opts & LS_LSUB) ? "* LSUB (" : "* LIST (");
	ls_attrs(c, lr, f, &b);
	buf_adds(&b, ") \"/\" ");
	conn_add_mbox_name(c, &b, f->name);
	if (childinfo)
		buf_adds(&b, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	buf_add(&b, "\r\n", 2);
	conn_write_buf(c, &b);
	buf_free(&b);
	if (!(lr->opts & LS_RET_STATUS) ||
	    (f->attrs & (FA_NOSELECT | FA_NONEXISTENT)))
		return;
	memset(&st, 0, sizeof(st));
	if (mstore_status(c->store, f->name, &st, &err) == 0)
		conn_send_status(c, f->name, lr->status_items, &st);
}

static void
ls_run(struct imap_conn *c, const struct list_req *lr)
{
	struct folder_info	*fi = NULL;
	size_t			 n = 0, i;
	int			 sub, ci;

	if (mstore_list(c->store, &fi, &n) == -1) {
		conn_tagged(c, "NO", "[SERVERBUG] Cannot list the folders");
		return;
	}
	for (i = 0; i < n; i++) {
		if (!ls_match_any(lr, fi[i].name))
			continue;
		if ((lr->opts & LS_SEL_SPECIAL) && fi[i].special == 0)
			continue;
		sub = (fi[i].attrs & FA_SUBSCRIBED) != 0;
		ci = (lr->opts & LS_SEL_RECURSIVE) &&
		    ls_childinfo(lr, fi, n, fi[i].name);
		if ((lr->opts & LS_SEL_SUBSCRIBED) && !sub && !ci)
			continue;
		if (!(lr->opts & LS_SEL_SUBSCRIBED) &&
		    (fi[i].attrs & FA_NONEXISTENT))
			continue;
		ls_one(c, lr, &fi[i], ci);
	}
	folder_list_free(fi, n);
	conn_tagged(c, "OK", "%s completed", c->cmd.name);
}

void
cmd_list(struct imap_conn *c)
{
	struct list_req	 lr;
	const char	*err = NULL;
	size_t		 i;

	memset(&lr, 0, sizeof(lr));
	if (ls_args(c, &lr, &err) == -1)
		conn_tagged(c, "BAD", "%s", err);
	else if (lr.empty_pattern) {
		/* the hierarchy delimiter and root (RFC 9051 6.3.9) */
		if (!(lr.opts & LS_LSUB))
			conn_untagged(c, "LIST (\\Noselect) \"/\" \"\"");
		conn_tagged(c, "OK", "%s completed", c->cmd.name);
	} else
		ls_run(c, &lr);
	for (i = 0; i < LS_PATTERNS_MAX; i++)
		buf_free(&lr.pat[i]);
}
