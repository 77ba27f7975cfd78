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
 * imapd_session_test.c -- the session process's connection handling
 * (session.c) on a socketpair, with the real store in a temporary
 * directory: the greeting after a handover (the LOGIN tag answered),
 * the autologout timer, session_kick(), session_count() and
 * session_on_empty(), a client that does not read.  The event loop is
 * run in bounded steps between the client's reads.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <atf-c.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "session.h"

#define STEP_MS		10
#define WAIT_MS		20000

static int	 emptied;

static void
on_empty_cb(void)
{
	emptied++;
}

static void
setup(int idle_timeout)
{
	struct session_params	 p;
	char			 root[] = "storeXXXXXX";

	log_init(1, 0);
	event_init();
	ATF_REQUIRE(mkdtemp(root) != NULL);
	memset(&p, 0, sizeof(p));
	p.root = root;
	p.user = "tester";
	p.hostname = "test.example";
	p.max_append = 1024 * 1024;
	p.idle_timeout = idle_timeout;
	ATF_REQUIRE_EQ(session_init(&p), 0);
	emptied = 0;
	session_on_empty(on_empty_cb);
}

/* a connection handed over; the client's end is returned */
static int
start(const char *tag)
{
	struct conn_start	 cs;
	int			 sv[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	memset(&cs, 0, sizeof(cs));
	(void)strlcpy(cs.tag, tag, sizeof(cs.tag));
	cs.preauth = tag[0] == '\0';
	(void)strlcpy(cs.user, "tester", sizeof(cs.user));
	(void)strlcpy(cs.peer, "127.0.0.1", sizeof(cs.peer));
	session_conn_start(sv[0], &cs);
	ATF_REQUIRE(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	return (sv[1]);
}

/*
 * Run the loop until the client has read a whole line containing want
 * (everything read so far goes into buf); 0 at EOF or after WAIT_MS.
 */
static int
expect(int fd, char *buf, size_t size, size_t *len, const char *want)
{
	ssize_t		 n;
	int		 waited;

	for (waited = 0; waited < WAIT_MS; waited += STEP_MS) {
		(void)event_loop(EVLOOP_NONBLOCK);
		n = read(fd, buf + *len, size - 1 - *len);
		if (n > 0) {
			*len += (size_t)n;
			buf[*len] = '\0';
		} else if (n == 0)
			return (strstr(buf, want) != NULL);
		else if (errno != EAGAIN)
			return (0);
		if (strstr(buf, want) != NULL && buf[*len - 1] == '\n')
			return (1);
		(void)poll(NULL, 0, STEP_MS);
	}
	return (0);
}

/* run the loop until session_count() is n */
static int
wait_count(size_t n)
{
	int	 waited;

	for (waited = 0; waited < WAIT_MS; waited += STEP_MS) {
		(void)event_loop(EVLOOP_NONBLOCK);
		if (session_count() == n)
			return (1);
		(void)poll(NULL, 0, STEP_MS);
	}
	return (0);
}

static void
say(int fd, const char *s)
{
	ATF_REQUIRE_EQ(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

ATF_TC_WITHOUT_HEAD(handover_tag);
ATF_TC_BODY(handover_tag, tc)
{
	char	 buf[8192] = "";
	size_t	 len = 0;
	int	 fd;

	setup(60);
	fd = start("a001");
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len,
	    "a001 OK [CAPABILITY IMAP4rev1 "));
	ATF_CHECK(strstr(buf, "PREAUTH") == NULL);
	ATF_CHECK(strstr(buf, "APPENDLIMIT=1048576") != NULL);
	say(fd, "a002 NOOP\r\n");
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "a002 OK"));
	ATF_CHECK_EQ(session_count(), 1);
	say(fd, "a003 LOGOUT\r\n");
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "a003 OK"));
	ATF_CHECK(strstr(buf, "* BYE") != NULL);
	ATF_REQUIRE(wait_count(0));
	ATF_CHECK_EQ(emptied, 1);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(autologout);
ATF_TC_BODY(autologout, tc)
{
	char	 buf[8192] = "";
	size_t	 len = 0;
	int	 fd;

	setup(1);
	fd = start("");
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "* PREAUTH"));
	/* silence: the session says BYE and goes */
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "* BYE Autologout"));
	ATF_REQUIRE(wait_count(0));
	ATF_CHECK_EQ(emptied, 1);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(autologout_idle);
ATF_TC_BODY(autologout_idle, tc)
{
	char	 buf[8192] = "";
	size_t	 len = 0;
	int	 fd;

	setup(1);
	fd = start("");
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "* PREAUTH"));
	say(fd, "i1 SELECT INBOX\r\ni2 IDLE\r\n");
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "+ idling"));
	/* IDLE does not stop the timer (clients re-IDLE every 29 min) */
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "* BYE Autologout"));
	ATF_REQUIRE(wait_count(0));
	close(fd);
}

