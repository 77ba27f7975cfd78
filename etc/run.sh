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

# etc/run.sh -- start cartero's smtpd in the foreground with the
# configuration in etc/smtpd.conf (make run builds first and runs
# etc/setup.sh).  Logs go to the terminal; Ctrl-C stops the daemon.
#
# The IMAP server (imapd) is not part of this release: it comes with a
# later issue, and will be started from here too.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
conf=${CARTERO_CONF:-$top/etc/smtpd.conf}
smtpd=$top/build/smtpd

[ -x "$smtpd" ] || { echo "run: $smtpd missing: run make" >&2; exit 1; }
[ -f "$conf" ] || { echo "run: $conf missing" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
	echo "run: smtpd must be started as root" >&2
	exit 1
fi

"$smtpd" -n -f "$conf" >/dev/null
echo "run: starting $smtpd -d -f $conf (Ctrl-C to stop)"
echo "run: send mail with: $top/build/smtpctl sendmail USER < message"
exec "$smtpd" -d -f "$conf"
