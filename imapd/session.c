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
 * session.c -- the session process's connections: buffered I/O on the
 * descriptor the login process handed over (plaintext: the login process
 * keeps TLS and proxies it), the command reader, dispatch by name and
 * state, the tagged and untagged replies, long replies that wait for the
 * output queue to drain, the autologout timer, the logout log line.
 * IDLE is in session_idle.c, the untagged updates in session_sync.c,
 * imapd -s in session_stdio.c.
 *
 * SECURITY: everything read here comes from the client.  The reader
 * (imap_parse.c) bounds lines and literals; a command is only run in the
 * states its table entry allows; output waits when the client does not
 * read (CONN_OUT_HIWAT), so that pipelined commands cannot make the
 * process buffer without bound.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "util.h"
#include "session.h"
#include "session_priv.h"

#define SESSION_MAX_APPEND	(64 * 1024 * 1024)
#define SESSION_IDLE_TIMEOUT	(30 * 60)
#define SESSION_PENDING_CHUNK	(1024 * 1024)

#define ST_A	(1U << CS_AUTH)
#define ST_AS	((1U << CS_AUTH) | (1U << CS_SELECTED))
#define ST_S	(1U << CS_SELECTED)

static const struct imap_cmd_def session_cmds[] = {
	{ "APPEND",	  ST_AS, 0, cmd_append },
	{ "CAPABILITY",	  ST_AS, 0, cmd_capability },
	{ "CHECK",	  ST_S,  0, cmd_check },
	{ "CLOSE",	  ST_S,  0, cmd_close },
	{ "COPY",	  ST_S,  1, cmd_copy },
	{ "CREATE",	  ST_AS, 0, cmd_create },
	{ "DELETE",	  ST_AS, 0, cmd_delete },
	{ "ENABLE",	  ST_A,  0, cmd_enable },
	{ "EXAMINE",	  ST_AS, 0, cmd_select },
	{ "EXPUNGE",	  ST_S,  1, cmd_expunge },
	{ "FETCH",	  ST_S,  1, cmd_fetch },
	{ "GETQUOTA",	  ST_AS, 0, cmd_getquota },
	{ "GETQUOTAROOT", ST_AS, 0, cmd_getquota },
	{ "ID",		  ST_AS, 0, cmd_id },
	{ "IDLE",	  ST_AS, 0, cmd_idle },
	{ "LIST",	  ST_AS, 0, cmd_list },
	{ "LOGOUT",	  ST_AS, 0, cmd_logout },
	{ "LSUB",	  ST_AS, 0, cmd_list },
	{ "MOVE",	  ST_S,  1, cmd_copy },
	{ "NAMESPACE",	  ST_AS, 0, cmd_namespace },
	{ "NOOP",	  ST_AS, 0, cmd_noop },
	{ "RENAME",	  ST_AS, 0, cmd_rename },
	{ "SEARCH",	  ST_S,  1, cmd_search },
	{ "SELECT",	  ST_AS, 0, cmd_select },
	{ "SORT",	  ST_S,  1, cmd_sort },
	{ "STATUS",	  ST_AS, 0, cmd_status },
	{ "STORE",	  ST_S,  1, cmd_store },
	{ "SUBSCRIBE",	  ST_AS, 0, cmd_subscribe },
	{ "THREAD",	  ST_S,  1, cmd_thread },
	{ "UNSELECT",	  ST_S,  0, cmd_close },
	{ "UNSUBSCRIBE",  ST_AS, 0, cmd_subscribe },
};

/* commands after which no EXPUNGE may be sent unless UID (9051 7.5.1) */
static const char *const session_noexpunge[] = {
	"COPY", "FETCH", "SEARCH", "SORT", "STORE", "THREAD",
};

