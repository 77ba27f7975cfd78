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
 * smtpsink -- a fast SMTP sink for make bench (relay throughput).
 *
 * One libevent loop: any number of sessions, each answered as fast as its
 * commands arrive (PIPELINING: every complete line in the input is
 * answered, the replies go out together), message data counted and
 * thrown away.  It says 250 to everything it understands; it keeps no
 * mail.  Counts: connections accepted, sessions open at most at once,
 * transactions (MAIL), recipients, messages (the final dot) and bytes of
 * message data.
 *
 *   smtpsink [-a addr] [-p port] [-P portfile] [-s statsfile]
 *	[-t seconds]
 *
 * -p 0 (the default) takes a free port and writes it to portfile once
 * listening.  The counts go to statsfile (written anew, by rename, at
 * most every 20 ms while they change) and to the standard output on
 * SIGUSR1 and at exit: on SIGTERM, SIGINT or after the lifetime
 * (-t, default 600 s), whichever comes first.  Each line reads
 *
 *   connections=N maxsessions=N transactions=N rcpts=N messages=N bytes=N
 *
 * Listens on loopback by default; input lines are bounded (a session
 * whose line outgrows LINE_MAX_SINK is closed).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#define LINE_MAX_SINK	(64 * 1024)
#define STATS_EVERY_MS	20
#define IDLE_TIMEOUT	300

struct sink_stats {
	unsigned long	 connections;
	unsigned long	 sessions;
	unsigned long	 maxsessions;
	unsigned long	 transactions;
	unsigned long	 rcpts;
	unsigned long	 messages;
	unsigned long	 bytes;
};

struct sink_sess {
	struct bufferevent	*bev;
	int			 indata;
	int			 quit;
};

static struct event_base	*base;
static struct sink_stats	 st;
static struct sink_stats	 st_written;	/* what statsfile says */
static const char		*statsfile;

static void	sink_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	sink_read(struct bufferevent *, void *);
static void	sink_write(struct bufferevent *, void *);
static void	sink_event(struct bufferevent *, short, void *);
static int	sink_line(struct sink_sess *, const char *, size_t);
static void	sink_data_line(struct sink_sess *, const char *, size_t);
static void	sink_close(struct sink_sess *);
static void	sink_stats_line(char *, size_t);
static void	sink_stats_write(void);
static void	sink_tick(evutil_socket_t, short, void *);
static void	sink_signal(evutil_socket_t, short, void *);
static void	usage(void);

static void
sink_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct sink_sess	*s;
	struct timeval		 tv = { IDLE_TIMEOUT, 0 };
	int			 one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		warnx("out of memory: connection dropped");
		free(s);
		close(fd);
		return;
	}
	st.connections++;
	if (++st.sessions > st.maxsessions)
		st.maxsessions = st.sessions;
	bufferevent_setcb(s->bev, sink_read, sink_write, sink_event, s);
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	evbuffer_add_printf(bufferevent_get_output(s->bev),
	    "220 sink.test ESMTP smtpsink\r\n");
}

/* Every complete line in the input: commands answered, data counted. */
static void
sink_read(struct bufferevent *bev, void *arg)
{
	struct sink_sess	*s = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 len;

	while (!s->quit &&
	    (line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (s->indata)
			sink_data_line(s, line, len);
		else if (sink_line(s, line, len) == -1)
			s->quit = 1;
		free(line);
	}
	if (!s->quit && evbuffer_get_length(in) > LINE_MAX_SINK) {
		evbuffer_add_printf(bufferevent_get_output(bev),
		    "500 5.5.2 line too long\r\n");
		s->quit = 1;
	}
	if (s->quit)
		bufferevent_disable(bev, EV_READ);
}

/* The output has drained: after QUIT, the session ends. */
static void
sink_write(struct bufferevent *bev, void *arg)
{
	struct sink_sess	*s = arg;

	if (s->quit)
		sink_close(s);
}

static void
sink_event(struct bufferevent *bev, short what, void *arg)
{
	sink_close(arg);
}

static void
sink_close(struct sink_sess *s)
{
	bufferevent_free(s->bev);
	free(s);
	st.sessions--;
}

static void
sink_data_line(struct sink_sess *s, const char *line, size_t len)
{
	if (len == 1 && line[0] == '.') {
		s->indata = 0;
		st.messages++;
			evbuffer_add_printf(bufferevent_get_output(s->bev),
		    "250 2.0.0 Ok: queued as %lu\r\n", st.messages);
		return;
	}
	st.bytes += len + 2;
}

/* One command; -1 when the session is to end once the reply is out. */
static int
sink_line(struct sink_sess *s, const char *line, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);

	if (strncasecmp(line, "EHLO", 4) == 0)
		evbuffer_add_printf(out, "250-sink.test\r\n250-PIPELINING\r\n"
		    "250-8BITMIME\r\n250-SMTPUTF8\r\n250-SIZE 0\r\n"
		    "250 ENHANCEDSTATUSCODES\r\n");
	else if (strncasecmp(line, "HELO", 4) == 0)
		evbuffer_add_printf(out, "250 sink.test\r\n");
	else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
		st.transactions++;
			evbuffer_add_printf(out, "250 2.1.0 Ok\r\n");
	} else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
		st.rcpts++;
		evbuffer_add_printf(out, "250 2.1.5 Ok\r\n");
	} else if (len == 4 && strncasecmp(line, "DATA", 4) == 0) {
		s->indata = 1;
		evbuffer_add_printf(out, "354 End data with <CR><LF>.<CR><LF>"
		    "\r\n");
	} else if (strncasecmp(line, "RSET", 4) == 0 ||
	    strncasecmp(line, "NOOP", 4) == 0)
		evbuffer_add_printf(out, "250 2.0.0 Ok\r\n");
	else if (strncasecmp(line, "QUIT", 4) == 0) {
		evbuffer_add_printf(out, "221 2.0.0 Bye\r\n");
		return (-1);
	} else
		evbuffer_add_printf(out, "502 5.5.2 Command not recognized"
		    "\r\n");
	return (0);
}

