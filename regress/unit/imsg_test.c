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
 * imsg_test.c -- unit tests for common/imsg.c
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

static void	pair(int [2], int);
static void	pump(struct imsgbuf *, struct imsgbuf *);
static int	get_one(struct imsgbuf *, struct imsg *);

static void
pair(int sv[2], int nonblock)
{
	int	 i, fl;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if (!nonblock)
		return;
	for (i = 0; i < 2; i++) {
		fl = fcntl(sv[i], F_GETFL);
		ATF_REQUIRE(fcntl(sv[i], F_SETFL, fl | O_NONBLOCK) == 0);
	}
}

/* Send everything queued on w, reading on r as we go. */
static void
pump(struct imsgbuf *w, struct imsgbuf *r)
{
	ATF_REQUIRE(imsgbuf_write(w) == 0);
	ATF_REQUIRE(imsgbuf_read(r) == 1);
}

/* Read until one message is complete. */
static int
get_one(struct imsgbuf *r, struct imsg *imsg)
{
	ssize_t	 n;
	int	 tries;

	for (tries = 0; tries < 1000; tries++) {
		if ((n = imsg_get(r, imsg)) == -1)
			return (-1);
		if (n > 0)
			return (1);
		if (imsgbuf_read(r) != 1)
			return (-1);
	}
	return (0);
}

