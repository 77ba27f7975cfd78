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
 * envelope_test.c -- unit tests for queue/envelope.c: round trips of every
 * field (escapes, maximum lengths) and a table of corrupt inputs, each
 * rejected with the expected reason.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "smtpd.h"

static void	fill(struct envelope *);
static void	fill_max(struct envelope *, char);
static void	same(const struct envelope *, const struct envelope *);
static char	*dump(const struct envelope *, size_t *);
static char	*replace(const char *, const char *, const char *);

static void
fill(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
	e->id = 0x1234abcd00000042ULL;
	e->flags = EF_LOCAL | EF_8BITMIME;
	strlcpy(e->tag, "inbound", sizeof(e->tag));
	strlcpy(e->helo, "client.example.org", sizeof(e->helo));
	strlcpy(e->hostname, "client.example.org", sizeof(e->hostname));
	strlcpy(e->src, "192.0.2.7", sizeof(e->src));
	e->peeruid = 1000;
	strlcpy(e->sender.user, "alice", sizeof(e->sender.user));
	strlcpy(e->sender.domain, "example.org", sizeof(e->sender.domain));
	strlcpy(e->rcpt.user, "\"we@ird\"", sizeof(e->rcpt.user));
	strlcpy(e->rcpt.domain, "example.net", sizeof(e->rcpt.domain));
	strlcpy(e->dest.user, "bob", sizeof(e->dest.user));
	strlcpy(e->dest.domain, "ex\xc3\xa4mple.net", sizeof(e->dest.domain));
	strlcpy(e->action, "local", sizeof(e->action));
	e->dtype = DT_PIPE;
	strlcpy(e->user, "bob", sizeof(e->user));
	strlcpy(e->arg, "/usr/bin/procmail -a \"x\\y\"\ttab\r\nnext\x01\x7f",
	    sizeof(e->arg));
	e->ctime = 1700000000;
	e->expire = 1700345600;
	e->lasttry = 1700000100;
	e->nexttry = 1700000160;
	e->retry = 3;
	strlcpy(e->errorline, "451 4.2.0 try\\again\nend: ok",
	    sizeof(e->errorline));
}

/* Every string at its maximum length, made of a byte c. */
static void
fill_max(struct envelope *e, char c)
{
#define MAXSTR(f)	do { memset(f, c, sizeof(f) - 1); \
	f[sizeof(f) - 1] = '\0'; } while (0)
	fill(e);
	MAXSTR(e->tag);
	MAXSTR(e->helo);
	MAXSTR(e->hostname);
	MAXSTR(e->src);
	MAXSTR(e->sender.user);
	MAXSTR(e->sender.domain);
	MAXSTR(e->rcpt.user);
	MAXSTR(e->rcpt.domain);
	MAXSTR(e->dest.user);
	MAXSTR(e->dest.domain);
	MAXSTR(e->action);
	MAXSTR(e->user);
	MAXSTR(e->arg);
	MAXSTR(e->errorline);
	e->flags = UINT32_MAX;
	e->peeruid = UINT32_MAX;
	e->retry = UINT32_MAX;
	e->warned = UINT32_MAX;
	e->id = UINT64_MAX;
#undef MAXSTR
}

