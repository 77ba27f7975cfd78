#!/bin/sh
# .ci/deps.sh -- install the Debian 12 packages cartero needs to build and
# test, only those that are missing.  A machine that has everything does
# nothing and needs no network.
#
#	sh .ci/deps.sh		build and test dependencies
#	sh .ci/deps.sh lint	the same plus clang-tidy, cppcheck, shellcheck
set -eu

BUILD="libtls-dev libevent-dev libbsd-dev libseccomp-dev libssl-dev
	libcrypt-dev libunbound-dev byacc pkg-config make gcc kyua atf-sh
	libatf-dev"
TEST="swaks curl python3 bsd-mailx isync iproute2 procps psmisc"
LINT="clang-tidy cppcheck shellcheck"

want="$BUILD $TEST"
[ "${1:-}" = lint ] && want="$want $LINT"

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: missing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO=sudo
else
	echo "deps: not root and no password-less sudo; as root run:" >&2
	echo "	apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# bsd-mailx pulls in an MTA; any will do, ours is not installed system-wide.
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
