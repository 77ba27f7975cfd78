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

# .ci/fuzz.sh -- run every libFuzzer target (make fuzz builds them) for
# FUZZ_SECONDS seconds (default 60), one after the other, and print a table
# of executions per second and coverage.
#
#	FUZZ_SECONDS=60 sh .ci/fuzz.sh build/fuzz/NAME_fuzz...
#
# Each target works on a copy of its seed corpus (regress/fuzz/corpus/NAME
# copied into build/fuzz/corpus/NAME, which keeps what earlier runs found),
# with regress/fuzz/NAME.dict when it exists.  A finding (crash, sanitizer
# report, leak, timeout, out of memory) fails the run; libFuzzer's input is
# kept in build/fuzz/findings/NAME/ and its path printed.  Make it a unit
# test case in regress/unit/ and add it to the seed corpus once fixed.
# Reproduce: build/fuzz/NAME_fuzz build/fuzz/findings/NAME/crash-...
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
case $secs in
''|*[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a number of seconds" >&2
	exit 2 ;;
esac
[ $# -gt 0 ] || { echo "fuzz: no targets (make fuzz builds them)" >&2; exit 2; }
table=$(mktemp /tmp/cartero-fuzz.XXXXXX)
failed=0

# stat LOG FIELD: the value after "FIELD: " on libFuzzer's last status line
stat()
{
	grep -E '^#[0-9]+' "$1" | tail -1 |
	    sed -n "s|.* $2: *\([^ ]*\).*|\1|p"
}

for bin in "$@"; do
	name=$(basename "$bin" _fuzz)
	seeds=$top/regress/fuzz/corpus/$name
	work=$top/build/fuzz/corpus/$name
	found=$top/build/fuzz/findings/$name
	log=$top/build/fuzz/$name.log
	mkdir -p "$work" "$found"
	[ -d "$seeds" ] && cp -R "$seeds/." "$work/"
	dict=
	[ -f "$top/regress/fuzz/$name.dict" ] &&
	    dict=-dict=$top/regress/fuzz/$name.dict
	echo "fuzz: $name for ${secs}s"
	# -close_fd_mask=3: the targets' own output (parser warnings) is
	# dropped; libFuzzer and the sanitizers still report on stderr.
	# shellcheck disable=SC2086 # $dict is empty or one word
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=8192 -close_fd_mask=3 -print_final_stats=1 \
	    -artifact_prefix="$found/" $dict "$work" >"$log" 2>&1
	rc=$?
	result=ok
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		result=FINDING
		grep -E 'ERROR|SUMMARY|Test unit written to' "$log" >&2
		for f in "$found"/*; do
			[ -f "$f" ] && echo "fuzz: $name: finding kept in $f" >&2
		done
		echo "fuzz: $name: exit $rc, full log in $log" >&2
	fi
	printf '%-12s %10s %8s %8s %8s  %s\n' "$name" \
	    "$(stat "$log" exec/s)" "$(stat "$log" cov)" "$(stat "$log" ft)" \
	    "$(find "$work" -type f | wc -l)" "$result" >>"$table"
done

echo
printf '%-12s %10s %8s %8s %8s  %s\n' target exec/s cov ft corpus result
cat "$table"
rm -f "$table"
if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed target(s) with a finding" >&2
	exit 1
fi
echo "fuzz: no finding in $# target(s), ${secs}s each"
