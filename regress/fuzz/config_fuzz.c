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
 * config_fuzz.c -- libFuzzer target: the smtpd.conf grammar and lexer
 * (smtpd/parse.y, smtpd/parse_lex.c) through parse_config_buffer(), the
 * entry every child uses on the text the parent sends.  A configuration
 * that parses is printed (config_text, what the parent sends) and must
 * parse again and print the same text: the children run on that copy.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "smtpd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(1, LOG_MAIL);	/* stderr, never syslog: -close_fd_mask */
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpd_config	*c1, *c2;
	char			*t1, *t2;
	size_t			 l1, l2;

	if ((c1 = parse_config_buffer((const char *)data, size)) == NULL)
		return (0);
	if ((t1 = config_text(c1, &l1)) == NULL)
		abort();
	if ((c2 = parse_config_buffer(t1, l1)) == NULL)
		abort();
	if ((t2 = config_text(c2, &l2)) == NULL)
		abort();
	if (l1 != l2 || memcmp(t1, t2, l1) != 0)
		abort();
	free(t1);
	free(t2);
	config_free(c1);
	config_free(c2);
	return (0);
}