static void
sink_stats_line(char *buf, size_t size)
{
	(void)snprintf(buf, size, "connections=%lu maxsessions=%lu "
	    "transactions=%lu rcpts=%lu messages=%lu bytes=%lu\n",
	    st.connections, st.maxsessions, st.transactions, st.rcpts,
	    st.messages, st.bytes);
}

/* statsfile anew, whole (rename), so that a reader sees one line. */
static void
sink_stats_write(void)
{
	char	 tmp[4096], line[256];
	FILE	*fp;

	if (statsfile == NULL)
		return;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", statsfile) >=
	    sizeof(tmp))
		errx(1, "stats file name too long");
	sink_stats_line(line, sizeof(line));
	st_written = st;
	if ((fp = fopen(tmp, "w")) == NULL) {
		warn("%s", tmp);
		return;
	}
	(void)fputs(line, fp);
	if (fclose(fp) == EOF || rename(tmp, statsfile) == -1)
		warn("%s", statsfile);
}

static void
sink_tick(evutil_socket_t fd, short what, void *arg)
{
	if (memcmp(&st, &st_written, sizeof(st)) != 0)
		sink_stats_write();
}

static void
sink_signal(evutil_socket_t sig, short what, void *arg)
{
	char	line[256];

	sink_stats_line(line, sizeof(line));
	(void)fputs(line, stdout);
	(void)fflush(stdout);
	if (sig != SIGUSR1)
		event_base_loopbreak(base);
}

static void
usage(void)
{
	fprintf(stderr, "usage: smtpsink [-a addr] [-p port] [-P portfile] "
	    "[-s statsfile] [-t seconds]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct evconnlistener	*l;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	struct event		*ev_tick, *ev_sig[4], *ev_end;
	struct timeval		 tick = { 0, STATS_EVERY_MS * 1000 };
	struct timeval		 life = { 600, 0 };
	const char		*addr = "127.0.0.1", *portfile = NULL;
	const int		 sigs[] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP };
	FILE			*fp;
	long			 port = 0;
	int			 ch, i;

	while ((ch = getopt(argc, argv, "a:P:p:s:t:")) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'P': portfile = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 's': statsfile = optarg; break;
		case 't': life.tv_sec = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (port < 0 || port > 65535 || life.tv_sec <= 0 ||
	    life.tv_sec > 86400 || argc != optind)
		usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		errx(1, "bad address %s", addr);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		errx(1, "event_base_new");
	if ((l = evconnlistener_new_bind(base, sink_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
	    (struct sockaddr *)&sin, sizeof(sin))) == NULL)
		err(1, "listen on %s:%ld", addr, port);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	    &slen) == -1)
		err(1, "getsockname");
	if (portfile != NULL) {
		if ((fp = fopen(portfile, "w")) == NULL)
			err(1, "%s", portfile);
		fprintf(fp, "%u\n", ntohs(sin.sin_port));
		if (fclose(fp) == EOF)
			err(1, "%s", portfile);
	}
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++) {
		ev_sig[i] = evsignal_new(base, sigs[i], sink_signal, NULL);
		if (ev_sig[i] == NULL || evsignal_add(ev_sig[i], NULL) == -1)
			errx(1, "evsignal");
	}
	ev_tick = event_new(base, -1, EV_PERSIST, sink_tick, NULL);
	ev_end = evtimer_new(base, sink_signal, NULL);
	if (ev_tick == NULL || ev_end == NULL ||
	    event_add(ev_tick, &tick) == -1 || evtimer_add(ev_end, &life) == -1)
		errx(1, "event_new");
	sink_stats_write();
	(void)event_base_dispatch(base);
	/* ended by a signal or the lifetime (sink_signal printed the counts) */
	sink_stats_write();
	return (0);
}
