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
 * cartero -- shared definitions of the smtpd process family.
 *
 * This header is the contract between the processes: configuration
 * structures (built by parse.y in the parent, sent to every child as
 * normalised text and parsed again there), the envelope, the imsg types
 * and their payloads.  The table of who may send which imsg, and its size
 * bounds, is in smtpd/imsg_rules.c; common/proc.c checks it before any
 * handler runs.
 */
#ifndef SMTPD_H
#define SMTPD_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "proc.h"
#include "proc_child.h"

/*
 * smtpd's processes (smtpd/procs.c names them for common/proc.c).  The
 * parent is process 0, as common/ expects.
 */
enum proc_id {
	PROC_PARENT = PROC_ID_PARENT,
	PROC_CONTROL,
	PROC_LKA,
	PROC_QUEUE,
	PROC_SMTP,
	PROC_SIGNER,	/* holds the TLS private keys */
	PROC_AGENT,	/* runs as the recipient: untrusted */
	PROC_CLIENT,	/* smtpctl on the control socket: untrusted */
	PROC_COUNT
};

#define CARTERO_VERSION		"0.1"

#define SMTPD_CONFIG		"/etc/cartero/smtpd.conf"
#define SMTPD_SPOOL		"/var/spool/cartero"
#define SMTPD_RUNDIR		"/run/cartero"
#define SMTPD_MAILDIR		"/var/mail"
#define SMTPD_MAILNAME		"/etc/mailname"
#define SMTPD_CONTROL_SOCK	"control.sock"	/* under rundir */
#define SMTPD_ENQUEUE_SOCK	"smtpd.sock"	/* under rundir */
#define SMTPD_PIDFILE		"smtpd.pid"	/* under rundir */
#define SMTPD_EMPTYDIR		"empty"		/* under rundir: chroot */

/* One unprivileged user per child process (created by etc/setup.sh). */
#define SMTPD_USER_PREFIX	"_cartero-"	/* all the daemon's own users */
#define SMTPD_USER_CONTROL	"_cartero-ctl"
#define SMTPD_USER_LKA		"_cartero-lka"
#define SMTPD_USER_QUEUE	"_cartero-queue"
#define SMTPD_USER_SMTP		"_cartero-smtp"
/* the user of relayed envelopes (lka); no process runs as it any more */
#define SMTPD_USER_RELAY	"_cartero-relay"
#define SMTPD_USER_SIGNER	"_cartero-sign"
#define SMTPD_USER_NOBODY	"nobody"	/* root-owned alias pipes */

/* Spool layout, relative to the spool directory (the queue's chroot). */
#define PATH_INCOMING		"/incoming"	/* messages being received */
#define PATH_QUEUE		"/queue"	/* committed: <msgid>.msg/.env */
#define PATH_CORRUPT		"/corrupt"	/* quarantine */
#define PATH_OFFLINE		"/offline"	/* sendmail while smtpd is down */

/* Sizes of fixed fields (all include the terminating NUL). */
#define LOCALPART_MAX		256
#define DOMAIN_MAX		256
#define MAILADDR_MAX		(LOCALPART_MAX + DOMAIN_MAX)
#define HOST_MAX		256
#define NAME_MAX_CONF		64	/* table, action, tag names */
#define USER_MAX		64
/* AUTH user names and passwords (common/sasl.h's bounds + 1) */
#define AUTH_USER_MAX		256
#define AUTH_PASS_MAX		1025
#define ARG_MAX_CONF		1024	/* paths, commands */
#define ERRLINE_MAX		256
#define BOUNCE_WARN_MAX		4	/* bounce warn-interval delays */
#define DEFAULT_BOUNCE_WARN	(4 * 3600)	/* first delay notice */
#define RESOLVER_MAX		4	/* resolver statements */
#define DEFAULT_MTA_MAX_CONN	100	/* mta connections overall */
#define DEFAULT_MTA_MAX_CONN_ROUTE 10	/* ... to one destination */
#define DEFAULT_MTA_MAX_MSGS_CONN 100	/* messages on one connection */
#define MTA_ROUTE_MAX		16	/* addresses in one route answer */
#define MTA_TLSINFO_MAX		128	/* "TLSv1.3:CIPHER:verified" */
#define ADDRTEXT_MAX		64

