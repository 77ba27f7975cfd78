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
 * imapd_mime_fuzz.c -- libFuzzer target: the MIME parser and everything
 * built on it (imapd/mime*.c) on arbitrary bytes: the part tree,
 * ENVELOPE, BODY and BODYSTRUCTURE, every section of the first parts
 * (paths up to three numbers deep, each section kind), BINARY decoding,
 * SEARCH TEXT and BODY, SEARCH HEADER, the SORT keys.  The input is
 * copied to a buffer of its exact size, not NUL-terminated, as the
 * session maps message files.  Checks: what a section returns in place
 * lies inside the message; sizes agree with the CRLF arithmetic.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap.h"
#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const enum imap_section_spec specs[] = {
	SEC_NONE, SEC_HEADER, SEC_HEADER_FIELDS, SEC_HEADER_FIELDS_NOT,
	SEC_TEXT, SEC_MIME
};

static void
sections(const char *m, size_t len, const struct mime_part *root,
    struct buf *b)
{
	static char		 f1[] = "subject", f2[] = "content-type";
	static char		*fields[] = { f1, f2 };
	struct imap_section	 sec;
	size_t			 i, k, off, n;
	uint32_t		 path;

	memset(&sec, 0, sizeof(sec));
	sec.fields = fields;
	sec.nfields = 2;
	for (path = 0; path < 40; path++) {
		/* 0: none, 1..3: a, 4..12: a.b, 13..39: a.b.c */
		if (path == 0)
			sec.npart = 0;
		else if (path < 4) {
			sec.npart = 1;
			sec.part[0] = path;
		} else if (path < 13) {
			sec.npart = 2;
			sec.part[0] = (path - 4) / 3 + 1;
			sec.part[1] = (path - 4) % 3 + 1;
		} else {
			sec.npart = 3;
			sec.part[0] = (path - 13) / 9 + 1;
			sec.part[1] = (path - 13) / 3 % 3 + 1;
			sec.part[2] = (path - 13) % 3 + 1;
		}
		for (k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
			sec.spec = specs[k];
			buf_reset(b);
			if (mime_section(m, len, root, &sec, &off, &n, b) == -1)
				continue;
			if (off == (size_t)-1) {
				if (n != b->len)
					abort();
			} else if (off > len || n > len - off)
				abort();
		}
	}
	(void)i;
}

static void
leaves(const char *m, const struct mime_part *p, struct buf *b, int depth)
{
	const struct mime_part	*c;

	if (depth > MIME_DEPTH_MAX + 2)
		abort();
	if (p->message != NULL)
		leaves(m, p->message, b, depth + 1);
	for (c = p->children; c != NULL; c = c->next)
		leaves(m, c, b, depth + 1);
	if (p->children == NULL && p->message == NULL) {
		buf_reset(b);
		(void)mime_decode(m, p, b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_part	*root;
	struct buf		 b, v;
	char			*m;

	m = malloc(size == 0 ? 1 : size);
	if (m == NULL)
		return 0;
	memcpy(m, data, size);
	buf_init(&b);
	buf_init(&v);
	root = mime_parse(m, size);
	if (root->hdr_len + root->body_len != size ||
	    root->hdr_size + root->body_size < size)
		abort();
	mime_envelope(m + root->hdr_off, root->hdr_len, &b, 0);
	buf_reset(&b);
	mime_envelope(m + root->hdr_off, root->hdr_len, &b, 1);
	buf_reset(&b);
	mime_bodystructure(m, root, 1, &b, 0);
	buf_reset(&b);
	mime_bodystructure(m, root, 0, &b, 1);
	sections(m, size, root, &b);
	leaves(m, root, &b, 0);
	(void)mime_search_text(m, size, root, "n\xc3\xa9\x65", 4, 0);
	(void)mime_search_text(m, size, root, "a", 1, 1);
	(void)mime_search_header(m + root->hdr_off, root->hdr_len, "subject",
	    "re", 2);
	buf_reset(&b);
	if (mime_header_get(m, root->hdr_len, "subject", &v)) {
		(void)mime_base_subject(v.s, v.len, &b);
		buf_reset(&b);
		mime_header_decode(v.s, v.len, &b);
	}
	buf_reset(&v);
	if (mime_header_get(m, root->hdr_len, "date", &v))
		(void)mime_date_parse(v.s, v.len);
	buf_reset(&v);
	if (mime_header_get(m, root->hdr_len, "from", &v)) {
		buf_reset(&b);
		mime_addr_sortkey(v.s, v.len, 0, &b);
		buf_reset(&b);
		mime_addr_sortkey(v.s, v.len, 1, &b);
	}
	mime_free(root);
	buf_free(&b);
	buf_free(&v);
	free(m);
	return 0;
}
