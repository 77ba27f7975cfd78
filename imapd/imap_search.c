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
 * imap_search.c -- SEARCH programs (RFC 3501, RFC 9051, ESEARCH RETURN,
 * CONDSTORE MODSEQ, WITHIN), SORT criteria and THREAD algorithms
 * (imap_parse.h).  NOT, OR and parentheses nest at most SEARCH_DEPTH
 * deep, so neither parsing nor freeing recurses without bound.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "imap_parse_priv.h"

#define SEARCH_DEPTH	32

#define KA_NONE		0	/* no argument */
#define KA_STRING	1	/* astring into str */
#define KA_HEADER	2	/* field and astring */
#define KA_DATE		3
#define KA_NUMBER	4	/* number64 */
#define KA_NZNUMBER	5
#define KA_KEYWORD	6
#define KA_SEQSET	7
#define KA_MODSEQ	8

static const struct {
	const char	*name;
	enum search_op	 op;
	int		 arg;
	uint64_t	 flags;
	const char	*field;
} search_keys[] = {
	{ "ALL",	SK_ALL,		KA_NONE, 0, NULL },
	{ "ANSWERED",	SK_FLAG, KA_NONE, MF_ANSWERED, NULL },
	{ "DELETED",	SK_FLAG, KA_NONE, MF_DELETED, NULL },
	{ "DRAFT",	SK_FLAG, KA_NONE, MF_DRAFT, NULL },
	{ "FLAGGED",	SK_FLAG, KA_NONE, MF_FLAGGED, NULL },
	{ "RECENT",	SK_FLAG, KA_NONE, MF_RECENT, NULL },
	{ "SEEN",	SK_FLAG, KA_NONE, MF_SEEN, NULL },
	{ "UNANSWERED",	SK_UNFLAG, KA_NONE, MF_ANSWERED, NULL },
	{ "UNDELETED",	SK_UNFLAG, KA_NONE, MF_DELETED, NULL },
	{ "UNDRAFT",	SK_UNFLAG, KA_NONE, MF_DRAFT, NULL },
	{ "UNFLAGGED",	SK_UNFLAG, KA_NONE, MF_FLAGGED, NULL },
	{ "UNSEEN",	SK_UNFLAG, KA_NONE, MF_SEEN, NULL },
	{ "NEW",	SK_NEW,		KA_NONE,	0, NULL },
	{ "OLD",	SK_OLD,		KA_NONE,	0, NULL },
	{ "BCC",	SK_HEADER,	KA_STRING,	0, "Bcc" },
	{ "CC",		SK_HEADER,	KA_STRING,	0, "Cc" },
	{ "FROM",	SK_HEADER,	KA_STRING,	0, "From" },
	{ "SUBJECT",	SK_HEADER,	KA_STRING,	0, "Subject" },
	{ "TO",		SK_HEADER,	KA_STRING,	0, "To" },
	{ "HEADER",	SK_HEADER,	KA_HEADER,	0, NULL },
	{ "BODY",	SK_BODY,	KA_STRING,	0, NULL },
	{ "TEXT",	SK_TEXT,	KA_STRING,	0, NULL },
	{ "KEYWORD",	SK_KEYWORD,	KA_KEYWORD,	0, NULL },
	{ "UNKEYWORD",	SK_UNKEYWORD,	KA_KEYWORD,	0, NULL },
	{ "BEFORE",	SK_BEFORE,	KA_DATE,	0, NULL },
	{ "ON",		SK_ON,		KA_DATE,	0, NULL },
	{ "SINCE",	SK_SINCE,	KA_DATE,	0, NULL },
	{ "SENTBEFORE",	SK_SENTBEFORE,	KA_DATE,	0, NULL },
	{ "SENTON",	SK_SENTON,	KA_DATE,	0, NULL },
	{ "SENTSINCE",	SK_SENTSINCE,	KA_DATE,	0, NULL },
	{ "LARGER",	SK_LARGER,	KA_NUMBER,	0, NULL },
	{ "SMALLER",	SK_SMALLER,	KA_NUMBER,	0, NULL },
	{ "UID",	SK_UIDSET,	KA_SEQSET,	0, NULL },
	{ "MODSEQ",	SK_MODSEQ,	KA_MODSEQ,	0, NULL },
	{ "OLDER",	SK_OLDER,	KA_NZNUMBER,	0, NULL },
	{ "YOUNGER",	SK_YOUNGER,	KA_NZNUMBER,	0, NULL },
};

