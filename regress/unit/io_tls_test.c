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
 * io_tls_test.c -- common/io.c's TLS: a server io driven by the event
 * loop, a libtls client in a child process over a socketpair.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "io.h"

#define BIG	(1024 * 1024)

struct srv {
	struct io	*io;
	struct tls	*ctx;
	int		 mode;		/* M_* */
	int		 ready;
	int		 error;
	int		 done;
	size_t		 echoed;
	char		 first[64];	/* first line after TLS */
};

#define M_ECHO		1	/* TLS at once, echo everything */
#define M_STARTTLS	2	/* plaintext line, then TLS */

static void
keypair(void)
{
	ATF_REQUIRE(system("openssl req -x509 -nodes -newkey rsa:2048 "
	    "-sha256 -days 1 -subj /CN=io.test -keyout key.pem -out cert.pem "
	    ">/dev/null 2>&1") == 0);
}

static struct tls *
server_ctx(void)
{
	struct tls_config	*cfg;
	struct tls		*ctx;

	ATF_REQUIRE((cfg = tls_config_new()) != NULL);
	ATF_REQUIRE(tls_config_set_keypair_file(cfg, "cert.pem",
	    "key.pem") == 0);
	ATF_REQUIRE((ctx = tls_server()) != NULL);
	ATF_REQUIRE_MSG(tls_configure(ctx, cfg) == 0, "%s", tls_error(ctx));
	tls_config_free(cfg);
	return (ctx);
}

static void
srv_cb(struct io *io, int evt, void *arg)
{
	struct srv	*s = arg;
	char		*line;
	size_t		 len;

	switch (evt) {
	case IO_TLSREADY:
		s->ready = 1;
		ATF_CHECK(io_tls(io) != NULL);
		return;
	case IO_DATAIN:
		break;
	case IO_ERROR:
		s->error = 1;
		/* FALLTHROUGH */
	case IO_DISCONNECTED:
	case IO_TIMEOUT:
		s->done = 1;
		io_free(io);
		s->io = NULL;
		event_loopexit(NULL);
		return;
	default:
		return;
	}
	if (s->mode == M_STARTTLS && !s->ready) {
		if ((line = io_getline(io, &len)) == NULL)
			return;
		ATF_CHECK_STREQ(line, "STARTTLS");
		io_printf(io, "220 go\r\n");
		ATF_REQUIRE(io_start_tls(io, s->ctx) == 0);
		ATF_CHECK_EQ(io_datalen(io), 0);
		return;
	}
	if (s->mode == M_STARTTLS) {
		if ((line = io_getline(io, &len)) == NULL)
			return;
		if (s->first[0] == '\0')
			(void)strlcpy(s->first, line, sizeof(s->first));
		io_printf(io, "ok %s\r\n", line);
		return;
	}
	/* echo, through a read buffer much smaller than a TLS record */
	len = io_datalen(io);
	ATF_REQUIRE(io_write(io, io_data(io), len) == 0);
	io_drop(io, len);
	s->echoed += len;
}

static struct tls *
client(int fd)
{
	struct tls_config	*cfg;
	struct tls		*c;

	if ((cfg = tls_config_new()) == NULL)
		_exit(10);
	tls_config_insecure_noverifycert(cfg);
	tls_config_insecure_noverifyname(cfg);
	if ((c = tls_client()) == NULL || tls_configure(c, cfg) == -1 ||
	    tls_connect_socket(c, fd, "io.test") == -1 ||
	    tls_handshake(c) == -1)
		_exit(11);
	return (c);
}

static int
readall(struct tls *c, char *buf, size_t len)
{
	ssize_t	 n;
	size_t	 got = 0;

	while (got < len) {
		n = tls_read(c, buf + got, len - got);
		if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT)
			continue;
		if (n <= 0) {
			fprintf(stderr, "client: tls_read %zd: %s\n", n,
			    tls_error(c) ? tls_error(c) : "eof");
			return (-1);
		}
		got += (size_t)n;
	}
	return (0);
}

