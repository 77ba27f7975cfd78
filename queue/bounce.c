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
 * bounce.c -- RFC 3464 delivery status notifications: bounces and delay
 * notices.
 *
 * bounce_build() formats, from the failed (or delayed) envelopes of one
 * message and that message's header block, a multipart/report message:
 *
 *	1. text/plain: what happened, for a human
 *	2. message/delivery-status: Reporting-MTA, Arrival-Date, then per
 *	   recipient Final-Recipient, Original-Recipient, Action: failed,
 *	   Status (from the errorline's enhanced code, default 5.0.0),
 *	   Diagnostic-Code and Last-Attempt-Date; for a delay notice
 *	   (bi->delayed) Action: delayed, a 4.x.y Status (default 4.0.0)
 *	   and Will-Retry-Until (the envelope's expiry)
 *	3. text/rfc822-headers: the original headers
 *
 * Lines end with LF, like every message in the spool.  No I/O here: the
 * queue writes the result into incoming/ and commits it like any message,
 * with sender <> and EF_BOUNCE so that a bounce is never bounced.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "queue.h"
#include "smtpd.h"
#include "util.h"

static void	bounce_date(time_t, char *, size_t);
static void	bounce_clean(const char *, char *, size_t);
static void	bounce_status_class(const char *, char, char *, size_t);
static int	bounce_is_code(const char *, size_t);
static int	bounce_eightbit(const char *, size_t);
static int	bounce_evp_eightbit(const struct envelope *);
static const char *bounce_addrtype(const char *);
static void	bounce_human(FILE *, const struct bounce_info *);
static void	bounce_report(FILE *, const struct bounce_info *);
static void	bounce_recipient(FILE *, const struct envelope *, int);

/* RFC 5322 date in UTC, independent of the locale. */
static void
bounce_date(time_t t, char *buf, size_t size)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL) {
		(void)strlcpy(buf, "Thu, 01 Jan 1970 00:00:00 +0000", size);
		return;
	}
	(void)snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Copy text for a header field: control characters become blanks. */
static void
bounce_clean(const char *s, char *out, size_t size)
{
	size_t	 i;

	(void)strlcpy(out, s, size);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
}

/* "user@domain", or "" for <>.  -1 if it does not fit. */
int
bounce_addr(const struct mailaddr *ma, char *buf, size_t size)
{
	int	 n;

	if (ma->user[0] == '\0' && ma->domain[0] == '\0') {
		if (size == 0)
			return (-1);
		buf[0] = '\0';
		return (0);
	}
	if (ma->domain[0] == '\0')
		n = snprintf(buf, size, "%s", ma->user);
	else
		n = snprintf(buf, size, "%s@%s", ma->user, ma->domain);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

/* class "." 1*3digit "." 1*3digit (RFC 3463), class 2, 4 or 5. */
static int
bounce_is_code(const char *s, size_t len)
{
	size_t	 i = 0, d, part;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return (0);
	i = 2;
	for (part = 0; part < 2; part++) {
		for (d = 0; i < len && isdigit((unsigned char)s[i]); i++)
			d++;
		if (d < 1 || d > 3)
			return (0);
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return (0);
			i++;
		}
	}
	return (i == len);
}

/*
 * The enhanced status code in an errorline ("550 5.1.1 No such user" ->
 * "5.1.1"; "550-5.7.1 ..." too), as a permanent failure: a 4.x.y code
 * (an expired temporary failure) becomes 5.x.y.  "5.0.0" if none.
 */
void
bounce_status(const char *errorline, char *out, size_t size)
{
	bounce_status_class(errorline, '5', out, size);
}

/* The same for a delay notice: a temporary failure, 4.x.y ("4.0.0"). */
void
bounce_status_delay(const char *errorline, char *out, size_t size)
{
	bounce_status_class(errorline, '4', out, size);
}

/* The enhanced code in errorline with class cls, or cls.0.0. */
static void
bounce_status_class(const char *errorline, char cls, char *out, size_t size)
{
	const char	*p = errorline, *end;
	size_t		 len;
	char		 code[16];

	(void)snprintf(out, size, "%c.0.0", cls);
	if (errorline == NULL)
		return;
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '-'))
		p += 4;
	while (*p != '\0') {
		p += strspn(p, " \t");
		end = p + strcspn(p, " \t");
		len = (size_t)(end - p);
		while (len > 0 && strchr(",;:)]", p[len - 1]) != NULL)
			len--;
		if (p[0] == '(' || p[0] == '[') {
			p++;
			len = len > 0 ? len - 1 : 0;
		}
		if (bounce_is_code(p, len) && len < sizeof(code)) {
			memcpy(code, p, len);
			code[len] = '\0';
			code[0] = cls;
			(void)strlcpy(out, code, size);
			return;
		}
		p = end;
	}
}