static void
same(const struct envelope *a, const struct envelope *b)
{
	ATF_CHECK_EQ(a->id, b->id);
	ATF_CHECK_EQ(a->flags, b->flags);
	ATF_CHECK_STREQ(a->tag, b->tag);
	ATF_CHECK_STREQ(a->helo, b->helo);
	ATF_CHECK_STREQ(a->hostname, b->hostname);
	ATF_CHECK_STREQ(a->src, b->src);
	ATF_CHECK_EQ(a->peeruid, b->peeruid);
	ATF_CHECK_STREQ(a->sender.user, b->sender.user);
	ATF_CHECK_STREQ(a->sender.domain, b->sender.domain);
	ATF_CHECK_STREQ(a->rcpt.user, b->rcpt.user);
	ATF_CHECK_STREQ(a->rcpt.domain, b->rcpt.domain);
	ATF_CHECK_STREQ(a->dest.user, b->dest.user);
	ATF_CHECK_STREQ(a->dest.domain, b->dest.domain);
	ATF_CHECK_STREQ(a->action, b->action);
	ATF_CHECK_EQ(a->dtype, b->dtype);
	ATF_CHECK_STREQ(a->user, b->user);
	ATF_CHECK_STREQ(a->arg, b->arg);
	ATF_CHECK_EQ(a->ctime, b->ctime);
	ATF_CHECK_EQ(a->expire, b->expire);
	ATF_CHECK_EQ(a->lasttry, b->lasttry);
	ATF_CHECK_EQ(a->nexttry, b->nexttry);
	ATF_CHECK_EQ(a->retry, b->retry);
	ATF_CHECK_STREQ(a->errorline, b->errorline);
	ATF_CHECK_EQ(a->warned, b->warned);
}

static char *
dump(const struct envelope *e, size_t *lenp)
{
	char	*buf;
	int	 n;

	buf = malloc(ENVELOPE_DUMP_MAX);
	ATF_REQUIRE(buf != NULL);
	n = envelope_dump(e, buf, ENVELOPE_DUMP_MAX);
	ATF_REQUIRE_MSG(n > 0, "envelope_dump failed");
	ATF_REQUIRE_EQ((size_t)n, strlen(buf));
	*lenp = (size_t)n;
	return (buf);
}

/* s with the first occurrence of from replaced by to (must exist). */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char	*p;
	char		*out;
	size_t		 len;

	p = strstr(s, from);
	ATF_REQUIRE_MSG(p != NULL, "\"%s\" not in the dump", from);
	len = strlen(s) - strlen(from) + strlen(to) + 1;
	ATF_REQUIRE((out = malloc(len)) != NULL);
	snprintf(out, len, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return (out);
}

ATF_TC_WITHOUT_HEAD(roundtrip_all_fields);
ATF_TC_BODY(roundtrip_all_fields, tc)
{
	struct envelope	 a, b;
	char		*buf;
	size_t		 len;

	fill(&a);
	buf = dump(&a, &len);
	ATF_REQUIRE_MSG(envelope_load(&b, buf, len) == 0, "%s",
	    envelope_errstr());
	same(&a, &b);
	ATF_CHECK(strncmp(buf, "version: 1\n", 11) == 0);
	ATF_CHECK(len >= 8 && strcmp(buf + len - 8, "end: ok\n") == 0);
	ATF_CHECK(strstr(buf, "id: 1234abcd00000042\n") != NULL);
	ATF_CHECK(strstr(buf, "dtype: pipe\n") != NULL);
	ATF_CHECK(strstr(buf, "rcpt: \"we@ird\"@example.net\n") != NULL);
	free(buf);
}

/* CR, LF, TAB, backslash and controls never appear raw in a value. */
ATF_TC_WITHOUT_HEAD(escapes);
ATF_TC_BODY(escapes, tc)
{
	struct envelope	 a, b;
	char		*buf, *p;
	size_t		 len, lines = 0;

	fill(&a);
	buf = dump(&a, &len);
	for (p = buf; *p != '\0'; p++) {
		if (*p == '\n')
			lines++;
		ATF_CHECK_MSG(*p != '\r' && *p != '\t' && *p != 0x01 &&
		    *p != 0x7f, "raw control byte 0x%02x", *p);
	}
	ATF_CHECK_EQ(lines, 22);	/* version + 20 fields + end */
	ATF_CHECK(strstr(buf, "errorline: 451 4.2.0 try\\\\again\\nend: ok\n")
	    != NULL);
	ATF_CHECK(strstr(buf, "\\t") != NULL);
	ATF_CHECK(strstr(buf, "\\r\\n") != NULL);
	ATF_CHECK(strstr(buf, "\\x01\\x7f") != NULL);
	ATF_REQUIRE(envelope_load(&b, buf, len) == 0);
	ATF_CHECK_STREQ(b.errorline, a.errorline);
	ATF_CHECK_STREQ(b.arg, a.arg);
	free(buf);
}

