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
 * proc.h -- cartero processes and the imsg channels between them.
 *
 * Every message received on a peer is checked against imsg_rules[] (who may
 * send it, who may receive it, payload size bounds, fd requirement, then
 * the rule's payload validator) before any handler runs.  A violation by a
 * trusted process is fatal; by a PROC_CLIENT peer (smtpctl on the control
 * socket) it closes that peer.
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

enum proc_id {
	PROC_PARENT,
	PROC_CONTROL,
	PROC_LKA,
	PROC_QUEUE,
	PROC_SMTP,
	PROC_AGENT,
	PROC_CLIENT,	/* smtpctl on the control socket: untrusted */
	PROC_COUNT
};

#define PROC_BIT(id)	(1U << (id))

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

/* Defined elsewhere, sorted by strictly increasing type. */
extern const struct imsg_rule	imsg_rules[];
extern const size_t		imsg_rules_count;

extern enum proc_id		proc_self;

struct peer;

struct imsg_handler {
	uint32_t	 type;
	void		(*fn)(struct peer *, struct imsg *);
};

struct peer {
	enum proc_id			 id;
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
	TAILQ_ENTRY(peer)		 entry;
};

const char	*proc_name(enum proc_id);
enum proc_id	 proc_byname(const char *);
const struct imsg_rule *imsg_rule_find(uint32_t);
const char	*imsg_name(uint32_t);

void		 peer_init(struct peer *, enum proc_id, int,
		    const struct imsg_handler *, size_t,
		    void (*)(struct peer *));
int		 peer_compose(struct peer *, uint32_t, uint32_t, pid_t, int,
		    const void *, size_t);
int		 peer_composev(struct peer *, uint32_t, uint32_t, pid_t, int,
		    const struct iovec *, int);
void		 peer_flush_blocking(struct peer *);
void		 peer_close(struct peer *);

void		 imsg_payload(struct imsg *, void *, size_t);
int		 str_terminated(const char *, size_t);

#endif /* CARTERO_PROC_H */
