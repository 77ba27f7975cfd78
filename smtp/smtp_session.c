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
 * smtp_session.c -- SMTP server sessions (RFC 5321, 1870, 2920, 3030,
 * 6152, 2034, 6531).
 *
 * SECURITY: runs in the smtp process, chrooted to an empty directory as
 * _cartero-smtp under SANDBOX_SMTP.  Everything a client sends is parsed
 * by smtp_parse.c; a bad command gets a 5xx reply, never an exit.  A
 * session cannot make a delivery happen: it only asks the queue for a
 * message file and lka to check recipients (lka hands envelopes to the
 * queue itself).  Client data is escaped before it is logged.
 *
 * Pipelining (RFC 2920): every complete command already read is handled
 * in order; one that needs another process sets s->wait and processing
 * stops until the answer arrives (smtp_session_resume()).  Replies are
 * queued in the io and written when processing stops.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* struct ucred */
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tls.h>
#include <unistd.h>

#include "dkim.h"
#include "io.h"
#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "imsg_check.h"
#include "smtp_session.h"
#include "smtp_auth.h"

/* reqid = session id << 16 | counter: ids have 48 bits */
#define SESSION_ID_MASK	0xffffffffffffULL

RB_HEAD(smtp_tree, smtp_session);
RB_PROTOTYPE(smtp_tree, smtp_session, entry, smtp_session_cmp);

static struct smtp_tree	 smtp_sessions = RB_INITIALIZER(&smtp_sessions);
static uint64_t		 smtp_next_id;
struct smtp_stats	 smtp_stats;

int		 smtp_session_cmp(struct smtp_session *,
		    struct smtp_session *);
static void	 smtp_session_client(struct smtp_session *, int);
static void	 smtp_session_io(struct io *, int, void *);
static void	 smtp_session_process(struct smtp_session *);
static int	 smtp_session_line(struct smtp_session *);
static int	 smtp_session_body_input(struct smtp_session *);
static void	 smtp_session_body_done(struct smtp_session *);
static void	 smtp_session_bdat_done(struct smtp_session *);
static void	 smtp_session_command(struct smtp_session *, char *, size_t);
static void	 smtp_session_release(struct smtp_session *);
static void	 smtp_session_free(struct smtp_session *);
static void	 smtp_session_vreply(struct smtp_session *, const char *,
		    va_list) __attribute__((__format__(printf, 2, 0)));
static void	 smtp_session_expand(struct smtp_session *,
		    const struct mailaddr *, enum smtp_wait);
static struct smtp_session *smtp_session_answered(uint64_t,
		    enum smtp_wait);
static int	 smtp_session_ascii(const char *);
static int	 smtp_session_valid_reply(const char *);
static void	 smtp_cmd_helo(struct smtp_session *, struct smtp_cmd *);
static void	 smtp_cmd_mail(struct smtp_session *, struct smtp_cmd *);
static void	 smtp_cmd_rcpt(struct smtp_session *, struct smtp_cmd *);
static void	 smtp_cmd_data(struct smtp_session *, struct smtp_cmd *);
static void	 smtp_cmd_bdat(struct smtp_session *, struct smtp_cmd *);
static void	 smtp_cmd_vrfy(struct smtp_session *, struct smtp_cmd *);
static void	 smtp_cmd_simple(struct smtp_session *, struct smtp_cmd *);
static void	 smtp_cmd_starttls(struct smtp_session *, struct smtp_cmd *);
static int	 smtp_session_tls_start(struct smtp_session *);
static void	 smtp_session_tls_ready(struct smtp_session *);
static int	 smtp_session_tls_allowed(enum smtp_verb);

RB_GENERATE(smtp_tree, smtp_session, entry, smtp_session_cmp);

int
smtp_session_cmp(struct smtp_session *a, struct smtp_session *b)
{
	if (a->id < b->id)
		return (-1);
	return (a->id > b->id);
}

/* A new connection on listener l (index into env->listeners). */
void
smtp_session_accept(int fd, const struct sockaddr_storage *ss,
    const struct listener *l)
{
	struct smtp_session	*s;

	if (smtp_next_id == 0)
		smtp_next_id = rand_u32();
	s = xcalloc(1, sizeof(*s));
	do {
		s->id = smtp_next_id++ & SESSION_ID_MASK;
	} while (s->id == 0 || RB_FIND(smtp_tree, &smtp_sessions, s));
	s->msgfd = -1;
	s->ss = *ss;
	s->lim.max_line = env->max_line;
	s->lim.max_rcpt = env->max_rcpt;
	s->lim.max_mails = env->max_mails;
	s->lim.max_cmds = env->max_cmds;
	s->lim.max_errors = env->max_errors;
	s->lim.max_size = env->max_message_size;
	s->lim.timeout = env->timeout;
	s->lim.vrfy = env->vrfy;
	s->lflags = l->flags;
	s->lindex = l->index;
	(void)strlcpy(s->senders, l->senders, sizeof(s->senders));
	(void)strlcpy(s->tag, l->tag, sizeof(s->tag));
	(void)strlcpy(s->myname, l->hostname[0] ? l->hostname :
	    env->hostname, sizeof(s->myname));
	smtp_line_init(&s->line, s->lim.max_line);
	smtp_auth_init(s, l);
	smtp_session_client(s, fd);
	RB_INSERT(smtp_tree, &smtp_sessions, s);
	smtp_stats.active++;
	smtp_stats.total++;

	s->io = io_new(fd, smtp_session_io, s);
	io_set_read_max(s->io, s->lim.max_line * 2 > IO_READ_MAX_DEFAULT ?
	    s->lim.max_line * 2 : IO_READ_MAX_DEFAULT);
	io_set_timeout(s->io, (int)(s->lim.timeout * 1000));
	if (s->flags & SF_SOCKET)
		log_info("%016llx smtp connected address=local uid=%u",
		    (unsigned long long)s->id, s->peeruid);
	else
		log_info("%016llx smtp connected address=%s host=%s",
		    (unsigned long long)s->id, s->src, s->hostname);
	if (!(s->lflags & LF_SMTPS)) {
		smtp_session_reply(s, "220 %s ESMTP cartero", s->myname);
		return;
	}
	/* smtps: TLS from the first byte, the banner once it is up */
	if (smtp_session_tls_start(s) == -1) {
		smtp_session_close(s, "tls-unavailable");
		smtp_session_release(s);
	}
}

