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
 * smtp_body_test.c -- message bodies in smtp/smtp_body.c: the From:
 * rewriting of "senders <table> masquerade" (smtp_body_masquerade(), a
 * case table), the removal of Authentication-Results fields claiming
 * our authserv-id under mail-auth (smtp_body_headers(), a case table),
 * and the header hold-back of a whole DATA body, fed whole and one byte
 * at a time into a real file (with mail-auth: the DKIM hashing of what
 * is written).
 */

#include <sys/types.h>

#include <atf-c.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim.h"
#include "smtpd.h"
#include "smtp_session.h"

#define ADDR	"alice@example.com"
#define MYID	"mx.example.org"

static const struct {
	const char	*in;
	const char	*out;
} masq_cases[] = {
	/* a simple display name is kept */
	{ "From: Alice Liddell <al@old.example>\r\n\r\n",
	  "From: Alice Liddell <" ADDR ">\r\n\r\n" },
	{ "From: \"Liddell, Alice\" <al@old.example>\r\n\r\n",
	  "From: \"Liddell, Alice\" <" ADDR ">\r\n\r\n" },
	{ "from : Alice <x@y>\r\n\r\n", "From: Alice <" ADDR ">\r\n\r\n" },
	{ "FROM:Alice<x@y>\r\n\r\n", "From: Alice <" ADDR ">\r\n\r\n" },
	/* folded: unfolded, spaces squeezed */
	{ "From: Alice\r\n  Liddell\r\n\t<al@old.example>\r\nTo: b@c\r\n\r\n",
	  "From: Alice Liddell <" ADDR ">\r\nTo: b@c\r\n\r\n" },
	{ "From: =?utf-8?q?Al=C3=AFce?= <x@y>\r\n\r\n",
	  "From: =?utf-8?q?Al=C3=AFce?= <" ADDR ">\r\n\r\n" },
	/* no display name, or not a simple one: the address alone */
	{ "From: al@old.example\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: <al@old.example>\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: al@old.example (Alice)\r\n\r\n",
	  "From: <" ADDR ">\r\n\r\n" },
	{ "From: A <a@x>, B <b@x>\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: Group: a@x, b@x;\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: Alice <a@x> trailing\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: Alice <a@x\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: Al<i>ce <a@x>\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: \"unterminated <a@x>\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From:\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	{ "From: Al\x01ice <a@x>\r\n\r\n", "From: <" ADDR ">\r\n\r\n" },
	/* every From: field; nothing else; not the body */
	{ "Subject: From: me\r\nFrom: A <a@x>\r\nX: y\r\n"
	  "From: B <b@x>\r\n\r\nFrom: body <c@x>\r\n",
	  "Subject: From: me\r\nFrom: A <" ADDR ">\r\nX: y\r\n"
	  "From: B <" ADDR ">\r\n\r\nFrom: body <c@x>\r\n" },
	{ "From-Address: a@x\r\nFromage: brie\r\nX-From: a@x\r\n\r\n",
	  "From-Address: a@x\r\nFromage: brie\r\nX-From: a@x\r\n\r\n" },
	{ "Sender: a@x\r\nReply-To: a@x\r\n\r\n",
	  "Sender: a@x\r\nReply-To: a@x\r\n\r\n" },
	/* no empty line: the whole text is headers */
	{ "To: b@c\r\nFrom: A <a@x>\r\n", "To: b@c\r\nFrom: A <" ADDR
	  ">\r\n" },
	{ "", "" },
};

ATF_TC_WITHOUT_HEAD(masquerade_cases);
ATF_TC_BODY(masquerade_cases, tc)
{
	char	*out;
	size_t	 i, len;

	for (i = 0; i < nitems(masq_cases); i++) {
		out = smtp_body_masquerade(masq_cases[i].in,
		    strlen(masq_cases[i].in), ADDR, &len);
		ATF_REQUIRE(out != NULL);
		ATF_CHECK_MSG(len == strlen(masq_cases[i].out) &&
		    memcmp(out, masq_cases[i].out, len) == 0,
		    "case %zu: got \"%.*s\"", i, (int)len, out);
		free(out);
	}
}

/* A display name too long to keep is dropped, never truncated. */
ATF_TC_WITHOUT_HEAD(masquerade_long);
ATF_TC_BODY(masquerade_long, tc)
{
	char	 in[4096], *out;
	size_t	 len;

	(void)snprintf(in, sizeof(in), "From: %0*d <a@x>\r\n\r\n", 2000, 7);
	out = smtp_body_masquerade(in, strlen(in), ADDR, &len);
	ATF_CHECK(len == strlen("From: <" ADDR ">\r\n\r\n") &&
	    memcmp(out, "From: <" ADDR ">\r\n\r\n", len) == 0);
	free(out);
}

/* Authentication-Results fields: ours removed, the others kept. */
static const struct {
	const char	*in;
	const char	*out;
	size_t		 removed;
} authres_cases[] = {
	{ "Authentication-Results: " MYID "; spf=pass\r\nSubject: x\r\n\r\n",
	  "Subject: x\r\n\r\n", 1 },
	/* folded, any case, with a version */
	{ "Subject: x\r\nAuthentication-Results:\r\n " MYID ";\r\n"
	  "\tspf=fail smtp.mailfrom=a@b\r\nTo: y\r\n\r\n",
	  "Subject: x\r\nTo: y\r\n\r\n", 1 },
	{ "authentication-results: MX.Example.ORG; dkim=pass\r\n\r\n",
	  "\r\n", 1 },
	{ "Authentication-Results: " MYID " 1; dmarc=pass\r\n\r\n",
	  "\r\n", 1 },
	{ "Authentication-Results : " MYID "; none\r\n\r\n", "\r\n", 1 },
	/* every one of ours, and only ours */
	{ "Authentication-Results: " MYID "; spf=pass\r\n"
	  "Authentication-Results: other.example; spf=fail\r\n"
	  "Authentication-Results: " MYID "; dkim=pass\r\n\r\n",
	  "Authentication-Results: other.example; spf=fail\r\n\r\n", 2 },
	{ "Authentication-Results: " MYID ".evil.example; spf=pass\r\n\r\n",
	  "Authentication-Results: " MYID ".evil.example; spf=pass\r\n\r\n",
	  0 },
	{ "Authentication-Results: x" MYID "; spf=pass\r\n\r\n",
	  "Authentication-Results: x" MYID "; spf=pass\r\n\r\n", 0 },
	{ "Authentication-Results-Original: " MYID "; spf=pass\r\n\r\n",
	  "Authentication-Results-Original: " MYID "; spf=pass\r\n\r\n",
	  0 },
	{ "X-Authentication-Results: " MYID "; spf=pass\r\n\r\n",
	  "X-Authentication-Results: " MYID "; spf=pass\r\n\r\n", 0 },
	/* not in the body */
	{ "Subject: x\r\n\r\nAuthentication-Results: " MYID "; spf=pass\r\n",
	  "Subject: x\r\n\r\nAuthentication-Results: " MYID "; spf=pass\r\n",
	  0 },
	/* no empty line: all headers */
	{ "To: b\r\nAuthentication-Results: " MYID "; spf=pass\r\n",
	  "To: b\r\n", 1 },
	{ "", "", 0 },
};

ATF_TC_WITHOUT_HEAD(authres_cases);
ATF_TC_BODY(authres_cases, tc)
{
	char	*out;
	size_t	 i, len, removed;

	for (i = 0; i < nitems(authres_cases); i++) {
		out = smtp_body_headers(authres_cases[i].in,
		    strlen(authres_cases[i].in), NULL, MYID, &len, &removed);
		ATF_REQUIRE(out != NULL);
		ATF_CHECK_MSG(len == strlen(authres_cases[i].out) &&
		    memcmp(out, authres_cases[i].out, len) == 0,
		    "case %zu: got \"%.*s\"", i, (int)len, out);
		ATF_CHECK_MSG(removed == authres_cases[i].removed,
		    "case %zu: %zu removed", i, removed);
		free(out);
		/* without an id nothing is removed */
		out = smtp_body_headers(authres_cases[i].in,
		    strlen(authres_cases[i].in), NULL, NULL, &len, &removed);
		ATF_CHECK(len == strlen(authres_cases[i].in) &&
		    memcmp(out, authres_cases[i].in, len) == 0 && removed == 0);
		free(out);
	}
}

/* masquerade and mail-auth together: both filters, one pass. */
ATF_TC_WITHOUT_HEAD(authres_masquerade);
ATF_TC_BODY(authres_masquerade, tc)
{
	static const char in[] = "From: A <a@x>\r\n"
	    "Authentication-Results: " MYID "; spf=pass\r\nTo: b\r\n\r\n";
	static const char want[] = "From: A <" ADDR ">\r\nTo: b\r\n\r\n";
	char	*out;
	size_t	 len, removed;

	out = smtp_body_headers(in, strlen(in), ADDR, MYID, &len, &removed);
	ATF_CHECK(len == strlen(want) && memcmp(out, want, len) == 0);
	ATF_CHECK_EQ(removed, 1);
	free(out);
}

#define RUN_MASQ	0x01
#define RUN_MAILAUTH	0x02

static struct dkim_msg	*body_dkim;	/* RUN_MAILAUTH: the last one */
static size_t		 body_removed;

/* A session that writes its body into a file, as smtp does. */
static char *
body_run(const char *data, int mode, size_t step, const char **err)
{
	struct smtp_session	 s;
	static char		 buf[1024 * 1024];
	uint64_t		 size;
	size_t			 off = 0, n, used;
	ssize_t			 r;
	int			 fd;

	memset(&s, 0, sizeof(s));
	s.lim.max_line = 1000;
	s.lim.max_size = 1024 * 1024;
	s.nrcpt = 2;
	(void)strlcpy(s.helo, "client", sizeof(s.helo));
	(void)strlcpy(s.hostname, "localhost", sizeof(s.hostname));
	(void)strlcpy(s.src, "127.0.0.1", sizeof(s.src));
	(void)strlcpy(s.myname, "mx.example.org", sizeof(s.myname));
	(void)strlcpy(s.sender.user, "alice", sizeof(s.sender.user));
	(void)strlcpy(s.sender.domain, "example.com",
	    sizeof(s.sender.domain));
	if (mode & RUN_MASQ) {
		s.flags |= SF_AUTH;
		s.lflags |= LF_MASQUERADE;
		(void)strlcpy(s.authuser, "alice", sizeof(s.authuser));
	}
	ATF_REQUIRE((fd = open("msg", O_RDWR | O_CREAT | O_TRUNC, 0600)) !=
	    -1);
	s.msgfd = fd;
	if (mode & RUN_MAILAUTH)
		s.dkim_flags = DKIM_MSG_VERIFY;
	smtp_body_start(&s, 0);
	if (mode & RUN_MAILAUTH) {
		ATF_REQUIRE(s.dkim != NULL);
		smtp_body_mailauth(&s, MYID);
	}
	while (!smtp_body_done(&s)) {
		ATF_REQUIRE(off < strlen(data));
		n = strlen(data) - off;
		if (step != 0 && n > step)
			n = step;
		used = smtp_body_feed(&s, data + off, n);
		off += used;
	}
	*err = smtp_body_finish(&s, &size);
	dkim_msg_free(body_dkim);
	body_dkim = s.dkim;	/* ended by smtp_body_finish() */
	s.dkim = NULL;
	body_removed = smtp_body_authres_removed(&s);
	smtp_body_free(&s);
	ATF_REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	ATF_REQUIRE((r = read(fd, buf, sizeof(buf) - 1)) >= 0);
	buf[r] = '\0';
	ATF_CHECK_EQ((uint64_t)r, size);
	close(fd);
	/* skip our Received: header, 3 lines */
	return (strstr(buf, "\r\nSubject") != NULL ?
	    strstr(buf, "\r\nSubject") + 2 : buf);
}

ATF_TC_WITHOUT_HEAD(masquerade_stream);
ATF_TC_BODY(masquerade_stream, tc)
{
	static const char in[] =
	    "Subject: hi\r\n"
	    "From: Mallory\r\n <boss@example.com>\r\n"
	    "To: b@c\r\n"
	    "\r\n"
	    "From: not a header <x@y>\r\n"
	    "..dot\r\n"
	    ".\r\n";
	static const char masq[] =
	    "Subject: hi\r\n"
	    "From: Mallory <" ADDR ">\r\n"
	    "To: b@c\r\n"
	    "\r\n"
	    "From: not a header <x@y>\r\n"
	    ".dot\r\n";
	static const char plain[] =
	    "Subject: hi\r\n"
	    "From: Mallory\r\n <boss@example.com>\r\n"
	    "To: b@c\r\n"
	    "\r\n"
	    "From: not a header <x@y>\r\n"
	    ".dot\r\n";
	const char	*err;
	size_t		 step;

	for (step = 0; step <= 7; step++) {
		ATF_CHECK_STREQ_MSG(body_run(in, 1, step, &err), masq,
		    "step %zu", step);
		ATF_CHECK_MSG(err == NULL, "step %zu: %s", step, err);
		ATF_CHECK_STREQ_MSG(body_run(in, 0, step, &err), plain,
		    "step %zu", step);
		ATF_CHECK(err == NULL);
	}
	/* headers only, no empty line */
	ATF_CHECK_STREQ(body_run("Subject: x\r\nFrom: a@b\r\n.\r\n", 1, 1,
	    &err), "Subject: x\r\nFrom: <" ADDR ">\r\n");
	ATF_CHECK(err == NULL);
}

/* An endless header section is refused, not rewritten in part. */
ATF_TC_WITHOUT_HEAD(masquerade_huge_header);
ATF_TC_BODY(masquerade_huge_header, tc)
{
	char		*in;
	const char	*err;
	size_t		 i, n = 300 * 1024 / 20, len = n * 20 + 64, o;

	in = malloc(len);
	ATF_REQUIRE(in != NULL);
	o = (size_t)snprintf(in, len, "Subject: x\r\n");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(in + o, len - o, "X-Pad: %011zu\r\n", i);
	(void)snprintf(in + o, len - o, "From: a@b\r\n\r\nbody\r\n.\r\n");
	(void)body_run(in, 1, 0, &err);
	ATF_CHECK_STREQ(err, "552 5.3.4 Header section too large to "
	    "masquerade the sender");
	(void)body_run(in, 0, 0, &err);
	ATF_CHECK(err == NULL);
	free(in);
}

/*
 * mail-auth on a whole DATA body, any split: our A-R removed, the rest
 * written as it came, and the DKIM hashing sees the message (its
 * DKIM-Signature fields and its From domain).
 */
ATF_TC_WITHOUT_HEAD(mailauth_stream);
ATF_TC_BODY(mailauth_stream, tc)
{
	static const char in[] =
	    "Subject: hi\r\n"
	    "Authentication-Results: " MYID ";\r\n spf=pass\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
	    " d=example.com; s=sel; h=from:subject;\r\n"
	    " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\n"
	    "Authentication-Results: other.example; spf=fail\r\n"
	    "From: Alice <alice@Example.COM>\r\n"
	    "\r\n"
	    "Authentication-Results: " MYID "; body\r\n"
	    "..dot\r\n"
	    ".\r\n";
	static const char want[] =
	    "Subject: hi\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
	    " d=example.com; s=sel; h=from:subject;\r\n"
	    " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\n"
	    "Authentication-Results: other.example; spf=fail\r\n"
	    "From: Alice <alice@Example.COM>\r\n"
	    "\r\n"
	    "Authentication-Results: " MYID "; body\r\n"
	    ".dot\r\n";
	const struct dkim_sigcheck	*sc;
	const char			*err;
	size_t				 step;

	for (step = 0; step <= 7; step++) {
		ATF_CHECK_STREQ_MSG(body_run(in, RUN_MAILAUTH, step, &err),
		    want, "step %zu", step);
		ATF_CHECK_MSG(err == NULL, "step %zu: %s", step, err);
		ATF_CHECK_EQ(body_removed, 1);
		ATF_REQUIRE(body_dkim != NULL);
		ATF_REQUIRE_EQ(dkim_msg_nsig(body_dkim), 1);
		sc = dkim_msg_sigcheck(body_dkim, 0);
		ATF_REQUIRE(sc != NULL);
		ATF_CHECK_STREQ(sc->d, "example.com");
		ATF_CHECK_STREQ(sc->s, "sel");
		ATF_CHECK(dkim_msg_from_domain(body_dkim) != NULL &&
		    strcmp(dkim_msg_from_domain(body_dkim), "example.com") ==
		    0);
	}
	dkim_msg_free(body_dkim);
	body_dkim = NULL;
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, authres_cases);
	ATF_TP_ADD_TC(tp, authres_masquerade);
	ATF_TP_ADD_TC(tp, mailauth_stream);
	ATF_TP_ADD_TC(tp, masquerade_cases);
	ATF_TP_ADD_TC(tp, masquerade_long);
	ATF_TP_ADD_TC(tp, masquerade_stream);
	ATF_TP_ADD_TC(tp, masquerade_huge_header);
	return (atf_no_error());
}
