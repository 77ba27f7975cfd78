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
 * psl.c -- the public suffix list (Debian's publicsuffix package) and the
 * organisational domain of RFC 7489 3.2.
 *
 * psl_load() reads the list once, before the sandbox, into one open
 * addressing hash set of names: each name carries flags saying that it
 * is a rule ("co.uk"), the parent of a wildcard rule ("ck" for "*.ck")
 * or an exception ("www.ck" for "!www.ck").  The list writes IDNs in
 * UTF-8; each such rule is also entered in its punycode (A-label) form,
 * so that "xn--..." names found in mail headers match too.  Both the
 * ICANN and the private sections are used, as most DMARC receivers do.
 *
 * psl_org_domain() is the list's algorithm: of the rules matching the
 * name, an exception wins, else the one with the most labels, else the
 * default rule "*"; the organisational domain is that public suffix plus
 * one label, or the name itself when it is no longer than the suffix.
 * It lower-cases into a buffer on the stack and allocates nothing: it
 * runs for every message (and for SPF and DKIM identifiers).
 *
 * SECURITY: the names looked up come from the network: a name is at most
 * 253 octets and 127 labels, a label at most 63 octets, empty labels are
 * refused; nothing is written past the caller's buffer.  The list is a
 * trusted file read before the sandbox, still bounded (PSL_FILE_MAX).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"

#define PSL_FILE_MAX	(16 * 1024 * 1024)
#define PSL_NAME_MAX	253
#define PSL_LABELS_MAX	127
#define PSL_LABEL_MAX	63

#define PSL_RULE	0x01	/* "name" is a rule */
#define PSL_WILD	0x02	/* "*.name" is a rule */
#define PSL_EXC		0x04	/* "!name" is a rule */

/*
 * The set: blob holds, per name, a flags octet, a length octet and the
 * name; slots hold offset + 1 into blob (0: empty).
 */
static uint8_t	*psl_blob;
static size_t	 psl_bloblen, psl_blobcap;
static uint32_t	*psl_slot;
static size_t	 psl_nslot;		/* a power of two */
static size_t	 psl_count;

static uint32_t	 psl_hash(const char *, size_t);
static uint32_t	*psl_find_slot(const char *, size_t);
static int	 psl_flags(const char *, size_t);
static int	 psl_insert(const char *, size_t, int);
static int	 psl_grow(void);
static int	 psl_add_rule(const char *, size_t);
static int	 psl_add_name(const char *, size_t, int);
static int	 utf8_decode(const char *, size_t, uint32_t *, size_t *);
static int	 puny_encode(const uint32_t *, size_t, char *, size_t,
		    size_t *);
static int	 puny_name(const char *, size_t, char *, size_t, size_t *);
static void	 psl_free(void);

static uint32_t
psl_hash(const char *s, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return (h);
}

/* The slot holding name, or the empty slot where it would go. */
static uint32_t *
psl_find_slot(const char *s, size_t len)
{
	size_t		 i, n;
	const uint8_t	*e;

	i = psl_hash(s, len) & (psl_nslot - 1);
	for (n = 0; n < psl_nslot; n++) {
		if (psl_slot[i] == 0)
			return (&psl_slot[i]);
		e = psl_blob + psl_slot[i] - 1;
		if (e[1] == len && memcmp(e + 2, s, len) == 0)
			return (&psl_slot[i]);
		i = (i + 1) & (psl_nslot - 1);
	}
	return (NULL);		/* never: the table is at most half full */
}

static int
psl_flags(const char *s, size_t len)
{
	uint32_t	*slot;

	if (psl_nslot == 0 || len > PSL_NAME_MAX)
		return (0);
	if ((slot = psl_find_slot(s, len)) == NULL || *slot == 0)
		return (0);
	return (psl_blob[*slot - 1]);
}

static int
psl_grow(void)
{
	uint32_t	*old = psl_slot, *slot;
	size_t		 oldn = psl_nslot, i, n;
	const uint8_t	*e;

	n = oldn ? oldn * 2 : 4096;
	if (n > SIZE_MAX / sizeof(*psl_slot) || n > UINT32_MAX)
		return (-1);
	if ((psl_slot = calloc(n, sizeof(*psl_slot))) == NULL) {
		psl_slot = old;
		return (-1);
	}
	psl_nslot = n;
	for (i = 0; i < oldn; i++) {
		if (old[i] == 0)
			continue;
		e = psl_blob + old[i] - 1;
		slot = psl_find_slot((const char *)e + 2, e[1]);
		*slot = old[i];
	}
	free(old);
	return (0);
}

static int
psl_insert(const char *s, size_t len, int flags)
{
	uint32_t	*slot;
	uint8_t		*nb;
	size_t		 need, cap;

	if (len == 0 || len > PSL_NAME_MAX)
		return (0);		/* not a name: skipped */
	if ((psl_count + 1) * 2 > psl_nslot && psl_grow() == -1)
		return (-1);
	slot = psl_find_slot(s, len);
	if (*slot != 0) {
		psl_blob[*slot - 1] |= flags;
		return (0);
	}
	need = psl_bloblen + 2 + len;
	if (need >= UINT32_MAX)
		return (-1);
	if (need > psl_blobcap) {
		cap = psl_blobcap ? psl_blobcap * 2 : 128 * 1024;
		while (cap < need)
			cap *= 2;
		if ((nb = realloc(psl_blob, cap)) == NULL)
			return (-1);
		psl_blob = nb;
		psl_blobcap = cap;
	}
	psl_blob[psl_bloblen] = (uint8_t)flags;
	psl_blob[psl_bloblen + 1] = (uint8_t)len;
	memcpy(psl_blob + psl_bloblen + 2, s, len);
	*slot = (uint32_t)psl_bloblen + 1;
	psl_bloblen = need;
	psl_count++;
	return (0);
}

/* One UTF-8 label into code points: 0, or -1 if not valid UTF-8. */
static int
utf8_decode(const char *s, size_t len, uint32_t *cp, size_t *ncp)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0, n = 0, k, more;
	uint32_t	 c;

	while (i < len) {
		c = p[i++];
		if (c < 0x80)
			more = 0;
		else if ((c & 0xe0) == 0xc0) {
			more = 1;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3;
			c &= 0x07;
		} else
			return (-1);
		if (more > len - i)
			return (-1);
		for (k = 0; k < more; k++) {
			if ((p[i] & 0xc0) != 0x80)
				return (-1);
			c = (c << 6) | (p[i++] & 0x3f);
		}
		if ((more == 1 && c < 0x80) || (more == 2 && c < 0x800) ||
		    (more == 3 && c < 0x10000) || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff))
			return (-1);
		cp[n++] = c;		/* n <= len: the caller's array */
	}
	*ncp = n;
	return (0);
}

