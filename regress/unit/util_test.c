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
 * util_test.c -- unit tests for common/util.c and log_escape().
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

ATF_TC_WITHOUT_HEAD(duration);
ATF_TC_BODY(duration, tc)
{
	static const struct {
		const char	*in;
		int		 ok;	/* 0 ok, else expected errno */
		time_t		 out;
	} t[] = {
		{ "0", 0, 0 },
		{ "30", 0, 30 },
		{ "30s", 0, 30 },
		{ "5m", 0, 300 },
		{ "4h", 0, 14400 },
		{ "4d", 0, 345600 },
		{ "", EINVAL, 0 },
		{ "s", EINVAL, 0 },
		{ "-5m", EINVAL, 0 },
		{ "+5", EINVAL, 0 },
		{ " 5", EINVAL, 0 },
		{ "5 ", EINVAL, 0 },
		{ "5x", EINVAL, 0 },
		{ "5mm", EINVAL, 0 },
		{ "5M", EINVAL, 0 },
		{ "1.5h", EINVAL, 0 },
		{ "99999999999999999999", ERANGE, 0 },
		{ "999999999999999999d", ERANGE, 0 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "9223372036854775808", ERANGE, 0 },
	};
	size_t	 i;
	time_t	 out;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out = -1;
		errno = 0;
		if (t[i].ok == 0) {
			ATF_CHECK_MSG(text_to_duration(t[i].in, &out) == 0 &&
			    out == t[i].out, "\"%s\" -> %lld", t[i].in,
			    (long long)out);
		} else {
			ATF_CHECK_MSG(text_to_duration(t[i].in, &out) == -1 &&
			    errno == t[i].ok && out == -1, "\"%s\" accepted",
			    t[i].in);
		}
	}
	ATF_CHECK_STREQ(duration_to_text(345600), "4d");
	ATF_CHECK_STREQ(duration_to_text(14400), "4h");
	ATF_CHECK_STREQ(duration_to_text(300), "5m");
	ATF_CHECK_STREQ(duration_to_text(90), "90s");
	ATF_CHECK_STREQ(duration_to_text(0), "0s");
}

ATF_TC_WITHOUT_HEAD(size);
ATF_TC_BODY(size, tc)
{
	static const struct {
		const char	*in;
		int		 ok;
		uint64_t	 out;
	} t[] = {
		{ "0", 0, 0 },
		{ "1000", 0, 1000 },
		{ "512K", 0, 512 * 1024 },
		{ "512k", 0, 512 * 1024 },
		{ "35M", 0, 35 * 1024 * 1024 },
		{ "1G", 0, 1024 * 1024 * 1024 },
		{ "10B", 0, 10 },
		{ "", EINVAL, 0 },
		{ "M", EINVAL, 0 },
		{ "-1", EINVAL, 0 },
		{ "1T", EINVAL, 0 },
		{ "1MB", EINVAL, 0 },
		{ "12 M", EINVAL, 0 },
		{ "0x10", EINVAL, 0 },
		{ "18446744073709551616", ERANGE, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "17179869184G", ERANGE, 0 },
		{ "17179869183G", 0, 17179869183ULL * 1024 * 1024 * 1024 },
	};
	size_t	 i, out;

	ATF_REQUIRE(sizeof(size_t) == 8);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out = 7;
		errno = 0;
		if (t[i].ok == 0) {
			ATF_CHECK_MSG(text_to_size(t[i].in, &out) == 0 &&
			    out == t[i].out, "\"%s\" -> %zu", t[i].in, out);
		} else {
			ATF_CHECK_MSG(text_to_size(t[i].in, &out) == -1 &&
			    errno == t[i].ok && out == 7, "\"%s\" accepted",
			    t[i].in);
		}
	}
}

