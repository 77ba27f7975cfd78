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
 * proc_child.c -- the bootstrap of a child process, for any daemon.
 *
 * The parent re-executes the daemon (for smtpd: "smtpd -x NAME") with its
 * channel on fd 3.  Here the child receives its configuration (normalised
 * text, parsed again by the daemon's conf_load()), its listening sockets
 * and its peer links, then drops privileges and applies its sandbox
 * (through the process's configured() callback) and serves.  Messages
 * from each peer go to the handler table the process gives for it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "sandbox.h"
#include "util.h"

#define CONF_TEXT_MAX	(16 * 1024 * 1024)

int				 sandbox_test;

static const struct proc_child	*child_ops;
static struct peer		 child_parent;
static struct peer		 child_peers[PROC_MAX];
static int			 child_haspeer[PROC_MAX];
static int			 child_peer_fd[PROC_MAX];	/* not read yet */
static char			*child_conf;
static size_t			 child_conflen;
static int			 child_hasconf;
static int			 child_started;

static void	child_parent_closed(struct peer *);
static void	child_peer_closed(struct peer *);
static void	child_imsg_conf_data(struct peer *, struct imsg *);
static void	child_imsg_conf_end(struct peer *, struct imsg *);
static void	child_imsg_listener(struct peer *, struct imsg *);
static void	child_imsg_setup_peer(struct peer *, struct imsg *);
static void	child_peer_start(int);
static void	child_imsg_setup_done(struct peer *, struct imsg *);
static void	child_imsg_verbose(struct peer *, struct imsg *);
static void	child_imsg_sandbox_test(struct peer *, struct imsg *);
static int	child_handler_cmp(const void *, const void *);
static const struct imsg_handler *child_handlers(int, size_t *);

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct imsg_handler child_boot_handlers[] = {
	{ IMSG_CONF_DATA,		child_imsg_conf_data },
	{ IMSG_CONF_END,		child_imsg_conf_end },
	{ IMSG_CONF_LISTENER,		child_imsg_listener },
	{ IMSG_SETUP_PEER,		child_imsg_setup_peer },
	{ IMSG_SETUP_DONE,		child_imsg_setup_done },
	{ IMSG_CTL_VERBOSE,		child_imsg_verbose },
	{ IMSG_CTL_SANDBOX_TEST,	child_imsg_sandbox_test },
};

void
proc_child_run(const struct proc_child *ops)
{
	const struct imsg_handler	*h = NULL;
	struct imsg_handler		*all;
	size_t				 n = 0, nboot, i;

	child_ops = ops;
	for (i = 0; i < PROC_MAX; i++)
		child_peer_fd[i] = -1;
	if (!proc_known(ops->id) || ops->id == PROC_ID_PARENT)
		fatalx("proc_child_run: bad process id %d", ops->id);
	if (ops->conf_load == NULL || ops->configured == NULL)
		fatalx("proc_child_run: %s: no conf_load or configured",
		    proc_name(ops->id));
	proc_self = ops->id;
	log_procinit(proc_name(ops->id));
	setproctitle("%s", proc_name(ops->id));
	tzset();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);

	event_init();

	h = child_handlers(PROC_ID_PARENT, &n);
	nboot = nitems(child_boot_handlers);
	all = xcalloc(nboot + n, sizeof(*all));
	memcpy(all, child_boot_handlers, sizeof(child_boot_handlers));
	if (n)
		memcpy(all + nboot, h, n * sizeof(*h));
	qsort(all, nboot + n, sizeof(*all), child_handler_cmp);
	/* a daemon's handler must not shadow one of the bootstrap */
	for (i = 1; i < nboot + n; i++)
		if (all[i - 1].type == all[i].type)
			fatalx("proc_child_run: two handlers for %s",
			    imsg_name(all[i].type));

	peer_init(&child_parent, PROC_ID_PARENT, 3, all, nboot + n,
	    child_parent_closed);

	event_dispatch();
	fatalx("event loop ended");
}

struct peer *
child_peer(int id)
{
	if (id == PROC_ID_PARENT)
		return (&child_parent);
	if (id < 0 || id >= PROC_MAX || !child_haspeer[id])
		return (NULL);
	return (&child_peers[id]);
}

static const struct imsg_handler *
child_handlers(int id, size_t *n)
{
	return (proc_handlers_find(child_ops->peers, child_ops->npeers, id,
	    n));
}

static int
child_handler_cmp(const void *a, const void *b)
{
	const struct imsg_handler *ha = a, *hb = b;

	if (ha->type < hb->type)
		return (-1);
	return (ha->type > hb->type);
}

static void
child_parent_closed(struct peer *p)
{
	log_debug("parent channel closed, exiting");
	exit(0);
}

/*
 * A peer process died.  Do not exit: the parent sees the death, reports
 * how that process died, and stops us all; exiting here would race with
 * that report.
 */
static void
child_peer_closed(struct peer *p)
{
	log_warnx("lost connection to %s, waiting for the parent",
	    proc_name(p->id));
}

static void
child_imsg_conf_data(struct peer *p, struct imsg *imsg)
{
	size_t	len = imsg_get_len(imsg);

	if (child_conflen + len > CONF_TEXT_MAX)
		fatalx("configuration text too large");
	child_conf = xreallocarray(child_conf, child_conflen + len + 1, 1);
	if (imsg_get_data(imsg, child_conf + child_conflen, len) == -1)
		fatalx("bad IMSG_CONF_DATA");
	child_conflen += len;
	child_conf[child_conflen] = '\0';
}

static void
child_imsg_conf_end(struct peer *p, struct imsg *imsg)
{
	struct proc_conf_end	 ce;
	void			*old = NULL;

	imsg_payload(imsg, &ce, sizeof(ce));
	if (child_ops->conf_load(child_conf ? child_conf : "", child_conflen,
	    &old) == -1)
		fatalx("cannot parse the configuration sent by the parent");
	free(child_conf);
	child_conf = NULL;
	child_conflen = 0;

	log_setverbose(ce.verbose);
	sandbox_debug = ce.sandbox_debug;
	sandbox_test = ce.sandbox_test;

	if (!child_hasconf || !ce.reload) {
		child_hasconf = 1;
		if (old != NULL && child_ops->conf_free != NULL)
			child_ops->conf_free(old);
		return;
	}
	if (child_ops->reload)
		child_ops->reload(old);
	if (old != NULL && child_ops->conf_free != NULL)
		child_ops->conf_free(old);
	log_info("configuration reloaded");
}

static void
child_imsg_listener(struct peer *p, struct imsg *imsg)
{
	uint32_t	index;
	int		fd;

	imsg_payload(imsg, &index, sizeof(index));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("IMSG_CONF_LISTENER without a socket");
	if (child_ops->listener == NULL)
		fatalx("unexpected listening socket");
	child_ops->listener(index, fd);
}

static void
child_imsg_setup_peer(struct peer *p, struct imsg *imsg)
{
	uint32_t	 id;
	int		 fd;

	imsg_payload(imsg, &id, sizeof(id));
	if (id >= PROC_MAX || !proc_known((int)id) || id == PROC_ID_PARENT ||
	    (int)id == proc_self || child_haspeer[id])
		fatalx("bad IMSG_SETUP_PEER %u", id);
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("IMSG_SETUP_PEER without a socket");
	if (child_peer_fd[id] != -1)
		fatalx("bad IMSG_SETUP_PEER %u: twice", id);
	/* read once set up: no peer's message before configured() */
	child_peer_fd[id] = fd;
	if (child_started)
		child_peer_start((int)id);
}

/* Start reading the channel of peer id (its fd came in IMSG_SETUP_PEER). */
static void
child_peer_start(int id)
{
	const struct imsg_handler	*h;
	size_t				 n;

	h = child_handlers(id, &n);
	peer_init(&child_peers[id], id, child_peer_fd[id], h, n,
	    child_peer_closed);
	child_peer_fd[id] = -1;
	child_haspeer[id] = 1;
}

static void
child_imsg_setup_done(struct peer *p, struct imsg *imsg)
{
	int	 id;

	if (child_started)
		fatalx("IMSG_SETUP_DONE twice");
	if (!child_hasconf)
		fatalx("IMSG_SETUP_DONE before the configuration");
	child_started = 1;
	child_ops->configured();
	if (!sandbox_confined())
		fatalx("%s: still root or unsandboxed after its set-up",
		    proc_name(proc_self));
	/*
	 * Only now the peers' channels are read: a request that came early
	 * (smtp ready before the queue) waits in its socket instead of
	 * being served by a process still outside its chroot.
	 */
	for (id = 0; id < PROC_MAX; id++)
		if (child_peer_fd[id] != -1)
			child_peer_start(id);
	if (child_ops->ready)
		child_ops->ready();
	log_debug("%s ready", proc_name(proc_self));
}

static void
child_imsg_verbose(struct peer *p, struct imsg *imsg)
{
	int	v;

	imsg_payload(imsg, &v, sizeof(v));
	log_setverbose(v);
}

static void
child_imsg_sandbox_test(struct peer *p, struct imsg *imsg)
{
	if (!sandbox_test) {
		log_warnx("sandbox test requested but not enabled, ignored");
		return;
	}
	log_warnx("sandbox test: running a forbidden system call");
	sandbox_violate();
	fatalx("sandbox test: the forbidden system call was allowed");
}
