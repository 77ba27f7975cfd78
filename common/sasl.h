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
 * sasl.h -- the server side of SASL PLAIN (RFC 4616) and LOGIN, for any
 * daemon (smtpd's AUTH, RFC 4954; imapd's AUTHENTICATE, RFC 3501).
 *
 * Pure code: no I/O, no allocation, no logging.  The daemon reads a line,
 * hands it here, and sends back what it is told: a challenge (already
 * base64, "334 " or "+ " in front is the daemon's business) or, when the
 * exchange is complete, checks sasl->user and sasl->pass.  sasl_clear()
 * wipes the credentials; call it on every path once they have been used.
 */

#ifndef CARTERO_SASL_H
#define CARTERO_SASL_H

#include <sys/types.h>

#include <stddef.h>

#define SASL_USER_MAX	255	/* bytes, authcid and authzid */
#define SASL_PASS_MAX	1024	/* bytes */
/* longest decoded message: authzid NUL authcid NUL passwd */
#define SASL_MSG_MAX	(2 * SASL_USER_MAX + SASL_PASS_MAX + 2)
/* longest base64 client response we decode (4 chars per 3 bytes) */
#define SASL_B64_MAX	(((SASL_MSG_MAX + 2) / 3) * 4)
#define SASL_CHALLENGE_MAX	64	/* base64 challenges we send */

/*
 * Strict RFC 4648 section 4 base64: the standard alphabet, '=' padding
 * only at the end and only as needed for a length that is a multiple of
 * 4, no whitespace, no line breaks, and zero bits where the last
 * character has bits to spare.  Decodes src (srclen bytes) into dst (at
 * most dstsize bytes) and sets *outlen: 0, or -1 if src is not such
 * base64 or decodes to more than dstsize bytes.
 */
int	sasl_b64_decode(const char *, size_t, unsigned char *, size_t,
	    size_t *);
/* NUL-terminated base64 of src into dst: its length, or -1 if too small */
int	sasl_b64_encode(const unsigned char *, size_t, char *, size_t);

enum sasl_mech {
	SASL_MECH_NONE,
	SASL_MECH_PLAIN,
	SASL_MECH_LOGIN,
};

/* What the daemon does next. */
enum sasl_result {
	SASL_CONTINUE,	/* send the challenge, read one more line */
	SASL_DONE,	/* user and pass are set: check them */
	SASL_BAD_B64,	/* the client's line is not base64: 501 5.5.2 */
	SASL_BAD_MSG,	/* malformed or refused credentials: a failure */
	SASL_CANCEL,	/* the client sent "*": 501 5.7.0 */
};

struct sasl {
	enum sasl_mech	 mech;
	int		 step;		/* private */
	char		 user[SASL_USER_MAX + 1];
	char		 pass[SASL_PASS_MAX + 1];
	char		 challenge[SASL_CHALLENGE_MAX];	/* base64, "" ok */
};

/* "PLAIN", "LOGIN" (any case) -> SASL_MECH_*, else SASL_MECH_NONE. */
enum sasl_mech	 sasl_mech_parse(const char *);
const char	*sasl_mech_name(enum sasl_mech);

/*
 * Start an exchange.  initial is the initial response of the command
 * (NULL if none; "=" is an empty one, RFC 4954 4).
 */
enum sasl_result sasl_start(struct sasl *, enum sasl_mech, const char *);
/* The client's next line (len bytes, no CRLF). */
enum sasl_result sasl_step(struct sasl *, const char *, size_t);
/* Wipe the credentials (explicit_bzero) and reset. */
void		 sasl_clear(struct sasl *);

/*
 * PLAIN message (authzid NUL authcid NUL passwd, RFC 4616): the user
 * (authcid) and password, both non-empty and within bounds, without NUL;
 * an authzid, if given, must equal the authcid.  0 or -1.
 */
int	sasl_plain_parse(const unsigned char *, size_t, char *, size_t,
	    char *, size_t);

#endif /* CARTERO_SASL_H */
