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
 * spf_record.c -- the SPF record parser (RFC 7208 section 12's ABNF):
 * "v=spf1", then terms separated by spaces: directives (an optional
 * qualifier and one of all, include, a, mx, ptr, ip4, ip6, exists, with
 * their domain-specs and CIDR lengths) and modifiers (redirect and exp
 * at most once each; unknown modifiers are checked and ignored).  Any
 * syntax error anywhere makes the record a permerror (4.6).  Also
 * spf_record_check(), the syntax checker of spf.h and the fuzz entry.
 *
 * SECURITY: the record comes from the DNS.  It is at most
 * SPF_RECORD_MAX octets, of SP and visible ASCII only; the terms array
 * is sized from a first count of the spaces (no term is longer than the
 * text, no more terms than half of it plus one); numbers are read with
 * a bounded number of digits; nothing is recursive.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf.h"
#include "spf_int.h"

static const struct {
	const char	*name;
	int		 type;
} mechs[] = {
	{ "all",	SPF_M_ALL },
	{ "include",	SPF_M_INCLUDE },
	{ "a",		SPF_M_A },
	{ "mx",		SPF_M_MX },
	{ "ptr",	SPF_M_PTR },
	{ "ip4",	SPF_M_IP4 },
	{ "ip6",	SPF_M_IP6 },
	{ "exists",	SPF_M_EXISTS },
};

static int	parse_cidr(const char *, size_t, int, int *);
static int	parse_dual_cidr(const char *, size_t, struct spf_term *);
static int	parse_ip4(const char *, size_t, uint8_t *);
static int	parse_ip6(const char *, size_t, uint8_t *);
static size_t	spec_end(const char *, size_t);
static int	toplabel_ok(const char *, size_t);
static int	parse_mechanism(struct spf_term *, const char *, size_t,
		    char *, size_t);
static int	parse_term(struct spf_record *, const char *, size_t, char *,
		    size_t);

int
spf_record_is_spf(const char *s, size_t len)
{
	if (len < 6 || strncasecmp(s, "v=spf1", 6) != 0)
		return (0);
	return (len == 6 || s[6] == ' ');
}

/* "/" is already eaten: "0" or 1-9 then digits, at most max. */
static int
parse_cidr(const char *s, size_t len, int max, int *out)
{
	size_t	i;
	int	v = 0;

	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return (-1);
	*out = v;
	return (0);
}

/* dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] */
static int
parse_dual_cidr(const char *s, size_t len, struct spf_term *t)
{
	const char	*p;
	size_t		 n4;

	if (len == 0)
		return (0);
	if (s[0] != '/')
		return (-1);
	if (len >= 2 && s[1] == '/')
		return (parse_cidr(s + 2, len - 2, 128, &t->cidr6));
	s++;
	len--;
	p = memchr(s, '/', len);
	n4 = p == NULL ? len : (size_t)(p - s);
	if (parse_cidr(s, n4, 32, &t->cidr4) == -1)
		return (-1);
	if (p == NULL)
		return (0);
	/* "//" then the IPv6 length */
	if (len - n4 < 2 || p[1] != '/')
		return (-1);
	return (parse_cidr(p + 2, len - n4 - 2, 128, &t->cidr6));
}

/* A dotted quad, each number 0-255 without leading zeros (qnum). */
static int
parse_ip4(const char *s, size_t len, uint8_t *a)
{
	size_t	i = 0, nd;
	int	k, v;

	for (k = 0; k < 4; k++) {
		if (k > 0) {
			if (i >= len || s[i] != '.')
				return (-1);
			i++;
		}
		for (nd = 0, v = 0; i < len && isdigit((unsigned char)s[i]) &&
		    nd < 4; i++, nd++)
			v = v * 10 + (s[i] - '0');
		if (nd == 0 || nd > 3 || v > 255 ||
		    (nd > 1 && s[i - nd] == '0'))
			return (-1);
		a[k] = (uint8_t)v;
	}
	return (i == len ? 0 : -1);
}

static int
parse_ip6(const char *s, size_t len, uint8_t *a)
{
	char	buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return (inet_pton(AF_INET6, buf, a) == 1 ? 0 : -1);
}

/* Where a domain-spec ends: the first "/" outside "%{...}". */
static size_t
spec_end(const char *s, size_t len)
{
	size_t	i;
	int	inmacro = 0;

	for (i = 0; i < len; i++) {
		if (inmacro) {
			if (s[i] == '}')
				inmacro = 0;
			continue;
		}
		if (s[i] == '%' && i + 1 < len && s[i + 1] == '{') {
			inmacro = 1;
			i++;
			continue;
		}
		if (s[i] == '%' && i + 1 < len) {
			i++;	/* %%, %_, %- */
			continue;
		}
		if (s[i] == '/')
			return (i);
	}
	return (len);
}

/*
 * toplabel = ( *alphanum ALPHA *alphanum ) /
 *	      ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
 */
static int
toplabel_ok(const char *s, size_t len)
{
	size_t	i;
	int	alpha = 0, dash = 0;

	if (len == 0 || len > 63)
		return (0);
	for (i = 0; i < len; i++) {
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
		else if (s[i] == '-')
			dash = 1;
		else if (!isdigit((unsigned char)s[i]))
			return (0);
	}
	if (alpha && !dash)
		return (1);
	/* with a dash: alphanumeric at both ends */
	return (dash && s[0] != '-' && s[len - 1] != '-');
}

/* domain-spec = macro-string domain-end */
int
spf_domain_spec_check(const char *s, size_t len, char *err, size_t errsz)
{
	size_t	 n = len, i, tail = 0;
	int	 lastmacro = 0;

	if (len == 0) {
		(void)snprintf(err, errsz, "empty domain-spec");
		return (-1);
	}
	if (spf_macro_check(s, len, SPF_MACRO_DOMAIN, err, errsz) == -1)
		return (-1);
	/*
	 * domain-end = ( "." toplabel [ "." ] ) / macro-expand; a final
	 * dot after a macro-expand is let through, as others do.
	 */
	if (s[n - 1] == '.')
		n--;
	for (i = 0; i < n; ) {
		if (s[i] != '%') {
			lastmacro = 0;
			i++;
			continue;
		}
		if (s[i + 1] == '{') {
			while (i < n && s[i] != '}')
				i++;
			if (i == n)
				break;	/* the final dot closed nothing */
		} else
			i++;
		i++;
		lastmacro = 1;
		tail = i;
	}
	if (lastmacro && i == n)
		return (0);
	for (i = n; i > tail && s[i - 1] != '.'; i--)
		;
	if (i == tail || !toplabel_ok(s + i, n - i)) {
		(void)snprintf(err, errsz, "domain-spec \"%.*s\" does not end "
		    "with a valid top label", (int)(len > 64 ? 64 : len), s);
		return (-1);
	}
	return (0);
}

static int
parse_mechanism(struct spf_term *t, const char *s, size_t len, char *err,
    size_t errsz)
{
	size_t	 e;

	switch (t->type) {
	case SPF_M_ALL:
		if (len != 0)
			goto bad;
		return (0);
	case SPF_M_INCLUDE:
	case SPF_M_EXISTS:
		if (len < 1 || s[0] != ':')
			goto bad;
		t->spec = s + 1;
		t->speclen = len - 1;
		return (spf_domain_spec_check(t->spec, t->speclen, err,
		    errsz));
	case SPF_M_PTR:
		if (len == 0)
			return (0);
		if (s[0] != ':')
			goto bad;
		t->spec = s + 1;
		t->speclen = len - 1;
		return (spf_domain_spec_check(t->spec, t->speclen, err,
		    errsz));
	case SPF_M_A:
	case SPF_M_MX:
		if (len > 0 && s[0] == ':') {
			e = spec_end(s + 1, len - 1);
			t->spec = s + 1;
			t->speclen = e;
			if (spf_domain_spec_check(t->spec, t->speclen, err,
			    errsz) == -1)
				return (-1);
			s += 1 + e;
			len -= 1 + e;
		}
		if (parse_dual_cidr(s, len, t) == -1) {
			(void)snprintf(err, errsz, "invalid CIDR length in "
			    "\"%.*s\"", (int)(t->textlen > 64 ? 64 :
			    t->textlen), t->text);
			return (-1);
		}
		return (0);
	case SPF_M_IP4:
	case SPF_M_IP6:
		if (len < 2 || s[0] != ':')
			goto bad;
		s++;
		len--;
		e = t->type == SPF_M_IP4 ? spec_end(s, len) :
		    (memchr(s, '/', len) == NULL ? len :
		    (size_t)((const char *)memchr(s, '/', len) - s));
		if ((t->type == SPF_M_IP4 ? parse_ip4(s, e, t->addr) :
		    parse_ip6(s, e, t->addr)) == -1) {
			(void)snprintf(err, errsz, "invalid address in "
			    "\"%.*s\"", (int)(t->textlen > 64 ? 64 :
			    t->textlen), t->text);
			return (-1);
		}
		if (e < len && (parse_cidr(s + e + 1, len - e - 1,
		    t->type == SPF_M_IP4 ? 32 : 128, t->type == SPF_M_IP4 ?
		    &t->cidr4 : &t->cidr6) == -1)) {
			(void)snprintf(err, errsz, "invalid CIDR length in "
			    "\"%.*s\"", (int)(t->textlen > 64 ? 64 :
			    t->textlen), t->text);
			return (-1);
		}
		return (0);
	default:
		break;
	}
 bad:
	(void)snprintf(err, errsz, "invalid mechanism \"%.*s\"",
	    (int)(t->textlen > 64 ? 64 : t->textlen), t->text);
	return (-1);
}

static int
parse_term(struct spf_record *rec, const char *s, size_t len, char *err,
    size_t errsz)
{
	struct spf_term	*t = &rec->terms[rec->nterms];
	size_t		 i = 0, n, k;
	char		 qual = '+';
	int		 shown = (int)(len > 64 ? 64 : len);

	if (strchr("+-~?", s[0]) != NULL) {
		qual = s[0];
		i = 1;
	}
	n = i;
	if (n < len && isalpha((unsigned char)s[n])) {
		while (n < len && (isalnum((unsigned char)s[n]) ||
		    s[n] == '-' || s[n] == '_' || s[n] == '.'))
			n++;
	}
	if (n == i) {
		(void)snprintf(err, errsz, "invalid term \"%.*s\"", shown, s);
		return (-1);
	}
	if (n < len && s[n] == '=') {
		const char	*v = s + n + 1;
		size_t		 vlen = len - n - 1;

		if (i != 0) {
			(void)snprintf(err, errsz, "qualifier on modifier "
			    "\"%.*s\"", shown, s);
			return (-1);
		}
		if (n == 8 && strncasecmp(s, "redirect", 8) == 0) {
			if (rec->redirect != NULL) {
				(void)snprintf(err, errsz, "more than one "
				    "redirect modifier");
				return (-1);
			}
			rec->redirect = v;
			rec->redirectlen = vlen;
			return (spf_domain_spec_check(v, vlen, err, errsz));
		}
		if (n == 3 && strncasecmp(s, "exp", 3) == 0) {
			if (rec->exp != NULL) {
				(void)snprintf(err, errsz, "more than one "
				    "exp modifier");
				return (-1);
			}
			rec->exp = v;
			rec->explen = vlen;
			return (spf_domain_spec_check(v, vlen, err, errsz));
		}
		/* unknown modifier: its macro-string checked, then ignored */
		return (spf_macro_check(v, vlen, SPF_MACRO_EXP, err, errsz));
	}
	memset(t, 0, sizeof(*t));
	t->qual = qual;
	t->cidr4 = -1;
	t->cidr6 = -1;
	t->text = s;
	t->textlen = len;
	for (k = 0; k < sizeof(mechs) / sizeof(mechs[0]); k++) {
		if (strlen(mechs[k].name) == n - i &&
		    strncasecmp(mechs[k].name, s + i, n - i) == 0)
			break;
	}
	if (k == sizeof(mechs) / sizeof(mechs[0])) {
		(void)snprintf(err, errsz, "unknown mechanism \"%.*s\"",
		    shown, s);
		return (-1);
	}
	t->type = mechs[k].type;
	if (parse_mechanism(t, s + n, len - n, err, errsz) == -1)
		return (-1);
	rec->nterms++;
	return (0);
}

int
spf_record_parse(const char *s, size_t len, struct spf_record *rec,
    char *err, size_t errsz)
{
	size_t	 i, b, max;

	memset(rec, 0, sizeof(*rec));
	if (len > SPF_RECORD_MAX) {
		(void)snprintf(err, errsz, "record longer than %d octets",
		    SPF_RECORD_MAX);
		return (-1);
	}
	if (!spf_record_is_spf(s, len)) {
		(void)snprintf(err, errsz, "not an SPF record");
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (s[i] != ' ' && ((unsigned char)s[i] < 0x21 ||
		    (unsigned char)s[i] > 0x7e)) {
			(void)snprintf(err, errsz, "invalid character 0x%02x "
			    "in record", (unsigned char)s[i]);
			return (-1);
		}
	}
	max = len / 2 + 1;
	if ((rec->terms = calloc(max, sizeof(*rec->terms))) == NULL) {
		(void)snprintf(err, errsz, "out of memory");
		return (-1);
	}
	for (i = 6; i < len; ) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		for (b = i; i < len && s[i] != ' '; i++)
			;
		if (rec->nterms >= max ||
		    parse_term(rec, s + b, i - b, err, errsz) == -1) {
			spf_record_free(rec);
			return (-1);
		}
	}
	return (0);
}

void
spf_record_free(struct spf_record *rec)
{
	free(rec->terms);
	memset(rec, 0, sizeof(*rec));
}

int
spf_record_check(const char *s, size_t len, char *err, size_t errsz)
{
	struct spf_record	 rec;
	char			 dummy[8];

	if (err == NULL || errsz == 0) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	err[0] = '\0';
	if (spf_record_parse(s, len, &rec, err, errsz) == -1)
		return (-1);
	spf_record_free(&rec);
	return (0);
}
