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
 * mime_sort.c -- what SORT and THREAD (RFC 5256) compare: the base
 * subject (section 2.1: encoded-words decoded, white space collapsed,
 * "Re:", "Fwd:", "[blob]" leaders, "(fwd)" trailers and "[fwd: ...]"
 * wrappers removed) and the sent date of an RFC 5322 Date: value.
 */

#include <sys/types.h>

#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "mime.h"
#include "mime_int.h"

/* subj-blob at s: "[" *BLOBCHAR "]" *WSP; its length, 0 if none */
static size_t
blob_len(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || s[0] != '[')
		return 0;
	for (i = 1; i < n && s[i] != ']'; i++)
		if (s[i] == '[')
			return 0;
	if (i >= n)
		return 0;
	for (i++; i < n && s[i] == ' '; i++)
		;
	return i;
}

/* subj-refwd after any blobs: ("re" / "fw" ["d"]) *WSP [blob] ":" */
static size_t
leader_len(const char *s, size_t n)
{
	size_t	 i = 0, b;

	while ((b = blob_len(s + i, n - i)) > 0)
		i += b;
	if (n - i >= 3 && strncasecmp(s + i, "fwd", 3) == 0)
		i += 3;
	else if (n - i >= 2 && (strncasecmp(s + i, "re", 2) == 0 ||
	    strncasecmp(s + i, "fw", 2) == 0))
		i += 2;
	else
		return 0;
	while (i < n && s[i] == ' ')
		i++;
	i += blob_len(s + i, n - i);
	if (i < n && s[i] == ':')
		return i + 1;
	return 0;
}

/* steps 2 to 5 on w[*start, *end); 1 if a reply marker went */
static int
strip(const char *w, size_t *startp, size_t *endp)
{
	size_t	 s = *startp, e = *endp, l;
	int	 reply = 0, changed;

	for (;;) {	/* 2: trailers */
		if (e > s && w[e - 1] == ' ')
			e--;
		else if (e - s >= 5 && strncasecmp(w + e - 5, "(fwd)", 5) ==
		    0) {
			e -= 5;
			reply = 1;
		} else
			break;
	}
	do {		/* 3, 4, 5 */
		changed = 0;
		if (s < e && w[s] == ' ') {
			s++;
			changed = 1;
		} else if ((l = leader_len(w + s, e - s)) > 0) {
			s += l;
			reply = changed = 1;
		} else if ((l = blob_len(w + s, e - s)) > 0 && s + l < e) {
			s += l;
			changed = 1;
		}
	} while (changed);
	*startp = s;
	*endp = e;
	return reply;
}

int
mime_base_subject(const char *subj, size_t len, struct buf *out)
{
	struct buf	 dec, w;
	size_t		 i, s, e;
	int		 reply = 0, sp = 0;

	buf_init(&dec);
	buf_init(&w);
	buf_reserve(&w, 0);	/* w.s is never NULL */
	mime_header_decode(subj, len, &dec);
	for (i = 0; i < dec.len; i++) {	/* 1: collapse white space */
		if (mime_is_wsp((unsigned char)dec.s[i]) || dec.s[i] == '\r' ||
		    dec.s[i] == '\n') {
			sp = 1;
			continue;
		}
		if (sp && w.len > 0)
			buf_addc(&w, ' ');
		sp = 0;
		buf_addc(&w, dec.s[i]);
	}
	s = 0;
	e = w.len;
	for (;;) {
		reply |= strip(w.s, &s, &e);
		/* 6: [fwd: ...] */
		if (e - s >= 6 && strncasecmp(w.s + s, "[fwd:", 5) == 0 &&
		    w.s[e - 1] == ']') {
			s += 5;
			e--;
			reply = 1;
			continue;
		}
		break;
	}
	i = out->len;
	mime_fold(w.s + s, e - s, out);
	for (; i < out->len; i++)
		if (out->s[i] >= 'a' && out->s[i] <= 'z')
			out->s[i] -= 'a' - 'A';
	buf_free(&dec);
	buf_free(&w);
	return reply;
}

static const char *const months[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};

static const struct {
	const char	*name;
	int		 hours;
} zones[] = {
	{ "ut", 0 }, { "gmt", 0 }, { "z", 0 }, { "utc", 0 },
	{ "est", -5 }, { "edt", -4 }, { "cst", -6 }, { "cdt", -5 },
	{ "mst", -7 }, { "mdt", -6 }, { "pst", -8 }, { "pdt", -7 },
};

/* the next word of [*pp, end): letters, digits, ':' '+' '-' */
static size_t
date_word(const char **pp, const char *end, const char **w)
{
	const char	*p = *pp;

	while (p < end && (*p == ' ' || *p == '\t' || *p == ',' ||
	    *p == '\r' || *p == '\n'))
		p++;
	if (p < end && *p == '(')	/* a comment ends the date */
		p = end;
	*w = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != ',' &&
	    *p != '\r' && *p != '\n' && *p != '(')
		p++;
	*pp = p;
	return (size_t)(p - *w);
}

static int
num(const char *s, size_t n, int *v)
{
	size_t	 i;

	if (n == 0 || n > 4)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

static int
date_zone(const char *w, size_t n, long *off)
{
	size_t	 i;
	int	 v;

	*off = 0;
	if (n == 5 && (w[0] == '+' || w[0] == '-') && num(w + 1, 4, &v) == 0) {
		*off = (long)(v / 100) * 3600 + (long)(v % 100) * 60;
		if (w[0] == '-')
			*off = -*off;
		return 0;
	}
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (mime_strcaseeq(w, n, zones[i].name))
			*off = zones[i].hours * 3600L;
	return 0;
}

/* hh:mm[:ss] */
static int
date_time(const char *w, size_t n, int *h, int *m, int *sec)
{
	const char	*end = w + n, *c, *c2;

	if ((c = memchr(w, ':', n)) == NULL ||
	    num(w, (size_t)(c - w), h) == -1)
		return -1;
	c++;
	c2 = memchr(c, ':', (size_t)(end - c));
	if (num(c, (size_t)((c2 == NULL ? end : c2) - c), m) == -1)
		return -1;
	if (c2 != NULL && num(c2 + 1, (size_t)(end - c2 - 1), sec) == -1)
		return -1;
	return 0;
}

time_t
mime_date_parse(const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *w;
	struct tm	 tm;
	size_t		 n;
	int		 day, mon, year, h, m, sec = 0;
	long		 off = 0;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	n = date_word(&p, end, &w);
	if (n > 0 && (w[0] < '0' || w[0] > '9'))	/* day of week */
		n = date_word(&p, end, &w);
	if (num(w, n, &day) == -1 || day < 1 || day > 31)
		return -1;
	n = date_word(&p, end, &w);
	for (mon = 0; mon < 12; mon++)
		if (n >= 3 && strncasecmp(w, months[mon], 3) == 0)
			break;
	if (mon == 12)
		return -1;
	n = date_word(&p, end, &w);
	if (num(w, n, &year) == -1)
		return -1;
	if (n <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (n == 3)
		year += 1900;
	n = date_word(&p, end, &w);
	if (date_time(w, n, &h, &m, &sec) == -1)
		return -1;
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	n = date_word(&p, end, &w);
	(void)date_zone(w, n, &off);
	tm.tm_mday = day;
	tm.tm_mon = mon;
	tm.tm_year = year - 1900;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return t - off;
}
