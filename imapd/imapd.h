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
};

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