/* Defaults and hard limits. */
#define DEFAULT_MAX_MESSAGE	(35UL * 1024 * 1024)
#define DEFAULT_MAX_LINE	4096	/* command and DATA line length */
#define DEFAULT_MAX_RCPT	1000	/* per transaction */
#define DEFAULT_MAX_MAILS	100	/* transactions per session */
#define DEFAULT_MAX_CMDS	10000	/* commands per session */
#define DEFAULT_MAX_ERRORS	10	/* bad commands before disconnect */
#define DEFAULT_MAX_SESSIONS	1000	/* concurrent sessions */
/* Local submission has its own slots; each TCP client a share */
#define DEFAULT_MAX_SESS_LOCAL	100	/* enqueue socket sessions */
#define DEFAULT_MAX_SESS_ADDR	50	/* TCP sessions per address */
#define DEFAULT_TIMEOUT		300	/* seconds, RFC 5321 4.5.3.2 */
#define DEFAULT_QUEUE_TTL	(4 * 24 * 3600)
/* Free space and inodes kept on the spool */
#define DEFAULT_MINFREE		(100UL * 1024 * 1024)
#define DEFAULT_MINFREE_INODES	1000
#define DEFAULT_RETRY_MIN	30	/* first local retry, seconds */
#define DEFAULT_RETRY_MAX	3600	/* backoff cap, seconds */
#define MAX_HOPS		50	/* Received: headers -> loop */
#define CONF_CHUNK		8192	/* IMSG_CONF_DATA payload size */

/*
 * Configuration.
 */
enum table_backend {
	TABLE_STATIC,		/* inline { ... } */
	TABLE_FILE,		/* file:/path */
};

struct table {
	TAILQ_ENTRY(table)	 entry;
	char			 name[NAME_MAX_CONF];
	enum table_backend	 backend;
	char			 path[ARG_MAX_CONF];	/* TABLE_FILE */
	int			 is_map;	/* static: key = value pairs */
	char			**keys;		/* static: values or keys */
	char			**values;	/* static maps only */
	size_t			 count;
	int			 line;
};

#define L_INET		0
#define L_SOCKET	1

/* listener flags (LF_*): TLS, AUTH and what sessions record */
#define LF_TLS			0x0001	/* STARTTLS offered */
#define LF_TLS_REQUIRE		0x0002	/* ...and required before MAIL/AUTH */
#define LF_SMTPS		0x0004	/* implicit TLS (port 465) */
#define LF_TLS_VERIFY		0x0008	/* a valid client certificate */
#define LF_AUTH			0x0010	/* AUTH required before MAIL */
#define LF_AUTH_OPTIONAL	0x0020	/* AUTH offered, not required */
#define LF_RECEIVED_AUTH	0x0040	/* Received: names the user */
#define LF_MASQUERADE		0x0080	/* senders: rewrite From: */
/*
 * Mail authentication of what arrives (issue 16): "mail-auth" checks
 * SPF (MAIL FROM and HELO), DKIM and DMARC of unauthenticated sessions
 * and adds one Authentication-Results field; "dmarc-policy" follows the
 * sender's DMARC policy (reject: 550 5.7.1 after DATA; quarantine: the
 * message is tagged and delivered to the Junk folder); "spf-reject"
 * refuses MAIL FROM when SPF says fail.  The last two imply mail-auth.
 */
#define LF_MAILAUTH		0x0100	/* mail-auth */
#define LF_DMARC_POLICY		0x0200	/* mail-auth dmarc-policy */
#define LF_SPF_REJECT		0x0400	/* mail-auth spf-reject */

#define LISTEN_PKI_MAX		32	/* pki names per listener (SNI) */
#define TLS_PARAM_MAX		256	/* ciphers, protocols strings */

/* pki NAME cert FILE key FILE: names a certificate chain and its key */
struct pki {
	TAILQ_ENTRY(pki)	 entry;
	char			 name[HOST_MAX];	/* a hostname or "*" */
	char			 cert[PATH_MAX];
	char			 key[PATH_MAX];
	int			 line;
};

/* ca NAME cert FILE: CA certificates to verify client certificates */
struct ca {
	TAILQ_ENTRY(ca)		 entry;
	char			 name[NAME_MAX_CONF];
	char			 cert[PATH_MAX];
	int			 line;
};

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	uint32_t		 index;		/* position in the list */
	int			 kind;		/* L_INET or L_SOCKET */
	char			 on[HOST_MAX];	/* address, interface, name */
	in_port_t		 port;		/* host byte order */
	char			 hostname[HOST_MAX];	/* "" = global */
	char			 tag[NAME_MAX_CONF];
	uint32_t		 flags;		/* LF_* */
	/* TLS: pki[0] is the default certificate, the others by SNI */
	char			 pki[LISTEN_PKI_MAX][HOST_MAX];
	size_t			 npki;
	char			 ca[NAME_MAX_CONF];	/* "" = none */
	char			 ciphers[TLS_PARAM_MAX];	/* "" = default */
	char			 protocols[TLS_PARAM_MAX];
	char			 authtable[NAME_MAX_CONF];	/* "" = system */
	char			 senders[NAME_MAX_CONF];	/* "" = any */
	int			 line;
};

enum action_method {
	A_MBOX,
	A_MAILDIR,
	A_LMTP,
	A_MDA,
	A_EXPAND_ONLY,
	A_FORWARD_ONLY,
	A_RELAY,		/* relay host smtp://HOST[:PORT] */
};

