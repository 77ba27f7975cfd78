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
 * smtp_parse_fuzz.c -- libFuzzer target: the SMTP command side of the smtp
 * process.  The input is a client's byte stream: the line assembler cuts
 * it (in pieces chosen by the first byte), every line goes to the command
 * parser in a buffer of exactly its size plus the one writable byte the
 * parser may use, and MAIL/RCPT paths and parameters go on to the address
 * and ESMTP parameter parsers, as smtp_session.c does.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "smtp_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_command(const char *, size_t);
static void	fuzz_inside(const char *, const char *, size_t);

#define LINE_MAX_FUZZ	512	/* SMTP_LINE_MAX is 512 with CRLF */

static void
fuzz_inside(const char *p, const char *buf, size_t len)
{
	if (p < buf || p > buf + len)
		abort();
}

static void
fuzz_command(const char *line, size_t len)
{
	struct smtp_cmd		 cmd;
	struct smtp_mailparams	 mp;
	struct mailaddr		 ma;
	char			 text[MAILADDR_MAX + 2];
	char			*buf;

	if ((buf = malloc(len + 1)) == NULL)
		abort();
	memcpy(buf, line, len);
	if (smtp_parse_command(buf, len, &cmd) == CMD_OK) {
		(void)smtp_verb_name(cmd.verb);
		fuzz_inside(cmd.arg, buf, len);
		fuzz_inside(cmd.path, buf, len);
		fuzz_inside(cmd.params, buf, len);
		if (cmd.verb == V_MAIL || cmd.verb == V_RCPT) {
			if (mailaddr_parse(&ma, cmd.path, 1) == 0)
				(void)mailaddr_text(&ma, text, sizeof(text));
			if (mailaddr_parse(&ma, cmd.path, 0) == 0)
				(void)mailaddr_text(&ma, text, sizeof(text));
		}
		if (cmd.verb == V_MAIL)
			(void)smtp_parse_mail_params(cmd.params, &mp);
		else if (cmd.verb == V_RCPT)
			(void)smtp_parse_rcpt_params(cmd.params);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_line	 sl;
	char			*pending;
	size_t			 step, have = 0, off, used, linelen;
	int			 r;

	if (size < 1)
		return (0);
	step = data[0] ? data[0] : size;	/* bytes per read() */
	data++, size--;
	if ((pending = malloc(size + 1)) == NULL)
		abort();
	smtp_line_init(&sl, LINE_MAX_FUZZ);
	for (off = 0; off < size || have > 0; ) {
		if (off < size) {
			used = size - off < step ? size - off : step;
			memcpy(pending + have, data + off, used);
			have += used;
			off += used;
		}
		r = smtp_line_next(&sl, pending, have, &used, &linelen);
		if (used > have || (r == LINE_OK && linelen > used))
			abort();
		if (r == LINE_OK)
			fuzz_command(pending, linelen);
		memmove(pending, pending + used, have - used);
		have -= used;
		if (r == LINE_NONE && used == 0 && off == size)
			break;
	}
	free(pending);
	return (0);
}