/*
 * Start the server side of TLS on the session's socket (smtps at once,
 * STARTTLS after its 220 is written).  -1 (logged) if the listener has
 * no usable context.
 */
static int
smtp_session_tls_start(struct smtp_session *s)
{
	if (s->tls_srv == NULL &&
	    (s->tls_srv = smtp_tls_get(s->lindex)) == NULL) {
		log_warnx("%016llx smtp tls-failed address=%s error=\"no "
		    "certificate for this listener\"",
		    (unsigned long long)s->id, s->src);
		return (-1);
	}
	if (io_start_tls(s->io, smtp_tls_ctx(s->tls_srv)) == -1) {
		log_warnx("%016llx smtp tls-failed address=%s error=\"%s\"",
		    (unsigned long long)s->id, s->src, io_error(s->io));
		smtp_tls_put(s->tls_srv);
		s->tls_srv = NULL;
		return (-1);
	}
	s->flags |= SF_HANDSHAKE;
	return (0);
}

/*
 * The handshake is done.  After STARTTLS the session starts again from
 * scratch (RFC 3207 4.2): the client must say EHLO again, and nothing it
 * said or was granted before TLS counts.
 */
static void
smtp_session_tls_ready(struct smtp_session *s)
{
	struct tls	*tls = io_tls(s->io);
	const char	*sni;
	char		 esni[HOST_MAX * 4];

	s->flags &= ~SF_HANDSHAKE;
	s->flags |= SF_TLS;
	smtp_stats.tls++;
	(void)snprintf(s->tlsinfo, sizeof(s->tlsinfo), "%s:%s:%d",
	    tls_conn_version(tls), tls_conn_cipher(tls),
	    tls_conn_cipher_strength(tls));
	if (tls_conn_session_resumed(tls))
		smtp_stats.tls_resumed++;
	/* the client's words: escaped like any other (CR, LF...) */
	if ((sni = tls_conn_servername(tls)) != NULL && *sni != '\0') {
		(void)log_escape(esni, sizeof(esni), sni, strlen(sni));
		sni = esni;
	}
	log_info("%016llx smtp tls address=%s version=%s cipher=%s bits=%d "
	    "sni=%s resumed=%s%s", (unsigned long long)s->id, s->src,
	    tls_conn_version(tls), tls_conn_cipher(tls),
	    tls_conn_cipher_strength(tls), sni != NULL && *sni ? sni : "-",
	    tls_conn_session_resumed(tls) ? "yes" : "no",
	    tls_peer_cert_provided(tls) ? " client-cert=yes" : "");
	if (s->lflags & LF_SMTPS) {
		smtp_session_reply(s, "220 %s ESMTP cartero", s->myname);
		return;
	}
	smtp_session_txn_reset(s, 1);
	s->flags &= ~(SF_HELO | SF_ESMTP);
	s->helo[0] = '\0';
	smtp_auth_reset(s);
	smtp_session_process(s);
}

/* Who is the client: address, local or not, uid on the socket. */
static void
smtp_session_client(struct smtp_session *s, int fd)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&s->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&s->ss;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	int			 one = 1;

	if (s->ss.ss_family == AF_UNIX) {
		s->flags |= SF_SOCKET | SF_LOCAL;
		(void)strlcpy(s->src, "local", sizeof(s->src));
		(void)strlcpy(s->hostname, "localhost", sizeof(s->hostname));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
			s->peeruid = cred.uid;
		else {
			log_warn("smtp: SO_PEERCRED");
			s->peeruid = (uint32_t)-1;
		}
		return;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_debug("smtp: TCP_NODELAY: %s", strerror(errno));
	if (s->ss.ss_family == AF_INET) {
		(void)inet_ntop(AF_INET, &sin->sin_addr, s->src,
		    sizeof(s->src));
		if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			s->flags |= SF_LOCAL;
	} else if (s->ss.ss_family == AF_INET6) {
		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, s->src,
		    sizeof(s->src));
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			s->flags |= SF_LOCAL;
		else if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127)
			s->flags |= SF_LOCAL;
	} else
		(void)strlcpy(s->src, "unknown", sizeof(s->src));
	/* No reverse DNS in this process: the name is the address. */
	(void)strlcpy(s->hostname, (s->flags & SF_LOCAL) ? "localhost" :
	    "unknown", sizeof(s->hostname));
}

/* The session waiting for the answer to reqid. */
struct smtp_session *
smtp_session_lookup(uint64_t reqid)
{
	struct smtp_session	 key, *s;

	key.id = reqid >> 16;
	if ((s = RB_FIND(smtp_tree, &smtp_sessions, &key)) == NULL)
		return (NULL);
	if (s->wait == W_NONE || s->reqid != reqid)
		fatalx("smtp: unexpected answer for session %016llx",
		    (unsigned long long)s->id);
	return (s);
}

/*
 * The session waiting for want with reqid, or NULL: for answers that may
 * come late (after a timeout gave up on them), which are then dropped.
 */
struct smtp_session *
smtp_session_find(uint64_t reqid, enum smtp_wait want)
{
	struct smtp_session	 key, *s;

	key.id = reqid >> 16;
	if ((s = RB_FIND(smtp_tree, &smtp_sessions, &key)) == NULL ||
	    s->wait != want || s->reqid != reqid)
		return (NULL);
	return (s);
}

uint64_t
smtp_session_reqid(struct smtp_session *s, enum smtp_wait wait)
{
	s->reqid = (s->id << 16) | ++s->reqctr;
	s->wait = wait;
	return (s->reqid);
}

/* Wait for an answer to the request id returned (smtp_session_find()). */
uint64_t
smtp_session_wait(struct smtp_session *s, enum smtp_wait wait)
{
	return (smtp_session_reqid(s, wait));
}

