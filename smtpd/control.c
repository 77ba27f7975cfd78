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
 * control.c -- the control process: smtpctl's door into smtpd.
 *
 * SECURITY
 *	control runs as SMTPD_USER_CONTROL, chrooted to the empty directory,
 *	under the SANDBOX_CONTROL seccomp profile (stdio, unix sockets,
 *	accept).  It owns no files: the parent binds rundir/control.sock
 *	(mode 0666) and passes the listening socket.  Every client is
 *	untrusted: its uid comes from SO_PEERCRED at accept.  Any local
 *	user may list the queue (mailq, read-only, as Postfix allows by
 *	default); every other command needs uid 0.  Users other than root
 *	hold at most CONTROL_MAXPERUID connections each and never the last
 *	CONTROL_ROOTSLOTS, so that they cannot lock root out.  A malformed
 *	message closes that client (the peer layer), never this process.
 *	control forwards a validated command to the process that serves it,
 *	tagged with a client id it chose, and relays the answers back;
 *	answers for a client that went away are dropped.  At most
 *	CONTROL_MAXCLIENTS clients, each closed after CONTROL_TIMEOUT
 *	seconds of silence, each with one command at a time.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* struct ucred, accept4 */
#endif

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "smtpd.h"
#include "util.h"

#define CONTROL_MAXCLIENTS	64
#define CONTROL_ROOTSLOTS	8	/* of those, kept for root */
#define CONTROL_MAXPERUID	4	/* per user other than root */
#define CONTROL_TIMEOUT		60	/* seconds without traffic */

struct ctl_client {
	struct peer		 peer;
	TAILQ_ENTRY(ctl_client)	 entry;
	uint32_t		 id;		/* peerid towards processes */
	uid_t			 uid;
	struct event		 timer;
	uint32_t		 cmd;		/* request being served */
	int			 pending;	/* terminal answers awaited */
	int			 failed;
	char			 fail[ERRLINE_MAX];
};

/* Who serves each command; 0: decided by the payload (pause/resume). */
static const struct control_route {
	uint32_t	 type;
	const char	*name;
	uint32_t	 to;
} control_routes[] = {
	{ IMSG_CTL_SHOW_QUEUE,	"show-queue",	PROC_BIT(PROC_QUEUE) },
	{ IMSG_CTL_SHOW_STATS,	"show-stats",
	    PROC_BIT(PROC_QUEUE) | PROC_BIT(PROC_SMTP) },
	{ IMSG_CTL_SCHEDULE,	"schedule",	PROC_BIT(PROC_QUEUE) },
	{ IMSG_CTL_REMOVE,	"remove",	PROC_BIT(PROC_QUEUE) },
	{ IMSG_CTL_PAUSE,	"pause",	0 },
	{ IMSG_CTL_RESUME,	"resume",	0 },
	{ IMSG_CTL_LOG_VERBOSE,	"log",		PROC_BIT(PROC_PARENT) },
	{ IMSG_CTL_RELOAD,	"reload",	PROC_BIT(PROC_PARENT) },
	{ IMSG_CTL_STOP,	"stop",		PROC_BIT(PROC_PARENT) },
	{ IMSG_CTL_SANDBOX,	"sandbox-test",	PROC_BIT(PROC_PARENT) },
	{ IMSG_CTL_SHOW_HOSTS,	"show-hosts",	PROC_BIT(PROC_SMTP) },
	{ IMSG_CTL_SHOW_ROUTES,	"show-routes",	PROC_BIT(PROC_SMTP) },
};

union control_payload {
	struct ctl_id	 id;
	struct ctl_what	 what;
	int		 verbose;
};

static TAILQ_HEAD(, ctl_client)	 control_clients =
    TAILQ_HEAD_INITIALIZER(control_clients);
static size_t			 control_nclients;
static uint32_t			 control_lastid;
static uint64_t			 control_ncommands;
static uint64_t			 control_started;
static int			 control_fd = -1;
static struct event		 control_ev;
static struct event		 control_pause_ev;

static void	control_configured(void);
static void	control_ready(void);
static void	control_listener(uint32_t, int);
static void	control_accept(int, short, void *);
static void	control_resume_accept(int, short, void *);
static void	control_refuse(int, const char *);
static const char *control_admit(uid_t);
static uint32_t	control_newid(void);
static struct ctl_client *control_find(uint32_t);
static void	control_touch(struct ctl_client *);
static void	control_timeout(int, short, void *);
static void	control_closed(struct peer *);
static void	control_fail(struct ctl_client *, const char *);
static const struct control_route *control_route(uint32_t);
static int	control_check(struct ctl_client *, uint32_t,
		    union control_payload *, uint32_t *);
