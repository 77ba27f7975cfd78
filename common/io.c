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
 * io.c -- buffered non-blocking I/O on a socket, driven by libevent.
 *
 * SECURITY: the read buffer never holds more than read_max bytes, so a
 * client that sends without reading answers, or sends a line that never
 * ends, costs a bounded amount of memory: io stops reading until the user
 * consumes data.  The write queue is bounded by what the user queues.
 *
 * TLS (libtls, io_start_tls()): the handshake runs in io_dispatch() once
 * the plaintext queued before it is written; then io_read_some() and
 * io_write_some() call tls_read()/tls_write() and, on TLS_WANT_POLLIN or
 * TLS_WANT_POLLOUT, wait for that event whatever the operation was (see
 * io_reload()).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "util.h"

#define IO_F_PAUSED	0x01
#define IO_F_EOF	0x02
#define IO_F_ERROR	0x04
#define IO_F_WBLOCKED	0x08	/* the last write left data: wait EV_WRITE */
#define IO_F_HANDSHAKE	0x10	/* TLS handshake under way */
#define IO_F_RWANTW	0x20	/* tls_read wants the socket writable */
#define IO_F_WWANTR	0x40	/* tls_write wants the socket readable */
#define IO_F_HSWANTW	0x80	/* tls_handshake wants it writable */
#define IO_F_RPENDING	0x100	/* TLS may hold decrypted bytes: read */

#define IO_RBUF_MIN	1024
#define IO_WBUF_KEEP	4096
#define IO_WBUF_MAX	(4 * 1024 * 1024)

struct io {
	int		 fd;
	int		 flags;
	void		(*cb)(struct io *, int, void *);
	void		*arg;
	const char	*error;
	struct event	 ev;
	short		 events;	/* ev waits for, 0 = not added */
	struct event	 tmo;
	int		 timeout;	/* ms, 0 = none */
	/* read side: bytes rbuf[rpos, rpos + rlen) */
	char		*rbuf;
	size_t		 rsize;
	size_t		 rpos;
	size_t		 rlen;
	size_t		 rmax;
	size_t		 rhint;		/* next allocation size */
	/* write side: bytes wbuf[wpos, wpos + wlen) */
	char		*wbuf;
	size_t		 wsize;
	size_t		 wpos;
	size_t		 wlen;
	int		 dirty;		/* on io_dirty */
	TAILQ_ENTRY(io)	 dirty_entry;
	struct tls	*tls;		/* NULL: plain socket */
};

/*
 * Output is written once per event-loop round, not when it is queued:
 * replies to pipelined commands leave together, and the epoll set only
 * changes when a socket is really full (IO_F_WBLOCKED).
 */
static TAILQ_HEAD(, io)	io_dirty = TAILQ_HEAD_INITIALIZER(io_dirty);
static struct event	io_flush_ev;
static int		io_flush_armed;

static void	io_reload(struct io *);
static void	io_mark_dirty(struct io *);
static void	io_flush(int, short, void *);
static void	io_touch(struct io *);
static void	io_dispatch(int, short, void *);
static void	io_timeout_cb(int, short, void *);
static ssize_t	io_read_some(struct io *);
static ssize_t	io_read_tls(struct io *, size_t);
static ssize_t	io_write_some(struct io *);
static int	io_handshake(struct io *);
static int	io_rbuf_room(struct io *);
static int	io_wbuf_reserve(struct io *, size_t);

struct io *
io_new(int fd, void (*cb)(struct io *, int, void *), void *arg)
{
	struct io	*io;

	io = xcalloc(1, sizeof(*io));
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
	io->rmax = IO_READ_MAX_DEFAULT;
	io->rhint = IO_RBUF_MIN;
	evtimer_set(&io->tmo, io_timeout_cb, io);
	io_reload(io);
	return (io);
}

