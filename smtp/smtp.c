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
 * smtp.c -- the smtp process: listeners, and its imsg channels to the
 * queue, lka and control.  The SMTP protocol is in smtp_session.c, the
 * outbound side (relayed mail: the mta) in mta.c and mta_session.c.
 *
 * SECURITY: the smtp process faces the network.  It gets its listening
 * sockets from the parent, then chroots to an empty directory, runs as
 * _cartero-smtp and applies SANDBOX_SMTP (stdio, accept, sockets; the
 * mta opens its own TCP connections).  It holds no file but the message
 * files the queue hands it: write-only, one per transaction received,
 * and read-only for the mta, one per message being relayed.  It cannot make envelopes: lka sends them to the
 * queue.  Answers from peers are checked (their shape by the imsg
 * validators before any handler, request ids here): a bad one is a bug in
 * a trusted process, hence fatalx.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* accept4 */
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tls.h>
#include <unistd.h>

#include "imsg.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "tls_compat.h"
#include "util.h"
#include "smtpd.h"
#include "mailauth.h"
#include "smtp_session.h"
#include "smtp_auth.h"
#include "mta.h"

#define SMTP_ACCEPT_BACKOFF	1	/* seconds, when out of fds */

struct smtp_sock {
	uint32_t	 index;		/* in env->listeners */
	int		 fd;
	struct event	 ev;
};

static struct smtp_sock	*smtp_socks;
static size_t		 smtp_nsocks;
static int		 smtp_paused;
static int		 smtp_started;
static struct event	 smtp_backoff_ev;

static void	smtp_configured(void);
static void	smtp_ready(void);
static void	smtp_reload(void *);
static void	smtp_listener(uint32_t, int);
static void	smtp_accept_enable(int);
static void	smtp_accept(int, short, void *);
static void	smtp_backoff(int, short, void *);
static void	smtp_refuse(int, const char *);
static const struct listener *smtp_listener_find(uint32_t);
static void	smtp_imsg_created(struct peer *, struct imsg *);
static void	smtp_imsg_committed(struct peer *, struct imsg *);
static void	smtp_imsg_rcpt_ok(struct peer *, struct imsg *);
static void	smtp_imsg_rcpt_fail(struct peer *, struct imsg *);
static void	smtp_imsg_vrfy_result(struct peer *, struct imsg *);
static void	smtp_imsg_sender_result(struct peer *, struct imsg *);
static void	smtp_imsg_auth_result(struct peer *, struct imsg *);
static void	smtp_imsg_spf_result(struct peer *, struct imsg *);
static void	smtp_imsg_mailauth_result(struct peer *, struct imsg *);
static void	smtp_imsg_pause(struct peer *, struct imsg *);
static void	smtp_imsg_stats(struct peer *, struct imsg *);
static void	smtp_imsg_tls_file(struct peer *, struct imsg *);
static void	smtp_ctl_line(struct peer *, uint32_t, const char *,
		    uint64_t);

static const struct imsg_handler smtp_queue_handlers[] = {
	{ IMSG_QUEUE_MESSAGE_CREATED,	smtp_imsg_created },
	{ IMSG_QUEUE_MESSAGE_COMMITTED,	smtp_imsg_committed },
	{ IMSG_QUEUE_RCPT_OK,		smtp_imsg_rcpt_ok },
	{ IMSG_QUEUE_MTA_DELIVER,	mta_imsg_deliver },
};

static const struct imsg_handler smtp_lka_handlers[] = {
	{ IMSG_LKA_RCPT_FAIL,		smtp_imsg_rcpt_fail },
	{ IMSG_LKA_VRFY_RESULT,		smtp_imsg_vrfy_result },
	{ IMSG_LKA_SENDER_RESULT,	smtp_imsg_sender_result },
	{ IMSG_LKA_AUTH_RESULT,		smtp_imsg_auth_result },
	{ IMSG_LKA_ROUTE,		mta_imsg_route },
	{ IMSG_LKA_CREDS,		mta_imsg_creds },
	{ IMSG_LKA_SPF_RESULT,		smtp_imsg_spf_result },
	{ IMSG_LKA_MAILAUTH_RESULT,	smtp_imsg_mailauth_result },
};

