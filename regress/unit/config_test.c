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
 * config_test.c -- the smtpd.conf parser (smtpd/parse.y) and the
 * normalised printer (smtpd/config.c).
 *
 * Case tables: good configurations with their golden normalised text (and
 * the exact warnings, if any), bad ones with the exact stderr they must
 * produce, one case per error message.  Every good case is also checked to
 * be a fixed point of print -> parse -> print, through parse_config_buffer()
 * (what the children do) and through a file.  Fixtures for include and
 * macros are in config_data/.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"

#define CONF	"smtpd.conf"

/* The global options with their defaults, as printed. */
#define GLOBALS(host)							\
	"hostname \"" host "\"\n"					\
	"rundir \"/run/cartero\"\n"					\
	"queue path \"/var/spool/cartero\"\n"				\
	"queue ttl 4d\n"						\
	"queue retry min 30s max 1h\n"					\
	"bounce warn-interval 4h\n"					\
	"mta max-connections 100 max-connections-per-host 10 "		\
	"max-messages-per-connection 100\n"				\
	"queue min-free 100M\n"						\
	"queue min-free-inodes 1000\n"					\
	"smtp max-message-size 35M\n"					\
	"smtp limit max-rcpt 1000 max-mails 100 max-commands 10000 "	\
	"max-errors 10 max-sessions 1000 max-line-length 4096\n"	\
	"smtp limit max-sessions-local 100 "				\
	"max-sessions-per-address 50\n"					\
	"smtp timeout 5m\n"
#define HDR	GLOBALS("mx.example.com")
#define HOST	"hostname mx.example.com\n"

struct good {
	const char	*name;
	const char	*in;
	const char	*out;
	const char	*err;	/* warnings, exactly; NULL = none */
};

struct bad {
	const char	*in;
	const char	*err;
};

/* The refusal of an open relay rule, with why it is open. */
#define OPEN(why)							\
	"open relay refused: this rule relays mail from anyone (" why	\
	") to any destination; restrict the origin (from local, from "	\
	"auth, from src <networks>, auth) or the destination (for "	\
	"domain), or end the rule with \"unsafe-open-relay\" if an open "	\
	"relay is really meant\n"
#define SRC_WIDE	"\"from src\" with a network that holds the whole " \
			"Internet"

static char	*subst(const char *);
static void	 put_file(const char *, const char *);
static char	*get_file(const char *);
static struct smtpd_config *parse_capture(const char *, char **);
static char	*text_of(const struct smtpd_config *);
static void	 check_fixed_point(const char *, const char *);
static void	 check_good(const struct good *);
static void	 check_bad(const struct bad *);
static char	*data_path(const atf_tc_t *, const char *);

