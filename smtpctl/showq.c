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
 * showq.c -- mailq and smtpctl show queue: the queue as a table.
 *
 * The queue sends one line per envelope (queue/queue_ctl.c), fields
 * separated by '|', its strings already escaped:
 *
 *	evpid|msgid|sender|rcpt|dest|action|state|ctime|expire|retry|
 *	nexttry|errorline|size|route
 *
 * (route: where it goes, e.g. "relay host mx.example.org:25", empty for
 * users other than root; a daemon older than it sends none.)
 * With -p that line is printed as is (sanitised), for scripts.  Else the
 * envelopes, which come grouped by message, become a table, one block
 * per message, then a summary, or "Mail queue is empty".  Under each
 * envelope line, the route and the attempts so far, when there are any,
 * then the last error in parentheses.  What comes from
 * the daemon is untrusted: anything but printable ASCII is printed as '?'
 * (the daemon escapes it already; a different version might not).
 */

#include <sys/types.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpctl.h"

enum showq_field {
	SQ_EVPID, SQ_MSGID, SQ_SENDER, SQ_RCPT, SQ_DEST, SQ_ACTION, SQ_STATE,
	SQ_CTIME, SQ_EXPIRE, SQ_RETRY, SQ_NEXTTRY, SQ_ERROR, SQ_SIZE,
	SQ_ROUTE, SQ_NFIELDS
};

#define SQ_NFIELDS_MIN	SQ_ROUTE	/* without a route (older smtpd) */

#define SHOWQ_LINE_MAX	4096

static struct {
	int		 raw;
	char		 msgid[32];	/* of the block being printed */
	size_t		 nmsg;
	size_t		 nenv;
	uint64_t	 bytes;
	time_t		 now;
} showq;

static void	showq_clean(char *);
static int	showq_split(char *, char **);
static void	showq_time(const char *, char *, size_t);
static void	showq_header(void);
static void	showq_message(char **);
static void	showq_envelope(char **);

void
showq_start(int raw)
{
	memset(&showq, 0, sizeof(showq));
	showq.raw = raw;
	showq.now = time(NULL);
}

/* In place: every byte that is not printable ASCII becomes '?'. */
static void
showq_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/*
 * Split at '|' into SQ_NFIELDS fields (SQ_NFIELDS_MIN: the route is
 * empty); -1 otherwise.
 */
static int
showq_split(char *line, char **f)
{
	size_t	 n = 0;
	char	*p = line;

	for (;;) {
		if (n == SQ_NFIELDS)
			return (-1);
		f[n++] = p;
		if ((p = strchr(p, '|')) == NULL)
			break;
		*p++ = '\0';
	}
	if (n == SQ_NFIELDS_MIN) {
		f[n] = f[n - 1] + strlen(f[n - 1]);	/* "" */
		n++;
	}
	return (n == SQ_NFIELDS ? 0 : -1);
}

/* "Dec  5 09:07:50" in local time, from seconds since the epoch. */
static void
showq_time(const char *secs, char *buf, size_t size)
{
	struct tm	 tm;
	char		*end;
	long long	 v;
	time_t		 t;

	v = strtoll(secs, &end, 10);
	t = (time_t)v;
	if (*secs == '\0' || *end != '\0' || v <= 0 ||
	    localtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%b %e %H:%M:%S", &tm) == 0)
		(void)snprintf(buf, size, "-");
}

static void
showq_header(void)
{
	printf("%-8s %9s  %-15s  %s\n", "Queue ID", "Size", "Arrival",
	    "Sender");
	printf("  %-16s  %-8s  %-15s  %s\n", "Envelope", "State",
	    "Next try", "Recipient");
	printf("  %-16s  %s\n", "", "Route, attempts");
	printf("  %-16s  %s\n", "", "(last error)");
}

static void
showq_message(char **f)
{
	char		 when[64], sz[32], *end;
	long long	 size;

	if (showq.nmsg == 0)
		showq_header();
	showq.nmsg++;
	(void)snprintf(showq.msgid, sizeof(showq.msgid), "%s", f[SQ_MSGID]);
	size = strtoll(f[SQ_SIZE], &end, 10);
	if (f[SQ_SIZE][0] == '\0' || *end != '\0' || size < 0)
		(void)snprintf(sz, sizeof(sz), "?");
	else {
		(void)snprintf(sz, sizeof(sz), "%lld", size);
		showq.bytes += (uint64_t)size;
	}
	showq_time(f[SQ_CTIME], when, sizeof(when));
	printf("\n%-8s %9s  %-15s  <%s>\n", f[SQ_MSGID], sz, when,
	    f[SQ_SENDER]);
}

static void
showq_envelope(char **f)
{
	char		 next[64], *end;
	const char	*state = f[SQ_STATE];
	long long	 tries;

	showq.nenv++;
	if (strcmp(state, "pending") == 0 || strcmp(state, "paused") == 0) {
		showq_time(f[SQ_NEXTTRY], next, sizeof(next));
		if (strtoll(f[SQ_NEXTTRY], NULL, 10) <= (long long)showq.now)
			(void)snprintf(next, sizeof(next), "now");
	} else
		(void)snprintf(next, sizeof(next), "-");
	printf("  %-16s  %-8s  %-15s  <%s>", f[SQ_EVPID], state, next,
	    f[SQ_RCPT]);
	if (strcmp(f[SQ_DEST], f[SQ_RCPT]) != 0 && f[SQ_DEST][0] != '\0')
		printf(" -> <%s>", f[SQ_DEST]);
	printf("\n");
	tries = strtoll(f[SQ_RETRY], &end, 10);
	if (f[SQ_RETRY][0] == '\0' || *end != '\0' || tries < 0)
		tries = 0;
	if (f[SQ_ROUTE][0] != '\0' && tries > 0)
		printf("  %-16s  %s, %lld attempt%s\n", "", f[SQ_ROUTE], tries,
		    tries == 1 ? "" : "s");
	else if (f[SQ_ROUTE][0] != '\0')
		printf("  %-16s  %s\n", "", f[SQ_ROUTE]);
	else if (tries > 0)
		printf("  %-16s  %lld attempt%s\n", "", tries, tries == 1 ?
		    "" : "s");
	if (f[SQ_ERROR][0] != '\0')
		printf("  %-16s  (%s)\n", "", f[SQ_ERROR]);
}

/* One CTL_LINE from the queue. */
void
showq_line(const char *text)
{
	char	 line[SHOWQ_LINE_MAX], *f[SQ_NFIELDS];

	(void)snprintf(line, sizeof(line), "%s", text);
	showq_clean(line);
	if (showq.raw) {
		printf("%s\n", line);
		return;
	}
	if (showq_split(line, f) == -1) {
		/* another version of smtpd: show what it says */
		(void)snprintf(line, sizeof(line), "%s", text);
		showq_clean(line);
		printf("%s\n", line);
		return;
	}
	if (showq.nmsg == 0 || strcmp(showq.msgid, f[SQ_MSGID]) != 0)
		showq_message(f);
	showq_envelope(f);
}

/* The listing is complete. */
void
showq_end(void)
{
	if (showq.raw)
		return;
	if (showq.nenv == 0) {
		printf("Mail queue is empty\n");
		return;
	}
	printf("\n-- %" PRIu64 " Kbytes in %zu message%s, %zu recipient%s.\n",
	    (showq.bytes + 1023) / 1024, showq.nmsg, showq.nmsg == 1 ? "" :
	    "s", showq.nenv, showq.nenv == 1 ? "" : "s");
}
