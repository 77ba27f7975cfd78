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
 * imsg.c -- framed messages with file descriptor passing.
 *
 * SECURITY: this is the only parser of bytes coming from other cartero
 * processes.  Every header is checked (length at least a header, at most
 * the buffer's maxsize) before anything is copied; received descriptors are
 * kept only when the buffer allows fd passing, and their queue is bounded.
 * A sender transfers each descriptor with the first byte of its message and
 * sends at most one per sendmsg(2), which keeps descriptors and the
 * messages marked with IMSG_FD_MARK in the same order on both ends.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#define IMSG_RBUF_EXTRA		65536	/* read buffer beyond maxsize */
#define IMSG_MAXFDS		64	/* received fds waiting for a message */
#define IMSG_CMSG_FDS		16	/* fds one recvmsg can take */
#define IMSG_IOV_MAX		64

struct imsg_wmsg {
	TAILQ_ENTRY(imsg_wmsg)	 entry;
	unsigned char		*buf;
	size_t			 len;
	size_t			 off;	/* bytes already sent */
	int			 fd;	/* -1 once sent or when none */
};

static int	imsg_rbuf_resize(struct imsgbuf *, size_t);
static int	imsg_scan(struct imsgbuf *);
static void	imsg_take_fds(struct imsgbuf *, struct msghdr *);
static void	imsg_push_fd(struct imsgbuf *, int);
static int	imsg_send_once(struct imsgbuf *);
static void	imsg_wmsg_free(struct imsg_wmsg *);

int
imsgbuf_init(struct imsgbuf *ibuf, int fd)
{
	memset(ibuf, 0, sizeof(*ibuf));
	ibuf->fd = fd;
	ibuf->maxsize = MAX_IMSGSIZE;
	TAILQ_INIT(&ibuf->wq);
	if ((ibuf->rfds = calloc(IMSG_MAXFDS, sizeof(int))) == NULL)
		return (-1);
	if (imsg_rbuf_resize(ibuf, MAX_IMSGSIZE + IMSG_RBUF_EXTRA) == -1) {
		free(ibuf->rfds);
		ibuf->rfds = NULL;
		return (-1);
	}
	return (0);
}

void
imsgbuf_allow_fdpass(struct imsgbuf *ibuf)
{
	ibuf->allow_fdpass = 1;
}

int
imsgbuf_set_maxsize(struct imsgbuf *ibuf, uint32_t maxsize)
{
	size_t	 want;

	if (maxsize < IMSG_HEADER_SIZE || maxsize > IMSG_MAXSIZE_LIMIT) {
		errno = EINVAL;
		return (-1);
	}
	want = (size_t)maxsize + IMSG_RBUF_EXTRA;
	if (want > ibuf->rsize && imsg_rbuf_resize(ibuf, want) == -1)
		return (-1);
	ibuf->maxsize = maxsize;
	return (0);
}

static int
imsg_rbuf_resize(struct imsgbuf *ibuf, size_t size)
{
	unsigned char	*p;

	if ((p = realloc(ibuf->rbuf, size)) == NULL)
		return (-1);
	ibuf->rbuf = p;
	ibuf->rsize = size;
	return (0);
}

/*
 * Returns 1 when something was read or the socket would block, 0 on EOF,
 * -1 on error with errno set (ERANGE: a header announces an oversize
 * message, EBADMSG: a header shorter than itself).
 */
int
imsgbuf_read(struct imsgbuf *ibuf)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * IMSG_CMSG_FDS)];
	} cmsgbuf;
	ssize_t		 n;

	if (ibuf->rpos > 0) {
		memmove(ibuf->rbuf, ibuf->rbuf + ibuf->rpos,
		    ibuf->rlen - ibuf->rpos);
		ibuf->rlen -= ibuf->rpos;
		ibuf->rpos = 0;
	}
	if (ibuf->rlen == ibuf->rsize)
		return (1);	/* caller must imsg_get() first */

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = ibuf->rbuf + ibuf->rlen;
	iov.iov_len = ibuf->rsize - ibuf->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	for (;;) {
		n = recvmsg(ibuf->fd, &msg, MSG_CMSG_CLOEXEC);
		if (n != -1)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (1);
		return (-1);
	}
	imsg_take_fds(ibuf, &msg);
	if (ibuf->rfd_overflow) {
		errno = EBADMSG;
		return (-1);
	}
	if (n == 0)
		return (0);
	ibuf->rlen += (size_t)n;
	if (imsg_scan(ibuf) == -1)
		return (-1);
	return (1);
}

