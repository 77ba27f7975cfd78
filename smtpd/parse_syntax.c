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
 * parse_syntax.c -- what the smtpd.conf(5) grammar gives the lexer
 * (parse_lex.c): its keywords and token numbers, and its syntax errors,
 * which name the offending token and what was expected after the
 * previous one, from the tokens of the statement read so far.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "smtpd.h"
#include "parse_lex.h"

static const char *hint(void);
static const char *hint_listen(int, size_t);
static const char *hint_action(int, size_t);
static const char *hint_match(int, size_t);
static const char *hint_table(int, size_t);
static const char *hint_global(int, int, size_t);

static struct lex_state	*ps;	/* set by yyerror() */

/* Sorted: bsearch(3). */
static const struct lex_keyword parse_keywords[] = {
	{ "action",		ACTION },
	{ "alias",		ALIAS },
	{ "allow",		ALLOW },
	{ "any",		ANY },
	{ "auth",		AUTH },
	{ "auth-optional",	AUTHOPTIONAL },
	{ "authserv-id",	AUTHSERVID },
	{ "backup",		BACKUP },
	{ "bounce",		BOUNCE },
	{ "ca",			CA },
	{ "cert",		CERT },
	{ "ciphers",		CIPHERS },
	{ "dkim",		DKIM },
	{ "dmarc-policy",	DMARCPOLICY },
	{ "dnssec",		DNSSEC },
	{ "domain",		DOMAIN },
	{ "expand-only",	EXPANDONLY },
	{ "file",		FILE_ },
	{ "for",		FOR },
	{ "forward-only",	FORWARDONLY },
	{ "from",		FROM },
	{ "helo",		HELO },
	{ "hostname",		HOSTNAME },
	{ "include",		INCLUDE },
	{ "key",		KEY },
	{ "limit",		LIMIT },
	{ "listen",		LISTEN },
	{ "lmtp",		LMTP },
	{ "local",		LOCAL },
	{ "mail-auth",		MAILAUTH },
	{ "mail-from",		MAILFROM },
	{ "maildir",		MAILDIR },
	{ "masquerade",		MASQUERADE },
	{ "match",		MATCH },
	{ "max",		MAX },
	{ "max-commands",	MAXCMDS },
	{ "max-connections",	MAXCONN },
	{ "max-connections-per-host", MAXCONNHOST },
	{ "max-errors",		MAXERRORS },
	{ "max-line-length",	MAXLINE },
	{ "max-mails",		MAXMAILS },
	{ "max-message-size",	MAXMSGSIZE },
	{ "max-messages-per-connection", MAXMSGSCONN },
	{ "max-rcpt",		MAXRCPT },
	{ "max-sessions",	MAXSESSIONS },
	{ "max-sessions-local",	MAXSESSLOCAL },
	{ "max-sessions-per-address", MAXSESSADDR },
	{ "mbox",		MBOX },
	{ "mda",		MDA },
	{ "min",		MIN },
	{ "min-free",		MINFREE },
	{ "min-free-inodes",	MINFREEINODES },
	{ "mta",		MTA },
	{ "no-verify",		NOVERIFY },
	{ "on",			ON },
	{ "path",		PATH },
	{ "pipe",		PIPE },
	{ "pki",		PKI },
	{ "port",		PORT },
	{ "protocols",		PROTOCOLS },
	{ "queue",		QUEUE },
	{ "rcpt-to",		RCPTTO },
	{ "received-auth",	RECEIVEDAUTH },
	{ "recipients",		RECIPIENTS },
	{ "reject",		REJECT },
	{ "relay",		RELAY },
	{ "resolver",		RESOLVER },
	{ "retry",		RETRY },
	{ "rundir",		RUNDIR },
	{ "selector",		SELECTOR },
	{ "senders",		SENDERS },
	{ "smtp",		SMTP },
	{ "smtps",		SMTPS },
	{ "socket",		SOCKET },
	{ "spf-reject",		SPFREJECT },
	{ "src",		SRC },
	{ "submission",		SUBMISSION },
	{ "table",		TABLE },
	{ "tag",		TAG },
	{ "timeout",		TIMEOUT },
	{ "tls",		TLS },
	{ "tls-require",	TLSREQUIRE },
	{ "ttl",		TTL },
	{ "unsafe-open-relay",	UNSAFEOPENRELAY },
	{ "user",		USER },
	{ "userbase",		USERBASE },
	{ "verify",		VERIFY },
	{ "virtual",		VIRTUAL },
	{ "vrfy",		VRFY },
	{ "warn-interval",	WARNINTERVAL },
};

