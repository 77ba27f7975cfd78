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
 * agent_relay.c -- delivery to a relay host: "action NAME relay host
 * smtp://HOST[:PORT]" (plain SMTP, one message per connection).
 *
 * SECURITY: runs as SMTPD_USER_RELAY under SANDBOX_AGENT_RELAY (network
 * and resolver, no file written).  The relay host's replies are parsed by
 * common/smtp_client.c and only copied, escaped, into the errorline.
 * The host name is resolved here with getaddrinfo(3) (the resolver's
 * files and sockets are allowed by the profile; agent.c resolves once
 * before the sandbox so that the NSS modules are loaded).
 *
 * Outcome: the reply that ends the transaction (2xx ok, 4xx tempfail and
 * retried by the queue, 5xx permfail and bounced), kept in the errorline;
 * a connection that fails or breaks is a tempfail.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "smtp_client.h"
#include "sock.h"
#include "util.h"
#include "agent.h"

#define RELAY_BROKEN	(-1)		/* connection lost, bad reply */

int	agent_relay_timeout = 300;	/* seconds per step */

struct relay_conn {
	struct smtp_client	 c;
	char			 where[HOST_MAX + 16];	/* host:port */
};

static int	agent_relay_txn(struct relay_conn *, const struct deliver *,
		    int, struct agent_report *);
static int	agent_relay_mail(struct relay_conn *, const struct deliver *,
		    int);
static int	agent_relay_outcome(struct relay_conn *, struct agent_report *,
		    int, const char *);

/* "host:port" ("[v6]:port"), for the log line and the errorline. */
void
agent_relay_where(const struct relayhost *rh, char *buf, size_t len)
{
	if (strchr(rh->host, ':') != NULL)
		(void)snprintf(buf, len, "[%s]:%u", rh->host,
		    (unsigned)rh->port);
	else
		(void)snprintf(buf, len, "%s:%u", rh->host, (unsigned)rh->port);
}

int
agent_relay_deliver(const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	struct relay_conn	 rc;
	char			 port[8], err[ERRLINE_MAX];
	int			 fd;

	agent_report_init(rep);
	agent_relay_where(&d->relay, rc.where, sizeof(rc.where));
	(void)strlcpy(rep->path, rc.where, sizeof(rep->path));
	(void)snprintf(port, sizeof(port), "%u", (unsigned)d->relay.port);
	if ((fd = sock_connect_inet(d->relay.host, port, agent_relay_timeout,
	    err, sizeof(err))) == -1) {
		log_warnx("agent relay: %s", err);
		return (agent_report_set(rep, ST_TEMPFAIL, "451 4.4.1 relay: "
		    "cannot connect to %s", rc.where));
	}
	smtp_client_init(&rc.c, fd, agent_relay_timeout);
	if (agent_relay_txn(&rc, d, msgfd, rep) == RELAY_BROKEN)
		(void)agent_report_set(rep, ST_TEMPFAIL, "451 4.4.2 relay: "
		    "connection to %s lost or broken", rc.where);
	close(fd);
	return (rep->status);
}

/*
 * Greeting, EHLO, MAIL, RCPT, DATA, QUIT.  RELAY_BROKEN, or 0 with the
 * outcome in rep.
 */
