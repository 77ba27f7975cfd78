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
 * smtp_data_fuzz.c -- libFuzzer target: the DATA/BDAT body decoder.
 *
 * Input: one mode byte (bit 0: BDAT raw mode; bits 1-7: max_line), four
 * bytes choosing where the body is cut into reads and how small the
 * output buffer is, then the body.  The body is decoded twice, at once
 * and in the chosen pieces, and both decodings must agree byte for byte,
 * in the flags, hop count, size and the terminator: the decoder keeps its
 * state across reads, so a cut between a CR and its LF or inside
 * "\r\n.\r\n" must change nothing.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_out {
	char	*buf;
	size_t	 len;
	size_t	 consumed;
	struct smtp_data_dec dec;
};

static void	fuzz_decode(struct fuzz_out *, const char *, size_t, size_t,
		    size_t, size_t, int, size_t);

/* Decode in reads of cut1/cut2 bytes (alternating) into outsz windows. */
static void
fuzz_decode(struct fuzz_out *fo, const char *in, size_t inlen, size_t cut1,
    size_t cut2, size_t outsz, int raw, size_t max_line)
{
	char	*win;
	size_t	 off = 0, piece, n, o, k = 0;

	if ((win = malloc(outsz)) == NULL)
		abort();
	smtp_data_init(&fo->dec, max_line, raw);
	while (off < inlen && !fo->dec.done) {
		piece = (k++ % 2) ? cut2 : cut1;
		if (piece > inlen - off)
			piece = inlen - off;
		while (piece > 0 && !fo->dec.done) {
			n = smtp_data_decode(&fo->dec, in + off, piece, win,
			    outsz, &o);
			if ((n == 0 && !fo->dec.done) || n > piece ||
			    o > outsz)
				abort();
			memcpy(fo->buf + fo->len, win, o);
			fo->len += o;
			off += n;
			piece -= n;
		}
	}
	if (raw) {
		o = smtp_data_end(&fo->dec, win, outsz);
		memcpy(fo->buf + fo->len, win, o);
		fo->len += o;
	}
	fo->consumed = off;
	free(win);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_out	 a, b;
	size_t		 max_line, cut1, cut2, outsz;
	int		 raw;

	if (size < 5)
		return (0);
	raw = data[0] & 1;
	max_line = (data[0] >> 1) + 1;		/* 1..128: long lines too */
	cut1 = data[1] % 16 + 1;
	cut2 = data[2] + 1;
	outsz = DATA_DEC_SLACK + data[3] % 64;
	(void)data[4];				/* reserved */
	data += 5, size -= 5;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* every input byte makes at most 2 (a bare CR or LF gets its pair) */
	if ((a.buf = malloc(2 * size + 8)) == NULL ||
	    (b.buf = malloc(2 * size + 8)) == NULL)
		abort();
	fuzz_decode(&a, (const char *)data, size, size ? size : 1, size + 1,
	    size * 2 + 8, raw, max_line);
	fuzz_decode(&b, (const char *)data, size, cut1, cut2, outsz, raw,
	    max_line);
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0 ||
	    a.consumed != b.consumed || a.dec.done != b.dec.done ||
	    a.dec.flags != b.dec.flags || a.dec.hops != b.dec.hops ||
	    a.dec.size != b.dec.size || a.dec.size != a.len)
		abort();
	if (raw && a.consumed != size)
		abort();
	free(a.buf);
	free(b.buf);
	return (0);
}