static void	control_log(struct ctl_client *, const char *, uint32_t,
		    const union control_payload *);
static void	control_forward(struct ctl_client *, uint32_t, uint32_t,
		    const union control_payload *, size_t);
static void	control_finish(struct ctl_client *, uint32_t);
static void	control_stats(struct ctl_client *);
static size_t	control_redact(char *);
static void	control_imsg_request(struct peer *, struct imsg *);
static void	control_imsg_answer(struct peer *, struct imsg *);

static const struct imsg_handler control_client_handlers[] = {
	{ IMSG_CTL_SHOW_QUEUE,	control_imsg_request },
	{ IMSG_CTL_SHOW_STATS,	control_imsg_request },
	{ IMSG_CTL_SCHEDULE,	control_imsg_request },
	{ IMSG_CTL_REMOVE,	control_imsg_request },
	{ IMSG_CTL_PAUSE,	control_imsg_request },
	{ IMSG_CTL_RESUME,	control_imsg_request },
	{ IMSG_CTL_LOG_VERBOSE,	control_imsg_request },
	{ IMSG_CTL_RELOAD,	control_imsg_request },
	{ IMSG_CTL_STOP,	control_imsg_request },
	{ IMSG_CTL_SANDBOX,	control_imsg_request },
	{ IMSG_CTL_SHOW_HOSTS,	control_imsg_request },
	{ IMSG_CTL_SHOW_ROUTES,	control_imsg_request },
};

static const struct imsg_handler control_answer_handlers[] = {
	{ IMSG_CTL_LINE,	control_imsg_answer },
	{ IMSG_CTL_OK,		control_imsg_answer },
	{ IMSG_CTL_FAIL,	control_imsg_answer },
	{ IMSG_CTL_END,		control_imsg_answer },
};

static const struct proc_handlers control_peers[] = {
	PROC_HANDLERS(PROC_PARENT, control_answer_handlers),
	PROC_HANDLERS(PROC_QUEUE, control_answer_handlers),
	PROC_HANDLERS(PROC_SMTP, control_answer_handlers),
};

void
control_main(void)
{
	static const struct proc_child	 ops = {
		.id = PROC_CONTROL,
		.configured = control_configured,
		.ready = control_ready,
		.listener = control_listener,
		.peers = control_peers,
		.npeers = nitems(control_peers),
	};

	control_started = monotonic_ms();
	child_run(&ops);
}

static void
control_listener(uint32_t index, int fd)
{
	if (index != 0 || control_fd != -1)
		fatalx("control: unexpected listener %u", index);
	control_fd = fd;
}

static void
control_configured(void)
{
	char	 empty[PATH_MAX];

	if (snprintf(empty, sizeof(empty), "%s/%s", env->rundir,
	    SMTPD_EMPTYDIR) >= (int)sizeof(empty))
		fatalx("control: rundir path too long");
	privsep_drop(SMTPD_USER_CONTROL, empty);
	smtpd_sandbox(SANDBOX_CONTROL);
}

static void
control_ready(void)
{
	if (control_fd == -1)
		fatalx("control: no control socket from the parent");
	if (fd_set_nonblock(control_fd) == -1)
		fatal("control: fcntl");
	event_set(&control_ev, control_fd, EV_READ | EV_PERSIST,
	    control_accept, NULL);
	evtimer_set(&control_pause_ev, control_resume_accept, NULL);
	if (event_add(&control_ev, NULL) == -1)
		fatal("control: event_add");
}

static void
control_resume_accept(int fd, short ev, void *arg)
{
	if (event_add(&control_ev, NULL) == -1)
		fatal("control: event_add");
}

/* Best effort, never blocks: tell a client why it is closed. */
static void
control_refuse(int fd, const char *why)
{
	struct imsgbuf	 ibuf;

	if (imsgbuf_init(&ibuf, fd) == 0) {
		if (imsg_compose(&ibuf, IMSG_CTL_FAIL, 0, 0, -1, why,
		    strlen(why) + 1) != -1)
			(void)imsgbuf_write(&ibuf);
		imsgbuf_clear(&ibuf);
	}
	close(fd);
}

