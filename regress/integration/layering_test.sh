#! /usr/bin/env atf-sh
# Copyright (c) 2026 the cartero authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# common/ is a library of no daemon: it includes no daemon's header and
# names none of smtpd's processes (.ci/common_check.sh, also run by make
# lint), and it compiles with -Icommon alone (as the Makefile builds
# build/libcommon.a).  Each check is also shown to catch a breach.

. "$(atf_get_srcdir)/lib.sh"

CC=${CC:-cc}
PKGS="libbsd-overlay libbsd-ctor libevent_core libseccomp libtls"

atf_test_case check_clean
check_clean_head()
{
	atf_set descr "common/ passes .ci/common_check.sh"
}
check_clean_body()
{
	sh "$TOP/.ci/common_check.sh" "$TOP/common" >out 2>&1 ||
	    atf_fail "common_check failed: $(cat out)"
}

atf_test_case check_catches
check_catches_head()
{
	atf_set descr "common_check.sh fails on a daemon include or name"
}
check_catches_body()
{
	cp -R "$TOP/common" inc
	printf '#include "smtpd.h"\n' >>inc/util.c
	if sh "$TOP/.ci/common_check.sh" "$PWD/inc" >out 2>&1; then
		atf_fail "an include of smtpd.h passed"
	fi
	grep -q 'includes "smtpd.h"' out || atf_fail "not named: $(cat out)"

	cp -R "$TOP/common" name
	printf 'int x = PROC_LKA;\n' >>name/proc.c
	if sh "$TOP/.ci/common_check.sh" "$PWD/name" >out 2>&1; then
		atf_fail "PROC_LKA in common/ passed"
	fi

	cp -R "$TOP/common" str
	printf 'const char *y = "queue";\n' >>str/log.c
	if sh "$TOP/.ci/common_check.sh" "$PWD/str" >out 2>&1; then
		atf_fail "\"queue\" in common/ passed"
	fi
}

atf_test_case alone
alone_head()
{
	atf_set descr "common/*.c compile with -Icommon only; smtpd.h does not"
}
alone_body()
{
	command -v "$CC" >/dev/null || atf_skip "no C compiler"
	# shellcheck disable=SC2046 # flags
	flags="-std=gnu11 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS
	    $(pkg-config --cflags $PKGS)"
	for f in "$TOP"/common/*.c; do
		# shellcheck disable=SC2086 # flags
		$CC $flags -I"$TOP/common" -fsyntax-only "$f" 2>err ||
		    atf_fail "$f needs more than common/: $(cat err)"
	done
	printf '#include "proc.h"\n#include "smtpd.h"\n' >t.c
	# shellcheck disable=SC2086 # flags
	if $CC $flags -I"$TOP/common" -fsyntax-only t.c 2>err; then
		atf_fail "smtpd.h found with -Icommon only"
	fi
}

atf_init_test_cases()
{
	atf_add_test_case check_clean
	atf_add_test_case check_catches
	atf_add_test_case alone
}
