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
 * imap.h -- types every part of imapd shares: message flags, sequence
 * sets, FETCH body sections.  Pure declarations.
 */

#ifndef IMAPD_IMAP_H
#define IMAPD_IMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Message flags, one uint64_t per message.  The system flags are the low
 * bits; keyword k (0..25, the letters 'a'..'z' of Maildir file names as
 * Dovecot's dovecot-keywords file maps them) is bit MF_KEYWORD(k).
 * \Recent is per session and never stored.
 */
#define MF_SEEN		0x01ULL		/* S in the file name */
#define MF_ANSWERED	0x02ULL		/* R */
#define MF_FLAGGED	0x04ULL		/* F */
#define MF_DELETED	0x08ULL		/* T */
#define MF_DRAFT	0x10ULL		/* D */
#define MF_RECENT	0x20ULL		/* session view only */
#define MF_SYSTEM	0x1fULL		/* the stored system flags */
#define MF_KEYWORDS_MAX	26
#define MF_KEYWORD(k)	(1ULL << (32 + (k)))
#define MF_KEYWORD_MASK	(((1ULL << MF_KEYWORDS_MAX) - 1) << 32)

/*
 * A sequence set as parsed (RFC 9051 "sequence-set"): ranges with '*'
 * kept symbolic (IMAP_SEQ_STAR) until resolved against the mailbox; "$"
 * (SEARCHRES) is flagged.  lo <= hi is not guaranteed before
 * seqset_contains() (4:2 means 2:4).
 */
#define IMAP_SEQ_STAR	UINT32_MAX

struct seqrange {
	uint32_t	 lo;
	uint32_t	 hi;
};

struct seqset {
	struct seqrange	*r;
	size_t		 n;
	int		 saved;		/* "$": the saved SEARCH result */
};

/*
 * A FETCH body section: BODY[1.2.HEADER.FIELDS (A B)]<0.100>.
 * part[] is the part path (npart 0: the whole message).
 */
#define IMAP_PART_DEPTH	32

enum imap_section_spec {
	SEC_NONE,		/* BODY[] or BODY[1.2]: the part's content */
	SEC_HEADER,
	SEC_HEADER_FIELDS,
	SEC_HEADER_FIELDS_NOT,
	SEC_TEXT,
	SEC_MIME,
};

struct imap_section {
	uint32_t		 part[IMAP_PART_DEPTH];
	size_t			 npart;
	enum imap_section_spec	 spec;
	char			**fields;	/* HEADER.FIELDS names */
	size_t			 nfields;
};

#endif /* IMAPD_IMAP_H */
