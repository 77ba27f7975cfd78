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
 * imapload -- bounded IMAP load generator for make bench.
 *
 * Plain LOGIN on 127.0.0.1:PORT, then the scenarios named on the command
 * line, each printing one machine-readable line "NAME key=value ...":
 *
 *   warm              SELECT INBOX and FETCH 1:* (FLAGS ENVELOPE
 *                     BODYSTRUCTURE RFC822.SIZE) once, untimed in the
 *                     medians: it fills the server's caches (Dovecot
 *                     computes and caches each message's size on its
 *                     first BODY[]); its time is printed as ms=
 *   select            SELECT INBOX right after LOGIN, 3 new sessions
 *   fetch_flags       FETCH 1:* (FLAGS)
 *   fetch_envelope    FETCH 1:* (FLAGS ENVELOPE)
 *   fetch_bodystructure FETCH 1:* (BODYSTRUCTURE)
 *   search_header     UID SEARCH HEADER Subject "WORD" (-W WORD)
 *   search_text_nohit SEARCH TEXT "STRING" (-X STRING, absent)
 *   body_random       100 FETCH n BODY[] of random n, total time
 *   conc_changing     -c clients, each looping NOOP / UID FETCH u FLAGS /
 *                     UID STORE u +FLAGS or -FLAGS (\Seen) (the opposite
 *                     of what the FETCH showed: the flags really change)
 *   conc_set          the same with +FLAGS (\Seen) on messages that all
 *                     have \Seen already (a STORE 1:* +FLAGS.SILENT first)
 *   idle              PSS (smaps_rollup) summed over the server's process
 *                     tree (-P) with 0, 1 and -c sessions logged in, idle
 *
 * The single-session scenarios run their command 3 times on one session
 * (after one untimed run) and print the median and the bytes of the reply.
 * The concurrent ones stop after -t seconds or -n commands; with -P
 * PID[,PID...] the CPU time of those processes and all their descendants
 * (plus what they reaped) is read from /proc before and after, and printed
 * per command.  Everything is poll() driven and non-blocking; responses are
 * read up to their tagged line, skipping literals ({n}) in untagged data.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS		3
#define RANDOM_BODIES	100
#define MAXCLIENTS	1000
#define MAXPIDS		64

struct conn {
	int		 fd;
	char		*in;		/* received, from the current line */
	size_t		 inlen, incap;
	size_t		 start;		/* the current line starts here */
	size_t		 scan;		/* scanned up to here */
	size_t		 litleft;	/* literal bytes still to skip */
	int		 first;		/* current segment starts a line */
	char		 out[512];
	size_t		 outlen, outoff;
	char		 tag[16];
	unsigned long	 ntag;
	int		 busy;		/* a command is outstanding */
	int		 status;	/* 0 OK, 1 NO, 2 BAD, -1 closed */
	unsigned long	 bytes;		/* of the current response */
	/* what the untagged lines said */
	unsigned long	 exists;
	int		 seen;		/* last FETCH showed \Seen */
	unsigned long	*uids;
	size_t		 nuids, uidcap;
	int		 want_uids;
	/* the concurrent loop */
	unsigned long	 step;
	unsigned long	 uid;
	double		 t0;
};

static int		 port = 143;
static const char	*user = "cartero-bench";
static const char	*pass = "benchpass";
static const char	*word = "quarterly";
static const char	*absent = "zqxjkvbwpy";
static int		 nclients = 50;
static double		 seconds = 10;
static unsigned long	 maxcmds = 200000;
static double		 timeout = 120;	/* per response, single session */
static pid_t		 pids[MAXPIDS];
static int		 npids;
static unsigned int	 seed = 1;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
conn_free(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->in);
	free(c->uids);
	c->in = NULL;
	c->uids = NULL;
}

static void
add_uid(struct conn *c, unsigned long u)
{
	unsigned long	*n;

	if (c->nuids == c->uidcap) {
		c->uidcap = c->uidcap ? c->uidcap * 2 : 1024;
		if ((n = reallocarray(c->uids, c->uidcap, sizeof(*n))) == NULL)
			err(1, "reallocarray");
		c->uids = n;
	}
	c->uids[c->nuids++] = u;
}