/* RFC 3492's encoder, with its parameters. */
#define PUNY_BASE	36
#define PUNY_TMIN	1
#define PUNY_TMAX	26
#define PUNY_SKEW	38
#define PUNY_DAMP	700
#define PUNY_BIAS	72
#define PUNY_N		128

static uint32_t
puny_adapt(uint32_t delta, uint32_t numpoints, int first)
{
	uint32_t	 k = 0;

	delta = first ? delta / PUNY_DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
		delta /= PUNY_BASE - PUNY_TMIN;
		k += PUNY_BASE;
	}
	return (k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW));
}

static int
puny_digit(uint32_t d)
{
	return (d < 26 ? 'a' + (int)d : '0' + (int)d - 26);
}

/* Code points into "xn--..." at out: 0 and *olen, or -1. */
static int
puny_encode(const uint32_t *cp, size_t ncp, char *out, size_t outsz,
    size_t *olen)
{
	size_t		 o, j, b, h;
	uint32_t	 n = PUNY_N, bias = PUNY_BIAS, delta = 0, m, q, k, t;

	if (outsz < 5)
		return (-1);
	out[0] = 'x';
	out[1] = 'n';
	out[2] = '-';
	out[3] = '-';
	o = 4;
	for (j = 0; j < ncp; j++) {
		if (cp[j] < 0x80) {
			if (o >= outsz)
				return (-1);
			out[o++] = (char)cp[j];
		}
	}
	h = b = o - 4;
	if (b > 0) {
		if (o >= outsz)
			return (-1);
		out[o++] = '-';
	}
	while (h < ncp) {
		m = UINT32_MAX;
		for (j = 0; j < ncp; j++)
			if (cp[j] >= n && cp[j] < m)
				m = cp[j];
		if ((uint64_t)(m - n) * (h + 1) > UINT32_MAX - delta)
			return (-1);
		delta += (m - n) * (uint32_t)(h + 1);
		n = m;
		for (j = 0; j < ncp; j++) {
			if (cp[j] < n && ++delta == 0)
				return (-1);
			if (cp[j] != n)
				continue;
			for (q = delta, k = PUNY_BASE;; k += PUNY_BASE) {
				t = k <= bias ? PUNY_TMIN : k >= bias +
				    PUNY_TMAX ? PUNY_TMAX : k - bias;
				if (q < t)
					break;
				if (o >= outsz)
					return (-1);
				out[o++] = (char)puny_digit(t + (q - t) %
				    (PUNY_BASE - t));
				q = (q - t) / (PUNY_BASE - t);
			}
			if (o >= outsz)
				return (-1);
			out[o++] = (char)puny_digit(q);
			bias = puny_adapt(delta, (uint32_t)h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		n++;
	}
	*olen = o;
	return (0);
}

/*
 * A name with UTF-8 labels into its A-label form: 1 and *olen when it
 * changed, 0 when it is all ASCII, -1 when it cannot be converted.
 */
static int
puny_name(const char *s, size_t len, char *out, size_t outsz, size_t *olen)
{
	uint32_t	 cp[PSL_NAME_MAX];
	size_t		 i, start, o = 0, ncp, l, j;
	int		 changed = 0, ascii;

	for (start = 0; start <= len; start = i + 1) {
		for (i = start; i < len && s[i] != '.'; i++)
			;
		l = i - start;
		ascii = 1;
		for (j = start; j < i; j++)
			if ((uint8_t)s[j] >= 0x80)
				ascii = 0;
		if (o > 0) {
			if (o >= outsz)
				return (-1);
			out[o++] = '.';
		}
		if (ascii) {
			if (l > outsz - o)
				return (-1);
			memcpy(out + o, s + start, l);
			o += l;
		} else {
			if (l > PSL_NAME_MAX ||
			    utf8_decode(s + start, l, cp, &ncp) == -1 ||
			    puny_encode(cp, ncp, out + o, outsz - o, &l) == -1)
				return (-1);
			o += l;
			changed = 1;
		}
	}
	*olen = o;
	return (changed);
}

static int
psl_add_name(const char *s, size_t len, int flags)
{
	char	 a[PSL_NAME_MAX + 1];
	size_t	 alen;

	if (psl_insert(s, len, flags) == -1)
		return (-1);
	if (puny_name(s, len, a, sizeof(a), &alen) == 1 &&
	    alen <= PSL_NAME_MAX && psl_insert(a, alen, flags) == -1)
		return (-1);
	return (0);
}

/* One rule ("co.uk", "*.ck", "!www.ck"), lower-cased (ASCII). */
static int
psl_add_rule(const char *s, size_t len)
{
	char	 low[PSL_NAME_MAX + 3];
	size_t	 i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > PSL_NAME_MAX + 2)
		return (0);		/* not a rule: skipped */
	for (i = 0; i < len; i++)
		low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' :
		    s[i];
	if (low[0] == '!')
		return (psl_add_name(low + 1, len - 1, PSL_EXC));
	if (len >= 2 && low[0] == '*' && low[1] == '.')
		return (psl_add_name(low + 2, len - 2, PSL_WILD));
	if (memchr(low, '*', len) != NULL || memchr(low, '!', len) != NULL)
		return (0);		/* wildcards elsewhere: none */
	return (psl_add_name(low, len, PSL_RULE));
}

static void
psl_free(void)
{
	free(psl_blob);
	free(psl_slot);
	psl_blob = NULL;
	psl_slot = NULL;
	psl_bloblen = psl_blobcap = psl_nslot = psl_count = 0;
}

int
psl_load(const char *path)
{
	FILE		*fp;
	char		*line = NULL, *p, *e;
	size_t		 cap = 0, total = 0;
	ssize_t		 n;
	int		 rv = 0;

	psl_free();
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while ((n = getline(&line, &cap, fp)) != -1) {
		total += (size_t)n;
		if (total > PSL_FILE_MAX) {
			rv = -1;
			break;
		}
		/* A rule is the line up to the first white space. */
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t' &&
		    *e != '\r' && *e != '\n'; e++)
			;
		if (e == p || (e - p >= 2 && p[0] == '/' && p[1] == '/'))
			continue;
		if (psl_add_rule(p, (size_t)(e - p)) == -1) {
			rv = -1;
			break;
		}
	}
	if (ferror(fp))
		rv = -1;
	free(line);
	fclose(fp);
	if (rv == -1 || psl_count == 0) {
		psl_free();
		return (-1);
	}
	return (0);
}

