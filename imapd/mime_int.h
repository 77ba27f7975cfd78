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
 * mime_int.h -- what the mime_*.c files share and nobody else needs:
 * walking a header block field by field, unfolding, character tests,
 * the transfer decoders and the case folding used by SEARCH.
 */

#ifndef IMAPD_MIME_INT_H
#define IMAPD_MIME_INT_H

#include <stddef.h>

#include "buf.h"
#include "mime.h"

/* one header field: name and raw value (folds kept), in the block */
struct hdr_field {
	const char	*name;
	size_t		 namelen;
	const char	*value;		/* after the colon */
	size_t		 valuelen;	/* up to, not including, the line end */
	const char	*line;		/* the field with its line ends */
	size_t		 linelen;
};

struct hdr_iter {
	const char	*p;
	const char	*end;
};

void	 hdr_iter_init(struct hdr_iter *, const char *, size_t);
/* the next field, 0 at the end of the header (a blank line) */
int	 hdr_iter_next(struct hdr_iter *, struct hdr_field *);
int	 hdr_name_is(const struct hdr_field *, const char *);
/* the value unfolded (CR and LF dropped) and trimmed, appended */
void	 hdr_unfold(const char *, size_t, struct buf *);
/* the length of the header block: up to and including the blank line */
size_t	 hdr_block_len(const char *, size_t);

/* how many LF are not preceded by CR (each costs one more octet) */
size_t	 mime_bare_lf(const char *, size_t);
size_t	 mime_count_lf(const char *, size_t);
/* p[0..n) with every line end made CRLF, appended */
void	 mime_add_crlf(struct buf *, const char *, size_t);

int	 mime_is_wsp(int);
char	*mime_strndup(const char *, size_t);
int	 mime_strcaseeq(const char *, size_t, const char *);

/* transfer decoders (mime_decode.c); they never fail */
void	 mime_b64_decode(const char *, size_t, struct buf *);
void	 mime_qp_decode(const char *, size_t, struct buf *, int hdr);
/*
 * bytes in charset (a MIME name) appended as UTF-8; 0, or -1 if the
 * charset is unknown (then the bytes are appended as they are)
 */
int	 mime_to_utf8(const char *charset, const char *, size_t,
	    struct buf *);

/* SEARCH folding (mime_search.c): ASCII and Latin letters lower-cased */
void	 mime_fold(const char *, size_t, struct buf *);

/* a parameter value of a part, NULL if absent */
const char *mime_param(const struct mime_param *, size_t, const char *);

#endif /* IMAPD_MIME_INT_H */
