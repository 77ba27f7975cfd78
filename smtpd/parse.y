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
 * parse.y -- the smtpd.conf(5) parser: the grammar and what it builds.
 *
 * The lexer, the include file stack, macros and the diagnostics are in
 * parse_lex.c.
 *
 * parse_config() reads a file and reports problems on stderr as
 * "file:line: message", all of them (up to MAX_ERRORS), before failing.
 * parse_config_buffer() reads the normalised text made by config_text(),
 * which the parent sends to every child: no include, and table files are
 * not checked (a chrooted child cannot see them).
 *
 * Every statement is built in parse-local memory (an arena freed when the
 * parse ends) by its own option rules, which pass the object under
 * construction up the parser stack: there is no "current object" global, a
 * syntax error leaks nothing, and only complete statements are copied into
 * the configuration.  References (tables, actions) are resolved once the
 * whole input has been read, so definitions may come in any order.
 */

%{
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tls.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "parse_lex.h"
#include "mda_expand.h"
#include "lka.h"

enum def_kind { K_TABLE, K_ACTION };

struct def {
	struct def		*next;
	enum def_kind		 kind;
	const char		*name;
	const char		*file;
	int			 line;
	int			 broken;	/* had a syntax error */
};

struct ref {
	struct ref		*next;
	enum def_kind		 kind;
	const char		*name;
	const char		*what;		/* "alias", "from src"... */
	int			 need_map;
	const char		*file;
	int			 line;
	const struct rule	*rule;		/* "match": the rule made */
};

struct tval {
	struct tval		*next;
	char			*key;		/* NULL in a list */
	char			*val;
	int			 line;
};

static struct parse	*ps;

static int	 copy_str(char *, size_t, const char *, const char *, int);
static struct def *def_find(enum def_kind, const char *);
static int	 def_add(enum def_kind, const char *, int, int);
static struct ref *ref_add(enum def_kind, const char *, const char *, int,
		    int);
static int	 gopt_seen(enum gopt, int);
static void	 set_limit(enum gopt, size_t *, const char *, size_t, size_t,
		    int);
static void	 set_duration(enum gopt, time_t *, const char *, int);
static void	 set_path(enum gopt, char *, size_t, const char *, int);
static void	 set_minfree(enum gopt, struct minfree *, const char *, int);
static int	 valid_table_name(const char *);
static int	 table_check(const char *, struct tval *, size_t *, int *);
static int	 table_path(const char *, const char **, int);
static void	 add_table(const char *, const char *, struct tval *, int);
static void	 listen_port(struct listener *, const char *, int);
static void	 listen_str(char *, size_t, const char *, const char *, int);
static void	 add_listener(int, const char *, struct listener *, int);
static void	 listen_flag(struct listener *, uint32_t, const char *, int);
static void	 listen_pki(struct listener *, const char *, int);
static void	 add_pki(const char *, const char *, const char *, int);
static void	 add_ca(const char *, const char *, int);
static void	 check_tls(void);
static int	 check_tls_listener(struct listener *);
static void	 listen_auth(struct listener *, uint32_t, const char *, int);
static int	 check_listen_auth(int, const struct listener *, int);
static struct action *action_method(enum action_method, const char *, int);
static void	 action_table(struct action *, char *, size_t, const char *,
		    const char *, int);
static void	 action_user(struct action *, const char *, int);
static void	 action_allow(struct action *, uint32_t, const char *, int);
static void	 add_action(const char *, struct action *, int);
static void	 action_check_arg(const struct action *, const char *, int);
static struct rule_cond *cond_new(enum cond_kind, const char *, const char *,
		    int);
static void	 rule_cond(struct rule *, struct rule_cond *, int,
		    const char *, int);
static void	 rule_tag(struct rule *, int, const char *, int);
static int	 rule_catchall(const struct rule *);
static void	 add_rule(struct rule *, const char *, int, int);
static void	 listen_senders(struct listener *, const char *, int, int);
static void	 action_relay(struct action *, const char *, int);
static int	 relay_only(struct action *, const char *, int);
static void	 relay_flag(struct action *, uint32_t, const char *, int);
static void	 relay_str(struct action *, char *, size_t, const char *,
		    const char *, int);
static void	 relay_table(struct action *, char *, size_t, const char *,
		    const char *, int);
static void	 check_relay_action(struct action *, int);
static void	 add_resolver(const char *, int);
static void	 add_dkim(const char *, const char *, const char *, int);
static void	 set_authserv_id(const char *, int);
static void	 listen_mailauth(struct listener *, uint32_t, const char *,
		    int);
static int	 check_listen_mailauth(int, const struct listener *, int);
static void	 bounce_warn_begin(int);
static void	 add_bounce_warn(const char *, int);
static void	 check_open_relays(void);
static const char *check_src_table(const char *);
static int	 valid_netaddr(const char *);
static void	 check_references(void);
static void	 check_rules(void);
static void	 default_hostname(char *, size_t);
static void	 default_fqdn(char *, size_t);
static void	 config_defaults(struct smtpd_config *);
static void	 parse_begin(struct parse *, int, int);
static int	 parse_run(struct smtpd_config *);
static void	 parse_end(void);
%}

%token	ACTION ALIAS ALLOW ANY DOMAIN EXPANDONLY FILE_ FOR FORWARDONLY FROM
%token	HOSTNAME INCLUDE LIMIT LISTEN LMTP LOCAL MAILDIR MAILFROM MATCH MAX
%token	MAXCMDS MAXERRORS MAXLINE MAXMAILS MAXMSGSIZE MAXRCPT MAXSESSIONS MBOX
%token	MAXSESSLOCAL MAXSESSADDR
%token	MDA MIN ON PATH PIPE PORT QUEUE RCPTTO REJECT RETRY RUNDIR SMTP SMTPS
%token	SOCKET SRC SUBMISSION TABLE TAG TIMEOUT TTL USER USERBASE VIRTUAL VRFY
%token	ERROR
%token	AUTH MASQUERADE RELAY SENDERS UNSAFEOPENRELAY
%token	MINFREE MINFREEINODES
%token	PKI CERT KEY CA TLS TLSREQUIRE VERIFY CIPHERS PROTOCOLS RECEIVEDAUTH
%token	AUTHOPTIONAL
%token	BACKUP BOUNCE DNSSEC HELO MAXCONN MAXCONNHOST MAXMSGSCONN MTA
%token	NOVERIFY RECIPIENTS RESOLVER WARNINTERVAL
%token	AUTHSERVID DKIM DMARCPOLICY MAILAUTH SELECTOR SPFREJECT
%token	<v.string>	STRING TABLEREF
%type	<v.listener>	listenopts
%type	<v.action>	actionopts method
%type	<v.rule>	matchopts
%type	<v.cond>	fromcond forcond authcond
%type	<v.number>	neg
%type	<v.tval>	tvals tval

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include
		| grammar varset '\n'
		| grammar table '\n'
		| grammar pki '\n'
		| grammar listen '\n'
		| grammar action '\n'
		| grammar match '\n'
		| grammar global '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE STRING		{ lex_include($2, $<lineno>1); }
		;

varset		: STRING '=' STRING {
			const char *p;

			for (p = $1; *p != '\0'; p++)
				if (!isalnum((unsigned char)*p) && *p != '_')
					break;
			if (*p != '\0' || p == $1)
				perr($<lineno>1, "invalid macro name \"%s\": "
				    "use letters, digits and \"_\"", $1);
			else if (symset($1, $3, 0) == -1)
				fatal("symset");
		}
		;

table		: TABLE STRING STRING		{
			add_table($2, $3, NULL, $<lineno>1);
		}
		| TABLE STRING '{' tvals '}'	{
			add_table($2, NULL, $4, $<lineno>1);
		}
		| TABLE STRING '{' tvals ',' '}' {
			add_table($2, NULL, $4, $<lineno>1);
		}
		;

tvals		: tval				{ $$ = $1; }
		| tvals ',' tval		{
			struct tval *t;

			for (t = $1; t->next != NULL; t = t->next)
				;
			t->next = $3;
			$$ = $1;
		}
		;

tval		: STRING			{
			$$ = palloc(sizeof(*$$));
			$$->val = $1;
			$$->line = $<lineno>1;
		}
		| STRING '=' STRING		{
			$$ = palloc(sizeof(*$$));
			$$->key = $1;
			$$->val = $3;
			$$->line = $<lineno>1;
		}
		;

listen		: LISTEN ON STRING listenopts	{
			add_listener(L_INET, $3, $4, $<lineno>1);
		}
		| LISTEN ON SOCKET listenopts	{
			add_listener(L_SOCKET, NULL, $4, $<lineno>1);
		}
		;

