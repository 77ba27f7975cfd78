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
 * proc.c -- peers: imsg channels between cartero processes on libevent.
 *
 * SECURITY: the type of a message says nothing about who sent it.  Each
 * received message is checked against the daemon's rule table (given to
 * proc_setup()) using the identity of the channel it came on (p->id),
 * fixed when the channel was set up, before a handler sees it.  A trusted
 * process that breaks the rules is a bug or a compromise and takes the
 * receiver down with fatalx(); an untrusted one (PROC_F_UNTRUSTED in the
 * daemon's process table: a control client, a process running as an
 * ordinary user) only loses its connection.  Outgoing messages are checked
 * too, so that a bug shows up in the sender.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <errno.h>
#include <event.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"

int	 proc_self;

static const struct privsep_proc	*proc_table[PROC_MAX];
static const struct imsg_rule		*imsg_rules;
static size_t				 imsg_rules_count;

static int	rule_cmp(const void *, const void *);
static int	proc_sends_fds(int);
static void	peer_event_add(struct peer *);
static void	peer_flush_dirty(int, short, void *);

/*
 * Output is not written at compose time: composing marks the peer dirty
 * and one zero-timeout event per loop round writes every dirty peer, so
 * that messages composed together leave in one sendmsg and the epoll set
 * changes only when a socket really is full.
 */
static TAILQ_HEAD(, peer)	dirty_peers = TAILQ_HEAD_INITIALIZER(dirty_peers);
static struct event		flush_ev;
static int			flush_armed;
static void	peer_dispatch(int, short, void *);
static void	peer_handle(struct peer *, struct imsg *);
static void	peer_violation(struct peer *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	peer_untrusted(struct peer *);
static void	peer_lost(struct peer *);
static void	peer_release(struct peer *);
static void	peer_check_send(struct peer *, uint32_t, size_t, int);
static int	peer_check(struct peer *, struct imsg *);
static void	peer_hold(struct peer *, struct imsg *);
static void	peer_held_arm(struct peer *);
static void	peer_held_dispatch(int, short, void *);

/* A message read by peer_call() while it waited for another. */
struct peer_msg {
	struct imsg		 imsg;
	TAILQ_ENTRY(peer_msg)	 entry;
};

/*
 * The daemon's process table and imsg rule table (sorted by strictly
 * increasing type), kept by reference: both must be static.  A table that
 * contradicts itself is the daemon's bug: fatal before any channel opens.
 */
void
proc_setup(const struct privsep_proc *procs, size_t nprocs,
    const struct imsg_rule *rules, size_t nrules)
{
	const struct imsg_rule	*r;
	uint32_t		 known = 0;
	size_t			 i, j;

	memset(proc_table, 0, sizeof(proc_table));
	for (i = 0; i < nprocs; i++) {
		if (procs[i].id < 0 || procs[i].id >= PROC_MAX ||
		    proc_table[procs[i].id] != NULL)
			fatalx("proc_setup: bad process id %d", procs[i].id);
		if (procs[i].name == NULL)
			fatalx("proc_setup: process %d has no name",
			    procs[i].id);
		for (j = 0; j < i; j++)
			if (strcmp(procs[j].name, procs[i].name) == 0)
				fatalx("proc_setup: two processes named %s",
				    procs[i].name);
		proc_table[procs[i].id] = &procs[i];
		known |= PROC_BIT(procs[i].id);
	}
	if (proc_table[PROC_ID_PARENT] == NULL ||
	    (proc_table[PROC_ID_PARENT]->flags & PROC_F_UNTRUSTED))
		fatalx("proc_setup: no trusted parent (process %d)",
		    PROC_ID_PARENT);
	if (nrules > 0 && rules == NULL)
		fatalx("proc_setup: no rule table");
	for (i = 0; i < nrules; i++) {
		r = &rules[i];
		if (i > 0 && rules[i - 1].type >= r->type)
			fatalx("imsg rules: %s not sorted", r->name);
		if (r->minlen > r->maxlen ||
		    r->maxlen > MAX_IMSGSIZE - IMSG_HEADER_SIZE ||
		    (r->fd != PROC_FD_NONE && r->fd != PROC_FD_REQUIRED &&
		    r->fd != PROC_FD_OPTIONAL) ||
		    (r->from & ~known) != 0 || (r->to & ~known) != 0)
			fatalx("imsg rules: bad rule for %s", r->name);
	}
	imsg_rules = rules;
	imsg_rules_count = nrules;
}

/* 1 if id is a process of the daemon's table. */
int
proc_known(int id)
{
	return (id >= 0 && id < PROC_MAX && proc_table[id] != NULL);
}

/* 1 if some rule lets process id send a descriptor. */
static int
proc_sends_fds(int id)
{
	size_t	 i;

	for (i = 0; i < imsg_rules_count; i++)
		if ((imsg_rules[i].from & PROC_BIT(id)) &&
		    imsg_rules[i].fd != PROC_FD_NONE)
			return (1);
	return (0);
}

const char *
proc_name(int id)
{
	if (id < 0 || id >= PROC_MAX || proc_table[id] == NULL)
		return ("unknown");
	return (proc_table[id]->name);
}

int
proc_byname(const char *name)
{
	int	 i;

	for (i = 0; i < PROC_MAX; i++)
		if (proc_table[i] != NULL &&
		    strcmp(proc_table[i]->name, name) == 0)
			return (i);
	return (-1);
}

/* Unknown ids are untrusted. */
int
proc_untrusted(int id)
{
	if (id < 0 || id >= PROC_MAX || proc_table[id] == NULL)
		return (1);
	return ((proc_table[id]->flags & PROC_F_UNTRUSTED) != 0);
}

/* The handlers for messages from process id in a daemon's table. */
const struct imsg_handler *
proc_handlers_find(const struct proc_handlers *tab, size_t n, int id,
    size_t *nh)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (tab[i].id == id) {
			*nh = tab[i].nhandlers;
			return (tab[i].handlers);
		}
	}
	*nh = 0;
	return (NULL);
}