/* An untagged line (its first segment, up to a literal or CRLF). */
static void
untagged(struct conn *c, const char *l, size_t len)
{
	char		 tmp[128];
	const char	*p, *e;
	unsigned long	 n;
	char		*end;

	if (len < 2 || l[0] != '*' || l[1] != ' ')
		return;
	if (c->want_uids && len > 9 && strncmp(l, "* SEARCH", 8) == 0) {
		p = l + 8;
		e = l + len;
		while (p < e) {
			while (p < e && !isdigit((unsigned char)*p))
				p++;
			if (p >= e)
				break;
			n = strtoul(p, &end, 10);
			if (end > e)
				break;
			add_uid(c, n);
			p = end;
		}
		return;
	}
	n = len < sizeof(tmp) ? len : sizeof(tmp) - 1;
	memcpy(tmp, l, n);
	tmp[n] = '\0';
	if (strstr(tmp, " EXISTS") != NULL)
		c->exists = strtoul(tmp + 2, NULL, 10);
	else if (strstr(tmp, " FETCH ") != NULL)
		c->seen = strstr(tmp, "\\Seen") != NULL;
}

/*
 * Scan what arrived: 1 when the tagged response is complete (c->status
 * set), 0 when more is needed.  c->start is where the current line (or
 * the segment after a literal) starts; conn_read() drops what precedes it.
 */
static int
scan(struct conn *c)
{
	char		*nl, *l, *b;
	size_t		 take, len, tl;
	unsigned long	 n;

	while (c->scan < c->inlen) {
		if (c->litleft > 0) {
			take = c->inlen - c->scan;
			if (take > c->litleft)
				take = c->litleft;
			c->scan += take;
			c->litleft -= take;
			c->start = c->scan;
			continue;
		}
		nl = memchr(c->in + c->scan, '\n', c->inlen - c->scan);
		if (nl == NULL) {
			c->scan = c->inlen;
			break;
		}
		l = c->in + c->start;
		len = nl - l + 1;
		c->scan = c->start = nl - c->in + 1;
		/* a literal announced at the end of this segment */
		if (len >= 4 && l[len - 2] == '\r' && l[len - 3] == '}') {
			b = l + len - 4;
			while (b > l && isdigit((unsigned char)*b))
				b--;
			if (*b == '+')
				b--;
			if (*b == '{' && b > l) {
				n = strtoul(b + 1, NULL, 10);
				if (c->first)
					untagged(c, l, len);
				c->first = 0;
				c->litleft = n;
				continue;
			}
		}
		if (c->first) {
			tl = strlen(c->tag);
			if (len > tl && strncmp(l, c->tag, tl) == 0 &&
			    l[tl] == ' ') {
				if (strncmp(l + tl + 1, "OK", 2) == 0)
					c->status = 0;
				else if (strncmp(l + tl + 1, "NO", 2) == 0)
					c->status = 1;
				else
					c->status = 2;
				if (c->status != 0)
					fprintf(stderr, "imapload: %.*s",
					    (int)len, l);
				return 1;
			}
			untagged(c, l, len);
		}
		c->first = 1;
	}
	return 0;
}

/* Read what is there: -1 on EOF or error, else 0. */
static int
conn_read(struct conn *c)
{
	ssize_t	 n;
	char	*p;

	if (c->start > 0) {
		memmove(c->in, c->in + c->start, c->inlen - c->start);
		c->inlen -= c->start;
		c->scan -= c->start;
		c->start = 0;
	}
	for (;;) {
		if (c->incap - c->inlen < 65536) {
			if (c->incap > SIZE_MAX / 2)
				errx(1, "response too large");
			c->incap = c->incap ? c->incap * 2 : 262144;
			if ((p = realloc(c->in, c->incap)) == NULL)
				err(1, "realloc");
			c->in = p;
		}
		n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
		if (n == 0)
			return -1;
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->inlen += n;
		c->bytes += n;
		if ((size_t)n < 65536)
			return 0;
	}
}

