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
 * parent_auth.c -- the parent's side of a login: the credential check
 * (auth.c), the delays and rate limits of failures per address, the
 * limit of connections per user, and the session process of each user,
 * to which the connection is handed (a socketpair: one end to the
 * session, the other to the login process, which proxies the client's
 * TLS stream over it).
 *
 * A failure is answered after a delay (AUTH_DELAY_MS, doubled with each
 * recent failure of that address, up to AUTH_DELAY_MAX_MS); an address
 * with AUTH_FAIL_MAX recent failures is refused without a check until
 * they age out (AUTH_FAIL_WINDOW).  Each failure is one log line for
 * fail2ban (etc/fail2ban):
 *	login failed user=NAME address=ADDR reason=WHY
 * with the user name made safe for the log.  Never the password.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <ctype.h>
#include <event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "session.h"
#include "util.h"
#include "imapd.h"
#include "parent.h"

#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#define AUTH_DELAY_MS		1500
#define AUTH_DELAY_MAX_MS	15000
#define AUTH_FAIL_MAX		10
#define AUTH_FAIL_WINDOW	600	/* seconds */
#define AUTH_ADDRS_MAX		4096

struct psession_list	 psessions = TAILQ_HEAD_INITIALIZER(psessions);
struct pconn_list	 pconns = TAILQ_HEAD_INITIALIZER(pconns);

/* recent failures of an address */
struct failaddr {
	TAILQ_ENTRY(failaddr)	 entry;
	char			 addr[ADDR_MAX];
	unsigned int		 count;
	time_t			 last;
};
static TAILQ_HEAD(, failaddr)	failaddrs = TAILQ_HEAD_INITIALIZER(failaddrs);
static size_t			nfailaddrs;

/* a failure answer waiting for its delay */
struct delayed {
	struct event		 ev;
	struct login_result	 res;
};

static void	 sess_closed(struct peer *);
static void	 sess_imsg_empty(struct peer *, struct imsg *);
static struct psession *sess_get(const char *);
static void	 delayed_send(int, short, void *);
static void	 safe_name(char *, size_t, const char *);

static const struct imsg_handler sess_handlers[] = {
	{ IMSG_SESSION_EMPTY,		sess_imsg_empty },
};

static time_t
now_sec(void)
{
	return ((time_t)(monotonic_ms() / 1000));
}

static struct failaddr *
fail_find(const char *addr, int create)
{
	struct failaddr	*f, *next;
	time_t		 now = now_sec();

	for (f = TAILQ_FIRST(&failaddrs); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (now - f->last > AUTH_FAIL_WINDOW) {
			TAILQ_REMOVE(&failaddrs, f, entry);
			free(f);
			nfailaddrs--;
			continue;
		}
		if (strcmp(f->addr, addr) == 0)
			return (f);
	}
	if (!create)
		return (NULL);
	if (nfailaddrs == AUTH_ADDRS_MAX) {	/* forget the oldest */
		f = TAILQ_FIRST(&failaddrs);
		TAILQ_REMOVE(&failaddrs, f, entry);
		free(f);
		nfailaddrs--;
	}
	f = xcalloc(1, sizeof(*f));
	(void)strlcpy(f->addr, addr, sizeof(f->addr));
	TAILQ_INSERT_TAIL(&failaddrs, f, entry);
	nfailaddrs++;
	return (f);
}

/* Letters, digits and a few marks; anything else becomes '?'. */
static void
safe_name(char *dst, size_t size, const char *src)
{
	size_t	 i;

	for (i = 0; i + 1 < size && src[i] != '\0' && i < 64; i++)
		dst[i] = isalnum((unsigned char)src[i]) ||
		    strchr("._-+@", src[i]) != NULL ? src[i] : '?';
	dst[i] = '\0';
	if (i == 0)
		(void)strlcpy(dst, "-", size);
}

static size_t
user_conns(const char *user)
{
	struct pconn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &pconns, entry)
		if (strcmp(c->user, user) == 0)
			n++;
	return (n);
}

