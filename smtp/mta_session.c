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
 * mta_session.c -- one outbound SMTP or LMTP connection, event-driven on
 * common/io.c, replies parsed by common/smtp_client.c.
 *
 *	connect (non-blocking, TCP_NODELAY, the action's src address)
 *	[TLS at once: smtps://]  greeting  EHLO (HELO if refused; LHLO)
 *	[STARTTLS, EHLO again]  [AUTH PLAIN|LOGIN]
 *	then, per task: MAIL FROM, RCPT TO..., DATA (in one write when the
 *	server offers PIPELINING), the message dot-stuffed, the final dot
 *	(LMTP: one reply per accepted recipient); the next task or, after
 *	MTA_IDLE_TIMEOUT idle or mta_max_msgs_conn messages, QUIT.
 *
 * TLS: smtps:// at connect; STARTTLS is required for smtp+tls://, "tls",
 * and whenever credentials are to be sent; never tried for smtp+notls://
 * and lmtp://; otherwise (smtp://, MX delivery) used when offered, and a
 * host whose handshake fails is tried again in plaintext (opportunistic
 * TLS protects against passive listeners only).  The certificate is
 * verified (system CA bundle, the host's name) only with "tls verify".
 *
 * SECURITY: credentials are asked of lka only once TLS is up, sent, and
 * wiped (explicit_bzero) at once; never logged.  A host that offers no
 * STARTTLS while credentials are configured gets no AUTH: the mail waits
 * with a 530 errorline saying so.  Replies are bounded by the parser; a
 * malformed one ends the connection, never the process.
 *
 * Failures: before a task is taken (connect, greeting, EHLO, TLS) the
 * next address of the route is tried; when none is left the waiting tasks
 * of the destination fail temporarily with the last error.  AUTH refused
 * fails them with the server's reply.  A connection lost during a
 * transaction tempfails every envelope not answered yet.  8-bit bodies go
 * to servers without 8BITMIME anyway (as Postfix does: most accept them;
 * a note in the log); a message that needs SMTPUTF8 to a server without
 * it fails for good (553 5.6.7).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tls.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "sasl.h"
#include "smtp_client.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"
#include "mta.h"

#define MTA_BODY_CHUNK		16384
#define MTA_BODY_HIWAT		(256 * 1024)	/* queued before we wait */
#define MTA_ERR_MAX		1024	/* texts, cut to ERRLINE_MAX later */

enum mta_state {
	MS_CONNECT,
	MS_GREETING,
	MS_EHLO,
	MS_HELO,
	MS_STARTTLS,
	MS_HANDSHAKE,		/* TLS: smtps at connect or after STARTTLS */
	MS_CREDS,		/* waiting for lka's IMSG_LKA_CREDS */
	MS_AUTH,		/* AUTH PLAIN (or the last LOGIN step) sent */
	MS_AUTH_USER,		/* AUTH LOGIN sent: 334 for the user */
	MS_AUTH_PASS,		/* user sent: 334 for the password */
	MS_READY,		/* idle */
	MS_MAIL,
	MS_RCPT,
	MS_DATA,
	MS_BODY,
	MS_EOM,
	MS_RSET,
	MS_QUIT,
};

#define MF_TLS		0x0001	/* TLS is up */
#define MF_TLS_NEED	0x0002	/* TLS required (tls, smtp+tls, auth) */
#define MF_TLS_NEVER	0x0004	/* smtp+notls, lmtp, or the host failed it */
#define MF_VERIFY	0x0008	/* certificate must verify */
#define MF_LMTP		0x0010
#define MF_SMTPS	0x0020
#define MF_PIPELINING	0x0040	/* the server offers it */
#define MF_AUTH		0x0080	/* credentials configured */
#define MF_AUTHED	0x0100
#define MF_MAILFAIL	0x0200	/* pipelined MAIL refused */
#define MF_DISCARD	0x0400	/* the data after a useless 354 */
#define MF_SENT		0x0800	/* the task went to someone */
#define MF_NOSTARTTLS	0x1000	/* this host refused our STARTTLS */

struct mta_session {
	TAILQ_ENTRY(mta_session) entry;		/* in its destination */
	TAILQ_ENTRY(mta_session) all;		/* mta_sessions */
	uint64_t		 id;
	struct mta_dest		*dest;
	enum mta_state		 state;
	uint32_t		 flags;		/* MF_* */
	int			 fd;		/* while connecting */
	struct event		 ev;		/* connect, idle */
	struct io		*io;
	size_t			 hosti;		/* in dest->route.hosts */
	char			 host[HOST_MAX];
	char			 where[HOST_MAX + ADDRTEXT_MAX + 16];
	char			 tlsinfo[MTA_TLSINFO_MAX];
	char			 helo[HOST_MAX];
	char			 src[NAME_MAX_CONF + ADDRTEXT_MAX];
	char			 authtable[NAME_MAX_CONF];
	char			 label[NAME_MAX_CONF];
	char			 pki[HOST_MAX];		/* client certificate */
	struct mta_creds	*creds;		/* LOGIN: until sent */
	struct smtp_reply	 reply;
	struct smtp_ehlo	 ehlo;
	size_t			 nmsgs;
	/* transaction */
	struct mta_task		*task;
	size_t			 naccepted;
	char			 mailerr[ERRLINE_MAX];
	off_t			 dataoff;
	int			 bol;
	int			 cr;
};

static TAILQ_HEAD(, mta_session) mta_sessions =
    TAILQ_HEAD_INITIALIZER(mta_sessions);
static uint64_t		 mta_session_ids;

static void	mta_session_setup(struct mta_session *,
		    const struct action *);
static int	mta_connect(struct mta_session *);
static int	mta_connect_one(struct mta_session *,
		    const struct mta_route_host *, char *, size_t);
static void	mta_connected(int, short, void *);
static void	mta_start(struct mta_session *);
static void	mta_session_task(struct mta_session *);
static void	mta_ev_del(struct mta_session *);
static void	mta_io(struct io *, int, void *);
static int	mta_reply(struct mta_session *);
static int	mta_reply_hello(struct mta_session *);
static int	mta_after_hello(struct mta_session *);
static int	mta_reply_auth(struct mta_session *);
static void	mta_auth_send(struct mta_session *);
static int	mta_reply_txn(struct mta_session *);
static int	mta_reply_rcpt(struct mta_session *);
static int	mta_reply_data(struct mta_session *);
static int	mta_reply_eom(struct mta_session *);
static int	mta_tls_start(struct mta_session *);
static void	mta_tls_ready(struct mta_session *);
static void	mta_cmd(struct mta_session *, enum mta_state, int,
		    const char *, ...)
		    __attribute__((__format__(printf, 4, 5)));
static int	mta_txn_start(struct mta_session *);
static int	mta_txn_check(struct mta_session *, struct mta_task *);
static int	mta_txn_mail(struct mta_session *, struct mta_task *, char *,
		    size_t);
static void	mta_txn_rcpts(struct mta_session *, int);
static struct mta_envelope *mta_txn_next(struct mta_session *, int);
static void	mta_txn_done(struct mta_session *);
static int	mta_body(struct mta_session *);
static size_t	mta_stuff(struct mta_session *, const char *, size_t,
		    char *);
static void	mta_idle(int, short, void *);
static int	mta_host_failed(struct mta_session *, const char *);
static void	mta_policy_failed(struct mta_session *, const char *);
static void	mta_broken(struct mta_session *, const char *);
static void	mta_free(struct mta_session *, const char *);
static int	mta_status(int);
static const char *mta_step(enum mta_state);
static void	mta_replyline(struct mta_session *, char *, size_t);
static void	mta_errline(char *, size_t, const char *, const char *,
		    const char *);

/*
 * A new connection for d, to the first address of its route not known
 * to be down.  NULL if none could be started (then d's waiting tasks
 * have been failed with the reason).
 */
struct mta_session *
mta_session_new(struct mta_dest *d)
{
	struct mta_session	*s;
	const struct action	*a;

	if ((a = config_action(env, d->action)) == NULL ||
	    a->method != A_RELAY) {
		mta_dest_fail(d, ST_TEMPFAIL, "451 4.3.0 mta: the action is "
		    "gone (configuration reloaded)");
		return (NULL);
	}
	s = xcalloc(1, sizeof(*s));
	s->id = (((uint64_t)rand_u32() << 16) ^ ++mta_session_ids) &
	    0xffffffffffffULL;
	s->dest = d;
	s->fd = -1;
	mta_session_setup(s, a);
	TAILQ_INSERT_TAIL(&d->sessions, s, entry);
	TAILQ_INSERT_TAIL(&mta_sessions, s, all);
	d->nconn++;
	mta_nconn++;
	if (mta_connect(s) == -1)
		return (NULL);
	return (s);
}

/* What the action and the route say about this connection. */
static void
mta_session_setup(struct mta_session *s, const struct action *a)
{
	const struct relay_opts	*ro = &a->relay;
	const struct mta_route	*r = &s->dest->route;

	switch (r->relay.proto) {
	case RP_LMTP:
		s->flags |= MF_LMTP | MF_TLS_NEVER;
		break;
	case RP_SMTP_NOTLS:
		s->flags |= MF_TLS_NEVER;
		break;
	case RP_SMTPS:
		s->flags |= MF_SMTPS | MF_TLS_NEED;
		break;
	case RP_SMTP_TLS:
		s->flags |= MF_TLS_NEED;
		break;
	case RP_SMTP:
		break;
	}
	if (ro->flags & RO_TLS)
		s->flags |= MF_TLS_NEED;
	if (ro->flags & RO_VERIFY)
		s->flags |= MF_VERIFY;
	if (ro->auth[0] != '\0') {
		s->flags |= MF_AUTH;
		(void)strlcpy(s->authtable, ro->auth, sizeof(s->authtable));
		(void)strlcpy(s->label, r->relay.label[0] != '\0' ?
		    r->relay.label : ro->host.label, sizeof(s->label));
	}
	(void)strlcpy(s->helo, ro->helo[0] != '\0' ? ro->helo :
	    env->hostname, sizeof(s->helo));
	(void)strlcpy(s->pki, ro->pki, sizeof(s->pki));
	/* TODO: "src <table>" (RO_SRC_TABLE) picks no address yet */
	if (!(ro->flags & RO_SRC_TABLE))
		(void)strlcpy(s->src, ro->src, sizeof(s->src));
}

/*
 * d's idle sessions take its waiting tasks; the number of its sessions
 * still connecting (each will take one when ready).
 */
size_t
mta_session_offer(struct mta_dest *d)
{
	struct mta_session	*s;
	size_t			 opening = 0;

	TAILQ_FOREACH(s, &d->sessions, entry) {
		if (s->state == MS_READY && s->task == NULL) {
			if (d->ntasks > 0)
				mta_session_task(s);
		} else if (s->state < MS_READY)
			opening++;
	}
	return (opening);
}

/*
 * Connect to the current address, or the next ones that can be tried:
 * 0, or -1 when none is left (the waiting tasks failed, s freed).
 */
static int
mta_connect(struct mta_session *s)
{
	struct mta_dest			*d = s->dest;
	const struct mta_route_host	*h;
	struct timeval			 tv = { MTA_TIMEOUT_CONNECT, 0 };
	char				 err[ERRLINE_MAX];

	for (; s->hosti < d->route.n; s->hosti++) {
		h = &d->route.hosts[s->hosti];
		if (d->hosts[s->hosti].down > time(NULL))
			continue;
		if (mta_connect_one(s, h, err, sizeof(err)) == 0) {
			s->state = MS_CONNECT;
			event_set(&s->ev, s->fd, EV_WRITE, mta_connected, s);
			event_add(&s->ev, &tv);
			return (0);
		}
		mta_errline(d->hosts[s->hosti].lasterr, ERRLINE_MAX,
		    "451 4.4.1 mta: cannot connect to", s->where, err);
		(void)strlcpy(d->lasterr, d->hosts[s->hosti].lasterr,
		    sizeof(d->lasterr));
		d->hosts[s->hosti].down = time(NULL) + MTA_HOST_DOWN;
		log_info("%016llx mta error address=\"%s\" error=\"%s\"",
		    (unsigned long long)s->id, s->where, err);
	}
	mta_dest_fail(d, ST_TEMPFAIL, d->lasterr[0] != '\0' ? d->lasterr :
	    "451 4.4.1 mta: no address to try");
	d->backoff = time(NULL) + MTA_BACKOFF;
	mta_free(s, "unreachable");
	return (-1);
}

/* A non-blocking connect(2) to h: 0 while it goes on, -1 (err says). */
static int
mta_connect_one(struct mta_session *s, const struct mta_route_host *h,
    char *err, size_t errlen)
{
	struct sockaddr_storage	 src;
	socklen_t		 sl;
	const char		*a;
	int			 fd, one = 1;

	a = log_sockaddr((const struct sockaddr *)&h->ss);
	(void)snprintf(s->where, sizeof(s->where), "%s %s%s%s:%u",
	    h->name[0] != '\0' ? h->name : "-", h->ss.ss_family == AF_INET6 ?
	    "" : "[", a, h->ss.ss_family == AF_INET6 ? "" : "]",
	    (unsigned)ntohs(h->ss.ss_family == AF_INET6 ?
	    ((const struct sockaddr_in6 *)&h->ss)->sin6_port :
	    ((const struct sockaddr_in *)&h->ss)->sin_port));
	(void)strlcpy(s->host, h->name[0] != '\0' ? h->name : a,
	    sizeof(s->host));
	sl = h->ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	fd = socket(h->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		(void)strlcpy(err, strerror(errno), errlen);
		return (-1);
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&src, 0, sizeof(src));
	if (s->src[0] != '\0' && h->ss.ss_family == AF_INET &&
	    inet_pton(AF_INET, s->src,
	    &((struct sockaddr_in *)&src)->sin_addr) == 1)
		src.ss_family = AF_INET;
	else if (s->src[0] != '\0' && h->ss.ss_family == AF_INET6 &&
	    inet_pton(AF_INET6, s->src,
	    &((struct sockaddr_in6 *)&src)->sin6_addr) == 1)
		src.ss_family = AF_INET6;
	if (src.ss_family != 0 &&
	    bind(fd, (struct sockaddr *)&src, sl) == -1) {
		(void)snprintf(err, errlen, "bind to src %s: %s", s->src,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	if (connect(fd, (const struct sockaddr *)&h->ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		(void)strlcpy(err, strerror(errno), errlen);
		close(fd);
		return (-1);
	}
	s->fd = fd;
	return (0);
}

static void
mta_connected(int fd, short ev, void *arg)
{
	struct mta_session	*s = arg;
	socklen_t		 len = sizeof(int);
	int			 error = 0;

	if (ev & EV_TIMEOUT)
		error = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error != 0) {
		close(s->fd);
		s->fd = -1;
		(void)mta_host_failed(s, strerror(error));
		return;
	}
	s->io = io_new(s->fd, mta_io, s);
	s->fd = -1;
	s->dest->hosts[s->hosti].nconn++;
	log_info("%016llx mta connected address=\"%s\" route=%s/%s",
	    (unsigned long long)s->id, s->where, s->dest->action,
	    s->dest->domain[0] != '\0' ? s->dest->domain : "*");
	mta_start(s);
}

/* Connected: TLS at once (smtps), else wait for the greeting. */
static void
mta_start(struct mta_session *s)
{
	smtp_reply_init(&s->reply);
	if (s->flags & MF_SMTPS) {
		(void)mta_tls_start(s);
		return;
	}
	s->state = MS_GREETING;
	io_set_timeout(s->io, MTA_TIMEOUT_GREETING * 1000);
}

static void
mta_io(struct io *io, int evt, void *arg)
{
	struct mta_session	*s = arg;
	size_t			 used;
	int			 r;

	switch (evt) {
	case IO_TLSREADY:
		mta_tls_ready(s);
		return;
	case IO_LOWAT:
		if (s->state == MS_BODY)
			(void)mta_body(s);
		return;
	case IO_TIMEOUT:
		mta_broken(s, "timeout");
		return;
	case IO_DISCONNECTED:
		mta_broken(s, "connection closed by the server");
		return;
	case IO_ERROR:
		mta_broken(s, io_error(io));
		return;
	case IO_DATAIN:
		break;
	default:
		return;
	}
	while (io_datalen(io) > 0) {
		r = smtp_reply_feed(&s->reply, io_data(io), io_datalen(io),
		    &used);
		io_drop(io, used);
		if (r == SMTP_REPLY_ERROR) {
			mta_broken(s, s->reply.error);
			return;
		}
		if (r != SMTP_REPLY_DONE)
			return;
		if (mta_reply(s) == -1)
			return;		/* s is gone */
	}
}

/*
 * A complete reply in s->reply: 0, or -1 when the caller must stop
 * reading (s freed, its io replaced, or only QUIT's reply is awaited).
 */
static int
mta_reply(struct mta_session *s)
{
	log_debug("%016llx mta reply %d to %s", (unsigned long long)s->id,
	    s->reply.code, mta_step(s->state));
	switch (s->state) {
	case MS_GREETING:
	case MS_EHLO:
	case MS_HELO:
	case MS_STARTTLS:
		return (mta_reply_hello(s));
	case MS_AUTH:
	case MS_AUTH_USER:
	case MS_AUTH_PASS:
		return (mta_reply_auth(s));
	case MS_MAIL:
	case MS_RCPT:
	case MS_DATA:
	case MS_EOM:
	case MS_RSET:
		return (mta_reply_txn(s));
	case MS_QUIT:
		mta_free(s, "quit");
		return (-1);
	default:
		mta_broken(s, "unexpected reply from the server");
		return (-1);
	}
}

static int
mta_reply_hello(struct mta_session *s)
{
	char	 err[ERRLINE_MAX];
	int	 code = s->reply.code;

	switch (s->state) {
	case MS_GREETING:
		if (code != 220)
			break;
		mta_cmd(s, MS_EHLO, MTA_TIMEOUT_CMD, "%s %s",
		    (s->flags & MF_LMTP) ? "LHLO" : "EHLO", s->helo);
		return (0);
	case MS_EHLO:
		if (code / 100 == 5 && !(s->flags & MF_LMTP)) {
			mta_cmd(s, MS_HELO, MTA_TIMEOUT_CMD, "HELO %s",
			    s->helo);
			return (0);
		}
		if (smtp_ehlo_parse(&s->reply, &s->ehlo) == -1)
			break;
		return (mta_after_hello(s));
	case MS_HELO:
		if (code / 100 != 2)
			break;
		memset(&s->ehlo, 0, sizeof(s->ehlo));
		return (mta_after_hello(s));
	case MS_STARTTLS:
		if (code == 220)
			return (mta_tls_start(s));
		if (s->flags & MF_TLS_NEED)
			break;
		/* refused: go on in plaintext, as if never offered */
		s->flags |= MF_NOSTARTTLS;
		return (mta_after_hello(s));
	default:
		break;
	}
	mta_replyline(s, err, sizeof(err));
	return (mta_host_failed(s, err));
}

/*
 * EHLO done (again after STARTTLS): STARTTLS if offered and allowed,
 * then AUTH if configured (over TLS only), then the first task.
 */
static int
mta_after_hello(struct mta_session *s)
{
	char	 err[MTA_ERR_MAX];

	s->flags &= ~MF_PIPELINING;
	if (s->ehlo.ext & SMTP_EXT_PIPELINING)
		s->flags |= MF_PIPELINING;
	if (!(s->flags & MF_TLS)) {
		if ((s->ehlo.ext & SMTP_EXT_STARTTLS) &&
		    !(s->flags & (MF_TLS_NEVER | MF_NOSTARTTLS)) &&
		    ((s->flags & MF_TLS_NEED) ||
		    s->dest->hosts[s->hosti].notls <= time(NULL))) {
			mta_cmd(s, MS_STARTTLS, MTA_TIMEOUT_CMD, "STARTTLS");
			return (0);
		}
		if (s->flags & MF_AUTH) {
			(void)snprintf(err, sizeof(err), "530 5.7.0 mta: %s "
			    "offers no STARTTLS: the relay requires TLS "
			    "before AUTH, credentials are never sent in "
			    "plaintext", s->where);
			mta_policy_failed(s, err);
			return (-1);
		}
		if (s->flags & MF_TLS_NEED) {
			(void)snprintf(err, sizeof(err), "530 5.7.10 mta: %s "
			    "offers no STARTTLS, which the relay action "
			    "requires", s->where);
			return (mta_host_failed(s, err));
		}
	}
	if ((s->flags & MF_AUTH) && !(s->flags & MF_AUTHED)) {
		mta_auth_send(s);
		return (s->state == MS_QUIT ? -1 : 0);
	}
	s->state = MS_READY;
	mta_session_task(s);
	return (0);
}

/* 1 if the space-separated list has mech. */
static int
mta_has_mech(const char *list, const char *mech)
{
	size_t	 n = strlen(mech);
	const char *p = list;

	while ((p = strstr(p, mech)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return (1);
		p += n;
	}
	return (0);
}

/* Ask lka for the credentials (sent from mta_session_creds()). */
static void
mta_auth_send(struct mta_session *s)
{
	struct mta_creds_req	 req;
	char			 err[MTA_ERR_MAX];

	if (!(s->ehlo.ext & SMTP_EXT_AUTH) ||
	    (!mta_has_mech(s->ehlo.auth, "PLAIN") &&
	    !mta_has_mech(s->ehlo.auth, "LOGIN"))) {
		(void)snprintf(err, sizeof(err), "454 4.7.0 mta: %s offers "
		    "no AUTH PLAIN or LOGIN for the relay's credentials",
		    s->where);
		mta_policy_failed(s, err);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.reqid = s->id;
	(void)strlcpy(req.table, s->authtable, sizeof(req.table));
	(void)strlcpy(req.label, s->label, sizeof(req.label));
	s->state = MS_CREDS;
	smtp_send_lka(IMSG_MTA_CREDS, &req, sizeof(req));
}

/* IMSG_LKA_CREDS for session id: AUTH with them, then wipe them. */
void
mta_session_creds(uint64_t id, const struct mta_creds *c)
{
	struct mta_session	*s;
	unsigned char		 msg[SASL_MSG_MAX + 2];
	char			 b64[SASL_B64_MAX + 8], err[ERRLINE_MAX];
	size_t			 ul, pl;

	TAILQ_FOREACH(s, &mta_sessions, all)
		if (s->id == id)
			break;
	if (s == NULL || s->state != MS_CREDS)
		return;		/* the session ended meanwhile */
	if (c->status != ST_OK) {
		(void)snprintf(err, sizeof(err), "454 4.7.0 mta: no "
		    "credentials for label \"%s\" in table %s", s->label,
		    s->authtable);
		mta_policy_failed(s, err);
		return;
	}
	ul = strlen(c->user);
	pl = strlen(c->password);
	if (!mta_has_mech(s->ehlo.auth, "PLAIN")) {
		if (s->creds != NULL)
			freezero(s->creds, sizeof(*s->creds));
		s->creds = xmalloc(sizeof(*s->creds));
		memcpy(s->creds, c, sizeof(*s->creds));
		mta_cmd(s, MS_AUTH_USER, MTA_TIMEOUT_CMD, "AUTH LOGIN");
		return;
	}
	/* authzid "" NUL authcid NUL passwd (RFC 4616) */
	msg[0] = '\0';
	memcpy(msg + 1, c->user, ul);
	msg[ul + 1] = '\0';
	memcpy(msg + ul + 2, c->password, pl);
	if (ul > SASL_USER_MAX || pl > SASL_PASS_MAX ||
	    sasl_b64_encode(msg, ul + pl + 2, b64, sizeof(b64)) == -1) {
		explicit_bzero(msg, sizeof(msg));
		mta_policy_failed(s, "454 4.7.0 mta: credentials too long");
		return;
	}
	/* RFC 4954 4: the AUTH line may be longer than 512 octets */
	(void)io_printf(s->io, "AUTH PLAIN %s\r\n", b64);
	explicit_bzero(msg, sizeof(msg));
	explicit_bzero(b64, sizeof(b64));
	s->state = MS_AUTH;
	io_set_timeout(s->io, MTA_TIMEOUT_CMD * 1000);
}

/* One base64 line of AUTH LOGIN: the user or the password. */
static void
mta_auth_login_line(struct mta_session *s, const char *v)
{
	char	 b64[SASL_B64_MAX + 8];

	if (sasl_b64_encode((const unsigned char *)v, strlen(v), b64,
	    sizeof(b64)) == -1)
		b64[0] = '\0';
	(void)io_printf(s->io, "%s\r\n", b64[0] != '\0' ? b64 : "*");
	explicit_bzero(b64, sizeof(b64));
}

static int
mta_reply_auth(struct mta_session *s)
{
	char	 line[ERRLINE_MAX], err[MTA_ERR_MAX], eu[512];

	if (s->state == MS_AUTH_USER && s->reply.code == 334) {
		mta_auth_login_line(s, s->creds->user);
		s->state = MS_AUTH_PASS;
		return (0);
	}
	if (s->state == MS_AUTH_PASS && s->reply.code == 334) {
		mta_auth_login_line(s, s->creds->password);
		freezero(s->creds, sizeof(*s->creds));
		s->creds = NULL;
		s->state = MS_AUTH;
		return (0);
	}
	(void)log_escape(eu, sizeof(eu), s->label, strlen(s->label));
	mta_replyline(s, line, sizeof(line));
	if (s->creds != NULL) {
		freezero(s->creds, sizeof(*s->creds));
		s->creds = NULL;
	}
	if (s->state == MS_AUTH && s->reply.code == 235) {
		s->flags |= MF_AUTHED;
		log_info("%016llx mta auth address=\"%s\" label=%s result=ok",
		    (unsigned long long)s->id, s->where, eu);
		s->state = MS_READY;
		mta_session_task(s);
		return (0);
	}
	log_info("%016llx mta auth address=\"%s\" label=%s result=failed "
	    "reply=\"%s\"", (unsigned long long)s->id, s->where, eu, line);
	(void)snprintf(err, sizeof(err), "%s (mta: AUTH refused by %s)",
	    line, s->where);
	mta_policy_failed(s, err);
	return (-1);
}

/* STARTTLS accepted (or smtps): the handshake, for the host's name. */
static int
mta_tls_start(struct mta_session *s)
{
	struct tls_config	*cfg;
	char			 err[MTA_ERR_MAX];

	s->state = MS_HANDSHAKE;
	io_set_timeout(s->io, MTA_TIMEOUT_CMD * 1000);
	if ((cfg = mta_tls_config(s->flags & MF_VERIFY, s->pki)) == NULL) {
		(void)snprintf(err, sizeof(err), "454 4.7.0 mta: pki \"%s\" "
		    "has no usable certificate", s->pki);
		mta_policy_failed(s, err);
		return (-1);
	}
	if (io_connect_tls(s->io, cfg, s->host) == -1)
		return (mta_host_failed(s, io_error(s->io)));
	return (0);
}

static void
mta_tls_ready(struct mta_session *s)
{
	struct tls	*tls = io_tls(s->io);
	const char	*v = (s->flags & MF_VERIFY) ? "verified" : "unverified";

	s->flags |= MF_TLS;
	(void)snprintf(s->tlsinfo, sizeof(s->tlsinfo), "%s:%s:%s",
	    tls_conn_version(tls), tls_conn_cipher(tls), v);
	log_info("%016llx mta tls address=\"%s\" version=%s cipher=%s "
	    "verify=%s", (unsigned long long)s->id, s->where,
	    tls_conn_version(tls), tls_conn_cipher(tls), v);
	smtp_reply_init(&s->reply);
	if (s->flags & MF_SMTPS) {
		s->state = MS_GREETING;
		io_set_timeout(s->io, MTA_TIMEOUT_GREETING * 1000);
		return;
	}
	mta_cmd(s, MS_EHLO, MTA_TIMEOUT_CMD, "EHLO %s", s->helo);
}

/* Send one of our own commands (they always fit) and wait in state. */
static void
mta_cmd(struct mta_session *s, enum mta_state state, int timeout,
    const char *fmt, ...)
{
	char	 buf[SMTP_CMD_MAX + 1];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = smtp_cmd_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n == -1)
		fatalx("mta: command too long");
	(void)io_write(s->io, buf, (size_t)n);
	s->state = state;
	io_set_timeout(s->io, timeout * 1000);
}

/*
 * The session is ready (or done with a task): the destination's next
 * task, or QUIT after mta_max_msgs_conn messages, or idle for a while.
 */
static void
mta_session_task(struct mta_session *s)
{
	struct timeval	 tv = { MTA_IDLE_TIMEOUT, 0 };

	mta_ev_del(s);
	if (s->nmsgs >= env->mta_max_msgs_conn) {
		mta_cmd(s, MS_QUIT, MTA_TIMEOUT_CMD, "QUIT");
		return;
	}
	if (mta_txn_start(s) == 0)
		return;
	s->state = MS_READY;
	io_set_timeout(s->io, 0);
	evtimer_set(&s->ev, mta_idle, s);
	evtimer_add(&s->ev, &tv);
}

static void
mta_idle(int fd, short ev, void *arg)
{
	struct mta_session	*s = arg;

	if (s->state == MS_READY && s->task == NULL)
		mta_cmd(s, MS_QUIT, MTA_TIMEOUT_CMD, "QUIT");
}

/* Take a task and send MAIL (and, pipelining, RCPTs and DATA): 0, or -1. */
static int
mta_txn_start(struct mta_session *s)
{
	struct mta_task	*t;
	char		 mail[SMTP_CMD_MAX + 1];
	int		 n;

	for (;;) {
		if ((t = mta_dest_take(s->dest)) == NULL)
			return (-1);
		if ((n = mta_txn_mail(s, t, mail, sizeof(mail))) != -1 &&
		    mta_txn_check(s, t) == 0)
			break;
		mta_task_free(t);
	}
	s->task = t;
	s->naccepted = 0;
	s->mailerr[0] = '\0';
	s->flags &= ~(MF_MAILFAIL | MF_DISCARD | MF_SENT);
	(void)io_write(s->io, mail, (size_t)n);
	s->state = MS_MAIL;
	io_set_timeout(s->io, MTA_TIMEOUT_CMD * 1000);
	if (s->flags & MF_PIPELINING) {
		mta_txn_rcpts(s, 0);
		mta_cmd(s, MS_MAIL, MTA_TIMEOUT_CMD, "DATA");
	}
	return (0);
}

/*
 * t's MAIL FROM command with its parameters, into buf: its length, or -1
 * (t answered) when the sender cannot be sent.
 */
static int
mta_txn_mail(struct mta_session *s, struct mta_task *t, char *buf,
    size_t len)
{
	char	 from[MAILADDR_MAX], params[64];
	int	 flags = 0, n = -1;

	if (t->eflags & EF_8BITMIME)
		flags |= SMTP_MAIL_8BIT;
	if (t->eflags & EF_SMTPUTF8)
		flags |= SMTP_MAIL_UTF8;
	if (smtp_mail_params(params, sizeof(params), &s->ehlo, t->size,
	    flags) == -1)
		params[0] = '\0';
	if (mailaddr_text(&t->sender, from, sizeof(from)) == 0)
		n = smtp_cmd_format(buf, len, "MAIL FROM:<%s>%s", from, params);
	if (n == -1)
		mta_task_fail(t, ST_PERMFAIL, "501 5.5.2 mta: sender address "
		    "too long or malformed for MAIL FROM", s->where,
		    s->tlsinfo);
	return (n);
}

/*
 * What the server must offer for t, and commands that cannot be sent:
 * those envelopes are answered now.  0 to go on, -1 if nothing is left.
 */
static int
mta_txn_check(struct mta_session *s, struct mta_task *t)
{
	struct mta_envelope	*me;
	char			 buf[SMTP_CMD_MAX + 1], a[MAILADDR_MAX];
	char			 err[MTA_ERR_MAX];
	size_t			 left = 0;

	if ((t->eflags & EF_SMTPUTF8) && !(s->ehlo.ext & SMTP_EXT_SMTPUTF8)) {
		(void)snprintf(err, sizeof(err), "553 5.6.7 mta: %s does not "
		    "support SMTPUTF8, which this message needs", s->where);
		mta_task_fail(t, ST_PERMFAIL, err, s->where, s->tlsinfo);
		return (-1);
	}
	if (s->ehlo.size > 0 && t->size > s->ehlo.size) {
		(void)snprintf(err, sizeof(err), "552 5.3.4 mta: message too "
		    "big for %s (%llu bytes, it takes %zu)", s->where,
		    (unsigned long long)t->size, s->ehlo.size);
		mta_task_fail(t, ST_PERMFAIL, err, s->where, s->tlsinfo);
		return (-1);
	}
	if ((t->eflags & EF_8BITMIME) && !(s->ehlo.ext & SMTP_EXT_8BITMIME))
		log_info("%016llx mta note msgid=%08x address=\"%s\" "
		    "8bit body to a server without 8BITMIME, sent as is",
		    (unsigned long long)s->id, t->msgid, s->where);
	TAILQ_FOREACH(me, &t->envs, entry) {
		me->rcpt = 0;
		if (mailaddr_text(&me->evp.dest, a, sizeof(a)) == -1 ||
		    smtp_cmd_format(buf, sizeof(buf), "RCPT TO:<%s>",
		    a) == -1) {
			me->rcpt = 2;
			mta_answer(me, ST_PERMFAIL, "501 5.5.2 mta: address "
			    "too long or malformed for RCPT TO", s->where,
			    s->tlsinfo);
		} else
			left++;
	}
	return (left > 0 ? 0 : -1);
}

/* RCPT TO for the next envelope (one), or for all of them (pipelining). */
static void
mta_txn_rcpts(struct mta_session *s, int one)
{
	struct mta_envelope	*me;
	char			 a[MAILADDR_MAX];

	TAILQ_FOREACH(me, &s->task->envs, entry) {
		if (me->rcpt != 0)
			continue;
		if (mailaddr_text(&me->evp.dest, a, sizeof(a)) == -1)
			fatalx("mta: address checked, then too long");
		me->rcpt = 1;
		mta_cmd(s, MS_RCPT, MTA_TIMEOUT_CMD, "RCPT TO:<%s>", a);
		if (one)
			return;
	}
}

/*
 * The first envelope whose RCPT is in the given step: 0 not sent yet,
 * 1 waiting for its reply, 2 answered (or never to be sent).
 */
static struct mta_envelope *
mta_txn_next(struct mta_session *s, int rcpt)
{
	struct mta_envelope	*me;

	TAILQ_FOREACH(me, &s->task->envs, entry)
		if (me->rcpt == rcpt)
			return (me);
	return (NULL);
}

static int
mta_reply_txn(struct mta_session *s)
{
	char	 line[ERRLINE_MAX];
	int	 st = mta_status(s->reply.code);

	switch (s->state) {
	case MS_MAIL:
		if (st != ST_OK) {
			mta_replyline(s, line, sizeof(line));
			mta_task_fail(s->task, st, line, s->where, s->tlsinfo);
			if (!(s->flags & MF_PIPELINING)) {
				mta_cmd(s, MS_RSET, MTA_TIMEOUT_CMD, "RSET");
				return (0);
			}
			s->flags |= MF_MAILFAIL;
		}
		s->state = MS_RCPT;
		if (!(s->flags & MF_PIPELINING))
			mta_txn_rcpts(s, 1);
		return (0);
	case MS_RCPT:
		return (mta_reply_rcpt(s));
	case MS_DATA:
		return (mta_reply_data(s));
	case MS_EOM:
		return (mta_reply_eom(s));
	case MS_RSET:
		mta_txn_done(s);
		return (0);
	default:
		fatalx("mta_reply_txn: state %d", s->state);
	}
}

static int
mta_reply_rcpt(struct mta_session *s)
{
	struct mta_envelope	*me;
	char			 line[ERRLINE_MAX];
	int			 st = mta_status(s->reply.code);

	if ((me = mta_txn_next(s, 1)) == NULL) {
		mta_broken(s, "more replies than commands");
		return (-1);
	}
	me->rcpt = 2;
	if (me->state != MR_DONE && st == ST_OK) {
		me->state = MR_ACCEPTED;
		s->naccepted++;
	} else if (me->state != MR_DONE) {
		mta_replyline(s, line, sizeof(line));
		mta_answer(me, st, line, s->where, s->tlsinfo);
	}
	if (s->flags & MF_PIPELINING) {
		if (mta_txn_next(s, 1) == NULL)
			s->state = MS_DATA;
		return (0);
	}
	if (mta_txn_next(s, 0) != NULL)
		mta_txn_rcpts(s, 1);
	else if (s->naccepted > 0)
		mta_cmd(s, MS_DATA, MTA_TIMEOUT_DATA, "DATA");
	else
		mta_cmd(s, MS_RSET, MTA_TIMEOUT_CMD, "RSET");
	return (0);
}

static int
mta_reply_data(struct mta_session *s)
{
	struct mta_envelope	*me;
	char			 line[ERRLINE_MAX];
	int			 st = mta_status(s->reply.code);

	if (s->reply.code == 354 && s->naccepted == 0) {
		/* pipelined, every RCPT refused, and still a 354 */
		(void)io_write(s->io, ".\r\n", 3);
		s->flags |= MF_DISCARD;
		s->state = MS_EOM;
		io_set_timeout(s->io, MTA_TIMEOUT_EOM * 1000);
		return (0);
	}
	if (s->reply.code == 354) {
		s->state = MS_BODY;
		s->dataoff = 0;
		s->bol = 1;
		s->cr = 0;
		io_set_timeout(s->io, MTA_TIMEOUT_DATA * 1000);
		return (mta_body(s));
	}
	mta_replyline(s, line, sizeof(line));
	TAILQ_FOREACH(me, &s->task->envs, entry)
		if (me->state == MR_ACCEPTED)
			mta_answer(me, st == ST_OK ? ST_TEMPFAIL : st, line,
			    s->where, s->tlsinfo);
	mta_cmd(s, MS_RSET, MTA_TIMEOUT_CMD, "RSET");
	return (0);
}

/* The final reply (SMTP), or the next recipient's (LMTP). */
static int
mta_reply_eom(struct mta_session *s)
{
	struct mta_envelope	*me;
	char			 line[ERRLINE_MAX];
	int			 st = mta_status(s->reply.code);

	if (s->flags & MF_DISCARD) {
		mta_txn_done(s);
		return (0);
	}
	mta_replyline(s, line, sizeof(line));
	TAILQ_FOREACH(me, &s->task->envs, entry) {
		if (me->state != MR_ACCEPTED)
			continue;
		mta_answer(me, st, line, s->where, s->tlsinfo);
		if (st == ST_OK)
			s->flags |= MF_SENT;
		if (s->flags & MF_LMTP)
			break;
	}
	/* LMTP: more replies to come while envelopes are MR_ACCEPTED */
	if (s->flags & MF_LMTP)
		TAILQ_FOREACH(me, &s->task->envs, entry)
			if (me->state == MR_ACCEPTED)
				return (0);
	mta_txn_done(s);
	return (0);
}

static void
mta_txn_done(struct mta_session *s)
{
	if (s->flags & MF_SENT) {
		s->dest->nsent++;
		s->dest->hosts[s->hosti].nsent++;
	}
	mta_task_free(s->task);
	s->task = NULL;
	s->nmsgs++;
	mta_session_task(s);
}

/*
 * Feed the message, CRLF and dot-stuffed, while the output queue is
 * short; IO_LOWAT brings us back.  A regular file is never "not ready":
 * pread(2) here is the event-driven read, one chunk per round.
 */
static int
mta_body(struct mta_session *s)
{
	char	 in[MTA_BODY_CHUNK], out[2 * MTA_BODY_CHUNK + 8];
	ssize_t	 n;
	size_t	 len;

	while (io_queued(s->io) < MTA_BODY_HIWAT) {
		n = pread(s->task->fd, in, sizeof(in), s->dataoff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%016llx mta: read message %08x",
			    (unsigned long long)s->id, s->task->msgid);
			mta_task_fail(s->task, ST_TEMPFAIL, "451 4.3.0 mta: "
			    "cannot read the message", s->where, s->tlsinfo);
			mta_free(s, "read-error");
			return (-1);
		}
		if (n == 0) {
			len = 0;
			if (s->cr)
				out[len++] = '\r';
			if (!s->bol || s->cr) {
				out[len++] = '\r';
				out[len++] = '\n';
			}
			(void)io_write(s->io, out, len);
			(void)io_write(s->io, ".\r\n", 3);
			s->state = MS_EOM;
			io_set_timeout(s->io, MTA_TIMEOUT_EOM * 1000);
			return (0);
		}
		s->dataoff += n;
		len = mta_stuff(s, in, (size_t)n, out);
		if (io_write(s->io, out, len) == -1) {
			mta_broken(s, "output queue full");
			return (-1);
		}
	}
	return (0);
}

/* CRLF line ends (bare LF too), a dot doubled at the start of a line. */
static size_t
mta_stuff(struct mta_session *s, const char *in, size_t n, char *out)
{
	size_t	 i, o = 0;
	char	 c;

	for (i = 0; i < n; i++) {
		c = in[i];
		if (s->cr) {
			s->cr = 0;
			out[o++] = '\r';
			if (c == '\n') {
				out[o++] = '\n';
				s->bol = 1;
				continue;
			}
			s->bol = 0;	/* a bare CR: kept, not a line end */
		}
		if (c == '\r') {
			s->cr = 1;
			continue;
		}
		if (c == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			s->bol = 1;
			continue;
		}
		if (s->bol && c == '.')
			out[o++] = '.';
		s->bol = 0;
		out[o++] = c;
	}
	return (o);
}

/*
 * The address in use failed before any task (err says how): try the
 * next one; none left fails the destination's waiting tasks.  Always -1:
 * the io is gone (s too, perhaps).
 */
static int
mta_host_failed(struct mta_session *s, const char *err)
{
	struct mta_dest		*d = s->dest;
	struct mta_hoststat	*hs = &d->hosts[s->hosti];
	char			 eerr[ERRLINE_MAX * 4];
	char			 pfx[64];

	(void)log_escape(eerr, sizeof(eerr), err, strlen(err));
	log_info("%016llx mta error address=\"%s\" step=%s error=\"%s\"",
	    (unsigned long long)s->id, s->where, mta_step(s->state), eerr);
	if (s->creds != NULL) {
		/* AUTH LOGIN cut short: its credentials go with the host */
		freezero(s->creds, sizeof(*s->creds));
		s->creds = NULL;
	}
	if (s->state == MS_HANDSHAKE && !(s->flags & MF_TLS_NEED) &&
	    hs->notls <= time(NULL)) {
		/*
		 * opportunistic TLS failed: this host again, in plaintext,
		 * for a while (never with credentials: they need TLS)
		 */
		hs->notls = time(NULL) + MTA_NOTLS_TIME;
	} else {
		if (err[0] >= '2' && err[0] <= '5' && err[3] == ' ')
			(void)strlcpy(hs->lasterr, err, sizeof(hs->lasterr));
		else {
			if (s->state == MS_CONNECT)
				(void)strlcpy(pfx, "451 4.4.1 mta: cannot "
				    "connect to", sizeof(pfx));
			else
				(void)snprintf(pfx, sizeof(pfx), "451 4.4.2 "
				    "mta: %s failed with", mta_step(s->state));
			mta_errline(hs->lasterr, sizeof(hs->lasterr), pfx,
			    s->where, err);
		}
		(void)strlcpy(d->lasterr, hs->lasterr, sizeof(d->lasterr));
		hs->down = time(NULL) + MTA_HOST_DOWN;
		s->hosti++;
	}
	if (s->io != NULL) {
		io_free(s->io);
		s->io = NULL;
	}
	s->flags &= ~(MF_TLS | MF_AUTHED | MF_PIPELINING | MF_NOSTARTTLS);
	s->tlsinfo[0] = '\0';
	(void)mta_connect(s);
	return (-1);
}

/* A refusal any address would repeat (AUTH, credentials): stop here. */
static void
mta_policy_failed(struct mta_session *s, const char *err)
{
	struct mta_dest	*d = s->dest;

	(void)strlcpy(d->hosts[s->hosti].lasterr, err, ERRLINE_MAX);
	(void)strlcpy(d->lasterr, err, sizeof(d->lasterr));
	log_info("%016llx mta error address=\"%s\" error=\"%s\"",
	    (unsigned long long)s->id, s->where, err);
	d->backoff = time(NULL) + MTA_BACKOFF;
	mta_dest_fail(d, ST_TEMPFAIL, err);
	if (s->state == MS_HANDSHAKE)	/* the server waits for TLS */
		mta_free(s, "tls-unavailable");
	else
		mta_cmd(s, MS_QUIT, MTA_TIMEOUT_CMD, "QUIT");
}

/* The connection broke (why): where it was decides who is told. */
static void
mta_broken(struct mta_session *s, const char *why)
{
	char	 err[ERRLINE_MAX], pfx[64];

	if (s->state < MS_READY) {
		(void)mta_host_failed(s, why);
		return;
	}
	if (s->task != NULL) {
		(void)snprintf(pfx, sizeof(pfx), "451 4.4.2 mta: connection "
		    "lost at %s with", mta_step(s->state));
		mta_errline(err, sizeof(err), pfx, s->where, why);
		(void)strlcpy(s->dest->lasterr, err, sizeof(s->dest->lasterr));
		(void)strlcpy(s->dest->hosts[s->hosti].lasterr, err,
		    ERRLINE_MAX);
		mta_task_fail(s->task, ST_TEMPFAIL, err, s->where, s->tlsinfo);
	}
	mta_free(s, s->state == MS_READY || s->state == MS_QUIT ? "closed" :
	    why);
}

static void
mta_free(struct mta_session *s, const char *reason)
{
	char	 er[256];

	(void)log_escape(er, sizeof(er), reason, strlen(reason));
	if (s->io != NULL || s->nmsgs > 0)
		log_info("%016llx mta closed address=\"%s\" messages=%zu "
		    "reason=\"%s\"", (unsigned long long)s->id, s->where,
		    s->nmsgs, er);
	mta_ev_del(s);
	if (s->fd != -1)
		close(s->fd);
	io_free(s->io);
	if (s->creds != NULL)
		freezero(s->creds, sizeof(*s->creds));
	if (s->task != NULL)
		mta_task_free(s->task);
	TAILQ_REMOVE(&mta_sessions, s, all);
	TAILQ_REMOVE(&s->dest->sessions, s, entry);
	mta_dest_session_gone(s->dest);
	free(s);
}

static void
mta_ev_del(struct mta_session *s)
{
	if (event_initialized(&s->ev))
		event_del(&s->ev);
}

/* What a state waits for, for the logs and errorlines. */
static const char *
mta_step(enum mta_state st)
{
	static const char *const steps[] = {
		"connect", "greeting", "EHLO", "HELO", "STARTTLS",
		"TLS handshake", "credentials", "AUTH", "AUTH", "AUTH",
		"idle", "MAIL FROM", "RCPT TO", "DATA", "message data",
		"end of data", "RSET", "QUIT",
	};
	_Static_assert(sizeof(steps) / sizeof(steps[0]) == MS_QUIT + 1,
	    "a step name per state");

	if ((size_t)st >= sizeof(steps) / sizeof(steps[0]))
		return ("?");
	return (steps[st]);
}

static int
mta_status(int code)
{
	switch (code / 100) {
	case 2:
		return (ST_OK);
	case 5:
		return (ST_PERMFAIL);
	default:
		return (ST_TEMPFAIL);
	}
}

/* The reply's last line, escaped, for an errorline. */
static void
mta_replyline(struct mta_session *s, char *buf, size_t len)
{
	const char	*l;

	if (s->reply.nlines == 0 ||
	    (l = smtp_reply_line(&s->reply, s->reply.nlines - 1)) == NULL) {
		(void)strlcpy(buf, "451 4.4.2 mta: no reply", len);
		return;
	}
	(void)log_escape(buf, len, l, strlen(l));
}

/* "PREFIX WHERE: WHY", WHY escaped. */
static void
mta_errline(char *buf, size_t len, const char *prefix, const char *where,
    const char *why)
{
	char	 ew[ERRLINE_MAX], t[MTA_ERR_MAX];

	(void)log_escape(ew, sizeof(ew), why, strlen(why));
	(void)snprintf(t, sizeof(t), "%s %s: %s", prefix, where, ew);
	(void)strlcpy(buf, t, len);
}