static struct session_params	 sp;
static struct mstore		*store;
static TAILQ_HEAD(, imap_conn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static size_t			 nconns;
static void			(*on_empty)(void);

static void	session_io(struct io *, int, void *);
static void	session_input(struct imap_conn *);
static void	session_command(struct imap_conn *);
static void	session_run(struct imap_conn *, const struct imap_cmd_def *);
static void	session_toobig(struct imap_conn *);
static void	session_resume(struct imap_conn *);
static void	session_kick_cb(int, short, void *);
static void	session_flush_pending(struct imap_conn *);
static int	session_check_close(struct imap_conn *);
static void	session_free(struct imap_conn *);
static void	session_greet(struct imap_conn *, const struct conn_start *);

int
session_init(const struct session_params *p)
{
	const char	*err = NULL;

	sp = *p;
	sp.root = xstrdup(p->root);
	sp.user = xstrdup(p->user != NULL ? p->user : "");
	sp.hostname = xstrdup(p->hostname != NULL ? p->hostname : "");
	if (sp.max_append == 0)
		sp.max_append = SESSION_MAX_APPEND;
	if (sp.idle_timeout <= 0)
		sp.idle_timeout = SESSION_IDLE_TIMEOUT;
	if ((store = mstore_open(sp.root, &err)) == NULL) {
		log_warnx("session: cannot open %s: %s", sp.root,
		    err != NULL ? err : "unknown error");
		return (-1);
	}
	return (0);
}

const struct session_params *
session_params(void)
{
	return (&sp);
}

size_t
session_count(void)
{
	return (nconns);
}

void
session_on_empty(void (*cb)(void))
{
	on_empty = cb;
}

void
session_conn_start(int fd, const struct conn_start *cs)
{
	struct imap_conn	*c;
	struct conn_priv	*cp;
	size_t			 maxcmd;

	if (store == NULL)
		fatalx("session_conn_start: no session_init");
	c = xcalloc(1, sizeof(*c));
	cp = xcalloc(1, sizeof(*cp));
	c->priv = cp;
	c->store = store;
	c->state = CS_AUTH;
	(void)strlcpy(c->user, cs->user, sizeof(c->user));
	(void)strlcpy(c->peer, cs->peer, sizeof(c->peer));
	(void)strlcpy(c->tls, cs->tls, sizeof(c->tls));
	/* MULTIAPPEND: a few messages of the largest size in one command */
	maxcmd = sp.max_append > SIZE_MAX / 4 ? SIZE_MAX / 2 :
	    sp.max_append * 2 + IMAP_LINE_MAX;
	imap_reader_init(&c->rd, sp.max_append, maxcmd);
	evtimer_set(&cp->kick, session_kick_cb, c);
	if (fd_set_nonblock(fd) == -1)
		log_warn("session: nonblock");
	c->io = io_new(fd, session_io, c);
	io_set_timeout(c->io, sp.idle_timeout * 1000);
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	log_info("imap session user=%s peer=%s%s%s", c->user, c->peer,
	    c->tls[0] ? " tls=" : "", c->tls);
	session_greet(c, cs);
}

static void
session_greet(struct imap_conn *c, const struct conn_start *cs)
{
	struct conn_priv	*cp = c->priv;
	struct buf		 b;

	buf_init(&b);
	imap_capability(&b, CAPA_AUTH, c->tls[0] != '\0', 0, 0,
	    sp.max_append);
	if (cs->preauth || cs->tag[0] == '\0')
		conn_untagged(c, "PREAUTH [CAPABILITY %s] %s IMAP ready, "
		    "logged in as %s", b.s, sp.hostname[0] ? sp.hostname :
		    "cartero", c->user);
	else {
		buf_reset(&cp->line);
		buf_addf(&cp->line, "%s OK [CAPABILITY %s] Logged in\r\n",
		    cs->tag, b.s);
		conn_write_buf(c, &cp->line);
	}
	buf_free(&b);
}

void
session_kick(const char *reason)
{
	struct imap_conn	*c, *tmp;

	TAILQ_FOREACH_SAFE(c, &conns, entry, tmp) {
		conn_untagged(c, "BYE %s", reason);
		c->state = CS_LOGOUT;
		((struct conn_priv *)c->priv)->closing = 1;
		(void)session_check_close(c);
	}
}

static void
session_io(struct io *io, int evt, void *arg)
{
	struct imap_conn	*c = arg;
	struct conn_priv	*cp = c->priv;

	switch (evt) {
	case IO_DATAIN:
		session_input(c);
		break;
	case IO_LOWAT:
		session_flush_pending(c);
		if (c->resume != NULL)
			session_resume(c);
		else
			session_input(c);
		break;
	case IO_TIMEOUT:
		conn_untagged(c, "BYE Autologout; idle for too long");
		log_info("imap timeout user=%s peer=%s", c->user, c->peer);
		cp->closing = 1;
		io_set_timeout(c->io, 0);
		break;
	case IO_DISCONNECTED:
		session_input(c);
		break;
	default:
		log_info("imap error user=%s peer=%s: %s", c->user, c->peer,
		    io_error(io));
		session_free(c);
		return;
	}
	(void)session_check_close(c);
}

/* Feed the reader with what was read and run the commands it yields. */
static void
session_input(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;
	enum imap_rd		 r;
	size_t			 len, used;

	while (c->state != CS_LOGOUT && !cp->closing && c->resume == NULL) {
		if (cp->idling) {
			if (session_idle_input(c) == 0)
				break;
			continue;
		}
		if (conn_queued(c) > CONN_OUT_HIWAT)
			break;	/* the client does not read: wait */
		if ((len = io_datalen(c->io)) == 0)
			break;
		used = 0;
		r = imap_reader_feed(&c->rd, io_data(c->io), len, &used);
		if (used > len)
			fatalx("session_input: reader used %zu of %zu", used,
			    len);
		io_drop(c->io, used);
		switch (r) {
		case IMAP_RD_MORE:
			if (used == 0)
				return;
			break;
		case IMAP_RD_CONTINUE:
			conn_write(c, "+ OK\r\n", 6);
			break;
		case IMAP_RD_TOOBIG:
			session_toobig(c);
			imap_reader_reset(&c->rd);
			break;
		case IMAP_RD_COMMAND:
			session_command(c);
			break;
		}
	}
}

static void
session_toobig(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;
	const char		*tag = c->rd.tag[0] ? c->rd.tag : "*";

	buf_reset(&cp->line);
	if (c->rd.toobig_literal)
		buf_addf(&cp->line, "%s NO [TOOBIG] Literal too big\r\n", tag);
	else
		buf_addf(&cp->line, "%s BAD Command line too long\r\n", tag);
	conn_write_buf(c, &cp->line);
}

static const struct imap_cmd_def *
session_lookup(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(session_cmds) / sizeof(session_cmds[0]); i++)
		if (strcmp(session_cmds[i].name, name) == 0)
			return (&session_cmds[i]);
	return (NULL);
}

