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
 * imap_parse_priv.h -- helpers the typed IMAP parsers share (imap_types.c);
 * not for use outside imap_*.c.
 */

#ifndef IMAPD_IMAP_PARSE_PRIV_H
#define IMAPD_IMAP_PARSE_PRIV_H

#include <stdint.h>

#include "imap_parse.h"

/* mod-sequence-value limit (RFC 7162: 63 bits) */
#define IMAP_MODSEQ_MAX	((uint64_t)INT64_MAX)

/* decimal digits only, at most max: 0 or -1 */
int	imap_num_parse(const char *, uint64_t max, uint64_t *);
/* the argument is an atom equal to name, any case */
int	imap_arg_is(const struct imap_arg *, const char *name);
/* a flag-keyword: atom chars but no ']' nor wildcards */
int	imap_keyword_valid(const char *);

#endif /* IMAPD_IMAP_PARSE_PRIV_H */