/* Maximum lengths, with the worst-case escape on every byte. */
ATF_TC_WITHOUT_HEAD(max_lengths);
ATF_TC_BODY(max_lengths, tc)
{
	static const char	 bytes[] = {
		'x', '\\', '\n', 0x01, (char)0xc3
	};
	struct envelope		 a, b;
	char			*buf;
	size_t			 len, i;

	for (i = 0; i < sizeof(bytes); i++) {
		fill_max(&a, bytes[i]);
		buf = dump(&a, &len);
		ATF_REQUIRE_MSG(envelope_load(&b, buf, len) == 0,
		    "byte 0x%02x: %s", bytes[i], envelope_errstr());
		same(&a, &b);
		free(buf);
	}
	/* A buffer too small is an error, never a truncated envelope. */
	fill(&a);
	buf = malloc(64);
	ATF_REQUIRE(buf != NULL);
	ATF_CHECK_EQ(envelope_dump(&a, buf, 64), -1);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(dump_rejects_bad_fields);
ATF_TC_BODY(dump_rejects_bad_fields, tc)
{
	struct envelope	 a;
	char		 buf[ENVELOPE_DUMP_MAX];

	fill(&a);
	memset(a.tag, 'x', sizeof(a.tag));	/* unterminated */
	ATF_CHECK_EQ(envelope_dump(&a, buf, sizeof(buf)), -1);
	fill(&a);
	a.dtype = (enum delivery_type)7;
	ATF_CHECK_EQ(envelope_dump(&a, buf, sizeof(buf)), -1);
	fill(&a);
	a.ctime = -1;
	ATF_CHECK_EQ(envelope_dump(&a, buf, sizeof(buf)), -1);
}

ATF_TC_WITHOUT_HEAD(empty_sender);
ATF_TC_BODY(empty_sender, tc)
{
	struct envelope	 a, b;
	char		*buf;
	size_t		 len;

	fill(&a);
	memset(&a.sender, 0, sizeof(a.sender));
	buf = dump(&a, &len);
	ATF_CHECK(strstr(buf, "\nsender: \n") != NULL);
	ATF_REQUIRE(envelope_load(&b, buf, len) == 0);
	ATF_CHECK_STREQ(b.sender.user, "");
	ATF_CHECK_STREQ(b.sender.domain, "");
	free(buf);
}

struct corrupt_case {
	const char	*name;
	const char	*from;		/* replaced in a valid dump */
	const char	*to;
	const char	*reason;	/* substring of envelope_errstr() */
};

static const struct corrupt_case corrupt_cases[] = {
	{ "no version", "version: 1\n", "", "missing version" },
	{ "version 2", "version: 1\n", "version: 2\n", "unsupported version" },
	{ "unknown key", "retry: 3\n", "retry: 3\ncolour: red\n",
	    "line 21: unknown key" },
	{ "duplicate", "retry: 3\n", "retry: 3\nrcpt: a@b\n",
	    "duplicate key: rcpt" },
	{ "missing rcpt", "rcpt: \"we@ird\"@example.net\n", "",
	    "missing key: rcpt" },
	{ "missing id", "id: 1234abcd00000042\n", "", "missing key: id" },
	{ "bad number", "retry: 3\n", "retry: 3x\n", "retry: bad number" },
	{ "negative time", "ctime: 1700000000\n", "ctime: -5\n",
	    "ctime: bad number" },
	{ "leading zero", "retry: 3\n", "retry: 03\n", "bad number" },
	{ "blank number", "retry: 3\n", "retry: \n", "bad number" },
	{ "u32 overflow", "retry: 3\n", "retry: 4294967296\n",
	    "retry: bad number" },
	{ "duplicate warned", "retry: 3\n", "retry: 3\nwarned: 1\nwarned: 1\n",
	    "duplicate key: warned" },
	{ "bad warned", "retry: 3\n", "retry: 3\nwarned: one\n",
	    "warned: bad number" },
	{ "short id", "id: 1234abcd00000042\n", "id: 1234\n",
	    "id: bad number" },
	{ "upper id", "id: 1234abcd00000042\n", "id: 1234ABCD00000042\n",
	    "id: bad number" },
	{ "zero msgid", "id: 1234abcd00000042\n", "id: 0000000000000042\n",
	    "id: bad number" },
	{ "long tag", "tag: inbound\n",
	    "tag: 0123456789012345678901234567890123456789"
	    "012345678901234567890123456789\n", "tag: value too long" },
	{ "long user", "\nuser: bob\n",
	    "\nuser: 0123456789012345678901234567890123456789"
	    "012345678901234567890123456789\n", "user: value too long" },
	{ "no end", "\nend: ok\n", "\n", "missing end: ok" },
	{ "bad end", "\nend: ok\n", "\nend: no\n", "bad end line" },
	{ "bad escape", "action: local\n", "action: lo\\qcal\n",
	    "action: bad escape" },
	{ "short hex", "action: local\n", "action: local\\x4\n",
	    "action: bad escape" },
	{ "escaped NUL", "action: local\n", "action: lo\\x00cal\n",
	    "action: bad escape" },
	{ "raw tab", "action: local\n", "action: lo\tcal\n",
	    "raw control character" },
	{ "raw CR", "action: local\n", "action: local\r\n",
	    "raw control character" },
	{ "unterminated", "\nend: ok\n", "\nend: ok", "unterminated line" },
	{ "trailing", "\nend: ok\n", "\nend: ok\nx", "trailing data" },
	{ "syntax", "retry: 3\n", "retry: 3\ngarbage\n", "syntax error" },
	{ "no blank", "retry: 3\n", "retry:3\n", "syntax error" },
	{ "bad dtype", "dtype: pipe\n", "dtype: socket\n", "bad dtype" },
	{ "bad address", "sender: alice@example.org\n", "sender: alice\n",
	    "sender: bad address" },
};

ATF_TC_WITHOUT_HEAD(corrupt_table);
ATF_TC_BODY(corrupt_table, tc)
{
	struct envelope	 a, b;
	char		*buf, *bad;
	size_t		 len, i;

	fill(&a);
	buf = dump(&a, &len);
	ATF_REQUIRE(envelope_load(&b, buf, len) == 0);
	for (i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]);
	    i++) {
		const struct corrupt_case *c = &corrupt_cases[i];

		bad = replace(buf, c->from, c->to);
		ATF_CHECK_EQ_MSG(envelope_load(&b, bad, strlen(bad)), -1,
		    "%s: accepted", c->name);
		ATF_CHECK_MSG(strstr(envelope_errstr(), c->reason) != NULL,
		    "%s: reason \"%s\", expected \"%s\"", c->name,
		    envelope_errstr(), c->reason);
		free(bad);
	}
	free(buf);
}

