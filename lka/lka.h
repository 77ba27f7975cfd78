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
 * lka.h -- the lookup agent: tables, rule matching, recipient expansion.
 *
 * The modules below are pure (no imsg, no event loop) so that the unit
 * tests link them directly:
 *
 *	table.c		loaded tables, lookups per kind, built-in tables
 *	table_file.c	file: tables (lists, maps, aliases(5) syntax)
 *	alias.c		alias value lists: users, addresses, |cmd, /file,
 *			:include:/path, \user
 *	ruleset.c	first-match-wins evaluation of the match rules
 *	expand.c	recipient expansion (OpenSMTPD semantics)
 *	lka_route.c	routes of relay actions: relay hosts, MX (the
 *			ordering and the reading of answers are pure)
 *	lka_creds.c	relay credentials ("auth <table>")
 *	lka.c		the process: imsg handlers, .forward requests, reload
 *
 * lka_dns.c (lka_dns.h) is lka's resolver, on the process's event loop.
 *
 * SECURITY: lka is not chrooted (it reads table files, /etc/passwd and
 * alias :include: files) but runs as SMTPD_USER_LKA under Landlock (read
 * only: /etc and the directories of the file tables and include files)
 * and the SANDBOX_LKA seccomp profile.  Addresses in requests come from
 * the network: they are matched and copied, never trusted to be short or
 * well formed, and never make the process exit.
 */

#ifndef LKA_H
#define LKA_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "smtpd.h"

/* Built-in table names (used without the angle brackets). */
#define TABLE_LOCALHOST		"localhost"
#define TABLE_LOCALNAMES	"localnames"
#define TABLE_GETPWNAM		"getpwnam"

#define TABLE_FILE_MAX		(64L * 1024 * 1024)	/* bytes per file */
#define EXPAND_DEPTH_MAX	20	/* alias/.forward nesting */
#define EXPAND_NODES_MAX	1000	/* nodes per request */
#define EXPAND_FILE_MAX		(64L * 1024)	/* .forward, :include: */
#define SUBADDR_DELIM		'+'

/*
 * lka/table.c
 */
enum table_kind {
	K_DOMAIN,		/* "example.org", "*.example.org" */
	K_NETADDR,		/* "192.0.2.0/24", "2001:db8::/32", "::1" */
	K_MAILADDR,		/* "user@domain", "@domain", "user" */
	K_ALIAS,		/* local part -> value list */
	K_USERINFO,		/* user exists */
};

struct table_db;
struct table_set;

struct table_db	*table_db_new(const char *);
void		 table_db_free(struct table_db *);
/* key, value (NULL: a list entry), line.  0, or -1 and err. */
int		 table_db_add(struct table_db *, const char *, const char *,
		    int, char *, size_t);
/* Sorts; a key twice in a map is an error: 0, or -1 and err. */
int		 table_db_finish(struct table_db *, char *, size_t);
const char	*table_db_name(const struct table_db *);
int		 table_db_is_map(const struct table_db *);
size_t		 table_db_count(const struct table_db *);
/* Entry i (sorted order): 1, or 0 past the end. */
int		 table_db_entry(const struct table_db *, size_t, const char **,
		    const char **);
/* User that alias pipes/files of this table run as. */
const char	*table_db_owner(const struct table_db *);
void		 table_db_set_owner(struct table_db *, const char *);
void		 table_db_set_source(struct table_db *, const char *);
const char	*table_db_source(const struct table_db *);

/* Lookups: 1 found, 0 not found, -1 temporary error. */
int		 table_get(const struct table_db *, const char *,
		    const char **);
int		 table_lookup(const struct table_db *, enum table_kind,
		    const char *, const char **);
int		 table_match_netaddr(const struct table_db *,
		    const struct sockaddr *);
int		 table_match_mailaddr(const struct table_db *,
		    const struct mailaddr *);

/* One pattern against one value (rule literals): 1 or 0. */
int		 table_literal_domain(const char *, const char *);
int		 table_literal_netaddr(const char *, const struct sockaddr *);
int		 table_literal_mailaddr(const char *,
		    const struct mailaddr *);