void
io_free(struct io *io)
{
	if (io == NULL)
		return;
	if (io->dirty)
		TAILQ_REMOVE(&io_dirty, io, dirty_entry);
	if (io->events)
		event_del(&io->ev);
	evtimer_del(&io->tmo);
	if (io->tls != NULL) {
		/* one try at close_notify: never wait for the peer */
		if (!(io->flags & (IO_F_HANDSHAKE | IO_F_ERROR)))
			(void)tls_close(io->tls);
		tls_free(io->tls);
	}
	if (io->fd != -1)
		close(io->fd);
	if (io->rbuf != NULL)
		explicit_bzero(io->rbuf, io->rsize);
	free(io->rbuf);
	/* what is left to write may be an AUTH line (credentials) */
	if (io->wbuf != NULL)
		explicit_bzero(io->wbuf, io->wsize);
	free(io->wbuf);
	free(io);
}

int
io_fileno(struct io *io)
{
	return (io->fd);
}

const char *
io_error(struct io *io)
{
	return (io->error != NULL ? io->error : "no error");
}

const char *
io_evstr(int evt)
{
	switch (evt) {
	case IO_DATAIN:
		return ("IO_DATAIN");
	case IO_LOWAT:
		return ("IO_LOWAT");
	case IO_TIMEOUT:
		return ("IO_TIMEOUT");
	case IO_DISCONNECTED:
		return ("IO_DISCONNECTED");
	case IO_ERROR:
		return ("IO_ERROR");
	case IO_TLSREADY:
		return ("IO_TLSREADY");
	}
	return ("IO_?");
}

/* Inactivity timeout in milliseconds; 0 disables it. */
void
io_set_timeout(struct io *io, int ms)
{
	io->timeout = ms > 0 ? ms : 0;
	io_touch(io);
}

void
io_set_read_max(struct io *io, size_t max)
{
	io->rmax = max > IO_RBUF_MIN ? max : IO_RBUF_MIN;
	io_reload(io);
}

void
io_pause_read(struct io *io, int paused)
{
	if (paused)
		io->flags |= IO_F_PAUSED;
	else
		io->flags &= ~IO_F_PAUSED;
	io_reload(io);
}

int
io_eof(struct io *io)
{
	return ((io->flags & IO_F_EOF) != 0);
}

static void
io_touch(struct io *io)
{
	struct timeval	 tv;

	evtimer_del(&io->tmo);
	if (io->timeout == 0)
		return;
	tv.tv_sec = io->timeout / 1000;
	tv.tv_usec = (io->timeout % 1000) * 1000;
	evtimer_add(&io->tmo, &tv);
}

/* Wait for what the buffers call for. */
static void
io_reload(struct io *io)
{
	short	 events = 0;

	if (io->flags & IO_F_ERROR)
		;
	else if ((io->flags & IO_F_HANDSHAKE) && io->wlen == 0)
		/* the plaintext before it is out: the handshake's turn */
		events = (io->flags & IO_F_HSWANTW) ? EV_WRITE : EV_READ;
	else if (io->flags & IO_F_HANDSHAKE) {
		if (io->flags & IO_F_WBLOCKED)
			events |= EV_WRITE;
		else
			io_mark_dirty(io);
	} else {
		if (!(io->flags & (IO_F_PAUSED | IO_F_EOF)) &&
		    io->rlen < io->rmax) {
			events |= (io->flags & IO_F_RWANTW) ? EV_WRITE :
			    EV_READ;
			/* decrypted bytes wait in the TLS buffer */
			if (io->flags & IO_F_RPENDING)
				io_mark_dirty(io);
		}
		if (io->wlen > 0 && (io->flags & IO_F_WWANTR))
			events |= EV_READ;
		else if (io->wlen > 0 && (io->flags & IO_F_WBLOCKED))
			events |= EV_WRITE;
		else if (io->wlen > 0)
			io_mark_dirty(io);
	}
	if (events == io->events)
		return;
	if (io->events)
		event_del(&io->ev);
	io->events = events;
	if (events == 0)
		return;
	event_set(&io->ev, io->fd, events | EV_PERSIST, io_dispatch, io);
	if (event_add(&io->ev, NULL) == -1)
		fatal("io_reload: event_add");
}

