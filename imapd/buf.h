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
 * buf.h -- a growable byte buffer, for building IMAP replies, ENVELOPE
 * and BODYSTRUCTURE strings, index records.  Allocation failure is fatal
 * (xreallocarray).  b->s is NUL-terminated once anything was added (the
 * NUL is not counted in len).  A zeroed struct buf is an empty buffer.
 */

#ifndef IMAPD_BUF_H
#define IMAPD_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);		/* and zero it */
void	buf_reset(struct buf *);	/* len = 0, keep the memory */
void	buf_reserve(struct buf *, size_t);	/* room for n more bytes */
void	buf_add(struct buf *, const void *, size_t);
void	buf_adds(struct buf *, const char *);
void	buf_addc(struct buf *, char);
void	buf_addf(struct buf *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	buf_vaddf(struct buf *, const char *, va_list)
	    __attribute__((__format__(printf, 2, 0)));
void	buf_addu64(struct buf *, uint64_t);	/* decimal, fast */
/* take the string: the caller frees it; the buffer is empty after */
char	*buf_steal(struct buf *, size_t *);

/*
 * IMAP strings (RFC 9051 4.3).  buf_add_quoted: a quoted string if s can
 * be one (no CR, LF, NUL, at most 1024 bytes), else a literal {n}\r\n...
 * buf_add_nstring: NIL for NULL, else as buf_add_quoted.  buf_add_astring:
 * an atom when s is a non-empty atom (and not "NIL"), else quoted/literal.
 * 8-bit bytes are allowed in quoted strings only if utf8 is set (the
 * client ENABLEd UTF8=ACCEPT or IMAP4rev2), else a literal is used.
 */
void	buf_add_quoted(struct buf *, const char *, size_t, int utf8);
void	buf_add_nstring(struct buf *, const char *, size_t, int utf8);
void	buf_add_astring(struct buf *, const char *, size_t, int utf8);
/* a literal always: {len}\r\n followed by the bytes */
void	buf_add_literal(struct buf *, const char *, size_t);

#endif /* IMAPD_BUF_H */