/* Client of M_ECHO: send BIG bytes, read them back. */
static void
client_echo(int fd)
{
	struct tls	*c = client(fd);
	char		*out, *in;
	size_t		 i, off;
	ssize_t		 n;

	out = malloc(BIG);
	in = malloc(BIG);
	for (i = 0; i < BIG; i++)
		out[i] = (char)(i * 7 + i / 251);
	/* in 64 KB steps so that neither side blocks the other */
	for (off = 0; off < BIG; off += 65536) {
		for (i = 0; i < 65536; i += (size_t)n)
			if ((n = tls_write(c, out + off + i, 65536 - i)) <= 0)
				_exit(12);
		if (readall(c, in + off, 65536) == -1)
			_exit(13);
	}
	if (memcmp(in, out, BIG) != 0)
		_exit(14);
	(void)tls_close(c);
	_exit(0);
}

/* Client of M_STARTTLS: the injected line must not be seen. */
static void
client_starttls(int fd)
{
	const char	 inject[] = "STARTTLS\r\nINJECTED\r\n";
	struct tls	*c;
	char		 buf[64];

	if (write(fd, inject, sizeof(inject) - 1) != sizeof(inject) - 1)
		_exit(20);
	if (read(fd, buf, 8) != 8 || memcmp(buf, "220 go\r\n", 8) != 0)
		_exit(21);
	c = client(fd);
	if (tls_write(c, "HELLO\r\n", 7) != 7)
		_exit(22);
	if (readall(c, buf, 10) == -1 || memcmp(buf, "ok HELLO\r\n", 10) != 0)
		_exit(23);
	(void)tls_close(c);
	_exit(0);
}

/* Client that answers STARTTLS's 220 with garbage, not a ClientHello. */
static void
client_garbage(int fd)
{
	char	 buf[8];

	if (write(fd, "STARTTLS\r\n", 10) != 10 || read(fd, buf, 8) != 8)
		_exit(30);
	if (write(fd, "GET / HTTP/1.0\r\n\r\n", 18) != 18)
		_exit(31);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

static int
run(int mode, void (*cl)(int), struct srv *s)
{
	int	 sv[2], st;
	pid_t	 pid;

	keypair();
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		alarm(30);
		cl(sv[1]);
	}
	close(sv[1]);
	event_init();
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->ctx = server_ctx();
	ATF_REQUIRE((s->io = io_new(sv[0], srv_cb, s)) != NULL);
	io_set_read_max(s->io, 1024);
	io_set_timeout(s->io, 20000);
	if (mode == M_ECHO)
		ATF_REQUIRE(io_start_tls(s->io, s->ctx) == 0);
	(void)event_dispatch();
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	tls_free(s->ctx);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
}

ATF_TC_WITHOUT_HEAD(echo_big);
ATF_TC_BODY(echo_big, tc)
{
	struct srv	 s;

	int		 r;

	r = run(M_ECHO, client_echo, &s);
	ATF_CHECK_EQ_MSG(r, 0, "client exit %d", r);
	ATF_CHECK(s.ready);
	ATF_CHECK_EQ(s.echoed, BIG);
}

ATF_TC_WITHOUT_HEAD(starttls_discards);
ATF_TC_BODY(starttls_discards, tc)
{
	struct srv	 s;

	int		 r;

	r = run(M_STARTTLS, client_starttls, &s);
	ATF_CHECK_EQ_MSG(r, 0, "client exit %d", r);
	ATF_CHECK(s.ready);
	ATF_CHECK_STREQ(s.first, "HELLO");
}

ATF_TC_WITHOUT_HEAD(handshake_garbage);
ATF_TC_BODY(handshake_garbage, tc)
{
	struct srv	 s;

	ATF_CHECK_EQ(run(M_STARTTLS, client_garbage, &s), 0);
	ATF_CHECK(!s.ready);
	ATF_CHECK(s.error);
}

ATF_TP_ADD_TCS(tp)
{
	signal(SIGPIPE, SIG_IGN);
	ATF_TP_ADD_TC(tp, echo_big);
	ATF_TP_ADD_TC(tp, starttls_discards);
	ATF_TP_ADD_TC(tp, handshake_garbage);
	return (atf_no_error());
}