static void
auth_fail(struct peer *p, struct login_result *res, const char *user,
    const char *addr, const char *reason, int count)
{
	struct delayed	*d;
	struct timeval	 tv;
	struct failaddr	*f;
	char		 name[80];
	unsigned int	 ms = AUTH_DELAY_MS, i;

	safe_name(name, sizeof(name), user);
	log_info("login failed user=%s address=%s reason=%s", name, addr,
	    reason);
	if (count) {
		f = fail_find(addr, 1);
		f->count++;
		f->last = now_sec();
		for (i = 1; i < f->count && ms < AUTH_DELAY_MAX_MS; i++)
			ms *= 2;
		if (ms > AUTH_DELAY_MAX_MS)
			ms = AUTH_DELAY_MAX_MS;
	}
	d = xcalloc(1, sizeof(*d));
	d->res = *res;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_set(&d->ev, delayed_send, d);
	evtimer_add(&d->ev, &tv);
}

static void
delayed_send(int fd, short ev, void *arg)
{
	struct delayed	*d = arg;
	struct peer	*p;

	if ((p = parent_login_peer()) != NULL)
		peer_compose(p, IMSG_LOGIN_AUTH_RESULT, 0, 0, -1, &d->res,
		    sizeof(d->res));
	free(d);
}

/* IMSG_LOGIN_AUTH */
void
parent_imsg_auth(struct peer *p, struct imsg *imsg)
{
	struct login_auth	 a;
	struct login_result	 res;
	struct psession		*s;
	struct pconn		*c;
	struct conn_start	 cs;
	struct failaddr		*f;
	const char		*reason;
	char			 name[80];
	int			 sp[2];

	imsg_payload(imsg, &a, sizeof(a));
	memset(&res, 0, sizeof(res));
	res.id = a.id;
	if ((f = fail_find(a.addr, 0)) != NULL &&
	    f->count >= AUTH_FAIL_MAX) {
		explicit_bzero(a.pass, sizeof(a.pass));
		res.status = AUTH_FAIL;
		auth_fail(p, &res, a.user, a.addr, "too many failures", 1);
		return;
	}
	res.status = auth_check(penv, a.user, a.pass, res.user,
	    sizeof(res.user), &reason);
	explicit_bzero(a.pass, sizeof(a.pass));
	if (res.status != AUTH_OK) {
		auth_fail(p, &res, a.user, a.addr, reason,
		    res.status == AUTH_FAIL);
		return;
	}
	if (penv->max_conn_user != 0 &&
	    user_conns(res.user) >= penv->max_conn_user) {
		res.status = AUTH_LIMIT;
		safe_name(name, sizeof(name), res.user);
		log_info("login refused user=%s address=%s reason=too many "
		    "connections of the user", name, a.addr);
		peer_compose(p, IMSG_LOGIN_AUTH_RESULT, 0, 0, -1, &res,
		    sizeof(res));
		return;
	}
	if ((s = sess_get(res.user)) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		res.status = AUTH_TEMPFAIL;
		log_warnx("login user=%s address=%s: no session process",
		    res.user, a.addr);
		peer_compose(p, IMSG_LOGIN_AUTH_RESULT, 0, 0, -1, &res,
		    sizeof(res));
		return;
	}
	if ((f = fail_find(a.addr, 0)) != NULL)
		f->count = 0;
	memset(&cs, 0, sizeof(cs));
	(void)strlcpy(cs.tag, a.tag, sizeof(cs.tag));
	(void)strlcpy(cs.user, res.user, sizeof(cs.user));
	(void)strlcpy(cs.peer, a.addr, sizeof(cs.peer));
	(void)strlcpy(cs.tls, a.tls, sizeof(cs.tls));
	s->sent++;
	peer_compose(&s->peer, IMSG_SESSION_CONN, 0, 0, sp[0], &cs,
	    sizeof(cs));
	peer_compose(p, IMSG_LOGIN_AUTH_RESULT, 0, 0, sp[1], &res,
	    sizeof(res));
	c = xcalloc(1, sizeof(*c));
	c->id = a.id;
	(void)strlcpy(c->user, res.user, sizeof(c->user));
	(void)strlcpy(c->addr, a.addr, sizeof(c->addr));
	(void)strlcpy(c->tls, a.tls, sizeof(c->tls));
	c->since = time(NULL);
	c->sess = s;
	TAILQ_INSERT_TAIL(&pconns, c, entry);
	log_info("login user=%s address=%s mech=%s tls=%s", res.user, a.addr,
	    a.mech, a.tls[0] != '\0' ? a.tls : "none");
}