/* One command from the reader: parse, check, run. */
static void
session_command(struct imap_conn *c)
{
	struct conn_priv		*cp = c->priv;
	const struct imap_cmd_def	*def;
	const char			*err = NULL;

	memset(&c->cmd, 0, sizeof(c->cmd));
	c->have_cmd = 1;
	cp->tagged = 0;
	cp->allow_expunge = -1;		/* no sync before the reply */
	c->n_commands++;
	if (imap_parse_cmd(c->rd.cmd.s, c->rd.cmd.len, &c->cmd, &err) == -1) {
		if (c->cmd.tag[0] == '\0')
			(void)strlcpy(c->cmd.tag, "*", sizeof(c->cmd.tag));
		conn_tagged(c, "BAD", "%s", err != NULL ? err :
		    "Syntax error");
		session_cmd_done(c);
		return;
	}
	if ((def = session_lookup(c->cmd.name)) == NULL) {
		if (strcmp(c->cmd.name, "LOGIN") == 0 ||
		    strcmp(c->cmd.name, "AUTHENTICATE") == 0 ||
		    strcmp(c->cmd.name, "STARTTLS") == 0)
			conn_tagged(c, "BAD", "Already authenticated");
		else
			conn_tagged(c, "BAD", "Unknown command");
	} else if (c->cmd.uid && !def->uid_ok)
		conn_tagged(c, "BAD", "UID %s is not a command", def->name);
	else if (!(def->states & (1U << c->state)))
		conn_tagged(c, "BAD", c->state == CS_AUTH ?
		    "No mailbox selected" : "Not valid in this state");
	else {
		session_run(c, def);
		return;
	}
	session_cmd_done(c);
}

static void
session_run(struct imap_conn *c, const struct imap_cmd_def *def)
{
	struct conn_priv	*cp = c->priv;
	size_t			 i;

	cp->allow_expunge = 1;
	if (!c->cmd.uid)
		for (i = 0; i < sizeof(session_noexpunge) /
		    sizeof(session_noexpunge[0]); i++)
			if (strcmp(c->cmd.name, session_noexpunge[i]) == 0)
				cp->allow_expunge = 0;
	def->fn(c);
	if (c->resume != NULL) {
		if (conn_queued(c) < CONN_OUT_LOWAT)
			session_kick_arm(c);
		return;
	}
	if (cp->idling)
		return;
	if (!cp->tagged)
		conn_tagged(c, "OK", "%s completed", c->cmd.name);
	session_cmd_done(c);
}

/* The command was answered: forget it, read on. */
void
session_cmd_done(struct imap_conn *c)
{
	if (c->have_cmd)
		imap_cmd_free(&c->cmd);
	c->have_cmd = 0;
	c->resume = NULL;
	c->resume_arg = NULL;
	imap_reader_reset(&c->rd);
}

void
session_kick_arm(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;
	struct timeval		 tv = { 0, 0 };

	evtimer_add(&cp->kick, &tv);
}

static void
session_kick_cb(int fd, short ev, void *arg)
{
	struct imap_conn	*c = arg;

	if (c->resume != NULL)
		session_resume(c);
	else
		session_input(c);
	(void)session_check_close(c);
}

/* Go on with a long reply while the queue is short; finish it. */
static void
session_resume(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;
	void			(*fn)(struct imap_conn *);

	if (conn_queued(c) >= CONN_OUT_LOWAT)
		return;
	fn = c->resume;
	fn(c);
	if (c->resume != NULL) {
		if (conn_queued(c) < CONN_OUT_LOWAT)
			session_kick_arm(c);
		return;
	}
	if (!cp->tagged)
		conn_tagged(c, "OK", "%s completed", c->cmd.name);
	session_cmd_done(c);
	session_input(c);
}