listenopts	: /* empty */			{
			$$ = palloc(sizeof(*$$));
		}
		| listenopts PORT STRING	{
			listen_port($1, $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts PORT SMTP		{
			listen_port($1, "smtp", $<lineno>2);
			$$ = $1;
		}
		| listenopts PORT SUBMISSION	{
			listen_port($1, "submission", $<lineno>2);
			$$ = $1;
		}
		| listenopts PORT SMTPS		{
			listen_port($1, "smtps", $<lineno>2);
			$$ = $1;
		}
		| listenopts HOSTNAME STRING	{
			listen_str($1->hostname, sizeof($1->hostname),
			    "hostname", $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts TAG STRING		{
			listen_str($1->tag, sizeof($1->tag), "tag", $3,
			    $<lineno>2);
			$$ = $1;
		}
		| listenopts TLS		{
			listen_flag($1, LF_TLS, "tls", $<lineno>2);
			$$ = $1;
		}
		| listenopts TLSREQUIRE		{
			listen_flag($1, LF_TLS | LF_TLS_REQUIRE, "tls-require",
			    $<lineno>2);
			$$ = $1;
		}
		| listenopts TLSREQUIRE VERIFY	{
			listen_flag($1, LF_TLS | LF_TLS_REQUIRE |
			    LF_TLS_VERIFY, "tls-require", $<lineno>2);
			$$ = $1;
		}
		| listenopts SMTPS		{
			listen_flag($1, LF_SMTPS, "smtps", $<lineno>2);
			$$ = $1;
		}
		| listenopts SMTPS VERIFY	{
			listen_flag($1, LF_SMTPS | LF_TLS_VERIFY, "smtps",
			    $<lineno>2);
			$$ = $1;
		}
		| listenopts PKI STRING		{
			listen_pki($1, $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts CA STRING		{
			listen_str($1->ca, sizeof($1->ca), "ca", $3,
			    $<lineno>2);
			$$ = $1;
		}
		| listenopts CIPHERS STRING	{
			listen_str($1->ciphers, sizeof($1->ciphers),
			    "ciphers", $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts PROTOCOLS STRING	{
			listen_str($1->protocols, sizeof($1->protocols),
			    "protocols", $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts RECEIVEDAUTH	{
			listen_flag($1, LF_RECEIVED_AUTH, "received-auth",
			    $<lineno>2);
			$$ = $1;
		}
		| listenopts SENDERS TABLEREF	{
			listen_senders($1, $3, 0, $<lineno>2);
			$$ = $1;
		}
		| listenopts SENDERS TABLEREF MASQUERADE {
			listen_senders($1, $3, 1, $<lineno>2);
			$$ = $1;
		}
		| listenopts MAILAUTH		{
			listen_mailauth($1, LF_MAILAUTH, "mail-auth",
			    $<lineno>2);
			$$ = $1;
		}
		| listenopts DMARCPOLICY	{
			listen_mailauth($1, LF_MAILAUTH | LF_DMARC_POLICY,
			    "dmarc-policy", $<lineno>2);
			$$ = $1;
		}
		| listenopts SPFREJECT		{
			listen_mailauth($1, LF_MAILAUTH | LF_SPF_REJECT,
			    "spf-reject", $<lineno>2);
			$$ = $1;
		}
		| listenopts AUTH		{
			listen_auth($1, LF_AUTH, NULL, $<lineno>2);
			$$ = $1;
		}
		| listenopts AUTH TABLEREF	{
			listen_auth($1, LF_AUTH, $3, $<lineno>2);
			$$ = $1;
		}
		| listenopts AUTHOPTIONAL	{
			listen_auth($1, LF_AUTH_OPTIONAL, NULL, $<lineno>2);
			$$ = $1;
		}
		| listenopts AUTHOPTIONAL TABLEREF {
			listen_auth($1, LF_AUTH_OPTIONAL, $3, $<lineno>2);
			$$ = $1;
		}
		;

pki		: PKI STRING CERT STRING	{
			add_pki($2, $4, NULL, $<lineno>1);
		}
		| PKI STRING KEY STRING		{
			add_pki($2, NULL, $4, $<lineno>1);
		}
		| CA STRING CERT STRING		{
			add_ca($2, $4, $<lineno>1);
		}
		;

action		: ACTION STRING actionopts	{
			add_action($2, $3, $<lineno>1);
		}
		;

method		: MBOX			{
			$$ = action_method(A_MBOX, NULL, $<lineno>1);
		}
		| MBOX STRING		{
			$$ = action_method(A_MBOX, $2, $<lineno>1);
		}
		| MAILDIR		{
			$$ = action_method(A_MAILDIR, NULL, $<lineno>1);
		}
		| MAILDIR STRING	{
			$$ = action_method(A_MAILDIR, $2, $<lineno>1);
		}
		| LMTP STRING		{
			$$ = action_method(A_LMTP, $2, $<lineno>1);
		}
		| LMTP STRING RCPTTO	{
			$$ = action_method(A_LMTP, $2, $<lineno>1);
			$$->flags |= AF_LMTP_RCPTTO;
		}
		| MDA STRING		{
			$$ = action_method(A_MDA, $2, $<lineno>1);
		}
		| EXPANDONLY		{
			$$ = action_method(A_EXPAND_ONLY, NULL, $<lineno>1);
		}
		| FORWARDONLY		{
			$$ = action_method(A_FORWARD_ONLY, NULL, $<lineno>1);
		}
		| RELAY			{
			$$ = action_method(A_RELAY, NULL, $<lineno>1);
		}
		/* "host" is no keyword: it is a common macro name */
		| RELAY STRING STRING	{
			$$ = action_method(A_RELAY, NULL, $<lineno>1);
			if (strcmp($2, "host") != 0)
				perr($<lineno>2, "expected \"host\" after "
				    "\"relay\", got \"%s\"", $2);
			else
				action_relay($$, $3, $<lineno>2);
		}
		;

actionopts	: method			{ $$ = $1; }
		| actionopts ALIAS TABLEREF	{
			action_table($1, $1->alias, sizeof($1->alias),
			    "alias", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts VIRTUAL TABLEREF	{
			action_table($1, $1->virtual, sizeof($1->virtual),
			    "virtual", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts USERBASE TABLEREF	{
			action_table($1, $1->userbase, sizeof($1->userbase),
			    "userbase", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts USER STRING	{
			action_user($1, $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts ALLOW PIPE		{
			action_allow($1, AF_ALLOW_PIPE, "pipe", $<lineno>2);
			$$ = $1;
		}
		| actionopts ALLOW FILE_	{
			action_allow($1, AF_ALLOW_FILE, "file", $<lineno>2);
			$$ = $1;
		}
		| actionopts ALLOW INCLUDE	{
			action_allow($1, AF_ALLOW_INCLUDE, "include",
			    $<lineno>2);
			$$ = $1;
		}
		| actionopts BACKUP		{
			relay_flag($1, RO_BACKUP, "backup", $<lineno>2);
			$$ = $1;
		}
		| actionopts BACKUP STRING	{
			relay_flag($1, RO_BACKUP, "backup", $<lineno>2);
			relay_str($1, $1->relay.backup,
			    sizeof($1->relay.backup), "backup", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts BACKUP STRING STRING {
			relay_flag($1, RO_BACKUP, "backup", $<lineno>2);
			if (strcmp($3, "mx") != 0)
				perr($<lineno>3, "expected \"backup mx NAME\"");
			relay_str($1, $1->relay.backup,
			    sizeof($1->relay.backup), "backup", $4, $<lineno>2);
			$$ = $1;
		}
		| actionopts HELO STRING	{
			relay_str($1, $1->relay.helo, sizeof($1->relay.helo),
			    "helo", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts SRC STRING		{
			relay_str($1, $1->relay.src, sizeof($1->relay.src),
			    "src", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts SRC TABLEREF	{
			perr($<lineno>2, "\"src <%s>\": a table of source "
			    "addresses is not supported, give one address",
			    $3);
			$$ = $1;
		}
		| actionopts TLS		{
			relay_flag($1, RO_TLS | RO_VERIFY, "tls", $<lineno>2);
			$$ = $1;
		}
		| actionopts TLS VERIFY		{
			relay_flag($1, RO_TLS | RO_VERIFY, "tls", $<lineno>2);
			$$ = $1;
		}
		| actionopts TLS NOVERIFY	{
			relay_flag($1, RO_TLS, "tls", $<lineno>2);
			$$ = $1;
		}
		| actionopts AUTH TABLEREF	{
			relay_table($1, $1->relay.auth, sizeof($1->relay.auth),
			    "auth", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts PKI STRING		{
			relay_str($1, $1->relay.pki, sizeof($1->relay.pki),
			    "pki", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts DOMAIN TABLEREF	{
			relay_table($1, $1->relay.domain,
			    sizeof($1->relay.domain), "domain", $3, $<lineno>2);
			$$ = $1;
		}
		| actionopts RECIPIENTS TABLEREF {
			relay_table($1, $1->relay.recipients,
			    sizeof($1->relay.recipients), "recipients", $3,
			    $<lineno>2);
			$$ = $1;
		}
		;

match		: MATCH matchopts ACTION STRING	{
			add_rule($2, $4, 0, $<lineno>1);
		}
		| MATCH matchopts ACTION STRING UNSAFEOPENRELAY {
			add_rule($2, $4, 1, $<lineno>1);
		}
		| MATCH matchopts REJECT	{
			add_rule($2, NULL, 0, $<lineno>1);
		}
		;

matchopts	: /* empty */			{
			$$ = palloc(sizeof(*$$));
		}
		| matchopts neg FROM fromcond	{
			rule_cond($1, $4, $2, "from", $<lineno>3);
			$$ = $1;
		}
		| matchopts neg FOR forcond	{
			rule_cond($1, $4, $2, "for", $<lineno>3);
			$$ = $1;
		}
		| matchopts neg TAG STRING	{
			rule_tag($1, $2, $4, $<lineno>3);
			$$ = $1;
		}
		| matchopts neg authcond	{
			rule_cond($1, $3, $2, "auth", $<lineno>3);
			$$ = $1;
		}
		;

authcond	: AUTH		{ $$ = cond_new(C_AUTH, NULL, NULL, 0); }
		| AUTH TABLEREF	{
			$$ = cond_new(C_AUTH, $2, NULL, $<lineno>1);
		}
		| AUTH STRING	{
			$$ = cond_new(C_AUTH, NULL, $2, $<lineno>1);
		}
		;

neg		: /* empty */			{ $$ = 0; }
		| '!'				{ $$ = 1; }
		;

fromcond	: ANY		{ $$ = cond_new(C_ANY, NULL, NULL, 0); }
		| LOCAL		{ $$ = cond_new(C_LOCAL, NULL, NULL, 0); }
		| SOCKET	{ $$ = cond_new(C_SOCKET, NULL, NULL, 0); }
		| SRC TABLEREF	{
			$$ = cond_new(C_SRC, $2, NULL, $<lineno>1);
		}
		| SRC STRING	{
			$$ = cond_new(C_SRC, NULL, $2, $<lineno>1);
		}
		| MAILFROM TABLEREF {
			$$ = cond_new(C_MAILFROM, $2, NULL, $<lineno>1);
		}
		| MAILFROM STRING {
			$$ = cond_new(C_MAILFROM, NULL, $2, $<lineno>1);
		}
		| authcond	{ $$ = $1; }
		;

forcond		: ANY		{ $$ = cond_new(C_ANY, NULL, NULL, 0); }
		| LOCAL		{ $$ = cond_new(C_LOCAL, NULL, NULL, 0); }
		| DOMAIN TABLEREF {
			$$ = cond_new(C_DOMAIN, $2, NULL, $<lineno>1);
		}
		| DOMAIN STRING	{
			$$ = cond_new(C_DOMAIN, NULL, $2, $<lineno>1);
		}
		| RCPTTO TABLEREF {
			$$ = cond_new(C_RCPTTO, $2, NULL, $<lineno>1);
		}
		| RCPTTO STRING	{
			$$ = cond_new(C_RCPTTO, NULL, $2, $<lineno>1);
		}
		;

global		: HOSTNAME STRING		{
			if (!gopt_seen(G_HOSTNAME, $<lineno>1)) {
				lowercase($2);
				if (!valid_domain_part($2))
					perr($<lineno>1, "invalid hostname "
					    "\"%s\"", $2);
				else
					copy_str(ps->cfg->hostname,
					    sizeof(ps->cfg->hostname), $2,
					    "hostname", $<lineno>1);
			}
		}
		| RUNDIR STRING			{
			set_path(G_RUNDIR, ps->cfg->rundir,
			    sizeof(ps->cfg->rundir), $2, $<lineno>1);
		}
		| QUEUE PATH STRING		{
			set_path(G_QPATH, ps->cfg->spooldir,
			    sizeof(ps->cfg->spooldir), $3, $<lineno>1);
		}
		| QUEUE TTL STRING		{
			set_duration(G_QTTL, &ps->cfg->queue_ttl, $3,
			    $<lineno>1);
		}
		| QUEUE RETRY retryopts
		| QUEUE MINFREE STRING		{
			set_minfree(G_MINFREE, &ps->cfg->queue_minfree, $3,
			    $<lineno>1);
		}
		| QUEUE MINFREEINODES STRING	{
			set_minfree(G_MINFREE_INODES,
			    &ps->cfg->queue_minfree_inodes, $3, $<lineno>1);
		}
		| SMTP MAXMSGSIZE STRING	{
			size_t	 sz;

			if (gopt_seen(G_MAXMSG, $<lineno>1))
				;
			else if (text_to_size($3, &sz) == -1 || sz == 0)
				perr($<lineno>1, "invalid size \"%s\": "
				    "expected a number with an optional K, M "
				    "or G suffix", $3);
			else
				ps->cfg->max_message_size = sz;
		}
		| SMTP TIMEOUT STRING		{
			set_duration(G_TIMEOUT, &ps->cfg->timeout, $3,
			    $<lineno>1);
		}
		| SMTP VRFY			{
			if (!gopt_seen(G_VRFY, $<lineno>1))
				ps->cfg->vrfy = 1;
		}
		| SMTP LIMIT limits
		| BOUNCE WARNINTERVAL		{
			bounce_warn_begin($<lineno>1);
		} warnlist
		| RESOLVER STRING		{
			add_resolver($2, $<lineno>1);
		}
		| AUTHSERVID STRING		{
			set_authserv_id($2, $<lineno>1);
		}
		| DKIM STRING SELECTOR STRING KEY STRING {
			add_dkim($2, $4, $6, $<lineno>1);
		}
		| RESOLVER DNSSEC		{
			if (!gopt_seen(G_DNSSEC, $<lineno>1))
				ps->cfg->dnssec = 1;
		}
		| MTA mtalimits
		;

warnlist	: STRING		{ add_bounce_warn($1, $<lineno>1); }
		| warnlist STRING	{ add_bounce_warn($2, $<lineno>2); }
		| warnlist ',' STRING	{ add_bounce_warn($3, $<lineno>3); }
		;

mtalimits	: mtalimit
		| mtalimits mtalimit
		;

mtalimit	: MAXCONN STRING	{
			set_limit(G_MTA_MAXCONN, &ps->cfg->mta_max_conn, $2, 1,
			    100000, $<lineno>1);
		}
		| MAXCONNHOST STRING	{
			set_limit(G_MTA_MAXCONNHOST,
			    &ps->cfg->mta_max_conn_route, $2, 1, 10000,
			    $<lineno>1);
		}
		| MAXMSGSCONN STRING	{
			set_limit(G_MTA_MAXMSGSCONN,
			    &ps->cfg->mta_max_msgs_conn, $2, 1, 100000,
			    $<lineno>1);
		}
		;

retryopts	: retryopt
		| retryopts retryopt
		;

retryopt	: MIN STRING	{
			set_duration(G_RETRY_MIN, &ps->cfg->retry_min, $2,
			    $<lineno>1);
		}
		| MAX STRING	{
			set_duration(G_RETRY_MAX, &ps->cfg->retry_max, $2,
			    $<lineno>1);
		}
		;

limits		: limit
		| limits limit
		;

limit		: MAXRCPT STRING	{
			set_limit(G_MAXRCPT, &ps->cfg->max_rcpt, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXMAILS STRING	{
			set_limit(G_MAXMAILS, &ps->cfg->max_mails, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXCMDS STRING	{
			set_limit(G_MAXCMDS, &ps->cfg->max_cmds, $2, 1,
			    100000000, $<lineno>1);
		}
		| MAXERRORS STRING	{
			set_limit(G_MAXERRORS, &ps->cfg->max_errors, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXSESSIONS STRING	{
			set_limit(G_MAXSESSIONS, &ps->cfg->max_sessions, $2, 1,
			    1000000, $<lineno>1);
		}
		| MAXLINE STRING	{
			set_limit(G_MAXLINE, &ps->cfg->max_line, $2, 1000,
			    1048576, $<lineno>1);
		}
		/* Local submission and per-client limits */
		| MAXSESSLOCAL STRING	{
			set_limit(G_MAXSESSLOCAL,
			    &ps->cfg->max_sessions_local, $2, 1, 1000000,
			    $<lineno>1);
		}
		| MAXSESSADDR STRING	{
			set_limit(G_MAXSESSADDR, &ps->cfg->max_sessions_addr,
			    $2, 1, 1000000, $<lineno>1);
		}
		;

%%

static const char *gopt_names[G_COUNT] = {
	"hostname", "rundir", "queue path", "queue ttl", "queue retry min",
	"queue retry max", "smtp max-message-size", "smtp timeout",
	"smtp vrfy", "smtp limit max-rcpt", "smtp limit max-mails",
	"smtp limit max-commands", "smtp limit max-errors",
	"smtp limit max-sessions", "smtp limit max-line-length",
	"queue min-free", "queue min-free-inodes",
	"smtp limit max-sessions-local", "smtp limit max-sessions-per-address",
	"bounce warn-interval", "resolver dnssec", "mta max-connections",
	"mta max-connections-per-host", "mta max-messages-per-connection",
	"authserv-id",
};

/* Copy a value into a fixed field: -1 (reported) if empty or too long. */
static int
copy_str(char *dst, size_t size, const char *src, const char *what,
    int line)
{
	if (*src == '\0') {
		perr(line, "%s must not be empty", what);
		return (-1);
	}
	if (strlcpy(dst, src, size) >= size) {
		perr(line, "%s too long (at most %zu characters)", what,
		    size - 1);
		dst[0] = '\0';
		return (-1);
	}
	return (0);
}

/*
 * Definitions and references, resolved at the end.
 */

static struct def *
def_find(enum def_kind kind, const char *name)
{
	struct def	*d;

	for (d = ps->defs; d != NULL; d = d->next)
		if (d->kind == kind && strcmp(d->name, name) == 0)
			return (d);
	return (NULL);
}

static int
def_add(enum def_kind kind, const char *name, int line, int broken)
{
	struct def	*d;

	if ((d = def_find(kind, name)) != NULL) {
		if (!broken && !d->broken)
			perr(line, "%s \"%s\" is already defined at %s",
			    kind == K_TABLE ? "table" : "action", name,
			    loc(d->file, d->line));
		return (-1);
	}
	d = palloc(sizeof(*d));
	d->kind = kind;
	d->name = pstrdup(name);
	d->file = lex_filename();
	d->line = line;
	d->broken = broken;
	*ps->defs_tail = d;
	ps->defs_tail = &d->next;
	return (0);
}

static struct ref *
ref_add(enum def_kind kind, const char *name, const char *what,
    int need_map, int line)
{
	struct ref	*r;

	r = palloc(sizeof(*r));
	r->kind = kind;
	r->name = pstrdup(name);
	r->what = what;
	r->need_map = need_map;
	r->file = lex_filename();
	r->line = line;
	*ps->refs_tail = r;
	ps->refs_tail = &r->next;
	return (r);
}

/*
 * After a syntax error in "table NAME ..." or "action NAME ...": keep the
 * broken definition from causing "undefined" errors.
 */
void
parse_broken_def(int type, const char *name, int line)
{
	(void)def_add(type == TABLE ? K_TABLE : K_ACTION, name, line, 1);
}

/*
 * Global options.
 */

static int
gopt_seen(enum gopt o, int line)
{
	if (ps->seen[o]) {
		perr(line, "\"%s\" given twice (first at %s)", gopt_names[o],
		    loc(ps->seen_file[o], ps->seen[o]));
		return (1);
	}
	ps->seen[o] = line;
	ps->seen_file[o] = lex_filename();
	return (0);
}

static void
set_limit(enum gopt o, size_t *dst, const char *s, size_t min, size_t max,
    int line)
{
	const char	*errstr;
	long long	 v;

	if (gopt_seen(o, line))
		return;
	v = strtonum(s, (long long)min, (long long)max, &errstr);
	if (errstr != NULL)
		perr(line, "invalid value \"%s\" for \"%s\": expected a "
		    "number from %zu to %zu", s, gopt_names[o], min, max);
	else
		*dst = (size_t)v;
}

static void
set_duration(enum gopt o, time_t *dst, const char *s, int line)
{
	time_t	 t;

	if (gopt_seen(o, line))
		return;
	if (text_to_duration(s, &t) == -1 || t <= 0)
		perr(line, "invalid duration \"%s\" for \"%s\": expected a "
		    "number with an optional s, m, h or d suffix", s,
		    gopt_names[o]);
	else
		*dst = t;
}

static void
set_path(enum gopt o, char *dst, size_t size, const char *s, int line)
{
	if (gopt_seen(o, line))
		return;
	if (s[0] != '/')
		perr(line, "%s \"%s\" is not an absolute path", gopt_names[o],
		    s);
	else
		(void)copy_str(dst, size, s, gopt_names[o], line);
}

/*
 * queue min-free SIZE|N% and queue min-free-inodes N|N%: bytes
 * (K, M, G suffixes) or inodes, or a percentage of the filesystem; 0 turns
 * the check off.
 */
static void
set_minfree(enum gopt o, struct minfree *dst, const char *s, int line)
{
	const char	*errstr;
	char		 num[32];
	size_t		 len = strlen(s), v;

	if (gopt_seen(o, line))
		return;
	if (len > 1 && len < sizeof(num) && s[len - 1] == '%') {
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		dst->value = (uint64_t)strtonum(num, 0, 99, &errstr);
		if (errstr == NULL) {
			dst->percent = 1;
			return;
		}
	} else if (o == G_MINFREE && text_to_size(s, &v) == 0) {
		dst->value = v;
		dst->percent = 0;
		return;
	} else if (o == G_MINFREE_INODES) {
		dst->value = (uint64_t)strtonum(s, 0, UINT32_MAX, &errstr);
		if (errstr == NULL) {
			dst->percent = 0;
			return;
		}
	}
	perr(line, "invalid value \"%s\" for \"%s\": expected %s or a "
	    "percentage from 0%% to 99%%", s, gopt_names[o],
	    o == G_MINFREE ? "a size with an optional K, M or G suffix" :
	    "a number of inodes");
}

/*
 * Statements.
 */

static int
valid_table_name(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!isascii((unsigned char)*p) ||
		    (!isalnum((unsigned char)*p) && strchr("_-.", *p) == NULL))
			return (0);
	return (p != s && p - s < NAME_MAX_CONF);
}

/* Check the values of an inline table: -1 (reported) if bad. */
static int
table_check(const char *name, struct tval *tv, size_t *count, int *is_map)
{
	struct tval	*v, *w;
	size_t		 nkeys = 0;

	*count = 0;
	for (v = tv; v != NULL; v = v->next) {
		(*count)++;
		if (v->key != NULL)
			nkeys++;
		if (v->val[0] == '\0' ||
		    (v->key != NULL && v->key[0] == '\0')) {
			perr(v->line, "table \"%s\": empty value", name);
			return (-1);
		}
	}
	if (nkeys != 0 && nkeys != *count) {
		perr(tv->line, "table \"%s\": cannot mix values and "
		    "key = value pairs", name);
		return (-1);
	}
	for (v = tv; nkeys && v != NULL; v = v->next)
		for (w = v->next; w != NULL; w = w->next)
			if (strcmp(v->key, w->key) == 0) {
				perr(w->line, "table \"%s\": duplicate key "
				    "\"%s\"", name, w->key);
				return (-1);
			}
	*is_map = nkeys != 0;
	return (0);
}

static int
table_path(const char *name, const char **pathp, int line)
{
	const char	*path = *pathp, *p;
	struct stat	 sb;

	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	else {
		for (p = path; isalpha((unsigned char)*p); p++)
			;
		if (*p == ':' && p != path) {
			perr(line, "table \"%s\": unsupported backend "
			    "\"%.*s\": use file: or { ... }", name,
			    (int)(p - path), path);
			return (-1);
		}
	}
	if (path[0] != '/') {
		perr(line, "table \"%s\": \"%s\" is not an absolute path",
		    name, path);
		return (-1);
	}
	if (strlen(path) >= ARG_MAX_CONF) {
		perr(line, "table \"%s\": path too long", name);
		return (-1);
	}
	if (!ps->lx.buffer && stat(path, &sb) == -1) {
		perr(line, "table \"%s\": cannot open \"%s\": %s", name, path,
		    strerror(errno));
		return (-1);
	}
	if (!ps->lx.buffer && !S_ISREG(sb.st_mode)) {
		perr(line, "table \"%s\": \"%s\" is not a regular file", name,
		    path);
		return (-1);
	}
	*pathp = path;
	return (0);
}

static void
add_table(const char *name, const char *path, struct tval *tv, int line)
{
	struct table	*t;
	struct tval	*v;
	size_t		 count = 0, i;
	int		 is_map = 0;

	if (!valid_table_name(name)) {
		perr(line, "invalid table name \"%s\": use up to %d letters, "
		    "digits, \"_\", \"-\" and \".\"", name, NAME_MAX_CONF - 1);
		return;
	}
	if (def_add(K_TABLE, name, line, 0) == -1)
		return;
	if (path != NULL && table_path(name, &path, line) == -1)
		return;
	if (path == NULL && table_check(name, tv, &count, &is_map) == -1)
		return;
	t = xcalloc(1, sizeof(*t));
	(void)strlcpy(t->name, name, sizeof(t->name));
	t->line = line;
	if (path != NULL) {
		t->backend = TABLE_FILE;
		(void)strlcpy(t->path, path, sizeof(t->path));
	} else {
		t->backend = TABLE_STATIC;
		t->is_map = is_map;
		t->count = count;
		t->keys = xcalloc(count, sizeof(char *));
		if (is_map)
			t->values = xcalloc(count, sizeof(char *));
		for (i = 0, v = tv; v != NULL; v = v->next, i++) {
			t->keys[i] = xstrdup(is_map ? v->key : v->val);
			if (is_map)
				t->values[i] = xstrdup(v->val);
		}
	}
	TAILQ_INSERT_TAIL(&ps->cfg->tables, t, entry);
}

static void
listen_port(struct listener *l, const char *s, int line)
{
	const char	*errstr;

	if (l->port != 0) {
		perr(line, "\"port\" given twice");
		return;
	}
	if (strcmp(s, "smtp") == 0)
		l->port = 25;
	else if (strcmp(s, "submission") == 0)
		l->port = 587;
	else if (strcmp(s, "smtps") == 0)
		l->port = 465;
	else {
		l->port = (in_port_t)strtonum(s, 1, 65535, &errstr);
		if (errstr != NULL)
			perr(line, "invalid port \"%s\": expected 1 to 65535, "
			    "\"smtp\", \"submission\" or \"smtps\"", s);
	}
}

static void
listen_str(char *dst, size_t size, const char *what, const char *s,
    int line)
{
	char	 buf[HOST_MAX];

	if (dst[0] != '\0') {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	if (strcmp(what, "hostname") == 0) {
		(void)strlcpy(buf, s, sizeof(buf));
		if (!valid_domain_part(lowercase(buf))) {
			perr(line, "invalid hostname \"%s\"", s);
			return;
		}
		s = buf;
	}
	(void)copy_str(dst, size, s, what, line);
}

/*
 * auth [<table>], auth-optional [<table>]: AUTH offered (and required
 * before MAIL with "auth"), checked against the credentials table or,
 * without one, the system's users (the parent checks /etc/shadow).
 */
static void
listen_auth(struct listener *l, uint32_t flag, const char *table, int line)
{
	const char	*what = flag == LF_AUTH ? "auth" : "auth-optional";

	if (l->flags & (LF_AUTH | LF_AUTH_OPTIONAL)) {
		perr(line, "\"auth\" or \"auth-optional\" given twice");
		return;
	}
	l->flags |= flag;
	if (table == NULL)
		return;
	if (strcmp(table, "localhost") == 0 ||
	    strcmp(table, "localnames") == 0 ||
	    strcmp(table, "getpwnam") == 0) {
		perr(line, "%s <%s>: not a credentials table (\"%s\" alone "
		    "checks the system's users)", what, table, what);
		return;
	}
	if (copy_str(l->authtable, sizeof(l->authtable), table,
	    "credentials table name", line) == 0)
		ref_add(K_TABLE, table, what, 1, line);
}

/*
 * Passwords never cross the network in the clear: on a TCP listener,
 * AUTH needs TLS (STARTTLS or smtps).  The local socket is not on the
 * network.  0, or -1 (reported).
 */
static int
check_listen_auth(int kind, const struct listener *l, int line)
{
	if (!(l->flags & (LF_AUTH | LF_AUTH_OPTIONAL)) || kind == L_SOCKET)
		return (0);
	if (l->flags & (LF_TLS | LF_TLS_REQUIRE | LF_SMTPS))
		return (0);
	perr(line, "auth requires tls, tls-require or smtps");
	return (-1);
}

static void
listen_flag(struct listener *l, uint32_t flag, const char *what, int line)
{
	if (l->flags & flag & ~LF_TLS) {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	if ((flag & LF_SMTPS) && (l->flags & LF_TLS)) {
		perr(line, "\"smtps\" and \"tls\"/\"tls-require\" "
		    "exclude each other: smtps is TLS from the first byte");
		return;
	}
	if ((flag & LF_TLS) && (l->flags & LF_SMTPS)) {
		perr(line, "\"%s\" and \"smtps\" exclude each other: "
		    "smtps is TLS from the first byte", what);
		return;
	}
	l->flags |= flag;
}

static void
listen_pki(struct listener *l, const char *name, int line)
{
	size_t	 i;

	for (i = 0; i < l->npki; i++)
		if (strcmp(l->pki[i], name) == 0) {
			perr(line, "pki \"%s\" given twice", name);
			return;
		}
	if (l->npki == LISTEN_PKI_MAX) {
		perr(line, "too many \"pki\" on one listener (at most %d)",
		    LISTEN_PKI_MAX);
		return;
	}
	if (copy_str(l->pki[l->npki], sizeof(l->pki[0]), name, "pki name",
	    line) == 0)
		l->npki++;
}

static struct pki *
pki_find(const char *name)
{
	struct pki	*p;

	TAILQ_FOREACH(p, &ps->cfg->pkis, entry)
		if (strcmp(p->name, name) == 0)
			return (p);
	return (NULL);
}

/* pki NAME cert FILE / pki NAME key FILE: one entry, two lines. */
static void
add_pki(const char *name, const char *cert, const char *key, int line)
{
	struct pki	*p;
	const char	*path = cert != NULL ? cert : key;
	char		*dst;

	if (*path != '/') {
		perr(line, "pki \"%s\": %s file \"%s\" must be an absolute "
		    "path", name, cert != NULL ? "cert" : "key", path);
		return;
	}
	if ((p = pki_find(name)) == NULL) {
		p = xcalloc(1, sizeof(*p));
		if (copy_str(p->name, sizeof(p->name), name, "pki name",
		    line) == -1) {
			free(p);
			return;
		}
		p->line = line;
		TAILQ_INSERT_TAIL(&ps->cfg->pkis, p, entry);
	}
	dst = cert != NULL ? p->cert : p->key;
	if (*dst != '\0') {
		perr(line, "pki \"%s\": %s given twice", name,
		    cert != NULL ? "cert" : "key");
		return;
	}
	if (strlcpy(dst, path, PATH_MAX) >= PATH_MAX)
		perr(line, "pki \"%s\": path too long", name);
}

static void
add_ca(const char *name, const char *cert, int line)
{
	struct ca	*c;

	TAILQ_FOREACH(c, &ps->cfg->cas, entry)
		if (strcmp(c->name, name) == 0) {
			perr(line, "ca \"%s\" defined twice (first at line "
			    "%d)", name, c->line);
			return;
		}
	if (*cert != '/') {
		perr(line, "ca \"%s\": cert file \"%s\" must be an absolute "
		    "path", name, cert);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	if (copy_str(c->name, sizeof(c->name), name, "ca name", line) == -1 ||
	    copy_str(c->cert, sizeof(c->cert), cert, "ca cert", line) == -1) {
		free(c);
		return;
	}
	c->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->cas, c, entry);
}

/*
 * After the whole file: every pki has both files, every TLS listener has
 * a certificate (its pki names, else the pki named like its hostname or
 * the only one), its CA exists, its ciphers and protocols parse.
 */
static void
check_tls(void)
{
	struct pki	*p;
	struct listener	*l;
	struct action	*a;

	TAILQ_FOREACH(p, &ps->cfg->pkis, entry)
		if (p->cert[0] == '\0' || p->key[0] == '\0')
			perr(p->line, "pki \"%s\" needs both \"pki %s cert "
			    "FILE\" and \"pki %s key FILE\"", p->name,
			    p->name, p->name);
	TAILQ_FOREACH(l, &ps->cfg->listeners, entry)
		(void)check_tls_listener(l);
	TAILQ_FOREACH(a, &ps->cfg->actions, entry) {
		if (a->method != A_RELAY || a->relay.pki[0] == '\0')
			continue;
		TAILQ_FOREACH(p, &ps->cfg->pkis, entry)
			if (strcmp(p->name, a->relay.pki) == 0)
				break;
		if (p == NULL)
			perr(a->line, "action \"%s\": undefined pki \"%s\"",
			    a->name, a->relay.pki);
	}
}

static int
check_tls_listener(struct listener *l)
{
	struct tls_config	*tc;
	struct ca		*c;
	struct pki		*p;
	uint32_t		 protos;
	size_t			 i, n = 0;
	const char		*name;
	int			 tls = l->flags & (LF_TLS | LF_SMTPS);

	if (!tls) {
		if (l->npki || l->ca[0] || l->ciphers[0] || l->protocols[0]) {
			perr(l->line, "pki, ca, ciphers and protocols need "
			    "\"tls\", \"tls-require\" or \"smtps\"");
			return (-1);
		}
		return (0);
	}
	if (l->kind == L_SOCKET) {
		perr(l->line, "listen on socket does not take TLS options: "
		    "the local socket is not on the network");
		return (-1);
	}
	if (l->npki == 0) {
		name = l->hostname[0] ? l->hostname : ps->cfg->hostname;
		TAILQ_FOREACH(p, &ps->cfg->pkis, entry)
			n++;
		if ((p = pki_find(name)) == NULL && n == 1)
			p = TAILQ_FIRST(&ps->cfg->pkis);
		if (p == NULL) {
			perr(l->line, "TLS listener needs a certificate: add "
			    "\"pki NAME\" (%zu pki defined%s%s)", n,
			    n ? ", none named " : "", n ? name : "");
			return (-1);
		}
		(void)strlcpy(l->pki[0], p->name, sizeof(l->pki[0]));
		l->npki = 1;
	}
	for (i = 0; i < l->npki; i++)
		if (pki_find(l->pki[i]) == NULL) {
			perr(l->line, "undefined pki \"%s\"", l->pki[i]);
			return (-1);
		}
	if (l->ca[0] != '\0') {
		TAILQ_FOREACH(c, &ps->cfg->cas, entry)
			if (strcmp(c->name, l->ca) == 0)
				break;
		if (c == NULL) {
			perr(l->line, "undefined ca \"%s\"", l->ca);
			return (-1);
		}
	} else if (l->flags & LF_TLS_VERIFY) {
		perr(l->line, "\"verify\" needs \"ca NAME\": the CA that "
		    "signs client certificates");
		return (-1);
	}
	if (l->protocols[0] != '\0' &&
	    tls_config_parse_protocols(&protos, l->protocols) == -1) {
		perr(l->line, "invalid protocols \"%s\": expected e.g. "
		    "\"tlsv1.2,tlsv1.3\" or \"secure\"", l->protocols);
		return (-1);
	}
	if (l->ciphers[0] != '\0') {
		if ((tc = tls_config_new()) == NULL)
			fatalx("tls_config_new");
		if (tls_config_set_ciphers(tc, l->ciphers) == -1) {
			perr(l->line, "invalid ciphers \"%s\": %s",
			    l->ciphers, tls_config_error(tc));
			tls_config_free(tc);
			return (-1);
		}
		tls_config_free(tc);
	}
	return (0);
}

static void
add_listener(int kind, const char *on, struct listener *l, int line)
{
	struct listener	*x;

	if (check_listen_auth(kind, l, line) == -1 ||
	    check_listen_mailauth(kind, l, line) == -1)
		return;
	if (kind == L_SOCKET && l->port != 0) {
		perr(line, "listen on socket does not take a port");
		return;
	}
	if (kind == L_INET) {
		if (copy_str(l->on, sizeof(l->on), on, "listen address",
		    line) == -1)
			return;
		if (l->port == 0)
			l->port = (l->flags & LF_SMTPS) ? 465 : 25;
	}
	TAILQ_FOREACH(x, &ps->cfg->listeners, entry) {
		if (x->kind != kind)
			continue;
		if (kind == L_SOCKET) {
			perr(line, "duplicate \"listen on socket\" (first at "
			    "line %d)", x->line);
			return;
		}
		if (strcmp(x->on, l->on) == 0 && x->port == l->port) {
			perr(line, "duplicate listener on \"%s\" port %d "
			    "(first at line %d)", l->on, l->port, x->line);
			return;
		}
	}
	x = xmalloc(sizeof(*x));
	*x = *l;
	x->kind = kind;
	x->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->listeners, x, entry);
}

static struct action *
action_method(enum action_method m, const char *arg, int line)
{
	static const char *what[] = {
		"mbox path", "maildir path", "lmtp destination",
		"mda command", "", "", ""
	};
	struct action	*a;

	a = palloc(sizeof(*a));
	a->method = m;
	if (arg != NULL) {
		if (copy_str(a->arg, sizeof(a->arg), arg, what[m],
		    line) == 0)
			action_check_arg(a, what[m], line);
	} else if (m == A_MBOX)
		(void)strlcpy(a->arg, SMTPD_MAILDIR "/%{user.username}",
		    sizeof(a->arg));
	else if (m == A_MAILDIR)
		(void)strlcpy(a->arg, "~/Maildir", sizeof(a->arg));
	return (a);
}

/*
 * A path or command that cannot work for any recipient is an
 * error here; one that fails only for some users is refused at RCPT
 * (lka/expand.c runs the same mda_mailbox_path()).
 */
static void
action_check_arg(const struct action *a, const char *what, int line)
{
	char		 buf[PATH_MAX];
	const char	*why, *p;

	switch (a->method) {
	case A_MBOX:
	case A_MAILDIR:
		if (mda_mailbox_path(buf, sizeof(buf), a->method, a->arg,
		    NULL, &why) == -1)
			perr(line, "%s \"%s\" %s", what, a->arg, why);
		break;
	case A_MDA:
		if (mda_expand(buf, sizeof(buf), a->arg, NULL, 1) == -1)
			perr(line, "%s \"%s\" cannot be expanded (unknown "
			    "%%{...} variable or modifier, bad slice, :raw, or "
			    "too long)", what, a->arg);
		break;
	case A_LMTP:
		p = strncmp(a->arg, "unix:", 5) == 0 ? a->arg + 5 : NULL;
		if ((p != NULL && p[0] != '/') ||
		    (p == NULL && a->arg[0] != '/' && strchr(a->arg, '/')))
			perr(line, "%s \"%s\" must be an absolute socket "
			    "path, unix:/path or host:port", what, a->arg);
		break;
	default:
		break;
	}
}

static void
action_table(struct action *a, char *dst, size_t size, const char *what,
    const char *name, int line)
{
	if (dst[0] != '\0') {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	(void)strlcpy(dst, name, size);
	ref_add(K_TABLE, name, what, 1, line);
}

static void
action_user(struct action *a, const char *user, int line)
{
	if (a->user[0] != '\0') {
		perr(line, "\"user\" given twice");
		return;
	}
	(void)copy_str(a->user, sizeof(a->user), user, "user", line);
}

static void
action_allow(struct action *a, uint32_t flag, const char *what, int line)
{
	if (a->flags & flag)
		perr(line, "\"allow %s\" given twice", what);
	a->flags |= flag;
}

static void
add_action(const char *name, struct action *a, int line)
{
	struct action	*x;

	if (copy_str(a->name, sizeof(a->name), name, "action name",
	    line) == -1 || def_add(K_ACTION, name, line, 0) == -1)
		return;
	if (a->alias[0] != '\0' && a->virtual[0] != '\0')
		perr(line, "action \"%s\": \"alias\" and \"virtual\" are "
		    "mutually exclusive", name);
	if (a->method == A_MBOX && a->user[0] != '\0')
		perr(line, "action \"%s\": \"user\" cannot be used with mbox, "
		    "which delivers as the recipient", name);
	if ((a->method == A_EXPAND_ONLY || a->method == A_FORWARD_ONLY) &&
	    a->alias[0] == '\0' && a->virtual[0] == '\0')
		perr(line, "action \"%s\": %s needs \"alias\" or \"virtual\"",
		    name, a->method == A_EXPAND_ONLY ? "expand-only" :
		    "forward-only");
	if (a->method == A_RELAY && (a->alias[0] != '\0' ||
	    a->virtual[0] != '\0' || a->userbase[0] != '\0' ||
	    a->user[0] != '\0' || a->flags != 0))
		perr(line, "action \"%s\": relay takes no \"alias\", "
		    "\"virtual\", \"userbase\", \"user\" or \"allow\"", name);
	if (a->method == A_RELAY)
		check_relay_action(a, line);
	x = xmalloc(sizeof(*x));
	*x = *a;
	x->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->actions, x, entry);
}

static int
valid_netaddr(const char *s)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	unsigned char	 addr[sizeof(struct in6_addr)];
	const char	*errstr;
	char		*slash;
	int		 af;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return (0);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		af = AF_INET6;
	else
		return (0);
	if (slash != NULL) {
		(void)strtonum(slash, 0, af == AF_INET ? 32 : 128, &errstr);
		if (errstr != NULL)
			return (0);
	}
	return (1);
}

static struct rule_cond *
cond_new(enum cond_kind kind, const char *table, const char *value,
    int line)
{
	static const char *what[] = {
		"", "", "", "", "from src", "from mail-from", "for domain",
		"for rcpt-to", "auth"
	};
	struct rule_cond	*c;
	char			 buf[HOST_MAX];

	c = palloc(sizeof(*c));
	c->kind = kind;
	if (table != NULL) {
		(void)strlcpy(c->table, table, sizeof(c->table));
		ref_add(K_TABLE, table, what[kind], 0, line);
	} else if (value != NULL) {
		if (kind == C_SRC && !valid_netaddr(value)) {
			perr(line, "invalid address \"%s\" after \"src\": "
			    "expected an IP address or network", value);
			return (c);
		}
		if (kind == C_DOMAIN) {
			(void)strlcpy(buf, value, sizeof(buf));
			value = lowercase(buf);
		}
		(void)copy_str(c->value, sizeof(c->value), value, what[kind],
		    line);
	}
	return (c);
}

static void
rule_cond(struct rule *r, struct rule_cond *c, int neg, const char *what,
    int line)
{
	struct rule_cond	*dst;

	if (strcmp(what, "from") == 0)
		dst = &r->from;
	else if (strcmp(what, "auth") == 0)
		dst = &r->auth;
	else
		dst = &r->dest;
	if (dst->kind != C_NONE) {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	*dst = *c;
	dst->neg = neg;
}

static void
rule_tag(struct rule *r, int neg, const char *tag, int line)
{
	if (r->tag[0] != '\0') {
		perr(line, "\"tag\" given twice");
		return;
	}
	if (copy_str(r->tag, sizeof(r->tag), tag, "tag", line) == 0)
		r->tag_neg = neg;
}

static int
rule_catchall(const struct rule *r)
{
	return (r->from.kind == C_ANY && !r->from.neg &&
	    r->dest.kind == C_ANY && !r->dest.neg && r->tag[0] == '\0' &&
	    r->auth.kind == C_NONE);
}

static void
add_rule(struct rule *r, const char *action, int unsafe_open, int line)
{
	struct rule	*x;
	struct ref	*ref = NULL;

	if (r->from.kind == C_NONE)
		r->from.kind = C_LOCAL;
	if (r->dest.kind == C_NONE)
		r->dest.kind = C_LOCAL;
	r->unsafe_open = unsafe_open;
	if (action == NULL)
		r->reject = 1;
	else if (copy_str(r->action, sizeof(r->action), action,
	    "action name", line) == 0)
		ref = ref_add(K_ACTION, action, "match", 0, line);
	TAILQ_FOREACH(x, &ps->cfg->rules, entry)
		if (rule_catchall(x)) {
			pwarn_at(lex_filename(), line, "rule is unreachable: "
			    "the rule at line %d matches all mail", x->line);
			break;
		}
	x = xmalloc(sizeof(*x));
	*x = *r;
	x->line = line;
	TAILQ_INSERT_TAIL(&ps->cfg->rules, x, entry);
	if (ref != NULL)
		ref->rule = x;
}

/* senders <table> [masquerade]: user -> the MAIL FROM it may use */
static void
listen_senders(struct listener *l, const char *table, int masquerade,
    int line)
{
	if (l->senders[0] != '\0') {
		perr(line, "\"senders\" given twice");
		return;
	}
	(void)strlcpy(l->senders, table, sizeof(l->senders));
	ref_add(K_TABLE, table, "senders", 1, line);
	if (masquerade)
		l->flags |= LF_MASQUERADE;
}

static void
action_relay(struct action *a, const char *url, int line)
{
	const char	*why;

	if (relayhost_parse(&a->relay.host, url, &why) == -1)
		perr(line, "invalid relay host \"%s\": %s", url, why);
}

/* 1 if a relays, else 0 and an error naming the option. */
static int
relay_only(struct action *a, const char *what, int line)
{
	if (a->method == A_RELAY)
		return (1);
	perr(line, "\"%s\" is an option of relay actions only", what);
	return (0);
}

static void
relay_flag(struct action *a, uint32_t flag, const char *what, int line)
{
	if (!relay_only(a, what, line))
		return;
	if (a->relay.flags & flag & ~RO_VERIFY)
		perr(line, "\"%s\" given twice", what);
	a->relay.flags |= flag;
}

static void
relay_str(struct action *a, char *dst, size_t size, const char *what,
    const char *value, int line)
{
	if (!relay_only(a, what, line))
		return;
	if (dst[0] != '\0') {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	(void)copy_str(dst, size, value, what, line);
}

static void
relay_table(struct action *a, char *dst, size_t size, const char *what,
    const char *name, int line)
{
	if (!relay_only(a, what, line))
		return;
	if (dst[0] != '\0') {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	if (copy_str(dst, size, name, what, line) == 0)
		ref_add(K_TABLE, name, what, strcmp(what, "auth") == 0 ||
		    strcmp(what, "domain") == 0, line);
}

/*
 * A relay action's options together: credentials go only over TLS and
 * need a label in the host URL; TLS options need a scheme that can do
 * TLS; "backup" and "domain" are for MX delivery.
 */
static void
check_relay_action(struct action *a, int line)
{
	struct relay_opts	*ro = &a->relay;
	const struct relayhost	*rh = &ro->host;
	int			 smarthost = rh->host[0] != '\0';
	unsigned char		 buf[sizeof(struct in6_addr)];
	char			*at;
	char			 src[sizeof(ro->src)];

	if (ro->auth[0] != '\0') {
		if (!smarthost)
			perr(line, "relay \"auth\" needs \"host URL\": "
			    "credentials go to a smarthost, never by MX");
		else if (rh->label[0] == '\0')
			perr(line, "relay \"auth <%s>\" needs a label in the "
			    "host URL (smtp+tls://LABEL@host): the key of the "
			    "credentials in the table", ro->auth);
		else if (rh->proto == RP_SMTP_NOTLS || rh->proto == RP_LMTP)
			perr(line, "relay \"auth\" with %s: credentials are "
			    "only sent over TLS", rh->proto == RP_LMTP ?
			    "lmtp://" : "smtp+notls://");
		/*
		 * credentials go only to the host named: TLS required and
		 * its certificate verified, unless "tls no-verify" says
		 * otherwise
		 */
		else if (!(ro->flags & RO_TLS))
			ro->flags |= RO_TLS | RO_VERIFY;
	} else if (rh->label[0] != '\0')
		perr(line, "relay host label \"%s@\" without \"auth "
		    "<table>\"", rh->label);
	if ((ro->flags & RO_TLS) &&
	    (rh->proto == RP_SMTP_NOTLS || rh->proto == RP_LMTP))
		perr(line, "relay \"tls\" with %s, which never uses TLS",
		    rh->proto == RP_LMTP ? "lmtp://" : "smtp+notls://");
	if (ro->pki[0] != '\0' && (rh->proto == RP_SMTP_NOTLS ||
	    rh->proto == RP_LMTP))
		perr(line, "relay \"pki\" (a client certificate) with a "
		    "scheme that never uses TLS");
	if (smarthost && (ro->flags & RO_BACKUP))
		perr(line, "relay \"backup\" is for MX delivery, not with "
		    "\"host\"");
	if (smarthost && ro->domain[0] != '\0')
		perr(line, "relay \"domain <%s>\" and \"host\" are mutually "
		    "exclusive", ro->domain);
	if (ro->backup[0] != '\0' && !valid_domain_part(lowercase(
	    ro->backup)))
		perr(line, "invalid backup MX name \"%s\"", ro->backup);
	if (ro->helo[0] != '\0' && !valid_domain_part(lowercase(
	    ro->helo)))
		perr(line, "invalid helo name \"%s\"", ro->helo);
	if (ro->src[0] != '\0' && !(ro->flags & RO_SRC_TABLE)) {
		(void)strlcpy(src, ro->src, sizeof(src));
		if ((at = strchr(src, '%')) != NULL)
			*at = '\0';
		if (inet_pton(AF_INET, src, buf) != 1 &&
		    inet_pton(AF_INET6, src, buf) != 1)
			perr(line, "relay \"src %s\": expected an IPv4 or "
			    "IPv6 address", ro->src);
	}
}

/* An ASCII DNS name (labels of letters, digits, "-", at most 63). */
static int
valid_dns_ascii(const char *s)
{
	size_t	 n = 0;

	if (!valid_domain_part(s))
		return (0);
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return (0);
		n = *s == '.' ? 0 : n + 1;
		if (n > 63)
			return (0);
	}
	return (1);
}

/*
 * "dkim DOMAIN selector SELECTOR key PATH": one signing key.  Names are
 * lower-cased ASCII DNS names; several selectors per domain (one RSA,
 * one Ed25519 key, or a rollover), each domain+selector once.  The key
 * file is checked by the parent (parent_dkim.c), not here: the children
 * parse this statement again and cannot see the file.
 */
static void
add_dkim(const char *domain, const char *selector, const char *key,
    int line)
{
	struct smtpd_config	*cfg = ps->cfg;
	struct dkim_conf	*d;
	char			 dom[HOST_MAX], sel[HOST_MAX];
	size_t			 i;

	if (strlcpy(dom, domain, sizeof(dom)) >= sizeof(dom) ||
	    !valid_dns_ascii(lowercase(dom))) {
		perr(line, "dkim: invalid domain \"%s\": expected an ASCII "
		    "domain name", domain);
		return;
	}
	if (strlcpy(sel, selector, sizeof(sel)) >= sizeof(sel) ||
	    !valid_dns_ascii(lowercase(sel))) {
		perr(line, "dkim %s: invalid selector \"%s\": expected "
		    "letters, digits and \"-\" (labels separated by \".\")",
		    dom, selector);
		return;
	}
	if (*key != '/') {
		perr(line, "dkim %s selector %s: key file \"%s\" must be an "
		    "absolute path", dom, sel, key);
		return;
	}
	for (i = 0; i < cfg->ndkim; i++)
		if (strcmp(cfg->dkim[i].domain, dom) == 0 &&
		    strcmp(cfg->dkim[i].selector, sel) == 0) {
			perr(line, "dkim %s selector %s given twice (first "
			    "at line %d)", dom, sel, cfg->dkim[i].line);
			return;
		}
	if (cfg->ndkim == DKIM_CONF_MAX) {
		perr(line, "too many \"dkim\" keys (at most %d)",
		    DKIM_CONF_MAX);
		return;
	}
	d = &cfg->dkim[cfg->ndkim];
	memset(d, 0, sizeof(*d));
	if (strlcpy(d->keyfile, key, sizeof(d->keyfile)) >=
	    sizeof(d->keyfile)) {
		perr(line, "dkim %s selector %s: key path too long", dom,
		    sel);
		return;
	}
	(void)strlcpy(d->domain, dom, sizeof(d->domain));
	(void)strlcpy(d->selector, sel, sizeof(d->selector));
	d->line = line;
	cfg->ndkim++;
}

/* "authserv-id NAME": the name in our Authentication-Results fields. */
static void
set_authserv_id(const char *name, int line)
{
	char	 buf[HOST_MAX];

	if (gopt_seen(G_AUTHSERVID, line))
		return;
	if (strlcpy(buf, name, sizeof(buf)) >= sizeof(buf) ||
	    !valid_dns_ascii(lowercase(buf))) {
		perr(line, "invalid authserv-id \"%s\": expected an ASCII "
		    "host name", name);
		return;
	}
	(void)strlcpy(ps->cfg->authserv_id, buf,
	    sizeof(ps->cfg->authserv_id));
}

/*
 * mail-auth, dmarc-policy, spf-reject: the checks of what arrives; the
 * last two imply mail-auth, which may be given with them or not.
 */
static void
listen_mailauth(struct listener *l, uint32_t flag, const char *what,
    int line)
{
	if (l->flags & flag & ~LF_MAILAUTH ||
	    (flag == LF_MAILAUTH && (l->flags & LF_MAILAUTH) &&
	    !(l->flags & (LF_DMARC_POLICY | LF_SPF_REJECT)))) {
		perr(line, "\"%s\" given twice", what);
		return;
	}
	l->flags |= flag;
}

/*
 * The checks are for mail from the network: the local socket (sendmail,
 * local users) has no SPF or DMARC to check.  0, or -1 (reported).
 */
static int
check_listen_mailauth(int kind, const struct listener *l, int line)
{
	if (!(l->flags & LF_MAILAUTH))
		return (0);
	if (kind == L_SOCKET) {
		perr(line, "listen on socket does not take mail-auth, "
		    "dmarc-policy or spf-reject: local submissions are not "
		    "checked");
		return (-1);
	}
	if (l->flags & LF_AUTH)
		pwarn_at(lex_filename(), line, "mail-auth has no effect on "
		    "a listener that requires auth: authenticated sessions "
		    "are not checked");
	return (0);
}

/* "resolver ADDR[@PORT]": an address, not a name (no DNS to find it). */
static void
add_resolver(const char *spec, int line)
{
	struct smtpd_config	*cfg = ps->cfg;
	unsigned char		 buf[sizeof(struct in6_addr)];
	char			 addr[ADDRTEXT_MAX], *port;
	const char		*errstr;

	if (cfg->nresolvers == RESOLVER_MAX) {
		perr(line, "too many \"resolver\" (at most %d)",
		    RESOLVER_MAX);
		return;
	}
	if (strlcpy(addr, spec, sizeof(addr)) >= sizeof(addr)) {
		perr(line, "resolver \"%s\": too long", spec);
		return;
	}
	if ((port = strchr(addr, '@')) != NULL) {
		*port++ = '\0';
		(void)strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL) {
			perr(line, "resolver \"%s\": invalid port after "
			    "\"@\": expected 1 to 65535", spec);
			return;
		}
	}
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1) {
		perr(line, "resolver \"%s\": expected an IPv4 or IPv6 "
		    "address, optionally followed by @PORT", spec);
		return;
	}
	(void)strlcpy(cfg->resolvers[cfg->nresolvers++], spec,
	    sizeof(cfg->resolvers[0]));
}

/*
 * "bounce warn-interval D[, D...]": delay notices after each duration,
 * ascending; they replace the default.  Given twice: reported, the
 * second list ignored.
 */
static int	bounce_warn_skip;

static void
bounce_warn_begin(int line)
{
	bounce_warn_skip = gopt_seen(G_BOUNCE_WARN, line);
	if (!bounce_warn_skip)
		memset(ps->cfg->bounce_warn, 0, sizeof(ps->cfg->bounce_warn));
}

static void
add_bounce_warn(const char *s, int line)
{
	struct smtpd_config	*cfg = ps->cfg;
	time_t			 t;
	size_t			 n;

	if (bounce_warn_skip)
		return;
	for (n = 0; n < BOUNCE_WARN_MAX && cfg->bounce_warn[n] != 0; n++)
		;
	if (text_to_duration(s, &t) == -1 || t <= 0) {
		perr(line, "invalid duration \"%s\" for \"bounce "
		    "warn-interval\": expected a number with an optional s, "
		    "m, h or d suffix", s);
		return;
	}
	if (n == BOUNCE_WARN_MAX) {
		perr(line, "\"bounce warn-interval\": at most %d delays",
		    BOUNCE_WARN_MAX);
		return;
	}
	if (n > 0 && t <= cfg->bounce_warn[n - 1]) {
		perr(line, "\"bounce warn-interval\": delays must be "
		    "ascending");
		return;
	}
	cfg->bounce_warn[n] = t;
}

/*
 * End of input: references, defaults.
 */

static void
check_references(void)
{
	struct ref	*r;
	struct def	*d;
	struct table	*t;

	for (r = ps->refs; r != NULL; r = r->next) {
		if ((d = def_find(r->kind, r->name)) == NULL) {
			/* built in, provided by lka */
			if (r->kind == K_TABLE &&
			    (strcmp(r->name, "localhost") == 0 ||
			    strcmp(r->name, "localnames") == 0 ||
			    strcmp(r->name, "getpwnam") == 0))
				continue;
			if (r->kind == K_TABLE)
				perr_at(r->file, r->line, "undefined table "
				    "<%s>", r->name);
			else
				perr_at(r->file, r->line, "undefined action "
				    "\"%s\"", r->name);
			continue;
		}
		if (r->kind != K_TABLE || !r->need_map ||
		    (t = config_table(ps->cfg, r->name)) == NULL)
			continue;
		if (t->backend == TABLE_STATIC && !t->is_map)
			perr_at(r->file, r->line, "table <%s> is a list, but "
			    "\"%s\" needs key = value pairs", r->name,
			    r->what);
	}
	for (d = ps->defs; d != NULL; d = d->next) {
		if (d->kind != K_ACTION || d->broken)
			continue;
		for (r = ps->refs; r != NULL; r = r->next)
			if (r->kind == K_ACTION &&
			    strcmp(r->name, d->name) == 0)
				break;
		if (r == NULL)
			pwarn_at(d->file, d->line, "action \"%s\" is never "
			    "used", d->name);
	}
}

/*
 * "from src <name>" of a relay rule: NULL if every network of the table is
 * narrower than the whole Internet (relay_net_wide()), else why not.  The
 * children (parse_config_buffer) cannot read file tables: the parent has
 * judged them already.
 */
static const char *
check_src_table(const char *name)
{
	static char		 why[NAME_MAX_CONF + 96];
	const struct table	*t;
	struct table_db		*db = NULL;
	const char		*key, *bad = NULL;
	char			 err[ERRLINE_MAX];
	size_t			 i;

	if ((t = config_table(ps->cfg, name)) == NULL ||
	    (t->backend == TABLE_FILE && ps->lx.buffer))
		return (NULL);
	if (t->backend == TABLE_FILE &&
	    (db = table_file_load(t->name, t->path, err, sizeof(err))) == NULL) {
		(void)snprintf(why, sizeof(why), "\"from src <%s>\", a table "
		    "that cannot be read", name);
		return (why);
	}
	for (i = 0; bad == NULL; i++) {
		if (db != NULL && table_db_entry(db, i, &key, NULL) != 1)
			break;
		if (db == NULL && i >= t->count)
			break;
		if (db == NULL)
			key = t->keys[i];
		if (relay_net_wide(key) == 1)
			bad = key;
	}
	if (bad != NULL)
		(void)snprintf(why, sizeof(why), "\"from src <%s>\" whose "
		    "network %.40s holds the whole Internet", name, bad);
	table_db_free(db);
	return (bad != NULL ? why : NULL);
}

/*
 * Never an open relay by accident: a rule whose action relays must
 * restrict the destination or the origin (smtpd/relay.c), or say
 * "unsafe-open-relay".
 */
static void
check_open_relays(void)
{
	const struct ref	*ref;
	const struct rule	*r;
	const struct action	*a;
	const char		*why;

	for (ref = ps->refs; ref != NULL; ref = ref->next) {
		if ((r = ref->rule) == NULL ||
		    (a = config_action(ps->cfg, r->action)) == NULL)
			continue;
		if (a->method != A_RELAY) {
			if (r->unsafe_open)
				pwarn_at(ref->file, ref->line, "\"unsafe-open-"
				    "relay\" has no effect: action \"%s\" does "
				    "not relay", a->name);
			continue;
		}
		why = relay_rule_open(r, check_src_table);
		if (why == NULL && r->unsafe_open)
			pwarn_at(ref->file, ref->line, "\"unsafe-open-relay\" "
			    "is not needed: this rule restricts the origin or "
			    "the destination");
		else if (why != NULL && !r->unsafe_open)
			perr_at(ref->file, ref->line, "open relay refused: "
			    "this rule relays mail from anyone (%s) to any "
			    "destination; restrict the origin (from local, "
			    "from auth, from src <networks>, auth) or the "
			    "destination (for domain), or end the rule with "
			    "\"unsafe-open-relay\" if an open relay is really "
			    "meant", why);
	}
}

static void
check_rules(void)
{
	struct smtpd_config	*cfg = ps->cfg;
	enum gopt		 o;
	char			 min[32];

	if (cfg->retry_min <= cfg->retry_max)
		return;
	o = ps->seen[G_RETRY_MIN] > ps->seen[G_RETRY_MAX] ? G_RETRY_MIN :
	    G_RETRY_MAX;
	(void)strlcpy(min, duration_to_text(cfg->retry_min), sizeof(min));
	perr_at(ps->seen_file[o], ps->seen[o], "queue retry min %s is "
	    "greater than max %s", min, duration_to_text(cfg->retry_max));
}

static void
default_hostname(char *buf, size_t size)
{
	char	 line[HOST_MAX];
	FILE	*fp;

	buf[0] = '\0';
	if ((fp = fopen(SMTPD_MAILNAME, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL) {
			line[strcspn(line, " \t\r\n")] = '\0';
			if (valid_domain_part(lowercase(line)))
				(void)strlcpy(buf, line, size);
		}
		fclose(fp);
	}
	if (buf[0] == '\0')
		default_fqdn(buf, size);
	if (buf[0] == '\0')
		(void)strlcpy(buf, "localhost", size);
}

/*
 * (pkg) The host's FQDN, as "hostname --fqdn" gives it: gethostname(),
 * canonicalised by the resolver (/etc/hosts first) when it has no dot.
 */
static void
default_fqdn(char *buf, size_t size)
{
	struct addrinfo	 hints, *res;
	char		 line[HOST_MAX];

	if (gethostname(line, sizeof(line)) != 0)
		return;
	line[sizeof(line) - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_CANONNAME;
	if (strchr(line, '.') == NULL &&
	    getaddrinfo(line, NULL, &hints, &res) == 0) {
		if (res->ai_canonname != NULL &&
		    strchr(res->ai_canonname, '.') != NULL &&
		    strlen(res->ai_canonname) < sizeof(line))
			(void)strlcpy(line, res->ai_canonname, sizeof(line));
		freeaddrinfo(res);
	}
	(void)strlcpy(buf, lowercase(line), size);
}

static void
config_defaults(struct smtpd_config *cfg)
{
	struct listener	*l;
	uint32_t	 i = 0;

	if (cfg->hostname[0] == '\0')
		default_hostname(cfg->hostname, sizeof(cfg->hostname));
	TAILQ_FOREACH(l, &cfg->listeners, entry)
		if (l->kind == L_SOCKET)
			break;
	if (l == NULL) {
		l = xcalloc(1, sizeof(*l));
		l->kind = L_SOCKET;
		TAILQ_INSERT_TAIL(&cfg->listeners, l, entry);
	}
	TAILQ_FOREACH(l, &cfg->listeners, entry)
		l->index = i++;
}

/*
 * Entry points.
 */

/* The shared lexer (common/lex.c), its value into this grammar's yylval. */
int
yylex(void)
{
	int	 tok;

	tok = lex_next();
	yylval.v.string = lexval.string;
	yylval.lineno = lexval.lineno;
	return (tok);
}

static void
parse_begin(struct parse *p, int buffer, int verbose)
{
	memset(p, 0, sizeof(*p));
	p->defs_tail = &p->defs;
	p->refs_tail = &p->refs;
	p->lx.buffer = buffer;
	p->lx.verbose = verbose;
	p->cfg = config_new();
	ps = p;
	lex_begin(&p->lx, &parse_grammar);
}

static void
parse_end(void)
{
	lex_end();
	ps = NULL;
}

static int
parse_run(struct smtpd_config *cfg)
{
	(void)yyparse();
	if (!ps->lx.stop && ps->lx.errors == 0)
		check_rules();
	if (!ps->lx.stop) {
		check_references();
		check_open_relays();
		config_defaults(cfg);
		check_tls();
	}
	diags_flush();
	return (ps->lx.errors == 0 ? 0 : -1);
}

struct smtpd_config *
parse_config(const char *path, int verbose)
{
	struct parse		 p;
	struct smtpd_config	*cfg;

	parse_begin(&p, 0, verbose);
	cfg = p.cfg;
	if (lex_open(path) == -1) {
		parse_end();
		config_free(cfg);
		return (NULL);
	}
	if (parse_run(cfg) == -1) {
		config_free(cfg);
		cfg = NULL;
	}
	parse_end();
	return (cfg);
}

struct smtpd_config *
parse_config_buffer(const char *buf, size_t len)
{
	struct parse		 p;
	struct smtpd_config	*cfg;

	parse_begin(&p, 1, 0);
	cfg = p.cfg;
	lex_open_buffer(buf, len);
	if (parse_run(cfg) == -1) {
		config_free(cfg);
		cfg = NULL;
	}
	parse_end();
	return (cfg);
}
