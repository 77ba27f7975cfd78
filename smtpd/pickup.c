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
 * pickup.c -- smtpd -x pickup SOCKET: re-inject one offline spool file.
 *
 * SECURITY: the parent (smtpd/parent_offline.c) opened and checked the
 * file, gave it to us as fd 0 with fds 1 and 2 on a pipe it reads and
 * logs escaped, and nothing else; it dropped to the file's owner (root
 * only for root's own files) and executed us.  smtpd is mode 0711, so
 * the kernel made us non-dumpable at exec; we say so again in case the
 * binary is readable, before reading anything.  We read the file and
 * connect to the enqueue socket as the owner (the daemon learns our uid
 * with SO_PEERCRED, as for sendmail), then apply SANDBOX_PICKUP (stdio:
 * no open, no new socket but AF_UNIX, no fork, no exec) and only then
 * parse the file, whose content is its owner's data.
 *
 * Exit status (sysexits): 0 enqueued, the parent removes the file;
 * EX_TEMPFAIL the daemon could not take it now, tried again later;
 * anything else refused, left in place.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "smtpd.h"
#include "smtpctl/smtpctl.h"
#include "sock.h"
#include "util.h"

#define PICKUP_MAX	(1024UL * 1024 * 1024)	/* as sendmail's */
#define PICKUP_CHUNK	65536

static int	pickup_read(struct enqbuf *);
static int	pickup_connect(const char *);
static int	pickup_send(const struct enqbuf *, int);

void
pickup_main(int argc, char **argv)
{
	struct enqbuf	 file;
	int		 fd, ret;

	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("pickup: prctl(PR_SET_DUMPABLE)");
	if (argc != 1)
		fatalx("pickup: usage: smtpd -x pickup socket");
	log_procinit("pickup");
	memset(&file, 0, sizeof(file));
	if ((ret = pickup_read(&file)) != 0)
		exit(ret);
	if ((fd = pickup_connect(argv[0])) == -1)
		exit(EX_TEMPFAIL);
	smtpd_sandbox(SANDBOX_PICKUP);
	ret = pickup_send(&file, fd);
	enqbuf_free(&file);
	exit(ret);
}

/* The whole file, from fd 0: 0 or an exit status (printed). */
static int
pickup_read(struct enqbuf *b)
{
	struct stat	 st;
	char		 buf[PICKUP_CHUNK];
	ssize_t		 n;

	if (fstat(STDIN_FILENO, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != getuid()) {
		fprintf(stderr, "not a regular file of uid %u, refused\n",
		    (unsigned int)getuid());
		return (EX_NOPERM);
	}
	enqbuf_add(b, "", 0);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || b->len > PICKUP_MAX) {
			fprintf(stderr, "read: %s\n", n == -1 ?
			    strerror(errno) : "too large");
			return (n == -1 ? EX_IOERR : EX_DATAERR);
		}
		enqbuf_add(b, buf, (size_t)n);
	}
	return (0);
}

static int
pickup_connect(const char *path)
{
	int	 fd;

	if ((fd = sock_connect_unix(path, 0)) == -1)
		fprintf(stderr, "connect %s: %s\n", path, strerror(errno));
	return (fd);
}

/* Parse the recorded envelope and hand the message over (closes fd). */
static int
pickup_send(const struct enqbuf *file, int fd)
{
	struct enq_rcpts	 r;
	struct enqbuf		 sender, msg;
	char			**av = NULL;
	size_t			 off;
	int			 ac = 0, ret;

	memset(&r, 0, sizeof(r));
	memset(&sender, 0, sizeof(sender));
	if (enq_offline_parse(file->buf, file->len, &av, &ac, &off) == -1 ||
	    enq_offline_envelope(av, ac, &sender, &r) == -1) {
		fprintf(stderr, "not an offline message, refused\n");
		close(fd);
		ret = EX_DATAERR;
	} else {
		memset(&msg, 0, sizeof(msg));
		msg.buf = file->buf + off;
		msg.len = file->len - off;
		ret = enq_smtp_send(fd, sender.len ? sender.buf : "", &r,
		    &msg, 0, "localhost");
	}
	enq_argv_free(av, ac);
	enq_rcpts_free(&r);
	enqbuf_free(&sender);
	return (ret);
}
