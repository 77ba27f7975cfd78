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
 * bounce_test.c -- unit tests for queue/bounce.c: the DSN is a well-formed
 * multipart/report (boundaries, headers, delivery-status fields), the
 * Status code comes from the errorline, and nothing in an errorline can
 * inject a header line; the same for a delay notice (Action: delayed, a
 * 4.x.y Status, Will-Retry-Until).
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "smtpd.h"

#define ORIG_HEADERS	"Received: from client\nFrom: alice@example.org\n" \
			"Subject: hello there\nMessage-ID: <m1@example.org>\n"
#define ORIG_MSG	ORIG_HEADERS "\nsecret body text\n"

static void	mkenv(struct envelope *, const char *, const char *);
static char	*part(const char *, const char *, int);
static size_t	count(const char *, const char *);
static char	*build(struct envelope *, size_t, const char *);
static char	*build_delayed(struct envelope *, size_t, const char *);
static char	*build_info(struct envelope *, size_t, const char *, int);
static void	 boundary_of(const char *, char *, size_t);

static void
mkenv(struct envelope *e, const char *dest, const char *errorline)
{
	memset(e, 0, sizeof(*e));
	e->id = 0x0000abcd00000001ULL;
	strlcpy(e->sender.user, "alice", sizeof(e->sender.user));
	strlcpy(e->sender.domain, "example.org", sizeof(e->sender.domain));
	strlcpy(e->dest.user, dest, sizeof(e->dest.user));
	strlcpy(e->dest.domain, "example.net", sizeof(e->dest.domain));
	strlcpy(e->rcpt.user, dest, sizeof(e->rcpt.user));
	strlcpy(e->rcpt.domain, "example.net", sizeof(e->rcpt.domain));
	strlcpy(e->errorline, errorline, sizeof(e->errorline));
	e->ctime = 1700000000;
	e->lasttry = 1700000300;
}

static char *
build(struct envelope *evps, size_t n, const char *msg)
{
	return (build_info(evps, n, msg, 0));
}

static char *
build_delayed(struct envelope *evps, size_t n, const char *msg)
{
	return (build_info(evps, n, msg, 1));
}

static char *
build_info(struct envelope *evps, size_t n, const char *msg, int delayed)
{
	const struct envelope	*v[4];
	struct bounce_info	 bi;
	char			*text;
	size_t			 len, i;

	ATF_REQUIRE(n <= 4);
	for (i = 0; i < n; i++)
		v[i] = &evps[i];
	memset(&bi, 0, sizeof(bi));
	bi.hostname = "mx.example.org";
	bi.now = 1700000400;
	bi.msgid = 0x1234;
	bi.nonce = 0x5678;
	bi.evps = v;
	bi.nevp = n;
	bi.headers = msg;
	bi.hlen = strlen(msg);
	bi.delayed = delayed;
	text = bounce_build(&bi, &len);
	ATF_REQUIRE(text != NULL);
	ATF_REQUIRE_EQ(len, strlen(text));
	return (text);
}

/* The boundary parameter of the top-level Content-Type. */
static void
boundary_of(const char *msg, char *out, size_t size)
{
	const char	*b, *q, *end;

	ATF_REQUIRE((end = strstr(msg, "\n\n")) != NULL);
	ATF_REQUIRE((b = strstr(msg, "boundary=\"")) != NULL && b < end);
	b += strlen("boundary=\"");
	ATF_REQUIRE((q = strchr(b, '"')) != NULL);
	ATF_REQUIRE((size_t)(q - b) < size);
	snprintf(out, size, "%.*s", (int)(q - b), b);
}

static size_t
count(const char *s, const char *needle)
{
	size_t	 n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return (n);
}

/* Body of MIME part idx (1-based) delimited by "--boundary\n". */
static char *
part(const char *msg, const char *boundary, int idx)
{
	char		 delim[256];
	const char	*p = msg, *end;
	int		 i;

	snprintf(delim, sizeof(delim), "\n--%s", boundary);
	for (i = 0; i < idx; i++) {
		ATF_REQUIRE_MSG((p = strstr(p, delim)) != NULL, "part %d", idx);
		p += strlen(delim);
	}
	ATF_REQUIRE(*p == '\n');
	p++;
	ATF_REQUIRE((end = strstr(p, delim)) != NULL);
	return (strndup(p, (size_t)(end - p)));
}

