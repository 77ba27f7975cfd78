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
 * dkim_from.c -- the domain of the RFC5322.From address, which DMARC
 * checks (RFC 7489 6.6.1): there must be exactly one From field holding
 * exactly one mailbox (RFC 5322 3.4: [display-name] "<" addr-spec ">"
 * or a bare addr-spec, with comments and quoted strings anywhere);
 * a group, a list, a domain literal or anything malformed gives no
 * domain at all.
 *
 * SECURITY: the field is hostile.  It is read once into a copy of its
 * own size with comments removed (nesting counted, bounded by the
 * length), every index checked; the domain must be a plain host name
 * that fits DKIM_DOMAIN_MAX.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"
#include "dkim_local.h"

static int	from_strip(const char *, size_t, char *, size_t *);
static int	from_addr(char *, size_t, char **, size_t *);
static int	from_domain(struct dkim_msg *, const char *, size_t);

/*
 * The value with comments turned into a space, the rest copied: out
 * gets at most len bytes.  -1 if a quote or comment is not closed or a
 * character is not allowed.
 */
static int
from_strip(const char *v, size_t len, char *out, size_t *outlen)
{
	size_t	 i, n = 0, depth = 0;
	int	 quoted = 0;

	for (i = 0; i < len; i++) {
		if (v[i] == '\0')
			return (-1);
		if (depth > 0) {
			if (v[i] == '\\')
				i++;
			else if (v[i] == '(')
				depth++;
			else if (v[i] == ')' && --depth == 0)
				out[n++] = ' ';
			continue;
		}
		if (quoted) {
			out[n++] = v[i];
			if (v[i] == '\\' && i + 1 < len)
				out[n++] = v[++i];
			else if (v[i] == '"')
				quoted = 0;
			continue;
		}
		if (v[i] == '(') {
			depth = 1;
			continue;
		}
		if (v[i] == '"')
			quoted = 1;
		out[n++] = v[i];
	}
	if (depth > 0 || quoted)
		return (-1);
	*outlen = n;
	return (0);
}

/*
 * The addr-spec of one mailbox in s (comments gone): *addr and *alen.
 * -1 for a group, a list, or angle brackets that do not pair.
 */
static int
from_addr(char *s, size_t len, char **addr, size_t *alen)
{
	size_t	 i, lt = len, gt = len, nlt = 0;
	int	 quoted = 0;

	for (i = 0; i < len; i++) {
		if (quoted) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				quoted = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			quoted = 1;
			break;
		case '<':
			if (nlt++ > 0)
				return (-1);
			lt = i;
			break;
		case '>':
			if (lt == len || gt != len)
				return (-1);
			gt = i;
			break;
		case ',':
		case ';':
			return (-1);	/* a list, a group */
		case ':':
			return (-1);	/* a group, an obsolete route */
		default:
			break;
		}
	}
	if (lt == len) {
		*addr = s;
		*alen = len;
		return (0);
	}
	if (gt == len)
		return (-1);
	for (i = gt + 1; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return (-1);
	*addr = s + lt + 1;
	*alen = gt - lt - 1;
	return (0);
}

/* The domain after the one '@' outside quotes, as a plain host name. */
static int
from_domain(struct dkim_msg *m, const char *a, size_t len)
{
	size_t	 i, at = len, n = 0;
	int	 quoted = 0, local = 0, space = 0;

	for (i = 0; i < len; i++) {
		if (quoted) {
			if (a[i] == '\\')
				i++;
			else if (a[i] == '"')
				quoted = 0;
			local = 1;
			continue;
		}
		if (a[i] == '"')
			quoted = 1;
		else if (a[i] == '@') {
			if (at != len)
				return (-1);
			at = i;
		} else if (at == len && !isspace((unsigned char)a[i]))
			local = 1;
	}
	if (at == len || !local)
		return (-1);
	for (i = at + 1; i < len; i++) {
		if (isspace((unsigned char)a[i])) {
			space = n > 0;	/* obs-domain: CFWS around dots */
			continue;
		}
		if (space && a[i] != '.' && m->from[n - 1] != '.')
			return (-1);
		space = 0;
		if (!isalnum((unsigned char)a[i]) && a[i] != '-' &&
		    a[i] != '.' && a[i] != '_')
			return (-1);
		if (a[i] == '.' && (n == 0 || m->from[n - 1] == '.'))
			return (-1);
		if (n + 1 >= sizeof(m->from))
			return (-1);
		m->from[n++] = (char)tolower((unsigned char)a[i]);
	}
	if (n > 0 && m->from[n - 1] == '.')
		n--;
	if (n == 0)
		return (-1);
	m->from[n] = '\0';
	return (0);
}

void
dkim_from_find(struct dkim_msg *m)
{
	const struct dkim_hfield *f = NULL;
	const char		*v;
	char			*buf, *addr;
	size_t			 i, vlen, blen, alen;

	m->has_from = 0;
	m->from_bad = 0;
	if (m->too_large) {
		m->from_bad = 1;	/* what the reader sees is unknown */
		return;
	}
	for (i = 0; i < m->nfields; i++)
		if (dkim_field_is(m, &m->fields[i], "from", 4)) {
			if (f != NULL) {
				m->from_bad = 1;	/* two From fields */
				return;
			}
			f = &m->fields[i];
		}
	if (f == NULL)
		return;
	v = m->hdr + f->off + f->namelen;
	vlen = f->len - f->namelen;
	v = memchr(v, ':', vlen);	/* there is one: namelen > 0 */
	if (v == NULL) {
		m->from_bad = 1;
		return;
	}
	v++;
	vlen = f->len - (size_t)(v - (m->hdr + f->off));
	if ((buf = malloc(vlen + 1)) == NULL) {
		m->nomem = 1;
		return;
	}
	if (from_strip(v, vlen, buf, &blen) == 0 &&
	    from_addr(buf, blen, &addr, &alen) == 0 &&
	    from_domain(m, addr, alen) == 0)
		m->has_from = 1;
	else
		m->from_bad = 1;
	free(buf);
}