ATF_TC_WITHOUT_HEAD(domain);
ATF_TC_BODY(domain, tc)
{
	static const struct {
		const char	*in;
		int		 ok;
	} t[] = {
		{ "example.org", 1 },
		{ "EXAMPLE.ORG", 1 },
		{ "a", 1 },
		{ "mx-1.a9.example", 1 },
		{ "xn--bcher-kva.example", 1 },
		{ "b\xc3\xbc" "cher.example", 1 },
		{ "", 0 },
		{ ".", 0 },
		{ ".example.org", 0 },
		{ "example.org.", 0 },
		{ "example..org", 0 },
		{ "-a.example", 0 },
		{ "a-.example", 0 },
		{ "exa mple.org", 0 },
		{ "exa_mple.org", 0 },
		{ "example.org\n", 0 },
		{ "[127.0.0.1]", 0 },
		{ "a@b", 0 },
	};
	char	 longname[300];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_MSG(valid_domain_part(t[i].in) == t[i].ok,
		    "\"%s\" expected %d", t[i].in, t[i].ok);
	memset(longname, 'a', sizeof(longname));
	for (i = 10; i < 255; i += 10)
		longname[i] = '.';
	longname[255] = '\0';
	ATF_CHECK(valid_domain_part(longname) == 1);
	longname[255] = 'a';
	longname[256] = '\0';
	ATF_CHECK(valid_domain_part(longname) == 0);
}

ATF_TC_WITHOUT_HEAD(local);
ATF_TC_BODY(local, tc)
{
	static const struct {
		const char	*in;
		int		 ok;
	} t[] = {
		{ "user", 1 },
		{ "first.last", 1 },
		{ "user+tag", 1 },
		{ "!#$%&'*+-/=?^_`{|}~", 1 },
		{ "j\xc3\xb6rg", 1 },
		{ "\"quoted string\"", 1 },
		{ "\"a\\\"b\"", 1 },
		{ "\"a@b\"", 1 },
		{ "\"\"", 1 },
		{ "", 0 },
		{ ".user", 0 },
		{ "user.", 0 },
		{ "us..er", 0 },
		{ "us er", 0 },
		{ "us@er", 0 },
		{ "us(er)", 0 },
		{ "us\"er", 0 },
		{ "\"unterminated", 0 },
		{ "\"bad\"quote\"", 0 },
		{ "\"trailing\\\"", 0 },
		{ "\"ctl\x01\"", 0 },
		{ "us\ter", 0 },
	};
	char	 lp[80];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_MSG(valid_local_part(t[i].in) == t[i].ok,
		    "\"%s\" expected %d", t[i].in, t[i].ok);
	memset(lp, 'x', sizeof(lp));
	lp[64] = '\0';
	ATF_CHECK(valid_local_part(lp) == 1);
	lp[64] = 'x';
	lp[65] = '\0';
	ATF_CHECK(valid_local_part(lp) == 0);
}

ATF_TC_WITHOUT_HEAD(evpid);
ATF_TC_BODY(evpid, tc)
{
	uint64_t	 a, b;
	int		 i;

	for (i = 0; i < 1000; i++) {
		a = evpid_make(0xdeadbeef);
		ATF_REQUIRE(EVPID_MSGID(a) == 0xdeadbeef);
		ATF_REQUIRE((a & 0xffffffffU) != 0);
	}
	a = evpid_make(0);
	b = evpid_make(0);
	ATF_CHECK(a != 0 && b != 0);
	ATF_CHECK(EVPID_MSGID(a) == 0);
	/* 2^-32 chance of a false failure */
	ATF_CHECK(a != b);
}

ATF_TC_WITHOUT_HEAD(full_io);
ATF_TC_BODY(full_io, tc)
{
	static char	 out[1 << 20], in[(1 << 20) + 10];
	int		 p[2];
	pid_t		 pid;
	size_t		 i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 31);
	ATF_REQUIRE(pipe(p) == 0);
	/* 1 MB through a 64 KB pipe: needs partial writes and reads */
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		_exit(write_full(p[1], out, sizeof(out)) ==
		    (ssize_t)sizeof(out) ? 0 : 1);
	}
	close(p[1]);
	ATF_CHECK(read_full(p[0], in, sizeof(in)) == (ssize_t)sizeof(out));
	ATF_CHECK(memcmp(in, out, sizeof(out)) == 0);
	ATF_CHECK(read_full(p[0], in, 10) == 0);
	close(p[0]);
	ATF_REQUIRE(waitpid(pid, &p[0], 0) == pid);
	ATF_CHECK(WIFEXITED(p[0]) && WEXITSTATUS(p[0]) == 0);
	ATF_CHECK(write_full(-1, out, 1) == -1 && errno == EBADF);
}