static int
conn_flush(struct conn *c)
{
	ssize_t	 n;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->outoff += n;
	}
	return 0;
}

/* Queue a tagged command (the format has no tag nor CRLF). */
static void __attribute__((format(printf, 2, 3)))
conn_cmd(struct conn *c, const char *fmt, ...)
{
	va_list	 ap;
	int	 n, m;

	c->ntag++;
	snprintf(c->tag, sizeof(c->tag), "a%lu", c->ntag);
	n = snprintf(c->out, sizeof(c->out), "%s ", c->tag);
	va_start(ap, fmt);
	m = vsnprintf(c->out + n, sizeof(c->out) - n - 2, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= sizeof(c->out) - n - 2)
		errx(1, "command too long");
	memcpy(c->out + n + m, "\r\n", 2);
	c->outlen = n + m + 2;
	c->outoff = 0;
	c->busy = 1;
	c->status = -1;
	c->bytes = 0;
	c->first = 1;
}

/* Wait for the response to the queued command, one session. */
static int
conn_wait(struct conn *c)
{
	struct pollfd	 pfd;
	double		 limit = now() + timeout;
	int		 ms;

	for (;;) {
		if (conn_flush(c) == -1)
			return -1;
		if (scan(c)) {
			c->busy = 0;
			return c->status;
		}
		ms = (int)((limit - now()) * 1000);
		if (ms <= 0) {
			warnx("timeout waiting for %s", c->tag);
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN | (c->outoff < c->outlen ? POLLOUT : 0);
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR)
			err(1, "poll");
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    conn_read(c) == -1 && !scan(c)) {
			warnx("connection closed waiting for %s", c->tag);
			return -1;
		}
	}
}

/* Connect, read the greeting, LOGIN: 0 or -1. */
static int
conn_open(struct conn *c)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	double			 limit = now() + timeout;
	int			 one = 1;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		warn("connect 127.0.0.1:%d", port);
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fcntl(c->fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	/* the greeting: one untagged line */
	for (;;) {
		if (c->inlen > 0 && memchr(c->in, '\n', c->inlen) != NULL)
			break;
		if (now() > limit) {
			warnx("no greeting");
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
			err(1, "poll");
		if (conn_read(c) == -1) {
			warnx("closed before the greeting");
			return -1;
		}
	}
	c->inlen = c->scan = c->start = 0;
	conn_cmd(c, "LOGIN \"%s\" \"%s\"", user, pass);
	if (conn_wait(c) != 0) {
		warnx("LOGIN failed");
		return -1;
	}
	return 0;
}

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), dcmp);
	return v[n / 2];
}

/* One timed command: ms, or -1. */
static double
timed(struct conn *c, const char *cmd)
{
	double	t0;

	conn_cmd(c, "%s", cmd);
	t0 = now();
	if (conn_wait(c) != 0)
		return -1;
	return (now() - t0) * 1000;
}

static void
fail(const char *name)
{
	printf("%s error=1\n", name);
	fflush(stdout);
}

/* A selected session: 0 or -1. */
static int
open_selected(struct conn *c)
{
	if (conn_open(c) == -1)
		return -1;
	conn_cmd(c, "SELECT INBOX");
	if (conn_wait(c) != 0) {
		warnx("SELECT INBOX failed");
		return -1;
	}
	return 0;
}

static void
sc_warm(void)
{
	struct conn	 c;
	double		 t0;

	t0 = now();
	if (open_selected(&c) == -1 ||
	    timed(&c, "FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE "
	    "RFC822.SIZE)") < 0) {
		conn_free(&c);
		fail("warm");
		return;
	}
	printf("warm ms=%.1f exists=%lu\n", (now() - t0) * 1000, c.exists);
	fflush(stdout);
	conn_free(&c);
}

