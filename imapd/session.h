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
 * session.h -- the session process: authenticated IMAP connections of one
 * user, served on that user's store (store.h).  session.c owns the
 * connections (I/O, command dispatch, the state machine, untagged
 * updates, IDLE); cmd_*.c implement the commands.
 *
 * A command handler runs with conn->cmd parsed.  It answers with
 * conn_untagged()/conn_write() and finishes with conn_tagged(), or, for a
 * long reply (FETCH of many bodies), sets conn->resume and returns: the
 * session calls resume again each time the output queue drains below
 * CONN_OUT_LOWAT, until it clears conn->resume and sends the tagged reply.
 * No handler blocks; none reads the socket itself (AUTHENTICATE, IDLE and
 * APPEND literals are the session's business).
 */

#ifndef IMAPD_SESSION_H
#define IMAPD_SESSION_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap.h"
#include "imap_parse.h"
#include "store.h"

#define CONN_OUT_HIWAT	(1024 * 1024)	/* suspend a long reply above */
#define CONN_OUT_LOWAT	(256 * 1024)	/* resume it below */

/* What the client ENABLEd (RFC 5161). */
#define ENA_CONDSTORE	0x01
#define ENA_QRESYNC	0x02
#define ENA_IMAP4REV2	0x04
#define ENA_UTF8	0x08		/* UTF8=ACCEPT (RFC 6855) */

enum conn_state {
	CS_AUTH,		/* authenticated, nothing selected */
	CS_SELECTED,
	CS_LOGOUT,
};

struct io;

struct imap_conn {
	struct io		*io;
	struct imap_reader	 rd;
	struct imap_cmd		 cmd;		/* the command being run */
	int			 have_cmd;
	enum conn_state		 state;
	unsigned int		 enabled;	/* ENA_* */
	int			 condstore;	/* CONDSTORE active (enabled
						 * or a MODSEQ used, 7162 3.1) */
	struct mstore		*store;		/* the process's, shared */
	struct mbox		*mbox;		/* selected folder or NULL */
	int			 readonly;	/* EXAMINE */
	uint32_t		*saved;		/* SEARCHRES "$": UIDs */
	size_t			 nsaved;
	/* a long reply in progress (see above) */
	void			(*resume)(struct imap_conn *);
	void			*resume_arg;
	/* counters for the logout log line */
	uint64_t		 n_fetched_bytes, n_deleted, n_expunged;
	uint64_t		 n_appended, n_commands;
	char			 user[256];
	char			 peer[64];	/* address for the logs */
	char			 tls[128];	/* "TLSv1.3:..." or "" */
	struct buf		 out;		/* scratch for replies */
	void			*priv;		/* session.c's */
	TAILQ_ENTRY(imap_conn)	 entry;
};

/* How a connection arrives (from the login process, via the parent). */
struct conn_start {
	char		 tag[IMAP_TAG_MAX + 1];	/* of LOGIN/AUTHENTICATE;
						 * "" with preauth */
	int		 preauth;		/* "* PREAUTH" greeting */
	char		 user[256];
	char		 peer[64];
	char		 tls[128];
};

struct session_params {
	const char	*root;		/* the user's store (~/Maildir) */
	const char	*user;
	size_t		 max_append;	/* APPENDLIMIT, bytes */
	int		 idle_timeout;	/* seconds of silence: autologout */
	uint64_t	 quota_bytes;	/* 0: no quota */
	uint64_t	 quota_msgs;
	const char	*hostname;
};

/* session.c: the process side */
int		 session_init(const struct session_params *);
void		 session_conn_start(int fd, const struct conn_start *);
void		 session_kick(const char *reason);	/* BYE everyone */
size_t		 session_count(void);
/* called (once) when the last connection has gone */
void		 session_on_empty(void (*)(void));
/* imapd -s ROOT: one PREAUTH session on stdin/stdout, as the caller */
int		 session_stdio(const char *root) __attribute__((__noreturn__));

/* session.c: for the handlers */
void		 conn_untagged(struct imap_conn *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
/* "tag OK text" / NO / BAD (status is "OK", "NO" or "BAD") */
void		 conn_tagged(struct imap_conn *, const char *status,
		    const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
void		 conn_write(struct imap_conn *, const char *, size_t);
void		 conn_write_buf(struct imap_conn *, struct buf *);
size_t		 conn_queued(struct imap_conn *);
int		 conn_utf8(struct imap_conn *);	/* 8-bit quoted ok */
/*
 * The sequence numbers a set names in the selected folder (uid: the
 * set is of UIDs; UIDs not in the folder are skipped), ascending; "$"
 * resolves to the saved result.  0, or -1 (*err: for BAD) when a
 * sequence number is out of range (RFC 9051 6.4.8 says BAD).
 */
int		 conn_set_seqs(struct imap_conn *, const struct seqset *,
		    int uid, uint32_t **seqs, size_t *n, const char **err);
/*
 * Tell the client what changed (EXISTS, RECENT, EXPUNGE or VANISHED,
 * FETCH FLAGS): after every command but FETCH/STORE/SEARCH/COPY without
 * UID (no EXPUNGE then, RFC 9051 7.5.1: allow_expunge 0) and in IDLE.
 */
void		 conn_sync(struct imap_conn *, int allow_expunge);
/* a "* n FETCH (UID u FLAGS (...) [MODSEQ (m)])" line for seq */
void		 conn_send_flags(struct imap_conn *, uint32_t seq, int uid,
		    int modseq);
/* the flag list of a record (keyword names from the folder) into b */
void		 conn_flags_text(struct imap_conn *, uint64_t, struct buf *);

/* The capability list (capability.c), for a state. */
#define CAPA_PREAUTH	0	/* before authentication */
#define CAPA_AUTH	1
void		 imap_capability(struct buf *, int state, int tls_active,
		    int starttls_offered, int logindisabled,
		    size_t max_append);

/* Command handlers: cmd_mailbox.c, cmd_fetch.c, ... */
typedef void	(*imap_cmd_fn)(struct imap_conn *);
struct imap_cmd_def {
	const char	*name;
	unsigned int	 states;	/* 1 << CS_AUTH | 1 << CS_SELECTED */
	int		 uid_ok;	/* may follow "UID" */
	imap_cmd_fn	 fn;
};

/* session core (session.c, cmd_mailbox.c) */
void	cmd_capability(struct imap_conn *);
void	cmd_noop(struct imap_conn *);
void	cmd_logout(struct imap_conn *);
void	cmd_id(struct imap_conn *);
void	cmd_enable(struct imap_conn *);
void	cmd_namespace(struct imap_conn *);
void	cmd_select(struct imap_conn *);		/* and EXAMINE */
void	cmd_create(struct imap_conn *);
void	cmd_delete(struct imap_conn *);
void	cmd_rename(struct imap_conn *);
void	cmd_subscribe(struct imap_conn *);	/* and UNSUBSCRIBE */
void	cmd_list(struct imap_conn *);		/* and LSUB */
void	cmd_status(struct imap_conn *);
void	cmd_append(struct imap_conn *);
void	cmd_check(struct imap_conn *);
void	cmd_close(struct imap_conn *);		/* and UNSELECT */
void	cmd_expunge(struct imap_conn *);	/* and UID EXPUNGE */
void	cmd_getquota(struct imap_conn *);	/* GETQUOTA, GETQUOTAROOT */
/* message commands (cmd_fetch.c, cmd_store.c, cmd_search.c, cmd_sort.c,
 * cmd_copy.c) */
void	cmd_fetch(struct imap_conn *);
void	cmd_store(struct imap_conn *);
void	cmd_search(struct imap_conn *);
void	cmd_sort(struct imap_conn *);
void	cmd_thread(struct imap_conn *);
void	cmd_copy(struct imap_conn *);		/* and MOVE */

/*
 * SEARCH evaluation (cmd_search.c), also used by SORT and THREAD: the
 * sequence numbers of matching messages, ascending.
 */
int	search_run(struct imap_conn *, struct search_prog *, uint32_t **,
	    size_t *, const char **err);

#endif /* IMAPD_SESSION_H */