/* Length of the header block at the start of msg (blank line excluded). */
size_t
bounce_headers_len(const char *msg, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (i + 1 < len && msg[i + 1] == '\n')
			return (i + 1);
		if (i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return (i + 1);
	}
	/* No body, or cut short: keep whole lines only. */
	while (len > 0 && msg[len - 1] != '\n')
		len--;
	return (len);
}

static int
bounce_eightbit(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return (1);
	return (0);
}

static int
bounce_evp_eightbit(const struct envelope *evp)
{
	const char	*f[] = { evp->dest.user, evp->dest.domain,
	    evp->rcpt.user, evp->rcpt.domain, evp->errorline };
	size_t		 i;

	for (i = 0; i < nitems(f); i++)
		if (bounce_eightbit(f[i], strlen(f[i])))
			return (1);
	return (0);
}

/* RFC 6533: "utf-8" for internationalised addresses. */
static const char *
bounce_addrtype(const char *addr)
{
	return (bounce_eightbit(addr, strlen(addr)) ? "utf-8" : "rfc822");
}

static void
bounce_human(FILE *f, const struct bounce_info *bi)
{
	char	 addr[MAILADDR_MAX + 1], err[ERRLINE_MAX], notice[2048];
	char	 date[64];
	size_t	 i;

	fprintf(f, "This is the mail system at host %s.\n\n", bi->hostname);
	if (bi->notice != NULL) {
		bounce_clean(bi->notice, notice, sizeof(notice));
		fprintf(f, "%s\n\n", notice);
	}
	if (bi->delayed) {
		bounce_date(bi->evps[0]->expire, date, sizeof(date));
		fprintf(f, "Your message could not be delivered yet to one or "
		    "more recipients.\nThe mail system will keep trying until "
		    "%s;\nyou do not need to send it again.  This report was "
		    "generated\nautomatically: please do not reply to it.\n\n",
		    date);
	} else
		fprintf(f, "Your message could not be delivered to one or "
		    "more recipients.\nIt has been returned to you; this "
		    "report was generated automatically:\nplease do not "
		    "reply to it.\n\n");
	for (i = 0; i < bi->nevp; i++) {
		if (bounce_addr(&bi->evps[i]->dest, addr, sizeof(addr)) == -1)
			(void)strlcpy(addr, "(address too long)", sizeof(addr));
		bounce_clean(bi->evps[i]->errorline[0] ?
		    bi->evps[i]->errorline : bi->delayed ? "delivery delayed" :
		    "delivery failed", err, sizeof(err));
		fprintf(f, "<%s>: %s\n", addr, err);
	}
	fprintf(f, "\nThe headers of the original message follow.\n");
}

static void
bounce_recipient(FILE *f, const struct envelope *evp, int delayed)
{
	char	 addr[MAILADDR_MAX + 1], err[ERRLINE_MAX], status[16];
	char	 date[64];

	fprintf(f, "\n");
	if (bounce_addr(&evp->dest, addr, sizeof(addr)) == 0)
		fprintf(f, "Final-Recipient: %s; %s\n", bounce_addrtype(addr),
		    addr);
	if ((evp->rcpt.user[0] != '\0' || evp->rcpt.domain[0] != '\0') &&
	    bounce_addr(&evp->rcpt, addr, sizeof(addr)) == 0)
		fprintf(f, "Original-Recipient: %s; %s\n",
		    bounce_addrtype(addr), addr);
	if (delayed)
		bounce_status_delay(evp->errorline, status, sizeof(status));
	else
		bounce_status(evp->errorline, status, sizeof(status));
	fprintf(f, "Action: %s\n", delayed ? "delayed" : "failed");
	fprintf(f, "Status: %s\n", status);
	bounce_clean(evp->errorline[0] ? evp->errorline : delayed ?
	    "delivery delayed" : "delivery failed", err, sizeof(err));
	fprintf(f, "Diagnostic-Code: smtp; %s\n", err);
	if (evp->lasttry > 0) {
		bounce_date(evp->lasttry, date, sizeof(date));
		fprintf(f, "Last-Attempt-Date: %s\n", date);
	}
	if (delayed && evp->expire > 0) {
		bounce_date(evp->expire, date, sizeof(date));
		fprintf(f, "Will-Retry-Until: %s\n", date);
	}
}