static void
sc_select(void)
{
	struct conn	 c;
	double		 v[RUNS];
	int		 i;

	for (i = 0; i < RUNS; i++) {
		if (conn_open(&c) == -1 ||
		    (v[i] = timed(&c, "SELECT INBOX")) < 0) {
			conn_free(&c);
			fail("select");
			return;
		}
		conn_free(&c);
	}
	printf("select ms=%.3f exists=%lu\n", median(v, RUNS), c.exists);
	fflush(stdout);
}

/* NAME: CMD on a selected session, 1 untimed run then RUNS timed. */
static void
sc_cmd(const char *name, const char *cmd)
{
	struct conn	 c;
	double		 v[RUNS];
	int		 i;

	if (open_selected(&c) == -1 || timed(&c, cmd) < 0) {
		conn_free(&c);
		fail(name);
		return;
	}
	for (i = 0; i < RUNS; i++) {
		if ((v[i] = timed(&c, cmd)) < 0) {
			conn_free(&c);
			fail(name);
			return;
		}
	}
	printf("%s ms=%.3f bytes=%lu\n", name, median(v, RUNS), c.bytes);
	fflush(stdout);
	conn_free(&c);
}

static void
sc_body_random(void)
{
	struct conn	 c;
	double		 v[RUNS], t0, t1, one[RANDOM_BODIES];
	unsigned long	 bytes;
	int		 i, j;

	if (open_selected(&c) == -1 || c.exists == 0) {
		conn_free(&c);
		fail("body_random");
		return;
	}
	srandom(seed);
	for (i = 0; i < RUNS; i++) {
		bytes = 0;
		t0 = now();
		for (j = 0; j < RANDOM_BODIES; j++) {
			t1 = now();
			conn_cmd(&c, "FETCH %lu BODY[]",
			    1 + (unsigned long)random() % c.exists);
			if (conn_wait(&c) != 0) {
				conn_free(&c);
				fail("body_random");
				return;
			}
			bytes += c.bytes;
			one[j] = (now() - t1) * 1000;
		}
		v[i] = (now() - t0) * 1000;
	}
	/* the last run's single fetches: median and slowest */
	t1 = median(one, RANDOM_BODIES);
	printf("body_random ms=%.3f fetches=%d bytes=%lu one_p50_ms=%.3f "
	    "one_max_ms=%.3f\n", median(v, RUNS), RANDOM_BODIES, bytes, t1,
	    one[RANDOM_BODIES - 1]);
	fflush(stdout);
	conn_free(&c);
}

/*
 * CPU ticks (user + system) of the given processes, of all their
 * descendants, and what they reaped from children that exited.
 */
