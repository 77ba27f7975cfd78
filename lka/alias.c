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
 * alias.c -- alias value lists, as found in aliases(5) files, virtual
 * tables, :include: files and ~/.forward.
 *
 * A list is comma-separated; double quotes protect commas ("|cmd a,b").
 * An item is one of:
 *
 *	user		a local user (alias expansion goes on)
 *	\user		a local user, no further alias or .forward expansion
 *	user@domain	an address, matched against the rules again
 *	|command	a pipe (only with AF_ALLOW_PIPE)
 *	/path		a file (only with AF_ALLOW_FILE)
 *	:include:/path	more items read from a file (AF_ALLOW_INCLUDE)
 *
 * ~/.forward content is untrusted: everything here only copies into
 * fixed buffers with length checks and rejects control characters.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "smtpd.h"
#include "lka.h"

#define INCLUDE_PREFIX	":include:"

static int	alias_printable(const char *);
static int	alias_copy(char *, size_t, const char *, size_t);

static int
alias_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (0);
	return (1);
}

/* Copy len bytes of src, trimmed of blanks; -1 if it does not fit. */
static int
alias_copy(char *dst, size_t dstsz, const char *src, size_t len)
{
	while (len > 0 && isspace((unsigned char)*src)) {
		src++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)src[len - 1]))
		len--;
	if (len >= dstsz)
		return (-1);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return (0);
}

int
alias_next(const char **cursor, char *buf, size_t bufsz)
{
	const char	*p = *cursor, *start;
	int		 quoted = 0;

	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0') {
			*cursor = p;
			return (0);
		}
		start = p;
		for (; *p != '\0'; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == ',' && !quoted)
				break;
		}
		if (quoted)
			return (-1);
		*cursor = p;
		if (alias_copy(buf, bufsz, start, (size_t)(p - start)) == -1)
			return (-1);
		if (*buf != '\0')
			return (1);
	}
}

int
alias_mailaddr(struct mailaddr *ma, const char *s)
{
	char		 buf[MAILADDR_MAX + 2];
	char		*at;
	size_t		 len;

	memset(ma, 0, sizeof(*ma));
	len = strlen(s);
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	if (len >= sizeof(buf))
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((at = strrchr(buf, '@')) != NULL) {
		*at++ = '\0';
		if (strlcpy(ma->domain, at, sizeof(ma->domain)) >=
		    sizeof(ma->domain))
			return (-1);
		lowercase(ma->domain);
		if (ma->domain[0] == '[') {
			if (ma->domain[strlen(ma->domain) - 1] != ']' ||
			    !alias_printable(ma->domain) ||
			    strpbrk(ma->domain, " \t") != NULL)
				return (-1);
		} else if (!valid_domain_part(ma->domain))
			return (-1);
	}
	if (!valid_local_part(buf))
		return (-1);
	if (strlcpy(ma->user, buf, sizeof(ma->user)) >= sizeof(ma->user))
		return (-1);
	return (0);
}

int
alias_parse(struct alias_item *it, const char *item)
{
	char		 buf[ARG_MAX_CONF];
	const char	*p;
	size_t		 len;

	memset(it, 0, sizeof(*it));
	len = strlen(item);
	if (len >= 2 && item[0] == '"' && item[len - 1] == '"') {
		item++;
		len -= 2;
	}
	if (alias_copy(buf, sizeof(buf), item, len) == -1 || buf[0] == '\0' ||
	    !alias_printable(buf))
		return (-1);
	p = buf;
	if (*p == '|' || *p == '/') {
		it->type = *p == '|' ? ALIAS_PIPE : ALIAS_FILE;
		if (*p == '|')
			p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return (-1);
		(void)strlcpy(it->value, p, sizeof(it->value));
		return (0);
	}
	if (strncasecmp(p, INCLUDE_PREFIX, strlen(INCLUDE_PREFIX)) == 0) {
		p += strlen(INCLUDE_PREFIX);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '/')
			return (-1);
		it->type = ALIAS_INCLUDE;
		(void)strlcpy(it->value, p, sizeof(it->value));
		return (0);
	}
	if (*p == '\\') {
		it->escaped = 1;
		p++;
	}
	if (strchr(p, '@') != NULL) {
		if (it->escaped || alias_mailaddr(&it->addr, p) == -1)
			return (-1);
		it->type = ALIAS_ADDRESS;
		return (0);
	}
	if (!valid_local_part(p) || strlen(p) >= USER_MAX)
		return (-1);
	it->type = ALIAS_USERNAME;
	(void)strlcpy(it->value, p, sizeof(it->value));
	lowercase(it->value);
	return (0);
}
