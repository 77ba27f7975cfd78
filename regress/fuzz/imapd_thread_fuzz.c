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
 * imapd_thread_fuzz.c -- libFuzzer target: THREAD=REFERENCES and
 * ORDEREDSUBJECT (imapd/thread.c) on arbitrary message sets.  Each input
 * line is one message: "msgid|references|subject|date", fields cut at
 * '|' (missing ones empty or NULL), the subject made a base subject
 * by mime_base_subject as the session does.  Checks: every message id
 * appears exactly once in each reply and the parentheses balance.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

#define MSGS_MAX	256

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* every id 1..n once, parentheses balanced */
static void
check(const struct buf *b, size_t n)
{
	static unsigned char	 seen[MSGS_MAX + 1];
	size_t			 i, v;
	long			 depth = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < b->len; i++) {
		if (b->s[i] == '(')
			depth++;
		else if (b->s[i] == ')' && --depth < 0)
			abort();
		else if (b->s[i] >= '0' && b->s[i] <= '9') {
			for (v = 0; i < b->len && b->s[i] >= '0' &&
			    b->s[i] <= '9'; i++)
				v = v * 10 + (size_t)(b->s[i] - '0');
			i--;
			if (v == 0 || v > n || seen[v]++)
				abort();
		}
	}
	for (v = 1; v <= n; v++)
		if (!seen[v])
			abort();
	if (depth != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct thread_msg m[MSGS_MAX];
	static char	*fld[MSGS_MAX][4];
	struct buf	 b, subj;
	char		*copy, *line, *next, *f;
	size_t		 n = 0, i, k;

	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	buf_init(&b);
	for (line = copy; line != NULL && n < MSGS_MAX; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (k = 0, f = line; k < 4; k++) {
			fld[n][k] = f;
			if (f != NULL && (f = strchr(f, '|')) != NULL)
				*f++ = '\0';
		}
		buf_init(&subj);
		m[n].is_reply = mime_base_subject(fld[n][2] == NULL ? "" :
		    fld[n][2], fld[n][2] == NULL ? 0 : strlen(fld[n][2]),
		    &subj);
		m[n].subject = buf_steal(&subj, NULL);
		m[n].id = (uint32_t)(n + 1);
		m[n].msgid = fld[n][0] != NULL && *fld[n][0] != '\0' ?
		    fld[n][0] : NULL;
		m[n].refs = fld[n][1];
		m[n].date = fld[n][3] == NULL ? -1 :
		    mime_date_parse(fld[n][3], strlen(fld[n][3]));
		if (m[n].date == -1 && fld[n][3] != NULL)
			m[n].date = (time_t)strlen(fld[n][3]) % 5;
		n++;
	}
	thread_references(m, n, &b);
	check(&b, n);
	buf_reset(&b);
	thread_orderedsubject(m, n, &b);
	check(&b, n);
	for (i = 0; i < n; i++)
		free((char *)(uintptr_t)m[i].subject);
	buf_free(&b);
	free(copy);
	return 0;
}
