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
 * agent.h -- local delivery agents (smtpd -x agent METHOD).
 *
 * Each delivery function runs as the recipient, takes the request and the
 * message fd (read-only; the file begins with our Received: header) and
 * fills a struct agent_report.  They do no imsg, so regress/unit tests
 * call them directly.
 */

#ifndef AGENT_H
#define AGENT_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

#include "smtpd.h"

/* AGENT_IDLE_TIMEOUT, AGENT_MAX_DELIVERIES: smtpd.h, shared with the parent */
#define AGENT_LOCK_WAIT		30	/* seconds: dotlock, fcntl */
#define AGENT_LOCK_STALE	300	/* seconds: older dotlocks go */
#define AGENT_MDA_TIMEOUT	300	/* seconds for a command */

struct agent_report {
	int		 status;		/* ST_* */
	char		 errorline[ERRLINE_MAX];
	char		 path[PATH_MAX];	/* for the log line */
	off_t		 size;			/* bytes written */
};

/* agent.c */
void	agent_main(int, char **);

/* agent_io.c: copying a message, with line-ending conversion */
#define AX_CRLF		0x01	/* lines end in CRLF, not LF */
#define AX_DOTSTUFF	0x02	/* LMTP: leading "." -> ".." */
#define AX_FROMQUOTE	0x04	/* mboxrd: /^>*From / gets a '>' */

struct agent_obuf {
	char		*buf;
	size_t		 len;
	size_t		 cap;
};

struct agent_xform {
	int		 flags;		/* AX_* */
	int		 bol;		/* at the beginning of a line */
	int		 cr;		/* a '\r' is pending */
	size_t		 gt;		/* '>' held at line start */
	size_t		 from;		/* bytes of "From " held */
	int		 lastnl;	/* last byte out ended a line */
};

void	agent_obuf_add(struct agent_obuf *, const void *, size_t);
void	agent_obuf_free(struct agent_obuf *);
void	agent_xform_init(struct agent_xform *, int);
void	agent_xform_feed(struct agent_xform *, const char *, size_t,
	    struct agent_obuf *);
void	agent_xform_end(struct agent_xform *, struct agent_obuf *);
int	agent_copy(int, int, int, const char *, off_t *);
struct smtp_client;
int	agent_smtp_body(struct smtp_client *, int, const char *);
int	agent_headers(char *, size_t, const struct deliver *);
void	agent_addr_text(const struct mailaddr *, char *, size_t);
int	agent_path_safe(const char *);
void	agent_report_init(struct agent_report *);
int	agent_report_set(struct agent_report *, int, const char *, ...)
	    __attribute__((__format__(printf, 3, 4)));
int	agent_report_errno(struct agent_report *, int, const char *);

/* agent_mbox.c and agent_file.c (mbox format) */
#define MBOX_SPOOL	1	/* agent_mbox_append(): a user's mailbox */
#define MBOX_ROOT	2	/* root's, see struct deliver */
void	agent_mbox_init(void);
int	agent_mbox_deliver(const struct deliver *, int,
	    struct agent_report *);
int	agent_mbox_append(const char *, int, const struct deliver *, int,
	    struct agent_report *);
int	agent_mbox_fromline(char *, size_t, const struct deliver *, time_t);
int	agent_file_deliver(const struct deliver *, int,
	    struct agent_report *);
extern int agent_lock_wait;		/* seconds, AGENT_LOCK_WAIT */

/* agent_maildir.c: stage (write, fsync, rename) then sync new/ */
int	agent_maildir_deliver(const struct deliver *, int,
	    struct agent_report *);
int	agent_maildir_stage(const struct deliver *, int,
	    struct agent_report *, char *, size_t);
int	agent_maildir_sync(const char *);

/* agent_lmtp.c: one connection, kept open across deliveries */
int	agent_lmtp_deliver(const struct deliver *, int,
	    struct agent_report *);
void	agent_lmtp_close(void);
extern int agent_lmtp_timeout;		/* seconds per reply */

/* agent_mda.c: mda commands and alias "|command" pipes */
int	agent_mda_deliver(const struct deliver *, int,
	    struct agent_report *);
extern int agent_mda_timeout;		/* seconds */
void	agent_mda_init(void);

#endif /* AGENT_H */