static const struct {
	const char	*name;
	enum sort_key	 key;
} sort_keys[] = {
	{ "ARRIVAL",	SORT_ARRIVAL },
	{ "CC",		SORT_CC },
	{ "DATE",	SORT_DATE },
	{ "FROM",	SORT_FROM },
	{ "SIZE",	SORT_SIZE },
	{ "SUBJECT",	SORT_SUBJECT },
	{ "TO",		SORT_TO },
	{ "DISPLAYFROM", SORT_DISPLAYFROM },
	{ "DISPLAYTO",	SORT_DISPLAYTO },
};

struct sctx {
	const struct imap_arg	*a;
	size_t			 n;
	size_t			 i;
	struct search_prog	*prog;
	const char		*err;
};

static void	key_free(struct search_key *);
static int	sfail(struct sctx *, const char *);
static const struct imap_arg *snext(struct sctx *);
static int	skey_string(struct sctx *, struct search_key *);
static int	skey_modseq(struct sctx *, struct search_key *);
static int	skey_arg(struct sctx *, struct search_key *, int);
static int	skey_kids(struct sctx *, struct search_key *, size_t, int);
static int	skey_group(struct sctx *, const struct imap_arg *,
		    struct search_key *, int);
static int	skey(struct sctx *, struct search_key *, int);

static void
key_free(struct search_key *k)
{
	size_t	 i;

	for (i = 0; i < k->nkids; i++)
		key_free(&k->kids[i]);
	free(k->kids);
	free(k->field);
	free(k->str);
	seqset_free(&k->set);
	memset(k, 0, sizeof(*k));
}

void
search_prog_free(struct search_prog *p)
{
	key_free(&p->root);
}

static int
sfail(struct sctx *c, const char *err)
{
	if (c->err == NULL)
		c->err = err;
	return -1;
}

static const struct imap_arg *
snext(struct sctx *c)
{
	if (c->i >= c->n)
		return NULL;
	return &c->a[c->i++];
}

static int
skey_string(struct sctx *c, struct search_key *k)
{
	const struct imap_arg	*a;

	if ((a = snext(c)) == NULL || !imap_arg_astring(a))
		return sfail(c, "SEARCH key needs a string");
	if (!imap_utf8_valid(a->s, a->len))
		return sfail(c, "[BADCHARSET (US-ASCII UTF-8)] "
		    "string is not UTF-8");
	k->str = xmalloc(a->len + 1);
	memcpy(k->str, a->s, a->len);
	k->str[a->len] = '\0';
	k->strlen = a->len;
	return 0;
}

/* MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162) */
static int
skey_modseq(struct sctx *c, struct search_key *k)
{
	const struct imap_arg	*a;

	if ((a = snext(c)) == NULL)
		return sfail(c, "MODSEQ needs a value");
	if (a->type == IMAP_ARG_STRING || a->type == IMAP_ARG_LITERAL) {
		if ((a = snext(c)) == NULL || (!imap_arg_is(a, "PRIV") &&
		    !imap_arg_is(a, "SHARED") && !imap_arg_is(a, "ALL")))
			return sfail(c, "MODSEQ: bad entry type");
		if ((a = snext(c)) == NULL)
			return sfail(c, "MODSEQ needs a value");
	}
	if (a->type != IMAP_ARG_ATOM ||
	    imap_num_parse(a->s, IMAP_MODSEQ_MAX, &k->num) == -1)
		return sfail(c, "MODSEQ: bad value");
	c->prog->has_modseq = 1;
	return 0;
}

