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
 * imsg_payload_fuzz.c -- libFuzzer target: the payload validators of
 * smtpd's imsg rules (smtpd/imsg_check.c, run by common/proc.c before any
 * handler).  The first byte picks a rule of smtpd/imsg_rules.c; the rest
 * is its payload, zero-padded to the rule's minimum and cut at its
 * maximum, in a buffer of exactly that size (as peer_handle() hands it
 * over), so that a validator reading one byte too far is caught.  What a
 * validator accepts must be safe for the handler: a text payload is one
 * C string, and an envelope (from lka to the queue, from the queue to the
 * parent), once the queue has set what it owns (id, times, retry state,
 * as queue_imsg_envelope() does), goes through the queue's codec and back
 * unchanged.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "imsg_check.h"
#include "queue.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_envelope(const struct envelope *);

static char	dump1[ENVELOPE_DUMP_MAX], dump2[ENVELOPE_DUMP_MAX];

/*
 * An accepted envelope, with the fields the queue owns set as the queue
 * sets them, must dump, load and dump again to the same text.
 */
static void
fuzz_envelope(const struct envelope *evp)
{
	static struct envelope	 a, b;
	int			 n1, n2;

	if (!envelope_strings_ok(evp))
		abort();
	a = *evp;
	if (evpid_to_msgid(a.id) == 0 || (uint32_t)a.id == 0)
		a.id = ((uint64_t)1 << 32) | 1;
	if (a.ctime <= 0)
		a.ctime = 1;
	if (a.expire <= a.ctime)
		a.expire = a.ctime + 1;
	a.lasttry = a.nexttry = 0;
	a.retry = 0;
	a.errorline[0] = '\0';
	if ((n1 = envelope_dump(&a, dump1, sizeof(dump1))) <= 0)
		abort();
	if (envelope_load(&b, dump1, (size_t)n1) == -1)
		abort();
	if ((n2 = envelope_dump(&b, dump2, sizeof(dump2))) != n1 ||
	    memcmp(dump1, dump2, (size_t)n1) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 setup;
	const struct imsg_rule	*r;
	unsigned char		*buf;
	size_t			 len;

	if (!setup) {
		smtpd_proc_setup();
		setup = 1;
	}
	if (size < 1)
		return (0);
	r = &imsg_rules[data[0] % imsg_rules_count];
	data++, size--;
	len = size;
	if (len < r->minlen)
		len = r->minlen;
	if (len > r->maxlen)
		len = r->maxlen;
	/* malloc(0) may give NULL: keep one byte, never read */
	if ((buf = calloc(1, len ? len : 1)) == NULL)
		abort();
	memcpy(buf, data, size < len ? size : len);
	if (imsg_check_payload(r->type, buf, len) == 0) {
		if (r->check == imsg_check_text &&
		    memchr(buf, '\0', len) != buf + len - 1)
			abort();
		if (r->check == imsg_check_envelope)
			fuzz_envelope((const struct envelope *)buf);
		if (r->check == imsg_check_envelope_msg)
			fuzz_envelope(&((const struct envelope_msg *)buf)->evp);
	}
	free(buf);
	return (0);
}
