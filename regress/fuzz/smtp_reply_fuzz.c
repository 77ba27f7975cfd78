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
 * smtp_reply_fuzz.c -- libFuzzer target: the client reply parser of
 * common/smtp_client.c, which reads what a remote SMTP or LMTP server
 * sends.  The first input byte is the size of the pieces the rest is fed
 * in (0: all at once); the same bytes are also fed whole and must give
 * the same replies and the same error.  Each complete reply is checked
 * (code, line count and lengths, enhanced code, text inside the buffer)
 * and read as an EHLO reply.  The input is also given to the command
 * formatter as an argument: what it accepts must be one line.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_client.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct outcome {
	uint64_t	 sum;		/* of the replies seen */
	size_t		 nreplies;
	int		 state;
	const char	*error;
};

static void	fuzz_check(const struct smtp_reply *);
static void	fuzz_feed(const char *, size_t, size_t, struct outcome *);
static void	fuzz_cmd(const char *, size_t);

static void
fuzz_check(const struct smtp_reply *r)
{
	struct smtp_ehlo	 e;
	const char		*l, *t;
	size_t			 i, n;

	if (r->code < 200 || r->code > 599 || r->nlines < 1 ||
	    r->nlines > SMTP_REPLY_LINES_MAX ||
	    strlen(r->enhanced) >= SMTP_ENHANCED_MAX ||
	    (r->enhanced[0] != '\0' && r->enhanced[0] != '0' + r->code / 100))
		abort();
	for (i = 0; i < r->nlines; i++) {
		l = smtp_reply_line(r, i);
		t = smtp_reply_text(r, i);
		n = strlen(l);
		if (l < r->buf || l + n >= r->buf + sizeof(r->buf) ||
		    n < 3 || n > SMTP_REPLY_LINE_MAX - 2 ||
		    (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0') !=
		    r->code || t < l + 3 || t > l + n ||
		    strpbrk(l, "\r\n") != NULL)
			abort();
	}
	if (smtp_reply_line(r, r->nlines) != NULL)
		abort();
	if (smtp_ehlo_parse(r, &e) == 0 &&
	    strlen(e.auth) >= sizeof(e.auth))
		abort();
}

/* Feed in[0, len) step bytes at a time (0: whole). */
static void
fuzz_feed(const char *in, size_t len, size_t step, struct outcome *o)
{
	struct smtp_reply	*r;
	size_t			 off = 0, k, used;
	int			 st = SMTP_REPLY_MORE;

	if ((r = malloc(sizeof(*r))) == NULL)
		abort();
	smtp_reply_init(r);
	memset(o, 0, sizeof(*o));
	if (step == 0)
		step = len;
	while (off < len && st != SMTP_REPLY_ERROR) {
		k = len - off < step ? len - off : step;
		st = smtp_reply_feed(r, in + off, k, &used);
		if (used > k || (st == SMTP_REPLY_MORE && used != k) ||
		    (st == SMTP_REPLY_DONE && used == 0))
			abort();
		off += used;
		if (st == SMTP_REPLY_DONE) {
			fuzz_check(r);
			o->nreplies++;
			o->sum = o->sum * 31 + (uint64_t)r->code * 1000 +
			    r->nlines + r->len;
		}
	}
	o->state = st;
	o->error = r->error;
	if (st == SMTP_REPLY_ERROR && r->error == NULL)
		abort();
	free(r);
}

static void
fuzz_cmd(const char *in, size_t len)
{
	char	 buf[SMTP_CMD_MAX + 1], *arg;
	int	 n;

	if ((arg = malloc(len + 1)) == NULL)
		abort();
	memcpy(arg, in, len);
	arg[len] = '\0';
	n = smtp_cmd_format(buf, sizeof(buf), "RCPT TO:<%s>", arg);
	if (n != -1 && (n > SMTP_CMD_MAX || (size_t)n != strlen(buf) ||
	    strcspn(buf, "\r\n") != (size_t)n - 2 ||
	    strcmp(buf + n - 2, "\r\n") != 0))
		abort();
	free(arg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome	 whole, pieces;
	const char	*in;

	if (size < 1)
		return (0);
	in = (const char *)data + 1;
	fuzz_feed(in, size - 1, data[0], &pieces);
	fuzz_feed(in, size - 1, 0, &whole);
	if (whole.sum != pieces.sum || whole.nreplies != pieces.nreplies ||
	    whole.state != pieces.state || whole.error != pieces.error)
		abort();
	fuzz_cmd(in, size - 1);
	return (0);
}
