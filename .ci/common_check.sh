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

# .ci/common_check.sh [DIR] -- common/ is a library of no daemon.  Fails
# (exit 1, naming file and line) if a file under DIR (default: common/)
#	- includes a header in quotes that is not in DIR itself (smtpd.h,
#	  lka.h, parse.h...: a daemon's), or
#	- names one of smtpd's processes (PROC_LKA..., "lka"...), its sandbox
#	  profiles (SANDBOX_LKA...) or declares its imsg_rules[].
# A daemon passes all of that in (proc_setup(), struct sandbox_profile).
# Run by make lint and by regress/integration/layering_test.
set -u
dir=${1:-$(cd "$(dirname "$0")/../common" && pwd)}
status=0

for f in "$dir"/*.c "$dir"/*.h; do
	[ -f "$f" ] || continue
	for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		if [ ! -f "$dir/$h" ]; then
			echo "$f: includes \"$h\", not a header of $dir"
			status=1
		fi
	done
done

procs='PROC_(PARENT|CONTROL|LKA|QUEUE|SMTP|AGENT|CLIENT|COUNT)'
names='"(parent|control|lka|queue|smtp|agent|agent-mda|client|pickup)"'
profiles='SANDBOX_(CONTROL|LKA|QUEUE|SMTP|AGENT|AGENT_MDA|PICKUP)'
if grep -nE "\\b$procs\\b|$names|\\b$profiles\\b|\\bimsg_rules\\[\\]" \
    "$dir"/*.c "$dir"/*.h; then
	echo "common_check: the line(s) above name smtpd's processes"
	status=1
fi
[ "$status" -eq 0 ] || echo "common_check: $dir must know no daemon"
exit "$status"
