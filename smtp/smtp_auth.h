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
 * smtp_auth.h -- AUTH (RFC 4954) in SMTP server sessions: smtp_auth.c
 * (the command and its exchange) and smtp_auth_limit.c (failures per
 * client address).
 */

#ifndef SMTP_AUTH_H
#define SMTP_AUTH_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <time.h>

/*
 * Brute force (documented in smtpd.conf(5)).  Each failure is answered
 * after a delay that doubles with the client's recent failures, from
 * AUTH_DELAY_MIN up to AUTH_DELAY_MAX seconds; a session ends after
 * AUTH_FAIL_SESSION failures; a client address with AUTH_FAIL_MAX
 * failures, none more than AUTH_FAIL_WINDOW seconds after the previous,
 * gets 421 on AUTH until AUTH_FAIL_WINDOW seconds after its last
 * failure.  IPv6 clients count by /64, local socket clients by uid.  At
 * most AUTH_FAIL_TABLE_MAX clients are remembered (the least recent
 * failure goes first).
 */
#define AUTH_DELAY_MIN		1	/* seconds */
#define AUTH_DELAY_MAX		4	/* seconds */
#define AUTH_FAIL_SESSION	3
#define AUTH_FAIL_MAX		10
#define AUTH_FAIL_WINDOW	(15 * 60)	/* seconds */
#define AUTH_FAIL_TABLE_MAX	8192

struct smtp_session;
struct listener;
struct auth_result;
struct smtp_cmd;

/* smtp_auth.c */
void	smtp_auth_init(struct smtp_session *, const struct listener *);
void	smtp_auth_free(struct smtp_session *);
/* STARTTLS done: nothing granted before TLS counts (RFC 3207 4.2) */
void	smtp_auth_reset(struct smtp_session *);
/* A line too long for the exchange: it is over, its state wiped */
void	smtp_auth_abort(struct smtp_session *);
int	smtp_auth_offered(const struct smtp_session *);
/* NULL, or the reply refusing MAIL: authentication required first */
const char *smtp_auth_mail_refusal(const struct smtp_session *);
void	smtp_cmd_auth(struct smtp_session *, struct smtp_cmd *);
/* 1 if the line is a reply to a 334 challenge (and it was handled) */
int	smtp_auth_input(struct smtp_session *, char *, size_t);
/* 1 if the line holds credentials: wipe it once handled */
int	smtp_auth_secret(const struct smtp_session *, const char *, size_t);
void	smtp_auth_result(const struct auth_result *);

/* smtp_auth_limit.c: now is monotonic seconds; uid for AF_UNIX */
int	smtp_auth_limit_refused(const struct sockaddr_storage *, uint32_t,
	    time_t);
/* Count a failure; the delay in seconds before its 535 reply */
unsigned int smtp_auth_limit_failure(const struct sockaddr_storage *,
	    uint32_t, time_t);
size_t	smtp_auth_limit_count(void);
void	smtp_auth_limit_clear(void);

#endif /* SMTP_AUTH_H */