static const struct good goods[] = {
	{ "minimal", HOST, HDR "listen on socket\n", NULL },
	/* built-in tables are known without a "table" line */
	{ "builtin_tables", HOST
	  "action \"l\" maildir userbase <getpwnam>\n"
	  "match from src <localhost> for domain <localnames> "
	  "action \"l\"\n",
	  HDR "listen on socket\n"
	  "action \"l\" maildir \"~/Maildir\" userbase <getpwnam>\n"
	  "match from src <localhost> for domain <localnames> "
	  "action \"l\"\n", NULL },
	{ "globals",
	  "hostname MX.Example.COM\n"
	  "rundir \"/tmp/run\"\n"
	  "queue path \"/tmp/spool\"\n"
	  "queue ttl 2d\n"
	  "queue retry min 1m\n"
	  "queue retry max 2h\n"
	  "smtp max-message-size 2048K\n"
	  "smtp limit max-rcpt 50 max-mails 5\n"
	  "smtp limit max-commands 100 max-errors 3 max-sessions 20 "
	  "max-line-length 2000\n"
	  "smtp limit max-sessions-per-address 7 max-sessions-local 3\n"
	  "smtp timeout 90\n"
	  "smtp vrfy\n",
	  "hostname \"mx.example.com\"\n"
	  "rundir \"/tmp/run\"\n"
	  "queue path \"/tmp/spool\"\n"
	  "queue ttl 2d\n"
	  "queue retry min 1m max 2h\n"
	  "bounce warn-interval 4h\n"
	  "mta max-connections 100 max-connections-per-host 10 "
	  "max-messages-per-connection 100\n"
	  "queue min-free 100M\n"
	  "queue min-free-inodes 1000\n"
	  "smtp max-message-size 2M\n"
	  "smtp limit max-rcpt 50 max-mails 5 max-commands 100 "
	  "max-errors 3 max-sessions 20 max-line-length 2000\n"
	  "smtp limit max-sessions-local 3 max-sessions-per-address 7\n"
	  "smtp timeout 90s\n"
	  "smtp vrfy\n"
	  "listen on socket\n", NULL },
	/* Free space on the spool */
	{ "minfree", HOST
	  "queue min-free 2048K\n"
	  "queue min-free-inodes 5%\n",
	  "hostname \"mx.example.com\"\n"
	  "rundir \"/run/cartero\"\n"
	  "queue path \"/var/spool/cartero\"\n"
	  "queue ttl 4d\n"
	  "queue retry min 30s max 1h\n"
	  "bounce warn-interval 4h\n"
	  "mta max-connections 100 max-connections-per-host 10 "
	  "max-messages-per-connection 100\n"
	  "queue min-free 2M\n"
	  "queue min-free-inodes 5%\n"
	  "smtp max-message-size 35M\n"
	  "smtp limit max-rcpt 1000 max-mails 100 max-commands 10000 "
	  "max-errors 10 max-sessions 1000 max-line-length 4096\n"
	  "smtp limit max-sessions-local 100 max-sessions-per-address 50\n"
	  "smtp timeout 5m\n"
	  "listen on socket\n", NULL },
	{ "minfree_off", HOST
	  "queue min-free-inodes 0\n"
	  "queue min-free 0\n",
	  "hostname \"mx.example.com\"\n"
	  "rundir \"/run/cartero\"\n"
	  "queue path \"/var/spool/cartero\"\n"
	  "queue ttl 4d\n"
	  "queue retry min 30s max 1h\n"
	  "bounce warn-interval 4h\n"
	  "mta max-connections 100 max-connections-per-host 10 "
	  "max-messages-per-connection 100\n"
	  "queue min-free 0\n"
	  "queue min-free-inodes 0\n"
	  "smtp max-message-size 35M\n"
	  "smtp limit max-rcpt 1000 max-mails 100 max-commands 10000 "
	  "max-errors 10 max-sessions 1000 max-line-length 4096\n"
	  "smtp limit max-sessions-local 100 max-sessions-per-address 50\n"
	  "smtp timeout 5m\n"
	  "listen on socket\n", NULL },
	{ "minfree_pct", HOST "queue min-free 10%\n",
	  "hostname \"mx.example.com\"\n"
	  "rundir \"/run/cartero\"\n"
	  "queue path \"/var/spool/cartero\"\n"
	  "queue ttl 4d\n"
	  "queue retry min 30s max 1h\n"
	  "bounce warn-interval 4h\n"
	  "mta max-connections 100 max-connections-per-host 10 "
	  "max-messages-per-connection 100\n"
	  "queue min-free 10%\n"
	  "queue min-free-inodes 1000\n"
	  "smtp max-message-size 35M\n"
	  "smtp limit max-rcpt 1000 max-mails 100 max-commands 10000 "
	  "max-errors 10 max-sessions 1000 max-line-length 4096\n"
	  "smtp limit max-sessions-local 100 max-sessions-per-address 50\n"
	  "smtp timeout 5m\n"
	  "listen on socket\n", NULL },
	{ "listeners", HOST
	  "listen on 127.0.0.1\n"
	  "listen on ::1 port submission hostname Mail.Example.com "
	  "tag SUBMIT\n"
	  "listen on lo port 2525\n"
	  "listen on socket tag LOCAL\n"
	  "listen on 0.0.0.0 port smtps\n"
	  "listen on \"::\" port smtp\n",
	  HDR
	  "listen on \"127.0.0.1\" port 25\n"
	  "listen on \"::1\" port 587 hostname \"mail.example.com\" "
	  "tag \"SUBMIT\"\n"
	  "listen on \"lo\" port 2525\n"
	  "listen on socket tag \"LOCAL\"\n"
	  "listen on \"0.0.0.0\" port 465\n"
	  "listen on \"::\" port 25\n", NULL },
	{ "tables", HOST
	  "table doms { example.com, \"example.org\" }\n"
	  "table users {\n"
	  "\talice = \"alice@example.com\",\n"
	  "\t'bob' = bob@example.com,\n"
	  "}\n"
	  "table odd { \"a\\\"b\", \"c\\\\d\", \"e f\", \"g\\h\" }\n"
	  "table n.1_x-y { 1, 2 }\n"
	  "table f1 file:@CWD@/aliases\n"
	  "table f2 @CWD@/aliases\n",
	  HDR
	  "table \"doms\" { \"example.com\", \"example.org\" }\n"
	  "table \"users\" { \"alice\" = \"alice@example.com\", "
	  "\"bob\" = \"bob@example.com\" }\n"
	  "table \"odd\" { \"a\\\"b\", \"c\\\\d\", \"e f\", \"g\\\\h\" }\n"
	  "table \"n.1_x-y\" { \"1\", \"2\" }\n"
	  "table \"f1\" \"file:@CWD@/aliases\"\n"
	  "table \"f2\" \"file:@CWD@/aliases\"\n"
	  "listen on socket\n", NULL },
	{ "actions", HOST
	  "table a { root = admin }\n"
	  "table v { \"@example.com\" = vmail }\n"
	  "table u { vmail = \"1000:1000:/var/vmail\" }\n"
	  "action \"mbox\" mbox\n"
	  "action box mbox \"/var/spool/mail/%{user.username}\" alias <a> "
	  "allow include\n"
	  "action md maildir\n"
	  "action rel maildir \"Maildir/\"\n"
	  "action md2 maildir \"/var/vmail/%{dest.domain}/%{dest.user}\" "
	  "user vmail userbase <u> virtual <v>\n"
	  "action lm lmtp \"/run/dovecot/lmtp\" rcpt-to\n"
	  "action lm2 lmtp localhost:24\n"
	  "action p mda \"/usr/bin/procmail -f -\" allow file allow pipe\n"
	  "action e expand-only alias <a>\n"
	  "action f forward-only virtual <v>\n"
	  "match for domain a action \"mbox\"\n"
	  "match for domain b action box\n"
	  "match for domain c action md\n"
	  "match for domain d action md2\n"
	  "match for domain e action lm\n"
	  "match for domain f action lm2\n"
	  "match for domain g action p\n"
	  "match for domain h action e\n"
	  "match for domain i action f\n"
	  "match for domain j action rel\n",
	  HDR
	  "table \"a\" { \"root\" = \"admin\" }\n"
	  "table \"v\" { \"@example.com\" = \"vmail\" }\n"
	  "table \"u\" { \"vmail\" = \"1000:1000:/var/vmail\" }\n"
	  "listen on socket\n"
	  "action \"mbox\" mbox \"/var/mail/%{user.username}\"\n"
	  "action \"box\" mbox \"/var/spool/mail/%{user.username}\" "
	  "alias <a> allow include\n"
	  "action \"md\" maildir \"~/Maildir\"\n"
	  "action \"rel\" maildir \"Maildir/\"\n"
	  "action \"md2\" maildir \"/var/vmail/%{dest.domain}/%{dest.user}\""
	  " virtual <v> userbase <u> user \"vmail\"\n"
	  "action \"lm\" lmtp \"/run/dovecot/lmtp\" rcpt-to\n"
	  "action \"lm2\" lmtp \"localhost:24\"\n"
	  "action \"p\" mda \"/usr/bin/procmail -f -\" allow pipe allow file\n"
	  "action \"e\" expand-only alias <a>\n"
	  "action \"f\" forward-only virtual <v>\n"
	  "match from local for domain \"a\" action \"mbox\"\n"
	  "match from local for domain \"b\" action \"box\"\n"
	  "match from local for domain \"c\" action \"md\"\n"
	  "match from local for domain \"d\" action \"md2\"\n"
	  "match from local for domain \"e\" action \"lm\"\n"
	  "match from local for domain \"f\" action \"lm2\"\n"
	  "match from local for domain \"g\" action \"p\"\n"
	  "match from local for domain \"h\" action \"e\"\n"
	  "match from local for domain \"i\" action \"f\"\n"
	  "match from local for domain \"j\" action \"rel\"\n", NULL },
	{ "rules", HOST
	  "table nets { 192.168.0.0/16 }\n"
	  "table doms { example.com }\n"
	  "table \"senders\" { \"@example.org\" }\n"
	  "table rcpts { postmaster }\n"
	  "action x mbox\n"
	  "match for local action x\n"
	  "match from local for domain \"Example.COM\" action x\n"
	  "match from socket for any action x\n"
	  "match for domain <doms> from src <nets> action x\n"
	  "match from src 10.0.0.0/8 action x\n"
	  "match !from src \"::1\" for rcpt-to user@example.com action x\n"
	  "match tag T from mail-from <senders> for rcpt-to <rcpts> action x\n"
	  "match from mail-from \"@example.net\" ! for domain <doms> !tag T "
	  "reject\n"
	  "match reject\n"
	  "match from any for any action x\n",
	  HDR
	  "table \"nets\" { \"192.168.0.0/16\" }\n"
	  "table \"doms\" { \"example.com\" }\n"
	  "table \"senders\" { \"@example.org\" }\n"
	  "table \"rcpts\" { \"postmaster\" }\n"
	  "listen on socket\n"
	  "action \"x\" mbox \"/var/mail/%{user.username}\"\n"
	  "match from local for local action \"x\"\n"
	  "match from local for domain \"example.com\" action \"x\"\n"
	  "match from socket for any action \"x\"\n"
	  "match from src <nets> for domain <doms> action \"x\"\n"
	  "match from src \"10.0.0.0/8\" for local action \"x\"\n"
	  "match !from src \"::1\" for rcpt-to \"user@example.com\" "
	  "action \"x\"\n"
	  "match from mail-from <senders> for rcpt-to <rcpts> tag \"T\" "
	  "action \"x\"\n"
	  "match from mail-from \"@example.net\" !for domain <doms> "
	  "!tag \"T\" reject\n"
	  "match from local for local reject\n"
	  "match from any for any action \"x\"\n", NULL },
	{ "lexical",
	  "# a comment\n"
	  "hostname \\\n"
	  "   mx.example.com\t# trailing comment\n"
	  "\n"
	  "   \n"
	  "act = \"deliver\"\n"
	  "opts = \"port 2525 tag IN\"\n"
	  "listen on lo $opts\n"
	  "action $act mbox\n"
	  "match action $act",		/* no final newline */
	  HDR
	  "listen on \"lo\" port 2525 tag \"IN\"\n"
	  "listen on socket\n"
	  "action \"deliver\" mbox \"/var/mail/%{user.username}\"\n"
	  "match from local for local action \"deliver\"\n", NULL },
	{ "keywords as quoted names", HOST
	  "table \"local\" { \"any\" }\n"
	  "action \"action\" mbox\n"
	  "match from src <local> tag \"from\" action \"action\"\n",
	  HDR
	  "table \"local\" { \"any\" }\n"
	  "listen on socket\n"
	  "action \"action\" mbox \"/var/mail/%{user.username}\"\n"
	  "match from src <local> for local tag \"from\" action \"action\"\n",
	  NULL },
	/* who may relay (issue 13) */
	{ "relay", HOST
	  "table nets { 192.168.0.0/16, \"2001:db8::/32\" }\n"
	  "table users { alice, bob }\n"
	  "table snd { alice = \"alice@example.com, @example.org\" }\n"
	  "listen on lo port 587 senders <snd> masquerade\n"
	  "listen on lo port 25 senders <snd> tag MX\n"
	  "action \"out\" relay host smtp://SMART.example.com:2525\n"
	  "action \"v4\" relay host \"smtp://192.0.2.1\"\n"
	  "action \"v6\" relay host \"smtp://[2001:DB8::1]:587\"\n"
	  "match from auth for any action \"out\"\n"
	  "match from auth <users> for any action \"v4\"\n"
	  "match from auth alice for any action \"v6\"\n"
	  "match auth from any for any action \"out\"\n"
	  "match from any !auth <users> for domain example.net "
	  "action \"out\"\n"
	  "match from any auth bob for any action \"out\"\n"
	  "match from src <nets> for any action \"out\"\n"
	  "match from src 10.0.0.0/8 for any action \"out\"\n"
	  "match from local for any action \"out\"\n"
	  "match from socket for any action \"out\"\n"
	  "match from local !for domain example.com action \"out\"\n"
	  "match from any for domain <nets> action \"out\"\n"
	  "match from any for any action \"out\" unsafe-open-relay\n",
	  HDR
	  "table \"nets\" { \"192.168.0.0/16\", \"2001:db8::/32\" }\n"
	  "table \"users\" { \"alice\", \"bob\" }\n"
	  "table \"snd\" { \"alice\" = \"alice@example.com, @example.org\" }\n"
	  "listen on \"lo\" port 587 senders <snd> masquerade\n"
	  "listen on \"lo\" port 25 tag \"MX\" senders <snd>\n"
	  "listen on socket\n"
	  "action \"out\" relay host \"smtp://smart.example.com:2525\"\n"
	  "action \"v4\" relay host \"smtp://192.0.2.1\"\n"
	  "action \"v6\" relay host \"smtp://[2001:db8::1]:587\"\n"
	  "match from auth for any action \"out\"\n"
	  "match from auth <users> for any action \"v4\"\n"
	  "match from auth \"alice\" for any action \"v6\"\n"
	  "match from any for any auth action \"out\"\n"
	  "match from any for domain \"example.net\" !auth <users> "
	  "action \"out\"\n"
	  "match from any for any auth \"bob\" action \"out\"\n"
	  "match from src <nets> for any action \"out\"\n"
	  "match from src \"10.0.0.0/8\" for any action \"out\"\n"
	  "match from local for any action \"out\"\n"
	  "match from socket for any action \"out\"\n"
	  "match from local !for domain \"example.com\" action \"out\"\n"
	  "match from any for domain <nets> action \"out\"\n"
	  "match from any for any action \"out\" unsafe-open-relay\n",
	  NULL },
	{ "relay warnings", HOST
	  "action \"out\" relay host smtp://192.0.2.1\n"
	  "action \"l\" mbox\n"
	  "match from local for any action \"out\" unsafe-open-relay\n"
	  "match from any for any action \"l\" unsafe-open-relay\n",
	  HDR
	  "listen on socket\n"
	  "action \"out\" relay host \"smtp://192.0.2.1\"\n"
	  "action \"l\" mbox \"/var/mail/%{user.username}\"\n"
	  "match from local for any action \"out\" unsafe-open-relay\n"
	  "match from any for any action \"l\" unsafe-open-relay\n",
	  CONF ":4: warning: \"unsafe-open-relay\" is not needed: this rule "
	  "restricts the origin or the destination\n"
	  CONF ":5: warning: \"unsafe-open-relay\" has no effect: action "
	  "\"l\" does not relay\n" },
	/* outbound delivery (issue 14) */
	{ "relay options", HOST
	  "table creds { smart = \"bob:secret\" }\n"
	  "table doms { \"a.example\" = \"smtp+tls://gw.example:2525\" }\n"
	  "table valid { \"alice@a.example\" }\n"
	  "pki client cert \"/c.crt\"\npki client key \"/c.key\"\n"
	  "resolver 127.0.0.1@5353\nresolver \"::1\"\nresolver dnssec\n"
	  "bounce warn-interval 1h, 6h 1d\n"
	  "mta max-messages-per-connection 50 max-connections 20\n"
	  "mta max-connections-per-host 4\n"
	  "action mx relay helo Out.Example tls no-verify src 192.0.2.7\n"
	  "action sh relay host smtp+tls://smart@SMART.example:587 "
	  "auth <creds> tls pki client\n"
	  "action s2 relay host smtps://[2001:db8::1]\n"
	  "action s4 relay host smtp://smart@s4.example auth <creds>\n"
	  "action s3 relay host smtp+notls://10.0.0.1 helo h.example\n"
	  "action lm relay host lmtp://127.0.0.1:24\n"
	  "action bk relay backup\n"
	  "action b2 relay backup mx mx2.example tls verify\n"
	  "action gw relay domain <doms> recipients <valid>\n"
	  "match from local for any action mx\n"
	  "match from local for domain a.example action sh\n"
	  "match from local for domain b.example action s2\n"
	  "match from local for domain g.example action s4\n"
	  "match from local for domain c.example action s3\n"
	  "match from local for domain d.example action lm\n"
	  "match from local for domain e.example action bk\n"
	  "match from local for domain f.example action b2\n"
	  "match from any for domain <doms> action gw\n",
	  "hostname \"mx.example.com\"\n"
	  "rundir \"/run/cartero\"\n"
	  "queue path \"/var/spool/cartero\"\n"
	  "queue ttl 4d\n"
	  "queue retry min 30s max 1h\n"
	  "bounce warn-interval 1h, 6h, 1d\n"
	  "resolver \"127.0.0.1@5353\"\n"
	  "resolver \"::1\"\n"
	  "resolver dnssec\n"
	  "mta max-connections 20 max-connections-per-host 4 "
	  "max-messages-per-connection 50\n"
	  "queue min-free 100M\n"
	  "queue min-free-inodes 1000\n"
	  "smtp max-message-size 35M\n"
	  "smtp limit max-rcpt 1000 max-mails 100 max-commands 10000 "
	  "max-errors 10 max-sessions 1000 max-line-length 4096\n"
	  "smtp limit max-sessions-local 100 max-sessions-per-address 50\n"
	  "smtp timeout 5m\n"
	  "table \"creds\" { \"smart\" = \"bob:secret\" }\n"
	  "table \"doms\" { \"a.example\" = \"smtp+tls://gw.example:2525\" }\n"
	  "table \"valid\" { \"alice@a.example\" }\n"
	  "pki \"client\" cert \"/c.crt\"\n"
	  "pki \"client\" key \"/c.key\"\n"
	  "listen on socket\n"
	  "action \"mx\" relay helo \"out.example\" src \"192.0.2.7\" "
	  "tls no-verify\n"
	  "action \"sh\" relay host \"smtp+tls://smart@smart.example:587\" "
	  "tls verify auth <creds> pki \"client\"\n"
	  "action \"s2\" relay host \"smtps://[2001:db8::1]\"\n"
	  "action \"s4\" relay host \"smtp://smart@s4.example\" tls verify "
	  "auth <creds>\n"
	  "action \"s3\" relay host \"smtp+notls://10.0.0.1\" helo "
	  "\"h.example\"\n"
	  "action \"lm\" relay host \"lmtp://127.0.0.1:24\"\n"
	  "action \"bk\" relay backup\n"
	  "action \"b2\" relay backup mx \"mx2.example\" tls verify\n"
	  "action \"gw\" relay domain <doms> recipients <valid>\n"
	  "match from local for any action \"mx\"\n"
	  "match from local for domain \"a.example\" action \"sh\"\n"
	  "match from local for domain \"b.example\" action \"s2\"\n"
	  "match from local for domain \"g.example\" action \"s4\"\n"
	  "match from local for domain \"c.example\" action \"s3\"\n"
	  "match from local for domain \"d.example\" action \"lm\"\n"
	  "match from local for domain \"e.example\" action \"bk\"\n"
	  "match from local for domain \"f.example\" action \"b2\"\n"
	  "match from any for domain <doms> action \"gw\"\n",
	  NULL },
	{ "warnings", HOST
	  "action unused maildir\n"
	  "match from any for any reject\n"
	  "match from local reject\n",
	  HDR
	  "listen on socket\n"
	  "action \"unused\" maildir \"~/Maildir\"\n"
	  "match from any for any reject\n"
	  "match from local for local reject\n",
	  CONF ":4: warning: rule is unreachable: the rule at line 3 matches "
	  "all mail\n"
	  CONF ":2: warning: action \"unused\" is never used\n" },
};

