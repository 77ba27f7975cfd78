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
 * spf_macro.c -- SPF macros (RFC 7208 section 7): the syntax of a
 * macro-string and its expansion: the letters s l o d i p v h c r t,
 * the transformers (a number of right-hand parts, "r" to reverse), the
 * delimiters . - + , / _ =, upper-case letters URL-escaped, "%%", "%_"
 * and "%-", and the truncation of a domain name to 253 octets by
 * dropping its leading labels.
 *
 * SECURITY: the macro-string comes from a DNS record and the values from
 * the SMTP session: both hostile.  Every write goes through out_put(),
 * which checks the room left; a value is split into at most
 * MACRO_PARTS_MAX parts (a part count above that is the same as "all of
 * them": no number is used unchecked); no recursion.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "spf_int.h"

#define MACRO_PARTS_MAX	512	/* parts of one value */
#define MACRO_DIGITS_MAX 1000	/* "%{d999999}" is the same as "%{d1000}" */

struct out {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 over;		/* something did not fit */
};

static void	out_put(struct out *, const char *, size_t);
static void	out_escaped(struct out *, const char *, size_t);
static int	macro_parse(const char *, size_t, size_t *, char *,
		    unsigned int *, int *, char *, size_t);
static int	macro_value(int, const struct spf_macro_env *, char *,
		    size_t);
static void	macro_transform(struct out *, const char *, unsigned int,
		    int, const char *, int);
static void	domain_truncate(char *, size_t *);

static void
out_put(struct out *o, const char *s, size_t n)
{
	size_t	room;

	if (o->size == 0)
		return;
	room = o->size - 1 - o->len;
	if (n > room) {
		n = room;
		o->over = 1;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* RFC 3986 unreserved stays; everything else as %XX. */
static void
out_escaped(struct out *o, const char *s, size_t n)
{
	char	 hex[4];
	size_t	 i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			out_put(o, s + i, 1);
		else {
			(void)snprintf(hex, sizeof(hex), "%%%02X", c);
			out_put(o, hex, 3);
		}
	}
}

/*
 * The macro at s[*pos] (just after "%{"): letter, digits, "r",
 * delimiters, "}".  *pos moves past the "}".  0 or -1.
 */
static int
macro_parse(const char *s, size_t len, size_t *pos, char *letter,
    unsigned int *digits, int *reverse, char *delims, size_t delimsz)
{
	size_t	 i = *pos, nd = 0;
	int	 sawdigit = 0;
	unsigned int n = 0;

	if (i >= len)
		return (-1);
	*letter = s[i++];
	if (strchr("slodipvhcrtSLODIPVHCRT", *letter) == NULL ||
	    *letter == '\0')
		return (-1);
	while (i < len && isdigit((unsigned char)s[i])) {
		sawdigit = 1;
		if (n < MACRO_DIGITS_MAX)
			n = n * 10 + (unsigned int)(s[i] - '0');
		if (n > MACRO_DIGITS_MAX)
			n = MACRO_DIGITS_MAX;
		i++;
	}
	if (sawdigit && n == 0)
		return (-1);		/* 7.3: the number is nonzero */
	*digits = n;
	*reverse = 0;
	if (i < len && (s[i] == 'r' || s[i] == 'R')) {
		*reverse = 1;
		i++;
	}
	while (i < len && s[i] != '}') {
		if (strchr(".-+,/_=", s[i]) == NULL || s[i] == '\0')
			return (-1);
		if (nd + 1 < delimsz && strchr(delims, s[i]) == NULL) {
			delims[nd++] = s[i];
			delims[nd] = '\0';
		}
		i++;
	}
	if (i >= len)
		return (-1);
	*pos = i + 1;
	return (0);
}

int
spf_macro_check(const char *s, size_t len, int mode, char *err,
    size_t errsz)
{
	size_t		 i;
	char		 letter, delims[8];
	unsigned int	 digits;
	int		 reverse;

	for (i = 0; i < len; ) {
		/* explain-string = *( macro-string / SP ) */
		if (((unsigned char)s[i] < 0x21 &&
		    !(s[i] == ' ' && mode == SPF_MACRO_EXP)) ||
		    (unsigned char)s[i] > 0x7e) {
			(void)snprintf(err, errsz, "invalid character in "
			    "macro-string");
			return (-1);
		}
		if (s[i] != '%') {
			i++;
			continue;
		}
		if (i + 1 >= len) {
			(void)snprintf(err, errsz, "lone %% at the end of "
			    "macro-string");
			return (-1);
		}
		switch (s[i + 1]) {
		case '%':
		case '_':
		case '-':
			i += 2;
			continue;
		case '{':
			break;
		default:
			(void)snprintf(err, errsz, "invalid macro %%%c",
			    isprint((unsigned char)s[i + 1]) ? s[i + 1] : '?');
			return (-1);
		}
		i += 2;
		delims[0] = '\0';
		if (macro_parse(s, len, &i, &letter, &digits, &reverse,
		    delims, sizeof(delims)) == -1) {
			(void)snprintf(err, errsz, "invalid macro expression");
			return (-1);
		}
		if (mode == SPF_MACRO_DOMAIN &&
		    strchr("crtCRT", letter) != NULL) {
			(void)snprintf(err, errsz, "macro %%{%c} is only "
			    "allowed in explanations", letter);
			return (-1);
		}
	}
	return (0);
}

int
spf_macro_uses_ptr(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i + 2 < len; i++) {
		if (s[i] == '%' && s[i + 1] == '%') {
			i++;
			continue;
		}
		if (s[i] == '%' && s[i + 1] == '{' &&
		    (s[i + 2] == 'p' || s[i + 2] == 'P'))
			return (1);
	}
	return (0);
}

/* The value of a macro letter into buf: 0 or -1. */
static int
macro_value(int letter, const struct spf_macro_env *env, char *buf,
    size_t bufsz)
{
	const char	*v = NULL;
	const uint8_t	*a = env->addr;
	size_t		 i, n;

	switch (tolower(letter)) {
	case 's':
		v = env->sender;
		break;
	case 'l':
		v = env->local;
		break;
	case 'o':
		v = env->sdomain;
		break;
	case 'd':
		v = env->domain;
		break;
	case 'h':
		v = env->helo;
		break;
	case 'p':
		v = env->ptr;
		break;
	case 'r':
		v = env->receiver;
		break;
	case 'v':
		v = env->af == AF_INET6 ? "ip6" : "in-addr";
		break;
	case 't':
		(void)snprintf(buf, bufsz, "%lld", (long long)env->now);
		return (0);
	case 'i':
		if (env->af == AF_INET) {
			(void)snprintf(buf, bufsz, "%u.%u.%u.%u", a[0], a[1],
			    a[2], a[3]);
			return (0);
		}
		/* IPv6: 32 nibbles separated by dots (7.3) */
		if (bufsz < 64)
			return (-1);
		for (i = 0, n = 0; i < 16; i++) {
			buf[n++] = "0123456789abcdef"[a[i] >> 4];
			buf[n++] = '.';
			buf[n++] = "0123456789abcdef"[a[i] & 0xf];
			buf[n++] = i == 15 ? '\0' : '.';
		}
		return (0);
	case 'c':
		if (inet_ntop(env->af, a, buf, bufsz) == NULL)
			return (-1);
		return (0);
	default:
		return (-1);
	}
	if (v == NULL || v[0] == '\0')
		v = "unknown";
	if (strlcpy(buf, v, bufsz) >= bufsz)
		return (-1);
	return (0);
}

/*
 * Split value on the delimiters, reverse if asked, keep the rightmost
 * digits parts (0: all), join with "." into o, URL-escaped if asked.
 */
static void
macro_transform(struct out *o, const char *value, unsigned int digits,
    int reverse, const char *delims, int escape)
{
	const char	*start[MACRO_PARTS_MAX];
	size_t		 plen[MACRO_PARTS_MAX];
	size_t		 np = 0, i, first, len = strlen(value), b = 0, k;

	for (i = 0; i <= len; i++) {
		if (i < len && strchr(delims, value[i]) == NULL)
			continue;
		if (np == MACRO_PARTS_MAX) {
			/* more parts: the last one holds the rest */
			plen[np - 1] = len - (size_t)(start[np - 1] - value);
			break;
		}
		start[np] = value + b;
		plen[np] = i - b;
		np++;
		b = i + 1;
	}
	if (reverse) {
		for (i = 0; i < np / 2; i++) {
			const char	*ts = start[i];
			size_t		 tl = plen[i];

			start[i] = start[np - 1 - i];
			plen[i] = plen[np - 1 - i];
			start[np - 1 - i] = ts;
			plen[np - 1 - i] = tl;
		}
	}
	first = (digits != 0 && digits < np) ? np - digits : 0;
	for (k = first; k < np; k++) {
		if (k != first)
			out_put(o, ".", 1);
		if (escape)
			out_escaped(o, start[k], plen[k]);
		else
			out_put(o, start[k], plen[k]);
	}
}

/* 7.3: drop leading labels until at most 253 octets remain. */
static void
domain_truncate(char *buf, size_t *len)
{
	char	*p = buf;
	size_t	 n = *len;

	/* a final dot does not count */
	if (n > 0 && buf[n - 1] == '.')
		n--;
	while (n > SPF_NAME_MAX) {
		char	*dot = memchr(p, '.', n);

		if (dot == NULL) {
			/* one label longer than a name: nothing left */
			p += n;
			n = 0;
			break;
		}
		n -= (size_t)(dot + 1 - p);
		p = dot + 1;
	}
	memmove(buf, p, n);
	buf[n] = '\0';
	*len = n;
}

int
spf_macro_expand(const char *s, size_t len, const struct spf_macro_env *env,
    int mode, char *outbuf, size_t outsz, char *err, size_t errsz)
{
	struct out	 o;
	char		 value[1100], letter, delims[8];
	unsigned int	 digits;
	int		 reverse;
	size_t		 i, run;

	if (outsz == 0)
		return (-1);
	o.buf = outbuf;
	o.size = outsz;
	o.len = 0;
	o.over = 0;
	outbuf[0] = '\0';
	if (spf_macro_check(s, len, mode, err, errsz) == -1)
		return (-1);
	for (i = 0; i < len; ) {
		if (s[i] != '%') {
			for (run = i; run < len && s[run] != '%'; run++)
				;
			out_put(&o, s + i, run - i);
			i = run;
			continue;
		}
		/* spf_macro_check() saw the rest */
		switch (s[i + 1]) {
		case '%':
			out_put(&o, "%", 1);
			i += 2;
			continue;
		case '_':
			out_put(&o, " ", 1);
			i += 2;
			continue;
		case '-':
			out_put(&o, "%20", 3);
			i += 2;
			continue;
		default:
			break;
		}
		i += 2;
		delims[0] = '\0';
		if (macro_parse(s, len, &i, &letter, &digits, &reverse,
		    delims, sizeof(delims)) == -1) {
			(void)snprintf(err, errsz, "invalid macro expression");
			return (-1);
		}
		if (delims[0] == '\0')
			(void)strlcpy(delims, ".", sizeof(delims));
		if (macro_value(letter, env, value, sizeof(value)) == -1) {
			(void)snprintf(err, errsz, "macro %%{%c}: no value",
			    letter);
			return (-1);
		}
		macro_transform(&o, value, digits, reverse, delims,
		    isupper((unsigned char)letter));
	}
	if (mode == SPF_MACRO_DOMAIN) {
		if (o.over) {
			(void)snprintf(err, errsz, "macro expansion too long");
			return (-1);
		}
		domain_truncate(outbuf, &o.len);
	}
	return ((int)o.len);
}