static unsigned long long
cpu_ticks(void)
{
	DIR			*d;
	struct dirent		*e;
	char			 path[300], buf[1024], *p;
	pid_t			*all = NULL, *par = NULL, pid, *np;
	unsigned long long	*tk = NULL, *ntk, sum = 0, ut, st, cut, cst;
	size_t			 n = 0, cap = 0, i;
	int			 fd, changed, k, isroot;
	ssize_t			 r;
	char			*in;
	long			 pp;

	if (npids == 0 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		if ((p = strrchr(buf, ')')) == NULL)
			continue;
		/* state ppid ... field 14 utime, 15 stime, 16/17 c* */
		in = p + 2;
		pp = 0;
		ut = st = cut = cst = 0;
		if (sscanf(in, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%llu %llu %llu %llu", &pp, &ut, &st, &cut, &cst) != 5)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			if ((np = reallocarray(all, cap, sizeof(*np))) == NULL)
				err(1, "reallocarray");
			all = np;
			if ((np = reallocarray(par, cap, sizeof(*np))) == NULL)
				err(1, "reallocarray");
			par = np;
			if ((ntk = reallocarray(tk, cap, sizeof(*ntk))) ==
			    NULL)
				err(1, "reallocarray");
			tk = ntk;
		}
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		isroot = 0;
		for (k = 0; k < npids; k++)
			if (pids[k] == pid)
				isroot = 1;
		all[n] = pid;
		par[n] = (pid_t)pp;
		/* the roots also count what they reaped */
		tk[n] = ut + st + (isroot ? cut + cst : 0);
		n++;
	}
	closedir(d);
	/* mark descendants: par[i] = 0 once counted */
	for (i = 0; i < n; i++)
		for (k = 0; k < npids; k++)
			if (all[i] == pids[k]) {
				sum += tk[i];
				par[i] = -1;
			}
	do {
		changed = 0;
		for (i = 0; i < n; i++) {
			size_t	j;

			if (par[i] <= 0)
				continue;
			for (j = 0; j < n; j++)
				if (all[j] == par[i] && par[j] == -1)
					break;
			if (j < n) {
				sum += tk[i];
				par[i] = -1;
				changed = 1;
			}
		}
	} while (changed);
	free(all);
	free(par);
	free(tk);
	return sum;
}

/* Sum of Pss over the process trees of the -P pids, KB. */
static unsigned long
pss_kb(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[300], line[256];
	FILE		*f;
	pid_t		*all = NULL, *par = NULL, *np;
	size_t		 n = 0, cap = 0, i, j;
	unsigned long	 sum = 0, v;
	long		 pp;
	int		 k, changed;

	if (npids == 0 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		pp = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "PPid: %ld", &pp) == 1)
				break;
		fclose(f);
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			if ((np = reallocarray(all, cap, sizeof(*np))) == NULL)
				err(1, "reallocarray");
			all = np;
			if ((np = reallocarray(par, cap, sizeof(*np))) == NULL)
				err(1, "reallocarray");
			par = np;
		}
		all[n] = (pid_t)strtol(e->d_name, NULL, 10);
		par[n] = (pid_t)pp;
		for (k = 0; k < npids; k++)
			if (all[n] == pids[k])
				par[n] = -1;
		n++;
	}
	closedir(d);
	do {
		changed = 0;
		for (i = 0; i < n; i++) {
			if (par[i] <= 0)
				continue;
			for (j = 0; j < n; j++)
				if (all[j] == par[i] && par[j] == -1)
					break;
			if (j < n) {
				par[i] = -1;
				changed = 1;
			}
		}
	} while (changed);
	for (i = 0; i < n; i++) {
		if (par[i] != -1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup",
		    (int)all[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "Pss: %lu", &v) == 1) {
				sum += v;
				break;
			}
		fclose(f);
	}
	free(all);
	free(par);
	return sum;
}

