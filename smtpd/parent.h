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
 * The parent process: root, supervises the children, owns the listening
 * sockets, opens ~/.forward files and runs the delivery agents.
 */
#ifndef PARENT_H
#define PARENT_H

struct parent_opts {
	const char	*conffile;
	int		 debug;		/* -d: foreground, stderr */
	int		 foreground;	/* -F: foreground, syslog */
	int		 verbose;
	int		 noaction;
	int		 sandbox_test;
	int		 sandbox_debug;
};

struct envelope;
struct peer;

void	parent_main(struct parent_opts *) __attribute__((noreturn));
void	parent_shutdown(int) __attribute__((noreturn));
const char *parent_self_exe(void);
extern struct parent_opts *parent_opts;

/* smtpd/parent_listen.c */
int	parent_listen_all(struct smtpd_config *);
void	parent_listen_send(struct peer *smtp, struct smtpd_config *);
int	parent_listen_unix(const char *path, mode_t mode);

/* smtpd/parent_agent.c */
void	parent_agent_deliver(struct peer *queue, struct envelope *, int fd);
int	parent_agent_reap(pid_t, int status);
void	parent_agent_broadcast(uint32_t type, const void *, size_t);
void	parent_agent_shutdown(void);
size_t	parent_agent_count(void);
void	parent_agent_kill(void);

/* smtpd/parent_agent_root.c: root's mail, delivered by nobody */
struct passwd;
int	parent_agent_root(struct deliver *, struct passwd *, const char **,
	    char *, size_t);

/* smtpd/parent_cert.c */
int	parent_cert_check(const struct smtpd_config *);
void	parent_cert_send(struct peer *smtp, const struct smtpd_config *);
/* smtpd/parent_pki.c */
const char *parent_pki_key_check(int);
int	parent_pki_check(const struct smtpd_config *, const char *);
void	parent_pki_send_keys(struct peer *, const struct smtpd_config *,
	    const char *);

/* smtpd/parent_dkim.c: the dkim signing keys, for the signer */
const char *parent_dkim_key_check(int);
int	parent_dkim_check(const struct smtpd_config *, const char *);
void	parent_dkim_send_keys(struct peer *, const struct smtpd_config *,
	    const char *);

/* smtpd/parent_forward.c */
int	parent_forward_open(const char *user, int *status);

/* smtpd/parent_auth.c: AUTH for system users (ST_OK, ST_PERMFAIL...) */
struct imsg;
int	parent_auth_system(const char *user, const char *password);
void	parent_imsg_auth(struct peer *lka, struct imsg *);

/* smtpd/parent_offline.c */
void	parent_offline_start(void);
void	parent_offline_rescan(void);
void	parent_offline_shutdown(void);
int	parent_offline_reap(pid_t, int status);

#endif /* PARENT_H */
