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
 * imapd_mime_test.c -- unit tests for imapd/mime*.c: ENVELOPE and
 * BODYSTRUCTURE compared byte for byte with what RFC 3501's examples
 * and Dovecot give, sections, BINARY decoding, RFC 2047, SEARCH TEXT
 * in quoted-printable, base64 and Latin-1 parts, SORT keys (RFC 5256
 * base subjects), dates, and malformed MIME (unterminated boundaries,
 * bad base64, fields without a colon, 8-bit garbage, deep nesting).
 * Every message is given in an exact-size heap copy (no NUL after it),
 * as the session maps files, and with LF and with CRLF line ends.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap.h"
#include "mime.h"

/* RFC 3501 6.4.5's example message, header as its ENVELOPE implies */
static const char rfc3501_msg[] =
    "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
    "From: Terry Gray <gray@cac.washington.edu>\n"
    "Subject: IMAP4rev1 WG mtg summary and minutes\n"
    "To: imap@cac.washington.edu\n"
    "cc: minutes@CNRI.Reston.VA.US,\n"
    "    John Klensin <KLENSIN@MIT.EDU>\n"
    "Message-Id: <B27397-0100000@cac.washington.edu>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
    "\n"
    "Minutes of the meeting.\n"
    "Second line.\n";

static const char rfc3501_env[] =
    "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
    "\"IMAP4rev1 WG mtg summary and minutes\" "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((NIL NIL \"imap\" \"cac.washington.edu\")) "
    "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
    "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
    "NIL NIL \"<B27397-0100000@cac.washington.edu>\")";

/* 25 + 14 octets, 2 lines, as CRLF */
static const char rfc3501_body[] =
    "(\"TEXT\" \"PLAIN\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 39 2)";

static const char plain_msg[] =
    "From: \"Joe Q. Public\" <john.q.public@example.com>\n"
    "To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>\n"
    "Cc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
    "<sysservices@example.net>\n"
    "Subject: =?iso-8859-1?q?caf=E9?= test\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\n"
    "Message-ID: <1234@local.machine.example>\n"
    "\n"
    "This is a message just to say hello.\n"
    "So, \"Hello\".\n";

static const char plain_env[] =
    "(\"Tue, 1 Jul 2003 10:52:37 +0200\" "
    "\"=?iso-8859-1?q?caf=E9?= test\" "
    "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
    "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
    "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) "
    "((\"Mary Smith\" NIL \"mary\" \"x.test\")"
    "(NIL NIL \"jdoe\" \"example.org\")"
    "(\"Who?\" NIL \"one\" \"y.test\")) "
    "((NIL NIL \"boss\" \"nil.test\")"
    "(\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" \"example.net\")) "
    "NIL NIL \"<1234@local.machine.example>\")";

static const char plain_bs[] =
    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 52 2 "
    "NIL NIL NIL NIL)";

/*
 * multipart/mixed: multipart/alternative (QP UTF-8 text, Latin-1
 * HTML), a base64 attachment with every extension field, a
 * message/rfc822; a group in To:, an empty group.
 */
static const char multi_msg[] =
    "From: a@b.c\n"
    "To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;,"
    " undisclosed-recipients:;\n"
    "Subject: multi\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
    "\n"
    "preamble\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Hall=C3=B6chen sch=C3=B6ne Welt, soft=\n"
    "break here\n"
    "--inner\n"
    "Content-Type: text/html; charset=iso-8859-1\n"
    "\n"
    "<p>Gr\xfc\xdf" "e</p>\n"
    "--inner--\n"
    "--outer\n"
    "Content-Type: application/octet-stream; name=\"data.bin\"\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\n"
    "Content-Language: en, fr\n"
    "Content-Location: http://x.test/a\n"
    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
    "\n"
    "U2VjcmV0IGF0dGFjaG1lbnQgcGF5bG9hZA==\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: inner@x.test\n"
    "Subject: inner\n"
    "\n"
    "inner body\n"
    "--outer--\n"
    "epilogue\n";

static const char multi_env[] =
    "(NIL \"multi\" ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \"b.c\")) "
    "((NIL NIL \"a\" \"b.c\")) "
    "((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")"
    "(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")"
    "(NIL NIL NIL NIL)(NIL NIL \"undisclosed-recipients\" NIL)"
    "(NIL NIL NIL NIL)) NIL NIL NIL NIL)";