static const struct imsg_handler smtp_control_handlers[] = {
	{ IMSG_CTL_PAUSE,		smtp_imsg_pause },
	{ IMSG_CTL_RESUME,		smtp_imsg_pause },
	{ IMSG_CTL_SHOW_STATS,		smtp_imsg_stats },
	{ IMSG_CTL_SHOW_HOSTS,		mta_imsg_show_hosts },
	{ IMSG_CTL_SHOW_ROUTES,		mta_imsg_show_routes },
};

static const struct imsg_handler smtp_parent_handlers[] = {
	{ IMSG_CONF_PKI_CERT,		smtp_imsg_tls_file },
	{ IMSG_CONF_CA,			smtp_imsg_tls_file },
};

/* answers come synchronously (keyproxy.c); late ones are dropped here */
static const struct imsg_handler smtp_signer_handlers[] = {
	{ IMSG_SIGNER_RESULT,		keyproxy_imsg_result },
	{ IMSG_SIGNER_DKIM_RESULT,	smtp_dkim_imsg_result },
};

static const struct proc_handlers smtp_peers[] = {
	PROC_HANDLERS(PROC_PARENT, smtp_parent_handlers),
	PROC_HANDLERS(PROC_QUEUE, smtp_queue_handlers),
	PROC_HANDLERS(PROC_LKA, smtp_lka_handlers),
	PROC_HANDLERS(PROC_CONTROL, smtp_control_handlers),
	PROC_HANDLERS(PROC_SIGNER, smtp_signer_handlers),
};

static const struct proc_child smtp_ops = {
	.id = PROC_SMTP,
	.configured = smtp_configured,
	.ready = smtp_ready,
	.reload = smtp_reload,
	.listener = smtp_listener,
	.peers = smtp_peers,
	.npeers = nitems(smtp_peers),
};

void
smtp_main(void)
{
	/* before any certificate is parsed: private keys are the signer's */
	if (keyproxy_init(IMSG_SIGNER_REQUEST, IMSG_SIGNER_RESULT,
	    KEYPROXY_TIMEOUT_MS) == -1)
		fatalx("smtp: keyproxy_init");
	child_run(&smtp_ops);
}

static void
smtp_listener(uint32_t index, int fd)
{
	struct smtp_sock	*ls;

	if (smtp_listener_find(index) == NULL)
		fatalx("smtp: listening socket for unknown listener %u",
		    index);
	if (fd_set_nonblock(fd) == -1 || fd_set_cloexec(fd) == -1)
		fatal("smtp: listener %u", index);
	smtp_socks = xreallocarray(smtp_socks, smtp_nsocks + 1,
	    sizeof(*smtp_socks));
	ls = &smtp_socks[smtp_nsocks++];
	memset(ls, 0, sizeof(*ls));
	ls->index = index;
	ls->fd = fd;
}

static const struct listener *
smtp_listener_find(uint32_t index)
{
	const struct listener	*l;

	TAILQ_FOREACH(l, &env->listeners, entry)
		if (l->index == index)
			return (l);
	return (NULL);
}

static void
smtp_configured(void)
{
	char	 path[PATH_MAX];
	int	 n;

	n = snprintf(path, sizeof(path), "%s/%s", env->rundir,
	    SMTPD_EMPTYDIR);
	if (n < 0 || (size_t)n >= sizeof(path))
		fatalx("smtp: rundir too long");
	/* libcrypto reads its configuration now, not in the chroot */
	if (tls_init() == -1)
		fatalx("smtp: tls_init");
	tls_compat_init();
	/* the mta's CA bundle, before the chroot */
	mta_configured();
	privsep_drop(SMTPD_USER_SMTP, path);
	smtpd_sandbox(SANDBOX_SMTP);
}