/*
 * Where a relay action hands its mail (smtpd/relay.c parses and prints
 * it): "relay" alone (MX of the recipient's domain) or "relay host URL"
 * with URL one of
 *	smtp://		STARTTLS when offered (opportunistic)
 *	smtp+tls://	STARTTLS required
 *	smtp+notls://	never TLS
 *	smtps://	TLS from the start (port 465 by default)
 *	lmtp://		LMTP (LHLO, a reply per recipient), never TLS
 * and "[LABEL@]HOST[:PORT]": HOST a name or an address (IPv6 without its
 * brackets in host, with them in the URL), LABEL the key of the
 * credentials in the action's "auth <table>".  port is in host byte
 * order; 0 in a parsed URL means the scheme's default (25, 465 for
 * smtps, 24 for lmtp) and is resolved by relayhost_port().
 */
#define RELAY_DEFAULT_PORT	25
#define RELAY_SMTPS_PORT	465
#define RELAY_LMTP_PORT		24

enum relay_proto {
	RP_SMTP,		/* smtp:// (and MX delivery) */
	RP_SMTP_TLS,		/* smtp+tls:// */
	RP_SMTP_NOTLS,		/* smtp+notls:// */
	RP_SMTPS,		/* smtps:// */
	RP_LMTP,		/* lmtp:// */
};

struct relayhost {
	char			 host[HOST_MAX];	/* "" = by MX */
	in_port_t		 port;			/* 0 = default */
	enum relay_proto	 proto;
	char			 label[NAME_MAX_CONF];	/* "" = none */
};

/*
 * The options of a relay action (OpenSMTPD's grammar):
 *	relay [host URL] [backup [MX]] [helo NAME] [src ADDR|<table>]
 *	    [tls [verify|no-verify]] [auth <table>] [pki NAME]
 *	    [domain <table>] [recipients <table>]
 * "tls" requires TLS and a certificate valid for the host (RO_TLS |
 * RO_VERIFY), "tls no-verify" TLS only; without "tls", smtp:// and MX
 * delivery use STARTTLS when offered and deliver in plaintext when not.
 * Credentials ("auth") are only ever sent over TLS.
 */
#define RO_TLS			0x01	/* TLS required */
#define RO_VERIFY		0x02	/* certificate must verify */
#define RO_BACKUP		0x04	/* backup: only MXes better than ours */
#define RO_SRC_TABLE		0x08	/* src names a table */

struct relay_opts {
	struct relayhost	 host;
	uint32_t		 flags;			/* RO_* */
	char			 backup[HOST_MAX];	/* "" = our hostname */
	char			 helo[HOST_MAX];	/* "" = our hostname */
	char			 src[NAME_MAX_CONF + ADDRTEXT_MAX];
	char			 auth[NAME_MAX_CONF];	/* table or "" */
	char			 pki[HOST_MAX];		/* client cert or "" */
	char			 domain[NAME_MAX_CONF];	/* table or "" */
	char			 recipients[NAME_MAX_CONF]; /* table or "" */
};

#define AF_ALLOW_PIPE		0x01	/* alias/.forward "|command" */
#define AF_ALLOW_FILE		0x02	/* alias/.forward "/path" */
#define AF_ALLOW_INCLUDE	0x04	/* alias ":include:/path" */
#define AF_LMTP_RCPTTO		0x08	/* lmtp: use RCPT TO, not dest */

struct action {
	TAILQ_ENTRY(action)	 entry;
	char			 name[NAME_MAX_CONF];
	enum action_method	 method;
	char			 arg[ARG_MAX_CONF];	/* path, dest, command */
	char			 alias[NAME_MAX_CONF];	/* table or "" */
	char			 virtual[NAME_MAX_CONF];
	char			 userbase[NAME_MAX_CONF];
	char			 user[USER_MAX];	/* deliver as */
	uint32_t		 flags;			/* AF_* */
	struct relay_opts	 relay;			/* A_RELAY */
	int			 line;
};

enum cond_kind {
	C_NONE,			/* not given */
	C_ANY,
	C_LOCAL,		/* from local: loopback or socket; for local */
	C_SOCKET,		/* from socket (local enqueuer) */
	C_SRC,			/* from src <table>|addr */
	C_MAILFROM,		/* from mail-from <table>|addr */
	C_DOMAIN,		/* for domain <table>|name */
	C_RCPTTO,		/* for rcpt-to <table>|addr */
	C_AUTH,			/* from auth [<table>|user]; auth ... */
};

struct rule_cond {
	int			 neg;
	enum cond_kind		 kind;
	char			 table[NAME_MAX_CONF];	/* <table> or "" */
	char			 value[HOST_MAX];	/* literal or "" */
};

struct rule {
	TAILQ_ENTRY(rule)	 entry;
	struct rule_cond	 from;
	struct rule_cond	 dest;
	int			 tag_neg;
	char			 tag[NAME_MAX_CONF];	/* "" = any */
	/* transaction condition "[!] auth [<table>|user]" (C_NONE: none) */
	struct rule_cond	 auth;
	int			 reject;
	char			 action[NAME_MAX_CONF];
	int			 unsafe_open;	/* "unsafe-open-relay" */
	int			 line;
};

