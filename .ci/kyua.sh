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

# .ci/kyua.sh -- run a Kyua suite (by default regress/Kyuafile, generated
# by make), show the details of what broke or failed, and end with the line
#
#	N passed, N failed
#
# Exits non-zero if anything failed or broke, or if no test ran at all.
#
#	sh .ci/kyua.sh [KYUAFILE [RESULTS-DB]]
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
kyuafile=${1:-$top/regress/Kyuafile}
db=${2:-$top/build/kyua.db}
cd "$top/build" || { echo "kyua: no build directory; run make" >&2; exit 1; }
rm -f "$db"

if [ ! -f "$kyuafile" ]; then
	echo "kyua: $kyuafile missing; run make tests" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

kyua test --kyuafile "$kyuafile" --results-file "$db"

summary=$(kyua report --results-file "$db" 2>/dev/null |
    grep '^Test cases:' | tail -1)
# shellcheck disable=SC2046 # split the numbers into $1..$5
set -- $(echo "$summary" | sed 's/[^0-9]/ /g')
total=${1:-0}
broken=${4:-0}
failed=${5:-0}

if [ $((broken + failed)) -gt 0 ]; then
	echo
	echo "===> Details of broken and failed test cases"
	kyua report --results-file "$db" --verbose \
	    --results-filter broken,failed |
	    awk '/^===> Execution context/ { skip = 1; next }
		 /^===> / { skip = 0 }
		 /^Metadata:/ { meta = 1; next }
		 meta && /^    / { next }
		 { meta = 0 }
		 !skip'
else
	echo "$summary"
fi

passed=$((total - broken - failed))
failed=$((broken + failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$total" -gt 0 ]
