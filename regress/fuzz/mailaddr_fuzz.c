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
 * mailaddr_fuzz.c -- libFuzzer target: the address parser
 * (smtpd/mailaddr.c).  The first byte picks SMTPUTF8 on or off, the rest
 * is the text between MAIL FROM:/RCPT TO: and the parameters.  What
 * parses must print back (mailaddr_text) and
 * parse again to the same address: the queue stores the printed form.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailaddr	 a, b;
	char		 text[MAILADDR_MAX + 2];
	char		*s;
	int		 utf8;

	if (size < 1)
		return (0);
	utf8 = data[0] & 1;
	data++, size--;
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (mailaddr_parse(&a, s, utf8) == 0) {
		if (strnlen(a.user, sizeof(a.user)) == sizeof(a.user) ||
		    strnlen(a.domain, sizeof(a.domain)) == sizeof(a.domain))
			abort();
		if (mailaddr_text(&a, text, sizeof(text)) == 0) {
			if (mailaddr_parse(&b, text, utf8) != 0 ||
			    memcmp(&a, &b, sizeof(a)) != 0)
				abort();
		}
	}
	free(s);
	return (0);
}
