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
 * proc_child.h -- the bootstrap of a child process, for any daemon.
 *
 * The parent re-executes the daemon with the child's channel on fd 3.
 * proc_child_run() receives the configuration text (IMSG_CONF_DATA, then
 * IMSG_CONF_END), listening sockets and peer links, then calls
 * configured() (still root: open what is needed, then privsep_drop() and
 * sandbox_apply()), then ready() on IMSG_SETUP_DONE, and serves the event
 * loop forever.  The peer links are read only from IMSG_SETUP_DONE on,
 * after configured(): what a peer sends earlier waits in its socket.  A child that comes out of configured() with a uid of 0
 * or without a sandbox dies there: nothing is served unconfined.  What is daemon-specific comes in struct proc_child: its
 * grammar (conf_load), what a reload means, and one handler table per
 * peer process, the parent's included.
 */

#ifndef CARTERO_PROC_CHILD_H
#define CARTERO_PROC_CHILD_H

#include <stddef.h>
#include <stdint.h>

#include "proc.h"

struct proc_child {
	int				 id;
	/*
	 * Parse the configuration text (NUL-terminated, len bytes), make it
	 * current and store the previous one (NULL the first time) in *old;
	 * -1 if it does not parse.
	 */
	int				(*conf_load)(const char *, size_t,
					    void **old);	/* required */
	void				(*conf_free)(void *);
	void				(*reload)(void *old);	/* new is set */
	void				(*configured)(void);	/* required */
	void				(*ready)(void);
	void				(*listener)(uint32_t index, int fd);
	const struct proc_handlers	*peers;		/* by peer process */
	size_t				 npeers;
};

void		 proc_child_run(const struct proc_child *)
		    __attribute__((__noreturn__));
struct peer	*child_peer(int);		/* NULL if no link */

extern int	 sandbox_test;	/* IMSG_CTL_SANDBOX_TEST allowed */

#endif /* CARTERO_PROC_CHILD_H */
