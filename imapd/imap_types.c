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
 * imap_types.c -- typed IMAP arguments (imap_parse.h): sequence sets,
 * flags and STORE, dates and date-times, numbers.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"
#include "imap_parse_priv.h"

static const char *const months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const struct {
	uint64_t	 flag;
	const char	*name;
} sysflags[] = {
	{ MF_SEEN,	"\\Seen" },
	{ MF_ANSWERED,	"\\Answered" },
	{ MF_FLAGGED,	"\\Flagged" },
	{ MF_DELETED,	"\\Deleted" },
	{ MF_DRAFT,	"\\Draft" },
	{ MF_RECENT,	"\\Recent" },
};

static int	seq_number(const char **, uint32_t *);
static int	flag_one(const char *, uint64_t *, const char **, size_t,
		    size_t *, const char **);
static int	store_mods(const struct imap_arg *, struct store_spec *,
		    const char **);
static int	store_item(const char *, struct store_spec *);
static int64_t	days_from_civil(int64_t, unsigned int, unsigned int);
static int	date_part(const char *, size_t, time_t *);
static int	digits(const char *, size_t, unsigned int *);

int
imap_num_parse(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int
imap_arg_is(const struct imap_arg *a, const char *name)
{
	return a->type == IMAP_ARG_ATOM && strcasecmp(a->s, name) == 0;
}

int
imap_keyword_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("(){%*\"\\[]", *s) != NULL)
			return 0;
	return 1;
}

/* ---- sequence sets ---- */

static int
seq_number(const char **sp, uint32_t *out)
{
	const char	*s = *sp;
	uint64_t	 v = 0;

	if (*s == '*') {
		*out = IMAP_SEQ_STAR;
		*sp = s + 1;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (v == 0)
		return -1;
	*out = (uint32_t)v;
	*sp = s;
	return 0;
}

int
imap_seqset_parse(const char *s, struct seqset *set, const char **err)
{
	struct seqrange	 r;
	size_t		 cap = 0;

	memset(set, 0, sizeof(*set));
	if (strcmp(s, "$") == 0) {
		set->saved = 1;
		return 0;
	}
	for (;;) {
		if (seq_number(&s, &r.lo) == -1)
			goto bad;
		r.hi = r.lo;
		if (*s == ':') {
			s++;
			if (seq_number(&s, &r.hi) == -1)
				goto bad;
		}
		if (set->n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			set->r = xreallocarray(set->r, cap, sizeof(*set->r));
		}
		set->r[set->n++] = r;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			goto bad;
	}
 bad:
	seqset_free(set);
	*err = "invalid sequence set";
	return -1;
}

void
seqset_free(struct seqset *set)
{
	free(set->r);
	memset(set, 0, sizeof(*set));
}

int
seqset_contains(const struct seqset *set, uint32_t n, uint32_t star)
{
	uint32_t	 lo, hi, t;
	size_t		 i;

	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_SEQ_STAR ? star : set->r[i].lo;
		hi = set->r[i].hi == IMAP_SEQ_STAR ? star : set->r[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (n >= lo && n <= hi)
			return 1;
	}
	return 0;
}

void
seqset_bounds(const struct seqset *set, uint32_t star, uint32_t *lo,
    uint32_t *hi)
{
	uint32_t	 a, b, t;
	size_t		 i;

	*lo = *hi = 0;
	for (i = 0; i < set->n; i++) {
		a = set->r[i].lo == IMAP_SEQ_STAR ? star : set->r[i].lo;
		b = set->r[i].hi == IMAP_SEQ_STAR ? star : set->r[i].hi;
		if (a > b) {
			t = a;
			a = b;
			b = t;
		}
		if (i == 0 || a < *lo)
			*lo = a;
		if (i == 0 || b > *hi)
			*hi = b;
	}
}

void
seqset_from_list(struct buf *b, const uint32_t *v, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j - 1] != UINT32_MAX &&
		    v[j] == v[j - 1] + 1; j++)
			;
		if (i > 0)
			buf_addc(b, ',');
		buf_addu64(b, v[i]);
		if (j - i > 1) {
			buf_addc(b, ':');
			buf_addu64(b, v[j - 1]);
		}
	}
}

/* ---- flags and STORE ---- */

const char *
imap_sysflag_name(uint64_t f)
{
	size_t	 i;

	for (i = 0; i < sizeof(sysflags) / sizeof(sysflags[0]); i++)
		if (sysflags[i].flag == f)
			return sysflags[i].name;
	return NULL;
}

static int
flag_one(const char *s, uint64_t *sys, const char **kw, size_t max,
    size_t *nkw, const char **err)
{
	size_t	 i;

	if (s[0] == '\\') {
		for (i = 0; i < sizeof(sysflags) / sizeof(sysflags[0]); i++)
			if (strcasecmp(s, sysflags[i].name) == 0)
				break;
		if (i == sizeof(sysflags) / sizeof(sysflags[0])) {
			*err = "unknown system flag";
			return -1;
		}
		if (sysflags[i].flag == MF_RECENT) {
			*err = "\\Recent cannot be set";
			return -1;
		}
		*sys |= sysflags[i].flag;
		return 0;
	}
	if (!imap_keyword_valid(s)) {
		*err = "invalid keyword";
		return -1;
	}
	for (i = 0; i < *nkw; i++)
		if (strcasecmp(kw[i], s) == 0)
			return 0;
	if (*nkw == max) {
		*err = "too many keywords";
		return -1;
	}
	kw[(*nkw)++] = s;
	return 0;
}