static void
smtp_ready(void)
{
	size_t	 i;

	if (child_peer(PROC_QUEUE) == NULL || child_peer(PROC_LKA) == NULL ||
	    child_peer(PROC_SIGNER) == NULL)
		fatalx("smtp: no link to the queue, lka or signer");
	keyproxy_set_signer(child_peer(PROC_SIGNER));
	for (i = 0; i < smtp_nsocks; i++)
		event_set(&smtp_socks[i].ev, smtp_socks[i].fd,
		    EV_READ | EV_PERSIST, smtp_accept, &smtp_socks[i]);
	evtimer_set(&smtp_backoff_ev, smtp_backoff, NULL);
	mta_init();
	if (smtp_tls_configure() > 0)
		fatalx("smtp: TLS listeners without a certificate");
	smtp_started = 1;
	smtp_accept_enable(1);
	log_debug("smtp: %zu listening sockets", smtp_nsocks);
}

/* New limits apply to sessions that start after the reload. */
static void
smtp_reload(void *old)
{
	size_t	 i;

	/* new certificates for new sessions; running ones keep theirs */
	mta_reload();
	if (smtp_tls_configure() > 0)
		log_warnx("smtp: some TLS listeners have no certificate: "
		    "STARTTLS answers 454 there, smtps closes");
	for (i = 0; i < smtp_nsocks; i++)
		if (smtp_listener_find(smtp_socks[i].index) == NULL)
			log_warnx("smtp: listener %u is gone from the "
			    "configuration: restart to close it",
			    smtp_socks[i].index);
}

static void
smtp_accept_enable(int on)
{
	size_t	 i;

	if (!smtp_started)
		return;
	for (i = 0; i < smtp_nsocks; i++) {
		if (on)
			event_add(&smtp_socks[i].ev, NULL);
		else
			event_del(&smtp_socks[i].ev);
	}
}

static void
smtp_backoff(int fd, short ev, void *arg)
{
	smtp_accept_enable(1);
}