TAILQ_HEAD(tablelist, table);
TAILQ_HEAD(pkilist, pki);
TAILQ_HEAD(calist, ca);
TAILQ_HEAD(listenerlist, listener);
TAILQ_HEAD(actionlist, action);
TAILQ_HEAD(rulelist, rule);

/* A min-free threshold, absolute or a percentage */
struct minfree {
	uint64_t		 value;
	int			 percent;	/* value is 0..99 % */
};

/*
 * "dkim DOMAIN selector SELECTOR key PATH": mail of authenticated and
 * local senders whose From: domain is DOMAIN is signed with every key
 * given for it (RSA and Ed25519: two signatures).  The key file is read
 * by the parent and held by the signer only; the algorithm is the key's.
 */
#define DKIM_CONF_MAX		64
struct dkim_conf {
	char			 domain[HOST_MAX];
	char			 selector[HOST_MAX];
	char			 keyfile[PATH_MAX];
	int			 line;
};

struct smtpd_config {
	char			 hostname[HOST_MAX];
	/* authserv-id of Authentication-Results ("" = hostname) */
	char			 authserv_id[HOST_MAX];
	struct dkim_conf	 dkim[DKIM_CONF_MAX];
	size_t			 ndkim;
	char			 spooldir[PATH_MAX];
	char			 rundir[PATH_MAX];
	size_t			 max_message_size;
	size_t			 max_line;
	size_t			 max_rcpt;
	size_t			 max_mails;
	size_t			 max_cmds;
	size_t			 max_errors;
	size_t			 max_sessions;
	size_t			 max_sessions_local;	/* socket */
	size_t			 max_sessions_addr;	/* per address */
	time_t			 timeout;
	time_t			 queue_ttl;
	time_t			 retry_min;
	time_t			 retry_max;
	/* delay notices after these times in the queue; 0 ends the list */
	time_t			 bounce_warn[BOUNCE_WARN_MAX];
	int			 vrfy;		/* VRFY answers (off) */
	/*
	 * Outbound (lka's resolver and smtp's mta): "resolver ADDR[@PORT]"
	 * (up to RESOLVER_MAX; none: /etc/resolv.conf), "resolver dnssec"
	 * (validate with the root trust anchor), and the mta limits
	 * "mta max-connections N", "mta max-connections-per-host N",
	 * "mta max-messages-per-connection N".
	 */
	char			 resolvers[RESOLVER_MAX][ADDRTEXT_MAX];
	size_t			 nresolvers;
	int			 dnssec;
	size_t			 mta_max_conn;
	size_t			 mta_max_conn_route;
	size_t			 mta_max_msgs_conn;
	/* Free space kept on the spool (queue_space.c) */
	struct minfree		 queue_minfree;		/* bytes */
	struct minfree		 queue_minfree_inodes;
	struct tablelist	 tables;
	struct pkilist		 pkis;
	struct calist		 cas;
	struct listenerlist	 listeners;
	struct actionlist	 actions;
	struct rulelist		 rules;
};

/* smtpd/parse.y */
struct smtpd_config	*config_new(void);
void			 config_free(struct smtpd_config *);
/* Parse a file (with includes); errors go to stderr as file:line: msg. */
struct smtpd_config	*parse_config(const char *path, int verbose);
/* Parse a normalised text buffer received from the parent. */
struct smtpd_config	*parse_config_buffer(const char *buf, size_t len);
int			 cmdline_symset(const char *);	/* -D name=value */
/* smtpd/config.c */
void			 config_print(FILE *, const struct smtpd_config *);
char			*config_text(const struct smtpd_config *, size_t *);
struct table		*config_table(const struct smtpd_config *,
			    const char *);
struct action		*config_action(const struct smtpd_config *,
			    const char *);

/*
 * Envelopes.  One per final recipient, made by lka, stored by the queue
 * (text codec in queue/envelope.c), delivered through the parent.  What
 * a well-formed one is: smtpd/envelope_check.c.
 */
struct mailaddr {
	char			 user[LOCALPART_MAX];
	char			 domain[DOMAIN_MAX];
};

/* envelope flags */
#define EF_LOCAL		0x0001	/* from loopback or socket */
#define EF_SOCKET		0x0002	/* local enqueuer (sendmail) */
#define EF_BOUNCE		0x0004	/* a bounce we generated */
#define EF_SMTPUTF8		0x0008
#define EF_8BITMIME		0x0010
#define EF_ESMTP		0x0020
/* Undeliverable bounces go to postmaster, then are held */
#define EF_POSTMASTER		0x0040	/* to postmaster: never bounced */
#define EF_HELD			0x0080	/* held: its failure reaches no one */
#define EF_AUTH			0x0100	/* the client authenticated (AUTH) */
#define EF_TLS			0x0200	/* received over TLS */
#define EF_FORCED		0x0400	/* queue -> mta only, never stored: */
					/* smtpctl schedule forced this try */
