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

# .ci/lint.sh -- static checks: clang-tidy, cppcheck, and a grep for the
# string calls the style forbids.  Exits non-zero on any finding.
set -u
cd "$(dirname "$0")/.." || exit 1
sh .ci/deps.sh lint || exit 1

DIRS="common smtpd smtp lka queue agent signer smtpctl imapd"
PKGS="libbsd-overlay libbsd-ctor libevent_core libseccomp libtls"
FLAGS="-std=gnu11 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -I. -Icommon -Ismtpd
	-Ismtp -Ilka -Iqueue -Iagent -Isigner -Ismtpctl -Iimapd -Ibuild $(pkg-config --cflags $PKGS)"
# bugprone-* and clang-analyzer-*, less what is noise in this code base:
#  easily-swappable-parameters, reserved-identifier: style, not bugs
#  implicit-widening-of-multiplication-result: every "16 * 1024" constant
#  narrowing-conversions: libevent's short event flags, socklen_t, ...
#  sizeof-expression: flags sizeof(*v) for arrays of pointers
#  branch-clone: if/else chains that list cases with the same action
#  valist.Uninitialized: clang 14 false positive on va_list forwarding
#  optin.performance.Padding: struct layout follows meaning, not size
#  DeprecatedOrUnsafeBufferHandling: wants memcpy_s and friends
CHECKS='-*,bugprone-*,-bugprone-easily-swappable-parameters'
CHECKS="$CHECKS,-bugprone-reserved-identifier"
CHECKS="$CHECKS,-bugprone-implicit-widening-of-multiplication-result"
CHECKS="$CHECKS,-bugprone-narrowing-conversions"
CHECKS="$CHECKS,-bugprone-sizeof-expression,-bugprone-branch-clone"
CHECKS="$CHECKS,clang-analyzer-*,-clang-analyzer-valist.Uninitialized"
CHECKS="$CHECKS,-clang-analyzer-optin.performance.Padding"
INSECURE=clang-analyzer-security.insecureAPI
CHECKS="$CHECKS,-$INSECURE.DeprecatedOrUnsafeBufferHandling"
status=0

srcs=$(for d in $DIRS; do ls $d/*.c 2>/dev/null; done)
[ -f build/parse.c ] || make build/parse.c >/dev/null 2>&1 || true

echo "==> shellcheck"
if command -v shellcheck >/dev/null 2>&1; then
	shellcheck -s sh -S warning -e SC1090,SC1091,SC2154 \
	    .ci/run .ci/*.sh etc/*.sh regress/integration/*.sh \
	    regress/package/*.sh debian/cartero.init debian/cartero.cartero-imapd.init debian/cartero.postinst \
	    debian/cartero.config debian/mkconf.sh \
	    debian/cartero.postrm debian/cartero.prerm || status=1
else
	echo "lint: shellcheck not installed"; status=1
fi

echo "==> unsafe calls"
# shellcheck disable=SC2046,SC2086 # lists of files
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi)[[:space:]]*\(' \
    $srcs $(for d in $DIRS; do ls $d/*.h 2>/dev/null; done) smtpd/parse.y \
    2>/dev/null | grep -vE '/\*.*\b(strcpy|strcat|sprintf|gets|atoi)\b.*\*/'
then
	echo "lint: forbidden call(s) above (use strlcpy/snprintf/strtonum)"
	status=1
fi

echo "==> licence headers"
# every source file carries the ISC notice of LICENSE
# shellcheck disable=SC2046 # a list of files
missing=$(grep -L 'Permission to use, copy, modify' $(git ls-files \
    '*.c' '*.h' '*.y' '*.sh' '*.py' Makefile '.ci/*' 2>/dev/null))
if [ -n "$missing" ]; then
	echo "$missing"
	echo "lint: no ISC licence header in the file(s) above (see LICENSE)"
	status=1
fi

echo "==> common/ knows no daemon"
sh .ci/common_check.sh || status=1

echo "==> clang-tidy"
if command -v clang-tidy >/dev/null 2>&1; then
	tidy=$(mktemp /tmp/cartero-tidy.XXXXXX)
	# one clang-tidy per CPU, a few files each
	# shellcheck disable=SC2086
	export CHECKS FLAGS
	printf '%s\n' $srcs | xargs -P "$(nproc)" -n 4 sh -c \
	    'clang-tidy --quiet --warnings-as-errors="*" --checks="$CHECKS" \
	    "$@" -- $FLAGS' sh >"$tidy" 2>&1 || status=1
	grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated' "$tidy"
	rm -f "$tidy"
else
	echo "lint: clang-tidy not installed"; status=1
fi

# ctuuninitvar: RB_FIND with a key struct that only has the key field set
echo "==> cppcheck"
if command -v cppcheck >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	cppcheck --enable=warning,portability --inline-suppr -q \
	    --error-exitcode=1 --std=c11 -D__GNUC__ -D_GNU_SOURCE \
	    -I common -I smtpd -I lka -I queue -I smtpctl -I imapd \
	    --include=/usr/include/bsd/sys/queue.h \
	    --include=/usr/include/bsd/sys/tree.h \
	    --suppress=missingIncludeSystem --suppress=ctuuninitvar \
	    $DIRS || status=1
else
	echo "lint: cppcheck not installed"; status=1
fi

[ "$status" -eq 0 ] && echo "lint: clean" || echo "lint: FAILED"
exit "$status"