/* Check every complete or partial header held in the read buffer. */
static int
imsg_scan(struct imsgbuf *ibuf)
{
	struct imsg_hdr	 hdr;
	size_t		 pos, len;

	for (pos = ibuf->rpos; ibuf->rlen - pos >= IMSG_HEADER_SIZE;
	    pos += len) {
		memcpy(&hdr, ibuf->rbuf + pos, sizeof(hdr));
		len = hdr.len & ~IMSG_FD_MARK;
		if (len < IMSG_HEADER_SIZE) {
			errno = EBADMSG;
			return (-1);
		}
		if (len > ibuf->maxsize) {
			errno = ERANGE;
			return (-1);
		}
		if (ibuf->rlen - pos < len)
			break;
	}
	return (0);
}

static void
imsg_take_fds(struct imsgbuf *ibuf, struct msghdr *msg)
{
	struct cmsghdr	*cm;
	int		*fds;
	size_t		 i, nfds;
	int		 fd;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)CMSG_DATA(cm);
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, &fds[i], sizeof(fd));
			if (!ibuf->allow_fdpass ||
			    (msg->msg_flags & MSG_CTRUNC))
				close(fd);
			else
				imsg_push_fd(ibuf, fd);
		}
	}
	/*
	 * The control data was cut: what arrived is closed above, and the
	 * marked message this belonged to gets -1 in place of its fd.
	 */
	if ((msg->msg_flags & MSG_CTRUNC) && ibuf->allow_fdpass)
		imsg_push_fd(ibuf, -1);
}

static void
imsg_push_fd(struct imsgbuf *ibuf, int fd)
{
	if (ibuf->nrfds == IMSG_MAXFDS) {
		if (fd != -1)
			close(fd);
		ibuf->rfd_overflow = 1;
		return;
	}
	ibuf->rfds[ibuf->nrfds++] = fd;
}

ssize_t
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 avail, len;
	void		*data = NULL;
	int		 fd = -1;

	avail = ibuf->rlen - ibuf->rpos;
	if (avail < IMSG_HEADER_SIZE)
		return (0);
	memcpy(&hdr, ibuf->rbuf + ibuf->rpos, sizeof(hdr));
	len = hdr.len & ~IMSG_FD_MARK;
	if (len < IMSG_HEADER_SIZE) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > ibuf->maxsize) {
		errno = ERANGE;
		return (-1);
	}
	if (avail < len)
		return (0);
	if (len > IMSG_HEADER_SIZE) {
		if ((data = malloc(len - IMSG_HEADER_SIZE)) == NULL)
			return (-1);
		memcpy(data, ibuf->rbuf + ibuf->rpos + IMSG_HEADER_SIZE,
		    len - IMSG_HEADER_SIZE);
		/* payloads may hold secrets (AUTH): one copy, not two */
		explicit_bzero(ibuf->rbuf + ibuf->rpos + IMSG_HEADER_SIZE,
		    len - IMSG_HEADER_SIZE);
	}
	if ((hdr.len & IMSG_FD_MARK) && ibuf->nrfds > 0) {
		fd = ibuf->rfds[0];
		ibuf->nrfds--;
		memmove(ibuf->rfds, ibuf->rfds + 1,
		    ibuf->nrfds * sizeof(int));
	}
	ibuf->rpos += len;
	if (ibuf->rpos == ibuf->rlen)
		ibuf->rpos = ibuf->rlen = 0;

	memset(imsg, 0, sizeof(*imsg));
	imsg->hdr = hdr;
	imsg->hdr.len = (uint32_t)len;
	imsg->data = data;
	imsg->buf = data;
	imsg->fd = fd;
	return ((ssize_t)len);
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return (imsg->hdr.type);
}

size_t
imsg_get_len(struct imsg *imsg)
{
	return (imsg->hdr.len - IMSG_HEADER_SIZE);
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return (imsg->hdr.peerid);
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return ((pid_t)imsg->hdr.pid);
}

int
imsg_get_fd(struct imsg *imsg)
{
	int	 fd = imsg->fd;

	imsg->fd = -1;
	return (fd);
}

int
imsg_get_data(struct imsg *imsg, void *out, size_t len)
{
	if (imsg_get_len(imsg) != len) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > 0)
		memcpy(out, imsg->data, len);
	return (0);
}

void
imsg_free(struct imsg *imsg)
{
	int	 saved_errno = errno;

	if (imsg->buf != NULL)
		freezero(imsg->buf, imsg->hdr.len - IMSG_HEADER_SIZE);
	imsg->buf = imsg->data = NULL;
	if (imsg->fd != -1)
		close(imsg->fd);
	imsg->fd = -1;
	errno = saved_errno;
}

int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return (imsg_composev(ibuf, type, id, pid, fd, &iov,
	    datalen > 0 ? 1 : 0));
}

/*
 * Queue one message.  On success a descriptor fd >= 0 belongs to the
 * imsgbuf and is closed once sent (or by imsgbuf_clear()); on failure the
 * caller keeps it.  ERANGE: the message would exceed maxsize.
 */
