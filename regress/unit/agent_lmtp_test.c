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
 * agent_lmtp_test.c -- the LMTP agent's dialogue (agent/agent_lmtp.c on
 * common/smtp_client.c) against a scripted fake server on a unix socket:
 * which reply line becomes the errorline, what a malformed reply does,
 * and that a command too long or with a line break is not sent.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"
#include "util.h"
#include "agent.h"

#define SOCK	"lmtp.sock"

/* Replies of the fake server; NULL: success. */
struct script {
	const char	*lhlo;
	const char	*rcpt;
	const char	*final;		/* after the dot */
};

static pid_t	fake_start(const struct script *);
static void	fake_serve(int, const struct script *);
static void	fake_say(FILE *, const char *, const char *);
static int	deliver(const char *, const struct script *,
		    struct agent_report *, char *, size_t);

static const char	*domain = "example.net";	/* of the recipient */

static void
fake_say(FILE *out, const char *want, const char *dflt)
{
	fputs(want != NULL ? want : dflt, out);
	fflush(out);
}

static void
fake_serve(int c, const struct script *sc)
{
	FILE	*in, *out, *log;
	char	 line[2048];

	in = fdopen(c, "r");
	out = fdopen(dup(c), "w");
	if (in == NULL || out == NULL || (log = fopen("seen", "a")) == NULL)
		_exit(1);
	fake_say(out, NULL, "220 fake LMTP\r\n");
	while (fgets(line, sizeof(line), in) != NULL) {
		fputs(line, log);
		fflush(log);
		if (strncmp(line, "LHLO ", 5) == 0)
			fake_say(out, sc->lhlo, "250-fake\r\n250 PIPELINING\r\n");
		else if (strncmp(line, "RCPT ", 5) == 0)
			fake_say(out, sc->rcpt, "250 2.1.5 ok\r\n");
		else if (strcmp(line, "DATA\r\n") == 0) {
			fake_say(out, NULL, "354 go ahead\r\n");
			while (fgets(line, sizeof(line), in) != NULL &&
			    strcmp(line, ".\r\n") != 0)
				;
			fake_say(out, sc->final, "250 2.0.0 ok\r\n");
		} else
			fake_say(out, NULL, "250 2.0.0 ok\r\n");
	}
	fclose(log);
	fclose(in);
	fclose(out);
}