static void
settle(void)
{
	struct timespec	ts = { 0, 500 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static void
sc_idle(void)
{
	struct conn	*c;
	unsigned long	 p0, p1, pn;
	int		 i, n = nclients < 2 ? 2 : nclients;

	if (npids == 0) {
		warnx("idle: needs -P");
		fail("idle");
		return;
	}
	if ((c = calloc(n, sizeof(*c))) == NULL)
		err(1, "calloc");
	settle();
	p0 = pss_kb();
	for (i = 0; i < n; i++) {
		if (conn_open(&c[i]) == -1) {
			fail("idle");
			goto out;
		}
		if (i == 0) {
			settle();
			p1 = pss_kb();
		}
	}
	settle();
	pn = pss_kb();
	printf("idle sessions=%d pss_base_kb=%lu first_kb=%ld further_kb=%.1f\n",
	    n, p0, (long)p1 - (long)p0,
	    ((double)pn - (double)p1) / (n - 1));
	fflush(stdout);
 out:
	for (i = 0; i < n; i++)
		conn_free(&c[i]);
	free(c);
}

/* The next command of client c in the concurrent mix. */
static void
conc_next(struct conn *c, const unsigned long *uids, size_t nuids,
    int changing)
{
	switch (c->step++ % 3) {
	case 0:
		conn_cmd(c, "NOOP");
		break;
	case 1:
		c->uid = uids[(unsigned long)random() % nuids];
		conn_cmd(c, "UID FETCH %lu FLAGS", c->uid);
		break;
	default:
		conn_cmd(c, "UID STORE %lu %cFLAGS (\\Seen)", c->uid,
		    changing && c->seen ? '-' : '+');
		break;
	}
}

static void
sc_conc(int changing)
{
	const char	*name = changing ? "conc_changing" : "conc_set";
	struct conn	*c, u;
	struct pollfd	*pfd;
	unsigned long	*uids, done = 0, sent = 0, errors = 0;
	unsigned long long t0cpu, t1cpu;
	size_t		 nuids;
	double		 t0, t1, limit, *lat;
	long		 hz = sysconf(_SC_CLK_TCK);
	int		 i, live, ms;

	/* the UIDs, and for "set" every message \Seen first */
	if (open_selected(&u) == -1) {
		conn_free(&u);
		fail(name);
		return;
	}
	u.want_uids = 1;
	conn_cmd(&u, "UID SEARCH ALL");
	if (conn_wait(&u) != 0 || u.nuids == 0) {
		conn_free(&u);
		fail(name);
		return;
	}
	if (!changing) {
		t0 = now();
		conn_cmd(&u, "STORE 1:* +FLAGS.SILENT (\\Seen)");
		if (conn_wait(&u) != 0) {
			conn_free(&u);
			fail(name);
			return;
		}
		printf("store_all_seen ms=%.1f\n", (now() - t0) * 1000);
	}
	uids = u.uids;
	nuids = u.nuids;
	u.uids = NULL;
	conn_free(&u);

	if ((c = calloc(nclients, sizeof(*c))) == NULL ||
	    (pfd = calloc(nclients, sizeof(*pfd))) == NULL ||
	    (lat = calloc(maxcmds + 1, sizeof(*lat))) == NULL)
		err(1, "calloc");
	srandom(seed);
	for (i = 0; i < nclients; i++)
		if (open_selected(&c[i]) == -1) {
			fail(name);
			goto out;
		}
	t0cpu = cpu_ticks();
	t0 = now();
	limit = t0 + seconds;
	for (i = 0; i < nclients; i++) {
		conc_next(&c[i], uids, nuids, changing);
		c[i].t0 = now();
		sent++;
	}
	live = nclients;
	while (live > 0) {
		for (i = 0; i < nclients; i++) {
			pfd[i].fd = c[i].busy ? c[i].fd : -1;
			pfd[i].events = POLLIN |
			    (c[i].outoff < c[i].outlen ? POLLOUT : 0);
			pfd[i].revents = 0;
		}
		ms = (int)((limit + 30 - now()) * 1000);
		if (ms <= 0) {
			warnx("%s: %d responses still missing", name, live);
			break;
		}
		if (poll(pfd, nclients, ms > 1000 ? 1000 : ms) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		for (i = 0; i < nclients; i++) {
			if (pfd[i].revents == 0)
				continue;
			if ((pfd[i].revents & POLLOUT) &&
			    conn_flush(&c[i]) == -1) {
				c[i].busy = 0;
				live--;
				errors++;
				continue;
			}
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    conn_read(&c[i]) == -1 && !scan(&c[i])) {
				c[i].busy = 0;
				live--;
				errors++;
				continue;
			}
			if (!scan(&c[i]))
				continue;
			if (done <= maxcmds)
				lat[done] = now() - c[i].t0;
			done++;
			if (c[i].status != 0)
				errors++;
			if (now() >= limit || sent >= maxcmds) {
				c[i].busy = 0;
				live--;
				continue;
			}
			conc_next(&c[i], uids, nuids, changing);
			c[i].t0 = now();
			sent++;
			if (conn_flush(&c[i]) == -1) {
				c[i].busy = 0;
				live--;
				errors++;
			}
		}
	}
	t1 = now();
	t1cpu = cpu_ticks();
	{
		size_t	nl = done < maxcmds ? done : maxcmds;
		double	p50 = 0, p99 = 0;

		if (nl > 0) {
			p50 = median(lat, nl) * 1000;
			p99 = lat[(nl * 99) / 100 < nl ? (nl * 99) / 100 :
			    nl - 1] * 1000;
		}
		printf("%s clients=%d commands=%lu errors=%lu seconds=%.2f "
		    "rate=%.1f p50_ms=%.3f p99_ms=%.3f", name, nclients, done,
		    errors, t1 - t0, done / (t1 - t0), p50, p99);
	}
	if (npids > 0 && done > 0)
		printf(" cpu_ms_per_cmd=%.3f",
		    (double)(t1cpu - t0cpu) * 1000.0 / hz / done);
	printf("\n");
	fflush(stdout);
 out:
	for (i = 0; i < nclients; i++)
		conn_free(&c[i]);
	free(c);
	free(pfd);
	free(lat);
	free(uids);
}

static void
usage(void)
{
	fprintf(stderr, "usage: imapload [-c clients] [-n maxcmds] "
	    "[-P pid,...] [-p port] [-r seed]\n"
	    "    [-t seconds] [-u user] [-W word] [-w password] "
	    "[-X absent] scenario ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	char		 cmd[256], *p, *end;
	const char	*errstr;
	int		 ch, i;

	while ((ch = getopt(argc, argv, "c:n:P:p:r:t:u:W:w:X:")) != -1) {
		switch (ch) {
		case 'c':
			nclients = (int)strtonum(optarg, 1, MAXCLIENTS, &errstr);
			if (errstr)
				errx(2, "-c %s: %s", optarg, errstr);
			break;
		case 'n':
			maxcmds = strtonum(optarg, 1, 100000000, &errstr);
			if (errstr)
				errx(2, "-n %s: %s", optarg, errstr);
			break;
		case 'P':
			for (p = optarg; *p != '\0' && npids < MAXPIDS; ) {
				long	v = strtol(p, &end, 10);

				if (end == p || v <= 0)
					errx(2, "-P %s", optarg);
				pids[npids++] = (pid_t)v;
				p = *end == ',' ? end + 1 : end;
			}
			break;
		case 'p':
			port = (int)strtonum(optarg, 1, 65535, &errstr);
			if (errstr)
				errx(2, "-p %s: %s", optarg, errstr);
			break;
		case 'r':
			seed = (unsigned int)strtonum(optarg, 0, UINT_MAX,
			    &errstr);
			if (errstr)
				errx(2, "-r %s: %s", optarg, errstr);
			break;
		case 't':
			seconds = strtod(optarg, &end);
			if (*end != '\0' || seconds <= 0 || seconds > 3600)
				errx(2, "-t %s", optarg);
			break;
		case 'u':
			user = optarg;
			break;
		case 'W':
			word = optarg;
			break;
		case 'w':
			pass = optarg;
			break;
		case 'X':
			absent = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "warm") == 0)
			sc_warm();
		else if (strcmp(argv[i], "select") == 0)
			sc_select();
		else if (strcmp(argv[i], "fetch_flags") == 0)
			sc_cmd(argv[i], "FETCH 1:* (FLAGS)");
		else if (strcmp(argv[i], "fetch_envelope") == 0)
			sc_cmd(argv[i], "FETCH 1:* (FLAGS ENVELOPE)");
		else if (strcmp(argv[i], "fetch_bodystructure") == 0)
			sc_cmd(argv[i], "FETCH 1:* (BODYSTRUCTURE)");
		else if (strcmp(argv[i], "search_header") == 0) {
			snprintf(cmd, sizeof(cmd),
			    "UID SEARCH HEADER Subject \"%s\"", word);
			sc_cmd(argv[i], cmd);
		} else if (strcmp(argv[i], "search_text_nohit") == 0) {
			snprintf(cmd, sizeof(cmd), "SEARCH TEXT \"%s\"",
			    absent);
			sc_cmd(argv[i], cmd);
		} else if (strcmp(argv[i], "body_random") == 0)
			sc_body_random();
		else if (strcmp(argv[i], "conc_changing") == 0)
			sc_conc(1);
		else if (strcmp(argv[i], "conc_set") == 0)
			sc_conc(0);
		else if (strcmp(argv[i], "idle") == 0)
			sc_idle();
		else
			errx(2, "unknown scenario %s", argv[i]);
	}
	return 0;
}
