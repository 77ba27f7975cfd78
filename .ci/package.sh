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

# .ci/package.sh -- make check-package: build the Debian package, install
# it over whatever MTA the machine has, then run regress/package (Kyua),
# which checks the result.  Ends with the line "N passed, N failed" and
# exits non-zero if anything failed.  Leaves cartero installed and running.
#
#	CARTERO_TEST_REPLACE=1	first install exim4-daemon-light if no MTA
#				is installed, to prove that cartero
#				replaces it (slow: pulls exim from the net)
#
# State for the test cases, in build/package/:
#	version		the version built (the one that must be installed)
#	changes		the .changes file (lintian)
#	mta-before	packages that provided mail-transport-agent before
#	install.log, install.rc	apt-get install's output and status
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
state=$top/build/package
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
	echo "check-package: must run as root (it installs the package)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# installed packages that provide mail-transport-agent, cartero aside
mtas()
{
	dpkg-query -W -f='${Package}\t${Status}\t${Provides}\n' |
	    awk -F '\t' '$2 ~ / installed$/ && $3 ~ /mail-transport-agent/ &&
		$1 != "cartero" { print $1 }'
}

rm -rf "$state"
mkdir -p "$state"
echo "check-package: building the package"
deb=$(sh .ci/deb.sh | tail -n 1)
version=$(dpkg-parsechangelog -l debian/changelog -SVersion)
echo "$version" >"$state/version"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
echo "$top/build/cartero_${version}_${arch}.changes" >"$state/changes"

if [ -f "$deb" ]; then
	if [ -n "${CARTERO_TEST_REPLACE:-}" ] && [ -z "$(mtas)" ]; then
		echo "check-package: installing exim4-daemon-light first"
		timeout 600 apt-get install -y -q exim4-daemon-light \
		    >"$state/exim.log" 2>&1 ||
		    echo "check-package: could not install exim4 (see" \
		    "$state/exim.log)" >&2
	fi
	mtas >"$state/mta-before"
	echo "check-package: installing $deb (replaces:" \
	    "$(tr '\n' ' ' <"$state/mta-before"))"
	# --reinstall: the same version may be installed already
	timeout 600 apt-get install -y -q --reinstall \
	    -o Dpkg::Options::=--force-confdef \
	    -o Dpkg::Options::=--force-confold "$deb" \
	    >"$state/install.log" 2>&1
	echo $? >"$state/install.rc"
	tail -n 5 "$state/install.log"
else
	echo "check-package: no package was built" >&2
	: >"$state/mta-before"
	echo 1 >"$state/install.rc"
fi

make -s package-tests || { echo "0 passed, 1 failed"; exit 1; }
sh .ci/kyua.sh "$top/regress/package/Kyuafile" "$top/build/kyua-package.db"