static int
rule_cmp(const void *key, const void *elem)
{
	uint32_t			 type = *(const uint32_t *)key;
	const struct imsg_rule		*r = elem;

	if (type < r->type)
		return (-1);
	return (type > r->type);
}

const struct imsg_rule *
imsg_rule_find(uint32_t type)
{
	if (imsg_rules == NULL)
		return (NULL);
	return (bsearch(&type, imsg_rules, imsg_rules_count,
	    sizeof(imsg_rules[0]), rule_cmp));
}

const char *
imsg_name(uint32_t type)
{
	static char			 buf[32];
	const struct imsg_rule		*r;

	if ((r = imsg_rule_find(type)) != NULL && r->name != NULL)
		return (r->name);
	(void)snprintf(buf, sizeof(buf), "IMSG_%u", type);
	return (buf);
}

void
peer_init(struct peer *p, int id, int fd,
    const struct imsg_handler *handlers, size_t nhandlers,
    void (*on_close)(struct peer *))
{
	if (imsg_rules == NULL)
		fatalx("peer_init: proc_setup() not called");
	if (id < 0 || id >= PROC_MAX)
		fatalx("peer_init: bad process id %d", id);
	memset(&p->ev, 0, sizeof(p->ev));
	p->id = id;
	p->handlers = handlers;
	p->nhandlers = nhandlers;
	p->on_close = on_close;
	p->closed = p->dispatching = p->released = p->dirty = 0;
	TAILQ_INIT(&p->held);
	memset(&p->held_ev, 0, sizeof(p->held_ev));
	evtimer_set(&p->held_ev, peer_held_dispatch, p);
	if (fd_set_nonblock(fd) == -1)
		fatal("peer_init: %s", proc_name(id));
	if (imsgbuf_init(&p->ibuf, fd) == -1)
		fatal("peer_init: %s", proc_name(id));
	/* descriptors from a peer no rule lets send one are closed at once */
	if (proc_sends_fds(id))
		imsgbuf_allow_fdpass(&p->ibuf);
	p->events = EV_READ;
	event_set(&p->ev, fd, p->events | EV_PERSIST, peer_dispatch, p);
	if (event_add(&p->ev, NULL) == -1)
		fatal("peer_init: event_add");
}