/* IMSG_LOGIN_CLOSED: an authenticated connection ended. */
void
parent_imsg_closed(struct peer *p, struct imsg *imsg)
{
	struct pconn	*c;
	uint64_t	 id;

	imsg_payload(imsg, &id, sizeof(id));
	TAILQ_FOREACH(c, &pconns, entry)
		if (c->id == id) {
			TAILQ_REMOVE(&pconns, c, entry);
			free(c);
			return;
		}
}

/* The session process of user, started if there is none. */
static struct psession *
sess_get(const char *user)
{
	struct psession	*s;
	int		 fd;

	TAILQ_FOREACH(s, &psessions, entry)
		if (!s->closing && strcmp(s->user, user) == 0)
			return (s);
	s = xcalloc(1, sizeof(*s));
	(void)strlcpy(s->user, user, sizeof(s->user));
	if ((s->pid = parent_exec_child(PROC_SESSION, user, &fd)) == -1) {
		free(s);
		return (NULL);
	}
	peer_init(&s->peer, PROC_SESSION, fd, sess_handlers,
	    nitems(sess_handlers), sess_closed);
	s->peer.arg = s;
	TAILQ_INSERT_TAIL(&psessions, s, entry);
	parent_send_config(&s->peer);
	peer_compose(&s->peer, IMSG_SETUP_DONE, 0, 0, -1, NULL, 0);
	log_debug("session process of %s started, pid %ld", user,
	    (long)s->pid);
	return (s);
}

static void
sess_forget(struct psession *s)
{
	struct pconn	*c;

	TAILQ_FOREACH(c, &pconns, entry)
		if (c->sess == s)
			c->sess = NULL;
	TAILQ_REMOVE(&psessions, s, entry);
	free(s);
}

/*
 * IMSG_SESSION_EMPTY: the session process has no connection left.  If
 * none is on its way (it saw all we sent), close its channel: it exits.
 */
static void
sess_imsg_empty(struct peer *p, struct imsg *imsg)
{
	struct psession	*s = p->arg;
	uint64_t	 seen;

	imsg_payload(imsg, &seen, sizeof(seen));
	if (seen != s->sent || s->closing)
		return;
	s->closing = 1;
	log_debug("session process of %s is idle, closing it", s->user);
	peer_close(&s->peer);
}

static void
sess_closed(struct peer *p)
{
	struct psession	*s = p->arg;

	if (!s->closing)
		log_warnx("session process of %s (pid %ld) went away",
		    s->user, (long)s->pid);
	s->closing = 1;
	s->peer.arg = NULL;
	/* freed when reaped */
}

void
parent_session_reaped(pid_t pid, int status)
{
	struct psession	*s;

	TAILQ_FOREACH(s, &psessions, entry)
		if (s->pid == pid)
			break;
	if (s == NULL)
		return;
	if (WIFSIGNALED(status))
		log_warnx("session process of %s (pid %ld) killed by signal "
		    "%d", s->user, (long)pid, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		log_warnx("session process of %s (pid %ld) exited with "
		    "status %d", s->user, (long)pid, WEXITSTATUS(status));
	if (!s->peer.closed)
		peer_close(&s->peer);
	sess_forget(s);
}

/* smtpctl imap kick USER: the number of session processes told. */
size_t
parent_kick(const char *user)
{
	struct psession	*s;
	size_t		 n = 0;

	TAILQ_FOREACH(s, &psessions, entry)
		if (!s->closing && strcmp(s->user, user) == 0) {
			peer_compose(&s->peer, IMSG_SESSION_KICK, 0, 0, -1,
			    NULL, 0);
			n++;
		}
	return (n);
}

void
parent_auth_shutdown(void)
{
	struct psession	*s;

	TAILQ_FOREACH(s, &psessions, entry)
		(void)kill(s->pid, SIGTERM);
}
