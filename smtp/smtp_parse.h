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
 * smtp_parse.h -- pure SMTP parsers: line assembler, command parser,
 * ESMTP parameters and the DATA/BDAT body decoder.
 *
 * Nothing here does I/O, allocates or logs: every function works on the
 * bytes it is given, so that the unit tests can drive them with tables
 * and one byte at a time.
 */

#ifndef SMTP_PARSE_H
#define SMTP_PARSE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

/*
 * Line assembler.  Works in place on the caller's buffer of unread bytes:
 * smtp_line_next() says how many bytes to drop (*used) and whether they
 * held a complete line.  A line ends with LF; a CR before it is removed.
 * A line longer than max (terminator excluded) is reported once as
 * LINE_TOOLONG and the rest of it is discarded up to the next LF.
 */
struct smtp_line {
	size_t		 max;		/* longest line, no CRLF */
	int		 skipping;	/* discarding a too-long line */
	int		 nul;		/* LINE_OK: line has a NUL */
};

#define LINE_NONE	0	/* need more input (*used may be > 0) */
#define LINE_OK		1	/* line at buf, *linelen bytes */
#define LINE_TOOLONG	2	/* too long: reply once, tail is skipped */

void	smtp_line_init(struct smtp_line *, size_t);
int	smtp_line_next(struct smtp_line *, const char *, size_t, size_t *,
	    size_t *);

/*
 * Command parser.  The line is modified in place (NULs are written) and
 * must have one writable byte after its end (the CR or LF it came with).
 */
enum smtp_verb {
	V_NONE,
	V_AUTH,		/* RFC 4954: smtp/smtp_auth.c */
	V_HELO,
	V_EHLO,
	V_MAIL,
	V_RCPT,
	V_DATA,
	V_BDAT,
	V_RSET,
	V_NOOP,
	V_QUIT,
	V_VRFY,
	V_EXPN,
	V_HELP,
	V_STARTTLS,
};

struct smtp_cmd {
	enum smtp_verb	 verb;
	char		*arg;		/* after the verb, or "" */
	char		*path;		/* MAIL/RCPT: inside <> */
	char		*params;	/* MAIL/RCPT: ESMTP params */
	uint64_t	 bdat_size;	/* BDAT */
	int		 bdat_last;	/* BDAT ... LAST */
};

#define CMD_OK		0
#define CMD_UNKNOWN	1	/* 500 5.5.1 */
#define CMD_SYNTAX	2	/* 501 5.5.4 */
#define CMD_NUL		3	/* 500 5.5.2 */

int		 smtp_parse_command(char *, size_t, struct smtp_cmd *);
/*
 * AUTH's argument (cmd.arg, modified in place): the mechanism and the
 * initial response (NULL if none).  CMD_OK or CMD_SYNTAX.
 */
int		 smtp_parse_auth(char *, char **, char **);
/*
 * What to log of a line that is an AUTH command: "AUTH" and the
 * mechanism name, never the credentials.  1 and dst set if the line's
 * verb is AUTH (whatever follows it, NULs and garbage included), else 0.
 */
int		 smtp_parse_auth_cmdtext(char *, size_t, const char *, size_t);
const char	*smtp_verb_name(enum smtp_verb);

/* ESMTP parameters (RFC 5321 4.1.2 esmtp-param). */
struct smtp_mailparams {
	int		 has_size;
	uint64_t	 size;		/* SIZE= */
	int		 body;		/* BODY_* */
	int		 smtputf8;	/* SMTPUTF8 */
	int		 has_auth;	/* AUTH= (RFC 4954 5), ignored */
};

#define BODY_NONE	0
#define BODY_7BIT	1
#define BODY_8BITMIME	2

#define PARAM_OK	0
#define PARAM_SYNTAX	1	/* 501 5.5.4 */
#define PARAM_UNKNOWN	2	/* 555 5.5.4 */

int	smtp_parse_mail_params(char *, struct smtp_mailparams *);
int	smtp_parse_rcpt_params(char *);

/*
 * Message body decoder (DATA, or BDAT with raw set).  Copies the body
 * from in to out, removing dot-stuffing, and stops at CRLF.CRLF (DATA
 * only: a bare LF or CR never ends the body).  It notes what makes a
 * message unacceptable in flags and counts the Received: headers.
 */
struct smtp_data_dec {
	int		 state;		/* private */
	int		 raw;		/* BDAT: no dots, no end */
	size_t		 max_line;
	size_t		 linelen;	/* private: bytes on the line */
	int		 in_headers;
	int		 hdrmatch;	/* private: "Received:" match */
	size_t		 hops;		/* Received: headers seen */
	uint64_t	 size;		/* bytes produced */
	int		 flags;		/* DATA_F_* */
	int		 done;		/* DATA: terminator seen */
};

#define DATA_F_BARE	0x01	/* bare CR or LF */
#define DATA_F_NUL	0x02	/* NUL byte */
#define DATA_F_LONG	0x04	/* line over max_line */

/* Room out must have for one more input byte, and for smtp_data_end(). */
#define DATA_DEC_SLACK	4

void	smtp_data_init(struct smtp_data_dec *, size_t, int);
size_t	smtp_data_decode(struct smtp_data_dec *, const char *, size_t,
	    char *, size_t, size_t *);
size_t	smtp_data_end(struct smtp_data_dec *, char *, size_t);

#endif /* SMTP_PARSE_H */
