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
 * imsg_fuzz.c -- libFuzzer target: imsg framing on the read side
 * (common/imsg.c).  The input after two control bytes is what a peer
 * writes on the socketpair, sent in pieces (control byte 1) to a reader
 * whose size limit control byte 0 picks; messages are taken out with
 * imsg_get() after every read, as proc.c does.  Whatever the bytes, the
 * reader must either hand out messages that lie inside what was sent
 * or report an error (EBADMSG, ERANGE), never read past its buffer.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_drain(struct imsgbuf *, size_t *);

/* Take every complete message out: -1 when the reader gives up. */
static int
fuzz_drain(struct imsgbuf *ibuf, size_t *got)
{
	struct imsg	 imsg;
	ssize_t		 n;
	size_t		 len;
	char		*copy;

	while ((n = imsg_get(ibuf, &imsg)) > 0) {
		len = imsg_get_len(&imsg);
		if ((size_t)n != len + IMSG_HEADER_SIZE ||
		    (size_t)n > ibuf->maxsize || imsg_get_fd(&imsg) != -1)
			abort();
		if ((copy = malloc(len + 1)) == NULL)
			abort();
		if (imsg_get_data(&imsg, copy, len) == -1 && len > 0)
			abort();
		(void)imsg_get_type(&imsg);
		(void)imsg_get_id(&imsg);
		(void)imsg_get_pid(&imsg);
		free(copy);
		imsg_free(&imsg);
		*got += (size_t)n;
	}
	return (n == -1 ? -1 : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsgbuf	 ibuf;
	size_t		 step, off = 0, got = 0;
	ssize_t		 w;
	uint32_t	 maxsize;
	int		 sv[2], r = 1, rounds = 0;

	if (size < 2)
		return (0);
	maxsize = data[0] ? IMSG_HEADER_SIZE + data[0] : MAX_IMSGSIZE;
	step = data[1] ? data[1] : 4096;
	data += 2, size -= 2;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(sv[1], F_SETFL, O_NONBLOCK) == -1 ||
	    imsgbuf_init(&ibuf, sv[0]) == -1 ||
	    imsgbuf_set_maxsize(&ibuf, maxsize) == -1)
		abort();
	while (r == 1 && rounds++ < 100000) {
		if (off < size) {
			w = write(sv[1], data + off,
			    size - off < step ? size - off : step);
			if (w > 0)
				off += (size_t)w;
			else if (w == -1 && errno != EAGAIN)
				abort();
			if (off == size)
				(void)shutdown(sv[1], SHUT_WR);
		} else if (size == 0)
			(void)shutdown(sv[1], SHUT_WR);
		if ((r = imsgbuf_read(&ibuf)) == -1 ||
		    fuzz_drain(&ibuf, &got) == -1)
			break;
	}
	if (r == 1)
		abort();		/* never saw the end of the stream */
	if (got > size)
		abort();
	imsgbuf_clear(&ibuf);
	close(sv[0]);
	close(sv[1]);
	return (0);
}