int
imap_flags_parse(const struct imap_arg *a, uint64_t *sys, const char **kw,
    size_t *nkw, const char **err)
{
	const struct imap_arg	*v = a;
	size_t			 n = 1, i, max = *nkw;

	*sys = 0;
	*nkw = 0;
	if (a->type == IMAP_ARG_LIST) {
		v = a->list;
		n = a->nlist;
	}
	for (i = 0; i < n; i++) {
		if (v[i].type != IMAP_ARG_ATOM) {
			*err = "a flag must be an atom";
			return -1;
		}
		if (flag_one(v[i].s, sys, kw, max, nkw, err) == -1)
			return -1;
	}
	return 0;
}

static int
store_mods(const struct imap_arg *a, struct store_spec *st,
    const char **err)
{
	size_t	 i;

	for (i = 0; i < a->nlist; i += 2) {
		if (!imap_arg_is(&a->list[i], "UNCHANGEDSINCE") ||
		    st->unchangedsince_set || i + 1 >= a->nlist ||
		    a->list[i + 1].type != IMAP_ARG_ATOM ||
		    imap_num_parse(a->list[i + 1].s, IMAP_MODSEQ_MAX,
		    &st->unchangedsince) == -1) {
			*err = "invalid STORE modifier";
			return -1;
		}
		st->unchangedsince_set = 1;
	}
	return 0;
}

static int
store_item(const char *s, struct store_spec *st)
{
	if (*s == '+') {
		st->op = STORE_ADD;
		s++;
	} else if (*s == '-') {
		st->op = STORE_REMOVE;
		s++;
	} else
		st->op = STORE_SET;
	if (strncasecmp(s, "FLAGS", 5) != 0)
		return -1;
	s += 5;
	if (*s == '\0')
		return 0;
	if (strcasecmp(s, ".SILENT") != 0)
		return -1;
	st->silent = 1;
	return 0;
}

int
imap_store_parse(const struct imap_arg *a, size_t n, struct store_spec *st,
    const char **err)
{
	struct imap_arg	 list;
	size_t		 i = 0;

	memset(st, 0, sizeof(*st));
	if (n > 0 && a[0].type == IMAP_ARG_LIST) {
		if (store_mods(&a[0], st, err) == -1)
			return -1;
		i++;
	}
	if (i + 1 >= n || a[i].type != IMAP_ARG_ATOM ||
	    store_item(a[i].s, st) == -1) {
		*err = "STORE needs [+-]FLAGS[.SILENT] and flags";
		return -1;
	}
	i++;
	if (a[i].type == IMAP_ARG_LIST && i + 1 != n) {
		*err = "junk after the flag list";
		return -1;
	}
	if (a[i].type == IMAP_ARG_LIST)
		list = a[i];
	else {
		/* flag *(SP flag): the rest of the arguments */
		memset(&list, 0, sizeof(list));
		list.type = IMAP_ARG_LIST;
		list.list = (struct imap_arg *)(uintptr_t)&a[i];
		list.nlist = n - i;
	}
	st->nkw = MF_KEYWORDS_MAX;
	return imap_flags_parse(&list, &st->sys, st->kw, &st->nkw, err);
}

/* ---- dates ---- */

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t		 era;
	unsigned int	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, size_t n, unsigned int *out)
{
	unsigned int	 v = 0;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "1-Feb-1994" or "01-Feb-1994", exactly len bytes */
static int
date_part(const char *s, size_t len, time_t *t)
{
	static const unsigned char mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	unsigned int	 d, m, y;
	size_t		 dl;

	if (len == 10)
		dl = 1;
	else if (len == 11)
		dl = 2;
	else
		return -1;
	if (digits(s, dl, &d) == -1 || s[dl] != '-' || s[dl + 4] != '-' ||
	    digits(s + dl + 5, 4, &y) == -1)
		return -1;
	for (m = 0; m < 12; m++)
		if (strncasecmp(s + dl + 1, months[m], 3) == 0)
			break;
	if (m == 12 || d == 0 || d > mdays[m])
		return -1;
	if (m == 1 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	*t = (time_t)(days_from_civil(y, m + 1, d) * 86400);
	return 0;
}

int
imap_date_parse(const char *s, time_t *t)
{
	return date_part(s, strlen(s), t);
}

/* "01-Feb-1994 21:05:09 +0100" (day also " 1" or "1") */
int
imap_datetime_parse(const char *s, time_t *t)
{
	const char	*sp;
	unsigned int	 hh, mm, ss, zh, zm;
	time_t		 day;
	long		 zone;

	if (*s == ' ')
		s++;
	if ((sp = strchr(s, ' ')) == NULL ||
	    date_part(s, (size_t)(sp - s), &day) == -1)
		return -1;
	s = sp + 1;
	if (strlen(s) != 14 || s[2] != ':' || s[5] != ':' || s[8] != ' ' ||
	    (s[9] != '+' && s[9] != '-') || digits(s, 2, &hh) == -1 ||
	    digits(s + 3, 2, &mm) == -1 || digits(s + 6, 2, &ss) == -1 ||
	    digits(s + 10, 2, &zh) == -1 || digits(s + 12, 2, &zm) == -1)
		return -1;
	if (hh > 23 || mm > 59 || ss > 60 || zh > 23 || zm > 59)
		return -1;
	zone = (long)zh * 3600 + (long)zm * 60;
	if (s[9] == '-')
		zone = -zone;
	*t = day + (time_t)(hh * 3600 + mm * 60 + ss) - zone;
	return 0;
}

void
imap_datetime_fmt(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		t = 0;
		(void)gmtime_r(&t, &tm);
	}
	(void)snprintf(buf, len, "%02d-%s-%04d %02d:%02d:%02d +0000",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}
