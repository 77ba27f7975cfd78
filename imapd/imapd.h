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
 * imapd.h -- the imapd daemon: its configuration (imapd.conf(5), parsed
 * by parse.y), its processes and the messages between them.
 */

#ifndef IMAPD_IMAPD_H
#define IMAPD_IMAPD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proc.h"

#define IMAPD_VERSION		"0.1"
#define IMAPD_CONFIG		"/etc/cartero/imapd.conf"
#define IMAPD_USER		"_cartero-imap"	/* the login process */
#define IMAPD_RUNDIR		"/run/cartero-imapd"
#define IMAPD_CHROOT		"/var/empty"
#define IMAPD_CONTROL		IMAPD_RUNDIR "/imapd.sock"

#define IMAPD_NAME_MAX		64	/* pki, table names + NUL */
#define IMAPD_HOST_MAX		256
#define IMAPD_IFACE_MAX		64

#define IMAPD_PORT		143
#define IMAPD_PORT_IMAPS	993

/* listener flags */
#define IL_TLS			0x01	/* STARTTLS offered */
#define IL_TLS_REQUIRE		0x02	/* no LOGIN before STARTTLS */
#define IL_IMAPS		0x04	/* implicit TLS */

/* login plaintext ... */
enum login_plain {
	LOGIN_PLAIN_LOOPBACK,	/* LOGINDISABLED before TLS but on loopback */
	LOGIN_PLAIN_ALLOW,
	LOGIN_PLAIN_DENY,
};

struct imapd_pki {
	TAILQ_ENTRY(imapd_pki)	 entry;
	char			 name[IMAPD_NAME_MAX];
	char			 cert[PATH_MAX];
	char			 key[PATH_MAX];
	int			 line;
};

struct imapd_table {
	TAILQ_ENTRY(imapd_table) entry;
	char			 name[IMAPD_NAME_MAX];
	char			 path[PATH_MAX];
	int			 line;
};

struct imapd_listener {
	TAILQ_ENTRY(imapd_listener) entry;
	char			 on[IMAPD_HOST_MAX];	/* interface/address */
	in_port_t		 port;			/* host order */
	unsigned int		 flags;			/* IL_* */
	char			 pki[IMAPD_NAME_MAX];	/* "" if none */
	int			 line;
};

struct imapd_config {
	char			 hostname[IMAPD_HOST_MAX];
	TAILQ_HEAD(, imapd_pki)	 pkis;
	TAILQ_HEAD(, imapd_table) tables;
	TAILQ_HEAD(, imapd_listener) listeners;
	char			 auth[IMAPD_NAME_MAX];	/* "": system users */
	char			 maildir[PATH_MAX];	/* "~/Maildir" */
	/* userbase <table> user USER maildir "PATH" (virtual users) */
	char			 userbase[IMAPD_NAME_MAX];
	char			 vuser[64];
	char			 vmaildir[PATH_MAX];
	size_t			 max_conn_user;		/* 0: no limit */
	size_t			 max_conn_addr;
	time_t			 idle_timeout;		/* seconds */
	size_t			 append_size;		/* bytes */
	uint64_t		 quota;			/* bytes, 0: none */
	enum login_plain	 login_plain;
	char			 rundir[PATH_MAX];	/* control socket */
};

/*
 * Processes (imapd re-executes itself: imapd -x NAME, channel on fd 3).
 */
enum imapd_proc {
	PROC_PARENT = 0,	/* root: listeners, keys, credentials */
	PROC_SIGNER,		/* the TLS private keys (keyproxy.h) */
	PROC_LOGIN,		/* _cartero-imap, chrooted: TLS, pre-auth */
	PROC_SESSION,		/* one per user, as the mailbox owner */
	PROC_COUNT
};

#define IMAPD_USER_SIGNER	"_cartero-sign"	/* smtpd's signer user */

