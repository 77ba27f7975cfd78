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
 * parent.h -- private to imapd's parent process: parent.c (start-up,
 * children, signals), parent_auth.c (credentials, sessions, limits) and
 * parent_ctl.c (the control socket).
 */

#ifndef IMAPD_PARENT_H
#define IMAPD_PARENT_H

#include <sys/types.h>
#include <sys/queue.h>

#include <event.h>
#include <stdint.h>
#include <time.h>

#include "proc.h"
#include "imapd.h"

struct peer;
struct imsg;

/* A user's session process. */
struct psession {
	TAILQ_ENTRY(psession)	 entry;
	char			 user[LOGIN_USER_MAX + 1];
	pid_t			 pid;
	struct peer		 peer;
	uint64_t		 sent;		/* connections handed over */
	int			 closing;
};

/* An authenticated connection (login proxies it to its session). */
struct pconn {
	TAILQ_ENTRY(pconn)	 entry;
	uint64_t		 id;		/* the login process's */
	char			 user[LOGIN_USER_MAX + 1];
	char			 addr[ADDR_MAX];
	char			 tls[128];
	time_t			 since;
	struct psession		*sess;
};

TAILQ_HEAD(psession_list, psession);
TAILQ_HEAD(pconn_list, pconn);

extern struct imapd_config	*penv;
extern struct imapd_opts	*popts;
extern struct psession_list	 psessions;
extern struct pconn_list	 pconns;

/* parent.c */
pid_t		 parent_exec_child(int, const char *, int *);
void		 parent_send_config(struct peer *);
struct peer	*parent_login_peer(void);
void		 parent_shutdown(int) __attribute__((__noreturn__));

/* parent_auth.c */
void		 parent_imsg_auth(struct peer *, struct imsg *);
void		 parent_imsg_closed(struct peer *, struct imsg *);
void		 parent_session_reaped(pid_t, int);
size_t		 parent_kick(const char *);
void		 parent_auth_shutdown(void);

/* parent_ctl.c */
void		 parent_ctl_init(void);
void		 parent_ctl_close(void);

#endif /* IMAPD_PARENT_H */