static int
skey_arg(struct sctx *c, struct search_key *k, int type)
{
	const struct imap_arg	*a;
	const char		*err;

	switch (type) {
	case KA_NONE:
		return 0;
	case KA_HEADER:
		if ((a = snext(c)) == NULL || !imap_arg_astring(a) ||
		    a->len == 0 || strlen(a->s) != a->len ||
		    !imap_keyword_valid(a->s) || strchr(a->s, ':') != NULL)
			return sfail(c, "HEADER needs a field name");
		k->field = xstrdup(a->s);
		/* FALLTHROUGH */
	case KA_STRING:
		return skey_string(c, k);
	case KA_MODSEQ:
		return skey_modseq(c, k);
	default:
		break;
	}
	if ((a = snext(c)) == NULL)
		return sfail(c, "SEARCH key needs an argument");
	switch (type) {
	case KA_DATE:
		if (!imap_arg_astring(a) || imap_date_parse(a->s, &k->date))
			return sfail(c, "invalid date");
		return 0;
	case KA_NUMBER:
	case KA_NZNUMBER:
		if (a->type != IMAP_ARG_ATOM || imap_num_parse(a->s,
		    (uint64_t)INT64_MAX, &k->num) == -1 ||
		    (type == KA_NZNUMBER && k->num == 0))
			return sfail(c, "invalid number");
		return 0;
	case KA_KEYWORD:
		if (a->type != IMAP_ARG_ATOM || !imap_keyword_valid(a->s))
			return sfail(c, "invalid keyword");
		k->str = xstrdup(a->s);
		k->strlen = a->len;
		return 0;
	default:	/* KA_SEQSET */
		if (a->type != IMAP_ARG_ATOM ||
		    imap_seqset_parse(a->s, &k->set, &err) == -1)
			return sfail(c, "invalid UID set");
		return 0;
	}
}

/* n keys in a row into k->kids */
static int
skey_kids(struct sctx *c, struct search_key *k, size_t n, int depth)
{
	if (depth >= SEARCH_DEPTH)
		return sfail(c, "SEARCH nested too deep");
	k->kids = xcalloc(n, sizeof(*k->kids));
	for (k->nkids = 0; k->nkids < n; ) {
		/* counted first: a failed kid is freed with its parent */
		if (skey(c, &k->kids[k->nkids++], depth + 1) == -1)
			return -1;
	}
	return 0;
}

/* a parenthesised list of keys, or the top level */
static int
skey_group(struct sctx *c, const struct imap_arg *list,
    struct search_key *k, int depth)
{
	struct sctx	 sub;
	size_t		 cap = 0;

	if (depth >= SEARCH_DEPTH)
		return sfail(c, "SEARCH nested too deep");
	sub = *c;
	sub.a = list->list;
	sub.n = list->nlist;
	sub.i = 0;
	k->op = SK_AND;
	if (sub.n == 0)
		return sfail(c, "empty SEARCH group");
	while (sub.i < sub.n) {
		if (k->nkids == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			k->kids = xreallocarray(k->kids, cap,
			    sizeof(*k->kids));
		}
		memset(&k->kids[k->nkids], 0, sizeof(*k->kids));
		if (skey(&sub, &k->kids[k->nkids++], depth + 1) == -1) {
			c->err = sub.err;
			return -1;
		}
	}
	return 0;
}

static int
skey(struct sctx *c, struct search_key *k, int depth)
{
	const struct imap_arg	*a;
	const char		*err;
	size_t			 i;

	if ((a = snext(c)) == NULL)
		return sfail(c, "missing SEARCH key");
	if (a->type == IMAP_ARG_LIST)
		return skey_group(c, a, k, depth);
	if (a->type != IMAP_ARG_ATOM)
		return sfail(c, "invalid SEARCH key");
	if (strcasecmp(a->s, "NOT") == 0) {
		k->op = SK_NOT;
		return skey_kids(c, k, 1, depth);
	}
	if (strcasecmp(a->s, "OR") == 0) {
		k->op = SK_OR;
		return skey_kids(c, k, 2, depth);
	}
	for (i = 0; i < sizeof(search_keys) / sizeof(search_keys[0]); i++)
		if (strcasecmp(a->s, search_keys[i].name) == 0)
			break;
	if (i == sizeof(search_keys) / sizeof(search_keys[0])) {
		k->op = SK_SEQSET;
		if (imap_seqset_parse(a->s, &k->set, &err) == -1)
			return sfail(c, "unknown SEARCH key");
		return 0;
	}
	k->op = search_keys[i].op;
	k->flags = search_keys[i].flags;
	if (search_keys[i].field != NULL)
		k->field = xstrdup(search_keys[i].field);
	return skey_arg(c, k, search_keys[i].arg);
}