const struct lex_grammar parse_grammar = {
	.keywords = parse_keywords,
	.nkeywords = nitems(parse_keywords),
	.t_string = STRING,
	.t_tableref = TABLEREF,
	.t_error = ERROR,
	.name_max = NAME_MAX_CONF,
};

/*
 * Syntax errors: name the offending token and what was expected after the
 * previous one, from the tokens of the statement read so far.
 */



static const char *
hint_table(int prev, size_t n)
{
	if (n == 2)
		return ("a table name");
	if (n == 3)
		return ("a file path or \"{\"");
	if (ps->hist[2].type != '{' || prev == '}')
		return ("end of line");
	switch (prev) {
	case '{':
	case '=':
		return ("a value");
	case ',':
		return ("a value or \"}\"");
	}
	if (ps->hist[n - 3].type == '=')
		return ("\",\" or \"}\"");
	return ("\",\", \"=\" or \"}\"");
}

#define LISTEN_OPTS	"\"port\", \"hostname\", \"tag\", \"tls\", " \
	"\"tls-require\", \"smtps\", \"pki\", \"ca\", \"ciphers\", " \
	"\"protocols\", \"received-auth\", \"senders\", \"mail-auth\", " \
	"\"dmarc-policy\", \"spf-reject\" or end of line"

static const char *
hint_listen(int prev, size_t n)
{
	switch (prev) {
	case LISTEN:
		return ("\"on\"");
	case ON:
		return ("an address, an interface, a host name or \"socket\"");
	case PORT:
		return ("a port number, \"smtp\", \"submission\" or "
		    "\"smtps\"");
	case HOSTNAME:
		return ("a host name");
	case TAG:
		return ("a tag name");
	case PKI:
		return ("a pki name");
	case CA:
		return ("a ca name");
	case CIPHERS:
		return ("a cipher list like \"secure\"");
	case PROTOCOLS:
		return ("a protocol list like \"tlsv1.2,tlsv1.3\"");
	case SENDERS:
		return ("a table name like <name>");
	case TABLEREF:
		if (ps->hist[n - 3].type == SENDERS)
			return ("\"masquerade\" or " LISTEN_OPTS);
		break;
	}
	return (LISTEN_OPTS);
}

static const char *
hint_action(int prev, size_t n)
{
	if (n == 2)
		return ("an action name");
	if (n == 3)
		return ("\"mbox\", \"maildir\", \"lmtp\", \"mda\", "
		    "\"expand-only\", \"forward-only\" or \"relay\"");
	switch (prev) {
	case RELAY:
		return ("\"host\"");
	case STRING:
		if (n >= 3 && ps->hist[n - 3].type == RELAY)
			return ("a relay host like smtp://HOST[:PORT]");
		break;
	case LMTP:
		return ("a destination (host:port or socket path)");
	case MDA:
		return ("a command");
	case ALIAS:
	case VIRTUAL:
	case USERBASE:
		return ("a table name like <name>");
	case USER:
		return ("a user name");
	case ALLOW:
		return ("\"pipe\", \"file\" or \"include\"");
	}
	return ("\"alias\", \"virtual\", \"userbase\", \"user\", \"allow\" "
	    "or end of line");
}

static const char *
hint_match(int prev, size_t n)
{
	switch (prev) {
	case FROM:
		return ("\"any\", \"local\", \"socket\", \"src\", "
		    "\"mail-from\" or \"auth\"");
	case FOR:
		return ("\"any\", \"local\", \"domain\" or \"rcpt-to\"");
	case SRC:
		return ("a table name like <name> or an address");
	case MAILFROM:
	case RCPTTO:
		return ("a table name like <name> or a mail address");
	case DOMAIN:
		return ("a table name like <name> or a domain name");
	case TAG:
		return ("a tag name");
	case '!':
		return ("\"from\", \"for\", \"tag\" or \"auth\"");
	case ACTION:
		return ("an action name");
	case REJECT:
	case UNSAFEOPENRELAY:
		return ("end of line");
	}
	if (n >= 3 && prev == STRING && ps->hist[n - 3].type == ACTION)
		return ("\"unsafe-open-relay\" or end of line");
	return ("\"from\", \"for\", \"tag\", \"auth\", \"action\" or "
	    "\"reject\"");
}