int
psl_org_domain(const char *name, char *out, size_t outsz)
{
	char		 low[PSL_NAME_MAX + 1];
	uint8_t		 start[PSL_LABELS_MAX + 1];
	size_t		 len, i, nl = 0, k, ps = 0, off, l;
	int		 f, prev = 0;

	len = strnlen(name, PSL_NAME_MAX + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > PSL_NAME_MAX || name[len - 1] == '.')
		return (-1);		/* empty, too long, an empty label */
	for (i = 0; i < len; i++) {
		if (i == 0 || name[i - 1] == '.') {
			if (name[i] == '.' || nl == PSL_LABELS_MAX)
				return (-1);
			start[nl++] = (uint8_t)i;
		}
		low[i] = (name[i] >= 'A' && name[i] <= 'Z') ?
		    name[i] - 'A' + 'a' : name[i];
	}
	low[len] = '\0';
	for (k = 0; k < nl; k++) {
		l = (k + 1 < nl ? (size_t)start[k + 1] - 1 : len) - start[k];
		if (l > PSL_LABEL_MAX)
			return (-1);
	}

	/* Suffixes of 1, 2... labels. */
	for (k = 1; k <= nl; k++) {
		off = start[nl - k];
		f = psl_flags(low + off, len - off);
		if (f & PSL_EXC) {
			ps = k - 1;
			break;
		}
		if ((f & PSL_RULE) || (prev & PSL_WILD))
			ps = k;
		prev = f;
	}
	if (ps == 0)
		ps = 1;			/* the default rule "*" */
	off = nl <= ps ? 0 : start[nl - ps - 1];
	if (len - off >= outsz)
		return (-1);
	memcpy(out, low + off, len - off);
	out[len - off] = '\0';
	return (0);
}