static pid_t
fake_start(const struct script *sc)
{
	struct sockaddr_un	 sun;
	pid_t			 pid;
	int			 lfd, c;

	(void)unlink(SOCK);
	(void)unlink("seen");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, SOCK, sizeof(sun.sun_path));
	ATF_REQUIRE((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	ATF_REQUIRE(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	ATF_REQUIRE(listen(lfd, 5) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid != 0) {
		close(lfd);
		return (pid);
	}
	while ((c = accept(lfd, NULL, NULL)) != -1)
		fake_serve(c, sc);
	_exit(0);
}

/* One delivery to user@example.net; what the server read in seen. */
static int
deliver(const char *user, const struct script *sc, struct agent_report *rep,
    char *seen, size_t seensz)
{
	struct deliver	 d;
	pid_t		 pid;
	ssize_t		 n;
	int		 fd, msg, st;

	memset(&d, 0, sizeof(d));
	d.method = A_LMTP;
	strlcpy(d.arg, "unix:" SOCK, sizeof(d.arg));
	strlcpy(d.evp.sender.user, "alice", sizeof(d.evp.sender.user));
	strlcpy(d.evp.sender.domain, "example.org",
	    sizeof(d.evp.sender.domain));
	strlcpy(d.evp.dest.user, user, sizeof(d.evp.dest.user));
	strlcpy(d.evp.dest.domain, domain, sizeof(d.evp.dest.domain));
	ATF_REQUIRE((msg = open("msg", O_RDWR | O_CREAT | O_TRUNC, 0600))
	    != -1);
	ATF_REQUIRE(write(msg, "Subject: x\n\nhi\n", 15) == 15);
	agent_lmtp_timeout = 10;
	pid = fake_start(sc);
	st = agent_lmtp_deliver(&d, msg, rep);
	agent_lmtp_close();
	kill(pid, SIGTERM);
	ATF_REQUIRE(waitpid(pid, NULL, 0) == pid);
	close(msg);
	seen[0] = '\0';
	if ((fd = open("seen", O_RDONLY)) != -1) {
		n = read(fd, seen, seensz - 1);
		seen[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return (st);
}

ATF_TC_WITHOUT_HEAD(replies);
ATF_TC_BODY(replies, tc)
{
	struct script		 sc = { NULL, NULL, NULL };
	struct agent_report	 rep;
	char			 seen[4096];

	signal(SIGPIPE, SIG_IGN);
	/* the last line of a multi-line reply is the errorline */
	sc.final = "250-2.0.0 first\r\n250 2.0.0 <bob@example.net> saved\r\n";
	ATF_CHECK_EQ(deliver("bob", &sc, &rep, seen, sizeof(seen)), ST_OK);
	ATF_CHECK_STREQ(rep.errorline, "250 2.0.0 <bob@example.net> saved");
	ATF_CHECK(strncmp(seen, "LHLO ", 5) == 0);
	ATF_CHECK(strstr(seen, "\r\nMAIL FROM:<alice@example.org>\r\n"
	    "RCPT TO:<bob@example.net>\r\nDATA\r\n") != NULL);
	/* bare LF replies are accepted */
	sc.lhlo = "250-fake\n250 PIPELINING\n";
	sc.final = "452 4.2.2 full\n";
	ATF_CHECK_EQ(deliver("bob", &sc, &rep, seen, sizeof(seen)),
	    ST_TEMPFAIL);
	ATF_CHECK_STREQ(rep.errorline, "452 4.2.2 full");
	sc.lhlo = NULL;
	sc.final = NULL;
	sc.rcpt = "550-5.1.1 no\r\n550 5.1.1 such user\r\n";
	ATF_CHECK_EQ(deliver("bob", &sc, &rep, seen, sizeof(seen)),
	    ST_PERMFAIL);
	ATF_CHECK_STREQ(rep.errorline, "550 5.1.1 such user");
}

/* A malformed reply is a lost connection: tempfail, not its code. */
ATF_TC_WITHOUT_HEAD(garbled);
ATF_TC_BODY(garbled, tc)
{
	static const char *const bad[] = {
		"250-a\r\n251 b\r\n", "2x0 ok\r\n", "250ok\r\n",
		"250 a\rb\r\n",
	};
	struct script		 sc = { NULL, NULL, NULL };
	struct agent_report	 rep;
	char			 seen[4096];
	size_t			 i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc.rcpt = bad[i];
		ATF_CHECK_EQ_MSG(deliver("bob", &sc, &rep, seen,
		    sizeof(seen)), ST_TEMPFAIL, "case %zu", i);
		ATF_CHECK_MSG(strncmp(rep.errorline, "451 4.4.2 ", 10) == 0,
		    "case %zu: %s", i, rep.errorline);
	}
}

/*
 * A command over RFC 5321's 512 octets is not sent: a permanent failure
 * (a valid path is at most 256 octets).  A line break in an address
 * never makes a second command.
 */
ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	struct script		 sc = { NULL, NULL, NULL };
	struct agent_report	 rep;
	char			 seen[4096], user[LOCALPART_MAX];
	char			 dom[DOMAIN_MAX];

	signal(SIGPIPE, SIG_IGN);
	/* 255 + "@" + 255 octets: "RCPT TO:<...>" CRLF is 523 */
	memset(user, 'a', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	memset(dom, 'b', sizeof(dom) - 1);
	dom[sizeof(dom) - 1] = '\0';
	domain = dom;
	ATF_CHECK_EQ(deliver(user, &sc, &rep, seen, sizeof(seen)),
	    ST_PERMFAIL);
	domain = "example.net";
	ATF_CHECK_MSG(strncmp(rep.errorline, "501 5.5.2 ", 10) == 0, "%s",
	    rep.errorline);
	ATF_CHECK(strstr(seen, "RCPT") == NULL);
	ATF_CHECK(strstr(seen, "DATA") == NULL);

	ATF_CHECK_EQ(deliver("x>\r\nRCPT TO:<root", &sc, &rep, seen,
	    sizeof(seen)), ST_OK);
	ATF_CHECK(strstr(seen, "\nRCPT TO:<root") == NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, replies);
	ATF_TP_ADD_TC(tp, garbled);
	ATF_TP_ADD_TC(tp, refused);
	return (atf_no_error());
}