int
imsg_composev(struct imsgbuf *ibuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_wmsg	*m;
	struct imsg_hdr		 hdr;
	size_t			 len = IMSG_HEADER_SIZE, off;
	int			 i;

	if (iovcnt < 0) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > ibuf->maxsize ||
		    len + iov[i].iov_len > ibuf->maxsize) {
			errno = ERANGE;
			return (-1);
		}
		len += iov[i].iov_len;
	}
	if (len > ibuf->maxsize) {
		errno = ERANGE;
		return (-1);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (-1);
	if ((m->buf = malloc(len)) == NULL) {
		free(m);
		return (-1);
	}
	hdr.type = type;
	hdr.len = (uint32_t)len | (fd >= 0 ? IMSG_FD_MARK : 0);
	hdr.peerid = id;
	hdr.pid = (uint32_t)pid;
	memcpy(m->buf, &hdr, sizeof(hdr));
	off = sizeof(hdr);
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(m->buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	m->len = len;
	m->fd = fd >= 0 ? fd : -1;
	TAILQ_INSERT_TAIL(&ibuf->wq, m, entry);
	ibuf->wqlen++;
	return (1);
}

int
imsg_forward(struct imsgbuf *ibuf, struct imsg *imsg)
{
	int	 fd, r;

	fd = imsg_get_fd(imsg);
	r = imsg_compose(ibuf, imsg->hdr.type, imsg->hdr.peerid,
	    (pid_t)imsg->hdr.pid, fd, imsg->data, imsg_get_len(imsg));
	if (r == -1 && fd != -1)
		imsg->fd = fd;	/* imsg_free() closes it */
	return (r);
}

/*
 * One sendmsg(2): 1 when bytes went out, 0 on EAGAIN, -1 on error.
 * Stops before a second message carrying an fd.
 */
static int
imsg_send_once(struct imsgbuf *ibuf)
{
	struct iovec		 iov[IMSG_IOV_MAX];
	struct msghdr		 msg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr		*cm;
	struct imsg_wmsg	*m, *first;
	ssize_t			 n;
	size_t			 left;
	int			 niov = 0;

	first = TAILQ_FIRST(&ibuf->wq);
	TAILQ_FOREACH(m, &ibuf->wq, entry) {
		if (niov == IMSG_IOV_MAX || (m != first && m->fd != -1))
			break;
		iov[niov].iov_base = m->buf + m->off;
		iov[niov].iov_len = m->len - m->off;
		niov++;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	if (first->fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = &cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), &first->fd, sizeof(int));
	}
	for (;;) {
		n = sendmsg(ibuf->fd, &msg, MSG_NOSIGNAL);
		if (n != -1)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return (0);
		return (-1);
	}
	if (first->fd != -1) {
		close(first->fd);
		first->fd = -1;
	}
	left = (size_t)n;
	while (left > 0 && (m = TAILQ_FIRST(&ibuf->wq)) != NULL) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): m is the next */
		if (left < m->len - m->off) {
			m->off += left;
			break;
		}
		left -= m->len - m->off;
		TAILQ_REMOVE(&ibuf->wq, m, entry);
		ibuf->wqlen--;
		imsg_wmsg_free(m);
	}
	return (1);
}

int
imsgbuf_write(struct imsgbuf *ibuf)
{
	int	 r;

	while (!TAILQ_EMPTY(&ibuf->wq)) {
		if ((r = imsg_send_once(ibuf)) == -1)
			return (-1);
		if (r == 0)
			break;
	}
	return (0);
}

int
imsgbuf_flush(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;

	while (!TAILQ_EMPTY(&ibuf->wq)) {
		if (imsgbuf_write(ibuf) == -1)
			return (-1);
		if (TAILQ_EMPTY(&ibuf->wq))
			break;
		pfd.fd = ibuf->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (-1);
	}
	return (0);
}

uint32_t
imsgbuf_queuelen(struct imsgbuf *ibuf)
{
	return (ibuf->wqlen);
}

static void
imsg_wmsg_free(struct imsg_wmsg *m)
{
	if (m->fd != -1)
		close(m->fd);
	freezero(m->buf, m->len);	/* payloads may hold secrets (AUTH) */
	free(m);
}

/* Frees everything; queued and received fds are closed, ibuf->fd is not. */
void
imsgbuf_clear(struct imsgbuf *ibuf)
{
	struct imsg_wmsg	*m;
	size_t			 i;
	int			 saved_errno = errno;

	while ((m = TAILQ_FIRST(&ibuf->wq)) != NULL) {
		TAILQ_REMOVE(&ibuf->wq, m, entry);
		imsg_wmsg_free(m);
	}
	ibuf->wqlen = 0;
	for (i = 0; i < ibuf->nrfds; i++)
		if (ibuf->rfds[i] != -1)
			close(ibuf->rfds[i]);
	free(ibuf->rfds);
	ibuf->rfds = NULL;
	ibuf->nrfds = 0;
	free(ibuf->rbuf);
	ibuf->rbuf = NULL;
	ibuf->rsize = ibuf->rpos = ibuf->rlen = 0;
	errno = saved_errno;
}