static void
peer_event_add(struct peer *p)
{
	short	want;

	if (p->closed)
		return;
	want = EV_READ;
	if (imsgbuf_queuelen(&p->ibuf) > 0 && !p->dirty)
		want |= EV_WRITE;
	if (want == p->events)
		return;
	p->events = want;
	event_del(&p->ev);
	event_set(&p->ev, p->ibuf.fd, p->events | EV_PERSIST, peer_dispatch,
	    p);
	if (event_add(&p->ev, NULL) == -1)
		fatal("event_add");
}

static void
peer_mark_dirty(struct peer *p)
{
	struct timeval	tv = { 0, 0 };

	if (p->dirty || p->closed)
		return;
	p->dirty = 1;
	TAILQ_INSERT_TAIL(&dirty_peers, p, dirty_entry);
	if (!flush_armed) {
		evtimer_set(&flush_ev, peer_flush_dirty, NULL);
		evtimer_add(&flush_ev, &tv);
		flush_armed = 1;
	}
}

static void
peer_flush_dirty(int fd, short ev, void *arg)
{
	struct peer	*p;

	flush_armed = 0;
	while ((p = TAILQ_FIRST(&dirty_peers)) != NULL) {
		TAILQ_REMOVE(&dirty_peers, p, dirty_entry);
		p->dirty = 0;
		if (p->closed)
			continue;
		if (imsgbuf_write(&p->ibuf) == -1) {
			if (errno != EPIPE)
				log_warn("write to %s", proc_name(p->id));
			peer_lost(p);
			continue;
		}
		peer_event_add(p);
	}
}

/* Outgoing messages breaking the rules are bugs in this process. */
static void
peer_check_send(struct peer *p, uint32_t type, size_t len, int fd)
{
	const struct imsg_rule	*r;

	if ((r = imsg_rule_find(type)) == NULL)
		fatalx("peer_compose: unknown imsg type %u to %s", type,
		    proc_name(p->id));
	if (!(r->from & PROC_BIT(proc_self)))
		fatalx("peer_compose: %s may not send %s", proc_name(proc_self),
		    imsg_name(type));
	if (!(r->to & PROC_BIT(p->id)))
		fatalx("peer_compose: %s may not receive %s", proc_name(p->id),
		    imsg_name(type));
	if (len < r->minlen || len > r->maxlen)
		fatalx("peer_compose: %s: bad length %zu", imsg_name(type),
		    len);
	if ((r->fd == PROC_FD_REQUIRED && fd < 0) ||
	    (r->fd == PROC_FD_NONE && fd >= 0))
		fatalx("peer_compose: %s: bad fd", imsg_name(type));
}

int
peer_compose(struct peer *p, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return (peer_composev(p, type, peerid, pid, fd, &iov, len > 0));
}

/*
 * Returns 0 when queued, -1 when the peer is closed (fd closed too).
 * Rule violations and allocation failures are fatal.
 */
int
peer_composev(struct peer *p, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	size_t	 len = 0;
	int	 i;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	peer_check_send(p, type, len, fd);
	if (p->closed) {
		if (fd >= 0)
			close(fd);
		return (-1);
	}
	if (imsg_composev(&p->ibuf, type, peerid, pid, fd, iov, iovcnt) == -1)
		fatal("peer_compose: %s to %s", imsg_name(type),
		    proc_name(p->id));
	peer_mark_dirty(p);
	return (0);
}

void
peer_flush_blocking(struct peer *p)
{
	if (p->closed)
		return;
	if (imsgbuf_flush(&p->ibuf) == -1)
		log_warn("flush to %s", proc_name(p->id));
}

/*
 * A synchronous request, for code that cannot go back to the event loop
 * (a libcrypto callback): send type, with peerid id and data, to p, then
 * wait at most timeout_ms for p's message of type rtype with the same
 * peerid.  The reply passes the rules and its validator like any other
 * message and is left in *reply (imsg_free() it): 1.  No reply in time:
 * 0.  The channel failed or was closed: -1.  Whatever else is read
 * meanwhile is held and dispatched to p's handlers, in order, from the
 * event loop.  Not for use inside a handler of p itself.
 */