ATF_TC_WITHOUT_HEAD(status_extraction);
ATF_TC_BODY(status_extraction, tc)
{
	static const struct {
		const char	*errorline;
		const char	*status;
	} cases[] = {
		{ "550 5.1.1 <bob@example.net>: User unknown", "5.1.1" },
		{ "550-5.7.1 Message rejected", "5.7.1" },
		{ "mailbox full", "5.0.0" },
		{ "", "5.0.0" },
		{ "452 4.2.2 Mailbox full", "5.2.2" },	/* expired */
		{ "421 Service not available", "5.0.0" },
		{ "delivery failed (5.2.0)", "5.2.0" },
		{ "554 5.100.999 odd but valid", "5.100.999" },
		{ "550 5.1234.1 too long", "5.0.0" },
		{ "550 6.1.1 bad class", "5.0.0" },
		{ "connect to 127.0.0.1 refused", "5.0.0" },
		{ "550 5.1.1", "5.1.1" },
		{ "550 5.1.", "5.0.0" },
	};
	char	 st[16];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bounce_status(cases[i].errorline, st, sizeof(st));
		ATF_CHECK_MSG(strcmp(st, cases[i].status) == 0,
		    "\"%s\" -> %s, expected %s", cases[i].errorline, st,
		    cases[i].status);
		/* the delay notice's: the same code, class 4 */
		bounce_status_delay(cases[i].errorline, st, sizeof(st));
		ATF_CHECK_MSG(st[0] == '4' &&
		    strcmp(st + 1, cases[i].status + 1) == 0,
		    "delayed \"%s\" -> %s", cases[i].errorline, st);
	}
}

ATF_TC_WITHOUT_HEAD(headers_len);
ATF_TC_BODY(headers_len, tc)
{
	const char	*crlf = "A: b\r\nC: d\r\n\r\nbody";
	const char	*nobody = "A: b\nC: d\n";
	const char	*cut = "A: b\nC: d";

	ATF_CHECK_EQ(bounce_headers_len(ORIG_MSG, strlen(ORIG_MSG)),
	    strlen(ORIG_HEADERS));
	ATF_CHECK_EQ(bounce_headers_len(crlf, strlen(crlf)), 12);
	ATF_CHECK_EQ(bounce_headers_len(nobody, strlen(nobody)), 10);
	ATF_CHECK_EQ(bounce_headers_len(cut, strlen(cut)), 5);
	ATF_CHECK_EQ(bounce_headers_len("", 0), 0);
}

ATF_TC_WITHOUT_HEAD(dsn_structure);
ATF_TC_BODY(dsn_structure, tc)
{
	struct envelope	 e[2];
	char		*msg, *hdr, *p1, *p2, *p3, boundary[128];
	const char	*b, *q;
	size_t		 hl;

	mkenv(&e[0], "bob", "550 5.1.1 <bob@example.net>: User unknown");
	mkenv(&e[1], "carol", "mailbox full");
	e[1].id++;
	msg = build(e, 2, ORIG_MSG);

	/* top-level header */
	ATF_REQUIRE((q = strstr(msg, "\n\n")) != NULL);
	hl = (size_t)(q - msg) + 1;
	hdr = strndup(msg, hl);
	ATF_CHECK(strstr(hdr, "From: Mail Delivery System "
	    "<MAILER-DAEMON@mx.example.org>\n") != NULL);
	ATF_CHECK(strstr(hdr, "\nTo: <alice@example.org>\n") != NULL);
	ATF_CHECK(strstr(hdr, "\nSubject: Undelivered Mail Returned to "
	    "Sender\n") != NULL);
	ATF_CHECK(strstr(hdr, "\nAuto-Submitted: auto-replied\n") != NULL);
	ATF_CHECK(strstr(hdr, "\nMIME-Version: 1.0\n") != NULL);
	ATF_CHECK(strstr(hdr, "\nDate: Tue, 14 Nov 2023 22:20:00 +0000\n")
	    != NULL);
	ATF_CHECK(strstr(hdr, "\nMessage-ID: <") != NULL);
	ATF_CHECK(strstr(hdr, "multipart/report; "
	    "report-type=delivery-status;") != NULL);
	ATF_REQUIRE((b = strstr(hdr, "boundary=\"")) != NULL);
	b += strlen("boundary=\"");
	ATF_REQUIRE((q = strchr(b, '"')) != NULL);
	ATF_REQUIRE((size_t)(q - b) < sizeof(boundary));
	snprintf(boundary, sizeof(boundary), "%.*s", (int)(q - b), b);
	ATF_CHECK(strlen(boundary) > 0 && strlen(boundary) <= 70);

	/* three delimiters, one close delimiter, last */
	{
		char	 d[160], c[160];

		snprintf(d, sizeof(d), "\n--%s\n", boundary);
		snprintf(c, sizeof(c), "\n--%s--\n", boundary);
		ATF_CHECK_EQ(count(msg, d), 3);
		ATF_CHECK_EQ(count(msg, c), 1);
		ATF_CHECK(strcmp(msg + strlen(msg) - strlen(c), c) == 0);
	}

	p1 = part(msg, boundary, 1);
	ATF_CHECK(strncmp(p1, "Content-Description: Notification\n"
	    "Content-Type: text/plain", 58) == 0);
	ATF_CHECK(strstr(p1, "<bob@example.net>: 550 5.1.1") != NULL);
	ATF_CHECK(strstr(p1, "<carol@example.net>: mailbox full") != NULL);

	p2 = part(msg, boundary, 2);
	ATF_CHECK(strstr(p2, "Content-Type: message/delivery-status\n\n")
	    != NULL);
	ATF_CHECK(strstr(p2, "\nReporting-MTA: dns; mx.example.org\n")
	    != NULL);
	ATF_CHECK(strstr(p2, "\nArrival-Date: Tue, 14 Nov 2023 22:13:20 "
	    "+0000\n") != NULL);
	ATF_CHECK(strstr(p2, "\n\nFinal-Recipient: rfc822; bob@example.net\n"
	    "Original-Recipient: rfc822; bob@example.net\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: "
	    "User unknown\n") != NULL);
	ATF_CHECK(strstr(p2, "\n\nFinal-Recipient: rfc822; "
	    "carol@example.net\n") != NULL);
	ATF_CHECK(strstr(p2, "Status: 5.0.0\n"
	    "Diagnostic-Code: smtp; mailbox full\n") != NULL);
	ATF_CHECK_EQ(count(p2, "Action: failed\n"), 2);
	ATF_CHECK_EQ(count(p2, "Last-Attempt-Date: "), 2);

	p3 = part(msg, boundary, 3);
	ATF_CHECK(strncmp(p3, "Content-Description: Undelivered Message "
	    "Headers\nContent-Type: text/rfc822-headers\n\n", 84) == 0);
	ATF_CHECK(strstr(p3, "\nSubject: hello there\n") != NULL);
	ATF_CHECK(strstr(msg, "secret body text") == NULL);

	free(hdr);
	free(p1);
	free(p2);
	free(p3);
	free(msg);
}

