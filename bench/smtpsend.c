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
 * Submission (-S): STARTTLS after the first EHLO, EHLO again, then with
 * -A user:password AUTH PLAIN, on a new TLS connection per message; -R
 * resumes each thread's previous TLS session (tickets) instead of a full
 * handshake.  The client side uses libssl directly (it needs the session
 * objects), with certificate checks off: the bench measures the server.
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

#include <openssl/ssl.h>

static const char	*host = "127.0.0.1";
static int		 port = 25;
static long		 nmsg = 1000;
static int		 conc = 10;
static size_t		 msgsize = 4096;
static int		 timelimit = 300;
static const char	*rcpt = "bench@localhost";
static const char	*from = "sender@bench.test";
static const char	*tag = "bench";
static int		 starttls;
static int		 resume;
static const char	*authplain;	/* base64 of \0user\0password */
static SSL_CTX		*sslctx;
static atomic_long	 nresumed;

/* A connection: plain until STARTTLS, then through ssl. */
struct conn {
	int		 fd;
	SSL		*ssl;
};

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
reply(struct conn *c, char *buf, size_t len, size_t *have)
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
		if (c->ssl != NULL)
			n = SSL_read(c->ssl, buf + *have, (int)(len - *have));
		else
			n = read(c->fd, buf + *have, len - *have);
		if (n <= 0)
			return (-1);
		*have += n;
	}
}

static int
say(struct conn *c, const char *s, size_t len)
{
	ssize_t	n;

	while (len) {
		if (c->ssl != NULL)
			n = SSL_write(c->ssl, s, (int)len);
		else
			n = write(c->fd, s, len);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		s += n;
		len -= n;
	}
	return (0);
}

/* STARTTLS, the handshake (resuming *sess if set), EHLO again, AUTH. */
static int
submission(struct conn *c, char *buf, size_t size, size_t *have,
    SSL_SESSION **sess)
{
	char	 cmd[1024];
	int	 len;

	if (say(c, "STARTTLS\r\n", 10) || reply(c, buf, size, have) != 220)
		return (-1);
	if ((c->ssl = SSL_new(sslctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		return (-1);
	if (resume && *sess != NULL)
		SSL_set_session(c->ssl, *sess);
	if (SSL_connect(c->ssl) != 1)
		return (-1);
	if (SSL_session_reused(c->ssl))
		atomic_fetch_add(&nresumed, 1);
	if (say(c, "EHLO bench.test\r\n", 17) ||
	    reply(c, buf, size, have) != 250)
		return (-1);
	if (authplain != NULL) {
		len = snprintf(cmd, sizeof(cmd), "AUTH PLAIN %s\r\n",
		    authplain);
		if (say(c, cmd, len) || reply(c, buf, size, have) != 235)
			return (-1);
	}
	return (0);
}

static int
one_message(long id, SSL_SESSION **sess)
{
	struct sockaddr_in	sin;
	struct timeval		tv = { 30, 0 };
	struct conn		c0, *c = &c0;
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
	c->fd = fd;
	c->ssl = NULL;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto done;
	if (reply(c, buf, sizeof(buf), &have) != 220)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "EHLO bench.test\r\n");
	if (say(c, cmd, len) || reply(c, buf, sizeof(buf), &have) != 250)
		goto done;
	if (starttls && submission(c, buf, sizeof(buf), &have, sess) == -1)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", from);
	if (say(c, cmd, len) || reply(c, buf, sizeof(buf), &have) != 250)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpt);
	if (say(c, cmd, len) || reply(c, buf, sizeof(buf), &have) != 250)
		goto done;
	if (say(c, "DATA\r\n", 6) ||
	    reply(c, buf, sizeof(buf), &have) != 354)
		goto done;
	len = snprintf(cmd, sizeof(cmd), "From: <%s>\r\nTo: <%s>\r\n"
	    "Subject: bench %ld\r\nMessage-ID: <%s-%ld@bench.test>\r\n\r\n",
	    from, rcpt, id, tag, id);
	if (say(c, cmd, len) || say(c, body, strlen(body)) ||
	    say(c, ".\r\n", 3) ||
	    reply(c, buf, sizeof(buf), &have) != 250)
		goto done;
	ok = 0;
	(void)say(c, "QUIT\r\n", 6);
done:
	if (c->ssl != NULL) {
		/* close_notify: a session ended without it is not resumed */
		if (ok == 0)
			(void)SSL_shutdown(c->ssl);
		if (ok == 0 && resume) {
			/* the ticket came after the handshake: take it now */
			SSL_SESSION *ns = SSL_get1_session(c->ssl);

			if (ns != NULL && SSL_SESSION_is_resumable(ns)) {
				if (*sess != NULL)
					SSL_SESSION_free(*sess);
				*sess = ns;
			} else if (ns != NULL)
				SSL_SESSION_free(ns);
		}
		SSL_free(c->ssl);
	}
	close(fd);
	return (ok);
}

static void *
worker(void *arg)
{
	SSL_SESSION	*sess = NULL;
	double		 t0;
	long		 id;

	for (;;) {
		id = atomic_fetch_add(&next_msg, 1);
		if (id >= nmsg || now() - t_start > timelimit)
			break;
		t0 = now();
		if (one_message(id, &sess) == 0) {
			latencies[id] = now() - t0;
			atomic_fetch_add(&nsent, 1);
		} else {
			latencies[id] = -1;
			atomic_fetch_add(&nfailed, 1);
		}
	}
	if (sess != NULL)
		SSL_SESSION_free(sess);
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
	    "[-T tag] [-S [-R] [-A base64-plain]]\n");
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

	while ((ch = getopt(argc, argv, "A:a:c:f:n:p:Rr:Ss:t:T:")) != -1) {
		switch (ch) {
		case 'A': authplain = optarg; break;
		case 'a': host = optarg; break;
		case 'R': resume = 1; break;
		case 'S': starttls = 1; break;
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

	if (starttls) {
		if ((sslctx = SSL_CTX_new(TLS_client_method())) == NULL)
			errx(1, "SSL_CTX_new");
		SSL_CTX_set_verify(sslctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_session_cache_mode(sslctx, SSL_SESS_CACHE_CLIENT);
	}
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
	    "p50=%.2fms p99=%.2fms resumed=%ld\n", (long)nsent, (long)nfailed,
	    elapsed, nsent / elapsed, n ? ok[n / 2] * 1000 : 0,
	    n ? ok[(size_t)(n * 0.99)] * 1000 : 0, (long)nresumed);
	return (nfailed ? 2 : 0);
}
