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
 * proc.h -- processes of a privilege-separated daemon and the imsg
 * channels between them.
 *
 * common/ knows no daemon: each daemon describes its processes in a
 * table (struct privsep_proc: small integer id, name, flags) and the
 * messages they may exchange in a rule table (struct imsg_rule), and
 * hands both to proc_setup() before it opens any channel.  Every message
 * received on a peer is checked against the rule table (who may send it,
 * who may receive it, payload size bounds, fd requirement, then the
 * rule's payload validator) before any handler runs.  A violation by a
 * trusted process is fatal; by a peer whose process has PROC_F_UNTRUSTED
 * (a control client, a process running as an ordinary user) it closes
 * that peer.
 */

#ifndef CARTERO_PROC_H
#define CARTERO_PROC_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <event.h>
#include <stddef.h>
#include <stdint.h>

#include "imsg.h"

/* Process ids are small integers chosen by the daemon, below PROC_MAX. */
#define PROC_MAX	16
#define PROC_BIT(id)	(1U << (id))
#define PROC_ID_PARENT	0	/* every daemon's parent is process 0 */

#define PROC_F_UNTRUSTED	0x01	/* a bad message closes the peer */

struct privsep_proc {
	int		 id;
	const char	*name;
	unsigned int	 flags;		/* PROC_F_* */
};

/*
 * Messages of the child bootstrap (common/proc_child.c).  They head every
 * daemon's type numbering: its own types start at PROC_IMSG_MAX, and its
 * rule table lists these too, with its own senders and receivers.
 */
enum proc_imsg {
	PROC_IMSG_NONE,
	IMSG_CONF_DATA,		/* chunk of config text */
	IMSG_CONF_END,		/* struct proc_conf_end: parse what came */
	IMSG_CONF_LISTENER,	/* uint32_t listener index + fd */
	IMSG_SETUP_PEER,	/* uint32_t proc id + fd */
	IMSG_SETUP_DONE,	/* no payload: enter the event loop */
	IMSG_CTL_VERBOSE,	/* int: log verbosity (broadcast) */
	IMSG_CTL_SANDBOX_TEST,	/* no payload: run a forbidden syscall */
	PROC_IMSG_MAX
};

struct proc_conf_end {
	int			 reload;	/* 0 at startup */
	int			 verbose;
	int			 sandbox_debug;
	int			 sandbox_test;	/* IMSG_CTL_SANDBOX_TEST ok */
};

#define PROC_FD_NONE		0
#define PROC_FD_REQUIRED	1
#define PROC_FD_OPTIONAL	2

struct imsg_rule {
	uint32_t	 type;
	uint32_t	 from;		/* PROC_BIT()s allowed to send */
	uint32_t	 to;		/* PROC_BIT()s allowed to receive */
	size_t		 minlen;	/* payload bounds, inclusive */
	size_t		 maxlen;
	int		 fd;		/* PROC_FD_* */
	const char	*name;
	/*
	 * Run after the checks above: 0 if the payload is well formed,
	 * else -1.  data is malloc'ed (aligned for any struct), len is
	 * within the bounds.  NULL: the bounds are the only check.
	 */
	int		(*check)(const void *data, size_t len);
};

extern int		proc_self;

struct peer;

struct imsg_handler {
	uint32_t	 type;
	void		(*fn)(struct peer *, struct imsg *);
};

/* The handlers of the messages coming from one peer process. */
struct proc_handlers {
	int				 id;
	const struct imsg_handler	*handlers;
	size_t				 nhandlers;
};
#define PROC_HANDLERS(id, tab)	\
	{ (id), (tab), sizeof(tab) / sizeof((tab)[0]) }

struct peer_msg;			/* private: see peer_call() */
TAILQ_HEAD(peer_msgq, peer_msg);

struct peer {
	int				 id;
	struct imsgbuf			 ibuf;
	struct event			 ev;
	short				 events;
	const struct imsg_handler	*handlers;
	size_t				 nhandlers;
	void				(*on_close)(struct peer *);
	void				*arg;
	int				 closed;
	int				 dispatching;	/* private */
	int				 released;	/* private */
	int				 dirty;		/* private */
	TAILQ_ENTRY(peer)		 dirty_entry;	/* private */
	struct peer_msgq		 held;		/* private */
	struct event			 held_ev;	/* private */
	TAILQ_ENTRY(peer)		 entry;
};

void		 proc_setup(const struct privsep_proc *, size_t,
		    const struct imsg_rule *, size_t);
const char	*proc_name(int);
int		 proc_known(int);
int		 proc_byname(const char *);
int		 proc_untrusted(int);
const struct imsg_handler *proc_handlers_find(const struct proc_handlers *,
		    size_t, int, size_t *);
const struct imsg_rule *imsg_rule_find(uint32_t);
const char	*imsg_name(uint32_t);

void		 peer_init(struct peer *, int, int,
		    const struct imsg_handler *, size_t,
		    void (*)(struct peer *));
int		 peer_compose(struct peer *, uint32_t, uint32_t, pid_t, int,
		    const void *, size_t);
int		 peer_composev(struct peer *, uint32_t, uint32_t, pid_t, int,
		    const struct iovec *, int);
void		 peer_flush_blocking(struct peer *);
int		 peer_call(struct peer *, uint32_t, uint32_t, const void *,
		    size_t, uint32_t, struct imsg *, int);
void		 peer_close(struct peer *);

void		 imsg_payload(struct imsg *, void *, size_t);
int		 str_terminated(const char *, size_t);

#endif /* CARTERO_PROC_H */