static const struct bad bads[] = {
	/* syntax errors, with what was expected */
	{ "match\n", CONF ":1: syntax error: expected \"from\", \"for\", "
	  "\"tag\", \"auth\", \"action\" or \"reject\" after \"match\", got "
	  "end of line\n" },
	{ "match frm any action \"x\"\n", CONF ":1: syntax error: expected "
	  "\"from\", \"for\", \"tag\", \"auth\", \"action\" or \"reject\" "
	  "after \"match\", got \"frm\"\n" },
	{ "match from bogus reject\n", CONF ":1: syntax error: expected "
	  "\"any\", \"local\", \"socket\", \"src\", \"mail-from\" or "
	  "\"auth\" after \"from\", got \"bogus\"\n" },
	{ "match for src x reject\n", CONF ":1: syntax error: expected "
	  "\"any\", \"local\", \"domain\" or \"rcpt-to\" after \"for\", got "
	  "\"src\"\n" },
	{ "match ! action x\n", CONF ":1: syntax error: expected \"from\", "
	  "\"for\", \"tag\" or \"auth\" after \"!\", got \"action\"\n" },
	{ "match from src\n", CONF ":1: syntax error: expected a table name "
	  "like <name> or an address after \"src\", got end of line\n" },
	{ "match reject now\n", CONF ":1: syntax error: expected end of line "
	  "after \"reject\", got \"now\"\n" },
	{ "lisen on lo\n", CONF ":1: syntax error: unknown directive "
	  "\"lisen\": expected \"action\", \"ca\", \"hostname\", "
	  "\"include\", \"listen\", \"match\", \"pki\", \"queue\", \"rundir\", "
	  "\"smtp\", \"table\" or a macro definition\n" },
	{ "from any\n", CONF ":1: syntax error: unknown directive \"from\": "
	  "expected \"action\", \"ca\", \"hostname\", \"include\", "
	  "\"listen\", \"match\", \"pki\", \"queue\", \"rundir\", \"smtp\", "
	  "\"table\" or a macro definition\n" },
	{ "listen lo\n", CONF ":1: syntax error: expected \"on\" after "
	  "\"listen\", got \"lo\"\n" },
	{ "listen on\n", CONF ":1: syntax error: expected an address, an "
	  "interface, a host name or \"socket\" after \"on\", got end of "
	  "line\n" },
	{ "listen on lo port\n", CONF ":1: syntax error: expected a port "
	  "number, \"smtp\", \"submission\" or \"smtps\" after \"port\", got "
	  "end of line\n" },
	{ "listen on lo bogus\n", CONF ":1: syntax error: expected \"port\", "
	  "\"hostname\", \"tag\", \"tls\", \"tls-require\", \"smtps\", "
	  "\"pki\", \"ca\", \"ciphers\", \"protocols\", \"received-auth\", "
	  "\"senders\", \"mail-auth\", \"dmarc-policy\", \"spf-reject\" or end "
	  "of line after \"lo\", got \"bogus\"\n" },
	{ "listen on lo tls\n", CONF ":1: TLS listener needs a certificate: "
	  "add \"pki NAME\" (0 pki defined)\n" },
	{ "pki a cert \"/a.crt\"\nlisten on lo tls pki a\n", CONF ":1: pki "
	  "\"a\" needs both \"pki a cert FILE\" and \"pki a key FILE\"\n" },
	{ "pki a key \"k\"\n", CONF ":1: pki \"a\": key file \"k\" must be "
	  "an absolute path\n" },
	{ "pki a cert \"/a\"\npki a key \"/b\"\nlisten on lo smtps tls\n",
	  CONF ":3: \"tls\" and \"smtps\" exclude each other: smtps is TLS "
	  "from the first byte\n" },
	{ "listen on socket tls\n", CONF ":1: listen on socket does not take "
	  "TLS options: the local socket is not on the network\n" },
	{ "listen on lo pki a\n", CONF ":1: pki, ca, ciphers and protocols "
	  "need \"tls\", \"tls-require\" or \"smtps\"\n" },
	{ "pki a cert \"/a\"\npki a key \"/b\"\nlisten on lo tls protocols "
	  "\"sslv3\"\n", CONF ":3: invalid protocols \"sslv3\": expected e.g. "
	  "\"tlsv1.2,tlsv1.3\" or \"secure\"\n" },
	{ "pki a cert \"/a\"\npki a key \"/b\"\nlisten on lo tls verify\n",
	  CONF ":3: syntax error: expected \"port\", \"hostname\", \"tag\", "
	  "\"tls\", \"tls-require\", \"smtps\", \"pki\", \"ca\", \"ciphers\", "
	  "\"protocols\", \"received-auth\", \"senders\", \"mail-auth\", "
	  "\"dmarc-policy\", \"spf-reject\" or end of line after \"tls\", got "
	  "\"verify\"\n" },
	{ "pki a cert \"/a\"\npki a key \"/b\"\nlisten on lo smtps verify\n",
	  CONF ":3: \"verify\" needs \"ca NAME\": the CA that signs client "
	  "certificates\n" },
	{ "action\n", CONF ":1: syntax error: expected an action name after "
	  "\"action\", got end of line\n" },
	{ "action x foo\n", CONF ":1: syntax error: expected \"mbox\", "
	  "\"maildir\", \"lmtp\", \"mda\", \"expand-only\", "
	  "\"forward-only\" or \"relay\" after \"x\", got \"foo\"\n" },
	{ "action x mbox allow foo\n", CONF ":1: syntax error: expected "
	  "\"pipe\", \"file\" or \"include\" after \"allow\", got \"foo\"\n" },
	{ "action x mbox alias t\n", CONF ":1: syntax error: expected a table "
	  "name like <name> after \"alias\", got \"t\"\n" },
	{ "action x lmtp\n", CONF ":1: syntax error: expected a destination "
	  "(host:port or socket path) after \"lmtp\", got end of line\n" },
	{ "action x mbox \"/p\" tls\nmatch action x\n", CONF ":1: \"tls\" is "
	  "an option of relay actions only\n" },
	{ "table t\n", CONF ":1: syntax error: expected a file path or \"{\" "
	  "after \"t\", got end of line\n" },
	{ "table t { a b }\n", CONF ":1: syntax error: expected \",\", \"=\" "
	  "or \"}\" after \"a\", got \"b\"\n" },
	{ "table t { }\n", CONF ":1: syntax error: expected a value after "
	  "\"{\", got \"}\"\n" },
	{ "smtp foo\n", CONF ":1: syntax error: expected \"max-message-size\""
	  ", \"limit\", \"timeout\" or \"vrfy\" after \"smtp\", got "
	  "\"foo\"\n" },
	{ "smtp limit\n", CONF ":1: syntax error: expected \"max-rcpt\", "
	  "\"max-mails\", \"max-commands\", \"max-errors\", \"max-sessions\", "
	  "\"max-line-length\", \"max-sessions-local\" or "
	  "\"max-sessions-per-address\" after \"limit\", got end of line\n" },
	{ "smtp limit max-sessions-local 0\n", CONF ":1: invalid value \"0\" "
	  "for \"smtp limit max-sessions-local\": expected a number from 1 "
	  "to 1000000\n" },
	{ "smtp limit max-sessions-per-address 1 "
	  "max-sessions-per-address 2\n", CONF ":1: \"smtp limit "
	  "max-sessions-per-address\" given twice (first at line 1)\n" },
	{ "queue retry\n", CONF ":1: syntax error: expected \"min\" or "
	  "\"max\" after \"retry\", got end of line\n" },
	{ "queue\n", CONF ":1: syntax error: expected \"path\", \"ttl\" or "
	  "\"retry\" after \"queue\", got end of line\n" },
	{ "hostname\n", CONF ":1: syntax error: expected a host name after "
	  "\"hostname\", got end of line\n" },
	{ "include\n", CONF ":1: syntax error: expected a file name after "
	  "\"include\", got end of line\n" },
	{ "foo = \"bar\" baz\n", CONF ":1: syntax error: expected end of line "
	  "after \"bar\", got \"baz\"\n" },

	/* lexer */
	{ "listen on lo (\n", CONF ":1: unexpected character \"(\"\n" },
	{ "listen on lo \001\n", CONF ":1: unexpected character 0x01\n" },
	{ "listen on \"lo\n", CONF ":1: unterminated quoted string\n" },
	{ "listen on \"l\001o\"\n", CONF ":1: invalid character 0x01 in "
	  "quoted string\n" },
	{ "table t {\n a,\n b\n", CONF ":1: unterminated \"{\"\n" },
	{ "action a mbox alias <a b>\n", CONF ":1: invalid table reference: "
	  "expected <name>\n" },
	{ "match action $nope\n", CONF ":1: unknown macro \"nope\"\n" },
	{ "match action $x\nx = \"a\"\n", CONF ":1: macro "
	  "\"x\" is used before its definition at " CONF ":2\n" },
	{ "match action $ x\n", CONF ":1: expected a macro name after "
	  "\"$\"\n" },
	{ "port = \"25\"\n", CONF ":1: syntax error: \"port\" is a keyword, "
	  "not a macro name\n" },
	{ "a-b = \"c\"\n", CONF ":1: invalid macro name \"a-b\": use letters, "
	  "digits and \"_\"\n" },

	/* definitions and references */
	{ "table t { a }\ntable t { b }\n", CONF ":2: table \"t\" is already "
	  "defined at line 1\n" },
	{ "action a mbox\naction a maildir\nmatch action a\n", CONF ":2: "
	  "action \"a\" is already defined at line 1\n" },
	{ "match action nope\n", CONF ":1: undefined action \"nope\"\n" },
	{ "action a mbox alias <nope>\nmatch action a\n", CONF ":1: undefined "
	  "table <nope>\n" },
	{ "match from src <nope> reject\n", CONF ":1: undefined table "
	  "<nope>\n" },
	{ "table t { a }\naction a mbox alias <t>\nmatch action a\n",
	  CONF ":2: table <t> is a list, but \"alias\" needs key = value "
	  "pairs\n" },

	/* listeners */
	{ "listen on lo port 0\n", CONF ":1: invalid port \"0\": expected 1 "
	  "to 65535, \"smtp\", \"submission\" or \"smtps\"\n" },
	{ "listen on lo port 70000\n", CONF ":1: invalid port \"70000\": "
	  "expected 1 to 65535, \"smtp\", \"submission\" or \"smtps\"\n" },
	{ "listen on lo port 25 port 26\n", CONF ":1: \"port\" given "
	  "twice\n" },
	{ "listen on lo tag a tag b\n", CONF ":1: \"tag\" given twice\n" },
	{ "listen on socket port 25\n", CONF ":1: listen on socket does not "
	  "take a port\n" },
	{ "listen on lo\nlisten on lo port smtp\n", CONF ":2: duplicate "
	  "listener on \"lo\" port 25 (first at line 1)\n" },
	{ "listen on socket\nlisten on socket\n", CONF ":2: duplicate "
	  "\"listen on socket\" (first at line 1)\n" },
	{ "listen on lo hostname \"a b\"\n", CONF ":1: invalid hostname "
	  "\"a b\"\n" },
	{ "listen on \"\"\n", CONF ":1: listen address must not be empty\n" },

	/* global options */
	{ "hostname \"bad host\"\n", CONF ":1: invalid hostname "
	  "\"bad host\"\n" },
	{ "hostname a\nhostname b\n", CONF ":2: \"hostname\" given twice "
	  "(first at line 1)\n" },
	{ "smtp limit max-rcpt 5 max-rcpt 6\n", CONF ":1: \"smtp limit "
	  "max-rcpt\" given twice (first at line 1)\n" },
	{ "smtp max-message-size 35Q\n", CONF ":1: invalid size \"35Q\": "
	  "expected a number with an optional K, M or G suffix\n" },
	{ "queue min-free 100%\n", CONF ":1: invalid value \"100%\" for "
	  "\"queue min-free\": expected a size with an optional K, M or G "
	  "suffix or a percentage from 0% to 99%\n" },
	{ "queue min-free-inodes 1K\n", CONF ":1: invalid value \"1K\" for "
	  "\"queue min-free-inodes\": expected a number of inodes or a "
	  "percentage from 0% to 99%\n" },
	{ "queue min-free 1M\nqueue min-free 2M\n", CONF ":2: \"queue "
	  "min-free\" given twice (first at line 1)\n" },
	{ "smtp timeout 5x\n", CONF ":1: invalid duration \"5x\" for \"smtp "
	  "timeout\": expected a number with an optional s, m, h or d "
	  "suffix\n" },
	{ "smtp limit max-rcpt 0\n", CONF ":1: invalid value \"0\" for "
	  "\"smtp limit max-rcpt\": expected a number from 1 to 1000000\n" },
	{ "smtp limit max-line-length 512\n", CONF ":1: invalid value "
	  "\"512\" for \"smtp limit max-line-length\": expected a number "
	  "from 1000 to 1048576\n" },
	{ "queue path spool\n", CONF ":1: queue path \"spool\" is not an "
	  "absolute path\n" },
	{ "queue retry min 2h max 1h\n", CONF ":1: queue retry min 2h is "
	  "greater than max 1h\n" },
	{ "queue retry max 10s\n", CONF ":1: queue retry min 30s is greater "
	  "than max 10s\n" },

	/* tables */
	{ "table t db:/x\n", CONF ":1: table \"t\": unsupported backend "
	  "\"db\": use file: or { ... }\n" },
	{ "table t rel\n", CONF ":1: table \"t\": \"rel\" is not an absolute "
	  "path\n" },
	{ "table t /nonexistent/file\n", CONF ":1: table \"t\": cannot open "
	  "\"/nonexistent/file\": No such file or directory\n" },
	{ "table t /\n", CONF ":1: table \"t\": \"/\" is not a regular "
	  "file\n" },
	{ "table t { a, b = c }\n", CONF ":1: table \"t\": cannot mix values "
	  "and key = value pairs\n" },
	{ "table t {\n a = b,\n a = c }\n", CONF ":3: table \"t\": duplicate "
	  "key \"a\"\n" },
	{ "table t { \"\" }\n", CONF ":1: table \"t\": empty value\n" },
	{ "table \"a b\" { c }\n", CONF ":1: invalid table name \"a b\": use "
	  "up to 63 letters, digits, \"_\", \"-\" and \".\"\n" },

	/* actions */
	{ "action a mbox user bob\nmatch action a\n", CONF ":1: action \"a\": "
	  "\"user\" cannot be used with mbox, which delivers as the "
	  "recipient\n" },
	{ "action a expand-only\nmatch action a\n", CONF ":1: action \"a\": "
	  "expand-only needs \"alias\" or \"virtual\"\n" },
	{ "action a forward-only\nmatch action a\n", CONF ":1: action \"a\": "
	  "forward-only needs \"alias\" or \"virtual\"\n" },
	{ "table t { a = b }\naction a maildir alias <t> virtual <t>\n"
	  "match action a\n", CONF ":2: action \"a\": \"alias\" and "
	  "\"virtual\" are mutually exclusive\n" },
	{ "action a maildir user x user y\nmatch action a\n", CONF ":1: "
	  "\"user\" given twice\n" },
	{ "table t { a = b }\naction a maildir alias <t> alias <t>\n"
	  "match action a\n", CONF ":2: \"alias\" given twice\n" },
	{ "action a mda \"x\" allow pipe allow pipe\nmatch action a\n",
	  CONF ":1: \"allow pipe\" given twice\n" },
	{ "action \"\" mbox\n", CONF ":1: action name must not be empty\n" },
	{ "action a lmtp \"\"\nmatch action a\n", CONF ":1: lmtp destination "
	  "must not be empty\n" },
	/* Settings that cannot work for any recipient */
	{ "\naction a maildir \"/srv/%{nope}/x\"\nmatch action a\n", CONF
	  ":2: maildir path \"/srv/%{nope}/x\" cannot be expanded (unknown "
	  "%{...} variable or modifier, bad slice, or empty)\n" },
	{ "action a mbox \"/var/mail/%{rcpt.user:upper}\"\nmatch action a\n",
	  CONF ":1: mbox path \"/var/mail/%{rcpt.user:upper}\" cannot be "
	  "expanded (unknown %{...} variable or modifier, bad slice, or "
	  "empty)\n" },
	{ "action a maildir \"/srv/../%{rcpt}\"\nmatch action a\n", CONF
	  ":1: maildir path \"/srv/../%{rcpt}\" has a \".\" or \"..\" "
	  "component\n" },
	{ "action a maildir \"../Maildir\"\nmatch action a\n", CONF
	  ":1: maildir path \"../Maildir\" has a \".\" or \"..\" "
	  "component\n" },
	{ "action a maildir \"~alice/Maildir\"\nmatch action a\n", CONF
	  ":1: maildir path \"~alice/Maildir\" starts with \"~user\", which "
	  "is not supported (\"~/\" or a relative path is the user's home)\n" },
	{ "action a mda \"/bin/x %{rcpt:raw}\"\nmatch action a\n", CONF
	  ":1: mda command \"/bin/x %{rcpt:raw}\" cannot be expanded (unknown "
	  "%{...} variable or modifier, bad slice, :raw, or too long)\n" },
	{ "action a lmtp \"run/dovecot/lmtp\"\nmatch action a\n", CONF
	  ":1: lmtp destination \"run/dovecot/lmtp\" must be an absolute "
	  "socket path, unix:/path or host:port\n" },
	{ "action a lmtp \"unix:lmtp\"\nmatch action a\n", CONF
	  ":1: lmtp destination \"unix:lmtp\" must be an absolute "
	  "socket path, unix:/path or host:port\n" },

	/* match rules */
	{ "match from any from any reject\n", CONF ":1: \"from\" given "
	  "twice\n" },
	{ "match for any !for local reject\n", CONF ":1: \"for\" given "
	  "twice\n" },
	{ "match tag a tag b reject\n", CONF ":1: \"tag\" given twice\n" },
	{ "match from src foo reject\n", CONF ":1: invalid address \"foo\" "
	  "after \"src\": expected an IP address or network\n" },
	{ "match from src 10.0.0.0/33 reject\n", CONF ":1: invalid address "
	  "\"10.0.0.0/33\" after \"src\": expected an IP address or "
	  "network\n" },

	/* relay actions */
	{ "action r relay hots smtp://a\nmatch action r\n", CONF
	  ":1: expected \"host\" after \"relay\", got \"hots\"\n" },
	{ "action r relay host\nmatch action r\n", CONF ":1: syntax error: "
	  "expected a relay host like smtp://HOST[:PORT] after \"host\", got "
	  "end of line\n" },
	{ "action r relay host ftp://a\nmatch action r\n", CONF
	  ":1: invalid relay host \"ftp://a\": unknown scheme: expected "
	  "smtp://, smtp+tls://, smtp+notls://, smtps:// or lmtp://\n" },
	{ "action r relay host lmtp://a\nmatch action r\n", CONF
	  ":1: invalid relay host \"lmtp://a\": lmtp:// needs a port "
	  "(lmtp://HOST:PORT)\n" },
	{ "action r relay host \"smtp://u/x@a\"\nmatch action r\n", CONF
	  ":1: invalid relay host \"smtp://u/x@a\": invalid label before "
	  "\"@\": letters, digits, \"-\", \"_\" and \".\" only\n" },
	{ "table t { a = b }\naction r relay auth <t>\nmatch action r\n",
	  CONF ":2: relay \"auth\" needs \"host URL\": credentials go to a "
	  "smarthost, never by MX\n" },
	{ "table t { a = b }\naction r relay host smtp://a auth <t>\n"
	  "match action r\n", CONF ":2: relay \"auth <t>\" needs a label in "
	  "the host URL (smtp+tls://LABEL@host): the key of the credentials "
	  "in the table\n" },
	{ "table t { a = b }\naction r relay host smtp+notls://l@a auth <t>\n"
	  "match action r\n", CONF ":2: relay \"auth\" with smtp+notls://: "
	  "credentials are only sent over TLS\n" },
	{ "action r relay host lmtp://a:24 tls\nmatch action r\n", CONF
	  ":1: relay \"tls\" with lmtp://, which never uses TLS\n" },
	{ "action r relay tls tls\nmatch action r\n", CONF
	  ":1: \"tls\" given twice\n" },
	{ "action r relay host smtp://a backup\nmatch action r\n", CONF
	  ":1: relay \"backup\" is for MX delivery, not with \"host\"\n" },
	{ "action r relay backup foo bar\nmatch action r\n", CONF
	  ":1: expected \"backup mx NAME\"\n" },
	{ "action r relay helo a_b\nmatch action r\n", CONF
	  ":1: invalid helo name \"a_b\"\n" },
	{ "action r relay src a.example\nmatch action r\n", CONF
	  ":1: relay \"src a.example\": expected an IPv4 or IPv6 address\n" },
	{ "action r relay pki nope\nmatch action r\n", CONF
	  ":1: action \"r\": undefined pki \"nope\"\n" },
	{ "table t { a = b }\naction r relay host smtp://a domain <t>\n"
	  "match action r\n", CONF ":2: relay \"domain <t>\" and \"host\" "
	  "are mutually exclusive\n" },
	{ "resolver dns.example\n", CONF ":1: resolver \"dns.example\": "
	  "expected an IPv4 or IPv6 address, optionally followed by @PORT\n" },
	{ "resolver \"127.0.0.1@0\"\n", CONF ":1: resolver \"127.0.0.1@0\": "
	  "invalid port after \"@\": expected 1 to 65535\n" },
	{ "resolver 127.0.0.1\nresolver 127.0.0.2\nresolver 127.0.0.3\n"
	  "resolver 127.0.0.4\nresolver 127.0.0.5\n", CONF ":5: too many "
	  "\"resolver\" (at most 4)\n" },
	{ "bounce warn-interval 4h 1h\n", CONF ":1: \"bounce "
	  "warn-interval\": delays must be ascending\n" },
	{ "bounce warn-interval 1h 2h 3h 4h 5h\n", CONF ":1: \"bounce "
	  "warn-interval\": at most 4 delays\n" },
	{ "bounce warn-interval 0\n", CONF ":1: invalid duration \"0\" for "
	  "\"bounce warn-interval\": expected a number with an optional s, "
	  "m, h or d suffix\n" },
	{ "bounce warn-interval 1h\nbounce warn-interval 2h\n", CONF
	  ":2: \"bounce warn-interval\" given twice (first at line 1)\n" },
	{ "mta max-connections 0\n", CONF ":1: invalid value \"0\" for "
	  "\"mta max-connections\": expected a number from 1 to 100000\n" },
	{ "action r relay host smtp://a:0\nmatch action r\n", CONF
	  ":1: invalid relay host \"smtp://a:0\": invalid port: expected 1 "
	  "to 65535\n" },
	{ "action r relay host smtp://a:x\nmatch action r\n", CONF
	  ":1: invalid relay host \"smtp://a:x\": invalid port: expected 1 "
	  "to 65535\n" },
	{ "action r relay host smtp://u@a\nmatch action r\n", CONF
	  ":1: relay host label \"u@\" without \"auth <table>\"\n" },
	{ "action r relay host \"smtp://[::1\"\nmatch action r\n", CONF
	  ":1: invalid relay host \"smtp://[::1\": unterminated \"[\" in "
	  "the host\n" },
	{ "action r relay host \"smtp://[a.b]\"\nmatch action r\n", CONF
	  ":1: invalid relay host \"smtp://[a.b]\": invalid IPv6 address in "
	  "brackets\n" },
	{ "action r relay host smtp://a_b\nmatch action r\n", CONF
	  ":1: invalid relay host \"smtp://a_b\": invalid host name\n" },
	{ "table t { a = b }\naction r relay host smtp://a alias <t>\n"
	  "match action r\n", CONF ":2: action \"r\": relay takes no "
	  "\"alias\", \"virtual\", \"userbase\", \"user\" or \"allow\"\n" },
	{ "action r relay host smtp://a user bob\nmatch action r\n", CONF
	  ":1: action \"r\": relay takes no \"alias\", \"virtual\", "
	  "\"userbase\", \"user\" or \"allow\"\n" },
	{ "match auth !auth bob reject\n", CONF ":1: \"auth\" given "
	  "twice\n" },
	{ "match from local reject unsafe-open-relay\n", CONF ":1: syntax "
	  "error: expected end of line after \"reject\", got "
	  "\"unsafe-open-relay\"\n" },
	{ "listen on lo senders <s> senders <s>\ntable s { a = b }\n", CONF
	  ":1: \"senders\" given twice\n" },
	{ "listen on lo senders <s>\n", CONF ":1: undefined table <s>\n" },
	{ "table s { a }\nlisten on lo senders <s>\n", CONF ":2: table <s> "
	  "is a list, but \"senders\" needs key = value pairs\n" },

	/* never an open relay by accident */
	{ "action r relay host smtp://a\nmatch from any for any action r\n",
	  CONF ":2: " OPEN("\"from any\"") },
	{ "action r relay host smtp://a\nmatch for any from any action r\n",
	  CONF ":2: " OPEN("\"from any\"") },
	{ "action r relay host smtp://a\nmatch from any for rcpt-to a@b "
	  "action r\n", CONF ":2: " OPEN("\"from any\"") },
	{ "action r relay host smtp://a\nmatch from any !for domain a.b "
	  "action r\n", CONF ":2: " OPEN("\"from any\"") },
	{ "action r relay host smtp://a\nmatch from any !for local "
	  "action r\n", CONF ":2: " OPEN("\"from any\"") },
	{ "action r relay host smtp://a\nmatch tag T from any for any "
	  "action r\n", CONF ":2: " OPEN("\"from any\"") },
	{ "action r relay host smtp://a\nmatch !from local for any "
	  "action r\n", CONF ":2: " OPEN("\"!from\", a negated origin") },
	{ "action r relay host smtp://a\nmatch !from src 10.0.0.0/8 "
	  "for any action r\n",
	  CONF ":2: " OPEN("\"!from\", a negated origin") },
	{ "action r relay host smtp://a\nmatch !from auth for any "
	  "action r\n", CONF ":2: " OPEN("\"!from\", a negated origin") },
	{ "action r relay host smtp://a\nmatch from any !auth for any "
	  "action r\n", CONF ":2: " OPEN("\"from any\"") },
	{ "action r relay host smtp://a\nmatch from mail-from @a.b for any "
	  "action r\n", CONF ":2: " OPEN("\"from mail-from\", a sender "
	  "address anyone can give") },
	{ "action r relay host smtp://a\nmatch from src 0.0.0.0/0 for any "
	  "action r\n", CONF ":2: " OPEN(SRC_WIDE) },
	{ "action r relay host smtp://a\nmatch from src 0.0.0.0/1 for any "
	  "action r\n", CONF ":2: " OPEN(SRC_WIDE) },
	{ "action r relay host smtp://a\nmatch from src ::/0 for any "
	  "action r\n", CONF ":2: " OPEN(SRC_WIDE) },
	{ "action r relay host smtp://a\nmatch from src 2000::/3 for any "
	  "action r\n", CONF ":2: " OPEN(SRC_WIDE) },
	{ "action r relay host smtp://a\nmatch from src \"::ffff:0:0/96\" "
	  "for any action r\n", CONF ":2: " OPEN(SRC_WIDE) },
	{ "action r relay host smtp://a\nmatch from src \"::/80\" "
	  "for any action r\n", CONF ":2: " OPEN(SRC_WIDE) },
	{ "table n { 10.0.0.0/8, \"::/0\" }\naction r relay host smtp://a\n"
	  "match from src <n> for any action r\n", CONF ":3: "
	  OPEN("\"from src <n>\" whose network ::/0 holds the whole "
	  "Internet") },
	/* every open rule is reported */
	{ "action r relay host smtp://a\n"
	  "match from any for rcpt-to <t> action r\n"
	  "match from local for any action r\n"
	  "match !from socket for any action r\n"
	  "table t { a@b }\n", CONF ":2: "
	  OPEN("\"from any\"") CONF ":4: "
	  OPEN("\"!from\", a negated origin") },

	/* include */
	{ "include \"nonexistent.conf\"\n", CONF ":1: cannot open "
	  "\"nonexistent.conf\": No such file or directory\n" },

	/* all errors are reported, not only the first */
	{ "listen on lo port 0\nbogus\nmatch action nope\n",
	  CONF ":1: invalid port \"0\": expected 1 to 65535, \"smtp\", "
	  "\"submission\" or \"smtps\"\n"
	  CONF ":2: syntax error: unknown directive \"bogus\": expected "
	  "\"action\", \"ca\", \"hostname\", \"include\", \"listen\", "
	  "\"match\", \"pki\", \"queue\", \"rundir\", \"smtp\", \"table\" "
	  "or a macro definition\n"
	  CONF ":3: undefined action \"nope\"\n" },
};