/* An errorline from a remote server cannot add lines to the DSN. */
ATF_TC_WITHOUT_HEAD(errorline_injection);
ATF_TC_BODY(errorline_injection, tc)
{
	struct envelope	 e;
	char		*msg;

	mkenv(&e, "bob", "550 5.1.1 no\r\nX-Injected: yes\n\n--evil");
	msg = build(&e, 1, ORIG_MSG);
	ATF_CHECK(strstr(msg, "\nX-Injected") == NULL);
	ATF_CHECK(strstr(msg, "\n--evil") == NULL);
	ATF_CHECK(strstr(msg, "Status: 5.1.1\n") != NULL);
	ATF_CHECK(strchr(msg, '\r') == NULL);
	free(msg);
}

/* 8-bit data is declared, 7-bit data is not. */
ATF_TC_WITHOUT_HEAD(eightbit);
ATF_TC_BODY(eightbit, tc)
{
	struct envelope	 e;
	char		*msg;

	mkenv(&e, "bob", "550 5.1.1 no");
	msg = build(&e, 1, ORIG_MSG);
	ATF_CHECK(strstr(msg, "Content-Transfer-Encoding: 8bit") == NULL);
	free(msg);
	msg = build(&e, 1, "Subject: caf\xc3\xa9\n\nbody\n");
	ATF_CHECK(strstr(msg, "Content-Transfer-Encoding: 8bit") != NULL);
	free(msg);
	strlcpy(e.dest.user, "jos\xc3\xa9", sizeof(e.dest.user));
	msg = build(&e, 1, ORIG_MSG);
	ATF_CHECK(strstr(msg, "Final-Recipient: utf-8; jos\xc3\xa9@") != NULL);
	free(msg);
}

/*
 * A delay notice: the same multipart/report with Action: delayed, a
 * 4.x.y Status from the last error, Will-Retry-Until the expiry, and the
 * original headers; its text says the mail is still being retried.
 */