ATF_TC_WITHOUT_HEAD(mkdir_p);
ATF_TC_BODY(mkdir_p, tc)
{
	struct stat	 sb;
	char		 cwd[PATH_MAX], path[PATH_MAX + 32];
	FILE		*fp;

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/a/b//c/", cwd);
	ATF_REQUIRE(mkdir_p(path, 0700) == 0);
	ATF_REQUIRE(stat("a/b/c", &sb) == 0 && S_ISDIR(sb.st_mode));
	ATF_CHECK((sb.st_mode & 0777) == 0700);
	ATF_CHECK(mkdir_p(path, 0700) == 0);		/* exists: fine */
	ATF_CHECK(mkdir_p("rel/x", 0755) == 0);
	ATF_CHECK(stat("rel/x", &sb) == 0 && S_ISDIR(sb.st_mode));
	ATF_REQUIRE((fp = fopen("a/file", "w")) != NULL);
	fclose(fp);
	errno = 0;
	ATF_CHECK(mkdir_p("a/file/d", 0700) == -1 && errno == ENOTDIR);
	errno = 0;
	ATF_CHECK(mkdir_p("a/file", 0700) == -1 && errno == ENOTDIR);
	ATF_CHECK(fsync_dir("a/b") == 0);
	ATF_CHECK(fsync_dirfd_of("a/file") == 0);
	ATF_CHECK(fsync_dirfd_of("nodir-file") == 0);
	ATF_CHECK(fsync_dirfd_of("/etc/passwd") == 0);
	ATF_CHECK(fsync_dir("missing") == -1 && errno == ENOENT);
}

ATF_TC_WITHOUT_HEAD(misc);
ATF_TC_BODY(misc, tc)
{
	char	 s[] = "MiXeD.Example.ORG";
	char	*p;
	int	 fd;

	ATF_CHECK_STREQ(lowercase(s), "mixed.example.org");
	ATF_CHECK(xasprintf(&p, "%s-%d", "a", 42) == 4);
	ATF_CHECK_STREQ(p, "a-42");
	free(p);
	ATF_REQUIRE((fd = dup(0)) != -1);
	ATF_CHECK(fd_set_nonblock(fd) == 0);
	ATF_CHECK(fd_set_cloexec(fd) == 0);
	close(fd);
	ATF_CHECK(monotonic_ms() > 0);
}

ATF_TC_WITHOUT_HEAD(escape);
ATF_TC_BODY(escape, tc)
{
	char	 buf[64];
	size_t	 n;

	n = log_escape(buf, sizeof(buf), "MAIL FROM:<a@b>", 15);
	ATF_CHECK_STREQ(buf, "MAIL FROM:<a@b>");
	ATF_CHECK(n == 15);
	log_escape(buf, sizeof(buf), "a\r\n\"\\\x01\0\xc3z", 9);
	ATF_CHECK_STREQ(buf, "a\\r\\n\\\"\\\\\\x01\\x00\\xc3z");
	/* an escape that does not fit is dropped whole */
	n = log_escape(buf, 6, "abc\x7f", 4);
	ATF_CHECK_STREQ(buf, "abc");
	ATF_CHECK(n == 3);
	n = log_escape(buf, 1, "abc", 3);
	ATF_CHECK_STREQ(buf, "");
	ATF_CHECK(log_escape(buf, 0, "abc", 3) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, duration);
	ATF_TP_ADD_TC(tp, size);
	ATF_TP_ADD_TC(tp, domain);
	ATF_TP_ADD_TC(tp, local);
	ATF_TP_ADD_TC(tp, evpid);
	ATF_TP_ADD_TC(tp, full_io);
	ATF_TP_ADD_TC(tp, mkdir_p);
	ATF_TP_ADD_TC(tp, misc);
	ATF_TP_ADD_TC(tp, escape);
	return (atf_no_error());
}