/* The "with" of Received: (RFC 3848, RFC 6531). */
const char *
smtp_session_proto(const struct smtp_session *s)
{
	static const char *const names[2][4] = {
		{ "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA" },
		{ "UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA" },
	};
	int	 i = 0;

	if (!(s->flags & SF_ESMTP))
		return ("SMTP");
	if (s->flags & SF_TLS)
		i |= 1;
	if (s->flags & SF_AUTH)
		i |= 2;
	return (names[s->mp.smtputf8 ? 1 : 0][i]);
}

static void
smtp_session_io(struct io *io, int evt, void *arg)
{
	struct smtp_session	*s = arg;

	if (evt == IO_TLSREADY && !(s->flags & SF_CLOSING)) {
		smtp_session_tls_ready(s);
		return;
	}
	if ((s->flags & SF_HANDSHAKE) && (evt == IO_ERROR ||
	    evt == IO_TIMEOUT || evt == IO_DISCONNECTED)) {
		/* nothing can be said: no TLS yet, no plaintext any more */
		smtp_stats.tls_failed++;
		log_info("%016llx smtp tls-failed address=%s error=\"%s\"",
		    (unsigned long long)s->id, s->src, evt == IO_ERROR ?
		    io_error(io) : evt == IO_TIMEOUT ? "timeout" :
		    "disconnected");
		smtp_session_close(s, "tls-failed");
		smtp_session_release(s);
		return;
	}
	if (s->flags & SF_CLOSING) {
		if (evt == IO_LOWAT || evt == IO_ERROR ||
		    evt == IO_TIMEOUT || evt == IO_DISCONNECTED ||
		    io_queued(io) == 0)
			smtp_session_release(s);
		return;
	}
	switch (evt) {
	case IO_DATAIN:
		smtp_session_process(s);
		break;
	case IO_LOWAT:
		if (s->flags & SF_HIWAT) {
			s->flags &= ~SF_HIWAT;
			io_pause_read(s->io, 0);
			smtp_session_process(s);
		}
		break;
	case IO_DISCONNECTED:
		s->flags |= SF_EOF;
		/* nobody waits for lka's verdict: have it now (mail-auth) */
		smtp_mailauth_cancel(s);
		smtp_session_process(s);
		break;
	case IO_TIMEOUT:
		smtp_stats.timeouts++;
		smtp_session_reply(s, "421 4.4.2 %s Timeout, closing "
		    "connection", s->myname);
		smtp_session_close(s, "timeout");
		/* the client was told 421: lka's verdict must not commit */
		smtp_mailauth_cancel(s);
		if (io_queued(s->io) == 0)
			smtp_session_release(s);
		break;
	case IO_ERROR:
		log_debug("%016llx smtp io error: %s",
		    (unsigned long long)s->id, io_error(io));
		smtp_session_close(s, "error");
		smtp_session_release(s);
		break;
	}
}

/* Handle what is buffered, as long as nothing is awaited. */
static void
smtp_session_process(struct smtp_session *s)
{
	while (!(s->flags & SF_CLOSING) && s->wait == W_NONE) {
		if (io_queued(s->io) > SMTP_OUTPUT_HIWAT) {
			/* resumed on IO_LOWAT */
			s->flags |= SF_HIWAT;
			io_pause_read(s->io, 1);
			return;
		}
		if (s->phase != PH_CMD) {
			if (!smtp_session_body_input(s))
				break;
		} else if (!smtp_session_line(s))
			break;
	}
	if (!(s->flags & SF_CLOSING) && s->wait == W_NONE &&
	    (s->flags & SF_EOF))
		smtp_session_close(s, "disconnect");
	if ((s->flags & SF_CLOSING) && io_queued(s->io) == 0)
		smtp_session_release(s);
}

/* Called when the awaited answer arrived and was replied to. */
void
smtp_session_resume(struct smtp_session *s)
{
	if (s->flags & SF_DEAD) {
		smtp_session_free(s);
		return;
	}
	smtp_session_process(s);
}

/* One command line; 0 when there is none. */
static int
smtp_session_line(struct smtp_session *s)
{
	char	*data = io_data(s->io);
	size_t	 len = io_datalen(s->io), used, linelen;
	int	 r, secret;

	r = smtp_line_next(&s->line, data, len, &used, &linelen);
	if (r == LINE_NONE) {
		if (used == 0)
			return (0);
		explicit_bzero(data, used);	/* the rest of a long line */
		io_drop(s->io, used);
		return (1);
	}
	if (r == LINE_TOOLONG) {
		explicit_bzero(data, used);
		smtp_auth_abort(s);
		io_drop(s->io, used);
		(void)strlcpy(s->cmdtext, "(line too long)",
		    sizeof(s->cmdtext));
		smtp_session_fail(s, "500 5.5.2 Line too long");
		return (1);
	}
	/* the line is parsed in place, then dropped (credentials wiped) */
	secret = smtp_auth_secret(s, data, linelen);
	if (!smtp_auth_input(s, data, linelen))
		smtp_session_command(s, data, linelen);
	if (secret)
		explicit_bzero(data, used);
	if (s->flags & SF_CLOSING)
		return (1);
	io_drop(s->io, used);
	if (s->flags & SF_STARTTLS) {
		/*
		 * Whatever came after STARTTLS was sent in plaintext: a man
		 * in the middle may have put it there (CVE-2011-0411).
		 * io_start_tls() throws it away.
		 */
		s->flags &= ~SF_STARTTLS;
		if (io_datalen(s->io) > 0)
			log_info("%016llx smtp starttls-discarded address=%s "
			    "bytes=%zu", (unsigned long long)s->id, s->src,
			    io_datalen(s->io));
		if (smtp_session_tls_start(s) == -1) {
			smtp_session_close(s, "tls-failed");
			return (1);
		}
		return (0);
	}
	return (1);
}

