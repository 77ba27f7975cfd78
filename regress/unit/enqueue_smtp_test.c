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
 * enqueue_smtp_test.c -- unit tests for smtpctl/enqueue_smtp.c, the SMTP
 * client of sendmail(8) and of the offline pickup, against a scripted
 * fake server on a socketpair: the commands it sends, the exit status
 * it maps each reply to, and what it refuses to send.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "smtpctl/enqueue_msg.c"
#include "smtpctl/enqueue_smtp.c"

/* What the fake server answers; NULL: the usual success. */
struct script {
	const char	*greeting;
	const char	*ehlo;
	const char	*rcpt;
	const char	*data;		/* after the final dot */
};

struct result {
	int		 status;	/* enq_smtp_send()'s */
	char		 seen[4096];	/* what the server read */
	char		 err[4096];	/* what sendmail said on stderr */
};

static void	fake_serve(int, const struct script *, const char *);
static void	fake_reply(FILE *, const char *, const char *);
static void	run(const struct script *, const char *const *, const char *,
		    struct result *);
static void	slurp_into(const char *, char *, size_t);

static void
fake_reply(FILE *out, const char *want, const char *dflt)
{
	fputs(want != NULL ? want : dflt, out);
	fflush(out);
}

/* The server side: each line read is logged to path and answered. */
static void
fake_serve(int fd, const struct script *sc, const char *path)
{
	FILE	*in, *out, *log;
	char	 line[2048];

	in = fdopen(fd, "r");
	out = fdopen(dup(fd), "w");
	log = fopen(path, "w");
	if (in == NULL || out == NULL || log == NULL)
		_exit(1);
	fake_reply(out, sc->greeting, "220 mx.test ESMTP\r\n");
	while (fgets(line, sizeof(line), in) != NULL) {
		fputs(line, log);
		fflush(log);
		if (strncmp(line, "EHLO ", 5) == 0)
			fake_reply(out, sc->ehlo,
			    "250-mx.test\r\n250-8BITMIME\r\n250 PIPELINING\r\n");
		else if (strncmp(line, "HELO ", 5) == 0 ||
		    strncmp(line, "MAIL ", 5) == 0)
			fake_reply(out, NULL, "250 2.1.0 ok\r\n");
		else if (strncmp(line, "RCPT ", 5) == 0)
			fake_reply(out, sc->rcpt, "250 2.1.5 ok\r\n");
		else if (strcmp(line, "DATA\r\n") == 0) {
			fake_reply(out, NULL, "354 go ahead\r\n");
			while (fgets(line, sizeof(line), in) != NULL) {
				fputs(line, log);
				if (strcmp(line, ".\r\n") == 0)
					break;
			}
			fflush(log);
			fake_reply(out, sc->data, "250 2.0.0 queued\r\n");
		} else if (strcmp(line, "QUIT\r\n") == 0) {
			fake_reply(out, NULL, "221 2.0.0 bye\r\n");
			break;
		} else
			fake_reply(out, NULL, "500 5.5.1 what\r\n");
	}
	fclose(log);
	_exit(0);
}

static void
slurp_into(const char *path, char *buf, size_t size)
{
	int	 fd;
	ssize_t	 n;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) == -1)
		return;
	n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* One transaction from me@here.test to rcpts with message body. */
static void
run(const struct script *sc, const char *const *rcpts, const char *body,
    struct result *res)
{
	struct enq_rcpts	 r;
	struct enqbuf		 msg;
	pid_t			 pid;
	int			 sv[2], errfd, saved;