static void
io_mark_dirty(struct io *io)
{
	struct timeval	tv = { 0, 0 };

	if (io->dirty)
		return;
	io->dirty = 1;
	TAILQ_INSERT_TAIL(&io_dirty, io, dirty_entry);
	if (!io_flush_armed) {
		evtimer_set(&io_flush_ev, io_flush, NULL);
		evtimer_add(&io_flush_ev, &tv);
		io_flush_armed = 1;
	}
}

static void
io_flush(int fd, short ev, void *arg)
{
	struct io	*io;
	short		 what;

	io_flush_armed = 0;
	while ((io = TAILQ_FIRST(&io_dirty)) != NULL) {
		TAILQ_REMOVE(&io_dirty, io, dirty_entry);
		io->dirty = 0;
		what = io->wlen > 0 ? EV_WRITE : 0;
		if ((io->flags & IO_F_RPENDING) && !(io->flags &
		    (IO_F_PAUSED | IO_F_EOF | IO_F_ERROR | IO_F_HANDSHAKE)))
			what |= EV_READ;
		if (what)
			io_dispatch(io->fd, what, io);	/* may free io */
	}
}

static void
io_timeout_cb(int fd, short ev, void *arg)
{
	struct io	*io = arg;

	io->cb(io, IO_TIMEOUT, io->arg);
}

static void
io_dispatch(int fd, short ev, void *arg)
{
	struct io	*io = arg;
	ssize_t		 n;
	int		 evt = 0;

	if ((io->flags & IO_F_HANDSHAKE) && io->wlen == 0) {
		if ((evt = io_handshake(io)) == 0) {
			io_reload(io);
			return;
		}
		goto done;
	}
	/* a TLS read that wants to write, a write that wants to read */
	if (io->tls != NULL && (ev & EV_WRITE) && (io->flags & IO_F_RWANTW))
		ev |= EV_READ;
	if (io->tls != NULL && (ev & EV_READ) && (io->flags & IO_F_WWANTR))
		ev |= EV_WRITE;
	if ((ev & EV_WRITE) && io->wlen > 0) {
		if ((n = io_write_some(io)) == -1) {
			evt = IO_ERROR;
			goto done;
		}
		if (n > 0)
			io_touch(io);
		if (io->wlen == 0) {
			io->flags &= ~IO_F_WBLOCKED;
			/* plaintext before a handshake: no LOWAT */
			if (!(io->flags & IO_F_HANDSHAKE))
				evt = IO_LOWAT;
		} else if (!(io->flags & IO_F_WWANTR))
			io->flags |= IO_F_WBLOCKED;
	}
	/* no plaintext read before a handshake; none when paused */
	if ((io->flags & (IO_F_HANDSHAKE | IO_F_PAUSED | IO_F_EOF)) ||
	    io->rlen >= io->rmax)
		ev &= ~EV_READ;
	if (ev & EV_READ) {
		if ((n = io_read_some(io)) == -1) {
			evt = IO_ERROR;
			goto done;
		}
		if (n == 0) {
			io->flags |= IO_F_EOF;
			evt = IO_DISCONNECTED;
		} else if (n > 0) {
			io_touch(io);
			evt = IO_DATAIN;
		}
	}
done:
	if (evt == IO_ERROR)
		io->flags |= IO_F_ERROR;
	io_reload(io);
	if (evt)
		io->cb(io, evt, io->arg);	/* may free io */
}