static const char *
hint_global(int first, int prev, size_t n)
{
	int	 second = ps->hist[1].type;

	switch (first) {
	case PKI:
	case CA:
		if (n == 2)
			return (first == PKI ? "a pki name" : "a ca name");
		if (prev == STRING && n == 3)
			return (first == PKI ? "\"cert\" or \"key\"" :
			    "\"cert\"");
		if (prev == CERT || prev == KEY)
			return ("a file path");
		return ("end of line");
	case HOSTNAME:
		return (prev == HOSTNAME ? "a host name" : "end of line");
	case AUTHSERVID:
		return (prev == AUTHSERVID ? "a host name" : "end of line");
	case DKIM:
		switch (prev) {
		case DKIM:
			return ("a domain name");
		case SELECTOR:
			return ("a selector name");
		case KEY:
			return ("a key file path");
		case STRING:
			if (n == 3)
				return ("\"selector\"");
			if (n == 5)
				return ("\"key\"");
			break;
		}
		return ("end of line");
	case RUNDIR:
		return (prev == RUNDIR ? "a directory" : "end of line");
	case INCLUDE:
		return (prev == INCLUDE ? "a file name" : "end of line");
	case QUEUE:
		switch (prev) {
		case QUEUE:
			return ("\"path\", \"ttl\" or \"retry\"");
		case PATH:
			return ("a directory");
		case TTL:
		case MIN:
		case MAX:
			return ("a duration like 30s, 5m, 4h or 4d");
		case RETRY:
			return ("\"min\" or \"max\"");
		}
		return (second == RETRY ? "\"min\", \"max\" or end of line" :
		    "end of line");
	case SMTP:
		switch (prev) {
		case SMTP:
			return ("\"max-message-size\", \"limit\", \"timeout\" "
			    "or \"vrfy\"");
		case MAXMSGSIZE:
			return ("a size like 35M");
		case TIMEOUT:
			return ("a duration like 5m");
		case LIMIT:
			return ("\"max-rcpt\", \"max-mails\", "
			    "\"max-commands\", \"max-errors\", "
			    "\"max-sessions\", \"max-line-length\", "
			    "\"max-sessions-local\" or "
			    "\"max-sessions-per-address\"");
		case MAXRCPT:
		case MAXMAILS:
		case MAXCMDS:
		case MAXERRORS:
		case MAXSESSIONS:
		case MAXLINE:
		case MAXSESSLOCAL:
		case MAXSESSADDR:
			return ("a number");
		}
		return (second == LIMIT ? "\"max-rcpt\", \"max-mails\", "
		    "\"max-commands\", \"max-errors\", \"max-sessions\", "
		    "\"max-line-length\", \"max-sessions-local\", "
		    "\"max-sessions-per-address\" or end of line" :
		    "end of line");
	}
	return (NULL);
}

/* What was expected after the previous token; NULL: unknown directive. */
static const char *
hint(void)
{
	size_t	 n = ps->nhist;
	int	 first = ps->hist[0].type, prev = ps->hist[n - 2].type;

	switch (first) {
	case TABLE:
		return (hint_table(prev, n));
	case LISTEN:
		return (hint_listen(prev, n));
	case ACTION:
		return (hint_action(prev, n));
	case MATCH:
		return (hint_match(prev, n));
	case STRING:
		if (n == 2)
			return (NULL);
		return (n == 3 && prev == '=' ? "a value" : "end of line");
	}
	return (hint_global(first, prev, n));
}


void
yyerror(const char *msg)
{
	const struct tok	*bad, *first;
	const char		*exp;

	ps = lex_parse();
	if (ps->lexerr || ps->stop)
		return;
	ps->lexerr = 1;
	ps->depth = 0;
	if (ps->nhist == 0) {
		perr(yylval.lineno, "%s", msg);
		return;
	}
	bad = &ps->hist[ps->nhist - 1];
	first = &ps->hist[0];
	/* keep a broken definition from causing "undefined" errors */
	if ((first->type == TABLE || first->type == ACTION) &&
	    ps->nhist >= 3 && ps->hist[1].type == STRING)
		parse_broken_def(first->type, ps->hist[1].text,
		    yylval.lineno);
	if (ps->nhist == 1 && lex_tokname(first->type) != NULL &&
	    first->type > 0xff && lex_peek_equal()) {
		perr(yylval.lineno, "%s: %s is a keyword, not a macro name",
		    msg, lex_tokdesc(first));
		return;
	}
	if (ps->nhist == 1 || (exp = hint()) == NULL) {
		perr(yylval.lineno, "%s: unknown directive %s: expected "
		    "\"action\", \"ca\", \"hostname\", \"include\", "
		    "\"listen\", \"match\", \"pki\", \"queue\", \"rundir\", "
		    "\"smtp\", \"table\" or a macro definition", msg, lex_tokdesc(first));
		return;
	}
	perr(yylval.lineno, "%s: expected %s after %s, got %s", msg, exp,
	    lex_tokdesc(&ps->hist[ps->nhist - 2]), lex_tokdesc(bad));
}
