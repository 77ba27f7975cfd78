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
 * imap.c -- "smtpctl imap show sessions" and "smtpctl imap kick USER":
 * requests to imapd's control socket (imapd/parent_ctl.c), root only.
 * The socket is RUNDIR/imapd.sock, RUNDIR being imapd.conf's rundir:
 * /run/cartero-imapd, or $CARTERO_IMAPD_RUNDIR.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "smtpctl.h"

#define IMAPD_RUNDIR_DEFAULT	"/run/cartero-imapd"
#define IMAPCTL_ENV		"CARTERO_IMAPD_RUNDIR"

static int
imap_usage(void)
{
	fprintf(stderr, "usage: smtpctl imap show sessions\n"
	    "       smtpctl imap kick USER\n");
	return (1);
}

int
smtpctl_imap(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	const char		*dir = getenv(IMAPCTL_ENV);
	char			 req[512], buf[4096];
	ssize_t			 n;
	int			 fd, len, error = 0;

	if (argc == 3 && strcmp(argv[1], "show") == 0 &&
	    strcmp(argv[2], "sessions") == 0)
		len = snprintf(req, sizeof(req), "show sessions\n");
	else if (argc == 3 && strcmp(argv[1], "kick") == 0 &&
	    argv[2][0] != '\0' && strpbrk(argv[2], " \t\r\n") == NULL)
		len = snprintf(req, sizeof(req), "kick %s\n", argv[2]);
	else
		return (imap_usage());
	if (len < 0 || (size_t)len >= sizeof(req))
		return (imap_usage());
	if (dir == NULL || *dir == '\0')
		dir = IMAPD_RUNDIR_DEFAULT;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/imapd.sock",
	    dir) >= (int)sizeof(sun.sun_path)) {
		fprintf(stderr, "smtpctl: %s: path too long\n", dir);
		return (1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "smtpctl: %s: %s (is imapd running?)\n",
		    sun.sun_path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (1);
	}
	if (write_full(fd, req, (size_t)len) != len) {
		fprintf(stderr, "smtpctl: %s: %s\n", sun.sun_path,
		    strerror(errno));
		close(fd);
		return (1);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (n >= 6 && strncmp(buf, "error:", 6) == 0)
			error = 1;
		fwrite(buf, 1, (size_t)n, error ? stderr : stdout);
	}
	close(fd);
	if (n == -1) {
		fprintf(stderr, "smtpctl: %s: %s\n", sun.sun_path,
		    strerror(errno));
		return (1);
	}
	return (error);
}