/* Make room at the end of rbuf; 0 if there is none (rmax reached). */
static int
io_rbuf_room(struct io *io)
{
	size_t	 nsize;

	if (io->rbuf == NULL) {
		io->rsize = io->rhint < io->rmax ? io->rhint : io->rmax;
		io->rbuf = xmalloc(io->rsize);
		io->rpos = io->rlen = 0;
	}
	if (io->rpos + io->rlen < io->rsize)
		return (1);
	if (io->rpos > 0) {
		memmove(io->rbuf, io->rbuf + io->rpos, io->rlen);
		io->rpos = 0;
		return (1);
	}
	if (io->rsize >= io->rmax)
		return (0);
	nsize = io->rsize * 2 < io->rmax ? io->rsize * 2 : io->rmax;
	io->rbuf = xreallocarray(io->rbuf, 1, nsize);
	io->rsize = nsize;
	return (1);
}

/*
 * Read once.  Returns bytes read, 0 at EOF, -1 on error, -2 if the read
 * would block.  TLS: tls_read() here; TLS_WANT_POLLOUT means wait for
 * EV_WRITE before reading again.
 */
static ssize_t
io_read_some(struct io *io)
{
	size_t	 space;
	ssize_t	 n;

	if (!io_rbuf_room(io))
		return (-2);
	space = io->rsize - io->rpos - io->rlen;
	if (io->rlen + space > io->rmax)
		space = io->rmax - io->rlen;
	if (io->tls != NULL)
		return (io_read_tls(io, space));
	n = read(io->fd, io->rbuf + io->rpos + io->rlen, space);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return (-2);
		io->error = strerror(errno);
		return (-1);
	}
	io->rlen += (size_t)n;
	/* Streaming peers get bigger buffers, idle ones small ones. */
	if ((size_t)n == space && io->rhint < io->rmax)
		io->rhint *= 2;
	else if ((size_t)n < space / 4 && io->rhint > IO_RBUF_MIN)
		io->rhint /= 2;
	return (n);
}

/*
 * TLS: read what fits in space.  What the TLS layer asks for next
 * (TLS_WANT_POLLIN/POLLOUT) decides the event waited for, not what the
 * operation was.  A full buffer may leave decrypted bytes inside the TLS
 * layer, where no socket event would announce them: IO_F_RPENDING makes
 * the next round read again.
 */
static ssize_t
io_read_tls(struct io *io, size_t space)
{
	ssize_t	 n;

	io->flags &= ~(IO_F_RWANTW | IO_F_RPENDING);
	n = tls_read(io->tls, io->rbuf + io->rpos + io->rlen, space);
	if (n == TLS_WANT_POLLIN)
		return (-2);
	if (n == TLS_WANT_POLLOUT) {
		io->flags |= IO_F_RWANTW;
		return (-2);
	}
	if (n == -1) {
		io->error = tls_error(io->tls);
		if (io->error == NULL)
			io->error = "TLS read error";
		return (-1);
	}
	io->rlen += (size_t)n;
	if ((size_t)n == space)
		io->flags |= IO_F_RPENDING;
	return (n);
}

/*
 * The TLS handshake's next step: 0 while it goes on, IO_TLSREADY when
 * done, IO_ERROR when it failed.
 */
static int
io_handshake(struct io *io)
{
	int	 r;

	io->flags &= ~IO_F_HSWANTW;
	r = tls_handshake(io->tls);
	if (r == TLS_WANT_POLLIN)
		return (0);
	if (r == TLS_WANT_POLLOUT) {
		io->flags |= IO_F_HSWANTW;
		return (0);
	}
	if (r == -1) {
		io->error = tls_error(io->tls);
		if (io->error == NULL)
			io->error = "TLS handshake failed";
		return (IO_ERROR);
	}
	io->flags &= ~IO_F_HANDSHAKE;
	io->flags |= IO_F_RPENDING;	/* records may have come with it */
	io_touch(io);
	return (IO_TLSREADY);
}