/* Close when asked and the output is out; 1 if c was freed. */
static int
session_check_close(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;

	if (c->resume != NULL)
		return (0);
	if (c->state == CS_LOGOUT || (io_eof(c->io) && !cp->idling))
		cp->closing = 1;
	if (cp->idling && io_eof(c->io))
		cp->closing = 1;
	if (!cp->closing || conn_queued(c) > 0)
		return (0);
	session_free(c);
	return (1);
}

static void
session_free(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;

	log_info("imap logout user=%s peer=%s commands=%llu fetched=%llu "
	    "appended=%llu deleted=%llu expunged=%llu", c->user, c->peer,
	    (unsigned long long)c->n_commands,
	    (unsigned long long)c->n_fetched_bytes,
	    (unsigned long long)c->n_appended,
	    (unsigned long long)c->n_deleted,
	    (unsigned long long)c->n_expunged);
	session_idle_stop(c);
	evtimer_del(&cp->kick);
	/* a long reply in progress frees its state when run in CS_LOGOUT */
	if (c->resume != NULL) {
		c->state = CS_LOGOUT;
		c->resume(c);
		c->resume = NULL;
		c->resume_arg = NULL;
	}
	if (c->have_cmd)
		imap_cmd_free(&c->cmd);
	if (c->mbox != NULL)
		mbox_close(c->mbox);
	imap_reader_free(&c->rd);
	buf_free(&c->out);
	buf_free(&cp->line);
	buf_free(&cp->pending);
	free(c->saved);
	io_free(c->io);
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	free(cp);
	free(c);
	if (nconns == 0 && on_empty != NULL) {
		void	(*cb)(void) = on_empty;

		on_empty = NULL;
		cb();
	}
}

/*
 * Output.  What io cannot take (its queue is bounded) waits in pending,
 * in order, and goes on each time the queue drains.
 */
void
conn_write(struct imap_conn *c, const char *p, size_t n)
{
	struct conn_priv	*cp = c->priv;

	if (n == 0)
		return;
	if (cp->pending.len == 0 && io_write(c->io, p, n) == 0)
		return;
	buf_add(&cp->pending, p, n);
}

void
conn_write_buf(struct imap_conn *c, struct buf *b)
{
	conn_write(c, b->s, b->len);
}

size_t
conn_queued(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;

	return (io_queued(c->io) + cp->pending.len);
}

static void
session_flush_pending(struct imap_conn *c)
{
	struct conn_priv	*cp = c->priv;
	size_t			 n;

	while (cp->pending.len > 0) {
		n = cp->pending.len < SESSION_PENDING_CHUNK ?
		    cp->pending.len : SESSION_PENDING_CHUNK;
		if (io_write(c->io, cp->pending.s, n) == -1)
			return;
		memmove(cp->pending.s, cp->pending.s + n, cp->pending.len - n);
		cp->pending.len -= n;
		cp->pending.s[cp->pending.len] = '\0';
		if (io_queued(c->io) >= CONN_OUT_HIWAT)
			return;
	}
	if (cp->pending.cap > SESSION_PENDING_CHUNK)
		buf_free(&cp->pending);
}

void
conn_untagged(struct imap_conn *c, const char *fmt, ...)
{
	struct conn_priv	*cp = c->priv;
	va_list			 ap;

	buf_reset(&cp->line);
	buf_add(&cp->line, "* ", 2);
	va_start(ap, fmt);
	buf_vaddf(&cp->line, fmt, ap);
	va_end(ap);
	buf_add(&cp->line, "\r\n", 2);
	conn_write_buf(c, &cp->line);
}

void
conn_tagged(struct imap_conn *c, const char *status, const char *fmt, ...)
{
	struct conn_priv	*cp = c->priv;
	va_list			 ap;

	/* the updates come before the reply, so that the client has them */
	if (cp->allow_expunge >= 0 && strcmp(status, "BAD") != 0)
		conn_sync(c, cp->allow_expunge);
	buf_reset(&cp->line);
	buf_adds(&cp->line, c->cmd.tag[0] ? c->cmd.tag : "*");
	buf_addc(&cp->line, ' ');
	buf_adds(&cp->line, status);
	buf_addc(&cp->line, ' ');
	va_start(ap, fmt);
	buf_vaddf(&cp->line, fmt, ap);
	va_end(ap);
	buf_add(&cp->line, "\r\n", 2);
	conn_write_buf(c, &cp->line);
	cp->tagged = 1;
}

int
conn_utf8(struct imap_conn *c)
{
	return ((c->enabled & (ENA_UTF8 | ENA_IMAP4REV2)) != 0);
}
