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
 * sasl_fuzz.c -- libFuzzer target: common/sasl.c, what an
 * unauthenticated client sends.  The input is decoded as base64 (what is
 * accepted must encode back to the same text, within the bound), parsed
 * as a PLAIN message (what is accepted must be within the bounds and
 * without NUL), and split on newlines into an exchange: the first byte
 * picks PLAIN or LOGIN and whether the first line is an initial
 * response; each step's outcome must be one the daemon knows, and
 * credentials are set only when the exchange is done.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_b64(const uint8_t *, size_t);
static void	fuzz_plain(const uint8_t *, size_t);
static void	fuzz_exchange(const uint8_t *, size_t);

static void
fuzz_b64(const uint8_t *data, size_t len)
{
	unsigned char	 out[SASL_MSG_MAX];
	char		 back[SASL_B64_MAX + 8];
	size_t		 n;

	if (sasl_b64_decode((const char *)data, len, out, sizeof(out),
	    &n) == -1)
		return;
	if (n > sizeof(out) || n > len)
		abort();
	/* strict: one text per byte string */
	if (sasl_b64_encode(out, n, back, sizeof(back)) != (int)len ||
	    memcmp(back, data, len) != 0)
		abort();
}

static void
fuzz_plain(const uint8_t *data, size_t len)
{
	char	 user[SASL_USER_MAX + 1], pass[SASL_PASS_MAX + 1];

	if (sasl_plain_parse(data, len, user, sizeof(user), pass,
	    sizeof(pass)) == -1) {
		if (user[0] != '\0' || pass[0] != '\0')
			abort();
		return;
	}
	if (user[0] == '\0' || pass[0] == '\0' ||
	    strlen(user) > SASL_USER_MAX || strlen(pass) > SASL_PASS_MAX ||
	    strlen(user) + strlen(pass) + 2 > len)
		abort();
}

static void
fuzz_exchange(const uint8_t *data, size_t len)
{
	struct sasl		 sa;
	enum sasl_result	 r;
	const char		*p, *end, *nl;
	char			 first[SASL_B64_MAX + 64];
	size_t			 n;

	if (len < 1)
		return;
	p = (const char *)data + 1;
	end = (const char *)data + len;
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)((nl ? nl : end) - p);
	if (n >= sizeof(first) || memchr(p, '\0', n) != NULL)
		return;
	memcpy(first, p, n);
	first[n] = '\0';
	r = sasl_start(&sa, data[0] & 1 ? SASL_MECH_LOGIN : SASL_MECH_PLAIN,
	    data[0] & 2 ? first : NULL);
	p = nl ? nl + 1 : end;
	while (r == SASL_CONTINUE && p < end) {
		if (strlen(sa.challenge) >= sizeof(sa.challenge))
			abort();
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		r = sasl_step(&sa, p, n);
		p = nl ? nl + 1 : end;
	}
	switch (r) {
	case SASL_DONE:
		if (sa.user[0] == '\0' || sa.pass[0] == '\0')
			abort();
		break;
	case SASL_CONTINUE:
		break;
	case SASL_BAD_B64:
	case SASL_BAD_MSG:
	case SASL_CANCEL:
		if (sa.user[0] != '\0' || sa.pass[0] != '\0')
			abort();	/* wiped */
		break;
	default:
		abort();
	}
	sasl_clear(&sa);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	fuzz_b64(data, len);
	fuzz_plain(data, len);
	fuzz_exchange(data, len);
	return (0);
}