/* Best effort: one reply on a new socket, then close it. */
static void
smtp_refuse(int fd, const char *reply)
{
	smtp_stats.refused++;
	(void)send(fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
smtp_accept(int fd, short ev, void *arg)
{
	struct smtp_sock	*ls = arg;
	const struct listener	*l;
	struct sockaddr_storage	 ss;
	struct listener		 gone;
	struct timeval		 tv = { SMTP_ACCEPT_BACKOFF, 0 };
	const char		*reply;
	socklen_t		 len = sizeof(ss);
	int			 s;

	memset(&ss, 0, sizeof(ss));
	s = accept4(fd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			log_warn("smtp: accept");
			smtp_accept_enable(0);
			evtimer_add(&smtp_backoff_ev, &tv);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED && errno != EWOULDBLOCK)
			log_warn("smtp: accept");
		return;
	}
	if ((l = smtp_listener_find(ls->index)) == NULL) {
		memset(&gone, 0, sizeof(gone));
		gone.index = ls->index;
		l = &gone;
	}
	if (ss.ss_family == AF_UNIX || l->kind == L_SOCKET)
		ss.ss_family = AF_UNIX;
	if (smtp_paused) {
		smtp_refuse(s, "421 4.3.2 Service paused, try again later\r\n");
		return;
	}
	if ((reply = smtp_limit_admit(&ss)) != NULL) {
		smtp_refuse(s, reply);
		return;
	}
	smtp_session_accept(s, &ss, l);
}

void
smtp_send_queue(uint32_t type, const void *data, size_t len)
{
	struct peer	*p;

	if ((p = child_peer(PROC_QUEUE)) == NULL)
		fatalx("smtp: no link to the queue");
	(void)peer_compose(p, type, 0, 0, -1, data, len);
}

void
smtp_send_lka(uint32_t type, const void *data, size_t len)
{
	struct peer	*p;

	if ((p = child_peer(PROC_LKA)) == NULL)
		fatalx("smtp: no link to lka");
	(void)peer_compose(p, type, 0, 0, -1, data, len);
}

static void
smtp_imsg_created(struct peer *p, struct imsg *imsg)
{
	struct msg_reply	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_session_created(&r, imsg_get_fd(imsg));
}

static void
smtp_imsg_committed(struct peer *p, struct imsg *imsg)
{
	struct msg_reply	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_session_committed(&r);
}

static void
smtp_imsg_rcpt_ok(struct peer *p, struct imsg *imsg)
{
	struct rcpt_reply	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_session_rcpt_result(&r, 1);
}

static void
smtp_imsg_rcpt_fail(struct peer *p, struct imsg *imsg)
{
	struct rcpt_reply	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_session_rcpt_result(&r, 0);
}

static void
smtp_imsg_vrfy_result(struct peer *p, struct imsg *imsg)
{
	struct rcpt_reply	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_session_vrfy_result(&r);
}

static void
smtp_imsg_sender_result(struct peer *p, struct imsg *imsg)
{
	struct sender_reply	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_session_sender_result(&r);
}

static void
smtp_imsg_auth_result(struct peer *p, struct imsg *imsg)
{
	struct auth_result	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_auth_result(&r);
}

static void
smtp_imsg_spf_result(struct peer *p, struct imsg *imsg)
{
	struct mailauth_spf_reply	 r;

	imsg_payload(imsg, &r, sizeof(r));
	smtp_mailauth_spf_result(&r);
}

/* The reply is large (the field): not on the stack twice. */
static void
smtp_imsg_mailauth_result(struct peer *p, struct imsg *imsg)
{
	struct mailauth_reply	*r;

	r = xmalloc(sizeof(*r));
	imsg_payload(imsg, r, sizeof(*r));
	smtp_mailauth_result(r);
	free(r);
}

/* pause/resume smtp|all: stop or start accepting connections. */
static void
smtp_imsg_pause(struct peer *p, struct imsg *imsg)
{
	struct ctl_what	 w;
	int		 pause = imsg_get_type(imsg) == IMSG_CTL_PAUSE;

	imsg_payload(imsg, &w, sizeof(w));
	if (strcmp(w.what, "smtp") == 0 || strcmp(w.what, "all") == 0) {
		if (smtp_paused != pause)
			log_info("smtp %s", pause ? "paused" : "resumed");
		smtp_paused = pause;
	}
	(void)peer_compose(p, IMSG_CTL_OK, imsg_get_id(imsg), 0, -1,
	    NULL, 0);
}

static void
smtp_ctl_line(struct peer *p, uint32_t id, const char *key, uint64_t v)
{
	char	 buf[128];
	int	 n;

	n = snprintf(buf, sizeof(buf), "smtp.%s=%llu", key,
	    (unsigned long long)v);
	if (n < 0 || (size_t)n >= sizeof(buf))
		fatalx("smtp_ctl_line");
	(void)peer_compose(p, IMSG_CTL_LINE, id, 0, -1, buf, (size_t)n + 1);
}

static void
smtp_imsg_stats(struct peer *p, struct imsg *imsg)
{
	uint32_t	 id = imsg_get_id(imsg);

	smtp_ctl_line(p, id, "sessions.active", smtp_stats.active);
	smtp_ctl_line(p, id, "sessions.total", smtp_stats.total);
	smtp_ctl_line(p, id, "sessions.refused", smtp_stats.refused);
	smtp_ctl_line(p, id, "sessions.timeout", smtp_stats.timeouts);
	smtp_ctl_line(p, id, "messages.accepted", smtp_stats.accepted);
	smtp_ctl_line(p, id, "messages.rejected", smtp_stats.rejected);
	smtp_ctl_line(p, id, "recipients.accepted", smtp_stats.rcpt_ok);
	smtp_ctl_line(p, id, "recipients.rejected", smtp_stats.rcpt_fail);
	smtp_ctl_line(p, id, "tls.handshakes", smtp_stats.tls);
	smtp_ctl_line(p, id, "tls.resumed", smtp_stats.tls_resumed);
	smtp_ctl_line(p, id, "tls.failed", smtp_stats.tls_failed);
	smtp_ctl_line(p, id, "paused", (uint64_t)smtp_paused);
	(void)peer_compose(p, IMSG_CTL_END, id, 0, -1, NULL, 0);
}

/* A certificate file from the parent, before the configuration text. */
static void
smtp_imsg_tls_file(struct peer *p, struct imsg *imsg)
{
	struct pki_msg	 m;

	imsg_payload(imsg, &m, sizeof(m));
	smtp_tls_file(imsg_get_type(imsg) == IMSG_CONF_CA, m.name,
	    imsg_get_fd(imsg));
}
