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
 * mta.h -- the smtp process's outbound side: relayed envelopes grouped
 * into tasks (mta.c) and delivered over pooled client connections
 * (mta_session.c).
 *
 *	envelope	one recipient, answered once to the queue
 *	task		one message to one destination: one MAIL FROM, a
 *			RCPT TO per envelope (the envelopes of a message
 *			that arrive together for the same action and domain)
 *	destination	an action and a domain ("" when the action's relay
 *			host is fixed): its route from lka (cached for
 *			MTA_ROUTE_TTL), its waiting tasks, its connections
 *	session		one connection to one address of a destination's
 *			route; it takes the destination's tasks one after
 *			the other, up to mta_max_msgs_conn, and is kept
 *			idle for MTA_IDLE_TIMEOUT before QUIT
 */

#ifndef MTA_H
#define MTA_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "smtpd.h"

struct peer;
struct imsg;
struct tls_config;

#define MTA_ROUTE_TTL		60	/* seconds an answer of lka is kept */
#define MTA_RCPT_MAX		100	/* RCPT TO per transaction (5321) */
#define MTA_TASKS_MAX		4096	/* messages held (an fd each) */
#define MTA_IDLE_TIMEOUT	5	/* seconds an idle connection stays */
#define MTA_HOST_DOWN		10	/* seconds a failed address is skipped */
#define MTA_NOTLS_TIME		600	/* seconds plaintext after a failed TLS */
#define MTA_BACKOFF		5	/* seconds after every address failed */
#define MTA_GC_INTERVAL		10	/* seconds between destination sweeps */
/* Timeouts (RFC 5321 4.5.3.2 gives the longest sensible ones) */
#define MTA_TIMEOUT_CONNECT	30
#define MTA_TIMEOUT_GREETING	300
#define MTA_TIMEOUT_CMD		300	/* EHLO, STARTTLS, AUTH, MAIL, RCPT */
#define MTA_TIMEOUT_DATA	180	/* DATA's 354, each block of data */
#define MTA_TIMEOUT_EOM		600	/* the reply to the final dot */

/* An envelope's state in its transaction. */
enum mta_rcpt {
	MR_NONE,		/* RCPT not answered yet */
	MR_ACCEPTED,		/* 2xx to RCPT: gets the message */
	MR_DONE,		/* answered to the queue */
};

struct mta_envelope {
	TAILQ_ENTRY(mta_envelope) entry;
	struct envelope		 evp;
	enum mta_rcpt		 state;
	int			 rcpt;		/* RCPT: 0 to send, 1 sent, 2 done */
};

struct mta_dest;

struct mta_task {
	TAILQ_ENTRY(mta_task)	 entry;
	struct mta_dest		*dest;
	uint32_t		 msgid;
	int			 fd;		/* the message, read-only */
	uint64_t		 size;
	struct mailaddr		 sender;
	uint32_t		 eflags;	/* EF_8BITMIME, EF_SMTPUTF8 */
	TAILQ_HEAD(, mta_envelope) envs;
	size_t			 nenv;
	int			 taken;		/* by a session: no more joins */
};

enum mta_dest_state {
	MD_NEW,			/* no route asked yet */
	MD_LOOKUP,		/* IMSG_MTA_ROUTE sent */
	MD_OK,			/* route known */
	MD_FAIL,		/* lka refused: route.status, route.text */
};

struct mta_session;

/* What is kept of each address of a route, for show hosts. */
struct mta_hoststat {
	time_t			 down;		/* skip until then */
	time_t			 notls;		/* until then: plaintext, its TLS failed */
	uint64_t		 nconn;
	uint64_t		 nsent;
	char			 lasterr[ERRLINE_MAX];
};

struct mta_dest {
	TAILQ_ENTRY(mta_dest)	 entry;
	uint64_t		 id;		/* lka request id */
	char			 action[NAME_MAX_CONF];
	char			 domain[DOMAIN_MAX];	/* "" = fixed host */
	char			 askdomain[DOMAIN_MAX];	/* asked of lka */
	enum mta_dest_state	 state;
	time_t			 expire;	/* of the route */
	time_t			 backoff;	/* no connection before */
	struct mta_route	 route;
	struct mta_hoststat	 hosts[MTA_ROUTE_MAX];
	TAILQ_HEAD(mta_taskq, mta_task) tasks;	/* waiting for a session */
	size_t			 ntasks;
	TAILQ_HEAD(, mta_session) sessions;
	size_t			 nconn;
	uint64_t		 nsent;		/* messages */
	char			 lasterr[ERRLINE_MAX];
	int			 kicked;
};

/* mta.c */
void		 mta_init(void);
void		 mta_configured(void);
void		 mta_imsg_deliver(struct peer *, struct imsg *);
void		 mta_imsg_route(struct peer *, struct imsg *);
void		 mta_imsg_creds(struct peer *, struct imsg *);
void		 mta_imsg_show_hosts(struct peer *, struct imsg *);
void		 mta_imsg_show_routes(struct peer *, struct imsg *);
void		 mta_answer(struct mta_envelope *, int, const char *,
		    const char *, const char *);
void		 mta_task_fail(struct mta_task *, int, const char *,
		    const char *, const char *);
void		 mta_task_free(struct mta_task *);
struct mta_task	*mta_dest_take(struct mta_dest *);
void		 mta_dest_fail(struct mta_dest *, int, const char *);
void		 mta_dest_kick(struct mta_dest *);
void		 mta_dest_session_gone(struct mta_dest *);
struct tls_config *mta_tls_config(int, const char *);
void		 mta_reload(void);
extern size_t	 mta_nconn;		/* connections open or opening */

/* mta_session.c */
struct mta_session *mta_session_new(struct mta_dest *);
size_t		 mta_session_offer(struct mta_dest *);
void		 mta_session_creds(uint64_t, const struct mta_creds *);

#endif /* MTA_H */
