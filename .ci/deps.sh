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

# .ci/deps.sh -- install the Debian 12 packages cartero needs to build,
# package and test, only those that are missing.  A machine that has
# everything does nothing and needs no network.
#
#	sh .ci/deps.sh		build, package, test and sanitizer dependencies
#	sh .ci/deps.sh lint	the same plus clang-tidy, cppcheck, shellcheck
#
# Nothing here installs a mail transport agent: bsd-mailx (which depends
# on one) is not installed but unpacked under build/mailx, and the tests
# run that copy unless the system's mail(1) is bsd-mailx already.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

# publicsuffix: also a run-time dependency (the package Depends on it):
# DMARC's organisational domain from
# /usr/share/publicsuffix/public_suffix_list.dat (common/psl.c, its tests)
BUILD="libtls-dev libevent-dev libbsd-dev libseccomp-dev libssl-dev
	libcrypt-dev libunbound-dev byacc pkg-config make gcc kyua atf-sh
	libatf-dev publicsuffix"
# liblockfile1: the library build/mailx's bsd-mailx needs
# openssl: certificates and s_client; libnet-ssleay-perl: swaks --tls
# dns-root-data: the root trust anchor of "resolver dnssec" (dns_test)
# python3-dkim (dkimsign, dkimverify; python3-nacl for Ed25519,
# python3-dnspython for the key lookups) and opendkim-tools
# (opendkim-testmsg): the DKIM interop test and make bench's reference
# figure.  Neither pulls in an MTA or a daemon: opendkim-tools needs
# libopendkim and its libraries only, not the opendkim milter.
TEST="swaks curl python3 liblockfile1 isync iproute2 procps psmisc openssl
	neomutt tmux
	dnsmasq-base dns-root-data
	libnet-ssleay-perl libio-socket-ssl-perl
	python3-dkim python3-nacl python3-dnspython opendkim-tools"
PACKAGE="debhelper dpkg-dev fakeroot lintian"
# make check-asan (run by .ci/run) and make fuzz: clang with its sanitizer
# and libFuzzer runtimes, llvm for asan_symbolize
SAN="clang libclang-rt-14-dev llvm"
LINT="clang-tidy cppcheck shellcheck"

want="$BUILD $TEST $PACKAGE $SAN"
[ "${1:-}" = lint ] && want="$want $LINT"

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

# bsd-mailx without its MTA dependency: apt-get download + dpkg-deb -x.
mailx()
{
	case "$(readlink -f /usr/bin/mail 2>/dev/null)" in
	*/bsd-mailx) return 0 ;;
	esac
	dir=$top/build/mailx
	[ -x "$dir/usr/bin/bsd-mailx" ] && return 0
	echo "deps: unpacking bsd-mailx into $dir (not installed: it" \
	    "depends on an MTA)"
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	# _apt downloads into a directory it can write
	chmod 0777 "$dir/deb"
	(cd "$dir/deb" && apt-get download -q bsd-mailx) || {
		echo "deps: apt-get download bsd-mailx failed" >&2
		return 1
	}
	dpkg-deb -x "$dir"/deb/bsd-mailx_*.deb "$dir"
	rm -rf "$dir/deb"
	if ldd "$dir/usr/bin/bsd-mailx" | grep 'not found'; then
		echo "deps: $dir/usr/bin/bsd-mailx misses libraries" >&2
		return 1
	fi
}

if [ -n "$missing" ]; then
	echo "deps: missing:$missing"
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null
	then
		SUDO=sudo
	else
		echo "deps: not root and no password-less sudo; as root run:" >&2
		echo "	apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
mailx
