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
 * smtp_session.h -- SMTP server sessions, shared by smtp.c (process,
 * listeners, imsg), smtp_session.c (protocol) and smtp_data.c (bodies).
 */

#ifndef SMTP_SESSION_H
#define SMTP_SESSION_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <stdint.h>

#include "smtpd.h"
#include "smtp_parse.h"

struct io;

/* Limits copied from env when a session starts: a reload changes only
 * the sessions that come after it. */
struct smtp_limits {
	size_t		 max_line;
	size_t		 max_rcpt;
	size_t		 max_mails;
	size_t		 max_cmds;
	size_t		 max_errors;
	uint64_t	 max_size;
	time_t		 timeout;
	int		 vrfy;
};

/* What a session waits for from another process. */
enum smtp_wait {
	W_NONE,
	W_CREATE,	/* MAIL: queue's MESSAGE_CREATED */
	W_RCPT,		/* RCPT: queue's RCPT_OK or lka's RCPT_FAIL */
	W_VRFY,		/* VRFY: lka's VRFY_RESULT, ST_OK = exists */
	W_COMMIT,	/* end of data: queue's MESSAGE_COMMITTED */
	W_SENDER,	/* MAIL of an AUTH user: lka's SENDER_RESULT */
	W_AUTH,		/* AUTH: lka's AUTH_RESULT */
	W_AUTH_DELAY,	/* AUTH failed: its 535 waits (smtp_auth.c) */
	W_SPF,		/* MAIL (mail-auth): lka's SPF_RESULT */
	W_MAILAUTH,	/* end of data (mail-auth): lka's MAILAUTH_RESULT */
	W_SIGN,		/* end of data: the signer's DKIM signature */
};

enum smtp_phase {
	PH_CMD,		/* reading command lines */
	PH_DATA,	/* reading a DATA body */
	PH_BDAT,	/* reading a BDAT chunk */
};

#define SF_ESMTP	0x0001	/* EHLO, not HELO */
#define SF_HELO		0x0002	/* HELO or EHLO seen */
#define SF_LOCAL	0x0004	/* loopback or enqueue socket */
#define SF_SOCKET	0x0008	/* enqueue socket */
#define SF_EOF		0x0010	/* client closed its side */
#define SF_CLOSING	0x0020	/* flush replies, then release */
#define SF_DEAD		0x0040	/* connection gone, answer due */
#define SF_BDAT		0x0080	/* transaction uses BDAT */
#define SF_HIWAT	0x0100	/* replies pile up: input paused */
#define SF_TLS		0x0200	/* TLS is up (STARTTLS or smtps) */
#define SF_AUTH		0x0400	/* AUTH succeeded: authuser is set */
#define SF_HANDSHAKE	0x8000	/* TLS handshake under way: no replies */
#define SF_STARTTLS	0x4000	/* STARTTLS accepted: start after the line */

/* Stop reading a pipelining client that does not read its replies. */
#define SMTP_OUTPUT_HIWAT	(64 * 1024)

struct smtp_body;
struct smtp_mailauth;
struct smtp_dkim;
struct dkim_msg;
struct mailauth_spf_reply;
struct mailauth_reply;
struct smtp_tls;
struct tls;
struct smtp_auth;

struct smtp_session {
	RB_ENTRY(smtp_session)	 entry;
	uint64_t		 id;		/* 48 bits */
	uint16_t		 reqctr;
	uint64_t		 reqid;		/* pending request */
	enum smtp_wait		 wait;
	enum smtp_phase		 phase;
	uint32_t		 flags;		/* SF_* */
	struct io		*io;
	struct smtp_line	 line;
	struct smtp_limits	 lim;
	const char		*reason;	/* why we disconnect */