#define EF_QUARANTINE		0x0800	/* DMARC quarantine: to Junk */

enum delivery_type {
	DT_MAILBOX,		/* the action's method for user/dest */
	DT_FILE,		/* append to arg (alias "/path") */
	DT_PIPE,		/* run arg (alias "|command") */
};

struct envelope {
	uint64_t		 id;		/* msgid << 32 | random */
	uint32_t		 flags;		/* EF_* */
	char			 tag[NAME_MAX_CONF];
	char			 helo[HOST_MAX];
	char			 hostname[HOST_MAX];	/* client name */
	char			 src[ADDRTEXT_MAX];	/* client address */
	uint32_t		 peeruid;	/* socket: SO_PEERCRED uid */
	struct mailaddr		 sender;	/* empty = <> */
	struct mailaddr		 rcpt;		/* as given in RCPT TO */
	struct mailaddr		 dest;		/* after expansion */
	char			 action[NAME_MAX_CONF];
	enum delivery_type	 dtype;
	char			 user[USER_MAX];	/* deliver as */
	char			 arg[ARG_MAX_CONF];	/* DT_FILE/DT_PIPE */
	time_t			 ctime;		/* creation */
	time_t			 expire;	/* absolute */
	time_t			 lasttry;
	time_t			 nexttry;
	uint32_t		 retry;		/* attempts so far */
	char			 errorline[ERRLINE_MAX];
	uint32_t		 warned;	/* delay notices sent */
};

#define evpid_to_msgid(id)	((uint32_t)((id) >> 32))

/* queue/envelope.c: "key: value" text, ends with a line "end: ok". */
int	envelope_dump(const struct envelope *, char *, size_t);
int	envelope_load(struct envelope *, const char *, size_t);

/* smtpd/envelope_check.c */
/* 1 if every string of the envelope is NUL-terminated in its array */
int	envelope_strings_ok(const struct envelope *);
/* 1 if the strings are terminated and dtype is a delivery_type */
int	envelope_ok(const struct envelope *);
/*
 * The kind of delivery agent ("mbox", "maildir", "lmtp", "mda", "file")
 * for an envelope's delivery type and its action's method; NULL if the
 * method delivers nothing itself.
 */
const char	*delivery_agent_kind(enum delivery_type, enum action_method);

/* common mail address helpers (smtpd/mailaddr.c) */
int	mailaddr_parse(struct mailaddr *, const char *, int utf8);
int	mailaddr_text(const struct mailaddr *, char *, size_t);
int	mailaddr_utf8_valid(const char *);

/* smtpd/relay.c: relay host URLs and the open-relay judgement */
int	relayhost_parse(struct relayhost *, const char *, const char **);
int	relayhost_text(const struct relayhost *, char *, size_t);
in_port_t relayhost_port(const struct relayhost *);	/* 0 resolved */
int	relay_net_wide(const char *);
const char *relay_rule_open(const struct rule *,
	    const char *(*)(const char *));
void	relay_warn_open(const struct smtpd_config *);

/* smtpd/secure_file.c: .forward and :include: ownership and mode rules */
#define SECURE_FILE_ANY_OWNER	((uid_t)-1)
const char *secure_file_check(int, uid_t);
int	secure_file_open(const char *, uid_t, const char **);

/*
 * imsg types.  Keep in numeric order: smtpd/imsg_rules.c mirrors it.
 * Payload structs follow.  Before any handler runs, the validator of the
 * type's rule (smtpd/imsg_check.c) has checked that every char array of
 * the payload is NUL-terminated and every enum and status in range.
 */
enum imsg_type {
	/*
	 * parent -> children: setup and configuration, common/proc.h's
	 * enum proc_imsg (IMSG_CONF_DATA <= CONF_CHUNK, IMSG_CONF_END,
	 * IMSG_CONF_LISTENER, IMSG_SETUP_PEER, IMSG_SETUP_DONE,
	 * IMSG_CTL_VERBOSE, IMSG_CTL_SANDBOX_TEST), then ours.
	 */

	/* parent -> smtp, before IMSG_CONF_DATA: certificate files */
	IMSG_CONF_PKI_CERT = PROC_IMSG_MAX,	/* struct pki_msg + fd */
	IMSG_CONF_CA,			/* struct pki_msg + fd */

	/* smtp <-> queue */
	IMSG_SMTP_MESSAGE_CREATE,	/* struct msg_req */
	IMSG_QUEUE_MESSAGE_CREATED,	/* struct msg_reply + fd (write) */
	IMSG_SMTP_MESSAGE_COMMIT,	/* struct msg_req (size set) */
	IMSG_QUEUE_MESSAGE_COMMITTED,	/* struct msg_reply */
	IMSG_SMTP_MESSAGE_ROLLBACK,	/* struct msg_req */
	IMSG_QUEUE_RCPT_OK,		/* struct rcpt_reply */