struct table_set *table_set_new(void);
void		 table_set_free(struct table_set *);
/* Adds or replaces a table of the same name; the set owns it. */
void		 table_set_add(struct table_set *, struct table_db *);
struct table_db	*table_set_find(const struct table_set *, const char *);
/* Built-ins, then every table of the config.  0, or -1 and err. */
int		 table_set_load(struct table_set *,
		    const struct smtpd_config *, char *, size_t);
/* Address literals of this host ("[192.0.2.1]"), cached on first use. */
void		 table_localnames_init(void);
int		 table_getpwnam(const char *);

/* lka/account.c: the daemon's own and system accounts get no mail. */
#define LOGIN_DEFS		"/etc/login.defs"
struct passwd;
void		 account_init(const char *);
int		 account_no_mailbox(const struct passwd *);

/*
 * lka/table_file.c: one value per line (list), "key value" or
 * "key: value" (map), aliases(5) continuation lines, '#' comments,
 * "# @list" forces list mode.  Errors are "path:line: message".
 */
int		 table_file_parse(struct table_db *, FILE *, const char *,
		    char *, size_t);
struct table_db	*table_file_load(const char *, const char *, char *,
		    size_t);

/*
 * lka/alias.c
 */
enum alias_type {
	ALIAS_USERNAME,
	ALIAS_ADDRESS,
	ALIAS_PIPE,
	ALIAS_FILE,
	ALIAS_INCLUDE,
};

struct alias_item {
	enum alias_type		 type;
	int			 escaped;	/* "\user": no more aliasing */
	struct mailaddr		 addr;		/* ALIAS_ADDRESS */
	char			 value[ARG_MAX_CONF];	/* user/cmd/path */
};

/* Next comma-separated item: 1 item, 0 end, -1 syntax error. */
int		 alias_next(const char **, char *, size_t);
/* One item: 0, or -1 if it is not a valid alias value. */
int		 alias_parse(struct alias_item *, const char *);
/* "user@domain" (or "user"): 0 or -1. */
int		 alias_mailaddr(struct mailaddr *, const char *);

/*
 * lka/ruleset.c
 */
struct rule_ctx {
	uint32_t			 flags;		/* EF_* */
	const char			*tag;
	const char			*authuser;	/* EF_AUTH: the user */
	const struct sockaddr_storage	*ss;
	const struct mailaddr		*sender;
	const struct mailaddr		*rcpt;
};

/* 1 and *rule, 0 no rule matches, -1 table error (tempfail). */
int		 ruleset_match(const struct smtpd_config *,
		    const struct table_set *, const struct rule_ctx *,
		    const struct rule **);
/* Domain in <localnames> (or empty): 1, 0, -1. */
int		 ruleset_local_domain(const struct table_set *,
		    const char *);
const struct action *ruleset_action(const struct smtpd_config *,
		    const char *);
/* senders <table>: user may send as sender: 1, 0, -1 (table error). */
int		 ruleset_sender(const struct table_set *, const char *,
		    const char *, const struct mailaddr *);

/*
 * lka/expand.c
 *
 * expand_new() takes a copy of the request; expand_run() works until the
 * recipient is resolved (EXPAND_DONE) or .forward answers are awaited
 * (EXPAND_PENDING): each is requested through ops->forward(token, user)
 * and answered with expand_forward_done().  The config and tables are
 * passed on every call, so that a reload in between is harmless (actions
 * are kept by name).
 */
#define EXPAND_PENDING	0
#define EXPAND_DONE	1

struct expand_ops {
	/* Default userbase: 1 user exists, 0 unknown, -1 temporary. */
	int	(*getpwnam)(void *, const char *);
	/* Ask for ~user/.forward; NULL: nobody has a .forward. */
	void	(*forward)(void *, uint64_t, const char *);
	/*
	 * The delivering user's uid and home (1, 0 unknown, -1 temporary);
	 * NULL: mailbox paths are not checked at RCPT.
	 */
	int	(*userinfo)(void *, const char *, uid_t *, char *, size_t);
	/*
	 * 1 if the user gets no mail in its own mailbox (lka/account.c):
	 * refused at RCPT; NULL: no such check.
	 */
	int	(*nomailbox)(void *, const char *);
};

