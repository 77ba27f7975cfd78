#!/bin/sh
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

# .ci/asan.sh -- make check-asan: build everything (daemons, smtpctl, unit
# tests, integration test programs) with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang by default: gcc's UBSan is a separate
# runtime that ignores the report file set below) and run the whole suite
# with Kyua.
#
# The build is a copy of the tree in build/asan/src (its own build/, so
# that regress/integration/lib.sh finds build/smtpd there as usual and the
# normal build is not touched).  UBSan does not recover
# (-fno-sanitize-recover=all): a finding ends the process.  Every report
# goes to a file in build/asan/reports: every process linked with
# common/sandbox_san.c (the daemons: their children are chrooted, their
# agents get a clean environment) opens its own at start
# (SANDBOX_SAN_LOGDIR), the other test programs follow ASAN_OPTIONS'
# log_path.  UBSAN_OPTIONS stays unset: when set it sends UBSan's reports
# back to stderr.  Nothing is symbolized at run time (a chrooted process
# cannot start llvm-symbolizer); asan_symbolize does it when the reports
# are printed.  Reports from daemon children reach no test's output: the
# run fails if any report file is not empty, whatever Kyua said.  Ends
# with "N passed, N failed".
#
#	ASAN_CC=gcc sh .ci/asan.sh	(default: clang)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/asan/src
reports=$top/build/asan/reports
cc=${ASAN_CC:-clang}
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
san="$san -fno-omit-frame-pointer"

if [ "$(id -u)" -ne 0 ]; then
	echo "check-asan: must run as root (the integration tests do)" >&2
	exit 1
fi
echo "check-asan: seccomp rules added to every profile for the" \
    "sanitizer runtime (syscall -> errno it returns, 0 = allowed; from" \
    "common/sandbox_san.c; the MDA agent has no filter):"
sed -n 's/^[[:space:]]*{ "\([a-z_0-9]*\)",[[:space:]]*\([A-Z0-9]*\),[[:space:]]*"\(.*\)" },$/	\1 -> \2: \3/p' \
    "$top/common/sandbox_san.c"

# A fresh copy of the sources (the build output and test binaries left
# behind), then the same targets as make check.
rm -rf "$src" "$reports"
mkdir -p "$src" "$reports"
chmod 1777 "$reports"		# agents report as the recipient
(cd "$top" && tar cf - --exclude=./build --exclude=./.git \
    --exclude='regress/*/*_test' --exclude='regress/*/Kyuafile' \
    --exclude='regress/Kyuafile' .) | (cd "$src" && tar xf -) || exit 1
# mail(1) unpacked by .ci/deps.sh
[ -d "$top/build/mailx" ] && mkdir -p "$src/build" &&
    cp -R "$top/build/mailx" "$src/build/"

echo "check-asan: building with $cc $san"
start=$(date +%s)
if ! CC=$cc CFLAGS="-O1 -g $san -DSANDBOX_SAN_LOGDIR=\\\"$reports\\\"" \
    LDFLAGS="$san" make -C "$src" -j2 tests >"$top/build/asan/build.log" 2>&1
then
	tail -30 "$top/build/asan/build.log"
	echo "check-asan: build failed (build/asan/build.log)"
	echo "0 passed, 1 failed"
	exit 1
fi

# leaks: LeakSanitizer stops the process with ptrace() at exit, which no
# seccomp profile allows
ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=0:halt_on_error=1"
ASAN_OPTIONS="$ASAN_OPTIONS:abort_on_error=0:symbolize=0"
export ASAN_OPTIONS
unset UBSAN_OPTIONS
out=$(mktemp /tmp/cartero-asan.XXXXXX)
sh "$src/.ci/kyua.sh" | tee "$out"
rc=0
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
rm -f "$out"
[ -n "$summary" ] || summary="0 passed, 1 failed"

# shellcheck disable=SC2086 # "N passed, N failed" into words
set -- $summary
passed=$1 failed=$3
found=0
symbolize="cat"
command -v asan_symbolize >/dev/null && symbolize=asan_symbolize
for f in "$reports"/*; do
	[ -f "$f" ] || continue
	# every sanitized daemon process leaves its (empty) file
	if [ ! -s "$f" ]; then
		rm -f "$f"
		continue
	fi
	found=$((found + 1))
	echo "===> sanitizer report $f"
	$symbolize <"$f" 2>/dev/null | head -60
done
if [ "$found" -gt 0 ]; then
	echo "check-asan: $found sanitizer report(s) in $reports"
	failed=$((failed + 1))
	rc=1
fi
echo "check-asan: $(($(date +%s) - start))s (build and run)"
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