static void
smtp_session_command(struct smtp_session *s, char *line, size_t len)
{
	struct smtp_cmd	 cmd;
	int		 r;

	if (!smtp_parse_auth_cmdtext(s->cmdtext, sizeof(s->cmdtext), line,
	    len))
		(void)log_escape(s->cmdtext, sizeof(s->cmdtext), line, len);
	if (++s->ncmds > s->lim.max_cmds) {
		smtp_session_reply(s, "421 4.7.0 %s Too many commands, "
		    "closing connection", s->myname);
		smtp_session_close(s, "limit");
		return;
	}
	r = smtp_parse_command(line, len, &cmd);
	if (r == CMD_NUL) {
		smtp_session_fail(s, "500 5.5.2 NUL character in command");
		return;
	}
	if (r == CMD_UNKNOWN) {
		smtp_session_fail(s, "500 5.5.1 Command unrecognized");
		return;
	}
	if ((s->lflags & LF_TLS_REQUIRE) && !(s->flags & SF_TLS) &&
	    !smtp_session_tls_allowed(cmd.verb)) {
		if (cmd.verb == V_BDAT && r == CMD_OK) {
			/* its chunk follows: skip it, then one reply */
			s->bdat_left = cmd.bdat_size;
			s->bdat_last = cmd.bdat_last;
			s->bdat_error = "530 5.7.0 Must issue a STARTTLS "
			    "command first";
			s->phase = PH_BDAT;
			if (s->bdat_left == 0)
				smtp_session_bdat_done(s);
			return;
		}
		smtp_session_fail(s, "530 5.7.0 Must issue a STARTTLS command "
		    "first");
		if (cmd.verb == V_BDAT)
			smtp_session_close(s, "error");
		return;
	}
	if (r == CMD_SYNTAX) {
		if (cmd.verb == V_BDAT)
			smtp_session_fail(s, "501 5.5.4 Syntax: BDAT size "
			    "[LAST], closing connection");
		else
			smtp_session_fail(s, "501 5.5.4 Syntax error in "
			    "parameters or arguments");
		if (cmd.verb == V_BDAT)	/* chunk length unknown */
			smtp_session_close(s, "error");
		return;
	}
	switch (cmd.verb) {
	case V_AUTH:
		smtp_cmd_auth(s, &cmd);
		break;
	case V_HELO:
	case V_EHLO:
		smtp_cmd_helo(s, &cmd);
		break;
	case V_MAIL:
		smtp_cmd_mail(s, &cmd);
		break;
	case V_RCPT:
		smtp_cmd_rcpt(s, &cmd);
		break;
	case V_DATA:
		smtp_cmd_data(s, &cmd);
		break;
	case V_BDAT:
		smtp_cmd_bdat(s, &cmd);
		break;
	case V_VRFY:
		smtp_cmd_vrfy(s, &cmd);
		break;
	case V_STARTTLS:
		smtp_cmd_starttls(s, &cmd);
		break;
	default:
		smtp_cmd_simple(s, &cmd);
		break;
	}
}

static void
smtp_cmd_simple(struct smtp_session *s, struct smtp_cmd *cmd)
{
	switch (cmd->verb) {
	case V_RSET:
		smtp_session_txn_reset(s, 1);
		smtp_session_reply(s, "250 2.0.0 Ok");
		break;
	case V_NOOP:
		smtp_session_reply(s, "250 2.0.0 Ok");
		break;
	case V_QUIT:
		smtp_session_reply(s, "221 2.0.0 Bye");
		smtp_session_close(s, "quit");
		break;
	case V_EXPN:
		smtp_session_fail(s, "502 5.5.1 EXPN not supported");
		break;
	case V_HELP:
		smtp_session_reply(s, "214 2.0.0 Commands: HELO EHLO MAIL "
		    "RCPT DATA BDAT RSET NOOP QUIT VRFY HELP");
		break;
	default:
		smtp_session_fail(s, "500 5.5.1 Command unrecognized");
		break;
	}
}

/* What tls-require lets through before TLS (RFC 3207 4). */
static int
smtp_session_tls_allowed(enum smtp_verb v)
{
	switch (v) {
	case V_EHLO:
	case V_STARTTLS:
	case V_NOOP:
	case V_RSET:
	case V_QUIT:
		return (1);
	default:
		return (0);
	}
}

static void
smtp_cmd_starttls(struct smtp_session *s, struct smtp_cmd *cmd)
{
	if (!(s->lflags & LF_TLS) || (s->flags & SF_SOCKET)) {
		smtp_session_fail(s, "502 5.5.1 STARTTLS not offered here");
		return;
	}
	if (s->flags & SF_TLS) {
		smtp_session_fail(s, "503 5.5.1 TLS already active");
		return;
	}
	if (s->msgid != 0) {
		smtp_session_fail(s, "503 5.5.1 STARTTLS inside a mail "
		    "transaction");
		return;
	}
	if ((s->tls_srv = smtp_tls_get(s->lindex)) == NULL) {
		smtp_session_fail(s, "454 4.7.0 TLS not available due to "
		    "temporary reason");
		return;
	}
	smtp_session_reply(s, "220 2.0.0 Ready to start TLS");
	s->flags |= SF_STARTTLS;
}

static void
smtp_cmd_helo(struct smtp_session *s, struct smtp_cmd *cmd)
{
	smtp_session_txn_reset(s, 1);
	(void)strlcpy(s->helo, cmd->arg, sizeof(s->helo));
	s->flags |= SF_HELO;
	if (cmd->verb == V_HELO) {
		s->flags &= ~SF_ESMTP;
		smtp_session_reply(s, "250 %s Hello %s [%s]", s->myname,
		    s->helo, s->src);
		return;
	}
	s->flags |= SF_ESMTP;
	smtp_session_reply(s, "250-%s Hello %s [%s]", s->myname, s->helo,
	    s->src);
	smtp_session_reply(s, "250-PIPELINING");
	if (smtp_auth_offered(s))
		smtp_session_reply(s, "250-AUTH PLAIN LOGIN");
	smtp_session_reply(s, "250-SIZE %llu",
	    (unsigned long long)s->lim.max_size);
	smtp_session_reply(s, "250-8BITMIME");
	smtp_session_reply(s, "250-ENHANCEDSTATUSCODES");
	smtp_session_reply(s, "250-SMTPUTF8");
	smtp_session_reply(s, "250-CHUNKING");
	if ((s->lflags & LF_TLS) && !(s->flags & (SF_TLS | SF_SOCKET)))
		smtp_session_reply(s, "250-STARTTLS");
	smtp_session_reply(s, "250 HELP");
}

static int
smtp_session_ascii(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return (0);
	return (1);
}

