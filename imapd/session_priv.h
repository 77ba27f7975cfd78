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
 * session_priv.h -- what session.c and the session's own command files
 * (cmd_mailbox.c, cmd_select.c, cmd_list.c, cmd_append.c) share beyond
 * session.h: mailbox names on the wire, the change reports, the
 * parameters.  Not for the message commands (they use session.h).
 */

#ifndef IMAPD_SESSION_PRIV_H
#define IMAPD_SESSION_PRIV_H

#include <event.h>

#include "session.h"

/* session.c's part of a connection (conn->priv) */
struct conn_priv {
	struct buf	 line;		/* conn_untagged/conn_tagged */
	struct buf	 pending;	/* output io could not take yet */
	struct event	 kick;		/* go on with a long reply */
	struct event	 notify;	/* IDLE: the folder changed */
	struct event	 tick;		/* IDLE: the periodic sync */
	int		 notify_on;
	int		 tick_on;
	int		 idling;
	int		 closing;	/* close once the output is out */
	int		 tagged;	/* the command was answered */
	int		 allow_expunge;	/* conn_sync's; -1: none */
};

/* the process's parameters (session_init) */
const struct session_params *session_params(void);

/*
 * A mailbox name argument into UTF-8 (store.h's form): modified UTF-7
 * decoded unless the client enabled UTF-8, "INBOX" in any case made
 * "INBOX", a trailing '/' dropped.  -1 with *err (a BAD text).
 */
int	conn_mbox_name(struct imap_conn *, const struct imap_arg *,
	    struct buf *, const char **err);
/* a store name as the client wants it: an astring in b */
void	conn_add_mbox_name(struct imap_conn *, struct buf *, const char *);

/* STATUS items (cmd_mailbox.c), also LIST RETURN (STATUS (...)) */
#define STATUS_MESSAGES		0x01
#define STATUS_RECENT		0x02
#define STATUS_UIDNEXT		0x04
#define STATUS_UIDVALIDITY	0x08
#define STATUS_UNSEEN		0x10
#define STATUS_DELETED		0x20
#define STATUS_SIZE		0x40
#define STATUS_HIGHESTMODSEQ	0x80

int	conn_status_items(const struct imap_arg *, unsigned int *,
	    const char **err);
void	conn_send_status(struct imap_conn *, const char *, unsigned int,
	    const struct mbox_status *);
/* close the selected folder (no expunge), back to CS_AUTH */
void	conn_unselect(struct imap_conn *);

/* Send EXPUNGE or VANISHED, EXISTS, RECENT, FLAGS from changes. */
void	conn_send_changes(struct imap_conn *, const struct mbox_changes *);
/* the FLAGS and PERMANENTFLAGS responses of the selected folder */
void	conn_send_flag_lists(struct imap_conn *);

/* session.c: call the long reply's resume (or read on) from the loop */
void	session_kick_arm(struct imap_conn *);
/* the command was answered: free it, reset the reader */
void	session_cmd_done(struct imap_conn *);

/* IDLE (session_idle.c) */
void	cmd_idle(struct imap_conn *);
/* input while idling: 1 if a line was handled, 0 to wait for more */
int	session_idle_input(struct imap_conn *);
void	session_idle_stop(struct imap_conn *);

#endif /* IMAPD_SESSION_PRIV_H */
