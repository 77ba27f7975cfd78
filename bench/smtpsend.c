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
 * smtpsend -- bounded SMTP load generator for make bench.
 *
 * C threads each take the next message number, open one connection per
 * message (as the measurements do), send EHLO/MAIL/RCPT/DATA of a
 * message of the given size and QUIT, and record the latency from
 * connect() to the 250 after the final dot.  It stops after N messages or
 * after the time limit, whichever comes first, and prints:
 *
 *   sent=N failed=N elapsed=S rate=R/s p50=Xms p99=Yms
 *
 * Traffic goes to the address given (loopback in make bench).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char	*host = "127.0.0.1";
static int		 port = 25;
static long		 nmsg = 1000;
static int		 conc = 10;
static size_t		 msgsize = 4096;
static int		 timelimit = 300;
static const char	*rcpt = "bench@localhost";
static const char	*from = "sender@bench.test";
static const char	*tag = "bench";

static atomic_long	 next_msg;
static atomic_long	 nsent, nfailed;
static double		*latencies;
static double		 t_start;
static char		*body;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Read one full SMTP reply; return its code or -1. */
static int
reply(int fd, char *buf, size_t len, size_t *have)
{
	char	*line, *nl;
	ssize_t	 n;

	for (;;) {
		line = buf;
		while ((nl = memchr(line, '\n', *have - (line - buf)))) {
			if (nl - line >= 4 && line[3] == ' ' &&
			    isdigit((unsigned char)line[0]) &&
			    isdigit((unsigned char)line[1]) &&
			    isdigit((unsigned char)line[2])) {
				int code = (line[0] - '0') * 100 +
				    (line[1] - '0') * 10 + (line[2] - '0');
				size_t used = nl + 1 - buf;

				memmove(buf, nl + 1, *have - used);
				*have -= used;
				return (code);
			}
			line = nl + 1;
		}
		if (*have == len)
			return (-1);
		n = read(fd, buf + *have, len - *have);
		if (n <= 0)
			return (-1);
		*have += n;
	}
}

static int
say(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len) {
		if ((n = write(fd, s, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		s += n;
		len -= n;
	}
	return (0);
}

static int
one_message(long id)
{
	struct sockaddr_in	sin;
	struct timeval		tv = { 30, 0 };
	char			buf[4096], cmd[1024];
	size_t			have = 0;
	int			fd, one = 1, ok = -1, len;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		errx(1, "bad address %s", host);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto done;
	if (reply(fd, buf, sizeof(buf), &have) != 220)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "EHLO bench.test\r\n");
	if (say(fd, cmd, len) || reply(fd, buf, sizeof(buf), &have) != 250)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", from);
	if (say(fd, cmd, len) || reply(fd, buf, sizeof(buf), &have) != 250)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpt);
	if (say(fd, cmd, len) || reply(fd, buf, sizeof(buf), &have) != 250)
		goto done;
	if (say(fd, "DATA\r\n", 6) ||
	    reply(fd, buf, sizeof(buf), &have) != 354)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "From: <%s>\r\nTo: <%s>\r\n"
	    "Subject: bench %ld\r\nMessage-ID: <%s-%ld@bench.test>\r\n\r\n",
	    from, rcpt, id, tag, id);
	if (say(fd, cmd, len) || say(fd, body, strlen(body)) ||
	    say(fd, ".\r\n", 3) ||
	    reply(fd, buf, sizeof(buf), &have) != 250)
		goto done;
	ok = 0;
	(void)say(fd, "QUIT\r\n", 6);
done:
	close(fd);
	return (ok);
}

static void *
worker(void *arg)
{
	double	t0;
	long	id;

	for (;;) {
		id = atomic_fetch_add(&next_msg, 1);
		if (id >= nmsg || now() - t_start > timelimit)
			break;
		t0 = now();
		if (one_message(id) == 0) {
			latencies[id] = now() - t0;
			atomic_fetch_add(&nsent, 1);
		} else {
			latencies[id] = -1;
			atomic_fetch_add(&nfailed, 1);
		}
	}
	return (NULL);
}

static int
cmpd(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static void
usage(void)
{
	fprintf(stderr, "usage: smtpsend [-a addr] [-p port] [-n msgs] "
	    "[-c sessions] [-s size] [-t seconds] [-r rcpt] [-f from] "
	    "[-T tag]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	pthread_t	*th;
	double		 elapsed, *ok;
	size_t		 i, n, line;
	long		 k;
	int		 ch;

	while ((ch = getopt(argc, argv, "a:c:f:n:p:r:s:t:T:")) != -1) {
		switch (ch) {
		case 'a': host = optarg; break;
		case 'c': conc = (int)strtol(optarg, NULL, 10); break;
		case 'f': from = optarg; break;
		case 'n': nmsg = strtol(optarg, NULL, 10); break;
		case 'p': port = (int)strtol(optarg, NULL, 10); break;
		case 'r': rcpt = optarg; break;
		case 's': msgsize = strtoul(optarg, NULL, 10); break;
		case 't': timelimit = (int)strtol(optarg, NULL, 10); break;
		case 'T': tag = optarg; break;
		default: usage();
		}
	}
	if (nmsg <= 0 || nmsg > 1000000 || conc <= 0 || conc > 1000 ||
	    msgsize > 64 * 1024 * 1024 || timelimit <= 0)
		usage();

	/* a body of 76-character lines, msgsize bytes in all */
	body = calloc(1, msgsize + 80);
	latencies = calloc(nmsg, sizeof(double));
	if (body == NULL || latencies == NULL)
		err(1, "calloc");
	for (i = 0, line = 0; i + 2 < msgsize; i++, line++) {
		if (line == 76) {
			body[i++] = '\r';
			body[i] = '\n';
			line = -1;
			continue;
		}
		body[i] = 'a' + (i % 26);
	}
	strlcat(body, "\r\n", msgsize + 80);

	th = calloc(conc, sizeof(*th));
	t_start = now();
	for (k = 0; k < conc; k++)
		if (pthread_create(&th[k], NULL, worker, NULL) != 0)
			err(1, "pthread_create");
	for (k = 0; k < conc; k++)
		pthread_join(th[k], NULL);
	elapsed = now() - t_start;

	ok = calloc(nmsg, sizeof(double));
	for (n = 0, k = 0; k < nmsg; k++)
		if (latencies[k] > 0)
			ok[n++] = latencies[k];
	qsort(ok, n, sizeof(double), cmpd);
	printf("sent=%ld failed=%ld elapsed=%.2f rate=%.1f/s "
	    "p50=%.2fms p99=%.2fms\n", (long)nsent, (long)nfailed, elapsed,
	    nsent / elapsed, n ? ok[n / 2] * 1000 : 0,
	    n ? ok[(size_t)(n * 0.99)] * 1000 : 0);
	return (nfailed ? 2 : 0);
}
