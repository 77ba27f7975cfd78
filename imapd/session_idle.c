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
 * session_idle.c -- IDLE (RFC 2177): "+ idling", then changes to the
 * selected folder are sent as they happen (the store's inotify
 * descriptor wakes us, a periodic sync catches what it misses) until
 * the client sends DONE.  The autologout timer runs on (clients re-IDLE
 * within 29 minutes, as RFC 2177 asks).
 */

#include <sys/types.h>
#include <sys/time.h>

#include <event.h>
#include <string.h>
#include <strings.h>

#include "io.h"
#include "log.h"
#include "session.h"
#include "session_priv.h"

#define IDLE_TICK_NOTIFY	30	/* seconds: with inotify */
#define IDLE_TICK_POLL		1	/* without: mail within 1 s */
#define IDLE_LINE_MAX		1024	/* a line while idling */

static void	idle_notify_cb(int, short, void *);
static void	idle_tick_cb(int, short, void *);
static void	idle_tick_arm(struct imap_conn *);

void
cmd_idle(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;
	int			 fd = -1;

	if (c->cmd.nargs != 0) {
		conn_tagged(c, "BAD", "IDLE takes no argument");
		return;
	}
	if (c->mbox != NULL) {
		mbox_notify_drain(c->mbox);
		conn_sync(c, 1);
		fd = mbox_notify_fd(c->mbox);
	}
	cp->idling = 1;
	conn_write(c, "+ idling\r\n", 10);
	if (fd != -1) {
		event_set(&cp->notify, fd, EV_READ | EV_PERSIST,
		    idle_notify_cb, c);
		if (event_add(&cp->notify, NULL) == -1)
			log_warn("idle: event_add");
		else
			cp->notify_on = 1;
	}
	idle_tick_arm(c);
}

static void
idle_tick_arm(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;
	struct timeval		 tv;

	tv.tv_sec = cp->notify_on ? IDLE_TICK_NOTIFY : IDLE_TICK_POLL;
	tv.tv_usec = 0;
	evtimer_set(&cp->tick, idle_tick_cb, c);
	evtimer_add(&cp->tick, &tv);
	cp->tick_on = 1;
}

static void
idle_notify_cb(int fd, short ev, void *arg)
{
	struct imap_conn	*c = arg;

	if (c->mbox == NULL)
		return;
	mbox_notify_drain(c->mbox);
	conn_sync(c, 1);
}

static void
idle_tick_cb(int fd, short ev, void *arg)
{
	struct imap_conn	*c = arg;
	struct conn_priv	*cp = c->priv;

	cp->tick_on = 0;
	if (c->mbox != NULL)
		conn_sync(c, 1);
	idle_tick_arm(c);
}

void
session_idle_stop(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;

	if (cp->notify_on)
		event_del(&cp->notify);
	if (cp->tick_on)
		evtimer_del(&cp->tick);
	cp->notify_on = cp->tick_on = 0;
	cp->idling = 0;
}

/*
 * A line from the client while idling: DONE ends IDLE with OK, anything
 * else with BAD.  0 when no whole line is there yet.
 */
int
session_idle_input(struct imap_conn *c)
{
	char	*line;
	size_t	 len;
	int	 done;

	if ((line = io_getline(c->io, &len)) == NULL) {
		if (io_datalen(c->io) <= IDLE_LINE_MAX)
			return (0);
		io_drop(c->io, io_datalen(c->io));
		done = 0;
	} else
		done = len == 4 && strncasecmp(line, "DONE", 4) == 0;
	session_idle_stop(c);
	if (done)
		conn_tagged(c, "OK", "IDLE terminated");
	else
		conn_tagged(c, "BAD", "Expected DONE");
	session_cmd_done(c);
	return (1);
}