static void
smtp_cmd_mail(struct smtp_session *s, struct smtp_cmd *cmd)
{
	struct sender_req	 sreq;
	const char		*why;
	int			 r;

	if (!(s->flags & SF_HELO)) {
		smtp_session_fail(s, "503 5.5.1 Send HELO/EHLO first");
		return;
	}
	if ((why = smtp_auth_mail_refusal(s)) != NULL) {
		smtp_session_fail(s, "%s", why);
		return;
	}
	if (s->msgid != 0) {
		smtp_session_fail(s, "503 5.5.1 Nested MAIL command");
		return;
	}
	/* nothing of a MAIL that did not make a transaction */
	smtp_mailauth_free(s);
	if (s->nmails >= s->lim.max_mails) {
		smtp_session_reply(s, "421 4.7.0 %s Too many messages in "
		    "this session, closing connection", s->myname);
		smtp_session_close(s, "limit");
		return;
	}
	r = smtp_parse_mail_params(cmd->params, &s->mp);
	if (r == PARAM_OK && !(s->flags & SF_ESMTP) && *cmd->params != '\0')
		r = PARAM_UNKNOWN;
	if (r != PARAM_OK) {
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_session_fail(s, r == PARAM_UNKNOWN ?
		    "555 5.5.4 Unsupported MAIL parameter" :
		    "501 5.5.4 Syntax error in MAIL parameters");
		return;
	}
	if (!s->mp.smtputf8 && !smtp_session_ascii(cmd->path)) {
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_session_fail(s, "553 5.6.7 Non-ASCII address without "
		    "SMTPUTF8");
		return;
	}
	if (!mailaddr_utf8_valid(cmd->path)) {
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_session_fail(s, "553 5.1.7 Invalid UTF-8 in sender "
		    "address");
		return;
	}
	if (mailaddr_parse(&s->sender, cmd->path, s->mp.smtputf8) == -1 ||
	    (s->sender.user[0] != '\0' && s->sender.domain[0] == '\0')) {
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_session_fail(s, "501 5.1.7 Bad sender address syntax");
		return;
	}
	if (s->mp.has_size && s->mp.size > s->lim.max_size) {
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_session_fail(s, "552 5.3.4 Message size exceeds fixed "
		    "limit");
		return;
	}
	if ((s->flags & SF_AUTH) && s->senders[0] != '\0' &&
	    (s->lflags & LF_MASQUERADE) && s->sender.user[0] == '\0') {
		/* masquerade rewrites From: to MAIL FROM: <> leaves none */
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_session_fail(s, "553 5.7.1 The null sender cannot be "
		    "used here: From: is rewritten to the sender address");
		return;
	}
	if ((s->flags & SF_AUTH) && s->senders[0] != '\0' &&
	    s->sender.user[0] != '\0') {
		/* senders <table>: lka says whether the user owns it */
		memset(&sreq, 0, sizeof(sreq));
		sreq.reqid = smtp_session_reqid(s, W_SENDER);
		(void)strlcpy(sreq.table, s->senders, sizeof(sreq.table));
		(void)strlcpy(sreq.authuser, s->authuser,
		    sizeof(sreq.authuser));
		sreq.sender = s->sender;
		smtp_send_lka(IMSG_SMTP_CHECK_SENDER, &sreq, sizeof(sreq));
		return;
	}
	if (smtp_mailauth_wanted(s)) {
		/* SPF first (smtp_mailauth.c), then the queue */
		smtp_mailauth_mail(s);
		return;
	}
	smtp_session_mail_create(s);
}

/* MAIL accepted so far: ask the queue for a message. */
void
smtp_session_mail_create(struct smtp_session *s)
{
	struct msg_req	 req;

	memset(&req, 0, sizeof(req));
	req.reqid = smtp_session_reqid(s, W_CREATE);
	smtp_send_queue(IMSG_SMTP_MESSAGE_CREATE, &req, sizeof(req));
}

/* SENDER_RESULT from lka: the AUTH user may use this MAIL FROM or not. */
void
smtp_session_sender_result(const struct sender_reply *r)
{
	struct smtp_session	*s;
	char			 user[AUTH_USER_MAX * 4];

	if ((s = smtp_session_answered(r->reqid, W_SENDER)) == NULL)
		return;
	if (s->flags & SF_DEAD) {
		smtp_session_resume(s);
		return;
	}
	if (r->status == ST_OK) {
		smtp_session_mail_create(s);
		return;
	}
	memset(&s->sender, 0, sizeof(s->sender));
	memset(&s->mp, 0, sizeof(s->mp));
	/* the user name is escaped: no CR or LF reaches the reply */
	(void)log_escape(user, sizeof(user), s->authuser,
	    strlen(s->authuser));
	if (r->status == ST_PERMFAIL)
		smtp_session_fail(s, "553 5.7.1 Sender address not owned by "
		    "user %s", user);
	else
		smtp_session_fail(s, "451 4.3.0 Temporary failure, try again "
		    "later");
	smtp_session_resume(s);
}

