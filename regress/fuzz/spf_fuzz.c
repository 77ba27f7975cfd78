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
 * spf_fuzz.c -- libFuzzer target: the SPF record parser and the macro
 * expansion of common/spf_record.c and spf_macro.c, which read records
 * and explanations from the DNS.  The input is taken as a whole record
 * (and with "v=spf1 " put in front, so that the fuzzer reaches the
 * terms), as a domain-spec, and as an explanation string expanded for an
 * IPv4 and an IPv6 client into buffers of several sizes.  A record that
 * parses must hold terms inside its text, CIDR lengths in range; an
 * expansion must fit its buffer, and a domain one must be at most 253
 * octets.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf.h"
#include "spf_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_record(const char *, size_t);
static void	fuzz_expand(const char *, size_t, int);

static void
fuzz_record(const char *s, size_t len)
{
	struct spf_record	 rec;
	char			 err[128];
	size_t			 i;

	if (spf_record_parse(s, len, &rec, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
		return;
	}
	for (i = 0; i < rec.nterms; i++) {
		const struct spf_term *t = &rec.terms[i];

		if (t->text < s || t->text + t->textlen > s + len)
			abort();
		if (t->spec != NULL && (t->spec < s ||
		    t->spec + t->speclen > s + len))
			abort();
		if (t->cidr4 > 32 || t->cidr6 > 128)
			abort();
	}
	if (rec.redirect != NULL && rec.redirect + rec.redirectlen > s + len)
		abort();
	if (rec.exp != NULL && rec.exp + rec.explen > s + len)
		abort();
	spf_record_free(&rec);
	if (spf_record_check(s, len, NULL, 0) != 0)
		abort();
}

static void
fuzz_expand(const char *s, size_t len, int v6)
{
	static const size_t	 sizes[] = { 1, 16, 254, SPF_EXPAND_MAX,
	    SPF_XBUF_MAX };
	struct spf_macro_env	 env;
	char			 out[SPF_XBUF_MAX], err[128];
	size_t			 i;
	int			 n, mode;

	memset(&env, 0, sizeof(env));
	env.sender = "strong-bad@email.example.com";
	env.local = "strong-bad";
	env.sdomain = "email.example.com";
	env.domain = "email.example.com";
	env.helo = "mx.example.org";
	env.receiver = "receiver.example.net";
	env.ptr = "unknown";
	env.now = 1234567890;
	if (v6) {
		env.af = AF_INET6;
		(void)inet_pton(AF_INET6, "2001:db8::cb01", env.addr);
	} else {
		env.af = AF_INET;
		(void)inet_pton(AF_INET, "192.0.2.3", env.addr);
	}
	for (mode = SPF_MACRO_DOMAIN; mode <= SPF_MACRO_EXP; mode++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			memset(out, 'X', sizeof(out));
			n = spf_macro_expand(s, len, &env, mode, out,
			    sizes[i], err, sizeof(err));
			if (n < 0)
				continue;
			if ((size_t)n >= sizes[i] || out[n] != '\0' ||
			    strlen(out) != (size_t)n)
				abort();
			if (mode == SPF_MACRO_DOMAIN && n > 253)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, err[128];

	if (size > SPF_RECORD_MAX + 16)
		return (0);
	/* the record as it is, in a buffer of its exact size */
	if ((buf = malloc(size + 7)) == NULL)
		return (0);
	memcpy(buf, data, size);
	fuzz_record(buf, size);
	(void)spf_domain_spec_check(buf, size, err, sizeof(err));
	fuzz_expand(buf, size, 0);
	fuzz_expand(buf, size, 1);
	(void)spf_macro_uses_ptr(buf, size);
	/* behind a version, so that the terms are reached */
	memcpy(buf, "v=spf1 ", 7);
	memcpy(buf + 7, data, size);
	fuzz_record(buf, size + 7);
	free(buf);
	return (0);
}
