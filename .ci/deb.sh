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

# .ci/deb.sh -- build the Debian package (make deb): dpkg-buildpackage -b
# on a copy of the tree under build/deb, so that the source tree stays
# clean and nothing is written next to it; the artifacts end up in build/:
#
#	build/cartero_VERSION_ARCH.deb	(and .buildinfo, .changes, dbgsym)
#
# Prints the path of the .deb last.  The build log is build/deb/build.log.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
for t in dpkg-buildpackage dh fakeroot; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "deb: $t missing: run sh .ci/deps.sh (as root)" >&2
		exit 1
	}
done

version=$(dpkg-parsechangelog -l debian/changelog -SVersion)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
work=$top/build/deb
src=$work/cartero-$version
rm -rf "$work"
mkdir -p "$src"
# the tree as it is (committed or not), less build products and VCS data
tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -

echo "deb: dpkg-buildpackage -b -us -uc in $src"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc -J"$(nproc)") \
    >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	echo "deb: dpkg-buildpackage failed; log: $work/build.log" >&2
	exit 1
fi
rm -f "$top"/build/cartero_*.deb "$top"/build/cartero-dbgsym_*.deb \
    "$top"/build/cartero_*.buildinfo "$top"/build/cartero_*.changes
for f in "$work"/cartero_"$version"_* "$work"/cartero-dbgsym_"$version"_*; do
	if [ -e "$f" ]; then cp "$f" "$top/build/"; fi
done
deb=$top/build/cartero_${version}_${arch}.deb
[ -f "$deb" ] || { echo "deb: $deb was not built" >&2; exit 1; }
echo "$deb"