/* Replace @CWD@ by the current directory. */
static char *
subst(const char *s)
{
	char		 cwd[PATH_MAX], *out, *o;
	const char	*p;
	size_t		 n = 1;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	for (p = s; *p != '\0'; p++)
		n += strncmp(p, "@CWD@", 5) == 0 ? strlen(cwd) : 1;
	ATF_REQUIRE((out = malloc(n)) != NULL);
	for (p = s, o = out; *p != '\0'; ) {
		if (strncmp(p, "@CWD@", 5) == 0) {
			memcpy(o, cwd, strlen(cwd));
			o += strlen(cwd);
			p += 5;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return (out);
}

static void
put_file(const char *path, const char *text)
{
	FILE	*fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0 || text[0] == '\0');
	ATF_REQUIRE(fclose(fp) == 0);
}

static char *
get_file(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 len;

	ATF_REQUIRE((fp = fopen(path, "r")) != NULL);
	ATF_REQUIRE(fseek(fp, 0, SEEK_END) == 0);
	ATF_REQUIRE((len = ftell(fp)) >= 0);
	rewind(fp);
	ATF_REQUIRE((buf = calloc(1, (size_t)len + 1)) != NULL);
	ATF_REQUIRE(fread(buf, 1, (size_t)len, fp) == (size_t)len);
	fclose(fp);
	return (buf);
}

/* parse_config() with fd 2 redirected to a file: returns its stderr. */
static struct smtpd_config *
parse_capture(const char *path, char **errp)
{
	struct smtpd_config	*cfg;
	int			 fd, saved;

	fflush(stderr);
	ATF_REQUIRE((saved = dup(2)) != -1);
	ATF_REQUIRE((fd = open("stderr.out", O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	ATF_REQUIRE(dup2(fd, 2) == 2);
	close(fd);
	cfg = parse_config(path, 0);
	fflush(stderr);
	ATF_REQUIRE(dup2(saved, 2) == 2);
	close(saved);
	*errp = get_file("stderr.out");
	return (cfg);
}

static char *
text_of(const struct smtpd_config *cfg)
{
	char	*text;
	size_t	 len;

	text = config_text(cfg, &len);
	ATF_REQUIRE(text != NULL);
	ATF_REQUIRE_EQ(strlen(text), len);
	return (text);
}

/* print -> parse -> print gives the same text, from a buffer and a file. */
static void
check_fixed_point(const char *name, const char *text)
{
	struct smtpd_config	*cfg;
	char			*again, *err;

	cfg = parse_config_buffer(text, strlen(text));
	ATF_REQUIRE_MSG(cfg != NULL, "%s: the buffer does not parse", name);
	again = text_of(cfg);
	ATF_CHECK_STREQ_MSG(text, again, "%s: not a fixed point (buffer)",
	    name);
	free(again);
	config_free(cfg);

	put_file("normalised.conf", text);
	cfg = parse_capture("normalised.conf", &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s: the text does not parse: %s", name,
	    err);
	again = text_of(cfg);
	ATF_CHECK_STREQ_MSG(text, again, "%s: not a fixed point (file)",
	    name);
	free(again);
	free(err);
	config_free(cfg);
}

static void
check_good(const struct good *g)
{
	struct smtpd_config	*cfg;
	char			*in, *out, *text, *err;

	in = subst(g->in);
	out = subst(g->out);
	put_file("aliases", "root: admin\n");
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s: parse failed: %s", g->name, err);
	ATF_CHECK_STREQ_MSG(g->err ? g->err : "", err, "%s: stderr",
	    g->name);
	text = text_of(cfg);
	ATF_CHECK_STREQ_MSG(out, text, "%s: normalised text", g->name);
	check_fixed_point(g->name, text);
	free(text);
	free(err);
	free(in);
	free(out);
	config_free(cfg);
}

static void
check_bad(const struct bad *b)
{
	struct smtpd_config	*cfg;
	char			*err;

	put_file(CONF, b->in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK_MSG(cfg == NULL, "accepted: %s", b->in);
	ATF_CHECK_STREQ_MSG(b->err, err, "input: %s", b->in);
	config_free(cfg);
	free(err);
}

static char *
data_path(const atf_tc_t *tc, const char *name)
{
	char	*path;

	ATF_REQUIRE(asprintf(&path, "%s/config_data/%s",
	    atf_tc_get_config_var(tc, "srcdir"), name) != -1);
	return (path);
}

ATF_TC_WITHOUT_HEAD(good_configs);
ATF_TC_BODY(good_configs, tc)
{
	size_t	 i;

	for (i = 0; i < nitems(goods); i++)
		check_good(&goods[i]);
}

ATF_TC_WITHOUT_HEAD(bad_configs);
ATF_TC_BODY(bad_configs, tc)
{
	size_t	 i;

	for (i = 0; i < nitems(bads); i++)
		check_bad(&bads[i]);
}

/* Defaults: every field of config_new(), the socket, the hostname. */
ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	struct smtpd_config	*cfg;
	struct listener		*l;
	char			*err;

	put_file(CONF, "");
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE(cfg != NULL);
	ATF_CHECK_STREQ("", err);
	ATF_CHECK(cfg->hostname[0] != '\0');
	ATF_CHECK_STREQ(SMTPD_SPOOL, cfg->spooldir);
	ATF_CHECK_STREQ(SMTPD_RUNDIR, cfg->rundir);
	ATF_CHECK_EQ(DEFAULT_MAX_MESSAGE, cfg->max_message_size);
	ATF_CHECK_EQ(DEFAULT_MAX_LINE, cfg->max_line);
	ATF_CHECK_EQ(DEFAULT_MAX_RCPT, cfg->max_rcpt);
	ATF_CHECK_EQ(DEFAULT_MAX_MAILS, cfg->max_mails);
	ATF_CHECK_EQ(DEFAULT_MAX_CMDS, cfg->max_cmds);
	ATF_CHECK_EQ(DEFAULT_MAX_ERRORS, cfg->max_errors);
	ATF_CHECK_EQ(DEFAULT_MAX_SESSIONS, cfg->max_sessions);
	ATF_CHECK_EQ(DEFAULT_MAX_SESS_LOCAL, cfg->max_sessions_local);
	ATF_CHECK_EQ(DEFAULT_MAX_SESS_ADDR, cfg->max_sessions_addr);
	ATF_CHECK_EQ(DEFAULT_TIMEOUT, cfg->timeout);
	ATF_CHECK_EQ(DEFAULT_QUEUE_TTL, cfg->queue_ttl);
	ATF_CHECK_EQ(DEFAULT_RETRY_MIN, cfg->retry_min);
	ATF_CHECK_EQ(DEFAULT_RETRY_MAX, cfg->retry_max);
	ATF_CHECK_EQ(0, cfg->vrfy);
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(L_SOCKET, l->kind);
	ATF_CHECK_EQ(0, l->index);
	ATF_CHECK(TAILQ_NEXT(l, entry) == NULL);
	ATF_CHECK(TAILQ_EMPTY(&cfg->rules));
	free(err);
	config_free(cfg);
}

/* The structures, not only the text: a rule, an action, a table. */
ATF_TC_WITHOUT_HEAD(structures);
ATF_TC_BODY(structures, tc)
{
	struct smtpd_config	*cfg;
	struct listener		*l;
	struct action		*a;
	struct table		*t;
	struct rule		*r;
	char			*err;

	put_file(CONF, HOST
	    "table m { k1 = v1, k2 = v2 }\n"
	    "listen on 127.0.0.1 port 2525 tag T\n"
	    "action \"d\" maildir alias <m> allow pipe allow include\n"
	    "match !from src 10.0.0.0/8 for domain <m> !tag T action d\n");
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_REQUIRE((t = config_table(cfg, "m")) != NULL);
	ATF_CHECK(config_table(cfg, "nope") == NULL);
	ATF_CHECK_EQ(TABLE_STATIC, t->backend);
	ATF_CHECK(t->is_map);
	ATF_REQUIRE_EQ(2, t->count);
	ATF_CHECK_STREQ("k2", t->keys[1]);
	ATF_CHECK_STREQ("v2", t->values[1]);
	ATF_CHECK_EQ(2, t->line);
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(L_INET, l->kind);
	ATF_CHECK_EQ(2525, l->port);
	ATF_CHECK_STREQ("T", l->tag);
	ATF_CHECK_EQ(3, l->line);
	l = TAILQ_NEXT(l, entry);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(L_SOCKET, l->kind);
	ATF_CHECK_EQ(1, l->index);
	ATF_REQUIRE((a = config_action(cfg, "d")) != NULL);
	ATF_CHECK(config_action(cfg, "nope") == NULL);
	ATF_CHECK_EQ(A_MAILDIR, a->method);
	ATF_CHECK_STREQ("~/Maildir", a->arg);
	ATF_CHECK_STREQ("m", a->alias);
	ATF_CHECK_EQ(AF_ALLOW_PIPE | AF_ALLOW_INCLUDE, a->flags);
	r = TAILQ_FIRST(&cfg->rules);
	ATF_REQUIRE(r != NULL);
	ATF_CHECK_EQ(C_SRC, r->from.kind);
	ATF_CHECK_EQ(1, r->from.neg);
	ATF_CHECK_STREQ("10.0.0.0/8", r->from.value);
	ATF_CHECK_STREQ("", r->from.table);
	ATF_CHECK_EQ(C_DOMAIN, r->dest.kind);
	ATF_CHECK_EQ(0, r->dest.neg);
	ATF_CHECK_STREQ("m", r->dest.table);
	ATF_CHECK_EQ(1, r->tag_neg);
	ATF_CHECK_STREQ("T", r->tag);
	ATF_CHECK_EQ(0, r->reject);
	ATF_CHECK_STREQ("d", r->action);
	ATF_CHECK_EQ(5, r->line);
	free(err);
	config_free(cfg);
}

/* include (relative to the including file), macros, -D. */
ATF_TC_WITHOUT_HEAD(include_macros);
ATF_TC_BODY(include_macros, tc)
{
	struct smtpd_config	*cfg;
	char			*path, *aliases, *def, *err, *text, *want;

	path = data_path(tc, "main.conf");
	aliases = data_path(tc, "aliases");
	ATF_REQUIRE(asprintf(&def, "aliases=file:%s", aliases) != -1);
	ATF_REQUIRE(cmdline_symset(def) == 0);
	cfg = parse_capture(path, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_CHECK_STREQ("", err);
	ATF_REQUIRE(asprintf(&want, HDR
	    "table \"aliases\" \"file:%s\"\n"
	    "listen on \"127.0.0.1\" port 2525\n"
	    "listen on socket\n"
	    "action \"local\" mbox \"/var/mail/%%{user.username}\" "
	    "alias <aliases>\n"
	    "match from local for local action \"local\"\n", aliases) != -1);
	text = text_of(cfg);
	ATF_CHECK_STREQ(want, text);
	check_fixed_point("include_macros", text);
	free(text);
	free(err);
	config_free(cfg);

	/* a -D macro wins over the file's definition, and persists */
	ATF_REQUIRE(cmdline_symset("lport=2626") == 0);
	cfg = parse_capture(path, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_REQUIRE(TAILQ_FIRST(&cfg->listeners) != NULL);
	ATF_CHECK_EQ(2626, TAILQ_FIRST(&cfg->listeners)->port);
	config_free(cfg);
	free(err);

	ATF_CHECK_EQ(-1, cmdline_symset("noequal"));
	ATF_CHECK_EQ(-1, cmdline_symset("=value"));
	ATF_CHECK_EQ(-1, cmdline_symset("a-b=value"));
	free(def);
	free(want);
	free(path);
	free(aliases);
}

/* Errors in an included file carry its name; nesting is bounded. */
ATF_TC_WITHOUT_HEAD(include_errors);
ATF_TC_BODY(include_errors, tc)
{
	struct smtpd_config	*cfg;
	char			*broken, *loop, *in, *err, *want;

	broken = data_path(tc, "broken.conf");
	ATF_REQUIRE(asprintf(&in, "include \"%s\"\nmatch action nope\n",
	    broken) != -1);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_REQUIRE(asprintf(&want, "%s:2: syntax error: expected a port "
	    "number, \"smtp\", \"submission\" or \"smtps\" after \"port\", got "
	    "end of line\n" CONF ":2: undefined action \"nope\"\n",
	    broken) != -1);
	ATF_CHECK_STREQ(want, err);
	free(err);
	free(want);

	loop = data_path(tc, "loop.conf");
	cfg = parse_capture(loop, &err);
	ATF_CHECK(cfg == NULL);
	ATF_REQUIRE(asprintf(&want, "%s:1: include nesting too deep (more "
	    "than 16 levels)\n", loop) != -1);
	ATF_CHECK_STREQ(want, err);
	free(err);
	free(want);

	cfg = parse_capture("nonexistent.conf", &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ("nonexistent.conf: No such file or directory\n", err);
	free(err);
	free(in);
	free(broken);
	free(loop);
}

/*
 * Only regular files of at most 16 MiB are read: /dev/zero never ended,
 * a FIFO blocked (the parent too, on a SIGHUP reload), a directory read
 * as empty.  The timeout bounds the old behaviour.
 */
ATF_TC(include_not_regular);
ATF_TC_HEAD(include_not_regular, tc)
{
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(include_not_regular, tc)
{
	static const struct {
		const char	*name;
		const char	*why;
	} cases[] = {
		{ "dir", "not a regular file" },
		{ "big.conf", "larger than 16 MiB" },
		{ "fifo", "not a regular file" },
		{ "/dev/zero", "not a regular file" },
	};
	struct smtpd_config	*cfg;
	char			*in, *err, *want;
	size_t			 i;
	int			 fd;

	ATF_REQUIRE(mkdir("dir", 0755) == 0);
	ATF_REQUIRE(mkfifo("fifo", 0644) == 0);
	ATF_REQUIRE((fd = open("big.conf", O_WRONLY | O_CREAT, 0644)) != -1);
	ATF_REQUIRE(ftruncate(fd, 16L * 1024 * 1024 + 1) == 0);
	close(fd);
	for (i = 0; i < nitems(cases); i++) {
		ATF_REQUIRE(asprintf(&in, "# one\ninclude \"%s\"\n",
		    cases[i].name) != -1);
		ATF_REQUIRE(asprintf(&want, CONF ":2: cannot open \"%s\": "
		    "%s\n", cases[i].name, cases[i].why) != -1);
		put_file(CONF, in);
		cfg = parse_capture(CONF, &err);
		ATF_CHECK_MSG(cfg == NULL, "%s accepted", cases[i].name);
		ATF_CHECK_STREQ(want, err);
		config_free(cfg);
		free(err);
		free(want);
		free(in);
	}
	cfg = parse_capture("fifo", &err);	/* smtpd -f fifo */
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ("fifo: not a regular file\n", err);
	free(err);
}

/* Limits: too many errors, overlong tokens. */
ATF_TC_WITHOUT_HEAD(limits);
ATF_TC_BODY(limits, tc)
{
	struct smtpd_config	*cfg;
	char			*in, *err, *p, big[9000], name[80];
	size_t			 i, n;

	/* 25 bad lines: 20 errors, then one "too many errors" line */
	ATF_REQUIRE((in = calloc(25, 8)) != NULL);
	for (i = 0, p = in; i < 25; i++)
		p += snprintf(p, 8, "bad%zu\n", i);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	for (n = 0, p = err; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	ATF_CHECK_EQ(21, n);
	ATF_CHECK_MSG(strstr(err, CONF ":21: too many errors, giving up\n")
	    != NULL, "%s", err);
	free(err);
	free(in);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ATF_REQUIRE(asprintf(&in, "listen on %s\n", big) != -1);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ(CONF ":1: word too long (at most 8191 characters)\n",
	    err);
	free(err);
	free(in);

	ATF_REQUIRE(asprintf(&in, "listen on \"%s\"\n", big) != -1);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ(CONF ":1: quoted string too long (at most 8191 "
	    "characters)\n", err);
	free(err);
	free(in);

	big[300] = '\0';
	ATF_REQUIRE(asprintf(&in, "listen on \"%s\"\n", big) != -1);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ(CONF ":1: listen address too long (at most 255 "
	    "characters)\n", err);
	free(err);
	free(in);

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ATF_REQUIRE(asprintf(&in, "match from src <%s> reject\n", name) != -1);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ(CONF ":1: table name too long (at most 63 "
	    "characters)\n", err);
	free(err);
	free(in);

	ATF_REQUIRE(asprintf(&in, "match action $%s\n", name) != -1);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ(CONF ":1: macro name too long\n", err);
	free(err);
	free(in);

	memset(big, 'a', 2000);
	big[2000] = '\0';
	big[0] = '/';
	ATF_REQUIRE(asprintf(&in, "table t \"%s\"\n", big) != -1);
	put_file(CONF, in);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ(CONF ":1: table \"t\": path too long\n", err);
	free(err);
	free(in);
}

/* parse_config_buffer(): the children's side. */
ATF_TC_WITHOUT_HEAD(buffer);
ATF_TC_BODY(buffer, tc)
{
	struct smtpd_config	*cfg;
	const char		*text;
	char			*out;

	/* an empty buffer: defaults and the socket */
	cfg = parse_config_buffer("", 0);
	ATF_REQUIRE(cfg != NULL);
	ATF_REQUIRE(TAILQ_FIRST(&cfg->listeners) != NULL);
	ATF_CHECK_EQ(L_SOCKET, TAILQ_FIRST(&cfg->listeners)->kind);
	config_free(cfg);

	/* table files are not checked: a chrooted child cannot see them */
	text = HDR "table \"t\" \"file:/nonexistent/aliases\"\n"
	    "listen on socket\n"
	    "action \"a\" mbox \"/var/mail/%{user.username}\" alias <t>\n"
	    "match from local for local action \"a\"\n";
	cfg = parse_config_buffer(text, strlen(text));
	ATF_REQUIRE(cfg != NULL);
	out = text_of(cfg);
	ATF_CHECK_STREQ(text, out);
	free(out);
	config_free(cfg);

	/* the length bounds the text: no NUL needed */
	cfg = parse_config_buffer(HOST "listen on lo\nGARBAGE", strlen(HOST)
	    + 13);
	ATF_REQUIRE(cfg != NULL);
	ATF_CHECK_STREQ("lo", TAILQ_FIRST(&cfg->listeners)->on);
	config_free(cfg);

	/* no include, errors fail the parse */
	text = "include \"/etc/passwd\"\n";
	ATF_CHECK(parse_config_buffer(text, strlen(text)) == NULL);
	text = "listen on lo port 0\n";
	ATF_CHECK(parse_config_buffer(text, strlen(text)) == NULL);
}

/* The example configuration shipped in etc/. */
ATF_TC_WITHOUT_HEAD(example);
ATF_TC_BODY(example, tc)
{
	struct smtpd_config	*cfg;
	char			*path, *err, *text;

	if (access("/etc/aliases", F_OK) == -1)
		atf_tc_skip("no /etc/aliases");
	ATF_REQUIRE(asprintf(&path, "%s/../../etc/smtpd.conf",
	    atf_tc_get_config_var(tc, "srcdir")) != -1);
	if (access(path, F_OK) == -1)
		atf_tc_skip("no %s", path);
	cfg = parse_capture(path, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_CHECK_STREQ("", err);
	ATF_CHECK(config_action(cfg, "local") != NULL);
	text = text_of(cfg);
	check_fixed_point("example", text);
	free(text);
	free(err);
	free(path);
	config_free(cfg);
}

/*
 * "from src <file table>" of a relay rule: the parent reads the table and
 * refuses a network that holds the whole Internet; the children, which
 * cannot read it, trust the parent's judgement.
 */
ATF_TC_WITHOUT_HEAD(open_relay_file_table);
ATF_TC_BODY(open_relay_file_table, tc)
{
	struct smtpd_config	*cfg;
	char			*in, *err, *text, cwd[PATH_MAX];
	size_t			 len;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE(asprintf(&in, "table n file:%s/nets\n"
	    "action r relay host smtp://192.0.2.1\n"
	    "match from src <n> for any action r\n", cwd) != -1);
	put_file(CONF, in);

	put_file("nets", "10.0.0.0/8\n# the world\n0.0.0.0/0\n");
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	ATF_CHECK_STREQ(err, CONF ":3: " OPEN("\"from src <n>\" whose network "
	    "0.0.0.0/0 holds the whole Internet"));
	free(err);

	put_file("nets", "10.0.0.0/8\n192.168.0.0/16\nfd00::/8\n");
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_CHECK_STREQ(err, "");
	free(err);

	/* the normalised text re-parsed by a child: the file is not read */
	text = config_text(cfg, &len);
	config_free(cfg);
	put_file("nets", "0.0.0.0/0\n");
	cfg = parse_config_buffer(text, len);
	ATF_CHECK(cfg != NULL);
	config_free(cfg);
	free(text);

	/* an unreadable table is no proof: refused */
	ATF_REQUIRE(unlink("nets") == 0);
	ATF_REQUIRE(mkdir("nets", 0700) == 0);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	free(err);
	free(in);
}

/*
 * auth and auth-optional: printed back, a credentials table must exist
 * and be a map, TCP listeners need TLS (the TLS keywords come with the
 * TLS listener code; here, what is refused without them).
 */
static const struct good auth_goods[] = {
	{ "auth_socket", HOST
	  "table creds { alice = \"$y$j9T$x$y\" }\n"
	  "listen on socket auth <creds>\n",
	  HDR "table \"creds\" { \"alice\" = \"$y$j9T$x$y\" }\n"
	  "listen on socket auth <creds>\n", NULL },
	{ "auth_socket_system", HOST "listen on socket auth\n",
	  HDR "listen on socket auth\n", NULL },
	{ "auth_optional_file", HOST
	  "table creds file:@CWD@/aliases\n"
	  "listen on socket auth-optional <creds> tag sub\n",
	  HDR "table \"creds\" \"file:@CWD@/aliases\"\n"
	  "listen on socket auth-optional <creds> tag \"sub\"\n", NULL },
};

static const struct bad auth_bads[] = {
	{ "listen on 127.0.0.1 port 587 auth\n",
	  CONF ":1: auth requires tls, tls-require or smtps\n" },
	{ "listen on 127.0.0.1 auth-optional\n",
	  CONF ":1: auth requires tls, tls-require or smtps\n" },
	{ "listen on socket auth <nosuch>\n",
	  CONF ":1: undefined table <nosuch>\n" },
	{ "table l { a, b }\nlisten on socket auth <l>\n",
	  CONF ":2: table <l> is a list, but \"auth\" needs key = value "
	  "pairs\n" },
	{ "listen on socket auth <getpwnam>\n",
	  CONF ":1: auth <getpwnam>: not a credentials table (\"auth\" "
	  "alone checks the system's users)\n" },
	{ "listen on socket auth auth-optional\n",
	  CONF ":1: \"auth\" or \"auth-optional\" given twice\n" },
};

ATF_TC_WITHOUT_HEAD(auth_configs);
ATF_TC_BODY(auth_configs, tc)
{
	struct smtpd_config	*cfg;
	struct listener		*l;
	char			*err;
	size_t			 i;

	for (i = 0; i < nitems(auth_goods); i++)
		check_good(&auth_goods[i]);
	for (i = 0; i < nitems(auth_bads); i++)
		check_bad(&auth_bads[i]);
	put_file(CONF, "table creds { alice = x }\n"
	    "listen on socket auth-optional <creds>\n");
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE(cfg != NULL);
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(l->flags & (LF_AUTH | LF_AUTH_OPTIONAL),
	    LF_AUTH_OPTIONAL);
	ATF_CHECK_STREQ(l->authtable, "creds");
	config_free(cfg);
	free(err);
}

/*
 * etc/smtpd-vps.conf (MX, 587, 465, relay for authenticated users): its
 * files moved to the test's directory, it parses, prints back the same and
 * relays for no one who has not logged in.
 */
ATF_TC_WITHOUT_HEAD(example_vps);
ATF_TC_BODY(example_vps, tc)
{
	struct smtpd_config	*cfg;
	char			*path, *err, *text, *in, *p, cwd[PATH_MAX];
	char			 line[1024];
	FILE			*fp, *out;
	size_t			 len = 0;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE(asprintf(&path, "%s/../../etc/smtpd-vps.conf",
	    atf_tc_get_config_var(tc, "srcdir")) != -1);
	if ((fp = fopen(path, "r")) == NULL)
		atf_tc_skip("no %s", path);
	ATF_REQUIRE((out = open_memstream(&in, &len)) != NULL);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((p = strstr(line, "/etc/cartero/")) != NULL)
			fprintf(out, "%.*s%s/%s", (int)(p - line), line, cwd,
			    p + strlen("/etc/cartero/"));
		else
			fputs(line, out);
	}
	fclose(fp);
	fclose(out);
	put_file(CONF, in);
	put_file("creds", "alice:$y$j9T$abc$def\n");
	put_file("senders", "alice alice@example.org, @example.net\n");
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_CHECK_STREQ("", err);
	text = text_of(cfg);
	check_fixed_point("example_vps", text);
	ATF_CHECK(strstr(text, "match from auth for any action "
	    "\"outbound\"") != NULL);
	ATF_CHECK(strstr(text, "port 587 auth <creds> tls-require") != NULL);
	ATF_CHECK(strstr(text, "port 465 auth <creds> smtps") != NULL);
	free(text);
	free(err);
	free(in);
	free(path);
	config_free(cfg);
}


/*
 * Mail authentication (issue 16): dkim keys, authserv-id and the
 * listener options mail-auth, dmarc-policy and spf-reject.
 */
static const struct good mailauth_goods[] = {
	{ "dkim_two_selectors", HOST
	  "dkim Example.COM selector RSA2026 key \"/etc/k/rsa.pem\"\n"
	  "dkim example.com selector ed2026 key \"/etc/k/ed.pem\"\n"
	  "dkim other.example selector s1.sub key \"/etc/k/o.pem\"\n"
	  "authserv-id MX.example.com\n",
	  GLOBALS("mx.example.com")
	  "listen on socket\n", NULL },
	{ "listener_options", HOST
	  "listen on 127.0.0.1 port 2525 mail-auth\n"
	  "listen on 127.0.0.1 port 2526 dmarc-policy\n"
	  "listen on 127.0.0.1 port 2527 spf-reject mail-auth "
	  "dmarc-policy\n",
	  HDR
	  "listen on \"127.0.0.1\" port 2525 mail-auth\n"
	  "listen on \"127.0.0.1\" port 2526 mail-auth dmarc-policy\n"
	  "listen on \"127.0.0.1\" port 2527 mail-auth dmarc-policy "
	  "spf-reject\n"
	  "listen on socket\n", NULL },
};

static const struct bad mailauth_bads[] = {
	{ "dkim example.com selector s key \"/k\"\n"
	  "dkim EXAMPLE.com selector S key \"/k2\"\n",
	  CONF ":2: dkim example.com selector s given twice (first at line "
	  "1)\n" },
	{ "dkim \"exa mple.com\" selector s key \"/k\"\n",
	  CONF ":1: dkim: invalid domain \"exa mple.com\": expected an "
	  "ASCII domain name\n" },
	{ "dkim example.com selector \"s_1\" key \"/k\"\n",
	  CONF ":1: dkim example.com: invalid selector \"s_1\": expected "
	  "letters, digits and \"-\" (labels separated by \".\")\n" },
	{ "dkim example.com selector s key \"k.pem\"\n",
	  CONF ":1: dkim example.com selector s: key file \"k.pem\" must be "
	  "an absolute path\n" },
	{ "dkim example.com key \"/k\"\n",
	  CONF ":1: syntax error: expected \"selector\" after "
	  "\"example.com\", got \"key\"\n" },
	{ "dkim example.com selector s\n",
	  CONF ":1: syntax error: expected \"key\" after \"s\", got end "
	  "of line\n" },
	{ "authserv-id a.example\nauthserv-id b.example\n",
	  CONF ":2: \"authserv-id\" given twice (first at line 1)\n" },
	{ "authserv-id \"not valid\"\n",
	  CONF ":1: invalid authserv-id \"not valid\": expected an ASCII "
	  "host name\n" },
	{ "listen on socket mail-auth\n",
	  CONF ":1: listen on socket does not take mail-auth, dmarc-policy "
	  "or spf-reject: local submissions are not checked\n" },
	{ "listen on 127.0.0.1 spf-reject spf-reject\n",
	  CONF ":1: \"spf-reject\" given twice\n" },
	{ "listen on 127.0.0.1 mail-auth mail-auth\n",
	  CONF ":1: \"mail-auth\" given twice\n" },
};

ATF_TC_WITHOUT_HEAD(mailauth_configs);
ATF_TC_BODY(mailauth_configs, tc)
{
	struct smtpd_config	*cfg;
	struct listener		*l;
	char			*err, *text, buf[4096];
	size_t			 i, len;
	int			 n;

	for (i = 0; i < nitems(mailauth_bads); i++)
		check_bad(&mailauth_bads[i]);
	/* the golden text: globals, then the mail-auth lines */
	for (i = 0; i < nitems(mailauth_goods); i++) {
		put_file(CONF, mailauth_goods[i].in);
		cfg = parse_capture(CONF, &err);
		ATF_REQUIRE_MSG(cfg != NULL, "%s: %s", mailauth_goods[i].name,
		    err);
		ATF_CHECK_STREQ(err, "");
		text = text_of(cfg);
		check_fixed_point(mailauth_goods[i].name, text);
		if (i == 1)
			ATF_CHECK_STREQ(mailauth_goods[i].out, text);
		free(text);
		free(err);
		config_free(cfg);
	}

	put_file(CONF, mailauth_goods[0].in);
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE(cfg != NULL);
	ATF_REQUIRE_EQ(cfg->ndkim, 3);
	ATF_CHECK_STREQ(cfg->dkim[0].domain, "example.com");
	ATF_CHECK_STREQ(cfg->dkim[0].selector, "rsa2026");
	ATF_CHECK_STREQ(cfg->dkim[0].keyfile, "/etc/k/rsa.pem");
	ATF_CHECK_EQ(cfg->dkim[0].line, 2);
	ATF_CHECK_STREQ(cfg->dkim[2].selector, "s1.sub");
	ATF_CHECK_STREQ(cfg->authserv_id, "mx.example.com");
	text = text_of(cfg);
	ATF_CHECK_MSG(strstr(text, "authserv-id \"mx.example.com\"\n"
	    "dkim \"example.com\" selector \"rsa2026\" key "
	    "\"/etc/k/rsa.pem\"\n"
	    "dkim \"example.com\" selector \"ed2026\" key "
	    "\"/etc/k/ed.pem\"\n"
	    "dkim \"other.example\" selector \"s1.sub\" key "
	    "\"/etc/k/o.pem\"\n") != NULL, "%s", text);
	/* the children's parse (no file is read) keeps all of it */
	config_free(cfg);
	cfg = parse_config_buffer(text, strlen(text));
	ATF_REQUIRE(cfg != NULL);
	ATF_CHECK_EQ(cfg->ndkim, 3);
	ATF_CHECK_STREQ(cfg->dkim[1].keyfile, "/etc/k/ed.pem");
	config_free(cfg);
	free(text);
	free(err);

	put_file(CONF, mailauth_goods[1].in);
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE(cfg != NULL);
	l = TAILQ_FIRST(&cfg->listeners);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(l->flags & (LF_MAILAUTH | LF_DMARC_POLICY |
	    LF_SPF_REJECT), LF_MAILAUTH);
	l = TAILQ_NEXT(l, entry);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(l->flags & (LF_MAILAUTH | LF_DMARC_POLICY |
	    LF_SPF_REJECT), LF_MAILAUTH | LF_DMARC_POLICY);
	l = TAILQ_NEXT(l, entry);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(l->flags & (LF_MAILAUTH | LF_DMARC_POLICY |
	    LF_SPF_REJECT), LF_MAILAUTH | LF_DMARC_POLICY | LF_SPF_REJECT);
	l = TAILQ_NEXT(l, entry);
	ATF_REQUIRE(l != NULL);
	ATF_CHECK_EQ(l->kind, L_SOCKET);
	ATF_CHECK_EQ(l->flags & LF_MAILAUTH, 0);
	config_free(cfg);
	free(err);

	/* auth required: mail-auth would never apply, said so */
	put_file(CONF, "pki mx.example.com cert \"/c\"\n"
	    "pki mx.example.com key \"/k\"\n"
	    "listen on 127.0.0.1 port 587 tls-require auth mail-auth\n");
	cfg = parse_capture(CONF, &err);
	ATF_REQUIRE_MSG(cfg != NULL, "%s", err);
	ATF_CHECK_STREQ(err, CONF ":3: warning: mail-auth has no effect on a "
	    "listener that requires auth: authenticated sessions are not "
	    "checked\n");
	config_free(cfg);
	free(err);

	/* at most DKIM_CONF_MAX keys */
	len = 0;
	buf[0] = '\0';
	for (i = 0; i <= DKIM_CONF_MAX; i++) {
		n = snprintf(buf + len, sizeof(buf) - len,
		    "dkim d.example selector s%zu key \"/k\"\n", i);
		ATF_REQUIRE(n > 0 && (size_t)n < sizeof(buf) - len);
		len += (size_t)n;
	}
	put_file(CONF, buf);
	cfg = parse_capture(CONF, &err);
	ATF_CHECK(cfg == NULL);
	(void)snprintf(buf, sizeof(buf), CONF ":%d: too many \"dkim\" keys "
	    "(at most %d)\n", DKIM_CONF_MAX + 1, DKIM_CONF_MAX);
	ATF_CHECK_STREQ(err, buf);
	free(err);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, open_relay_file_table);
	ATF_TP_ADD_TC(tp, good_configs);
	ATF_TP_ADD_TC(tp, bad_configs);
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, structures);
	ATF_TP_ADD_TC(tp, include_macros);
	ATF_TP_ADD_TC(tp, include_errors);
	ATF_TP_ADD_TC(tp, include_not_regular);
	ATF_TP_ADD_TC(tp, limits);
	ATF_TP_ADD_TC(tp, buffer);
	ATF_TP_ADD_TC(tp, example);
	ATF_TP_ADD_TC(tp, auth_configs);
	ATF_TP_ADD_TC(tp, example_vps);
	ATF_TP_ADD_TC(tp, mailauth_configs);
	return (atf_no_error());
}
