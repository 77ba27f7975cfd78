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
 * envelope_fuzz.c -- libFuzzer target: the queue's envelope codec
 * (queue/envelope.c).  The input is an envelope file as read back from
 * the spool.  What loads must dump, and the dump must load to the same
 * struct envelope and dump to the same bytes again: the queue rewrites
 * envelopes on every retry, so any drift would grow with each one.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "queue.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	dump1[ENVELOPE_DUMP_MAX], dump2[ENVELOPE_DUMP_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct envelope	 a, b;
	int			 n1, n2;

	if (envelope_load(&a, (const char *)data, size) == -1)
		return (0);
	if (!envelope_strings_ok(&a))
		abort();
	if ((n1 = envelope_dump(&a, dump1, sizeof(dump1))) <= 0)
		abort();
	if (envelope_load(&b, dump1, (size_t)n1) == -1)
		abort();
	if (memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	if ((n2 = envelope_dump(&b, dump2, sizeof(dump2))) != n1 ||
	    memcmp(dump1, dump2, (size_t)n1) != 0)
		abort();
	return (0);
}