/*
 * Start TLS as the server on the io's socket, with the server context
 * srv (tls_server() configured).  What is queued for writing goes out
 * first, in plaintext (the "220 Ready to start TLS" of STARTTLS); what was
 * read and not consumed is discarded: it was sent before TLS, and keeping
 * it would let a man in the middle inject commands into the encrypted
 * session (CVE-2011-0411).  IO_TLSREADY tells the handshake is done,
 * IO_ERROR that it failed.  -1 if TLS cannot start (io_error() says why).
 */
int
io_start_tls(struct io *io, struct tls *srv)
{
	if (io->tls != NULL) {
		io->error = "TLS already started";
		return (-1);
	}
	if (tls_accept_socket(srv, &io->tls, io->fd) == -1) {
		io->error = tls_error(srv);
		io->tls = NULL;
		return (-1);
	}
	if (io->rlen > 0)
		io_drop(io, io->rlen);
	io->flags |= IO_F_HANDSHAKE;
	io->flags &= ~IO_F_PAUSED;
	io_reload(io);
	return (0);
}

/*
 * Start TLS as the client, for the server named servername (SNI, and the
 * name the certificate is verified against when cfg verifies it; NULL
 * for none), with a new tls_client() context configured by cfg, which
 * the io owns from then on.  As io_start_tls(): queued plaintext (the
 * STARTTLS command) goes out first, unread plaintext is discarded (a
 * reply injected before TLS must not be read as a reply after it), and
 * IO_TLSREADY or IO_ERROR tell the outcome.  -1 if TLS cannot start
 * (io_error() says why).
 */
int
io_connect_tls(struct io *io, struct tls_config *cfg, const char *servername)
{
	struct tls	*ctx;

	if (io->tls != NULL) {
		io->error = "TLS already started";
		return (-1);
	}
	if ((ctx = tls_client()) == NULL) {
		io->error = "tls_client failed";
		return (-1);
	}
	if (tls_configure(ctx, cfg) == -1 ||
	    tls_connect_socket(ctx, io->fd, servername) == -1) {
		/* the message lives in ctx: keep a static one */
		io->error = "TLS client set-up failed";
		log_warnx("io_connect_tls: %s", tls_error(ctx) != NULL ?
		    tls_error(ctx) : "unknown error");
		tls_free(ctx);
		return (-1);
	}
	io->tls = ctx;
	if (io->rlen > 0)
		io_drop(io, io->rlen);
	/* the client speaks first: its ClientHello waits for EV_WRITE */
	io->flags |= IO_F_HANDSHAKE | IO_F_HSWANTW;
	io->flags &= ~IO_F_PAUSED;
	io_reload(io);
	return (0);
}

struct tls *
io_tls(struct io *io)
{
	if (io->tls == NULL || (io->flags & IO_F_HANDSHAKE))
		return (NULL);
	return (io->tls);
}

/* Write some plaintext: before a handshake, or without TLS. */
static ssize_t
io_write_plain(struct io *io)
{
	ssize_t	 n;

	n = send(io->fd, io->wbuf + io->wpos, io->wlen, MSG_NOSIGNAL);
	if (n == -1 && errno == ENOTSOCK)
		n = write(io->fd, io->wbuf + io->wpos, io->wlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return (0);
		io->error = strerror(errno);
		return (-1);
	}
	return (n);
}

/*
 * Write what is queued.  Returns bytes written (0 if it would block) or
 * -1.  TLS: tls_write() here; TLS_WANT_POLLIN means wait for EV_READ.
 */
