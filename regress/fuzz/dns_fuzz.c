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
 * dns_fuzz.c -- libFuzzer target: the DNS answer reader of common/dns.c,
 * which lka runs on every answer its resolver hands over.  The input is
 * one packet.  Every record read must lie inside it, with names that fit
 * their buffers and are no longer than a wire name can make them; never
 * more records than announced; after an error, nothing more; a TXT
 * record joins to the length it announced.  The same input is also read
 * from a buffer of its exact size only (libFuzzer's copy is that already)
 * and each name read with dns_name_read() at every offset.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_rr(const uint8_t *, size_t, const struct dns_rr *);

static void
fuzz_rr(const uint8_t *data, size_t size, const struct dns_rr *rr)
{
	char	 txt[65536];
	ssize_t	 n;

	if (rr->rdata < data || rr->rdata + rr->rdlen > data + size ||
	    strlen(rr->name) >= sizeof(rr->name) || rr->name[0] == '\0')
		abort();
	switch (rr->type) {
	case DNS_T_MX:
		if (strlen(rr->u.mx.exchange) >= sizeof(rr->u.mx.exchange) ||
		    rr->u.mx.exchange[0] == '\0')
			abort();
		break;
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		if (strlen(rr->u.target) >= sizeof(rr->u.target))
			abort();
		break;
	case DNS_T_TXT:
		n = dns_txt_join(rr, txt, sizeof(txt));
		if (rr->u.txt.nstrings < 1 || n < 0 ||
		    (size_t)n != rr->u.txt.len)
			abort();
		break;
	case DNS_T_TLSA:
		if (rr->u.tlsa.data != rr->rdata + 3 ||
		    rr->u.tlsa.len + 3 != rr->rdlen)
			abort();
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg	 msg;
	struct dns_rr	*rr;
	char		 name[DNS_NAMETEXT_MAX];
	size_t		 off, o;
	unsigned	 n = 0;
	int		 r;

	if ((rr = malloc(sizeof(*rr))) == NULL)
		abort();
	if (dns_msg_init(&msg, data, size) == 0) {
		if (msg.pos > size || msg.left != msg.ancount)
			abort();
		while ((r = dns_msg_next(&msg, rr)) == 1) {
			fuzz_rr(data, size, rr);
			if (++n > msg.ancount || msg.pos > size)
				abort();
		}
		if (dns_msg_next(&msg, rr) != 0)
			abort();
	}
	for (off = 0; off < size && off < 512; off++) {
		o = off;
		if (dns_name_read(data, size, &o, name, sizeof(name)) == 0 &&
		    (o <= off || o > size || strlen(name) > DNS_NAME_MAX * 4))
			abort();
	}
	free(rr);
	return (0);
}