#define INNER_ENV \
    "(NIL \"inner\" ((NIL NIL \"inner\" \"x.test\")) " \
    "((NIL NIL \"inner\" \"x.test\")) ((NIL NIL \"inner\" \"x.test\")) " \
    "NIL NIL NIL NIL NIL)"

static const char multi_bs[] =
    "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL "
    "\"quoted-printable\" 50 1 NIL NIL NIL NIL)"
    "(\"text\" \"html\" (\"charset\" \"iso-8859-1\") NIL NIL \"7bit\" 12 0 "
    "NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL)"
    "(\"application\" \"octet-stream\" (\"name\" \"data.bin\") NIL NIL "
    "\"base64\" 36 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" "
    "(\"attachment\" (\"filename\" \"data.bin\")) (\"en\" \"fr\") "
    "\"http://x.test/a\")"
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 48 " INNER_ENV " "
    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 "
    "NIL NIL NIL NIL) 3 NIL NIL NIL NIL) "
    "\"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)";

static const char multi_body[] =
    "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL "
    "\"quoted-printable\" 50 1)"
    "(\"text\" \"html\" (\"charset\" \"iso-8859-1\") NIL NIL \"7bit\" 12 0)"
    " \"alternative\")"
    "(\"application\" \"octet-stream\" (\"name\" \"data.bin\") NIL NIL "
    "\"base64\" 36)"
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 48 " INNER_ENV " "
    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0)"
    " 3) \"mixed\")";

/* an exact-size heap copy, LF line ends or CRLF (crlf) */
static char *
copy(const char *s, int crlf, size_t *lenp)
{
	size_t	 n = strlen(s), i, o = 0;
	char	*p;

	p = malloc(n * 2 + 1);
	ATF_REQUIRE(p != NULL);
	for (i = 0; i < n; i++) {
		if (crlf && s[i] == '\n')
			p[o++] = '\r';
		p[o++] = s[i];
	}
	*lenp = o;
	return realloc(p, o == 0 ? 1 : o);
}

