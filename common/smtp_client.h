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
 * smtp_client.h -- the client side of an SMTP or LMTP dialogue, without
 * any I/O: a command formatter, an incremental reply parser and the
 * reading of EHLO/LHLO capabilities.  Used by blocking clients (smtpctl's
 * enqueue, the LMTP agent: see smtp_client_io.c) and meant for
 * event-driven ones alike: the parser is fed whatever bytes arrived.
 *
 * Limits (RFC 5321 4.5.3.1):
 *	command line	512 octets with its CRLF (4.5.3.1.4); a command
 *			longer than that is refused, not sent
 *	reply line	512 octets with its CRLF (4.5.3.1.5); we accept
 *			up to SMTP_REPLY_LINE_MAX, twice that, as real
 *			servers are sometimes wordier
 *	reply		SMTP_REPLY_LINES_MAX lines, SMTP_REPLY_MAX octets
 * Line endings: CRLF, or a bare LF (some servers send it); a CR
 * anywhere else and a NUL are refused.
 */

#ifndef CARTERO_SMTP_CLIENT_H
#define CARTERO_SMTP_CLIENT_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>

#define SMTP_CMD_MAX		512	/* octets, with the CRLF */
#define SMTP_REPLY_LINE_MAX	1024	/* octets, with the CRLF */
#define SMTP_REPLY_LINES_MAX	64
#define SMTP_REPLY_MAX		8192	/* octets of all lines stored */
#define SMTP_ENHANCED_MAX	12	/* "5.123.456" and its NUL */

/*
 * Format a command into buf (at least SMTP_CMD_MAX + 1 bytes) and
 * append CRLF.  Returns its length with the CRLF, or -1 with errno
 * EINVAL (a CR, LF or NUL in the line) or EMSGSIZE (over SMTP_CMD_MAX).
 */
int	smtp_cmd_format(char *, size_t, const char *, ...)
	    __attribute__((__format__(printf, 3, 4)));
int	smtp_cmd_vformat(char *, size_t, const char *, va_list)
	    __attribute__((__format__(printf, 3, 0)));

enum smtp_reply_status {
	SMTP_REPLY_MORE,	/* all bytes taken, the reply goes on */
	SMTP_REPLY_DONE,	/* a complete reply; *used says up to where */
	SMTP_REPLY_ERROR	/* malformed: error says why; sticky */
};

/*
 * One reply, assembled from the bytes it is fed.  Lines are stored
 * whole ("250-SIZE 1000"), each NUL-terminated, without their CRLF.
 */
struct smtp_reply {
	int		 code;			/* 200 to 599 */
	char		 enhanced[SMTP_ENHANCED_MAX]; /* "2.1.0" or "" */
	size_t		 nlines;
	const char	*error;			/* after SMTP_REPLY_ERROR */
	/* parser state */
	int		 state;			/* enum smtp_reply_status */
	size_t		 len;			/* bytes of buf in use */
	size_t		 cur;			/* start of the line read */
	size_t		 line[SMTP_REPLY_LINES_MAX];	/* offsets in buf */
	char		 buf[SMTP_REPLY_MAX];
};

void		 smtp_reply_init(struct smtp_reply *);
int		 smtp_reply_feed(struct smtp_reply *, const char *, size_t,
		    size_t *);
const char	*smtp_reply_line(const struct smtp_reply *, size_t);
const char	*smtp_reply_text(const struct smtp_reply *, size_t);

/* EHLO/LHLO capabilities (RFC 5321 4.1.1.1 and the extensions' RFCs). */
#define SMTP_EXT_PIPELINING		0x0001	/* RFC 2920 */
#define SMTP_EXT_SIZE			0x0002	/* RFC 1870 */
#define SMTP_EXT_8BITMIME		0x0004	/* RFC 6152 */
#define SMTP_EXT_SMTPUTF8		0x0008	/* RFC 6531 */
#define SMTP_EXT_STARTTLS		0x0010	/* RFC 3207 */
#define SMTP_EXT_AUTH			0x0020	/* RFC 4954 */
#define SMTP_EXT_ENHANCEDSTATUSCODES	0x0040	/* RFC 2034 */
#define SMTP_EXT_CHUNKING		0x0080	/* RFC 3030 */
#define SMTP_EXT_DSN			0x0100	/* RFC 3461 */

#define SMTP_AUTH_MECHS_MAX	128

struct smtp_ehlo {
	unsigned int	 ext;		/* SMTP_EXT_* */
	size_t		 size;		/* SIZE's limit, 0 if none given */
	char		 auth[SMTP_AUTH_MECHS_MAX]; /* "PLAIN LOGIN", upper */
};

int		 smtp_ehlo_parse(const struct smtp_reply *, struct smtp_ehlo *);

/*
 * The ESMTP parameters of MAIL FROM for a message of size bytes, each
 * only if the server offered its extension: " SIZE=n", " BODY=8BITMIME"
 * (eightbit set), " SMTPUTF8" (utf8 set).  0, or -1 if buf is too small.
 */
#define SMTP_MAIL_8BIT		0x01
#define SMTP_MAIL_UTF8		0x02
int		 smtp_mail_params(char *, size_t, const struct smtp_ehlo *,
		    unsigned long long, int);

/*
 * A blocking client on a connected socket (smtp_client_io.c): each step
 * waits at most timeout seconds.  Both return -1 with errno set:
 * ETIMEDOUT, ECONNRESET for EOF, EPROTO for a malformed reply (its
 * reason in reply.error), EINVAL/EMSGSIZE for a refused command.
 */
struct smtp_client {
	int			 fd;
	int			 timeout;	/* seconds per step */
	char			 cmd[SMTP_CMD_MAX + 1];	/* last command */
	int			 cmdlen;	/* with its CRLF */
	struct smtp_reply	 reply;		/* last reply */
	char			 in[SMTP_REPLY_LINE_MAX];
	size_t			 inlen;
};

void	smtp_client_init(struct smtp_client *, int, int);
int	smtp_client_vcmd(struct smtp_client *, const char *, va_list)
	    __attribute__((__format__(printf, 2, 0)));
int	smtp_client_write(struct smtp_client *, const void *, size_t);
int	smtp_client_reply(struct smtp_client *);
/*
 * Greeting already read: EHLO name, or HELO if the server refuses EHLO
 * (then no extension).  The last reply's code (2xx: ready), or -1.
 */
int	smtp_client_hello(struct smtp_client *, const char *,
	    struct smtp_ehlo *);
int	smtp_client_cmd(struct smtp_client *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

#endif /* CARTERO_SMTP_CLIENT_H */
