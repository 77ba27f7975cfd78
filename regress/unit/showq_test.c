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
 * showq_test.c -- mailq / smtpctl show queue output (smtpctl/showq.c):
 * the table, the empty queue, -p, and that nothing from the daemon
 * reaches the terminal unescaped.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpctl/showq.c"

#define EVP1	"1122334455667788|11223344|alice@example.org|" \
		"bob@example.org|bob@example.org|md|pending|1700000000|" \
		"1700345600|2|1700000600|451 4.2.0 Mailbox busy|2048"
#define EVP2	"11223344aabbccdd|11223344|alice@example.org|" \
		"list@example.org|carol@example.org|md|held|1700000000|" \
		"1700345600|1|0|held: bounce undeliverable|2048"
/* with the route (14th field) */
#define EVP3	"99aabbcc00000001|99aabbcc|alice@example.org|" \
		"friend@remote.test|friend@remote.test|out|pending|" \
		"1700000000|1700345600|3|1700000600|" \
		"451 4.4.1 cannot connect|100|relay host 127.0.0.1:2525"
#define EVP4	"99aabbcc00000002|99aabbcc|alice@example.org|" \
		"x@remote.test|x@remote.test|out|paused|" \
		"1700000000|1700345600|0|1700000000||100|MX of remote.test"
/* as a user other than root sees it: no dest, action, route */
#define EVP5	"99aabbcc00000003|99aabbcc|alice@example.org|" \
		"y@remote.test|||pending|" \
		"1700000000|1700345600|1|1700000600|451 4.4.1 x|100|"

static char	*run(int, const char *const *, size_t);

/* What showq prints for lines (raw: -p), as a string. */
static char *
run(int raw, const char *const *lines, size_t n)
{
	char	 path[] = "/tmp/showq_test.XXXXXX", *buf;
	FILE	*f;
	long	 len;
	size_t	 i;
	int	 fd, saved;

	ATF_REQUIRE((fd = mkstemp(path)) != -1);
	fflush(stdout);
	ATF_REQUIRE((saved = dup(STDOUT_FILENO)) != -1);
	ATF_REQUIRE(dup2(fd, STDOUT_FILENO) != -1);
	showq_start(raw);
	for (i = 0; i < n; i++)
		showq_line(lines[i]);
	showq_end();
	fflush(stdout);
	ATF_REQUIRE(dup2(saved, STDOUT_FILENO) != -1);
	close(saved);
	ATF_REQUIRE((f = fdopen(fd, "r")) != NULL);
	ATF_REQUIRE(fseek(f, 0, SEEK_END) == 0);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	ATF_REQUIRE(buf != NULL);
	ATF_REQUIRE(fread(buf, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	unlink(path);
	return (buf);
}

ATF_TC_WITHOUT_HEAD(empty);
ATF_TC_BODY(empty, tc)
{
	char	*out;

	out = run(0, NULL, 0);
	ATF_CHECK_STREQ(out, "Mail queue is empty\n");
	free(out);
	out = run(1, NULL, 0);
	ATF_CHECK_STREQ(out, "");
	free(out);
}

ATF_TC_WITHOUT_HEAD(table);
ATF_TC_BODY(table, tc)
{
	const char	*lines[] = { EVP1, EVP2 };
	char		*out;

	out = run(0, lines, 2);
	/* one block for the message, one line per envelope */
	ATF_CHECK(strstr(out, "\n11223344      2048  ") != NULL);
	ATF_CHECK(strstr(out, "  <alice@example.org>\n") != NULL);
	ATF_CHECK(strstr(out, "  1122334455667788  pending ") != NULL);
	ATF_CHECK(strstr(out, "  <bob@example.org>\n") != NULL);
	ATF_CHECK(strstr(out, "(451 4.2.0 Mailbox busy)\n") != NULL);
	ATF_CHECK(strstr(out, "  11223344aabbccdd  held      -    ") !=
	    NULL);
	ATF_CHECK(strstr(out, "<list@example.org> -> <carol@example.org>\n")
	    != NULL);
	ATF_CHECK(strstr(out, "(held: bounce undeliverable)\n") != NULL);
	ATF_CHECK(strstr(out, "\n-- 2 Kbytes in 1 message, 2 recipients.\n")
	    != NULL);
	free(out);

	out = run(1, lines, 2);
	ATF_CHECK_STREQ(out, EVP1 "\n" EVP2 "\n");
	free(out);
}

/* Terminal escapes and 8-bit bytes never reach the terminal. */
/* The route and the attempts go on a line under the envelope's. */
ATF_TC_WITHOUT_HEAD(route);
ATF_TC_BODY(route, tc)
{
	const char	*lines[] = { EVP3, EVP4, EVP5 };
	char		*out;

	out = run(0, lines, 3);
	ATF_CHECK(strstr(out, "  99aabbcc00000001  pending   ") != NULL);
	ATF_CHECK(strstr(out, "  <friend@remote.test>\n"
	    "                    relay host 127.0.0.1:2525, 3 attempts\n"
	    "                    (451 4.4.1 cannot connect)\n") != NULL);
	ATF_CHECK(strstr(out, "  <x@remote.test>\n"
	    "                    MX of remote.test\n") != NULL);
	ATF_CHECK(strstr(out, "  <y@remote.test>\n"
	    "                    1 attempt\n"
	    "                    (451 4.4.1 x)\n") != NULL);
	ATF_CHECK(strstr(out, "\n-- 1 Kbytes in 1 message, 3 recipients.\n")
	    != NULL);
	free(out);
	out = run(1, lines, 3);
	ATF_CHECK_STREQ(out, EVP3 "\n" EVP4 "\n" EVP5 "\n");
	free(out);
}

ATF_TC_WITHOUT_HEAD(escaped);
ATF_TC_BODY(escaped, tc)
{
	const char	*lines[] = {
	    "1122334455667788|11223344|ev\033]0;pwned\007il@x|b\r@x|b@x|md|"
	    "pending|1|2|0|3|\033[2J\xc3\xa9|10",
	    "not|the|format\033[31m"
	};
	char		*out, *p;
	int		 raw;

	for (raw = 0; raw < 2; raw++) {
		out = run(raw, lines, 2);
		for (p = out; *p != '\0'; p++)
			ATF_CHECK_MSG(*p == '\n' || (*p >= 0x20 && *p < 0x7f),
			    "byte 0x%02x printed (raw %d)",
			    (unsigned char)*p, raw);
		ATF_CHECK(strstr(out, "ev?]0;pwned?il@x") != NULL);
		free(out);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, empty);
	ATF_TP_ADD_TC(tp, table);
	ATF_TP_ADD_TC(tp, escaped);
	ATF_TP_ADD_TC(tp, route);
	return (atf_no_error());
}
