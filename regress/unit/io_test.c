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
 * io_test.c -- unit tests for common/io.c over a socketpair.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atf-c.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

struct rec {
	int	 events[64];
	size_t	 nevents;
	char	 lines[8][64];
	size_t	 nlines;
	int	 free_on;	/* io_free() on this event */
	int	 freed;
};

static void
rec_cb(struct io *io, int evt, void *arg)
{
	struct rec	*r = arg;
	char		*line;
	size_t		 len;

	if (r->nevents < 64)
		r->events[r->nevents++] = evt;
	if (evt == IO_DATAIN) {
		while ((line = io_getline(io, &len)) != NULL) {
			ATF_REQUIRE(r->nlines < 8);
			ATF_REQUIRE(len < 64);
			memcpy(r->lines[r->nlines], line, len + 1);
			r->nlines++;
		}
	}
	if (evt == r->free_on) {
		io_free(io);
		r->freed = 1;
	}
}

static int
rec_has(struct rec *r, int evt)
{
	size_t	 i;

	for (i = 0; i < r->nevents; i++)
		if (r->events[i] == evt)
			return (1);
	return (0);
}

static void
pair(int sv[2])
{
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
}

static void
loop_once(void)
{
	struct timeval	 tv = { 0, 20000 };

	event_loopexit(&tv);
	event_dispatch();
}

ATF_TC_WITHOUT_HEAD(partial_lines);
ATF_TC_BODY(partial_lines, tc)
{
	static const char	*chunks[] = { "EH", "LO a", "\r",
	    "\nNOOP\r\nQU", "IT\r\n" };
	struct rec		 r;
	struct io		*io;
	size_t			 i;
	int			 sv[2];

	event_init();
	memset(&r, 0, sizeof(r));
	pair(sv);
	io = io_new(sv[0], rec_cb, &r);
	for (i = 0; i < 5; i++) {
		ATF_REQUIRE(write(sv[1], chunks[i], strlen(chunks[i])) ==
		    (ssize_t)strlen(chunks[i]));
		loop_once();
	}
	ATF_REQUIRE_EQ(r.nlines, 3);
	ATF_CHECK_STREQ(r.lines[0], "EHLO a");
	ATF_CHECK_STREQ(r.lines[1], "NOOP");
	ATF_CHECK_STREQ(r.lines[2], "QUIT");
	ATF_CHECK_EQ(io_datalen(io), 0);

	/* bytes without LF stay buffered */
	ATF_REQUIRE(write(sv[1], "DATA", 4) == 4);
	loop_once();
	ATF_CHECK_EQ(r.nlines, 3);
	ATF_CHECK_EQ(io_datalen(io), 4);
	ATF_CHECK(memcmp(io_data(io), "DATA", 4) == 0);
	io_drop(io, 2);
	ATF_CHECK(memcmp(io_data(io), "TA", 2) == 0);

	/* EOF: IO_DISCONNECTED, buffered bytes still there */
	close(sv[1]);
	loop_once();
	ATF_CHECK(rec_has(&r, IO_DISCONNECTED));
	ATF_CHECK(io_eof(io));
	ATF_CHECK_EQ(io_datalen(io), 2);
	io_free(io);
}

ATF_TC_WITHOUT_HEAD(write_lowat);
ATF_TC_BODY(write_lowat, tc)
{
	struct rec	 r;
	struct io	*io;
	char		*big, buf[65536];
	size_t		 total = 0, sz = 1024 * 1024;
	ssize_t		 n;
	int		 sv[2], i;

	event_init();
	memset(&r, 0, sizeof(r));
	pair(sv);
	ATF_REQUIRE(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	io = io_new(sv[0], rec_cb, &r);
	big = malloc(sz);
	ATF_REQUIRE(big != NULL);
	memset(big, 'x', sz);
	ATF_REQUIRE(io_write(io, big, sz) == 0);
	ATF_REQUIRE(io_printf(io, "%s %d\r\n", "end", 42) == 0);
	ATF_CHECK_EQ(io_queued(io), sz + 8);
	for (i = 0; i < 2000 && total < sz + 8; i++) {
		loop_once();
		while ((n = read(sv[1], buf, sizeof(buf))) > 0)
			total += (size_t)n;
	}
	ATF_CHECK_EQ(total, sz + 8);
	ATF_CHECK_EQ(io_queued(io), 0);
	ATF_CHECK(rec_has(&r, IO_LOWAT));
	free(big);
	io_free(io);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(timeout);
ATF_TC_BODY(timeout, tc)
{
	struct rec	 r;
	struct io	*io;
	int		 sv[2], i;

	event_init();
	memset(&r, 0, sizeof(r));
	r.free_on = IO_TIMEOUT;
	pair(sv);
	io = io_new(sv[0], rec_cb, &r);
	io_set_timeout(io, 150);
	/* traffic keeps it alive */
	for (i = 0; i < 6; i++) {
		ATF_REQUIRE(write(sv[1], "x\n", 2) == 2);
		loop_once();
		loop_once();
	}
	ATF_CHECK(!rec_has(&r, IO_TIMEOUT));
	ATF_CHECK_EQ(r.nlines, 6);
	/* silence does not */
	for (i = 0; i < 20 && !r.freed; i++)
		loop_once();
	ATF_CHECK(rec_has(&r, IO_TIMEOUT));
	ATF_CHECK(r.freed);
	/* io_free() closed the descriptor */
	ATF_CHECK(send(sv[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(read_max);
ATF_TC_BODY(read_max, tc)
{
	struct rec	 r;
	struct io	*io;
	char		 buf[8192];
	int		 sv[2], i;

	event_init();
	memset(&r, 0, sizeof(r));
	pair(sv);
	io = io_new(sv[0], rec_cb, &r);
	io_set_read_max(io, 2048);
	io_pause_read(io, 1);
	memset(buf, 'a', sizeof(buf));
	ATF_REQUIRE(write(sv[1], buf, sizeof(buf)) == sizeof(buf));
	loop_once();
	ATF_CHECK_EQ(io_datalen(io), 0);	/* paused */
	io_pause_read(io, 0);
	for (i = 0; i < 5; i++)
		loop_once();
	ATF_CHECK_EQ(io_datalen(io), 2048);	/* bounded, no LF */
	io_drop(io, 2048);
	for (i = 0; i < 5; i++)
		loop_once();
	ATF_CHECK_EQ(io_datalen(io), 2048);
	io_free(io);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(error);
ATF_TC_BODY(error, tc)
{
	struct rec	 r;
	struct io	*io;
	int		 sv[2], i;

	event_init();
	memset(&r, 0, sizeof(r));
	r.free_on = IO_ERROR;
	pair(sv);
	io = io_new(sv[0], rec_cb, &r);
	close(sv[1]);
	ATF_REQUIRE(io_write(io, "hello\r\n", 7) == 0);
	for (i = 0; i < 5 && !r.freed; i++)
		loop_once();
	ATF_CHECK(rec_has(&r, IO_ERROR) || rec_has(&r, IO_DISCONNECTED));
	if (!r.freed)
		io_free(io);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, partial_lines);
	ATF_TP_ADD_TC(tp, write_lowat);
	ATF_TP_ADD_TC(tp, timeout);
	ATF_TP_ADD_TC(tp, read_max);
	ATF_TP_ADD_TC(tp, error);
	return (atf_no_error());
}