enum imapd_imsg {
	IMSG_SIGNER_REQUEST = PROC_IMSG_MAX,	/* struct keyproxy_req */
	IMSG_SIGNER_RESULT,			/* struct keyproxy_res */
	IMSG_CONF_PKI_KEY,	/* parent -> signer: pki name + key file */
	IMSG_CONF_PKI_CERT,	/* parent -> login: pki name + cert file */
	IMSG_LOGIN_AUTH,	/* login -> parent: struct login_auth */
	IMSG_LOGIN_AUTH_RESULT,	/* parent -> login: struct login_result,
				 * with AUTH_OK the session's socket */
	IMSG_LOGIN_CLOSED,	/* login -> parent: uint64_t connection id */
	IMSG_LOGIN_KICK,	/* parent -> login: uint64_t connection id */
	IMSG_SESSION_CONN,	/* parent -> session: conn_start + fd */
	IMSG_SESSION_KICK,	/* parent -> session: no payload */
	IMSG_SESSION_EMPTY,	/* session -> parent: uint64_t conns seen */
	IMAPD_IMSG_MAX
};

struct pki_msg {
	char		 name[IMAPD_NAME_MAX];
};

#define LOGIN_USER_MAX	255
#define LOGIN_PASS_MAX	1024
#define ADDR_MAX	64

struct login_auth {
	uint64_t	 id;			/* connection */
	char		 user[LOGIN_USER_MAX + 1];
	char		 pass[LOGIN_PASS_MAX + 1];
	char		 addr[ADDR_MAX];
	char		 tls[128];		/* "" without TLS */
	char		 mech[16];		/* "LOGIN", "PLAIN" */
	char		 tag[64];		/* of the command */
};

#define AUTH_OK		0
#define AUTH_FAIL	1	/* wrong user or password */
#define AUTH_TEMPFAIL	2	/* try again later */
#define AUTH_LIMIT	3	/* too many connections of the user */

struct login_result {
	uint64_t	 id;
	int32_t		 status;	/* AUTH_* */
	char		 user[LOGIN_USER_MAX + 1];	/* canonical */
};


/* procs.c */
void		 imapd_proc_setup(void);

/* auth.c: the credential check, in the parent */
int		 auth_check(const struct imapd_config *, const char *,
		    const char *, char *, size_t, const char **);
int		 auth_user_exists(const struct imapd_config *, const char *);
/*
 * The mailbox of a user: its owner and Maildir (the configuration's
 * maildir, ~ or %{user} expanded): 0, or -1 with *why set.
 */
struct mailbox_owner {
	uid_t		 uid;
	gid_t		 gid;
	char		 owner[64];
	char		 maildir[PATH_MAX];
};
int		 auth_mailbox(const struct imapd_config *, const char *,
		    struct mailbox_owner *, const char **);

/* the processes */
struct imapd_opts {
	const char	*conffile;
	int		 debug;
	int		 foreground;
	int		 verbose;
	int		 noaction;
};
void		 parent_main(struct imapd_opts *) __attribute__((__noreturn__));
void		 signer_proc_main(void) __attribute__((__noreturn__));
void		 login_main(void) __attribute__((__noreturn__));
void		 sessproc_main(const char *) __attribute__((__noreturn__));
extern struct imapd_config *env;	/* a child's configuration */
void		 imapd_child_run(const void *) __attribute__((__noreturn__));

/* parse.y */
struct imapd_config	*imapd_parse_config(const char *, int);
struct imapd_config	*imapd_parse_buffer(const char *, size_t);
void			 imapd_config_free(struct imapd_config *);
/* the configuration as text that parses back to it (imapd -n, children) */
char			*imapd_config_text(const struct imapd_config *,
			    size_t *);
int			 imapd_symset(const char *);	/* -D name=value */
struct imapd_pki	*imapd_pki_find(const struct imapd_config *,
			    const char *);
struct imapd_table	*imapd_table_find(const struct imapd_config *,
			    const char *);

#endif /* IMAPD_IMAPD_H */
