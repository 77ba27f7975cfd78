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
 * dkim_local.h -- what the dkim_*.c files share and nobody else uses:
 * the tag-list parser, the body canonicaliser, the public-key check.
 */

#ifndef CARTERO_DKIM_LOCAL_H
#define CARTERO_DKIM_LOCAL_H

#include <openssl/evp.h>

#include "dkim.h"

#define DKIM_TAG_MAX		64	/* tags in one tag-list */

struct dkim_tag {
	const char	*name;
	size_t		 namelen;
	const char	*val;		/* FWS inside kept, around trimmed */
	size_t		 vallen;
};

/*
 * A tag-list (RFC 6376 3.2) into tags (at most DKIM_TAG_MAX): their
 * number, or -1 and *err (syntax, duplicate tag, too many tags).
 */
int	dkim_tag_list(const char *, size_t, struct dkim_tag *, size_t,
	    const char **);
/* base64 with FWS anywhere: 0 and *outlen, or -1 (bad, too long). */
int	dkim_b64_decode_fws(const char *, size_t, uint8_t *, size_t,
	    size_t *);

/* What dkim_sig_parse() finds that struct dkim_sigcheck has no room for. */
struct dkim_sigextra {
	const char	*h;		/* h= as given (inside the input) */
	size_t		 hlen;
	uint8_t		 bh[DKIM_HASH_LEN];
};

int	dkim_sig_parse_extra(struct dkim_sigcheck *, const char *, size_t,
	    struct dkim_sigextra *);

/* --- dkim_canon.c -------------------------------------------------------- */

#define DKIM_BODY_OBUF		4096

/* One body hash: canonicalisation, l=, SHA-256 fed as the body streams. */
struct dkim_body {
	enum dkim_canon	 canon;
	int64_t		 l;		/* -1: all */
	EVP_MD_CTX	*md;
	uint64_t	 total;		/* canonical bytes out, hashed or not */
	uint64_t	 nempty;	/* empty lines held back */
	int		 started;	/* the current line has content */
	int		 wsp;		/* relaxed: WSP held back */
	int		 cr;		/* a CR held back (LF may follow) */
	uint8_t		 hash[DKIM_HASH_LEN];
	size_t		 olen;
	uint8_t		 obuf[DKIM_BODY_OBUF];
};

int	dkim_body_init(struct dkim_body *, enum dkim_canon, int64_t);
/* Body bytes, CRLF or bare LF line ends, any split. */
void	dkim_body_update(struct dkim_body *, const char *, size_t);
/* Final: hash[] and total. 0, or -1 (libcrypto). */
int	dkim_body_final(struct dkim_body *);
void	dkim_body_free(struct dkim_body *);

/*
 * One header field (name ':' value, folded, CRLF-ended) canonicalised
 * into md; crlf 0: without its final CRLF (the DKIM-Signature field).
 * 0, or -1 (libcrypto).
 */
int	dkim_canon_header(EVP_MD_CTX *, enum dkim_canon, const char *,
	    size_t, int crlf);

/* --- dkim_msg.c ---------------------------------------------------------- */

#define DKIM_FIELDS_MAX		4096	/* header fields kept */
#define DKIM_H_MAX		128	/* names in h= */

/* A header field kept: hdr[off, off + len) including its CRLF. */
struct dkim_hfield {
	size_t		 off;
	size_t		 len;
	size_t		 namelen;	/* the name, less WSP before ':' */
};

struct dkim_msg {
	int		 flags;
	int		 inbody;	/* the empty line was seen */
	int		 ended;
	int		 too_large;
	int		 nomem;
	/* the header section, CRLF line ends, whole lines only */
	char		*hdr;
	size_t		 hlen;
	size_t		 hsize;
	size_t		 line_start;	/* in hdr: the current line */
	size_t		 line_len;	/* bytes of it, stored or not */
	char		 line_last;
	struct dkim_hfield *fields;
	size_t		 nfields;
	/* one per distinct (canon, l) */
	struct dkim_body *body;
	size_t		 nbody;
	int		 signbody;	/* relaxed, whole: -1 none */
	/* the DKIM-Signature fields, top first */
	struct dkim_sigcheck *sc;
	struct dkim_sigextra *ex;
	size_t		*sigfield;	/* index in fields */
	int		*sigbody;	/* index in body, -1 none */
	size_t		 nsig;
	int		 has_from;
	int		 from_bad;	/* From present, no single domain */
	char		 from[DKIM_DOMAIN_MAX];
};

/* The field is named name (case-insensitive). */
int	dkim_field_is(const struct dkim_msg *, const struct dkim_hfield *,
	    const char *, size_t);
/*
 * The header hash: the fields of the h= list (colon-separated, FWS
 * allowed) chosen bottom-up, then sigf (the signature field with b=
 * empty) without its CRLF.  0, or -1 (libcrypto, h= too long).
 */
int	dkim_header_hash(const struct dkim_msg *, const char *, size_t,
	    enum dkim_canon, const char *, size_t, uint8_t *);
/* dkim_from.c: the From domain into m->from (has_from), at the end. */
void	dkim_from_find(struct dkim_msg *);

/* --- dkim_crypto.c ------------------------------------------------------- */

/*
 * The public key of a parsed key record for alg, or NULL and *err
 * (k= does not match a=, bad DER, RSA size outside the limits).
 */
EVP_PKEY *dkim_crypto_pubkey(const struct dkim_key *, enum dkim_alg,
	    const char **);
/* sig over hash: 1 valid, 0 bad signature, -1 libcrypto failed. */
int	dkim_crypto_verify(EVP_PKEY *, const uint8_t *, const uint8_t *,
	    size_t);

#endif /* CARTERO_DKIM_LOCAL_H */