	memset(&r, 0, sizeof(r));
	for (r.n = 0; rcpts[r.n] != NULL; r.n++)
		;
	r.v = (char **)rcpts;
	memset(&msg, 0, sizeof(msg));
	enqbuf_addstr(&msg, body);
	(void)unlink("seen");
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		fake_serve(sv[1], sc, "seen");
	}
	close(sv[1]);
	fflush(stderr);
	ATF_REQUIRE((errfd = open("err", O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	saved = dup(STDERR_FILENO);
	dup2(errfd, STDERR_FILENO);
	res->status = enq_smtp_send(sv[0], "me@here.test", &r, &msg, 0,
	    "fallback.test");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(errfd);
	kill(pid, SIGTERM);
	ATF_REQUIRE(waitpid(pid, NULL, 0) == pid);
	enqbuf_free(&msg);
	slurp_into("seen", res->seen, sizeof(res->seen));
	slurp_into("err", res->err, sizeof(res->err));
}

static const char *const bob[] = { "bob", "al@example.org", NULL };

ATF_TC_WITHOUT_HEAD(transaction);
ATF_TC_BODY(transaction, tc)
{
	struct script	 sc = { NULL, NULL, NULL, NULL };
	struct result	 res;
	const char	*want;

	signal(SIGPIPE, SIG_IGN);
	/* bare names qualified with the greeting's name; 8-bit body */
	run(&sc, bob, "Subject: x\n\ncaf\xc3\xa9\n.dot\n", &res);
	ATF_CHECK_EQ(res.status, EX_OK);
	ATF_CHECK_STREQ(res.seen, "EHLO localhost\r\n"
	    "MAIL FROM:<me@here.test> BODY=8BITMIME\r\n"
	    "RCPT TO:<bob@mx.test>\r\nRCPT TO:<al@example.org>\r\n"
	    "DATA\r\nSubject: x\r\n\r\ncaf\xc3\xa9\r\n..dot\r\n.\r\n"
	    "QUIT\r\n");
	ATF_CHECK_STREQ(res.err, "");

	/* no 8BITMIME announced: no BODY=; LF-only multi-line replies */
	sc.greeting = "220-other.test hello\n220 more\n";
	sc.ehlo = "250-other.test\n250-SIZE 1000\n250 PIPELINING\n";
	run(&sc, bob, "caf\xc3\xa9\n", &res);
	ATF_CHECK_EQ(res.status, EX_OK);
	ATF_CHECK_STREQ(res.seen, "EHLO localhost\r\n"
	    "MAIL FROM:<me@here.test>\r\n"
	    "RCPT TO:<bob@other.test>\r\nRCPT TO:<al@example.org>\r\n"
	    "DATA\r\ncaf\xc3\xa9\r\n.\r\nQUIT\r\n");

	/* EHLO refused: HELO; a greeting without a usable name */
	sc.greeting = "220 -bad-\r\n";
	sc.ehlo = "502 5.5.1 no\r\n";
	run(&sc, bob, "x\n", &res);
	ATF_CHECK_EQ(res.status, EX_OK);
	want = "EHLO localhost\r\nHELO localhost\r\n"
	    "MAIL FROM:<me@here.test>\r\nRCPT TO:<bob@fallback.test>\r\n";
	ATF_CHECK_MSG(strncmp(res.seen, want, strlen(want)) == 0, "%s",
	    res.seen);
}

ATF_TC_WITHOUT_HEAD(refusals);
ATF_TC_BODY(refusals, tc)
{
	struct script	 sc = { NULL, NULL, NULL, NULL };
	struct result	 res;

	signal(SIGPIPE, SIG_IGN);
	sc.rcpt = "550 5.1.1 no such user\r\n";
	run(&sc, bob, "x\n", &res);
	ATF_CHECK_EQ(res.status, EX_NOUSER);
	ATF_CHECK_STREQ(res.err, "sendmail: RCPT TO:<bob@mx.test>: "
	    "550 5.1.1 no such user\n");
	ATF_CHECK(strstr(res.seen, "DATA") == NULL);
	ATF_CHECK(strstr(res.seen, "QUIT\r\n") != NULL);

	sc.rcpt = "452-4.2.2 mailbox\r\n452 4.2.2 full\r\n";
	run(&sc, bob, "x\n", &res);
	ATF_CHECK_EQ(res.status, EX_TEMPFAIL);
	ATF_CHECK_STREQ(res.err, "sendmail: RCPT TO:<bob@mx.test>: "
	    "452-4.2.2 mailbox\n452 4.2.2 full\n");

	sc.rcpt = NULL;
	sc.data = "554 5.6.0 no thanks\r\n";
	run(&sc, bob, "x\n", &res);
	ATF_CHECK_EQ(res.status, EX_DATAERR);
	ATF_CHECK_STREQ(res.err, "sendmail: end of DATA: "
	    "554 5.6.0 no thanks\n");

	sc.data = NULL;
	sc.greeting = "554 go away\r\n";
	run(&sc, bob, "x\n", &res);
	ATF_CHECK_EQ(res.status, EX_DATAERR);
}

/* A garbled reply is a lost connection: tempfail, kept offline. */
ATF_TC_WITHOUT_HEAD(garbled);
ATF_TC_BODY(garbled, tc)
{
	static const char *const bad[] = {
		"250-a\r\n251 b\r\n", "2x0 ok\r\n", "250ok\r\n",
		"250 a\rb\r\n", "99 x\r\n",
	};
	struct script	 sc = { NULL, NULL, NULL, NULL };
	struct result	 res;
	size_t		 i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc.rcpt = bad[i];
		run(&sc, bob, "x\n", &res);
		ATF_CHECK_EQ_MSG(res.status, EX_TEMPFAIL, "case %zu", i);
		ATF_CHECK_STREQ(res.err, "sendmail: RCPT TO:<bob@mx.test>: "
		    "connection to smtpd lost or garbled reply\n");
	}
}

/* A line break in an address is not sent as a second command. */
ATF_TC_WITHOUT_HEAD(injection);
ATF_TC_BODY(injection, tc)
{
	static const char *const evil[] = {
		"x@y>\r\nRCPT TO:<root@mx.test", NULL
	};
	struct script	 sc = { NULL, NULL, NULL, NULL };
	struct result	 res;

	signal(SIGPIPE, SIG_IGN);
	run(&sc, evil, "x\n", &res);
	ATF_CHECK_EQ(res.status, EX_DATAERR);
	ATF_CHECK_STREQ(res.seen, "EHLO localhost\r\n"
	    "MAIL FROM:<me@here.test>\r\nQUIT\r\n");
	ATF_CHECK(strstr(res.err, "command not sent") != NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, transaction);
	ATF_TP_ADD_TC(tp, refusals);
	ATF_TP_ADD_TC(tp, garbled);
	ATF_TP_ADD_TC(tp, injection);
	return (atf_no_error());
}
