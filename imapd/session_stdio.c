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
 * session_stdio.c -- imapd -s ROOT: one PREAUTH session on stdin and
 * stdout, as the calling user, on the store at ROOT.  For the tests and
 * as a preauthenticated tunnel (ssh host imapd -s ~/Maildir).
 *
 * The session speaks on one socket; stdin and stdout are two
 * descriptors, often pipes.  A socketpair joins them: what stdin brings
 * goes to the session's end, what the session writes goes to stdout
 * (blocking writes: stdout may be a file, which epoll cannot watch, and
 * this process serves no one else).  The process exits when the session
 * has gone.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "util.h"
#include "session.h"

#define STDIO_QUEUE_MAX	(1024 * 1024)	/* pause stdin above */

static struct io	*io_in, *io_sock;
static int		 in_eof, session_gone;

static void	stdio_in_cb(struct io *, int, void *);
static void	stdio_sock_cb(struct io *, int, void *);
static void	stdio_file_in(void);

static void
stdio_empty(void)
{
	session_gone = 1;
}


/* stdin -> the session */
static void
stdio_in_cb(struct io *io, int evt, void *arg)
{
	switch (evt) {
	case IO_DATAIN:
		if (io_write(io_sock, io_data(io), io_datalen(io)) == -1)
			fatalx("stdio: session queue full");
		io_drop(io, io_datalen(io));
		if (io_queued(io_sock) > STDIO_QUEUE_MAX)
			io_pause_read(io, 1);
		break;
	case IO_DISCONNECTED:
	case IO_ERROR:
		if (io_datalen(io) > 0 &&
		    io_write(io_sock, io_data(io), io_datalen(io)) == -1)
			fatalx("stdio: session queue full");
		in_eof = 1;
		io_free(io_in);
		io_in = NULL;
		if (io_queued(io_sock) == 0)
			(void)shutdown(io_fileno(io_sock), SHUT_WR);
		break;
	default:
		break;
	}
}

/* the session -> stdout */
static void
stdio_sock_cb(struct io *io, int evt, void *arg)
{
	switch (evt) {
	case IO_DATAIN:
		if (write_full(STDOUT_FILENO, io_data(io), io_datalen(io)) ==
		    -1)
			exit(0);	/* nobody reads: the session is over */
		io_drop(io, io_datalen(io));
		break;
	case IO_LOWAT:
		if (in_eof)
			(void)shutdown(io_fileno(io), SHUT_WR);
		else if (io_in != NULL)
			io_pause_read(io_in, 0);
		break;
	case IO_DISCONNECTED:
	case IO_ERROR:
		if (io_datalen(io) > 0)
			(void)write_full(STDOUT_FILENO, io_data(io),
			    io_datalen(io));
		exit(session_gone ? 0 : 1);
	default:
		break;
	}
}

/* stdin is a file (epoll cannot watch it): all of it now */
static void
stdio_file_in(void)
{
	char	 buf[8192];
	ssize_t	 n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (io_write(io_sock, buf, (size_t)n) == -1)
			fatalx("stdio: input file too big");
	in_eof = 1;
	if (io_queued(io_sock) == 0)
		(void)shutdown(io_fileno(io_sock), SHUT_WR);
}

int
session_stdio(const char *root)
{
	struct session_params	 p;
	struct conn_start	 cs;
	struct passwd		*pw;
	struct stat		 sb;
	char			 host[256];
	int			 sv[2];

	log_init(1, LOG_MAIL);
	log_procinit("imapd-stdio");
	event_init();
	memset(&p, 0, sizeof(p));
	memset(&cs, 0, sizeof(cs));
	if ((pw = getpwuid(getuid())) != NULL)
		(void)strlcpy(cs.user, pw->pw_name, sizeof(cs.user));
	else
		(void)snprintf(cs.user, sizeof(cs.user), "%u",
		    (unsigned int)getuid());
	if (gethostname(host, sizeof(host)) == -1)
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	p.root = root;
	p.user = cs.user;
	p.hostname = host;
	if (session_init(&p) == -1)
		fatalx("cannot open the store at %s", root);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		fatal("socketpair");
	if (fd_set_cloexec(sv[0]) == -1 || fd_set_cloexec(sv[1]) == -1 ||
	    fd_set_nonblock(sv[1]) == -1)
		fatal("session_stdio: descriptors");
	cs.preauth = 1;
	(void)strlcpy(cs.peer, "stdin", sizeof(cs.peer));
	session_on_empty(stdio_empty);
	io_sock = io_new(sv[1], stdio_sock_cb, NULL);
	if (fstat(STDIN_FILENO, &sb) == -1)
		fatal("session_stdio: stdin");
	if (S_ISREG(sb.st_mode))
		stdio_file_in();
	else {
		if (fd_set_nonblock(STDIN_FILENO) == -1)
			fatal("session_stdio: stdin");
		io_in = io_new(STDIN_FILENO, stdio_in_cb, NULL);
	}
	session_conn_start(sv[0], &cs);
	event_dispatch();
	exit(session_gone ? 0 : 1);
}