int
peer_call(struct peer *p, uint32_t type, uint32_t id, const void *data,
    size_t len, uint32_t rtype, struct imsg *reply, int timeout_ms)
{
	struct pollfd	 pfd;
	uint64_t	 deadline, now;
	ssize_t		 n;
	int		 r;

	if (p->closed || p->dispatching || timeout_ms < 0)
		return (-1);
	if (peer_compose(p, type, id, 0, -1, data, len) == -1)
		return (-1);
	if (imsgbuf_flush(&p->ibuf) == -1) {
		if (errno != EPIPE)
			log_warn("write to %s", proc_name(p->id));
		peer_lost(p);
		return (-1);
	}
	deadline = monotonic_ms() + (uint64_t)timeout_ms;
	for (;;) {
		while ((n = imsg_get(&p->ibuf, reply)) > 0) {
			if (imsg_get_type(reply) != rtype ||
			    imsg_get_id(reply) != id) {
				peer_hold(p, reply);
				continue;
			}
			peer_held_arm(p);
			if (peer_check(p, reply) == -1) {
				imsg_free(reply);
				return (-1);
			}
			return (1);
		}
		peer_held_arm(p);
		if (n == -1) {
			peer_violation(p, "imsg_get: %s", strerror(errno));
			return (-1);
		}
		/* one reading of the clock: the rest never wraps */
		if ((now = monotonic_ms()) >= deadline)
			return (0);
		pfd.fd = p->ibuf.fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r == -1 && errno != EINTR)
			fatal("peer_call: poll");
		if (r <= 0)
			continue;
		if ((r = imsgbuf_read(&p->ibuf)) == -1 &&
		    (errno == ERANGE || errno == EBADMSG)) {
			peer_violation(p, "bad imsg stream: %s",
			    strerror(errno));
			return (-1);
		}
		if (r <= 0) {
			if (r == -1)
				log_warn("read from %s", proc_name(p->id));
			peer_lost(p);
			return (-1);
		}
	}
}

static void
peer_hold(struct peer *p, struct imsg *imsg)
{
	struct peer_msg	*m;

	m = xcalloc(1, sizeof(*m));
	m->imsg = *imsg;
	TAILQ_INSERT_TAIL(&p->held, m, entry);
}

/* Messages held, or left in the buffer: dispatch them from the loop. */
static void
peer_held_arm(struct peer *p)
{
	struct timeval	tv = { 0, 0 };

	if (p->closed || evtimer_pending(&p->held_ev, NULL))
		return;
	if (TAILQ_EMPTY(&p->held) && p->ibuf.rpos == p->ibuf.rlen)
		return;
	evtimer_add(&p->held_ev, &tv);
}

static void
peer_held_dispatch(int fd, short ev, void *arg)
{
	struct peer	*p = arg;

	peer_dispatch(p->ibuf.fd, 0, p);
}

/* Close now, or when the running dispatch returns; then call on_close. */
void
peer_close(struct peer *p)
{
	p->closed = 1;
	if (!p->dispatching)
		peer_release(p);
}

static void
peer_release(struct peer *p)
{
	struct peer_msg	*m;

	if (p->released)
		return;
	p->released = 1;
	p->closed = 1;
	evtimer_del(&p->held_ev);
	while ((m = TAILQ_FIRST(&p->held)) != NULL) {
		TAILQ_REMOVE(&p->held, m, entry);
		imsg_free(&m->imsg);
		free(m);
	}
	if (p->dirty) {
		TAILQ_REMOVE(&dirty_peers, p, dirty_entry);
		p->dirty = 0;
	}
	event_del(&p->ev);
	imsgbuf_clear(&p->ibuf);
	close(p->ibuf.fd);
	p->ibuf.fd = -1;
	if (p->on_close != NULL)
		p->on_close(p);		/* may free p */
}

static int
peer_untrusted(struct peer *p)
{
	return (proc_untrusted(p->id));
}