static void
control_accept(int fd, short ev, void *arg)
{
	struct timeval		 tv = { 1, 0 };
	struct ucred		 cred;
	struct ctl_client	*c;
	const char		*why;
	socklen_t		 len = sizeof(cred);
	int			 cfd;

	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("control: accept");
			event_del(&control_ev);
			evtimer_add(&control_pause_ev, &tv);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(cfd);
		return;
	}
	if ((why = control_admit(cred.uid)) != NULL) {
		log_warnx("control client uid=%u refused: %s",
		    (unsigned int)cred.uid, why);
		control_refuse(cfd, "too many smtpctl clients, try again");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->uid = cred.uid;
	c->id = control_newid();
	TAILQ_INSERT_TAIL(&control_clients, c, entry);
	control_nclients++;
	peer_init(&c->peer, PROC_CLIENT, cfd, control_client_handlers,
	    nitems(control_client_handlers), control_closed);
	c->peer.arg = c;
	evtimer_set(&c->timer, control_timeout, c);
	control_touch(c);
	log_debug("control client id=%u uid=%u connected", c->id,
	    (unsigned int)c->uid);
}

/* NULL if a client of uid may connect now, else why not. */
static const char *
control_admit(uid_t uid)
{
	struct ctl_client	*c;
	size_t			 n = 0;

	if (control_nclients >= CONTROL_MAXCLIENTS)
		return ("all slots taken");
	if (uid == 0)
		return (NULL);
	if (control_nclients >= CONTROL_MAXCLIENTS - CONTROL_ROOTSLOTS)
		return ("the remaining slots are root's");
	TAILQ_FOREACH(c, &control_clients, entry)
		if (c->uid == uid)
			n++;
	return (n >= CONTROL_MAXPERUID ? "too many clients for this uid" :
	    NULL);
}

/* A nonzero id no connected client has. */
static uint32_t
control_newid(void)
{
	do {
		control_lastid++;
	} while (control_lastid == 0 || control_find(control_lastid));
	return (control_lastid);
}

