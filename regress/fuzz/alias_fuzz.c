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
 * alias_fuzz.c -- libFuzzer target: aliases(5) files and alias value
 * lists (lka/table_file.c, lka/alias.c).  The input is read three ways:
 * as an aliases file (table_file_parse, as table_file_load does), and
 * line by line as a .forward or :include: file is (expand_lines() in
 * lka/expand.c: comments and over-long or binary lines skipped), each
 * line and the value after its "key:" split into items (alias_next) and
 * parsed (alias_parse: user, address, |pipe, /file, :include:).
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "lka.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_list(const char *);
static void	fuzz_lines(const char *, size_t);
static void	fuzz_table(const uint8_t *, size_t);

static void
fuzz_list(const char *list)
{
	struct alias_item	 it;
	struct mailaddr		 ma;
	char			 item[ARG_MAX_CONF];
	const char		*cursor = list;
	int			 r, guard = 0;

	while ((r = alias_next(&cursor, item, sizeof(item))) == 1) {
		if (strnlen(item, sizeof(item)) == sizeof(item) ||
		    ++guard > ARG_MAX_CONF * 4)
			abort();
		if (alias_parse(&it, item) == 0 &&
		    strnlen(it.value, sizeof(it.value)) == sizeof(it.value))
			abort();
		(void)alias_mailaddr(&ma, item);
	}
}

/* As expand_lines() reads a .forward or :include: file. */
static void
fuzz_lines(const char *buf, size_t len)
{
	char		 line[ARG_MAX_CONF * 4];
	const char	*p = buf, *end = buf + len, *nl, *colon;
	size_t		 l;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		l = (size_t)(nl - p);
		if (l < sizeof(line) && memchr(p, '\0', l) == NULL) {
			memcpy(line, p, l);
			line[l] = '\0';
			l = strspn(line, " \t\r");
			if (line[l] != '#' && line[l] != '\0') {
				fuzz_list(line);
				if ((colon = strchr(line, ':')) != NULL)
					fuzz_list(colon + 1);
			}
		}
		p = nl + 1;
	}
}

static void
fuzz_table(const uint8_t *data, size_t size)
{
	struct table_db	*db;
	FILE		*fp;
	char		 err[256];

	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		return;
	db = table_db_new("fuzz");
	(void)table_file_parse(db, fp, "fuzz", err, sizeof(err));
	table_db_free(db);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return (0);	/* fmemopen() wants a size */
	fuzz_lines((const char *)data, size);
	fuzz_table(data, size);
	return (0);
}
