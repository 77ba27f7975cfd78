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
 * smtpctl.h -- smtpctl, sendmail, mailq and newaliases (one binary).
 */

#ifndef SMTPCTL_H
#define SMTPCTL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define ENV_RUNDIR	"CARTERO_RUNDIR"
#define ENV_SPOOL	"CARTERO_SPOOL"
#define PATH_ALIASES	"/etc/aliases"
#define OFFLINE_TAG	"X-Cartero-Offline: "

/* A growing byte buffer, always NUL-terminated. */
struct enqbuf {
	char	*buf;
	size_t	 len;
	size_t	 size;
};

/* A list of envelope recipients, without duplicates. */
struct enq_rcpts {
	char	**v;
	size_t	  n;
};

/* Line-ending conversion and dot handling (enq_conv_*). */
#define CONV_LONEDOT	0x01	/* a lone "." line ends the input */
#define CONV_CRLF	0x02	/* write CRLF line ends (else LF) */
#define CONV_STUFF	0x04	/* double a leading "." (RFC 5321 4.5.2) */

struct enq_conv {
	int	 flags;		/* CONV_* */
	int	 state;		/* private */
	int	 cr;		/* private: last byte was a CR */
	int	 eightbit;	/* a byte >= 0x80 went through */
};

/* What enq_prepare() adds to a message lacking it. */
struct enq_hdrs {
	const char	*from;		/* From: value, e.g. "Name <u@h>" */
	const char	*date;		/* Date: value */
	const char	*msgid;		/* Message-ID: value, with <> */
	const char	*host;		/* qualifies bare local parts; NULL */
	int		 tflag;		/* collect To/Cc/Bcc recipients */
};

/* smtpctl/enqueue_msg.c: pure functions, unit-tested. */
void	 enqbuf_add(struct enqbuf *, const void *, size_t);
void	 enqbuf_addstr(struct enqbuf *, const char *);
void	 enqbuf_reset(struct enqbuf *);
void	 enqbuf_free(struct enqbuf *);
void	 enq_conv_init(struct enq_conv *, int);
size_t	 enq_conv_feed(struct enq_conv *, const char *, size_t,
	    struct enqbuf *);
void	 enq_conv_finish(struct enq_conv *, struct enqbuf *);
int	 enq_conv_done(const struct enq_conv *);
int	 enq_header_line(const char *, size_t, size_t *);
size_t	 enq_header_block(const char *, size_t, size_t *);
int	 enq_header_has(const char *, size_t, const char *);
int	 enq_addrlist_parse(const char *, size_t, const char *,
	    struct enq_rcpts *);
int	 enq_rcpts_add(struct enq_rcpts *, const char *, size_t,
	    const char *);
void	 enq_rcpts_free(struct enq_rcpts *);
int	 enq_has_domain(const char *);
int	 enq_prepare(const char *, size_t, const struct enq_hdrs *,
	    struct enq_rcpts *, struct enqbuf *);
void	 enq_from_value(const char *, const char *, struct enqbuf *);
void	 enq_date_value(time_t, char *, size_t);
void	 enq_argv_escape(char *const *, int, struct enqbuf *);
int	 enq_argv_parse(const char *, size_t, char ***, int *);
void	 enq_argv_free(char **, int);
int	 enq_needs_utf8(const char *);
void	 enq_offline_format(const char *, const struct enq_rcpts *,
	    const char *, size_t, struct enqbuf *);
int	 enq_offline_parse(const char *, size_t, char ***, int *, size_t *);
int	 enq_offline_envelope(char *const *, int, struct enqbuf *,
	    struct enq_rcpts *);

/* smtpctl/enqueue_smtp.c: also linked into smtpd (offline pickup). */
int	 enq_smtp_send(int, const char *, const struct enq_rcpts *,
	    const struct enqbuf *, int, const char *);

/* smtpctl/enqueue.c */
int	 enqueue_main(int, char **, int);

/* smtpctl/aliases.c */
int	 aliases_check(const char *, size_t *);

/* smtpctl/showq.c: show queue / mailq output */
void	 showq_start(int);
void	 showq_line(const char *);
void	 showq_end(void);

/* smtpctl/main.c */
const char	*smtpctl_rundir(void);
const char	*smtpctl_spool(void);
int		 smtpctl_connect(const char *, char *, size_t);
int		 smtpctl_command(int, char **, const char *);

/* smtpctl/encrypt.c: smtpctl encrypt [password] */
int	smtpctl_encrypt(int, char **);
/* imap.c: smtpctl imap show sessions | kick USER (imapd's control) */
int	smtpctl_imap(int, char **);
/* dkim_keygen.c: smtpctl dkim keygen (argv[0] "keygen") */
int	smtpctl_dkim_keygen(int, char **);
/* dns.c: smtpctl dns [-f file] [--check] domain */
int	smtpctl_dns(int, char **);
/* dns_zone.c: names and TXT records in zone-file form */
int	dns_name_valid(const char *);
void	dns_zone_txt(FILE *, const char *, const char *);
/* smtpctl/dkim.c: dkim verify, dkim sign */
int	smtpctl_dkim(int, char **);
/* spf.c: smtpctl spf check [-f file] [--helo] IP HELO [SENDER] */
int	smtpctl_spf(int, char **);
/* dmarc.c: smtpctl dmarc check [-f file] [-i IP -h HELO [-s SENDER]] */
int	smtpctl_dmarc(int, char **);

#endif /* SMTPCTL_H */
