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
 * imsg.h -- framed messages with optional file descriptor passing over a
 * local stream socket.  The API follows the OpenBSD >= 7.7 shape; the code
 * is our own.
 *
 * Wire format: a 16-byte header in host byte order followed by the payload.
 * hdr.len counts the header; its top bit (IMSG_FD_MARK) says that a file
 * descriptor was sent with the first byte of this message.
 */

#ifndef CARTERO_IMSG_H
#define CARTERO_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdint.h>

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
#define IMSG_FD_MARK		0x80000000U
#define MAX_IMSGSIZE		16384
#define IMSG_MAXSIZE_LIMIT	(1U << 30)	/* imsgbuf_set_maxsize() cap */

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;
	uint32_t	 peerid;
	uint32_t	 pid;
};

struct imsg_wmsg;			/* private: one queued message */
TAILQ_HEAD(imsg_wqueue, imsg_wmsg);

struct imsgbuf {
	int			 fd;
	int			 allow_fdpass;
	uint32_t		 maxsize;	/* header included */
	/* read side */
	unsigned char		*rbuf;
	size_t			 rsize;		/* allocated */
	size_t			 rpos;		/* first unparsed byte */
	size_t			 rlen;		/* bytes held */
	int			*rfds;		/* received fds, FIFO */
	size_t			 nrfds;
	int			 rfd_overflow;
	/* write side */
	struct imsg_wqueue	 wq;
	uint32_t		 wqlen;
};

struct imsg {
	struct imsg_hdr		 hdr;	/* len: with header, no IMSG_FD_MARK */
	void			*data;	/* payload, NULL when empty */
	void			*buf;	/* private */
	int			 fd;	/* private: use imsg_get_fd() */
};

int		imsgbuf_init(struct imsgbuf *, int);
void		imsgbuf_allow_fdpass(struct imsgbuf *);
int		imsgbuf_set_maxsize(struct imsgbuf *, uint32_t);
int		imsgbuf_read(struct imsgbuf *);
int		imsgbuf_write(struct imsgbuf *);
int		imsgbuf_flush(struct imsgbuf *);
uint32_t	imsgbuf_queuelen(struct imsgbuf *);
void		imsgbuf_clear(struct imsgbuf *);

int		imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
		    const void *, size_t);
int		imsg_composev(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
		    const struct iovec *, int);
int		imsg_forward(struct imsgbuf *, struct imsg *);

ssize_t		imsg_get(struct imsgbuf *, struct imsg *);
uint32_t	imsg_get_type(struct imsg *);
size_t		imsg_get_len(struct imsg *);
uint32_t	imsg_get_id(struct imsg *);
pid_t		imsg_get_pid(struct imsg *);
int		imsg_get_fd(struct imsg *);
int		imsg_get_data(struct imsg *, void *, size_t);
void		imsg_free(struct imsg *);

#endif /* CARTERO_IMSG_H */
