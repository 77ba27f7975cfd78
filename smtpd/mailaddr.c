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
 * mailaddr.c -- parse and print RFC 5321 mailbox addresses.
 *
 * SECURITY: the input comes from SMTP clients (MAIL FROM, RCPT TO, VRFY)
 * and from alias files.  The result only ever holds a local part that
 * valid_local_part() accepts and a domain that is a valid domain name or
 * address literal, so that it can be written into envelopes and headers.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "smtpd.h"
#include "util.h"

#define PATH_MAX_SMTP	256	/* RFC 5321 4.5.3.1.3, with the <> */

static const char	*mailaddr_skip_route(const char *);
static int		 mailaddr_literal(const char *);
static int		 mailaddr_ascii(const char *);

/* "@a,@b:" at-domain list of a source route: ignored (RFC 5321 C). */
static const char *
mailaddr_skip_route(const char *s)
{
	const char	*colon;

	if (*s != '@')
		return (s);
	if ((colon = strchr(s, ':')) == NULL)
		return (NULL);
	return (colon + 1);
}

/* "[1.2.3.4]" or "[IPv6:...]" */
static int
mailaddr_literal(const char *d)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	struct in6_addr	 a6;
	struct in_addr	 a4;
	size_t		 len = strlen(d);

	if (len < 3 || d[0] != '[' || d[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return (0);
	memcpy(buf, d + 1, len - 2);
	buf[len - 2] = '\0';
	if (strncasecmp(buf, "IPv6:", 5) == 0)
		return (inet_pton(AF_INET6, buf + 5, &a6) == 1);
	return (inet_pton(AF_INET, buf, &a4) == 1);
}

static int
mailaddr_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return (0);
	return (1);
}

/*
 * 1 if s is well-formed UTF-8 (RFC 3629): no overlong form, no UTF-16
 * surrogate, nothing above U+10FFFF, no truncated sequence; and no C1
 * control (U+0080..U+009F), which has no place in an address (RFC 6531
 * 3.3 builds on RFC 6532's UTF8-non-ascii).
 */
int
mailaddr_utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp, min;
	int			 n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0)
			n = 1;
		else if ((*p & 0xf0) == 0xe0)
			n = 2;
		else if ((*p & 0xf8) == 0xf0)
			n = 3;
		else
			return (0);	/* continuation byte, or 0xf8.. */
		cp = *p & (0x3f >> n);
		min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)	/* also stops at NUL */
				return (0);
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
			return (0);
		p += n + 1;
	}
	return (1);
}

/*
 * Parse "local@domain", a bare local part ("postmaster"), or "" (the null
 * path <>, left empty).  Angle brackets around the address and a source
 * route are accepted and dropped.  Without utf8, only ASCII is accepted;
 * with it, only well-formed UTF-8 (mailaddr_utf8_valid()).
 * The domain is lowercased.  Returns 0, or -1 when the address is invalid.
 */
int
mailaddr_parse(struct mailaddr *ma, const char *text, int utf8)
{
	char		 buf[PATH_MAX_SMTP + 1];
	const char	*s;
	char		*at, *p;
	size_t		 len;
	int		 inq = 0;

	memset(ma, 0, sizeof(*ma));
	len = strlen(text);
	if (len >= sizeof(buf))
		return (-1);
	if (len >= 2 && text[0] == '<' && text[len - 1] == '>') {
		memcpy(buf, text + 1, len - 2);
		buf[len - 2] = '\0';
	} else
		memcpy(buf, text, len + 1);
	if (strlen(buf) > PATH_MAX_SMTP - 2)
		return (-1);
	if (utf8 ? !mailaddr_utf8_valid(buf) : !mailaddr_ascii(buf))
		return (-1);
	if ((s = mailaddr_skip_route(buf)) == NULL)
		return (-1);
	if (*s == '\0')
		return (s == buf ? 0 : -1);

	/* The last '@' outside a quoted local part splits the address. */
	at = NULL;
	for (p = (char *)(uintptr_t)s; *p != '\0'; p++) {
		if (inq && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			inq = !inq;
		else if (!inq && *p == '@')
			at = p;
	}
	if (inq)
		return (-1);
	if (at != NULL)
		*at = '\0';
	if (!valid_local_part(s) ||
	    strlcpy(ma->user, s, sizeof(ma->user)) >= sizeof(ma->user))
		return (-1);
	if (at == NULL)
		return (0);
	if (!valid_domain_part(at + 1) && !mailaddr_literal(at + 1))
		return (-1);
	if (strlcpy(ma->domain, at + 1, sizeof(ma->domain)) >=
	    sizeof(ma->domain))
		return (-1);
	lowercase(ma->domain);
	return (0);
}

/* "user@domain", "user" or "" (null path).  -1 if it does not fit. */
int
mailaddr_text(const struct mailaddr *ma, char *buf, size_t len)
{
	int	 n;

	if (ma->domain[0] == '\0')
		n = snprintf(buf, len, "%s", ma->user);
	else
		n = snprintf(buf, len, "%s@%s", ma->user, ma->domain);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (0);
}