static ssize_t
io_write_some(struct io *io)
{
	ssize_t	 n;

	if (io->wlen == 0)
		return (0);
	if (io->tls == NULL || (io->flags & IO_F_HANDSHAKE))
		n = io_write_plain(io);
	else {
		io->flags &= ~IO_F_WWANTR;
		n = tls_write(io->tls, io->wbuf + io->wpos, io->wlen);
		if (n == TLS_WANT_POLLIN) {
			io->flags |= IO_F_WWANTR;
			n = 0;
		} else if (n == TLS_WANT_POLLOUT)
			n = 0;
		else if (n == -1) {
			io->error = tls_error(io->tls);
			if (io->error == NULL)
				io->error = "TLS write error";
		}
	}
	if (n <= 0)
		return (n);
	io->wpos += (size_t)n;
	io->wlen -= (size_t)n;
	if (io->wlen == 0) {
		io->wpos = 0;
		if (io->wsize > IO_WBUF_KEEP) {
			free(io->wbuf);
			io->wbuf = NULL;
			io->wsize = 0;
		}
	}
	return (n);
}

static int
io_wbuf_reserve(struct io *io, size_t len)
{
	size_t	 need, nsize;

	if (io->wpos > 0 && io->wpos + io->wlen + len > io->wsize) {
		memmove(io->wbuf, io->wbuf + io->wpos, io->wlen);
		io->wpos = 0;
	}
	need = io->wlen + len;
	if (need <= io->wsize)
		return (0);
	if (need > IO_WBUF_MAX)
		return (-1);
	for (nsize = io->wsize ? io->wsize : 256; nsize < need; nsize *= 2)
		;
	io->wbuf = xreallocarray(io->wbuf, 1, nsize);
	io->wsize = nsize;
	return (0);
}

/* Queue bytes; -1 if the write queue would exceed its limit. */
int
io_write(struct io *io, const void *buf, size_t len)
{
	if (io_wbuf_reserve(io, len) == -1)
		return (-1);
	memcpy(io->wbuf + io->wpos + io->wlen, buf, len);
	io->wlen += len;
	io_reload(io);
	return (0);
}

int
io_vprintf(struct io *io, const char *fmt, va_list ap)
{
	char	 buf[1024];
	char	*big;
	va_list	 ap2;
	int	 n, r;

	va_copy(ap2, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return (-1);
	/* the line may carry credentials (AUTH): no copy is left behind */
	if ((size_t)n < sizeof(buf)) {
		r = io_write(io, buf, (size_t)n);
		explicit_bzero(buf, (size_t)n);
		return (r);
	}
	if (vasprintf(&big, fmt, ap) == -1)
		fatal("io_vprintf");
	r = io_write(io, big, (size_t)n);
	freezero(big, (size_t)n);
	return (r);
}

int
io_printf(struct io *io, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = io_vprintf(io, fmt, ap);
	va_end(ap);
	return (r);
}

size_t
io_queued(struct io *io)
{
	return (io->wlen);
}

char *
io_data(struct io *io)
{
	return (io->rbuf != NULL ? io->rbuf + io->rpos : NULL);
}

size_t
io_datalen(struct io *io)
{
	return (io->rlen);
}

/* Consume len bytes; an emptied buffer is given back. */
void
io_drop(struct io *io, size_t len)
{
	if (len > io->rlen)
		fatalx("io_drop: %zu > %zu", len, io->rlen);
	io->rpos += len;
	io->rlen -= len;
	if (io->rlen == 0) {
		free(io->rbuf);
		io->rbuf = NULL;
		io->rsize = io->rpos = 0;
	}
	io_reload(io);
}

/*
 * Next LF-terminated line, CR removed, NUL-terminated in place; *len is
 * its length.  NULL when no complete line is buffered.  The pointer is
 * valid until the next io_drop() or read.
 */
char *
io_getline(struct io *io, size_t *len)
{
	char	*line, *lf;
	size_t	 n;

	if (io->rlen == 0)
		return (NULL);
	line = io->rbuf + io->rpos;
	if ((lf = memchr(line, '\n', io->rlen)) == NULL)
		return (NULL);
	n = (size_t)(lf - line);
	io->rpos += n + 1;
	io->rlen -= n + 1;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	*len = n;
	io_reload(io);
	return (line);
}