ATF_TC_WITHOUT_HEAD(corrupt_long_line_and_empty);
ATF_TC_BODY(corrupt_long_line_and_empty, tc)
{
	struct envelope	 b;
	char		*buf;
	size_t		 n = ENVELOPE_LINE_MAX + 100;

	ATF_CHECK_EQ(envelope_load(&b, "", 0), -1);
	ATF_CHECK(strstr(envelope_errstr(), "empty envelope") != NULL);

	ATF_REQUIRE((buf = malloc(n + 32)) != NULL);
	strlcpy(buf, "version: 1\narg: ", n + 32);
	memset(buf + strlen(buf), 'a', n);
	buf[16 + n] = '\n';
	ATF_CHECK_EQ(envelope_load(&b, buf, 16 + n + 1), -1);
	ATF_CHECK(strstr(envelope_errstr(), "line 2: line too long") != NULL);
	free(buf);
}

/* Every strict prefix of a valid envelope is rejected. */
ATF_TC_WITHOUT_HEAD(truncated_prefixes);
ATF_TC_BODY(truncated_prefixes, tc)
{
	struct envelope	 a, b;
	char		*buf;
	size_t		 len, i;

	fill(&a);
	buf = dump(&a, &len);
	for (i = 0; i < len; i++)
		ATF_CHECK_EQ_MSG(envelope_load(&b, buf, i), -1,
		    "prefix of %zu bytes accepted", i);
	ATF_CHECK_EQ(envelope_load(&b, buf, len), 0);
	free(buf);
}