static void
smtp_cmd_rcpt(struct smtp_session *s, struct smtp_cmd *cmd)
{
	int	 r;

	if (s->msgid == 0) {
		smtp_session_fail(s, "503 5.5.1 Need MAIL before RCPT");
		return;
	}
	if (s->flags & SF_BDAT) {
		smtp_session_fail(s, "503 5.5.1 RCPT after BDAT");
		return;
	}
	if (s->nrcpt >= s->lim.max_rcpt) {
		smtp_session_fail(s, "452 4.5.3 Too many recipients");
		return;
	}
	if ((r = smtp_parse_rcpt_params(cmd->params)) != PARAM_OK) {
		smtp_session_fail(s, r == PARAM_UNKNOWN ?
		    "555 5.5.4 Unsupported RCPT parameter" :
		    "501 5.5.4 Syntax error in RCPT parameters");
		return;
	}
	if (!s->mp.smtputf8 && !smtp_session_ascii(cmd->path)) {
		smtp_session_fail(s, "553 5.6.7 Non-ASCII address without "
		    "SMTPUTF8");
		return;
	}
	if (!mailaddr_utf8_valid(cmd->path)) {
		smtp_session_fail(s, "553 5.1.3 Invalid UTF-8 in recipient "
		    "address");
		return;
	}
	if (mailaddr_parse(&s->pending, cmd->path, s->mp.smtputf8) == -1 ||
	    s->pending.user[0] == '\0' ||
	    (s->pending.domain[0] == '\0' &&
	    strcasecmp(s->pending.user, "postmaster") != 0)) {
		smtp_session_fail(s, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	smtp_session_expand(s, &s->pending, W_RCPT);
}

/* Ask lka about a recipient (RCPT, or VRFY with msgid 0). */
static void
smtp_session_expand(struct smtp_session *s, const struct mailaddr *rcpt,
    enum smtp_wait wait)
{
	struct expand_req	 req;

	memset(&req, 0, sizeof(req));
	req.reqid = smtp_session_reqid(s, wait);
	req.msgid = wait == W_RCPT ? s->msgid : 0;
	if (s->flags & SF_LOCAL)
		req.flags |= EF_LOCAL;
	if (s->flags & SF_SOCKET)
		req.flags |= EF_SOCKET;
	if (s->flags & SF_AUTH)
		req.flags |= EF_AUTH;
	if (s->flags & SF_ESMTP)
		req.flags |= EF_ESMTP;
	if ((s->flags & SF_AUTH) && s->authuser[0] != '\0') {
		req.flags |= EF_AUTH;
		(void)strlcpy(req.authuser, s->authuser,
		    sizeof(req.authuser));
	}
	if (s->mp.smtputf8)
		req.flags |= EF_SMTPUTF8;
	if (s->mp.body == BODY_8BITMIME)
		req.flags |= EF_8BITMIME;
	req.peeruid = s->peeruid;
	(void)strlcpy(req.tag, s->tag, sizeof(req.tag));
	(void)strlcpy(req.helo, s->helo, sizeof(req.helo));
	(void)strlcpy(req.hostname, s->hostname, sizeof(req.hostname));
	(void)strlcpy(req.src, s->src, sizeof(req.src));
	req.ss = s->ss;
	if (wait == W_RCPT)
		req.sender = s->sender;
	req.rcpt = *rcpt;
	smtp_send_lka(IMSG_SMTP_EXPAND_RCPT, &req, sizeof(req));
}

static void
smtp_cmd_vrfy(struct smtp_session *s, struct smtp_cmd *cmd)
{
	if (!s->lim.vrfy) {
		smtp_session_reply(s, "252 2.5.2 Cannot VRFY user, but will "
		    "accept message and attempt delivery");
		return;
	}
	if (mailaddr_parse(&s->pending, cmd->arg, 0) == -1 ||
	    s->pending.user[0] == '\0') {
		smtp_session_fail(s, "501 5.1.3 Bad address syntax");
		return;
	}
	smtp_session_expand(s, &s->pending, W_VRFY);
}

static void
smtp_cmd_data(struct smtp_session *s, struct smtp_cmd *cmd)
{
	if (s->msgid == 0) {
		smtp_session_fail(s, "503 5.5.1 Need MAIL before DATA");
		return;
	}
	if (s->flags & SF_BDAT) {
		smtp_session_fail(s, "503 5.5.1 DATA after BDAT");
		return;
	}
	if (s->nrcpt == 0) {
		smtp_session_fail(s, "554 5.5.1 No valid recipients");
		return;
	}
	smtp_session_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	smtp_body_start(s, 0);
	(void)smtp_mailauth_body_start(s);
	s->phase = PH_DATA;
}

static void
smtp_cmd_bdat(struct smtp_session *s, struct smtp_cmd *cmd)
{
	s->bdat_left = cmd->bdat_size;
	s->bdat_last = cmd->bdat_last;
	s->bdat_error = NULL;
	s->phase = PH_BDAT;
	if (s->msgid == 0)
		s->bdat_error = "503 5.5.1 Need MAIL before BDAT";
	else if (s->nrcpt == 0)
		s->bdat_error = "554 5.5.1 No valid recipients";
	else if (s->body == NULL) {
		s->flags |= SF_BDAT;
		smtp_body_start(s, 1);
		(void)smtp_mailauth_body_start(s);
	}
	if (s->bdat_left == 0)
		smtp_session_bdat_done(s);
}

/* Body bytes (DATA or BDAT); 0 when more input is needed. */
static int
smtp_session_body_input(struct smtp_session *s)
{
	char	*data = io_data(s->io);
	size_t	 len = io_datalen(s->io), used;

	if (len == 0)
		return (0);
	if (s->phase == PH_DATA) {
		used = smtp_body_feed(s, data, len);
		io_drop(s->io, used);
		if (smtp_body_done(s)) {
			s->phase = PH_CMD;
			smtp_session_body_done(s);
		}
		return (1);
	}
	if (len > s->bdat_left)
		len = (size_t)s->bdat_left;
	if (s->bdat_error == NULL)
		(void)smtp_body_feed(s, data, len);
	io_drop(s->io, len);
	s->bdat_left -= len;
	if (s->bdat_left == 0)
		smtp_session_bdat_done(s);
	return (1);
}

static void
smtp_session_bdat_done(struct smtp_session *s)
{
	s->phase = PH_CMD;
	(void)snprintf(s->cmdtext, sizeof(s->cmdtext), "BDAT%s",
	    s->bdat_last ? " LAST" : "");
	if (s->bdat_error != NULL) {
		smtp_session_fail(s, "%s", s->bdat_error);
		s->bdat_error = NULL;
		return;
	}
	if (!s->bdat_last) {
		smtp_session_reply(s, "250 2.0.0 %llu bytes received",
		    (unsigned long long)smtp_body_size(s));
		return;
	}
	smtp_session_body_done(s);
}

/* The whole body is in: refuse it, or go on to commit it. */
static void
smtp_session_body_done(struct smtp_session *s)
{
	const char	*err;
	uint64_t	 size;

	err = smtp_body_finish(s, &size);
	s->msgsize = size;
	smtp_body_free(s);
	if (err != NULL) {
		smtp_stats.rejected++;
		smtp_session_fail(s, "%s", err);
		smtp_session_txn_reset(s, 1);
		return;
	}
	/* the queue owns the file now: our descriptor is not needed */
	close(s->msgfd);
	s->msgfd = -1;
	smtp_session_body_stored(s);
}

/*
 * The steps between the stored body and the commit (see the .h):
 * mail-auth's verdict (smtp_mailauth.c), then the commit.
 */
void
smtp_session_body_stored(struct smtp_session *s)
{
	/* inbound checks first: they come back here when done */
	if (smtp_mailauth_step(s))
		return;
	if (smtp_dkim_sign(s))
		return;		/* it commits, or fails, when done */
	smtp_session_commit(s);
}

int
smtp_session_prefix_add(struct smtp_session *s, const char *text,
    size_t len)
{
	if (len == 0 || len > MSG_PREFIX_MAX - s->prefixlen ||
	    !msg_prefix_valid(text, len))
		return (-1);
	s->prefix = xreallocarray(s->prefix, s->prefixlen + len, 1);
	memcpy(s->prefix + s->prefixlen, text, len);
	s->prefixlen += len;
	return (0);
}

void
smtp_session_set_quarantine(struct smtp_session *s)
{
	s->commit_flags |= EF_QUARANTINE;
}

/*
 * Commit the message: IMSG_SMTP_MESSAGE_COMMIT, or, with a prefix or
 * flags, IMSG_SMTP_MESSAGE_COMMIT_PREFIX (struct msg_commit and the
 * text, one imsg).  The size is what smtp wrote: the queue checks it
 * before it puts the prefix in.
 */
void
smtp_session_commit(struct smtp_session *s)
{
	struct msg_commit	 mc;
	char			*buf;

	memset(&mc, 0, sizeof(mc));
	mc.req.reqid = smtp_session_reqid(s, W_COMMIT);
	mc.req.msgid = s->msgid;
	mc.req.size = s->msgsize;
	if (s->prefixlen == 0 && s->commit_flags == 0) {
		smtp_send_queue(IMSG_SMTP_MESSAGE_COMMIT, &mc.req,
		    sizeof(mc.req));
		return;
	}
	mc.flags = s->commit_flags;
	mc.len = (uint32_t)s->prefixlen;
	buf = xmalloc(sizeof(mc) + s->prefixlen);
	memcpy(buf, &mc, sizeof(mc));
	if (s->prefixlen > 0)
		memcpy(buf + sizeof(mc), s->prefix, s->prefixlen);
	smtp_send_queue(IMSG_SMTP_MESSAGE_COMMIT_PREFIX, buf,
	    sizeof(mc) + s->prefixlen);
	free(buf);
}

/* Forget the transaction; tell the queue to drop it when rollback. */
void
smtp_session_txn_reset(struct smtp_session *s, int rollback)
{
	struct msg_req	 req;

	if (s->msgid != 0 && rollback) {
		memset(&req, 0, sizeof(req));
		req.reqid = (s->id << 16) | ++s->reqctr;
		req.msgid = s->msgid;
		smtp_send_queue(IMSG_SMTP_MESSAGE_ROLLBACK, &req, sizeof(req));
	}
	if (s->msgfd != -1)
		close(s->msgfd);
	s->msgfd = -1;
	s->msgid = 0;
	s->nrcpt = 0;
	s->flags &= ~SF_BDAT;
	smtp_body_free(s);
	smtp_dkim_free(s);
	dkim_msg_free(s->dkim);
	s->dkim = NULL;
	s->dkim_flags = 0;	/* mail-auth sets VERIFY again at MAIL */
	free(s->prefix);
	s->prefix = NULL;
	s->prefixlen = 0;
	s->commit_flags = 0;
	s->dkim_log[0] = '\0';
	smtp_mailauth_free(s);
	memset(&s->sender, 0, sizeof(s->sender));
	memset(&s->rcpt, 0, sizeof(s->rcpt));
	memset(&s->mp, 0, sizeof(s->mp));
}

static void
smtp_session_vreply(struct smtp_session *s, const char *fmt, va_list ap)
{
	if (s->io == NULL || (s->flags & (SF_CLOSING | SF_HANDSHAKE)))
		return;
	if (io_vprintf(s->io, fmt, ap) == -1 ||
	    io_write(s->io, "\r\n", 2) == -1) {
		/* the client does not read its replies */
		smtp_session_close(s, "error");
	}
}

void
smtp_session_reply(struct smtp_session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	smtp_session_vreply(s, fmt, ap);
	va_end(ap);
}

/*
 * A failed command: reply, log it for fail2ban, count 5xx towards
 * max_errors.
 */
void
smtp_session_fail(struct smtp_session *s, const char *fmt, ...)
{
	char	 buf[ERRLINE_MAX], esc[ERRLINE_MAX * 2];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)log_escape(esc, sizeof(esc), buf, strlen(buf));
	log_info("%016llx smtp failed-command address=%s command=\"%s\" "
	    "result=\"%s\"", (unsigned long long)s->id, s->src, s->cmdtext,
	    esc);
	smtp_session_reply(s, "%s", buf);
	if (buf[0] != '5' || s->flags & SF_CLOSING)
		return;
	if (++s->nerrors >= s->lim.max_errors) {
		smtp_session_reply(s, "421 4.7.0 %s Too many errors, closing "
		    "connection", s->myname);
		smtp_session_close(s, "limit");
	}
}

/* Stop reading; release once the replies are written. */
void
smtp_session_close(struct smtp_session *s, const char *reason)
{
	if (s->flags & SF_CLOSING)
		return;
	s->flags |= SF_CLOSING;
	s->reason = reason;
	io_pause_read(s->io, 1);
	io_set_timeout(s->io, 10 * 1000);
	log_info("%016llx smtp disconnected address=%s reason=%s",
	    (unsigned long long)s->id, s->src, reason);
}

/* The connection goes; the session too unless an answer is awaited. */
static void
smtp_session_release(struct smtp_session *s)
{
	if (!(s->flags & SF_CLOSING))
		smtp_session_close(s, "error");
	io_free(s->io);
	s->io = NULL;
	if (s->wait != W_NONE) {
		s->flags |= SF_DEAD;
		smtp_mailauth_cancel(s);
		return;
	}
	smtp_session_free(s);
}

static void
smtp_session_free(struct smtp_session *s)
{
	smtp_session_txn_reset(s, 1);
	smtp_auth_free(s);
	io_free(s->io);
	smtp_tls_put(s->tls_srv);
	RB_REMOVE(smtp_tree, &smtp_sessions, s);
	smtp_limit_release(&s->ss);
	smtp_stats.active--;
	free(s);
}

/* A reply text from a peer, used verbatim: "ddd d.d.d text". */
static int
smtp_session_valid_reply(const char *t)
{
	size_t	 i;

	if (strlen(t) < 10 || (t[0] != '4' && t[0] != '5') ||
	    t[3] != ' ' || t[4] != t[0] || t[5] != '.')
		return (0);
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return (0);
	return (1);
}

void
smtp_session_created(const struct msg_reply *r, int fd)
{
	struct smtp_session	*s;

	if ((s = smtp_session_lookup(r->reqid)) != NULL &&
	    s->wait != W_CREATE)
		fatalx("smtp: MESSAGE_CREATED out of sequence");
	if (s == NULL || (s->flags & SF_DEAD)) {
		if (fd != -1) {
			close(fd);
			smtp_send_queue(IMSG_SMTP_MESSAGE_ROLLBACK,
			    &(struct msg_req){ r->reqid, r->msgid, 0 },
			    sizeof(struct msg_req));
		}
		if (s != NULL) {
			s->wait = W_NONE;
			smtp_session_resume(s);
		}
		return;
	}
	s->wait = W_NONE;
	if (r->status == ST_OK) {
		if (fd == -1 || r->msgid == 0)
			fatalx("smtp: MESSAGE_CREATED without fd or msgid");
		s->msgid = r->msgid;
		s->msgfd = fd;
		s->nmails++;
		smtp_session_reply(s, "250 2.1.0 Ok");
	} else {
		if (fd != -1)
			close(fd);
		memset(&s->sender, 0, sizeof(s->sender));
		memset(&s->mp, 0, sizeof(s->mp));
		smtp_session_fail(s, "%s", smtp_session_valid_reply(r->text) ?
		    r->text : "451 4.3.0 Temporary failure, try again later");
	}
	smtp_session_resume(s);
}

void
smtp_session_committed(const struct msg_reply *r)
{
	struct smtp_session	*s;
	char			 from[MAILADDR_MAX], esc[MAILADDR_MAX * 2];
	char			 user[AUTH_USER_MAX * 4];

	if ((s = smtp_session_lookup(r->reqid)) == NULL) {
		log_warnx("smtp: MESSAGE_COMMITTED for no session");
		return;
	}
	if (s->wait != W_COMMIT)
		fatalx("smtp: MESSAGE_COMMITTED out of sequence");
	s->wait = W_NONE;
	(void)strlcpy(s->cmdtext, s->flags & SF_BDAT ? "BDAT LAST" : "DATA",
	    sizeof(s->cmdtext));
	if (r->status != ST_OK || r->msgid != s->msgid) {
		smtp_stats.rejected++;
		smtp_session_fail(s, "%s", smtp_session_valid_reply(r->text) ?
		    r->text : "451 4.3.0 Temporary failure, try again later");
		smtp_session_txn_reset(s, 1);
		smtp_session_resume(s);
		return;
	}
	smtp_stats.accepted++;
	if (mailaddr_text(&s->sender, from, sizeof(from)) == -1)
		from[0] = '\0';
	(void)log_escape(esc, sizeof(esc), from, strlen(from));
	(void)log_escape(user, sizeof(user), s->authuser,
	    strlen(s->authuser));
	log_info("%016llx smtp message msgid=%08x size=%llu nrcpt=%zu "
	    "proto=%s from=<%s> tls=%s auth=%s%s%s%s",
	    (unsigned long long)s->id, s->msgid,
	    (unsigned long long)s->msgsize, s->nrcpt, smtp_session_proto(s),
	    esc, s->flags & SF_TLS ? s->tlsinfo : "no",
	    s->flags & SF_AUTH ? user : "no",
	    s->dkim_log[0] != '\0' ? " dkim-sign=" : "", s->dkim_log,
	    smtp_mailauth_log(s));
	smtp_session_reply(s, "250 2.0.0 %08x Message accepted for delivery",
	    s->msgid);
	smtp_session_txn_reset(s, 0);
	smtp_session_resume(s);
}

/* RCPT_OK (ok set) from the queue, or RCPT_FAIL from lka. */
void
smtp_session_rcpt_result(const struct rcpt_reply *r, int ok)
{
	struct smtp_session	*s;

	if ((s = smtp_session_answered(r->reqid, W_RCPT)) == NULL)
		return;
	if (ok) {
		smtp_stats.rcpt_ok++;
		if (s->nrcpt++ == 0)
			s->rcpt = s->pending;
		smtp_session_reply(s, "250 2.1.5 Ok");
	} else {
		smtp_stats.rcpt_fail++;
		smtp_session_fail(s, "%s", smtp_session_valid_reply(r->text) ?
		    r->text : "451 4.3.0 Temporary failure, try again later");
	}
	smtp_session_resume(s);
}

/* VRFY_RESULT from lka: ST_OK if the user exists. */
void
smtp_session_vrfy_result(const struct rcpt_reply *r)
{
	struct smtp_session	*s;
	char			 addr[MAILADDR_MAX];

	if ((s = smtp_session_answered(r->reqid, W_VRFY)) == NULL)
		return;
	if (r->status == ST_OK) {
		if (mailaddr_text(&s->pending, addr, sizeof(addr)) == -1)
			addr[0] = '\0';
		smtp_session_reply(s, "250 2.1.5 <%s>", addr);
	} else
		smtp_session_fail(s, "%s", smtp_session_valid_reply(r->text) ?
		    r->text : "550 5.1.1 Recipient address rejected");
	smtp_session_resume(s);
}

/* The session an answer is for, no longer waiting; NULL if it is gone. */
static struct smtp_session *
smtp_session_answered(uint64_t reqid, enum smtp_wait want)
{
	struct smtp_session	*s;

	if ((s = smtp_session_lookup(reqid)) == NULL) {
		log_warnx("smtp: recipient answer for no session");
		return (NULL);
	}
	if (s->wait != want)
		fatalx("smtp: recipient answer out of sequence");
	s->wait = W_NONE;
	return (s);
}