static void
bounce_report(FILE *f, const struct bounce_info *bi)
{
	char	 date[64];
	size_t	 i;

	fprintf(f, "Reporting-MTA: dns; %s\n", bi->hostname);
	if (bi->nevp > 0 && bi->evps[0]->ctime > 0) {
		bounce_date(bi->evps[0]->ctime, date, sizeof(date));
		fprintf(f, "Arrival-Date: %s\n", date);
	}
	for (i = 0; i < bi->nevp; i++)
		bounce_recipient(f, bi->evps[i], bi->delayed);
}

/*
 * The whole bounce message, allocated; *lenp its length.  The recipient
 * (To:) is the sender of the first envelope: all evps are of one message.
 */
char *
bounce_build(const struct bounce_info *bi, size_t *lenp)
{
	char		 boundary[96], date[64], to[MAILADDR_MAX + 1];
	char		*buf = NULL;
	size_t		 len = 0, hlen, i;
	FILE		*f;
	int		 eight;

	if (bi->nevp == 0)
		fatalx("bounce_build: no envelope");
	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	(void)snprintf(boundary, sizeof(boundary), "%08x.%08x/%s",
	    bi->msgid, bi->nonce, bi->hostname);
	bounce_date(bi->now, date, sizeof(date));
	if (bi->to != NULL)
		(void)strlcpy(to, bi->to, sizeof(to));
	else if (bounce_addr(&bi->evps[0]->sender, to, sizeof(to)) == -1)
		to[0] = '\0';
	hlen = bounce_headers_len(bi->headers, bi->hlen);
	eight = bounce_eightbit(bi->headers, hlen) ||
	    bounce_eightbit(to, strlen(to));
	for (i = 0; i < bi->nevp && !eight; i++)
		eight = bounce_evp_eightbit(bi->evps[i]);

	fprintf(f, "From: Mail Delivery System <MAILER-DAEMON@%s>\n",
	    bi->hostname);
	fprintf(f, "To: <%s>\n", to);
	fprintf(f, "Subject: %s\n", bi->delayed ?
	    "Delayed Mail (still being retried)" :
	    "Undelivered Mail Returned to Sender");
	fprintf(f, "Date: %s\n", date);
	fprintf(f, "Message-ID: <%lld.%08x.%08x@%s>\n", (long long)bi->now,
	    bi->msgid, bi->nonce, bi->hostname);
	fprintf(f, "Auto-Submitted: auto-replied\n");
	fprintf(f, "MIME-Version: 1.0\n");
	fprintf(f, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\n\tboundary=\"%s\"\n", boundary);
	if (eight)
		fprintf(f, "Content-Transfer-Encoding: 8bit\n");
	fprintf(f, "\nThis is a MIME-encapsulated message.\n\n");

	fprintf(f, "--%s\n", boundary);
	fprintf(f, "Content-Description: Notification\n");
	fprintf(f, "Content-Type: text/plain; charset=utf-8\n");
	fprintf(f, "Content-Transfer-Encoding: %s\n\n", eight ? "8bit" :
	    "7bit");
	bounce_human(f, bi);

	fprintf(f, "\n--%s\n", boundary);
	fprintf(f, "Content-Description: Delivery report\n");
	fprintf(f, "Content-Type: message/delivery-status\n\n");
	bounce_report(f, bi);

	fprintf(f, "\n--%s\n", boundary);
	fprintf(f, "Content-Description: %s Message Headers\n",
	    bi->delayed ? "Delayed" : "Undelivered");
	fprintf(f, "Content-Type: text/rfc822-headers\n");
	if (bounce_eightbit(bi->headers, hlen))
		fprintf(f, "Content-Transfer-Encoding: 8bit\n");
	fprintf(f, "\n");
	if (hlen > 0)
		(void)fwrite(bi->headers, 1, hlen, f);
	fprintf(f, "\n--%s--\n", boundary);
	if (ferror(f) || fclose(f) != 0)
		fatal("bounce_build");
	*lenp = len;
	return (buf);
}