/* Several envelopes in one buffer, as in queue/<msgid>.env. */
ATF_TC_WITHOUT_HEAD(load_next);
ATF_TC_BODY(load_next, tc)
{
	struct envelope	 a, a2, b;
	char		*b1, *b2, *all;
	size_t		 l1, l2, used;

	fill(&a);
	a2 = a;
	a2.id = 0x1234abcd00000043ULL;
	strlcpy(a2.dest.user, "carol", sizeof(a2.dest.user));
	b1 = dump(&a, &l1);
	b2 = dump(&a2, &l2);
	ATF_REQUIRE((all = malloc(l1 + l2)) != NULL);
	memcpy(all, b1, l1);
	memcpy(all + l1, b2, l2);
	ATF_REQUIRE(envelope_load_next(&b, all, l1 + l2, &used) == 0);
	ATF_CHECK_EQ(used, l1);
	same(&a, &b);
	ATF_REQUIRE(envelope_load_next(&b, all + used, l1 + l2 - used,
	    &used) == 0);
	ATF_CHECK_EQ(used, l2);
	same(&a2, &b);
	ATF_CHECK_EQ(envelope_load(&b, all, l1 + l2), -1);
	free(b1);
	free(b2);
	free(all);
}

/*
 * warned (delay notices sent) is written only when not 0: envelopes that
 * never had a notice keep the old format, and old envelopes load as 0.
 */
ATF_TC_WITHOUT_HEAD(warned_optional);
ATF_TC_BODY(warned_optional, tc)
{
	struct envelope	 a, b;
	char		*buf;
	size_t		 len;

	fill(&a);
	buf = dump(&a, &len);
	ATF_CHECK(strstr(buf, "warned") == NULL);
	b.warned = 7;
	ATF_REQUIRE(envelope_load(&b, buf, len) == 0);
	ATF_CHECK_EQ(b.warned, 0);
	free(buf);

	a.warned = 2;
	buf = dump(&a, &len);
	ATF_CHECK(strstr(buf, "\nerrorline: 451 4.2.0 try\\\\again\\nend: ok\n"
	    "warned: 2\nend: ok\n") != NULL);
	ATF_REQUIRE_MSG(envelope_load(&b, buf, len) == 0, "%s",
	    envelope_errstr());
	same(&a, &b);
	free(buf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, roundtrip_all_fields);
	ATF_TP_ADD_TC(tp, escapes);
	ATF_TP_ADD_TC(tp, max_lengths);
	ATF_TP_ADD_TC(tp, dump_rejects_bad_fields);
	ATF_TP_ADD_TC(tp, empty_sender);
	ATF_TP_ADD_TC(tp, corrupt_table);
	ATF_TP_ADD_TC(tp, corrupt_long_line_and_empty);
	ATF_TP_ADD_TC(tp, truncated_prefixes);
	ATF_TP_ADD_TC(tp, load_next);
	ATF_TP_ADD_TC(tp, warned_optional);
	return (atf_no_error());
}
