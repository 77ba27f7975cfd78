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
 * dns_zone.c -- what smtpctl dns and smtpctl dkim keygen share: checking
 * that a name given on the command line is a host name (LDH labels), and
 * printing a TXT record in zone-file form, its text cut into strings of
 * at most 255 bytes (RFC 1035 3.3.14: a character-string has a one-byte
 * length).
 *
 * SECURITY: the names come from the command line and are used in file
 * names (keygen) and DNS queries: only letters, digits and inner hyphens
 * in labels of 1 to 63 bytes, 253 bytes in all, no "..", no "/".
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "smtpctl.h"

#define DNS_LABEL_MAX		63
#define DNS_NAME_TEXT_MAX	253
#define DNS_TXT_STRING_MAX	255

/* A host name of LDH labels (RFC 1123 2.1), without a final dot. */
int
dns_name_valid(const char *name)
{
	size_t	 i, len, label = 0;

	len = strlen(name);
	if (len == 0 || len > DNS_NAME_TEXT_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0 || name[i - 1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!isascii((unsigned char)name[i]) ||
		    (!isalnum((unsigned char)name[i]) && name[i] != '-'))
			return (0);
		if (name[i] == '-' && label == 0)
			return (0);
		if (++label > DNS_LABEL_MAX)
			return (0);
	}
	return (label > 0 && name[len - 1] != '-');
}

/* One character-string, quoted: '"' and '\\' escaped. */
static void
dns_zone_string(FILE *fp, const char *s, size_t len)
{
	size_t	 i;

	fputc('"', fp);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fputc('\\', fp);
		fputc(s[i], fp);
	}
	fputc('"', fp);
}

/*
 * "OWNER. IN TXT ( "..." "..." )": the text cut before "p=" (DKIM keys:
 * the tags apart from the key, as usual) and every 255 bytes.  A text
 * that fits in one string is printed on one line without parentheses.
 */
void
dns_zone_txt(FILE *fp, const char *owner, const char *txt)
{
	const char	*p;
	size_t		 len, n, head;

	len = strlen(txt);
	fprintf(fp, "%s.\tIN TXT\t", owner);
	if (len <= DNS_TXT_STRING_MAX) {
		dns_zone_string(fp, txt, len);
		fputc('\n', fp);
		return;
	}
	head = 0;
	if ((p = strstr(txt, "p=")) != NULL &&
	    (size_t)(p - txt) <= DNS_TXT_STRING_MAX)
		head = (size_t)(p - txt);
	fputs("( ", fp);
	if (head > 0) {
		dns_zone_string(fp, txt, head);
		fputs("\n\t", fp);
	}
	for (p = txt + head, len -= head; len > 0; p += n, len -= n) {
		n = len > DNS_TXT_STRING_MAX ? DNS_TXT_STRING_MAX : len;
		dns_zone_string(fp, p, n);
		fputs(len > n ? "\n\t" : " ", fp);
	}
	fputs(")\n", fp);
}