static int
agent_relay_txn(struct relay_conn *rc, const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	struct smtp_ehlo	 ehlo;
	char			 addr[MAILADDR_MAX];
	int			 code;

	if ((code = smtp_client_reply(&rc->c)) / 100 != 2)
		return (agent_relay_outcome(rc, rep, code, "greeting"));
	code = smtp_client_hello(&rc->c, d->helo[0] ? d->helo : "localhost",
	    &ehlo);
	if (code / 100 != 2)
		return (agent_relay_outcome(rc, rep, code, "EHLO"));
	if ((d->evp.flags & EF_SMTPUTF8) && !(ehlo.ext & SMTP_EXT_SMTPUTF8)) {
		(void)agent_report_set(rep, ST_PERMFAIL, "553 5.6.7 relay %s "
		    "does not support SMTPUTF8, which this message needs",
		    rc->where);
		(void)smtp_client_cmd(&rc->c, "QUIT");
		return (0);
	}
	if ((code = agent_relay_mail(rc, d, msgfd)) / 100 != 2)
		return (agent_relay_outcome(rc, rep, code, "MAIL FROM"));
	agent_addr_text(&d->evp.dest, addr, sizeof(addr));
	if ((code = smtp_client_cmd(&rc->c, "RCPT TO:<%s>", addr)) / 100 != 2)
		return (agent_relay_outcome(rc, rep, code, "RCPT TO"));
	if ((code = smtp_client_cmd(&rc->c, "DATA")) != 354)
		return (agent_relay_outcome(rc, rep, code, "DATA"));
	if (agent_smtp_body(&rc->c, msgfd, "relay") == -1)
		return (RELAY_BROKEN);
	code = smtp_client_reply(&rc->c);
	if (agent_relay_outcome(rc, rep, code, "end of data") == RELAY_BROKEN)
		return (RELAY_BROKEN);
	if (code / 100 == 2)
		(void)smtp_client_cmd(&rc->c, "QUIT");
	return (0);
}

/* MAIL FROM with SIZE, BODY and SMTPUTF8 if offered: the reply code. */
static int
agent_relay_mail(struct relay_conn *rc, const struct deliver *d, int msgfd)
{
	struct smtp_ehlo	 ehlo;
	struct stat		 sb;
	char			 addr[MAILADDR_MAX], params[64];
	int			 flags = 0;

	/* the EHLO reply is still the last one read */
	if (smtp_ehlo_parse(&rc->c.reply, &ehlo) == -1)
		memset(&ehlo, 0, sizeof(ehlo));
	if (d->evp.flags & EF_8BITMIME)
		flags |= SMTP_MAIL_8BIT;
	if (d->evp.flags & EF_SMTPUTF8)
		flags |= SMTP_MAIL_UTF8;
	if (fstat(msgfd, &sb) == -1)
		sb.st_size = 0;
	if (smtp_mail_params(params, sizeof(params), &ehlo,
	    (unsigned long long)sb.st_size, flags) == -1)
		params[0] = '\0';
	agent_addr_text(&d->evp.sender, addr, sizeof(addr));
	return (smtp_client_cmd(&rc->c, "MAIL FROM:<%s>%s", addr, params));
}

/*
 * The outcome of the reply to step: 2xx ok, 4xx tempfail, 5xx permfail,
 * with the relay host's last reply line as the errorline.  RELAY_BROKEN
 * for no reply, a malformed one or another code.
 */
static int
agent_relay_outcome(struct relay_conn *rc, struct agent_report *rep,
    int code, const char *step)
{
	char		 esc[ERRLINE_MAX];
	const char	*line;
	int		 status;

	if (code == -1 && rc->c.cmdlen == -1) {
		/* an address our command cannot carry: it never will */
		(void)agent_report_set(rep, ST_PERMFAIL, "501 5.5.2 relay: "
		    "address too long or malformed for %s", step);
		return (0);
	}
	switch (code < 0 ? -1 : code / 100) {
	case 2:
		/* success ends only the transaction, after the data */
		if (strcmp(step, "end of data") != 0) {
			log_warnx("agent relay: %s: unexpected reply %d to %s",
			    rc->where, code, step);
			return (RELAY_BROKEN);
		}
		status = ST_OK;
		break;
	case 4:
		status = ST_TEMPFAIL;
		break;
	case 5:
		status = ST_PERMFAIL;
		break;
	default:
		if (code == -1 && rc->c.reply.error != NULL)
			log_warnx("agent relay: %s: %s after %s", rc->where,
			    rc->c.reply.error, step);
		else if (code == -1)
			log_warnx("agent relay: %s: %s after %s", rc->where,
			    strerror(errno), step);
		else
			log_warnx("agent relay: %s: unexpected reply %d to %s",
			    rc->where, code, step);
		return (RELAY_BROKEN);
	}
	line = smtp_reply_line(&rc->c.reply, rc->c.reply.nlines - 1);
	(void)log_escape(esc, sizeof(esc), line, strlen(line));
	(void)agent_report_set(rep, status, "%s", esc);
	if (status != ST_OK)
		(void)smtp_client_cmd(&rc->c, "QUIT");
	return (0);
}
