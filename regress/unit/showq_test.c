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
	return (atf_no_error());
}