	/* smtp|queue -> lka -> queue|smtp: recipient expansion, VRFY */
	IMSG_SMTP_EXPAND_RCPT,		/* struct expand_req (msgid 0: VRFY) */
	IMSG_QUEUE_EXPAND_BOUNCE,	/* struct expand_req */
	IMSG_LKA_ENVELOPE,		/* struct envelope_msg (to queue) */
	IMSG_LKA_EXPAND_DONE,		/* struct rcpt_reply (to queue) */
	IMSG_LKA_RCPT_FAIL,		/* struct rcpt_reply: refused */
	IMSG_LKA_VRFY_RESULT,		/* struct rcpt_reply: VRFY's answer */

	/* smtp -> lka -> smtp: senders <table>, MAIL FROM of an AUTH user */
	IMSG_SMTP_CHECK_SENDER,		/* struct sender_req */
	IMSG_LKA_SENDER_RESULT,		/* struct sender_reply */

	/* lka <-> parent: ~/.forward is opened by the parent */
	IMSG_LKA_OPEN_FORWARD,		/* struct forward_req */
	IMSG_PARENT_FORWARD,		/* struct forward_reply + opt. fd */

	/* smtp -> lka (-> parent for system users): AUTH credentials */
	IMSG_SMTP_AUTH,			/* struct auth_req */
	IMSG_LKA_AUTH_RESULT,		/* struct auth_result */
	IMSG_LKA_AUTH_SYSTEM,		/* struct auth_req, table "" */
	IMSG_PARENT_AUTH_RESULT,	/* struct auth_result */

	/* queue <-> parent <-> agent: local delivery */
	IMSG_QUEUE_DELIVER,		/* struct envelope + fd (read) */
	IMSG_PARENT_DELIVERY_RESULT,	/* struct delivery_result */
	IMSG_AGENT_DELIVER,		/* struct deliver + fd (read) */
	IMSG_AGENT_RESULT,		/* struct delivery_result */

	/*
	 * queue <-> smtp (mta): relayed delivery.  Every envelope of a relay
	 * action comes with the message open read-only; the mta groups the
	 * envelopes of one message to one route into one transaction and
	 * answers each envelope once.
	 */
	IMSG_QUEUE_MTA_DELIVER,		/* struct envelope + fd (read) */
	IMSG_MTA_DELIVERY_RESULT,	/* struct delivery_result */

	/* smtp (mta) <-> lka: where a domain's mail goes; credentials */
	IMSG_MTA_ROUTE,			/* struct mta_route_req */
	IMSG_LKA_ROUTE,			/* struct mta_route */
	IMSG_MTA_CREDS,			/* struct mta_creds_req */
	IMSG_LKA_CREDS,			/* struct mta_creds */

	/* smtpctl <-> control <-> processes; peerid = client id */
	IMSG_CTL_SHOW_QUEUE,		/* no payload */
	IMSG_CTL_SHOW_STATS,		/* no payload */
	IMSG_CTL_SCHEDULE,		/* struct ctl_id */
	IMSG_CTL_REMOVE,		/* struct ctl_id */
	IMSG_CTL_PAUSE,			/* struct ctl_what */
	IMSG_CTL_RESUME,		/* struct ctl_what */
	IMSG_CTL_LOG_VERBOSE,		/* int (client -> control -> parent) */
	IMSG_CTL_RELOAD,		/* no payload */
	IMSG_CTL_STOP,			/* no payload */
	IMSG_CTL_SANDBOX,		/* struct ctl_what: process name */
	IMSG_CTL_LINE,			/* text line, NUL-terminated */
	IMSG_CTL_OK,			/* no payload: command done */
	IMSG_CTL_FAIL,			/* text, NUL-terminated */
	IMSG_CTL_END,			/* no payload: end of a listing */
	IMSG_CTL_SHOW_HOSTS,		/* no payload (control -> smtp) */
	IMSG_CTL_SHOW_ROUTES,		/* no payload (control -> smtp) */

	/*
	 * parent -> signer, before IMSG_CONF_DATA: each pki's key file;
	 * smtp <-> signer: private-key operations (common/keyproxy.h),
	 * the imsg peerid is the request id, echoed in the result.
	 */
	IMSG_CONF_PKI_KEY,		/* struct pki_msg + fd */
	IMSG_SIGNER_REQUEST,		/* struct keyproxy_req */
	IMSG_SIGNER_RESULT,		/* struct keyproxy_res */

	/*
	 * Mail authentication (issue 16).  smtp -> queue: a commit with
	 * header text to put before the message and envelope flags (see
	 * struct msg_commit); parent -> signer, before IMSG_CONF_DATA:
	 * each dkim key file; smtp <-> signer: DKIM signatures (common/
	 * signer.h), the imsg peerid is the request id.
	 */
	IMSG_SMTP_MESSAGE_COMMIT_PREFIX,	/* struct msg_commit + text */
	IMSG_CONF_DKIM_KEY,		/* struct signer_dkim_msg + fd */
	IMSG_SIGNER_DKIM_SIGN,		/* struct signer_dkim_req */
	IMSG_SIGNER_DKIM_RESULT,	/* struct signer_dkim_res */