ATF_TC_WITHOUT_HEAD(kick);
ATF_TC_BODY(kick, tc)
{
	char	 b1[8192] = "", b2[8192] = "";
	size_t	 l1 = 0, l2 = 0;
	int	 f1, f2;

	setup(60);
	f1 = start("");
	f2 = start("x1");
	ATF_REQUIRE(expect(f1, b1, sizeof(b1), &l1, "* PREAUTH"));
	ATF_REQUIRE(expect(f2, b2, sizeof(b2), &l2, "x1 OK"));
	ATF_CHECK_EQ(session_count(), 2);
	session_kick("Server shutting down");
	ATF_REQUIRE(expect(f1, b1, sizeof(b1), &l1,
	    "* BYE Server shutting down"));
	ATF_REQUIRE(expect(f2, b2, sizeof(b2), &l2,
	    "* BYE Server shutting down"));
	ATF_REQUIRE(wait_count(0));
	ATF_CHECK_EQ(emptied, 1);
	close(f1);
	close(f2);
}

ATF_TC_WITHOUT_HEAD(disconnect);
ATF_TC_BODY(disconnect, tc)
{
	char	 buf[8192] = "";
	size_t	 len = 0;
	int	 fd;

	setup(60);
	fd = start("");
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "* PREAUTH"));
	/* a command, then EOF at once: answered, then the session goes */
	say(fd, "d1 NOOP\r\n");
	ATF_REQUIRE(shutdown(fd, SHUT_WR) == 0);
	ATF_REQUIRE(expect(fd, buf, sizeof(buf), &len, "d1 OK"));
	ATF_REQUIRE(wait_count(0));
	close(fd);
}

/*
 * A client that sends and never reads: the session stops taking
 * commands once its output is over CONN_OUT_HIWAT, so the client cannot
 * write them all (the session's memory stays bounded); once it reads,
 * every command is answered, in order.
 */
#define NR_CMDS	100000

ATF_TC_WITHOUT_HEAD(nonreader);
ATF_TC_BODY(nonreader, tc)
{
	struct buf	 out, in;
	size_t		 w = 0, scan = 0, next = 0;
	ssize_t		 n;
	char		 rbuf[65536], tag[32], *nl;
	int		 fd, i, waited, phase1;

	setup(60);
	fd = start("");
	buf_init(&out);
	buf_init(&in);
	for (i = 0; i < NR_CMDS; i++)
		buf_addf(&out, "c%d CAPABILITY\r\n", i);
	/* phase 1: write only, for a while */
	for (waited = 0; waited < 1000; waited += STEP_MS) {
		(void)event_loop(EVLOOP_NONBLOCK);
		if (w < out.len && (n = write(fd, out.s + w, out.len - w)) > 0)
			w += (size_t)n;
		(void)poll(NULL, 0, STEP_MS);
	}
	phase1 = w < out.len;
	ATF_CHECK_MSG(phase1, "the session took all %zu bytes of commands "
	    "without its answers being read", out.len);
	/* phase 2: write and read; check the tags come in order */
	for (waited = 0; next < NR_CMDS && waited < 10 * WAIT_MS;
	    waited += 1) {
		(void)event_loop(EVLOOP_NONBLOCK);
		if (w < out.len && (n = write(fd, out.s + w, out.len - w)) > 0)
			w += (size_t)n;
		if ((n = read(fd, rbuf, sizeof(rbuf))) > 0)
			buf_add(&in, rbuf, (size_t)n);
		else if (n == 0)
			break;
		else
			(void)poll(NULL, 0, 1);
		while ((nl = memchr(in.s + scan, '\n', in.len - scan)) !=
		    NULL) {
			if (in.s[scan] == 'c') {
				(void)snprintf(tag, sizeof(tag), "c%zu OK ",
				    next);
				ATF_REQUIRE_MSG(strncmp(in.s + scan, tag,
				    strlen(tag)) == 0, "expected %s", tag);
				next++;
			}
			scan = (size_t)(nl - in.s) + 1;
		}
		if (scan > 1024 * 1024) {
			memmove(in.s, in.s + scan, in.len - scan);
			in.len -= scan;
			scan = 0;
		}
	}
	ATF_CHECK_EQ(next, NR_CMDS);
	buf_free(&out);
	buf_free(&in);
	close(fd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, handover_tag);
	ATF_TP_ADD_TC(tp, autologout);
	ATF_TP_ADD_TC(tp, autologout_idle);
	ATF_TP_ADD_TC(tp, kick);
	ATF_TP_ADD_TC(tp, disconnect);
	ATF_TP_ADD_TC(tp, nonreader);
	return (atf_no_error());
}