static void
peer_lost(struct peer *p)
{
	if (p->on_close == NULL && !peer_untrusted(p))
		fatalx("lost connection to %s", proc_name(p->id));
	peer_close(p);
}

static void
peer_violation(struct peer *p, const char *fmt, ...)
{
	char	 buf[256];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!peer_untrusted(p))
		fatalx("%s: %s from %s", proc_name(proc_self), buf,
		    proc_name(p->id));
	log_warnx("%s: %s from %s, closing", proc_name(proc_self), buf,
	    proc_name(p->id));
	peer_close(p);
}

/* The rules, then the validator: 0, or -1 after peer_violation(). */
static int
peer_check(struct peer *p, struct imsg *imsg)
{
	const struct imsg_rule	*r;
	uint32_t		 type = imsg_get_type(imsg);
	size_t			 len = imsg_get_len(imsg);

	r = imsg_rule_find(type);
	if (r == NULL || !(r->from & PROC_BIT(p->id)) ||
	    !(r->to & PROC_BIT(proc_self)) ||
	    len < r->minlen || len > r->maxlen ||
	    (r->fd == PROC_FD_REQUIRED && imsg->fd == -1) ||
	    (r->fd == PROC_FD_NONE && imsg->fd != -1)) {
		peer_violation(p, "bad imsg %s (len %zu, fd %s)",
		    imsg_name(type), len, imsg->fd == -1 ? "no" : "yes");
		return (-1);
	}
	if (r->check != NULL && r->check(imsg->data, len) == -1) {
		peer_violation(p, "bad imsg %s (payload)", imsg_name(type));
		return (-1);
	}
	return (0);
}

static void
peer_handle(struct peer *p, struct imsg *imsg)
{
	uint32_t		 type = imsg_get_type(imsg);
	size_t			 i;

	if (peer_check(p, imsg) == -1)
		return;
	for (i = 0; i < p->nhandlers; i++) {
		if (p->handlers[i].type == type) {
			p->handlers[i].fn(p, imsg);
			return;
		}
	}
	peer_violation(p, "bad imsg %s (no handler)", imsg_name(type));
}

static void
peer_dispatch(int fd, short event, void *arg)
{
	struct peer	*p = arg;
	struct peer_msg	*m;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	if (event & EV_READ) {
		r = imsgbuf_read(&p->ibuf);
		if (r == -1 && (errno == ERANGE || errno == EBADMSG)) {
			peer_violation(p, "bad imsg stream: %s",
			    strerror(errno));
			return;
		}
		if (r == -1) {
			log_warn("read from %s", proc_name(p->id));
			peer_lost(p);
			return;
		}
		if (r == 0) {
			peer_lost(p);
			return;
		}
	}
	if ((event & EV_WRITE) && imsgbuf_write(&p->ibuf) == -1) {
		if (errno != EPIPE)
			log_warn("write to %s", proc_name(p->id));
		peer_lost(p);
		return;
	}

	p->dispatching = 1;
	while (!p->closed) {
		if ((m = TAILQ_FIRST(&p->held)) != NULL) {
			TAILQ_REMOVE(&p->held, m, entry);
			imsg = m->imsg;
			free(m);
			peer_handle(p, &imsg);
			imsg_free(&imsg);
			continue;
		}
		if ((n = imsg_get(&p->ibuf, &imsg)) == -1) {
			peer_violation(p, "imsg_get: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		peer_handle(p, &imsg);
		imsg_free(&imsg);
	}
	p->dispatching = 0;
	if (p->closed) {
		peer_release(p);	/* may free p */
		return;
	}
	peer_event_add(p);
}

/* Copy a payload that must be exactly len bytes; anything else is fatal. */
void
imsg_payload(struct imsg *imsg, void *out, size_t len)
{
	if (imsg_get_data(imsg, out, len) == -1)
		fatalx("%s: %s: payload %zu bytes, expected %zu",
		    proc_name(proc_self), imsg_name(imsg_get_type(imsg)),
		    imsg_get_len(imsg), len);
}

/* 1 if buf holds a NUL within size bytes. */
int
str_terminated(const char *buf, size_t size)
{
	return (memchr(buf, '\0', size) != NULL);
}