static struct ctl_client *
control_find(uint32_t id)
{
	struct ctl_client	*c;

	TAILQ_FOREACH(c, &control_clients, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

static void
control_touch(struct ctl_client *c)
{
	struct timeval	 tv = { CONTROL_TIMEOUT, 0 };

	evtimer_add(&c->timer, &tv);
}

static void
control_timeout(int fd, short ev, void *arg)
{
	struct ctl_client	*c = arg;

	log_info("control client id=%u uid=%u timed out", c->id,
	    (unsigned int)c->uid);
	peer_close(&c->peer);
}

/* on_close of a client peer: forget it (late answers are dropped). */
static void
control_closed(struct peer *p)
{
	struct ctl_client	*c = p->arg;

	evtimer_del(&c->timer);
	TAILQ_REMOVE(&control_clients, c, entry);
	control_nclients--;
	log_debug("control client id=%u closed", c->id);
	free(c);
}

static void
control_fail(struct ctl_client *c, const char *why)
{
	peer_compose(&c->peer, IMSG_CTL_FAIL, 0, 0, -1, why,
	    strlen(why) + 1);
}

static const struct control_route *
control_route(uint32_t type)
{
	size_t	 i;

	for (i = 0; i < nitems(control_routes); i++)
		if (control_routes[i].type == type)
			return (&control_routes[i]);
	return (NULL);
}

/*
 * Check a client's arguments (untrusted: a failure is an answer, not an
 * exit) and work out who serves it.  Returns 0, or -1 after answering.
 * The payload's shape (a terminated name) was checked before any handler:
 * imsg_check_ctl_what.
 */
static int
control_check(struct ctl_client *c, uint32_t type, union control_payload *pl,
    uint32_t *to)
{
	switch (type) {
	case IMSG_CTL_PAUSE:
	case IMSG_CTL_RESUME:
		if (strcmp(pl->what.what, "smtp") == 0)
			*to = PROC_BIT(PROC_SMTP);
		else if (strcmp(pl->what.what, "mda") == 0 ||
		    strcmp(pl->what.what, "mta") == 0)
			*to = PROC_BIT(PROC_QUEUE);
		else if (strcmp(pl->what.what, "all") == 0)
			*to = PROC_BIT(PROC_SMTP) | PROC_BIT(PROC_QUEUE);
		else
			break;
		return (0);
	case IMSG_CTL_LOG_VERBOSE:
		if (pl->verbose < 0 || pl->verbose > 3)
			break;
		return (0);
	default:
		return (0);
	}
	control_fail(c, "invalid argument");
	return (-1);
}

/* One line per command: "control command=show-queue uid=0". */
static void
control_log(struct ctl_client *c, const char *name, uint32_t type,
    const union control_payload *pl)
{
	char	 arg[NAME_MAX_CONF * 4 + 16];

	arg[0] = '\0';
	switch (type) {
	case IMSG_CTL_SCHEDULE:
	case IMSG_CTL_REMOVE:
		if (pl->id.id == 0)
			(void)strlcpy(arg, " id=all", sizeof(arg));
		else
			(void)snprintf(arg, sizeof(arg), " id=%" PRIx64,
			    pl->id.id);
		break;
	case IMSG_CTL_PAUSE:
	case IMSG_CTL_RESUME:
		(void)snprintf(arg, sizeof(arg), " what=%s", pl->what.what);
		break;
	case IMSG_CTL_SANDBOX:
		(void)strlcpy(arg, " proc=", sizeof(arg));
		(void)log_escape(arg + 6, sizeof(arg) - 6, pl->what.what,
		    strlen(pl->what.what));
		break;
	case IMSG_CTL_LOG_VERBOSE:
		(void)snprintf(arg, sizeof(arg), " level=%d", pl->verbose);
		break;
	default:
		break;
	}
	log_info("control command=%s uid=%u%s", name, (unsigned int)c->uid,
	    arg);
}

/*
 * Send the command to each process in to; count the answers awaited.
 * pause/resume: smtp is told "smtp", the queue what it holds back ("mda",
 * "mta" or, for "all", both).
 */
static void
control_forward(struct ctl_client *c, uint32_t type, uint32_t to,
    const union control_payload *pl, size_t len)
{
	static const enum proc_id	 order[] = {
		PROC_QUEUE, PROC_SMTP, PROC_PARENT
	};
	union control_payload		 one;
	struct peer			*dst;
	size_t				 i;

	for (i = 0; i < nitems(order); i++) {
		if (!(to & PROC_BIT(order[i])))
			continue;
		one = *pl;
		if ((type == IMSG_CTL_PAUSE || type == IMSG_CTL_RESUME) &&
		    order[i] == PROC_SMTP)
			(void)strlcpy(one.what.what, "smtp",
			    sizeof(one.what.what));
		dst = child_peer(order[i]);
		if (dst == NULL || peer_compose(dst, type, c->id, 0, -1,
		    len ? &one : NULL, len) == -1) {
			c->failed = 1;
			(void)snprintf(c->fail, sizeof(c->fail),
			    "%s process unavailable", proc_name(order[i]));
			continue;
		}
		c->pending++;
	}
	if (c->pending == 0)
		control_finish(c, IMSG_CTL_FAIL);
}

static void
control_imsg_request(struct peer *p, struct imsg *imsg)
{
	struct ctl_client		*c = p->arg;
	const struct control_route	*r;
	union control_payload		 pl;
	uint32_t			 type = imsg_get_type(imsg), to;
	size_t				 len = imsg_get_len(imsg);

	control_touch(c);
	if (imsg_get_id(imsg) != CTL_VERSION) {
		control_fail(c, "version mismatch: smtpctl and smtpd differ");
		return;
	}
	/*
	 * One command at a time, and only once the client has read the
	 * answer to the last one: a user who never reads cannot make this
	 * process buffer listing after listing.
	 */
	if (c->pending || imsgbuf_queuelen(&c->peer.ibuf) > 0) {
		control_fail(c, "one command at a time");
		return;
	}
	if ((r = control_route(type)) == NULL || len > sizeof(pl))
		fatalx("control: no route for %s", imsg_name(type));
	if (c->uid != 0 && type != IMSG_CTL_SHOW_QUEUE) {
		log_warnx("control client uid=%u denied command=%s: not root",
		    (unsigned int)c->uid, r->name);
		control_fail(c, "permission denied: smtpctl commands "
		    "require root");
		return;
	}
	memset(&pl, 0, sizeof(pl));
	if (len > 0 && imsg_get_data(imsg, &pl, len) == -1) {
		control_fail(c, "bad request");
		return;
	}
	to = r->to;
	if (control_check(c, type, &pl, &to) == -1)
		return;
	control_log(c, r->name, type, &pl);
	control_ncommands++;
	c->cmd = type;
	c->failed = 0;
	c->fail[0] = '\0';
	if (type == IMSG_CTL_STOP) {
		/*
		 * The parent stops us right after it answers: tell the
		 * client first, then pass the order on.  Its own answer
		 * finds no pending command and is dropped.
		 */
		peer_compose(&c->peer, IMSG_CTL_OK, 0, 0, -1, NULL, 0);
		peer_flush_blocking(&c->peer);
		if (child_peer(PROC_PARENT) != NULL)
			peer_compose(child_peer(PROC_PARENT), type, c->id, 0,
			    -1, NULL, 0);
		return;
	}
	control_forward(c, type, to, &pl, len);
}

/*
 * An answer from queue, smtp or the parent (trusted: a malformed one is
 * fatal).  Lines go straight through; the last terminal answer finishes
 * the command, so that a client sees one CTL_END or CTL_OK/CTL_FAIL.
 */
static void
control_imsg_answer(struct peer *p, struct imsg *imsg)
{
	struct ctl_client	*c;
	uint32_t		 type = imsg_get_type(imsg);
	size_t			 len = imsg_get_len(imsg);
	char			 text[4096];

	if (len > sizeof(text))
		fatalx("control: %s from %s too long", imsg_name(type),
		    proc_name(p->id));
	text[0] = '\0';
	if (len > 0)
		imsg_payload(imsg, text, len);
	if ((c = control_find(imsg_get_id(imsg))) == NULL || c->pending == 0) {
		log_debug("control: %s from %s for gone client %u dropped",
		    imsg_name(type), proc_name(p->id), imsg_get_id(imsg));
		return;
	}
	control_touch(c);
	if (type == IMSG_CTL_LINE) {
		if (c->cmd == IMSG_CTL_SHOW_QUEUE && c->uid != 0)
			len = control_redact(text);
		peer_compose(&c->peer, IMSG_CTL_LINE, 0, 0, -1, text, len);
		return;
	}
	if (type == IMSG_CTL_FAIL && !c->failed) {
		c->failed = 1;
		(void)strlcpy(c->fail, text, sizeof(c->fail));
	}
	if (--c->pending == 0)
		control_finish(c, type);
}

/* All answers are in: one terminal message to the client. */
static void
control_finish(struct ctl_client *c, uint32_t last)
{
	c->pending = 0;
	if (c->failed) {
		control_fail(c, c->fail[0] ? c->fail : "command failed");
		return;
	}
	if (c->cmd == IMSG_CTL_SHOW_STATS) {
		control_stats(c);
		last = IMSG_CTL_END;
	}
	peer_compose(&c->peer, last, 0, 0, -1, NULL, 0);
}

/*
 * A show queue line for a user other than root: without the final
 * recipient, the action and the route (fields 5, 6 and 14 of "evpid|
 * msgid|sender|rcpt|dest|action|...|size|route"), which would tell where
 * other users' aliases and .forward files send their mail.  The fields
 * stay, empty.  Returns the new length with the NUL.
 */
static size_t
control_redact(char *line)
{
	static const int	 hide[] = { 4, 5, 13 };
	char			*r = line, *w = line;
	size_t			 i;
	int			 n = 0, skip;

	for (;;) {
		skip = 0;
		for (i = 0; i < nitems(hide); i++)
			if (hide[i] == n)
				skip = 1;
		for (; *r != '\0' && *r != '|'; r++)
			if (!skip)
				*w++ = *r;
		if (*r == '\0')
			break;
		*w++ = *r++;
		n++;
	}
	*w = '\0';
	return ((size_t)(w - line) + 1);
}

static void
control_stats(struct ctl_client *c)
{
	char		 line[128];
	uint64_t	 up = (monotonic_ms() - control_started) / 1000;
	int		 n;

	n = snprintf(line, sizeof(line), "control.clients=%zu",
	    control_nclients);
	peer_compose(&c->peer, IMSG_CTL_LINE, 0, 0, -1, line, n + 1);
	n = snprintf(line, sizeof(line), "control.commands=%" PRIu64,
	    control_ncommands);
	peer_compose(&c->peer, IMSG_CTL_LINE, 0, 0, -1, line, n + 1);
	n = snprintf(line, sizeof(line), "control.uptime=%" PRIu64, up);
	peer_compose(&c->peer, IMSG_CTL_LINE, 0, 0, -1, line, n + 1);
}