int
imap_return_parse(const struct imap_arg *a, unsigned int *ret,
    const char **err)
{
	static const struct {
		const char	*name;
		unsigned int	 bit;
	} opts[] = {
		{ "MIN", SR_MIN }, { "MAX", SR_MAX }, { "ALL", SR_ALL },
		{ "COUNT", SR_COUNT }, { "SAVE", SR_SAVE },
	};
	size_t	 i, j;

	*ret = 0;
	if (a->type != IMAP_ARG_LIST) {
		*err = "RETURN needs a list";
		return -1;
	}
	for (i = 0; i < a->nlist; i++) {
		for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			if (imap_arg_is(&a->list[i], opts[j].name))
				break;
		if (j == sizeof(opts) / sizeof(opts[0])) {
			*err = "unknown RETURN option";
			return -1;
		}
		*ret |= opts[j].bit;
	}
	if (*ret == 0)
		*ret = SR_ALL;
	return 0;
}

int
imap_search_parse(const struct imap_arg *a, size_t n,
    struct search_prog *p, const char **err)
{
	struct sctx	 c;
	struct imap_arg	 top;

	memset(p, 0, sizeof(*p));
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.n = n;
	c.prog = p;
	if (n >= 2 && imap_arg_is(&a[0], "RETURN")) {
		if (imap_return_parse(&a[1], &p->ret, err) == -1)
			return -1;
		p->esearch = 1;
		c.i = 2;
	}
	if (c.i + 1 < n && imap_arg_is(&a[c.i], "CHARSET")) {
		if (!imap_arg_astring(&a[c.i + 1]) ||
		    (strcasecmp(a[c.i + 1].s, "US-ASCII") != 0 &&
		    strcasecmp(a[c.i + 1].s, "UTF-8") != 0)) {
			*err = "[BADCHARSET (US-ASCII UTF-8)] "
			    "charset not supported";
			return -1;
		}
		c.i += 2;
	}
	memset(&top, 0, sizeof(top));
	top.type = IMAP_ARG_LIST;
	top.nlist = n - c.i;
	top.list = top.nlist == 0 ? NULL :
	    (struct imap_arg *)(uintptr_t)(a + c.i);
	if (top.nlist == 0) {
		*err = "SEARCH needs keys";
		return -1;
	}
	if (skey_group(&c, &top, &p->root, 0) == -1) {
		*err = c.err != NULL ? c.err : "invalid SEARCH";
		search_prog_free(p);
		return -1;
	}
	return 0;
}

int
imap_sort_parse(const struct imap_arg *a, struct sort_crit *crit,
    size_t *n, const char **err)
{
	size_t	 i, j;
	int	 reverse = 0;

	*n = 0;
	*err = "invalid SORT criteria";
	if (a->type != IMAP_ARG_LIST || a->nlist == 0)
		return -1;
	for (i = 0; i < a->nlist; i++) {
		if (imap_arg_is(&a->list[i], "REVERSE") && !reverse) {
			reverse = 1;
			continue;
		}
		for (j = 0; j < sizeof(sort_keys) / sizeof(sort_keys[0]); j++)
			if (imap_arg_is(&a->list[i], sort_keys[j].name))
				break;
		if (j == sizeof(sort_keys) / sizeof(sort_keys[0]) ||
		    *n == SORT_CRIT_MAX)
			return -1;
		crit[*n].key = sort_keys[j].key;
		crit[*n].reverse = reverse;
		(*n)++;
		reverse = 0;
	}
	if (reverse) {
		*n = 0;
		return -1;
	}
	return 0;
}

int
imap_thread_parse(const struct imap_arg *a, enum thread_alg *alg,
    const char **err)
{
	if (imap_arg_is(a, "ORDEREDSUBJECT"))
		*alg = THREAD_ORDEREDSUBJECT;
	else if (imap_arg_is(a, "REFERENCES"))
		*alg = THREAD_REFERENCES;
	else {
		*err = "unknown THREAD algorithm";
		return -1;
	}
	return 0;
}