	/* client */
	struct sockaddr_storage	 ss;
	char			 src[ADDRTEXT_MAX];
	char			 hostname[HOST_MAX];
	char			 helo[HOST_MAX];
	char			 tag[NAME_MAX_CONF];
	char			 myname[HOST_MAX];	/* our hostname */
	uint32_t		 lflags;	/* LF_* of its listener, copied */
	uint32_t		 lindex;	/* its listener */
	struct smtp_tls		*tls_srv;	/* server context in use */
	char			 tlsinfo[128];	/* "TLSv1.3:CIPHER:bits" */
	char			 authuser[AUTH_USER_MAX];	/* SF_AUTH */
	struct smtp_auth	*auth;		/* AUTH listeners only */
	char			 senders[NAME_MAX_CONF];	/* listener's */
	uint32_t		 peeruid;
	size_t			 ncmds;
	size_t			 nerrors;
	size_t			 nmails;
	char			 cmdtext[128];	/* escaped, logs */

	/* transaction */
	uint32_t		 msgid;
	int			 msgfd;
	struct mailaddr		 sender;
	struct mailaddr		 rcpt;		/* the first one */
	struct mailaddr		 pending;	/* RCPT being checked */
	size_t			 nrcpt;
	uint64_t		 msgsize;	/* as committed */
	struct smtp_mailparams	 mp;
	uint64_t		 bdat_left;
	int			 bdat_last;
	const char		*bdat_error;	/* chunk to discard */
	struct smtp_body	*body;
	/*
	 * Mail authentication.  dkim: the message as written to the
	 * file, hashed (smtp_body.c feeds it) when dkim_flags asks for it
	 * (DKIM_MSG_SIGN: smtp_dkim.c; DKIM_MSG_VERIFY: the inbound
	 * checks), set before smtp_body_start() (kept from one message to
	 * the next; DKIM_MSG_SIGN is set per message by smtp_body_start()).
	 * What the commit adds:
	 * header text before the message (smtp_session_prefix_add) and
	 * envelope flags (smtp_session_set_quarantine); NULL and 0 cost
	 * nothing.
	 */
	int			 dkim_flags;
	struct dkim_msg		*dkim;
	struct smtp_dkim	*dkim_sign;	/* W_SIGN: the signing */
	char			 dkim_log[128];	/* "signed:s1,s2" or "" */
	char			*prefix;
	size_t			 prefixlen;
	uint32_t		 commit_flags;	/* COMMIT_FLAGS */
	struct smtp_mailauth	*ma;		/* mail-auth: this mail's */
};

struct smtp_stats {
	uint64_t	 active;
	uint64_t	 total;
	uint64_t	 accepted;
	uint64_t	 rejected;
	uint64_t	 rcpt_ok;
	uint64_t	 rcpt_fail;
	uint64_t	 refused;	/* limit or paused at connect */
	uint64_t	 timeouts;
	uint64_t	 tls;		/* handshakes done */
	uint64_t	 tls_resumed;	/* ...of them resumed */
	uint64_t	 tls_failed;
};

extern struct smtp_stats	smtp_stats;

/* smtp.c */
void	smtp_send_queue(uint32_t, const void *, size_t);
void	smtp_send_lka(uint32_t, const void *, size_t);

/* smtp_session.c */
void			 smtp_session_accept(int,
			    const struct sockaddr_storage *,
			    const struct listener *);
struct smtp_session	*smtp_session_lookup(uint64_t);
void			 smtp_session_resume(struct smtp_session *);
void			 smtp_session_reply(struct smtp_session *,
			    const char *, ...)
			    __attribute__((__format__(printf, 2, 3)));
void			 smtp_session_fail(struct smtp_session *,
			    const char *, ...)
			    __attribute__((__format__(printf, 2, 3)));
void			 smtp_session_txn_reset(struct smtp_session *, int);
uint64_t		 smtp_session_reqid(struct smtp_session *,
			    enum smtp_wait);
void			 smtp_session_mail_create(struct smtp_session *);

void			 smtp_session_close(struct smtp_session *,
			    const char *);
void			 smtp_session_created(const struct msg_reply *,
			    int);