static size_t
lf_count(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

struct parsed {
	char			*m;
	size_t			 len;
	struct mime_part	*root;
};

static void
parse(struct parsed *p, const char *s, int crlf)
{
	p->m = copy(s, crlf, &p->len);
	p->root = mime_parse(p->m, p->len);
	ATF_REQUIRE(p->root != NULL);
}

static void
unparse(struct parsed *p)
{
	mime_free(p->root);
	free(p->m);
}

static void
check_str(const char *what, const struct buf *b, const char *want)
{
	if (b->len != strlen(want) ||
	    (b->len > 0 && memcmp(b->s, want, b->len) != 0))
		atf_tc_fail("%s: got [%.*s] want [%s]", what, (int)b->len,
		    b->s == NULL ? "" : b->s, want);
}

static void
check_message(const char *msg, const char *env, const char *bs,
    const char *body)
{
	struct parsed	 p;
	struct buf	 b;
	int		 crlf;

	buf_init(&b);
	for (crlf = 0; crlf < 2; crlf++) {
		parse(&p, msg, crlf);
		if (env != NULL) {
			buf_reset(&b);
			mime_envelope(p.m + p.root->hdr_off, p.root->hdr_len,
			    &b, 0);
			check_str("ENVELOPE", &b, env);
		}
		if (bs != NULL) {
			buf_reset(&b);
			mime_bodystructure(p.m, p.root, 1, &b, 0);
			check_str("BODYSTRUCTURE", &b, bs);
		}
		if (body != NULL) {
			buf_reset(&b);
			mime_bodystructure(p.m, p.root, 0, &b, 0);
			check_str("BODY", &b, body);
		}
		/* the sizes count CRLF line ends whatever is stored */
		ATF_CHECK_EQ(p.root->hdr_size + p.root->body_size,
		    crlf ? p.len : p.len + lf_count(msg));
		unparse(&p);
	}
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(rfc3501_example);
ATF_TC_BODY(rfc3501_example, tc)
{
	check_message(rfc3501_msg, rfc3501_env, NULL, rfc3501_body);
}

ATF_TC_WITHOUT_HEAD(plain_text);
ATF_TC_BODY(plain_text, tc)
{
	check_message(plain_msg, plain_env, plain_bs,
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "52 2)");
}

ATF_TC_WITHOUT_HEAD(multipart_nested);
ATF_TC_BODY(multipart_nested, tc)
{
	check_message(multi_msg, multi_env, multi_bs, multi_body);
}

ATF_TC_WITHOUT_HEAD(missing_headers);
ATF_TC_BODY(missing_headers, tc)
{
	/* no header at all; then a header without a blank line */
	check_message("\nbody\n",
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "6 1 NIL NIL NIL NIL)", NULL);
	check_message("Subject: only\n",
	    "(NIL \"only\" NIL NIL NIL NIL NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "0 0 NIL NIL NIL NIL)", NULL);
	/* empty From, Sender and Reply-To take From's (empty) value */
	check_message("From:\nSender: \nTo: a@b\n\nx",
	    "(NIL NIL NIL NIL NIL ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL)",
	    NULL, NULL);
	check_message("From: x@y\nReply-To:\n\n",
	    "(NIL NIL ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) "
	    "((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL)", NULL, NULL);
}

ATF_TC_WITHOUT_HEAD(addresses);
ATF_TC_BODY(addresses, tc)
{
	/* Dovecot's message-address cases, with MISSING_* filled in */
	check_message("To: user\n\n",
	    "(NIL NIL NIL NIL NIL ((NIL NIL \"user\" \"MISSING_DOMAIN\")) "
	    "NIL NIL NIL NIL)", NULL, NULL);
	check_message("To: @domain (Display Name)\n\n",
	    "(NIL NIL NIL NIL NIL ((\"Display Name\" NIL \"MISSING_MAILBOX\" "
	    "\"domain\")) NIL NIL NIL NIL)", NULL, NULL);
	check_message("To: Display Name\n\n",
	    "(NIL NIL NIL NIL NIL ((\"Display Name\" NIL \"MISSING_MAILBOX\" "
	    "\"MISSING_DOMAIN\")) NIL NIL NIL NIL)", NULL, NULL);
	check_message("To: <>\n\n",
	    "(NIL NIL NIL NIL NIL ((NIL NIL \"MISSING_MAILBOX\" "
	    "\"MISSING_DOMAIN\")) NIL NIL NIL NIL)", NULL, NULL);
	check_message("To: \"\"@domain, \"\" <u@d>\n\n",
	    "(NIL NIL NIL NIL NIL ((NIL NIL \"\" \"domain\")"
	    "(NIL NIL \"u\" \"d\")) NIL NIL NIL NIL)", NULL, NULL);
	check_message("To: user@domain (Display\\\"Name), "
	    "<@route,@route2:u@d>, Foo <@r@r2:u@d>\n\n",
	    "(NIL NIL NIL NIL NIL ((\"Display\\\"Name\" NIL \"user\" "
	    "\"domain\")(NIL \"@route,@route2\" \"u\" \"d\")"
	    "(\"Foo\" \"@r,@r2\" \"u\" \"d\")) NIL NIL NIL NIL)", NULL, NULL);
	check_message("To: group:;\n\n",
	    "(NIL NIL NIL NIL NIL ((NIL NIL \"group\" NIL)(NIL NIL NIL NIL)) "
	    "NIL NIL NIL NIL)", NULL, NULL);
	check_message("To: \"foo: <a@b>;,\" <user@domain>\n\n",
	    "(NIL NIL NIL NIL NIL ((\"foo: <a@b>;,\" NIL \"user\" \"domain\"))"
	    " NIL NIL NIL NIL)", NULL, NULL);
	/* an unterminated comment spoils the rest of the list */
	check_message("To: b@c, a(aa, d@e\n\n",
	    "(NIL NIL NIL NIL NIL ((NIL NIL \"b\" \"c\")"
	    "(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) "
	    "NIL NIL NIL NIL)", NULL, NULL);
}

ATF_TC_WITHOUT_HEAD(malformed);
ATF_TC_BODY(malformed, tc)
{
	/* unterminated boundary: the last part runs to the end */
	check_message("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nfirst\n--b\n\n"
	    "second never closed\n", NULL,
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "5 0 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\")"
	    " NIL NIL \"7bit\" 21 1 NIL NIL NIL NIL) \"mixed\" "
	    "(\"boundary\" \"b\") NIL NIL NIL)", NULL);
	/* no boundary line at all: one empty text/plain part */
	check_message("Content-Type: multipart/mixed; boundary=zz\n\n"
	    "no parts\n",
	    NULL, "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"zz\") "
	    "NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "0 0) \"mixed\")");
	/* a line without a colon is skipped; the fields after it count */
	check_message("From a@b Mon Jan 1\nSubject: x\nbogus line\n"
	    "Content-Type: text\n\nbody",
	    "(NIL \"x\" NIL NIL NIL NIL NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "4 0 NIL NIL NIL NIL)", NULL);
	/* 8-bit garbage and a NUL: a literal when not UTF-8 */
	check_message("Subject: \xff\xfe\x01x\nContent-Type: \xff/\xfe\n\n\xff",
	    "(NIL {4}\r\n\xff\xfe\x01x NIL NIL NIL NIL NIL NIL NIL NIL)",
	    "({1}\r\n\xff {1}\r\n\xfe NIL NIL NIL \"7bit\" 1 NIL NIL NIL NIL)",
	    NULL);
	/* RFC 2231 continuations; an unknown encoding shows as written */
	check_message("Content-Type: application/x; name*0=\"a b\"; "
	    "name*1=c; title*=us-ascii'en'%41\n"
	    "Content-Transfer-Encoding: x-uue\n\nz",
	    NULL, "(\"application\" \"x\" (\"name\" \"a bc\" \"title*\" "
	    "\"us-ascii'en'%41\") NIL NIL \"x-uue\" 1 NIL NIL NIL NIL)", NULL);
}

ATF_TC_WITHOUT_HEAD(deep_nesting);
ATF_TC_BODY(deep_nesting, tc)
{
	struct buf		 msg, b;
	struct parsed		 p;
	const struct mime_part	*q;
	int			 i, depth = 0;

	buf_init(&msg);
	buf_init(&b);
	for (i = 0; i < 500; i++)
		buf_addf(&msg, "Content-Type: multipart/mixed; boundary=b%d\n"
		    "\n--b%d\n", i, i);
	buf_adds(&msg, "\ntext\n");
	parse(&p, msg.s, 0);
	for (q = p.root; q->children != NULL; q = q->children)
		depth++;
	ATF_CHECK(depth <= MIME_DEPTH_MAX);
	ATF_CHECK(depth >= MIME_DEPTH_MAX - 1);
	mime_bodystructure(p.m, p.root, 1, &b, 0);
	ATF_CHECK(b.len > 0);
	unparse(&p);
	buf_free(&msg);
	buf_free(&b);
}

static void
section(struct parsed *p, const char *path, enum imap_section_spec spec,
    int want_rc, const char *want)
{
	struct imap_section	 sec;
	static char		 f[] = "SUBJECT";
	static char		*fields[] = { f };
	struct buf		 b, got;
	size_t			 off, len;
	const char		*s;
	char			*end;

	memset(&sec, 0, sizeof(sec));
	for (s = path; *s != '\0'; s = *end == '.' ? end + 1 : end)
		sec.part[sec.npart++] = (uint32_t)strtoul(s, &end, 10);
	sec.spec = spec;
	sec.fields = fields;
	sec.nfields = 1;
	buf_init(&b);
	buf_init(&got);
	ATF_CHECK_EQ_MSG(mime_section(p->m, p->len, p->root, &sec, &off, &len,
	    &b), want_rc, "section %s %d", path, spec);
	if (want_rc == 0) {
		if (off == (size_t)-1)
			buf_add(&got, b.s, b.len);
		else
			buf_add(&got, p->m + off, len);
		ATF_CHECK_EQ(len, got.len);
		check_str(path, &got, want);
	}
	buf_free(&b);
	buf_free(&got);
}

ATF_TC_WITHOUT_HEAD(sections);
ATF_TC_BODY(sections, tc)
{
	struct parsed	 p;
	int		 crlf;

	for (crlf = 0; crlf < 2; crlf++) {
		parse(&p, multi_msg, crlf);
		section(&p, "1.1", SEC_NONE, 0,
		    "Hall=C3=B6chen sch=C3=B6ne Welt, soft=\r\nbreak here");
		section(&p, "1.2", SEC_MIME, 0,
		    "Content-Type: text/html; charset=iso-8859-1\r\n\r\n");
		section(&p, "3", SEC_HEADER, 0,
		    "From: inner@x.test\r\nSubject: inner\r\n\r\n");
		section(&p, "3", SEC_TEXT, 0, "inner body");
		section(&p, "3.1", SEC_NONE, 0, "inner body");
		section(&p, "3", SEC_HEADER_FIELDS, 0,
		    "Subject: inner\r\n\r\n");
		section(&p, "", SEC_HEADER_FIELDS, 0, "Subject: multi\r\n\r\n");
		section(&p, "2", SEC_HEADER, -1, NULL);
		section(&p, "", SEC_MIME, -1, NULL);
		section(&p, "4", SEC_NONE, 0, "");
		section(&p, "1.1.1", SEC_NONE, 0, "");
		section(&p, "9.9.9", SEC_TEXT, 0, "");
		unparse(&p);
		parse(&p, plain_msg, crlf);
		section(&p, "1", SEC_NONE, 0, "This is a message just to say "
		    "hello.\r\nSo, \"Hello\".\r\n");
		section(&p, "2", SEC_NONE, 0, "");
		section(&p, "", SEC_HEADER_FIELDS_NOT, 0,
		    "From: \"Joe Q. Public\" <john.q.public@example.com>\r\n"
		    "To: Mary Smith <mary@x.test>, jdoe@example.org, "
		    "Who? <one@y.test>\r\n"
		    "Cc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
		    "<sysservices@example.net>\r\n"
		    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
		    "Message-ID: <1234@local.machine.example>\r\n\r\n");
		unparse(&p);
	}
}

ATF_TC_WITHOUT_HEAD(sections_in_place);
ATF_TC_BODY(sections_in_place, tc)
{
	struct parsed		 p;
	struct imap_section	 sec;
	struct buf		 b;
	size_t			 off, len;

	/* a CRLF message needs no copy: the bytes are given in place */
	parse(&p, multi_msg, 1);
	memset(&sec, 0, sizeof(sec));
	buf_init(&b);
	sec.npart = 1;
	sec.part[0] = 2;
	ATF_CHECK_EQ(mime_section(p.m, p.len, p.root, &sec, &off, &len, &b),
	    0);
	ATF_CHECK(off != (size_t)-1 && off < p.len && len == 36);
	ATF_CHECK_EQ(b.len, 0);
	unparse(&p);
	buf_free(&b);
}

static void
decode_part(struct parsed *p, const struct mime_part *q, int want_rc,
    const char *want)
{
	struct buf	 b;

	buf_init(&b);
	ATF_CHECK_EQ(mime_decode(p->m, q, &b), want_rc);
	if (want_rc == 0)
		check_str("BINARY", &b, want);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(binary);
ATF_TC_BODY(binary, tc)
{
	struct parsed	 p;

	parse(&p, multi_msg, 0);
	decode_part(&p, p.root->children->children, 0,
	    "Hall\xc3\xb6" "chen sch\xc3\xb6ne Welt, softbreak here");
	decode_part(&p, p.root->children->next, 0,
	    "Secret attachment payload");
	decode_part(&p, p.root->children->children->next, 0,
	    "<p>Gr\xfc\xdf" "e</p>");
	unparse(&p);
	/* bad base64: what is not base64 is skipped, a lone char dropped */
	parse(&p, "Content-Transfer-Encoding: BASE64\n\nZm9v!!!\nYmFy=\nY",
	    0);
	decode_part(&p, p.root, 0, "foobar");
	unparse(&p);
	parse(&p, "Content-Transfer-Encoding: quoted-printable\n\n"
	    "a=3Db=\nc =zz=4\nd", 0);
	decode_part(&p, p.root, 0, "a=bc =zz=4\r\nd");
	unparse(&p);
	parse(&p, "Content-Transfer-Encoding: x-uuencode\n\nbegin", 0);
	decode_part(&p, p.root, -1, NULL);
	unparse(&p);
}

static void
hdr_decode(const char *in, const char *want)
{
	struct buf	 b;

	buf_init(&b);
	mime_header_decode(in, strlen(in), &b);
	check_str(in, &b, want);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(rfc2047);
ATF_TC_BODY(rfc2047, tc)
{
	/* the converters the session opens before its sandbox */
	mime_charset_preload();
	hdr_decode("=?iso-8859-1?q?caf=E9?= test", "caf\xc3\xa9 test");
	hdr_decode("=?utf-8?B?w6k=?= =?utf-8?Q?a_b?=", "\xc3\xa9" "a b");
	hdr_decode("=?UTF-8*en?q?x?=  y", "x  y");
	hdr_decode("a =?koi8-r?b?8tXT08vJygo=?= b",
	    "a \xd0\xa0\xd1\x83\xd1\x81\xd1\x81\xd0\xba\xd0\xb8\xd0\xb9\n b");
	hdr_decode("=?windows-1252?q?=80?=", "\xe2\x82\xac");
	hdr_decode("=?bogus?q?x y?= =?utf-8?x?a?=", "=?bogus?q?x y?= "
	    "=?utf-8?x?a?=");
	hdr_decode("unfolded\r\n line", "unfolded line");
}

static void
search(struct parsed *p, const char *needle, int body_only, int want)
{
	ATF_CHECK_EQ_MSG(mime_search_text(p->m, p->len, p->root, needle,
	    strlen(needle), body_only), want, "search %s %s", body_only ?
	    "BODY" : "TEXT", needle);
}

ATF_TC_WITHOUT_HEAD(search_text);
ATF_TC_BODY(search_text, tc)
{
	struct parsed	 p;
	int		 crlf;

	for (crlf = 0; crlf < 2; crlf++) {
		parse(&p, multi_msg, crlf);
		/* quoted-printable UTF-8, across a soft line break */
		search(&p, "HALL\xc3\x96" "CHEN", 1, 1);
		search(&p, "softbreak", 1, 1);
		/* Latin-1 HTML, folded */
		search(&p, "GR\xc3\x9c\xc3\x9f" "E", 1, 1);
		/* the base64 attachment, decoded */
		search(&p, "attachment PAYLOAD", 1, 1);
		search(&p, "U2VjcmV0", 1, 0);
		/* the inner message's header is body text of the outer */
		search(&p, "inner@x.test", 1, 1);
		/* the outer header: TEXT only */
		search(&p, "multi", 1, 0);
		search(&p, "MULTI", 0, 1);
		search(&p, "a group", 0, 1);
		search(&p, "nothere", 0, 0);
		search(&p, "", 1, 1);
		unparse(&p);
		parse(&p, plain_msg, crlf);
		search(&p, "CAF\xc3\x89", 0, 1);	/* encoded-word */
		search(&p, "caf\xc3\xa9", 1, 0);
		search(&p, "\"hello\"", 1, 1);
		unparse(&p);
	}
}

ATF_TC_WITHOUT_HEAD(search_header);
ATF_TC_BODY(search_header, tc)
{
	struct parsed	 p;
	const char	*h;
	size_t		 n;

	parse(&p, plain_msg, 1);
	h = p.m + p.root->hdr_off;
	n = p.root->hdr_len;
	ATF_CHECK_EQ(mime_search_header(h, n, "subject", "CAF\xc3\x89", 5),
	    1);
	ATF_CHECK_EQ(mime_search_header(h, n, "SUBJECT", "=?iso", 5), 0);
	ATF_CHECK_EQ(mime_search_header(h, n, "from", "joe q", 5), 1);
	ATF_CHECK_EQ(mime_search_header(h, n, "to", "nobody", 6), 0);
	ATF_CHECK_EQ(mime_search_header(h, n, "message-id", "", 0), 1);
	ATF_CHECK_EQ(mime_search_header(h, n, "bcc", "", 0), 0);
	unparse(&p);
}

ATF_TC_WITHOUT_HEAD(header_get);
ATF_TC_BODY(header_get, tc)
{
	struct parsed	 p;
	struct buf	 b;

	parse(&p, rfc3501_msg, 1);
	buf_init(&b);
	ATF_CHECK_EQ(mime_header_get(p.m, p.root->hdr_len, "CC", &b), 1);
	check_str("cc", &b, "minutes@CNRI.Reston.VA.US,    John Klensin "
	    "<KLENSIN@MIT.EDU>");
	buf_reset(&b);
	ATF_CHECK_EQ(mime_header_get(p.m, p.root->hdr_len, "Bcc", &b), 0);
	ATF_CHECK_EQ(b.len, 0);
	buf_free(&b);
	unparse(&p);
}

static void
base_subject(const char *in, const char *want, int want_reply)
{
	struct buf	 b;

	buf_init(&b);
	ATF_CHECK_EQ_MSG(mime_base_subject(in, strlen(in), &b), want_reply,
	    "reply of %s", in);
	check_str(in, &b, want);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(base_subjects);
ATF_TC_BODY(base_subjects, tc)
{
	base_subject("Re: test", "TEST", 1);
	base_subject("Re: Re: RE: test", "TEST", 1);
	base_subject("[PATCH] Re: [list] test (fwd)", "TEST", 1);
	base_subject("Fwd: [x]", "[X]", 1);
	base_subject("[fwd: hello world]", "HELLO WORLD", 1);
	base_subject("[Fwd: Re: [l] a (fwd)] (fwd)", "A", 1);
	base_subject("Re[2]: hi", "HI", 1);
	base_subject("  hello \t  world  ", "HELLO WORLD", 0);
	base_subject("[list] hello", "HELLO", 0);
	base_subject("Rest: of it", "REST: OF IT", 0);
	base_subject("=?utf-8?q?Re=3A_caf=C3=A9?=", "CAF\xc3\xa9", 1);
	base_subject("", "", 0);
}

ATF_TC_WITHOUT_HEAD(dates);
ATF_TC_BODY(dates, tc)
{
	static const struct {
		const char	*in;
		time_t		 t;
	} cases[] = {
		{ "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557 },
		{ "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", 837595405 },
		{ "17 Jul 1996 02:23:25 PDT", 837595405 },
		{ "1 Jan 70 00:00 GMT", 0 },
		{ "1 Jan 1970 00:00:00", 0 },
		{ "garbage", -1 },
		{ "32 Jan 2000 00:00 +0000", -1 },
		{ "1 Foo 2000 00:00 +0000", -1 },
		{ "1 Jan 2000 25:00 +0000", -1 },
		{ "", -1 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ATF_CHECK_EQ_MSG(mime_date_parse(cases[i].in,
		    strlen(cases[i].in)), cases[i].t, "%s", cases[i].in);
}

static void
sortkey(const char *in, int display, const char *want)
{
	struct buf	 b;

	buf_init(&b);
	mime_addr_sortkey(in, strlen(in), display, &b);
	check_str(in, &b, want);
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(sort_keys);
ATF_TC_BODY(sort_keys, tc)
{
	sortkey("\"Joe Q. Public\" <john@x.test>, b@c", 0, "JOHN");
	sortkey("\"Joe Q. Public\" <john@x.test>", 1, "JOE Q. PUBLIC");
	sortkey("john@x.test", 1, "JOHN@X.TEST");
	sortkey("=?utf-8?q?J=C3=B6rg?= <j@x>", 1, "J\xc3\xb6RG");
	sortkey("group: a@b, c@d;", 0, "A");
	sortkey("", 0, "");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc3501_example);
	ATF_TP_ADD_TC(tp, plain_text);
	ATF_TP_ADD_TC(tp, multipart_nested);
	ATF_TP_ADD_TC(tp, missing_headers);
	ATF_TP_ADD_TC(tp, addresses);
	ATF_TP_ADD_TC(tp, malformed);
	ATF_TP_ADD_TC(tp, deep_nesting);
	ATF_TP_ADD_TC(tp, sections);
	ATF_TP_ADD_TC(tp, sections_in_place);
	ATF_TP_ADD_TC(tp, binary);
	ATF_TP_ADD_TC(tp, rfc2047);
	ATF_TP_ADD_TC(tp, search_text);
	ATF_TP_ADD_TC(tp, search_header);
	ATF_TP_ADD_TC(tp, header_get);
	ATF_TP_ADD_TC(tp, base_subjects);
	ATF_TP_ADD_TC(tp, dates);
	ATF_TP_ADD_TC(tp, sort_keys);
	return (atf_no_error());
}