ATF_TC_WITHOUT_HEAD(roundtrip);
ATF_TC_BODY(roundtrip, tc)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	unsigned char	 buf[2000], got[2000];
	int		 sv[2], i, j, n = 300;
	size_t		 len;

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&a, sv[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	for (i = 0; i < n; i++) {
		len = (size_t)(i * 7) % sizeof(buf);
		for (j = 0; j < (int)len; j++)
			buf[j] = (unsigned char)(i + j);
		ATF_REQUIRE(imsg_compose(&a, 1000 + i, i * 3, 4242, -1,
		    len ? buf : NULL, len) != -1);
	}
	ATF_CHECK(imsgbuf_queuelen(&a) == (uint32_t)n);
	for (i = 0; i < n; i++) {
		ATF_REQUIRE(imsgbuf_write(&a) == 0);
		ATF_REQUIRE(get_one(&b, &imsg) == 1);
		len = (size_t)(i * 7) % sizeof(buf);
		ATF_CHECK(imsg_get_type(&imsg) == (uint32_t)(1000 + i));
		ATF_CHECK(imsg_get_id(&imsg) == (uint32_t)(i * 3));
		ATF_CHECK(imsg_get_pid(&imsg) == 4242);
		ATF_REQUIRE(imsg_get_len(&imsg) == len);
		ATF_CHECK(imsg_get_fd(&imsg) == -1);
		if (len == 0)
			ATF_CHECK(imsg.data == NULL);
		ATF_REQUIRE(imsg_get_data(&imsg, got, len) == 0);
		for (j = 0; j < (int)len; j++)
			ATF_REQUIRE(got[j] == (unsigned char)(i + j));
		imsg_free(&imsg);
	}
	ATF_CHECK(imsgbuf_queuelen(&a) == 0);
	ATF_CHECK(imsg_get(&b, &imsg) == 0);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(maxsize);
ATF_TC_BODY(maxsize, tc)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	static char	 big[65536];
	int		 sv[2];

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&a, sv[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	memset(big, 'x', sizeof(big));

	/* exactly MAX_IMSGSIZE with the header: accepted */
	ATF_REQUIRE(imsg_compose(&a, 1, 0, 0, -1, big,
	    MAX_IMSGSIZE - IMSG_HEADER_SIZE) != -1);
	/* one more byte: ERANGE, nothing queued */
	errno = 0;
	ATF_CHECK(imsg_compose(&a, 2, 0, 0, -1, big,
	    MAX_IMSGSIZE - IMSG_HEADER_SIZE + 1) == -1);
	ATF_CHECK_EQ(errno, ERANGE);
	ATF_CHECK(imsgbuf_queuelen(&a) == 1);
	ATF_REQUIRE(imsgbuf_flush(&a) == 0);
	ATF_REQUIRE(get_one(&b, &imsg) == 1);
	ATF_CHECK(imsg_get_len(&imsg) == MAX_IMSGSIZE - IMSG_HEADER_SIZE);
	ATF_CHECK(memcmp(imsg.data, big, imsg_get_len(&imsg)) == 0);
	imsg_free(&imsg);

	/* raise the limit on both ends */
	ATF_REQUIRE(imsgbuf_set_maxsize(&a, 60000) == 0);
	ATF_REQUIRE(imsgbuf_set_maxsize(&b, 60000) == 0);
	ATF_REQUIRE(imsg_compose(&a, 3, 0, 0, -1, big, 50000) != -1);
	ATF_REQUIRE(imsgbuf_flush(&a) == 0);
	ATF_REQUIRE(get_one(&b, &imsg) == 1);
	ATF_CHECK(imsg_get_len(&imsg) == 50000);
	imsg_free(&imsg);
	ATF_CHECK(imsgbuf_set_maxsize(&a, 3) == -1);

	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(forged_header);
ATF_TC_BODY(forged_header, tc)
{
	struct imsgbuf	 b;
	struct imsg_hdr	 hdr;
	int		 sv[2];

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = 1;
	hdr.len = MAX_IMSGSIZE + 1;
	ATF_REQUIRE(write(sv[0], &hdr, sizeof(hdr)) == sizeof(hdr));
	errno = 0;
	ATF_CHECK_EQ(imsgbuf_read(&b), -1);
	ATF_CHECK_EQ(errno, ERANGE);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);

	/* shorter than a header */
	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	hdr.len = 3;
	ATF_REQUIRE(write(sv[0], &hdr, sizeof(hdr)) == sizeof(hdr));
	errno = 0;
	ATF_CHECK_EQ(imsgbuf_read(&b), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(partial);
ATF_TC_BODY(partial, tc)
{
	struct imsgbuf	 b;
	struct imsg	 imsg;
	struct imsg_hdr	 hdr;
	unsigned char	 wire[2 * (sizeof(hdr) + 10)];
	size_t		 i, msglen = sizeof(hdr) + 10;
	int		 sv[2], m;

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	for (m = 0; m < 2; m++) {
		hdr.type = 77 + m;
		hdr.len = msglen;
		hdr.peerid = 5;
		hdr.pid = 6;
		memcpy(wire + m * msglen, &hdr, sizeof(hdr));
		memcpy(wire + m * msglen + sizeof(hdr), "0123456789", 10);
	}
	for (i = 0; i < sizeof(wire); i++) {
		ATF_REQUIRE(write(sv[0], &wire[i], 1) == 1);
		ATF_REQUIRE_EQ(imsgbuf_read(&b), 1);
		if (i + 1 == msglen || i + 1 == 2 * msglen) {
			ATF_REQUIRE(imsg_get(&b, &imsg) == (ssize_t)msglen);
			ATF_CHECK(imsg_get_type(&imsg) ==
			    (i + 1 == msglen ? 77U : 78U));
			ATF_CHECK(imsg_get_len(&imsg) == 10);
			ATF_CHECK(memcmp(imsg.data, "0123456789", 10) == 0);
			imsg_free(&imsg);
		}
		ATF_REQUIRE_EQ(imsg_get(&b, &imsg), 0);
	}
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(fdpass);
ATF_TC_BODY(fdpass, tc)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	int		 sv[2], p[3][2], i, fd;
	char		 buf[32];

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&a, sv[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	imsgbuf_allow_fdpass(&b);
	/* fd, none, fd, none, fd: order must be kept */
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE(pipe(p[i]) == 0);
		ATF_REQUIRE(imsg_compose(&a, 10 + i, i, 0, p[i][1],
		    "x", 1) != -1);
		ATF_REQUIRE(imsg_compose(&a, 20 + i, i, 0, -1, NULL, 0) != -1);
	}
	ATF_REQUIRE(imsgbuf_flush(&a) == 0);
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE(get_one(&b, &imsg) == 1);
		ATF_CHECK(imsg_get_type(&imsg) == (uint32_t)(10 + i));
		fd = imsg_get_fd(&imsg);
		ATF_REQUIRE(fd >= 0);
		ATF_CHECK(imsg_get_fd(&imsg) == -1);
		imsg_free(&imsg);
		(void)snprintf(buf, sizeof(buf), "hello %d", i);
		ATF_REQUIRE(write(fd, buf, strlen(buf)) ==
		    (ssize_t)strlen(buf));
		close(fd);
		memset(buf, 0, sizeof(buf));
		ATF_REQUIRE(read(p[i][0], buf, sizeof(buf)) == 7);
		ATF_CHECK(buf[6] == '0' + i);
		/* sender closed its copy: we held the last write end */
		ATF_CHECK(read(p[i][0], buf, sizeof(buf)) == 0);
		close(p[i][0]);

		ATF_REQUIRE(get_one(&b, &imsg) == 1);
		ATF_CHECK(imsg_get_type(&imsg) == (uint32_t)(20 + i));
		ATF_CHECK(imsg_get_fd(&imsg) == -1);
		imsg_free(&imsg);
	}
	/* imsg_free closes an unclaimed fd */
	ATF_REQUIRE(pipe(p[0]) == 0);
	ATF_REQUIRE(imsg_compose(&a, 30, 0, 0, p[0][1], NULL, 0) != -1);
	ATF_REQUIRE(imsgbuf_flush(&a) == 0);
	ATF_REQUIRE(get_one(&b, &imsg) == 1);
	imsg_free(&imsg);
	ATF_CHECK(read(p[0][0], buf, sizeof(buf)) == 0);
	close(p[0][0]);

	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(fd_refused);
ATF_TC_BODY(fd_refused, tc)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	int		 sv[2], p[2];
	char		 c;

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&a, sv[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE(imsg_compose(&a, 1, 0, 0, p[1], "abc", 3) != -1);
	ATF_REQUIRE(imsgbuf_flush(&a) == 0);
	ATF_REQUIRE(get_one(&b, &imsg) == 1);
	ATF_CHECK(imsg_get_fd(&imsg) == -1);
	ATF_CHECK(imsg_get_len(&imsg) == 3);
	imsg_free(&imsg);
	/* both copies of the write end are closed: EOF */
	ATF_CHECK(read(p[0], &c, 1) == 0);
	close(p[0]);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(get_data_size);
ATF_TC_BODY(get_data_size, tc)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	uint64_t	 v = 0x1122334455667788ULL, out = 0;
	uint32_t	 small;
	unsigned char	 large[16];
	int		 sv[2];

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&a, sv[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	ATF_REQUIRE(imsg_compose(&a, 1, 0, 0, -1, &v, sizeof(v)) != -1);
	pump(&a, &b);
	ATF_REQUIRE(imsg_get(&b, &imsg) > 0);
	errno = 0;
	ATF_CHECK(imsg_get_data(&imsg, &small, sizeof(small)) == -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	errno = 0;
	ATF_CHECK(imsg_get_data(&imsg, large, sizeof(large)) == -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	ATF_CHECK(imsg_get_data(&imsg, &out, sizeof(out)) == 0);
	ATF_CHECK(out == v);
	imsg_free(&imsg);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(eagain_queue);
ATF_TC_BODY(eagain_queue, tc)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	char		 buf[1000];
	int		 sv[2], n = 5000, got = 0, rounds = 0;
	uint32_t	 v;

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&a, sv[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	memset(buf, 'q', sizeof(buf));
	for (v = 0; v < (uint32_t)n; v++) {
		memcpy(buf, &v, sizeof(v));
		ATF_REQUIRE(imsg_compose(&a, 7, v, 0, -1, buf,
		    sizeof(buf)) != -1);
	}
	/* 5 MB cannot fit in the socket buffers: EAGAIN is not an error */
	ATF_REQUIRE(imsgbuf_write(&a) == 0);
	ATF_CHECK(imsgbuf_queuelen(&a) > 0);
	ATF_CHECK(imsgbuf_queuelen(&a) < (uint32_t)n);
	while (got < n) {
		ATF_REQUIRE(++rounds < 100000);
		ATF_REQUIRE(imsgbuf_write(&a) == 0);
		ATF_REQUIRE(imsgbuf_read(&b) == 1);
		while (imsg_get(&b, &imsg) > 0) {
			ATF_REQUIRE(imsg_get_len(&imsg) == sizeof(buf));
			memcpy(&v, imsg.data, sizeof(v));
			ATF_REQUIRE(v == (uint32_t)got);
			ATF_REQUIRE(imsg_get_id(&imsg) == (uint32_t)got);
			imsg_free(&imsg);
			got++;
		}
	}
	ATF_CHECK(imsgbuf_queuelen(&a) == 0);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(eof);
ATF_TC_BODY(eof, tc)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	int		 sv[2];

	pair(sv, 1);
	ATF_REQUIRE(imsgbuf_init(&a, sv[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, sv[1]) == 0);
	ATF_REQUIRE(imsg_compose(&a, 1, 0, 0, -1, "z", 1) != -1);
	ATF_REQUIRE(imsgbuf_flush(&a) == 0);
	imsgbuf_clear(&a);
	close(sv[0]);
	ATF_REQUIRE_EQ(imsgbuf_read(&b), 1);
	ATF_REQUIRE(imsg_get(&b, &imsg) > 0);
	imsg_free(&imsg);
	ATF_CHECK_EQ(imsgbuf_read(&b), 0);
	/* nothing queued: no EAGAIN either */
	ATF_CHECK_EQ(imsg_get(&b, &imsg), 0);
	imsgbuf_clear(&b);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(composev_forward);
ATF_TC_BODY(composev_forward, tc)
{
	struct imsgbuf	 a, b, c;
	struct imsg	 imsg;
	struct iovec	 iov[3];
	int		 s1[2], s2[2], p[2];
	char		 ch;

	pair(s1, 1);
	pair(s2, 1);
	ATF_REQUIRE(imsgbuf_init(&a, s1[0]) == 0);
	ATF_REQUIRE(imsgbuf_init(&b, s1[1]) == 0);
	ATF_REQUIRE(imsgbuf_init(&c, s2[1]) == 0);
	imsgbuf_allow_fdpass(&b);
	imsgbuf_allow_fdpass(&c);
	iov[0].iov_base = "ab";
	iov[0].iov_len = 2;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = "cde";
	iov[2].iov_len = 3;
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE(imsg_composev(&a, 9, 8, 7, p[1], iov, 3) != -1);
	ATF_REQUIRE(imsgbuf_flush(&a) == 0);
	ATF_REQUIRE(get_one(&b, &imsg) == 1);
	ATF_CHECK(imsg_get_len(&imsg) == 5);
	ATF_CHECK(memcmp(imsg.data, "abcde", 5) == 0);

	/* forward b -> c over another socketpair, fd included */
	close(s1[0]);
	b.fd = s2[0];
	ATF_REQUIRE(imsg_forward(&b, &imsg) != -1);
	imsg_free(&imsg);
	ATF_REQUIRE(imsgbuf_flush(&b) == 0);
	ATF_REQUIRE(get_one(&c, &imsg) == 1);
	ATF_CHECK(imsg_get_type(&imsg) == 9);
	ATF_CHECK(imsg_get_id(&imsg) == 8);
	ATF_CHECK(imsg_get_pid(&imsg) == 7);
	ATF_CHECK(imsg_get_len(&imsg) == 5);
	ATF_REQUIRE(imsg.fd >= 0);
	ATF_REQUIRE(write(imsg.fd, "!", 1) == 1);
	imsg_free(&imsg);
	ATF_CHECK(read(p[0], &ch, 1) == 1 && ch == '!');
	ATF_CHECK(read(p[0], &ch, 1) == 0);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	imsgbuf_clear(&c);
	close(s1[1]);
	close(s2[0]);
	close(s2[1]);
	close(p[0]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, roundtrip);
	ATF_TP_ADD_TC(tp, maxsize);
	ATF_TP_ADD_TC(tp, forged_header);
	ATF_TP_ADD_TC(tp, partial);
	ATF_TP_ADD_TC(tp, fdpass);
	ATF_TP_ADD_TC(tp, fd_refused);
	ATF_TP_ADD_TC(tp, get_data_size);
	ATF_TP_ADD_TC(tp, eagain_queue);
	ATF_TP_ADD_TC(tp, eof);
	ATF_TP_ADD_TC(tp, composev_forward);
	return (atf_no_error());
}
