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
 * smtp_auth_fuzz.c -- libFuzzer target: the AUTH command line as the smtp
 * session handles it.  The text logged for a line (smtp_parse_auth_cmdtext)
 * must be "AUTH" and at most a mechanism name, whatever else the line
 * holds; the argument parser (smtp_parse_auth) must return pointers
 * inside its input, and the whole command parser must agree that an
 * AUTH line is AUTH.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct smtp_cmd	 cmd;
	char		 text[128], *line, *mech, *initial;
	size_t		 i, n;
	int		 isauth;

	isauth = smtp_parse_auth_cmdtext(text, sizeof(text),
	    (const char *)data, len);
	if (isauth) {
		n = strlen(text);
		if (n < 4 || n > 4 + 1 + 20 || memcmp(text, "AUTH", 4) != 0 ||
		    (n > 4 && text[4] != ' '))
			abort();
		for (i = 5; i < n; i++)
			if (!((text[i] >= 'A' && text[i] <= 'Z') ||
			    (text[i] >= '0' && text[i] <= '9') ||
			    text[i] == '-' || text[i] == '_'))
				abort();
	}
	/* the command parser wants one writable byte after the line */
	if ((line = malloc(len + 1)) == NULL)
		return (0);
	memcpy(line, data, len);
	if (smtp_parse_command(line, len, &cmd) == CMD_OK &&
	    cmd.verb == V_AUTH) {
		if (!isauth)
			abort();
		if (smtp_parse_auth(cmd.arg, &mech, &initial) == CMD_OK) {
			if (mech < line || mech > line + len ||
			    (initial != NULL && (initial < line ||
			    initial > line + len)) || *mech == '\0')
				abort();
		}
	}
	free(line);
	return (0);
}