struct expand_session;

struct expand_session *expand_new(const struct expand_req *, int,
		    const struct expand_ops *, void *);
void		 expand_free(struct expand_session *);
int		 expand_run(struct expand_session *,
		    const struct smtpd_config *, const struct table_set *);
/* status ST_OK + content, ST_PERMFAIL (no .forward), ST_TEMPFAIL. */
int		 expand_forward_done(struct expand_session *,
		    const struct smtpd_config *, const struct table_set *,
		    uint64_t, int, const char *, size_t);

int		 expand_status(const struct expand_session *);	/* ST_* */
const char	*expand_text(const struct expand_session *);
const char	*expand_action(const struct expand_session *);
const struct expand_req *expand_request(const struct expand_session *);
const struct envelope *expand_envelopes(const struct expand_session *,
		    size_t *);
void		 expand_mailaddr_text(const struct mailaddr *, char *,
		    size_t);

/*
 * lka/lka_auth.c: AUTH credentials against a table of crypt(3) hashes;
 * system users are checked by the parent.
 */
struct pwcheck_cache;
struct peer;
struct imsg;
void		 lka_auth_init(void);
void		 lka_auth_reload(void);
/* ST_OK, ST_PERMFAIL or ST_TEMPFAIL (db NULL: the table is missing) */
int		 lka_auth_check(const struct table_db *, struct pwcheck_cache *,
		    const char *, const char *, time_t);
void		 lka_imsg_auth(struct peer *, struct imsg *,
		    const struct table_set *);
void		 lka_imsg_auth_result(struct peer *, struct imsg *);

/*
 * lka/lka_mailauth.c: inbound mail authentication (smtpd/mailauth.h):
 * SPF at MAIL FROM, DKIM and DMARC at the end of data.
 * lka_mailauth_init() runs before the sandbox (publicsuffix, libcrypto).
 */
void		 lka_mailauth_init(void);
void		 lka_mailauth_imsg_spf(struct peer *, struct imsg *);
void		 lka_mailauth_imsg_sig(struct peer *, struct imsg *);
void		 lka_mailauth_imsg_verdict(struct peer *, struct imsg *);
void		 lka_mailauth_imsg_cancel(struct peer *, struct imsg *);

/*
 * lka/lka_route.c: IMSG_MTA_ROUTE.  lka_route_lookup() calls done once
 * (maybe before it returns) with the answer; the rest is pure.
 */
#define LKA_ROUTE_MX_MAX	64	/* MX records kept from an answer */

struct lka_mx {
	int			 pref;
	char			 name[HOST_MAX];
};

typedef void	(*lka_route_done_cb)(void *, const struct mta_route *);

void		 lka_route_lookup(uint64_t, const char *, const char *,
		    const struct smtpd_config *, const struct table_set *,
		    lka_route_done_cb, void *);
/* Sort, shuffle equal preferences, backup filter: kept, -1 a loop. */
int		 lka_route_order(struct lka_mx *, size_t, const char *,
		    uint32_t (*)(uint32_t));
/* MX records of a name: n, -1 malformed, -2 null MX, -3 none usable. */
int		 lka_route_mx(const uint8_t *, size_t, const char *,
		    struct lka_mx *, size_t);
/* A or AAAA addresses of a name with a port: n, -1 malformed. */
int		 lka_route_addrs(const uint8_t *, size_t, const char *,
		    uint16_t, in_port_t, struct sockaddr_storage *, size_t);
void		 lka_route_add(struct mta_route *, int, const char *,
		    const struct sockaddr_storage *, size_t);

/* lka/lka_creds.c: IMSG_MTA_CREDS */
int		 lka_creds_get(const struct table_db *, const char *,
		    struct mta_creds *);
void		 lka_imsg_creds(struct peer *, struct imsg *,
		    const struct smtpd_config *, const struct table_set *);

#endif /* LKA_H */