ATF_TC_WITHOUT_HEAD(delayed_structure);
ATF_TC_BODY(delayed_structure, tc)
{
	struct envelope	 e[2];
	char		*msg, *hdr, *p1, *p2, *p3, boundary[128];
	char		 d[160], c[160];
	const char	*q;

	mkenv(&e[0], "bob", "451 4.4.1 relay: cannot connect to "
	    "mx.example.net");
	e[0].expire = 1700000000 + 4 * 86400;
	mkenv(&e[1], "carol", "");
	e[1].id++;
	e[1].expire = e[0].expire;
	msg = build_delayed(e, 2, ORIG_MSG);

	ATF_REQUIRE((q = strstr(msg, "\n\n")) != NULL);
	hdr = strndup(msg, (size_t)(q - msg) + 1);
	ATF_CHECK(strstr(hdr, "\nTo: <alice@example.org>\n") != NULL);
	ATF_CHECK(strstr(hdr, "\nSubject: Delayed Mail (still being "
	    "retried)\n") != NULL);
	ATF_CHECK(strstr(hdr, "\nAuto-Submitted: auto-replied\n") != NULL);
	ATF_CHECK(strstr(hdr, "multipart/report; "
	    "report-type=delivery-status;") != NULL);
	boundary_of(msg, boundary, sizeof(boundary));
	snprintf(d, sizeof(d), "\n--%s\n", boundary);
	snprintf(c, sizeof(c), "\n--%s--\n", boundary);
	ATF_CHECK_EQ(count(msg, d), 3);
	ATF_CHECK_EQ(count(msg, c), 1);
	ATF_CHECK(strcmp(msg + strlen(msg) - strlen(c), c) == 0);

	p1 = part(msg, boundary, 1);
	ATF_CHECK(strstr(p1, "could not be delivered yet") != NULL);
	ATF_CHECK(strstr(p1, "will keep trying until Sat, 18 Nov 2023 "
	    "22:13:20 +0000") != NULL);
	ATF_CHECK(strstr(p1, "do not need to send it again") != NULL);
	ATF_CHECK(strstr(p1, "returned to you") == NULL);
	ATF_CHECK(strstr(p1, "<bob@example.net>: 451 4.4.1 relay") != NULL);
	ATF_CHECK(strstr(p1, "<carol@example.net>: delivery delayed") !=
	    NULL);

	p2 = part(msg, boundary, 2);
	ATF_CHECK(strncmp(p2, "Content-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n\n", 76) == 0);
	ATF_CHECK(strstr(p2, "\nReporting-MTA: dns; mx.example.org\n")
	    != NULL);
	ATF_CHECK(strstr(p2, "\n\nFinal-Recipient: rfc822; bob@example.net\n"
	    "Original-Recipient: rfc822; bob@example.net\n"
	    "Action: delayed\nStatus: 4.4.1\n"
	    "Diagnostic-Code: smtp; 451 4.4.1 relay: cannot connect to "
	    "mx.example.net\n"
	    "Last-Attempt-Date: Tue, 14 Nov 2023 22:18:20 +0000\n"
	    "Will-Retry-Until: Sat, 18 Nov 2023 22:13:20 +0000\n") != NULL);
	ATF_CHECK(strstr(p2, "\n\nFinal-Recipient: rfc822; "
	    "carol@example.net\n") != NULL);
	ATF_CHECK(strstr(p2, "Action: delayed\nStatus: 4.0.0\n"
	    "Diagnostic-Code: smtp; delivery delayed\n") != NULL);
	ATF_CHECK_EQ(count(p2, "Action: delayed\n"), 2);
	ATF_CHECK_EQ(count(p2, "Will-Retry-Until: "), 2);
	ATF_CHECK(strstr(p2, "Action: failed") == NULL);
	ATF_CHECK(strstr(p2, "Status: 5.") == NULL);

	p3 = part(msg, boundary, 3);
	ATF_CHECK(strncmp(p3, "Content-Description: Delayed Message "
	    "Headers\nContent-Type: text/rfc822-headers\n\n", 80) == 0);
	ATF_CHECK(strstr(p3, "\nSubject: hello there\n") != NULL);
	ATF_CHECK(strstr(p3, "Message-ID: <m1@example.org>\n") != NULL);
	ATF_CHECK(strstr(msg, "secret body text") == NULL);

	free(hdr);
	free(p1);
	free(p2);
	free(p3);
	free(msg);
}

/* A remote errorline cannot add lines to a delay notice either. */
ATF_TC_WITHOUT_HEAD(delayed_injection);
ATF_TC_BODY(delayed_injection, tc)
{
	struct envelope	 e;
	char		*msg;

	mkenv(&e, "bob", "451 4.7.1 later\r\nAction: failed\n\n--evil");
	e.expire = 1700000000 + 86400;
	msg = build_delayed(&e, 1, ORIG_MSG);
	ATF_CHECK(strstr(msg, "\nAction: failed") == NULL);
	ATF_CHECK(strstr(msg, "\n--evil") == NULL);
	ATF_CHECK(strstr(msg, "\nAction: delayed\nStatus: 4.7.1\n") != NULL);
	ATF_CHECK(strchr(msg, '\r') == NULL);
	free(msg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, status_extraction);
	ATF_TP_ADD_TC(tp, headers_len);
	ATF_TP_ADD_TC(tp, dsn_structure);
	ATF_TP_ADD_TC(tp, errorline_injection);
	ATF_TP_ADD_TC(tp, eightbit);
	ATF_TP_ADD_TC(tp, delayed_structure);
	ATF_TP_ADD_TC(tp, delayed_injection);
	return (atf_no_error());
}