	/*
	 * smtp <-> lka: inbound mail authentication (smtpd/mailauth.h).
	 * Each request gets exactly one answer; a cancel only hastens it.
	 */
	IMSG_SMTP_SPF_CHECK,		/* struct mailauth_spf_req */
	IMSG_LKA_SPF_RESULT,		/* struct mailauth_spf_reply */
	IMSG_SMTP_DKIM_SIG,		/* struct mailauth_sig */
	IMSG_SMTP_MAILAUTH,		/* struct mailauth_req */
	IMSG_LKA_MAILAUTH_RESULT,	/* struct mailauth_reply */
	IMSG_SMTP_MAILAUTH_CANCEL,	/* struct mailauth_cancel */

	IMSG_TYPE_MAX
};

/* peerid on every smtpctl -> control request: protocol version */
#define CTL_VERSION		1

/* IMSG_CONF_PKI_CERT, IMSG_CONF_CA: which pki or ca the file is for */
struct pki_msg {
	char			 name[HOST_MAX];
};

struct msg_req {
	uint64_t		 reqid;
	uint32_t		 msgid;
	uint64_t		 size;		/* COMMIT: bytes written */
};

/*
 * IMSG_SMTP_MESSAGE_COMMIT_PREFIX: IMSG_SMTP_MESSAGE_COMMIT with, after
 * this header, len bytes of header fields (CRLF lines, no empty line:
 * msg_prefix_valid()) that the queue puts before the message file, and
 * envelope flags (COMMIT_FLAGS only) set on every envelope of the
 * message.  req.size is what smtp wrote, checked before the prefix is
 * added.  A commit with neither is a plain IMSG_SMTP_MESSAGE_COMMIT.
 */
#define MSG_PREFIX_MAX		(12 * 1024)
#define COMMIT_FLAGS		EF_QUARANTINE
struct msg_commit {
	struct msg_req		 req;
	uint32_t		 flags;		/* EF_QUARANTINE */
	uint32_t		 len;		/* bytes of text that follow */
};

#define ST_OK			0
#define ST_TEMPFAIL		1
#define ST_PERMFAIL		2
#define ST_LOOP			3

struct msg_reply {
	uint64_t		 reqid;
	uint32_t		 msgid;
	int			 status;	/* ST_* */
	char			 text[ERRLINE_MAX];
};

struct expand_req {
	uint64_t		 reqid;		/* smtp session's request */
	uint32_t		 msgid;
	uint32_t		 flags;		/* EF_* */
	uint32_t		 peeruid;
	char			 tag[NAME_MAX_CONF];
	char			 helo[HOST_MAX];
	char			 hostname[HOST_MAX];
	char			 src[ADDRTEXT_MAX];
	struct sockaddr_storage	 ss;		/* client, AF_UNIX = socket */
	struct mailaddr		 sender;
	struct mailaddr		 rcpt;
	char			 authuser[AUTH_USER_MAX];	/* EF_AUTH: the user */
};

/* senders <table>: may the authenticated user send as sender? */
struct sender_req {
	uint64_t		 reqid;
	char			 table[NAME_MAX_CONF];
	char			 authuser[AUTH_USER_MAX];
	struct mailaddr		 sender;
};

struct sender_reply {
	uint64_t		 reqid;
	int			 status;	/* ST_OK, ST_PERMFAIL, ST_TEMPFAIL */
};

struct envelope_msg {
	uint64_t		 reqid;
	struct envelope		 evp;
};

struct rcpt_reply {
	uint64_t		 reqid;
	uint32_t		 msgid;
	int			 status;	/* ST_* */
	uint32_t		 count;		/* envelopes made (DONE) */
	char			 text[ERRLINE_MAX];	/* "550 5.1.1 ..." */
};

struct forward_req {
	uint64_t		 reqid;
	char			 user[USER_MAX];
};

struct forward_reply {
	uint64_t		 reqid;
	int			 status;	/* ST_OK: fd, ST_PERMFAIL: none */
};

/*
 * Delivery agents (smtpd/parent_agent.c, agent/agent.c): the parent
 * closes the channel of an agent idle for AGENT_IDLE_TIMEOUT seconds, or
 * that has served AGENT_MAX_DELIVERIES, and the agent exits on EOF.  The
 * agent's own idle timer is a backstop (the parent stopped) at twice
 * that, so that it never leaves while the parent is handing it work.
 */
#define AGENT_IDLE_TIMEOUT	30	/* seconds */
#define AGENT_MAX_DELIVERIES	10000	/* per agent process */