void			 smtp_session_committed(const struct msg_reply *);
void			 smtp_session_rcpt_result(const struct rcpt_reply *,
			    int);
void			 smtp_session_vrfy_result(const struct rcpt_reply *);
void			 smtp_session_sender_result(
			    const struct sender_reply *);
const char		*smtp_session_proto(const struct smtp_session *);
struct smtp_session	*smtp_session_find(uint64_t, enum smtp_wait);
uint64_t		 smtp_session_wait(struct smtp_session *,
			    enum smtp_wait);
/*
 * After DATA, before the commit: add whole header fields (CRLF lines,
 * msg_prefix_valid()) to put before the message in the queue file;
 * 0, or -1 (nothing added) if not valid or if the prefix would pass
 * MSG_PREFIX_MAX.  Fields are put in the order added.
 */
int			 smtp_session_prefix_add(struct smtp_session *,
			    const char *, size_t);
/* Every envelope of the message gets EF_QUARANTINE at the commit. */
void			 smtp_session_set_quarantine(struct smtp_session *);
/*
 * The body is in the file and acceptable: the steps before the commit
 * (DKIM signing), then the commit.  Each asynchronous step sets s->wait
 * and calls this chain's next step when done (smtp_session_commit()).
 */
void			 smtp_session_body_stored(struct smtp_session *);
void			 smtp_session_commit(struct smtp_session *);

/* smtp_dkim.c: signing what authenticated and local senders send */
int		 smtp_dkim_wanted(const struct smtp_session *);
int		 smtp_dkim_sign(struct smtp_session *);
void		 smtp_dkim_free(struct smtp_session *);
struct peer;
struct imsg;
void		 smtp_dkim_imsg_result(struct peer *, struct imsg *);

/* smtp_mailauth.c */
int		 smtp_mailauth_wanted(const struct smtp_session *);
const char	*smtp_mailauth_id(void);
void		 smtp_mailauth_mail(struct smtp_session *);
void		 smtp_mailauth_spf_result(const struct mailauth_spf_reply *);
int		 smtp_mailauth_body_start(struct smtp_session *);
int		 smtp_mailauth_step(struct smtp_session *);
void		 smtp_mailauth_result(const struct mailauth_reply *);
void		 smtp_mailauth_cancel(struct smtp_session *);
void		 smtp_mailauth_free(struct smtp_session *);
const char	*smtp_mailauth_log(const struct smtp_session *);

/* smtp_tls.c */
void		 smtp_tls_file(int, const char *, int);
int		 smtp_tls_cert(const char *, const uint8_t **, size_t *);
int		 smtp_tls_configure(void);
struct smtp_tls	*smtp_tls_get(uint32_t);
struct tls	*smtp_tls_ctx(struct smtp_tls *);
void		 smtp_tls_put(struct smtp_tls *);

/* smtp_limit.c */
int		 smtp_client_addr(const struct sockaddr_storage *, size_t,
		    int *, uint8_t *);
const char	*smtp_limit_admit(const struct sockaddr_storage *);
void		 smtp_limit_release(const struct sockaddr_storage *);

/* smtp_data.c */
void		 smtp_body_start(struct smtp_session *, int);
size_t		 smtp_body_feed(struct smtp_session *, const char *,
		    size_t);
const char	*smtp_body_finish(struct smtp_session *, uint64_t *);
void		 smtp_body_free(struct smtp_session *);
int		 smtp_body_done(struct smtp_session *);
uint64_t	 smtp_body_size(struct smtp_session *);
char		*smtp_body_masquerade(const char *, size_t, const char *,
		    size_t *);
char		*smtp_body_headers(const char *, size_t, const char *,
		    const char *, size_t *, size_t *);
void		 smtp_body_mailauth(struct smtp_session *, const char *);
size_t		 smtp_body_authres_removed(struct smtp_session *);

#endif /* SMTP_SESSION_H */
