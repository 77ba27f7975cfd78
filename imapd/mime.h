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
 * mime.h -- RFC 5322/MIME messages as IMAP sees them: the part tree,
 * ENVELOPE and BODYSTRUCTURE, body sections, content decoding, header
 * values, text search, and what SORT and THREAD (RFC 5256) need.  Pure
 * code on a message in memory (the session maps the file): no I/O, no
 * logging; allocation failure is fatal.  Never fails on malformed input:
 * a broken message gets the structure a lenient reader would give it
 * (Dovecot's behaviour is the reference).  Fuzzed by
 * regress/fuzz/imapd_mime_fuzz.c.
 *
 * Line ends may be CRLF or bare LF (Maildir files written by smtpd's MDA
 * use LF): sizes and octet counts are computed as if every line ended in
 * CRLF, as IMAP requires (RFC822.SIZE, BODYSTRUCTURE sizes, sections,
 * partial offsets), and section contents are returned with CRLF.
 */

#ifndef IMAPD_MIME_H
#define IMAPD_MIME_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "imap.h"

#define MIME_DEPTH_MAX	64	/* nesting beyond this is flattened */
#define MIME_PARTS_MAX	4096

struct mime_param {
	char		*name;		/* lower case */
	char		*value;		/* RFC 2231 continuations joined */
};

struct mime_part {
	/* offsets in the message as stored (LF or CRLF) */
	size_t		 hdr_off, hdr_len;	/* header + blank line */
	size_t		 body_off, body_len;
	/* the same as IMAP counts them (CRLF line ends) */
	size_t		 hdr_size, body_size;
	size_t		 body_lines;

	char		*type, *subtype;	/* as written; defaults
						 * text/plain, message/rfc822
						 * in multipart/digest */
	struct mime_param *params;
	size_t		 nparams;
	char		*id, *description, *encoding, *md5;
	char		*disposition;
	struct mime_param *dparams;
	size_t		 ndparams;
	char		*language, *location;

	struct mime_part *parent;
	struct mime_part *children;	/* multipart: first child */
	struct mime_part *next;		/* next sibling */
	struct mime_part *message;	/* message/rfc822: the inner one */
};

/* The part tree of msg (len bytes). */
struct mime_part *mime_parse(const char *msg, size_t len);
void		 mime_free(struct mime_part *);

/*
 * IMAP ENVELOPE of a header (hdr, len bytes) and BODY/BODYSTRUCTURE of
 * a part (extended: BODYSTRUCTURE), appended to out.  utf8: raw 8-bit
 * header bytes may go out in quoted strings (see buf_add_quoted).
 */
void		 mime_envelope(const char *hdr, size_t len, struct buf *out,
		    int utf8);
void		 mime_bodystructure(const char *msg,
		    const struct mime_part *, int extended, struct buf *out,
		    int utf8);

/*
 * A FETCH section of the message: sets *off and *len when the section is a
 * contiguous run of the stored bytes that needs no rewriting (CRLF
 * message, whole part), else builds it into out (with CRLF line ends)
 * and sets *off to (size_t)-1.  A part that does not exist is empty
 * (RFC 9051: an empty string).  0, or -1 for SEC_MIME/HEADER of a part
 * that is not a message/rfc822 where the RFC forbids it.
 */
int		 mime_section(const char *msg, size_t msglen,
		    const struct mime_part *, const struct imap_section *,
		    size_t *off, size_t *len, struct buf *out);

/*
 * The decoded content of a leaf part (BINARY, RFC 3516): base64 and
 * quoted-printable undone, 7bit/8bit/binary as is.  0, or -1 for an
 * unknown Content-Transfer-Encoding ([UNKNOWN-CTE]).
 */
int		 mime_decode(const char *msg, const struct mime_part *,
		    struct buf *out);

/*
 * The unfolded value of the first header field named name (any case) in
 * hdr, appended to out: 1 if found, 0 if not.  mime_header_decode
 * appends the RFC 2047-decoded UTF-8 text of a value.
 */
int		 mime_header_get(const char *hdr, size_t len, const char *name,
		    struct buf *out);
void		 mime_header_decode(const char *, size_t, struct buf *out);

/*
 * SEARCH TEXT / BODY: is needle (UTF-8) in the message, case-insensitive
 * (ASCII and Latin letters folded), with every text part decoded
 * (transfer encoding and charset, via iconv) and attachments decoded?
 * body_only: the bodies only (BODY), else headers too (TEXT).
 */
int		 mime_search_text(const char *msg, size_t len,
		    const struct mime_part *, const char *needle,
		    size_t needlelen, int body_only);
/* the same for one header value (SEARCH HEADER, FROM...), decoded */
int		 mime_search_header(const char *hdr, size_t len,
		    const char *field, const char *needle, size_t needlelen);

/*
 * Open the iconv(3) converters of the common charsets that are not
 * converted by hand (US-ASCII, UTF-8, ISO-8859-1 and windows-1252 are):
 * call it before the sandbox, which forbids loading gconv modules later.
 * A charset whose converter cannot be had is searched as raw bytes.
 */
void		 mime_charset_preload(void);

/* SORT and THREAD (RFC 5256). */
/*
 * the base subject, upper-cased (i;unicode-casemap lite), into out; 1 if
 * a reply or forward marker was removed (thread_msg.is_reply), else 0
 */
int		 mime_base_subject(const char *, size_t, struct buf *out);
/* an RFC 5322 Date: value as UTC seconds, -1 if unparseable */
time_t		 mime_date_parse(const char *, size_t);
/*
 * The first address of an address header value: its mailbox (local
 * part, upper-cased) for SORT FROM/TO/CC, or its display name (decoded,
 * else the address) for DISPLAYFROM/DISPLAYTO.
 */
void		 mime_addr_sortkey(const char *, size_t, int display,
		    struct buf *out);

struct thread_msg {
	uint32_t	 id;		/* UID or sequence number to print */
	time_t		 date;		/* sent date, else INTERNALDATE */
	const char	*msgid;		/* Message-ID without <>, or NULL */
	const char	*refs;		/* References (or In-Reply-To), raw */
	const char	*subject;	/* base subject (mime_base_subject) */
	int		 is_reply;	/* Re:/Fwd: was stripped */
};

/* THREAD=ORDEREDSUBJECT and THREAD=REFERENCES: "(1 2)(3 (4)(5))" */
void		 thread_orderedsubject(const struct thread_msg *, size_t,
		    struct buf *out);
void		 thread_references(const struct thread_msg *, size_t,
		    struct buf *out);

#endif /* IMAPD_MIME_H */