struct deliver {
	struct envelope		 evp;
	enum action_method	 method;
	char			 arg[ARG_MAX_CONF];	/* action's path/dest/cmd */
	uint32_t		 aflags;		/* AF_* */
	char			 username[USER_MAX];	/* pw_name */
	uid_t			 uid;
	gid_t			 gid;
	char			 home[ARG_MAX_CONF];
	char			 shell[ARG_MAX_CONF];
	char			 mailbox[ARG_MAX_CONF];	/* mbox path */
	/*
	 * Root's mailbox: mailbox is made root:mail 0660 by the parent and
	 * appended to by an mbox agent running as nobody with group mail.
	 */
	int			 root_mbox;
};

/*
 * AUTH (RFC 4954): credentials checked by lka against a table of
 * crypt(3) hashes, or by the parent against the system's users.  The
 * password is wiped from every buffer once it has been used.
 */
struct auth_req {
	uint64_t		 reqid;
	char			 table[NAME_MAX_CONF];	/* "" = system */
	char			 user[AUTH_USER_MAX];
	char			 password[AUTH_PASS_MAX];
};

struct auth_result {
	uint64_t		 reqid;
	int			 status;	/* ST_OK, ST_PERMFAIL, ST_TEMPFAIL */
};

struct delivery_result {
	uint64_t		 evpid;
	int			 status;	/* ST_* */
	char			 errorline[ERRLINE_MAX];
	/* mta only, "" from an agent: where it went, and how */
	char			 relay[HOST_MAX + ADDRTEXT_MAX + 16];
					/* "mx.example.org [192.0.2.1]:25" */
	char			 tls[MTA_TLSINFO_MAX];
					/* "TLSv1.3:CIPHER:verified", or "" */
};

/*
 * mta -> lka: the route of mail for domain under relay action "action":
 * its relay host, the relay host its "domain <table>" names for domain,
 * or domain's MX hosts.  lka answers with up to MTA_ROUTE_MAX addresses
 * in the order to try them: MX preference ascending, random among equal
 * preferences, each host's IPv6 then IPv4 addresses; an implicit MX (the
 * domain's own A/AAAA) when it has no MX; with "backup", only MXes
 * strictly better than the backup name's own preference.
 *	ST_OK		n >= 1 addresses
 *	ST_TEMPFAIL	the lookup failed for now (SERVFAIL, timeout)
 *	ST_PERMFAIL	NXDOMAIN, a null MX (RFC 7505), no address at all:
 *			text says why ("556 5.1.10 ..." for a null MX)
 */
struct mta_route_req {
	uint64_t		 reqid;
	char			 action[NAME_MAX_CONF];
	char			 domain[DOMAIN_MAX];
};

struct mta_route_host {
	int			 pref;		/* MX preference, 0 for a host */
	char			 name[HOST_MAX];	/* MX or relay host */
	struct sockaddr_storage	 ss;		/* port set */
};

struct mta_route {
	uint64_t		 reqid;
	int			 status;	/* ST_OK, ST_TEMPFAIL, ST_PERMFAIL */
	char			 text[ERRLINE_MAX];	/* why not, for the DSN */
	struct relayhost	 relay;		/* proto, label; host "" = MX */
	int			 dnssec;	/* every answer was secure */
	uint32_t		 n;
	struct mta_route_host	 hosts[MTA_ROUTE_MAX];
};

/* mta -> lka: the credentials of label in table (relay ... auth <table>) */
struct mta_creds_req {
	uint64_t		 reqid;
	char			 table[NAME_MAX_CONF];
	char			 label[NAME_MAX_CONF];
};

struct mta_creds {
	uint64_t		 reqid;
	int			 status;	/* ST_OK, ST_PERMFAIL, ST_TEMPFAIL */
	char			 user[AUTH_USER_MAX];
	char			 password[AUTH_PASS_MAX];	/* wiped after use */
};

struct ctl_id {
	uint64_t		 id;		/* evpid, msgid or 0 = all */
};

struct ctl_what {
	char			 what[NAME_MAX_CONF];
};

/* smtpd/imsg_rules.c */
extern const struct imsg_rule	imsg_rules[];
extern const size_t		imsg_rules_count;

/* smtpd/procs.c: hand smtpd's process and rule tables to common/proc.c */
void	smtpd_proc_setup(void);

/* process entry points (each in its own file) */
void	control_main(void);
void	lka_main(void);
void	queue_main(void);
void	smtp_main(void);
void	signer_main(void);
void	agent_main(int, char **);
void	pickup_main(int, char **) __attribute__((__noreturn__));

/*
 * Child bootstrap (common/proc_child.c, with smtpd's grammar added by
 * smtpd/child.c).  ops->conf_load and conf_free are set by child_run();
 * reload(old) receives the previous struct smtpd_config, env is the new.
 */
void	child_run(const struct proc_child *) __attribute__((__noreturn__));

extern struct smtpd_config	*env;

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif /* SMTPD_H */
